//! A bitmap page allocator: one bit per frame and a next-fit search.
//!
//! Where the buddy allocator keeps lists of free blocks, this one keeps only
//! the state of every frame, a bit in `u64` words, and finds a block by
//! searching them.  Two summaries, a bit per word each, let the search skip
//! what cannot fit: `full` marks words with no free frame (skipped by every
//! search), `partial` marks words that are not entirely free (skipped when
//! a block needs whole words).  A block of order `n` is a run of `2^n` free
//! bits at a multiple of `2^n`: within one word for `n <= 6`, found with a
//! few shifts and ands; a run of `2^(n-6)` aligned, entirely free words
//! beyond that, found the same way in the `partial` summary.  The bitmap
//! starts at a `MAX_PAGE_ORDER`-aligned pfn, so bit alignment is pfn
//! alignment; the bits outside `[base, base + nr_pages)` are set for good.
//!
//! The search is next-fit: it starts at the word of the last allocation and
//! wraps around, so consecutive allocations fill memory in address order
//! instead of rescanning the low words that are already full.  A set bit
//! means "in use", so the bitmaps start zeroed (anonymous mappings the host
//! backs lazily)
//! and creating the allocator writes only the edge words.
//!
//! The bitmap records no orders.  `free_areas` reports the maximal aligned
//! blocks of the free runs, the blocks the search could hand out.  A free
//! panics when a frame of the block is already free (a double free, or a
//! larger order than was allocated) or when the block is outside the range;
//! a free with a smaller order than was allocated cannot be told apart from
//! a legal one and frees part of the block.  All of it is under one lock.
//!
//! Compaction sees the same blocks: `free_block_order` is the largest
//! aligned free run starting at a frame, which `isolate_free_page` marks
//! used.  Without migrate types, every pageblock is a source and a target.

use linkme::distributed_slice;
use mm_api::alloc::{
    AllocatorConfig, FreeAreas, Gfp, MM_PAGE_ALLOCATORS, PageAllocator, PageAllocatorDesc, aligned_blocks,
};
use mm_api::phys::AnonMap;
use mm_api::types::{MAX_PAGE_ORDER, Pfn};
use parking_lot::Mutex;

/// The allocator's registration (`--allocator bitmap`).
#[distributed_slice(MM_PAGE_ALLOCATORS)]
pub static BITMAP_ALLOCATOR: PageAllocatorDesc = PageAllocatorDesc {
    name: "bitmap",
    description: "one bit per frame with a two-level summary and a next-fit search",
    new: |cfg| Box::new(BitmapAllocator::new(cfg)),
};

/// log2 of the bits in a word.
const WORD_SHIFT: u32 = 6;
const WORD_BITS: u64 = 1 << WORD_SHIFT;
/// Frames one summary word covers: whole `MAX_PAGE_ORDER` blocks fit.
const SUMMARY_SPAN: u64 = WORD_BITS * WORD_BITS;
const _: () = assert!(SUMMARY_SPAN >= 1 << MAX_PAGE_ORDER);

/// Bits at the multiples of `2^order` (`order <= 6`).
const ALIGNED: [u64; 7] = [
    !0,
    0x5555_5555_5555_5555,
    0x1111_1111_1111_1111,
    0x0101_0101_0101_0101,
    0x0001_0001_0001_0001,
    0x0000_0001_0000_0001,
    0x0000_0000_0000_0001,
];

/// The positions `i`, multiples of `2^order`, where bits `i..i + 2^order`
/// of `free` are all set (`order <= 6`).
#[inline]
fn aligned_runs(free: u64, order: u32) -> u64 {
    let mut m = free;
    // After step k, bit i is set iff bits i..i + 2^(k+1) are.
    for k in 0..order {
        m &= m >> (1 << k);
    }
    m & ALIGNED[order as usize]
}

/// `count` bits from `shift` (`count <= 64`).
#[inline]
fn bit_mask(shift: u64, count: u64) -> u64 {
    (if count == WORD_BITS { !0 } else { (1u64 << count) - 1 }) << shift
}

