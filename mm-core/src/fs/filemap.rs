//! The generic page-cache fault code (mm/filemap.c, mm/readahead.c):
//! `filemap_fault` with mmap read-around, `filemap_map_pages`
//! (fault-around), and reads and writes through the cache.

use super::{FaultPage, File, Inode};
use crate::alloc::Gfp;
use crate::arch::Pte;
use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::VmFaultCtx;
use crate::flags::{FaultFlags, PageFlags, VmFlags};
use crate::machine::Machine;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};

/// `MMAP_LOTSAMISS`: read-around stops after this many more misses than
/// hits.
pub const MMAP_LOTSAMISS: u32 = 100;

/// `struct file_ra_state`: the readahead window of an open file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRaState {
    /// First page of the current window.
    pub start: u64,
    /// Pages in the window.
    pub size: u64,
    /// Pages from the end of the window whose first one carries
    /// `PG_readahead`, triggering the next window.
    pub async_size: u64,
    /// The maximum window (`ra_pages`, from `read_ahead_kb`).
    pub ra_pages: u64,
    /// Cache misses minus hits of mmap faults (`mmap_miss`).
    pub mmap_miss: u32,
    /// Where the last read ended (`prev_pos`); -1 before any read.
    pub prev_pos: i64,
}

impl Default for FileRaState {
    /// `file_ra_state_init` with the default 128 KiB `read_ahead_kb`.
    fn default() -> FileRaState {
        FileRaState { start: 0, size: 0, async_size: 0, ra_pages: 32, mmap_miss: 0, prev_pos: -1 }
    }
}

/// `get_init_ra_size`: the first window for a read of `size` pages.
fn get_init_ra_size(size: u64, max: u64) -> u64 {
    let newsize = size.max(1).next_power_of_two();
    if newsize <= max / 32 {
        newsize * 4
    } else if newsize <= max / 4 {
        newsize * 2
    } else {
        max
    }
}

/// `get_next_ra_size`: the window after one of `ra.size` pages.
fn get_next_ra_size(ra: &FileRaState, max: u64) -> u64 {
    let cur = ra.size;
    if cur < max / 16 {
        4 * cur
    } else if cur <= max / 2 {
        2 * cur
    } else {
        max
    }
}

thread_local! {
    /// The buffer readahead reads into before the pages go to their frames.
    static RA_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Takes a new frame for the page cache.
fn page_cache_alloc(m: &Machine) -> Option<Pfn> {
    m.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0)
}

/// Reads page `index` into a new frame and adds it to the cache, up to
/// date; returns the cached frame (the new one, or one that appeared
/// meanwhile) with a reference for the caller.
fn read_cache_folio(m: &Machine, inode: &Inode, index: u64) -> Result<Pfn, VmFault> {
    let mapping = &inode.mapping;
    if let Some(p) = mapping.filemap_get_folio(index) {
        return Ok(p);
    }
    let pfn = page_cache_alloc(m).ok_or(VmFault::OOM)?;
    let mut buf = [0u8; PAGE_SIZE as usize];
    if mapping.a_ops.read_folio(inode, index, &mut buf).is_err() {
        m.put_page(pfn);
        trace_note!(m.trace, "read_folio", "inode {} page {}: I/O error", inode.ino, index);
        return Err(VmFault::SIGBUS);
    }
    m.phys.write_bytes(pfn, 0, &buf);
    trace_note!(m.trace, "read_folio", "inode {} page {} -> pfn {:#x}", inode.ino, index, pfn.0);
    match mapping.filemap_add_folio(index, pfn, PageFlags::UPTODATE) {
        Ok(()) => {
            m.get_page(pfn);
            Ok(pfn)
        }
        Err(_) => mapping.filemap_get_folio(index).ok_or(VmFault::SIGBUS),
    }
}

