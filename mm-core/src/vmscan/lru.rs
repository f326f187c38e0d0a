//! Linux's two-list LRU (mm/vmscan.c without multi-gen LRU): for anonymous
//! and for file pages, an inactive list where new pages start and an
//! active list for pages used more than once.
//!
//! Reclaim takes pages from the tail of the inactive lists
//! (`shrink_inactive_list`) and checks their references
//! (`folio_check_references`): a page whose entries were accessed once gets
//! `PG_referenced` and another trip around the inactive list; twice, it is
//! activated.  When an inactive list gets small next to its active list
//! (`inactive_is_low`), `shrink_active_list` moves pages from the active
//! tail to the inactive head.  How much of each kind is scanned follows
//! `get_scan_count`: file pages only without swap, and otherwise shares set
//! by `swappiness` and what reclaiming each kind has recently cost.

use super::list::PageList;
use super::policy::{
    LruCtx, LruList, LruLists, LruSizes, ReclaimPolicy, ReclaimPolicyDesc, SWAP_CLUSTER_MAX, ScanControl,
};
use crate::flags::{PageFlags, VmFlags};
use crate::phys::PhysMem;
use crate::types::{PAGE_SHIFT, Pfn};
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use parking_lot::Mutex;
use std::sync::atomic::Ordering;

/// The lists, under `lru_lock`.
#[derive(Debug, Default)]
struct Lists {
    lists: [PageList; 4],
}

/// Linux's active/inactive LRU.
#[derive(Debug, Default)]
pub struct TwoListLru {
    lru_lock: Mutex<Lists>,
}

/// `folio_is_file_lru`: not swap-backed.
#[inline]
fn is_file_lru(phys: &PhysMem, pfn: Pfn) -> bool {
    !phys.page(pfn).test(PageFlags::SWAPBACKED)
}

/// The list a page on the lists is on (recorded in its policy word).
#[inline]
fn on_list(phys: &PhysMem, pfn: Pfn) -> Option<LruList> {
    match phys.page(pfn).policy.load(Ordering::Relaxed) {
        0 => None,
        v => Some(LruList::ALL[(v - 1) as usize & 3]),
    }
}

impl LruLists for Lists {
    fn del(&mut self, phys: &PhysMem, pfn: Pfn) {
        if let Some(lru) = on_list(phys, pfn) {
            self.lists[lru as usize].remove(phys, pfn);
            phys.page(pfn).policy.store(0, Ordering::Relaxed);
        }
    }

    fn lru_add_split_folio(&mut self, phys: &PhysMem, head: Pfn, nr: u64) {
        if let Some(lru) = on_list(phys, head) {
            self.lists[lru as usize].split_folio(phys, head, nr);
        }
    }

    fn views(&self, phys: &PhysMem, max: usize) -> Vec<mm_api::reclaim::LruListView> {
        LruList::ALL.iter().map(|&l| self.lists[l as usize].view(phys, l.name(), max)).collect()
    }
}

impl Lists {
    fn add(&mut self, phys: &PhysMem, pfn: Pfn, lru: LruList, tail: bool) {
        let page = phys.page(pfn);
        page.policy.store(lru as u32 + 1, Ordering::Relaxed);
        if lru.is_active() {
            page.set_flags(PageFlags::ACTIVE | PageFlags::LRU);
        } else if page.flags().contains(PageFlags::ACTIVE) {
            page.set_flags(PageFlags::LRU);
            page.clear_flags(PageFlags::ACTIVE);
        } else {
            page.set_flags(PageFlags::LRU);
        }
        if tail {
            self.lists[lru as usize].push_tail(phys, pfn);
        } else {
            self.lists[lru as usize].push_head(phys, pfn);
        }
    }

    fn sizes(&self) -> LruSizes {
        [self.lists[0].len(), self.lists[1].len(), self.lists[2].len(), self.lists[3].len()]
    }

    /// `isolate_lru_folios`: up to `nr` pages from the tail of `lru`.
    fn isolate_lru_folios(&mut self, ctx: &LruCtx<'_>, lru: LruList, nr: u64, out: &mut Vec<Pfn>) -> u64 {
        let mut scanned = 0;
        let mut cur = self.lists[lru as usize].tail();
        while let Some(pfn) = cur {
            if scanned >= nr {
                break;
            }
            cur = self.lists[lru as usize].prev(ctx.phys, pfn);
            scanned += 1;
            // A page being freed stays for the freeing path to take off.
            if ctx.isolate_lru_folio(self, pfn) {
                out.push(pfn);
            }
        }
        scanned
    }
}

