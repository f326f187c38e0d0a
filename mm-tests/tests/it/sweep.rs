//! `mmsim sweep` as a library: a sweep of policies (one of them written
//! outside the workspace's crates, taking part by its name) by RAM sizes
//! by workloads, run on every core; its shards merge into the unsharded
//! results.

use fifo_reclaim as _;
use mm_sim::sweep::{Axis, Plan, Shard, Source, Sweep, SweepOptions, Workload, sweep};
use mm_tests::Rng;
use std::fmt::Write as _;

/// 1 MiB of anonymous memory, written once, then `accesses` (page
/// numbers) stored to, one byte each.
fn scenario(name: &str, accesses: impl IntoIterator<Item = u64>) -> Workload {
    let mut text = String::from(
        "mmap(NULL, 0x100000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\nstore $a 0x100000 1\n",
    );
    for p in accesses {
        let _ = writeln!(text, "store $a+{:#x} 1 2", p * 4096);
    }
    let s = mm_sim::parse(text.as_bytes()).expect("the scenario parses");
    Workload { name: name.to_string(), source: Source::Scenario(s), file: None }
}

fn workloads() -> Vec<Workload> {
    let mut rng = Rng(7);
    let mut rng2 = Rng(11);
    vec![
        scenario("loop", (0..3).flat_map(|_| 0..256)),
        scenario("uniform", (0..600).map(|_| rng.below(256)).collect::<Vec<_>>()),
        // 90% of the accesses to 32 of the 256 pages.
        scenario(
            "hotcold",
            (0..600)
                .map(|_| if rng2.below(10) < 9 { rng2.below(32) } else { 32 + rng2.below(224) })
                .collect::<Vec<_>>(),
        ),
        scenario("none", []),
    ]
}

fn plan() -> Plan {
    let axes = vec![
        Axis::new("reclaim", "lru,clock,fifo").expect("fifo is registered by linking its crate"),
        Axis::new("ram", "256K,384K,512K,640K,768K,1M,1536K,2M").expect("ram"),
        Axis::new("swap", "zram:4M").expect("swap"),
    ];
    Plan::new(axes, workloads()).expect("plan")
}

fn without_wall_time(mut s: Sweep) -> Sweep {
    s.cells.iter_mut().for_each(|c| c.wall_ns = 0);
    s
}

#[test]
fn three_policies_by_eight_ram_sizes_by_four_workloads() {
    let p = plan();
    assert_eq!(p.cells(), 96);
    let s = sweep(&p, &SweepOptions { jobs: None, shard: None, progress: false }).expect("sweep");
    assert_eq!(s.cells.len(), 96);
    for (i, c) in s.cells.iter().enumerate() {
        assert_eq!((c.index, c.error.as_deref()), (i, None), "{c:?}");
        assert_eq!(c.machine["reclaim"], c.axes["reclaim"]);
        assert_eq!(c.vmstat["pgmajfault"], c.majflt);
    }
    let cell = |reclaim: &str, ram: &str, w: &str| {
        s.cells.iter().find(|c| c.axes["reclaim"] == reclaim && c.axes["ram"] == ram && c.workload == w).expect("cell")
    };
    for reclaim in ["lru", "clock", "fifo"] {
        // A loop over more than memory swaps under every policy; with
        // room to spare nothing is read back.
        let small = cell(reclaim, "256K", "loop");
        assert!(small.majflt > 0 && small.page_ins > 0 && small.vmstat["pswpout"] > 0, "{small:?}");
        let big = cell(reclaim, "2M", "loop");
        assert_eq!((big.majflt, big.page_ins), (0, 0), "{big:?}");
        assert!(small.majflt >= cell(reclaim, "1M", "loop").majflt);
    }
}

#[test]
fn two_shards_merge_into_the_whole_sweep() {
    let p = plan();
    let run = |shard| sweep(&p, &SweepOptions { jobs: Some(2), shard, progress: false }).expect("sweep");
    let whole = run(None);
    let a = run(Some(Shard { index: 1, count: 2 }));
    let b = run(Some(Shard { index: 2, count: 2 }));
    assert_eq!((a.cells.len(), b.cells.len()), (48, 48));
    // Through the JSON files, as `mmsim sweep merge` reads them.
    let back = |s: &Sweep| serde_json::from_str::<Sweep>(&mm_sim::sweep::output::json(s)).expect("json");
    let merged = Sweep::merge(vec![("b".into(), back(&b)), ("a".into(), back(&a))]).expect("merge");
    assert_eq!(without_wall_time(merged), without_wall_time(whole));
}
