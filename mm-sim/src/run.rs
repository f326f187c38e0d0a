//! Running a parsed scenario on the simulator and printing what the
//! real-kernel runner prints.
//!
//! Out of memory (rules of mmsim's own, README "Run under memory
//! pressure"): a failed `fork` prints `-1 ENOMEM` and the run goes on; a
//! process the OOM killer kills (`# oom-kill`, or its own access's
//! `SIGKILL`) is gone, and each later line the script gives it, or gives
//! a child whose `fork` failed, prints `# gone` instead of running.  A run
//! that must stop returns its output so far with the error ([`Stopped`]).

use crate::scenario::{Expect, Line, MachineSetting, NAMED_WINDOW_END, NameRef, Op, Scenario, fmt_name_ref};
use crate::trace::RunTrace;
use mm_core::errno::{Errno, Signal};
use mm_core::fs::MountError;
use mm_core::machine::{ConfigError, MachineConfig, SettingError};
use mm_core::mm::task_mmu::MemSizeStats;
use mm_core::swap::HostFileId;
use mm_core::{Kernel, Pid};
use std::fmt::Write as _;
use std::sync::Arc;

use mm_core::PAGE_SIZE as PAGE;

/// How to run a scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The machine to build, before the scenario's `machine` lines and
    /// [`settings`](Self::settings) change it ([`machine_for`](Self::machine_for)).
    pub machine: MachineConfig,
    /// Settings by name ([`MachineConfig::set`]; `mmsim`'s command line),
    /// applied in order after the scenario's `machine` lines: a key given
    /// here replaces what the scenario says of it (`swap`: all its areas).
    pub settings: Vec<(String, String)>,
    /// The host files the run reads (the scenario, the image, the root):
    /// no swap area may be one of them.
    pub in_use: Vec<HostFileId>,
    /// Interleave the call chain of every operation with the output.
    pub trace: bool,
    /// Function names or globs (`shrink_*`): the chains keep the events
    /// of these functions and their callers only, and the summary counts
    /// these functions only (`crate::trace`).
    pub trace_filter: Vec<String>,
    /// After the run, print the calls per function (`== trace summary`).
    pub trace_summary: bool,
    /// With `trace`: also every access that does not fault, its TLB hit
    /// or miss and, on a miss, the page walk level by level.
    pub trace_walk: bool,
    /// An ext4 image to resolve `openat` paths in; exclusive with `root`.
    pub image: Option<String>,
    /// Write dirty pages back into the image file in place; without it
    /// the image is never written (writeback goes to memory).
    pub write_image: bool,
    /// Print `vmstat` and `meminfo` blocks after the `ok` line.
    pub stats: bool,
    /// Print `buddyinfo`, `pagetypeinfo`, `extfrag_index` and
    /// `unusable_index` blocks after the `ok` line (and `vmstat`'s).
    pub buddyinfo: bool,
    /// Run the file as an strace log even without an `execve(` line.
    pub strace: bool,
    /// strace logs: print each process's maps when its thread group
    /// exits (`== maps pid P at exit (line N)`).
    pub maps_at_exit: bool,
    /// strace logs: print a process's maps at the first `read` of each
    /// open of `/proc/P/maps` (`== maps pid P at read (line N)`).
    pub maps_at_read: bool,
    /// A host directory (or a root snapshot file) served as `/` by the
    /// `host` filesystem; exclusive with `image`.
    pub root: Option<String>,
    /// The filesystem type every `root` file takes (`ext4`, `tmpfs` ...)
    /// instead of its host filesystem's.
    pub root_fs_type: Option<String>,
    /// A root snapshot's text (a recording's `== root` part) served as `/`
    /// when neither `root` nor `image` is given.
    pub root_snapshot: Option<Arc<Vec<u8>>>,
}

impl RunOptions {
    /// The machine a run builds: [`machine`](Self::machine), then the
    /// scenario's `machine` lines (`scenario`), then
    /// [`settings`](Self::settings); every swap area gets
    /// [`in_use`](Self::in_use).
    pub fn machine_for(&self, scenario: &[MachineSetting]) -> Result<MachineConfig, RunError> {
        let mut cfg = self.machine.clone();
        let overridden = |key: &str| self.settings.iter().any(|(k, _)| canonical_key(k) == key);
        for m in scenario.iter().filter(|m| !overridden(&m.key)) {
            cfg.set(&m.key, &m.value).map_err(|source| RunError::Setting { line: Some(m.line), source })?;
        }
        if self.settings.iter().any(|(k, _)| canonical_key(k) == "swap") {
            cfg.swap.clear();
        }
        for (k, v) in &self.settings {
            cfg.set(k, v).map_err(|source| RunError::Setting { line: None, source })?;
        }
        for s in &mut cfg.swap {
            s.config.in_use.extend(self.in_use.iter().cloned());
        }
        Ok(cfg)
    }
}

/// A setting's key as [`MachineConfig::set`] reads it (`-` is `_`).
fn canonical_key(key: &str) -> String {
    key.trim().replace('-', "_")
}

