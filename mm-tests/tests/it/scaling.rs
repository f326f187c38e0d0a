//! Bulk work costs linear time: tearing down, unmapping and copying many
//! VMAs, and opening many descriptors.  The sizes are such that a return of
//! a quadratic path (removing VMAs one by one from the front of the array,
//! scanning the descriptor table for each `openat`) takes minutes, while
//! the linear one takes a fraction of a second.

use mm_core::errno::{Errno, SysResult};
use mm_core::machine::MachineConfig;
use mm_core::task::{FIRST_FD, INR_OPEN_CUR, NR_OPEN};
use mm_core::{Kernel, PAGE_SIZE, Pid};

const A: u64 = 0x1_0000_0000;
const PROT_READ: u64 = 1;
const MAP_SHARED_FIXED: u64 = 0x11;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const O_RDONLY: u64 = 0;
/// VMAs of the address spaces below.
const NR_VMAS: u64 = 60_000;

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// A process with `NR_VMAS` one-page shared mappings of one file, a page
/// apart (none can merge).
fn many_vmas(k: &mut Kernel) -> Pid {
    k.create_file("f", PAGE_SIZE, &mut |_, _| {}).expect("file");
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "f", O_RDONLY).expect("openat") as i64;
    for i in 0..NR_VMAS {
        let a = A + i * 2 * PAGE_SIZE;
        assert_eq!(k.sys_mmap(pid, a, PAGE_SIZE, PROT_READ, MAP_SHARED_FIXED, fd, 0), Ok(a));
    }
    pid
}

#[test]
fn exit_and_fork_of_many_vmas() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let free = k.machine().nr_free_pages();
    let parent = many_vmas(&mut k);
    // Touch a page near each end so that teardown has tables to free.
    k.task(parent).unwrap().load(0, A).expect("load");
    k.task(parent).unwrap().load(0, A + (NR_VMAS - 1) * 2 * PAGE_SIZE).expect("load");
    // Ten children, as a shell forks: eleven copies to tear down.
    for _ in 0..10 {
        let child = k.fork(parent).expect("fork");
        assert_eq!(k.maps(child, 0, u64::MAX).unwrap().len(), NR_VMAS as usize);
    }
    for pid in k.pids() {
        assert!(k.exit(pid));
    }
    k.tmpfs().unlink("f").expect("unlink");
    check(&k);
    assert_eq!(k.machine().nr_free_pages(), free);
}

#[test]
fn munmap_and_mmap_fixed_over_many_vmas() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = many_vmas(&mut k);
    let span = NR_VMAS * 2 * PAGE_SIZE;
    // One munmap from inside the first VMA's gap to the middle of the last
    // half: every VMA in between goes at once.
    let half = NR_VMAS / 2 * 2 * PAGE_SIZE;
    assert_eq!(k.sys_munmap(pid, A + PAGE_SIZE, half), Ok(0));
    assert_eq!(k.maps(pid, 0, u64::MAX).unwrap().len(), NR_VMAS as usize / 2);
    // MAP_FIXED over the rest replaces them all with one VMA.
    let rest = A + half + PAGE_SIZE;
    assert_eq!(k.sys_mmap(pid, rest, span - half - PAGE_SIZE, PROT_READ, MAP_ANON_PRIVATE_FIXED, -1, 0), Ok(rest));
    assert_eq!(k.maps(pid, 0, u64::MAX).unwrap().len(), 2);
    check(&k);
}

