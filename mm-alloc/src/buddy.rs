//! The default page allocator: a binary buddy allocator with per-CPU
//! order-0 caches, after Linux's `mm/page_alloc.c`.
//!
//! Free memory is kept as naturally aligned blocks of `1 << order` frames
//! on one free list per order (`free_area[order]`).  An allocation takes the
//! smallest block that fits and splits it, putting the upper halves back on
//! the lower lists (`expand`); a free merges the block with its buddy, the
//! block at `pfn ^ (1 << order)`, for as long as that buddy is free as a
//! whole (`__free_one_page`).  Alignment is in absolute pfns, so the managed
//! range `[base, base + nr_pages)` need not be aligned: its edges are simply
//! smaller blocks whose buddies lie outside the range and never merge.
//!
//! Pages are grouped by mobility, as in 6.18.  Every request has a
//! migrate type from its flags ([`Gfp::migratetype`]: user pages movable,
//! page tables and kernel pages unmovable, reclaimable slab reclaimable),
//! every pageblock (`1 << PAGEBLOCK_ORDER` frames, 2 MiB) has one (all
//! start movable), and each order has a free list per type; a free block
//! is always on the list of its pageblock's type.  A request takes the
//! smallest block of its own type (`__rmqueue_smallest`); failing that it
//! falls back (`__rmqueue`) to the other types in the order of
//! `fallbacks[]`: first it tries to *claim* a block, from the largest order
//! down (`__rmqueue_claim`): a block of a pageblock or more changes type
//! whole, a smaller one takes its pageblock along when half of the
//! pageblock is free or used alike (`try_to_claim_block`), and small
//! movable requests never claim; then it *steals* the smallest block of
//! another type, leaving the pageblock's type alone (`__rmqueue_steal`).
//! A freed block goes to the lists of its pageblock's current type; two
//! pageblocks of different types that merge take the type of the block
//! being freed.  The machine has a single zone, so `ALLOC_NOFRAGMENT`
//! (which needs a lower zone) is never set, and no request is high-order
//! atomic, so the `HighAtomic` and `Isolate` lists stay empty.  Compaction
//! reads pageblock types and free blocks (`free_block_order`) and takes
//! free blocks out of the lists (`isolate_free_page`).
//!
//! The free lists sit under one zone lock.  Order-0 pages, by far the most
//! common request, go through a per-CPU list with a lock of its own instead
//! (`struct per_cpu_pages`, one list per movable, unmovable and
//! reclaimable type): an allocation pops from the current CPU's list and
//! refills it under the zone lock when it runs dry (`rmqueue_bulk`); a free
//! pushes onto it and gives the coldest pages back once it holds `high`
//! (`free_pcppages_bulk`).  The lists tune themselves as since Linux 6.7:
//! `high` moves between the CPU's share of the low watermark (`high_min`)
//! and its share of an eighth of the zone (`high_max`); each refill with no
//! free since the last takes twice as many pages, up to `batch << 5`, and
//! raises `high` by what it takes (`nr_pcp_alloc`); a run of frees gives
//! back as many at once as it freed (`nr_pcp_free`); the lists shrink to
//! their floor while the free lists are at or below the high watermark
//! (`ZONE_BELOW_HIGH`) or kswapd reclaims (`ZONE_RECLAIM_ACTIVE`), and an
//! eighth at a time when the vmstat worker runs (`decay_pcp_high`, which
//! the machine's caller drives: the model has no clock).  Pages in those
//! lists count as free but stay unmerged until they are drained.
//! When the zone cannot satisfy a request, the allocator drains every CPU's
//! list and tries once more, as the kernel's slow path does with
//! `drain_all_pages`, so `None` means that no block of the order is free.
//! Both locks are spinlocks, as in the kernel ([`mm_api::spinlock`]): a
//! sleeping mutex costs a second atomic instruction on every release, which
//! on the per-CPU path was a third of an allocation's time.
//!
//! Per-frame state lives in arrays indexed by `pfn - base` that belong to
//! the allocator: a state byte (`tags`, see `TAG_*`) and, for the head of a
//! free block, its `next`/`prev` links on its free list, so a buddy is
//! taken off its list in O(1) when merging.  Zero means "not the head of a
//! free block", so both arrays are anonymous mappings that the host backs
//! lazily (`AnonMap`).  Like the kernel's deferred `struct page` initialisation,
//! only the unaligned edges of the range go on the free lists at first; the
//! aligned middle is handed over one `MAX_PAGE_ORDER` block at a time when
//! nothing smaller fits.  Setting up many GiB therefore touches nothing but
//! the edges, and later only the frames that are used.
//!
//! Freeing a block that is not allocated with that order (a double free, a
//! wrong order, a pfn inside a block) or a pfn outside the range panics
//! with a message saying which.  Pfns come from the simulator, never from
//! the simulated program, so this is a bug in the simulator, and going on
//! would hand the same frame out twice.  Blocks above order 0 change state
//! under the zone lock, so every such bug is caught.  An order-0 page
//! changes state under the lock of the CPU that frees it, which catches
//! every double free whose two frees are ordered (the same thread, or a
//! handoff between threads).  Two CPUs freeing the same page at the same
//! instant are caught at once in debug builds, where the state changes
//! with an atomic compare-and-swap; release builds, which cannot afford it
//! on the fast path, catch them later, when the page comes off a per-CPU
//! list in a state it cannot have there.

use crossbeam_utils::CachePadded;
use linkme::distributed_slice;
use mm_api::alloc::{
    AllocatorConfig, FreeAreas, Gfp, MIGRATE_PCPTYPES, MIGRATE_TYPES, MM_PAGE_ALLOCATORS, MigrateType,
    PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, PageAllocator, PageAllocatorDesc, PageTypeInfo, aligned_blocks,
};
use mm_api::phys::AnonMap;
use mm_api::smp::this_cpu_index;
use mm_api::spinlock::{SpinLock, SpinLockGuard};
use mm_api::types::{MAX_PAGE_ORDER, Pfn};
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64};

/// The allocator's registration (`--allocator buddy`).
#[distributed_slice(MM_PAGE_ALLOCATORS)]
pub static BUDDY_ALLOCATOR: PageAllocatorDesc = PageAllocatorDesc {
    name: "buddy",
    description: "binary buddy allocator with per-CPU order-0 caches (Linux's default)",
    new: |cfg| Box::new(BuddyAllocator::new(cfg)),
};

const NR_ORDERS: usize = MAX_PAGE_ORDER as usize + 1;

/// End of a free list.  Links are frame indices (`pfn - base`) as `u32`,
/// which bounds a zone to 16 TiB of 4 KiB frames.
const NIL: u32 = u32::MAX;

const UNMOVABLE: usize = MigrateType::Unmovable as usize;
const MOVABLE: usize = MigrateType::Movable as usize;
const RECLAIMABLE: usize = MigrateType::Reclaimable as usize;
const ISOLATE: usize = MigrateType::Isolate as usize;

/// Where a request of each type falls back to, in order (`fallbacks[]`).
const FALLBACKS: [[usize; MIGRATE_PCPTYPES - 1]; MIGRATE_PCPTYPES] =
    [[RECLAIMABLE, MOVABLE], [RECLAIMABLE, UNMOVABLE], [UNMOVABLE, MOVABLE]];

// Frame states in `tags`.  Only the first frame of a block has a state;
// every other frame is `TAG_NONE`.

/// Not the head of a free or allocated block (the zeroed start).
const TAG_NONE: u8 = 0;
/// Plus the order: head of a block on `free_area[order]` (`PageBuddy`).
const TAG_FREE: u8 = 0x01;
/// With `TAG_ALLOC`: the block was asked for as movable, which is what
/// `PageLRU` tells the kernel's fallback heuristics about a used page.
const TAG_MOVABLE: u8 = 0x10;
/// In a per-CPU list: free, but not on a free list.
const TAG_PCP: u8 = 0x20;
/// Plus the order (and `TAG_MOVABLE`): head of a block handed out by
/// `alloc_pages`.
const TAG_ALLOC: u8 = 0x40;
/// The order bits of a `TAG_ALLOC` state.
const TAG_ORDER: u8 = 0x0f;

/// `SZ_1M / PAGE_SIZE`: the cap on the zone size that scales `batch`.
const BATCH_CAP_PAGES: u64 = 256;
/// `high` as a multiple of `batch` until the machine gives the zone's
/// watermarks (`pageset_set_batch()` before 5.14 set `high = 6 * batch`).
const HIGH_PER_BATCH: usize = 6;
/// `CONFIG_PCP_BATCH_SCALE_MAX`: a refill takes at most `batch << 5`
/// pages, and consecutive frees give back at most that many at once.
const PCP_BATCH_SCALE_MAX: u32 = 5;
/// `MIN_PERCPU_PAGELIST_HIGH_FRACTION`: the per-CPU lists together hold at
/// most an eighth of the zone.
const MIN_PERCPU_PAGELIST_HIGH_FRACTION: u64 = 8;

/// The pages moved between a per-CPU list and the zone at once
/// (`zone_batchsize()`): about a 4096th of the zone, at most 63, as
/// `2^n - 1` so that batches do not all alias in the cache, at least 1.
/// A zone of 1 GiB or more gets 63.
pub fn zone_batchsize(managed_pages: u64) -> usize {
    let batch = ((managed_pages >> 10).min(BATCH_CAP_PAGES) / 4).max(1);
    let pow = 1u64 << (batch + batch / 2).ilog2();
    (pow - 1).max(1) as usize
}

/// Free blocks of one order (`struct free_area`), one list per migrate
/// type.
#[derive(Clone, Copy)]
struct FreeArea {
    head: [u32; MIGRATE_TYPES],
    nr_free: [u64; MIGRATE_TYPES],
}

