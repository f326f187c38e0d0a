//! VMAs and the rules that split and merge them (mm/vma.c).
//!
//! `vma_merge_new_range` tries to merge a range about to be mapped with its
//! neighbours, growing one of them over it (`vma_expand`);
//! `vma_merge_existing_range` tries to merge part of a VMA whose
//! attributes change (mprotect, madvise, mlock) with its neighbours;
//! `vma_modify` falls back to splitting.  `vma_merge_extend` (`mremap` in
//! place) and `copy_vma` (`mremap` moving a VMA) merge through
//! `vma_merge_new_range` too.  A merge needs equal flags (soft-dirty
//! aside), the same file, contiguous page offsets and compatible
//! `anon_vma`s.
//!
//! The merge and split functions work on a [`VmaTree`] and a `VmaCtx`
//! (a trace sink and the map count limit), not on a machine, so they are
//! unit-tested alone (`vma_tests.rs`, after the kernel's
//! `tools/testing/vma`).

use super::{AnonVma, MmState, VmaTree};
use crate::arch::PteFlags;
use crate::errno::{Errno, SysResult};
use crate::flags::VmFlags;
use crate::fs::{File, VmOperations};
use crate::machine::Machine;
use crate::trace::Tracer;
use crate::trace_note;
use crate::types::PAGE_SHIFT;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// What a VMA maps.  The kernel distinguishes these by `vm_file` and
/// `vm_ops`.
#[derive(Clone, Debug)]
pub enum VmaKind {
    /// Private anonymous memory (`vma_is_anonymous`: no `vm_ops`).
    Anonymous,
    /// A file (`vm_file`) and the operations its `mmap` chose (`vm_ops`).
    /// Shared anonymous memory is a file too: an unlinked shmem file.
    File {
        /// `vm_file`.
        file: Arc<File>,
        /// `vm_ops`.
        vm_ops: Arc<dyn VmOperations>,
    },
    /// A special mapping the kernel installs (`_install_special_mapping`):
    /// no file, `special_mapping_vmops`, shown in `/proc/PID/maps` by its
    /// name (`[vdso]`, `[vvar]`, `[vvar_vclock]`).
    Special {
        /// `vm_special_mapping.name`.
        name: &'static str,
    },
}

/// A virtual memory area (`struct vm_area_struct`).
#[derive(Debug)]
pub struct Vma {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// `vm_pgoff`: page offset of `start` in the file, or, for anonymous
    /// memory, the page number of the address it was first mapped at.
    pub pgoff: u64,
    /// `vm_flags`.
    pub flags: VmFlags,
    /// `vm_page_prot`: the leaf-entry protection for this VMA.
    pub page_prot: PteFlags,
    /// The anon_vma its anonymous pages belong to, once one was written.
    /// Set once under the read side of `mmap_lock` by the fault path
    /// (`anon_vma_prepare`, serialised by `page_table_lock`), changed
    /// otherwise only under the write side.
    pub(crate) anon_vma: OnceLock<Arc<AnonVma>>,
    /// The other links of its `anon_vma_chain`: the anon_vmas of parent
    /// processes whose pages it may still map after a fork.
    pub(crate) anon_vma_parents: Vec<Arc<AnonVma>>,
    /// What it maps.
    pub kind: VmaKind,
    /// Its per-VMA lock (`vm_refcnt`, `vm_lock_seq`), shared with its
    /// copy in the address space's published VMA snapshot
    /// ([`Vma::rcu_copy`]); a new VMA ([`Vma::clone`], `vm_area_dup`) gets
    /// a lock of its own.
    pub(crate) lock: triomphe::Arc<VmaLock>,
}

/// The per-VMA lock (`vm_refcnt` and `vm_lock_seq` of `struct
/// vm_area_struct`): faults read the VMA under it without the
/// `mmap_lock`, a writer holding the `mmap_lock` for writing excludes
/// them from the VMAs it changes.
///
/// A writer marks the VMA with the address space's `mm_lock_seq`
/// (`vma_start_write`) and waits until no reader holds it; the mark
/// stands until the writer's `mmap_write_unlock` advances `mm_lock_seq`
/// (`vma_end_write_all`).  A reader counts itself in `refcnt` first and
/// then looks at the mark (`vma_start_read`).  Both sides do their store
/// before their load, all sequentially consistent (Dekker's pattern):
/// in the single order of the four, either the reader's count comes
/// before the writer's load of it (the writer waits for the reader) or
/// the writer's mark comes before the reader's load of it (the reader
/// backs off).  A reader never waits: it fails and the fault takes the
/// `mmap_lock`.  On a cache line of its own, as `vm_refcnt` is in
/// `vm_area_struct`, so that readers of different VMAs share no line:
/// the two words have 48 bytes of padding on each side, so any 64-byte
/// line that holds either lies within the lock.  Padded rather than
/// aligned, as an aligned allocation is several times as costly as a
/// plain one (`posix_memalign`), and a VMA is allocated on every mmap
/// and split.  `repr(C)` keeps the fields in this order.
#[derive(Debug)]
#[repr(C)]
pub struct VmaLock {
    _before: [u64; 6],
    /// Readers in the VMA now (`vm_refcnt`, without the attached bit: a
    /// VMA that left the tree is told apart by the snapshot's age).
    refcnt: AtomicU64,
    /// The `mm_lock_seq` of the last writer that marked it
    /// (`vm_lock_seq`); write-locked while that equals `mm_lock_seq`.
    lock_seq: AtomicU64,
    _after: [u64; 6],
}

