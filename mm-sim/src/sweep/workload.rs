//! Synthetic workloads: seeded, reproducible page-access patterns over an
//! anonymous private region, named by a spec such as
//! `zipf:pages=4096,theta=0.99,n=65536,seed=1`.
//!
//! A spec is `NAME:KEY=VALUE,...`.  The generators ([`GENERATORS`]):
//!
//! * `seq`: one sequential scan, pages 0, 1, 2, ... (each page once:
//!   `warmup + n` is at most `pages`);
//! * `loop`: the scan over and over (`i mod pages`): larger than memory,
//!   it defeats LRU;
//! * `uniform`: every access to a page drawn uniformly;
//! * `zipf`: page `r` drawn with probability proportional to
//!   `1 / (r + 1)^theta` (`theta=0` is uniform; page 0 is the hottest);
//! * `hotcold`: the first `hot` fraction of the pages gets `hotprob` of
//!   the accesses, uniformly; the rest of the pages the rest;
//! * `phases`: uniform over a working set of `ws` pages that moves on by
//!   `shift` pages (wrapping round the region) every `every` accesses;
//! * `fragment`: memory fragmented first ([`fragment_memory`]: mappings
//!   of mixed lifetimes come and go beside a growing page cache), then
//!   one sequential scan of a `MADV_HUGEPAGE` region, so that its first
//!   store in each 2 MiB takes a THP fault on fragmented memory (with
//!   `thp_defrag` and `allocator` as swept settings, the `thp_fault_*`,
//!   `compact_*` and `pgmigrate_*` counters tell allocators and
//!   settings apart).  Its set-up is the fragmenting, not a pass over
//!   the region.
//!
//! Parameters every generator takes: the region's size, absolute so that
//! a miss-ratio curve varies RAM under a fixed workload (`pages=N`, or
//! `size=16M`, a multiple of 4 KiB; one of the two is required); `n`, the
//! measured accesses (default: `pages` for `seq`, `4 * pages` for the
//! others); `warmup`, accesses of the same pattern made before the
//! measured ones and not counted (default 0); `write`, the fraction of
//! accesses that are stores, the rest loads (default 1: all stores); and
//! `seed` (default 1).  [`Synthetic::spec`] prints every parameter, so
//! the canonical spec names the workload exactly.
//!
//! The sequence depends on the spec alone: a generator of its own
//! (SplitMix64) and floating-point arithmetic limited to the operations
//! IEEE 754 rounds exactly (no `powf`, `exp` or `ln` from the host's
//! mathematics library) make it the same on every host and Rust version.

use mm_core::machine::{format_size, parse_size};
use mm_core::types::PAGE_SIZE;
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, Pid};
use std::fmt;

/// The generators, with what each does and the parameters of its own.
pub const GENERATORS: &[(&str, &str)] = &[
    ("seq", "one sequential scan of the region, each page once"),
    ("loop", "sequential scans of the region, over and over"),
    ("uniform", "uniformly random pages"),
    ("zipf", "Zipf-distributed pages, page 0 the hottest (theta=0.99)"),
    ("hotcold", "a hot fraction of the pages gets most accesses (hot=0.2, hotprob=0.8)"),
    ("phases", "uniform over a working set that moves every few accesses (ws, every, shift)"),
    ("fragment", "memory fragmented first, then one scan of a MADV_HUGEPAGE region (THP faults)"),
];

/// The largest region a generator takes, in pages (1 TiB).
pub const MAX_PAGES: u64 = 1 << 28;
/// The largest region `zipf` takes, in pages (64 GiB): it keeps a table
/// of 12 bytes per page.
pub const MAX_ZIPF_PAGES: u64 = 1 << 24;
/// The most accesses (`n`, and `warmup`) a workload makes.
pub const MAX_ACCESSES: u64 = 1 << 32;
/// The largest region `fragment` takes, in pages (16 GiB): it lies below
/// the page-cache file the fragmenting maps.
pub const MAX_FRAGMENT_PAGES: u64 = 1 << 22;
/// The largest Zipf exponent.
pub const MAX_THETA: f64 = 16.0;

/// Where the region is mapped: a fixed address, so that two runs of one
/// spec make the same page-table and TLB work.
const REGION_ADDR: u64 = 0x1_0000_0000;

