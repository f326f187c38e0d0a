//! The backends linked into the tests are all registered, under the names
//! users select them by (the `test-asids-*` formats are the tests' own, from
//! `asids.rs`).

#[test]
fn every_backend_is_registered() {
    assert_eq!(mm_core::machine::allocator_names(), ["bitmap", "buddy", "buddy-system-allocator", "first-fit"]);
    assert_eq!(
        mm_core::machine::page_table_names(),
        ["test-asids-1", "test-asids-2", "x86-64-4level", "x86-64-5level"]
    );
    assert_eq!(mm_core::swap::swap_device_names(), ["file", "zram"]);
    assert_eq!(mm_core::vmscan::reclaim_policy_names(), ["clock", "lru"]);
    assert_eq!(mm_core::fs::filesystem_names(), ["ext4", "host", "tmpfs"]);
}

/// The five registries are public statics, each entry named once and
/// described for `mmsim backends`.
#[test]
fn the_five_registries_are_public_and_well_formed() {
    fn check(kind: &str, entries: Vec<(&'static str, &'static str)>) {
        let mut names: Vec<_> = entries.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), entries.len(), "{kind}: a name registered twice");
        for (name, description) in entries {
            assert!(!name.is_empty() && !description.is_empty(), "{kind} '{name}' without a name or description");
        }
    }
    check("allocator", mm_api::alloc::MM_PAGE_ALLOCATORS.iter().map(|d| (d.name, d.description)).collect());
    check("page table", mm_api::arch::MM_PAGE_TABLE_FORMATS.iter().map(|d| (d.name, d.description)).collect());
    check("swap device", mm_api::swap::MM_SWAP_DEVICES.iter().map(|d| (d.name, d.description)).collect());
    check("reclaim policy", mm_core::vmscan::MM_RECLAIM_POLICIES.iter().map(|d| (d.name, d.description)).collect());
    check("filesystem", mm_core::fs::MM_FILESYSTEMS.iter().map(|d| (d.name, d.description)).collect());
}

#[test]
fn unknown_backends_are_reported_with_the_known_ones() {
    let cfg = mm_core::MachineConfig { allocator: "slab".into(), ..Default::default() };
    let e = mm_core::Kernel::new(&cfg).unwrap_err().to_string();
    assert_eq!(e, "unknown page allocator 'slab' (known: bitmap, buddy, buddy-system-allocator, first-fit)");
    let cfg = mm_core::MachineConfig { page_table: "sv48".into(), ..Default::default() };
    let e = mm_core::Kernel::new(&cfg).unwrap_err().to_string();
    assert_eq!(e, "unknown page-table format 'sv48' (known: test-asids-1, test-asids-2, x86-64-4level, x86-64-5level)");
}
