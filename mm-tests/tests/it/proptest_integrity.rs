//! Data integrity under memory pressure, with several processes: random
//! sequences of mappings (private and shared anonymous memory, private and
//! shared mappings of two tmpfs files), stores of random bytes and loads,
//! `fork`, `exit` in any order, accesses that switch processes on two
//! CPUs, `mremap` (grow, shrink, `MREMAP_MAYMOVE`, `MREMAP_FIXED`,
//! `MREMAP_DONTUNMAP`), every `madvise` the model has, `mprotect`,
//! `munmap` and `msync`, on a machine of 96 frames with swap.
//!
//! A shadow model holds every process's view of every byte, with Linux's
//! semantics for each operation: a private page is its own after the
//! first store (copy on write after `fork` keeps processes apart), a
//! shared one shows its object's bytes (what any process wrote through
//! any shared mapping of the file or the shared memory); `MADV_DONTNEED`
//! makes a private page read its source again (zeroes, or the file's
//! bytes); a page `MADV_FREE`d and not written since may read as its old
//! bytes or as zeroes, a store fixes it; `MADV_WIPEONFORK` gives the child
//! zeroes and `MADV_DONTFORK` no mapping at all.  After every step the
//! machine's invariants hold (`Kernel::check_invariants`) and the mapped
//! pages, their protections and their bytes agree with the shadow; at the
//! end every process exits, the files are removed, and every frame and
//! every swap slot is free again.
//!
//! It runs on every swap device, under every reclaim policy and with every
//! page allocator registered.  `MMSIM_PROPTEST_CASES` sets the cases per
//! configuration (default [`DEFAULT_CASES`]).

use mm_core::errno::{Errno, Signal};
use mm_core::fs::Filesystem;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::SwapDeviceConfig;
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, Pid};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
// Registers the backends (the swap devices, the example allocator).

const PAGE: u64 = 4096;
const PAGE_US: usize = PAGE as usize;
/// Each process works in 64 pages from here.
const BASE: u64 = 0x1_001f_0000;
const PAGES: u64 = 64;
/// RAM of the machine: frames for page tables, the files' caches and a
/// few pages of each process; reclaim runs all the time.  Each CPU's
/// batch of LRU additions holds up to `FOLIO_BATCH_SIZE - 1` new pages
/// that reclaim on another CPU cannot see (it drains only its own CPU's
/// batch; the allocator's slow path and the OOM killer drain none), as in
/// the kernel.  On 64 frames (48 above the min watermark) the other
/// CPU's batch can hold so much that an allocation fails and the OOM
/// killer strikes; on 96, 72 frames lie above the min watermark (24
/// pages), 42 of them outside a full batch.
const RAM_PAGES: u64 = 96;
/// At most this many processes at once.
const MAX_PROCS: usize = 4;
/// Cases per configuration (device x policy x allocator) in `cargo test`.
const DEFAULT_CASES: u32 = 32;

/// The two tmpfs files: sizes in bytes (the first ends in a partial page).
const FILE_SIZES: [u64; 2] = [20 * PAGE + 100, 12 * PAGE];

const R: u64 = 1;
const W: u64 = 2;
const X: u64 = 4;

const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_POPULATE: u64 = 0x8000;

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_DONTFORK: u64 = 10;
const MADV_DOFORK: u64 = 11;
const MADV_WIPEONFORK: u64 = 18;
const MADV_KEEPONFORK: u64 = 19;
/// Every advice the model takes: NORMAL, RANDOM, SEQUENTIAL, WILLNEED,
/// DONTNEED, FREE, DONTFORK, DOFORK, HUGEPAGE, NOHUGEPAGE, DONTDUMP,
/// DODUMP, WIPEONFORK, KEEPONFORK, COLD, PAGEOUT.
const ADVICE: [u64; 16] = [0, 1, 2, 3, 4, 8, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21];

/// What a mapping maps.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Anon,
    /// `MAP_SHARED|MAP_ANONYMOUS`: new shared memory.
    Shmem,
    /// File `f` from page `pg`, shared or private.
    File {
        f: usize,
        pg: u64,
        shared: bool,
    },
}

/// The page an access goes to.
#[derive(Clone, Copy, Debug)]
enum Pick {
    /// The `n`th (modulo their number) page the process maps.
    Mapped(u64),
    /// Page `n` of the process's area, mapped or not.
    Any(u64),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![9 => (0..1024u64).prop_map(Pick::Mapped), 1 => (0..PAGES).prop_map(Pick::Any)]
}

