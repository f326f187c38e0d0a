//! A spinlock for short critical sections on per-CPU data, like the
//! kernel's `spinlock_t` around `struct per_cpu_pages`.
//!
//! Taking it is one atomic exchange and releasing it a plain store, where a
//! sleeping mutex needs an atomic read-modify-write on release too (to see
//! whether anyone sleeps).  On a per-CPU list, taken once per allocation and
//! hardly ever contended, that second atomic is a large part of the cost.
//! A waiter spins briefly and then yields its host thread, since a host
//! thread, unlike a kernel CPU holding a spinlock, can be preempted while it
//! holds the lock.

use parking_lot::lock_api::{self, GuardSend};
use std::sync::atomic::{AtomicBool, Ordering};

/// The lock word of a [`SpinLock`].
pub struct RawSpinLock(AtomicBool);

impl RawSpinLock {
    #[cold]
    fn lock_contended(&self) {
        loop {
            // Wait with plain loads, so waiters do not bounce the line.
            let mut spins = 0;
            while self.0.load(Ordering::Relaxed) {
                if spins < SPINS_BEFORE_YIELD {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            if !self.0.swap(true, Ordering::Acquire) {
                return;
            }
        }
    }
}

/// Spins before a waiter starts yielding its host thread.
const SPINS_BEFORE_YIELD: u32 = 64;

// SAFETY: `lock` and `try_lock` return only after swapping the word from
// false to true with acquire ordering, so one holder at a time; `unlock`
// stores false with release ordering, publishing the holder's writes to the
// next one.
unsafe impl lock_api::RawMutex for RawSpinLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawSpinLock = RawSpinLock(AtomicBool::new(false));
    type Guard = GuardSend;

    #[inline]
    fn lock(&self) -> GuardSend {
        if self.0.swap(true, Ordering::Acquire) {
            self.lock_contended();
        }
        GuardSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<GuardSend> {
        (!self.0.swap(true, Ordering::Acquire)).then(GuardSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: GuardSend) {
        self.0.store(false, Ordering::Release);
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A spinlock protecting a `T`.
pub type SpinLock<T> = lock_api::Mutex<RawSpinLock, T>;
/// The guard of a locked [`SpinLock`].
pub type SpinLockGuard<'a, T> = lock_api::MutexGuard<'a, RawSpinLock, T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_take_turns() {
        let counter = SpinLock::new(0u64);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        *counter.lock() += 1;
                    }
                });
            }
        });
        assert_eq!(*counter.lock(), 40_000);
        let guard = counter.lock();
        assert!(counter.try_lock().is_none());
        drop(guard);
        assert!(counter.try_lock().is_some());
    }
}
