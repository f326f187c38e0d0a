//! System-call costs, simulator against the real kernel in the same run:
//! mmap + munmap of 4 KiB, and mprotect of the middle page of a 3-page
//! mapping to read-only and back (a split into three VMAs and a merge back
//! into one).

use criterion::{Criterion, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig};
use mm_tests as _;
use std::hint::black_box;

const A: u64 = 0x1_0000_0000;

fn bench(c: &mut Criterion) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");

    let mut g = c.benchmark_group("mmap_munmap_4k");
    g.bench_function("mmsim", |b| {
        b.iter(|| {
            let a = k.sys_mmap(pid, 0, 4096, 3, 0x22, -1, 0).expect("mmap");
            k.sys_munmap(pid, black_box(a), 4096).expect("munmap");
        })
    });
    g.bench_function("linux", |b| {
        b.iter(|| {
            // SAFETY: a fresh anonymous mapping, unmapped right away.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                assert_ne!(p, libc::MAP_FAILED);
                assert_eq!(libc::munmap(black_box(p), 4096), 0);
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("mprotect_split_merge");
    k.sys_mmap(pid, A, 3 * 4096, 3, 0x32, -1, 0).expect("mmap");
    g.bench_function("mmsim", |b| {
        b.iter(|| {
            k.sys_mprotect(pid, A + 4096, 4096, 1).expect("split");
            k.sys_mprotect(pid, A + 4096, 4096, 3).expect("merge");
        })
    });
    // SAFETY: a private anonymous mapping owned by this benchmark.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            3 * 4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let mid = p.cast::<u8>().wrapping_add(4096).cast::<libc::c_void>();
    g.bench_function("linux", |b| {
        b.iter(|| {
            // SAFETY: the middle page of the mapping above.
            unsafe {
                assert_eq!(libc::mprotect(mid, 4096, libc::PROT_READ), 0);
                assert_eq!(libc::mprotect(mid, 4096, libc::PROT_READ | libc::PROT_WRITE), 0);
            }
        })
    });
    g.finish();
    // SAFETY: unmapping the mapping made above.
    unsafe { libc::munmap(p, 3 * 4096) };
}

criterion_group!(benches, bench);
criterion_main!(benches);
