//! The shared page allocator test suite, run on this allocator from its own
//! crate, as any out-of-tree allocator runs it.

#[test]
fn first_fit_passes_the_allocator_suite() {
    mm_alloc::testsuite::run_all(&first_fit_allocator::FIRST_FIT);
}
