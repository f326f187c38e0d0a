//! The generic page-cache fault code (mm/filemap.c, mm/readahead.c):
//! `filemap_fault` with mmap read-around, `filemap_map_pages`
//! (fault-around), and reads and writes through the cache.

use super::pagecache::CachedFolio;
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

/// `VM_READAHEAD_PAGES`: the readahead window of a device whose
/// `read_ahead_kb` was not changed (128 KiB).
pub const DEFAULT_RA_PAGES: u64 = 32;

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
    /// The folio order the next window asks for (`order`): 0 for a new
    /// stream, 2 more with each window that follows.
    pub order: u32,
    /// Cache misses minus hits of mmap faults (`mmap_miss`).
    pub mmap_miss: u32,
    /// Where the last read ended (`prev_pos`); -1 before any read.
    pub prev_pos: i64,
    /// The pages `[start, end)` of the readahead a fault started
    /// asynchronously before retrying: still under I/O when the fault is
    /// done again, so that fault-around leaves them (they are locked then
    /// on a real machine, whose disk is slower than a retry).  The next
    /// fault-around of the file ends it.
    pub in_flight: Option<(u64, u64)>,
}

impl Default for FileRaState {
    /// `file_ra_state_init` with the default 128 KiB `read_ahead_kb`.
    fn default() -> FileRaState {
        FileRaState {
            start: 0,
            size: 0,
            async_size: 0,
            ra_pages: DEFAULT_RA_PAGES,
            order: 0,
            mmap_miss: 0,
            prev_pos: -1,
            in_flight: None,
        }
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

/// `filemap_alloc_folio`: `2^order` contiguous frames for a folio, split
/// into pages that each hold a reference; `None` if there are none, or
/// the allocator cannot split blocks.
fn filemap_alloc_folio(m: &Machine, order: u32) -> Option<Pfn> {
    let pfn = m.alloc_pages(Gfp::HIGHUSER_MOVABLE, order)?;
    if !m.split_page(pfn, order) {
        m.free_pages(pfn, order);
        return None;
    }
    Some(pfn)
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

/// `struct readahead_control` as far as the model needs it: the locked
/// pages added to the cache and not read yet, contiguous from their
/// first offset.  `read_pages` reads them with one `->readahead`.
struct Ractl<'a> {
    m: &'a Machine,
    inode: &'a Inode,
    batch: Vec<(u64, Pfn)>,
}

impl<'a> Ractl<'a> {
    fn new(m: &'a Machine, inode: &'a Inode) -> Ractl<'a> {
        Ractl { m, inode, batch: Vec::new() }
    }

    /// `read_pages`: reads the batch through one buffer and unlocks the
    /// pages, up to date unless the read failed.
    fn read_pages(&mut self) {
        let (m, inode) = (self.m, self.inode);
        if self.batch.is_empty() {
            return;
        }
        let start = self.batch[0].0;
        let n = self.batch.len();
        let ok = RA_BUF.with_borrow_mut(|buf| {
            buf.resize(n * PAGE_SIZE as usize, 0);
            let ok = inode.mapping.a_ops.readahead(inode, start, &mut buf[..n * PAGE_SIZE as usize]).is_ok();
            for ((_, pfn), data) in self.batch.iter().zip(buf.chunks(PAGE_SIZE as usize)) {
                let page = m.phys.page(*pfn);
                if ok {
                    m.phys.write_bytes(*pfn, 0, data);
                    page.set_flags(PageFlags::UPTODATE);
                }
                page.clear_flags(PageFlags::LOCKED);
            }
            ok
        });
        self.batch.clear();
        trace_note!(
            m.trace,
            "read_pages",
            "inode {} pages {}..{}{}",
            inode.ino,
            start,
            start + n as u64,
            if ok { "" } else { ": I/O error" }
        );
    }

    /// Adds the folio of `order` at `index` (a new page: the batch goes
    /// on); on a page already there, reads the batch before it.
    fn push(&mut self, index: u64, pfn: Pfn, order: u32) {
        if self.batch.last().is_some_and(|&(i, _)| i + 1 != index) {
            self.read_pages();
        }
        for i in 0..1u64 << order {
            self.batch.push((index + i, Pfn(pfn.0 + i)));
        }
    }
}

/// `filemap_create_folio`: reads the folio of `order` at `index` (a
/// multiple of `2^order`) into new frames and adds it to the cache, up to
/// date, as a file that was cached before anything ran has it.  Order 0
/// for a mapping without large folios.
pub fn filemap_create_folio(inode: &Inode, index: u64, order: u32) -> SysResult<()> {
    let mapping = &inode.mapping;
    let m = mapping.machine();
    let order = order.min(mapping.max_folio_order());
    let nr = 1u64 << order;
    if !index.is_multiple_of(nr) {
        return Err(Errno::EINVAL);
    }
    let pfn = filemap_alloc_folio(m, order).ok_or(Errno::ENOMEM)?;
    let ok = RA_BUF.with_borrow_mut(|buf| {
        buf.resize((nr * PAGE_SIZE) as usize, 0);
        let ok = mapping.a_ops.readahead(inode, index, &mut buf[..(nr * PAGE_SIZE) as usize]).is_ok();
        if ok {
            for (i, data) in buf.chunks(PAGE_SIZE as usize).take(nr as usize).enumerate() {
                m.phys.write_bytes(Pfn(pfn.0 + i as u64), 0, data);
            }
        }
        ok
    });
    if !ok {
        // The frames are not the cache's yet.
        for i in 0..nr {
            m.put_page(Pfn(pfn.0 + i));
        }
        return Err(Errno::EIO);
    }
    if order == 0 {
        mapping.filemap_add_folio(index, pfn, PageFlags::UPTODATE).map_err(|_| Errno::EEXIST)
    } else {
        mapping.filemap_add_large_folio(index, pfn, order, PageFlags::UPTODATE)
    }
}

/// `page_cache_ra_unbounded`: adds `nr_to_read` order-0 pages from
/// `index` that are not cached yet, marking the page `nr_to_read -
/// lookahead` into the window with `PG_readahead`, and reads them in
/// batches of contiguous new pages.
fn page_cache_ra_unbounded(ractl: &mut Ractl<'_>, index: u64, nr_to_read: u64, lookahead: u64) {
    let m = ractl.m;
    let mapping = &ractl.inode.mapping;
    let mark = nr_to_read.checked_sub(lookahead);
    for i in 0..nr_to_read {
        let idx = index + i;
        // A page already cached ends the batch.
        if mapping.peek(idx).is_some() {
            ractl.read_pages();
            continue;
        }
        let Some(pfn) = page_cache_alloc(m) else {
            break;
        };
        let mut flags = PageFlags::LOCKED;
        if Some(i) == mark {
            flags |= PageFlags::READAHEAD;
        }
        match mapping.filemap_add_folio(idx, pfn, flags) {
            Ok(()) => ractl.push(idx, pfn, 0),
            Err(_) => ractl.read_pages(),
        }
    }
    ractl.read_pages();
}

/// `do_page_cache_ra`: [`page_cache_ra_unbounded`] clamped to the end of
/// the file; a window reaching it sets no `PG_readahead`.
fn do_page_cache_ra(ractl: &mut Ractl<'_>, index: u64, mut nr_to_read: u64, mut lookahead: u64) {
    let end_pages = ractl.inode.size_pages();
    if end_pages == 0 || index >= end_pages {
        return;
    }
    let end_index = end_pages - 1;
    if nr_to_read > end_index - index {
        nr_to_read = end_index - index + 1;
        lookahead = 0;
    }
    page_cache_ra_unbounded(ractl, index, nr_to_read, lookahead);
}

/// `ra_alloc_folio`: a folio of `order` at `index`, `PG_readahead` if it
/// holds the `mark` page; `Err` if the frames cannot be had or a page of
/// the range is cached already.
fn ra_alloc_folio(ractl: &mut Ractl<'_>, index: u64, mark: u64, order: u32) -> Result<(), ()> {
    let m = ractl.m;
    let pfn = filemap_alloc_folio(m, order).ok_or(())?;
    let mut flags = PageFlags::LOCKED;
    if index == mark & !((1u64 << order) - 1) {
        flags |= PageFlags::READAHEAD;
    }
    let mapping = &ractl.inode.mapping;
    if order == 0 {
        mapping.filemap_add_folio(index, pfn, flags).map_err(|_| ())?;
    } else {
        mapping.filemap_add_large_folio(index, pfn, order, flags).map_err(|_| ())?;
    }
    ractl.push(index, pfn, order);
    Ok(())
}

/// `page_cache_ra_order`: reads the window `ra` describes from `start` in
/// folios of `ra.order` (capped by the mapping's largest order and the
/// window, smaller where `start` is not aligned or the file ends), for a
/// mapping with large folios; order-0 pages otherwise, or for what is
/// left of the window when a folio cannot be added.
fn page_cache_ra_order(m: &Machine, inode: &Inode, ra: &mut FileRaState, start: u64) {
    let mut ractl = Ractl::new(m, inode);
    let mapping = &inode.mapping;
    let mut index = start;
    if !mapping.mapping_large_folio_support() || inode.size() == 0 {
        ra.order = 0;
    } else {
        let mut limit = (inode.size() - 1) >> PAGE_SHIFT;
        let mark = if limit > index + ra.size - 1 {
            limit = index + ra.size - 1;
            index + ra.size - ra.async_size
        } else {
            // The window reaches the end: no next one.
            u64::MAX
        };
        let new_order = mapping.max_folio_order().min(ra.order).min(ra.size.max(1).ilog2());
        ra.order = new_order;
        let mut failed = false;
        while index <= limit {
            let mut order = new_order;
            if index & ((1u64 << order) - 1) != 0 {
                order = index.trailing_zeros();
            }
            while order > 0 && index + (1u64 << order) - 1 > limit {
                order -= 1;
            }
            if ra_alloc_folio(&mut ractl, index, mark, order).is_err() {
                failed = true;
                break;
            }
            index += 1u64 << order;
        }
        ractl.read_pages();
        trace_note!(m.trace, "page_cache_ra_order", "pages {}..{} in folios of order {}", start, index, new_order);
        if !failed {
            return;
        }
    }
    if ra.size > index - start {
        do_page_cache_ra(&mut ractl, index, ra.size - (index - start), ra.async_size);
    }
}

/// `page_cache_sync_ra`: a cache miss at `index` reading `req_count`
/// pages: a new window at the start of the file, after the previous read
/// or for a large request; else one sized by the cached history before
/// `index`, or just the request.
fn page_cache_sync_ra(m: &Machine, inode: &Inode, ra: &mut FileRaState, index: u64, req_count: u64) {
    let max = ra.ra_pages;
    let prev_index = (ra.prev_pos as u64) >> PAGE_SHIFT;
    if index == 0 || req_count > max || index.wrapping_sub(prev_index) <= 1 {
        ra.start = index;
        ra.size = get_init_ra_size(req_count, max);
        ra.async_size = if ra.size > req_count { ra.size - req_count } else { ra.size >> 1 };
    } else {
        // page_cache_prev_miss from index - 1, at most `max` pages back.
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
            // Cached back to page 0 (the scan wrapped): the whole file so far.
            None if index <= max => index,
            // Cached all the way back: the scan stops on a cached page.
            None => max - 1,
        };
        if contig <= req_count {
            do_page_cache_ra(&mut Ractl::new(m, inode), index, req_count, 0);
            return;
        }
        if miss.is_none() && index <= max {
            contig *= 2;
        }
        ra.start = index;
        ra.size = (contig + req_count).min(max);
        ra.async_size = 1;
    }
    ra.order = 0;
    page_cache_ra_order(m, inode, ra, ra.start);
}

