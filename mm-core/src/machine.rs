//! The simulated machine: physical memory, the page allocator, the
//! page-table format, the CPUs with their MMUs, and the global kernel state
//! that every address space shares (the zero page, tunables, counters,
//! tracing).

use crate::alloc::{AllocatorConfig, Gfp, MM_PAGE_ALLOCATORS, PageAllocator};
use crate::arch::{Asid, MM_PAGE_TABLE_FORMATS, Mmu, PageTableFormat, TlbConfig, TlbStats};
use crate::flags::PageFlags;
use crate::mm::MmStruct;
use crate::phys::{PhysMem, PhysMemError};
use crate::spinlock::SpinLock;
use crate::swap::{Swap, SwapDevice, SwapDeviceConfig, SwapDeviceError, SwaponError, new_swap_device};
use crate::trace::Tracer;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::vmscan::{Lruvec, MM_RECLAIM_POLICIES, ReclaimPolicy, Watermarks, reclaim_policy_names};
use crate::vmstat::{VmEvent, VmStat};
use crate::{trace_enter, trace_note};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Kernel settings that decide behaviour (sysctls, rlimits, config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunables {
    /// Lowest address mmap searches and hints may use: the larger of the
    /// sysctl and `CONFIG_LSM_MMAP_MIN_ADDR` (65536 on the reference
    /// machine).
    pub mmap_min_addr: u64,
    /// `vm.mmap_min_addr`: `MAP_FIXED` below it needs `CAP_SYS_RAWIO`.
    pub dac_mmap_min_addr: u64,
    /// The process has `CAP_SYS_RAWIO` (the reference runner is root).
    pub cap_sys_rawio: bool,
    /// The process has `CAP_IPC_LOCK` (the reference runner is root):
    /// `mlock` is not held to `rlimit_memlock`.
    pub cap_ipc_lock: bool,
    /// `RLIMIT_MEMLOCK` in bytes (`u64::MAX` for unlimited).
    pub rlimit_memlock: u64,
    /// `vm.max_map_count`.
    pub max_map_count: usize,
    /// `stack_guard_gap` in bytes (256 pages).
    pub stack_guard_gap: u64,
    /// `RLIMIT_STACK`.
    pub rlimit_stack: u64,
    /// `RLIMIT_DATA` (`u64::MAX` for unlimited).
    pub rlimit_data: u64,
    /// `RLIMIT_AS` (`u64::MAX` for unlimited).
    pub rlimit_as: u64,
    /// `vm.overcommit_memory` (0 heuristic, 1 always, 2 never).
    pub overcommit_memory: u32,
    /// Ranges of more pages than this are flushed whole
    /// (`tlb_single_page_flush_ceiling`).
    pub tlb_single_page_flush_ceiling: u64,
    /// Where the program break starts (`mm->start_brk`).
    pub brk_base: u64,
    /// `fault_around_bytes` (debugfs): the block a read fault on a file
    /// maps the cached pages of; one page turns fault-around off.
    pub fault_around_bytes: u64,
    /// `vm.swappiness`: how readily anonymous pages are reclaimed next to
    /// file pages (0 to 200).
    pub swappiness: u64,
    /// `vm.page-cluster`: swap-in readahead reads up to `2^page_cluster`
    /// pages (0 turns it off).
    pub page_cluster: u32,
    /// `vm.min_free_kbytes`; `None` for the kernel's default
    /// (`sqrt(16 * RAM in kB)`, clamped to 128..=262144).
    pub min_free_kbytes: Option<u64>,
    /// `vm.watermark_scale_factor`: the distance between watermarks, in
    /// ten-thousandths of memory.
    pub watermark_scale_factor: u64,
    /// `/sys/kernel/mm/transparent_hugepage/enabled`: where anonymous
    /// faults may map 2 MiB folios with one PMD leaf.
    pub thp_enabled: ThpEnabled,
    /// `/sys/kernel/mm/transparent_hugepage/use_zero_page`: a read fault
    /// in a THP-eligible region maps the huge zero folio.
    pub thp_use_zero_page: bool,
    /// `transparent_hugepage/hugepages-2048kB/enabled`: the PMD size's
    /// own setting; `None` is `inherit` (the global `thp_enabled`).
    pub thp_enabled_2048k: Option<ThpEnabled>,
    /// `transparent_hugepage/hugepages-NkB/enabled` of the anonymous mTHP
    /// sizes below the PMD size, 16 kB (order 2) to 1024 kB (order 8),
    /// in that order ([`MTHP_SIZES_KB`]); `None` is `inherit`.  All are
    /// `never` by default, as on the reference machine.
    pub thp_enabled_mthp: [Option<ThpEnabled>; MTHP_SIZES_KB.len()],
    /// `transparent_hugepage/defrag`: how a THP fault's allocation may
    /// reclaim (`vma_thp_gfp_mask`).
    pub thp_defrag: ThpDefrag,
    /// `transparent_hugepage/khugepaged/defrag`: khugepaged's allocations
    /// may reclaim and compact directly (`GFP_TRANSHUGE`, else
    /// `GFP_TRANSHUGE_LIGHT`).
    pub khugepaged_defrag: bool,
    /// `khugepaged/max_ptes_none`: empty or zero-page entries a block
    /// khugepaged collapses may have (0 to 511).
    pub khugepaged_max_ptes_none: u32,
    /// `khugepaged/max_ptes_swap`: swap entries it may have.
    pub khugepaged_max_ptes_swap: u32,
    /// `khugepaged/max_ptes_shared`: pages mapped by other address spaces
    /// too that it may have.
    pub khugepaged_max_ptes_shared: u32,
    /// `khugepaged/pages_to_scan`: the work of one wakeup (a block counts
    /// 512, an address space and a VMA passed over 1 each).
    pub khugepaged_pages_to_scan: u32,
    /// `khugepaged/scan_sleep_millisecs`: the pause between wakeups (the
    /// simulator has no clock: a `khugepaged` line runs the wakeups).
    pub khugepaged_scan_sleep_millisecs: u32,
    /// `khugepaged/alloc_sleep_millisecs`: the pause after a failed
    /// allocation (kept, not waited).
    pub khugepaged_alloc_sleep_millisecs: u32,
    /// `transparent_hugepage/shmem_enabled`: huge pages of shared
    /// anonymous memory and memfd (the internal shm mount's `huge=`), and
    /// `deny`/`force` for every tmpfs mount.
    pub thp_shmem_enabled: ShmemHuge,
    /// The `huge=` mount option of the tmpfs that scenario files live on.
    pub tmpfs_huge: ShmemHuge,
    /// (v1.8) Where scenario files live: tmpfs (the default), or a disk
    /// filesystem (ext4) with nothing of them cached at the start.
    pub files_on: FilesOn,
    /// (v1.8) `read_ahead_kb` of the device under the disk filesystem of
    /// `files_on=ext4`: its readahead window (`bdi->ra_pages`), in KiB.
    pub read_ahead_kb: u64,
}

/// (v1.8) The filesystem scenario files (`file` lines) live on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FilesOn {
    /// tmpfs: written and cached whole, in order-0 folios unless
    /// `tmpfs_huge` says otherwise.
    #[default]
    Tmpfs,
    /// ext4: written, synced and dropped from the cache, so the first
    /// faults read them through readahead, in large folios.
    Ext4,
}

impl FilesOn {
    /// The name the `files_on` key takes.
    pub fn name(self) -> &'static str {
        match self {
            FilesOn::Tmpfs => "tmpfs",
            FilesOn::Ext4 => "ext4",
        }
    }
}

/// A tmpfs mount's `huge=` option and `transparent_hugepage/shmem_enabled`
/// (mm/shmem.c `SHMEM_HUGE_*`): `deny` and `force` only in the latter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ShmemHuge {
    /// No huge pages (the default of both).
    #[default]
    Never,
    /// A huge page wherever one fits.
    Always,
    /// Only a huge page that lies wholly inside the file's size, or where
    /// `MADV_HUGEPAGE` asks.
    WithinSize,
    /// Only where `MADV_HUGEPAGE` asks.
    Advise,
    /// No huge pages on any mount (`shmem_enabled` only).
    Deny,
    /// Huge pages on every mount (`shmem_enabled` only).
    Force,
}

impl ShmemHuge {
    /// The name sysfs and the mount option use.
    pub fn name(self) -> &'static str {
        match self {
            ShmemHuge::Never => "never",
            ShmemHuge::Always => "always",
            ShmemHuge::WithinSize => "within_size",
            ShmemHuge::Advise => "advise",
            ShmemHuge::Deny => "deny",
            ShmemHuge::Force => "force",
        }
    }

    /// `shmem_parse_huge`: a name; `deny` and `force` only if `special`.
    pub fn parse(s: &str, special: bool) -> Option<ShmemHuge> {
        Some(match s {
            "never" => ShmemHuge::Never,
            "always" => ShmemHuge::Always,
            "within_size" => ShmemHuge::WithinSize,
            "advise" => ShmemHuge::Advise,
            "deny" if special => ShmemHuge::Deny,
            "force" if special => ShmemHuge::Force,
            _ => return None,
        })
    }
}

