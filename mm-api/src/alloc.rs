//! Page allocators: the [`PageAllocator`] trait and the
//! [`MM_PAGE_ALLOCATORS`] registry.  The default buddy allocator and a
//! bitmap allocator beside it are backends like any other (`mm-alloc`).
//!
//! A backend decides only *which* frames are free.  The core wraps every
//! allocation (see `Memory::alloc_pages`): it resets the `struct page`,
//! takes the first reference and clears the frame for `__GFP_ZERO`, so a
//! backend never touches frame contents or page metadata.

use crate::types::{MAX_PAGE_ORDER, Pfn};
use bitflags::bitflags;

bitflags! {
    /// Allocation flags (`gfp_t`), the subset the simulator uses.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Gfp: u32 {
        /// `__GFP_ZERO`: the caller wants a zeroed frame.
        const ZERO = 1 << 0;
        /// `__GFP_MOVABLE`: user pages that could be migrated.
        const MOVABLE = 1 << 1;
        /// `__GFP_HIGH`: may dip into reserves.
        const HIGH = 1 << 2;
        /// `__GFP_NOWARN`.
        const NOWARN = 1 << 3;
        /// `__GFP_ACCOUNT`: charged to the process (page tables).
        const ACCOUNT = 1 << 4;
    }
}

impl Gfp {
    /// `GFP_KERNEL`.
    pub const KERNEL: Gfp = Gfp::empty();
    /// `GFP_HIGHUSER_MOVABLE`: user pages.
    pub const HIGHUSER_MOVABLE: Gfp = Gfp::MOVABLE;
    /// `GFP_PGTABLE_USER`: zeroed, accounted page-table pages.
    pub const PGTABLE_USER: Gfp = Gfp::ZERO.union(Gfp::ACCOUNT);
}

/// What an allocator manages: frames `[base, base + nr_pages)`, used from
/// `nr_cpus` simulated CPUs (see [`crate::smp::smp_processor_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocatorConfig {
    pub base: Pfn,
    pub nr_pages: u64,
    pub nr_cpus: usize,
}

/// Free blocks per order, as `/proc/buddyinfo` prints them.
pub type FreeAreas = [u64; MAX_PAGE_ORDER as usize + 1];

/// The maximal naturally aligned blocks of at most `MAX_PAGE_ORDER` that
/// make up the frames `[from, to)`, ascending, as `(first pfn, order)`: how
/// a free range is handed to a buddy allocator (`memblock_free_all`) or
/// reported by one (`/proc/buddyinfo`).
pub fn aligned_blocks(mut from: u64, to: u64) -> impl Iterator<Item = (u64, u32)> {
    std::iter::from_fn(move || {
        (from < to).then(|| {
            let order = from.trailing_zeros().min((to - from).ilog2()).min(MAX_PAGE_ORDER);
            let block = (from, order);
            from += 1 << order;
            block
        })
    })
}

/// A physical page allocator.
///
/// Blocks are `1 << order` frames, naturally aligned (the first pfn is a
/// multiple of `1 << order`), with `order <= MAX_PAGE_ORDER`.  Methods take
/// `&self`: an allocator locks inside, so the fault path, reclaim and
/// benchmarks on several threads can share it.
pub trait PageAllocator: Send + Sync {
    /// Allocates a block of `1 << order` frames (`__alloc_pages`), or `None`
    /// when no block that large is free.
    fn alloc_pages(&self, gfp: Gfp, order: u32) -> Option<Pfn>;

    /// Returns a block obtained from `alloc_pages` with the same order
    /// (`__free_pages`).
    fn free_pages(&self, pfn: Pfn, order: u32);

    /// `split_page`: the block of `order` at `pfn` becomes `1 << order`
    /// order-0 blocks, each freed on its own later.  False (and the block
    /// unchanged) for an allocator that cannot: callers then do without
    /// blocks larger than a page where they would split them.
    fn split_page(&self, _pfn: Pfn, _order: u32) -> bool {
        false
    }

    /// Frames free, including those held in per-CPU caches.
    fn nr_free_pages(&self) -> u64;

    /// Free blocks per order.  Allocators without orders report every free
    /// frame as an order-0 block.
    fn free_areas(&self) -> FreeAreas;

    /// Returns frames cached per CPU to the shared pool
    /// (`drain_all_pages`); a no-op for allocators without caches.
    fn drain(&self) {}
}

/// A page allocator a backend registers in [`MM_PAGE_ALLOCATORS`].
pub struct PageAllocatorDesc {
    /// Name used to select it (`--allocator NAME`).
    pub name: &'static str,
    /// One line for `mmsim backends`.
    pub description: &'static str,
    /// Builds an allocator that owns every frame of `cfg` (all free).
    pub new: fn(&AllocatorConfig) -> Box<dyn PageAllocator>,
}

/// Every linked page allocator.  A backend crate adds one with
/// `#[distributed_slice(MM_PAGE_ALLOCATORS)]`.
#[linkme::distributed_slice]
pub static MM_PAGE_ALLOCATORS: [PageAllocatorDesc];
