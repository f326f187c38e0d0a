//! The page-fault path (arch/x86/mm/fault.c, mm/memory.c): from the MMU's
//! exception to a mapped page.
//!
//! `do_user_addr_fault` finds the VMA without the `mmap_lock`, in the
//! published snapshot of the VMAs under the VMA's own lock
//! (`lock_vma_under_rcu`, `FAULT_FLAG_VMA_LOCK`), checks the access
//! (`access_error`) and calls `handle_mm_fault`.  Without a snapshot, a
//! VMA there or a VMA free of writers, or when a handler had to wait for
//! I/O or needed the `mmap_lock` (`VM_FAULT_RETRY`), it does the fault
//! under the `mmap_lock` (`lock_mm_and_find_vma`, which grows a stack down
//! to the address if need be, `expand_downwards`), again while a handler
//! returns `VM_FAULT_RETRY`.  `__handle_mm_fault` allocates the upper page-table
//! levels; an empty PMD entry in a region transparent huge pages may back,
//! or a PMD leaf, goes to `crate::huge_memory` (`create_huge_pmd`,
//! `wp_huge_pmd`), which may fall back to the PTE level.
//! `handle_pte_fault` dispatches on the entry: a missing one
//! goes to `do_anonymous_page` in anonymous memory (the zero page on a
//! read, a zeroed frame on a write) or to `special_mapping_fault` in a
//! `[vdso]`/`[vvar]` mapping (`anon.rs`), and to `do_fault` in a file
//! mapping (`file.rs`); a swap entry goes to `do_swap_page` (`swap.rs`), a
//! guard marker to `SIGSEGV`, a `PROT_NONE` entry in an accessible VMA to
//! `do_numa_page`, and a write to a read-only entry to `do_wp_page` (reuse
//! or copy, `wp.rs`).  The handlers enter the pages they map in the
//! reverse map through `rmap.rs` (`anon_vma_prepare`,
//! `folio_add_new_anon_rmap`, `folio_add_file_rmap_pte`, ...).
//! `mm_account_fault` counts the result as the kernel does.

mod anon;
mod file;
mod swap;
mod wp;

use crate::arch::{PageFaultInfo, Pte, PteFlags, PteMarker};
use crate::errno::{SegvCode, Signal, VmFault};
use crate::flags::{Access, FaultFlags, VmFlags};
use crate::mm::{AnonVma, MmState, MmStruct, Vma};
use crate::pgtable::Slot;
use crate::types::PAGE_MASK;
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A task's fault counters (`current->min_flt`, `current->maj_flt`).
#[derive(Debug, Default)]
pub struct FaultCounters {
    /// Minor faults.
    pub(crate) min_flt: AtomicU64,
    /// Major faults.
    pub(crate) maj_flt: AtomicU64,
}

impl FaultCounters {
    /// `(minflt, majflt)`.
    pub fn get(&self) -> (u64, u64) {
        (self.min_flt.load(Ordering::Relaxed), self.maj_flt.load(Ordering::Relaxed))
    }
}

/// `struct vm_fault`: what one fault is about, as the fault handlers of
/// a filesystem's [`VmOperations`](crate::fs::VmOperations) see it.
///
/// A handler reads the fault through the accessors; it cannot reach the
/// address space or write its page tables.  Mapping pages is core code:
/// the handler returns the page from `fault` and the core maps it
/// (`finish_fault`), and `map_pages` goes through
/// [`filemap_map_pages`](crate::fs::filemap_map_pages).
///
/// ```
/// # use mm_core::fault::VmFaultCtx;
/// fn fault_page(vmf: &VmFaultCtx<'_>) -> (u64, u64, bool) {
///     (vmf.address(), vmf.pgoff(), vmf.is_write())
/// }
/// ```
///
/// The address space is not the handler's to touch:
///
/// ```compile_fail,E0616
/// # use mm_core::fault::VmFaultCtx;
/// fn fault_page(vmf: &VmFaultCtx<'_>) -> u64 {
///     vmf.mm.pgd().0
/// }
/// ```
///
/// nor are its page tables, even with the address space in hand:
///
/// ```compile_fail,E0624
/// # use mm_core::{arch::Pte, mm::MmStruct};
/// fn zap(mm: &MmStruct, va: u64) {
///     if let Some(slot) = mm.pte_offset(va) {
///         mm.set_pte(slot, Pte::None);
///     }
/// }
/// ```
pub struct VmFaultCtx<'a> {
    /// The faulting address space.
    pub(crate) mm: &'a MmStruct,
    /// Its VMAs and layout if the `mmap_lock` is held for reading; `None`
    /// under the VMA lock (`FAULT_FLAG_VMA_LOCK`), where `vma` is the
    /// published snapshot's copy of the VMA.
    pub(crate) st: Option<&'a MmState>,
    /// The VMA of the fault.
    pub(crate) vma: &'a Vma,
    /// Page-aligned faulting address.
    pub(crate) address: u64,
    /// The page offset of `address` in the VMA's object
    /// (`linear_page_index`).
    pub(crate) pgoff: u64,
    /// `FAULT_FLAG_*`.
    pub(crate) flags: FaultFlags,
    /// The PMD entry above the faulting address.
    pub(crate) pmd: Slot,
}

