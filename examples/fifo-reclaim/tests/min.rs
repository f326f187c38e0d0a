//! The example policy against the offline optimum: on every synthetic
//! workload, RAM size and swap readahead of a grid, FIFO makes at least
//! as many page-ins as Belady's MIN with every frame of RAM.

use fifo_reclaim as _;
use mm_core::{Kernel, MachineConfig};
use mm_sim::sweep::min::{min_page_ins, totalram_pages};
use mm_sim::sweep::workload::Synthetic;

#[test]
fn fifo_never_beats_min() {
    let generators =
        ["seq", "loop", "uniform", "zipf:theta=0.9", "hotcold:hot=0.25,hotprob=0.7", "phases:ws=40,every=97,shift=25"];
    for (i, generator) in generators.iter().enumerate() {
        for ram_kb in [256u64, 512] {
            for page_cluster in 0..4 {
                let (name, own) = generator.split_once(':').unwrap_or((generator, ""));
                let pages = ram_kb / 4 * 3 / 2;
                let n = if name == "seq" { pages } else { 1200 };
                let mut spec = format!("{name}:pages={pages},n={n},write=0.75,seed={}", i as u32 * 31 + page_cluster);
                if !own.is_empty() {
                    spec = format!("{spec},{own}");
                }
                let w = Synthetic::parse(&spec).unwrap_or_else(|e| panic!("{e}"));
                let mut cfg = MachineConfig::default();
                for s in [
                    format!("ram={ram_kb}K"),
                    "reclaim=fifo".into(),
                    "swap=zram:16M".into(),
                    format!("page_cluster={page_cluster}"),
                ] {
                    cfg.set_pair(&s).unwrap_or_else(|e| panic!("{e}"));
                }
                let mut k = Kernel::new(&cfg).expect("machine");
                let m = w.run(&mut k).unwrap_or_else(|e| panic!("{e}"));
                let pages: Vec<u64> = w.pages().collect();
                let min = min_page_ins(&pages, totalram_pages(&k) as usize);
                assert!(
                    m.page_ins >= min,
                    "{spec}, ram {ram_kb}K, page_cluster {page_cluster}: {m:?} beat MIN's {min}"
                );
                assert!(
                    m.majflt > 0 || name == "seq",
                    "{spec}, ram {ram_kb}K: a region of 1.5 times RAM takes major faults"
                );
            }
        }
    }
}
