//! The page allocator benchmarks, for any [`PageAllocator`]: the same
//! work on 1 GiB of frames ([`config`]), each contender behind
//! `Box<dyn PageAllocator>` as the simulator uses it.
//!
//! * [`order0_pairs`] (`order0_pair_50pct`): half of memory is allocated
//!   as order-0 frames; one iteration allocates a frame and frees a
//!   randomly chosen held one, which takes the new frame's place.  Freeing
//!   a random frame rather than the one just allocated models unrelated
//!   lifetimes (reclaim, exit, unmap) and lets fragmentation reach its
//!   steady state; freeing the frame just allocated would measure only the
//!   best case of a per-CPU cache (and the worst case of a buddy allocator
//!   without one, which splits and merges a whole block every time).
//! * [`mixed_orders`] (`mixed_order0to3_50pct`): blocks of random order 0
//!   to 3 around half of memory; one iteration is one operation: the
//!   allocation of a block of random order while less than half is in
//!   use, else the free of a random held block.
//!
//! The state persists across iterations, criterion's warm-up included, so
//! only the steady state is measured, and setup is outside the
//! measurement.  Randomness is a seeded xorshift, the same sequence for
//! every allocator.  Everything runs as simulated CPU 0.
//!
//! An out-of-tree allocator benchmarks itself against the registered ones
//! with a `harness = false` bench target:
//!
//! ```ignore
//! fn allocators(c: &mut criterion::Criterion) {
//!     let mut contenders = mm_alloc::bench::registered();
//!     contenders.push(("mine", (my_allocator::MINE.new)(&mm_alloc::bench::config())));
//!     mm_alloc::bench::order0_pairs(c, contenders);
//! }
//! ```

use criterion::{BenchmarkId, Criterion};
use mm_api::alloc::{AllocatorConfig, Gfp, MM_PAGE_ALLOCATORS, PageAllocator};
use mm_api::types::Pfn;

/// 1 GiB of 4 KiB frames.
pub const NR_PAGES: u64 = 262_144;
/// Simulated CPUs the allocators are built for.
pub const NR_CPUS: usize = 2;
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// What every contender manages: [`NR_PAGES`] frames from pfn 0, for
/// [`NR_CPUS`] CPUs.
pub fn config() -> AllocatorConfig {
    AllocatorConfig { base: Pfn(0), nr_pages: NR_PAGES, nr_cpus: NR_CPUS }
}

/// Every allocator linked into the binary ([`MM_PAGE_ALLOCATORS`]), sorted
/// by name, each built for [`config`].
pub fn registered() -> Vec<(&'static str, Box<dyn PageAllocator>)> {
    let cfg = config();
    let mut registered: Vec<_> = MM_PAGE_ALLOCATORS.iter().collect();
    registered.sort_by_key(|d| d.name);
    registered.into_iter().map(|d| (d.name, (d.new)(&cfg))).collect()
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

/// `order0_pair_50pct`: half of memory in order-0 frames; one iteration
/// allocates a frame and frees a random held one in its place.  The
/// allocators must manage [`config`]'s frames.
pub fn order0_pairs(c: &mut Criterion, contenders: Vec<(&str, Box<dyn PageAllocator>)>) {
    let mut group = c.benchmark_group("order0_pair_50pct");
    for (name, alloc) in contenders {
        let mut w = Order0Pairs::new(alloc);
        group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| w.step()));
    }
    group.finish();
}

/// `mixed_order0to3_50pct`: blocks of random order 0 to 3 around half of
/// memory; one iteration allocates while less than half is in use, else
/// frees a random held block.  The allocators must manage [`config`]'s
/// frames.
pub fn mixed_orders(c: &mut Criterion, contenders: Vec<(&str, Box<dyn PageAllocator>)>) {
    let mut group = c.benchmark_group("mixed_order0to3_50pct");
    for (name, alloc) in contenders {
        let mut w = MixedOrders::new(alloc);
        group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| w.step()));
    }
    group.finish();
}
