//! (v1.6) What a dump shows of PMD leaves: `Kernel::huge_ranges` finds
//! the 2 MiB blocks that a PMD leaf maps (a THP, or the zero page) and
//! nothing where PTE tables are, merged, clipped to the range asked.

use mm_core::arch::{PMD_LEVEL, PteFlags};
use mm_core::types::Pfn;
use mm_core::{Kernel, MachineConfig};

const A: u64 = 0x1_0000_0000;
const HUGE: u64 = 2 << 20;

/// Writes a PMD leaf for `va` straight into its page-table frame (no
/// kernel path makes one yet), or clears the slot with `None`.
fn poke_pmd(k: &Kernel, pid: u32, va: u64, pfn: Option<Pfn>) {
    let mm = &k.task(pid).expect("task").mm;
    let slot = mm.pmd_offset(va).expect("the upper levels exist");
    let m = k.machine();
    let raw = match pfn {
        Some(p) => m.arch().mk_huge_leaf(PMD_LEVEL, p, PteFlags::PRESENT | PteFlags::USER).expect("x86 has PMD leaves"),
        None => 0,
    };
    mm_core::inject::phys(m).write_u64(slot.table, slot.idx, raw);
}

#[test]
fn huge_ranges_are_the_pmd_leaves() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    // mmap(A, 8 MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
    assert_eq!(k.sys_mmap(pid, A, 4 * HUGE, 3, 0x32, -1, 0), Ok(A));
    // A 4 KiB page in the first block: a PTE table there, not a leaf.
    k.store(pid, A, 1).expect("store");
    assert_eq!(k.huge_ranges(pid, A, A + 4 * HUGE), Ok(vec![]));
    let zero = k.machine().zero_pfn();
    poke_pmd(&k, pid, A + HUGE, Some(Pfn(0x4000)));
    poke_pmd(&k, pid, A + 2 * HUGE, Some(Pfn(0x4200)));
    poke_pmd(&k, pid, A + 3 * HUGE, Some(zero));
    assert_eq!(
        k.huge_ranges(pid, A, A + 4 * HUGE),
        Ok(vec![(A + HUGE, A + 3 * HUGE, false), (A + 3 * HUGE, A + 4 * HUGE, true)])
    );
    // Clipped to the range asked; none outside the VMAs.
    assert_eq!(
        k.huge_ranges(pid, A + HUGE + 0x1000, A + 2 * HUGE + 0x3000),
        Ok(vec![(A + HUGE + 0x1000, A + 2 * HUGE + 0x3000, false)])
    );
    assert_eq!(k.huge_ranges(pid, A + 4 * HUGE, A + 8 * HUGE), Ok(vec![]));
    for b in 1..4 {
        poke_pmd(&k, pid, A + b * HUGE, None);
    }
    assert_eq!(k.huge_ranges(pid, A, A + 4 * HUGE), Ok(vec![]));
}

#[test]
fn huge_ranges_of_a_vast_empty_mapping_are_quick() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    // 64 TiB of MAP_NORESERVE memory with no page table below the PGD: the
    // walk steps over missing upper levels instead of every 2 MiB.
    let len = 1u64 << 46;
    assert_eq!(k.sys_mmap(pid, 0x1000_0000_0000, len, 3, 0x4032, -1, 0), Ok(0x1000_0000_0000));
    let t = std::time::Instant::now();
    assert_eq!(k.huge_ranges(pid, 0, u64::MAX), Ok(vec![]));
    assert!(t.elapsed() < std::time::Duration::from_secs(2), "took {:?}", t.elapsed());
}

/// The THP cases waiting in `mm-tests/scenarios-pending/thp` stay valid
/// scenarios, each with its recorded output, and that output has the
/// lines v1.6 adds (whether the simulator prints them is checked once
/// the cases move into the corpus).
#[test]
fn pending_thp_cases_parse_and_have_expected_outputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios-pending/thp");
    let mut stack = vec![dir];
    let (mut n, mut huge, mut zero, mut anon_huge) = (0, 0, 0, 0);
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("pending directory") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "mms") {
                continue;
            }
            let src = std::fs::read(&p).expect("case");
            if let Err(e) = mm_sim::scenario::parse(&src) {
                panic!("{}: {e}", p.display());
            }
            let exp = std::fs::read_to_string(p.with_extension("expected")).expect("recorded output");
            assert!(exp.lines().last().is_some_and(|l| l.starts_with("ok ")), "{}", p.display());
            huge += usize::from(exp.lines().any(|l| l.starts_with("huge ")));
            zero += usize::from(exp.lines().any(|l| l.starts_with("huge_zero ")));
            anon_huge += usize::from(exp.contains(" AnonHugePages="));
            n += 1;
        }
    }
    assert!(n >= 150, "only {n} pending THP cases");
    assert!(
        huge >= 50 && zero >= 10 && anon_huge >= 50,
        "{huge} with huge, {zero} with huge_zero, {anon_huge} with AnonHugePages"
    );
}
