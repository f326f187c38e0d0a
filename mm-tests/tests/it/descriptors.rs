//! The descriptor table (`dup`, `dup2`, `dup3`, `fcntl`, `close_range`,
//! close-on-exec), descriptor-only objects, `memfd_create`, `clone` with
//! its flags and thread-group exit, through the library.

use mm_core::kernel::clone_flags::*;
use mm_core::kernel::{F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD};
use mm_core::machine::MachineConfig;
use mm_core::task::{CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, O_CLOEXEC};
use mm_core::{Errno, Kernel, MapsEntry, Pid};

const PROT_R: u64 = 1;
const MAP_PRIVATE: u64 = 2;
const MAP_SHARED: u64 = 1;

fn kernel() -> (Kernel, Pid) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    k.create_file("f", 8192, &mut |_, _| {}).expect("file");
    let pid = k.spawn().expect("process");
    (k, pid)
}

fn open(k: &Kernel, pid: Pid, flags: u64) -> i64 {
    k.sys_openat(pid, "f", flags).expect("open") as i64
}

fn is_open(k: &Kernel, pid: Pid, fd: i64) -> bool {
    k.task(pid).unwrap().files.lock().get(fd).is_some()
}

fn cloexec(k: &Kernel, pid: Pid, fd: i64) -> u64 {
    k.sys_fcntl(pid, fd, F_GETFD, 0).expect("F_GETFD")
}

#[test]
fn dup_family_follows_replace_fd() {
    let (k, pid) = kernel();
    let fd = open(&k, pid, O_CLOEXEC);
    assert_eq!(fd, 3);
    assert_eq!(cloexec(&k, pid, 3), 1);
    // dup: lowest free, close-on-exec clear.
    assert_eq!(k.sys_dup(pid, 3), Ok(4));
    assert_eq!(cloexec(&k, pid, 4), 0);
    assert_eq!(k.sys_dup(pid, 9), Err(Errno::EBADF));
    // dup2 onto an open descriptor replaces it; onto itself is a check.
    assert_eq!(k.sys_dup2(pid, 3, 4), Ok(4));
    assert_eq!(k.sys_dup2(pid, 3, 3), Ok(3));
    assert_eq!(k.sys_dup2(pid, 8, 8), Err(Errno::EBADF));
    assert_eq!(k.sys_dup2(pid, 8, 9), Err(Errno::EBADF));
    assert_eq!(k.sys_dup2(pid, 3, 1024), Err(Errno::EBADF), "RLIMIT_NOFILE");
    assert_eq!(k.sys_dup2(pid, 3, -1), Err(Errno::EBADF));
    // dup3: same descriptor or other flags are EINVAL.
    assert_eq!(k.sys_dup3(pid, 3, 3, 0), Err(Errno::EINVAL));
    assert_eq!(k.sys_dup3(pid, 3, 5, 1), Err(Errno::EINVAL));
    assert_eq!(k.sys_dup3(pid, 3, 10, O_CLOEXEC), Ok(10));
    assert_eq!(cloexec(&k, pid, 10), 1);
    // The duplicate maps the same file.
    let a = k.sys_mmap(pid, 0, 8192, PROT_R, MAP_SHARED, 10, 0).expect("mmap of the dup");
    let maps = k.maps(pid, a, a + 8192).unwrap();
    assert_eq!(maps[0].path, "f");
    // The lowest free descriptor is still found after a dup2 far out.
    assert_eq!(open(&k, pid, 0), 5);
}

#[test]
fn fcntl_dupfd_and_fd_flags() {
    let (k, pid) = kernel();
    open(&k, pid, 0);
    assert_eq!(k.sys_fcntl(pid, 3, F_DUPFD, 10), Ok(10));
    assert_eq!(k.sys_fcntl(pid, 3, F_DUPFD, 10), Ok(11));
    assert_eq!(k.sys_fcntl(pid, 3, F_DUPFD_CLOEXEC, 0), Ok(4));
    assert_eq!(cloexec(&k, pid, 4), 1);
    assert_eq!(k.sys_fcntl(pid, 3, F_DUPFD, 1024), Err(Errno::EINVAL));
    assert_eq!(k.sys_fcntl(pid, 7, F_DUPFD, 0), Err(Errno::EBADF));
    assert_eq!(k.sys_fcntl(pid, 3, F_SETFD, 1), Ok(0));
    assert_eq!(cloexec(&k, pid, 3), 1);
    assert_eq!(k.sys_fcntl(pid, 3, F_SETFD, 0), Ok(0));
    assert_eq!(cloexec(&k, pid, 3), 0);
    assert_eq!(k.sys_fcntl(pid, 3, 12345, 0), Err(Errno::EINVAL));
}

