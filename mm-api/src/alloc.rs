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
        /// `__GFP_RECLAIMABLE`: kernel memory a shrinker can free (slab
        /// caches of dentries and inodes).
        const RECLAIMABLE = 1 << 5;
    }
}

impl Gfp {
    /// `GFP_KERNEL`.
    pub const KERNEL: Gfp = Gfp::empty();
    /// `GFP_HIGHUSER_MOVABLE`: user pages.
    pub const HIGHUSER_MOVABLE: Gfp = Gfp::MOVABLE;
    /// `GFP_PGTABLE_USER`: zeroed, accounted page-table pages.
    pub const PGTABLE_USER: Gfp = Gfp::ZERO.union(Gfp::ACCOUNT);

    /// The free lists a request is served from (`gfp_migratetype`): user
    /// pages (anonymous, page cache, shmem, swap cache) are movable,
    /// reclaimable slab is reclaimable, everything else (page tables, the
    /// kernel's own pages) unmovable.
    #[inline]
    pub fn migratetype(self) -> MigrateType {
        if self.contains(Gfp::MOVABLE) {
            MigrateType::Movable
        } else if self.contains(Gfp::RECLAIMABLE) {
            MigrateType::Reclaimable
        } else {
            MigrateType::Unmovable
        }
    }
}

/// `pageblock_order`: the unit whose migrate type the buddy allocator
/// tracks, 2 MiB (`HUGETLB_PAGE_ORDER` on x86-64).
pub const PAGEBLOCK_ORDER: u32 = 9;
/// `pageblock_nr_pages`.
pub const PAGEBLOCK_NR_PAGES: u64 = 1 << PAGEBLOCK_ORDER;

/// The migrate types of 6.18 on a machine without CMA (`enum migratetype`,
/// the columns of `/proc/pagetypeinfo`), in the kernel's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MigrateType {
    /// `MIGRATE_UNMOVABLE`: page tables, kernel allocations.
    Unmovable = 0,
    /// `MIGRATE_MOVABLE`: user pages, which compaction can migrate.
    Movable = 1,
    /// `MIGRATE_RECLAIMABLE`: kernel memory a shrinker frees.
    Reclaimable = 2,
    /// `MIGRATE_HIGHATOMIC`: pageblocks reserved for high-order atomic
    /// allocations.
    HighAtomic = 3,
    /// `MIGRATE_ISOLATE`: pageblocks taken out of the allocator.
    Isolate = 4,
}

/// `MIGRATE_PCPTYPES`: the types with per-CPU lists and fallbacks.
pub const MIGRATE_PCPTYPES: usize = 3;
/// `MIGRATE_TYPES`.
pub const MIGRATE_TYPES: usize = 5;

impl MigrateType {
    /// Every type, in the kernel's order.
    pub const ALL: [MigrateType; MIGRATE_TYPES] = [
        MigrateType::Unmovable,
        MigrateType::Movable,
        MigrateType::Reclaimable,
        MigrateType::HighAtomic,
        MigrateType::Isolate,
    ];

    /// The type with this number, if there is one.
    #[inline]
    pub fn from_index(i: usize) -> Option<MigrateType> {
        MigrateType::ALL.get(i).copied()
    }

    /// The name `/proc/pagetypeinfo` prints (`migratetype_names`).
    pub fn name(self) -> &'static str {
        match self {
            MigrateType::Unmovable => "Unmovable",
            MigrateType::Movable => "Movable",
            MigrateType::Reclaimable => "Reclaimable",
            MigrateType::HighAtomic => "HighAtomic",
            MigrateType::Isolate => "Isolate",
        }
    }
}

/// What `/proc/pagetypeinfo` shows of a zone: free blocks per migrate type
/// and order, and pageblocks per migrate type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageTypeInfo {
    /// `free[type][order]`: free blocks on that free list.
    pub free: [FreeAreas; MIGRATE_TYPES],
    /// Pageblocks of each type (`pagetypeinfo_showblockcount`).
    pub blocks: [u64; MIGRATE_TYPES],
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

/// What `fill_contig_page_info` gathers from a zone's free lists for a
/// request of one order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContigPageInfo {
    /// Free frames.
    pub free_pages: u64,
    /// Free blocks of any order.
    pub free_blocks_total: u64,
    /// Blocks of the requested order the free blocks hold.
    pub free_blocks_suitable: u64,
}