#[derive(Clone, Copy, Debug)]
enum RemapMode {
    InPlace,
    MayMove,
    Fixed(u64),
    DontUnmap(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Mmap {
        who: usize,
        page: u64,
        n: u64,
        prot: u64,
        kind: Kind,
        populate: bool,
    },
    Munmap {
        who: usize,
        page: u64,
        n: u64,
    },
    Mprotect {
        who: usize,
        page: u64,
        n: u64,
        prot: u64,
    },
    Mremap {
        who: usize,
        page: u64,
        old: u64,
        new: u64,
        mode: RemapMode,
    },
    Madvise {
        who: usize,
        page: u64,
        n: u64,
        advice: u64,
    },
    Msync {
        who: usize,
        page: u64,
        n: u64,
        flags: u64,
    },
    /// `len` random bytes (from `seed`) at `off` of a page, on `cpu`.
    Store {
        who: usize,
        cpu: usize,
        page: Pick,
        off: u16,
        len: u16,
        seed: u64,
    },
    Load {
        who: usize,
        cpu: usize,
        page: Pick,
        off: u16,
        len: u16,
    },
    /// A whole page, compared with the shadow byte for byte.
    LoadPage {
        who: usize,
        cpu: usize,
        page: Pick,
    },
    Fork(usize),
    Exit(usize),
}

fn prot() -> impl Strategy<Value = u64> {
    prop_oneof![6 => Just(R | W), 2 => Just(R), 1 => Just(0), 1 => Just(R | W | X), 1 => Just(W)]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::Anon),
        1 => Just(Kind::Shmem),
        3 => (0..2usize, 0..24u64, any::<bool>()).prop_map(|(f, pg, shared)| Kind::File { f, pg, shared }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..MAX_PROCS;
    let page = 0..PAGES;
    let n = 1..24u64;
    let cpu = 0..2usize;
    prop_oneof![
        5 => (who.clone(), page.clone(), n.clone(), prot(), kind(), prop::bool::weighted(0.3))
            .prop_map(|(who, page, n, prot, kind, populate)| Op::Mmap { who, page, n, prot, kind, populate }),
        1 => (who.clone(), page.clone(), n.clone()).prop_map(|(who, page, n)| Op::Munmap { who, page, n }),
        2 => (who.clone(), page.clone(), n.clone(), prot()).prop_map(|(who, page, n, prot)| Op::Mprotect { who, page, n, prot }),
        3 => (who.clone(), page.clone(), n.clone(), n.clone(), prop_oneof![
                Just(RemapMode::InPlace), Just(RemapMode::MayMove),
                (0..PAGES).prop_map(RemapMode::Fixed), (0..PAGES).prop_map(RemapMode::DontUnmap)])
            .prop_map(|(who, page, old, new, mode)| Op::Mremap { who, page, old, new, mode }),
        5 => (who.clone(), page.clone(), n.clone(), prop::sample::select(ADVICE.to_vec()))
            .prop_map(|(who, page, n, advice)| Op::Madvise { who, page, n, advice }),
        1 => (who.clone(), page.clone(), n.clone(), prop::sample::select(vec![1u64, 4, 2, 6, 3]))
            .prop_map(|(who, page, n, flags)| Op::Msync { who, page, n, flags }),
        14 => (who.clone(), cpu.clone(), pick(), 0..PAGE as u16, 1..64u16, any::<u64>())
            .prop_map(|(who, cpu, page, off, len, seed)| Op::Store { who, cpu, page, off, len, seed }),
        6 => (who.clone(), cpu.clone(), pick(), 0..PAGE as u16, 1..64u16)
            .prop_map(|(who, cpu, page, off, len)| Op::Load { who, cpu, page, off, len }),
        2 => (who.clone(), cpu, pick()).prop_map(|(who, cpu, page)| Op::LoadPage { who, cpu, page }),
        2 => who.clone().prop_map(Op::Fork),
        1 => who.prop_map(Op::Exit),
    ]
}

/// Where a mapped page's bytes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    /// Private anonymous memory: zeroes until written.
    Anon,
    /// Page `pg` of object `obj` (0 and 1: the files; others: shared
    /// anonymous memory), through a shared or a private mapping.
    Obj { obj: usize, pg: u64, shared: bool },
}

/// What one process's page holds, as far as the shadow knows.
#[derive(Clone, Debug)]
enum Content {
    /// Its source's bytes (zeroes for anonymous memory).
    Src,
    /// A private page of its own: one of these (more than one after
    /// `MADV_FREE`: the old bytes or zeroes, each with the stores since).
    Own(Vec<Box<[u8]>>),
}

/// The shadow of one mapped page of one process.
#[derive(Clone, Debug)]
struct Shadow {
    prot: u64,
    src: Src,
    content: Content,
    /// `MADV_FREE`d and not written since: reclaim may still drop it.
    lazy: bool,
    dontfork: bool,
    wipeonfork: bool,
}

