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
//! The free lists sit under one zone lock.  Order-0 pages, by far the most
//! common request, go through a per-CPU list with a lock of its own instead
//! (`struct per_cpu_pages`): an allocation pops from the current CPU's list and
//! refills `batch` pages under the zone lock when it runs dry
//! (`rmqueue_bulk`); a free pushes onto it and gives `batch` of the coldest
//! pages back when it holds more than `high` (`free_pcppages_bulk`).  Pages
//! in those lists count as free but stay unmerged until they are drained.
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

use linkme::distributed_slice;
use mm_api::alloc::{
    AllocatorConfig, FreeAreas, Gfp, MM_PAGE_ALLOCATORS, PageAllocator, PageAllocatorDesc, aligned_blocks,
};
use mm_api::phys::AnonMap;
use mm_api::smp::this_cpu_index;
use mm_api::spinlock::{SpinLock, SpinLockGuard};
use mm_api::types::{MAX_PAGE_ORDER, Pfn};
use std::fmt;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering::Relaxed;

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

// Frame states in `tags`.  Only the first frame of a block has a state;
// every other frame is `TAG_NONE`.

/// Not the head of a free or allocated block (the zeroed start).
const TAG_NONE: u8 = 0;
/// Plus the order: head of a block on `free_area[order]` (`PageBuddy`).
const TAG_FREE: u8 = 0x01;
/// In a per-CPU list: free, but not on a free list.
const TAG_PCP: u8 = 0x20;
/// Plus the order: head of a block handed out by `alloc_pages`.
const TAG_ALLOC: u8 = 0x40;

/// `SZ_1M / PAGE_SIZE`: the cap on the zone size that scales `batch`.
const BATCH_CAP_PAGES: u64 = 256;
/// `high` as a multiple of `batch`, the kernel's long-standing default
/// (`pageset_set_batch()` before 5.14 set `high = 6 * batch`).
const HIGH_PER_BATCH: usize = 6;

/// The pages moved between a per-CPU list and the zone at once
/// (`zone_batchsize()`): about a 4096th of the zone, at most 63, as
/// `2^n - 1` so that batches do not all alias in the cache, at least 1.
/// A zone of 1 GiB or more gets 63.
pub fn zone_batchsize(managed_pages: u64) -> usize {
    let batch = ((managed_pages >> 10).min(BATCH_CAP_PAGES) / 4).max(1);
    let pow = 1u64 << (batch + batch / 2).ilog2();
    (pow - 1).max(1) as usize
}

/// Free blocks of one order (`struct free_area`).
#[derive(Clone, Copy)]
struct FreeArea {
    head: u32,
    nr_free: u64,
}

/// What the zone lock protects: the free lists.
struct Zone {
    /// `[next, prev]` on its free list, for the head of each free block;
    /// meaningless for other frames.
    links: AnonMap<[u32; 2]>,
    free_area: [FreeArea; NR_ORDERS],
    /// Bit `order` set when `free_area[order]` is not empty, so the
    /// smallest fitting order is one `trailing_zeros` away.
    nonempty: u32,
    /// Frames on the free lists and not yet handed over.
    free_pages: u64,
    /// `[deferred, deferred_end)`: whole `MAX_PAGE_ORDER` blocks, free, not
    /// yet on a list (`deferred_init_memmap`).
    deferred: u64,
    deferred_end: u64,
}

/// One CPU's order-0 cache (`struct per_cpu_pages`).  The end of `list` is
/// hot (last freed, first reused); the start is cold (given back first).
struct PerCpuPages {
    list: Vec<u32>,
    /// Above this many pages, `batch` of them go back to the zone.
    high: usize,
    /// Pages taken from or given back to the zone at once.
    batch: usize,
}