/// What the zone lock protects: the free lists.
struct Zone {
    /// `[next, prev]` on its free list, for the head of each free block;
    /// meaningless for other frames.
    links: AnonMap<[u32; 2]>,
    free_area: [FreeArea; NR_ORDERS],
    /// Per migrate type, bit `order` set when `free_area[order]`'s list of
    /// that type is not empty, so the smallest fitting order is one
    /// `trailing_zeros` away.
    nonempty: [u32; MIGRATE_TYPES],
    /// Frames on the free lists and not yet handed over.
    free_pages: u64,
    /// `[deferred, deferred_end)`: whole `MAX_PAGE_ORDER` blocks, free, not
    /// yet on a list (`deferred_init_memmap`), in movable pageblocks.
    deferred: u64,
    deferred_end: u64,
}

/// Where `__rmqueue` found pages last (`enum rmqueue_mode`), so that a
/// batch refill does not search the fallbacks again for every page.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RmqueueMode {
    Normal,
    Claim,
    Steal,
}

/// What `find_suitable_fallback` finds at one order.
enum Fallback {
    /// A list of this type has a block.
    Found(usize),
    /// No block of this order on any fallback list.
    NoBlock,
    /// The order is too small to claim a pageblock from.
    TooLow,
}

/// One CPU's order-0 cache (`struct per_cpu_pages`), a list per migrate
/// type that has one.  The end of a list is hot (last freed, first
/// reused); the start is cold (given back first).
struct PerCpuPages {
    lists: [Vec<u32>; MIGRATE_PCPTYPES],
    /// Pages in all the lists (`pcp->count`).
    count: usize,
    /// At this many pages, a free gives some back to the zone
    /// (`pcp->high`), tuned between `high_min` and `high_max`.
    high: usize,
    /// `pcp->high_min`.
    high_min: usize,
    /// `pcp->high_max`; equal to `high_min`, `high` stays put.
    high_max: usize,
    /// Pages taken from or given back to the zone at once, before
    /// scaling (`pcp->batch`).
    batch: usize,
    /// Pages freed to the list since allocations last halved it
    /// (`pcp->free_count`): a burst of frees gives back more at once.
    free_count: usize,
    /// A refill takes `batch << alloc_factor` (`pcp->alloc_factor`):
    /// raised by each refill, halved by each free.
    alloc_factor: u32,
}

impl PerCpuPages {
    /// `nr_pcp_high`: the count at which a free gives pages back, raising
    /// `high` for a burst of frees, lowering it while reclaim runs or the
    /// zone is below its high watermark.
    fn nr_pcp_high(&mut self, below_high: bool, reclaim_active: bool) -> usize {
        let high = self.high.clamp(self.high_min, self.high_max);
        self.high = high;
        if high == 0 {
            return 0;
        }
        if reclaim_active || below_high {
            // `high` shrinks toward the floor by the run of frees (a no-op
            // when `high` is fixed: the floor is `high` itself).
            let free_count = self.free_count.max(self.batch);
            self.high = high.saturating_sub(free_count).max(self.high_min);
        }
        if reclaim_active {
            return (self.batch << 2).min(self.high);
        }
        if self.high_min == self.high_max {
            return high;
        }
        if below_high {
            return self.count.max(self.high_min);
        }
        if self.count >= high {
            // Room for the batch this burst of frees gives back next.
            let need_high = self.free_count + self.batch;
            if self.high < need_high {
                self.high = need_high.clamp(self.high_min, self.high_max);
            }
        }
        high
    }

    /// `nr_pcp_free`: pages to give back once the count reached `high`:
    /// as many as were freed in a row, at least a batch, leaving at least
    /// a batch.
    fn nr_pcp_free(&self, high: usize) -> usize {
        if high < self.batch {
            return 1;
        }
        self.free_count.max(self.batch).min(high - self.batch)
    }

    /// `nr_pcp_alloc`: pages a refill takes: the batch, doubled by each
    /// refill since the last free, within what `high` leaves room for; a
    /// tuned `high` grows by what is taken unless the zone is below its
    /// high watermark.
    fn nr_pcp_alloc(&mut self, below_high: bool) -> usize {
        let base = self.batch;
        let mut high = self.high.clamp(self.high_min, self.high_max);
        self.high = high;
        if high < base {
            return 1;
        }
        let batch = base << self.alloc_factor;
        if self.high_min != self.high_max && !below_high {
            high = (high + batch).min(self.high_max);
            self.high = high;
        }
        let max_nr_alloc = high.saturating_sub(self.count + base).max(base);
        if batch <= max_nr_alloc && self.alloc_factor < PCP_BATCH_SCALE_MAX {
            self.alloc_factor += 1;
        }
        batch.min(max_nr_alloc)
    }
}

/// `zone_highsize`: the per-CPU share of `total_pages`, at least four
/// batches.
fn zone_highsize(total_pages: u64, nr_cpus: usize, batch: usize) -> usize {
    let high = (total_pages / nr_cpus.max(1) as u64) as usize;
    high.max(batch << 2)
}

/// A per-CPU list on its own cache lines, so CPUs do not bounce each
/// other's locks.  A spinlock, as in the kernel: it is taken on every
/// order-0 allocation and free, and hardly ever contended.
#[repr(align(128))]
struct PerCpu(SpinLock<PerCpuPages>);

/// The buddy allocator.  See the module documentation.
pub struct BuddyAllocator {
    base: u64,
    nr_pages: u64,
    /// Per-frame state, `TAG_*`.  Atomic because the zone (under its lock)
    /// reads a buddy's state while a CPU (under its own list's lock) may be
    /// freeing that frame to its list; every transition happens under one of
    /// the two locks, so `Relaxed` suffices.
    tags: AnonMap<AtomicU8>,
    /// The migrate type of each pageblock the range touches, from the one
    /// holding `base` (`pageblock_flags`).  Changed under the zone lock,
    /// read without it when a page is freed to a per-CPU list.
    pageblocks: Box<[AtomicU8]>,
    /// On lines of its own: the lock word and the free lists change under
    /// it, while every order-0 allocation and free reads the fields beside.
    zone: CachePadded<SpinLock<Zone>>,
    pcp: Box<[PerCpu]>,
    /// The zone's high watermark once the machine gave it
    /// ([`PageAllocator::set_watermarks`]); 0 before.
    wmark_high: AtomicU64,
    /// `ZONE_BELOW_HIGH`: the free lists fell to the high watermark;
    /// the per-CPU lists keep fewer pages until a free lifts them above.
    below_high: AtomicBool,
    /// `ZONE_RECLAIM_ACTIVE`: kswapd is reclaiming; the per-CPU lists
    /// keep at most four batches.
    reclaim_active: AtomicBool,
    /// `high` was given ([`BuddyAllocator::with_pcp_limits`]): the
    /// watermarks leave it alone.
    fixed_high: bool,
}

impl fmt::Debug for BuddyAllocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuddyAllocator")
            .field("base", &Pfn(self.base))
            .field("nr_pages", &self.nr_pages)
            .field("nr_cpus", &self.pcp.len())
            .finish()
    }
}

impl BuddyAllocator {
    /// An allocator owning every frame of `cfg`, all free, with the kernel's
    /// default `batch` and `high` for a zone of that size.
    pub fn new(cfg: &AllocatorConfig) -> BuddyAllocator {
        let batch = zone_batchsize(cfg.nr_pages);
        let mut b = BuddyAllocator::with_pcp_limits(cfg, batch, HIGH_PER_BATCH * batch);
        b.fixed_high = false;
        b
    }

    /// Like [`BuddyAllocator::new`] with explicit per-CPU `batch` and `high`,
    /// which the zone's watermarks do not tune (as when
    /// `vm.percpu_pagelist_high_fraction` is set).
    ///
    /// # Panics
    /// If `batch` is 0, if the range has more than `u32::MAX - 1` frames or
    /// if it runs past the largest pfn.
    pub fn with_pcp_limits(cfg: &AllocatorConfig, batch: usize, high: usize) -> BuddyAllocator {
        assert!(batch > 0, "per-CPU batch must be at least 1");
        assert!(cfg.nr_pages < u64::from(NIL), "buddy zone of {} frames is too large", cfg.nr_pages);
        let end = cfg.base.0.checked_add(cfg.nr_pages).expect("buddy zone runs past the largest pfn");
        let n = cfg.nr_pages as usize;
        let zone = Zone {
            links: AnonMap::new(n),
            free_area: [FreeArea { head: [NIL; MIGRATE_TYPES], nr_free: [0; MIGRATE_TYPES] }; NR_ORDERS],
            nonempty: [0; MIGRATE_TYPES],
            free_pages: 0,
            deferred: 0,
            deferred_end: 0,
        };
        let pcp = (0..cfg.nr_cpus.max(1))
            .map(|_| {
                let lists = std::array::from_fn(|_| Vec::with_capacity(high + batch + 1));
                PerCpu(SpinLock::new(PerCpuPages {
                    lists,
                    count: 0,
                    high,
                    high_min: high,
                    high_max: high,
                    batch,
                    free_count: 0,
                    alloc_factor: 0,
                }))
            })
            .collect();
        // Every pageblock starts movable (`memmap_init_range`).
        let nr_pageblocks =
            if n == 0 { 0 } else { ((end - 1) >> PAGEBLOCK_ORDER) - (cfg.base.0 >> PAGEBLOCK_ORDER) + 1 };
        let pageblocks = (0..nr_pageblocks).map(|_| AtomicU8::new(MOVABLE as u8)).collect();
        let buddy = BuddyAllocator {
            base: cfg.base.0,
            nr_pages: cfg.nr_pages,
            tags: AnonMap::new(n),
            pageblocks,
            zone: CachePadded::new(SpinLock::new(zone)),
            pcp,
            wmark_high: AtomicU64::new(0),
            below_high: AtomicBool::new(false),
            reclaim_active: AtomicBool::new(false),
            fixed_high: true,
        };

        // The aligned middle of the range is deferred; the edges are freed
        // as their maximal aligned blocks (`memblock_free_all`), none of
        // which has a free buddy.  Adding them from the top down leaves the
        // lowest block at the head of each list.
        let max_block = 1u64 << MAX_PAGE_ORDER;
        let (lo, hi) = match cfg.base.0.checked_next_multiple_of(max_block) {
            Some(lo) if lo < end & !(max_block - 1) => (lo, end & !(max_block - 1)),
            _ => (end, end),
        };
        let blocks: Vec<(u64, u32)> =
            [(cfg.base.0, lo), (hi, end)].into_iter().flat_map(|(from, to)| aligned_blocks(from, to)).collect();
        let mut zone = buddy.zone.lock();
        for &(pfn, order) in blocks.iter().rev() {
            buddy.add_to_free_list(&mut zone, (pfn - buddy.base) as u32, order, MOVABLE);
        }
        zone.deferred = lo - buddy.base;
        zone.deferred_end = hi - buddy.base;
        zone.free_pages += hi - lo;
        drop(zone);
        buddy
    }

