//! `mmsim sweep` as a library: a sweep of policies (one of them written
//! outside the workspace's crates, taking part by its name) by RAM sizes
//! by workloads, run on every core; its shards merge into the unsharded
//! results.

use fifo_reclaim as _;
use mm_sim::sweep::{Axis, Plan, Shard, Sweep, SweepOptions, Workload, sweep};

fn workloads() -> Vec<Workload> {
    let mut w: Vec<Workload> = ["loop:pages=256,n=768", "zipf:pages=256,theta=0.9,n=768", "hotcold:size=1M,n=768"]
        .iter()
        .map(|s| Workload::synthetic(s).expect("spec"))
        .collect();
    let file = mm_tests::scenarios_dir().join("trace-swap/pageout-swapin.mms");
    w.push(Workload::from_file(&file).expect("the scenario file"));
    w
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
    let loop_ = s.workloads[0].as_str();
    for reclaim in ["lru", "clock", "fifo"] {
        // A loop over more than memory swaps under every policy; with
        // room to spare nothing is read back.
        let small = cell(reclaim, "256K", loop_);
        assert!(small.majflt > 0 && small.page_ins > 0 && small.vmstat["pswpout"] > 0, "{small:?}");
        let big = cell(reclaim, "2M", loop_);
        assert_eq!((big.majflt, big.page_ins), (0, 0), "{big:?}");
        assert!(small.majflt >= cell(reclaim, "1M", loop_).majflt);
    }
    for c in &s.cells {
        if c.workload.ends_with(".mms") {
            assert_eq!((c.accesses, c.min_page_ins), (None, None));
            continue;
        }
        // Every policy against the best possible.
        assert_eq!(c.accesses, Some(768));
        let min = c.min_page_ins.expect("MIN");
        assert!(min <= c.page_ins, "MIN beaten: {c:?}");
        assert_eq!(c.min_capacity.map(|f| f * 4), c.meminfo.get("MemTotal").copied());
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
