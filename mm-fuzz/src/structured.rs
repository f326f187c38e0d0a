//! The `structured` target: bytes decoded into valid operations, run on a
//! small machine with swap, checked after every operation.
//!
//! Byte 0 picks the machine ([`machine`]); the rest is read as operations
//! ([`decode`]), each a tag byte and its arguments, all reduced into range
//! so that every input is a valid sequence.  Processes work in a window of
//! [`PAGES`] pages straddling a 2 MiB boundary.  After every operation the
//! kernel's invariants must hold; every load of private anonymous memory
//! must read what the shadow says, and every access must fault exactly
//! when the shadow's mappings and protections say so.  At the end every
//! process exits, every file is unlinked, and every frame and swap slot
//! must be free.  Any failure is a panic.

use mm_core::errno::{Errno, Signal};
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::SwapDeviceConfig;
use mm_core::{Kernel, PAGE_SIZE as PAGE, Pid};
use mm_sim::scenario::{MADV_NAMES, MSYNC_NAMES};
use std::collections::BTreeMap;

/// The window the operations work in.
pub const BASE: u64 = 0x1_001d_0000;
/// Its size in pages.
pub const PAGES: u64 = 64;
const BRK: u64 = 0x2_0000_0000;
/// Most processes alive at once.
const MAX_PROCS: usize = 6;
/// Most operations one input runs.
pub const MAX_OPS: usize = 256;

const R: u64 = 1;
const W: u64 = 2;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_NORESERVE: u64 = 0x4000;
const MAP_POPULATE: u64 = 0x8000;

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_DONTFORK: u64 = 10;
const MADV_DOFORK: u64 = 11;
const MADV_WIPEONFORK: u64 = 18;
const MADV_KEEPONFORK: u64 = 19;
const MADV_DONTNEED_LOCKED: u64 = 24;
const MADV_GUARD_INSTALL: u64 = 102;
const MADV_GUARD_REMOVE: u64 = 103;

/// The machine byte 0 picks: 64, 80, 96 or 128 frames (bits 0-1), reclaim
/// policy (bits 2-3), page allocator (bits 4-5), swap on a 4 MiB zram or a
/// 1 MiB swap file in `dir` (bit 6), `page_cluster` 0 or 3 (bit 7).
pub fn machine(b: u8, dir: &std::path::Path) -> MachineConfig {
    let swap = if b & 0x40 == 0 {
        SwapSpec::parse("zram:4M").expect("a valid swap spec")
    } else {
        SwapSpec {
            device: "file".into(),
            config: SwapDeviceConfig {
                path: dir.join("swap").display().to_string(),
                size: Some(1 << 20),
                ..Default::default()
            },
            prio: -1,
        }
    };
    let mut cfg = MachineConfig {
        ram: [64, 80, 96, 128][b as usize & 3] * PAGE,
        reclaim: crate::pick(&mm_core::vmscan::reclaim_policy_names(), b >> 2 & 3).to_string(),
        allocator: crate::pick(&mm_core::machine::allocator_names(), b >> 4 & 3).to_string(),
        swap: vec![swap],
        ..MachineConfig::default()
    };
    cfg.tunables.page_cluster = if b & 0x80 == 0 { 0 } else { 3 };
    cfg
}

/// How `mremap` is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remap {
    InPlace,
    MayMove,
    /// `MREMAP_FIXED` to this page of the window.
    Fixed(u64),
    /// `MREMAP_DONTUNMAP` (with `MAYMOVE|FIXED`) to this page.
    DontUnmap(u64),
}

