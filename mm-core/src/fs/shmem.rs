//! tmpfs and shared anonymous memory (mm/shmem.c): files whose pages live
//! only in the page cache.
//!
//! `shmem_fault` finds the page in the cache or allocates a zeroed one (a
//! hole); nothing is ever read or written back, so there are no major
//! faults and no `page_mkwrite`: a writable shared mapping is mapped
//! writable at once, also by fault-around.  `MAP_SHARED|MAP_ANONYMOUS` is
//! an unlinked shmem file of the mapping's size (`shmem_zero_setup`),
//! shown as `/dev/zero (deleted)`.
//!
//! Huge pages ("huge tmpfs"): a mount's `huge=` option (the machine's
//! `tmpfs_huge` for the tmpfs of scenario files; `shmem_enabled` for the
//! internal mount behind shared anonymous memory and memfd, which also
//! says `deny` or `force` for every mount) lets a hole take a large folio
//! (`shmem_allowable_huge_orders`): a fault a PMD-sized one where the VMA
//! can map it with one leaf, a write the largest that fits (`within_size`:
//! inside the file), each falling back to smaller orders and to a single
//! page (`shmem_alloc_and_add_folio`).  The fault path
//! maps a PMD-sized folio with one PMD leaf (`do_set_pmd`).

use super::{
    AddressSpaceOperations, Dentry, FMode, FaultPage, File, FileOperations, FileSystemType, Filesystem, Inode,
    LookupFlags, SuperBlock, VmOperations,
};
use crate::alloc::Gfp;
use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::VmFaultCtx;
use crate::flags::{PageFlags, VmFlags};
use crate::fs::pagecache::CacheEntry;
use crate::machine::{Machine, ShmemHuge};
use crate::mm::Vma;
use crate::swap::SwpEntry;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The device tmpfs files show in `/proc/PID/maps`.
pub const TMPFS_DEV: (u32, u32) = (0, 0x1a);

/// A shmem file's huge page policy (`SHMEM_SB(sb)->huge` and
/// `vma_is_anon_shmem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmemSbHuge {
    /// The mount's `huge=` (never `deny` or `force`).
    pub huge: ShmemHuge,
    /// The file backs a `MAP_SHARED|MAP_ANONYMOUS` mapping
    /// (`shmem_zero_setup`), whose sizes `shmem_enabled` and the per-size
    /// settings choose.
    pub anon: bool,
}

impl ShmemSbHuge {
    /// The internal mount (`shm_mnt`) of shared anonymous memory and
    /// memfd: its `huge=` is what `shmem_enabled` last set other than
    /// `deny` and `force`.
    fn shm_mnt(m: &Machine, anon: bool) -> ShmemSbHuge {
        let huge = match m.tunables.thp_shmem_enabled {
            ShmemHuge::Deny | ShmemHuge::Force => ShmemHuge::Never,
            h => h,
        };
        ShmemSbHuge { huge, anon }
    }
}

/// `shmem_aops`: pages are never read from or written to anything.
#[derive(Debug)]
struct ShmemAops {
    sb: ShmemSbHuge,
}

impl AddressSpaceOperations for ShmemAops {
    fn is_shmem(&self) -> bool {
        true
    }
    fn shmem_huge(&self) -> Option<ShmemSbHuge> {
        Some(self.sb)
    }
    fn read_folio(&self, _inode: &Inode, _index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        buf.fill(0);
        Ok(())
    }
    fn writepage(&self, _inode: &Inode, _index: u64, _data: &[u8]) -> Result<(), Errno> {
        Ok(())
    }
    fn can_writeback(&self) -> bool {
        false
    }
}

/// `shmem_file_operations`.
#[derive(Debug)]
struct ShmemFops;

