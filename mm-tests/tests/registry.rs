//! The backends linked into the tests are all registered, under the names
//! users select them by.

use mm_tests as _;

#[test]
fn every_backend_is_registered() {
    assert_eq!(mm_core::machine::allocator_names(), ["bitmap", "buddy", "first-fit"]);
    assert_eq!(mm_core::machine::page_table_names(), ["x86-64-4level", "x86-64-5level"]);
}

#[test]
fn unknown_backends_are_reported_with_the_known_ones() {
    let cfg = mm_core::MachineConfig { allocator: "slab".into(), ..Default::default() };
    let e = mm_core::Kernel::new(&cfg).unwrap_err().to_string();
    assert_eq!(e, "unknown page allocator 'slab' (known: bitmap, buddy, first-fit)");
    let cfg = mm_core::MachineConfig { page_table: "sv48".into(), ..Default::default() };
    let e = mm_core::Kernel::new(&cfg).unwrap_err().to_string();
    assert_eq!(e, "unknown page-table format 'sv48' (known: x86-64-4level, x86-64-5level)");
}
