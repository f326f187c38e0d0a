//! The scenario language (`docs/scenario-format.md`): parsing, with
//! the same acceptance rules and messages as the real-kernel runner.
//!
//! The whole file is parsed before anything runs, so a bad line produces an
//! error and no output.  Lines are handled as bytes: a file that is not
//! UTF-8 is parsed like any other.

use mm_core::PAGE_SIZE as PAGE;
use mm_core::flags::{Advice, MapFlags, MremapFlags, MsyncFlags, Prot};
use mm_core::machine::{MachineConfig, SwapSpec};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Most pages one `load`/`store` line may touch (`MAX_LOAD_PAGES`).
pub const MAX_LOAD_PAGES: u64 = 1 << 20;
/// Most processes a scenario may create.
pub const MAX_PROCS: usize = 64;
/// (v1.7) The `full_scans` a `khugepaged` line waits for: the first ends
/// the pass under way, the second is a whole pass over every address
/// space registered before the line.
pub const KHUGEPAGED_FULL_SCANS: u64 = 2;

/// A parse error: the 1-based line and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// What a syscall line says its result was (`= RET`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No `= RET` (or `= ?`): any success.
    Any,
    /// A value (`-1` allowed, meaning that value).
    Value(i64),
    /// `-1 NAME (...)`: failure with that error name.
    Error(String),
    /// (v1.4) `= $a`, `= $a+0x1000` for a name an earlier line bound:
    /// success with that address.
    Name(NameRef),
}

/// (v1.4) A use of a name for an address the kernel chose: `$a`,
/// `$a+0x1000`, `$a-0x1000` (the address bound to name number `name`,
/// plus `off`, wrapping as the C runner's unsigned arithmetic does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameRef {
    /// Index into [`Scenario::names`].
    pub name: usize,
    pub off: i64,
}

/// Most names a scenario may bind.
pub const MAX_NAMES: usize = 1024;
/// (v1.4) With names, the dump window must end at or below this address:
/// both runners place kernel-chosen mappings above it.
pub const NAMED_WINDOW_END: u64 = 0x4000_0000_0000;

/// `$a`, `$a+0x1000`, `$a-0x1000` as the runners print them.
pub fn fmt_name_ref(name: &str, off: i64) -> String {
    match off {
        0 => format!("${name}"),
        o if o < 0 => format!("${name}-{:#x}", o.unsigned_abs()),
        o => format!("${name}+{o:#x}"),
    }
}

/// One operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    File {
        name: String,
        size: u64,
    },
    /// `path` as written; on tmpfs only its last component counts.
    Openat {
        path: String,
        flags: u64,
    },
    Close {
        fd: i64,
    },
    Mmap {
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
        fd: i64,
        off: u64,
    },
    Munmap {
        addr: u64,
        len: u64,
    },
    Mprotect {
        addr: u64,
        len: u64,
        prot: u64,
    },
    Mremap {
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: u64,
        new_addr: u64,
    },
    Madvise {
        addr: u64,
        len: u64,
        advice: u64,
    },
    Brk {
        addr: u64,
    },
    Msync {
        addr: u64,
        len: u64,
        flags: u64,
    },
    /// (v1.4) `mlock(ADDR, LEN)`.
    Mlock {
        addr: u64,
        len: u64,
    },
    /// (v1.4) `mlock2(ADDR, LEN, FLAGS)`.
    Mlock2 {
        addr: u64,
        len: u64,
        flags: u64,
    },
    /// (v1.4) `munlock(ADDR, LEN)`.
    Munlock {
        addr: u64,
        len: u64,
    },
    /// (v1.4) `mlockall(FLAGS)`.
    Mlockall {
        flags: u64,
    },
    /// (v1.4) `munlockall()`.
    Munlockall,
    /// (v1.4) `mincore(ADDR, LEN, VEC)`: prints the residency vector.
    Mincore {
        addr: u64,
        len: u64,
    },
    /// (v1.4) `ftruncate(FD, LEN)`.
    Ftruncate {
        fd: i64,
        len: u64,
    },
    /// (v1.4) `fallocate(FD, MODE, OFF, LEN)`.
    Fallocate {
        fd: i64,
        mode: u64,
        off: u64,
        len: u64,
    },
    /// (v1.4) `read`/`write(FD, ADDR, LEN)` (`pos` `None`), `pread64` /
    /// `pwrite64(FD, ADDR, LEN, POS)`.
    Rw {
        write: bool,
        fd: i64,
        addr: u64,
        len: u64,
        pos: Option<u64>,
    },
    Load {
        addr: u64,
        len: u64,
    },
    Store {
        addr: u64,
        len: u64,
        val: u8,
    },
    Dump {
        label: String,
        /// (v1.4) `dump smaps [LABEL]`: each maps line is followed by the
        /// VMA's smaps fields.
        smaps: bool,
    },
    Fork {
        child: usize,
    },
    Process {
        k: usize,
    },
    Exit {
        proc: usize,
        next: Option<usize>,
    },
    /// (v1.7) `khugepaged`: wait until khugepaged has gone through its
    /// list of address spaces twice (`full_scans` moved on by 2).
    Khugepaged,
}

impl Op {
    /// True for the syscalls whose result is an address (printed in hex).
    pub fn returns_addr(&self) -> bool {
        matches!(self, Op::Mmap { .. } | Op::Mremap { .. } | Op::Brk { .. })
    }

    /// (v1.4) The address arguments that may be written as names, in the
    /// order they appear on the line: slot 0 is ADDR (`mremap`'s OLD),
    /// slot 1 `mremap`'s NEW.
    pub fn addr_slots(&mut self) -> [Option<&mut u64>; 2] {
        match self {
            Op::Mmap { addr, .. }
            | Op::Munmap { addr, .. }
            | Op::Mprotect { addr, .. }
            | Op::Madvise { addr, .. }
            | Op::Brk { addr }
            | Op::Msync { addr, .. }
            | Op::Mlock { addr, .. }
            | Op::Mlock2 { addr, .. }
            | Op::Munlock { addr, .. }
            | Op::Mincore { addr, .. }
            | Op::Rw { addr, .. }
            | Op::Load { addr, .. }
            | Op::Store { addr, .. } => [Some(addr), None],
            Op::Mremap { old, new_addr, .. } => [Some(old), Some(new_addr)],
            _ => [None, None],
        }
    }
}

/// A parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub line: usize,
    /// The process that performs it.
    pub proc: usize,
    pub op: Op,
    pub expect: Expect,
    /// The source text (for traces).
    pub text: String,
    /// (v1.4) The names its address arguments use, by slot
    /// ([`Op::addr_slots`]).
    pub addr_refs: [Option<NameRef>; 2],
    /// (v1.4) `= $a` with a new name: the name its result binds.
    pub bind: Option<usize>,
}

/// A parsed scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    pub lines: Vec<Line>,
    /// Strace lines that were skipped.
    pub skipped: usize,
    /// `window` lines seen (each counts as a performed line).
    pub nwindow: usize,
    /// The dump window `[lo, hi)`.
    pub window: (u64, u64),
    /// The scenario has a `fork` line (v1.1 output).
    pub any_fork: bool,
    /// (v1.4) The names bound by `= $a`, in the order of their lines
    /// (without the `$`).
    pub names: Vec<String>,
    /// (v1.5) The settings of its `machine` lines, in order.
    pub machine: Vec<MachineSetting>,
}

/// (v1.5) One `KEY=VALUE` of a `machine` line: a setting of the
/// simulated machine, as [`MachineConfig::set`] takes it
/// ([`RunOptions::machine_for`](crate::RunOptions::machine_for) applies
/// them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineSetting {
    /// The 1-based line it is on.
    pub line: usize,
    /// The key, with `_` for `-` ([`MachineConfig::keys`] spells them so).
    pub key: String,
    pub value: String,
}

