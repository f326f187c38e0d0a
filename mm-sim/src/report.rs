//! `mmsim run --json`: a scenario's run as one JSON object ([`RunReport`]),
//! for scripts that read a run's counters without parsing its text.

use crate::run::{RunOptions, run_full};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the [`RunReport`] document; a reader refuses any other.
pub const RUN_FORMAT: u32 = 1;

/// A run of a scenario: the machine, what the run printed, and the
/// counters it left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`RUN_FORMAT`].
    pub mmsim_run: u32,
    /// The scenario file, as given.
    pub file: String,
    /// Every setting of the machine the run built, as
    /// [`MachineConfig::settings`](mm_core::MachineConfig::settings)
    /// prints them (empty if its settings were refused).
    pub machine: BTreeMap<String, String>,
    /// The lines `mmsim run` prints for the same options, without their
    /// newlines.
    pub output: Vec<String>,
    /// The run went to the end (it printed its `ok` line).
    pub ok: bool,
    /// Lines performed, `window` lines included: the `N` of `ok N lines`
    /// (of a run that stopped, the line that stopped it included).
    pub performed: usize,
    /// Skipped strace lines: the `M` of `M skipped`.
    pub skipped: usize,
    /// Minor faults of every process the run had (those that exited
    /// included).
    pub minflt: u64,
    /// Major faults of every process the run had.
    pub majflt: u64,
    /// `/proc/vmstat` as the run left it, every counter.
    pub vmstat: BTreeMap<String, u64>,
    /// `/proc/meminfo` as the run left it, in kB.
    pub meminfo: BTreeMap<String, u64>,
    /// The per-size THP counters as the run left them, by sysfs directory
    /// and file (`"hugepages-64kB": {"anon_fault_alloc": 3, ...}`), from
    /// 16 kB to the PMD size.
    #[serde(default)]
    pub mthp: BTreeMap<String, BTreeMap<String, u64>>,
    /// Why the run stopped (`ok` is then false), as `mmsim run` prints it
    /// after `error: `; the counters are as it left them (empty if the
    /// machine could not be built).
    pub error: Option<String>,
}

impl RunReport {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report serializes")
    }
}

/// Runs `s` (read from `file`) and reports it.
pub fn run_report(s: &Scenario, file: &str, opts: &RunOptions) -> RunReport {
    let end = run_full(s, opts);
    let machine =
        end.machine.map(|m| m.settings().into_iter().map(|(k, v)| (k.to_string(), v)).collect()).unwrap_or_default();
    let (vmstat, meminfo, mthp) = match &end.kernel {
        Some(k) => {
            let m = k.machine();
            let named = |v: Vec<(&str, u64)>| v.into_iter().map(|(n, c)| (n.to_string(), c)).collect();
            let mthp = m.mthp_stats().into_iter().map(|(dir, v)| (dir, named(v))).collect();
            (named(m.vmstat_lines()), named(m.meminfo_lines()), mthp)
        }
        None => Default::default(),
    };
    RunReport {
        mmsim_run: RUN_FORMAT,
        file: file.to_string(),
        machine,
        output: end.output.lines().map(str::to_string).collect(),
        ok: end.error.is_none(),
        performed: end.performed,
        skipped: s.skipped,
        minflt: end.faults.0,
        majflt: end.faults.1,
        vmstat,
        meminfo,
        mthp,
        error: end.error.map(|e| e.to_string()),
    }
}
