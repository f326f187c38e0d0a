//! Random sequences of mmap, munmap, mprotect, mremap, madvise, brk, loads
//! and stores, checked after every step against a page-level shadow model
//! (which pages are mapped, with what protection, holding which byte) and
//! against the kernel's invariants (`MmStruct::check_invariants`: entries
//! within VMAs, map counts, page-table pages, TLB coherence).  At the end
//! the process exits and every frame, page tables included, must be free
//! again.

use mm_core::errno::{Errno, Signal};
use mm_core::{Kernel, MachineConfig, Pid};
use proptest::prelude::*;
// Registers the backends (the x86-64 formats and the example allocator).
use mm_tests as _;
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
    Mmap { page: u64, n: u64, prot: u64, place: Place, populate: bool, noreserve: bool },
    Munmap { page: u64, n: u64 },
    Mprotect { page: u64, n: u64, prot: u64 },
    Mremap { page: u64, old: u64, new: u64, mode: RemapMode },
    Madvise { page: u64, n: u64, advice: u64 },
    Brk { pages: u64 },
    Store { page: u64, val: u8 },
    Load { page: u64 },
}

fn prot() -> impl Strategy<Value = u64> {
    prop_oneof![4 => Just(R | W), 2 => Just(R), 1 => Just(0), 1 => Just(R | W | X), 1 => Just(W), 1 => Just(R | X)]
}

fn op() -> impl Strategy<Value = Op> {
    let page = 0..PAGES;
    let n = 1..10u64;
    prop_oneof![
        5 => (page.clone(), n.clone(), prot(), prop_oneof![4 => Just(Place::Fixed), 1 => Just(Place::NoReplace), 1 => Just(Place::Hint)], prop::bool::weighted(0.15), prop::bool::weighted(0.1))
            .prop_map(|(page, n, prot, place, populate, noreserve)| Op::Mmap { page, n, prot, place, populate, noreserve }),
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
        4 => page.prop_map(|page| Op::Load { page }),
    ]
}

/// What the shadow knows of one mapped page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shadow {
    prot: u64,
    val: u8,
    /// `MADV_FREE`d and not written since: `MADV_PAGEOUT` discards it.
    lazyfree: bool,
}

struct World {
    k: Kernel,
    pid: Pid,
    pages: BTreeMap<u64, Shadow>,
    brk: u64,
}

fn addr(page: u64) -> u64 {
    BASE + page * PAGE
}

impl World {
    fn map(&mut self, start: u64, n: u64, prot: u64) {
        for i in 0..n {
            self.pages.insert(start + i * PAGE, Shadow { prot, val: 0, lazyfree: false });
        }
    }

    fn unmap(&mut self, start: u64, end: u64) {
        let keys: Vec<u64> = self.pages.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.pages.remove(&k);
        }
    }

    fn mapped(&self, start: u64, end: u64) -> Vec<(u64, Shadow)> {
        self.pages.range(start..end).map(|(&k, &v)| (k, v)).collect()
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
                let covered = self.mapped(a, a + n * PAGE).len() as u64;
                if covered == n {
                    prop_assert_eq!(r, Ok(0));
                } else {
                    prop_assert_eq!(r, Err(Errno::ENOMEM));
                }
                for (p, _) in self.mapped(a, a + n * PAGE) {
                    let s = self.pages.get_mut(&p).expect("mapped");
                    match advice {
                        4 => {
                            s.val = 0;
                            s.lazyfree = false;
                        }
                        8 => s.lazyfree = true,
                        21 if s.lazyfree => {
                            s.val = 0;
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
                match self.pages.get_mut(&addr(page)) {
                    Some(s) if s.prot & W != 0 => {
                        prop_assert_eq!(r, Ok(()));
                        s.val = val;
                        s.lazyfree = false;
                    }
                    _ => prop_assert!(matches!(r, Err(Signal::Segv { .. })), "store to {a:#x} gave {r:?}"),
                }
            }
            Op::Load { page } => {
                // Read where the last store wrote: at its value as offset.
                let off = self.pages.get(&addr(page)).map_or(0, |s| u64::from(s.val));
                let a = addr(page) + off;
                let r = k.load(pid, a);
                match self.pages.get(&addr(page)) {
                    Some(s) if s.prot != 0 => prop_assert_eq!(r, Ok(s.val), "load at {:#x}", a),
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
        if dontunmap {
            for (p, _) in &src {
                let s = self.pages.get_mut(p).expect("mapped");
                s.val = 0;
                s.lazyfree = false;
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
            self.map(x + old, (new - old) / PAGE, prot);
        }
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
                        let e = self.pages.get_mut(p).expect("mapped");
                        e.val = 0;
                        e.lazyfree = false;
                    } else {
                        self.pages.remove(p);
                    }
                    self.pages.insert(x + (p - a), *s);
                }
            }
            _ if x == a && new <= old => self.unmap(a + new, a + old),
            _ if x == a => {
                let prot = self.pages.get(&(a + old - PAGE)).map_or(R | W, |s| s.prot);
                self.map(a + old, (new - old) / PAGE, prot);
            }
            _ => self.moved(a, old, new, x, false),
        }
        Ok(())
    }

    /// The shadow agrees with the simulator, and the invariants hold.
    fn verify(&self) -> Result<(), TestCaseError> {
        let t = self.k.task(self.pid).expect("task");
        let v = t.mm.check_invariants();
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
            let got = t.mm.peek_byte(a + u64::from(s.val));
            prop_assert_eq!(got, Some(s.val), "contents of {:#x}", a);
        }
        Ok(())
    }
}

fn run_ops(cfg: MachineConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut k = Kernel::new(&cfg).expect("machine");
    let free_before = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    let mut w = World { k, pid, pages: BTreeMap::new(), brk: BRK };
    for op in ops {
        w.apply(op)?;
        w.verify()?;
    }
    let mut k = w.k;
    k.exit(pid);
    k.machine().alloc.drain();
    prop_assert_eq!(k.machine().nr_free_pages(), free_before, "frames leaked after exit");
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
}
