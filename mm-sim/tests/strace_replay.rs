//! Replays of synthetic strace logs (no execve: the address space starts
//! empty, mmap_base at 0x7ffff7fff000): processes by pid, clone forms,
//! joined halves, the descriptor table following the log, the summary
//! line, maps at exit and at reads, and hostile logs.

use mm_sim::RunOptions;
use mm_sim::replay::{MAX_LOG_TASKS, replay, shows_randomization};
use mm_sim::strace::parse_log;
use mm_x86 as _;

fn opts() -> RunOptions {
    RunOptions { strace: true, maps_at_exit: true, ..RunOptions::default() }
}

fn run_with(src: &str, opts: &RunOptions) -> String {
    let log = parse_log(src.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    replay(&log, opts).unwrap_or_else(|e| panic!("{e}: {}", e.output))
}

fn run(src: &str) -> String {
    run_with(src, &opts())
}

const ANON: &str = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0";

#[test]
fn fork_copies_and_thread_shares_the_address_space() {
    let src = format!(
        "100 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8aa10) = 101\n\
         101 mmap(NULL, 8192, {ANON}) = 0x7ffff7ffc000\n\
         100 clone3({{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f0000000000}} => {{parent_tid=[102]}}, 88) = 102\n\
         102 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000\n\
         101 exit_group(0) = ?\n\
         101 +++ exited with 0 +++\n\
         102 exit(0) = ?\n\
         102 +++ exited with 0 +++\n\
         100 exit_group(0) = ?\n\
         100 +++ exited with 0 +++\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 101 at exit (line 6)\n\
         7ffff7ffc000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         == maps pid 100 at exit (line 10)\n\
         7ffff7ffd000-7ffff7ffe000 r--p 00000000 00:00 0 \n\
         7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 11 lines, 0 skipped\n"
    );
}

/// With strace -f a child's first line can come before its parent's
/// `<... clone resumed>`: the child exists from that line, with the
/// clone's flags (vfork: the same mm).
#[test]
fn a_child_before_its_clone_result_and_vfork_sharing() {
    let src = format!(
        "200 vfork( <unfinished ...>\n\
         201 mmap(NULL, 4096, {ANON} <unfinished ...>\n\
         200 <... vfork resumed>) = 201\n\
         201 <... mmap resumed>) = 0x7ffff7ffe000\n\
         201 exit_group(0) = ?\n\
         200 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000\n\
         200 exit_group(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 201 at exit (line 5)\n\
         7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         == maps pid 200 at exit (line 7)\n\
         7ffff7ffd000-7ffff7ffe000 r--p 00000000 00:00 0 \n\
         7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 5 lines, 0 skipped\n"
    );
}

/// A joined call's result is checked once, at the line of its first
/// half.
#[test]
fn joined_halves_report_at_their_first_line() {
    let src = format!(
        "1 mmap(NULL, 4096, {ANON} <unfinished ...>\n2 brk(NULL) = 0x200000000\n1 <... mmap resumed>) = 0x1000\n"
    );
    assert_eq!(run(&src), "# diverged: line 1: expected 0x1000, got 0x7ffff7ffe000\nok 2 lines, 0 skipped\n");
}

/// Untraced creators: a pid with a SIGCHLD is a child process (its own
/// mm), one without is a thread of the last active process.
#[test]
fn untraced_pids_with_and_without_sigchld() {
    let src = format!(
        "300 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         301 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffd000\n\
         302 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffc000\n\
         302 exit_group(0) = ?\n\
         300 --- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=302, si_uid=0, si_status=0}} ---\n\
         301 exit(0) = ?\n\
         300 exit_group(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 302 at exit (line 4)\n\
         7ffff7ffc000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         == maps pid 300 at exit (line 7)\n\
         7ffff7ffd000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 6 lines, 1 skipped\n"
    );
    // 302 (the fork) started from a copy holding 300's and 301's pages
    // (merged into one VMA: 301 is a thread of 300); its own page is not
    // in 300's maps.
}

/// Worker threads started one after another (the log traces no clone):
/// a thread that starts right after another exited belongs to the same
/// process, whose address space it shares.
#[test]
fn an_untraced_thread_after_one_that_exited_joins_the_same_process() {
    let src = format!(
        "400 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         401 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffd000\n\
         401 +++ exited with 0 +++\n\
         402 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffc000\n\
         402 +++ exited with 0 +++\n\
         403 munmap(0x7ffff7ffc000, 4096) = 0\n\
         400 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffc000\n\
         400 exit_group(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 400 at exit (line 8)\n\
         7ffff7ffc000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 8 lines, 0 skipped\n"
    );
}

/// Two processes in a pipe, one of them threaded, and no clone traced: a
/// new thread belongs to the process that mapped the stack it frees as it
/// exits (or the last thread stack mapped), not to whichever process made
/// the line before.
#[test]
fn an_untraced_thread_belongs_to_the_process_that_mapped_its_stack() {
    let src = format!(
        "500 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         500 --- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=501, si_uid=0, si_status=0}} ---\n\
         501 mmap(NULL, 8192, {ANON}) = 0x7ffff7ffc000\n\
         501 mmap(NULL, 12288, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7ffff7ff9000\n\
         500 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffd000\n\
         502 mmap(NULL, 4096, {ANON}) = 0x7ffff7ff8000\n\
         502 madvise(0x7ffff7ff9000, 8192, MADV_DONTNEED) = 0\n\
         502 +++ exited with 0 +++\n\
         501 exit_group(0) = ?\n\
         500 exit_group(0) = ?\n"
    );
    let out = run(&src);
    assert!(!out.contains("# diverged"), "{out}");
    // 502's page is in 501's address space, not in 500's.
    assert!(out.contains("== maps pid 501 at exit (line 9)\n7ffff7ff8000-7ffff7ff9000 rw-p"), "{out}");
    assert!(out.contains("== maps pid 500 at exit (line 10)\n7ffff7ffd000-7ffff7fff000 rw-p"), "{out}");
}

/// glibc gives a new thread the stack of one that exited, without a new
/// `mmap`: the second thread, which frees the same stack, joins the same
/// process, however many lines of another process come between.
#[test]
fn a_thread_on_a_reused_stack_joins_the_process_of_the_stack() {
    let src = format!(
        "600 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         600 --- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=601, si_uid=0, si_status=0}} ---\n\
         601 mmap(NULL, 12288, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7ffff7ffb000\n\
         602 madvise(0x7ffff7ffb000, 8192, MADV_DONTNEED) = 0\n\
         602 +++ exited with 0 +++\n\
         600 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffd000\n\
         603 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffa000\n\
         603 madvise(0x7ffff7ffb000, 8192, MADV_DONTNEED) = 0\n\
         603 +++ exited with 0 +++\n\
         601 exit_group(0) = ?\n\
         600 exit_group(0) = ?\n"
    );
    let out = run(&src);
    assert!(!out.contains("# diverged"), "{out}");
    assert!(out.contains("== maps pid 601 at exit (line 10)\n7ffff7ffa000-7ffff7ffb000 rw-p"), "{out}");
}

/// What the log shows of the files wins over the files as they are now:
/// a name the run removed with a call not traced can be made again with
/// `O_EXCL`; a name the log did not find is hidden, whoever made it
/// since; a descriptor whose opening is not in the log (valgrind opens
/// with `open`, not `openat`) is opened for writing when a shared
/// writable mapping needs it, above `RLIMIT_NOFILE` too (the limit was
/// raised by a call not traced).
#[test]
fn opens_follow_what_the_log_saw_of_the_files() {
    let src = "file swap 4096\n\
               file cache 4096\n\
               file shm 8192\n\
               1 openat(AT_FDCWD</d>, \"/d/new\", O_RDWR|O_CREAT|O_EXCL, 0600) = 3</d/new>\n\
               1 close(3</d/new>) = 0\n\
               1 openat(AT_FDCWD</d>, \"/d/new\", O_RDWR|O_CREAT|O_EXCL, 0600) = 3</d/new>\n\
               1 openat(AT_FDCWD</d>, \"/d/cache\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
               1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED, 2000</d/shm>, 0) = 0x7ffff7ffd000\n\
               1 close(2000</d/shm>) = 0\n";
    let o = RunOptions { strace: true, ..RunOptions::default() };
    assert_eq!(
        run_with(src, &o),
        "# made by the recorded run: 2 opens followed the log (files and directories the run made or removed)\n\
         ok 9 lines, 0 skipped\n"
    );
}

