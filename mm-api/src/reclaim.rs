//! What a reclaim policy sees of the core, and the LRU protocol that is
//! the same whatever the policy (mm/swap.c, mm/mlock.c, mm/vmscan.c's
//! isolation and putback, include/linux/mm_inline.h).
//!
//! A policy ([`ReclaimPolicy`]) decides *which* pages go where; it gets an
//! [`LruCtx`], a narrow view of the core: `struct page` access through
//! [`PhysMem`], the vmstat events it counts, the tracer, and the few calls
//! into the core it needs ([`ReclaimCore`]: `folio_referenced`, dropping a
//! reference, the free-page count, the high watermark, `swappiness`).
//! [`LruCtx`] carries out the `PG_lru` protocol once for every policy:
//! taking a page off the lists to free it, isolating a page
//! (`folio_isolate_lru`, `isolate_lru_folios`), putting isolated pages
//! back (`move_folios_to_lru`), and the unevictable list.
//!
//! The unevictable list (`LRU_UNEVICTABLE`) is the core's, not the
//! policy's: a page with `PG_mlocked` (mapped by a `VM_LOCKED` VMA) is
//! taken off the policy's lists and counted there instead (as in the
//! kernel, it is not linked on any list: the page's list word holds its
//! `mlock_count`, the number of locked mappings that mlocked it).  Adding
//! or putting back a page that is not evictable ([`LruCtx::folio_evictable`])
//! sends it there; `munlock` of its last locked mapping sends it back to
//! the policy.
//!
//! Locking: the policy's lists lock ([`ReclaimPolicy::lists`]) guards
//! `PG_lru` of every page on an LRU list, the unevictable one included:
//! whoever clears `PG_lru` under it owns the page's place on the lists
//! until it sets it again.
//!
//! This file names only types that can live outside the core (types,
//! flags, `struct page`, vmstat events, the tracer) and the page list.

use crate::flags::{PageFlags, VmFlags};
use crate::phys::{Page, PhysMem};
use crate::trace::Tracer;
use crate::types::Pfn;
use crate::vmstat::VmEvent;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// `SWAP_CLUSTER_MAX`: pages reclaimed per batch.
pub const SWAP_CLUSTER_MAX: u64 = 32;
/// `DEF_PRIORITY`: the first scan priority; a list is scanned
/// `size >> priority` pages at a time.
pub const DEF_PRIORITY: u32 = 12;
/// `PAGEVEC_SIZE`: folios a per-CPU `folio_batch` holds; the one that
/// fills a batch moves the whole batch to the lists.
pub const FOLIO_BATCH_SIZE: usize = 31;

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
    /// The kernel's name for the list (`lru_list_name`).
    pub fn name(self) -> &'static str {
        ["inactive_anon", "active_anon", "inactive_file", "active_file"][self as usize]
    }
}

/// Pages on each evictable list, indexed by [`LruList`].
pub type LruSizes = [u64; 4];

/// Per-node reclaim state that is the policy's business as much as the
/// core's (`struct lruvec`): the costs that balance anonymous against file
/// reclaim, the clock of shadow entries, and the unevictable list.
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
    /// Pages on `LRU_UNEVICTABLE` (`NR_UNEVICTABLE`), changed under the
    /// policy's lists lock.
    nr_unevictable: AtomicU64,
    /// Pages with `PG_mlocked` (`NR_MLOCK`).
    nr_mlock: AtomicU64,
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
    /// Pages on the unevictable list (`Unevictable` in `/proc/meminfo`).
    pub fn nr_unevictable(&self) -> u64 {
        self.nr_unevictable.load(Ordering::Relaxed)
    }
    /// Pages with `PG_mlocked` (`Mlocked` in `/proc/meminfo`).
    pub fn nr_mlock(&self) -> u64 {
        self.nr_mlock.load(Ordering::Relaxed)
    }
}

/// What `folio_referenced` found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Referenced {
    /// Page-table entries that had the accessed bit (now cleared).
    pub ptes: u32,
    /// The union of the `vm_flags` of the VMAs that map the page
    /// (`VM_LOCKED` if the walk met a locked one, where it stopped).
    pub vm_flags: VmFlags,
}

