//! `zram`: a compressed swap device in memory (`drivers/block/zram`).
//!
//! Each slot is in one of the states zram's table keeps for it:
//!
//! * empty: never written, or discarded; reads as zeroes;
//! * same-filled (`ZRAM_SAME`): every 64-bit word of the page is equal, so
//!   only that word is kept and nothing is allocated;
//! * compressed: the page's LZ4 block, in an allocation of exactly its
//!   size (where zram has a zsmalloc object);
//! * huge (`ZRAM_HUGE`): the page compressed to [`HUGE_THRESHOLD`] bytes or
//!   more, so it is kept uncompressed, as zram does for pages in the
//!   zsmalloc huge class.
//!
//! Every slot has its own lock (zram's per-entry `ZRAM_LOCK` bit), so
//! threads swapping to different slots never wait for each other.  Pages
//! are compressed before the slot is locked, into a per-thread buffer.
//! The slot table is allocated a chunk of slots at a time, on the first
//! write into the chunk, so a large device costs nothing until it is used.

use crate::{SwapSizeError, pages_for};
use lz4_flex::block::{CompressTable, compress_into_with_table, decompress_into, get_maximum_output_size};
use mm_api::errno::Errno;
use mm_api::swap::{MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc, SwapDeviceError};
use mm_api::types::PAGE_SIZE;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Slots per lazily allocated chunk of the table.
const CHUNK: usize = 4096;

/// `CHUNK` slots of the table.
type Chunk = Box<[Mutex<Slot>]>;

/// A page that compresses to this many bytes or more is stored raw (a huge
/// page).  zram's limit is zsmalloc's huge class size, a little over
/// three quarters of a page; this is three quarters.
pub const HUGE_THRESHOLD: usize = PAGE_SIZE as usize * 3 / 4;

/// Room for LZ4's worst case on one page.
const MAX_COMPRESSED: usize = get_maximum_output_size(PAGE_SIZE as usize);

/// What a slot holds.
enum Slot {
    /// Nothing: reads as zeroes.
    Empty,
    /// A page whose every 64-bit word (native byte order) is this value.
    Same(u64),
    /// An LZ4 block of fewer than [`HUGE_THRESHOLD`] bytes.
    Compressed(Box<[u8]>),
    /// A page that did not compress well enough, as it is.
    Huge(Box<PageBuf>),
}

/// The counters one slot adds to the device's.
#[derive(Clone, Copy, Default)]
struct Usage {
    pages: u64,
    same: u64,
    huge: u64,
    compr: u64,
}

impl Slot {
    fn usage(&self) -> Usage {
        match self {
            Slot::Empty => Usage::default(),
            Slot::Same(_) => Usage { pages: 1, same: 1, ..Usage::default() },
            // A usize length always fits a u64.
            Slot::Compressed(data) => Usage { pages: 1, compr: data.len() as u64, ..Usage::default() },
            // zram counts a huge page as a whole page of compressed data.
            Slot::Huge(_) => Usage { pages: 1, huge: 1, compr: PAGE_SIZE, ..Usage::default() },
        }
    }
}

/// Per-thread scratch space for compressing a page.
struct Scratch {
    table: CompressTable,
    out: Box<[u8]>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> =
        RefCell::new(Scratch { table: CompressTable::small(), out: vec![0; MAX_COMPRESSED].into_boxed_slice() });
}

/// A zram device: pages compressed in memory.
///
/// [`Zram::new`] builds one of a given size; like zram's `disksize`, the
/// size only bounds the number of slots, and memory is used only for the
/// pages stored.  [`SwapDevice::stats`] reports zram's `mm_stat` counters:
/// `orig_data_size`, `compr_data_size`, `same_pages`, `huge_pages` and
/// `pages_stored`.
pub struct Zram {
    nr_pages: u64,
    /// The slot table, by chunk of `CHUNK` slots, each allocated on first
    /// write.
    chunks: Box<[OnceLock<Chunk>]>,
    pages_stored: AtomicU64,
    same_pages: AtomicU64,
    huge_pages: AtomicU64,
    compr_data_size: AtomicU64,
}

impl Zram {
    /// A zram device of `size` bytes, rounded down to whole pages (at
    /// least two: slot 0 is the header slot and is never used).
    pub fn new(size: u64) -> Result<Zram, SwapSizeError> {
        let nr_pages = pages_for("zram", size)?;
        let too_big = || SwapSizeError::TooLargeForHost { device: "zram", size };
        let n = usize::try_from(nr_pages).map_err(|_| too_big())?;
        let mut chunks = Vec::new();
        chunks.try_reserve_exact(n.div_ceil(CHUNK)).map_err(|_| too_big())?;
        chunks.extend((0..n.div_ceil(CHUNK)).map(|_| OnceLock::new()));
        Ok(Zram {
            nr_pages,
            chunks: chunks.into_boxed_slice(),
            pages_stored: AtomicU64::new(0),
            same_pages: AtomicU64::new(0),
            huge_pages: AtomicU64::new(0),
            compr_data_size: AtomicU64::new(0),
        })
    }

    /// The slot at `offset` (not the header slot 0), allocating its chunk
    /// if `create`; `None` if its chunk was never written (the slot is
    /// empty).
    fn slot(&self, offset: u64, create: bool) -> Result<Option<&Mutex<Slot>>, Errno> {
        if offset == 0 || offset >= self.nr_pages {
            return Err(Errno::EINVAL);
        }
        // The offset is below the slot count, which fits a usize.
        let i = offset as usize;
        let chunk = &self.chunks[i / CHUNK];
        let slots = if create {
            Some(chunk.get_or_init(|| (0..CHUNK).map(|_| Mutex::new(Slot::Empty)).collect()))
        } else {
            chunk.get()
        };
        Ok(slots.map(|c| &c[i % CHUNK]))
    }

