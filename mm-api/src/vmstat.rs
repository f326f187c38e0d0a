//! Global event counters with the names of `/proc/vmstat`, kept per CPU as
//! the kernel keeps them (`vm_event_states`): an event is counted on the
//! CPU that saw it without an atomic read-modify-write, and a reader sums
//! the CPUs.

use crate::smp::this_cpu_index;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! vm_events {
    ($($variant:ident => $name:literal,)*) => {
        /// A counted event (`enum vm_event_item` and friends).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum VmEvent {
            $($variant,)*
        }

        impl VmEvent {
            /// Every event, in `/proc/vmstat` order (the `workingset_*` node
            /// counters, which `/proc/vmstat` prints among its state items, first).
            pub const ALL: &'static [VmEvent] = &[$(VmEvent::$variant,)*];
            /// The `/proc/vmstat` name.
            pub fn name(self) -> &'static str {
                match self {
                    $(VmEvent::$variant => $name,)*
                }
            }
        }
    };
}

vm_events! {
    WorkingsetRefaultAnon => "workingset_refault_anon",
    WorkingsetRefaultFile => "workingset_refault_file",
    WorkingsetActivateAnon => "workingset_activate_anon",
    WorkingsetActivateFile => "workingset_activate_file",
    PswpIn => "pswpin",
    PswpOut => "pswpout",
    PgAllocNormal => "pgalloc_normal",
    AllocStallNormal => "allocstall_normal",
    PgFree => "pgfree",
    PgActivate => "pgactivate",
    PgDeactivate => "pgdeactivate",
    PgLazyFree => "pglazyfree",
    PgFault => "pgfault",
    PgMajFault => "pgmajfault",
    PgLazyFreed => "pglazyfreed",
    PgRefill => "pgrefill",
    PgReuse => "pgreuse",
    PgStealKswapd => "pgsteal_kswapd",
    PgStealDirect => "pgsteal_direct",
    PgScanKswapd => "pgscan_kswapd",
    PgScanDirect => "pgscan_direct",
    PgScanAnon => "pgscan_anon",
    PgScanFile => "pgscan_file",
    PgStealAnon => "pgsteal_anon",
    PgStealFile => "pgsteal_file",
    PageOutRun => "pageoutrun",
    PgRotated => "pgrotated",
    OomKill => "oom_kill",
    PgMigrateSuccess => "pgmigrate_success",
    PgMigrateFail => "pgmigrate_fail",
    CompactMigrateScanned => "compact_migrate_scanned",
    CompactFreeScanned => "compact_free_scanned",
    CompactIsolated => "compact_isolated",
    CompactStall => "compact_stall",
    CompactFail => "compact_fail",
    CompactSuccess => "compact_success",
    KcompactdWake => "compact_daemon_wake",
    KcompactdMigrateScanned => "compact_daemon_migrate_scanned",
    KcompactdFreeScanned => "compact_daemon_free_scanned",
    UnevictablePgsCulled => "unevictable_pgs_culled",
    UnevictablePgsRescued => "unevictable_pgs_rescued",
    UnevictablePgsMlocked => "unevictable_pgs_mlocked",
    UnevictablePgsMunlocked => "unevictable_pgs_munlocked",
    UnevictablePgsCleared => "unevictable_pgs_cleared",
    UnevictablePgsStranded => "unevictable_pgs_stranded",
    ThpFaultAlloc => "thp_fault_alloc",
    ThpFaultFallback => "thp_fault_fallback",
    ThpFaultFallbackCharge => "thp_fault_fallback_charge",
    ThpFileAlloc => "thp_file_alloc",
    ThpFileFallback => "thp_file_fallback",
    ThpFileMapped => "thp_file_mapped",
    ThpCollapseAlloc => "thp_collapse_alloc",
    ThpCollapseAllocFailed => "thp_collapse_alloc_failed",
    ThpSplitPage => "thp_split_page",
    ThpSplitPageFailed => "thp_split_page_failed",
    ThpDeferredSplitPage => "thp_deferred_split_page",
    ThpSplitPmd => "thp_split_pmd",
    ThpScanExceedNonePte => "thp_scan_exceed_none_pte",
    ThpScanExceedSwapPte => "thp_scan_exceed_swap_pte",
    ThpScanExceedSharePte => "thp_scan_exceed_share_pte",
    ThpZeroPageAlloc => "thp_zero_page_alloc",
    ThpZeroPageAllocFailed => "thp_zero_page_alloc_failed",
    ThpSwpout => "thp_swpout",
    ThpSwpoutFallback => "thp_swpout_fallback",
    TlbRemoteShootdown => "nr_tlb_remote_flush",
    TlbLocalFlushAll => "nr_tlb_local_flush_all",
    TlbLocalFlushOne => "nr_tlb_local_flush_one",
    SwapRa => "swap_ra",
    SwapRaHit => "swap_ra_hit",
}

const N: usize = VmEvent::ALL.len();

/// One CPU's counters, on cache lines of their own.
#[repr(align(64))]
#[derive(Debug)]
struct PerCpu([AtomicU64; N]);

impl Default for PerCpu {
    fn default() -> Self {
        PerCpu(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

/// The counters.
#[derive(Debug)]
pub struct VmStat {
    cpus: Vec<PerCpu>,
}

impl VmStat {
    /// Counters for `nr_cpus` CPUs.
    pub fn new(nr_cpus: usize) -> VmStat {
        VmStat { cpus: (0..nr_cpus.max(1)).map(|_| PerCpu::default()).collect() }
    }

    /// `count_vm_events` on the current CPU.  A simulated CPU runs one host
    /// thread at a time, so a plain load and store suffice, as the kernel's
    /// `this_cpu_add` does.
    #[inline]
    pub fn count(&self, ev: VmEvent, n: u64) {
        let c = &self.cpus[this_cpu_index(self.cpus.len())].0[ev as usize];
        c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }

    /// Current value, summed over the CPUs.
    pub fn get(&self, ev: VmEvent) -> u64 {
        self.cpus.iter().map(|c| c.0[ev as usize].load(Ordering::Relaxed)).sum()
    }

    /// Every counter with its name.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        VmEvent::ALL.iter().map(|&e| (e.name(), self.get(e))).collect()
    }
}
