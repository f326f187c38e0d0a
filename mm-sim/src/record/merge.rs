//! One stream from two: the calls `ptrace` saw of each task, in order,
//! and the tracepoint samples, ordered by time.  The k-th `sys_enter` of
//! a task is its k-th call; the faults between a call's `sys_enter` and
//! `sys_exit` are inside it and split it into its `<unfinished ...>` and
//! `<... NAME resumed>` halves.
//!
//! Signals have no tracepoint: each signal stop `ptrace` saw comes as a
//! sample of its own ([`Ev::Signal`]), timed while the task was stopped,
//! so between the task's samples before and after it.  The signal's
//! frame the kernel writes on the user stack faults outside any call
//! (`page_fault_kernel` after the `---` line), and the handler returns
//! through `rt_sigreturn`, whose `sys_exit` carries no call number: the
//! sigreturn restores the registers and sets the call number to -1 (no
//! call to restart), so its result is the restored `rax`.

use super::format::fault_line;
use super::perf::{Ev, Sample};
use std::collections::HashMap;

/// A call as `ptrace` saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct CallText {
    pub nr: u64,
    pub name: String,
    /// The arguments, as written between the parentheses.
    pub args: String,
    /// The result (`None`: the call did not return, `?`).
    pub ret: Option<String>,
}

/// What `ptrace` saw of one task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TaskLog {
    pub calls: Vec<CallText>,
    /// `+++ exited with N +++` or `+++ killed by SIG +++`.
    pub exit_line: Option<String>,
    /// Its signal stops, `--- SIG... ---` lines, in order.
    pub signals: Vec<String>,
}

/// What the merge counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct MergeStats {
    pub calls: usize,
    pub user_faults: usize,
    pub kernel_faults: usize,
    /// Samples of the first task before its first call (the recorder's
    /// child between the tracepoints' start and its `execve`).
    pub before_first_call: usize,
}

/// `clone`, `fork`, `vfork`, `clone3`: a new task returns from them.
const CREATE_CALLS: [u64; 4] = [56, 57, 58, 435];

/// `rt_sigreturn`.
const RT_SIGRETURN: u64 = 15;

/// The call number `sys_exit` shows after `rt_sigreturn`.
const NO_CALL: u64 = u64::MAX;

#[derive(Default)]
struct State {
    next: usize,
    open: Option<usize>,
    /// The open call's first half was written (`<unfinished ...>`).
    split: bool,
    exited: bool,
}

struct Writer<'a> {
    out: String,
    tasks: &'a HashMap<u32, TaskLog>,
    /// The pid a task's lines carry when it is not its own: the thread
    /// that ran `execve` goes on under its leader's.
    shown: HashMap<u32, u32>,
    /// A call whose first line is held: written whole if its end comes
    /// next, else as its first half.
    held: Option<(u32, usize)>,
}

