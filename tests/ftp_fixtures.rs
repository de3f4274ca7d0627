//! Smoke tests of the FTP fixtures (tests/ftp_support.rs) with standard clients: Python's ftplib
//! (OpenSSL) and suppaftp with rustls (what phiscan uses). They check the servers, not phiscan.

use crate::ftp_support::{self, Fault, FtpServer, Opts, FAULT_FILE, TEST_PASSWORD, TEST_USER};
use serde_json::Value;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs a Python ftplib script against `server`; the script prints one JSON value.
/// In scope: ftplib, ssl, json, sys, socket, hashlib, HOST, PORT, CA, USER, PASSWORD,
/// connect(timeout=20) -> FTP (not logged in), tls_connect() -> FTP_TLS trusting CA,
/// sha(bytes) -> hex, retr(ftp, name) -> bytes (binary), lines(ftp, cmd) -> [str].
fn ftplib(server: &FtpServer, script: &str) -> Value {
    let prelude = r#"
import ftplib, ssl, json, sys, socket, hashlib, os
HOST = "127.0.0.1"
PORT = int(os.environ["PORT"])
CA = os.environ.get("CA")
USER = os.environ["USER_LOGIN"]
PASSWORD = os.environ["USER_PASSWORD"]
def connect(timeout=20):
    ftp = ftplib.FTP()
    ftp.encoding = "utf-8"
    ftp.connect(HOST, PORT, timeout=timeout)
    return ftp
def tls_connect(timeout=20):
    ctx = ssl.create_default_context(cafile=CA)
    ftp = ftplib.FTP_TLS(context=ctx)
    ftp.encoding = "utf-8"
    ftp.connect(HOST, PORT, timeout=timeout)
    return ftp
def sha(b):
    return hashlib.sha256(b).hexdigest()
def retr(ftp, name):
    out = bytearray()
    ftp.retrbinary("RETR " + name, out.extend)
    return bytes(out)
def lines(ftp, cmd):
    out = []
    ftp.retrlines(cmd, out.append)
    return out
"#;
    let out = Command::new(crate::ftp_support::python())
        .arg("-c")
        .arg(format!("{prelude}\n{script}"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PORT", server.port.to_string())
        .env(
            "CA",
            server
                .ca_cert
                .as_deref()
                .map(|p| p.to_str().unwrap())
                .unwrap_or(""),
        )
        .env("USER_LOGIN", TEST_USER)
        .env("USER_PASSWORD", TEST_PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "client script failed: {}\n{stdout}\n{}\nserver log:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "client printed no JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const NON_ASCII: &str = "naïve Ünïcødé 日本語.txt";

fn binary_blob() -> Vec<u8> {
    // Every byte value, CR LF and lone LF: an ASCII-mode transfer would change it.
    let mut v: Vec<u8> = (0..=255u8).collect();
    v.extend_from_slice(b"line\r\nline\nline\r\n");
    v.repeat(300)
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// The standard tree: a dot file, names with spaces and non-ASCII characters, a binary file.
fn populate(s: &FtpServer) {
    s.write(".hidden", "dot file\n");
    s.write("with space.txt", "spaces\n");
    s.write(NON_ASCII, "unicode\n");
    s.write("sub dir/inner.bin", binary_blob());
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn check_list_and_download(s: &FtpServer, mlsd: bool) {
    populate(s);
    let v = ftplib(
        s,
        r#"
ftp = connect()
ftp.login()
feat = ftp.sendcmd("FEAT")
listed = lines(ftp, "LIST")
names = [l.split(None, 8)[8] for l in listed if l.strip()]
try:
    mlsd = sorted(n for n, f in ftp.mlsd() if f.get("type") not in ("cdir", "pdir"))
except ftplib.error_perm as e:
    mlsd = str(e)
ftp.cwd("sub dir")
blob = retr(ftp, "inner.bin")
ftp.quit()
print(json.dumps({"feat": feat, "names": names, "mlsd": mlsd, "sha": sha(blob), "len": len(blob)}))
"#,
    );
    let listed = names(&v["names"]);
    for want in [".hidden", "with space.txt", NON_ASCII, "sub dir"] {
        assert!(
            listed.iter().any(|n| n == want),
            "LIST lacks {want:?}: {listed:?}\n{v}"
        );
    }
    let blob = binary_blob();
    assert_eq!(v["len"], blob.len(), "binary download length");
    assert_eq!(v["sha"], sha256_hex(&blob), "binary download content");
    let feat = v["feat"].as_str().unwrap();
    if mlsd {
        assert!(feat.contains("MLST"), "FEAT offers MLST: {feat}");
        let m = names(&v["mlsd"]);
        for want in [".hidden", "with space.txt", NON_ASCII, "sub dir"] {
            assert!(m.iter().any(|n| n == want), "MLSD lacks {want:?}: {m:?}");
        }
    } else {
        assert!(!feat.contains("MLST"), "vsftpd offers no MLST: {feat}");
        assert!(v["mlsd"].is_string(), "MLSD refused: {}", v["mlsd"]);
    }
}

#[test]
fn vsftpd_anonymous_lists_dot_files_and_unicode_and_downloads_binary() {
    let s = FtpServer::vsftpd(Opts::anonymous());
    check_list_and_download(&s, false);
}

#[test]
fn pyftpdlib_anonymous_lists_with_mlsd_and_downloads_binary() {
    let s = FtpServer::pyftpdlib(Opts::anonymous());
    check_list_and_download(&s, true);
}

fn check_user_login(s: &FtpServer, anonymous_allowed: bool) {
    s.write("private/record.txt", "user only\n");
    let v = ftplib(
        s,
        r#"
res = {}
ftp = connect()
res["login"] = ftp.login(USER, PASSWORD)
res["pwd"] = ftp.pwd()
res["nlst"] = ftp.nlst()
res["data"] = retr(ftp, "private/record.txt").decode()
ftp.quit()
ftp = connect()
try:
    ftp.login(USER, "wrong password")
    res["wrong"] = "accepted"
except ftplib.error_perm as e:
    res["wrong"] = str(e)
ftp.close()
ftp = connect()
try:
    ftp.login()
    res["anon"] = "accepted"
except ftplib.error_perm as e:
    res["anon"] = str(e)
ftp.close()
print(json.dumps(res))
"#,
    );
    assert!(v["login"].as_str().unwrap().starts_with("230"), "{v}");
    assert_eq!(v["pwd"], "/", "the user is rooted at the served dir: {v}");
    assert!(names(&v["nlst"]).contains(&"private".to_string()), "{v}");
    assert_eq!(v["data"], "user only\n");
    assert!(v["wrong"].as_str().unwrap().starts_with("530"), "{v}");
    if anonymous_allowed {
        assert_eq!(v["anon"], "accepted", "{v}");
    } else {
        assert!(v["anon"].as_str().unwrap().starts_with("530"), "{v}");
    }
}

#[test]
fn vsftpd_user_login() {
    check_user_login(&FtpServer::vsftpd(Opts::user()), false);
    check_user_login(&FtpServer::vsftpd(Opts::anonymous().with_user()), true);
}

#[test]
fn pyftpdlib_user_login() {
    check_user_login(&FtpServer::pyftpdlib(Opts::user()), false);
    check_user_login(&FtpServer::pyftpdlib(Opts::anonymous().with_user()), true);
}

#[test]
fn vsftpd_without_any_login_refuses_everyone() {
    let s = FtpServer::vsftpd(Opts::default());
    let v = ftplib(
        &s,
        r#"
res = []
for user, pw in (("anonymous", "x@y"), (USER, PASSWORD)):
    ftp = connect()
    try:
        ftp.login(user, pw)
        res.append("accepted")
    except ftplib.error_perm as e:
        res.append(str(e))
    ftp.close()
print(json.dumps(res))
"#,
    );
    for r in v.as_array().unwrap() {
        assert!(r.as_str().unwrap().starts_with("530"), "{v}");
    }
}

fn check_tls(s: &FtpServer) {
    assert!(s.ca_cert.as_ref().unwrap().is_file());
    populate(s);
    let v = ftplib(
        s,
        r#"
res = {}
ftp = tls_connect()
res["auth"] = ftp.auth()
res["cipher"] = ftp.sock.version()
ftp.login(USER, PASSWORD)
res["prot"] = ftp.prot_p()
ftp.cwd("sub dir")
res["sha"] = sha(retr(ftp, "inner.bin"))
ftp.quit()
# anonymous over TLS too
ftp = tls_connect()
ftp.auth()
res["anon"] = ftp.login()
ftp.prot_p()
res["nlst"] = ftp.nlst()
ftp.quit()
# plaintext login is still accepted (the exposure audit must report it)
ftp = connect()
res["feat"] = ftp.sendcmd("FEAT")
res["plain"] = ftp.login(USER, PASSWORD)
ftp.quit()
# a client that does not trust the test CA fails verification
try:
    ftp = ftplib.FTP_TLS(context=ssl.create_default_context())
    ftp.connect(HOST, PORT, timeout=20)
    ftp.auth()
    res["untrusted"] = "accepted"
except ssl.SSLCertVerificationError as e:
    res["untrusted"] = e.verify_message
print(json.dumps(res))
"#,
    );
    assert!(v["auth"].as_str().unwrap().starts_with("234"), "{v}");
    assert!(v["cipher"].as_str().unwrap().starts_with("TLSv1."), "{v}");
    assert_eq!(v["sha"], sha256_hex(&binary_blob()));
    assert!(v["anon"].as_str().unwrap().starts_with("230"), "{v}");
    assert!(
        names(&v["nlst"]).contains(&"with space.txt".to_string()),
        "{v}"
    );
    assert!(v["feat"].as_str().unwrap().contains("AUTH TLS"), "{v}");
    assert!(v["plain"].as_str().unwrap().starts_with("230"), "{v}");
    assert_ne!(v["untrusted"], "accepted", "{v}");
}

#[test]
fn vsftpd_explicit_tls_with_test_ca() {
    check_tls(&FtpServer::vsftpd(Opts::anonymous().with_user().with_tls()));
}

#[test]
fn pyftpdlib_explicit_tls_with_test_ca() {
    check_tls(&FtpServer::pyftpdlib(
        Opts::anonymous().with_user().with_tls(),
    ));
}

/// What phiscan will do: suppaftp + rustls, trusting only the test CA.
fn check_rustls(s: &FtpServer) {
    use suppaftp::rustls::pki_types::pem::PemObject;
    use suppaftp::rustls::pki_types::CertificateDer;
    use suppaftp::rustls::{ClientConfig, RootCertStore};
    use suppaftp::types::FileType;
    use suppaftp::{RustlsConnector, RustlsFtpStream};

    populate(s);
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_file(s.ca_cert.as_ref().unwrap()).unwrap();
    roots.add(ca).unwrap();
    let provider = Arc::new(suppaftp::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let ftp = RustlsFtpStream::connect(s.addr()).unwrap();
    let mut ftp = ftp
        .into_secure(RustlsConnector::from(Arc::new(config)), "127.0.0.1")
        .unwrap_or_else(|e| panic!("rustls refused the fixture's certificate: {e}\n{}", s.log()));
    ftp.login(TEST_USER, TEST_PASSWORD).unwrap();
    ftp.transfer_type(FileType::Binary).unwrap();
    let list = ftp.list(None).unwrap();
    assert!(list.iter().any(|l| l.ends_with(".hidden")), "{list:?}");
    let data = ftp
        .retr_as_buffer("sub dir/inner.bin")
        .unwrap()
        .into_inner();
    assert_eq!(data, binary_blob());
    let _ = ftp.quit();
}

#[test]
fn vsftpd_tls_works_with_rustls() {
    check_rustls(&FtpServer::vsftpd(Opts::user().with_tls()));
}

#[test]
fn pyftpdlib_tls_works_with_rustls() {
    check_rustls(&FtpServer::pyftpdlib(Opts::user().with_tls()));
}

fn check_anon_writable(s: &FtpServer) {
    s.write("readme.txt", "read only\n");
    let v = ftplib(
        s,
        r#"
import io
res = {}
ftp = connect()
ftp.login()
res["stor"] = ftp.storbinary("STOR incoming/probe.txt", io.BytesIO(b"probe"))
res["listed"] = ftp.nlst("incoming")
res["dele"] = ftp.delete("incoming/probe.txt")
try:
    ftp.storbinary("STOR root-probe.txt", io.BytesIO(b"probe"))
    res["root"] = "accepted"
except ftplib.error_perm as e:
    res["root"] = str(e)
try:
    ftp.delete("readme.txt")
    res["dele_ro"] = "accepted"
except ftplib.error_perm as e:
    res["dele_ro"] = str(e)
ftp.quit()
print(json.dumps(res))
"#,
    );
    assert!(v["stor"].as_str().unwrap().starts_with("226"), "{v}");
    assert!(
        names(&v["listed"]).iter().any(|n| n.ends_with("probe.txt")),
        "{v}"
    );
    assert!(v["dele"].as_str().unwrap().starts_with("250"), "{v}");
    assert!(
        v["root"].as_str().unwrap().starts_with("55"),
        "root is read-only: {v}"
    );
    assert!(v["dele_ro"].as_str().unwrap().starts_with("550"), "{v}");
    let w = s.anon_writable.as_ref().unwrap();
    assert!(w.is_dir() && !w.join("probe.txt").exists());
    assert!(!s.root.join("root-probe.txt").exists());
}

#[test]
fn vsftpd_anonymous_writable_dir() {
    check_anon_writable(&FtpServer::vsftpd(
        Opts::anonymous().with_anon_writable("incoming"),
    ));
}

#[test]
fn pyftpdlib_anonymous_writable_dir() {
    check_anon_writable(&FtpServer::pyftpdlib(
        Opts::anonymous().with_anon_writable("incoming"),
    ));
}

#[test]
fn faulty_refuse_421() {
    let s = FtpServer::faulty(Fault::Refuse421);
    let v = ftplib(
        &s,
        r#"
try:
    connect()
    print(json.dumps("connected"))
except ftplib.error_temp as e:
    print(json.dumps(str(e)))
"#,
    );
    assert!(v.as_str().unwrap().starts_with("421"), "{v}");
}

#[test]
fn faulty_too_many_connections() {
    let s = FtpServer::faulty(Fault::TooManyConnections(2));
    s.write("a.txt", "aaa");
    let v = ftplib(
        &s,
        r#"
res = {}
a = connect(); a.login()
b = connect(); b.login()
try:
    connect()
    res["third"] = "connected"
except ftplib.error_temp as e:
    res["third"] = str(e)
res["data"] = retr(b, "a.txt").decode()
a.quit()
c = connect(); c.login()
res["after"] = c.pwd()
c.quit(); b.quit()
print(json.dumps(res))
"#,
    );
    assert!(v["third"].as_str().unwrap().starts_with("421"), "{v}");
    assert_eq!(v["data"], "aaa");
    assert_eq!(v["after"], "/");
}

#[test]
fn faulty_drop_mid_transfer() {
    let s = FtpServer::faulty(Fault::DropMidTransfer);
    let big = vec![b'x'; 200_000];
    s.write(FAULT_FILE, &big);
    s.write("small.txt", "small\n");
    let v = ftplib(
        &s,
        &format!(
            r#"
res = {{}}
ftp = connect()
ftp.login()
res["list"] = sorted(n for n, f in ftp.mlsd())
res["small"] = retr(ftp, "small.txt").decode()
got = bytearray()
try:
    ftp.retrbinary("RETR {FAULT_FILE}", got.extend)
    res["big"] = "completed"
except (EOFError, OSError, ftplib.Error) as e:
    res["big"] = type(e).__name__
res["got"] = len(got)
try:
    ftp.pwd()
    res["after"] = "alive"
except (EOFError, OSError, ftplib.Error) as e:
    res["after"] = type(e).__name__
# a new session works, and drops again
ftp = connect(); ftp.login()
got2 = bytearray()
try:
    ftp.retrbinary("RETR {FAULT_FILE}", got2.extend)
except (EOFError, OSError, ftplib.Error):
    pass
res["got2"] = len(got2)
print(json.dumps(res))
"#
        ),
    );
    assert_eq!(
        names(&v["list"]),
        vec![FAULT_FILE.to_string(), "small.txt".to_string()]
    );
    assert_eq!(v["small"], "small\n");
    assert_ne!(v["big"], "completed", "{v}");
    assert_eq!(v["got"], 100_000, "half the file arrives: {v}");
    assert_ne!(v["after"], "alive", "the control connection is closed: {v}");
    assert_eq!(v["got2"], 100_000, "{v}");
}

#[test]
fn faulty_stall_mid_transfer() {
    let s = FtpServer::faulty(Fault::StallMidTransfer);
    s.write(FAULT_FILE, vec![b'y'; 100_000]);
    let start = Instant::now();
    let v = ftplib(
        &s,
        &format!(
            r#"
res = {{}}
ftp = connect(timeout=2)
ftp.login()
got = bytearray()
try:
    ftp.retrbinary("RETR {FAULT_FILE}", got.extend)
    res["big"] = "completed"
except socket.timeout:
    res["big"] = "timeout"
res["got"] = len(got)
print(json.dumps(res))
"#
        ),
    );
    assert_eq!(v["big"], "timeout", "{v}");
    assert_eq!(v["got"], 50_000, "{v}");
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn faulty_malformed_listing() {
    let s = FtpServer::faulty(Fault::MalformedListing);
    s.write("real.txt", "real\n");
    let v = ftplib(
        &s,
        r#"
res = {}
ftp = connect()
ftp.login()
def raw(cmd):
    out = bytearray()
    ftp.retrbinary(cmd, out.extend)
    return out.decode("utf-8", "backslashreplace")
res["list"] = raw("LIST")
res["mlsd"] = raw("MLSD")
ftp.cwd("loop"); ftp.cwd("loop")
res["pwd"] = ftp.pwd()
res["loop_list"] = raw("LIST")
res["real_in_loop"] = retr(ftp, "real.txt").decode()
try:
    retr(ftp, "../escape.txt")
    res["escape"] = "served"
except ftplib.error_perm as e:
    res["escape"] = str(e)
ftp.quit()
print(json.dumps(res))
"#,
    );
    let list = v["list"].as_str().unwrap();
    for want in [
        "../escape.txt",
        "real.txt",
        "\u{1b}[31m",
        " loop\r\n",
        "self -> .",
        "\\xff",
    ] {
        assert!(list.contains(want), "LIST lacks {want:?}: {list}");
    }
    let mlsd = v["mlsd"].as_str().unwrap();
    for want in [
        "; ../escape.txt",
        "; real.txt",
        "type=dir;modify=20200101000000; loop",
        "no facts",
    ] {
        assert!(mlsd.contains(want), "MLSD lacks {want:?}: {mlsd}");
    }
    assert_eq!(v["pwd"], "/loop/loop");
    assert_eq!(v["loop_list"], v["list"], "the loop lists the same entries");
    assert_eq!(v["real_in_loop"], "real\n");
    assert!(v["escape"].as_str().unwrap().starts_with("550"), "{v}");
}

#[test]
fn servers_are_gone_after_drop() {
    let s = FtpServer::vsftpd(Opts::anonymous());
    s.write("f.txt", "x");
    // An idle session (its own processes, setsid'ed by vsftpd) must not outlive the fixture.
    let mut idle = std::net::TcpStream::connect(s.addr()).unwrap();
    let mut greeting = [0u8; 3];
    std::io::Read::read_exact(&mut idle, &mut greeting).unwrap();
    assert_eq!(&greeting, b"220");
    let (pid, port, dir) = (s.pid(), s.port, s.root.parent().unwrap().to_path_buf());
    // (pid, start time): a pid reused by another test's process is not "alive" afterwards.
    let tree: Vec<(u32, u64)> = std::iter::once(pid)
        .chain(ftp_support::descendants(pid))
        .filter_map(|p| ftp_support::proc_state(p).map(|(start, _)| (p, start)))
        .collect();
    assert!(
        tree.len() >= 3,
        "supervisor, vsftpd and its session: {tree:?}"
    );
    drop(s);
    assert!(!dir.exists(), "temp dir removed");
    for (p, start) in tree {
        assert!(
            !ftp_support::alive(p, start),
            "process {p} outlived the fixture"
        );
    }
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port closed"
    );
    for s in [
        FtpServer::pyftpdlib(Opts::anonymous()),
        FtpServer::faulty(Fault::Refuse421),
    ] {
        let (pid, dir) = (s.pid(), s.root.parent().unwrap().to_path_buf());
        let start = ftp_support::proc_state(pid).unwrap().0;
        drop(s);
        assert!(!dir.exists());
        assert!(
            !ftp_support::alive(pid, start),
            "{pid} outlived the fixture"
        );
    }
}
