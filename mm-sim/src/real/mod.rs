//! `mmsim real FILE`: runs a scenario on the host's Linux kernel and
//! prints the dump format (docs/scenario-format.md, "Notes on the real
//! runner"), the output the simulator is compared with.
//!
//! The method:
//!  - The runner re-executes itself with `ADDR_NO_RANDOMIZE`, so that
//!    addresses the kernel chooses repeat from run to run.
//!  - The scenario is parsed whole by [`crate::scenario::parse`] (the
//!    simulator's parser) before anything runs; then every buffer the run
//!    needs is allocated at its full size (output, `/proc/self/maps`,
//!    pagemap, load values, file contents) and every name is converted to
//!    a C string.  From the first line on the runner allocates nothing,
//!    so the C library's `malloc` never grows its heap (the break) nor
//!    maps anything.
//!  - Files of `file` lines live in a fresh directory made with `mkdtemp`
//!    under `$MM_ORACLE_TMPDIR` (default `/dev/shm`, a tmpfs: order-0
//!    page-cache folios, no I/O); the runner `chdir`s into it, so the
//!    scenario's descriptors start at 3; the directory and what is in it
//!    are removed at the end.
//!  - The program break is moved to `0x200000000` with
//!    `prctl(PR_SET_MM, PR_SET_MM_MAP)` (the kernel only checks that the
//!    values are sane; a runner that cannot warns when the scenario has a
//!    `brk` line).
//!  - The runner stays on the CPU it started on (per-CPU LRU batches
//!    decide what `MADV_PAGEOUT` can isolate).
//!  - Fault counts are `getrusage` deltas taken just before and after each
//!    operation.  Before the first one the runner touches 1 MiB of its
//!    stack and does `mlockall(MCL_CURRENT)` + `munlockall()`, which faults
//!    in everything it owns (with write access where writable), so its
//!    own code, data and stack fault nothing inside a measured interval.
//!  - `present` is bit 63 of `/proc/self/pagemap`; maps lines come from
//!    `/proc/self/maps`, fields joined by single spaces, the temporary
//!    directory stripped from paths.
//!  - (v1.6) The `huge` and `huge_zero` dump lines come from the
//!    `PAGEMAP_SCAN` ioctl of `/proc/self/pagemap` (`PAGE_IS_HUGE`, with
//!    `PAGE_IS_PFNZERO` for the huge zero page), `AnonHugePages` from
//!    `/proc/self/smaps`.  A `machine` line that asks for a THP setting
//!    the host does not have (read from
//!    `/sys/kernel/mm/transparent_hugepage`) is refused, unless
//!    `--change-host-settings` asks for them to be written for the run
//!    and put back after it (`host_settings`).
//!  - (v1.7) A `khugepaged` line polls `khugepaged/full_scans` until it
//!    went up by 2, within a time limit; a keeper process keeps
//!    khugepaged's list from being empty meanwhile (see
//!    `start_khugepaged_keeper` in `linux.rs`).
//!  - A load or store that faults is recovered from (see `access`) and
//!    printed as `# fault: line N: SIGSEGV at 0xADDR`.
//!  - With a `fork` line (v1.1) the original process supervises and runs
//!    no line; process 0 is its first child, `fork` is
//!    `clone(CLONE_PARENT)`, and a token passed through pipes (descriptors
//!    800 and up) lets exactly one process run at a time (see
//!    `linux::supervise`).
//!
//! Linux on x86-64 only; elsewhere `mmsim real` says so.

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod access;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod host_settings;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod linux;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod out;

use std::path::PathBuf;
use std::process::ExitCode;

/// What `mmsim real` was asked.
#[derive(Clone, Debug)]
pub struct RealOptions {
    /// The scenario.
    pub file: PathBuf,
    /// Write the output to this file instead of standard output (the
    /// scenario's `.expected`); refused if it exists, unless `force`.
    pub output: Option<PathBuf>,
    /// Replace `output` if it exists.
    pub force: bool,
    /// (v1.7) Write the THP settings the scenario's `machine` lines give
    /// to the host's sysfs for the run, and put the old values back after
    /// it; without it a scenario asking for other settings than the
    /// host's is refused.
    pub change_host_settings: bool,
}

/// Runs the scenario on this machine's kernel; the exit status is the
/// reference runner's: 0 when the scenario ran (divergences included), 2
/// for a bad scenario or command line, 3 when the run itself failed.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub fn real(opts: &RealOptions) -> ExitCode {
    linux::real(opts)
}

/// `mmsim real` needs Linux on x86-64.
#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
pub fn real(_: &RealOptions) -> ExitCode {
    eprintln!("error: mmsim real runs scenarios on the host's kernel: it needs Linux on x86-64");
    ExitCode::from(2)
}
