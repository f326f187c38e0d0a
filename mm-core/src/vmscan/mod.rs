//! Page reclaim (mm/vmscan.c, mm/workingset.c, mm/page_alloc.c's
//! watermarks): when free memory runs short, pages are taken from the
//! reclaim policy's lists, unmapped through the reverse map, written to
//! swap or back to their file if dirty, and freed.
//!
//! * [`Watermarks`]: the zone's `min`, `low` and `high` marks, derived from
//!   the RAM size as `__setup_per_zone_wmarks` derives them.  An allocation
//!   that takes free memory below `low` wakes kswapd; one below `min`
//!   reclaims directly (`__alloc_pages_direct_reclaim`) and fails with
//!   `VM_FAULT_OOM` when nothing can be reclaimed.
//! * kswapd (`balance_pgdat`) reclaims until free memory is above `high`.
//!   It runs when the task that woke it returns to user space, so runs are
//!   deterministic.
//! * [`ReclaimPolicy`]: *which* pages go.  Linux's two-list LRU
//!   ([`lru::TwoListLru`], `lru`) is the default; others register in
//!   [`MM_RECLAIM_POLICIES`].  A policy sees the core through an
//!   [`LruCtx`] ([`policy`]), which also runs the `PG_lru` protocol and
//!   the unevictable list (mlocked pages) for every policy.  The core does
//!   the rest (`shrink_folio_list`): unmapping, swap-out, writeback,
//!   freeing.
//! * Shadow entries (`workingset_eviction` / `workingset_refault`): an
//!   evicted page leaves its eviction time in the page cache or the swap
//!   cache; a refault close enough in time puts it straight back on the
//!   active list.

/// Lists of pages linked through their `struct page`s, defined in `mm_api::list`.
pub use mm_api::list;
pub mod fbatch;
pub mod lru;
pub mod shrink;

pub use list::PageList;
/// What a reclaim policy sees of the core, defined in `mm_api::reclaim`.
pub use mm_api::reclaim as policy;
pub use policy::{
    DEF_PRIORITY, FOLIO_BATCH_SIZE, LruCtx, LruList, LruListView, LruLists, LruSizes, Lruvec, MM_RECLAIM_POLICIES,
    ReclaimCore, ReclaimPolicy, ReclaimPolicyDesc, Referenced, SWAP_CLUSTER_MAX, ScanControl, folio_try_get,
    reclaim_policy_names,
};

use crate::machine::Machine;
use crate::types::{PAGE_SHIFT, Pfn};
use crate::vmstat::VmEvent;

/// The zone watermarks, in pages (`zone->_watermark`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watermarks {
    pub min: u64,
    pub low: u64,
    pub high: u64,
}

impl Watermarks {
    /// `init_per_zone_wmark_min` + `__setup_per_zone_wmarks` for a single
    /// zone of `managed` pages: `min_free_kbytes` is `sqrt(16 * lowmem
    /// kbytes)` clamped to 128..=262144 (unless set), and `low` and `high`
    /// lie a quarter of `min`, or `watermark_scale_factor` ten-thousandths
    /// of memory if that is more, above each other.
    pub fn for_zone(managed: u64, min_free_kbytes: Option<u64>, watermark_scale_factor: u64) -> Watermarks {
        let lowmem_kbytes = managed << (PAGE_SHIFT - 10);
        let kb = min_free_kbytes.unwrap_or_else(|| (lowmem_kbytes * 16).isqrt().clamp(128, 262_144));
        let min = (kb >> (PAGE_SHIFT - 10)).min(managed / 4);
        let tmp = (min / 4).max(managed * watermark_scale_factor / 10_000);
        Watermarks { min, low: min + tmp, high: min + 2 * tmp }
    }
}

/// The core's side of [`LruCtx`].
impl ReclaimCore for Machine {
    #[inline]
    fn count_vm_events(&self, event: VmEvent, n: u64) {
        self.vmstat.count(event, n);
    }
    fn sum_vm_event(&self, event: VmEvent) -> u64 {
        self.vmstat.get(event)
    }
    fn folio_referenced(&self, pfn: Pfn) -> Referenced {
        Machine::folio_referenced(self, pfn)
    }
    fn folio_put(&self, pfn: Pfn) {
        self.put_page(pfn);
    }
    fn nr_free_pages(&self) -> u64 {
        Machine::nr_free_pages(self)
    }
    fn high_wmark_pages(&self) -> u64 {
        self.watermarks.high
    }
    fn swappiness(&self) -> u64 {
        self.tunables.swappiness
    }
    fn lru_cache_activate_folio(&self, pfn: Pfn) -> bool {
        Machine::lru_cache_activate_folio(self, pfn)
    }
}

impl Machine {
    /// The reclaim policy's view of the machine, and the LRU protocol.
    #[inline]
    pub(crate) fn lru_ctx(&self) -> LruCtx<'_> {
        LruCtx::new(&self.phys, &self.trace, &self.lruvec, self, &*self.reclaim)
    }
}
