//! Address spaces: [`MmStruct`], its VMAs and the system calls that edit
//! them, one file per operation as in the kernel (`mmap.rs` for
//! `do_mmap`, `munmap.rs`, `mprotect.rs`, `mremap.rs`, `madvise.rs`,
//! `brk.rs`, `mlock.rs`, `mincore.rs`, `msync.rs`; `fork.rs` for
//! `dup_mmap`, `populate.rs` for `__mm_populate`, `task_mmu.rs` for
//! `/proc/PID/smaps`), over the VMA rules of `vma.rs` (which run on the
//! VMA tree of `tree.rs` alone, and are unit-tested that way as the
//! kernel's `tools/testing/vma` tests them).

pub mod brk;
pub mod fork;
pub mod madvise;
pub mod mincore;
pub mod mlock;
pub mod mmap;
pub mod mprotect;
pub mod mremap;
pub mod msync;
pub mod munmap;
pub mod populate;
pub mod task_mmu;
pub mod tree;
pub mod vma;

use crate::alloc::Gfp;
use crate::machine::Machine;
use crate::spinlock::SpinLock;
use crate::types::{PAGE_SHIFT, Pfn};
use mm_api::percpu::PerCpuCounter;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

pub use tree::VmaTree;
pub(crate) use vma::VmaReadLock;
pub use vma::{Vma, VmaKind};

/// `struct anon_vma`: the reverse-map root that anonymous pages of one or
/// more VMAs point to.  Its identity decides which VMAs may merge.
///
/// Reclaim finds the entries that map an anonymous page through it: the
/// page's `mapping` word names the anon_vma, the anon_vma lists the
/// address spaces whose VMAs link it, and the page's `index` gives the
/// address in each such VMA.
#[derive(Debug)]
pub struct AnonVma {
    /// Unique id (stored in `struct page` mapping words).
    pub id: u64,
    /// The address spaces with a VMA that links it.
    mms: parking_lot::Mutex<Vec<std::sync::Weak<MmStruct>>>,
    machine: std::sync::Weak<Machine>,
}

impl AnonVma {
    /// A new anon_vma for `mm`, findable from the machine by its id.
    pub(crate) fn new(mm: &MmStruct) -> Arc<AnonVma> {
        let m = &mm.machine;
        let a = Arc::new(AnonVma {
            id: m.new_id(),
            mms: parking_lot::Mutex::new(vec![mm.this.clone()]),
            machine: Arc::downgrade(m),
        });
        m.rmap_roots.anon_vmas.lock().insert(a.id, Arc::downgrade(&a));
        a
    }

    /// `anon_vma_chain_link`: `mm` has a VMA that links this anon_vma.
    pub(crate) fn link_mm(&self, mm: &MmStruct) {
        let mut mms = self.mms.lock();
        mms.retain(|w| w.strong_count() > 0);
        if !mms.iter().any(|w| std::ptr::eq(w.as_ptr(), mm)) {
            mms.push(mm.this.clone());
        }
    }

    /// Calls `f` for each live address space that links it, with the list
    /// locked (the reverse-map walk; `f` must not link or unlink).
    pub(crate) fn for_each_mm(&self, mut f: impl FnMut(&MmStruct)) {
        for w in self.mms.lock().iter() {
            if let Some(mm) = w.upgrade() {
                f(&mm);
            }
        }
    }
}

impl Drop for AnonVma {
    fn drop(&mut self) {
        if let Some(m) = self.machine.upgrade() {
            m.rmap_roots.anon_vmas.lock().remove(&self.id);
        }
    }
}