/// Why a scenario could not be run.
#[derive(Debug)]
pub enum RunError {
    /// The machine could not be built.
    Config(ConfigError),
    /// A machine setting was refused: a scenario's `machine` line (its
    /// line), or one of [`RunOptions::settings`].
    Setting { line: Option<usize>, source: SettingError },
    /// The simulated machine ran out of memory for a `file` line's pages
    /// or for the first process.
    OutOfMemory { line: usize },
    /// Both a root directory (or snapshot) and an image were given.
    RootAndImage,
    /// The image or root could not be mounted.
    Mount(MountError),
    /// An strace log cannot be replayed further (`line N: ...`).
    Log(String),
    /// A trace filter pattern was refused.
    TraceFilter(mm_core::trace::TraceFilterError),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Config(e) => write!(f, "{e}"),
            RunError::Setting { line: Some(line), source } => write!(f, "line {line}: machine: {source}"),
            RunError::Setting { line: None, source } => write!(f, "{source}"),
            RunError::OutOfMemory { line } => {
                write!(f, "line {line}: the simulated machine is out of memory")
            }
            RunError::RootAndImage => f.write_str("--root and --image cannot be used together"),
            RunError::Mount(e) => write!(f, "{e}"),
            RunError::Log(e) => f.write_str(e),
            RunError::TraceFilter(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Config(e) => Some(e),
            RunError::Setting { source, .. } => Some(source),
            RunError::Mount(e) => std::error::Error::source(e),
            RunError::TraceFilter(e) => Some(e),
            _ => None,
        }
    }
}

/// A run that had to stop: the error, and everything the run printed
/// before it (a run never discards its output).
#[derive(Debug)]
pub struct Stopped {
    /// The output up to the line that stopped the run.
    pub output: String,
    /// Why it stopped.
    pub error: RunError,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Stopped {}

/// Why a scenario process is not there to perform its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gone {
    /// The OOM killer killed it.
    Killed,
    /// Its `fork` failed or was not performed.
    NeverCreated,
}

fn fmt_result(val: u64, err: Option<Errno>, is_addr: bool) -> String {
    match err {
        Some(e) => format!("-1 {} ({})", e.name(), e.text()),
        None if is_addr => fmt_hex(val),
        None => format!("{}", val as i64),
    }
}

/// `%#lx`: `0x1f`, but plain `0` for zero.
fn fmt_hex(v: u64) -> String {
    if v == 0 { "0".to_string() } else { format!("{v:#x}") }
}

fn fmt_expected(e: &Expect, is_addr: bool) -> String {
    match e {
        Expect::Error(name) => match Errno::from_name(name) {
            Some(er) => format!("-1 {} ({})", name, er.text()),
            None => format!("-1 {name}"),
        },
        // Names are resolved by the runner before a result is reported
        // (`Runner::check_result`); without the name table, its number.
        Expect::Name(r) => format!("$#{}{:+#x}", r.name, r.off),
        Expect::Value(-1) => "-1".to_string(),
        Expect::Value(v) => fmt_result(*v as u64, None, is_addr),
        Expect::Any => String::new(),
    }
}

