//! The merge tests of the kernel's `tools/testing/vma/vma.c`, one per
//! kernel test of the same name, each checking what the kernel's checks:
//! the resulting VMAs (range, page offset, flags), the merge state, the
//! anon_vma the merged VMA ends with and the number of VMAs (`map_count`).
//!
//! They run on a bare [`VmaTree`] with a standalone [`Tracer`], no
//! `Machine`.  What the model does not have is left out, test by test:
//! per-VMA locks (the kernel's `vma_write_started` checks), `vm_ops->close`
//! hooks on anonymous VMAs (its "should have no impact" lines) and VMA
//! identity (a VMA is named by its start address here, not by a pointer).

use super::*;
use crate::arch::PteFlags;
use crate::trace::TraceCollector;
use std::sync::Weak;

/// `VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE`, as every kernel test.
const FLAGS: VmFlags = VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);

/// `alloc_vma`: an anonymous VMA, not linked.
fn alloc_vma(start: u64, end: u64, pgoff: u64, flags: VmFlags) -> Vma {
    Vma {
        start,
        end,
        pgoff,
        flags,
        page_prot: PteFlags::empty(),
        anon_vma: OnceLock::new(),
        anon_vma_parents: Vec::new(),
        kind: VmaKind::Anonymous,
        lock: Default::default(),
    }
}

/// `alloc_and_link_vma`: an anonymous VMA linked into `vmas`; returns its
/// start, the name of a VMA here.
fn alloc_and_link_vma(vmas: &mut VmaTree, start: u64, end: u64, pgoff: u64, flags: VmFlags) -> u64 {
    vmas.insert(alloc_vma(start, end, pgoff, flags));
    start
}

/// An anon_vma of no address space (the kernel test's `dummy_anon_vma`).
fn dummy_anon_vma(id: u64) -> Arc<AnonVma> {
    Arc::new(AnonVma { id, mms: parking_lot::Mutex::new(Vec::new()), machine: Weak::new() })
}

/// `vma->anon_vma = anon_vma`.
fn set_anon_vma(vmas: &mut VmaTree, start: u64, anon_vma: &Arc<AnonVma>) {
    vmas.get_mut(start).expect("VMA exists").anon_vma = OnceLock::from(anon_vma.clone());
}

/// The anon_vma of the VMA starting at `start`.
fn anon_of(vmas: &VmaTree, start: u64) -> Option<Arc<AnonVma>> {
    vmas.get(start).expect("VMA exists").anon_vma().cloned()
}

/// The test's context: a tracer no one listens to, the default limit.
fn ctx(trace: &Tracer) -> VmaCtx<'_> {
    VmaCtx { trace, max_map_count: 65530 }
}

/// The kernel test's `merge_new`: fills in `prev` and `next` around the range, as the kernel
/// test's iterator does, and tries a new-range merge.
fn do_merge_new(ctx: VmaCtx<'_>, vmas: &mut VmaTree, vmg: &mut VmaMergeStruct) -> Option<u64> {
    vmg.next = vmas.next_from(vmg.start).map(|v| v.start);
    vmg.prev = vmas.prev(vmg.start).map(|v| v.start);
    vma_merge_new_range(ctx, vmas, vmg)
}

/// The kernel test's `merge_existing`: an existing-range merge of `[start, end)` of the VMA
/// starting at `middle` to `flags` (`vmg_set_range` + `vmg.middle`).
fn do_merge_existing(
    ctx: VmaCtx<'_>,
    vmas: &mut VmaTree,
    middle: u64,
    start: u64,
    end: u64,
    flags: VmFlags,
) -> (Option<u64>, VmaMergeState) {
    let mut vmg = VmaMergeStruct::for_vma(vmas.get(middle).expect("middle exists"), start, end);
    vmg.flags = flags;
    let r = vma_merge_existing_range(ctx, vmas, &mut vmg);
    (r, vmg.state)
}