/// The anonymous mTHP sizes below 2 MiB, in kB, from order 2 up: the
/// `thp_enabled_SIZE` keys (`thp_enabled_64k`) and the
/// `hugepages-SIZEkB` directories of sysfs.
pub const MTHP_SIZES_KB: [u64; 7] = [16, 32, 64, 128, 256, 512, 1024];

/// The lowest mTHP order ([`MTHP_SIZES_KB`]'s first size).
pub const MTHP_MIN_ORDER: u32 = 2;

/// `transparent_hugepage/defrag`: whether a THP fault's allocation may
/// reclaim (and, in the kernel, compact) directly or only wake kswapd.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThpDefrag {
    /// Direct reclaim for every THP fault.
    Always,
    /// Wake kswapd, never reclaim directly.
    Defer,
    /// Direct reclaim in `MADV_HUGEPAGE` regions, kswapd elsewhere.
    DeferMadvise,
    /// Direct reclaim in `MADV_HUGEPAGE` regions, nothing elsewhere (the
    /// reference machine's setting).
    #[default]
    Madvise,
    /// No reclaim at all: the fault falls back to 4 KiB pages.
    Never,
}

impl ThpDefrag {
    /// The name sysfs shows in brackets.
    pub fn name(self) -> &'static str {
        match self {
            ThpDefrag::Always => "always",
            ThpDefrag::Defer => "defer",
            ThpDefrag::DeferMadvise => "defer+madvise",
            ThpDefrag::Madvise => "madvise",
            ThpDefrag::Never => "never",
        }
    }
}

/// `transparent_hugepage/enabled`: `always`, `madvise` (only in regions
/// given `MADV_HUGEPAGE`) or `never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThpEnabled {
    Always,
    /// The reference machine's setting.
    #[default]
    Madvise,
    Never,
}

impl ThpEnabled {
    /// The name sysfs shows in brackets.
    pub fn name(self) -> &'static str {
        match self {
            ThpEnabled::Always => "always",
            ThpEnabled::Madvise => "madvise",
            ThpEnabled::Never => "never",
        }
    }
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            mmap_min_addr: 65536,
            dac_mmap_min_addr: 4096,
            cap_sys_rawio: true,
            cap_ipc_lock: true,
            rlimit_memlock: 8 << 20,
            max_map_count: 65530,
            stack_guard_gap: 256 << PAGE_SHIFT,
            rlimit_stack: 8 << 20,
            rlimit_data: u64::MAX,
            rlimit_as: u64::MAX,
            overcommit_memory: 0,
            tlb_single_page_flush_ceiling: 33,
            brk_base: 0x2_0000_0000,
            fault_around_bytes: 64 << 10,
            swappiness: 60,
            page_cluster: 3,
            min_free_kbytes: None,
            watermark_scale_factor: 10,
            thp_enabled: ThpEnabled::Madvise,
            thp_use_zero_page: true,
            thp_enabled_2048k: None,
            thp_enabled_mthp: [Some(ThpEnabled::Never); MTHP_SIZES_KB.len()],
            thp_defrag: ThpDefrag::Madvise,
            khugepaged_defrag: true,
            khugepaged_max_ptes_none: 511,
            khugepaged_max_ptes_swap: 64,
            khugepaged_max_ptes_shared: 256,
            khugepaged_pages_to_scan: 4096,
            khugepaged_scan_sleep_millisecs: 10000,
            khugepaged_alloc_sleep_millisecs: 60000,
            thp_shmem_enabled: ShmemHuge::Never,
            tmpfs_huge: ShmemHuge::Never,
            files_on: FilesOn::Tmpfs,
            read_ahead_kb: 128,
        }
    }
}

/// How to build a machine.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    /// Simulated RAM in bytes.
    pub ram: u64,
    /// Registered page allocator name.
    pub allocator: String,
    /// Registered page-table format name.
    pub page_table: String,
    /// Number of CPUs.
    pub nr_cpus: usize,
    /// Shape of each CPU's TLB.
    pub tlb: TlbConfig,
    /// Kernel settings.
    pub tunables: Tunables,
    /// Registered reclaim policy name.
    pub reclaim: String,
    /// Swap areas to enable at boot, in order.
    pub swap: Vec<SwapSpec>,
}

/// A swap area to enable at boot: a registered device type and its
/// configuration (`--swap zram:64M`, `--swap file:/tmp/swap:1G`,
/// `--swap file:/swapfile`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapSpec {
    /// Registered swap device name.
    pub device: String,
    /// Its path (if it takes one) and size.
    pub config: SwapDeviceConfig,
    /// Priority: higher is used first.
    pub prio: i32,
}

impl SwapSpec {
    /// Parses `NAME:SIZE`, `NAME:PATH:SIZE` or `NAME:PATH` (the size in
    /// bytes, or with a K, M, G or T suffix), as `--swap` takes it.
    ///
    /// After `NAME:`, the text after the last `:` is the size; with no
    /// further `:`, a text that starts with a digit is a size and any
    /// other a path (so a relative path starting with a digit is written
    /// `./PATH`, and a path with a `:` in it needs a size after it).
    pub fn parse(s: &str) -> Result<SwapSpec, SwapSpecError> {
        let (device, rest) = s.split_once(':').ok_or_else(|| SwapSpecError::Syntax { spec: s.to_string() })?;
        let (path, size) = match rest.rsplit_once(':') {
            Some((p, z)) => (p, Some(z)),
            None if rest.starts_with(|c: char| c.is_ascii_digit()) => ("", Some(rest)),
            None => (rest, None),
        };
        let size =
            size.map(parse_size).transpose().map_err(|source| SwapSpecError::Size { spec: s.to_string(), source })?;
        let config = SwapDeviceConfig { path: path.to_string(), size, in_use: Vec::new() };
        Ok(SwapSpec { device: device.to_string(), config, prio: -1 })
    }
}

/// Why [`SwapSpec::parse`] refused a `--swap` text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwapSpecError {
    /// No `NAME:` prefix.
    #[error("bad swap '{spec}': expected NAME:SIZE, NAME:PATH:SIZE or NAME:PATH")]
    Syntax { spec: String },
    /// The size part is not a size.
    #[error("bad swap '{spec}': {source}")]
    Size { spec: String, source: SizeError },
}

/// Why [`parse_size`] refused a size.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// The last character is a letter that is no unit.
    #[error("unknown size unit '{0}' (use K, M, G, T, P or E)")]
    UnknownUnit(char),
    /// The size does not fit in 64 bits.
    #[error("size '{0}' is too large (at most 2^64 - 1 bytes)")]
    TooLarge(String),
    /// Not a number (with an optional unit).
    #[error("bad size '{0}'")]
    NotANumber(String),
}

/// Size units `parse_size` and `format_size` know, largest first.
const SIZE_UNITS: [(char, u32); 6] = [('E', 60), ('P', 50), ('T', 40), ('G', 30), ('M', 20), ('K', 10)];

/// Parses `1G`, `512M`, `64K`, `4096` (binary units, up to `E`).  A size
/// that does not fit in 64 bits is an error.
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = SIZE_UNITS
                .iter()
                .find(|(u, _)| *u == c.to_ascii_uppercase())
                .map(|&(_, shift)| shift)
                .ok_or(SizeError::UnknownUnit(c))?;
            (&s[..i], 1u64 << shift)
        }
        _ => (s, 1),
    };
    let too_large = || SizeError::TooLarge(s.to_string());
    let n: u64 = num.parse().map_err(|e: std::num::ParseIntError| match e.kind() {
        std::num::IntErrorKind::PosOverflow => too_large(),
        _ => SizeError::NotANumber(s.to_string()),
    })?;
    n.checked_mul(mult).ok_or_else(too_large)
}

/// `bytes` in the largest unit `parse_size` reads back exactly (`8T`,
/// `1536M`, `4097`).
pub fn format_size(bytes: u64) -> String {
    match SIZE_UNITS.iter().find(|&&(_, shift)| bytes != 0 && bytes.trailing_zeros() >= shift) {
        Some(&(u, shift)) => format!("{}{u}", bytes >> shift),
        None => bytes.to_string(),
    }
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            ram: 1 << 30,
            allocator: "buddy".into(),
            page_table: "x86-64-4level".into(),
            nr_cpus: 1,
            tlb: TlbConfig::default(),
            tunables: Tunables::default(),
            reclaim: "lru".into(),
            swap: Vec::new(),
        }
    }
}

