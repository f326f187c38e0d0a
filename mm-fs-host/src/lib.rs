//! The host's files for mmsim: the filesystem type `host`, which serves
//! absolute paths from a host directory as if it were `/`
//! (`mmsim run --root DIR`), or from a root snapshot, a text file that
//! describes the files a log uses (`mmsim snapshot`, `--root FILE.snap`)
//! so that a test replays anywhere.
//!
//! Paths are walked as Linux walks them ([`mm_core::fs::namei`]):
//! symbolic links are followed inside the root (an absolute target starts
//! over at the root, `..` at the root stays there), with `ELOOP`,
//! `ENOTDIR`, `ENOENT` and `ENAMETOOLONG` where Linux gives them, and
//! every file shows its canonical path, as `/proc/PID/maps` does
//! (`/lib/x86_64-linux-gnu/libc.so.6` opens as
//! `/usr/lib/x86_64-linux-gnu/libc.so.6` where `/lib` links to
//! `usr/lib`).  Inodes carry the host's file type, device (`st_dev`) and
//! inode number (`st_ino`), and are cached by (device, inode): every open
//! of one host file shares one inode and one page cache.
//!
//! A regular file has its real size; its bytes are read on fault through
//! the page cache (`read_folio`/`readahead`) with positioned reads of the
//! host file, opened on the first read, read-only.  Nothing is ever
//! written to the host: writeback (`msync`, `fsync`, reclaim) keeps a
//! written page in an in-memory overlay that later reads see, and files
//! made by `O_CREAT` or `O_TMPFILE` live only in memory.  `O_TRUNC`
//! changes only the simulated size; `mkdir`, `rename`, `link` and
//! `unlink` change names in the model only.  The host is asked only `lstat`,
//! `readlink` and `statfs` for anything but a regular file: a directory,
//! device, FIFO or socket is never opened, and its descriptor cannot be
//! mapped (`ENODEV`; `/dev/zero` is mapped as Linux's `mmap_zero` does,
//! by the kernel).
//!
//! Mappings are placed as the host filesystem's `file_operations` place
//! them: ext4, xfs, btrfs, bcachefs and erofs use `thp_get_unmapped_area`
//! (a mapping of 2 MiB or more is 2 MiB-aligned), others the default; and shared
//! writable mappings of files on filesystems with `page_mkwrite` (all but
//! tmpfs) track writes.  The type comes from `statfs` of each host
//! device, from the snapshot, or from the mount setting `fs_type=NAME`
//! (`--root-fs-type`), which applies to every file.  The type also says
//! whether the page cache holds a file in large folios (ext4, xfs,
//! bcachefs and erofs in Linux 6.18; not btrfs, whose large folios are
//! experimental, nor tmpfs without `huge=`).  A snapshot's `fs` line may
//! give the device's readahead window (`ra=PAGES`, else 32 pages), and its
//! `pagecache` line the page cache at the start: the files with `c` lines
//! get those folios cached when the snapshot is mounted, and every
//! regular file keeps its inode, and so its cached pages, once looked up,
//! as the inode cache does.

mod host;
pub mod scan;
pub mod snapshot;

use ahash::AHashMap;
use host::HostDir;
use mm_core::errno::{Errno, SysResult, VmFault};
use mm_core::fault::VmFaultCtx;
use mm_core::fs::namei::{self, NameiOps, Walk};
use mm_core::fs::{
    AddressSpaceOperations, Dentry, File, FileOperations, FileSystemType, FileType, Filesystem, Inode, InodeAttr,
    LookupFlags, MM_FILESYSTEMS, MountError, MountOptions, NoMmapFile, SuperBlock, VmOperations, iget,
};
use mm_core::trace_note;
use mm_core::types::{PAGE_SIZE, Pfn};
use parking_lot::Mutex;
use snapshot::Snapshot;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

pub use host::HostRootError;
pub use snapshot::{SNAPSHOT_MAGIC, SnapshotError, SnapshotParseError, write_snapshot};

