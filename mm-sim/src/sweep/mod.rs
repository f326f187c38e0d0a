//! `mmsim sweep`: one command that runs the product of machine settings
//! (backends, RAM and swap sizes, tunables) by workloads (scenario files,
//! strace logs, recordings, and the synthetic generators of
//! [`workload`]), each cell on a fresh simulated machine, and reports
//! every cell's counters ([`results`]) as a table, CSV or JSON
//! ([`output`]), with the offline optimal eviction baseline ([`min`]),
//! and draws charts of them ([`plot`]).
//!
//! A [`Plan`] is the sweep as given: its axes (each a
//! [`MachineConfig::set`] key with the values it takes) and its workloads.
//! Its cells are numbered in product order ([`Cell::index`]): the first
//! axis varies slowest, the workload fastest.  A cell's machine is the
//! library's default, then a scenario's `machine` lines, then the cell's
//! axis values ([`Plan::run_options`]).  [`sweep`] runs the cells
//! (all of them, or one shard's: `index % n == i - 1`) on a rayon pool
//! with an indicatif progress bar, and gathers them in a [`Sweep`];
//! [`Sweep::merge`] puts shards run apart back together.

pub mod min;
pub mod output;
pub mod plot;
pub mod results;
pub mod run;
pub mod workload;

pub use results::{Cell, SWEEP_FORMAT, Sweep};

use crate::bundle::{Bundle, MAX_BUNDLE_BYTES, is_bundle, parse_bundle};
use crate::run::RunOptions;
use crate::scenario::{Scenario, parse};
use crate::strace::{Log, parse_log};
use mm_core::machine::{MachineConfig, SettingError};
use mm_core::swap::HostFileId;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The most cells one sweep may have: every cell's counters are held in
/// memory until the sweep ends (a few kilobytes each).
pub const MAX_CELLS: usize = 1_000_000;

