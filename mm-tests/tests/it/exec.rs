//! `execve` of real ELF binaries, compared with what Linux 6.18 showed for
//! them (ASLR off).  The binaries are small programs without a C library
//! (tests/data/exec, built and recorded by its build.sh): `dump.c` prints
//! its starting stack pointer and its /proc/self/maps; `exit.c` exits.
//! They are put on tmpfs and run by the paths they had on the real
//! machine, /tmp/mmsim-exec/NAME.

use mm_core::machine::MachineConfig;
use mm_core::{Errno, Kernel, PAGE_SIZE, Pid};
use proptest::prelude::*;

const DIR: &str = "/tmp/mmsim-exec/";

fn data(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/data/exec/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn put(k: &Kernel, name: &str, bytes: &[u8]) {
    k.create_file(name, bytes.len() as u64, &mut |page, buf| {
        let off = (page * PAGE_SIZE) as usize;
        let n = buf.len().min(bytes.len() - off);
        buf[..n].copy_from_slice(&bytes[off..off + n]);
    })
    .expect("create");
}

/// A kernel with every test binary on tmpfs and one process.
fn setup() -> (Kernel, Pid) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    for name in ["static", "interp", "pie", "pie2m", "exit", "script"] {
        put(&k, name, &data(name));
    }
    let pid = k.spawn().expect("spawn");
    (k, pid)
}

fn args(v: &[&str]) -> Vec<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// The maps lines without the device and inode columns.
fn strip(line: &str) -> String {
    let f: Vec<&str> = line.split_whitespace().collect();
    let mut out = format!("{} {} {}", f[0], f[1], f[2]);
    if let Some(p) = f.get(5) {
        out.push(' ');
        out.push_str(p);
    }
    out
}

fn model_maps(k: &Kernel, pid: Pid) -> Vec<String> {
    k.maps(pid, 0, u64::MAX).expect("maps").iter().map(|e| strip(&e.to_string())).collect()
}

/// Runs `name` as the real machine did (`env -i A=1 PATH x y...`) and
/// checks maps, the stack pointer and the faults execve took.  The
/// recorded fault count is the whole run's: `user_faults` of them are the
/// program's own (see the callers).
fn check(name: &str, recorded: &str, extra: &[&str], user_faults: u64) {
    let (mut k, pid) = setup();
    let path = format!("{DIR}{name}");
    let mut argv = vec![path.as_str(), "x", "y"];
    if !extra.is_empty() {
        argv = vec![path.as_str()];
        argv.extend_from_slice(extra);
    }
    k.execve(pid, &path, &args(&argv), &args(&["A=1"])).expect("execve");
    let expected = String::from_utf8(data(&format!("{recorded}.maps"))).expect("utf8");
    let mut lines = expected.lines();
    let sp = lines.next().expect("sp line").strip_prefix("sp=").expect("sp=");
    let sp = u64::from_str_radix(sp, 16).expect("hex");
    let want: Vec<String> = lines.map(strip).collect();
    assert_eq!(model_maps(&k, pid), want, "{recorded}: maps");
    let t = k.task(pid).expect("task");
    assert_eq!(t.mm.mmap_read_lock().start_stack, sp, "{recorded}: stack pointer");
    let minflt = String::from_utf8(data(&format!("{recorded}.minflt"))).expect("utf8");
    let minflt: u64 = minflt.trim().strip_prefix("minflt ").expect("minflt").parse().expect("number");
    assert_eq!(k.faults(pid).expect("faults").0, minflt - user_faults, "{recorded}: faults of execve");
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}

// dump.c takes three faults of its own: its text page, the page of its
// string constants, and the first page of its buffer (bss).

#[test]
fn static_non_pie_binary() {
    // ET_EXEC at its p_vaddr; a bss-only segment is anonymous (vm_brk).
    check("static", "static", &[], 3);
}

#[test]
fn loader_run_directly() {
    // ET_DYN without PT_INTERP: top-down below mmap_base, under the vDSO.
    check("interp", "interp", &[], 3);
}

