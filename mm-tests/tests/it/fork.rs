//! `fork` through the library: private pages are shared copy-on-write and
//! no write of one process is ever seen by the other, also when memory is
//! short and the shared pages go to swap and come back; exits free
//! everything.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE, Pid};
use mm_tests::Rng;

const A: u64 = 0x1_0000_0000;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE: u64 = 0x22;

fn write(k: &Kernel, pid: Pid, off: u64, data: &[u8]) {
    k.task(pid).expect("task").write_bytes(0, A + off, data).expect("store");
}

fn read(k: &Kernel, pid: Pid, off: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    k.task(pid).expect("task").read_bytes(0, A + off, &mut buf).expect("load");
    buf
}

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn writes_after_fork_stay_in_their_process() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let free = k.machine().nr_free_pages();
    let parent = k.spawn().expect("process");
    let len = 64 * PAGE_SIZE;
    k.sys_mmap(parent, A, len, PROT_RW, MAP_ANON_PRIVATE | 0x10, -1, 0).expect("mmap");
    let base: Vec<u8> = (0..len).map(|i| (i / PAGE_SIZE * 3 + i) as u8).collect();
    write(&k, parent, 0, &base);
    let child = k.fork(parent).expect("fork");
    check(&k);
    // Every page is shared: mapped twice, read-only in both.
    let (mut p_shadow, mut c_shadow) = (base.clone(), base.clone());
    write(&k, child, 5 * PAGE_SIZE + 7, b"child");
    c_shadow[5 * PAGE_SIZE as usize + 7..][..5].copy_from_slice(b"child");
    write(&k, parent, 5 * PAGE_SIZE + 9, b"parent");
    p_shadow[5 * PAGE_SIZE as usize + 9..][..6].copy_from_slice(b"parent");
    write(&k, parent, 40 * PAGE_SIZE, b"p40");
    p_shadow[40 * PAGE_SIZE as usize..][..3].copy_from_slice(b"p40");
    assert_eq!(read(&k, parent, 0, len as usize), p_shadow);
    assert_eq!(read(&k, child, 0, len as usize), c_shadow);
    check(&k);
    // The child's fault counters started at zero: one write fault, one
    // copy; the reads of shared pages fault nothing.
    assert_eq!(k.faults(child).expect("faults"), (1, 0));
    // Once the child is gone, the parent's pages are its own again: a
    // write reuses the page in place.
    k.exit(child);
    check(&k);
    let reuse = k.machine().vmstat().get(VmEvent::PgReuse);
    write(&k, parent, 20 * PAGE_SIZE, b"mine");
    assert_eq!(k.machine().vmstat().get(VmEvent::PgReuse), reuse + 1);
    k.exit(parent);
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked");
}

#[test]
fn fork_under_memory_pressure_keeps_every_process_bytes() {
    for policy in ["lru", "clock"] {
        let mut cfg = MachineConfig {
            ram: 4 << 20,
            reclaim: policy.into(),
            swap: vec![SwapSpec::parse("zram:64M").expect("swap")],
            ..MachineConfig::default()
        };
        cfg.tunables.page_cluster = 2;
        let mut k = Kernel::new(&cfg).expect("machine");
        let free = k.machine().nr_free_pages();
        let len = 8 << 20; // twice RAM
        let p0 = k.spawn().expect("process");
        k.sys_mmap(p0, A, len, PROT_RW, MAP_ANON_PRIVATE | 0x10, -1, 0).expect("mmap");
        let mut shadows = vec![vec![0u8; len as usize]];
        let mut rng = Rng(0x5eed ^ policy.len() as u64);
        for p in 0..len / PAGE_SIZE {
            let b = [p as u8 | 1; 16];
            write(&k, p0, p * PAGE_SIZE, &b);
            shadows[0][(p * PAGE_SIZE) as usize..][..16].copy_from_slice(&b);
        }
        // Three generations: a child, a grandchild, each forked while most
        // of the memory is on swap.
        let mut pids = vec![p0];
        for g in 1..3 {
            let parent = pids[g - 1];
            pids.push(k.fork(parent).expect("fork"));
            shadows.push(shadows[g - 1].clone());
            check(&k);
        }
        for step in 0..6000u64 {
            let who = rng.below(3) as usize;
            let off = rng.below(len - 64);
            let n = 1 + rng.below(64) as usize;
            if rng.below(2) == 0 {
                let data: Vec<u8> = (0..n).map(|i| (step as usize * 7 + i + who) as u8 | 1).collect();
                write(&k, pids[who], off, &data);
                shadows[who][off as usize..][..n].copy_from_slice(&data);
            } else {
                assert_eq!(
                    read(&k, pids[who], off, n),
                    &shadows[who][off as usize..][..n],
                    "{policy}: process {who} at {off:#x}, step {step}"
                );
            }
            if step % 2000 == 0 {
                check(&k);
            }
        }
        let m = k.machine().clone();
        assert!(m.vmstat().get(VmEvent::PswpOut) > 1000, "{policy}: memory was short");
        for (who, pid) in pids.iter().enumerate() {
            assert!(read(&k, *pid, 0, len as usize) == shadows[who], "{policy}: process {who} differs");
        }
        check(&k);
        // The middle one exits first, then the others.
        for i in [1, 0, 2] {
            k.exit(pids[i]);
            check(&k);
        }
        m.drain_all_pages();
        assert_eq!(m.nr_free_pages(), free, "{policy}: frames leaked");
        assert_eq!(m.swap().nr_swap_pages(), m.swap().total_swap_pages() as i64, "{policy}: swap slots leaked");
    }
}