/// `page_cache_async_ra`: page `index` of the `PG_readahead` folio
/// `folio` was hit: the next window, after the current one if this was
/// its marker, else after the cached run from `index`; each window asks
/// for folios two orders larger.
fn page_cache_async_ra(
    m: &Machine,
    inode: &Inode,
    ra: &mut FileRaState,
    index: u64,
    folio: CachedFolio,
    req_count: u64,
) {
    if ra.ra_pages == 0 {
        return;
    }
    let head = m.phys.page(folio.pfn);
    if head.test(PageFlags::WRITEBACK) {
        return;
    }
    head.clear_flags(PageFlags::READAHEAD);
    let max = ra.ra_pages;
    let expected = (ra.start + ra.size).wrapping_sub(ra.async_size) & !(folio.nr_pages() - 1);
    if index == expected {
        ra.start += ra.size;
        ra.size = ra.size.max(get_next_ra_size(ra, max));
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
        ra.size = start - index + req_count;
        ra.size = get_next_ra_size(ra, max);
    }
    ra.order += 2;
    let align = 1u64 << ra.order.min(max.max(1).trailing_zeros());
    let end = ra.start + ra.size;
    let aligned_end = end & !(align - 1);
    if aligned_end > ra.start {
        ra.size -= end - aligned_end;
    }
    ra.async_size = ra.size;
    trace_note!(m.trace, "page_cache_async_ra", "pages {}..{}", ra.start, ra.start + ra.size);
    page_cache_ra_order(m, inode, ra, ra.start);
}

