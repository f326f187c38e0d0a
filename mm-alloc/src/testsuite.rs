//! The page allocator test suite, for any [`PageAllocator`]: each function
//! builds allocators with a [`PageAllocatorDesc`]'s constructor, drives
//! them and panics on the first wrong answer, naming the allocator.  The
//! buddy and bitmap allocators and the example first-fit allocator run it;
//! an out-of-tree allocator runs it from its own tests:
//!
//! ```ignore
//! #[test]
//! fn passes_the_allocator_suite() {
//!     mm_alloc::testsuite::run_all(&my_allocator::MY_ALLOCATOR);
//! }
//! ```
//!
//! (with `mm-alloc = { ..., features = ["testsuite"] }` among the
//! dev-dependencies), or calls the tests one by one, as `mm-tests` does.
//!
//! Each test keeps a shadow of what the allocator handed out and checks every
//! answer against it: blocks are naturally aligned and inside the range, no
//! frame is handed out twice, `nr_free_pages` and `free_areas` agree with the
//! shadow, and `None` comes only when the shadow has no free aligned block of
//! that order left (frames in per-CPU caches count as free, so an allocator
//! with caches must drain them before it gives up).  Freeing everything and
//! draining must give back as many `MAX_PAGE_ORDER` blocks as the range
//! holds, so a missed merge shows.

use mm_api::alloc::{AllocatorConfig, Gfp, PageAllocator, PageAllocatorDesc};
use mm_api::smp::run_on_cpu;
use mm_api::types::{MAX_PAGE_ORDER, Pfn};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every test of the suite, in turn.
pub fn run_all(desc: &PageAllocatorDesc) {
    a_new_allocator_has_every_frame_free(desc);
    every_order_gives_aligned_blocks_inside_the_range(desc);
    exhaustion_then_freeing_everything_restores_every_order(desc);
    frames_freed_on_other_cpus_are_found_and_merge(desc);
    random_sequences_match_the_shadow(desc);
    threads_on_different_cpus_never_share_a_frame_or_lose_one(desc);
    compaction_hooks_agree_with_the_counters(desc);
    split_page_does_what_can_split_page_says(desc);
}

/// `can_split_page` says whether `split_page` succeeds (a large folio is
/// kept whole only if its block can be split later), and a split block's
/// frames free one by one, giving every frame back.
pub fn split_page_does_what_can_split_page_says(desc: &PageAllocatorDesc) {
    let cfg = config(0, 4096, 1);
    let a = (desc.new)(&cfg);
    let free = a.nr_free_pages();
    let order = 9.min(MAX_PAGE_ORDER);
    let pfn = a.alloc_pages(Gfp::empty(), order).expect("a block of a fresh allocator");
    let split = a.split_page(pfn, order);
    assert_eq!(split, a.can_split_page(), "{}: split_page and can_split_page disagree", desc.name);
    if split {
        for i in 0..1u64 << order {
            a.free_pages(Pfn(pfn.0 + i), 0);
        }
    } else {
        a.free_pages(pfn, order);
    }
    a.drain();
    assert_eq!(a.nr_free_pages(), free, "{}: frames lost", desc.name);
}

fn config(base: u64, nr_pages: u64, nr_cpus: usize) -> AllocatorConfig {
    AllocatorConfig { base: Pfn(base), nr_pages, nr_cpus }
}

/// Ranges with every kind of edge: aligned, unaligned at either end, inside
/// one max-order block, a single frame, empty, high pfns.
const RANGES: [(u64, u64); 8] =
    [(0, 4096), (3, 2051), (1023, 2), (1, 1024), (4095, 4098), ((1 << 32) + 5, 3000), (7, 0), (0, 1025)];

/// Naturally aligned blocks of `order` that fit in `[base, base + nr_pages)`.
fn aligned_slots(cfg: &AllocatorConfig, order: u32) -> u64 {
    let size = 1u64 << order;
    let first = cfg.base.0.next_multiple_of(size);
    (cfg.base.0 + cfg.nr_pages).saturating_sub(first) / size
}

/// What a test knows the allocator handed out.
struct Shadow<'a> {
    name: &'static str,
    cfg: AllocatorConfig,
    alloc: &'a dyn PageAllocator,
    in_use: Vec<bool>,
    nr_in_use: u64,
    held: Vec<(Pfn, u32)>,
}

impl<'a> Shadow<'a> {
    fn new(desc: &PageAllocatorDesc, cfg: AllocatorConfig, alloc: &'a dyn PageAllocator) -> Self {
        let in_use = vec![false; cfg.nr_pages as usize];
        Shadow { name: desc.name, cfg, alloc, in_use, nr_in_use: 0, held: Vec::new() }
    }

