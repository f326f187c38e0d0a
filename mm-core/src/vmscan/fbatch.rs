//! Per-CPU batches of LRU additions (mm/swap.c's `cpu_fbatches.lru_add`).
//!
//! A new page does not go onto the reclaim lists at once: `folio_add_lru`
//! takes a reference on it (`folio_get`) and adds it to the current CPU's
//! batch of [`FOLIO_BATCH_SIZE`] pages.  The page that fills the batch,
//! or a large folio (`folio_may_be_lru_cached` is false for it), moves the
//! whole batch to the lists (`folio_batch_move_lru`), taking the lists
//! lock once, and drops the batch's references (`folios_put`).  Until
//! then a page is not `PG_lru`: reclaim and isolation do not see it
//! (`folio_isolate_lru` fails on it), and a zap that drops its last
//! mapping leaves it to the batch, whose move frees it.
//!
//! A batch also moves when its CPU drains it ([`Machine::lru_add_drain`])
//! at the points 6.18 does: before reclaim isolates pages
//! (`shrink_inactive_list`, `shrink_active_list`), at `MADV_COLD` and
//! `MADV_PAGEOUT`, when `munmap` and `exit_mmap` zap, after swap
//! readahead, and when compaction starts; and every CPU's batch moves
//! ([`Machine::lru_add_drain_all`]) when khugepaged starts a scan and at
//! `MADV_COLLAPSE`.  Nothing else reaches into another CPU's batch: its
//! pages wait for that CPU, and reclaim on this one cannot take them.
//!
//! Which page list a batched page joins is decided when the batch moves:
//! a page mlocked meanwhile goes to the unevictable list, and
//! `folio_mark_accessed` of a page in this CPU's batch
//! (`__lru_cache_activate_folio`) sends it to the active side.

use super::policy::FOLIO_BATCH_SIZE;
use crate::machine::Machine;
use crate::spinlock::SpinLock;
use crate::types::Pfn;
use smallvec::SmallVec;

/// `struct folio_batch`: pages waiting to go onto the lists, each with
/// whether it goes to the active side.
pub(crate) type FolioBatch = SmallVec<[(Pfn, bool); FOLIO_BATCH_SIZE]>;

/// One CPU's batches (`struct cpu_fbatches`), under its local lock.
/// Aligned to a cache line, so that CPUs adding pages share none.
#[repr(align(64))]
#[derive(Default)]
pub(crate) struct CpuFbatches {
    /// `lru_add`: new pages for the lists.
    pub(crate) lru_add: SpinLock<FolioBatch>,
}

impl Machine {
    /// The current CPU's batches (`this_cpu_ptr(&cpu_fbatches)`).
    #[inline]
    fn this_cpu_fbatches(&self) -> &CpuFbatches {
        &self.cpu_fbatches[crate::smp::this_cpu_index(self.cpu_fbatches.len())]
    }

    /// `folio_add_lru`: the order-0 page `pfn` becomes reclaimable
    /// (`activate`: onto the active side), through this CPU's batch.
    #[inline]
    pub(crate) fn folio_add_lru(&self, pfn: Pfn, activate: bool) {
        self.folio_batch_add_and_move(&[pfn], activate, false);
    }

    /// `folio_add_lru` of a large folio: `pfns`, the folio kept whole (its
    /// head) or the pages the model keeps it as, join this CPU's batch,
    /// which moves to the lists at once (`folio_may_be_lru_cached` is false
    /// for a large folio).
    pub(crate) fn folio_add_lru_large(&self, pfns: impl IntoIterator<Item = Pfn>, activate: bool) {
        let pfns: SmallVec<[Pfn; 16]> = pfns.into_iter().collect();
        self.folio_batch_add_and_move(&pfns, activate, true);
    }

    /// `folio_batch_add_and_move` with `lru_add`: a reference on each page
    /// for the batch, then the batch moves if it is full or `large`.
    fn folio_batch_add_and_move(&self, pfns: &[Pfn], activate: bool, large: bool) {
        let fb = &self.this_cpu_fbatches().lru_add;
        crate::lockstat::lock_acquired("cpu_fbatches", fb);
        let mut b = fb.lock();
        for &pfn in pfns {
            self.get_page(pfn);
            b.push((pfn, activate));
            if b.len() == FOLIO_BATCH_SIZE {
                // The batch moves with the local lock released.
                let full = std::mem::take(&mut *b);
                drop(b);
                self.lru_ctx().folio_batch_move_lru(&full);
                b = fb.lock();
            }
        }
        if large && !b.is_empty() {
            let full = std::mem::take(&mut *b);
            drop(b);
            self.lru_ctx().folio_batch_move_lru(&full);
        }
    }

    /// `lru_add_drain_cpu`: `cpu`'s batch of additions moves to the lists.
    pub fn lru_add_drain_cpu(&self, cpu: usize) {
        let Some(c) = self.cpu_fbatches.get(cpu) else {
            return;
        };
        crate::lockstat::lock_acquired("cpu_fbatches", &c.lru_add);
        let mut b = c.lru_add.lock();
        // folio_batch_count first: an empty batch is not moved (nor its
        // room copied).
        if b.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut *b);
        drop(b);
        self.lru_ctx().folio_batch_move_lru(&batch);
    }

    /// `lru_add_drain`: the current CPU's batch moves to the lists.
    pub fn lru_add_drain(&self) {
        self.lru_add_drain_cpu(crate::smp::this_cpu_index(self.cpu_fbatches.len()));
    }

    /// `lru_add_drain_all`: every CPU's batch moves to the lists.
    pub fn lru_add_drain_all(&self) {
        for cpu in 0..self.cpu_fbatches.len() {
            self.lru_add_drain_cpu(cpu);
        }
    }

    /// Pages waiting in `cpu`'s batch of additions, in the order added.
    pub fn lru_add_batch(&self, cpu: usize) -> Vec<Pfn> {
        self.cpu_fbatches.get(cpu).map(|c| c.lru_add.lock().iter().map(|&(p, _)| p).collect()).unwrap_or_default()
    }

    /// `__lru_cache_activate_folio`: if this CPU's batch holds `pfn` (the
    /// latest additions searched first), it goes to the active side.
    pub(crate) fn lru_cache_activate_folio(&self, pfn: Pfn) -> bool {
        let mut b = self.this_cpu_fbatches().lru_add.lock();
        match b.iter_mut().rev().find(|(p, _)| *p == pfn) {
            Some(e) => {
                e.1 = true;
                true
            }
            None => false,
        }
    }

    /// The references every CPU's batches hold on `pfn`.
    pub(crate) fn lru_add_batch_refs_of(&self, pfn: Pfn) -> i32 {
        self.cpu_fbatches.iter().map(|c| c.lru_add.lock().iter().filter(|&&(p, _)| p == pfn).count() as i32).sum()
    }

    /// The references every CPU's batches hold, per page (for the
    /// invariant checks).
    pub(crate) fn lru_add_batch_refs(&self) -> ahash::AHashMap<Pfn, i32> {
        let mut refs = ahash::AHashMap::new();
        for c in self.cpu_fbatches.iter() {
            for &(pfn, _) in c.lru_add.lock().iter() {
                *refs.entry(pfn).or_default() += 1;
            }
        }
        refs
    }
}
