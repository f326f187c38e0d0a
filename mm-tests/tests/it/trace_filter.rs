//! The trace filtered (`--trace-filter`), summarised (`--trace-summary`)
//! and redacted for snapshots (`mm_sim::trace_scenario`), checked against
//! the whole trace of the scenarios in `scenarios/trace*/`.

use mm_core::MachineConfig;
use mm_core::trace::TraceFilter;
use mm_sim::{Redact, RunOptions, trace_scenario};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The scenarios with call chains worth filtering: faults, fork, reclaim,
/// swap-in.
fn cases() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for dir in ["trace", "trace-swap"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(mm_tests::scenarios_dir().join(dir))
            .expect("a scenario directory")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "mms"))
            .collect();
        files.sort();
        for c in files {
            let name = format!("{dir}/{}", c.file_name().expect("name").to_string_lossy());
            v.push((name, std::fs::read_to_string(&c).expect("readable")));
        }
    }
    assert!(v.len() >= 19, "{} trace scenarios", v.len());
    v
}

fn traced(src: &str, opts: RunOptions) -> String {
    trace_scenario(src, &opts, Redact::Nothing).unwrap_or_else(|e| panic!("{e}"))
}

/// A call-chain line's depth and function (chain lines are indented by
/// two spaces, then two per level).
fn chain_event(line: &str) -> Option<(usize, &str)> {
    let body = line.strip_prefix("  ")?;
    let text = body.trim_start_matches(' ');
    let depth = (body.len() - text.len()) / 2;
    Some((depth, text.split(": ").next().expect("a function")))
}

/// What the filter must print for the whole traced `out`, worked out from
/// the text: in each line's block, the lines whose function matches and
/// the lines of the spans that hold them; a block with none is dropped.
fn filtered_by_hand(out: &str, f: &TraceFilter) -> String {
    let mut res = String::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, res: &mut String| {
        let mut keep = vec![false; block.len()];
        for j in 1..block.len() {
            let (mut d, func) = chain_event(block[j]).expect("a chain line");
            if !f.matches(func) {
                continue;
            }
            keep[j] = true;
            for k in (1..j).rev() {
                let (dk, _) = chain_event(block[k]).expect("a chain line");
                if dk < d {
                    keep[k] = true;
                    d = dk;
                }
            }
        }
        if keep.iter().any(|&k| k) {
            res.push_str(block[0]);
            res.push('\n');
            for (l, _) in block.iter().zip(&keep).filter(|(_, k)| **k) {
                res.push_str(l);
                res.push('\n');
            }
        }
        block.clear();
    };
    for l in out.lines() {
        if l.starts_with("-- line ") {
            flush(&mut block, &mut res);
            block.push(l);
        } else if !block.is_empty() && chain_event(l).is_some() {
            block.push(l);
        } else {
            flush(&mut block, &mut res);
            res.push_str(l);
            res.push('\n');
        }
    }
    flush(&mut block, &mut res);
    res
}

#[test]
fn the_filter_keeps_matches_and_their_callers_and_drops_the_rest() {
    let globs = ["shrink_*", "do_swap_page", "wp_page_*", "set_pte_at", "*_alloc"];
    let filter = TraceFilter::new(&globs).expect("valid globs");
    let mut kept_somewhere = 0;
    for (name, src) in cases() {
        let all = traced(&src, RunOptions::default());
        let opts = RunOptions { trace_filter: globs.iter().map(|g| g.to_string()).collect(), ..RunOptions::default() };
        let got = traced(&src, opts);
        assert_eq!(got, filtered_by_hand(&all, &filter), "{name}");
        // Something unrelated to the globs is always dropped: each fault
        // accounts itself.
        if all.contains("mm_account_fault") {
            assert!(!got.contains("mm_account_fault"), "{name}");
        }
        kept_somewhere += got.lines().filter(|l| chain_event(l).is_some_and(|(_, f)| filter.matches(f))).count();
    }
    assert!(kept_somewhere > 100, "{kept_somewhere} events kept");
}

