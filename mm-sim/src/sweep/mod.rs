//! `mmsim sweep`: one command that runs the product of machine settings
//! (backends, RAM and swap sizes, tunables) by workloads (scenario files,
//! strace logs, recordings, and the synthetic generators of
//! [`workload`]), each cell on a fresh simulated machine, and reports
//! every cell's counters ([`results`]) as a table, CSV or JSON, with the
//! offline optimal eviction baseline ([`min`]) and charts ([`plot`]).

pub mod plot;
pub mod results;