#[test]
fn pie_with_interpreter() {
    // ET_DYN with PT_INTERP: at ELF_ET_DYN_BASE, the interpreter below
    // mmap_base and the vDSO below it.
    check("pie", "pie", &[], 3);
}

#[test]
fn pie_with_2mib_aligned_segments() {
    // p_align 2 MiB: the load bias is aligned down to 2 MiB; the data
    // segment's bss tail is zeroed (padzero, one more fault).
    check("pie2m", "pie2m", &[], 3);
}

#[test]
fn shebang_script() {
    // `#!/tmp/mmsim-exec/static -a`: argv becomes
    // static -a /tmp/mmsim-exec/script x y.
    check("script", "script", &[], 3);
}

#[test]
fn arguments_over_several_pages() {
    let big = "b".repeat(3000);
    check("static", "static-bigargs", &[&big, &big, &big], 3);
}

#[test]
fn exit_costs_one_stack_page() {
    let (mut k, pid) = setup();
    let path = format!("{DIR}exit");
    k.execve(pid, &path, &args(&[&path, "x", "y"]), &args(&["A=1"])).expect("execve");
    let minflt: u64 = String::from_utf8(data("exit.minflt")).unwrap().trim()[7..].parse().unwrap();
    // The one fault of exit.c itself is fetching its instruction.
    assert_eq!(k.faults(pid).unwrap().0, minflt - 1);
    // Its first instruction is at the entry point: one more (file) fault.
    assert!(k.load(pid, 0x401000).is_ok());
    assert_eq!(k.faults(pid).unwrap().0, minflt);
}

#[test]
fn brk_starts_after_the_highest_segment() {
    let (mut k, pid) = setup();
    let path = format!("{DIR}static");
    k.execve(pid, &path, &args(&[&path]), &[]).expect("execve");
    // bss ends at 0x405000.
    assert_eq!(k.sys_brk(pid, 0).unwrap(), 0x405000);
    assert_eq!(k.sys_brk(pid, 0x426000).unwrap(), 0x426000);
    let maps = model_maps(&k, pid);
    assert!(maps.contains(&"00405000-00426000 rw-p 00000000 [heap]".to_string()), "{maps:?}");
    // A loader run directly has its break at ELF_ET_DYN_BASE, page aligned.
    let path = format!("{DIR}interp");
    k.execve(pid, &path, &args(&[&path]), &[]).expect("execve");
    assert_eq!(k.sys_brk(pid, 0).unwrap(), 0x5555_5555_5000);
}

/// The stack grows on faults as far as the process's own `RLIMIT_STACK`
/// lets it (`acct_stack_growth`): a limit lowered after the exec holds the
/// stack to it, the default 8 MiB does not.
#[test]
fn stack_growth_stops_at_the_process_rlimit() {
    let (mut k, pid) = setup();
    let path = format!("{DIR}static");
    k.execve(pid, &path, &args(&[&path]), &[]).expect("execve");
    const TOP: u64 = 0x7fff_ffff_f000;
    // 1 MiB below the top: the default limit lets the stack grow there.
    assert!(k.store(pid, TOP - (1 << 20), 1).is_ok());
    let child = k.fork(pid).expect("fork");
    assert_eq!(k.do_prlimit_stack(child, Some(512 << 10)), Ok(8 << 20));
    assert!(k.store(child, TOP - (400 << 10), 1).is_ok(), "inside the stack already");
    let grow = TOP - (1 << 20) - (64 << 10);
    assert!(k.store(child, grow, 1).is_err(), "beyond 512 KiB");
    // The parent's own limit is still 8 MiB.
    assert!(k.store(pid, grow, 1).is_ok());
}