/// `inactive_is_low`: the inactive list is smaller than the active one
/// divided by `sqrt(10 * GiB)` (or 1 below a GiB).
fn inactive_is_low(sizes: &LruSizes, inactive: LruList) -> bool {
    let i = sizes[inactive as usize];
    let a = sizes[inactive as usize + 1];
    let gb = (i + a) >> (30 - PAGE_SHIFT);
    let ratio = if gb > 0 { (10 * gb).isqrt() } else { 1 };
    i * ratio < a
}

/// What `folio_check_references` decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FolioRef {
    Activate,
    Keep,
    Reclaim,
}

impl TwoListLru {
    /// A new, empty LRU.
    pub fn new() -> TwoListLru {
        TwoListLru::default()
    }

    /// `folio_check_references`.
    fn folio_check_references(sc: &ScanControl<'_>, pfn: Pfn) -> FolioRef {
        let r = sc.folio_referenced(pfn);
        let page = sc.ctx.page(pfn);
        let referenced_folio = page.clear_flags(PageFlags::REFERENCED).contains(PageFlags::REFERENCED);
        let trace = &sc.ctx.trace;
        if r.vm_flags.contains(VmFlags::LOCKED) {
            trace_note!(trace, "folio_check_references", "pfn {:#x}: mapped in a VM_LOCKED VMA: activate", pfn.0);
            return FolioRef::Activate;
        }
        if r.ptes > 0 {
            page.set_flags(PageFlags::REFERENCED);
            let (verdict, why) = if referenced_folio {
                (FolioRef::Activate, "referenced again since the last scan: activate")
            } else if r.ptes > 1 {
                (FolioRef::Activate, "several referencing ptes: activate")
            } else if r.vm_flags.contains(VmFlags::EXEC) && is_file_lru(sc.ctx.phys, pfn) {
                (FolioRef::Activate, "executable file page: activate")
            } else {
                (FolioRef::Keep, "first reference, PG_referenced set: keep on the inactive list")
            };
            trace_note!(
                trace,
                "folio_check_references",
                "pfn {:#x}: {} referenced pte{}, PG_referenced was {}: {}",
                pfn.0,
                r.ptes,
                if r.ptes == 1 { "" } else { "s" },
                if referenced_folio { "set" } else { "clear" },
                why
            );
            return verdict;
        }
        FolioRef::Reclaim
    }

    /// `get_scan_count`: how many pages of each list this priority scans.
    fn get_scan_count(&self, sc: &ScanControl<'_>, sizes: &LruSizes) -> LruSizes {
        let ctx = sc.ctx;
        let swappiness = ctx.swappiness().min(200);
        let file_pages = sizes[2] + sizes[3];
        let free = ctx.nr_free_pages();
        let shifted = |l: usize| sizes[l] >> sc.priority;
        let file_only = || [0, 0, shifted(2), shifted(3)];
        // No swap space: anonymous pages cannot go anywhere.  Global
        // reclaim swaps even at swappiness 0, to prevent an OOM; only a
        // memory cgroup's reclaim takes 0 to mean never.
        if !sc.may_swap {
            return file_only();
        }
        if sc.priority == 0 && swappiness > 0 {
            // SCAN_EQUAL: out of options, everything is fair game (unless
            // swappiness disagrees with swapping).
            return *sizes;
        }
        // file_is_tiny: the file cache would not even bring free memory up
        // to the high watermark.
        if file_pages + free <= ctx.high_wmark_pages()
            && !inactive_is_low(sizes, LruList::InactiveAnon)
            && shifted(0) > 0
        {
            return [shifted(0), shifted(1), 0, 0];
        }
        // cache_trim_mode: plenty of inactive cache and no file refaults
        // since the last pass: trim the cache only.
        let refaults = ctx.sum_vm_event(VmEvent::WorkingsetRefaultFile);
        let snapshot = ctx.lruvec.file_refaults_snapshot.load(Ordering::Relaxed);
        if sizes[2] >> sc.priority > 0 && refaults == snapshot && !inactive_is_low(sizes, LruList::InactiveFile) {
            return file_only();
        }
        // SCAN_FRACT.
        let (anon_cost, file_cost) = ctx.lruvec.costs();
        let total = anon_cost + file_cost + 1;
        let ap = swappiness * total / (anon_cost + 1);
        let fp = (200 - swappiness) * total / (file_cost + 1);
        let den = (ap + fp).max(1);
        let share = |l: usize, f: u64| (shifted(l) * f).div_ceil(den);
        [share(0, ap), share(1, ap), share(2, fp), share(3, fp)]
    }