/// Every key [`MachineConfig::set`] takes, in the order
/// [`MachineConfig::settings`] lists them, with its meaning.
const KEYS: &[(&str, &str)] = &[
    ("ram", "simulated RAM (a size: 64K, 16M, 1G)"),
    ("allocator", "page allocator (mmsim backends)"),
    ("page_table", "page-table format (mmsim backends)"),
    ("reclaim", "reclaim policy (mmsim backends)"),
    ("swap", "a swap area, NAME:SIZE or NAME:PATH[:SIZE]; repeat for more"),
    ("cpus", "number of CPUs (1 to 64)"),
    ("tlb_sets", "sets of each CPU's TLB (a power of two)"),
    ("tlb_ways", "entries per TLB set"),
    ("swappiness", "vm.swappiness (0 to 200)"),
    ("page_cluster", "vm.page-cluster: swap readahead of 2^N pages"),
    ("min_free_kbytes", "vm.min_free_kbytes, or default"),
    ("watermark_scale_factor", "vm.watermark_scale_factor (1 to 3000)"),
    ("overcommit_memory", "vm.overcommit_memory (0, 1 or 2)"),
    ("max_map_count", "vm.max_map_count"),
    ("mmap_min_addr", "lowest address mmap may use"),
    ("dac_mmap_min_addr", "vm.mmap_min_addr (MAP_FIXED below it needs CAP_SYS_RAWIO)"),
    ("cap_sys_rawio", "the process has CAP_SYS_RAWIO"),
    ("cap_ipc_lock", "the process has CAP_IPC_LOCK"),
    ("rlimit_memlock", "RLIMIT_MEMLOCK"),
    ("rlimit_stack", "RLIMIT_STACK"),
    ("rlimit_data", "RLIMIT_DATA"),
    ("rlimit_as", "RLIMIT_AS"),
    ("stack_guard_gap", "stack_guard_gap"),
    ("tlb_single_page_flush_ceiling", "ranges of more pages are flushed whole"),
    ("brk_base", "where the program break starts"),
    ("fault_around_bytes", "fault_around_bytes (one page turns fault-around off)"),
    ("thp_enabled", "transparent_hugepage/enabled: always, madvise or never"),
    ("thp_defrag", "transparent_hugepage/defrag: always, defer, defer+madvise, madvise or never"),
    ("thp_shmem_enabled", "transparent_hugepage/shmem_enabled: always, within_size, advise, never, deny or force"),
    ("thp_use_zero_page", "transparent_hugepage/use_zero_page (0 or 1): read faults map the huge zero page"),
    ("thp_enabled_2048k", "hugepages-2048kB/enabled: always, inherit, madvise or never"),
    ("tmpfs_huge", "huge= of the tmpfs scenario files live on: never, always, within_size or advise"),
    ("files_on", "where scenario files live: tmpfs, or ext4 (a disk filesystem, nothing cached at the start)"),
    ("read_ahead_kb", "read_ahead_kb of the device under files_on=ext4 (its readahead window, KiB)"),
    ("thp_enabled_16k", "hugepages-16kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_32k", "hugepages-32kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_64k", "hugepages-64kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_128k", "hugepages-128kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_256k", "hugepages-256kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_512k", "hugepages-512kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("thp_enabled_1024k", "hugepages-1024kB/enabled (anonymous mTHP): always, inherit, madvise or never"),
    ("khugepaged_defrag", "khugepaged/defrag (0 or 1): khugepaged's allocations may reclaim and compact"),
    ("khugepaged_max_ptes_none", "khugepaged/max_ptes_none (0 to 511): empty entries a collapsed block may have"),
    ("khugepaged_max_ptes_swap", "khugepaged/max_ptes_swap (0 to 511): swap entries a collapsed block may have"),
    ("khugepaged_max_ptes_shared", "khugepaged/max_ptes_shared (0 to 511): shared pages a collapsed block may have"),
    ("khugepaged_pages_to_scan", "khugepaged/pages_to_scan: the work of one wakeup (1 or more)"),
    ("khugepaged_scan_sleep_millisecs", "khugepaged/scan_sleep_millisecs (kept; a khugepaged line runs the scans)"),
    ("khugepaged_alloc_sleep_millisecs", "khugepaged/alloc_sleep_millisecs (kept; not waited)"),
];

/// The index in [`Tunables::thp_enabled_mthp`] of a `thp_enabled_SIZE`
/// key below 2048k.
fn mthp_key_index(key: &str) -> Option<usize> {
    let kb: u64 = key.strip_prefix("thp_enabled_")?.strip_suffix('k')?.parse().ok()?;
    MTHP_SIZES_KB.iter().position(|&s| s == kb)
}

/// Why [`MachineConfig::set`] refused a setting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// No setting of that name.
    #[error("unknown machine setting '{key}' (known: {known})")]
    UnknownKey { key: String, known: String },
    /// The value is not one the setting takes.
    #[error("bad value '{value}' for {key}: {reason}")]
    BadValue { key: String, value: String, reason: String },
    /// Not `KEY=VALUE`.
    #[error("bad machine setting '{0}': expected KEY=VALUE")]
    Syntax(String),
}

impl MachineConfig {
    /// Every setting [`set`](Self::set) takes: its name, and what it means.
    pub fn keys() -> impl Iterator<Item = (&'static str, &'static str)> {
        KEYS.iter().copied()
    }

