//! Swap (mm/swapfile.c, mm/swap_state.c): the swap areas, their slot
//! allocator with per-slot reference counts (`swap_map`), and the swap
//! cache.
//!
//! A swap area is a [`SwapDevice`] (from the [`MM_SWAP_DEVICES`] registry,
//! or any implementation a library user passes to
//! [`Machine::swapon`](crate::machine::Machine::swapon)) plus the
//! bookkeeping the kernel keeps in `struct swap_info_struct`:
//!
//! * `swap_map`: per slot, how many page-table entries (and shmem page-cache
//!   entries) hold the slot, plus a `SWAP_HAS_CACHE` bit while a page for
//!   it is in the swap cache.  A slot is free when its word is zero.
//! * clusters of 512 slots (`SWAPFILE_CLUSTER`): slots are handed out from
//!   the cluster the allocating CPU is filling, then from a list of free
//!   clusters, then from partly used ones, so that pages swapped out
//!   together sit together on the device and swap-in readahead finds them.
//! * the swap cache (`swapper_spaces`): slot -> frame for pages being
//!   swapped out or just read back, and, once a page is gone, its shadow
//!   entry (when it was evicted, for refault detection).

pub mod state;

pub use device::{
    HostFileId, MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc, SwapDeviceError,
    new_swap_device, swap_device_names,
};
/// Swap devices, defined in `mm_api::swap`.
pub use mm_api::swap as device;

use crate::phys::AnonMap;
use crate::types::Pfn;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Most swap areas (`MAX_SWAPFILES`): the 32 types of a swap entry's 5
/// type bits, less the three migration types and the PTE-marker type
/// (`SWP_PTE_MARKER`, 31) of the reference kernel's configuration.
pub const MAX_SWAPFILES: usize = 28;
/// Slots per cluster (`SWAPFILE_CLUSTER`).
pub const SWAPFILE_CLUSTER: u64 = 512;
/// The `swap_map` bit of a slot whose page is in the swap cache.
const SWAP_HAS_CACHE: u32 = 1 << 31;
/// Bit 63 of a swap-cache slot: a shadow entry, not a frame.
pub(crate) const SHADOW_BIT: u64 = 1 << 63;

/// A swap entry (`swp_entry_t`): which swap area and which slot on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwpEntry {
    /// The swap area (`swp_type`).
    pub ty: u32,
    /// The slot (`swp_offset`).
    pub offset: u64,
}

impl SwpEntry {
    /// The entry as one word (type in the top 6 bits), as `page->private`
    /// and shmem's page-cache slots hold it.
    #[inline]
    pub fn to_word(self) -> u64 {
        (u64::from(self.ty) << 57) | self.offset
    }
    /// The entry a word from [`to_word`](Self::to_word) holds.
    #[inline]
    pub fn from_word(w: u64) -> SwpEntry {
        SwpEntry { ty: (w >> 57) as u32 & 0x3f, offset: w & ((1 << 57) - 1) }
    }
}

/// One cluster's state.
#[derive(Clone, Copy, Debug, Default)]
struct Cluster {
    /// Slots in use.
    count: u32,
    /// On the free list.
    free: bool,
}

/// The allocator half of a swap area, under its lock (`si->lock`).
#[derive(Debug)]
struct ClusterAlloc {
    clusters: Vec<Cluster>,
    /// Clusters with no slot in use (`free_clusters`).
    free: VecDeque<u32>,
    /// Per CPU: the next slot to try in the cluster it is filling
    /// (`percpu_cluster->next`).
    next: Vec<Option<u64>>,
}

/// A swap area (`struct swap_info_struct`).
pub struct SwapInfo {
    /// Its type: the index in the swap table, stored in swap entries.
    pub(crate) ty: u32,
    /// Priority (`swapon -p`); higher is used first.
    pub(crate) prio: i32,
    /// The device.
    pub(crate) device: Box<dyn SwapDevice>,
    /// Slots, the header slot 0 included (`si->max`).
    max: u64,
    /// Per slot: references, plus `SWAP_HAS_CACHE` (`swap_map`).
    swap_map: AnonMap<AtomicU32>,
    /// Per slot: `pfn + 1` of the page in the swap cache, a shadow entry
    /// (bit 63), or 0.
    cache: AnonMap<AtomicU64>,
    /// Slots in use (`inuse_pages`).
    inuse_pages: AtomicU64,
    alloc: Mutex<ClusterAlloc>,
}

