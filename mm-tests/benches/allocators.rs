//! Page allocator benchmarks: every registered allocator, and the peer crate
//! `buddy_system_allocator`, doing the same work on 1 GiB of frames.
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
//! behind mm-core's spinlock, the lock the buddy allocator's fast path
//! takes.  The state persists across iterations, criterion's warm-up
//! included, so only the steady state is measured, and setup is outside
//! the measurement.  Randomness is a seeded xorshift, the same sequence for
//! every allocator.  Everything runs as simulated CPU 0.

use buddy_system_allocator::FrameAllocator;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use first_fit_allocator as _;
use mm_core::alloc::{AllocatorConfig, FreeAreas, Gfp, MM_PAGE_ALLOCATORS, PageAllocator};
use mm_core::spinlock::SpinLock;
use mm_core::types::{MAX_PAGE_ORDER, Pfn};

/// 1 GiB of 4 KiB frames.
const NR_PAGES: u64 = 262_144;
const NR_CPUS: usize = 2;
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

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
    let cfg = AllocatorConfig { base: Pfn(0), nr_pages: NR_PAGES, nr_cpus: NR_CPUS };
    let mut registered: Vec<_> = MM_PAGE_ALLOCATORS.iter().collect();
    registered.sort_by_key(|d| d.name);
    let mut all: Vec<_> = registered.into_iter().map(|d| (d.name, (d.new)(&cfg))).collect();
    all.push((PEER, Box::new(Peer::new())));
    all
}

struct Rng(u64);

impl Rng {
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n`, by multiplication rather than a division.
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// Half of memory in order-0 frames (pfns fit `u32`, keeping the harness's
/// own cache footprint small); a step allocates one and frees a random
/// held one in its place.
struct Order0Pairs {
    alloc: Box<dyn PageAllocator>,
    held: Vec<u32>,
    rng: Rng,
}

impl Order0Pairs {
    fn new(alloc: Box<dyn PageAllocator>) -> Self {
        let held = (0..NR_PAGES / 2).map(|_| take(&*alloc, 0) as u32).collect();
        Order0Pairs { alloc, held, rng: Rng(SEED) }
    }

    #[inline]
    fn step(&mut self) {
        let new = take(&*self.alloc, 0) as u32;
        let victim = self.rng.below(self.held.len());
        let old = std::mem::replace(&mut self.held[victim], new);
        self.alloc.free_pages(Pfn(u64::from(old)), 0);
    }
}

/// Blocks of order 0 to 3 around half of memory, held as `pfn << 2 |
/// order`; a step allocates while less than half is in use, else frees a
/// random held block.
struct MixedOrders {
    alloc: Box<dyn PageAllocator>,
    held: Vec<u32>,
    in_use: u64,
    rng: Rng,
}

impl MixedOrders {
    fn new(alloc: Box<dyn PageAllocator>) -> Self {
        let mut w = MixedOrders { alloc, held: Vec::new(), in_use: 0, rng: Rng(SEED) };
        while w.in_use < NR_PAGES / 2 {
            w.step();
        }
        w
    }

    #[inline]
    fn step(&mut self) {
        if self.in_use < NR_PAGES / 2 {
            let order = (self.rng.next() % 4) as u32;
            let pfn = take(&*self.alloc, order);
            self.held.push((pfn as u32) << 2 | order);
            self.in_use += 1 << order;
        } else {
            let victim = self.rng.below(self.held.len());
            let block = self.held.swap_remove(victim);
            let order = block & 3;
            self.alloc.free_pages(Pfn(u64::from(block >> 2)), order);
            self.in_use -= 1 << order;
        }
    }
}

/// Allocates; half of memory is always free, so this cannot fail.
#[inline]
fn take(alloc: &dyn PageAllocator, order: u32) -> u64 {
    alloc.alloc_pages(Gfp::HIGHUSER_MOVABLE, order).expect("half of memory is free").0
}

fn order0_pairs(c: &mut Criterion) {
    let mut group = c.benchmark_group("order0_pair_50pct");
    for (name, alloc) in contenders() {
        let mut w = Order0Pairs::new(alloc);
        group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| w.step()));
    }
    group.finish();
}

fn mixed_orders(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixed_order0to3_50pct");
    for (name, alloc) in contenders() {
        let mut w = MixedOrders::new(alloc);
        group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| w.step()));
    }
    group.finish();
}

criterion_group!(benches, order0_pairs, mixed_orders);
criterion_main!(benches);