    /// `shrink_active_list`: moves up to `nr` pages from the tail of an
    /// active list to the head of its inactive list, keeping referenced
    /// executable file pages active.
    fn shrink_active_list(&self, sc: &mut ScanControl<'_>, lru: LruList, nr: u64) {
        let ctx = sc.ctx;
        let mut isolated = Vec::new();
        let scanned = self.lru_lock.lock().isolate_lru_folios(&ctx, lru, nr, &mut isolated);
        ctx.count(VmEvent::PgRefill, scanned);
        let mut keep = Vec::new();
        let mut deactivate = Vec::new();
        for &pfn in &isolated {
            let r = sc.folio_referenced(pfn);
            if r.ptes > 0 && r.vm_flags.contains(VmFlags::EXEC) && lru.is_file() {
                keep.push(pfn);
            } else {
                let page = ctx.page(pfn);
                page.clear_flags(PageFlags::ACTIVE | PageFlags::REFERENCED);
                page.set_flags(PageFlags::WORKINGSET);
                deactivate.push(pfn);
            }
        }
        let inactive = LruList::of(lru.is_file(), false);
        let moved = keep.iter().map(|&p| (p, lru)).chain(deactivate.iter().map(|&p| (p, inactive)));
        ctx.move_folios_to_lru(&self.lru_lock, moved, |l, pfn, to| l.add(ctx.phys, pfn, to, false));
        ctx.count(VmEvent::PgDeactivate, deactivate.len() as u64);
        trace_note!(
            ctx.trace,
            "shrink_active_list",
            "{:?}: {} scanned, {} deactivated, {} kept active",
            lru,
            scanned,
            deactivate.len(),
            keep.len()
        );
        ctx.folios_put(&isolated);
    }

    /// `shrink_inactive_list`: isolates up to `nr` pages from the tail of
    /// an inactive list, checks their references, and hands the ones to
    /// reclaim to the core.
    fn shrink_inactive_list(&self, sc: &mut ScanControl<'_>, lru: LruList, nr: u64, victims: &mut Vec<Pfn>) {
        let ctx = sc.ctx;
        let mut isolated = Vec::new();
        let scanned = self.lru_lock.lock().isolate_lru_folios(&ctx, lru, nr, &mut isolated);
        sc.count_scanned(lru.is_file(), scanned);
        let mut back = Vec::new();
        for pfn in isolated {
            match Self::folio_check_references(sc, pfn) {
                FolioRef::Reclaim => victims.push(pfn),
                r => back.push((pfn, r == FolioRef::Activate)),
            }
        }
        // An mlocked page goes to the unevictable list, not the active one.
        let activated = back.iter().filter(|&&(pfn, a)| a && ctx.folio_evictable(ctx.page(pfn))).count() as u64;
        ctx.move_folios_to_lru(&self.lru_lock, back.iter().copied(), |l, pfn, activate| {
            l.add(ctx.phys, pfn, LruList::of(is_file_lru(ctx.phys, pfn), activate), false)
        });
        ctx.count(VmEvent::PgActivate, activated);
        trace_note!(
            ctx.trace,
            "shrink_inactive_list",
            "{:?}: {} scanned, {} activated, {} kept, {} to reclaim",
            lru,
            scanned,
            activated,
            back.len() as u64 - activated,
            victims.len()
        );
        for (pfn, _) in back {
            ctx.folio_put(pfn);
        }
    }
}

