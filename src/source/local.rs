//! Local trees: a disk, or an SMB/NFS share mounted on this machine.
//!
//! The `ignore` crate's parallel walker with every filter off: a scanner must see hidden files
//! and everything .gitignore would hide. The walker's threads are the scan's thread pool: each
//! builds its worker once (engine/) and handles the entries it is given.
//!
//! What the walker yields is classified here, once: regular files to read; symbolic links
//! (not followed unless `--follow`, with loop detection), FIFOs, sockets and devices (never
//! opened), excluded paths and other file systems (`--one-file-system`) as `skipped`; and
//! walk errors (permission denied on a directory, a vanished entry) as `error`, with the path.

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub follow: bool,
    pub one_file_system: bool,
    pub excludes: GlobSet,
    pub exclude_patterns: Vec<String>,
    pub threads: usize,
    /// (device, inode) of files never to read: our own output file.
    pub never_read: Vec<(u64, u64)>,
    /// Stat each regular file by its path during the walk. Only an incremental rescan needs
    /// that (an unchanged file is recognised without opening it); otherwise the reader stats
    /// the file it opened (fstat), which saves a path lookup per file: the path stat was
    /// ~8% of the CPU of a scan of small files.
    pub stat_files: bool,
}

/// One thing found by the walk.
pub enum Item<'a> {
    /// A regular file to read, with its metadata when the walk stat'ed it (`stat_files`).
    File {
        path: &'a Path,
        meta: Option<Metadata>,
    },
    /// Not read, on purpose.
    Skipped {
        path: &'a Path,
        reason: String,
        meta: Option<Metadata>,
    },
    /// Could not be examined.
    Error { path: &'a Path, reason: String },
}

/// Open a file to read it, and only to read it.
pub fn open_readonly(path: &Path, follow: bool) -> io::Result<File> {
    // Never follow a link swapped in after the walk looked (unless asked), never block on a
    // FIFO swapped in, never become the controlling terminal, and leave atime alone where the
    // OS lets us (O_NOATIME needs ownership; fall back without it).
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let open = |extra: i32| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags | extra)
            .open(path)
    };
    match open(libc::O_NOATIME) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => open(0),
        r => r,
    }
}

/// Read a whole regular file (the extractor worker's way in; the parent has checked the size).
pub fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = open_readonly(path, true)?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut buf = Vec::with_capacity(m.len() as usize);
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

/// Describe an I/O error for a file record: the OS's message, which names the cause
/// (permission denied, no such file, input/output error ...).
pub fn io_reason(what: &str, e: &std::io::Error) -> String {
    format!("{what}: {e}")
}

fn special_kind(ft: &std::fs::FileType) -> Option<&'static str> {
    if ft.is_fifo() {
        Some("named pipe (FIFO)")
    } else if ft.is_socket() {
        Some("socket")
    } else if ft.is_block_device() {
        Some("block device")
    } else if ft.is_char_device() {
        Some("character device")
    } else {
        None
    }
}

/// Walk every target in parallel, calling the visitor that `make_visitor` built for each
/// walker thread.
pub fn walk<F>(
    targets: &[PathBuf],
    opts: &WalkOptions,
    stop: &AtomicBool,
    mut make_visitor: impl FnMut() -> F,
) where
    F: FnMut(Item<'_>) + Send,
{
    let Some((first, rest)) = targets.split_first() else {
        return;
    };
    let mut b = WalkBuilder::new(first);
    for t in rest {
        b.add(t);
    }
    b.standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(opts.follow)
        .threads(opts.threads.max(1));
    // Root devices, for --one-file-system.
    let roots: Roots = targets
        .iter()
        .map(|t| (t.clone(), std::fs::metadata(t).ok().map(|m| m.dev())))
        .collect();

    b.build_parallel().run(|| {
        let mut visit = make_visitor();
        let roots = &roots;
        Box::new(move |res| match res {
            // Nothing more is wanted (the inventory can no longer be written).
            _ if stop.load(Ordering::Relaxed) => WalkState::Quit,
            Ok(dent) => classify(&dent, opts, roots, &mut visit),
            Err(err) => {
                walk_error(err, &mut visit);
                WalkState::Continue
            }
        })
    });
}

/// The targets, each with its device (for --one-file-system).
type Roots = std::collections::HashMap<PathBuf, Option<u64>>;

/// The target `p` was found under: the longest target it starts with (component by
/// component, as `Path::starts_with` compares). One lookup per ancestor of `p`, not one
/// comparison per target: `xargs` hands thousands of files to one scan, and comparing every
/// entry with every target made such a scan quadratic.
fn root_of<'r>(roots: &'r Roots, p: &Path) -> Option<(&'r PathBuf, &'r Option<u64>)> {
    p.ancestors().find_map(|a| roots.get_key_value(a))
}