/// `do_sync_mmap_readahead`: on a cache miss, none with `MADV_RANDOM`
/// (unless executable), sequential readahead with `MADV_SEQUENTIAL`;
/// else, until misses outnumber hits by `MMAP_LOTSAMISS`, the window from
/// the fault to the end of the VMA for an executable mapping (x86 asks no
/// folio order for code: `exec_folio_order` is 0), read-around (a window
/// of `ra_pages` centred on the fault) for others.  A `MADV_HUGEPAGE`
/// VMA reads (whatever `ra_pages` and `MADV_RANDOM`/`MADV_SEQUENTIAL`
/// say, but still minding the miss count without `MADV_SEQUENTIAL`) the
/// PMD-aligned block of the fault and the next one (the block alone with
/// `MADV_RANDOM`) in PMD-sized folios, the second block the next
/// window's marker: folios a PMD leaf can map.
fn do_sync_mmap_readahead(vmf: &VmFaultCtx<'_>, file: &File) {
    let m = &*vmf.mm.machine;
    let inode = &*file.inode;
    let mut ra = file.f_ra.lock();
    let flags = vmf.vma.flags;
    // Use the readahead code, even if readahead is disabled.
    let force_thp_readahead = flags.contains(VmFlags::HUGEPAGE)
        && m.hpage_pmd_order().is_some_and(|o| o <= super::pagecache::MAX_PAGECACHE_ORDER);
    if !force_thp_readahead {
        if flags & (VmFlags::RAND_READ | VmFlags::EXEC) == VmFlags::RAND_READ || ra.ra_pages == 0 {
            trace_note!(m.trace, "do_sync_mmap_readahead", "no readahead (MADV_RANDOM)");
            return;
        }
        if flags.contains(VmFlags::SEQ_READ) {
            let n = ra.ra_pages;
            page_cache_sync_ra(m, inode, &mut ra, vmf.pgoff, n);
            trace_note!(m.trace, "page_cache_sync_ra", "pages {}..{} (MADV_SEQUENTIAL)", ra.start, ra.start + ra.size);
            return;
        }
    }
    if !flags.contains(VmFlags::SEQ_READ) {
        if ra.mmap_miss < MMAP_LOTSAMISS * 10 {
            ra.mmap_miss += 1;
        }
        if ra.mmap_miss > MMAP_LOTSAMISS {
            trace_note!(m.trace, "do_sync_mmap_readahead", "too many misses: no read-around");
            return;
        }
    }
    if let Some(order) = m.hpage_pmd_order().filter(|_| force_thp_readahead) {
        let nr = 1u64 << order;
        let start = vmf.pgoff & !(nr - 1);
        ra.size = if flags.contains(VmFlags::RAND_READ) { nr } else { 2 * nr };
        ra.async_size = nr;
        ra.order = order;
        trace_note!(m.trace, "do_sync_mmap_readahead", "VM_HUGEPAGE: pages {}..{}", start, start + ra.size);
        page_cache_ra_order(m, inode, &mut ra, start);
        return;
    }
    if flags.contains(VmFlags::EXEC) {
        let vma_end = vmf.vma.pgoff + vmf.vma.pages();
        ra.order = 0;
        ra.start = vmf.pgoff.max(vmf.vma.pgoff);
        ra.size = (ra.start + ra.ra_pages).min(vma_end) - ra.start;
        ra.async_size = 0;
        trace_note!(m.trace, "do_sync_mmap_readahead", "executable: pages {}..{}", ra.start, ra.start + ra.size);
    } else {
        ra.start = vmf.pgoff.saturating_sub(ra.ra_pages / 2);
        ra.size = ra.ra_pages;
        ra.async_size = ra.ra_pages / 4;
        ra.order = 0;
        trace_note!(m.trace, "do_sync_mmap_readahead", "read-around pages {}..{}", ra.start, ra.start + ra.size);
    }
    let start = ra.start;
    page_cache_ra_order(m, inode, &mut ra, start);
}

