//! (v1.7) `mmsim real --change-host-settings`: the THP settings a
//! scenario's `machine` lines give, written to the host's sysfs for the
//! run and put back after it.
//!
//! Without the flag `mmsim real` only reads the host's settings and
//! refuses a scenario that asks for others.  With it, every THP key the
//! host has otherwise is written (`/sys/kernel/mm/transparent_hugepage/...`)
//! before the first line runs, and the values read before are written
//! back when the run ends: on success, on a failure of the runner
//! ([`restore`] from its fatal path), on `SIGINT`, `SIGTERM`, `SIGHUP` or
//! `SIGQUIT` (a handler that writes them with plain system calls, then
//! dies of the signal), and when the runner unwinds.  Only `SIGKILL`
//! leaves them changed; the note printed when they were written names
//! every old value.
//!
//! Runs serialise on a lock file ([`lock_path`]): a run that changes
//! settings holds it exclusively for its whole length, every other run
//! holds it shared, so no run of `mmsim real` sees another one's
//! settings.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// One setting to write: the `machine` line it comes from, its key, its
/// sysfs file and the value asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Wanted {
    pub line: usize,
    pub key: String,
    pub path: PathBuf,
    pub value: String,
}

/// A setting written for the run, and the value to put back.
#[derive(Debug)]
struct Saved {
    path: CString,
    old: Box<[u8]>,
}

/// What [`restore`] writes back; set once by [`apply`].
static SAVED: OnceLock<Box<[Saved]>> = OnceLock::new();
/// Set by the first [`restore`] (or signal), so the values are written
/// back once.
static RESTORED: AtomicBool = AtomicBool::new(false);
/// The process that changed the settings: scenario processes (its
/// children) never restore them.
static OWNER: AtomicI32 = AtomicI32::new(0);

/// The lock file every `mmsim real` run takes: `/run/lock/mmsim-real.lock`
/// when `/run/lock` exists, else in the temporary directory.
pub(super) fn lock_path() -> PathBuf {
    let run_lock = Path::new("/run/lock");
    let dir = if run_lock.is_dir() { run_lock.to_path_buf() } else { std::env::temp_dir() };
    dir.join("mmsim-real.lock")
}

/// The lowest descriptor the lock file may have: above the scenario's
/// own and the runner's pipes (800 and up), below the usual limit of 1024.
const HIGH_FD: libc::c_int = 1000;

