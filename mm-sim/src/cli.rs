//! The `mmsim` command line.

use crate::bundle::{Bundle, MAX_BUNDLE_BYTES, is_bundle, parse_bundle};
use crate::replay::{replay, replay_bundle};
use crate::run::{RunOptions, run};
use crate::scenario::{Scenario, parse};
use crate::strace::{Log, parse_log};
use clap::{Parser, Subcommand};
use mm_core::alloc::MM_PAGE_ALLOCATORS;
use mm_core::arch::MM_PAGE_TABLE_FORMATS;
use mm_core::fs::MM_FILESYSTEMS;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::{HostFileId, MM_SWAP_DEVICES};
use mm_core::vmscan::MM_RECLAIM_POLICIES;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "mmsim", version, about = "A user-space model of the Linux memory-mapping subsystem")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run a scenario and print what the real kernel's runner prints.
    Run {
        /// The scenario file.
        file: PathBuf,
        /// Print the kernel call chain of every operation.
        #[arg(long)]
        trace: bool,
        /// Trace as `--trace` does, and also every access that does not
        /// fault: its TLB hit or miss and, on a miss, the page walk with
        /// each level's entry and its bits.
        #[arg(long)]
        trace_walk: bool,
        #[command(flatten)]
        machine: MachineArgs,
        /// An ext4 image whose files `openat` paths name (`"/etc/hostname"`);
        /// `file` lines still make files on tmpfs.
        /// The image file is opened read-only and never written: dirty
        /// pages are written back to memory (an overlay of the image), so
        /// the files read back what was written and the image stays as it
        /// was.
        #[arg(long)]
        image: Option<PathBuf>,
        /// Write dirty pages of `--image` files back into the image file
        /// itself, in place (the image is opened read-write and modified).
        #[arg(long = "write-image", requires = "image")]
        write_image: bool,
        /// A host directory served as `/` (symbolic links followed inside
        /// it), or a root snapshot made by `mmsim snapshot`: `openat`
        /// paths are looked up there (then, for a path it does not have,
        /// `file` lines' tmpfs files by last component).  Nothing is ever
        /// written to the host: written pages and created files stay in
        /// memory.  Not with `--image`.
        #[arg(long, conflicts_with = "image")]
        root: Option<PathBuf>,
        /// The filesystem type every `--root` file takes for mapping
        /// placement (`ext4`, `xfs`, `tmpfs` ...), instead of what statfs
        /// (or the snapshot) says of its host filesystem.
        #[arg(long = "root-fs-type", requires = "root")]
        root_fs_type: Option<String>,
        /// After the `ok` line, print `/proc/vmstat` and `/proc/meminfo`
        /// as the run left them.
        #[arg(long)]
        stats: bool,
        /// Run FILE as an strace log (docs/scenario-format.md, "strace
        /// logs") even if it has no `execve(` line.
        #[arg(long)]
        strace: bool,
        /// strace logs: print each process's /proc/PID/maps when its
        /// thread group exits.
        #[arg(long = "maps-at-exit")]
        maps_at_exit: bool,
        /// strace logs: print a process's /proc/PID/maps at the first
        /// `read` of each open of `/proc/PID/maps`.
        #[arg(long = "maps-at-read")]
        maps_at_read: bool,
        /// Recordings: compare the outcome with the recorded one, print
        /// the differences (`# check: ...`) and exit with status 1 if
        /// there are any.
        #[arg(long)]
        check: bool,
        /// Exit with status 1 when the run printed a `# diverged:` or a
        /// `# fault:` line (the output is the same).
        #[arg(long)]
        strict: bool,
        /// Print the run as one JSON object (scenario files): the
        /// machine's settings, the output lines, `ok`, `performed`,
        /// `skipped`, `minflt`/`majflt` of every process, every vmstat and
        /// meminfo counter, and the `error` if the run stopped.
        #[arg(long, conflicts_with_all = ["strace", "check"])]
        json: bool,
    },
    /// Run scenarios and compare each output with the expected one (the
    /// `NAME.expected` file next to `NAME.mms`): print every difference
    /// with the scenario line it is about, then `N cases, M differ`.
    /// Exit status: 0 when all match, 1 when any differs, 2 when a case
    /// cannot be checked (parse error, no expected file).
    Check {
        /// Scenario files, and directories walked for `*.mms` files (a
        /// walked file without an `.expected` next to it is not a case).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// One JSON object per case on stdout (`case`, `status`: `same`,
        /// `differ` or `error`, and the `differences`), the summary on
        /// stderr.
        #[arg(long)]
        json: bool,
        /// Also list the cases that match (`PASS CASE`).
        #[arg(short, long)]
        verbose: bool,
        /// Compare with a live run of each case on this machine's kernel
        /// (`mmsim real`) instead of its `.expected` file; cases then run
        /// one at a time unless `-j` says otherwise.
        #[arg(long)]
        real: bool,
        /// Cases run at once (default: the number of CPUs).
        #[arg(short = 'j', long)]
        jobs: Option<usize>,
        #[command(flatten)]
        machine: MachineArgs,
    },
    /// Run a scenario on this machine's Linux kernel (x86-64) and print
    /// the dump format: the output `mmsim run` is compared with.
    Real {
        /// The scenario file.
        file: PathBuf,
        /// Write the output to this file (the scenario's `.expected`)
        /// instead of standard output; refused if it exists.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Replace the `--output` file if it exists.
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// List the registered backends.
    Backends,
    /// List every machine setting (`--set KEY=VALUE`, a scenario's
    /// `machine` line) with its default and meaning.
    Settings,
    /// Run a program on the host (Linux, as root or with CAP_PERFMON) and
    /// write its bundle: its calls and page faults in order, the files it
    /// used with their page cache, and each process's outcome at exit.
    Record {
        /// The bundle to write (default: PROGRAM.mmrec here).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Replace BUNDLE if it exists.
        #[arg(long)]
        force: bool,
        /// Ring buffer of the tracepoints per CPU (a power of two); a
        /// recording that loses events says to make it larger.
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        buffer: u64,
        /// The program and its arguments (after `--`).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<std::ffi::OsString>,
    },
    /// Write a root snapshot of the host files an strace log uses, so the
    /// log replays anywhere with `--root FILE`.
    Snapshot {
        /// The strace log (`strace -f -y ...`).
        log: PathBuf,
        /// The snapshot to write (refused if it exists).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The host directory the log's paths are in.
        #[arg(long, default_value = "/")]
        root: PathBuf,
    },
}