    /// Sets one setting by name, as a scenario's `machine` line, the
    /// command line's `--set KEY=VALUE` and `mmsim sweep` name them
    /// ([`keys`](Self::keys); `-` and `_` are the same in a name).  Sizes
    /// take `K`, `M`, `G` and `T`; rlimits also `unlimited`;
    /// `min_free_kbytes` also `default`.  `swap` adds an area to those
    /// already set; `swap=none` removes them all.  The machine is checked
    /// when it is built ([`Kernel::new`](crate::Kernel::new)): a name no
    /// backend has, or a RAM size too small, is an error then.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let canon = key.trim().replace('-', "_");
        let Some(&(name, _)) = KEYS.iter().find(|(k, _)| *k == canon) else {
            let known = KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ");
            return Err(SettingError::UnknownKey { key: key.to_string(), known });
        };
        let value = value.trim();
        let bad = |reason: String| SettingError::BadValue { key: name.to_string(), value: value.to_string(), reason };
        let number = || value.parse::<u64>().map_err(|e| bad(e.to_string()));
        let size = || parse_size(value).map_err(|e| bad(e.to_string()));
        let limit = || if value == "unlimited" { Ok(u64::MAX) } else { size() };
        let boolean = || match value {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(bad("expected true or false".into())),
        };
        let small = |max: u64| {
            let n = number()?;
            if n > max { Err(bad(format!("at most {max}"))) } else { Ok(n) }
        };
        let per_size = || match value {
            "always" => Ok(Some(ThpEnabled::Always)),
            "inherit" => Ok(None),
            "madvise" => Ok(Some(ThpEnabled::Madvise)),
            "never" => Ok(Some(ThpEnabled::Never)),
            _ => Err(bad("expected always, inherit, madvise or never".into())),
        };
        let t = &mut self.tunables;
        match name {
            "ram" => self.ram = size()?,
            "allocator" | "page_table" | "reclaim" => {
                if value.is_empty() {
                    return Err(bad("a backend name is needed".into()));
                }
                let slot = match name {
                    "allocator" => &mut self.allocator,
                    "page_table" => &mut self.page_table,
                    _ => &mut self.reclaim,
                };
                *slot = value.to_string();
            }
            "swap" if value == "none" => self.swap.clear(),
            "swap" => self.swap.push(SwapSpec::parse(value).map_err(|e| bad(e.to_string()))?),
            "cpus" => self.nr_cpus = small(64)? as usize,
            "tlb_sets" => {
                let n = small(1 << 20)?;
                if !n.is_power_of_two() {
                    return Err(bad("a power of two is needed".into()));
                }
                self.tlb.sets = n as usize;
            }
            "tlb_ways" => {
                let n = small(1 << 10)?;
                if n == 0 {
                    return Err(bad("at least 1".into()));
                }
                self.tlb.ways = n as usize;
            }
            "swappiness" => t.swappiness = small(200)?,
            "page_cluster" => t.page_cluster = small(31)? as u32,
            "min_free_kbytes" if value == "default" => t.min_free_kbytes = None,
            "min_free_kbytes" => t.min_free_kbytes = Some(number()?),
            "watermark_scale_factor" => {
                let n = small(3000)?;
                if n == 0 {
                    return Err(bad("at least 1".into()));
                }
                t.watermark_scale_factor = n;
            }
            "overcommit_memory" => t.overcommit_memory = small(2)? as u32,
            "max_map_count" => t.max_map_count = small(i32::MAX as u64)? as usize,
            "mmap_min_addr" => t.mmap_min_addr = size()?,
            "dac_mmap_min_addr" => t.dac_mmap_min_addr = size()?,
            "cap_sys_rawio" => t.cap_sys_rawio = boolean()?,
            "cap_ipc_lock" => t.cap_ipc_lock = boolean()?,
            "rlimit_memlock" => t.rlimit_memlock = limit()?,
            "rlimit_stack" => t.rlimit_stack = limit()?,
            "rlimit_data" => t.rlimit_data = limit()?,
            "rlimit_as" => t.rlimit_as = limit()?,
            "stack_guard_gap" => t.stack_guard_gap = size()?,
            "tlb_single_page_flush_ceiling" => t.tlb_single_page_flush_ceiling = number()?,
            "brk_base" => t.brk_base = size()?,
            "fault_around_bytes" => {
                let n = size()?;
                if n < PAGE_SIZE || !n.is_power_of_two() {
                    return Err(bad("a power of two of at least 4K is needed".into()));
                }
                t.fault_around_bytes = n;
            }
            "thp_enabled" => {
                t.thp_enabled = match value {
                    "always" => ThpEnabled::Always,
                    "madvise" => ThpEnabled::Madvise,
                    "never" => ThpEnabled::Never,
                    _ => return Err(bad("expected always, madvise or never".into())),
                }
            }
            "thp_enabled_2048k" => t.thp_enabled_2048k = per_size()?,
            k if mthp_key_index(k).is_some() => {
                t.thp_enabled_mthp[mthp_key_index(k).expect("checked")] = per_size()?;
            }
            "thp_defrag" => {
                t.thp_defrag = match value {
                    "always" => ThpDefrag::Always,
                    "defer" => ThpDefrag::Defer,
                    "defer+madvise" => ThpDefrag::DeferMadvise,
                    "madvise" => ThpDefrag::Madvise,
                    "never" => ThpDefrag::Never,
                    _ => return Err(bad("expected always, defer, defer+madvise, madvise or never".into())),
                }
            }
            "thp_shmem_enabled" => {
                t.thp_shmem_enabled = ShmemHuge::parse(value, true)
                    .ok_or_else(|| bad("expected always, within_size, advise, never, deny or force".into()))?
            }
            "tmpfs_huge" => {
                t.tmpfs_huge = ShmemHuge::parse(value, false)
                    .ok_or_else(|| bad("expected never, always, within_size or advise".into()))?
            }
            "files_on" => {
                t.files_on = match value {
                    "tmpfs" => FilesOn::Tmpfs,
                    "ext4" => FilesOn::Ext4,
                    _ => return Err(bad("expected tmpfs or ext4".into())),
                }
            }
            "read_ahead_kb" => {
                let n = small(1 << 20)?;
                if !n.is_multiple_of(PAGE_SIZE >> 10) {
                    return Err(bad("a multiple of 4 is needed".into()));
                }
                t.read_ahead_kb = n;
            }
            "thp_use_zero_page" => t.thp_use_zero_page = boolean()?,
            "khugepaged_defrag" => t.khugepaged_defrag = boolean()?,
            "khugepaged_max_ptes_none" => t.khugepaged_max_ptes_none = small(511)? as u32,
            "khugepaged_max_ptes_swap" => t.khugepaged_max_ptes_swap = small(511)? as u32,
            "khugepaged_max_ptes_shared" => t.khugepaged_max_ptes_shared = small(511)? as u32,
            "khugepaged_pages_to_scan" => {
                let n = small(u32::MAX.into())?;
                if n == 0 {
                    return Err(bad("at least 1".into()));
                }
                t.khugepaged_pages_to_scan = n as u32;
            }
            "khugepaged_scan_sleep_millisecs" => t.khugepaged_scan_sleep_millisecs = small(u32::MAX.into())? as u32,
            "khugepaged_alloc_sleep_millisecs" => t.khugepaged_alloc_sleep_millisecs = small(u32::MAX.into())? as u32,
            _ => unreachable!("every key in KEYS is handled: {name}"),
        }
        Ok(())
    }

    /// [`set`](Self::set) of a `KEY=VALUE` text.
    pub fn set_pair(&mut self, pair: &str) -> Result<(), SettingError> {
        let (k, v) = pair.split_once('=').ok_or_else(|| SettingError::Syntax(pair.to_string()))?;
        self.set(k, v)
    }

    /// Every setting and its value as [`set`](Self::set) reads it back,
    /// in the order of [`keys`](Self::keys); `swap` is the areas joined
    /// by `,` (`none` for no swap).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let t = &self.tunables;
        let limit = |v: u64| if v == u64::MAX { "unlimited".to_string() } else { format_size(v) };
        KEYS.iter()
            .map(|&(k, _)| {
                let v = match k {
                    "ram" => format_size(self.ram),
                    "allocator" => self.allocator.clone(),
                    "page_table" => self.page_table.clone(),
                    "reclaim" => self.reclaim.clone(),
                    "swap" if self.swap.is_empty() => "none".to_string(),
                    "swap" => self.swap.iter().map(SwapSpec::to_string).collect::<Vec<_>>().join(","),
                    "cpus" => self.nr_cpus.to_string(),
                    "tlb_sets" => self.tlb.sets.to_string(),
                    "tlb_ways" => self.tlb.ways.to_string(),
                    "swappiness" => t.swappiness.to_string(),
                    "page_cluster" => t.page_cluster.to_string(),
                    "min_free_kbytes" => t.min_free_kbytes.map_or_else(|| "default".to_string(), |v| v.to_string()),
                    "watermark_scale_factor" => t.watermark_scale_factor.to_string(),
                    "overcommit_memory" => t.overcommit_memory.to_string(),
                    "max_map_count" => t.max_map_count.to_string(),
                    "mmap_min_addr" => format_size(t.mmap_min_addr),
                    "dac_mmap_min_addr" => format_size(t.dac_mmap_min_addr),
                    "cap_sys_rawio" => t.cap_sys_rawio.to_string(),
                    "cap_ipc_lock" => t.cap_ipc_lock.to_string(),
                    "rlimit_memlock" => limit(t.rlimit_memlock),
                    "rlimit_stack" => limit(t.rlimit_stack),
                    "rlimit_data" => limit(t.rlimit_data),
                    "rlimit_as" => limit(t.rlimit_as),
                    "stack_guard_gap" => format_size(t.stack_guard_gap),
                    "tlb_single_page_flush_ceiling" => t.tlb_single_page_flush_ceiling.to_string(),
                    "brk_base" => format_size(t.brk_base),
                    "fault_around_bytes" => format_size(t.fault_around_bytes),
                    "thp_enabled" => t.thp_enabled.name().to_string(),
                    "thp_use_zero_page" => u8::from(t.thp_use_zero_page).to_string(),
                    "thp_enabled_2048k" => t.thp_enabled_2048k.map_or("inherit", ThpEnabled::name).to_string(),
                    k if mthp_key_index(k).is_some() => t.thp_enabled_mthp[mthp_key_index(k).expect("checked")]
                        .map_or("inherit", ThpEnabled::name)
                        .to_string(),
                    "thp_defrag" => t.thp_defrag.name().to_string(),
                    "thp_shmem_enabled" => t.thp_shmem_enabled.name().to_string(),
                    "tmpfs_huge" => t.tmpfs_huge.name().to_string(),
                    "files_on" => t.files_on.name().to_string(),
                    "read_ahead_kb" => t.read_ahead_kb.to_string(),
                    "khugepaged_defrag" => u8::from(t.khugepaged_defrag).to_string(),
                    "khugepaged_max_ptes_none" => t.khugepaged_max_ptes_none.to_string(),
                    "khugepaged_max_ptes_swap" => t.khugepaged_max_ptes_swap.to_string(),
                    "khugepaged_max_ptes_shared" => t.khugepaged_max_ptes_shared.to_string(),
                    "khugepaged_pages_to_scan" => t.khugepaged_pages_to_scan.to_string(),
                    "khugepaged_scan_sleep_millisecs" => t.khugepaged_scan_sleep_millisecs.to_string(),
                    "khugepaged_alloc_sleep_millisecs" => t.khugepaged_alloc_sleep_millisecs.to_string(),
                    _ => unreachable!("every key in KEYS is listed: {k}"),
                };
                (k, v)
            })
            .collect()
    }
}

impl fmt::Display for SwapSpec {
    /// The text [`SwapSpec::parse`] reads back (`zram:64M`,
    /// `file:/tmp/swap:1G`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.device)?;
        if !self.config.path.is_empty() {
            write!(f, ":{}", self.config.path)?;
        }
        if let Some(size) = self.config.size {
            write!(f, ":{}", format_size(size))?;
        }
        Ok(())
    }
}

