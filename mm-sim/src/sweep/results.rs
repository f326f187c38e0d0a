//! What a sweep produces: one [`Cell`] per (machine, workload) pair, in
//! the sweep's product order, gathered in a [`Sweep`].  The JSON form is
//! serde's of these types; shards of one sweep merge back into the
//! document the unsharded sweep writes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the JSON document; a reader refuses any other.
pub const SWEEP_FORMAT: u32 = 1;

/// A sweep's results, or one shard's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// [`SWEEP_FORMAT`].
    pub mmsim_sweep: u32,
    /// The settings varied, in the order the product runs them: each
    /// key of [`MachineConfig::set`](mm_core::MachineConfig::set) with its
    /// values as given (`("reclaim", ["lru", "clock"])`).
    pub axes: Vec<(String, Vec<String>)>,
    /// The workloads, in order: a file's path as given, or a generator's
    /// canonical spec (`zipf:pages=4096,theta=0.9,n=65536,seed=1`).
    pub workloads: Vec<String>,
    /// Total number of cells of the whole sweep (every shard's).
    pub total_cells: usize,
    /// `Some((i, n))` for shard `i` of `n` (from 1); `None` for the whole
    /// sweep or a merge of all its shards.
    pub shard: Option<(usize, usize)>,
    /// The cells this document holds, by [`Cell::index`].
    pub cells: Vec<Cell>,
}

/// One run: a workload on one machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The cell's place in the sweep's product order: machines vary
    /// slowest in axis order, the workload fastest.  Stable however the
    /// sweep is sharded.
    pub index: usize,
    /// The workload ([`Sweep::workloads`]).
    pub workload: String,
    /// The value of each axis for this cell (`{"ram": "8M", "reclaim":
    /// "clock"}`).
    pub axes: BTreeMap<String, String>,
    /// Every setting of the machine the cell ran on, as
    /// [`MachineConfig::settings`](mm_core::MachineConfig::settings)
    /// prints them.
    pub machine: BTreeMap<String, String>,
    /// Page accesses the workload made in its measured phase, when known
    /// (the synthetic generators).
    pub accesses: Option<u64>,
    /// Minor faults in the measured phase (every process).
    pub minflt: u64,
    /// Major faults in the measured phase (every process).
    pub majflt: u64,
    /// Pages read in in the measured phase (swap-ins and file reads).
    pub page_ins: u64,
    /// The offline optimal (Belady's MIN) number of page-ins for the same
    /// access sequence with [`min_capacity`](Self::min_capacity) frames,
    /// when the sequence is known.
    pub min_page_ins: Option<u64>,
    /// Frames MIN was given: every frame of the machine's RAM (no policy
    /// can keep more pages resident).
    pub min_capacity: Option<u64>,
    /// Host wall time of the cell, in nanoseconds: the one field that
    /// differs between two runs of the same sweep.
    pub wall_ns: u64,
    /// `/proc/vmstat` at the end of the cell, every counter.
    pub vmstat: BTreeMap<String, u64>,
    /// `/proc/meminfo` at the end of the cell, in kB.
    pub meminfo: BTreeMap<String, u64>,
    /// Why the cell could not run to the end (the run's error, with its
    /// line), if it could not; the counters are then as it left them.
    pub error: Option<String>,
}
