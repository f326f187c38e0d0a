//! Threads of one process fault, map and unmap at once on different CPUs:
//! no lost update (every byte each thread wrote reads back, counters add
//! up) and every invariant holds afterwards.

use mm_core::{Kernel, MachineConfig, PAGE_SIZE};
use std::sync::{Arc, Barrier};

const A: u64 = 0x1_0000_0000;

#[test]
fn threads_fault_disjoint_and_shared_ranges_while_one_remaps() {
    for _ in 0..10 {
        run(MachineConfig { nr_cpus: 4, ..MachineConfig::default() });
    }
}

/// The same with 4 MiB of RAM and swap: reclaim runs on every thread, on
/// pages the others are faulting.
#[test]
fn and_under_memory_pressure() {
    for policy in ["lru", "clock"] {
        for _ in 0..3 {
            run(MachineConfig {
                nr_cpus: 4,
                ram: 4 << 20,
                reclaim: policy.into(),
                swap: vec![mm_core::machine::SwapSpec::parse("zram:64M").expect("swap")],
                ..MachineConfig::default()
            });
        }
    }
}

fn run(cfg: MachineConfig) {
    const THREADS: usize = 4;
    const PAGES: u64 = 512;
    let mut k = Kernel::new(&cfg).expect("machine");
    let leader = k.spawn().expect("process");
    let tids: Vec<u32> = (1..THREADS).map(|_| k.spawn_thread(leader).expect("thread")).collect();
    let all: Vec<u32> = std::iter::once(leader).chain(tids).collect();
    // A region per thread, and one they all write.
    for i in 0..=THREADS as u64 {
        let a = A + i * (1 << 30);
        assert_eq!(k.sys_mmap(leader, a, PAGES * PAGE_SIZE, 3, 0x32, -1, 0), Ok(a));
    }
    let tasks: Vec<_> = all.iter().map(|&t| k.task(t).expect("task").clone()).collect();
    let barrier = Arc::new(Barrier::new(THREADS));
    let shared = A + THREADS as u64 * (1 << 30);
    std::thread::scope(|s| {
        for (cpu, t) in tasks.iter().enumerate() {
            let barrier = barrier.clone();
            s.spawn(move || {
                barrier.wait();
                let own = A + cpu as u64 * (1 << 30);
                for round in 0..4u64 {
                    for p in 0..PAGES {
                        t.store(cpu, own + p * PAGE_SIZE + cpu as u64, (p + round) as u8).expect("own store");
                        // Each thread owns one byte of every shared page.
                        t.store(cpu, shared + p * PAGE_SIZE + cpu as u64, (p * 7 + round) as u8).expect("shared store");
                    }
                    // One thread keeps changing the others' neighbourhood:
                    // a scratch mapping, protected and unmapped.
                    if cpu == 0 {
                        let scratch = A + 7 * (1 << 30);
                        let m = &t.mm;
                        m.vm_mmap_pgoff(
                            t.faults(),
                            None,
                            scratch,
                            64 * PAGE_SIZE,
                            mm_core::flags::Prot::from_bits_retain(3),
                            mm_core::flags::MapFlags::from_bits_retain(0x32),
                            0,
                        )
                        .expect("mmap");
                        for p in 0..64 {
                            t.store(cpu, scratch + p * PAGE_SIZE, 1).expect("scratch");
                        }
                        m.do_mprotect(t.faults(), scratch, 32 * PAGE_SIZE, 1).expect("mprotect");
                        m.vm_munmap(scratch, 64 * PAGE_SIZE).expect("munmap");
                    }
                }
            });
        }
    });
    for (cpu, t) in tasks.iter().enumerate() {
        let own = A + cpu as u64 * (1 << 30);
        for p in 0..PAGES {
            assert_eq!(t.load(cpu, own + p * PAGE_SIZE + cpu as u64), Ok((p + 3) as u8));
            assert_eq!(t.load(cpu, shared + p * PAGE_SIZE + cpu as u64), Ok((p * 7 + 3) as u8));
        }
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
    // Every page of every region was faulted exactly once, by someone.
    let minor: u64 = all.iter().map(|&t| k.faults(t).expect("faults").0).sum();
    let mm = &tasks[0].mm;
    let (anon, swap) = (mm.counters().anon_rss(), mm.counters().swap_ents());
    assert_eq!(anon + swap, ((THREADS as u64 + 1) * PAGES) as i64, "every page resident or on swap");
    assert!(minor >= (THREADS as u64 + 1) * PAGES, "{minor} faults");
}