impl PerCpuPages {
    /// Pages in the list (`pcp->count`).
    fn count(&self) -> usize {
        self.list.len()
    }
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
    zone: SpinLock<Zone>,
    pcp: Box<[PerCpu]>,
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
        BuddyAllocator::with_pcp_limits(cfg, batch, HIGH_PER_BATCH * batch)
    }

    /// Like [`BuddyAllocator::new`] with explicit per-CPU `batch` and `high`.
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
            free_area: [FreeArea { head: NIL, nr_free: 0 }; NR_ORDERS],
            nonempty: 0,
            free_pages: 0,
            deferred: 0,
            deferred_end: 0,
        };
        let pcp = (0..cfg.nr_cpus.max(1))
            .map(|_| PerCpu(SpinLock::new(PerCpuPages { list: Vec::with_capacity(high + batch + 1), high, batch })))
            .collect();
        let buddy = BuddyAllocator {
            base: cfg.base.0,
            nr_pages: cfg.nr_pages,
            tags: AnonMap::new(n),
            zone: SpinLock::new(zone),
            pcp,
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
            buddy.add_to_free_list(&mut zone, (pfn - buddy.base) as u32, order);
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

    #[inline]
    fn tag(&self, idx: u32) -> &AtomicU8 {
        &self.tags[idx as usize]
    }

    /// The current CPU's list (`this_cpu_ptr(zone->per_cpu_pageset)`).
    #[inline]
    fn this_cpu(&self) -> SpinLockGuard<'_, PerCpuPages> {
        self.pcp[this_cpu_index(self.pcp.len())].0.lock()
    }

    /// Puts the block at `idx` at the head of its free list and marks it
    /// free (`__add_to_free_list` + `set_buddy_order`).
    #[inline]
    fn add_to_free_list(&self, z: &mut Zone, idx: u32, order: u32) {
        let area = &mut z.free_area[order as usize];
        let head = area.head;
        z.links[idx as usize] = [head, NIL];
        if head != NIL {
            z.links[head as usize][1] = idx;
        }
        area.head = idx;
        area.nr_free += 1;
        z.nonempty |= 1 << order;
        z.free_pages += 1 << order;
        self.tag(idx).store(TAG_FREE + order as u8, Relaxed);
    }

    /// Takes the free block at `idx` off its list in O(1) and clears its
    /// state (`del_page_from_free_list`).
    #[inline]
    fn del_from_free_list(&self, z: &mut Zone, idx: u32, order: u32) {
        let [next, prev] = z.links[idx as usize];
        let area = &mut z.free_area[order as usize];
        if prev == NIL {
            area.head = next;
        } else {
            z.links[prev as usize][0] = next;
        }
        if next != NIL {
            z.links[next as usize][1] = prev;
        }
        area.nr_free -= 1;
        if area.nr_free == 0 {
            z.nonempty &= !(1 << order);
        }
        z.free_pages -= 1 << order;
        self.tag(idx).store(TAG_NONE, Relaxed);
    }

    /// Takes a block of `order` from the smallest non-empty list and splits
    /// it down (`__rmqueue_smallest` + `expand`).  Returns its index, with
    /// the state cleared.
    #[inline(always)]
    fn rmqueue_smallest(&self, z: &mut Zone, order: u32) -> Option<u32> {
        let mut fits = z.nonempty >> order;
        if fits == 0 {
            if !self.take_deferred(z) {
                return None;
            }
            fits = z.nonempty >> order;
        }
        let mut current = order + fits.trailing_zeros();
        let idx = z.free_area[current as usize].head;
        self.del_from_free_list(z, idx, current);
        while current > order {
            current -= 1;
            self.add_to_free_list(z, idx + (1 << current), current);
        }
        Some(idx)
    }

    /// Puts the next deferred block on its free list, if there is one.
    /// It has no free buddy: merging stops at `MAX_PAGE_ORDER`.
    #[cold]
    fn take_deferred(&self, z: &mut Zone) -> bool {
        if z.deferred >= z.deferred_end || z.free_area[MAX_PAGE_ORDER as usize].head != NIL {
            return false;
        }
        let idx = z.deferred as u32;
        z.deferred += 1 << MAX_PAGE_ORDER;
        z.free_pages -= 1 << MAX_PAGE_ORDER;
        self.add_to_free_list(z, idx, MAX_PAGE_ORDER);
        true
    }

    /// Frees the block at `idx` into the zone, merging it with its buddy as
    /// long as the buddy is a free block of the same order
    /// (`__free_one_page`).  The block's state must already be cleared.
    #[inline(always)]
    fn free_one_page(&self, z: &mut Zone, idx: u32, mut order: u32) {
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
            self.del_from_free_list(z, buddy, order);
            pfn &= !(1 << order);
            order += 1;
        }
        self.add_to_free_list(z, (pfn - self.base) as u32, order);
    }

    /// Refills an empty per-CPU list with up to `batch` pages under one
    /// zone lock (`rmqueue_bulk`).
    #[inline(never)]
    fn rmqueue_bulk(&self, pcp: &mut PerCpuPages) {
        let mut z = self.zone.lock();
        let start = pcp.list.len();
        for _ in 0..pcp.batch {
            let Some(idx) = self.rmqueue_smallest(&mut z, 0) else {
                break;
            };
            self.tag(idx).store(TAG_PCP, Relaxed);
            pcp.list.push(idx);
        }
        // Pages come out in ascending order; the first is used first.
        pcp.list[start..].reverse();
    }

    /// Gives the `count` coldest pages of a per-CPU list back to the zone
    /// under one zone lock (`free_pcppages_bulk`).
    #[inline(never)]
    fn free_pcppages_bulk(&self, pcp: &mut PerCpuPages, count: usize) {
        let mut z = self.zone.lock();
        for idx in pcp.list.drain(..count.min(pcp.list.len())) {
            self.leave_pcp(idx, TAG_NONE);
            self.free_one_page(&mut z, idx, 0);
        }
    }

    /// An order-0 page from the current CPU's list (`rmqueue_pcplist`).
    #[inline]
    fn rmqueue_pcplist(&self) -> Option<u32> {
        let mut pcp = self.this_cpu();
        if pcp.list.is_empty() {
            self.rmqueue_bulk(&mut pcp);
        }
        let idx = pcp.list.pop()?;
        self.leave_pcp(idx, TAG_ALLOC);
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

    /// A block straight from the free lists (`rmqueue_buddy`).
    #[inline(never)]
    fn rmqueue_buddy(&self, order: u32) -> Option<u32> {
        let idx = self.rmqueue_smallest(&mut self.zone.lock(), order)?;
        self.tag(idx).store(TAG_ALLOC + order as u8, Relaxed);
        Some(idx)
    }

    /// When the fast path fails: pages parked in per-CPU lists may complete
    /// a block (`__alloc_pages_slowpath` draining after direct reclaim).
    #[cold]
    fn alloc_pages_slowpath(&self, order: u32) -> Option<u32> {
        self.drain();
        self.rmqueue_buddy(order)
    }

    /// Frees an order-0 page to the current CPU's list
    /// (`free_unref_page_commit`).
    #[inline]
    fn free_pcp_page(&self, idx: u32) {
        let mut pcp = self.this_cpu();
        let tag = self.tag(idx);
        let found = if cfg!(debug_assertions) {
            match tag.compare_exchange(TAG_ALLOC, TAG_PCP, Relaxed, Relaxed) {
                Ok(found) | Err(found) => found,
            }
        } else {
            let found = tag.load(Relaxed);
            if found == TAG_ALLOC {
                tag.store(TAG_PCP, Relaxed);
            }
            found
        };
        if found != TAG_ALLOC {
            drop(pcp);
            self.bad_free(Pfn(self.base + u64::from(idx)), 0, Some(found));
        }
        pcp.list.push(idx);
        if pcp.count() > pcp.high {
            let batch = pcp.batch;
            self.free_pcppages_bulk(&mut pcp, batch);
        }
    }

    /// Frees a block above order 0 straight into the zone.  Such blocks
    /// change state only under the zone lock.
    #[inline(never)]
    fn free_zone_block(&self, idx: u32, order: u32) {
        let mut z = self.zone.lock();
        let found = self.tag(idx).load(Relaxed);
        if found != TAG_ALLOC + order as u8 {
            drop(z);
            self.bad_free(Pfn(self.base + u64::from(idx)), order, Some(found));
        }
        self.tag(idx).store(TAG_NONE, Relaxed);
        self.free_one_page(&mut z, idx, order);
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
                format!("order mismatch: the block was allocated with order {}", t - TAG_ALLOC)
            }
            Some(t @ TAG_FREE..TAG_PCP) => {
                format!("double free: the block is already free with order {}", t - TAG_FREE)
            }
            Some(_) => "not an allocated block (a double free of a block that has merged since, \
                        or a pfn inside a block)"
                .to_string(),
        };
        panic!("buddy: free_pages({pfn:?}, order {order}): {what}");
    }
}