/// Why a spec was refused, or a workload could not run to its end.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// Not `NAME:KEY=VALUE,...`.
    #[error("bad workload '{spec}': expected NAME:KEY=VALUE,... (generators: {known})")]
    Syntax { spec: String, known: String },
    /// No generator of that name.
    #[error("unknown workload generator '{name}' (known: {known})")]
    UnknownGenerator { name: String, known: String },
    /// The generator has no such parameter.
    #[error("{generator}: unknown parameter '{key}' (known: {known})")]
    UnknownParameter { generator: String, key: String, known: String },
    /// A required parameter is missing.
    #[error("{generator}: missing parameter {what}")]
    MissingParameter { generator: String, what: String },
    /// A parameter given twice (`pages` and `size` count as one).
    #[error("{generator}: parameter '{key}' given twice")]
    Duplicate { generator: String, key: String },
    /// A value the parameter does not take.
    #[error("{generator}: bad value '{value}' for {key}: {reason}")]
    BadValue { generator: String, key: String, value: String, reason: String },
    /// The simulated kernel refused the process or the mapping.
    #[error("{spec}: {what} failed: {errno}")]
    Setup { spec: String, what: &'static str, errno: mm_core::Errno },
    /// The fragmenting set-up of `fragment` could not run to its end.
    #[error("{spec}: fragmenting memory: {why}")]
    Fragment { spec: String, why: String },
    /// An access ended in a signal (the OOM killer's when memory and swap
    /// are too small for the region).
    #[error("{spec}: {phase} access {index} (page {page}) got {signal}")]
    Access { spec: String, phase: &'static str, index: u64, page: u64, signal: mm_core::Signal },
}

/// What a workload's measured phase cost: deltas over it of the
/// machine's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measured {
    /// Accesses made (`n`).
    pub accesses: u64,
    /// Minor faults: `pgfault` less `pgmajfault`.
    pub minflt: u64,
    /// Major faults: `pgmajfault`.
    pub majflt: u64,
    /// Pages read in: `pswpin` (swap readahead's pages included).
    pub page_ins: u64,
}

/// A generator's own parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Pattern {
    Seq,
    Loop,
    Uniform,
    Zipf { theta: f64 },
    HotCold { hot: f64, hotprob: f64 },
    Phases { ws: u64, every: u64, shift: u64 },
    Fragment,
}

impl Pattern {
    fn name(&self) -> &'static str {
        match self {
            Pattern::Seq => "seq",
            Pattern::Loop => "loop",
            Pattern::Uniform => "uniform",
            Pattern::Zipf { .. } => "zipf",
            Pattern::HotCold { .. } => "hotcold",
            Pattern::Phases { .. } => "phases",
            Pattern::Fragment => "fragment",
        }
    }

    /// The parameters of the generator's own, in canonical order.
    fn own_keys(name: &str) -> &'static [&'static str] {
        match name {
            "zipf" => &["theta"],
            "hotcold" => &["hot", "hotprob"],
            "phases" => &["ws", "every", "shift"],
            _ => &[],
        }
    }
}

/// The parameters every generator takes, in canonical order (`size` is
/// read as `pages`).
const COMMON_KEYS: &[&str] = &["pages", "n", "warmup", "write", "seed"];

/// One synthetic workload: a generator with every parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    pattern: Pattern,
    pages: u64,
    n: u64,
    warmup: u64,
    write: f64,
    seed: u64,
}

/// Whether `spec` names a synthetic workload (`NAME:...` with `NAME` a
/// generator), as opposed to a file's path.  A spec that is one may still
/// be refused by [`Synthetic::parse`].
pub fn is_synthetic(spec: &str) -> bool {
    spec.split_once(':').is_some_and(|(name, _)| GENERATORS.iter().any(|(g, _)| *g == name.trim()))
}

fn known_generators() -> String {
    GENERATORS.iter().map(|g| g.0).collect::<Vec<_>>().join(", ")
}

impl Synthetic {
    /// Reads a spec: `NAME:KEY=VALUE,...` (see the [module](self)).
    pub fn parse(spec: &str) -> Result<Synthetic, WorkloadError> {
        let spec = spec.trim();
        let Some((name, params)) = spec.split_once(':') else {
            return Err(WorkloadError::Syntax { spec: spec.to_string(), known: known_generators() });
        };
        let name = name.trim();
        if !GENERATORS.iter().any(|(g, _)| *g == name) {
            return Err(WorkloadError::UnknownGenerator { name: name.to_string(), known: known_generators() });
        }
        let own = Pattern::own_keys(name);
        let mut given: Vec<(&str, &str)> = Vec::new();
        for item in params.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((k, v)) = item.split_once('=') else {
                return Err(WorkloadError::BadValue {
                    generator: name.into(),
                    key: item.into(),
                    value: String::new(),
                    reason: "expected KEY=VALUE".into(),
                });
            };
            let (k, v) = (k.trim(), v.trim());
            if !(COMMON_KEYS.contains(&k) || k == "size" || own.contains(&k)) {
                let known = COMMON_KEYS.iter().chain(["size"].iter()).chain(own.iter()).copied();
                return Err(WorkloadError::UnknownParameter {
                    generator: name.into(),
                    key: k.into(),
                    known: known.collect::<Vec<_>>().join(", "),
                });
            }
            let same = |a: &str| a == k || (matches!(a, "pages" | "size") && matches!(k, "pages" | "size"));
            if let Some((prev, _)) = given.iter().find(|(a, _)| same(a)) {
                let key = if *prev == k { k.to_string() } else { format!("{prev}' and '{k}") };
                return Err(WorkloadError::Duplicate { generator: name.into(), key });
            }
            given.push((k, v));
        }
        let p = Params { generator: name, given };