pub const PROT_NAMES: &[(&str, u64)] = &[
    ("PROT_NONE", 0),
    ("PROT_READ", Prot::READ.bits()),
    ("PROT_WRITE", Prot::WRITE.bits()),
    ("PROT_EXEC", Prot::EXEC.bits()),
];
/// The mmap flags of strace logs: a scenario's ([`MAP_NAMES`]), and
/// `MAP_32BIT` last, which the reference runner does not take.
pub const LOG_MAP_NAMES: &[(&str, u64)] = &[
    ("MAP_SHARED", MapFlags::SHARED.bits()),
    ("MAP_PRIVATE", MapFlags::PRIVATE.bits()),
    ("MAP_ANONYMOUS", MapFlags::ANONYMOUS.bits()),
    ("MAP_FIXED", MapFlags::FIXED.bits()),
    ("MAP_FIXED_NOREPLACE", MapFlags::FIXED_NOREPLACE.bits()),
    ("MAP_NORESERVE", MapFlags::NORESERVE.bits()),
    ("MAP_POPULATE", MapFlags::POPULATE.bits()),
    ("MAP_GROWSDOWN", MapFlags::GROWSDOWN.bits()),
    ("MAP_STACK", MapFlags::STACK.bits()),
    ("MAP_DENYWRITE", MapFlags::DENYWRITE.bits()),
    ("MAP_LOCKED", MapFlags::LOCKED.bits()),
    ("MAP_SHARED_VALIDATE", MapFlags::SHARED_VALIDATE),
    ("MAP_32BIT", MapFlags::BIT32.bits()),
];
/// The mmap flags a scenario may use.
pub const MAP_NAMES: &[(&str, u64)] = LOG_MAP_NAMES.split_at(LOG_MAP_NAMES.len() - 1).0;
pub const MREMAP_NAMES: &[(&str, u64)] = &[
    ("MREMAP_MAYMOVE", MremapFlags::MAYMOVE.bits()),
    ("MREMAP_FIXED", MremapFlags::FIXED.bits()),
    ("MREMAP_DONTUNMAP", MremapFlags::DONTUNMAP.bits()),
];
/// The advice the runner accepts (a subset of [`Advice::ALL`]).
pub const MADV_NAMES: &[(&str, u64)] = &advice_names(&{
    let mut all = [Advice::Normal; LOG_ADVICE.len() + THP_ADVICE.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < LOG_ADVICE.len() { LOG_ADVICE[i] } else { THP_ADVICE[i - LOG_ADVICE.len()] };
        i += 1;
    }
    all
});
/// The advice of [`MADV_NAMES`] that strace logs model: all but
/// [`THP_ADVICE`].
pub const LOG_MADV_NAMES: &[(&str, u64)] = &advice_names(&LOG_ADVICE);
/// (v1.6) Transparent huge page advice: scenarios take it, strace logs
/// count it as not modelled.
pub const THP_ADVICE: [Advice; 3] = [Advice::HugePage, Advice::NoHugePage, Advice::Collapse];
const LOG_ADVICE: [Advice; 20] = [
    Advice::DontNeed,
    Advice::WillNeed,
    Advice::Normal,
    Advice::Random,
    Advice::Sequential,
    Advice::Free,
    Advice::PageOut,
    Advice::DontFork,
    Advice::DoFork,
    Advice::WipeOnFork,
    Advice::KeepOnFork,
    Advice::PopulateRead,
    Advice::PopulateWrite,
    // v1.4
    Advice::Cold,
    Advice::DontDump,
    Advice::DoDump,
    Advice::DontNeedLocked,
    Advice::GuardInstall,
    Advice::GuardRemove,
    Advice::Remove,
];
/// `(name, number)` of each advice of `list`.
const fn advice_names<const N: usize>(list: &[Advice; N]) -> [(&'static str, u64); N] {
    let mut names = [("", 0); N];
    let mut i = 0;
    while i < N {
        names[i] = (list[i].name(), list[i].raw());
        i += 1;
    }
    names
}
pub const MSYNC_NAMES: &[(&str, u64)] = &[
    ("MS_SYNC", MsyncFlags::SYNC.bits()),
    ("MS_ASYNC", MsyncFlags::ASYNC.bits()),
    ("MS_INVALIDATE", MsyncFlags::INVALIDATE.bits()),
];
/// `mlock2` flags (v1.4).
pub const MLOCK_NAMES: &[(&str, u64)] = &[("MLOCK_ONFAULT", mm_core::mm::mlock::MLOCK_ONFAULT)];
/// `mlockall` flags (v1.4).
pub const MCL_NAMES: &[(&str, u64)] = &[
    ("MCL_CURRENT", mm_core::mm::mlock::MCL_CURRENT),
    ("MCL_FUTURE", mm_core::mm::mlock::MCL_FUTURE),
    ("MCL_ONFAULT", mm_core::mm::mlock::MCL_ONFAULT),
];
/// Every `open(2)` flag by name (`O_LARGEFILE` changes nothing on x86-64).
pub const OPEN_NAMES: &[(&str, u64)] = mm_core::flags::open_flags::OPEN_FLAG_NAMES;

/// (v1.4) The `fallocate` modes by name; a number is taken too.
pub const FALLOC_NAMES: &[(&str, u64)] = mm_core::fs::truncate::FALLOC_NAMES;

const KNOWN_SYSCALLS: &[&str] = &[
    "openat",
    "close",
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "msync",
    "mlock",
    "mlock2",
    "munlock",
    "mlockall",
    "munlockall",
    "mincore",
    "ftruncate",
    "fallocate",
    "read",
    "write",
    "pread64",
    "pwrite64",
];

pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `isspace` of the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

pub(crate) fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_ws(b)).count();
    &s[n..]
}

pub(crate) fn rtrim(s: &[u8]) -> &[u8] {
    let mut n = s.len();
    while n > 0 && is_space(s[n - 1]) {
        n -= 1;
    }
    &s[..n]
}

/// `3</path>(deleted)`, as strace -y writes a descriptor whose file was
/// unlinked: the descriptor without the mark, and whether it was there.
pub(crate) fn strip_deleted(s: &[u8]) -> (&[u8], bool) {
    match s.strip_suffix(b"(deleted)") {
        Some(t) if t.ends_with(b">") => (t, true),
        _ => (s, false),
    }
}

pub(crate) fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// Most characters of an input token an error message shows.
pub const SHOWN_MAX: usize = 64;

/// An input token as an error message shows it: a control character or a
/// byte that is not UTF-8 escaped (`\n`, `\x1b`, `\xff`, `\u{85}`), and a
/// token of more than [`SHOWN_MAX`] characters cut after them, with its
/// length: `xxxx... (50000000 bytes)`.  Printable text comes back as it
/// was, as the reference runner prints it.
pub fn shown(s: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut nchars = 0;
    for chunk in s.utf8_chunks() {
        let chars = chunk.valid().chars().map(Ok).chain(chunk.invalid().iter().map(|&b| Err(b)));
        for c in chars {
            if nchars == SHOWN_MAX {
                let _ = write!(out, "... ({} bytes)", s.len());
                return out;
            }
            nchars += 1;
            let _ = match c {
                Ok('\t') => write!(out, "\\t"),
                Ok('\n') => write!(out, "\\n"),
                Ok('\r') => write!(out, "\\r"),
                Ok(c) if c.is_ascii_control() => write!(out, "\\x{:02x}", c as u32),
                Ok(c) if c.is_control() => write!(out, "\\u{{{:x}}}", c as u32),
                Ok(c) => write!(out, "{c}"),
                Err(b) => write!(out, "\\x{b:02x}"),
            };
        }
    }
    out
}

/// Decimal or `0x` hex, the whole string, with the runner's overflow
/// limits.
pub fn parse_num(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    if s.len() >= 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') {
        let digits = &s[2..];
        if digits.is_empty() {
            return None;
        }
        for &c in digits {
            let d = (c as char).to_digit(16)? as u64;
            if v >> 60 != 0 {
                return None;
            }
            v = v * 16 + d;
        }
    } else {
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            if v > (u64::MAX - 9) / 10 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
        }
    }
    Some(v)
}

