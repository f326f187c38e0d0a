//! `mmsim record`: runs a program on the host under `ptrace` and the
//! tracepoints `raw_syscalls:sys_enter`/`sys_exit`,
//! `exceptions:page_fault_user`/`page_fault_kernel` (and
//! `sched:sched_process_exit`, to place each task's end), and writes its
//! bundle (docs/scenario-format.md, "Recordings (v1.3)").
//!
//! The program runs with address-space randomization off.  `ptrace`
//! stops every task at each call's entry and exit: the recorder reads the
//! arguments there (strings only from pages that are present, so that
//! reading faults nothing in for the program: paths at the exit stop,
//! after the kernel read them), the descriptors' paths, and each group's
//! outcome at the exit stop that ends it.  The tracepoints, inherited by
//! every task, give the faults in order with the calls; `merge` joins
//! the two.  The page cache of each regular file is measured
//! (`pagecache`) the first time the program opens it (at the `open`'s
//! exit stop: opening reads nothing) or executes it (at the `execve`'s
//! entry stop, with the ELF interpreter it names, read from its cached
//! first pages or past the page cache with `O_DIRECT`), before the program
//! touched it.
//!
//! Signals: each signal-delivery stop is written as strace writes it
//! (`--- SIGCHLD {...} ---`, `--- stopped by SIGTSTP ---` for a group
//! stop) and the signal is delivered as it came (re-injected); a call
//! the signal interrupted ends `? ERESTARTSYS` (and the like), the
//! kernel writes the handler's frame (faults outside any call), and the
//! handler returns through `rt_sigreturn`.

mod format;
mod merge;
mod pagecache;
mod perf;
mod proc;
mod syscalls;

pub use merge::MergeError;
pub use perf::{CpuTimeSampler, DrainError, ModeSamples, RingError, TracepointError};

use format::{
    SigInfo, annotation, c_string, pointer, ret_text, sigmask, signal_line, signal_name, stop_line, string_array,
};
use merge::{CallText, TaskLog};
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::unistd::Pid;
use perf::{CpuBuffer, Decoder, Ev, Sample, Tracepoints};
use std::collections::HashMap;
use std::ffi::{CString, OsString};
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The default ring buffer of each CPU: some 230,000 samples between two
/// stops of the program (a larger one costs time to set up).
pub const DEFAULT_BUFFER: usize = 16 << 20;

/// The largest bundle (what the reader takes).
const MAX_BUNDLE: usize = 1 << 30;

/// What `mmsim record` was asked.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// The bundle (default `PROGRAM.mmrec` in the working directory).
    pub output: Option<PathBuf>,
    /// Replace an existing bundle.
    pub force: bool,
    /// Ring buffer bytes per CPU (a power of two).
    pub buffer: usize,
    /// The program and its arguments.
    pub command: Vec<OsString>,
}

/// What a recording wrote.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub path: PathBuf,
    pub bytes: usize,
    pub processes: usize,
    pub tasks: usize,
    pub calls: usize,
    pub user_faults: usize,
    pub kernel_faults: usize,
    /// The program's exit status (`None`: killed by a signal).
    pub status: Option<i32>,
}

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record: no program given")]
    NoProgram,
    #[error("record: the program has no file name")]
    NoFileName,
    #[error("record: no working directory: {0}")]
    NoWorkingDirectory(std::io::Error),
    #[error("record: {} not found in PATH", .0.display())]
    NotInPath(PathBuf),
    #[error("record: an argument holds a NUL byte: {}", String::from_utf8_lossy(.0))]
    NulByte(Vec<u8>),
    #[error("{} exists (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    #[error("--buffer must be a power of two of at least 4096 bytes, not {0}")]
    BadBuffer(usize),
    #[error(
        "cannot read the tracepoints in {dir}/events ({source}): recording needs root, or CAP_PERFMON \
         with kernel.perf_event_paranoid at most 1 and tracefs readable"
    )]
    TracepointsDenied { dir: &'static str, source: std::io::Error },
    #[error("tracefs is not mounted and cannot be mounted privately (unshare(CLONE_NEWNS): {0}; needs CAP_SYS_ADMIN)")]
    Unshare(nix::errno::Errno),
    #[error("cannot make / private in the recorder's mount namespace: {0}")]
    PrivateRoot(nix::errno::Errno),
    #[error("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: {0}")]
    MountTracefs(nix::errno::Errno),
    #[error(transparent)]
    Tracepoint(#[from] TracepointError),
    #[error("fork: {0}")]
    Fork(std::io::Error),
    #[error("waitpid of the program: {0}")]
    Waitpid(nix::errno::Errno),
    #[error("ptrace of the program was refused: is mmsim itself traced (strace -f, a debugger)?")]
    AlreadyTraced,
    #[error(
        "the program did not stop under ptrace ({0:?}): ptrace of a child is not permitted here \
         (kernel.yama.ptrace_scope 3, or a seccomp filter)"
    )]
    NotStopped(nix::sys::wait::WaitStatus),
    #[error("PTRACE_SETOPTIONS: {0}")]
    SetOptions(nix::errno::Errno),
    #[error("perf_event_open of the tracepoints on CPU {cpu}: {source}{}", perf_open_hint(.source))]
    PerfEventOpen { cpu: i32, source: std::io::Error },
    #[error("PTRACE_SYSCALL: {0}")]
    Syscall(nix::errno::Errno),
    #[error("wait4: {0}")]
    Wait4(std::io::Error),
    #[error("PTRACE_GET_SYSCALL_INFO of {tid}: {source}")]
    SyscallInfo { tid: u32, source: nix::errno::Errno },
    #[error(transparent)]
    Drain(#[from] DrainError),
    #[error("{} could not be executed", .0.display())]
    NotExecuted(PathBuf),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Snapshot(#[from] mm_fs_host::HostRootError),
    #[error("the bundle would have {0} bytes, more than the 1 GiB a bundle may have")]
    TooLarge(usize),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// What to try when `perf_event_open` fails with `e`.
fn perf_open_hint(e: &std::io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => {
            " (tracepoints need root or CAP_PERFMON with kernel.perf_event_paranoid at most 1)"
        }
        Some(libc::ENOMEM) => " (a smaller --buffer, or a larger perf_event_mlock_kb)",
        _ => "",
    }
}

/// The bundle path for `opts`.
pub fn output_path(opts: &RecordOptions) -> Result<PathBuf, RecordError> {
    if let Some(o) = &opts.output {
        return Ok(o.clone());
    }
    let prog = opts.command.first().ok_or(RecordError::NoProgram)?;
    let base = Path::new(prog).file_name().ok_or(RecordError::NoFileName)?;
    let mut name = base.to_os_string();
    name.push(".mmrec");
    Ok(PathBuf::from(name))
}

/// Where tracefs is, mounting it in a private mount namespace of the
/// recorder when it is not mounted.
fn find_tracefs() -> Result<String, RecordError> {
    for d in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
        match std::fs::read_dir(format!("{d}/events/raw_syscalls")) {
            Ok(_) => return Ok(d.to_string()),
            Err(source) if source.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(RecordError::TracepointsDenied { dir: d, source });
            }
            Err(_) => {}
        }
    }
    use nix::mount::{MsFlags, mount};
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).map_err(RecordError::Unshare)?;
    mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>)
        .map_err(RecordError::PrivateRoot)?;
    mount(Some("tracefs"), "/sys/kernel/tracing", Some("tracefs"), MsFlags::empty(), None::<&str>)
        .map_err(RecordError::MountTracefs)?;
    Ok("/sys/kernel/tracing".to_string())
}

