//! A sweep's results as a table for the terminal, as CSV (one row per
//! cell, every counter a column) and as JSON (serde's form of
//! [`Sweep`]); and the files they go to, which are made new unless the
//! user says to replace them.

use super::{Sweep, SweepError};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;

/// The largest results document `mmsim sweep merge` reads.
pub const MAX_JSON_BYTES: u64 = 1 << 30;

/// `n` per 1000 accesses, with one decimal.
fn per_thousand(n: Option<u64>, accesses: Option<u64>) -> String {
    match (n, accesses) {
        (Some(n), Some(a)) if a > 0 => format!("{:.1}", n as f64 * 1000.0 / a as f64),
        _ => "-".to_string(),
    }
}

/// The THP columns of the table, each a vmstat counter: faults that got
/// a huge page and those that fell back (the first two; `thp %` is the
/// share of the first), direct compaction runs, kcompactd wakeups, pages
/// migrated, and the pfns compaction's migrate and free scanners looked
/// at.
pub const THP_COLUMNS: &[(&str, &str)] = &[
    ("thp ok", "thp_fault_alloc"),
    ("thp fallback", "thp_fault_fallback"),
    ("compact stall", "compact_stall"),
    ("kcompactd", "compact_daemon_wake"),
    ("migrated", "pgmigrate_success"),
    ("migrate scanned", "compact_migrate_scanned"),
    ("free scanned", "compact_free_scanned"),
];

/// The table `mmsim sweep` prints: one row per cell, with the axes that
/// take more than one value, the workload, major faults and page-ins (in
/// all and per 1000 accesses), MIN's page-ins per 1000 accesses (the
/// figure to hold page-ins/1k against) and wall time; then the cells
/// that failed, with their errors.  Rates need the number of accesses,
/// which only synthetic workloads have (`-` otherwise).  When a cell
/// took THP faults, the THP columns follow ([`THP_COLUMNS`]).
pub fn table(s: &Sweep) -> String {
    let varying: Vec<&str> = s.axes.iter().filter(|(_, v)| v.len() > 1).map(|(k, _)| k.as_str()).collect();
    let mut head: Vec<String> = varying.iter().map(|k| k.to_string()).collect();
    head.extend(
        ["workload", "majflt", "majflt/1k", "page-ins", "page-ins/1k", "MIN/1k", "wall ms"]
            .iter()
            .map(|h| h.to_string()),
    );
    let thp = s.cells.iter().any(|c| THP_COLUMNS[..2].iter().any(|(_, k)| c.vmstat.get(*k).is_some_and(|&v| v > 0)));
    if thp {
        head.push("thp %".to_string());
        head.extend(THP_COLUMNS.iter().map(|(h, _)| h.to_string()));
    }
    let mut rows = vec![head];
    for c in &s.cells {
        let mut row: Vec<String> = varying.iter().map(|k| c.axes.get(*k).cloned().unwrap_or_default()).collect();
        row.push(c.workload.clone());
        if c.error.is_some() {
            row.extend(["error", "-", "-", "-", "-"].iter().map(|h| h.to_string()));
        } else {
            row.push(c.majflt.to_string());
            row.push(per_thousand(Some(c.majflt), c.accesses));
            row.push(c.page_ins.to_string());
            row.push(per_thousand(Some(c.page_ins), c.accesses));
            row.push(per_thousand(c.min_page_ins, c.accesses));
        }
        row.push(format!("{:.1}", c.wall_ns as f64 / 1e6));
        if thp {
            let v = |k: &str| c.vmstat.get(k).copied().unwrap_or(0);
            let (ok, fallback) = (v(THP_COLUMNS[0].1), v(THP_COLUMNS[1].1));
            row.push(if ok + fallback > 0 {
                format!("{:.1}", ok as f64 * 100.0 / (ok + fallback) as f64)
            } else {
                "-".to_string()
            });
            row.extend(
                THP_COLUMNS.iter().map(|(_, k)| if c.error.is_some() { "-".to_string() } else { v(k).to_string() }),
            );
        }
        rows.push(row);
    }
    let ncols = rows[0].len();
    let widths: Vec<usize> = (0..ncols).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, (v, w)) in r.iter().zip(&widths).enumerate() {
            // Text left, numbers right.
            let text = i <= varying.len();
            let _ = if text { write!(line, "{v:<w$}  ") } else { write!(line, "{v:>w$}  ") };
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for c in s.cells.iter().filter(|c| c.error.is_some()) {
        let axes: Vec<String> = c.axes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "error: cell {} ({} {}): {}",
            c.index,
            axes.join(" "),
            c.workload,
            c.error.as_deref().unwrap_or("")
        );
    }
    out
}

/// A CSV field, quoted when it must be (RFC 4180).
fn field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_string() }
}