#[test]
fn close_range_closes_or_marks() {
    let (mut k, pid) = kernel();
    for _ in 0..6 {
        open(&k, pid, 0);
    }
    // 3..=8 open.
    assert_eq!(k.sys_close_range(pid, 5, 3, 0), Err(Errno::EINVAL));
    assert_eq!(k.sys_close_range(pid, 3, 4, 1 << 5), Err(Errno::EINVAL));
    assert_eq!(k.sys_close_range(pid, 7, u64::from(u32::MAX), CLOSE_RANGE_CLOEXEC), Ok(0));
    assert!(is_open(&k, pid, 7) && is_open(&k, pid, 8));
    assert_eq!(cloexec(&k, pid, 8), 1);
    assert_eq!(k.sys_close_range(pid, 4, 5, 0), Ok(0));
    assert!(is_open(&k, pid, 3) && !is_open(&k, pid, 4) && !is_open(&k, pid, 5) && is_open(&k, pid, 6));
    assert_eq!(open(&k, pid, 0), 4);
    // execve's do_close_on_exec closes 7 and 8.
    k.do_close_on_exec(pid).unwrap();
    assert!(!is_open(&k, pid, 7) && !is_open(&k, pid, 8) && is_open(&k, pid, 6));

    // CLOSE_RANGE_UNSHARE: a thread sharing the table gets its own.
    let t = k.kernel_clone(pid, CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD).unwrap();
    assert_eq!(k.sys_close_range(t, 3, 3, CLOSE_RANGE_UNSHARE), Ok(0));
    assert!(!is_open(&k, t, 3));
    assert!(is_open(&k, pid, 3), "the other task's table is untouched");
}

#[test]
fn descriptor_only_objects_cannot_be_mapped() {
    let (k, pid) = kernel();
    let (r, w) = k.do_pipe2(pid, "pipe", O_CLOEXEC).unwrap();
    assert_eq!((r, w), (3, 4));
    assert_eq!(cloexec(&k, pid, 4), 1);
    let path = k.task(pid).unwrap().files.lock().get(3).unwrap().path.clone();
    assert!(path.starts_with("pipe:["), "{path}");
    for name in ["socket", "anon_inode:[eventfd]", "anon_inode:[eventpoll]", "anon_inode:[pidfd]"] {
        let fd = k.anon_inode_getfd(pid, name, 0).unwrap();
        assert_eq!(k.sys_mmap(pid, 0, 4096, PROT_R, MAP_SHARED, fd as i64, 0), Err(Errno::ENODEV), "{name}");
    }
    assert_eq!(k.sys_mmap(pid, 0, 4096, PROT_R, MAP_PRIVATE, 3, 0), Err(Errno::ENODEV));
    // memfd: a shmem file that can be mapped.
    let fd = k.sys_memfd_create(pid, "buf", 1).unwrap();
    assert_eq!(cloexec(&k, pid, fd as i64), 1);
    let a = k.sys_mmap(pid, 0, 4096, PROT_R | 2, MAP_SHARED, fd as i64, 0).expect("mmap of a memfd");
    assert_eq!(k.maps(pid, a, a + 4096).unwrap()[0].path, "/memfd:buf (deleted)");
}

#[test]
fn clone_shares_or_copies_as_its_flags_say() {
    let (mut k, pid) = kernel();
    open(&k, pid, 0);
    // fork: copies of both.
    let c = k.kernel_clone(pid, SIGCHLD).unwrap();
    assert_ne!(k.task(c).unwrap().mm.id, k.task(pid).unwrap().mm.id);
    assert_eq!(k.task(c).unwrap().tgid, c);
    k.sys_close(c, 3).unwrap();
    assert!(is_open(&k, pid, 3));
    // vfork: the same mm, a copied table.
    let v = k.kernel_clone(pid, CLONE_VM | CLONE_VFORK | SIGCHLD).unwrap();
    assert_eq!(k.task(v).unwrap().mm.id, k.task(pid).unwrap().mm.id);
    k.sys_close(v, 3).unwrap();
    assert!(is_open(&k, pid, 3));
    // A thread: everything shared, the same group.
    let t = k.kernel_clone(pid, CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD).unwrap();
    assert_eq!(k.task(t).unwrap().tgid, pid);
    k.sys_close(t, 3).unwrap();
    assert!(!is_open(&k, pid, 3), "CLONE_FILES shares the table");
    // spawn_thread: the same group, a copied table.
    let st = k.spawn_thread(pid).unwrap();
    assert_eq!(k.task(st).unwrap().tgid, pid);
    assert!(!is_open(&k, st, 3));
    k.exit(st);
    // copy_process's checks.
    assert_eq!(k.kernel_clone(pid, CLONE_THREAD), Err(Errno::EINVAL));
    assert_eq!(k.kernel_clone(pid, CLONE_SIGHAND), Err(Errno::EINVAL));
    assert_eq!(k.kernel_clone(pid, CLONE_NEWNS | CLONE_FS), Err(Errno::EINVAL));
    assert_eq!(k.kernel_clone(999, SIGCHLD), Err(Errno::EINVAL));
    // exit_group ends the thread group only.
    let t2 = k.kernel_clone(t, CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD).unwrap();
    assert_eq!(k.thread_group(pid), vec![pid, t, t2]);
    assert_eq!(k.exit_group(t2), vec![pid, t, t2]);
    let mut left = k.pids();
    left.sort_unstable();
    assert_eq!(left, vec![c, v]);
    assert!(k.check_invariants().is_empty());
}