impl ContigPageInfo {
    /// `fill_contig_page_info` over free blocks per order.
    pub fn new(free: &FreeAreas, order: u32) -> ContigPageInfo {
        let mut info = ContigPageInfo::default();
        for (o, &n) in free.iter().enumerate() {
            info.free_blocks_total += n;
            info.free_pages += n << o;
            if o as u32 >= order {
                info.free_blocks_suitable += n << (o as u32 - order);
            }
        }
        info
    }
}

/// The fragmentation index of a request of `order` (`fragmentation_index`,
/// in thousandths): towards 0 a failure would be for lack of memory,
/// towards 1000 for fragmentation; -1000 when a block that large is free,
/// 0 when nothing is free.  Compaction is worth it above
/// `extfrag_threshold` (500).
pub fn fragmentation_index(free: &FreeAreas, order: u32) -> i32 {
    let info = ContigPageInfo::new(free, order);
    if order > MAX_PAGE_ORDER || info.free_blocks_total == 0 {
        return 0;
    }
    if info.free_blocks_suitable > 0 {
        return -1000;
    }
    // 1 - (1 + free_pages / requested) / free_blocks_total, in thousandths.
    let requested = 1u64 << order;
    1000 - ((1000 + info.free_pages * 1000 / requested) / info.free_blocks_total) as i32
}

