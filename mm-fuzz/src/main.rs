//! A mutational fuzzer for the targets of `mm-fuzz`, on any toolchain.
//!
//! ```text
//! mm-fuzz TARGET --seconds N [--corpus DIR] [--findings DIR] [--seed S]
//! mm-fuzz TARGET --replay FILE...
//! ```
//!
//! It takes the seeds of `DIR` (default `mm-fuzz/corpus/TARGET`), mutates
//! them (bit flips, interesting bytes, inserted, deleted and copied runs,
//! splices of two seeds, for images mostly in the metadata at the start; for scenarios also line-level edits and numbers
//! and flag names swapped for others) and runs each mutant through the
//! target for `N` seconds.  A mutant that panics is saved as
//! `FINDINGS/TARGET/crash-HASH` (default `mm-fuzz/findings`); the input
//! being run is always in `FINDINGS/TARGET/current`, so an input that
//! aborts the process is not lost.  No coverage feedback: the cargo-fuzz
//! harness in `fuzz/` has it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, b'0', b'\n', b' ', b',', b'|', b'(', b')', b'x', b'-'];
/// Numbers a scenario token may become.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "4095",
    "4096",
    "4097",
    "0x1000",
    "0x200000",
    "0x100000000",
    "0x7ffffffff000",
    "0xffffffffffffffff",
    "-1",
    "3",
    "64",
    "0x40000",
];

/// Byte-level mutations; three in four bit flips and interesting bytes
/// land in the first `focus` bytes (an image's metadata).
fn mutate_bytes(rng: &mut Rng, d: &mut Vec<u8>, other: &[u8], focus: usize) {
    let at = |rng: &mut Rng, len: usize| if rng.below(4) == 0 { rng.below(len) } else { rng.below(len.min(focus)) };
    match rng.below(7) {
        0 if !d.is_empty() => {
            let i = at(rng, d.len());
            d[i] ^= 1 << rng.below(8);
        }
        1 if !d.is_empty() => {
            let i = at(rng, d.len());
            d[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        2 if !d.is_empty() => {
            let i = rng.below(d.len());
            let n = 1 + rng.below(16.min(d.len() - i));
            d.drain(i..i + n);
        }
        3 => {
            let i = rng.below(d.len() + 1);
            let n = 1 + rng.below(16);
            let b = rng.next() as u8;
            d.splice(i..i, std::iter::repeat_n(b, n));
        }
        4 if !d.is_empty() => {
            // Copy a run of the input elsewhere in it.
            let (s, t) = (rng.below(d.len()), rng.below(d.len()));
            let n = 1 + rng.below(32.min(d.len() - s));
            let run: Vec<u8> = d[s..s + n].to_vec();
            d.splice(t..t, run);
        }
        5 if !other.is_empty() => {
            // Splice: our head, the other's tail.
            let i = rng.below(d.len() + 1);
            let j = rng.below(other.len());
            d.truncate(i);
            d.extend_from_slice(&other[j..]);
        }
        _ if d.len() >= 8 => {
            // A 32-bit word: small changes or random.
            let i = at(rng, d.len() - 3);
            let w = u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
            let w = match rng.below(3) {
                0 => w.wrapping_add(1 + rng.below(16) as u32),
                1 => w.wrapping_sub(1 + rng.below(16) as u32),
                _ => rng.next() as u32,
            };
            d[i..i + 4].copy_from_slice(&w.to_le_bytes());
        }
        _ => d.push(rng.next() as u8),
    }
}

/// Line-level mutations of a scenario (byte 0 is the machine).
fn mutate_lines(rng: &mut Rng, d: &mut Vec<u8>, other: &[u8]) {
    if d.is_empty() {
        d.push(rng.next() as u8);
    }
    let head = d[0];
    let mut lines: Vec<Vec<u8>> = d[1..].split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let others: Vec<&[u8]> = other.get(1..).unwrap_or(&[]).split(|&b| b == b'\n').collect();
    let n = lines.len();
    match rng.below(8) {
        0 if n > 1 => {
            lines.remove(rng.below(n));
        }
        1 => {
            let l = lines[rng.below(n)].clone();
            lines.insert(rng.below(n + 1), l);
        }
        2 if n > 1 => {
            let (a, b) = (rng.below(n), rng.below(n));
            lines.swap(a, b);
        }
        3 if !others.is_empty() => {
            let l = others[rng.below(others.len())].to_vec();
            lines.insert(rng.below(n + 1), l);
        }
        4 | 5 => {
            // A number token becomes another.
            let i = rng.below(n);
            let l = &lines[i];
            let tokens: Vec<(usize, usize)> = token_spans(l).filter(|&(s, _)| l[s].is_ascii_digit()).collect();
            if !tokens.is_empty() {
                let (s, e) = tokens[rng.below(tokens.len())];
                let new = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
                lines[i].splice(s..e, new.iter().copied());
            }
        }
        6 => {
            // A flag name becomes another of any list.
            let i = rng.below(n);
            let l = &lines[i];
            let tokens: Vec<(usize, usize)> = token_spans(l).filter(|&(s, _)| l[s].is_ascii_uppercase()).collect();
            if !tokens.is_empty() {
                let (s, e) = tokens[rng.below(tokens.len())];
                let names: Vec<&str> = [
                    mm_sim::scenario::PROT_NAMES,
                    mm_sim::scenario::MAP_NAMES,
                    mm_sim::scenario::MADV_NAMES,
                    mm_sim::scenario::MREMAP_NAMES,
                    mm_sim::scenario::MSYNC_NAMES,
                    mm_sim::scenario::OPEN_NAMES,
                ]
                .iter()
                .flat_map(|l| l.iter().map(|(n, _)| *n))
                .collect();
                let new = names[rng.below(names.len())].as_bytes();
                lines[i].splice(s..e, new.iter().copied());
            }
        }
        _ => {
            // Another machine.
            d[0] = rng.next() as u8;
            return;
        }
    }
    d.clear();
    d.push(head);
    d.extend_from_slice(&lines.join(&b'\n'));
}

/// Spans of `[A-Za-z0-9_]` runs.
fn token_spans(l: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < l.len() && !word(l[i]) {
            i += 1;
        }
        if i >= l.len() {
            return None;
        }
        let s = i;
        while i < l.len() && word(l[i]) {
            i += 1;
        }
        Some((s, i))
    })
}

