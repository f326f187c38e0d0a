//! The ext4 on-disk format, read defensively: every number the image
//! claims (block and inode counts, sizes, inode numbers, extent trees,
//! directory records) is checked before it is used, and no read is larger
//! than one block or than the caller's buffer.  A corrupt image gives an
//! [`Ext4Error`] (`EUCLEAN`, "Structure needs cleaning", as Linux's
//! `EFSCORRUPTED`), never a panic or an allocation the image sized.
//!
//! What is read: the superblock, one group descriptor and one inode at a
//! time (`__ext4_get_inode_loc`), extent trees (`ext4_find_extent`) and
//! linear directory blocks (`ext4_find_entry`; the index blocks of a
//! hashed directory look like empty records, so a linear scan finds every
//! name).  Block-mapped (ext2/ext3) files, inline data and the features
//! that change these layouts are refused with a clear error.

use mm_core::errno::Errno;
use std::collections::HashSet;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// Where the image's bytes come from.
#[derive(Debug)]
pub(crate) enum Device {
    /// An image file on the host.
    File(std::fs::File),
    /// An image held in memory.
    Memory(Arc<[u8]>),
}

impl Device {
    pub(crate) fn len(&self) -> std::io::Result<u64> {
        match self {
            Device::File(f) => Ok(f.metadata()?.len()),
            Device::Memory(m) => Ok(m.len() as u64),
        }
    }

    /// Fills `buf` from byte `off` of the image; a read past its end
    /// fails.
    pub(crate) fn read_exact_at(&self, buf: &mut [u8], off: u64) -> std::io::Result<()> {
        match self {
            Device::File(f) => f.read_exact_at(buf, off),
            Device::Memory(m) => {
                let src = usize::try_from(off)
                    .ok()
                    .and_then(|s| Some(s..s.checked_add(buf.len())?))
                    .and_then(|r| m.get(r))
                    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
                buf.copy_from_slice(src);
                Ok(())
            }
        }
    }
}

/// Why the image could not give what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ext4Error {
    /// The error number a system call reports.
    pub errno: Errno,
    /// What is wrong, for people.
    pub msg: String,
}

impl std::fmt::Display for Ext4Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.msg, self.errno.name())
    }
}

impl std::error::Error for Ext4Error {}

