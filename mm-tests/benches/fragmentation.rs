//! The page allocators under fragmentation: every registered allocator
//! after the same fragmenting workload (`mm_tests::fragment::fragmented`:
//! 256 MiB, mappings of mixed lifetimes and a growing page cache; about
//! 35% of memory stays in use, scattered).
//!
//! First a table, on stderr: how many order-9 blocks (2 MiB, a THP) each
//! allocator gives without compaction, how many more direct compaction
//! gets out of it, and the compaction work that took (pages migrated,
//! pfns the migrate and free scanners looked at).  Then criterion
//! measures, on the fragmented machine, an order-0 allocation and free
//! (`fragmented_order0`) and an order-9 one (`fragmented_order9`, with
//! direct compaction allowed: once a block exists, the allocator's search
//! on fragmented free memory), both through `Machine::alloc_pages_compact`
//! as the simulator's fault path would call it.
//!
//! A second table: THP faults on the fragmented machine, one in each
//! 2 MiB of a 128 MiB `MADV_HUGEPAGE` region, for each allocator and
//! `thp_defrag` value: how many got a huge page, and the compaction work
//! (direct runs, kcompactd wakeups, pages migrated).  `mmsim sweep
//! --workload fragment:...` runs the same (README, "allocators under
//! fragmentation").

use criterion::{Criterion, criterion_group, criterion_main};
use mm_core::alloc::{Gfp, MM_PAGE_ALLOCATORS, PAGEBLOCK_ORDER};
use mm_core::compaction::Defrag;
use mm_core::machine::{MachineConfig, ThpDefrag};
use mm_core::vmstat::VmEvent;
use mm_tests::fragment::{fragmented, fragmented_on, put_order9, take_order9, thp_faults};

const RAM: u64 = 256 << 20;
const SEED: u64 = 1;

fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = MM_PAGE_ALLOCATORS.iter().map(|d| d.name).collect();
    names.sort_unstable();
    names
}

fn table() {
    eprintln!(
        "| allocator | free pages | order-9 blocks, no compaction | more with direct compaction | pages migrated | migrate scanned | free scanned |"
    );
    eprintln!("|---|---|---|---|---|---|---|");
    for name in names() {
        let (k, _) = fragmented(RAM, name, SEED);
        let m = k.machine();
        let free = m.nr_free_pages();
        let without = take_order9(&k, Defrag::Never, usize::MAX);
        let with = take_order9(&k, Defrag::Direct, usize::MAX);
        let v = m.vmstat();
        eprintln!(
            "| {name} | {free} | {} | {} | {} | {} | {} |",
            without.len(),
            with.len(),
            v.get(VmEvent::PgMigrateSuccess),
            v.get(VmEvent::CompactMigrateScanned),
            v.get(VmEvent::CompactFreeScanned)
        );
        put_order9(&k, without);
        put_order9(&k, with);
    }
}

fn thp_table() {
    eprintln!(
        "| allocator | thp_defrag | THP faults ok | fallback | compact_stall | kcompactd wakes | pages migrated |"
    );
    eprintln!("|---|---|---|---|---|---|---|");
    for name in names() {
        for defrag in [ThpDefrag::Never, ThpDefrag::Defer, ThpDefrag::Madvise, ThpDefrag::Always] {
            let mut cfg = MachineConfig { ram: RAM, allocator: name.into(), ..MachineConfig::default() };
            cfg.tunables.thp_defrag = defrag;
            let (k, pid) = fragmented_on(&cfg, SEED);
            let (ok, fallback) = thp_faults(&k, pid, 64);
            let v = k.machine().vmstat();
            eprintln!(
                "| {name} | {} | {ok} | {fallback} | {} | {} | {} |",
                defrag.name(),
                v.get(VmEvent::CompactStall),
                v.get(VmEvent::KcompactdWake),
                v.get(VmEvent::PgMigrateSuccess)
            );
        }
    }
}

fn latency(c: &mut Criterion) {
    table();
    thp_table();
    for name in names() {
        let (k, _) = fragmented(RAM, name, SEED);
        let m = k.machine().clone();
        c.bench_function(&format!("fragmented_order0/{name}"), |b| {
            b.iter(|| {
                let pfn = m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, 0, Defrag::Never).expect("order 0");
                m.__free_pages(pfn, 0);
            })
        });
        c.bench_function(&format!("fragmented_order9/{name}"), |b| {
            b.iter(|| {
                let pfn = m
                    .alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Direct)
                    .expect("order 9 after compaction");
                m.__free_pages(pfn, PAGEBLOCK_ORDER);
            })
        });
    }
}

criterion_group!(benches, latency);
criterion_main!(benches);
