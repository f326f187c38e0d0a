//! CLOCK (second chance): one ring of every evictable page, anonymous and
//! file alike, and a hand that sweeps it.
//!
//! Where Linux's LRU keeps an active and an inactive list per kind and
//! promotes pages used twice, CLOCK keeps no history beyond one bit: a
//! page under the hand whose entries were accessed since the last sweep
//! (or that a `read` touched) gets its bit cleared and another turn; a
//! page without it is evicted.  New and refaulting pages enter just
//! behind the hand, so they wait a whole turn.  Without swap space,
//! anonymous pages are passed over.  Mlocked pages never reach the ring:
//! the core keeps them on its unevictable list.

use mm_api::flags::PageFlags;
use mm_api::list::PageList;
use mm_api::phys::PhysMem;
use mm_api::reclaim::{
    self as vmscan, LruCtx, LruListView, LruLists, LruSizes, ReclaimPolicy, ReclaimPolicyDesc, SWAP_CLUSTER_MAX,
    ScanControl,
};
use mm_api::trace_note;
use mm_api::types::Pfn;
use mm_api::vmstat::VmEvent;
use parking_lot::Mutex;
use std::sync::atomic::Ordering;

/// The page's policy word: on the ring, and which kind it was counted as.
const ON_ANON: u32 = 1;
const ON_FILE: u32 = 2;

#[derive(Debug, Default)]
struct Ring {
    /// Tail is the hand; head is just behind it.
    ring: PageList,
    anon: u64,
    file: u64,
}

impl Ring {
    fn add(&mut self, phys: &PhysMem, pfn: Pfn) {
        let page = phys.page(pfn);
        let file = !page.test(PageFlags::SWAPBACKED);
        page.policy.store(if file { ON_FILE } else { ON_ANON }, Ordering::Relaxed);
        page.set_flags(PageFlags::LRU);
        page.clear_flags(PageFlags::ACTIVE);
        let nr = phys.folio_nr_pages(pfn);
        if file {
            self.file += nr;
        } else {
            self.anon += nr;
        }
        self.ring.push_head(phys, pfn);
    }
}

impl LruLists for Ring {
    fn del(&mut self, phys: &PhysMem, pfn: Pfn) {
        let page = phys.page(pfn);
        let nr = phys.folio_nr_pages(pfn);
        match page.policy.swap(0, Ordering::Relaxed) {
            ON_ANON => self.anon -= nr,
            ON_FILE => self.file -= nr,
            _ => return,
        }
        self.ring.remove(phys, pfn);
    }

    fn lru_add_split_folio(&mut self, phys: &PhysMem, head: Pfn, nr: u64) {
        self.ring.split_folio(phys, head, nr);
    }

    /// The ring from just behind the hand (head) to the hand (tail).
    fn views(&self, phys: &PhysMem, max: usize) -> Vec<LruListView> {
        vec![self.ring.view(phys, "clock", max)]
    }
}

/// The CLOCK policy.
#[derive(Debug, Default)]
pub struct Clock {
    lock: Mutex<Ring>,
}

impl Clock {
    /// An empty ring.
    pub fn new() -> Clock {
        Clock::default()
    }
}

impl ReclaimPolicy for Clock {
    fn name(&self) -> &'static str {
        "clock"
    }

    fn lists(&self) -> &Mutex<dyn LruLists> {
        &self.lock
    }

    fn folio_add_lru(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool) {
        if activate {
            // A quick refault: it starts with its bit set.
            ctx.page(pfn).set_flags(PageFlags::REFERENCED);
        }
        self.lock.lock().add(ctx.phys, pfn);
    }

    fn folio_batch_add_lru(&self, ctx: &LruCtx<'_>, folios: &[(Pfn, bool)]) {
        let mut r = self.lock.lock();
        for &(pfn, activate) in folios {
            if activate {
                ctx.page(pfn).set_flags(PageFlags::REFERENCED);
            }
            r.add(ctx.phys, pfn);
        }
    }

    fn putback(&self, ctx: &LruCtx<'_>, pfn: Pfn, activate: bool) {
        if activate {
            ctx.page(pfn).set_flags(PageFlags::REFERENCED);
        }
        self.lock.lock().add(ctx.phys, pfn);
    }

    fn folio_mark_accessed(&self, ctx: &LruCtx<'_>, pfn: Pfn) {
        ctx.page(pfn).set_flags(PageFlags::REFERENCED);
    }

    fn folio_deactivate(&self, ctx: &LruCtx<'_>, pfn: Pfn) {
        ctx.page(pfn).clear_flags(PageFlags::REFERENCED);
    }

    /// Sweeps the hand over up to `SWAP_CLUSTER_MAX` pages, within a
    /// budget of `ring >> priority` pages per priority.
    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>) {
        let ctx = sc.ctx;
        if sc.budget_priority != Some(sc.priority) {
            let r = self.lock.lock();
            let n = r.ring.len();
            sc.budget = [(n >> sc.priority).max(SWAP_CLUSTER_MAX.min(n)), 0, 0, 0];
            sc.budget_priority = Some(sc.priority);
        }
        while victims.is_empty() && sc.budget[0] > 0 {
            let nr = sc.budget[0].min(SWAP_CLUSTER_MAX);
            sc.budget[0] -= nr;
            // Isolate under the hand, then look at the references without
            // the lock held.
            let mut taken = Vec::with_capacity(nr as usize);
            let mut passed = 0;
            {
                let mut r = self.lock.lock();
                for _ in 0..nr {
                    let Some(pfn) = r.ring.tail() else { break };
                    let anon = ctx.page(pfn).test(PageFlags::SWAPBACKED);
                    if (anon && !sc.may_swap) || !ctx.isolate_lru_folio(&mut *r, pfn) {
                        // Not evictable now: the hand moves past it.
                        r.ring.remove(ctx.phys, pfn);
                        r.ring.push_head(ctx.phys, pfn);
                        passed += 1;
                        continue;
                    }
                    taken.push(pfn);
                }
            }
            let (anon, file): (Vec<Pfn>, Vec<Pfn>) =
                taken.iter().partition(|&&p| ctx.page(p).test(PageFlags::SWAPBACKED));
            sc.count_scanned(false, anon.len() as u64);
            sc.count_scanned(true, file.len() as u64 + passed);
            let mut second = Vec::new();
            for pfn in taken {
                let referenced = sc.folio_referenced(pfn).ptes > 0;
                let bit = ctx.page(pfn).clear_flags(PageFlags::REFERENCED).contains(PageFlags::REFERENCED);
                if referenced || bit {
                    second.push(pfn);
                } else {
                    victims.push(pfn);
                }
            }
            ctx.move_folios_to_lru(&self.lock, second.iter().map(|&p| (p, ())), |r, pfn, ()| r.add(ctx.phys, pfn));
            ctx.count(VmEvent::PgRotated, second.len() as u64);
            trace_note!(ctx.trace, "clock_sweep", "{} second chances, {} to reclaim", second.len(), victims.len());
            ctx.folios_put(&second);
        }
    }

    fn lru_sizes(&self) -> LruSizes {
        let r = self.lock.lock();
        [r.anon, 0, r.file, 0]
    }
}

fn new_clock(_nr_pages: u64) -> Box<dyn ReclaimPolicy> {
    Box::new(Clock::new())
}

#[linkme::distributed_slice(vmscan::MM_RECLAIM_POLICIES)]
static CLOCK: ReclaimPolicyDesc = ReclaimPolicyDesc {
    name: "clock",
    description: "one ring of all pages and a second-chance hand (CLOCK)",
    new: new_clock,
};