impl ReclaimPolicy for TwoListLru {
    fn name(&self) -> &'static str {
        "lru"
    }

    fn lists(&self) -> &Mutex<dyn LruLists> {
        &self.lru_lock
    }

    fn folio_add_lru(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool) {
        let lru = LruList::of(is_file_lru(ctx.phys, pfn), activate);
        crate::lockstat::lock_acquired("lru_lock", &self.lru_lock);
        self.lru_lock.lock().add(ctx.phys, pfn, lru, false);
    }

    fn folio_batch_add_lru(&self, ctx: &LruCtx<'_>, folios: &[(Pfn, bool)]) {
        crate::lockstat::lock_acquired("lru_lock", &self.lru_lock);
        let mut l = self.lru_lock.lock();
        for &(pfn, activate) in folios {
            l.add(ctx.phys, pfn, LruList::of(is_file_lru(ctx.phys, pfn), activate), false);
        }
    }

    fn putback(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool) {
        let active = activate || ctx.page(pfn).test(PageFlags::ACTIVE);
        if activate {
            ctx.count(VmEvent::PgActivate, 1);
        }
        self.lru_lock.lock().add(ctx.phys, pfn, LruList::of(is_file_lru(ctx.phys, pfn), active), false);
    }

    fn folio_mark_accessed(&self, ctx: &LruCtx<'_>, pfn: Pfn) {
        let page = ctx.page(pfn);
        // Inactive, unreferenced -> inactive, referenced -> active.
        if !page.set_flags(PageFlags::REFERENCED).contains(PageFlags::REFERENCED) || page.test(PageFlags::ACTIVE) {
            return;
        }
        let mut l = self.lru_lock.lock();
        let f = page.flags();
        if f.contains(PageFlags::LRU) && !f.intersects(PageFlags::ACTIVE | PageFlags::UNEVICTABLE) {
            l.del(ctx.phys, pfn);
            page.clear_flags(PageFlags::REFERENCED);
            l.add(ctx.phys, pfn, LruList::of(is_file_lru(ctx.phys, pfn), true), false);
            ctx.count(VmEvent::PgActivate, 1);
        } else if !f.intersects(PageFlags::LRU | PageFlags::UNEVICTABLE) {
            // Not on the lists: if this CPU's batch of additions holds it,
            // it goes on the active side when the batch moves.
            drop(l);
            ctx.lru_cache_activate_folio(pfn);
            page.clear_flags(PageFlags::REFERENCED);
        }
    }

    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>) {
        let ctx = sc.ctx;
        let sizes = self.lru_lock.lock().sizes();
        if sc.budget_priority != Some(sc.priority) {
            sc.budget = self.get_scan_count(sc, &sizes);
            sc.budget_priority = Some(sc.priority);
            let _t = trace_enter!(
                ctx.trace,
                "shrink_lruvec",
                "priority {}: scan anon {}+{} file {}+{} (of {}+{} and {}+{})",
                sc.priority,
                sc.budget[0],
                sc.budget[1],
                sc.budget[2],
                sc.budget[3],
                sizes[0],
                sizes[1],
                sizes[2],
                sizes[3]
            );
        }
        while victims.is_empty() && sc.budget.iter().any(|&b| b > 0) {
            for lru in LruList::ALL {
                let b = &mut sc.budget[lru as usize];
                if *b == 0 {
                    continue;
                }
                let nr = (*b).min(SWAP_CLUSTER_MAX);
                *b -= nr;
                if lru.is_active() {
                    let sizes = self.lru_lock.lock().sizes();
                    if inactive_is_low(&sizes, LruList::of(lru.is_file(), false)) {
                        self.shrink_active_list(sc, lru, nr);
                    }
                } else {
                    self.shrink_inactive_list(sc, lru, nr, victims);
                }
            }
        }
        // Keep the anonymous lists balanced even when only file pages
        // were scanned.
        let sizes = self.lru_lock.lock().sizes();
        if sc.may_swap && inactive_is_low(&sizes, LruList::InactiveAnon) && victims.is_empty() {
            self.shrink_active_list(sc, LruList::ActiveAnon, SWAP_CLUSTER_MAX);
        }
    }

    fn lru_sizes(&self) -> LruSizes {
        self.lru_lock.lock().sizes()
    }
}

fn new_lru(_nr_pages: u64) -> Box<dyn ReclaimPolicy> {
    Box::new(TwoListLru::new())
}

#[linkme::distributed_slice(super::MM_RECLAIM_POLICIES)]
static LRU: ReclaimPolicyDesc = ReclaimPolicyDesc {
    name: "lru",
    description: "Linux's active/inactive lists for anonymous and file pages (mm/vmscan.c)",
    new: new_lru,
};