/// The part of an address space guarded by `mmap_lock`.
#[derive(Clone, Debug)]
pub struct MmState {
    /// The VMAs.
    pub vmas: VmaTree,
    /// Where top-down searches start (`mmap_base`).
    pub mmap_base: u64,
    /// One past the highest user address (`TASK_SIZE`).
    pub task_size: u64,
    /// Start of the heap (`start_brk`).
    pub start_brk: u64,
    /// Current program break (`brk`), unaligned as the caller gave it.
    pub brk: u64,
    /// The initial stack pointer `execve` left (`start_stack`; 0 before
    /// any exec): the VMA holding it is `[stack]` in `/proc/PID/maps`.
    pub start_stack: u64,
    /// The address space was built by `execve` for a 64-bit program, so
    /// `/proc/PID/maps` ends with the `[vsyscall]` gate (`get_gate_vma`).
    /// An address space started empty ([`crate::Kernel::spawn`]) is not a
    /// program's and shows none.
    pub vsyscall_gate: bool,
    /// The program `execve` loaded (`exe_file`, what `/proc/PID/exe`
    /// opens): the ELF file, a script's interpreter after `#!`; copied at
    /// fork.
    pub exe_file: Option<Arc<crate::fs::File>>,
    /// Pages mapped (`total_vm`).
    pub total_vm: u64,
    /// Private writable, non-stack pages (`data_vm`).
    pub data_vm: u64,
    /// Executable pages (`exec_vm`).
    pub exec_vm: u64,
    /// Stack pages (`stack_vm`).
    pub stack_vm: u64,
    /// Pages of `VM_LOCKED` VMAs (`locked_vm`).
    pub locked_vm: u64,
    /// Flags every new VMA gets (`def_flags`): `VM_LOCKED` (and
    /// `VM_LOCKONFAULT`) after `mlockall(MCL_FUTURE)`.
    pub def_flags: crate::flags::VmFlags,
}

/// Counters kept outside the lock (`mm_counter`s, page-table counts).
/// The resident-page counts are per-CPU counters, as `mm->rss_stat` is,
/// so threads faulting on different CPUs share none; they are read
/// exactly (`get_mm_counter_sum`, what `/proc/PID/status` shows).
#[derive(Debug)]
pub struct MmCounters {
    /// Resident anonymous pages (`MM_ANONPAGES`).
    pub(crate) anon_rss: PerCpuCounter,
    /// Resident page-cache pages, shmem included (`MM_FILEPAGES` +
    /// `MM_SHMEMPAGES`).
    pub(crate) file_rss: PerCpuCounter,
    /// PTE tables (`nr_ptes`).
    pub(crate) nr_ptes: AtomicI64,
    /// PMD tables.
    pub(crate) nr_pmds: AtomicI64,
    /// PUD tables.
    pub(crate) nr_puds: AtomicI64,
    /// P4D tables (five-level paging only).
    pub(crate) nr_p4ds: AtomicI64,
    /// Swap entries in the page tables (`MM_SWAPENTS`).
    pub(crate) swap_ents: AtomicI64,
}

impl MmCounters {
    /// Zero counters for an address space of a machine with `nr_cpus`
    /// CPUs.
    pub(crate) fn new(nr_cpus: usize) -> MmCounters {
        let rss = || PerCpuCounter::new(0, nr_cpus, PerCpuCounter::default_batch(nr_cpus));
        MmCounters {
            anon_rss: rss(),
            file_rss: rss(),
            nr_ptes: AtomicI64::new(0),
            nr_pmds: AtomicI64::new(0),
            nr_puds: AtomicI64::new(0),
            nr_p4ds: AtomicI64::new(0),
            swap_ents: AtomicI64::new(0),
        }
    }

    /// Resident anonymous pages (`get_mm_counter(mm, MM_ANONPAGES)`).
    pub fn anon_rss(&self) -> i64 {
        self.anon_rss.sum()
    }

    /// Resident page-cache pages, shmem included.
    pub fn file_rss(&self) -> i64 {
        self.file_rss.sum()
    }

    /// Swap entries in the page tables (`MM_SWAPENTS`).
    pub fn swap_ents(&self) -> i64 {
        self.swap_ents.load(Ordering::Relaxed)
    }

    /// PTE tables (`nr_ptes`).
    pub fn nr_ptes(&self) -> i64 {
        self.nr_ptes.load(Ordering::Relaxed)
    }

    /// PMD tables.
    pub fn nr_pmds(&self) -> i64 {
        self.nr_pmds.load(Ordering::Relaxed)
    }

    /// PUD tables.
    pub fn nr_puds(&self) -> i64 {
        self.nr_puds.load(Ordering::Relaxed)
    }

