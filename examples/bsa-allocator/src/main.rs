//! `mmsim` with the example allocators linked in: `mmsim-examples run
//! --allocator buddy-system-allocator FILE`, or `--allocator first-fit`.

// Naming the crates keeps their registry entries in the binary.
use bsa_allocator as _;
use first_fit_allocator as _;

fn main() -> std::process::ExitCode {
    mm_sim::main()
}
