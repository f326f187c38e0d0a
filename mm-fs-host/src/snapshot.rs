//! Root snapshots: a small text file describing the files a log uses, so
//! that the log replays anywhere as it did on the host it ran on.
//!
//! ```text
//! mmsim-root-snapshot 1
//! fs fe:00 ext4                         the type of the filesystem on a device
//! d /usr 755 fe:00 131073 4096          a directory: permissions, device, inode, size
//! l /lib 777 fe:00 14 usr/lib           a symbolic link and its target
//! f /usr/bin/cat 755 fe:00 247030 39440 a regular file and its size
//! = 0 7f454c4602010100...               bytes of the file above at an offset
//! c /dev/zero 666 00:05 4 1:5           a character device and its rdev
//! b PATH PERM DEV INO RDEV              a block device
//! p PATH PERM DEV INO                   a FIFO
//! s PATH PERM DEV INO                   a socket
//! - /etc/ld.so.preload                  a path that did not exist
//! ```
//!
//! A recording's snapshot also says what was in the page cache when it
//! started (see "Recordings (v1.3)" in docs/scenario-format.md):
//!
//! ```text
//! fs fe:00 ext4 ra=2048                 the device's readahead window, in pages
//! pagecache                             files start with the cached pages given
//! c 0 4 0                               after an 'f' line: 4 folios of 2^0 pages from page 0
//! c 4 1 0 readahead                     a folio that carries PG_readahead
//! ```
//!
//! Paths are absolute and canonical (no `.`, `..` or empty component);
//! bytes outside `!`..`~`, and `\`, are written `\xNN`.  Devices are
//! `major:minor` in hex, as `/proc/PID/maps` prints them; inodes, sizes
//! and offsets are decimal, permissions octal.  A file's bytes are
//! recorded only where an `execve` reads them (the first 256 bytes, the
//! ELF program headers, `PT_INTERP` and `PT_GNU_PROPERTY`); every other
//! byte reads as zero.  A path that is not in the snapshot does not
//! exist.  Lines starting with `#` and empty lines are comments.
//!
//! The reader takes hostile input: every field is checked, an error names
//! the line, memory stays proportional to the text, and a size is just a
//! number (up to 2^63), since the contents are not stored.

use crate::host::{HostDir, HostRootError, read_full_at};
use crate::scan::scan_strace_paths;
use crate::{FsKind, Stat};
use ahash::AHashMap;
use mm_core::errno::{Errno, SysResult};
use mm_core::fs::namei::{self, NAME_MAX, NameiOps, PATH_MAX};
use mm_core::fs::{FileType, LookupFlags};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// The first line of every snapshot.
pub const SNAPSHOT_MAGIC: &str = "mmsim-root-snapshot 1";

/// The largest snapshot file read.
const MAX_SNAPSHOT_BYTES: u64 = 256 << 20;
/// The largest size or offset a snapshot may give (`MAX_LFS_FILESIZE`).
const MAX_SIZE: u64 = 1 << 63;
/// `BINPRM_BUF_SIZE`: what `execve` reads first.
const BINPRM_BUF_SIZE: u64 = 256;
/// The most bytes one recorded segment (`PT_INTERP`, properties, program
/// headers) may have.
const MAX_RANGE: u64 = 64 << 10;
/// The largest `ra=` accepted: 1 GiB of pages.
const MAX_RA_PAGES: u64 = 1 << 18;
/// Bytes in a page.
const PAGE_BYTES: u64 = 4096;
/// `#!` interpreters (and ELF interpreters) followed per `execve`, as
/// Linux's five rounds of `search_binary_handler`.
const MAX_EXEC_DEPTH: u32 = 5;

/// What the snapshot says of one path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Absent,
    Present {
        stat: Stat,
        /// A symbolic link's target.
        link: Vec<u8>,
        /// Recorded bytes by offset.
        data: BTreeMap<u64, Vec<u8>>,
        /// Cached at the start: runs of (first page, folios, order), in
        /// page order.
        cached: Vec<CacheRun>,
    },
}