/// The words that bits `[from, to)` fall in, each with the mask of those
/// bits.
#[inline]
fn word_masks(from: u64, to: u64) -> impl Iterator<Item = (usize, u64)> {
    let mut bit = from;
    std::iter::from_fn(move || {
        (bit < to).then(|| {
            let shift = bit % WORD_BITS;
            let count = (WORD_BITS - shift).min(to - bit);
            let w = (bit / WORD_BITS) as usize;
            bit += count;
            (w, bit_mask(shift, count))
        })
    })
}

/// Panics for a free that does not match an allocation: a bug in the
/// simulator, which would otherwise hand the frames out twice.
#[cold]
#[inline(never)]
fn bad_free(pfn: Pfn, order: u32, what: String) -> ! {
    panic!("bitmap: free_pages({pfn:?}, order {order}): {what}");
}

/// The bitmap allocator.  See the module documentation.
#[derive(Debug)]
pub struct BitmapAllocator {
    inner: Mutex<Bitmap>,
}

#[derive(Debug)]
struct Bitmap {
    /// Pfn of bit 0: `base` rounded down to a `MAX_PAGE_ORDER` block.
    start: u64,
    base: u64,
    end: u64,
    /// Bit set: frame in use or outside the range.
    used: AnonMap<u64>,
    /// Bit per `used` word, set when the word has no free frame.
    full: AnonMap<u64>,
    /// Bit per `used` word, set when the word is not entirely free.
    partial: AnonMap<u64>,
    /// The `used` word where the next search starts.
    hint: usize,
    nr_free: u64,
}

impl BitmapAllocator {
    /// An allocator owning every frame of `cfg`, all free.
    ///
    /// # Panics
    /// If the range runs past the largest pfn.
    pub fn new(cfg: &AllocatorConfig) -> BitmapAllocator {
        let base = cfg.base.0;
        let end = base.checked_add(cfg.nr_pages).expect("bitmap range runs past the largest pfn");
        let start = base & !((1 << MAX_PAGE_ORDER) - 1);
        // Whole summary words, so every search sees whole blocks.
        let nbits = (end - start).next_multiple_of(SUMMARY_SPAN);
        let nwords = (nbits / WORD_BITS) as usize;
        let mut map = Bitmap {
            start,
            base,
            end,
            used: AnonMap::new(nwords),
            full: AnonMap::new(nwords / WORD_BITS as usize),
            partial: AnonMap::new(nwords / WORD_BITS as usize),
            hint: 0,
            nr_free: cfg.nr_pages,
        };
        // The frames outside the range are in use for good.
        map.set_range(0, base - start, true);
        map.set_range(end - start, nbits, true);
        map.hint = ((base - start) / WORD_BITS) as usize;
        BitmapAllocator { inner: Mutex::new(map) }
    }
}

impl Bitmap {
    /// Brings the summaries of word `w` up to date.
    #[inline]
    fn update_summary(&mut self, w: usize) {
        let (s, bit) = (w / WORD_BITS as usize, 1u64 << (w % WORD_BITS as usize));
        let word = self.used[w];
        if word == !0 {
            self.full[s] |= bit;
        } else {
            self.full[s] &= !bit;
        }
        if word != 0 {
            self.partial[s] |= bit;
        } else {
            self.partial[s] &= !bit;
        }
    }

    /// Whether every bit of `[from, to)` is clear.
    fn range_is_free(&self, from: u64, to: u64) -> bool {
        word_masks(from, to).all(|(w, mask)| self.used[w] & mask == 0)
    }

    /// The order of the largest naturally aligned free block starting at
    /// frame `pfn`, at most `MAX_PAGE_ORDER`; `None` if `pfn` is outside
    /// the range or in use.
    fn free_block_order(&self, pfn: u64) -> Option<u32> {
        if pfn < self.base || pfn >= self.end {
            return None;
        }
        let bit = pfn - self.start;
        if !self.range_is_free(bit, bit + 1) {
            return None;
        }
        let mut order = 0;
        while order < MAX_PAGE_ORDER.min(pfn.trailing_zeros()) {
            let size = 2u64 << order;
            if pfn + size > self.end || !self.range_is_free(bit + (size >> 1), bit + size) {
                break;
            }
            order += 1;
        }
        Some(order)
    }

