//! Replaying an strace log ([`crate::strace`]) on the simulator.
//!
//! Every pid of the log is a task of the simulated kernel, created as the
//! log shows:
//!
//! - the first pid is the initial process, with descriptors 0-2 open
//!   (placeholders for the standard streams);
//! - the child of a `clone`, `clone3`, `fork` or `vfork` is created with
//!   that call's flags ([`Kernel::kernel_clone`]) at the earlier of its
//!   first line and the call's result;
//! - a pid that appears with no traced creator is a child process (a
//!   `fork`) of the pid that got `--- SIGCHLD {..., si_pid=PID, ...} ---`
//!   for it, sharing its parent's address space instead of copying it when
//!   its first line is `execve` (as `vfork` would: the copy would be thrown
//!   away); with no such signal it is a thread (shared address space and
//!   descriptors) of the process that mapped the thread stack it frees,
//!   or that last mapped one, or that made the line before.
//!
//! Descriptors follow the log: when a call returns descriptor N and the
//! model chose another (its creator was not traced), the file moves to N;
//! a `close` or `mmap` of a descriptor the model does not have, whose
//! annotation names a path (`5</usr/lib/x.so>`), opens that path at that
//! number first, and an annotation that is not a path (`4<pipe:[266199]>`)
//! or a path that cannot be opened gives a placeholder that cannot be
//! mapped.
//!
//! The output is only `# diverged`, `# fault`, `== dump`/`== maps` blocks,
//! the `# not modelled` summary and the final `ok` line: processes come
//! and go silently (no `# fork`/`# exit` lines: logs are long).
//!
//! A recording ([`replay_bundle`]) adds its page faults: each is the
//! access that took it, by that task on its own CPU (a user fetch, store
//! or load by the error code; inside a call, the kernel's `put_user` or
//! `get_user`, except inside `execve`, whose own accesses the model
//! makes; a kernel-mode fault the task's next line takes again, on the
//! same page with the same error code, was one the kernel did not handle
//! and is not run: `pagefault_disabled_faults`); and the outcome of
//! each thread group as it ends (its tasks'
//! fault counts, live or gone, its maps, its present pages), compared
//! with the recorded one by `--check`.

use crate::bundle::{Bundle, Outcome, Unfaulted};
use crate::run::{RunError, RunOptions, StepInfo, StepObserver, Stopped, report_result};
use crate::scenario::{Expect, Op};
use crate::strace::{Call, Event, FdArg, Log};
use mm_core::errno::Signal;
use mm_core::kernel::clone_flags::*;
use mm_core::{Errno, Kernel, Pid};
use std::collections::BTreeSet;

/// The replay's maps, keyed by small numbers (pids, line indexes) and
/// looked up at every event: a faster hash than the standard SipHash.
type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
type HashSet<K> = std::collections::HashSet<K, ahash::RandomState>;
use std::fmt::Write as _;
use std::sync::Arc;

/// Most tasks alive at once in a replay: a log that would have more is
/// stopped with an error rather than growing without bound.
pub const MAX_LOG_TASKS: usize = 32768;

/// What is known of a task's first kernel-chosen results after a
/// successful execve.
#[derive(Clone, Copy, Debug, Default)]
struct AfterExec {
    brk_seen: bool,
    mmap_seen: bool,
    /// The first `brk(NULL)` matched exactly.
    brk_matched: bool,
    /// The program is set-user-ID or set-group-ID.
    setid: bool,
}

/// How far (bytes) the log's first kernel-chosen address after an
/// `execve` must be from the model's to be taken for address-space
/// randomization: ASLR moves the heap by up to 32 MiB and the mmap base
/// by up to 1 TiB, in whole pages; a model error after a faithful exec
/// layout moves it by a few pages at most.
const ASLR_DISTANCE: u64 = 1 << 20;

/// A live task of the log.
#[derive(Clone, Copy, Debug)]
struct Proc {
    kpid: Pid,
    /// The log pid of its thread group's leader.
    tgid: u32,
}

struct Replay<'a> {
    log: &'a Log,
    k: Kernel,
    opts: std::borrow::Cow<'a, RunOptions>,
    procs: HashMap<u32, Proc>,
    /// The live tasks of each thread group, by the group's pid.
    groups: HashMap<u32, BTreeSet<u32>>,
    /// `SIGCHLD` lines by `si_pid`: (event index they precede, receiver).
    sigchld_of: HashMap<u32, Vec<(usize, u32)>>,
    /// Thread stacks: the `mmap(..., MAP_STACK, ...)` results, in log
    /// order: (event index, address, pid that mapped it).
    stacks: Vec<(usize, u64, u32)>,
    /// For a pid, the first thread stack (an address in `stacks`) it
    /// frees or unmaps itself: glibc's `madvise(STACK, ..., MADV_DONTNEED)`
    /// as a thread exits.
    own_stack: HashMap<u32, u64>,
    /// Entries of `stacks` already given to a thread.
    stacks_taken: HashSet<usize>,
    /// For each child pid, the indices of the clone events that return it.
    clones_of: HashMap<u32, Vec<usize>>,
    /// Clone events whose child was already created (at its first line).
    clone_done: HashSet<usize>,
    /// The pid of the last event run.
    last_pid: Option<u32>,
    /// The thread group of the last event run.
    last_tgid: Option<u32>,
    /// Pids whose creation failed in the model: their lines are not run.
    never: HashSet<u32>,
    /// Tasks whose first kernel-chosen result after a successful execve
    /// is still to come.
    after_exec: HashMap<u32, AfterExec>,
    /// `execve`s the log says failed with `E2BIG`, whose strings strace
    /// cut: not run.
    cut_exec_followed: usize,
    /// Opens that followed the log for what the recorded run made.
    made_by_run: usize,
    /// Events whose expected result is a concurrent twin's
    /// ([`Replay::concurrent_expect`]).
    exchanged: HashMap<usize, Expect>,
    /// (pid, fd) of `/proc/P/maps` opens already read once.
    maps_read: HashSet<(u32, i64)>,
    performed: usize,
    /// Opens of files outside the model whose outcome followed the log
    /// ([`outside_the_model`]).
    followed_opens: usize,
    out: String,
    /// The CPU each task runs on, by the model's pid.
    cpu_of: HashMap<Pid, usize>,
    /// The CPU the next task gets (round robin over the machine's).
    next_cpu: usize,
    /// Fault counts of the tasks of each thread group that ended, by the
    /// group's log pid (`signal->min_flt`, `maj_flt`).
    dead_faults: HashMap<u32, (u64, u64)>,
    /// A recording's replay: the outcome of each thread group as it ends.
    outcomes: Option<Vec<Captured>>,
    /// Recorded faults that did not fault in the model, by group.
    unfaulted: Vec<(u32, Unfaulted)>,
    /// Forks (clones without `CLONE_VM`) by first line: (line, event).
    forks: Vec<(usize, usize)>,
    /// How many of `forks` have had their first line met.
    forks_met: usize,
    /// Forks whose first half came and whose event has not run yet.
    open_forks: Vec<usize>,
    /// Pages (group, page address) whose entry a recorded fault made
    /// writable in place (`wp_page_reuse`, which does not flush).
    upgraded: HashSet<(u32, u64)>,
    /// Recorded faults the model took as spurious ([`Replay::fault`]).
    spurious: usize,
    /// Kernel-mode faults inside execve (the model's execve makes its
    /// own): not run again.
    exec_faults: usize,
    /// The events of kernel-mode faults taken with page faults disabled
    /// (`pagefault_disabled_faults`): not run.
    unhandled: HashSet<usize>,
    /// How many of them the replay met.
    unhandled_met: usize,
    /// The call chains of `--trace`.
    trace: Option<crate::trace::RunTrace>,
    /// Faults the initial process took before the log starts (a
    /// recording's `# before execve:`), counted to its group.
    initial_faults: (u64, u64),
    /// The task the log's first pid runs in, made before the replay
    /// ([`BundleMachine::new`]) as its parent's fork made it.
    initial: Option<Pid>,
}