/// `try_merge_new_vma`: merges the new range or, failing that, links a new
/// VMA; returns its start and whether it merged, checking the merge state
/// agrees.
fn try_merge_new_vma(
    ctx: VmaCtx<'_>,
    vmas: &mut VmaTree,
    start: u64,
    end: u64,
    pgoff: u64,
    flags: VmFlags,
) -> (u64, bool) {
    let mut vmg = VmaMergeStruct::new_range(start, end, pgoff, flags);
    if let Some(s) = do_merge_new(ctx, vmas, &mut vmg) {
        assert_eq!(vmg.state, VmaMergeState::Success);
        return (s, true);
    }
    assert_eq!(vmg.state, VmaMergeState::Nomerge);
    (alloc_and_link_vma(vmas, start, end, pgoff, flags), false)
}

/// The VMAs as `(start, end, pgoff)`, ascending.
fn layout(vmas: &VmaTree) -> Vec<(u64, u64, u64)> {
    vmas.iter().map(|v| (v.start, v.end, v.pgoff)).collect()
}

fn same(a: &Option<Arc<AnonVma>>, b: &Arc<AnonVma>) -> bool {
    a.as_ref().is_some_and(|a| Arc::ptr_eq(a, b))
}

/// Two VMAs with a one-page hole merge into one over it; the trace sink
/// hears of it.
#[test]
fn simple_merge() {
    let tracer = Tracer::default();
    let lines = TraceCollector::new();
    tracer.subscribe(lines.clone());
    let mut vmas = VmaTree::default();
    alloc_and_link_vma(&mut vmas, 0, 0x1000, 0, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x2000, 0x3000, 2, FLAGS);
    let mut vmg = VmaMergeStruct::new_range(0x1000, 0x2000, 1, FLAGS);

    assert_eq!(do_merge_new(ctx(&tracer), &mut vmas, &mut vmg), Some(0));
    assert_eq!(vmg.state, VmaMergeState::Success);
    assert_eq!(layout(&vmas), [(0, 0x3000, 0)]);
    assert_eq!(vmas.get(0).unwrap().flags, FLAGS);
    assert_eq!(
        lines.take(),
        [
            "vma_merge_new_range: 00001000-00002000 merged with prev and next (00000000-00001000 rw-p) -> 00000000-00003000"
        ]
    );
}

/// `vma_modify` of the middle page of a three-page VMA to other flags
/// splits it in three; it performs the merge/split only, the flags are the
/// caller's to set.
#[test]
fn simple_modify() {
    let tracer = Tracer::default();
    let mut vmas = VmaTree::default();
    let init = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let mut vmg = VmaMergeStruct::for_vma(vmas.get(init).unwrap(), 0x1000, 0x2000);
    vmg.flags = VmFlags::READ | VmFlags::MAYREAD;

    assert_eq!(vma_modify(ctx(&tracer), &mut vmas, &mut vmg), Ok((0x1000, false)));
    assert_eq!(vmg.state, VmaMergeState::Nomerge);
    assert_eq!(layout(&vmas), [(0, 0x1000, 0), (0x1000, 0x2000, 1), (0x2000, 0x3000, 2)]);
    assert!(vmas.iter().all(|v| v.flags == FLAGS));
}

/// `vma_expand` grows a one-page VMA to three.
#[test]
fn simple_expand() {
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0, 0x1000, 0, FLAGS);
    let mut vmg = VmaMergeStruct::new_range(0, 0x3000, 0, FLAGS);
    vmg.target = Some(vma);

    vma_expand(&mut vmas, &mut vmg);
    assert_eq!(vmg.state, VmaMergeState::Success);
    assert_eq!(layout(&vmas), [(0, 0x3000, 0)]);
}

/// A three-page VMA shrunk to its first page keeps its start and offset.
///
/// The model has no `vma_shrink`: its only kernel caller,
/// `relocate_vma_down` (exec moving the argument pages down), is not
/// modelled, as the model builds the stack at its final place.  What it
/// has is the way `munmap` and `mremap` cut a VMA's tail: `__split_vma`
/// at the new end, then removal of the upper part.
#[test]
fn simple_shrink() {
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);

    __split_vma(&mut vmas, vma, 0x1000);
    assert_eq!(
        vmas.remove_range(0x1000, 0x3000).map(|v| (v.start, v.end, v.pgoff)).collect::<Vec<_>>(),
        [(0x1000, 0x3000, 1)]
    );
    assert_eq!(layout(&vmas), [(0, 0x1000, 0)]);
}

