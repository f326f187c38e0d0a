//! Recordings (docs/scenario-format.md, "Recordings (v1.3)"): a bundle
//! is one text file, `mmsim-recording 1`, `#` comments, then its three
//! parts: `== root` (a root snapshot), `== trace` (an strace log with the
//! task's page faults as lines of their own) and `== expect` (what the
//! kernel showed of each thread group as it exited).
//!
//! [`parse_bundle`] parses the whole file before anything runs: the root
//! snapshot by `mm-fs-host`'s reader, the trace by
//! [`crate::strace::parse_log_at`], the outcome blocks here; every error
//! names the line of the bundle.  [`check`] compares a replay's outcome
//! with the recorded one.

use crate::scenario::{ParseError, shown};
use crate::strace::{Log, parse_log_at};
use std::fmt::Write as _;

/// The first line of every bundle.
pub const BUNDLE_MAGIC: &str = "mmsim-recording 1";

/// The largest bundle read (1 GiB).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// What the kernel showed of one thread group as it exited (an `exit`,
/// `maps`, `present`, `end` block), or what the replay shows of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The group's pid (its leader's).
    pub pid: u32,
    /// `minflt` of `/proc/PID/stat`: every task of the group, every
    /// program it ran.
    pub minflt: u64,
    /// `majflt`, likewise.
    pub majflt: u64,
    /// `/proc/PID/maps`, line by line (trailing blanks dropped).
    pub maps: Vec<String>,
    /// Present pages (pagemap bit 63): `[start, end)` ranges in address
    /// order.
    pub present: Vec<(u64, u64)>,
    /// The bundle line of its `exit` line (0 for the replay's).
    pub line: usize,
}

/// `rusage PID minflt N majflt N utime US stime US`: `wait4`'s rusage of
/// a process the recorder waited for (children included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rusage {
    pub pid: u32,
    pub minflt: u64,
    pub majflt: u64,
    /// User time, microseconds.
    pub utime: u64,
    /// System time, microseconds.
    pub stime: u64,
}

/// A parsed bundle.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    /// The `#` lines before the first part, without the `#`.
    pub comments: Vec<String>,
    /// The root snapshot's text, from its `mmsim-root-snapshot 1` line.
    pub root: Vec<u8>,
    /// The trace, its lines numbered as the bundle's.
    pub log: Log,
    /// The recorded outcome of each thread group, in the order they ended.
    pub expect: Vec<Outcome>,
    /// The `rusage` lines.
    pub rusage: Vec<Rusage>,
    /// `# before execve: minflt N majflt N ...`: the faults the first
    /// process took before its first traced call (the recorder's child
    /// between `fork` and `execve`), which its exit counts include.
    pub before_exec: (u64, u64),
}

/// Whether `src` is a bundle: its first line is [`BUNDLE_MAGIC`].
pub fn is_bundle(src: &[u8]) -> bool {
    let first = src.split(|&b| b == b'\n').next().unwrap_or(b"");
    first.strip_suffix(b"\r").unwrap_or(first) == BUNDLE_MAGIC.as_bytes()
}

fn perr<T>(line: usize, msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, msg: msg.into() })
}

