//! mmsim's page allocators, backends like any other: they depend on
//! `mm-api` alone and use nothing another allocator could not.
//!
//! * [`buddy`] (`--allocator buddy`, the default): a binary buddy
//!   allocator with per-CPU order-0 caches that groups pages by mobility
//!   (migrate types, pageblocks, fallback stealing), after Linux's
//!   `mm/page_alloc.c`.
//! * [`bitmap`] (`--allocator bitmap`): one bit per frame with a two-level
//!   summary and a next-fit search.
//!
//! Both register in [`mm_api::alloc::MM_PAGE_ALLOCATORS`]; a binary that
//! selects them by name must reference the crate (`use mm_alloc as _;`) so
//! that the linker keeps the registrations.
//!
//! Two optional modules serve allocators written anywhere, this crate's and
//! an out-of-tree crate's alike:
//!
//! * `testsuite` (feature `testsuite`): the shared test suite, functions
//!   that take a [`PageAllocatorDesc`](mm_api::alloc::PageAllocatorDesc)
//!   and panic on the first wrong answer;
//! * `bench` (feature `bench`): the shared criterion benchmarks, functions
//!   that take a `Criterion` and the allocators to compare.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bitmap;
pub mod buddy;

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use bitmap::BitmapAllocator;
pub use buddy::BuddyAllocator;