#[test]
fn dup2_then_mmap_of_the_new_descriptor() {
    let src = "file lib.so 16384\n\
         1 openat(AT_FDCWD</tmp>, \"lib.so\", O_RDONLY|O_CLOEXEC) = 3</tmp/lib.so>\n\
         1 dup2(3</tmp/lib.so>, 7) = 7</tmp/lib.so>\n\
         1 close(3</tmp/lib.so>) = 0\n\
         1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 7</tmp/lib.so>, 0x1000) = 0x7ffff7ffd000\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = -1 EBADF (Bad file descriptor)\n\
         1 dup3(7, 7, O_CLOEXEC) = -1 EINVAL (Invalid argument)\n\
         1 fcntl(7</tmp/lib.so>, F_DUPFD_CLOEXEC, 20) = 20</tmp/lib.so>\n\
         1 close_range(7, 19, 0) = 0\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 7, 0) = -1 EBADF (Bad file descriptor)\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_SHARED, 20</tmp/lib.so>, 0) = 0x7ffff7ffc000\n\
         1 exit_group(0) = ?\n";
    assert_eq!(
        run(src),
        "== maps pid 1 at exit (line 12)\n\
         7ffff7ffc000-7ffff7ffd000 r--s 00000000 00:1a 5                          lib.so\n\
         7ffff7ffd000-7ffff7fff000 r--p 00001000 00:1a 5                          lib.so\n\
         ok 12 lines, 0 skipped\n"
    );
}

