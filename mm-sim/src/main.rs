//! The `mmsim` command.

fn main() -> std::process::ExitCode {
    mm_sim::main()
}