impl FileOperations for ShmemFops {
    fn mmap(&self, _file: &File) -> SysResult<Arc<dyn VmOperations>> {
        Ok(Arc::new(ShmemVmOps))
    }
    /// `shmem_file_read_iter`: up to the end of the file; a hole (and a
    /// page `fallocate` made that nothing wrote yet) reads as zeros and
    /// stays a hole (`SGP_READ`); a page out on swap is read back.
    fn read(&self, file: &File, off: u64, buf: &mut [u8]) -> SysResult<usize> {
        let inode = &*file.inode;
        let m = inode.mapping.machine();
        let size = inode.size();
        if off >= size {
            return Ok(0);
        }
        let end = size.min(off.saturating_add(buf.len() as u64));
        let mut pos = off;
        while pos < end {
            let index = pos >> PAGE_SHIFT;
            let in_page = pos & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - in_page).min(end - pos) as usize;
            let at = (pos - off) as usize;
            let out = &mut buf[at..at + n];
            let cached = match inode.mapping.get_entry(index) {
                Some(CacheEntry::Page(pfn)) => m.phys.page(pfn).test(PageFlags::UPTODATE),
                Some(CacheEntry::Swap(_)) => true,
                None | Some(CacheEntry::Shadow(_)) => false,
            };
            if cached {
                let (pfn, _) = shmem_get_folio(m, inode, index).map_err(|_| Errno::ENOMEM)?;
                m.phys.read_bytes(pfn, in_page, out);
                m.lru_ctx().folio_mark_accessed(pfn);
                m.put_page(pfn);
            } else {
                out.fill(0);
            }
            pos += n as u64;
        }
        Ok((end - off) as usize)
    }
    /// `shmem_file_write_iter` -> `generic_perform_write`: each page from
    /// `shmem_write_begin` (a hole gets a new page, past the end of the
    /// file too), then `shmem_write_end` moves the size past the bytes
    /// written.  `EFBIG` at `MAX_LFS_FILESIZE`.
    fn write(&self, file: &File, off: u64, data: &[u8]) -> SysResult<usize> {
        let inode = &*file.inode;
        let m = inode.mapping.machine();
        if data.is_empty() {
            return Ok(0);
        }
        let max = super::truncate::MAX_LFS_FILESIZE;
        if off >= max {
            return Err(Errno::EFBIG);
        }
        let end = max.min(off.saturating_add(data.len() as u64));
        let mut pos = off;
        while pos < end {
            let index = pos >> PAGE_SHIFT;
            let in_page = pos & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - in_page).min(end - pos) as usize;
            let at = (pos - off) as usize;
            let pfn = match shmem_get_folio_gfp(m, inode, index, generic_write_end(inode, pos, end), None) {
                Ok((pfn, _)) => pfn,
                Err(_) if pos > off => break,
                Err(_) => return Err(Errno::ENOSPC),
            };
            m.phys.write_bytes(pfn, in_page, &data[at..at + n]);
            inode.mapping.folio_mark_dirty(inode, index, pfn);
            m.lru_ctx().folio_mark_accessed(pfn);
            m.put_page(pfn);
            pos += n as u64;
            if pos > inode.size() {
                inode.set_size(pos);
            }
        }
        Ok((pos - off) as usize)
    }
    /// `shmem_write_begin` got the page at `pos` (a hole gets a new one,
    /// which `shmem_write_end` zeroes and keeps), and `shmem_write_end`
    /// with nothing copied still moves the size up to `pos`.
    fn write_failed(&self, file: &File, pos: u64) {
        let inode = &*file.inode;
        let m = inode.mapping.machine();
        if pos >= super::truncate::MAX_LFS_FILESIZE {
            return;
        }
        if let Ok((pfn, _)) = shmem_get_folio(m, inode, pos >> PAGE_SHIFT) {
            inode.mapping.folio_mark_dirty(inode, pos >> PAGE_SHIFT, pfn);
            m.put_page(pfn);
        }
        if pos > inode.size() {
            inode.set_size(pos);
        }
        trace_note!(m.trace, "shmem_write_end", "inode {}: nothing copied at {:#x}", inode.ino, pos);
    }
}

