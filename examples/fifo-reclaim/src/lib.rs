//! An example reclaim policy written outside mmsim's crates, on `mm-api`
//! alone: FIFO, the page that became reclaimable first is evicted first,
//! whether it was used since or not.  Linking the crate registers it as
//! `--reclaim fifo`.
//!
//! A policy only keeps its pages in order and picks victims: the
//! context it is handed ([`LruCtx`]) sets and clears `PG_lru`, isolates
//! the pages it picks (taking a reference so they cannot be freed under
//! it), keeps mlocked pages off its lists, and takes pages being freed
//! off them through [`LruLists::del`].

#![forbid(unsafe_code)]

use linkme::distributed_slice;
use mm_api::flags::PageFlags;
use mm_api::list::PageList;
use mm_api::phys::PhysMem;
use mm_api::reclaim::{
    LruCtx, LruListView, LruLists, LruSizes, MM_RECLAIM_POLICIES, ReclaimPolicy, ReclaimPolicyDesc, SWAP_CLUSTER_MAX,
    ScanControl,
};
use mm_api::types::Pfn;
use parking_lot::Mutex;
use std::sync::atomic::Ordering;

/// The page's policy word while it is queued: which kind it was counted
/// as (a page's kind can change on the queue: `MADV_FREE` makes an
/// anonymous page lazily freed, no longer swap-backed).
const QUEUED_ANON: u32 = 1;
const QUEUED_FILE: u32 = 2;

/// The queue, newest page at the head, oldest at the tail.
#[derive(Debug, Default)]
pub struct Queue {
    pages: PageList,
    anon: u64,
}

impl Queue {
    fn add(&mut self, phys: &PhysMem, pfn: Pfn) {
        let page = phys.page(pfn);
        let anon = page.test(PageFlags::SWAPBACKED);
        page.policy.store(if anon { QUEUED_ANON } else { QUEUED_FILE }, Ordering::Relaxed);
        page.set_flags(PageFlags::LRU);
        page.clear_flags(PageFlags::ACTIVE);
        if anon {
            self.anon += phys.folio_nr_pages(pfn);
        }
        self.pages.push_head(phys, pfn);
    }
}

impl LruLists for Queue {
    fn del(&mut self, phys: &PhysMem, pfn: Pfn) {
        match phys.page(pfn).policy.swap(0, Ordering::Relaxed) {
            QUEUED_ANON => self.anon -= phys.folio_nr_pages(pfn),
            QUEUED_FILE => {}
            _ => return,
        }
        self.pages.remove(phys, pfn);
    }

    fn lru_add_split_folio(&mut self, phys: &PhysMem, head: Pfn, nr: u64) {
        self.pages.split_folio(phys, head, nr);
    }

    fn views(&self, phys: &PhysMem, max: usize) -> Vec<LruListView> {
        vec![self.pages.view(phys, "fifo", max)]
    }
}

/// The FIFO policy.
#[derive(Debug, Default)]
pub struct Fifo {
    queue: Mutex<Queue>,
}

impl ReclaimPolicy for Fifo {
    fn name(&self) -> &'static str {
        "fifo"
    }

    fn lists(&self) -> &Mutex<dyn LruLists> {
        &self.queue
    }

    fn folio_add_lru(&self, ctx: &LruCtx<'_>, pfn: Pfn, _activate: bool) {
        self.queue.lock().add(ctx.phys, pfn);
    }

    fn putback(&self, ctx: &LruCtx<'_>, pfn: Pfn, _activate: bool) {
        self.queue.lock().add(ctx.phys, pfn);
    }

    /// Up to `SWAP_CLUSTER_MAX` of the oldest pages.  Anonymous pages stay
    /// when there is no swap (`may_swap`): they go to the head, so the
    /// scan ends after one pass over the queue.
    fn shrink(&self, sc: &mut ScanControl<'_>, victims: &mut Vec<Pfn>) {
        let ctx = sc.ctx;
        let mut q = self.queue.lock();
        let mut scanned = 0;
        let len = q.pages.len();
        while scanned < len && (victims.len() as u64) < SWAP_CLUSTER_MAX {
            let Some(pfn) = q.pages.tail() else { break };
            scanned += 1;
            let anon = ctx.page(pfn).test(PageFlags::SWAPBACKED);
            if (anon && !sc.may_swap) || !ctx.isolate_lru_folio(&mut *q, pfn) {
                q.pages.remove(ctx.phys, pfn);
                q.pages.push_head(ctx.phys, pfn);
                continue;
            }
            victims.push(pfn);
        }
    }

    fn lru_sizes(&self) -> LruSizes {
        let q = self.queue.lock();
        [q.anon, 0, q.pages.len() - q.anon, 0]
    }
}

/// The registration: linking the crate makes `--reclaim fifo` work.
#[distributed_slice(MM_RECLAIM_POLICIES)]
pub static FIFO: ReclaimPolicyDesc = ReclaimPolicyDesc {
    name: "fifo",
    description: "first in, first out, references ignored (example backend)",
    new: |_| Box::new(Fifo::default()),
};