/// The CSV form: a header line, then one line per cell, in index order.
/// Columns: `index`, `workload`, each axis by its key, `accesses`,
/// `minflt`, `majflt`, `page_ins`, `min_page_ins`, `min_capacity`,
/// `wall_ns`, `error`, then every `/proc/vmstat` counter as
/// `vmstat.NAME` and every `/proc/meminfo` line as `meminfo.NAME` (kB).
/// A value the cell does not have is empty.
pub fn csv(s: &Sweep) -> String {
    let vmstat: BTreeSet<&str> = s.cells.iter().flat_map(|c| c.vmstat.keys()).map(String::as_str).collect();
    let meminfo: BTreeSet<&str> = s.cells.iter().flat_map(|c| c.meminfo.keys()).map(String::as_str).collect();
    let mut head: Vec<String> = vec!["index".into(), "workload".into()];
    head.extend(s.axes.iter().map(|(k, _)| k.clone()));
    head.extend(
        ["accesses", "minflt", "majflt", "page_ins", "min_page_ins", "min_capacity", "wall_ns", "error"]
            .iter()
            .map(|h| h.to_string()),
    );
    head.extend(vmstat.iter().map(|k| format!("vmstat.{k}")));
    head.extend(meminfo.iter().map(|k| format!("meminfo.{k}")));
    let mut out = String::new();
    let line = |out: &mut String, fields: Vec<String>| {
        out.push_str(&fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    };
    line(&mut out, head);
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for c in &s.cells {
        let mut f = vec![c.index.to_string(), c.workload.clone()];
        f.extend(s.axes.iter().map(|(k, _)| c.axes.get(k).cloned().unwrap_or_default()));
        f.extend([
            opt(c.accesses),
            c.minflt.to_string(),
            c.majflt.to_string(),
            c.page_ins.to_string(),
            opt(c.min_page_ins),
            opt(c.min_capacity),
            c.wall_ns.to_string(),
            c.error.clone().unwrap_or_default(),
        ]);
        f.extend(vmstat.iter().map(|k| opt(c.vmstat.get(*k).copied())));
        f.extend(meminfo.iter().map(|k| opt(c.meminfo.get(*k).copied())));
        line(&mut out, f);
    }
    out
}

/// The JSON form (serde's, of [`Sweep`]), pretty-printed.
pub fn json(s: &Sweep) -> String {
    let mut t = serde_json::to_string_pretty(s).expect("a Sweep is plain data");
    t.push('\n');
    t
}

/// Refuses `path` if it exists and `force` was not given: checked before
/// a sweep starts, so that a long sweep does not end on a refusal.
pub fn check_new(path: &Path, force: bool) -> Result<(), SweepError> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(SweepError::Write {
            path: path.display().to_string(),
            error: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it exists (--force replaces it)"),
        });
    }
    Ok(())
}

/// Writes a sweep's `--json` and `--csv` files, each new unless `force`.
pub fn write_results(
    s: &Sweep,
    json_path: Option<&Path>,
    csv_path: Option<&Path>,
    force: bool,
) -> Result<(), SweepError> {
    if let Some(p) = json_path {
        write_new(p, &json(s), force)?;
    }
    if let Some(p) = csv_path {
        write_new(p, &csv(s), force)?;
    }
    Ok(())
}

/// Writes `text` to a new file `path`; an existing file is replaced only
/// with `force`.
pub fn write_new(path: &Path, text: &str, force: bool) -> Result<(), SweepError> {
    open_new(path, force).and_then(|mut f| f.write_all(text.as_bytes())).map_err(|error| {
        let error = if error.kind() == std::io::ErrorKind::AlreadyExists {
            std::io::Error::new(error.kind(), "it exists (--force replaces it)")
        } else {
            error
        };
        SweepError::Write { path: path.display().to_string(), error }
    })
}

/// Opens `path` to write a file mmsim makes: a new file, or with `force`
/// the existing one truncated; without `force` an existing file is an
/// `AlreadyExists` error and stays as it was.
pub(crate) fn open_new(path: &Path, force: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    o.open(path)
}

