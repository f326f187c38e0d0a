//! Swap devices for mmsim: where reclaim puts anonymous and shmem pages.
//!
//! Two devices implement [`mm_api::swap::SwapDevice`], and each registers
//! itself in [`mm_api::swap::MM_SWAP_DEVICES`], so a binary that links
//! this crate can select them by name:
//!
//! * [`file`](mod@file) (`--swap file:PATH:SIZE`): a swap file on the host
//!   filesystem, laid out as `mkswap` makes it (the header in page 0, the
//!   `SWAPSPACE2` magic at its end) and read and written with positioned
//!   I/O, one page at slot `offset` at byte `offset * 4096`.  Pick it to
//!   see swapping cost real I/O, or to look at the pages on the host.  A
//!   new file is created exclusively and sparse, and removed when the
//!   device is dropped; an existing file is used only if it is already a
//!   swap area (`mkswap`), and is then kept (`--swap file:PATH` takes its
//!   size from its header); anything else is refused, and so is a file
//!   already in use as swap (`EBUSY`).
//! * [`zram`] (`--swap zram:SIZE`): a compressed block device in memory,
//!   as Linux's `zram`.  A same-filled page is kept as its fill word, a
//!   page is compressed with LZ4 when that saves space and stored raw
//!   (a "huge" page) when it does not.  Pick it for swapping without a
//!   disk, and for its `mm_stat`-style counters (compression ratio, same
//!   and huge pages).
//!
//! `SIZE` is in bytes, rounded down to whole pages; a device has at least
//! two pages, since slot 0 holds the header and is never handed out.
//!
//! A device that cannot be made says why in a typed error: a size refused
//! is a [`SwapSizeError`], the swap file's refusals a [`FileSwapError`]
//! (naming the path, the host's `io::Error` kept as the source), zram's a
//! [`ZramError`]; the registry hands them on in
//! [`mm_api::swap::SwapDeviceError::Device`].
//!
//! The crate depends on `mm-api` alone, not on the core.  (The CLOCK
//! reclaim policy lives in `mm-reclaim-clock`.)
//!
//! Library users and benchmarks can build the devices directly, without
//! the registry, with [`FileSwap::create`] (a new file),
//! [`FileSwap::swapon`] (a new or an existing swap file) and
//! [`Zram::new`].  A binary that only selects devices by name must still
//! reference the crate (`use mm_swap as _;`) so that the linker keeps the
//! registrations.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod file;
pub mod zram;

pub use file::{FileSwap, FileSwapError, SwapHeaderError};
pub use zram::{Zram, ZramError};

use mm_api::errno::Errno;
use mm_api::types::PAGE_SIZE;

/// Why a swap device cannot have the size asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwapSizeError {
    /// Fewer than two whole pages: the header slot and one usable slot.
    #[error("{device} swap: size {size} is too small (at least {} bytes: a header page and one slot)", 2 * PAGE_SIZE)]
    TooSmall {
        /// The device (`file`, `zram`).
        device: &'static str,
        /// The size asked for, in bytes.
        size: u64,
    },
    /// More pages than a swap header's 32-bit `last_page` can name.
    #[error("{device} swap: {nr_pages} pages do not fit a swap header's last_page")]
    TooManyPages {
        /// The device (`file`, `zram`).
        device: &'static str,
        /// Whole pages in the size asked for.
        nr_pages: u64,
    },
    /// More pages than this host can keep track of.
    #[error("{device}: size {size} is too large for this host")]
    TooLargeForHost {
        /// The device (`file`, `zram`).
        device: &'static str,
        /// The size asked for, in bytes.
        size: u64,
    },
}

/// The number of whole pages in `size` bytes, or an error naming `device`
/// if that leaves fewer than two (the header slot and one usable slot).
fn pages_for(device: &'static str, size: u64) -> Result<u64, SwapSizeError> {
    let nr_pages = size / PAGE_SIZE;
    if nr_pages < 2 {
        return Err(SwapSizeError::TooSmall { device, size });
    }
    Ok(nr_pages)
}

/// Checks that `offset` is a slot a page may live in: not the header slot
/// 0 and below `nr_pages`.
fn check_slot(offset: u64, nr_pages: u64) -> Result<(), Errno> {
    if offset == 0 || offset >= nr_pages { Err(Errno::EINVAL) } else { Ok(()) }
}