    /// P4D tables (five-level paging only).
    pub fn nr_p4ds(&self) -> i64 {
        self.nr_p4ds.load(Ordering::Relaxed)
    }
}

/// Source of ids unique across machines (for per-thread caches).
static NEXT_UID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// An address space (`struct mm_struct`).
pub struct MmStruct {
    /// Unique id (also the address-space id the TLB code uses).
    pub id: u64,
    /// A weak reference to itself, for the files' reverse maps.
    pub(crate) this: std::sync::Weak<MmStruct>,
    /// Id unique in the whole process, for caches that outlive a machine.
    pub(crate) uid: u64,
    /// Bumped whenever a page-table page is freed, so that cached walks
    /// are known to be stale.
    pub(crate) pt_gen: std::sync::atomic::AtomicU64,
    /// The machine it lives on.
    pub(crate) machine: Arc<Machine>,
    /// Root page table (`pgd`).
    pgd: Pfn,
    /// VMAs and layout, under the `mmap_lock`.  Writers take it through
    /// [`MmStruct::mmap_write_lock`].
    pub(crate) mmap_lock: RwLock<MmState>,
    /// `mm_lock_seq`: advanced when a writer that write-locked VMAs or
    /// changed the tree drops the `mmap_lock` (`vma_end_write_all`); a VMA
    /// whose `vm_lock_seq` equals it is write-locked.
    pub(crate) mm_lock_seq: AtomicU64,
    /// The VMAs as faults read them without the `mmap_lock` (the maple
    /// tree's RCU readers, `lock_vma_under_rcu`): an immutable copy of the
    /// tree ([`VmaTree::rcu_copy`]) sharing the tree's VMAs until the tree
    /// changes one, and their locks after.  Published by a fault that took
    /// the `mmap_lock` when none was, withdrawn by a writer that changed
    /// the tree.  A fault reads it here only when its thread's copy is out
    /// of date ([`MmStruct::rcu_read_lock`]), so a plain lock serves.
    pub(crate) vma_snapshot: RwLock<Option<Arc<VmaTree>>>,
    /// Whether `vma_snapshot` holds one: set by the fault that publishes
    /// it, under the read side of the `mmap_lock`, and cleared by the
    /// writer that withdraws it, so a writer reads it exactly without the
    /// snapshot's lock, and one that finds none takes no lock for it.
    vma_snapshot_published: std::sync::atomic::AtomicBool,
    /// `page_table_lock`: the address space's own spinlock, for what the
    /// kernel keeps under it (installing PMD, PUD and P4D tables,
    /// `anon_vma_prepare`); entries of a PTE table are changed under that
    /// table's lock (`pte_lock`) and PMD entries under their table's
    /// (`pmd_lock`): split page-table locks.
    pub(crate) page_table_lock: SpinLock<()>,
    /// Counters.
    pub(crate) counters: MmCounters,
    /// Flushes of this address space's translations so far
    /// (`context.tlb_gen`): a CPU whose entries for it date from an
    /// earlier generation flushes before using them.
    pub(crate) tlb_gen: std::sync::atomic::AtomicU64,
    /// The PTE table deposited with each PMD leaf, by the leaf's slot
    /// (`pmd_huge_pte`, `pgtable_trans_huge_deposit`): counted in
    /// `nr_ptes`, it becomes the leaf's table when the leaf is split.
    pub(crate) pmd_huge_pte: parking_lot::Mutex<ahash::AHashMap<crate::pgtable::Slot, Pfn>>,
    /// How many tables `pmd_huge_pte` holds, kept with it under its lock
    /// and read without: an address space with no PMD leaf skips looking
    /// for them ([`MmStruct::for_each_huge_pmd`]) without taking a lock.
    pub(crate) nr_pmd_huge_pte: std::sync::atomic::AtomicUsize,
    /// `MMF_VM_HUGEPAGE`: khugepaged has a slot for this address space
    /// (`__khugepaged_enter`).
    pub(crate) mmf_vm_hugepage: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for MmStruct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmStruct").field("id", &self.id).field("pgd", &self.pgd).finish()
    }
}