#[test]
fn rlimit_nofile_and_the_lowest_free_descriptor() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    k.create_file("f", PAGE_SIZE, &mut |_, _| {}).expect("file");
    let pid = k.spawn().expect("process");
    assert_eq!(k.task(pid).unwrap().files.lock().rlimit_nofile(), INR_OPEN_CUR);
    for fd in FIRST_FD..INR_OPEN_CUR {
        assert_eq!(k.sys_openat(pid, "f", O_RDONLY), Ok(fd as u64));
    }
    assert_eq!(k.sys_openat(pid, "f", O_RDONLY), Err(Errno::EMFILE));
    // EMFILE before the path is looked up, as do_sys_openat2 does.
    assert_eq!(k.sys_openat(pid, "nope", O_RDONLY), Err(Errno::EMFILE));
    // The child inherits the table and the limit.
    let child = k.fork(pid).expect("fork");
    assert_eq!(k.sys_openat(child, "f", O_RDONLY), Err(Errno::EMFILE));
    assert_eq!(k.sys_close(child, 700), Ok(0));
    assert_eq!(k.sys_close(child, 5), Ok(0));
    assert_eq!(k.sys_openat(child, "nope", O_RDONLY), Err(Errno::ENOENT));
    assert_eq!(k.sys_openat(child, "f", O_RDONLY), Ok(5));
    assert_eq!(k.sys_openat(child, "f", O_RDONLY), Ok(700));
    assert_eq!(k.sys_openat(child, "f", O_RDONLY), Err(Errno::EMFILE));
    assert_eq!(k.sys_openat(pid, "f", O_RDONLY), Err(Errno::EMFILE));

    // A raised limit: 300,000 descriptors, each openat finding the lowest
    // free one in a few words of the bitmap.
    let mut files = k.task(pid).unwrap().files.lock().clone();
    assert_eq!(files.set_rlimit_nofile(NR_OPEN + 1), Err(Errno::EPERM));
    files.set_rlimit_nofile(NR_OPEN).unwrap();
    let file = files.get(3).expect("open");
    let n = 300_000;
    for fd in INR_OPEN_CUR..n {
        assert_eq!(files.install(file.clone()), Ok(fd as i64));
    }
    for fd in [n - 1, 64 * 64 + 7, 4095, 4096, 200, 63, 64, 3] {
        assert!(files.close(fd as i64));
    }
    for fd in [3, 63, 64, 200, 4095, 4096, 64 * 64 + 7, n - 1, n] {
        assert_eq!(files.install(file.clone()), Ok(fd as i64));
    }
    assert!(!files.close(n as i64 + 1));
    assert!(!files.close(0), "the standard streams are not in the table");
}

const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE: u64 = 0x22;
const MADV_NORMAL: u64 = 0;
const MADV_RANDOM: u64 = 1;
const MADV_DONTFORK: u64 = 10;
const MADV_DOFORK: u64 = 11;

/// One anonymous mapping of `NR_VMAS` pages, its first page written (it
/// has an anon_vma), cut into `NR_VMAS` one-page VMAs by `cut` on every
/// other page, from the start up and from the end down.
fn alternating_vmas(k: &Kernel, pid: Pid, cut: &mut dyn FnMut(u64) -> SysResult<u64>) -> u64 {
    let len = NR_VMAS * PAGE_SIZE;
    let a = k.sys_mmap(pid, 0, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    k.store(pid, a, 1).expect("store");
    let pairs = NR_VMAS / 2;
    for i in (0..pairs / 2).chain((pairs / 2..pairs).rev()) {
        assert_eq!(cut(a + (2 * i + 1) * PAGE_SIZE), Ok(0));
    }
    assert_eq!(k.maps(pid, a, a + len).unwrap().len(), NR_VMAS as usize);
    a
}

#[test]
fn mprotect_and_madvise_merging_many_vmas() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    let len = NR_VMAS * PAGE_SIZE;

    // Read-only pages between writable ones, all sharing one anon_vma.
    let a = alternating_vmas(&k, pid, &mut |p| k.sys_mprotect(pid, p, PAGE_SIZE, PROT_READ));
    // One mprotect over all of them: every VMA merges into its
    // predecessor, one after the other.
    assert_eq!(k.sys_mprotect(pid, a, len, PROT_RW), Ok(0));
    assert_eq!(k.maps(pid, a, a + len).unwrap().len(), 1);
    // And back: one mprotect that splits the one VMA at both ends, and one
    // that restores the protection of the whole.
    assert_eq!(k.sys_mprotect(pid, a + PAGE_SIZE, len - 2 * PAGE_SIZE, PROT_READ), Ok(0));
    assert_eq!(k.maps(pid, a, a + len).unwrap().len(), 3);
    assert_eq!(k.sys_mprotect(pid, a, len, PROT_RW), Ok(0));
    assert_eq!(k.maps(pid, a, a + len).unwrap().len(), 1);
    check(&k);
    assert_eq!(k.sys_munmap(pid, a, len), Ok(0));

    // The same with advice that changes vm_flags: VM_DONTCOPY, VM_RAND_READ.
    for (odd, all) in [(MADV_DONTFORK, MADV_DOFORK), (MADV_RANDOM, MADV_NORMAL)] {
        let a = alternating_vmas(&k, pid, &mut |p| k.sys_madvise(pid, p, PAGE_SIZE, odd));
        assert_eq!(k.sys_madvise(pid, a, len, all), Ok(0));
        assert_eq!(k.maps(pid, a, a + len).unwrap().len(), 1);
        // Every VMA takes the advice: they all merge into one again.
        assert_eq!(k.sys_madvise(pid, a, len, odd), Ok(0));
        assert_eq!(k.maps(pid, a, a + len).unwrap().len(), 1);
        check(&k);
        assert_eq!(k.sys_munmap(pid, a, len), Ok(0));
    }
    check(&k);
}