    /// Sets (`used`) or clears bits `[from, to)`.
    fn set_range(&mut self, from: u64, to: u64, used: bool) {
        for (w, mask) in word_masks(from, to) {
            if used {
                self.used[w] |= mask;
            } else {
                self.used[w] &= !mask;
            }
            self.update_summary(w);
        }
    }

    /// Finds a free aligned block of `order`, next-fit from `hint`, and
    /// returns its first bit.
    fn find(&self, order: u32) -> Option<u64> {
        let nsum = self.full.len();
        if nsum == 0 {
            return None;
        }
        let (first, from) = (self.hint / WORD_BITS as usize, self.hint % WORD_BITS as usize);
        // The summary word holding the hint twice: from the hint on first,
        // below it last, after wrapping around.
        for step in 0..=nsum {
            let s = (first + step) % nsum;
            let window = match step {
                0 => !0 << from,
                _ if step == nsum => !(!0 << from),
                _ => !0,
            };
            if order < WORD_SHIFT {
                let mut words = !self.full[s] & window;
                while words != 0 {
                    let w = s * WORD_BITS as usize + words.trailing_zeros() as usize;
                    words &= words - 1;
                    let runs = aligned_runs(!self.used[w], order);
                    if runs != 0 {
                        return Some(w as u64 * WORD_BITS + u64::from(runs.trailing_zeros()));
                    }
                }
            } else {
                let runs = aligned_runs(!self.partial[s], order - WORD_SHIFT) & window;
                if runs != 0 {
                    return Some((s as u64 * WORD_BITS + u64::from(runs.trailing_zeros())) * WORD_BITS);
                }
            }
        }
        None
    }

    /// The first bit at or after `from` that is free (`free`) or in use;
    /// the number of bits if there is none.
    fn next_bit(&self, from: u64, free: bool) -> u64 {
        let flip = if free { !0 } else { 0 };
        let mut w = (from / WORD_BITS) as usize;
        let mut word = (self.used[w] ^ flip) & (!0 << (from % WORD_BITS));
        while word == 0 {
            w += 1;
            if w == self.used.len() {
                return w as u64 * WORD_BITS;
            }
            word = self.used[w] ^ flip;
        }
        w as u64 * WORD_BITS + u64::from(word.trailing_zeros())
    }

    /// The maximal aligned blocks of the free runs, per order.
    fn free_areas(&self) -> FreeAreas {
        let mut areas = [0; MAX_PAGE_ORDER as usize + 1];
        let nbits = self.used.len() as u64 * WORD_BITS;
        let mut bit = 0;
        while bit < nbits {
            let run = self.next_bit(bit, true);
            if run == nbits {
                break;
            }
            // The bits past the range are set, so every run ends inside.
            bit = self.next_bit(run, false);
            add_blocks(&mut areas, self.start + run, self.start + bit);
        }
        areas
    }
}

/// Counts `[from, to)` as its maximal aligned blocks.
fn add_blocks(areas: &mut FreeAreas, from: u64, to: u64) {
    for (_, order) in aligned_blocks(from, to) {
        areas[order as usize] += 1;
    }
}

impl PageAllocator for BitmapAllocator {
    fn alloc_pages(&self, _gfp: Gfp, order: u32) -> Option<Pfn> {
        if order > MAX_PAGE_ORDER {
            return None;
        }
        let mut map = self.inner.lock();
        let bit = map.find(order)?;
        map.set_range(bit, bit + (1 << order), true);
        map.hint = (bit / WORD_BITS) as usize;
        map.nr_free -= 1 << order;
        Some(Pfn(map.start + bit))
    }

    /// A block is its frames' bits: each frees on its own already.
    fn split_page(&self, _pfn: Pfn, _order: u32) -> bool {
        true
    }