/// Reads a results document `mmsim sweep --json` wrote.
pub fn read_json(path: &Path) -> Result<Sweep, SweepError> {
    let name = path.display().to_string();
    let mut text = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_JSON_BYTES + 1).read_to_end(&mut text))
        .map_err(|error| SweepError::Read { path: name.clone(), error })?;
    if text.len() as u64 > MAX_JSON_BYTES {
        return Err(SweepError::Merge(format!("{name}: larger than {MAX_JSON_BYTES} bytes")));
    }
    // The version first, so that another version's document is named as
    // such rather than as a field serde misses.
    let v: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| SweepError::Merge(format!("{name}: not JSON: {e}")))?;
    match v.get("mmsim_sweep").and_then(serde_json::Value::as_u64) {
        Some(n) if n == u64::from(super::SWEEP_FORMAT) => {}
        Some(n) => {
            return Err(SweepError::Merge(format!(
                "{name}: sweep results of format {n}; this mmsim reads format {}",
                super::SWEEP_FORMAT
            )));
        }
        None => return Err(SweepError::Merge(format!("{name}: not the results of mmsim sweep (no mmsim_sweep)"))),
    }
    serde_json::from_value(v).map_err(|e| SweepError::Merge(format!("{name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Axis, Plan, Shard, Source, SweepOptions, Workload, sweep};

    fn plan() -> Plan {
        let w = |name: &str, text: &str| Workload {
            name: name.to_string(),
            source: Source::Scenario(crate::scenario::parse(text.as_bytes()).expect("parses")),
            file: None,
        };
        let text = "mmap(0, 0x40000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n\
                    store $a 0x40000 1\nload $a 0x40000\n";
        Plan::new(
            vec![
                Axis::new("ram", "64K,512K,1M").expect("ram"),
                Axis::new("swap", "zram:1M").expect("swap"),
                Axis::new("reclaim", "lru,clock").expect("reclaim"),
            ],
            vec![w("touch, \"quoted\"", text), w("empty", "dump\n")],
        )
        .expect("plan")
    }

    /// Without the host's time, the merge of the shards is the unsharded
    /// sweep, in any order of the parts.
    #[test]
    fn merged_shards_are_the_whole_sweep() {
        let p = plan();
        let opts = |shard| SweepOptions { jobs: Some(2), shard, progress: false };
        let whole = sweep(&p, &opts(None)).expect("sweep");
        let parts: Vec<(String, Sweep)> = [3, 1, 2]
            .iter()
            .map(|&i| (format!("s{i}"), sweep(&p, &opts(Some(Shard { index: i, count: 3 }))).expect("shard")))
            .collect();
        assert_eq!(parts[1].1.cells.iter().map(|c| c.index).collect::<Vec<_>>(), [0, 3, 6, 9]);
        let no_wall = |mut s: Sweep| {
            s.cells.iter_mut().for_each(|c| c.wall_ns = 0);
            s
        };
        let merged = Sweep::merge(parts.clone()).expect("merge");
        assert_eq!(no_wall(merged), no_wall(whole.clone()));
        // Through JSON too.
        let back: Sweep = serde_json::from_str(&json(&whole)).expect("json");
        assert_eq!(back, whole);

        let e = Sweep::merge(parts[..2].to_vec()).unwrap_err();
        assert_eq!(e, "4 of the sweep's 12 cells are missing (the first: cell 1): a shard is not there");
        let mut twice = parts.clone();
        twice.push(("again".into(), parts[0].1.clone()));
        assert_eq!(Sweep::merge(twice).unwrap_err(), "again: cell 2: given twice");
        let mut other = parts.clone();
        other[1].1.axes[0].1.push("2M".into());
        assert!(Sweep::merge(other).unwrap_err().starts_with("s1 is not a shard of the same sweep as s3"));
        let mut moved = parts.clone();
        moved[0].1.shard = Some((1, 3));
        assert_eq!(Sweep::merge(moved).unwrap_err(), "s3: cell 2: not in shard 1/3");
    }

    #[test]
    fn the_table_and_csv_show_every_cell() {
        let s = sweep(&plan(), &SweepOptions { jobs: Some(1), ..SweepOptions::default() }).expect("sweep");
        let t = table(&s);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("ram   reclaim  workload"), "{t}");
        assert!(!lines[0].contains("swap"), "a fixed setting is no column: {t}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("64K ")).count(), 4, "{t}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("error: cell ")).count(), 4, "{t}");
        let c = csv(&s);
        let rows: Vec<&str> = c.lines().collect();
        assert_eq!(rows.len(), 13);
        let head: Vec<&str> = rows[0].split(',').collect();
        assert_eq!(&head[..5], ["index", "workload", "ram", "swap", "reclaim"]);
        assert!(head.contains(&"vmstat.pswpout") && head.contains(&"meminfo.MemTotal"));
        assert!(rows[1].starts_with("0,\"touch, \"\"quoted\"\"\",64K,zram:1M,lru,"), "{}", rows[1]);
        // The 512K machine swaps the 256K region out under pressure.
        let ok = &s.cells[4];
        assert_eq!((ok.error.as_deref(), ok.axes["ram"].as_str()), (None, "512K"));
        assert!(ok.minflt >= 64, "{ok:?}");
    }

    #[test]
    fn output_files_are_new_unless_forced() {
        let dir = std::env::temp_dir().join(format!("mmsim-sweep-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("r.json");
        std::fs::write(&f, "mine").expect("write");
        let e = write_new(&f, "{}", false).unwrap_err().to_string();
        assert!(e.contains("it exists (--force replaces it)"), "{e}");
        assert!(check_new(&f, false).is_err() && check_new(&f, true).is_ok());
        assert_eq!(std::fs::read_to_string(&f).expect("read"), "mine");
        write_new(&f, "{\"mmsim_sweep\": 7}", true).expect("forced");
        let e = read_json(&f).unwrap_err().to_string();
        assert_eq!(e, format!("{}: sweep results of format 7; this mmsim reads format 1", f.display()));
        std::fs::write(&f, "[1]").expect("write");
        assert!(read_json(&f).unwrap_err().to_string().contains("not the results of mmsim sweep"));
        std::fs::remove_dir_all(&dir).expect("clean");
    }
}