/// `prog` as `execvp` would find it.
fn resolve_program(prog: &OsString) -> Result<PathBuf, RecordError> {
    let p = Path::new(prog);
    if prog.as_bytes().contains(&b'/') {
        // Absolute, so that the trace's first execve names it wherever it
        // replays (its working directory is not known before it).
        return std::env::current_dir().map(|d| d.join(p)).map_err(RecordError::NoWorkingDirectory);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    for dir in std::env::split_paths(&path) {
        let c = dir.join(p);
        if let Ok(m) = std::fs::metadata(&c)
            && m.is_file()
            && m.mode() & 0o111 != 0
        {
            return Ok(c);
        }
    }
    Err(RecordError::NotInPath(p.to_path_buf()))
}

fn cstring(b: &[u8]) -> Result<CString, RecordError> {
    CString::new(b).map_err(|_| RecordError::NulByte(b.to_vec()))
}

/// Syscall numbers the writer treats apart.
mod nr {
    pub(super) const OPEN: u64 = 2;
    pub(super) const MMAP: u64 = 9;
    pub(super) const BRK: u64 = 12;
    pub(super) const PIPE: u64 = 22;
    pub(super) const MREMAP: u64 = 25;
    pub(super) const SHMAT: u64 = 30;
    pub(super) const CLONE: u64 = 56;
    pub(super) const FORK: u64 = 57;
    pub(super) const VFORK: u64 = 58;
    pub(super) const EXECVE: u64 = 59;
    pub(super) const EXIT: u64 = 60;
    pub(super) const FCNTL: u64 = 72;
    pub(super) const CREAT: u64 = 85;
    pub(super) const GETRLIMIT: u64 = 97;
    pub(super) const SETRLIMIT: u64 = 160;
    pub(super) const EXIT_GROUP: u64 = 231;
    pub(super) const OPENAT: u64 = 257;
    pub(super) const UNLINKAT: u64 = 263;
    pub(super) const PIPE2: u64 = 293;
    pub(super) const PRLIMIT64: u64 = 302;
    pub(super) const RENAMEAT2: u64 = 316;
    pub(super) const RT_SIGRETURN: u64 = 15;
    pub(super) const EXECVEAT: u64 = 322;
    pub(super) const OPENAT2: u64 = 437;
    pub(super) const CLONE3: u64 = 435;
    pub(super) const SOCKETPAIR: u64 = 53;
}

/// `RLIMIT_*` names by number.
const RLIMITS: [&str; 16] = [
    "RLIMIT_CPU",
    "RLIMIT_FSIZE",
    "RLIMIT_DATA",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_RSS",
    "RLIMIT_NPROC",
    "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",
    "RLIMIT_AS",
    "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
];

/// The calls whose result is a new descriptor (annotated with its path).
const FD_RESULTS: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "socket",
    "accept",
    "accept4",
    "eventfd",
    "eventfd2",
    "epoll_create",
    "epoll_create1",
    "memfd_create",
    "inotify_init",
    "inotify_init1",
    "timerfd_create",
    "signalfd",
    "signalfd4",
    "pidfd_open",
    "userfaultfd",
    "memfd_secret",
];

/// Where a call's `_CLOEXEC` flag is (argument index) and its name.
fn cloexec_arg(name: &str) -> Option<(usize, &'static str, u64)> {
    Some(match name {
        "socket" => (1, "SOCK_CLOEXEC", 0o2000000),
        "accept4" => (3, "SOCK_CLOEXEC", 0o2000000),
        "eventfd2" => (1, "EFD_CLOEXEC", 0o2000000),
        "epoll_create1" => (0, "EPOLL_CLOEXEC", 0o2000000),
        "inotify_init1" => (0, "IN_CLOEXEC", 0o2000000),
        "timerfd_create" => (1, "TFD_CLOEXEC", 0o2000000),
        "signalfd4" => (3, "SFD_CLOEXEC", 0o2000000),
        "memfd_create" => (1, "MFD_CLOEXEC", 1),
        _ => return None,
    })
}

/// A flags word with its `_CLOEXEC` bit by name: `O_CLOEXEC|0x800`.
fn with_cloexec(v: u64, name: &str, bit: u64) -> String {
    let rest = v & !bit;
    match (v & bit != 0, rest) {
        (true, 0) => name.to_string(),
        (true, r) => format!("{name}|{r:#x}"),
        (false, r) => hex(r),
    }
}

fn hex(v: u64) -> String {
    if v == 0 { "0".to_string() } else { format!("{v:#x}") }
}

/// A signed argument: an `int` (32 bits) when it fits, else a `long`.
fn signed(v: u64) -> String {
    if v <= u64::from(u32::MAX) { format!("{}", v as u32 as i32) } else { format!("{}", v as i64) }
}

/// One call in progress or done.
struct Pending {
    nr: u64,
    args: [u64; 6],
    /// Descriptor annotations and strings read at the entry stop.
    at_entry: HashMap<usize, String>,
}

/// A traced task.
struct Task {
    tgid: u32,
    log: TaskLog,
    pending: Option<Pending>,
    /// The last call was `exit_group`.
    group_exit: bool,
    /// Its initial stop (SIGSTOP) was seen.
    started: bool,
}

