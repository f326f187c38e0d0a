//! `struct percpu_counter` (lib/percpu_counter.c): a count that CPUs
//! change often and read rarely, kept as a shared total plus a difference
//! per CPU on a cache line of its own, folded into the total once it
//! reaches the batch.  A change touches only the current CPU's line, so
//! CPUs counting at once do not pass a line between them; an exact read
//! adds every CPU's difference to the total (`percpu_counter_sum`).
//!
//! The kernel keeps `mm->rss_stat` and a zone's `NR_FREE_PAGES` this way
//! (the latter as a zone counter with per-CPU differences and a
//! threshold, `__mod_zone_page_state`); the model does the same for the
//! address space's resident-page counts and the free-page count, so
//! threads faulting on different CPUs share no counter.

use crate::smp::this_cpu_index;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicI64, Ordering};

/// One CPU's difference, on a cache line of its own.
#[repr(align(64))]
#[derive(Debug, Default)]
struct Diff(AtomicI64);

/// A counter split per CPU (`struct percpu_counter`).
#[derive(Debug)]
pub struct PerCpuCounter {
    /// The folded total (`fbc->count`), on lines of its own: a fold
    /// writes it, and CPUs read the fields beside it on every change.
    count: CachePadded<AtomicI64>,
    /// Each CPU's difference not yet folded (`fbc->counters`).
    diffs: Box<[Diff]>,
    /// A difference that reaches this is folded (`percpu_counter_batch`).
    batch: i64,
}

impl PerCpuCounter {
    /// A counter at `value` for `nr_cpus` CPUs, folding a CPU's
    /// difference once it reaches `batch` in either direction.
    pub fn new(value: i64, nr_cpus: usize, batch: i64) -> PerCpuCounter {
        PerCpuCounter {
            count: CachePadded::new(AtomicI64::new(value)),
            diffs: (0..nr_cpus.max(1)).map(|_| Diff::default()).collect(),
            batch: batch.max(1),
        }
    }

    /// `percpu_counter_batch`'s rule: 32, or twice the CPUs if more.
    pub fn default_batch(nr_cpus: usize) -> i64 {
        (2 * nr_cpus as i64).max(32)
    }

    /// `percpu_counter_add_batch` on the current CPU.  Atomic on the
    /// CPU's own line, so two host threads running as one CPU lose no
    /// change.
    #[inline]
    pub fn add(&self, n: i64) {
        let d = &self.diffs[this_cpu_index(self.diffs.len())].0;
        let v = d.fetch_add(n, Ordering::Relaxed) + n;
        if v >= self.batch || v <= -self.batch {
            self.fold(d, v);
        }
    }

    #[cold]
    fn fold(&self, d: &AtomicI64, v: i64) {
        d.fetch_sub(v, Ordering::Relaxed);
        self.count.fetch_add(v, Ordering::Relaxed);
    }

    /// `percpu_counter_read`: the folded total, off from the exact value
    /// by less than [`max_drift`](Self::max_drift).
    #[inline]
    pub fn read(&self) -> i64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The most [`read`](Self::read) can be off by.
    #[inline]
    pub fn max_drift(&self) -> i64 {
        (self.batch - 1) * self.diffs.len() as i64
    }

    /// `percpu_counter_sum`: the total with every CPU's difference; exact
    /// when no CPU is changing the counter.
    pub fn sum(&self) -> i64 {
        self.read() + self.diffs.iter().map(|d| d.0.load(Ordering::Relaxed)).sum::<i64>()
    }

    /// `percpu_counter_set`: sets the exact value (with no CPU changing
    /// the counter).
    pub fn set(&self, value: i64) {
        for d in self.diffs.iter() {
            d.0.store(0, Ordering::Relaxed);
        }
        self.count.store(value, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smp::run_on_cpu;

    #[test]
    fn sums_exactly_and_reads_within_the_drift() {
        let c = PerCpuCounter::new(100, 2, 4);
        for cpu in [0, 1, 0, 1, 1, 1] {
            let _g = run_on_cpu(cpu);
            c.add(-1);
        }
        assert_eq!(c.sum(), 94);
        // CPU 1 reached the batch once and folded -4.
        assert_eq!(c.read(), 96);
        assert!((c.sum() - c.read()).abs() <= c.max_drift());
        c.set(7);
        assert_eq!((c.sum(), c.read()), (7, 7));
    }

    #[test]
    fn threads_on_their_own_cpus_lose_nothing() {
        let c = PerCpuCounter::new(0, 2, PerCpuCounter::default_batch(2));
        std::thread::scope(|s| {
            for cpu in 0..2 {
                let c = &c;
                s.spawn(move || {
                    let _g = run_on_cpu(cpu);
                    for i in 0..10_000 {
                        c.add(if i % 3 == 0 { -1 } else { 2 });
                    }
                });
            }
        });
        let per = (0..10_000).map(|i| if i % 3 == 0 { -1 } else { 2 }).sum::<i64>();
        assert_eq!(c.sum(), 2 * per);
    }
}