/// `page_cache_ra_unbounded` / `do_page_cache_ra`: reads `nr_to_read`
/// pages from `index` (clamped to the end of the file) that are not cached
/// yet, marking the page `nr_to_read - lookahead` into the window with
/// `PG_readahead`.
fn do_page_cache_ra(m: &Machine, inode: &Inode, index: u64, nr_to_read: u64, lookahead: u64) {
    let end_pages = inode.size_pages();
    if index >= end_pages || nr_to_read == 0 {
        return;
    }
    let nr = nr_to_read.min(end_pages - index);
    let mark = nr_to_read.checked_sub(lookahead);
    let mapping = &inode.mapping;
    // read_pages in batches of contiguous missing pages, through one
    // buffer reused for every batch.
    let mut batch: Vec<(u64, Pfn)> = Vec::new();
    let flush = |batch: &mut Vec<(u64, Pfn)>| {
        if batch.is_empty() {
            return;
        }
        let start = batch[0].0;
        let n = batch.len();
        let ok = RA_BUF.with_borrow_mut(|buf| {
            buf.resize(n * PAGE_SIZE as usize, 0);
            let ok = mapping.a_ops.readahead(inode, start, &mut buf[..n * PAGE_SIZE as usize]).is_ok();
            for ((_, pfn), data) in batch.iter().zip(buf.chunks(PAGE_SIZE as usize)) {
                let page = m.phys.page(*pfn);
                if ok {
                    m.phys.write_bytes(*pfn, 0, data);
                    page.set_flags(PageFlags::UPTODATE);
                }
                page.clear_flags(PageFlags::LOCKED);
            }
            ok
        });
        batch.clear();
        trace_note!(
            m.trace,
            "read_pages",
            "inode {} pages {}..{}{}",
            inode.ino,
            start,
            start + n as u64,
            if ok { "" } else { ": I/O error" }
        );
    };
    for i in 0..nr {
        let idx = index + i;
        let Some(pfn) = page_cache_alloc(m) else {
            break;
        };
        let mut flags = PageFlags::LOCKED;
        if Some(i) == mark {
            flags |= PageFlags::READAHEAD;
        }
        // A page already cached ends the batch (the new frame is freed).
        match mapping.filemap_add_folio(idx, pfn, flags) {
            Ok(()) => batch.push((idx, pfn)),
            Err(_) => flush(&mut batch),
        }
    }
    flush(&mut batch);
}

/// `page_cache_sync_ra` for `VM_SEQ_READ` faults: a window of `ra_pages`
/// from the faulting page, sized by the cached history before it.
fn page_cache_sync_ra(m: &Machine, inode: &Inode, ra: &mut FileRaState, index: u64, req_count: u64) {
    let max = ra.ra_pages;
    let prev_index = if ra.prev_pos < 0 { u64::MAX >> PAGE_SHIFT } else { (ra.prev_pos as u64) >> PAGE_SHIFT };
    if index == 0 || req_count > max || index.wrapping_sub(prev_index) <= 1 {
        ra.start = index;
        ra.size = get_init_ra_size(req_count, max);
        ra.async_size = if ra.size > req_count { ra.size - req_count } else { ra.size >> 1 };
    } else {
        // page_cache_prev_miss: the nearest uncached page before `index`.
        let mapping = &inode.mapping;
        let mut miss = None;
        for k in 1..=max.min(index) {
            if mapping.peek(index - k).is_none() {
                miss = Some(index - k);
                break;
            }
        }
        let mut contig = match miss {
            Some(mi) => index - mi - 1,
            None => max.min(index),
        };
        if contig <= req_count {
            do_page_cache_ra(m, inode, index, req_count, 0);
            return;
        }
        if miss.is_none() && index <= max {
            contig *= 2;
        }
        ra.start = index;
        ra.size = (contig + req_count).min(max);
        ra.async_size = 1;
    }
    do_page_cache_ra(m, inode, ra.start, ra.size, ra.async_size);
}