struct Recorder {
    root: u32,
    tasks: HashMap<u32, Task>,
    live: HashMap<u32, usize>,
    tracepoints: Option<Tracepoints>,
    expect: Vec<String>,
    rusage: Vec<String>,
    frames: pagecache::Frames,
    /// Measured files: (dev, ino) → runs.
    cached: HashMap<(u64, u64), Vec<pagecache::Run>>,
    before_execve: Option<(u64, u64)>,
    /// A pid whose calls go into another task's log: the thread that ran
    /// `execve` takes its leader's pid over.
    alias: HashMap<u32, u32>,
    /// Leader → the thread of its group that ran `execve`.
    superseded: HashMap<u32, u32>,
    status: Option<i32>,
    errors: Vec<String>,
    /// The signal stops, as samples to merge with the tracepoints'.
    signal_samples: Vec<Sample>,
}

impl Recorder {
    fn drain(&mut self) -> Result<(), DrainError> {
        match &self.tracepoints {
            Some(t) => t.drain(),
            None => Ok(()),
        }
    }

    /// The log of pid `tid`'s calls.
    fn key(&self, tid: u32) -> u32 {
        self.alias.get(&tid).copied().unwrap_or(tid)
    }

    fn add_task(&mut self, tid: u32) {
        if self.tasks.contains_key(&tid) {
            return;
        }
        let tgid = proc::tgid(tid).unwrap_or(tid);
        *self.live.entry(tgid).or_default() += 1;
        self.tasks
            .insert(tid, Task { tgid, log: TaskLog::default(), pending: None, group_exit: false, started: false });
    }

    /// Measures the page cache of the file `f` if not done yet.
    fn measure(&mut self, f: &File) {
        let Ok(m) = f.metadata() else { return };
        if !m.is_file() || self.cached.contains_key(&(m.dev(), m.ino())) || pseudo_fs(f) {
            return;
        }
        match self.frames.measure(f, m.size()) {
            Ok(runs) => {
                self.cached.insert((m.dev(), m.ino()), runs);
            }
            Err(e) => self.errors.push(format!("page cache of inode {}: {e}", m.ino())),
        }
    }

    /// At an `execve` entry: the file and the interpreters it names
    /// (`#!`, `PT_INTERP`), read only from cached pages.
    fn measure_exec(&mut self, path: &[u8], cwd: Option<&[u8]>) {
        let mut todo = vec![path.to_vec()];
        let mut depth = 0;
        while let Some(p) = todo.pop() {
            depth += 1;
            if depth > 5 {
                break;
            }
            let full = if p.first() == Some(&b'/') {
                PathBuf::from(OsString::from_vec(p))
            } else {
                let mut d = PathBuf::from(OsString::from_vec(cwd.unwrap_or(b"/").to_vec()));
                d.push(OsString::from_vec(p));
                d
            };
            let Ok(f) = File::open(&full) else { continue };
            self.measure(&f);
            let Ok(m) = f.metadata() else { continue };
            let cached_first =
                self.cached.get(&(m.dev(), m.ino())).is_some_and(|r| r.first().is_some_and(|r| r.0 == 0));
            let interp = if cached_first {
                interpreter_of(&f, &self.cached[&(m.dev(), m.ino())])
            } else {
                // A program not cached at its start (run for the first
                // time): its header read past the page cache, which it
                // leaves as it is.
                read_head_direct(&full).and_then(|h| interpreter_in(&h))
            };
            if let Some(i) = interp {
                todo.push(i);
            }
        }
    }

    /// The text of argument `i` of kind `k`, at the exit stop (`exit`) or
    /// the entry stop.
    fn arg(&self, tid: u32, p: &Pending, i: usize, k: u8, exit: bool) -> String {
        let v = p.args[i];
        if let Some(s) = p.at_entry.get(&i) {
            return s.clone();
        }
        match k {
            b's' => {
                if v == 0 {
                    return "NULL".to_string();
                }
                // After the kernel read it, the string is present.
                let _ = exit;
                match proc::read_cstr(tid, v) {
                    Some(b) => c_string(&b),
                    None => pointer(v),
                }
            }
            b'p' => pointer(v),
            b'x' => hex(v),
            b'o' if v == 0 => "0".to_string(),
            b'o' => format!("0{v:o}"),
            b'u' => format!("{v}"),
            b'f' | b'D' => signed(v),
            _ => signed(v),
        }
    }

    /// At an entry stop: what must be read before the call runs.
    fn entry_reads(&mut self, tid: u32, p: &mut Pending, kinds: &[u8]) {
        for (i, &k) in kinds.iter().enumerate().take(6) {
            let v = p.args[i];
            match k {
                b'f' if v as u32 as i32 >= 0 => {
                    let fd = i64::from(v as u32 as i32);
                    let ann = proc::fd_path(tid, fd).map(|b| annotation(&b)).unwrap_or_default();
                    p.at_entry.insert(i, format!("{fd}{ann}"));
                }
                b'D' => {
                    let fd = v as u32 as i32;
                    let (txt, path) = if fd == -100 {
                        ("AT_FDCWD".to_string(), proc::cwd(tid))
                    } else {
                        (format!("{fd}"), proc::fd_path(tid, i64::from(fd)))
                    };
                    let ann = path.map(|b| annotation(&b)).unwrap_or_default();
                    p.at_entry.insert(i, format!("{txt}{ann}"));
                }
                _ => {}
            }
        }
        if p.nr == nr::EXECVE || p.nr == nr::EXECVEAT {
            let pi = if p.nr == nr::EXECVE { 0 } else { 1 };
            if let Some(path) = proc::read_cstr(tid, p.args[pi]) {
                p.at_entry.insert(pi, c_string(&path));
                let cwd = proc::cwd(tid);
                self.measure_exec(&path, cwd.as_deref());
            }
            if tid == self.root && self.before_execve.is_none() {
                self.before_execve = proc::faults(tid);
            }
        }
    }

