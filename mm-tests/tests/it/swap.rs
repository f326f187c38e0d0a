//! Swap and reclaim end to end, through the library API.
//!
//! * Data integrity under pressure: a working set of four times RAM
//!   (anonymous memory, a private and a shared mapping of tmpfs files),
//!   random stores of distinct patterns and loads checked against a shadow
//!   copy, on every swap device under every reclaim policy; afterwards every
//!   frame and every swap slot is free again.
//! * Policies on known patterns: a cyclic scan of twice RAM faults every
//!   page back in on each pass; a working set that fits never swaps.

use mm_core::fs::Filesystem;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::SwapDeviceConfig;
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE, Pid};
use std::sync::atomic::{AtomicU64, Ordering};

const PROT_RW: u64 = 3;
const MAP_PRIVATE: u64 = 0x02;
const MAP_SHARED: u64 = 0x01;
const MAP_ANON_PRIVATE: u64 = 0x22;
const O_RDWR: u64 = 2;

/// A swap area of `size` bytes on `device`, with a path of its own for
/// the file device.
fn swap_spec(device: &str, size: u64) -> SwapSpec {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = if device == "file" {
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("mmsim-swap-test-{}-{n}", std::process::id())).display().to_string()
    } else {
        String::new()
    };
    SwapSpec {
        device: device.to_string(),
        config: SwapDeviceConfig { path, size: Some(size), ..Default::default() },
        prio: -1,
    }
}

fn machine(ram: u64, policy: &str, swap: Option<SwapSpec>, page_cluster: u32) -> Kernel {
    let mut cfg = MachineConfig {
        ram,
        reclaim: policy.to_string(),
        swap: swap.into_iter().collect(),
        ..MachineConfig::default()
    };
    cfg.tunables.page_cluster = page_cluster;
    Kernel::new(&cfg).expect("machine")
}

use mm_tests::Rng;

/// Byte `i` of file `f` as created.
fn file_byte(f: u64, i: u64) -> u8 {
    (i / PAGE_SIZE * 7 + i + f * 131) as u8
}

/// One region of the working set and what it should hold.
struct Region {
    addr: u64,
    shadow: Vec<u8>,
    /// For a shared mapping, the index of the file whose bytes it shows.
    shared_file: Option<usize>,
}

