//! Simulated physical memory: the `struct page` array and the bytes of every
//! frame.
//!
//! A frame's contents are real bytes, but most frames never need 4 KiB of
//! host memory: a freshly allocated anonymous page is all zeroes, and a page
//! that a program touched once holds a handful of written bytes.  So each
//! frame's content is kept in one of three shapes, recorded in a state word
//! in its [`Page`]:
//!
//! * **zero**: every byte is 0 (clearing a frame is a single store);
//! * **sparse**: zero except for up to three written bytes, packed into the
//!   state word itself;
//! * **full**: the bytes live in a 4 KiB block of host memory.
//!
//! A frame moves from zero to sparse to full as it is written, and back to
//! zero when it is cleared.  Every access is atomic, so several simulated
//! CPUs may touch frames at once without a data race, as on real hardware.
//!
//! Host memory follows use, not the size of RAM.  The `struct page` array
//! (64 bytes a frame: 16 GiB for 1 TiB of RAM) and the 4 KiB blocks of full
//! frames are each reserved as one anonymous mapping that the host backs
//! page by page on first touch ([`AnonMap`]): simulating a terabyte costs
//! the host the `struct page`s of the frames in use and the bytes of the
//! frames written densely (page tables, for one).  A zero `struct page` is
//! a free, clean one, so the array needs no initialisation: as with the
//! kernel's `CONFIG_DEFERRED_STRUCT_PAGE_INIT`, a `struct page` is
//! initialised when its frame is first handed out
//! ([`PhysMem::init_deferred_page`]), which records its 128 MiB section as
//! initialised.  Walks over every frame (counters, invariant checks) visit
//! only the initialised sections ([`PhysMem::initialised_pfns`]): the
//! others hold nothing but zeroes.
//!
//! The 4 KiB blocks of a machine that is dropped are kept for the next
//! machine of the same size in the process, when they back little host
//! memory (`SPARE_FRAMES`): a block is read only once its frame is full,
//! and a frame becomes full only by having all its words written, so
//! nothing of the earlier machine shows, and the blocks it touched cost no
//! first-touch fault again.

use crate::flags::PageFlags;
use crate::types::{PAGE_SIZE, Pfn};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicU64, Ordering};

/// Words (u64) in a frame.
pub const WORDS_PER_PAGE: usize = (PAGE_SIZE / 8) as usize;
/// log2 of the bytes of a memory section (`SECTION_SIZE_BITS` on x86-64:
/// 128 MiB), the unit in which `struct page`s count as initialised.
pub const SECTION_SIZE_BITS: u32 = 27;
/// Frames per section (`PAGES_PER_SECTION`).
pub const PAGES_PER_SECTION: u64 = 1 << (SECTION_SIZE_BITS - crate::types::PAGE_SHIFT);

const KIND_SHIFT: u32 = 62;
const KIND_ZERO: u64 = 0;
const KIND_SPARSE: u64 = 1;
const KIND_FULL: u64 = 2;
const KIND_BUSY: u64 = 3;
const COUNT_SHIFT: u32 = 60;
const ENTRY_BITS: u32 = 20;
const ENTRY_MASK: u64 = (1 << ENTRY_BITS) - 1;
/// Bytes a sparse frame can hold before it becomes full.
pub const SPARSE_SLOTS: u64 = 3;

#[inline]
fn kind(state: u64) -> u64 {
    state >> KIND_SHIFT
}

/// The kernel's `struct page`: one per frame, one cache line.
///
/// Fields are atomics so that the fault path, reclaim and several CPUs can
/// update them concurrently.  `mapcount` is the number of page-table
/// entries mapping the page (the kernel keeps this minus one in
/// `_mapcount`; here 0 means unmapped).
#[derive(Debug, Default)]
#[repr(align(64))]
pub struct Page {
    /// [`PageFlags`] bits.
    pub flags: AtomicU64,
    /// References held on the page (`_refcount`).
    pub refcount: AtomicI32,
    /// Page-table entries mapping the page.
    pub mapcount: AtomicI32,
    /// The owner: an anon_vma id with [`PAGE_MAPPING_ANON`] set for
    /// anonymous pages, or an address-space id for page-cache pages.
    pub mapping: AtomicU64,
    /// Page offset within the owner (`index`).
    pub index: AtomicU64,
    /// Owner-private word (allocator order, swap entry).
    pub private: AtomicU64,
    /// Shape of the frame's contents; see the module documentation.
    content: AtomicU64,
    /// The page's neighbours on its reclaim list (`lru`), as frame
    /// numbers; [`crate::list::PageList`] links them under the reclaim
    /// policy's lock.
    pub(crate) lru_prev: AtomicU32,
    pub(crate) lru_next: AtomicU32,
    /// A word the reclaim policy keeps per page (which list, a generation,
    /// an access count), valid while the page is on its lists.
    pub policy: AtomicU32,
    /// The lock of a page-table page (`ptdesc->ptl`, split page-table
    /// locks): it serialises changes to the entries of this table.  One
    /// byte, in what was padding.
    pub ptl: crate::spinlock::SpinLock<()>,
}

// `struct page` stays one cache line.
const _: () = assert!(std::mem::size_of::<Page>() == 64);

/// A page-sized buffer that remembers which of its bytes may be non-zero,
/// so that [`PhysMem::read_frame_into`] a mostly-zero frame clears only
/// those instead of the whole page.
pub struct FrameBuf {
    bytes: Box<[u8; PAGE_SIZE as usize]>,
    /// `Some((offsets, n))`: every byte is zero but these; `None`: any
    /// byte may be set.
    dirty: Option<([u16; SPARSE_SLOTS as usize], usize)>,
}

impl Default for FrameBuf {
    fn default() -> FrameBuf {
        FrameBuf { bytes: Box::new([0; PAGE_SIZE as usize]), dirty: Some(([0; SPARSE_SLOTS as usize], 0)) }
    }
}

impl FrameBuf {
    /// The bytes.
    pub fn bytes(&self) -> &[u8; PAGE_SIZE as usize] {
        &self.bytes
    }
    /// The bytes, to fill in (afterwards any byte may be set).
    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE as usize] {
        self.dirty = None;
        &mut self.bytes
    }
}

/// Low bit of `Page::mapping` marking an anonymous page, as in the kernel.
pub const PAGE_MAPPING_ANON: u64 = 1;

impl Page {
    /// `folio->mlock_count`: a page on the unevictable list is linked on
    /// no list, and the first of its list words counts the locked
    /// mappings that mlocked it.
    #[inline]
    pub fn mlock_count(&self) -> &AtomicU32 {
        &self.lru_prev
    }

