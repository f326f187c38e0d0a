//! MMUs that keep fewer address spaces apart than x86's six PCIDs: the
//! core's ASID choice (`switch_mm` -> `choose_new_asid`, round robin over
//! [`Mmu::nr_asids`]) must stay correct with one or two ASIDs, recycling
//! and flushing slots more often.  `test-asids-1` and `test-asids-2` are
//! the x86-64 four-level format with an MMU that reports one or two ASIDs
//! and rejects any other; fork- and exec-heavy runs must print exactly what
//! they print on the default format, with the invariants (no stale TLB
//! entry among them) intact.

use linkme::distributed_slice;
use mm_api::arch::{
    Asid, Exception, Geometry, KernelLayout, Level, MM_PAGE_TABLE_FORMATS, Mmu, PageTableFormat, PageTableFormatDesc,
    Pte, PteFlags, TableEntry, TableLayout, TlbConfig, TlbEntryView, TlbStats,
};
use mm_api::flags::{Access, VmFlags};
use mm_api::phys::PhysMem;
use mm_api::trace::Tracer;
use mm_api::types::{Pfn, PhysAddr};
use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE, Pid};
use mm_sim::RunOptions;

/// The x86-64 four-level format, with an MMU of `nr_asids` ASIDs.
struct FewAsids {
    x86: mm_x86::X86Format,
    name: &'static str,
    nr_asids: usize,
}

impl PageTableFormat for FewAsids {
    fn name(&self) -> &'static str {
        self.name
    }
    fn geometry(&self) -> Geometry {
        self.x86.geometry()
    }
    fn task_size(&self) -> u64 {
        self.x86.task_size()
    }
    fn vm_get_page_prot(&self, vm_flags: VmFlags) -> PteFlags {
        self.x86.vm_get_page_prot(vm_flags)
    }
    fn decode_pte(&self, raw: u64) -> Pte {
        self.x86.decode_pte(raw)
    }
    fn encode_pte(&self, pte: Pte) -> u64 {
        self.x86.encode_pte(pte)
    }
    fn decode_table(&self, level: Level, raw: u64) -> TableEntry {
        self.x86.decode_table(level, raw)
    }
    fn table_layout(&self) -> Option<TableLayout> {
        self.x86.table_layout()
    }
    fn mk_table(&self, level: Level, pfn: Pfn) -> u64 {
        self.x86.mk_table(level, pfn)
    }
    fn new_mmu(&self, cpu: usize, tlb: TlbConfig) -> Box<dyn Mmu> {
        Box::new(FewAsidsMmu { hw: self.x86.new_mmu(cpu, tlb), nr_asids: self.nr_asids })
    }
    fn mk_kernel_table(&self, level: Level, pfn: Pfn) -> u64 {
        self.x86.mk_kernel_table(level, pfn)
    }
    fn mk_huge_leaf(&self, level: Level, pfn: Pfn, flags: PteFlags) -> Option<u64> {
        self.x86.mk_huge_leaf(level, pfn, flags)
    }
    fn kernel_layout(&self) -> Option<KernelLayout> {
        self.x86.kernel_layout()
    }
}

/// An x86 MMU that offers only `nr_asids` ASIDs: the core may use no other.
struct FewAsidsMmu {
    hw: Box<dyn Mmu>,
    nr_asids: usize,
}

impl FewAsidsMmu {
    fn check(&self, asid: Asid) {
        assert!((asid as usize) < self.nr_asids, "ASID {asid} used on an MMU with {} of them", self.nr_asids);
    }
}

impl Mmu for FewAsidsMmu {
    fn translate(&mut self, phys: &PhysMem, va: u64, access: Access, user: bool) -> Result<PhysAddr, Exception> {
        self.hw.translate(phys, va, access, user)
    }
    fn nr_asids(&self) -> usize {
        self.nr_asids
    }
    fn switch_mm(&mut self, trace: &Tracer, root: Pfn, asid: Asid, flush: bool) {
        self.check(asid);
        self.hw.switch_mm(trace, root, asid, flush);
    }
    fn current_mm(&self) -> (Pfn, Option<Asid>) {
        self.hw.current_mm()
    }
    fn flush_tlb_one_user(&mut self, asid: Asid, va: u64) {
        self.check(asid);
        self.hw.flush_tlb_one_user(asid, va);
    }
    fn flush_tlb_one_kernel(&mut self, va: u64) {
        self.hw.flush_tlb_one_kernel(va);
    }
    fn flush_tlb_asid(&mut self, asid: Asid) {
        self.check(asid);
        self.hw.flush_tlb_asid(asid);
    }
    fn flush_tlb_all(&mut self) {
        self.hw.flush_tlb_all();
    }
    fn entries(&self) -> Vec<TlbEntryView> {
        let v = self.hw.entries();
        for e in &v {
            if let Some(asid) = e.asid {
                self.check(asid);
            }
        }
        v
    }
    fn stats(&self) -> TlbStats {
        self.hw.stats()
    }
}