impl std::fmt::Debug for SwapInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwapInfo")
            .field("ty", &self.ty)
            .field("device", &self.device.name())
            .field("max", &self.max)
            .field("inuse", &self.inuse_pages())
            .finish()
    }
}

impl SwapInfo {
    fn new(ty: u32, prio: i32, device: Box<dyn SwapDevice>, nr_cpus: usize) -> SwapInfo {
        let max = device.nr_pages();
        let nr_clusters = max.div_ceil(SWAPFILE_CLUSTER) as usize;
        let swap_map: AnonMap<AtomicU32> = AnonMap::new(max as usize);
        // The header slot is never handed out.
        swap_map[0].store(u32::MAX >> 1, Ordering::Relaxed);
        let mut clusters = vec![Cluster::default(); nr_clusters];
        clusters[0].count = 1;
        // The last cluster may be partial: its missing slots count as used.
        if !max.is_multiple_of(SWAPFILE_CLUSTER) {
            clusters[nr_clusters - 1].count += (SWAPFILE_CLUSTER - max % SWAPFILE_CLUSTER) as u32;
        }
        let mut free = VecDeque::new();
        for (i, c) in clusters.iter_mut().enumerate() {
            if c.count == 0 {
                c.free = true;
                free.push_back(i as u32);
            }
        }
        SwapInfo {
            ty,
            prio,
            device,
            max,
            swap_map,
            cache: AnonMap::new(max as usize),
            inuse_pages: AtomicU64::new(0),
            alloc: Mutex::new(ClusterAlloc { clusters, free, next: vec![None; nr_cpus.max(1)] }),
        }
    }

    /// Its type: the index in the swap table, stored in swap entries.
    pub fn ty(&self) -> u32 {
        self.ty
    }

    /// Priority (`swapon -p`); higher is used first.
    pub fn prio(&self) -> i32 {
        self.prio
    }