impl<'a> VmFaultCtx<'a> {
    /// The VMA of the fault (`vmf->vma`).
    #[inline]
    pub fn vma(&self) -> &'a Vma {
        self.vma
    }

    /// The page-aligned faulting address (`vmf->address`).
    #[inline]
    pub fn address(&self) -> u64 {
        self.address
    }

    /// The page offset of the address in the VMA's object (`vmf->pgoff`).
    #[inline]
    pub fn pgoff(&self) -> u64 {
        self.pgoff
    }

    /// `FAULT_FLAG_*` (`vmf->flags`).
    #[inline]
    pub fn flags(&self) -> FaultFlags {
        self.flags
    }

    /// A write fault.
    pub fn is_write(&self) -> bool {
        self.flags.contains(FaultFlags::WRITE)
    }

    /// The trace sink (for `trace_enter!`/`trace_note!`).
    #[inline]
    pub fn trace(&self) -> &'a crate::trace::Tracer {
        &self.mm.machine.trace
    }
}

/// `FAULT_FLAG_DEFAULT`.
pub const FAULT_FLAG_DEFAULT: FaultFlags =
    FaultFlags::ALLOW_RETRY.union(FaultFlags::KILLABLE).union(FaultFlags::INTERRUPTIBLE);

fn describe_flags(f: FaultFlags) -> String {
    let names: Vec<&str> = f.iter_names().map(|(n, _)| n).collect();
    names.join("|")
}