/// Parses a whole bundle; an error names the bundle's line.
pub fn parse_bundle(src: &[u8]) -> Result<Bundle, ParseError> {
    if src.len() as u64 > MAX_BUNDLE_BYTES {
        return perr(1, format!("a bundle is at most {MAX_BUNDLE_BYTES} bytes"));
    }
    if !is_bundle(src) {
        return perr(1, format!("not a recording (expected '{BUNDLE_MAGIC}')"));
    }
    // The parts: (first line of its text, byte range of its text).
    let mut b = Bundle::default();
    let mut parts: Vec<(&str, usize, usize, usize)> = Vec::new();
    let mut pos = 0;
    let mut n = 0;
    while pos < src.len() {
        let end = src[pos..].iter().position(|&c| c == b'\n').map_or(src.len(), |i| pos + i);
        let line = &src[pos..end];
        n += 1;
        let next = (end + 1).min(src.len());
        if n > 1 {
            let name = match line {
                b"== root" => Some("root"),
                b"== trace" => Some("trace"),
                b"== expect" => Some("expect"),
                _ if line.starts_with(b"== ") => {
                    return perr(n, format!("unknown part '{}' (== root, == trace, == expect)", shown(line)));
                }
                _ => None,
            };
            match name {
                Some(name) => {
                    let want = ["root", "trace", "expect"][parts.len().min(2)];
                    if parts.len() >= 3 || name != want {
                        return perr(n, format!("part '== {name}' out of order (expected '== {want}')"));
                    }
                    if let Some(last) = parts.last_mut() {
                        last.3 = pos;
                    }
                    parts.push((name, n, next, src.len()));
                }
                None if parts.is_empty() => {
                    if line.contains(&0) {
                        return perr(n, "NUL byte");
                    }
                    match line.strip_prefix(b"#") {
                        Some(c) => {
                            let c = String::from_utf8_lossy(c).trim().to_string();
                            if let Some(rest) = c.strip_prefix("before execve:") {
                                let f: Vec<&str> = rest.split_ascii_whitespace().take(4).collect();
                                let v = fields(n, "# before execve:", &f, &["minflt", "majflt"])?;
                                b.before_exec = (v[0], v[1]);
                            }
                            b.comments.push(c);
                        }
                        None if line.iter().all(u8::is_ascii_whitespace) => {}
                        None => return perr(n, "expected a '#' comment or '== root' before the parts"),
                    }
                }
                None => {}
            }
        }
        pos = next;
    }
    let missing = ["root", "trace", "expect"].get(parts.len()).copied();
    if let Some(m) = missing {
        return perr(n.max(1), format!("the bundle has no '== {m}' part"));
    }
    let (_, root_at, rs, re) = parts[0];
    b.root = src[rs..re].to_vec();
    mm_fs_host::snapshot::Snapshot::parse(&b.root).map_err(|e| snapshot_error(&e, root_at))?;
    let (_, trace_at, ts, te) = parts[1];
    b.log = parse_log_at(&src[ts..te], trace_at)?;
    let (_, expect_at, es, ee) = parts[2];
    parse_expect(&src[es..ee], expect_at, &mut b)?;
    Ok(b)
}

/// The snapshot reader's error as an error at the bundle's line (the
/// snapshot's line 1 is the line after `== root`).
fn snapshot_error(e: &mm_fs_host::SnapshotParseError, before: usize) -> ParseError {
    ParseError { line: before + e.line, msg: format!("root snapshot: {}", e.msg) }
}

/// `KEY N` pairs after the pid of a `kind` line: `minflt 85 majflt 0
/// ...`, in that order.
fn fields(line: usize, kind: &str, f: &[&str], keys: &[&str]) -> Result<Vec<u64>, ParseError> {
    if f.len() != keys.len() * 2 {
        let want: Vec<String> = keys.iter().map(|k| format!("{k} N")).collect();
        let pid = if kind.starts_with('#') { "" } else { " PID" };
        return perr(line, format!("expected '{kind}{pid} {}'", want.join(" ")));
    }
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            if f[2 * i] != *k {
                return perr(line, format!("expected '{k}', got '{}'", f[2 * i]));
            }
            f[2 * i + 1].parse::<u64>().or_else(|_| perr(line, format!("bad number '{}' for {k}", f[2 * i + 1])))
        })
        .collect()
}

fn parse_pid(line: usize, s: Option<&&str>) -> Result<u32, ParseError> {
    match s.and_then(|p| p.parse::<u32>().ok()) {
        Some(p) if p > 0 && p <= crate::strace::PID_MAX_LIMIT => Ok(p),
        _ => perr(line, format!("bad pid '{}'", s.copied().unwrap_or(""))),
    }
}

/// A present range `START-END`, hex without `0x`.
fn parse_range(line: usize, s: &str) -> Result<(u64, u64), ParseError> {
    let bad = || perr(line, format!("bad range '{s}' (expected START-END in hex, page-aligned)"));
    let Some((a, e)) = s.split_once('-') else { return bad() };
    let hex = |t: &str| (!t.is_empty() && t.len() <= 16).then(|| u64::from_str_radix(t, 16).ok()).flatten();
    match (hex(a), hex(e)) {
        (Some(a), Some(e)) if a < e && a % mm_core::PAGE_SIZE == 0 && e % mm_core::PAGE_SIZE == 0 => Ok((a, e)),
        _ => bad(),
    }
}