/// (v1.4) The addresses a run bound to the scenario's names (`= $a`), and
/// how output shows addresses near them.
///
/// A successful binding names the *region* `[value, value + LEN)` (LEN the
/// `mmap` length or the `mremap` new length, rounded up to pages); a failed
/// one binds `-1` (`MAP_FAILED`) and names no region.  An address is shown
/// relative to the most recently bound name whose region, end included,
/// holds it; any other address as a number.
pub(crate) struct Names<'a> {
    names: &'a [String],
    /// Per name: its value and region length (0: no region), once bound.
    vals: Vec<Option<(u64, u64)>>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(names: &'a [String]) -> Names<'a> {
        Names { names, vals: vec![None; names.len()] }
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The address `r` stands for (an unbound name, which the parser does
    /// not let through, counts as `-1`).
    pub(crate) fn resolve(&self, r: NameRef) -> u64 {
        let v = self.vals[r.name].map_or(u64::MAX, |(v, _)| v);
        v.wrapping_add(r.off as u64)
    }

    pub(crate) fn bind(&mut self, i: usize, r: Result<u64, Errno>, len: u64) {
        self.vals[i] = Some(match r {
            Ok(v) => (v, len.div_ceil(PAGE).saturating_mul(PAGE)),
            Err(_) => (u64::MAX, 0),
        });
    }

    /// The named regions `(name, start, end)`, in binding order.
    fn regions(&self) -> impl DoubleEndedIterator<Item = (usize, u64, u64)> + '_ {
        self.vals.iter().enumerate().filter_map(|(i, v)| match v {
            Some((s, len)) if *len > 0 => Some((i, *s, s.saturating_add(*len))),
            _ => None,
        })
    }

    /// `x` relative to name `i`.
    fn rel(&self, i: usize, x: u64) -> String {
        let v = self.vals[i].map_or(u64::MAX, |(v, _)| v);
        fmt_name_ref(&self.names[i], x.wrapping_sub(v) as i64)
    }

    /// `x` relative to the most recent name whose region (end included)
    /// holds it; else, for an address at or above [`NAMED_WINDOW_END`]
    /// (where the runners' kernel-chosen addresses differ), relative to
    /// the nearest name (the most recent of equally near ones); else
    /// `None`.
    fn relative(&self, x: u64) -> Option<String> {
        if let Some((i, ..)) = self.regions().rev().find(|&(_, s, e)| s <= x && x <= e) {
            return Some(self.rel(i, x));
        }
        if x < NAMED_WINDOW_END {
            return None;
        }
        let mut best: Option<(u64, usize)> = None;
        for (i, s, _) in self.regions() {
            let d = x.abs_diff(s);
            if best.is_none_or(|(bd, _)| d <= bd) {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| self.rel(i, x))
    }

    /// An address as results and fault lines print it (`%#lx`).
    pub(crate) fn fmt_hex(&self, x: u64) -> String {
        self.relative(x).unwrap_or_else(|| fmt_hex(x))
    }

    /// An address as maps and present lines print it (`%08lx`).
    fn fmt_08x(&self, x: u64) -> String {
        self.relative(x).unwrap_or_else(|| format!("{x:08x}"))
    }
}

struct Runner<'a> {
    s: &'a Scenario,
    /// (v1.4) The names' values.
    names: Names<'a>,
    k: Kernel,
    /// The current process's id.
    pid: Pid,
    /// The kernel's process id of each scenario process (`None` once it
    /// exited, or if it is gone).
    procs: Vec<Option<Pid>>,
    /// The scenario processes that are gone, and why.
    gone: Vec<Option<Gone>>,
    /// Lines performed (not reported gone).
    performed: usize,
    /// The current scenario process.
    cur: usize,
    out: String,
    trace: Option<RunTrace>,
    /// The line whose file did not fit in the simulated memory.
    oom: Option<usize>,
    /// `(minflt, majflt)` of the processes that exited or were killed.
    exited_faults: (u64, u64),
}

/// Compares a call's result `r` with what line `line` expected and prints
/// `# diverged: ...` if they differ.
pub(crate) fn report_result(out: &mut String, line: usize, is_addr: bool, expect: &Expect, r: Result<u64, Errno>) {
    let (val, err) = match r {
        Ok(v) => (v, None),
        Err(e) => (u64::MAX, Some(e)),
    };
    let ok = match expect {
        Expect::Any => {
            if err.is_some() {
                let got = fmt_result(val, err, is_addr);
                let _ = writeln!(out, "# diverged: line {line}: expected success, got {got}");
            }
            return;
        }
        Expect::Error(name) => err.is_some_and(|e| e.name() == name),
        Expect::Value(v) => err.is_none() && val as i64 == *v,
        // See `fmt_expected`: the caller compared the value itself.
        Expect::Name(_) => err.is_none(),
    };
    if !ok {
        let got = fmt_result(val, err, is_addr);
        let exp = fmt_expected(expect, is_addr);
        let _ = writeln!(out, "# diverged: line {line}: expected {exp}, got {got}");
    }
}

impl Runner<'_> {
    fn check_result(&mut self, l: &Line, r: Result<u64, Errno>) {
        if let Some(i) = l.bind {
            let len = match l.op {
                Op::Mmap { len, .. } => len,
                Op::Mremap { new_len, .. } => new_len,
                _ => 0,
            };
            report_result(&mut self.out, l.line, true, &Expect::Any, r);
            self.names.bind(i, r, len);
            return;
        }
        if let Expect::Name(nr) = l.expect {
            // Shown relative to the name it expected: both runners agree on
            // where the kernel put things relative to each other.
            let want = self.names.resolve(nr);
            let exp = fmt_name_ref(&self.s.names[nr.name], nr.off);
            let got = match r {
                Ok(v) if v == want => return,
                Ok(v) => self.names.rel(nr.name, v),
                Err(e) => fmt_result(0, Some(e), false),
            };
            let _ = writeln!(self.out, "# diverged: line {}: expected {exp}, got {got}", l.line);
            return;
        }
        if !self.names.is_empty() && l.op.returns_addr() {
            // An address the kernel chose in a named region prints relative
            // to its name.
            let mut text = String::new();
            report_result(&mut text, l.line, true, &l.expect, r);
            if let (Ok(v), Some((head, _))) = (r, text.rsplit_once(", got ")) {
                text = format!("{head}, got {}\n", self.names.fmt_hex(v));
            }
            self.out.push_str(&text);
            return;
        }
        report_result(&mut self.out, l.line, l.op.returns_addr(), &l.expect, r);
    }

    /// Why scenario process `k` is gone, if it is.
    fn gone(&self, k: usize) -> Option<Gone> {
        self.gone.get(k).copied().flatten()
    }

    fn set_gone(&mut self, k: usize, why: Gone) {
        if self.gone.len() <= k {
            self.gone.resize(k + 1, None);
        }
        self.gone[k] = Some(why);
        if let Some(p) = self.procs.get_mut(k) {
            *p = None;
        }
    }

    /// `# gone: line N: process K ...` for a line that process `k` cannot
    /// perform.
    fn report_gone(&mut self, l: &Line, k: usize, why: Gone) {
        let _ = match why {
            Gone::Killed => writeln!(self.out, "# gone: line {}: process {k} was killed", l.line),
            Gone::NeverCreated => writeln!(self.out, "# gone: line {}: process {k} was never created", l.line),
        };
    }

    /// Reaps the processes the OOM killer killed during line `l`: another
    /// process's death is printed (`# oom-kill`); the current process's
    /// shows as its access's `SIGKILL`.
    fn reap_oom_kills(&mut self, l: &Line) {
        for pid in self.k.take_oom_kills() {
            self.account_exit(pid);
            self.k.exit(pid);
            let Some(j) = self.procs.iter().position(|&p| p == Some(pid)) else { continue };
            self.set_gone(j, Gone::Killed);
            if j != self.cur {
                let _ = writeln!(self.out, "# oom-kill: line {}: process {j}", l.line);
            }
        }
    }

    /// Adds the faults of `pid`, about to exit, to the run's total.
    fn account_exit(&mut self, pid: Pid) {
        if let Ok((min, maj)) = self.k.faults(pid) {
            self.exited_faults.0 += min;
            self.exited_faults.1 += maj;
        }
    }

    /// `(minflt, majflt)` of every process the run had.
    fn total_faults(&self) -> (u64, u64) {
        let (mut min, mut maj) = self.exited_faults;
        for &pid in self.procs.iter().flatten() {
            if let Ok((a, b)) = self.k.faults(pid) {
                min += a;
                maj += b;
            }
        }
        (min, maj)
    }

    fn access(&mut self, l: &Line, addr: u64, len: u64, store: Option<u8>) {
        let pid = self.pid;
        let names = std::mem::replace(&mut self.names, Names::new(&[]));
        let fmt_addr = |a: u64| names.fmt_hex(a);
        let text = access_pages_fmt(l.line, addr, len, store.is_none(), &fmt_addr, |a| {
            let r = match store {
                Some(v) => self.k.store(pid, a, v).map(|()| 0),
                None => self.k.load(pid, a),
            };
            self.reap_oom_kills(l);
            r
        });
        self.names = names;
        self.out.push_str(&text);
    }

    fn dump(&mut self, label: &str, smaps: bool) {
        let (lo, hi) = self.s.window;
        if self.s.any_fork {
            let _ = if label.is_empty() {
                writeln!(self.out, "== dump (process {})", self.cur)
            } else {
                writeln!(self.out, "== dump {label} (process {})", self.cur)
            };
        } else if label.is_empty() {
            self.out.push_str("== dump\n");
        } else {
            let _ = writeln!(self.out, "== dump {label}");
        }
        if self.names.is_empty() {
            dump_body(&mut self.out, &self.k, self.pid, lo, hi, smaps);
        } else {
            dump_body_named(&mut self.out, &self.k, self.pid, lo, hi, &self.names, smaps);
        }
    }

    fn flush_trace(&mut self, l: &Line) {
        if let Some(t) = &self.trace {
            let lines = t.take();
            if !lines.is_empty() {
                let _ = writeln!(self.out, "-- line {}: {}", l.line, l.text);
                for t in lines {
                    let _ = writeln!(self.out, "  {t}");
                }
            }
        }
    }

    fn run_line(&mut self, l: &Line) {
        // The parser knows which process runs each line; a `process K`
        // line is about K.  A line for a process that is gone is not
        // performed, and neither is the child of a `fork` it had.
        let by = match l.op {
            Op::Process { k } => k,
            _ => l.proc,
        };
        if let Some(why) = self.gone(by) {
            self.report_gone(l, by, why);
            if let Op::Fork { child } = l.op {
                self.set_gone(child, Gone::NeverCreated);
            }
            return;
        }
        self.performed += 1;
        if let Op::Process { k } = l.op
            && let Some(Some(p)) = self.procs.get(k)
        {
            self.cur = k;
            self.pid = *p;
            return;
        }
        if let Some(Some(p)) = self.procs.get(l.proc) {
            self.cur = l.proc;
            self.pid = *p;
        }
        let pid = self.pid;
        let resolved;
        let op = if l.addr_refs.iter().any(Option::is_some) {
            let mut op = l.op.clone();
            for (slot, r) in op.addr_slots().into_iter().zip(l.addr_refs) {
                if let (Some(slot), Some(r)) = (slot, r) {
                    *slot = self.names.resolve(r);
                }
            }
            resolved = op;
            &resolved
        } else {
            &l.op
        };
        let k = &self.k;
        let r = match op {
            Op::Load { addr, len } => {
                self.access(l, *addr, *len, None);
                None
            }
            Op::Store { addr, len, val } => {
                self.access(l, *addr, *len, Some(*val));
                None
            }
            Op::Dump { label, smaps } => {
                self.dump(label, *smaps);
                None
            }
            Op::File { name, size } => {
                // Byte i of the file is (i / 4096 + i) & 0xff: byte j of
                // page p is (p + j) & 0xff.
                let fill = std::sync::Arc::new(|p: u64, page: &mut [u8]| {
                    for (j, b) in page.iter_mut().enumerate() {
                        *b = (p as usize + j) as u8;
                    }
                });
                if k.create_scenario_file(name, *size, fill).is_err() {
                    self.oom = Some(l.line);
                }
                None
            }
            Op::Openat { path, flags } => Some(k.sys_openat(pid, path, *flags)),
            Op::Close { fd } => Some(k.sys_close(pid, *fd)),
            Op::Mmap { addr, len, prot, flags, fd, off } => {
                Some(k.sys_mmap(pid, *addr, *len, *prot, *flags, *fd, *off))
            }
            Op::Munmap { addr, len } => Some(k.sys_munmap(pid, *addr, *len)),
            Op::Mprotect { addr, len, prot } => Some(k.sys_mprotect(pid, *addr, *len, *prot)),
            Op::Mremap { old, old_len, new_len, flags, new_addr } => {
                Some(k.sys_mremap(pid, *old, *old_len, *new_len, *flags, *new_addr))
            }
            Op::Madvise { addr, len, advice } => Some(k.sys_madvise(pid, *addr, *len, *advice)),
            Op::Brk { addr } => Some(k.sys_brk(pid, *addr)),
            Op::Msync { addr, len, flags } => Some(k.sys_msync(pid, *addr, *len, *flags)),
            Op::Mlock { addr, len } => Some(k.sys_mlock(pid, *addr, *len)),
            Op::Mlock2 { addr, len, flags } => Some(k.sys_mlock2(pid, *addr, *len, *flags)),
            Op::Munlock { addr, len } => Some(k.sys_munlock(pid, *addr, *len)),
            Op::Mlockall { flags } => Some(k.sys_mlockall(pid, *flags)),
            Op::Munlockall => Some(k.sys_munlockall(pid)),
            Op::Mincore { addr, len } => Some(k.sys_mincore(pid, *addr, *len).map(|vec| {
                if !vec.is_empty() {
                    let _ = write!(self.out, "# mincore: line {}:", l.line);
                    self.out.push(' ');
                    self.out.extend(vec.iter().map(|&b| if b & 1 != 0 { '1' } else { '0' }));
                    self.out.push('\n');
                }
                0
            })),
            Op::Ftruncate { fd, len } => Some(k.sys_ftruncate(pid, *fd, *len)),
            Op::Fallocate { fd, mode, off, len } => Some(k.sys_fallocate(pid, *fd, *mode, *off, *len)),
            Op::Rw { write, fd, addr, len, pos } => {
                let r = match (write, pos) {
                    (false, None) => k.sys_read(pid, *fd, *addr, *len),
                    (false, Some(p)) => k.sys_pread64(pid, *fd, *addr, *len, *p),
                    (true, None) => k.sys_write(pid, *fd, *addr, *len),
                    (true, Some(p)) => k.sys_pwrite64(pid, *fd, *addr, *len, *p),
                };
                self.reap_oom_kills(l);
                Some(r)
            }
            Op::Fork { child } => {
                match self.k.fork(pid) {
                    Ok(c) => {
                        if self.procs.len() <= *child {
                            self.procs.resize(*child + 1, None);
                        }
                        self.procs[*child] = Some(c);
                        let _ = writeln!(self.out, "# fork: line {}: process {child}", l.line);
                    }
                    Err(e) => {
                        // fork(2) fails and the parent goes on; the child's
                        // number names a process that never existed.
                        let got = fmt_result(0, Some(e), false);
                        let _ = writeln!(self.out, "# fork: line {}: {got}", l.line);
                        self.set_gone(*child, Gone::NeverCreated);
                    }
                }
                None
            }
            Op::Process { .. } => None,
            Op::Khugepaged => {
                self.k.khugepaged_full_scans(crate::scenario::KHUGEPAGED_FULL_SCANS);
                None
            }
            Op::Exit { proc, next } => {
                self.account_exit(pid);
                self.k.exit(pid);
                self.procs[*proc] = None;
                let _ = match next {
                    Some(j) => writeln!(self.out, "# exit: line {}: process {proc}, now process {j}", l.line),
                    None => writeln!(self.out, "# exit: line {}: process {proc}, none left", l.line),
                };
                if let Some(Some(p)) = next.and_then(|j| self.procs.get(j)) {
                    self.cur = next.unwrap_or(0);
                    self.pid = *p;
                }
                None
            }
        };
        if let Some(r) = r {
            self.check_result(l, r);
        }
    }
}

