//! Files and the page cache (include/linux/fs.h, mm/filemap.c,
//! mm/shmem.c): the traits a filesystem implements and the generic code
//! that maps its files.
//!
//! As in Linux, a mapped file goes through three sets of operations:
//!
//! - [`FileOperations`] of the open file: `mmap` (which chooses the VMA's
//!   `vm_ops`), `read`, `write`, `fsync`;
//! - [`VmOperations`] of the VMA: `fault` (usually [`filemap_fault`]),
//!   `map_pages` (fault-around, [`filemap_map_pages`]), `page_mkwrite`;
//! - [`AddressSpaceOperations`] of the file's page cache: `read_folio`,
//!   `readahead`, `writepage`, `dirty_folio`.
//!
//! A filesystem type registers itself in [`MM_FILESYSTEMS`]; `tmpfs` (the
//! in-memory filesystem that also backs shared anonymous memory) is built
//! in.  A mounted filesystem gets a [`SuperBlock`], not the machine: it
//! makes its inodes with it ([`Inode::new`]) and traces through it.  Its
//! fault handlers see a [`VmFaultCtx`], which reads the fault but cannot
//! write page tables: mapping pages is core code ([`filemap_map_pages`],
//! `finish_fault`).

pub mod diskfile;
pub mod filemap;
pub mod namei;
pub mod pagecache;
pub mod shmem;
pub mod truncate;

use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::VmFaultCtx;
use crate::machine::Machine;
use crate::trace::Tracer;
use crate::types::{PAGE_SIZE, Pfn};
use bitflags::bitflags;
use parking_lot::Mutex;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use filemap::{FileRaState, filemap_create_folio, filemap_fault, filemap_map_pages};
pub use pagecache::AddressSpace;

bitflags! {
    /// `f_mode`: what an open file allows.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FMode: u32 {
        const READ = 1 << 0;
        const WRITE = 1 << 1;
        /// `FMODE_PATH`: an `O_PATH` descriptor, good for nothing but
        /// naming the file.
        const PATH = 1 << 2;
    }
}

/// `O_ACCMODE` of `open(2)` flags.
pub const O_ACCMODE: u64 = 3;

impl FMode {
    /// The mode `open(2)` flags give (`O_RDONLY` 0, `O_WRONLY` 1, `O_RDWR`
    /// 2); `None` for the access mode 3, which Linux opens with neither
    /// (`OPEN_FMODE`) after checking both permissions.
    pub fn from_open_flags(flags: u64) -> Option<FMode> {
        match flags & O_ACCMODE {
            0 => Some(FMode::READ),
            1 => Some(FMode::WRITE),
            2 => Some(FMode::READ | FMode::WRITE),
            _ => None,
        }
    }
}

/// `S_IFMT`: the file-type bits of `i_mode`.
pub const S_IFMT: u32 = 0o170000;

/// The type of a file (`i_mode & S_IFMT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `S_IFREG`.
    Regular,
    /// `S_IFDIR`.
    Directory,
    /// `S_IFLNK`.
    Symlink,
    /// `S_IFCHR`.
    CharDevice,
    /// `S_IFBLK`.
    BlockDevice,
    /// `S_IFIFO`.
    Fifo,
    /// `S_IFSOCK`.
    Socket,
}

impl FileType {
    /// Every type, with its `S_IF*` bits.
    const ALL: [(FileType, u32); 7] = [
        (FileType::Regular, 0o100000),
        (FileType::Directory, 0o040000),
        (FileType::Symlink, 0o120000),
        (FileType::CharDevice, 0o020000),
        (FileType::BlockDevice, 0o060000),
        (FileType::Fifo, 0o010000),
        (FileType::Socket, 0o140000),
    ];

    /// The type of `mode` (`mode & S_IFMT`); `None` for bits no type has.
    pub fn from_mode(mode: u32) -> Option<FileType> {
        Self::ALL.iter().find(|(_, bits)| mode & S_IFMT == *bits).map(|(t, _)| *t)
    }

    /// The `S_IF*` bits.
    pub fn s_ifmt(self) -> u32 {
        Self::ALL.iter().find(|(t, _)| *t == self).map_or(0, |(_, bits)| *bits)
    }

    /// Whether files of this type have a device number (`i_rdev`).
    pub fn is_device(self) -> bool {
        matches!(self, FileType::CharDevice | FileType::BlockDevice)
    }
}

