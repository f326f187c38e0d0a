//! Recordings (docs/scenario-format.md, "Recordings (v1.3)"): bundles
//! parsed whole with errors at the bundle's lines, recorded faults run as
//! the accesses that took them (user loads, stores and fetches, the
//! kernel's own accesses inside calls, none inside execve), per-group
//! fault counts over threads and exec, the outcome blocks, `--check`'s
//! differences and `--trace`'s call chains.

use mm_sim::RunOptions;
use mm_sim::bundle::{Bundle, parse_bundle};
use mm_sim::replay::replay_bundle;
use mm_x86 as _;

const ANON: &str = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0";

/// A bundle with an empty root, `trace` and `expect`.
fn bundle(trace: &str, expect: &str) -> String {
    format!(
        "mmsim-recording 1\n# command: made by hand\n== root\nmmsim-root-snapshot 1\n== trace\n{trace}== expect\n{expect}"
    )
}

fn parse(src: &str) -> Bundle {
    parse_bundle(src.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn replay_with(src: &str, opts: &RunOptions, check: bool) -> (String, usize) {
    replay_bundle(&parse(src), opts, check).unwrap_or_else(|e| panic!("{e}: {}", e.output))
}

fn replay(src: &str, check: bool) -> (String, usize) {
    replay_with(src, &RunOptions::default(), check)
}

/// The lines of `out` from the first `exit` line to the `ok` line.
fn outcome(out: &str) -> String {
    let from = out.find("exit ").expect("an outcome block");
    let to = out.find("ok ").expect("the ok line");
    out[from..to].to_string()
}

/// One process: two user faults, one kernel fault inside `read`, one
/// fault the model does not take (the page is already writable).
const SMALL: &str =
    "100 mmap(0x10000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000
100 page_fault_user: address=0x10000010 ip=0x401000 error_code=0x6
100 page_fault_user: address=0x10001010 ip=0x401000 error_code=0x4
100 read(0</dev/stdin>,  <unfinished ...>
100 page_fault_kernel: address=0x10002000 ip=0xffffffff81000000 error_code=0x2
100 <... read resumed>\"abc\", 4096) = 3
100 page_fault_user: address=0x10000020 ip=0x401000 error_code=0x7
100 exit_group(0) = ?
100 +++ exited with 0 +++
";

const SMALL_EXPECT: &str = "exit 100 minflt 3 majflt 0
maps 100
10000000-10004000 rw-p 00000000 00:00 0 
present 100
10000000-10003000
end 100
rusage 100 minflt 3 majflt 0 utime 10 stime 200
";

#[test]
fn faults_replay_as_accesses_and_the_outcome_is_printed() {
    let src = bundle(SMALL, SMALL_EXPECT);
    let b = parse(&src);
    assert_eq!(b.comments, vec!["command: made by hand".to_string()]);
    assert_eq!(b.expect.len(), 1);
    assert_eq!(b.rusage[0].stime, 200);
    let (out, diffs) = replay(&src, false);
    assert_eq!(diffs, 0);
    // A write fault maps a page, a read fault the zero page (present
    // too), the kernel's write inside read() a page; the protection
    // fault on a page the model already mapped writable is counted.
    assert_eq!(
        out,
        "# not modelled: read 1\n\
         # not faulted: pid 100: 1 recorded faults did not fault in the model (first: line 12, 0x10000020)\n\
         exit 100 minflt 3 majflt 0\nmaps 100\n10000000-10004000 rw-p 00000000 00:00 0 \npresent 100\n\
         10000000-10003000\nend 100\nok 7 lines, 1 skipped\n"
    );
    // The outcome block reads as the bundle's expect part.
    assert!(SMALL_EXPECT.starts_with(&outcome(&out)));
}

#[test]
fn check_reports_each_difference_and_counts_them() {
    let (out, diffs) = replay(&bundle(SMALL, SMALL_EXPECT), true);
    assert!(
        out.ends_with(
            "# check: pid 100: 1 recorded faults did not fault in the model (first: line 12, 0x10000020)\n\
             check: 1 processes, 1 differences\n"
        ),
        "{out}"
    );
    assert_eq!(diffs, 1);
    // Without the fault the model does not take: identical.
    let same = SMALL.replace("100 page_fault_user: address=0x10000020 ip=0x401000 error_code=0x7\n", "");
    let (out, diffs) = replay(&bundle(&same, SMALL_EXPECT), true);
    assert!(out.ends_with("ok 6 lines, 1 skipped\ncheck: 1 processes identical\n"), "{out}");
    assert_eq!(diffs, 0);
    // Counts, maps and present pages that differ, and a process the
    // model did not end.
    let other = "exit 100 minflt 4 majflt 1
maps 100
10000000-10003000 rw-p 00000000 00:00 0
10003000-10004000 rw-p 00000000 00:00 0
present 100
10000000-10002000
10003000-10004000
end 100
exit 200 minflt 1 majflt 0
maps 200
present 200
end 200
";
    let (out, diffs) = replay(&bundle(&same, other), true);
    let checks: Vec<&str> = out.lines().filter(|l| l.starts_with("# check") || l.starts_with("check")).collect();
    assert_eq!(
        checks,
        [
            "# check: pid 100: minflt 3, recorded 4",
            "# check: pid 100: majflt 0, recorded 1",
            "# check: pid 100: maps line 1: `10000000-10004000 rw-p 00000000 00:00 0`, recorded `10000000-10003000 rw-p 00000000 00:00 0`",
            "# check: pid 100: maps line 2: none, recorded `10003000-10004000 rw-p 00000000 00:00 0`",
            "# check: pid 100: present 10002000-10003000 in the model only",
            "# check: pid 100: present 10003000-10004000 in the recording only",
            "# check: pid 200: recorded, but it did not end in the model",
            "check: 2 processes, 7 differences",
        ]
    );
    assert_eq!(diffs, 7);
}

/// Threads share the address space and run on CPUs of their own; the
/// group's counts are every task's, the ones that exited too; a fork's
/// child copies on write and counts its own faults; the parent's store
/// after the fork copies too.
#[test]
fn groups_count_every_task_and_children_copy_on_write() {
    let trace = format!(
        "100 mmap(0x10000000, 16384, {ANON}) = 0x10000000
100 page_fault_user: address=0x10000000 ip=0x401000 error_code=0x6
100 clone3({{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f0000000000}} => {{parent_tid=[101]}}, 88) = 101
101 page_fault_user: address=0x10001000 ip=0x401000 error_code=0x6
101 page_fault_user: address=0x10002000 ip=0x401000 error_code=0x4
101 exit(0) = ?
101 +++ exited with 0 +++
100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8aa10) = 102
102 page_fault_kernel: address=0x10000008 ip=0xffffffff81000000 error_code=0x3
102 page_fault_user: address=0x10003000 ip=0x401000 error_code=0x4
102 exit_group(0) = ?
102 +++ exited with 0 +++
100 page_fault_user: address=0x10001000 ip=0x401000 error_code=0x7
100 exit_group(0) = ?
100 +++ exited with 0 +++
"
    );
    let opts = RunOptions { trace: true, ..RunOptions::default() };
    let (out, _) = replay_with(&bundle(&trace, ""), &opts, false);
    // Each task switched to the address space on its own CPU.
    for cpu in 0..3 {
        assert!(out.contains(&format!("switch_mm_irqs_off: cpu {cpu}:")), "cpu {cpu}:\n{out}");
    }
    // The child's first access is the kernel's put_user of the child's
    // tid: a copy-on-write fault, counted to the child.
    assert!(out.contains("-- line 14: 102 page_fault_kernel:"), "{out}");
    assert_eq!(
        outcome(&out),
        "exit 102 minflt 2 majflt 0\nmaps 102\n10000000-10004000 rw-p 00000000 00:00 0 \npresent 102\n\
         10000000-10004000\nend 102\n\
         exit 100 minflt 4 majflt 0\nmaps 100\n10000000-10004000 rw-p 00000000 00:00 0 \npresent 100\n\
         10000000-10003000\nend 100\n"
    );
    assert!(!out.contains("# not faulted"), "{out}");
    let chain = out.split("-- line 18: 100 page_fault_user").nth(1).expect("the parent's fault");
    assert!(chain.split("-- line").next().expect("its chain").contains("do_wp_page"), "{chain}");
}

/// A program's bundle: cat's root snapshot and log (mm-tests/programs/cat)
/// with faults put in: kernel-mode faults inside execve are the model's
/// own and not run again; the other faults each fault once in the model.
/// (The recorded outcome in the bundle is the model's own: a regression
/// reference.)
#[test]
fn an_exec_bundle_runs_the_faults_outside_execve() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bundles");
    let src = std::fs::read_to_string(format!("{dir}/cat.mmrec")).expect("the bundle");
    let b = parse(&src);
    let faults = b.log.events.iter().filter(|e| matches!(e.call, mm_sim::strace::Call::Fault { .. })).count();
    assert_eq!(faults, 10);
    let (out, diffs) = replay(&src, true);
    assert!(out.contains("# inside execve: 2 kernel-mode faults the model's execve makes itself\n"), "{out}");
    assert!(!out.contains("# not faulted"), "{out}");
    assert!(!out.contains("# diverged"), "{out}");
    assert!(!out.contains("# fault"), "{out}");
    // The same trace without the fault lines: the count is the
    // execve's own faults alone, 8 fewer (some of them major: the
    // page cache starts empty).
    let bare: String = src.lines().filter(|l| !l.contains(" page_fault_")).map(|l| format!("{l}\n")).collect();
    let (bare_out, _) = replay(&bare, false);
    // minflt + majflt of the exit line.
    let faults = |o: &str| -> u64 {
        let l = o.lines().find(|l| l.starts_with("exit ")).expect("exit line");
        let f: Vec<&str> = l.split(' ').collect();
        f[3].parse::<u64>().expect("number") + f[5].parse::<u64>().expect("number")
    };
    assert_eq!(faults(&out), faults(&bare_out) + 8, "{out}");
    // The read of `[vvar]` faulted, but pagemap shows no page of a
    // VM_PFNMAP mapping present.
    assert!(out.contains("7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0                          [vvar]\n"));
    let present = out.split("present 32169\n").nth(1).expect("present pages");
    assert!(!present.contains("7ffff7fc2000-"), "{out}");
    // The recorded outcome in the bundle is the one replayed.
    assert_eq!(diffs, 0, "{out}");
    assert!(out.ends_with("check: 1 processes identical\n"), "{out}");
    let block = outcome(&out);
    let maps: Vec<&str> = block
        .lines()
        .skip_while(|l| !l.starts_with("maps"))
        .skip(1)
        .take_while(|l| !l.starts_with("present"))
        .collect();
    assert!(maps.iter().any(|l| l.ends_with("/usr/bin/cat")), "{maps:?}");
    assert!(maps.last().is_some_and(|l| l.ends_with("[vsyscall]")), "{maps:?}");
}

#[test]
fn bad_bundles_get_an_error_naming_the_bundle_line() {
    let err = |src: &str| parse_bundle(src.as_bytes()).expect_err("bad bundle").to_string();
    assert_eq!(err("hello\n"), "line 1: not a recording (expected 'mmsim-recording 1')");
    assert_eq!(err("mmsim-recording 1\n== root\nmmsim-root-snapshot 1\n"), "line 3: the bundle has no '== trace' part");
    assert_eq!(err("mmsim-recording 1\n== trace\n"), "line 2: part '== trace' out of order (expected '== root')");
    assert_eq!(err("mmsim-recording 1\n== roots\n"), "line 2: unknown part '== roots' (== root, == trace, == expect)");
    assert_eq!(
        err("mmsim-recording 1\nhello\n== root\n"),
        "line 2: expected a '#' comment or '== root' before the parts"
    );
    assert_eq!(
        err("mmsim-recording 1\n== root\nmmsim-root-snapshot 1\n== trace\n== expect\n== root\n"),
        "line 6: part '== root' out of order (expected '== expect')"
    );
    // The snapshot's and the trace's errors at the bundle's lines.
    assert_eq!(
        err("mmsim-recording 1\n# x\n== root\nmmsim-root-snapshot 1\nx /a\n== trace\n== expect\n"),
        "line 5: root snapshot: unknown line kind 'x'"
    );
    assert_eq!(err(&bundle("100 mmap(NULL\n", "")), "line 6: missing ')'");
    assert_eq!(
        err(&bundle("100 page_fault_user: address=0x10 ip=0x1\n", "")),
        "line 6: page fault: expected address=, ip= and error_code="
    );
    assert_eq!(
        err(&bundle("100 page_fault_user: address=10 ip=0x1 error_code=0x4\n", "")),
        "line 6: page fault: bad number '10' (0x and hex digits)"
    );
    assert_eq!(
        err(&bundle("100 page_fault_kernel: address=0x10 ip=0x1 error_code=0x4 cpu=0x1\n", "")),
        "line 6: page fault: unknown field 'cpu'"
    );
    // The expect part.
    let e = |expect: &str| err(&bundle("", expect));
    assert_eq!(e("exit 100 minflt x majflt 0\n"), "line 7: bad number 'x' for minflt");
    assert_eq!(e("exit 100 minflt 1\n"), "line 7: expected 'exit PID minflt N majflt N'");
    assert_eq!(e("exit 0 minflt 1 majflt 0\n"), "line 7: bad pid '0'");
    assert_eq!(e("exit 1 minflt 1 majflt 0\nmaps 2\n"), "line 8: expected 'maps 1'");
    assert_eq!(e("exit 1 minflt 1 majflt 0\nmaps 1\nhello\n"), "line 9: bad maps line 'hello'");
    assert_eq!(
        e("exit 1 minflt 1 majflt 0\nmaps 1\npresent 1\n2000-1000\n"),
        "line 10: bad range '2000-1000' (expected START-END in hex, page-aligned)"
    );
    assert_eq!(
        e("exit 1 minflt 1 majflt 0\nmaps 1\npresent 1\n2000-3000\n1000-2000\n"),
        "line 11: present ranges overlap or are not in address order"
    );
    assert_eq!(e("exit 1 minflt 1 majflt 0\nmaps 1\npresent 1\n"), "line 9: the block of pid 1 has no 'end'");
    assert_eq!(
        e("exit 1 minflt 1 majflt 0\nmaps 1\npresent 1\nend 1\nexit 1 minflt 1 majflt 0\n"),
        "line 11: pid 1 has two 'exit' blocks"
    );
    assert_eq!(
        e("rusage 1 minflt 1 majflt 0 utime 1 stime 2\nexit 1 minflt 1 majflt 0\n"),
        "line 8: 'exit' blocks come before the 'rusage' lines"
    );
    assert_eq!(
        e("rusage 1 minflt 1 majflt 0 utime 1\n"),
        "line 7: expected 'rusage PID minflt N majflt N utime N stime N'"
    );
    assert_eq!(e("hello\n"), "line 7: expected an 'exit' or 'rusage' line, got 'hello'");
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any edit of a valid bundle parses or gives a line-numbered
        /// error; a parsed one replays (and checks) without panicking.
        #[test]
        fn any_edit_parses_or_names_a_line(
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..6)
        ) {
            let mut text = bundle(SMALL, SMALL_EXPECT).into_bytes();
            for (at, byte, op) in edits {
                let i = at.index(text.len() + 1);
                match op {
                    0 if i < text.len() => text[i] = byte,
                    1 => text.insert(i, byte),
                    _ if i < text.len() => { text.remove(i); }
                    _ => {}
                }
            }
            match parse_bundle(&text) {
                Err(e) => prop_assert!(e.line >= 1, "{}", e),
                Ok(b) => {
                    let _ = replay_bundle(&b, &RunOptions::default(), true);
                }
            }
        }
    }
}

