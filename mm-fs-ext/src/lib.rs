//! An ext4 filesystem for mmsim: the files of a real ext4 image (as
//! `mke2fs -t ext4 -d DIR IMAGE` makes it), served through the page cache.
//!
//! The on-disk format (superblock, group descriptors, inodes, directories,
//! extent trees, checksums) is read with the `ext4` crate.  It reads a
//! file's data with one positioned read per run of contiguous blocks, at
//! the blocks' real place in the image, and reads nothing for a hole; our
//! reader under it records those places, so every cached page knows its
//! blocks.  Writeback (`writepage`, on `msync(MS_SYNC)`, `fsync`, `sync`
//! and when the last reference to the file goes) writes a dirty page back
//! to exactly those bytes: the file's data changes in place, its metadata
//! never, so the image stays consistent (`e2fsck -fn` is clean).  A page
//! without blocks (a hole) would need block allocation, which this backend
//! does not do: `page_mkwrite` refuses it (`SIGBUS`), `write` and writeback
//! fail with `ENOSPC`, and the image is never corrupted.
//!
//! As `ext4_file_operations` does, mappings are placed with
//! `thp_get_unmapped_area`, and shared writable mappings track writes
//! (`ext4_page_mkwrite`).  Pages are order 0: the large folios of a real
//! ext4 page cache are not modelled.  Paths are looked up literally:
//! symbolic links are not followed.

use ahash::AHashMap;
use mm_core::errno::{Errno, SysResult, VmFault};
use mm_core::fault::VmFaultCtx;
use mm_core::fs::{
    AddressSpaceOperations, File, FileOperations, FileSystemType, Filesystem, Inode, MM_FILESYSTEMS, VmOperations,
};
use mm_core::machine::Machine;
use mm_core::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use mm_core::{trace_enter, trace_note};
use parking_lot::Mutex;
use positioned_io::ReadAt;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Weak};

/// The device ext4 files show in `/proc/PID/maps`.
pub const EXT4_DEV: (u32, u32) = (7, 0);

/// The image as the `ext4` crate reads it; reads are logged while
/// `logging` is on.
struct LoggingImage {
    image: std::fs::File,
    log: Arc<ReadLog>,
}

/// Whether logging is on, and the positioned reads `(offset, bytes)` made
/// since it was turned on.
type ReadLog = Mutex<(bool, Vec<(u64, usize)>)>;

impl ReadAt for LoggingImage {
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = FileExt::read_at(&self.image, buf, pos)?;
        let mut log = self.log.lock();
        if log.0 {
            log.1.push((pos, n));
        }
        Ok(n)
    }
}

/// A run of a file's bytes that lives contiguously in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// Offset in the file.
    file_off: u64,
    /// Offset in the image.
    image_off: u64,
    len: u64,
}

/// Adds `r` to a map of disjoint runs, replacing what it overlaps and
/// keeping the parts of older runs on either side.
fn insert_run(runs: &mut BTreeMap<u64, Run>, r: Run) {
    let (s, e) = (r.file_off, r.file_off + r.len);
    let first = runs.range(..s).next_back().map_or(s, |(&k, _)| k);
    let overlapping: Vec<Run> = runs.range(first..e).map(|(_, o)| *o).filter(|o| o.file_off + o.len > s).collect();
    for o in overlapping {
        runs.remove(&o.file_off);
        if o.file_off < s {
            runs.insert(o.file_off, Run { len: s - o.file_off, ..o });
        }
        let o_end = o.file_off + o.len;
        if o_end > e {
            runs.insert(e, Run { file_off: e, image_off: o.image_off + (e - o.file_off), len: o_end - e });
        }
    }
    runs.insert(s, r);
}

/// What the files of one image share.
struct Shared {
    /// The image, for writeback (`None` when mounted read-only).
    writer: Option<std::fs::File>,
    /// The parsed filesystem; the lock also keeps the read log to one
    /// reader at a time.
    sb: Mutex<ext4::SuperBlock<LoggingImage>>,
    log: Arc<ReadLog>,
    path: String,
}