    /// The arguments of a call at its exit stop (`ret`: its result), or
    /// when it did not return (`None`).
    fn args_text(&self, tid: u32, p: &Pending, name: &str, kinds: &str, ret: Option<i64>) -> String {
        let a = p.args;
        let exit = ret.is_some();
        let ok = ret.is_some_and(|r| r >= 0);
        let arg = |i: usize| self.arg(tid, p, i, kinds.as_bytes().get(i).copied().unwrap_or(b'x'), exit);
        let list = |n: usize| (0..n).map(arg).collect::<Vec<_>>().join(", ");
        match p.nr {
            nr::EXECVE | nr::EXECVEAT => {
                let (pi, ai) = if p.nr == nr::EXECVE { (0, 1) } else { (1, 2) };
                let (argv, envp) = if ok {
                    (proc::nul_list(tid, "cmdline"), proc::nul_list(tid, "environ"))
                } else {
                    (proc::read_str_array(tid, a[ai]), proc::read_str_array(tid, a[ai + 1]))
                };
                let arr = |v: Option<Vec<Vec<u8>>>, addr: u64| match v {
                    Some(v) => string_array(&v),
                    None if addr == 0 => "NULL".to_string(),
                    None => "[...]".to_string(),
                };
                let path = p.at_entry.get(&pi).cloned().unwrap_or_else(|| pointer(a[pi]));
                let head = if p.nr == nr::EXECVE { String::new() } else { format!("{}, ", arg(0)) };
                let tail = if p.nr == nr::EXECVE { String::new() } else { format!(", {}", hex(a[4])) };
                format!("{head}{path}, {}, {}{tail}", arr(argv, a[ai]), arr(envp, a[ai + 1]))
            }
            nr::CLONE => format!(
                "child_stack={}, flags={}, parent_tid={}, child_tidptr={}, tls={}",
                pointer(a[1]),
                hex(a[0]),
                pointer(a[2]),
                pointer(a[3]),
                pointer(a[4])
            ),
            nr::CLONE3 => {
                // struct clone_args: flags, pidfd, child_tid, parent_tid,
                // exit_signal, stack, stack_size, tls.
                match proc::read_words(tid, a[0], 8) {
                    Some(w) => format!(
                        "{{flags={}, child_tid={}, parent_tid={}, exit_signal={}, stack={}, stack_size={}, tls={}}}, {}",
                        hex(w[0]),
                        pointer(w[2]),
                        pointer(w[3]),
                        w[4],
                        pointer(w[5]),
                        hex(w[6]),
                        pointer(w[7]),
                        a[1]
                    ),
                    None => format!("{}, {}", pointer(a[0]), a[1]),
                }
            }
            nr::FORK | nr::VFORK => String::new(),
            nr::PIPE | nr::PIPE2 | nr::SOCKETPAIR => {
                let ai = if p.nr == nr::SOCKETPAIR { 3 } else { 0 };
                let fds = if ok {
                    proc::read_mem(tid, a[ai], 8, false).filter(|b| b.len() == 8).map(|b| {
                        let f0 = i32::from_ne_bytes(b[0..4].try_into().expect("4 bytes"));
                        let f1 = i32::from_ne_bytes(b[4..8].try_into().expect("4 bytes"));
                        let ann = |f: i32| {
                            format!(
                                "{f}{}",
                                proc::fd_path(tid, i64::from(f)).map(|b| annotation(&b)).unwrap_or_default()
                            )
                        };
                        format!("[{}, {}]", ann(f0), ann(f1))
                    })
                } else {
                    None
                };
                let fds = fds.unwrap_or_else(|| pointer(a[ai]));
                match p.nr {
                    nr::PIPE => fds,
                    nr::PIPE2 => format!("{fds}, {}", with_cloexec(a[1], "O_CLOEXEC", 0o2000000)),
                    _ => format!(
                        "{}, {}, {}, {fds}",
                        signed(a[0]),
                        with_cloexec(a[1], "SOCK_CLOEXEC", 0o2000000),
                        signed(a[2])
                    ),
                }
            }
            nr::FCNTL => {
                let cmd = a[1] as u32;
                let f = arg(0);
                match cmd {
                    0 => format!("{f}, F_DUPFD, {}", signed(a[2])),
                    1030 => format!("{f}, F_DUPFD_CLOEXEC, {}", signed(a[2])),
                    1 => format!("{f}, F_GETFD"),
                    3 => format!("{f}, F_GETFL"),
                    2 if a[2] == 1 => format!("{f}, F_SETFD, FD_CLOEXEC"),
                    2 => format!("{f}, F_SETFD, {}", hex(a[2])),
                    4 => format!("{f}, F_SETFL, {}", hex(a[2])),
                    _ => format!("{f}, {cmd:#x}, {}", hex(a[2])),
                }
            }
            nr::PRLIMIT64 | nr::SETRLIMIT | nr::GETRLIMIT => {
                let res = RLIMITS.get(a[if p.nr == nr::PRLIMIT64 { 1 } else { 0 }] as usize);
                let resource = res.map_or_else(|| format!("{}", a[1]), |r| r.to_string());
                let lim = |addr: u64| -> String {
                    if addr == 0 {
                        return "NULL".to_string();
                    }
                    match proc::read_words(tid, addr, 2) {
                        Some(w) => {
                            let one =
                                |v: u64| if v == u64::MAX { "RLIM64_INFINITY".to_string() } else { v.to_string() };
                            format!("{{rlim_cur={}, rlim_max={}}}", one(w[0]), one(w[1]))
                        }
                        None => pointer(addr),
                    }
                };
                match p.nr {
                    nr::PRLIMIT64 => {
                        let old = if ok { lim(a[3]) } else { pointer(a[3]) };
                        format!("{}, {resource}, {}, {old}", signed(a[0]), lim(a[2]))
                    }
                    nr::SETRLIMIT => format!("{resource}, {}", lim(a[1])),
                    _ => format!("{resource}, {}", if ok { lim(a[1]) } else { pointer(a[1]) }),
                }
            }
            nr::UNLINKAT => {
                let fl = if a[2] == 0x200 { "AT_REMOVEDIR".to_string() } else { hex(a[2]) };
                format!("{}, {}, {fl}", arg(0), arg(1))
            }
            nr::RENAMEAT2 => {
                let fl = if a[4] == 2 { "RENAME_EXCHANGE".to_string() } else { hex(a[4]) };
                format!("{}, {}, {}, {}, {fl}", arg(0), arg(1), arg(2), arg(3))
            }
            nr::MREMAP => {
                // The new address only with MREMAP_FIXED, as strace.
                if a[3] & 2 != 0 { list(5) } else { list(4) }
            }
            nr::EXIT | nr::EXIT_GROUP => signed(a[0]),
            nr::RT_SIGRETURN => p.at_entry.get(&0).cloned().unwrap_or_default(),
            _ => {
                if let Some((i, flag, bit)) = cloexec_arg(name) {
                    let n = kinds.len();
                    (0..n)
                        .map(|j| if j == i { with_cloexec(a[j], flag, bit) } else { arg(j) })
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    list(kinds.len())
                }
            }
        }
    }

