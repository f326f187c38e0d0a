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
//! on write.
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
//! direct reclaim fails with `VM_FAULT_OOM`.
//!
//! Every policy sits behind a trait with a link-time registry (`linkme`):
//! page allocators ([`alloc::MM_PAGE_ALLOCATORS`]), page-table formats
//! ([`arch::MM_PAGE_TABLE_FORMATS`]), filesystems
//! ([`fs::MM_FILESYSTEMS`]), swap devices ([`swap::MM_SWAP_DEVICES`]) and
//! reclaim policies ([`vmscan::MM_RECLAIM_POLICIES`]).  The core knows no
//! backend by name except its own buddy and bitmap allocators, tmpfs and
//! the two-list LRU; the x86-64 formats live in `mm-x86`, ext4 in
//! `mm-fs-ext`, the swap devices and CLOCK in `mm-swap`.  Each step of the
//! fault and reclaim paths emits a trace event, so the whole call chain can
//! be printed or snapshot-tested.

pub mod alloc;
pub mod arch;
pub mod check;
pub mod errno;
pub mod exec;
pub mod fault;
pub mod flags;
pub mod fs;
pub mod kernel;
pub mod kmem;
pub mod machine;
pub mod memory;
pub mod mm;
pub mod pgtable;
pub mod phys;
pub mod read_write;
pub mod rmap;
pub mod smp;
pub mod spinlock;
pub mod swap;
pub mod task;
pub mod trace;
pub mod types;
pub mod vmscan;
pub mod vmstat;

pub use errno::{Errno, Signal, SysResult, VmFault};
pub use kernel::{Kernel, MapsEntry, Pid};
pub use machine::{Machine, MachineConfig};
pub use types::*;