    /// The device's name.
    pub fn device_name(&self) -> &'static str {
        self.device.name()
    }

    /// The device's own counters.
    pub fn device_stats(&self) -> Vec<(&'static str, u64)> {
        self.device.stats()
    }

    /// Usable slots (`si->pages`): all but the header.
    pub fn pages(&self) -> u64 {
        self.max - 1
    }

    /// Slots in use.
    pub fn inuse_pages(&self) -> u64 {
        self.inuse_pages.load(Ordering::Relaxed)
    }

    /// True if `offset` names a usable slot.
    #[inline]
    fn valid(&self, offset: u64) -> bool {
        offset > 0 && offset < self.max
    }

    /// The `swap_map` word of a slot: its reference count, and whether
    /// the swap cache holds it.
    pub fn swap_map(&self, offset: u64) -> (u32, bool) {
        let v = self.swap_map.get(offset as usize).map_or(0, |w| w.load(Ordering::Acquire));
        (v & !SWAP_HAS_CACHE, v & SWAP_HAS_CACHE != 0)
    }

    /// `cluster_alloc_swap_entry`: a free slot, marked `SWAP_HAS_CACHE`.
    fn alloc_slot(&self, cpu: usize) -> Option<u64> {
        let mut a = self.alloc.lock();
        let cpu = cpu % a.next.len();
        // The cluster this CPU is filling, from where it left off.
        if let Some(next) = a.next[cpu]
            && let Some(off) = self.take_in_cluster(&mut a, next)
        {
            a.next[cpu] = Some(off + 1);
            return Some(off);
        }
        a.next[cpu] = None;
        // A free cluster, then any cluster with room.
        let cands: Vec<u32> = if let Some(c) = a.free.pop_front() {
            a.clusters[c as usize].free = false;
            vec![c]
        } else {
            (0..a.clusters.len() as u32).filter(|&c| a.clusters[c as usize].count < SWAPFILE_CLUSTER as u32).collect()
        };
        for c in cands {
            if let Some(off) = self.take_in_cluster(&mut a, u64::from(c) * SWAPFILE_CLUSTER) {
                a.next[cpu] = Some(off + 1);
                return Some(off);
            }
        }
        None
    }

    /// `cluster_alloc_swap_entry` for a large folio of `nr` pages: the
    /// first `nr` slots of a free cluster, each marked `SWAP_HAS_CACHE`,
    /// so that the folio's pages sit together and in order.  Only a block
    /// device gives them; `None` there too if no cluster is free.
    fn alloc_cluster_slots(&self, nr: u64) -> Option<u64> {
        if !self.device.is_blkdev() || nr == 0 || nr > SWAPFILE_CLUSTER {
            return None;
        }
        let mut a = self.alloc.lock();
        let c = a.free.pop_front()?;
        let first = u64::from(c) * SWAPFILE_CLUSTER;
        // A free cluster has no slot in use, and every change of a slot's
        // word from or to zero happens under this lock.
        for off in first..first + nr {
            let ok = self.swap_map[off as usize]
                .compare_exchange(0, SWAP_HAS_CACHE, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
            debug_assert!(ok, "slot {off:#x} of free cluster {c} in use");
        }
        let cl = &mut a.clusters[c as usize];
        cl.free = false;
        cl.count += nr as u32;
        self.inuse_pages.fetch_add(nr, Ordering::Relaxed);
        Some(first)
    }

    /// The first free slot at or after `from` in `from`'s cluster.
    fn take_in_cluster(&self, a: &mut ClusterAlloc, from: u64) -> Option<u64> {
        let c = (from / SWAPFILE_CLUSTER) as usize;
        let end = ((c as u64 + 1) * SWAPFILE_CLUSTER).min(self.max);
        if c >= a.clusters.len() || a.clusters[c].count >= SWAPFILE_CLUSTER as u32 {
            return None;
        }
        for off in from..end {
            let w = &self.swap_map[off as usize];
            if w.load(Ordering::Relaxed) == 0
                && w.compare_exchange(0, SWAP_HAS_CACHE, Ordering::AcqRel, Ordering::Relaxed).is_ok()
            {
                let cl = &mut a.clusters[c];
                if cl.free {
                    cl.free = false;
                    a.free.retain(|&x| x as usize != c);
                }
                cl.count += 1;
                self.inuse_pages.fetch_add(1, Ordering::Relaxed);
                return Some(off);
            }
        }
        None
    }

    /// Applies `f` to a slot's word; a word that would become zero is
    /// set under the allocator lock, and the slot is freed
    /// (`swap_entries_free`).  Returns the new word, or `None` if the slot
    /// was free or `f` refused.
    fn update(&self, offset: u64, f: impl Fn(u32) -> Option<u32>) -> Option<u32> {
        let w = self.swap_map.get(offset as usize).filter(|_| self.valid(offset))?;
        let mut cur = w.load(Ordering::Acquire);
        loop {
            if cur == 0 {
                return None;
            }
            let new = f(cur)?;
            if new == 0 {
                let mut a = self.alloc.lock();
                if w.compare_exchange(cur, 0, Ordering::AcqRel, Ordering::Acquire).is_err() {
                    cur = w.load(Ordering::Acquire);
                    continue;
                }
                self.device.discard(offset);
                self.cache[offset as usize].store(0, Ordering::Release);
                let c = (offset / SWAPFILE_CLUSTER) as usize;
                a.clusters[c].count -= 1;
                if a.clusters[c].count == 0 {
                    a.clusters[c].free = true;
                    a.free.push_back(c as u32);
                }
                self.inuse_pages.fetch_sub(1, Ordering::Relaxed);
                return Some(0);
            }
            match w.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(new),
                Err(c) => cur = c,
            }
        }
    }

    /// The swap-cache slot of `offset`.
    #[inline]
    pub(crate) fn cache_slot(&self, offset: u64) -> &AtomicU64 {
        &self.cache[offset as usize]
    }

    /// Up to `max` used slots, ascending: references and the swap-cache
    /// page (a shadow entry is no page).  Reads every slot up to the last
    /// one returned.
    pub fn used_slots(&self, max: usize) -> Vec<crate::inspect::SwapSlot> {
        let mut out = Vec::new();
        for offset in 1..self.max {
            if out.len() >= max {
                break;
            }
            let (count, cached) = self.swap_map(offset);
            if count == 0 && !cached {
                continue;
            }
            let w = self.cache[offset as usize].load(Ordering::Acquire);
            let cache = (w != 0 && w & SHADOW_BIT == 0).then(|| Pfn(w - 1));
            out.push(crate::inspect::SwapSlot { offset, count, cache });
        }
        out
    }
}

