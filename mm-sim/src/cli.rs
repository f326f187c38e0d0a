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
        /// Keep only the events of functions matching GLOB (`*`, `?`;
        /// repeatable), each under its callers' entries; without
        /// `--trace`, implies it unless `--trace-summary` is given.  With
        /// `--trace-summary`, count only these functions.
        #[arg(long = "trace-filter", value_name = "GLOB")]
        trace_filter: Vec<String>,
        /// After the run, print the calls per function, most called first
        /// (`== trace summary`); without `--trace`, no chains.
        #[arg(long = "trace-summary")]
        trace_summary: bool,
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
        /// After the `ok` line, print the page allocator's fragmentation
        /// views as the run left them: `/proc/buddyinfo`,
        /// `/proc/pagetypeinfo` (allocators with migrate types) and
        /// debugfs `extfrag/extfrag_index` and `extfrag/unusable_index`.
        #[arg(long)]
        buddyinfo: bool,
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
        /// Also write the run's step-through page to OUT
        /// (docs/html-page.md): one self-contained HTML file, opened
        /// offline, with the state after every line.  Refused if OUT
        /// exists, unless `--force`.
        #[arg(long, value_name = "OUT", conflicts_with = "json")]
        html: Option<PathBuf>,
        /// Replace the `--html` file if it exists.
        #[arg(long, requires = "html")]
        force: bool,
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
        /// Write the THP settings the scenario's `machine` lines give
        /// (`thp_enabled_64k=always`, `khugepaged_max_ptes_none=0`, ...)
        /// to /sys/kernel/mm/transparent_hugepage for the run, and put
        /// the old values back after it.  Without it a scenario asking
        /// for settings the host does not have is refused.
        #[arg(long)]
        change_host_settings: bool,
    },
    /// Run the product of machine settings by workloads, each cell on a
    /// fresh machine, and report every cell's faults and counters: a
    /// table on standard output, and `--json`/`--csv` files.  The axes
    /// vary in the order given (the first slowest), the workloads
    /// fastest.
    ///
    ///   mmsim sweep --reclaim lru,clock --ram 4M,8M --swap zram:64M a.mms b.mms
    ///
    /// Exit status: 0, 1 when a cell failed (the others ran), 2 when the
    /// sweep could not start.  docs/sweep.md says more.
    Sweep(SweepArgs),
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

