//! Out of memory: a `fork` that finds no memory fails with `ENOMEM` and
//! leaves nothing behind; a fault that finds none runs the OOM killer,
//! which kills the process with the most memory, the faulting one or
//! another, and the lines of a killed process are reported gone.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::vmstat::VmEvent;
use mm_core::{Errno, Kernel, PAGE_SIZE, Pid, Signal};
use mm_sim::{RunOptions, parse, run};
use std::path::Path;

const A: u64 = 0x1_0000_0000;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

fn machine(ram: u64, swap: Option<&str>) -> MachineConfig {
    MachineConfig {
        ram,
        swap: swap.map(|s| vec![SwapSpec::parse(s).expect("swap")]).unwrap_or_default(),
        ..MachineConfig::default()
    }
}

fn run_on(path: &Path, cfg: MachineConfig, trace: bool) -> String {
    let src = std::fs::read(path).expect("scenario");
    let s = parse(&src).expect("parses");
    run(&s, &RunOptions { machine: cfg, trace, ..RunOptions::default() }).expect("runs to the end")
}

fn oom_scenario(name: &str) -> std::path::PathBuf {
    mm_tests::scenarios_dir().join("oom").join(name)
}

/// Forks until memory runs out: every failed fork is `ENOMEM`, undoes
/// what its `dup_mmap` did (no frame, swap slot, anon_vma or mapping
/// left), and the parent goes on with its memory intact.
#[test]
fn fork_out_of_memory_fails_with_enomem_and_leaks_nothing() {
    for swap in [None, Some("zram:64M")] {
        let mut k = Kernel::new(&machine(1 << 20, swap)).expect("machine");
        let m = k.machine().clone();
        let free = m.nr_free_pages();
        let parent = k.spawn().expect("process");
        let len = 64 * PAGE_SIZE;
        k.sys_mmap(parent, A, len, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
        for p in 0..len / PAGE_SIZE {
            k.store(parent, A + p * PAGE_SIZE, p as u8 | 1).expect("store");
        }
        let mut children: Vec<Pid> = Vec::new();
        let mut failures = 0;
        while failures < 3 {
            let before = (m.nr_free_pages(), m.swap().nr_swap_pages(), k.pids());
            match k.fork(parent) {
                Ok(c) => children.push(c),
                Err(e) => {
                    assert_eq!(e, Errno::ENOMEM, "{swap:?}");
                    failures += 1;
                    check(&k);
                    // Nothing of the child is left: no process, and no frame
                    // or slot more in use than before (reclaim may have
                    // freed some meanwhile).
                    assert_eq!(k.pids(), before.2, "{swap:?}");
                    assert!(m.nr_free_pages() >= before.0, "{swap:?}: frames leaked by a failed fork");
                    assert!(m.swap().nr_swap_pages() >= before.1, "{swap:?}: slots leaked by a failed fork");
                }
            }
            assert!(children.len() < 256, "{swap:?}: fork never ran out of memory");
        }
        assert!(!children.is_empty(), "{swap:?}");
        for p in 0..len / PAGE_SIZE {
            assert_eq!(k.load(parent, A + p * PAGE_SIZE), Ok(p as u8 | 1), "{swap:?}");
        }
        for c in children {
            k.exit(c);
            check(&k);
        }
        k.exit(parent);
        check(&k);
        m.drain_all_pages();
        assert_eq!(m.nr_free_pages(), free, "{swap:?}: frames leaked");
        assert_eq!(m.swap().nr_swap_pages(), m.swap().total_swap_pages() as i64, "{swap:?}: swap slots leaked");
    }
}

/// The reproducer: with 1 MiB of RAM, forks fail from line 115 on, the
/// run goes on, prints everything, and the killed processes' lines are
/// reported gone.
#[test]
fn a_failed_fork_keeps_the_output_and_the_run_goes_on() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-fuzz/regressions/10-fork-oom-discards-output.mms");
    let out = run_on(&path, machine(1 << 20, Some("zram:64M")), false);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("# fork: line ") && l.ends_with(": process 1")).count(), 1);
    assert!(lines.contains(&"# fork: line 115: -1 ENOMEM (Cannot allocate memory)"), "{out}");
    // The children of failed forks never existed.
    let first_failed = lines.iter().find(|l| l.contains("-1 ENOMEM")).expect("a failed fork");
    assert!(out.contains("was never created"), "{out}");
    assert!(out.contains("was killed"), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("# oom-kill: line ")), "{first_failed}");
    let last = lines.last().expect("output");
    assert!(last.starts_with("ok ") && last.ends_with(" lines, 0 skipped"), "{last}");
    // `ok N` counts performed lines: fewer than the script's 515.
    let n: usize = last["ok ".len()..].split(' ').next().expect("N").parse().expect("number");
    let gone = lines.iter().filter(|l| l.starts_with("# gone: ")).count();
    assert_eq!(n + gone, 515, "{last}");
}