/// `c FIRST COUNT ORDER`: `count` folios of `2^order` pages were cached
/// from page `first` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheRun {
    pub first: u64,
    pub count: u64,
    pub order: u32,
    /// `c FIRST COUNT ORDER readahead`: each folio carried `PG_readahead`
    /// (a readahead window's marker, not yet reached).
    pub readahead: bool,
}

/// The largest folio order a `c` line may give (`MAX_PAGECACHE_ORDER`).
const MAX_CACHE_ORDER: u32 = 9;

/// A parsed root snapshot.
#[derive(Debug, Default)]
pub struct Snapshot {
    entries: AHashMap<Vec<u8>, Entry>,
    kinds: AHashMap<(u32, u32), FsKind>,
    /// `ra=` of the `fs` lines: readahead windows in pages, by device.
    ra_pages: AHashMap<(u32, u32), u64>,
    /// A `pagecache` line: files start with the pages their `c` lines
    /// give cached, and nothing else.
    pagecache: bool,
}

/// Whether the file at `path` starts with [`SNAPSHOT_MAGIC`] (a regular
/// file only is opened).
pub fn is_snapshot(path: &str) -> bool {
    use std::io::Read;
    let Ok(m) = std::fs::metadata(path) else { return false };
    if !m.is_file() {
        return false;
    }
    let mut head = [0u8; SNAPSHOT_MAGIC.len()];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == SNAPSHOT_MAGIC.as_bytes()
}

/// A snapshot's syntax error: the 1-based line and the problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {msg}")]
pub struct SnapshotParseError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub msg: String,
}

/// Why a snapshot file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be opened.
    #[error("cannot open snapshot {path}: {source}")]
    Open { path: String, source: std::io::Error },
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// The file is larger than a snapshot may be.
    #[error("{path}: a snapshot is at most {MAX_SNAPSHOT_BYTES} bytes")]
    TooLarge { path: String },
    /// The text is not a valid snapshot.
    #[error("{path}: {source}")]
    Parse { path: String, source: SnapshotParseError },
}