/// `shmem_vm_ops`: `shmem_fault` and `filemap_map_pages`.
#[derive(Debug)]
pub struct ShmemVmOps;

impl VmOperations for ShmemVmOps {
    fn name(&self) -> &'static str {
        "shmem_vm_ops"
    }

    /// `shmem_fault` -> `shmem_get_folio_gfp`: the cached page, the page
    /// read back from swap (a major fault), or a new zeroed one; past the
    /// end of the file, `SIGBUS`.
    fn fault(&self, vmf: &VmFaultCtx<'_>) -> Result<FaultPage, VmFault> {
        let m = &*vmf.mm.machine;
        let file = vmf.vma.file().expect("shmem_fault on a file VMA");
        let inode = &*file.inode;
        let index = vmf.pgoff;
        let _t = trace_enter!(m.trace, "shmem_fault", "inode {} page {}", inode.ino, index);
        if index >= inode.size_pages() {
            trace_note!(m.trace, "shmem_get_folio_gfp", "page {} is past the end of the file: SIGBUS", index);
            return Err(VmFault::SIGBUS);
        }
        let (pfn, ret) = shmem_get_folio_gfp(m, inode, index, 0, Some((vmf.vma, vmf.address)))?;
        Ok(FaultPage { pfn, ret })
    }
}

/// The end of the step of `generic_perform_write` that writes byte `pos`
/// of a write ending at `end`: a step stays inside one block of
/// `mapping_max_folio_size` (2 MiB for a file that takes large folios, a
/// page otherwise); `shmem_write_begin` gets it as `write_end`.
fn generic_write_end(inode: &Inode, pos: u64, end: u64) -> u64 {
    let chunk = PAGE_SIZE << inode.mapping.max_folio_order();
    end.min((pos & !(chunk - 1)).saturating_add(chunk))
}

/// `THP_ORDERS_ALL_FILE_DEFAULT`: every large folio order the page cache
/// takes (1 to `MAX_PAGECACHE_ORDER`), as a mask.
const THP_ORDERS_ALL_FILE_DEFAULT: u32 = ((1 << (super::pagecache::MAX_PAGECACHE_ORDER + 1)) - 1) & !1;

/// `shmem_get_orders_within_size`: of `orders`, from the highest down,
/// those whose folio around `index` would end inside the file (its size,
/// or the end of the write that needs the folio if further).
fn shmem_get_orders_within_size(inode: &Inode, mut orders: u32, index: u64, write_end: u64) -> u32 {
    let i_size = write_end.max(inode.size()).next_multiple_of(PAGE_SIZE);
    while orders != 0 {
        let order = highest_order(orders);
        let aligned_index = (index + 1).next_multiple_of(1 << order);
        if i_size >> PAGE_SHIFT >= aligned_index {
            return orders;
        }
        orders &= !(1 << order);
    }
    0
}

/// The highest order in a mask of orders.
fn highest_order(orders: u32) -> u32 {
    31 - orders.leading_zeros()
}