    fn entry_stop(&mut self, tid: u32, nrv: u64, args: [u64; 6], sp: u64) {
        let (name, kinds) = syscall_name(nrv);
        let mut p = Pending { nr: nrv, args, at_entry: HashMap::new() };
        self.entry_reads(tid, &mut p, kinds.as_bytes());
        if nrv == nr::RT_SIGRETURN
            && let Some(w) = sp.checked_add(UC_SIGMASK).and_then(|a| proc::read_words(tid, a, 1))
        {
            // The mask the handler's frame restores (`uc_sigmask` of the
            // `ucontext` at the stack pointer), as strace shows it.
            p.at_entry.insert(0, format!("{{mask={}}}", sigmask(w[0])));
        }
        let t = self.tasks.get_mut(&self.key(tid)).expect("known task");
        t.group_exit = nrv == nr::EXIT_GROUP;
        if nrv == nr::EXIT || nrv == nr::EXIT_GROUP {
            let args = signed(args[0]);
            t.log.calls.push(CallText { nr: nrv, name, args, ret: None });
            t.pending = None;
            return;
        }
        // A placeholder, completed at the exit stop (or left `?`).
        let args_now = self.args_text(tid, &p, &name, kinds, None);
        let t = self.tasks.get_mut(&self.key(tid)).expect("known task");
        t.log.calls.push(CallText { nr: nrv, name, args: args_now, ret: None });
        t.pending = Some(p);
    }

    fn exit_stop(&mut self, tid: u32, ret: i64) {
        let Some(p) = self.tasks.get_mut(&self.key(tid)).and_then(|t| t.pending.take()) else { return };
        let (name, kinds) = syscall_name(p.nr);
        let args = self.args_text(tid, &p, &name, kinds, Some(ret));
        let hexret = matches!(p.nr, nr::MMAP | nr::MREMAP | nr::BRK | nr::SHMAT);
        let mut r = ret_text(ret, hexret);
        if ret >= 0 && FD_RESULTS.contains(&name.as_str())
            || (p.nr == nr::FCNTL && matches!(p.args[1], 0 | 1030) && ret >= 0)
        {
            if let Some(path) = proc::fd_path(tid, ret) {
                r.push_str(&annotation(&path));
            }
            // The file's page cache, before the program reads it.
            if matches!(p.nr, nr::OPEN | nr::OPENAT | nr::OPENAT2 | nr::CREAT)
                && let Ok(f) = File::open(format!("/proc/{tid}/fd/{ret}"))
            {
                self.measure(&f);
            }
        }
        let t = self.tasks.get_mut(&self.key(tid)).expect("known task");
        if let Some(c) = t.log.calls.last_mut() {
            c.args = args;
            c.ret = Some(r);
        }
    }

    /// At the exit stop of the task that ends its thread group: the
    /// group's outcome.
    fn group_outcome(&mut self, tid: u32, tgid: u32) {
        let mut b = String::new();
        let (minflt, majflt) = proc::faults(tid).unwrap_or((0, 0));
        let maps = std::fs::read_to_string(format!("/proc/{tid}/maps")).unwrap_or_default();
        let _ = writeln!(b, "exit {tgid} minflt {minflt} majflt {majflt}");
        let _ = writeln!(b, "maps {tgid}");
        for l in maps.lines() {
            let _ = writeln!(b, "{l}");
        }
        let _ = writeln!(b, "present {tgid}");
        match proc::present_ranges(tid, &maps) {
            Ok(r) => {
                for (s, e) in r {
                    let _ = writeln!(b, "{s:x}-{e:x}");
                }
            }
            Err(e) => self.errors.push(e.to_string()),
        }
        let _ = writeln!(b, "end {tgid}");
        self.expect.push(b);
    }