    /// The frame index of `pfn` if it is in the range.
    #[inline]
    fn index(&self, pfn: u64) -> Option<u32> {
        let idx = pfn.wrapping_sub(self.base);
        (idx < self.nr_pages).then_some(idx as u32)
    }

    /// The frame index of a block of `order` at `pfn` being freed; `None`
    /// for a block not wholly in the range or of an order above the
    /// largest.
    #[inline]
    fn free_index(&self, pfn: Pfn, order: u32) -> Option<u32> {
        let in_range = order <= MAX_PAGE_ORDER
            && pfn
                .0
                .checked_add(1 << order)
                .is_some_and(|end| self.index(pfn.0).is_some() && end <= self.base + self.nr_pages);
        in_range.then(|| (pfn.0 - self.base) as u32)
    }

    #[inline]
    fn tag(&self, idx: u32) -> &AtomicU8 {
        &self.tags[idx as usize]
    }

    /// The pageblock of frame `idx`.
    #[inline]
    fn pageblock(&self, idx: u32) -> &AtomicU8 {
        let nr = ((self.base + u64::from(idx)) >> PAGEBLOCK_ORDER) - (self.base >> PAGEBLOCK_ORDER);
        &self.pageblocks[nr as usize]
    }

    /// The migrate type of frame `idx`'s pageblock
    /// (`get_pfnblock_migratetype`).
    #[inline]
    fn get_pageblock_migratetype(&self, idx: u32) -> usize {
        usize::from(self.pageblock(idx).load(Relaxed))
    }

    /// `set_pageblock_migratetype`.
    #[inline]
    fn set_pageblock_migratetype(&self, idx: u32, mt: usize) {
        self.pageblock(idx).store(mt as u8, Relaxed);
    }

    /// Sets the type of every pageblock a block of `order` at `idx` covers
    /// (`change_pageblock_range`).
    fn change_pageblock_range(&self, idx: u32, order: u32, mt: usize) {
        let nr = 1u32 << order.saturating_sub(PAGEBLOCK_ORDER);
        for i in 0..nr {
            self.set_pageblock_migratetype(idx + (i << PAGEBLOCK_ORDER), mt);
        }
    }