/// New ranges merge with prev, next or both, or not at all, the merged VMA
/// taking the anon_vma of the one it absorbs, down to a single VMA.
#[test]
fn merge_new() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let dummy = dummy_anon_vma(1);
    let mut vmas = VmaTree::default();
    // 0123456789abc
    // AA B       CC
    let vma_a = alloc_and_link_vma(&mut vmas, 0, 0x2000, 0, FLAGS);
    let vma_b = alloc_and_link_vma(&mut vmas, 0x3000, 0x4000, 3, FLAGS);
    let vma_c = alloc_and_link_vma(&mut vmas, 0xb000, 0xc000, 0xb, FLAGS);

    // No merge: AA B   **  CC
    let (vma_d, merged) = try_merge_new_vma(c, &mut vmas, 0x7000, 0x9000, 7, FLAGS);
    assert!(!merged);
    assert_eq!(vmas.len(), 4);

    // Merge both sides: AA*B   DD  CC
    set_anon_vma(&mut vmas, vma_b, &dummy);
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0x2000, 0x3000, 2, FLAGS), (vma_a, true));
    assert_eq!(vmas.get(vma_a).map(|v| (v.end, v.pgoff)), Some((0x4000, 0)));
    assert!(same(&anon_of(&vmas, vma_a), &dummy));
    assert_eq!(vmas.len(), 3);

    // Merge to previous: AAAA*  DD  CC
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0x4000, 0x5000, 4, FLAGS), (vma_a, true));
    assert_eq!(vmas.get(vma_a).map(|v| (v.end, v.pgoff)), Some((0x5000, 0)));
    assert!(same(&anon_of(&vmas, vma_a), &dummy));
    assert_eq!(vmas.len(), 3);

    // Merge to next: AAAAA *DD  CC
    set_anon_vma(&mut vmas, vma_d, &dummy);
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0x6000, 0x7000, 6, FLAGS), (0x6000, true));
    assert_eq!(vmas.get(0x6000).map(|v| (v.end, v.pgoff)), Some((0x9000, 6)));
    assert!(same(&anon_of(&vmas, 0x6000), &dummy));
    assert_eq!(vmas.len(), 3);

    // Merge both sides: AAAAA*DDD  CC
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0x5000, 0x6000, 5, FLAGS), (vma_a, true));
    assert_eq!(vmas.get(vma_a).map(|v| (v.end, v.pgoff)), Some((0x9000, 0)));
    assert!(same(&anon_of(&vmas, vma_a), &dummy));
    assert_eq!(vmas.len(), 2);

    // Merge to next: AAAAAAAAA *CC
    set_anon_vma(&mut vmas, vma_c, &dummy);
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0xa000, 0xb000, 0xa, FLAGS), (0xa000, true));
    assert_eq!(vmas.get(0xa000).map(|v| (v.end, v.pgoff)), Some((0xc000, 0xa)));
    assert!(same(&anon_of(&vmas, 0xa000), &dummy));
    assert_eq!(vmas.len(), 2);

    // Merge both sides: AAAAAAAAA*CCC
    assert_eq!(try_merge_new_vma(c, &mut vmas, 0x9000, 0xa000, 9, FLAGS), (vma_a, true));
    assert_eq!(layout(&vmas), [(0, 0xc000, 0)]);
    assert!(same(&anon_of(&vmas, vma_a), &dummy));
}