/// Mounts the run's root filesystem on `k`: the ext4 image, or the host
/// directory (or root snapshot) `root` names.  Without either, `openat`
/// finds only the `file` lines' tmpfs files (`mmsim run` gives strace
/// logs the host's `/`).
pub(crate) fn mount_root(k: &mut Kernel, opts: &RunOptions) -> Result<(), RunError> {
    if opts.root.is_some() && opts.image.is_some() {
        return Err(RunError::RootAndImage);
    }
    if let Some(image) = &opts.image {
        let options = mm_core::fs::MountOptions { write_source: opts.write_image, ..Default::default() };
        let fs = mm_core::fs::mount(k.machine(), "ext4", image, options).map_err(RunError::Mount)?;
        k.set_root(fs);
    } else if let Some(root) = &opts.root {
        let mut options = mm_core::fs::MountOptions::default();
        if let Some(t) = &opts.root_fs_type {
            options.data.push(("fs_type".to_string(), t.clone()));
        }
        let fs = mm_core::fs::mount(k.machine(), "host", root, options).map_err(RunError::Mount)?;
        k.set_root(fs);
    } else if let Some(text) = &opts.root_snapshot {
        let forced = opts.root_fs_type.as_deref().map(mm_fs_host::FsKind::from_name);
        let fs = mm_fs_host::HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), text, forced)
            .map_err(|e| RunError::Mount(MountError::fs(e)))?;
        k.set_root(fs);
    }
    Ok(())
}