impl Shared {
    /// Reads the pages of `inode` from page `index` on into `buf` (a whole
    /// number of pages; zeroes past the end of the file), with as few reads
    /// as the extents allow, and returns where the bytes live in the image.
    fn read_pages(&self, inode: &ext4::Inode, index: u64, buf: &mut [u8]) -> Result<Vec<Run>, Errno> {
        let sb = self.sb.lock();
        // Opening reads the extent tree; only the data reads after it are
        // logged.
        let mut r = sb.open(inode).map_err(|_| Errno::EIO)?;
        let start = index << PAGE_SHIFT;
        r.seek(SeekFrom::Start(start)).map_err(|_| Errno::EIO)?;
        let mut runs = Vec::new();
        let mut filled = 0;
        while filled < buf.len() {
            {
                let mut log = self.log.lock();
                log.0 = true;
                log.1.clear();
            }
            let n = r.read(&mut buf[filled..]).map_err(|_| Errno::EIO)?;
            let mut log = self.log.lock();
            log.0 = false;
            if n == 0 {
                break;
            }
            // One read at the blocks' place, or none for a hole.
            if let Some(&(off, len)) = log.1.last()
                && len == n
            {
                runs.push(Run { file_off: start + filled as u64, image_off: off, len: n as u64 });
            }
            filled += n;
        }
        buf[filled..].fill(0);
        Ok(runs)
    }
}

/// One file of the image: its path, size and, for every page read so far,
/// where its bytes live.
struct Ext4File {
    shared: Arc<Shared>,
    /// The inode in the image.
    inode: ext4::Inode,
    path: String,
    size: u64,
    /// Where the bytes read so far live in the image, by file offset.
    runs: Mutex<BTreeMap<u64, Run>>,
}

impl Ext4File {
    /// The bytes of page `index` that belong to the file.
    fn page_len(&self, index: u64) -> u64 {
        self.size.saturating_sub(index << PAGE_SHIFT).min(PAGE_SIZE)
    }

    /// Records runs found by a read.  The map holds disjoint runs (so that
    /// the run before an offset is the only one that can cover it): a new
    /// run replaces what it overlaps, keeping the parts of older runs on
    /// either side.  (A file's blocks do not move, so they agree.)
    fn add_runs(&self, found: Vec<Run>) {
        let mut runs = self.runs.lock();
        for r in found {
            insert_run(&mut runs, r);
        }
    }

    /// The parts of `[off, off + len)` that live in the image, as
    /// `(file offset, image offset, length)`, ascending.
    fn placed(&self, off: u64, len: u64) -> Vec<(u64, u64, u64)> {
        let end = off + len;
        let runs = self.runs.lock();
        let first = runs.range(..=off).next_back().map_or(off, |(&k, _)| k);
        runs.range(first..end)
            .filter_map(|(_, r)| {
                let a = r.file_off.max(off);
                let b = (r.file_off + r.len).min(end);
                (a < b).then(|| (a, r.image_off + (a - r.file_off), b - a))
            })
            .collect()
    }

    /// Whether every byte of page `index` inside the file has a place in
    /// the image (false for holes and pages never read).
    fn page_is_allocated(&self, index: u64) -> bool {
        let off = index << PAGE_SHIFT;
        let want = self.page_len(index);
        let mut at = off;
        for (a, _, len) in self.placed(off, want) {
            if a != at {
                return false;
            }
            at += len;
        }
        at >= off + want
    }
}

impl AddressSpaceOperations for Ext4File {
    fn read_folio(&self, _inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.add_runs(self.shared.read_pages(&self.inode, index, buf)?);
        Ok(())
    }

    fn readahead(&self, _inode: &Inode, start: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.add_runs(self.shared.read_pages(&self.inode, start, buf)?);
        Ok(())
    }

    fn writepage(&self, _inode: &Inode, index: u64, data: &[u8]) -> Result<(), Errno> {
        let Some(image) = &self.shared.writer else {
            return Err(Errno::EROFS);
        };
        if !self.page_is_allocated(index) {
            return Err(Errno::ENOSPC);
        }
        let off = index << PAGE_SHIFT;
        for (a, image_off, len) in self.placed(off, data.len() as u64) {
            let from = (a - off) as usize;
            image.write_all_at(&data[from..from + len as usize], image_off).map_err(|_| Errno::EIO)?;
        }
        Ok(())
    }
}