/// arch/x86/mm/mmap.c `mmap_base` without randomisation: the gap below
/// `task_size` is `RLIMIT_STACK` plus the stack guard gap (an unlimited
/// stack adds nothing, as the kernel skips a pad that would overflow),
/// clamped to between 128 MiB and 5/6 of `task_size`, and the result
/// rounded up to a page (`PAGE_ALIGN`).
pub fn mmap_base(task_size: u64, rlim_stack: u64, stack_guard_gap: u64) -> u64 {
    let gap = rlim_stack.checked_add(stack_guard_gap).unwrap_or(rlim_stack);
    let gap = gap.clamp(128 << 20, task_size / 6 * 5);
    (task_size - gap).next_multiple_of(crate::types::PAGE_SIZE)
}

impl MmStruct {
    /// `mm_alloc` + `pgd_alloc`: an empty address space with the standard
    /// top-down layout (`mmap_base` 128 MiB below the default map window, as
    /// `arch_pick_mmap_layout` computes without randomisation).
    pub fn new(machine: &Arc<Machine>) -> Option<Arc<MmStruct>> {
        let pgd = machine.alloc_pages(Gfp::PGTABLE_USER, 0)?;
        // pgd_ctor: the kernel half is shared by every address space.
        machine.pgd_ctor(pgd);
        let task_size = machine.arch.task_size();
        let t = &machine.tunables;
        // arch_pick_mmap_layout: the base sits below the default map
        // window (`task_size_64bit(0)`), not below `TASK_SIZE`, so with
        // five levels mappings stay under 2^47 unless a hint asks higher.
        let mmap_base = mmap_base(machine.arch.default_map_window(), t.rlimit_stack, t.stack_guard_gap);
        Some(Arc::new_cyclic(|this| MmStruct {
            this: this.clone(),
            id: machine.new_id(),
            uid: NEXT_UID.fetch_add(1, Ordering::Relaxed),
            pt_gen: std::sync::atomic::AtomicU64::new(0),
            machine: machine.clone(),
            pgd,
            mmap_lock: RwLock::new(MmState {
                vmas: VmaTree::default(),
                mmap_base,
                task_size,
                start_brk: t.brk_base,
                brk: t.brk_base,
                start_stack: 0,
                vsyscall_gate: false,
                exe_file: None,
                total_vm: 0,
                data_vm: 0,
                exec_vm: 0,
                stack_vm: 0,
                locked_vm: 0,
                def_flags: crate::flags::VmFlags::empty(),
            }),
            mm_lock_seq: AtomicU64::new(0),
            vma_snapshot: RwLock::new(None),
            vma_snapshot_published: Default::default(),
            page_table_lock: SpinLock::new(()),
            pmd_huge_pte: Default::default(),
            nr_pmd_huge_pte: Default::default(),
            mmf_vm_hugepage: Default::default(),
            counters: MmCounters::new(machine.nr_cpus()),
            tlb_gen: std::sync::atomic::AtomicU64::new(1),
        }))
    }

    /// The machine it lives on.
    #[inline]
    pub fn machine(&self) -> &Arc<Machine> {
        &self.machine
    }

