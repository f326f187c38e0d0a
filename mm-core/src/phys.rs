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
//! A copy of a full frame (`copy_page`, as copy-on-write does) is not
//! copied at once: it becomes a sparse frame *over* its source, the
//! **base**, whose bytes it reads except where it was written since.  The
//! base is marked, and before anything writes to it, every frame over it
//! gets its own copy of the bytes (see `detach_overlays`).  So a page
//! copied and then written in a few places costs no 4 KiB copy at all.
//!
//! A frame moves from zero to sparse to full as it is written, and back to
//! zero when it is cleared.  Full blocks are allocated in chunks of 512
//! frames on first use, so simulating many gigabytes costs only the host
//! memory of the frames that were written densely (page tables, for one).
//! Every access is atomic, so several simulated CPUs may touch frames at once
//! without a data race, as on real hardware.

use crate::flags::PageFlags;
use crate::types::{PAGE_SIZE, Pfn};
use parking_lot::{Mutex, MutexGuard};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicU64, Ordering, fence};

/// Words (u64) in a frame.
pub const WORDS_PER_PAGE: usize = (PAGE_SIZE / 8) as usize;
/// Frames per lazily allocated chunk of full-frame storage (2 MiB).
const CHUNK_FRAMES: u64 = 512;

const KIND_SHIFT: u32 = 62;
const KIND_ZERO: u64 = 0;
const KIND_SPARSE: u64 = 1;
const KIND_FULL: u64 = 2;
const KIND_BUSY: u64 = 3;
/// A full frame in this exact state has no frame over it: it may be
/// written directly.
const PLAIN_FULL: u64 = KIND_FULL << KIND_SHIFT;
/// Flag of a full frame's state: other frames are sparse over it.
const HAS_OVERLAYS: u64 = 1;
/// A sparse frame with no written byte.
const EMPTY_SPARSE: u64 = KIND_SPARSE << KIND_SHIFT;
const COUNT_SHIFT: u32 = 60;
const ENTRY_BITS: u32 = 20;
const ENTRY_MASK: u64 = (1 << ENTRY_BITS) - 1;
/// Bytes a sparse frame can hold before it becomes full.
pub const SPARSE_SLOTS: u64 = 3;

#[inline]
fn kind(state: u64) -> u64 {
    state >> KIND_SHIFT
}

/// The kernel's `struct page`: one per frame.
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
    /// For a sparse frame over a base: the base's pfn + 1 (0: none).
    base: AtomicU64,
    /// pfn + 1 of a frame over a base (0: none): for a frame over a base,
    /// the next frame over the same base; for a base, the first frame over
    /// it.  A frame is never both (a base is full, a frame over one is
    /// sparse), so one word serves.
    overlay_link: AtomicU64,
}

/// Low bit of `Page::mapping` marking an anonymous page, as in the kernel.
pub const PAGE_MAPPING_ANON: u64 = 1;

impl Page {
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
    /// Resets every field (the allocator hands the frame out afresh).
    pub(crate) fn reset(&self) {
        self.flags.store(0, Ordering::Relaxed);
        self.refcount.store(0, Ordering::Relaxed);
        self.mapcount.store(0, Ordering::Relaxed);
        self.mapping.store(0, Ordering::Relaxed);
        self.index.store(0, Ordering::Relaxed);
        self.private.store(0, Ordering::Release);
    }

    /// True if the page is as [`reset`](Self::reset) leaves it.
    pub(crate) fn is_clean(&self) -> bool {
        [&self.flags, &self.mapping, &self.index, &self.private].iter().all(|w| w.load(Ordering::Relaxed) == 0)
            && self.refcount.load(Ordering::Relaxed) == 0
            && self.mapcount.load(Ordering::Relaxed) == 0
    }
}

/// Physical memory: `nr_pages` frames, their `struct page`s and contents.
pub struct PhysMem {
    nr_pages: u64,
    pages: Box<[Page]>,
    chunks: Box<[OnceLock<Box<[AtomicU64]>>]>,
    /// Every change of a frame's base link, and of the list of frames over
    /// a base (`overlay_link`), happens under this lock.
    overlays: Mutex<()>,
}