/// `ext4_file_vm_ops`: `filemap_fault`, `filemap_map_pages` and
/// `ext4_page_mkwrite`.
#[derive(Debug)]
struct Ext4VmOps {
    file: Arc<Ext4File>,
}

impl std::fmt::Debug for Ext4File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ext4File").field("path", &self.path).field("size", &self.size).finish()
    }
}

impl VmOperations for Ext4VmOps {
    fn name(&self) -> &'static str {
        "ext4_file_vm_ops"
    }
    fn has_page_mkwrite(&self) -> bool {
        true
    }
    /// `ext4_page_mkwrite`: a page whose blocks exist may be written; one
    /// that would need new blocks is refused.
    fn page_mkwrite(&self, vmf: &VmFaultCtx<'_>, _pfn: Pfn) -> VmFault {
        let m = &*vmf.mm.machine;
        let _t = trace_enter!(m.trace, "ext4_page_mkwrite", "{} page {}", self.file.path, vmf.pgoff);
        if self.file.shared.writer.is_none() {
            trace_note!(m.trace, "ext4_page_mkwrite", "the image is read-only: SIGBUS");
            return VmFault::SIGBUS;
        }
        if !self.file.page_is_allocated(vmf.pgoff) {
            trace_note!(
                m.trace,
                "ext4_page_mkwrite",
                "page {} has no blocks (a hole): writing it would need block allocation: SIGBUS",
                vmf.pgoff
            );
            return VmFault::SIGBUS;
        }
        VmFault::empty()
    }
}

/// `ext4_file_operations`.
struct Ext4Fops {
    file: Arc<Ext4File>,
}

impl FileOperations for Ext4Fops {
    fn mmap(&self, _file: &File) -> SysResult<Arc<dyn VmOperations>> {
        Ok(Arc::new(Ext4VmOps { file: self.file.clone() }))
    }
    fn thp_get_unmapped_area(&self) -> bool {
        true
    }
    fn write(&self, file: &File, off: u64, data: &[u8]) -> SysResult<usize> {
        if self.file.shared.writer.is_none() {
            return Err(Errno::EROFS);
        }
        // Read every page the write touches, so its blocks are known, and
        // refuse before anything changes if one would need new blocks.
        let end = off.saturating_add(data.len() as u64).min(self.file.size);
        if off < end {
            for index in off >> PAGE_SHIFT..=(end - 1) >> PAGE_SHIFT {
                if !self.file.page_is_allocated(index) {
                    // Not read yet, or a hole: read it to know.
                    let mut page = vec![0u8; PAGE_SIZE as usize];
                    self.file.add_runs(self.file.shared.read_pages(&self.file.inode, index, &mut page)?);
                }
                if !self.file.page_is_allocated(index) {
                    return Err(Errno::ENOSPC);
                }
            }
        }
        mm_core::fs::filemap::generic_perform_write(file, off, data)
    }
}

/// A mounted ext4 image.
pub struct Ext4Image {
    machine: Arc<Machine>,
    shared: Arc<Shared>,
    /// Live inodes by inode number, so that every open of a file shares
    /// one page cache.
    inodes: Mutex<AHashMap<u32, Weak<Inode>>>,
}

impl std::fmt::Debug for Ext4Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ext4Image").field("image", &self.shared.path).finish()
    }
}

impl Ext4Image {
    /// Mounts the image at `path` on `machine`, read-write if the image
    /// file can be written, else read-only.
    pub fn mount(machine: &Arc<Machine>, path: &str) -> Result<Arc<Ext4Image>, String> {
        let (image, writable) = match std::fs::OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => (f, true),
            Err(_) => (std::fs::File::open(path).map_err(|e| format!("cannot open image {path}: {e}"))?, false),
        };
        let reader_file = image.try_clone().map_err(|e| format!("{path}: {e}"))?;
        let log = Arc::new(Mutex::new((false, Vec::new())));
        let sb = ext4::SuperBlock::new(LoggingImage { image: reader_file, log: log.clone() })
            .map_err(|e| format!("{path} is not a readable ext4 image: {e:#}"))?;
        Ok(Arc::new(Ext4Image {
            machine: machine.clone(),
            shared: Arc::new(Shared {
                writer: writable.then_some(image),
                sb: Mutex::new(sb),
                log,
                path: path.to_string(),
            }),
            inodes: Mutex::new(AHashMap::new()),
        }))
    }

    /// Whether writes can reach the image.
    pub fn is_writable(&self) -> bool {
        self.shared.writer.is_some()
    }

    fn live_inodes(&self) -> Vec<Arc<Inode>> {
        self.inodes.lock().values().filter_map(Weak::upgrade).collect()
    }
}

