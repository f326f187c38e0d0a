//! Lock acquisitions counted per lock, for tests (the `lock-stat`
//! feature; `/proc/lock_stat`'s role).
//!
//! The locks of the fault path and what it calls (the page-table locks,
//! `mmap_lock`, the VMA locks, the reclaim lists' lock, the page
//! allocator's per-CPU and zone locks, a CPU's own lock) report each
//! acquisition through [`lock_acquired`] with their class and address.
//! Without the feature that call is empty and costs nothing; with it, the
//! acquisitions a thread makes inside [`record`] are collected, so a test
//! can count them per class and see which locks two threads share.
//!
//! ```
//! let ((), seen) = mm_api::lockstat::record(|| {
//!     let lock = mm_api::spinlock::SpinLock::new(());
//!     mm_api::lockstat::lock_acquired("example", &lock);
//!     drop(lock.lock());
//! });
//! # #[cfg(feature = "lock-stat")]
//! assert_eq!(seen.len(), 1);
//! # #[cfg(not(feature = "lock-stat"))]
//! assert!(seen.is_empty());
//! ```

/// One acquisition: the lock's class (`"ptl"`, `"mmap_lock"`, ...) and
/// its address, which tells two locks of one class apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Acquisition {
    /// The lock class.
    pub class: &'static str,
    /// The lock's address.
    pub addr: usize,
}

/// Threads recording now: while none is, an acquisition costs one load.
#[cfg(feature = "lock-stat")]
static RECORDERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[cfg(feature = "lock-stat")]
thread_local! {
    static RECORDING: std::cell::RefCell<Option<Vec<Acquisition>>> = const { std::cell::RefCell::new(None) };
}

/// Notes that this thread takes `lock` of `class` (call it just before
/// taking the lock).  Empty unless the `lock-stat` feature is on.
#[inline(always)]
pub fn lock_acquired<T: ?Sized>(class: &'static str, lock: &T) {
    #[cfg(feature = "lock-stat")]
    if RECORDERS.load(std::sync::atomic::Ordering::Relaxed) != 0 {
        lock_acquired_slow(class, lock as *const T as *const u8 as usize);
    }
    #[cfg(not(feature = "lock-stat"))]
    let _ = (class, lock);
}

#[cfg(feature = "lock-stat")]
#[cold]
fn lock_acquired_slow(class: &'static str, addr: usize) {
    RECORDING.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(Acquisition { class, addr });
        }
    });
}

/// Runs `f` and returns what it returned with the locks this thread took
/// meanwhile, in order (none without the `lock-stat` feature).
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<Acquisition>) {
    #[cfg(feature = "lock-stat")]
    {
        let outer = RECORDING.with(|r| r.borrow_mut().replace(Vec::new()));
        RECORDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ret = f();
        RECORDERS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let seen = RECORDING.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer)).unwrap_or_default();
        (ret, seen)
    }
    #[cfg(not(feature = "lock-stat"))]
    (f(), Vec::new())
}

/// Whether acquisitions are counted (the `lock-stat` feature is on).
pub const ENABLED: bool = cfg!(feature = "lock-stat");
