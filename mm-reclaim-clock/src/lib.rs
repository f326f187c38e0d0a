//! A second reclaim policy beside the kernel's two-list LRU:
//! [`clock`] (`--reclaim clock`), one CLOCK ring with a second-chance hand.
//!
//! Like every backend, it depends on `mm-api` alone: a policy sees the
//! core through `mm_api::reclaim::LruCtx`, which also runs the `PG_lru`
//! protocol and the unevictable list for it.  A binary that selects the policy by name must reference the
//! crate (`use mm_reclaim_clock as _;`) so that the linker keeps its
//! registration.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;

pub use clock::Clock;
