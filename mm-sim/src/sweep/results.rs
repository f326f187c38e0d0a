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
    /// Pages read in in the measured phase: swap-ins (`pswpin`, swap
    /// readahead's pages included; the model counts no file reads).
    pub page_ins: u64,
    /// The offline optimal (Belady's MIN) number of page-ins for the same
    /// access sequence with [`min_capacity`](Self::min_capacity) frames,
    /// when the sequence is known.
    pub min_page_ins: Option<u64>,
    /// Frames MIN was given: every frame of the machine's RAM (no policy
    /// can keep more pages resident).
    pub min_capacity: Option<u64>,
    /// Host wall time of the cell's run (the machine built and the
    /// workload run; not the MIN baseline), in nanoseconds: the one field
    /// that differs between two runs of the same sweep.
    pub wall_ns: u64,
    /// `/proc/vmstat` at the end of the cell, every counter.
    pub vmstat: BTreeMap<String, u64>,
    /// `/proc/meminfo` at the end of the cell, in kB.
    pub meminfo: BTreeMap<String, u64>,
    /// Why the cell could not run to the end (the run's error, with its
    /// line, or the machine's), if it could not; its counters are then
    /// zero and its `vmstat` and `meminfo` empty.
    pub error: Option<String>,
}

impl Sweep {
    /// Puts the shards of one sweep, each named (its file), back into the
    /// document the unsharded sweep writes: the same header with no
    /// shard, every cell once, in index order.  The cells are as their
    /// shards ran them, so the result equals the unsharded sweep's but
    /// for [`Cell::wall_ns`], the host's time, which differs between any
    /// two runs.  Refuses documents of different sweeps (axes,
    /// workloads or size), a cell twice or out of its shard, and a
    /// merge that lacks cells.
    pub fn merge(parts: Vec<(String, Sweep)>) -> Result<Sweep, String> {
        let mut parts = parts.into_iter();
        let Some((first_name, first)) = parts.next() else {
            return Err("nothing to merge".to_string());
        };
        let mut merged = Sweep { shard: None, cells: Vec::new(), ..first.clone() };
        if merged.total_cells > super::MAX_CELLS {
            return Err(format!("{first_name}: {} cells, more than a sweep may have", merged.total_cells));
        }
        let mut seen = vec![false; merged.total_cells];
        let mut from: Vec<String> = Vec::new();
        for (name, part) in std::iter::once((first_name, first)).chain(parts) {
            let same = part.mmsim_sweep == merged.mmsim_sweep
                && part.axes == merged.axes
                && part.workloads == merged.workloads
                && part.total_cells == merged.total_cells;
            if !same {
                return Err(format!(
                    "{name} is not a shard of the same sweep as {} (its axes, workloads or size differ)",
                    from.first().map_or("the others", String::as_str)
                ));
            }
            for c in part.cells {
                let bad = |why: &str| Err(format!("{name}: cell {}: {why}", c.index));
                if c.index >= merged.total_cells {
                    return bad(&format!("past the sweep's {} cells", merged.total_cells));
                }
                if let Some((i, n)) = part.shard
                    && (n == 0 || c.index % n + 1 != i)
                {
                    return bad(&format!("not in shard {i}/{n}"));
                }
                if merged.workloads.get(c.index % merged.workloads.len().max(1)) != Some(&c.workload) {
                    return bad("its workload is not the one its index says");
                }
                if seen[c.index] {
                    return bad("given twice");
                }
                seen[c.index] = true;
                merged.cells.push(c);
            }
            from.push(name);
        }
        let missing: Vec<usize> = seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| i).collect();
        if let Some(first) = missing.first() {
            return Err(format!(
                "{} of the sweep's {} cells are missing (the first: cell {first}): a shard is not there",
                missing.len(),
                merged.total_cells
            ));
        }
        merged.cells.sort_by_key(|c| c.index);
        Ok(merged)
    }
}
