//! The state a step-through page shows, as typed keys and values
//! (docs/html-page.md, "Keys and values"), read from the kernel a group
//! of panels at a time and compared with the previous step's: only the
//! keys whose values changed are formatted.

use mm_core::Kernel;
use mm_core::arch::TlbEntryView;
use mm_core::inspect::{PopulatedPage, SwapAreaView, VmaView};
use mm_core::machine::Machine;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Populated pages shown per process (`ptmore/PID` says how many more).
pub const MAX_PT_PAGES: usize = 2048;
/// TLB entries shown per CPU.
pub const MAX_TLB_ENTRIES: usize = 2048;
/// Folios shown per cached file.
pub const MAX_PC_FOLIOS: usize = 1024;
/// Used slots shown per swap area.
pub const MAX_SWAP_SLOTS: usize = 1024;
/// Frames shown at each end of an LRU list.
pub const LRU_ENDS: usize = 16;

/// A key of the state.  Its order is the order of the document's keys
/// within a group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Proc(u32),
    Vma(u32, u64),
    Pt(u32, u64),
    PtMore(u32),
    Cpu(usize),
    /// CPU, ASID (`None`: the kernel's), virtual page number.
    Tlb(usize, Option<u16>, u64),
    File(u64),
    Pc(u64, u64),
    Lru(usize, &'static str),
    Swap(u32),
    Slot(u32, u64),
    Vmstat(&'static str),
    Meminfo(&'static str),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Proc(p) => write!(f, "proc/{p}"),
            Key::Vma(p, s) => write!(f, "vma/{p}/{s:x}"),
            Key::Pt(p, va) => write!(f, "pt/{p}/{va:x}"),
            Key::PtMore(p) => write!(f, "ptmore/{p}"),
            Key::Cpu(n) => write!(f, "cpu/{n}"),
            Key::Tlb(n, Some(a), vpn) => write!(f, "tlb/{n}/{a}/{vpn:x}"),
            Key::Tlb(n, None, vpn) => write!(f, "tlb/{n}/k/{vpn:x}"),
            Key::File(i) => write!(f, "file/{i}"),
            Key::Pc(i, idx) => write!(f, "pc/{i}/{idx:x}"),
            Key::Lru(_, name) => write!(f, "lru/{name}"),
            Key::Swap(a) => write!(f, "swap/{a}"),
            Key::Slot(a, o) => write!(f, "slot/{a}/{o:x}"),
            Key::Vmstat(n) => write!(f, "vmstat/{n}"),
            Key::Meminfo(n) => write!(f, "meminfo/{n}"),
        }
    }
}

/// A value of the state, compared before it is formatted.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Proc {
        pid: u32,
        tgid: u32,
        mm: u32,
        root: u64,
        rss: i64,
        swapents: i64,
        minflt: u64,
        majflt: u64,
    },
    Vma(Box<VmaView>),
    Pt(Box<PopulatedPage>),
    More {
        shown: u64,
        total: u64,
    },
    Cpu {
        cpu: usize,
        pid: Option<u32>,
        root: u64,
        asid: Option<u16>,
        hits: u64,
        misses: u64,
        flushes: u64,
        invlpg: u64,
        entries: usize,
    },
    Tlb(TlbEntryView),
    File {
        ino: u64,
        name: Option<String>,
        size: u64,
        nrpages: u64,
        shown: usize,
    },
    Pc {
        pfn: u64,
        order: u32,
        flags: mm_core::flags::PageFlags,
        mapcount: i32,
    },
    Lru(Box<mm_core::vmscan::LruListView>),
    Swap {
        area: u32,
        name: &'static str,
        pages: u64,
        used: u64,
        prio: i32,
        shown: usize,
    },
    Slot {
        count: u32,
        cache: Option<u64>,
    },
    Num(i64),
}

fn hex(v: u64) -> String {
    format!("{v:x}")
}