/// A thread group's outcome as the model took it when the group ended:
/// an [`Outcome`] whose maps lines are written only for the report.
struct Captured {
    pid: u32,
    minflt: u64,
    majflt: u64,
    maps: Vec<mm_core::kernel::MapsEntry>,
    present: Vec<(u64, u64)>,
}

impl Captured {
    fn lines(self) -> Outcome {
        let Captured { pid, minflt, majflt, maps, present } = self;
        Outcome { pid, minflt, majflt, maps: maps.iter().map(|m| m.proc_maps_line()).collect(), present, line: 0 }
    }
}

/// Why the replay stops.
type Stop = String;

impl Replay<'_> {
    fn task_count(&self) -> usize {
        self.procs.len()
    }

    /// Log pid `pid` is task `kpid` of group `tgid`.
    fn add(&mut self, pid: u32, kpid: Pid, tgid: u32) {
        if !self.cpu_of.contains_key(&kpid) {
            let n = self.k.machine().nr_cpus();
            self.cpu_of.insert(kpid, self.next_cpu % n);
            self.next_cpu += 1;
        }
        self.procs.insert(pid, Proc { kpid, tgid });
        self.groups.entry(tgid).or_default().insert(pid);
        // A pid may come back (reused) after a failed creation.
        self.never.remove(&pid);
    }

    /// Log pid `pid` is gone; its task ends.
    fn remove(&mut self, pid: u32) {
        if let Some(q) = self.procs.remove(&pid) {
            if let Ok((min, maj)) = self.k.faults(q.kpid) {
                let d = self.dead_faults.entry(q.tgid).or_default();
                *d = (d.0 + min, d.1 + maj);
            }
            self.cpu_of.remove(&q.kpid);
            self.k.exit(q.kpid);
            if let Some(g) = self.groups.get_mut(&q.tgid) {
                g.remove(&pid);
                if g.is_empty() {
                    self.groups.remove(&q.tgid);
                }
            }
        }
        self.after_exec.remove(&pid);
    }

    /// Creates log pid `child` from `parent` with `flags`.
    fn create(&mut self, parent: u32, child: u32, flags: u64, line: usize) -> Result<bool, Stop> {
        let Some(p) = self.procs.get(&parent).copied() else {
            let _ = writeln!(self.out, "# diverged: line {line}: pid {child}: its parent {parent} is gone");
            return Ok(false);
        };
        if self.task_count() >= MAX_LOG_TASKS {
            return Err(format!("line {line}: more than {MAX_LOG_TASKS} tasks alive at once"));
        }
        match self.k.kernel_clone(p.kpid, flags) {
            Ok(kpid) => {
                let tgid = if flags & CLONE_THREAD != 0 { p.tgid } else { child };
                self.add(child, kpid, tgid);
                Ok(true)
            }
            Err(e) => {
                let _ = writeln!(self.out, "# diverged: line {line}: pid {child}: clone failed: {e}");
                self.never.insert(child);
                Ok(false)
            }
        }
    }

    /// Makes log pid `pid` exist before event `i` (its first line, or a
    /// line after it exited): by the clone that returns it if one comes,
    /// else as a child of the pid a `SIGCHLD` names it to, else as a
    /// thread of the last active process.
    fn materialize(&mut self, pid: u32, i: usize) -> Result<bool, Stop> {
        let log = self.log;
        let e = &log.events[i];
        if self.procs.is_empty() && self.last_pid.is_none() {
            // The initial process, made beforehand or now.
            let kpid = match self.initial.take() {
                Some(kpid) => kpid,
                None => spawn_initial(&mut self.k).map_err(|_| format!("line {}: out of memory", e.line))?,
            };
            self.add(pid, kpid, pid);
            if self.initial_faults != (0, 0) {
                self.dead_faults.insert(pid, self.initial_faults);
            }
            return Ok(true);
        }
        if let Some(&c) =
            self.clones_of.get(&pid).and_then(|v| v.iter().find(|&&c| c >= i && !self.clone_done.contains(&c)))
        {
            let ce = &log.events[c];
            let Call::Clone { flags } = ce.call else { unreachable!("clone events only") };
            let parent = ce.pid;
            self.clone_done.insert(c);
            return self.create(parent, pid, flags, e.line);
        }
        let first_is_exec = matches!(e.call, Call::Execve { .. });
        if let Some(&(_, parent)) = self.sigchld_of.get(&pid).and_then(|v| v.iter().find(|&&(at, _)| at >= i)) {
            let flags = if first_is_exec { CLONE_VM | CLONE_VFORK | SIGCHLD } else { SIGCHLD };
            return self.create(parent, pid, flags, e.line);
        }
        // A thread: of the process that mapped the stack it frees as it
        // exits, else of the live process that last mapped a thread stack
        // no thread has taken yet (pthread_create maps one; a stack glibc
        // reuses is not mapped again), else of the task of the line before,
        // or, if that has ended (a thread that exited just before this one
        // started), of a task of its group.
        let alive = |p: &u32| self.procs.contains_key(p);
        let before = self.stacks.partition_point(|&(at, _, _)| at < i);
        let live = || (0..before).rev().filter(|&j| alive(&self.stacks[j].2));
        let untaken = |j: &usize| !self.stacks_taken.contains(j);
        // Processes with the same layout map their stacks at the same
        // addresses: one no thread has taken yet comes first; else the
        // stack of a thread that exited, which glibc reuses.
        let stacks = &self.stacks;
        let by_own_stack = self.own_stack.get(&pid).copied().and_then(|a| {
            let is_own = |j: &usize| stacks[*j].1 == a;
            live().filter(is_own).find(untaken).or_else(|| live().find(is_own))
        });
        let by_last_stack = || live().find(untaken);
        if let Some(j) = by_own_stack.or_else(by_last_stack) {
            self.stacks_taken.insert(j);
            let creator = self.stacks[j].2;
            return self.create(creator, pid, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, e.line);
        }
        let in_group = || {
            let g = self.last_tgid?;
            Some(g).filter(alive).or_else(|| self.group(g).into_iter().next())
        };
        let Some(leader) = self.last_pid.filter(alive).or_else(in_group) else {
            let _ = writeln!(self.out, "# diverged: line {}: pid {pid} has no process to belong to", e.line);
            return Ok(false);
        };
        self.create(leader, pid, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, e.line)
    }

    /// The maps of log pid `pid`'s address space, in the full format,
    /// headed `== maps pid SHOWN at WHAT (line N)`.
    fn print_maps(&mut self, pid: u32, shown: u32, what: &str, line: usize) {
        let Some(p) = self.procs.get(&pid) else { return };
        let Ok(maps) = self.k.maps(p.kpid, 0, u64::MAX) else { return };
        let _ = writeln!(self.out, "== maps pid {shown} at {what} (line {line})");
        for m in maps {
            let _ = writeln!(self.out, "{}", m.proc_maps_line());
        }
    }

    /// The tasks of `tgid` still alive.
    fn group(&self, tgid: u32) -> Vec<u32> {
        self.groups.get(&tgid).map(|g| g.iter().copied().collect()).unwrap_or_default()
    }

    /// Task `pid` ends; with `group`, its whole thread group.  The maps
    /// are printed when the group's last task goes.
    fn exit(&mut self, pid: u32, group: bool, line: usize) {
        let Some(p) = self.procs.get(&pid).copied() else { return };
        let last = group || self.groups.get(&p.tgid).is_none_or(|g| g.len() == 1);
        if last && self.opts.maps_at_exit {
            // /proc/TGID/maps while a task of the group is alive.
            self.print_maps(pid, p.tgid, "exit", line);
        }
        if last && self.outcomes.is_some() {
            let o = self.outcome(p.tgid, p.kpid);
            self.outcomes.get_or_insert_default().push(o);
        }
        let gone: Vec<u32> = if group { self.group(p.tgid) } else { vec![pid] };
        for s in gone {
            self.remove(s);
        }
        if last {
            self.dead_faults.remove(&p.tgid);
        }
    }

    /// What `/proc/TGID/stat`, `maps` and `pagemap` show of group `tgid`
    /// (task `kpid` one of its live tasks) as it exits: the fault counts of
    /// all its tasks, live or gone, its VMAs, its present pages.
    fn outcome(&self, tgid: u32, kpid: Pid) -> Captured {
        let (mut minflt, mut majflt) = self.dead_faults.get(&tgid).copied().unwrap_or_default();
        for t in self.group(tgid) {
            if let Some(Ok((a, b))) = self.procs.get(&t).map(|q| self.k.faults(q.kpid)) {
                minflt += a;
                majflt += b;
            }
        }
        let maps = self.k.maps(kpid, 0, u64::MAX).unwrap_or_default();
        let present = self.k.present(kpid, 0, u64::MAX).unwrap_or_default();
        Captured { pid: tgid, minflt, majflt, maps, present }
    }

    /// A recorded page fault (event `i`) of log pid `pid` (task `kpid`):
    /// a user-mode instruction fetch, store or load of the byte at
    /// `address`, or the kernel's own access to it inside a call
    /// (`put_user` for a write, `get_user` else), on the task's CPU.  A
    /// fault inside `execve` is not run: the model's execve makes its own.
    ///
    /// The log orders tasks' lines by time, not by the locks they took,
    /// and does not show what each CPU's TLB held; so an access that does
    /// not fault in the model is looked at again:
    ///
    /// - a task is inside a fork of this address space (its clone's
    ///   first half came, its result not yet): `dup_mmap` holds the
    ///   `mmap_lock` for writing, so the fault was handled either before
    ///   the copy or after it, and it was after, since it faulted; the
    ///   fork runs first and the access again;
    /// - a write fault on a present entry, on a page whose entry the
    ///   model made writable in place at an earlier recorded fault
    ///   (`wp_page_reuse`, which does not flush): the CPU that took it
    ///   held the old read-only translation, which the log cannot show;
    ///   the fault is raised as the CPU raised it and the handler finds
    ///   the entry already good, the kernel's spurious fault, counted;
    /// - anything else is a recorded fault that did not fault in the
    ///   model, counted (`# not faulted`).
    fn fault(&mut self, i: usize, pid: u32, kpid: Pid, fault: (u64, u64, bool, Option<&str>)) -> Result<(), Stop> {
        const PROTECTION: u64 = 0x1;
        const WRITE: u64 = 0x2;
        const INSTR: u64 = 0x10;
        let line = self.log.events[i].line;
        let (address, error_code, user, inside) = fault;
        if !user && inside == Some("execve") {
            self.exec_faults += 1;
            return Ok(());
        }
        if self.k.task(kpid).is_err() {
            // The model killed it (an execve that failed past its point
            // of no return).
            let _ = writeln!(self.out, "# diverged: line {line}: pid {pid} is gone in the model");
            return Ok(());
        }
        let cpu = self.cpu_of.get(&kpid).copied().unwrap_or(0);
        let counts = |k: &Kernel| k.faults(kpid).map(|(a, b)| a + b).unwrap_or(0);
        let access = |k: &Kernel| match (user, error_code & INSTR != 0, error_code & WRITE != 0) {
            (true, true, _) => k.user_access(kpid, address, |t| t.fetch(cpu, address).map(drop)),
            (true, false, true) => k.user_access(kpid, address, |t| t.store(cpu, address, 0)),
            (true, false, false) => k.user_access(kpid, address, |t| t.load(cpu, address).map(drop)),
            (false, _, true) => k.user_access(kpid, address, |t| t.put_user(cpu, address, 0)),
            (false, _, false) => k.user_access(kpid, address, |t| t.get_user(cpu, address).map(drop)),
        };
        let reused = |k: &Kernel| k.machine().vmstat().get(mm_core::vmstat::VmEvent::PgReuse);
        let (before, reused_before) = (counts(&self.k), reused(&self.k));
        let mut r = access(&self.k);
        let tgid = self.procs.get(&pid).map_or(pid, |p| p.tgid);
        let page = address & !(mm_core::types::PAGE_SIZE - 1);
        if matches!(r, Ok(())) && counts(&self.k) == before && self.fork_first(i, tgid)? {
            r = access(&self.k);
        }
        let wp = error_code & (PROTECTION | WRITE) == PROTECTION | WRITE;
        if matches!(r, Ok(())) && counts(&self.k) == before && wp && self.upgraded.contains(&(tgid, page)) {
            let info = mm_core::arch::PageFaultInfo::new(
                address,
                mm_core::flags::Access::Write,
                user,
                true,
                error_code as u32,
            );
            r = self.k.user_access(kpid, address, |t| t.raise_page_fault(cpu, info));
            if counts(&self.k) != before {
                self.spurious += 1;
            }
        }
        let mode = if user { "" } else { " (kernel mode: EFAULT)" };
        match r {
            Err(Signal::Kill { .. }) => {
                let _ = writeln!(self.out, "# fault: line {line}: SIGKILL (out of memory){mode}");
            }
            Err(sig) => {
                let _ = writeln!(self.out, "# fault: line {line}: {} at {address:#x}{mode}", sig.name());
            }
            Ok(()) if counts(&self.k) == before => match self.unfaulted.iter_mut().find(|(g, _)| *g == tgid) {
                Some((_, u)) => u.count += 1,
                None => self.unfaulted.push((tgid, Unfaulted { count: 1, first_line: line, first_addr: address })),
            },
            Ok(()) => {
                if reused(&self.k) != reused_before {
                    self.upgraded.insert((tgid, page));
                }
            }
        }
        Ok(())
    }

    /// A fault of group `tgid` at event `i` that the model did not take:
    /// if a task of the group is inside a fork (its clone's first half
    /// came before the fault, its event is still to come), creates
    /// the child now, as `dup_mmap` had copied the address space before
    /// the fault was handled.  True if it did.
    fn fork_first(&mut self, i: usize, tgid: u32) -> Result<bool, Stop> {
        let log = self.log;
        let line = log.events[i].line;
        while let Some(&(l, c)) = self.forks.get(self.forks_met)
            && l < line
        {
            self.open_forks.push(c);
            self.forks_met += 1;
        }
        let clone_done = &self.clone_done;
        self.open_forks.retain(|&c| c > i && !clone_done.contains(&c));
        let procs = &self.procs;
        let Some(&c) = self.open_forks.iter().find(|&&c| procs.get(&log.events[c].pid).is_some_and(|p| p.tgid == tgid))
        else {
            return Ok(false);
        };
        let ce = &log.events[c];
        let (Call::Clone { flags }, Expect::Value(child)) = (&ce.call, &ce.expect) else {
            unreachable!("forks are clone events with a pid")
        };
        let child = *child as u32;
        if self.procs.contains_key(&child) {
            return Ok(false);
        }
        self.clone_done.insert(c);
        self.create(ce.pid, child, *flags, line)
    }

    /// `de_thread`: task `by` of `leader`'s thread group ran execve; the
    /// group's other tasks end and `by` goes on as `leader`.
    fn de_thread(&mut self, leader: u32, by: u32) {
        let Some(p) = self.procs.get(&leader).copied() else { return };
        let Some(t) = self.procs.get(&by).copied().filter(|t| t.tgid == p.tgid) else { return };
        let st = self.after_exec.remove(&by);
        // `by`'s task goes on: only its log pid changes.
        self.procs.remove(&by);
        if let Some(g) = self.groups.get_mut(&p.tgid) {
            g.remove(&by);
        }
        for s in self.group(p.tgid) {
            self.remove(s);
        }
        self.add(leader, t.kpid, leader);
        if let Some(st) = st {
            self.after_exec.insert(leader, st);
        }
    }

    /// Follows the log's descriptor: the file the model put at `got`
    /// moves to `want`.
    fn follow_fd(&self, kpid: Pid, got: u64, want: &Expect) {
        let Expect::Value(w) = *want else { return };
        if w < 0 || w as u64 == got {
            return;
        }
        let Ok(t) = self.k.task(kpid) else { return };
        let mut files = t.files.lock();
        raise_nofile(&mut files, w as u64);
        if let Some(f) = files.get(got as i64) {
            let cloexec = files.close_on_exec(got as usize);
            if files.replace_fd(w as usize, f, cloexec).is_ok() {
                files.close(got as i64);
            }
        }
    }

    /// An open of a file outside the model ([`outside_the_model`]) whose
    /// outcome differs from the log's takes the log's: its error (a
    /// descriptor the model opened is closed again), or a placeholder descriptor
    /// that cannot be mapped.
    fn follow_open(&mut self, kpid: Pid, path: &str, r: Result<u64, Errno>, want: &Expect) -> Result<u64, Errno> {
        let Ok(t) = self.k.task(kpid) else { return r };
        match (r, want) {
            (Ok(_) | Err(_), Expect::Error(name)) => {
                let Some(e) = Errno::from_name(name) else { return r };
                match r {
                    Err(got) if got == e => return r,
                    Ok(fd) => {
                        t.files.lock().close(fd as i64);
                    }
                    Err(_) => {}
                }
                self.followed_opens += 1;
                Err(e)
            }
            (Err(_), Expect::Value(w)) if *w >= 0 => {
                let file = self.k.anon_inode_getfile(path, mm_core::fs::FMode::READ);
                let mut files = t.files.lock();
                if files.replace_fd(*w as usize, file, false).is_err() {
                    return r;
                }
                self.followed_opens += 1;
                Ok(*w as u64)
            }
            _ => r,
        }
    }

    /// Files and directories the recorded run made, which the replay
    /// (against the host as it is after the recording) sees otherwise:
    /// - an open the log says succeeded, that the model fails with
    ///   `ENOENT` for a missing directory, with `O_CREAT` or
    ///   `O_DIRECTORY`: the directories were made by the run (mkdir is
    ///   not in the recommended `-e` set, or they went again before the
    ///   recording ended): they are made in the model and the open retried;
    /// - an open the log says failed with `ENOENT` that the model finds,
    ///   where the log makes that path (`O_CREAT`, `mkdir`): the name is
    ///   hidden from the model until it is made.
    fn made_by_the_run(
        &mut self,
        kpid: Pid,
        path: &str,
        flags: u64,
        r: Result<u64, Errno>,
        want: &Expect,
    ) -> Result<u64, Errno> {
        use mm_core::flags::open_flags::{O_CREAT, O_DIRECTORY, O_EXCL};
        match (r, want) {
            (Err(Errno::ENOENT), Expect::Value(w)) if *w >= 0 && flags & (O_CREAT | O_DIRECTORY) != 0 => {
                // Every directory on the way, the last component too for
                // O_DIRECTORY (mkdir -p).
                let dirs_end = if flags & O_CREAT != 0 { path.rfind('/').unwrap_or(0) } else { path.len() };
                let mut ends: Vec<usize> = path[..dirs_end].match_indices('/').map(|(i, _)| i).collect();
                ends.push(dirs_end);
                let mut made = false;
                for i in ends.into_iter().filter(|&i| i > 0) {
                    made |= self.k.do_mkdirat(&path[..i]).is_ok();
                }
                if !made {
                    return r;
                }
                self.made_by_run += 1;
                self.k.sys_openat(kpid, path, flags)
            }
            (Err(Errno::EEXIST), Expect::Value(w)) if *w >= 0 && flags & (O_CREAT | O_EXCL) == (O_CREAT | O_EXCL) => {
                // The run removed the name (unlink, rename: not in the
                // recommended `-e` set) before making it again.
                if self.k.do_unlinkat(path).is_err() {
                    return r;
                }
                self.made_by_run += 1;
                self.k.sys_openat(kpid, path, flags)
            }
            (Ok(fd), Expect::Error(e)) if e == "ENOENT" => {
                // The name was not there when the log was recorded: the
                // run made it later (with O_CREAT, or through calls not
                // traced: a temporary name renamed, as Python writes its
                // .pyc files), or something did since.
                if let Ok(t) = self.k.task(kpid) {
                    t.files.lock().close(fd as i64);
                }
                let _ = self.k.do_unlinkat(path);
                self.made_by_run += 1;
                Err(Errno::ENOENT)
            }
            _ => r,
        }
    }

    /// A descriptor the log uses that the model does not have: opened
    /// from its annotation (for reading and writing if the file allows it:
    /// the mode it was opened with is not in the log; a file the run made
    /// and removed is made again, empty, in memory), or a placeholder.  A
    /// descriptor at or above `RLIMIT_NOFILE` shows the limit was raised
    /// (setrlimit is not in the recommended `-e` set): it is raised to
    /// cover it.
    fn adopt_fd(&self, kpid: Pid, fd: &FdArg) {
        use mm_core::flags::open_flags::{O_CREAT, O_RDONLY, O_RDWR};
        let Some(path) = &fd.path else { return };
        let Ok(t) = self.k.task(kpid) else { return };
        if fd.fd < 0 || t.files.lock().get(fd.fd).is_some() {
            return;
        }
        let file = if path.starts_with('/') {
            [O_RDWR, O_RDONLY, O_RDWR | O_CREAT]
                .into_iter()
                .find_map(|flags| self.k.filp_open(path, flags).ok())
                .unwrap_or_else(|| self.k.anon_inode_getfile(path, mm_core::fs::FMode::READ))
        } else {
            self.k.anon_inode_getfile(path, mm_core::fs::FMode::READ | mm_core::fs::FMode::WRITE)
        };
        let mut files = t.files.lock();
        raise_nofile(&mut files, fd.fd as u64);
        let _ = files.replace_fd(fd.fd as usize, file, false);
    }

    /// The path of the program `/proc/self/exe`, `/proc/thread-self/exe`
    /// or `/proc/P/exe` (P a pid of the log) names: the `exe_file` of
    /// that process in the model.
    fn proc_exe(&self, kpid: Pid, path: &str) -> Option<String> {
        let who = path.strip_prefix("/proc/")?.strip_suffix("/exe")?;
        let kpid = match who {
            "self" | "thread-self" => kpid,
            n => self.procs.get(&n.parse::<u32>().ok()?)?.kpid,
        };
        let f = self.k.task(kpid).ok()?.mm.mmap_read_lock().exe_file.clone()?;
        Some(f.path.clone())
    }

    /// The ASLR check for the first `brk`/`mmap(NULL)` result after an
    /// execve: `Err` with the message if the log was randomized.
    fn check_aslr(&mut self, pid: u32, e: &Event, got: Result<u64, Errno>) -> Result<(), Stop> {
        let Some(st) = self.after_exec.get_mut(&pid) else { return Ok(()) };
        let is_brk = match &e.call {
            Call::Op { op: Op::Brk { addr: 0 }, .. } => true,
            Call::Op { op: Op::Mmap { addr: 0, flags, .. }, .. }
                if flags & mm_core::flags::MapFlags::FIXED.bits() == 0 =>
            {
                false
            }
            _ => return Ok(()),
        };
        let seen = if is_brk { &mut st.brk_seen } else { &mut st.mmap_seen };
        if *seen {
            return Ok(());
        }
        *seen = true;
        let st = *st;
        if st.brk_seen && st.mmap_seen {
            self.after_exec.remove(&pid);
        }
        let Expect::Value(want) = e.expect else { return Ok(()) };
        let Ok(got) = got else { return Ok(()) };
        if !shows_randomization(want as u64, got) {
            if is_brk
                && want as u64 == got
                && let Some(s) = self.after_exec.get_mut(&pid)
            {
                s.brk_matched = true;
            }
            return Ok(());
        }
        let line = e.line;
        Err(if st.setid {
            // begin_new_exec clears PER_CLEAR_ON_SETID, ADDR_NO_RANDOMIZE
            // included, for a set-user-ID or set-group-ID program.
            format!(
                "line {line}: the program is set-user-ID or set-group-ID, so the kernel ran it with address-space randomization on although the log was recorded with `setarch -R`; its addresses cannot be replayed"
            )
        } else if !is_brk && st.brk_matched {
            // The heap is where the model put it: only mmap_base moved,
            // which RLIMIT_STACK decides.
            format!(
                "line {line}: mmap_base differs while brk matched: the program ran under another stack limit (`ulimit -s`); record with `-e trace=...,prlimit64,setrlimit` so that the replay sees it"
            )
        } else {
            format!(
                "line {line}: the log was recorded with address-space randomization on (record with `setarch -R strace ...`)"
            )
        })
    }

    fn run_event(&mut self, i: usize) -> Result<(), Stop> {
        let log = self.log;
        let e = &log.events[i];
        let pid = e.pid;
        if !self.procs.contains_key(&pid) {
            if let Call::Exit { .. } = e.call {
                // The end of a task never seen alive (or already gone).
                self.performed += 1;
                return Ok(());
            }
            if self.never.contains(&pid) {
                let _ = writeln!(self.out, "# diverged: line {}: pid {pid} was never created", e.line);
                return Ok(());
            }
            if !self.materialize(pid, i)? {
                // (materialize said why.)
                self.never.insert(pid);
                return Ok(());
            }
        }
        self.last_pid = Some(pid);
        self.last_tgid = Some(self.procs[&pid].tgid);
        self.performed += 1;
        let kpid = self.procs[&pid].kpid;
        let r: Option<Result<u64, Errno>> = match &e.call {
            Call::Op { op, fd } => {
                if let Some(fd) = fd {
                    self.adopt_fd(kpid, fd);
                }
                let k = &self.k;
                match op {
                    Op::Mmap { addr, len, prot, flags, fd, off } => {
                        Some(k.sys_mmap(kpid, *addr, *len, *prot, *flags, *fd, *off))
                    }
                    Op::Munmap { addr, len } => Some(k.sys_munmap(kpid, *addr, *len)),
                    Op::Mprotect { addr, len, prot } => Some(k.sys_mprotect(kpid, *addr, *len, *prot)),
                    Op::Mremap { old, old_len, new_len, flags, new_addr } => {
                        Some(k.sys_mremap(kpid, *old, *old_len, *new_len, *flags, *new_addr))
                    }
                    Op::Madvise { addr, len, advice } => Some(k.sys_madvise(kpid, *addr, *len, *advice)),
                    Op::Brk { addr } => Some(k.sys_brk(kpid, *addr)),
                    Op::Msync { addr, len, flags } => Some(k.sys_msync(kpid, *addr, *len, *flags)),
                    Op::Mlock { addr, len } => Some(k.sys_mlock(kpid, *addr, *len)),
                    Op::Mlock2 { addr, len, flags } => Some(k.sys_mlock2(kpid, *addr, *len, *flags)),
                    Op::Munlock { addr, len } => Some(k.sys_munlock(kpid, *addr, *len)),
                    Op::Mlockall { flags } => Some(k.sys_mlockall(kpid, *flags)),
                    Op::Munlockall => Some(k.sys_munlockall(kpid)),
                    Op::File { name, size } => {
                        let mut fill = |p: u64, page: &mut [u8]| {
                            for (j, b) in page.iter_mut().enumerate() {
                                *b = (p as usize + j) as u8;
                            }
                        };
                        if k.create_file(name, *size, &mut fill).is_err() {
                            return Err(format!("line {}: the simulated machine is out of memory", e.line));
                        }
                        None
                    }
                    Op::Dump { label, smaps } => {
                        self.dump(e.line, pid, kpid, label, *smaps);
                        None
                    }
                    Op::Load { addr, len } => {
                        self.access(e.line, pid, kpid, *addr, *len, None);
                        None
                    }
                    Op::Store { addr, len, val } => {
                        self.access(e.line, pid, kpid, *addr, *len, Some(*val));
                        None
                    }
                    _ => None,
                }
            }
            Call::Open { path, flags } => {
                let exe = self.proc_exe(kpid, path);
                let mut r = self.k.sys_openat(kpid, exe.as_deref().unwrap_or(path), *flags);
                if exe.is_none() && !outside_the_model(path) {
                    r = self.made_by_the_run(kpid, path, *flags, r, &e.expect);
                }
                if exe.is_none() && outside_the_model(path) {
                    r = self.follow_open(kpid, path, r, &e.expect);
                }
                if let Ok(fd) = r {
                    self.follow_fd(kpid, fd, &e.expect);
                    self.maps_read.remove(&(pid, fd as i64));
                    if let Expect::Value(w) = e.expect {
                        self.maps_read.remove(&(pid, w));
                    }
                }
                Some(r.map(|fd| match e.expect {
                    Expect::Value(w) if w >= 0 => w as u64,
                    _ => fd,
                }))
            }
            Call::Close { fd } => {
                self.adopt_fd(kpid, fd);
                Some(self.k.sys_close(kpid, fd.fd))
            }
            Call::Execve { path, argv, envp, whole } => {
                // E2BIG from strings strace cut: the model would run the
                // program the kernel refused; the log is followed.
                if !whole && matches!(&e.expect, Expect::Error(n) if n == "E2BIG") {
                    self.cut_exec_followed += 1;
                    return Ok(());
                }
                // `/proc/self/exe` is the program the process runs, not
                // the host's (busybox runs its applets so).
                let exe = self.proc_exe(kpid, path);
                let r = self.k.execve(kpid, exe.as_deref().unwrap_or(path), argv, envp).map(|()| 0);
                if r.is_ok() {
                    // A set-user-ID or set-group-ID program runs randomized.
                    let setid = self.k.open_exec(path).is_ok_and(|f| f.inode.mode & 0o6000 != 0);
                    self.after_exec.insert(pid, AfterExec { setid, ..AfterExec::default() });
                }
                Some(r)
            }
            Call::Rename { old, new } => {
                let _ = self.k.do_renameat2(old, new);
                None
            }
            Call::Link { old, new } => {
                let _ = self.k.do_linkat(old, new);
                None
            }
            Call::Mkdir { path } => {
                let _ = self.k.do_mkdirat(path);
                None
            }
            Call::Unlink { path } => {
                // Followed, as the log says it succeeded; its result is
                // not compared (the file may have come from outside).
                let _ = self.k.do_unlinkat(path);
                None
            }
            Call::SetRlimitStack { pid: target, cur } => {
                // A pid the log does not show is outside the model.
                let t = if *target == 0 { Some(kpid) } else { self.procs.get(target).map(|p| p.kpid) };
                t.map(|t| self.k.do_prlimit_stack(t, Some(*cur)).map(|_| 0))
            }
            Call::Clone { flags } => {
                match e.expect {
                    Expect::Value(c) if c > 0 && c <= i64::from(crate::strace::PID_MAX_LIMIT) => {
                        let c = c as u32;
                        if !self.clone_done.contains(&i) && !self.procs.contains_key(&c) {
                            self.clone_done.insert(i);
                            self.create(pid, c, *flags, e.line)?;
                        }
                        None
                    }
                    Expect::Value(_) => None,
                    // A failed clone: the model's must fail too.
                    _ => {
                        let r = self.k.kernel_clone(kpid, *flags);
                        if let Ok(c) = r {
                            self.k.exit(c);
                        }
                        Some(r.map(u64::from))
                    }
                }
            }
            Call::ExitGroup => {
                self.exit(pid, true, e.line);
                None
            }
            Call::Exit { group } => {
                self.exit(pid, *group, e.line);
                None
            }
            Call::Superseded { by } => {
                self.de_thread(pid, *by);
                None
            }
            Call::Fault { .. } if self.unhandled.contains(&i) => {
                self.unhandled_met += 1;
                None
            }
            Call::Fault { address, error_code, user, inside, .. } => {
                self.fault(i, pid, kpid, (*address, *error_code, *user, inside.as_deref()))?;
                None
            }
            Call::Dup { old } => {
                self.adopt_fd(kpid, old);
                let r = self.k.sys_dup(kpid, old.fd);
                self.fd_result(kpid, r, &e.expect)
            }
            Call::Dup2 { old, new } => {
                self.adopt_fd(kpid, old);
                Some(self.k.sys_dup2(kpid, old.fd, *new))
            }
            Call::Dup3 { old, new, flags } => {
                self.adopt_fd(kpid, old);
                Some(self.k.sys_dup3(kpid, old.fd, *new, *flags))
            }
            Call::Fcntl { fd, cmd, arg } => {
                self.adopt_fd(kpid, fd);
                let r = self.k.sys_fcntl(kpid, fd.fd, *cmd, *arg);
                if matches!(*cmd, mm_core::kernel::F_DUPFD | mm_core::kernel::F_DUPFD_CLOEXEC) {
                    self.fd_result(kpid, r, &e.expect)
                } else {
                    Some(r)
                }
            }
            Call::CloseRange { first, last, flags } => Some(self.k.sys_close_range(kpid, *first, *last, *flags)),
            Call::Pair { name, fds, flags } => {
                let r = self.k.do_pipe2(kpid, name, *flags);
                if let Ok((a, b)) = r {
                    for (got, want) in [(a, fds[0]), (b, fds[1])] {
                        self.follow_fd(kpid, got, &Expect::Value(want));
                    }
                }
                Some(r.map(|_| 0))
            }
            Call::AnonFd { name, flags } => {
                let r = self.k.anon_inode_getfd(kpid, name, *flags);
                self.fd_result(kpid, r, &e.expect)
            }
            Call::MemfdCreate { name, flags } => {
                let r = self.k.sys_memfd_create(kpid, name, *flags);
                self.fd_result(kpid, r, &e.expect)
            }
            Call::Read { fd } => {
                if self.opts.maps_at_read
                    && let Some(target) = fd.path.as_deref().and_then(proc_maps_pid)
                    && self.maps_read.insert((pid, fd.fd))
                {
                    let target = if self.procs.contains_key(&target) { target } else { pid };
                    self.print_maps(target, target, "read", e.line);
                }
                // Counted with the calls not modelled.
                self.performed -= 1;
                None
            }
        };
        if let Some(r) = r {
            let expect = self.concurrent_expect(i, r);
            self.check_aslr(pid, e, r)?;
            report_result(&mut self.out, e.line, returns_addr(&e.call), &expect, r);
        }
        Ok(())
    }

    /// What event `i` is expected to return.  Threads that call `mmap`
    /// with the same arguments at the same time (each call's first half
    /// before the other's resumed half) take the `mmap_lock` in an order
    /// the log does not show: strace prints the results as they reach it.
    /// When `i`'s result is the one the log gave such a twin, the two
    /// results are taken as exchanged (both orders leave the same
    /// mappings), and the twin is expected to return `i`'s.
    fn concurrent_expect(&mut self, i: usize, got: Result<u64, Errno>) -> Expect {
        let log = self.log;
        let e = &log.events[i];
        let expect = self.exchanged.remove(&i).unwrap_or_else(|| e.expect.clone());
        let (Ok(got), Expect::Value(want), Call::Op { op: op @ Op::Mmap { addr: 0, flags, .. }, .. }) =
            (got, &expect, &e.call)
        else {
            return expect;
        };
        if *want as u64 == got || flags & mm_core::flags::MapFlags::FIXED.bits() != 0 {
            return expect;
        }
        let twin = (i + 1..log.events.len())
            .take_while(|&j| log.events[j].line < e.end_line)
            .filter(|j| !self.exchanged.contains_key(j))
            .find(|&j| {
                let t = &log.events[j];
                t.pid != e.pid
                    && matches!(&t.call, Call::Op { op: o, .. } if o == op)
                    && t.expect == Expect::Value(got as i64)
            });
        match twin {
            Some(j) => {
                self.exchanged.insert(j, expect);
                Expect::Value(got as i64)
            }
            None => expect,
        }
    }

    /// A call that made a descriptor: it moves to the one the log shows.
    fn fd_result(&self, kpid: Pid, r: Result<u64, Errno>, expect: &Expect) -> Option<Result<u64, Errno>> {
        if let Ok(fd) = r {
            self.follow_fd(kpid, fd, expect);
        }
        Some(r.map(|fd| match *expect {
            Expect::Value(w) if w >= 0 => w as u64,
            _ => fd,
        }))
    }

    fn dump(&mut self, line: usize, pid: u32, kpid: Pid, label: &str, smaps: bool) {
        if self.k.task(kpid).is_err() {
            let _ = writeln!(self.out, "# diverged: line {line}: pid {pid} is gone in the model");
            return;
        }
        let (lo, hi) = self.log.window;
        let _ = if label.is_empty() {
            writeln!(self.out, "== dump (pid {pid})")
        } else {
            writeln!(self.out, "== dump {label} (pid {pid})")
        };
        crate::run::dump_body(&mut self.out, &self.k, kpid, lo, hi, smaps);
    }

    fn access(&mut self, line: usize, pid: u32, kpid: Pid, addr: u64, len: u64, store: Option<u8>) {
        if self.k.task(kpid).is_err() {
            let _ = writeln!(self.out, "# diverged: line {line}: pid {pid} is gone in the model");
            return;
        }
        let k = &self.k;
        let text = crate::run::access_pages(line, addr, len, store.is_none(), |a| match store {
            Some(v) => k.store(kpid, a, v).map(|()| 0),
            None => k.load(kpid, a),
        });
        self.out.push_str(&text);
    }
}

