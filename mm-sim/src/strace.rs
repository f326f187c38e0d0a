//! strace logs as they come (`strace -f -y -e trace=memory,openat,close,
//! execve` and wider sets): parsing into one event per system call, with
//! the pid that made it (docs/scenario-format.md, "strace logs").
//!
//! A file is a log when it has an `execve(` line, or when `mmsim run
//! --strace` says so.  The whole file is parsed first: `<unfinished ...>`
//! and `<... NAME resumed>` halves are joined into one event at the
//! resumed half (the call's result is known there), with the line number
//! of the first half; `--- SIGCHLD {..., si_pid=P, ...} ---` lines are
//! kept aside for the replay, which looks ahead to find who created a
//! pid whose creator was not traced.  Calls understood but not modelled
//! are counted by name; lines that cannot be understood are errors naming
//! the line, as in a scenario.
//!
//! A recording's trace (v1.3) adds page-fault lines (`PID
//! page_fault_user: address=0x.. ip=0x.. error_code=0x..`, and
//! `page_fault_kernel:`): each is an event of its own ([`Call::Fault`]),
//! in log order; one that comes between a call's two halves names that
//! call (`inside`), whose joined event comes after it.

use crate::scenario::{
    Expect, LOG_MADV_NAMES, LOG_MAP_NAMES, MCL_NAMES, MLOCK_NAMES, MREMAP_NAMES, MSYNC_NAMES, Op, PROT_NAMES,
    ParseError, Parser, contains, is_ws, lossy, parse_num, rtrim, shown, skip_ws, strip_deleted,
};
use mm_core::kernel::clone_flags::*;
use std::collections::{BTreeMap, HashMap};

/// The largest pid Linux gives (`PID_MAX_LIMIT`, 4194304).
pub const PID_MAX_LIMIT: u32 = 1 << 22;

/// Every `open(2)` flag name of Linux x86-64 and its value: the one table
/// strace-log lines are parsed with (`O_LARGEFILE` is the real bit here;
/// v1.1 scenarios keep their own table, where it is 0).
pub const OPEN_FLAG_NAMES: &[(&str, u64)] = &[
    ("O_RDONLY", 0),
    ("O_WRONLY", 0o1),
    ("O_RDWR", 0o2),
    ("O_ACCMODE", 0o3),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_NDELAY", 0o4000),
    ("O_DSYNC", 0o10000),
    ("O_ASYNC", 0o20000),
    ("FASYNC", 0o20000),
    ("O_DIRECT", 0o40000),
    ("O_LARGEFILE", 0o100000),
    ("O_DIRECTORY", 0o200000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_SYNC", 0o4010000),
    ("O_RSYNC", 0o4010000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20200000),
];

/// `clone` flag names (and the exit signal strace prints among them).
const CLONE_NAMES: &[(&str, u64)] = &[
    ("CLONE_VM", CLONE_VM),
    ("CLONE_FS", CLONE_FS),
    ("CLONE_FILES", CLONE_FILES),
    ("CLONE_SIGHAND", CLONE_SIGHAND),
    ("CLONE_PIDFD", CLONE_PIDFD),
    ("CLONE_PTRACE", CLONE_PTRACE),
    ("CLONE_VFORK", CLONE_VFORK),
    ("CLONE_PARENT", CLONE_PARENT),
    ("CLONE_THREAD", CLONE_THREAD),
    ("CLONE_NEWNS", CLONE_NEWNS),
    ("CLONE_SYSVSEM", CLONE_SYSVSEM),
    ("CLONE_SETTLS", CLONE_SETTLS),
    ("CLONE_PARENT_SETTID", CLONE_PARENT_SETTID),
    ("CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID),
    ("CLONE_DETACHED", CLONE_DETACHED),
    ("CLONE_UNTRACED", CLONE_UNTRACED),
    ("CLONE_CHILD_SETTID", CLONE_CHILD_SETTID),
    ("CLONE_NEWCGROUP", CLONE_NEWCGROUP),
    ("CLONE_NEWUTS", CLONE_NEWUTS),
    ("CLONE_NEWIPC", CLONE_NEWIPC),
    ("CLONE_NEWUSER", CLONE_NEWUSER),
    ("CLONE_NEWPID", CLONE_NEWPID),
    ("CLONE_NEWNET", CLONE_NEWNET),
    ("CLONE_IO", CLONE_IO),
    ("CLONE_CLEAR_SIGHAND", CLONE_CLEAR_SIGHAND),
    ("CLONE_INTO_CGROUP", CLONE_INTO_CGROUP),
    ("CLONE_NEWTIME", CLONE_NEWTIME),
];

/// Signal numbers of x86-64 (an exit signal in `clone` flags).
const SIGNAL_NAMES: &[(&str, u64)] = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGIO", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
];

/// `close_range` flags.
const CLOSE_RANGE_NAMES: &[(&str, u64)] = &[
    ("CLOSE_RANGE_UNSHARE", mm_core::task::CLOSE_RANGE_UNSHARE),
    ("CLOSE_RANGE_CLOEXEC", mm_core::task::CLOSE_RANGE_CLOEXEC),
];

/// A descriptor argument: its number and the path strace -y shows
/// (`3</usr/lib/x.so>`, `4<pipe:[266199]>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdArg {
    pub fd: i64,
    pub path: Option<String>,
}

/// What a log line does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// A scenario operation: `mmap`, `munmap`, `mprotect`, `mremap`,
    /// `madvise`, `brk`, `msync`, and the scenario lines `file`, `dump`,
    /// `load`, `store`.  For `mmap`, `fd` is its descriptor argument.
    Op {
        op: Op,
        fd: Option<FdArg>,
    },
    /// `openat`, `open`, `creat`: the path made absolute with the
    /// directory strace -y shows, flags as given.
    Open {
        path: String,
        flags: u64,
    },
    Close {
        fd: FdArg,
    },
    Execve {
        path: String,
        argv: Vec<Vec<u8>>,
        envp: Vec<Vec<u8>>,
        /// Every string of both arrays is shown whole (`strace -v -s N`):
        /// nothing was cut or elided.
        whole: bool,
    },
    /// `rename(OLD, NEW)`, `renameat(DIRFD, OLD, DIRFD, NEW)` or
    /// `renameat2(..., FLAGS)` that succeeded: moved in the model only.
    Rename {
        old: String,
        new: String,
    },
    /// `link(OLD, NEW)` or `linkat(DIRFD, OLD, DIRFD, NEW, FLAGS)` that
    /// succeeded: a second name in the model only.
    Link {
        old: String,
        new: String,
    },
    /// `mkdir(PATH, MODE)` or `mkdirat(DIRFD, PATH, MODE)` that succeeded:
    /// a directory in the model (never on the host).
    Mkdir {
        path: String,
    },
    /// `unlink(PATH)` or `unlinkat(DIRFD, PATH, 0)` that succeeded: the
    /// name goes from the model (never from the host).
    Unlink {
        path: String,
    },
    /// `prlimit64(PID, RLIMIT_STACK, {rlim_cur=N, ...}, ...)` or
    /// `setrlimit(RLIMIT_STACK, {rlim_cur=N, ...})`: sets the soft stack
    /// limit of log pid `pid` (0: the caller); `u64::MAX` is
    /// `RLIM_INFINITY`.
    SetRlimitStack {
        pid: u32,
        cur: u64,
    },
    /// `clone`, `clone3`, `fork`, `vfork`: the result is the child's pid.
    Clone {
        flags: u64,
    },
    /// `exit_group`: the thread group ends.
    ExitGroup,
    /// `exit` (a thread's), `+++ exited with N +++` or `+++ killed by
    /// SIG... +++` (`group`: a fatal signal ends the whole group).
    Exit {
        group: bool,
    },
    Dup {
        old: FdArg,
    },
    Dup2 {
        old: FdArg,
        new: i64,
    },
    Dup3 {
        old: FdArg,
        new: i64,
        flags: u64,
    },
    /// `fcntl(F_DUPFD / F_DUPFD_CLOEXEC / F_GETFD / F_SETFD)`.
    Fcntl {
        fd: FdArg,
        cmd: u64,
        arg: u64,
    },
    CloseRange {
        first: u64,
        last: u64,
        flags: u64,
    },
    /// `pipe`, `pipe2`, `socketpair`: two descriptors, as the log shows
    /// them.
    Pair {
        name: &'static str,
        fds: [i64; 2],
        flags: u64,
    },
    /// A call that makes one descriptor-only object (`socket`, `accept4`,
    /// `eventfd2`, ...), `name` as `/proc/PID/fd` shows it.
    AnonFd {
        name: &'static str,
        flags: u64,
    },
    MemfdCreate {
        name: String,
        flags: u64,
    },
    /// `read`: not modelled, but `--maps-at-read` looks at it.
    Read {
        fd: FdArg,
    },
    /// A page fault the task took (a recording's `page_fault_user:` or
    /// `page_fault_kernel:` line, docs/scenario-format.md "Recordings"):
    /// the faulting address, the instruction pointer and x86's error code
    /// (0x1 protection, 0x2 write, 0x4 user mode, 0x10 instruction
    /// fetch); `user` for `page_fault_user`.  `inside` names the call the
    /// task was in (the fault came between its `<unfinished ...>` and
    /// `<... resumed>` halves), whose event comes after the fault's.
    Fault {
        address: u64,
        ip: u64,
        error_code: u64,
        user: bool,
        inside: Option<String>,
    },
    /// `+++ superseded by execve in pid BY +++`: thread BY of this
    /// process ran `execve`; the group's other threads are gone and BY
    /// goes on under this pid.
    Superseded {
        by: u32,
    },
}