    /// Runs the tracing loop until every task is gone.
    fn run(&mut self) -> Result<(), RecordError> {
        loop {
            let mut status = 0;
            // SAFETY: a zeroed rusage to be filled.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: valid pointers to our locals.
            let w = unsafe { libc::wait4(-1, &mut status, libc::__WALL, &mut ru) };
            if w < 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::ECHILD) {
                    break;
                }
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(RecordError::Wait4(e));
            }
            let tid = w as u32;
            self.drain()?;
            let pid = Pid::from_raw(w);
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                let line = if libc::WIFEXITED(status) {
                    format!("+++ exited with {} +++", libc::WEXITSTATUS(status))
                } else {
                    format!("+++ killed by {} +++", signal_name(libc::WTERMSIG(status)))
                };
                if tid == self.root {
                    self.status = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
                }
                if let Some(t) = self.tasks.get_mut(&self.key(tid)) {
                    t.log.exit_line = Some(line);
                    if t.tgid == tid {
                        let us = |tv: libc::timeval| tv.tv_sec * 1_000_000 + tv.tv_usec;
                        self.rusage.push(format!(
                            "rusage {tid} minflt {} majflt {} utime {} stime {}",
                            ru.ru_minflt,
                            ru.ru_majflt,
                            us(ru.ru_utime),
                            us(ru.ru_stime)
                        ));
                    }
                }
                continue;
            }
            if !libc::WIFSTOPPED(status) {
                continue;
            }
            let sig = libc::WSTOPSIG(status);
            let event = status >> 16;
            if !self.tasks.contains_key(&self.key(tid)) {
                // A new task stopping before its creator's event.
                self.add_task(tid);
            }
            let mut inject = None;
            if sig == libc::SIGTRAP | 0x80 {
                let info = ptrace::syscall_info(pid).map_err(|source| RecordError::SyscallInfo { tid, source })?;
                // SAFETY: the union member that `op` says is filled.
                unsafe {
                    match info.op {
                        libc::PTRACE_SYSCALL_INFO_ENTRY => {
                            self.entry_stop(tid, info.u.entry.nr, info.u.entry.args, info.stack_pointer)
                        }
                        libc::PTRACE_SYSCALL_INFO_EXIT => self.exit_stop(tid, info.u.exit.sval),
                        _ => {}
                    }
                }
            } else if sig == libc::SIGTRAP && event != 0 {
                match event {
                    libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                        if let Ok(child) = ptrace::getevent(pid) {
                            self.add_task(child as u32);
                        }
                    }
                    libc::PTRACE_EVENT_EXEC => {
                        let former = ptrace::getevent(pid).unwrap_or(i64::from(w)) as u32;
                        if former != tid && self.tasks.contains_key(&former) {
                            // de_thread: the leader is gone, `former` goes on
                            // under its pid, in the middle of its execve.
                            self.alias.insert(tid, former);
                            self.superseded.insert(tid, former);
                        }
                    }
                    libc::PTRACE_EVENT_EXIT => {
                        let (tgid, group_exit) = {
                            let t = &self.tasks[&self.key(tid)];
                            (t.tgid, t.group_exit)
                        };
                        let live = self.live.entry(tgid).or_default();
                        *live = live.saturating_sub(1);
                        if group_exit || *live == 0 {
                            self.live.insert(tgid, 0);
                            if !self.expect.iter().any(|b| b.starts_with(&format!("exit {tgid} "))) {
                                self.group_outcome(tid, tgid);
                            }
                        }
                    }
                    _ => {}
                }
            } else if sig == libc::SIGSTOP && !self.tasks[&self.key(tid)].started {
                // The stop every new task starts with.
            } else {
                // A signal about to be delivered, delivered as it came; or
                // a group stop (no siginfo), after which the task runs on.
                let text = match ptrace::getsiginfo(pid) {
                    Ok(si) => {
                        inject = Signal::try_from(sig).ok();
                        signal_line(&siginfo(&si))
                    }
                    Err(_) => stop_line(sig),
                };
                let t = self.tasks.get_mut(&self.key(tid)).expect("known task");
                t.log.signals.push(text);
                let index = t.log.signals.len() - 1;
                // The task is stopped: its samples so far are older, its
                // next ones newer.
                self.signal_samples.push(Sample { tid, time: monotonic_ns(), ev: Ev::Signal { index } });
            }
            if let Some(t) = self.tasks.get_mut(&self.key(tid)) {
                t.started = true;
            }
            // The task may be gone (killed) already.
            let _ = ptrace::syscall(pid, inject);
        }
        Ok(self.drain()?)
    }
}

/// Where `uc_sigmask` is in the `ucontext` of a signal frame (x86-64:
/// after `uc_flags`, `uc_link`, `uc_stack` and the 256 bytes of
/// `uc_mcontext`); at `rt_sigreturn`'s entry the stack pointer is at the
/// `ucontext`.
const UC_SIGMASK: u64 = 8 + 8 + 24 + 256;

/// The fields of `si` that strace writes.
fn siginfo(si: &libc::siginfo_t) -> SigInfo {
    let mut r = SigInfo { signo: si.si_signo, code: si.si_code, ..SigInfo::default() };
    // SAFETY: the union members read are the ones `si_signo` and
    // `si_code` say the kernel filled (kernel/signal.c: SIL_CHLD,
    // SIL_KILL, SIL_FAULT).
    unsafe {
        match (si.si_signo, si.si_code) {
            (libc::SIGCHLD, 1..) | (_, 0 | -1 | -6) => {
                r.pid = si.si_pid();
                r.uid = si.si_uid();
                if si.si_signo == libc::SIGCHLD && si.si_code > 0 {
                    r.status = si.si_status();
                    r.utime = si.si_utime();
                    r.stime = si.si_stime();
                }
            }
            (libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP, _) => {
                r.addr = si.si_addr() as u64;
            }
            _ => {}
        }
    }
    r
}

/// `CLOCK_MONOTONIC` in nanoseconds: the clock of the tracepoints' samples.
fn monotonic_ns() -> u64 {
    // SAFETY: a zeroed timespec filled by clock_gettime.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Whether `f` is on a filesystem with no page cache of its own (`/proc`,
/// `/sys`, cgroups, debugfs, tracefs, devpts, securityfs, bpf).
fn pseudo_fs(f: &File) -> bool {
    use std::os::unix::io::AsRawFd;
    const MAGICS: [i64; 8] =
        [0x9fa0, 0x6265_6572, 0x6367_7270, 0x6462_6720, 0x7472_6163, 0x1cd1, 0x7363_6673, 0xcafe_4a11];
    // SAFETY: a zeroed statfs filled by fstatfs on our descriptor.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and pointer.
    unsafe { libc::fstatfs(f.as_raw_fd(), &mut st) == 0 && MAGICS.contains(&(st.f_type as i64)) }
}

/// The name and argument kinds of syscall `nrv`.
fn syscall_name(nrv: u64) -> (String, &'static str) {
    match syscalls::SYSCALLS.get(nrv as usize) {
        Some((n, k)) if !n.is_empty() => (n.to_string(), k),
        _ => (format!("syscall_{nrv:#x}"), "xxxxxx"),
    }
}

/// The interpreter a cached executable names: `#!` line or `PT_INTERP`,
/// read through a mapping of its cached first pages only.
fn interpreter_of(f: &File, runs: &[pagecache::Run]) -> Option<Vec<u8>> {
    use std::os::unix::io::AsRawFd;
    // The pages cached from page 0 on, contiguously.
    let mut cached = 0u64;
    for &(first, count, order, _) in runs {
        if first != cached {
            break;
        }
        cached = first + count * (1 << order);
    }
    let size = f.metadata().ok()?.size();
    let len = (cached * 4096).min(size) as usize;
    if len < 4 {
        return None;
    }
    // SAFETY: a read-only mapping of cached pages, unmapped below; nothing
    // beyond `len` (cached) is read.
    let base = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, f.as_raw_fd(), 0) };
    if base == libc::MAP_FAILED {
        return None;
    }
    // SAFETY: the mapping just made, `len` bytes.
    let data = unsafe { std::slice::from_raw_parts(base as *const u8, len) };
    let r = interpreter_in(data);
    // SAFETY: the mapping made above.
    unsafe { libc::munmap(base, len) };
    r
}

