//! Flag sets with the kernel's names and values: protections and mmap flags
//! as user space passes them, VMA flags (`vm_flags`), fault flags and page
//! flags as the kernel keeps them.

use bitflags::bitflags;

bitflags! {
    /// `PROT_*` bits of mmap(2) and mprotect(2).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Prot: u64 {
        const READ = 0x1;
        const WRITE = 0x2;
        const EXEC = 0x4;
        const GROWSDOWN = 0x0100_0000;
        const GROWSUP = 0x0200_0000;
    }
}

impl Prot {
    /// `PROT_NONE`.
    pub const NONE: Prot = Prot::empty();
}

bitflags! {
    /// `MAP_*` flags of mmap(2), x86-64 values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct MapFlags: u64 {
        const SHARED = 0x01;
        const PRIVATE = 0x02;
        const FIXED = 0x10;
        const ANONYMOUS = 0x20;
        /// `MAP_32BIT`: placed in the 2nd GiB (x86-64).
        const BIT32 = 0x40;
        const GROWSDOWN = 0x0100;
        const DENYWRITE = 0x0800;
        const EXECUTABLE = 0x1000;
        const LOCKED = 0x2000;
        const NORESERVE = 0x4000;
        const POPULATE = 0x8000;
        const NONBLOCK = 0x0001_0000;
        const STACK = 0x0002_0000;
        const HUGETLB = 0x0004_0000;
        const SYNC = 0x0008_0000;
        const FIXED_NOREPLACE = 0x0010_0000;
    }
}

impl MapFlags {
    /// `MAP_TYPE`: the bits that select shared / private / shared-validate.
    pub const TYPE_MASK: u64 = 0x0f;
    /// `MAP_SHARED_VALIDATE`.
    pub const SHARED_VALIDATE: u64 = 0x03;
    /// `MAP_DROPPABLE`: private anonymous memory reclaim may drop (a
    /// `MAP_TYPE` value).
    pub const DROPPABLE: u64 = 0x08;
    /// `MAP_HUGE_SHIFT`: where a hugetlb mapping's page-size log sits.
    pub const HUGE_SHIFT: u32 = 26;
    /// `MAP_HUGE_MASK`.
    pub const HUGE_MASK: u64 = 0x3f;
}

/// `open(2)` flags, x86-64 values (include/uapi/asm-generic/fcntl.h), by
/// the names strace prints; composite names (`O_SYNC`, `O_TMPFILE`) come
/// before their parts so that a printer matches them first.
pub mod open_flags {
    pub const O_RDONLY: u64 = 0;
    pub const O_WRONLY: u64 = 0o1;
    pub const O_RDWR: u64 = 0o2;
    /// `O_ACCMODE`.
    pub const O_ACCMODE: u64 = 0o3;
    pub const O_CREAT: u64 = 0o100;
    pub const O_EXCL: u64 = 0o200;
    pub const O_NOCTTY: u64 = 0o400;
    pub const O_TRUNC: u64 = 0o1000;
    pub const O_APPEND: u64 = 0o2000;
    pub const O_NONBLOCK: u64 = 0o4000;
    pub const O_DSYNC: u64 = 0o10000;
    pub const FASYNC: u64 = 0o20000;
    pub const O_DIRECT: u64 = 0o40000;
    pub const O_LARGEFILE: u64 = 0o100000;
    pub const O_DIRECTORY: u64 = 0o200000;
    pub const O_NOFOLLOW: u64 = 0o400000;
    pub const O_NOATIME: u64 = 0o1000000;
    pub const O_CLOEXEC: u64 = 0o2000000;
    pub const __O_SYNC: u64 = 0o4000000;
    pub const O_SYNC: u64 = __O_SYNC | O_DSYNC;
    pub const O_PATH: u64 = 0o10000000;
    pub const __O_TMPFILE: u64 = 0o20000000;
    pub const O_TMPFILE: u64 = __O_TMPFILE | O_DIRECTORY;