#[test]
fn exec_in_a_forked_child_leaves_the_parent_alone() {
    let (mut k, parent) = setup();
    let a = 0x1_0000_0000;
    k.sys_mmap(parent, a, PAGE_SIZE, 3, 0x32, -1, 0).expect("mmap");
    k.store(parent, a, 7).expect("store");
    let child = k.fork(parent).expect("fork");
    let path = format!("{DIR}pie");
    k.execve(child, &path, &args(&[&path]), &[]).expect("execve");
    assert_eq!(k.load(parent, a), Ok(7));
    assert!(model_maps(&k, child).iter().all(|l| !l.starts_with("100000000")));
    assert_eq!(k.maps(parent, 0, u64::MAX).unwrap().len(), 1);
    // A fork of the new program has the same maps, [stack], special
    // mappings and the gate included; the vDSO and the stack read.
    let grandchild = k.fork(child).expect("fork");
    assert_eq!(model_maps(&k, grandchild), model_maps(&k, child));
    let vdso = k.maps(child, 0, u64::MAX).unwrap().into_iter().find(|e| e.path == "[vdso]").expect("vdso").start;
    let before = k.faults(grandchild).unwrap().0;
    assert!(k.load(grandchild, vdso).is_ok());
    assert_eq!(k.faults(grandchild).unwrap().0, before + 1, "a minor fault on the vDSO page");
    let sp = k.task(grandchild).unwrap().mm.mmap_read_lock().start_stack;
    assert_eq!(k.load(grandchild, sp), Ok(1), "argc");
    k.exit(grandchild);
    // A thread sharing the mm (as a vfork child does) execs: the other
    // keeps the old address space.
    let shared = k.spawn_thread(parent).expect("thread");
    k.execve(shared, &path, &args(&[&path]), &[]).expect("execve");
    assert_eq!(k.load(parent, a), Ok(7));
    assert!(k.check_invariants().is_empty());
}

/// Programs on an ext4 root (the mm-fuzz seed image): a directory is
/// EACCES, and so is a file without execute permission (`may_open`'s
/// MAY_EXEC), a missing path ENOENT.
#[test]
fn exec_from_an_ext4_root() {
    use mm_fs_ext as _;
    let (mut k, pid) = setup();
    let img = format!("{}/../mm-fuzz/corpus/ext4/seed.img", env!("CARGO_MANIFEST_DIR"));
    let fs = mm_core::fs::mount(k.machine(), "ext4", &img, Default::default()).expect("mount");
    k.set_root(fs);
    assert_eq!(k.execve(pid, "/dir", &args(&["dir"]), &[]), Err(Errno::EACCES));
    assert_eq!(k.execve(pid, "/hello.txt", &args(&["hello"]), &[]), Err(Errno::EACCES));
    assert_eq!(k.execve(pid, "/nothing", &args(&["x"]), &[]), Err(Errno::ENOENT));
    // Not on the image: tmpfs by the last component, as openat looks.
    let path = format!("{DIR}static");
    assert_eq!(k.execve(pid, &path, &args(&[&path]), &[]), Ok(()));
}

/// begin_new_exec: a descriptor table shared under CLONE_FILES is copied
/// first (`unshare_files`), then close-on-exec descriptors are closed
/// (`do_close_on_exec`); the task keeps its thread group.
#[test]
fn exec_unshares_files_and_closes_cloexec_descriptors() {
    use mm_core::kernel::clone_flags::{CLONE_FILES, SIGCHLD};
    const O_CLOEXEC: u64 = 0o2_000_000;
    let (mut k, pid) = setup();
    let keep = k.sys_openat(pid, "/dev/shm/static", 0).expect("open");
    let cloexec = k.sys_openat(pid, "/dev/shm/interp", O_CLOEXEC).expect("open");
    let sibling = k.kernel_clone(pid, CLONE_FILES | SIGCHLD).expect("clone");
    let path = format!("{DIR}static");
    k.execve(pid, &path, &args(&[&path]), &[]).expect("execve");
    let t = k.task(pid).expect("task");
    assert_eq!(t.tgid, pid);
    assert!(t.files.lock().get(keep as i64).is_some());
    assert!(t.files.lock().get(cloexec as i64).is_none(), "closed on exec");
    // The sibling's table is no longer the exec'd task's: it keeps both.
    let s = k.task(sibling).expect("sibling");
    assert!(s.files.lock().get(cloexec as i64).is_some());
    assert!(!std::sync::Arc::ptr_eq(&s.files, &k.task(pid).unwrap().files));
}