/// `# before execve: minflt N majflt N`: the faults the recorder's child
/// took before its first traced call count to the first process.
#[test]
fn faults_before_the_trace_count_to_the_first_process() {
    let src = bundle(SMALL, SMALL_EXPECT).replace(
        "# command: made by hand\n",
        "# command: made by hand\n# before execve: minflt 15 majflt 2 (pid 100, between fork and execve)\n",
    );
    assert_eq!(parse(&src).before_exec, (15, 2));
    let (out, _) = replay(&src, false);
    assert!(out.contains("exit 100 minflt 18 majflt 2\n"), "{out}");
    let bad = src.replace("majflt 2 (pid", "majflt x (pid");
    assert_eq!(parse_bundle(bad.as_bytes()).expect_err("bad count").to_string(), "line 3: bad number 'x' for majflt");
    let bad = src.replace("minflt 15 majflt 2 (pid 100, between fork and execve)", "minflt 15");
    assert_eq!(
        parse_bundle(bad.as_bytes()).expect_err("bad count").to_string(),
        "line 3: expected '# before execve: minflt N majflt N'"
    );
}

/// A real recording (`mmsim record -- cat /etc/hostname` on ext4): every
/// recorded fault faults in the model, the process takes as many faults
/// as it did on the kernel (the recorder's child's before its execve
/// included), the maps at exit are the kernel's, and every page present
/// in the model was present on the kernel.  (The model's page cache
/// starts cold and in single pages: which faults were major, and the
/// pages fault-around maps from large folios, are not compared here.)
#[test]
fn a_recorded_cat_replays_its_faults_and_maps() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mm-tests/programs/recorded");
    let src = std::fs::read_to_string(format!("{dir}/cat-ext4.mmrec")).expect("the bundle");
    let b = parse(&src);
    let (out, _) = replay(&src, true);
    assert!(!out.contains("# not faulted"), "{out}");
    assert!(!out.contains("# diverged"), "{out}");
    assert!(!out.contains("# fault"), "{out}");
    let checks: Vec<&str> = out.lines().filter(|l| l.starts_with("# check:")).collect();
    assert!(!checks.iter().any(|l| l.contains(" maps ") || l.contains("in the model only")), "{checks:#?}");
    let first = |o: &str| -> (u64, u64) {
        let l = o.lines().find(|l| l.starts_with("exit ")).expect("exit line");
        let f: Vec<&str> = l.split(' ').collect();
        (f[3].parse().expect("number"), f[5].parse().expect("number"))
    };
    let (min, maj) = first(&out);
    let r = &b.expect[0];
    assert_eq!(min + maj, r.minflt + r.majflt, "{out}");
}

