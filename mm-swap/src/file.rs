//! `file`: a swap file on the host filesystem (`swapon` of a file made with
//! `mkswap`).
//!
//! The file is laid out as Linux expects a swap area: page 0 holds the
//! header (`union swap_header` in `include/linux/swap.h`), and the page at
//! slot `offset` lives at byte `offset * 4096`.
//!
//! [`FileSwap::swapon`] behaves as `mkswap` followed by `swapon`, and never
//! destroys a host file:
//!
//! * a path that does not exist is created exclusively (`O_CREAT|O_EXCL`,
//!   mode 0600), made sparse (a slot never written reads as zeroes and
//!   costs no disk space) and given a header; the device removes it when
//!   it is dropped, and so does a setup that fails after creating it;
//! * an existing regular file is used only if it already carries a swap
//!   header (`SWAPSPACE2`, version 1, `last_page` within the file), as
//!   `swapon` uses it: its slots are written, but it is never truncated,
//!   extended or removed, and its header is left as it is;
//! * anything else is refused without being written: a file without a
//!   swap header, a directory, a device, a FIFO, a socket (or a symlink to
//!   one), and the host files the run uses otherwise
//!   ([`SwapDeviceConfig::in_use`]: the scenario, the image);
//! * a file already in use as a swap area is `EBUSY`, as the kernel's
//!   `S_SWAPFILE` inode flag makes it: within this process by its
//!   (`st_dev`, `st_ino`), across processes by an exclusive `flock` held
//!   while the device lives.

use crate::{SwapSizeError, check_slot, pages_for};
use mm_api::errno::Errno;
use mm_api::swap::{
    HostFileId, MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc, SwapDeviceError,
};
use mm_api::types::PAGE_SIZE;
use parking_lot::Mutex;
use std::collections::hash_map::RandomState;
use std::fs::{File, Metadata, OpenOptions, TryLockError};
use std::hash::BuildHasher;
use std::io::ErrorKind;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The swap header's magic, in the last ten bytes of page 0.
pub const SWAP_MAGIC: &[u8; 10] = b"SWAPSPACE2";
/// Byte offset of [`SWAP_MAGIC`] in the header page.
pub const MAGIC_OFFSET: usize = PAGE_SIZE as usize - SWAP_MAGIC.len();
/// Byte offset of the header's `version` (after 1024 bytes of `bootbits`).
pub const VERSION_OFFSET: usize = 1024;
/// Byte offset of the header's `last_page`.
pub const LAST_PAGE_OFFSET: usize = VERSION_OFFSET + 4;
/// Byte offset of the header's `nr_badpages`.
pub const NR_BADPAGES_OFFSET: usize = LAST_PAGE_OFFSET + 4;
/// Byte offset of the header's 16-byte `sws_uuid`.
pub const UUID_OFFSET: usize = NR_BADPAGES_OFFSET + 4;
/// Byte offset of the header's 16-byte `sws_volume` (the label).
pub const VOLUME_OFFSET: usize = UUID_OFFSET + 16;
/// The header version `mkswap` writes (`SWAPSPACE2`, version 1).
pub const SWAP_VERSION: u32 = 1;