/// Why a sweep cannot start (bad input), or its results cannot be read,
/// merged or written.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// An axis names no setting, or one of its values is refused.
    #[error("{0}")]
    Setting(#[from] SettingError),
    /// An axis without a value (`--ram ''`, `--set ram=`).
    #[error("no value for '{0}' (give one or more, separated by commas)")]
    NoValue(String),
    /// Two axes set the same key (`--ram 4M --set ram=8M`).
    #[error("'{0}' is given twice (give every value of an axis at once: KEY=V1,V2,...)")]
    DuplicateAxis(String),
    /// A backend name no registry has.
    #[error("no {kind} named '{name}' (known: {known})")]
    UnknownBackend { kind: &'static str, name: String, known: String },
    /// `--set` without `=`.
    #[error("expected KEY=V1,V2,... in '{0}'")]
    Syntax(String),
    /// A workload given twice: its cells would have the same name.
    #[error("workload {0} is given twice")]
    DuplicateWorkload(String),
    /// Nothing to run.
    #[error("no workload: give scenario files, strace logs, recordings or generators (seq:pages=4096)")]
    NoWorkload,
    /// The product is too large.
    #[error("the sweep has {0} cells, more than {MAX_CELLS}: split it into several sweeps")]
    TooManyCells(u128),
    /// A workload file cannot be read.
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    /// A workload file is not a scenario, log or recording mmsim can run.
    #[error("{path}: {error}")]
    Parse { path: String, error: String },
    /// A synthetic workload's spec is refused.
    #[error("{0}")]
    Workload(#[from] workload::WorkloadError),
    /// `--shard` is not `I/N` with 1 <= I <= N.
    #[error("bad shard '{0}': expected I/N with 1 <= I <= N (shard 2 of 4: 2/4)")]
    Shard(String),
    /// Swap areas in host files cannot be shared by cells running at once.
    #[error("swap area '{0}' is a host file: cells cannot share it, run the sweep with -j 1")]
    SharedSwapFile(String),
    /// The thread pool could not be made.
    #[error("cannot start {jobs} threads: {error}")]
    Pool { jobs: usize, error: String },
    /// Results that do not belong together, or a document that is not a
    /// sweep's (`mmsim sweep merge`).
    #[error("{0}")]
    Merge(String),
    /// An output file cannot be written.
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
    /// The chart (`--plot`) cannot be drawn or written.
    #[error("{0}")]
    Plot(#[from] plot::PlotError),
}

/// One axis of a sweep: a machine setting and the values it takes, in
/// order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axis {
    /// The setting, as [`MachineConfig::keys`] names it (`page_cluster`).
    pub key: String,
    /// Its values as given (`4M`, `lru`); for `swap`, `none` or areas
    /// joined by `+` (`zram:1M+zram:4M`).
    pub values: Vec<String>,
}

impl Axis {
    /// An axis from `KEY` and `V1,V2,...`, every value checked by
    /// [`MachineConfig::set`] and backend names by their registries.
    pub fn new(key: &str, values: &str) -> Result<Axis, SweepError> {
        let canon = key.trim().replace('-', "_");
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(SweepError::NoValue(canon));
        }
        let mut probe = MachineConfig::default();
        for v in &values {
            apply(&mut probe, &canon, v)?;
            check_backend(&canon, v)?;
        }
        Ok(Axis { key: canon, values })
    }
}

/// Sets `key` to `value` as an axis does: a `swap` value replaces the
/// swap areas the machine had.
fn apply(c: &mut MachineConfig, key: &str, value: &str) -> Result<(), SettingError> {
    if key != "swap" {
        return c.set(key, value);
    }
    c.set("swap", "none")?;
    if value != "none" {
        for area in value.split('+') {
            c.set("swap", area)?;
        }
    }
    Ok(())
}

/// Refuses a backend name that no registry has, so that a typo is one
/// error before the sweep rather than a column of failed cells.
fn check_backend(key: &str, name: &str) -> Result<(), SweepError> {
    use mm_core::alloc::MM_PAGE_ALLOCATORS;
    use mm_core::arch::MM_PAGE_TABLE_FORMATS;
    use mm_core::vmscan::MM_RECLAIM_POLICIES;
    let (kind, names): (&'static str, Vec<&str>) = match key {
        "allocator" => ("page allocator", MM_PAGE_ALLOCATORS.iter().map(|d| d.name).collect()),
        "page_table" => ("page-table format", MM_PAGE_TABLE_FORMATS.iter().map(|d| d.name).collect()),
        "reclaim" => ("reclaim policy", MM_RECLAIM_POLICIES.iter().map(|d| d.name).collect()),
        _ => return Ok(()),
    };
    if names.contains(&name) {
        return Ok(());
    }
    let mut known = names;
    known.sort_unstable();
    Err(SweepError::UnknownBackend { kind, name: name.to_string(), known: known.join(", ") })
}

/// What a workload runs.
#[derive(Debug)]
pub enum Source {
    /// A scenario (docs/scenario-format.md).
    Scenario(Scenario),
    /// An strace log, replayed against the host's `/` as `mmsim run`
    /// replays one.
    Log(Log),
    /// A recording, replayed on its own root snapshot.
    Bundle(Box<Bundle>),
    /// A synthetic workload, with the offline optimal baseline.
    Synthetic(workload::Synthetic),
}

/// One workload of a sweep.
#[derive(Debug)]
pub struct Workload {
    /// Its name in the results: the path as given, or a generator's
    /// canonical spec.
    pub name: String,
    /// What it runs.
    pub source: Source,
    /// The host file it was read from, which no swap area may be.
    pub file: Option<HostFileId>,
}

impl Workload {
    /// A synthetic workload from its spec
    /// ([`Synthetic::parse`](workload::Synthetic::parse)), named by its
    /// canonical spec.
    pub fn synthetic(spec: &str) -> Result<Workload, SweepError> {
        let w = workload::Synthetic::parse(spec)?;
        Ok(Workload { name: w.spec(), source: Source::Synthetic(w), file: None })
    }

    /// A generator's spec ([`workload::is_synthetic`]) that names no
    /// file, or else a file ([`from_file`](Self::from_file)).
    pub fn from_arg(arg: &str) -> Result<Workload, SweepError> {
        if workload::is_synthetic(arg) && std::fs::symlink_metadata(arg).is_err() {
            Workload::synthetic(arg)
        } else {
            Workload::from_file(Path::new(arg))
        }
    }

    /// Reads and parses a scenario, strace log or recording, told apart
    /// as `mmsim run` tells them.
    pub fn from_file(path: &Path) -> Result<Workload, SweepError> {
        let name = path.display().to_string();
        let read_err = |error| SweepError::Read { path: name.clone(), error };
        let f = std::fs::File::open(path).map_err(read_err)?;
        let file = HostFileId::of(path, "a sweep's workload").ok();
        let mut src = Vec::new();
        f.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut src).map_err(read_err)?;
        let parse_err = |error: String| SweepError::Parse { path: name.clone(), error };
        if src.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(parse_err(format!("larger than {MAX_BUNDLE_BYTES} bytes, the most mmsim reads")));
        }
        let source = if is_bundle(&src) {
            Source::Bundle(Box::new(parse_bundle(&src).map_err(|e| parse_err(e.to_string()))?))
        } else if crate::strace::is_log(&src) {
            Source::Log(parse_log(&src).map_err(|e| parse_err(e.to_string()))?)
        } else {
            Source::Scenario(parse(&src).map_err(|e| parse_err(e.to_string()))?)
        };
        Ok(Workload { name, source, file })
    }
}

