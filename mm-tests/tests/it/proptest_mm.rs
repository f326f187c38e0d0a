//! Random sequences of mmap (anonymous, private and shared file mappings of
//! a tmpfs file, shared anonymous memory), munmap, mprotect, mremap,
//! madvise, brk, loads and stores, checked after every step against a
//! page-level shadow model (which pages are mapped, with what protection,
//! what each reads: its own copy, the file's bytes or zeroes) and against
//! the kernel's invariants (`MmStruct::check_invariants`: entries within
//! VMAs, map counts, page-cache pages at their file offsets, rss counters,
//! page-table pages, TLB coherence).  At the end the process exits and the
//! file is removed, and every frame, page tables and page cache included,
//! must be free again.

use mm_core::errno::{Errno, Signal};
use mm_core::fs::Filesystem;
use mm_core::{Kernel, MachineConfig, Pid};
use proptest::prelude::*;
// Registers the backends (the x86-64 formats and the example allocator).
use std::collections::BTreeMap;

const PAGE: u64 = 4096;
/// The region the operations work in: 96 pages straddling a 2 MiB
/// boundary, so page tables are shared, split and freed.
const BASE: u64 = 0x1_001d_0000;
const PAGES: u64 = 96;
const BRK: u64 = 0x2_0000_0000;

const R: u64 = 1;
const W: u64 = 2;
const X: u64 = 4;

#[derive(Clone, Debug)]
enum Place {
    Fixed,
    NoReplace,
    Hint,
}

#[derive(Clone, Debug)]
enum RemapMode {
    InPlace,
    MayMove,
    Fixed(u64),
    DontUnmap(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Mmap {
        page: u64,
        n: u64,
        prot: u64,
        place: Place,
        populate: bool,
        noreserve: bool,
    },
    /// A `MAP_FIXED` mapping of the file from page `fpage` (`shared`), or
    /// of new shared anonymous memory (`fpage` None).
    MmapShared {
        page: u64,
        n: u64,
        prot: u64,
        fpage: Option<u64>,
        shared: bool,
        populate: bool,
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
        mode: RemapMode,
    },
    Madvise {
        page: u64,
        n: u64,
        advice: u64,
    },
    Brk {
        pages: u64,
    },
    Store {
        page: u64,
        val: u8,
    },
    Load {
        page: u64,
        off: u8,
    },
}

/// The tmpfs file the mappings share: `FILE_SIZE` bytes, so its last page
/// is partial and pages from `FILE_PAGES` on are past its end.
const FILE_SIZE: u64 = 40 * 4096 + 100;
const FILE_PAGES: u64 = FILE_SIZE.div_ceil(4096);

fn prot() -> impl Strategy<Value = u64> {
    prop_oneof![4 => Just(R | W), 2 => Just(R), 1 => Just(0), 1 => Just(R | W | X), 1 => Just(W), 1 => Just(R | X)]
}

fn op() -> impl Strategy<Value = Op> {
    let page = 0..PAGES;
    let n = 1..10u64;
    prop_oneof![
        5 => (page.clone(), n.clone(), prot(), prop_oneof![4 => Just(Place::Fixed), 1 => Just(Place::NoReplace), 1 => Just(Place::Hint)], prop::bool::weighted(0.15), prop::bool::weighted(0.1))
            .prop_map(|(page, n, prot, place, populate, noreserve)| Op::Mmap { page, n, prot, place, populate, noreserve }),
        4 => (page.clone(), n.clone(), prot(), prop::option::weighted(0.8, 0..FILE_PAGES + 4), any::<bool>(), prop::bool::weighted(0.15))
            .prop_map(|(page, n, prot, fpage, shared, populate)| Op::MmapShared { page, n, prot, fpage, shared: shared || fpage.is_none(), populate }),
        2 => (page.clone(), n.clone()).prop_map(|(page, n)| Op::Munmap { page, n }),
        3 => (page.clone(), n.clone(), prot()).prop_map(|(page, n, prot)| Op::Mprotect { page, n, prot }),
        2 => (page.clone(), n.clone(), n.clone(), prop_oneof![
                Just(RemapMode::InPlace), Just(RemapMode::MayMove),
                (0..PAGES).prop_map(RemapMode::Fixed), (0..PAGES).prop_map(RemapMode::DontUnmap)])
            .prop_map(|(page, old, new, mode)| Op::Mremap { page, old, new, mode }),
        2 => (page.clone(), n.clone(), prop::sample::select(vec![4u64, 8, 21, 3, 0, 1, 2]))
            .prop_map(|(page, n, advice)| Op::Madvise { page, n, advice }),
        1 => (0..12u64).prop_map(|pages| Op::Brk { pages }),
        6 => (page.clone(), any::<u8>()).prop_map(|(page, val)| Op::Store { page, val }),
        4 => (page, any::<u8>()).prop_map(|(page, off)| Op::Load { page, off }),
    ]
}

/// Where a mapped page's bytes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    /// Anonymous memory: zeroes until written.
    Anon,
    /// Page `pg` of object `obj` (0: the file; others: shared anonymous
    /// memory), through a shared or a private mapping.
    Obj { obj: usize, pg: u64, shared: bool },
}