impl Writer<'_> {
    fn call(&self, tid: u32, k: usize) -> (u32, &CallText) {
        (self.shown.get(&tid).copied().unwrap_or(tid), &self.tasks[&tid].calls[k])
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// Writes the held call's first half.
    fn release(&mut self, st: &mut HashMap<u32, State>) {
        if let Some((tid, k)) = self.held.take() {
            let (pid, c) = self.call(tid, k);
            let l = format!("{pid} {}({} <unfinished ...>", c.name, c.args);
            self.line(&l);
            st.entry(tid).or_default().split = true;
        }
    }

    fn whole(&mut self, tid: u32, k: usize) {
        let (pid, c) = self.call(tid, k);
        let l = format!("{pid} {}({}) = {}", c.name, c.args, c.ret.as_deref().unwrap_or("?"));
        self.line(&l);
    }

    fn resumed(&mut self, tid: u32, k: usize) {
        let (pid, c) = self.call(tid, k);
        let l = format!("{pid} <... {} resumed>) = {}", c.name, c.ret.as_deref().unwrap_or("?"));
        self.line(&l);
    }

    /// Ends task `tid`: its open call resumed with `?`, then its exit line.
    fn exit(&mut self, tid: u32, st: &mut HashMap<u32, State>) -> Result<(), MergeError> {
        let s = st.entry(tid).or_default();
        if s.exited {
            return Ok(());
        }
        s.exited = true;
        let (open, split) = (s.open.take(), s.split);
        if let Some(k) = open {
            if self.held == Some((tid, k)) {
                self.held = None;
                self.whole(tid, k);
            } else if split {
                self.resumed(tid, k);
            } else {
                self.whole(tid, k);
            }
        }
        let t = &self.tasks[&tid];
        // A call ptrace stopped at but the task never made (killed at
        // its entry stop): written as a call that did not return.
        let next = st[&tid].next;
        if t.calls.len() > next + 1 {
            return Err(MergeError::FewerCalls { tid, stopped: t.calls.len(), seen: next });
        }
        for k in next..t.calls.len() {
            self.whole(tid, k);
        }
        st.get_mut(&tid).expect("entry made above").next = t.calls.len();
        if let Some(e) = &self.tasks[&tid].exit_line {
            let l = format!("{} {e}", self.shown.get(&tid).copied().unwrap_or(tid));
            self.line(&l);
        }
        Ok(())
    }
}

/// Where the tracepoints and ptrace disagree (calls and stops are
/// numbered from 1).
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("the tracepoints saw task {tid}, which ptrace never stopped")]
    UnknownTask { tid: u32 },
    #[error("task {tid}: a sample after its exit")]
    AfterExit { tid: u32 },
    #[error("task {tid}: sys_enter {nr} inside its call {call} ({name})")]
    EnterInsideCall { tid: u32, nr: u64, call: usize, name: String },
    #[error("task {tid}: the tracepoints saw more calls than ptrace stopped at ({calls} calls, next nr {nr})")]
    MoreCalls { tid: u32, calls: usize, nr: u64 },
    #[error("task {tid}: ptrace stopped at {stopped} calls, the tracepoints saw {seen}")]
    FewerCalls { tid: u32, stopped: usize, seen: usize },
    #[error("task {tid}: call {call} is {name} ({ptrace_nr}) for ptrace, nr {nr} for the tracepoints")]
    OtherCall { tid: u32, call: usize, name: String, ptrace_nr: u64, nr: u64 },
    #[error("task {tid}: sys_exit {nr} outside any call")]
    ExitOutsideCall { tid: u32, nr: u64 },
    #[error("task {tid}: sys_exit {nr} ends call {call} ({name})")]
    ExitEndsOtherCall { tid: u32, nr: u64, call: usize, name: String },
    #[error("task {tid}: a signal stop inside its call {call} ({name})")]
    SignalInsideCall { tid: u32, call: usize, name: String },
    #[error("task {tid}: signal stop {stop} was not recorded")]
    UnrecordedSignal { tid: u32, stop: usize },
}

