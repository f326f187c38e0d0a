//! The `mmsim` command.

/// mimalloc: the model allocates and frees many small objects (VMAs,
/// folios, page-table pages, path strings) on every call and fault; it
/// replays programs about a tenth faster than with the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mm_sim::main()
}