pub use mm_core::machine::parse_size;

/// The simulated machine's options, shared by the commands that build
/// one.  An option not given leaves the setting to the scenario's
/// `machine` lines, then to [`MachineConfig::default`], whose values
/// `--help` shows, so the command line and the library cannot drift
/// apart.
#[derive(clap::Args, Debug)]
struct MachineArgs {
    #[arg(long, value_name = "NAME", help = with_default("Page allocator (see `mmsim backends`).", MachineConfig::default().allocator))]
    allocator: Option<String>,
    #[arg(long = "page-table", value_name = "NAME", help = with_default("Page-table format (see `mmsim backends`).", MachineConfig::default().page_table))]
    page_table: Option<String>,
    #[arg(long, value_name = "SIZE", help = with_default("Simulated RAM, e.g. 1G, 512M, 65536K or a byte count.", Size(MachineConfig::default().ram)))]
    ram: Option<Size>,
    #[arg(long, value_name = "NAME", help = with_default("Reclaim policy (see `mmsim backends`).", MachineConfig::default().reclaim))]
    reclaim: Option<String>,
    /// A swap area; may be repeated (any replaces the scenario's).
    ///   zram:SIZE        compressed, in memory
    ///   file:PATH:SIZE   a swap file on the host, as mkswap + swapon:
    ///   file:PATH        a PATH that does not exist is created (SIZE
    ///                    needed) and removed after the run; an existing
    ///                    PATH must already be a swap area (mkswap PATH):
    ///                    it is kept, but swapped-out pages are written
    ///                    into it; its size is its header's, or SIZE if
    ///                    given, which may not exceed it.  Anything else
    ///                    (a file that is not a swap area, a directory, a
    ///                    device, the scenario, the image, a file already
    ///                    in use as swap) is refused and left untouched.
    #[arg(long, value_parser = SwapSpec::parse, verbatim_doc_comment)]
    swap: Vec<SwapSpec>,
    /// Any machine setting (`mmsim settings` lists them with their
    /// defaults: tunables such as swappiness=100, page_cluster=0,
    /// min_free_kbytes=128, cpus=4); may be repeated.  Applied after the
    /// options above; a key given on the command line replaces what the
    /// scenario's `machine` lines say of it.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    set: Vec<(String, String)>,
}

