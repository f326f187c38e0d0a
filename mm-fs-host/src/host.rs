//! A host directory as the source of files: `lstat`, `readlink` and
//! `statfs` for every file, and reads of regular files only.
//!
//! Nothing here opens a file that `lstat` did not just show to be a
//! regular file (a FIFO would block, a device may act on open), and what
//! is opened is opened read-only with `O_NOFOLLOW|O_NONBLOCK|O_NOCTTY`
//! (and `O_CLOEXEC`), then checked with `fstat` to be the same regular
//! file.  Nothing is ever written, created, truncated or deleted.

use crate::{FsKind, Stat};
use mm_core::errno::{Errno, SysResult};
use mm_core::fs::FileType;
use std::ffi::{CString, OsStr};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

/// The `errno` of a host I/O error (`EIO` for what has no Linux number
/// here).
pub(crate) fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().and_then(|n| Errno::ALL.iter().copied().find(|&x| x as i32 == n)).unwrap_or(Errno::EIO)
}

/// `major`/`minor` of a `dev_t` (glibc's encoding).
pub(crate) fn dev_split(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// Why a host directory cannot be the root.
#[derive(Debug, thiserror::Error)]
pub enum HostRootError {
    /// Its metadata could not be read.
    #[error("cannot use {root} as the root: {source}")]
    Unusable { root: String, source: std::io::Error },
    /// It is not a directory.
    #[error("{root} is not a directory (a root snapshot starts with its magic line)")]
    NotADirectory { root: String },
}

/// A directory of the host served as `/`.
#[derive(Debug)]
pub(crate) struct HostDir {
    root: PathBuf,
}

impl HostDir {
    /// `root` must be a directory.
    pub(crate) fn new(root: &str) -> Result<HostDir, HostRootError> {
        let meta =
            std::fs::metadata(root).map_err(|source| HostRootError::Unusable { root: root.to_string(), source })?;
        if !meta.is_dir() {
            return Err(HostRootError::NotADirectory { root: root.to_string() });
        }
        Ok(HostDir { root: PathBuf::from(root) })
    }

    /// The host path of the canonical path `path` (`/`-rooted, already
    /// free of `.`, `..` and symbolic links): under the root, never above
    /// it.
    pub(crate) fn host_path(&self, path: &[u8]) -> PathBuf {
        let rel = path.strip_prefix(b"/").unwrap_or(path);
        if rel.is_empty() { self.root.clone() } else { self.root.join(OsStr::from_bytes(rel)) }
    }

    /// `lstat` of `path`.
    pub(crate) fn lstat(&self, path: &[u8]) -> SysResult<Stat> {
        let m = std::fs::symlink_metadata(self.host_path(path)).map_err(|e| errno_of(&e))?;
        Ok(stat_of(&m))
    }

    /// `readlink` of `path`.
    pub(crate) fn readlink(&self, path: &[u8]) -> SysResult<Vec<u8>> {
        let t = std::fs::read_link(self.host_path(path)).map_err(|e| errno_of(&e))?;
        Ok(t.into_os_string().as_bytes().to_vec())
    }

    /// The type of the filesystem `path` is on (`statfs`'s `f_type`).
    pub(crate) fn fs_kind(&self, path: &[u8]) -> Option<FsKind> {
        let c = CString::new(self.host_path(path).into_os_string().into_vec()).ok()?;
        let mut buf = std::mem::MaybeUninit::<libc::statfs>::zeroed();
        // SAFETY: `c` is a NUL-terminated path and `buf` a statfs buffer;
        // statfs only writes into it.
        let r = unsafe { libc::statfs(c.as_ptr(), buf.as_mut_ptr()) };
        if r != 0 {
            return None;
        }
        // SAFETY: statfs returned 0, so it filled the buffer.
        let f_type = unsafe { buf.assume_init() }.f_type as u64;
        Some(FsKind::from_magic(f_type))
    }

    /// Opens the regular file at `path` for reading, if it is still the
    /// regular file `stat` describes.
    pub(crate) fn open_regular(&self, path: &[u8], stat: &Stat) -> SysResult<std::fs::File> {
        let host = self.host_path(path);
        let now = self.lstat(path)?;
        if now.ty != FileType::Regular || (now.dev, now.ino) != (stat.dev, stat.ino) {
            return Err(Errno::EIO);
        }
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
            .open(&host)
            .map_err(|e| errno_of(&e))?;
        let m = f.metadata().map_err(|e| errno_of(&e))?;
        let s = stat_of(&m);
        if s.ty != FileType::Regular || (s.dev, s.ino) != (stat.dev, stat.ino) {
            return Err(Errno::EIO);
        }
        Ok(f)
    }
}

/// Fills `buf` from `f` at `off`; what lies past the host file's end
/// reads as zeros.
pub(crate) fn read_full_at(f: &std::fs::File, off: u64, buf: &mut [u8]) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        match f.read_at(&mut buf[done..], off + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(errno_of(&e)),
        }
    }
    buf[done..].fill(0);
    Ok(())
}

/// What `lstat` says of a file.
fn stat_of(m: &std::fs::Metadata) -> Stat {
    let t = m.file_type();
    let ty = if t.is_symlink() {
        FileType::Symlink
    } else if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::Regular
    } else if t.is_char_device() {
        FileType::CharDevice
    } else if t.is_block_device() {
        FileType::BlockDevice
    } else if t.is_fifo() {
        FileType::Fifo
    } else {
        FileType::Socket
    };
    Stat {
        ty,
        perm: m.mode() & 0o7777,
        dev: dev_split(m.dev()),
        ino: m.ino(),
        size: m.size(),
        rdev: if ty.is_device() { dev_split(m.rdev()) } else { (0, 0) },
    }
}
