//! An ext4 filesystem for mmsim: the files of a real ext4 image (as
//! `mke2fs -t ext4 -d DIR IMAGE` makes it), served through the page cache.
//!
//! The on-disk format (superblock, group descriptors, inodes, directories,
//! extent trees) is read by this crate's own reader, built for untrusted
//! images: every number the image claims is checked before it is used, no
//! read is larger than a block or the caller's buffer, and a corrupt image
//! gives a clear error (`EUCLEAN`, "Structure needs cleaning", from a
//! lookup or a read; an [`Ext4MountError`] from [`Ext4Image::mount`]), never a panic
//! or an allocation the image sized.  A file's extents are read when it is
//! looked up; its data is read with one positioned read per run of
//! contiguous blocks, at the blocks' place in the image, and nothing is
//! read for a hole; so every page knows where its bytes live.
//!
//! The image is never modified unless asked.  By default
//! ([`Ext4Image::mount`]) the image file is opened read-only and writeback
//! (`writepage`, on `msync(MS_SYNC)`, `fsync`, `sync`, reclaim, and when
//! the last reference to the file goes) puts a dirty page's bytes into an
//! in-memory overlay of the image at the page's place; later reads of
//! those bytes see the overlay, so a page written, written back, evicted
//! and read again holds what was written.  With
//! [`MountOptions::write_source`] (`mmsim run --write-image`) writeback
//! writes the page into the image file in place instead: the file's data
//! changes, its metadata never, so the image stays consistent
//! (`e2fsck -fn` is clean).  Either way a page without blocks (a hole or
//! unwritten extent) would need block allocation, which this backend does
//! not do: `page_mkwrite` refuses it (`SIGBUS`), `write` and writeback
//! fail with `ENOSPC`.
//!
//! As `ext4_file_operations` does, mappings are placed with
//! `thp_get_unmapped_area`, and shared writable mappings track writes
//! (`ext4_page_mkwrite`).  Regular files are cached in large folios, as
//! Linux 6.18 caches them (`ext4_set_inode_mapping_order`; readahead
//! gives the orders).  Paths are walked as Linux walks them
//! ([`mm_core::fs::namei`]): symbolic links (fast and slow) are followed
//! inside the image, so an image can hold a whole root, and files show
//! their canonical path and the image's inode numbers.  Directories,
//! devices, FIFOs and sockets open (a directory for `O_DIRECTORY`) but do
//! not map (`ENODEV`).
//!
//! [`read_image_files`] runs the whole read path on an image given as
//! bytes, for fuzzing.

#![forbid(unsafe_code)]

mod ondisk;

pub use mm_core::fs::MountOptions;
pub use ondisk::{Ext4Error, SuperBlockError};

use ahash::AHashMap;
use mm_core::errno::{Errno, SysResult, VmFault};
use mm_core::fault::VmFaultCtx;
use mm_core::fs::SuperBlock as VfsSuperBlock;
use mm_core::fs::namei::{self, NameiOps};
use mm_core::fs::{
    AddressSpaceOperations, Dentry, File, FileOperations, FileSystemType, FileType, Filesystem, Inode, InodeAttr,
    LookupFlags, MM_FILESYSTEMS, MountError, NoMmapFile, VmOperations, iget,
};
use mm_core::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use mm_core::{trace_enter, trace_note};
use ondisk::{Device, Extent, SuperBlock, map_range};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Weak};

/// The device ext4 files show in `/proc/PID/maps`.
pub const EXT4_DEV: (u32, u32) = (7, 0);

/// Bytes of the image one overlay entry holds.
const OVERLAY_CHUNK: u64 = 4096;

/// What writeback has put over the image when the image file is not
/// written: chunks of the image by `offset / OVERLAY_CHUNK`, each the
/// image's bytes with every written byte replaced.
#[derive(Default)]
struct Overlay {
    chunks: Mutex<BTreeMap<u64, Box<[u8]>>>,
}

