//! Page allocator benchmarks: every registered allocator (the peer crate
//! `buddy_system_allocator` among them, adapted by the `bsa-allocator`
//! example), doing the same work on 1 GiB of frames, with
//! the shared workloads of `mm_alloc::bench`:
//!
//! * `order0_pair_50pct`: half of memory is allocated as order-0 frames;
//!   one iteration allocates a frame and frees a randomly chosen held one,
//!   which takes the new frame's place.  Freeing a random frame rather than
//!   the one just allocated models unrelated lifetimes (reclaim, exit,
//!   unmap) and lets fragmentation reach its steady state; freeing the frame
//!   just allocated would measure only the best case of a per-CPU cache (and
//!   the worst case of a buddy allocator without one, which splits and
//!   merges a whole block every time).
//! * `mixed_order0to3_50pct`: blocks of random order 0 to 3 around half of
//!   memory; one iteration is one operation: the allocation of a block of
//!   random order while less than half is in use, else the free of a random
//!   held block.
//!
//! Every contender sits behind `Box<dyn PageAllocator>`, as the simulator
//! uses it.  The peer is its `FrameAllocator` with the same largest order,
//! behind mm-api's spinlock, the lock the buddy allocator's fast path
//! takes (examples/bsa-allocator).  The state persists across iterations, criterion's warm-up
//! included, so only the steady state is measured, and setup is outside
//! the measurement.  Randomness is a seeded xorshift, the same sequence for
//! every allocator.  Everything runs as simulated CPU 0.

use bsa_allocator as _;
use criterion::{Criterion, criterion_group, criterion_main};
use first_fit_allocator as _;
use mm_api::alloc::PageAllocator;

/// Every registered allocator sorted by name, the adapted
/// `buddy_system_allocator` crate (`bsa-allocator`) among them.
fn contenders() -> Vec<(&'static str, Box<dyn PageAllocator>)> {
    mm_alloc::bench::registered()
}

fn order0_pairs(c: &mut Criterion) {
    mm_alloc::bench::order0_pairs(c, contenders());
}

fn mixed_orders(c: &mut Criterion) {
    mm_alloc::bench::mixed_orders(c, contenders());
}

criterion_group!(benches, order0_pairs, mixed_orders);
criterion_main!(benches);