/// Why a machine could not be built.
#[derive(Debug)]
pub enum ConfigError {
    /// No page allocator of that name is linked in.
    UnknownAllocator { name: String, known: Vec<&'static str> },
    /// No page-table format of that name is linked in.
    UnknownPageTable { name: String, known: Vec<&'static str> },
    /// Too little RAM to boot.
    RamTooSmall { bytes: u64, min: u64 },
    /// More than [`MAX_RAM`].
    RamTooLarge { bytes: u64, max: u64 },
    /// The host could not reserve address space for this much RAM (its
    /// `struct page` array and frame contents); `source` says what failed.
    HostMemory { bytes: u64, source: PhysMemError },
    /// Zero CPUs, or more than the simulator supports.
    BadCpuCount(usize),
    /// A TLB of more than [`MAX_TLB_ENTRIES`] entries.
    TlbTooLarge { sets: usize, ways: usize, max: usize },
    /// No reclaim policy of that name is linked in.
    UnknownReclaimPolicy { name: String, known: Vec<&'static str> },
    /// A swap device could not be made.
    Swap(SwapDeviceError),
    /// A swap device could not be enabled.
    Swapon(SwaponError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownAllocator { name, known } => {
                write!(f, "unknown page allocator '{name}' (known: {})", known.join(", "))
            }
            ConfigError::UnknownPageTable { name, known } => {
                write!(f, "unknown page-table format '{name}' (known: {})", known.join(", "))
            }
            ConfigError::RamTooSmall { bytes, min } => {
                write!(f, "ram={}: too small (at least {})", format_size(*bytes), format_size(*min))
            }
            ConfigError::RamTooLarge { bytes, max } => {
                write!(f, "ram={}: too large (at most {})", format_size(*bytes), format_size(*max))
            }
            ConfigError::HostMemory { bytes, source } => {
                write!(f, "ram={}: the host cannot reserve address space for it ({source})", format_size(*bytes))
            }
            ConfigError::BadCpuCount(n) => write!(f, "bad number of CPUs: {n} (1 to 64)"),
            ConfigError::TlbTooLarge { sets, ways, max } => {
                write!(f, "a TLB of {sets} sets x {ways} ways is too large (at most {max} entries per CPU)")
            }
            ConfigError::UnknownReclaimPolicy { name, known } => {
                write!(f, "unknown reclaim policy '{name}' (known: {})", known.join(", "))
            }
            ConfigError::Swap(e) => e.fmt(f),
            ConfigError::Swapon(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::HostMemory { source, .. } => Some(source),
            // A device's own error speaks for itself (it is displayed
            // as it is): its cause is the source.
            ConfigError::Swap(e) => std::error::Error::source(e),
            ConfigError::Swapon(e) => Some(e),
            _ => None,
        }
    }
}

/// Registered page allocator names, sorted.
pub fn allocator_names() -> Vec<&'static str> {
    let mut v: Vec<_> = MM_PAGE_ALLOCATORS.iter().map(|d| d.name).collect();
    v.sort_unstable();
    v
}

/// Registered page-table format names, sorted.
pub fn page_table_names() -> Vec<&'static str> {
    let mut v: Vec<_> = MM_PAGE_TABLE_FORMATS.iter().map(|d| d.name).collect();
    v.sort_unstable();
    v
}

/// The page-table geometry of the machine's format, read once so that the
/// hot paths do not ask the format for it on every step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PtGeometry {
    /// Number of levels.
    pub levels: u32,
    /// [`Geometry::level_shift`](crate::arch::Geometry::level_shift) of
    /// each level.
    pub shifts: [u32; 8],
    /// Entries per table minus one.
    pub index_mask: u64,
    /// Entries per table.
    pub ptrs: usize,
    /// The layout of upper-level entries, if the format has a simple one.
    pub table_layout: Option<crate::arch::TableLayout>,
}

impl PtGeometry {
    fn of(f: &dyn PageTableFormat) -> PtGeometry {
        let g = f.geometry();
        let mut shifts = [0; 8];
        for (l, s) in shifts.iter_mut().enumerate().take(g.levels as usize) {
            *s = g.level_shift(l as u32);
        }
        PtGeometry {
            levels: g.levels,
            shifts,
            index_mask: g.ptrs_per_table() as u64 - 1,
            ptrs: g.ptrs_per_table(),
            table_layout: f.table_layout(),
        }
    }
}

/// What a CPU remembers of an ASID slot (`struct tlb_context`): which
/// address space it serves, and up to which of that address space's
/// flushes its TLB entries are current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbContext {
    /// The address space's id (0: none); ids are never reused.
    pub ctx_id: u64,
    /// Its `tlb_gen` when this CPU last flushed for it.
    pub tlb_gen: u64,
}

/// One simulated CPU.  Aligned to a cache line, so that one CPU's lock
/// word, taken on every access, shares no line with another CPU's.
#[repr(align(64))]
pub struct Cpu {
    /// CPU number.
    pub(crate) id: usize,
    /// Its paging hardware.
    pub(crate) mmu: Box<dyn Mmu>,
    /// Id of the address space the MMU has loaded (0: none).
    pub(crate) active_mm: u64,
    /// The ASID in use (`cpu_tlbstate.loaded_mm_asid`).
    pub(crate) loaded_asid: usize,
    /// The next ASID to hand out (`cpu_tlbstate.next_asid`).
    pub(crate) next_asid: usize,
    /// Per ASID, whose entries it holds (`cpu_tlbstate.ctxs`): as many as
    /// the MMU keeps apart ([`Mmu::nr_asids`], at least one).
    pub(crate) ctxs: Vec<TlbContext>,
}

/// The machine every address space of a simulation shares.
pub struct Machine {
    /// Physical memory.
    pub(crate) phys: PhysMem,
    /// The page allocator.
    pub(crate) alloc: Box<dyn PageAllocator>,
    /// The page-table format.
    pub(crate) arch: Box<dyn PageTableFormat>,
    /// Its geometry.
    pub(crate) geometry: PtGeometry,
    /// The CPUs.
    pub(crate) cpus: Vec<SpinLock<Cpu>>,
    /// The address space each CPU has loaded (`cpu_tlbstate.loaded_mm`),
    /// readable without locking the CPU.
    loaded_mm: Vec<AtomicU64>,
    /// The shared zero page (`my_zero_pfn`).
    pub(crate) zero_pfn: Pfn,
    /// Kernel settings.
    pub(crate) tunables: Tunables,
    /// Trace event dispatcher.
    pub(crate) trace: Tracer,
    /// Global counters.
    pub(crate) vmstat: VmStat,
    /// Frames the machine owns for itself (the zero page).
    reserved_pages: u64,
    next_id: AtomicU64,
    /// Free frames (`NR_FREE_PAGES`), kept here so that the watermark
    /// checks of every allocation cost one load; split per CPU, as the
    /// kernel's zone counters are, so that CPUs allocating at once share
    /// no counter.
    pub(crate) nr_free: mm_api::percpu::PerCpuCounter,
    /// The zone's watermarks.
    pub(crate) watermarks: Watermarks,
    /// The reclaim policy.
    pub(crate) reclaim: Box<dyn ReclaimPolicy>,
    /// Reclaim state shared by the policy and the core.
    pub(crate) lruvec: Lruvec,
    /// Each CPU's batches of pages on their way to the reclaim lists
    /// (`cpu_fbatches`, [`crate::vmscan::fbatch`]).
    pub(crate) cpu_fbatches: Box<[crate::vmscan::fbatch::CpuFbatches]>,
    /// The swap areas.
    pub(crate) swap: Swap,
    /// kswapd was woken and has not run yet.
    kswapd_wait: AtomicBool,
    /// kcompactd's wakeup (`crate::compaction`).
    pub(crate) kcompactd: crate::compaction::Kcompactd,
    /// Reverse-map roots by id: anon_vmas and inodes, as the `mapping`
    /// word of a page names them.
    pub(crate) rmap_roots: RmapRoots,
    /// `init_mm`'s kernel half, for formats that have one.
    pub(crate) kernel: Option<crate::kmem::KernelSpace>,
    /// The format maps pages with PMD leaves: anonymous memory may take
    /// transparent huge pages.
    pub(crate) thp_capable: bool,
    /// Transparent huge pages: entire mapcounts, the huge zero folio.
    pub(crate) thp: crate::huge_memory::ThpState,
    /// Anonymous mTHP: the enabled orders, the per-size counters.
    pub(crate) mthp: crate::mthp::MthpState,
    /// khugepaged's list of address spaces, its cursor and counters.
    pub(crate) khugepaged: crate::khugepaged::KhugepagedScan,
}

/// The owners a page's `mapping` word can name.
#[derive(Debug, Default)]
pub(crate) struct RmapRoots {
    pub anon_vmas: parking_lot::Mutex<ahash::AHashMap<u64, std::sync::Weak<crate::mm::AnonVma>>>,
    pub inodes: parking_lot::Mutex<ahash::AHashMap<u64, std::sync::Weak<crate::fs::Inode>>>,
}

impl fmt::Debug for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Machine")
            .field("phys", &self.phys)
            .field("arch", &self.arch.name())
            .field("cpus", &self.cpus.len())
            .finish()
    }
}

/// The most simulated RAM, 8 TiB: 2^31 frames, well inside the 32-bit
/// frame indexes the allocators use and the 64 TiB of physical memory
/// x86-64 with 4-level paging addresses.  The host must also be able to
/// reserve address space for the frames and a `struct page` per frame
/// (8.125 TiB for 8 TiB, a 16th of what a 47-bit address space holds); it
/// backs only the parts in use.
pub const MAX_RAM: u64 = 8 << 40;

/// Most entries each CPU's TLB may have (`tlb_sets` x `tlb_ways`): the
/// host allocates them all, and a full flush walks them (a real
/// second-level TLB has a few thousand).
pub const MAX_TLB_ENTRIES: usize = 1 << 16;