    /// `mmap_read_lock`: the VMAs and layout, read-only; changes go through
    /// the system calls.
    pub fn mmap_read_lock(&self) -> parking_lot::RwLockReadGuard<'_, MmState> {
        crate::lockstat::lock_acquired("mmap_lock", &self.mmap_lock);
        self.mmap_lock.read()
    }

    /// `mmap_write_lock`: the VMAs and layout, to change; dropping the
    /// guard is `mmap_write_unlock`.
    pub(crate) fn mmap_write_lock(&self) -> MmapWriteGuard<'_> {
        crate::lockstat::lock_acquired("mmap_lock", &self.mmap_lock);
        let mut guard = self.mmap_lock.write();
        // Only writers change it, and this one holds the lock.
        guard.vmas.start_writer(self.mm_lock_seq.load(Ordering::Relaxed));
        MmapWriteGuard { mm: self, guard: Some(guard) }
    }

    /// `mmap_read_trylock`.
    pub(crate) fn mmap_read_trylock(&self) -> Option<RwLockReadGuard<'_, MmState>> {
        crate::lockstat::lock_acquired("mmap_lock", &self.mmap_lock);
        self.mmap_lock.try_read()
    }

    /// Publishes the snapshot of the VMAs that faults read without the
    /// `mmap_lock`, if none is; `st` is the state under the read side of
    /// the `mmap_lock` (so no writer runs).  Under `page_table_lock`, as
    /// `anon_vma_prepare` sets a VMA's anon_vma: a snapshot has every
    /// anon_vma the tree had when it was published, and gets every one
    /// set later.
    pub(crate) fn vma_snapshot_publish(&self, st: &MmState) {
        if self.vma_snapshot.read().is_some() {
            return;
        }
        let _ptl = self.mm_page_table_lock();
        let mut snap = self.vma_snapshot.write();
        if snap.is_none() {
            *snap = Some(Arc::new(st.vmas.rcu_copy()));
            self.vma_snapshot_published.store(true, Ordering::Relaxed);
        }
    }

    /// `rcu_read_lock` for the VMAs: the published snapshot, and the
    /// `mm_lock_seq` read before it.
    ///
    /// The thread keeps the snapshot it used last ([`VMA_RCU`]): while
    /// `mm_lock_seq` has not moved since that one was loaded, it is still
    /// the published one (withdrawing it would have moved the sequence),
    /// and the fault loads nothing shared to find it.
    #[inline]
    pub(crate) fn rcu_read_lock(&self) -> VmaRcu {
        let seq = self.mm_lock_seq.load(Ordering::Acquire);
        let snapshot = match VMA_RCU.with(|c| c.take_if(self.uid, seq)) {
            Ok(snapshot) => Some(snapshot),
            Err(old) => {
                // Dropped here, before any lock is taken.
                drop(old);
                crate::lockstat::lock_acquired("vma_snapshot", &self.vma_snapshot);
                self.vma_snapshot.read().clone()
            }
        };
        VmaRcu { mm: self.uid, seq, snapshot }
    }

    /// `lock_vma_under_rcu`: the VMA containing `addr` in the snapshot
    /// `rcu` holds, read-locked (`vma_start_read`); `None` if there is
    /// none, a writer has it write-locked, or the snapshot is stale (the
    /// caller takes the `mmap_lock` then).
    ///
    /// Stale: a writer that withdraws a snapshot does so before it
    /// advances `mm_lock_seq` (release), and `rcu` read the sequence
    /// before the snapshot (acquire), so a snapshot found withdrawn since
    /// shows as a sequence that moved; it is read again after the reader
    /// is counted in (sequentially consistent, as in `vma_start_read`).
    /// The same sequence then means that no writer finished meanwhile: a
    /// writer at work now has that sequence, and excludes the reader from
    /// the VMAs it changes by the VMA lock alone.
    #[inline]
    pub(crate) fn lock_vma_under_rcu<'r>(&self, rcu: &'r VmaRcu, addr: u64) -> Option<(&'r Vma, VmaReadLock<'r>)> {
        let vma = rcu.snapshot()?.lookup(addr)?;
        let lock = vma.lock.vma_start_read(rcu.seq)?;
        if self.mm_lock_seq.load(Ordering::SeqCst) != rcu.seq {
            return None;
        }
        Some((vma, lock))
    }

    /// The rss and page-table counters.
    #[inline]
    pub fn counters(&self) -> &MmCounters {
        &self.counters
    }

    /// The root page table.
    pub fn pgd(&self) -> Pfn {
        self.pgd
    }

    /// Page-table pages in use, the root included.
    pub fn pgtable_pages(&self) -> i64 {
        let c = &self.counters;
        1 + c.nr_ptes.load(Ordering::Relaxed)
            + c.nr_pmds.load(Ordering::Relaxed)
            + c.nr_puds.load(Ordering::Relaxed)
            + c.nr_p4ds.load(Ordering::Relaxed)
    }

    /// `VmPTE` of `/proc/PID/status` in kB: PTE, PMD and PUD tables.
    pub fn vm_pte_kb(&self) -> i64 {
        let c = &self.counters;
        (c.nr_ptes.load(Ordering::Relaxed) + c.nr_pmds.load(Ordering::Relaxed) + c.nr_puds.load(Ordering::Relaxed)) * 4
    }

    /// `exit_mmap`: unmaps everything and frees every page table; the
    /// address space is empty afterwards (its root table is freed when the
    /// `MmStruct` is dropped).
    pub(crate) fn exit_mmap(&self) {
        let mut st = self.mmap_write_lock();
        if st.vmas.is_empty() {
            return;
        }
        self.machine.lru_add_drain();
        let mut tlb = crate::memory::MmuGather::new(self);
        let vmas: Vec<Vma> = st.vmas.remove_all();
        for v in &vmas {
            self.unmap_page_range(&mut tlb, v, v.start, v.end, true);
        }
        self.free_pgtables(&mut tlb, &vmas, 0, 0);
        tlb.finish();
        st.total_vm = 0;
        st.data_vm = 0;
        st.exec_vm = 0;
        st.stack_vm = 0;
        st.locked_vm = 0;
    }
}