        let pages = match (p.get("pages"), p.get("size")) {
            (Some(v), _) => p.int("pages", v)?,
            (None, Some(v)) => {
                let bytes = parse_size(v).map_err(|e| p.bad("size", v, e.to_string()))?;
                if bytes % PAGE_SIZE != 0 {
                    return Err(p.bad("size", v, "a multiple of the page size (4K) is needed".into()));
                }
                bytes / PAGE_SIZE
            }
            (None, None) => {
                return Err(WorkloadError::MissingParameter {
                    generator: name.into(),
                    what: "pages=N or size=SIZE (the region)".into(),
                });
            }
        };
        let max_pages = match name {
            "zipf" => MAX_ZIPF_PAGES,
            "fragment" => MAX_FRAGMENT_PAGES,
            _ => MAX_PAGES,
        };
        if pages == 0 || pages > max_pages {
            let v = p.get("pages").or(p.get("size")).unwrap_or_default();
            let key = if p.get("pages").is_some() { "pages" } else { "size" };
            return Err(p.bad(
                key,
                v,
                format!("1 to {max_pages} pages ({}) are allowed", format_size(max_pages * PAGE_SIZE)),
            ));
        }

        let pattern = match name {
            "seq" => Pattern::Seq,
            "loop" => Pattern::Loop,
            "uniform" => Pattern::Uniform,
            "zipf" => Pattern::Zipf { theta: p.float_or("theta", 0.99, 0.0, MAX_THETA)? },
            "hotcold" => {
                let hot = p.float_or("hot", 0.2, 0.0, 1.0)?;
                let hot_pages = (pages as f64 * hot) as u64;
                if hot_pages == 0 || hot_pages >= pages {
                    let v = p.get("hot").unwrap_or("0.2");
                    return Err(p.bad(
                        "hot",
                        v,
                        format!(
                            "{hot_pages} of {pages} pages would be hot: at least one hot and one cold page are needed"
                        ),
                    ));
                }
                Pattern::HotCold { hot, hotprob: p.float_or("hotprob", 0.8, 0.0, 1.0)? }
            }
            "phases" => {
                let ws = p.int_or("ws", (pages / 4).max(1))?;
                if ws == 0 || ws > pages {
                    return Err(p.bad(
                        "ws",
                        p.get("ws").unwrap_or_default(),
                        format!("1 to pages ({pages}) are allowed"),
                    ));
                }
                let every = p.int_or("every", ws.saturating_mul(4))?;
                if every == 0 {
                    return Err(p.bad("every", p.get("every").unwrap_or_default(), "at least 1".into()));
                }
                let shift = p.int_or("shift", ws)?;
                if shift == 0 || shift > pages {
                    return Err(p.bad(
                        "shift",
                        p.get("shift").unwrap_or_default(),
                        format!("1 to pages ({pages}) are allowed"),
                    ));
                }
                Pattern::Phases { ws, every, shift }
            }
            "fragment" => Pattern::Fragment,
            _ => unreachable!("every generator is handled: {name}"),
        };