    /// Every name with its bits.
    pub const OPEN_FLAG_NAMES: &[(&str, u64)] = &[
        ("O_RDONLY", O_RDONLY),
        ("O_WRONLY", O_WRONLY),
        ("O_RDWR", O_RDWR),
        ("O_ACCMODE", O_ACCMODE),
        ("O_SYNC", O_SYNC),
        ("O_TMPFILE", O_TMPFILE),
        ("O_CREAT", O_CREAT),
        ("O_EXCL", O_EXCL),
        ("O_NOCTTY", O_NOCTTY),
        ("O_TRUNC", O_TRUNC),
        ("O_APPEND", O_APPEND),
        ("O_NONBLOCK", O_NONBLOCK),
        ("O_NDELAY", O_NONBLOCK),
        ("O_DSYNC", O_DSYNC),
        ("O_ASYNC", FASYNC),
        ("FASYNC", FASYNC),
        ("O_DIRECT", O_DIRECT),
        ("O_LARGEFILE", O_LARGEFILE),
        ("O_DIRECTORY", O_DIRECTORY),
        ("O_NOFOLLOW", O_NOFOLLOW),
        ("O_NOATIME", O_NOATIME),
        ("O_CLOEXEC", O_CLOEXEC),
        ("__O_SYNC", __O_SYNC),
        ("O_PATH", O_PATH),
        ("__O_TMPFILE", __O_TMPFILE),
    ];
}

bitflags! {
    /// `MREMAP_*` flags of mremap(2).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct MremapFlags: u64 {
        const MAYMOVE = 1;
        const FIXED = 2;
        const DONTUNMAP = 4;
    }
}

bitflags! {
    /// `MS_*` flags of msync(2).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct MsyncFlags: u64 {
        const ASYNC = 1;
        const INVALIDATE = 2;
        const SYNC = 4;
    }
}

bitflags! {
    /// `vm_flags` of a VMA (include/linux/mm.h), with the kernel's bit values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct VmFlags: u64 {
        const READ = 0x0000_0001;
        const WRITE = 0x0000_0002;
        const EXEC = 0x0000_0004;
        const SHARED = 0x0000_0008;
        const MAYREAD = 0x0000_0010;
        const MAYWRITE = 0x0000_0020;
        const MAYEXEC = 0x0000_0040;
        const MAYSHARE = 0x0000_0080;
        const GROWSDOWN = 0x0000_0100;
        const UFFD_MISSING = 0x0000_0200;
        const PFNMAP = 0x0000_0400;
        const UFFD_WP = 0x0000_1000;
        const LOCKED = 0x0000_2000;
        const IO = 0x0000_4000;
        const SEQ_READ = 0x0000_8000;
        const RAND_READ = 0x0001_0000;
        const DONTCOPY = 0x0002_0000;
        const DONTEXPAND = 0x0004_0000;
        const LOCKONFAULT = 0x0008_0000;
        const ACCOUNT = 0x0010_0000;
        const NORESERVE = 0x0020_0000;
        const HUGETLB = 0x0040_0000;
        const SYNC = 0x0080_0000;
        const ARCH_1 = 0x0100_0000;
        const WIPEONFORK = 0x0200_0000;
        const DONTDUMP = 0x0400_0000;
        const SOFTDIRTY = 0x0800_0000;
        const MIXEDMAP = 0x1000_0000;
        const HUGEPAGE = 0x2000_0000;
        const NOHUGEPAGE = 0x4000_0000;
        const MERGEABLE = 0x8000_0000;
        /// `VM_DROPPABLE` (`VM_HIGH_ARCH_BIT_8` on 64-bit).
        const DROPPABLE = 1 << 40;
    }
}

impl VmFlags {
    /// `VM_ACCESS_FLAGS`: read, write or exec.
    pub const ACCESS_FLAGS: VmFlags = VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::EXEC);
    /// `VM_SPECIAL`: mappings that are never merged or expanded.
    pub const SPECIAL: VmFlags = VmFlags::IO.union(VmFlags::DONTEXPAND).union(VmFlags::PFNMAP).union(VmFlags::MIXEDMAP);
    /// `VM_LOCKED_MASK`: what `mlock` sets and `munlock` clears.
    pub const LOCKED_MASK: VmFlags = VmFlags::LOCKED.union(VmFlags::LOCKONFAULT);
    /// `VM_INIT_DEF_MASK`: the `def_flags` a child's address space keeps.
    pub const INIT_DEF_MASK: VmFlags = VmFlags::NOHUGEPAGE;
    /// `VM_IGNORE_MERGE`: flags that do not stop two VMAs from merging.
    pub const IGNORE_MERGE: VmFlags = VmFlags::SOFTDIRTY;
    /// `VM_STACK` on x86-64 (stacks grow down).
    pub const STACK: VmFlags = VmFlags::GROWSDOWN;
    /// `VM_DATA_DEFAULT_FLAGS` / `VM_STACK_DEFAULT_FLAGS` on x86-64 with a
    /// non-executable stack.
    pub const DATA_DEFAULT: VmFlags =
        VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE).union(VmFlags::MAYEXEC);

    /// The four permission characters of a `/proc/PID/maps` line.
    pub fn maps_perms(self) -> [u8; 4] {
        [
            if self.contains(VmFlags::READ) { b'r' } else { b'-' },
            if self.contains(VmFlags::WRITE) { b'w' } else { b'-' },
            if self.contains(VmFlags::EXEC) { b'x' } else { b'-' },
            if self.contains(VmFlags::MAYSHARE) { b's' } else { b'p' },
        ]
    }
}

