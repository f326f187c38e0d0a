//! `mmsim check`: runs scenarios on the simulator and compares each output
//! with the output expected of it, line by line (the dev and inode columns
//! of maps lines aside, as the reference `compare` does).
//!
//! Where the expected text comes from is an [`ExpectedSource`]: the
//! `NAME.expected` file next to `NAME.mms` ([`ExpectedFiles`]), or a live
//! run on this machine's kernel ([`RealKernel`], `mmsim check --real`).  Comparing ([`compare`]) and
//! reporting ([`report_text`], [`report_json`]) do not depend on it.
//!
//! A difference is a run of output lines that the two sides do not share
//! (a longest-common-subsequence alignment, so one missing line shows as
//! one difference, not as every line after it), told with the scenario
//! line it is about: the `line N` of `# diverged:`, `# fault:`, `# load:`
//! ... lines, or the `dump` line whose block it is in.

use crate::run::{RunOptions, run};
use crate::scenario::{Op, Scenario, parse};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest scenario file `check` reads (a scenario is a short script).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// The most lines of either output the alignment considers at once, past
/// their common start and end; a longer stretch is compared line by line
/// (position against position) so memory stays bounded.
const MAX_ALIGN_CELLS: usize = 16 << 20;

/// Where the expected output of a scenario comes from.
pub trait ExpectedSource: Sync {
    /// What the expected side is, for reports (`"expected file"`).
    fn describe(&self) -> &'static str;
    /// The expected output of `case`, already parsed as `scenario`.
    fn expected(&self, case: &Path, scenario: &Scenario) -> Result<String, ExpectedError>;
}

/// Why the expected output of a case could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedError {
    /// The case has no expected file.
    #[error("no expected output: {} does not exist", .path.display())]
    Missing { path: PathBuf },
    /// The expected file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The expected file is not UTF-8 text.
    #[error("{} is not UTF-8 text", .path.display())]
    NotUtf8 { path: PathBuf },
    /// `mmsim real` could not be started.
    #[error("cannot run {} real: {source}", .exe.display())]
    Spawn { exe: PathBuf, source: std::io::Error },
    /// `mmsim real` failed; `stderr` is what it said.
    #[error("mmsim real failed ({status}): {stderr}")]
    RealFailed { status: std::process::ExitStatus, stderr: String },
    /// `mmsim real` printed something that is not UTF-8 text.
    #[error("mmsim real printed something that is not UTF-8 text")]
    RealNotUtf8,
}

/// Why the cases named on the command line could not be collected.
#[derive(Debug, thiserror::Error)]
#[error("cannot read directory {}: {source}", .dir.display())]
pub struct CollectError {
    /// The directory that could not be walked.
    pub dir: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// The `NAME.expected` file next to `NAME.mms`.
pub struct ExpectedFiles;

impl ExpectedFiles {
    /// The expected file of `case`.
    pub fn path_of(case: &Path) -> PathBuf {
        case.with_extension("expected")
    }
}

impl ExpectedSource for ExpectedFiles {
    fn describe(&self) -> &'static str {
        "expected file"
    }

    fn expected(&self, case: &Path, _: &Scenario) -> Result<String, ExpectedError> {
        let path = Self::path_of(case);
        match std::fs::read(&path) {
            Ok(b) => String::from_utf8(b).map_err(|_| ExpectedError::NotUtf8 { path }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ExpectedError::Missing { path }),
            Err(source) => Err(ExpectedError::Read { path, source }),
        }
    }
}

/// A live run on this machine's kernel: `mmsim real CASE` (the program
/// this is, run again), whose output is the expected side.
pub struct RealKernel {
    /// The `mmsim` executable to run.
    pub exe: PathBuf,
}

impl ExpectedSource for RealKernel {
    fn describe(&self) -> &'static str {
        "real kernel"
    }

    fn expected(&self, case: &Path, _: &Scenario) -> Result<String, ExpectedError> {
        let out = std::process::Command::new(&self.exe)
            .arg("real")
            .arg(case)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| ExpectedError::Spawn { exe: self.exe.clone(), source })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(ExpectedError::RealFailed { status: out.status, stderr });
        }
        String::from_utf8(out.stdout).map_err(|_| ExpectedError::RealNotUtf8)
    }
}

