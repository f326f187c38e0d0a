//! `mmsim`: runs memory-mapping scenarios on the simulator.
//!
//! A scenario (`docs/scenario-format.md`) is parsed whole by
//! [`scenario::parse`], with the real-kernel runner's rules, then run by
//! [`run::run`] on a fresh simulated kernel; the output is what
//! `mmsim real` prints for the same file on Linux, so the two can be diffed.
//!
//! An strace log of a real program (v1.2) is parsed by
//! [`strace::parse_log`] into one event per system call, by pid, and
//! replayed by [`replay::replay`]: processes made and ended as the log
//! shows, descriptors following it, calls not modelled counted by name.
//!
//! A recording (v1.3), a *bundle* of a program's calls and page faults
//! with its root snapshot and the outcome the kernel showed, is parsed by
//! [`bundle::parse_bundle`] and replayed by [`replay::replay_bundle`]:
//! each recorded fault is the access that took it, and the outcome of
//! every thread group is printed and, with `--check`, compared.
//! `mmsim record` (Linux) runs a program under `ptrace` and the kernel's
//! page-fault and syscall tracepoints and writes its bundle
//! ([`record::record`]).
//!
//! `mmsim real` ([`real::real`], Linux on x86-64) runs a scenario on the
//! host's kernel and prints the same format: the reference the
//! simulator's output is compared with.
//!
//! A scenario may state the machine it needs (`machine` lines, v1.5);
//! [`RunOptions::machine_for`] applies them between the library's
//! defaults and the command line's settings.  `mmsim run --json` reports
//! a run as one JSON object ([`report::RunReport`]).
//!
//! `mmsim run --trace` prints the kernel call chain of every line;
//! [`trace`] filters them by function (`--trace-filter`), counts calls per
//! function (`--trace-summary`) and, for snapshot tests, returns a
//! scenario's trace as one string with its frame numbers redacted
//! ([`trace_scenario`]).
//!
//! `mmsim run --html OUT` also writes the run's step-through page
//! ([`html`], docs/html-page.md): the state after every line as deltas,
//! with each line's call chain, in one self-contained HTML file.
//!
//! `mmsim check` ([`check`]) runs scenarios and compares each output with
//! its expected one (the `NAME.expected` file next to it), reporting every
//! difference with the scenario line it is about.
//!
//! `mmsim sweep` ([`sweep`]) runs the product of machine settings by
//! workloads, each cell on a fresh machine, in parallel or in shards, and
//! reports every cell's counters as a table, CSV or JSON
//! (docs/sweep.md).
//!
//! The command line (`src/main.rs`) selects backends by their registered
//! names; a binary that embeds its own backends calls [`main`] after
//! linking them.

pub mod backends;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod html;
pub mod real;
#[cfg(target_os = "linux")]
pub mod record;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenario;
pub mod strace;
pub mod sweep;
pub mod trace;

pub use cli::main;
pub use run::{RunError, RunOptions, Stopped, run, run_keep};
pub use scenario::{ParseError, Scenario, parse};
pub use trace::{Redact, TraceError, redact, trace_scenario};
