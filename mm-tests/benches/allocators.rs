//! Page allocator benchmarks: every registered allocator, and the peer crate
//! `buddy_system_allocator`, doing the same work on 1 GiB of frames, with
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
//! takes.  The state persists across iterations, criterion's warm-up
//! included, so only the steady state is measured, and setup is outside
//! the measurement.  Randomness is a seeded xorshift, the same sequence for
//! every allocator.  Everything runs as simulated CPU 0.

use buddy_system_allocator::FrameAllocator;
use criterion::{Criterion, criterion_group, criterion_main};
use first_fit_allocator as _;
use mm_alloc::bench::NR_PAGES;
use mm_api::alloc::{FreeAreas, Gfp, PageAllocator};
use mm_api::spinlock::SpinLock;
use mm_api::types::{MAX_PAGE_ORDER, Pfn};

/// `buddy_system_allocator` as a page allocator.
struct Peer(SpinLock<PeerState>);

struct PeerState {
    frames: FrameAllocator<{ MAX_PAGE_ORDER as usize + 1 }>,
    nr_free: u64,
}

impl Peer {
    fn new() -> Peer {
        let mut frames = FrameAllocator::new();
        frames.add_frame(0, NR_PAGES as usize);
        Peer(SpinLock::new(PeerState { frames, nr_free: NR_PAGES }))
    }
}

impl PageAllocator for Peer {
    fn alloc_pages(&self, _gfp: Gfp, order: u32) -> Option<Pfn> {
        let mut peer = self.0.lock();
        let frame = peer.frames.alloc(1 << order)?;
        peer.nr_free -= 1 << order;
        Some(Pfn(frame as u64))
    }

    fn free_pages(&self, pfn: Pfn, order: u32) {
        let mut peer = self.0.lock();
        peer.frames.dealloc(pfn.0 as usize, 1 << order);
        peer.nr_free += 1 << order;
    }

    fn nr_free_pages(&self) -> u64 {
        self.0.lock().nr_free
    }

    /// Its free lists are private: every free frame as order 0.
    fn free_areas(&self) -> FreeAreas {
        let mut areas = FreeAreas::default();
        areas[0] = self.nr_free_pages();
        areas
    }
}

const PEER: &str = "buddy_system_allocator";

/// Every registered allocator sorted by name, then the peer.
fn contenders() -> Vec<(&'static str, Box<dyn PageAllocator>)> {
    let mut all = mm_alloc::bench::registered();
    all.push((PEER, Box::new(Peer::new())));
    all
}

fn order0_pairs(c: &mut Criterion) {
    mm_alloc::bench::order0_pairs(c, contenders());
}

fn mixed_orders(c: &mut Criterion) {
    mm_alloc::bench::mixed_orders(c, contenders());
}

criterion_group!(benches, order0_pairs, mixed_orders);
criterion_main!(benches);