        let scan = matches!(pattern, Pattern::Seq | Pattern::Fragment);
        let default_n = if scan { pages } else { pages.saturating_mul(4).min(MAX_ACCESSES) };
        let n = p.int_or("n", default_n)?;
        if n == 0 || n > MAX_ACCESSES {
            return Err(p.bad(
                "n",
                p.get("n").unwrap_or_default(),
                format!("1 to {MAX_ACCESSES} accesses are allowed"),
            ));
        }
        let warmup = p.int_or("warmup", 0)?;
        if warmup > MAX_ACCESSES {
            return Err(p.bad(
                "warmup",
                p.get("warmup").unwrap_or_default(),
                format!("at most {MAX_ACCESSES} accesses"),
            ));
        }
        if scan && warmup + n > pages {
            let (key, v) = match p.get("n") {
                Some(v) => ("n", v.to_string()),
                None => ("warmup", p.get("warmup").unwrap_or_default().to_string()),
            };
            return Err(p.bad(
                key,
                &v,
                format!("a scan touches each page once: warmup + n ({}) exceeds pages ({pages}); use loop", warmup + n),
            ));
        }
        let write = p.float_or("write", 1.0, 0.0, 1.0)?;
        let seed = p.int_or("seed", 1)?;
        Ok(Synthetic { pattern, pages, n, warmup, write, seed })
    }

    /// The canonical spec: the generator and every parameter, so that
    /// `Synthetic::parse(&w.spec()) == Ok(w)`.
    pub fn spec(&self) -> String {
        let mut s = format!("{}:pages={}", self.pattern.name(), self.pages);
        match self.pattern {
            Pattern::Seq | Pattern::Loop | Pattern::Uniform | Pattern::Fragment => {}
            Pattern::Zipf { theta } => s += &format!(",theta={theta}"),
            Pattern::HotCold { hot, hotprob } => s += &format!(",hot={hot},hotprob={hotprob}"),
            Pattern::Phases { ws, every, shift } => s += &format!(",ws={ws},every={every},shift={shift}"),
        }
        s += &format!(",n={},warmup={},write={},seed={}", self.n, self.warmup, self.write, self.seed);
        s
    }

    /// The generator's name (`zipf`).
    pub fn name(&self) -> &'static str {
        self.pattern.name()
    }

    /// The region's size in pages.
    pub fn region_pages(&self) -> u64 {
        self.pages
    }

    /// The measured accesses (`n`).
    pub fn accesses(&self) -> u64 {
        self.n
    }

    /// The page numbers (from the region's start) of the measured phase's
    /// accesses, in order: the sequence [`run`](Self::run) makes after
    /// its set-up pass and warm-up.
    pub fn pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.stream().skip(self.warmup as usize).take(self.n as usize)
    }

    /// Every access's page, warm-up first, without end.
    fn stream(&self) -> PageStream {
        let table = match self.pattern {
            Pattern::Zipf { theta } => Alias::zipf(self.pages, theta),
            _ => Alias::default(),
        };
        PageStream { w: self.clone(), rng: SplitMix64(self.seed), i: 0, table }
    }

    /// Runs the workload on `k`: spawns a process, maps an anonymous
    /// private region of `pages` pages, writes every page once (the
    /// set-up pass), makes the `warmup` accesses, then the `n` measured
    /// ones (stores, or loads for a `1 - write` fraction of them), and
    /// returns what the measured ones cost.  The process stays, with its
    /// memory, so the machine's state afterwards is the workload's.
    pub fn run(&self, k: &mut Kernel) -> Result<Measured, WorkloadError> {
        let spec = || self.spec();
        let pid = k.spawn().map_err(|errno| WorkloadError::Setup { spec: spec(), what: "spawn", errno })?;
        let prot = mm_core::flags::Prot::READ | mm_core::flags::Prot::WRITE;
        let flags =
            mm_core::flags::MapFlags::PRIVATE | mm_core::flags::MapFlags::ANONYMOUS | mm_core::flags::MapFlags::FIXED;
        let len = self.pages * PAGE_SIZE;
        k.sys_mmap(pid, REGION_ADDR, len, prot.bits(), flags.bits(), -1, 0).map_err(|errno| WorkloadError::Setup {
            spec: spec(),
            what: "mmap",
            errno,
        })?;
        if self.pattern == Pattern::Fragment {
            k.sys_madvise(pid, REGION_ADDR, len, MADV_HUGEPAGE).map_err(|errno| WorkloadError::Setup {
                spec: spec(),
                what: "madvise",
                errno,
            })?;
            let total = super::min::totalram_pages(k);
            fragment_memory(k, pid, total, self.seed).map_err(|why| WorkloadError::Fragment { spec: spec(), why })?;
        }
        let k = &*k;
        let access = |phase: &'static str, index: u64, page: u64, store: bool| {
            let addr = REGION_ADDR + page * PAGE_SIZE;
            let r = if store { k.store(pid, addr, index as u8 | 1) } else { k.load(pid, addr).map(drop) };
            r.map_err(|signal| WorkloadError::Access { spec: spec(), phase, index, page, signal })
        };
        if self.pattern != Pattern::Fragment {
            for page in 0..self.pages {
                access("set-up", page, page, true)?;
            }
        }
        let mut writes = Writes::new(self);
        let mut stream = self.stream();
        for i in 0..self.warmup {
            let page = stream.next().unwrap_or_default();
            access("warm-up", i, page, writes.next())?;
        }
        let before = Counters::read(k);
        for i in 0..self.n {
            let page = stream.next().unwrap_or_default();
            access("measured", i, page, writes.next())?;
        }
        let after = Counters::read(k);
        let majflt = after.pgmajfault - before.pgmajfault;
        Ok(Measured {
            accesses: self.n,
            minflt: (after.pgfault - before.pgfault) - majflt,
            majflt,
            page_ins: after.pswpin - before.pswpin,
        })
    }
}

impl fmt::Display for Synthetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec())
    }
}

impl std::str::FromStr for Synthetic {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Synthetic::parse(s)
    }
}

/// Where [`fragment_memory`]'s mappings go, each with a page of gap
/// before the next.
const FRAGMENT_REGIONS: u64 = 0x10_0000_0000;
/// Where [`fragment_memory`]'s page-cache file (a memfd) is mapped.
const FRAGMENT_CACHE: u64 = 0x8_0000_0000;