/// `shmem_huge_global_enabled`: the orders the mount's `huge=` (and
/// `shmem_enabled`'s `deny` or `force`) allow at `index`: `always` the
/// PMD size for a fault (`vm_flags` given: the flags of the VMA), every
/// size for a write or fallocate (the largest that fits first);
/// `within_size` those of them whose folio ends inside the file (or the
/// write, `write_end`); `advise` (and `within_size` past the end) the PMD
/// size in a `MADV_HUGEPAGE` VMA.
fn shmem_huge_global_enabled(
    m: &Machine,
    sb: ShmemSbHuge,
    inode: &Inode,
    index: u64,
    write_end: u64,
    vm_flags: Option<VmFlags>,
) -> u32 {
    let Some(pmd_order) = m.hpage_pmd_order().filter(|&o| o <= super::pagecache::MAX_PAGECACHE_ORDER) else {
        return 0;
    };
    let maybe_pmd_order = 1 << pmd_order;
    match m.tunables.thp_shmem_enabled {
        ShmemHuge::Deny => return 0,
        ShmemHuge::Force => return maybe_pmd_order,
        _ => {}
    }
    let advise = |vm_flags: Option<VmFlags>| {
        if vm_flags.is_some_and(|f| f.contains(VmFlags::HUGEPAGE)) { maybe_pmd_order } else { 0 }
    };
    match sb.huge {
        ShmemHuge::Always if vm_flags.is_some() => maybe_pmd_order,
        ShmemHuge::Always => THP_ORDERS_ALL_FILE_DEFAULT,
        ShmemHuge::WithinSize => {
            let orders = if vm_flags.is_some() { maybe_pmd_order } else { THP_ORDERS_ALL_FILE_DEFAULT };
            match shmem_get_orders_within_size(inode, orders, index, write_end) {
                0 => advise(vm_flags),
                within => within,
            }
        }
        ShmemHuge::Advise => advise(vm_flags),
        _ => 0,
    }
}

/// `shmem_allowable_huge_orders`: the orders a new folio at `index` may
/// have (a mask; 0 for a single page), for a VMA of flags `vm_flags` (a
/// fault, or khugepaged's check of a VMA) or none (a write).  None in a
/// `VM_NOHUGEPAGE` VMA; tmpfs and memfd go by the mount
/// (`shmem_huge_global_enabled`); shared anonymous memory by
/// `shmem_enabled` through the PMD size's own setting, which inherits it
/// (the smaller sizes, `never`, are not modelled).
pub(crate) fn shmem_allowable_huge_orders(
    m: &Machine,
    sb: ShmemSbHuge,
    inode: &Inode,
    index: u64,
    write_end: u64,
    vm_flags: Option<VmFlags>,
) -> u32 {
    if m.hpage_pmd_order().is_none() || vm_flags.is_some_and(|f| f.contains(VmFlags::NOHUGEPAGE)) {
        return 0;
    }
    let global_orders = shmem_huge_global_enabled(m, sb, inode, index, write_end, vm_flags);
    if vm_flags.is_none() || !sb.anon {
        return global_orders;
    }
    let inherit = 1 << m.hpage_pmd_order().unwrap_or(0);
    match m.tunables.thp_shmem_enabled {
        ShmemHuge::Deny => 0,
        ShmemHuge::Force => inherit,
        // THP_ORDERS_ALL_FILE_DEFAULT & mask
        _ if global_orders > 0 => inherit & !1,
        _ => 0,
    }
}

/// `shmem_suitable_orders`: of `orders`, those a fault's VMA can map at
/// the address (`thp_vma_suitable_orders`), from the highest whose
/// aligned range of the file holds no entry yet down.
fn shmem_suitable_orders(inode: &Inode, vmf: Option<(&Vma, u64)>, index: u64, mut orders: u32) -> u32 {
    if let Some((vma, address)) = vmf {
        for order in 0..32 {
            if orders & (1 << order) != 0 && !crate::mm::MmStruct::thp_vma_suitable_order(vma, address, order) {
                orders &= !(1 << order);
            }
        }
    }
    while orders != 0 {
        let order = highest_order(orders);
        let aligned_index = index & !((1u64 << order) - 1);
        if !inode.mapping.any_entry_in(aligned_index, aligned_index + (1 << order) - 1) {
            break;
        }
        orders &= !(1 << order);
    }
    orders
}

