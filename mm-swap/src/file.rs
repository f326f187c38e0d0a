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

use crate::{check_slot, pages_for};
use mm_api::errno::Errno;
use mm_api::swap::{HostFileId, MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc};
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
    pub fn create(path: impl AsRef<Path>, size: u64) -> Result<FileSwap, String> {
        let path = path.as_ref();
        check_path(path)?;
        let nr_pages = swap_pages(size)?;
        let file = create_exclusive(path).map_err(|e| format!("file swap: {}: cannot create: {e}", path.display()))?;
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
    pub fn swapon(path: impl AsRef<Path>, size: Option<u64>, in_use: &[HostFileId]) -> Result<FileSwap, String> {
        let path = path.as_ref();
        check_path(path)?;
        let want = size.map(swap_pages).transpose()?;
        if let Some(nr_pages) = want {
            match create_exclusive(path) {
                Ok(file) => return FileSwap::mkswap(file, path, nr_pages),
                // Something is there: use it only if it is a swap area.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("file swap: {}: cannot create: {e}", path.display())),
            }
        }
        FileSwap::swapon_existing(path, want, in_use)
    }

    /// Sizes the file this run just created and writes its header; on an
    /// error the file is removed again.
    fn mkswap(file: File, path: &Path, nr_pages: u64) -> Result<FileSwap, String> {
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                // Just created exclusively: the name is ours to remove.
                let _ = std::fs::remove_file(path);
                return Err(format!("file swap: {}: cannot stat the new file: {e}", path.display()));
            }
        };
        // From here on, an early return or a panic removes the file.
        let created = CreatedFile { path: path.to_path_buf(), dev: meta.dev(), ino: meta.ino() };
        let claim = claim_swapfile(&file, path, &meta)?;
        let last_page = (nr_pages - 1) as u32;
        file.set_len(nr_pages * PAGE_SIZE)
            .map_err(|e| format!("file swap: {}: cannot size to {nr_pages} pages: {e}", path.display()))?;
        file.write_all_at(&swap_header(last_page), 0)
            .map_err(|e| format!("file swap: {}: cannot write the swap header: {e}", path.display()))?;
        Ok(FileSwap::on_claimed_file(Some(created), file, claim, path, nr_pages))
    }

    /// `swapon` of an existing file: checks what it is, claims it and
    /// reads its header, writing nothing.
    fn swapon_existing(path: &Path, want: Option<u64>, in_use: &[HostFileId]) -> Result<FileSwap, String> {
        let name = path.display();
        // Look before opening: opening a FIFO or a device may block or do
        // something.  The checks that count are made on the opened file.
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            ErrorKind::NotFound if want.is_none() => {
                format!("file swap: {name}: {e} (give a size to create it: file:PATH:SIZE)")
            }
            _ => format!("file swap: {name}: {e}"),
        })?;
        check_regular(path, &meta)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(|e| format!("file swap: {name}: {e}"))?;
        let meta = file.metadata().map_err(|e| format!("file swap: {name}: {e}"))?;
        check_regular(path, &meta)?;
        if let Some(h) = in_use.iter().find(|h| h.dev == meta.dev() && h.ino == meta.ino()) {
            return Err(format!("file swap: {name}: is {}, not a swap area", h.role));
        }
        let claim = claim_swapfile(&file, path, &meta)?;
        let area = read_swap_header(&file, meta.len()).map_err(|why| format!("file swap: {name}: {why}"))?;
        let nr_pages = match want {
            Some(n) if n > area => {
                return Err(format!(
                    "file swap: {name}: the swap area holds {} bytes, less than the size asked for ({} bytes)",
                    area * PAGE_SIZE,
                    n * PAGE_SIZE
                ));
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

fn check_path(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("file swap: a path is needed (--swap file:PATH:SIZE)".to_string());
    }
    Ok(())
}

/// The pages of a swap area of `size` bytes: at least two, and few enough
/// for the header's 32-bit `last_page`.
fn swap_pages(size: u64) -> Result<u64, String> {
    let nr_pages = pages_for("file", size)?;
    u32::try_from(nr_pages - 1)
        .map_err(|_| format!("file swap: {nr_pages} pages do not fit a swap header's last_page"))?;
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
fn check_regular(path: &Path, meta: &Metadata) -> Result<(), String> {
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
    Err(format!("file swap: {}: not a regular file ({what})", path.display()))
}

/// Checks the header in page 0 of an existing swap file of `len` bytes
/// (`read_swap_header` in `mm/swapfile.c`) and returns the area's pages,
/// `last_page + 1`.
fn read_swap_header(file: &File, len: u64) -> Result<u64, String> {
    const FAILED: &str = "read swap header failed";
    if len < PAGE_SIZE {
        return Err(format!("{FAILED} (the file is shorter than a page: not a swap area, see mkswap)"));
    }
    let mut page = [0u8; PAGE_SIZE as usize];
    file.read_exact_at(&mut page, 0).map_err(|e| format!("{FAILED}: {e}"))?;
    if page[MAGIC_OFFSET..] != SWAP_MAGIC[..] {
        return Err(format!("{FAILED} (no SWAPSPACE2 signature: not a swap area, see mkswap)"));
    }
    let u32_at = |at: usize| u32::from_ne_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]);
    let version = u32_at(VERSION_OFFSET);
    if version != SWAP_VERSION {
        return Err(format!("unable to handle swap header version {version}"));
    }
    let last_page = u64::from(u32_at(LAST_PAGE_OFFSET));
    if last_page == 0 {
        return Err("empty swap area (the header's last_page is 0)".to_string());
    }
    if (last_page + 1) * PAGE_SIZE > len {
        return Err(format!(
            "the swap header's last_page {last_page} lies beyond the end of the file ({} pages)",
            len / PAGE_SIZE
        ));
    }
    let nr_badpages = u32_at(NR_BADPAGES_OFFSET);
    if nr_badpages != 0 {
        return Err(format!(
            "the swap header lists {nr_badpages} bad pages; only areas without bad pages are supported"
        ));
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
fn claim_swapfile(file: &File, path: &Path, meta: &Metadata) -> Result<SwapfileClaim, String> {
    let busy = || format!("file swap: {}: Device or resource busy (already a swap area)", path.display());
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
        Err(TryLockError::Error(e)) => Err(format!("file swap: {}: cannot lock: {e}", path.display())),
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
fn new_file_swap(cfg: &SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, String> {
    Ok(Box::new(FileSwap::swapon(&cfg.path, cfg.size, &cfg.in_use)?))
}

#[linkme::distributed_slice(MM_SWAP_DEVICES)]
static FILE_SWAP: SwapDeviceDesc = SwapDeviceDesc {
    name: "file",
    description: "a swap file on the host: a new one made as mkswap does and removed after, or an existing mkswap'd file, kept (mm/swapfile.c)",
    takes_path: true,
    new: new_file_swap,
};