/// The generator of [`fragment_memory`] (xorshift64*).
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// `MADV_HUGEPAGE`.
const MADV_HUGEPAGE: u64 = 14;

/// Fragments the memory of `k`, of `total` pages, through process `pid`:
/// it maps regions
/// of 1 to 32 pages and writes every page, one in twenty to keep until
/// the end and the others to unmap, at random, whenever anonymous memory
/// passes 60% of RAM; it also writes one more page of a shared file
/// mapping every other step, up to a fifth of RAM.  It runs until three
/// times RAM has been mapped, then unmaps what it was not keeping: about
/// 15% of memory stays in anonymous pages and 20% in the page cache,
/// spread over every pageblock.  Seeded: the same `seed` makes the same
/// sequence of calls on every allocator.  Its mappings lie from 32 GiB
/// up.  On failure, the call that failed and its error.
pub fn fragment_memory(k: &mut Kernel, pid: Pid, total: u64, seed: u64) -> Result<(), String> {
    use mm_core::flags::{MapFlags, Prot};
    let prot = (Prot::READ | Prot::WRITE).bits();
    let anon = (MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED).bits();
    let shared = (MapFlags::SHARED | MapFlags::FIXED).bits();
    fn failed(what: &'static str) -> impl Fn(mm_core::Errno) -> String {
        move |e| format!("{what} failed: {e}")
    }
    let store = |k: &Kernel, addr: u64, v: u8| {
        k.store(pid, addr, v).map_err(|signal| format!("store to {addr:#x} got {signal}"))
    };
    let cache_pages = total / 5;
    let fd = k.sys_memfd_create(pid, "cache", 0).map_err(failed("memfd_create"))? as i64;
    k.sys_ftruncate(pid, fd, cache_pages * PAGE_SIZE).map_err(failed("ftruncate"))?;
    k.sys_mmap(pid, FRAGMENT_CACHE, cache_pages * PAGE_SIZE, prot, shared, fd, 0).map_err(failed("mmap"))?;
    let mut rng = XorShift(seed.max(1));
    // (address, pages, kept until the end)
    let mut live: Vec<(u64, u64, bool)> = Vec::new();
    let (mut next, mut used, mut mapped, mut cached) = (FRAGMENT_REGIONS, 0, 0, 0);
    let target = total * 6 / 10;
    while mapped < 3 * total {
        let pages = 1 + rng.below(32);
        let keep = rng.below(20) == 0;
        k.sys_mmap(pid, next, pages * PAGE_SIZE, prot, anon, -1, 0).map_err(failed("mmap"))?;
        for p in 0..pages {
            store(k, next + p * PAGE_SIZE, (p as u8) | 1)?;
        }
        live.push((next, pages, keep));
        next += (pages + 1) * PAGE_SIZE;
        used += pages;
        mapped += pages;
        if cached < cache_pages && rng.below(2) == 0 {
            store(k, FRAGMENT_CACHE + cached * PAGE_SIZE, 1)?;
            cached += 1;
        }
        while used > target {
            let short: Vec<usize> = (0..live.len()).filter(|&i| !live[i].2).collect();
            if short.is_empty() {
                break;
            }
            let (addr, pages, _) = live.swap_remove(short[rng.below(short.len() as u64) as usize]);
            k.sys_munmap(pid, addr, pages * PAGE_SIZE).map_err(failed("munmap"))?;
            used -= pages;
        }
    }
    for &(addr, pages, keep) in &live {
        if !keep {
            k.sys_munmap(pid, addr, pages * PAGE_SIZE).map_err(failed("munmap"))?;
        }
    }
    k.machine().kswapd_poll();
    Ok(())
}

/// The machine-wide counters a run measures.
struct Counters {
    pgfault: u64,
    pgmajfault: u64,
    pswpin: u64,
}

impl Counters {
    fn read(k: &Kernel) -> Counters {
        let v = k.machine().vmstat();
        Counters {
            pgfault: v.get(VmEvent::PgFault),
            pgmajfault: v.get(VmEvent::PgMajFault),
            pswpin: v.get(VmEvent::PswpIn),
        }
    }
}

/// The spec's parameters as given, for reading them with clear errors.
struct Params<'a> {
    generator: &'a str,
    given: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.given.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn bad(&self, key: &str, value: &str, reason: String) -> WorkloadError {
        WorkloadError::BadValue { generator: self.generator.into(), key: key.into(), value: value.into(), reason }
    }

    fn int(&self, key: &str, v: &str) -> Result<u64, WorkloadError> {
        v.parse::<u64>().map_err(|e| self.bad(key, v, format!("{e} (a whole number is needed)")))
    }

    fn int_or(&self, key: &str, default: u64) -> Result<u64, WorkloadError> {
        self.get(key).map_or(Ok(default), |v| self.int(key, v))
    }

    fn float_or(&self, key: &str, default: f64, lo: f64, hi: f64) -> Result<f64, WorkloadError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        let x: f64 = v.parse().map_err(|e| self.bad(key, v, format!("{e} (a number is needed)")))?;
        if !(lo..=hi).contains(&x) {
            return Err(self.bad(key, v, format!("{lo} to {hi} is allowed")));
        }
        // One spelling of zero, so that parse(spec()) is the same value.
        Ok(if x == 0.0 { 0.0 } else { x })
    }
}

