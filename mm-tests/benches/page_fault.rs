//! page_fault1 (will-it-scale): map 128 MiB of private anonymous memory,
//! touch one byte per page, unmap.  The simulator and the real kernel of
//! this machine do the same work side by side; compare their times in the
//! same run (the machine is shared and noisy, so only ratios mean
//! anything).
//!
//! `write`: every touch is a write fault that allocates and zeroes a page.
//! `read`: every touch is a read fault that maps the shared zero page.
//! Against the model's own floor: the same loads once every page is
//! mapped (`mmsim-mapped`: a TLB miss and a page walk each, no fault).
//! `thp_write`: the same writes after `MADV_HUGEPAGE`: one fault per
//! 2 MiB maps a transparent huge page (the kernel zeroes 2 MiB of memory
//! for each; the simulator's frames are zero with one store).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig};
use mm_tests::touch;

const LEN: u64 = 128 << 20;
const PAGE: u64 = 4096;
const PAGES: u64 = LEN / PAGE;
const A: u64 = 0x1_0000_0000;

fn sim_page_fault1(k: &Kernel, pid: u32, write: bool) {
    let a = k.sys_mmap(pid, A, LEN, 3, 0x32, -1, 0).expect("mmap");
    touch::sim(k, pid, a, LEN, write);
    k.sys_munmap(pid, a, LEN).expect("munmap");
}

fn linux_page_fault1(write: bool) {
    touch::linux(-1, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, LEN as usize, write);
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
        if !write {
            // The model's own floor: the same loads with every page mapped
            // already (to the zero page), so that each is a TLB miss and a
            // page walk, as the first load of a page is, but no fault.
            let a = k.sys_mmap(pid, A, LEN, 3, 0x32, -1, 0).expect("mmap");
            touch::sim(&k, pid, a, LEN, false);
            g.bench_function(BenchmarkId::new("mmsim-mapped", "128MiB"), |b| {
                b.iter(|| touch::sim(&k, pid, a, LEN, false))
            });
            k.sys_munmap(pid, a, LEN).expect("munmap");
        }
        g.finish();
    }
    let mut g = c.benchmark_group("page_fault1_thp_write");
    g.throughput(Throughput::Elements(PAGES));
    g.sample_size(20);
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    g.bench_function(BenchmarkId::new("mmsim", "128MiB"), |b| {
        b.iter(|| {
            let a = k.sys_mmap(pid, A, LEN, 3, 0x32, -1, 0).expect("mmap");
            k.sys_madvise(pid, a, LEN, libc::MADV_HUGEPAGE as u64).expect("madvise");
            touch::sim(&k, pid, a, LEN, true);
            k.sys_munmap(pid, a, LEN).expect("munmap");
        })
    });
    g.bench_function(BenchmarkId::new("linux", "128MiB"), |b| {
        b.iter(|| touch::linux_advised(LEN as usize, libc::MADV_HUGEPAGE))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