/// The `== expect` part: `exit`/`maps`/`present`/`end` blocks, then
/// `rusage` lines.
fn parse_expect(text: &[u8], before: usize, b: &mut Bundle) -> Result<(), ParseError> {
    #[derive(PartialEq)]
    enum In {
        Between,
        Exit,
        Maps,
        Present,
    }
    let mut state = In::Between;
    let mut cur = Outcome::default();
    let mut last = before;
    for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
        let n = before + 1 + i;
        let Ok(line) = std::str::from_utf8(raw) else { return perr(n, "not UTF-8 text") };
        let line = line.trim_end();
        if line.is_empty() || (state != In::Maps && line.starts_with('#')) {
            continue;
        }
        last = n;
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let same_pid = |cur: &Outcome| -> Result<(), ParseError> {
            let p = parse_pid(n, f.get(1))?;
            if f.len() != 2 || p != cur.pid {
                return perr(n, format!("expected '{} {}'", f[0], cur.pid));
            }
            Ok(())
        };
        match state {
            In::Between => match f[0] {
                "exit" => {
                    if !b.rusage.is_empty() {
                        return perr(n, "'exit' blocks come before the 'rusage' lines");
                    }
                    let pid = parse_pid(n, f.get(1))?;
                    let v = fields(n, "exit", &f[2..], &["minflt", "majflt"])?;
                    if b.expect.iter().any(|o| o.pid == pid) {
                        return perr(n, format!("pid {pid} has two 'exit' blocks"));
                    }
                    cur = Outcome { pid, minflt: v[0], majflt: v[1], line: n, ..Outcome::default() };
                    state = In::Exit;
                }
                "rusage" => {
                    let pid = parse_pid(n, f.get(1))?;
                    let v = fields(n, "rusage", &f[2..], &["minflt", "majflt", "utime", "stime"])?;
                    b.rusage.push(Rusage { pid, minflt: v[0], majflt: v[1], utime: v[2], stime: v[3] });
                }
                _ => return perr(n, format!("expected an 'exit' or 'rusage' line, got '{}'", shown(raw))),
            },
            In::Exit => {
                if f[0] != "maps" {
                    return perr(n, format!("expected 'maps {}'", cur.pid));
                }
                same_pid(&cur)?;
                state = In::Maps;
            }
            In::Maps => {
                if f[0] == "present" && f.len() == 2 {
                    same_pid(&cur)?;
                    state = In::Present;
                } else if maps_line_ok(line) {
                    cur.maps.push(line.to_string());
                } else {
                    return perr(n, format!("bad maps line '{}'", shown(raw)));
                }
            }
            In::Present => {
                if f[0] == "end" {
                    same_pid(&cur)?;
                    b.expect.push(std::mem::take(&mut cur));
                    state = In::Between;
                } else {
                    if f.len() != 1 {
                        return perr(n, format!("bad range '{}' (expected START-END in hex)", shown(raw)));
                    }
                    let r = parse_range(n, f[0])?;
                    if cur.present.last().is_some_and(|&(_, e)| e > r.0) {
                        return perr(n, "present ranges overlap or are not in address order");
                    }
                    cur.present.push(r);
                }
            }
        }
    }
    if state != In::Between {
        return perr(last, format!("the block of pid {} has no 'end'", cur.pid));
    }
    Ok(())
}

/// A `/proc/PID/maps` line: `START-END PERMS OFFSET MAJ:MIN INODE [PATH]`.
fn maps_line_ok(line: &str) -> bool {
    let f: Vec<&str> = line.splitn(6, ' ').filter(|s| !s.is_empty()).collect();
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit());
    f.len() >= 5
        && f[0].split_once('-').is_some_and(|(a, b)| hex(a) && hex(b))
        && f[1].len() == 4
        && hex(f[2])
        && f[3].split_once(':').is_some_and(|(a, b)| hex(a) && hex(b))
        && f[4].bytes().all(|c| c.is_ascii_digit())
}

/// The block of one thread group, as `== expect` has it.
pub fn format_outcome(out: &mut String, o: &Outcome) {
    let _ = writeln!(out, "exit {} minflt {} majflt {}", o.pid, o.minflt, o.majflt);
    let _ = writeln!(out, "maps {}", o.pid);
    for m in &o.maps {
        let _ = writeln!(out, "{m}");
    }
    let _ = writeln!(out, "present {}", o.pid);
    for (s, e) in &o.present {
        let _ = writeln!(out, "{s:08x}-{e:08x}");
    }
    let _ = writeln!(out, "end {}", o.pid);
}