/// One operation; pages are indexes into the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED`.
    MmapAnon {
        page: u64,
        n: u64,
        prot: u64,
        populate: bool,
        noreserve: bool,
    },
    /// `MAP_FIXED` of the current process's `fd`-th open file from file
    /// page `fpage`, shared or private.
    MmapFile {
        page: u64,
        n: u64,
        prot: u64,
        fd: u8,
        fpage: u64,
        shared: bool,
        populate: bool,
    },
    /// `MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED`.
    MmapShmem {
        page: u64,
        n: u64,
        prot: u64,
    },
    Munmap {
        page: u64,
        n: u64,
    },
    Mprotect {
        page: u64,
        n: u64,
        prot: u64,
    },
    Mremap {
        page: u64,
        old: u64,
        new: u64,
        how: Remap,
    },
    /// `advice` is an index into the scenario format's advice names.
    Madvise {
        page: u64,
        n: u64,
        advice: u8,
    },
    Brk {
        pages: u64,
    },
    Msync {
        page: u64,
        n: u64,
        flags: u64,
    },
    Store {
        page: u64,
        off: u16,
        val: u8,
    },
    Load {
        page: u64,
        off: u16,
    },
    Fork,
    /// Make the `i`-th live process the current one.
    Switch(u8),
    Exit,
    /// A tmpfs file of `pages` pages and `tail` bytes, opened read-write
    /// by the current process.
    CreateFile {
        pages: u64,
        tail: u16,
    },
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn page(&mut self) -> u64 {
        u64::from(self.byte()) % PAGES
    }
    fn count(&mut self) -> u64 {
        u64::from(self.byte()) % 12 + 1
    }
    fn prot(&mut self) -> u64 {
        [R | W, R | W, R, 0, W, R | 4, R | W | 4, R | W][self.byte() as usize & 7]
    }
}

/// Decodes operations until the bytes run out (at most [`MAX_OPS`]).
pub fn decode(mut data: &[u8]) -> Vec<Operation> {
    let mut ops = Vec::new();
    while !data.is_empty() && ops.len() < MAX_OPS {
        let mut r = Reader(data);
        let tag = r.byte();
        let op = match tag % 24 {
            0 | 1 => {
                let (page, n, prot, f) = (r.page(), r.count(), r.prot(), r.byte());
                Operation::MmapAnon { page, n, prot, populate: f & 1 != 0, noreserve: f & 2 != 0 }
            }
            2 | 3 => {
                let (page, n, prot, fd, fpage, f) = (r.page(), r.count(), r.prot(), r.byte(), r.byte(), r.byte());
                Operation::MmapFile {
                    page,
                    n,
                    prot,
                    fd,
                    fpage: u64::from(fpage % 24),
                    shared: f & 1 != 0,
                    populate: f & 2 != 0,
                }
            }
            4 => Operation::MmapShmem { page: r.page(), n: r.count(), prot: r.prot() },
            5 => Operation::Munmap { page: r.page(), n: r.count() },
            6 => Operation::Mprotect { page: r.page(), n: r.count(), prot: r.prot() },
            7 => {
                let (page, old, new, m, to) = (r.page(), r.count(), r.count(), r.byte(), r.page());
                let how = [Remap::InPlace, Remap::MayMove, Remap::Fixed(to), Remap::DontUnmap(to)][m as usize & 3];
                Operation::Mremap { page, old, new, how }
            }
            8 | 9 => Operation::Madvise { page: r.page(), n: r.count(), advice: r.byte() },
            10 => Operation::Brk { pages: u64::from(r.byte() % 16) },
            11 => {
                let (page, n, f) = (r.page(), r.count(), r.byte());
                // MS_ASYNC or MS_SYNC, maybe with MS_INVALIDATE.
                let flags = MSYNC_NAMES[f as usize & 1].1 | if f & 2 != 0 { MSYNC_NAMES[2].1 } else { 0 };
                Operation::Msync { page, n, flags }
            }
            12..=16 => {
                let (page, hi, lo, val) = (r.page(), r.byte(), r.byte(), r.byte());
                Operation::Store { page, off: u16::from_le_bytes([lo, hi]) % PAGE as u16, val }
            }
            17..=19 => {
                let (page, hi, lo) = (r.page(), r.byte(), r.byte());
                Operation::Load { page, off: u16::from_le_bytes([lo, hi]) % PAGE as u16 }
            }
            20 => Operation::Fork,
            21 => Operation::Switch(r.byte()),
            22 => Operation::Exit,
            _ => {
                let (pages, hi, lo) = (r.byte(), r.byte(), r.byte());
                Operation::CreateFile { pages: u64::from(pages % 20), tail: u16::from_le_bytes([lo, hi]) % PAGE as u16 }
            }
        };
        ops.push(op);
        data = r.0;
    }
    ops
}