/// The calls a reclaim policy makes into the core, which implements them.
pub trait ReclaimCore: Sync {
    /// `count_vm_events`.
    fn count_vm_events(&self, event: VmEvent, n: u64);
    /// The global count of an event so far.
    fn sum_vm_event(&self, event: VmEvent) -> u64;
    /// `folio_referenced`: tests and clears the accessed bit of every
    /// entry mapping the page (found through the reverse map).  A locked
    /// mapping mlocks the page and ends the walk.
    fn folio_referenced(&self, pfn: Pfn) -> Referenced;
    /// `folio_put`: drops a reference; the last one frees the page.
    fn folio_put(&self, pfn: Pfn);
    /// Free pages (`NR_FREE_PAGES`).
    fn nr_free_pages(&self) -> u64;
    /// `high_wmark_pages`.
    fn high_wmark_pages(&self) -> u64;
    /// `vm.swappiness`.
    fn swappiness(&self) -> u64;
    /// `__lru_cache_activate_folio`: a page not on the lists that this
    /// CPU's batch of additions holds goes onto the active side when the
    /// batch moves.  False if the batch does not hold it.
    fn lru_cache_activate_folio(&self, _pfn: Pfn) -> bool {
        false
    }
}

/// A policy's lists, as the protocol of [`LruCtx`] sees them: it takes a
/// page off them.  Which list, and how it got there, is the policy's
/// business (the page's [`Page::policy`] word can say).
pub trait LruLists: Send {
    /// Unlinks `pfn`, which is on the lists (`lruvec_del_folio`).  A
    /// large folio kept whole is one entry of
    /// [`PhysMem::folio_nr_pages`] pages: the policy counts that many.
    fn del(&mut self, phys: &PhysMem, pfn: Pfn);
    /// `lru_add_split_folio` for each page of the large folio `head`,
    /// which is on the lists as one entry: its `nr` pages take its place,
    /// in order ([`PageList::split_folio`](crate::list::PageList::split_folio)).
    /// [`LruCtx::lru_split_folio`] calls it with the pages already
    /// carrying the head's list flags and policy word, and the head no
    /// longer counting the whole folio, so a policy's page counts stay.
    fn lru_add_split_folio(&mut self, phys: &PhysMem, head: Pfn, nr: u64);
    /// Each list, read-only, for pictures and dumps: its name, length,
    /// and up to `max` pages at each end ([`PageList::view`](crate::list::PageList::view)).
    fn views(&self, phys: &PhysMem, max: usize) -> Vec<LruListView>;
}

/// One of a policy's lists as [`LruLists::views`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LruListView {
    /// The list's name (`inactive_anon`, `active_file`, `queue`...).
    pub name: &'static str,
    /// Pages on it.
    pub len: u64,
    /// Pages from the head (the most recently added end), in order.
    pub head: Vec<Pfn>,
    /// Pages ending at the tail (the next to be scanned), in order, none
    /// of them in `head`.
    pub tail: Vec<Pfn>,
}

/// `struct scan_control`: one reclaim pass, as the policy sees it.
pub struct ScanControl<'a> {
    /// The core, as the policy sees it.
    pub ctx: LruCtx<'a>,
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

impl ScanControl<'_> {
    /// `folio_referenced` (see [`ReclaimCore::folio_referenced`]).
    pub fn folio_referenced(&self, pfn: Pfn) -> Referenced {
        self.ctx.folio_referenced(pfn)
    }

    /// Counts `n` scanned pages of the given kind (`pgscan_*`).
    pub fn count_scanned(&mut self, file: bool, n: u64) {
        self.nr_scanned += n;
        let ctx = self.ctx;
        ctx.count(if self.kswapd { VmEvent::PgScanKswapd } else { VmEvent::PgScanDirect }, n);
        ctx.count(if file { VmEvent::PgScanFile } else { VmEvent::PgScanAnon }, n);
    }
}