impl Overlay {
    /// Puts `data` over the image at `off`.
    fn write(&self, dev: &Device, dev_len: u64, off: u64, data: &[u8]) -> std::io::Result<()> {
        let end = off + data.len() as u64;
        let mut chunks = self.chunks.lock();
        let mut at = off;
        while at < end {
            let key = at / OVERLAY_CHUNK;
            let base = key * OVERLAY_CHUNK;
            let chunk = match chunks.entry(key) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    let mut b = vec![0u8; OVERLAY_CHUNK as usize].into_boxed_slice();
                    let n = OVERLAY_CHUNK.min(dev_len.saturating_sub(base)) as usize;
                    dev.read_exact_at(&mut b[..n], base)?;
                    v.insert(b)
                }
            };
            let from = (at - base) as usize;
            let n = (OVERLAY_CHUNK - (at - base)).min(end - at) as usize;
            let src = (at - off) as usize;
            chunk[from..from + n].copy_from_slice(&data[src..src + n]);
            at += n as u64;
        }
        Ok(())
    }

    /// Replaces the bytes of `buf` (read from the image at `off`) that
    /// writeback has overlaid.
    fn apply(&self, off: u64, buf: &mut [u8]) {
        if buf.is_empty() {
            return;
        }
        let end = off + buf.len() as u64;
        let chunks = self.chunks.lock();
        for (&key, chunk) in chunks.range(off / OVERLAY_CHUNK..=(end - 1) / OVERLAY_CHUNK) {
            let base = key * OVERLAY_CHUNK;
            let (a, b) = (base.max(off), (base + OVERLAY_CHUNK).min(end));
            buf[(a - off) as usize..(b - off) as usize]
                .copy_from_slice(&chunk[(a - base) as usize..(b - base) as usize]);
        }
    }
}

/// Where writeback goes.
enum Backing {
    /// An in-memory overlay; the image is never written.
    Overlay(Overlay),
    /// The image file itself, opened read-write (`write_source`).
    Image(std::fs::File),
}

/// Why an ext4 image could not be mounted.
#[derive(Debug, thiserror::Error)]
pub enum Ext4MountError {
    /// The image file could not be opened.
    #[error("cannot open image {path}: {source}")]
    Open { path: String, source: std::io::Error },
    /// The image file could not be opened for writing (`write_source`).
    #[error("cannot open image {path} for writing: {source}")]
    OpenForWriting { path: String, source: std::io::Error },
    /// The image's length could not be read.
    #[error("cannot read image {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// The superblock was refused.
    #[error("{path} is not a readable ext4 image: {source}")]
    NotExt4 { path: String, source: SuperBlockError },
}

/// What the files of one image share.
struct Shared {
    sb: SuperBlock,
    /// The image's length, for the overlay's last chunk.
    dev_len: u64,
    backing: Backing,
    path: String,
}

/// A regular file of the image: its size and its extents.
struct DiskFile {
    size: u64,
    extents: Vec<Extent>,
}

impl Shared {
    fn new(dev: Device, backing: Backing, path: &str) -> Result<Shared, Ext4MountError> {
        let dev_len = dev.len().map_err(|source| Ext4MountError::Read { path: path.to_string(), source })?;
        let sb =
            SuperBlock::read_super(dev).map_err(|source| Ext4MountError::NotExt4 { path: path.to_string(), source })?;
        Ok(Shared { sb, dev_len, backing, path: path.to_string() })
    }

    /// The regular file at `path`, with its extents checked.
    fn open_file(&self, path: &str) -> Result<DiskFile, Ext4Error> {
        let inode = self.sb.lookup_path(path)?;
        if inode.is_dir() {
            return Err(Ext4Error { errno: Errno::EISDIR, msg: format!("{path} is a directory") });
        }
        if !inode.is_reg() {
            return Err(Ext4Error { errno: Errno::ENODEV, msg: format!("{path} is not a regular file") });
        }
        let extents = self.sb.extents(&inode)?;
        Ok(DiskFile { size: inode.size, extents })
    }

