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