impl Snapshot {
    /// Reads and parses the snapshot file at `path`.
    pub fn read_file(path: &str) -> Result<Snapshot, SnapshotError> {
        use std::io::Read;
        let f = std::fs::File::open(path).map_err(|source| SnapshotError::Open { path: path.to_string(), source })?;
        let mut text = Vec::new();
        f.take(MAX_SNAPSHOT_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|source| SnapshotError::Read { path: path.to_string(), source })?;
        if text.len() as u64 > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge { path: path.to_string() });
        }
        Snapshot::parse(&text).map_err(|source| SnapshotError::Parse { path: path.to_string(), source })
    }

    /// Parses a snapshot; an error names the line.
    pub fn parse(text: &[u8]) -> Result<Snapshot, SnapshotParseError> {
        let mut s = Snapshot::default();
        let mut lines = text.split(|&b| b == b'\n').enumerate();
        match lines.next() {
            Some((_, l)) if l == SNAPSHOT_MAGIC.as_bytes() => {}
            _ => {
                let msg = format!("not a root snapshot (expected '{SNAPSHOT_MAGIC}')");
                return Err(SnapshotParseError { line: 1, msg });
            }
        }
        // The regular file `=` lines add to.
        let mut last_file: Option<Vec<u8>> = None;
        for (i, line) in lines {
            let n = i + 1;
            let err = |what: &str| SnapshotParseError { line: n, msg: what.to_string() };
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let line = std::str::from_utf8(line).map_err(|_| err("not ASCII text"))?;
            let f: Vec<&str> = line.split(' ').collect();
            let want = |k: usize| if f.len() == k { Ok(()) } else { Err(err(&format!("expected {k} fields"))) };
            match f[0] {
                "fs" => {
                    if f.len() != 3 && f.len() != 4 {
                        return Err(err("expected 3 fields, or 4 with ra=PAGES"));
                    }
                    let dev = parse_dev(f[1]).ok_or_else(|| err("bad device (expected MAJOR:MINOR in hex)"))?;
                    if s.kinds.insert(dev, FsKind::from_name(f[2])).is_some() {
                        return Err(err("this device's type is given twice"));
                    }
                    if let Some(ra) = f.get(3) {
                        let pages = ra
                            .strip_prefix("ra=")
                            .and_then(|v| v.parse::<u64>().ok())
                            .filter(|&v| v <= MAX_RA_PAGES)
                            .ok_or_else(|| err(&format!("bad readahead window (ra=PAGES, at most {MAX_RA_PAGES})")))?;
                        s.ra_pages.insert(dev, pages);
                    }
                }
                "pagecache" => {
                    want(1)?;
                    if s.pagecache {
                        return Err(err("'pagecache' is given twice"));
                    }
                    if s.entries.values().any(|e| matches!(e, Entry::Present { cached, .. } if !cached.is_empty())) {
                        return Err(err("'pagecache' must come before every 'c' line"));
                    }
                    s.pagecache = true;
                }
                "c" if (f.len() == 4 || f.len() == 5) && !f[1].starts_with('/') => {
                    let path =
                        last_file.as_ref().ok_or_else(|| err("'c FIRST COUNT ORDER' must follow an 'f' line"))?;
                    if !s.pagecache {
                        return Err(err("'c FIRST COUNT ORDER' needs a 'pagecache' line before it"));
                    }
                    let first: u64 = f[1].parse().map_err(|_| err("bad first page"))?;
                    let count: u64 = f[2].parse().ok().filter(|&c| c > 0).ok_or_else(|| err("bad folio count"))?;
                    let order: u32 = f[3]
                        .parse()
                        .ok()
                        .filter(|&o| o <= MAX_CACHE_ORDER)
                        .ok_or_else(|| err(&format!("bad folio order (0 to {MAX_CACHE_ORDER})")))?;
                    if !first.is_multiple_of(1 << order) {
                        return Err(err("the first page is not a multiple of the folio's pages"));
                    }
                    let Some(Entry::Present { stat, cached, .. }) = s.entries.get_mut(path) else {
                        return Err(err("'c FIRST COUNT ORDER' must follow an 'f' line"));
                    };
                    let end = count.checked_mul(1 << order).and_then(|n| first.checked_add(n));
                    let pages = stat.size.div_ceil(PAGE_BYTES).next_multiple_of(1 << order);
                    if end.is_none_or(|e| e > pages) {
                        return Err(err("cached pages past the end of the file"));
                    }
                    if cached.last().is_some_and(|r| r.first + (r.count << r.order) > first) {
                        return Err(err("cached runs overlap or are not in page order"));
                    }
                    let readahead = match f.get(4) {
                        None => false,
                        Some(&"readahead") => true,
                        Some(_) => return Err(err("expected 'readahead' or nothing after the folio order")),
                    };
                    cached.push(CacheRun { first, count, order, readahead });
                }
                "=" => {
                    want(3)?;
                    let path = last_file.as_ref().ok_or_else(|| err("'=' must follow an 'f' line"))?;
                    let off: u64 = f[1].parse().map_err(|_| err("bad offset"))?;
                    let bytes = parse_hex(f[2]).ok_or_else(|| err("bad bytes (expected pairs of hex digits)"))?;
                    let Some(Entry::Present { stat, data, .. }) = s.entries.get_mut(path) else {
                        return Err(err("'=' must follow an 'f' line"));
                    };
                    let end = off.checked_add(bytes.len() as u64).filter(|&e| e <= stat.size);
                    if end.is_none() {
                        return Err(err("bytes past the end of the file"));
                    }
                    if data.range(..end.unwrap_or(0)).next_back().is_some_and(|(o, b)| o + b.len() as u64 > off) {
                        return Err(err("bytes overlap earlier bytes of the file"));
                    }
                    if data.range(off..).next().is_some_and(|(&o, _)| o < off + bytes.len() as u64) {
                        return Err(err("bytes overlap later bytes of the file"));
                    }
                    data.insert(off, bytes);
                }
                kind => {
                    last_file = None;
                    let path = f.get(1).and_then(|p| parse_path(p)).ok_or_else(|| {
                        err("bad path (absolute, canonical, bytes outside '!'..'~' and '\\' as \\xNN)")
                    })?;
                    let entry = match kind {
                        "-" => {
                            want(2)?;
                            Entry::Absent
                        }
                        "d" | "l" | "f" | "c" | "b" | "p" | "s" => {
                            let ty = match kind {
                                "d" => FileType::Directory,
                                "l" => FileType::Symlink,
                                "f" => FileType::Regular,
                                "c" => FileType::CharDevice,
                                "b" => FileType::BlockDevice,
                                "p" => FileType::Fifo,
                                _ => FileType::Socket,
                            };
                            let extra = match ty {
                                FileType::Directory
                                | FileType::Symlink
                                | FileType::Regular
                                | FileType::CharDevice
                                | FileType::BlockDevice => 1,
                                _ => 0,
                            };
                            want(5 + extra)?;
                            let perm = u32::from_str_radix(f[2], 8)
                                .ok()
                                .filter(|&p| p <= 0o7777)
                                .ok_or_else(|| err("bad permissions (octal, at most 7777)"))?;
                            let dev = parse_dev(f[3]).ok_or_else(|| err("bad device (expected MAJOR:MINOR in hex)"))?;
                            let ino: u64 = f[4].parse().map_err(|_| err("bad inode number"))?;
                            let mut stat = Stat { ty, perm, dev, ino, size: 0, rdev: (0, 0) };
                            let mut link = Vec::new();
                            match ty {
                                FileType::Regular | FileType::Directory => {
                                    stat.size = f[5]
                                        .parse()
                                        .ok()
                                        .filter(|&v| v <= MAX_SIZE)
                                        .ok_or_else(|| err("bad size (a number up to 2^63)"))?;
                                    if ty == FileType::Regular {
                                        last_file = Some(path.clone());
                                    }
                                }
                                FileType::Symlink => {
                                    link = parse_bytes(f[5])
                                        .filter(|t| !t.is_empty() && t.len() < PATH_MAX)
                                        .ok_or_else(|| err("bad link target"))?;
                                    stat.size = link.len() as u64;
                                }
                                FileType::CharDevice | FileType::BlockDevice => {
                                    stat.rdev =
                                        parse_rdev(f[5]).ok_or_else(|| err("bad device number (MAJOR:MINOR)"))?;
                                }
                                _ => {}
                            }
                            Entry::Present { stat, link, data: BTreeMap::new(), cached: Vec::new() }
                        }
                        _ => return Err(err(&format!("unknown line kind '{kind}'"))),
                    };
                    if path == b"/" && !matches!(&entry, Entry::Present { stat, .. } if stat.ty == FileType::Directory)
                    {
                        return Err(err("the root must be a directory"));
                    }
                    if s.entries.insert(path, entry).is_some() {
                        return Err(err("this path is given twice"));
                    }
                }
            }
        }
        Ok(s)
    }

    /// `lstat` of `path`: what the snapshot says, `ENOENT` for what it
    /// does not have (the root is a directory even if not given).
    pub(crate) fn lstat(&self, path: &[u8]) -> SysResult<Stat> {
        match self.entries.get(path) {
            Some(Entry::Present { stat, .. }) => Ok(stat.clone()),
            Some(Entry::Absent) => Err(Errno::ENOENT),
            None if path == b"/" => {
                Ok(Stat { ty: FileType::Directory, perm: 0o755, dev: (0, 0), ino: 2, size: 4096, rdev: (0, 0) })
            }
            None => Err(Errno::ENOENT),
        }
    }

    pub(crate) fn readlink(&self, path: &[u8]) -> SysResult<Vec<u8>> {
        match self.entries.get(path) {
            Some(Entry::Present { stat, link, .. }) if stat.ty == FileType::Symlink => Ok(link.clone()),
            Some(Entry::Present { .. }) => Err(Errno::EINVAL),
            _ => Err(Errno::ENOENT),
        }
    }

    pub(crate) fn fs_kind(&self, dev: (u32, u32)) -> Option<FsKind> {
        self.kinds.get(&dev).cloned()
    }

    /// The readahead window of device `dev`, if its `fs` line gave one.
    pub fn ra_pages(&self, dev: (u32, u32)) -> Option<u64> {
        self.ra_pages.get(&dev).copied()
    }

    /// Whether the snapshot gives the start page cache (`pagecache`).
    pub fn has_pagecache(&self) -> bool {
        self.pagecache
    }

    /// The regular files with pages cached at the start, with their runs.
    pub fn cached_files(&self) -> Vec<(&[u8], &Stat, &[CacheRun])> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .filter_map(|(p, e)| match e {
                Entry::Present { stat, cached, .. } if !cached.is_empty() => {
                    Some((p.as_slice(), stat, cached.as_slice()))
                }
                _ => None,
            })
            .collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// The bytes of the file at `path` from `off`: the recorded ones,
    /// zeros elsewhere.
    pub(crate) fn read_at(&self, path: &[u8], off: u64, buf: &mut [u8]) {
        buf.fill(0);
        let Some(Entry::Present { data, .. }) = self.entries.get(path) else { return };
        let end = off.saturating_add(buf.len() as u64);
        let first = data.range(..=off).next_back().map_or(off, |(&o, _)| o);
        for (&o, bytes) in data.range(first..end) {
            let (a, b) = (o.max(off), (o + bytes.len() as u64).min(end));
            if a < b {
                buf[(a - off) as usize..(b - off) as usize].copy_from_slice(&bytes[(a - o) as usize..(b - o) as usize]);
            }
        }
    }
}

