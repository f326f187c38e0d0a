//! `file`: a swap file on the host filesystem (`swapon` of a file made with
//! `mkswap`).
//!
//! The file is laid out as Linux expects a swap area: page 0 holds the
//! header (`union swap_header` in `include/linux/swap.h`), and the page at
//! slot `offset` lives at byte `offset * 4096`.  The file is created
//! sparse, so a slot never written reads as zeroes and costs no disk
//! space.

use crate::{check_slot, pages_for};
use mm_core::errno::Errno;
use mm_core::swap::{MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc};
use mm_core::types::PAGE_SIZE;
use std::collections::hash_map::RandomState;
use std::fs::{File, OpenOptions};
use std::hash::BuildHasher;
use std::os::unix::fs::FileExt;
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
/// [`FileSwap::create`] creates the file (or truncates an existing one),
/// makes it `nr_pages` pages long and writes the swap header into page 0.
/// Pages are read and written with positioned I/O, so threads swapping to
/// different slots never wait for each other here.
///
/// The file is removed when the device is dropped: a swap file's contents
/// mean nothing once the simulated machine that wrote them is gone.
#[derive(Debug)]
pub struct FileSwap {
    file: File,
    path: PathBuf,
    nr_pages: u64,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl FileSwap {
    /// Creates (or truncates) the swap file at `path` with `size` bytes
    /// rounded down to whole pages, at least two, and writes its header.
    ///
    /// The header is the one `mkswap` writes: `version` 1, `last_page`
    /// `nr_pages - 1`, no bad pages, a random version-4 UUID, no label,
    /// and the `SWAPSPACE2` magic; its integers are in host byte order, as
    /// the kernel reads them.
    pub fn create(path: impl AsRef<Path>, size: u64) -> Result<FileSwap, String> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err("file swap: a path is needed (--swap file:PATH:SIZE)".to_string());
        }
        let nr_pages = pages_for("file", size)?;
        let last_page = u32::try_from(nr_pages - 1)
            .map_err(|_| format!("file swap: {nr_pages} pages do not fit a swap header's last_page"))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| format!("file swap: cannot create {}: {e}", path.display()))?;
        // From here on the device owns the file, and dropping it on an
        // error below removes the file again.
        let dev =
            FileSwap { file, path: path.to_path_buf(), nr_pages, reads: AtomicU64::new(0), writes: AtomicU64::new(0) };
        dev.file
            .set_len(nr_pages * PAGE_SIZE)
            .map_err(|e| format!("file swap: cannot size {} to {nr_pages} pages: {e}", path.display()))?;
        dev.file
            .write_all_at(&swap_header(last_page), 0)
            .map_err(|e| format!("file swap: cannot write the header of {}: {e}", path.display()))?;
        Ok(dev)
    }

    /// The host path of the swap file.
    pub fn path(&self) -> &Path {
        &self.path
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

impl Drop for FileSwap {
    fn drop(&mut self) {
        // Nothing to report to: a file someone else removed is fine.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `--swap file:PATH:SIZE`.
fn new_file_swap(cfg: &SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, String> {
    Ok(Box::new(FileSwap::create(&cfg.path, cfg.size)?))
}

#[linkme::distributed_slice(MM_SWAP_DEVICES)]
static FILE_SWAP: SwapDeviceDesc = SwapDeviceDesc {
    name: "file",
    description: "a swap file on the host filesystem, header as mkswap writes it (mm/swapfile.c)",
    takes_path: true,
    new: new_file_swap,
};
