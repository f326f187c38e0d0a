//! fork of a process with 64 MiB of touched anonymous memory, then the
//! child writes every page (copy on write) and exits; the real kernel of
//! this machine doing the same, side by side.  And page_fault1 (128 MiB
//! per thread: mmap, a store per page, munmap) with one and two threads
//! sharing one address space, in the simulator and on Linux.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig, PAGE_SIZE};
use mm_tests::touch;
use std::sync::{Arc, Barrier};

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

/// page_fault1 on `threads` threads of one simulated process, each on a
/// CPU of its own with a region of its own.
fn sim_page_fault1(tasks: &[Arc<mm_core::task::Task>], barrier: &Barrier) {
    std::thread::scope(|s| {
        for (cpu, t) in tasks.iter().enumerate() {
            s.spawn(move || {
                let a = A + cpu as u64 * (1 << 32);
                barrier.wait();
                let flags = mm_core::flags::MapFlags::from_bits_retain(0x32);
                let prot = mm_core::flags::Prot::from_bits_retain(3);
                t.mm.vm_mmap_pgoff(t.faults(), None, a, PF_LEN, prot, flags, 0).expect("mmap");
                for p in 0..PF_LEN / PAGE_SIZE {
                    t.store(cpu, a + p * PAGE_SIZE, 1).expect("store");
                }
                t.mm.vm_munmap(a, PF_LEN).expect("munmap");
            });
        }
    });
}

fn linux_page_fault1(threads: usize, barrier: &Barrier) {
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                touch::linux(-1, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, PF_LEN as usize, true);
            });
        }
    });
}

fn bench_threads(c: &mut Criterion) {
    for threads in [1usize, 2] {
        let mut g = c.benchmark_group(format!("page_fault1_{threads}_threads"));
        g.throughput(Throughput::Elements(threads as u64 * PF_LEN / PAGE_SIZE));
        g.sample_size(10);
        let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
        let leader = k.spawn().expect("process");
        let mut tids = vec![leader];
        for _ in 1..threads {
            tids.push(k.spawn_thread(leader).expect("thread"));
        }
        let tasks: Vec<_> = tids.iter().map(|&t| k.task(t).expect("task").clone()).collect();
        let barrier = Barrier::new(threads);
        g.bench_function(BenchmarkId::new("mmsim", "128MiB-each"), |b| b.iter(|| sim_page_fault1(&tasks, &barrier)));
        g.bench_function(BenchmarkId::new("linux", "128MiB-each"), |b| b.iter(|| linux_page_fault1(threads, &barrier)));
        g.finish();
    }
}

criterion_group!(benches, bench_fork, bench_threads);
criterion_main!(benches);