#[test]
fn errors_before_the_point_of_no_return_leave_the_task() {
    let (mut k, pid) = setup();
    put(&k, "garbage", &[0x55; 300]);
    put(&k, "loop", b"#!/tmp/mmsim-exec/loop\n");
    put(&k, "nointerp", b"#!   \n");
    // PT_INTERP names /tmp/mmsim-exec/interp: point it at a file too
    // short for an ELF header (EIO), then at one that is not ELF (ELIBBAD),
    // as Linux 6.18 answers.
    put(&k, "notelf", &[b'a'; 100]);
    for (name, to) in [("shortinterp", b"script"), ("badinterp", b"notelf")] {
        let mut bin = data("pie");
        let at = bin.windows(6).position(|w| w == b"interp").expect("PT_INTERP path");
        bin[at..at + 6].copy_from_slice(to);
        put(&k, name, &bin);
    }
    let run = |k: &mut Kernel, name: &str, argv: &[Vec<u8>]| k.execve(pid, &format!("{DIR}{name}"), argv, &[]);
    assert_eq!(run(&mut k, "missing", &args(&["x"])), Err(Errno::ENOENT));
    assert_eq!(run(&mut k, "garbage", &args(&["x"])), Err(Errno::ENOEXEC));
    assert_eq!(run(&mut k, "loop", &args(&["x"])), Err(Errno::ELOOP));
    assert_eq!(run(&mut k, "nointerp", &args(&["x"])), Err(Errno::ENOEXEC));
    assert_eq!(run(&mut k, "shortinterp", &args(&["x"])), Err(Errno::EIO));
    assert_eq!(run(&mut k, "badinterp", &args(&["x"])), Err(Errno::ELIBBAD));
    // One string longer than MAX_ARG_STRLEN (32 pages).
    let long = vec![b'a'; 32 * PAGE_SIZE as usize];
    assert_eq!(run(&mut k, "static", &[long]), Err(Errno::E2BIG));
    // More than a quarter of RLIMIT_STACK (8 MiB) of strings.
    let many: Vec<Vec<u8>> = (0..20).map(|_| vec![b'a'; 120_000]).collect();
    assert_eq!(run(&mut k, "static", &many), Err(Errno::E2BIG));
    // The task is untouched and can still exec.
    assert!(k.maps(pid, 0, u64::MAX).unwrap().is_empty());
    assert_eq!(run(&mut k, "static", &args(&["x"])), Ok(()));
    assert!(k.check_invariants().is_empty());
}

#[test]
fn empty_argv_gets_an_empty_argv0() {
    let (mut k, pid) = setup();
    k.execve(pid, &format!("{DIR}static"), &[], &[]).expect("execve");
    // filename (23) + "" (1) below STACK_TOP - 8; then 7 + 16 bytes, 46
    // auxv words and argc, argv[0], NULL, NULL.
    let p = (0x7fff_ffff_f000u64 - 8 - 24) & !0xf;
    let sp = ((p - 23 - 46 * 8) - 4 * 8) & !15;
    assert_eq!(k.task(pid).unwrap().mm.mmap_read_lock().start_stack, sp);
}

#[test]
fn a_failure_after_the_point_of_no_return_kills_the_task() {
    let (mut k, pid) = setup();
    // A segment whose file offset and address disagree inside the page:
    // elf_map's mmap fails with EINVAL after begin_new_exec.
    let mut bin = data("static");
    let phoff = u64::from_le_bytes(bin[32..40].try_into().unwrap()) as usize;
    // Second program header (the text segment): p_offset += 1.
    let off = phoff + 56 + 8;
    let v = u64::from_le_bytes(bin[off..off + 8].try_into().unwrap()) + 1;
    bin[off..off + 8].copy_from_slice(&v.to_le_bytes());
    put(&k, "misaligned", &bin);
    assert_eq!(k.execve(pid, &format!("{DIR}misaligned"), &args(&["x"]), &[]), Err(Errno::EINVAL));
    assert_eq!(k.task(pid).err(), Some(Errno::EINVAL), "the task is gone");
    assert!(k.check_invariants().is_empty());
}

