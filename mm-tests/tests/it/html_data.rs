//! The step-through page's data (`mmsim run --html`, docs/html-page.md):
//! the deltas rebuild every step's whole state, the document has the
//! documented keys, the same run gives the same bytes, and bad inputs get
//! `mmsim run`'s errors.

use mm_core::Kernel;
use mm_sim::html::state::{GROUPS, read_group};
use mm_sim::html::{Collector, Input, PageError, collect, page};
use mm_sim::run::{StepInfo, StepObserver};
use mm_sim::{RunOptions, parse};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// fork, copy on write, a file mapped shared and private, swap out by
/// MADV_PAGEOUT and by pressure, swap in, munmap, exit.
const SCENARIO: &str = r#"machine ram=1M swap=zram:2M cpus=2
window 0x100000000 0x101000000
file f 16384
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x61
load 0x100001000 1
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100010000
store 0x100010000 1 0x62
mmap(0x100100000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100100000 65536 0x11
fork
process 1
store 0x100100000 1 0x22
load 0x100100000 8192
madvise(0x100100000, 32768, MADV_PAGEOUT) = 0
load 0x100100000 4096
exit
madvise(0x100100000, 65536, MADV_PAGEOUT) = 0
load 0x100102000 4096
mmap(0x100200000, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
store 0x100200000 1048576 0x33
load 0x100100000 65536
munmap(0x100010000, 16384) = 0
dump
"#;

/// The whole state now, every key formatted.
fn snapshot(k: &Kernel) -> BTreeMap<String, Value> {
    let cpus = k.cpu_tlbstate();
    let mut out = BTreeMap::new();
    for g in GROUPS {
        let mut v = Vec::new();
        read_group(g, k, &cpus, &mut v);
        for (key, val) in v {
            assert!(out.insert(key.to_string(), val.to_json(k.machine())).is_none(), "{key} twice");
        }
    }
    out
}

/// A collector, and the whole state after every step beside it.
struct Both {
    c: Collector,
    full: Vec<BTreeMap<String, Value>>,
}

impl StepObserver for Both {
    fn start(&mut self, k: &Kernel) {
        self.c.start(k);
        self.full.push(snapshot(k));
    }
    fn step(&mut self, step: &StepInfo<'_>, k: &Kernel) {
        self.c.step(step, k);
        self.full.push(snapshot(k));
    }
}

fn document(src: &str, opts: &RunOptions) -> Value {
    let s = parse(src.as_bytes()).expect("the scenario parses");
    let c = collect(Input::Scenario(&s), "t.mms", opts);
    assert!(c.error.is_none(), "{:?}", c.error);
    serde_json::from_str(&c.json).expect("the document is JSON")
}

/// Applies step `st`'s delta to `state`.
fn apply(state: &mut BTreeMap<String, Value>, st: &Value) {
    for k in st["del"].as_array().expect("del") {
        let k = k.as_str().expect("a key");
        assert!(state.remove(k).is_some(), "{k} removed but not there");
    }
    for (k, v) in st["set"].as_object().expect("set") {
        assert_ne!(state.get(k), Some(v), "{k} set to what it was");
        state.insert(k.clone(), v.clone());
    }
}

#[test]
fn deltas_rebuild_the_whole_state_of_every_step() {
    let s = parse(SCENARIO.as_bytes()).expect("the scenario parses");
    let opts = RunOptions::default();
    let mut both = Both { c: Collector::new("t.mms", &opts).expect("no filter"), full: Vec::new() };
    let end = mm_sim::run::run_observed(&s, &opts, &mut both);
    assert!(end.error.is_none(), "{:?}", end.error);
    assert!(end.output.contains("# fork: line 12: process 1"), "{}", end.output);
    let doc: Value = serde_json::from_str(&both.c.finish(None)).expect("JSON");
    let steps = doc["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), both.full.len());
    assert_eq!(steps.len(), s.lines.len() + 1, "a step per line, and the start");
    let mut state = BTreeMap::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (n, st) in steps.iter().enumerate() {
        apply(&mut state, st);
        kinds.extend(state.keys().map(|k| k.split('/').next().expect("a prefix").to_string()));
        if state != both.full[n] {
            let diff: Vec<_> = both.full[n]
                .iter()
                .filter(|(k, v)| state.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .chain(state.keys().filter(|k| !both.full[n].contains_key(*k)).cloned())
                .take(10)
                .collect();
            panic!("step {n} ({}): the deltas differ from the state at {diff:?}", st["text"]);
        }
    }
    for k in ["proc", "vma", "pt", "cpu", "tlb", "file", "pc", "lru", "swap", "slot", "vmstat", "meminfo"] {
        assert!(kinds.contains(k), "no {k}/ key in any step: {kinds:?}");
    }
}

/// The keys of every step's state, by prefix, with a value of each.
fn keys_by_prefix(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for st in doc["steps"].as_array().expect("steps") {
        for (k, v) in st["set"].as_object().expect("set") {
            out.entry(k.split('/').next().expect("prefix").to_string()).or_insert_with(|| v.clone());
        }
    }
    out
}

fn fields(v: &Value) -> Vec<&str> {
    let o: &Map<String, Value> = v.as_object().unwrap_or_else(|| panic!("an object: {v}"));
    o.keys().map(String::as_str).collect()
}

#[test]
fn the_document_has_the_documented_keys() {
    let doc = document(SCENARIO, &RunOptions::default());
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["title"], "t.mms");
    assert_eq!(doc["error"], Value::Null);
    let m = &doc["machine"];
    assert_eq!(m["levels"], serde_json::json!(["PGD", "PUD", "PMD", "PTE"]));
    assert_eq!(
        (m["nr_cpus"].as_u64(), m["root_name"].as_str(), m["asid_name"].as_str()),
        (Some(2), Some("CR3"), Some("PCID"))
    );
    assert!(m["settings"].as_array().expect("settings").contains(&serde_json::json!(["ram", "1M"])));
    let steps = doc["steps"].as_array().expect("steps");
    assert_eq!((steps[0]["line"].as_u64(), steps[0]["text"].as_str()), (Some(0), Some("start")));
    let stacks = doc["stacks"].as_array().expect("stacks");
    for st in steps {
        for key in ["line", "text", "pid", "out", "chain", "trace", "trace_more", "set", "del"] {
            assert!(st.get(key).is_some(), "step without {key}: {st}");
        }
        for c in st["chain"].as_array().expect("chain") {
            let s = c[0].as_u64().expect("a stack") as usize;
            assert!(s < stacks.len() && c[1].as_u64().is_some_and(|n| n > 0), "{c}");
        }
    }
    let fork = steps.iter().find(|s| s["text"] == "fork").expect("the fork step");
    let folded: Vec<&str> = fork["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .map(|c| stacks[c[0].as_u64().unwrap() as usize].as_str().unwrap())
        .collect();
    assert!(folded.contains(&"kernel_clone;dup_mmap"), "{folded:?}");
    let store = steps.iter().find(|s| s["text"] == "store 0x100100000 1 0x22").expect("the child's store");
    assert!(store["trace"].as_array().expect("trace").iter().any(|l| l.as_str().unwrap().contains("do_wp_page")));
    assert!(store["pid"].as_u64().is_some_and(|p| p > 1), "the child ran it: {}", store["pid"]);
    let k = keys_by_prefix(&doc);
    let want: [(&str, &[&str]); 11] = [
        ("proc", &["majflt", "minflt", "mm", "pid", "root", "rss", "swapents", "tgid"]),
        ("vma", &["anon_vma", "end", "file", "flags", "name", "offset", "perms", "start"]),
        ("cpu", &["asid", "cpu", "entries", "flushes", "hits", "invlpg", "misses", "pid", "root"]),
        ("tlb", &["d", "g", "pfn", "u", "w"]),
        ("file", &["ino", "name", "nrpages", "shown", "size"]),
        ("pc", &["flags", "mapcount", "order", "pfn"]),
        ("lru", &["head", "len", "name", "tail"]),
        ("swap", &["area", "name", "pages", "prio", "shown", "used"]),
        ("slot", &["cache", "count"]),
        ("vmstat", &[]),
        ("meminfo", &[]),
    ];
    for (prefix, f) in want {
        let v = k.get(prefix).unwrap_or_else(|| panic!("no {prefix}/ key"));
        if f.is_empty() {
            assert!(v.is_u64(), "{prefix}: {v}");
        } else {
            assert_eq!(fields(v), f, "{prefix}");
        }
    }
    let walk = k["pt"].as_array().expect("a walk");
    assert_eq!(walk.len(), 4);
    for (l, name) in walk.iter().zip(["PGD", "PUD", "PMD", "PTE"]) {
        assert_eq!(l["level"], name);
        assert_eq!(
            fields(
                &l.as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| *k != "end")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            ),
            ["bits", "index", "level", "next", "raw", "table"]
        );
    }
    assert!(walk[0]["bits"].as_array().unwrap().contains(&Value::from("US")), "{walk:?}");
    // A swapped-out page's walk ends in a swap entry.
    let swapped = steps
        .iter()
        .flat_map(|s| s["set"].as_object().unwrap())
        .find(|(k, v)| k.starts_with("pt/") && v[3]["end"] == "swap");
    let (_, w) = swapped.expect("a walk ending in a swap entry");
    assert!(w[3]["swap"]["offset"].is_string() && w[3]["next"].is_null(), "{w}");
    // The file's name is its path.
    assert!(
        steps
            .iter()
            .flat_map(|s| s["set"].as_object().unwrap())
            .any(|(k, v)| k.starts_with("file/") && v["name"] == "f")
    );
}

#[test]
fn the_same_run_gives_the_same_page() {
    let opts = RunOptions::default();
    let a = page(SCENARIO.as_bytes(), "t.mms", &opts).expect("a page");
    let b = page(SCENARIO.as_bytes(), "t.mms", &opts).expect("a page");
    assert!(a == b, "two runs, two pages");
    assert!(
        a.contains(r#"<script type="application/json" id="mmsim-data">{"version":1,"#),
        "{}",
        &a[..a.len().min(2000)]
    );
    assert!(!a.contains("<!--MMSIM-DATA-->") && !a.contains("/*MMSIM-JS*/") && !a.contains("/*MMSIM-CSS*/"));
}

#[test]
fn no_string_in_the_data_ends_the_script() {
    let src = "window 0x100000000 0x101000000\n# </script><!-- a comment is no line\nfile f 4096\n\
               openat(AT_FDCWD, \"f</script>\", O_RDONLY) = -1 ENOENT\n";
    let p = page(src.as_bytes(), "</script>.mms", &RunOptions::default()).expect("a page");
    let start = p.find(r#"id="mmsim-data">"#).expect("the data") + r#"id="mmsim-data">"#.len();
    let len = p[start..].find("</script>").expect("the end of the data");
    let doc: Value = serde_json::from_str(&p[start..start + len]).expect("the data is JSON");
    assert_eq!(doc["title"], "</script>.mms");
    assert!(doc["steps"].as_array().unwrap().iter().any(|s| s["text"].as_str().unwrap().contains("f</script>")));
}

#[test]
fn bad_inputs_get_the_errors_of_mmsim_run() {
    let opts = RunOptions::default();
    // A line that does not parse.
    let bad = "window 0x100000000 0x101000000\nmmap(0x100000000, 4096, PROT_READ) = 0\n";
    let want = parse(bad.as_bytes()).expect_err("a parse error").to_string();
    match page(bad.as_bytes(), "t.mms", &opts) {
        Err(e @ PageError::Parse(_)) => assert_eq!(e.to_string(), want),
        r => panic!("{:?}", r.map(|p| p.len())),
    }
    // A machine setting refused, a trace filter refused, a run out of
    // memory: the run's error, and a page of what ran.
    let cases = [
        (
            "window 0x100000000 0x101000000\n",
            RunOptions { settings: vec![("cpus".to_string(), "100".to_string())], ..Default::default() },
        ),
        (
            "window 0x100000000 0x101000000\n",
            RunOptions { trace_filter: vec!["a b".to_string()], ..Default::default() },
        ),
        ("machine ram=256K\nwindow 0x100000000 0x101000000\nfile f 8388608\n", RunOptions::default()),
    ];
    for (src, opts) in cases {
        let s = parse(src.as_bytes()).expect("parses");
        let run = mm_sim::run(&s, &opts).expect_err("the run stops");
        match page(src.as_bytes(), "t.mms", &opts) {
            Err(PageError::Stopped { page, stopped }) => {
                assert_eq!(stopped.to_string(), run.to_string(), "{src}");
                assert_eq!(stopped.output, run.output, "{src}");
                if !page.is_empty() {
                    assert!(
                        page.contains(&serde_json::to_string(&run.to_string()).unwrap()),
                        "the page says why: {src}"
                    );
                }
            }
            r => panic!("{src}: {:?}", r.map(|p| p.len())),
        }
    }
}

#[test]
fn the_walk_of_one_address_is_the_walk_pagemap_finds() {
    let s = parse(SCENARIO.as_bytes()).expect("the scenario parses");
    let (_, k) = mm_sim::run_keep(&s, &RunOptions::default()).expect("the run ends");
    let pid = k.pids()[0];
    let map = k.pagemap(pid, usize::MAX).expect("a live process");
    assert_eq!(map.total as usize, map.pages.len());
    assert!(map.pages.len() > 16, "{} pages", map.pages.len());
    let mut ends = std::collections::BTreeSet::new();
    for p in &map.pages {
        let walk = k.ptdump_addr(pid, p.va).expect("a live process");
        assert_eq!(walk, k.machine().ptdump_decode(p.va, p.path()), "{:#x}", p.va);
        assert_eq!(walk.levels.len(), 4);
        ends.insert(format!("{:?}", walk.end).split([' ', '{']).next().unwrap().to_string());
    }
    assert_eq!(ends.into_iter().collect::<Vec<_>>(), ["Page", "Swap"]);
    // Nothing mapped: the walk stops at the first empty entry.
    let none = k.ptdump_addr(pid, 0x7000_0000_0000).expect("a live process");
    assert_eq!(none.end, mm_core::inspect::WalkEnd::None);
    assert_eq!((none.levels.len(), none.levels[0].raw, none.levels[0].next), (1, 0, None));
    assert!(none.levels[0].bits.is_empty());
    // A written private anonymous page: present, writable, user, accessed,
    // dirty, not executable; its upper entries point to user tables.
    let va = map
        .pages
        .iter()
        .map(|p| p.va)
        .filter(|&va| va >= 0x100200000)
        .find(|&va| matches!(k.ptdump_addr(pid, va).unwrap().end, mm_core::inspect::WalkEnd::Page { .. }))
        .expect("a page of the last mapping still present");
    let w = k.ptdump_addr(pid, va).expect("a live process");
    // (Reclaim's aging may have cleared its accessed bit.)
    let young: &[&str] = if w.levels[3].raw & 1 << 5 != 0 { &["A"] } else { &[] };
    assert_eq!(w.levels[3].bits, [&["P", "RW", "US"][..], young, &["D", "NX"]].concat(), "{w:?}");
    assert_eq!(w.levels[0].bits, ["P", "RW", "US", "A", "D"], "{w:?}");
    assert_eq!(w.levels.iter().map(|l| l.name).collect::<Vec<_>>(), ["PGD", "PUD", "PMD", "PTE"]);
    assert_eq!(w.levels[1].table, w.levels[0].next.expect("a table"));
    assert!(matches!(w.end, mm_core::inspect::WalkEnd::Page { pfn } if Some(pfn) == w.levels[3].next));
    // Bounded: the lowest pages, and how many there are.
    let few = k.pagemap(pid, 3).expect("a live process");
    assert_eq!((few.pages.as_slice(), few.total), (&map.pages[..3], map.total));
}