impl MmStruct {
    /// `do_user_addr_fault`: resolves a page fault taken in user mode, or
    /// says which signal the task gets.  `counters` are the faulting task's,
    /// `rlim_stack` its `RLIMIT_STACK` (how far a stack may grow).
    pub fn do_user_addr_fault(
        &self,
        info: PageFaultInfo,
        counters: &FaultCounters,
        rlim_stack: u64,
    ) -> Result<(), Signal> {
        let m = &*self.machine;
        let addr = info.addr;
        let _t = trace_enter!(
            m.trace,
            "exc_page_fault",
            "address={:#x} error_code={:#x} ({} {}{})",
            addr,
            info.error_code(),
            if info.protection() { "protection" } else { "not-present" },
            match info.access() {
                Access::Read => "read",
                Access::Write => "write",
                Access::Exec => "fetch",
            },
            if info.user() { ", user" } else { "" }
        );
        let _u = trace_enter!(m.trace, "do_user_addr_fault");
        let segv = |code: SegvCode, why: &str| {
            trace_note!(
                m.trace,
                if code == SegvCode::MapErr { "bad_area_nosemaphore" } else { "bad_area_access_error" },
                "{why}: SIGSEGV"
            );
            Err(Signal::Segv { addr, code })
        };
        if addr >= m.arch.task_size() {
            return segv(SegvCode::MapErr, "kernel address");
        }
        let mut flags = FAULT_FLAG_DEFAULT;
        if info.access() == Access::Write {
            flags |= FaultFlags::WRITE;
        }
        if info.access() == Access::Exec {
            flags |= FaultFlags::INSTRUCTION;
        }
        if info.user() {
            flags |= FaultFlags::USER;
        }
        let mut ret = VmFault::RETRY;
        // The fault was tried under the VMA lock and must be done again.
        let mut retried = false;
        if info.user() {
            let mut rcu = self.rcu_read_lock();
            if rcu.snapshot().is_none() {
                // The kernel's maple tree is always readable under RCU;
                // the model's copy of it is made when a fault first needs
                // it after the tree changed, so the fault goes on as the
                // kernel's would.
                drop(rcu);
                self.vma_snapshot_publish(&self.mmap_read_lock());
                rcu = self.rcu_read_lock();
            }
            if let Some((vma, _vma_lock)) = self.lock_vma_under_rcu(&rcu, addr) {
                trace_note!(m.trace, "lock_vma_under_rcu", "vma {:08x}-{:08x} {}", vma.start, vma.end, vma.perms());
                if access_error(info, vma) {
                    return segv(SegvCode::AccErr, "access_error");
                }
                ret = self.handle_mm_fault(None, vma, addr, flags | FaultFlags::VMA_LOCK, Some(counters));
                // VM_FAULT_RETRY: the handler dropped the VMA lock to wait
                // for I/O or needed the mmap_lock; the fault is done again
                // under the mmap_lock, as a retry (`FAULT_FLAG_TRIED`,
                // counted major) if this try was major.
                retried = ret.contains(VmFault::RETRY);
                if retried && ret.contains(VmFault::MAJOR) {
                    flags |= FaultFlags::TRIED;
                }
            }
        }
        if ret.contains(VmFault::RETRY)
            && let Err(code) = self.lock_mmap_fault(&info, counters, rlim_stack, flags, retried, &mut ret)
        {
            return segv(code.0, code.1);
        }
        if ret.contains(VmFault::OOM) {
            // The caller runs the OOM killer (`Kernel::out_of_memory`).
            trace_note!(m.trace, "mm_fault_error", "VM_FAULT_OOM");
            return Err(Signal::Kill { addr });
        }
        if ret.intersects(VmFault::SIGBUS | VmFault::HWPOISON | VmFault::HWPOISON_LARGE) {
            trace_note!(m.trace, "do_sigbus", "SIGBUS");
            return Err(Signal::Bus { addr });
        }
        if ret.contains(VmFault::SIGSEGV) {
            return segv(SegvCode::MapErr, "VM_FAULT_SIGSEGV");
        }
        Ok(())
    }

    /// The `lock_mmap:` part of `do_user_addr_fault`: the fault under the
    /// `mmap_lock` (`lock_mm_and_find_vma`, which grows a stack down to
    /// the address), again with `FAULT_FLAG_TRIED` while a handler
    /// returns `VM_FAULT_RETRY`.  A fault that finds no published VMA
    /// snapshot publishes one for the next faults.  `Err` names the
    /// `SIGSEGV`.  `retried`: a try under the VMA lock came first.
    fn lock_mmap_fault(
        &self,
        info: &PageFaultInfo,
        counters: &FaultCounters,
        rlim_stack: u64,
        mut flags: FaultFlags,
        retried: bool,
        ret: &mut VmFault,
    ) -> Result<(), (SegvCode, &'static str)> {
        let m = &*self.machine;
        let addr = info.addr;
        for tries in 0.. {
            if tries > 0 || retried {
                trace_note!(
                    m.trace,
                    "do_user_addr_fault",
                    "VM_FAULT_RETRY: again{}",
                    if flags.contains(FaultFlags::TRIED) { " (FAULT_FLAG_TRIED)" } else { "" }
                );
            }
            let mut st = self.mmap_read_lock();
            if st.vmas.lookup(addr).is_none() {
                // The next VMA may be a stack that grows down to the
                // address.
                let Some(next) = st.vmas.find(addr) else {
                    return Err((SegvCode::MapErr, "no vma"));
                };
                if !next.flags.contains(VmFlags::GROWSDOWN) {
                    return Err((SegvCode::MapErr, "no vma"));
                }
                let next_start = next.start;
                drop(st);
                let mut w = self.mmap_write_lock();
                if self.expand_downwards(&mut w, next_start, addr, rlim_stack).is_err() {
                    return Err((SegvCode::MapErr, "stack cannot grow"));
                }
                st = w.downgrade();
            }
            self.vma_snapshot_publish(&st);
            let vma = st.vmas.lookup(addr).expect("vma found above");
            trace_note!(m.trace, "lock_mm_and_find_vma", "vma {:08x}-{:08x} {}", vma.start, vma.end, vma.perms());
            if access_error(*info, vma) {
                return Err((SegvCode::AccErr, "access_error"));
            }
            *ret = self.handle_mm_fault(Some(&st), vma, addr, flags, Some(counters));
            // A handler retries at most once without FAULT_FLAG_TRIED;
            // the bound only keeps a faulty handler from looping.
            if !ret.contains(VmFault::RETRY) || tries >= 2 {
                break;
            }
            flags |= FaultFlags::TRIED;
        }
        Ok(())
    }