/// The log shows descriptor `fd` open: `RLIMIT_NOFILE` was at least
/// `fd + 1` (raised by a call the log does not show), up to `NR_OPEN`.
fn raise_nofile(files: &mut mm_core::task::FdTable, fd: u64) {
    if fd < mm_core::task::NR_OPEN as u64 && fd as usize >= files.rlimit_nofile() {
        let _ = files.set_rlimit_nofile(fd as usize + 1);
    }
}

/// Files whose existence and permissions are the recording machine's
/// state at that moment, not memory management: `/proc` (other
/// processes, the recorded pids), `/sys`, and devices (`/dev/tty` fails
/// without a controlling terminal).  Opening them succeeds or fails as
/// the log says; `/dev/shm` (tmpfs) is not among them.
/// The kernel-mode faults of `events` the kernel took with page faults
/// disabled: it does not handle them (`do_user_addr_fault` sees
/// `faulthandler_disabled()`, fixes the access up and counts nothing), and
/// makes the access again with faults enabled, which faults again.  So it
/// saves the FPU state into a signal's frame (`copy_fpstate_to_sigframe`:
/// `XSAVE` with page faults disabled, then `__clear_user` of the area and
/// a retry), and so `futex` reads the futex word.  Such a fault is one the
/// task's next line repeats: a kernel-mode fault on the same page with
/// the same error code, in the same call or outside any (one the kernel
/// handled leaves the page as the access needs it).  Inside `execve` no
/// fault is run anyway.
fn pagefault_disabled_faults(events: &[Event]) -> HashSet<usize> {
    let mut last: HashMap<u32, usize> = HashMap::default();
    let mut out = HashSet::default();
    for (i, e) in events.iter().enumerate() {
        if let Some(&j) = last.get(&e.pid)
            && let (
                Call::Fault { address: a, error_code: ea, user: false, inside: ia, .. },
                Call::Fault { address: b, error_code: eb, user: false, inside: ib, .. },
            ) = (&events[j].call, &e.call)
            && a >> 12 == b >> 12
            && ea == eb
            && ia == ib
            && ia.as_deref() != Some("execve")
        {
            out.insert(j);
        }
        last.insert(e.pid, i);
    }
    out
}