/// `do_sync_mmap_readahead`: on a cache miss, none with `MADV_RANDOM`,
/// sequential readahead with `MADV_SEQUENTIAL`, else read-around: a window
/// of `ra_pages` centred on the fault, until misses outnumber hits by
/// `MMAP_LOTSAMISS`.
fn do_sync_mmap_readahead(vmf: &VmFaultCtx<'_>, file: &File) {
    let m = &*vmf.mm.machine;
    let inode = &*file.inode;
    let mut ra = file.f_ra.lock();
    let flags = vmf.vma.flags;
    if flags.contains(VmFlags::RAND_READ) || ra.ra_pages == 0 {
        trace_note!(m.trace, "do_sync_mmap_readahead", "no readahead (MADV_RANDOM)");
        return;
    }
    if flags.contains(VmFlags::SEQ_READ) {
        let n = ra.ra_pages;
        page_cache_sync_ra(m, inode, &mut ra, vmf.pgoff, n);
        trace_note!(m.trace, "page_cache_sync_ra", "pages {}..{} (MADV_SEQUENTIAL)", ra.start, ra.start + ra.size);
        return;
    }
    if ra.mmap_miss < MMAP_LOTSAMISS * 10 {
        ra.mmap_miss += 1;
    }
    if ra.mmap_miss > MMAP_LOTSAMISS {
        trace_note!(m.trace, "do_sync_mmap_readahead", "too many misses: no read-around");
        return;
    }
    ra.start = vmf.pgoff.saturating_sub(ra.ra_pages / 2);
    ra.size = ra.ra_pages;
    ra.async_size = ra.ra_pages / 4;
    trace_note!(m.trace, "do_sync_mmap_readahead", "read-around pages {}..{}", ra.start, ra.start + ra.size);
    do_page_cache_ra(m, inode, ra.start, ra.size, ra.async_size);
}

/// `do_async_mmap_readahead`: a hit lowers the miss count; a hit on a
/// `PG_readahead` page starts the next window (`page_cache_async_ra`).
fn do_async_mmap_readahead(vmf: &VmFaultCtx<'_>, file: &File, pfn: Pfn) {
    let m = &*vmf.mm.machine;
    let mut ra = file.f_ra.lock();
    if vmf.vma.flags.contains(VmFlags::RAND_READ) || ra.ra_pages == 0 {
        return;
    }
    ra.mmap_miss = ra.mmap_miss.saturating_sub(1);
    let page = m.phys.page(pfn);
    if !page.test(PageFlags::READAHEAD) || page.test(PageFlags::WRITEBACK) {
        return;
    }
    page.clear_flags(PageFlags::READAHEAD);
    let max = ra.ra_pages;
    let index = vmf.pgoff;
    let inode = &*file.inode;
    if index == (ra.start + ra.size).saturating_sub(ra.async_size) {
        ra.start += ra.size;
        ra.size = ra.size.max(get_next_ra_size(&ra, max));
        ra.async_size = ra.size;
    } else {
        // page_cache_next_miss: the cached run after `index`.
        let mut start = None;
        for k in 1..=max {
            if inode.mapping.peek(index + k).is_none() {
                start = Some(index + k);
                break;
            }
        }
        let Some(start) = start else {
            return;
        };
        ra.start = start;
        ra.size = start - index + max;
        ra.size = get_next_ra_size(&ra, max);
        ra.async_size = ra.size;
    }
    trace_note!(m.trace, "page_cache_async_ra", "pages {}..{}", ra.start, ra.start + ra.size);
    do_page_cache_ra(m, inode, ra.start, ra.size, ra.async_size);
}

