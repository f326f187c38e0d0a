//! page_fault1 (will-it-scale): map 128 MiB of private anonymous memory,
//! touch one byte per page, unmap.  The simulator and the real kernel of
//! this machine do the same work side by side; compare their times in the
//! same run (the machine is shared and noisy, so only ratios mean
//! anything).
//!
//! `write`: every touch is a write fault that allocates and zeroes a page.
//! `read`: every touch is a read fault that maps the shared zero page.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig};
use mm_tests as _;
use std::hint::black_box;

const LEN: u64 = 128 << 20;
const PAGE: u64 = 4096;
const PAGES: u64 = LEN / PAGE;
const A: u64 = 0x1_0000_0000;

fn sim_page_fault1(k: &Kernel, pid: u32, write: bool) {
    let a = k.sys_mmap(pid, A, LEN, 3, 0x32, -1, 0).expect("mmap");
    let mut sum = 0u8;
    for p in 0..PAGES {
        if write {
            k.store(pid, a + p * PAGE, 1).expect("store");
        } else {
            sum = sum.wrapping_add(k.load(pid, a + p * PAGE).expect("load"));
        }
    }
    black_box(sum);
    k.sys_munmap(pid, a, LEN).expect("munmap");
}

fn linux_page_fault1(write: bool) {
    // SAFETY: an anonymous private mapping of LEN bytes, used only inside
    // this function and unmapped before returning.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            LEN as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        let base = p.cast::<u8>();
        let mut sum = 0u8;
        for i in 0..PAGES as usize {
            let q = base.add(i * PAGE as usize);
            if write {
                std::ptr::write_volatile(q, 1);
            } else {
                sum = sum.wrapping_add(std::ptr::read_volatile(q));
            }
        }
        black_box(sum);
        assert_eq!(libc::munmap(p, LEN as usize), 0);
    }
}

fn bench(c: &mut Criterion) {
    for (name, write) in [("page_fault1_write", true), ("page_fault1_read", false)] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(PAGES));
        g.sample_size(20);
        let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
        let pid = k.spawn().expect("process");
        g.bench_function(BenchmarkId::new("mmsim", "128MiB"), |b| b.iter(|| sim_page_fault1(&k, pid, write)));
        g.bench_function(BenchmarkId::new("linux", "128MiB"), |b| b.iter(|| linux_page_fault1(write)));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