fn outside_the_model(path: &str) -> bool {
    let under = |dir: &str| path.strip_prefix(dir).is_some_and(|r| r.is_empty() || r.starts_with('/'));
    (under("/proc") || under("/sys") || under("/dev")) && !under("/dev/shm")
}

/// The pid whose maps `/proc/PID/maps` (or `/proc/PID/task/TID/maps`)
/// shows.
fn proc_maps_pid(path: &str) -> Option<u32> {
    let rest = path.strip_prefix("/proc/")?;
    let (p, tail) = rest.split_once('/')?;
    let ok =
        tail == "maps" || tail.strip_prefix("task/").and_then(|t| t.split_once('/')).is_some_and(|(_, m)| m == "maps");
    if ok { p.parse().ok() } else { None }
}

/// Whether the log's address `want` differs from the model's `got` as
/// address-space randomization would make it: by `ASLR_DISTANCE` or
/// more.
pub fn shows_randomization(want: u64, got: u64) -> bool {
    want.abs_diff(got) >= ASLR_DISTANCE
}

fn returns_addr(c: &Call) -> bool {
    matches!(c, Call::Op { op, .. } if op.returns_addr())
}

/// Replays a parsed log and returns its output; a replay that must stop
/// returns what it printed so far with the error.
pub fn replay(log: &Log, opts: &RunOptions) -> Result<String, Stopped> {
    replay_log(log, opts, None).map(|(out, _)| out)
}