fn integrity(device: &str, policy: &str) {
    const RAM: u64 = 8 << 20;
    let region = 8 << 20; // four regions: 32 MiB, four times RAM
    let mut k = machine(RAM, policy, Some(swap_spec(device, 64 << 20)), 3);
    let free_at_boot = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    // Two tmpfs files: one mapped private (copy on write), one shared.
    let mut files = Vec::new();
    for (f, name) in ["private", "shared"].iter().enumerate() {
        k.create_file(name, region, &mut |p, page| {
            for (j, b) in page.iter_mut().enumerate() {
                *b = file_byte(f as u64, p * PAGE_SIZE + j as u64);
            }
        })
        .expect("file");
        files.push((0..region).map(|i| file_byte(f as u64, i)).collect::<Vec<u8>>());
    }
    let mmap = |addr: u64, flags: u64, fd: i64| {
        k.sys_mmap(pid, addr, region, PROT_RW, flags | 0x10, fd, 0).expect("mmap");
        addr
    };
    let fd_priv = k.sys_openat(pid, "private", O_RDWR).expect("open") as i64;
    let fd_shared = k.sys_openat(pid, "shared", O_RDWR).expect("open") as i64;
    let mut regions = vec![
        Region { addr: mmap(0x1_0000_0000, MAP_ANON_PRIVATE, -1), shadow: vec![0; region as usize], shared_file: None },
        Region { addr: mmap(0x1_4000_0000, MAP_ANON_PRIVATE, -1), shadow: vec![0; region as usize], shared_file: None },
        Region { addr: mmap(0x1_8000_0000, MAP_PRIVATE, fd_priv), shadow: files[0].clone(), shared_file: None },
        Region { addr: mmap(0x1_c000_0000, MAP_SHARED, fd_shared), shadow: files[1].clone(), shared_file: Some(1) },
    ];
    let t = k.task(pid).expect("task").clone();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ device.len() as u64 ^ (policy.len() as u64) << 8);
    let mut buf = vec![0u8; 512];
    for step in 0..40_000u32 {
        let r = &mut regions[rng.below(4) as usize];
        let off = rng.below(region - 512);
        let max = if rng.below(4) == 0 { 512 } else { 8 };
        let len = 1 + rng.below(max) as usize;
        let a = r.addr + off;
        if rng.below(2) == 0 {
            // A distinct pattern: which step wrote it, and where.
            for (i, b) in buf[..len].iter_mut().enumerate() {
                *b = (step as u64 * 31 + off + i as u64) as u8 | 1;
            }
            t.write_bytes(0, a, &buf[..len]).expect("store");
            r.shadow[off as usize..off as usize + len].copy_from_slice(&buf[..len]);
            if let Some(f) = r.shared_file {
                files[f][off as usize..off as usize + len].copy_from_slice(&buf[..len]);
            }
        } else {
            t.read_bytes(0, a, &mut buf[..len]).expect("load");
            assert_eq!(&buf[..len], &r.shadow[off as usize..off as usize + len], "{device}/{policy}: load at {a:#x}");
        }
        k.machine().kswapd_poll();
        if step % 10_000 == 0 {
            let v = k.check_invariants();
            assert!(v.is_empty(), "{device}/{policy}: step {step}: {v:?}");
        }
    }
    let m = k.machine().clone();
    assert!(m.vmstat().get(VmEvent::PswpOut) > 1000, "{device}/{policy}: the working set must not fit");
    assert!(m.vmstat().get(VmEvent::PswpIn) > 1000, "{device}/{policy}: pages must come back");
    // Creating the files (no fault, so no kswapd) reclaimed directly.
    assert!(m.vmstat().get(VmEvent::PgStealDirect) > 0, "{device}/{policy}: direct reclaim");
    // Every byte, at the end.
    let mut page = vec![0u8; PAGE_SIZE as usize];
    for r in &regions {
        for (p, want) in r.shadow.chunks(PAGE_SIZE as usize).enumerate() {
            t.read_bytes(0, r.addr + p as u64 * PAGE_SIZE, &mut page).expect("load");
            assert!(page == want, "{device}/{policy}: page {p} of the region at {:#x} differs", r.addr);
        }
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "{device}/{policy}: {v:?}");
    // The shared file holds what the shared mapping wrote.
    let inode = k.tmpfs().lookup("shared").expect("file");
    let f = mm_core::fs::File::open(inode.clone(), mm_core::fs::FMode::READ, "shared");
    let mut whole = vec![0u8; region as usize];
    inode.fops.read(&f, 0, &mut whole).expect("read");
    assert!(whole == files[1], "{device}/{policy}: the shared file differs");
    drop((t, inode, f, regions));
    // Exit and unlink: every frame and every slot is free again.
    k.exit(pid);
    k.tmpfs().unlink("private").expect("unlink");
    k.tmpfs().unlink("shared").expect("unlink");
    m.drain_all_pages();
    assert_eq!(m.nr_free_pages(), free_at_boot, "{device}/{policy}: frames leaked");
    assert_eq!(m.swap().nr_swap_pages(), m.swap().total_swap_pages() as i64, "{device}/{policy}: swap slots leaked");
    for si in m.swap().areas() {
        assert_eq!(si.inuse_pages(), 0);
        for off in 1..=si.pages() {
            assert_eq!(si.swap_map(off), (0, false), "{device}/{policy}: slot {off}");
        }
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "{device}/{policy}: after exit: {v:?}");
}

#[test]
fn integrity_zram_lru() {
    integrity("zram", "lru");
}

#[test]
fn integrity_zram_clock() {
    integrity("zram", "clock");
}

#[test]
fn integrity_file_lru() {
    integrity("file", "lru");
}

#[test]
fn integrity_file_clock() {
    integrity("file", "clock");
}