    /// `vmf_anon_prepare`: the anon_vma of the fault's VMA, given one if
    /// need be (`anon_vma_prepare`).  Under the VMA lock that needs the
    /// tree's VMA, so the `mmap_lock`, taken without waiting:
    /// `VM_FAULT_RETRY` if that fails (the fault is done again under it).
    pub(crate) fn vmf_anon_prepare<'a>(&self, vmf: &VmFaultCtx<'a>) -> Result<&'a Arc<AnonVma>, VmFault> {
        if let Some(a) = vmf.vma.anon_vma() {
            return Ok(a);
        }
        let a = if let Some(st) = vmf.st {
            self.anon_vma_prepare(st, vmf.vma)
        } else {
            let Some(st) = self.mmap_read_trylock() else {
                trace_note!(self.machine.trace, "vmf_anon_prepare", "mmap_lock contended: VM_FAULT_RETRY");
                return Err(VmFault::RETRY);
            };
            // The VMA is read-locked, so no writer changed it: the tree
            // holds it as the snapshot does.
            let Some(vma) = st.vmas.get(vmf.vma.start).filter(|v| v.same_vma(vmf.vma)) else {
                return Err(VmFault::RETRY);
            };
            self.anon_vma_prepare(&st, vma)
        };
        // The fault's copy of the VMA has it now (set already if it is
        // the tree's VMA or the published snapshot's); the fault borrows
        // it from there, with no reference counted.
        Ok(vmf.vma.anon_vma.get_or_init(|| a))
    }

    /// `handle_mm_fault`: resolves a fault on `vma` at `address` and counts
    /// it for `counters` (`mm_account_fault`; GUP faults count too).  `st`
    /// is `None` under the VMA lock, the state under the `mmap_lock`
    /// otherwise.
    pub(crate) fn handle_mm_fault(
        &self,
        st: Option<&MmState>,
        vma: &Vma,
        address: u64,
        flags: FaultFlags,
        counters: Option<&FaultCounters>,
    ) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "handle_mm_fault", "address={:#x} flags={}", address, describe_flags(flags));
        let mut ret = sanitize_fault_flags(vma, flags);
        if ret.is_empty() {
            ret = self.__handle_mm_fault(st, vma, address, flags);
        }
        self.mm_account_fault(ret, flags, counters);
        ret
    }

    /// `mm_account_fault`: every completed fault counts once, as major if
    /// it had to wait for I/O; failed and retried faults do not count.
    fn mm_account_fault(&self, ret: VmFault, flags: FaultFlags, counters: Option<&FaultCounters>) {
        let m = &*self.machine;
        if ret.contains(VmFault::RETRY) {
            return;
        }
        m.vmstat.count(VmEvent::PgFault, 1);
        if ret.intersects(VmFault::ERROR) {
            trace_note!(m.trace, "mm_account_fault", "failed fault, not counted");
            return;
        }
        let major = ret.contains(VmFault::MAJOR) || flags.contains(FaultFlags::TRIED);
        if major {
            m.vmstat.count(VmEvent::PgMajFault, 1);
        }
        if let Some(c) = counters {
            // The task's own counter: only its thread writes it.
            let ctr = if major { &c.maj_flt } else { &c.min_flt };
            let n = ctr.load(Ordering::Relaxed);
            ctr.store(n + 1, Ordering::Relaxed);
            trace_note!(m.trace, "mm_account_fault", "{} fault (#{})", if major { "major" } else { "minor" }, n + 1);
        }
    }

    /// `__handle_mm_fault`: upper page-table levels, then `handle_pte_fault`.
    fn __handle_mm_fault(&self, st: Option<&MmState>, vma: &Vma, address: u64, flags: FaultFlags) -> VmFault {
        let (pmd, mut slot) = match self.fault_walk(address) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let address = address & PAGE_MASK;
        let vmf = VmFaultCtx { mm: self, st, vma, address, pgoff: vma.linear_page_index(address), flags, pmd };
        if slot.is_none() {
            // No PTE table: the PMD entry is empty (a THP may take the
            // whole 2 MiB, `create_huge_pmd`) or a leaf (`wp_huge_pmd`,
            // `huge_pmd_set_accessed`).  A fallback continues at the PTE
            // level, below a table if the leaf was split.
            let ret = match self.read_table(crate::arch::PMD_LEVEL, pmd) {
                crate::arch::TableEntry::None if self.thp_vma_allowable_order(vma, address) => {
                    self.do_huge_pmd_anonymous_page(&vmf)
                }
                crate::arch::TableEntry::Leaf(_) => match self.pmd_huge(pmd) {
                    Some(orig) => self.handle_huge_pmd_fault(&vmf, orig),
                    None => VmFault::FALLBACK,
                },
                _ => VmFault::FALLBACK,
            };
            if !ret.contains(VmFault::FALLBACK) {
                return ret;
            }
            if let crate::arch::TableEntry::Table(t) = self.read_table(crate::arch::PMD_LEVEL, pmd) {
                slot = Some(Slot { table: t, idx: self.pt_index(crate::arch::PTE_LEVEL, address) });
            }
        }
        self.handle_pte_fault(&vmf, slot)
    }

    /// `handle_pte_fault`: dispatches on the state of the entry.
    fn handle_pte_fault(&self, vmf: &VmFaultCtx<'_>, slot: Option<Slot>) -> VmFault {
        let m = &*self.machine;
        let orig = slot.map_or(Pte::None, |s| self.read_pte(s));
        let _t = trace_enter!(m.trace, "handle_pte_fault", "{}", describe_pte(m, orig));
        match orig {
            Pte::None => {
                if vmf.vma.is_anonymous() {
                    self.do_anonymous_page(vmf, slot)
                } else if vmf.vma.special_name().is_some() {
                    self.special_mapping_fault(vmf, slot)
                } else {
                    self.do_fault(vmf)
                }
            }
            Pte::Swap { .. } => self.do_swap_page(vmf, slot.expect("a swap entry has a slot"), orig),
            Pte::Marker(marker) => handle_pte_marker(m, marker),
            Pte::Page { .. } => {
                let slot = slot.expect("a present entry has a slot");
                if orig.is_protnone() && vmf.vma.is_accessible() {
                    return self.do_numa_page(vmf, slot, orig);
                }
                let Some(ptl) = self.pte_offset_map_lock(vmf.pmd, slot.table) else {
                    return VmFault::empty();
                };
                if self.read_pte(slot) != orig {
                    trace_note!(m.trace, "handle_pte_fault", "entry changed meanwhile");
                    return VmFault::empty();
                }
                let mut entry = orig;
                if vmf.flags.intersects(FaultFlags::WRITE | FaultFlags::UNSHARE) {
                    if !orig.is_write() {
                        return self.do_wp_page(vmf, slot, orig, ptl);
                    }
                    entry = entry.with(PteFlags::DIRTY);
                }
                entry = entry.with(PteFlags::ACCESSED);
                // ptep_set_access_flags: x86 writes the entry only for a
                // write fault that changes it.
                if entry != orig && vmf.is_write() {
                    self.set_pte(slot, entry);
                    trace_note!(m.trace, "ptep_set_access_flags", "{}", describe_pte(m, entry));
                } else {
                    trace_note!(m.trace, "handle_pte_fault", "spurious fault: entry already allows the access");
                }
                VmFault::empty()
            }
        }
    }

    /// `do_numa_page`: a `PROT_NONE` entry in a VMA that allows access
    /// (NUMA hinting); restores the VMA's protection.
    fn do_numa_page(&self, vmf: &VmFaultCtx<'_>, slot: Slot, orig: Pte) -> VmFault {
        let Pte::Page { pfn, flags } = orig else {
            return VmFault::empty();
        };
        let keep = flags & (PteFlags::ACCESSED | PteFlags::DIRTY | PteFlags::SPECIAL);
        let Some(_ptl) = self.pte_offset_map_lock(vmf.pmd, slot.table) else {
            return VmFault::empty();
        };
        if self.read_pte(slot) != orig {
            return VmFault::empty();
        }
        self.set_pte(slot, Pte::page(pfn, vmf.vma.page_prot | keep));
        trace_note!(self.machine.trace, "do_numa_page", "protection restored");
        VmFault::empty()
    }
}