    fn can_split_page(&self) -> bool {
        true
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        let mut map = self.inner.lock();
        let size = 1u64 << order.min(63);
        let inside =
            order <= MAX_PAGE_ORDER && pfn.0 >= map.base && pfn.0.checked_add(size).is_some_and(|end| end <= map.end);
        if !inside {
            let range = format!("[{:#x}, {:#x})", map.base, map.end);
            bad_free(pfn, order, format!("block outside the managed range {range}"));
        }
        if !pfn.0.is_multiple_of(size) {
            bad_free(pfn, order, "block not aligned to its order".to_string());
        }
        let bit = pfn.0 - map.start;
        for (w, mask) in word_masks(bit, bit + size) {
            let already_free = !map.used[w] & mask;
            if already_free != 0 {
                let frame = map.start + w as u64 * WORD_BITS + u64::from(already_free.trailing_zeros());
                bad_free(pfn, order, format!("double free: frame {frame:#x} is already free"));
            }
        }
        map.set_range(bit, bit + size, false);
        map.nr_free += size;
    }

    fn nr_free_pages(&self) -> u64 {
        self.inner.lock().nr_free
    }

    fn free_areas(&self) -> FreeAreas {
        self.inner.lock().free_areas()
    }

    /// The largest naturally aligned run of free frames starting at
    /// `pfn`, as `free_areas` counts blocks.
    fn free_block_order(&self, pfn: Pfn) -> Option<u32> {
        self.inner.lock().free_block_order(pfn.0)
    }

    /// Marks the block [`free_block_order`](Self::free_block_order) finds
    /// used.
    fn isolate_free_page(&self, pfn: Pfn) -> Option<u32> {
        let mut map = self.inner.lock();
        let order = map.free_block_order(pfn.0)?;
        let bit = pfn.0 - map.start;
        map.set_range(bit, bit + (1 << order), true);
        map.nr_free -= 1 << order;
        Some(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(base: u64, nr_pages: u64) -> BitmapAllocator {
        BitmapAllocator::new(&AllocatorConfig { base: Pfn(base), nr_pages, nr_cpus: 1 })
    }

    /// Checks both summaries against the words.
    fn check_summaries(a: &BitmapAllocator) {
        let map = a.inner.lock();
        for (w, &word) in map.used.iter().enumerate() {
            let (s, bit) = (w / 64, 1u64 << (w % 64));
            assert_eq!(map.full[s] & bit != 0, word == !0, "full bit of word {w}");
            assert_eq!(map.partial[s] & bit != 0, word != 0, "partial bit of word {w}");
        }
        let free: u64 = map.used.iter().map(|w| u64::from(w.count_zeros())).sum();
        assert_eq!(free, map.nr_free);
    }

    #[test]
    fn aligned_runs_match_a_naive_scan() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            // xorshift, and sparser or denser words by and/or of two draws.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let y = x.rotate_left(23);
            for word in [x, x | y, x & y, !0, 0] {
                for order in 0..=6 {
                    let n = 1u64 << order;
                    let mut naive = 0;
                    for i in (0..64).step_by(n as usize) {
                        if (word >> i) & bit_mask(0, n) == bit_mask(0, n) {
                            naive |= 1 << i;
                        }
                    }
                    assert_eq!(aligned_runs(word, order), naive, "{word:#x} order {order}");
                }
            }
        }
    }

    #[test]
    fn bits_outside_the_range_are_used() {
        let a = bitmap(1000, 100);
        let map = a.inner.lock();
        assert_eq!(map.start, 0);
        assert_eq!(map.used.len(), 64, "one summary word: 4096 frames");
        // Frames 1000..1100 are free: bits 1000..1100.
        assert_eq!(map.used[15], bit_mask(0, 40), "pfns 960..1000 outside");
        assert_eq!(map.used[16], 0);
        assert_eq!(map.used[17], !bit_mask(0, 12), "pfns 1100..1152 outside");
        assert_eq!(map.used[18], !0);
        drop(map);
        check_summaries(&a);
        assert_eq!(a.nr_free_pages(), 100);
    }