/// Descriptors follow the log: a result the model would not choose, a
/// close of a pipe it never saw made, an mmap of a descriptor known only
/// by its annotation.
#[test]
fn descriptors_follow_the_log() {
    let src = "file a 8192\n\
         1 openat(AT_FDCWD, \"a\", O_RDONLY) = 5</a>\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 5</a>, 0) = 0x7ffff7ffe000\n\
         1 close(4<pipe:[266199]>) = 0\n\
         1 close(1</dev/null>) = 0\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 9</a>, 0x1000) = 0x7ffff7ffd000\n\
         1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 8<pipe:[1]>, 0) = -1 ENODEV (No such device)\n\
         1 pipe2([3<pipe:[7]>, 10<pipe:[7]>], O_CLOEXEC) = 0\n\
         1 close(10<pipe:[7]>) = 0\n\
         1 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 12<UNIX:[9]>\n\
         1 close(12) = 0\n\
         1 memfd_create(\"m\", MFD_CLOEXEC) = 6</memfd:m (deleted)>\n\
         1 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 6, 0) = 0x7ffff7ffc000\n\
         1 close(6) = 0\n\
         1 close(2) = 0\n\
         1 close(2) = -1 EBADF (Bad file descriptor)\n";
    assert_eq!(run(src), "ok 16 lines, 0 skipped\n");
}

#[test]
fn the_summary_comes_right_before_ok() {
    let src = "1 read(0, \"\", 1) = 0\n\
         1 fstat(0, {st_mode=S_IFCHR|0620, ...}) = 0\n\
         1 brk(NULL) = 0x200000000\n\
         1 --- SIGWINCH {si_signo=SIGWINCH} ---\n\
         1 fstat(1, {...}) = 0\n\
         1 brk(0x200021000) = 0x200021000\n\
         1 exit_group(0) = ?\n\
         1 +++ exited with 0 +++\n";
    let o = RunOptions { strace: true, ..RunOptions::default() };
    assert_eq!(run_with(src, &o), "# not modelled: fstat 2, read 1\nok 4 lines, 4 skipped\n");
}