/// Why a swap file could not be made or used.  Each message names the
/// path; a host error is kept as the source.
#[derive(Debug, thiserror::Error)]
pub enum FileSwapError {
    /// No path was given.
    #[error("file swap: a path is needed (--swap file:PATH:SIZE)")]
    NoPath,
    /// The size is refused.
    #[error(transparent)]
    Size(#[from] SwapSizeError),
    /// The new file could not be created (or something is already there).
    #[error("file swap: {}: cannot create: {source}", path.display())]
    Create {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// The new file could not be examined.
    #[error("file swap: {}: cannot stat the new file: {source}", path.display())]
    StatNew {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// The new file could not be given its size.
    #[error("file swap: {}: cannot size to {nr_pages} pages: {source}", path.display())]
    SetSize {
        /// The path.
        path: PathBuf,
        /// The pages asked for.
        nr_pages: u64,
        /// The host's error.
        source: std::io::Error,
    },
    /// The new file's header could not be written.
    #[error("file swap: {}: cannot write the swap header: {source}", path.display())]
    WriteHeader {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// Nothing is at the path, and no size was given to create a file.
    #[error("file swap: {}: {source} (give a size to create it: file:PATH:SIZE)", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// The existing file could not be examined or opened.
    #[error("file swap: {}: {source}", path.display())]
    Open {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// The path names something other than a regular file.
    #[error("file swap: {}: not a regular file ({what})", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is ("a directory", "a FIFO", ...).
        what: &'static str,
    },
    /// The file is one the run uses for something else.
    #[error("file swap: {}: is {role}, not a swap area", path.display())]
    InUse {
        /// The path.
        path: PathBuf,
        /// What the run uses it for ("the scenario").
        role: String,
    },
    /// The file is already a swap area, in this process or another
    /// (`EBUSY`).
    #[error("file swap: {}: Device or resource busy (already a swap area)", path.display())]
    Busy {
        /// The path.
        path: PathBuf,
    },
    /// The file could not be locked.
    #[error("file swap: {}: cannot lock: {source}", path.display())]
    Lock {
        /// The path.
        path: PathBuf,
        /// The host's error.
        source: std::io::Error,
    },
    /// The existing file's swap header is refused.
    #[error("file swap: {}: {why}", path.display())]
    BadHeader {
        /// The path.
        path: PathBuf,
        /// What is wrong with the header.
        #[source]
        why: SwapHeaderError,
    },
    /// The size asked for is larger than the existing swap area.
    #[error(
        "file swap: {}: the swap area holds {} bytes, less than the size asked for ({} bytes)",
        path.display(),
        area * PAGE_SIZE,
        want * PAGE_SIZE
    )]
    AreaTooSmall {
        /// The path.
        path: PathBuf,
        /// Pages of the area, from its header.
        area: u64,
        /// Pages asked for.
        want: u64,
    },
}

/// Why the header of an existing swap file is refused (as
/// `read_swap_header` in `mm/swapfile.c` refuses it).
#[derive(Debug, thiserror::Error)]
pub enum SwapHeaderError {
    /// The file is shorter than the header page.
    #[error("read swap header failed (the file is shorter than a page: not a swap area, see mkswap)")]
    Short,
    /// The header page could not be read.
    #[error("read swap header failed: {0}")]
    Read(#[source] std::io::Error),
    /// No `SWAPSPACE2` magic.
    #[error("read swap header failed (no SWAPSPACE2 signature: not a swap area, see mkswap)")]
    NoMagic,
    /// A header version other than 1.
    #[error("unable to handle swap header version {0}")]
    Version(u32),
    /// `last_page` is 0.
    #[error("empty swap area (the header's last_page is 0)")]
    Empty,
    /// `last_page` lies beyond the end of the file.
    #[error("the swap header's last_page {last_page} lies beyond the end of the file ({nr_pages} pages)")]
    BeyondEnd {
        /// The header's `last_page`.
        last_page: u64,
        /// Whole pages in the file.
        nr_pages: u64,
    },
    /// The header lists bad pages.
    #[error("the swap header lists {0} bad pages; only areas without bad pages are supported")]
    BadPages(u32),
}

/// A swap file on the host filesystem.
///
/// Pages are read and written with positioned I/O, so threads swapping to
/// different slots never wait for each other here.  See the [module
/// documentation](self) for which host files it takes and which it
/// refuses.
#[derive(Debug)]
pub struct FileSwap {
    /// The file this device created, removed when the device is dropped.
    /// Declared first so that it is dropped first: the file is unlinked
    /// while it is still open and locked.
    created: Option<CreatedFile>,
    file: File,
    /// Released after the file is closed.
    _claim: SwapfileClaim,
    path: PathBuf,
    nr_pages: u64,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl FileSwap {
    /// The device on a claimed swap file of `nr_pages` pages.
    fn on_claimed_file(
        created: Option<CreatedFile>,
        file: File,
        claim: SwapfileClaim,
        path: &Path,
        nr_pages: u64,
    ) -> FileSwap {
        FileSwap {
            created,
            file,
            _claim: claim,
            path: path.to_path_buf(),
            nr_pages,
            reads: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// `mkswap` and `swapon` of a new file: creates the swap file at
    /// `path` exclusively (an existing path, even a dangling symlink, is
    /// an error and is left alone) with `size` bytes rounded down to whole
    /// pages, at least two, and writes its header.
    ///
    /// The header is the one `mkswap` writes: `version` 1, `last_page`
    /// `nr_pages - 1`, no bad pages, a random version-4 UUID, no label,
    /// and the `SWAPSPACE2` magic; its integers are in host byte order, as
    /// the kernel reads them.  The file is removed when the device is
    /// dropped.
    pub fn create(path: impl AsRef<Path>, size: u64) -> Result<FileSwap, FileSwapError> {
        let path = path.as_ref();
        check_path(path)?;
        let nr_pages = swap_pages(size)?;
        let file = create_exclusive(path).map_err(|source| FileSwapError::Create { path: path.into(), source })?;
        FileSwap::mkswap(file, path, nr_pages)
    }

    /// `swapon`, with `mkswap` first if `path` does not exist.
    ///
    /// * `path` does not exist: as [`FileSwap::create`]; `size` is needed.
    /// * `path` is a regular file (symlinks followed) with a valid swap
    ///   header: it is used as it is, its slots written and nothing else;
    ///   the area has the size its header gives, or `size` rounded down to
    ///   pages if given, which may not exceed it.
    /// * anything else, or a file in `in_use`: an error naming the path
    ///   and the reason; nothing is written.
    /// * a file already in use as a swap area, by this process or another
    ///   (`flock`): "Device or resource busy".
    pub fn swapon(path: impl AsRef<Path>, size: Option<u64>, in_use: &[HostFileId]) -> Result<FileSwap, FileSwapError> {
        let path = path.as_ref();
        check_path(path)?;
        let want = size.map(swap_pages).transpose()?;
        if let Some(nr_pages) = want {
            match create_exclusive(path) {
                Ok(file) => return FileSwap::mkswap(file, path, nr_pages),
                // Something is there: use it only if it is a swap area.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(source) => return Err(FileSwapError::Create { path: path.into(), source }),
            }
        }
        FileSwap::swapon_existing(path, want, in_use)
    }

    /// Sizes the file this run just created and writes its header; on an
    /// error the file is removed again.
    fn mkswap(file: File, path: &Path, nr_pages: u64) -> Result<FileSwap, FileSwapError> {
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(source) => {
                // Just created exclusively: the name is ours to remove.
                let _ = std::fs::remove_file(path);
                return Err(FileSwapError::StatNew { path: path.into(), source });
            }
        };
        // From here on, an early return or a panic removes the file.
        let created = CreatedFile { path: path.to_path_buf(), dev: meta.dev(), ino: meta.ino() };
        let claim = claim_swapfile(&file, path, &meta)?;
        let last_page = (nr_pages - 1) as u32;
        file.set_len(nr_pages * PAGE_SIZE).map_err(|source| FileSwapError::SetSize {
            path: path.into(),
            nr_pages,
            source,
        })?;
        file.write_all_at(&swap_header(last_page), 0)
            .map_err(|source| FileSwapError::WriteHeader { path: path.into(), source })?;
        Ok(FileSwap::on_claimed_file(Some(created), file, claim, path, nr_pages))
    }

    /// `swapon` of an existing file: checks what it is, claims it and
    /// reads its header, writing nothing.
    fn swapon_existing(path: &Path, want: Option<u64>, in_use: &[HostFileId]) -> Result<FileSwap, FileSwapError> {
        let open_error = |source| FileSwapError::Open { path: path.into(), source };
        // Look before opening: opening a FIFO or a device may block or do
        // something.  The checks that count are made on the opened file.
        let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
            ErrorKind::NotFound if want.is_none() => FileSwapError::NotFound { path: path.into(), source },
            _ => open_error(source),
        })?;
        check_regular(path, &meta)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(open_error)?;
        let meta = file.metadata().map_err(open_error)?;
        check_regular(path, &meta)?;
        if let Some(h) = in_use.iter().find(|h| h.dev == meta.dev() && h.ino == meta.ino()) {
            return Err(FileSwapError::InUse { path: path.into(), role: h.role.clone() });
        }
        let claim = claim_swapfile(&file, path, &meta)?;
        let area =
            read_swap_header(&file, meta.len()).map_err(|why| FileSwapError::BadHeader { path: path.into(), why })?;
        let nr_pages = match want {
            Some(n) if n > area => {
                return Err(FileSwapError::AreaTooSmall { path: path.into(), area, want: n });
            }
            Some(n) => n,
            None => area,
        };
        Ok(FileSwap::on_claimed_file(None, file, claim, path, nr_pages))
    }

    /// The host path of the swap file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this device created its file (and removes it when dropped)
    /// rather than using an existing swap file.
    pub fn created(&self) -> bool {
        self.created.is_some()
    }
}

fn check_path(path: &Path) -> Result<(), FileSwapError> {
    if path.as_os_str().is_empty() {
        return Err(FileSwapError::NoPath);
    }
    Ok(())
}

/// The pages of a swap area of `size` bytes: at least two, and few enough
/// for the header's 32-bit `last_page`.
fn swap_pages(size: u64) -> Result<u64, SwapSizeError> {
    let nr_pages = pages_for("file", size)?;
    u32::try_from(nr_pages - 1).map_err(|_| SwapSizeError::TooManyPages { device: "file", nr_pages })?;
    Ok(nr_pages)
}

/// Creates `path` for reading and writing, mode 0600, failing if anything
/// (a symlink included) is already there.
fn create_exclusive(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
}

/// Refuses anything but a regular file, as `swapon` refuses what is
/// neither a regular file nor a block device (mmsim writes no devices).
fn check_regular(path: &Path, meta: &Metadata) -> Result<(), FileSwapError> {
    let t = meta.file_type();
    if t.is_file() {
        return Ok(());
    }
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(FileSwapError::NotRegular { path: path.into(), what })
}

/// Checks the header in page 0 of an existing swap file of `len` bytes
/// (`read_swap_header` in `mm/swapfile.c`) and returns the area's pages,
/// `last_page + 1`.
fn read_swap_header(file: &File, len: u64) -> Result<u64, SwapHeaderError> {
    if len < PAGE_SIZE {
        return Err(SwapHeaderError::Short);
    }
    let mut page = [0u8; PAGE_SIZE as usize];
    file.read_exact_at(&mut page, 0).map_err(SwapHeaderError::Read)?;
    if page[MAGIC_OFFSET..] != SWAP_MAGIC[..] {
        return Err(SwapHeaderError::NoMagic);
    }
    let u32_at = |at: usize| u32::from_ne_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]);
    let version = u32_at(VERSION_OFFSET);
    if version != SWAP_VERSION {
        return Err(SwapHeaderError::Version(version));
    }
    let last_page = u64::from(u32_at(LAST_PAGE_OFFSET));
    if last_page == 0 {
        return Err(SwapHeaderError::Empty);
    }
    if (last_page + 1) * PAGE_SIZE > len {
        return Err(SwapHeaderError::BeyondEnd { last_page, nr_pages: len / PAGE_SIZE });
    }
    let nr_badpages = u32_at(NR_BADPAGES_OFFSET);
    if nr_badpages != 0 {
        return Err(SwapHeaderError::BadPages(nr_badpages));
    }
    Ok(last_page + 1)
}

/// Files this process uses as swap areas, by (`st_dev`, `st_ino`): the
/// kernel's `S_SWAPFILE` inode flag.  The `flock` a [`SwapfileClaim`] also
/// holds keeps other processes out; this set does not depend on the
/// filesystem honouring `flock` between descriptors of one process.
static SWAP_FILES: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

/// A host file claimed as a swap area; the claim ends when it is dropped.
#[derive(Debug)]
struct SwapfileClaim {
    dev: u64,
    ino: u64,
}

impl Drop for SwapfileClaim {
    fn drop(&mut self) {
        SWAP_FILES.lock().retain(|&id| id != (self.dev, self.ino));
    }
}

/// `claim_swapfile`: marks the opened `file` as a swap area, or fails with
/// `EBUSY` if it already is one, in this process or (by an exclusive
/// `flock` on the open file) in another.
fn claim_swapfile(file: &File, path: &Path, meta: &Metadata) -> Result<SwapfileClaim, FileSwapError> {
    let busy = || FileSwapError::Busy { path: path.into() };
    let id = (meta.dev(), meta.ino());
    {
        let mut files = SWAP_FILES.lock();
        if files.contains(&id) {
            return Err(busy());
        }
        files.push(id);
    }
    let claim = SwapfileClaim { dev: id.0, ino: id.1 };
    match file.try_lock() {
        Ok(()) => Ok(claim),
        Err(TryLockError::WouldBlock) => Err(busy()),
        Err(TryLockError::Error(source)) => Err(FileSwapError::Lock { path: path.into(), source }),
    }
}

/// A file this process created: removed when dropped, if its path still
/// names the same file (never a file put there since).
#[derive(Debug)]
struct CreatedFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for CreatedFile {
    fn drop(&mut self) {
        // Nothing to report to: a file someone else removed is fine.
        if let Ok(m) = std::fs::symlink_metadata(&self.path)
            && (m.dev(), m.ino()) == (self.dev, self.ino)
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Page 0 of a swap area, as `mkswap` writes it.
fn swap_header(last_page: u32) -> PageBuf {
    let mut page = [0u8; PAGE_SIZE as usize];
    page[VERSION_OFFSET..][..4].copy_from_slice(&SWAP_VERSION.to_ne_bytes());
    page[LAST_PAGE_OFFSET..][..4].copy_from_slice(&last_page.to_ne_bytes());
    page[NR_BADPAGES_OFFSET..][..4].copy_from_slice(&0u32.to_ne_bytes());
    page[UUID_OFFSET..][..16].copy_from_slice(&random_uuid());
    page[MAGIC_OFFSET..].copy_from_slice(SWAP_MAGIC);
    page
}

/// A random (version 4, RFC 4122 variant) UUID, as `mkswap` gives each
/// swap area.  The randomness is that of the standard library's hash keys.
fn random_uuid() -> [u8; 16] {
    let state = RandomState::new();
    let hi = state.hash_one(0u8).to_ne_bytes();
    let lo = state.hash_one(1u8).to_ne_bytes();
    let mut uuid = [0u8; 16];
    uuid[..8].copy_from_slice(&hi);
    uuid[8..].copy_from_slice(&lo);
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    uuid
}

impl SwapDevice for FileSwap {
    fn name(&self) -> &'static str {
        "file"
    }

    fn nr_pages(&self) -> u64 {
        self.nr_pages
    }

    fn read_page(&self, offset: u64, buf: &mut PageBuf) -> Result<(), Errno> {
        check_slot(offset, self.nr_pages)?;
        self.file.read_exact_at(buf, offset * PAGE_SIZE).map_err(|_| Errno::EIO)?;
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn write_page(&self, offset: u64, buf: &PageBuf) -> Result<(), Errno> {
        check_slot(offset, self.nr_pages)?;
        self.file.write_all_at(buf, offset * PAGE_SIZE).map_err(|_| Errno::EIO)?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        vec![("pswp_reads", self.reads.load(Ordering::Relaxed)), ("pswp_writes", self.writes.load(Ordering::Relaxed))]
    }
}

/// `--swap file:PATH:SIZE` or `--swap file:PATH`.
fn new_file_swap(cfg: &SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, SwapDeviceError> {
    Ok(Box::new(FileSwap::swapon(&cfg.path, cfg.size, &cfg.in_use).map_err(SwapDeviceError::device)?))
}

#[linkme::distributed_slice(MM_SWAP_DEVICES)]
static FILE_SWAP: SwapDeviceDesc = SwapDeviceDesc {
    name: "file",
    description: "a swap file on the host: a new one made as mkswap does and removed after, or an existing mkswap'd file, kept (mm/swapfile.c)",
    takes_path: true,
    new: new_file_swap,
};