    /// The current CPU's list (`this_cpu_ptr(zone->per_cpu_pageset)`).
    #[inline]
    fn this_cpu(&self) -> SpinLockGuard<'_, PerCpuPages> {
        let pcp = &self.pcp[this_cpu_index(self.pcp.len())].0;
        mm_api::lockstat::lock_acquired("pcp_lock", pcp);
        pcp.lock()
    }

    /// Puts the block at `idx` at the head of its free list and marks it
    /// free (`__add_to_free_list` + `set_buddy_order`).
    #[inline(always)]
    fn add_to_free_list(&self, z: &mut Zone, idx: u32, order: u32, mt: usize) {
        let area = &mut z.free_area[order as usize];
        let head = area.head[mt];
        z.links[idx as usize] = [head, NIL];
        if head != NIL {
            z.links[head as usize][1] = idx;
        }
        area.head[mt] = idx;
        area.nr_free[mt] += 1;
        z.nonempty[mt] |= 1 << order;
        z.free_pages += 1 << order;
        self.tag(idx).store(TAG_FREE + order as u8, Relaxed);
    }

    /// Takes the free block at `idx` off its list in O(1) and clears its
    /// state (`del_page_from_free_list`).
    #[inline(always)]
    fn del_from_free_list(&self, z: &mut Zone, idx: u32, order: u32, mt: usize) {
        let [next, prev] = z.links[idx as usize];
        let area = &mut z.free_area[order as usize];
        if prev == NIL {
            area.head[mt] = next;
        } else {
            z.links[prev as usize][0] = next;
        }
        if next != NIL {
            z.links[next as usize][1] = prev;
        }
        area.nr_free[mt] -= 1;
        if area.nr_free[mt] == 0 {
            z.nonempty[mt] &= !(1 << order);
        }
        z.free_pages -= 1 << order;
        self.tag(idx).store(TAG_NONE, Relaxed);
    }

    /// Splits the block of `high` at `idx` down to `low`, putting the upper
    /// halves on the lists of `mt` (`expand`).
    #[inline(always)]
    fn expand(&self, z: &mut Zone, idx: u32, low: u32, mut high: u32, mt: usize) {
        while high > low {
            high -= 1;
            self.add_to_free_list(z, idx + (1 << high), high, mt);
        }
    }

    /// Takes a block of `order` from the smallest non-empty list of `mt`
    /// and splits it down (`__rmqueue_smallest`).  Returns its index, with
    /// the state cleared.
    #[inline(always)]
    fn rmqueue_smallest(&self, z: &mut Zone, order: u32, mt: usize) -> Option<u32> {
        let mut fits = z.nonempty[mt] >> order;
        if fits == 0 {
            if mt != MOVABLE || !self.take_deferred(z) {
                return None;
            }
            fits = z.nonempty[mt] >> order;
        }
        let current = order + fits.trailing_zeros();
        let idx = z.free_area[current as usize].head[mt];
        self.del_from_free_list(z, idx, current, mt);
        self.expand(z, idx, order, current, mt);
        Some(idx)
    }

    /// Puts the next deferred block on the movable list of
    /// `MAX_PAGE_ORDER`, if there is one and that list is empty: deferred
    /// blocks are that list's tail.  It has no free buddy: merging stops at
    /// `MAX_PAGE_ORDER`.
    #[cold]
    fn take_deferred(&self, z: &mut Zone) -> bool {
        if z.deferred >= z.deferred_end || z.free_area[MAX_PAGE_ORDER as usize].head[MOVABLE] != NIL {
            return false;
        }
        let idx = z.deferred as u32;
        z.deferred += 1 << MAX_PAGE_ORDER;
        z.free_pages -= 1 << MAX_PAGE_ORDER;
        self.add_to_free_list(z, idx, MAX_PAGE_ORDER, MOVABLE);
        true
    }

    /// A block of `order` for a request of type `mt` (`__rmqueue`): from
    /// the lists of `mt`, else by claiming a pageblock of another type,
    /// else by stealing a block from another type's list without its
    /// pageblock.  `mode` remembers which of these last succeeded, for the
    /// next page of the same batch.
    #[inline(always)]
    fn rmqueue(&self, z: &mut Zone, order: u32, mt: usize, mode: &mut RmqueueMode) -> Option<u32> {
        if *mode == RmqueueMode::Normal
            && let Some(idx) = self.rmqueue_smallest(z, order, mt)
        {
            return Some(idx);
        }
        self.rmqueue_fallback(z, order, mt, mode)
    }

    /// The two fallback modes of `__rmqueue`: `__rmqueue_claim`, then
    /// `__rmqueue_steal`.
    #[cold]
    #[inline(never)]
    fn rmqueue_fallback(&self, z: &mut Zone, order: u32, mt: usize, mode: &mut RmqueueMode) -> Option<u32> {
        if *mode <= RmqueueMode::Claim
            && let Some(idx) = self.rmqueue_claim(z, order, mt)
        {
            // The preferred lists were replenished.
            *mode = RmqueueMode::Normal;
            return Some(idx);
        }
        let idx = self.rmqueue_steal(z, order, mt)?;
        *mode = RmqueueMode::Steal;
        Some(idx)
    }

    /// `should_try_claim_block`: whether a fallback block of `order` is
    /// worth claiming its pageblock for a request of type `start`.  Large
    /// blocks always are; unmovable and reclaimable requests claim whatever
    /// they fall back to, as their pages would pollute the block for good;
    /// small movable requests only steal, which compaction undoes.
    fn should_try_claim_block(order: u32, start: usize) -> bool {
        order >= PAGEBLOCK_ORDER / 2 || start == RECLAIMABLE || start == UNMOVABLE
    }

    /// `find_suitable_fallback`: the first fallback type of `start` with a
    /// free block of `order`.
    fn find_suitable_fallback(z: &Zone, order: u32, start: usize, claimable: bool) -> Fallback {
        if claimable && !Self::should_try_claim_block(order, start) {
            return Fallback::TooLow;
        }
        let area = &z.free_area[order as usize];
        FALLBACKS[start].iter().find(|&&mt| area.head[mt] != NIL).map_or(Fallback::NoBlock, |&mt| Fallback::Found(mt))
    }

    /// `__rmqueue_claim`: the largest block on a fallback list whose
    /// pageblock the request can claim, from `MAX_PAGE_ORDER` down.  The
    /// machine has one zone, so `ALLOC_NOFRAGMENT` (which needs a lower
    /// zone to spill into) never raises the smallest order searched.
    fn rmqueue_claim(&self, z: &mut Zone, order: u32, start: usize) -> Option<u32> {
        // Deferred blocks are the tail of the movable list of the largest
        // order: claim them before anything smaller.
        self.take_deferred(z);
        for current in (order..=MAX_PAGE_ORDER).rev() {
            match Self::find_suitable_fallback(z, current, start, true) {
                Fallback::NoBlock => continue,
                Fallback::TooLow => break,
                Fallback::Found(block_type) => {
                    let idx = z.free_area[current as usize].head[block_type];
                    if let Some(idx) = self.try_to_claim_block(z, idx, current, order, start, block_type) {
                        return Some(idx);
                    }
                }
            }
        }
        None
    }

    /// `__rmqueue_steal`: the smallest block on a fallback list, split on
    /// that list; its pageblock keeps its type.
    fn rmqueue_steal(&self, z: &mut Zone, order: u32, start: usize) -> Option<u32> {
        for current in order..=MAX_PAGE_ORDER {
            if let Fallback::Found(block_type) = Self::find_suitable_fallback(z, current, start, false) {
                let idx = z.free_area[current as usize].head[block_type];
                self.del_from_free_list(z, idx, current, block_type);
                self.expand(z, idx, order, current, block_type);
                return Some(idx);
            }
        }
        None
    }

    /// `try_to_claim_block`: a block of `current` at `idx`, on the list of
    /// `block_type`, serves a request of `order` and type `start`.  A block
    /// of a pageblock or more becomes `start` whole.  A smaller one takes
    /// its pageblock when at least half of the pageblock is free or used
    /// alike (`free_pages + alike_pages >= pageblock_nr_pages / 2`): its free
    /// blocks move to the lists of `start` and the allocation comes from
    /// them.  Otherwise nothing changes and `None` is returned.  The kernel
    /// also boosts the watermark here (`boost_watermark`); this model does
    /// not.
    fn try_to_claim_block(
        &self,
        z: &mut Zone,
        idx: u32,
        current: u32,
        order: u32,
        start: usize,
        block_type: usize,
    ) -> Option<u32> {
        if current >= PAGEBLOCK_ORDER {
            self.del_from_free_list(z, idx, current, block_type);
            self.change_pageblock_range(idx, current, start);
            self.expand(z, idx, order, current, start);
            return Some(idx);
        }
        let (block, free_pages, movable_pages) = self.prep_move_freepages_block(idx)?;
        let alike_pages = if start == MOVABLE {
            movable_pages
        } else if block_type == MOVABLE {
            // Everything used and not movable is as unmovable as the
            // request, for all the block can tell.
            PAGEBLOCK_NR_PAGES - (free_pages + movable_pages)
        } else {
            0
        };
        if free_pages + alike_pages < PAGEBLOCK_NR_PAGES / 2 {
            return None;
        }
        self.move_freepages_block(z, block, block_type, start);
        self.set_pageblock_migratetype(block, start);
        self.rmqueue_smallest(z, order, start)
    }

    /// The first frame of `idx`'s pageblock, its free pages and its pages
    /// allocated as movable (`prep_move_freepages_block`); `None` when the
    /// pageblock is not wholly inside the range.
    fn prep_move_freepages_block(&self, idx: u32) -> Option<(u32, u64, u64)> {
        let start = (self.base + u64::from(idx)) & !(PAGEBLOCK_NR_PAGES - 1);
        let first = self.index(start)?;
        self.index(start + PAGEBLOCK_NR_PAGES - 1)?;
        let (mut free, mut movable) = (0, 0);
        let mut i = first;
        while i < first + PAGEBLOCK_NR_PAGES as u32 {
            let t = self.tag(i).load(Relaxed);
            let nr = match t {
                TAG_FREE..TAG_MOVABLE => {
                    let nr = 1 << (t - TAG_FREE);
                    free += nr;
                    nr
                }
                TAG_ALLOC.. => {
                    let nr = 1 << (t & TAG_ORDER);
                    if t & TAG_MOVABLE != 0 {
                        movable += nr;
                    }
                    nr
                }
                _ => 1,
            };
            i += nr as u32;
        }
        Some((first, free, movable))
    }

    /// Moves every free block of the pageblock starting at `first` from
    /// the lists of `old` to those of `new` (`__move_freepages_block`).
    fn move_freepages_block(&self, z: &mut Zone, first: u32, old: usize, new: usize) {
        let mut i = first;
        while i < first + PAGEBLOCK_NR_PAGES as u32 {
            let t = self.tag(i).load(Relaxed);
            if (TAG_FREE..TAG_MOVABLE).contains(&t) {
                let order = u32::from(t - TAG_FREE);
                self.del_from_free_list(z, i, order, old);
                self.add_to_free_list(z, i, order, new);
                i += 1 << order;
            } else {
                i += 1;
            }
        }
    }

    /// Whether blocks of this type may merge with a buddy of another type
    /// (`migratetype_is_mergeable`).
    fn migratetype_is_mergeable(mt: usize) -> bool {
        mt < ISOLATE
    }

    /// Frees the block at `idx` into the zone, on the lists of `mt`, merging
    /// it with its buddy as long as the buddy is a free block of the same
    /// order (`__free_one_page`).  A buddy of a pageblock or more in a
    /// pageblock of another mergeable type takes the block's type.  The
    /// block's state must already be cleared.
    #[inline(always)]
    fn free_one_page(&self, z: &mut Zone, idx: u32, mut order: u32, mt: usize) {
        let mut pfn = self.base + u64::from(idx);
        while order < MAX_PAGE_ORDER {
            let buddy_pfn = pfn ^ (1 << order);
            // A buddy outside the range is never free; one inside and free
            // with this order lies wholly inside, like every free block.
            let Some(buddy) = self.index(buddy_pfn) else {
                break;
            };
            if self.tag(buddy).load(Relaxed) != TAG_FREE + order as u8 {
                break;
            }
            let mut buddy_mt = mt;
            if order >= PAGEBLOCK_ORDER {
                buddy_mt = self.get_pageblock_migratetype(buddy);
                if buddy_mt != mt && (!Self::migratetype_is_mergeable(mt) || !Self::migratetype_is_mergeable(buddy_mt))
                {
                    break;
                }
            }
            self.del_from_free_list(z, buddy, order, buddy_mt);
            if buddy_mt != mt {
                self.set_pageblock_migratetype(buddy, mt);
            }
            pfn &= !(1 << order);
            order += 1;
        }
        self.add_to_free_list(z, (pfn - self.base) as u32, order, mt);
    }

    /// Frees a block into the zone one pageblock at a time, each on the
    /// lists of its own pageblock's type (`free_one_page` and
    /// `split_large_buddy`).
    #[inline(always)]
    fn free_one_page_split(&self, z: &mut Zone, idx: u32, order: u32) {
        let (step, nr) =
            if order > PAGEBLOCK_ORDER { (PAGEBLOCK_ORDER, 1 << (order - PAGEBLOCK_ORDER)) } else { (order, 1) };
        for i in 0..nr {
            let chunk = idx + (i << step);
            let mt = self.get_pageblock_migratetype(chunk);
            self.free_one_page(z, chunk, step, mt);
        }
    }

    /// Refills an empty per-CPU list of `mt` with up to `count` pages under
    /// one zone lock (`rmqueue_bulk`).
    #[inline(never)]
    fn rmqueue_bulk(&self, pcp: &mut PerCpuPages, mt: usize, count: usize) {
        mm_api::lockstat::lock_acquired("zone_lock", &self.zone);
        let mut z = self.zone.lock();
        let mut mode = RmqueueMode::Normal;
        let list = &mut pcp.lists[mt];
        let start = list.len();
        for _ in 0..count {
            let Some(idx) = self.rmqueue(&mut z, 0, mt, &mut mode) else {
                break;
            };
            self.tag(idx).store(TAG_PCP, Relaxed);
            list.push(idx);
        }
        // Pages come out in ascending order; the first is used first.
        list[start..].reverse();
        pcp.count += list.len() - start;
        self.check_below_high(&z);
    }

    /// Sets `ZONE_BELOW_HIGH` once the free lists hold no more than the
    /// high watermark (`get_page_from_freelist`, which checks before
    /// every allocation; only the zone's allocations lower the count).
    #[inline]
    fn check_below_high(&self, z: &Zone) {
        let high = self.wmark_high.load(Relaxed);
        if high > 0 && z.free_pages <= high && !self.below_high.load(Relaxed) {
            self.below_high.store(true, Relaxed);
        }
    }

    /// Gives `count` pages of a per-CPU list back to the zone under one
    /// zone lock (`free_pcppages_bulk`): the coldest of the list of
    /// `pindex` first, then of the next lists round robin.  Each goes to
    /// the lists of its pageblock's current type.
    /// Returns the free lists' page count after.
    #[inline(never)]
    fn free_pcppages_bulk(&self, pcp: &mut PerCpuPages, count: usize, mut pindex: usize) -> u64 {
        mm_api::lockstat::lock_acquired("zone_lock", &self.zone);
        let mut z = self.zone.lock();
        let mut count = count.min(pcp.count);
        while count > 0 {
            while pcp.lists[pindex].is_empty() {
                pindex = (pindex + 1) % MIGRATE_PCPTYPES;
            }
            let list = &mut pcp.lists[pindex];
            let n = count.min(list.len());
            for idx in list.drain(..n) {
                self.leave_pcp(idx, TAG_NONE);
                let mt = self.get_pageblock_migratetype(idx);
                self.free_one_page(&mut z, idx, 0, mt);
            }
            pcp.count -= n;
            count -= n;
            pindex = (pindex + 1) % MIGRATE_PCPTYPES;
        }
        z.free_pages
    }

    /// Gives every page of `pcp` back to the free lists (`drain_pages`).
    fn drain_pages(&self, pcp: &mut PerCpuPages) {
        let count = pcp.count;
        if count > 0 {
            self.free_pcppages_bulk(pcp, count, 0);
        }
    }

    /// An order-0 page of type `mt` from the current CPU's list
    /// (`rmqueue_pcplist`).
    #[inline]
    fn rmqueue_pcplist(&self, mt: usize) -> Option<u32> {
        let mut pcp = self.this_cpu();
        // An allocation halves the run of frees.
        pcp.free_count >>= 1;
        if pcp.lists[mt].is_empty() {
            let count = pcp.nr_pcp_alloc(self.below_high.load(Relaxed));
            self.rmqueue_bulk(&mut pcp, mt, count);
        }
        let idx = pcp.lists[mt].pop()?;
        pcp.count -= 1;
        self.leave_pcp(idx, alloc_tag(0, mt));
        Some(idx)
    }

    /// Moves a page taken off a per-CPU list to its next state, checking
    /// that it was there: a page two CPUs freed at the same instant (see
    /// the module documentation) sits on two lists, and is caught when it
    /// leaves the second.
    #[inline]
    fn leave_pcp(&self, idx: u32, next: u8) {
        let tag = self.tag(idx);
        if tag.load(Relaxed) != TAG_PCP {
            let pfn = Pfn(self.base + u64::from(idx));
            panic!("buddy: {pfn:?} on a per-CPU list is not free: two CPUs freed it at once");
        }
        tag.store(next, Relaxed);
    }

    /// A block of type `mt` straight from the free lists (`rmqueue_buddy`).
    #[inline(never)]
    fn rmqueue_buddy(&self, order: u32, mt: usize) -> Option<u32> {
        let mut z = self.zone.lock();
        let idx = self.rmqueue(&mut z, order, mt, &mut RmqueueMode::Normal)?;
        self.tag(idx).store(alloc_tag(order, mt), Relaxed);
        self.check_below_high(&z);
        Some(idx)
    }

    /// When the fast path fails: pages parked in per-CPU lists may complete
    /// a block (`__alloc_pages_slowpath` draining after direct reclaim).
    #[cold]
    fn alloc_pages_slowpath(&self, order: u32, mt: usize) -> Option<u32> {
        self.drain();
        self.rmqueue_buddy(order, mt)
    }

    /// Frees an order-0 page to the current CPU's list of its pageblock's
    /// type (`free_frozen_page_commit`).
    #[inline]
    fn free_pcp_page(&self, idx: u32) {
        let mut pcp = self.this_cpu();
        if let Err(found) = self.free_pcp_page_locked(&mut pcp, idx) {
            drop(pcp);
            self.bad_free(Pfn(self.base + u64::from(idx)), 0, Some(found));
        }
    }

    /// Puts order-0 page `idx` on `pcp`, the current CPU's list of its
    /// pageblock's type, and gives a batch back to the zone once the
    /// list holds more than `high`; a page of an isolated pageblock goes
    /// straight to the zone, one of a high-atomic one to the movable list.
    /// `Err` holds the state found for a page that is not allocated: the
    /// caller drops the list's lock and reports it.
    #[inline]
    fn free_pcp_page_locked(&self, pcp: &mut PerCpuPages, idx: u32) -> Result<(), u8> {
        let tag = self.tag(idx);
        let mut found = tag.load(Relaxed);
        if found & !TAG_MOVABLE == TAG_ALLOC {
            if cfg!(debug_assertions) {
                if let Err(now) = tag.compare_exchange(found, TAG_PCP, Relaxed, Relaxed) {
                    found = now;
                }
            } else {
                tag.store(TAG_PCP, Relaxed);
            }
        }
        if found & !TAG_MOVABLE != TAG_ALLOC {
            return Err(found);
        }
        let mut mt = self.get_pageblock_migratetype(idx);
        if mt >= MIGRATE_PCPTYPES {
            if mt == ISOLATE {
                self.tag(idx).store(TAG_NONE, Relaxed);
                self.free_one_page(&mut self.zone.lock(), idx, 0, ISOLATE);
                return Ok(());
            }
            mt = MOVABLE;
        }
        // A free halves the refills' growth.
        pcp.alloc_factor >>= 1;
        pcp.lists[mt].push(idx);
        pcp.count += 1;
        if pcp.free_count < pcp.batch << PCP_BATCH_SCALE_MAX {
            pcp.free_count += 1;
        }
        let high = pcp.nr_pcp_high(self.below_high.load(Relaxed), self.reclaim_active.load(Relaxed));
        if pcp.count >= high {
            let count = pcp.nr_pcp_free(high);
            let free = self.free_pcppages_bulk(pcp, count, mt);
            // Above the high watermark again: the lists may grow.
            if self.below_high.load(Relaxed) && free > self.wmark_high.load(Relaxed) {
                self.below_high.store(false, Relaxed);
            }
        }
        Ok(())
    }

    /// Frees a block above order 0 straight into the zone.  Such blocks
    /// change state only under the zone lock.
    #[inline(never)]
    fn free_zone_block(&self, idx: u32, order: u32) {
        let mut z = self.zone.lock();
        let found = self.tag(idx).load(Relaxed);
        if found & !TAG_MOVABLE != TAG_ALLOC + order as u8 {
            drop(z);
            self.bad_free(Pfn(self.base + u64::from(idx)), order, Some(found));
        }
        self.tag(idx).store(TAG_NONE, Relaxed);
        self.free_one_page_split(&mut z, idx, order);
    }

    /// Panics for a free that does not match an allocation.
    #[cold]
    #[inline(never)]
    fn bad_free(&self, pfn: Pfn, order: u32, found: Option<u8>) -> ! {
        let what = match found {
            None if order > MAX_PAGE_ORDER => format!("order above {MAX_PAGE_ORDER}"),
            None => {
                let end = self.base + self.nr_pages;
                format!("block outside the managed range [{:#x}, {end:#x})", self.base)
            }
            Some(TAG_PCP) => "double free: the page is already in a per-CPU list".to_string(),
            Some(t @ TAG_ALLOC..) => {
                format!("order mismatch: the block was allocated with order {}", t & TAG_ORDER)
            }
            Some(t @ TAG_FREE..TAG_MOVABLE) => {
                format!("double free: the block is already free with order {}", t - TAG_FREE)
            }
            Some(_) => "not an allocated block (a double free of a block that has merged since, \
                        or a pfn inside a block)"
                .to_string(),
        };
        panic!("buddy: free_pages({pfn:?}, order {order}): {what}");
    }

    /// Free blocks per type and order on the free lists, with the deferred
    /// blocks as movable blocks of `MAX_PAGE_ORDER`.
    fn free_lists(&self) -> [FreeAreas; MIGRATE_TYPES] {
        let z = self.zone.lock();
        let mut free = [[0; NR_ORDERS]; MIGRATE_TYPES];
        for (order, area) in z.free_area.iter().enumerate() {
            for (per_type, n) in free.iter_mut().zip(area.nr_free) {
                per_type[order] = n;
            }
        }
        free[MOVABLE][MAX_PAGE_ORDER as usize] += (z.deferred_end - z.deferred) >> MAX_PAGE_ORDER;
        free
    }
}