impl Shadow {
    fn new(prot: u64, src: Src) -> Shadow {
        Shadow { prot, src, content: Content::Src, lazy: false, dontfork: false, wipeonfork: false }
    }

    /// A page `i` pages after this one in the same VMA, not yet touched.
    fn after(&self, i: u64) -> Shadow {
        let src = match self.src {
            Src::Anon => Src::Anon,
            Src::Obj { obj, pg, shared } => Src::Obj { obj, pg: pg + i, shared },
        };
        Shadow { src, content: Content::Src, lazy: false, ..self.clone() }
    }

    /// Its entries are gone: it reads its source again.
    fn emptied(&mut self) {
        self.content = Content::Src;
        self.lazy = false;
    }
}

struct Proc {
    pid: Pid,
    pages: BTreeMap<u64, Shadow>,
    /// Descriptors of the two files (inherited by `fork`).
    fds: [i64; 2],
}

struct World {
    k: Kernel,
    procs: Vec<Proc>,
    /// The bytes of each object: the two files, then every shared
    /// anonymous mapping made.
    objs: Vec<Vec<u8>>,
    /// The step being run, for messages.
    step: usize,
}

fn addr(page: u64) -> u64 {
    BASE + page * PAGE
}

/// Byte `i` of file `f` as created.
fn file_byte(f: usize, i: u64) -> u8 {
    (i / PAGE * 7 + i + f as u64 * 131) as u8 | 1
}

/// Random bytes from a seed (xorshift).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = mm_tests::Rng(seed | 1);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

impl Proc {
    fn unmap(&mut self, start: u64, end: u64) {
        let keys: Vec<u64> = self.pages.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.pages.remove(&k);
        }
    }

    fn mapped(&self, start: u64, end: u64) -> Vec<(u64, Shadow)> {
        self.pages.range(start..end).map(|(&k, v)| (k, v.clone())).collect()
    }

    /// The address of the page `p` picks.
    fn pick(&self, p: Pick) -> u64 {
        match p {
            Pick::Mapped(n) if !self.pages.is_empty() => {
                *self.pages.keys().nth((n % self.pages.len() as u64) as usize).expect("in range")
            }
            Pick::Mapped(n) | Pick::Any(n) => addr(n % PAGES),
        }
    }

    fn map_src(&mut self, start: u64, n: u64, first: Shadow) {
        for i in 0..n {
            self.pages.insert(start + i * PAGE, first.after(i));
        }
    }
}

/// Byte `off` of each candidate content, for messages.
fn cands_at(c: &Content, off: usize) -> Vec<u8> {
    match c {
        Content::Src => Vec::new(),
        Content::Own(c) => c.iter().map(|c| c[off]).collect(),
    }
}

impl World {
    /// Whether an access to the page is `SIGBUS` (past the end of its
    /// object).
    fn past_eof(&self, s: &Shadow) -> bool {
        match s.src {
            Src::Obj { obj, pg, .. } => pg >= (self.objs[obj].len() as u64).div_ceil(PAGE),
            Src::Anon => false,
        }
    }

    /// The bytes the source of `s` shows (the whole page).
    fn src_page(&self, s: &Shadow) -> Box<[u8]> {
        match s.src {
            Src::Anon => vec![0; PAGE_US].into(),
            Src::Obj { obj, pg, .. } => {
                let o = &self.objs[obj];
                let mut page = vec![0u8; PAGE_US];
                let start = (pg * PAGE) as usize;
                if start < o.len() {
                    let n = (o.len() - start).min(PAGE_US);
                    page[..n].copy_from_slice(&o[start..start + n]);
                }
                page.into()
            }
        }
    }

