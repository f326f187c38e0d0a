//! The synthetic workloads of `mmsim sweep` and Belady's MIN on the
//! simulator: MIN is never beaten by a reclaim policy, the generators'
//! distributions are what their parameters say, and the README's
//! reclaim-policy table is expressible as workloads.

use mm_core::{Kernel, MachineConfig};
use mm_sim::sweep::min::{min_page_ins, totalram_pages};
use mm_sim::sweep::workload::{Measured, Synthetic};
use proptest::prelude::*;
use std::collections::HashMap;

fn machine(settings: &[String]) -> Kernel {
    let mut cfg = MachineConfig::default();
    for s in settings {
        cfg.set_pair(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    Kernel::new(&cfg).expect("machine")
}

fn parse(spec: &str) -> Synthetic {
    Synthetic::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// Runs `w` on a machine of `settings`; the measured counters and MIN's
/// page-ins with every frame of the machine.
fn run_with_min(w: &Synthetic, settings: &[String]) -> (Measured, u64) {
    let mut k = machine(settings);
    let m = w.run(&mut k).unwrap_or_else(|e| panic!("{settings:?}: {e}"));
    let pages: Vec<u64> = w.pages().collect();
    (m, min_page_ins(&pages, totalram_pages(&k) as usize))
}

fn generator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("seq".to_string()),
        Just("loop".to_string()),
        Just("uniform".to_string()),
        (0u32..=20).prop_map(|t| format!("zipf:theta={}", f64::from(t) / 10.0)),
        (1u32..=5, 5u32..=9).prop_map(|(h, p)| format!(
            "hotcold:hot={},hotprob={}",
            f64::from(h) / 10.0,
            f64::from(p) / 10.0
        )),
        (1u32..=4, 1u64..=300).prop_map(|(q, every)| format!("phases:ws=WS{q},every={every}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// No policy makes fewer page-ins than MIN with every frame of RAM,
    /// whatever the workload, RAM size, swap readahead, swappiness and
    /// page allocator.  (`swappiness=0` is left out: on this machine it
    /// never swaps anonymous memory, so a region larger than RAM ends in
    /// the OOM killer.)
    #[test]
    fn min_is_never_beaten(
        policy in prop::sample::select(mm_core::vmscan::reclaim_policy_names()),
        generator in generator(),
        ram_kb in prop::sample::select(vec![256u64, 384, 512, 1024]),
        region_percent in 50u64..300,
        n in 1u64..1500,
        warmup in 0u64..500,
        write in 0u32..=4,
        seed in any::<u64>(),
        page_cluster in 0u32..4,
        swappiness in 1u32..=200,
        allocator in prop::sample::select(mm_core::machine::allocator_names()),
    ) {
        let pages = (ram_kb / 4 * region_percent / 100).max(8);
        let (name, own) = generator.split_once(":").unwrap_or((generator.as_str(), ""));
        let own = own.replace("WS1", &(pages / 8).max(1).to_string())
            .replace("WS2", &(pages / 4).to_string())
            .replace("WS3", &(pages / 2).to_string())
            .replace("WS4", &pages.to_string());
        let (n, warmup) = if name == "seq" { (n.min(pages), 0) } else { (n, warmup) };
        let mut spec = format!("{name}:pages={pages},n={n},warmup={warmup},write={},seed={seed}", f64::from(write) / 4.0);
        if !own.is_empty() {
            spec = format!("{spec},{own}");
        }
        let w = parse(&spec);
        let settings = [format!("ram={ram_kb}K"), format!("reclaim={policy}"), "swap=zram:16M".into(), format!("page_cluster={page_cluster}"), format!("swappiness={swappiness}"), format!("allocator={allocator}")];
        let (m, min) = run_with_min(&w, &settings);
        prop_assert!(m.page_ins >= min, "{spec} on {settings:?}: {m:?} beat MIN's {min}");
        // Every page-in is a fault's or its readahead's.
        prop_assert!(m.majflt <= m.page_ins, "{spec} on {settings:?}: {m:?}");
    }
}

/// `pages()` is the measured sequence `run` makes: a region that fits
/// has every page resident after the set-up pass, and MIN, with one
/// frame fewer than the distinct pages touched, counts what a cache
/// simulator of the sequence would.
#[test]
fn pages_is_the_measured_sequence() {
    let w = parse("loop:pages=100,n=250,warmup=30");
    let v: Vec<u64> = w.pages().collect();
    assert_eq!(v.len(), 250);
    assert_eq!(v[0], 30);
    assert_eq!(v[249], (30 + 249) % 100);
    // A loop of 100 pages with 99 frames: after the free fill, MIN
    // misses once every 99 accesses at most.
    assert_eq!(min_page_ins(&v, 99), 2);
    let (m, min) = run_with_min(&w, &["ram=4M".into()]);
    assert_eq!((m, min), (Measured { accesses: 250, minflt: 0, majflt: 0, page_ins: 0 }, 0));
}

#[test]
fn same_spec_same_sequence() {
    for spec in [
        "seq:pages=500,n=400,warmup=50",
        "loop:pages=64,n=1000",
        "uniform:pages=1000,seed=5",
        "zipf:pages=1000,theta=1.2,seed=5",
        "hotcold:pages=1000,seed=5",
        "phases:pages=1000,ws=100,every=50,shift=30,seed=5",
    ] {
        let a: Vec<u64> = parse(spec).pages().collect();
        let w = parse(spec);
        assert_eq!(parse(&w.spec()), w, "{spec}");
        let b: Vec<u64> = parse(&w.spec()).pages().collect();
        assert_eq!(a, b, "{spec}");
        assert_eq!(a.len() as u64, w.accesses());
        assert!(a.iter().all(|&p| p < w.region_pages()), "{spec}");
        let other: Vec<u64> =
            parse(&format!("{spec},seed=99").replace(",seed=5,seed=99", ",seed=99")).pages().collect();
        if !spec.starts_with("seq") && !spec.starts_with("loop") {
            assert_ne!(a, other, "{spec}: the seed changes the sequence");
        }
    }
}

fn frequencies(w: &Synthetic) -> HashMap<u64, u64> {
    let mut f = HashMap::new();
    for p in w.pages() {
        *f.entry(p).or_insert(0) += 1;
    }
    f
}

/// Zipf: page r with probability (r+1)^-theta / H(pages, theta).
#[test]
fn zipf_frequencies_follow_the_law() {
    for theta in [0.5, 0.99, 1.5] {
        let (pages, n) = (1000u64, 400_000u64);
        let w = parse(&format!("zipf:pages={pages},theta={theta},n={n},seed=3"));
        let f = frequencies(&w);
        let h: f64 = (1..=pages).map(|r| (r as f64).powf(-theta)).sum();
        for r in [0u64, 1, 9, 99] {
            let expect = n as f64 * ((r + 1) as f64).powf(-theta) / h;
            let got = *f.get(&r).unwrap_or(&0) as f64;
            // Five standard deviations of a binomial count.
            let sd = (expect * (1.0 - expect / n as f64)).sqrt();
            assert!(
                (got - expect).abs() < 5.0 * sd + 1.0,
                "theta {theta}, page {r}: {got} accesses, expected {expect:.0}"
            );
        }
    }
    // theta = 0 is uniform.
    let f = frequencies(&parse("zipf:pages=10,theta=0,n=100000"));
    assert!(f.values().all(|&c| (9_000..11_000).contains(&c)), "{f:?}");
}

#[test]
fn hotcold_sends_hotprob_of_the_accesses_to_the_hot_pages() {
    let w = parse("hotcold:pages=1000,hot=0.1,hotprob=0.9,n=200000,seed=11");
    let f = frequencies(&w);
    let hot: u64 = f.iter().filter(|(p, _)| **p < 100).map(|(_, c)| c).sum();
    let share = hot as f64 / 200_000.0;
    assert!((share - 0.9).abs() < 0.005, "hot share {share}");
    // Every hot page is about equally hot, and every cold page cold.
    assert!((0..100).all(|p| (1_500..2_100).contains(&f[&p])), "hot pages");
    assert!((100..1000).all(|p| f.get(&p).copied().unwrap_or(0) < 60), "cold pages");
}

#[test]
fn uniform_and_write_ratio() {
    let f = frequencies(&parse("uniform:pages=16,n=160000,seed=2"));
    assert_eq!(f.len(), 16);
    assert!(f.values().all(|&c| (9_400..10_600).contains(&c)), "{f:?}");
    // Loads of a region that fits take no fault; the write ratio does not
    // change the pages.
    let a: Vec<u64> = parse("uniform:pages=64,write=0.25").pages().collect();
    let b: Vec<u64> = parse("uniform:pages=64,write=1").pages().collect();
    assert_eq!(a, b);
}

/// The README's reclaim-policy table (mm-tests/benches/reclaim_policies.rs):
/// 8 MiB of RAM, zram, no swap readahead, a region of twice RAM written
/// once, one warm-up pass of the pattern, then four passes' worth of
/// accesses measured.  Its generator is not this one, so the figures
/// agree within a few percent, and the order of the policies is the
/// README's.
#[test]
fn the_readme_reclaim_table_as_workloads() {
    let mut per_mille = HashMap::new();
    for policy in ["lru", "clock"] {
        for (pattern, spec) in [
            ("cyclic", "loop:size=16M,n=16384,warmup=4096"),
            ("random", "uniform:size=16M,n=16384,warmup=4096"),
            ("hot-cold", "hotcold:size=16M,hot=0.2,hotprob=0.8,n=16384,warmup=4096"),
        ] {
            let settings =
                ["ram=8M".into(), format!("reclaim={policy}"), "swap=zram:64M".into(), "page_cluster=0".into()];
            let (m, min) = run_with_min(&parse(spec), &settings);
            assert!(min <= m.page_ins);
            per_mille.insert((policy, pattern), m.majflt * 1000 / m.accesses);
        }
    }
    let g = |p, q| per_mille[&(p, q)];
    assert_eq!((g("lru", "cyclic"), g("clock", "cyclic")), (1000, 1000));
    for p in ["lru", "clock"] {
        assert!((500..570).contains(&g(p, "random")), "{p} random: {per_mille:?}");
        assert!((140..210).contains(&g(p, "hot-cold")), "{p} hot-cold: {per_mille:?}");
    }
    assert!(g("lru", "hot-cold") < g("clock", "hot-cold"), "{per_mille:?}");
}
