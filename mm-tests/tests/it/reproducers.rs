//! Scenarios that once went wrong, run through the library on tiny
//! machines with swap (the files are in `mm-fuzz/regressions/`):
//!
//! * `01-cow-reclaim-livelock-sigsegv.mms`: a copy-on-write fault whose
//!   allocation reclaims must not lose the page it copies; a valid store
//!   is never killed with `SIGSEGV`, and every load reads what it reads on
//!   a machine without memory pressure.
//! * `09-swapcache-frame-leak-after-exit.mms`: once every process has
//!   exited and the files are unlinked, every frame and swap slot is free
//!   again, and the invariant checker agrees.

use mm_core::Kernel;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::swap::SwapDeviceConfig;
use mm_sim::{RunOptions, Stopped};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

fn reproducer(name: &str) -> mm_sim::Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mm-fuzz/regressions").join(name);
    let src = std::fs::read(&path).expect("reproducer");
    mm_sim::parse(&src).expect("a valid scenario")
}

/// A swap area of 64 MiB on `device` (`zram` or `file`, the file in the
/// temporary directory under a name of its own).
fn swap_spec(device: &str) -> SwapSpec {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = if device == "file" {
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("mmsim-repro-swap-{}-{n}", std::process::id())).display().to_string()
    } else {
        String::new()
    };
    SwapSpec {
        device: device.to_string(),
        config: SwapDeviceConfig { path, size: Some(64 << 20), ..Default::default() },
        prio: -1,
    }
}

fn config(ram: u64, policy: &str, device: Option<&str>) -> MachineConfig {
    MachineConfig {
        ram,
        reclaim: policy.to_string(),
        swap: device.map(swap_spec).into_iter().collect(),
        ..MachineConfig::default()
    }
}

fn run(s: &mm_sim::Scenario, cfg: MachineConfig) -> Result<(String, Kernel), Stopped> {
    mm_sim::run_keep(s, &RunOptions { machine: cfg, ..RunOptions::default() })
}

/// Every process exits and every file is unlinked; afterwards no frame
/// and no swap slot may be in use but those the machine booted with, and
/// the checker must find nothing.
fn exit_all_and_check(mut k: Kernel, free_at_boot: u64, what: &str) {
    for pid in k.pids() {
        k.exit(pid);
    }
    for name in k.tmpfs().names() {
        k.tmpfs().unlink(&name).expect("unlink");
    }
    let m = k.machine().clone();
    m.drain_all_pages();
    let v = k.check_invariants();
    assert!(v.is_empty(), "{what}: after exit: {v:?}");
    assert_eq!(m.nr_free_pages(), free_at_boot, "{what}: frames leaked");
    assert_eq!(m.swap().nr_swap_pages(), m.swap().total_swap_pages() as i64, "{what}: swap slots leaked");
}

/// The free frames of a fresh machine of `cfg` (what a kernel has after
/// boot and before any process exists).
fn free_at_boot(cfg: &MachineConfig) -> u64 {
    let k = Kernel::new(cfg).expect("machine");
    k.machine().drain_all_pages();
    k.machine().nr_free_pages()
}

