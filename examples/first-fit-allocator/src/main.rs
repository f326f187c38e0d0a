//! `mmsim` with the first-fit allocator linked in: `mmsim-first-fit run
//! --allocator first-fit FILE`.

// Naming the crate keeps its registry entry in the binary.
use first_fit_allocator as _;

fn main() -> std::process::ExitCode {
    mm_sim::main()
}