/// Why an image's superblock is refused (`ext4_fill_super`'s checks).
#[derive(Debug, thiserror::Error)]
pub enum SuperBlockError {
    /// The superblock could not be read.
    #[error("cannot read the superblock: {0}")]
    Read(#[source] std::io::Error),
    /// No ext4 magic number where the superblock should be.
    #[error("no ext4 superblock (bad magic number)")]
    BadMagic,
    /// The journal holds transactions not yet replayed.
    #[error("the journal needs recovery (mount it on Linux or run e2fsck first)")]
    NeedsRecovery,
    /// Incompatible features this reader does not know.
    #[error("unsupported incompatible features {unsupported:#x} (supported: {supported:#x})")]
    UnsupportedFeatures { unsupported: u64, supported: u64 },
    /// The geometry (block size, counts, group layout) is not
    /// self-consistent; the text says which number is wrong.
    #[error("{0}")]
    Geometry(String),
    /// The root directory could not be read.
    #[error("root directory: {}", .0.msg)]
    Root(#[source] Ext4Error),
    /// The root inode is not a non-empty directory.
    #[error("corrupt root inode (mode {mode:#o}, size {size}), run e2fsck")]
    CorruptRoot { mode: u64, size: u64 },
}

fn corrupt(msg: String) -> Ext4Error {
    Ext4Error { errno: Errno::EUCLEAN, msg }
}

fn le16(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes([b[at], b[at + 1]]) as u64
}

fn le32(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}

const EXT4_SUPER_MAGIC: u64 = 0xef53;
const EXT4_EXT_MAGIC: u64 = 0xf30a;
const EXT4_ROOT_INO: u32 = 2;
/// `EXT4_EXTENTS_FL`.
const EXTENTS_FL: u64 = 0x0008_0000;
/// `EXT4_INLINE_DATA_FL`.
const INLINE_DATA_FL: u64 = 0x1000_0000;
const INCOMPAT_FILETYPE: u64 = 0x2;
const INCOMPAT_RECOVER: u64 = 0x4;
const INCOMPAT_EXTENTS: u64 = 0x40;
const INCOMPAT_64BIT: u64 = 0x80;
const INCOMPAT_MMP: u64 = 0x100;
const INCOMPAT_FLEX_BG: u64 = 0x200;
const INCOMPAT_EA_INODE: u64 = 0x400;
const INCOMPAT_CSUM_SEED: u64 = 0x2000;
const INCOMPAT_LARGEDIR: u64 = 0x4000;
/// The incompatible features whose layouts this reader knows.
const INCOMPAT_SUPPORTED: u64 = INCOMPAT_FILETYPE
    | INCOMPAT_EXTENTS
    | INCOMPAT_64BIT
    | INCOMPAT_MMP
    | INCOMPAT_FLEX_BG
    | INCOMPAT_EA_INODE
    | INCOMPAT_CSUM_SEED
    | INCOMPAT_LARGEDIR;
/// The deepest extent tree Linux builds (`EXT4_MAX_EXTENT_DEPTH`).
const EXT4_MAX_EXTENT_DEPTH: u64 = 5;
/// `EXT_INIT_MAX_LEN`: a longer `ee_len` marks an unwritten extent.
const EXT_INIT_MAX_LEN: u64 = 1 << 15;

/// The superblock fields the reader uses, all checked.
#[derive(Debug)]
pub(crate) struct SuperBlock {
    pub(crate) dev: Device,
    pub(crate) block_size: u64,
    blocks_count: u64,
    first_data_block: u64,
    inodes_count: u64,
    inodes_per_group: u64,
    groups: u64,
    inode_size: u64,
    desc_size: u64,
    is_64bit: bool,
    largedir: bool,
}

/// An inode as read from the inode table.
#[derive(Clone, Debug)]
pub(crate) struct DiskInode {
    pub(crate) ino: u32,
    mode: u64,
    pub(crate) size: u64,
    flags: u64,
    i_block: [u8; 60],
}

impl DiskInode {
    pub(crate) fn is_reg(&self) -> bool {
        self.mode & 0xf000 == 0x8000
    }
    pub(crate) fn is_dir(&self) -> bool {
        self.mode & 0xf000 == 0x4000
    }
    /// `i_mode`.
    pub(crate) fn mode(&self) -> u32 {
        self.mode as u32
    }
}

/// A run of a file's blocks that lie contiguously in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Extent {
    /// First block in the file.
    pub(crate) lblk: u64,
    /// First block in the image.
    pub(crate) pblk: u64,
    /// Blocks.
    pub(crate) len: u64,
    /// Allocated but never written (reads as zeroes).
    pub(crate) unwritten: bool,
}

impl SuperBlock {
    /// `ext4_fill_super`, the checks that matter for reading: the image's
    /// geometry must be self-consistent before anything else is read.
    pub(crate) fn read_super(dev: Device) -> Result<SuperBlock, SuperBlockError> {
        let mut sb = [0u8; 1024];
        dev.read_exact_at(&mut sb, 1024).map_err(SuperBlockError::Read)?;
        if le16(&sb, 56) != EXT4_SUPER_MAGIC {
            return Err(SuperBlockError::BadMagic);
        }
        let log = le32(&sb, 24);
        if log > 6 {
            return Err(SuperBlockError::Geometry(format!("block size 2^{} is out of range", log + 10)));
        }
        let block_size = 1024u64 << log;
        let incompat = le32(&sb, 96);
        if incompat & INCOMPAT_RECOVER != 0 {
            return Err(SuperBlockError::NeedsRecovery);
        }
        if incompat & !INCOMPAT_SUPPORTED != 0 {
            return Err(SuperBlockError::UnsupportedFeatures {
                unsupported: incompat & !INCOMPAT_SUPPORTED,
                supported: INCOMPAT_SUPPORTED,
            });
        }
        let is_64bit = incompat & INCOMPAT_64BIT != 0;
        let mut blocks_count = le32(&sb, 4);
        if is_64bit {
            blocks_count |= le32(&sb, 0x150) << 32;
        }
        let first_data_block = le32(&sb, 20);
        if first_data_block != u64::from(block_size == 1024) {
            return Err(SuperBlockError::Geometry(format!(
                "first data block {first_data_block} is wrong for {block_size}-byte blocks"
            )));
        }
        if blocks_count <= first_data_block + 1 {
            return Err(SuperBlockError::Geometry(format!("{blocks_count} blocks is too few")));
        }
        // ext4's limit is 2^60 bytes (1 EiB); it also keeps every byte
        // offset of a block of the filesystem within 64 bits.
        if blocks_count.checked_mul(block_size).is_none_or(|bytes| bytes > 1 << 60) {
            return Err(SuperBlockError::Geometry(format!(
                "{blocks_count} blocks of {block_size} bytes is larger than ext4 allows"
            )));
        }
        let blocks_per_group = le32(&sb, 32);
        if blocks_per_group == 0 || blocks_per_group > 8 * block_size {
            return Err(SuperBlockError::Geometry(format!("{blocks_per_group} blocks per group is out of range")));
        }
        let inodes_count = le32(&sb, 0);
        let inodes_per_group = le32(&sb, 40);
        if inodes_per_group == 0 || inodes_per_group > 8 * block_size {
            return Err(SuperBlockError::Geometry(format!("{inodes_per_group} inodes per group is out of range")));
        }
        let groups = (blocks_count - first_data_block).div_ceil(blocks_per_group);
        if inodes_count < u64::from(EXT4_ROOT_INO) || inodes_count > groups.saturating_mul(inodes_per_group) {
            return Err(SuperBlockError::Geometry(format!(
                "{inodes_count} inodes do not fit {groups} groups of {inodes_per_group}"
            )));
        }
        let inode_size = if le32(&sb, 76) == 0 { 128 } else { le16(&sb, 88) };
        if inode_size < 128 || !inode_size.is_power_of_two() || inode_size > block_size {
            return Err(SuperBlockError::Geometry(format!("inode size {inode_size} is out of range")));
        }
        let desc_size = if is_64bit { le16(&sb, 254) } else { 32 };
        if desc_size < 32 || !desc_size.is_power_of_two() || desc_size > 1024 {
            return Err(SuperBlockError::Geometry(format!("group descriptor size {desc_size} is out of range")));
        }
        // The descriptor table must lie inside the filesystem.
        let gdt_blocks = groups.saturating_mul(desc_size).div_ceil(block_size);
        if gdt_blocks.saturating_add(first_data_block + 1) > blocks_count {
            return Err(SuperBlockError::Geometry(format!(
                "{groups} group descriptors do not fit in {blocks_count} blocks"
            )));
        }
        let largedir = incompat & INCOMPAT_LARGEDIR != 0;
        let sb = SuperBlock {
            dev,
            block_size,
            blocks_count,
            first_data_block,
            inodes_count,
            inodes_per_group,
            groups,
            inode_size,
            desc_size,
            is_64bit,
            largedir,
        };
        // The root directory must be readable.
        let root = sb.iget(EXT4_ROOT_INO).map_err(SuperBlockError::Root)?;
        // As `ext4_fill_super`: "corrupt root inode, run e2fsck".
        if !root.is_dir() || root.size == 0 {
            return Err(SuperBlockError::CorruptRoot { mode: root.mode, size: root.size });
        }
        Ok(sb)
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> Ext4Error {
        Ext4Error { errno: Errno::EIO, msg: format!("cannot read {what}: {e}") }
    }

    /// Reads `buf.len()` bytes at `off` inside block `block`, which must
    /// be a block of the filesystem.
    fn read_block_part(&self, block: u64, off: u64, buf: &mut [u8], what: &str) -> Result<(), Ext4Error> {
        if block <= self.first_data_block || block >= self.blocks_count {
            return Err(corrupt(format!("{what}: block {block} is outside the filesystem")));
        }
        self.dev.read_exact_at(buf, block * self.block_size + off).map_err(|e| self.io_error(what, e))
    }

    /// `ext4_iget`: inode `ino`, checked to be one the filesystem has.
    pub(crate) fn iget(&self, ino: u32) -> Result<DiskInode, Ext4Error> {
        let n = u64::from(ino);
        if n == 0 || n > self.inodes_count {
            return Err(corrupt(format!("inode {ino} is out of range (1..={})", self.inodes_count)));
        }
        let group = (n - 1) / self.inodes_per_group;
        let index = (n - 1) % self.inodes_per_group;
        debug_assert!(group < self.groups);
        // The group descriptor.
        let desc_off = group * self.desc_size;
        let mut gd = [0u8; 64];
        let gd = &mut gd[..self.desc_size.min(64) as usize];
        let what = format!("the descriptor of group {group}");
        self.read_block_part(
            self.first_data_block + 1 + desc_off / self.block_size,
            desc_off % self.block_size,
            gd,
            &what,
        )?;
        let mut table = le32(gd, 8);
        if self.is_64bit && self.desc_size >= 64 {
            table |= le32(gd, 0x28) << 32;
        }
        let byte = index * self.inode_size;
        let block = table.saturating_add(byte / self.block_size);
        let mut raw = [0u8; 128];
        self.read_block_part(block, byte % self.block_size, &mut raw, &format!("inode {ino}"))?;
        let mode = le16(&raw, 0);
        let mut size = le32(&raw, 4);
        let is_reg = mode & 0xf000 == 0x8000;
        // `ext4_isize`: the high half counts for files and large
        // directories only.
        if is_reg || self.largedir {
            size |= le32(&raw, 0x6c) << 32;
        }
        // `s_maxbytes`: at most 2^32 blocks.
        if size > self.block_size << 32 {
            return Err(corrupt(format!("inode {ino} claims {size} bytes, more than ext4 allows")));
        }
        let mut i_block = [0u8; 60];
        i_block.copy_from_slice(&raw[0x28..0x64]);
        Ok(DiskInode { ino, mode, size, flags: le32(&raw, 0x20), i_block })
    }

    /// The extents of `inode`, ascending and disjoint in the file, each
    /// inside the filesystem, no two sharing a block (`ext4_ext_check`
    /// for every node, and what `e2fsck` checks of a file's blocks).
    pub(crate) fn extents(&self, inode: &DiskInode) -> Result<Vec<Extent>, Ext4Error> {
        let ino = inode.ino;
        if inode.flags & INLINE_DATA_FL != 0 {
            return Err(Ext4Error {
                errno: Errno::EOPNOTSUPP,
                msg: format!("inode {ino}: inline data is not supported"),
            });
        }
        if inode.flags & EXTENTS_FL == 0 {
            // A fast symbolic link or an empty special file has no
            // blocks; a block-mapped file is not read.
            if inode.size == 0 || !(inode.is_reg() || inode.is_dir()) {
                return Ok(Vec::new());
            }
            return Err(Ext4Error {
                errno: Errno::EOPNOTSUPP,
                msg: format!("inode {ino}: block-mapped (ext2/ext3) files are not supported"),
            });
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.walk_extent_node(ino, &inode.i_block, None, &mut seen, &mut out)?;
        // Ascending, disjoint in the file (each node's entries were
        // checked ascending; this catches overlaps across nodes).
        for w in out.windows(2) {
            if w[0].lblk + w[0].len > w[1].lblk {
                return Err(corrupt(format!("inode {ino}: extents overlap at file block {}", w[1].lblk)));
            }
        }
        // No two extents share a block of the image.
        let mut by_place: Vec<(u64, u64)> = out.iter().map(|e| (e.pblk, e.len)).collect();
        by_place.sort_unstable();
        for w in by_place.windows(2) {
            if w[0].0 + w[0].1 > w[1].0 {
                return Err(corrupt(format!("inode {ino}: two extents claim block {}", w[1].0)));
            }
        }
        Ok(out)
    }

    /// One node of an extent tree: the header, then leaf extents or index
    /// entries pointing one level down.
    fn walk_extent_node(
        &self,
        ino: u32,
        node: &[u8],
        want_depth: Option<u64>,
        seen: &mut HashSet<u64>,
        out: &mut Vec<Extent>,
    ) -> Result<(), Ext4Error> {
        let bad = |what: String| corrupt(format!("inode {ino}: extent tree: {what}"));
        if le16(node, 0) != EXT4_EXT_MAGIC {
            return Err(bad("bad magic number".into()));
        }
        let entries = le16(node, 2);
        let max = le16(node, 4);
        let depth = le16(node, 6);
        if max == 0 || entries > max || 12 * (max + 1) > node.len() as u64 {
            return Err(bad(format!("{entries} of {max} entries do not fit a {}-byte node", node.len())));
        }
        if depth > EXT4_MAX_EXTENT_DEPTH || want_depth.is_some_and(|d| d != depth) {
            return Err(bad(format!("depth {depth} is wrong")));
        }
        let mut next_lblk = out.last().map_or(0, |e: &Extent| e.lblk + e.len);
        for i in 0..entries as usize {
            let e = &node[12 + 12 * i..24 + 12 * i];
            let lblk = le32(e, 0);
            if depth == 0 {
                let raw_len = le16(e, 4);
                let (len, unwritten) =
                    if raw_len > EXT_INIT_MAX_LEN { (raw_len - EXT_INIT_MAX_LEN, true) } else { (raw_len, false) };
                let pblk = le32(e, 8) | le16(e, 6) << 32;
                if len == 0 || lblk < next_lblk || lblk + len > 1 << 32 {
                    return Err(bad(format!("extent at file block {lblk} ({len} blocks) is out of order")));
                }
                if pblk <= self.first_data_block || pblk + len > self.blocks_count {
                    return Err(bad(format!("extent at block {pblk} ({len} blocks) is outside the filesystem")));
                }
                next_lblk = lblk + len;
                out.push(Extent { lblk, pblk, len, unwritten });
            } else {
                if lblk < next_lblk {
                    return Err(bad(format!("index at file block {lblk} is out of order")));
                }
                let leaf = le32(e, 4) | le16(e, 8) << 32;
                // A tree never shares a block, so a block seen twice is a
                // loop or a forged tree: this also bounds the walk by the
                // size of the image.
                if !seen.insert(leaf) {
                    return Err(bad(format!("node block {leaf} is used twice")));
                }
                let mut child = vec![0u8; self.block_size as usize];
                self.read_block_part(leaf, 0, &mut child, &format!("inode {ino}: extent block {leaf}"))?;
                self.walk_extent_node(ino, &child, Some(depth - 1), seen, out)?;
                next_lblk = out.last().map_or(next_lblk, |e| e.lblk + e.len);
            }
        }
        Ok(())
    }

    /// `ext4_find_entry`: the inode number `name` has in directory `dir`.
    fn find_entry(&self, dir: &DiskInode, name: &[u8]) -> Result<Option<u32>, Ext4Error> {
        let ino = dir.ino;
        let bs = self.block_size;
        if dir.size == 0 || !dir.size.is_multiple_of(bs) {
            return Err(corrupt(format!("directory inode {ino}: size {} is not a whole number of blocks", dir.size)));
        }
        let nblocks = dir.size / bs;
        let extents = self.extents(dir)?;
        // `ext4_bread` finds no hole in a directory.
        let mapped: u64 = extents.iter().filter(|e| e.lblk < nblocks).map(|e| e.len.min(nblocks - e.lblk)).sum();
        if mapped != nblocks || extents.iter().any(|e| e.unwritten && e.lblk < nblocks) {
            return Err(corrupt(format!(
                "directory inode {ino}: size {} but {mapped} of its {nblocks} blocks are mapped",
                dir.size
            )));
        }
        let mut block = vec![0u8; bs as usize];
        for e in extents.iter().filter(|e| e.lblk < nblocks) {
            for i in 0..e.len.min(nblocks - e.lblk) {
                let what = format!("directory inode {ino}, block {}", e.lblk + i);
                self.read_block_part(e.pblk + i, 0, &mut block, &what)?;
                if let Some(found) = self.search_dirblock(&block, name, &what)? {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// `search_dirblock` with `ext4_check_dir_entry` for every record.
    fn search_dirblock(&self, block: &[u8], name: &[u8], what: &str) -> Result<Option<u32>, Ext4Error> {
        let mut pos = 0usize;
        while pos + 8 <= block.len() {
            let rec_len = le16(block, pos + 4) as usize;
            // Record lengths of 64 KiB blocks use the low two bits.
            let rec_len = if rec_len == 0 || rec_len == 65535 { 65536 } else { rec_len };
            let name_len = block[pos + 6] as usize;
            if rec_len < 12 || !rec_len.is_multiple_of(4) || pos + rec_len > block.len() || 8 + name_len > rec_len {
                return Err(corrupt(format!("{what}: bad record at byte {pos} (length {rec_len}, name {name_len})")));
            }
            let inode = le32(block, pos) as u32;
            if inode != 0 {
                if u64::from(inode) > self.inodes_count {
                    return Err(corrupt(format!("{what}: entry names inode {inode}, out of range")));
                }
                if &block[pos + 8..pos + 8 + name_len] == name {
                    return Ok(Some(inode));
                }
            }
            pos += rec_len;
        }
        Ok(None)
    }

    /// The root directory's inode.
    pub(crate) fn root(&self) -> Result<DiskInode, Ext4Error> {
        self.iget(EXT4_ROOT_INO)
    }

    /// The entry `name` of the directory `dir` (`ENOENT` if none).
    pub(crate) fn lookup_child(&self, dir: &DiskInode, name: &[u8]) -> Result<DiskInode, Ext4Error> {
        match self.find_entry(dir, name)? {
            Some(ino) => self.iget(ino),
            None => Err(Ext4Error {
                errno: Errno::ENOENT,
                msg: format!("{}: no such entry in directory inode {}", String::from_utf8_lossy(name), dir.ino),
            }),
        }
    }

    /// `ext4_get_link`: the target of a symbolic link, from the inode
    /// itself (a fast link, under 60 bytes) or from its first block.
    pub(crate) fn readlink(&self, inode: &DiskInode) -> Result<Vec<u8>, Ext4Error> {
        let ino = inode.ino;
        // PATH_MAX with its NUL.
        if inode.size == 0 || inode.size >= 4096 {
            return Err(corrupt(format!("symbolic link inode {ino}: target of {} bytes", inode.size)));
        }
        let len = inode.size as usize;
        if inode.flags & (EXTENTS_FL | INLINE_DATA_FL) == 0 && len < inode.i_block.len() {
            return Ok(inode.i_block[..len].to_vec());
        }
        let extents = self.extents(inode)?;
        let mut out = vec![0u8; len];
        for seg in map_range(&extents, self.block_size, 0, inode.size) {
            let dst = &mut out[seg.file_off as usize..][..seg.len as usize];
            let Some(off) = seg.image_off else {
                return Err(corrupt(format!("symbolic link inode {ino}: its target has no block")));
            };
            self.dev.read_exact_at(dst, off).map_err(|e| corrupt(format!("symbolic link inode {ino}: {e}")))?;
        }
        Ok(out)
    }

    /// The inode at `path` (absolute or relative to the root; empty
    /// components are skipped, `.` and `..` are looked up as names,
    /// symbolic links are not followed).
    pub(crate) fn lookup_path(&self, path: &str) -> Result<DiskInode, Ext4Error> {
        let mut inode = self.iget(EXT4_ROOT_INO)?;
        for name in path.split('/').filter(|c| !c.is_empty()) {
            if !inode.is_dir() {
                return Err(Ext4Error { errno: Errno::ENOTDIR, msg: format!("{path}: not a directory") });
            }
            if name.len() > 255 {
                return Err(Ext4Error { errno: Errno::ENAMETOOLONG, msg: format!("{path}: name too long") });
            }
            let Some(ino) = self.find_entry(&inode, name.as_bytes())? else {
                return Err(Ext4Error { errno: Errno::ENOENT, msg: format!("{path}: no such file or directory") });
            };
            inode = self.iget(ino)?;
        }
        Ok(inode)
    }
}

/// A part of a file's byte range: in the image at `image_off`, or a hole
/// (`None`: no blocks, or unwritten ones, which read as zeroes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) file_off: u64,
    pub(crate) image_off: Option<u64>,
    pub(crate) len: u64,
}

/// The parts of `[off, off + len)` of a file with `extents` (ascending,
/// disjoint), in order; extents contiguous in both the file and the image
/// make one segment, so each run of contiguous blocks is one read.
pub(crate) fn map_range(extents: &[Extent], block_size: u64, off: u64, len: u64) -> Vec<Segment> {
    let end = off.saturating_add(len);
    let mut out: Vec<Segment> = Vec::new();
    let mut at = off;
    // The first extent that ends after `off`.
    let first = extents.partition_point(|e| (e.lblk + e.len) * block_size <= off);
    for e in &extents[first..] {
        if at >= end {
            break;
        }
        let (e_start, e_end) = (e.lblk * block_size, (e.lblk + e.len) * block_size);
        if e_start >= end {
            break;
        }
        if e_start > at {
            push_segment(&mut out, Segment { file_off: at, image_off: None, len: e_start - at });
            at = e_start;
        }
        let stop = e_end.min(end);
        let image_off = (!e.unwritten).then(|| e.pblk * block_size + (at - e_start));
        push_segment(&mut out, Segment { file_off: at, image_off, len: stop - at });
        at = stop;
    }
    if at < end {
        push_segment(&mut out, Segment { file_off: at, image_off: None, len: end - at });
    }
    out
}

fn push_segment(out: &mut Vec<Segment>, s: Segment) {
    if let Some(last) = out.last_mut() {
        let joins = match (last.image_off, s.image_off) {
            (None, None) => true,
            (Some(a), Some(b)) => a + last.len == b,
            _ => false,
        };
        if joins {
            last.len += s.len;
            return;
        }
    }
    out.push(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_extents_make_one_segment_and_holes_read_as_zeroes() {
        let ext = |lblk, pblk, len, unwritten| Extent { lblk, pblk, len, unwritten };
        let extents = [ext(0, 100, 2, false), ext(2, 102, 1, false), ext(5, 200, 2, false), ext(7, 202, 1, true)];
        let seg = |file_off, image_off, len| Segment { file_off, image_off, len };
        assert_eq!(
            map_range(&extents, 1024, 512, 10 * 1024),
            vec![
                seg(512, Some(100 * 1024 + 512), 3 * 1024 - 512),
                seg(3 * 1024, None, 2 * 1024),
                seg(5 * 1024, Some(200 * 1024), 2 * 1024),
                seg(7 * 1024, None, 3 * 1024 + 512),
            ]
        );
        assert_eq!(map_range(&extents, 1024, 6 * 1024, 100), vec![seg(6 * 1024, Some(201 * 1024), 100)]);
        assert_eq!(map_range(&[], 4096, 0, 4096), vec![seg(0, None, 4096)]);
    }
}
