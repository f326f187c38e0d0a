//! Cutting a file's pages away while it may be mapped (mm/truncate.c,
//! mm/memory.c `unmap_mapping_range`, mm/shmem.c `shmem_setattr`,
//! `shmem_fallocate`, `shmem_undo_range`): `ftruncate` to a smaller size,
//! `fallocate(FALLOC_FL_PUNCH_HOLE)` and `madvise(MADV_REMOVE)`.
//!
//! Only shmem (tmpfs, shared anonymous memory, memfd) files are cut: their
//! pages live in the page cache alone, so dropping a page is dropping its
//! bytes.  The callers refuse other files.

use super::pagecache::CacheEntry;
use super::shmem::shmem_get_folio;
use super::{FMode, File, Inode};
use crate::errno::{Errno, SysResult};
use crate::flags::PageFlags;
use crate::memory::MmuGather;
use crate::trace_note;
use crate::types::{PAGE_SHIFT, PAGE_SIZE};

/// `FALLOC_FL_KEEP_SIZE`.
pub const FALLOC_FL_KEEP_SIZE: u64 = 0x01;
/// `FALLOC_FL_PUNCH_HOLE`.
pub const FALLOC_FL_PUNCH_HOLE: u64 = 0x02;
/// `FALLOC_FL_COLLAPSE_RANGE`.
pub const FALLOC_FL_COLLAPSE_RANGE: u64 = 0x08;
/// `FALLOC_FL_ZERO_RANGE`.
pub const FALLOC_FL_ZERO_RANGE: u64 = 0x10;
/// `FALLOC_FL_INSERT_RANGE`.
pub const FALLOC_FL_INSERT_RANGE: u64 = 0x20;
/// `FALLOC_FL_UNSHARE_RANGE`.
pub const FALLOC_FL_UNSHARE_RANGE: u64 = 0x40;
/// `FALLOC_FL_WRITE_ZEROES`.
pub const FALLOC_FL_WRITE_ZEROES: u64 = 0x80;
/// The `fallocate` mode names, for parsers and printers.
pub const FALLOC_NAMES: &[(&str, u64)] = &[
    ("FALLOC_FL_KEEP_SIZE", FALLOC_FL_KEEP_SIZE),
    ("FALLOC_FL_PUNCH_HOLE", FALLOC_FL_PUNCH_HOLE),
    ("FALLOC_FL_COLLAPSE_RANGE", FALLOC_FL_COLLAPSE_RANGE),
    ("FALLOC_FL_ZERO_RANGE", FALLOC_FL_ZERO_RANGE),
    ("FALLOC_FL_INSERT_RANGE", FALLOC_FL_INSERT_RANGE),
    ("FALLOC_FL_UNSHARE_RANGE", FALLOC_FL_UNSHARE_RANGE),
    ("FALLOC_FL_WRITE_ZEROES", FALLOC_FL_WRITE_ZEROES),
];

/// `MAX_LFS_FILESIZE` (tmpfs's `s_maxbytes`).
pub const MAX_LFS_FILESIZE: u64 = i64::MAX as u64;

/// `unmap_mapping_pages` for the file pages `[first, last]`: zaps the
/// entries of every VMA of every address space that maps them; with
/// `even_cows` (truncation) also the private copies a private mapping
/// made of them on write, without (a hole punched) only the file's own
/// pages.
pub fn unmap_mapping_pages(inode: &Inode, first: u64, last: u64, even_cows: bool) {
    if first > last {
        return;
    }
    let m = inode.mapping.machine();
    for mm in inode.mapping.mappers() {
        let st = mm.mmap_lock.read();
        for v in st.vmas.iter().filter(|v| v.file_ino() == Some(inode.ino)) {
            let vlast = v.pgoff + v.pages() - 1;
            let (s, e) = (first.max(v.pgoff), last.min(vlast));
            if s > e {
                continue;
            }
            let start = v.start + ((s - v.pgoff) << PAGE_SHIFT);
            let end = v.start + ((e - v.pgoff + 1) << PAGE_SHIFT);
            let mut tlb = MmuGather::new(&mm);
            // Truncation keeps guard markers (no ZAP_FLAG_DROP_MARKER).
            mm.zap_page_range_details(&mut tlb, v, start, end, false, even_cows);
            tlb.finish();
        }
    }
    trace_note!(
        m.trace,
        "unmap_mapping_pages",
        "inode {}: pages {}..={}{}",
        inode.ino,
        first,
        last,
        if even_cows { ", private copies too" } else { "" }
    );
}