/// Performs the accesses of a `load` (`is_load`) or `store` line of `len`
/// bytes at `addr` with `access`, one per page touched, and returns what
/// the runner prints: `# load: line N: VALUES` (a run of `k > 1` equal
/// values as `XX*k`), or `# fault: line N: SIG at ADDR` at the first
/// access that fails (the rest of the line is not performed).
pub(crate) fn access_pages(
    line: usize,
    addr: u64,
    len: u64,
    is_load: bool,
    access: impl FnMut(u64) -> Result<u8, Signal>,
) -> String {
    access_pages_fmt(line, addr, len, is_load, &fmt_hex, access)
}

/// [`access_pages`], with the faulting address shown by `fmt_addr`.
fn access_pages_fmt(
    line: usize,
    addr: u64,
    len: u64,
    is_load: bool,
    fmt_addr: &dyn Fn(u64) -> String,
    mut access: impl FnMut(u64) -> Result<u8, Signal>,
) -> String {
    let mut out = String::new();
    let first = addr & !(PAGE - 1);
    let npages = if len == 0 { 0 } else { (addr + len).div_ceil(PAGE) - first / PAGE };
    let mut vals = Vec::with_capacity(npages.min(1 << 16) as usize);
    for k in 0..npages {
        let a = if k == 0 { addr } else { first + k * PAGE };
        match access(a) {
            Ok(v) => vals.push(v),
            Err(sig) => {
                let _ = match sig {
                    Signal::Kill { .. } => writeln!(out, "# fault: line {line}: SIGKILL (out of memory)"),
                    _ => writeln!(out, "# fault: line {line}: {} at {}", sig.name(), fmt_addr(a)),
                };
                return out;
            }
        }
    }
    if is_load && npages > 0 {
        let _ = write!(out, "# load: line {line}:");
        let mut j = 0;
        while j < vals.len() {
            let mut r = j;
            while r + 1 < vals.len() && vals[r + 1] == vals[j] {
                r += 1;
            }
            if r > j {
                let _ = write!(out, " {:02x}*{}", vals[j], r - j + 1);
            } else {
                let _ = write!(out, " {:02x}", vals[j]);
            }
            j = r + 1;
        }
        out.push('\n');
    }
    out
}