/// The state of a block of `order` just allocated for type `mt`.
#[inline(always)]
fn alloc_tag(order: u32, mt: usize) -> u8 {
    TAG_ALLOC + order as u8 + if mt == MOVABLE { TAG_MOVABLE } else { 0 }
}

impl PageAllocator for BuddyAllocator {
    fn alloc_pages(&self, gfp: Gfp, order: u32) -> Option<Pfn> {
        let mt = gfp.migratetype() as usize;
        let idx = match order {
            0 => self.rmqueue_pcplist(mt),
            1..=MAX_PAGE_ORDER => self.rmqueue_buddy(order, mt),
            _ => return None,
        };
        let idx = match idx {
            Some(idx) => idx,
            None => self.alloc_pages_slowpath(order, mt)?,
        };
        Some(Pfn(self.base + u64::from(idx)))
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        let Some(idx) = self.free_index(pfn, order) else {
            self.bad_free(pfn, order, None);
        };
        if order == 0 {
            self.free_pcp_page(idx);
        } else {
            self.free_zone_block(idx, order);
        }
    }

    /// `zone_set_pageset_high_and_batch`: each CPU's list keeps between
    /// its share of the low watermark and its share of an eighth of the
    /// zone, tuned by what it sees.
    fn set_watermarks(&self, low: u64, high: u64) {
        self.wmark_high.store(high, Relaxed);
        if self.fixed_high {
            return;
        }
        let n = self.pcp.len();
        for pcp in &self.pcp {
            let mut p = pcp.0.lock();
            let batch = p.batch;
            p.high_min = zone_highsize(low, n, batch);
            p.high_max = zone_highsize(self.nr_pages / MIN_PERCPU_PAGELIST_HIGH_FRACTION, n, batch).max(p.high_min);
            p.high = p.high.clamp(p.high_min, p.high_max);
        }
    }

    fn set_reclaim_active(&self, active: bool) {
        self.reclaim_active.store(active, Relaxed);
    }

    /// `decay_pcp_high` on every CPU's list: a `high` raised above
    /// `high_min` loses an eighth (never leaving more than a scaled batch
    /// of pages above it), and the pages above it go back to the zone.
    fn decay_pcp_high(&self) -> bool {
        let mut todo = false;
        for pcp in &self.pcp {
            let mut p = pcp.0.lock();
            if p.high > p.high_min {
                let keep = p.count.saturating_sub(p.batch << PCP_BATCH_SCALE_MAX);
                p.high = keep.max(p.high - (p.high >> 3)).max(p.high_min);
                todo |= p.high > p.high_min;
            }
            if p.count > p.high {
                let to_drain = p.count - p.high;
                self.free_pcppages_bulk(&mut p, to_drain, 0);
                todo = true;
            }
        }
        todo
    }

