//! The TLB only forgets what it is told to forget: a flush the kernel
//! omits leaves a stale translation that the invariant checker reports and
//! that a load can even read through.  The kernel's own paths flush.

use mm_core::arch::Pte;
use mm_core::errno::Signal;
use mm_core::pgtable::Slot;
use mm_core::{Kernel, MachineConfig};

const A: u64 = 0x1_0000_0000;

/// Writes the leaf entry at `slot` straight into the page-table frame, as
/// a kernel path with a bug would (the core's own `set_pte` is not public).
fn poke_pte(k: &Kernel, slot: Slot, pte: Pte) {
    let m = k.machine();
    mm_core::inject::phys(m).write_u64(slot.table, slot.idx, m.arch().encode_pte(pte));
}

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
    poke_pte(&k, slot, Pte::None);
    let v = mm.check_invariants();
    assert!(
        v.iter().any(|v| v.0.contains("stale TLB entry 0x100000000")),
        "the checker must see the stale entry: {v:?}"
    );
    // The CPU still translates through the stale entry: the old byte.
    assert_eq!(k.load(pid, A), Ok(0x77), "a stale TLB entry keeps serving the old frame");
    // Once flushed, the access faults and sees the truth (a fresh zero page).
    k.machine().flush_tlb_page(mm, A);
    assert!(mm.check_invariants().iter().all(|v| !v.0.contains("stale")));
    assert_eq!(k.load(pid, A), Ok(0));
}

#[test]
fn a_stale_writable_entry_lets_a_write_through_a_read_only_pte() {
    let (k, pid) = setup();
    let mm = &k.task(pid).expect("task").mm;
    let slot = mm.pte_offset(A).expect("mapped");
    let pte = mm.read_pte(slot);
    poke_pte(&k, slot, pte.without(mm_core::arch::PteFlags::WRITE));
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
    let vm = k.machine().vmstat();
    let (one, remote) = (vm.get(VmEvent::TlbLocalFlushOne), vm.get(VmEvent::TlbRemoteShootdown));
    // munmap of one page from CPU 0: one local invlpg, one shootdown of CPU 1.
    assert_eq!(k.sys_munmap(pid, A, 4096), Ok(0));
    assert_eq!(vm.get(VmEvent::TlbLocalFlushOne) - one, 1);
    assert_eq!(vm.get(VmEvent::TlbRemoteShootdown) - remote, 1);
    assert!(t.mm.check_invariants().is_empty(), "no CPU keeps the unmapped page");
    assert!(matches!(t.load(1, A), Err(Signal::Segv { .. })));
    assert_eq!(t.load(1, A + 4096), Ok(0));
}

/// Two processes on one CPU, each with page `A` written (`val(pid)`).
fn two_processes(val: impl Fn(u32) -> u8) -> (Kernel, u32, u32) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let (a, b) = (k.spawn().expect("process"), k.spawn().expect("process"));
    for p in [a, b] {
        assert_eq!(k.sys_mmap(p, A, 8192, 3, 0x32, -1, 0), Ok(A));
        k.store(p, A, val(p)).expect("store");
    }
    (k, a, b)
}

/// Two processes taking turns on one CPU keep their translations under
/// their own PCIDs: switching back costs no page walk.
#[test]
fn processes_keep_their_entries_under_their_pcids() {
    let (k, a, b) = two_processes(|p| p as u8);
    let misses = || k.machine().tlb_stats(0).expect("cpu 0").misses;
    let before = misses();
    for _ in 0..10 {
        assert_eq!(k.load(a, A), Ok(a as u8));
        assert_eq!(k.load(b, A), Ok(b as u8));
    }
    assert_eq!(misses(), before, "every access after a switch hits the TLB");
    let ctxs = k.machine().tlb_contexts(0).expect("cpu 0");
    let ids: Vec<u64> = ctxs.iter().map(|x| x.ctx_id).filter(|&id| id != 0).collect();
    assert_eq!(ids.len(), 2, "one ASID slot each");
}

/// A flush of an address space that is not loaded anywhere is applied
/// when a CPU switches back to it (its `tlb_gen` moved on).
#[test]
fn a_flush_while_switched_away_is_applied_at_the_switch_back() {
    let (k, a, _) = two_processes(|_| 0x42);
    // b is loaded; a's entry for A sits in the TLB under a's PCID.
    assert_eq!(k.sys_munmap(a, A, 8192), Ok(0));
    assert!(matches!(k.load(a, A), Err(Signal::Segv { .. })), "not served by the old entry");
    assert!(k.check_invariants().is_empty());
}

/// More address spaces than ASID slots: the slots are reused round robin,
/// each reuse flushing the previous owner's entries.
#[test]
fn asid_slots_are_reused_and_flushed() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let n = mm_x86::TLB_NR_DYN_ASIDS + 3;
    let pids: Vec<u32> = (0..n).map(|_| k.spawn().expect("process")).collect();
    for (i, &p) in pids.iter().enumerate() {
        assert_eq!(k.sys_mmap(p, A, 8192, 3, 0x32, -1, 0), Ok(A));
        k.store(p, A, i as u8).expect("store");
    }
    for round in 0..3 {
        for (i, &p) in pids.iter().enumerate() {
            assert_eq!(k.load(p, A), Ok(i as u8), "round {round}, process {i}");
            let v = k.check_invariants();
            assert!(v.is_empty(), "{v:?}");
        }
    }
    let ctxs = k.machine().tlb_contexts(0).expect("cpu 0");
    let live: std::collections::HashSet<u64> = ctxs.iter().map(|x| x.ctx_id).collect();
    assert_eq!(live.len(), mm_x86::TLB_NR_DYN_ASIDS, "every slot in use, none twice");
}

/// A switch that wrongly keeps entries that a flush made stale is
/// caught: here the CPU's slot is marked current without the flush.
#[test]
fn a_switch_that_skips_a_needed_flush_is_caught() {
    let (k, a, _) = two_processes(|_| 0x42);
    // While b runs, a's page goes (its flush reaches no CPU: a is not
    // loaded), then the CPU is told its entries for a are current.
    assert_eq!(k.sys_munmap(a, A, 8192), Ok(0));
    let mm = k.task(a).expect("task").mm.clone();
    let ctxs = k.machine().tlb_contexts(0).expect("cpu 0");
    let slot = ctxs.iter().position(|x| x.ctx_id == mm.id).expect("a has a slot");
    let current = mm_core::machine::TlbContext { ctx_id: mm.id, tlb_gen: mm_core::inject::tlb_gen(&mm) };
    assert!(mm_core::inject::set_tlb_context(k.machine(), 0, slot, current));
    let v = mm.check_invariants();
    assert!(v.iter().any(|v| v.0.contains("stale TLB entry 0x100000000")), "{v:?}");
    // And the access reads through it: the bug the check is for.
    assert_eq!(k.load(a, A), Ok(0x42));
}
