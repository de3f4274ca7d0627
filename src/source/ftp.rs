//! FTP and FTPS servers: the reason this project exists (attackers harvest patient records
//! from anonymous FTP servers at small offices).
//!
//! - `ftp://[user@]host[:port]/path`, `ftps://...` (explicit AUTH TLS, certificates verified
//!   against the system roots or `--ca-file`; `--insecure-tls` is loud and recorded). No user
//!   means anonymous. Passwords come only from PHISCAN_FTP_PASSWORD or ~/.netrc and never
//!   appear in any output: paths are `ftp://host:port/dir/file`.
//! - Every socket has timeouts: connect, control reads and writes, and the passive data
//!   connection (suppaftp's default data stream has none: we build it).
//! - Listing: MLSD when FEAT offers it, else `LIST -a` parsed as Unix or DOS/IIS lines. Names
//!   are labels only: a name with `/`, `..` or control characters is reported, never
//!   followed. Symbolic links are not followed; directories are visited once.
//! - Transfers are binary, streamed into memory up to a threshold and into a private temp file
//!   (0600 in a 0700 dir, deleted after use) beyond it.

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use suppaftp::list::File as ListEntry;
use suppaftp::types::FileType;
use suppaftp::{FtpError, RustlsConnector, RustlsFtpStream, Status};

/// A parsed FTP target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpTarget {
    pub secure: bool,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    /// Absolute path on the server ("/" by default).
    pub path: String,
}

impl FtpTarget {
    pub fn is_ftp_url(s: &str) -> bool {
        let l = s.to_ascii_lowercase();
        l.starts_with("ftp://") || l.starts_with("ftps://")
    }

    pub fn parse(url: &str) -> Result<FtpTarget> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| anyhow!("not a URL"))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "ftp" => false,
            "ftps" => true,
            s => bail!("unsupported scheme {s:?} (use ftp:// or ftps://)"),
        };
        let (auth, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (user, hostport) = match auth.rsplit_once('@') {
            Some((u, h)) => {
                if u.contains(':') {
                    bail!("passwords are not accepted in the URL: use PHISCAN_FTP_PASSWORD or ~/.netrc");
                }
                (Some(percent_decode(u)), h)
            }
            None => (None, auth),
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let (h, p) = h.split_once(']').ok_or_else(|| anyhow!("bad IPv6 host"))?;
            (
                h.to_string(),
                p.strip_prefix(':')
                    .map(str::parse)
                    .transpose()?
                    .unwrap_or(21),
            )
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().context("bad port")?),
                None => (hostport.to_string(), 21),
            }
        };
        if host.is_empty() {
            bail!("no host in {url:?}");
        }
        let mut path = percent_decode(path);
        if path.len() > 1 && path.ends_with('/') {
            path.pop();
        }
        Ok(FtpTarget {
            secure,
            host,
            port,
            user,
            path,
        })
    }

    /// `ftp://host:port` (never the user or password): the prefix of inventory paths.
    pub fn base(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{}://{host}:{}",
            if self.secure { "ftps" } else { "ftp" },
            self.port
        )
    }

    pub fn display(&self) -> String {
        format!("{}{}", self.base(), self.path)
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How to talk to FTP servers, from the CLI.
#[derive(Clone)]
pub struct FtpOptions {
    pub connections: usize,
    pub ca_file: Option<PathBuf>,
    pub insecure_tls: bool,
    pub timeout: Duration,
    pub retries: u32,
    /// Transfers larger than this go to a private temp file.
    pub memory_threshold: u64,
}

impl std::fmt::Debug for FtpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FtpOptions")
            .field("connections", &self.connections)
            .finish_non_exhaustive()
    }
}

/// The password for a target: PHISCAN_FTP_PASSWORD, else ~/.netrc (machine/login/password).
/// Anonymous logins use "anonymous@" as RFC 1635 asks.
pub fn password_for(t: &FtpTarget) -> Option<String> {
    let user = t.user.as_deref()?;
    if user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp") {
        return Some("anonymous@".into());
    }
    if let Ok(p) = std::env::var("PHISCAN_FTP_PASSWORD") {
        return Some(p);
    }
    let home = std::env::var_os("HOME")?;
    let text = std::fs::read_to_string(PathBuf::from(home).join(".netrc")).ok()?;
    netrc_password(&text, &t.host, user)
}