/// What a filesystem says of a new inode besides its size and operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InodeAttr {
    /// Device (major, minor) of the filesystem, for `/proc/PID/maps`.
    pub dev: (u32, u32),
    /// The inode number `/proc/PID/maps` shows (`i_ino`); `None` for the
    /// machine-unique number the inode gets anyway.
    pub i_ino: Option<u64>,
    /// `i_mode`: type and permission bits.
    pub mode: u32,
    /// `i_rdev` of a device file.
    pub rdev: (u32, u32),
}

impl InodeAttr {
    /// A regular file with mode 0755 (executable, so that programs put on
    /// tmpfs run) on `dev`, numbered by the machine.
    pub fn regular(dev: (u32, u32)) -> InodeAttr {
        InodeAttr { dev, i_ino: None, mode: FileType::Regular.s_ifmt() | 0o755, rdev: (0, 0) }
    }
}

/// The result of a `fault` handler: the page for the faulting offset, with
/// a reference the caller owns, and the fault bits (`VM_FAULT_MAJOR`).
#[derive(Clone, Copy, Debug)]
pub struct FaultPage {
    pub pfn: Pfn,
    pub ret: VmFault,
}

/// `struct vm_operations_struct`: what a file-backed VMA does on faults.
/// The defaults are the generic page-cache ones (`generic_file_vm_ops`).
pub trait VmOperations: Send + Sync + fmt::Debug {
    /// A name for traces (`shmem_vm_ops`, `generic_file_vm_ops`).
    fn name(&self) -> &'static str;
    /// `fault`: the page at `vmf.pgoff`, with a reference, or the error.
    fn fault(&self, vmf: &VmFaultCtx<'_>) -> Result<FaultPage, VmFault> {
        filemap_fault(vmf)
    }
    /// Whether [`map_pages`](Self::map_pages) exists (fault-around).
    fn has_map_pages(&self) -> bool {
        true
    }
    /// `map_pages`: maps the cached pages of `[start_pgoff, end_pgoff]`
    /// around the fault; `VM_FAULT_NOPAGE` if the faulting page was mapped.
    fn map_pages(&self, vmf: &VmFaultCtx<'_>, start_pgoff: u64, end_pgoff: u64) -> VmFault {
        filemap_map_pages(vmf, start_pgoff, end_pgoff)
    }
    /// Whether [`page_mkwrite`](Self::page_mkwrite) exists: a writable
    /// shared mapping is then mapped read-only until each page is written
    /// (`vma_wants_writenotify`).
    fn has_page_mkwrite(&self) -> bool {
        false
    }
    /// `page_mkwrite`: the page `pfn` of the file is about to become
    /// writable; the filesystem may refuse (`VM_FAULT_SIGBUS`).
    fn page_mkwrite(&self, _vmf: &VmFaultCtx<'_>, _pfn: Pfn) -> VmFault {
        VmFault::empty()
    }
    /// `open`: a VMA was copied or split from one using these operations.
    fn open(&self, _file: &File) {}
    /// `close`: a VMA using these operations went away.
    fn close(&self, _file: &File) {}
}