/// What `lstat` says of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    /// `st_mode & S_IFMT`.
    pub ty: FileType,
    /// `st_mode & 07777`.
    pub perm: u32,
    /// `st_dev` as (major, minor).
    pub dev: (u32, u32),
    /// `st_ino`.
    pub ino: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_rdev` of a device.
    pub rdev: (u32, u32),
}

/// The type of a host filesystem, as far as mapping its files goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsKind {
    Ext4,
    Xfs,
    Btrfs,
    Bcachefs,
    Erofs,
    Tmpfs,
    /// Anything else, by name or `statfs` magic.
    Other(String),
}

impl FsKind {
    /// From `statfs`'s `f_type`.
    pub fn from_magic(magic: u64) -> FsKind {
        match magic {
            0xef53 => FsKind::Ext4,
            0x5846_5342 => FsKind::Xfs,
            0x9123_683e => FsKind::Btrfs,
            0xca45_1a4e => FsKind::Bcachefs,
            0xe0f5_e1e2 => FsKind::Erofs,
            0x0102_1994 => FsKind::Tmpfs,
            0x9fa0 => FsKind::Other("proc".to_string()),
            0x6265_6572 => FsKind::Other("sysfs".to_string()),
            m => FsKind::Other(format!("{m:#x}")),
        }
    }

    /// From a name (`ext4`, `ext3`, `ext2`, `xfs`, `btrfs`, `erofs`,
    /// `tmpfs`; anything else is another type).
    pub fn from_name(name: &str) -> FsKind {
        match name {
            "ext4" | "ext3" | "ext2" => FsKind::Ext4,
            "xfs" => FsKind::Xfs,
            "btrfs" => FsKind::Btrfs,
            "bcachefs" => FsKind::Bcachefs,
            "erofs" => FsKind::Erofs,
            "tmpfs" | "shmem" => FsKind::Tmpfs,
            n => FsKind::Other(n.to_string()),
        }
    }

    /// The name a snapshot records.
    pub fn name(&self) -> &str {
        match self {
            FsKind::Ext4 => "ext4",
            FsKind::Xfs => "xfs",
            FsKind::Btrfs => "btrfs",
            FsKind::Bcachefs => "bcachefs",
            FsKind::Erofs => "erofs",
            FsKind::Tmpfs => "tmpfs",
            FsKind::Other(n) => n,
        }
    }

    /// Whether the type's `file_operations` place mappings with
    /// `thp_get_unmapped_area` (ext2/ext4, xfs, btrfs, bcachefs, erofs in
    /// Linux 6.18; tmpfs only with huge pages on, which is not the
    /// default).
    pub fn thp_get_unmapped_area(&self) -> bool {
        matches!(self, FsKind::Ext4 | FsKind::Xfs | FsKind::Btrfs | FsKind::Bcachefs | FsKind::Erofs)
    }

    /// Whether the type caches regular files in large folios
    /// (`mapping_set_large_folios` in Linux 6.18).
    pub fn large_folios(&self) -> bool {
        matches!(self, FsKind::Ext4 | FsKind::Xfs | FsKind::Bcachefs | FsKind::Erofs)
    }

    /// Whether the type's `vm_operations` have `page_mkwrite`.
    pub fn page_mkwrite(&self) -> bool {
        !matches!(self, FsKind::Tmpfs | FsKind::Erofs)
    }
}

/// Where the files come from.
#[derive(Debug)]
enum Source {
    /// A host directory.
    Host(HostDir),
    /// A root snapshot.
    Snapshot(Box<Snapshot>),
}

impl Source {
    fn lstat(&self, path: &[u8]) -> SysResult<Stat> {
        match self {
            Source::Host(h) => h.lstat(path),
            Source::Snapshot(s) => s.lstat(path),
        }
    }

    fn readlink(&self, path: &[u8]) -> SysResult<Vec<u8>> {
        match self {
            Source::Host(h) => h.readlink(path),
            Source::Snapshot(s) => s.readlink(path),
        }
    }

    fn fs_kind(&self, path: &[u8], dev: (u32, u32)) -> Option<FsKind> {
        match self {
            Source::Host(h) => h.fs_kind(path),
            Source::Snapshot(s) => s.fs_kind(dev),
        }
    }

    /// The readahead window of device `dev`, in pages.
    fn ra_pages(&self, dev: (u32, u32)) -> u64 {
        match self {
            Source::Host(_) => None,
            Source::Snapshot(s) => s.ra_pages(dev),
        }
        .unwrap_or(mm_core::fs::filemap::DEFAULT_RA_PAGES)
    }

    /// Whether the source gives the page cache at the start.
    fn has_pagecache(&self) -> bool {
        matches!(self, Source::Snapshot(s) if s.has_pagecache())
    }
}

/// A regular file's bytes: the source's, under what writeback put in the
/// overlay.
struct HostFile {
    /// Where the bytes are; `None` for a file made in memory.
    source: Option<Arc<Source>>,
    /// Its canonical path when first looked up.
    path: Vec<u8>,
    stat: Stat,
    /// The host file, opened on the first read.
    fd: Mutex<Option<std::fs::File>>,
    /// Pages written back, by index: the host never sees them.
    overlay: Mutex<BTreeMap<u64, Box<[u8]>>>,
}

impl std::fmt::Debug for HostFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFile").field("path", &String::from_utf8_lossy(&self.path)).finish()
    }
}

impl HostFile {
    /// Reads `buf.len()` bytes from `off` of the source (zeros where it
    /// has none).
    fn read_source(&self, off: u64, buf: &mut [u8]) -> Result<(), Errno> {
        match self.source.as_deref() {
            None => {
                buf.fill(0);
                Ok(())
            }
            Some(Source::Snapshot(s)) => {
                s.read_at(&self.path, off, buf);
                Ok(())
            }
            Some(Source::Host(h)) => {
                let mut fd = self.fd.lock();
                if fd.is_none() {
                    *fd = Some(h.open_regular(&self.path, &self.stat)?);
                }
                host::read_full_at(fd.as_ref().expect("opened above"), off, buf)
            }
        }
    }

    /// The pages from `index` on into `buf` (zeros past the end of the
    /// file), with the overlay's pages over them.
    fn read_pages(&self, inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let start = index.checked_mul(PAGE_SIZE).ok_or(Errno::EINVAL)?;
        let valid = inode.size().saturating_sub(start).min(buf.len() as u64) as usize;
        buf[valid..].fill(0);
        self.read_source(start, &mut buf[..valid])?;
        let overlay = self.overlay.lock();
        let pages = buf.len() as u64 / PAGE_SIZE;
        for (&i, page) in overlay.range(index..index + pages) {
            let at = ((i - index) * PAGE_SIZE) as usize;
            buf[at..at + PAGE_SIZE as usize].copy_from_slice(page);
        }
        Ok(())
    }
}

impl AddressSpaceOperations for HostFile {
    fn read_folio(&self, inode: &Inode, index: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.read_pages(inode, index, buf)
    }

    fn readahead(&self, inode: &Inode, start: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.read_pages(inode, start, buf)
    }

    /// Into the overlay: the host file is never written.
    fn writepage(&self, _inode: &Inode, index: u64, data: &[u8]) -> Result<(), Errno> {
        let mut page = vec![0u8; PAGE_SIZE as usize].into_boxed_slice();
        let n = data.len().min(PAGE_SIZE as usize);
        page[..n].copy_from_slice(&data[..n]);
        self.overlay.lock().insert(index, page);
        Ok(())
    }
}

/// The `vm_operations` of a host file: the generic page-cache ones, with
/// a `page_mkwrite` that accepts every page where the host filesystem has
/// one.
#[derive(Debug)]
struct HostVmOps {
    page_mkwrite: bool,
}

impl VmOperations for HostVmOps {
    fn name(&self) -> &'static str {
        "host_file_vm_ops"
    }
    fn has_page_mkwrite(&self) -> bool {
        self.page_mkwrite
    }
    fn page_mkwrite(&self, _vmf: &VmFaultCtx<'_>, _pfn: Pfn) -> VmFault {
        VmFault::empty()
    }
}

/// The `file_operations` of a regular host file.
struct HostFops {
    kind: FsKind,
}

impl FileOperations for HostFops {
    fn mmap(&self, _file: &File) -> SysResult<Arc<dyn VmOperations>> {
        Ok(Arc::new(HostVmOps { page_mkwrite: self.kind.page_mkwrite() }))
    }
    fn thp_get_unmapped_area(&self) -> bool {
        self.kind.thp_get_unmapped_area()
    }
}

/// A host file's (device, inode number).
type HostIno = ((u32, u32), u64);

/// What the walk finds.
#[derive(Clone, Debug)]
enum Node {
    /// A file of the source.
    Source(Stat),
    /// A file made in memory.
    Created(Arc<Inode>),
}

/// The `host` filesystem: a host directory or a root snapshot, never
/// written.
pub struct HostFs {
    /// What the filesystem may use of the machine.
    sb: SuperBlock,
    source: Arc<Source>,
    /// `fs_type=`: the type every file takes, instead of its own.
    forced: Option<FsKind>,
    /// Types of host devices seen so far.
    kinds: Mutex<AHashMap<(u32, u32), FsKind>>,
    /// Live inodes by host (device, inode).
    inodes: Mutex<AHashMap<HostIno, Weak<Inode>>>,
    /// With a start page cache: every regular file's inode once looked
    /// up, kept as the inode cache keeps it, with its cached pages.
    icache: Mutex<Vec<Arc<Inode>>>,
    /// Files made in memory (`O_CREAT`), by canonical path.
    created: Mutex<BTreeMap<Vec<u8>, Arc<Inode>>>,
    /// Host names unlinked in the model, by canonical path: lookups do not
    /// see them (the host keeps them).
    removed: Mutex<std::collections::BTreeSet<Vec<u8>>>,
    /// Set (for good) when a name is first made or removed in memory:
    /// until then a lookup goes straight to the host tree.
    names_changed: AtomicBool,
    /// The root, for `Debug`.
    name: String,
}

/// Why the host filesystem could not be mounted.
#[derive(Debug, thiserror::Error)]
pub enum HostMountError {
    /// `write_source` was asked for: the host is never written.
    #[error("the host filesystem is never written (--write-image is for --image)")]
    WriteSource,
    /// A mount setting other than `fs_type`.
    #[error("unknown setting '{0}' for the host filesystem (known: fs_type)")]
    UnknownSetting(String),
    /// The host directory cannot be the root.
    #[error(transparent)]
    Root(#[from] HostRootError),
    /// The snapshot file could not be read or parsed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The snapshot text given is not valid.
    #[error(transparent)]
    Parse(#[from] SnapshotParseError),
    /// The files a snapshot's `c` lines cache do not fit in memory.
    #[error("{file}: the start page cache ({pages} pages so far) does not fit in the machine's memory")]
    StartPageCacheTooLarge { file: String, pages: u64 },
    /// A file a snapshot's `c` lines cache could not be looked up.
    #[error("{file}: {}", .errno.name())]
    StartPageCacheFile { file: String, errno: Errno },
    /// A page a snapshot's `c` line caches could not be cached.
    #[error("{file}: page {index}: cannot be cached: {}", .errno.name())]
    StartPageCachePage { file: String, index: u64, errno: Errno },
}

impl std::fmt::Debug for HostFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFs").field("root", &self.name).finish()
    }
}

impl HostFs {
    /// Mounts `source`: a root snapshot (a file starting with
    /// [`SNAPSHOT_MAGIC`]) or a host directory.  `options.data` may set
    /// `fs_type=NAME`; `write_source` is refused (the host is never
    /// written).
    pub fn mount(sb: &SuperBlock, source: &str, options: &MountOptions) -> Result<Arc<HostFs>, HostMountError> {
        if options.write_source {
            return Err(HostMountError::WriteSource);
        }
        for (k, _) in &options.data {
            if k != "fs_type" {
                return Err(HostMountError::UnknownSetting(k.clone()));
            }
        }
        let forced = options.get("fs_type").map(FsKind::from_name);
        let src = if snapshot::is_snapshot(source) {
            Source::Snapshot(Box::new(Snapshot::read_file(source)?))
        } else {
            Source::Host(HostDir::new(source)?)
        };
        let fs = Self::with_source(sb, src, forced, source);
        fs.fill_start_pagecache()?;
        Ok(fs)
    }

    /// Mounts a root snapshot given as text.
    pub fn mount_snapshot(sb: &SuperBlock, text: &[u8], forced: Option<FsKind>) -> Result<Arc<HostFs>, HostMountError> {
        let fs = Self::with_source(sb, Source::Snapshot(Box::new(Snapshot::parse(text)?)), forced, "(snapshot)");
        fs.fill_start_pagecache()?;
        Ok(fs)
    }

    /// Caches the folios the snapshot's `c` lines give, before anything
    /// runs.
    fn fill_start_pagecache(&self) -> Result<(), HostMountError> {
        let Source::Snapshot(snap) = &*self.source else { return Ok(()) };
        let mut pages = 0u64;
        for (path, stat, runs) in snap.cached_files() {
            let file = || String::from_utf8_lossy(path).into_owned();
            let inode =
                self.iget(path, stat).map_err(|errno| HostMountError::StartPageCacheFile { file: file(), errno })?;
            for r in runs {
                for k in 0..r.count {
                    let index = r.first + (k << r.order);
                    let too_much = || HostMountError::StartPageCacheTooLarge { file: file(), pages };
                    if pages + (1 << r.order) > self.sb.get_num_physpages() {
                        return Err(too_much());
                    }
                    // A large folio where the mapping has none, or the
                    // allocator has no block that large: its pages.
                    let whole = inode.mapping.max_folio_order() >= r.order
                        && mm_core::fs::filemap_create_folio(&inode, index, r.order).is_ok();
                    for j in 0..if whole { 0 } else { 1u64 << r.order } {
                        if index + j >= inode.size_pages() {
                            break;
                        }
                        match mm_core::fs::filemap_create_folio(&inode, index + j, 0) {
                            Ok(()) => {}
                            Err(Errno::ENOMEM) => return Err(too_much()),
                            Err(e) => {
                                let (file, index) = (file(), index + j);
                                return Err(HostMountError::StartPageCachePage { file, index, errno: e });
                            }
                        }
                    }
                    if r.readahead {
                        // The marker of a readahead window: fault-around
                        // skips it and a fault on it starts the next one.
                        inode.mapping.folio_set_readahead(index);
                    }
                    pages += 1 << r.order;
                }
            }
        }
        if pages > 0 {
            trace_note!(self.sb.trace(), "pagecache", "{} pages cached at the start", pages);
        }
        Ok(())
    }

    fn with_source(sb: &SuperBlock, source: Source, forced: Option<FsKind>, name: &str) -> Arc<HostFs> {
        Arc::new(HostFs {
            sb: sb.clone(),
            source: Arc::new(source),
            forced,
            kinds: Mutex::new(AHashMap::new()),
            inodes: Mutex::new(AHashMap::new()),
            icache: Mutex::new(Vec::new()),
            created: Mutex::new(BTreeMap::new()),
            removed: Mutex::new(std::collections::BTreeSet::new()),
            names_changed: AtomicBool::new(false),
            name: name.to_string(),
        })
    }

    /// Whether the files come from a snapshot.
    pub fn is_snapshot(&self) -> bool {
        matches!(*self.source, Source::Snapshot(_))
    }

    /// The filesystem type of the file at `path` on device `dev`.
    fn kind(&self, path: &[u8], dev: (u32, u32)) -> FsKind {
        if let Some(k) = &self.forced {
            return k.clone();
        }
        let mut kinds = self.kinds.lock();
        if let Some(k) = kinds.get(&dev) {
            return k.clone();
        }
        let k = self.source.fs_kind(path, dev).unwrap_or(FsKind::Other("unknown".to_string()));
        trace_note!(self.sb.trace(), "statfs", "device {:x}:{:02x} is {}", dev.0, dev.1, k.name());
        kinds.insert(dev, k.clone());
        k
    }

    /// `iget`: the inode of the source file `stat` found at `path`.
    fn iget(&self, path: &[u8], stat: &Stat) -> SysResult<Arc<Inode>> {
        iget(&self.inodes, (stat.dev, stat.ino), || {
            let attr =
                InodeAttr { dev: stat.dev, i_ino: Some(stat.ino), mode: stat.ty.s_ifmt() | stat.perm, rdev: stat.rdev };
            Ok(if stat.ty == FileType::Regular {
                let kind = self.kind(path, stat.dev);
                let file = Arc::new(HostFile {
                    source: Some(self.source.clone()),
                    path: path.to_vec(),
                    stat: stat.clone(),
                    fd: Mutex::new(None),
                    overlay: Mutex::new(BTreeMap::new()),
                });
                let large = kind.large_folios();
                let inode = Inode::new_with(&self.sb, attr, stat.size, file, Arc::new(HostFops { kind }));
                if large {
                    inode.mapping.mapping_set_large_folios();
                }
                inode.mapping.set_ra_pages(self.source.ra_pages(stat.dev));
                if self.source.has_pagecache() {
                    self.icache.lock().push(inode.clone());
                }
                inode
            } else {
                let special = Arc::new(NoMmapFile { dir: stat.ty == FileType::Directory });
                Inode::new_with(&self.sb, attr, stat.size, special.clone(), special)
            })
        })
    }

    /// A new empty regular file in memory, in the directory `dir` (at
    /// `dir_path`).
    fn new_file(&self, dir: &Node, dir_path: &[u8]) -> Arc<Inode> {
        self.new_node(dir, dir_path, FileType::Regular, 0o644)
    }

    /// A new empty file of type `ty` in memory, in the directory `dir`.
    fn new_node(&self, dir: &Node, dir_path: &[u8], ty: FileType, perm: u32) -> Arc<Inode> {
        let dev = match dir {
            Node::Source(s) => s.dev,
            Node::Created(i) => i.dev,
        };
        let kind = self.kind(dir_path, dev);
        let stat = Stat { ty, perm, dev, ino: 0, size: 0, rdev: (0, 0) };
        let file = Arc::new(HostFile {
            source: None,
            path: dir_path.to_vec(),
            stat,
            fd: Mutex::new(None),
            overlay: Mutex::new(BTreeMap::new()),
        });
        let attr = InodeAttr { dev, i_ino: None, mode: ty.s_ifmt() | perm, rdev: (0, 0) };
        Inode::new_with(&self.sb, attr, 0, file, Arc::new(HostFops { kind }))
    }

    /// `rename` (`keep` false) or `link` (`keep` true) in memory.
    fn rename_or_link(&self, old: &str, new: &str, keep: bool) -> SysResult<()> {
        let (node, old_full) = namei::path_lookupat(&Walker(self), old.as_bytes(), LookupFlags::empty())?.found()?;
        let new_full = match namei::path_lookupat(&Walker(self), new.as_bytes(), LookupFlags::empty())? {
            Walk::Found { path, .. } => path,
            Walk::Missing { dir_path, name, .. } => join(&dir_path, &name),
        };
        if new_full == old_full {
            return if keep { Err(Errno::EEXIST) } else { Ok(()) };
        }
        if new_full.starts_with(&old_full) && new_full.get(old_full.len()) == Some(&b'/') {
            return Err(Errno::EINVAL);
        }
        if keep && Walker(self).file_type(&node) == FileType::Directory {
            return Err(Errno::EPERM);
        }
        let inode = match node {
            Node::Created(i) => i,
            Node::Source(st) if st.ty == FileType::Directory => return Err(Errno::EOPNOTSUPP),
            Node::Source(st) => self.iget(&old_full, &st)?,
        };
        let mut created = self.created.lock();
        self.names_changed.store(true, Ordering::Release);
        if keep {
            created.insert(new_full, inode);
            return Ok(());
        }
        // What was under `old` (a directory made in memory) moves along.
        let mut prefix = old_full.clone();
        prefix.push(b'/');
        let under: Vec<Vec<u8>> =
            created.range(prefix.clone()..).map(|(k, _)| k.clone()).take_while(|k| k.starts_with(&prefix)).collect();
        for k in under {
            if let Some(i) = created.remove(&k) {
                let mut moved = new_full.clone();
                moved.extend_from_slice(&k[old_full.len()..]);
                created.insert(moved, i);
            }
        }
        created.remove(&old_full);
        created.insert(new_full, inode);
        self.removed.lock().insert(old_full);
        Ok(())
    }

    fn dentry(&self, node: Node, path: Vec<u8>) -> SysResult<Dentry> {
        let inode = match node {
            Node::Source(stat) => self.iget(&path, &stat)?,
            Node::Created(i) => i,
        };
        Ok(Dentry { inode, path: String::from_utf8_lossy(&path).into_owned() })
    }
}

/// `dir_path/name`.
fn join(dir_path: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir_path.to_vec();
    if p != b"/" {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// The path walk's view of a [`HostFs`].
struct Walker<'a>(&'a HostFs);

impl NameiOps for Walker<'_> {
    type Node = Node;
    fn root(&self) -> SysResult<Node> {
        self.0.source.lstat(b"/").map(Node::Source)
    }
    fn lookup_child(&self, _dir: &Node, path: &[u8], _name: &[u8]) -> SysResult<Node> {
        if self.0.names_changed.load(Ordering::Acquire) {
            if let Some(i) = self.0.created.lock().get(path) {
                return Ok(Node::Created(i.clone()));
            }
            if self.0.removed.lock().contains(path) {
                return Err(Errno::ENOENT);
            }
        }
        self.0.source.lstat(path).map(Node::Source)
    }
    fn file_type(&self, node: &Node) -> FileType {
        match node {
            Node::Source(s) => s.ty,
            Node::Created(i) => i.file_type(),
        }
    }
    fn readlink(&self, _node: &Node, path: &[u8]) -> SysResult<Vec<u8>> {
        self.0.source.readlink(path)
    }
}

impl Filesystem for HostFs {
    fn type_name(&self) -> &'static str {
        "host"
    }

    fn path_lookupat(&self, path: &str, flags: LookupFlags) -> SysResult<Dentry> {
        let (node, path) = namei::path_lookupat(&Walker(self), path.as_bytes(), flags)?.found()?;
        self.dentry(node, path)
    }

    /// A new empty file in memory where the walk (symbolic links
    /// followed) ends; the host is not touched.
    fn create(&self, path: &str) -> SysResult<Dentry> {
        match namei::path_lookupat(&Walker(self), path.as_bytes(), LookupFlags::FOLLOW)? {
            Walk::Found { .. } => Err(Errno::EEXIST),
            Walk::Missing { dir, dir_path, name } => {
                if path.ends_with('/') {
                    return Err(Errno::EISDIR);
                }
                if name.len() > namei::NAME_MAX {
                    return Err(Errno::ENAMETOOLONG);
                }
                let inode = self.new_file(&dir, &dir_path);
                let full = join(&dir_path, &name);
                self.created.lock().insert(full.clone(), inode.clone());
                self.names_changed.store(true, Ordering::Release);
                Ok(Dentry { inode, path: String::from_utf8_lossy(&full).into_owned() })
            }
        }
    }

    /// A directory in memory; the host is not touched.
    fn mkdir(&self, path: &str) -> SysResult<()> {
        match namei::path_lookupat(&Walker(self), path.as_bytes(), LookupFlags::empty())? {
            Walk::Found { .. } => Err(Errno::EEXIST),
            Walk::Missing { dir, dir_path, name } => {
                if name.len() > namei::NAME_MAX {
                    return Err(Errno::ENAMETOOLONG);
                }
                let full = join(&dir_path, &name);
                let inode = self.new_node(&dir, &dir_path, FileType::Directory, 0o755);
                self.created.lock().insert(full, inode);
                self.names_changed.store(true, Ordering::Release);
                Ok(())
            }
        }
    }

    /// In memory only: a file made in memory moves (a directory with
    /// everything in it), a host file is hidden at `old` and shown at
    /// `new`; a host directory is not moved (`EOPNOTSUPP`).  The host is
    /// not touched.
    fn rename(&self, old: &str, new: &str) -> SysResult<()> {
        self.rename_or_link(old, new, false)
    }

    /// In memory only: the file at `old` gets the name `new` too (a
    /// directory is `EPERM`); the host is not touched.
    fn link(&self, old: &str, new: &str) -> SysResult<()> {
        self.rename_or_link(old, new, true)
    }

    /// The name goes from the model only: a file made in memory is
    /// forgotten, a host file hidden; the host is not touched.
    fn unlink(&self, path: &str) -> SysResult<()> {
        let (node, canonical) = namei::path_lookupat(&Walker(self), path.as_bytes(), LookupFlags::empty())?.found()?;
        if Walker(self).file_type(&node) == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        let full = canonical;
        self.created.lock().remove(&full);
        self.removed.lock().insert(full);
        self.names_changed.store(true, Ordering::Release);
        Ok(())
    }

    /// An unnamed file in memory, shown as `DIR/#INO (deleted)`.
    fn tmpfile(&self, dir: &Dentry) -> SysResult<Dentry> {
        let node = Node::Created(dir.inode.clone());
        let inode = self.new_file(&node, dir.path.as_bytes());
        let sep = if dir.path.ends_with('/') { "" } else { "/" };
        let path = format!("{}{sep}#{} (deleted)", dir.path, inode.i_ino);
        Ok(Dentry { inode, path })
    }

    /// The simulated size becomes 0; the host file stays as it is.
    fn truncate(&self, inode: &Arc<Inode>) -> SysResult<()> {
        mm_core::fs::truncate_unmapped(&self.sb, inode)
    }

    /// Writes every dirty page of every live file back into its overlay.
    fn sync(&self) -> SysResult<()> {
        let live: Vec<Arc<Inode>> = self.inodes.lock().values().filter_map(Weak::upgrade).collect();
        let created: Vec<Arc<Inode>> = self.created.lock().values().cloned().collect();
        for inode in live.iter().chain(&created) {
            inode.mapping.filemap_write_and_wait_range(inode, 0, u64::MAX)?;
        }
        Ok(())
    }
}

fn mount_host(sb: &SuperBlock, source: &str, options: MountOptions) -> Result<Arc<dyn Filesystem>, MountError> {
    Ok(HostFs::mount(sb, source, &options).map_err(MountError::fs)?)
}

#[linkme::distributed_slice(MM_FILESYSTEMS)]
static HOST: FileSystemType = FileSystemType {
    name: "host",
    description: "a host directory as / (--root DIR), or a root snapshot (--root FILE.snap); never written",
    mount: mount_host,
};