/// What the shadow knows of one mapped page.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shadow {
    prot: u64,
    src: Src,
    /// The page's own bytes: written anonymous memory, or a private copy
    /// of a file page.
    own: Option<Box<[u8]>>,
    /// `MADV_FREE`d and not written since: `MADV_PAGEOUT` discards it, and
    /// reclaim may at any allocation.
    lazyfree: bool,
    /// Offset of the last store.
    last: u8,
}

impl Shadow {
    fn new(prot: u64, src: Src) -> Shadow {
        Shadow { prot, src, own: None, lazyfree: false, last: 0 }
    }
    /// The source of the page `i` pages after this one in the same VMA.
    fn src_after(&self, i: u64) -> Src {
        match self.src {
            Src::Anon => Src::Anon,
            Src::Obj { obj, pg, shared } => Src::Obj { obj, pg: pg + i, shared },
        }
    }
}

struct World {
    k: Kernel,
    pid: Pid,
    pages: BTreeMap<u64, Shadow>,
    brk: u64,
    /// The file's descriptor.
    fd: i64,
    /// The bytes of each object: the file (object 0) and every shared
    /// anonymous mapping made.
    objs: Vec<Vec<u8>>,
}

fn addr(page: u64) -> u64 {
    BASE + page * PAGE
}

impl World {
    fn map(&mut self, start: u64, n: u64, prot: u64) {
        self.map_src(start, n, prot, Src::Anon);
    }

    fn map_src(&mut self, start: u64, n: u64, prot: u64, src: Src) {
        let first = Shadow::new(prot, src);
        for i in 0..n {
            self.pages.insert(start + i * PAGE, Shadow::new(prot, first.src_after(i)));
        }
    }