/// `MAJOR:MINOR` in hex.
fn parse_dev(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((u32::from_str_radix(a, 16).ok()?, u32::from_str_radix(b, 16).ok()?))
}

/// A device number `MAJOR:MINOR` in decimal, as `ls -l` shows it.
fn parse_rdev(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// A field with `\xNN` escapes.
fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) != Some(&b'x') {
                return None;
            }
            out.push(u8::from_str_radix(s.get(i + 2..i + 4)?, 16).ok()?);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// An absolute canonical path.
fn parse_path(s: &str) -> Option<Vec<u8>> {
    let p = parse_bytes(s)?;
    if p.first() != Some(&b'/') || p.len() >= PATH_MAX {
        return None;
    }
    if p != b"/" {
        for c in p[1..].split(|&b| b == b'/') {
            if c.is_empty() || c == b"." || c == b".." || c.len() > NAME_MAX {
                return None;
            }
        }
    }
    Some(p)
}

/// `\xNN` for bytes outside `!`..`~` and for `\`.
fn escape(p: &[u8]) -> String {
    let mut s = String::with_capacity(p.len());
    for &b in p {
        if b.is_ascii_graphic() && b != b'\\' {
            s.push(b as char);
        } else {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

/// What the snapshot writer saw of one path.
#[derive(Clone, Debug)]
enum Seen {
    Absent,
    Present { stat: Stat, link: Vec<u8>, ranges: Vec<(u64, Vec<u8>)> },
}

/// A walk over a host directory that writes down every `lstat` and
/// `readlink` it makes.
struct Recorder<'a> {
    host: &'a HostDir,
    seen: Mutex<BTreeMap<Vec<u8>, Seen>>,
}

impl NameiOps for Recorder<'_> {
    type Node = Stat;
    fn root(&self) -> SysResult<Stat> {
        let s = self.host.lstat(b"/")?;
        self.seen.lock().expect("not poisoned").entry(b"/".to_vec()).or_insert_with(|| Seen::Present {
            stat: s.clone(),
            link: Vec::new(),
            ranges: Vec::new(),
        });
        Ok(s)
    }
    fn lookup_child(&self, _dir: &Stat, path: &[u8], _name: &[u8]) -> SysResult<Stat> {
        let path = path.to_vec();
        let r = self.host.lstat(&path);
        let mut seen = self.seen.lock().expect("not poisoned");
        match &r {
            Ok(s) => {
                let link = if s.ty == FileType::Symlink { self.host.readlink(&path)? } else { Vec::new() };
                seen.entry(path).or_insert(Seen::Present { stat: s.clone(), link, ranges: Vec::new() });
            }
            Err(Errno::ENOENT) => {
                seen.entry(path).or_insert(Seen::Absent);
            }
            Err(_) => {}
        }
        r
    }
    fn file_type(&self, node: &Stat) -> FileType {
        node.ty
    }
    fn readlink(&self, _node: &Stat, path: &[u8]) -> SysResult<Vec<u8>> {
        self.host.readlink(path)
    }
}

impl Recorder<'_> {
    /// Records the bytes `execve` of the regular file at `path` reads, and
    /// returns the interpreter it names (`PT_INTERP`, `#!`).
    fn record_exec(&self, path: &[u8], stat: &Stat) -> Option<Vec<u8>> {
        let f = self.host.open_regular(path, stat).ok()?;
        let read = |off: u64, len: u64| -> Option<Vec<u8>> {
            let end = off.checked_add(len)?.min(stat.size);
            let mut b = vec![0u8; end.checked_sub(off)? as usize];
            read_full_at(&f, off, &mut b).ok()?;
            Some(b)
        };
        let mut ranges = Vec::new();
        let interp = exec_interpreter(&read, &mut |off, bytes| ranges.push((off, bytes.to_vec())));
        let mut seen = self.seen.lock().expect("not poisoned");
        if let Some(Seen::Present { ranges: r, .. }) = seen.get_mut(path) {
            *r = ranges;
        }
        interp
    }
}