impl Val {
    /// The value as the document has it.
    pub fn to_json(&self, m: &Machine) -> Value {
        match self {
            Val::Proc { pid, tgid, mm, root, rss, swapents, minflt, majflt } => json!({
                "pid": pid, "tgid": tgid, "mm": mm, "root": hex(*root), "rss": rss, "swapents": swapents,
                "minflt": minflt, "majflt": majflt
            }),
            Val::Vma(v) => json!({
                "start": hex(v.start), "end": hex(v.end), "perms": v.perms, "offset": hex(v.offset),
                "name": v.name, "file": v.file, "anon_vma": v.anon_vma.map(|a| a.to_string()),
                "flags": v.flags.iter_names().map(|(n, _)| format!("VM_{n}")).collect::<Vec<_>>(),
            }),
            Val::Pt(p) => {
                let w = m.ptdump_decode(p.va, p.path());
                let n = w.levels.len();
                let levels: Vec<Value> = w
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut o = json!({
                            "level": l.name, "index": l.index, "table": hex(l.table.0), "raw": hex(l.raw),
                            "bits": l.bits, "next": l.next.map(|p| hex(p.0)),
                        });
                        if i + 1 == n {
                            let (end, extra) = match w.end {
                                mm_core::inspect::WalkEnd::Page { .. } => ("page", None),
                                mm_core::inspect::WalkEnd::HugePage { .. } => ("huge", None),
                                mm_core::inspect::WalkEnd::Swap { ty, offset, exclusive } => (
                                    "swap",
                                    Some(("swap", json!({"type": ty, "offset": hex(offset), "exclusive": exclusive}))),
                                ),
                                mm_core::inspect::WalkEnd::Marker(mk) => (
                                    "marker",
                                    Some(("marker", json!(mk.iter_names().map(|(n, _)| n).collect::<Vec<_>>()))),
                                ),
                                mm_core::inspect::WalkEnd::None => ("none", None),
                                mm_core::inspect::WalkEnd::Bad => ("bad", None),
                            };
                            o["end"] = json!(end);
                            if let Some((k, v)) = extra {
                                o[k] = v;
                            }
                        }
                        o
                    })
                    .collect();
                Value::Array(levels)
            }
            Val::More { shown, total } => json!({"shown": shown, "total": total}),
            Val::Cpu { cpu, pid, root, asid, hits, misses, flushes, invlpg, entries } => json!({
                "cpu": cpu, "pid": pid, "root": hex(*root), "asid": asid, "hits": hits, "misses": misses,
                "flushes": flushes, "invlpg": invlpg, "entries": entries,
            }),
            Val::Tlb(e) => json!({"pfn": hex(e.pfn.0), "w": e.write, "u": e.user, "d": e.dirty, "g": e.global}),
            Val::File { ino, name, size, nrpages, shown } => {
                json!({"ino": ino, "name": name, "size": size, "nrpages": nrpages, "shown": shown})
            }
            Val::Pc { pfn, order, flags, mapcount } => json!({
                "pfn": hex(*pfn), "order": order, "flags": mm_core::inspect::pageflag_names(*flags), "mapcount": mapcount,
            }),
            Val::Lru(l) => json!({
                "name": l.name, "len": l.len,
                "head": l.head.iter().map(|p| hex(p.0)).collect::<Vec<_>>(),
                "tail": l.tail.iter().map(|p| hex(p.0)).collect::<Vec<_>>(),
            }),
            Val::Swap { area, name, pages, used, prio, shown } => {
                json!({"area": area, "name": name, "pages": pages, "used": used, "prio": prio, "shown": shown})
            }
            Val::Slot { count, cache } => json!({"count": count, "cache": cache.map(hex)}),
            Val::Num(n) => json!(n),
        }
    }
}

/// The groups of panels, each read whole and compared whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `proc/`, `vma/`.
    Procs,
    /// `pt/`, `ptmore/`.
    PageTables,
    /// `cpu/`.
    Cpus,
    /// `tlb/`.
    Tlbs,
    /// `file/`, `pc/`.
    PageCache,
    /// `lru/`.
    Lru,
    /// `swap/`, `slot/`.
    Swap,
    /// `vmstat/`, `meminfo/`.
    Counters,
}

/// Every group.
pub const GROUPS: [Group; 8] = [
    Group::Procs,
    Group::PageTables,
    Group::Cpus,
    Group::Tlbs,
    Group::PageCache,
    Group::Lru,
    Group::Swap,
    Group::Counters,
];

/// The tasks, each with the pid the keys of its address space use: the
/// lowest pid of the tasks sharing it.
fn tasks(k: &Kernel) -> Vec<(u32, std::sync::Arc<mm_core::task::Task>, u32)> {
    let mut owner: BTreeMap<u64, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for pid in k.pids() {
        let Ok(t) = k.task(pid) else { continue };
        let o = *owner.entry(t.mm.id).or_insert(pid);
        out.push((pid, t.clone(), o));
    }
    out
}