    /// Checks `got`, read at `off` of the page at `a` of process `i`,
    /// against the shadow, and keeps only the candidates it agrees with.
    fn observe(&mut self, i: usize, a: u64, off: usize, got: &[u8]) -> Result<(), TestCaseError> {
        let s = self.procs[i].pages[&a].clone();
        match s.content.clone() {
            Content::Src => {
                let want = self.src_page(&s);
                let d = got.iter().zip(&want[off..]).position(|(g, w)| g != w);
                prop_assert!(
                    d.is_none(),
                    "step {}: process {} page {:#x} ({:?}): byte {} reads {}, the source holds {}",
                    self.step,
                    i,
                    a,
                    s.src,
                    off + d.unwrap_or(0),
                    got[d.unwrap_or(0)],
                    want[off + d.unwrap_or(0)]
                );
            }
            Content::Own(mut cands) => {
                let before = cands.len();
                cands.retain(|c| c[off..off + got.len()] == *got);
                prop_assert!(
                    !cands.is_empty(),
                    "step {}: process {} page {:#x} ({:?}, lazy {}): bytes {}..{} match none of the {} possible \
                     contents (first byte {}, candidates {:?})",
                    self.step,
                    i,
                    a,
                    s.src,
                    s.lazy,
                    off,
                    off + got.len(),
                    before,
                    got[0],
                    cands_at(&s.content, off)
                );
                // A lazily freed page may still be dropped.
                if s.lazy && !cands.iter().any(|c| c.iter().all(|&b| b == 0)) {
                    cands.push(vec![0; PAGE_US].into());
                }
                self.procs[i].pages.get_mut(&a).expect("mapped").content = Content::Own(cands);
            }
        }
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let n = self.procs.len();
        match *op {
            Op::Mmap { who, page, n: len, prot, kind, populate } => {
                let i = who % n;
                let (pid, a) = (self.procs[i].pid, addr(page));
                let mut flags = MAP_FIXED | if populate { MAP_POPULATE } else { 0 };
                let src = match kind {
                    Kind::Anon => {
                        flags |= MAP_PRIVATE | MAP_ANONYMOUS;
                        prop_assert_eq!(self.k.sys_mmap(pid, a, len * PAGE, prot, flags, -1, 0), Ok(a));
                        Src::Anon
                    }
                    Kind::Shmem => {
                        flags |= MAP_SHARED | MAP_ANONYMOUS;
                        prop_assert_eq!(self.k.sys_mmap(pid, a, len * PAGE, prot, flags, -1, 0), Ok(a));
                        self.objs.push(vec![0; (len * PAGE) as usize]);
                        Src::Obj { obj: self.objs.len() - 1, pg: 0, shared: true }
                    }
                    Kind::File { f, pg, shared } => {
                        flags |= if shared { MAP_SHARED } else { MAP_PRIVATE };
                        let fd = self.procs[i].fds[f];
                        prop_assert_eq!(self.k.sys_mmap(pid, a, len * PAGE, prot, flags, fd, pg * PAGE), Ok(a));
                        Src::Obj { obj: f, pg, shared }
                    }
                };
                let p = &mut self.procs[i];
                p.unmap(a, a + len * PAGE);
                p.map_src(a, len, Shadow::new(prot, src));
                // MAP_POPULATE of a writable private mapping faults for
                // writing (populate_vma_page_range: FOLL_WRITE breaks COW):
                // each page up to the end of the file is a copy now.
                if populate && prot & W != 0 && !matches!(src, Src::Obj { shared: true, .. }) {
                    for j in 0..len {
                        let s = self.procs[i].pages[&(a + j * PAGE)].clone();
                        if self.past_eof(&s) {
                            break;
                        }
                        let copy = self.src_page(&s);
                        self.procs[i].pages.get_mut(&(a + j * PAGE)).expect("mapped").content =
                            Content::Own(vec![copy]);
                    }
                }
            }
            Op::Munmap { who, page, n: len } => {
                let p = &mut self.procs[who % n];
                let a = addr(page);
                prop_assert_eq!(self.k.sys_munmap(p.pid, a, len * PAGE), Ok(0));
                p.unmap(a, a + len * PAGE);
            }
            Op::Mprotect { who, page, n: len, prot } => {
                let p = &mut self.procs[who % n];
                let a = addr(page);
                let r = self.k.sys_mprotect(p.pid, a, len * PAGE, prot);
                // VMAs are changed up to the first hole.
                let mut changed = 0;
                for j in 0..len {
                    match p.pages.get_mut(&(a + j * PAGE)) {
                        Some(s) => {
                            s.prot = prot;
                            changed += 1;
                        }
                        None => break,
                    }
                }
                prop_assert_eq!(r, if changed == len { Ok(0) } else { Err(Errno::ENOMEM) });
            }
            Op::Mremap { who, page, old, new, mode } => {
                self.mremap(who % n, addr(page), old * PAGE, new * PAGE, mode)?
            }
            Op::Madvise { who, page, n: len, advice } => self.madvise(who % n, addr(page), len, advice)?,
            Op::Msync { who, page, n: len, flags } => {
                let p = &self.procs[who % n];
                let a = addr(page);
                let r = self.k.sys_msync(p.pid, a, len * PAGE, flags);
                let covered = p.pages.range(a..a + len * PAGE).count() as u64 == len;
                // tmpfs writes nothing back: only holes make it fail.
                prop_assert_eq!(r, if covered { Ok(0) } else { Err(Errno::ENOMEM) });
            }
            Op::Store { who, cpu, page, off, len, seed } => {
                let i = who % n;
                let a = self.procs[i].pick(page);
                let off = off as usize;
                let len = (len as usize).min(PAGE_US - off);
                let data = bytes(seed, len);
                let t = self.k.task(self.procs[i].pid).expect("task").clone();
                let r = t.write_bytes(cpu, a + off as u64, &data);
                let Some(s) = self.procs[i].pages.get(&a).cloned() else {
                    prop_assert!(matches!(r, Err(Signal::Segv { .. })), "store to an unmapped page gave {:?}", r);
                    return Ok(());
                };
                if s.prot & W == 0 {
                    prop_assert!(matches!(r, Err(Signal::Segv { .. })), "store to {:#x} gave {:?}", a, r);
                } else if self.past_eof(&s) {
                    prop_assert!(matches!(r, Err(Signal::Bus { .. })), "store past the end gave {:?}", r);
                } else {
                    prop_assert_eq!(r, Ok(()), "step {}: store by process {} to {:#x}", self.step, i, a);
                    note(
                        if matches!(s.src, Src::Obj { shared: true, .. }) { "store shared" } else { "store private" },
                        1,
                    );
                    match s.src {
                        Src::Obj { obj, pg, shared: true } => {
                            let o = (pg * PAGE) as usize + off;
                            self.objs[obj][o..o + len].copy_from_slice(&data);
                        }
                        _ => {
                            // A private page's first store copies what it showed.
                            let mut cands = match s.content {
                                Content::Own(c) => c,
                                Content::Src => vec![self.src_page(&s)],
                            };
                            for c in &mut cands {
                                c[off..off + len].copy_from_slice(&data);
                            }
                            let e = self.procs[i].pages.get_mut(&a).expect("mapped");
                            e.content = Content::Own(cands);
                            e.lazy = false;
                        }
                    }
                }
            }
            Op::Load { who, cpu, page, off, len } => {
                let off = off as usize;
                let len = (len as usize).min(PAGE_US - off);
                let a = self.procs[who % n].pick(page);
                self.load(who % n, cpu, a, off, len)?;
            }
            Op::LoadPage { who, cpu, page } => {
                let a = self.procs[who % n].pick(page);
                self.load(who % n, cpu, a, 0, PAGE_US)?;
            }
            Op::Fork(who) if n < MAX_PROCS => {
                let i = who % n;
                let child = self.k.fork(self.procs[i].pid);
                prop_assert!(child.is_ok(), "step {}: fork failed: {:?}", self.step, child);
                let mut pages = BTreeMap::new();
                for (&a, s) in &self.procs[i].pages {
                    if s.dontfork {
                        continue;
                    }
                    let mut c = s.clone();
                    if s.wipeonfork {
                        c.emptied();
                    }
                    pages.insert(a, c);
                }
                note("fork", 1);
                let fds = self.procs[i].fds;
                self.procs.push(Proc { pid: child.expect("checked"), pages, fds });
            }
            Op::Fork(_) => {}
            Op::Exit(who) if n > 1 => {
                note("exit", 1);
                let p = self.procs.remove(who % n);
                prop_assert!(self.k.exit(p.pid));
            }
            Op::Exit(_) => {}
        }
        Ok(())
    }