/// The interpreter `execve` of a file runs, from the bytes `execve`
/// reads (`BINPRM_BUF_SIZE` of the head, then ELF's program headers,
/// `PT_INTERP` and `PT_GNU_PROPERTY`): the `#!` line's, or `PT_INTERP`'s.
/// `read(offset, len)` gives the file's bytes (fewer at its end, `None`
/// if they cannot be read); `seen` is told every range read.
pub fn exec_interpreter(
    read: &dyn Fn(u64, u64) -> Option<Vec<u8>>,
    seen: &mut dyn FnMut(u64, &[u8]),
) -> Option<Vec<u8>> {
    let head = read(0, BINPRM_BUF_SIZE)?;
    seen(0, &head);
    if head.starts_with(b"#!") {
        let line = head[2..].split(|&b| b == b'\n').next().unwrap_or_default();
        let name: Vec<u8> = line
            .iter()
            .copied()
            .skip_while(|b| *b == b' ' || *b == b'\t')
            .take_while(|b| !b" \t\0".contains(b))
            .collect();
        return Some(name).filter(|n| !n.is_empty());
    }
    if head.starts_with(b"\x7fELF") {
        return elf_interpreter(read, seen);
    }
    None
}

/// The ELF program headers, `PT_INTERP` and `PT_GNU_PROPERTY`, each told
/// to `seen`; the interpreter's path.
fn elf_interpreter(read: &dyn Fn(u64, u64) -> Option<Vec<u8>>, seen: &mut dyn FnMut(u64, &[u8])) -> Option<Vec<u8>> {
    use object::elf::{FileHeader64, PT_GNU_PROPERTY, PT_INTERP};
    use object::read::elf::{FileHeader, ProgramHeader};
    let head = read(0, 64)?;
    let hdr = FileHeader64::<object::Endianness>::parse(&head[..]).ok()?;
    let endian = hdr.endian().ok()?;
    let phoff = hdr.e_phoff(endian);
    let phsize = u64::from(hdr.e_phnum(endian)) * u64::from(hdr.e_phentsize(endian));
    if phsize == 0 || phsize > MAX_RANGE {
        return None;
    }
    let phdrs = read(phoff, phsize)?;
    seen(phoff, &phdrs);
    // object wants the program headers at e_phoff of the data.
    let mut image = vec![0u8; phoff.checked_add(phsize)? as usize];
    image[..head.len()].copy_from_slice(&head);
    image[phoff as usize..].copy_from_slice(&phdrs);
    let mut interp = None;
    for ph in hdr.program_headers(endian, &image[..]).ok()? {
        let ty = ph.p_type(endian);
        if ty != PT_INTERP && ty != PT_GNU_PROPERTY {
            continue;
        }
        let (off, len) = (ph.p_offset(endian), ph.p_filesz(endian));
        if len == 0 || len > MAX_RANGE {
            continue;
        }
        let bytes = read(off, len)?;
        if ty == PT_INTERP {
            interp = Some(bytes.split(|&b| b == 0).next().unwrap_or_default().to_vec()).filter(|n| !n.is_empty());
        }
        seen(off, &bytes);
    }
    interp
}