/// [`replay`], and the kernel as the log left it, for a caller that
/// reads its counters afterwards (`mmsim sweep`).
pub fn replay_keep(log: &Log, opts: &RunOptions) -> Result<(String, Kernel), Stopped> {
    let k = machine(opts)?;
    replay_log_on(k, log, opts, None).map(|(out, _, k)| (out, k))
}

/// Replays a recording (docs/scenario-format.md, "Recordings"): its trace
/// with the page faults run, on a machine with a CPU for each task (up to
/// 64), its root snapshot as `/` unless `opts` gives a root or an image.
/// The output ends with the outcome of every thread group as it ended;
/// with `check`, the differences from the recorded outcome follow.
/// Returns the output and the number of differences.
pub fn replay_bundle(b: &Bundle, opts: &RunOptions, check: bool) -> Result<(String, usize), Stopped> {
    let m = BundleMachine::new(b, opts)?;
    m.replay(b, check).map(|(out, diffs, _)| (out, diffs))
}

/// [`replay`], with `obs` told of the start and of every event.
pub fn replay_observed(log: &Log, opts: &RunOptions, obs: &mut dyn StepObserver) -> Result<String, Stopped> {
    let k = machine(opts)?;
    let replayed = run_log_on(k, log, std::borrow::Cow::Borrowed(opts), None, None, Some(obs))?;
    Ok(replayed.report(false).0)
}