    fn load(&mut self, i: usize, cpu: usize, a: u64, off: usize, len: usize) -> Result<(), TestCaseError> {
        let t = self.k.task(self.procs[i].pid).expect("task").clone();
        let mut buf = vec![0u8; len];
        let r = t.read_bytes(cpu, a + off as u64, &mut buf);
        match self.procs[i].pages.get(&a).cloned() {
            Some(s) if s.prot != 0 => {
                if self.past_eof(&s) {
                    prop_assert!(matches!(r, Err(Signal::Bus { .. })), "load past the end gave {:?}", r);
                } else {
                    prop_assert_eq!(r, Ok(()), "step {}: load by process {} of {:#x}", self.step, i, a);
                    note("load", 1);
                    self.observe(i, a, off, &buf)?;
                }
            }
            _ => prop_assert!(matches!(r, Err(Signal::Segv { .. })), "load of {:#x} gave {:?}", a, r),
        }
        Ok(())
    }

    fn madvise(&mut self, i: usize, a: u64, len: u64, advice: u64) -> Result<(), TestCaseError> {
        let p = &mut self.procs[i];
        let r = self.k.sys_madvise(p.pid, a, len * PAGE, advice);
        let range = p.mapped(a, a + len * PAGE);
        // MADV_FREE stops with EINVAL at the first VMA that is not private
        // anonymous memory, MADV_WIPEONFORK at the first that is not
        // private anonymous memory.
        let first_bad = match advice {
            MADV_FREE | MADV_WIPEONFORK => range.iter().position(|(_, s)| matches!(s.src, Src::Obj { .. })),
            _ => None,
        };
        if r.is_ok() {
            note(&format!("madvise {advice}"), 1);
        }
        let done = match first_bad {
            Some(j) => {
                prop_assert_eq!(r, Err(Errno::EINVAL), "madvise {}", advice);
                j
            }
            None => {
                prop_assert_eq!(
                    r,
                    if range.len() as u64 == len { Ok(0) } else { Err(Errno::ENOMEM) },
                    "madvise {}",
                    advice
                );
                range.len()
            }
        };
        for (pa, _) in &range[..done] {
            let s = p.pages.get_mut(pa).expect("mapped");
            match advice {
                MADV_DONTNEED => s.emptied(),
                MADV_FREE => {
                    if let Content::Own(c) = &mut s.content {
                        s.lazy = true;
                        if !c.iter().any(|c| c.iter().all(|&b| b == 0)) {
                            c.push(vec![0; PAGE_US].into());
                        }
                    }
                }
                MADV_DONTFORK => s.dontfork = true,
                MADV_DOFORK => s.dontfork = false,
                MADV_WIPEONFORK => s.wipeonfork = true,
                MADV_KEEPONFORK => s.wipeonfork = false,
                _ => {}
            }
        }
        Ok(())
    }