/// `shmem_alloc_and_add_folio` of a large folio: tries each suitable
/// order of `orders` from the highest down (a PMD-sized one that cannot
/// be had counts `thp_file_fallback`) and puts the folio in the cache;
/// returns the frame of page `index` with a reference, `None` if no
/// large folio was made (the caller takes a single page), `Err` if a
/// page appeared in the range meanwhile (the caller looks again).
fn shmem_alloc_and_add_large_folio(
    m: &Machine,
    inode: &Inode,
    index: u64,
    orders: u32,
    vmf: Option<(&Vma, u64)>,
) -> Result<Option<Pfn>, ()> {
    let mut suitable = shmem_suitable_orders(inode, vmf, index, orders);
    let pmd_order = m.hpage_pmd_order();
    let madvised = vmf.is_some_and(|(v, _)| v.flags.contains(crate::flags::VmFlags::HUGEPAGE));
    let (direct, kswapd, noretry) = m.vma_thp_gfp_mask(madvised);
    while suitable != 0 {
        let order = highest_order(suitable);
        if order == 0 {
            break;
        }
        let aligned = index & !((1u64 << order) - 1);
        let pfn = m.alloc_pages_thp(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order, direct, kswapd, noretry);
        let pfn = match pfn {
            // The pages keep their own counts, as a large anonymous
            // folio's do.
            Some(p) if m.split_page(p, order) => Some(p),
            Some(p) => {
                m.free_pages(p, order);
                None
            }
            None => None,
        };
        let Some(pfn) = pfn else {
            if Some(order) == pmd_order {
                m.vmstat.count(VmEvent::ThpFileFallback, 1);
            }
            suitable &= !(1 << order);
            continue;
        };
        if inode
            .mapping
            .filemap_add_large_folio(aligned, pfn, order, PageFlags::UPTODATE | PageFlags::SWAPBACKED)
            .is_err()
        {
            return Err(());
        }
        if Some(order) == pmd_order {
            m.vmstat.count(VmEvent::ThpFileAlloc, 1);
        }
        trace_note!(
            m.trace,
            "shmem_alloc_and_add_folio",
            "hole: new zeroed folio of order {order} at pfn {:#x} for pages {}..{}",
            pfn.0,
            aligned,
            aligned + (1 << order)
        );
        let page = Pfn(pfn.0 + (index - aligned));
        m.get_page(page);
        return Ok(Some(page));
    }
    Ok(None)
}

/// `shmem_get_folio`: [`shmem_get_folio_gfp`] outside a fault, for an
/// access that writes nothing new (a hole gets a single page).
pub(crate) fn shmem_get_folio(m: &Machine, inode: &Inode, index: u64) -> Result<(Pfn, VmFault), VmFault> {
    shmem_get_folio_gfp(m, inode, index, 0, None)
}

/// `shmem_get_folio_gfp`: page `index` of a shmem file with a reference:
/// from the cache, from swap (`VM_FAULT_MAJOR` if it had to be read), or
/// a new zeroed page for a hole, in a large folio where the mount allows
/// one (`shmem_allowable_huge_orders`: `write_end` is where the write
/// that needs the page ends, 0 for none; `vmf` the faulting VMA and
/// address).
pub(crate) fn shmem_get_folio_gfp(
    m: &Machine,
    inode: &Inode,
    index: u64,
    write_end: u64,
    vmf: Option<(&Vma, u64)>,
) -> Result<(Pfn, VmFault), VmFault> {
    loop {
        match inode.mapping.filemap_get_entry(index) {
            Some(CacheEntry::Page(pfn)) => {
                trace_note!(m.trace, "filemap_get_folio", "cache hit: pfn {:#x}", pfn.0);
                // A page fallocate made is zeroed already; it is up to
                // date once used.  (A plain load on the fault path; the
                // flag is written only that once.)
                let page = m.phys.page(pfn);
                if !page.test(PageFlags::UPTODATE) {
                    page.set_flags(PageFlags::UPTODATE);
                }
                return Ok((pfn, VmFault::empty()));
            }
            Some(CacheEntry::Swap(entry)) => {
                if let Some(r) = shmem_swapin_folio(m, inode, index, entry)? {
                    return Ok(r);
                }
            }
            None | Some(CacheEntry::Shadow(_)) => {
                let orders = match inode.mapping.a_ops.shmem_huge() {
                    Some(sb) => shmem_allowable_huge_orders(m, sb, inode, index, write_end, vmf.map(|v| v.0.flags)),
                    None => 0,
                };
                if orders > 0 {
                    match shmem_alloc_and_add_large_folio(m, inode, index, orders, vmf) {
                        Ok(Some(pfn)) => return Ok((pfn, VmFault::empty())),
                        Ok(None) => {}
                        Err(()) => continue,
                    }
                }
                let pfn = m.alloc_pages(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, 0).ok_or(VmFault::OOM)?;
                match inode.mapping.filemap_add_folio(index, pfn, PageFlags::UPTODATE | PageFlags::SWAPBACKED) {
                    Ok(()) => {
                        trace_note!(m.trace, "shmem_alloc_and_add_folio", "hole: new zeroed pfn {:#x}", pfn.0);
                        m.get_page(pfn);
                        return Ok((pfn, VmFault::empty()));
                    }
                    Err(_) => continue,
                }
            }
        }
    }
}

