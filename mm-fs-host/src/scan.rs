//! The paths an strace log uses (a simple scan, for `mmsim snapshot`):
//! the quoted path of the calls that name a file (`openat`, `open`,
//! `execve`, the `stat` family, `access`, `readlink` ...) and every
//! `N</path>` / `AT_FDCWD</path>` annotation of `strace -y`.  A relative
//! path is taken from the directory its call's descriptor annotation
//! names (`AT_FDCWD</cwd>`, `3</dir>`), or from the last `AT_FDCWD</...>`
//! seen; one with neither is left out.

/// A path the log uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedPath {
    /// Absolute, as the log gives it (not resolved).
    pub path: Vec<u8>,
    /// Named by `execve`/`execveat`: the snapshot keeps the bytes an exec
    /// reads.
    pub exec: bool,
}

/// Calls whose first quoted argument names a file, and whether it is
/// taken relative to the descriptor in the first argument (`*at`).
const PATH_CALLS: &[(&str, bool)] = &[
    ("open", false),
    ("creat", false),
    ("openat", true),
    ("openat2", true),
    ("execve", false),
    ("execveat", true),
    ("stat", false),
    ("lstat", false),
    ("stat64", false),
    ("lstat64", false),
    ("newfstatat", true),
    ("fstatat64", true),
    ("statx", true),
    ("access", false),
    ("faccessat", true),
    ("faccessat2", true),
    ("readlink", false),
    ("readlinkat", true),
    ("statfs", false),
    ("chdir", false),
    ("truncate", false),
    ("uselib", false),
];

/// The longest line looked at; longer ones are cut there.
const MAX_LINE: usize = 1 << 20;

/// Every path `log` uses, in the order first seen, each once (an `execve`
/// anywhere makes it `exec`).
pub fn scan_strace_paths(log: &[u8]) -> Vec<ScannedPath> {
    let mut out: Vec<ScannedPath> = Vec::new();
    let mut cwd: Option<Vec<u8>> = None;
    let add = |out: &mut Vec<ScannedPath>, path: Vec<u8>, exec: bool| {
        if path.first() != Some(&b'/') || path.len() >= mm_core::fs::namei::PATH_MAX {
            return;
        }
        match out.iter_mut().find(|p| p.path == path) {
            Some(p) => p.exec |= exec,
            None => out.push(ScannedPath { path, exec }),
        }
    };
    for line in log.split(|&b| b == b'\n') {
        let line = &line[..line.len().min(MAX_LINE)];
        let annotations = annotations(line);
        for (fd_is_cwd, p) in &annotations {
            if *fd_is_cwd {
                cwd = Some(p.clone());
            }
            add(&mut out, p.clone(), false);
        }
        let Some((name, args)) = call(line) else { continue };
        let Some(&(_, at)) = PATH_CALLS.iter().find(|(n, _)| *n == name) else { continue };
        let Some(path) = first_string(args) else { continue };
        let exec = name == "execve" || name == "execveat";
        if path.first() == Some(&b'/') {
            add(&mut out, path, exec);
            continue;
        }
        // Relative: from the call's descriptor, or the working directory.
        let base = if at { first_annotation(args).or_else(|| cwd.clone()) } else { cwd.clone() };
        if let Some(mut b) = base {
            if !b.ends_with(b"/") {
                b.push(b'/');
            }
            b.extend_from_slice(&path);
            add(&mut out, b, exec);
        }
    }
    out
}

/// The call's name and what follows its `(`: after an optional
/// `[pid N] ` or `N ` prefix and timestamps, the first identifier
/// directly followed by `(`.
fn call(line: &[u8]) -> Option<(&str, &[u8])> {
    let open = line.iter().position(|&b| b == b'(')?;
    let head = &line[..open];
    let start = head.iter().rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_')).map_or(0, |i| i + 1);
    let name = std::str::from_utf8(&head[start..]).ok()?;
    if name.is_empty() {
        return None;
    }
    Some((name, &line[open + 1..]))
}

/// The first quoted string of `args`, decoded; `None` if strace cut it
/// (`"..."...`) or it does not end.
fn first_string(args: &[u8]) -> Option<Vec<u8>> {
    let q = args.iter().position(|&b| b == b'"')?;
    // Only if no `)` (the end of the arguments) comes before it.
    if args[..q].contains(&b')') {
        return None;
    }
    let (s, rest) = decode_c_string(&args[q + 1..])?;
    if rest.starts_with(b"...") {
        return None;
    }
    Some(s)
}