/// One event of a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// 1-based line (the first half's, for a joined call).
    pub line: usize,
    /// The line of the resumed half of a joined call (`line` otherwise):
    /// calls of other pids whose first half comes before it ran at the
    /// same time.
    pub end_line: usize,
    /// The pid that made it.
    pub pid: u32,
    pub call: Call,
    pub expect: Expect,
    pub text: String,
}

/// A parsed strace log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    pub events: Vec<Event>,
    /// Lines skipped (signals, calls not modelled, unmatched halves).
    pub skipped: usize,
    /// Calls not modelled, by name.
    pub not_modelled: BTreeMap<String, usize>,
    /// `<unfinished ...>` halves never resumed, and resumed halves with
    /// no first half.
    pub unmatched: usize,
    /// `--- SIGCHLD {... si_pid=P ...} ---`: `(event index it precedes,
    /// receiving pid, si_pid)`.
    pub sigchld: Vec<(usize, u32, u32)>,
    /// `window` lines seen.
    pub nwindow: usize,
    /// The dump window.
    pub window: (u64, u64),
}

impl Log {
    /// `# not modelled: read 12, fstat 8, ...` (count descending, then
    /// name), or `None` if every call was modelled.
    pub fn not_modelled_line(&self) -> Option<String> {
        if self.not_modelled.is_empty() {
            return None;
        }
        let mut v: Vec<(&String, &usize)> = self.not_modelled.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = v.iter().map(|(n, c)| format!("{n} {c}")).collect();
        Some(format!("# not modelled: {}", parts.join(", ")))
    }
}

/// Whether `src` is an strace log rather than a v1.1 scenario: it has a
/// line whose call is `execve(`.
pub fn is_log(src: &[u8]) -> bool {
    src.split(|&b| b == b'\n').any(|l| {
        let (_, rest) = split_prefix(rtrim(skip_ws(l)));
        rest.starts_with(b"execve(") || rest.starts_with(b"<... execve resumed>")
    })
}

/// The pid prefix (`[pid N]` or `N `) and timestamps removed: the pid
/// text, if any, and the rest.
fn split_prefix(p: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let mut p = p;
    let mut pid = None;
    // `-Y` adds the command name: `123<sh>`, `[pid 123<sh>]`.
    let without_comm = |t: &[u8]| -> usize { t.iter().position(|&b| b == b'<').unwrap_or(t.len()) };
    if p.starts_with(b"[pid") {
        if let Some(q) = p.iter().position(|&b| b == b']') {
            let t = rtrim(skip_ws(&p[4..q]));
            pid = Some(&t[..without_comm(t)]);
            p = skip_ws(&p[q + 1..]);
        }
    } else if p.first().is_some_and(u8::is_ascii_digit) {
        let q = p.iter().take_while(|b| b.is_ascii_digit()).count();
        let end =
            if p.get(q) == Some(&b'<') { p[q..].iter().position(|&b| b == b'>').map(|e| q + e + 1) } else { Some(q) };
        if let Some(end) = end
            && end < p.len()
            && is_ws(p[end])
        {
            pid = Some(&p[..q]);
            p = skip_ws(&p[end..]);
        }
    }
    // Timestamps: -t, -tt, -ttt (12:34:56, 12:34:56.789, 1234.5678).
    if p.first().is_some_and(u8::is_ascii_digit) {
        let q = p.iter().take_while(|&&b| b.is_ascii_digit() || b == b':' || b == b'.').count();
        if q < p.len() && is_ws(p[q]) && p[..q].iter().any(|&b| b == b':' || b == b'.') {
            p = skip_ws(&p[q..]);
        }
    }
    // `-i`'s instruction pointer (`[00007f0a1b2c3d4e]`, `[????????????????]`
    // at an exit) and `-n`'s syscall number (`[  59]`).
    while p.first() == Some(&b'[') {
        let Some(q) = p.iter().position(|&b| b == b']') else { break };
        let inner = &p[1..q];
        if inner.is_empty() || !inner.iter().all(|&b| b.is_ascii_hexdigit() || b == b' ' || b == b'?') {
            break;
        }
        p = skip_ws(&p[q + 1..]);
    }
    (pid, p)
}

/// Decodes a C string as strace prints it (`"a\nb\x1b\177"`); `None` if
/// it is not one.  A trailing `...` (strace cut it) is dropped.
pub fn decode_str(s: &[u8]) -> Option<Vec<u8>> {
    let s = s.strip_suffix(b"...").unwrap_or(s);
    if s.len() < 2 || s[0] != b'"' || s[s.len() - 1] != b'"' {
        return None;
    }
    let body = &s[1..s.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        i += 1;
        if c == b'"' {
            return None;
        }
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *body.get(i)?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'f' => out.push(0x0c),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'x' => {
                let n = body[i..].iter().take(2).take_while(|b| b.is_ascii_hexdigit()).count();
                if n == 0 {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(&body[i..i + n]).ok()?, 16).ok()?);
                i += n;
            }
            b'0'..=b'7' => {
                let n = 1 + body[i..].iter().take(2).take_while(|b| (b'0'..=b'7').contains(b)).count();
                let v = u32::from_str_radix(std::str::from_utf8(&body[i - 1..i - 1 + n]).ok()?, 8).ok()?;
                out.push(v as u8);
                i += n - 1;
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The bytes of `s` outside strings (`"..."` with C escapes), each with
/// its bracket depth (`()`, `[]`, `{}`, `<>`: a descriptor's `<path>` may
/// hold a `)` or a `,`); a closing bracket comes at the depth it closes.
/// `=>` (clone3's result) is no bracket.
fn top_level(s: &[u8]) -> impl Iterator<Item = (usize, u8, i32)> + '_ {
    let (mut depth, mut inq, mut esc) = (0i32, false, false);
    s.iter().enumerate().filter_map(move |(i, &c)| {
        if inq {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                inq = false;
            }
            return None;
        }
        match c {
            b'"' => inq = true,
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' if depth > 0 => {
                depth -= 1;
                return Some((i, c, depth));
            }
            _ => {}
        }
        Some((i, c, depth))
    })
}

/// Splits at top-level commas: commas inside strings, `()`, `[]`, `{}`
/// and `<>` stay.
fn split_top(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    if skip_ws(s).is_empty() {
        return out;
    }
    let mut start = 0;
    for (i, _, _) in top_level(s).filter(|&(_, c, d)| c == b',' && d == 0) {
        out.push(rtrim(skip_ws(&s[start..i])));
        start = i + 1;
    }
    out.push(rtrim(skip_ws(&s[start..])));
    out
}

/// The index of the `)` closing a call's arguments in `s` (which starts
/// after the `(`), skipping strings and nested brackets.
fn closing_paren(s: &[u8]) -> Option<usize> {
    // At depth 0 a `)` closes nothing of `s` itself: it is the call's.
    let mut depth_before = 0;
    for (i, c, d) in top_level(s) {
        if c == b')' && depth_before == 0 && d == 0 {
            return Some(i);
        }
        depth_before = d;
    }
    None
}

/// `a` without its `/* ... */` comments (outside strings) and the blanks
/// before them: `-100 /* AT_FDCWD */</tmp>` is `-100</tmp>`.
fn without_comments(a: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut inq, mut esc) = (0, false, false);
    while i < a.len() {
        let c = a[i];
        if inq {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                inq = false;
            }
        } else if c == b'"' {
            inq = true;
        } else if a[i..].starts_with(b"/*")
            && let Some(e) = a[i + 2..].windows(2).position(|w| w == b"*/")
        {
            while out.last().is_some_and(|&b| is_ws(b)) {
                out.pop();
            }
            i += e + 4;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The arguments of a memory call with its flags by name, as strace
/// writes them by default (`-X abbrev`), where `-X raw` and `-X verbose`
/// (once [`without_comments`]) write numbers: `0x3` is
/// `PROT_READ|PROT_WRITE`.  A number with bits no name has stays as it
/// is, for the parser to refuse.
fn symbolic_args(name: &str, av: &[&[u8]]) -> Vec<Vec<u8>> {
    let table = |i: usize| -> Option<(&'static [(&'static str, u64)], bool)> {
        match (name, i) {
            ("mmap", 2) | ("mprotect", 2) => Some((PROT_NAMES, true)),
            ("mmap", 3) => Some((LOG_MAP_NAMES, true)),
            ("mremap", 3) => Some((MREMAP_NAMES, true)),
            ("msync", 2) => Some((MSYNC_NAMES, true)),
            ("madvise", 2) => Some((LOG_MADV_NAMES, false)),
            ("mlock2", 2) => Some((MLOCK_NAMES, true)),
            ("mlockall", 0) => Some((MCL_NAMES, true)),
            _ => None,
        }
    };
    av.iter()
        .enumerate()
        .map(|(i, &a)| {
            let Some((tab, bits)) = table(i) else { return a.to_vec() };
            let Some(v) = parse_num(a) else { return a.to_vec() };
            let names: Vec<&str> = if bits {
                if v == 0 {
                    tab.iter().filter(|(_, x)| *x == 0).map(|(n, _)| *n).take(1).collect()
                } else {
                    tab.iter().filter(|(_, x)| *x != 0 && v & x == *x).map(|(n, _)| *n).collect()
                }
            } else {
                tab.iter().filter(|(_, x)| *x == v).map(|(n, _)| *n).take(1).collect()
            };
            let covered = names.iter().filter_map(|n| tab.iter().find(|(m, _)| m == n)).fold(0, |acc, (_, x)| acc | x);
            if names.is_empty() || covered != v {
                return a.to_vec();
            }
            names.join("|").into_bytes()
        })
        .collect()
}

/// A first half waiting for its `<... NAME resumed>`.
struct Pending {
    line: usize,
    head: Vec<u8>,
}