/// Merges `samples` (sorted by time) with the calls of `tasks`; `root` is
/// the first task, whose samples before its first call are dropped.
/// `superseded` maps a thread group leader to the thread of its group
/// that ran `execve` and took its pid over: after the leader's exit, the
/// samples of that pid are the thread's, and its calls go on in the
/// thread's log.
pub(super) fn merge(
    samples: &[Sample],
    tasks: &HashMap<u32, TaskLog>,
    root: u32,
    superseded: &HashMap<u32, u32>,
) -> Result<(String, MergeStats), MergeError> {
    let mut st: HashMap<u32, State> = HashMap::new();
    let mut stats = MergeStats::default();
    let mut w = Writer { out: String::new(), tasks, shown: HashMap::new(), held: None };
    let mut started = false;
    // The log a pid's samples belong to, when not its own.
    let mut alias: HashMap<u32, u32> = HashMap::new();
    for s in samples {
        let shown_tid = s.tid;
        let tid = alias.get(&s.tid).copied().unwrap_or(s.tid);
        if !started {
            if tid == root && matches!(s.ev, Ev::Enter { .. }) {
                started = true;
            } else {
                stats.before_first_call += 1;
                continue;
            }
        }
        let Some(t) = tasks.get(&tid) else {
            return Err(MergeError::UnknownTask { tid });
        };
        let state = st.entry(tid).or_default();
        if state.exited {
            return Err(MergeError::AfterExit { tid });
        }
        match s.ev {
            Ev::Enter { nr } => {
                if let Some(k) = state.open {
                    return Err(MergeError::EnterInsideCall { tid, nr, call: k + 1, name: t.calls[k].name.clone() });
                }
                let k = state.next;
                let Some(c) = t.calls.get(k) else {
                    return Err(MergeError::MoreCalls { tid, calls: t.calls.len(), nr });
                };
                if c.nr != nr {
                    return Err(MergeError::OtherCall { tid, call: k + 1, name: c.name.clone(), ptrace_nr: c.nr, nr });
                }
                state.next = k + 1;
                state.open = Some(k);
                state.split = false;
                stats.calls += 1;
                w.release(&mut st);
                w.held = Some((tid, k));
            }
            Ev::Exit { nr, .. } if state.open.is_none() && state.next == 0 && CREATE_CALLS.contains(&nr) => {
                // A new task's return from the call that created it: ptrace
                // shows no stop for it (the task starts at its SIGSTOP).
            }
            Ev::Exit { nr, .. } => {
                let Some(k) = state.open.take() else {
                    return Err(MergeError::ExitOutsideCall { tid, nr });
                };
                let sigreturn = t.calls[k].nr == RT_SIGRETURN && nr == NO_CALL;
                if t.calls[k].nr != nr && !sigreturn {
                    return Err(MergeError::ExitEndsOtherCall { tid, nr, call: k + 1, name: t.calls[k].name.clone() });
                }
                if w.held == Some((tid, k)) {
                    w.held = None;
                    w.whole(tid, k);
                } else {
                    w.release(&mut st);
                    w.resumed(tid, k);
                }
            }
            Ev::Fault { user, address, ip, error_code } => {
                if user {
                    stats.user_faults += 1;
                } else {
                    stats.kernel_faults += 1;
                }
                w.release(&mut st);
                w.line(&fault_line(shown_tid, user, address, ip, error_code));
            }
            Ev::Signal { index } => {
                if let Some(k) = state.open {
                    return Err(MergeError::SignalInsideCall { tid, call: k + 1, name: t.calls[k].name.clone() });
                }
                let Some(text) = t.signals.get(index) else {
                    return Err(MergeError::UnrecordedSignal { tid, stop: index + 1 });
                };
                w.release(&mut st);
                w.line(&format!("{shown_tid} {text}"));
            }
            Ev::TaskExit => {
                if w.held.is_some_and(|(t, _)| t != tid) {
                    w.release(&mut st);
                }
                w.exit(tid, &mut st)?;
                if let Some(&by) = superseded.get(&tid)
                    && !alias.contains_key(&tid)
                {
                    // The leader is gone; `by`'s execve goes on under its pid.
                    w.line(&format!("{tid} +++ superseded by execve in pid {by} +++"));
                    alias.insert(tid, by);
                    w.shown.insert(by, tid);
                }
            }
        }
    }
    w.release(&mut st);
    // Tasks whose exit the tracepoints did not see, in pid order.
    let mut rest: Vec<u32> = tasks.keys().copied().filter(|t| !st.get(t).is_some_and(|s| s.exited)).collect();
    rest.sort_unstable();
    for tid in rest {
        w.exit(tid, &mut st)?;
    }
    Ok((w.out, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(nr: u64, name: &str, args: &str, ret: Option<&str>) -> CallText {
        CallText { nr, name: name.into(), args: args.into(), ret: ret.map(str::to_string) }
    }

    fn s(tid: u32, time: u64, ev: Ev) -> Sample {
        Sample { tid, time, ev }
    }

    fn fault(address: u64) -> Ev {
        Ev::Fault { user: true, address, ip: 0x1000, error_code: 6 }
    }

    #[test]
    fn calls_split_around_faults_and_other_tasks() {
        let mut tasks = HashMap::new();
        tasks.insert(
            10,
            TaskLog {
                calls: vec![
                    call(59, "execve", "\"/bin/x\", [\"x\"], []", Some("0")),
                    call(0, "read", "3</f>, 0x1000, 4096", Some("4096")),
                    call(56, "clone", "child_stack=NULL, flags=0x1200011", Some("11")),
                    call(231, "exit_group", "0", None),
                ],
                exit_line: Some("+++ exited with 0 +++".into()),
                signals: Vec::new(),
            },
        );
        tasks.insert(
            11,
            TaskLog {
                calls: vec![call(231, "exit_group", "1", None)],
                exit_line: Some("+++ exited with 1 +++".into()),
                signals: Vec::new(),
            },
        );
        let samples = [
            s(10, 1, fault(0xdead)), // before the first call: dropped
            s(10, 2, Ev::Enter { nr: 59 }),
            s(10, 3, Ev::Exit { nr: 59, ret: 0 }),
            s(10, 4, fault(0x1000)),
            s(10, 5, Ev::Enter { nr: 0 }),
            s(10, 6, Ev::Fault { user: false, address: 0x1000, ip: 0xffff_ffff_8100_0000, error_code: 2 }),
            s(10, 7, Ev::Exit { nr: 0, ret: 4096 }),
            s(10, 8, Ev::Enter { nr: 56 }),
            s(11, 9, fault(0x2000)),
            s(11, 10, Ev::Enter { nr: 231 }),
            s(11, 11, Ev::TaskExit),
            s(10, 12, Ev::Exit { nr: 56, ret: 11 }),
            s(10, 13, Ev::Enter { nr: 231 }),
            s(10, 14, Ev::TaskExit),
        ];
        let (out, st) = merge(&samples, &tasks, 10, &HashMap::new()).unwrap();
        let want = "10 execve(\"/bin/x\", [\"x\"], []) = 0\n\
            10 page_fault_user: address=0x1000 ip=0x1000 error_code=0x6\n\
            10 read(3</f>, 0x1000, 4096 <unfinished ...>\n\
            10 page_fault_kernel: address=0x1000 ip=0xffffffff81000000 error_code=0x2\n\
            10 <... read resumed>) = 4096\n\
            10 clone(child_stack=NULL, flags=0x1200011 <unfinished ...>\n\
            11 page_fault_user: address=0x2000 ip=0x1000 error_code=0x6\n\
            11 exit_group(1) = ?\n\
            11 +++ exited with 1 +++\n\
            10 <... clone resumed>) = 11\n\
            10 exit_group(0) = ?\n\
            10 +++ exited with 0 +++\n";
        assert_eq!(out, want);
        assert_eq!(st, MergeStats { calls: 5, user_faults: 2, kernel_faults: 1, before_first_call: 1 });
        // The joined halves parse as the calls they are.
        let calls: Vec<&str> = out.lines().filter(|l| !l.contains(" page_fault_")).collect();
        let log = crate::strace::parse_log(calls.join("\n").as_bytes()).unwrap();
        assert_eq!(log.events.len(), 7);
        assert_eq!(log.unmatched, 0);
    }

    #[test]
    fn a_task_killed_inside_a_call_resumes_with_a_question_mark() {
        let mut tasks = HashMap::new();
        tasks.insert(
            20,
            TaskLog {
                calls: vec![call(202, "futex", "0x1000, 0, 0", None), call(202, "futex", "0x1000, 0, 0", None)],
                exit_line: Some("+++ exited with 0 +++".into()),
                signals: Vec::new(),
            },
        );
        tasks.insert(
            21,
            TaskLog { calls: vec![call(1, "write", "1, 0x10, 1", Some("1"))], exit_line: None, signals: Vec::new() },
        );
        let samples =
            [s(20, 1, Ev::Enter { nr: 202 }), s(21, 2, Ev::Enter { nr: 1 }), s(21, 3, Ev::Exit { nr: 1, ret: 1 })];
        let (out, _) = merge(&samples, &tasks, 20, &HashMap::new()).unwrap();
        assert_eq!(
            out,
            "20 futex(0x1000, 0, 0 <unfinished ...>\n21 write(1, 0x10, 1) = 1\n20 <... futex resumed>) = ?\n\
             20 futex(0x1000, 0, 0) = ?\n20 +++ exited with 0 +++\n"
        );
    }

    #[test]
    fn a_thread_that_runs_execve_takes_its_leader_pid_over() {
        let mut tasks = HashMap::new();
        tasks.insert(
            40,
            TaskLog { calls: vec![call(202, "futex", "0x1000, 0, 0", None)], exit_line: None, signals: Vec::new() },
        );
        tasks.insert(
            41,
            TaskLog {
                calls: vec![
                    call(59, "execve", "\"/bin/x\", [\"x\"], []", Some("0")),
                    call(231, "exit_group", "0", None),
                ],
                exit_line: Some("+++ exited with 0 +++".into()),
                signals: Vec::new(),
            },
        );
        let samples = [
            s(40, 1, Ev::Enter { nr: 202 }),
            s(41, 2, Ev::Enter { nr: 59 }),
            s(40, 3, Ev::TaskExit),
            s(40, 4, Ev::Exit { nr: 59, ret: 0 }),
            s(40, 5, fault(0x3000)),
            s(40, 6, Ev::Enter { nr: 231 }),
            s(40, 7, Ev::TaskExit),
        ];
        let sup = HashMap::from([(40, 41)]);
        let (out, _) = merge(&samples, &tasks, 40, &sup).unwrap();
        assert_eq!(
            out,
            "40 futex(0x1000, 0, 0 <unfinished ...>\n41 execve(\"/bin/x\", [\"x\"], [] <unfinished ...>\n\
             40 <... futex resumed>) = ?\n40 +++ superseded by execve in pid 41 +++\n\
             40 <... execve resumed>) = 0\n\
             40 page_fault_user: address=0x3000 ip=0x1000 error_code=0x6\n\
             40 exit_group(0) = ?\n40 +++ exited with 0 +++\n"
        );
        let log = crate::strace::parse_log(
            out.replace("40 page_fault_user: address=0x3000 ip=0x1000 error_code=0x6\n", "").as_bytes(),
        )
        .unwrap();
        assert_eq!(log.unmatched, 0);
        assert!(log.events.iter().any(|e| matches!(e.call, crate::strace::Call::Execve { .. }) && e.pid == 40));
    }

    #[test]
    fn a_signal_interrupts_a_call_and_its_handler_returns_through_rt_sigreturn() {
        let mut tasks = HashMap::new();
        tasks.insert(
            50,
            TaskLog {
                calls: vec![
                    call(
                        0,
                        "read",
                        "3<pipe:[7]>, 0x1000, 1",
                        Some("? ERESTARTSYS (To be restarted if SA_RESTART is set)"),
                    ),
                    call(15, "rt_sigreturn", "{mask=[]}", Some("0")),
                    call(0, "read", "3<pipe:[7]>, 0x1000, 1", Some("1")),
                ],
                exit_line: None,
                signals: vec!["--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=51, si_uid=0} ---".into()],
            },
        );
        let samples = [
            s(50, 1, Ev::Enter { nr: 0 }),
            s(50, 2, Ev::Exit { nr: 0, ret: -512 }),
            s(50, 3, Ev::Signal { index: 0 }),
            // The kernel writes the handler's frame: outside any call.
            s(50, 4, Ev::Fault { user: false, address: 0x7000, ip: 0xffff_ffff_8100_0000, error_code: 2 }),
            s(50, 5, fault(0x9000)),
            s(50, 6, Ev::Enter { nr: 15 }),
            // The registers restored: no call number at the exit.
            s(50, 7, Ev::Exit { nr: u64::MAX, ret: 0 }),
            s(50, 8, Ev::Enter { nr: 0 }),
            s(50, 9, Ev::Exit { nr: 0, ret: 1 }),
        ];
        let (out, st) = merge(&samples, &tasks, 50, &HashMap::new()).unwrap();
        assert_eq!(
            out,
            "50 read(3<pipe:[7]>, 0x1000, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n\
             50 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=51, si_uid=0} ---\n\
             50 page_fault_kernel: address=0x7000 ip=0xffffffff81000000 error_code=0x2\n\
             50 page_fault_user: address=0x9000 ip=0x1000 error_code=0x6\n\
             50 rt_sigreturn({mask=[]}) = 0\n\
             50 read(3<pipe:[7]>, 0x1000, 1) = 1\n"
        );
        assert_eq!(st.calls, 3);
        let log = crate::strace::parse_log(out.as_bytes()).unwrap();
        assert_eq!(log.unmatched, 0);
        // A kernel-mode fault outside any call is one of its own.
        assert!(
            log.events.iter().any(|e| matches!(e.call, crate::strace::Call::Fault { user: false, inside: None, .. }))
        );
        // Only rt_sigreturn ends with no call number; a signal stop is
        // never inside a call.
        let bad = [s(50, 1, Ev::Enter { nr: 0 }), s(50, 2, Ev::Exit { nr: u64::MAX, ret: 0 })];
        let e = merge(&bad, &tasks, 50, &HashMap::new()).unwrap_err().to_string();
        assert!(e.contains("ends call 1 (read)"), "{e}");
        let inside = [s(50, 1, Ev::Enter { nr: 0 }), s(50, 2, Ev::Signal { index: 0 })];
        let e = merge(&inside, &tasks, 50, &HashMap::new()).unwrap_err().to_string();
        assert!(e.contains("signal stop inside its call"), "{e}");
    }

    #[test]
    fn mismatches_are_errors() {
        let mut tasks = HashMap::new();
        tasks.insert(
            30,
            TaskLog { calls: vec![call(0, "read", "0, 0x0, 0", Some("0"))], exit_line: None, signals: Vec::new() },
        );
        let e = merge(&[s(30, 1, Ev::Enter { nr: 1 })], &tasks, 30, &HashMap::new()).unwrap_err().to_string();
        assert!(e.contains("nr 1 for the tracepoints"), "{e}");
        let e = merge(&[s(30, 1, Ev::Enter { nr: 0 }), s(30, 2, Ev::Enter { nr: 0 })], &tasks, 30, &HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("inside its call"), "{e}");
        let e = merge(
            &[s(30, 1, Ev::Enter { nr: 0 }), s(30, 2, Ev::Exit { nr: 0, ret: 0 }), s(30, 3, Ev::Enter { nr: 0 })],
            &tasks,
            30,
            &HashMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("more calls"), "{e}");
        let e = merge(&[s(30, 1, Ev::Enter { nr: 0 }), s(31, 2, fault(0))], &tasks, 30, &HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("ptrace never stopped"), "{e}");
        // Calls ptrace saw that the tracepoints did not: one at most (a
        // task killed at its entry stop).
        let two = TaskLog { calls: vec![call(0, "read", "0, 0x0, 0", None); 3], exit_line: None, signals: Vec::new() };
        tasks.insert(30, two);
        let e = merge(&[s(30, 1, Ev::Enter { nr: 0 })], &tasks, 30, &HashMap::new()).unwrap_err().to_string();
        assert!(e.contains("ptrace stopped at 3 calls, the tracepoints saw 1"), "{e}");
    }
}