pub fn netrc_password(text: &str, host: &str, user: &str) -> Option<String> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    let mut default: Option<String> = None;
    while i < toks.len() {
        let (is_machine, is_default) = (toks[i] == "machine", toks[i] == "default");
        if is_machine || is_default {
            let m = if is_machine {
                toks.get(i + 1).copied()
            } else {
                None
            };
            i += if is_machine { 2 } else { 1 };
            let (mut login, mut pass) = (None, None);
            while i < toks.len() && toks[i] != "machine" && toks[i] != "default" {
                match toks[i] {
                    "login" => login = toks.get(i + 1).copied(),
                    "password" => pass = toks.get(i + 1).copied(),
                    _ => {}
                }
                i += 2;
            }
            let user_ok = login.is_none_or(|l| l == user);
            if user_ok {
                if m == Some(host) {
                    return pass.map(str::to_string);
                }
                if is_default && default.is_none() {
                    default = pass.map(str::to_string);
                }
            }
        } else {
            i += 1;
        }
    }
    default
}

/// Why an FTP operation failed, in words fit for a file record.
pub fn describe(e: &FtpError) -> String {
    match e {
        FtpError::ConnectionError(io)
            if io.kind() == io::ErrorKind::WouldBlock || io.kind() == io::ErrorKind::TimedOut =>
        {
            "timed out".into()
        }
        FtpError::ConnectionError(io) if io.to_string().contains("certificate") => {
            format!("TLS certificate not trusted ({io}): use --ca-file with the server's CA, or --insecure-tls")
        }
        FtpError::ConnectionError(io) => format!("connection error: {io}"),
        FtpError::UnexpectedResponse(r) => {
            let body = String::from_utf8_lossy(&r.body);
            let line = body.lines().next().unwrap_or("").trim();
            let code = r.status.code();
            let line = line
                .strip_prefix(&code.to_string())
                .unwrap_or(line)
                .trim_start_matches(['-', ' ']);
            format!(
                "server answered {code} {}",
                line.chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect::<String>()
            )
        }
        FtpError::SecureError(s) => format!("TLS error: {s}"),
        other => other.to_string(),
    }
}

pub fn code_of(e: &FtpError) -> Option<u32> {
    match e {
        FtpError::UnexpectedResponse(r) => Some(r.status.code()),
        _ => None,
    }
}

/// TLS client configuration: system roots plus `--ca-file`, or no verification at all.
pub fn tls_config(opts: &FtpOptions) -> Result<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    if opts.insecure_tls {
        let cfg = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth();
        return Ok(Arc::new(cfg));
    }
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for c in native.certs {
        let _ = roots.add(c);
    }
    if let Some(ca) = &opts.ca_file {
        let pem =
            std::fs::read(ca).with_context(|| format!("reading --ca-file {}", ca.display()))?;
        use rustls::pki_types::pem::PemObject;
        let mut n = 0;
        for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
            roots
                .add(c.context("parsing --ca-file")?)
                .context("adding the --ca-file certificate")?;
            n += 1;
        }
        if n == 0 {
            bail!("--ca-file {} holds no PEM certificate", ca.display());
        }
    }
    Ok(Arc::new(
        builder.with_root_certificates(roots).with_no_client_auth(),
    ))
}

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// One logged-in control connection.
pub struct Session {
    pub ftp: RustlsFtpStream,
    pub mlsd: bool,
    pub banner: String,
    pub features: Vec<String>,
}

