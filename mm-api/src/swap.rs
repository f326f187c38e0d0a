//! Swap devices: where anonymous and shmem pages go when reclaim evicts
//! them (the block device or file behind a `swap_info_struct`).
//!
//! A device only stores pages at slot offsets.  Which slots are free, how
//! many references each has (`swap_map`) and which pages are in the swap
//! cache is the core's business (`mm_core::swap::SwapInfo`).  Slot 0 is never
//! handed out: on a real swap area it holds the header.

use crate::errno::Errno;
use crate::types::PAGE_SIZE;

/// One page of bytes.
pub type PageBuf = [u8; PAGE_SIZE as usize];

/// A swap device (`struct swap_info_struct`'s `bdev` or `swap_file`).
///
/// Methods take `&self`: several CPUs may swap at once, so a device locks
/// inside (or keeps per-slot state) as it needs.
pub trait SwapDevice: Send + Sync {
    /// The device's registered name (`file`, `zram`, ...).
    fn name(&self) -> &'static str;
    /// Pages of the device, the header slot 0 included.
    fn nr_pages(&self) -> u64;
    /// Reads the page at slot `offset` (`swap_read_folio`).  A slot never
    /// written reads as zeroes.
    fn read_page(&self, offset: u64, buf: &mut PageBuf) -> Result<(), Errno>;
    /// Writes the page at slot `offset` (`swap_writepage`).
    fn write_page(&self, offset: u64, buf: &PageBuf) -> Result<(), Errno>;
    /// Slot `offset` is free again: its bytes are no longer needed
    /// (`swap_slot_free_notify`, discard).  zram frees the stored copy.
    fn discard(&self, _offset: u64) {}
    /// The device is a block device (`SWP_BLKDEV`), not a swap file on a
    /// filesystem: only such an area hands out the contiguous slots of a
    /// whole cluster to a large folio (`cluster_alloc_swap_entry` with an
    /// order); a swap file's large folios are split and swapped out page
    /// by page.  Generic: no.
    fn is_blkdev(&self) -> bool {
        false
    }
    /// Device counters for `--stats` (name, value), e.g. zram's
    /// `orig_data_size` and `compr_data_size`.
    fn stats(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// How to build a swap device: `--swap NAME:ARG` where `ARG` is the
/// device-specific part (`file:PATH:SIZE` gives `path = PATH`, `zram:SIZE`
/// none) and `size` its size in bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwapDeviceConfig {
    /// A host path, for devices that live in a file; empty otherwise.
    pub path: String,
    /// Size in bytes (whole pages; slot 0 included), if one was given: a
    /// device that lives in an existing swap file may take its size from
    /// the file's header.
    pub size: Option<u64>,
    /// Host files the run already uses for something else (the scenario,
    /// the ext4 image): a device that lives in a file refuses to be one of
    /// them, whatever name it is given by.
    pub in_use: Vec<HostFileId>,
}

/// A host file by identity (`st_dev`, `st_ino`), so that two names for
/// one file (a hard link, a symlink, `./x` and `x`) compare equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFileId {
    /// The device the file is on (`st_dev`).
    pub dev: u64,
    /// Its inode number (`st_ino`).
    pub ino: u64,
    /// What the run uses it for, for error messages ("the scenario").
    pub role: String,
}

impl HostFileId {
    /// The identity of the file `path` names (symlinks followed), used as
    /// `role`.
    pub fn of(path: impl AsRef<std::path::Path>, role: &str) -> std::io::Result<HostFileId> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path)?;
        Ok(HostFileId { dev: m.dev(), ino: m.ino(), role: role.to_string() })
    }
}

/// A swap device type a backend registers in [`MM_SWAP_DEVICES`].
pub struct SwapDeviceDesc {
    /// Name used to select it (`--swap NAME:...`).
    pub name: &'static str,
    /// One line for `mmsim backends`.
    pub description: &'static str,
    /// Whether `--swap NAME:PATH:SIZE` takes a path.
    pub takes_path: bool,
    /// Builds a device.
    pub new: fn(&SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, SwapDeviceError>,
}

/// Why a swap device could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SwapDeviceError {
    /// No swap device type of that name is linked in.
    #[error("unknown swap device '{name}' (known: {})", known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names that are linked in, sorted.
        known: Vec<&'static str>,
    },
    /// The device refused its configuration, or the host refused the
    /// device; the device's own error says why.
    #[error(transparent)]
    Device(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl SwapDeviceError {
    /// A swap device's own error.
    pub fn device(e: impl std::error::Error + Send + Sync + 'static) -> SwapDeviceError {
        SwapDeviceError::Device(Box::new(e))
    }
}

/// Every linked swap device type.
#[linkme::distributed_slice]
pub static MM_SWAP_DEVICES: [SwapDeviceDesc];

/// Registered swap device names, sorted.
pub fn swap_device_names() -> Vec<&'static str> {
    let mut v: Vec<_> = MM_SWAP_DEVICES.iter().map(|d| d.name).collect();
    v.sort_unstable();
    v
}

/// Builds the registered device `name`.
pub fn new_swap_device(name: &str, cfg: &SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, SwapDeviceError> {
    let d = MM_SWAP_DEVICES
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| SwapDeviceError::Unknown { name: name.to_string(), known: swap_device_names() })?;
    (d.new)(cfg)
}