/// `do_async_mmap_readahead`: a hit lowers the miss count; a hit on a
/// `PG_readahead` folio starts the next window (`page_cache_async_ra`).
/// Returns true if it read (the fault drops its lock for that: `fpin`).
fn do_async_mmap_readahead(vmf: &VmFaultCtx<'_>, file: &File, pfn: Pfn) -> bool {
    let m = &*vmf.mm.machine;
    let mut ra = file.f_ra.lock();
    if vmf.vma.flags.contains(VmFlags::RAND_READ) || ra.ra_pages == 0 {
        return false;
    }
    if !m.phys.page(pfn).test(PageFlags::LOCKED) {
        ra.mmap_miss = ra.mmap_miss.saturating_sub(1);
    }
    let inode = &*file.inode;
    let Some(folio) = inode.mapping.folio(vmf.pgoff) else {
        return false;
    };
    if !m.phys.page(folio.pfn).test(PageFlags::READAHEAD) {
        return false;
    }
    let n = ra.ra_pages;
    let before = (ra.start, ra.size);
    page_cache_async_ra(m, inode, &mut ra, vmf.pgoff, folio, n);
    if (ra.start, ra.size) != before && fault_flag_allow_retry_first(vmf.flags) {
        ra.in_flight = Some((ra.start, ra.start + ra.size));
    }
    true
}