pub(crate) struct Parser {
    pub(crate) line: usize,
    pub(crate) lines: Vec<Line>,
    pub(crate) skipped: usize,
    pub(crate) nwindow: usize,
    pub(crate) window: (u64, u64),
    dump_seen: bool,
    /// The names `file` lines created.
    files: HashSet<Vec<u8>>,
    p_cur: usize,
    p_count: usize,
    p_live: u64,
    any_fork: bool,
    pub(crate) text: String,
    /// The mmap flag names taken: [`MAP_NAMES`], or [`LOG_MAP_NAMES`] in
    /// an strace log.
    pub(crate) map_names: &'static [(&'static str, u64)],
    /// (v1.4) Bound names, in binding order, and their indexes.
    names: Vec<String>,
    name_idx: HashMap<Vec<u8>, usize>,
    /// The first line that binds a name.
    first_bind: usize,
    /// The names the current line's address arguments used, by slot.
    refs: Cell<[Option<NameRef>; 2]>,
    /// Address arguments parsed on the current line.
    nslots: Cell<usize>,
    /// (v1.5) The settings of the `machine` lines.
    machine: Vec<MachineSetting>,
    /// The first line that is not blank, a comment or a `machine` line.
    first_op: usize,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError { line: self.line, msg: msg.into() })
    }

    pub(crate) fn need_num(&self, s: &[u8], what: &str) -> PResult<u64> {
        match parse_num(s) {
            Some(v) => Ok(v),
            None => self.err(format!("bad {what} '{}'", shown(s))),
        }
    }

    fn need_live(&self) -> PResult<()> {
        if self.p_live == 0 {
            return self.err("no process left (every process has exited)");
        }
        Ok(())
    }

    fn push(&mut self, mut op: Op) -> PResult<()> {
        self.need_live()?;
        let addr_refs = self.refs.take();
        // A name must land in an argument the runners fill in when the
        // line runs; anywhere else it would silently be address 0.
        for (slot, r) in op.addr_slots().into_iter().zip(addr_refs) {
            if slot.is_none() && r.is_some() {
                return self.err("a name cannot stand for this argument");
            }
        }
        self.lines.push(Line {
            line: self.line,
            proc: self.p_cur,
            op,
            expect: Expect::Any,
            text: self.text.clone(),
            addr_refs,
            bind: None,
        });
        Ok(())
    }

    /// (v1.4) `$NAME[+-OFF]`: the name (without `$`) and the offset.
    fn parse_name_expr<'a>(&self, s: &'a [u8]) -> PResult<(&'a [u8], i64)> {
        let body = &s[1..];
        let n = body.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
        if n == 0 || body[0].is_ascii_digit() || n > 64 {
            return self.err(format!("bad name '{}'", shown(s)));
        }
        let name = &body[..n];
        let rest = skip_ws(&body[n..]);
        if rest.is_empty() {
            return Ok((name, 0));
        }
        let neg = match rest[0] {
            b'+' => false,
            b'-' => true,
            _ => return self.err(format!("bad name '{}'", shown(s))),
        };
        let num = skip_ws(&rest[1..]);
        let v = self.need_num(num, "offset")?;
        if v > i64::MAX as u64 {
            return self.err(format!("offset too large '{}'", shown(num)));
        }
        Ok((name, if neg { -(v as i64) } else { v as i64 }))
    }

    /// (v1.4) A use of a name bound by an earlier line.
    fn name_ref(&self, s: &[u8]) -> PResult<NameRef> {
        let (name, off) = self.parse_name_expr(s)?;
        match self.name_idx.get(name) {
            Some(&i) => Ok(NameRef { name: i, off }),
            None => {
                self.err(format!("name '${}' is not bound (no earlier line has '= ${}')", shown(name), shown(name)))
            }
        }
    }

    /// An address argument: a number, or (v1.4) a name expression, which
    /// the runner fills in when the line runs (0 here).
    fn addr_arg(&self, s: &[u8]) -> PResult<u64> {
        let slot = self.nslots.get();
        self.nslots.set(slot + 1);
        if s.first() != Some(&b'$') {
            return self.need_num(s, "address");
        }
        let r = self.name_ref(s)?;
        let mut refs = self.refs.get();
        if slot < refs.len() {
            refs[slot] = Some(r);
        }
        self.refs.set(refs);
        Ok(0)
    }

    /// `NAME|NAME|...` from `tab`; with `allow_num` (v1.4: protections,
    /// mmap and mremap flags) any part may be a number instead of a name
    /// (`0x3`, `MAP_PRIVATE|0x20`, `PROT_READ|0x8`), taken as it is, so
    /// that bits no name has reach the kernel's checks.
    pub(crate) fn parse_flags(&self, s: &[u8], tab: &[(&str, u64)], allow_num: bool, what: &str) -> PResult<u64> {
        if allow_num && let Some(n) = parse_num(s) {
            return Ok(n);
        }
        if s.is_empty() {
            return self.err(format!("empty {what}"));
        }
        // Every name between bars must be there: "PROT_READ|", "|A" and
        // "A||B" are errors, not the names they do have.
        let trimmed = &s[..s.len() - s.iter().rev().take_while(|&&b| is_ws(b)).count()];
        if skip_ws(s).first() == Some(&b'|') || trimmed.last() == Some(&b'|') || contains(s, b"||") {
            return self.err(format!("empty name in {what} '{}'", shown(s)));
        }
        let mut v = 0;
        for tok in s.split(|&b| b == b'|') {
            let tok = rtrim(skip_ws(tok));
            match tab.iter().find(|(n, _)| n.as_bytes() == tok) {
                Some((_, val)) => v |= val,
                None => match parse_num(tok).filter(|_| allow_num) {
                    Some(n) => v |= n,
                    None => return self.err(format!("unknown {what} '{}'", shown(tok))),
                },
            }
        }
        Ok(v)
    }

    /// (v1.4) A number as madvise's advice: the value of an advice the
    /// language names, or a number the kernel takes for no advice at all
    /// (`EINVAL`).  The number of an advice the language does not take
    /// (THP, KSM ...) is refused like its name.  The kernel
    /// reads the low 32 bits (`int behavior`), and so does this check.
    fn raw_advice(&self, v: u64) -> PResult<u64> {
        let low = u64::from(v as u32);
        if MADV_NAMES.iter().any(|&(_, x)| x == low) {
            return Ok(v);
        }
        match Advice::from_raw(low) {
            Some(a) if a.valid_on_linux() => {
                self.err(format!("advice {} is {}, which scenarios do not take", shown_num(v), a.name()))
            }
            _ => Ok(v),
        }
    }

    pub(crate) fn parse_fd(&self, s: &[u8]) -> PResult<i64> {
        let mut s = strip_deleted(s).0;
        if let Some(lt) = s.iter().position(|&b| b == b'<') {
            if s.last() != Some(&b'>') {
                return self.err(format!("bad descriptor '{}'", shown(s)));
            }
            s = &s[..lt];
        }
        if s == b"-1" {
            return Ok(-1);
        }
        self.need_num(s, "descriptor").map(|v| v as i64)
    }

    fn parse_addr(&self, s: &[u8]) -> PResult<u64> {
        if s == b"NULL" {
            self.nslots.set(self.nslots.get() + 1);
            Ok(0)
        } else {
            self.addr_arg(s)
        }
    }

    /// Splits at top-level commas (commas inside `"..."` or `<...>` stay).
    fn split_args<'a>(&self, s: &'a [u8]) -> PResult<Vec<&'a [u8]>> {
        let mut out = Vec::new();
        if skip_ws(s).is_empty() {
            return Ok(out);
        }
        let (mut inq, mut lt) = (false, 0);
        let mut start = 0;
        for i in 0..=s.len() {
            let c = if i < s.len() { s[i] } else { 0 };
            if c == b'"' && (i == 0 || s[i - 1] != b'\\') {
                inq = !inq;
            } else if !inq && c == b'<' {
                lt += 1;
            } else if !inq && c == b'>' && lt > 0 {
                lt -= 1;
            }
            if i == s.len() || (c == b',' && !inq && lt == 0) {
                if out.len() >= 8 {
                    return self.err("too many arguments");
                }
                out.push(rtrim(skip_ws(&s[start..i])));
                start = i + 1;
            }
        }
        Ok(out)
    }

    pub(crate) fn parse_ret(&self, r: &[u8]) -> PResult<Expect> {
        let r = rtrim(skip_ws(r));
        if r.is_empty() {
            return self.err("missing return value after '='");
        }
        if r == b"?" {
            return Ok(Expect::Any);
        }
        if r.len() > 2 && r.starts_with(b"-1") && is_ws(r[2]) {
            let e = skip_ws(&r[2..]);
            let n = e.iter().take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_').count();
            if n == 0 || n >= 32 {
                return self.err(format!("bad error return '{}'", shown(r)));
            }
            let rest = skip_ws(&e[n..]);
            if !rest.is_empty() && rest[0] != b'(' {
                return self.err(format!("bad error return '{}'", shown(r)));
            }
            return Ok(Expect::Error(lossy(&e[..n])));
        }
        let mut r = strip_deleted(r).0;
        if let Some(lt) = r.iter().position(|&b| b == b'<') {
            if r.last() != Some(&b'>') {
                return self.err(format!("bad return value '{}'", shown(r)));
            }
            r = rtrim(&r[..lt]);
        }
        if let Some(sp) = r.iter().position(|&b| is_ws(b)) {
            r = &r[..sp];
        }
        if r == b"-1" {
            return Ok(Expect::Value(-1));
        }
        Ok(Expect::Value(self.need_num(r, "return value")? as i64))
    }

    fn nargs(&self, name: &str, n: usize, lo: usize, hi: usize) -> PResult<()> {
        if n < lo || n > hi {
            return self.err(format!("{name}: expected {lo} argument(s), got {n}"));
        }
        Ok(())
    }

    pub(crate) fn parse_syscall(&mut self, name: &str, args: &[u8], ret: Option<&[u8]>) -> PResult<()> {
        let av = self.split_args(args)?;
        let n = av.len();
        let op = match name {
            "openat" => {
                self.nargs(name, n, 3, 4)?;
                if av[0] != b"AT_FDCWD" {
                    return self.err("openat: first argument must be AT_FDCWD");
                }
                let path = av[1];
                if path.len() < 2 || path[0] != b'"' || path[path.len() - 1] != b'"' {
                    return self.err(format!("openat: bad path {}", shown(path)));
                }
                let path = &path[1..path.len() - 1];
                let flags = self.parse_flags(av[2], OPEN_NAMES, false, "open flag")?;
                Op::Openat { path: lossy(path), flags }
            }
            "close" => {
                self.nargs(name, n, 1, 1)?;
                self.need_live()?;
                Op::Close { fd: self.parse_fd(av[0])? }
            }
            "mmap" => {
                self.nargs(name, n, 6, 6)?;
                self.need_live()?;
                let op = Op::Mmap {
                    addr: self.parse_addr(av[0])?,
                    len: self.need_num(av[1], "length")?,
                    prot: self.parse_flags(av[2], PROT_NAMES, true, "protection")?,
                    flags: self.parse_flags(av[3], self.map_names, true, "mmap flag")?,
                    fd: self.parse_fd(av[4])?,
                    off: self.need_num(av[5], "offset")?,
                };
                let hugetlb_anon = MapFlags::HUGETLB | MapFlags::ANONYMOUS;
                if let Op::Mmap { flags, .. } = op
                    && flags & hugetlb_anon.bits() == hugetlb_anon.bits()
                {
                    return self.err("mmap: anonymous MAP_HUGETLB (0x40000) memory is not modelled");
                }
                op
            }
            "munmap" => {
                self.nargs(name, n, 2, 2)?;
                self.need_live()?;
                Op::Munmap { addr: self.parse_addr(av[0])?, len: self.need_num(av[1], "length")? }
            }
            "mprotect" => {
                self.nargs(name, n, 3, 3)?;
                self.need_live()?;
                Op::Mprotect {
                    addr: self.parse_addr(av[0])?,
                    len: self.need_num(av[1], "length")?,
                    prot: self.parse_flags(av[2], PROT_NAMES, true, "protection")?,
                }
            }
            "mremap" => {
                self.nargs(name, n, 4, 5)?;
                self.need_live()?;
                Op::Mremap {
                    old: self.parse_addr(av[0])?,
                    old_len: self.need_num(av[1], "length")?,
                    new_len: self.need_num(av[2], "length")?,
                    flags: self.parse_flags(av[3], MREMAP_NAMES, true, "mremap flag")?,
                    new_addr: if n == 5 { self.parse_addr(av[4])? } else { 0 },
                }
            }
            "madvise" => {
                self.nargs(name, n, 3, 3)?;
                self.need_live()?;
                let addr = self.parse_addr(av[0])?;
                let len = self.need_num(av[1], "length")?;
                let advice = match MADV_NAMES.iter().find(|(nm, _)| nm.as_bytes() == av[2]) {
                    Some((_, v)) => *v,
                    None => match parse_num(av[2]) {
                        Some(v) => self.raw_advice(v)?,
                        None => return self.err(format!("unknown advice '{}'", shown(av[2]))),
                    },
                };
                Op::Madvise { addr, len, advice }
            }
            "brk" => {
                self.nargs(name, n, 1, 1)?;
                self.need_live()?;
                Op::Brk { addr: self.parse_addr(av[0])? }
            }
            "msync" => {
                self.nargs(name, n, 3, 3)?;
                self.need_live()?;
                Op::Msync {
                    addr: self.parse_addr(av[0])?,
                    len: self.need_num(av[1], "length")?,
                    flags: self.parse_flags(av[2], MSYNC_NAMES, false, "msync flag")?,
                }
            }
            "mlock" | "munlock" => {
                self.nargs(name, n, 2, 2)?;
                self.need_live()?;
                let addr = self.parse_addr(av[0])?;
                let len = self.need_num(av[1], "length")?;
                if name == "mlock" { Op::Mlock { addr, len } } else { Op::Munlock { addr, len } }
            }
            "mlock2" => {
                self.nargs(name, n, 3, 3)?;
                self.need_live()?;
                Op::Mlock2 {
                    addr: self.parse_addr(av[0])?,
                    len: self.need_num(av[1], "length")?,
                    flags: self.parse_flags(av[2], MLOCK_NAMES, true, "mlock2 flag")?,
                }
            }
            "mlockall" => {
                self.nargs(name, n, 1, 1)?;
                self.need_live()?;
                Op::Mlockall { flags: self.parse_flags(av[0], MCL_NAMES, true, "mlockall flag")? }
            }
            "munlockall" => {
                self.nargs(name, n, 0, 0)?;
                self.need_live()?;
                Op::Munlockall
            }
            "mincore" => {
                self.nargs(name, n, 3, 3)?;
                self.need_live()?;
                let addr = self.parse_addr(av[0])?;
                let len = self.need_num(av[1], "length")?;
                if av[2].is_empty() {
                    return self.err("mincore: empty vector argument");
                }
                if len / PAGE + 2 > MAX_LOAD_PAGES {
                    return self.err("length too large");
                }
                Op::Mincore { addr, len }
            }
            "ftruncate" => {
                self.nargs(name, n, 2, 2)?;
                self.need_live()?;
                Op::Ftruncate { fd: self.parse_fd(av[0])?, len: self.need_num(av[1], "length")? }
            }
            "fallocate" => {
                self.nargs(name, n, 4, 4)?;
                self.need_live()?;
                Op::Fallocate {
                    fd: self.parse_fd(av[0])?,
                    mode: self.parse_flags(av[1], FALLOC_NAMES, true, "fallocate mode")?,
                    off: self.need_num(av[2], "offset")?,
                    len: self.need_num(av[3], "length")?,
                }
            }
            "read" | "write" | "pread64" | "pwrite64" => {
                let positional = name.starts_with('p');
                let k = if positional { 4 } else { 3 };
                self.nargs(name, n, k, k)?;
                // An strace log shows the buffer's bytes ("..."), not its
                // address: such a line is skipped.
                if av[1].first() == Some(&b'"') {
                    self.skipped += 1;
                    return Ok(());
                }
                self.need_live()?;
                Op::Rw {
                    write: name.contains("write"),
                    fd: self.parse_fd(av[0])?,
                    addr: self.parse_addr(av[1])?,
                    len: self.need_num(av[2], "length")?,
                    pos: if positional { Some(self.need_num(av[3], "offset")?) } else { None },
                }
            }
            _ => unreachable!("only known syscalls reach parse_syscall"),
        };
        self.push(op)?;
        if let Some(r) = ret {
            let r = rtrim(skip_ws(r));
            if r.first() == Some(&b'$') {
                return self.parse_name_ret(r);
            }
            let e = self.parse_ret(r)?;
            self.lines.last_mut().expect("just pushed").expect = e;
        }
        Ok(())
    }

    /// (v1.4) `= $a`: binds a new name to the result of an `mmap` or
    /// `mremap`; a name bound before (`= $a`, `= $a+0x1000`) is the
    /// address the call must return.
    fn parse_name_ret(&mut self, r: &[u8]) -> PResult<()> {
        let (name, off) = self.parse_name_expr(r)?;
        if self.name_idx.contains_key(name) {
            let e = Expect::Name(self.name_ref(r)?);
            self.lines.last_mut().expect("just pushed").expect = e;
            return Ok(());
        }
        let l = self.lines.last().expect("just pushed");
        if !matches!(l.op, Op::Mmap { .. } | Op::Mremap { .. }) {
            return self.err(format!("'${}': only mmap and mremap results can be named", shown(name)));
        }
        if off != 0 {
            return self.err(format!("'{}': a new name takes no offset", shown(r)));
        }
        if self.names.len() >= MAX_NAMES {
            return self.err(format!("more than {MAX_NAMES} names"));
        }
        let i = self.names.len();
        self.names.push(lossy(name));
        self.name_idx.insert(name.to_vec(), i);
        if self.first_bind == 0 {
            self.first_bind = self.line;
        }
        self.lines.last_mut().expect("just pushed").bind = Some(i);
        Ok(())
    }

    pub(crate) fn parse_line(&mut self, raw: &[u8]) -> PResult<()> {
        let mut p = rtrim(skip_ws(raw));
        if p.is_empty() || p[0] == b'#' {
            return Ok(());
        }
        self.text = lossy(p);
        self.refs.set([None, None]);
        self.nslots.set(0);
        if let Some(rest) = p.strip_prefix(b"machine")
            && rest.first().is_none_or(|&b| is_ws(b))
        {
            return self.parse_machine(rest);
        }
        if self.first_op == 0 {
            self.first_op = self.line;
        }
        // strace decorations: "[pid 123] ", "123 ", "12:34:56.789 ", "1234.5678 "
        if p.starts_with(b"[pid") {
            match p.iter().position(|&b| b == b']') {
                Some(q) => p = skip_ws(&p[q + 1..]),
                None => return self.err("bad [pid ...] prefix"),
            }
        } else if p[0].is_ascii_digit() {
            let q = p.iter().take_while(|b| b.is_ascii_digit()).count();
            if q < p.len() && is_ws(p[q]) {
                p = skip_ws(&p[q..]);
            }
        }
        if !p.is_empty() && p[0].is_ascii_digit() {
            let q = p.iter().take_while(|&&b| b.is_ascii_digit() || b == b':' || b == b'.').count();
            // The runner's test: a ':' anywhere before the end of the token
            // (or no ':' in the rest of the line at all), or a '.' in it.
            let colon_ok = match p.iter().position(|&b| b == b':') {
                None => true,
                Some(c) => c < q,
            };
            if q > 0 && q < p.len() && is_ws(p[q]) && (colon_ok || p[..q].contains(&b'.')) {
                p = skip_ws(&p[q..]);
            }
        }
        if p.is_empty() {
            return Ok(());
        }
        if p.starts_with(b"---") || p.starts_with(b"+++") {
            self.skipped += 1;
            return Ok(());
        }
        if contains(p, b"<unfinished ...>") || contains(p, b" resumed>") {
            self.skipped += 1;
            return Ok(());
        }
        let q = p.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
        if q > 0 && q < p.len() && p[q] == b'(' {
            if q >= 64 {
                return self.err("syscall name too long");
            }
            let name = lossy(&p[..q]);
            if !KNOWN_SYSCALLS.contains(&name.as_str()) {
                self.skipped += 1;
                return Ok(());
            }
            let args = &p[q + 1..];
            let (mut depth, mut inq) = (0, false);
            let mut close = None;
            for (i, &c) in args.iter().enumerate() {
                let prev = if i == 0 { b'(' } else { args[i - 1] };
                if c == b'"' && prev != b'\\' {
                    inq = !inq;
                }
                if inq {
                    continue;
                }
                if c == b'(' {
                    depth += 1;
                } else if c == b')' {
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                    depth -= 1;
                }
            }
            let Some(close) = close else {
                return self.err("missing ')'");
            };
            let after = skip_ws(&args[close + 1..]);
            let ret = if after.first() == Some(&b'=') {
                Some(&after[1..])
            } else if !after.is_empty() {
                return self.err(format!("unexpected text after ')': '{}'", shown(after)));
            } else {
                None
            };
            return self.parse_syscall(&name, &args[..close], ret);
        }
        let av: Vec<&[u8]> = p.split(|&b| is_ws(b)).filter(|w| !w.is_empty()).collect();
        if av.len() > 8 {
            return self.err("too many words");
        }
        let n = av.len();
        let word = lossy(av[0]);
        match word.as_str() {
            "window" => {
                if n != 3 {
                    return self.err("window: expected START END");
                }
                if self.dump_seen {
                    return self.err("window after the first dump");
                }
                self.need_live()?;
                self.nwindow += 1;
                let lo = self.need_num(av[1], "address")?;
                let hi = self.need_num(av[2], "address")?;
                if lo >= hi {
                    return self.err("window: empty range");
                }
                self.window = (lo, hi);
            }
            "file" => {
                if n != 3 {
                    return self.err("file: expected NAME SIZE");
                }
                let name = av[1];
                if name.contains(&b'/') || name == b"." || name == b".." {
                    return self.err(format!("file: bad name '{}'", shown(name)));
                }
                if self.files.contains(name) {
                    return self.err(format!("file: '{}' already created", shown(name)));
                }
                self.need_live()?;
                let size = self.need_num(av[2], "size")?;
                if size > 1 << 32 {
                    return self.err("file: size too large");
                }
                self.files.insert(name.to_vec());
                self.push(Op::File { name: lossy(name), size })?;
            }
            "load" | "store" => {
                let st = word == "store";
                if n < 2 || n > if st { 4 } else { 3 } {
                    return self.err(format!("{word}: bad arguments"));
                }
                self.need_live()?;
                let addr = self.addr_arg(av[1])?;
                let len = if n >= 3 { self.need_num(av[2], "length")? } else { 1 };
                let mut val = 0x5a;
                if n >= 4 {
                    val = self.need_num(av[3], "value")?;
                    if val > 255 {
                        return self.err("value > 255");
                    }
                }
                if len / PAGE + 2 > MAX_LOAD_PAGES {
                    return self.err("length too large");
                }
                if self.refs.get()[0].is_none() && addr.checked_add(len).is_none() {
                    return self.err("range wraps");
                }
                self.push(if st { Op::Store { addr, len, val: val as u8 } } else { Op::Load { addr, len } })?;
            }
            "dump" => {
                let smaps = av.get(1) == Some(&&b"smaps"[..]);
                let words = if smaps { &av[2..] } else { &av[1..] };
                let label = words.iter().map(|w| lossy(w)).collect::<Vec<_>>().join(" ");
                self.push(Op::Dump { label, smaps })?;
                self.dump_seen = true;
            }
            "fork" => {
                if n != 1 {
                    return self.err("fork: no arguments expected");
                }
                self.need_live()?;
                if self.p_count >= MAX_PROCS {
                    return self.err(format!("fork: more than {MAX_PROCS} processes"));
                }
                let child = self.p_count;
                self.push(Op::Fork { child })?;
                self.p_live |= 1 << child;
                self.p_count += 1;
                self.any_fork = true;
            }
            "khugepaged" => {
                if n != 1 {
                    return self.err("khugepaged: no arguments expected");
                }
                self.need_live()?;
                self.push(Op::Khugepaged)?;
            }
            "process" => {
                if n != 2 {
                    return self.err("process: expected K");
                }
                self.need_live()?;
                let k = self.need_num(av[1], "process number")?;
                if k >= MAX_PROCS as u64 || self.p_live >> k & 1 == 0 {
                    if k < self.p_count as u64 {
                        return self.err(format!("process {k} has exited"));
                    }
                    return self.err(format!("process {k} does not exist"));
                }
                self.push(Op::Process { k: k as usize })?;
                self.p_cur = k as usize;
            }
            "exit" => {
                if n != 1 {
                    return self.err("exit: no arguments expected");
                }
                self.need_live()?;
                let proc = self.p_cur;
                self.p_live &= !(1 << proc);
                let next = (0..MAX_PROCS).find(|&j| self.p_live >> j & 1 == 1);
                self.lines.push(Line {
                    line: self.line,
                    proc,
                    op: Op::Exit { proc, next },
                    expect: Expect::Any,
                    text: self.text.clone(),
                    addr_refs: [None, None],
                    bind: None,
                });
                if let Some(j) = next {
                    self.p_cur = j;
                }
            }
            _ => return self.err(format!("unknown operation '{}'", shown(av[0]))),
        }
        Ok(())
    }
}