/// An execve that fails past its point of no return kills the task in the
/// model; the recorded faults that follow are divergences, not accesses
/// by a task that does not exist (mm-fuzz/regressions/11-...).
#[test]
fn faults_of_a_task_the_model_killed_are_divergences() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../mm-fuzz/regressions/11-bundle-fault-after-failed-exec.mmrec");
    let src = std::fs::read_to_string(path).expect("the reproducer");
    let (out, _) = replay(&src, true);
    assert!(out.contains("# diverged: line 82: expected 0, got -1 ENOMEM"), "{out}");
    assert!(out.contains("# diverged: line 86: pid 32169 is gone in the model\n"), "{out}");
}

/// `dump`, `load` and `store` lines (scenario lines a log may hold) of a
/// task the model killed are divergences too.
#[test]
fn scenario_lines_of_a_task_the_model_killed_are_divergences() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../mm-fuzz/regressions/11-bundle-fault-after-failed-exec.mmrec");
    let src = std::fs::read_to_string(path).expect("the reproducer").replacen(
        "32169 brk(NULL)                         = 0x555555560000\n",
        "32169 brk(NULL)                         = 0x555555560000\n32169 dump\n32169 load 0x555555560000\n",
        1,
    );
    let (out, _) = replay(&src, false);
    assert!(out.contains("# diverged: line 92: pid 32169 is gone in the model\n"), "{out}");
    assert!(out.contains("# diverged: line 93: pid 32169 is gone in the model\n"), "{out}");
}