/// `struct address_space_operations`: how the page cache gets and puts a
/// file's bytes.
pub trait AddressSpaceOperations: Send + Sync {
    /// `read_folio`: fills `buf` with page `index` of the file (zeroes past
    /// the end of the file).
    fn read_folio(&self, inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// `readahead`: fills the pages `start..`, `buf` holding them one after
    /// another (its length is a whole number of pages).  The default reads
    /// them one by one.
    fn readahead(&self, inode: &Inode, start: u64, buf: &mut [u8]) -> Result<(), Errno> {
        for (i, b) in buf.chunks_mut(PAGE_SIZE as usize).enumerate() {
            self.read_folio(inode, start + i as u64, b)?;
        }
        Ok(())
    }
    /// `writepage`: writes page `index` back; `data` is the page's bytes
    /// up to the end of the file.
    fn writepage(&self, inode: &Inode, index: u64, data: &[u8]) -> Result<(), Errno>;
    /// `dirty_folio`: page `index` was dirtied; returns false if it was
    /// dirty already.
    fn dirty_folio(&self, _inode: &Inode, _index: u64) -> bool {
        true
    }
    /// `mapping_can_writeback`: dirty pages are written somewhere (false
    /// for tmpfs, whose pages live only in memory).
    fn can_writeback(&self) -> bool {
        true
    }
    /// `shmem_mapping`: the `shmem_aops` of tmpfs and shared memory.
    fn is_shmem(&self) -> bool {
        false
    }
    /// A shmem file's huge page policy: its mount's `huge=` and whether
    /// it backs shared anonymous memory; `None` for other files.
    fn shmem_huge(&self) -> Option<shmem::ShmemSbHuge> {
        None
    }
}

/// `struct file_operations`.
pub trait FileOperations: Send + Sync {
    /// `mmap`: accepts the mapping and says which `vm_ops` it gets.
    fn mmap(&self, file: &File) -> SysResult<Arc<dyn VmOperations>>;
    /// Whether `get_unmapped_area` is `thp_get_unmapped_area` (mappings
    /// that cover a 2 MiB-aligned part of the file are placed so that it
    /// is 2 MiB-aligned in memory, as ext4 does); tmpfs with huge pages off
    /// uses the default placement.
    fn thp_get_unmapped_area(&self) -> bool {
        false
    }
    /// `read` at `off`, through the page cache.
    fn read(&self, file: &File, off: u64, buf: &mut [u8]) -> SysResult<usize> {
        filemap::generic_file_read(file, off, buf)
    }
    /// `read` at `off` of part of a request that ends at byte `req_end`
    /// (`read_iter` with the iterator's whole count); the default reads
    /// the part alone.
    fn read_part(&self, file: &File, off: u64, buf: &mut [u8], _req_end: u64) -> SysResult<usize> {
        self.read(file, off, buf)
    }
    /// `write` at `off`, through the page cache, inside the file's size.
    fn write(&self, file: &File, off: u64, data: &[u8]) -> SysResult<usize> {
        filemap::generic_perform_write(file, off, data)
    }
    /// What a `write` whose copy from the user's buffer failed at `pos`,
    /// before any byte of its page, leaves behind: the page that
    /// `write_begin` got and `write_end` closed with nothing copied.  The
    /// page cache's files change nothing here.
    fn write_failed(&self, _file: &File, _pos: u64) {}
    /// `fsync` of the byte range `[start, end)`: writes back its dirty
    /// pages.
    fn fsync(&self, file: &File, start: u64, end: u64) -> SysResult<()> {
        file.inode.mapping.filemap_write_and_wait_range(&file.inode, start, end)
    }
}

/// The operations of a file that is not a regular file (a directory, a
/// device, a FIFO, a socket, an anonymous inode such as a pipe or an
/// eventfd): no `mmap` in its `file_operations` (`ENODEV`), no read or
/// write through a page cache (`EISDIR` for a directory, else `EINVAL`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMmapFile {
    /// A directory.
    pub dir: bool,
}

impl NoMmapFile {
    fn rw_error(&self) -> Errno {
        if self.dir { Errno::EISDIR } else { Errno::EINVAL }
    }
}

impl AddressSpaceOperations for NoMmapFile {
    fn read_folio(&self, _inode: &Inode, _index: u64, _buf: &mut [u8]) -> Result<(), Errno> {
        Err(Errno::EIO)
    }
    fn writepage(&self, _inode: &Inode, _index: u64, _data: &[u8]) -> Result<(), Errno> {
        Err(Errno::EIO)
    }
    fn can_writeback(&self) -> bool {
        false
    }
}

impl FileOperations for NoMmapFile {
    fn mmap(&self, _file: &File) -> SysResult<Arc<dyn VmOperations>> {
        Err(Errno::ENODEV)
    }
    fn read(&self, _file: &File, _off: u64, _buf: &mut [u8]) -> SysResult<usize> {
        Err(self.rw_error())
    }
    fn write(&self, _file: &File, _off: u64, _data: &[u8]) -> SysResult<usize> {
        Err(self.rw_error())
    }
    fn fsync(&self, _file: &File, _start: u64, _end: u64) -> SysResult<()> {
        Ok(())
    }
}

/// `struct super_block` as a filesystem sees the machine: what a mounted
/// filesystem may use of it.  It makes the filesystem's inodes
/// ([`Inode::new`], as `new_inode(sb)` does), carries the trace sink and
/// says how much memory there is; the machine itself stays the core's.
#[derive(Clone)]
pub struct SuperBlock {
    machine: Arc<Machine>,
}

impl fmt::Debug for SuperBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuperBlock").finish_non_exhaustive()
    }
}

impl SuperBlock {
    /// A super block for a filesystem mounted on `machine`.
    pub fn new(machine: &Arc<Machine>) -> SuperBlock {
        SuperBlock { machine: machine.clone() }
    }