#[test]
fn maps_at_read_of_proc_maps() {
    let src = format!(
        "7 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         7 openat(AT_FDCWD</tmp>, \"/proc/self/maps\", O_RDONLY) = 3</proc/7/maps>\n\
         7 read(3</proc/7/maps>, \"7ffff7ffe000-7ffff7fff000 rw-p 0\"..., 1024) = 90\n\
         7 read(3</proc/7/maps>, \"\", 1024) = 0\n\
         7 close(3</proc/7/maps>) = 0\n\
         7 exit_group(0) = ?\n"
    );
    let o = RunOptions { strace: true, maps_at_read: true, ..RunOptions::default() };
    assert_eq!(
        run_with(&src, &o),
        "== maps pid 7 at read (line 3)\n\
         7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         # not modelled: read 2\n\
         ok 4 lines, 2 skipped\n"
    );
}

/// A dump in a log names the pid.
#[test]
fn dumps_work_in_logs() {
    let src = format!(
        "window 0x7ffff0000000 0x7ffff8000000\n5 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\nstore 0x7ffff7ffe000\ndump\n"
    );
    assert_eq!(
        run(&src),
        "== dump (pid 5)\n7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0\nfaults minflt=1 majflt=0\npresent 7ffff7ffe000-7ffff7fff000\nok 4 lines, 0 skipped\n"
    );
}

#[test]
fn absurd_clone_flags_diverge_and_the_child_never_exists() {
    let src = "1 clone(child_stack=NULL, flags=CLONE_THREAD|SIGCHLD) = 2\n\
         2 brk(NULL) = 0x200000000\n\
         1 clone(child_stack=NULL, flags=0xffffffffffffffff) = 3\n\
         1 clone(child_stack=NULL, flags=CLONE_SIGHAND) = -1 EINVAL (Invalid argument)\n\
         2 +++ exited with 0 +++\n\
         1 fork() = 2\n\
         2 brk(NULL) = 0x200000000\n";
    assert_eq!(
        run(src),
        "# diverged: line 1: pid 2: clone failed: EINVAL (Invalid argument)\n\
         # diverged: line 2: pid 2 was never created\n\
         # diverged: line 3: pid 3: clone failed: EINVAL (Invalid argument)\n\
         ok 6 lines, 0 skipped\n"
    );
}

/// A chain of 3,000 processes each forking the next: every one lives to
/// the end (a copy of an mm each).
#[test]
fn deep_clone_chains_run() {
    let mut src = format!("1 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n");
    for p in 1..3000 {
        src.push_str(&format!("{p} fork() = {}\n", p + 1));
    }
    src.push_str("3000 munmap(0x7ffff7ffe000, 4096) = 0\n");
    let o = RunOptions { strace: true, ..RunOptions::default() };
    assert_eq!(run_with(&src, &o), "ok 3001 lines, 0 skipped\n");
}

#[test]
fn too_many_tasks_stop_the_replay() {
    let mut src = String::new();
    for p in 1..=(MAX_LOG_TASKS as u32 + 1) {
        src.push_str(&format!("{p} brk(NULL) = 0x200000000\n"));
    }
    let log = parse_log(src.as_bytes()).unwrap();
    let e = replay(&log, &RunOptions { strace: true, ..RunOptions::default() }).unwrap_err();
    assert_eq!(e.to_string(), format!("line {}: more than {MAX_LOG_TASKS} tasks alive at once", MAX_LOG_TASKS + 1));
}

#[test]
fn randomization_is_told_by_distance() {
    // Non-random layout vs. a randomized heap and mmap base.
    assert!(!shows_randomization(0x555555560000, 0x555555560000));
    assert!(!shows_randomization(0x7ffff7fc0000, 0x7ffff7fbf000));
    assert!(shows_randomization(0x55e94d8eb000, 0x555555560000));
    assert!(shows_randomization(0x7f22bff7a000, 0x7ffff7fc0000));
}

/// A thread's execve (`+++ superseded by execve in pid T +++`) ends the
/// group's other threads; the thread goes on under the leader's pid.
#[test]
fn a_threads_execve_takes_the_leaders_pid() {
    let src = format!(
        "10 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffe000\n\
         11 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffd000\n\
         12 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffc000\n\
         10 +++ superseded by execve in pid 11 +++\n\
         10 munmap(0x7ffff7ffc000, 4096) = 0\n\
         10 exit(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 10 at exit (line 6)\n\
         7ffff7ffd000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 6 lines, 0 skipped\n"
    );
}