/// A signal: its frame written by the kernel outside any call, the first
/// write (the `XSAVE` of the FPU state, page faults disabled) not handled
/// and taken again at once (`__clear_user`), then the handler and its
/// `rt_sigreturn`; the call the signal interrupted ends `? ERESTARTNOHAND`.
#[test]
fn a_signal_frame_is_written_by_the_kernel_outside_any_call() {
    let trace = format!(
        "100 mmap(0x10000000, 16384, {ANON}) = 0x10000000
100 page_fault_user: address=0x10003f00 ip=0x401000 error_code=0x6
100 rt_sigsuspend([], 8) = ? ERESTARTNOHAND (To be restarted if no handler)
100 --- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0}} ---
100 page_fault_kernel: address=0x10002e00 ip=0xffffffff8131535c error_code=0x2
100 page_fault_kernel: address=0x10002e00 ip=0xffffffff8131539e error_code=0x2
100 page_fault_kernel: address=0x10001f00 ip=0xffffffff81315400 error_code=0x2
100 page_fault_user: address=0x10000000 ip=0x401000 error_code=0x4
100 rt_sigreturn({{mask=[]}}) = -1 EINTR (Interrupted system call)
100 exit_group(0) = ?
100 +++ exited with 0 +++
"
    );
    let expect = "exit 100 minflt 4 majflt 0
