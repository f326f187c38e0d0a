//! The kernel half every address space shares: the direct map and
//! vmalloc areas built at boot and copied into each new root table
//! (`pgd_ctor`), visible to every process at once, refused to user mode.

use mm_core::errno::Signal;
use mm_core::kmem::Oops;
use mm_core::{Kernel, MachineConfig, PAGE_SIZE};

fn machine(pt: &str) -> Kernel {
    Kernel::new(&MachineConfig { nr_cpus: 2, page_table: pt.into(), ..MachineConfig::default() }).expect("machine")
}

#[test]
fn a_vmalloc_mapping_made_later_is_visible_in_every_process() {
    for pt in ["x86-64-4level", "x86-64-5level"] {
        let mut k = machine(pt);
        let a = k.spawn().expect("process");
        let b = k.spawn().expect("process");
        // Both processes run before the mapping exists.
        for p in [a, b] {
            assert_eq!(k.sys_mmap(p, 0x1_0000_0000, 4096, 3, 0x32, -1, 0), Ok(0x1_0000_0000));
            k.store(p, 0x1_0000_0000, 1).expect("store");
        }
        let m = k.machine().clone();
        let v = m.vmalloc(3 * PAGE_SIZE).expect("vmalloc");
        assert!(m.is_vmalloc_addr(v), "{pt}: {v:#x}");
        let (ta, tb) = (k.task(a).expect("a").clone(), k.task(b).expect("b").clone());
        ta.kernel_store(0, v + PAGE_SIZE + 5, 0x5a).expect("kernel store from a's address space");
        assert_eq!(tb.kernel_load(1, v + PAGE_SIZE + 5), Ok(0x5a), "{pt}: b sees it, no fault needed");
        // A process forked afterwards shares it too.
        let c = k.fork(a).expect("fork");
        assert_eq!(k.task(c).expect("c").kernel_load(0, v + PAGE_SIZE + 5), Ok(0x5a));
        // User mode may not touch it.
        assert!(matches!(k.load(a, v), Err(Signal::Segv { .. })), "{pt}");
        // vfree flushes every CPU: the global entries go everywhere.
        m.vfree(v).expect("vfree");
        assert_eq!(tb.kernel_load(1, v + PAGE_SIZE + 5), Err(Oops { addr: v + PAGE_SIZE + 5 }), "{pt}: freed");
        assert_eq!(ta.kernel_load(0, v), Err(Oops { addr: v }));
        assert!(k.check_invariants().is_empty());
    }
}

#[test]
fn the_direct_map_shows_every_frame() {
    let mut k = machine("x86-64-4level");
    let pid = k.spawn().expect("process");
    assert_eq!(k.sys_mmap(pid, 0x1_0000_0000, 4096, 3, 0x32, -1, 0), Ok(0x1_0000_0000));
    k.store(pid, 0x1_0000_0000 + 7, 0x77).expect("store");
    let t = k.task(pid).expect("task").clone();
    let pfn = t.mm.lookup_pte(0x1_0000_0000).pfn().expect("mapped");
    let layout = k.machine().kernel_layout().expect("a kernel half");
    let kaddr = layout.page_offset + pfn.0 * PAGE_SIZE + 7;
    assert_eq!(t.kernel_load(0, kaddr), Ok(0x77), "the user page through the direct map");
    t.kernel_store(0, kaddr, 0x78).expect("kernel store");
    assert_eq!(k.load(pid, 0x1_0000_0000 + 7), Ok(0x78));
    assert!(matches!(k.load(pid, kaddr), Err(Signal::Segv { .. })), "not from user mode");
}

#[test]
fn a_stale_read_only_kernel_entry_faults_spuriously_and_is_retried() {
    use mm_core::arch::PteFlags;
    let mut k = machine("x86-64-4level");
    let pid = k.spawn().expect("process");
    let t = k.task(pid).expect("task").clone();
    let m = k.machine().clone();
    let v = m.vmalloc(PAGE_SIZE).expect("vmalloc");
    // Make the entry read-only, load through it (the TLB caches it so),
    // then upgrade it in place without a flush, as the kernel does for
    // permission upgrades.
    let phys = mm_core::inject::phys(&m);
    let kpgd = mm_core::inject::kernel_pgd(&m).expect("kernel");
    let slot = {
        let g = m.geometry();
        let mut table = kpgd;
        for l in (1..g.levels).rev() {
            let idx = ((v >> g.shifts[l as usize]) & g.index_mask) as usize;
            table = mm_core::types::Pfn((phys.read_u64(table, idx) & 0x000f_ffff_ffff_f000) >> 12);
        }
        (table, ((v >> 12) & 511) as usize)
    };
    let raw = phys.read_u64(slot.0, slot.1);
    let pte = m.arch().decode_pte(raw);
    phys.write_u64(slot.0, slot.1, m.arch().encode_pte(pte.without(PteFlags::WRITE)));
    m.flush_tlb_kernel_range(v, v + PAGE_SIZE);
    assert_eq!(t.kernel_load(0, v), Ok(0));
    phys.write_u64(slot.0, slot.1, raw);
    // The TLB still says read-only: the store faults, the handler sees the
    // entry allows it, and the retry goes through.
    assert_eq!(t.kernel_store(0, v, 9), Ok(()));
    assert_eq!(t.kernel_load(0, v), Ok(9));
    // A kernel access to an address nothing maps is an oops.
    let hole = v + 64 * PAGE_SIZE;
    assert_eq!(t.kernel_load(0, hole), Err(Oops { addr: hole }));
}