impl Parser {
    /// (v1.5) The settings of a `machine` line (after the word): each
    /// `KEY=VALUE` is checked as [`MachineConfig::set`] checks it.
    fn parse_machine(&mut self, rest: &[u8]) -> PResult<()> {
        if self.first_op != 0 {
            return self.err(format!(
                "machine lines come before the first operation (line {}), after blank lines and comments only",
                self.first_op
            ));
        }
        let words: Vec<&[u8]> = rest.split(|&b| is_ws(b)).filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return self.err("machine: expected KEY=VALUE ...");
        }
        let mut scratch = MachineConfig::default();
        for w in words {
            // Settings are short printable words; the error then shows
            // the setting as written.
            let text = match std::str::from_utf8(w) {
                Ok(t) if w.len() <= SHOWN_MAX && !t.chars().any(char::is_control) => t,
                _ => return self.err(format!("machine: bad setting '{}'", shown(w))),
            };
            let Some((key, value)) = text.split_once('=') else {
                return self.err(format!("machine: bad setting '{text}': expected KEY=VALUE"));
            };
            if let Err(e) = scratch.set(key, value) {
                return self.err(format!("machine: {e}"));
            }
            let key = key.replace('-', "_");
            if key == "swap"
                && let Ok(spec) = SwapSpec::parse(value)
                && !spec.config.path.is_empty()
            {
                // A scenario is run as it is given: it may not make the
                // run write to a host file.
                return self
                    .err(format!("machine: swap={value} names a host file; a scenario may not (give it with --swap)"));
            }
            self.machine.push(MachineSetting { line: self.line, key, value: value.to_string() });
        }
        Ok(())
    }
}

