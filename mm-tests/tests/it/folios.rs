//! Large folios in the page cache, readahead and fault-around as Linux
//! 6.18 does them, checked against what the real kernel did:
//! `tools/folios/folio-probe.c` maps a 32 MiB file on ext4 (this machine's
//! `/dev/vda`, `read_ahead_kb` 8192: 2048 pages) with a cold cache, loads
//! bytes, and prints the faults, the pages present and the folios cached
//! (`tools/folios/folio-probe.out`).  Here the same file comes from a root
//! snapshot whose `fs` line gives ext4 and `ra=2048`, and the model must
//! print the same lines.

use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE, Pid};
use mm_fs_host::HostFs;
use std::fmt::Write as _;

const NPAGES: u64 = 8192;

fn recorded() -> String {
    let p = format!("{}/tools/folios/folio-probe.out", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The recorded block of one case.
fn recorded_case(name: &str) -> String {
    let text = recorded();
    let head = format!("case {name}\n");
    let at = text.find(&head).unwrap_or_else(|| panic!("no case {name}"));
    let rest = &text[at + head.len()..];
    let end = rest.find("case ").unwrap_or(rest.len());
    format!("{head}{}", &rest[..end])
}

fn snapshot(extra: &str) -> String {
    format!(
        "mmsim-root-snapshot 1\nfs fe:00 ext4 ra=2048\n{extra}d /tmp 1777 fe:00 11 4096\nf /tmp/folio-probe.dat 644 fe:00 12 {}\n",
        NPAGES * PAGE_SIZE
    )
}

fn kernel(snap: &str) -> (Kernel, Pid) {
    let mut k = Kernel::new(&MachineConfig { ram: 256 << 20, ..MachineConfig::default() }).expect("machine");
    let fs =
        HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), snap.as_bytes(), None).expect("snapshot");
    k.set_root(fs);
    let pid = k.spawn().expect("spawn");
    (k, pid)
}

fn ranges(r: &[(u64, u64)]) -> String {
    let mut s = String::new();
    let mut total = 0;
    for &(a, b) in r {
        write!(s, " {}-{}", a, b - 1).unwrap();
        total += b - a;
    }
    write!(s, " ({total})").unwrap();
    s
}

/// Runs one case as the probe does and prints it in the probe's format.
fn run_case(name: &str, prot: u64, from: u64, to: u64, step: u64) -> String {
    run_case_after(name, prot, from, to, step, false)
}

/// [`run_case`], after a `pread` of 832 bytes at 0 if `read_first` (what
/// the dynamic linker does with an ELF header).
fn run_case_after(name: &str, prot: u64, from: u64, to: u64, step: u64, read_first: bool) -> String {
    let (k, pid) = kernel(&snapshot(""));
    let fd = k.sys_openat(pid, "/tmp/folio-probe.dat", 0).expect("open") as i64;
    let len = NPAGES * PAGE_SIZE;
    let mut out = format!("case {name}\n");
    if read_first {
        let file = k.task(pid).unwrap().files.lock().get(fd).expect("fd");
        let mut buf = [0u8; 832];
        assert_eq!(file.inode.fops.read(&file, 0, &mut buf), Ok(832));
        out.push_str("  pread 832 at 0\n");
    }
    let base = k.sys_mmap(pid, 0, len, prot, 0x02, fd, 0).expect("mmap");
    let (mi0, ma0) = k.faults(pid).unwrap();
    let mut i = from;
    while i < to {
        k.load(pid, base + i * PAGE_SIZE).expect("load");
        i += step;
    }
    let (mi, ma) = k.faults(pid).unwrap();
    writeln!(out, "  touch {from}..{to} step {step}: minflt {} majflt {}", mi - mi0, ma - ma0).unwrap();
    let present: Vec<(u64, u64)> = k
        .present(pid, base, base + len)
        .unwrap()
        .iter()
        .map(|&(a, b)| ((a - base) / PAGE_SIZE, (b - base) / PAGE_SIZE))
        .collect();
    writeln!(out, "  mapping present:{}", ranges(&present)).unwrap();
    let file = k.filp_open("/tmp/folio-probe.dat", 0).expect("open");
    let mapping = &file.inode.mapping;
    let folios = mapping.folios_in(0, NPAGES - 1);
    let mut cached: Vec<(u64, u64)> = Vec::new();
    for f in &folios {
        match cached.last_mut() {
            Some(last) if last.1 == f.index => last.1 = f.next_index(),
            _ => cached.push((f.index, f.next_index())),
        }
    }
    writeln!(out, "  cached:{}", ranges(&cached)).unwrap();
    // Runs of folios of one order, as the probe prints them.
    let mut line = String::from("  folios:");
    let mut run: Option<(u64, u64, u32)> = None;
    for f in &folios {
        match run {
            Some((start, n, o)) if o == f.order && start + (n << o) == f.index => run = Some((start, n + 1, o)),
            _ => {
                if let Some((start, n, o)) = run {
                    write!(line, " {start}+{n}x{o}").unwrap();
                }
                run = Some((f.index, 1, f.order));
            }
        }
    }
    if let Some((start, n, o)) = run {
        write!(line, " {start}+{n}x{o}").unwrap();
    }
    writeln!(out, "{line}").unwrap();
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
    out
}