    fn free_pages_bulk(&self, pfns: &[Pfn]) {
        let mut pcp = self.this_cpu();
        for &pfn in pfns {
            let Some(idx) = self.free_index(pfn, 0) else {
                drop(pcp);
                self.bad_free(pfn, 0, None);
            };
            if let Err(found) = self.free_pcp_page_locked(&mut pcp, idx) {
                drop(pcp);
                self.bad_free(pfn, 0, Some(found));
            }
        }
    }

    fn split_page(&self, pfn: Pfn, order: u32) -> bool {
        let idx = (pfn.0 - self.base) as u32;
        let head = self.tag(idx).load(Relaxed);
        debug_assert_eq!(head & !TAG_MOVABLE, TAG_ALLOC + order as u8, "split_page of a block not allocated");
        for i in 0..1u32 << order {
            self.tag(idx + i).store(TAG_ALLOC | (head & TAG_MOVABLE), Relaxed);
        }
        true
    }

    fn can_split_page(&self) -> bool {
        true
    }

    fn nr_free_pages(&self) -> u64 {
        let cached: usize = self.pcp.iter().map(|p| p.0.lock().count).sum();
        self.zone.lock().free_pages + cached as u64
    }

    fn free_areas(&self) -> FreeAreas {
        let cached: usize = self.pcp.iter().map(|p| p.0.lock().count).sum();
        let mut areas = [0; NR_ORDERS];
        for per_type in self.free_lists() {
            for (total, n) in areas.iter_mut().zip(per_type) {
                *total += n;
            }
        }
        areas[0] += cached as u64;
        areas
    }

    /// Gives every CPU's cached pages back to the free lists
    /// (`drain_all_pages`), where they merge.
    fn drain(&self) {
        for pcp in &self.pcp {
            self.drain_pages(&mut pcp.0.lock());
        }
    }

    /// Gives the current CPU's cached pages back to the free lists
    /// (`drain_local_pages`).
    fn drain_local(&self) {
        self.drain_pages(&mut self.this_cpu());
    }

    /// The free lists alone: pages in per-CPU caches are in none, as in
    /// `/proc/pagetypeinfo`.
    fn pagetypeinfo(&self) -> Option<PageTypeInfo> {
        let free = self.free_lists();
        let mut blocks = [0; MIGRATE_TYPES];
        for pb in &self.pageblocks {
            blocks[usize::from(pb.load(Relaxed))] += 1;
        }
        Some(PageTypeInfo { free, blocks })
    }

    fn pageblock_migratetype(&self, pfn: Pfn) -> Option<MigrateType> {
        let idx = self.index(pfn.0)?;
        MigrateType::from_index(self.get_pageblock_migratetype(idx))
    }

    fn free_block_order(&self, pfn: Pfn) -> Option<u32> {
        let idx = self.index(pfn.0)?;
        let t = self.tag(idx).load(Relaxed);
        if (TAG_FREE..TAG_MOVABLE).contains(&t) {
            return Some(u32::from(t - TAG_FREE));
        }
        // A deferred block is free as a whole.
        let z = self.zone.lock();
        let deferred = (z.deferred..z.deferred_end).contains(&u64::from(idx));
        (deferred && pfn.0.is_multiple_of(1 << MAX_PAGE_ORDER)).then_some(MAX_PAGE_ORDER)
    }