impl Drop for MmStruct {
    fn drop(&mut self) {
        self.exit_mmap();
        self.machine.drop_mm(self.id);
        self.machine.free_pages(self.pgd, 0);
    }
}

/// A fault's view of the VMAs without the `mmap_lock`
/// ([`MmStruct::rcu_read_lock`]).
pub(crate) struct VmaRcu {
    /// The address space's `uid`.
    mm: u64,
    /// `mm_lock_seq` before the snapshot was loaded.
    seq: u64,
    /// The published snapshot, if any.
    snapshot: Option<Arc<VmaTree>>,
}

/// A thread's last snapshot of the VMAs of an address space.  Each field
/// is a cell of its own, so that keeping or taking the snapshot writes
/// and reads the thread-local words one at a time, never as one value
/// put together on the stack first (whose copy, read back wider than it
/// was written, would wait for the stores to drain on every fault).
struct CachedVmas {
    /// The address space's `uid`.
    mm: Cell<u64>,
    /// `mm_lock_seq` before the snapshot was loaded.
    seq: Cell<u64>,
    snapshot: Cell<Option<Arc<VmaTree>>>,
}

impl CachedVmas {
    /// Takes the snapshot: `Ok` if it is the one of address space `mm`
    /// loaded at sequence `seq`, else `Err` with whatever was kept.
    #[inline]
    fn take_if(&self, mm: u64, seq: u64) -> Result<Arc<VmaTree>, Option<Arc<VmaTree>>> {
        match self.snapshot.take() {
            Some(s) if self.mm.get() == mm && self.seq.get() == seq => Ok(s),
            other => Err(other),
        }
    }

    /// Keeps `snapshot`, of address space `mm` at sequence `seq`, and
    /// returns the one it replaces.
    #[inline]
    fn keep(&self, mm: u64, seq: u64, snapshot: Arc<VmaTree>) -> Option<Arc<VmaTree>> {
        self.mm.set(mm);
        self.seq.set(seq);
        self.snapshot.replace(Some(snapshot))
    }
}

thread_local! {
    /// The snapshot this thread's last fault without the `mmap_lock`
    /// used ([`MmStruct::rcu_read_lock`]).  A writer on this thread drops
    /// it when it withdraws the snapshot; another thread's copy goes at
    /// that thread's next fault or its exit.
    static VMA_RCU: CachedVmas = const {
        CachedVmas { mm: Cell::new(0), seq: Cell::new(0), snapshot: Cell::new(None) }
    };
}

impl Drop for VmaRcu {
    fn drop(&mut self) {
        if let Some(snapshot) = self.snapshot.take() {
            // A fault nested in this one (reclaim's reverse-map walk) may
            // have cached one meanwhile: this one replaces it, and the
            // replaced one is dropped once the thread-local is no longer
            // borrowed.
            drop(VMA_RCU.with(|c| c.keep(self.mm, self.seq, snapshot)));
        }
    }
}

impl VmaRcu {
    /// `mm_lock_seq` before the snapshot was loaded.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// The published snapshot, if any.
    #[inline]
    pub(crate) fn snapshot(&self) -> Option<&VmaTree> {
        self.snapshot.as_deref()
    }
}