/// `unmap_mapping_range(mapping, holebegin, holelen, even_cows)` with the
/// kernel's byte arguments: `holelen` 0 means to the end of the file, and
/// a range that wraps past the last page also ends there
/// (`unmap_mapping_pages`).
pub fn unmap_mapping_range(inode: &Inode, holebegin: u64, holelen: u64, even_cows: bool) {
    let first = holebegin >> PAGE_SHIFT;
    let nr = holelen.wrapping_add(PAGE_SIZE - 1) >> PAGE_SHIFT;
    let mut last = first.wrapping_add(nr).wrapping_sub(1);
    if last < first {
        last = u64::MAX;
    }
    unmap_mapping_pages(inode, first, last.min(LAST_INDEX), even_cows);
}

/// The last page index a byte offset can have.
const LAST_INDEX: u64 = u64::MAX >> PAGE_SHIFT;

/// `shmem_undo_range` (`shmem_truncate_range`) for bytes `[lstart, lend]`
/// (`lend` `None`: to the end): whole pages leave the cache (a page still
/// mapped is unmapped first, `truncate_cleanup_folio`), swapped-out ones
/// free their slot; the bytes of a page the range cuts partly are zeroed
/// and the page stays.
pub(crate) fn shmem_undo_range(inode: &Inode, lstart: u64, lend: Option<u64>) {
    let m = inode.mapping.machine();
    let start = lstart.div_ceil(PAGE_SIZE);
    // `end` is the first page not wholly in the range.
    let end = match lend {
        Some(e) => (e + 1) >> PAGE_SHIFT,
        None => LAST_INDEX + 1,
    };
    // truncate_inode_partial_folio: a large folio the range covers only in
    // part is split (`try_folio_split`) at the first page of the range in
    // it (its head if the range starts before it), then at the first page
    // past the range, so that the range holds whole folios only.
    let lend_byte = lend.unwrap_or(u64::MAX);
    let partial = |page: u64| -> Option<u64> {
        let f = inode.mapping.folio(page)?;
        let (pos, last) = (f.index << PAGE_SHIFT, (f.next_index() << PAGE_SHIFT) - 1);
        if f.order > 0 && !(lstart <= pos && lend_byte >= last) {
            inode.mapping.try_folio_split(if pos < lstart { lstart >> PAGE_SHIFT } else { f.index });
            let past = lend_byte.min(last).saturating_add(1) >> PAGE_SHIFT;
            if past < f.next_index() {
                inode.mapping.try_folio_split(past);
            }
        }
        Some(last)
    };
    let same_folio = partial(lstart >> PAGE_SHIFT).is_none_or(|last| lend_byte <= last);
    if !same_folio && let Some(e) = lend {
        partial(e >> PAGE_SHIFT);
    }
    if start < end {
        // truncate_cleanup_folio: a page still mapped somewhere is
        // unmapped (the file's page only; private copies are not its).
        for (index, pfn) in inode.mapping.pages_in(start, end - 1) {
            if m.phys.page(pfn).mapcount() > 0 {
                unmap_mapping_pages(inode, index, index, false);
            }
        }
        let mut pages = 0;
        for (_, e) in inode.mapping.delete_from_page_cache_range(start, end - 1) {
            match e {
                CacheEntry::Page(pfn) => {
                    debug_assert_eq!(m.phys.page(pfn).mapcount(), 0, "truncating a mapped page {pfn:?}");
                    m.phys.page(pfn).clear_flags(PageFlags::DIRTY);
                    m.put_page(pfn);
                    pages += 1;
                }
                CacheEntry::Swap(s) => m.free_swap_and_cache(s),
                CacheEntry::Shadow(_) => {}
            }
        }
        trace_note!(m.trace, "shmem_undo_range", "inode {}: pages {}..{}: {} dropped", inode.ino, start, end, pages);
    }
    // truncate_inode_partial_folio: the pages at either end of the range
    // that it covers only in part.
    let zero = |index: u64| {
        let pos = index << PAGE_SHIFT;
        let from = lstart.saturating_sub(pos);
        let to = lend.map_or(PAGE_SIZE, |e| (e - pos + 1).min(PAGE_SIZE));
        if from == 0 && to == PAGE_SIZE {
            return;
        }
        // shmem_get_partial_folio: the cached page as it is (a page
        // fallocate made stays not up to date), or the page read back
        // from swap.
        let pfn = match inode.mapping.get_entry(index) {
            Some(CacheEntry::Page(_)) => inode.mapping.filemap_get_folio(index),
            Some(CacheEntry::Swap(_)) => shmem_get_folio(m, inode, index).ok().map(|(p, _)| p),
            None | Some(CacheEntry::Shadow(_)) => None,
        };
        if let Some(pfn) = pfn {
            m.phys.write_bytes(pfn, from, &vec![0; (to - from) as usize]);
            m.put_page(pfn);
            trace_note!(m.trace, "truncate_inode_partial_folio", "page {}: bytes {:#x}..{:#x} zeroed", index, from, to);
        }
    };
    let first = lstart >> PAGE_SHIFT;
    zero(first);
    if let Some(e) = lend
        && e >> PAGE_SHIFT != first
    {
        zero(e >> PAGE_SHIFT);
    }
}