    /// Free blocks on the lists only: a deferred block is never isolated
    /// (compaction takes no block of a pageblock or more anyway).  A block
    /// of half a pageblock or more makes its pageblocks movable, their free
    /// blocks moving along, as `__isolate_free_page` does.
    fn isolate_free_page(&self, pfn: Pfn) -> Option<u32> {
        let idx = self.index(pfn.0)?;
        let mut z = self.zone.lock();
        let t = self.tag(idx).load(Relaxed);
        if !(TAG_FREE..TAG_MOVABLE).contains(&t) {
            return None;
        }
        let order = u32::from(t - TAG_FREE);
        let mt = self.get_pageblock_migratetype(idx);
        self.del_from_free_list(&mut z, idx, order, mt);
        if order + 1 >= PAGEBLOCK_ORDER {
            for i in 0..1u32 << order.saturating_sub(PAGEBLOCK_ORDER) {
                // Only pageblocks wholly inside the range change type.
                let Some((block, _, _)) = self.prep_move_freepages_block(idx + (i << PAGEBLOCK_ORDER)) else {
                    continue;
                };
                let block_mt = self.get_pageblock_migratetype(block);
                if Self::migratetype_is_mergeable(block_mt) && block_mt != MOVABLE {
                    self.move_freepages_block(&mut z, block, block_mt, MOVABLE);
                    self.set_pageblock_migratetype(block, MOVABLE);
                }
            }
        }
        self.tag(idx).store(alloc_tag(order, MOVABLE), Relaxed);
        Some(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_api::smp::run_on_cpu;

    fn cfg(base: u64, nr_pages: u64, nr_cpus: usize) -> AllocatorConfig {
        AllocatorConfig { base: Pfn(base), nr_pages, nr_cpus }
    }

    fn areas(pairs: &[(usize, u64)]) -> FreeAreas {
        let mut a = [0; NR_ORDERS];
        for &(order, n) in pairs {
            a[order] = n;
        }
        a
    }

    fn pcp_count(b: &BuddyAllocator, cpu: usize) -> usize {
        b.pcp[cpu].0.lock().count
    }

    /// Walks every free list and checks links, states, counters, and that
    /// each free block is on the list of its pageblock's type.
    fn check_free_lists(b: &BuddyAllocator) {
        let z = b.zone.lock();
        let mut total = 0;
        for order in 0..NR_ORDERS {
            for mt in 0..MIGRATE_TYPES {
                let mut prev = NIL;
                let mut idx = z.free_area[order].head[mt];
                let mut n = 0;
                while idx != NIL {
                    assert_eq!(z.links[idx as usize][1], prev, "prev link of {idx}");
                    assert_eq!(b.tag(idx).load(Relaxed), TAG_FREE + order as u8);
                    assert_eq!((b.base + u64::from(idx)) % (1 << order), 0, "block {idx} misaligned");
                    assert_eq!(b.get_pageblock_migratetype(idx), mt, "block {idx} of order {order} on the wrong list");
                    n += 1;
                    prev = idx;
                    idx = z.links[idx as usize][0];
                }
                assert_eq!(n, z.free_area[order].nr_free[mt], "order {order} type {mt} count");
                assert_eq!(z.nonempty[mt] & (1 << order) != 0, n != 0, "order {order} type {mt} nonempty bit");
                total += n << order;
            }
        }
        assert_eq!(total + z.deferred_end - z.deferred, z.free_pages);
        let cached: usize = b.pcp.iter().map(|p| p.0.lock().lists.iter().map(Vec::len).sum::<usize>()).sum();
        let counted: usize = b.pcp.iter().map(|p| p.0.lock().count).sum();
        assert_eq!(cached, counted, "pcp->count");
    }

    #[test]
    fn batch_follows_zone_batchsize() {
        assert_eq!(zone_batchsize(262_144), 63, "1 GiB");
        assert_eq!(zone_batchsize(16 << 20), 63, "64 GiB is capped");
        assert_eq!(zone_batchsize(65_536), 15, "256 MiB");
        assert_eq!(zone_batchsize(100), 1);
        assert_eq!(zone_batchsize(0), 1);
    }

    #[test]
    fn unaligned_range_starts_as_maximal_blocks() {
        // [3, 2051): 3, 4..8, 8..16, ..., 512..1024, 1024..2048, 2048..2051.
        let b = BuddyAllocator::new(&cfg(3, 2048, 1));
        assert_eq!(
            b.free_areas(),
            areas(&[(0, 2), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1)])
        );
        assert_eq!(b.nr_free_pages(), 2048);
        check_free_lists(&b);
        // The lowest block heads each list: allocation starts at the bottom.
        assert_eq!(b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 2), Some(Pfn(4)));
        assert_eq!(b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 10), Some(Pfn(1024)));
        assert_eq!(b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 10), None);
    }

    #[test]
    fn split_then_merge_back() {
        let b = BuddyAllocator::new(&cfg(0, 1024, 1));
        let p = b.alloc_pages(Gfp::KERNEL, 2).unwrap();
        assert_eq!(p, Pfn(0));
        // 1024 = 4 + 4 + 8 + ... + 512: one block of each order from 2 to 9.
        assert_eq!(b.free_areas(), areas(&[(2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1)]));
        check_free_lists(&b);
        b.free_pages(p, 2);
        assert_eq!(b.free_areas(), areas(&[(10, 1)]));
        check_free_lists(&b);
    }

    #[test]
    fn merging_unlinks_a_buddy_from_the_middle_of_its_list() {
        let b = BuddyAllocator::new(&cfg(0, 64, 1));
        let blocks: Vec<Pfn> = (0..16).map(|_| b.alloc_pages(Gfp::KERNEL, 2).unwrap()).collect();
        // Free every other block: eight order-2 blocks on one list.
        for p in blocks.iter().step_by(2) {
            b.free_pages(*p, 2);
        }
        assert_eq!(b.free_areas(), areas(&[(2, 8)]));
        // Freeing block 9 merges it with block 8, from the middle of the list.
        b.free_pages(blocks[9], 2);
        assert_eq!(b.free_areas(), areas(&[(2, 7), (3, 1)]));
        check_free_lists(&b);
        for p in blocks.iter().skip(1).step_by(2).filter(|p| **p != blocks[9]) {
            b.free_pages(*p, 2);
        }
        assert_eq!(b.free_areas(), areas(&[(6, 1)]));
        check_free_lists(&b);
    }

    #[test]
    fn order0_goes_through_the_per_cpu_list() {
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 4096, 2), 8, 16);
        let _cpu = run_on_cpu(1);
        let first = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert_eq!(first, Pfn(0));
        assert_eq!(pcp_count(&b, 1), 7, "a refill takes one batch");
        assert_eq!(pcp_count(&b, 0), 0);
        let mut held = vec![first];
        held.extend((0..7).map(|_| b.alloc_pages(Gfp::KERNEL, 0).unwrap()));
        assert_eq!(held, (0..8).map(Pfn).collect::<Vec<_>>(), "a batch is handed out in order");
        assert_eq!(b.nr_free_pages(), 4096 - 8);

        // A free is cached, and the last freed page is the next handed out.
        b.free_pages(Pfn(5), 0);
        assert_eq!(pcp_count(&b, 1), 1);
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 0), Some(Pfn(5)));

        // At `high` (16), a batch of the coldest pages goes back and
        // merges: 24 frees reach it twice.  A run of frees longer than
        // `high` allows still gives back no more than `high - batch`.
        held.extend((0..16).map(|_| b.alloc_pages(Gfp::KERNEL, 0).unwrap()));
        for &p in &held {
            b.free_pages(p, 0);
        }
        assert_eq!(pcp_count(&b, 1), held.len() - 2 * 8, "two batches given back");
        assert_eq!(b.nr_free_pages(), 4096);
        check_free_lists(&b);
        b.drain();
        assert_eq!(pcp_count(&b, 1), 0);
        assert_eq!(b.free_areas(), areas(&[(10, 4)]));
    }

    /// `(high, high_min, high_max, count)` of `cpu`'s list.
    fn pcp_limits(b: &BuddyAllocator, cpu: usize) -> (usize, usize, usize, usize) {
        let p = b.pcp[cpu].0.lock();
        (p.high, p.high_min, p.high_max, p.count)
    }

    /// Allocates `n` order-0 pages one by one, then frees them all.
    fn burst(b: &BuddyAllocator, n: usize) {
        let held: Vec<Pfn> = (0..n).map(|_| b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap()).collect();
        for p in held {
            b.free_pages(p, 0);
        }
    }

    /// A 256 MiB zone (batch 15) with a low watermark of 1024 pages: each
    /// CPU's list keeps between 1024 pages (its share of the low
    /// watermark) and 8192 (its share of an eighth of the zone).
    fn tuned(nr_cpus: usize, wmark_high: u64) -> BuddyAllocator {
        let b = BuddyAllocator::new(&cfg(0, 65_536, nr_cpus));
        b.set_watermarks(1024 * nr_cpus as u64, wmark_high);
        b
    }

    #[test]
    fn pcp_high_grows_with_a_burst_and_decays_back() {
        let b = tuned(1, 1280);
        let _cpu = run_on_cpu(0);
        assert_eq!(pcp_limits(&b, 0), (1024, 1024, 8192, 0));
        // A refill with no free since the last takes twice as many pages,
        // up to `batch << 5`, and raises `high` by what it takes.
        let first = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap();
        assert_eq!(pcp_limits(&b, 0).3, 14, "the first refill takes one batch");
        b.free_pages(first, 0);
        burst(&b, 6000);
        let (high, _, _, count) = pcp_limits(&b, 0);
        assert!(high > 4096, "refills raised high: {high}");
        assert!(count > 1024 && count <= high, "the frees stay cached up to high: {count} of {high}");
        assert_eq!(b.nr_free_pages(), 65_536);

        // Each second, the vmstat worker takes an eighth off high (never
        // more than `batch << 5` pages off the list) down to high_min.
        let mut runs = 0;
        loop {
            let (high, ..) = pcp_limits(&b, 0);
            let before = pcp_count(&b, 0);
            let more = b.decay_pcp_high();
            runs += 1;
            let (new_high, _, _, count) = pcp_limits(&b, 0);
            assert!(new_high >= high - high / 8 || new_high == 1024, "{high} -> {new_high}");
            assert!(before - count <= 15 << PCP_BATCH_SCALE_MAX, "{before} -> {count}");
            assert!(count <= new_high);
            if !more {
                break;
            }
            assert!(runs < 100, "decay does not end");
        }
        assert_eq!(pcp_limits(&b, 0), (1024, 1024, 8192, 1024), "back at the floor");
        assert!(runs > 5, "{runs} runs: a step at a time");
        assert!(!b.decay_pcp_high(), "nothing left to do");
        assert_eq!(b.nr_free_pages(), 65_536);
        check_free_lists(&b);
    }

    #[test]
    fn pcp_lists_stay_small_below_the_high_watermark_or_under_reclaim() {
        // Every page counts as below a high watermark of the whole zone:
        // refills do not raise high, and frees give back down to the floor.
        let b = tuned(1, 65_536);
        let _cpu = run_on_cpu(0);
        burst(&b, 6000);
        let (high, high_min, _, count) = pcp_limits(&b, 0);
        assert_eq!(high, high_min, "high does not grow");
        assert!(count <= high_min, "{count}");

        // With kswapd at work, a free gives back above four batches.
        let b = tuned(1, 1280);
        b.set_reclaim_active(true);
        burst(&b, 6000);
        assert!(pcp_count(&b, 0) <= 4 * 15, "{}", pcp_count(&b, 0));
        b.set_reclaim_active(false);
        check_free_lists(&b);
    }

    /// With `percpu_pagelist_high_fraction` set (`with_pcp_limits`), high
    /// stays where it was put: no growth, nothing to decay.
    #[test]
    fn fixed_pcp_limits_are_not_tuned() {
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 65_536, 1), 15, 90);
        b.set_watermarks(1024, 1280);
        let _cpu = run_on_cpu(0);
        burst(&b, 6000);
        assert_eq!(pcp_limits(&b, 0).0, 90);
        assert!(pcp_count(&b, 0) < 90);
        assert!(!b.decay_pcp_high());
    }

    #[test]
    fn cached_pages_count_as_free_and_are_drained_on_demand() {
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 1024, 2), 4, 64);
        let pages: Vec<Pfn> = (0..1024)
            .map(|i| {
                let _cpu = run_on_cpu(i % 2);
                b.alloc_pages(Gfp::KERNEL, 0).unwrap()
            })
            .collect();
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 0), None);
        assert_eq!(b.nr_free_pages(), 0);
        for (i, p) in pages.into_iter().enumerate() {
            let _cpu = run_on_cpu(i % 2);
            b.free_pages(p, 0);
        }
        assert_eq!(b.nr_free_pages(), 1024);
        assert_eq!(b.free_areas().iter().enumerate().map(|(o, n)| n << o).sum::<u64>(), 1024);
        assert!(pcp_count(&b, 0) > 0 && pcp_count(&b, 1) > 0);
        // The zone alone has no order-10 block; the slow path drains.
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 10), Some(Pfn(0)));
        assert_eq!(pcp_count(&b, 0) + pcp_count(&b, 1), 0);
    }

    #[test]
    fn cpu_numbers_wrap_around_the_configured_cpus() {
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 64, 2), 4, 8);
        let _cpu = run_on_cpu(5);
        b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert_eq!(pcp_count(&b, 1), 3);
    }

    #[test]
    #[should_panic(expected = "double free: the page is already in a per-CPU list")]
    fn double_free_to_the_per_cpu_list_panics() {
        let b = BuddyAllocator::new(&cfg(0, 64, 1));
        let p = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        b.free_pages(p, 0);
        b.free_pages(p, 0);
    }

    #[cfg(debug_assertions)]
    #[test]
    fn two_cpus_freeing_a_page_at_once_are_caught() {
        let b = BuddyAllocator::new(&cfg(0, 64, 2));
        let p = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        let start = std::sync::Barrier::new(2);
        let panicked = std::thread::scope(|s| {
            let frees: Vec<_> = (0..2)
                .map(|cpu| {
                    let (b, start) = (&b, &start);
                    s.spawn(move || {
                        let _cpu = run_on_cpu(cpu);
                        start.wait();
                        b.free_pages(p, 0);
                    })
                })
                .collect();
            frees.into_iter().map(|f| f.join()).filter(Result::is_err).count()
        });
        assert_eq!(panicked, 1);
        assert_eq!(pcp_count(&b, 0) + pcp_count(&b, 1), 1, "the page is cached once");
    }

    #[test]
    #[should_panic(expected = "two CPUs freed it at once")]
    fn a_page_on_two_per_cpu_lists_is_caught_when_it_leaves() {
        let b = BuddyAllocator::new(&cfg(0, 64, 2));
        let p = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap();
        b.free_pages(p, 0);
        // What a free racing with this one could have left in release.
        let mut other = b.pcp[1].0.lock();
        other.lists[MOVABLE].push(p.0 as u32);
        other.count += 1;
        drop(other);
        assert_eq!(b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0), Some(p));
        let _cpu = run_on_cpu(1);
        b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0);
    }

    #[test]
    #[should_panic(expected = "double free: the block is already free with order 3")]
    fn double_free_of_a_block_panics() {
        let b = BuddyAllocator::new(&cfg(0, 16, 1));
        let p = b.alloc_pages(Gfp::KERNEL, 3).unwrap();
        let _q = b.alloc_pages(Gfp::KERNEL, 3).unwrap();
        b.free_pages(p, 3);
        b.free_pages(p, 3);
    }

    #[test]
    #[should_panic(expected = "not an allocated block")]
    fn double_free_after_merging_panics() {
        let b = BuddyAllocator::new(&cfg(0, 16, 1));
        let p = b.alloc_pages(Gfp::KERNEL, 3).unwrap();
        let q = b.alloc_pages(Gfp::KERNEL, 3).unwrap();
        b.free_pages(p, 3);
        b.free_pages(q, 3);
        b.free_pages(q, 3);
    }

    #[test]
    #[should_panic(expected = "order mismatch: the block was allocated with order 2")]
    fn wrong_order_panics() {
        let b = BuddyAllocator::new(&cfg(0, 16, 1));
        let p = b.alloc_pages(Gfp::KERNEL, 2).unwrap();
        b.free_pages(p, 1);
    }

    #[test]
    #[should_panic(expected = "outside the managed range [0x10, 0x20)")]
    fn free_outside_the_range_panics() {
        let b = BuddyAllocator::new(&cfg(16, 16, 1));
        b.free_pages(Pfn(15), 0);
    }

    #[test]
    #[should_panic(expected = "outside the managed range")]
    fn free_running_past_the_range_panics() {
        let b = BuddyAllocator::new(&cfg(0, 12, 1));
        b.free_pages(Pfn(8), 3);
    }

    #[test]
    fn an_empty_range_has_nothing() {
        let b = BuddyAllocator::new(&cfg(7, 0, 1));
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 0), None);
        assert_eq!(b.nr_free_pages(), 0);
        assert_eq!(b.free_areas(), [0; NR_ORDERS]);
    }

    /// Resident set size of this process.
    #[cfg(target_os = "linux")]
    fn rss_bytes() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 4096
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn metadata_for_many_gib_costs_only_what_is_touched() {
        // 64 GiB: 144 MiB of metadata if it were all touched.
        let before = rss_bytes();
        let b = BuddyAllocator::new(&cfg(0, 16 << 20, 4));
        let p = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        b.free_pages(p, 0);
        let grown = rss_bytes().saturating_sub(before);
        assert!(grown < 8 << 20, "64 GiB of frames cost {} MiB of host memory", grown >> 20);
        assert_eq!(b.nr_free_pages(), 16 << 20);
    }

    /// Free blocks of type `mt` per order, from the allocator's view.
    fn typed(b: &BuddyAllocator, mt: MigrateType) -> FreeAreas {
        b.pagetypeinfo().unwrap().free[mt as usize]
    }

    fn blocks(b: &BuddyAllocator) -> [u64; MIGRATE_TYPES] {
        b.pagetypeinfo().unwrap().blocks
    }

    #[test]
    fn pageblocks_start_movable_and_an_unmovable_request_claims_a_whole_block() {
        // 8 MiB: four pageblocks, two order-10 blocks, all deferred.
        let b = BuddyAllocator::new(&cfg(0, 2048, 1));
        assert_eq!(blocks(&b), [0, 4, 0, 0, 0]);
        assert_eq!(typed(&b, MigrateType::Movable), areas(&[(10, 2)]));
        // A page-table page: no unmovable block is free, so the largest
        // movable block is claimed whole (`try_to_claim_block` at an
        // order of a pageblock or more) and split on the unmovable lists.
        let pt = b.alloc_pages(Gfp::PGTABLE_USER, 1).unwrap();
        assert_eq!(pt, Pfn(0));
        assert_eq!(blocks(&b), [2, 2, 0, 0, 0]);
        assert_eq!(
            typed(&b, MigrateType::Unmovable),
            areas(&[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1)])
        );
        assert_eq!(typed(&b, MigrateType::Movable), areas(&[(10, 1)]));
        // User pages come from the movable block, not the unmovable one.
        let user = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 3).unwrap();
        assert_eq!(user, Pfn(1024));
        assert_eq!(b.pageblock_migratetype(user), Some(MigrateType::Movable));
        assert_eq!(b.pageblock_migratetype(Pfn(600)), Some(MigrateType::Unmovable));
        check_free_lists(&b);
        b.free_pages(pt, 1);
        b.free_pages(user, 3);
        check_free_lists(&b);
        // The unmovable pageblocks merge back whole and keep their type.
        assert_eq!(typed(&b, MigrateType::Unmovable), areas(&[(10, 1)]));
        assert_eq!(typed(&b, MigrateType::Movable), areas(&[(10, 1)]));
        assert_eq!(blocks(&b), [2, 2, 0, 0, 0]);
    }

    #[test]
    fn a_small_fallback_steals_or_claims_by_what_its_pageblock_holds() {
        // One movable request of each page fills four pageblocks; then
        // every other page of the first pageblock is freed: 256 free
        // movable pages in it, the rest full.
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 2048, 1), 1, 1);
        let pages: Vec<Pfn> = (0..2048).map(|_| b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap()).collect();
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 0), None);
        for p in pages.iter().filter(|p| p.0 < 512 && p.0 % 2 == 0) {
            b.free_pages(*p, 0);
        }
        b.drain();
        assert_eq!(typed(&b, MigrateType::Movable)[0], 256);
        // An unmovable page: the pageblock's used pages are all movable,
        // so only the free half is alike: 256 >= 512 / 2, the block is
        // claimed and its free pages move to the unmovable list.
        let k = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert!(k.0 < 512);
        assert_eq!(b.pageblock_migratetype(k), Some(MigrateType::Unmovable));
        assert_eq!(typed(&b, MigrateType::Unmovable)[0], 255);
        assert_eq!(typed(&b, MigrateType::Movable)[0], 0);
        check_free_lists(&b);

        // Free every other page of the second pageblock but one short of
        // half: an unmovable request now finds its own list first...
        for p in pages.iter().filter(|p| (512..1024).contains(&p.0) && p.0 % 2 == 0).skip(1) {
            b.free_pages(*p, 0);
        }
        b.drain();
        let before = typed(&b, MigrateType::Unmovable)[0];
        let k2 = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert!(k2.0 < 512, "an unmovable page from the unmovable pageblock");
        assert_eq!(typed(&b, MigrateType::Unmovable)[0], before - 1);
        // ... and a movable request, whose own lists hold 255 pages, takes
        // one of them.
        let m = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap();
        assert!((512..1024).contains(&m.0));
        check_free_lists(&b);
    }

    #[test]
    fn a_movable_request_steals_without_taking_the_pageblock() {
        // The whole zone unmovable, then half of one pageblock freed as
        // scattered pages: a movable page steals one, its pageblock stays
        // unmovable (a small movable request never claims).
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 1024, 1), 1, 1);
        let pages: Vec<Pfn> = (0..1024).map(|_| b.alloc_pages(Gfp::KERNEL, 0).unwrap()).collect();
        assert_eq!(blocks(&b), [2, 0, 0, 0, 0]);
        for p in pages.iter().filter(|p| p.0 % 2 == 1) {
            b.free_pages(*p, 0);
        }
        b.drain();
        let m = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).unwrap();
        assert_eq!(b.pageblock_migratetype(m), Some(MigrateType::Unmovable));
        assert_eq!(blocks(&b), [2, 0, 0, 0, 0]);
        assert_eq!(typed(&b, MigrateType::Unmovable)[0], 511);
        check_free_lists(&b);
        // An order-4 movable request may claim (half a pageblock's order):
        // no order-4 block is free, so it steals nothing and fails.
        assert_eq!(b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 4), None);
    }

    #[test]
    fn freeing_across_pageblocks_of_two_types_merges_into_one_type() {
        let b = BuddyAllocator::new(&cfg(0, 1024, 1));
        let whole = b.alloc_pages(Gfp::HIGHUSER_MOVABLE, 10).unwrap();
        // Mark the upper pageblock unmovable while the block is in use.
        b.set_pageblock_migratetype(512, UNMOVABLE);
        b.free_pages(whole, 10);
        // Each half is freed with its own pageblock's type; the second
        // (unmovable) merges with the first and gives it its type.
        assert_eq!(typed(&b, MigrateType::Unmovable), areas(&[(10, 1)]));
        assert_eq!(blocks(&b), [2, 0, 0, 0, 0]);
        check_free_lists(&b);
    }

    #[test]
    fn isolating_free_pages_for_compaction() {
        let b = BuddyAllocator::with_pcp_limits(&cfg(0, 1024, 1), 1, 1);
        let p = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        assert_eq!(p, Pfn(0));
        assert_eq!(b.free_block_order(Pfn(1)), Some(0));
        assert_eq!(b.free_block_order(Pfn(512)), Some(9));
        assert_eq!(b.free_block_order(Pfn(0)), None);
        assert_eq!(b.free_block_order(Pfn(3)), None, "inside the order-1 block at 2");
        assert_eq!(b.isolate_free_page(Pfn(3)), None);
        assert_eq!(b.isolate_free_page(Pfn(2)), Some(1));
        assert_eq!(b.nr_free_pages(), 1024 - 3);
        assert!(b.split_page(Pfn(2), 1));
        b.free_pages(Pfn(3), 0);
        // Half a pageblock or more turns its pageblock movable, and the
        // pageblock's other free blocks move to the movable lists.
        assert_eq!(b.pageblock_migratetype(Pfn(256)), Some(MigrateType::Unmovable));
        assert_eq!(b.isolate_free_page(Pfn(256)), Some(8));
        assert_eq!(b.pageblock_migratetype(Pfn(256)), Some(MigrateType::Movable));
        assert_eq!(typed(&b, MigrateType::Unmovable)[9], 1, "the other pageblock");
        check_free_lists(&b);
        b.free_pages(Pfn(256), 8);
        b.free_pages(Pfn(2), 0);
        b.free_pages(p, 0);
        b.drain();
        assert_eq!(b.free_areas(), areas(&[(10, 1)]));
        check_free_lists(&b);
    }

    #[test]
    fn a_deferred_block_reads_as_free() {
        let b = BuddyAllocator::new(&cfg(0, 4096, 1));
        assert_eq!(b.free_block_order(Pfn(2048)), Some(10));
        assert_eq!(b.free_block_order(Pfn(2049)), None);
        assert_eq!(b.isolate_free_page(Pfn(2048)), None);
    }
}