impl Default for VmaLock {
    fn default() -> VmaLock {
        VmaLock::write_locked(u64::MAX)
    }
}

/// A reader's hold of a VMA's lock (`vma_start_read` until
/// `vma_end_read`, which dropping it does).
#[derive(Debug)]
pub(crate) struct VmaReadLock<'a>(&'a VmaLock);

impl Drop for VmaReadLock<'_> {
    fn drop(&mut self) {
        // vma_end_read: the reader's accesses to the VMA and its pages
        // happen before a writer that sees the count drop.
        self.0.refcnt.fetch_sub(1, Ordering::Release);
    }
}

impl VmaLock {
    /// A new lock, marked by the writer whose `mm_lock_seq` is `seq`: the
    /// lock of a VMA that writer creates, which no reader can have found
    /// before the writer ends, so its own `vma_start_write` of it has
    /// nothing to wait for or to order.
    pub(crate) fn write_locked(seq: u64) -> VmaLock {
        VmaLock { _before: [0; 6], refcnt: AtomicU64::new(0), lock_seq: AtomicU64::new(seq), _after: [0; 6] }
    }

    /// `vma_start_read`: counts a reader in, unless a writer whose
    /// `mm_lock_seq` is `seq` marked the VMA; `None` then.  The caller
    /// checks afterwards that `mm_lock_seq` is still `seq` (no writer
    /// finished meanwhile, so the snapshot it found the VMA in is
    /// current).
    #[inline]
    pub(crate) fn vma_start_read(&self, seq: u64) -> Option<VmaReadLock<'_>> {
        crate::lockstat::lock_acquired("vma_lock", self);
        self.refcnt.fetch_add(1, Ordering::SeqCst);
        let guard = VmaReadLock(self);
        // Paired with the writer's store of its mark and load of the
        // count in `vma_start_write`.
        if self.lock_seq.load(Ordering::SeqCst) == seq {
            return None;
        }
        Some(guard)
    }

    /// `vma_start_write`: marks the VMA write-locked by the writer whose
    /// `mm_lock_seq` is `seq` and waits until its readers have left.  The
    /// caller holds the `mmap_lock` for writing.
    #[inline]
    pub(crate) fn vma_start_write(&self, seq: u64) {
        if self.lock_seq.load(Ordering::Relaxed) == seq {
            // Marked by this writer already (only it stores `seq`).
            return;
        }
        self.lock_seq.store(seq, Ordering::SeqCst);
        let mut spins = 0u32;
        while self.refcnt.load(Ordering::SeqCst) != 0 {
            // A reader is in one fault; it does not wait for this writer.
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// `vm_area_dup`.  Written out to be `#[inline]`: splitting a VMA
/// ([`VmaTree::split`]) copies one, and that must cost no call.  The copy
/// is a new VMA with a lock of its own.
impl Clone for Vma {
    #[inline]
    fn clone(&self) -> Vma {
        self.copy_with_lock(triomphe::Arc::default())
    }
}

impl Vma {
    /// A new anonymous VMA over `[start, end)` with the protection the
    /// architecture gives `flags` (`vm_area_alloc` + `vma_set_anonymous`).
    pub fn new_anon(m: &Machine, start: u64, end: u64, pgoff: u64, flags: VmFlags) -> Vma {
        Vma {
            start,
            end,
            pgoff,
            flags,
            page_prot: m.arch.vm_get_page_prot(flags),
            anon_vma: OnceLock::new(),
            anon_vma_parents: Vec::new(),
            kind: VmaKind::Anonymous,
            lock: triomphe::Arc::default(),
        }
    }

    /// The copy of this VMA in a published snapshot of the VMA tree (the
    /// RCU reader's view of it): equal to it, and sharing its lock, so
    /// that a writer of the VMA excludes readers that found the copy.
    pub(crate) fn rcu_copy(&self) -> Vma {
        self.copy_with_lock(self.lock.clone())
    }

    /// A copy of this VMA with `lock` as its lock.
    #[inline]
    pub(super) fn copy_with_lock(&self, lock: triomphe::Arc<VmaLock>) -> Vma {
        Vma {
            start: self.start,
            end: self.end,
            pgoff: self.pgoff,
            flags: self.flags,
            page_prot: self.page_prot,
            anon_vma: self.anon_vma.clone(),
            anon_vma_parents: self.anon_vma_parents.clone(),
            kind: self.kind.clone(),
            lock,
        }
    }

    /// Both are one VMA (a VMA and its snapshot copy): they share a lock.
    pub(crate) fn same_vma(&self, other: &Vma) -> bool {
        triomphe::Arc::ptr_eq(&self.lock, &other.lock)
    }

    /// A special mapping named `name` over `[start, end)`
    /// (`_install_special_mapping`): its flags get `VM_DONTEXPAND` and
    /// `VM_SOFTDIRTY`, so it never merges or grows.
    pub fn new_special(m: &Machine, start: u64, end: u64, flags: VmFlags, name: &'static str) -> Vma {
        let mut v = Vma::new_anon(m, start, end, 0, flags | VmFlags::DONTEXPAND | VmFlags::SOFTDIRTY);
        v.kind = VmaKind::Special { name };
        v
    }

    /// The name of a special mapping.
    pub fn special_name(&self) -> Option<&'static str> {
        match self.kind {
            VmaKind::Special { name } => Some(name),
            _ => None,
        }
    }

    /// `vma_pages`.
    pub fn pages(&self) -> u64 {
        (self.end - self.start) >> PAGE_SHIFT
    }
    /// A VMA mapping `file` with `vm_ops`, its protection set as
    /// `vma_set_page_prot` sets it (`mmap_region` -> `__mmap_new_file_vma`).
    pub fn new_file(
        m: &Machine,
        start: u64,
        end: u64,
        pgoff: u64,
        flags: VmFlags,
        file: Arc<File>,
        vm_ops: Arc<dyn VmOperations>,
    ) -> Vma {
        let mut v = Vma::new_anon(m, start, end, pgoff, flags);
        v.kind = VmaKind::File { file, vm_ops };
        v.vma_set_page_prot(m);
        v
    }

    /// `vma_is_anonymous`.
    pub fn is_anonymous(&self) -> bool {
        matches!(self.kind, VmaKind::Anonymous)
    }
    /// `vm_file`.
    pub fn file(&self) -> Option<&Arc<File>> {
        match &self.kind {
            VmaKind::Anonymous | VmaKind::Special { .. } => None,
            VmaKind::File { file, .. } => Some(file),
        }
    }
    /// `vm_ops`.
    pub fn vm_ops(&self) -> Option<&Arc<dyn VmOperations>> {
        match &self.kind {
            VmaKind::Anonymous | VmaKind::Special { .. } => None,
            VmaKind::File { vm_ops, .. } => Some(vm_ops),
        }
    }
    /// The inode number of the mapped file.
    pub fn file_ino(&self) -> Option<u64> {
        self.file().map(|f| f.inode.ino)
    }
    /// `vma_set_page_prot`: the entry protection of `vm_flags`, read-only
    /// for a shared writable mapping whose writes the filesystem must hear
    /// of (`vma_wants_writenotify`).
    pub fn vma_set_page_prot(&mut self, m: &Machine) {
        let mut flags = self.flags;
        if self.wants_writenotify() {
            flags -= VmFlags::SHARED;
        }
        self.page_prot = m.arch.vm_get_page_prot(flags);
    }
    /// Whether writes to this shared writable VMA fault first so the
    /// filesystem hears of them (`vma_wants_writenotify`).
    pub fn wants_writenotify(&self) -> bool {
        match &self.kind {
            VmaKind::File { file, vm_ops } => {
                self.flags.contains(VmFlags::SHARED | VmFlags::WRITE)
                    && crate::fs::wants_writenotify(vm_ops.as_ref(), file)
            }
            VmaKind::Anonymous | VmaKind::Special { .. } => false,
        }
    }
    /// `vma_is_accessible`: readable, writable or executable.
    pub fn is_accessible(&self) -> bool {
        self.flags.intersects(VmFlags::ACCESS_FLAGS)
    }
    /// `linear_page_index`: the page offset of `addr` in this VMA's object.
    pub fn linear_page_index(&self, addr: u64) -> u64 {
        ((addr - self.start) >> PAGE_SHIFT) + self.pgoff
    }
    /// The anon_vma, if the VMA has one.
    #[inline]
    pub fn anon_vma(&self) -> Option<&Arc<AnonVma>> {
        self.anon_vma.get()
    }
    /// `vma_had_uncowed_parents`: it shares anon_vmas with a parent process
    /// (its chain is not a single link).
    pub fn had_uncowed_parents(&self) -> bool {
        self.anon_vma.get().is_some() && !self.anon_vma_parents.is_empty()
    }
    /// The `/proc/PID/maps` permission string, e.g. `rw-p`.
    pub fn perms(&self) -> String {
        String::from_utf8_lossy(&self.flags.maps_perms()).into_owned()
    }
    /// Identity of the mapped open file for merge checks (`vm_file`).
    fn file_id(&self) -> Option<u64> {
        self.file().map(|f| f.id)
    }
}

/// What the merge and split code needs besides the VMA tree: a trace sink
/// and the map count limit.  The kernel reaches both through `vmg->mm` and
/// a global sysctl; here they are handed in, so the code runs on a bare
/// [`VmaTree`] (as `tools/testing/vma` runs `mm/vma.c` without a kernel).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmaCtx<'a> {
    /// Where merges and splits are reported.
    pub trace: &'a Tracer,
    /// `sysctl_max_map_count`.
    pub max_map_count: usize,
}