/// The overlay lock, held.
type Overlays<'a> = MutexGuard<'a, ()>;

impl std::fmt::Debug for PhysMem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhysMem")
            .field("nr_pages", &self.nr_pages)
            .field("full_chunks", &self.chunks.iter().filter(|c| c.get().is_some()).count())
            .finish()
    }
}

/// Marker for types whose all-zero bit pattern is a valid value.
///
/// # Safety
/// Implement only for types made of atomic integers (or other types valid
/// when zeroed).
pub(crate) unsafe trait Zeroable {}
// SAFETY: an atomic integer is valid when zeroed.
unsafe impl Zeroable for AtomicU64 {}
// SAFETY: an atomic integer is valid when zeroed.
unsafe impl Zeroable for AtomicU8 {}
// SAFETY: `Page` consists only of atomic integers.
unsafe impl Zeroable for Page {}

/// A zeroed slice from the allocator's zeroing path (`calloc`), which the
/// host backs lazily for large sizes: untouched parts cost no memory.
/// The page allocators keep their per-frame state in such slices too.
pub(crate) fn zeroed_slice<T: Zeroable>(n: usize) -> Box<[T]> {
    let zeroed = Box::<[T]>::new_zeroed_slice(n);
    // SAFETY: `T: Zeroable` guarantees that all-zero bytes are a valid `T`.
    unsafe { zeroed.assume_init() }
}