fn resolve(t: &FtpTarget) -> io::Result<SocketAddr> {
    (t.host.as_str(), t.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host has no address"))
}

/// Open a control connection with timeouts, read the banner, and (for ftps) secure it.
pub fn open(
    t: &FtpTarget,
    opts: &FtpOptions,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<RustlsFtpStream, FtpError> {
    let addr = resolve(t).map_err(FtpError::ConnectionError)?;
    let tcp = TcpStream::connect_timeout(&addr, opts.timeout).map_err(FtpError::ConnectionError)?;
    tcp.set_read_timeout(Some(opts.timeout))
        .map_err(FtpError::ConnectionError)?;
    tcp.set_write_timeout(Some(opts.timeout))
        .map_err(FtpError::ConnectionError)?;
    let timeout = opts.timeout;
    let mut ftp =
        RustlsFtpStream::connect_with_stream(tcp)?.passive_stream_builder(move |a: SocketAddr| {
            let s = TcpStream::connect_timeout(&a, timeout).map_err(FtpError::ConnectionError)?;
            s.set_read_timeout(Some(timeout))
                .map_err(FtpError::ConnectionError)?;
            s.set_write_timeout(Some(timeout))
                .map_err(FtpError::ConnectionError)?;
            Ok(s)
        });
    // Passive replies from servers behind NAT often name a private address: use the
    // control connection's peer instead.
    ftp.set_passive_nat_workaround(true);
    if t.secure {
        let cfg = tls.ok_or_else(|| FtpError::SecureError("no TLS configuration".into()))?;
        ftp = ftp.into_secure(RustlsConnector::from(Arc::clone(cfg)), &t.host)?;
    }
    Ok(ftp)
}

impl Session {
    /// Connect, log in (anonymous without a user), switch to binary, read the features.
    pub fn connect(
        t: &FtpTarget,
        opts: &FtpOptions,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Session, FtpError> {
        let mut ftp = open(t, opts, tls)?;
        let banner = ftp.get_welcome_msg().unwrap_or("").to_string();
        let user = t.user.clone().unwrap_or_else(|| "anonymous".into());
        let pass = password_for(&FtpTarget {
            user: Some(user.clone()),
            ..t.clone()
        })
        .unwrap_or_default();
        ftp.login(user.as_str(), pass.as_str())?;
        ftp.transfer_type(FileType::Binary)?;
        let features: Vec<String> = ftp
            .feat()
            .map(|f| f.keys().map(|k| k.to_ascii_uppercase()).collect())
            .unwrap_or_default();
        let mlsd = features
            .iter()
            .any(|f| f == "MLSD" || f.starts_with("MLST"));
        if features.iter().any(|f| f == "UTF8") {
            let _ = ftp.opts("UTF8", Some("ON"));
        }
        Ok(Session {
            ftp,
            mlsd,
            banner,
            features,
        })
    }

    /// List a directory: MLSD if the server has it, else `LIST -a`, else `LIST`.
    pub fn list(&mut self, dir: &str) -> Result<Vec<Remote>, FtpError> {
        if self.mlsd {
            let lines = self.ftp.mlsd(Some(dir))?;
            return Ok(lines.iter().filter_map(|l| parse_mlsd(l)).collect());
        }
        self.ftp.cwd(dir)?;
        let lines = match self.ftp.list(Some("-a")) {
            Ok(l) => l,
            Err(e) if code_of(&e).is_some() => self.ftp.list(None)?,
            Err(e) => return Err(e),
        };
        Ok(lines.iter().filter_map(|l| parse_list_line(l)).collect())
    }

    /// Download a file: in memory up to `threshold`, else into a private temp file.
    pub fn retrieve(
        &mut self,
        path: &str,
        threshold: u64,
        max: u64,
        tmp: &std::path::Path,
    ) -> Result<Download, Failure> {
        let mut stream = self
            .ftp
            .retr_as_stream(path)
            .map_err(|e| match code_of(&e) {
                Some(c) if (500..600).contains(&c) => Failure::Permanent(describe(&e)),
                _ => Failure::Transient(describe(&e)),
            })?;
        let mut mem = Vec::new();
        let mut spilled: Option<tempfile::NamedTempFile> = None;
        let mut total = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        let res: Result<(), String> = loop {
            match stream.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    total += n as u64;
                    if total > max {
                        break Err(format!(
                            "larger than --max-file-size ({})",
                            crate::inventory::human_bytes(max)
                        ));
                    }
                    if spilled.is_none() && (mem.len() + n) as u64 > threshold {
                        match tempfile::Builder::new().prefix("ftp-").tempfile_in(tmp) {
                            Ok(mut f) => {
                                if let Err(e) = f.write_all(&mem) {
                                    break Err(format!("cannot write the private temp file: {e}"));
                                }
                                mem = Vec::new();
                                spilled = Some(f);
                            }
                            Err(e) => break Err(format!("cannot create a private temp file: {e}")),
                        }
                    }
                    match &mut spilled {
                        Some(f) => {
                            if let Err(e) = f.write_all(&buf[..n]) {
                                break Err(format!("cannot write the private temp file: {e}"));
                            }
                        }
                        None => mem.extend_from_slice(&buf[..n]),
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    break Err(format!(
                        "transfer stalled after {total} bytes (data connection timed out)"
                    ));
                }
                Err(e) => break Err(format!("transfer interrupted after {total} bytes: {e}")),
            }
        };
        if let Err(e) = res {
            drop(stream);
            return Err(if e.starts_with("larger than") {
                Failure::Permanent(e)
            } else {
                Failure::Transient(e)
            });
        }
        stream.finish().map_err(|e| {
            Failure::Transient(format!(
                "transfer not confirmed by the server: {}",
                describe(&e)
            ))
        })?;
        Ok(match spilled {
            Some(f) => Download::File(f, total),
            None => Download::Memory(mem),
        })
    }
}

/// Why a download failed: worth retrying on a new connection, or not.
#[derive(Debug)]
pub enum Failure {
    Transient(String),
    Permanent(String),
}

pub enum Download {
    Memory(Vec<u8>),
    File(tempfile::NamedTempFile, u64),
}

/// An entry of a remote directory listing.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    pub kind: RemoteKind,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteKind {
    File,
    Dir,
    Link,
}

fn from_entry(e: ListEntry) -> Remote {
    let kind = if e.is_directory() {
        RemoteKind::Dir
    } else if e.is_symlink() {
        RemoteKind::Link
    } else {
        RemoteKind::File
    };
    let m = e.modified();
    Remote {
        name: e.name().to_string(),
        kind,
        size: e.size() as u64,
        modified: (m != SystemTime::UNIX_EPOCH).then_some(m),
    }
}

pub fn parse_mlsd(line: &str) -> Option<Remote> {
    // cdir/pdir entries are the directory itself and its parent.
    let lower = line.to_ascii_lowercase();
    if lower.contains("type=cdir") || lower.contains("type=pdir") {
        return None;
    }
    let mut r = suppaftp::list::ListParser::parse_mlsd(line)
        .ok()
        .map(from_entry)?;
    if lower.contains("type=os.unix=symlink") || lower.contains("type=os.unix=slink") {
        r.kind = RemoteKind::Link;
    }
    Some(r)
}

/// A LIST line, Unix (`-rw-r--r-- 1 ftp ftp 123 Jan 01 12:00 name`) or DOS/IIS
/// (`01-01-24  12:00PM  123 name`).
pub fn parse_list_line(line: &str) -> Option<Remote> {
    if line.starts_with("total ") {
        return None;
    }
    let e = suppaftp::list::ListParser::parse_posix(line)
        .or_else(|_| suppaftp::list::ListParser::parse_dos(line))
        .ok()?;
    let r = from_entry(e);
    if r.name == "." || r.name == ".." {
        return None;
    }
    Some(r)
}

/// Is a name from a listing safe to use as one path component?
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name == "." || name == ".." {
        Some("empty or dot name")
    } else if name.contains('/') || name.contains('\\') {
        Some("name contains a path separator")
    } else if name.chars().any(char::is_control) {
        Some("name contains control characters")
    } else {
        None
    }
}

pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// What the exposure audit found (`phiscan ftp-audit`, and the summary of an FTP scan).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Audit {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub target: String,
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub banner: String,
    /// The server software named in the banner, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    pub anonymous_login: bool,
    pub anonymous_list: bool,
    /// null unless --probe-write was given.
    pub anonymous_write: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_probe: Option<WriteProbe>,
    pub auth_tls_offered: bool,
    /// The server accepts a login (USER/PASS) over an unencrypted control connection.
    pub plaintext_login_accepted: bool,
    pub mlsd: bool,
    pub insecure_tls: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct WriteProbe {
    pub directory: String,
    pub file: String,
    pub uploaded: bool,
    pub deleted: bool,
}

fn software_from_banner(b: &str) -> Option<String> {
    let l = b.to_ascii_lowercase();
    for (needle, name) in [
        ("vsftpd", "vsftpd"),
        ("pyftpdlib", "pyftpdlib"),
        ("pure-ftpd", "Pure-FTPd"),
        ("proftpd", "ProFTPD"),
        ("filezilla", "FileZilla Server"),
        ("microsoft ftp", "Microsoft FTP Service"),
        ("serv-u", "Serv-U"),
        ("wu-", "wu-ftpd"),
    ] {
        if let Some(i) = l.find(needle) {
            let word: String = b[i..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ')' && *c != ']')
                .collect();
            return Some(if word.len() > name.len() {
                word
            } else {
                name.to_string()
            });
        }
    }
    None
}