/// `VM_IO`, `VM_DONTEXPAND`, `VM_PFNMAP` and `VM_MIXEDMAP` (all of
/// `VM_SPECIAL`) each stop a new-range and an existing-range merge that
/// would otherwise happen.
#[test]
fn vma_merge_special_flags() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let special_flags = [VmFlags::IO, VmFlags::DONTEXPAND, VmFlags::PFNMAP, VmFlags::MIXEDMAP];
    assert_eq!(special_flags.iter().fold(VmFlags::empty(), |a, &f| a | f), VmFlags::SPECIAL);
    let mut vmas = VmaTree::default();
    // AAA
    let vma_left = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);

    // AAA*: would merge but for the special flag.
    for &special in &special_flags {
        vmas.get_mut(vma_left).unwrap().flags = FLAGS | special;
        let mut vmg = VmaMergeStruct::new_range(0x3000, 0x4000, 3, FLAGS | special);
        assert_eq!(do_merge_new(c, &mut vmas, &mut vmg), None);
        assert_eq!(vmg.state, VmaMergeState::Nomerge);
    }
    // The same range without a special flag merges (so the above is
    // the flag's doing).
    vmas.get_mut(vma_left).unwrap().flags = FLAGS;
    let mut probe = vmas.clone();
    let mut vmg = VmaMergeStruct::new_range(0x3000, 0x4000, 3, FLAGS);
    assert_eq!(do_merge_new(c, &mut probe, &mut vmg), Some(vma_left));

    // AAAB: modifying B to the special flags of A.
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x4000, 3, FLAGS);
    for &special in &special_flags {
        vmas.get_mut(vma_left).unwrap().flags = FLAGS | special;
        assert_eq!(
            do_merge_existing(c, &mut vmas, vma, 0x3000, 0x4000, FLAGS | special),
            (None, VmaMergeState::Nomerge)
        );
    }
    assert_eq!(vmas.len(), 2);
}

/// Existing-range merges: right (partial and full span), left (partial
/// and full), both sides, and ranges inside the VMA that touch neither
/// neighbour, which never merge.
#[test]
fn merge_existing() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let dummy = dummy_anon_vma(1);

    // Merge right, partial span: VVVVNNN -> VNNNNNN
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0x2000, 0x6000, 2, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x6000, 0x9000, 6, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x6000, FLAGS), (Some(0x3000), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0x2000, 0x3000, 2), (0x3000, 0x9000, 3)]);
    assert!(same(&anon_of(&vmas, 0x3000), &dummy));
    let _ = vma_next;

    // Merge right, full span: VVVVNNN -> NNNNNNN
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0x2000, 0x6000, 2, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x6000, 0x9000, 6, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x2000, 0x6000, FLAGS), (Some(0x2000), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0x2000, 0x9000, 2)]);
    assert!(same(&anon_of(&vmas, 0x2000), &dummy));

    // Merge left, partial span: PPPVVVV -> PPPPPPV
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x7000, 3, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x6000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x6000, 0), (0x6000, 0x7000, 6)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // Merge left, full span: PPPVVVV -> PPPPPPP
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x7000, 3, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x7000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x7000, 0)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // Merge both: PPPVVVVNNN -> PPPPPPPPPP
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x7000, 3, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x7000, 0x9000, 7, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x7000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x9000, 0)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // Ranges touching neither neighbour: PPPVVVVVNNN
    let mut vmas = VmaTree::default();
    alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x8000, 3, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x8000, 0xa000, 8, FLAGS);
    let before = layout(&vmas);
    for (start, end) in [(0x4000, 0x5000), (0x5000, 0x6000), (0x6000, 0x7000), (0x4000, 0x7000), (0x4000, 0x6000)] {
        assert_eq!(do_merge_existing(c, &mut vmas, vma, start, end, FLAGS), (None, VmaMergeState::Nomerge));
    }
    assert_eq!(layout(&vmas), before);
}