impl Filesystem for Ext4Image {
    fn type_name(&self) -> &'static str {
        "ext4"
    }

    /// The regular file at `path` (absolute or relative to the root; `.`
    /// and `..` are plain names, symbolic links are not followed).
    fn lookup(&self, path: &str) -> SysResult<Arc<Inode>> {
        let (ino, disk_inode) = {
            let sb = self.shared.sb.lock();
            let entry = sb.resolve_path(path).map_err(|_| Errno::ENOENT)?;
            let inode = sb.load_inode(entry.inode).map_err(|_| Errno::EIO)?;
            match inode.stat.extracted_type {
                ext4::FileType::RegularFile => {}
                ext4::FileType::Directory => return Err(Errno::EISDIR),
                _ => return Err(Errno::ENODEV),
            }
            (entry.inode, inode)
        };
        let size = disk_inode.stat.size;
        let key = ino;
        let mut inodes = self.inodes.lock();
        if let Some(i) = inodes.get(&key).and_then(Weak::upgrade) {
            return Ok(i);
        }
        inodes.retain(|_, w| w.strong_count() > 0);
        let file = Arc::new(Ext4File {
            shared: self.shared.clone(),
            inode: disk_inode,
            path: path.to_string(),
            size,
            runs: Mutex::new(BTreeMap::new()),
        });
        let inode = Inode::new(&self.machine, EXT4_DEV, size, file.clone(), Arc::new(Ext4Fops { file }));
        inodes.insert(key, Arc::downgrade(&inode));
        Ok(inode)
    }

    fn read_only(&self) -> bool {
        !self.is_writable()
    }

    /// `sync_filesystem`: every dirty page of every live file is written
    /// back, then the image is flushed to the host's disk.
    fn sync(&self) -> SysResult<()> {
        for inode in self.live_inodes() {
            inode.mapping.filemap_write_and_wait_range(&inode, 0, u64::MAX)?;
        }
        if let Some(w) = &self.shared.writer {
            w.sync_data().map_err(|_| Errno::EIO)?;
        }
        Ok(())
    }
}

fn mount_ext4(machine: &Arc<Machine>, source: &str) -> Result<Arc<dyn Filesystem>, String> {
    Ok(Ext4Image::mount(machine, source)?)
}

#[linkme::distributed_slice(MM_FILESYSTEMS)]
static EXT4: FileSystemType = FileSystemType {
    name: "ext4",
    description: "files of an ext4 image (--image), written back in place",
    mount: mount_ext4,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_stay_disjoint_when_reads_overlap() {
        let mut runs = BTreeMap::new();
        let run = |f: u64, i: u64, l: u64| Run { file_off: f, image_off: i, len: l };
        // A readahead window, then a single page inside it, then a window
        // that overlaps the first one's end.
        insert_run(&mut runs, run(0, 1000, 100));
        insert_run(&mut runs, run(40, 1040, 10));
        insert_run(&mut runs, run(90, 1090, 50));
        let got: Vec<Run> = runs.values().copied().collect();
        assert_eq!(got, vec![run(0, 1000, 40), run(40, 1040, 10), run(50, 1050, 40), run(90, 1090, 50)]);
        // The run before any offset is the one that covers it.
        for off in 0..140 {
            let (_, r) = runs.range(..=off).next_back().expect("a run");
            assert!(r.file_off <= off && off < r.file_off + r.len, "offset {off}");
            assert_eq!(r.image_off + (off - r.file_off), 1000 + off);
        }
    }
}