impl Machine {
    /// Builds and boots a machine.
    pub fn new(cfg: &MachineConfig) -> Result<Arc<Machine>, ConfigError> {
        let min = 64 * PAGE_SIZE;
        if cfg.ram < min {
            return Err(ConfigError::RamTooSmall { bytes: cfg.ram, min });
        }
        if cfg.ram > MAX_RAM {
            return Err(ConfigError::RamTooLarge { bytes: cfg.ram, max: MAX_RAM });
        }
        if cfg.nr_cpus == 0 || cfg.nr_cpus > 64 {
            return Err(ConfigError::BadCpuCount(cfg.nr_cpus));
        }
        if cfg.tlb.sets.checked_mul(cfg.tlb.ways).is_none_or(|n| n > MAX_TLB_ENTRIES) {
            return Err(ConfigError::TlbTooLarge { sets: cfg.tlb.sets, ways: cfg.tlb.ways, max: MAX_TLB_ENTRIES });
        }
        let alloc_desc = MM_PAGE_ALLOCATORS
            .iter()
            .find(|d| d.name == cfg.allocator)
            .ok_or_else(|| ConfigError::UnknownAllocator { name: cfg.allocator.clone(), known: allocator_names() })?;
        let fmt_desc = MM_PAGE_TABLE_FORMATS
            .iter()
            .find(|d| d.name == cfg.page_table)
            .ok_or_else(|| ConfigError::UnknownPageTable { name: cfg.page_table.clone(), known: page_table_names() })?;
        let policy_desc = MM_RECLAIM_POLICIES.iter().find(|d| d.name == cfg.reclaim).ok_or_else(|| {
            ConfigError::UnknownReclaimPolicy { name: cfg.reclaim.clone(), known: reclaim_policy_names() }
        })?;
        let phys = PhysMem::try_new(cfg.ram).map_err(|source| ConfigError::HostMemory { bytes: cfg.ram, source })?;
        let alloc =
            (alloc_desc.new)(&AllocatorConfig { base: Pfn(0), nr_pages: phys.nr_pages(), nr_cpus: cfg.nr_cpus });
        let arch = (fmt_desc.new)();
        let cpus = (0..cfg.nr_cpus)
            .map(|id| {
                let mmu = arch.new_mmu(id, cfg.tlb);
                let ctxs = vec![TlbContext::default(); mmu.nr_asids().max(1)];
                SpinLock::new(Cpu { id, mmu, active_mm: 0, loaded_asid: 0, next_asid: 0, ctxs })
            })
            .collect();
        let geometry = PtGeometry::of(&*arch);
        // Anonymous PMD leaves need a format that encodes them and whose
        // upper entries the core can decode.
        let thp_capable = arch.geometry().may_hold_leaf(crate::arch::PMD_LEVEL)
            && arch.table_layout().is_some()
            && arch.mk_huge_leaf(crate::arch::PMD_LEVEL, Pfn(0), crate::arch::PteFlags::PRESENT).is_some();
        let loaded_mm = (0..cfg.nr_cpus).map(|_| AtomicU64::new(0)).collect();
        let mut m = Machine {
            phys,
            alloc,
            arch,
            geometry,
            cpus,
            loaded_mm,
            zero_pfn: Pfn(0),
            tunables: cfg.tunables.clone(),
            trace: Tracer::default(),
            vmstat: VmStat::new(cfg.nr_cpus),
            reserved_pages: 0,
            next_id: AtomicU64::new(1),
            nr_free: mm_api::percpu::PerCpuCounter::new(
                0,
                cfg.nr_cpus,
                mm_api::percpu::PerCpuCounter::default_batch(cfg.nr_cpus),
            ),
            watermarks: Watermarks { min: 0, low: 0, high: 0 },
            reclaim: (policy_desc.new)(cfg.ram / PAGE_SIZE),
            lruvec: Lruvec::default(),
            cpu_fbatches: (0..cfg.nr_cpus).map(|_| Default::default()).collect(),
            swap: Swap::default(),
            kswapd_wait: AtomicBool::new(false),
            kcompactd: Default::default(),
            rmap_roots: RmapRoots::default(),
            thp_capable,
            thp: Default::default(),
            mthp: crate::mthp::MthpState::new(&cfg.tunables),
            khugepaged: Default::default(),
            kernel: None,
        };
        m.nr_free.set(m.alloc.nr_free_pages() as i64);
        for spec in &cfg.swap {
            let dev = new_swap_device(&spec.device, &spec.config).map_err(ConfigError::Swap)?;
            m.swap.swapon(dev, spec.prio, cfg.nr_cpus).map_err(ConfigError::Swapon)?;
        }
        // The zero page: allocated once, never freed, never counted as
        // mapped (`empty_zero_page`).
        let zero = m.alloc_pages(Gfp::ZERO, 0).ok_or(ConfigError::RamTooSmall { bytes: cfg.ram, min })?;
        m.phys.page(zero).set_flags(PageFlags::RESERVED);
        m.zero_pfn = zero;
        m.reserved_pages = 1;
        // The kernel's own page tables (never freed).
        if let Some(used) = m.build_kernel_space() {
            m.reserved_pages += used;
        }
        let managed = m.phys.nr_pages() - m.reserved_pages;
        m.watermarks = Watermarks::for_zone(managed, cfg.tunables.min_free_kbytes, cfg.tunables.watermark_scale_factor);
        m.alloc.set_watermarks(m.watermarks.low, m.watermarks.high);
        Ok(Arc::new(m))
    }

    /// Reads an upper-level entry, decoded with the format's masks when it
    /// has a simple layout.
    #[inline(always)]
    pub(crate) fn read_table(&self, level: crate::arch::Level, slot: crate::pgtable::Slot) -> crate::arch::TableEntry {
        let raw = self.phys.read_u64(slot.table, slot.idx);
        match &self.geometry.table_layout {
            Some(l) => l.decode(level, raw),
            None => self.arch.decode_table(level, raw),
        }
    }

    /// Global counters (`/proc/vmstat`).
    #[inline]
    pub fn vmstat(&self) -> &VmStat {
        &self.vmstat
    }

    /// The trace event dispatcher: subscribe a sink to see the call chain.
    #[inline]
    pub fn trace(&self) -> &Tracer {
        &self.trace
    }

    /// The kernel settings the machine was built with.
    #[inline]
    pub fn tunables(&self) -> &Tunables {
        &self.tunables
    }

    /// The page-table format.
    #[inline]
    pub fn arch(&self) -> &dyn PageTableFormat {
        &*self.arch
    }

    /// The page-table format's geometry.
    #[inline]
    pub fn geometry(&self) -> &PtGeometry {
        &self.geometry
    }

    /// Number of CPUs.
    #[inline]
    pub fn nr_cpus(&self) -> usize {
        self.cpus.len()
    }

    /// The TLB counters of `cpu`'s MMU, or `None` if there is no such CPU.
    pub fn tlb_stats(&self, cpu: usize) -> Option<TlbStats> {
        self.cpus.get(cpu).map(|c| c.lock().mmu.stats())
    }

    /// What `cpu` remembers of each ASID slot (`cpu_tlbstate.ctxs`), or
    /// `None` if there is no such CPU.
    pub fn tlb_contexts(&self, cpu: usize) -> Option<Vec<TlbContext>> {
        self.cpus.get(cpu).map(|c| c.lock().ctxs.clone())
    }

    /// The shared zero page.
    #[inline]
    pub fn zero_pfn(&self) -> Pfn {
        self.zero_pfn
    }

    /// The zone's watermarks.
    #[inline]
    pub fn watermarks(&self) -> &Watermarks {
        &self.watermarks
    }

    /// The swap areas (read-only: areas are added with
    /// [`swapon`](Self::swapon)).
    #[inline]
    pub fn swap(&self) -> &Swap {
        &self.swap
    }