/// SplitMix64 (Steele, Lea and Flood): a small generator whose every
/// seed, 0 included, gives a full-period sequence.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`), by multiplication (Lemire).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `[0, 1)` with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Which accesses are stores: a generator of their own, so that the
/// page sequence does not depend on `write`.
struct Writes {
    rng: SplitMix64,
    write: f64,
}

impl Writes {
    fn new(w: &Synthetic) -> Writes {
        Writes { rng: SplitMix64(w.seed ^ 0x5851_f42d_4c95_7f2d), write: w.write }
    }

    fn next(&mut self) -> bool {
        match self.write {
            1.0 => true,
            0.0 => false,
            p => self.rng.unit() < p,
        }
    }
}

/// The pages of a workload's accesses, warm-up first.
struct PageStream {
    w: Synthetic,
    rng: SplitMix64,
    /// Index of the next access (from the first warm-up one).
    i: u64,
    /// `zipf`: the pages' probabilities.
    table: Alias,
}

impl Iterator for PageStream {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let pages = self.w.pages;
        let i = self.i;
        self.i += 1;
        let page = match self.w.pattern {
            Pattern::Seq | Pattern::Loop | Pattern::Fragment => i % pages,
            Pattern::Uniform => self.rng.below(pages),
            Pattern::Zipf { .. } => self.table.sample(&mut self.rng),
            Pattern::HotCold { hot, hotprob } => {
                let hot_pages = (pages as f64 * hot) as u64;
                if self.rng.unit() < hotprob {
                    self.rng.below(hot_pages)
                } else {
                    hot_pages + self.rng.below(pages - hot_pages)
                }
            }
            Pattern::Phases { ws, every, shift } => {
                let phase = u128::from(i / every);
                let start = (phase * u128::from(shift) % u128::from(pages)) as u64;
                (start + self.rng.below(ws)) % pages
            }
        };
        Some(page)
    }
}

/// A discrete distribution drawn from in constant time (Walker's alias
/// method, Vose's construction): page `i` is drawn uniformly, kept with
/// probability `keep[i]`, else replaced by `alias[i]`.
#[derive(Debug, Default)]
struct Alias {
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// Page `r` with probability proportional to `(r + 1)^-theta`
    /// (`pages` at most 2^32).
    fn zipf(pages: u64, theta: f64) -> Alias {
        let weights: Vec<f64> = (1..=pages).map(|r| exact_exp(-theta * exact_ln(r as f64))).collect();
        let total: f64 = weights.iter().sum();
        // Each page's probability times the number of pages: the pages
        // below 1 get their column topped up by one above 1.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * pages as f64 / total).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (0..pages as u32).partition(|&i| scaled[i as usize] < 1.0);
        let mut keep = vec![1.0; pages as usize];
        let mut alias: Vec<u32> = (0..pages as u32).collect();
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s as usize] = scaled[s as usize];
            alias[s as usize] = l;
            scaled[l as usize] = (scaled[l as usize] + scaled[s as usize]) - 1.0;
            if scaled[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left is 1 up to rounding: kept always.
        Alias { keep, alias }
    }

    fn sample(&self, rng: &mut SplitMix64) -> u64 {
        let i = rng.below(self.keep.len() as u64) as usize;
        if rng.unit() < self.keep[i] { i as u64 } else { u64::from(self.alias[i]) }
    }
}