/// `shmem_swapin_folio`: reads a shmem page back from its swap slot and
/// puts it in the page cache in place of the swap entry, freeing the slot.
/// `None` if the slot changed meanwhile (the caller looks again).
fn shmem_swapin_folio(
    m: &Machine,
    inode: &Inode,
    index: u64,
    entry: SwpEntry,
) -> Result<Option<(Pfn, VmFault)>, VmFault> {
    let _t = trace_enter!(m.trace, "shmem_swapin_folio", "page {} from swap offset {:#x}", index, entry.offset);
    let (pfn, ret) = match m.swap_cache_get_folio(entry) {
        Some(p) => (p, VmFault::empty()),
        None => match m.swapin_readahead(entry) {
            Some(p) => (p, VmFault::MAJOR),
            None if inode.mapping.get_entry(index) != Some(CacheEntry::Swap(entry)) => return Ok(None),
            None => return Err(VmFault::OOM),
        },
    };
    let page = m.phys.page(pfn);
    page.lock();
    if m.page_swap_entry(pfn) != Some(entry) || !inode.mapping.shmem_swapin_replace(index, entry, pfn) {
        page.unlock();
        m.put_page(pfn);
        return Ok(None);
    }
    // The page is the file's now: out of the swap cache, and the slot the
    // page-cache entry held goes.
    m.delete_from_swap_cache(pfn, 0);
    m.swap.swap_free(entry);
    page.set_flags(PageFlags::DIRTY | PageFlags::UPTODATE);
    page.unlock();
    Ok(Some((pfn, ret)))
}

/// A new shmem inode of `size` bytes on a mount of policy `huge`: one
/// that may take huge pages caches the file in large folios
/// (`mapping_set_large_folios`).
fn shmem_inode(sb: &SuperBlock, size: u64, huge: ShmemSbHuge) -> Arc<Inode> {
    let inode = Inode::new(sb, TMPFS_DEV, size, Arc::new(ShmemAops { sb: huge }), Arc::new(ShmemFops));
    if huge.huge != ShmemHuge::Never {
        inode.mapping.mapping_set_large_folios();
    }
    inode
}

/// `shmem_zero_setup`: the unlinked shmem file behind a shared anonymous
/// mapping of `size` bytes.
pub fn shmem_zero_setup(machine: &Arc<Machine>, size: u64) -> Arc<File> {
    let sb = ShmemSbHuge::shm_mnt(machine, true);
    File::open(shmem_inode(&SuperBlock::new(machine), size, sb), FMode::READ | FMode::WRITE, "/dev/zero (deleted)")
}