struct LogParser {
    p: Parser,
    log: Log,
    pending: HashMap<u32, Pending>,
    /// The pid of lines without one: the first pid seen.
    first_pid: Option<u32>,
    /// Lines without a pid before the first pid was seen: their events.
    unprefixed: Vec<usize>,
    /// The working directory each pid last showed (`AT_FDCWD</dir>` in
    /// any call), and the last one any pid showed: what a relative path
    /// of `execve`, `open` or `creat` is resolved against (a new pid
    /// inherits its creator's, usually the last one shown).
    cwd: HashMap<Option<u32>, String>,
    last_cwd: Option<String>,
}

type PResult<T> = Result<T, ParseError>;

impl LogParser {
    fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError { line: self.p.line, msg: msg.into() })
    }

    fn num(&self, s: &[u8], what: &str) -> PResult<u64> {
        self.p.need_num(s, what)
    }

    /// A descriptor argument (`3`, `3</path>`, `AT_FDCWD</dir>` is not
    /// one). The path of an unlinked file (`3</path>(deleted)`) names
    /// nothing that could be opened again: it is dropped.
    fn fd_arg(&self, s: &[u8]) -> PResult<FdArg> {
        let fd = self.p.parse_fd(s)?;
        let (s, deleted) = strip_deleted(s);
        let path = s.iter().position(|&b| b == b'<').filter(|_| !deleted).map(|lt| lossy(&s[lt + 1..s.len() - 1]));
        Ok(FdArg { fd, path })
    }

    /// Flags as `A|B|0x20000`: names from `tab`, numbers anywhere.
    fn flags(&self, s: &[u8], tabs: &[&[(&str, u64)]], what: &str) -> PResult<u64> {
        if s.is_empty() {
            return self.err(format!("empty {what}"));
        }
        let mut v = 0;
        for tok in s.split(|&b| b == b'|') {
            let tok = rtrim(skip_ws(tok));
            if let Some(n) = parse_num(tok) {
                v |= n;
                continue;
            }
            match tabs.iter().flat_map(|t| t.iter()).find(|(n, _)| n.as_bytes() == tok) {
                Some((_, val)) => v |= val,
                None => return self.err(format!("unknown {what} '{}'", shown(tok))),
            }
        }
        Ok(v)
    }

    /// `O_CLOEXEC` if one of the flag words in `args` ends in `_CLOEXEC`
    /// (`SOCK_CLOEXEC`, `EFD_CLOEXEC`, ...).
    fn cloexec_in(args: &[&[u8]]) -> u64 {
        let any = args.iter().flat_map(|a| a.split(|&b| b == b'|')).any(|t| rtrim(skip_ws(t)).ends_with(b"_CLOEXEC"));
        if any { mm_core::task::O_CLOEXEC } else { 0 }
    }

    fn nargs(&self, name: &str, av: &[&[u8]], lo: usize, hi: usize) -> PResult<()> {
        if av.len() < lo || av.len() > hi {
            return self.err(format!("{name}: expected {lo} argument(s), got {}", av.len()));
        }
        Ok(())
    }

    fn path_arg(&self, name: &str, s: &[u8]) -> PResult<String> {
        match decode_str(s) {
            Some(b) => Ok(lossy(&b)),
            None => self.err(format!("{name}: bad path {}", shown(s))),
        }
    }

    /// `rel` against the directory a descriptor's annotation names.
    fn resolve(dir: Option<&str>, rel: &str) -> String {
        match dir {
            Some(d) if !rel.starts_with('/') => {
                if d.ends_with('/') {
                    format!("{d}{rel}")
                } else {
                    format!("{d}/{rel}")
                }
            }
            _ => rel.to_string(),
        }
    }

    /// `rlim_cur` of `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`:
    /// strace writes a limit as `RLIM64_INFINITY` (`RLIM_INFINITY`), `N`
    /// or `N*1024`.
    fn rlim_cur(&self, s: &[u8]) -> PResult<u64> {
        let inner = s.strip_prefix(b"{").and_then(|t| t.strip_suffix(b"}"));
        let cur = inner.and_then(|t| split_top(t).into_iter().find_map(|f| f.strip_prefix(b"rlim_cur=")));
        let Some(cur) = cur else {
            return self.err(format!("bad limit '{}'", shown(s)));
        };
        if cur == b"RLIM64_INFINITY" || cur == b"RLIM_INFINITY" {
            return Ok(u64::MAX);
        }
        match cur.strip_suffix(b"*1024") {
            Some(k) => match self.num(k, "limit")?.checked_mul(1024) {
                Some(v) => Ok(v),
                None => self.err(format!("limit too large '{}'", shown(cur))),
            },
            None => self.num(cur, "limit"),
        }
    }

    /// The path of an `*at` call: `rel` against the directory its
    /// descriptor argument's annotation names (kept as written without
    /// one).
    fn at_path(&self, name: &str, dirfd: &[u8], rel: &[u8]) -> PResult<String> {
        let ann = dirfd.iter().position(|&b| b == b'<').filter(|_| dirfd.last() == Some(&b'>'));
        let ann = ann.map(|lt| lossy(&dirfd[lt + 1..dirfd.len() - 1]));
        Ok(Self::resolve(ann.as_deref(), &self.path_arg(name, rel)?))
    }

    /// Notes the working directory an `AT_FDCWD</dir>` in `args` shows.
    fn note_cwd(&mut self, pid: Option<u32>, args: &[u8]) {
        const AT: &[u8] = b"AT_FDCWD</";
        let Some(at) = args.windows(AT.len()).position(|w| w == AT) else { return };
        let dir = &args[at + AT.len() - 1..];
        let Some(gt) = dir.iter().position(|&b| b == b'>') else { return };
        let dir = lossy(&dir[..gt]);
        if self.cwd.get(&pid) != Some(&dir) {
            self.cwd.insert(pid, dir.clone());
        }
        if self.last_cwd.as_ref() != Some(&dir) {
            self.last_cwd = Some(dir);
        }
    }

    /// `path` of a call without a directory descriptor, against the
    /// working directory `pid` last showed (or any pid last showed).
    fn against_cwd(&self, pid: Option<u32>, path: String) -> String {
        let cwd = self.cwd.get(&pid).or(self.last_cwd.as_ref());
        Self::resolve(cwd.map(String::as_str), &path)
    }

    /// The path argument `arg` of a call without a directory descriptor
    /// (`open`, `rename`, `link`, `unlink` ...), against the working
    /// directory.
    fn cwd_path(&self, pid: Option<u32>, name: &str, arg: &[u8]) -> PResult<String> {
        Ok(self.against_cwd(pid, self.path_arg(name, arg)?))
    }

    /// An argv or envp array: `["a", "b"...]`, `[...]` cut, `0x7ff... /*
    /// 39 vars */` (that many placeholders), `NULL`.
    fn string_array(&self, s: &[u8]) -> PResult<Vec<Vec<u8>>> {
        if s == b"NULL" {
            return Ok(Vec::new());
        }
        if let Some(c) = s.windows(2).position(|w| w == b"/*") {
            let inner = skip_ws(&s[c + 2..]);
            let n = inner.iter().take_while(|b| b.is_ascii_digit()).count();
            if n > 0 && contains(&inner[n..], b"var") {
                let count = self.num(&inner[..n], "count")?;
                if count > 1 << 20 {
                    return self.err("too many strings");
                }
                return Ok(vec![Vec::new(); count as usize]);
            }
        }
        if s.len() < 2 || s[0] != b'[' || s[s.len() - 1] != b']' {
            return self.err(format!("bad string array '{}'", shown(s)));
        }
        let mut out = Vec::new();
        for item in split_top(&s[1..s.len() - 1]) {
            if item == b"..." {
                break;
            }
            match decode_str(item) {
                Some(b) => out.push(b),
                None => return self.err(format!("bad string '{}'", shown(item))),
            }
        }
        Ok(out)
    }

    /// The pid of a line: its prefix, or the initial process's.
    fn pid_of(&self, pid: Option<&[u8]>) -> PResult<Option<u32>> {
        let Some(t) = pid else { return Ok(None) };
        match parse_num(t) {
            Some(n) if n > 0 && n <= u64::from(PID_MAX_LIMIT) => Ok(Some(n as u32)),
            _ => self.err(format!("bad pid '{}' (pids are 1 to {PID_MAX_LIMIT})", shown(t))),
        }
    }

    fn push(&mut self, pid: Option<u32>, line: usize, call: Call, expect: Expect) {
        let pid = match pid.or(self.first_pid) {
            Some(p) => p,
            None => {
                self.unprefixed.push(self.log.events.len());
                0
            }
        };
        let end_line = self.p.line;
        self.log.events.push(Event { line, end_line, pid, call, expect, text: self.p.text.clone() });
    }

    fn not_modelled(&mut self, name: &str) {
        self.log.skipped += 1;
        *self.log.not_modelled.entry(name.to_string()).or_default() += 1;
    }

    fn parse_line(&mut self, raw: &[u8]) -> PResult<()> {
        let p = rtrim(skip_ws(raw));
        if p.is_empty() || p[0] == b'#' {
            return Ok(());
        }
        self.p.text = lossy(p);
        let (pid_text, p) = split_prefix(p);
        let pid = self.pid_of(pid_text)?;
        if let Some(n) = pid
            && self.first_pid.is_none()
        {
            self.first_pid = Some(n);
            for &i in &self.unprefixed {
                self.log.events[i].pid = n;
            }
            self.unprefixed.clear();
        }
        let key = pid.or(self.first_pid).unwrap_or(0);
        if p.is_empty() {
            return Ok(());
        }
        if let Some(rest) = p.strip_prefix(b"+++") {
            let rest = skip_ws(rest);
            let call = if rest.starts_with(b"exited with") {
                Call::Exit { group: false }
            } else if rest.starts_with(b"killed by") {
                Call::Exit { group: true }
            } else if let Some(t) = rest.strip_prefix(b"superseded by execve in pid ") {
                // A thread of this group ran execve (de_thread): the other
                // threads are gone and it takes this pid over, with its
                // call in progress.
                let n = t.iter().take_while(|b| b.is_ascii_digit()).count();
                let by = self.pid_of(Some(&t[..n]))?.unwrap_or(key);
                if let Some(half) = self.pending.remove(&by) {
                    self.pending.insert(key, half);
                }
                self.push(pid, self.p.line, Call::Superseded { by }, Expect::Any);
                return Ok(());
            } else {
                return self.err(format!("unknown '+++' line '{}'", shown(p)));
            };
            if self.pending.remove(&key).is_some() {
                self.log.unmatched += 1;
                self.log.skipped += 1;
            }
            self.push(pid, self.p.line, call, Expect::Any);
            return Ok(());
        }
        if p.starts_with(b"strace: ") {
            // strace's own messages on its stderr (`strace: Process 123
            // attached`), when the log was not written with -o.
            self.log.skipped += 1;
            return Ok(());
        }
        if p.starts_with(b"---") {
            self.log.skipped += 1;
            if contains(p, b"SIGCHLD")
                && let Some(i) = p.windows(7).position(|w| w == b"si_pid=")
            {
                let d = &p[i + 7..];
                let n = d.iter().take_while(|b| b.is_ascii_digit()).count();
                if let Some(child) = parse_num(&d[..n]).filter(|&c| c > 0 && c <= u64::from(PID_MAX_LIMIT)) {
                    self.log.sigchld.push((self.log.events.len(), key, child as u32));
                }
            }
            return Ok(());
        }
        if let Some(user) = fault_kind(p) {
            let call = self.fault(p, user, key)?;
            self.push(pid, self.p.line, call, Expect::Any);
            return Ok(());
        }
        let mut line = self.p.line;
        let joined;
        let mut p = p;
        if let Some(rest) = p.strip_prefix(b"<... ") {
            let Some(end) = rest.windows(9).position(|w| w == b" resumed>") else {
                return self.err("bad '<... resumed>' line");
            };
            match self.pending.remove(&key) {
                Some(first) => {
                    line = first.line;
                    let mut j = first.head;
                    j.extend_from_slice(&rest[end + 9..]);
                    joined = j;
                    p = &joined;
                }
                None => {
                    // The first half came before the log started.
                    self.log.unmatched += 1;
                    self.log.skipped += 1;
                    return Ok(());
                }
            }
        }
        if let Some(cut) = p.windows(16).position(|w| w == b"<unfinished ...>") {
            let head = rtrim(&p[..cut]).to_vec();
            let old = self.pending.insert(key, Pending { line, head });
            if old.is_some() {
                // A task is in one call at a time: the earlier half will
                // never be resumed.
                self.log.unmatched += 1;
                self.log.skipped += 1;
            }
            return Ok(());
        }
        let q = p.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
        if q > 0 && q < p.len() && p[q] == b'(' {
            if q >= 64 {
                return self.err("syscall name too long");
            }
            let name = lossy(&p[..q]);
            let args = &p[q + 1..];
            let Some(close) = closing_paren(args) else {
                return self.err("missing ')'");
            };
            let after = skip_ws(&args[close + 1..]);
            let ret = if let Some(r) = after.strip_prefix(b"=") {
                Some(r)
            } else if !after.is_empty() {
                return self.err(format!("unexpected text after ')': '{}'", shown(after)));
            } else {
                None
            };
            return self.parse_call(pid, line, &name, &args[..close], ret);
        }
        // A scenario line (`file`, `window`, `dump`, `load`, `store`).
        let word = p.split(|&b| is_ws(b)).next().unwrap_or(b"");
        if word == b"machine" {
            return self.err("'machine' lines are for scenarios; give a log's machine on the command line (--set)");
        }
        if matches!(word, b"fork" | b"process" | b"exit") {
            return self.err(format!(
                "'{}' lines are not allowed in an strace log (processes are identified by pid)",
                lossy(word)
            ));
        }
        let before = self.p.lines.len();
        self.p.parse_line(p)?;
        self.log.nwindow = self.p.nwindow;
        self.log.window = self.p.window;
        let parsed = self.p.lines.drain(before..).next();
        if let Some(l) = parsed {
            self.push(pid, line, Call::Op { op: l.op, fd: None }, Expect::Any);
        }
        Ok(())
    }

    /// A fault line of task `key`: `page_fault_user: address=0x.. ip=0x..
    /// error_code=0x..` (or `page_fault_kernel:`), as the tracepoints
    /// print them.
    fn fault(&self, p: &[u8], user: bool, key: u32) -> PResult<Call> {
        let colon = p.iter().position(|&b| b == b':').expect("fault_kind saw the colon");
        let fields: Vec<&[u8]> = p[colon + 1..].split(|&b| is_ws(b)).filter(|f| !f.is_empty()).collect();
        let mut vals = [None; 3];
        for f in &fields {
            let (name, v) = match f.iter().position(|&b| b == b'=') {
                Some(e) => (&f[..e], &f[e + 1..]),
                None => return self.err(format!("page fault: bad field '{}'", shown(f))),
            };
            let k = match name {
                b"address" => 0,
                b"ip" => 1,
                b"error_code" => 2,
                _ => return self.err(format!("page fault: unknown field '{}'", shown(name))),
            };
            let Some(n) = v.strip_prefix(b"0x").filter(|h| !h.is_empty() && h.len() <= 16) else {
                return self.err(format!("page fault: bad number '{}' (0x and hex digits)", shown(v)));
            };
            let Some(n) = std::str::from_utf8(n).ok().and_then(|h| u64::from_str_radix(h, 16).ok()) else {
                return self.err(format!("page fault: bad number '{}' (0x and hex digits)", shown(v)));
            };
            if vals[k].replace(n).is_some() {
                return self.err(format!("page fault: '{}' given twice", shown(name)));
            }
        }
        let [Some(address), Some(ip), Some(error_code)] = vals else {
            return self.err("page fault: expected address=, ip= and error_code=");
        };
        let inside = self.pending.get(&key).map(|h| {
            let n = h.head.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
            lossy(&h.head[..n])
        });
        Ok(Call::Fault { address, ip, error_code, user, inside })
    }

    fn parse_call(
        &mut self,
        pid: Option<u32>,
        line: usize,
        name: &str,
        args: &[u8],
        ret: Option<&[u8]>,
    ) -> PResult<()> {
        let r = ret.map(skip_ws);
        let expect = match r {
            None => Expect::Any,
            Some(r) if r.starts_with(b"?") => Expect::Any,
            Some(r) => self.p.parse_ret(r)?,
        };
        self.note_cwd(pid, args);
        let av = split_top(args);
        // `-X verbose` comments (`0x3 /* PROT_READ */`); execve's
        // `/* 39 vars */` is its environment's size.
        let uncommented: Vec<Vec<u8>> =
            if name == "execve" { Vec::new() } else { av.iter().map(|a| without_comments(a)).collect() };
        let av: Vec<&[u8]> = if name == "execve" { av } else { uncommented.iter().map(Vec::as_slice).collect() };
        let n = av.len();
        let call = match name {
            "mmap" | "munmap" | "mprotect" | "mremap" | "brk" | "msync" | "madvise" | "mlock" | "mlock2"
            | "munlock" | "mlockall" | "munlockall" => {
                let symbolic = symbolic_args(name, &av);
                let av: Vec<&[u8]> = symbolic.iter().map(Vec::as_slice).collect();
                let args = &av.join(&b", "[..])[..];
                if name == "madvise" && n == 3 && !LOG_MADV_NAMES.iter().any(|(m, _)| m.as_bytes() == av[2]) {
                    self.not_modelled(&format!("madvise({})", lossy(av[2])));
                    return Ok(());
                }
                let fd = if name == "mmap" && n == 6 { Some(self.fd_arg(av[4])?) } else { None };
                self.p.parse_syscall(name, args, None)?;
                let l = self.p.lines.pop().expect("parse_syscall pushes a line");
                Call::Op { op: l.op, fd }
            }
            "openat" => {
                self.nargs(name, &av, 3, 4)?;
                let dir = av[0];
                let (dirfd, ann) = match dir.iter().position(|&b| b == b'<') {
                    Some(lt) if dir.last() == Some(&b'>') => (&dir[..lt], Some(lossy(&dir[lt + 1..dir.len() - 1]))),
                    Some(_) => return self.err(format!("openat: bad directory '{}'", shown(dir))),
                    None => (dir, None),
                };
                // `-X raw`/`-X verbose` write AT_FDCWD as its value.
                if dirfd != b"AT_FDCWD" && dirfd != b"-100" {
                    self.num(dirfd, "descriptor")?;
                }
                let rel = self.path_arg(name, av[1])?;
                let flags = self.flags(av[2], &[OPEN_FLAG_NAMES], "open flag")?;
                Call::Open { path: Self::resolve(ann.as_deref(), &rel), flags }
            }
            "open" => {
                self.nargs(name, &av, 2, 3)?;
                let path = self.cwd_path(pid, name, av[0])?;
                let flags = self.flags(av[1], &[OPEN_FLAG_NAMES], "open flag")?;
                Call::Open { path, flags }
            }
            "creat" => {
                self.nargs(name, &av, 2, 2)?;
                let path = self.cwd_path(pid, name, av[0])?;
                Call::Open { path, flags: 0o1 | 0o100 | 0o1000 }
            }
            "close" => {
                self.nargs(name, &av, 1, 1)?;
                Call::Close { fd: self.fd_arg(av[0])? }
            }
            "execve" => {
                self.nargs(name, &av, 3, 3)?;
                let path = self.cwd_path(pid, name, av[0])?;
                let whole = shown_whole(av[1]) && shown_whole(av[2]);
                Call::Execve { path, argv: self.string_array(av[1])?, envp: self.string_array(av[2])?, whole }
            }
            "fork" => Call::Clone { flags: SIGCHLD },
            "vfork" => Call::Clone { flags: CLONE_VM | CLONE_VFORK | SIGCHLD },
            "clone" | "clone3" => {
                let mut flags = None;
                let mut exit_signal = 0;
                let inner = if name == "clone3" {
                    match av.first() {
                        Some(a) if a.starts_with(b"{") => {
                            let end = a.iter().position(|&b| b == b'}').unwrap_or(a.len());
                            split_top(&a[1..end])
                        }
                        _ => return self.err("clone3: expected {flags=...}"),
                    }
                } else {
                    av.clone()
                };
                for a in inner {
                    if let Some(f) = a.strip_prefix(b"flags=") {
                        flags = Some(self.flags(f, &[CLONE_NAMES, SIGNAL_NAMES], "clone flag")?);
                    } else if let Some(s) = a.strip_prefix(b"exit_signal=") {
                        exit_signal = self.flags(s, &[SIGNAL_NAMES], "signal")?;
                    }
                }
                let Some(flags) = flags else {
                    return self.err(format!("{name}: no flags= argument"));
                };
                Call::Clone { flags: flags | (exit_signal & CSIGNAL) }
            }
            "exit_group" => Call::ExitGroup,
            "exit" => Call::Exit { group: false },
            "dup" => {
                self.nargs(name, &av, 1, 1)?;
                Call::Dup { old: self.fd_arg(av[0])? }
            }
            "dup2" => {
                self.nargs(name, &av, 2, 2)?;
                Call::Dup2 { old: self.fd_arg(av[0])?, new: self.fd_arg(av[1])?.fd }
            }
            "dup3" => {
                self.nargs(name, &av, 3, 3)?;
                let flags = self.flags(av[2], &[OPEN_FLAG_NAMES], "open flag")?;
                Call::Dup3 { old: self.fd_arg(av[0])?, new: self.fd_arg(av[1])?.fd, flags }
            }
            "fcntl" | "fcntl64" => {
                self.nargs(name, &av, 2, 3)?;
                let fd = self.fd_arg(av[0])?;
                let (cmd, arg) = match (av[1], av.get(2)) {
                    (b"F_DUPFD", Some(a)) => (mm_core::kernel::F_DUPFD, self.num(a, "descriptor")?),
                    (b"F_DUPFD_CLOEXEC", Some(a)) => (mm_core::kernel::F_DUPFD_CLOEXEC, self.num(a, "descriptor")?),
                    (b"F_GETFD", None) => (mm_core::kernel::F_GETFD, 0),
                    (b"F_SETFD", Some(a)) => {
                        let v = if *a == b"FD_CLOEXEC" { 1 } else { self.num(a, "descriptor flags")? };
                        (mm_core::kernel::F_SETFD, v)
                    }
                    _ => {
                        self.not_modelled(&format!("fcntl({})", lossy(av[1])));
                        return Ok(());
                    }
                };
                Call::Fcntl { fd, cmd, arg }
            }
            "close_range" => {
                self.nargs(name, &av, 3, 3)?;
                let num = |s: &[u8]| -> PResult<u64> {
                    if s == b"~0" || s == b"~0U" { Ok(u64::from(u32::MAX)) } else { self.num(s, "descriptor") }
                };
                let (first, last) = (num(av[0])?, num(av[1])?);
                let flags = self.flags(av[2], &[CLOSE_RANGE_NAMES], "close_range flag")?;
                Call::CloseRange { first, last, flags }
            }
            "pipe" | "pipe2" | "socketpair" => {
                let (arr, rest): (&[u8], Vec<&[u8]>) = match name {
                    "socketpair" => {
                        self.nargs(name, &av, 4, 4)?;
                        (av[3], av[..3].to_vec())
                    }
                    _ => {
                        self.nargs(name, &av, 1, 2)?;
                        (av[0], av[1..].to_vec())
                    }
                };
                let fds = if arr.len() >= 2 && arr[0] == b'[' && arr[arr.len() - 1] == b']' {
                    let v = split_top(&arr[1..arr.len() - 1]);
                    if v.len() != 2 {
                        return self.err(format!("{name}: expected two descriptors"));
                    }
                    [self.fd_arg(v[0])?.fd, self.fd_arg(v[1])?.fd]
                } else {
                    // A failed call prints the address.
                    [-1, -1]
                };
                let flags = Self::cloexec_in(&rest);
                Call::Pair { name: if name == "socketpair" { "socket" } else { "pipe" }, fds, flags }
            }
            "socket" | "accept" | "accept4" | "eventfd" | "eventfd2" | "epoll_create" | "epoll_create1"
            | "timerfd_create" | "inotify_init" | "inotify_init1" | "pidfd_open" | "signalfd" | "signalfd4" => {
                if name.starts_with("signalfd") && av.first().is_some_and(|a| *a != b"-1") {
                    // Changes the mask of an existing signalfd.
                    self.not_modelled(name);
                    return Ok(());
                }
                let kind = match name {
                    "socket" | "accept" | "accept4" => "socket",
                    "eventfd" | "eventfd2" => "anon_inode:[eventfd]",
                    "epoll_create" | "epoll_create1" => "anon_inode:[eventpoll]",
                    "timerfd_create" => "anon_inode:[timerfd]",
                    "inotify_init" | "inotify_init1" => "anon_inode:inotify",
                    "pidfd_open" => "anon_inode:[pidfd]",
                    _ => "anon_inode:[signalfd]",
                };
                let mut flags = Self::cloexec_in(&av);
                if name == "pidfd_open" {
                    flags = mm_core::task::O_CLOEXEC;
                }
                Call::AnonFd { name: kind, flags }
            }
            "memfd_create" => {
                self.nargs(name, &av, 2, 2)?;
                let nm = self.path_arg(name, av[0])?;
                let flags = if contains(av[1], b"MFD_CLOEXEC") { 1 } else { 0 };
                Call::MemfdCreate { name: nm, flags }
            }
            "chdir" | "fchdir" if matches!(expect, Expect::Value(0)) && n == 1 => {
                // Not modelled, but the new working directory is noted for
                // the relative paths that follow.
                self.not_modelled(name);
                let dir = if name == "chdir" {
                    self.cwd_path(pid, name, av[0])?
                } else {
                    match self.fd_arg(av[0])?.path {
                        Some(d) => d,
                        None => return Ok(()),
                    }
                };
                if dir.starts_with('/') {
                    self.cwd.insert(pid, dir.clone());
                    self.last_cwd = Some(dir);
                }
                return Ok(());
            }
            "rename" | "renameat" | "renameat2" if matches!(expect, Expect::Value(0)) => {
                let (old, new) = if name == "rename" {
                    self.nargs(name, &av, 2, 2)?;
                    (self.cwd_path(pid, name, av[0])?, self.cwd_path(pid, name, av[1])?)
                } else {
                    self.nargs(name, &av, 4, 5)?;
                    if av.len() == 5 && contains(av[4], b"RENAME_EXCHANGE") {
                        self.not_modelled(name);
                        return Ok(());
                    }
                    (self.at_path(name, av[0], av[1])?, self.at_path(name, av[2], av[3])?)
                };
                Call::Rename { old, new }
            }
            "link" | "linkat" if matches!(expect, Expect::Value(0)) => {
                let (old, new) = if name == "link" {
                    self.nargs(name, &av, 2, 2)?;
                    (self.cwd_path(pid, name, av[0])?, self.cwd_path(pid, name, av[1])?)
                } else {
                    self.nargs(name, &av, 5, 5)?;
                    (self.at_path(name, av[0], av[1])?, self.at_path(name, av[2], av[3])?)
                };
                Call::Link { old, new }
            }
            "mkdir" | "mkdirat" if matches!(expect, Expect::Value(0)) => {
                let path = if name == "mkdir" {
                    self.nargs(name, &av, 2, 2)?;
                    self.cwd_path(pid, name, av[0])?
                } else {
                    self.nargs(name, &av, 3, 3)?;
                    let dir = av[0];
                    let ann = dir.iter().position(|&b| b == b'<').filter(|_| dir.last() == Some(&b'>'));
                    let ann = ann.map(|lt| lossy(&dir[lt + 1..dir.len() - 1]));
                    Self::resolve(ann.as_deref(), &self.path_arg(name, av[1])?)
                };
                Call::Mkdir { path }
            }
            "unlink" | "unlinkat" if matches!(expect, Expect::Value(0)) => {
                let path = if name == "unlink" {
                    self.nargs(name, &av, 1, 1)?;
                    self.cwd_path(pid, name, av[0])?
                } else {
                    self.nargs(name, &av, 3, 3)?;
                    if contains(av[2], b"AT_REMOVEDIR") {
                        // rmdir: directories are not modelled.
                        self.not_modelled(name);
                        return Ok(());
                    }
                    let dir = av[0];
                    let ann = dir.iter().position(|&b| b == b'<').filter(|_| dir.last() == Some(&b'>'));
                    let ann = ann.map(|lt| lossy(&dir[lt + 1..dir.len() - 1]));
                    Self::resolve(ann.as_deref(), &self.path_arg(name, av[1])?)
                };
                Call::Unlink { path }
            }
            "prlimit64" | "setrlimit" => {
                let (pid_arg, rest) = if name == "prlimit64" {
                    self.nargs(name, &av, 4, 4)?;
                    (self.num(av[0], "pid")?, &av[1..3])
                } else {
                    self.nargs(name, &av, 2, 2)?;
                    (0, &av[..2])
                };
                // Only setting RLIMIT_STACK changes what the model does
                // (the next execve's layout); reading a limit or setting
                // another one is not modelled.
                if rest[0] != b"RLIMIT_STACK" || rest[1] == b"NULL" {
                    self.not_modelled(name);
                    return Ok(());
                }
                if pid_arg > u64::from(PID_MAX_LIMIT) {
                    return self.err(format!("{name}: bad pid {pid_arg}"));
                }
                Call::SetRlimitStack { pid: pid_arg as u32, cur: self.rlim_cur(rest[1])? }
            }
            "read" | "pread64" => {
                self.not_modelled(name);
                match av.first() {
                    Some(a) => Call::Read { fd: self.fd_arg(a)? },
                    None => return Ok(()),
                }
            }
            _ => {
                self.not_modelled(name);
                return Ok(());
            }
        };
        self.push(pid, line, call, expect);
        Ok(())
    }
}