maps 100
10000000-10004000 rw-p 00000000 00:00 0 
present 100
10000000-10004000
end 100
";
    let (out, diffs) = replay(&bundle(&trace, expect), true);
    assert_eq!(diffs, 0, "{out}");
    assert!(
        out.contains("# not handled: 1 kernel-mode faults with page faults disabled, taken again at once\n"),
        "{out}"
    );
    assert!(!out.contains("# not faulted") && !out.contains("# fault"), "{out}");
    assert!(out.ends_with("check: 1 processes identical\n"), "{out}");
    // The same writes, each taken once: each faults.
    let once =
        trace.replacen("100 page_fault_kernel: address=0x10002e00 ip=0xffffffff8131535c error_code=0x2\n", "", 1);
    let (out, diffs) = replay(&bundle(&once, expect), true);
    assert_eq!(diffs, 0, "{out}");
    assert!(!out.contains("# not handled"), "{out}");
}

/// Recorded programs that take signals (`sh -c 'sleep 0.01 & wait'`,
/// `sh -c 'yes | head -1'`): the `---` lines where strace writes them,
/// and each replays identical.
#[test]
fn recorded_signals_replay_identical() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mm-tests/programs/recorded");
    for (name, signals) in [("sh-wait-ext4", &["SIGCHLD"][..]), ("sh-pipe-ext4", &["SIGPIPE", "SIGCHLD"])] {
        let src = std::fs::read_to_string(format!("{dir}/{name}.mmrec")).expect("the bundle");
        for s in signals {
            assert!(src.contains(&format!(" --- {s} {{si_signo={s}, ")), "{name}: {s}");
        }
        let (out, diffs) = replay(&src, true);
        assert_eq!(diffs, 0, "{name}: {out}");
        assert!(!out.contains("# not faulted") && !out.contains("# fault"), "{name}: {out}");
    }
    let pipe = std::fs::read_to_string(format!("{dir}/sh-pipe-ext4.mmrec")).expect("the bundle");
    assert!(pipe.contains(" +++ killed by SIGPIPE +++"));
    let wait = std::fs::read_to_string(format!("{dir}/sh-wait-ext4.mmrec")).expect("the bundle");
    assert!(wait.contains("rt_sigreturn({mask="));
}