    /// Allocates, checking the answer against the shadow.
    fn alloc(&mut self, order: u32) -> Option<Pfn> {
        let Some(pfn) = self.alloc.alloc_pages(Gfp::KERNEL, order) else {
            assert!(
                !self.has_free_block(order),
                "{}: alloc_pages(order {order}) failed with an aligned free block left",
                self.name
            );
            return None;
        };
        let (name, size) = (self.name, 1u64 << order);
        assert_eq!(pfn.0 % size, 0, "{name}: {pfn:?} of order {order} misaligned");
        assert!(
            pfn.0 >= self.cfg.base.0 && pfn.0 + size <= self.cfg.base.0 + self.cfg.nr_pages,
            "{name}: {pfn:?} of order {order} outside the range {:?}",
            self.cfg
        );
        for f in pfn.0..pfn.0 + size {
            let slot = &mut self.in_use[(f - self.cfg.base.0) as usize];
            assert!(!*slot, "{name}: frame {f:#x} handed out twice");
            *slot = true;
        }
        self.nr_in_use += size;
        self.held.push((pfn, order));
        Some(pfn)
    }

    /// Frees the held block at `i` (any index; wraps).
    fn free(&mut self, i: usize) {
        let (pfn, order) = self.held.swap_remove(i % self.held.len());
        for f in pfn.0..pfn.0 + (1 << order) {
            self.in_use[(f - self.cfg.base.0) as usize] = false;
        }
        self.nr_in_use -= 1 << order;
        self.alloc.free_pages(pfn, order);
    }

    /// Frees up to `n` held order-0 pages at once (`free_pages_bulk`),
    /// starting from the `pick`th held block.
    fn free_bulk(&mut self, pick: usize, n: usize) {
        let mut pfns = Vec::new();
        let mut i = pick % self.held.len().max(1);
        while pfns.len() < n && i < self.held.len() {
            if self.held[i].1 == 0 {
                let (pfn, _) = self.held.swap_remove(i);
                self.in_use[(pfn.0 - self.cfg.base.0) as usize] = false;
                pfns.push(pfn);
            } else {
                i += 1;
            }
        }
        self.nr_in_use -= pfns.len() as u64;
        self.alloc.free_pages_bulk(&pfns);
    }

    /// Frees every held block, in an order that is neither the order of
    /// allocation nor its reverse, so merges happen from both sides.
    fn free_all(&mut self) {
        let mut i = 0;
        while !self.held.is_empty() {
            i = (i + 7) % self.held.len();
            self.free(i);
        }
    }

    /// True if some aligned block of `order` is free in the shadow.
    fn has_free_block(&self, order: u32) -> bool {
        let size = 1u64 << order;
        let base = self.cfg.base.0;
        let mut start = base.next_multiple_of(size);
        while start + size <= base + self.cfg.nr_pages {
            let idx = (start - base) as usize;
            if self.in_use[idx..idx + size as usize].iter().all(|u| !u) {
                return true;
            }
            start += size;
        }
        false
    }

    /// `nr_free_pages` and `free_areas` agree with the shadow.
    fn check_counters(&self) {
        let free = self.cfg.nr_pages - self.nr_in_use;
        assert_eq!(self.alloc.nr_free_pages(), free, "{}: nr_free_pages", self.name);
        let areas = self.alloc.free_areas();
        let in_areas: u64 = areas.iter().enumerate().map(|(order, n)| n << order).sum();
        assert_eq!(in_areas, free, "{}: free_areas {areas:?}", self.name);
    }

    /// From a state with nothing held, allocates blocks of `order` until
    /// `None`: there must be exactly as many as fit.
    fn check_capacity(&mut self, order: u32) {
        assert!(self.held.is_empty());
        let mut n = 0;
        while self.alloc(order).is_some() {
            n += 1;
        }
        assert_eq!(n, aligned_slots(&self.cfg, order), "{}: blocks of order {order}", self.name);
        self.check_counters();
    }
}

/// A new allocator has every frame of its range free, for ranges with
/// every kind of edge; its description is not empty.
pub fn a_new_allocator_has_every_frame_free(desc: &PageAllocatorDesc) {
    assert!(!desc.description.is_empty(), "{} has no description", desc.name);
    for (base, nr_pages) in RANGES {
        let cfg = config(base, nr_pages, 2);
        let a = (desc.new)(&cfg);
        Shadow::new(desc, cfg, &*a).check_counters();
    }
}