/// A sweep as given: the axes and the workloads.
#[derive(Debug)]
pub struct Plan {
    /// The axes, slowest first.
    pub axes: Vec<Axis>,
    /// The workloads, the fastest-varying part of a cell's index.
    pub workloads: Vec<Workload>,
    cells: usize,
}

impl Plan {
    /// A plan from its axes and workloads: at least one workload, no key
    /// twice, at most [`MAX_CELLS`] cells.
    pub fn new(axes: Vec<Axis>, workloads: Vec<Workload>) -> Result<Plan, SweepError> {
        if workloads.is_empty() {
            return Err(SweepError::NoWorkload);
        }
        if let Some((i, w)) =
            workloads.iter().enumerate().find(|(i, w)| workloads[..*i].iter().any(|v| v.name == w.name))
        {
            return Err(SweepError::DuplicateWorkload(format!("{} (workload {})", w.name, i + 1)));
        }
        for (i, a) in axes.iter().enumerate() {
            if a.values.is_empty() {
                return Err(SweepError::NoValue(a.key.clone()));
            }
            if axes[..i].iter().any(|b| b.key == a.key) {
                return Err(SweepError::DuplicateAxis(a.key.clone()));
            }
        }
        let cells = axes.iter().fold(workloads.len() as u128, |n, a| n * a.values.len() as u128);
        if cells > MAX_CELLS as u128 {
            return Err(SweepError::TooManyCells(cells));
        }
        Ok(Plan { axes, workloads, cells: cells as usize })
    }

    /// The number of cells: the product of the axes' lengths and the
    /// number of workloads.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Cell `index`'s value of each axis (in axis order) and its
    /// workload: the workload is `index % workloads`, the last axis the
    /// next digit, and so on.
    pub fn coordinates(&self, index: usize) -> (Vec<&str>, &Workload) {
        let mut rest = index;
        let w = rest % self.workloads.len();
        rest /= self.workloads.len();
        let mut values = vec![""; self.axes.len()];
        for (slot, a) in values.iter_mut().zip(&self.axes).rev() {
            *slot = &a.values[rest % a.values.len()];
            rest /= a.values.len();
        }
        (values, &self.workloads[w])
    }

    /// How to run cell `index`: the library's default machine, changed
    /// by the scenario's `machine` lines if it has any, then by each
    /// axis's value ([`RunOptions::settings`]: an axis replaces what the
    /// scenario says of its key); no swap area may be a host file a
    /// workload was read from.
    pub fn run_options(&self, index: usize) -> RunOptions {
        let (values, _) = self.coordinates(index);
        let mut settings = Vec::new();
        for (a, v) in self.axes.iter().zip(values) {
            if a.key == "swap" && v != "none" {
                settings.extend(v.split('+').map(|area| (a.key.clone(), area.to_string())));
            } else {
                settings.push((a.key.clone(), v.to_string()));
            }
        }
        let in_use = self.workloads.iter().filter_map(|w| w.file.clone()).collect();
        RunOptions { settings, in_use, ..RunOptions::default() }
    }