bitflags! {
    /// `FAULT_FLAG_*` (include/linux/mm_types.h).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FaultFlags: u32 {
        const WRITE = 1 << 0;
        const MKWRITE = 1 << 1;
        const ALLOW_RETRY = 1 << 2;
        const RETRY_NOWAIT = 1 << 3;
        const KILLABLE = 1 << 4;
        const TRIED = 1 << 5;
        const USER = 1 << 6;
        const REMOTE = 1 << 7;
        const INSTRUCTION = 1 << 8;
        const INTERRUPTIBLE = 1 << 9;
        const UNSHARE = 1 << 10;
        const ORIG_PTE_VALID = 1 << 11;
        const VMA_LOCK = 1 << 12;
    }
}

bitflags! {
    /// Page flags (`enum pageflags`, include/linux/page-flags.h); bit
    /// numbers follow the kernel's order.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PageFlags: u64 {
        const LOCKED = 1 << 0;
        const WRITEBACK = 1 << 1;
        const REFERENCED = 1 << 2;
        const UPTODATE = 1 << 3;
        const DIRTY = 1 << 4;
        const LRU = 1 << 5;
        const HEAD = 1 << 6;
        const WAITERS = 1 << 7;
        const ACTIVE = 1 << 8;
        const WORKINGSET = 1 << 9;
        const OWNER_PRIV_1 = 1 << 10;
        /// `PG_swapcache`: the page is in the swap cache and `private`
        /// holds its swap entry (an alias of `PG_owner_priv_1` for
        /// swap-backed pages).
        const SWAPCACHE = 1 << 10;
        const OWNER_2 = 1 << 11;
        const RESERVED = 1 << 12;
        const PRIVATE = 1 << 13;
        const PRIVATE_2 = 1 << 14;
        const RECLAIM = 1 << 15;
        /// `PG_readahead`: the page that starts the next readahead window
        /// (the same bit as `PG_reclaim`, as in the kernel).
        const READAHEAD = 1 << 15;
        const SWAPBACKED = 1 << 16;
        const UNEVICTABLE = 1 << 17;
        const MLOCKED = 1 << 18;
        /// `PG_anon_exclusive` (an alias of `PG_mappedtodisk` for anon pages).
        const ANON_EXCLUSIVE = 1 << 19;
        /// The frame holds a page table (`PageTable()`, a page type in the
        /// kernel).
        const PGTABLE = 1 << 24;
        /// The frame is owned by the page allocator (`PageBuddy()`).
        const BUDDY = 1 << 25;
        /// A tail page of a large anonymous folio (bit 0 of the kernel's
        /// `compound_head`): its head is the page at the folio's natural
        /// alignment, which carries `PG_head`.
        const TAIL = 1 << 26;
        /// `PG_large_rmappable`, on the head of a large folio kept whole:
        /// its pages share the head's reference count, map counts and
        /// place on the reclaim lists, and its order is in the second
        /// page's `private` word ([`PhysMem::folio_order`](crate::phys::PhysMem::folio_order)).
        /// The model clears it when the folio's pages come to live apart
        /// (each with its own counts, once a PMD leaf mapping it is split).
        const LARGE_RMAPPABLE = 1 << 27;
    }
}

macro_rules! advice {
    ($($variant:ident = $raw:literal => $name:literal,)*) => {
        /// madvise(2) advice values (include/uapi/asm-generic/mman-common.h).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Advice {
            $($variant,)*
        }

        impl Advice {
            /// Every advice, in `MADV_*` number order.
            pub const ALL: &'static [Advice] = &[$(Advice::$variant,)*];

            /// The advice for a raw `MADV_*` number.
            pub fn from_raw(v: u64) -> Option<Advice> {
                match v {
                    $($raw => Some(Advice::$variant),)*
                    _ => None,
                }
            }

            /// The `MADV_*` number.
            pub const fn raw(self) -> u64 {
                match self {
                    $(Advice::$variant => $raw,)*
                }
            }

            /// The `MADV_*` name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Advice::$variant => $name,)*
                }
            }
        }
    };
}

