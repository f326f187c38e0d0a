//! The example policy runs a machine under memory pressure as the
//! built-in ones do: every byte comes back, the invariants hold, and the
//! oldest pages were the ones swapped out.

use fifo_reclaim as _;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE};
use mm_sim as _; // links the built-in backends (mm_sim::backends)

fn machine() -> Kernel {
    let cfg = MachineConfig {
        ram: 8 << 20,
        swap: vec![SwapSpec::parse("zram:64M").unwrap()],
        reclaim: "fifo".into(),
        ..MachineConfig::default()
    };
    Kernel::new(&cfg).unwrap()
}

#[test]
fn the_policy_is_registered_by_linking_the_crate() {
    assert!(mm_core::vmscan::reclaim_policy_names().contains(&"fifo"));
}

#[test]
fn memory_pressure_swaps_out_and_every_byte_comes_back() {
    let mut k = machine();
    let pid = k.spawn().unwrap();
    let pages = 4096; // 16 MiB on an 8 MiB machine
    let a = k.sys_mmap(pid, 0, pages * PAGE_SIZE, 3, 0x22, -1, 0).unwrap();
    for p in 0..pages {
        k.store(pid, a + p * PAGE_SIZE, (p % 251) as u8).unwrap();
    }
    for p in 0..pages {
        assert_eq!(k.load(pid, a + p * PAGE_SIZE), Ok((p % 251) as u8), "page {p}");
    }
    let m = k.machine();
    assert!(m.vmstat().get(VmEvent::PswpOut) > 0);
    assert!(m.vmstat().get(VmEvent::PswpIn) > 0);
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}

/// FIFO ignores use: a page read again and again is still swapped out
/// once it is the oldest, and read back from swap.
#[test]
fn a_hot_page_is_evicted_when_it_is_the_oldest() {
    let mut k = machine();
    let pid = k.spawn().unwrap();
    let hot = k.sys_mmap(pid, 0, PAGE_SIZE, 3, 0x22, -1, 0).unwrap();
    k.store(pid, hot, 1).unwrap();
    let pages = 4096;
    let a = k.sys_mmap(pid, 0, pages * PAGE_SIZE, 3, 0x22, -1, 0).unwrap();
    for p in 0..pages {
        k.store(pid, a + p * PAGE_SIZE, 2).unwrap();
        k.load(pid, hot).unwrap();
    }
    // Only the hot page is ever read back, so every major fault is its.
    let (_, majflt) = k.faults(pid).unwrap();
    assert!(majflt > 0, "the hot page must have been swapped out and in");
    assert_eq!(k.load(pid, hot), Ok(1));
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}