/// `filemap_fault`: the page at the fault's file offset from the page
/// cache; on a miss, readahead then `read_folio`, and the fault is major.
/// A page wholly past the end of the file is `SIGBUS`.  A fault that read
/// (a miss, or a hit on a readahead marker) dropped its lock for the I/O
/// where it could (`maybe_unlock_mmap_for_io`: `FAULT_FLAG_ALLOW_RETRY`,
/// first try): it returns `VM_FAULT_RETRY` and is done again.
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
    let mut fpin = false;
    let pfn = match inode.mapping.filemap_get_folio(index) {
        Some(pfn) => {
            trace_note!(m.trace, "filemap_get_folio", "cache hit: pfn {:#x}", pfn.0);
            if !vmf.flags.contains(FaultFlags::TRIED) {
                fpin = do_async_mmap_readahead(vmf, file, pfn);
            }
            pfn
        }
        None => {
            trace_note!(m.trace, "filemap_get_folio", "cache miss: major fault");
            ret |= VmFault::MAJOR;
            fpin = true;
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
    if fpin && fault_flag_allow_retry_first(vmf.flags) {
        m.put_page(pfn);
        trace_note!(m.trace, "filemap_fault", "the lock was dropped for I/O: VM_FAULT_RETRY");
        return Err(ret | VmFault::RETRY);
    }
    Ok(FaultPage { pfn, ret })
}

/// `fault_flag_allow_retry_first`: the fault may drop its lock and be
/// retried.
#[inline]
fn fault_flag_allow_retry_first(flags: FaultFlags) -> bool {
    flags.contains(FaultFlags::ALLOW_RETRY) && !flags.contains(FaultFlags::TRIED)
}

/// `filemap_map_pages`: maps the cached, up-to-date, unlocked folios of
/// `[start_pgoff, end_pgoff]` (clamped to the end of the file) that are
/// not readahead markers, where no entry is yet.  A large folio is mapped
/// whole when it lies inside the VMA and one page table
/// (`filemap_map_folio_range`), unless the first folio found reaches the
/// last page of the file; else only its pages in the window.  Returns
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
    let file_end = size_pages - 1;
    let end = end_pgoff.min(file_end);
    let shmem = inode.mapping.a_ops.is_shmem();
    let mut ra = file.f_ra.lock();
    let in_flight = ra.in_flight.take();
    // next_uptodate_folio: up to date, unlocked, not a readahead marker
    // (the head's flags are the folio's), not being read: the flags of
    // its head then.
    let mappable = |folio: &CachedFolio| {
        let xa_index = folio.index.max(start_pgoff);
        let f = m.phys.page(Pfn(folio.pfn.0 + (xa_index - folio.index))).flags();
        let head = if xa_index == folio.index { f } else { m.phys.page(folio.pfn).flags() };
        let ok = f.contains(PageFlags::UPTODATE)
            && !f.contains(PageFlags::LOCKED)
            && !head.contains(PageFlags::READAHEAD)
            && !in_flight.is_some_and(|(a, b)| xa_index >= a && xa_index < b);
        ok.then_some(head)
    };
    if !matches!(mm.read_table(crate::arch::PMD_LEVEL, vmf.pmd), crate::arch::TableEntry::Table(_)) {
        // No page table yet: it is installed (`filemap_map_pmd`) only
        // when the first folio may be mapped large; else nothing is
        // mapped and the fault maps its page itself (`finish_fault`).
        let first = inode.mapping.folios_in(start_pgoff, end).into_iter().find(|f| mappable(f).is_some());
        // filemap_map_pmd: a PMD-sized first folio is mapped by one leaf
        // if it can be (`do_set_pmd`), with the reference taken for it.
        if let Some(f) = first
            && Some(f.order) == m.hpage_pmd_order()
            && mm.read_table(crate::arch::PMD_LEVEL, vmf.pmd) == crate::arch::TableEntry::None
            && crate::vmscan::folio_try_get(m.phys.page(f.pfn))
        {
            if !inode.mapping.page_cached_at(f.pfn, f.index) {
                m.put_page(f.pfn);
            } else {
                let ret = mm.do_set_pmd(vmf, f.pfn, f.pfn);
                if ret.is_empty() {
                    return VmFault::NOPAGE;
                }
                m.put_page(f.pfn);
                if ret.contains(VmFault::OOM) {
                    return ret;
                }
            }
        }
        if first.is_none_or(|f| !shmem && file_end < f.next_index()) {
            trace_note!(m.trace, "filemap_map_pages", "no page table and no folio to map large: nothing mapped");
            return VmFault::empty();
        }
    }
    // The page table first (`prealloc_pte`): allocating it may reclaim,
    // and reclaim may take cached pages out from under the window.
    let first_addr = vma.start + ((start_pgoff.max(vma.pgoff) - vma.pgoff) << PAGE_SHIFT);
    let table = match mm.pte_alloc(vmf.pmd, first_addr) {
        Ok(s) => s.table,
        Err(e) => return e,
    };
    let folios = inode.mapping.folios_in(start_pgoff, end);
    let pmd_span = (m.geometry.ptrs as u64) << PAGE_SHIFT;
    let vma_end_pgoff = vma.pgoff + vma.pages();
    let mut ret = VmFault::empty();
    let mut mapped = 0u32;
    let mut mmap_miss = 0u32;
    let mut can_map_large = None;
    // The page-table lock is taken once for the window, at the first page
    // to map, as pte_offset_map_lock does.
    let mut ptl = None;
    'folios: for folio in folios {
        let xa_index = folio.index.max(start_pgoff);
        let Some(head) = mappable(&folio) else {
            continue;
        };
        // Do not map past i_size, nor a large folio across it (shmem
        // excepted, which has long mapped PMDs across it).
        let can_map_large = *can_map_large.get_or_insert(shmem || file_end >= folio.next_index());
        let (mut first, mut last) = (xa_index, (folio.next_index() - 1).min(end));
        if folio.order > 0 && can_map_large {
            // (Only used for a folio inside the VMA: one that starts
            // before it gives a wrapped address.)
            let addr0 = vma.start.wrapping_add(folio.index.wrapping_sub(vma.pgoff) << PAGE_SHIFT);
            let within_vma = folio.index >= vma.pgoff && folio.next_index() <= vma_end_pgoff;
            if within_vma && addr0 / pmd_span == (addr0 + (folio.nr_pages() << PAGE_SHIFT) - 1) / pmd_span {
                (first, last) = (folio.index, folio.next_index() - 1);
            }
        }
        let workingset = head.contains(PageFlags::WORKINGSET);
        // next_uptodate_folio checks once that the folio is still the
        // cache's (with a reference held, its `mapping` and index): a page
        // of it found in place says so for the pages after it (nothing
        // here splits or removes a folio).
        let mut in_place = false;
        for index in first..=last {
            let pfn = Pfn(folio.pfn.0 + (index - folio.index));
            // next_uptodate_folio: a reference, and the page still the
            // cache's at this index.
            if !crate::vmscan::folio_try_get(m.phys.page(pfn)) {
                continue;
            }
            if !in_place {
                in_place = inode.mapping.page_cached_at(pfn, index);
            }
            if !in_place {
                m.put_page(pfn);
                continue;
            }
            if !workingset {
                mmap_miss += 1;
            }
            let addr = vma.start + ((index - vma.pgoff) << PAGE_SHIFT);
            let slot = crate::pgtable::Slot { table, idx: mm.pt_index(crate::arch::PTE_LEVEL, addr) };
            if ptl.is_none() {
                // pte_offset_map_lock: the table may have gone meanwhile.
                ptl = mm.pte_offset_map_lock(vmf.pmd, table);
                if ptl.is_none() {
                    m.put_page(pfn);
                    break 'folios;
                }
            }
            // pte_none: an empty entry is the zero word in every format
            // (tables start zeroed), so the word itself says, undecoded.
            if m.phys.read_u64(table, slot.idx) != 0 {
                m.put_page(pfn);
                continue;
            }
            mm.folio_add_file_rmap_pte(pfn, vma);
            mm.set_pte(slot, Pte::page(pfn, vma.page_prot));
            mapped += 1;
            if addr == vmf.address {
                ret = VmFault::NOPAGE;
            }
        }
    }
    drop(ptl);
    // add_mm_counter, once for the window.
    mm.counters.file_rss.add(i64::from(mapped));
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
        m.lru_ctx().folio_mark_accessed(pfn);
        m.put_page(pfn);
        pos += n as u64;
    }
    Ok(())
}