advice! {
    Normal = 0 => "MADV_NORMAL",
    Random = 1 => "MADV_RANDOM",
    Sequential = 2 => "MADV_SEQUENTIAL",
    WillNeed = 3 => "MADV_WILLNEED",
    DontNeed = 4 => "MADV_DONTNEED",
    Free = 8 => "MADV_FREE",
    Remove = 9 => "MADV_REMOVE",
    DontFork = 10 => "MADV_DONTFORK",
    DoFork = 11 => "MADV_DOFORK",
    Mergeable = 12 => "MADV_MERGEABLE",
    Unmergeable = 13 => "MADV_UNMERGEABLE",
    HugePage = 14 => "MADV_HUGEPAGE",
    NoHugePage = 15 => "MADV_NOHUGEPAGE",
    DontDump = 16 => "MADV_DONTDUMP",
    DoDump = 17 => "MADV_DODUMP",
    WipeOnFork = 18 => "MADV_WIPEONFORK",
    KeepOnFork = 19 => "MADV_KEEPONFORK",
    Cold = 20 => "MADV_COLD",
    PageOut = 21 => "MADV_PAGEOUT",
    PopulateRead = 22 => "MADV_POPULATE_READ",
    PopulateWrite = 23 => "MADV_POPULATE_WRITE",
    DontNeedLocked = 24 => "MADV_DONTNEED_LOCKED",
    Collapse = 25 => "MADV_COLLAPSE",
    HwPoison = 100 => "MADV_HWPOISON",
    SoftOffline = 101 => "MADV_SOFT_OFFLINE",
    GuardInstall = 102 => "MADV_GUARD_INSTALL",
    GuardRemove = 103 => "MADV_GUARD_REMOVE",
}

impl Advice {
    /// The advice for the `int behavior` argument of madvise(2): the low
    /// 32 bits of the register, as the kernel reads it.
    pub fn from_syscall_arg(v: u64) -> Option<Advice> {
        Advice::from_raw(u64::from(v as u32))
    }

    /// `madvise_behavior_valid` of the reference kernel's configuration
    /// (`CONFIG_KSM`, `CONFIG_TRANSPARENT_HUGEPAGE`, no
    /// `CONFIG_MEMORY_FAILURE`): every advice but `MADV_HWPOISON` and
    /// `MADV_SOFT_OFFLINE`.  Other numbers are not advice at all.
    pub fn valid_on_linux(self) -> bool {
        !matches!(self, Advice::HwPoison | Advice::SoftOffline)
    }
}

/// The kind of memory access the simulated CPU performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// Joins the set flag names with a prefix: `PROT_READ|PROT_WRITE`.
fn prefixed<F: bitflags::Flags>(f: &F, prefix: &str, none: &str) -> String {
    let names: Vec<String> = f.iter_names().map(|(n, _)| format!("{prefix}{n}")).collect();
    if names.is_empty() { none.to_string() } else { names.join("|") }
}

impl Prot {
    /// `PROT_READ|PROT_WRITE`, or `PROT_NONE`.
    pub fn names(&self) -> String {
        prefixed(self, "PROT_", "PROT_NONE")
    }
}

impl MapFlags {
    /// `MAP_PRIVATE|MAP_ANONYMOUS...`.
    pub fn names(&self) -> String {
        prefixed(self, "MAP_", "0")
    }
}

impl VmFlags {
    /// `VM_READ|VM_WRITE|...`.
    pub fn names(&self) -> String {
        prefixed(self, "VM_", "0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_round_trips() {
        for raw in 0..128 {
            if let Some(a) = Advice::from_raw(raw) {
                assert_eq!(a.raw(), raw);
            }
        }
        assert_eq!(Advice::ALL.len(), 27);
        assert_eq!(Advice::from_syscall_arg(0x1_0000_0066), Some(Advice::GuardInstall));
        assert_eq!(Advice::from_syscall_arg(0xffff_ffff), None);
        assert!(Advice::ALL.iter().all(|a| Advice::from_raw(a.raw()) == Some(*a)));
        assert_eq!(Advice::PageOut.name(), "MADV_PAGEOUT");
    }

    #[test]
    fn maps_perms_spelling() {
        let f = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYSHARE;
        assert_eq!(&f.maps_perms(), b"rw-s");
        assert_eq!(&VmFlags::empty().maps_perms(), b"---p");
    }
}
