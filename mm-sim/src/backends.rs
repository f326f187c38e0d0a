//! The one place that links every built-in backend into a binary.
//!
//! A backend registers itself in a link-time registry (`linkme`), and the
//! linker keeps a crate's registrations only if the binary references the
//! crate.  This module references each built-in backend crate, so a binary
//! or test that links `mm_sim` (the `mmsim` command, `mm-tests`, `mm-fuzz`)
//! finds them all by name:
//!
//! | kind | registry | crate | names |
//! |------|----------|-------|-------|
//! | page allocator | `mm_api::alloc::MM_PAGE_ALLOCATORS` | `mm-alloc` | `buddy`, `bitmap` |
//! | page-table format | `mm_api::arch::MM_PAGE_TABLE_FORMATS` | `mm-x86` | `x86-64-4level`, `x86-64-5level` |
//! | swap device | `mm_api::swap::MM_SWAP_DEVICES` | `mm-swap` | `file`, `zram` |
//! | reclaim policy | `mm_api::reclaim::MM_RECLAIM_POLICIES` | `mm-core`, `mm-reclaim-clock` | `lru`, `clock` |
//! | filesystem | `mm_core::fs::MM_FILESYSTEMS` | `mm-core`, `mm-fs-ext`, `mm-fs-host` | `tmpfs`, `ext4`, `host` |
//!
//! A binary with a backend of its own adds one line of the same kind for
//! its crate (`use my_backend as _;`).

use mm_alloc as _;
use mm_fs_ext as _;
use mm_fs_host as _;
use mm_reclaim_clock as _;
use mm_swap as _;
use mm_x86 as _;
