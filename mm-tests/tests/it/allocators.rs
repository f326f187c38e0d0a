//! The page allocator suite (`mm_alloc::testsuite`) on every allocator in
//! `MM_PAGE_ALLOCATORS`: buddy, bitmap and the example allocators (first
//! fit, and the buddy_system_allocator crate adapted).

use mm_alloc::testsuite;
use mm_api::alloc::{MM_PAGE_ALLOCATORS, PageAllocatorDesc};

/// Every registered allocator, sorted by name (link order is arbitrary).
fn allocators() -> Vec<&'static PageAllocatorDesc> {
    let mut all: Vec<_> = MM_PAGE_ALLOCATORS.iter().collect();
    all.sort_by_key(|d| d.name);
    all
}

#[test]
fn the_registry_holds_exactly_the_known_allocators() {
    let names: Vec<&str> = allocators().iter().map(|d| d.name).collect();
    assert_eq!(names, ["bitmap", "buddy", "buddy-system-allocator", "first-fit"]);
}

#[test]
fn a_new_allocator_has_every_frame_free() {
    allocators().into_iter().for_each(testsuite::a_new_allocator_has_every_frame_free);
}

#[test]
fn every_order_gives_aligned_blocks_inside_the_range() {
    allocators().into_iter().for_each(testsuite::every_order_gives_aligned_blocks_inside_the_range);
}

#[test]
fn exhaustion_then_freeing_everything_restores_every_order() {
    allocators().into_iter().for_each(testsuite::exhaustion_then_freeing_everything_restores_every_order);
}

#[test]
fn frames_freed_on_other_cpus_are_found_and_merge() {
    allocators().into_iter().for_each(testsuite::frames_freed_on_other_cpus_are_found_and_merge);
}

#[test]
fn random_sequences_match_the_shadow() {
    allocators().into_iter().for_each(testsuite::random_sequences_match_the_shadow);
}

#[test]
fn threads_on_different_cpus_never_share_a_frame_or_lose_one() {
    allocators().into_iter().for_each(testsuite::threads_on_different_cpus_never_share_a_frame_or_lose_one);
}

#[test]
fn compaction_hooks_agree_with_the_counters() {
    allocators().into_iter().for_each(testsuite::compaction_hooks_agree_with_the_counters);
}

#[test]
fn split_page_does_what_can_split_page_says() {
    allocators().into_iter().for_each(testsuite::split_page_does_what_can_split_page_says);
}
