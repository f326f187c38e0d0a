//! CLOCK (second chance): one ring of every evictable page, anonymous and
//! file alike, and a hand that sweeps it.
//!
//! Where Linux's LRU keeps an active and an inactive list per kind and
//! promotes pages used twice, CLOCK keeps no history beyond one bit: a
//! page under the hand whose entries were accessed since the last sweep
//! (or that a `read` touched) gets its bit cleared and another turn; a
//! page without it is evicted.  New and refaulting pages enter just
//! behind the hand, so they wait a whole turn.  Without swap space,
//! anonymous pages are passed over.

use mm_core::flags::PageFlags;
use mm_core::machine::Machine;
use mm_core::types::Pfn;
use mm_core::vmscan::{LruSizes, PageList, ReclaimPolicy, ReclaimPolicyDesc, SWAP_CLUSTER_MAX, ScanControl, isolate};
use mm_core::vmstat::VmEvent;
use mm_core::{trace_note, vmscan};
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
    fn add(&mut self, m: &Machine, pfn: Pfn) {
        let page = m.phys.page(pfn);
        let file = !page.test(PageFlags::SWAPBACKED);
        page.policy.store(if file { ON_FILE } else { ON_ANON }, Ordering::Relaxed);
        page.set_flags(PageFlags::LRU);
        page.clear_flags(PageFlags::ACTIVE);
        if file {
            self.file += 1;
        } else {
            self.anon += 1;
        }
        self.ring.push_head(&m.phys, pfn);
    }

    fn del(&mut self, m: &Machine, pfn: Pfn) {
        let page = m.phys.page(pfn);
        match page.policy.swap(0, Ordering::Relaxed) {
            ON_ANON => self.anon -= 1,
            ON_FILE => self.file -= 1,
            _ => return,
        }
        self.ring.remove(&m.phys, pfn);
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

    fn folio_add_lru(&self, m: &Machine, pfn: Pfn, activate: bool) {
        if activate {
            // A quick refault: it starts with its bit set.
            m.phys.page(pfn).set_flags(PageFlags::REFERENCED);
        }
        self.lock.lock().add(m, pfn);
    }

    fn folio_del_lru(&self, m: &Machine, pfn: Pfn) {
        self.folios_del_lru(m, &[pfn]);
    }

    fn folios_del_lru(&self, m: &Machine, pfns: &[Pfn]) {
        let mut r = self.lock.lock();
        for &pfn in pfns {
            if m.phys.page(pfn).clear_flags(PageFlags::LRU).contains(PageFlags::LRU) {
                r.del(m, pfn);
            }
        }
    }

    fn isolate_folio(&self, m: &Machine, pfn: Pfn) -> bool {
        let mut r = self.lock.lock();
        if !m.phys.page(pfn).test(PageFlags::LRU) || !isolate(m, pfn) {
            return false;
        }
        r.del(m, pfn);
        true
    }

    fn putback(&self, m: &Machine, pfn: Pfn, activate: bool) {
        if activate {
            m.phys.page(pfn).set_flags(PageFlags::REFERENCED);
        }
        self.lock.lock().add(m, pfn);
    }

    fn folio_mark_accessed(&self, m: &Machine, pfn: Pfn) {
        m.phys.page(pfn).set_flags(PageFlags::REFERENCED);
    }

    fn folio_deactivate(&self, m: &Machine, pfn: Pfn) {
        m.phys.page(pfn).clear_flags(PageFlags::REFERENCED);
    }

    /// Sweeps the hand over up to `SWAP_CLUSTER_MAX` pages, within a
    /// budget of `ring >> priority` pages per priority.
    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>) {
        let m = sc.machine;
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
                    let anon = m.phys.page(pfn).test(PageFlags::SWAPBACKED);
                    if (anon && !sc.may_swap) || !isolate(m, pfn) {
                        // Not evictable now: the hand moves past it.
                        r.ring.remove(&m.phys, pfn);
                        r.ring.push_head(&m.phys, pfn);
                        passed += 1;
                        continue;
                    }
                    r.del(m, pfn);
                    taken.push(pfn);
                }
            }
            let (anon, file): (Vec<Pfn>, Vec<Pfn>) =
                taken.iter().partition(|&&p| m.phys.page(p).test(PageFlags::SWAPBACKED));
            sc.count_scanned(false, anon.len() as u64);
            sc.count_scanned(true, file.len() as u64 + passed);
            let mut second = Vec::new();
            for pfn in taken {
                let referenced = sc.folio_referenced(pfn).ptes > 0;
                let bit = m.phys.page(pfn).clear_flags(PageFlags::REFERENCED).contains(PageFlags::REFERENCED);
                if referenced || bit {
                    second.push(pfn);
                } else {
                    victims.push(pfn);
                }
            }
            {
                let mut r = self.lock.lock();
                for &pfn in &second {
                    r.add(m, pfn);
                }
            }
            m.vmstat.count(VmEvent::PgRotated, second.len() as u64);
            trace_note!(m.trace, "clock_sweep", "{} second chances, {} to reclaim", second.len(), victims.len());
            for pfn in second {
                m.put_page(pfn);
            }
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
