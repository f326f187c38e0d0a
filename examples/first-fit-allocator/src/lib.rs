//! A page allocator written outside mmsim's crates: first fit over a sorted
//! map of free extents.
//!
//! This is how a backend plugs into mmsim.  Depend on `mm-api` (not on the
//! core), implement [`PageAllocator`] and add one [`PageAllocatorDesc`] to
//! the [`MM_PAGE_ALLOCATORS`] slice with `#[distributed_slice]`; any binary
//! that links this crate (a `use first_fit_allocator as _;` is enough) can
//! then select it by name, `--allocator first-fit`.  The crate's own tests
//! run the shared allocator test suite on it (`mm_alloc::testsuite`, see
//! `tests/suite.rs`), and `mm-tests` runs the suite and the benchmarks on
//! every registered allocator, this one included.
//!
//! The allocator keeps the free frames as extents `start -> end`, sorted by
//! start and never touching each other.  An allocation walks them in order
//! and cuts the first naturally aligned block that fits out of the first
//! extent that has one; a free puts the block back and joins it with the
//! extents just before and after.  Simple, and slow once memory is
//! fragmented, which is what the benchmarks show.
//!
//! Extents have no migrate types, so compaction takes free pages and pages
//! to migrate from any pageblock; it finds free blocks through
//! `free_block_order` and takes them with `isolate_free_page`.

#![forbid(unsafe_code)]

use linkme::distributed_slice;
use mm_api::Pfn;
use mm_api::alloc::{AllocatorConfig, FreeAreas, Gfp, MM_PAGE_ALLOCATORS, PageAllocator, PageAllocatorDesc};
use mm_api::types::MAX_PAGE_ORDER;
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// The allocator's registration (`--allocator first-fit`).
#[distributed_slice(MM_PAGE_ALLOCATORS)]
pub static FIRST_FIT: PageAllocatorDesc = PageAllocatorDesc {
    name: "first-fit",
    description: "first fit over a sorted map of free extents (example backend)",
    new: |cfg| Box::new(FirstFit::new(cfg)),
};

/// The first-fit allocator.
#[derive(Debug)]
pub struct FirstFit {
    /// The managed range, `[base, end)`.
    base: u64,
    end: u64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Free extents, `start -> end` (exclusive).
    free: BTreeMap<u64, u64>,
    nr_free: u64,
}

impl FirstFit {
    /// An allocator owning every frame of `cfg`, all free.
    pub fn new(cfg: &AllocatorConfig) -> FirstFit {
        let (base, end) = (cfg.base.0, cfg.base.0 + cfg.nr_pages);
        let mut free = BTreeMap::new();
        if cfg.nr_pages > 0 {
            free.insert(base, end);
        }
        FirstFit { base, end, state: Mutex::new(State { free, nr_free: cfg.nr_pages }) }
    }
}

impl PageAllocator for FirstFit {
    fn alloc_pages(&self, _gfp: Gfp, order: u32) -> Option<Pfn> {
        if order > MAX_PAGE_ORDER {
            return None;
        }
        let size = 1u64 << order;
        let mut state = self.state.lock();
        // The first extent with room for an aligned block, and that block.
        let (start, end, block) = state.free.iter().find_map(|(&start, &end)| {
            let block = start.next_multiple_of(size);
            (block + size <= end).then_some((start, end, block))
        })?;
        // Cut the block out; what is left on either side stays free.
        state.free.remove(&start);
        if start < block {
            state.free.insert(start, block);
        }
        if block + size < end {
            state.free.insert(block + size, end);
        }
        state.nr_free -= size;
        Some(Pfn(block))
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        assert!(
            order <= MAX_PAGE_ORDER && self.base <= pfn.0 && pfn.0 + (1 << order) <= self.end,
            "first-fit: free_pages({pfn:?}, order {order}) outside the managed range"
        );
        let (mut start, mut end) = (pfn.0, pfn.0 + (1 << order));
        let mut state = self.state.lock();
        // The last extent starting before our end is the only one that could
        // overlap the block, and the only one that could end where it starts.
        if let Some((&prev_start, &prev_end)) = state.free.range(..end).next_back() {
            assert!(prev_end <= start, "first-fit: double free of {pfn:?}, order {order}");
            if prev_end == start {
                state.free.remove(&prev_start);
                start = prev_start;
            }
        }
        // An extent starting where the block ends joins it too.
        if let Some(next_end) = state.free.remove(&end) {
            end = next_end;
        }
        state.free.insert(start, end);
        state.nr_free += 1 << order;
    }

    /// `split_page`: the extents keep no record of how a block was handed
    /// out, so its frames can be freed one by one as they are.
    fn split_page(&self, _pfn: Pfn, _order: u32) -> bool {
        true
    }

