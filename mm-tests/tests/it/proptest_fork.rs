//! Random fork / write / exit sequences against a shadow copy of every
//! process's memory: after `fork` no write of one process is ever visible
//! to another through a private mapping, a frame one process freed reads
//! as zeroes when another gets it, and every invariant holds after every
//! step, with and without memory pressure.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::{Kernel, PAGE_SIZE, Pid};
use proptest::prelude::*;

const A: u64 = 0x1_0000_0000;
/// A fresh region each process maps later, to read frames others freed.
const FRESH: u64 = 0x1_8000_0000;
const PAGES: u64 = 48;

#[derive(Clone, Debug)]
enum Op {
    Fork(usize),
    Write {
        who: usize,
        page: u64,
        val: u8,
    },
    Read {
        who: usize,
        page: u64,
    },
    Exit(usize),
    /// Map, read and unmap a fresh region: every byte must be zero.
    Fresh(usize),
    /// MADV_DONTNEED of one page: it reads as zero afterwards.
    DontNeed {
        who: usize,
        page: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..8usize).prop_map(Op::Fork),
        6 => (0..8usize, 0..PAGES, 1..=255u8).prop_map(|(who, page, val)| Op::Write { who, page, val }),
        3 => (0..8usize, 0..PAGES).prop_map(|(who, page)| Op::Read { who, page }),
        1 => (0..8usize).prop_map(Op::Exit),
        1 => (0..8usize).prop_map(Op::Fresh),
        1 => (0..8usize, 0..PAGES).prop_map(|(who, page)| Op::DontNeed { who, page }),
    ]
}

fn run(cfg: MachineConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut k = Kernel::new(&cfg).expect("machine");
    let free = k.machine().nr_free_pages();
    let p0 = k.spawn().expect("process");
    k.sys_mmap(p0, A, PAGES * PAGE_SIZE, 3, 0x32, -1, 0).expect("mmap");
    // (pid, first byte of each page)
    let mut procs: Vec<(Pid, Vec<u8>)> = vec![(p0, vec![0; PAGES as usize])];
    for p in 0..PAGES {
        if p % 3 != 2 {
            k.store(p0, A + p * PAGE_SIZE, p as u8 + 1).expect("store");
            procs[0].1[p as usize] = p as u8 + 1;
        }
    }
    for op in ops {
        let n = procs.len();
        match *op {
            Op::Fork(i) if n < 6 => {
                let (pid, shadow) = procs[i % n].clone();
                let child = k.fork(pid).expect("fork");
                procs.push((child, shadow));
            }
            Op::Fork(_) => {}
            Op::Write { who, page, val } => {
                let (pid, shadow) = &mut procs[who % n];
                k.store(*pid, A + page * PAGE_SIZE, val).expect("store");
                shadow[page as usize] = val;
            }
            Op::Read { who, page } => {
                let (pid, shadow) = &procs[who % n];
                prop_assert_eq!(k.load(*pid, A + page * PAGE_SIZE), Ok(shadow[page as usize]));
            }
            Op::Exit(i) if n > 1 => {
                let (pid, _) = procs.remove(i % n);
                k.exit(pid);
            }
            Op::Exit(_) => {}
            Op::Fresh(i) => {
                let pid = procs[i % n].0;
                let len = 16 * PAGE_SIZE;
                k.sys_mmap(pid, FRESH, len, 3, 0x32, -1, 0).expect("mmap");
                for p in 0..16 {
                    // A write fault takes a frame, maybe one just freed.
                    k.store(pid, FRESH + p * PAGE_SIZE + 1, 9).expect("store");
                    let mut page = vec![0u8; PAGE_SIZE as usize];
                    k.task(pid).expect("task").read_bytes(0, FRESH + p * PAGE_SIZE, &mut page).expect("load");
                    page[1] = 0;
                    prop_assert!(page.iter().all(|&b| b == 0), "a fresh page shows another process's bytes");
                }
                prop_assert_eq!(k.sys_munmap(pid, FRESH, len), Ok(0));
            }
            Op::DontNeed { who, page } => {
                let (pid, shadow) = &mut procs[who % n];
                prop_assert_eq!(k.sys_madvise(*pid, A + page * PAGE_SIZE, PAGE_SIZE, 4), Ok(0));
                shadow[page as usize] = 0;
            }
        }
        let v = k.check_invariants();
        prop_assert!(v.is_empty(), "after {:?}: {:?}", op, v);
        for (pid, shadow) in &procs {
            let mm = &k.task(*pid).expect("task").mm;
            for p in 0..PAGES {
                prop_assert_eq!(mm.peek_byte(A + p * PAGE_SIZE), Some(shadow[p as usize]), "pid {} page {}", pid, p);
            }
        }
    }
    for (pid, _) in procs {
        k.exit(pid);
    }
    k.machine().drain_all_pages();
    prop_assert_eq!(k.machine().nr_free_pages(), free, "frames leaked");
    let swap = k.machine().swap();
    prop_assert_eq!(swap.nr_swap_pages(), swap.total_swap_pages() as i64, "swap slots leaked");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn forked_processes_never_see_each_others_writes(ops in prop::collection::vec(op(), 1..80)) {
        run(MachineConfig::default(), &ops)?;
    }

    /// The same on 96 frames with swap: shared pages go to swap and come
    /// back while the processes write them.
    #[test]
    fn and_neither_under_memory_pressure(
        ops in prop::collection::vec(op(), 1..80),
        policy in prop::sample::select(mm_core::vmscan::reclaim_policy_names()),
    ) {
        let cfg = MachineConfig {
            ram: 96 * PAGE_SIZE,
            reclaim: policy.to_string(),
            swap: vec![SwapSpec::parse("zram:4M").expect("swap")],
            ..MachineConfig::default()
        };
        run(cfg, &ops)?;
    }
}
