//! Running a parsed scenario on the simulator and printing what the
//! real-kernel runner prints.
//!
//! Out of memory (rules of mmsim's own, README "Run under memory
//! pressure"): a failed `fork` prints `-1 ENOMEM` and the run goes on; a
//! process the OOM killer kills (`# oom-kill`, or its own access's
//! `SIGKILL`) is gone, and each later line the script gives it, or gives
//! a child whose `fork` failed, prints `# gone` instead of running.  A run
//! that must stop returns its output so far with the error ([`Stopped`]).

use crate::scenario::{Expect, Line, Op, Scenario};
use mm_core::errno::{Errno, Signal};
use mm_core::machine::{ConfigError, MachineConfig};
use mm_core::trace::TraceCollector;
use mm_core::{Kernel, Pid};
use std::fmt::Write as _;
use std::sync::Arc;

use mm_core::PAGE_SIZE as PAGE;

/// How to run a scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The machine to build.
    pub machine: MachineConfig,
    /// Interleave the call chain of every operation with the output.
    pub trace: bool,
    /// An ext4 image to resolve `openat` paths in; exclusive with `root`.
    pub image: Option<String>,
    /// Write dirty pages back into the image file in place; without it
    /// the image is never written (writeback goes to memory).
    pub write_image: bool,
    /// Print `vmstat` and `meminfo` blocks after the `ok` line.
    pub stats: bool,
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

/// Why a scenario could not be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The machine could not be built.
    Config(ConfigError),
    /// The simulated machine ran out of memory for a `file` line's pages
    /// or for the first process.
    OutOfMemory { line: usize },
    /// The image could not be mounted.
    Mount(String),
    /// An strace log cannot be replayed further (`line N: ...`).
    Log(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Config(e) => write!(f, "{e}"),
            RunError::OutOfMemory { line } => {
                write!(f, "line {line}: the simulated machine is out of memory")
            }
            RunError::Mount(e) | RunError::Log(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for RunError {}

/// A run that had to stop: the error, and everything the run printed
/// before it (a run never discards its output).
#[derive(Clone, Debug, PartialEq, Eq)]
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
        Expect::Value(-1) => "-1".to_string(),
        Expect::Value(v) => fmt_result(*v as u64, None, is_addr),
        Expect::Any => String::new(),
    }
}

struct Runner<'a> {
    s: &'a Scenario,
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
    trace: Option<Arc<TraceCollector>>,
    /// The line whose file did not fit in the simulated memory.
    oom: Option<usize>,
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
    };
    if !ok {
        let got = fmt_result(val, err, is_addr);
        let exp = fmt_expected(expect, is_addr);
        let _ = writeln!(out, "# diverged: line {line}: expected {exp}, got {got}");
    }
}

impl Runner<'_> {
    fn check_result(&mut self, l: &Line, r: Result<u64, Errno>) {
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
            self.k.exit(pid);
            let Some(j) = self.procs.iter().position(|&p| p == Some(pid)) else { continue };
            self.set_gone(j, Gone::Killed);
            if j != self.cur {
                let _ = writeln!(self.out, "# oom-kill: line {}: process {j}", l.line);
            }
        }
    }

    fn access(&mut self, l: &Line, addr: u64, len: u64, store: Option<u8>) {
        let pid = self.pid;
        let text = access_pages(l.line, addr, len, store.is_none(), |a| {
            let r = match store {
                Some(v) => self.k.store(pid, a, v).map(|()| 0),
                None => self.k.load(pid, a),
            };
            self.reap_oom_kills(l);
            r
        });
        self.out.push_str(&text);
    }

    fn dump(&mut self, label: &str) {
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
        dump_body(&mut self.out, &self.k, self.pid, lo, hi);
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
        let k = &self.k;
        let r = match &l.op {
            Op::Load { addr, len } => {
                self.access(l, *addr, *len, None);
                None
            }
            Op::Store { addr, len, val } => {
                self.access(l, *addr, *len, Some(*val));
                None
            }
            Op::Dump { label } => {
                self.dump(label);
                None
            }
            Op::File { name, size } => {
                // Byte i of the file is (i / 4096 + i) & 0xff: byte j of
                // page p is (p + j) & 0xff.
                let mut fill = |p: u64, page: &mut [u8]| {
                    for (j, b) in page.iter_mut().enumerate() {
                        *b = (p as usize + j) as u8;
                    }
                };
                if k.create_file(name, *size, &mut fill).is_err() {
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
            Op::Exit { proc, next } => {
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
        return Err(RunError::Mount("--root and --image cannot be used together".to_string()));
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
        let fs = mm_fs_host::HostFs::mount_snapshot(k.machine(), text, forced).map_err(RunError::Mount)?;
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
                    _ => writeln!(out, "# fault: line {line}: {} at {}", sig.name(), fmt_hex(a)),
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

/// The body of a dump of process `pid` for the window `[lo, hi)`: its maps
/// lines, its fault counts and its present pages.
pub(crate) fn dump_body(out: &mut String, k: &Kernel, pid: Pid, lo: u64, hi: u64) {
    for e in k.maps(pid, lo, hi).expect("live process") {
        let _ = writeln!(out, "{e}");
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
}

/// Runs a scenario and returns its output; a run that must stop returns
/// what it printed so far with the error.
pub fn run(s: &Scenario, opts: &RunOptions) -> Result<String, Stopped> {
    run_keep(s, opts).map(|(out, _)| out)
}

/// [`run`], and the kernel as the scenario left it (its processes still
/// alive), for a caller that inspects the machine afterwards.
pub fn run_keep(s: &Scenario, opts: &RunOptions) -> Result<(String, Kernel), Stopped> {
    let stop = |error| Stopped { output: String::new(), error };
    let mut k = Kernel::new(&opts.machine).map_err(|e| stop(RunError::Config(e)))?;
    mount_root(&mut k, opts).map_err(stop)?;
    let pid = k.spawn().map_err(|_| stop(RunError::OutOfMemory { line: 0 }))?;
    let trace = if opts.trace {
        let c = TraceCollector::new();
        k.machine().trace.subscribe(c.clone());
        Some(c)
    } else {
        None
    };
    let mut r = Runner {
        s,
        k,
        pid,
        procs: vec![Some(pid)],
        gone: Vec::new(),
        performed: 0,
        cur: 0,
        out: String::new(),
        trace,
        oom: None,
    };
    for l in &s.lines {
        if r.trace.is_some() {
            // Trace lines go before the line's own output.
            let mark = r.out.len();
            r.run_line(l);
            let own = r.out.split_off(mark);
            r.flush_trace(l);
            r.out.push_str(&own);
        } else {
            r.run_line(l);
        }
        if let Some(line) = r.oom {
            return Err(Stopped { output: r.out, error: RunError::OutOfMemory { line } });
        }
    }
    let _ = writeln!(r.out, "ok {} lines, {} skipped", r.performed + s.nwindow, s.skipped);
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
    Ok((r.out, r.k))
}