    /// The page's flags.
    #[inline]
    pub fn flags(&self) -> PageFlags {
        PageFlags::from_bits_retain(self.flags.load(Ordering::Acquire))
    }
    /// Sets flags; returns the previous ones.
    #[inline]
    pub fn set_flags(&self, f: PageFlags) -> PageFlags {
        PageFlags::from_bits_retain(self.flags.fetch_or(f.bits(), Ordering::AcqRel))
    }
    /// Clears flags; returns the previous ones.
    #[inline]
    pub fn clear_flags(&self, f: PageFlags) -> PageFlags {
        PageFlags::from_bits_retain(self.flags.fetch_and(!f.bits(), Ordering::AcqRel))
    }
    /// Clears flags of a page no one else can reach, without an atomic
    /// read-modify-write (`__folio_clear_lru` and the kernel's other
    /// `__folio_clear_*`): the caller holds the last reference to a page
    /// being freed, or the page is not yet visible.  Returns the previous
    /// flags.
    #[inline]
    pub fn clear_flags_exclusive(&self, f: PageFlags) -> PageFlags {
        let old = self.flags.load(Ordering::Acquire);
        self.flags.store(old & !f.bits(), Ordering::Release);
        PageFlags::from_bits_retain(old)
    }
    /// True if all of `f` are set.
    #[inline]
    pub fn test(&self, f: PageFlags) -> bool {
        self.flags().contains(f)
    }
    /// Current reference count.
    #[inline]
    pub fn refcount(&self) -> i32 {
        self.refcount.load(Ordering::Acquire)
    }
    /// Current map count.
    #[inline]
    pub fn mapcount(&self) -> i32 {
        self.mapcount.load(Ordering::Acquire)
    }
    /// True for an anonymous page (`folio_test_anon`).
    #[inline]
    pub fn is_anon(&self) -> bool {
        self.mapping.load(Ordering::Acquire) & PAGE_MAPPING_ANON != 0
    }
    /// `folio_trylock`: takes `PG_locked` if it is free.
    #[inline]
    pub fn trylock(&self) -> bool {
        !self.set_flags(PageFlags::LOCKED).contains(PageFlags::LOCKED)
    }
    /// `folio_lock`: waits for `PG_locked` and takes it.
    #[inline]
    pub fn lock(&self) {
        while !self.trylock() {
            std::hint::spin_loop();
        }
    }
    /// `folio_unlock`.
    #[inline]
    pub fn unlock(&self) {
        self.clear_flags(PageFlags::LOCKED);
    }
    /// `folio_ref_freeze`: the reference count goes from `count` to 0 if
    /// it is exactly `count`, so that nobody can take a new reference
    /// (`folio_try_get` fails) while the page is taken apart.
    #[inline]
    pub fn ref_freeze(&self, count: i32) -> bool {
        self.refcount.compare_exchange(count, 0, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
    /// `folio_ref_unfreeze`.
    #[inline]
    pub fn ref_unfreeze(&self, count: i32) {
        self.refcount.store(count, Ordering::Release);
    }

    /// Resets every field: the core calls it when the allocator hands the
    /// frame out afresh (a backend has no reason to).
    #[inline]
    pub fn reset(&self) {
        self.flags.store(0, Ordering::Relaxed);
        self.refcount.store(0, Ordering::Relaxed);
        self.mapcount.store(0, Ordering::Relaxed);
        self.mapping.store(0, Ordering::Relaxed);
        self.index.store(0, Ordering::Relaxed);
        self.private.store(0, Ordering::Release);
    }

    /// True if the page is as [`reset`](Self::reset) leaves it.
    pub fn is_clean(&self) -> bool {
        [&self.flags, &self.mapping, &self.index, &self.private].iter().all(|w| w.load(Ordering::Relaxed) == 0)
            && self.refcount.load(Ordering::Relaxed) == 0
            && self.mapcount.load(Ordering::Relaxed) == 0
    }
}

/// Why the host could not reserve the address space an [`AnonMap`] asked
/// for.
#[derive(Debug, thiserror::Error)]
pub enum HostMemoryError {
    /// The array's size in bytes does not fit in a `usize`.
    #[error("more bytes than the address space holds")]
    AddressSpace,
    /// The host's `mmap` failed; its error is the source.
    #[error("mmap of {bytes} bytes: {source}")]
    Mmap {
        /// The size asked for.
        bytes: usize,
        /// The host's error.
        source: std::io::Error,
    },
    /// The host's `mmap` returned address 0.
    #[error("mmap returned address 0")]
    NullMapping,
    /// The allocator could not provide the block (hosts without `mmap`).
    #[error("allocation of {bytes} bytes failed")]
    Alloc {
        /// The size asked for.
        bytes: usize,
    },
    /// No layout has this size and alignment (hosts without `mmap`).
    #[error("{0}")]
    Layout(#[from] std::alloc::LayoutError),
}

/// Why [`PhysMem::try_new`] could not reserve address space for physical
/// memory.
#[derive(Debug, thiserror::Error)]
pub enum PhysMemError {
    /// The number of frames does not fit in a `usize`.
    #[error("more frames than the address space holds")]
    TooManyFrames,
    /// The `struct page` array could not be reserved.
    #[error("struct page array: {0}")]
    StructPages(#[source] HostMemoryError),
    /// The frames' contents could not be reserved.
    #[error("frame contents: {0}")]
    Frames(#[source] HostMemoryError),
}

/// `len` zeroed `T`s in an anonymous mapping reserved without backing
/// (`MAP_NORESERVE`): the host zero-fills a page of it on first touch, so
/// the parts never used cost no host memory, however large the array.
/// Unmapped on drop.  (The allocator's zeroing path is lazy only while the
/// C library maps the block afresh, which its dynamic threshold stops
/// doing once blocks of that size have been freed.)
///
/// Allocators keep their per-frame metadata in one (the buddy and bitmap
/// allocators do), the core its `struct page` array and swap maps.
pub struct AnonMap<T: Zeroable> {
    ptr: NonNull<T>,
    len: usize,
}

// SAFETY: `AnonMap` owns its mapping like a `Box<[T]>` owns its block.
unsafe impl<T: Zeroable + Send> Send for AnonMap<T> {}
// SAFETY: as above.
unsafe impl<T: Zeroable + Sync> Sync for AnonMap<T> {}

impl<T: Zeroable> AnonMap<T> {
    /// Reserves `len` zeroed `T`s, or says why the host cannot.
    pub fn try_new(len: usize) -> Result<AnonMap<T>, HostMemoryError> {
        let bytes = len.checked_mul(size_of::<T>()).ok_or(HostMemoryError::AddressSpace)?;
        if bytes == 0 {
            return Ok(AnonMap { ptr: NonNull::dangling(), len });
        }
        let ptr = Self::map(bytes)?;
        debug_assert!(ptr.as_ptr().is_aligned(), "mappings are page-aligned");
        Ok(AnonMap { ptr, len })
    }

    /// No elements.
    fn empty() -> AnonMap<T> {
        AnonMap { ptr: NonNull::dangling(), len: 0 }
    }

    /// [`try_new`](Self::try_new) for metadata sized by a range the caller
    /// has checked.
    ///
    /// # Panics
    /// If the host cannot reserve the address space.
    pub fn new(len: usize) -> AnonMap<T> {
        AnonMap::try_new(len).unwrap_or_else(|e| panic!("cannot reserve {len} zeroed elements: {e}"))
    }

    /// Asks the host to back the mapping with transparent huge pages
    /// where it can (`MADV_HUGEPAGE`), as a virtual machine monitor does
    /// for its guest's memory: a simulated access then rarely misses the
    /// host's TLB, at the price of backing 2 MiB at a time.  Whether the
    /// host took the advice (Linux with THP not disabled).
    pub fn advise_huge(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            let bytes = self.len * size_of::<T>();
            // SAFETY: advice about the mapping `map` made, which changes
            // no content.
            bytes > 0 && unsafe { libc::madvise(self.ptr.as_ptr().cast(), bytes, libc::MADV_HUGEPAGE) } == 0
        }
        #[cfg(not(target_os = "linux"))]
        false
    }

    #[cfg(unix)]
    fn map(bytes: usize) -> Result<NonNull<T>, HostMemoryError> {
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(HostMemoryError::Mmap { bytes, source: std::io::Error::last_os_error() });
        }
        NonNull::new(p.cast()).ok_or(HostMemoryError::NullMapping)
    }

    #[cfg(not(unix))]
    fn map(bytes: usize) -> Result<NonNull<T>, HostMemoryError> {
        let layout = std::alloc::Layout::from_size_align(bytes, align_of::<T>())?;
        // SAFETY: the layout has a non-zero size.
        NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) }.cast()).ok_or(HostMemoryError::Alloc { bytes })
    }
}