    /// Replaces slot `offset`'s contents with `new` and updates the
    /// counters; the old contents are freed after the lock is dropped.
    fn store(&self, offset: u64, new: Slot) -> Result<(), Errno> {
        let added = new.usage();
        let create = !matches!(new, Slot::Empty);
        let Some(slot) = self.slot(offset, create)? else {
            return Ok(());
        };
        let old = std::mem::replace(&mut *slot.lock(), new);
        let removed = old.usage();
        for (counter, add, sub) in [
            (&self.pages_stored, added.pages, removed.pages),
            (&self.same_pages, added.same, removed.same),
            (&self.huge_pages, added.huge, removed.huge),
            (&self.compr_data_size, added.compr, removed.compr),
        ] {
            if add != sub {
                // Wrapping: the counter goes down when `sub` is larger.
                counter.fetch_add(add.wrapping_sub(sub), Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

/// The fill word of a page whose every 64-bit word is the same.
fn same_filled(page: &PageBuf) -> Option<u64> {
    let (words, _) = page.as_chunks::<8>();
    let first = u64::from_ne_bytes(*words.first()?);
    // Eight words at a time without an early exit, which vectorises; a
    // page that differs almost always does so in its first block.
    words
        .chunks(8)
        .all(|block| block.iter().fold(0, |acc, w| acc | (u64::from_ne_bytes(*w) ^ first)) == 0)
        .then_some(first)
}

/// The slot contents for a page that is not same-filled.
fn compress(page: &PageBuf) -> Slot {
    let compressed = SCRATCH.with_borrow_mut(|s| match compress_into_with_table(page, &mut s.out, &mut s.table) {
        Ok(len) if len < HUGE_THRESHOLD => s.out.get(..len).map(Box::<[u8]>::from),
        _ => None,
    });
    match compressed {
        Some(data) => Slot::Compressed(data),
        None => Slot::Huge(Box::new(*page)),
    }
}

impl SwapDevice for Zram {
    fn name(&self) -> &'static str {
        "zram"
    }

    fn nr_pages(&self) -> u64 {
        self.nr_pages
    }

    fn read_page(&self, offset: u64, buf: &mut PageBuf) -> Result<(), Errno> {
        let Some(slot) = self.slot(offset, false)? else {
            buf.fill(0);
            return Ok(());
        };
        let slot = slot.lock();
        match &*slot {
            Slot::Empty | Slot::Same(0) => buf.fill(0),
            Slot::Same(word) => buf.as_chunks_mut::<8>().0.fill(word.to_ne_bytes()),
            Slot::Compressed(data) => match decompress_into(data, buf) {
                Ok(len) if len == buf.len() => {}
                _ => return Err(Errno::EIO),
            },
            Slot::Huge(page) => buf.copy_from_slice(&page[..]),
        }
        Ok(())
    }

    fn write_page(&self, offset: u64, buf: &PageBuf) -> Result<(), Errno> {
        // Refuse a bad offset before spending time on compression.
        self.slot(offset, false)?;
        let new = match same_filled(buf) {
            Some(word) => Slot::Same(word),
            None => compress(buf),
        };
        self.store(offset, new)
    }

    /// zram is a block device: a THP can take a whole cluster of slots.
    fn is_blkdev(&self) -> bool {
        true
    }

    fn discard(&self, offset: u64) {
        // Discarding the header slot or past the end has nothing to free.
        let _ = self.store(offset, Slot::Empty);
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        let pages_stored = self.pages_stored.load(Ordering::Relaxed);
        vec![
            ("orig_data_size", pages_stored * PAGE_SIZE),
            ("compr_data_size", self.compr_data_size.load(Ordering::Relaxed)),
            ("same_pages", self.same_pages.load(Ordering::Relaxed)),
            ("huge_pages", self.huge_pages.load(Ordering::Relaxed)),
            ("pages_stored", pages_stored),
        ]
    }
}

impl fmt::Debug for Zram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zram").field("nr_pages", &self.nr_pages()).field("stats", &self.stats()).finish()
    }
}

/// Why `--swap zram:...` could not make a device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZramError {
    /// A path was given: zram lives in memory.
    #[error("zram takes no path (got '{path}'): use --swap zram:SIZE")]
    Path {
        /// The path given.
        path: String,
    },
    /// No size was given.
    #[error("zram swap: a size is needed: use --swap zram:SIZE")]
    NoSize,
    /// The size is refused.
    #[error(transparent)]
    Size(#[from] SwapSizeError),
}

/// The device `--swap zram:SIZE` asks for.
fn zram_of(cfg: &SwapDeviceConfig) -> Result<Zram, ZramError> {
    if !cfg.path.is_empty() {
        return Err(ZramError::Path { path: cfg.path.clone() });
    }
    Ok(Zram::new(cfg.size.ok_or(ZramError::NoSize)?)?)
}

/// `--swap zram:SIZE`.
fn new_zram(cfg: &SwapDeviceConfig) -> Result<Box<dyn SwapDevice>, SwapDeviceError> {
    Ok(Box::new(zram_of(cfg).map_err(SwapDeviceError::device)?))
}

#[linkme::distributed_slice(MM_SWAP_DEVICES)]
static ZRAM: SwapDeviceDesc = SwapDeviceDesc {
    name: "zram",
    description: "compressed pages in memory, LZ4, same-filled and huge pages as zram (drivers/block/zram)",
    takes_path: false,
    new: new_zram,
};