/// One difference: output lines of the expected side and of the
/// simulator's that do not match, at their 1-based line numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The first expected line of the run (where it would be if empty).
    pub expected_at: usize,
    pub expected: Vec<String>,
    /// The first simulator line of the run (where it would be if empty).
    pub got_at: usize,
    pub got: Vec<String>,
    /// The scenario line the output lines are about, and its text.
    pub scenario_line: Option<(usize, String)>,
    /// The dump block the lines are in (its header), if any.
    pub dump: Option<String>,
}

/// How one case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both sides printed the same.
    Same,
    /// They differ; the simulator's run error, if it stopped, comes too.
    Differ { differences: Vec<Difference>, stopped: Option<String> },
    /// The case could not be checked: a parse error, no expected output.
    Error(String),
}

/// A checked case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    pub case: PathBuf,
    pub outcome: Outcome,
}

/// An output line as compared: a maps line with its dev and inode columns
/// blanked, any other line as it is.
pub fn normalize(line: &str) -> std::borrow::Cow<'_, str> {
    let f: Vec<&str> = line.split(' ').collect();
    let hex_range = |r: &str| {
        r.split_once('-')
            .is_some_and(|(a, b)| [a, b].iter().all(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit())))
    };
    // (v1.4) Ends relative to a name: `$a-$a+0x3000`, `$b-0x1000-$a`.
    let named_range = |r: &str| r.starts_with('$') && r[1..].contains('-');
    let is_maps = f.len() >= 5 && (hex_range(f[0]) || named_range(f[0])) && f[1].len() == 4;
    if is_maps {
        let mut g = f;
        g[3] = "DEV";
        g[4] = "INODE";
        g.join(" ").into()
    } else {
        line.into()
    }
}

/// The scenario line an output line names (`# diverged: line N: ...`,
/// `# fault: line N: ...`, `# load: line N: ...`, `# fork: line N: ...`).
fn named_line(out: &str) -> Option<usize> {
    let rest = out.strip_prefix("# ")?;
    let (_, rest) = rest.split_once(": line ")?;
    let n = rest.split(|c: char| !c.is_ascii_digit()).next()?;
    n.parse().ok()
}

/// For each line of `out`, the index of the `== dump` header it is under
/// (the header itself included), and the headers' scenario lines: the
/// k-th header printed is the k-th `dump` line performed, which is every
/// `dump` line not reported `# gone:`.
fn dump_blocks(out: &[&str], s: &Scenario) -> (Vec<Option<usize>>, Vec<(usize, usize)>) {
    let gone: Vec<usize> = out.iter().filter(|l| l.starts_with("# gone: ")).filter_map(|l| named_line(l)).collect();
    let dumps: Vec<usize> = s
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.op, Op::Dump { .. }) && !gone.contains(&l.line))
        .map(|(i, _)| i)
        .collect();
    let mut headers = Vec::new();
    let mut cur = None;
    let mut v = Vec::with_capacity(out.len());
    for (i, l) in out.iter().enumerate() {
        if l.starts_with("== dump") {
            if let Some(&d) = dumps.get(headers.len()) {
                headers.push((i, d));
                cur = Some(headers.len() - 1);
            } else {
                cur = None;
            }
        } else if l.starts_with("ok ") || (l.starts_with("# ") && named_line(l).is_some()) {
            cur = None;
        }
        v.push(cur);
    }
    (v, headers)
}

/// The edit script between `a` and `b` (already normalised): pairs of
/// indices of equal lines, in order.
fn align(a: &[std::borrow::Cow<'_, str>], b: &[std::borrow::Cow<'_, str>]) -> Vec<(usize, usize)> {
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf] {
        suf += 1;
    }
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut pairs: Vec<(usize, usize)> = (0..pre).map(|i| (i, i)).collect();
    if (ma.len() + 1).saturating_mul(mb.len() + 1) <= MAX_ALIGN_CELLS {
        // lcs[i][j]: the longest common subsequence of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() && j < mb.len() {
            if ma[i] == mb[j] {
                pairs.push((pre + i, pre + j));
                i += 1;
                j += 1;
            } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    } else {
        for i in 0..ma.len().min(mb.len()) {
            if ma[i] == mb[i] {
                pairs.push((pre + i, pre + i));
            }
        }
    }
    pairs.extend((0..suf).map(|k| (a.len() - suf + k, b.len() - suf + k)));
    pairs
}