    fn unmap(&mut self, start: u64, end: u64) {
        let keys: Vec<u64> = self.pages.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.pages.remove(&k);
        }
    }

    fn mapped(&self, start: u64, end: u64) -> Vec<(u64, Shadow)> {
        self.pages.range(start..end).map(|(&k, v)| (k, v.clone())).collect()
    }

    /// Whether an access to the page at `a` is `SIGBUS` (past the end of
    /// its object).
    fn past_eof(&self, a: u64) -> bool {
        match self.pages.get(&a).map(|s| s.src) {
            Some(Src::Obj { obj, pg, .. }) => pg >= (self.objs[obj].len() as u64) / PAGE,
            _ => false,
        }
    }

    /// The byte the page at `a` reads at `off`.
    fn byte(&self, a: u64, off: u8) -> u8 {
        let s = &self.pages[&a];
        if let Some(own) = &s.own {
            return own[off as usize];
        }
        match s.src {
            Src::Anon => 0,
            Src::Obj { obj, pg, .. } => self.objs[obj][(pg * PAGE) as usize + off as usize],
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let (k, pid) = (&self.k, self.pid);
        match *op {
            Op::Mmap { page, n, prot, ref place, populate, noreserve } => {
                let a = addr(page);
                let mut flags = 0x02 | 0x20; // MAP_PRIVATE|MAP_ANONYMOUS
                flags |= match place {
                    Place::Fixed => 0x10,
                    Place::NoReplace => 0x100000,
                    Place::Hint => 0,
                };
                if populate && !matches!(place, Place::Hint) {
                    flags |= 0x8000;
                }
                if noreserve {
                    flags |= 0x4000;
                }
                let r = k.sys_mmap(pid, a, n * PAGE, prot, flags, -1, 0);
                let taken = !self.mapped(a, a + n * PAGE).is_empty();
                match place {
                    Place::NoReplace if taken => prop_assert_eq!(r, Err(Errno::EEXIST)),
                    Place::Hint if taken => {
                        let x = r.expect("a hint never fails here");
                        prop_assert!(x != a, "a taken hint was used");
                        k.sys_munmap(pid, x, n * PAGE).expect("unmap the far mapping");
                    }
                    _ => {
                        prop_assert_eq!(r, Ok(a));
                        self.unmap(a, a + n * PAGE);
                        self.map(a, n, prot);
                    }
                }
            }
            Op::MmapShared { page, n, prot, fpage, shared, populate } => {
                let a = addr(page);
                // MAP_FIXED, and MAP_SHARED or MAP_PRIVATE.
                let mut flags = 0x10 | if shared { 0x01 } else { 0x02 };
                if populate {
                    flags |= 0x8000;
                }
                let src = match fpage {
                    Some(pg) => {
                        prop_assert_eq!(k.sys_mmap(pid, a, n * PAGE, prot, flags, self.fd, pg * PAGE), Ok(a));
                        Src::Obj { obj: 0, pg, shared }
                    }
                    None => {
                        prop_assert_eq!(k.sys_mmap(pid, a, n * PAGE, prot, flags | 0x20, -1, 0), Ok(a));
                        self.objs.push(vec![0; (n * PAGE) as usize]);
                        Src::Obj { obj: self.objs.len() - 1, pg: 0, shared: true }
                    }
                };
                self.unmap(a, a + n * PAGE);
                self.map_src(a, n, prot, src);
                if populate && !shared && prot & W != 0 {
                    // populate_vma_page_range faults a private writable
                    // mapping for writing: each page within the object gets
                    // its private copy now, and later stores through shared
                    // mappings of the same page no longer show in it.
                    for i in 0..n {
                        let p = a + i * PAGE;
                        if self.past_eof(p) {
                            break;
                        }
                        let Src::Obj { obj, pg, .. } = self.pages[&p].src else { unreachable!("an object mapping") };
                        let o = (pg * PAGE) as usize;
                        let copy: Box<[u8]> = self.objs[obj][o..o + PAGE as usize].into();
                        self.pages.get_mut(&p).expect("mapped").own = Some(copy);
                    }
                }
            }
            Op::Munmap { page, n } => {
                let a = addr(page);
                prop_assert_eq!(k.sys_munmap(pid, a, n * PAGE), Ok(0));
                self.unmap(a, a + n * PAGE);
            }
            Op::Mprotect { page, n, prot } => {
                let a = addr(page);
                let r = k.sys_mprotect(pid, a, n * PAGE, prot);
                // VMAs are changed up to the first hole.
                let mut changed = 0;
                for i in 0..n {
                    match self.pages.get_mut(&(a + i * PAGE)) {
                        Some(s) => {
                            s.prot = prot;
                            changed += 1;
                        }
                        None => break,
                    }
                }
                if changed == n {
                    prop_assert_eq!(r, Ok(0));
                } else {
                    prop_assert_eq!(r, Err(Errno::ENOMEM));
                }
            }
            Op::Mremap { page, old, new, ref mode } => self.mremap(addr(page), old * PAGE, new * PAGE, mode)?,
            Op::Madvise { page, n, advice } => {
                let a = addr(page);
                let r = k.sys_madvise(pid, a, n * PAGE, advice);
                let range = self.mapped(a, a + n * PAGE);
                let covered = range.len() as u64;
                // MADV_FREE stops with EINVAL at the first VMA that is not
                // anonymous memory.
                let first_file = range.iter().position(|(_, s)| matches!(s.src, Src::Obj { .. }));
                let done = match (advice, first_file) {
                    (8, Some(i)) => {
                        prop_assert_eq!(r, Err(Errno::EINVAL));
                        i
                    }
                    _ if covered == n => {
                        prop_assert_eq!(r, Ok(0));
                        range.len()
                    }
                    _ => {
                        prop_assert_eq!(r, Err(Errno::ENOMEM));
                        range.len()
                    }
                };
                for (p, _) in &range[..done] {
                    let s = self.pages.get_mut(p).expect("mapped");
                    match advice {
                        4 => {
                            s.own = None;
                            s.lazyfree = false;
                        }
                        8 => s.lazyfree = true,
                        21 if s.lazyfree => {
                            s.own = None;
                            s.lazyfree = false;
                        }
                        _ => {}
                    }
                }
            }
            Op::Brk { pages } => {
                let want = BRK + pages * PAGE - if pages % 3 == 1 { 100 } else { 0 };
                let got = k.sys_brk(pid, want).expect("brk returns a value");
                prop_assert_eq!(got, want, "brk in an empty area always succeeds");
                let old_end = self.brk.div_ceil(PAGE) * PAGE;
                let new_end = want.div_ceil(PAGE) * PAGE;
                if new_end < old_end {
                    self.unmap(new_end, old_end);
                } else if new_end > old_end {
                    self.map(old_end, (new_end - old_end) / PAGE, R | W);
                }
                self.brk = want;
            }
            Op::Store { page, val } => {
                let a = addr(page) + u64::from(val);
                let r = k.store(pid, a, val);
                let writable = self.pages.get(&addr(page)).is_some_and(|s| s.prot & W != 0);
                if !writable {
                    prop_assert!(matches!(r, Err(Signal::Segv { .. })), "store to {a:#x} gave {r:?}");
                } else if self.past_eof(addr(page)) {
                    prop_assert_eq!(r, Err(Signal::Bus { addr: a }));
                } else {
                    prop_assert_eq!(r, Ok(()));
                    // A private page's first write copies what it read.
                    let full: Box<[u8]> = match self.pages[&addr(page)].src {
                        Src::Obj { pg, obj, .. } => {
                            let o = (pg * PAGE) as usize;
                            self.objs[obj][o..o + PAGE as usize].into()
                        }
                        Src::Anon => vec![0; PAGE as usize].into(),
                    };
                    let s = self.pages.get_mut(&addr(page)).expect("mapped");
                    s.lazyfree = false;
                    s.last = val;
                    match s.src {
                        Src::Obj { obj, pg, shared: true } => {
                            self.objs[obj][(pg * PAGE) as usize + val as usize] = val;
                        }
                        _ => {
                            s.own.get_or_insert(full)[val as usize] = val;
                        }
                    }
                }
            }
            Op::Load { page, off } => {
                let a = addr(page) + u64::from(off);
                let r = k.load(pid, a);
                match self.pages.get(&addr(page)) {
                    Some(s) if s.prot != 0 => {
                        if self.past_eof(addr(page)) {
                            prop_assert_eq!(r, Err(Signal::Bus { addr: a }));
                        } else {
                            prop_assert_eq!(r, Ok(self.byte(addr(page), off)), "load at {:#x}", a);
                        }
                    }
                    _ => prop_assert!(matches!(r, Err(Signal::Segv { .. })), "load of {a:#x} gave {r:?}"),
                }
            }
        }
        Ok(())
    }

    /// The shadow of a successful move of `[a, a + old)` to `x`, keeping
    /// `min(old, new)` bytes and mapping the rest anew with the source's
    /// protection.
    fn moved(&mut self, a: u64, old: u64, new: u64, x: u64, dontunmap: bool) {
        let src = self.mapped(a, a + old);
        let prot = src.first().map_or(R | W, |s| s.1.prot);
        // The pages added by growth continue the last page's object.
        let grown = src.last().map_or(Src::Anon, |(_, s)| s.src_after(1));
        if dontunmap {
            for (p, _) in &src {
                self.emptied(*p);
            }
        } else {
            self.unmap(a, a + old);
        }
        self.unmap(x, x + new);
        for (p, s) in src {
            if p - a < new {
                self.pages.insert(x + (p - a), s);
            }
        }
        if new > old {
            self.map_src(x + old, (new - old) / PAGE, prot, grown);
        }
    }

    /// A page whose entries `MREMAP_DONTUNMAP` took away: it reads from its
    /// source again.
    fn emptied(&mut self, p: u64) {
        let e = self.pages.get_mut(&p).expect("mapped");
        e.own = None;
        e.lazyfree = false;
    }

    fn mremap(&mut self, a: u64, old: u64, new: u64, mode: &RemapMode) -> Result<(), TestCaseError> {
        let (k, pid) = (&self.k, self.pid);
        let (flags, target) = match *mode {
            RemapMode::InPlace => (0, 0),
            RemapMode::MayMove => (1, 0),
            RemapMode::Fixed(p) => (1 | 2, addr(p)),
            RemapMode::DontUnmap(p) => (1 | 2 | 4, addr(p)),
        };
        let new = if matches!(mode, RemapMode::DontUnmap(_)) { old } else { new };
        let r = k.sys_mremap(pid, a, old, new, flags, target);
        let Ok(x) = r else { return Ok(()) };
        match mode {
            RemapMode::Fixed(_) | RemapMode::DontUnmap(_) if old == new => {
                // remap_move: each source VMA moves on its own, gaps kept and
                // the destination's gaps untouched.
                prop_assert_eq!(x, target);
                let src = self.mapped(a, a + old);
                let dontunmap = matches!(mode, RemapMode::DontUnmap(_));
                for (p, _) in &src {
                    self.pages.remove(&(x + (p - a)));
                }
                for (p, s) in &src {
                    if dontunmap {
                        self.emptied(*p);
                    } else {
                        self.pages.remove(p);
                    }
                    self.pages.insert(x + (p - a), s.clone());
                }
            }
            _ if x == a && new <= old => self.unmap(a + new, a + old),
            _ if x == a => {
                let last = self.pages.get(&(a + old - PAGE));
                let prot = last.map_or(R | W, |s| s.prot);
                let src = last.map_or(Src::Anon, |s| s.src_after(1));
                self.map_src(a + old, (new - old) / PAGE, prot, src);
            }
            _ => self.moved(a, old, new, x, false),
        }
        Ok(())
    }

    /// Reclaim may discard a `MADV_FREE`d page not written since, at any
    /// allocation (`try_to_unmap` clears its entry): from then on it reads
    /// zeroes.  A lazily freed page whose entry is gone was discarded.
    fn lazyfree_discarded(&mut self) {
        let t = self.k.task(self.pid).expect("task");
        for (&a, s) in self.pages.iter_mut() {
            if s.lazyfree && s.own.is_some() && t.mm.lookup_pte(a).is_none() {
                s.own = None;
                s.lazyfree = false;
            }
        }
    }

    /// The shadow agrees with the simulator, and the invariants hold.
    fn verify(&self) -> Result<(), TestCaseError> {
        let t = self.k.task(self.pid).expect("task");
        // The address space's invariants, and the machine's: swap counts,
        // frames conserved, no page both free and mapped.
        let v = self.k.check_invariants();
        prop_assert!(v.is_empty(), "invariants broken: {:?}", v);
        let maps = self.k.maps(self.pid, 0, u64::MAX).expect("maps");
        let mut sim: BTreeMap<u64, u64> = BTreeMap::new();
        for e in &maps {
            let p = e.perms.as_bytes();
            let prot =
                if p[0] == b'r' { R } else { 0 } | if p[1] == b'w' { W } else { 0 } | if p[2] == b'x' { X } else { 0 };
            let mut a = e.start;
            while a < e.end {
                sim.insert(a, prot);
                a += PAGE;
            }
        }
        let shadow: BTreeMap<u64, u64> =
            self.pages.iter().map(|(&a, s)| (a, if s.prot == W { R | W } else { s.prot })).collect();
        let sim: BTreeMap<u64, u64> = sim.into_iter().map(|(a, p)| (a, if p == W { R | W } else { p })).collect();
        prop_assert_eq!(&sim, &shadow, "mapped pages and protections differ");
        for (&a, s) in &self.pages {
            if self.past_eof(a) {
                continue;
            }
            for off in [0, s.last, 255] {
                let got = t.mm.peek_byte(a + u64::from(off));
                prop_assert_eq!(got, Some(self.byte(a, off)), "contents of {:#x} at {}", a, off);
            }
        }
        Ok(())
    }
}