/// The only process runs out of memory: it is the victim, its access
/// stops with SIGKILL, and its later lines are gone.
#[test]
fn the_only_process_is_killed_and_its_lines_are_gone() {
    let out = run_on(&oom_scenario("kill-self.mms"), machine(1 << 20, None), false);
    assert_eq!(
        out,
        "# fault: line 3: SIGKILL (out of memory)\n\
         # gone: line 4: process 0 was killed\n\
         # gone: line 5: process 0 was killed\n\
         ok 3 lines, 0 skipped\n"
    );
}

/// Process 0 runs out while process 1 holds more memory: process 1 is
/// killed and reaped, and process 0's store goes on to the end.
#[test]
fn a_bigger_process_is_killed_and_the_access_goes_on() {
    let out = run_on(&oom_scenario("kill-other.mms"), machine(1 << 20, None), false);
    insta::assert_snapshot!(out);
    assert!(out.contains("# oom-kill: line 8: process 1\n# load: line 9: 02*160\n"), "{out}");
    assert!(out.contains("# gone: line 10: process 1 was killed\n"), "{out}");
    assert!(out.contains("# gone: line 12: process 1 was killed\n"), "{out}");
}

/// `--trace` of the OOM kill: `out_of_memory`, `select_bad_process` with
/// each process's `oom_badness`, `oom_kill_process`, `__oom_kill_process`
/// and the victim's `exit_mmap`, then the retried fault.
#[test]
fn oom_kill_call_chain() {
    let out = run_on(&oom_scenario("kill-other.mms"), machine(1 << 20, None), true);
    // Only the chain, from the failed allocation to the retried fault.
    let from = out.find("__alloc_pages_slowpath: nothing left").expect("the failed allocation");
    let from = out[..from].rfind("\n  exc_page_fault").expect("its fault") + 1;
    let to = from + out[from..].find("mm_account_fault: minor").expect("the retried fault");
    insta::assert_snapshot!(&out[from..to]);
}

/// Through the library: the victim is the process with the most memory,
/// counted once in `oom_kill`; a killed process makes no more accesses.
#[test]
fn the_kernel_kills_the_biggest_process_and_retries() {
    let mut k = Kernel::new(&machine(1 << 20, None)).expect("machine");
    let m = k.machine().clone();
    let free = m.nr_free_pages();
    let small = k.spawn().expect("process");
    let big = k.spawn().expect("process");
    for (pid, pages) in [(big, 160u64), (small, 160)] {
        k.sys_mmap(pid, A, pages * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    }
    for p in 0..150 {
        k.store(big, A + p * PAGE_SIZE, 1).expect("store");
    }
    for p in 0..160 {
        k.store(small, A + p * PAGE_SIZE, 2).expect("the small one never fails");
    }
    assert_eq!(k.take_oom_kills(), vec![big]);
    assert_eq!(m.vmstat().get(VmEvent::OomKill), 1);
    assert!(k.task(big).expect("killed, not reaped yet").is_oom_victim());
    assert!(matches!(k.load(big, A), Err(Signal::Kill { .. })));
    check(&k);
    k.exit(big);
    k.exit(small);
    m.drain_all_pages();
    assert_eq!(m.nr_free_pages(), free, "frames leaked");
}