#[test]
fn cow_fault_under_reclaim_never_kills_a_valid_store() {
    let s = reproducer("01-cow-reclaim-livelock-sigsegv.mms");
    let (want, _) = run(&s, MachineConfig::default()).expect("a machine without pressure runs it");
    assert!(!want.contains("SIG"), "{want}");
    for policy in ["lru", "clock"] {
        for device in ["zram", "file"] {
            for ram in [256 << 10, 320 << 10, 384 << 10, 512 << 10, 768 << 10, 1 << 20] {
                let what = format!("{policy}/{device}/{}K", ram >> 10);
                let cfg = config(ram, policy, Some(device));
                let boot = free_at_boot(&cfg);
                let (out, k) = run(&s, cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(!out.contains("SIGSEGV"), "{what}: a valid store was killed:\n{out}");
                // 256 KiB holds the page tables of six processes and little
                // else: a fork may find no memory (ENOMEM), or the copy no
                // frame at all (the OOM killer), never a fault loop.
                if ram > 256 << 10 {
                    assert_eq!(out, want, "{what}: output differs from a machine without pressure");
                } else if out != want {
                    let oom = ["-1 ENOMEM", "# oom-kill:", "SIGKILL (out of memory)"];
                    assert!(oom.iter().any(|o| out.contains(o)), "{what}:\n{out}");
                }
                exit_all_and_check(k, boot, &what);
            }
        }
    }
}

#[test]
fn no_frame_leaks_after_every_process_exits() {
    let s = reproducer("09-swapcache-frame-leak-after-exit.mms");
    let (want, _) = run(&s, MachineConfig::default()).expect("a machine without pressure runs it");
    for policy in ["lru", "clock"] {
        for device in ["zram", "file"] {
            for ram in [1 << 20, 2 << 20] {
                let what = format!("{policy}/{device}/{}K", ram >> 10);
                let cfg = config(ram, policy, Some(device));
                let boot = free_at_boot(&cfg);
                let (out, k) = run(&s, cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(out, want, "{what}: output differs from a machine without pressure");
                let v = k.check_invariants();
                assert!(v.is_empty(), "{what}: {v:?}");
                exit_all_and_check(k, boot, &what);
            }
        }
    }
}

/// A process with one anonymous page swapped out and read back, shared
/// with a child through the swap cache.
fn swapped_in_page(k: &mut Kernel) -> (mm_core::Pid, mm_core::types::Pfn) {
    const A: u64 = 0x1_0000_0000;
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 16 * mm_core::PAGE_SIZE, 3, 0x32, -1, 0).expect("mmap");
    k.store(pid, A, 7).expect("store");
    k.sys_madvise(pid, A, mm_core::PAGE_SIZE, 21).expect("MADV_PAGEOUT");
    assert_eq!(k.load(pid, A), Ok(7));
    let t = k.task(pid).expect("task");
    let pa = t.translate(0, A, mm_core::flags::Access::Read).expect("mapped");
    (pid, pa.pfn())
}

#[test]
fn the_checker_sees_an_injected_leak() {
    // A reference taken and never dropped: after exit the page is held
    // by nobody.
    let cfg = config(4 << 20, "lru", Some("zram"));
    let boot = free_at_boot(&cfg);
    let mut k = Kernel::new(&cfg).expect("machine");
    let (pid, pfn) = swapped_in_page(&mut k);
    assert!(k.check_invariants().is_empty());
    mm_core::inject::get_page(k.machine(), pfn);
    k.exit(pid);
    let v = k.check_invariants();
    assert!(v.iter().any(|v| v.0.contains("mapped nowhere")), "{v:?}");
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), boot - 1);
    // A swap-cache page made lazily freeable, as MADV_FREE once did.
    let mut k = Kernel::new(&cfg).expect("machine");
    let (_, pfn) = swapped_in_page(&mut k);
    let page = mm_core::inject::phys(k.machine()).page(pfn);
    assert!(page.test(mm_core::flags::PageFlags::SWAPCACHE));
    page.clear_flags(mm_core::flags::PageFlags::SWAPBACKED);
    let v = k.check_invariants();
    assert!(v.iter().any(|v| v.0.contains("not swap-backed")), "{v:?}");
    // A page the swap cache claims but whose slot was freed.
    page.set_flags(mm_core::flags::PageFlags::SWAPBACKED);
    let entry = page.private.load(Ordering::Relaxed);
    page.private.store(mm_core::swap::SwpEntry { ty: 0, offset: 4000 }.to_word(), Ordering::Relaxed);
    let v = k.check_invariants();
    assert!(v.iter().any(|v| v.0.contains("which does not hold it")), "{v:?}");
    page.private.store(entry, Ordering::Relaxed);
    assert!(k.check_invariants().is_empty());
}

/// The window itself, deterministically: on 256 KiB under CLOCK the copy
/// of line 24's store has to reclaim, and the only page reclaim finds is
/// the one being copied.  It stays mapped and allocated, so the copy's
/// allocation fails (memory is truly exhausted) instead of taking it; the
/// OOM killer then frees another process and the retried fault copies.
#[test]
fn reclaim_under_wp_page_copy_keeps_the_page_being_copied() {
    let s = reproducer("01-cow-reclaim-livelock-sigsegv.mms");
    let cfg = config(256 << 10, "clock", Some("zram"));
    let out = mm_sim::run(&s, &RunOptions { machine: cfg, trace: true, ..RunOptions::default() }).expect("runs");
    let store = &out[out.find("-- line 24:").expect("line 24 traced")..];
    let copy = &store[store.find("do_wp_page").expect("a copy-on-write fault")..];
    let first = &copy[..copy.find("wp_page_copy:").expect("the copy's outcome")];
    assert!(first.contains("try_to_free_pages"), "the copy reclaims:\n{store}");
    assert!(first.contains(": in use, kept"), "the page being copied is kept:\n{store}");
    assert!(
        copy[first.len()..].starts_with("wp_page_copy: out of memory"),
        "no copy from a frame reclaim took:\n{store}"
    );
    assert!(!out.contains("SIGSEGV"), "{out}");
    assert!(store.contains("# oom-kill: line 24"), "{store}");
    assert!(store.contains("wp_page_copy: copied pfn"), "the retried fault copies:\n{store}");
}