fn real_log(name: &str) -> mm_sim::strace::Log {
    let path = format!("{}/tests/logs/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_log(&std::fs::read(&path).expect("committed log")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Unmodified logs captured on Linux 6.18 (`setarch -R strace -f -y -e
/// trace=memory,openat,close,execve[,vfork]`): they parse whole, their
/// processes come and go as the log shows (vfork children at their
/// first line, exits by exit_group and by `+++ exited`).  What the maps
/// hold depends on execve and the host's files, so only the headers are
/// checked here.
#[test]
fn real_logs_replay_with_their_processes() {
    let headers = |log: &mm_sim::strace::Log| -> (Vec<String>, String) {
        let out = replay(log, &opts()).expect("replays");
        let heads = out.lines().filter(|l| l.starts_with("==")).map(String::from).collect();
        (heads, out.lines().last().unwrap().to_string())
    };
    let gcc = real_log("gcc.strace");
    assert_eq!(gcc.events.iter().filter(|e| matches!(e.call, mm_sim::strace::Call::Clone { .. })).count(), 2);
    assert_eq!((gcc.unmatched, gcc.sigchld.len()), (0, 2));
    assert_eq!(
        headers(&gcc),
        (
            vec![
                "== maps pid 13306 at exit (line 173)".to_string(),
                "== maps pid 13307 at exit (line 263)".to_string(),
                "== maps pid 13305 at exit (line 266)".to_string(),
            ],
            "ok 258 lines, 2 skipped".to_string()
        )
    );
    // The same log as the recommended capture (no vfork traced): the
    // children are placed by their SIGCHLD.
    let path = format!("{}/tests/logs/gcc.strace", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(path).unwrap();
    let without: String = src.lines().filter(|l| !l.contains("vfork")).map(|l| format!("{l}\n")).collect();
    let untraced = parse_log(without.as_bytes()).unwrap();
    let (heads, ok) = headers(&untraced);
    assert_eq!(
        heads,
        [
            "== maps pid 13306 at exit (line 171)",
            "== maps pid 13307 at exit (line 259)",
            "== maps pid 13305 at exit (line 262)",
        ]
    );
    assert_eq!(ok, "ok 256 lines, 2 skipped");
    let cat = real_log("cat.strace");
    assert_eq!(
        headers(&cat),
        (vec!["== maps pid 13300 at exit (line 83)".to_string()], "ok 83 lines, 0 skipped".to_string())
    );
}

/// 30,000 threads that end one by one: each exit looks at its own group
/// only (a scan of every task per exit took quadratic time).
#[test]
fn many_threads_end_in_linear_time() {
    let n = 30_000;
    let mut src = String::new();
    for p in 1..=n {
        src.push_str(&format!("{p} brk(NULL) = 0x200000000\n"));
    }
    for p in (1..=n).rev() {
        src.push_str(&format!("{p} exit(0) = ?\n"));
    }
    let start = std::time::Instant::now();
    assert_eq!(run(&src), format!("== maps pid 1 at exit (line {})\nok {} lines, 0 skipped\n", 2 * n, 2 * n));
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}

/// Threads calling `mmap` with the same arguments at the same time: the
/// kernel may serve them in the other order than strace printed their
/// results (node's worker threads making their malloc arenas).  Such
/// results are taken as exchanged; results of calls that did not overlap,
/// or whose arguments differ, are not.
#[test]
fn concurrent_twin_mmaps_may_return_in_either_order() {
    let thread = "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f0000000000}, 88)";
    let diverged = |src: &str| -> Vec<String> {
        let o = RunOptions { strace: true, ..RunOptions::default() };
        run_with(src, &o).lines().filter(|l| l.starts_with("# diverged")).map(String::from).collect()
    };
    let overlapping = |len2: u32| {
        format!(
            "10 {thread} = 11\n\
             11 mmap(NULL, 8192, {ANON} <unfinished ...>\n\
             10 mmap(NULL, {len2}, {ANON} <unfinished ...>\n\
             11 <... mmap resumed>) = 0x7ffff7ffb000\n\
             10 <... mmap resumed>) = 0x7ffff7ffd000\n\
             10 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffa000\n"
        )
    };
    assert_eq!(diverged(&overlapping(8192)), Vec::<String>::new());
    // Different lengths: no twins.
    assert_eq!(
        diverged(&overlapping(4096)),
        [
            "# diverged: line 2: expected 0x7ffff7ffb000, got 0x7ffff7ffd000",
            "# diverged: line 3: expected 0x7ffff7ffd000, got 0x7ffff7ffc000",
            "# diverged: line 6: expected 0x7ffff7ffa000, got 0x7ffff7ffb000",
        ]
    );
    // One after the other: the order is known.
    let sequential = format!(
        "10 {thread} = 11\n\
         11 mmap(NULL, 8192, {ANON}) = 0x7ffff7ffb000\n\
         10 mmap(NULL, 8192, {ANON}) = 0x7ffff7ffd000\n"
    );
    assert_eq!(
        diverged(&sequential),
        [
            "# diverged: line 2: expected 0x7ffff7ffb000, got 0x7ffff7ffd000",
            "# diverged: line 3: expected 0x7ffff7ffd000, got 0x7ffff7ffb000",
        ]
    );
}

/// An execve the log says failed with E2BIG is not run when strace cut
/// its strings (the model would see short ones and run the program); with
/// every string shown it runs and must fail the same way.
#[test]
fn e2big_of_cut_strings_follows_the_log() {
    let o = RunOptions { strace: true, ..RunOptions::default() };
    let cut = "1 execve(\"/usr/bin/env\", [\"env\", \"A=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"...], 0x7ffe /* 39 vars */) = -1 E2BIG (Argument list too long)\n";
    assert_eq!(
        run_with(cut, &o),
        "# cut by strace: 1 execve calls the log says failed with E2BIG were not run (record with -v -s 1000000)\n\
         ok 1 lines, 0 skipped\n"
    );
    let whole = "1 execve(\"/usr/bin/env\", [\"env\", \"A=b\"], [\"X=1\"]) = -1 E2BIG (Argument list too long)\n";
    assert_eq!(
        run_with(whole, &o),
        "# diverged: line 1: expected -1 E2BIG (Argument list too long), got -1 ENOENT (No such file or directory)\n\
         ok 1 lines, 0 skipped\n"
    );
}

/// mlock, mlock2, munlock, mlockall and munlockall in a log are performed
/// (flags by name or, as `-X raw` writes them, by number): the locked
/// part of a mapping is a VMA of its own, merged back when unlocked.
#[test]
fn lock_calls_are_replayed() {
    let src = format!(
        "300 mmap(NULL, 16384, {ANON}) = 0x7ffff7ffb000\n\
         300 mlock(0x7ffff7ffc000, 4096) = 0\n\
         300 mlock2(0x7ffff7ffe000, 4096, 0x1) = 0\n\
         300 mlockall(MCL_FUTURE) = 0\n\
         300 mmap(NULL, 4096, {ANON}) = 0x7ffff7ffa000\n\
         300 exit_group(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 300 at exit (line 6)\n\
         7ffff7ffa000-7ffff7ffb000 rw-p 00000000 00:00 0 \n\
         7ffff7ffb000-7ffff7ffc000 rw-p 00000000 00:00 0 \n\
         7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0 \n\
         7ffff7ffd000-7ffff7ffe000 rw-p 00000000 00:00 0 \n\
         7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 6 lines, 0 skipped\n"
    );
    let src = format!(
        "300 mmap(NULL, 16384, {ANON}) = 0x7ffff7ffb000\n\
         300 mlockall(0x3) = 0\n\
         300 munlock(0x7ffff7ffb000, 8192) = 0\n\
         300 munlockall() = 0\n\
         300 mlock2(0x7ffff7ffb000, 4096, 0x3) = -1 EINVAL (Invalid argument)\n\
         300 exit_group(0) = ?\n"
    );
    assert_eq!(
        run(&src),
        "== maps pid 300 at exit (line 6)\n\
         7ffff7ffb000-7ffff7fff000 rw-p 00000000 00:00 0 \n\
         ok 6 lines, 0 skipped\n"
    );
}