    fn mremap(&mut self, i: usize, a: u64, old: u64, new: u64, mode: RemapMode) -> Result<(), TestCaseError> {
        let pid = self.procs[i].pid;
        let (flags, target) = match mode {
            RemapMode::InPlace => (0, 0),
            RemapMode::MayMove => (1, 0),
            RemapMode::Fixed(p) => (1 | 2, addr(p)),
            RemapMode::DontUnmap(p) => (1 | 2 | 4, addr(p)),
        };
        let dontunmap = matches!(mode, RemapMode::DontUnmap(_));
        let new = if dontunmap { old } else { new };
        let r = self.k.sys_mremap(pid, a, old, new, flags, target);
        // A refused call changes nothing (the comparison of the mappings
        // after the step checks that).
        let Ok(x) = r else { return Ok(()) };
        note(format!("mremap {:?}", mode).split('(').next().expect("a name"), 1);
        let p = &mut self.procs[i];
        match mode {
            RemapMode::Fixed(_) | RemapMode::DontUnmap(_) if old == new => {
                // remap_move: each source VMA moves on its own, gaps kept and
                // the destination's gaps untouched.
                prop_assert_eq!(x, target);
                let src = p.mapped(a, a + old);
                for (q, _) in &src {
                    p.pages.remove(&(x + (q - a)));
                }
                for (q, s) in &src {
                    if dontunmap {
                        p.pages.get_mut(q).expect("mapped").emptied();
                    } else {
                        p.pages.remove(q);
                    }
                    p.pages.insert(x + (q - a), s.clone());
                }
            }
            _ if x == a && new <= old => p.unmap(a + new, a + old),
            _ if x == a => {
                let last = p.pages.get(&(a + old - PAGE)).cloned().expect("grown from a mapped page");
                p.map_src(a + old, (new - old) / PAGE, last.after(1));
            }
            _ => {
                // Moved: `min(old, new)` bytes go along, growth continues
                // the last page's object.
                let src = p.mapped(a, a + old);
                let last = src.last().map(|(_, s)| s.after(1)).expect("moved a mapped range");
                p.unmap(a, a + old);
                p.unmap(x, x + new);
                for (q, s) in src {
                    if q - a < new {
                        p.pages.insert(x + (q - a), s);
                    }
                }
                if new > old {
                    p.map_src(x + old, (new - old) / PAGE, last);
                }
            }
        }
        Ok(())
    }

