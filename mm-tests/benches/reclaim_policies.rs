//! Each reclaim policy on the same access patterns over twice RAM, with a
//! zram swap device: major faults per thousand accesses (the miss ratio of
//! a cache simulator) and throughput, in one table, then criterion timings
//! of each pair.
//!
//! * `cyclic`: pages 0, 1, ... of twice RAM, over and over (the pattern
//!   that defeats LRU: every access misses);
//! * `random`: uniform over twice RAM (about half the pages can be
//!   resident, whatever the policy);
//! * `hot-cold`: 80% of accesses to a hot fifth of the pages (which fits),
//!   20% to the rest (Zipf-like skew).
//!
//! Swap readahead is off, so a miss is a miss.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE};
use mm_swap as _;
use mm_tests::Rng;
use std::time::Instant;

const RAM: u64 = 8 << 20;
const REGION: u64 = 2 * RAM;
const PAGES: u64 = REGION / PAGE_SIZE;
const A: u64 = 0x1_0000_0000;
const ACCESSES: u64 = 4 * PAGES;

#[derive(Clone, Copy)]
enum Pattern {
    Cyclic,
    Random,
    HotCold,
}

impl Pattern {
    const ALL: [(Pattern, &'static str); 3] =
        [(Pattern::Cyclic, "cyclic"), (Pattern::Random, "random"), (Pattern::HotCold, "hot-cold")];
}

/// The page of access `i`.
fn page(p: Pattern, i: u64, rng: &mut Rng) -> u64 {
    match p {
        Pattern::Cyclic => i % PAGES,
        Pattern::Random => rng.below(PAGES),
        Pattern::HotCold => {
            let hot = PAGES / 5;
            if rng.below(10) < 8 { rng.below(hot) } else { hot + rng.below(PAGES - hot) }
        }
    }
}

/// A machine with the region written once, and the pattern's state.
fn setup(policy: &str) -> (Kernel, u32) {
    let swap = SwapSpec::parse("zram:64M").expect("swap");
    let mut cfg = MachineConfig { ram: RAM, reclaim: policy.into(), swap: vec![swap], ..MachineConfig::default() };
    cfg.tunables.page_cluster = 0;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, REGION, 3, 0x32, -1, 0).expect("mmap");
    for p in 0..PAGES {
        k.store(pid, A + p * PAGE_SIZE, 1).expect("store");
    }
    (k, pid)
}

fn run(k: &Kernel, pid: u32, p: Pattern, rng: &mut Rng, from: u64, n: u64) {
    for i in from..from + n {
        let pg = page(p, i, rng);
        k.store(pid, A + pg * PAGE_SIZE, i as u8 | 1).expect("store");
    }
}

fn bench(c: &mut Criterion) {
    let policies = mm_core::vmscan::reclaim_policy_names();
    // The table: one warm-up pass of the pattern, then ACCESSES counted.
    eprintln!("\n{:<10} {:<10} {:>14} {:>16}", "policy", "pattern", "majflt/1000", "accesses/s");
    for policy in &policies {
        for (p, name) in Pattern::ALL {
            let (k, pid) = setup(policy);
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            run(&k, pid, p, &mut rng, 0, PAGES);
            let before = k.faults(pid).expect("faults").1;
            let t = Instant::now();
            run(&k, pid, p, &mut rng, PAGES, ACCESSES);
            let dt = t.elapsed().as_secs_f64();
            let major = k.faults(pid).expect("faults").1 - before;
            eprintln!(
                "{policy:<10} {name:<10} {:>14.1} {:>16.0}",
                major as f64 * 1000.0 / ACCESSES as f64,
                ACCESSES as f64 / dt
            );
            let _ = k.machine().vmstat().get(VmEvent::PswpOut);
        }
    }
    let mut g = c.benchmark_group("reclaim_policies");
    g.throughput(Throughput::Elements(PAGES));
    g.sample_size(10);
    for policy in &policies {
        for (p, name) in Pattern::ALL {
            let (k, pid) = setup(policy);
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut i = 0;
            g.bench_function(BenchmarkId::new(*policy, name), |b| {
                b.iter(|| {
                    run(&k, pid, p, &mut rng, i, PAGES);
                    i += PAGES;
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