/// Writes the root snapshot of what `log` (an strace log) uses from the
/// host directory `root`: every path walked as the replay will walk it,
/// the bytes each `execve` (and its interpreters) reads, the type of
/// each filesystem.
pub fn write_snapshot(root: &str, log: &[u8]) -> Result<String, HostRootError> {
    let host = HostDir::new(root)?;
    let rec = Recorder { host: &host, seen: Mutex::new(BTreeMap::new()) };
    for p in scan_strace_paths(log) {
        let mut todo = vec![(p.path, p.exec, 0u32)];
        while let Some((path, exec, depth)) = todo.pop() {
            let Ok(w) = namei::path_lookupat(&rec, &path, LookupFlags::FOLLOW) else { continue };
            let Ok((stat, canonical)) = w.found() else { continue };
            if exec
                && stat.ty == FileType::Regular
                && depth < MAX_EXEC_DEPTH
                && let Some(interp) = rec.record_exec(&canonical, &stat)
            {
                todo.push((interp, true, depth + 1));
            }
        }
    }
    let seen = rec.seen.into_inner().expect("not poisoned");
    let mut out = String::new();
    let _ = writeln!(out, "{SNAPSHOT_MAGIC}");
    let mut devs: BTreeMap<(u32, u32), Vec<u8>> = BTreeMap::new();
    for (p, s) in &seen {
        if let Seen::Present { stat, .. } = s {
            devs.entry(stat.dev).or_insert_with(|| p.clone());
        }
    }
    for (dev, p) in &devs {
        if let Some(k) = host.fs_kind(p) {
            let _ = writeln!(out, "fs {:02x}:{:02x} {}", dev.0, dev.1, k.name());
        }
    }
    for (p, s) in &seen {
        let path = escape(p);
        let Seen::Present { stat, link, ranges } = s else {
            let _ = writeln!(out, "- {path}");
            continue;
        };
        let common = format!("{path} {:o} {:02x}:{:02x} {}", stat.perm, stat.dev.0, stat.dev.1, stat.ino);
        let _ = match stat.ty {
            FileType::Directory => writeln!(out, "d {common} {}", stat.size),
            FileType::Symlink => writeln!(out, "l {common} {}", escape(link)),
            FileType::Regular => writeln!(out, "f {common} {}", stat.size),
            FileType::CharDevice => writeln!(out, "c {common} {}:{}", stat.rdev.0, stat.rdev.1),
            FileType::BlockDevice => writeln!(out, "b {common} {}:{}", stat.rdev.0, stat.rdev.1),
            FileType::Fifo => writeln!(out, "p {common}"),
            FileType::Socket => writeln!(out, "s {common}"),
        };
        write_ranges(&mut out, ranges);
    }
    Ok(out)
}