/// Recorded faults of one process that did not fault in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unfaulted {
    pub count: u64,
    /// The bundle line and address of the first.
    pub first_line: usize,
    pub first_addr: u64,
}

/// The ranges in `a` that are not in `b` (both sorted, disjoint).
fn minus(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(s, e) in a {
        let mut s = s;
        while j < b.len() && b[j].1 <= s {
            j += 1;
        }
        let mut k = j;
        while s < e {
            match b.get(k) {
                Some(&(bs, be)) if bs < e => {
                    if bs > s {
                        out.push((s, bs));
                    }
                    s = s.max(be);
                    k += 1;
                }
                _ => {
                    out.push((s, e));
                    break;
                }
            }
        }
    }
    out
}

/// `--check`: the differences between the replay's outcome `model` and
/// the recorded one, as `# check: ...` lines, and the recorded faults
/// that did not fault in the model (`unfaulted`, by group pid); then the
/// `check: ...` summary line.  Returns the text and the number of
/// differences.
pub fn check(model: &[Outcome], recorded: &[Outcome], unfaulted: &[(u32, Unfaulted)]) -> (String, usize) {
    let mut out = String::new();
    let mut diffs = 0;
    let mut note = |out: &mut String, pid: u32, what: String| {
        diffs += 1;
        let _ = writeln!(out, "# check: pid {pid}: {what}");
    };
    let mut pids: Vec<u32> = recorded.iter().map(|o| o.pid).collect();
    pids.extend(model.iter().map(|o| o.pid).filter(|p| !recorded.iter().any(|r| r.pid == *p)));
    for &pid in &pids {
        let (m, r) = (model.iter().find(|o| o.pid == pid), recorded.iter().find(|o| o.pid == pid));
        match (m, r) {
            (Some(m), Some(r)) => {
                if m.minflt != r.minflt {
                    note(&mut out, pid, format!("minflt {}, recorded {}", m.minflt, r.minflt));
                }
                if m.majflt != r.majflt {
                    note(&mut out, pid, format!("majflt {}, recorded {}", m.majflt, r.majflt));
                }
                for i in 0..m.maps.len().max(r.maps.len()) {
                    let (a, b) = (m.maps.get(i).map(|s| s.trim_end()), r.maps.get(i).map(|s| s.trim_end()));
                    if a != b {
                        let q = |s: Option<&str>| s.map_or("none".to_string(), |s| format!("`{s}`"));
                        note(&mut out, pid, format!("maps line {}: {}, recorded {}", i + 1, q(a), q(b)));
                    }
                }
                for (s, e) in minus(&m.present, &r.present) {
                    note(&mut out, pid, format!("present {s:08x}-{e:08x} in the model only"));
                }
                for (s, e) in minus(&r.present, &m.present) {
                    note(&mut out, pid, format!("present {s:08x}-{e:08x} in the recording only"));
                }
            }
            (None, Some(_)) => note(&mut out, pid, "recorded, but it did not end in the model".to_string()),
            (Some(_), None) => note(&mut out, pid, "ended in the model, not recorded".to_string()),
            (None, None) => {}
        }
        if let Some((_, u)) = unfaulted.iter().find(|(p, _)| *p == pid) {
            note(
                &mut out,
                pid,
                format!(
                    "{} recorded faults did not fault in the model (first: line {}, {:#x})",
                    u.count, u.first_line, u.first_addr
                ),
            );
        }
    }
    for (pid, u) in unfaulted.iter().filter(|(p, _)| !pids.contains(p)) {
        note(
            &mut out,
            *pid,
            format!(
                "{} recorded faults did not fault in the model (first: line {}, {:#x})",
                u.count, u.first_line, u.first_addr
            ),
        );
    }
    let n = pids.len();
    if diffs == 0 {
        let _ = writeln!(out, "check: {n} processes identical");
    } else {
        let _ = writeln!(out, "check: {n} processes, {diffs} differences");
    }
    (out, diffs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_minus_ranges() {
        let a = [(0x1000, 0x5000), (0x8000, 0x9000)];
        let b = [(0x2000, 0x3000), (0x4000, 0x6000)];
        assert_eq!(minus(&a, &b), vec![(0x1000, 0x2000), (0x3000, 0x4000), (0x8000, 0x9000)]);
        assert_eq!(minus(&b, &a), vec![(0x5000, 0x6000)]);
        assert_eq!(minus(&a, &a), vec![]);
        assert_eq!(minus(&a, &[]), a.to_vec());
    }
}
