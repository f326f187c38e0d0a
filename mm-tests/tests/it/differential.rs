//! Every committed scenario runs on the simulator and prints what the real
//! Linux kernel printed for it (`run-real`), dev and inode columns aside.

use mm_core::machine::MachineConfig;
use mm_tests::differential;

fn check(subdir: &str, cfg: Option<MachineConfig>, at_least: usize) {
    let (n, failures) = differential(subdir, cfg);
    assert!(n >= at_least, "{subdir}: only {n} cases found");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from the real kernel:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The shared semantics cases: anonymous and file mappings, private and
/// shared, brk, and (`fork-*`) several processes.
#[test]
fn semantics_cases_match_linux() {
    check("semantics", None, 64);
}

/// Random scenarios with `fork`, `process` and `exit` (`forks/fork-N.mms`
/// is `gen.py --seed N --ops $((30 + N % 91)) --fork`), recorded on the
/// real kernel.
#[test]
fn fork_cases_match_linux() {
    check("forks", None, 300);
}

/// Longer ones (`forks-long/fork-N.mms` is `gen.py --seed N --ops
/// $((60 + N % 141)) --fork`, N in 301..=700).
#[test]
fn long_fork_cases_match_linux() {
    check("forks-long", None, 400);
}

/// Hand-written edge cases (merging, accounting, mremap, madvise, brk,
/// files and shared memory),
/// recorded on the real kernel.
#[test]
fn edge_cases_match_linux() {
    check("edge", None, 56);
}

/// Random scenarios around the program break (`tools/gen_brk.py`),
/// recorded on the real kernel.
#[test]
fn brk_cases_match_linux() {
    check("brk", None, 60);
}

/// Random scenarios with extreme arguments (`tools/gen_extreme.py`):
/// edge addresses and lengths for every argument check, recorded on the
/// real kernel.
#[test]
fn extreme_argument_cases_match_linux() {
    check("extreme", None, 80);
}

/// Tests of the kernel's own suites (tools/testing/selftests/mm and LTP's
/// syscall tests) ported to scenarios by `tools/port_selftests.py`, and
/// guard-regions.c (`guard-regions-*`: eight by hand, and one per test and
/// variant by `tools/port_guard_regions.py`, recorded with `mmsim real`),
/// mlock2-tests.c, madv_populate.c and LTP's mlock, mlock2, munlock,
/// mlockall, munlockall and mincore tests, LTP's ftruncate, fallocate01-04/06,
/// mmap09/10/20/21, madvise01/02/03/05, read02, write05 and pwrite02
/// cases, and (`*-named`) exact ports of cases whose addresses the kernel
/// chooses, with names for them; and (`tools/gen_mlock.py --random-test`)
/// mlock-random-test.c, recorded on the real kernel.
#[test]
fn ported_selftest_cases_match_linux() {
    check("selftests", None, 269);
}

/// Hand-written cases of mlock, mlock2, munlock, mlockall, munlockall,
/// MAP_LOCKED, MADV_POPULATE_READ/WRITE and mincore, and generated ones
/// (`tools/gen_mlock.py`), recorded on the real kernel.
#[test]
fn mlock_cases_match_linux() {
    check("mlock", None, 224);
}

/// (v1.4) Names for addresses the kernel chose (`= $a`): hand-written
/// cases and random ones (`names/gen-N.mms` is `tools/gen_names.py N
/// $((20 + N % 30))`, N in 1..=80), recorded on the real kernel.
#[test]
fn named_address_cases_match_linux() {
    check("names", None, 87);
}

/// (v1.4) `dump smaps`: the smaps fields of each VMA, recorded on the real
/// kernel.
#[test]
fn smaps_cases_match_linux() {
    check("smaps", None, 4);
}

/// The scenarios whose call chains are snapshot-tested.
#[test]
fn trace_cases_match_linux() {
    check("trace", None, 15);
}

/// Random scenarios from `gen.py --anon-only`, recorded on the real kernel.
#[test]
fn generated_cases_match_linux() {
    check("generated", None, 300);
}

/// Random scenarios from `gen.py` with files on tmpfs, shared and private,
/// and shared anonymous memory (`files/file-N.mms` is
/// `gen.py --seed N --ops $((20 + N % 41))`), recorded on the real kernel.
#[test]
fn file_cases_match_linux() {
    check("files", None, 300);
}

/// Longer random scenarios of the same kind (`files-long/big-N.mms` is
/// `gen.py --seed N --ops $((60 + N % 141))`, N in 5001..=5100 and
/// 9001..=9400), recorded on the real kernel.
#[test]
fn long_file_cases_match_linux() {
    check("files-long", None, 500);
}

/// (v1.4) Guard pages (`MADV_GUARD_INSTALL`/`REMOVE`), `MADV_COLD`,
/// `MADV_DONTDUMP`/`DODUMP`, `MAP_SHARED_VALIDATE`, droppable memory and
/// raw flag, protection and advice values: hand-written cases and
/// random ones (`guard/gen-N.mms` is `tools/gen_guard.py N --ops $((30 +
/// N % 51))`, N in 1..=200), recorded on the real kernel.
#[test]
fn guard_cases_match_linux() {
    check("guard", None, 213);
}

/// (v1.4) `ftruncate`, `fallocate`, `MADV_REMOVE` and `read`/`write`/
/// `pread64`/`pwrite64` with mapped buffers: hand-written cases for each
/// rule and error path, and random ones (`trunc/gen-N.mms` is
/// `tools/gen_trunc.py N $((20 + N % 41))`, N in 1..=300, and with
/// `--own-buffers` for N in 301..=340), recorded on the real kernel.
#[test]
fn truncate_and_file_io_cases_match_linux() {
    check("trunc", None, 357);
}

/// (v1.6) Transparent huge pages: faults, the huge zero page, splits,
/// fork, mprotect, mremap, madvise (`MADV_COLLAPSE` too) and mlock of
/// 2 MiB folios, hand-written and recorded on the real kernel
/// (`enabled=madvise`).
#[test]
fn thp_cases_match_linux() {
    check("thp", None, 55);
}

/// (v1.6) Anonymous mTHP cases (`thp/mthp/`): 16 kB to 1024 kB folios
/// mapped by PTEs under per-size `thp_enabled_SIZE` settings, recorded
/// with `mmsim real --change-host-settings`.
#[test]
fn mthp_cases_match_linux() {
    check("thp/mthp", None, 24);
}

/// (v1.6) Random mTHP scenarios (`thp/mthp/generated/gen-mthp-N.mms` is
/// `tools/gen_mthp.py N --ops $((20 + N % 21))`: per-size settings, VMAs
/// at 4 kB to 256 kB granularity, partial advice, mremap, fork), recorded
/// with `mmsim real --change-host-settings`.
#[test]
fn generated_mthp_cases_match_linux() {
    check("thp/mthp/generated", None, 80);
}

/// (v1.7) khugepaged's background collapse (`thp/khugepaged/`): a
/// `khugepaged` line waits for two full scans; collapses and refusals by
/// its rules (empty, shared and old entries, advice, VMA boundaries),
/// recorded on the real kernel with the reference machine's settings (two
/// with `max_ptes_none` or `max_ptes_shared` 0, `--change-host-settings`).
#[test]
fn khugepaged_cases_match_linux() {
    check("thp/khugepaged", None, 14);
}

/// (v1.7) khugepaged's collapse of shmem and tmpfs ranges
/// (`thp/khugepaged-shmem`): the page cache of shared anonymous memory
/// under each `shmem_enabled` and of tmpfs files under each `huge=` made
/// one folio per block (`collapse_file`), `max_ptes_none` against what the
/// cache holds, the page tables of every mapping retracted (but that of a
/// written private mapping), a PTE-mapped 2 MiB folio's table retracted,
/// recorded with `mmsim real --change-host-settings`.
#[test]
fn khugepaged_shmem_cases_match_linux() {
    check("thp/khugepaged-shmem", None, 15);
}

/// (v1.7) Random ones (`thp/khugepaged-shmem/generated/gen-khugepaged-shmem-N.mms`
/// is `tools/gen_khugepaged_shmem.py N`), recorded the same way.
#[test]
fn generated_khugepaged_shmem_cases_match_linux() {
    check("thp/khugepaged-shmem/generated", None, 48);
}

/// (v1.7) Huge pages of tmpfs and shared memory (`thp/shmem`): files on
/// a tmpfs mounted with `huge=always`, `within_size` or `advise`
/// (`machine tmpfs_huge=`) and `MAP_SHARED|MAP_ANONYMOUS` memory under
/// each `shmem_enabled` (recorded with `--change-host-settings`), cached
/// in large folios and mapped by PMDs, and `MADV_COLLAPSE` of such
/// ranges, recorded on the real kernel.
#[test]
fn thp_shmem_cases_match_linux() {
    check("thp/shmem", None, 32);
}

/// (v1.8) Large page-cache folios of a disk filesystem (`thp/ext4`): files
/// on the host's ext4 with nothing cached at the start (`machine
/// files_on=ext4`, the device's `read_ahead_kb`), read through readahead
/// (`MADV_HUGEPAGE`: two 2 MiB folios, mapped by PMDs where the VMA and
/// offset allow), written, unmapped, advised, protected and forked,
/// recorded twice on the real kernel.
#[test]
fn thp_ext4_cases_match_linux() {
    check("thp/ext4", None, 26);
}

/// (v1.6) Random THP scenarios (`thp/generated/gen-thp-N.mms` is
/// `tools/gen_thp.py`'s, 2 MiB-aligned regions with THP advice, splits and
/// fork), recorded on the real kernel.
#[test]
fn generated_thp_cases_match_linux() {
    check("thp/generated", None, 130);
}

/// The result does not depend on the page allocator.  With five-level
/// paging the user address space ends at 2^56 instead of 2^47, so only the
/// cases that do not probe `TASK_SIZE` are run with it.
#[test]
fn cases_match_with_every_backend() {
    for alloc in mm_core::machine::allocator_names() {
        for pt in mm_core::machine::page_table_names() {
            let cfg = MachineConfig { allocator: alloc.to_string(), page_table: pt.to_string(), ..Default::default() };
            check("semantics", Some(cfg.clone()), 64);
            check("thp", Some(cfg.clone()), 55);
            check("thp/mthp", Some(cfg.clone()), 24);
            if pt == "x86-64-4level" {
                check("edge", Some(cfg), 56);
            }
        }
    }
}
