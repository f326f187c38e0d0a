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
//!   [`MM_RECLAIM_POLICIES`].  The core does the rest
//!   (`shrink_folio_list`): unmapping, swap-out, writeback, freeing.
//! * Shadow entries (`workingset_eviction` / `workingset_refault`): an
//!   evicted page leaves its eviction time in the page cache or the swap
//!   cache; a refault close enough in time puts it straight back on the
//!   active list.

/// Lists of pages linked through their `struct page`s, defined in `mm_api::list`.
pub use mm_api::list;
pub mod lru;
pub mod shrink;

pub use list::PageList;

use crate::machine::Machine;
use crate::types::{PAGE_SHIFT, Pfn};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// `SWAP_CLUSTER_MAX`: pages reclaimed per batch.
pub const SWAP_CLUSTER_MAX: u64 = 32;
/// `DEF_PRIORITY`: the first scan priority; a list is scanned
/// `size >> priority` pages at a time.
pub const DEF_PRIORITY: u32 = 12;

/// The kernel's `enum lru_list` (evictable lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum LruList {
    InactiveAnon = 0,
    ActiveAnon = 1,
    InactiveFile = 2,
    ActiveFile = 3,
}

impl LruList {
    /// Every evictable list, in `for_each_evictable_lru` order.
    pub const ALL: [LruList; 4] =
        [LruList::InactiveAnon, LruList::ActiveAnon, LruList::InactiveFile, LruList::ActiveFile];
    /// The list of a page of this kind.
    pub fn of(file: bool, active: bool) -> LruList {
        LruList::ALL[usize::from(file) * 2 + usize::from(active)]
    }
    /// A file list.
    pub fn is_file(self) -> bool {
        self as usize >= 2
    }
    /// An active list.
    pub fn is_active(self) -> bool {
        self as usize & 1 == 1
    }
}

/// Pages on each list, indexed by [`LruList`].
pub type LruSizes = [u64; 4];

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

/// Per-node reclaim state that is the policy's business as much as the
/// core's (`struct lruvec`): the costs that balance anonymous against file
/// reclaim, and the clock of shadow entries.
#[derive(Debug, Default)]
pub struct Lruvec {
    /// Evictions and activations so far (`nonresident_age`): the clock
    /// shadow entries are stamped with.
    pub nonresident_age: AtomicU64,
    /// `anon_cost`, `file_cost`: I/O and rotations caused by reclaiming
    /// each kind (`lru_note_cost`).
    costs: Mutex<(u64, u64)>,
    /// File refaults seen at the last reclaim (`refaults[WORKINGSET_FILE]`).
    pub file_refaults_snapshot: AtomicU64,
}

impl Lruvec {
    /// `lru_note_cost`: reclaiming (`nr_io` pages of I/O, `nr_rotated`
    /// pages put back) or refaulting made this kind of page dearer; costs
    /// decay as they grow past a quarter of the lists.
    pub fn note_cost(&self, file: bool, nr_io: u64, nr_rotated: u64, lru_pages: u64) {
        let cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated;
        let mut c = self.costs.lock();
        if file {
            c.1 += cost;
        } else {
            c.0 += cost;
        }
        if c.0 + c.1 > lru_pages / 4 {
            c.0 /= 2;
            c.1 /= 2;
        }
    }
    /// `(anon_cost, file_cost)`.
    pub fn costs(&self) -> (u64, u64) {
        *self.costs.lock()
    }
}

/// `struct scan_control`: one reclaim pass, as the policy sees it.
pub struct ScanControl<'a> {
    /// The machine.
    pub machine: &'a Machine,
    /// Pages to free before stopping.
    pub nr_to_reclaim: u64,
    /// Scan priority, `DEF_PRIORITY` down to 0: lists are scanned
    /// `size >> priority` pages at a time.
    pub priority: u32,
    /// Anonymous (swap-backed) pages may be reclaimed: there is free swap.
    pub may_swap: bool,
    /// kswapd, not direct reclaim, is scanning.
    pub kswapd: bool,
    /// Pages the policy looked at.
    pub nr_scanned: u64,
    /// Pages freed so far.
    pub nr_reclaimed: u64,
    /// The policy's scan budget per list for `budget_priority` (it sets
    /// and spends it; the core only resets it each pass).
    pub budget: LruSizes,
    /// The priority `budget` was computed for.
    pub budget_priority: Option<u32>,
}

/// What `folio_referenced` found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Referenced {
    /// Page-table entries that had the accessed bit (now cleared).
    pub ptes: u32,
    /// The union of the `vm_flags` of the VMAs that map the page.
    pub vm_flags: crate::flags::VmFlags,
}

impl ScanControl<'_> {
    /// `folio_referenced`: tests and clears the accessed bit of every
    /// entry mapping the page (found through the reverse map).
    pub fn folio_referenced(&self, pfn: Pfn) -> Referenced {
        self.machine.folio_referenced(pfn)
    }

    /// Counts `n` scanned pages of the given kind (`pgscan_*`).
    pub fn count_scanned(&mut self, file: bool, n: u64) {
        use crate::vmstat::VmEvent;
        self.nr_scanned += n;
        let m = self.machine;
        m.vmstat.count(if self.kswapd { VmEvent::PgScanKswapd } else { VmEvent::PgScanDirect }, n);
        m.vmstat.count(if file { VmEvent::PgScanFile } else { VmEvent::PgScanAnon }, n);
    }
}