/// A number as the scenario may have written it: decimal below 4096,
/// hex above.
fn shown_num(v: u64) -> String {
    if v < 4096 { v.to_string() } else { format!("{v:#x}") }
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

impl Parser {
    /// A parser at the start of a file.
    pub(crate) fn new() -> Parser {
        Parser {
            line: 0,
            lines: Vec::new(),
            skipped: 0,
            nwindow: 0,
            window: (0, u64::MAX),
            dump_seen: false,
            files: HashSet::new(),
            p_cur: 0,
            p_count: 1,
            p_live: 1,
            any_fork: false,
            map_names: MAP_NAMES,
            text: String::new(),
            names: Vec::new(),
            name_idx: HashMap::new(),
            first_bind: 0,
            refs: Cell::new([None, None]),
            nslots: Cell::new(0),
            machine: Vec::new(),
            first_op: 0,
        }
    }
}

/// Parses a whole scenario file.
pub fn parse(src: &[u8]) -> Result<Scenario, ParseError> {
    let mut p = Parser::new();
    let mut rest = src;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        p.line += 1;
        if line.contains(&0) {
            return p.err("NUL byte");
        }
        p.parse_line(line)?;
    }
    if !p.names.is_empty() && p.dump_seen && p.window.1 > NAMED_WINDOW_END {
        // The runners place kernel-chosen mappings differently (the real
        // runner's own libraries and stack are up there): a window that
        // reaches them would show what only one runner has.
        return Err(ParseError {
            line: p.first_bind,
            msg: format!("a scenario that names addresses needs a window ending at or below {NAMED_WINDOW_END:#x}"),
        });
    }
    Ok(Scenario {
        lines: p.lines,
        skipped: p.skipped,
        nwindow: p.nwindow,
        window: p.window,
        any_fork: p.any_fork,
        names: p.names,
        machine: p.machine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        parse(src.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn numbers_follow_the_runner() {
        assert_eq!(parse_num(b"0x10"), Some(16));
        assert_eq!(parse_num(b"0X1f"), Some(31));
        assert_eq!(parse_num(b"42"), Some(42));
        assert_eq!(parse_num(b"0x"), None);
        assert_eq!(parse_num(b"-1"), None);
        assert_eq!(parse_num(b"18446744073709551615"), None);
        assert_eq!(parse_num(b"0xffffffffffffffff"), Some(u64::MAX));
        assert_eq!(parse_num(b"0x1ffffffffffffffff"), None);
    }

    #[test]
    fn strace_decorations_and_skips() {
        let s = parse(
            b"4242 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n\
              [pid  4242] munmap(0x7f0000000000, 4096) = 0\n\
              12:34:56.789 brk(NULL) = 0x200000000\n\
              4242 read(3</x>, \"a,b\", 4) = 4\n\
              --- SIGSEGV {si_signo=SIGSEGV} ---\n\
              +++ exited with 0 +++\n\
              mmap(0x1000, 4096 <unfinished ...>\n",
        )
        .unwrap();
        assert_eq!(s.lines.len(), 3);
        assert_eq!(s.skipped, 4);
        assert_eq!(s.lines[0].expect, Expect::Value(0x7f0000000000));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(err("dump\nwindow 1 2\n"), "line 2: window after the first dump");
        assert_eq!(err("mmap(1,2)\n"), "line 1: mmap: expected 6 argument(s), got 2");
        assert_eq!(err("\n\nfrob 1\n"), "line 3: unknown operation 'frob'");
        assert_eq!(
            err("mmap(0, 4096, PROT_READ|PROT_FOO, MAP_PRIVATE, -1, 0)"),
            "line 1: unknown protection 'PROT_FOO'"
        );
        assert_eq!(err("store 0x1000 1 256"), "line 1: value > 255");
        assert_eq!(err("munmap(0x1000, 4096) = -1 einval"), "line 1: bad error return '-1 einval'");
        assert_eq!(err("exit\nload 0"), "line 2: no process left (every process has exited)");
        assert_eq!(err("process 3"), "line 1: process 3 does not exist");
        assert_eq!(err("load 0\0"), "line 1: NUL byte");
        assert_eq!(err("mmap(0, 1, PROT_READ, MAP_PRIVATE, 3 </x>, 0)"), "line 1: bad descriptor '3 '");
    }

    #[test]
    fn an_empty_name_in_a_flag_list_is_an_error() {
        for (args, msg) in [
            ("0, 1, PROT_READ|, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0", "empty name in protection 'PROT_READ|'"),
            ("0, 1, |PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0", "empty name in protection '|PROT_READ'"),
            (
                "0, 1, PROT_READ, MAP_PRIVATE||MAP_ANONYMOUS, -1, 0",
                "empty name in mmap flag 'MAP_PRIVATE||MAP_ANONYMOUS'",
            ),
            (
                "0, 1, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS |, -1, 0",
                "empty name in mmap flag 'MAP_PRIVATE|MAP_ANONYMOUS |'",
            ),
            ("0, 1, PROT_READ, |, -1, 0", "empty name in mmap flag '|'"),
        ] {
            assert_eq!(err(&format!("mmap({args})")), format!("line 1: {msg}"));
        }
        assert_eq!(err("mprotect(0, 1, PROT_READ|\t)"), "line 1: empty name in protection 'PROT_READ|'");
        assert_eq!(err("mremap(0, 1, 2, |MREMAP_MAYMOVE)"), "line 1: empty name in mremap flag '|MREMAP_MAYMOVE'");
        assert_eq!(
            err("msync(0, 1, MS_SYNC||MS_INVALIDATE)"),
            "line 1: empty name in msync flag 'MS_SYNC||MS_INVALIDATE'"
        );
        assert_eq!(err("openat(AT_FDCWD, \"f\", O_RDWR|)"), "line 1: empty name in open flag 'O_RDWR|'");
        // A name of blanks is a name, and not a known one.
        assert_eq!(err("mmap(0, 1, PROT_READ| |PROT_WRITE, MAP_PRIVATE, -1, 0)"), "line 1: unknown protection ''");
        // Spaces around the bars are fine.
        let s = parse(b"mmap(0, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE| MAP_ANONYMOUS, -1, 0)").unwrap();
        assert!(matches!(s.lines[0].op, Op::Mmap { prot: 3, .. }));
    }

    #[test]
    fn errors_escape_control_characters_and_cut_long_tokens() {
        assert_eq!(shown(b"a\tb\r\n\x1b[31m\x7f"), "a\\tb\\r\\n\\x1b[31m\\x7f");
        assert_eq!(shown(b"caf\xc3\xa9 \xff\xc3 \xc2\x85"), "caf\u{e9} \\xff\\xc3 \\u{85}");
        assert_eq!(shown(&[b'x'; SHOWN_MAX]), "x".repeat(SHOWN_MAX));
        let long = vec![b'x'; 50 << 20];
        assert_eq!(shown(&long), format!("{}... ({} bytes)", "x".repeat(SHOWN_MAX), 50 << 20));
        // Characters count, not bytes; an escape counts as one.
        let e = "\u{e9}".repeat(SHOWN_MAX + 1);
        assert_eq!(shown(e.as_bytes()), format!("{}... ({} bytes)", "\u{e9}".repeat(SHOWN_MAX), e.len()));
        let c = [0x1b; SHOWN_MAX + 1];
        assert_eq!(shown(&c), format!("{}... ({} bytes)", "\\x1b".repeat(SHOWN_MAX), SHOWN_MAX + 1));

        // Every message that echoes input goes through it.
        assert_eq!(err("frob\x1b]0;pwned\x07"), "line 1: unknown operation 'frob\\x1b]0;pwned\\x07'");
        assert_eq!(err("load 0x\x1b"), "line 1: bad address '0x\\x1b'");
        let mut src = b"mmap(0, 1, PROT_".to_vec();
        src.extend_from_slice(&[b'A'; 1 << 20]);
        src.extend_from_slice(b", MAP_PRIVATE, -1, 0)");
        let msg = parse(&src).unwrap_err().to_string();
        assert_eq!(
            msg,
            format!("line 1: unknown protection 'PROT_{}... ({} bytes)'", "A".repeat(SHOWN_MAX - 5), (1 << 20) + 5)
        );
        for src in [
            &b"file a\x01 1\nfile a\x01 1"[..],
            b"file a/\x01 1",
            b"madvise(0, 1, MADV_\x01)",
            b"munmap(0, 1) x\x01",
            b"munmap(0, 1) = \x01",
            b"munmap(0, 1) = -1 E \x01",
            b"close(3<\x01)",
            b"openat(AT_FDCWD, \x01, O_RDONLY)",
            b"mremap(0, 1, 2, \xff)",
        ] {
            let msg = parse(src).unwrap_err().to_string();
            assert!(msg.contains("\\x01") || msg.contains("\\xff"), "{msg}");
            assert!(!msg.bytes().any(|b| b.is_ascii_control()), "{msg:?}");
        }
    }

    /// Duplicate `file` names are found with a hash set: 100,000 names of
    /// 200 bytes sharing their first 200 take a small fraction of a second
    /// (comparing each with every earlier one took minutes).
    #[test]
    fn many_file_lines_parse_in_linear_time() {
        let mut src = Vec::new();
        let prefix = "x".repeat(200);
        for i in 0..100_000 {
            src.extend_from_slice(format!("file {prefix}{i} 0\n").as_bytes());
        }
        let s = parse(&src).unwrap();
        assert_eq!(s.lines.len(), 100_000);
        src.extend_from_slice(format!("file {prefix}99999 0\n").as_bytes());
        let msg = parse(&src).unwrap_err().to_string();
        assert_eq!(msg, format!("line 100001: file: '{}... (205 bytes)' already created", "x".repeat(SHOWN_MAX)));
    }

    #[test]
    fn lock_populate_and_mincore_lines() {
        let s = parse(
            b"mlock(0x1000, 4096) = 0\n\
              mlock2(0x1000, 4096, MLOCK_ONFAULT)\n\
              mlock2(0x1000, 4096, 2) = -1 EINVAL (Invalid argument)\n\
              munlock(NULL, 1)\n\
              mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)\n\
              mlockall(0)\n\
              munlockall() = 0\n\
              mincore(0x1000, 8192, VEC) = 0\n\
              madvise(0x1000, 4096, MADV_POPULATE_READ)\n\
              madvise(0x1000, 4096, MADV_POPULATE_WRITE)\n\
              mmap(0x1000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)\n",
        )
        .unwrap();
        let ops: Vec<Op> = s.lines.into_iter().map(|l| l.op).collect();
        assert_eq!(
            ops,
            [
                Op::Mlock { addr: 0x1000, len: 4096 },
                Op::Mlock2 { addr: 0x1000, len: 4096, flags: 1 },
                Op::Mlock2 { addr: 0x1000, len: 4096, flags: 2 },
                Op::Munlock { addr: 0, len: 1 },
                Op::Mlockall { flags: 7 },
                Op::Mlockall { flags: 0 },
                Op::Munlockall,
                Op::Mincore { addr: 0x1000, len: 8192 },
                Op::Madvise { addr: 0x1000, len: 4096, advice: 22 },
                Op::Madvise { addr: 0x1000, len: 4096, advice: 23 },
                Op::Mmap { addr: 0x1000, len: 4096, prot: 1, flags: 0x2022, fd: -1, off: 0 },
            ]
        );
        assert_eq!(err("mlock(0x1000)"), "line 1: mlock: expected 2 argument(s), got 1");
        assert_eq!(err("mlock2(0, 1, MLOCK_FOO)"), "line 1: unknown mlock2 flag 'MLOCK_FOO'");
        assert_eq!(err("mlockall(MCL_CURRENT|)"), "line 1: empty name in mlockall flag 'MCL_CURRENT|'");
        assert_eq!(err("munlockall(0)"), "line 1: munlockall: expected 0 argument(s), got 1");
        assert_eq!(err("mincore(0, 4096)"), "line 1: mincore: expected 3 argument(s), got 2");
        assert_eq!(err("mincore(0, 4096, )"), "line 1: mincore: empty vector argument");
        assert_eq!(err("mincore(0, 0x100000000000, v)"), "line 1: length too large");
    }

    #[test]
    fn raw_values_and_v14_names() {
        let s = parse(
            b"mmap(0x1000, 4096, 0x3, MAP_PRIVATE|0x20|MAP_FIXED, -1, 0)\n\
              mmap(0x1000, 4096, PROT_READ|0x8, MAP_SHARED_VALIDATE|0x80000, 3, 0)\n\
              mprotect(0x1000, 4096, 0x1000000|PROT_WRITE)\n\
              mremap(0x1000, 4096, 4096, MREMAP_MAYMOVE|0x10, 0x2000)\n\
              madvise(0x1000, 4096, MADV_GUARD_INSTALL)\n\
              madvise(0x1000, 4096, 0x7f) = -1 EINVAL (Invalid argument)\n\
              madvise(0x1000, 4096, 100)\n\
              madvise(0x1000, 4096, 0x100000066)\n\
              madvise(0x1000, 4096, 20)\n",
        )
        .unwrap();
        let ops: Vec<&Op> = s.lines.iter().map(|l| &l.op).collect();
        assert!(matches!(ops[0], Op::Mmap { prot: 3, flags: 0x32, .. }));
        assert!(matches!(ops[1], Op::Mmap { prot: 9, flags: 0x80003, .. }));
        assert!(matches!(ops[2], Op::Mprotect { prot: 0x100_0002, .. }));
        assert!(matches!(ops[3], Op::Mremap { flags: 0x11, .. }));
        assert!(matches!(ops[4], Op::Madvise { advice: 102, .. }));
        assert!(matches!(ops[5], Op::Madvise { advice: 0x7f, .. }));
        assert!(matches!(ops[6], Op::Madvise { advice: 100, .. }));
        assert!(matches!(ops[7], Op::Madvise { advice: 0x1_0000_0066, .. }));
        assert!(matches!(ops[8], Op::Madvise { advice: 20, .. }));
        // Numbers only where the line takes them, and no advice the
        // language does not take, by name or by number.
        assert_eq!(err("msync(0, 1, MS_SYNC|0x8)"), "line 1: unknown msync flag '0x8'");
        assert_eq!(err("madvise(0, 1, 12)"), "line 1: advice 12 is MADV_MERGEABLE, which scenarios do not take");
        assert_eq!(
            err("madvise(0, 1, 0x10000000c)"),
            "line 1: advice 0x10000000c is MADV_MERGEABLE, which scenarios do not take"
        );
        assert_eq!(err("madvise(0, 1, MADV_MERGEABLE)"), "line 1: unknown advice 'MADV_MERGEABLE'");
        assert_eq!(err("madvise(0, 1, -1)"), "line 1: unknown advice '-1'");
        assert_eq!(err("mmap(0, 1, PROT_READ|0x, MAP_PRIVATE, -1, 0)"), "line 1: unknown protection '0x'");
        assert_eq!(
            err("mmap(0, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|0x40000, -1, 0)"),
            "line 1: mmap: anonymous MAP_HUGETLB (0x40000) memory is not modelled"
        );
    }

    #[test]
    fn thp_advice_of_v1_6() {
        let s = parse(
            b"madvise(0x100000000, 0x200000, MADV_HUGEPAGE)\n\
              madvise(0x100000000, 0x200000, MADV_NOHUGEPAGE) = 0\n\
              madvise(0x100000000, 0x200000, MADV_COLLAPSE) = -1 EINVAL (Invalid argument)\n\
              madvise(0x100000000, 0x200000, 14)\n\
              madvise(0x100000000, 0x200000, 0x10000000f)\n\
              madvise(0x100000000, 0x200000, 25)\n",
        )
        .unwrap();
        let advice: Vec<u64> = s
            .lines
            .iter()
            .map(|l| match l.op {
                Op::Madvise { advice, .. } => advice,
                _ => panic!("not madvise: {:?}", l.op),
            })
            .collect();
        assert_eq!(advice, [14, 15, 25, 14, 0x1_0000_000f, 25]);
        // Strace logs keep them out of the model.
        for a in THP_ADVICE {
            assert!(MADV_NAMES.iter().any(|&(n, v)| n == a.name() && v == a.raw()));
            assert!(!LOG_MADV_NAMES.iter().any(|&(n, _)| n == a.name()));
        }
        assert_eq!(MADV_NAMES.len(), LOG_MADV_NAMES.len() + THP_ADVICE.len());
    }

    #[test]
    fn file_lines_of_v1_4() {
        let s = parse(
            b"ftruncate(3, 0x1800) = 0\n\
              fallocate(3</dev/shm/f>, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x1000, 4096) = 0\n\
              fallocate(3, 0x100, 0, 1) = -1 EOPNOTSUPP (Operation not supported)\n\
              read(3, 0x100000000, 0x2000) = 8192\n\
              pwrite64(4, 0x100000800, 16, 0x7000)\n\
              madvise(0x100000000, 4096, MADV_REMOVE) = 0\n",
        )
        .unwrap();
        assert_eq!(s.lines[0].op, Op::Ftruncate { fd: 3, len: 0x1800 });
        assert_eq!(s.lines[1].op, Op::Fallocate { fd: 3, mode: 3, off: 0x1000, len: 4096 });
        assert_eq!(s.lines[2].op, Op::Fallocate { fd: 3, mode: 0x100, off: 0, len: 1 });
        assert_eq!(s.lines[2].expect, Expect::Error("EOPNOTSUPP".into()));
        assert_eq!(s.lines[3].op, Op::Rw { write: false, fd: 3, addr: 0x100000000, len: 0x2000, pos: None });
        assert_eq!(s.lines[3].expect, Expect::Value(8192));
        assert_eq!(s.lines[4].op, Op::Rw { write: true, fd: 4, addr: 0x100000800, len: 16, pos: Some(0x7000) });
        assert_eq!(s.lines[5].op, Op::Madvise { addr: 0x100000000, len: 4096, advice: 9 });
        // strace shows a buffer's bytes, not its address: skipped.
        let s = parse(b"write(1, \"hi\\n\", 3) = 3\npread64(3, \"\\x7fELF\"..., 832, 64) = 832\n").unwrap();
        assert_eq!((s.lines.len(), s.skipped), (0, 2));
        assert_eq!(err("read(3, 0x1000)"), "line 1: read: expected 3 argument(s), got 2");
        assert_eq!(err("pread64(3, 0x1000, 1)"), "line 1: pread64: expected 4 argument(s), got 3");
        assert_eq!(err("ftruncate(3, -1)"), "line 1: bad length '-1'");
        assert_eq!(err("fallocate(3, FALLOC_FL_FOO, 0, 1)"), "line 1: unknown fallocate mode 'FALLOC_FL_FOO'");
        assert_eq!(err("write(x, 0x1000, 1)"), "line 1: bad descriptor 'x'");
        assert_eq!(err("pwrite64(3, 0x1000, 1, 0x)"), "line 1: bad offset '0x'");
    }

    #[test]
    fn names_bind_and_are_used() {
        let s = parse(
            b"window 0x100000000 0x140000000\n\
              mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n\
              mremap($a, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, $a - 0x2000) = $a-0x2000\n\
              load $a+0x10 2\n\
              mremap($a, 4096, 8192, MREMAP_MAYMOVE) = $b_2\n\
              dump\n",
        )
        .unwrap();
        assert_eq!(s.names, ["a", "b_2"]);
        assert_eq!(s.lines[0].bind, Some(0));
        let l = &s.lines[1];
        assert_eq!(l.addr_refs, [Some(NameRef { name: 0, off: 0 }), Some(NameRef { name: 0, off: -0x2000 })]);
        assert_eq!(l.expect, Expect::Name(NameRef { name: 0, off: -0x2000 }));
        assert_eq!(s.lines[2].addr_refs[0], Some(NameRef { name: 0, off: 0x10 }));
        assert_eq!(s.lines[3].bind, Some(1));
        assert_eq!(fmt_name_ref("a", -0x2000), "$a-0x2000");
        // Every address argument takes a name: the buffer of read and
        // write, the range of mincore, mlock, mlock2 and munlock.
        let s = parse(
            b"window 0x100000000 0x140000000\n\
              mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n\
              read(3, $a+0x1000, 1)\n\
              pwrite64(3, $a, 1, 0)\n\
              mincore($a, 4096, vec)\n\
              mlock($a+0x1000, 4096)\n\
              mlock2($a, 4096, 0)\n\
              munlock($a, 8192)\n",
        )
        .unwrap();
        let offs: Vec<_> = s.lines[1..].iter().map(|l| l.addr_refs[0].map(|r| r.off)).collect();
        assert_eq!(offs, [Some(0x1000), Some(0), Some(0), Some(0x1000), Some(0), Some(0)]);
        assert_eq!(fmt_name_ref("a", 0), "$a");
    }

    #[test]
    fn names_stand_for_every_address_argument() {
        let s = parse(
            b"mmap(NULL, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n\
              mlock($a+0x1000, 4096) = 0\n\
              mlock2($a, 4096, MLOCK_ONFAULT) = 0\n\
              munlock($a-0x1000, 4096) = 0\n\
              mincore($a+0x2000, 4096, VEC) = 0\n\
              read(3, $a+0x10, 1)\n\
              write(3, $a, 1)\n\
              pread64(3, $a+0x3000, 1, 0)\n\
              pwrite64(3, $a, 1, 0x1000)\n",
        )
        .unwrap();
        let offs = [0x1000, 0, -0x1000, 0x2000, 0x10, 0, 0x3000, 0];
        for (l, off) in s.lines[1..].iter().zip(offs) {
            assert_eq!(l.addr_refs, [Some(NameRef { name: 0, off }), None], "{}", l.text);
            assert!(l.op.clone().addr_slots()[0].is_some(), "{}", l.text);
        }
    }

    #[test]
    fn name_errors() {
        let m = "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";
        assert_eq!(err("load $a"), "line 1: name '$a' is not bound (no earlier line has '= $a')");
        assert_eq!(
            err(&format!("{m} = $a\nmunmap($b, 1)")),
            "line 2: name '$b' is not bound (no earlier line has '= $b')"
        );
        assert_eq!(err("munmap(0, 1) = $a"), "line 1: '$a': only mmap and mremap results can be named");
        assert_eq!(err(&format!("{m} = $a+1")), "line 1: '$a+1': a new name takes no offset");
        assert_eq!(err(&format!("{m} = $1a")), "line 1: bad name '$1a'");
        assert_eq!(err(&format!("{m} = $")), "line 1: bad name '$'");
        assert_eq!(err(&format!("{m} = $a\nload $a*2")), "line 2: bad name '$a*2'");
        assert_eq!(err(&format!("{m} = $a\nload $a+zz")), "line 2: bad offset 'zz'");
        assert_eq!(
            err(&format!("{m} = $a\nload $a-0x8000000000000000")),
            "line 2: offset too large '0x8000000000000000'"
        );
        // With names, the window must stay below the kernel-chosen area.
        assert_eq!(
            err(&format!("\n{m} = $a\ndump")),
            "line 2: a scenario that names addresses needs a window ending at or below 0x400000000000"
        );
        assert!(parse(format!("{m} = $a\nload $a").as_bytes()).is_ok());
    }

    #[test]
    fn machine_lines_state_the_machine() {
        let s = parse(b"# a machine\n\nmachine ram=256K swap=zram:1M\nmachine\treclaim=clock page-cluster=0\nwindow 0x1000 0x2000\ndump\n")
            .unwrap();
        let got: Vec<_> = s.machine.iter().map(|m| (m.line, m.key.as_str(), m.value.as_str())).collect();
        assert_eq!(
            got,
            [(3, "ram", "256K"), (3, "swap", "zram:1M"), (4, "reclaim", "clock"), (4, "page_cluster", "0")]
        );
        // Not operations: the lines and their numbers are the others'.
        assert_eq!((s.lines.len(), s.nwindow, s.lines[0].line), (1, 1, 6));
        let cfg = crate::RunOptions::default().machine_for(&s.machine).unwrap();
        assert_eq!((cfg.ram, &*cfg.reclaim, cfg.tunables.page_cluster), (256 << 10, "clock", 0));
        assert_eq!(cfg.swap, [SwapSpec::parse("zram:1M").unwrap()]);
        // Applied over the caller's base, later settings winning; the
        // options' settings over both.
        let base = MachineConfig { nr_cpus: 4, reclaim: "fifo".into(), ram: 1 << 20, ..MachineConfig::default() };
        let settings = vec![("swap".to_string(), "zram:2M".to_string()), ("page-cluster".to_string(), "1".to_string())];
        let cfg = crate::RunOptions { machine: base, settings, ..Default::default() }.machine_for(&s.machine).unwrap();
        assert_eq!((cfg.nr_cpus, &*cfg.reclaim, cfg.ram, cfg.tunables.page_cluster), (4, "clock", 256 << 10, 1));
        assert_eq!(cfg.swap, [SwapSpec::parse("zram:2M").unwrap()]);
        assert!(parse(b"dump\n").unwrap().machine.is_empty());
        // A word that starts with `machine` is no machine line.
        assert_eq!(err("machines ram=1M"), "line 1: unknown operation 'machines'");
    }

    #[test]
    fn machine_line_errors() {
        assert_eq!(
            err("dump\nmachine ram=1M"),
            "line 2: machine lines come before the first operation (line 1), after blank lines and comments only"
        );
        assert_eq!(
            err("# c\nfoo(1) = 0\nmachine ram=1M"),
            "line 3: machine lines come before the first operation (line 2), after blank lines and comments only"
        );
        assert_eq!(err("machine"), "line 1: machine: expected KEY=VALUE ...");
        assert_eq!(err("machine ram"), "line 1: machine: bad setting 'ram': expected KEY=VALUE");
        assert!(
            err("machine colour=blue").starts_with("line 1: machine: unknown machine setting 'colour' (known: ram,")
        );
        assert_eq!(
            err("machine ram=12Q"),
            "line 1: machine: bad value '12Q' for ram: unknown size unit 'Q' (use K, M, G, T, P or E)"
        );
        assert_eq!(err("machine swappiness=201"), "line 1: machine: bad value '201' for swappiness: at most 200");
        assert_eq!(
            err("machine swap=file:/tmp/s:1M"),
            "line 1: machine: swap=file:/tmp/s:1M names a host file; a scenario may not (give it with --swap)"
        );
        assert_eq!(err("machine ram=\x1b[1m"), "line 1: machine: bad setting 'ram=\\x1b[1m'");
        let long = format!("machine ram={}", "1".repeat(100));
        assert!(err(&long).starts_with("line 1: machine: bad setting 'ram=111"), "{}", err(&long));
        assert!(err(&long).ends_with("... (104 bytes)'"), "{}", err(&long));
    }

    #[test]
    fn results_and_labels() {
        let s =
            parse(b"munmap(0x1000, 0) = -1 EINVAL (Invalid argument)\ndump  two   words \nbrk(NULL) = ?\n").unwrap();
        assert_eq!(s.lines[0].expect, Expect::Error("EINVAL".into()));
        assert_eq!(s.lines[1].op, Op::Dump { label: "two words".into(), smaps: false });
        let s = parse(b"dump smaps after  fork\ndump smaps\ndump smapsx").unwrap();
        assert_eq!(s.lines[0].op, Op::Dump { label: "after fork".into(), smaps: true });
        assert_eq!(s.lines[1].op, Op::Dump { label: String::new(), smaps: true });
        assert_eq!(s.lines[2].op, Op::Dump { label: "smapsx".into(), smaps: false });
        assert_eq!(s.lines[2].expect, Expect::Any);
    }
}