/// A help text followed by the default clap would show for it.
fn with_default(help: &str, default: impl std::fmt::Display) -> String {
    format!("{help} [default: {default}]")
}

/// `--set KEY=VALUE`, checked as [`MachineConfig::set`] checks it.
fn parse_setting(pair: &str) -> Result<(String, String), mm_core::machine::SettingError> {
    MachineConfig::default().set_pair(pair)?;
    let (k, v) = pair.split_once('=').expect("set_pair checked it");
    Ok((k.trim().to_string(), v.trim().to_string()))
}

impl MachineArgs {
    /// The settings these options give, in the order they apply: the
    /// named options, then every `--set`.
    fn settings(self) -> Vec<(String, String)> {
        let MachineArgs { allocator, page_table, ram, reclaim, swap, set } = self;
        let mut out = Vec::new();
        let mut add = |k: &str, v: Option<String>| out.extend(v.map(|v| (k.to_string(), v)));
        add("ram", ram.map(|r| r.to_string()));
        add("allocator", allocator);
        add("page_table", page_table);
        add("reclaim", reclaim);
        for s in swap {
            add("swap", Some(s.to_string()));
        }
        out.extend(set);
        out
    }
}

/// A byte count read by [`parse_size`] and shown in `--help` as
/// [`format_size`](mm_core::machine::format_size) writes it (`1G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Size(u64);

impl std::str::FromStr for Size {
    type Err = mm_core::machine::SizeError;
    fn from_str(s: &str) -> Result<Size, Self::Err> {
        parse_size(s).map(Size)
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mm_core::machine::format_size(self.0))
    }
}

/// A file as parsed: a v1.1 scenario, an strace log or a recording.
enum Parsed {
    Scenario(Scenario),
    Log(Log),
    Bundle(Box<Bundle>),
}

/// One section of `mmsim backends`: a title, then `name description`
/// lines sorted by name.
fn section(out: &mut String, title: &str, entries: impl Iterator<Item = (String, &'static str)>) {
    let mut entries: Vec<_> = entries.collect();
    entries.sort();
    out.push_str(title);
    out.push('\n');
    for (n, d) in entries {
        out.push_str(&format!("  {n:<16} {d}\n"));
    }
}

fn backends() -> String {
    let mut out = String::new();
    section(
        &mut out,
        "page allocators (--allocator):",
        MM_PAGE_ALLOCATORS.iter().map(|d| (d.name.to_string(), d.description)),
    );
    section(
        &mut out,
        "page-table formats (--page-table):",
        MM_PAGE_TABLE_FORMATS.iter().map(|d| (d.name.to_string(), d.description)),
    );
    section(
        &mut out,
        "filesystems (ext4: --image, host: --root):",
        MM_FILESYSTEMS.iter().map(|d| (d.name.to_string(), d.description)),
    );
    section(
        &mut out,
        "swap devices (--swap NAME:SIZE or NAME:PATH:SIZE):",
        MM_SWAP_DEVICES.iter().map(|d| {
            (if d.takes_path { format!("{}:PATH:SIZE", d.name) } else { format!("{}:SIZE", d.name) }, d.description)
        }),
    );
    section(
        &mut out,
        "reclaim policies (--reclaim):",
        MM_RECLAIM_POLICIES.iter().map(|d| (d.name.to_string(), d.description)),
    );
    out
}

/// `mmsim settings`: every key, its default and its meaning.
fn settings() -> String {
    let defaults = MachineConfig::default().settings();
    let width = MachineConfig::keys().map(|(k, _)| k.len()).max().unwrap_or(0);
    let vwidth = defaults.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let mut out = String::from(
        "machine settings (--set KEY=VALUE on the command line, `machine KEY=VALUE ...` in a scenario;\n\
         `-` and `_` are the same in a key):\n",
    );
    for ((k, meaning), (_, default)) in MachineConfig::keys().zip(&defaults) {
        out.push_str(&format!("  {k:<width$}  {default:<vwidth$}  {meaning}\n"));
    }
    out
}

/// Reads the scenario file and tells which file it was.
fn read_scenario(path: &Path) -> std::io::Result<(Vec<u8>, HostFileId)> {
    let f = File::open(path)?;
    let meta = f.metadata()?;
    let mut src = Vec::new();
    // Nothing mmsim runs is larger than a recording may be.
    f.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut src)?;
    Ok((src, HostFileId { dev: meta.dev(), ino: meta.ino(), role: "the scenario file".to_string() }))
}