/// Reads group `g` of the state into `out` (sorted by key); `cpus` is
/// [`Kernel::cpu_tlbstate`] now.
pub fn read_group(g: Group, k: &Kernel, cpus: &[mm_core::inspect::CpuState], out: &mut Vec<(Key, Val)>) {
    let m = k.machine();
    match g {
        Group::Procs => {
            let tasks = tasks(k);
            for (pid, t, owner) in &tasks {
                let (pid, owner) = (*pid, *owner);
                let (minflt, majflt) = k.faults(pid).unwrap_or((0, 0));
                let c = t.mm.counters();
                out.push((
                    Key::Proc(pid),
                    Val::Proc {
                        pid,
                        tgid: t.tgid,
                        mm: owner,
                        root: t.mm.pgd().0,
                        rss: c.anon_rss() + c.file_rss(),
                        swapents: c.swap_ents(),
                        minflt,
                        majflt,
                    },
                ));
            }
            for (pid, _, owner) in tasks {
                if owner == pid {
                    for v in k.vmas(pid).unwrap_or_default() {
                        out.push((Key::Vma(pid, v.start), Val::Vma(Box::new(v))));
                    }
                }
            }
        }
        Group::PageTables => {
            let mut more = Vec::new();
            for (pid, _, owner) in tasks(k) {
                if owner != pid {
                    continue;
                }
                let Ok(map) = k.pagemap(pid, MAX_PT_PAGES) else { continue };
                let shown = map.pages.len() as u64;
                for p in map.pages {
                    out.push((Key::Pt(pid, p.va), Val::Pt(Box::new(p))));
                }
                if map.total > shown {
                    more.push((Key::PtMore(pid), Val::More { shown, total: map.total }));
                }
            }
            out.extend(more);
        }
        Group::Cpus | Group::Tlbs => {
            for c in cpus {
                if g == Group::Cpus {
                    out.push((
                        Key::Cpu(c.cpu),
                        Val::Cpu {
                            cpu: c.cpu,
                            pid: c.pid,
                            root: c.root.0,
                            asid: c.asid,
                            hits: c.stats.hits,
                            misses: c.stats.misses,
                            flushes: c.stats.flushes,
                            invlpg: c.stats.invlpg,
                            entries: c.tlb.len(),
                        },
                    ));
                    continue;
                }
                let mut tlb = c.tlb.clone();
                tlb.sort_by_key(|e| (e.asid, e.vpn));
                tlb.dedup_by_key(|e| (e.asid, e.vpn));
                for e in tlb.into_iter().take(MAX_TLB_ENTRIES) {
                    out.push((Key::Tlb(c.cpu, e.asid, e.vpn), Val::Tlb(e)));
                }
            }
        }
        Group::PageCache => {
            let files = k.page_cache(MAX_PC_FOLIOS);
            for f in &files {
                out.push((
                    Key::File(f.ino),
                    Val::File {
                        ino: f.ino,
                        name: f.name.clone(),
                        size: f.size,
                        nrpages: f.nrpages,
                        shown: f.folios.len(),
                    },
                ));
            }
            for f in files {
                for fo in f.folios {
                    out.push((
                        Key::Pc(f.ino, fo.index),
                        Val::Pc { pfn: fo.pfn.0, order: fo.order, flags: fo.flags, mapcount: fo.mapcount },
                    ));
                }
            }
        }
        Group::Lru => {
            for (i, l) in m.lru_lists(LRU_ENDS).into_iter().enumerate() {
                out.push((Key::Lru(i, l.name), Val::Lru(Box::new(l))));
            }
        }
        Group::Swap => {
            let areas = m.swap_areas(MAX_SWAP_SLOTS);
            for a in &areas {
                let SwapAreaView { ty, name, pages, used, prio, .. } = *a;
                out.push((Key::Swap(ty), Val::Swap { area: ty, name, pages, used, prio, shown: a.slots.len() }));
            }
            for SwapAreaView { ty, slots, .. } in areas {
                for s in slots {
                    out.push((Key::Slot(ty, s.offset), Val::Slot { count: s.count, cache: s.cache.map(|p| p.0) }));
                }
            }
        }
        Group::Counters => {
            let (vmstat, meminfo) = m.vmstat_meminfo_lines();
            for (name, v) in vmstat {
                out.push((Key::Vmstat(name), Val::Num(v as i64)));
            }
            for (name, kb) in meminfo {
                out.push((Key::Meminfo(name), Val::Num(kb as i64)));
            }
        }
    }
    // Read in key order already, but for TLB entries of several ASIDs.
    if !out.is_sorted_by(|a, b| a.0 < b.0) {
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
    }
}

/// What a step changed: keys set (formatted `"key": value`), keys removed.
#[derive(Default)]
pub struct Delta {
    pub set: Vec<String>,
    pub del: Vec<String>,
}

/// Compares a group's new entries with its old ones (both sorted by key)
/// and adds the differences to `d`, formatting only what changed.
pub fn diff(old: &[(Key, Val)], new: &[(Key, Val)], m: &Machine, d: &mut Delta) {
    let (mut i, mut j) = (0, 0);
    let mut set = |k: &Key, v: &Val| {
        let mut s = serde_json::to_string(&k.to_string()).expect("a key serializes");
        s.push(':');
        let _ = write!(s, "{}", v.to_json(m));
        d.set.push(s);
    };
    let mut del = Vec::new();
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    set(&b.0, &b.1);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                del.push(a.0.to_string());
                i += 1;
            }
            (Some(a), None) => {
                del.push(a.0.to_string());
                i += 1;
            }
            (_, Some(b)) => {
                set(&b.0, &b.1);
                j += 1;
            }
            (None, None) => unreachable!(),
        }
    }
    d.del.extend(del);
}
