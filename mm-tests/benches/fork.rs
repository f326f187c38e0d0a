//! fork of a process with 64 MiB of touched anonymous memory, then the
//! child writes every page (copy on write) and exits; the real kernel of
//! this machine doing the same, side by side.  And the fault paths with
//! one and two threads sharing one address space, each thread mapping
//! 128 MiB of its own, touching a byte per page and unmapping: anonymous
//! stores (page_fault1) and loads (the zero page), stores to a private
//! mapping of a cached tmpfs file of its own (page_fault2: a copy per
//! page) and loads from it (fault-around), in the simulator and on Linux.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig, PAGE_SIZE};
use mm_tests::parallel::time_rounds;
use mm_tests::touch;
use std::sync::Arc;

const LEN: u64 = 64 << 20;
const A: u64 = 0x1_0000_0000;

fn sim_fork_cow(k: &mut Kernel, parent: u32) {
    let child = k.fork(parent).expect("fork");
    touch::sim(k, child, A, LEN, true);
    k.exit(child);
}

/// fork(2); the child writes one byte per page of `mem` and exits; the
/// parent waits for it.
fn linux_fork_cow(mem: *mut u8) {
    // SAFETY: the child only writes to memory it owns (its copy of `mem`,
    // LEN bytes mapped by the caller) and leaves with _exit; the parent
    // only waits for it.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork");
        if pid == 0 {
            for i in 0..(LEN / PAGE_SIZE) as usize {
                std::ptr::write_volatile(mem.add(i * PAGE_SIZE as usize), 1);
            }
            libc::_exit(0);
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
    }
}

fn bench_fork(c: &mut Criterion) {
    let mut g = c.benchmark_group("fork_64MiB_then_child_writes_every_page");
    g.throughput(Throughput::Elements(LEN / PAGE_SIZE));
    g.sample_size(20);
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let parent = k.spawn().expect("process");
    k.sys_mmap(parent, A, LEN, 3, 0x32, -1, 0).expect("mmap");
    touch::sim(&k, parent, A, LEN, true);
    g.bench_function(BenchmarkId::new("mmsim", "64MiB"), |b| b.iter(|| sim_fork_cow(&mut k, parent)));
    // SAFETY: a private anonymous mapping of LEN bytes, touched, then used
    // only through linux_fork_cow, and unmapped at the end.
    let mem = unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            LEN as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        let m = p.cast::<u8>();
        for i in 0..(LEN / PAGE_SIZE) as usize {
            std::ptr::write_volatile(m.add(i * PAGE_SIZE as usize), 1);
        }
        m
    };
    g.bench_function(BenchmarkId::new("linux", "64MiB"), |b| b.iter(|| linux_fork_cow(mem)));
    // SAFETY: the mapping made above.
    unsafe {
        libc::munmap(mem.cast(), LEN as usize);
    }
    g.finish();
}

const PF_LEN: u64 = 128 << 20;
const PF_PAGES: u64 = PF_LEN / PAGE_SIZE;

/// The work each thread does on a region of its own: map 128 MiB, touch
/// one byte per page, unmap.
#[derive(Clone, Copy)]
struct Work {
    /// The benchmark group's name (with `_N_threads` added).
    name: &'static str,
    /// Private mapping of a 128 MiB tmpfs file of the thread's own (its
    /// pages cached), else of anonymous memory.
    file: bool,
    /// A store per page, else a load.
    write: bool,
}

const WORKS: [Work; 4] = [
    // A new zeroed page per store.
    Work { name: "page_fault1", file: false, write: true },
    // The zero page mapped per load.
    Work { name: "page_fault1_read", file: false, write: false },
    // A copy of the page-cache page per store (do_cow_fault).
    Work { name: "page_fault2", file: true, write: true },
    // 16 cached pages mapped per fault (fault-around).
    Work { name: "file_read", file: true, write: false },
];

/// `work` by task `pid` (`t`) as one thread on `cpu`, its file (if any)
/// at descriptor `fd`; the thread's system calls run on that CPU too, so
/// its munmap frees to that CPU's page lists.
fn sim_thread(k: &Kernel, (pid, t): &(u32, Arc<mm_core::task::Task>), fd: i64, cpu: usize, work: Work) {
    let _on = mm_core::smp::run_on_cpu(cpu);
    let a = A + cpu as u64 * (1 << 32);
    let flags = if work.file { 0x12 } else { 0x32 };
    k.sys_mmap(*pid, a, PF_LEN, 3, flags, fd, 0).expect("mmap");
    let mut sum = 0u8;
    for p in 0..PF_PAGES {
        if work.write {
            t.store(cpu, a + p * PAGE_SIZE, 1).expect("store");
        } else {
            sum = sum.wrapping_add(t.load(cpu, a + p * PAGE_SIZE).expect("load"));
        }
    }
    std::hint::black_box(sum);
    k.sys_munmap(*pid, a, PF_LEN).expect("munmap");
}