fn read_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn hash(d: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    d.hash(&mut h);
    h.finish()
}

fn usage() -> ExitCode {
    let names: Vec<&str> = mm_fuzz::TARGETS.iter().map(|t| t.name).collect();
    eprintln!(
        "usage: mm-fuzz TARGET --seconds N [--corpus DIR] [--findings DIR] [--seed S]\n       \
         mm-fuzz TARGET --replay FILE...\ntargets: {}",
        names.join(", ")
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first().and_then(|n| mm_fuzz::target(n)) else { return usage() };
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seconds = None;
    let mut corpus = crate_dir.join("corpus").join(target.name);
    let mut findings = crate_dir.join("findings");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut seed = now.as_nanos() as u64 ^ u64::from(std::process::id()) << 32;
    let mut replay = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let val = args.get(i + 1).cloned();
        match (args[i].as_str(), val) {
            ("--seconds", Some(v)) => seconds = v.parse::<f64>().ok(),
            ("--corpus", Some(v)) => corpus = v.into(),
            ("--findings", Some(v)) => findings = v.into(),
            ("--seed", Some(v)) => match v.parse() {
                Ok(s) => seed = s,
                Err(_) => return usage(),
            },
            ("--replay", _) => {
                replay = args[i + 1..].to_vec();
                break;
            }
            _ => return usage(),
        }
        i += 2;
    }
    if !replay.is_empty() {
        for f in &replay {
            let d = match std::fs::read(f) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: cannot read {f}: {e}");
                    return ExitCode::from(2);
                }
            };
            (target.fuzz)(&d);
            println!("{f}: ok");
        }
        return ExitCode::SUCCESS;
    }
    let Some(seconds) = seconds.filter(|s| *s > 0.0) else { return usage() };
    let seeds = read_corpus(&corpus);
    if seeds.is_empty() {
        eprintln!("error: no seed in {}", corpus.display());
        return ExitCode::from(2);
    }
    let out = findings.join(target.name);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let current = out.join("current");
    // One line per panic, not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let mut rng = Rng(seed | 1);
    // Where an ext4 image keeps its superblock, group descriptors, bitmaps,
    // inode table and first directories.
    let focus = if target.name == "ext4" { 16 << 10 } else { usize::MAX };
    println!("{}: {} seeds from {}, seed {seed}", target.name, seeds.len(), corpus.display());
    let (start, end) = (Instant::now(), Instant::now() + Duration::from_secs_f64(seconds));
    let (mut execs, mut crashes, mut next_report) = (0u64, 0u64, start + Duration::from_secs(10));
    while Instant::now() < end {
        let mut d = seeds[rng.below(seeds.len())].clone();
        let other = &seeds[rng.below(seeds.len())];
        for _ in 0..1 + rng.below(4) {
            if target.name == "scenario" && rng.below(2) == 0 {
                mutate_lines(&mut rng, &mut d, other);
            } else {
                mutate_bytes(&mut rng, &mut d, other, focus);
            }
        }
        let _ = std::fs::write(&current, &d);
        let r = std::panic::catch_unwind(|| (target.fuzz)(&d));
        execs += 1;
        if r.is_err() {
            crashes += 1;
            let f = out.join(format!("crash-{:016x}", hash(&d)));
            match std::fs::write(&f, &d) {
                Ok(()) => println!("crash saved to {}", f.display()),
                Err(e) => eprintln!("error: cannot save {}: {e}", f.display()),
            }
        }
        if Instant::now() >= next_report {
            let t = start.elapsed().as_secs_f64();
            println!("{execs} execs, {:.0} execs/s, {crashes} crashes", execs as f64 / t);
            next_report += Duration::from_secs(10);
        }
    }
    let _ = std::fs::remove_file(&current);
    let t = start.elapsed().as_secs_f64();
    println!("{}: {execs} execs in {t:.1} s, {:.0} execs/s, {crashes} crashes", target.name, execs as f64 / t);
    if crashes > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
