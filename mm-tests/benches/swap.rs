//! Swap-heavy random access over four times RAM, on each swap device,
//! against the floor: the same device reading and writing the same number
//! of pages alone.
//!
//! A process writes to random pages of a 64 MiB region on a machine of
//! 16 MiB.  Nearly every access is a major fault: kswapd evicts pages to
//! swap and the fault reads its page back (with readahead).  The floor
//! repeats exactly the device I/O one batch of accesses caused (`pswpin`
//! reads and `pswpout` writes of pages shaped like the simulator's), so the
//! ratio of the two medians is the cost of everything that is not the
//! device: faults, reclaim, rmap, swap cache.
//!
//! Two shapes of page: `sparse`, one byte written per page (the cheapest
//! pages a device can store, so the floor is as low as it gets), and
//! `filled`, pages full of record-like data that compresses about 4:1,
//! each access rewriting a 64-byte record.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::{SwapDevice, SwapDeviceConfig};
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE};
use mm_swap::{FileSwap, Zram};
use mm_tests::Rng;
use std::time::{Duration, Instant};

const RAM: u64 = 16 << 20;
const REGION: u64 = 4 * RAM;
const PAGES: u64 = REGION / PAGE_SIZE;
const SWAP: u64 = 2 * REGION;
const A: u64 = 0x1_0000_0000;
/// Accesses per measured batch.
const BATCH: u64 = 2048;

fn swap_path(tag: &str) -> String {
    std::env::temp_dir().join(format!("mmsim-bench-swap-{tag}-{}", std::process::id())).display().to_string()
}

/// The bytes of a `filled` page: 64-byte records naming the page.
fn filled_page(p: u64, page: &mut [u8]) {
    for (r, rec) in page.chunks_mut(64).enumerate() {
        let line = format!("page {p:08} record {r:02} value {:016x} ", p.wrapping_mul(0x9e37_79b9) ^ r as u64);
        for (b, c) in rec.iter_mut().zip(line.bytes().cycle()) {
            *b = c;
        }
    }
}

/// A machine with the region written once (so most of it is on swap).
fn setup(device: &str, filled: bool) -> (Kernel, u32) {
    let path = if device == "file" { swap_path("sim") } else { String::new() };
    let spec = SwapSpec {
        device: device.into(),
        config: SwapDeviceConfig { path, size: Some(SWAP), ..Default::default() },
        prio: -1,
    };
    let mut k =
        Kernel::new(&MachineConfig { ram: RAM, swap: vec![spec], ..MachineConfig::default() }).expect("machine");
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, REGION, 3, 0x32, -1, 0).expect("mmap");
    let t = k.task(pid).expect("process").clone();
    let mut page = vec![0u8; PAGE_SIZE as usize];
    for p in 0..PAGES {
        if filled {
            filled_page(p, &mut page);
            t.write_bytes(0, A + p * PAGE_SIZE, &page).expect("store");
        } else {
            k.store(pid, A + p * PAGE_SIZE, p as u8 | 1).expect("store");
        }
    }
    (k, pid)
}

/// The same device type on its own.
fn device(kind: &str) -> Box<dyn SwapDevice> {
    match kind {
        "file" => Box::new(FileSwap::create(swap_path("floor"), SWAP).expect("swap file")),
        _ => Box::new(Zram::new(SWAP).expect("zram")),
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("swap_random_4x_ram");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    for (kind, filled) in [("zram", false), ("file", false), ("zram", true), ("file", true)] {
        let shape = if filled { "filled" } else { "sparse" };
        let id = format!("{kind}/{shape}");
        let (k, pid) = setup(kind, filled);
        let m = k.machine().clone();
        let t = k.task(pid).expect("process").clone();
        let mut rng = Rng(0x1234_5678_9abc_def1);
        // One batch first, to know the I/O it causes.
        let (in0, out0, maj0) =
            (m.vmstat().get(VmEvent::PswpIn), m.vmstat().get(VmEvent::PswpOut), m.vmstat().get(VmEvent::PgMajFault));
        let record = [0x5au8; 64];
        let run_batch = |rng: &mut Rng| {
            for _ in 0..BATCH {
                let p = rng.next_u64() % PAGES;
                if filled {
                    let off = (rng.next_u64() % 64) * 64;
                    t.write_bytes(0, A + p * PAGE_SIZE + off, &record).expect("store");
                } else {
                    k.store(pid, A + p * PAGE_SIZE, p as u8 | 1).expect("store");
                }
            }
        };
        let start = Instant::now();
        for _ in 0..8 {
            run_batch(&mut rng);
        }
        let dt = start.elapsed().as_secs_f64() / 8.0;
        let reads = (m.vmstat().get(VmEvent::PswpIn) - in0) / 8;
        let writes = (m.vmstat().get(VmEvent::PswpOut) - out0) / 8;
        let major = (m.vmstat().get(VmEvent::PgMajFault) - maj0) / 8;
        eprintln!(
            "{id}: per batch of {BATCH} accesses: {major} major faults, {reads} pages read, {writes} written; \
             {:.0} accesses/s, {:.0} major faults/s",
            BATCH as f64 / dt,
            major as f64 / dt
        );
        g.bench_function(BenchmarkId::new("mmsim", &id), |b| b.iter(|| run_batch(&mut rng)));
        // The floor: the device alone, the same number of reads and writes
        // of pages shaped like the simulator's.
        let dev = device(kind);
        let mut page = [0u8; PAGE_SIZE as usize];
        let slots = SWAP / PAGE_SIZE - 1;
        let shape_page = |page: &mut [u8; PAGE_SIZE as usize], s: u64| {
            if filled {
                filled_page(s, page);
                page[..64].copy_from_slice(&record);
            } else {
                page.fill(0);
                page[0] = s as u8 | 1;
            }
        };
        for s in 1..=slots.min(PAGES) {
            shape_page(&mut page, s);
            dev.write_page(s, &page).expect("write");
        }
        let mut frng = Rng(0x0fed_cba9_8765_4321);
        // Writes go to consecutive slots, as cluster allocation places
        // them; reads are random, as the accesses are.  The page to write
        // is prepared outside the timed loop.
        shape_page(&mut page, 7);
        let out = page;
        let mut next = 1;
        g.bench_function(BenchmarkId::new("device_floor", &id), |b| {
            b.iter(|| {
                for _ in 0..writes {
                    next = next % slots + 1;
                    dev.write_page(next, &out).expect("write");
                }
                for _ in 0..reads {
                    let s = 1 + frng.next_u64() % slots;
                    dev.read_page(s, &mut page).expect("read");
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