/// The same on this machine's kernel: thread `i` maps `files[i]` (or
/// anonymous memory).
fn linux_thread(files: &[std::fs::File], i: usize, work: Work) {
    use std::os::fd::AsRawFd;
    let (fd, flags) = if work.file {
        (files[i].as_raw_fd(), libc::MAP_PRIVATE)
    } else {
        (-1, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS)
    };
    touch::linux(fd, flags, PF_LEN as usize, work.write);
}

/// The host's tmpfs files of the file benchmarks, written whole (every
/// page cached), removed when dropped.
struct HostFiles(Vec<(std::path::PathBuf, std::fs::File)>);

impl HostFiles {
    fn new(n: usize) -> HostFiles {
        let bytes = vec![7u8; PF_LEN as usize];
        HostFiles(
            (0..n)
                .map(|i| {
                    let path =
                        std::path::PathBuf::from(format!("/dev/shm/mmsim-bench-threads-{}-{i}", std::process::id()));
                    std::fs::write(&path, &bytes).expect("write the tmpfs file");
                    let file = std::fs::File::open(&path).expect("open");
                    (path, file)
                })
                .collect(),
        )
    }
}

impl Drop for HostFiles {
    fn drop(&mut self) {
        for (path, _) in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Each path with one and two threads of one process, each thread in a
/// region (and file) of its own, side by side with the kernel; the gain of
/// two threads over one is the ratio of the two throughputs.
fn bench_threads(c: &mut Criterion) {
    let host = HostFiles::new(2);
    let files: Vec<std::fs::File> = host.0.iter().map(|(_, f)| f.try_clone().expect("dup")).collect();
    for work in WORKS {
        for threads in [1usize, 2] {
            let mut g = c.benchmark_group(format!("{}_{threads}_threads", work.name));
            g.throughput(Throughput::Elements(threads as u64 * PF_PAGES));
            g.sample_size(10);
            let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
            let leader = k.spawn().expect("process");
            let mut tids = vec![leader];
            for _ in 1..threads {
                tids.push(k.spawn_thread(leader).expect("thread"));
            }
            let mut fds = Vec::new();
            if work.file {
                for (i, &tid) in tids.iter().enumerate() {
                    let name = format!("f{i}");
                    k.create_file(&name, PF_LEN, &mut |_, page: &mut [u8]| page.fill(7)).expect("file");
                    fds.push(k.sys_openat(tid, &name, 0).expect("open") as i64);
                }
            }
            let tasks: Vec<_> = tids.iter().map(|&t| (t, k.task(t).expect("task").clone())).collect();
            let fd = |i: usize| fds.get(i).copied().unwrap_or(-1);
            // Each round, every thread does its work, starting together
            // (`time_rounds`): a round takes as long as the slowest.
            g.bench_function(BenchmarkId::new("mmsim", "128MiB-each"), |b| {
                b.iter_custom(|iters| time_rounds(threads, iters, |i| sim_thread(&k, &tasks[i], fd(i), i, work)))
            });
            g.bench_function(BenchmarkId::new("linux", "128MiB-each"), |b| {
                b.iter_custom(|iters| time_rounds(threads, iters, |i| linux_thread(&files, i, work)))
            });
            if threads == 2 {
                // The same work on two machines, a thread each (and a file
                // each): nothing simulated is shared, so what the host
                // gives two threads of the simulator's code.
                let mut machines: Vec<Kernel> = (0..2)
                    .map(|_| Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine"))
                    .collect();
                let mut apart = Vec::new();
                for k in &mut machines {
                    let pid = k.spawn().expect("process");
                    let fd = if work.file {
                        k.create_file("f", PF_LEN, &mut |_, page: &mut [u8]| page.fill(7)).expect("file");
                        k.sys_openat(pid, "f", 0).expect("open") as i64
                    } else {
                        -1
                    };
                    apart.push(((pid, k.task(pid).expect("task").clone()), fd));
                }
                g.bench_function(BenchmarkId::new("mmsim-2-machines", "128MiB-each"), |b| {
                    b.iter_custom(|iters| {
                        time_rounds(2, iters, |i| sim_thread(&machines[i], &apart[i].0, apart[i].1, i, work))
                    })
                });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, bench_fork, bench_threads);
criterion_main!(benches);