/// `--trace` of an exec of a PIE with an interpreter: the chain from
/// `do_execveat_common` through `load_elf_binary` (`begin_new_exec`,
/// `exec_mmap`, `setup_arg_pages`, `elf_load`, `load_elf_interp`,
/// `map_vdso`, `create_elf_tables`) with what each step decided.
#[test]
fn exec_call_chain() {
    let (mut k, pid) = setup();
    let trace = mm_core::trace::TraceCollector::new();
    k.machine().trace().subscribe(trace.clone());
    let path = format!("{DIR}pie");
    k.execve(pid, &path, &args(&[&path, "x", "y"]), &args(&["A=1"])).expect("execve");
    k.machine().trace().clear();
    insta::assert_snapshot!(trace.take().join("\n"));
}

/// With memory filled (an unreclaimable tmpfs file, no swap) to a little
/// less than execve needs, at every step of the way, it fails before the
/// point of no return or kills the task, cleanly: no panic, the
/// invariants hold, nothing leaks.
#[test]
fn exec_when_memory_runs_out() {
    let mut outcomes = std::collections::BTreeSet::new();
    for spare in 0..100u64 {
        let cfg = MachineConfig { ram: 1 << 20, ..MachineConfig::default() };
        let mut k = Kernel::new(&cfg).expect("machine");
        for n in ["interp", "pie2m"] {
            put(&k, n, &data(n));
        }
        let free = k.machine().nr_free_pages();
        let pid = k.spawn().expect("spawn");
        let fill = free.saturating_sub(spare);
        if k.create_file("filler", fill * PAGE_SIZE, &mut |_, _| {}).is_err() {
            continue;
        }
        // pie2m's bss tail is zeroed after the point of no return.
        let path = format!("{DIR}pie2m");
        let r = k.execve(pid, &path, &args(&[&path]), &[]);
        outcomes.insert(format!("{r:?} alive={}", k.task(pid).is_ok()));
        assert!(k.check_invariants().is_empty(), "{spare}: {r:?} {:?}", k.check_invariants());
        k.exit(pid);
        k.tmpfs().unlink("filler").expect("unlink");
        assert_eq!(k.machine().nr_free_pages(), free, "{spare} pages spare: {r:?}: frames leaked");
    }
    // Failures before and after the point of no return, and success.
    assert!(outcomes.contains("Ok(()) alive=true"), "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.starts_with("Err") && o.ends_with("alive=true")), "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.ends_with("alive=false")), "{outcomes:?}");
}

/// A host program as its first page and size (all execve reads of it),
/// zeroes elsewhere.
fn put_head(k: &Kernel, name: &str) {
    let head = data(&format!("host/{name}.head"));
    let size: u64 = String::from_utf8(data(&format!("host/{name}.size"))).unwrap().trim().parse().unwrap();
    k.create_file(name, size, &mut |page, buf| {
        if page == 0 {
            buf[..head.len()].copy_from_slice(&head);
        }
    })
    .expect("create");
}