const PROT_READ: u64 = 1;
const PROT_EXEC: u64 = 4;

/// One load in the middle of a cold file: a major fault, mmap read-around
/// of `ra_pages` centred on it in order-0 folios, 16 pages mapped.
#[test]
fn read_around_is_order_0_and_centred() {
    assert_eq!(run_case("read-around page 4000", PROT_READ, 4000, 4001, 1), recorded_case("read-around page 4000"));
}

/// An executable mapping reads from the fault to the end of the VMA
/// window, with no readahead marker.
#[test]
fn exec_readahead_starts_at_the_fault() {
    assert_eq!(run_case("exec page 4000", PROT_READ | PROT_EXEC, 4000, 4001, 1), recorded_case("exec page 4000"));
}

/// Loads 64 pages apart: read-around, then each async window two orders
/// larger (0, 2, 4, 6), every fault mapping its whole folio where the
/// folio is larger than the fault-around window; the last folio of the
/// file is mapped only within the window.
#[test]
fn async_readahead_grows_folio_orders() {
    assert_eq!(run_case("stride 64 from 2048", PROT_READ, 2048, NPAGES, 64), recorded_case("stride 64 from 2048"));
}

/// Every page in order: read-around, then a window per `PG_readahead`
/// hit, in folios of order 0, 2, 4, 6; the faults that hit a marker map
/// their whole folio, the others the fault-around window or more.
#[test]
fn sequential_loads_fault_as_linux() {
    assert_eq!(run_case("sequential", PROT_READ, 0, NPAGES, 1), recorded_case("sequential"));
}

/// A read of the first page first (sync readahead of 4 pages, the
/// second one the marker), then every page mapped: each window asks for
/// folios two orders larger, up to order 9, and the faults map them whole.
#[test]
fn a_read_then_sequential_loads_fault_as_linux() {
    assert_eq!(
        run_case_after("pread then sequential", PROT_READ, 0, NPAGES, 1, true),
        recorded_case("pread then sequential")
    );
}

/// Memory pressure on large folios: a 32 MiB file read in order-0 to
/// order-6 folios on a 24 MiB machine.  Reclaim splits a folio to take
/// its pages one by one; every byte read back is the file's, and the
/// frames, references and mappings stay consistent.
#[test]
fn reclaim_takes_large_folios_apart_consistently() {
    let mut snap = snapshot("");
    // Recorded bytes at the start of every 64th page.
    for p in (0..NPAGES).step_by(64) {
        writeln!(snap, "= {} {:02x}{:02x}", p * PAGE_SIZE, (p >> 6) as u8, 0x5a).unwrap();
    }
    let mut k = Kernel::new(&MachineConfig { ram: 24 << 20, ..MachineConfig::default() }).expect("machine");
    let fs =
        HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), snap.as_bytes(), None).expect("snapshot");
    k.set_root(fs);
    let pid = k.spawn().expect("spawn");
    let fd = k.sys_openat(pid, "/tmp/folio-probe.dat", 0).expect("open") as i64;
    let base = k.sys_mmap(pid, 0, NPAGES * PAGE_SIZE, PROT_READ, 0x02, fd, 0).expect("mmap");
    for round in 0..2 {
        for p in 0..NPAGES {
            let b = k.load(pid, base + p * PAGE_SIZE).expect("load");
            let want = if p % 64 == 0 { (p >> 6) as u8 } else { 0 };
            assert_eq!(b, want, "round {round} page {p}");
        }
    }
    let file = k.filp_open("/tmp/folio-probe.dat", 0).expect("open");
    let nrpages = file.inode.mapping.nrpages();
    let large = file.inode.mapping.folios_in(0, NPAGES - 1).iter().filter(|f| f.order > 0).count();
    let stolen = k.machine().vmstat().snapshot().iter().find(|(n, _)| *n == "pgsteal_file").map_or(0, |&(_, v)| v);
    assert!(stolen > NPAGES, "reclaim took file pages: {stolen}");
    assert!(nrpages < NPAGES && large > 0, "{nrpages} pages cached, {large} large folios");
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}
