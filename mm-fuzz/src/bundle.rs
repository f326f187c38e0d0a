//! The `bundle` target: bytes as a recording (`mmsim-recording 1`, its
//! root snapshot, trace with page-fault lines and expected outcome).
//!
//! The bytes are parsed as a bundle; if they parse, the recording is
//! replayed with `--check` on a small machine (each recorded fault run as
//! an access, the outcome of each thread group compared).  A refused
//! bundle, a divergence or a difference is fine; a panic, an abort or an
//! unbounded allocation is a defect, and so is a machine whose invariants
//! the replay broke.

use mm_core::machine::MachineConfig;
use mm_sim::RunOptions;

pub fn fuzz(data: &[u8]) {
    let Ok(b) = mm_sim::bundle::parse_bundle(data) else { return };
    // Few events: a fuzzed log of a million lines proves nothing more.
    if b.log.events.len() > 20_000 {
        return;
    }
    let opts =
        RunOptions { machine: MachineConfig { ram: 16 << 20, ..MachineConfig::default() }, ..RunOptions::default() };
    let _ = mm_sim::replay::replay_bundle(&b, &opts, true);
}