    /// The invariants hold, and every process's mappings and bytes agree
    /// with the shadow (`all`: every process; else only process `only`).
    fn verify(&mut self, only: Option<usize>) -> Result<(), TestCaseError> {
        let v = self.k.check_invariants();
        prop_assert!(v.is_empty(), "step {}: invariants broken: {:?}", self.step, v);
        for i in 0..self.procs.len() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let pid = self.procs[i].pid;
            let maps = self.k.maps(pid, 0, u64::MAX).expect("maps");
            let mut sim: BTreeMap<u64, u64> = BTreeMap::new();
            for e in &maps {
                let b = e.perms.as_bytes();
                // x86: write implies read.
                let prot = if b[0] == b'r' || b[1] == b'w' { R } else { 0 }
                    | if b[1] == b'w' { W } else { 0 }
                    | if b[2] == b'x' { X } else { 0 };
                for a in (e.start..e.end).step_by(PAGE_US) {
                    sim.insert(a, prot);
                }
            }
            let shadow: BTreeMap<u64, u64> = self.procs[i]
                .pages
                .iter()
                .map(|(&a, s)| (a, if s.prot & W != 0 { s.prot | R } else { s.prot }))
                .collect();
            prop_assert_eq!(&sim, &shadow, "step {}: process {}: mapped pages and protections differ", self.step, i);
            let t = self.k.task(pid).expect("task").clone();
            let pages: Vec<(u64, Shadow)> = self.procs[i].mapped(0, u64::MAX);
            for (a, s) in pages {
                if self.past_eof(&s) {
                    continue;
                }
                for off in [0usize, 1, 2048, 4095] {
                    let got = t.mm.peek_byte(a + off as u64).expect("mapped");
                    self.observe(i, a, off, &[got])?;
                }
            }
        }
        Ok(())
    }
}

/// Which swap device, reclaim policy and page allocator.
#[derive(Clone, Debug)]
struct Setup {
    device: &'static str,
    policy: &'static str,
    allocator: &'static str,
}

fn machine(setup: &Setup) -> MachineConfig {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = if setup.device == "file" {
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("mmsim-integrity-swap-{}-{n}", std::process::id())).display().to_string()
    } else {
        String::new()
    };
    let spec = SwapSpec {
        device: setup.device.to_string(),
        config: SwapDeviceConfig { path, size: Some(4 << 20), ..Default::default() },
        prio: -1,
    };
    const { assert!(RAM_PAGES >= 64 + mm_core::vmscan::FOLIO_BATCH_SIZE as u64) };
    MachineConfig {
        ram: RAM_PAGES * PAGE,
        nr_cpus: 2,
        reclaim: setup.policy.to_string(),
        allocator: setup.allocator.to_string(),
        swap: vec![spec],
        ..MachineConfig::default()
    }
}