/// [`replay_bundle`], with `obs` told of the start (the machine set up,
/// the program not run yet) and of every event.
pub fn replay_bundle_observed(
    b: &Bundle,
    opts: &RunOptions,
    check: bool,
    obs: &mut dyn StepObserver,
) -> Result<(String, usize), Stopped> {
    let BundleMachine { k, opts, index, initial } = BundleMachine::new(b, opts)?;
    let replayed = run_log_on(k, &b.log, std::borrow::Cow::Owned(opts), Some(b), Some((initial, index)), Some(obs))?;
    let (out, diffs, _) = replayed.report(check);
    Ok((out, diffs))
}

/// The machine a recording replays on, set up as it was when the
/// recording started (its root mounted, with the page cache the bundle
/// describes) and nothing run yet: [`replay_bundle`] in two steps, so
/// that the program's own work can be told from the set-up (the
/// benchmarks time [`BundleMachine::run`] alone).
pub struct BundleMachine {
    k: Kernel,
    opts: RunOptions,
    index: LogIndex,
    /// The task the recorded program starts in.
    initial: Pid,
}

impl BundleMachine {
    /// Sets up the machine for `b`: `opts`' machine with a CPU for each
    /// task (up to 64) and the bundle's root snapshot as `/`, unless
    /// `opts` gives a root or an image.
    pub fn new(b: &Bundle, opts: &RunOptions) -> Result<BundleMachine, Stopped> {
        let mut opts = opts.clone();
        if opts.root.is_none() && opts.image.is_none() {
            opts.root_snapshot = Some(Arc::new(b.root.clone()));
        }
        let tasks: HashSet<u32> = b.log.events.iter().map(|e| e.pid).collect();
        opts.machine.nr_cpus = opts.machine.nr_cpus.max(tasks.len().clamp(1, 64));
        let mut k = machine(&opts)?;
        let initial = spawn_initial(&mut k).map_err(|_| Stopped {
            output: String::new(),
            error: RunError::Log("out of memory making the first task".to_string()),
        })?;
        Ok(BundleMachine { k, opts, index: LogIndex::new(&b.log), initial })
    }