/// `shmem_setattr` for a new size (`ftruncate`): a smaller size unmaps
/// the pages past it from every mapping (private copies too), then drops
/// them and zeroes the tail of the last page; a larger one only moves
/// the size (the new pages are holes, read as zeros).
pub fn shmem_setattr_size(inode: &Inode, newsize: u64) {
    let m = inode.mapping.machine();
    let oldsize = inode.size();
    if newsize == oldsize {
        return;
    }
    inode.set_size(newsize);
    trace_note!(m.trace, "shmem_setattr", "inode {}: size {:#x} -> {:#x}", inode.ino, oldsize, newsize);
    if newsize < oldsize {
        let holebegin = newsize.div_ceil(PAGE_SIZE);
        unmap_mapping_pages(inode, holebegin, LAST_INDEX, true);
        shmem_undo_range(inode, newsize, None);
        // Private copies a racing fault made meanwhile go too.
        unmap_mapping_pages(inode, holebegin, LAST_INDEX, true);
    }
}

/// `vfs_fallocate`: the checks every filesystem gets (`EINVAL` for a
/// negative offset or a length that is not positive, `EOPNOTSUPP` for a
/// mode no filesystem takes, `EBADF` without `FMODE_WRITE`, `EISDIR`,
/// `ENODEV` for what is not a regular file, `EFBIG` past
/// `MAX_LFS_FILESIZE`), then [`shmem_fallocate`]; files of other
/// filesystems have no `fallocate` here (`EOPNOTSUPP`).
pub fn vfs_fallocate(file: &File, mode: u64, offset: u64, len: u64) -> SysResult<()> {
    let inode = &*file.inode;
    if offset > MAX_LFS_FILESIZE || len == 0 || len > MAX_LFS_FILESIZE {
        return Err(Errno::EINVAL);
    }
    let mode_mask = FALLOC_FL_PUNCH_HOLE
        | FALLOC_FL_COLLAPSE_RANGE
        | FALLOC_FL_ZERO_RANGE
        | FALLOC_FL_INSERT_RANGE
        | FALLOC_FL_UNSHARE_RANGE
        | FALLOC_FL_WRITE_ZEROES;
    if mode & !(mode_mask | FALLOC_FL_KEEP_SIZE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let keep = mode & FALLOC_FL_KEEP_SIZE != 0;
    match mode & mode_mask {
        0 | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_ZERO_RANGE => {}
        FALLOC_FL_PUNCH_HOLE if keep => {}
        FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_WRITE_ZEROES if !keep => {}
        _ => return Err(Errno::EOPNOTSUPP),
    }
    if !file.mode.contains(FMode::WRITE) {
        return Err(Errno::EBADF);
    }
    if inode.is_dir() {
        return Err(Errno::EISDIR);
    }
    if !inode.is_reg() {
        return Err(Errno::ENODEV);
    }
    if offset + len > MAX_LFS_FILESIZE {
        return Err(Errno::EFBIG);
    }
    if !inode.mapping.a_ops.is_shmem() {
        trace_note!(
            inode.mapping.machine().trace,
            "vfs_fallocate",
            "inode {}: not a shmem file: EOPNOTSUPP",
            inode.ino
        );
        return Err(Errno::EOPNOTSUPP);
    }
    shmem_fallocate(inode, mode, offset, len)
}

/// `shmem_fallocate`: `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE` unmaps
/// the whole pages of the hole from every mapping (not private copies)
/// and drops them, zeroing the bytes of the pages it cuts partly; mode 0
/// or `FALLOC_FL_KEEP_SIZE` allocates the range's missing pages (not up
/// to date: read as zeros, not mapped by fault-around until touched)
/// and, without `KEEP_SIZE`, grows the file; any other mode is
/// `EOPNOTSUPP`.
pub fn shmem_fallocate(inode: &Inode, mode: u64, offset: u64, len: u64) -> SysResult<()> {
    let m = inode.mapping.machine();
    let keep = mode & FALLOC_FL_KEEP_SIZE != 0;
    let end = offset + len;
    // shmem_fallocate
    if mode & !(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if mode & FALLOC_FL_PUNCH_HOLE != 0 {
        // The kernel's arithmetic, wrap-around included: a hole inside
        // page 0 (one that reaches no page boundary) makes `unmap_end`
        // -1, and the file's pages from page 1 on (from page 0 for a hole
        // at offset 0) are unmapped from every mapping.
        let unmap_start = offset.next_multiple_of(PAGE_SIZE);
        let unmap_end = (end & !(PAGE_SIZE - 1)).wrapping_sub(1);
        if unmap_end > unmap_start {
            unmap_mapping_range(inode, unmap_start, unmap_end.wrapping_add(1).wrapping_sub(unmap_start), false);
        }
        shmem_undo_range(inode, offset, Some(end - 1));
        trace_note!(m.trace, "shmem_fallocate", "inode {}: hole {:#x}..{:#x} punched", inode.ino, offset, end);
        return Ok(());
    }
    // Allocation (shmem_get_folio with SGP_FALLOC): each missing page
    // gets a zeroed page that is not up to date; a page an earlier
    // fallocate made (zeroed, never used) becomes up to date now; one out
    // on swap is read back.
    let mut added = Vec::new();
    for index in offset >> PAGE_SHIFT..end.div_ceil(PAGE_SIZE) {
        match inode.mapping.get_entry(index) {
            Some(CacheEntry::Page(_)) => {
                if let Some(pfn) = inode.mapping.filemap_get_folio(index) {
                    m.phys.page(pfn).set_flags(PageFlags::UPTODATE | PageFlags::DIRTY);
                    m.put_page(pfn);
                }
                continue;
            }
            Some(CacheEntry::Swap(_)) => {
                if let Ok((pfn, _)) = shmem_get_folio(m, inode, index) {
                    m.put_page(pfn);
                }
                continue;
            }
            None | Some(CacheEntry::Shadow(_)) => {}
        }
        let Some(pfn) = m.alloc_pages(crate::alloc::Gfp::HIGHUSER_MOVABLE | crate::alloc::Gfp::ZERO, 0) else {
            // shmem_fallocate undoes what it allocated and fails.
            for (i, pfn) in added {
                inode.mapping.delete_from_page_cache_range(i, i);
                m.put_page(pfn);
            }
            return Err(Errno::ENOSPC);
        };
        if inode.mapping.filemap_add_folio(index, pfn, PageFlags::SWAPBACKED | PageFlags::DIRTY).is_err() {
            m.put_page(pfn);
            continue;
        }
        added.push((index, pfn));
    }
    if !keep && end > inode.size() {
        inode.set_size(end);
    }
    trace_note!(m.trace, "shmem_fallocate", "inode {}: {} pages allocated", inode.ino, added.len());
    Ok(())
}