fn run(setup: &Setup, ops: &[Op], exit_order: &[usize]) -> Result<(), TestCaseError> {
    let mut k = Kernel::new(&machine(setup)).expect("machine");
    let m = k.machine().clone();
    m.drain_all_pages();
    let free_at_boot = m.nr_free_pages();
    let mut objs = Vec::new();
    for (f, &size) in FILE_SIZES.iter().enumerate() {
        let mut fill = |p: u64, page: &mut [u8]| {
            for (j, b) in page.iter_mut().enumerate() {
                *b = file_byte(f, p * PAGE + j as u64);
            }
        };
        k.create_file(&format!("f{f}"), size, &mut fill).expect("file");
        // Whole pages: what a shared mapping writes past the end, in the
        // last page, stays in the page (and is not part of the file).
        let mut bytes: Vec<u8> = (0..size.div_ceil(PAGE) * PAGE).map(|i| file_byte(f, i)).collect();
        bytes[size as usize..].fill(0);
        objs.push(bytes);
    }
    let pid = k.spawn().expect("process");
    let fds = [0, 1].map(|f| k.sys_openat(pid, &format!("f{f}"), 2).expect("open") as i64);
    let mut w = World { k, procs: vec![Proc { pid, pages: BTreeMap::new(), fds }], objs, step: 0 };
    // A start that fills memory: private anonymous memory, both files
    // mapped (one shared, one private), shared anonymous memory.
    let prelude = [
        Op::Mmap { who: 0, page: 0, n: 24, prot: R | W, kind: Kind::Anon, populate: false },
        Op::Mmap {
            who: 0,
            page: 24,
            n: 16,
            prot: R | W,
            kind: Kind::File { f: 0, pg: 4, shared: true },
            populate: false,
        },
        Op::Mmap {
            who: 0,
            page: 40,
            n: 12,
            prot: R | W,
            kind: Kind::File { f: 1, pg: 0, shared: false },
            populate: false,
        },
        Op::Mmap { who: 0, page: 52, n: 12, prot: R | W, kind: Kind::Shmem, populate: false },
    ];
    for op in &prelude {
        w.apply(op)?;
    }
    for (step, op) in ops.iter().enumerate() {
        w.step = step;
        w.apply(op)?;
        let who = match *op {
            Op::Fork(_) | Op::Exit(_) => None,
            Op::Mmap { who, .. }
            | Op::Munmap { who, .. }
            | Op::Mprotect { who, .. }
            | Op::Mremap { who, .. }
            | Op::Madvise { who, .. }
            | Op::Msync { who, .. }
            | Op::Store { who, .. }
            | Op::Load { who, .. }
            | Op::LoadPage { who, .. } => Some(who % w.procs.len()),
        };
        // Every process every few steps; the one that acted after each.
        w.verify(if step % 8 == 7 { None } else { who })?;
    }
    w.step = ops.len();
    // Every byte of every page, through loads that fault.
    for i in 0..w.procs.len() {
        let pages: Vec<(u64, Shadow)> = w.procs[i].mapped(0, u64::MAX);
        for (a, s) in pages {
            if s.prot != 0 && !w.past_eof(&s) {
                w.load(i, 0, a, 0, PAGE_US)?;
            }
        }
    }
    w.verify(None)?;
    // The files hold what the shared mappings wrote.
    for (f, &size) in FILE_SIZES.iter().enumerate() {
        let inode = w.k.tmpfs().lookup(&format!("f{f}")).expect("file");
        let file = mm_core::fs::File::open(inode.clone(), mm_core::fs::FMode::READ, "f");
        let mut got = vec![0u8; size as usize];
        let n = inode.fops.read(&file, 0, &mut got).expect("read");
        prop_assert_eq!(n, got.len());
        prop_assert!(got == w.objs[f][..got.len()], "file f{} differs", f);
    }
    // Every process exits, in the order given, then the files go.
    for &e in exit_order {
        if w.procs.is_empty() {
            break;
        }
        let p = w.procs.remove(e % w.procs.len());
        prop_assert!(w.k.exit(p.pid));
        let v = w.k.check_invariants();
        prop_assert!(v.is_empty(), "invariants broken after exit: {:?}", v);
    }
    for p in std::mem::take(&mut w.procs) {
        w.k.exit(p.pid);
    }
    let k = w.k;
    for f in 0..2 {
        k.tmpfs().unlink(&format!("f{f}")).expect("unlink");
    }
    let v = k.check_invariants();
    prop_assert!(v.is_empty(), "invariants broken after unlink: {:?}", v);
    // Pages only a CPU's LRU batch still holds are freed when it drains:
    // each exit drained the CPU it ran on, the other CPU's batch waits
    // for `lru_add_drain_all`, as in the kernel.
    m.lru_add_drain_all();
    m.drain_all_pages();
    prop_assert_eq!(m.nr_free_pages(), free_at_boot, "frames leaked after exit and unlink");
    prop_assert_eq!(m.swap().nr_swap_pages(), m.swap().total_swap_pages() as i64, "swap slots leaked");
    for si in m.swap().areas() {
        prop_assert_eq!(si.inuse_pages(), 0);
        for off in 1..=si.pages() {
            prop_assert_eq!(si.swap_map(off), (0, false), "swap slot {} still in use", off);
        }
    }
    note("pages swapped out", m.vmstat().get(VmEvent::PswpOut));
    note("pages swapped in", m.vmstat().get(VmEvent::PswpIn));
    note("pages reclaimed", m.vmstat().get(VmEvent::PgStealDirect) + m.vmstat().get(VmEvent::PgStealKswapd));
    note("lazily freed pages dropped", m.vmstat().get(VmEvent::PgLazyFreed));
    note("oom kills", m.vmstat().get(VmEvent::OomKill));
    drop(k);
    Ok(())
}

thread_local! {
    /// What the cases of this thread did: events counted by name.
    static STATS: std::cell::RefCell<BTreeMap<String, u64>> = const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// Counts one event `what` (`n` times).
fn note(what: &str, n: u64) {
    STATS.with(|s| *s.borrow_mut().entry(what.to_string()).or_default() += n);
}

fn cases() -> u32 {
    std::env::var("MMSIM_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES)
}

/// Runs the property on `device` under every policy with every allocator.
fn integrity_on(device: &'static str) {
    for policy in mm_core::vmscan::reclaim_policy_names() {
        for allocator in mm_core::machine::allocator_names() {
            let setup = Setup { device, policy, allocator };
            let mut runner = TestRunner::new(Config {
                cases: cases(),
                failure_persistence: None,
                max_shrink_iters: 4096,
                ..Config::default()
            });
            let strategy = (prop::collection::vec(op(), 1..120), prop::collection::vec(0..MAX_PROCS, MAX_PROCS));
            let r = runner.run(&strategy, |(ops, exit_order)| run(&setup, &ops, &exit_order));
            if let Err(e) = r {
                panic!("{setup:?}: {e}");
            }
            let stats = STATS.with(|s| std::mem::take(&mut *s.borrow_mut()));
            eprintln!("{setup:?}: {} cases: {stats:?}", cases());
        }
    }
}

#[test]
fn integrity_under_pressure_on_zram() {
    integrity_on("zram");
}

#[test]
fn integrity_under_pressure_on_a_swap_file() {
    integrity_on("file");
}
