//! The trace explains what it decides: why `do_wp_page` copies or reuses
//! (the folio's reference and map counts), why reclaim keeps a page on
//! its list (`folio_check_references`), the arithmetic of
//! `__vm_enough_memory`, each OOM candidate's `oom_badness`; and, with
//! `--trace-walk`, the TLB hit or miss and the page walk of an access
//! that does not fault.

use mm_sim::{RunOptions, parse, run};

fn trace_of(src: &str, walk: bool) -> String {
    let s = parse(src.as_bytes()).expect("scenario parses");
    let opts = RunOptions { trace: true, trace_walk: walk, ..RunOptions::default() };
    run(&s, &opts).expect("scenario runs")
}

/// The trace lines of one scenario line (`-- line N: ...` up to the next).
fn lines_of(trace: &str, line: usize) -> String {
    let head = format!("-- line {line}:");
    let mut out = String::new();
    let mut inside = false;
    for l in trace.lines() {
        if l.starts_with("-- line ") {
            inside = l.starts_with(&head);
        }
        if inside {
            out.push_str(l);
            out.push('\n');
        }
    }
    assert!(!out.is_empty(), "no trace for line {line} in:\n{trace}");
    out
}

const FORK_COW: &str = "\
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x11
fork
store 0x100000000 1 0x22
process 1
exit
process 0
fork
process 2
exit
process 0
store 0x100000000 1 0x33
";

/// After fork the page is mapped by both processes: the parent's write
/// copies, and says the counts; once the child is gone, the copy is the
/// parent's alone and a write after the next fork's child exited reuses
/// it, saying why.
#[test]
fn cow_after_fork_copies_with_mapcount_2_and_reuses_when_alone() {
    let t = trace_of(FORK_COW, false);
    let copy = lines_of(&t, 5);
    assert!(
        copy.contains("wp_can_reuse_anon_folio: pfn ") && copy.contains(": refcount 2 > 1 (mapcount 2), shared: copy"),
        "{copy}"
    );
    assert!(copy.contains("wp_page_copy: copied pfn"), "{copy}");
    let reuse = lines_of(&t, 13);
    assert!(reuse.contains(": refcount 1, mapcount 1, not KSM: exclusive, reuse"), "{reuse}");
    assert!(reuse.contains("wp_page_reuse"), "{reuse}");
}

/// Under pressure kswapd scans pages written once: each is kept on the
/// inactive list because its one referencing entry was young, and the
/// trace says so.
#[test]
fn reclaim_says_why_it_keeps_a_referenced_page() {
    let src = "\
machine ram=256K swap=zram:1M
window 0x100000000 0x101000000
mmap(0x100000000, 196608, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 196608 0x44
";
    let t = trace_of(src, false);
    let kept = t
        .lines()
        .filter(|l| {
            l.contains("folio_check_references: pfn ")
                && l.ends_with(
                    ": 1 referenced pte, PG_referenced was clear: first reference, PG_referenced set: keep on the inactive list",
                )
        })
        .count();
    assert!(kept > 0, "no kept page explained:\n{t}");
    // Every page counted as kept has its reason.
    let counted: usize =
        t.lines().filter_map(|l| l.split(" activated, ").nth(1)?.split(" kept").next()?.parse::<usize>().ok()).sum();
    let activated: usize =
        t.lines().filter(|l| l.contains("folio_check_references: pfn ") && l.ends_with(": activate")).count();
    assert!(counted <= kept + activated && counted > 0, "{counted} kept, {kept} explained:\n{t}");
}

/// A private writable mapping larger than RAM and swap together is
/// refused by the heuristic, and the trace shows the numbers.
#[test]
fn refused_mmap_shows_the_overcommit_arithmetic() {
    let src = "\
machine ram=1M
mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM
";
    let t = trace_of(src, false);
    assert!(
        t.contains("__vm_enough_memory: 512 pages asked, mode 0 (heuristic): 256 totalram + 0 swap = 256 pages: more than all of it, -ENOMEM"),
        "{t}"
    );
    let src = "\
machine ram=1M overcommit_memory=1
mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7e00000
";
    let t = trace_of(src, false);
    assert!(t.contains("__vm_enough_memory: 512 pages asked, OVERCOMMIT_ALWAYS (mode 1): granted"), "{t}");
}

/// The OOM killer scores each candidate and says what the score is made
/// of, then which one it chose.
#[test]
fn oom_killer_shows_each_candidates_badness() {
    let path = mm_tests::scenarios_dir().join("oom").join("kill-other.mms");
    let src = std::fs::read_to_string(path).expect("scenario");
    let s = parse(src.as_bytes()).expect("parses");
    let cfg = mm_core::machine::MachineConfig { ram: 1 << 20, ..Default::default() };
    let t = run(&s, &RunOptions { machine: cfg, trace: true, ..RunOptions::default() }).expect("runs");
    let scores: Vec<&str> = t.lines().filter(|l| l.contains("oom_badness: pid ")).collect();
    assert!(scores.len() >= 2, "{t}");
    for l in &scores {
        // points = rss + swapents + pgtables, and the sum is right.
        let (_, rest) = l.split_once(": pid ").expect("pid");
        let nums: Vec<i64> = rest
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .map(|w| w.parse().expect("number"))
            .collect();
        // pid, points, rss, swapents, pgtables, adj 0
        assert_eq!(nums.len(), 6, "{l}");
        assert_eq!(nums[1], nums[2] + nums[3] + nums[4], "{l}");
    }
    assert!(t.contains("select_bad_process: pid ") && t.contains(" chosen: the most points ("), "{t}");
}

const WALK: &str = "\
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
load 0x100000008
load 0x100001000
load 0x100001000
";

/// `--trace-walk`: the write after the fault misses the TLB and walks
/// every level; the next load hits; the load of the zero page faults,
/// and the repeated load hits its translation.
#[test]
fn walk_trace_four_levels() {
    insta::assert_snapshot!(trace_of(WALK, true));
}

/// Five levels: the walk passes the P4D.
#[test]
fn walk_trace_five_levels() {
    let t = trace_of(&format!("machine page_table=x86-64-5level\n{WALK}"), true);
    let walk = lines_of(&t, 4);
    let levels: Vec<&str> = walk
        .lines()
        .filter_map(|l| l.trim_start().split(':').next())
        .filter(|f| ["pgd", "p4d", "pud", "pmd", "pte"].contains(f))
        .collect();
    assert_eq!(levels, ["pgd", "p4d", "pud", "pmd", "pte"], "{t}");
}

/// Without `--trace-walk` an access that does not fault traces nothing.
#[test]
fn plain_trace_has_no_walk() {
    let t = trace_of(WALK, false);
    assert!(!t.contains("tlb_hit") && !t.contains("tlb_miss"), "{t}");
    assert!(trace_of(WALK, true).contains("tlb_hit: cpu 0 read 0x100000008"));
}