/// The first page of the file at `path`, read with `O_DIRECT`: from the
/// disk, leaving the page cache as it is (`None` where the filesystem
/// does not take direct reads, or the read fails).
fn read_head_direct(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(path).ok()?;
    // Direct reads need a buffer aligned to the device's block size.
    #[repr(C, align(4096))]
    struct Page([u8; 4096]);
    let mut buf = Box::new(Page([0; 4096]));
    let n = f.read_at(&mut buf.0, 0).ok()?;
    Some(buf.0[..n].to_vec())
}

/// The interpreter the first bytes of an executable name: its `#!` line's
/// or its `PT_INTERP` ([`mm_fs_host::snapshot::exec_interpreter`], on the
/// bytes there are).
fn interpreter_in(data: &[u8]) -> Option<Vec<u8>> {
    let read = |off: u64, len: u64| -> Option<Vec<u8>> {
        let start = usize::try_from(off).ok()?;
        let end = usize::try_from(off.checked_add(len)?).ok()?.min(data.len());
        data.get(start..end.max(start)).map(<[u8]>::to_vec)
    };
    mm_fs_host::snapshot::exec_interpreter(&read, &mut |_, _| {})
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
fn utc(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Civil from days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

fn kernel() -> String {
    // SAFETY: a zeroed utsname filled by uname.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "unknown".to_string();
    }
    let s = |f: &[libc::c_char]| {
        // SAFETY: uname NUL-terminates each field.
        unsafe { std::ffi::CStr::from_ptr(f.as_ptr()) }.to_string_lossy().into_owned()
    };
    format!("{} {} {} {}", s(&u.sysname), s(&u.release), s(&u.version), s(&u.machine))
}

/// The root part: the snapshot of the paths the trace names, with the
/// page cache measured and each filesystem's readahead window.
fn root_part(trace: &str, rec: &Recorder) -> Result<String, RecordError> {
    let snap = mm_fs_host::write_snapshot("/", trace.as_bytes())?;
    let mut out = String::new();
    let mut lines = snap.lines().peekable();
    while let Some(l) = lines.next() {
        let fields: Vec<&str> = l.split(' ').collect();
        if fields[0] == "fs" && fields.len() == 3 {
            let ra = fields[1]
                .split_once(':')
                .and_then(|(a, b)| Some((u32::from_str_radix(a, 16).ok()?, u32::from_str_radix(b, 16).ok()?)))
                .and_then(|(ma, mi)| std::fs::read_to_string(format!("/sys/class/bdi/{ma}:{mi}/read_ahead_kb")).ok())
                .and_then(|s| s.trim().parse::<u64>().ok());
            match ra {
                Some(kb) => {
                    let _ = writeln!(out, "{l} ra={}", kb / 4);
                }
                None => {
                    let _ = writeln!(out, "{l}");
                }
            }
            continue;
        }
        let _ = writeln!(out, "{l}");
        if l == mm_fs_host::snapshot::SNAPSHOT_MAGIC && rec.frames.orders() {
            let _ = writeln!(out, "pagecache");
        }
        if fields[0] == "f" && fields.len() == 6 && rec.frames.orders() {
            // The file's bytes (`=` lines), then its cached folios.
            while lines.peek().is_some_and(|n| n.starts_with("= ")) {
                let _ = writeln!(out, "{}", lines.next().expect("peeked"));
            }
            let dev = fields[3].split_once(':').and_then(|(a, b)| {
                Some(libc::makedev(u32::from_str_radix(a, 16).ok()?, u32::from_str_radix(b, 16).ok()?))
            });
            let ino = fields[4].parse::<u64>().ok();
            if let (Some(dev), Some(ino)) = (dev, ino)
                && let Some(runs) = rec.cached.get(&(dev, ino))
            {
                for (first, count, order, ra) in runs {
                    let mark = if *ra { " readahead" } else { "" };
                    let _ = writeln!(out, "c {first} {count} {order}{mark}");
                }
            }
        }
    }
    Ok(out)
}

/// Records `opts.command` into its bundle.
pub fn record(opts: &RecordOptions) -> Result<Summary, RecordError> {
    let out_path = output_path(opts)?;
    if !opts.force && std::fs::symlink_metadata(&out_path).is_ok() {
        return Err(RecordError::Exists(out_path));
    }
    if !opts.buffer.is_power_of_two() || opts.buffer < 4096 {
        return Err(RecordError::BadBuffer(opts.buffer));
    }
    let prog = opts.command.first().ok_or(RecordError::NoProgram)?;
    let exe = resolve_program(prog)?;
    let tracefs = find_tracefs()?;
    let tp = |s: &str, n: &str| perf::tracepoint(&tracefs, s, n);
    let (enter, exit, fu, fk, te) = (
        tp("raw_syscalls", "sys_enter")?,
        tp("raw_syscalls", "sys_exit")?,
        tp("exceptions", "page_fault_user")?,
        tp("exceptions", "page_fault_kernel")?,
        tp("sched", "sched_process_exit")?,
    );
    let decoder = Decoder::new(&enter, &exit, &fu, &fk, &te)?;
    let ids = [enter.id, exit.id, fu.id, fk.id, te.id];

    let c_exe = cstring(exe.as_os_str().as_bytes())?;
    let c_argv: Vec<CString> = opts.command.iter().map(|a| cstring(a.as_bytes())).collect::<Result<_, _>>()?;
    let c_env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut b = k.into_vec();
            b.push(b'=');
            b.extend_from_slice(v.as_bytes());
            cstring(&b)
        })
        .collect::<Result<_, _>>()?;
    let mut argv_p: Vec<*const libc::c_char> = c_argv.iter().map(|c| c.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut env_p: Vec<*const libc::c_char> = c_env.iter().map(|c| c.as_ptr()).collect();
    env_p.push(std::ptr::null());

    // SAFETY: the child only makes async-signal-safe calls before execve.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(RecordError::Fork(std::io::Error::last_os_error()));
    }
    if child == 0 {
        // SAFETY: raw calls in the forked child, then execve or _exit.
        unsafe {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                // Traced already (mmsim itself under a tracer that follows
                // forks): the parent says so.
                libc::_exit(126);
            }
            // Rust's runtime ignores SIGPIPE, and ignored signals stay
            // ignored across execve: the program gets the default action
            // a shell gives it (a write to a closed pipe kills it).
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            let cur = libc::personality(0xffff_ffff);
            libc::personality((cur as libc::c_ulong) | libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
            libc::raise(libc::SIGSTOP);
            libc::execve(c_exe.as_ptr(), argv_p.as_ptr(), env_p.as_ptr());
            libc::_exit(127);
        }
    }
    let pid = Pid::from_raw(child);
    let kill = || {
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    };
    let st = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::__WALL)).map_err(RecordError::Waitpid)?;
    if matches!(st, nix::sys::wait::WaitStatus::Exited(_, 126)) {
        return Err(RecordError::AlreadyTraced);
    }
    if !matches!(st, nix::sys::wait::WaitStatus::Stopped(_, Signal::SIGSTOP)) {
        return Err(RecordError::NotStopped(st));
    }
    let options = ptrace::Options::PTRACE_O_TRACESYSGOOD
        | ptrace::Options::PTRACE_O_TRACECLONE
        | ptrace::Options::PTRACE_O_TRACEFORK
        | ptrace::Options::PTRACE_O_TRACEVFORK
        | ptrace::Options::PTRACE_O_TRACEEXEC
        | ptrace::Options::PTRACE_O_TRACEEXIT
        | ptrace::Options::PTRACE_O_EXITKILL;
    if let Err(e) = ptrace::setoptions(pid, options) {
        kill();
        return Err(RecordError::SetOptions(e));
    }
    // SAFETY: sysconf has no preconditions.
    let ncpu = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as i32;
    let mut buffers = Vec::new();
    for cpu in 0..ncpu {
        match CpuBuffer::open(child, cpu, &ids, opts.buffer) {
            Ok(b) => buffers.push(b),
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {}
            Err(source) => {
                kill();
                return Err(RecordError::PerfEventOpen { cpu, source });
            }
        }
    }
    let mut rec = Recorder {
        root: child as u32,
        tasks: HashMap::new(),
        live: HashMap::new(),
        tracepoints: Some(Tracepoints::start(buffers, decoder)),
        expect: Vec::new(),
        rusage: Vec::new(),
        frames: pagecache::Frames::open(),
        cached: HashMap::new(),
        before_execve: None,
        alias: HashMap::new(),
        superseded: HashMap::new(),
        status: None,
        errors: Vec::new(),
        signal_samples: Vec::new(),
    };
    rec.add_task(child as u32);
    rec.tasks.get_mut(&(child as u32)).expect("added").started = true;
    if let Err(e) = ptrace::syscall(pid, None) {
        kill();
        return Err(RecordError::Syscall(e));
    }
    if let Err(e) = rec.run() {
        kill();
        return Err(e);
    }
    let mut samples = rec.tracepoints.take().expect("started").finish()?;
    samples.append(&mut rec.signal_samples);
    if rec.tasks[&rec.root].log.calls.first().is_none_or(|c| c.nr != nr::EXECVE || c.ret.as_deref() != Some("0")) {
        return Err(RecordError::NotExecuted(exe));
    }
    // Samples of one CPU are in time order; of several, merged by time.
    samples.sort_by_key(|s| s.time);
    let logs: HashMap<u32, TaskLog> = rec.tasks.iter().map(|(&t, task)| (t, task.log.clone())).collect();
    let (trace, mstats) = merge::merge(&samples, &logs, rec.root, &rec.superseded)?;
    let root = root_part(&trace, &rec)?;

    let mut b = String::new();
    let _ = writeln!(b, "mmsim-recording 1");
    let cmd: Vec<String> = opts.command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let _ = writeln!(b, "# command: {}", cmd.join(" "));
    let _ = writeln!(b, "# kernel: {}", kernel());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let _ = writeln!(b, "# recorded: {}", utc(now));
    if let Some((mi, ma)) = rec.before_execve {
        let _ = writeln!(
            b,
            "# before execve: minflt {mi} majflt {ma} (pid {}, the recorder's child between fork and execve; in its exit counts)",
            rec.root
        );
    }
    if !rec.frames.orders() {
        let _ = writeln!(b, "# no pagecache: /proc/PID/pagemap frames and /proc/kpageflags need root");
    }
    let _ = writeln!(
        b,
        "# counts: {} tasks, {} calls, {} user faults, {} kernel faults",
        rec.tasks.len(),
        mstats.calls,
        mstats.user_faults,
        mstats.kernel_faults
    );
    for e in &rec.errors {
        let _ = writeln!(b, "# note: {e}");
    }
    b.push_str("== root\n");
    b.push_str(&root);
    b.push_str("== trace\n");
    b.push_str(&trace);
    b.push_str("== expect\n");
    for e in &rec.expect {
        b.push_str(e);
    }
    for r in &rec.rusage {
        b.push_str(r);
        b.push('\n');
    }
    if b.len() > MAX_BUNDLE {
        return Err(RecordError::TooLarge(b.len()));
    }
    let mut oo = std::fs::OpenOptions::new();
    oo.write(true);
    if opts.force {
        oo.create(true).truncate(true);
    } else {
        oo.create_new(true);
    }
    oo.open(&out_path)
        .and_then(|mut f| f.write_all(b.as_bytes()))
        .map_err(|source| RecordError::Write { path: out_path.clone(), source })?;
    Ok(Summary {
        path: out_path,
        bytes: b.len(),
        processes: rec.expect.len(),
        tasks: rec.tasks.len(),
        calls: mstats.calls,
        user_faults: mstats.user_faults,
        kernel_faults: mstats.kernel_faults,
        status: rec.status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_796_402_555), "2026-12-04T16:42:35Z");
    }

    #[test]
    fn flags_keep_their_cloexec_name() {
        assert_eq!(with_cloexec(0o2000000, "O_CLOEXEC", 0o2000000), "O_CLOEXEC");
        assert_eq!(with_cloexec(0o2004000, "O_CLOEXEC", 0o2000000), "O_CLOEXEC|0x800");
        assert_eq!(with_cloexec(0, "O_CLOEXEC", 0o2000000), "0");
        assert_eq!(signed(0xffff_ff9c), "-100");
        assert_eq!(signed(0x1_0000_0000), "4294967296");
        assert_eq!(syscall_name(9).0, "mmap");
        assert_eq!(syscall_name(1000).0, "syscall_0x3e8");
    }

    #[test]
    fn the_default_bundle_is_named_after_the_program() {
        let o =
            RecordOptions { output: None, force: false, buffer: DEFAULT_BUFFER, command: vec!["/usr/bin/cat".into()] };
        assert_eq!(output_path(&o).unwrap(), PathBuf::from("cat.mmrec"));
    }
}