/// The `mmap_lock` held for writing (`mmap_write_lock`); dropping it is
/// `mmap_write_unlock`, which withdraws the published VMA snapshot if the
/// tree changed and ends every VMA write lock taken meanwhile
/// (`vma_end_write_all`).
pub(crate) struct MmapWriteGuard<'a> {
    mm: &'a MmStruct,
    /// `None` only once downgraded.
    guard: Option<RwLockWriteGuard<'a, MmState>>,
}

impl<'a> MmapWriteGuard<'a> {
    /// `vma_end_write_all`, and the snapshot withdrawn if the tree
    /// changed.
    fn vma_end_write_all(&mut self) {
        let Some(st) = self.guard.as_mut() else {
            return;
        };
        if st.vmas.changed {
            // Publishers hold the read side of the `mmap_lock`: the flag is
            // as they left it.
            if self.mm.vma_snapshot_published.load(Ordering::Relaxed) {
                // Before the sequence moves: a reader that sees the new
                // sequence finds this snapshot gone.
                *self.mm.vma_snapshot.write() = None;
                self.mm.vma_snapshot_published.store(false, Ordering::Relaxed);
            }
            // This thread's copy goes too, so it is freed now.
            let uid = self.mm.uid;
            drop(VMA_RCU.with(|c| if c.mm.get() == uid { c.snapshot.take() } else { None }));
        }
        if st.vmas.wrote || st.vmas.changed {
            // Readers compare it with the VMAs' marks and with the value
            // they read before loading the snapshot.  Only the holder of
            // the `mmap_lock` for writing changes it, so a plain store
            // serves, with release as in the kernel (`mm_lock_seqcount_end`):
            // a reader that finds a later writer's mark on a VMA (the
            // writer saw the new sequence when it took the `mmap_lock`)
            // loads this sequence or a later one when it looks again.
            let seq = self.mm.mm_lock_seq.load(Ordering::Relaxed);
            self.mm.mm_lock_seq.store(seq + 1, Ordering::Release);
        }
        st.vmas.start_writer(u64::MAX);
    }

    /// `mmap_write_downgrade`: ends the VMA write locks and keeps the
    /// `mmap_lock` for reading.
    pub(crate) fn downgrade(mut self) -> RwLockReadGuard<'a, MmState> {
        self.vma_end_write_all();
        RwLockWriteGuard::downgrade(self.guard.take().expect("not downgraded yet"))
    }

    /// The `RwLockWriteGuard` within (for [`MmStruct::rmap_walkable`]).
    pub(crate) fn raw(&self) -> &RwLockWriteGuard<'_, MmState> {
        self.guard.as_ref().expect("not downgraded")
    }
}

impl std::ops::Deref for MmapWriteGuard<'_> {
    type Target = MmState;
    fn deref(&self) -> &MmState {
        self.guard.as_ref().expect("not downgraded")
    }
}

impl std::ops::DerefMut for MmapWriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut MmState {
        self.guard.as_mut().expect("not downgraded")
    }
}

impl Drop for MmapWriteGuard<'_> {
    fn drop(&mut self) {
        self.vma_end_write_all();
    }
}

/// `is_data_mapping`: private writable, not a stack.
pub(crate) fn is_data_mapping(flags: crate::flags::VmFlags) -> bool {
    use crate::flags::VmFlags;
    flags & (VmFlags::WRITE | VmFlags::SHARED | VmFlags::STACK) == VmFlags::WRITE
}

/// `vm_stat_account`.
pub(crate) fn vm_stat_account(st: &mut MmState, flags: crate::flags::VmFlags, npages: i64) {
    use crate::flags::VmFlags;
    st.total_vm = (st.total_vm as i64 + npages) as u64;
    if flags & (VmFlags::EXEC | VmFlags::WRITE) == VmFlags::EXEC {
        st.exec_vm = (st.exec_vm as i64 + npages) as u64;
    } else if flags.contains(VmFlags::STACK) {
        st.stack_vm = (st.stack_vm as i64 + npages) as u64;
    } else if is_data_mapping(flags) {
        st.data_vm = (st.data_vm as i64 + npages) as u64;
    }
}

/// Pages in `[start, end)`.
pub(crate) fn pages(start: u64, end: u64) -> u64 {
    (end - start) >> PAGE_SHIFT
}
