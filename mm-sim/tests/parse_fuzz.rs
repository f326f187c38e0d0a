//! Random input never makes the parser or the runner panic: it either runs
//! or is refused with a line number.

use mm_sim::{RunOptions, parse, run};
use proptest::prelude::*;

fn line() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        Just("0".to_string()),
        Just("0x100000000".to_string()),
        Just("0xffffffffffffffff".to_string()),
        Just("4096".to_string()),
        Just("NULL".to_string()),
        any::<u64>().prop_map(|v| format!("{v:#x}")),
        (0u64..64).prop_map(|v| format!("{}", v * 4096)),
        "[0-9a-zA-Z_|<>\" -]{0,12}",
    ];
    let prot =
        prop::sample::select(vec!["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE", "PROT_EXEC|PROT_WRITE", "0"]);
    let flags = prop::sample::select(vec![
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED",
        "MAP_PRIVATE|MAP_ANONYMOUS",
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE|MAP_FIXED",
        "MAP_ANONYMOUS|MAP_FIXED_NOREPLACE",
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_FIXED",
        "MAP_PRIVATE",
    ]);
    prop_oneof![
        (num.clone(), num.clone(), prot.clone(), flags)
            .prop_map(|(a, l, p, f)| format!("mmap({a}, {l}, {p}, {f}, -1, 0)")),
        (num.clone(), num.clone()).prop_map(|(a, l)| format!("munmap({a}, {l})")),
        (num.clone(), num.clone(), prot).prop_map(|(a, l, p)| format!("mprotect({a}, {l}, {p})")),
        (num.clone(), num.clone(), num.clone(), num.clone())
            .prop_map(|(a, b, c, d)| format!("mremap({a}, {b}, {c}, MREMAP_MAYMOVE|MREMAP_FIXED, {d})")),
        (num.clone(), num.clone()).prop_map(|(a, l)| format!("madvise({a}, {l}, MADV_DONTNEED)")),
        num.clone().prop_map(|a| format!("brk({a})")),
        (num.clone(), (0u64..8192)).prop_map(|(a, l)| format!("load {a} {l}")),
        (num.clone(), (0u64..8192)).prop_map(|(a, l)| format!("store {a} {l} 7")),
        Just("dump".to_string()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_run_or_are_refused(lines in prop::collection::vec(line(), 0..25)) {
        let src = lines.join("\n");
        if let Ok(s) = parse(src.as_bytes()) {
            let _ = run(&s, &RunOptions::default());
        }
    }

    #[test]
    fn random_bytes_are_parsed_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = parse(&bytes) {
            prop_assert!(e.line >= 1);
        }
    }
}

/// A line of an strace log: a pid, then a call that makes or ends
/// processes, moves descriptors, or is cut in halves.
fn log_line() -> impl Strategy<Value = String> {
    let pid = prop_oneof![(1u32..6).prop_map(|p| p.to_string()), Just("4194304".to_string()), Just(String::new())];
    let fd =
        prop_oneof![(0i64..12).prop_map(|f| f.to_string()), Just("3</a>".to_string()), Just("4<pipe:[1]>".to_string())];
    let call = prop_oneof![
        (1u32..6).prop_map(|c| format!("fork() = {c}")),
        (1u32..6).prop_map(|c| format!("vfork( <unfinished ...>\n1 <... vfork resumed>) = {c}")),
        ((1u32..6), any::<u64>()).prop_map(|(c, f)| format!("clone(child_stack=NULL, flags={f:#x}) = {c}")),
        (1u32..6)
            .prop_map(|c| format!("clone3({{flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0}}, 88) = {c}")),
        Just("exit_group(0) = ?".to_string()),
        Just("exit(0) = ?".to_string()),
        Just("+++ exited with 0 +++".to_string()),
        Just("+++ killed by SIGKILL +++".to_string()),
        (1u32..6).prop_map(|c| format!("--- SIGCHLD {{si_signo=SIGCHLD, si_pid={c}}} ---")),
        (fd.clone(), 0i64..2000).prop_map(|(f, n)| format!("dup2({f}, {n}) = {n}")),
        (fd.clone(), 0u64..2000).prop_map(|(f, n)| format!("fcntl({f}, F_DUPFD, {n}) = {n}")),
        (0u64..20, 0u64..20).prop_map(|(a, b)| format!("close_range({a}, {b}, CLOSE_RANGE_CLOEXEC) = 0")),
        fd.clone().prop_map(|f| format!("close({f}) = 0")),
        fd.clone().prop_map(|f| format!("mmap(NULL, 4096, PROT_READ, MAP_SHARED, {f}, 0) = 0x7ffff7ffe000")),
        (0i64..3000).prop_map(|n| format!("openat(AT_FDCWD</tmp>, \"a\", O_RDONLY|O_CLOEXEC) = {n}")),
        Just("pipe2([3<pipe:[1]>, 4<pipe:[1]>], O_CLOEXEC) = 0".to_string()),
        Just("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>".to_string()),
        Just("<... mmap resumed>) = 0x7ffff7ffe000".to_string()),
        Just("execve(\"/x\", [\"x\"], 0x1 /* 3 vars */) = 0".to_string()),
        Just("read(3</proc/1/maps>, \"\", 1) = 0".to_string()),
        "[ -~]{0,40}",
    ];
    (pid, call).prop_map(|(p, c)| if p.is_empty() { c } else { format!("{p} {c}") })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_logs_replay_or_are_refused(lines in prop::collection::vec(log_line(), 0..30)) {
        let mut src = String::from("file a 8192\n");
        src.push_str(&lines.join("\n"));
        match mm_sim::strace::parse_log(src.as_bytes()) {
            Ok(log) => {
                let opts = RunOptions { strace: true, maps_at_exit: true, maps_at_read: true, ..RunOptions::default() };
                let _ = mm_sim::replay::replay(&log, &opts);
            }
            Err(e) => prop_assert!(e.line >= 1),
        }
    }

    #[test]
    fn random_bytes_as_a_log_are_parsed_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = mm_sim::strace::parse_log(&bytes) {
            prop_assert!(e.line >= 1);
        }
    }
}