/// A fault of one thread logged while another thread of its process is
/// inside `fork` (the clone's first half came, its result not yet) was
/// handled after `dup_mmap` copied the address space: it faulted on a
/// page the copy had write-protected.  The replay runs the fork first.
/// Logged before the clone's first half, the same fault finds the page
/// still writable: a recorded fault the model does not take.
#[test]
fn a_fault_inside_another_threads_fork_comes_after_the_copy() {
    let head = format!(
        "100 mmap(0x10000000, 16384, {ANON}) = 0x10000000
100 page_fault_user: address=0x10000000 ip=0x401000 error_code=0x6
100 clone3({{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f0000000000}} => {{parent_tid=[101]}}, 88) = 101
"
    );
    let fork = "101 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8aa10 <unfinished ...>\n";
    let store = "100 page_fault_user: address=0x10000010 ip=0x401000 error_code=0x7\n";
    let tail = "101 <... clone resumed>) = 102
102 exit_group(0) = ?
102 +++ exited with 0 +++
101 exit(0) = ?
101 +++ exited with 0 +++
100 exit_group(0) = ?
100 +++ exited with 0 +++
";
    let opts = RunOptions { trace: true, ..RunOptions::default() };
    let (out, _) = replay_with(&bundle(&format!("{head}{fork}{store}{tail}"), ""), &opts, false);
    assert!(!out.contains("# not faulted"), "{out}");
    // The store copies: the child maps the old page.
    let chain = out.split("-- line 10: 100 page_fault_user").nth(1).expect("the store's chain");
    assert!(chain.split("-- line").next().expect("its chain").contains("wp_page_copy"), "{chain}");
    assert!(out.contains("exit 102 minflt 0 majflt 0\nmaps 102\n10000000-10004000 rw-p 00000000 00:00 0 \npresent 102\n10000000-10001000\n"), "{out}");
    assert!(out.contains("exit 100 minflt 2 majflt 0\n"), "{out}");
    // Before the fork's first half: not a fault in the model.
    let (out, _) = replay(&bundle(&format!("{head}{store}{fork}{tail}"), ""), false);
    assert!(
        out.contains(
            "# not faulted: pid 100: 1 recorded faults did not fault in the model (first: line 9, 0x10000010)"
        ),
        "{out}"
    );
}

