//! mmsim's extension points: what a backend needs, without the machine.
//!
//! A backend crate (a page allocator, a page-table format, a swap device,
//! a reclaim policy) depends on this crate and not on `mm-core`, so cargo keeps the layering:
//! a backend sees the vocabulary types and the traits it implements, never
//! the core's state.  The core (`mm-core`) depends on this crate and
//! re-exports every module here at its old path (`mm_core::types`,
//! `mm_core::alloc::PageAllocator`, ...).
//!
//! * [`types`], [`flags`], [`errno`]: addresses and frame numbers, VMA,
//!   page and protection flags, error numbers and fault results.
//! * [`phys`]: simulated physical memory, the `struct page` array and the
//!   bytes of every frame; [`list`]: lists of pages linked through their
//!   `struct page`s, as reclaim policies keep them.
//! * [`trace`] (with [`trace_enter!`] and [`trace_note!`]), [`smp`] (the
//!   simulated CPU a thread runs as), [`spinlock`].
//! * The traits and link-time registries (`linkme`) of four kinds of
//!   backend: page allocators ([`alloc::PageAllocator`],
//!   [`alloc::MM_PAGE_ALLOCATORS`]), page-table formats and MMUs
//!   ([`arch::PageTableFormat`], [`arch::Mmu`],
//!   [`arch::MM_PAGE_TABLE_FORMATS`]), swap devices
//!   ([`swap::SwapDevice`], [`swap::MM_SWAP_DEVICES`]) and reclaim
//!   policies ([`reclaim::ReclaimPolicy`], [`reclaim::MM_RECLAIM_POLICIES`],
//!   with the `PG_lru` protocol they share in [`reclaim::LruCtx`]).
//!   Filesystems still register in `mm-core` (`mm_core::fs`), whose
//!   traits speak of the core's types.
//!
//! A backend registers by adding a descriptor to its registry with
//! `#[linkme::distributed_slice(...)]`; a binary selects it by name once it
//! links the crate (a `use my_backend as _;` is enough).

pub mod alloc;
pub mod arch;
pub mod errno;
pub mod flags;
pub mod list;
pub mod lockstat;
pub mod percpu;
pub mod phys;
pub mod reclaim;
pub mod smp;
pub mod spinlock;
pub mod swap;
pub mod trace;
pub mod types;
pub mod vmstat;

pub use errno::{Errno, Signal, SysResult, VmFault};
pub use types::*;