    #[test]
    fn next_fit_moves_on_from_the_last_allocation() {
        let a = bitmap(0, 4096);
        let p: Vec<Pfn> = (0..3).map(|_| a.alloc_pages(Gfp::KERNEL, 0).unwrap()).collect();
        assert_eq!(p, [Pfn(0), Pfn(1), Pfn(2)]);
        // A block of 64 frames needs a whole free word: the next one.
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 6), Some(Pfn(64)));
        // The hint is now word 1: frame 0, freed, waits for the wrap-around.
        a.free_pages(Pfn(0), 0);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 0), Some(Pfn(128)));
        check_summaries(&a);
    }

    #[test]
    fn the_search_wraps_around() {
        let a = bitmap(0, 4096);
        let blocks: Vec<Pfn> = (0..4).map(|_| a.alloc_pages(Gfp::KERNEL, 10).unwrap()).collect();
        assert_eq!(blocks, [Pfn(0), Pfn(1024), Pfn(2048), Pfn(3072)]);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 0), None);
        a.free_pages(Pfn(1024), 10);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 3), Some(Pfn(1024)), "found below the hint");
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 9), Some(Pfn(1536)));
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 9), None);
        check_summaries(&a);
    }

    #[test]
    fn large_orders_take_aligned_free_words() {
        let a = bitmap(0, 8192);
        // One used frame in word 0 keeps order 10 off the first block.
        a.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 10), Some(Pfn(1024)));
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 7), Some(Pfn(2048)));
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 8), Some(Pfn(2304)), "aligned to 256");
        check_summaries(&a);
    }

    #[test]
    fn free_areas_reports_maximal_aligned_blocks() {
        let a = bitmap(3, 2048);
        // [3, 2051): 3, 4..8, ..., 512..1024, 1024..2048, 2048..2050, 2050.
        assert_eq!(a.free_areas(), [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let p = a.alloc_pages(Gfp::KERNEL, 9).unwrap();
        assert_eq!(p, Pfn(512));
        assert_eq!(a.free_areas(), [2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]);
        a.free_pages(p, 9);
        assert_eq!(a.free_areas(), [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        // A free run across words: 60..132 of a full 4096.
        let b = bitmap(0, 4096);
        for _ in 0..4096 {
            b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        }
        assert_eq!(b.free_areas(), [0; 11]);
        for pfn in 60..132 {
            b.free_pages(Pfn(pfn), 0);
        }
        assert_eq!(b.free_areas(), [0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]);
        check_summaries(&b);
    }

    #[test]
    fn free_blocks_are_found_and_isolated_for_compaction() {
        let b = bitmap(0, 4096);
        for _ in 0..4096 {
            b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        }
        for pfn in 60..132 {
            b.free_pages(Pfn(pfn), 0);
        }
        // 60..64, 64..128 and 128..132, as free_areas counts them.
        assert_eq!(b.free_block_order(Pfn(60)), Some(2));
        assert_eq!(b.free_block_order(Pfn(64)), Some(6));
        assert_eq!(b.free_block_order(Pfn(128)), Some(2));
        assert_eq!(b.free_block_order(Pfn(132)), None);
        assert_eq!(b.isolate_free_page(Pfn(64)), Some(6));
        assert_eq!(b.free_areas(), [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(b.nr_free_pages(), 8);
        check_summaries(&b);
        for pfn in 64..128 {
            b.free_pages(Pfn(pfn), 0);
        }
        assert_eq!(b.free_areas(), [0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    #[should_panic(expected = "double free: frame 0x45 is already free")]
    fn double_free_panics() {
        let a = bitmap(0, 1024);
        let p = a.alloc_pages(Gfp::KERNEL, 7).unwrap();
        a.free_pages(Pfn(0x45), 0);
        a.free_pages(p, 7);
    }

    #[test]
    #[should_panic(expected = "outside the managed range [0x10, 0x20)")]
    fn free_outside_the_range_panics() {
        let a = bitmap(16, 16);
        a.free_pages(Pfn(32), 0);
    }

    #[test]
    #[should_panic(expected = "not aligned")]
    fn misaligned_free_panics() {
        let a = bitmap(0, 16);
        a.alloc_pages(Gfp::KERNEL, 3).unwrap();
        a.free_pages(Pfn(2), 2);
    }

    #[test]
    fn an_empty_range_has_nothing() {
        let a = bitmap(5, 0);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 0), None);
        assert_eq!(a.free_areas(), [0; 11]);
    }
}