    fn can_split_page(&self) -> bool {
        true
    }

    fn nr_free_pages(&self) -> u64 {
        self.state.lock().nr_free
    }

    /// The largest naturally aligned block of the free extent holding
    /// `pfn` that starts there: what compaction's scanners step over.
    fn free_block_order(&self, pfn: Pfn) -> Option<u32> {
        let state = self.state.lock();
        let (_, &end) = state.free.range(..=pfn.0).next_back().filter(|&(_, &end)| end > pfn.0)?;
        Some(pfn.0.trailing_zeros().min((end - pfn.0).ilog2()).min(MAX_PAGE_ORDER))
    }

    /// Cuts that block out of its extent, for compaction to migrate into.
    fn isolate_free_page(&self, pfn: Pfn) -> Option<u32> {
        let mut state = self.state.lock();
        let (&start, &end) = state.free.range(..=pfn.0).next_back().filter(|&(_, &end)| end > pfn.0)?;
        let order = pfn.0.trailing_zeros().min((end - pfn.0).ilog2()).min(MAX_PAGE_ORDER);
        let block_end = pfn.0 + (1 << order);
        state.free.remove(&start);
        if start < pfn.0 {
            state.free.insert(start, pfn.0);
        }
        if block_end < end {
            state.free.insert(block_end, end);
        }
        state.nr_free -= 1 << order;
        Some(order)
    }

    /// Every free frame as an order-0 block: extents have no orders.
    fn free_areas(&self) -> FreeAreas {
        let mut areas = FreeAreas::default();
        areas[0] = self.nr_free_pages();
        areas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_fit(base: u64, nr_pages: u64) -> FirstFit {
        FirstFit::new(&AllocatorConfig { base: Pfn(base), nr_pages, nr_cpus: 1 })
    }

    fn extents(a: &FirstFit) -> Vec<(u64, u64)> {
        a.state.lock().free.iter().map(|(&s, &e)| (s, e)).collect()
    }

    #[test]
    fn cuts_the_first_aligned_block_and_joins_on_free() {
        let a = first_fit(3, 61);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 0), Some(Pfn(3)));
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 3), Some(Pfn(8)));
        assert_eq!(extents(&a), [(4, 8), (16, 64)]);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 2), Some(Pfn(4)));
        assert_eq!(extents(&a), [(16, 64)]);
        a.free_pages(Pfn(8), 3);
        a.free_pages(Pfn(3), 0);
        assert_eq!(extents(&a), [(3, 4), (8, 64)]);
        a.free_pages(Pfn(4), 2);
        assert_eq!(extents(&a), [(3, 64)]);
        assert_eq!(a.nr_free_pages(), 61);
    }

    #[test]
    fn free_blocks_are_found_and_isolated_for_compaction() {
        let a = first_fit(3, 61);
        assert_eq!(a.alloc_pages(Gfp::KERNEL, 3), Some(Pfn(8)));
        assert_eq!(a.free_block_order(Pfn(3)), Some(0));
        assert_eq!(a.free_block_order(Pfn(4)), Some(2));
        assert_eq!(a.free_block_order(Pfn(8)), None);
        assert_eq!(a.free_block_order(Pfn(32)), Some(5));
        assert_eq!(a.free_block_order(Pfn(48)), Some(4));
        assert_eq!(a.isolate_free_page(Pfn(16)), Some(4));
        assert_eq!(extents(&a), [(3, 8), (32, 64)]);
        assert_eq!(a.nr_free_pages(), 61 - 8 - 16);
        assert!(a.split_page(Pfn(16), 4));
        for p in 16..32 {
            a.free_pages(Pfn(p), 0);
        }
        assert_eq!(extents(&a), [(3, 8), (16, 64)]);
    }

    #[test]
    fn a_split_block_is_freed_page_by_page() {
        let a = first_fit(0, 64);
        let p = a.alloc_pages(Gfp::KERNEL, 3).unwrap();
        assert!(a.split_page(p, 3));
        for i in [5, 0, 7, 1, 2, 6, 3] {
            a.free_pages(Pfn(p.0 + i), 0);
        }
        assert_eq!(extents(&a), [(0, 4), (5, 64)]);
        a.free_pages(Pfn(p.0 + 4), 0);
        assert_eq!(extents(&a), [(0, 64)]);
    }

    #[test]
    #[should_panic(expected = "double free")]
    fn double_free_panics() {
        let a = first_fit(0, 64);
        let p = a.alloc_pages(Gfp::KERNEL, 2).unwrap();
        a.alloc_pages(Gfp::KERNEL, 2).unwrap();
        a.free_pages(p, 2);
        a.free_pages(Pfn(p.0 + 2), 0);
    }
}
