//! The TLB only forgets what it is told to forget: a flush the kernel
//! omits leaves a stale translation that the invariant checker reports and
//! that a load can even read through.  The kernel's own paths flush.

use mm_core::arch::Pte;
use mm_core::errno::Signal;
use mm_core::{Kernel, MachineConfig};
use mm_tests as _;

const A: u64 = 0x1_0000_0000;

fn setup() -> (Kernel, u32) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    // mmap(A, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
    assert_eq!(k.sys_mmap(pid, A, 8192, 3, 0x32, -1, 0), Ok(A));
    k.store(pid, A, 0x77).expect("store");
    (k, pid)
}

#[test]
fn an_omitted_flush_leaves_a_stale_translation_that_is_caught() {
    let (k, pid) = setup();
    let mm = &k.task(pid).expect("task").mm;
    assert!(mm.check_invariants().is_empty());
    // Clear the entry behind the kernel's back, without a TLB flush.
    let slot = mm.pte_offset(A).expect("the page is mapped");
    mm.set_pte(slot, Pte::None);
    let v = mm.check_invariants();
    assert!(
        v.iter().any(|v| v.0.contains("stale TLB entry 0x100000000")),
        "the checker must see the stale entry: {v:?}"
    );
    // The CPU still translates through the stale entry: the old byte.
    assert_eq!(k.load(pid, A), Ok(0x77), "a stale TLB entry keeps serving the old frame");
    // Once flushed, the access faults and sees the truth (a fresh zero page).
    k.machine().flush_tlb_page(mm.id, A);
    assert!(mm.check_invariants().iter().all(|v| !v.0.contains("stale")));
    assert_eq!(k.load(pid, A), Ok(0));
}

#[test]
fn a_stale_writable_entry_lets_a_write_through_a_read_only_pte() {
    let (k, pid) = setup();
    let mm = &k.task(pid).expect("task").mm;
    let slot = mm.pte_offset(A).expect("mapped");
    let pte = mm.read_pte(slot);
    mm.set_pte(slot, pte.without(mm_core::arch::PteFlags::WRITE));
    // No flush: the cached writable translation still allows the store.
    assert_eq!(k.store(pid, A, 0x11), Ok(()));
    assert!(!mm.check_invariants().is_empty());
}

#[test]
fn munmap_and_mprotect_flush() {
    let (k, pid) = setup();
    assert_eq!(k.sys_mprotect(pid, A, 4096, 1), Ok(0));
    assert!(matches!(k.store(pid, A, 1), Err(Signal::Segv { .. })), "read-only after mprotect");
    assert_eq!(k.load(pid, A), Ok(0x77));
    assert_eq!(k.sys_munmap(pid, A, 8192), Ok(0));
    assert!(matches!(k.load(pid, A), Err(Signal::Segv { .. })), "gone after munmap");
    assert!(k.task(pid).expect("task").mm.check_invariants().is_empty());
}

#[test]
fn a_write_through_a_clean_tlb_entry_sets_the_dirty_bit() {
    let (k, pid) = setup();
    let mm = &k.task(pid).expect("task").mm;
    // MADV_FREE cleans the entry and flushes it; the next store must make
    // the hardware set D again, or MADV_PAGEOUT would discard the data.
    assert_eq!(k.sys_madvise(pid, A, 4096, 8), Ok(0));
    assert!(!mm.lookup_pte(A).flags().contains(mm_core::arch::PteFlags::DIRTY));
    k.store(pid, A, 0x55).expect("store");
    assert!(mm.lookup_pte(A).flags().contains(mm_core::arch::PteFlags::DIRTY));
    assert_eq!(k.sys_madvise(pid, A, 4096, 21), Ok(0));
    assert_eq!(k.load(pid, A), Ok(0x55), "re-dirtied page survives MADV_PAGEOUT");
}

#[test]
fn a_flush_reaches_every_cpu_running_the_mm_and_is_counted_once() {
    use mm_core::flags::Access;
    use mm_core::vmstat::VmEvent;
    let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
    let pid = k.spawn().expect("process");
    assert_eq!(k.sys_mmap(pid, A, 8192, 3, 0x32, -1, 0), Ok(A));
    let t = k.task(pid).expect("task").clone();
    // Both CPUs cache both pages.
    for cpu in 0..2 {
        for a in [A, A + 4096] {
            t.translate(cpu, a, Access::Write).expect("store");
        }
    }
    let vm = &k.machine().vmstat;
    let (one, remote) = (vm.get(VmEvent::TlbLocalFlushOne), vm.get(VmEvent::TlbRemoteShootdown));
    // munmap of one page from CPU 0: one local invlpg, one shootdown of CPU 1.
    assert_eq!(k.sys_munmap(pid, A, 4096), Ok(0));
    assert_eq!(vm.get(VmEvent::TlbLocalFlushOne) - one, 1);
    assert_eq!(vm.get(VmEvent::TlbRemoteShootdown) - remote, 1);
    assert!(t.mm.check_invariants().is_empty(), "no CPU keeps the unmapped page");
    assert!(matches!(t.load(1, A), Err(Signal::Segv { .. })));
    assert_eq!(t.load(1, A + 4096), Ok(0));
}