/// `shmem_file_setup`: an unlinked shmem file of `size` bytes, shown as
/// `name` (`memfd_create`).
pub fn shmem_file_setup(machine: &Arc<Machine>, name: &str, size: u64) -> Arc<File> {
    let sb = ShmemSbHuge::shm_mnt(machine, false);
    File::open(shmem_inode(&SuperBlock::new(machine), size, sb), FMode::READ | FMode::WRITE, name)
}

/// The size of each `write` that makes a `file` line's file (the real
/// runner's buffer): where its steps end decides the folio sizes of a
/// mount with huge pages.
pub const FILE_WRITE_CHUNK: u64 = 2 << 20;

/// A tmpfs instance: a flat directory of files held in memory.
pub struct Tmpfs {
    sb: SuperBlock,
    /// `huge=`.
    huge: ShmemHuge,
    files: Mutex<BTreeMap<String, Arc<Inode>>>,
}

impl std::fmt::Debug for Tmpfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tmpfs").field("files", &self.files.lock().len()).finish()
    }
}

impl Tmpfs {
    /// An empty tmpfs on the machine of `sb`, mounted with the machine's
    /// `tmpfs_huge` as its `huge=`.
    pub fn new(sb: &SuperBlock) -> Arc<Tmpfs> {
        let huge = sb.machine().tunables.tmpfs_huge;
        Arc::new(Tmpfs { sb: sb.clone(), huge, files: Mutex::new(BTreeMap::new()) })
    }

    fn sb_huge(&self) -> ShmemSbHuge {
        ShmemSbHuge { huge: self.huge, anon: false }
    }

    /// Creates file `name` of `size` bytes and writes it completely:
    /// `fill(index, page)` gives the bytes of each page (the part past the
    /// end of the file is zeroed afterwards).  Every page is then in the
    /// page cache, as after a write and fsync; on a mount with huge pages,
    /// in the folios that `write`s of [`FILE_WRITE_CHUNK`] bytes make.
    /// `EEXIST` if the name is taken, `ENOMEM` if memory runs out (nothing
    /// is created then).
    pub fn create(&self, name: &str, size: u64, fill: &mut dyn FnMut(u64, &mut [u8])) -> SysResult<Arc<Inode>> {
        let mut files = self.files.lock();
        if files.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let m = self.sb.machine();
        let inode = shmem_inode(&self.sb, size, self.sb_huge());
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        for index in 0..inode.size_pages() {
            let write_end = size.min(((index << PAGE_SHIFT) & !(FILE_WRITE_CHUNK - 1)) + FILE_WRITE_CHUNK);
            let orders = match inode.mapping.get_entry(index) {
                None => shmem_allowable_huge_orders(m, self.sb_huge(), &inode, index, write_end, None),
                Some(_) => 0,
            };
            let large = match orders {
                0 => None,
                _ => shmem_alloc_and_add_large_folio(m, &inode, index, orders, None).map_err(|_| Errno::ENOMEM)?,
            };
            if let Some(pfn) = large {
                buf.fill(0);
                fill(index, &mut buf);
                let tail = size - (index << PAGE_SHIFT);
                if tail < PAGE_SIZE {
                    buf[tail as usize..].fill(0);
                }
                m.phys.write_bytes(pfn, 0, &buf);
                inode.mapping.folio_mark_dirty(&inode, index, pfn);
                m.put_page(pfn);
                continue;
            }
            if let Some(pfn) = inode.mapping.peek(index) {
                // A page of a large folio made for an earlier page.
                buf.fill(0);
                fill(index, &mut buf);
                let tail = size - (index << PAGE_SHIFT);
                if tail < PAGE_SIZE {
                    buf[tail as usize..].fill(0);
                }
                m.phys.write_bytes(pfn, 0, &buf);
                m.phys.page(pfn).set_flags(PageFlags::DIRTY);
                continue;
            }
            let pfn = m.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0).ok_or(Errno::ENOMEM)?;
            buf.fill(0);
            fill(index, &mut buf);
            let tail = size - (index << PAGE_SHIFT);
            if tail < PAGE_SIZE {
                buf[tail as usize..].fill(0);
            }
            m.phys.write_bytes(pfn, 0, &buf);
            let flags = PageFlags::UPTODATE | PageFlags::DIRTY | PageFlags::SWAPBACKED;
            // A new inode has no cached page yet.
            let _ = inode.mapping.filemap_add_folio(index, pfn, flags);
        }
        trace_note!(m.trace, "shmem_create", "{name}: {size} bytes, {} pages cached", inode.size_pages());
        files.insert(name.to_string(), inode.clone());
        Ok(inode)
    }

    /// (v1.8) Creates file `name` of `size` bytes on the disk filesystem
    /// of `files_on=ext4` ([`super::diskfile`]), in this directory of
    /// names: written, synced and dropped from the cache, its page `p`
    /// is `fill(p)`.  `EEXIST` if the name is taken.
    pub fn create_on_disk(&self, name: &str, size: u64, fill: super::diskfile::FillFn) -> SysResult<Arc<Inode>> {
        let mut files = self.files.lock();
        if files.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let inode = super::diskfile::DiskFile::new_inode(&self.sb, size, fill);
        trace_note!(self.sb.machine().trace, "ext4_create", "{name}: {size} bytes, nothing cached");
        files.insert(name.to_string(), inode.clone());
        Ok(inode)
    }

    /// Removes file `name` (`unlink`): its pages go when the last mapping
    /// and descriptor do.
    pub fn unlink(&self, name: &str) -> SysResult<()> {
        self.files.lock().remove(name).map(|_| ()).ok_or(Errno::ENOENT)
    }

    /// File names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.files.lock().keys().cloned().collect()
    }
}