/// A reclaim policy: which evictable pages to evict, and when.
///
/// The policy keeps the evictable pages on its own lists (linked with
/// [`PageList`](crate::list::PageList) through the `struct page`s, under its lock,
/// [`lists`](Self::lists)) and sets `PG_lru` when it adds a page to them.
/// [`LruCtx`] takes pages off them (to free or isolate them) and keeps
/// the unevictable list; the policy never sees an unevictable page.  It
/// never holds its lock while calling back into the core
/// ([`LruCtx::folio_referenced`], [`LruCtx::folio_put`]), which takes
/// page-table locks.
///
/// Pages it picks are *isolated* ([`LruCtx::isolate_lru_folio`]): off its
/// lists, `PG_lru` clear, and with a reference taken so they cannot be
/// freed under it.  It puts back those it keeps with
/// [`LruCtx::move_folios_to_lru`]; the core evicts the others, or hands
/// back the ones it could not evict with [`putback`](Self::putback).
pub trait ReclaimPolicy: Send + Sync {
    /// The registered name.
    fn name(&self) -> &'static str;
    /// The lists, under their lock (`lruvec->lru_lock`).
    fn lists(&self) -> &Mutex<dyn LruLists>;
    /// `folio_add_lru`: an evictable page became reclaimable (a new
    /// anonymous page, a page added to the page cache or the swap cache).
    /// `activate`: the workingset code found it refaulting soon after its
    /// eviction.
    fn folio_add_lru(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool);
    /// `folio_batch_move_lru` with `lru_add`: a CPU's batch of new
    /// evictable pages (each with its `activate`), in the order they were
    /// added, goes onto the lists, under one taking of the lock.  The
    /// default adds them one by one with
    /// [`folio_add_lru`](Self::folio_add_lru).
    fn folio_batch_add_lru(&self, ctx: &LruCtx<'_>, folios: &[(Pfn, bool)]) {
        for &(pfn, activate) in folios {
            self.folio_add_lru(ctx, pfn, activate);
        }
    }
    /// `folio_putback_lru`: an isolated evictable page goes back (to the
    /// active side if `activate`).  The caller still drops its isolation
    /// reference.
    fn putback(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool);
    /// `shrink_lruvec`: adds up to `SWAP_CLUSTER_MAX` isolated pages to
    /// `victims`, aging the lists as it goes.  Adding none means this
    /// priority's budget is spent.
    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>);
    /// `folio_mark_accessed`: a `read` or `write` used the page.
    fn folio_mark_accessed(&self, _ctx: &LruCtx<'_>, _pfn: Pfn) {}
    /// `folio_deactivate` (`MADV_COLD`): the page is not expected to be
    /// used soon.
    fn folio_deactivate(&self, ctx: &LruCtx<'_>, pfn: Pfn) {
        if ctx.folio_isolate_lru(pfn) {
            ctx.page(pfn).clear_flags(PageFlags::ACTIVE | PageFlags::REFERENCED);
            self.putback(ctx, pfn, false);
            ctx.folio_put(pfn);
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
pub fn folio_try_get(page: &Page) -> bool {
    let rc = &page.refcount;
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

/// The `mlock_count` of a page on the unevictable list: it lives in the
/// list word that page would use on an evictable list
/// (`folio->mlock_count` overlays `lru.prev`).
#[inline]
fn mlock_count(page: &Page) -> u32 {
    page.mlock_count().load(Ordering::Relaxed)
}

#[inline]
fn set_mlock_count(page: &Page, n: u32) {
    page.mlock_count().store(n, Ordering::Relaxed);
}

/// The narrow view of the core a reclaim policy gets, and the LRU
/// protocol the core runs around it.
#[derive(Clone, Copy)]
pub struct LruCtx<'a> {
    /// The frames and their `struct page`s.
    pub phys: &'a PhysMem,
    /// The tracer.
    pub trace: &'a Tracer,
    /// The node's reclaim state.
    pub lruvec: &'a Lruvec,
    core: &'a dyn ReclaimCore,
    policy: &'a dyn ReclaimPolicy,
}

impl<'a> LruCtx<'a> {
    /// A context for `policy` over the core `core`.
    #[inline]
    pub fn new(
        phys: &'a PhysMem,
        trace: &'a Tracer,
        lruvec: &'a Lruvec,
        core: &'a dyn ReclaimCore,
        policy: &'a dyn ReclaimPolicy,
    ) -> LruCtx<'a> {
        LruCtx { phys, trace, lruvec, core, policy }
    }

    /// The `struct page` of `pfn`.
    #[inline]
    pub fn page(&self, pfn: Pfn) -> &'a Page {
        self.phys.page(pfn)
    }

    /// `count_vm_events`.
    #[inline]
    pub fn count(&self, event: VmEvent, n: u64) {
        self.core.count_vm_events(event, n);
    }

    /// The global count of an event so far.
    pub fn sum_vm_event(&self, event: VmEvent) -> u64 {
        self.core.sum_vm_event(event)
    }

    /// See [`ReclaimCore::folio_referenced`].
    pub fn folio_referenced(&self, pfn: Pfn) -> Referenced {
        self.core.folio_referenced(pfn)
    }

    /// Drops a reference (an isolation's, once the page is back).
    pub fn folio_put(&self, pfn: Pfn) {
        self.core.folio_put(pfn);
    }

    /// Free pages.
    pub fn nr_free_pages(&self) -> u64 {
        self.core.nr_free_pages()
    }

    /// `high_wmark_pages`.
    pub fn high_wmark_pages(&self) -> u64 {
        self.core.high_wmark_pages()
    }

    /// `vm.swappiness`.
    pub fn swappiness(&self) -> u64 {
        self.core.swappiness()
    }

    /// See [`ReclaimCore::lru_cache_activate_folio`].
    pub fn lru_cache_activate_folio(&self, pfn: Pfn) -> bool {
        self.core.lru_cache_activate_folio(pfn)
    }

    /// Pages on the policy's lists by kind.
    pub fn lru_sizes(&self) -> LruSizes {
        self.policy.lru_sizes()
    }

    /// `folio_evictable`: not mlocked (the model has no unevictable
    /// mappings, `SHM_LOCK` or ramfs).
    #[inline]
    pub fn folio_evictable(&self, page: &Page) -> bool {
        !page.test(PageFlags::MLOCKED)
    }

    /// In a policy's scan, under its lists lock: isolates a page it is
    /// taking off its lists (`isolate_lru_folios`): takes a reference,
    /// clears `PG_lru` and unlinks it.  False (and nothing changed) if the
    /// page is being freed; it then stays for the freeing path.
    #[inline]
    pub fn isolate_lru_folio<L: LruLists + ?Sized>(&self, lists: &mut L, pfn: Pfn) -> bool {
        let page = self.phys.page(pfn);
        if !folio_try_get(page) {
            return false;
        }
        page.clear_flags(PageFlags::LRU);
        lists.del(self.phys, pfn);
        true
    }

    /// `move_folios_to_lru`: puts isolated pages back under one taking of
    /// the lock, each where `add` (the policy) says, which sets `PG_lru`;
    /// a page that is no longer evictable goes to the unevictable list
    /// instead.  The caller still drops the isolation references
    /// ([`folios_put`](Self::folios_put)).
    pub fn move_folios_to_lru<L: LruLists + ?Sized, T: Copy>(
        &self,
        lists: &Mutex<L>,
        pages: impl IntoIterator<Item = (Pfn, T)>,
        mut add: impl FnMut(&mut L, Pfn, T),
    ) {
        let mut unevictable: smallvec::SmallVec<[Pfn; 8]> = smallvec::SmallVec::new();
        {
            let mut l = lists.lock();
            for (pfn, how) in pages {
                if self.folio_evictable(self.phys.page(pfn)) {
                    add(&mut l, pfn, how);
                } else {
                    unevictable.push(pfn);
                }
            }
        }
        for pfn in unevictable {
            self.folio_putback_lru(pfn, false);
        }
    }

    /// Drops one reference on each page.
    pub fn folios_put(&self, pfns: &[Pfn]) {
        for &pfn in pfns {
            self.core.folio_put(pfn);
        }
    }

    /// Adds a page that is not evictable to the unevictable list
    /// (`lru_add`'s other branch), with `mlock_count` `count`.
    fn add_unevictable(&self, pfn: Pfn, count: u32) {
        let page = self.phys.page(pfn);
        let _l = self.policy.lists().lock();
        page.clear_flags(PageFlags::ACTIVE);
        let was = page.set_flags(PageFlags::UNEVICTABLE).contains(PageFlags::UNEVICTABLE);
        set_mlock_count(page, count);
        self.lruvec.nr_unevictable.fetch_add(1, Ordering::Relaxed);
        if !was {
            self.count(VmEvent::UnevictablePgsCulled, 1);
        }
        page.set_flags(PageFlags::LRU);
    }

    /// The first step of `lru_add`: a mlocked page goes to the
    /// unevictable list (false); one that was unevictable is rescued.
    /// True if the page goes to the policy.
    #[inline]
    fn lru_add_evictable(&self, pfn: Pfn) -> bool {
        let page = self.phys.page(pfn);
        let f = page.flags();
        if f.contains(PageFlags::MLOCKED) {
            self.add_unevictable(pfn, 0);
            return false;
        }
        if f.contains(PageFlags::UNEVICTABLE) {
            page.clear_flags(PageFlags::UNEVICTABLE);
            self.count(VmEvent::UnevictablePgsRescued, 1);
        }
        true
    }

    /// `lru_add`: a page that becomes reclaimable goes to the policy
    /// (`putback`: an isolated page coming back) or, if it is mlocked, to
    /// the unevictable list.
    #[inline]
    fn lru_add(&self, pfn: Pfn, activate: bool, putback: bool) {
        if !self.lru_add_evictable(pfn) {
            return;
        }
        if putback {
            self.policy.putback(self, pfn, activate);
        } else {
            self.policy.folio_add_lru(self, pfn, activate);
        }
    }

    /// `lru_add` of one page, at once: a page becomes reclaimable
    /// (`activate`: onto the active side).  The core batches new pages
    /// per CPU and moves them with
    /// [`folio_batch_move_lru`](Self::folio_batch_move_lru).
    #[inline]
    pub fn folio_add_lru(&self, pfn: Pfn, activate: bool) {
        self.lru_add(pfn, activate, false);
    }

    /// `folio_batch_move_lru` with `lru_add`: the pages of a CPU's batch
    /// (each with its `activate`) go where they belong now: a page
    /// mlocked while it waited to the unevictable list, the others to the
    /// policy all at once ([`ReclaimPolicy::folio_batch_add_lru`]).  The
    /// batch's reference on each page is dropped afterwards (`folios_put`),
    /// which frees a page nothing else holds any more.
    pub fn folio_batch_move_lru(&self, folios: &[(Pfn, bool)]) {
        let mut evictable: smallvec::SmallVec<[(Pfn, bool); FOLIO_BATCH_SIZE]> = smallvec::SmallVec::new();
        for &(pfn, activate) in folios {
            if self.lru_add_evictable(pfn) {
                evictable.push((pfn, activate));
            }
        }
        if !evictable.is_empty() {
            self.policy.folio_batch_add_lru(self, &evictable);
        }
        for &(pfn, _) in folios {
            self.core.folio_put(pfn);
        }
    }

    /// `folio_putback_lru`: an isolated page goes back (on the active side
    /// if `activate`).  The caller still drops its isolation reference.
    pub fn folio_putback_lru(&self, pfn: Pfn, activate: bool) {
        self.lru_add(pfn, activate, true);
    }

    /// `folio_isolate_lru`: takes a given page off the lists, the
    /// unevictable one included (for `MADV_PAGEOUT`, `MADV_FREE`), with a
    /// reference.  False if it was not on them.
    pub fn folio_isolate_lru(&self, pfn: Pfn) -> bool {
        let page = self.phys.page(pfn);
        let mut l = self.policy.lists().lock();
        if !page.test(PageFlags::LRU) || !folio_try_get(page) {
            return false;
        }
        page.clear_flags(PageFlags::LRU);
        if page.test(PageFlags::UNEVICTABLE) {
            self.lruvec.nr_unevictable.fetch_sub(1, Ordering::Relaxed);
        } else {
            l.del(self.phys, pfn);
        }
        true
    }

    /// The large folio `head`, kept whole until now (one entry on the
    /// lists, `PG_large_rmappable`), becomes `nr` pages with places of
    /// their own on the lists (`lru_add_split_folio` for each): under the
    /// lists lock, each page takes the head's list flags and policy word,
    /// the head stops counting the whole folio, and the policy links the
    /// pages where the folio was.  A folio off the lists (isolated) only
    /// loses the flag.
    pub fn lru_split_folio(&self, head: Pfn, nr: u64) {
        let page = self.phys.page(head);
        let mut l = self.policy.lists().lock();
        let f = page.flags();
        debug_assert!(!f.contains(PageFlags::UNEVICTABLE), "a large folio kept whole is never unevictable");
        let on_lists = f.contains(PageFlags::LRU) && !f.contains(PageFlags::UNEVICTABLE);
        let copied = f & (PageFlags::LRU | PageFlags::ACTIVE | PageFlags::REFERENCED | PageFlags::WORKINGSET);
        let word = page.policy.load(Ordering::Relaxed);
        for i in 1..nr {
            let tail = self.phys.page(Pfn(head.0 + i));
            tail.set_flags(copied);
            tail.policy.store(word, Ordering::Relaxed);
        }
        page.clear_flags(PageFlags::LARGE_RMAPPABLE);
        if on_lists {
            l.lru_add_split_folio(self.phys, head, nr);
        }
    }

    /// `lruvec_del_folio` for pages being freed together (`folios_put_refs`
    /// takes the lock once): those with `PG_lru` leave their list.  Their
    /// last reference is gone, so `PG_lru` clears without an atomic
    /// operation (`__page_cache_release`, `__folio_clear_lru_flags`); the
    /// LRU lock orders it with isolation, which tests the flag under it.
    pub fn folios_del_lru(&self, pfns: &[Pfn]) {
        let mut l = self.policy.lists().lock();
        for &pfn in pfns {
            let page = self.phys.page(pfn);
            if page.clear_flags_exclusive(PageFlags::LRU).contains(PageFlags::LRU) {
                if page.test(PageFlags::UNEVICTABLE) {
                    self.lruvec.nr_unevictable.fetch_sub(1, Ordering::Relaxed);
                } else {
                    l.del(self.phys, pfn);
                }
            }
        }
    }

    /// `__page_cache_release` of a page still mlocked: the flag and
    /// `NR_MLOCK` go (`unevictable_pgs_cleared`).
    #[inline]
    pub fn folio_clear_mlocked_on_free(&self, page: &Page) {
        if page.clear_flags(PageFlags::MLOCKED).contains(PageFlags::MLOCKED) {
            self.lruvec.nr_mlock.fetch_sub(1, Ordering::Relaxed);
            self.count(VmEvent::UnevictablePgsCleared, 1);
        }
    }

    /// `folio_mark_accessed`: an unevictable page only gets
    /// `PG_referenced` (its list is never rotated); others are the
    /// policy's.
    pub fn folio_mark_accessed(&self, pfn: Pfn) {
        let page = self.phys.page(pfn);
        if page.test(PageFlags::UNEVICTABLE) {
            page.set_flags(PageFlags::REFERENCED);
            return;
        }
        self.policy.folio_mark_accessed(self, pfn);
    }

    /// `folio_deactivate`: unevictable pages are left alone.
    pub fn folio_deactivate(&self, pfn: Pfn) {
        if self.phys.page(pfn).test(PageFlags::UNEVICTABLE) {
            return;
        }
        self.policy.folio_deactivate(self, pfn);
    }

    /// Sets `PG_mlocked` (`folio_test_set_mlocked`), counting it in
    /// `NR_MLOCK`; true if it was clear.
    fn folio_set_mlocked(&self, page: &Page) -> bool {
        if page.set_flags(PageFlags::MLOCKED).contains(PageFlags::MLOCKED) {
            return false;
        }
        self.lruvec.nr_mlock.fetch_add(1, Ordering::Relaxed);
        self.count(VmEvent::UnevictablePgsMlocked, 1);
        true
    }

    /// `mlock_vma_folio`: a page mapped by `vm_flags` is mlocked if the
    /// VMA is locked (and not special).
    #[inline]
    pub fn mlock_vma_folio(&self, pfn: Pfn, vm_flags: VmFlags) {
        if vm_flags & (VmFlags::LOCKED | VmFlags::SPECIAL) == VmFlags::LOCKED {
            self.mlock_folio(pfn);
        }
    }

    /// `mlock_folio` + `__mlock_folio`: sets `PG_mlocked` and moves the
    /// page to the unevictable list, or counts one more locked mapping if
    /// it is there already.  A page off the lists (isolated) only gets the
    /// flag: whoever isolated it puts it back where it now belongs.
    pub fn mlock_folio(&self, pfn: Pfn) {
        let page = self.phys.page(pfn);
        self.folio_set_mlocked(page);
        let mut l = self.policy.lists().lock();
        if !page.clear_flags(PageFlags::LRU).contains(PageFlags::LRU) {
            return;
        }
        if page.test(PageFlags::UNEVICTABLE) {
            if page.test(PageFlags::MLOCKED) {
                set_mlock_count(page, mlock_count(page) + 1);
            }
        } else if !self.folio_evictable(page) {
            l.del(self.phys, pfn);
            page.clear_flags(PageFlags::ACTIVE);
            page.set_flags(PageFlags::UNEVICTABLE);
            set_mlock_count(page, 1);
            self.lruvec.nr_unevictable.fetch_add(1, Ordering::Relaxed);
            self.count(VmEvent::UnevictablePgsCulled, 1);
        }
        page.set_flags(PageFlags::LRU);
        drop(l);
    }

    /// `mlock_new_folio`: a page just allocated for a locked VMA is
    /// mlocked and starts on the unevictable list.
    pub fn mlock_new_folio(&self, pfn: Pfn) {
        let page = self.phys.page(pfn);
        self.folio_set_mlocked(page);
        self.add_unevictable(pfn, 1);
    }

    /// `munlock_folio` + `__munlock_folio`: one locked mapping fewer.  The
    /// last one (by `mlock_count`) clears `PG_mlocked`, and the page goes
    /// back to the policy's lists (`unevictable_pgs_rescued`).  A page
    /// off the lists loses the flag at once (reclaim mlocks it again if
    /// another locked mapping remains).
    pub fn munlock_folio(&self, pfn: Pfn) {
        let page = self.phys.page(pfn);
        let l = self.policy.lists().lock();
        let isolated = page.clear_flags(PageFlags::LRU).contains(PageFlags::LRU);
        if isolated && page.test(PageFlags::UNEVICTABLE) {
            let n = mlock_count(page).saturating_sub(1);
            set_mlock_count(page, n);
            if n > 0 {
                page.set_flags(PageFlags::LRU);
                return;
            }
        }
        if page.clear_flags(PageFlags::MLOCKED).contains(PageFlags::MLOCKED) {
            self.lruvec.nr_mlock.fetch_sub(1, Ordering::Relaxed);
            let ev = if isolated || !page.test(PageFlags::UNEVICTABLE) {
                VmEvent::UnevictablePgsMunlocked
            } else {
                VmEvent::UnevictablePgsStranded
            };
            self.count(ev, 1);
        }
        if isolated && page.test(PageFlags::UNEVICTABLE) && self.folio_evictable(page) {
            self.lruvec.nr_unevictable.fetch_sub(1, Ordering::Relaxed);
            drop(l);
            page.clear_flags(PageFlags::UNEVICTABLE);
            self.count(VmEvent::UnevictablePgsRescued, 1);
            self.policy.putback(self, pfn, false);
            return;
        }
        if isolated {
            page.set_flags(PageFlags::LRU);
        }
    }
}