impl<'a> VmaCtx<'a> {
    /// The context of `m`: its tracer and its `vm.max_map_count`.
    pub(crate) fn new(m: &'a Machine) -> VmaCtx<'a> {
        VmaCtx { trace: &m.trace, max_map_count: m.tunables.max_map_count }
    }
}

/// `enum vma_merge_state`: how the last merge attempt on a
/// [`VmaMergeStruct`] ended.  (The kernel's `VMA_MERGE_ERROR_NOMEM` has no
/// counterpart: no allocation a merge makes can fail here.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VmaMergeState {
    /// No merge attempted yet.
    Start,
    /// The range could not be merged.
    Nomerge,
    /// The range was merged; `target` names the VMA that covers it.
    Success,
}

/// `struct vma_merge_struct`: a proposed range and its attributes.
#[derive(Clone, Debug)]
pub(crate) struct VmaMergeStruct {
    /// Start of the VMA before the range (if any).
    pub prev: Option<u64>,
    /// Start of the VMA being modified (existing-range merges).
    pub middle: Option<u64>,
    /// Start of the VMA after the range (if any).
    pub next: Option<u64>,
    /// Start of the VMA that grows over the range (`vma_expand`), and after
    /// a successful merge the start of the VMA that covers it.
    pub target: Option<u64>,
    pub start: u64,
    pub end: u64,
    pub pgoff: u64,
    pub flags: VmFlags,
    pub anon_vma: Option<Arc<AnonVma>>,
    pub anon_vma_parents: Vec<Arc<AnonVma>>,
    pub file: Option<u64>,
    /// Only expand `prev`; never merge with `next` (`VMG_FLAG_JUST_EXPAND`,
    /// `do_brk_flags`).
    pub just_expand: bool,
    /// `vma_is_fork_child(vmg->copied_from)`: the range is a copy of a VMA
    /// (`copy_vma`, through [`vma_merge_copied_range`]) that shares its
    /// anon_vmas with a parent process.
    pub copied_from_fork_child: bool,
    /// How the last merge attempt ended.
    pub state: VmaMergeState,
}

