//! An allocator nobody wrote for mmsim: the `buddy_system_allocator`
//! crate's `FrameAllocator` (a buddy allocator over free lists of
//! naturally aligned blocks, from crates.io), adapted to mmsim's
//! [`PageAllocator`] and registered as `--allocator buddy-system-allocator`.
//!
//! It shows what an outside allocator brings to the comparisons of
//! `mmsim sweep` and the benchmarks when only the trait's required methods
//! can be implemented: its free lists are private, so
//!
//! - `free_areas` cannot say which blocks are free: every free frame is
//!   reported as order 0 (`/proc/buddyinfo` and the fragmentation index
//!   see only the count);
//! - it has no migrate types (`pagetypeinfo` and `pageblock_migratetype`
//!   keep the trait's defaults): page tables and user pages share blocks;
//! - compaction can migrate pages out of a block but cannot take a free
//!   page for them (`free_block_order` and `isolate_free_page` keep the
//!   defaults, "not known"), so direct compaction and kcompactd free no
//!   order-9 block on it.
//!
//! The adapter holds the allocator behind mm-api's spinlock, the lock the
//! workspace's buddy allocator takes on its fast path, and counts free
//! frames itself (`FrameAllocator` does not).

#![forbid(unsafe_code)]

use buddy_system_allocator::FrameAllocator;
use linkme::distributed_slice;
use mm_api::Pfn;
use mm_api::alloc::{AllocatorConfig, FreeAreas, Gfp, MM_PAGE_ALLOCATORS, PageAllocator, PageAllocatorDesc};
use mm_api::spinlock::SpinLock;
use mm_api::types::MAX_PAGE_ORDER;

/// The registration (`--allocator buddy-system-allocator`).
#[distributed_slice(MM_PAGE_ALLOCATORS)]
pub static BUDDY_SYSTEM_ALLOCATOR: PageAllocatorDesc = PageAllocatorDesc {
    name: "buddy-system-allocator",
    description: "the buddy_system_allocator crate's FrameAllocator (example of an outside allocator)",
    new: |cfg| Box::new(Bsa::new(cfg)),
};

/// Orders `0..=MAX_PAGE_ORDER`, as the workspace's allocators.
const ORDERS: usize = MAX_PAGE_ORDER as usize + 1;

/// `FrameAllocator` as a page allocator.
pub struct Bsa(SpinLock<State>);

struct State {
    frames: FrameAllocator<ORDERS>,
    nr_free: u64,
}

impl Bsa {
    /// An allocator owning every frame of `cfg`, all free.
    pub fn new(cfg: &AllocatorConfig) -> Bsa {
        let mut frames = FrameAllocator::new();
        let base = cfg.base.0 as usize;
        frames.add_frame(base, base + cfg.nr_pages as usize);
        Bsa(SpinLock::new(State { frames, nr_free: cfg.nr_pages }))
    }
}

impl std::fmt::Debug for Bsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bsa").field("nr_free", &self.0.lock().nr_free).finish()
    }
}

impl PageAllocator for Bsa {
    fn alloc_pages(&self, _gfp: Gfp, order: u32) -> Option<Pfn> {
        if order > MAX_PAGE_ORDER {
            return None;
        }
        let mut s = self.0.lock();
        let frame = s.frames.alloc(1 << order)?;
        s.nr_free -= 1 << order;
        Some(Pfn(frame as u64))
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        let mut s = self.0.lock();
        s.frames.dealloc(pfn.0 as usize, 1 << order);
        s.nr_free += 1 << order;
    }

    /// A block may be freed page by page: `FrameAllocator` keeps no record
    /// of what it handed out, and merges every freed frame with its buddy.
    fn split_page(&self, _pfn: Pfn, _order: u32) -> bool {
        true
    }

    fn can_split_page(&self) -> bool {
        true
    }

    fn nr_free_pages(&self) -> u64 {
        self.0.lock().nr_free
    }

    /// Its free lists are private: every free frame as order 0.
    fn free_areas(&self) -> FreeAreas {
        let mut areas = FreeAreas::default();
        areas[0] = self.nr_free_pages();
        areas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_naturally_aligned_and_counted() {
        let a = Bsa::new(&AllocatorConfig { base: Pfn(4096), nr_pages: 4096, nr_cpus: 1 });
        let b = a.alloc_pages(Gfp::default(), 9).unwrap();
        assert_eq!(b.0 % 512, 0);
        let p = a.alloc_pages(Gfp::default(), 0).unwrap();
        assert!((4096..8192).contains(&p.0));
        assert_eq!(a.nr_free_pages(), 4096 - 513);
        assert_eq!(a.alloc_pages(Gfp::default(), MAX_PAGE_ORDER + 1), None);
        a.free_pages(p, 0);
        // Split, then freed page by page: all merges back.
        assert!(a.can_split_page() && a.split_page(b, 9));
        for i in 0..512 {
            a.free_pages(Pfn(b.0 + i), 0);
        }
        let big = a.alloc_pages(Gfp::default(), MAX_PAGE_ORDER).unwrap();
        assert_eq!(big.0 % 1024, 0);
        a.free_pages(big, MAX_PAGE_ORDER);
        assert_eq!(a.nr_free_pages(), 4096);
        assert_eq!(a.free_areas()[0], 4096);
    }
}