    /// The machine, for the core's own filesystem code.
    pub(crate) fn machine(&self) -> &Arc<Machine> {
        &self.machine
    }

    /// The trace sink (for `trace_enter!`/`trace_note!`).
    pub fn trace(&self) -> &Tracer {
        &self.machine.trace
    }

    /// `get_num_physpages`: frames of the machine's memory.
    pub fn get_num_physpages(&self) -> u64 {
        self.machine.phys.nr_pages()
    }
}

/// `struct inode`: a file, its size and its page cache.
pub struct Inode {
    /// Number unique on the machine; page-cache pages carry it in their
    /// `mapping` word.
    pub ino: u64,
    /// The inode number `/proc/PID/maps` shows (`i_ino`): the
    /// filesystem's own (a host file's `st_ino`), or [`Inode::ino`].
    pub i_ino: u64,
    /// Device (major, minor) for `/proc/PID/maps`.
    pub dev: (u32, u32),
    /// `i_mode`: the file type and permission bits.
    pub mode: u32,
    /// `i_rdev`: (major, minor) of a device file.
    pub rdev: (u32, u32),
    size: AtomicU64,
    /// The page cache (`i_mapping`).
    pub mapping: AddressSpace,
    /// Operations of files opened on it.
    pub fops: Arc<dyn FileOperations>,
}

impl fmt::Debug for Inode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inode").field("ino", &self.ino).field("size", &self.size()).finish()
    }
}

impl Inode {
    /// `new_inode`: a new regular file of `size` bytes on the filesystem
    /// of `sb`.
    pub fn new(
        sb: &SuperBlock,
        dev: (u32, u32),
        size: u64,
        a_ops: Arc<dyn AddressSpaceOperations>,
        fops: Arc<dyn FileOperations>,
    ) -> Arc<Inode> {
        Self::new_with(sb, InodeAttr::regular(dev), size, a_ops, fops)
    }

    /// A new inode of `size` bytes on the filesystem of `sb`, of the type
    /// and numbers `attr` gives.
    pub fn new_with(
        sb: &SuperBlock,
        attr: InodeAttr,
        size: u64,
        a_ops: Arc<dyn AddressSpaceOperations>,
        fops: Arc<dyn FileOperations>,
    ) -> Arc<Inode> {
        let machine = sb.machine();
        let ino = machine.new_id();
        let inode = Arc::new(Inode {
            ino,
            i_ino: attr.i_ino.unwrap_or(ino),
            dev: attr.dev,
            mode: attr.mode,
            rdev: attr.rdev,
            size: AtomicU64::new(size),
            mapping: AddressSpace::new(machine, ino, a_ops),
            fops,
        });
        // Reclaim finds the inode of a page-cache page by this number.
        machine.rmap_roots.inodes.lock().insert(ino, Arc::downgrade(&inode));
        inode
    }
    /// `i_size_read`.
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }
    /// Pages the file covers (`DIV_ROUND_UP(i_size, PAGE_SIZE)`).
    pub fn size_pages(&self) -> u64 {
        self.size().div_ceil(PAGE_SIZE)
    }
    /// `i_size_write`.
    pub fn set_size(&self, size: u64) {
        self.size.store(size, Ordering::Release);
    }
    /// The file's type (`i_mode & S_IFMT`).
    pub fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode).unwrap_or(FileType::Regular)
    }
    /// `S_ISREG`.
    pub fn is_reg(&self) -> bool {
        self.file_type() == FileType::Regular
    }
    /// `S_ISDIR`.
    pub fn is_dir(&self) -> bool {
        self.file_type() == FileType::Directory
    }
}

/// Source of [`File::id`]s.
static NEXT_FILE_ID: AtomicU64 = AtomicU64::new(1);

/// `struct file`: an open file.
pub struct File {
    /// Unique for each open: VMAs merge only when they map the same open
    /// file (`vm_file`), not merely the same inode.
    pub id: u64,
    /// The file.
    pub inode: Arc<Inode>,
    /// What the descriptor allows.
    pub mode: FMode,
    /// The path `/proc/PID/maps` shows.
    pub path: String,
    /// Readahead state (`f_ra`).
    pub f_ra: Mutex<FileRaState>,
    /// The file position `read` and `write` use and advance (`f_pos`).
    pub f_pos: Mutex<u64>,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("path", &self.path).field("ino", &self.inode.ino).finish()
    }
}