/// The non-intrusive checks, plus the write probe when asked.
pub fn audit(t: &FtpTarget, opts: &FtpOptions, probe_write: bool) -> Audit {
    let mut a = Audit {
        ty: "ftp_audit",
        target: t.display(),
        insecure_tls: opts.insecure_tls,
        ..Audit::default()
    };
    // 1. Plain control connection: banner, FEAT (AUTH TLS offered?), anonymous login.
    let plain = FtpTarget {
        secure: false,
        ..t.clone()
    };
    let mut ftp = match open(&plain, opts, None) {
        Ok(f) => f,
        Err(e) => {
            a.error = Some(describe(&e));
            return a;
        }
    };
    a.reachable = true;
    a.banner = ftp
        .get_welcome_msg()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    a.software = software_from_banner(&a.banner);
    if let Ok(f) = ftp.feat() {
        let keys: Vec<String> = f
            .iter()
            .map(|(k, v)| format!("{} {}", k, v.clone().unwrap_or_default()).to_ascii_uppercase())
            .collect();
        a.auth_tls_offered = keys
            .iter()
            .any(|k| k.starts_with("AUTH") && k.contains("TLS"));
        a.mlsd = keys
            .iter()
            .any(|k| k.starts_with("MLSD") || k.starts_with("MLST"));
    }
    // Would the server take a password in clear? Send USER for a name that cannot exist:
    // 331 (send the password) means yes; 530 ("encryption required") means no.
    let probe_user = format!("phiscan-probe-{}", std::process::id());
    match ftp.custom_command(
        format!("USER {probe_user}"),
        &[Status::NeedPassword, Status::LoggedIn],
    ) {
        Ok(_) => a.plaintext_login_accepted = true,
        Err(_) => a.plaintext_login_accepted = false,
    }
    let _ = ftp.quit();
    // 2. Anonymous login and listing, over the connection the target asks for.
    let anon_t = FtpTarget {
        user: None,
        ..t.clone()
    };
    let tls = if t.secure {
        tls_config(opts).ok()
    } else {
        None
    };
    match Session::connect(&anon_t, opts, tls.as_ref()) {
        Ok(mut s) => {
            a.anonymous_login = true;
            // An anonymous login over an unencrypted connection is a plaintext login.
            a.plaintext_login_accepted |= !t.secure;
            if !s.banner.is_empty() && a.banner.is_empty() {
                a.banner = s.banner.clone();
            }
            let listing = s.list(&t.path);
            a.anonymous_list = listing.is_ok();
            if probe_write {
                let mut dirs = vec![t.path.clone()];
                if let Ok(l) = &listing {
                    dirs.extend(
                        l.iter()
                            .filter(|r| {
                                r.kind == RemoteKind::Dir && name_problem(&r.name).is_none()
                            })
                            .take(20)
                            .map(|r| join(&t.path, &r.name)),
                    );
                }
                a.anonymous_write = Some(false);
                for d in dirs {
                    if let Some(p) = write_probe(&mut s, &d) {
                        a.anonymous_write = Some(p.uploaded);
                        let done = p.uploaded;
                        a.write_probe = Some(p);
                        if done {
                            break;
                        }
                    }
                }
            }
            let _ = s.ftp.quit();
        }
        Err(e) => {
            if probe_write {
                a.anonymous_write = Some(false);
            }
            if code_of(&e).is_none() && a.error.is_none() {
                a.error = Some(describe(&e));
            }
        }
    }
    a
}

/// Upload a uniquely named harmless file into `dir` and delete it again.
fn write_probe(s: &mut Session, dir: &str) -> Option<WriteProbe> {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!("phiscan-write-probe-{}-{nanos}.txt", std::process::id());
    let path = join(dir, &name);
    let body = b"phiscan write probe: this server accepts anonymous uploads. This file should have been deleted.\n";
    let uploaded = s.ftp.put_file(path.as_str(), &mut &body[..]).is_ok();
    if !uploaded {
        return None;
    }
    let deleted = s.ftp.rm(path.as_str()).is_ok();
    Some(WriteProbe {
        directory: dir.to_string(),
        file: name,
        uploaded,
        deleted,
    })
}

