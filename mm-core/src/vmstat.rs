//! Global event counters with the names of `/proc/vmstat`.

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
            /// Every event, in `/proc/vmstat` order.
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
    PgAllocNormal => "pgalloc_normal",
    PgFree => "pgfree",
    PgFault => "pgfault",
    PgMajFault => "pgmajfault",
    PgReuse => "pgreuse",
    ThpFaultAlloc => "thp_fault_alloc",
    TlbRemoteShootdown => "nr_tlb_remote_flush",
    TlbLocalFlushAll => "nr_tlb_local_flush_all",
    TlbLocalFlushOne => "nr_tlb_local_flush_one",
}

/// The counters.
#[derive(Debug)]
pub struct VmStat {
    counters: Vec<AtomicU64>,
}

impl Default for VmStat {
    fn default() -> Self {
        VmStat {
            counters: VmEvent::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl VmStat {
    /// `count_vm_events`.
    #[inline]
    pub fn count(&self, ev: VmEvent, n: u64) {
        self.counters[ev as usize].fetch_add(n, Ordering::Relaxed);
    }
    /// Current value.
    pub fn get(&self, ev: VmEvent) -> u64 {
        self.counters[ev as usize].load(Ordering::Relaxed)
    }
    /// Every counter with its name.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        VmEvent::ALL
            .iter()
            .map(|&e| (e.name(), self.get(e)))
            .collect()
    }
}