/// The path in the first `<...>` annotation of `args` before its first
/// quoted string.
fn first_annotation(args: &[u8]) -> Option<Vec<u8>> {
    let q = args.iter().position(|&b| b == b'"').unwrap_or(args.len());
    annotations(&args[..q]).into_iter().next().map(|(_, p)| p)
}

/// Every `N</path>` and `AT_FDCWD</path>` annotation of `line`, with
/// whether it was the working directory's.
fn annotations(line: &[u8]) -> Vec<(bool, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = line[i..].windows(2).position(|w| w == b"</") {
        let at = i + off;
        i = at + 1;
        let before = &line[..at];
        let is_cwd = before.ends_with(b"AT_FDCWD");
        if !is_cwd && !before.last().is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let body = &line[at + 1..];
        let Some(end) = annotation_end(body) else { continue };
        let raw = &body[..end];
        let Some(p) = unescape(raw) else { continue };
        // `/path (deleted)` names no file there now.
        if p.ends_with(b" (deleted)") {
            continue;
        }
        out.push((is_cwd, p));
        i = at + 1 + end;
    }
    out
}

/// Where an annotation's `>` is (strace escapes a `>` in a path).
fn annotation_end(body: &[u8]) -> Option<usize> {
    let mut k = 0;
    while k < body.len() {
        match body[k] {
            b'\\' => k += 2,
            b'>' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

/// Undoes strace's escapes of an annotation.
fn unescape(raw: &[u8]) -> Option<Vec<u8>> {
    let mut with_quote = raw.to_vec();
    with_quote.push(b'"');
    decode_c_string(&with_quote).map(|(s, _)| s)
}

/// Decodes a C string body up to its closing `"`: the bytes and what
/// follows the quote.
fn decode_c_string(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < s.len() {
        match s[k] {
            b'"' => return Some((out, &s[k + 1..])),
            b'\\' => {
                let c = *s.get(k + 1)?;
                k += 2;
                match c {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'v' => out.push(0x0b),
                    b'f' => out.push(0x0c),
                    b'x' => {
                        let hex = s.get(k..k + 2)?;
                        out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                        k += 2;
                    }
                    b'0'..=b'7' => {
                        let mut v = u32::from(c - b'0');
                        let mut n = 1;
                        while n < 3 && s.get(k).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                            v = v * 8 + u32::from(s[k] - b'0');
                            k += 1;
                            n += 1;
                        }
                        out.push(u8::try_from(v).ok()?);
                    }
                    c => out.push(c),
                }
            }
            b => {
                out.push(b);
                k += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(log: &str) -> Vec<(String, bool)> {
        scan_strace_paths(log.as_bytes())
            .into_iter()
            .map(|p| (String::from_utf8(p.path).expect("utf-8"), p.exec))
            .collect()
    }

    #[test]
    fn finds_paths_of_calls_and_annotations() {
        let log = r#"1234  execve("/usr/bin/ls", ["ls", "-la"], 0x7ffe /* 20 vars */) = 0
1234  openat(AT_FDCWD</tmp/w>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
1234  openat(AT_FDCWD</tmp/w>, "rel\x2dfile", O_RDONLY) = -1 ENOENT (No such file or directory)
1234  newfstatat(3</usr/lib>, "libc.so.6", {st_mode=S_IFREG|0755, ...}, 0) = 0
1234  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0) = 0x7ffff7dd1000
1234  openat(AT_FDCWD</tmp/w>, "/very/long"..., O_RDONLY) = 3
1234  execve("sub/script.sh", ["x"], 0x1 /* 0 vars */) = 0
"#;
        let p = paths(log);
        assert_eq!(
            p,
            vec![
                ("/usr/bin/ls".into(), true),
                ("/tmp/w".into(), false),
                ("/etc/ld.so.cache".into(), false),
                ("/tmp/w/rel-file".into(), false),
                ("/usr/lib".into(), false),
                ("/usr/lib/libc.so.6".into(), false),
                ("/usr/lib/x86_64-linux-gnu/libc.so.6".into(), false),
                ("/tmp/w/sub/script.sh".into(), true),
            ]
        );
    }

    #[test]
    fn odd_lines_give_nothing_and_never_panic() {
        for l in ["", "(", "\"", "openat(\"\\", "openat(AT_FDCWD</x\\", "3</", "x(\"\\x4\")", "a(\"\\777\")"] {
            let _ = scan_strace_paths(l.as_bytes());
        }
        assert!(paths("close(3</dev/pts/0>) = 0\nclose(4<socket:[123]>) = 0").len() == 1);
    }
}