/// Writes every page of `[a, a + len)` once; returns the major faults.
fn pass(k: &Kernel, pid: Pid, a: u64, len: u64, val: u8) -> u64 {
    let before = k.faults(pid).expect("faults").1;
    for p in 0..len / PAGE_SIZE {
        k.store(pid, a + p * PAGE_SIZE, val).expect("store");
    }
    k.faults(pid).expect("faults").1 - before
}

#[test]
fn a_cyclic_scan_of_twice_ram_faults_every_page_back() {
    for policy in mm_core::vmscan::reclaim_policy_names() {
        const RAM: u64 = 4 << 20;
        // No swap readahead: every page must come back on its own fault.
        let k = &mut machine(RAM, policy, Some(swap_spec("zram", 32 << 20)), 0);
        let pid = k.spawn().expect("process");
        let len = 2 * RAM;
        let a = k.sys_mmap(pid, 0x1_0000_0000, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
        assert_eq!(pass(k, pid, a, len, 1), 0, "{policy}: the first pass only allocates");
        for round in 2..5 {
            let major = pass(k, pid, a, len, round);
            assert_eq!(major, len / PAGE_SIZE, "{policy}: pass {round}: every access is a major fault");
        }
        let v = k.check_invariants();
        assert!(v.is_empty(), "{policy}: {v:?}");
    }
}

/// `vm.swappiness = 0` makes global reclaim prefer the page cache, not
/// refuse to swap: with no file pages to take, anonymous pages still go
/// to swap rather than the machine running out of memory (only a memory
/// cgroup's reclaim takes 0 to mean never; `get_scan_count`).
#[test]
fn swappiness_zero_still_swaps_when_there_is_nothing_else() {
    const RAM: u64 = 4 << 20;
    let swap = Some(swap_spec("zram", 32 << 20));
    let mut cfg = MachineConfig { ram: RAM, swap: swap.into_iter().collect(), ..MachineConfig::default() };
    cfg.tunables.swappiness = 0;
    let k = &mut Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    let len = 2 * RAM;
    let a = k.sys_mmap(pid, 0x1_0000_0000, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    pass(k, pid, a, len, 1);
    assert!(pass(k, pid, a, len, 2) > 0, "the second pass reads pages back from swap");
    for p in (0..len / PAGE_SIZE).step_by(97) {
        assert_eq!(k.load(pid, a + p * PAGE_SIZE).expect("load"), 2, "page {p}");
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn a_working_set_that_fits_never_swaps() {
    for policy in mm_core::vmscan::reclaim_policy_names() {
        const RAM: u64 = 16 << 20;
        let k = &mut machine(RAM, policy, Some(swap_spec("zram", 32 << 20)), 3);
        let pid = k.spawn().expect("process");
        let len = RAM / 2;
        let a = k.sys_mmap(pid, 0x1_0000_0000, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
        for round in 1..6 {
            assert_eq!(pass(k, pid, a, len, round), 0, "{policy}");
        }
        let m = k.machine();
        assert_eq!(m.vmstat().get(VmEvent::PswpOut), 0, "{policy}: nothing swapped out");
        assert_eq!(m.vmstat().get(VmEvent::PgScanKswapd) + m.vmstat().get(VmEvent::PgScanDirect), 0, "{policy}");
    }
}

#[test]
fn swap_readahead_brings_neighbours_in_with_one_major_fault() {
    const RAM: u64 = 4 << 20;
    let k = &mut machine(RAM, "lru", Some(swap_spec("zram", 32 << 20)), 3);
    let pid = k.spawn().expect("process");
    let len = 2 * RAM;
    let a = k.sys_mmap(pid, 0x1_0000_0000, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    pass(k, pid, a, len, 1);
    let major = pass(k, pid, a, len, 2);
    let pages = len / PAGE_SIZE;
    // Pages swapped out in order sit in neighbouring slots: a window of up
    // to eight is read per major fault.
    assert!(major * 4 < pages, "{major} major faults for {pages} pages");
    let m = k.machine();
    assert!(m.vmstat().get(VmEvent::SwapRaHit) > pages / 2);
}

#[test]
fn without_swap_anonymous_memory_runs_out_and_the_task_is_killed() {
    const RAM: u64 = 4 << 20;
    let k = &mut machine(RAM, "lru", None, 3);
    let pid = k.spawn().expect("process");
    // As much as RAM: the overcommit heuristic refuses more without swap.
    let len = RAM;
    let a = k.sys_mmap(pid, 0x1_0000_0000, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    let mut killed = None;
    for p in 0..len / PAGE_SIZE {
        if let Err(sig) = k.store(pid, a + p * PAGE_SIZE, 1) {
            killed = Some((p, sig));
            break;
        }
    }
    let (p, sig) = killed.expect("out of memory before the end");
    assert!(matches!(sig, mm_core::Signal::Kill { .. }), "{sig:?}");
    let m = k.machine();
    // It ran out at the min watermark, having tried to reclaim; as the
    // only process, the OOM killer chose it and its memory was freed.
    assert!(p * PAGE_SIZE > RAM / 2 && p * PAGE_SIZE < RAM);
    assert_eq!(k.take_oom_kills(), vec![pid]);
    assert!(m.nr_free_pages() > RAM / PAGE_SIZE / 2, "{} pages free", m.nr_free_pages());
    assert_eq!(m.vmstat().get(VmEvent::OomKill), 1);
    assert!(m.vmstat().get(VmEvent::AllocStallNormal) > 0);
}

/// `MADV_COLD` takes a range's references away, so under pressure its
/// pages go before pages touched earlier but not advised.
#[test]
fn madv_cold_pages_are_reclaimed_first() {
    const MADV_COLD: u64 = 20;
    for policy in mm_core::vmscan::reclaim_policy_names() {
        const RAM: u64 = 8 << 20;
        let k = &mut machine(RAM, policy, Some(swap_spec("zram", 32 << 20)), 0);
        let pid = k.spawn().expect("process");
        let mb = 1 << 20;
        let a = k.sys_mmap(pid, 0x1_0000_0000, 2 * mb, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
        let b = k.sys_mmap(pid, 0x1_4000_0000, 2 * mb, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
        let c = k.sys_mmap(pid, 0x1_8000_0000, 8 * mb, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
        pass(k, pid, a, 2 * mb, 1);
        pass(k, pid, b, 2 * mb, 2);
        assert_eq!(k.sys_madvise(pid, b, 2 * mb, MADV_COLD), Ok(0));
        // Touch the third region until three quarters as much as B has
        // been swapped out (kswapd reclaims in batches of 32 and more).
        let m = k.machine().clone();
        let mut p = 0;
        let b_pages = 2 * mb / PAGE_SIZE;
        while m.vmstat().get(VmEvent::PswpOut) < b_pages * 3 / 4 {
            k.store(pid, c + p * PAGE_SIZE, 3).expect("store");
            p += 1;
        }
        let present = |start: u64| -> u64 {
            k.present(pid, start, start + 2 * mb).expect("present").iter().map(|(s, e)| (e - s) / PAGE_SIZE).sum()
        };
        let out = m.vmstat().get(VmEvent::PswpOut);
        assert_eq!(present(a), b_pages, "{policy}: the region touched first stays");
        assert_eq!(present(b), b_pages - out, "{policy}: every page swapped out was a cold one");
    }
}

/// The reverse map finds every entry of a page: anonymous pages moved by
/// `mremap` (their VMA's offset no longer matches their address) and a
/// shmem page mapped at two addresses are unmapped by reclaim, and read
/// back whole.  (Under `lru` the doubly mapped page, referenced through
/// two entries, is activated and stays active while the inactive list is
/// not low, as in Linux; CLOCK gives it one more turn and then takes it.)
#[test]
fn reclaim_finds_moved_and_doubly_mapped_pages() {
    for policy in ["lru", "clock"] {
        reclaim_finds(policy);
    }
}

fn reclaim_finds(policy: &str) {
    const MADV_PAGEOUT: u64 = 21;
    const MREMAP_MAYMOVE_FIXED: u64 = 3;
    let k = &mut machine(4 << 20, policy, Some(swap_spec("zram", 32 << 20)), 3);
    let pid = k.spawn().expect("process");
    let t = k.task(pid).expect("task").clone();
    // Anonymous pages, written, then moved elsewhere.
    let a = k.sys_mmap(pid, 0x1_0000_0000, 16 * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    for p in 0..16 {
        t.write_bytes(0, a + p * PAGE_SIZE + 100, &[p as u8 + 1; 8]).expect("store");
    }
    let moved =
        k.sys_mremap(pid, a, 16 * PAGE_SIZE, 16 * PAGE_SIZE, MREMAP_MAYMOVE_FIXED, 0x1_2345_6000).expect("mremap");
    assert_eq!(k.sys_madvise(pid, moved, 16 * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert!(k.present(pid, moved, moved + 16 * PAGE_SIZE).expect("present").is_empty(), "all swapped out");
    // A page of a tmpfs file mapped shared at two addresses.
    k.create_file("data", PAGE_SIZE, &mut |_, page| page.fill(0)).expect("file");
    let fd = k.sys_openat(pid, "data", O_RDWR).expect("open") as i64;
    let s1 = k.sys_mmap(pid, 0x1_4000_0000, PAGE_SIZE, PROT_RW, MAP_SHARED | 0x10, fd, 0).expect("mmap");
    let s2 = k.sys_mmap(pid, 0x1_5000_0000, PAGE_SIZE, PROT_RW, MAP_SHARED | 0x10, fd, 0).expect("mmap");
    t.write_bytes(0, s1, b"shared!").expect("store");
    let mut b = [0u8; 7];
    t.read_bytes(0, s2, &mut b).expect("load");
    assert_eq!(&b, b"shared!");
    // Pressure: everything old goes.
    let big = k.sys_mmap(pid, 0x1_8000_0000, 6 << 20, PROT_RW, MAP_ANON_PRIVATE, -1, 0).expect("mmap");
    pass(k, pid, big, 6 << 20, 1);
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
    for p in 0..16 {
        let mut b = [0u8; 8];
        t.read_bytes(0, moved + p * PAGE_SIZE + 100, &mut b).expect("load");
        assert_eq!(b, [p as u8 + 1; 8], "moved page {p}");
    }
    if policy == "clock" {
        // Both entries went, and the file's page is out on swap.
        for a in [s1, s2] {
            assert!(k.present(pid, a, a + PAGE_SIZE).expect("present").is_empty(), "{a:#x} still mapped");
        }
        let inode = k.tmpfs().lookup("data").expect("file");
        assert!(matches!(inode.mapping.get_entry(0), Some(mm_core::fs::pagecache::CacheEntry::Swap(_))));
    }
    for a in [s2, s1] {
        t.read_bytes(0, a, &mut b).expect("load");
        assert_eq!(&b, b"shared!");
    }
    let m = k.machine();
    assert!(m.vmstat().get(VmEvent::PswpIn) >= if policy == "clock" { 17 } else { 16 }, "{policy}");
}

#[test]
fn swap_specs_with_and_without_a_size() {
    let parse = |s: &str| SwapSpec::parse(s).map(|spec| (spec.device, spec.config.path, spec.config.size));
    let some = |d: &str, p: &str, z: Option<u64>| Ok((d.to_string(), p.to_string(), z));
    assert_eq!(parse("zram:64M"), some("zram", "", Some(64 << 20)));
    assert_eq!(parse("file:/tmp/s:2M"), some("file", "/tmp/s", Some(2 << 20)));
    assert_eq!(parse("file:/tmp/s"), some("file", "/tmp/s", None));
    assert_eq!(parse("file:swapfile"), some("file", "swapfile", None));
    assert_eq!(parse("file:./2swap"), some("file", "./2swap", None));
    assert_eq!(parse("file:/a:b:4096"), some("file", "/a:b", Some(4096)));
    for bad in ["zram", "zram:1Q", "file:2swap", "file:/tmp/s:", "file:/a:b"] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
