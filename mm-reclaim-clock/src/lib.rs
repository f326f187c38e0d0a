//! A second reclaim policy beside the kernel's two-list LRU:
//! [`clock`] (`--reclaim clock`), one CLOCK ring with a second-chance hand.
//!
//! Reclaim policies still take the core's `Machine`, so this crate depends
//! on `mm-core`; the swap devices, which need only `mm-api`, live apart in
//! `mm-swap`.  A binary that selects the policy by name must reference the
//! crate (`use mm_reclaim_clock as _;`) so that the linker keeps its
//! registration.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;

pub use clock::Clock;