/// `wp_page_reuse` makes an entry writable in place, without a flush: a
/// CPU that held the read-only translation faults again on the page, and
/// the kernel finds the entry already writable (a spurious fault, counted
/// like any other).  The replay raises such a recorded fault as the CPU
/// did.  A write fault on a page whose entry was writable from the start
/// has no such explanation: not a fault in the model.
#[test]
fn a_write_fault_after_an_in_place_upgrade_is_a_spurious_fault() {
    let trace = format!(
        "100 mmap(0x10000000, 16384, {ANON}) = 0x10000000
100 page_fault_user: address=0x10000000 ip=0x401000 error_code=0x6
100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8aa10) = 102
102 exit_group(0) = ?
102 +++ exited with 0 +++
100 page_fault_user: address=0x10000008 ip=0x401000 error_code=0x7
100 page_fault_user: address=0x10000010 ip=0x401000 error_code=0x7
100 page_fault_user: address=0x10001000 ip=0x401000 error_code=0x6
100 page_fault_user: address=0x10001010 ip=0x401000 error_code=0x7
100 exit_group(0) = ?
100 +++ exited with 0 +++
"
    );
    let opts = RunOptions { trace: true, ..RunOptions::default() };
    let (out, _) = replay_with(&bundle(&trace, ""), &opts, false);
    let chain = |line: usize| {
        let at = format!("-- line {line}: 100 page_fault_user");
        let c = out.split(&at).nth(1).unwrap_or_else(|| panic!("no chain for line {line}:\n{out}"));
        c.split("-- line").next().expect("its chain").to_string()
    };
    assert!(chain(11).contains("wp_page_reuse"), "{}", chain(11));
    assert!(chain(12).contains("spurious fault: entry already allows the access"), "{}", chain(12));
    assert!(out.contains("# spurious: 1 recorded write faults found the entry already writable"), "{out}");
    assert!(
        out.contains(
            "# not faulted: pid 100: 1 recorded faults did not fault in the model (first: line 14, 0x10001010)"
        ),
        "{out}"
    );
    assert!(out.contains("exit 100 minflt 4 majflt 0\n"), "{out}");
}