impl Filesystem for Tmpfs {
    fn type_name(&self) -> &'static str {
        "tmpfs"
    }
    /// A flat directory: `path` names a file by itself (leading `/`s
    /// aside); the file shows as its name.
    fn path_lookupat(&self, path: &str, _flags: LookupFlags) -> SysResult<Dentry> {
        let name = path.trim_start_matches('/');
        let inode = self.files.lock().get(name).cloned().ok_or(Errno::ENOENT)?;
        Ok(Dentry { inode, path: name.to_string() })
    }
    /// A new empty file named `path` (leading `/`s aside).
    fn create(&self, path: &str) -> SysResult<Dentry> {
        let name = path.trim_start_matches('/');
        if name.is_empty() || name.contains('/') {
            return Err(Errno::ENOENT);
        }
        let inode = self.create(name, 0, &mut |_, _| {})?;
        Ok(Dentry { inode, path: name.to_string() })
    }
    /// `shmem_tmpfile`: an unnamed empty file, shown as
    /// `/dev/shm/#INO (deleted)` would be on Linux: `#INO (deleted)`.
    fn tmpfile(&self, _dir: &Dentry) -> SysResult<Dentry> {
        let inode = shmem_inode(&self.sb, 0, self.sb_huge());
        let path = format!("#{} (deleted)", inode.i_ino);
        Ok(Dentry { inode, path })
    }
    fn truncate(&self, inode: &Arc<Inode>) -> SysResult<()> {
        super::truncate_unmapped(&self.sb, inode)
    }
    /// Removes the file named `path` (leading `/`s aside).
    fn unlink(&self, path: &str) -> SysResult<()> {
        Tmpfs::unlink(self, path.trim_start_matches('/'))
    }
}

fn mount_tmpfs(
    sb: &SuperBlock,
    _source: &str,
    _options: super::MountOptions,
) -> Result<Arc<dyn Filesystem>, super::MountError> {
    Ok(Tmpfs::new(sb))
}

#[linkme::distributed_slice(super::MM_FILESYSTEMS)]
static TMPFS: FileSystemType =
    FileSystemType { name: "tmpfs", description: "files in memory, as /dev/shm (mm/shmem.c)", mount: mount_tmpfs };