fn new_one_asid() -> Box<dyn PageTableFormat> {
    Box::new(FewAsids { x86: mm_x86::X86Format::new(false), name: "test-asids-1", nr_asids: 1 })
}

fn new_two_asids() -> Box<dyn PageTableFormat> {
    Box::new(FewAsids { x86: mm_x86::X86Format::new(false), name: "test-asids-2", nr_asids: 2 })
}

#[distributed_slice(MM_PAGE_TABLE_FORMATS)]
static TEST_ASIDS_1: PageTableFormatDesc = PageTableFormatDesc {
    name: "test-asids-1",
    description: "x86-64 four-level paging, an MMU with one ASID (tests only)",
    new: new_one_asid,
};

#[distributed_slice(MM_PAGE_TABLE_FORMATS)]
static TEST_ASIDS_2: PageTableFormatDesc = PageTableFormatDesc {
    name: "test-asids-2",
    description: "x86-64 four-level paging, an MMU with two ASIDs (tests only)",
    new: new_two_asids,
};

const FORMATS: [&str; 2] = ["test-asids-1", "test-asids-2"];

const A: u64 = 0x1_0000_0000;

fn machine(page_table: &str) -> Kernel {
    Kernel::new(&MachineConfig { page_table: page_table.into(), ..MachineConfig::default() }).expect("machine")
}

/// `n` processes on CPU 0, each with page `A` holding its pid.
fn processes(k: &mut Kernel, n: usize) -> Vec<Pid> {
    let pids: Vec<Pid> = (0..n).map(|_| k.spawn().expect("process")).collect();
    for &p in &pids {
        assert_eq!(k.sys_mmap(p, A, 4096, 3, 0x32, -1, 0), Ok(A));
        k.store(p, A, p as u8).expect("store");
    }
    pids
}

/// Page walks CPU 0 makes for `rounds` rounds of one load per process.
fn misses_over_rounds(k: &Kernel, pids: &[Pid], rounds: usize) -> u64 {
    let misses = || k.machine().tlb_stats(0).expect("cpu 0").misses;
    let before = misses();
    for _ in 0..rounds {
        for &p in pids {
            assert_eq!(k.load(p, A), Ok(p as u8));
            let v = k.check_invariants();
            assert!(v.is_empty(), "{v:?}");
        }
    }
    misses() - before
}

/// With one ASID, every switch takes the slot over and flushes it: each
/// load after a switch walks the tables.
#[test]
fn one_asid_is_flushed_at_every_switch() {
    let mut k = machine("test-asids-1");
    assert_eq!(k.machine().tlb_contexts(0).expect("cpu 0").len(), 1);
    let pids = processes(&mut k, 2);
    assert_eq!(misses_over_rounds(&k, &pids, 5), 10, "one walk per access");
}

/// With two ASIDs, two processes keep their entries across switches; a
/// third makes the round robin take a slot over at every switch.
#[test]
fn two_asids_keep_two_address_spaces_and_recycle_for_three() {
    let mut k = machine("test-asids-2");
    assert_eq!(k.machine().tlb_contexts(0).expect("cpu 0").len(), 2);
    let pids = processes(&mut k, 2);
    misses_over_rounds(&k, &pids, 1);
    assert_eq!(misses_over_rounds(&k, &pids, 5), 0, "both stay cached");
    let mut k = machine("test-asids-2");
    let pids = processes(&mut k, 3);
    assert_eq!(misses_over_rounds(&k, &pids, 5), 15, "every switch recycles a slot");
    let ids: std::collections::HashSet<u64> =
        k.machine().tlb_contexts(0).expect("cpu 0").iter().map(|c| c.ctx_id).filter(|&id| id != 0).collect();
    assert_eq!(ids.len(), 2, "both slots in use, by different address spaces");
}

