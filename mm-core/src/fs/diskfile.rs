//! (v1.8) Scenario files on a disk filesystem (`machine files_on=ext4`):
//! what the real runner's files are when it writes them to a directory on
//! the host's ext4, syncs them and drops them from the page cache
//! (`POSIX_FADV_DONTNEED`).  Nothing of such a file is cached at the
//! start: the first fault reads it through readahead, in large folios
//! (ext4 calls `mapping_set_large_folios` since Linux 6.16), with the
//! readahead window of the device (`read_ahead_kb`).  Mappings are placed
//! by `thp_get_unmapped_area`, and writes to shared mappings are tracked
//! (`ext4_page_mkwrite`, which has blocks for every page of a file the
//! runner wrote whole).
//!
//! The bytes are the scenario's pattern, computed on each read; pages
//! written back (`msync`, reclaim) are kept in memory and read from there
//! after.  The files share tmpfs's flat directory of names.

use super::{AddressSpaceOperations, File, FileOperations, Inode, VmOperations};
use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::VmFaultCtx;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The device number the files show (`st_dev`; dumps do not compare it).
pub const DISK_DEV: (u32, u32) = (254, 0);

/// The bytes of page `index` of a file: `fill(index, page)`.
pub type FillFn = Arc<dyn Fn(u64, &mut [u8]) + Send + Sync>;

/// A file's bytes: the pattern under the pages written back.
pub(crate) struct DiskFile {
    fill: FillFn,
    /// Pages written back, by index.
    written: Mutex<BTreeMap<u64, Box<[u8]>>>,
}

impl DiskFile {
    /// The file of `size` bytes whose page `p` is `fill(p)`.
    pub(crate) fn new_inode(sb: &super::SuperBlock, size: u64, fill: FillFn) -> Arc<Inode> {
        let file = Arc::new(DiskFile { fill, written: Mutex::new(BTreeMap::new()) });
        let inode = Inode::new(sb, DISK_DEV, size, file, Arc::new(DiskFops));
        inode.mapping.mapping_set_large_folios();
        let ra_kb = sb.machine().tunables.read_ahead_kb;
        inode.mapping.set_ra_pages(ra_kb >> (PAGE_SHIFT - 10));
        inode
    }
}

impl AddressSpaceOperations for DiskFile {
    fn read_folio(&self, inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let size = inode.size();
        let written = self.written.lock();
        for (i, page) in buf.chunks_mut(PAGE_SIZE as usize).enumerate() {
            let idx = index + i as u64;
            let start = idx << PAGE_SHIFT;
            page.fill(0);
            if start >= size {
                continue;
            }
            match written.get(&idx) {
                Some(w) => page.copy_from_slice(&w[..page.len()]),
                None => (self.fill)(idx, page),
            }
            // Zeroes past the end of the file.
            let valid = (size - start).min(page.len() as u64) as usize;
            page[valid..].fill(0);
        }
        Ok(())
    }

    fn readahead(&self, inode: &Inode, start: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.read_folio(inode, start, buf)
    }

    fn writepage(&self, _inode: &Inode, index: u64, data: &[u8]) -> Result<(), Errno> {
        let mut page = vec![0u8; PAGE_SIZE as usize].into_boxed_slice();
        let n = data.len().min(PAGE_SIZE as usize);
        page[..n].copy_from_slice(&data[..n]);
        self.written.lock().insert(index, page);
        Ok(())
    }
}

/// `ext4_file_vm_ops`: the generic page-cache faults, and a
/// `page_mkwrite` that accepts every page (the runner's files have blocks
/// for all of theirs).
#[derive(Debug)]
struct DiskVmOps;

impl VmOperations for DiskVmOps {
    fn name(&self) -> &'static str {
        "ext4_file_vm_ops"
    }
    fn has_page_mkwrite(&self) -> bool {
        true
    }
    fn page_mkwrite(&self, _vmf: &VmFaultCtx<'_>, _pfn: Pfn) -> VmFault {
        VmFault::empty()
    }
}

/// `ext4_file_operations`.
struct DiskFops;

impl FileOperations for DiskFops {
    fn mmap(&self, _file: &File) -> SysResult<Arc<dyn VmOperations>> {
        Ok(Arc::new(DiskVmOps))
    }
    fn thp_get_unmapped_area(&self) -> bool {
        true
    }
    /// `ext4_file_read_iter` -> `filemap_read`: readahead sized by the
    /// whole request.
    fn read_part(&self, file: &File, off: u64, buf: &mut [u8], req_end: u64) -> SysResult<usize> {
        super::filemap::generic_file_read_req(file, off, buf, req_end)
    }
}