    /// The machine as set up, before the program runs (`mmsim sweep`
    /// reads its counters, to count the program's work alone).
    pub fn kernel(&self) -> &Kernel {
        &self.k
    }

    /// Replays `b` (the bundle the machine was set up for) as
    /// [`replay_bundle`] does, and gives the machine back after it (its
    /// teardown is not the program's work).
    pub fn replay(self, b: &Bundle, check: bool) -> Result<(String, usize, Kernel), Stopped> {
        Ok(self.run(b)?.report(check))
    }

    /// Runs every event of `b` (the program's work: its calls and faults,
    /// and the outcome taken as each thread group ends), leaving the
    /// report to [`Replayed::report`]. The benchmarks time this.
    pub fn run(self, b: &Bundle) -> Result<Replayed<'_>, Stopped> {
        let BundleMachine { k, opts, index, initial } = self;
        run_log_on(k, &b.log, std::borrow::Cow::Owned(opts), Some(b), Some((initial, index)), None)
    }
}

/// A kernel for `opts` with its root mounted.
fn machine(opts: &RunOptions) -> Result<Kernel, Stopped> {
    let stop = |error| Stopped { output: String::new(), error };
    let cfg = opts.machine_for(&[]).map_err(stop)?;
    let mut k = Kernel::new(&cfg).map_err(|e| stop(RunError::Config(e)))?;
    crate::run::mount_root(&mut k, opts).map_err(stop)?;
    Ok(k)
}

/// [`replay`], and for a recording ([`replay_bundle`]) the outcome blocks
/// and the check.
fn replay_log(log: &Log, opts: &RunOptions, bundle: Option<(&Bundle, bool)>) -> Result<(String, usize), Stopped> {
    let k = machine(opts)?;
    replay_log_on(k, log, opts, bundle).map(|(out, diffs, _)| (out, diffs))
}

/// The task a log's first pid starts in, with the standard descriptors
/// open.
fn spawn_initial(k: &mut Kernel) -> mm_core::SysResult<Pid> {
    let kpid = k.spawn()?;
    let files = k.task(kpid).expect("spawned").files.clone();
    for fd in 0..3 {
        let f = k.anon_inode_getfile(
            ["/dev/stdin", "/dev/stdout", "/dev/stderr"][fd],
            mm_core::fs::FMode::READ | mm_core::fs::FMode::WRITE,
        );
        let _ = files.lock().replace_fd(fd, f, false);
    }
    Ok(kpid)
}

/// What the replay looks up in its log as it goes, found before it starts
/// (the log is read, not run).
struct LogIndex {
    /// For each child pid, the indices of the clone events that return it.
    clones_of: HashMap<u32, Vec<usize>>,
    /// The clones that make a process with an address space of its own
    /// (no `CLONE_VM`): (first line, event), by line.
    forks: Vec<(usize, usize)>,
    /// For each child pid, the events of the `SIGCHLD`s naming it, with
    /// the pid that received each.
    sigchld_of: HashMap<u32, Vec<(usize, u32)>>,
    /// The thread stacks mapped (`MAP_STACK`): (event, address, pid).
    stacks: Vec<(usize, u64, u32)>,
    /// For a pid, the first thread stack it frees or unmaps itself.
    own_stack: HashMap<u32, u64>,
    /// `pagefault_disabled_faults`.
    unhandled: HashSet<usize>,
}