/// Compares the expected output with the simulator's for scenario `s`:
/// every run of lines that do not match, each with what it is about.
pub fn compare(expected: &str, got: &str, s: &Scenario) -> Vec<Difference> {
    let e: Vec<&str> = expected.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let en: Vec<_> = e.iter().map(|l| normalize(l)).collect();
    let gn: Vec<_> = g.iter().map(|l| normalize(l)).collect();
    let mut pairs = align(&en, &gn);
    pairs.push((e.len(), g.len()));
    let (eblock, eheads) = dump_blocks(&e, s);
    let (gblock, gheads) = dump_blocks(&g, s);
    let text_of = |n: usize| s.lines.iter().find(|l| l.line == n).map(|l| (n, l.text.clone()));
    let mut diffs = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (pi, pj) in pairs {
        if pi > i || pj > j {
            let ex: Vec<String> = e[i..pi].iter().map(|s| s.to_string()).collect();
            let gt: Vec<String> = g[j..pj].iter().map(|s| s.to_string()).collect();
            // What the lines are about: a line naming its scenario line,
            // else the dump block they are in (on either side).
            let named = ex.iter().chain(&gt).find_map(|l| named_line(l));
            let block = e[i..pi]
                .iter()
                .enumerate()
                .find_map(|(k, _)| eblock[i + k].map(|b| (e[eheads[b].0], eheads[b].1)))
                .or_else(|| {
                    g[j..pj].iter().enumerate().find_map(|(k, _)| gblock[j + k].map(|b| (g[gheads[b].0], gheads[b].1)))
                });
            let (scenario_line, dump) = match (named, block) {
                (Some(n), _) => (text_of(n), None),
                (None, Some((head, idx))) => {
                    let l = &s.lines[idx];
                    (Some((l.line, l.text.clone())), Some(head.to_string()))
                }
                (None, None) => (None, None),
            };
            diffs.push(Difference { expected_at: i + 1, expected: ex, got_at: j + 1, got: gt, scenario_line, dump });
        }
        i = pi + 1;
        j = pj + 1;
    }
    diffs
}

/// Options of a check.
pub struct CheckOptions {
    /// The simulator's run options (the machine).
    pub run: RunOptions,
    /// Worker threads (at least 1).
    pub jobs: usize,
}

/// Parses and runs one case and compares it with `source`.
pub fn check_case(case: &Path, source: &dyn ExpectedSource, opts: &RunOptions) -> CaseResult {
    let outcome = (|| {
        let src = read_limited(case).map_err(|e| e.to_string())?;
        let s = parse(&src).map_err(|e| e.to_string())?;
        let expected = source.expected(case, &s).map_err(|e| e.to_string())?;
        let (got, stopped) = match run(&s, opts) {
            Ok(out) => (out, None),
            Err(st) => (st.output, Some(st.error.to_string())),
        };
        let differences = compare(&expected, &got, &s);
        Ok(if differences.is_empty() && stopped.is_none() {
            Outcome::Same
        } else {
            Outcome::Differ { differences, stopped }
        })
    })()
    .unwrap_or_else(Outcome::Error);
    CaseResult { case: case.to_path_buf(), outcome }
}

/// Why a case's scenario could not be read.
#[derive(Debug, thiserror::Error)]
enum ReadCaseError {
    #[error("cannot open {}: {source}", path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is larger than {MAX_SCENARIO_BYTES} bytes", .0.display())]
    TooLarge(PathBuf),
}

fn read_limited(case: &Path) -> Result<Vec<u8>, ReadCaseError> {
    use std::io::Read;
    let path = || case.to_path_buf();
    let f = std::fs::File::open(case).map_err(|source| ReadCaseError::Open { path: path(), source })?;
    let mut v = Vec::new();
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut v)
        .map_err(|source| ReadCaseError::Read { path: path(), source })?;
    if v.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ReadCaseError::TooLarge(path()));
    }
    Ok(v)
}