/// What the shadow knows of one mapped page.
#[derive(Clone, Debug)]
struct Page {
    prot: u64,
    /// Private anonymous memory (checked); anything else is mapped but
    /// its bytes are not followed.
    anon: bool,
    /// The bytes written (`None`: zeroes).
    bytes: Option<Box<[u8]>>,
    /// `MADV_FREE` was applied: reclaim may have dropped the page, so each
    /// byte reads as written or as zero.
    maybe_zero: bool,
    dontfork: bool,
    wipeonfork: bool,
    /// A guard page (`MADV_GUARD_INSTALL`): every access faults.
    guard: bool,
}

impl Page {
    fn new(prot: u64, anon: bool) -> Page {
        Page { prot, anon, bytes: None, maybe_zero: false, dontfork: false, wipeonfork: false, guard: false }
    }
    fn byte(&self, off: u16) -> u8 {
        self.bytes.as_ref().map_or(0, |b| b[off as usize])
    }
}

struct Proc {
    pid: Pid,
    pages: BTreeMap<u64, Page>,
    brk: u64,
    /// Descriptors of the files this process opened (or inherited).
    fds: Vec<i64>,
}

impl Proc {
    fn map(&mut self, a: u64, n: u64, prot: u64, anon: bool) {
        self.unmap(a, a + n * PAGE);
        for i in 0..n {
            self.pages.insert(a + i * PAGE, Page::new(prot, anon));
        }
    }
    fn unmap(&mut self, start: u64, end: u64) {
        let keys: Vec<u64> = self.pages.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.pages.remove(&k);
        }
    }
    fn range(&self, start: u64, end: u64) -> Vec<(u64, Page)> {
        self.pages.range(start..end).map(|(&k, v)| (k, v.clone())).collect()
    }
}

fn addr(page: u64) -> u64 {
    BASE + page * PAGE
}

struct World {
    k: Kernel,
    procs: Vec<Proc>,
    cur: usize,
    files: Vec<String>,
}

impl World {
    fn p(&mut self) -> &mut Proc {
        &mut self.procs[self.cur]
    }

    /// A process the simulated OOM killer chose: it runs no further.
    fn killed(&mut self) {
        let p = self.procs.remove(self.cur);
        self.k.exit(p.pid);
        self.cur = 0;
    }