/// `ln x` for a finite `x > 0` from additions, multiplications and
/// divisions alone (each rounded exactly by IEEE 754), so the result is
/// the same on every host: `x = m * 2^e` with `m` in `[sqrt(1/2),
/// sqrt(2))`, then `ln m = 2 atanh((m - 1) / (m + 1))` by its series.
fn exact_ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite());
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut term, mut sum) = (s, 0.0);
    for k in 0..16 {
        sum += term / f64::from(2 * k + 1);
        term *= s2;
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

/// `e^y` from additions, multiplications and divisions alone (see
/// [`exact_ln`]): `y = k ln 2 + r` with `|r| <= ln 2 / 2`, the series of
/// `e^r`, scaled by `2^k` exactly.  Underflows to 0 below `2^-1022`.
fn exact_exp(y: f64) -> f64 {
    if y < -700.0 {
        return 0.0;
    }
    let k = (y / std::f64::consts::LN_2).round();
    let r = y - k * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0, 1.0);
    for i in 1..24 {
        term = term * r / f64::from(i);
        sum += term;
    }
    let k = k as i64;
    if k >= 1024 {
        return f64::INFINITY;
    }
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Synthetic {
        Synthetic::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn canonical_spec_names_every_parameter() {
        assert_eq!(
            parse("zipf:pages=4096,theta=0.99,n=65536,seed=1").spec(),
            "zipf:pages=4096,theta=0.99,n=65536,warmup=0,write=1,seed=1"
        );
        assert_eq!(parse("loop: size=16M").spec(), "loop:pages=4096,n=16384,warmup=0,write=1,seed=1");
        assert_eq!(parse("seq:pages=10").spec(), "seq:pages=10,n=10,warmup=0,write=1,seed=1");
        assert_eq!(
            parse("hotcold:pages=100,write=0.5").spec(),
            "hotcold:pages=100,hot=0.2,hotprob=0.8,n=400,warmup=0,write=0.5,seed=1"
        );
        assert_eq!(
            parse("phases:pages=100").spec(),
            "phases:pages=100,ws=25,every=100,shift=25,n=400,warmup=0,write=1,seed=1"
        );
        assert_eq!(parse("uniform:pages=8,write=0.0").spec(), "uniform:pages=8,n=32,warmup=0,write=0,seed=1");
        assert_eq!(parse("fragment:size=4M").spec(), "fragment:pages=1024,n=1024,warmup=0,write=1,seed=1");
    }

    #[test]
    fn fragment_takes_thp_faults_on_fragmented_memory() {
        let err = |s: &str| Synthetic::parse(s).expect_err(s).to_string();
        assert!(err("fragment:size=1T").contains("1 to 4194304 pages"), "{}", err("fragment:size=1T"));
        assert!(err("fragment:pages=4,n=5").contains("warmup + n (5) exceeds pages (4)"));
        // 8 MiB madvised on 32 MiB: the fragmenting leaves scattered
        // pages, then each 2 MiB takes one THP fault, one store a page.
        let mut k = machine(&["ram=32M", "thp_defrag=never"]);
        let m = parse("fragment:size=8M").run(&mut k).expect("run");
        assert_eq!((m.accesses, m.majflt), (2048, 0));
        let v = k.machine().vmstat();
        assert_eq!(v.get(VmEvent::ThpFaultAlloc) + v.get(VmEvent::ThpFaultFallback), 4);
        assert!(v.get(VmEvent::PgFault) > 4 * 2048, "the fragmenting's faults come first");
        assert_eq!(v.get(VmEvent::CompactStall), 0);
    }

    #[test]
    fn is_synthetic_only_for_generators() {
        assert!(is_synthetic("zipf:pages=1"));
        assert!(is_synthetic("loop:"));
        assert!(is_synthetic("zipf:nonsense"));
        assert!(!is_synthetic("zipf"));
        assert!(!is_synthetic("scenarios/zipf.mms"));
        assert!(!is_synthetic("C:\\x.mms"));
        assert!(!is_synthetic("mine:pages=1"));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |s: &str| Synthetic::parse(s).expect_err(s).to_string();
        assert!(err("zipf").contains("expected NAME:KEY=VALUE"), "{}", err("zipf"));
        assert!(err("gauss:pages=1").contains("unknown workload generator 'gauss'"));
        assert!(err("zipf:n=5").contains("missing parameter pages=N or size=SIZE"));
        assert!(err("zipf:pages=5,alpha=1").contains("unknown parameter 'alpha'"));
        assert!(err("uniform:pages=5,theta=1").contains("unknown parameter 'theta'"));
        assert!(err("uniform:pages=5,pages=6").contains("'pages' given twice"));
        assert!(err("uniform:pages=5,size=8K").contains("'pages' and 'size' given twice"));
        assert!(err("uniform:pages=x").contains("bad value 'x' for pages"));
        assert!(err("uniform:pages=0").contains("1 to"));
        assert!(err("uniform:size=5000").contains("multiple of the page size"));
        assert!(err("uniform:size=5Q").contains("unknown size unit"));
        assert!(err("uniform:pages=5,write=1.5").contains("0 to 1 is allowed"));
        assert!(err("uniform:pages=5,write=NaN").contains("0 to 1 is allowed"));
        assert!(err("zipf:pages=5,theta=-1").contains("bad value '-1' for theta"));
        assert!(err("zipf:pages=5,theta=inf").contains("bad value 'inf' for theta"));
        assert!(err("zipf:pages=99999999").contains("1 to 16777216 pages"));
        assert!(err("hotcold:pages=4,hot=0.1").contains("at least one hot and one cold page"));
        assert!(err("hotcold:pages=4,hot=1").contains("at least one hot and one cold page"));
        assert!(err("seq:pages=4,n=5").contains("use loop"));
        assert!(err("seq:pages=4,warmup=1").contains("bad value '1' for warmup"));
        assert!(err("phases:pages=4,ws=5").contains("bad value '5' for ws"));
        assert!(err("phases:pages=4,every=0").contains("for every"));
        assert!(err("loop:pages=4,n=0").contains("1 to 4294967296 accesses"));
        assert!(err("loop:pages=4,seed").contains("expected KEY=VALUE"));
    }

    #[test]
    fn sequences_follow_their_pattern() {
        let v: Vec<u64> = parse("loop:pages=3,n=7,warmup=2").pages().collect();
        assert_eq!(v, [2, 0, 1, 2, 0, 1, 2]);
        let v: Vec<u64> = parse("seq:pages=5,n=3,warmup=1").pages().collect();
        assert_eq!(v, [1, 2, 3]);
        // phases: a working set of 2 moving by 3 every 4 accesses.
        let w = parse("phases:pages=7,ws=2,every=4,shift=3,n=40");
        for (i, p) in w.pages().enumerate() {
            let start = (i as u64 / 4) * 3 % 7;
            assert!(p == start || p == (start + 1) % 7, "access {i}: page {p}, working set from {start}");
        }
    }

    #[test]
    fn warmup_is_the_head_of_the_same_sequence() {
        for g in ["uniform", "zipf", "hotcold", "phases"] {
            let all: Vec<u64> = parse(&format!("{g}:pages=50,n=300,seed=7")).pages().collect();
            let tail: Vec<u64> = parse(&format!("{g}:pages=50,n=200,warmup=100,seed=7")).pages().collect();
            assert_eq!(all[100..], tail[..], "{g}");
        }
    }

    #[test]
    fn exact_math_is_close_to_the_hosts() {
        for x in [1.0, 2.0, 3.0, 10.0, 12345.0, 1e7, 0.3] {
            assert!((exact_ln(x) - x.ln()).abs() < 1e-14 * x.ln().abs().max(1.0), "ln {x}");
        }
        for y in [0.0, -0.5, -1.0, -7.3, -50.0, 3.0] {
            assert!((exact_exp(y) - y.exp()).abs() <= 1e-14 * y.exp(), "exp {y}");
        }
        assert_eq!(exact_exp(-800.0), 0.0);
    }

    fn machine(settings: &[&str]) -> Kernel {
        let mut cfg = mm_core::MachineConfig::default();
        for s in settings {
            cfg.set_pair(s).expect(s);
        }
        Kernel::new(&cfg).expect("machine")
    }

    #[test]
    fn a_loop_over_twice_ram_misses_on_every_access() {
        let w = parse("loop:size=2M,n=1024,warmup=512");
        let mut k = machine(&["ram=1M", "swap=zram:8M", "page_cluster=0"]);
        let m = w.run(&mut k).expect("run");
        assert_eq!(m.accesses, 1024);
        assert_eq!(m.majflt, 1024, "{m:?}");
        assert_eq!(m.page_ins, 1024, "{m:?}");
        assert_eq!(m.minflt, 0, "{m:?}");
        let pages: Vec<u64> = w.pages().collect();
        assert!(crate::sweep::min::min_page_ins(&pages, 256) < m.page_ins);
    }

    #[test]
    fn a_region_that_fits_takes_no_fault_after_set_up() {
        let w = parse("uniform:size=256K,n=1000,write=0.5");
        let mut k = machine(&["ram=4M"]);
        assert_eq!(w.run(&mut k).expect("run"), Measured { accesses: 1000, minflt: 0, majflt: 0, page_ins: 0 });
    }

    #[test]
    fn a_region_larger_than_memory_and_swap_is_an_error() {
        let w = parse("seq:size=4M");
        let mut k = machine(&["ram=1M"]);
        let e = w.run(&mut k).expect_err("overcommit").to_string();
        assert_eq!(e, "seq:pages=1024,n=1024,warmup=0,write=1,seed=1: mmap failed: ENOMEM (Cannot allocate memory)");
        let mut k = machine(&["ram=1M", "overcommit_memory=1"]);
        let e = w.run(&mut k).expect_err("no swap").to_string();
        assert!(e.starts_with("seq:pages=1024,n=1024,warmup=0,write=1,seed=1: set-up access"), "{e}");
        assert!(e.contains("SIGKILL"), "{e}");
    }

    #[test]
    fn the_sequence_is_pinned() {
        // The same spec gives the same pages on every host and version:
        // these values are part of the format.
        let v: Vec<u64> = parse("zipf:pages=1000,theta=0.99,n=8,seed=1").pages().collect();
        let u: Vec<u64> = parse("uniform:pages=1000,n=8,seed=1").pages().collect();
        assert_eq!(v, [3, 69, 1, 27, 0, 0, 1, 435]);
        // SplitMix64 from seed 1, scaled to 0..1000 by multiplication.
        assert_eq!(u, [566, 745, 971, 444, 444, 762, 877, 523]);
    }
}