impl PageAllocator for BuddyAllocator {
    fn alloc_pages(&self, _gfp: Gfp, order: u32) -> Option<Pfn> {
        let idx = match order {
            0 => self.rmqueue_pcplist(),
            1..=MAX_PAGE_ORDER => self.rmqueue_buddy(order),
            _ => return None,
        };
        let idx = match idx {
            Some(idx) => idx,
            None => self.alloc_pages_slowpath(order)?,
        };
        Some(Pfn(self.base + u64::from(idx)))
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        let in_range = order <= MAX_PAGE_ORDER
            && pfn
                .0
                .checked_add(1 << order)
                .is_some_and(|end| self.index(pfn.0).is_some() && end <= self.base + self.nr_pages);
        if !in_range {
            self.bad_free(pfn, order, None);
        }
        let idx = (pfn.0 - self.base) as u32;
        if order == 0 {
            self.free_pcp_page(idx);
        } else {
            self.free_zone_block(idx, order);
        }
    }

    fn split_page(&self, pfn: Pfn, order: u32) -> bool {
        let idx = (pfn.0 - self.base) as u32;
        debug_assert_eq!(self.tag(idx).load(Relaxed), TAG_ALLOC + order as u8, "split_page of a block not allocated");
        for i in 0..1u32 << order {
            self.tag(idx + i).store(TAG_ALLOC, Relaxed);
        }
        true
    }