impl VmaMergeStruct {
    /// A new range `[start, end)` with these attributes (`VMG_STATE`).
    pub(crate) fn new_range(start: u64, end: u64, pgoff: u64, flags: VmFlags) -> VmaMergeStruct {
        VmaMergeStruct {
            prev: None,
            middle: None,
            next: None,
            target: None,
            start,
            end,
            pgoff,
            flags,
            anon_vma: None,
            anon_vma_parents: Vec::new(),
            file: None,
            just_expand: false,
            copied_from_fork_child: false,
            state: VmaMergeState::Start,
        }
    }

    /// `VMG_VMA_STATE`: a change to `[start, end)` of `vma`.
    #[inline]
    pub(crate) fn for_vma(vma: &Vma, start: u64, end: u64) -> VmaMergeStruct {
        VmaMergeStruct {
            middle: Some(vma.start),
            ..VmaMergeStruct::like_vma(vma, start, end, vma.pgoff + ((start - vma.start) >> PAGE_SHIFT))
        }
    }

    /// A new range `[start, end)` at page offset `pgoff` with the
    /// attributes of `vma` (flags, anon_vma, file) but not part of it: an
    /// extension or a copy of `vma`.
    #[inline]
    pub(crate) fn like_vma(vma: &Vma, start: u64, end: u64, pgoff: u64) -> VmaMergeStruct {
        VmaMergeStruct {
            prev: None,
            middle: None,
            next: None,
            target: None,
            start,
            end,
            pgoff,
            flags: vma.flags,
            anon_vma: vma.anon_vma().cloned(),
            anon_vma_parents: vma.anon_vma_parents.clone(),
            file: vma.file_id(),
            just_expand: false,
            copied_from_fork_child: false,
            state: VmaMergeState::Start,
        }
    }
}