/// The machine's swap areas (`swap_info[]`) and the global swap counters.
pub struct Swap {
    infos: [OnceLock<Arc<SwapInfo>>; MAX_SWAPFILES],
    /// Areas by priority, highest first (`swap_avail_heads`).
    order: Mutex<Vec<u32>>,
    nr_swapfiles: AtomicU32,
    /// Free slots over every area (`nr_swap_pages`).
    nr_swap_pages: AtomicI64,
    /// Usable slots over every area (`total_swap_pages`).
    total_swap_pages: AtomicU64,
    /// `swapin_readahead_hits`.
    pub(crate) ra_hits: AtomicU32,
    /// `swapin_nr_pages`'s `prev_offset`.
    pub(crate) ra_prev_offset: AtomicU64,
    /// `swapin_nr_pages`'s `last_readahead_pages`.
    pub(crate) ra_last_pages: AtomicU32,
}

impl Default for Swap {
    fn default() -> Swap {
        Swap {
            infos: std::array::from_fn(|_| OnceLock::new()),
            order: Mutex::new(Vec::new()),
            nr_swapfiles: AtomicU32::new(0),
            nr_swap_pages: AtomicI64::new(0),
            total_swap_pages: AtomicU64::new(0),
            ra_hits: AtomicU32::new(0),
            ra_prev_offset: AtomicU64::new(0),
            ra_last_pages: AtomicU32::new(0),
        }
    }
}

impl std::fmt::Debug for Swap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swap").field("areas", &self.areas().len()).field("free", &self.nr_swap_pages()).finish()
    }
}