impl File {
    /// Opens `inode` with `mode`, shown as `path`.
    pub fn open(inode: Arc<Inode>, mode: FMode, path: impl Into<String>) -> Arc<File> {
        let id = NEXT_FILE_ID.fetch_add(1, Ordering::Relaxed);
        // file_ra_state_init: the device's window.
        let f_ra = FileRaState { ra_pages: inode.mapping.ra_pages(), ..FileRaState::default() };
        Arc::new(File { id, inode, mode, path: path.into(), f_ra: Mutex::new(f_ra), f_pos: Mutex::new(0) })
    }
}

/// A looked-up path (`struct path`): the inode and the path
/// `/proc/PID/maps` shows for it (`d_path`: symbolic links resolved, `.`
/// and `..` gone).
#[derive(Clone, Debug)]
pub struct Dentry {
    /// The file.
    pub inode: Arc<Inode>,
    /// Its canonical absolute path.
    pub path: String,
}

bitflags! {
    /// `LOOKUP_*` flags of a path walk.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct LookupFlags: u32 {
        /// Follow a symbolic link in the last component (`LOOKUP_FOLLOW`).
        const FOLLOW = 1 << 0;
        /// The last component must be a directory (`LOOKUP_DIRECTORY`).
        const DIRECTORY = 1 << 1;
    }
}

/// A mounted filesystem (`struct super_block` with its root directory).
pub trait Filesystem: Send + Sync {
    /// The filesystem type's name.
    fn type_name(&self) -> &'static str;
    /// `path_lookupat`: the file at `path` (`/`-separated, absolute or
    /// relative to the root), with its canonical path.  Symbolic links in
    /// the directories on the way are followed; one in the last component
    /// is followed with [`LookupFlags::FOLLOW`] and otherwise returned
    /// itself.  Errors as Linux's path walk gives them (`ENOENT`,
    /// `ENOTDIR`, `ELOOP`, `ENAMETOOLONG`).
    fn path_lookupat(&self, path: &str, flags: LookupFlags) -> SysResult<Dentry>;
    /// The inode at `path`, symbolic links followed.
    fn lookup(&self, path: &str) -> SysResult<Arc<Inode>> {
        self.path_lookupat(path, LookupFlags::FOLLOW).map(|d| d.inode)
    }
    /// `O_CREAT` of a path that does not exist: a new empty regular file
    /// at `path`, symbolic links in the directories followed (`EEXIST` if
    /// something is there).  Filesystems that cannot create files refuse
    /// with `EROFS`.
    fn create(&self, _path: &str) -> SysResult<Dentry> {
        Err(Errno::EROFS)
    }
    /// `O_TMPFILE`: a new unnamed regular file in the directory `dir`.
    fn tmpfile(&self, _dir: &Dentry) -> SysResult<Dentry> {
        Err(Errno::EOPNOTSUPP)
    }
    /// `mkdir`: a new empty directory at `path` (`EEXIST` if something is
    /// there, `ENOENT` if its parent is missing).  Filesystems that
    /// cannot make directories refuse with `EROFS`.
    fn mkdir(&self, _path: &str) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    /// `rename`: the file at `old` (a final symbolic link not followed)
    /// takes the name `new`, replacing what was there.  Filesystems that
    /// cannot rename refuse with `EROFS`.
    fn rename(&self, _old: &str, _new: &str) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    /// `link`: the file at `old` gets the name `new` too.  Filesystems
    /// that cannot link refuse with `EROFS`.
    fn link(&self, _old: &str, _new: &str) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    /// `unlink`: the name at `path` (a final symbolic link not followed)
    /// goes; a file still open or mapped lives on.  Directories are
    /// `EISDIR`.  Filesystems that cannot remove names refuse with
    /// `EROFS`.
    fn unlink(&self, _path: &str) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    /// `O_TRUNC` of the regular file `inode`: its size becomes 0.
    fn truncate(&self, _inode: &Arc<Inode>) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    /// Mounted read-only: files cannot be opened for writing (`EROFS`).
    fn read_only(&self) -> bool {
        false
    }
    /// Writes back every dirty page (`sync_filesystem`).
    fn sync(&self) -> SysResult<()> {
        Ok(())
    }
}

/// How a filesystem is mounted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountOptions {
    /// Write dirty pages back into the source (the image file) in place.
    /// Without it the source is opened read-only and never written:
    /// writeback keeps the data in memory, so the files still read back
    /// what was written.
    pub write_source: bool,
    /// Filesystem-specific settings, `key=value` (the `-o` of mount(8)),
    /// e.g. `fs_type=ext4` for the host filesystem.
    pub data: Vec<(String, String)>,
}