/// The `== trace summary` block of `out`: function -> count.
fn summary(out: &str) -> BTreeMap<String, u64> {
    let (_, block) = out.split_once("== trace summary\n").expect("a summary");
    let mut lines = block.lines();
    assert!(lines.next().expect("a header").starts_with("FUNC "));
    lines
        .map(|l| {
            let (f, n) = l.split_once(' ').expect("FUNC COUNT");
            (f.to_string(), n.trim().parse().expect("a count"))
        })
        .collect()
}

/// Every event of the traced `out`, counted by function.
fn counted_by_hand(out: &str, f: Option<&TraceFilter>) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (_, func) in out.lines().filter_map(chain_event) {
        if f.is_none_or(|f| f.matches(func)) {
            *m.entry(func.to_string()).or_insert(0) += 1;
        }
    }
    m
}

#[test]
fn summary_counts_equal_the_events_of_the_whole_trace() {
    let filter = TraceFilter::new(&["*fault*", "shrink_*"]).expect("valid globs");
    for (name, src) in cases() {
        let all = traced(&src, RunOptions { trace_summary: true, ..RunOptions::default() });
        let (chains, _) = all.split_once("== trace summary\n").expect("a summary");
        assert_eq!(summary(&all), counted_by_hand(chains, None), "{name}");
        assert!(!summary(&all).is_empty(), "{name}");

        // Counting alone: no chains, the same counts, the same output
        // otherwise.
        let s = mm_sim::parse(src.as_bytes()).expect("parses");
        let opts = RunOptions { trace_summary: true, ..RunOptions::default() };
        let counted = mm_sim::run(&s, &opts).expect("runs");
        assert!(!counted.contains("-- line "), "{name}");
        assert_eq!(summary(&counted), summary(&all), "{name}");
        let plain = mm_sim::run(&s, &RunOptions::default()).expect("runs");
        assert_eq!(counted.split_once("== trace summary\n").expect("a summary").0, plain, "{name}");

        // With a filter: the selected functions' counts, from the whole
        // trace.
        let opts = RunOptions {
            trace_summary: true,
            trace_filter: vec!["*fault*".into(), "shrink_*".into()],
            ..RunOptions::default()
        };
        let counted = mm_sim::run(&s, &opts).expect("runs");
        assert_eq!(summary(&counted), counted_by_hand(chains, Some(&filter)), "{name}");
    }
}

#[test]
fn a_bad_filter_is_an_error_naming_it() {
    let s = mm_sim::parse(b"load 0x1000\n").expect("parses");
    let opts = RunOptions { trace: true, trace_filter: vec!["do fault".into()], ..RunOptions::default() };
    let e = mm_sim::run(&s, &opts).expect_err("refused");
    assert_eq!(e.to_string(), "trace filter 'do fault': ' ' is not allowed (a function name, with '*' and '?')");
}

#[test]
fn redacted_traces_do_not_depend_on_the_page_allocator() {
    let on = |alloc: &str| RunOptions {
        machine: MachineConfig { allocator: alloc.into(), ..MachineConfig::default() },
        ..RunOptions::default()
    };
    let mut differ = 0;
    for (name, src) in cases() {
        let buddy = trace_scenario(&src, &on("buddy"), Redact::Physical).expect("runs");
        let bitmap = trace_scenario(&src, &on("bitmap"), Redact::Physical).expect("runs");
        assert_eq!(buddy, bitmap, "{name}");
        let raw = |a| trace_scenario(&src, &on(a), Redact::Nothing).expect("runs");
        differ += usize::from(raw("buddy") != raw("bitmap"));
        assert!(!buddy.contains("pfn 0x"), "{name}");
    }
    // The allocators hand out other frames: unredacted, the traces differ.
    assert!(differ >= 3, "{differ} scenarios differ unredacted");
}

/// The README's way: a snapshot of a filtered, redacted trace.
#[test]
fn swap_out_and_in_snapshot() {
    let path: PathBuf = mm_tests::scenarios_dir().join("trace-swap/pageout-swapin.mms");
    let src = std::fs::read_to_string(path).expect("readable");
    let opts = RunOptions {
        trace_filter: vec!["shrink_folio_list".into(), "do_swap_page".into(), "swap_*".into()],
        trace_summary: true,
        ..RunOptions::default()
    };
    insta::assert_snapshot!(trace_scenario(&src, &opts, Redact::Physical).expect("runs"));
}