/// `copy_to_user`/`copy_from_user`: a kernel-mode access of a user page
/// faults through `do_user_addr_fault` as a user access does (counted to
/// the task, write faults and read faults alike, no user bit needed), and
/// a bad address is an error (the fixup's `EFAULT`), never an oops.
#[test]
fn a_kernel_access_of_user_memory_faults_like_a_user_one_and_counts() {
    let mut k = machine("x86-64-4level");
    let pid = k.spawn().expect("process");
    let a = 0x1_0000_0000;
    assert_eq!(k.sys_mmap(pid, a, 4 * PAGE_SIZE, 3, 0x22, -1, 0), Ok(a));
    assert_eq!(k.sys_mmap(pid, a + 8 * PAGE_SIZE, PAGE_SIZE, 1, 0x22, -1, 0), Ok(a + 8 * PAGE_SIZE));
    let t = k.task(pid).expect("task").clone();
    assert_eq!(k.faults(pid), Ok((0, 0)));
    t.put_user(1, a + 5, 0x42).expect("put_user");
    assert_eq!(k.faults(pid), Ok((1, 0)), "the write fault counts to the task");
    assert_eq!(t.get_user(0, a + 5), Ok(0x42), "no fault: the page is there");
    assert_eq!(t.get_user(0, a + PAGE_SIZE), Ok(0), "a read fault maps the zero page");
    assert_eq!(k.faults(pid), Ok((2, 0)));
    assert_eq!(k.load(pid, a + 5), Ok(0x42), "user mode sees what the kernel wrote");
    // Errors: no VMA, a read-only VMA for a write, a kernel address.
    assert!(matches!(t.put_user(0, a + 6 * PAGE_SIZE, 1), Err(Signal::Segv { .. })));
    assert!(matches!(t.put_user(0, a + 8 * PAGE_SIZE, 1), Err(Signal::Segv { .. })));
    let v = k.machine().vmalloc(PAGE_SIZE).expect("vmalloc");
    assert!(matches!(t.get_user(0, v), Err(Signal::Segv { .. })), "access_ok refuses it");
    assert_eq!(k.faults(pid), Ok((2, 0)), "failed faults do not count");
}

/// An instruction fetch faults in a page of an executable mapping; a
/// fetch from a mapping without `PROT_EXEC` is refused by `NX`.
#[test]
fn an_instruction_fetch_needs_an_executable_mapping() {
    let mut k = machine("x86-64-4level");
    let pid = k.spawn().expect("process");
    let (x, nx) = (0x1_0000_0000, 0x1_0001_0000);
    assert_eq!(k.sys_mmap(pid, x, PAGE_SIZE, 5, 0x22, -1, 0), Ok(x));
    assert_eq!(k.sys_mmap(pid, nx, PAGE_SIZE, 3, 0x22, -1, 0), Ok(nx));
    let t = k.task(pid).expect("task").clone();
    assert_eq!(k.user_access(pid, x, |t| t.fetch(1, x)), Ok(0));
    assert_eq!(k.faults(pid), Ok((1, 0)));
    assert!(matches!(t.fetch(0, nx), Err(Signal::Segv { .. })), "NX");
}

/// With five levels the address space reaches 2^56, but mappings stay
/// under the 47-bit default window unless a hint asks for more
/// (`arch_pick_mmap_layout` bases `mmap_base` on `task_size_64bit(0)`),
/// so programs that keep tags in the high bits keep working.
#[test]
fn five_level_mappings_stay_below_the_default_window_unless_asked() {
    const WINDOW: u64 = 1 << 47;
    for pt in ["x86-64-4level", "x86-64-5level"] {
        let mut k = machine(pt);
        let p = k.spawn().expect("process");
        let a = k.sys_mmap(p, 0, 4096, 3, 0x22, -1, 0).expect("mmap");
        assert!(a < WINDOW && a > WINDOW - (1 << 30), "{pt}: {a:#x} just under the window");
        let high = 1 << 50;
        let h = k.sys_mmap(p, high, 4096, 3, 0x22, -1, 0);
        if pt == "x86-64-5level" {
            assert_eq!(h, Ok(high), "{pt}: a hint above the window is honoured");
            k.store(p, high, 7).expect("store above the window");
        } else {
            assert!(h.is_ok_and(|h| h < WINDOW), "{pt}: {h:?}");
        }
    }
}