/// `mmsim snapshot`: the log's root snapshot into a new file `output`.
fn snapshot(log: &Path, output: &Path, root: &Path) -> ExitCode {
    let text = match std::fs::read(log) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", log.display());
            return ExitCode::from(2);
        }
    };
    let snap = match mm_fs_host::write_snapshot(&root.to_string_lossy(), &text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // create_new: an existing file is never replaced.
    let r = std::fs::OpenOptions::new().write(true).create_new(true).open(output).and_then(|mut f| {
        f.write_all(snap.as_bytes())?;
        f.sync_all()
    });
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", output.display());
            ExitCode::from(2)
        }
    }
}

/// `mmsim record`.
#[cfg(target_os = "linux")]
fn record(output: Option<PathBuf>, force: bool, buffer: u64, command: Vec<std::ffi::OsString>) -> ExitCode {
    let opts = crate::record::RecordOptions { output, force, buffer: buffer as usize, command };
    match crate::record::record(&opts) {
        Ok(s) => {
            eprintln!(
                "mmsim record: {} ({} bytes): {} processes, {} tasks, {} calls, {} user faults, {} kernel faults",
                s.path.display(),
                s.bytes,
                s.processes,
                s.tasks,
                s.calls,
                s.user_faults,
                s.kernel_faults
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `mmsim record` needs Linux's ptrace and tracepoints.
#[cfg(not(target_os = "linux"))]
fn record(_: Option<PathBuf>, _: bool, _: u64, _: Vec<std::ffi::OsString>) -> ExitCode {
    eprintln!("error: mmsim record runs on Linux only (ptrace and perf tracepoints)");
    ExitCode::from(2)
}

/// `mmsim check`.
fn check(
    paths: &[PathBuf],
    json: bool,
    verbose: bool,
    real: bool,
    jobs: Option<usize>,
    settings: Vec<(String, String)>,
) -> ExitCode {
    use crate::check::{
        CheckOptions, ExpectedFiles, ExpectedSource, Outcome, RealKernel, check_all, collect_cases, exit_status,
        summary,
    };
    let (mut cases, mut without) = match collect_cases(paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if real {
        // The kernel gives the expected side: every scenario is a case.
        cases.append(&mut without);
        cases.sort();
    }
    // A bad machine configuration is one error, not one per case (a
    // scenario's `machine` lines may still make its own bad).
    let run = RunOptions { settings, ..RunOptions::default() };
    let machine = match run.machine_for(&[]) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = mm_core::Kernel::new(&machine) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    // The real runner pins itself to a CPU: one run at a time by default.
    let jobs =
        jobs.unwrap_or_else(|| if real { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()) });
    if jobs > 1 && machine.swap.iter().any(|s| !s.config.path.is_empty()) {
        eprintln!("error: a swap file is one case's at a time: give -j 1 with it");
        return ExitCode::from(2);
    }
    let opts = CheckOptions { run, jobs };
    let source: Box<dyn ExpectedSource> = if real {
        match std::env::current_exe() {
            Ok(exe) => Box::new(RealKernel { exe }),
            Err(e) => {
                eprintln!("error: cannot find the mmsim executable to run `mmsim real`: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        Box::new(ExpectedFiles)
    };
    let source = &*source;
    let results = check_all(&cases, source, &opts);
    let mut stdout = std::io::stdout().lock();
    for r in &results {
        let text = if json {
            crate::check::report_json(r, source) + "\n"
        } else if verbose && r.outcome == Outcome::Same {
            format!("PASS {}\n", r.case.display())
        } else {
            crate::check::report_text(r, source)
        };
        if stdout.write_all(text.as_bytes()).is_err() {
            return ExitCode::from(2);
        }
    }
    let sum = summary(&results, without.len());
    let r = if json { writeln!(std::io::stderr(), "{sum}") } else { writeln!(stdout, "{sum}") };
    if r.and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(exit_status(&results))
}

/// True if a run's output has a line `mmsim run --strict` refuses: a call
/// whose result differs from the expected one, or an access that faulted.
pub fn has_divergence(out: &str) -> bool {
    out.lines().any(|l| l.starts_with("# diverged:") || l.starts_with("# fault:"))
}

/// Runs the command line; binaries that link extra backends call this.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Backends => {
            print!("{}", backends());
            ExitCode::SUCCESS
        }
        Cmd::Snapshot { log, output, root } => snapshot(&log, &output, &root),
        Cmd::Real { file, output, force } => crate::real::real(&crate::real::RealOptions { file, output, force }),
        Cmd::Record { output, force, buffer, command } => record(output, force, buffer, command),
        Cmd::Settings => {
            print!("{}", settings());
            ExitCode::SUCCESS
        }
        Cmd::Check { paths, json, verbose, real, jobs, machine } => {
            check(&paths, json, verbose, real, jobs, machine.settings())
        }
        Cmd::Run {
            file,
            trace,
            trace_walk,
            machine,
            image,
            write_image,
            root,
            root_fs_type,
            stats,
            strace,
            maps_at_exit,
            maps_at_read,
            check,
            strict,
            json,
        } => {
            let (src, scenario_id) = match read_scenario(&file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: cannot open {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            if src.len() as u64 > MAX_BUNDLE_BYTES {
                eprintln!("error: {} is larger than {MAX_BUNDLE_BYTES} bytes, the most mmsim reads", file.display());
                return ExitCode::from(2);
            }
            let bundle = is_bundle(&src);
            if check && !bundle {
                eprintln!("error: --check is for recordings (a file starting with 'mmsim-recording 1')");
                return ExitCode::from(2);
            }
            let is_log = !bundle && (strace || crate::strace::is_log(&src));
            let parsed = if bundle {
                parse_bundle(&src).map(|b| Parsed::Bundle(Box::new(b)))
            } else if is_log {
                parse_log(&src).map(Parsed::Log)
            } else {
                parse(&src).map(Parsed::Scenario)
            };
            let parsed = match parsed {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            // The host files the run reads may not become swap areas.
            let mut in_use = vec![scenario_id];
            in_use.extend(image.as_ref().and_then(|p| HostFileId::of(p, "the --image").ok()));
            in_use.extend(root.as_ref().and_then(|p| HostFileId::of(p, "the --root").ok()));
            let opts = RunOptions {
                machine: MachineConfig::default(),
                settings: machine.settings(),
                in_use,
                trace,
                trace_walk,
                stats,
                image: image.as_ref().map(|p| p.to_string_lossy().into_owned()),
                write_image,
                strace: is_log || bundle,
                maps_at_exit,
                maps_at_read,
                // A log of a real program replays against the files it
                // ran with: the host's `/` unless told otherwise (a
                // recording has its own root snapshot).
                root: root
                    .map(|p| p.to_string_lossy().into_owned())
                    .or_else(|| (is_log && image.is_none()).then(|| "/".to_string())),
                root_fs_type,
                root_snapshot: None,
            };
            if json {
                let Parsed::Scenario(s) = &parsed else {
                    eprintln!("error: --json is for scenario files, not strace logs or recordings");
                    return ExitCode::from(2);
                };
                let report = crate::report::run_report(s, &file.to_string_lossy(), &opts);
                let mut stdout = std::io::stdout().lock();
                if writeln!(stdout, "{}", report.to_json()).and_then(|()| stdout.flush()).is_err() {
                    return ExitCode::from(1);
                }
                return match &report.error {
                    Some(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                    None if strict && report.output.iter().any(|l| has_divergence(l)) => ExitCode::from(1),
                    None => ExitCode::SUCCESS,
                };
            }
            // A run that stops prints what it produced, then the error.
            let mut differences = 0;
            let result = match &parsed {
                Parsed::Scenario(s) => run(s, &opts),
                Parsed::Log(l) => replay(l, &opts),
                Parsed::Bundle(b) => replay_bundle(b, &opts, check).map(|(out, n)| {
                    differences = n;
                    out
                }),
            };
            let (out, err) = match result {
                Ok(out) => (out, None),
                Err(stopped) => (stopped.output, Some(stopped.error)),
            };
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(1);
            }
            match err {
                None if differences > 0 => ExitCode::from(1),
                None if strict && has_divergence(&out) => ExitCode::from(1),
                None => ExitCode::SUCCESS,
                Some(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_of(args: &[&str]) -> Vec<(String, String)> {
        match Cli::try_parse_from(args).expect("parses").cmd {
            Cmd::Run { machine, .. } | Cmd::Check { machine, .. } => machine.settings(),
            c => panic!("not a machine command: {c:?}"),
        }
    }

    fn machine_of(args: &[&str]) -> MachineConfig {
        RunOptions { settings: settings_of(args), ..RunOptions::default() }.machine_for(&[]).expect("applies")
    }

    /// `mmsim run` and `mmsim check` build the library's default machine
    /// unless told otherwise.
    #[test]
    fn machine_options_default_to_the_library_defaults() {
        let d = MachineConfig::default();
        for args in [&["mmsim", "run", "x.mms"][..], &["mmsim", "check", "x.mms"]] {
            let m = machine_of(args);
            assert_eq!(
                (m.ram, m.allocator, m.page_table, m.reclaim),
                (d.ram, d.allocator.clone(), d.page_table.clone(), d.reclaim.clone()),
                "{args:?}"
            );
        }
    }

    #[test]
    fn machine_options_are_read() {
        let m = machine_of(&[
            "mmsim",
            "check",
            "--ram",
            "64M",
            "--allocator",
            "bitmap",
            "--page-table",
            "x86-64-5level",
            "--reclaim",
            "clock",
            "x.mms",
        ]);
        assert_eq!((m.ram, &*m.allocator, &*m.page_table, &*m.reclaim), (64 << 20, "bitmap", "x86-64-5level", "clock"));
        let e = Cli::try_parse_from(["mmsim", "run", "--ram", "12Q", "x.mms"]).unwrap_err().to_string();
        assert!(e.contains("unknown size unit 'Q'"), "{e}");
    }

    /// An option not given is no setting, so a scenario's `machine` lines
    /// decide it; the named options apply first, then every `--set`.
    #[test]
    fn only_the_options_given_are_settings() {
        assert!(settings_of(&["mmsim", "run", "x.mms"]).is_empty());
        let got = settings_of(&[
            "mmsim",
            "check",
            "--set",
            "swappiness=100",
            "--swap",
            "zram:1M",
            "--ram",
            "64M",
            "--set",
            "page-cluster=0",
            "x.mms",
        ]);
        let want = [("ram", "64M"), ("swap", "zram:1M"), ("swappiness", "100"), ("page-cluster", "0")];
        assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())));
        let m = machine_of(&["mmsim", "run", "--set", "cpus=4", "--set", "min_free_kbytes=128", "x.mms"]);
        assert_eq!((m.nr_cpus, m.tunables.min_free_kbytes), (4, Some(128)));
    }

    #[test]
    fn bad_settings_are_refused_on_the_command_line() {
        for (arg, msg) in [
            ("swappiness=300", "bad value '300' for swappiness: at most 200"),
            ("colour=blue", "unknown machine setting 'colour'"),
            ("ram", "expected KEY=VALUE"),
        ] {
            let e = Cli::try_parse_from(["mmsim", "run", "--set", arg, "x.mms"]).unwrap_err().to_string();
            assert!(e.contains(msg), "{arg}: {e}");
        }
    }

    /// `mmsim settings` lists every key with its default.
    #[test]
    fn every_setting_is_listed_with_its_default() {
        let text = settings();
        let lines: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(lines.len(), MachineConfig::keys().count());
        for ((line, (k, meaning)), (_, default)) in
            lines.iter().zip(MachineConfig::keys()).zip(MachineConfig::default().settings())
        {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!((words[0], words[1]), (k, default.as_str()), "{line}");
            assert!(line.ends_with(meaning), "{line}");
        }
        assert!(text.contains("  ram ") && text.contains(" 1G ") && text.contains("swappiness"), "{text}");
    }

    /// `--help` shows the sizes as they are written (`1G`), not in bytes.
    #[test]
    fn the_default_ram_is_shown_as_a_size() {
        let help = <Cli as clap::CommandFactory>::command()
            .find_subcommand_mut("run")
            .expect("run")
            .render_long_help()
            .to_string();
        assert!(help.contains("[default: 1G]"), "{help}");
        assert!(help.contains("[default: buddy]") && help.contains("[default: lru]"), "{help}");
        assert!(help.contains("--set <KEY=VALUE>") && help.contains("--swap <SWAP>"), "{help}");
    }
}