    /// The machine of cell `index` ([`run_options`](Self::run_options)).
    pub fn machine(&self, index: usize) -> Result<MachineConfig, crate::run::RunError> {
        let (_, w) = self.coordinates(index);
        let lines = match &w.source {
            Source::Scenario(s) => &s.machine[..],
            _ => &[],
        };
        self.run_options(index).machine_for(lines)
    }

    /// A swap area of some axis that lives in a host file, if any: cells
    /// running at once would share it.
    fn swap_file(&self) -> Option<&str> {
        self.axes.iter().filter(|a| a.key == "swap").flat_map(|a| &a.values).map(String::as_str).find(|v| {
            v.split('+').any(|area| mm_core::machine::SwapSpec::parse(area).is_ok_and(|s| !s.config.path.is_empty()))
        })
    }

    /// The results document's header, without cells.
    fn header(&self, shard: Option<Shard>) -> Sweep {
        Sweep {
            mmsim_sweep: SWEEP_FORMAT,
            axes: self.axes.iter().map(|a| (a.key.clone(), a.values.clone())).collect(),
            workloads: self.workloads.iter().map(|w| w.name.clone()).collect(),
            total_cells: self.cells,
            shard: shard.map(|s| (s.index, s.count)),
            cells: Vec::new(),
        }
    }
}

/// Shard `index` of `count` (from 1): the cells whose index is
/// `index - 1` modulo `count`, so every shard gets a share of every
/// part of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// From 1.
    pub index: usize,
    /// The number of shards.
    pub count: usize,
}