/// prev and next with different anon_vmas each merge with a range that has
/// none, but not with each other: the merge falls back to prev alone, for
/// an existing range and for a new one.
#[test]
fn anon_vma_non_mergeable() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let (anon1, anon2) = (dummy_anon_vma(1), dummy_anon_vma(2));

    // PPPVVVVNNN -> PPPPPPPNNN
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x7000, 3, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x7000, 0x9000, 7, FLAGS);
    set_anon_vma(&mut vmas, vma_prev, &anon1);
    set_anon_vma(&mut vmas, vma_next, &anon2);
    let vmg = VmaMergeStruct::for_vma(vmas.get(vma).unwrap(), 0x3000, 0x7000);
    assert!(is_mergeable_anon_vma(&vmg, vmas.get(vma_prev).unwrap(), None));
    assert!(is_mergeable_anon_vma(&vmg, vmas.get(vma_next).unwrap(), None));
    assert!(!same_anon(anon_of(&vmas, vma_prev).as_ref(), anon_of(&vmas, vma_next).as_ref()));

    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x7000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x7000, 0), (0x7000, 0x9000, 7)]);
    assert!(same(&anon_of(&vmas, vma_prev), &anon1));
    assert!(same(&anon_of(&vmas, vma_next), &anon2));

    // PPP****NNN -> PPPPPPPNNN
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x7000, 0x9000, 7, FLAGS);
    set_anon_vma(&mut vmas, vma_prev, &anon1);
    set_anon_vma(&mut vmas, vma_next, &anon2);
    let mut vmg = VmaMergeStruct::new_range(0x3000, 0x7000, 3, FLAGS);
    assert_eq!(do_merge_new(c, &mut vmas, &mut vmg), Some(vma_prev));
    assert_eq!(vmg.state, VmaMergeState::Success);
    assert_eq!(layout(&vmas), [(0, 0x7000, 0), (0x7000, 0x9000, 7)]);
    assert!(same(&anon_of(&vmas, vma_next), &anon2));
}

/// The VMA that grows over others takes the anon_vma of the one it
/// absorbs, whichever had it (next, or the modified VMA), on either side.
///
/// The kernel test checks `anon_vma->was_cloned`: that the absorbed VMA's
/// anon_vma chain was copied.  The model's chain is the
/// `anon_vma_parents` list, and the expand case checks it is carried over;
/// the merge cases cannot carry a chain, since a VMA whose chain has links
/// to a parent's anon_vma does not merge (`is_mergeable_anon_vma`).
#[test]
fn dup_anon_vma() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let dummy = dummy_anon_vma(1);
    let parent = dummy_anon_vma(2);

    // Expanding prev over next takes next's anon_vma and its chain.
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x3000, 0x5000, 3, FLAGS);
    set_anon_vma(&mut vmas, vma_next, &dummy);
    vmas.get_mut(vma_next).unwrap().anon_vma_parents = vec![parent.clone()];
    let mut vmg = VmaMergeStruct::new_range(0, 0x5000, 0, FLAGS);
    vmg.target = Some(vma_prev);
    vmg.next = Some(vma_next);
    vma_expand(&mut vmas, &mut vmg);
    assert_eq!(layout(&vmas), [(0, 0x5000, 0)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));
    let chain = &vmas.get(vma_prev).unwrap().anon_vma_parents;
    assert!(chain.len() == 1 && Arc::ptr_eq(&chain[0], &parent));

    // next has the anon_vma; prev extends over vma and next.
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x5000, 3, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x5000, 0x8000, 5, FLAGS);
    set_anon_vma(&mut vmas, vma_next, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x5000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x8000, 0)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // vma has the anon_vma; prev extends over vma and next.
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x5000, 3, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x5000, 0x8000, 5, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x5000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x8000, 0)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // vma has the anon_vma; prev extends over part of vma.
    let mut vmas = VmaTree::default();
    let vma_prev = alloc_and_link_vma(&mut vmas, 0, 0x3000, 0, FLAGS);
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x8000, 3, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x5000, FLAGS), (Some(vma_prev), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x5000, 0), (0x5000, 0x8000, 5)]);
    assert!(same(&anon_of(&vmas, vma_prev), &dummy));

    // vma has the anon_vma; next extends down over part of vma.
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0, 0x5000, 0, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x5000, 0x8000, 5, FLAGS);
    set_anon_vma(&mut vmas, vma, &dummy);
    assert_eq!(do_merge_existing(c, &mut vmas, vma, 0x3000, 0x5000, FLAGS), (Some(0x3000), VmaMergeState::Success));
    assert_eq!(layout(&vmas), [(0, 0x3000, 0), (0x3000, 0x8000, 3)]);
    assert!(same(&anon_of(&vmas, 0x3000), &dummy));
}