/// `mmsim sweep`'s options.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, verbatim_doc_comment)]
struct SweepArgs {
    #[command(subcommand)]
    cmd: Option<SweepCmd>,
    /// Workloads: scenario files, strace logs and recordings, or
    /// synthetic generators' specs (as --workload).
    #[arg(required_unless_present = "workload")]
    files: Vec<PathBuf>,
    /// A synthetic workload: GENERATOR:KEY=VALUE,...  Generators: seq,
    /// loop, uniform, zipf (theta), hotcold (hot, hotprob), phases (ws,
    /// every, shift), fragment (memory fragmented, then THP faults in a
    /// MADV_HUGEPAGE region); every one takes pages=N or size=SIZE (required), n,
    /// warmup, write (the fraction of stores) and seed.  Its MIN baseline
    /// is computed.  May be repeated.
    #[arg(long, value_name = "SPEC")]
    workload: Vec<String>,
    /// An axis: a machine setting and its values, V1,V2,...  (one value:
    /// a fixed setting).  Any key of a scenario's `machine` line: ram,
    /// allocator, page_table, reclaim, swap, cpus, swappiness,
    /// page_cluster, ...  May be repeated, one key each.
    #[arg(long = "set", value_name = "KEY=V1,V2,...")]
    set: Vec<String>,
    /// Shortcut for --set ram=...: RAM sizes (4M,8M,16M).
    #[arg(long, value_name = "SIZES")]
    ram: Option<String>,
    /// Shortcut for --set reclaim=...: reclaim policies (lru,clock).
    #[arg(long, value_name = "NAMES")]
    reclaim: Option<String>,
    /// Shortcut for --set allocator=...: page allocators (buddy,bitmap).
    #[arg(long, value_name = "NAMES")]
    allocator: Option<String>,
    /// Shortcut for --set page_table=...: page-table formats.
    #[arg(long = "page-table", value_name = "NAMES")]
    page_table: Option<String>,
    /// Shortcut for --set swap=...: swap set-ups, each `none` or areas
    /// joined by `+` (zram:16M,zram:8M+zram:8M).  Areas in host files
    /// need -j 1.
    #[arg(long, value_name = "SWAPS")]
    swap: Option<String>,
    /// Cells run at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Run shard I of N only: the cells whose index is I-1 modulo N
    /// (merge the shards' --json files with `mmsim sweep merge`).
    #[arg(long, value_name = "I/N", value_parser = crate::sweep::Shard::parse)]
    shard: Option<crate::sweep::Shard>,
    /// Write the results as JSON (every cell, every counter).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the results as CSV (a row per cell, every counter a column).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Draw a chart of the results to FILE, SVG or PNG by its extension
    /// (NAME.svg, NAME.png); --chart says which.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    chart: Box<crate::sweep::plot::PlotArgs>,
    /// Replace the --json, --csv and --plot files if they exist.
    #[arg(long)]
    force: bool,
    /// No progress bar (there is none when standard error is not a
    /// terminal either).
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum SweepCmd {
    /// Merge the --json files of a sweep's shards into the sweep's
    /// results, checking that they are of one sweep and that no cell is
    /// missing; print the table.
    Merge {
        /// The shards' --json files.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The merged JSON file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Also write the merged results as CSV.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Replace the output files if they exist.
        #[arg(long)]
        force: bool,
    },
    /// Draw a chart of the results `mmsim sweep --json` wrote (the files
    /// of a sweep's shards are merged first), SVG or PNG by the output's
    /// extension.
    Plot {
        /// The sweep's --json file, or its shards' files.
        #[arg(required = true)]
        results: Vec<PathBuf>,
        /// The image to write: NAME.svg or NAME.png.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        chart: Box<crate::sweep::plot::PlotArgs>,
    },
}

/// The sweep's axes as given on the command line, in order: `--set` and
/// the shortcuts, whichever came first.
fn sweep_axes(args: &SweepArgs, m: &clap::ArgMatches) -> Result<Vec<crate::sweep::Axis>, crate::sweep::SweepError> {
    use crate::sweep::{Axis, SweepError};
    let mut given: Vec<(usize, String, String)> = Vec::new();
    let at = |id: &str| m.indices_of(id).into_iter().flatten().collect::<Vec<usize>>();
    for (spec, i) in args.set.iter().zip(at("set")) {
        let (k, v) = spec.split_once('=').ok_or_else(|| SweepError::Syntax(spec.clone()))?;
        given.push((i, k.to_string(), v.to_string()));
    }
    let shortcuts = [
        ("ram", &args.ram),
        ("reclaim", &args.reclaim),
        ("allocator", &args.allocator),
        ("page_table", &args.page_table),
        ("swap", &args.swap),
    ];
    for (key, v) in shortcuts {
        if let (Some(v), Some(&i)) = (v, at(key).first()) {
            given.push((i, key.to_string(), v.clone()));
        }
    }
    given.sort_by_key(|g| g.0);
    given.iter().map(|(_, k, v)| Axis::new(k, v)).collect()
}

/// The workloads in the order given, files and `--workload` specs alike.
fn sweep_workloads(
    args: &SweepArgs,
    m: &clap::ArgMatches,
) -> Result<Vec<crate::sweep::Workload>, crate::sweep::SweepError> {
    use crate::sweep::Workload;
    let at = |id: &str| m.indices_of(id).into_iter().flatten().collect::<Vec<usize>>();
    let mut given: Vec<(usize, Result<Workload, _>)> = Vec::new();
    for (p, i) in args.files.iter().zip(at("files")) {
        given.push((i, p.to_str().map_or_else(|| Workload::from_file(p), Workload::from_arg)));
    }
    for (spec, i) in args.workload.iter().zip(at("workload")) {
        given.push((i, Workload::synthetic(spec)));
    }
    given.sort_by_key(|g| g.0);
    given.into_iter().map(|(_, w)| w).collect()
}

/// `mmsim sweep`.
fn sweep(args: SweepArgs, m: &clap::ArgMatches) -> ExitCode {
    use crate::sweep::{Plan, SweepError, SweepOptions, output};
    if let Some(SweepCmd::Merge { parts, output, csv, force }) = &args.cmd {
        return sweep_merge(parts, output, csv.as_deref(), *force);
    }
    if let Some(SweepCmd::Plot { results, output, force, chart }) = &args.cmd {
        return sweep_plot(results, output, *force, &chart.options());
    }
    let run = || -> Result<crate::sweep::Sweep, SweepError> {
        let axes = sweep_axes(&args, m)?;
        let plan = Plan::new(axes, sweep_workloads(&args, m)?)?;
        for out in [&args.json, &args.csv, &args.plot].into_iter().flatten() {
            output::check_new(out, args.force)?;
        }
        if let (Some(j), Some(c)) = (&args.json, &args.csv)
            && j == c
        {
            return Err(SweepError::Merge("--json and --csv name the same file".to_string()));
        }
        let chart = args.chart.options();
        if let Some(p) = &args.plot {
            if [&args.json, &args.csv].into_iter().flatten().any(|o| o == p) {
                return Err(SweepError::Merge("--plot names the same file as --json or --csv".to_string()));
            }
            crate::sweep::plot::Format::of_path(p)?;
            let axes: Vec<(String, Vec<String>)> =
                plan.axes.iter().map(|a| (a.key.clone(), a.values.clone())).collect();
            chart.check_axes(&axes)?;
        }
        let opts = SweepOptions { jobs: args.jobs, shard: args.shard, progress: !args.quiet };
        let s = crate::sweep::sweep(&plan, &opts)?;
        output::write_results(&s, args.json.as_deref(), args.csv.as_deref(), args.force)?;
        if let Some(p) = &args.plot {
            crate::sweep::plot::plot(&s, &chart, p, args.force)?;
        }
        Ok(s)
    };
    sweep_exit(run())
}

/// Prints a sweep's table; the exit status is 1 if a cell failed.
fn print_table(s: &crate::sweep::Sweep) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(crate::sweep::output::table(s).as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    if s.cells.iter().any(|c| c.error.is_some()) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// `mmsim sweep plot`: the chart of saved results.
fn sweep_plot(results: &[PathBuf], output: &Path, force: bool, chart: &crate::sweep::plot::PlotOptions) -> ExitCode {
    use crate::sweep::{Sweep, SweepError, output as out};
    let run = || -> Result<(), SweepError> {
        crate::sweep::plot::Format::of_path(output)?;
        out::check_new(output, force)?;
        if results.iter().any(|p| p == output) {
            return Err(SweepError::Merge(format!("{} is both results and the output", output.display())));
        }
        let mut docs = results
            .iter()
            .map(|p| Ok((p.display().to_string(), out::read_json(p)?)))
            .collect::<Result<Vec<_>, SweepError>>()?;
        let s = match docs.len() {
            1 => docs.remove(0).1,
            _ => Sweep::merge(docs).map_err(SweepError::Merge)?,
        };
        crate::sweep::plot::plot(&s, chart, output, force)?;
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `mmsim sweep merge`.
fn sweep_merge(parts: &[PathBuf], output: &Path, csv: Option<&Path>, force: bool) -> ExitCode {
    use crate::sweep::{Sweep, SweepError, output as out};
    let run = || -> Result<Sweep, SweepError> {
        for o in std::iter::once(output).chain(csv) {
            out::check_new(o, force)?;
            if parts.iter().any(|p| p == o) {
                return Err(SweepError::Merge(format!("{} is both a shard and an output", o.display())));
            }
        }
        let docs = parts
            .iter()
            .map(|p| Ok((p.display().to_string(), out::read_json(p)?)))
            .collect::<Result<Vec<_>, SweepError>>()?;
        let s = Sweep::merge(docs).map_err(SweepError::Merge)?;
        out::write_results(&s, Some(output), csv, force)?;
        Ok(s)
    };
    sweep_exit(run())
}

/// The table of a sweep that ran (exit status 1 if a cell failed), or
/// the error that stopped it (exit status 2).
fn sweep_exit(r: Result<crate::sweep::Sweep, crate::sweep::SweepError>) -> ExitCode {
    match r {
        Ok(s) => print_table(&s),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

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
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match cli.cmd {
        Cmd::Sweep(args) => {
            let m = matches.subcommand_matches("sweep").expect("the sweep command");
            sweep(args, m)
        }
        Cmd::Backends => {
            print!("{}", backends());
            ExitCode::SUCCESS
        }
        Cmd::Snapshot { log, output, root } => snapshot(&log, &output, &root),
        Cmd::Real { file, output, force, change_host_settings } => {
            crate::real::real(&crate::real::RealOptions { file, output, force, change_host_settings })
        }
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
            trace_filter,
            trace_summary,
            trace_walk,
            machine,
            image,
            write_image,
            root,
            root_fs_type,
            stats,
            buddyinfo,
            strace,
            maps_at_exit,
            maps_at_read,
            check,
            strict,
            json,
            html,
            force,
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
                // A filter alone asks for the filtered chains.
                trace: trace || (!trace_filter.is_empty() && !trace_summary),
                trace_filter,
                trace_summary,
                trace_walk,
                stats,
                buddyinfo,
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
            if let Some(path) = &html {
                return run_html(&parsed, &file, path, force, strict, check, &opts);
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

/// `mmsim run --html PATH`: runs `parsed` (read from `file`) watched for
/// the page, prints what `mmsim run` prints and exits as it does, and
/// writes the page to `path` (a new file unless `force`), also when the
/// run stopped (the page of the lines run).
fn run_html(
    parsed: &Parsed,
    file: &Path,
    path: &Path,
    force: bool,
    strict: bool,
    check: bool,
    opts: &RunOptions,
) -> ExitCode {
    if let Err(e) = crate::sweep::output::check_new(path, force) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let input = match parsed {
        Parsed::Scenario(s) => crate::html::Input::Scenario(s),
        Parsed::Log(l) => crate::html::Input::Log(l),
        Parsed::Bundle(b) => crate::html::Input::Bundle(b, check),
    };
    // The title is the file's name: the page does not depend on where
    // the file is.
    let title = file.file_name().map_or_else(|| file.to_string_lossy(), |n| n.to_string_lossy());
    let c = crate::html::collect(input, &title, opts);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(c.output.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    if !c.json.is_empty()
        && let Err(e) = crate::sweep::output::write_new(path, &crate::html::render(&c.json), force)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    match c.error {
        None if c.differences > 0 => ExitCode::from(1),
        None if strict && has_divergence(&c.output) => ExitCode::from(1),
        None => ExitCode::SUCCESS,
        Some(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
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

    /// The axes of `mmsim sweep` in command-line order, `--set` and
    /// shortcuts alike; `merge` is a command of its own.
    #[test]
    fn sweep_options_are_read() {
        let argv = [
            "mmsim",
            "sweep",
            "--ram",
            "4M,8M",
            "--set",
            "page-cluster=0,3",
            "-j",
            "2",
            "--reclaim",
            "lru,clock",
            "--set",
            "swappiness=60",
            "--shard",
            "2/3",
            "--json",
            "r.json",
            "a.mms",
            "b.log",
        ];
        let m = <Cli as clap::CommandFactory>::command().try_get_matches_from(argv).expect("parses");
        let Cmd::Sweep(args) = <Cli as clap::FromArgMatches>::from_arg_matches(&m).expect("args").cmd else {
            panic!("not sweep")
        };
        let axes = sweep_axes(&args, m.subcommand_matches("sweep").expect("sweep")).expect("axes");
        let keys: Vec<(&str, usize)> = axes.iter().map(|a| (a.key.as_str(), a.values.len())).collect();
        assert_eq!(keys, [("ram", 2), ("page_cluster", 2), ("reclaim", 2), ("swappiness", 1)]);
        assert_eq!(args.files, [PathBuf::from("a.mms"), PathBuf::from("b.log")]);
        assert_eq!((args.jobs, args.shard.map(|s| s.to_string())), (Some(2), Some("2/3".to_string())));

        let m = Cli::try_parse_from(["mmsim", "sweep", "merge", "a.json", "b.json", "-o", "all.json"]).expect("merge");
        let Cmd::Sweep(SweepArgs { cmd: Some(SweepCmd::Merge { parts, output, .. }), .. }) = m.cmd else {
            panic!("not merge")
        };
        assert_eq!((parts.len(), output), (2, PathBuf::from("all.json")));

        for bad in [&["mmsim", "sweep", "--ram", "4M"][..], &["mmsim", "sweep", "--shard", "4/3", "a.mms"]] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
        let m = <Cli as clap::CommandFactory>::command()
            .try_get_matches_from(["mmsim", "sweep", "--set", "ram", "a.mms"])
            .expect("parses");
        let Cmd::Sweep(args) = <Cli as clap::FromArgMatches>::from_arg_matches(&m).expect("args").cmd else {
            panic!("not sweep")
        };
        let e = sweep_axes(&args, m.subcommand_matches("sweep").expect("sweep")).unwrap_err();
        assert_eq!(e.to_string(), "expected KEY=V1,V2,... in 'ram'");
    }

    /// The chart options of `mmsim sweep --plot` and `mmsim sweep plot`.
    #[test]
    fn chart_options_are_read() {
        use crate::sweep::plot::{ChartKind, Metric, PlotOptions};
        let argv = [
            "mmsim",
            "sweep",
            "--ram",
            "4M,8M",
            "a.mms",
            "--plot",
            "c.svg",
            "--chart",
            "bars",
            "--chart-at",
            "ram=8M",
            "--chart-metric",
            "page-ins",
        ];
        let Cmd::Sweep(args) = Cli::try_parse_from(argv).expect("parses").cmd else { panic!("not sweep") };
        assert_eq!(args.plot, Some(PathBuf::from("c.svg")));
        let want = PlotOptions {
            kind: ChartKind::Bars,
            metric: Metric::PageIns,
            x: "ram".into(),
            at: vec![("ram".into(), "8M".into())],
        };
        assert_eq!(args.chart.options(), want);
        let Cmd::Sweep(args) = Cli::try_parse_from(["mmsim", "sweep", "a.mms"]).expect("parses").cmd else {
            panic!("not sweep")
        };
        assert_eq!((args.plot, args.chart.options()), (None, PlotOptions::default()));
        let argv = ["mmsim", "sweep", "plot", "r1.json", "r2.json", "-o", "c.png", "--chart-x", "swap"];
        let Cmd::Sweep(SweepArgs { cmd: Some(SweepCmd::Plot { results, output, force, chart }), .. }) =
            Cli::try_parse_from(argv).expect("parses").cmd
        else {
            panic!("not sweep plot")
        };
        assert_eq!((results.len(), output, force, chart.x.as_str()), (2, PathBuf::from("c.png"), false, "swap"));
        for (bad, why) in [
            (&["mmsim", "sweep", "a.mms", "--chart", "pie"][..], "unknown chart 'pie'"),
            (&["mmsim", "sweep", "a.mms", "--chart-at", "ram"], "expected KEY=VALUE"),
            (&["mmsim", "sweep", "a.mms", "--chart-metric", "hits"], "unknown metric 'hits'"),
            (&["mmsim", "sweep", "plot", "r.json"], "--output"),
        ] {
            let e = Cli::try_parse_from(bad).expect_err("refused").to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    /// The README's command that draws docs/sweep-reclaim.svg is one
    /// `mmsim sweep` takes: 2 policies by 10 RAM sizes by 3 workloads, a
    /// chart whose options fit the axes.
    #[test]
    fn the_readme_sweep_command_parses() {
        let readme = include_str!("../../README.md");
        let block = readme
            .split("```sh\n")
            .filter_map(|b| b.split("```").next())
            .find(|b| b.contains("--plot docs/sweep-reclaim.svg"))
            .expect("the README shows the command");
        let words: Vec<&str> = block.split_whitespace().filter(|w| *w != "\\").collect();
        let (cargo, argv) = words.split_at(words.iter().position(|w| *w == "--").expect("cargo run ... --") + 1);
        assert_eq!(cargo, ["cargo", "run", "--release", "-p", "mm-sim", "--"]);
        let argv: Vec<&str> = std::iter::once("mmsim").chain(argv.iter().copied()).collect();
        let m = <Cli as clap::CommandFactory>::command().try_get_matches_from(&argv).expect("parses");
        let Cmd::Sweep(args) = <Cli as clap::FromArgMatches>::from_arg_matches(&m).expect("args").cmd else {
            panic!("not sweep")
        };
        let m = m.subcommand_matches("sweep").expect("sweep");
        let plan =
            crate::sweep::Plan::new(sweep_axes(&args, m).expect("axes"), sweep_workloads(&args, m).expect("workloads"))
                .expect("a plan");
        let shape: Vec<(&str, usize)> = plan.axes.iter().map(|a| (a.key.as_str(), a.values.len())).collect();
        assert_eq!(shape, [("reclaim", 2), ("ram", 10), ("swap", 1), ("page_cluster", 1)]);
        assert_eq!(plan.workloads.len(), 3);
        assert_eq!(args.plot.as_deref(), Some(Path::new("docs/sweep-reclaim.svg")));
        assert!(args.force, "the picture is in the repository: redrawing it replaces it");
        let axes: Vec<(String, Vec<String>)> = plan.axes.iter().map(|a| (a.key.clone(), a.values.clone())).collect();
        args.chart.options().check_axes(&axes).expect("the chart fits the sweep");
    }

    /// `mmsim sweep plot` draws saved results, merging shards; it makes
    /// new files only, and none when it refuses.
    #[test]
    fn run_html_writes_a_new_page_and_replaces_one_only_with_force() {
        let dir = std::env::temp_dir().join(format!("mmsim-run-html-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let src = "window 0x100000000 0x101000000\nmmap(0x100000000, 4096, PROT_READ|PROT_WRITE, \
                   MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\nstore 0x100000000 1 0x11\n";
        let parsed = Parsed::Scenario(parse(src.as_bytes()).expect("parses"));
        let file = dir.join("s.mms");
        let out = dir.join("p.html");
        let opts = RunOptions::default();
        let ok = |r: ExitCode| r == ExitCode::SUCCESS;
        std::fs::write(&out, "mine").expect("write");
        assert!(!ok(run_html(&parsed, &file, &out, false, false, false, &opts)), "exists");
        assert_eq!(std::fs::read_to_string(&out).expect("there"), "mine", "not touched without --force");
        assert!(ok(run_html(&parsed, &file, &out, true, false, false, &opts)), "--force");
        let page = std::fs::read_to_string(&out).expect("written");
        assert!(page.contains(r#""title":"s.mms""#), "{}", &page[..page.len().min(500)]);
        std::fs::remove_file(&out).expect("remove");
        assert!(ok(run_html(&parsed, &file, &out, false, false, false, &opts)), "a new file");
        assert_eq!(std::fs::read_to_string(&out).expect("written"), page, "the same run, the same page");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sweep_plot_draws_saved_results() {
        use crate::sweep::output::json;
        let dir = std::env::temp_dir().join(format!("mmsim-sweep-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let s = crate::sweep::plot::tests::sweep();
        let whole = dir.join("all.json");
        std::fs::write(&whole, json(&s)).expect("write");
        let mut shards = Vec::new();
        for i in 1..=2 {
            let part = crate::sweep::Sweep {
                shard: Some((i, 2)),
                cells: s.cells.iter().filter(|c| c.index % 2 + 1 == i).cloned().collect(),
                ..s.clone()
            };
            let p = dir.join(format!("part{i}.json"));
            std::fs::write(&p, json(&part)).expect("write");
            shards.push(p);
        }
        let opts = crate::sweep::plot::PlotOptions::default();
        let ok = |r: ExitCode| r == ExitCode::SUCCESS;
        let png = dir.join("c.png");
        assert!(ok(sweep_plot(std::slice::from_ref(&whole), &png, false, &opts)));
        let first = std::fs::read(&png).expect("written");
        assert_eq!(&first[..8], b"\x89PNG\r\n\x1a\n");
        assert!(!ok(sweep_plot(std::slice::from_ref(&whole), &png, false, &opts)), "exists");
        assert!(ok(sweep_plot(&shards, &png, true, &opts)), "shards merged, --force");
        assert_eq!(std::fs::read(&png).expect("written"), first, "the merge draws the same chart");
        // One shard alone is drawn as it is: half the cells.
        assert!(ok(sweep_plot(&shards[..1], &dir.join("half.svg"), false, &opts)));
        assert!(std::fs::read_to_string(dir.join("half.svg")).expect("written").starts_with("<svg"));
        for bad in [dir.join("c.jpg"), dir.join("d.svg")] {
            let bad_opts = crate::sweep::plot::PlotOptions { x: "reclaim".into(), ..opts.clone() };
            assert!(!ok(sweep_plot(std::slice::from_ref(&whole), &bad, false, &bad_opts)));
            assert!(!bad.exists(), "{} not made", bad.display());
        }
        assert!(!ok(sweep_plot(std::slice::from_ref(&png), &dir.join("e.svg"), false, &opts)), "not JSON");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Workloads in command-line order, specs in place of files too.
    #[test]
    fn sweep_workloads_are_in_order() {
        let argv = ["mmsim", "sweep", "--workload", "loop:pages=8", "seq:pages=8", "--workload", "uniform:pages=8"];
        let m = <Cli as clap::CommandFactory>::command().try_get_matches_from(argv).expect("parses");
        let Cmd::Sweep(args) = <Cli as clap::FromArgMatches>::from_arg_matches(&m).expect("args").cmd else {
            panic!("not sweep")
        };
        let w = sweep_workloads(&args, m.subcommand_matches("sweep").expect("sweep")).expect("workloads");
        let names: Vec<&str> = w.iter().map(|w| w.name.split(':').next().unwrap_or("")).collect();
        assert_eq!(names, ["loop", "seq", "uniform"]);
        assert!(Cli::try_parse_from(["mmsim", "sweep", "--ram", "1M"]).is_err(), "no workload");
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
