//! tmpfs and shared anonymous memory (mm/shmem.c): files whose pages live
//! only in the page cache.
//!
//! `shmem_fault` finds the page in the cache or allocates a zeroed one (a
//! hole); nothing is ever read or written back, so there are no major
//! faults and no `page_mkwrite`: a writable shared mapping is mapped
//! writable at once, also by fault-around.  `MAP_SHARED|MAP_ANONYMOUS` is
//! an unlinked shmem file of the mapping's size (`shmem_zero_setup`),
//! shown as `/dev/zero (deleted)`.

use super::{
    AddressSpaceOperations, Dentry, FMode, FaultPage, File, FileOperations, FileSystemType, Filesystem, Inode,
    LookupFlags, SuperBlock, VmOperations,
};
use crate::alloc::Gfp;
use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::VmFaultCtx;
use crate::flags::PageFlags;
use crate::fs::pagecache::CacheEntry;
use crate::machine::Machine;
use crate::swap::SwpEntry;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The device tmpfs files show in `/proc/PID/maps`.
pub const TMPFS_DEV: (u32, u32) = (0, 0x1a);

/// `shmem_aops`: pages are never read from or written to anything.
#[derive(Debug)]
struct ShmemAops;

impl AddressSpaceOperations for ShmemAops {
    fn is_shmem(&self) -> bool {
        true
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
            let pfn = match shmem_get_folio(m, inode, index) {
                Ok((pfn, _)) => pfn,
                Err(_) if pos > off => break,
                Err(_) => return Err(Errno::ENOSPC),
            };
            m.phys.write_bytes(pfn, in_page, &data[at..at + n]);
            m.phys.page(pfn).set_flags(PageFlags::DIRTY);
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
            m.phys.page(pfn).set_flags(PageFlags::DIRTY);
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
        let (pfn, ret) = shmem_get_folio(m, inode, index)?;
        Ok(FaultPage { pfn, ret })
    }
}

/// `shmem_get_folio_gfp`: page `index` of a shmem file with a reference:
/// from the cache, from swap (`VM_FAULT_MAJOR` if it had to be read), or
/// a new zeroed page for a hole.
pub(crate) fn shmem_get_folio(m: &Machine, inode: &Inode, index: u64) -> Result<(Pfn, VmFault), VmFault> {
    loop {
        match inode.mapping.get_entry(index) {
            Some(CacheEntry::Page(_)) => {
                if let Some(pfn) = inode.mapping.filemap_get_folio(index) {
                    trace_note!(m.trace, "filemap_get_folio", "cache hit: pfn {:#x}", pfn.0);
                    // A page fallocate made is zeroed already; it is up
                    // to date once used.  (A plain load on the fault
                    // path; the flag is written only that once.)
                    let page = m.phys.page(pfn);
                    if !page.test(PageFlags::UPTODATE) {
                        page.set_flags(PageFlags::UPTODATE);
                    }
                    return Ok((pfn, VmFault::empty()));
                }
            }
            Some(CacheEntry::Swap(entry)) => {
                if let Some(r) = shmem_swapin_folio(m, inode, index, entry)? {
                    return Ok(r);
                }
            }
            None | Some(CacheEntry::Shadow(_)) => {
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

/// A new shmem inode of `size` bytes.
fn shmem_inode(sb: &SuperBlock, size: u64) -> Arc<Inode> {
    Inode::new(sb, TMPFS_DEV, size, Arc::new(ShmemAops), Arc::new(ShmemFops))
}

/// `shmem_zero_setup`: the unlinked shmem file behind a shared anonymous
/// mapping of `size` bytes.
pub fn shmem_zero_setup(machine: &Arc<Machine>, size: u64) -> Arc<File> {
    File::open(shmem_inode(&SuperBlock::new(machine), size), FMode::READ | FMode::WRITE, "/dev/zero (deleted)")
}

/// `shmem_file_setup`: an unlinked shmem file of `size` bytes, shown as
/// `name` (`memfd_create`).
pub fn shmem_file_setup(machine: &Arc<Machine>, name: &str, size: u64) -> Arc<File> {
    File::open(shmem_inode(&SuperBlock::new(machine), size), FMode::READ | FMode::WRITE, name)
}

/// A tmpfs instance: a flat directory of files held in memory.
pub struct Tmpfs {
    sb: SuperBlock,
    files: Mutex<BTreeMap<String, Arc<Inode>>>,
}

impl std::fmt::Debug for Tmpfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tmpfs").field("files", &self.files.lock().len()).finish()
    }
}

impl Tmpfs {
    /// An empty tmpfs on the machine of `sb`.
    pub fn new(sb: &SuperBlock) -> Arc<Tmpfs> {
        Arc::new(Tmpfs { sb: sb.clone(), files: Mutex::new(BTreeMap::new()) })
    }

    /// Creates file `name` of `size` bytes and writes it completely:
    /// `fill(index, page)` gives the bytes of each page (the part past the
    /// end of the file is zeroed afterwards).  Every page is then in the
    /// page cache, as after a write and fsync.  `EEXIST` if the name is
    /// taken, `ENOMEM` if memory runs out (nothing is created then).
    pub fn create(&self, name: &str, size: u64, fill: &mut dyn FnMut(u64, &mut [u8])) -> SysResult<Arc<Inode>> {
        let mut files = self.files.lock();
        if files.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let m = self.sb.machine();
        let inode = shmem_inode(&self.sb, size);
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        for index in 0..inode.size_pages() {
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
        let inode = shmem_inode(&self.sb, 0);
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