#[test]
fn maps_lines_in_the_kernel_format() {
    let e = |start, end, perms: &str, offset, dev, inode, path: &str| MapsEntry {
        start,
        end,
        perms: perms.into(),
        offset,
        dev,
        inode,
        path: path.into(),
    };
    // Lines of `cat /proc/self/maps | cat -A` on Linux 6.18.
    let cases = [
        (
            e(0x55e92ebdc000, 0x55e92ebde000, "r--p", 0, (0xfe, 0), 247030, "/usr/bin/cat"),
            "55e92ebdc000-55e92ebde000 r--p 00000000 fe:00 247030                     /usr/bin/cat",
        ),
        (
            e(0x55e94d8eb000, 0x55e94d90c000, "rw-p", 0, (0, 0), 0, "[heap]"),
            "55e94d8eb000-55e94d90c000 rw-p 00000000 00:00 0                          [heap]",
        ),
        (
            e(0x7f22bff7a000, 0x7f22bff9c000, "rw-p", 0, (0, 0), 0, ""),
            "7f22bff7a000-7f22bff9c000 rw-p 00000000 00:00 0 ",
        ),
        (
            e(
                0x7f22c0025000,
                0x7f22c017b000,
                "r-xp",
                0x26000,
                (0xfe, 0),
                326279,
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
            ),
            "7f22c0025000-7f22c017b000 r-xp 00026000 fe:00 326279                     /usr/lib/x86_64-linux-gnu/libc.so.6",
        ),
        (
            e(0xffffffffff600000, 0xffffffffff601000, "--xp", 0, (0, 0), 0, "[vsyscall]"),
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
        ),
        // Short addresses pad further; a line past the column gets one space.
        // Short addresses pad further; a line past the column gets one space.
        (
            e(0x1000, 0x2000, "r--s", 0, (0, 0x1a), 5, "f"),
            "00001000-00002000 r--s 00000000 00:1a 5                                  f",
        ),
        (
            e(0x7f22c0025000, 0x7f22c017b000, "r--p", 0xffff_ffff_ffff_f000, (0x103, 0x7), u64::MAX, "x"),
            "7f22c0025000-7f22c017b000 r--p fffffffffffff000 103:07 18446744073709551615  x",
        ),
    ];
    for (entry, want) in cases {
        assert_eq!(entry.proc_maps_line(), want);
    }
}

/// procfs's maps files open whatever the root holds (here none), show
/// their numeric path, are read-only, cannot be mapped, and exist only
/// for live tasks; other `/proc` paths are looked up as any path.
#[test]
fn proc_maps_files_open_for_live_tasks() {
    let (mut k, pid) = kernel();
    let tid = k.spawn_thread(pid).expect("thread");
    let other = k.fork(pid).expect("fork");
    let path = |k: &Kernel, p: Pid, fd: u64| k.task(p).unwrap().files.lock().get(fd as i64).expect("open").path.clone();
    for (name, shown) in [
        ("/proc/self/maps".to_string(), format!("/proc/{pid}/maps")),
        ("/proc/thread-self/maps".to_string(), format!("/proc/{pid}/task/{pid}/maps")),
        (format!("//proc/./{other}/maps"), format!("/proc/{other}/maps")),
        (format!("/proc/{pid}/task/{tid}/maps"), format!("/proc/{pid}/task/{tid}/maps")),
    ] {
        let fd = k.sys_openat(pid, &name, 0).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(path(&k, pid, fd), shown, "{name}");
        assert_eq!(k.sys_mmap(pid, 0, 4096, PROT_R, MAP_PRIVATE, fd as i64, 0), Err(Errno::ENODEV), "{name}");
    }
    let fd = k.sys_openat(tid, "/proc/thread-self/maps", 0).expect("thread-self");
    assert_eq!(path(&k, tid, fd), format!("/proc/{pid}/task/{tid}/maps"));
    for (name, flags, err) in [
        ("/proc/self/maps", 2, Errno::EACCES),         // O_RDWR
        ("/proc/self/maps", 0o1000, Errno::EACCES),    // O_TRUNC
        ("/proc/self/maps", 0o200000, Errno::ENOTDIR), // O_DIRECTORY
        ("/proc/self/maps", 0o300, Errno::EEXIST),     // O_CREAT|O_EXCL
        ("/proc/4000000/maps", 0, Errno::ENOENT),      // no such task
        ("/proc/self/task/4000000/maps", 0, Errno::ENOENT),
        ("/proc/self/status", 0, Errno::ENOENT), // not modelled: a plain lookup
        ("/proc/01/maps", 0, Errno::ENOENT),
    ] {
        assert_eq!(k.sys_openat(pid, name, flags), Err(err), "{name} {flags:#o}");
    }
    let other_tid = format!("/proc/{pid}/task/{other}/maps");
    assert_eq!(k.sys_openat(pid, &other_tid, 0), Err(Errno::ENOENT), "a task of another group");
}
