//! Host memory follows use, not the size of simulated RAM: a 1 TiB machine
//! boots with every allocator, maps and touches memory, prints its
//! counters and checks its invariants, and the host backs only what was
//! used (the `struct page` array alone would be 16 GiB).

use mm_core::machine::allocator_names;
use mm_core::{Kernel, MachineConfig};
use mm_tests::touch;

/// Resident set size of this process (`/proc/self/statm`).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("resident pages");
    pages * 4096
}

fn meminfo(k: &Kernel, label: &str) -> u64 {
    k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == label).map(|(_, kb)| kb).expect("meminfo line")
}

#[test]
fn a_1tib_machine_costs_the_host_what_it_uses() {
    const RAM: u64 = 1 << 40;
    const LEN: u64 = 64 << 20;
    const A: u64 = 0x1_0000_0000;
    let struct_pages = RAM / 4096 * 64;
    for allocator in allocator_names() {
        let before = rss_bytes();
        let cfg = MachineConfig { ram: RAM, allocator: allocator.into(), ..MachineConfig::default() };
        let mut k = Kernel::new(&cfg).expect("a 1 TiB machine boots");
        let pid = k.spawn().expect("process");
        let free = meminfo(&k, "MemFree");
        assert_eq!(k.sys_mmap(pid, A, LEN, 3, 0x32, -1, 0), Ok(A));
        touch::sim(&k, pid, A, LEN, true);
        // Every touched page is taken, on top of its page tables.
        assert!(free - meminfo(&k, "MemFree") >= LEN >> 10, "{allocator}: MemFree");
        assert_eq!(meminfo(&k, "AnonPages"), LEN >> 10, "{allocator}: AnonPages");
        assert!(k.check_invariants().is_empty(), "{allocator}: {:?}", k.check_invariants());
        let grown = rss_bytes().saturating_sub(before);
        assert!(
            grown < 32 << 20,
            "{allocator}: 1 TiB with 64 MiB touched cost {} MiB of host memory (struct pages: {} MiB)",
            grown >> 20,
            struct_pages >> 20
        );
        k.sys_munmap(pid, A, LEN).expect("munmap");
        assert_eq!(meminfo(&k, "MemFree"), free, "{allocator}: everything is given back");
    }
}