/// Takes the lock at `path` (creating the file: it is mmsim's own),
/// exclusive for a run that changes settings, shared for the others;
/// waits for it.  The lock lasts as long as the returned file is open.
pub(super) fn lock(path: &Path, exclusive: bool) -> std::io::Result<File> {
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
    // Out of the scenario's way: its descriptors start at 3.
    // SAFETY: duplicates a descriptor this function owns; the copy is
    // owned by the returned file.
    let f = unsafe {
        let fd = libc::fcntl(f.as_raw_fd(), libc::F_DUPFD_CLOEXEC, HIGH_FD);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        File::from_raw_fd(fd)
    };
    let op = if exclusive { libc::LOCK_EX } else { libc::LOCK_SH };
    loop {
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
            return Ok(f);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The value to write for `value`: the words `true`/`yes`/`on` and
/// `false`/`no`/`off` are `1` and `0` (as `--set` spells booleans), a
/// number loses its leading zeros, anything else is written as it is.
pub(super) fn sysfs_value(value: &str) -> String {
    let v = value.trim();
    match v {
        "true" | "yes" | "on" => "1".into(),
        "false" | "no" | "off" => "0".into(),
        _ => match v.parse::<u64>() {
            Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => n.to_string(),
            _ => v.to_string(),
        },
    }
}

/// Why the settings could not be changed (nothing stays changed then).
#[derive(Debug, thiserror::Error)]
pub(super) enum ChangeError {
    #[error("line {line}: machine: {key}={value}: cannot write {path}: {source}")]
    Write { line: usize, key: String, value: String, path: String, source: std::io::Error },
    #[error("line {line}: machine: {key}={value}: the host has no {path}")]
    Missing { line: usize, key: String, value: String, path: String },
    #[error("line {line}: machine: {key}={value}: {path} still says {now} after writing it")]
    NotTaken { line: usize, key: String, value: String, path: String, now: String },
}

/// Writes every setting of `wanted` that the host has otherwise, reading
/// each old value first (`read` gives the bracketed word of a list, or
/// the text).  On success the old values are kept for [`restore`] and a
/// handler restores them on `SIGINT`, `SIGTERM`, `SIGHUP` and `SIGQUIT`;
/// the notes to print (one per setting written) are returned.  On an
/// error, what was written is written back first.  Call it once per
/// process.
pub(super) fn apply(wanted: &[Wanted], read: impl Fn(&Path) -> Option<String>) -> Result<Vec<String>, ChangeError> {
    let mut saved: Vec<(PathBuf, String)> = Vec::new();
    let mut notes = Vec::new();
    let undo = |saved: &[(PathBuf, String)]| {
        for (p, old) in saved.iter().rev() {
            let _ = std::fs::write(p, old);
        }
    };
    for w in wanted {
        let path = w.path.display().to_string();
        let Some(old) = read(&w.path) else {
            undo(&saved);
            return Err(ChangeError::Missing { line: w.line, key: w.key.clone(), value: w.value.clone(), path });
        };
        let value = sysfs_value(&w.value);
        if old == value {
            continue;
        }
        if let Err(source) = std::fs::write(&w.path, &value) {
            undo(&saved);
            return Err(ChangeError::Write { line: w.line, key: w.key.clone(), value: w.value.clone(), path, source });
        }
        saved.push((w.path.clone(), old.clone()));
        let now = read(&w.path).unwrap_or_default();
        if now != value {
            undo(&saved);
            return Err(ChangeError::NotTaken { line: w.line, key: w.key.clone(), value: w.value.clone(), path, now });
        }
        notes.push(format!(
            "note: line {}: {} set to {value} for this run (was {old}: `echo {old} > {path}` puts it back by hand)",
            w.line, w.key
        ));
    }
    let boxed: Box<[Saved]> = saved
        .into_iter()
        .filter_map(|(p, old)| {
            Some(Saved {
                path: CString::new(p.into_os_string().into_encoded_bytes()).ok()?,
                old: old.into_bytes().into(),
            })
        })
        .collect();
    if SAVED.set(boxed).is_err() {
        // A second call in one process: nothing new is kept (not reached
        // by the runner, which calls it once).
        return Ok(notes);
    }
    // SAFETY: getpid cannot fail.
    OWNER.store(unsafe { libc::getpid() }, Ordering::Relaxed);
    install_signal_handlers();
    Ok(notes)
}

/// Writes the saved values back (once; later calls do nothing), from the
/// process that changed them only.  Returns the settings that could not
/// be written back, for the caller to report.
pub(super) fn restore() -> Vec<String> {
    // SAFETY: getpid cannot fail.
    if OWNER.load(Ordering::Relaxed) != unsafe { libc::getpid() } || RESTORED.swap(true, Ordering::SeqCst) {
        return Vec::new();
    }
    let mut failed = Vec::new();
    for s in SAVED.get().map(|b| &b[..]).unwrap_or(&[]).iter().rev() {
        if !write_raw(s) {
            failed.push(format!(
                "warning: could not put back {} (it was {}): {}",
                s.path.to_string_lossy(),
                String::from_utf8_lossy(&s.old),
                std::io::Error::last_os_error()
            ));
        }
    }
    failed
}

/// Writes one saved value with plain system calls (safe in a signal
/// handler); false when it could not.
fn write_raw(s: &Saved) -> bool {
    // SAFETY: open/write/close of a NUL-ended path and a byte buffer the
    // statics own for the life of the process.
    unsafe {
        let fd = libc::open(s.path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let n = libc::write(fd, s.old.as_ptr().cast(), s.old.len());
        libc::close(fd);
        n == s.old.len() as isize
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    // SAFETY: getpid cannot fail.
    if OWNER.load(Ordering::Relaxed) == unsafe { libc::getpid() } && !RESTORED.swap(true, Ordering::SeqCst) {
        for s in SAVED.get().map(|b| &b[..]).unwrap_or(&[]).iter().rev() {
            let _ = write_raw(s);
        }
    }
    // SAFETY: back to the default action, then die of the signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn install_signal_handlers() {
    // SAFETY: a plain sigaction; the handler only makes system calls and
    // reads statics set before it is installed.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_word(p: &Path) -> Option<String> {
        let t = std::fs::read_to_string(p).ok()?;
        Some(match (t.find('['), t.find(']')) {
            (Some(a), Some(b)) if a < b => t[a + 1..b].to_string(),
            _ => t.trim().to_string(),
        })
    }

    /// A fresh directory of this test's own, removed when dropped.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let d = std::env::temp_dir().join(format!("mmsim-host-settings-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            std::fs::create_dir_all(&d).unwrap();
            TempDir(d)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn want(line: usize, key: &str, path: &Path, value: &str) -> Wanted {
        Wanted { line, key: key.into(), path: path.to_path_buf(), value: value.into() }
    }

    #[test]
    fn values_as_sysfs_takes_them() {
        assert_eq!(sysfs_value("true"), "1");
        assert_eq!(sysfs_value("off"), "0");
        assert_eq!(sysfs_value("0511"), "511");
        assert_eq!(sysfs_value("defer+madvise"), "defer+madvise");
    }

    #[test]
    fn settings_are_written_then_put_back_once() {
        let dir = TempDir::new("a");
        let enabled = dir.path().join("enabled");
        let ptes = dir.path().join("max_ptes_none");
        let same = dir.path().join("use_zero_page");
        std::fs::write(&enabled, "always [madvise] never\n").unwrap();
        std::fs::write(&ptes, "511\n").unwrap();
        std::fs::write(&same, "1\n").unwrap();
        let notes = apply(
            &[
                want(1, "thp_enabled", &enabled, "always"),
                want(2, "khugepaged_max_ptes_none", &ptes, "0"),
                want(3, "thp_use_zero_page", &same, "true"),
            ],
            read_word,
        )
        .unwrap();
        // A setting the host already has is not written.
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("line 1: thp_enabled set to always for this run (was madvise"), "{}", notes[0]);
        assert_eq!(std::fs::read_to_string(&enabled).unwrap(), "always");
        assert_eq!(std::fs::read_to_string(&ptes).unwrap(), "0");
        assert_eq!(std::fs::read_to_string(&same).unwrap(), "1\n");
        assert!(restore().is_empty());
        assert_eq!(std::fs::read_to_string(&enabled).unwrap(), "madvise");
        assert_eq!(std::fs::read_to_string(&ptes).unwrap(), "511");
        // Once only: a value changed since stays.
        std::fs::write(&enabled, "never").unwrap();
        assert!(restore().is_empty());
        assert_eq!(std::fs::read_to_string(&enabled).unwrap(), "never");
    }

    #[test]
    fn a_setting_that_cannot_be_written_undoes_the_others() {
        let dir = TempDir::new("b");
        let defrag = dir.path().join("defrag");
        std::fs::write(&defrag, "always defer defer+madvise [madvise] never\n").unwrap();
        let missing = dir.path().join("hugepages-64kB/enabled");
        let e = apply(
            &[want(1, "thp_defrag", &defrag, "never"), want(2, "thp_enabled_64k", &missing, "always")],
            read_word,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("line 2: machine: thp_enabled_64k=always: the host has no "), "{e}");
        assert_eq!(std::fs::read_to_string(&defrag).unwrap(), "madvise");
        // A file that reads back otherwise (sysfs refused the word).
        let enabled = dir.path().join("enabled2");
        std::fs::write(&enabled, "[never]").unwrap();
        let stubborn = |p: &Path| if p == enabled { Some("never".to_string()) } else { read_word(p) };
        let e = apply(&[want(4, "thp_enabled", &enabled, "sometimes")], stubborn).unwrap_err();
        assert!(e.to_string().contains("still says never after writing it"), "{e}");
        assert_eq!(std::fs::read_to_string(&enabled).unwrap(), "never");
    }

    #[test]
    fn runs_share_the_lock_and_a_change_takes_it_alone() {
        let dir = TempDir::new("c");
        let p = dir.path().join("l.lock");
        let a = lock(&p, false).unwrap();
        let b = lock(&p, false).unwrap();
        // SAFETY: a non-blocking flock probe on an open file.
        let try_ex = |f: &File| unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        assert!(a.as_raw_fd() >= HIGH_FD);
        let c = std::fs::File::open(&p).unwrap();
        assert!(!try_ex(&c), "shared holders keep an exclusive lock out");
        drop((a, b));
        assert!(try_ex(&c));
    }
}