/// Blocks of every order, small and large mixed, are naturally aligned and
/// inside the range; freeing them all and draining gives back every
/// `MAX_PAGE_ORDER` block.
pub fn every_order_gives_aligned_blocks_inside_the_range(desc: &PageAllocatorDesc) {
    for (base, nr_pages) in RANGES {
        let cfg = config(base, nr_pages, 2);
        let a = (desc.new)(&cfg);
        let mut shadow = Shadow::new(desc, cfg, &*a);
        // Blocks of every order side by side, small and large mixed.
        for round in 0..3 {
            for order in 0..=MAX_PAGE_ORDER {
                let _cpu = run_on_cpu(round % 2);
                shadow.alloc(order);
            }
        }
        shadow.check_counters();
        shadow.free_all();
        shadow.check_counters();
        a.drain();
        shadow.check_capacity(MAX_PAGE_ORDER);
    }
}

/// Each order in turn fills memory and gives it all back: exactly as many
/// blocks as fit, and nothing for any order once order 0 has taken all.
pub fn exhaustion_then_freeing_everything_restores_every_order(desc: &PageAllocatorDesc) {
    for (base, nr_pages) in RANGES {
        let cfg = config(base, nr_pages, 2);
        let a = (desc.new)(&cfg);
        let mut shadow = Shadow::new(desc, cfg, &*a);
        // Each order in turn fills memory and gives it all back; after
        // order 0 nothing is left for any order.  No drain in between:
        // frames an allocator caches count as free, so it must find them
        // itself.
        for order in 0..=MAX_PAGE_ORDER {
            shadow.check_capacity(order);
            if order == 0 {
                assert_eq!(a.nr_free_pages(), 0, "{}: all frames handed out", desc.name);
                for order in 0..=MAX_PAGE_ORDER {
                    assert_eq!(a.alloc_pages(Gfp::KERNEL, order), None, "{}", desc.name);
                }
            }
            shadow.free_all();
            shadow.check_counters();
        }
    }
}

/// Frames freed on other CPUs (into their caches, if any) are found by
/// the allocating CPU, and merge once drained.
pub fn frames_freed_on_other_cpus_are_found_and_merge(desc: &PageAllocatorDesc) {
    let cfg = config(0, 2048, 4);
    let a = (desc.new)(&cfg);
    let mut shadow = Shadow::new(desc, cfg, &*a);
    for i in 0..2048 {
        let _cpu = run_on_cpu(i % 4);
        shadow.alloc(0).expect("room for every frame");
    }
    for i in 0..2048 {
        let _cpu = run_on_cpu(i % 3);
        shadow.free(i * 5);
    }
    shadow.check_counters();
    // Frames cached by CPUs 0 to 2 are still there for CPU 3.
    {
        let _cpu = run_on_cpu(3);
        shadow.check_capacity(0);
    }
    for i in 0..2048 {
        let _cpu = run_on_cpu(i % 4);
        shadow.free(i * 3);
    }
    a.drain();
    shadow.check_capacity(MAX_PAGE_ORDER);
}

/// One step of a random sequence.
#[derive(Clone, Debug)]
enum Op {
    Alloc { order: u32, cpu: usize },
    Free { pick: usize, cpu: usize },
    FreeBulk { pick: usize, n: usize, cpu: usize },
    Drain,
}

const SEQUENCE_CPUS: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    let order = prop_oneof![6 => 0u32..=2, 3 => 3u32..=5, 1 => 6u32..=MAX_PAGE_ORDER];
    prop_oneof![
        6 => (order, 0..SEQUENCE_CPUS).prop_map(|(order, cpu)| Op::Alloc { order, cpu }),
        5 => (any::<usize>(), 0..SEQUENCE_CPUS).prop_map(|(pick, cpu)| Op::Free { pick, cpu }),
        1 => (any::<usize>(), 1usize..40, 0..SEQUENCE_CPUS).prop_map(|(pick, n, cpu)| Op::FreeBulk { pick, n, cpu }),
        1 => Just(Op::Drain),
    ]
}

