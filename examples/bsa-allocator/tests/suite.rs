//! The shared page allocator test suite, run on the adapted crate from its
//! own tests, as any out-of-tree allocator runs it.

#[test]
fn buddy_system_allocator_passes_the_allocator_suite() {
    mm_alloc::testsuite::run_all(&bsa_allocator::BUDDY_SYSTEM_ALLOCATOR);
}