/// Byte `i` of the file, as `file` lines of scenarios fill it.
fn file_byte(i: u64) -> u8 {
    (i / PAGE + i) as u8
}

fn run_ops(cfg: MachineConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut k = Kernel::new(&cfg).expect("machine");
    let free_before = k.machine().nr_free_pages();
    let mut fill = |p: u64, page: &mut [u8]| {
        for (j, b) in page.iter_mut().enumerate() {
            *b = file_byte(p * PAGE + j as u64);
        }
    };
    k.create_file("f", FILE_SIZE, &mut fill).expect("file");
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "f", 2).expect("open") as i64;
    let mut file: Vec<u8> = (0..FILE_PAGES * PAGE).map(file_byte).collect();
    file[FILE_SIZE as usize..].fill(0);
    let mut w = World { k, pid, pages: BTreeMap::new(), brk: BRK, fd, objs: vec![file] };
    for op in ops {
        w.apply(op)?;
        w.lazyfree_discarded();
        w.verify()?;
    }
    let mut k = w.k;
    // The page cache holds what the shared mappings wrote.
    let t = k.task(pid).expect("task").clone();
    let inode = k.tmpfs().lookup("f").expect("the file");
    // Read through the file (pages out on swap come back).
    let f = mm_core::fs::File::open(inode.clone(), mm_core::fs::FMode::READ, "f");
    for (pg, want) in w.objs[0].chunks(PAGE as usize).enumerate() {
        let mut got = vec![0u8; PAGE as usize];
        // read(2) stops at the end of the file; what a shared mapping wrote
        // past it, in the last page, is not part of the file.
        let n = inode.fops.read(&f, pg as u64 * PAGE, &mut got).expect("read");
        prop_assert!(got[..n] == want[..n], "page {} of the file differs", pg);
    }
    drop((t, inode, f));
    k.exit(pid);
    k.tmpfs().unlink("f").expect("unlink");
    // Pages only the CPU's LRU batch still holds (the file's last pages,
    // if no exit_mmap with VMAs to zap drained it) are freed when it
    // drains.
    k.machine().lru_add_drain_all();
    k.machine().drain_all_pages();
    prop_assert_eq!(k.machine().nr_free_pages(), free_before, "frames leaked after exit and unlink");
    let swap = k.machine().swap();
    prop_assert_eq!(swap.nr_swap_pages(), swap.total_swap_pages() as i64, "swap slots leaked after exit and unlink");
    let v = k.check_invariants();
    prop_assert!(v.is_empty(), "invariants broken after exit: {:?}", v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn operations_keep_the_shadow_and_the_invariants(ops in prop::collection::vec(op(), 1..60)) {
        run_ops(MachineConfig::default(), &ops)?;
    }

    #[test]
    fn every_allocator_and_paging_mode_conserves_frames(
        ops in prop::collection::vec(op(), 1..40),
        alloc in prop::sample::select(mm_core::machine::allocator_names()),
        pt in prop::sample::select(mm_core::machine::page_table_names()),
    ) {
        let cfg = MachineConfig { allocator: alloc.to_string(), page_table: pt.to_string(), ..MachineConfig::default() };
        run_ops(cfg, &ops)?;
    }

    /// The same operations on a machine of 64 frames with swap: reclaim
    /// runs all the time, under every policy and on every swap device.
    #[test]
    fn swapping_keeps_the_shadow_and_the_invariants(
        ops in prop::collection::vec(op(), 1..60),
        policy in prop::sample::select(mm_core::vmscan::reclaim_policy_names()),
        device in prop::sample::select(vec!["zram", "file"]),
        page_cluster in 0u32..4,
    ) {
        let mut cfg = small_machine_with_swap(policy, device);
        cfg.tunables.page_cluster = page_cluster;
        run_ops(cfg, &ops)?;
    }
}