/// Whether `p` (a line without its pid) is a fault line: `Some(true)` for
/// `page_fault_user:`, `Some(false)` for `page_fault_kernel:`.
fn fault_kind(p: &[u8]) -> Option<bool> {
    if p.starts_with(b"page_fault_user:") {
        Some(true)
    } else if p.starts_with(b"page_fault_kernel:") {
        Some(false)
    } else {
        None
    }
}

/// An argv/envp array strace showed whole: `NULL`, or `[...]` with no
/// elided element (`...`) and no cut string (`"abc"...`); not the
/// `0x7ffe... /* 39 vars */` of an elided environment.
fn shown_whole(s: &[u8]) -> bool {
    if s == b"NULL" {
        return true;
    }
    if s.len() < 2 || s[0] != b'[' || s[s.len() - 1] != b']' {
        return false;
    }
    split_top(&s[1..s.len() - 1]).iter().all(|item| *item != b"..." && !item.ends_with(b"\"..."))
}

/// Parses a whole strace log.
pub fn parse_log(src: &[u8]) -> Result<Log, ParseError> {
    parse_log_at(src, 0)
}

/// Parses a whole strace log that starts after line `before` of the file
/// it is in (a bundle's `== trace` part): events and errors name lines of
/// that file.
pub fn parse_log_at(src: &[u8], before: usize) -> Result<Log, ParseError> {
    let mut lp = LogParser {
        p: Parser::new(),
        log: Log { window: (0, u64::MAX), ..Default::default() },
        pending: HashMap::new(),
        first_pid: None,
        unprefixed: Vec::new(),
        cwd: HashMap::new(),
        last_cwd: None,
    };
    lp.p.map_names = crate::scenario::LOG_MAP_NAMES;
    lp.p.line = before;
    let mut rest = src;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        lp.p.line += 1;
        if line.contains(&0) {
            return lp.err("NUL byte");
        }
        lp.parse_line(line)?;
    }
    // Halves of calls the end of the log cut (the process was killed).
    lp.log.unmatched += lp.pending.len();
    lp.log.skipped += lp.pending.len();
    // A log with no pid at all: one process, pid 1.
    for &i in &lp.unprefixed {
        lp.log.events[i].pid = 1;
    }
    Ok(lp.log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(src: &str) -> Log {
        parse_log(src.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(src: &str) -> String {
        parse_log(src.as_bytes()).unwrap_err().to_string()
    }

    fn one(src: &str) -> Event {
        let l = log(src);
        assert_eq!(l.events.len(), 1, "{l:?}");
        l.events[0].clone()
    }

    /// What strace's other output options add: `-i` (instruction
    /// pointer), `-n` (syscall number), `-Y` (command names), `-X raw`
    /// and `-X verbose` (numbers for flags), and its own messages on
    /// stderr.  All give the same calls as the default form.
    #[test]
    fn every_strace_output_option_gives_the_same_calls() {
        // The call, its result and its pid (the text differs).
        let one = |src: &str| {
            let e = one(src);
            (e.pid, e.call, e.expect)
        };
        let plain = one(
            "16741 mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000\n",
        );
        for line in [
            "16741 [00007ffff7feaca3] mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "16741 [   9] mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "16741<cat> mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "[pid 16741<cat>] mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "16741 mmap(NULL, 1974096, 0x1, 0x802, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "16741 mmap(NULL, 1974096, 0x1 /* PROT_READ */, 0x802 /* MAP_PRIVATE|MAP_DENYWRITE */, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000",
            "16741<cat> 16:14:04.330680 [   9] [00007ffff7feaca3] mmap(NULL, 1974096, 0x1 /* PROT_READ */, 0x802 /* MAP_PRIVATE|MAP_DENYWRITE */, 3</usr/lib/libc.so.6>, 0) = 0x7ffff7dd5000 <0.000012>",
        ] {
            assert_eq!(one(&format!("{line}\n")), plain, "{line}");
        }
        let open = one("1 openat(AT_FDCWD</tmp>, \"x\", O_RDONLY|O_CLOEXEC) = 3</tmp/x>\n");
        assert_eq!(one("1 openat(-100</tmp>, \"x\", 0x80000) = 3</tmp/x>\n"), open);
        assert_eq!(
            one("1 openat(-100 /* AT_FDCWD */</tmp>, \"x\", 0x80000 /* O_RDONLY|O_CLOEXEC */) = 3</tmp/x>\n"),
            open
        );
        assert_eq!(
            one("1 madvise(0x1000, 4096, 0x4 /* MADV_DONTNEED */) = 0\n"),
            one("1 madvise(0x1000, 4096, MADV_DONTNEED) = 0\n")
        );
        // A comment-like text inside a string is the string's.
        assert!(
            matches!(one("1 openat(AT_FDCWD</>, \"/*x*/\", O_RDONLY) = 3\n").1, Call::Open { ref path, .. } if path == "/*x*/")
        );
        // strace's own messages are skipped; an exit with no known
        // instruction pointer is an exit.
        let l = log("strace: Process 16644 attached\n1 [????????????????] +++ exited with 0 +++\n");
        assert_eq!(l.skipped, 1);
        assert!(matches!(l.events[0].call, Call::Exit { group: false }));
    }

    #[test]
    fn a_log_is_told_by_its_execve_line() {
        assert!(is_log(b"13300 execve(\"/usr/bin/cat\", [\"cat\"], 0x7fffffffe708 /* 39 vars */) = 0\n"));
        assert!(is_log(b"brk(NULL) = 0x1000\nexecve(\"/bin/true\", [\"true\"], NULL) = 0\n"));
        assert!(is_log(b"[pid 5] <... execve resumed>) = 0\n"));
        assert!(!is_log(b"4242 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n# execve(\n"));
    }

    /// Lines of a real `strace -f -y -e trace=memory,openat,close,execve`
    /// capture of `cat /proc/self/maps`.
    #[test]
    fn real_cat_lines() {
        let e =
            one("13300 execve(\"/usr/bin/cat\", [\"cat\", \"/proc/self/maps\"], 0x7fffffffe708 /* 39 vars */) = 0\n");
        assert_eq!(e.pid, 13300);
        let Call::Execve { path, argv, envp, whole } = e.call else { panic!() };
        assert!(!whole, "the environment is elided");
        assert_eq!(path, "/usr/bin/cat");
        assert_eq!(argv, vec![b"cat".to_vec(), b"/proc/self/maps".to_vec()]);
        assert_eq!(envp.len(), 39, "placeholders for the elided environment");
        assert_eq!(e.expect, Expect::Value(0));

        let e = one(
            "13300 openat(AT_FDCWD</tmp>, \"/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libc.so.6>\n",
        );
        assert_eq!(e.call, Call::Open { path: "/lib/x86_64-linux-gnu/libc.so.6".into(), flags: 0o2000000 });
        assert_eq!(e.expect, Expect::Value(3));

        let e = one(
            "13300 mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0) = 0x7ffff7dd5000\n",
        );
        let Call::Op { op: Op::Mmap { len, fd, .. }, fd: Some(arg) } = e.call else { panic!() };
        assert_eq!((len, fd), (1974096, 3));
        assert_eq!(arg.path.as_deref(), Some("/usr/lib/x86_64-linux-gnu/libc.so.6"));

        let e = one("13300 close(1</dev/null>)               = 0\n");
        assert_eq!(e.call, Call::Close { fd: FdArg { fd: 1, path: Some("/dev/null".into()) } });
        let e = one("13300 +++ exited with 0 +++\n");
        assert_eq!(e.call, Call::Exit { group: false });
        let e = one(
            "13300 openat(AT_FDCWD</tmp>, \"/usr/lib/locale/locale-archive\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)\n",
        );
        assert_eq!(e.expect, Expect::Error("ENOENT".into()));
    }

    /// The vfork and joined halves of a real capture of `gcc -c`.
    #[test]
    fn real_gcc_halves_are_joined() {
        let l = log(concat!(
            "13305 vfork( <unfinished ...>\n",
            "13306 execve(\"/usr/lib/gcc/x86_64-linux-gnu/12/cc1\", [\"/usr/lib/gcc/x86_64-linux-gnu/12\"..., \"-quiet\", \"-\"], 0x56cdb0 /* 43 vars */ <unfinished ...>\n",
            "13305 <... vfork resumed>)              = 13306\n",
            "13305 close(4<pipe:[266199]> <unfinished ...>\n",
            "13306 <... execve resumed>)             = 0\n",
            "13305 <... close resumed>)              = 0\n",
            "13306 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n",
            "13306 <... mmap resumed>)               = 0x7ffff7fc0000\n",
            "13306 exit_group(0)                     = ?\n",
            "13305 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=13306, si_uid=0, si_status=0, si_utime=0, si_stime=2 /* 0.02 s */} ---\n",
        ));
        let calls: Vec<(usize, u32, &Call)> = l.events.iter().map(|e| (e.line, e.pid, &e.call)).collect();
        assert_eq!(calls[0], (1, 13305, &Call::Clone { flags: CLONE_VM | CLONE_VFORK | SIGCHLD }));
        assert_eq!(l.events[0].expect, Expect::Value(13306));
        let Call::Execve { argv, .. } = calls[1].2 else { panic!("{calls:?}") };
        // A string strace cut keeps what it shows.
        assert_eq!(argv[0], b"/usr/lib/gcc/x86_64-linux-gnu/12");
        assert_eq!((calls[1].0, calls[1].1), (2, 13306));
        assert_eq!(calls[2], (4, 13305, &Call::Close { fd: FdArg { fd: 4, path: Some("pipe:[266199]".into()) } }));
        assert!(matches!(calls[3], (7, 13306, Call::Op { op: Op::Mmap { len: 8192, .. }, .. })));
        assert_eq!(l.events[3].expect, Expect::Value(0x7ffff7fc0000));
        assert_eq!(calls[4], (9, 13306, &Call::ExitGroup));
        assert_eq!(l.sigchld, vec![(5, 13305, 13306)]);
        assert_eq!(l.unmatched, 0);
    }

    #[test]
    fn clone_forms() {
        let e = one(
            "[pid  4242] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8aa10) = 4243\n",
        );
        assert_eq!(e.pid, 4242);
        assert_eq!(e.call, Call::Clone { flags: CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD });
        let e = one(
            "4242 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7ffff7a00910, parent_tid=0x7ffff7a00910, exit_signal=0, stack=0x7ffff7200000, stack_size=0x7fff80, tls=0x7ffff7a00640} => {parent_tid=[4244]}, 88) = 4244\n",
        );
        let Call::Clone { flags } = e.call else { panic!() };
        assert_eq!(flags & (CLONE_VM | CLONE_THREAD | CLONE_FILES), CLONE_VM | CLONE_THREAD | CLONE_FILES);
        // posix_spawn's clone3, split by another pid's line.
        let l = log(concat!(
            "10 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f0000000000, stack_size=0x9000} <unfinished ...>\n",
            "11 execve(\"/bin/true\", [\"true\"], 0x7ffe /* 3 vars */) = 0\n",
            "10 <... clone3 resumed> => {parent_tid=[0]}, 88) = 11\n",
        ));
        assert_eq!(l.events[1].call, Call::Clone { flags: CLONE_VM | CLONE_VFORK | SIGCHLD });
        assert_eq!(l.events[1].line, 1);
        assert_eq!(one("fork() = 7\n").call, Call::Clone { flags: SIGCHLD });
        // A path with a parenthesis in a descriptor's annotation.
        let e = one("1 close(3</tmp/a)b>) = 0\n");
        assert_eq!(e.call, Call::Close { fd: FdArg { fd: 3, path: Some("/tmp/a)b".into()) } });
        assert_eq!(
            err("1 clone(child_stack=NULL, flags=CLONE_BOGUS) = 2\n"),
            "line 1: unknown clone flag 'CLONE_BOGUS'"
        );
        assert_eq!(err("1 clone(child_stack=NULL) = 2\n"), "line 1: clone: no flags= argument");
        // Absurd numeric flags parse; the kernel judges them.
        assert!(matches!(one("1 clone(flags=0xffffffffffffffff) = 2\n").call, Call::Clone { flags: u64::MAX }));
    }

    /// A descriptor whose file was unlinked, as strace -y writes it
    /// (Python's multiprocessing semaphores in /dev/shm).
    #[test]
    fn deleted_files_keep_their_descriptor_and_lose_their_path() {
        let e = one("1 close(5</dev/shm/sem.2knAXB>(deleted)) = 0\n");
        assert_eq!(e.call, Call::Close { fd: FdArg { fd: 5, path: None } });
        let e = one("1 mmap(NULL, 32, PROT_READ|PROT_WRITE, MAP_SHARED, 5</dev/shm/x>(deleted), 0) = 0x7ffff7ffe000\n");
        assert!(matches!(e.call, Call::Op { fd: Some(FdArg { fd: 5, path: None }), .. }), "{e:?}");
        assert_eq!(e.expect, Expect::Value(0x7ffff7ffe000));
        let e = one("1 dup(5</x>(deleted)) = 6</x>(deleted)\n");
        assert_eq!(e.expect, Expect::Value(6));
        assert_eq!(err("1 close(5</x>(gone)) = 0\n"), "line 1: bad descriptor '5</x>(gone)'");
    }

    /// A successful `unlink`/`unlinkat` is an event with its path made
    /// absolute; a failed one, or `AT_REMOVEDIR`, is not modelled.
    #[test]
    fn unlinks_that_succeeded_are_events() {
        let path = |src: &str| match one(src).call {
            Call::Unlink { path } => path,
            c => panic!("{c:?}"),
        };
        assert_eq!(path("1 unlinkat(AT_FDCWD</tmp/w>, \"t.db\", 0) = 0\n"), "/tmp/w/t.db");
        assert_eq!(path("1 unlinkat(3</d>, \"x\", 0) = 0\n"), "/d/x");
        assert_eq!(path("1 unlink(\"/a/b\") = 0\n"), "/a/b");
        assert_eq!(
            one("1 renameat2(AT_FDCWD</w>, \"x.tmp\", AT_FDCWD</w>, \"x\", RENAME_NOREPLACE) = 0\n").call,
            Call::Rename { old: "/w/x.tmp".into(), new: "/w/x".into() }
        );
        assert_eq!(
            one("1 linkat(AT_FDCWD</w>, \"x\", 3</d>, \"y\", 0) = 0\n").call,
            Call::Link { old: "/w/x".into(), new: "/d/y".into() }
        );
        assert_eq!(one("1 mkdir(\"/m\", 0777) = 0\n").call, Call::Mkdir { path: "/m".into() });
        let l = log(concat!(
            "1 unlink(\"/a\") = -1 ENOENT (No such file or directory)\n",
            "1 unlinkat(AT_FDCWD</>, \"d\", AT_REMOVEDIR) = 0\n",
        ));
        assert!(l.events.is_empty());
        assert_eq!((l.not_modelled.get("unlink"), l.not_modelled.get("unlinkat")), (Some(&1), Some(&1)));
    }

    /// Setting `RLIMIT_STACK` is an event; reading it or setting another
    /// limit is counted as not modelled.
    #[test]
    fn stack_limits_are_read_as_strace_writes_them() {
        let set = |src: &str| match one(src).call {
            Call::SetRlimitStack { pid, cur } => (pid, cur),
            c => panic!("{c:?}"),
        };
        assert_eq!(
            set("1 prlimit64(0, RLIMIT_STACK, {rlim_cur=RLIM64_INFINITY, rlim_max=RLIM64_INFINITY}, NULL) = 0\n"),
            (0, u64::MAX)
        );
        assert_eq!(
            set(
                "1 prlimit64(7, RLIMIT_STACK, {rlim_cur=16384*1024, rlim_max=16384*1024}, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0\n"
            ),
            (7, 16 << 20)
        );
        assert_eq!(set("1 setrlimit(RLIMIT_STACK, {rlim_cur=1000, rlim_max=RLIM_INFINITY}) = 0\n"), (0, 1000));
        let l = log(concat!(
            "1 prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0\n",
            "1 prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4096}, NULL) = 0\n",
        ));
        assert!(l.events.is_empty());
        assert_eq!(l.not_modelled.get("prlimit64"), Some(&2));
        assert_eq!(err("1 prlimit64(0, RLIMIT_STACK, {rlim_max=1}, NULL) = 0\n"), "line 1: bad limit '{rlim_max=1}'");
        assert_eq!(
            err("1 setrlimit(RLIMIT_STACK, {rlim_cur=99999999999999999*1024, rlim_max=0}) = 0\n"),
            "line 1: limit too large '99999999999999999*1024'"
        );
        assert!(err("1 prlimit64(99999999, RLIMIT_STACK, {rlim_cur=1, rlim_max=1}, NULL) = 0\n").contains("bad pid"));
    }

    /// Relative paths of calls without a directory descriptor are taken
    /// from the working directory the pid (or, for a new pid, the log)
    /// last showed, and follow a traced `chdir`/`fchdir`.
    #[test]
    fn relative_exec_and_open_paths_follow_the_working_directory() {
        let l = log(concat!(
            "10 openat(AT_FDCWD</work>, \"/etc/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
            "11 execve(\"./hello\", [\"./hello\"], 0x55 /* 3 vars */) = 0\n",
            "10 chdir(\"sub\") = 0\n",
            "10 open(\"a\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
            "10 fchdir(3</usr/bin>) = 0\n",
            "10 execve(\"true\", [\"true\"], NULL) = 0\n",
            "12 chdir(\"nowhere\") = -1 ENOENT (No such file or directory)\n",
            "12 execve(\"/bin/true\", [\"true\"], NULL) = 0\n",
        ));
        let paths: Vec<String> = l
            .events
            .iter()
            .filter_map(|e| match &e.call {
                Call::Execve { path, .. } | Call::Open { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(paths, ["/etc/x", "/work/./hello", "/work/sub/a", "/usr/bin/true", "/bin/true"]);
        // Without any annotation the path stays as written.
        let Call::Execve { path, .. } = one("1 execve(\"./x\", [\"x\"], NULL) = 0\n").call else { panic!() };
        assert_eq!(path, "./x");
    }

    #[test]
    fn open_paths_and_flags() {
        let e = one(
            "1 openat(AT_FDCWD</home/u>, \"rel/x\", O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC) = 3</home/u/rel/x>\n",
        );
        assert_eq!(e.call, Call::Open { path: "/home/u/rel/x".into(), flags: 0o4000 | 0o200000 | 0o2000000 });
        let e = one("1 openat(5</usr/lib>, \"libc.so\", O_RDONLY) = 3\n");
        assert_eq!(e.call, Call::Open { path: "/usr/lib/libc.so".into(), flags: 0 });
        let e = one("1 openat(AT_FDCWD, \"plain\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n");
        assert_eq!(e.call, Call::Open { path: "plain".into(), flags: 0o1 | 0o100 | 0o1000 });
        let e =
            one("1 openat(AT_FDCWD, \"/x\", 0x20000|O_RDONLY|O_LARGEFILE|O_NOFOLLOW|O_PATH|O_TMPFILE|O_SYNC) = 3\n");
        let Call::Open { flags, .. } = e.call else { panic!() };
        assert_eq!(flags, 0x20000 | 0o100000 | 0o400000 | 0o10000000 | 0o20200000 | 0o4010000);
        assert_eq!(
            one("open(\"/etc/passwd\", O_RDONLY) = 3\n").call,
            Call::Open { path: "/etc/passwd".into(), flags: 0 }
        );
        assert_eq!(one("creat(\"/tmp/o\", 0644) = 3\n").call, Call::Open { path: "/tmp/o".into(), flags: 0o1101 });
        // C escapes in paths.
        let e = one(
            "1 openat(AT_FDCWD</>, \"a\\\"b\\\\c\\x41\\101\\n\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
        );
        assert_eq!(e.call, Call::Open { path: "/a\"b\\cAA\n".into(), flags: 0 });
        assert_eq!(err("1 openat(AT_FDCWD, \"x\", O_FROB) = 3\n"), "line 1: unknown open flag 'O_FROB'");
    }

    #[test]
    fn descriptor_calls() {
        assert_eq!(one("1 dup(3</x>) = 4</x>\n").call, Call::Dup { old: FdArg { fd: 3, path: Some("/x".into()) } });
        assert_eq!(one("1 dup2(3, 1) = 1\n").call, Call::Dup2 { old: FdArg { fd: 3, path: None }, new: 1 });
        assert_eq!(
            one("1 dup3(3</x>, 9</y>, O_CLOEXEC) = 9</x>\n").call,
            Call::Dup3 { old: FdArg { fd: 3, path: Some("/x".into()) }, new: 9, flags: 0o2000000 }
        );
        assert_eq!(
            one("1 fcntl(3, F_DUPFD_CLOEXEC, 10) = 10\n").call,
            Call::Fcntl { fd: FdArg { fd: 3, path: None }, cmd: 1030, arg: 10 }
        );
        assert_eq!(
            one("1 fcntl(3, F_SETFD, FD_CLOEXEC) = 0\n").call,
            Call::Fcntl { fd: FdArg { fd: 3, path: None }, cmd: 2, arg: 1 }
        );
        let l = log("1 fcntl(3, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)\n");
        assert_eq!(l.not_modelled.get("fcntl(F_GETFL)"), Some(&1));
        assert_eq!(
            one("1 close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) = 0\n").call,
            Call::CloseRange { first: 3, last: u64::from(u32::MAX), flags: 4 }
        );
        assert_eq!(
            one("1 pipe2([3<pipe:[266199]>, 4<pipe:[266199]>], O_CLOEXEC) = 0\n").call,
            Call::Pair { name: "pipe", fds: [3, 4], flags: 0o2000000 }
        );
        assert_eq!(
            one("1 socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [5<UNIX:[1]>, 6<UNIX:[2]>]) = 0\n").call,
            Call::Pair { name: "socket", fds: [5, 6], flags: 0o2000000 }
        );
        assert_eq!(
            one("1 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 3<TCP:[99]>\n").call,
            Call::AnonFd { name: "socket", flags: 0o2000000 }
        );
        assert_eq!(
            one("1 eventfd2(0, EFD_NONBLOCK) = 3\n").call,
            Call::AnonFd { name: "anon_inode:[eventfd]", flags: 0 }
        );
        assert_eq!(
            one("1 pidfd_open(5, 0) = 3<anon_inode:[pidfd]>\n").call,
            Call::AnonFd { name: "anon_inode:[pidfd]", flags: 0o2000000 }
        );
        assert_eq!(
            one("1 memfd_create(\"buf\", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 3</memfd:buf (deleted)>\n").call,
            Call::MemfdCreate { name: "buf".into(), flags: 1 }
        );
    }

    #[test]
    fn calls_not_modelled_are_counted_by_name() {
        let l = log(concat!(
            "1 read(3</x>, \"\\177ELF\\2\\1\\1\", 832) = 832\n",
            "1 read(3</x>, \"\", 4096) = 0\n",
            "1 fstat(3</x>, {st_mode=S_IFREG|0644, st_size=1, ...}) = 0\n",
            "1 pread64(3, \"x\", 1, 0) = 1\n",
            "1 ioctl(1, TCGETS, 0x7ffe) = -1 ENOTTY (Inappropriate ioctl for device)\n",
            "1 madvise(0x7f0000000000, 4096, MADV_HUGEPAGE) = 0\n",
            "1 fstat(4, {...}) = 0\n",
        ));
        assert_eq!(l.skipped, 7);
        assert_eq!(
            l.not_modelled_line().unwrap(),
            "# not modelled: fstat 2, read 2, ioctl 1, madvise(MADV_HUGEPAGE) 1, pread64 1"
        );
    }

    #[test]
    fn pids_and_unprefixed_lines() {
        let l = log("brk(NULL) = 0x1000\n77 brk(NULL) = 0x1000\nbrk(NULL) = 0x1000\n");
        assert!(l.events.iter().all(|e| e.pid == 77));
        let l = log("brk(NULL) = 0x1000\n");
        assert_eq!(l.events[0].pid, 1);
        assert_eq!(err("99999999999 brk(NULL) = 0\n"), "line 1: bad pid '99999999999' (pids are 1 to 4194304)");
        assert_eq!(err("[pid 4194305] brk(NULL) = 0\n"), "line 1: bad pid '4194305' (pids are 1 to 4194304)");
        assert_eq!(
            err("1 brk(NULL) = 0\nfork\n"),
            "line 2: 'fork' lines are not allowed in an strace log (processes are identified by pid)"
        );
        assert_eq!(err("1 +++ frobbed +++\n"), "line 1: unknown '+++' line '+++ frobbed +++'");
        // Timestamps after the pid.
        let e = one("42 12:34:56.789012 munmap(0x1000, 4096) = 0\n");
        assert_eq!((e.pid, e.expect), (42, Expect::Value(0)));
        assert_eq!(one("1 exit_group(0) = ?\n").call, Call::ExitGroup);
        assert_eq!(one("1 +++ killed by SIGKILL +++\n").call, Call::Exit { group: true });
    }

    #[test]
    fn unmatched_halves_are_counted_and_bounded() {
        // A task is in one call at a time: a new first half replaces the
        // old one, so 100,000 of them keep one pending.
        let mut src = String::new();
        for _ in 0..100_000 {
            src.push_str("5 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n");
        }
        src.push_str("6 <... munmap resumed>) = 0\n");
        let l = log(&src);
        assert_eq!(l.events.len(), 0);
        assert_eq!(l.unmatched, 100_001);
        assert_eq!(l.skipped, 100_001);
        // Different pids each keep theirs: memory in proportion to the input.
        let mut src = String::new();
        for p in 1..=100_000 {
            src.push_str(&format!("{p} brk(NULL <unfinished ...>\n"));
        }
        assert_eq!(log(&src).unmatched, 100_000);
        // A thread's execve takes the leader's pid over, call and all.
        let l = log(concat!(
            "11 execve(\"/bin/true\", [\"true\"], NULL <unfinished ...>\n",
            "10 +++ superseded by execve in pid 11 +++\n",
            "10 <... execve resumed>) = 0\n",
        ));
        assert_eq!(l.events[0].call, Call::Superseded { by: 11 });
        assert!(matches!(l.events[1].call, Call::Execve { .. }));
        assert_eq!((l.events[1].pid, l.events[1].line, l.unmatched), (10, 1, 0));
        // An exit drops the pid's pending half.
        let l = log("5 brk(NULL <unfinished ...>\n5 +++ killed by SIGKILL +++\n");
        assert_eq!((l.unmatched, l.events.len()), (1, 1));
    }

    #[test]
    fn strings_decode() {
        assert_eq!(decode_str(b"\"a\\tb\"").unwrap(), b"a\tb");
        assert_eq!(decode_str(b"\"\\0\\1777\"").unwrap(), b"\0\x7f7");
        assert_eq!(decode_str(b"\"cut\"...").unwrap(), b"cut");
        assert!(decode_str(b"\"a\"b\"").is_none());
        assert!(decode_str(b"noquote").is_none());
        assert!(decode_str(b"\"\\x\"").is_none());
    }

    #[test]
    fn envp_in_full_with_strace_v() {
        let e = one("1 execve(\"/bin/sh\", [\"sh\", \"-c\", \"x\"], [\"HOME=/root\", \"PATH=/bin\"]) = 0\n");
        let Call::Execve { envp, whole, .. } = e.call else { panic!() };
        assert!(whole, "every string shown");
        assert_eq!(envp, vec![b"HOME=/root".to_vec(), b"PATH=/bin".to_vec()]);
        let e = one("1 execve(\"/bin/sh\", [\"sh\", ...], NULL) = -1 ENOENT (No such file or directory)\n");
        let Call::Execve { argv, envp, whole, .. } = e.call else { panic!() };
        assert!(!whole, "a cut array");
        assert_eq!((argv.len(), envp.len()), (1, 0));
        assert_eq!(e.expect, Expect::Error("ENOENT".into()));
    }
}