impl LogIndex {
    fn new(log: &Log) -> LogIndex {
        let mut clones_of: HashMap<u32, Vec<usize>> = HashMap::default();
        let mut forks = Vec::new();
        for (i, e) in log.events.iter().enumerate() {
            if let (Call::Clone { flags }, Expect::Value(c)) = (&e.call, &e.expect)
                && *c > 0
                && *c <= i64::from(crate::strace::PID_MAX_LIMIT)
            {
                clones_of.entry(*c as u32).or_default().push(i);
                if flags & CLONE_VM == 0 {
                    forks.push((e.line, i));
                }
            }
        }
        forks.sort_unstable();
        let mut sigchld_of: HashMap<u32, Vec<(usize, u32)>> = HashMap::default();
        for &(at, receiver, child) in &log.sigchld {
            sigchld_of.entry(child).or_default().push((at, receiver));
        }
        let mut stacks = Vec::new();
        for (i, e) in log.events.iter().enumerate() {
            if let (Call::Op { op: Op::Mmap { flags, .. }, .. }, Expect::Value(a)) = (&e.call, &e.expect)
                && flags & mm_core::flags::MapFlags::STACK.bits() != 0
                && *a > 0
            {
                stacks.push((i, *a as u64, e.pid));
            }
        }
        let stack_addrs: HashSet<u64> = stacks.iter().map(|&(_, a, _)| a).collect();
        let mut own_stack: HashMap<u32, u64> = HashMap::default();
        if !stack_addrs.is_empty() {
            for e in &log.events {
                if let Call::Op { op: Op::Madvise { addr, .. } | Op::Munmap { addr, .. }, .. } = e.call
                    && stack_addrs.contains(&addr)
                {
                    own_stack.entry(e.pid).or_insert(addr);
                }
            }
        }
        LogIndex { clones_of, forks, sigchld_of, stacks, own_stack, unhandled: pagefault_disabled_faults(&log.events) }
    }
}

/// [`replay_log`] on a machine already set up; gives the machine back.
fn replay_log_on(
    k: Kernel,
    log: &Log,
    opts: &RunOptions,
    bundle: Option<(&Bundle, bool)>,
) -> Result<(String, usize, Kernel), Stopped> {
    let check = bundle.is_some_and(|(_, c)| c);
    Ok(run_log_on(k, log, std::borrow::Cow::Borrowed(opts), bundle.map(|(b, _)| b), None, None)?.report(check))
}

/// Every event of `log` run on `k`: the program's work, without the
/// report.
fn run_log_on<'a>(
    k: Kernel,
    log: &'a Log,
    opts: std::borrow::Cow<'a, RunOptions>,
    bundle: Option<&'a Bundle>,
    prepared: Option<(Pid, LogIndex)>,
    mut obs: Option<&mut dyn StepObserver>,
) -> Result<Replayed<'a>, Stopped> {
    let filter = crate::trace::RunTrace::filter_of(&opts).map_err(|error| Stopped { output: String::new(), error })?;
    let trace = crate::trace::RunTrace::attach(&k, &opts, filter);
    let (initial, index) = match prepared {
        Some((initial, index)) => (Some(initial), index),
        None => (None, LogIndex::new(log)),
    };
    let LogIndex { clones_of, forks, sigchld_of, stacks, own_stack, unhandled } = index;
    let mut r = Replay {
        log,
        k,
        opts,
        procs: HashMap::default(),
        groups: HashMap::default(),
        sigchld_of,
        stacks,
        own_stack,
        stacks_taken: HashSet::default(),
        clones_of,
        clone_done: HashSet::default(),
        last_pid: None,
        last_tgid: None,
        never: HashSet::default(),
        after_exec: HashMap::default(),
        exchanged: HashMap::default(),
        made_by_run: 0,
        cut_exec_followed: 0,
        maps_read: HashSet::default(),
        performed: 0,
        followed_opens: 0,
        out: String::new(),
        cpu_of: HashMap::default(),
        next_cpu: 0,
        dead_faults: HashMap::default(),
        outcomes: bundle.map(|_| Vec::new()),
        unfaulted: Vec::new(),
        forks,
        forks_met: 0,
        open_forks: Vec::new(),
        upgraded: HashSet::default(),
        spurious: 0,
        exec_faults: 0,
        unhandled,
        unhandled_met: 0,
        trace,
        initial_faults: bundle.map_or((0, 0), |b| b.before_exec),
        initial,
    };
    if let Some(o) = obs.as_deref_mut() {
        o.start(&r.k);
    }
    for i in 0..log.events.len() {
        let mark = r.out.len();
        let res = r.run_event(i);
        if let Some(o) = obs.as_deref_mut() {
            let e = &log.events[i];
            let pid = r.procs.get(&e.pid).map(|p| p.kpid);
            o.step(&StepInfo { line: e.line, text: &e.text, pid, out: &r.out[mark..] }, &r.k);
        }
        if let Some(t) = &r.trace {
            // The call chain goes before the line's own output.
            let lines = t.take();
            if !lines.is_empty() {
                let own = r.out.split_off(mark);
                let e = &log.events[i];
                let _ = writeln!(r.out, "-- line {}: {}", e.line, e.text);
                for t in lines {
                    let _ = writeln!(r.out, "  {t}");
                }
                r.out.push_str(&own);
            }
        }
        if let Err(msg) = res {
            return Err(Stopped { output: r.out, error: RunError::Log(msg) });
        }
    }
    Ok(Replayed { r, bundle })
}

/// A log or recording replayed, its report not written yet
/// ([`BundleMachine::run`]).
pub struct Replayed<'a> {
    r: Replay<'a>,
    bundle: Option<&'a Bundle>,
}

impl Replayed<'_> {
    /// The output (the events' own lines, then the summary lines and,
    /// for a recording, the outcome blocks), with `check` the differences
    /// from the recorded outcome and their number, and the machine.
    pub fn report(self, check: bool) -> (String, usize, Kernel) {
        let Replayed { mut r, bundle } = self;
        let log = r.log;
        if r.followed_opens > 0 {
            let _ = writeln!(
                r.out,
                "# outside the model: {} opens under /proc, /sys or /dev followed the log",
                r.followed_opens
            );
        }
        if r.cut_exec_followed > 0 {
            let _ = writeln!(
                r.out,
                "# cut by strace: {} execve calls the log says failed with E2BIG were not run (record with -v -s 1000000)",
                r.cut_exec_followed
            );
        }
        if r.made_by_run > 0 {
            let _ = writeln!(
                r.out,
                "# made by the recorded run: {} opens followed the log (files and directories the run made or removed)",
                r.made_by_run
            );
        }
        if let Some(l) = log.not_modelled_line() {
            r.out.push_str(&l);
            r.out.push('\n');
        }
        if r.exec_faults > 0 {
            let _ = writeln!(
                r.out,
                "# inside execve: {} kernel-mode faults the model's execve makes itself",
                r.exec_faults
            );
        }
        if r.unhandled_met > 0 {
            let _ = writeln!(
                r.out,
                "# not handled: {} kernel-mode faults with page faults disabled, taken again at once",
                r.unhandled_met
            );
        }
        if r.spurious > 0 {
            let _ = writeln!(
                r.out,
                "# spurious: {} recorded write faults found the entry already writable (made so in place at an earlier fault; the CPU held the old translation)",
                r.spurious
            );
        }
        for (pid, u) in &r.unfaulted {
            let _ = writeln!(
                r.out,
                "# not faulted: pid {pid}: {} recorded faults did not fault in the model (first: line {}, {:#x})",
                u.count, u.first_line, u.first_addr
            );
        }
        let outcomes: Vec<Outcome> = r.outcomes.take().unwrap_or_default().into_iter().map(Captured::lines).collect();
        for o in &outcomes {
            crate::bundle::format_outcome(&mut r.out, o);
        }
        let _ = writeln!(r.out, "ok {} lines, {} skipped", r.performed + log.nwindow, log.skipped);
        let mut diffs = 0;
        if let (Some(b), true) = (bundle, check) {
            let (text, n) = crate::bundle::check(&outcomes, &b.expect, &r.unfaulted);
            r.out.push_str(&text);
            diffs = n;
        }
        if let Some(t) = &r.trace {
            t.write_summary(&mut r.out);
        }
        (r.out, diffs, r.k)
    }
}