    /// The name of the reclaim policy.
    pub fn reclaim_name(&self) -> &'static str {
        self.reclaim.name()
    }

    /// The layout of the kernel half, for formats that have one.
    pub fn kernel_layout(&self) -> Option<crate::arch::KernelLayout> {
        self.kernel.as_ref().map(|k| k.layout)
    }

    /// A fresh id for an address space or an anon_vma.
    pub(crate) fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Frames the machine keeps for itself (the zero page).
    pub fn reserved_pages(&self) -> u64 {
        self.reserved_pages
    }

    /// `is_zero_pfn`.
    #[inline]
    pub fn is_zero_pfn(&self, pfn: Pfn) -> bool {
        pfn == self.zero_pfn
    }

    /// Allocates `1 << order` frames (`alloc_pages`): takes the first
    /// reference, and clears them for `Gfp::ZERO`.  Their `struct page`s
    /// are clean: boot left them zeroed and [`free_pages`](Self::free_pages)
    /// reset them.
    #[inline]
    pub(crate) fn alloc_pages(&self, gfp: Gfp, order: u32) -> Option<Pfn> {
        self.alloc_pages_reclaim(gfp, order, true, true)
    }

    /// [`alloc_pages`](Self::alloc_pages) for a `gfp` that may or may not
    /// reclaim directly (`__GFP_DIRECT_RECLAIM`) or wake kswapd
    /// (`__GFP_KSWAPD_RECLAIM`), as transparent huge pages ask
    /// (`vma_thp_gfp_mask`): without direct reclaim, an allocation that
    /// would take free memory below the min watermark fails.
    #[inline]
    pub(crate) fn alloc_pages_reclaim(&self, gfp: Gfp, order: u32, direct: bool, kswapd: bool) -> Option<Pfn> {
        let n = 1i64 << order;
        // zone_watermark_ok against low (wake kswapd) and min (reclaim
        // first), unless this is reclaim allocating (PF_MEMALLOC).
        let free = self.free_pages_after(n);
        if free < self.watermarks.low as i64 && !crate::vmscan::shrink::in_reclaim() {
            if kswapd {
                self.wakeup_kswapd();
            }
            if free < self.watermarks.min as i64 && !(direct && self.__alloc_pages_slowpath(order)) {
                return None;
            }
        }
        let pfn = self.alloc.alloc_pages(gfp, order)?;
        self.nr_free.add(-n);
        // A block never spans sections (it is at most 4 MiB, aligned).
        self.phys.init_deferred_page(pfn);
        for i in 0..1u64 << order {
            let p = Pfn(pfn.0 + i);
            debug_assert!(self.phys.page(p).is_clean(), "allocator handed out a used frame {p:?}");
            if gfp.contains(Gfp::ZERO) {
                self.phys.clear_frame(p);
            }
        }
        self.phys.page(pfn).refcount.store(1, Ordering::Release);
        self.vmstat.count(VmEvent::PgAllocNormal, 1 << order);
        Some(pfn)
    }

    /// Free pages once `n` more are taken, as the watermark check needs
    /// it: the folded count when that is above the low watermark by more
    /// than the CPUs' unfolded differences can take away, the exact sum
    /// otherwise (`zone_page_state_snapshot` below the
    /// `percpu_drift_mark`), so the outcome is the exact count's.
    #[inline]
    fn free_pages_after(&self, n: i64) -> i64 {
        let approx = self.nr_free.read() - n;
        if approx - self.nr_free.max_drift() >= self.watermarks.low as i64 { approx } else { self.nr_free.sum() - n }
    }

    /// Returns frames to the allocator (`__free_pages` after the last
    /// reference).  The last reference to a page is the last to the folio it heads,
    /// if it heads a large folio kept whole: the folio's block is freed
    /// (`free_frozen_pages` of the folio's order).
    pub(crate) fn free_pages(&self, pfn: Pfn, order: u32) {
        if let Some(order) = self.free_pages_prepare(pfn, order) {
            self.free_prepared_block(pfn, order);
        }
    }

    /// The block of `order` at `pfn`, prepared, goes back to the
    /// allocator.
    fn free_prepared_block(&self, pfn: Pfn, order: u32) {
        for i in 0..1u64 << order {
            self.phys.page(Pfn(pfn.0 + i)).reset();
        }
        self.vmstat.count(VmEvent::PgFree, 1 << order);
        self.alloc.free_pages(pfn, order);
        self.nr_free.add(1 << order);
    }

    /// What `free_pages` does before the frames go back: an order-0 page
    /// leaves the LRU and its mlock; one of a large folio frees the folio
    /// (its order is returned), unless the folio waits on the
    /// deferred-split queue (`None`: nothing to free now).
    #[inline]
    fn free_pages_prepare(&self, pfn: Pfn, mut order: u32) -> Option<u32> {
        debug_assert_eq!(self.phys.page(pfn).mapcount(), 0, "freeing a mapped frame {pfn:?}");
        if order == 0 {
            // __page_cache_release: off the LRU, and no longer mlocked.
            let page = self.phys.page(pfn);
            let f = page.flags();
            if f.intersects(PageFlags::LRU | PageFlags::MLOCKED | PageFlags::LARGE_RMAPPABLE) {
                let ctx = self.lru_ctx();
                if f.contains(PageFlags::LRU) {
                    ctx.folios_del_lru(&[pfn]);
                }
                ctx.folio_clear_mlocked_on_free(page);
                order = self.phys.folio_order(pfn);
            }
            // A page of a folio on the deferred-split queue stays with it.
            if order == 0 && f.intersects(PageFlags::HEAD | PageFlags::TAIL) && self.deferred_split_hold(pfn, f) {
                return None;
            }
        }
        Some(order)
    }

    /// `free_unref_folios`: frees pages whose last reference went
    /// together, as [`free_pages`](Self::free_pages) frees each, the
    /// order-0 ones handed to the allocator in one batch.
    fn free_pages_bulk(&self, pfns: &[Pfn]) {
        let mut batch: smallvec::SmallVec<[Pfn; 32]> = smallvec::SmallVec::new();
        for &pfn in pfns {
            match self.free_pages_prepare(pfn, 0) {
                Some(0) => {
                    self.phys.page(pfn).reset();
                    batch.push(pfn);
                }
                Some(order) => self.free_prepared_block(pfn, order),
                None => {}
            }
        }
        if !batch.is_empty() {
            let n = batch.len() as u64;
            self.vmstat.count(VmEvent::PgFree, n);
            self.alloc.free_pages_bulk(&batch);
            self.nr_free.add(n as i64);
        }
    }

    /// `split_page`: the `1 << order` frames from `pfn` (just allocated,
    /// the head holding the one reference) become pages of their own, each
    /// with one reference, freed one by one.  False if the allocator
    /// cannot split blocks (the block is left as it was).
    pub(crate) fn split_page(&self, pfn: Pfn, order: u32) -> bool {
        if order == 0 {
            return true;
        }
        if !self.alloc.split_page(pfn, order) {
            return false;
        }
        for i in 1..1u64 << order {
            self.phys.page(Pfn(pfn.0 + i)).refcount.store(1, Ordering::Release);
        }
        true
    }

    /// Takes a reference on an order-0 page (`get_page`).
    #[inline]
    pub(crate) fn get_page(&self, pfn: Pfn) {
        self.phys.page(pfn).refcount.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops a reference (`put_page`); frees the frame with the last one.
    /// Returns true if the frame was freed.
    pub(crate) fn put_page(&self, pfn: Pfn) -> bool {
        let prev = self.phys.page(pfn).refcount.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(prev > 0, "put_page on a free frame {pfn:?}");
        if prev == 1 {
            self.free_pages(pfn, 0);
            true
        } else {
            false
        }
    }

    /// `folio_put_refs`: drops `refs` references at once; frees the frame
    /// with the last one.  Returns true if the frame was freed.
    pub(crate) fn folio_put_refs(&self, pfn: Pfn, refs: i32) -> bool {
        let prev = self.phys.page(pfn).refcount.fetch_sub(refs, Ordering::AcqRel);
        debug_assert!(prev >= refs, "folio_put_refs of {refs} on {pfn:?} with {prev} references");
        if prev == refs {
            self.free_pages(pfn, 0);
            true
        } else {
            false
        }
    }

    /// `release_pages` / `folios_put_refs`: drops one reference on each
    /// page; the pages freed leave the reclaim lists together, under one
    /// lock, before going back to the allocator.
    pub(crate) fn release_pages(&self, pfns: &[Pfn]) {
        let mut lru: smallvec::SmallVec<[Pfn; 32]> = smallvec::SmallVec::new();
        let mut free: smallvec::SmallVec<[Pfn; 32]> = smallvec::SmallVec::new();
        for &pfn in pfns {
            let page = self.phys.page(pfn);
            let prev = page.refcount.fetch_sub(1, Ordering::AcqRel);
            debug_assert!(prev > 0, "put_page on a free frame {pfn:?}");
            if prev == 1 {
                if page.test(PageFlags::LRU) {
                    lru.push(pfn);
                }
                free.push(pfn);
            }
            if free.len() == free.inline_size() {
                self.release_batch(&mut lru, &mut free);
            }
        }
        self.release_batch(&mut lru, &mut free);
    }

    fn release_batch(&self, lru: &mut smallvec::SmallVec<[Pfn; 32]>, free: &mut smallvec::SmallVec<[Pfn; 32]>) {
        if !lru.is_empty() {
            self.lru_ctx().folios_del_lru(lru);
            lru.clear();
        }
        self.free_pages_bulk(free);
        free.clear();
    }

    /// `drain_all_pages`: the allocator returns the frames it caches per
    /// CPU to its shared pool.
    pub fn drain_all_pages(&self) {
        self.alloc.drain();
    }

    /// One run of the vmstat worker (`vmstat_update` ->
    /// `refresh_cpu_vm_stats`), which the kernel runs on each CPU once a
    /// second (`vm.stat_interval`): the per-CPU page lists that a burst of
    /// allocations or frees made larger shrink a step toward their floor
    /// (`decay_pcp_high`).  The model has no clock: its caller says when a
    /// second has passed.  Returns whether another run would do more (the
    /// kernel keeps the worker armed while it does).
    pub fn vmstat_update(&self) -> bool {
        self.alloc.decay_pcp_high()
    }

    /// Frames free (`NR_FREE_PAGES`).
    #[inline]
    pub fn nr_free_pages(&self) -> u64 {
        self.nr_free.sum().max(0) as u64
    }

    /// `wakeup_kswapd`: kswapd will run when the current task returns to
    /// user space ([`kswapd_poll`](Self::kswapd_poll)).
    #[inline]
    pub fn wakeup_kswapd(&self) {
        if !self.kswapd_wait.load(Ordering::Relaxed) {
            self.kswapd_wait.store(true, Ordering::Relaxed);
        }
    }

    /// Runs kswapd if it was woken (`kswapd` -> `balance_pgdat`): reclaims
    /// until free memory is above the high watermark or nothing more can
    /// go.
    #[inline]
    pub fn kswapd_poll(&self) {
        if self.kswapd_wait.load(Ordering::Relaxed) && self.kswapd_wait.swap(false, Ordering::AcqRel) {
            self.balance_pgdat();
        }
        if self.kcompactd.woken() {
            self.kcompactd_do_work();
        }
    }

    /// `swapon`: adds a swap area of priority `prio`; returns its type.
    pub fn swapon(&self, device: Box<dyn SwapDevice>, prio: i32) -> Result<u32, SwaponError> {
        self.swap.swapon(device, prio, self.cpus.len())
    }

    /// Loads address space `mm` on CPU `c` (`switch_mm_irqs_off` ->
    /// `choose_new_asid` -> the MMU's [`switch_mm`](Mmu::switch_mm)).  An
    /// address space the CPU still has an ASID for keeps its TLB entries,
    /// unless it was flushed meanwhile (its `tlb_gen` moved on); otherwise
    /// the next ASID is taken over, round robin, and flushed.
    ///
    /// The choice is neutral: it needs only the number of ASIDs the MMU
    /// keeps apart, and the generations are what
    /// [`flush_tlb_mm_range`](Self::flush_tlb_mm_range) counts flushes by;
    /// the MMU maps an ASID to its hardware tag.
    ///
    /// The caller holds the CPU `c`, which has another address space
    /// loaded (`c.active_mm != mm.id`): an access, which holds its CPU
    /// while it translates, switches there first.
    #[cold]
    #[inline(never)]
    pub(crate) fn switch_mm_irqs_off(&self, c: &mut Cpu, mm: &MmStruct) {
        let cpu = c.id;
        let _t = trace_enter!(self.trace, "switch_mm_irqs_off", "cpu {cpu}: mm {} -> mm {}", c.active_mm, mm.id);
        let next_tlb_gen = mm.tlb_gen.load(Ordering::Acquire);
        // choose_new_asid
        let (asid, need_flush) = match c.ctxs.iter().position(|x| x.ctx_id == mm.id) {
            Some(asid) => (asid, c.ctxs[asid].tlb_gen < next_tlb_gen),
            None => {
                let asid = c.next_asid % c.ctxs.len();
                c.next_asid = asid + 1;
                (asid, true)
            }
        };
        if need_flush {
            c.ctxs[asid] = TlbContext { ctx_id: mm.id, tlb_gen: next_tlb_gen };
        }
        c.mmu.switch_mm(&self.trace, mm.pgd(), asid as Asid, need_flush);
        c.active_mm = mm.id;
        c.loaded_asid = asid;
        self.loaded_mm[cpu].store(mm.id, Ordering::Release);
    }

    /// Forgets an address space on every CPU (it is being torn down): a
    /// CPU that has it loaded loads none, and its ASID slots are freed.
    pub(crate) fn drop_mm(&self, mm_id: u64) {
        self.__khugepaged_exit(mm_id);
        for c in &self.cpus {
            let mut c = c.lock();
            for asid in 0..c.ctxs.len() {
                if c.ctxs[asid].ctx_id == mm_id {
                    c.mmu.flush_tlb_asid(asid as Asid);
                    c.ctxs[asid] = TlbContext::default();
                }
            }
            if c.active_mm == mm_id {
                c.active_mm = 0;
                self.loaded_mm[c.id].store(0, Ordering::Release);
            }
        }
    }

    /// Flushes the translations of `[start, end)` of `mm`
    /// (`flush_tlb_mm_range`): its `tlb_gen` moves on, and every CPU that
    /// has it loaded flushes now (`flush_tlb_func`: one `invlpg` per page,
    /// or a whole flush above `tlb_single_page_flush_ceiling` pages or if
    /// the CPU missed an earlier flush).  A CPU that keeps its entries
    /// under another ASID flushes when it switches back to it.
    pub fn flush_tlb_mm_range(&self, mm: &MmStruct, start: u64, end: u64, stride_shift: u32) {
        if end <= start {
            return;
        }
        let new_gen = mm.tlb_gen.fetch_add(1, Ordering::AcqRel) + 1;
        let pages = (end - start) >> stride_shift;
        let full = pages > self.tunables.tlb_single_page_flush_ceiling;
        // The flushing CPU counts its own flush as local and, once, that it
        // had other CPUs flush (`nr_tlb_remote_flush`).
        let this_cpu = crate::smp::smp_processor_id();
        let mut remote = false;
        for c in &self.cpus {
            let mut c = c.lock();
            if c.active_mm != mm.id {
                continue;
            }
            let asid = c.loaded_asid;
            let local_gen = c.ctxs[asid].tlb_gen;
            if local_gen >= new_gen {
                continue;
            }
            let local = c.id == this_cpu;
            remote |= !local;
            if full || new_gen != local_gen + 1 {
                c.mmu.flush_tlb_asid(asid as Asid);
                if local {
                    self.vmstat.count(VmEvent::TlbLocalFlushAll, 1);
                }
            } else {
                let mut a = start;
                while a < end {
                    c.mmu.flush_tlb_one_user(asid as Asid, a);
                    a += 1 << stride_shift;
                }
                if local {
                    self.vmstat.count(VmEvent::TlbLocalFlushOne, pages);
                }
            }
            c.ctxs[asid].tlb_gen = new_gen;
        }
        if remote {
            self.vmstat.count(VmEvent::TlbRemoteShootdown, 1);
        }
        trace_note!(
            self.trace,
            "flush_tlb_mm_range",
            "{:#x}-{:#x}: {}",
            start,
            end,
            if full { "full flush".to_string() } else { format!("{pages} invlpg") }
        );
    }

    /// Flushes one page (`flush_tlb_page`).
    pub fn flush_tlb_page(&self, mm: &MmStruct, addr: u64) {
        self.flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE, PAGE_SHIFT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print_back() {
        for (s, n) in [("4096", 4096), ("64K", 64 << 10), ("1t", 1 << 40), ("2P", 2 << 50), ("15E", 15 << 60)] {
            assert_eq!(parse_size(s), Ok(n), "{s}");
        }
        for (n, s) in [(0, "0"), (4097, "4097"), (1536 << 20, "1536M"), (8 << 40, "8T"), (2 << 50, "2P")] {
            assert_eq!(format_size(n), s);
            assert_eq!(parse_size(s), Ok(n));
        }
        assert_eq!(format_size(u64::MAX), u64::MAX.to_string());
    }

    #[test]
    fn sizes_past_64_bits_are_errors() {
        for s in ["16E", "16384P", "18446744073709551616", "99999999999999999999T"] {
            assert_eq!(parse_size(s), Err(SizeError::TooLarge(s.to_string())), "{s}");
            assert!(parse_size(s).is_err_and(|e| e.to_string().contains("too large")), "{s}");
        }
        assert_eq!(parse_size("12Q"), Err(SizeError::UnknownUnit('Q')));
        assert!(parse_size("12Q").is_err_and(|e| e.to_string().contains("unknown size unit 'Q'")));
        assert!(parse_size("G").is_err_and(|e| e.to_string() == "bad size 'G'"));
    }

    /// Every setting reads back what `settings` prints, so a sweep's
    /// output names a machine that can be built again from it.
    #[test]
    fn settings_read_back() {
        let mut c = MachineConfig::default();
        for pair in ["ram=16M", "swap=zram:64M", "swap=file:/tmp/x:1G", "reclaim=clock", "swappiness=100"] {
            c.set_pair(pair).expect(pair);
        }
        c.set("page-cluster", "0").expect("dash");
        c.set("rlimit_as", "unlimited").expect("limit");
        c.set("min_free_kbytes", "512").expect("kb");
        let mut again = MachineConfig::default();
        for (k, v) in c.settings() {
            if k == "swap" {
                again.set(k, "none").expect("none");
                for s in v.split(',') {
                    again.set(k, s).expect(s);
                }
            } else {
                again.set(k, &v).unwrap_or_else(|e| panic!("{k}={v}: {e}"));
            }
        }
        assert_eq!(again.settings(), c.settings());
        assert_eq!((again.ram, again.tunables.page_cluster, again.swap.len()), (16 << 20, 0, 2));
        assert_eq!(again.tunables, c.tunables);
    }

    #[test]
    fn bad_settings_say_why() {
        let mut c = MachineConfig::default();
        let e = c.set("swapiness", "1").unwrap_err().to_string();
        assert!(e.starts_with("unknown machine setting 'swapiness' (known: ram, "), "{e}");
        let e = c.set("swappiness", "201").unwrap_err().to_string();
        assert_eq!(e, "bad value '201' for swappiness: at most 200");
        let e = c.set("ram", "12Q").unwrap_err().to_string();
        assert!(e.contains("unknown size unit 'Q'"), "{e}");
        assert!(c.set("cap_ipc_lock", "maybe").is_err());
        assert!(c.set("tlb_sets", "100").is_err());
        assert!(matches!(c.set_pair("ram"), Err(SettingError::Syntax(_))));
        assert_eq!(c.settings(), MachineConfig::default().settings(), "a refused setting changes nothing");
    }

    /// Each setting alone may be in range while the TLB they make is too
    /// large to allocate: the machine refuses it.
    #[test]
    fn a_tlb_too_large_is_refused() {
        let mut c = MachineConfig::default();
        c.set("tlb_sets", "1048576").unwrap();
        c.set("tlb_ways", "1024").unwrap();
        let Err(e) = Machine::new(&c) else { panic!("a TLB of 2^30 entries was built") };
        let e = e.to_string();
        assert_eq!(e, "a TLB of 1048576 sets x 1024 ways is too large (at most 65536 entries per CPU)");
        c.set("tlb_sets", "4096").unwrap();
        c.set("tlb_ways", "16").unwrap();
        // (No backend is linked into these tests: the next check fails.)
        assert!(!matches!(Machine::new(&c), Err(ConfigError::TlbTooLarge { .. })));
    }
}