/// Why [`Machine::swapon`](crate::machine::Machine::swapon) refused a device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwaponError {
    /// Fewer than two pages (the header and one slot).
    #[error("swap device '{device}' is too small (at least two pages)")]
    TooSmall { device: &'static str },
    /// More pages than a swap entry's offset can name.
    #[error("swap device '{device}' is too large (at most 2^32 pages)")]
    TooLarge { device: &'static str },
    /// Every swap type is taken.
    #[error("too many swap areas (at most {MAX_SWAPFILES})")]
    TooManyAreas,
}

impl Swap {
    /// `swapon`: adds `device` as a swap area of priority `prio`; returns
    /// its type.
    pub(crate) fn swapon(&self, device: Box<dyn SwapDevice>, prio: i32, nr_cpus: usize) -> Result<u32, SwaponError> {
        if device.nr_pages() < 2 {
            return Err(SwaponError::TooSmall { device: device.name() });
        }
        if device.nr_pages() >= 1 << 32 {
            return Err(SwaponError::TooLarge { device: device.name() });
        }
        let mut order = self.order.lock();
        let ty = self.nr_swapfiles.load(Ordering::Acquire);
        if ty as usize >= MAX_SWAPFILES {
            return Err(SwaponError::TooManyAreas);
        }
        let si = Arc::new(SwapInfo::new(ty, prio, device, nr_cpus));
        let pages = si.pages();
        let _ = self.infos[ty as usize].set(si);
        self.nr_swapfiles.store(ty + 1, Ordering::Release);
        order.push(ty);
        order.sort_by_key(|&t| (std::cmp::Reverse(self.infos[t as usize].get().map_or(0, |s| s.prio)), t));
        self.total_swap_pages.fetch_add(pages, Ordering::Relaxed);
        self.nr_swap_pages.fetch_add(pages as i64, Ordering::Relaxed);
        Ok(ty)
    }

    /// The swap area of type `ty` (`swp_swap_info`, `get_swap_device`).
    #[inline]
    pub fn info(&self, ty: u32) -> Option<&SwapInfo> {
        self.infos.get(ty as usize)?.get().map(|a| &**a)
    }

    /// Every swap area, by type.
    pub fn areas(&self) -> Vec<&SwapInfo> {
        (0..self.nr_swapfiles.load(Ordering::Acquire)).filter_map(|t| self.info(t)).collect()
    }

    /// Free slots (`get_nr_swap_pages`).
    #[inline]
    pub fn nr_swap_pages(&self) -> i64 {
        self.nr_swap_pages.load(Ordering::Relaxed)
    }

    /// Usable slots (`total_swap_pages`).
    pub fn total_swap_pages(&self) -> u64 {
        self.total_swap_pages.load(Ordering::Relaxed)
    }

    /// `vm_swap_full`: more than half of swap is in use.
    pub fn vm_swap_full(&self) -> bool {
        self.nr_swap_pages() * 2 < self.total_swap_pages() as i64
    }

    /// `folio_alloc_swap` -> `get_swap_pages`: a free slot from the
    /// highest-priority area with room, its word set to `SWAP_HAS_CACHE`.
    pub(crate) fn get_swap_page(&self, cpu: usize) -> Option<SwpEntry> {
        if self.nr_swap_pages() <= 0 {
            return None;
        }
        let order = self.order.lock();
        for &ty in order.iter() {
            let si = self.info(ty)?;
            if let Some(offset) = si.alloc_slot(cpu) {
                self.nr_swap_pages.fetch_sub(1, Ordering::Relaxed);
                return Some(SwpEntry { ty, offset });
            }
        }
        None
    }

    /// `folio_alloc_swap` of a folio of `nr` pages: `nr` contiguous
    /// slots from the highest-priority area that can give a free cluster
    /// ([`SwapInfo::alloc_cluster_slots`]), each marked `SWAP_HAS_CACHE`;
    /// the entry of the first.
    pub(crate) fn get_swap_pages(&self, nr: u64) -> Option<SwpEntry> {
        if self.nr_swap_pages() < nr as i64 {
            return None;
        }
        let order = self.order.lock();
        for &ty in order.iter() {
            let si = self.info(ty)?;
            if let Some(offset) = si.alloc_cluster_slots(nr) {
                self.nr_swap_pages.fetch_sub(nr as i64, Ordering::Relaxed);
                return Some(SwpEntry { ty, offset });
            }
        }
        None
    }

    fn update(&self, e: SwpEntry, f: impl Fn(u32) -> Option<u32>) -> Option<u32> {
        let r = self.info(e.ty)?.update(e.offset, f);
        if r == Some(0) {
            self.nr_swap_pages.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    /// `swap_duplicate`: one more page-table entry holds `e`.  False if
    /// the slot is not in use (a bad entry).
    pub(crate) fn swap_duplicate(&self, e: SwpEntry) -> bool {
        self.update(e, |v| Some(v + 1)).is_some()
    }

    /// `swap_free` / `swap_entry_put`: one entry fewer holds `e`; the slot
    /// is freed with the last reference if no swap-cache page holds it.
    /// Returns the references left (and whether the cache holds it), or
    /// `None` for a bad entry.
    pub(crate) fn swap_free(&self, e: SwpEntry) -> Option<(u32, bool)> {
        self.update(e, |v| (v & !SWAP_HAS_CACHE > 0).then(|| v - 1))
            .map(|v| (v & !SWAP_HAS_CACHE, v & SWAP_HAS_CACHE != 0))
    }

    /// `put_swap_folio`: the swap cache lets go of the slot.
    pub(crate) fn put_swap_folio(&self, e: SwpEntry) {
        let r = self.update(e, |v| (v & SWAP_HAS_CACHE != 0).then_some(v & !SWAP_HAS_CACHE));
        debug_assert!(r.is_some(), "put_swap_folio on a slot the cache does not hold: {e:?}");
    }

    /// Takes `SWAP_HAS_CACHE` on an in-use slot nobody caches
    /// (`swapcache_prepare`).  False if the slot is free or cached.
    pub(crate) fn swapcache_prepare(&self, e: SwpEntry) -> bool {
        self.update(e, |v| (v & SWAP_HAS_CACHE == 0 && v != 0).then_some(v | SWAP_HAS_CACHE)).is_some()
    }

    /// References to `e` (`__swap_count`), the cache's not counted.
    pub fn swap_count(&self, e: SwpEntry) -> u32 {
        self.info(e.ty).map_or(0, |si| si.swap_map(e.offset).0)
    }
}

/// A frame's word `pfn + 1` in a swap-cache slot.
#[inline]
pub(crate) fn cache_word(pfn: Pfn) -> u64 {
    pfn.0 + 1
}
