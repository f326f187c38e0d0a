//! (v1.6) What a dump shows of PMD leaves: `Kernel::huge_ranges` finds
//! the 2 MiB blocks that a PMD leaf maps (a THP, or the zero page) and
//! nothing where PTE tables are, merged, clipped to the range asked.

use mm_core::{Kernel, MachineConfig};

const A: u64 = 0x1_0000_0000;
const HUGE: u64 = 2 << 20;
const MADV_HUGEPAGE: u64 = 14;

#[test]
fn huge_ranges_are_the_pmd_leaves() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    // mmap(A, 8 MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
    assert_eq!(k.sys_mmap(pid, A, 4 * HUGE, 3, 0x32, -1, 0), Ok(A));
    // A 4 KiB page in the first block, before the advice: a PTE table
    // there, not a leaf.
    k.store(pid, A, 1).expect("store");
    assert_eq!(k.sys_madvise(pid, A, 4 * HUGE, MADV_HUGEPAGE), Ok(0));
    assert_eq!(k.huge_ranges(pid, A, A + 4 * HUGE), Ok(vec![]));
    // Two THPs by write faults, the huge zero page by a read fault.
    k.store(pid, A + HUGE, 1).expect("store");
    k.store(pid, A + 2 * HUGE + 0x5000, 1).expect("store");
    assert_eq!(k.load(pid, A + 3 * HUGE + 0x7000), Ok(0));
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
    assert_eq!(k.sys_munmap(pid, A + HUGE, 3 * HUGE), Ok(0));
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

/// The recorded THP cases, those in the corpus and those still waiting in
/// `mm-tests/scenarios-pending/thp`, stay valid scenarios, each with its
/// recorded output, and those outputs have the lines v1.6 adds (whether
/// the simulator prints them is checked by the corpus's tests).
#[test]
fn recorded_thp_cases_parse_and_have_expected_outputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("scenarios/thp")];
    let pending = root.join("scenarios-pending/thp");
    if pending.is_dir() {
        stack.push(pending);
    }
    let (mut n, mut huge, mut zero, mut anon_huge) = (0, 0, 0, 0);
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("case directory") {
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
    assert!(n >= 170, "only {n} recorded THP cases");
    assert!(
        huge >= 50 && zero >= 10 && anon_huge >= 50,
        "{huge} with huge, {zero} with huge_zero, {anon_huge} with AnonHugePages"
    );
}