fn same_anon(a: Option<&Arc<AnonVma>>, b: Option<&Arc<AnonVma>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// `is_mergeable_vma`: flags (soft-dirty aside) and file agree.
fn is_mergeable_vma(vmg: &VmaMergeStruct, tgt: &Vma) -> bool {
    (tgt.flags ^ vmg.flags) & !VmFlags::IGNORE_MERGE == VmFlags::empty() && tgt.file_id() == vmg.file
}

/// `is_mergeable_anon_vma`: merging `tgt` with the proposed range keeps a
/// single anon_vma, and neither side shares one with a parent process
/// (nor does the VMA the range is copied from, in an `mremap`).
fn is_mergeable_anon_vma(vmg: &VmaMergeStruct, tgt: &Vma, src: Option<&Vma>) -> bool {
    match (tgt.anon_vma(), vmg.anon_vma.as_ref()) {
        // The source's anon_vma will be copied into the target.
        (None, Some(_)) => !src.is_some_and(|s| s.had_uncowed_parents()) && !vmg.copied_from_fork_child,
        // The target's anon_vma will cover the range.
        (Some(_), None) => !tgt.had_uncowed_parents(),
        (t, s) => same_anon(t, s),
    }
}

/// `can_vma_merge_before`: the range can be merged in front of `next`.
fn can_vma_merge_before(vmg: &VmaMergeStruct, next: &Vma, src: Option<&Vma>) -> bool {
    let pglen = (vmg.end - vmg.start) >> PAGE_SHIFT;
    is_mergeable_vma(vmg, next) && is_mergeable_anon_vma(vmg, next, src) && next.pgoff == vmg.pgoff + pglen
}

/// `can_vma_merge_after`: the range can be merged behind `prev`.
fn can_vma_merge_after(vmg: &VmaMergeStruct, prev: &Vma, src: Option<&Vma>) -> bool {
    is_mergeable_vma(vmg, prev) && is_mergeable_anon_vma(vmg, prev, src) && prev.pgoff + prev.pages() == vmg.pgoff
}

/// `can_vma_merge_left`.
fn can_vma_merge_left(vmg: &VmaMergeStruct, prev: Option<&Vma>, src: Option<&Vma>) -> bool {
    prev.is_some_and(|p| p.end == vmg.start && can_vma_merge_after(vmg, p, src))
}

/// `can_vma_merge_right`: also checks that, when merging both sides, the
/// two neighbours' anon_vmas agree with each other.
fn can_vma_merge_right(
    vmg: &VmaMergeStruct,
    prev: Option<&Vma>,
    next: Option<&Vma>,
    src: Option<&Vma>,
    can_merge_left: bool,
) -> bool {
    let Some(next) = next else { return false };
    if vmg.end != next.start || !can_vma_merge_before(vmg, next, src) {
        return false;
    }
    if !can_merge_left {
        return true;
    }
    let prev = prev.expect("merging left implies a prev");
    prev.anon_vma().is_none() || next.anon_vma().is_none() || same_anon(prev.anon_vma(), next.anon_vma())
}

/// `dup_anon_vma`: the merged VMA takes the source's anon_vma (and its
/// chain) if it had none.
fn dup_anon_vma(dst: &mut Vma, src_anon: Option<&Arc<AnonVma>>, src_parents: &[Arc<AnonVma>]) {
    if dst.anon_vma().is_none()
        && let Some(a) = src_anon
    {
        dst.anon_vma = OnceLock::from(a.clone());
        dst.anon_vma_parents = src_parents.to_vec();
    }
}

fn describe(v: &Vma) -> String {
    format!("{:08x}-{:08x} {}", v.start, v.end, v.perms())
}

/// The anon_vma of a VMA and its chain, to carry over in a merge.
type AnonLinks = (Option<Arc<AnonVma>>, Vec<Arc<AnonVma>>);

fn anon_links(v: &Vma) -> AnonLinks {
    (v.anon_vma().cloned(), v.anon_vma_parents.clone())
}

/// `vma_merge_new_range`: merges a range about to be mapped into `prev`
/// and/or `next`.  Returns the start of the VMA that now covers the range,
/// or `None` if no merge is possible (the caller then links a new VMA);
/// `vmg.state` says which.  On success `vmg` describes the merged VMA
/// (its range, page offset and `target`), as the kernel's does.
pub(crate) fn vma_merge_new_range(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vmg: &mut VmaMergeStruct) -> Option<u64> {
    vmg.state = VmaMergeState::Nomerge;
    let prev = vmg.prev.and_then(|s| vmas.get(s));
    let next = vmg.next.and_then(|s| vmas.get(s));
    if vmg.flags.intersects(VmFlags::SPECIAL) || (prev.is_none() && next.is_none()) {
        return None;
    }
    let left = can_vma_merge_left(vmg, prev, None);
    let right = !vmg.just_expand && can_vma_merge_right(vmg, prev, next, None, left);
    if !left && !right {
        return None;
    }
    if ctx.trace.enabled() {
        let what = match (left, right) {
            (true, true) => "prev and next",
            (true, false) => "prev",
            _ => "next",
        };
        let target = if left { prev } else { next }.map(describe).unwrap_or_default();
        let start = if left { prev.map_or(vmg.start, |p| p.start) } else { vmg.start };
        let end = if right { next.map_or(vmg.end, |n| n.end) } else { vmg.end };
        ctx.trace.note(
            "vma_merge_new_range",
            &format!("{:08x}-{:08x} merged with {what} ({target}) -> {start:08x}-{end:08x}", vmg.start, vmg.end),
        );
    }
    // The target grows over the range (and over next when both sides
    // merge); a moved range (copy_vma) brings its anon_vma along.
    if right {
        let n = next.expect("right merge has a next");
        vmg.end = n.end;
        vmg.target = Some(n.start);
    }
    if left {
        let p = prev.expect("left merge has a prev");
        vmg.start = p.start;
        vmg.pgoff = p.pgoff;
        vmg.target = Some(p.start);
    }
    vma_expand(vmas, vmg);
    vmg.target
}

/// `vma_expand`: the VMA starting at `vmg.target` grows to cover
/// `[vmg.start, vmg.end)` at page offset `vmg.pgoff`; `vmg.next` goes when
/// the range ends where it ends.  The target takes the anon_vma (and chain)
/// of what it absorbs when it has none: next's first, then the range's.
pub(crate) fn vma_expand(vmas: &mut VmaTree, vmg: &mut VmaMergeStruct) {
    let target = vmg.target.expect("vma_expand has a target");
    let removed_next = match vmg.next {
        Some(n) if n != target && vmas.get(n).is_some_and(|v| v.end == vmg.end) => {
            vmas.remove(n).map(|v| anon_links(&v))
        }
        _ => None,
    };
    vmas.modify(target, |t| {
        if let Some((anon, parents)) = &removed_next {
            dup_anon_vma(t, anon.as_ref(), parents);
        }
        dup_anon_vma(t, vmg.anon_vma.as_ref(), &vmg.anon_vma_parents);
        t.start = vmg.start;
        t.end = vmg.end;
        t.pgoff = vmg.pgoff;
    })
    .expect("vma_expand target exists");
    vmg.target = Some(vmg.start);
    vmg.state = VmaMergeState::Success;
}

/// `vma_merge_copied_range`: [`vma_merge_new_range`] for the copy of `src`
/// that `copy_vma` places at `[vmg.start, vmg.end)`, with
/// `vmg->copied_from` set: the anon_vma of a fork child's VMA is not
/// duplicated into an unfaulted neighbour.
pub(crate) fn vma_merge_copied_range(
    ctx: VmaCtx<'_>,
    vmas: &mut VmaTree,
    vmg: &mut VmaMergeStruct,
    src: &Vma,
) -> Option<u64> {
    vmg.copied_from_fork_child = src.had_uncowed_parents();
    vma_merge_new_range(ctx, vmas, vmg)
}

/// `vma_merge_extend`: the VMA starting at `vma_start` grows by `delta`
/// bytes into the free space after it (`mremap` in place), merging with
/// the VMA that follows when they agree.  Returns the start of the VMA
/// that covers the extension, or `None` if it could not merge.
pub(crate) fn vma_merge_extend(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vma_start: u64, delta: u64) -> Option<u64> {
    let vma = vmas.get(vma_start)?;
    let mut vmg = VmaMergeStruct::like_vma(vma, vma.end, vma.end + delta, vma.pgoff + vma.pages());
    vmg.prev = Some(vma_start);
    vmg.next = vmas.next_from(vma.end).map(|n| n.start);
    vma_merge_new_range(ctx, vmas, &mut vmg)
}

/// `copy_vma`: a VMA for `[addr, addr + len)` like `src`, merged with
/// the destination's neighbours when possible (not a fork child's
/// faulted VMA into an unfaulted neighbour: `vma_merge_copied_range`).  An
/// unfaulted anonymous VMA takes the page offset of its new address so
/// that it can merge.  Returns the start of the VMA covering the
/// destination.
pub(crate) fn copy_vma(ctx: VmaCtx<'_>, vmas: &mut VmaTree, src: &Vma, addr: u64, len: u64, pgoff: u64) -> u64 {
    let pgoff = if src.is_anonymous() && src.anon_vma().is_none() { addr >> PAGE_SHIFT } else { pgoff };
    let mut vmg = VmaMergeStruct::like_vma(src, addr, addr + len, pgoff);
    vmg.prev = vmas.prev(addr).map(|v| v.start);
    vmg.next = vmas.next_from(addr).map(|v| v.start);
    if let Some(s) = vma_merge_copied_range(ctx, vmas, &mut vmg, src) {
        return s;
    }
    let mut new = src.clone();
    new.start = addr;
    new.end = addr + len;
    new.pgoff = pgoff;
    trace_note!(ctx.trace, "copy_vma", "new vma {:08x}-{:08x} {}", addr, addr + len, new.perms());
    vmas.insert(new);
    addr
}

/// `vma_merge_existing_range`: `[vmg.start, vmg.end)` of the VMA `middle`
/// is changing to `vmg`'s attributes; merges it into a neighbour if they
/// now agree.  Returns the start of the merged VMA; `vmg.state` says
/// whether it merged.
fn vma_merge_existing_range(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vmg: &mut VmaMergeStruct) -> Option<u64> {
    vmg.state = VmaMergeState::Nomerge;
    let middle = vmas.get(vmg.middle.expect("existing-range merge has a middle"))?;
    let (mid_start, mid_end) = (middle.start, middle.end);
    let left_side = vmg.start == mid_start;
    let right_side = vmg.end == mid_end;
    if vmg.flags.intersects(VmFlags::SPECIAL) || (!left_side && !right_side) {
        return None;
    }
    let prev = if left_side { vmas.prev(mid_start).filter(|p| p.end == mid_start) } else { None };
    let merge_left = left_side && can_vma_merge_left(vmg, prev, Some(middle));
    let next = if right_side { vmas.next_from(mid_end) } else { None };
    let merge_right = right_side && can_vma_merge_right(vmg, prev, next, Some(middle), merge_left);
    if !merge_left && !merge_right {
        return None;
    }
    let remove_middle = left_side && right_side;
    let mid_links = anon_links(middle);
    let prev_start = prev.map(|p| p.start);
    let next_start = next.map(|n| n.start);
    if ctx.trace.enabled() {
        let what = match (merge_left, merge_right) {
            (true, true) => "prev and next",
            (true, false) => "prev",
            _ => "next",
        };
        let d = describe(middle);
        ctx.trace
            .note("vma_merge_existing_range", &format!("{:08x}-{:08x} of {d} merged with {what}", vmg.start, vmg.end));
    }
    let merged = if merge_left && merge_right {
        // prev extends over middle and next.
        vmas.remove(mid_start);
        let n = vmas.remove(next_start.expect("right merge")).expect("next exists");
        let p = prev_start.expect("left merge");
        vmas.modify(p, |t| {
            if n.anon_vma().is_some() {
                dup_anon_vma(t, n.anon_vma(), &n.anon_vma_parents);
            } else {
                dup_anon_vma(t, mid_links.0.as_ref(), &mid_links.1);
            }
            t.end = n.end;
        });
        p
    } else if merge_left {
        // prev extends over [start, end); middle shrinks or goes.
        if remove_middle {
            vmas.remove(mid_start);
        } else {
            vmas.modify(mid_start, |mid| {
                mid.pgoff += (vmg.end - mid.start) >> PAGE_SHIFT;
                mid.start = vmg.end;
            });
        }
        let p = prev_start.expect("left merge");
        vmas.modify(p, |t| {
            dup_anon_vma(t, mid_links.0.as_ref(), &mid_links.1);
            t.end = vmg.end;
        });
        p
    } else {
        // next extends down over [start, end); middle shrinks or goes.
        if remove_middle {
            vmas.remove(mid_start);
        } else {
            vmas.modify(mid_start, |mid| mid.end = vmg.start);
        }
        let pglen = (vmg.end - vmg.start) >> PAGE_SHIFT;
        vmas.modify(next_start.expect("right merge"), |t| {
            dup_anon_vma(t, mid_links.0.as_ref(), &mid_links.1);
            t.pgoff -= pglen;
            t.start = vmg.start;
        });
        vmg.start
    };
    vmg.target = Some(merged);
    vmg.state = VmaMergeState::Success;
    Some(merged)
}

/// `__split_vma`: splits the VMA starting at `vma_start` at `addr`.
/// Both halves keep the anon_vma.
pub(crate) fn __split_vma(vmas: &mut VmaTree, vma_start: u64, addr: u64) {
    vmas.split(vma_start, addr);
}

/// `split_vma`: `__split_vma` unless the address space already has
/// `max_map_count` VMAs.
pub(crate) fn split_vma(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vma_start: u64, addr: u64) -> SysResult<()> {
    if vmas.len() >= ctx.max_map_count {
        return Err(Errno::ENOMEM);
    }
    trace_note!(ctx.trace, "split_vma", "at {:#x}", addr);
    __split_vma(vmas, vma_start, addr);
    Ok(())
}

/// `vma_modify`: gives `[vmg.start, vmg.end)` of `vmg.middle` the
/// attributes in `vmg` (flags), merging with a neighbour when possible and
/// splitting otherwise.  Returns the start of the VMA that now covers the
/// range and whether it merged; its flags are *not* yet updated when no
/// merge happened.
pub(crate) fn vma_modify(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vmg: &mut VmaMergeStruct) -> SysResult<(u64, bool)> {
    if let Some(s) = vma_merge_existing_range(ctx, vmas, vmg) {
        return Ok((s, true));
    }
    let mut vma_start = vmg.middle.expect("modify has a middle");
    let vma_end = vmas.get(vma_start).expect("middle exists").end;
    if vma_start < vmg.start {
        split_vma(ctx, vmas, vma_start, vmg.start)?;
        vma_start = vmg.start;
    }
    if vma_end > vmg.end {
        split_vma(ctx, vmas, vma_start, vmg.end)?;
    }
    Ok((vma_start, false))
}

/// `vma_modify_flags`: the VMA covering `[start, end)` (inside the VMA
/// starting at `vma_start`) gets `flags`.  Returns the start of the VMA that
/// now covers the range.
pub(crate) fn vma_modify_flags(
    m: &Machine,
    st: &mut MmState,
    vma_start: u64,
    start: u64,
    end: u64,
    flags: VmFlags,
) -> SysResult<u64> {
    let vma = st.vmas.get(vma_start).expect("modify of a missing VMA");
    let mut vmg = VmaMergeStruct::for_vma(vma, start, end);
    vmg.flags = flags;
    let (s, merged) = vma_modify(VmaCtx::new(m), &mut st.vmas, &mut vmg)?;
    if !merged {
        let v = st.vmas.get_mut(s).expect("modified VMA exists");
        v.flags = flags;
        v.vma_set_page_prot(m);
    }
    Ok(s)
}

/// `anon_vma_compatible`: `a` and `b` are adjacent and could share an
/// anon_vma (flags differ at most in access bits, offsets contiguous).
fn anon_vma_compatible(a: &Vma, b: &Vma) -> bool {
    a.end == b.start
        && a.file_id() == b.file_id()
        && (a.flags ^ b.flags) & !(VmFlags::ACCESS_FLAGS | VmFlags::SOFTDIRTY) == VmFlags::empty()
        && b.pgoff == a.pgoff + ((b.start - a.start) >> PAGE_SHIFT)
}

/// `reusable_anon_vma`.
fn reusable_anon_vma(old: &Vma, a: &Vma, b: &Vma) -> Option<Arc<AnonVma>> {
    if anon_vma_compatible(a, b) && !old.had_uncowed_parents() { old.anon_vma().cloned() } else { None }
}

/// `find_mergeable_anon_vma`: an adjacent VMA's anon_vma that the VMA
/// starting at `vma_start` can share, so a later mprotect can merge them
/// again.  The next VMA is tried first.
pub(crate) fn find_mergeable_anon_vma(st: &MmState, vma_start: u64) -> Option<Arc<AnonVma>> {
    let vma = st.vmas.get(vma_start)?;
    if let Some(next) = st.vmas.next_from(vma.end)
        && let Some(a) = reusable_anon_vma(next, vma, next)
    {
        return Some(a);
    }
    let prev = st.vmas.prev(vma.start)?;
    reusable_anon_vma(prev, prev, vma)
}

/// The merge tests of the kernel's `tools/testing/vma`, run on a bare
/// [`VmaTree`] with a [`VmaCtx`] of their own.
#[cfg(test)]
#[path = "vma_tests.rs"]
mod tests;
