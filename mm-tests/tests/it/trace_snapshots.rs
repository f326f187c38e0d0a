//! Snapshots of the kernel call chains (`mmsim run --trace`) of the
//! scenarios in `scenarios/trace/`: every fault's path through
//! `exc_page_fault`, `handle_mm_fault`, `do_anonymous_page`, `do_wp_page`...
//! with what each step decided.  A change to the fault path shows up as a
//! snapshot diff.

#[test]
fn fault_call_chains() {
    insta::glob!(mm_tests::scenarios_dir().join("trace").to_str().expect("utf-8 path"), "*.mms", |path| {
        let out = mm_tests::run_file(path, None, true).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_snapshot!(out);
    });
}

/// The reclaim and swap-in chains of `scenarios/trace-swap/`, whose
/// `machine` lines give them a zram swap device (and, `kswapd.mms`, 256
/// KiB of RAM).
#[test]
fn reclaim_and_swap_in_call_chains() {
    insta::glob!(mm_tests::scenarios_dir().join("trace-swap").to_str().expect("utf-8 path"), "*.mms", |path| {
        let out = mm_tests::run_file(path, None, true).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_snapshot!(out);
    });
}