/// (v1.4) `dump smaps`: the line after a maps line, with the fields of
/// the VMA's `/proc/PID/smaps` block that start at `start`, in kB
/// (zeros for an entry smaps walks nothing of, the vsyscall page).
fn smaps_line(out: &mut String, stats: &[(u64, u64, MemSizeStats)], start: u64) {
    let mss = stats.iter().find(|s| s.0 == start).map_or_else(MemSizeStats::default, |s| s.2);
    out.push_str("smaps");
    for (name, kb) in mss.fields_kb() {
        let _ = write!(out, " {name}={kb}");
    }
    // (v1.6) Only when there is any, so that dumps without THP stay as
    // they were.
    if mss.anonymous_thp != 0 {
        let _ = write!(out, " AnonHugePages={}", mss.anonymous_thp >> 10);
    }
    // (v1.7) The same for huge pages of shmem and other files.
    if mss.shmem_thp != 0 {
        let _ = write!(out, " ShmemPmdMapped={}", mss.shmem_thp >> 10);
    }
    if mss.file_thp != 0 {
        let _ = write!(out, " FilePmdMapped={}", mss.file_thp >> 10);
    }
    out.push('\n');
}

/// (v1.6) The `huge` and `huge_zero` lines of a dump: the parts of `spans`
/// (whole pages) that PMD leaves map with a THP / with the huge zero
/// page, merged; each line only when it has a range.  `fmt` writes an
/// address as the `present` line does.
fn huge_lines(out: &mut String, k: &Kernel, pid: Pid, spans: &[(u64, u64)], fmt: impl Fn(u64) -> String) {
    let mut ranges: Vec<(bool, u64, u64)> = Vec::new();
    for &(s, e) in spans {
        for (a, b, zero) in k.huge_ranges(pid, s, e).expect("live process") {
            let (a, b) = (a.max(s), b.min(e));
            if b > a {
                ranges.push((zero, a, b));
            }
        }
    }
    ranges.sort_unstable();
    for (zero, word) in [(false, "huge"), (true, "huge_zero")] {
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for &(_, a, b) in ranges.iter().filter(|r| r.0 == zero) {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        if merged.is_empty() {
            continue;
        }
        out.push_str(word);
        for (a, b) in merged {
            let _ = write!(out, " {}-{}", fmt(a), fmt(b));
        }
        out.push('\n');
    }
}

/// The body of a dump of process `pid` for the window `[lo, hi)`: its maps
/// lines (each followed by its smaps fields with `smaps`), its fault
/// counts and its present pages.
pub(crate) fn dump_body(out: &mut String, k: &Kernel, pid: Pid, lo: u64, hi: u64, smaps: bool) {
    let stats = if smaps { k.smaps(pid, lo, hi).expect("live process") } else { Vec::new() };
    for e in k.maps(pid, lo, hi).expect("live process") {
        let _ = writeln!(out, "{e}");
        if smaps {
            smaps_line(out, &stats, e.start);
        }
    }
    let (min, maj) = k.faults(pid).expect("live process");
    let _ = writeln!(out, "faults minflt={min} majflt={maj}");
    out.push_str("present");
    // Whole pages of the window only, as pagemap is read.
    for (s, e) in k.present(pid, lo & !(PAGE - 1), hi).expect("live process") {
        let e = if e > hi { s.max(hi & !(PAGE - 1)) } else { e };
        if e > s {
            let _ = write!(out, " {s:08x}-{e:08x}");
        }
    }
    out.push('\n');
    huge_lines(out, k, pid, &[(lo & !(PAGE - 1), hi & !(PAGE - 1))], |a| format!("{a:08x}"));
}

/// (v1.4) [`dump_body`] for a scenario with names: the VMAs that overlap
/// the window or a named region, a VMA that overlaps a named region with
/// its ends relative to the most recent such name; the present pages of
/// the window and of the named regions, each end shown relative to the
/// most recent name whose region (end included) holds it.
fn dump_body_named(out: &mut String, k: &Kernel, pid: Pid, lo: u64, hi: u64, names: &Names, smaps: bool) {
    let regions: Vec<(usize, u64, u64)> = names.regions().collect();
    let mut ents = k.maps(pid, lo, hi).expect("live process");
    for &(_, s, e) in &regions {
        ents.extend(k.maps(pid, s, e).expect("live process"));
    }
    ents.sort_by_key(|e| e.start);
    ents.dedup_by_key(|e| e.start);
    let mut stats = Vec::new();
    if smaps {
        stats = k.smaps(pid, lo, hi).expect("live process");
        for &(_, s, e) in &regions {
            stats.extend(k.smaps(pid, s, e).expect("live process"));
        }
    }
    for e in &ents {
        let text = e.to_string();
        match regions.iter().rev().find(|&&(_, s, t)| e.start < t && e.end > s) {
            Some(&(i, ..)) => {
                // perms offset dev inode [path]: the device and inode,
                // which change from run to run on the real kernel and are
                // never compared, as `00:00 0`.
                let f: Vec<&str> = text.splitn(6, ' ').collect();
                let _ = write!(out, "{}-{} {} {} 00:00 0", names.rel(i, e.start), names.rel(i, e.end), f[1], f[2]);
                if let Some(path) = f.get(5) {
                    let _ = write!(out, " {path}");
                }
                out.push('\n');
            }
            None => {
                let _ = writeln!(out, "{text}");
            }
        }
        if smaps {
            smaps_line(out, &stats, e.start);
        }
    }
    let (min, maj) = k.faults(pid).expect("live process");
    let _ = writeln!(out, "faults minflt={min} majflt={maj}");
    // Whole pages only, as pagemap is read.
    let mut spans = vec![(lo & !(PAGE - 1), hi & !(PAGE - 1))];
    spans.extend(regions.iter().map(|&(_, s, e)| (s, e)));
    let mut ranges = Vec::new();
    for &(s, e) in &spans {
        for (a, b) in k.present(pid, s, e).expect("live process") {
            let (a, b) = (a.max(s), b.min(e));
            if b > a {
                ranges.push((a, b));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    out.push_str("present");
    for (a, b) in merged {
        let _ = write!(out, " {}-{}", names.fmt_08x(a), names.fmt_08x(b));
    }
    out.push('\n');
    huge_lines(out, k, pid, &spans, |a| names.fmt_08x(a));
}

/// How far below `mmap_base` a scenario with names has its kernel-chosen
/// addresses start (the real runner's own libraries are above).
pub const NAMED_AREA_GAP: u64 = 1 << 30;

/// (v1.4) What the real runner has where its kernel-chosen addresses
/// start: a scenario that binds names gets `[mmap_base - 1 GiB,
/// mmap_base)` taken by a `PROT_NONE` shared anonymous mapping (which
/// merges with nothing a scenario maps), as the real runner fills that
/// range around its own libraries, so that top-down searches start at
/// the same address in both runners, and growing the topmost
/// kernel-chosen mapping, or mapping above it, fails in both alike.  The
/// window of such a scenario cannot reach it.
fn reserve_named_area(k: &Kernel, pid: Pid) -> Result<u64, Errno> {
    let m = k.machine();
    let task_size = m.arch().task_size();
    let base = mm_core::mm::mmap_base(task_size, m.tunables().rlimit_stack, m.tunables().stack_guard_gap);
    let flags = mm_core::flags::MapFlags::SHARED | mm_core::flags::MapFlags::ANONYMOUS;
    let flags = (flags | mm_core::flags::MapFlags::FIXED_NOREPLACE | mm_core::flags::MapFlags::NORESERVE).bits();
    // Two mappings, as the real runner's lowest one (the first half) has
    // the same ends in both runners.
    let half = NAMED_AREA_GAP / 2;
    k.sys_mmap(pid, base - NAMED_AREA_GAP, half, 0, flags, -1, 0)?;
    k.sys_mmap(pid, base - half, half, 0, flags, -1, 0)
}

/// Runs a scenario and returns its output; a run that must stop returns
/// what it printed so far with the error.
pub fn run(s: &Scenario, opts: &RunOptions) -> Result<String, Stopped> {
    run_keep(s, opts).map(|(out, _)| out)
}

/// [`run`], and the kernel as the scenario left it (its processes still
/// alive), for a caller that inspects the machine afterwards.
pub fn run_keep(s: &Scenario, opts: &RunOptions) -> Result<(String, Kernel), Stopped> {
    let end = run_full(s, opts);
    match (end.error, end.kernel) {
        (None, Some(k)) => Ok((end.output, k)),
        (Some(error), _) => Err(Stopped { output: end.output, error }),
        (None, None) => unreachable!("a run without a kernel has an error"),
    }
}

/// Everything a run leaves: [`run_full`]'s result.
pub struct RunEnd {
    /// The machine the run built (or tried to), if its settings applied.
    pub machine: Option<MachineConfig>,
    /// What the run printed (up to the error, if it stopped).
    pub output: String,
    /// Why it stopped, if it did not run to the end.
    pub error: Option<RunError>,
    /// The kernel as the run left it; `None` if it could not be built.
    pub kernel: Option<Kernel>,
    /// Lines performed, `window` lines included (the `N` of the `ok`
    /// line; of a run that stopped, the line that stopped it included).
    pub performed: usize,
    /// `(minflt, majflt)` summed over every process the run had, those
    /// that exited included.
    pub faults: (u64, u64),
}

/// A line a run performed (a scenario line, or an event of an strace log
/// or recording), as a [`StepObserver`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct StepInfo<'a> {
    /// Its line number in the file (1-based).
    pub line: usize,
    /// The line as written.
    pub text: &'a str,
    /// The kernel pid of the process that ran it, if one did.
    pub pid: Option<Pid>,
    /// What the run printed for it (its trace excluded).
    pub out: &'a str,
}

/// Watches a run line by line, with the kernel between lines
/// (`mmsim run --html`): [`run_observed`], [`crate::replay::replay_observed`],
/// [`crate::replay::replay_bundle_observed`].
pub trait StepObserver {
    /// The machine is built and the first process made, before the
    /// first line.
    fn start(&mut self, k: &Kernel);
    /// Line `step` ran; `k` is the kernel after it.
    fn step(&mut self, step: &StepInfo<'_>, k: &Kernel);
}

/// [`run_keep`], keeping the kernel and the counts however the run ends.
pub fn run_full(s: &Scenario, opts: &RunOptions) -> RunEnd {
    run_full_with(s, opts, None)
}

/// [`run_full`], with `obs` told of the start and of every line.
pub fn run_observed(s: &Scenario, opts: &RunOptions, obs: &mut dyn StepObserver) -> RunEnd {
    run_full_with(s, opts, Some(obs))
}

fn run_full_with(s: &Scenario, opts: &RunOptions, mut obs: Option<&mut dyn StepObserver>) -> RunEnd {
    let mut end =
        RunEnd { machine: None, output: String::new(), error: None, kernel: None, performed: 0, faults: (0, 0) };
    let (cfg, filter) = match opts.machine_for(&s.machine).and_then(|c| Ok((c, RunTrace::filter_of(opts)?))) {
        Ok(v) => v,
        Err(e) => {
            end.error = Some(e);
            return end;
        }
    };
    end.machine = Some(cfg.clone());
    let mut k = match Kernel::new(&cfg) {
        Ok(k) => k,
        Err(e) => {
            end.error = Some(RunError::Config(e));
            return end;
        }
    };
    let started = mount_root(&mut k, opts).and_then(|()| {
        let pid = k.spawn().map_err(|_| RunError::OutOfMemory { line: 0 })?;
        if !s.names.is_empty() {
            reserve_named_area(&k, pid).map_err(|_| RunError::OutOfMemory { line: 0 })?;
        }
        Ok(pid)
    });
    let pid = match started {
        Ok(pid) => pid,
        Err(e) => {
            end.error = Some(e);
            end.kernel = Some(k);
            return end;
        }
    };
    let trace = RunTrace::attach(&k, opts, filter);
    let mut r = Runner {
        s,
        names: Names::new(&s.names),
        k,
        pid,
        procs: vec![Some(pid)],
        gone: Vec::new(),
        performed: 0,
        cur: 0,
        out: String::new(),
        trace,
        oom: None,
        exited_faults: (0, 0),
    };
    if let Some(o) = obs.as_deref_mut() {
        o.start(&r.k);
    }
    for l in &s.lines {
        let mark = r.out.len();
        r.run_line(l);
        if let Some(o) = obs.as_deref_mut() {
            let pid = r.procs.get(l.proc).copied().flatten();
            o.step(&StepInfo { line: l.line, text: &l.text, pid, out: &r.out[mark..] }, &r.k);
        }
        if r.trace.is_some() {
            // Trace lines go before the line's own output.
            let own = r.out.split_off(mark);
            r.flush_trace(l);
            r.out.push_str(&own);
        }
        if let Some(line) = r.oom {
            end.error = Some(RunError::OutOfMemory { line });
            break;
        }
    }
    end.performed = r.performed + s.nwindow;
    end.faults = r.total_faults();
    if end.error.is_none() {
        let _ = writeln!(r.out, "ok {} lines, {} skipped", end.performed, s.skipped);
        if opts.stats {
            let m = r.k.machine();
            r.out.push_str("== vmstat\n");
            for (name, v) in m.vmstat_lines() {
                let _ = writeln!(r.out, "{name} {v}");
            }
            r.out.push_str("== meminfo\n");
            for (label, kb) in m.meminfo_lines() {
                let _ = writeln!(r.out, "{}", mm_core::vmstat::format_meminfo_line(label, kb));
            }
        }
        if opts.buddyinfo {
            let m = r.k.machine();
            r.out.push_str("== buddyinfo\n");
            r.out.push_str(&m.buddyinfo());
            if let Some(info) = m.pagetypeinfo() {
                r.out.push_str("== pagetypeinfo\n");
                r.out.push_str(&info);
            }
            r.out.push_str("== extfrag_index\n");
            r.out.push_str(&m.extfrag_index());
            r.out.push_str("== unusable_index\n");
            r.out.push_str(&m.unusable_index());
        }
    }
    // The summary of a run that stopped counts what it did.
    if let Some(t) = &r.trace {
        t.write_summary(&mut r.out);
    }
    end.output = r.out;
    end.kernel = Some(r.k);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smaps_line_shows_anon_huge_pages_only_when_not_zero() {
        let mut mss =
            MemSizeStats { resident: 8 << 10, anonymous: 8 << 10, private_dirty: 8 << 10, ..MemSizeStats::default() };
        let mut out = String::new();
        smaps_line(&mut out, &[(0x1000, 0x3000, mss)], 0x1000);
        assert_eq!(
            out,
            "smaps Rss=8 Pss=0 Shared_Clean=0 Shared_Dirty=0 Private_Clean=0 Private_Dirty=8 Anonymous=8 Swap=0 Locked=0\n"
        );
        mss.anonymous_thp = 2 << 20;
        out.clear();
        smaps_line(&mut out, &[(0x1000, 0x3000, mss)], 0x1000);
        assert!(out.ends_with(" Locked=0 AnonHugePages=2048\n"), "{out}");
    }
}