    /// Reads the pages of `file` from page `index` on into `buf` (zeroes
    /// past the end of the file and in holes), one positioned read per run
    /// of contiguous blocks, with what writeback put in the overlay.
    fn read_pages(&self, file: &DiskFile, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let start = index.checked_mul(PAGE_SIZE).ok_or(Errno::EINVAL)?;
        let valid = file.size.saturating_sub(start).min(buf.len() as u64) as usize;
        buf[valid..].fill(0);
        for seg in map_range(&file.extents, self.sb.block_size, start, valid as u64) {
            let dst = &mut buf[(seg.file_off - start) as usize..][..seg.len as usize];
            match seg.image_off {
                None => dst.fill(0),
                Some(image_off) => {
                    self.sb.dev.read_exact_at(dst, image_off).map_err(|_| Errno::EIO)?;
                    if let Backing::Overlay(o) = &self.backing {
                        o.apply(image_off, dst);
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the bytes of page `index` of `file` that belong to it to
    /// their place (the overlay or the image); `ENOSPC` if a byte has no
    /// block.
    fn write_page(&self, file: &DiskFile, index: u64, data: &[u8]) -> Result<(), Errno> {
        if !file.page_is_allocated(self.sb.block_size, index) {
            return Err(Errno::ENOSPC);
        }
        let off = index << PAGE_SHIFT;
        let len = file.page_len(index).min(data.len() as u64);
        for seg in map_range(&file.extents, self.sb.block_size, off, len) {
            let Some(image_off) = seg.image_off else { return Err(Errno::ENOSPC) };
            let bytes = &data[(seg.file_off - off) as usize..][..seg.len as usize];
            match &self.backing {
                Backing::Overlay(o) => o.write(&self.sb.dev, self.dev_len, image_off, bytes),
                Backing::Image(f) => f.write_all_at(bytes, image_off),
            }
            .map_err(|_| Errno::EIO)?;
        }
        Ok(())
    }
}

impl DiskFile {
    /// The bytes of page `index` that belong to the file.
    fn page_len(&self, index: u64) -> u64 {
        self.size.saturating_sub(index << PAGE_SHIFT).min(PAGE_SIZE)
    }

    /// Whether every byte of page `index` inside the file has a written
    /// block in the image (false for holes and unwritten extents).
    fn page_is_allocated(&self, block_size: u64, index: u64) -> bool {
        map_range(&self.extents, block_size, index << PAGE_SHIFT, self.page_len(index))
            .iter()
            .all(|s| s.image_off.is_some())
    }
}

/// One file of the image: its path and what the image says of it.
struct Ext4File {
    shared: Arc<Shared>,
    path: String,
    disk: DiskFile,
}

impl Ext4File {
    fn page_is_allocated(&self, index: u64) -> bool {
        self.disk.page_is_allocated(self.shared.sb.block_size, index)
    }
}

impl AddressSpaceOperations for Ext4File {
    fn read_folio(&self, _inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.shared.read_pages(&self.disk, index, buf)
    }

    fn readahead(&self, _inode: &Inode, start: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.shared.read_pages(&self.disk, start, buf)
    }

    fn writepage(&self, _inode: &Inode, index: u64, data: &[u8]) -> Result<(), Errno> {
        self.shared.write_page(&self.disk, index, data)
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
        f.debug_struct("Ext4File").field("path", &self.path).field("size", &self.disk.size).finish()
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
        let _t = trace_enter!(vmf.trace(), "ext4_page_mkwrite", "{} page {}", self.file.path, vmf.pgoff());
        if !self.file.page_is_allocated(vmf.pgoff()) {
            trace_note!(
                vmf.trace(),
                "ext4_page_mkwrite",
                "page {} has no blocks (a hole): writing it would need block allocation: SIGBUS",
                vmf.pgoff()
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
        // Refuse before anything changes if a page would need new blocks.
        let end = off.saturating_add(data.len() as u64).min(self.file.disk.size);
        if off < end && !(off >> PAGE_SHIFT..=(end - 1) >> PAGE_SHIFT).all(|i| self.file.page_is_allocated(i)) {
            return Err(Errno::ENOSPC);
        }
        mm_core::fs::filemap::generic_perform_write(file, off, data)
    }
}

/// A mounted ext4 image.
pub struct Ext4Image {
    /// What the filesystem may use of the machine.
    sb: VfsSuperBlock,
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
    /// Mounts the image at `path` with the super block `sb`.  The image
    /// file is opened read-only and never written: writeback goes to an
    /// in-memory overlay.
    pub fn mount(sb: &VfsSuperBlock, path: &str) -> Result<Arc<Ext4Image>, Ext4MountError> {
        Self::mount_with(sb, path, MountOptions::default())
    }

    /// Mounts the image at `path` with the super block `sb`; with
    /// `options.write_source`, the image file is opened read-write and
    /// dirty pages are written back into it in place.
    pub fn mount_with(sb: &VfsSuperBlock, path: &str, options: MountOptions) -> Result<Arc<Ext4Image>, Ext4MountError> {
        let image =
            std::fs::File::open(path).map_err(|source| Ext4MountError::Open { path: path.to_string(), source })?;
        let backing = if options.write_source {
            let w = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|source| Ext4MountError::OpenForWriting { path: path.to_string(), source })?;
            Backing::Image(w)
        } else {
            Backing::Overlay(Overlay::default())
        };
        Ok(Self::new(sb, Shared::new(Device::File(image), backing, path)?))
    }

    /// Mounts an image held in memory (`image`'s bytes); writeback goes to
    /// an in-memory overlay.
    pub fn mount_bytes(sb: &VfsSuperBlock, image: &[u8]) -> Result<Arc<Ext4Image>, Ext4MountError> {
        let shared = Shared::new(Device::Memory(image.into()), Backing::Overlay(Overlay::default()), "(memory)")?;
        Ok(Self::new(sb, shared))
    }

    fn new(sb: &VfsSuperBlock, shared: Shared) -> Arc<Ext4Image> {
        Arc::new(Ext4Image { sb: sb.clone(), shared: Arc::new(shared), inodes: Mutex::new(AHashMap::new()) })
    }

    /// Whether writeback writes into the image file (`write_source`).
    pub fn writes_image(&self) -> bool {
        matches!(self.shared.backing, Backing::Image(_))
    }

    fn live_inodes(&self) -> Vec<Arc<Inode>> {
        self.inodes.lock().values().filter_map(Weak::upgrade).collect()
    }
}

impl Filesystem for Ext4Image {
    fn type_name(&self) -> &'static str {
        "ext4"
    }

    /// The file at `path` (absolute or relative to the root), walked as
    /// Linux walks paths, with its canonical path.
    fn path_lookupat(&self, path: &str, flags: LookupFlags) -> SysResult<Dentry> {
        let walker = Ext4Walker { fs: self };
        let (disk, canonical) = namei::path_lookupat(&walker, path.as_bytes(), flags)?.found()?;
        let canonical = String::from_utf8_lossy(&canonical).into_owned();
        let key = disk.ino;
        let inode = iget(&self.inodes, key, || {
            let attr = InodeAttr { dev: EXT4_DEV, i_ino: Some(u64::from(key)), mode: disk.mode(), rdev: (0, 0) };
            if !disk.is_reg() {
                let special = Arc::new(NoMmapFile { dir: disk.is_dir() });
                return Ok(Inode::new_with(&self.sb, attr, disk.size, special.clone(), special));
            }
            let extents = self.shared.sb.extents(&disk).map_err(|e| self.note(e))?;
            let size = disk.size;
            let disk = DiskFile { size, extents };
            let file = Arc::new(Ext4File { shared: self.shared.clone(), path: canonical.clone(), disk });
            let inode = Inode::new_with(&self.sb, attr, size, file.clone(), Arc::new(Ext4Fops { file }));
            // ext4_set_inode_mapping_order: regular files in large folios.
            inode.mapping.mapping_set_large_folios();
            Ok(inode)
        })?;
        Ok(Dentry { inode, path: canonical })
    }

    /// `sync_filesystem`: every dirty page of every live file is written
    /// back, then the image is flushed to the host's disk.
    fn sync(&self) -> SysResult<()> {
        for inode in self.live_inodes() {
            inode.mapping.filemap_write_and_wait_range(&inode, 0, u64::MAX)?;
        }
        if let Backing::Image(w) = &self.shared.backing {
            w.sync_data().map_err(|_| Errno::EIO)?;
        }
        Ok(())
    }
}

impl Ext4Image {
    /// Traces an error of the image (not a missing file) and gives its
    /// errno.
    fn note(&self, e: Ext4Error) -> Errno {
        if e.errno != Errno::ENOENT {
            trace_note!(self.sb.trace(), "ext4_lookup", "{}: {e}", self.shared.path);
        }
        e.errno
    }
}

/// The path walk's view of an image.
struct Ext4Walker<'a> {
    fs: &'a Ext4Image,
}

impl NameiOps for Ext4Walker<'_> {
    type Node = ondisk::DiskInode;
    fn root(&self) -> SysResult<Self::Node> {
        self.fs.shared.sb.root().map_err(|e| self.fs.note(e))
    }
    fn lookup_child(&self, dir: &Self::Node, _path: &[u8], name: &[u8]) -> SysResult<Self::Node> {
        self.fs.shared.sb.lookup_child(dir, name).map_err(|e| self.fs.note(e))
    }
    fn file_type(&self, node: &Self::Node) -> FileType {
        FileType::from_mode(node.mode()).unwrap_or(FileType::Regular)
    }
    fn readlink(&self, node: &Self::Node, _path: &[u8]) -> SysResult<Vec<u8>> {
        self.fs.shared.sb.readlink(node).map_err(|e| self.fs.note(e))
    }
}

fn mount_ext4(sb: &VfsSuperBlock, source: &str, options: MountOptions) -> Result<Arc<dyn Filesystem>, MountError> {
    Ok(Ext4Image::mount_with(sb, source, options).map_err(MountError::fs)?)
}

#[linkme::distributed_slice(MM_FILESYSTEMS)]
static EXT4: FileSystemType = FileSystemType {
    name: "ext4",
    description: "files of an ext4 image (--image), never written unless --write-image",
    mount: mount_ext4,
};

/// What [`read_image_files`] found for one path.
pub type FileResult = Result<Vec<u8>, Ext4Error>;

/// Runs mm-fs-ext's read path on an untrusted image held in memory, as
/// a fuzz target: checks the image as [`Ext4Image::mount`] does, then for
/// each of `paths` looks the file up and reads its first `max_bytes`
/// bytes page by page as the page cache would (a page read, then
/// readahead windows of 32 pages), writes each allocated page back (to
/// the in-memory overlay) and reads it again, which must give the same
/// bytes.  Returns the mount error, or per path the bytes read or the
/// lookup or read error.  Memory is bounded by the image, `max_bytes`
/// and a block; it never panics (a panic is a bug).
pub fn read_image_files(image: &[u8], paths: &[&str], max_bytes: u64) -> Result<Vec<FileResult>, Ext4MountError> {
    let shared = Shared::new(Device::Memory(image.into()), Backing::Overlay(Overlay::default()), "(memory)")?;
    let read = |path: &str| -> FileResult {
        let file = shared.open_file(path)?;
        let len = file.size.min(max_bytes);
        let mut out = vec![0u8; len.div_ceil(PAGE_SIZE) as usize * PAGE_SIZE as usize];
        let io = |errno, what: &str| Ext4Error { errno, msg: format!("{path}: {what}") };
        let mut index = 0u64;
        while index * PAGE_SIZE < len {
            let pages = if index == 0 { 1 } else { 32.min((len - index * PAGE_SIZE).div_ceil(PAGE_SIZE)) };
            let buf = &mut out[(index * PAGE_SIZE) as usize..((index + pages) * PAGE_SIZE) as usize];
            shared.read_pages(&file, index, buf).map_err(|e| io(e, "read"))?;
            index += pages;
        }
        let mut again = vec![0u8; PAGE_SIZE as usize];
        for index in 0..len.div_ceil(PAGE_SIZE) {
            let page = &out[(index * PAGE_SIZE) as usize..((index + 1) * PAGE_SIZE) as usize];
            if file.page_is_allocated(shared.sb.block_size, index) {
                shared.write_page(&file, index, page).map_err(|e| io(e, "writeback"))?;
                shared.read_pages(&file, index, &mut again).map_err(|e| io(e, "read after writeback"))?;
                assert!(again == page, "{path}: page {index} reads back differently after writeback");
            }
        }
        out.truncate(len as usize);
        Ok(out)
    };
    Ok(paths.iter().map(|p| read(p)).collect())
}
