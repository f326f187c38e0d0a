//! `mmsim sweep` as a library: a sweep of policies (one of them written
//! outside the workspace's crates, taking part by its name) by RAM sizes
//! by workloads, run on every core; its shards merge into the unsharded
//! results.
//!
//! A test binary of its own: linking `fifo-reclaim` registers `fifo`,
//! which the `it` binary's tests over every registered policy are not
//! written for.

use fifo_reclaim as _;
use mm_sim::sweep::{Axis, Plan, Shard, Sweep, SweepOptions, Workload, sweep};
use mm_tests as _; // links the built-in backends

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

#[test]
fn the_fragment_workload_tells_allocators_and_defrag_apart() {
    let axes = vec![
        Axis::new("ram", "64M").expect("ram"),
        Axis::new("allocator", "buddy,bitmap,first-fit").expect("allocators"),
        Axis::new("thp_defrag", "never,defer,always").expect("defrag"),
    ];
    let w = vec![Workload::synthetic("fragment:size=32M").expect("spec")];
    let s = sweep(&Plan::new(axes, w).expect("plan"), &SweepOptions { jobs: None, shard: None, progress: false })
        .expect("sweep");
    let cell = |a: &str, d: &str| {
        let c = s.cells.iter().find(|c| c.axes["allocator"] == a && c.axes["thp_defrag"] == d).expect("cell");
        assert_eq!(c.error, None, "{c:?}");
        c
    };
    let v = |a: &str, d: &str, k: &str| cell(a, d).vmstat[k];
    for a in ["buddy", "bitmap", "first-fit"] {
        for d in ["never", "defer", "always"] {
            // 16 blocks of 2 MiB, one THP fault each.
            assert_eq!(v(a, d, "thp_fault_alloc") + v(a, d, "thp_fault_fallback"), 16, "{a} {d}");
        }
        // never compacts nothing; defer only through kcompactd, always
        // only directly.
        for k in ["compact_stall", "compact_daemon_wake", "pgmigrate_success", "compact_migrate_scanned"] {
            assert_eq!(v(a, "never", k), 0, "{a} never {k}");
        }
        assert!(v(a, "defer", "compact_daemon_wake") > 0 && v(a, "defer", "compact_stall") == 0, "{a}");
        assert!(v(a, "always", "compact_stall") > 0 && v(a, "always", "compact_daemon_wake") == 0, "{a}");
    }
    // Buddy's free 2 MiB blocks survive the fragmenting and compaction
    // empties its movable pageblocks; the bitmap's next-fit search leaves
    // none, and page tables scattered among user pages keep compaction
    // from emptying one.
    for d in ["never", "defer", "always"] {
        assert!(v("buddy", d, "thp_fault_alloc") > v("bitmap", d, "thp_fault_alloc"), "{d}");
    }
    assert!(v("buddy", "always", "thp_fault_alloc") > v("buddy", "never", "thp_fault_alloc"));
    assert!(v("buddy", "always", "thp_fault_alloc") > v("first-fit", "always", "thp_fault_alloc"));
    // The table shows the THP columns.
    let table = mm_sim::sweep::output::table(&s);
    assert!(table.lines().next().is_some_and(|h| h.contains("thp ok") && h.contains("migrated")), "{table}");
}