/// [`zeroed_slice`], or `None` if the host cannot reserve the memory.
fn try_zeroed_slice<T: Zeroable>(n: usize) -> Option<Box<[T]>> {
    let layout = std::alloc::Layout::array::<T>(n).ok()?;
    if layout.size() == 0 {
        return Some(zeroed_slice(n));
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` holds `n` zeroed `T`s, valid by `T: Zeroable`, allocated
    // by the global allocator with the layout `Box<[T]>` frees them with.
    Some(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, n)) })
}

impl PhysMem {
    /// Physical memory of `bytes` (rounded down to whole pages).
    ///
    /// The `struct page` array is allocated zeroed, which the host backs
    /// lazily, so untouched parts of a large memory cost nothing.
    ///
    /// # Panics
    /// If the host cannot reserve the `struct page` array; see
    /// [`try_new`](Self::try_new).
    pub fn new(bytes: u64) -> PhysMem {
        PhysMem::try_new(bytes).expect("host memory for the struct page array")
    }

    /// [`new`](Self::new), or `None` if the host cannot reserve the
    /// `struct page` array (its address space, not its memory: only the
    /// parts that are used get backed).
    pub fn try_new(bytes: u64) -> Option<PhysMem> {
        let nr_pages = bytes / PAGE_SIZE;
        let nr_chunks = nr_pages.div_ceil(CHUNK_FRAMES) as usize;
        let pages = try_zeroed_slice::<Page>(usize::try_from(nr_pages).ok()?)?;
        let chunks = (0..nr_chunks).map(|_| OnceLock::new()).collect();
        Some(PhysMem { nr_pages, pages, chunks, overlays: Mutex::new(()) })
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

    /// Number of frames whose bytes are held in full 4 KiB blocks.
    pub fn full_frames(&self) -> u64 {
        self.pages.iter().filter(|p| kind(p.content.load(Ordering::Relaxed)) == KIND_FULL).count() as u64
    }

    /// Host bytes used for full frame storage.
    pub fn host_bytes(&self) -> u64 {
        self.chunks.iter().filter(|c| c.get().is_some()).count() as u64 * CHUNK_FRAMES * PAGE_SIZE
    }

    /// Word `idx` (taken modulo 512) of a frame whose content is full.
    #[inline(always)]
    fn word(&self, pfn: Pfn, idx: usize) -> &AtomicU64 {
        let chunk = match self.chunks[(pfn.0 / CHUNK_FRAMES) as usize].get() {
            Some(c) => c,
            None => self.chunk(pfn),
        };
        &chunk[(pfn.0 % CHUNK_FRAMES) as usize * WORDS_PER_PAGE + idx % WORDS_PER_PAGE]
    }

    #[cold]
    fn chunk(&self, pfn: Pfn) -> &[AtomicU64] {
        self.chunks[(pfn.0 / CHUNK_FRAMES) as usize]
            .get_or_init(|| zeroed_slice(CHUNK_FRAMES as usize * WORDS_PER_PAGE))
    }

    #[inline]
    fn words(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        let chunk = self.chunks[(pfn.0 / CHUNK_FRAMES) as usize]
            .get_or_init(|| zeroed_slice(CHUNK_FRAMES as usize * WORDS_PER_PAGE));
        let first = (pfn.0 % CHUNK_FRAMES) as usize * WORDS_PER_PAGE;
        chunk[first..first + WORDS_PER_PAGE].try_into().expect("a chunk holds whole frames")
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

    /// Makes the frame full and writable directly (no frame over it), and
    /// returns its words.
    fn materialize(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        let page = self.page(pfn);
        loop {
            let s = self.settled(page);
            if s == PLAIN_FULL {
                return self.words(pfn);
            }
            if kind(s) == KIND_FULL {
                self.detach_overlays(pfn);
                continue;
            }
            // A frame over a base changes only under the overlay lock.
            let over = page.base.load(Ordering::Acquire) != 0;
            let reg = over.then(|| self.overlays.lock());
            if (page.base.load(Ordering::Acquire) != 0) != over {
                continue;
            }
            let busy = KIND_BUSY << KIND_SHIFT;
            if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            let words = self.words(pfn);
            match reg {
                Some(mut reg) => {
                    let base = Pfn(page.base.load(Ordering::Acquire) - 1);
                    for (t, f) in words.iter().zip(self.words(base)) {
                        t.store(f.load(Ordering::Relaxed), Ordering::Relaxed);
                    }
                    self.unlink_overlay(&mut reg, pfn);
                }
                None => {
                    for w in words {
                        w.store(0, Ordering::Relaxed);
                    }
                }
            }
            if kind(s) == KIND_SPARSE {
                apply_sparse(words, s);
            }
            page.content.store(PLAIN_FULL, Ordering::Release);
            return words;
        }
    }

    /// The base a frame is over, if it is over one.
    #[inline]
    fn base_of(&self, page: &Page) -> Option<Pfn> {
        match page.base.load(Ordering::Acquire) {
            0 => None,
            b => Some(Pfn(b - 1)),
        }
    }

    /// Removes frame `o` from its base's list (the overlay lock held) and
    /// clears its link; the base loses its mark with its last overlay.
    fn unlink_overlay(&self, _reg: &mut Overlays<'_>, o: Pfn) {
        let Some(base) = self.base_of(self.page(o)) else {
            return;
        };
        let op = self.page(o);
        let bp = self.page(base);
        let next = op.overlay_link.load(Ordering::Relaxed);
        let mut cur = bp.overlay_link.load(Ordering::Relaxed);
        if cur == o.0 + 1 {
            bp.overlay_link.store(next, Ordering::Relaxed);
        } else {
            while cur != 0 {
                let cp = self.page(Pfn(cur - 1));
                let after = cp.overlay_link.load(Ordering::Relaxed);
                if after == o.0 + 1 {
                    cp.overlay_link.store(next, Ordering::Relaxed);
                    break;
                }
                cur = after;
            }
        }
        op.overlay_link.store(0, Ordering::Relaxed);
        op.base.store(0, Ordering::Release);
        if bp.overlay_link.load(Ordering::Relaxed) == 0 {
            let _ = bp.content.fetch_and(!HAS_OVERLAYS, Ordering::AcqRel);
        }
    }

    /// Before frame `base` changes: every frame over it gets its own copy
    /// of the bytes it reads from it.
    fn detach_overlays(&self, base: Pfn) {
        let _reg = self.overlays.lock();
        let bp = self.page(base);
        let from = self.words(base);
        let mut next = bp.overlay_link.swap(0, Ordering::Relaxed);
        while next != 0 {
            let o = next - 1;
            let page = self.page(Pfn(o));
            next = page.overlay_link.swap(0, Ordering::Relaxed);
            loop {
                let s = self.settled(page);
                if page.base.load(Ordering::Acquire) != base.0 + 1 || kind(s) != KIND_SPARSE {
                    break;
                }
                let busy = KIND_BUSY << KIND_SHIFT;
                if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_err() {
                    continue;
                }
                let words = self.words(Pfn(o));
                for (t, f) in words.iter().zip(from) {
                    t.store(f.load(Ordering::Relaxed), Ordering::Relaxed);
                }
                apply_sparse(words, s);
                page.base.store(0, Ordering::Release);
                page.content.store(PLAIN_FULL, Ordering::Release);
                break;
            }
        }
        let _ = self.page(base).content.fetch_and(!HAS_OVERLAYS, Ordering::AcqRel);
        // Readers of the detached frames validate against this (a
        // sequence lock: see `read_bytes`).
        fence(Ordering::SeqCst);
    }

    /// Takes frame `pfn` out of any overlay relation and makes it busy, to
    /// be overwritten whole; returns the state it had.
    fn begin_overwrite(&self, pfn: Pfn) -> u64 {
        let page = self.page(pfn);
        let busy = KIND_BUSY << KIND_SHIFT;
        loop {
            let s = self.settled(page);
            if kind(s) == KIND_FULL && s != PLAIN_FULL {
                self.detach_overlays(pfn);
                continue;
            }
            if page.base.load(Ordering::Acquire) != 0 {
                let mut reg = self.overlays.lock();
                if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_err() {
                    continue;
                }
                self.unlink_overlay(&mut reg, pfn);
                return s;
            }
            if page.content.compare_exchange(s, busy, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return s;
            }
        }
    }

    /// Reads the byte at `off` in the frame.
    #[inline]
    pub fn read_u8(&self, pfn: Pfn, off: u64) -> u8 {
        debug_assert!(off < PAGE_SIZE);
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_ZERO => 0,
            KIND_SPARSE if self.page(pfn).base.load(Ordering::Acquire) != 0 => {
                let mut b = [0u8];
                self.read_bytes(pfn, off, &mut b);
                b[0]
            }
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
                _ if s != PLAIN_FULL => {
                    self.detach_overlays(pfn);
                    continue;
                }
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

    #[inline(never)]
    fn read_u64_slow(&self, pfn: Pfn, idx: usize) -> u64 {
        let s = self.settled(self.page(pfn));
        if kind(s) == KIND_SPARSE && self.page(pfn).base.load(Ordering::Acquire) != 0 {
            let mut b = [0u8; 8];
            self.read_bytes(pfn, (idx % WORDS_PER_PAGE) as u64 * 8, &mut b);
            return u64::from_le_bytes(b);
        }
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

    /// Atomically replaces a word if it still holds `old`.
    #[inline]
    pub fn cmpxchg_u64(&self, pfn: Pfn, idx: usize, old: u64, new: u64) -> Result<u64, u64> {
        self.full_word(pfn, idx).compare_exchange(old, new, Ordering::AcqRel, Ordering::Acquire)
    }

    /// Word `idx` of the frame, making the frame full first if it is not.
    #[inline(always)]
    fn full_word(&self, pfn: Pfn, idx: usize) -> &AtomicU64 {
        if self.page(pfn).content.load(Ordering::Acquire) != PLAIN_FULL {
            self.materialize(pfn);
        }
        self.word(pfn, idx)
    }

    #[inline]
    fn full_words(&self, pfn: Pfn) -> &[AtomicU64; WORDS_PER_PAGE] {
        if self.page(pfn).content.load(Ordering::Acquire) == PLAIN_FULL {
            self.words(pfn)
        } else {
            self.materialize(pfn)
        }
    }

    /// Copies bytes out of the frame starting at `off`.
    pub fn read_bytes(&self, pfn: Pfn, off: u64, buf: &mut [u8]) {
        assert!(off + buf.len() as u64 <= PAGE_SIZE, "read past the end of a frame");
        let page = self.page(pfn);
        let s = self.settled(page);
        match kind(s) {
            KIND_ZERO => buf.fill(0),
            KIND_SPARSE if page.base.load(Ordering::Acquire) != 0 => {
                // Over a base: its bytes, then the written ones.  A sequence
                // lock: if the frame was detached meanwhile (and the base
                // perhaps written), read again.
                let b = page.base.load(Ordering::Acquire);
                if b == 0 {
                    return self.read_bytes(pfn, off, buf);
                }
                let words = self.words(Pfn(b - 1));
                for (i, x) in buf.iter_mut().enumerate() {
                    let o = off as usize + i;
                    *x = (words[o / 8].load(Ordering::Relaxed) >> ((o % 8) * 8)) as u8;
                }
                for (o, v) in sparse_entries(s) {
                    if o >= off && o < off + buf.len() as u64 {
                        buf[(o - off) as usize] = v;
                    }
                }
                fence(Ordering::SeqCst);
                if page.content.load(Ordering::Acquire) != s || page.base.load(Ordering::Acquire) != b {
                    self.read_bytes(pfn, off, buf);
                }
            }
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

    /// Copies bytes into the frame starting at `off`.
    pub fn write_bytes(&self, pfn: Pfn, off: u64, data: &[u8]) {
        assert!(off + data.len() as u64 <= PAGE_SIZE, "write past the end of a frame");
        if data.len() <= SPARSE_SLOTS as usize {
            for (i, &b) in data.iter().enumerate() {
                self.write_u8(pfn, off + i as u64, b);
            }
            return;
        }
        if off == 0 && data.len() == PAGE_SIZE as usize {
            self.overwrite(pfn, |words| {
                for (w, b) in words.iter().zip(data.chunks_exact(8)) {
                    w.store(u64::from_le_bytes(b.try_into().expect("eight bytes")), Ordering::Relaxed);
                }
            });
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
        let s = self.settled(page);
        if s == PLAIN_FULL || (kind(s) != KIND_FULL && page.base.load(Ordering::Acquire) == 0) {
            page.content.store(KIND_ZERO << KIND_SHIFT, Ordering::Release);
            return;
        }
        self.begin_overwrite(pfn);
        page.content.store(KIND_ZERO << KIND_SHIFT, Ordering::Release);
    }

    /// Copies the whole frame `src` to `dst` (`copy_page`).  A zero or sparse
    /// source is copied by copying its state word; a full one, or one over
    /// a base, by making `dst` a frame over that base.
    pub fn copy_frame(&self, dst: Pfn, src: Pfn) {
        if dst == src {
            return;
        }
        self.begin_overwrite(dst);
        let d = self.page(dst);
        let sp = self.page(src);
        let reg = self.overlays.lock();
        loop {
            let s = self.settled(sp);
            let (base, state) = match kind(s) {
                KIND_FULL => (src, EMPTY_SPARSE),
                KIND_SPARSE if sp.base.load(Ordering::Acquire) != 0 => (Pfn(sp.base.load(Ordering::Acquire) - 1), s),
                _ => {
                    // Zero or sparse on its own: the state word is the copy.
                    d.content.store(s, Ordering::Release);
                    return;
                }
            };
            // Mark the base; it must still be full.
            let bp = self.page(base);
            let bs = self.settled(bp);
            if kind(bs) != KIND_FULL
                || bp.content.compare_exchange(bs, bs | HAS_OVERLAYS, Ordering::AcqRel, Ordering::Acquire).is_err()
            {
                continue;
            }
            // The source may have been detached meanwhile: check it again.
            if base != src && (sp.content.load(Ordering::Acquire) != s || self.base_of(sp) != Some(base)) {
                if bp.overlay_link.load(Ordering::Relaxed) == 0 {
                    let _ = bp.content.fetch_and(!HAS_OVERLAYS, Ordering::AcqRel);
                }
                continue;
            }
            d.overlay_link.store(bp.overlay_link.load(Ordering::Relaxed), Ordering::Relaxed);
            bp.overlay_link.store(dst.0 + 1, Ordering::Relaxed);
            d.base.store(base.0 + 1, Ordering::Release);
            d.content.store(state, Ordering::Release);
            drop(reg);
            return;
        }
    }

    /// Makes the frame full with every word written by `fill`, without
    /// zeroing it first (the frame is busy meanwhile: other accessors wait).
    fn overwrite(&self, pfn: Pfn, fill: impl FnOnce(&[AtomicU64; WORDS_PER_PAGE])) {
        self.begin_overwrite(pfn);
        fill(self.words(pfn));
        self.page(pfn).content.store(PLAIN_FULL, Ordering::Release);
    }

    /// True if every byte of the frame is zero.
    pub fn frame_is_zero(&self, pfn: Pfn) -> bool {
        let s = self.settled(self.page(pfn));
        match kind(s) {
            KIND_ZERO => true,
            KIND_SPARSE if self.page(pfn).base.load(Ordering::Acquire) != 0 => {
                self.frame_bytes(pfn).iter().all(|&b| b == 0)
            }
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

/// Writes the bytes of a sparse state word into full words.
fn apply_sparse(words: &[AtomicU64; WORDS_PER_PAGE], s: u64) {
    for (off, val) in sparse_entries(s) {
        let w = &words[off as usize / 8];
        let shift = (off % 8) * 8;
        let old = w.load(Ordering::Relaxed);
        w.store((old & !(0xff << shift)) | (u64::from(val) << shift), Ordering::Relaxed);
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

    /// A full frame of distinct bytes.
    fn full(m: &PhysMem, p: Pfn, seed: u8) -> Vec<u8> {
        let data: Vec<u8> = (0..PAGE_SIZE as usize).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect();
        m.write_bytes(p, 0, &data);
        data
    }

    #[test]
    fn a_copy_reads_its_source_until_either_is_written() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        let (a, b, c) = (Pfn(1), Pfn(2), Pfn(3));
        let da = full(&m, a, 1);
        m.copy_frame(b, a);
        m.copy_frame(c, b);
        assert_eq!(m.frame_bytes(b), da);
        assert_eq!(m.frame_bytes(c), da);
        // A few stores to a copy stay in it.
        m.write_u8(b, 5, 0xee);
        assert_eq!(m.read_u8(b, 5), 0xee);
        assert_eq!(m.read_u8(a, 5), da[5]);
        assert_eq!(m.read_u8(c, 5), da[5]);
        assert_eq!(m.read_u64(b, 0).to_le_bytes()[5], 0xee);
        // Writing the source first gives every copy its own bytes.
        m.write_u8(a, 9, 0x11);
        m.write_u64(a, 100, 0x1234);
        assert_eq!(m.read_u8(a, 9), 0x11);
        assert_eq!(m.read_u8(b, 9), da[9]);
        assert_eq!(m.read_u8(c, 9), da[9]);
        assert_eq!(m.read_u8(b, 5), 0xee);
        let mut want = da.clone();
        want[5] = 0xee;
        assert_eq!(m.frame_bytes(b), want);
        assert_eq!(m.frame_bytes(c), da);
        assert!((0..16).all(|p| m.page(Pfn(p)).overlay_link.load(Ordering::Relaxed) == 0));
    }

    #[test]
    fn copies_survive_clearing_overwriting_and_many_stores() {
        let m = PhysMem::new(16 * PAGE_SIZE);
        let (a, b, c, d) = (Pfn(1), Pfn(2), Pfn(3), Pfn(4));
        let da = full(&m, a, 3);
        m.copy_frame(b, a);
        m.copy_frame(c, a);
        // More stores than a sparse frame holds: the copy becomes full.
        for off in [1u64, 2, 3, 4, 4000] {
            m.write_u8(c, off, 0x55);
        }
        let mut want = da.clone();
        for off in [1usize, 2, 3, 4, 4000] {
            want[off] = 0x55;
        }
        assert_eq!(m.frame_bytes(c), want);
        // Clearing the source detaches the other copy first.
        m.clear_frame(a);
        assert!(m.frame_is_zero(a));
        assert_eq!(m.frame_bytes(b), da);
        // A copy cleared or overwritten leaves its source's list.
        m.copy_frame(d, b);
        m.clear_frame(d);
        assert!(m.frame_is_zero(d));
        let db = full(&m, d, 9);
        m.copy_frame(a, d);
        let dd = full(&m, d, 10);
        assert_eq!(m.frame_bytes(a), db);
        assert_eq!(m.frame_bytes(d), dd);
        // Copying a frame onto one it was copied from.
        m.copy_frame(c, b);
        m.copy_frame(b, c);
        assert_eq!(m.frame_bytes(b), da);
        m.write_bytes(b, 8, &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(m.frame_bytes(c), da);
        assert!(!m.frame_is_zero(c));
    }
}