/// The swapping test's machine: 64 frames, swap on `device` (a 1 MiB zram
/// device or swap file), pages reclaimed under `policy`.
fn small_machine_with_swap(policy: &str, device: &str) -> MachineConfig {
    let path = if device == "file" {
        std::env::temp_dir().join(format!("mmsim-proptest-swap-{}", std::process::id())).display().to_string()
    } else {
        String::new()
    };
    let spec = mm_core::machine::SwapSpec {
        device: device.to_string(),
        config: mm_core::swap::SwapDeviceConfig { path, size: Some(1 << 20), ..Default::default() },
        prio: -1,
    };
    MachineConfig { ram: 64 * PAGE, reclaim: policy.to_string(), swap: vec![spec], ..MachineConfig::default() }
}

/// Found by the swapping test: `MAP_POPULATE` of a private writable file
/// mapping breaks COW at once (as on Linux), so a later store through a
/// shared mapping of the same file page does not show through it.  The
/// last, partial page of the file, and a whole one mapped `rwx`.
#[test]
fn a_populated_private_writable_mapping_has_its_own_copy() {
    let last_page = [
        Op::MmapShared { page: 44, n: 3, prot: R | W, fpage: Some(38), shared: true, populate: false },
        Op::MmapShared { page: 0, n: 1, prot: R | W, fpage: Some(40), shared: false, populate: true },
        Op::Store { page: 46, val: 0 },
    ];
    let rwx = [
        Op::MmapShared { page: 78, n: 5, prot: R | W, fpage: Some(1), shared: true, populate: false },
        Op::MmapShared { page: 0, n: 1, prot: R | W | X, fpage: Some(5), shared: false, populate: true },
        Op::Store { page: 82, val: 255 },
        Op::Load { page: 0, off: 255 },
    ];
    for ops in [&last_page[..], &rwx[..]] {
        run_ops(MachineConfig::default(), ops).expect("default machine");
        run_ops(small_machine_with_swap("clock", "zram"), ops).expect("64 frames with swap");
    }
}

/// Found by the swapping test: reclaim, run by the allocations of a
/// populate, discards a `MADV_FREE`d page not written since, which then
/// reads zeroes.
#[test]
fn reclaim_discards_a_lazily_freed_page() {
    let ops = [
        Op::MmapShared { page: 68, n: 3, prot: R | W, fpage: Some(5), shared: true, populate: false },
        Op::Mmap { page: 6, n: 4, prot: R | W | X, place: Place::Fixed, populate: false, noreserve: false },
        Op::Store { page: 70, val: 0 },
        Op::Store { page: 7, val: 1 },
        Op::Madvise { page: 5, n: 3, advice: 8 },
        Op::MmapShared { page: 8, n: 3, prot: R | W | X, fpage: Some(0), shared: false, populate: true },
        Op::Load { page: 7, off: 1 },
        Op::Store { page: 7, val: 2 },
    ];
    run_ops(small_machine_with_swap("lru", "zram"), &ops).expect("64 frames with swap");
}