/// Walk the server from the target path. Calls `file` for each file to download and `note`
/// for entries reported without downloading (links, unsafe names, unlistable directories).
pub fn walk(
    s: &mut Session,
    t: &FtpTarget,
    max_entries: usize,
    file: &mut dyn FnMut(String, Remote),
    note: &mut dyn FnMut(String, crate::inventory::Status, String),
) -> Result<(), FtpError> {
    let mut seen: HashSet<String> = HashSet::new();
    // (directory, depth, fingerprints of the listings of its ancestors)
    let mut stack: Vec<(String, usize, Vec<u64>)> = vec![(t.path.clone(), 0usize, Vec::new())];
    let mut entries = 0usize;
    let mut first = true;
    while let Some((dir, depth, ancestors)) = stack.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let list = match s.list(&dir) {
            Ok(l) => l,
            Err(e) if first => return Err(e),
            Err(e) => {
                note(
                    dir.clone(),
                    crate::inventory::Status::Error,
                    format!("cannot list the directory: {}", describe(&e)),
                );
                continue;
            }
        };
        first = false;
        // A directory that lists exactly like one of its ancestors is the same directory seen
        // again (a server-side cycle: "loop -> ."): not descended into.
        let listing_id = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for r in &list {
                (&r.name, r.size, r.kind == RemoteKind::Dir).hash(&mut h);
            }
            h.finish()
        };
        if !list.is_empty() && ancestors.contains(&listing_id) {
            note(dir.clone(), crate::inventory::Status::Skipped, "directory lists exactly like one of its parents: a cycle on the server, not followed".into());
            continue;
        }
        let mut lineage = ancestors.clone();
        lineage.push(listing_id);
        let mut names = HashSet::new();
        for r in list {
            entries += 1;
            if entries > max_entries {
                note(
                    dir.clone(),
                    crate::inventory::Status::Error,
                    format!("listing stopped after {max_entries} entries"),
                );
                return Ok(());
            }
            if let Some(p) = name_problem(&r.name) {
                note(
                    join(&dir, &r.name.escape_debug().to_string()),
                    crate::inventory::Status::Error,
                    format!("unsafe name from the server listing ({p}): not followed"),
                );
                continue;
            }
            if !names.insert(r.name.clone()) {
                continue; // listed twice
            }
            let path = join(&dir, &r.name);
            match r.kind {
                RemoteKind::Dir if depth >= 64 => note(
                    path,
                    crate::inventory::Status::Error,
                    "directory nested more than 64 levels: not entered".into(),
                ),
                RemoteKind::Dir => stack.push((path, depth + 1, lineage.clone())),
                RemoteKind::Link => note(
                    path,
                    crate::inventory::Status::Skipped,
                    "symbolic link on the server: not followed".into(),
                ),
                RemoteKind::File => file(path, r),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t =
            FtpTarget::parse("ftp://scanner@files.example.org:2121/pub/Patient Files/").unwrap();
        assert_eq!(t.host, "files.example.org");
        assert_eq!(t.port, 2121);
        assert_eq!(t.user.as_deref(), Some("scanner"));
        assert_eq!(t.path, "/pub/Patient Files");
        assert_eq!(t.base(), "ftp://files.example.org:2121");
        let a = FtpTarget::parse("ftps://127.0.0.1").unwrap();
        assert!(a.secure && a.user.is_none() && a.path == "/" && a.port == 21);
        assert!(FtpTarget::parse("ftp://u:secret@h/").is_err());
        assert_eq!(FtpTarget::parse("ftp://h/a%20b").unwrap().path, "/a b");
    }

    #[test]
    fn netrc() {
        let n = "machine other login x password nope\nmachine files.example.org login scanner password s3cret\ndefault login anonymous password guest\n";
        assert_eq!(
            netrc_password(n, "files.example.org", "scanner").as_deref(),
            Some("s3cret")
        );
        assert_eq!(netrc_password(n, "files.example.org", "someone"), None);
    }

    #[test]
    fn listings() {
        let u = parse_list_line(
            "-rw-r--r--    1 ftp      ftp          1234 Jan 02 12:00 Patient List 2023.csv",
        )
        .unwrap();
        assert_eq!(
            (u.name.as_str(), u.kind, u.size),
            ("Patient List 2023.csv", RemoteKind::File, 1234)
        );
        let d = parse_list_line("drwxr-xr-x    2 ftp      ftp          4096 Jan 02 12:00 .hidden")
            .unwrap();
        assert_eq!((d.name.as_str(), d.kind), (".hidden", RemoteKind::Dir));
        let l = parse_list_line("lrwxrwxrwx    1 ftp      ftp             4 Jan 02 12:00 up -> ..")
            .unwrap();
        assert_eq!(l.kind, RemoteKind::Link);
        let w = parse_list_line("01-02-24  12:00PM                 1234 claims.x12").unwrap();
        assert_eq!((w.name.as_str(), w.size), ("claims.x12", 1234));
        let m = parse_mlsd("type=file;size=55;modify=20240102120000; notes.txt").unwrap();
        assert_eq!((m.name.as_str(), m.size), ("notes.txt", 55));
        assert!(parse_mlsd("type=cdir; .").is_none());
        assert_eq!(
            name_problem("../etc"),
            Some("name contains a path separator")
        );
        assert_eq!(
            name_problem("a\nb"),
            Some("name contains control characters")
        );
    }
}