/// 256 random sequences of allocations, frees (one at a time and of
/// order-0 pages in bulk) and drains on three CPUs
/// (a fixed seed, shrunk to a minimal failing case on failure) agree with
/// the shadow after every step.
pub fn random_sequences_match_the_shadow(desc: &PageAllocatorDesc) {
    let cfg = Config {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x6d6d_7369_6d00_a110),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(cfg);
    let result = runner.run(&(0u64..5000, 0u64..3000, vec(op(), 0..400)), |(base, nr_pages, ops)| {
        let cfg = config(base, nr_pages, SEQUENCE_CPUS);
        let a = (desc.new)(&cfg);
        let mut shadow = Shadow::new(desc, cfg, &*a);
        for op in &ops {
            match *op {
                Op::Alloc { order, cpu } => {
                    let _cpu = run_on_cpu(cpu);
                    shadow.alloc(order);
                }
                Op::Free { pick, cpu } if !shadow.held.is_empty() => {
                    let _cpu = run_on_cpu(cpu);
                    shadow.free(pick);
                }
                Op::FreeBulk { pick, n, cpu } => {
                    let _cpu = run_on_cpu(cpu);
                    shadow.free_bulk(pick, n);
                }
                Op::Free { .. } => {}
                Op::Drain => a.drain(),
            }
            shadow.check_counters();
        }
        shadow.free_all();
        shadow.check_counters();
        a.drain();
        shadow.check_capacity(MAX_PAGE_ORDER);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{}: {e}", desc.name);
    }
}

/// A small xorshift generator, one per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Which frames are out, shared by threads: a bit per frame.
struct Claims {
    base: u64,
    bits: Vec<AtomicU64>,
}

impl Claims {
    fn new(cfg: &AllocatorConfig) -> Claims {
        let words = cfg.nr_pages.div_ceil(64) as usize;
        Claims { base: cfg.base.0, bits: (0..words).map(|_| AtomicU64::new(0)).collect() }
    }

    fn claim(&self, name: &str, pfn: Pfn, order: u32) {
        for f in pfn.0 - self.base..pfn.0 - self.base + (1 << order) {
            let bit = 1 << (f % 64);
            let old = self.bits[(f / 64) as usize].fetch_or(bit, Ordering::Relaxed);
            assert_eq!(old & bit, 0, "{name}: frame {:#x} handed out twice", f + self.base);
        }
    }

    fn release(&self, name: &str, pfn: Pfn, order: u32) {
        for f in pfn.0 - self.base..pfn.0 - self.base + (1 << order) {
            let bit = 1 << (f % 64);
            let old = self.bits[(f / 64) as usize].fetch_and(!bit, Ordering::Relaxed);
            assert_ne!(old & bit, 0, "{name}: frame {:#x} freed but not held", f + self.base);
        }
    }

    fn count(&self) -> u64 {
        self.bits.iter().map(|w| u64::from(w.load(Ordering::Relaxed).count_ones())).sum()
    }
}

type Blocks = Vec<(Pfn, u32)>;

/// Runs `work(cpu, blocks)` on one thread per element of `per_cpu`, each as
/// its own CPU, and returns what they return.  No thread waits for another,
/// so a failed assertion ends the test instead of hanging it.
fn on_cpus(per_cpu: Vec<Blocks>, work: impl Fn(usize, Blocks) -> Blocks + Sync) -> Vec<Blocks> {
    let work = &work;
    std::thread::scope(|s| {
        let threads: Vec<_> = (per_cpu.into_iter().enumerate())
            .map(|(cpu, blocks)| {
                s.spawn(move || {
                    let _cpu = run_on_cpu(cpu);
                    work(cpu, blocks)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

/// Four threads, each its own CPU, churn close to exhaustion, pass blocks
/// to each other, take all that is left and give everything back: no frame
/// is handed out twice or lost.
pub fn threads_on_different_cpus_never_share_a_frame_or_lose_one(desc: &PageAllocatorDesc) {
    const THREADS: usize = 4;
    let cfg = config(0, 1 << 14, THREADS);
    let name = desc.name;
    let a = (desc.new)(&cfg);
    let a = &*a;
    let claims = Claims::new(&cfg);
    let take = |order: u32| {
        let pfn = a.alloc_pages(Gfp::KERNEL, order)?;
        assert_eq!(pfn.0 % (1 << order), 0, "{name}: {pfn:?} misaligned for order {order}");
        assert!(pfn.0 + (1 << order) <= cfg.nr_pages, "{name}: {pfn:?} outside the range");
        claims.claim(name, pfn, order);
        Some((pfn, order))
    };
    let give_back = |(pfn, order): (Pfn, u32)| {
        claims.release(name, pfn, order);
        a.free_pages(pfn, order);
    };
    // Blocks passed between threads, so many are freed on another CPU.
    let pool = Mutex::new(Vec::new());

    // Churn that drives memory close to exhaustion.
    let held = on_cpus(vec![Vec::new(); THREADS], |cpu, mut held| {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((cpu as u64 + 1) * 0x1234_5678));
        for _ in 0..4000 {
            let r = rng.next();
            let pick = (r >> 8) as usize;
            match r % 4 {
                0 | 1 => held.extend(take(((r >> 8) % 4) as u32)),
                2 if !held.is_empty() => give_back(held.swap_remove(pick % held.len())),
                _ => {
                    let theirs = {
                        let mut pool = pool.lock().unwrap();
                        if !held.is_empty() {
                            pool.push(held.swap_remove(pick % held.len()));
                        }
                        let i = (r >> 32) as usize % pool.len().max(1);
                        (!pool.is_empty()).then(|| pool.swap_remove(i))
                    };
                    theirs.map(give_back);
                }
            }
        }
        held
    });
    // Then everything that is left, all at once.
    let mut held = on_cpus(held, |_, mut held| {
        held.extend(std::iter::from_fn(|| take(0)));
        held
    });
    assert_eq!(claims.count(), cfg.nr_pages, "{name}: frames neither handed out nor free");
    assert_eq!(a.nr_free_pages(), 0, "{name}");

    // Everything back, from every CPU at once.
    held[0].extend(pool.into_inner().unwrap());
    on_cpus(held, |_, held| {
        held.into_iter().for_each(give_back);
        Vec::new()
    });
    assert_eq!(a.nr_free_pages(), cfg.nr_pages, "{name}");
    a.drain();
    Shadow::new(desc, cfg, a).check_capacity(MAX_PAGE_ORDER);
}

/// What compaction relies on, for an allocator that offers it: walking
/// the range by `free_block_order` as compaction's scanners do finds
/// aligned free blocks that add up to every free frame (per-CPU caches
/// drained); `isolate_free_page` takes exactly those frames, and freeing
/// the blocks gives them back; `pagetypeinfo`, if reported, counts the
/// same free blocks per order as `free_areas`.  An allocator without
/// `free_block_order` passes by finding nothing.
pub fn compaction_hooks_agree_with_the_counters(desc: &PageAllocatorDesc) {
    const N: u64 = 4096;
    let a = (desc.new)(&config(0, N, 1));
    let pages: Vec<Pfn> = (0..N).map_while(|_| a.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0)).collect();
    for p in pages.iter().step_by(3) {
        a.free_pages(*p, 0);
    }
    a.drain();
    let free = a.nr_free_pages();
    let walk = |f: &mut dyn FnMut(u64) -> Option<u32>| {
        let (mut pfn, mut found) = (0, 0);
        while pfn < N {
            match f(pfn) {
                Some(order) => {
                    assert_eq!(pfn % (1 << order), 0, "{}: free block at {pfn:#x} of order {order}", desc.name);
                    found += 1 << order;
                    pfn += 1 << order;
                }
                None => pfn += 1,
            }
        }
        found
    };
    let found = walk(&mut |pfn| a.free_block_order(Pfn(pfn)));
    if found == 0 {
        return;
    }
    assert_eq!(found, free, "{}: free blocks found by free_block_order", desc.name);
    if let Some(info) = a.pagetypeinfo() {
        let mut by_order = [0; MAX_PAGE_ORDER as usize + 1];
        for per_type in info.free {
            for (total, n) in by_order.iter_mut().zip(per_type) {
                *total += n;
            }
        }
        assert_eq!(by_order, a.free_areas(), "{}: pagetypeinfo against free_areas", desc.name);
        assert_eq!(info.blocks.iter().sum::<u64>(), N.div_ceil(mm_api::alloc::PAGEBLOCK_NR_PAGES), "{}", desc.name);
    }
    let mut held = Vec::new();
    let isolated = walk(&mut |pfn| {
        let order = a.isolate_free_page(Pfn(pfn))?;
        held.push((pfn, order));
        Some(order)
    });
    assert_eq!(isolated, free, "{}: isolate_free_page", desc.name);
    assert_eq!(a.nr_free_pages(), 0, "{}", desc.name);
    assert_eq!(a.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0), None, "{}: a frame left after isolating all", desc.name);
    for (pfn, order) in held {
        a.free_pages(Pfn(pfn), order);
    }
    assert_eq!(a.nr_free_pages(), free, "{}", desc.name);
    for p in pages.iter().skip(1).step_by(3).chain(pages.iter().skip(2).step_by(3)) {
        a.free_pages(*p, 0);
    }
    assert_eq!(a.nr_free_pages(), N, "{}", desc.name);
}