/// `vma_merge_extend` grows a VMA into the gap before the next one and
/// merges the two.
#[test]
fn merge_extend() {
    let tracer = Tracer::default();
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0, 0x1000, 0, FLAGS);
    alloc_and_link_vma(&mut vmas, 0x3000, 0x4000, 3, FLAGS);

    assert_eq!(vma_merge_extend(ctx(&tracer), &mut vmas, vma, 0x2000), Some(vma));
    assert_eq!(layout(&vmas), [(0, 0x4000, 0)]);
}

/// `copy_vma` backwards with nothing to merge makes a new VMA; next to a
/// VMA it fits, it merges into it.
#[test]
fn copy_vma() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);

    // Move backwards and do not merge.
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0x3000, 0x5000, 3, FLAGS);
    let src = vmas.get(vma).unwrap().clone();
    let vma_new = super::copy_vma(c, &mut vmas, &src, 0, 0x2000, 0);
    assert_ne!(vma_new, vma);
    assert_eq!(layout(&vmas), [(0, 0x2000, 0), (0x3000, 0x5000, 3)]);

    // Move a VMA next to another and merge the two.
    let mut vmas = VmaTree::default();
    let vma = alloc_and_link_vma(&mut vmas, 0, 0x2000, 0, FLAGS);
    let vma_next = alloc_and_link_vma(&mut vmas, 0x6000, 0x8000, 6, FLAGS);
    let src = vmas.get(vma).unwrap().clone();
    let vma_new = super::copy_vma(c, &mut vmas, &src, 0x4000, 0x2000, 4);
    // The VMA covering the copy is next, grown down over it.
    assert_eq!(vma_new, 0x4000);
    assert_eq!(layout(&vmas), [(0, 0x2000, 0), (0x4000, 0x8000, 4)]);
    let _ = vma_next;
}

/// `VMG_FLAG_JUST_EXPAND` (`do_brk_flags`): prev grows over the range, and
/// a next VMA the range would otherwise merge with is left alone.
#[test]
fn expand_only_mode() {
    let tracer = Tracer::default();
    let c = ctx(&tracer);
    let mut vmas = VmaTree::default();
    // A VMA before prev that the merge must not reach.
    alloc_and_link_vma(&mut vmas, 0, 0x2000, 0, FLAGS);
    let vma_prev = alloc_and_link_vma(&mut vmas, 0x3000, 0x5000, 3, FLAGS);
    let mut vmg = VmaMergeStruct::new_range(0x5000, 0x9000, 5, FLAGS);
    vmg.prev = Some(vma_prev);
    vmg.just_expand = true;

    assert_eq!(vma_merge_new_range(c, &mut vmas, &mut vmg), Some(vma_prev));
    assert_eq!(vmg.state, VmaMergeState::Success);
    assert_eq!(layout(&vmas), [(0, 0x2000, 0), (0x3000, 0x9000, 3)]);

    // Beyond the kernel test: with a mergeable next, only prev grows.
    let vma_next = alloc_and_link_vma(&mut vmas, 0xa000, 0xb000, 0xa, FLAGS);
    let mut vmg = VmaMergeStruct::new_range(0x9000, 0xa000, 9, FLAGS);
    vmg.prev = Some(vma_prev);
    vmg.next = Some(vma_next);
    vmg.just_expand = true;
    assert_eq!(vma_merge_new_range(c, &mut vmas, &mut vmg), Some(vma_prev));
    assert_eq!(layout(&vmas), [(0, 0x2000, 0), (0x3000, 0xa000, 3), (0xa000, 0xb000, 0xa)]);
}
