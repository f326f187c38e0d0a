//! The core of mmsim: a user-space model of the Linux memory-mapping
//! subsystem, from the `mmap` system call to the page fault.
//!
//! A process's address space is an [`MmStruct`](mm::MmStruct): a tree of
//! VMAs under a reader-writer `mmap_lock`, and page tables that live in
//! simulated physical frames as the architecture's real entry words.  System
//! calls (`do_mmap`, `do_vmi_munmap`, `do_mprotect_pkey`, `do_mremap`,
//! `do_madvise`, `brk`, `mlock`) edit the VMA tree with the kernel's split and merge
//! rules; an access that the simulated MMU cannot translate raises a page
//! fault that runs `handle_mm_fault` and its callees, which allocate
//! page-table levels, map the zero page, allocate and zero frames, and copy
//! on write.  Anonymous memory may take transparent huge pages: 2 MiB
//! folios mapped by one PMD leaf each (`huge_memory`), split when only
//! part of one is unmapped or changed, collapsed by `MADV_COLLAPSE` and
//! by khugepaged's scan of the address spaces it was told of
//! (`khugepaged`).
//!
//! [`Kernel::execve`](kernel::Kernel::execve) starts a program as
//! fs/exec.c and fs/binfmt_elf.c do ([`exec`]): a fresh address space with
//! the ELF image, its interpreter, the vDSO and the initial stack.
//!
//! When memory runs short, reclaim (`vmscan`) takes pages from the reclaim
//! policy's lists, unmaps them through the reverse map (`rmap`: anon_vma
//! and `i_mmap`), writes anonymous and shmem pages to swap through the swap
//! cache (`swap`) and dirty file pages back to their file, and frees them;
//! `do_swap_page` brings them back.  kswapd keeps free memory between the
//! zone's watermarks, and an allocation that cannot be satisfied after
//! direct reclaim fails with `VM_FAULT_OOM`.  When free memory is there
//! but in pieces too small for a request above order 0, compaction
//! ([`compaction`]) migrates movable pages through the same reverse map to
//! gather it, directly in the allocation or in kcompactd.
//!
//! Every policy sits behind a trait with a link-time registry (`linkme`):
//! page allocators ([`alloc::MM_PAGE_ALLOCATORS`]), page-table formats
//! ([`arch::MM_PAGE_TABLE_FORMATS`]), filesystems
//! ([`fs::MM_FILESYSTEMS`]), swap devices ([`swap::MM_SWAP_DEVICES`]) and
//! reclaim policies ([`vmscan::MM_RECLAIM_POLICIES`]).  The vocabulary
//! (types, flags, errno, physical memory and `struct page`, tracing) and
//! the traits of every kind but filesystems live in `mm-api`, which backends
//! depend on instead of this crate; this crate re-exports them at their
//! old paths.  The core knows no backend by name except tmpfs and the
//! two-list LRU (and `buddy`, the default allocator's name): the buddy and
//! bitmap allocators live in `mm-alloc`, the x86-64 formats in `mm-x86`,
//! ext4 in `mm-fs-ext`, the swap devices in `mm-swap` and CLOCK in
//! `mm-reclaim-clock`, and a binary links those it offers (`mm-sim`'s
//! `backends` links them all).  Each step of the fault and reclaim paths
//! emits a trace event, so the whole call chain can be printed or
//! snapshot-tested.

pub mod check;
pub mod compaction;
pub mod exec;
pub mod fault;
pub mod fs;
pub(crate) mod huge_memory;
#[cfg(feature = "fault-injection")]
pub mod inject;
pub mod inspect;
pub mod kernel;
pub(crate) mod khugepaged;
pub mod kmem;
pub mod machine;
pub mod memory;
pub mod mm;
pub mod mthp;
pub mod pgtable;
pub mod read_write;
pub mod rmap;
pub mod swap;
pub mod task;
pub mod vmscan;
pub mod vmstat;

// The vocabulary and the extension points live in `mm-api`, which backends
// depend on instead of this crate; they keep their paths here.
pub use mm_api::{alloc, arch, errno, flags, lockstat, phys, smp, spinlock, trace, types};
pub use mm_api::{trace_enter, trace_note};

pub use errno::{Errno, Signal, SysResult, VmFault};
pub use kernel::{Kernel, MapsEntry, Pid};
pub use khugepaged::KhugepagedStats;
pub use machine::{Machine, MachineConfig};
pub use types::*;