impl<T: Zeroable> std::fmt::Debug for AnonMap<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AnonMap({} elements)", self.len)
    }
}

impl<T: Zeroable> std::ops::Deref for AnonMap<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` `T`s, zeroed (valid by `T: Zeroable`) or
        // written since, for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Zeroable> std::ops::DerefMut for AnonMap<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Zeroable> Drop for AnonMap<T> {
    fn drop(&mut self) {
        let bytes = self.len * size_of::<T>();
        if bytes == 0 {
            return;
        }
        #[cfg(unix)]
        // SAFETY: the mapping was made by `map` with this size.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), bytes);
        }
        #[cfg(not(unix))]
        // SAFETY: allocated by `map` with this layout.
        unsafe {
            let layout = std::alloc::Layout::from_size_align_unchecked(bytes, align_of::<T>());
            std::alloc::dealloc(self.ptr.as_ptr().cast(), layout);
        }
    }
}

/// Physical memory: `nr_pages` frames, their `struct page`s and contents.
pub struct PhysMem {
    nr_pages: u64,
    /// The `struct page` array (`mem_map`).
    pages: AnonMap<Page>,
    /// The bytes of every full frame, 512 words a frame: the host backs
    /// a frame's 4 KiB when it first becomes full.
    frames: AnonMap<AtomicU64>,
    /// Per section: some `struct page` of it has been initialised.
    sections: Box<[AtomicBool]>,
    /// What `frames` has backed on the host.
    usage: FrameUsage,
}

/// How much host memory the frames' bytes may hold: every frame that became
/// full backed its 4 KiB, and with host huge pages the 2 MiB around it.
/// It stays with the mapping when a spare is reused, so that the bound
/// covers what earlier machines backed too.
struct FrameUsage {
    /// How many times a frame became full.
    filled: AtomicU64,
    /// The mapping is backed by host huge pages where the host can
    /// ([`AnonMap::advise_huge`]).
    huge: bool,
    /// One bit per 2 MiB of the mapping in which some frame became full.
    huge_filled: Box<[AtomicU64]>,
    /// How many bits of `huge_filled` are set.
    nr_huge_filled: AtomicU64,
}

impl FrameUsage {
    fn new(nr_pages: u64, huge: bool) -> FrameUsage {
        let words = nr_pages.div_ceil(FRAMES_PER_HOST_HUGE).div_ceil(64) as usize;
        FrameUsage {
            filled: AtomicU64::new(0),
            huge,
            huge_filled: zeroed_slice(words),
            nr_huge_filled: AtomicU64::new(0),
        }
    }

    /// Frame `pfn` became full.
    fn note_filled(&self, pfn: Pfn) {
        self.filled.fetch_add(1, Ordering::Relaxed);
        let region = pfn.0 / FRAMES_PER_HOST_HUGE;
        let bit = 1u64 << (region % 64);
        let word = &self.huge_filled[(region / 64) as usize];
        if word.load(Ordering::Relaxed) & bit == 0 && word.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
            self.nr_huge_filled.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The most host memory the mapping can hold.
    fn host_bytes_bound(&self) -> u64 {
        if self.huge {
            self.nr_huge_filled.load(Ordering::Relaxed) * FRAMES_PER_HOST_HUGE * PAGE_SIZE
        } else {
            self.filled.load(Ordering::Relaxed) * PAGE_SIZE
        }
    }
}

/// The largest machine whose frames the host backs with huge pages
/// ([`AnonMap::advise_huge`]).  Up to it, frames that become full far apart
/// may cost the host up to the machine's size, which a user who sizes a
/// machine so can expect; past it, the host backs 4 KiB at a time, so that
/// a machine of a terabyte costs what it uses.
pub const HOST_HUGE_MAX_RAM: u64 = 4 << 30;

/// Frames per 2 MiB host huge page.
const FRAMES_PER_HOST_HUGE: u64 = 512;

/// The frame contents of a dropped [`PhysMem`], kept for the next one of
/// the same size: a frame's words are read only once it is full, and
/// every way to full writes all of them, so what an earlier machine left
/// there is never seen, and the host pages it backed need no second
/// first-touch fault.  A process that builds machine after machine (the
/// tests, the benchmarks) reuses them; the spare is kept only when it
/// holds little host memory ([`SPARE_FRAMES_MAX_BYTES`]).
static SPARE_FRAMES: std::sync::Mutex<Vec<(AnonMap<AtomicU64>, FrameUsage)>> = std::sync::Mutex::new(Vec::new());
/// Spare frame contents kept at most.
const SPARE_FRAMES_MAX: usize = 2;
/// The most host memory a spare's frames may have backed.
const SPARE_FRAMES_MAX_BYTES: u64 = 64 << 20;

impl Drop for PhysMem {
    fn drop(&mut self) {
        if self.host_bytes_bound() > SPARE_FRAMES_MAX_BYTES {
            return;
        }
        let frames = std::mem::replace(&mut self.frames, AnonMap::empty());
        if let Ok(mut spare) = SPARE_FRAMES.lock()
            && spare.len() < SPARE_FRAMES_MAX
        {
            let usage = std::mem::replace(&mut self.usage, FrameUsage::new(0, false));
            spare.push((frames, usage));
        }
    }
}

/// A spare of `len` words ([`SPARE_FRAMES`]), if there is one.
fn take_spare_frames(len: usize) -> Option<(AnonMap<AtomicU64>, FrameUsage)> {
    let mut spare = SPARE_FRAMES.lock().ok()?;
    let i = spare.iter().position(|(f, _)| f.len == len)?;
    Some(spare.swap_remove(i))
}

impl std::fmt::Debug for PhysMem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhysMem").field("nr_pages", &self.nr_pages).finish()
    }
}

/// Marker for types whose all-zero bit pattern is a valid value.
///
/// # Safety
/// Implement only for types made of atomic integers (or other types valid
/// when zeroed).
pub unsafe trait Zeroable {}
// SAFETY: an integer is valid when zeroed.
unsafe impl Zeroable for u32 {}
// SAFETY: an integer is valid when zeroed.
unsafe impl Zeroable for u64 {}
// SAFETY: an atomic integer is valid when zeroed.
unsafe impl Zeroable for AtomicU64 {}
// SAFETY: an atomic integer is valid when zeroed.
unsafe impl Zeroable for AtomicU8 {}
// SAFETY: an atomic integer is valid when zeroed.
unsafe impl Zeroable for AtomicU32 {}
// SAFETY: an atomic bool is valid when zeroed (false).
unsafe impl Zeroable for AtomicBool {}
// SAFETY: an array of zeroable elements is valid when zeroed.
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}
// SAFETY: `Page` consists only of atomic integers and a spinlock, whose
// only state is an atomic bool (unlocked when zeroed).
unsafe impl Zeroable for Page {}

/// True if every byte of `data` is zero: 128 bytes at a time, OR-ed
/// together without a branch so that the compiler keeps them in vector
/// registers, the first block with a set bit ending the scan (a page of
/// zeros, a file hole, is read whole; most other pages stop at once).
fn is_zero(data: &[u8]) -> bool {
    let (blocks, tail) = data.as_chunks::<128>();
    blocks.iter().all(|b| b.as_chunks::<8>().0.iter().fold(0, |acc, w| acc | u64::from_ne_bytes(*w)) == 0)
        && tail.iter().all(|&b| b == 0)
}

/// A zeroed slice from the allocator's zeroing path (`calloc`), for small
/// per-frame state; large arrays go in an [`AnonMap`].
fn zeroed_slice<T: Zeroable>(n: usize) -> Box<[T]> {
    let zeroed = Box::<[T]>::new_zeroed_slice(n);
    // SAFETY: `T: Zeroable` guarantees that all-zero bytes are a valid `T`.
    unsafe { zeroed.assume_init() }
}

impl PhysMem {
    /// Physical memory of `bytes` (rounded down to whole pages).
    ///
    /// # Panics
    /// If the host cannot reserve the address space; see
    /// [`try_new`](Self::try_new).
    pub fn new(bytes: u64) -> PhysMem {
        PhysMem::try_new(bytes).expect("host address space for physical memory")
    }

    /// [`new`](Self::new), or why the host cannot reserve address space
    /// for the `struct page` array and the frames' bytes (address space,
    /// not memory: only the parts that are used get backed).
    pub fn try_new(bytes: u64) -> Result<PhysMem, PhysMemError> {
        let nr_pages = bytes / PAGE_SIZE;
        let too_large = |_| PhysMemError::TooManyFrames;
        let n = usize::try_from(nr_pages).map_err(too_large)?;
        let pages = AnonMap::try_new(n).map_err(PhysMemError::StructPages)?;
        let words = n.checked_mul(WORDS_PER_PAGE).ok_or(PhysMemError::Frames(HostMemoryError::AddressSpace))?;
        let (frames, usage) = match take_spare_frames(words) {
            Some(f) => f,
            None => {
                let f = AnonMap::try_new(words).map_err(PhysMemError::Frames)?;
                let huge = bytes <= HOST_HUGE_MAX_RAM && f.advise_huge();
                (f, FrameUsage::new(nr_pages, huge))
            }
        };
        let nr_sections = usize::try_from(nr_pages.div_ceil(PAGES_PER_SECTION)).map_err(too_large)?;
        Ok(PhysMem { nr_pages, pages, frames, sections: zeroed_slice(nr_sections), usage })
    }

    /// Number of frames.
    #[inline]
    pub fn nr_pages(&self) -> u64 {
        self.nr_pages
    }

    /// True if `pfn` names a frame of this memory (`pfn_valid`).
    #[inline]
    pub fn pfn_valid(&self, pfn: Pfn) -> bool {
        pfn.0 < self.nr_pages
    }

    /// The `struct page` of a frame (`pfn_to_page`).
    ///
    /// # Panics
    /// If `pfn` is not a frame of this memory: a pfn comes from the
    /// allocator or a page-table entry the simulator wrote, so an invalid
    /// one is a bug in the simulator, not bad input.
    #[inline]
    pub fn page(&self, pfn: Pfn) -> &Page {
        &self.pages[pfn.0 as usize]
    }

    /// `init_deferred_page`: the `struct page` of `pfn` is about to be used
    /// (its frame is handed out, or its bytes written), so its section
    /// counts as initialised from now on.  The page itself needs no
    /// writing: a zero `struct page` is a clean one.  Costs a load once the
    /// section is initialised.
    #[inline]
    pub fn init_deferred_page(&self, pfn: Pfn) {
        let s = &self.sections[(pfn.0 / PAGES_PER_SECTION) as usize];
        if !s.load(Ordering::Relaxed) {
            s.store(true, Ordering::Relaxed);
        }
    }

    /// Every frame of the sections whose `struct page`s have been
    /// initialised, ascending: the only frames whose `struct page` can be
    /// anything but zero.  Walks over all frames use this, so their cost
    /// follows the memory in use, not the size of RAM.
    pub fn initialised_pfns(&self) -> impl Iterator<Item = Pfn> + '_ {
        let nr_pages = self.nr_pages;
        self.sections.iter().enumerate().filter(|(_, s)| s.load(Ordering::Relaxed)).flat_map(move |(i, _)| {
            let start = i as u64 * PAGES_PER_SECTION;
            (start..(start + PAGES_PER_SECTION).min(nr_pages)).map(Pfn)
        })
    }

    /// The most host memory the frames' bytes can hold (see
    /// [`AnonMap::advise_huge`]): 4 KiB for every time a frame became
    /// full, or with host huge pages 2 MiB for every 2 MiB in which one
    /// did, counting what earlier machines left in a reused mapping.
    pub fn host_bytes_bound(&self) -> u64 {
        self.usage.host_bytes_bound()
    }

    /// Number of frames whose bytes are held in full 4 KiB blocks.
    pub fn full_frames(&self) -> u64 {
        self.initialised_pfns().filter(|&p| self.frame_is_full(p)).count() as u64
    }

    /// Host bytes that full frames keep (at least: a frame that was full
    /// once keeps its host page).
    pub fn host_bytes(&self) -> u64 {
        self.full_frames() * PAGE_SIZE
    }

    /// Word `idx` (taken modulo 512) of a frame whose content is full.
    #[inline(always)]
    fn word(&self, pfn: Pfn, idx: usize) -> &AtomicU64 {
        &self.frames[pfn.0 as usize * WORDS_PER_PAGE + idx % WORDS_PER_PAGE]
    }

    #[inline]
    fn words(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        let first = pfn.0 as usize * WORDS_PER_PAGE;
        self.frames[first..first + WORDS_PER_PAGE].try_into().expect("whole frames")
    }

    /// Waits out a transition to full and returns the settled state.
    #[inline]
    fn settled(&self, page: &Page) -> u64 {
        loop {
            let s = page.content.load(Ordering::Acquire);
            if kind(s) != KIND_BUSY {
                return s;
            }
            std::hint::spin_loop();
        }
    }

    /// Turns a zero or sparse frame into a full one and returns its words.
    fn materialize(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        let page = self.page(pfn);
        loop {
            let s = self.settled(page);
            if kind(s) == KIND_FULL {
                return self.words(pfn);
            }
            let busy = KIND_BUSY << KIND_SHIFT;
            if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            // Bytes written through the direct map, without an allocation,
            // count too.
            self.init_deferred_page(pfn);
            self.usage.note_filled(pfn);
            let words = self.words(pfn);
            for w in words {
                w.store(0, Ordering::Relaxed);
            }
            if kind(s) == KIND_SPARSE {
                for (off, val) in sparse_entries(s) {
                    let w = &words[off as usize / 8];
                    let shift = (off % 8) * 8;
                    let old = w.load(Ordering::Relaxed);
                    w.store((old & !(0xff << shift)) | (u64::from(val) << shift), Ordering::Relaxed);
                }
            }
            page.content.store(KIND_FULL << KIND_SHIFT, Ordering::Release);
            return words;
        }
    }

    /// `folio_order`: the order of the large folio kept whole that `pfn`
    /// heads (`PG_large_rmappable`; the order is in its second page's
    /// `private` word, where the kernel keeps it in the folio's second
    /// page), 0 for any other page.
    #[inline]
    pub fn folio_order(&self, pfn: Pfn) -> u32 {
        if self.page(pfn).test(PageFlags::LARGE_RMAPPABLE) {
            self.page(Pfn(pfn.0 + 1)).private.load(Ordering::Relaxed) as u32
        } else {
            0
        }
    }

    /// `folio_nr_pages`: the pages of the folio `pfn` heads, 1 for a page
    /// on its own (see [`folio_order`](Self::folio_order)).
    #[inline]
    pub fn folio_nr_pages(&self, pfn: Pfn) -> u64 {
        1 << self.folio_order(pfn)
    }

    /// A hint that the byte at `off` of frame `pfn` will be read soon: if
    /// the frame's bytes are held in full, the host starts bringing that
    /// byte into its cache (a zero or sparse frame has nothing to fetch).
    /// Nothing changes; a frame past the end is ignored.  The page walker
    /// gives it for pages it expects accesses to, so that the host's miss
    /// overlaps the work of the accesses before.
    #[inline]
    pub fn prefetch(&self, pfn: Pfn, off: u64) {
        #[cfg(target_arch = "x86_64")]
        if self.frame_is_full(pfn) {
            let word = self.word(pfn, (off % PAGE_SIZE) as usize / 8);
            // SAFETY: a prefetch reads nothing the program sees and never
            // faults; the address is inside the frames' mapping.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(std::ptr::from_ref(word).cast())
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (pfn, off);
    }

    /// Reads the byte at `off` in the frame.
    #[inline]
    pub fn read_u8(&self, pfn: Pfn, off: u64) -> u8 {
        debug_assert!(off < PAGE_SIZE);
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_ZERO => 0,
            KIND_SPARSE => sparse_entries(s).find(|&(o, _)| o == off).map_or(0, |(_, v)| v),
            _ => (self.words(pfn)[off as usize / 8].load(Ordering::Relaxed) >> ((off % 8) * 8)) as u8,
        }
    }

    /// Writes the byte at `off` in the frame.
    #[inline]
    pub fn write_u8(&self, pfn: Pfn, off: u64, val: u8) {
        debug_assert!(off < PAGE_SIZE);
        let page = self.page(pfn);
        loop {
            let s = self.settled(page);
            let new = match kind(s) {
                KIND_ZERO if val == 0 => return,
                KIND_ZERO => (KIND_SPARSE << KIND_SHIFT) | (1 << COUNT_SHIFT) | (off << 8) | u64::from(val),
                KIND_SPARSE => match sparse_insert(s, off, val) {
                    Some(n) => n,
                    None => {
                        self.materialize(pfn);
                        continue;
                    }
                },
                _ => {
                    let w = &self.words(pfn)[off as usize / 8];
                    let shift = (off % 8) * 8;
                    let mut old = w.load(Ordering::Relaxed);
                    loop {
                        let new = (old & !(0xff << shift)) | (u64::from(val) << shift);
                        match w.compare_exchange_weak(old, new, Ordering::Relaxed, Ordering::Relaxed) {
                            Ok(_) => return,
                            Err(cur) => old = cur,
                        }
                    }
                }
            };
            if page.content.compare_exchange(s, new, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return;
            }
        }
    }

    /// Reads the 64-bit word with index `idx` (0..512), as the page walker
    /// reads an entry.
    #[inline(always)]
    pub fn read_u64(&self, pfn: Pfn, idx: usize) -> u64 {
        let s = self.page(pfn).content.load(Ordering::Acquire);
        if kind(s) == KIND_FULL {
            return self.word(pfn, idx).load(Ordering::Acquire);
        }
        self.read_u64_slow(pfn, idx)
    }

    /// The words of a frame read as a table: `Some(None)` if every byte
    /// is zero, `Some(Some(words))` if its content is full, `None` if it
    /// is sparse or changing (read it word by word then).  A page-table
    /// walk reads a whole table this way with one look at its state.
    #[inline]
    pub fn table_words(&self, pfn: Pfn) -> Option<Option<&[AtomicU64; WORDS_PER_PAGE]>> {
        match kind(self.page(pfn).content.load(Ordering::Acquire)) {
            KIND_FULL => Some(Some(self.words(pfn))),
            KIND_ZERO => Some(None),
            _ => None,
        }
    }

    #[inline(never)]
    fn read_u64_slow(&self, pfn: Pfn, idx: usize) -> u64 {
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_FULL => self.words(pfn)[idx].load(Ordering::Acquire),
            KIND_ZERO => 0,
            _ => {
                let mut v = 0u64;
                for (off, val) in sparse_entries(s) {
                    if off as usize / 8 == idx {
                        v |= u64::from(val) << ((off % 8) * 8);
                    }
                }
                v
            }
        }
    }

    /// Writes the 64-bit word with index `idx`.
    #[inline]
    pub fn write_u64(&self, pfn: Pfn, idx: usize, val: u64) {
        self.full_word(pfn, idx).store(val, Ordering::Release);
    }

    /// Atomically ors `bits` into a word and returns its old value (the
    /// locked operation hardware uses to set accessed and dirty bits).
    #[inline]
    pub fn fetch_or_u64(&self, pfn: Pfn, idx: usize, bits: u64) -> u64 {
        self.full_word(pfn, idx).fetch_or(bits, Ordering::AcqRel)
    }

    /// Atomically replaces a word, returning the old one.
    #[inline]
    pub fn xchg_u64(&self, pfn: Pfn, idx: usize, new: u64) -> u64 {
        self.full_word(pfn, idx).swap(new, Ordering::AcqRel)
    }

    /// Atomically replaces a word if it still holds `old`.
    #[inline]
    pub fn cmpxchg_u64(&self, pfn: Pfn, idx: usize, old: u64, new: u64) -> Result<u64, u64> {
        self.full_word(pfn, idx).compare_exchange(old, new, Ordering::AcqRel, Ordering::Acquire)
    }

    /// Word `idx` of the frame, making the frame full first if it is not.
    #[inline(always)]
    fn full_word(&self, pfn: Pfn, idx: usize) -> &AtomicU64 {
        if kind(self.page(pfn).content.load(Ordering::Acquire)) != KIND_FULL {
            self.materialize(pfn);
        }
        self.word(pfn, idx)
    }

    #[inline]
    fn full_words(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        if kind(self.page(pfn).content.load(Ordering::Acquire)) == KIND_FULL {
            self.words(pfn)
        } else {
            self.materialize(pfn)
        }
    }

    /// Copies bytes out of the frame starting at `off`.
    #[inline]
    pub fn read_bytes(&self, pfn: Pfn, off: u64, buf: &mut [u8]) {
        assert!(off + buf.len() as u64 <= PAGE_SIZE, "read past the end of a frame");
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_ZERO => buf.fill(0),
            KIND_SPARSE => {
                buf.fill(0);
                for (o, v) in sparse_entries(s) {
                    if o >= off && o < off + buf.len() as u64 {
                        buf[(o - off) as usize] = v;
                    }
                }
            }
            _ => {
                let words = self.words(pfn);
                for (i, b) in buf.iter_mut().enumerate() {
                    let o = off as usize + i;
                    *b = (words[o / 8].load(Ordering::Relaxed) >> ((o % 8) * 8)) as u8;
                }
            }
        }
    }

    /// Copies the whole frame into `fb`, clearing only the bytes `fb` may
    /// hold from before when the frame is zero or sparse.
    pub fn read_frame_into(&self, pfn: Pfn, fb: &mut FrameBuf) {
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_FULL => {
                self.read_frame(pfn, &mut fb.bytes);
                fb.dirty = None;
            }
            _ => {
                match fb.dirty.take() {
                    None => fb.bytes.fill(0),
                    Some((offs, n)) => {
                        for &o in &offs[..n] {
                            fb.bytes[o as usize] = 0;
                        }
                    }
                }
                let mut offs = [0u16; SPARSE_SLOTS as usize];
                let mut n = 0;
                if kind(s) == KIND_SPARSE {
                    for (o, v) in sparse_entries(s) {
                        fb.bytes[o as usize] = v;
                        offs[n] = o as u16;
                        n += 1;
                    }
                }
                fb.dirty = Some((offs, n));
            }
        }
    }

    /// Copies the whole frame out (`kmap` + `memcpy` of a page), a word at
    /// a time.
    pub fn read_frame(&self, pfn: Pfn, buf: &mut [u8; PAGE_SIZE as usize]) {
        let s = self.settled(self.page(pfn));
        if kind(s) != KIND_FULL {
            self.read_bytes(pfn, 0, buf);
            return;
        }
        for (b, w) in buf.chunks_exact_mut(8).zip(self.words(pfn)) {
            b.copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
    }

    /// Fills the whole frame with `data`, keeping it zero or sparse when
    /// `data` has at most three non-zero bytes (a page read back from swap
    /// or a file often is mostly zeroes: no 4 KiB block is touched then).
    pub fn write_frame(&self, pfn: Pfn, data: &[u8; PAGE_SIZE as usize]) {
        // Which 64-byte blocks have a non-zero byte: OR-ing whole words
        // vectorizes, and a frame with more than three such blocks cannot
        // be sparse.
        let mut blocks = [0usize; SPARSE_SLOTS as usize];
        let mut nblocks = 0;
        let mut sparse = true;
        for (c, chunk) in data.chunks_exact(64).enumerate() {
            let or =
                chunk.chunks_exact(8).fold(0u64, |a, w| a | u64::from_ne_bytes(w.try_into().expect("eight bytes")));
            if or != 0 {
                if nblocks == blocks.len() {
                    sparse = false;
                    break;
                }
                blocks[nblocks] = c;
                nblocks += 1;
            }
        }
        let mut state = KIND_ZERO << KIND_SHIFT;
        'scan: for &c in &blocks[..if sparse { nblocks } else { 0 }] {
            for (i, &b) in data[c * 64..c * 64 + 64].iter().enumerate() {
                if b == 0 {
                    continue;
                }
                let off = (c * 64 + i) as u64;
                let base = if kind(state) == KIND_ZERO { KIND_SPARSE << KIND_SHIFT } else { state };
                match sparse_insert(base, off, b) {
                    Some(n) => state = n,
                    None => {
                        sparse = false;
                        break 'scan;
                    }
                }
            }
        }
        if !sparse {
            self.write_bytes(pfn, 0, data);
            return;
        }
        let page = self.page(pfn);
        self.settled(page);
        page.content.store(state, Ordering::Release);
    }

    /// Copies bytes into the frame starting at `off`.
    #[inline]
    pub fn write_bytes(&self, pfn: Pfn, off: u64, data: &[u8]) {
        assert!(off + data.len() as u64 <= PAGE_SIZE, "write past the end of a frame");
        if data.len() <= SPARSE_SLOTS as usize {
            for (i, &b) in data.iter().enumerate() {
                self.write_u8(pfn, off + i as u64, b);
            }
            return;
        }
        // Bytes that are all zero (a file hole, the bytes a root snapshot
        // did not record) leave a zero frame as it is, and make a whole
        // frame zero with one store: the host backs no memory for them.
        let zero = is_zero(data);
        if off == 0 && data.len() == PAGE_SIZE as usize {
            if zero {
                self.clear_frame(pfn);
                return;
            }
            self.overwrite(pfn, |words| {
                for (w, b) in words.iter().zip(data.chunks_exact(8)) {
                    w.store(u64::from_le_bytes(b.try_into().expect("eight bytes")), Ordering::Relaxed);
                }
            });
            return;
        }
        if zero && kind(self.settled(self.page(pfn))) == KIND_ZERO {
            return;
        }
        let words = self.full_words(pfn);
        let mut o = off as usize;
        let mut rest = data;
        while !rest.is_empty() {
            let w = &words[o / 8];
            if o.is_multiple_of(8) && rest.len() >= 8 {
                let v = u64::from_le_bytes(rest[..8].try_into().expect("eight bytes"));
                w.store(v, Ordering::Relaxed);
                o += 8;
                rest = &rest[8..];
                continue;
            }
            let shift = (o % 8) * 8;
            let b = u64::from(rest[0]);
            let mut old = w.load(Ordering::Relaxed);
            while let Err(cur) = w.compare_exchange_weak(
                old,
                (old & !(0xff << shift)) | (b << shift),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                old = cur;
            }
            o += 1;
            rest = &rest[1..];
        }
    }

    /// Makes every byte of the frame zero (`clear_page`): one store.
    #[inline]
    pub fn clear_frame(&self, pfn: Pfn) {
        let page = self.page(pfn);
        self.settled(page);
        page.content.store(KIND_ZERO << KIND_SHIFT, Ordering::Release);
    }

    /// Copies the whole frame `src` to `dst` (`copy_page`).  A zero or sparse
    /// source is copied by copying its state word.
    pub fn copy_frame(&self, dst: Pfn, src: Pfn) {
        let s = self.settled(self.page(src));
        if kind(s) != KIND_FULL {
            let d = self.page(dst);
            self.settled(d);
            d.content.store(s, Ordering::Release);
            return;
        }
        let from = self.words(src);
        self.overwrite(dst, |to| {
            for (t, f) in to.iter().zip(from) {
                t.store(f.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        });
    }

    /// Makes the frame full with every word written by `fill`, without
    /// zeroing it first (the frame is busy meanwhile: other accessors wait).
    fn overwrite(&self, pfn: Pfn, fill: impl FnOnce(&[AtomicU64; WORDS_PER_PAGE])) {
        let page = self.page(pfn);
        let s_before = loop {
            let s = self.settled(page);
            let busy = KIND_BUSY << KIND_SHIFT;
            if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                break s;
            }
        };
        self.init_deferred_page(pfn);
        if kind(s_before) != KIND_FULL {
            self.usage.note_filled(pfn);
        }
        fill(self.words(pfn));
        page.content.store(KIND_FULL << KIND_SHIFT, Ordering::Release);
    }

    /// The frame's bytes are held in full (not zero, nor a few bytes
    /// kept in its `struct page`), so that reading them reads host memory
    /// ([`prefetch`](Self::prefetch) has something to fetch).  False for a
    /// frame past the end.
    #[inline]
    pub fn frame_is_full(&self, pfn: Pfn) -> bool {
        self.pages.get(pfn.0 as usize).is_some_and(|p| kind(p.content.load(Ordering::Relaxed)) == KIND_FULL)
    }

    /// True if every byte of the frame is zero.
    #[inline]
    pub fn frame_is_zero(&self, pfn: Pfn) -> bool {
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_ZERO => true,
            KIND_SPARSE => sparse_entries(s).all(|(_, v)| v == 0),
            _ => self.words(pfn).iter().all(|w| w.load(Ordering::Relaxed) == 0),
        }
    }

    /// Mutable-free helper for tests and dumps: the frame's bytes.
    pub fn frame_bytes(&self, pfn: Pfn) -> Vec<u8> {
        let mut v = vec![0u8; PAGE_SIZE as usize];
        self.read_bytes(pfn, 0, &mut v);
        v
    }
}

/// The (offset, value) pairs of a sparse state word.
#[inline]
fn sparse_entries(s: u64) -> impl Iterator<Item = (u64, u8)> {
    let n = (s >> COUNT_SHIFT) & 3;
    (0..n).map(move |i| {
        let e = (s >> (i as u32 * ENTRY_BITS)) & ENTRY_MASK;
        (e >> 8, e as u8)
    })
}

/// The sparse state with byte `off` set to `val`, or `None` if it needs a
/// fourth slot.
#[inline]
fn sparse_insert(s: u64, off: u64, val: u8) -> Option<u64> {
    let n = (s >> COUNT_SHIFT) & 3;
    for i in 0..n {
        let shift = i as u32 * ENTRY_BITS;
        if ((s >> shift) & ENTRY_MASK) >> 8 == off {
            let e = (off << 8) | u64::from(val);
            return Some((s & !(ENTRY_MASK << shift)) | (e << shift));
        }
    }
    if n == SPARSE_SLOTS {
        return None;
    }
    let e = (off << 8) | u64::from(val);
    let s = (s & !(3 << COUNT_SHIFT)) | ((n + 1) << COUNT_SHIFT);
    Some(s | (e << (n as u32 * ENTRY_BITS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_frame_writes_stay_sparse_when_they_can() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        let mut data = [0u8; PAGE_SIZE as usize];
        m.write_frame(Pfn(1), &data);
        assert!(m.frame_is_zero(Pfn(1)));
        data[7] = 1;
        data[4000] = 2;
        data[64] = 3;
        m.write_frame(Pfn(2), &data);
        assert_eq!(m.full_frames(), 0, "three bytes stay sparse");
        assert_eq!(m.frame_bytes(Pfn(2)), data.to_vec());
        data[100] = 4;
        m.write_frame(Pfn(3), &data);
        assert_eq!(m.full_frames(), 1);
        assert_eq!(m.frame_bytes(Pfn(3)), data.to_vec());
        // Over a full frame, a sparse write replaces every byte.
        data[100] = 0;
        m.write_frame(Pfn(3), &data);
        assert_eq!(m.frame_bytes(Pfn(3)), data.to_vec());
        // Read back through a FrameBuf, in every order of shapes.
        let mut fb = FrameBuf::default();
        m.write_bytes(Pfn(4), 0, &[9u8; PAGE_SIZE as usize]);
        for p in [2, 1, 4, 2, 2, 1, 3, 4, 1] {
            m.read_frame_into(Pfn(p), &mut fb);
            assert_eq!(fb.bytes().to_vec(), m.frame_bytes(Pfn(p)), "pfn {p}");
        }
    }

    #[test]
    fn zero_bytes_touch_no_frame_memory() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        m.write_bytes(Pfn(1), 0, &[0u8; PAGE_SIZE as usize]);
        m.write_bytes(Pfn(2), 100, &[0u8; 1000]);
        assert!(m.frame_is_zero(Pfn(1)) && m.frame_is_zero(Pfn(2)));
        assert_eq!(m.full_frames(), 0);
        // A whole page of zeros over a full frame makes it zero again.
        m.write_bytes(Pfn(3), 0, &[5u8; PAGE_SIZE as usize]);
        assert_eq!(m.full_frames(), 1);
        m.write_bytes(Pfn(3), 0, &[0u8; PAGE_SIZE as usize]);
        assert!(m.frame_is_zero(Pfn(3)));
        assert_eq!(m.frame_bytes(Pfn(3)), vec![0u8; PAGE_SIZE as usize]);
        // Zeros inside a full frame are written.
        m.write_bytes(Pfn(4), 0, &[7u8; PAGE_SIZE as usize]);
        m.write_bytes(Pfn(4), 8, &[0u8; 100]);
        let b = m.frame_bytes(Pfn(4));
        assert_eq!((b[7], b[8], b[107], b[108]), (7, 0, 0, 7));
    }

    #[test]
    fn bytes_survive_every_shape() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        let p = Pfn(3);
        assert!(m.frame_is_zero(p));
        m.write_u8(p, 10, 0xaa);
        m.write_u8(p, 4095, 0xbb);
        m.write_u8(p, 0, 0xcc);
        assert_eq!(m.full_frames(), 0, "three bytes stay sparse");
        assert_eq!(m.read_u8(p, 10), 0xaa);
        assert_eq!(m.read_u8(p, 11), 0);
        m.write_u8(p, 10, 0x11);
        assert_eq!(m.read_u8(p, 10), 0x11);
        m.write_u8(p, 2000, 0xdd);
        assert_eq!(m.full_frames(), 1, "a fourth byte makes it full");
        for (off, v) in [(10, 0x11), (4095, 0xbb), (0, 0xcc), (2000, 0xdd), (1, 0)] {
            assert_eq!(m.read_u8(p, off), v, "offset {off}");
        }
        m.clear_frame(p);
        assert!(m.frame_is_zero(p));
        assert_eq!(m.read_u8(p, 2000), 0);
    }

    #[test]
    fn a_machine_after_another_sees_none_of_its_bytes() {
        // A size no other test uses, so the spare is this test's.
        let bytes = 23 * PAGE_SIZE;
        for round in 0..3u64 {
            let m = PhysMem::new(bytes);
            for pfn in 0..23 {
                let p = Pfn(pfn);
                assert!(m.frame_is_zero(p), "round {round}: frame {pfn}");
                // Four bytes: sparse, then full (materialized).
                for off in [1, 7, 100, 4000] {
                    m.write_u8(p, off, 0x5a);
                }
                assert_eq!(m.read_u8(p, 2), 0, "round {round}: the rest of frame {pfn} is zero");
                m.write_bytes(p, 0, &[0xee; PAGE_SIZE as usize]);
                m.clear_frame(p);
            }
            // A fresh one, full again, must read zero but for its bytes.
            m.write_u64(Pfn(5), 3, 0x1234);
            let b = m.frame_bytes(Pfn(5));
            assert_eq!(b.iter().filter(|&&x| x != 0).count(), 2, "round {round}");
        }
    }

    #[test]
    fn is_zero_finds_any_set_byte() {
        let mut page = vec![0u8; PAGE_SIZE as usize + 5];
        assert!(is_zero(&page) && is_zero(&page[3..]) && is_zero(&[]));
        for i in [0, 7, 127, 128, 4095, 4096, 4100] {
            page[i] = 0x80;
            assert!(!is_zero(&page), "byte {i}");
            assert!(is_zero(&page[..i]), "before byte {i}");
            page[i] = 0;
        }
    }

    #[test]
    fn host_memory_bound_counts_huge_pages_touched() {
        for (huge, bound) in [(true, 2 * 512 * PAGE_SIZE), (false, 3 * PAGE_SIZE)] {
            let u = FrameUsage::new(4096, huge);
            // Two frames in the first 2 MiB, one in the second.
            for pfn in [0, 511, 512] {
                u.note_filled(Pfn(pfn));
            }
            assert_eq!(u.host_bytes_bound(), bound, "huge: {huge}");
        }
    }

    #[test]
    fn prefetch_changes_nothing() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        m.write_u64(Pfn(2), 0, 7);
        let full = m.full_frames();
        // A zero frame, a full one, a sparse one, and frames past the end.
        m.write_u8(Pfn(3), 5, 1);
        for pfn in [0, 2, 3, 16, u64::MAX] {
            m.prefetch(Pfn(pfn), 4095);
        }
        assert_eq!(m.full_frames(), full);
        assert_eq!(m.read_u64(Pfn(2), 0), 7);
        assert_eq!(m.read_u8(Pfn(3), 5), 1);
        assert_eq!(m.read_u8(Pfn(0), 0), 0);
    }

    #[test]
    fn words_and_copies() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        m.write_u8(Pfn(1), 9, 0x42);
        assert_eq!(m.read_u64(Pfn(1), 1), 0x4200);
        m.copy_frame(Pfn(2), Pfn(1));
        assert_eq!(m.read_u8(Pfn(2), 9), 0x42);
        m.write_u64(Pfn(4), 511, 0x8000_0000_0000_0067);
        assert_eq!(m.fetch_or_u64(Pfn(4), 511, 0x20), 0x8000_0000_0000_0067);
        assert_eq!(m.read_u64(Pfn(4), 511), 0x8000_0000_0000_0067);
        m.copy_frame(Pfn(5), Pfn(4));
        assert_eq!(m.read_u64(Pfn(5), 511), 0x8000_0000_0000_0067);
        let data: Vec<u8> = (0..100u8).collect();
        m.write_bytes(Pfn(6), 3, &data);
        let mut back = vec![0u8; 100];
        m.read_bytes(Pfn(6), 3, &mut back);
        assert_eq!(back, data);
    }

    #[test]
    fn only_initialised_sections_are_walked() {
        let m = PhysMem::new(3 * PAGES_PER_SECTION * PAGE_SIZE - PAGE_SIZE);
        assert_eq!(m.initialised_pfns().count(), 0);
        m.init_deferred_page(Pfn(PAGES_PER_SECTION + 5));
        m.init_deferred_page(Pfn(PAGES_PER_SECTION + 7));
        let pfns: Vec<Pfn> = m.initialised_pfns().collect();
        assert_eq!(pfns, (PAGES_PER_SECTION..2 * PAGES_PER_SECTION).map(Pfn).collect::<Vec<_>>());
        // The last section is short; content written without an allocation
        // initialises its section too.
        m.write_bytes(Pfn(m.nr_pages() - 1), 0, &[1; 64]);
        assert_eq!(m.full_frames(), 1);
        assert_eq!(m.initialised_pfns().last(), Some(Pfn(m.nr_pages() - 1)));
        assert_eq!(m.initialised_pfns().count() as u64, 2 * PAGES_PER_SECTION - 1);
    }

    #[test]
    fn a_struct_page_array_the_host_cannot_map_is_an_error() {
        let err = PhysMem::try_new(u64::MAX).expect_err("2^58 bytes of struct pages");
        assert!(err.to_string().starts_with("struct page array: mmap of "), "{err}");
        // The host's own error is kept as the cause.
        let cause = std::error::Error::source(&err).expect("the struct page array's error");
        let io = std::error::Error::source(cause).expect("mmap's error");
        assert!(io.downcast_ref::<std::io::Error>().is_some(), "{io:?}");
    }

    #[test]
    fn concurrent_copies_writes_and_clears_stay_whole() {
        const N: u64 = 8;
        let m = std::sync::Arc::new(PhysMem::new(N * PAGE_SIZE));
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ (t + 1);
                    let mut buf = [0u8; 64];
                    for _ in 0..20_000 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let a = Pfn(x % N);
                        let b = Pfn((x >> 8) % N);
                        match (x >> 16) % 6 {
                            0 => m.copy_frame(a, b),
                            1 => m.write_u8(a, (x >> 24) % PAGE_SIZE, x as u8),
                            2 => m.read_bytes(a, (x >> 24) % (PAGE_SIZE - 64), &mut buf),
                            3 => m.clear_frame(a),
                            4 => m.write_u64(a, ((x >> 24) % 512) as usize, x),
                            _ => m.write_bytes(a, 0, &[x as u8; PAGE_SIZE as usize]),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no thread panics");
        }
        // Quiet again, every frame reads back what it is given.
        for p in 0..N {
            m.write_bytes(Pfn(p), 0, &[p as u8; PAGE_SIZE as usize]);
            assert!(m.frame_bytes(Pfn(p)).iter().all(|&b| b == p as u8));
        }
    }
}