/// A random scenario in the reproducers' mould: private and shared, anonymous
/// and file mappings, stores and loads, fork, exit, MADV_PAGEOUT and
/// MADV_DONTNEED, and mremap moves of a private region and back.  Every
/// process keeps the same layout between lines that switch processes.
fn random_scenario(seed: u64) -> String {
    const SIZE: u64 = 256 << 10;
    const BASES: [u64; 5] = [0x1_0000_0000, 0x1_1000_0000, 0x1_2000_0000, 0x1_3000_0000, 0x1_4000_0000];
    const FAR: u64 = 0x15_0000_0000;
    let mut rng = mm_tests::Rng(seed | 1);
    let mut s = String::from("file f0 262144\nfile f1 262144\n");
    s += "openat(AT_FDCWD, \"f0\", O_RDWR) = 3\nopenat(AT_FDCWD, \"f1\", O_RDWR) = 4\n";
    let mapping = [
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1",
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1",
        "MAP_PRIVATE|MAP_FIXED|MAP_NORESERVE, 4",
        "MAP_SHARED|MAP_FIXED|MAP_NORESERVE, 3",
        "MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1",
    ];
    for (b, f) in BASES.iter().zip(mapping) {
        s += &format!("mmap({b:#x}, {SIZE}, PROT_READ|PROT_WRITE, {f}, 0) = {b:#x}\n");
    }
    let mut live = vec![0usize];
    let mut next_proc = 1;
    let access = |rng: &mut mm_tests::Rng, base: u64| {
        let addr = base + rng.below(SIZE - 8 * 4096);
        let len = 1 + rng.below(8 * 4096);
        if rng.below(2) == 0 {
            format!("store {addr:#x} {len} {}\n", 1 + rng.below(255))
        } else {
            format!("load {addr:#x} {len}\n")
        }
    };
    for _ in 0..300 {
        match rng.below(40) {
            0 if live.len() < 4 => {
                s += "fork\n";
                live.push(next_proc);
                next_proc += 1;
            }
            1 if live.len() > 1 => {
                s += "exit\n";
                live.remove(0);
                let p = live[rng.below(live.len() as u64) as usize];
                live.retain(|&q| q != p);
                live.insert(0, p);
                s += &format!("process {p}\n");
            }
            2 | 3 => {
                let p = live[rng.below(live.len() as u64) as usize];
                live.retain(|&q| q != p);
                live.insert(0, p);
                s += &format!("process {p}\n");
            }
            4 => {
                let b = BASES[rng.below(5) as usize];
                let off = rng.below(48) * 4096;
                let advice = if rng.below(2) == 0 { "MADV_PAGEOUT" } else { "MADV_DONTNEED" };
                s += &format!("madvise({:#x}, {}, {advice})\n", b + off, 4096 * (1 + rng.below(16)));
            }
            5 => {
                let b = BASES[rng.below(3) as usize];
                s += &format!("mremap({b:#x}, {SIZE}, {SIZE}, MREMAP_MAYMOVE|MREMAP_FIXED, {FAR:#x})\n");
                for _ in 0..rng.below(4) {
                    s += &access(&mut rng, FAR);
                }
                s += &format!("mremap({FAR:#x}, {SIZE}, {SIZE}, MREMAP_MAYMOVE|MREMAP_FIXED, {b:#x})\n");
            }
            _ => {
                let b = BASES[rng.below(5) as usize];
                s += &access(&mut rng, b);
            }
        }
    }
    s
}

/// Random scenarios read the same bytes on tiny machines as on a machine
/// without memory pressure, and leave no frame or slot behind.
#[test]
fn random_scenarios_read_the_same_bytes_under_pressure() {
    let mut swapped_out = 0;
    for seed in 1..=40u64 {
        let text = random_scenario(seed * 0x9e37_79b9);
        let s = mm_sim::parse(text.as_bytes()).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let (want, _) = run(&s, MachineConfig::default()).expect("a machine without pressure runs it");
        assert!(!want.contains("SIG"), "seed {seed}: {want}");
        for policy in ["lru", "clock"] {
            for ram in [512 << 10, 768 << 10, 1 << 20] {
                let what = format!("seed {seed} {policy}/{}K", ram >> 10);
                let cfg = config(ram, policy, Some("zram"));
                let boot = free_at_boot(&cfg);
                let (out, k) = run(&s, cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
                if let Some(d) = mm_tests::first_difference(&want, &out) {
                    panic!("{what}: {d}");
                }
                swapped_out += k.machine().vmstat().get(mm_core::vmstat::VmEvent::PswpOut);
                exit_all_and_check(k, boot, &what);
            }
        }
    }
    assert!(swapped_out > 1000, "the machines must be under pressure ({swapped_out} pages swapped out)");
}
