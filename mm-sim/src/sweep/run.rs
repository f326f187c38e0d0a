//! One cell of a sweep: its workload on a fresh machine, measured.

use super::workload::{Measured, Synthetic};
use super::{Cell, Plan, Source, Workload};
use crate::replay::{BundleMachine, replay_keep};
use crate::run::{RunOptions, run_keep};
use mm_core::Kernel;
use mm_core::machine::MachineConfig;
use mm_core::vmstat::VmEvent;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// The event counters a cell's measured phase is the difference of.
#[derive(Clone, Copy, Debug, Default)]
struct Faults {
    pgfault: u64,
    pgmajfault: u64,
    pswpin: u64,
}

impl Faults {
    fn of(k: &Kernel) -> Faults {
        let mut f = Faults::default();
        for (name, v) in k.machine().vmstat_lines() {
            match name {
                n if n == VmEvent::PgFault.name() => f.pgfault = v,
                n if n == VmEvent::PgMajFault.name() => f.pgmajfault = v,
                n if n == VmEvent::PswpIn.name() => f.pswpin = v,
                _ => {}
            }
        }
        f
    }
}

/// The most accesses a synthetic workload may have for its MIN baseline
/// to be computed: MIN holds the whole sequence and as much again
/// (about 16 bytes an access).
pub const MAX_MIN_ACCESSES: u64 = 1 << 25;

/// A workload run to its end: the machine as it left it, and the
/// counters when its measured phase began, or what a synthetic workload
/// measured itself.
struct Ran {
    k: Kernel,
    before: Faults,
    measured: Option<Measured>,
}

/// Runs cell `index` of `plan` and measures it.  Whatever goes wrong (a
/// machine that cannot be built, a run that stops, even a panic of the
/// simulator) is the cell's [`Cell::error`], never the sweep's.
pub fn run_cell(plan: &Plan, index: usize) -> Cell {
    let start = Instant::now();
    let (values, w) = plan.coordinates(index);
    let mut cell = Cell {
        index,
        workload: w.name.clone(),
        axes: plan.axes.iter().zip(values).map(|(a, v)| (a.key.clone(), v.to_string())).collect(),
        machine: BTreeMap::new(),
        accesses: None,
        minflt: 0,
        majflt: 0,
        page_ins: 0,
        min_page_ins: None,
        min_capacity: None,
        wall_ns: 0,
        vmstat: BTreeMap::new(),
        meminfo: BTreeMap::new(),
        error: None,
    };
    match plan.machine(index) {
        Ok(machine) => {
            cell.machine = machine.settings().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let opts = plan.run_options(index);
            let ran = catch_unwind(AssertUnwindSafe(|| run_workload(w, opts, &machine)));
            // The host's time of the run alone: MIN's time is not the
            // machine's.
            cell.wall_ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            match ran {
                Ok(Ok(ran)) => {
                    measure(&mut cell, &ran);
                    if let Source::Synthetic(s) = &w.source
                        && let Some((min, frames)) = min_baseline(s, &ran.k)
                    {
                        cell.min_page_ins = Some(min);
                        cell.min_capacity = Some(frames);
                    }
                }
                Ok(Err(e)) => cell.error = Some(e),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".to_string());
                    cell.error = Some(format!("the simulator panicked: {msg}"));
                }
            }
        }
        Err(e) => cell.error = Some(e.to_string()),
    }
    cell
}

/// Runs `w` with `opts` (its machine is `machine`): a scenario or a log
/// whole (the machine is fresh, so all of it is measured), a recording
/// after its set-up (its root snapshot and page cache), a generator after
/// its set-up pass and warm-up.
fn run_workload(w: &Workload, mut opts: RunOptions, machine: &MachineConfig) -> Result<Ran, String> {
    match &w.source {
        Source::Scenario(s) => {
            let (_, k) = run_keep(s, &opts).map_err(|e| e.to_string())?;
            Ok(Ran { k, before: Faults::default(), measured: None })
        }
        Source::Log(log) => {
            // As `mmsim run` replays a log: against the host's files.
            opts.strace = true;
            opts.root = Some("/".to_string());
            let (_, k) = replay_keep(log, &opts).map_err(|e| e.to_string())?;
            Ok(Ran { k, before: Faults::default(), measured: None })
        }
        Source::Bundle(b) => {
            opts.strace = true;
            let m = BundleMachine::new(b, &opts).map_err(|e| e.to_string())?;
            let before = Faults::of(m.kernel());
            let (_, _, k) = m.replay(b, false).map_err(|e| e.to_string())?;
            Ok(Ran { k, before, measured: None })
        }
        Source::Synthetic(s) => {
            let mut k = Kernel::new(machine).map_err(|e| e.to_string())?;
            let measured = s.run(&mut k).map_err(|e| e.to_string())?;
            Ok(Ran { k, before: Faults::default(), measured: Some(measured) })
        }
    }
}

/// Belady's MIN for a synthetic workload run on `k`, with every frame of
/// the machine ([`totalram_pages`](super::min::totalram_pages)): no
/// policy can keep more pages resident.  `None` past
/// [`MAX_MIN_ACCESSES`].
fn min_baseline(s: &Synthetic, k: &Kernel) -> Option<(u64, u64)> {
    if s.accesses() > MAX_MIN_ACCESSES {
        return None;
    }
    let frames = super::min::totalram_pages(k);
    let pages: Vec<u64> = s.pages().collect();
    Some((super::min::min_page_ins(&pages, usize::try_from(frames).ok()?), frames))
}

/// Fills the cell's counters from the machine a workload left.
fn measure(cell: &mut Cell, ran: &Ran) {
    let m = ran.k.machine();
    let after = Faults::of(&ran.k);
    let majflt = after.pgmajfault - ran.before.pgmajfault;
    cell.majflt = majflt;
    cell.minflt = (after.pgfault - ran.before.pgfault).saturating_sub(majflt);
    cell.page_ins = after.pswpin - ran.before.pswpin;
    cell.vmstat = m.vmstat_lines().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    cell.meminfo = m.meminfo_lines().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    if let Some(w) = ran.measured {
        cell.accesses = Some(w.accesses);
        cell.minflt = w.minflt;
        cell.majflt = w.majflt;
        cell.page_ins = w.page_ins;
    }
}