/// `sanitize_fault_flags`: writes to mappings that can never be written
/// fail.
fn sanitize_fault_flags(vma: &Vma, flags: FaultFlags) -> VmFault {
    if flags.contains(FaultFlags::WRITE) {
        if !vma.flags.contains(VmFlags::MAYWRITE) {
            return VmFault::SIGSEGV;
        }
        if !vma.flags.contains(VmFlags::WRITE) && !is_cow_mapping(vma.flags) {
            return VmFault::SIGSEGV;
        }
    }
    VmFault::empty()
}

/// `is_cow_mapping`: private and possibly writable.
pub(crate) fn is_cow_mapping(flags: VmFlags) -> bool {
    flags & (VmFlags::SHARED | VmFlags::MAYWRITE) == VmFlags::MAYWRITE
}

/// `access_error` (x86): may this access fault in a page of `vma` at all?
fn access_error(info: PageFaultInfo, vma: &Vma) -> bool {
    if info.access() == Access::Write {
        return !vma.flags.contains(VmFlags::WRITE);
    }
    if info.protection() {
        // A read or fetch of a present page that the hardware refused.
        return true;
    }
    !vma.is_accessible()
}

/// `handle_pte_marker` (reached from `do_swap_page`): an access to a
/// guard page is fatal (`VM_FAULT_SIGSEGV`); a marker the model never
/// installs is `VM_FAULT_SIGBUS`, as an unknown one is in the kernel.
fn handle_pte_marker(m: &crate::machine::Machine, marker: PteMarker) -> VmFault {
    if marker.contains(PteMarker::POISONED) {
        return VmFault::HWPOISON;
    }
    if marker.contains(PteMarker::GUARD) {
        trace_note!(m.trace, "handle_pte_marker", "guard page");
        return VmFault::SIGSEGV;
    }
    VmFault::SIGBUS
}