impl MountOptions {
    /// The value of setting `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.data.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// `iget_locked` for a cache of live inodes by a filesystem's key: the
/// inode for `key` if one is alive, else a new one from `make`, kept in
/// the cache (weakly: the cache never keeps an inode alive).
pub fn iget<K: std::hash::Hash + Eq>(
    cache: &Mutex<ahash::AHashMap<K, std::sync::Weak<Inode>>>,
    key: K,
    make: impl FnOnce() -> SysResult<Arc<Inode>>,
) -> SysResult<Arc<Inode>> {
    let mut inodes = cache.lock();
    if let Some(i) = inodes.get(&key).and_then(std::sync::Weak::upgrade) {
        return Ok(i);
    }
    inodes.retain(|_, w| w.strong_count() > 0);
    let inode = make()?;
    inodes.insert(key, Arc::downgrade(&inode));
    Ok(inode)
}

/// A filesystem type's constructor: `mount(sb, source, options)`.
pub type MountFn = fn(&SuperBlock, &str, MountOptions) -> Result<Arc<dyn Filesystem>, MountError>;

/// Why a filesystem could not be mounted.
#[derive(Debug, thiserror::Error)]
pub enum MountError {
    /// No filesystem type of that name is linked in.
    #[error("unknown filesystem type '{name}' (known: {})", known.join(", "))]
    UnknownType { name: String, known: Vec<&'static str> },
    /// The filesystem type refused the source or the options; the
    /// backend's own error says why.
    #[error(transparent)]
    Fs(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl MountError {
    /// A filesystem type's own mount error.
    pub fn fs(e: impl std::error::Error + Send + Sync + 'static) -> MountError {
        MountError::Fs(Box::new(e))
    }
}

/// A filesystem type in the registry: `mount` makes an instance on a
/// machine from a source (an image path; empty for in-memory types).
pub struct FileSystemType {
    /// Name, e.g. `tmpfs`, `ext4`.
    pub name: &'static str,
    /// One line for `mmsim backends`.
    pub description: &'static str,
    /// `mount(sb, source, options)`.
    pub mount: MountFn,
}

/// Filesystem types linked into the program.
#[linkme::distributed_slice]
pub static MM_FILESYSTEMS: [FileSystemType];

/// Registered filesystem type names, sorted.
pub fn filesystem_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = MM_FILESYSTEMS.iter().map(|f| f.name).collect();
    v.sort_unstable();
    v
}

/// Mounts the filesystem type `name` on `machine` from `source`.
pub fn mount(
    machine: &Arc<Machine>,
    name: &str,
    source: &str,
    options: MountOptions,
) -> Result<Arc<dyn Filesystem>, MountError> {
    let t = MM_FILESYSTEMS
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| MountError::UnknownType { name: name.to_string(), known: filesystem_names() })?;
    (t.mount)(&SuperBlock::new(machine), source, options)
}

/// `O_TRUNC` as far as the model goes: a file that no address space maps
/// gets size 0, and its cached pages (and swapped-out shmem pages) are
/// dropped, dirty or not (`truncate_pagecache` with nothing to unmap).
/// Unmapping the pages of a file that is still mapped
/// (`unmap_mapping_range`) is not modelled: such a file is refused with
/// `EBUSY`, and the trace says why.
pub fn truncate_unmapped(sb: &SuperBlock, inode: &Inode) -> SysResult<()> {
    if inode.size() == 0 {
        return Ok(());
    }
    let m = &inode.mapping;
    if !m.mappers().is_empty() {
        crate::trace_note!(
            sb.trace(),
            "do_truncate",
            "inode {}: truncating a file that is mapped is not modelled: EBUSY",
            inode.ino
        );
        return Err(Errno::EBUSY);
    }
    inode.set_size(0);
    m.truncate_inode_pages();
    crate::trace_note!(sb.trace(), "truncate_pagecache", "inode {}: size 0, its pages dropped", inode.ino);
    Ok(())
}

/// `vma_wants_writenotify` for a shared writable mapping with `vm_ops`:
/// writes must fault first so the filesystem hears of them.
pub(crate) fn wants_writenotify(vm_ops: &dyn VmOperations, file: &File) -> bool {
    vm_ops.has_page_mkwrite() || file.inode.mapping.a_ops.can_writeback()
}