/// Installed programs (tests/data/exec/host/record.sh): the state right
/// after execve (maps, stack pointer, faults) is Linux's.  cat is a PIE,
/// python3.11 and cc1 are ET_EXEC with the dynamic loader, ldconfig is a
/// static PIE, and the loader is also run directly.
#[test]
fn installed_programs_at_exec() {
    let loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
    for path in
        ["/usr/bin/cat", "/usr/bin/python3.11", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/sbin/ldconfig", loader]
    {
        let name = path.rsplit('/').next().unwrap();
        let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
        put_head(&k, name);
        if path != loader {
            put_head(&k, "ld-linux-x86-64.so.2");
        }
        let pid = k.spawn().expect("spawn");
        k.execve(pid, path, &args(&[path, "x", "y"]), &args(&["A=1"])).expect("execve");
        let expected = String::from_utf8(data(&format!("host/{name}.atexec"))).unwrap();
        let mut lines = expected.lines();
        let sp = u64::from_str_radix(lines.next().unwrap().strip_prefix("sp=").unwrap(), 16).unwrap();
        let minflt: u64 = lines.next().unwrap().strip_prefix("execve minflt ").unwrap().parse().unwrap();
        // Paths compared by their last component: /lib64/ld-linux-x86-64.so.2
        // is a symbolic link, which tmpfs does not have.
        let base = |l: String| match l.rsplit_once(' ') {
            Some((a, p)) if p.starts_with('/') => format!("{a} {}", p.rsplit('/').next().unwrap()),
            _ => l,
        };
        let want: Vec<String> = lines.map(|l| base(strip(l))).collect();
        let got: Vec<String> = model_maps(&k, pid).into_iter().map(base).collect();
        assert_eq!(got, want, "{path}: maps");
        assert_eq!(k.task(pid).unwrap().mm.mmap_read_lock().start_stack, sp, "{path}: stack pointer");
        assert_eq!(k.faults(pid).unwrap().0, minflt, "{path}: faults of execve");
        assert!(k.check_invariants().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random bytes written over the ELF and program headers of a binary
    /// never make execve panic or break an invariant.
    #[test]
    fn corrupt_headers_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((0usize..0x200, any::<u8>()), 1..12),
    ) {
        let name = ["static", "pie", "interp"][which];
        let mut bin = data(name);
        for (at, b) in edits {
            bin[at] = b;
        }
        let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
        put(&k, "interp", &data("interp"));
        put(&k, "victim", &bin);
        let pid = k.spawn().expect("spawn");
        let _ = k.execve(pid, &format!("{DIR}victim"), &args(&["victim", "x"]), &args(&["A=1"]));
        prop_assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
    }
}

/// `RLIMIT_STACK` at execve places `mmap_base` (arch_pick_mmap_layout,
/// no randomisation): 8 MiB and 16 MiB keep the 128 MiB minimum gap, 1 GiB
/// puts the base 1 GiB + the 1 MiB guard gap below `TASK_SIZE`, an
/// unlimited stack 5/6 of the address space below it (rounded up to a
/// page: 0x155555556000, as Linux 6.18 shows after `ulimit -s unlimited`).
/// The limit is the thread group's, copied at fork; the running program's
/// layout does not move.
#[test]
fn rlimit_stack_places_mmap_base_at_exec() {
    let (mut k, pid) = setup();
    let path = format!("{DIR}pie");
    let base = |k: &Kernel, p: Pid| k.task(p).unwrap().mm.mmap_read_lock().mmap_base;
    let task_size = 0x7fff_ffff_f000u64;
    let cases = [
        (8u64 << 20, task_size - (128 << 20)),
        (16 << 20, task_size - (128 << 20)),
        (1 << 30, task_size - (1 << 30) - (1 << 20)),
        (u64::MAX, 0x1555_5555_6000),
    ];
    for (limit, want) in cases {
        let child = k.fork(pid).expect("fork");
        assert_eq!(k.do_prlimit_stack(child, Some(limit)), Ok(8 << 20), "the parent's limit, copied");
        let before = base(&k, child);
        k.execve(child, &path, &args(&[&path]), &[]).expect("execve");
        assert_eq!(base(&k, child), want, "RLIMIT_STACK {limit:#x}");
        assert_eq!(before, task_size - (128 << 20), "not moved by the setrlimit itself");
        // A thread shares the limit; a fork copies it.
        let thread = k.spawn_thread(child).expect("thread");
        assert_eq!(k.do_prlimit_stack(thread, None), Ok(limit));
        k.do_prlimit_stack(thread, Some(8 << 20)).unwrap();
        assert_eq!(k.do_prlimit_stack(child, None), Ok(8 << 20));
        k.exit(thread);
        k.exit(child);
    }
    assert_eq!(k.do_prlimit_stack(pid, None), Ok(8 << 20), "the parent's own limit is untouched");
}
