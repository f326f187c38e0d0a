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
    TlbRemoteShootdown => "nr_tlb_remote_flush",
    TlbLocalFlushAll => "nr_tlb_local_flush_all",
    TlbLocalFlushOne => "nr_tlb_local_flush_one",
}

const N: usize = VmEvent::ALL.len();

/// One CPU's counters, on cache lines of their own.
#[repr(align(64))]
#[derive(Debug, Default)]
struct PerCpu([AtomicU64; N]);

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