    fn apply(&mut self, op: &Operation) {
        if self.procs.is_empty() {
            return;
        }
        let pid = self.procs[self.cur].pid;
        match *op {
            Operation::MmapAnon { page, n, prot, populate, noreserve } => {
                let mut flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
                flags |= if populate { MAP_POPULATE } else { 0 } | if noreserve { MAP_NORESERVE } else { 0 };
                let r = self.k.sys_mmap(pid, addr(page), n * PAGE, prot, flags, -1, 0);
                assert_eq!(r, Ok(addr(page)), "{op:?}");
                self.p().map(addr(page), n, prot, true);
            }
            Operation::MmapFile { page, n, prot, fd, fpage, shared, populate } => {
                let fds = &self.procs[self.cur].fds;
                if fds.is_empty() {
                    return;
                }
                let fd = fds[fd as usize % fds.len()];
                let flags =
                    MAP_FIXED | if shared { MAP_SHARED } else { MAP_PRIVATE } | if populate { MAP_POPULATE } else { 0 };
                let r = self.k.sys_mmap(pid, addr(page), n * PAGE, prot, flags, fd, fpage * PAGE);
                assert_eq!(r, Ok(addr(page)), "{op:?}");
                self.p().map(addr(page), n, prot, false);
            }
            Operation::MmapShmem { page, n, prot } => {
                let r = self.k.sys_mmap(pid, addr(page), n * PAGE, prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                assert_eq!(r, Ok(addr(page)), "{op:?}");
                self.p().map(addr(page), n, prot, false);
            }
            Operation::Munmap { page, n } => {
                assert_eq!(self.k.sys_munmap(pid, addr(page), n * PAGE), Ok(0), "{op:?}");
                self.p().unmap(addr(page), addr(page) + n * PAGE);
            }
            Operation::Mprotect { page, n, prot } => {
                let r = self.k.sys_mprotect(pid, addr(page), n * PAGE, prot);
                // VMAs change up to the first hole.
                let mut changed = 0;
                for i in 0..n {
                    match self.p().pages.get_mut(&addr(page + i)) {
                        Some(s) => {
                            s.prot = prot;
                            changed += 1;
                        }
                        None => break,
                    }
                }
                let want = if changed == n { Ok(0) } else { Err(Errno::ENOMEM) };
                assert_eq!(r, want, "{op:?}");
            }
            Operation::Mremap { page, old, new, how } => self.mremap(pid, addr(page), old * PAGE, new * PAGE, how),
            Operation::Madvise { page, n, advice } => {
                let advice = MADV_NAMES[advice as usize % MADV_NAMES.len()].1;
                let (a, end) = (addr(page), addr(page) + n * PAGE);
                let r = self.k.sys_madvise(pid, a, n * PAGE, advice);
                let range = self.p().range(a, end);
                // MADV_FREE and MADV_WIPEONFORK stop with EINVAL at the
                // first VMA that is not private anonymous memory.
                let first_other = range.iter().position(|(_, s)| !s.anon);
                let done = match first_other {
                    Some(i) if matches!(advice, MADV_FREE | MADV_WIPEONFORK) => {
                        assert_eq!(r, Err(Errno::EINVAL), "{op:?}");
                        i
                    }
                    _ if range.len() as u64 == n => {
                        assert_eq!(r, Ok(0), "{op:?}");
                        range.len()
                    }
                    _ => {
                        assert_eq!(r, Err(Errno::ENOMEM), "{op:?}");
                        range.len()
                    }
                };
                for (p, _) in &range[..done] {
                    let s = self.p().pages.get_mut(p).expect("mapped");
                    match advice {
                        MADV_DONTNEED | MADV_DONTNEED_LOCKED => {
                            s.bytes = None;
                            s.maybe_zero = false;
                        }
                        // The page is zapped and becomes a guard page;
                        // removing the guard leaves it empty.
                        MADV_GUARD_INSTALL => {
                            s.bytes = None;
                            s.maybe_zero = false;
                            s.guard = true;
                        }
                        MADV_GUARD_REMOVE => s.guard = false,
                        MADV_FREE => s.maybe_zero = true,
                        MADV_DONTFORK => s.dontfork = true,
                        MADV_DOFORK => s.dontfork = false,
                        MADV_WIPEONFORK => s.wipeonfork = true,
                        MADV_KEEPONFORK => s.wipeonfork = false,
                        _ => {}
                    }
                }
            }
            Operation::Brk { pages } => {
                let want = BRK + pages * PAGE - if pages % 3 == 1 { 100 } else { 0 };
                let got = self.k.sys_brk(pid, want).expect("brk returns a value");
                assert_eq!(got, want, "brk in an empty area succeeds");
                let p = self.p();
                let (old_end, new_end) = (p.brk.div_ceil(PAGE) * PAGE, want.div_ceil(PAGE) * PAGE);
                if new_end < old_end {
                    p.unmap(new_end, old_end);
                } else if new_end > old_end {
                    p.map(old_end, (new_end - old_end) / PAGE, R | W, true);
                }
                p.brk = want;
            }
            Operation::Msync { page, n, flags } => {
                // No effect on private anonymous memory; only it must not
                // break anything.
                let _ = self.k.sys_msync(pid, addr(page), n * PAGE, flags);
            }
            Operation::Store { page, off, val } => {
                let a = addr(page) + u64::from(off);
                let r = self.k.store(pid, a, val);
                if matches!(r, Err(Signal::Kill { .. })) {
                    return self.killed();
                }
                match self.p().pages.get_mut(&addr(page)) {
                    Some(s) if s.guard => {
                        assert!(matches!(r, Err(Signal::Segv { .. })), "store to guard page {a:#x} gave {r:?}")
                    }
                    Some(s) if s.prot & W != 0 && s.anon => {
                        assert_eq!(r, Ok(()), "store to {a:#x}");
                        s.bytes.get_or_insert_with(|| vec![0; PAGE as usize].into())[off as usize] = val;
                    }
                    // File pages: SIGBUS past the end of the file.
                    Some(s) if s.prot & W != 0 => assert!(matches!(r, Ok(()) | Err(Signal::Bus { .. })), "{r:?}"),
                    _ => assert!(matches!(r, Err(Signal::Segv { .. })), "store to {a:#x} gave {r:?}"),
                }
            }
            Operation::Load { page, off } => {
                let a = addr(page) + u64::from(off);
                let r = self.k.load(pid, a);
                if matches!(r, Err(Signal::Kill { .. })) {
                    return self.killed();
                }
                match self.p().pages.get(&addr(page)) {
                    Some(s) if s.guard => {
                        assert!(matches!(r, Err(Signal::Segv { .. })), "load of guard page {a:#x} gave {r:?}")
                    }
                    Some(s) if s.prot != 0 && s.anon => {
                        let want = s.byte(off);
                        let ok = r == Ok(want) || (s.maybe_zero && r == Ok(0));
                        assert!(ok, "load of {a:#x} (pid {pid}) gave {r:?}, the shadow says {want:#04x}");
                    }
                    Some(s) if s.prot != 0 => assert!(matches!(r, Ok(_) | Err(Signal::Bus { .. })), "{r:?}"),
                    _ => assert!(matches!(r, Err(Signal::Segv { .. })), "load of {a:#x} gave {r:?}"),
                }
            }
            Operation::Fork => {
                if self.procs.len() >= MAX_PROCS {
                    return;
                }
                let Ok(child) = self.k.fork(pid) else { return };
                let p = &self.procs[self.cur];
                let mut pages = BTreeMap::new();
                for (&a, s) in &p.pages {
                    if s.dontfork {
                        continue;
                    }
                    let mut s = s.clone();
                    if s.wipeonfork {
                        s.bytes = None;
                        s.maybe_zero = false;
                        s.guard = false;
                    }
                    pages.insert(a, s);
                }
                let c = Proc { pid: child, pages, brk: p.brk, fds: p.fds.clone() };
                self.procs.push(c);
            }
            Operation::Switch(i) => self.cur = i as usize % self.procs.len(),
            Operation::Exit => {
                let p = self.procs.remove(self.cur);
                self.k.exit(p.pid);
                self.cur = 0;
            }
            Operation::CreateFile { pages, tail } => {
                let name = format!("f{}", self.files.len());
                let mut fill = |p: u64, page: &mut [u8]| {
                    for (j, b) in page.iter_mut().enumerate() {
                        *b = (p as usize + j) as u8;
                    }
                };
                if self.k.create_file(&name, pages * PAGE + u64::from(tail), &mut fill).is_err() {
                    return;
                }
                self.files.push(name.clone());
                let fd = self.k.sys_openat(pid, &name, 2).expect("open a new file") as i64;
                self.p().fds.push(fd);
            }
        }
    }

    fn mremap(&mut self, pid: Pid, a: u64, old: u64, new: u64, how: Remap) {
        let (flags, target) = match how {
            Remap::InPlace => (0, 0),
            Remap::MayMove => (1, 0),
            Remap::Fixed(p) => (1 | 2, addr(p)),
            Remap::DontUnmap(p) => (1 | 2 | 4, addr(p)),
        };
        let new = if matches!(how, Remap::DontUnmap(_)) { old } else { new };
        let Ok(x) = self.k.sys_mremap(pid, a, old, new, flags, target) else { return };
        let p = self.p();
        match how {
            Remap::Fixed(_) | Remap::DontUnmap(_) if old == new => {
                // Each source VMA moves on its own, gaps kept.
                assert_eq!(x, target);
                let src = p.range(a, a + old);
                for (q, _) in &src {
                    p.pages.remove(&(x + (q - a)));
                }
                for (q, s) in &src {
                    if matches!(how, Remap::DontUnmap(_)) {
                        emptied(p, *q);
                    } else {
                        p.pages.remove(q);
                    }
                    p.pages.insert(x + (q - a), s.clone());
                }
            }
            _ if x == a && new <= old => p.unmap(a + new, a + old),
            _ if x == a => grow(p, a + old, (new - old) / PAGE, p.pages.get(&(a + old - PAGE)).cloned()),
            _ => {
                let src = p.range(a, a + old);
                let last = src.last().map(|(_, s)| s.clone());
                if matches!(how, Remap::DontUnmap(_)) {
                    for (q, _) in &src {
                        emptied(p, *q);
                    }
                } else {
                    p.unmap(a, a + old);
                }
                p.unmap(x, x + new);
                for (q, s) in src {
                    if q - a < new {
                        p.pages.insert(x + (q - a), s);
                    }
                }
                if new > old {
                    grow(p, x + old, (new - old) / PAGE, last);
                }
            }
        }
    }
}

/// Pages added by growing a mapping: they continue its last page's VMA.
fn grow(p: &mut Proc, at: u64, n: u64, last: Option<Page>) {
    let mut s = last.unwrap_or_else(|| Page::new(R | W, true));
    s.bytes = None;
    s.maybe_zero = false;
    s.guard = false;
    for i in 0..n {
        p.pages.insert(at + i * PAGE, s.clone());
    }
}

/// A page whose entries `MREMAP_DONTUNMAP` took away: private anonymous
/// memory reads as zeroes again.
fn emptied(p: &mut Proc, q: u64) {
    let s = p.pages.get_mut(&q).expect("mapped");
    s.bytes = None;
    s.maybe_zero = false;
    s.guard = false;
}

/// The target.
pub fn fuzz(data: &[u8]) {
    let Some((&b, rest)) = data.split_first() else { return };
    let dir = crate::TempDir::new();
    run(&machine(b, dir.path()), &decode(rest));
}

/// Runs `ops` on `cfg`, checking after every operation.
///
/// # Panics
///
/// On a broken invariant, a wrong byte, an unexpected result or a leak.
pub fn run(cfg: &MachineConfig, ops: &[Operation]) {
    let mut k = Kernel::new(cfg).expect("the machine boots");
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("a process");
    let first = Proc { pid, pages: BTreeMap::new(), brk: BRK, fds: Vec::new() };
    let mut w = World { k, procs: vec![first], cur: 0, files: Vec::new() };
    for (i, op) in ops.iter().enumerate() {
        w.apply(op);
        let v = w.k.check_invariants();
        assert!(v.is_empty(), "after operation {i} {op:?}: invariants broken: {v:?}");
    }
    let World { mut k, procs, files, .. } = w;
    for p in procs {
        k.exit(p.pid);
    }
    for f in files {
        k.tmpfs().unlink(&f).expect("unlink");
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "after every process exited: invariants broken: {v:?}");
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked after every process exited");
    let swap = k.machine().swap();
    assert_eq!(swap.nr_swap_pages(), swap.total_swap_pages() as i64, "swap slots leaked");
}
