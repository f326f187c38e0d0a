//! Which simulated CPU the current host thread is running as
//! (`smp_processor_id()`), for per-CPU data such as the page allocator's
//! order-0 caches.

use std::cell::Cell;

thread_local! {
    static CURRENT_CPU: Cell<usize> = const { Cell::new(0) };
}

/// The simulated CPU this host thread runs as (0 unless set).
#[inline]
pub fn smp_processor_id() -> usize {
    CURRENT_CPU.with(|c| c.get())
}

/// The current CPU as an index into `n` per-CPU slots: the CPU number, or
/// (with a division only then) that number modulo `n` for a CPU beyond
/// the configured ones.
#[inline]
pub fn this_cpu_index(n: usize) -> usize {
    let cpu = smp_processor_id();
    if cpu < n { cpu } else { cpu % n }
}

/// Runs as `cpu` until the returned guard is dropped.
#[inline]
pub fn run_on_cpu(cpu: usize) -> CpuGuard {
    let prev = CURRENT_CPU.with(|c| c.replace(cpu));
    CpuGuard { prev }
}

/// Restores the previous CPU number when dropped.
#[must_use = "the CPU number is restored when the guard is dropped"]
pub struct CpuGuard {
    prev: usize,
}

impl Drop for CpuGuard {
    #[inline]
    fn drop(&mut self) {
        CURRENT_CPU.with(|c| c.set(self.prev));
    }
}