fn classify<F: FnMut(Item<'_>)>(
    dent: &ignore::DirEntry,
    opts: &WalkOptions,
    roots: &Roots,
    visit: &mut F,
) -> WalkState {
    let path = dent.path();
    let depth = dent.depth();

    if depth > 0 && !opts.excludes.is_empty() {
        let rel = root_of(roots, path)
            .and_then(|(r, _)| path.strip_prefix(r).ok())
            .unwrap_or(path);
        let name = Path::new(path.file_name().unwrap_or_default());
        if opts.excludes.is_match(rel)
            || opts.excludes.is_match(name)
            || opts.excludes.is_match(path)
        {
            let is_dir = dent.file_type().is_some_and(|t| t.is_dir());
            visit(Item::Skipped {
                path,
                reason: format!(
                    "excluded by --exclude{}",
                    if is_dir {
                        " (directory not entered)"
                    } else {
                        ""
                    }
                ),
                meta: dent.metadata().ok(),
            });
            return if is_dir {
                WalkState::Skip
            } else {
                WalkState::Continue
            };
        }
    }

    let Some(ft) = dent.file_type() else {
        visit(Item::Error {
            path,
            reason: "cannot determine the file type".into(),
        });
        return WalkState::Continue;
    };

    if ft.is_dir() {
        if depth > 0 && opts.one_file_system {
            if let (Some((_, Some(root_dev))), Ok(m)) = (root_of(roots, path), dent.metadata()) {
                if m.dev() != *root_dev {
                    visit(Item::Skipped {
                        path,
                        reason:
                            "mount point of another file system (--one-file-system): not entered"
                                .into(),
                        meta: Some(m),
                    });
                    return WalkState::Skip;
                }
            }
        }
        return WalkState::Continue;
    }

    if ft.is_symlink() {
        // Only reached without --follow (with it, the walker reports the target's type).
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        let target = target
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>();
        visit(Item::Skipped {
            path,
            reason: format!("symbolic link to {target:?}: not followed (use --follow)"),
            meta: std::fs::symlink_metadata(path).ok(),
        });
        return WalkState::Continue;
    }

    if let Some(kind) = special_kind(&ft) {
        visit(Item::Skipped {
            path,
            reason: format!("{kind}: not a regular file, never opened"),
            meta: None,
        });
        return WalkState::Continue;
    }

    if !opts.stat_files {
        // The reader checks `never_read` against the file it opened.
        visit(Item::File { path, meta: None });
        return WalkState::Continue;
    }
    match dent.metadata() {
        Ok(meta) => {
            if opts.never_read.contains(&(meta.dev(), meta.ino())) {
                visit(Item::Skipped {
                    path,
                    reason: "phiscan's own output file".into(),
                    meta: Some(meta),
                });
            } else {
                visit(Item::File {
                    path,
                    meta: Some(meta),
                });
            }
        }
        Err(e) => walk_error(e, visit),
    }
    WalkState::Continue
}

fn walk_error<F: FnMut(Item<'_>)>(err: ignore::Error, visit: &mut F) {
    match err {
        ignore::Error::WithDepth { err, .. } => walk_error(*err, visit),
        ignore::Error::WithLineNumber { err, .. } => walk_error(*err, visit),
        ignore::Error::Partial(errs) => errs.into_iter().for_each(|e| walk_error(e, visit)),
        ignore::Error::Loop { ancestor, child } => visit(Item::Skipped {
            path: &child,
            reason: format!(
                "symbolic link loop back to {}: not followed again",
                ancestor.display()
            ),
            meta: None,
        }),
        ignore::Error::WithPath { path, err } => {
            let inner = err.to_string();
            let is_link =
                std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            let not_found = err
                .io_error()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            if is_link && not_found {
                visit(Item::Skipped {
                    path: &path,
                    reason: "broken symbolic link (target does not exist)".into(),
                    meta: None,
                });
            } else if not_found {
                visit(Item::Error {
                    path: &path,
                    reason: format!("vanished or does not exist: {inner}"),
                });
            } else {
                visit(Item::Error {
                    path: &path,
                    reason: inner,
                });
            }
        }
        other => visit(Item::Error {
            path: Path::new(""),
            reason: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `root_of` finds what comparing the path with every target finds: the longest target
    /// it starts with, whatever the spelling (`./`, doubled or trailing slashes, nesting).
    #[test]
    fn root_of_is_the_longest_target_the_path_starts_with() {
        let targets = [
            "a",
            "a/b/",
            "./c",
            "d//e",
            "/abs/x",
            "/abs/x/y/file.txt",
            ".",
        ];
        let roots: Roots = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (PathBuf::from(t), Some(i as u64)))
            .collect();
        let reference = |p: &Path| {
            roots
                .iter()
                .filter(|(r, _)| p.starts_with(r))
                .max_by_key(|(r, _)| r.components().count())
                .map(|(r, d)| (r.clone(), *d))
        };
        for p in [
            "a",
            "a/x",
            "a/b",
            "a/b/c/d",
            "a/bc",
            "./c/z",
            "c/z",
            "d/e/f",
            "d/ef",
            "/abs/x/y/file.txt",
            "/abs/x/y",
            "/abs/xy",
            "/other",
            "./q",
            "q",
        ] {
            let p = Path::new(p);
            let got = root_of(&roots, p).map(|(r, d)| (r.clone(), *d));
            assert_eq!(got, reference(p), "{}", p.display());
        }
        // Spot checks of the reference itself.
        assert_eq!(
            root_of(&roots, Path::new("a/b/c")).map(|(_, d)| *d),
            Some(Some(1))
        );
        assert_eq!(root_of(&roots, Path::new("/other")), None);
    }
}