/// The cases the command line names: files as given, directories walked
/// (recursively, in name order) for `*.mms` files.  A walked `*.mms`
/// without an expected file is not a case; such files are returned apart
/// so the summary can count them.
pub fn collect_cases(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), CollectError> {
    fn walk(d: &Path, cases: &mut Vec<PathBuf>, without: &mut Vec<PathBuf>) -> Result<(), CollectError> {
        let error = |source| CollectError { dir: d.to_path_buf(), source };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(error)?
            .map(|e| e.map(|e| e.path()).map_err(error))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, cases, without)?;
            } else if p.extension().is_some_and(|x| x == "mms") {
                if ExpectedFiles::path_of(&p).exists() {
                    cases.push(p);
                } else {
                    without.push(p);
                }
            }
        }
        Ok(())
    }
    let (mut cases, mut without) = (Vec::new(), Vec::new());
    for p in paths {
        if p.is_dir() {
            walk(p, &mut cases, &mut without)?;
        } else {
            cases.push(p.clone());
        }
    }
    Ok((cases, without))
}

/// Checks every case against `source`, on `opts.jobs` threads; the results
/// come in the order of `cases`.
pub fn check_all(cases: &[PathBuf], source: &dyn ExpectedSource, opts: &CheckOptions) -> Vec<CaseResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|sc| {
        for _ in 0..opts.jobs.clamp(1, cases.len().max(1)) {
            sc.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let r = check_case(case, source, &opts.run);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect()
}

/// One case as text: nothing for a case that matches, else `FAIL CASE`
/// or `ERROR CASE` and its differences.
pub fn report_text(r: &CaseResult, source: &dyn ExpectedSource) -> String {
    let mut out = String::new();
    let name = r.case.display();
    match &r.outcome {
        Outcome::Same => {}
        Outcome::Error(e) => {
            let _ = writeln!(out, "ERROR {name}: {e}");
        }
        Outcome::Differ { differences, stopped } => {
            let n = differences.len();
            let _ = writeln!(out, "FAIL {name}: {n} difference{}", if n == 1 { "" } else { "s" });
            for d in differences {
                let _ =
                    write!(out, "  output line {} ({}) / {} (simulator)", d.expected_at, source.describe(), d.got_at);
                if let Some(h) = &d.dump {
                    let _ = write!(out, ", in `{h}`");
                }
                if let Some((n, t)) = &d.scenario_line {
                    let _ = write!(out, ", scenario line {n}: `{t}`");
                }
                out.push('\n');
                if d.expected.is_empty() {
                    let _ = writeln!(out, "    - (nothing)");
                }
                for l in &d.expected {
                    let _ = writeln!(out, "    - {l}");
                }
                for l in &d.got {
                    let _ = writeln!(out, "    + {l}");
                }
                if d.got.is_empty() {
                    let _ = writeln!(out, "    + (nothing)");
                }
            }
            if let Some(e) = stopped {
                let _ = writeln!(out, "  the simulator stopped: {e}");
            }
        }
    }
    out
}

/// One case as a JSON object on one line.
pub fn report_json(r: &CaseResult, source: &dyn ExpectedSource) -> String {
    use serde_json::{Value, json};
    let v = match &r.outcome {
        Outcome::Same => json!({"case": r.case.display().to_string(), "status": "same"}),
        Outcome::Error(e) => json!({"case": r.case.display().to_string(), "status": "error", "error": e}),
        Outcome::Differ { differences, stopped } => {
            let ds: Vec<Value> = differences
                .iter()
                .map(|d| {
                    json!({
                        "expected_line": d.expected_at,
                        "expected": d.expected,
                        "got_line": d.got_at,
                        "got": d.got,
                        "scenario_line": d.scenario_line.as_ref().map(|(n, _)| *n),
                        "scenario_text": d.scenario_line.as_ref().map(|(_, t)| t.clone()),
                        "dump": d.dump,
                    })
                })
                .collect();
            json!({
                "case": r.case.display().to_string(),
                "status": "differ",
                "expected_from": source.describe(),
                "differences": ds,
                "stopped": stopped,
            })
        }
    };
    v.to_string()
}

/// `N cases, M differ` (and errors, and walked files with no expected
/// output), for the end of a text report.
pub fn summary(results: &[CaseResult], without_expected: usize) -> String {
    let differ = results.iter().filter(|r| matches!(r.outcome, Outcome::Differ { .. })).count();
    let errors = results.iter().filter(|r| matches!(r.outcome, Outcome::Error(_))).count();
    let mut s = format!("{} cases, {differ} differ", results.len());
    if errors > 0 {
        let _ = write!(s, ", {errors} could not be checked");
    }
    if without_expected > 0 {
        let _ = write!(s, " ({without_expected} .mms files without an expected output not counted)");
    }
    s
}

/// The exit status of a check: 2 if a case could not be checked, else 1
/// if any differs, else 0.
pub fn exit_status(results: &[CaseResult]) -> u8 {
    if results.iter().any(|r| matches!(r.outcome, Outcome::Error(_))) {
        2
    } else if results.iter().any(|r| matches!(r.outcome, Outcome::Differ { .. })) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scen(src: &str) -> Scenario {
        parse(src.as_bytes()).expect("parses")
    }

    #[test]
    fn same_output_has_no_difference_and_dev_inode_are_ignored() {
        let s = scen("dump\n");
        let a = "== dump\n100000000-100001000 rw-p 00000000 00:00 0\nok 1 lines, 0 skipped\n";
        let b = "== dump\n100000000-100001000 rw-p 00000000 fe:01 1234\nok 1 lines, 0 skipped\n";
        assert!(compare(a, b, &s).is_empty());
    }

    #[test]
    fn a_missing_line_is_one_difference_naming_its_scenario_line() {
        let s = scen(
            "mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\nload 0x100000000\nload 0x200000000\n",
        );
        let e = "# load: line 2: 00\n# fault: line 3: SIGSEGV at 0x200000000\nok 3 lines, 0 skipped\n";
        let g = "# load: line 2: 00\nok 3 lines, 0 skipped\n";
        let d = compare(e, g, &s);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].expected, vec!["# fault: line 3: SIGSEGV at 0x200000000"]);
        assert!(d[0].got.is_empty());
        assert_eq!((d[0].expected_at, d[0].got_at), (2, 2));
        assert_eq!(d[0].scenario_line, Some((3, "load 0x200000000".to_string())));
    }

    #[test]
    fn a_changed_dump_line_names_the_dump() {
        let s = scen("window 0x100000000 0x200000000\ndump one\nstore 0x100000000\ndump two\n");
        let e = "== dump one\npresent\n== dump two\nfaults minflt=1 majflt=0\npresent 100000000-100001000\nok 4 lines, 0 skipped\n";
        let g = "== dump one\npresent\n== dump two\nfaults minflt=2 majflt=0\npresent 100000000-100001000\nok 4 lines, 0 skipped\n";
        let d = compare(e, g, &s);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].dump.as_deref(), Some("== dump two"));
        assert_eq!(d[0].scenario_line, Some((4, "dump two".to_string())));
        assert_eq!(d[0].expected, vec!["faults minflt=1 majflt=0"]);
        assert_eq!(d[0].got, vec!["faults minflt=2 majflt=0"]);
        let r = CaseResult { case: PathBuf::from("x.mms"), outcome: Outcome::Differ { differences: d, stopped: None } };
        let t = report_text(&r, &ExpectedFiles);
        assert!(t.contains("FAIL x.mms: 1 difference\n"), "{t}");
        assert!(
            t.contains(
                "  output line 4 (expected file) / 4 (simulator), in `== dump two`, scenario line 4: `dump two`\n"
            ),
            "{t}"
        );
        assert!(t.contains("    - faults minflt=1 majflt=0\n    + faults minflt=2 majflt=0\n"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&report_json(&r, &ExpectedFiles)).expect("json");
        assert_eq!(j["status"], "differ");
        assert_eq!(j["differences"][0]["scenario_line"], 4);
        assert_eq!(j["differences"][0]["got"][0], "faults minflt=2 majflt=0");
    }

    #[test]
    fn dumps_of_gone_processes_do_not_shift_the_blocks() {
        let s = scen("fork\nprocess 1\nexit\ndump a\n");
        // Process 1 exits, so `dump a` runs in process 0: its header is
        // the only one, and it is line 4's.
        let e = "# fork: line 1: process 1\n# exit: line 3: process 1, now process 0\n== dump a (process 0)\npresent\nok 4 lines, 0 skipped\n";
        let g = "# fork: line 1: process 1\n# exit: line 3: process 1, now process 0\n== dump a (process 0)\npresent 100000000-100001000\nok 4 lines, 0 skipped\n";
        let d = compare(e, g, &s);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].scenario_line, Some((4, "dump a".to_string())));
    }
}
