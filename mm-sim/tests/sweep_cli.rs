//! `mmsim sweep` from the command line: shards run as separate processes
//! merge into the unsharded results; output files are never replaced
//! unless asked; bad input is refused before any cell runs.

use mm_sim::sweep::Sweep;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mmsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmsim")).current_dir(dir).args(args).output().expect("run mmsim")
}

/// A directory of the test's own, with a scenario `s.mms` in it.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mmsim-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let s = "machine swap=zram:2M\n\
             mmap(NULL, 0x80000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n\
             store $a 0x80000 1\nload $a 0x80000\n";
    std::fs::write(dir.join("s.mms"), s).expect("scenario");
    dir
}

fn read(dir: &Path, f: &str) -> Sweep {
    serde_json::from_str(&std::fs::read_to_string(dir.join(f)).expect("results")).expect("a sweep")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const AXES: &[&str] = &[
    "--reclaim",
    "lru,clock",
    "--ram",
    "256K,512K,1M",
    "--swap",
    "zram:2M",
    "--workload",
    "zipf:pages=160,n=300",
    "s.mms",
];

#[test]
fn shards_run_apart_merge_into_the_whole_sweep() {
    let dir = workdir("shards");
    let run = |extra: &[&str]| {
        let o = mmsim(&dir, &[&["sweep", "--quiet"], AXES, extra].concat());
        assert!(o.status.success(), "{}", text(&o.stderr));
        o
    };
    let whole = run(&["--json", "whole.json"]);
    let table = text(&whole.stdout);
    assert!(table.starts_with("reclaim  ram   workload"), "{table}");
    assert_eq!(table.lines().count(), 13, "{table}");
    run(&["--shard", "1/2", "--json", "a.json", "-j", "1"]);
    run(&["--shard", "2/2", "--json", "b.json"]);
    let o = mmsim(&dir, &["sweep", "merge", "b.json", "a.json", "-o", "all.json", "--csv", "all.csv"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 13);
    let no_wall = |mut s: Sweep| {
        s.cells.iter_mut().for_each(|c| c.wall_ns = 0);
        s
    };
    let (all, whole) = (read(&dir, "all.json"), read(&dir, "whole.json"));
    assert_eq!(read(&dir, "a.json").shard, Some((1, 2)));
    assert!(whole.cells.iter().all(|c| c.error.is_none()), "{whole:?}");
    assert_eq!(no_wall(all), no_wall(whole));
    let csv = std::fs::read_to_string(dir.join("all.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 13);

    // A shard missing, or the output already there: refused.
    let o = mmsim(&dir, &["sweep", "merge", "a.json", "-o", "half.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("6 of the sweep's 12 cells are missing"), "{}", text(&o.stderr));
    assert!(!dir.join("half.json").exists());
    let o = mmsim(&dir, &["sweep", "merge", "a.json", "b.json", "-o", "all.json"]);
    assert_eq!(
        (o.status.code(), text(&o.stderr)),
        (Some(2), "error: cannot write all.json: it exists (--force replaces it)\n".into())
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn files_are_not_replaced_and_bad_input_runs_nothing() {
    let dir = workdir("refuse");
    std::fs::write(dir.join("mine.csv"), "my data").expect("write");
    let o = mmsim(&dir, &["sweep", "--ram", "1M", "--csv", "mine.csv", "s.mms"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "error: cannot write mine.csv: it exists (--force replaces it)\n");
    assert_eq!(std::fs::read_to_string(dir.join("mine.csv")).expect("read"), "my data");
    let o = mmsim(&dir, &["sweep", "--quiet", "--ram", "1M", "--csv", "mine.csv", "--force", "s.mms"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(std::fs::read_to_string(dir.join("mine.csv")).expect("read").starts_with("index,workload,ram,"));

    for (args, msg) in [
        (
            &["sweep", "--reclaim", "lru,fifo", "s.mms"][..],
            "error: no reclaim policy named 'fifo' (known: clock, lru)\n",
        ),
        (&["sweep", "--set", "swapiness=1,2", "s.mms"], "error: unknown machine setting 'swapiness'"),
        (&["sweep", "--ram", "1M", "none.mms"], "error: cannot read none.mms: "),
        (&["sweep", "--workload", "zipf:pages=10,theta=x", "s.mms"], "error: zipf: bad value 'x' for theta"),
    ] {
        let o = mmsim(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).starts_with(msg), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // A failed cell is in the table; the exit status says so.
    let o = mmsim(&dir, &["sweep", "--ram", "64K,1M", "s.mms"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("error: cell 0 (ram=64K s.mms): ram=64K: too small"), "{out}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