/// The unusable free space index of `order` (`unusable_free_index`, in
/// thousandths): the share of free memory in blocks too small for it; 1000
/// when nothing is free.
pub fn unusable_free_index(free: &FreeAreas, order: u32) -> u32 {
    let info = ContigPageInfo::new(free, order);
    if info.free_pages == 0 {
        return 1000;
    }
    ((info.free_pages - (info.free_blocks_suitable << order)) * 1000 / info.free_pages) as u32
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

    /// Returns order-0 pages freed together, as `free_pages(pfn, 0)` on
    /// each in turn (`free_unref_folios`, which takes a CPU's list once
    /// for a batch of pages).  An allocator with per-CPU caches overrides
    /// it to lock its cache once.
    fn free_pages_bulk(&self, pfns: &[Pfn]) {
        for &pfn in pfns {
            self.free_pages(pfn, 0);
        }
    }

    /// `split_page`: the block of `order` at `pfn` becomes `1 << order`
    /// order-0 blocks, each freed on its own later.  False (and the block
    /// unchanged) for an allocator that cannot: callers then do without
    /// blocks larger than a page where they would split them.
    fn split_page(&self, _pfn: Pfn, _order: u32) -> bool {
        false
    }

    /// Whether [`split_page`](Self::split_page) succeeds on any block: a
    /// caller that keeps a block whole and may split it later (a large
    /// folio whose pages come to live apart) asks first, so an allocator
    /// that says false here gets no transparent huge pages.  An allocator
    /// that overrides `split_page` says true here too (the allocator test
    /// suite checks that they agree).
    fn can_split_page(&self) -> bool {
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

    /// Returns the frames the current CPU caches to the shared pool
    /// (`drain_local_pages`).  By default, every CPU's
    /// ([`drain`](Self::drain)).
    fn drain_local(&self) {
        self.drain();
    }

    /// The zone's low and high watermarks in pages, given once the
    /// machine has computed them: an allocator with per-CPU caches sizes
    /// them from these (`zone_set_pageset_high_and_batch`) and keeps fewer
    /// pages in them while the free blocks are at or below the high
    /// watermark (`ZONE_BELOW_HIGH`).  Ignored by default.
    fn set_watermarks(&self, _low: u64, _high: u64) {}

    /// kswapd is reclaiming, or has stopped (`ZONE_RECLAIM_ACTIVE`): an
    /// allocator with per-CPU caches keeps fewer pages in them meanwhile.
    /// Ignored by default.
    fn set_reclaim_active(&self, _active: bool) {}

    /// One run of the vmstat worker's `decay_pcp_high` on every CPU, which
    /// the kernel does once a second (`vm.stat_interval`): an allocator
    /// whose per-CPU caches grew past their floor shrinks them a step and
    /// gives back what is above the new limit.  Returns whether another
    /// run would do more.  The default has nothing to decay.
    fn decay_pcp_high(&self) -> bool {
        false
    }

    /// Free blocks per migrate type and pageblocks per type, for
    /// allocators that group pages by mobility; `None` for the others.
    fn pagetypeinfo(&self) -> Option<PageTypeInfo> {
        None
    }

    /// The migrate type of the pageblock holding `pfn`
    /// (`get_pageblock_migratetype`), for allocators that have them.
    /// Compaction takes pages to migrate only from movable pageblocks and
    /// free pages only in them; without types every block qualifies.
    fn pageblock_migratetype(&self, _pfn: Pfn) -> Option<MigrateType> {
        None
    }

    /// The order of the free block that starts at `pfn` (`PageBuddy` and
    /// `buddy_order`), or `None` when `pfn` starts no free block held by
    /// the shared pool (frames in per-CPU caches are not such blocks).
    /// Compaction's scanners use it to skip free blocks and find targets;
    /// an allocator without it cannot be compacted.
    fn free_block_order(&self, _pfn: Pfn) -> Option<u32> {
        None
    }

    /// Takes the free block that starts at `pfn` out of the shared pool
    /// (`__isolate_free_page`), as `alloc_pages` of a movable page would
    /// have handed it out, and returns its order; `None` (and nothing
    /// changed) when `pfn` starts no free block.  The caller owns the block
    /// as if allocated: it may `split_page` it and frees it with
    /// `free_pages`.  Compaction takes its migration targets this way.
    fn isolate_free_page(&self, _pfn: Pfn) -> Option<u32> {
        None
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn areas(pairs: &[(usize, u64)]) -> FreeAreas {
        let mut a = [0; MAX_PAGE_ORDER as usize + 1];
        for &(order, n) in pairs {
            a[order] = n;
        }
        a
    }

    #[test]
    fn gfp_migratetype_groups_user_pages_as_movable() {
        assert_eq!(Gfp::HIGHUSER_MOVABLE.migratetype(), MigrateType::Movable);
        assert_eq!((Gfp::HIGHUSER_MOVABLE | Gfp::ZERO).migratetype(), MigrateType::Movable);
        assert_eq!(Gfp::PGTABLE_USER.migratetype(), MigrateType::Unmovable);
        assert_eq!(Gfp::KERNEL.migratetype(), MigrateType::Unmovable);
        assert_eq!(Gfp::RECLAIMABLE.migratetype(), MigrateType::Reclaimable);
        assert_eq!(MigrateType::from_index(4), Some(MigrateType::Isolate));
        assert_eq!(MigrateType::from_index(5), None);
    }

    #[test]
    fn fragmentation_index_tells_fragmentation_from_lack_of_memory() {
        // 512 free pages as single frames: an order-9 request fails for
        // fragmentation alone.  1000 - (1000 + 1000) / 512 = 997.
        assert_eq!(fragmentation_index(&areas(&[(0, 512)]), 9), 997);
        // One free frame: a failure for lack of memory.
        // 1000 - (1000 + 1000 / 512) / 1 = 1000 - 1001.
        assert_eq!(fragmentation_index(&areas(&[(0, 1)]), 9), -1);
        assert_eq!(fragmentation_index(&areas(&[(9, 1)]), 9), -1000);
        assert_eq!(fragmentation_index(&areas(&[]), 9), 0);
        // 8 order-3 blocks for an order-4 request: 1000 - (1000 + 4000) / 8.
        assert_eq!(fragmentation_index(&areas(&[(3, 8)]), 4), 375);
    }

    #[test]
    fn unusable_index_is_the_share_of_free_memory_too_small() {
        assert_eq!(unusable_free_index(&areas(&[]), 0), 1000);
        assert_eq!(unusable_free_index(&areas(&[(0, 512)]), 0), 0);
        assert_eq!(unusable_free_index(&areas(&[(0, 512)]), 1), 1000);
        // 256 single frames and one order-8 block: half is usable at 8.
        assert_eq!(unusable_free_index(&areas(&[(0, 256), (8, 1)]), 8), 500);
        assert_eq!(unusable_free_index(&areas(&[(0, 256), (8, 1)]), 9), 1000);
    }
}
