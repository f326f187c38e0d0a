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