/// The page cache's page, read if missing, for `read`/`write`.
fn cached_page(m: &Machine, inode: &Inode, index: u64) -> SysResult<Pfn> {
    read_cache_folio(m, inode, index).map_err(|_| Errno::EIO)
}

/// `PAGEVEC_SIZE`: the most folios one `filemap_get_read_batch` takes.
const PAGEVEC_SIZE: usize = 31;

/// `filemap_get_read_batch`: the cached folios from page `index` on, up to
/// page `max`, contiguous, stopping after a readahead marker: the last
/// one and the page after the batch.
fn filemap_get_read_batch(inode: &Inode, index: u64, max: u64) -> Option<(CachedFolio, u64)> {
    let m = inode.mapping.machine();
    let mut last = None;
    let mut i = index;
    for _ in 0..PAGEVEC_SIZE {
        if i > max {
            break;
        }
        let Some(f) = inode.mapping.folio(i) else { break };
        last = Some(f);
        i = f.next_index();
        if m.phys.page(f.pfn).test(PageFlags::READAHEAD) {
            break;
        }
    }
    last.map(|f| (f, i))
}

/// `filemap_get_pages`: makes page `index` cached for a read that ends
/// before page `last_index`: on a miss, synchronous readahead
/// (`page_cache_sync_ra` for the pages asked, one page if readahead is
/// off) or the page alone; a batch ending on a readahead marker starts
/// the next window (`filemap_readahead`).  Returns the page after the
/// batch of cached folios from `index`.
fn filemap_get_pages(file: &File, index: u64, last_index: u64) -> SysResult<u64> {
    let inode = &*file.inode;
    let m = inode.mapping.machine();
    let max = last_index.max(index + 1) - 1;
    let mut batch = filemap_get_read_batch(inode, index, max);
    if batch.is_none() {
        let mut ra = file.f_ra.lock();
        if ra.ra_pages == 0 {
            // force_page_cache_ra of the one page.
            do_page_cache_ra(&mut Ractl::new(m, inode), index, 1, 0);
        } else {
            page_cache_sync_ra(m, inode, &mut ra, index, last_index.saturating_sub(index).max(1));
        }
        drop(ra);
        batch = filemap_get_read_batch(inode, index, max);
    }
    let (folio, next) = match batch {
        Some(b) => b,
        None => {
            // filemap_create_folio: the page alone.
            let pfn = read_cache_folio(m, inode, index).map_err(|_| Errno::EIO)?;
            m.put_page(pfn);
            return Ok(index + 1);
        }
    };
    if m.phys.page(folio.pfn).test(PageFlags::READAHEAD) {
        let mut ra = file.f_ra.lock();
        page_cache_async_ra(m, inode, &mut ra, folio.index, folio, last_index.saturating_sub(folio.index).max(1));
    }
    Ok(next)
}