    fn nr_free_pages(&self) -> u64 {
        let cached: usize = self.pcp.iter().map(|p| p.0.lock().count()).sum();
        self.zone.lock().free_pages + cached as u64
    }

    fn free_areas(&self) -> FreeAreas {
        let cached: usize = self.pcp.iter().map(|p| p.0.lock().count()).sum();
        let z = self.zone.lock();
        let mut areas = z.free_area.map(|a| a.nr_free);
        areas[0] += cached as u64;
        areas[MAX_PAGE_ORDER as usize] += (z.deferred_end - z.deferred) >> MAX_PAGE_ORDER;
        areas
    }

    /// Gives every CPU's cached pages back to the free lists
    /// (`drain_all_pages`), where they merge.
    fn drain(&self) {
        for pcp in &self.pcp {
            let mut pcp = pcp.0.lock();
            let count = pcp.count();
            if count > 0 {
                self.free_pcppages_bulk(&mut pcp, count);
            }
        }
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
        b.pcp[cpu].0.lock().count()
    }

    /// Walks every free list and checks links, states and counters.
    fn check_free_lists(b: &BuddyAllocator) {
        let z = b.zone.lock();
        let mut total = 0;
        for order in 0..NR_ORDERS {
            let mut prev = NIL;
            let mut idx = z.free_area[order].head;
            let mut n = 0;
            while idx != NIL {
                assert_eq!(z.links[idx as usize][1], prev, "prev link of {idx}");
                assert_eq!(b.tag(idx).load(Relaxed), TAG_FREE + order as u8);
                assert_eq!((b.base + u64::from(idx)) % (1 << order), 0, "block {idx} misaligned");
                n += 1;
                prev = idx;
                idx = z.links[idx as usize][0];
            }
            assert_eq!(n, z.free_area[order].nr_free, "order {order} count");
            assert_eq!(z.nonempty & (1 << order) != 0, n != 0, "order {order} nonempty bit");
            total += n << order;
        }
        assert_eq!(total + z.deferred_end - z.deferred, z.free_pages);
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
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 2), Some(Pfn(4)));
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 10), Some(Pfn(1024)));
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 10), None);
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

        // Past `high`, one batch of the coldest pages goes back and merges.
        held.extend((0..16).map(|_| b.alloc_pages(Gfp::KERNEL, 0).unwrap()));
        for &p in &held {
            b.free_pages(p, 0);
        }
        assert_eq!(pcp_count(&b, 1), held.len() - 8, "one batch given back");
        assert_eq!(b.nr_free_pages(), 4096);
        check_free_lists(&b);
        b.drain();
        assert_eq!(pcp_count(&b, 1), 0);
        assert_eq!(b.free_areas(), areas(&[(10, 4)]));
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
        let p = b.alloc_pages(Gfp::KERNEL, 0).unwrap();
        b.free_pages(p, 0);
        // What a free racing with this one could have left in release.
        b.pcp[1].0.lock().list.push(p.0 as u32);
        assert_eq!(b.alloc_pages(Gfp::KERNEL, 0), Some(p));
        let _cpu = run_on_cpu(1);
        b.alloc_pages(Gfp::KERNEL, 0);
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
}