/// A leaf entry for traces: `pfn 0x12 rw dirty young`.
pub(crate) fn describe_pte(m: &crate::machine::Machine, pte: Pte) -> String {
    match pte {
        Pte::None => "pte none".to_string(),
        Pte::Marker(marker) if marker.contains(PteMarker::GUARD) => "guard marker".to_string(),
        Pte::Marker(marker) => format!("pte marker {:#x}", marker.bits()),
        Pte::Swap { ty, offset, exclusive } => {
            format!("swap entry type {ty} offset {offset:#x}{}", if exclusive { " exclusive" } else { "" })
        }
        Pte::Page { pfn, flags } => {
            let mut s = if m.is_zero_pfn(pfn) { "zero page".to_string() } else { format!("pfn {:#x}", pfn.0) };
            s.push_str(if flags.contains(PteFlags::PROTNONE) {
                " prot_none"
            } else if flags.contains(PteFlags::WRITE) {
                " rw"
            } else {
                " ro"
            });
            if flags.contains(PteFlags::DIRTY) {
                s.push_str(" dirty");
            }
            if flags.contains(PteFlags::ACCESSED) {
                s.push_str(" young");
            }
            s.push_str(&format!(" [{:#x}]", m.arch.encode_pte(pte)));
            s
        }
    }
}
