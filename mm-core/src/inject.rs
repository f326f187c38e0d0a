//! Fault injection for tests (the `fault-injection` feature): ways to do
//! what a kernel path with a bug would do, behind the core's back, so that
//! a test can check that the invariant checks catch it.
//!
//! Nothing here is part of the stable API: without the feature the public
//! API offers no way to change a page table, a `struct page` or a CPU's
//! TLB state except through the kernel's own paths.

use crate::machine::{Machine, TlbContext};
use crate::mm::MmStruct;
use crate::phys::PhysMem;
use crate::types::Pfn;

/// The machine's physical memory: frames, page-table words and `struct
/// page`s, writable.
pub fn phys(m: &Machine) -> &PhysMem {
    &m.phys
}

/// `init_mm.pgd`, for formats with a kernel half.
pub fn kernel_pgd(m: &Machine) -> Option<Pfn> {
    m.kernel.as_ref().map(|k| k.pgd)
}

/// Takes a reference on a page that nothing will drop (`get_page`).
pub fn get_page(m: &Machine, pfn: Pfn) {
    m.get_page(pfn);
}

/// Overwrites what `cpu` remembers of its ASID slot `slot`; false if
/// there is no such CPU or slot.
pub fn set_tlb_context(m: &Machine, cpu: usize, slot: usize, ctx: TlbContext) -> bool {
    let Some(c) = m.cpus.get(cpu) else {
        return false;
    };
    match c.lock().ctxs.get_mut(slot) {
        Some(x) => {
            *x = ctx;
            true
        }
        None => false,
    }
}

/// `mm`'s flush generation (`context.tlb_gen`).
pub fn tlb_gen(mm: &MmStruct) -> u64 {
    mm.tlb_gen.load(std::sync::atomic::Ordering::Acquire)
}

/// What a fault that found the PTE table `table` below `va`'s PMD entry
/// gets when it takes the table's lock (`pte_offset_map_lock`): true if
/// the entry still points at it, false if the table went meanwhile.
pub fn pte_offset_map_lock(mm: &MmStruct, va: u64, table: Pfn) -> bool {
    mm.pmd_offset(va).is_some_and(|pmd| mm.pte_offset_map_lock(pmd, table).is_some())
}

/// Runs `f` with `mm`'s `mmap_lock` held for writing, as a system call
/// that changes VMAs would: a VMA `f` changes through the tree
/// (`modify`, `split`, removal) is write-locked from then until `f`
/// returns and the lock is dropped (`mmap_write_unlock`).  Lets a test
/// fault on other threads while a writer is in the middle of its work.
pub fn with_mmap_write_lock<R>(mm: &MmStruct, f: impl FnOnce(&mut crate::mm::MmState) -> R) -> R {
    let mut st = mm.mmap_write_lock();
    f(&mut st)
}

/// A snapshot of the VMAs is published for faults under the VMA lock
/// (`lock_vma_under_rcu`).
pub fn vma_snapshot_published(mm: &MmStruct) -> bool {
    mm.vma_snapshot.read().is_some()
}

thread_local! {
    static CLEAR_PTES_HOOK: std::cell::RefCell<Option<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` on this thread when an unmap it makes next starts clearing
/// the page tables of the VMAs it removed (`vms_clear_ptes`), with the
/// locks it holds then: lets a test act while a munmap is half done.
pub fn before_vms_clear_ptes(f: impl FnOnce() + 'static) {
    CLEAR_PTES_HOOK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

/// Runs the hook [`before_vms_clear_ptes`] set, once.
pub(crate) fn vms_clear_ptes_hook() {
    if let Some(f) = CLEAR_PTES_HOOK.with(|h| h.borrow_mut().take()) {
        f();
    }
}