/// `filemap_fault`: the page at the fault's file offset from the page
/// cache; on a miss, readahead then `read_folio`, and the fault is major.
/// A page wholly past the end of the file is `SIGBUS`.
pub fn filemap_fault(vmf: &VmFaultCtx<'_>) -> Result<FaultPage, VmFault> {
    let m = &*vmf.mm.machine;
    let file = vmf.vma.file().expect("filemap_fault on a file VMA");
    let inode = &*file.inode;
    let index = vmf.pgoff;
    let _t = trace_enter!(m.trace, "filemap_fault", "inode {} page {}", inode.ino, index);
    if index >= inode.size_pages() {
        trace_note!(m.trace, "filemap_fault", "page {} is past the end of the file: SIGBUS", index);
        return Err(VmFault::SIGBUS);
    }
    let mut ret = VmFault::empty();
    let pfn = match inode.mapping.filemap_get_folio(index) {
        Some(pfn) => {
            trace_note!(m.trace, "filemap_get_folio", "cache hit: pfn {:#x}", pfn.0);
            if !vmf.flags.contains(FaultFlags::TRIED) {
                do_async_mmap_readahead(vmf, file, pfn);
            }
            pfn
        }
        None => {
            trace_note!(m.trace, "filemap_get_folio", "cache miss: major fault");
            ret |= VmFault::MAJOR;
            do_sync_mmap_readahead(vmf, file);
            read_cache_folio(m, inode, index)?
        }
    };
    let page = m.phys.page(pfn);
    if !page.test(PageFlags::UPTODATE) {
        // page_not_uptodate: readahead failed; read it directly, once.
        let mut buf = [0u8; PAGE_SIZE as usize];
        if inode.mapping.a_ops.read_folio(inode, index, &mut buf).is_err() {
            m.put_page(pfn);
            trace_note!(m.trace, "read_folio", "inode {} page {}: I/O error: SIGBUS", inode.ino, index);
            return Err(VmFault::SIGBUS);
        }
        m.phys.write_bytes(pfn, 0, &buf);
        page.set_flags(PageFlags::UPTODATE);
        page.clear_flags(PageFlags::LOCKED);
    }
    if index >= inode.size_pages() {
        m.put_page(pfn);
        return Err(VmFault::SIGBUS);
    }
    Ok(FaultPage { pfn, ret })
}

/// `filemap_map_pages`: maps every page of `[start_pgoff, end_pgoff]`
/// (clamped to the end of the file) that is cached, up to date, unlocked
/// and not a readahead marker, where no entry is yet.  Returns
/// `VM_FAULT_NOPAGE` if the faulting page was among them.
pub fn filemap_map_pages(vmf: &VmFaultCtx<'_>, start_pgoff: u64, end_pgoff: u64) -> VmFault {
    let mm = vmf.mm;
    let m = &*mm.machine;
    let vma = vmf.vma;
    let file = vma.file().expect("filemap_map_pages on a file VMA");
    let inode = &*file.inode;
    let size_pages = inode.size_pages();
    if size_pages == 0 || start_pgoff >= size_pages {
        return VmFault::empty();
    }
    let end = end_pgoff.min(size_pages - 1);
    // The page table first (`prealloc_pte`): allocating it may reclaim,
    // and reclaim may take cached pages out from under the window.
    let first_addr = vma.start + ((start_pgoff.max(vma.pgoff) - vma.pgoff) << PAGE_SHIFT);
    let table = match mm.pte_alloc(vmf.pmd, first_addr) {
        Ok(s) => s.table,
        Err(e) => return e,
    };
    let pages = inode.mapping.pages_in(start_pgoff, end);
    let mut ret = VmFault::empty();
    let mut mapped = 0u32;
    let mut mmap_miss = 0u32;
    // The page-table lock is taken once for the window, at the first page
    // to map, as pte_offset_map_lock does.
    let mut ptl = None;
    for (index, pfn) in pages {
        let page = m.phys.page(pfn);
        let f = page.flags();
        if !f.contains(PageFlags::UPTODATE) || f.intersects(PageFlags::READAHEAD | PageFlags::LOCKED) {
            continue;
        }
        // next_uptodate_folio: a reference, and the page still the
        // cache's at this index.
        if !crate::vmscan::folio_try_get(m, pfn) {
            continue;
        }
        if inode.mapping.peek(index) != Some(pfn) {
            m.put_page(pfn);
            continue;
        }
        let addr = vma.start + ((index - vma.pgoff) << PAGE_SHIFT);
        let slot = crate::pgtable::Slot { table, idx: mm.pt_index(crate::arch::PTE_LEVEL, addr) };
        if !f.contains(PageFlags::WORKINGSET) {
            mmap_miss += 1;
        }
        ptl.get_or_insert_with(|| mm.page_table_lock.lock());
        if !mm.read_pte(slot).is_none() {
            m.put_page(pfn);
            continue;
        }
        mm.page_add_file_rmap(pfn);
        mm.set_pte(slot, Pte::page(pfn, vma.page_prot));
        mapped += 1;
        if addr == vmf.address {
            ret = VmFault::NOPAGE;
        }
    }
    drop(ptl);
    // add_mm_counter, once for the window.
    mm.counters.file_rss.fetch_add(i64::from(mapped), std::sync::atomic::Ordering::Relaxed);
    let mut ra = file.f_ra.lock();
    ra.mmap_miss = ra.mmap_miss.saturating_sub(mmap_miss);
    trace_note!(
        m.trace,
        "filemap_map_pages",
        "pages {}..={}: {} mapped{}",
        start_pgoff,
        end,
        mapped,
        if ret.contains(VmFault::NOPAGE) { ", the faulting one included" } else { "" }
    );
    ret
}