/// Runs every case of `subdir` on the default format and on each
/// few-ASID format: the outputs must be the same and the invariants hold
/// at the end.  Returns the whole-ASID flushes of each format's CPU 0.
fn same_output_with_fewer_asids(subdir: &str, at_least: usize) -> Vec<u64> {
    let cases = mm_tests::cases(subdir);
    assert!(cases.len() >= at_least, "{subdir}: only {} cases", cases.len());
    let mut flushes = vec![0; FORMATS.len() + 1];
    for c in &cases {
        let src = std::fs::read(c).expect("scenario");
        let s = mm_sim::parse(&src).expect("parse");
        let run = |pt: &str| {
            let opts = RunOptions {
                machine: MachineConfig { page_table: pt.into(), ..MachineConfig::default() },
                ..RunOptions::default()
            };
            let (out, k) = mm_sim::run_keep(&s, &opts).unwrap_or_else(|e| panic!("{}: {pt}: {e}", c.display()));
            let v = k.check_invariants();
            assert!(v.is_empty(), "{}: {pt}: {v:?}", c.display());
            (out, k.machine().tlb_stats(0).expect("cpu 0").flushes)
        };
        let (want, f) = run("x86-64-4level");
        flushes[0] += f;
        for (i, pt) in FORMATS.iter().enumerate() {
            let (got, f) = run(pt);
            flushes[i + 1] += f;
            if let Some(d) = mm_tests::first_difference(&want, &got) {
                panic!("{}: {pt} differs from x86-64-4level: {d}", c.display());
            }
        }
    }
    flushes
}

/// The fork cases recorded on Linux (several processes taking turns on
/// one CPU) print the same with one or two ASIDs; fewer ASIDs flush more.
#[test]
fn fork_cases_print_the_same_with_fewer_asids() {
    for (dir, n) in [("forks", 300), ("forks-long", 400)] {
        let f = same_output_with_fewer_asids(dir, n);
        assert!(f[1] > f[2] && f[2] > f[0], "{dir}: whole-ASID flushes 6/1/2 ASIDs: {f:?}");
    }
}

fn exec_binary(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/data/exec/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Eight forked children (more than x86's six PCIDs) exec real programs
/// and take turns reading the first byte of each of their mappings and
/// writing their stacks: the same bytes, faults and maps on every format.
fn exec_turns(page_table: &str) -> Vec<String> {
    let mut k = machine(page_table);
    for name in ["static", "interp", "pie"] {
        let bytes = exec_binary(name);
        k.create_file(name, bytes.len() as u64, &mut |page, buf| {
            let off = (page * PAGE_SIZE) as usize;
            let n = buf.len().min(bytes.len() - off);
            buf[..n].copy_from_slice(&bytes[off..off + n]);
        })
        .expect("create");
    }
    let parent = k.spawn().expect("spawn");
    let mut log = Vec::new();
    let mut pids = Vec::new();
    for i in 0..8 {
        let child = k.fork(parent).expect("fork");
        let path = format!("/tmp/mmsim-exec/{}", if i % 2 == 0 { "static" } else { "pie" });
        let argv = vec![path.as_bytes().to_vec(), b"x".to_vec()];
        k.execve(child, &path, &argv, &[b"A=1".to_vec()]).expect("execve");
        pids.push(child);
    }
    for round in 0..3u8 {
        for &p in &pids {
            for e in k.maps(p, 0, u64::MAX).expect("maps") {
                let got = k.load(p, e.start);
                log.push(format!("{round} {p} {:#x} {} {got:?}", e.start, e.perms));
                if e.path == "[stack]" {
                    let top = e.end - 1 - round as u64;
                    k.store(p, top, round ^ p as u8).expect("stack store");
                }
            }
            log.push(format!("{round} {p} faults {:?}", k.faults(p).expect("faults")));
        }
        let v = k.check_invariants();
        assert!(v.is_empty(), "{page_table}: round {round}: {v:?}");
    }
    for &p in &pids {
        let stack = k.maps(p, 0, u64::MAX).expect("maps").into_iter().find(|e| e.path == "[stack]").expect("stack");
        for round in 0..3u8 {
            log.push(format!("{p} stack {:?}", k.load(p, stack.end - 1 - round as u64)));
        }
    }
    log
}

#[test]
fn exec_heavy_turns_are_the_same_with_fewer_asids() {
    let want = exec_turns("x86-64-4level");
    for pt in FORMATS {
        assert_eq!(exec_turns(pt), want, "{pt}");
    }
}