/// `filemap_read` for `read(2)` (and the kernel's reads of a file):
/// copies the file's bytes from the page cache, batch by batch, with the
/// readahead Linux does for reads (`filemap_get_pages`), then notes where
/// the read ended (`prev_pos`).
pub fn generic_file_read(file: &File, off: u64, buf: &mut [u8]) -> SysResult<usize> {
    generic_file_read_req(file, off, buf, off.saturating_add(buf.len() as u64))
}

/// [`generic_file_read`] of part of a `read` whose whole request ends at
/// byte `req_end`: readahead sizes its windows by the whole request, as
/// `filemap_read` does with the iterator's count.
pub fn generic_file_read_req(file: &File, off: u64, buf: &mut [u8], req_end: u64) -> SysResult<usize> {
    let inode = &*file.inode;
    let size = inode.size();
    if off >= size {
        return Ok(0);
    }
    let end = size.min(off.saturating_add(buf.len() as u64));
    // The pages the caller asked for, past the end of the file too.
    let last_index = req_end.max(off.saturating_add(buf.len() as u64)).div_ceil(PAGE_SIZE);
    let phys = &inode.mapping.machine().phys;
    let mut pos = off;
    while pos < end {
        let next = filemap_get_pages(file, pos >> PAGE_SHIFT, last_index)?;
        let chunk_end = end.min(next << PAGE_SHIFT);
        for_each_cached_chunk(inode, pos, chunk_end, cached_page, |_, pfn, in_page, at, n| {
            let at = at + (pos - off) as usize;
            phys.read_bytes(pfn, in_page, &mut buf[at..at + n]);
        })?;
        pos = chunk_end;
    }
    file.f_ra.lock().prev_pos = pos as i64;
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