/// Walks the pages behind bytes `[off, end)` of `inode`, each got with a
/// reference from `get` (the page cache, reading missing pages, for most
/// files), marked accessed: `f(index, frame, offset in the page, offset
/// from off, bytes)`.
pub(crate) fn for_each_cached_chunk(
    inode: &Inode,
    off: u64,
    end: u64,
    get: impl Fn(&Machine, &Inode, u64) -> SysResult<Pfn>,
    mut f: impl FnMut(u64, Pfn, u64, usize, usize),
) -> SysResult<()> {
    let m = inode.mapping.machine();
    let mut pos = off;
    while pos < end {
        let index = pos >> PAGE_SHIFT;
        let in_page = pos & (PAGE_SIZE - 1);
        let n = (PAGE_SIZE - in_page).min(end - pos) as usize;
        let pfn = get(m, inode, index)?;
        f(index, pfn, in_page, (pos - off) as usize, n);
        m.reclaim.folio_mark_accessed(m, pfn);
        m.put_page(pfn);
        pos += n as u64;
    }
    Ok(())
}

/// The page cache's page, read if missing, for `read`/`write`.
fn cached_page(m: &Machine, inode: &Inode, index: u64) -> SysResult<Pfn> {
    read_cache_folio(m, inode, index).map_err(|_| Errno::EIO)
}

/// `filemap_read` for `read(2)`: copies the file's bytes from the page
/// cache, reading missing pages.
pub fn generic_file_read(file: &File, off: u64, buf: &mut [u8]) -> SysResult<usize> {
    let inode = &*file.inode;
    let size = inode.size();
    if off >= size {
        return Ok(0);
    }
    let end = size.min(off.saturating_add(buf.len() as u64));
    let phys = &inode.mapping.machine().phys;
    for_each_cached_chunk(inode, off, end, cached_page, |_, pfn, in_page, at, n| {
        phys.read_bytes(pfn, in_page, &mut buf[at..at + n]);
    })?;
    Ok((end - off) as usize)
}

/// `generic_perform_write` for `write(2)`: copies into the page cache and
/// dirties the pages.  Files are not extended: bytes past the end are not
/// written (`EFBIG` if none could be).
pub fn generic_perform_write(file: &File, off: u64, data: &[u8]) -> SysResult<usize> {
    let inode = &*file.inode;
    let size = inode.size();
    if off >= size && !data.is_empty() {
        return Err(Errno::EFBIG);
    }
    let end = size.min(off.saturating_add(data.len() as u64));
    let phys = &inode.mapping.machine().phys;
    for_each_cached_chunk(inode, off, end, cached_page, |index, pfn, in_page, at, n| {
        phys.write_bytes(pfn, in_page, &data[at..at + n]);
        inode.mapping.folio_mark_dirty(inode, index, pfn);
    })?;
    Ok((end - off) as usize)
}
