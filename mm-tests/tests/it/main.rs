//! The cross-crate tests of mmsim, in one test binary (one link of the
//! whole workspace instead of one per file): each module is the file of
//! the same name, and says what it tests.

// Links every built-in backend, so the registries are complete.
use mm_tests as _;

mod allocators;
mod asids;
mod compaction;
mod descriptors;
mod differential;
mod exec;
mod folios;
mod fork;
mod guard;
mod html_data;
mod kernel_half;
mod khugepaged;
mod large_ram;
mod layout_messages;
mod lru_batch;
mod mlock;
mod mthp;
mod oom;
mod probe;
mod programs;
mod proptest_fork;
mod proptest_integrity;
mod proptest_mm;
mod readme_backends;
mod recorded;
mod registry;
mod reproducers;
mod scaling;
mod swap;
mod thp;
mod thp_dump;
mod threads;
mod tlb;
mod trace_filter;
mod trace_reasons;
mod trace_snapshots;
mod workload;