impl Shard {
    /// `I/N`.
    pub fn parse(s: &str) -> Result<Shard, SweepError> {
        let bad = || SweepError::Shard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether cell `i` is this shard's.
    pub fn has(self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How to run a sweep.
#[derive(Clone, Copy, Debug, Default)]
pub struct SweepOptions {
    /// Cells run at once (`None`: one per host CPU).
    pub jobs: Option<usize>,
    /// Run one shard's cells only.
    pub shard: Option<Shard>,
    /// Draw a progress bar on standard error (when it is a terminal).
    pub progress: bool,
}

/// Runs the plan's cells (a shard's, with [`SweepOptions::shard`]) in
/// parallel, each on a fresh machine, and returns them in index order.
/// A cell that fails is reported in its [`Cell::error`]; the sweep goes
/// on.
pub fn sweep(plan: &Plan, opts: &SweepOptions) -> Result<Sweep, SweepError> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use rayon::prelude::*;
    use std::io::IsTerminal;
    let jobs = opts.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    if jobs > 1
        && let Some(v) = plan.swap_file()
    {
        return Err(SweepError::SharedSwapFile(v.to_string()));
    }
    let indices: Vec<usize> = (0..plan.cells()).filter(|&i| opts.shard.is_none_or(|s| s.has(i))).collect();
    let bar = if opts.progress && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(indices.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} cells  {elapsed} elapsed, {eta} left") {
        bar.set_style(style);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| SweepError::Pool { jobs, error: e.to_string() })?;
    let cells = pool.install(|| {
        indices
            .par_iter()
            .map(|&i| {
                let c = run::run_cell(plan, i);
                bar.inc(1);
                c
            })
            .collect()
    });
    bar.finish_and_clear();
    Ok(Sweep { cells, ..plan.header(opts.shard) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str, text: &str) -> Workload {
        Workload {
            name: name.to_string(),
            source: Source::Scenario(parse(text.as_bytes()).expect("parses")),
            file: None,
        }
    }

    fn axis(k: &str, v: &str) -> Axis {
        Axis::new(k, v).expect("a good axis")
    }

    #[test]
    fn axes_are_checked_before_the_sweep() {
        assert_eq!(axis("page-cluster", "0,3").key, "page_cluster");
        let e = |k: &str, v: &str| Axis::new(k, v).unwrap_err().to_string();
        assert!(e("rma", "4M").starts_with("unknown machine setting 'rma'"), "{}", e("rma", "4M"));
        assert!(e("ram", "4M,12Q").contains("unknown size unit 'Q'"), "{}", e("ram", "4M,12Q"));
        assert_eq!(e("ram", "4M,,8M"), "no value for 'ram' (give one or more, separated by commas)");
        assert_eq!(e("reclaim", "lru,clcok"), "no reclaim policy named 'clcok' (known: clock, lru)");
        assert!(e("swap", "zram:1M+bogus").contains("swap"), "{}", e("swap", "zram:1M+bogus"));
        let w = || vec![scenario("a", "dump\n")];
        let dup = Plan::new(vec![axis("ram", "4M"), axis("ram", "8M")], w()).unwrap_err();
        assert_eq!(dup.to_string(), "'ram' is given twice (give every value of an axis at once: KEY=V1,V2,...)");
        assert!(matches!(Plan::new(vec![axis("ram", "4M")], vec![]), Err(SweepError::NoWorkload)));
        let empty = Axis { key: "ram".into(), values: vec![] };
        assert!(matches!(Plan::new(vec![empty], w()), Err(SweepError::NoValue(_))));
        let big: Vec<Axis> = ["ram", "swappiness", "page_cluster"]
            .iter()
            .map(|k| Axis { key: k.to_string(), values: vec!["1".to_string(); 1000] })
            .collect();
        assert!(matches!(Plan::new(big, w()), Err(SweepError::TooManyCells(1_000_000_000))));
    }

    /// The first axis varies slowest, the workload fastest; each cell's
    /// machine has its axes' values.
    #[test]
    fn cells_are_numbered_in_product_order() {
        let plan = Plan::new(
            vec![axis("reclaim", "lru,clock"), axis("ram", "1M,2M,4M"), axis("swap", "none,zram:1M+zram:2M")],
            vec![scenario("a", "dump\n"), scenario("b", "dump\n")],
        )
        .expect("plan");
        assert_eq!(plan.cells(), 24);
        let (v, w) = plan.coordinates(0);
        assert_eq!((v, w.name.as_str()), (vec!["lru", "1M", "none"], "a"));
        let (v, w) = plan.coordinates(1);
        assert_eq!((v, w.name.as_str()), (vec!["lru", "1M", "none"], "b"));
        let (v, w) = plan.coordinates(2);
        assert_eq!((v, w.name.as_str()), (vec!["lru", "1M", "zram:1M+zram:2M"], "a"));
        let (v, w) = plan.coordinates(4 * 3 + 4 + 3);
        assert_eq!((v, w.name.as_str()), (vec!["clock", "2M", "zram:1M+zram:2M"], "b"));
        let m = plan.machine(4 * 3 + 4 + 3).expect("machine");
        assert_eq!((m.reclaim.as_str(), m.ram, m.swap.len()), ("clock", 2 << 20, 2));
        assert!(plan.machine(0).expect("machine").swap.is_empty());
    }

    #[test]
    fn shards_split_the_cells() {
        assert_eq!(Shard::parse("2/4").expect("shard"), Shard { index: 2, count: 4 });
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for i in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.has(i)).count(), 1, "cell {i}");
        }
        assert!(shards[0].has(0) && shards[1].has(4) && shards[2].has(8));
    }

    /// A cell that cannot run says why, and the others run.
    #[test]
    fn a_failed_cell_is_reported() {
        let plan = Plan::new(
            vec![axis("ram", "64K,1M")],
            vec![scenario("a", "mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n")],
        )
        .expect("plan");
        let s = sweep(&plan, &SweepOptions { jobs: Some(2), ..SweepOptions::default() }).expect("sweep");
        assert_eq!(s.cells.len(), 2);
        let e = s.cells[0].error.as_deref().expect("64K is too small");
        assert!(e.contains("too small"), "{e}");
        assert!(s.cells[0].vmstat.is_empty());
        assert_eq!(s.cells[1].error, None);
        assert!(s.cells[1].vmstat.contains_key("pgfault"));
        assert_eq!(s.cells[1].meminfo.get("MemTotal").copied().map(|kb| kb <= 1024), Some(true));
    }

    /// A generator's cell has its accesses and the MIN baseline with
    /// every frame of the machine; a spec is told from a path.
    #[test]
    fn synthetic_cells_have_their_baseline() {
        let w = Workload::from_arg("loop:pages=200,n=400").expect("spec");
        assert_eq!(w.name, "loop:pages=200,n=400,warmup=0,write=1,seed=1");
        let e = Workload::from_arg("loop:pages=0").unwrap_err().to_string();
        assert!(e.contains("pages"), "{e}");
        let e = Workload::from_arg("no/such/file.mms").unwrap_err().to_string();
        assert!(e.starts_with("cannot read no/such/file.mms: "), "{e}");
        let again = Workload::synthetic("loop:n=400,pages=200").expect("spec");
        let dup = Plan::new(vec![], vec![Workload::synthetic("loop:pages=200,n=400").expect("spec"), again]);
        assert!(matches!(dup, Err(SweepError::DuplicateWorkload(_))), "{dup:?}");
        let plan = Plan::new(vec![axis("ram", "512K,1M"), axis("swap", "zram:4M")], vec![w]).expect("plan");
        let s = sweep(&plan, &SweepOptions::default()).expect("sweep");
        for c in &s.cells {
            assert_eq!((c.error.as_deref(), c.accesses), (None, Some(400)), "{c:?}");
            let (min, frames) = (c.min_page_ins.expect("MIN"), c.min_capacity.expect("frames"));
            assert_eq!(frames * 4, c.meminfo["MemTotal"]);
            assert!(min <= c.page_ins, "{c:?}");
        }
        // 200 pages looped on fewer frames: MIN reloads some, and no
        // policy does better.
        assert!(s.cells[0].min_page_ins > Some(0) && s.cells[0].page_ins > 0, "{:?}", s.cells[0]);
    }

    /// A scenario's `machine` lines set its machine; an axis replaces
    /// what they say of its key (a swap axis all their areas).
    #[test]
    fn axes_override_a_scenarios_machine_lines() {
        let w = || scenario("m", "machine ram=512K swap=zram:1M swappiness=100\ndump\n");
        let plan = Plan::new(vec![axis("ram", "1M,2M")], vec![w()]).expect("plan");
        let s = sweep(&plan, &SweepOptions::default()).expect("sweep");
        let got: Vec<(&str, &str, &str)> = s
            .cells
            .iter()
            .map(|c| (c.machine["ram"].as_str(), c.machine["swap"].as_str(), c.machine["swappiness"].as_str()))
            .collect();
        assert_eq!(got, [("1M", "zram:1M", "100"), ("2M", "zram:1M", "100")]);
        assert_eq!(s.cells[1].meminfo["SwapTotal"], 1020, "{:?}", s.cells[1]);
        let plan = Plan::new(vec![axis("swap", "none,zram:2M+zram:1M")], vec![w()]).expect("plan");
        let s = sweep(&plan, &SweepOptions::default()).expect("sweep");
        let got: Vec<(&str, &str)> =
            s.cells.iter().map(|c| (c.machine["ram"].as_str(), c.machine["swap"].as_str())).collect();
        assert_eq!(got, [("512K", "none"), ("512K", "zram:2M,zram:1M")]);
        assert_eq!(s.cells[0].meminfo["SwapTotal"], 0);
    }

    #[test]
    fn host_file_swap_areas_need_one_job() {
        let plan = Plan::new(vec![axis("swap", "zram:1M,file:/nonexistent/x:1M")], vec![scenario("a", "dump\n")])
            .expect("plan");
        let e = sweep(&plan, &SweepOptions { jobs: Some(2), ..SweepOptions::default() }).unwrap_err();
        assert!(matches!(e, SweepError::SharedSwapFile(_)), "{e}");
    }
}