/// `= OFFSET HEX` lines of 64 bytes for the non-zero parts of `ranges`
/// (overlaps merged).
fn write_ranges(out: &mut String, ranges: &[(u64, Vec<u8>)]) {
    let mut bytes: BTreeMap<u64, u8> = BTreeMap::new();
    for (off, b) in ranges {
        for (i, &v) in b.iter().enumerate() {
            bytes.insert(off + i as u64, v);
        }
    }
    let mut chunks: BTreeMap<u64, [Option<u8>; 64]> = BTreeMap::new();
    for (&o, &v) in &bytes {
        chunks.entry(o / 64).or_insert([None; 64])[(o % 64) as usize] = Some(v);
    }
    for (key, chunk) in chunks {
        // Runs of recorded bytes inside the chunk, zeros trimmed.
        let mut i = 0;
        while i < 64 {
            if chunk[i].is_none_or(|v| v == 0) {
                i += 1;
                continue;
            }
            let mut j = i;
            let mut last_nonzero = i;
            while j < 64
                && let Some(v) = chunk[j]
            {
                if v != 0 {
                    last_nonzero = j;
                }
                j += 1;
            }
            let hex: String = chunk[i..=last_nonzero].iter().map(|v| format!("{:02x}", v.unwrap_or(0))).collect();
            let _ = writeln!(out, "= {} {hex}", key * 64 + i as u64);
            i = j;
        }
    }
}
