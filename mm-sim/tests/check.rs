//! `mmsim check` compares scenario runs with their expected outputs and
//! reports each difference readably (exit 1), refuses cases it cannot
//! check (exit 2); `mmsim run --strict` fails a run that diverged or
//! faulted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mmsim(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmsim")).args(args).output().expect("run mmsim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory for one test.
fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mmsim-check-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn semantics() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-tests/scenarios/semantics")
}

/// Copies committed case NAME (`.mms` and `.expected`) into `d`.
fn copy_case(d: &Path, name: &str) -> PathBuf {
    for ext in ["mms", "expected"] {
        std::fs::copy(semantics().join(format!("{name}.{ext}")), d.join(format!("{name}.{ext}"))).expect("copy case");
    }
    d.join(format!("{name}.mms"))
}

const SCENARIO: &str = "window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x11
load 0x100000000 8192
dump after
";

const EXPECTED: &str = "# load: line 4: 11 00
== dump after
100000000-100002000 rw-p 00000000 00:00 0
faults minflt=2 majflt=0
present 100000000-100002000
ok 5 lines, 0 skipped
";

#[test]
fn the_committed_cases_pass() {
    let o = mmsim(&["check".as_ref(), semantics().as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.ends_with(" cases, 0 differ\n"), "{out}");
}

#[test]
fn a_matching_case_passes_and_dev_inode_do_not_count() {
    let d = dir("same");
    std::fs::write(d.join("a.mms"), SCENARIO).expect("write");
    std::fs::write(d.join("a.expected"), EXPECTED.replace("00:00 0", "fe:01 4242")).expect("write");
    let o = mmsim(&["check".as_ref(), "-v".as_ref(), d.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert_eq!(text(&o.stdout), format!("PASS {}\n1 cases, 0 differ\n", d.join("a.mms").display()));
}

/// A case broken on purpose: each difference comes with the output lines
/// of both sides and the scenario line it is about.
#[test]
fn a_broken_case_fails_with_a_readable_diff() {
    let d = dir("broken");
    std::fs::write(d.join("a.mms"), SCENARIO).expect("write");
    let broken = EXPECTED.replace("# load: line 4: 11 00\n", "# load: line 4: 11 22\n").replace("minflt=2", "minflt=3");
    std::fs::write(d.join("a.expected"), broken).expect("write");
    let case = d.join("a.mms");
    let o = mmsim(&["check".as_ref(), case.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout),
        format!(
            "FAIL {}: 2 differences
  output line 1 (expected file) / 1 (simulator), scenario line 4: `load 0x100000000 8192`
    - # load: line 4: 11 22
    + # load: line 4: 11 00
  output line 4 (expected file) / 4 (simulator), in `== dump after`, scenario line 5: `dump after`
    - faults minflt=3 majflt=0
    + faults minflt=2 majflt=0
1 cases, 1 differ
",
            case.display()
        )
    );

    // The same as JSON, one object per case; the summary goes to stderr.
    let o = mmsim(&["check".as_ref(), "--json".as_ref(), case.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(r#""status":"differ""#), "{out}");
    assert!(out.contains(r#""expected":["faults minflt=3 majflt=0"],"expected_line":4,"got":["faults minflt=2 majflt=0"],"got_line":4,"scenario_line":5,"scenario_text":"dump after""#), "{out}");
    assert_eq!(text(&o.stderr), "1 cases, 1 differ\n");
}

/// A line only one side has is one difference, and the lines after it
/// still line up.
#[test]
fn a_missing_line_is_one_difference() {
    let d = dir("missing");
    let case = d.join("a.mms");
    std::fs::write(&case, format!("{SCENARIO}load 0x200000000\n")).expect("write");
    let exp = EXPECTED.replace("ok 5 lines", "# fault: line 6: SIGSEGV at 0x200000000\nok 6 lines");
    std::fs::write(d.join("a.expected"), &exp).expect("write");
    let o = mmsim(&["check".as_ref(), case.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    std::fs::write(d.join("a.expected"), exp.replace("# fault: line 6: SIGSEGV at 0x200000000\n", "")).expect("write");
    let o = mmsim(&["check".as_ref(), case.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(
        out.contains(": 1 difference\n") && out.contains(
            "  output line 6 (expected file) / 6 (simulator), scenario line 6: `load 0x200000000`\n    - (nothing)\n    + # fault: line 6: SIGSEGV at 0x200000000\n"
        ),
        "{out}"
    );
}

#[test]
fn cases_that_cannot_be_checked_exit_2() {
    let d = dir("errors");
    std::fs::write(d.join("bad.mms"), "window 0x1000 0x2000\nmunmap(0x1000)\n").expect("write");
    std::fs::write(d.join("bad.expected"), "ok 1 lines, 0 skipped\n").expect("write");
    std::fs::write(d.join("lone.mms"), SCENARIO).expect("write");
    let good = copy_case(&d, "fork-child-reads");
    let (bad, lone) = (d.join("bad.mms"), d.join("lone.mms"));
    let o = mmsim(&["check".as_ref(), bad.as_os_str(), lone.as_os_str(), good.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stdout),
        format!(
            "ERROR {}: line 2: munmap: expected 2 argument(s), got 1\nERROR {}: no expected output: {} does not exist\n3 cases, 0 differ, 2 could not be checked\n",
            bad.display(),
            lone.display(),
            d.join("lone.expected").display()
        )
    );
    // Walking the directory, a `.mms` with no `.expected` is not a case
    // (and is counted apart).
    let o = mmsim(&["check".as_ref(), d.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stdout).ends_with(
        "2 cases, 0 differ, 1 could not be checked (1 .mms files without an expected output not counted)\n"
    ));
    let o = mmsim(&["check".as_ref(), d.join("nowhere").as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn strict_fails_a_run_that_diverged_or_faulted() {
    let d = dir("strict");
    let run = |name: &str, src: &str| {
        let p = d.join(name);
        std::fs::write(&p, src).expect("write");
        let plain = mmsim(&["run".as_ref(), p.as_os_str()]);
        let strict = mmsim(&["run".as_ref(), "--strict".as_ref(), p.as_os_str()]);
        assert_eq!(plain.status.code(), Some(0));
        assert_eq!(plain.stdout, strict.stdout, "--strict changes no output");
        (text(&strict.stdout), strict.status.code())
    };
    let (out, code) = run("clean.mms", SCENARIO);
    assert_eq!((out.as_str(), code), (EXPECTED, Some(0)));
    let (out, code) = run("diverged.mms", &SCENARIO.replace("= 0x100000000", "= 0x100001000"));
    assert!(out.starts_with("# diverged: line 2: expected 0x100001000, got 0x100000000\n"), "{out}");
    assert_eq!(code, Some(1));
    let (out, code) = run("fault.mms", &format!("{SCENARIO}store 0x100004000\n"));
    assert!(out.contains("# fault: line 6: SIGSEGV at 0x100004000\n"), "{out}");
    assert_eq!(code, Some(1));
}

/// `--real`: the expected side is a live run on this machine's kernel
/// (`mmsim real`), so a scenario needs no `.expected` file; a committed
/// case agrees with it.  Skipped where `mmsim real` cannot run.
#[test]
fn real_compares_with_a_live_run_of_the_kernel() {
    let d = dir("real");
    let case = copy_case(&d, "anon-merge-faulted-prev");
    let probe = mmsim(&["real".as_ref(), case.as_os_str()]);
    if !probe.status.success() {
        eprintln!("skipped: mmsim real cannot run here: {}", text(&probe.stderr).trim());
        return;
    }
    std::fs::remove_file(case.with_extension("expected")).expect("remove expected");
    std::fs::write(d.join("own.mms"), SCENARIO).expect("scenario");
    let out = mmsim(&["check".as_ref(), "--real".as_ref(), d.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).ends_with("2 cases, 0 differ\n"), "{}", text(&out.stdout));
    std::fs::remove_dir_all(&d).unwrap();
}