/// A reclaim policy: which pages to evict, and when.
///
/// The policy keeps the evictable pages on its own lists (linked with
/// [`PageList`] through the `struct page`s, under its own lock) and owns
/// the `PG_lru` bit: set exactly while a page is on its lists.  It never
/// holds its lock while calling back into the core
/// ([`ScanControl::folio_referenced`]), which takes page-table locks.
///
/// Pages it picks are *isolated*: off its lists, `PG_lru` clear, and with
/// a reference taken ([`isolate`]) so they cannot be freed under it.  The
/// core evicts them, or hands back the ones it could not evict with
/// [`putback`](Self::putback).
pub trait ReclaimPolicy: Send + Sync {
    /// The registered name.
    fn name(&self) -> &'static str;
    /// `folio_add_lru`: a page became evictable (a new anonymous page, a
    /// page added to the page cache or the swap cache).  `activate`: the
    /// workingset code found it refaulting soon after its eviction.
    fn folio_add_lru(&self, m: &Machine, pfn: Pfn, activate: bool);
    /// `lruvec_del_folio`: a page with `PG_lru` is being freed.
    fn folio_del_lru(&self, m: &Machine, pfn: Pfn);
    /// [`folio_del_lru`](Self::folio_del_lru) for a batch of pages being
    /// freed together (`folios_put_refs` takes the lock once).
    fn folios_del_lru(&self, m: &Machine, pfns: &[Pfn]) {
        for &pfn in pfns {
            self.folio_del_lru(m, pfn);
        }
    }
    /// `folio_isolate_lru`: takes a given page off the lists (for
    /// `MADV_PAGEOUT`), with a reference.  False if it was not on them.
    fn isolate_folio(&self, m: &Machine, pfn: Pfn) -> bool;
    /// `putback_lru_folio`: an isolated page goes back (to the active side
    /// if `activate`).  The caller still drops its isolation reference.
    fn putback(&self, m: &Machine, pfn: Pfn, activate: bool);
    /// `shrink_lruvec`: adds up to `SWAP_CLUSTER_MAX` isolated pages to
    /// `victims`, aging the lists as it goes.  Adding none means this
    /// priority's budget is spent.
    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>);
    /// `folio_mark_accessed`: a `read` or `write` used the page.
    fn folio_mark_accessed(&self, _m: &Machine, _pfn: Pfn) {}
    /// `folio_deactivate` (`MADV_COLD`): the page is not expected to be
    /// used soon.
    fn folio_deactivate(&self, m: &Machine, pfn: Pfn) {
        if self.isolate_folio(m, pfn) {
            m.phys.page(pfn).clear_flags(crate::flags::PageFlags::ACTIVE | crate::flags::PageFlags::REFERENCED);
            self.putback(m, pfn, false);
            m.put_page(pfn);
        }
    }
    /// Pages on the lists by kind, for `/proc/meminfo`'s `Active(anon)`
    /// and friends (a policy without an active side reports every page as
    /// inactive).
    fn lru_sizes(&self) -> LruSizes;
}

/// A reclaim policy in the [`MM_RECLAIM_POLICIES`] registry.
pub struct ReclaimPolicyDesc {
    /// Name used to select it (`--reclaim NAME`).
    pub name: &'static str,
    /// One line for `mmsim backends`.
    pub description: &'static str,
    /// Builds the policy for a machine of `nr_pages` frames.
    pub new: fn(nr_pages: u64) -> Box<dyn ReclaimPolicy>,
}

/// Every linked reclaim policy.
#[linkme::distributed_slice]
pub static MM_RECLAIM_POLICIES: [ReclaimPolicyDesc];

/// Registered reclaim policy names, sorted.
pub fn reclaim_policy_names() -> Vec<&'static str> {
    let mut v: Vec<_> = MM_RECLAIM_POLICIES.iter().map(|d| d.name).collect();
    v.sort_unstable();
    v
}

/// `folio_try_get`: takes a reference unless the page is being freed.
#[inline]
pub fn folio_try_get(m: &Machine, pfn: Pfn) -> bool {
    let rc = &m.phys.page(pfn).refcount;
    let mut cur = rc.load(Ordering::Acquire);
    loop {
        if cur <= 0 {
            return false;
        }
        match rc.compare_exchange_weak(cur, cur + 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(c) => cur = c,
        }
    }
}

/// Isolates a page a policy is taking off its lists: takes a reference
/// and clears `PG_lru`.  False (and nothing changed) if the page is being
/// freed; the policy then leaves it where it is for the freeing path.
#[inline]
pub fn isolate(m: &Machine, pfn: Pfn) -> bool {
    if !folio_try_get(m, pfn) {
        return false;
    }
    m.phys.page(pfn).clear_flags(crate::flags::PageFlags::LRU);
    true
}
