//! The runner itself (Linux, x86-64): set-up, one function per kind of
//! line, the dump, and the supervisor of several processes.

use super::RealOptions;
use super::access::{Raised, install_handler, load_byte, store_byte};
use super::host_settings::{self, Wanted};
use super::out::{Fixed, Hex, Out};
use crate::bundle::MAX_BUNDLE_BYTES;
use crate::scenario::{
    Expect, KHUGEPAGED_FULL_SCANS, Line, MAX_LOAD_PAGES, MAX_PROCS, NAMED_WINDOW_END, NameRef, Op, Scenario, parse,
};
use mm_core::errno::Errno;
use std::ffi::{CStr, CString};
use std::fmt::Write as _;
use std::io::Read as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the program break is moved before the first line.
pub(super) const BRK_BASE: u64 = 0x2_0000_0000;
const PAGE: u64 = mm_core::PAGE_SIZE;
/// Standard output's buffer.
const OUT_BYTES: usize = 1 << 20;
/// The most of `/proc/self/maps` a dump reads.
const MAPS_BYTES: usize = 32 << 20;
/// The most of `/proc/self/smaps` a `dump smaps` reads.
const SMAPS_BYTES: usize = 32 << 20;
/// The smaps fields `dump smaps` prints, in kB, in this order.
const SMAPS_FIELDS: [&str; 9] =
    ["Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous", "Swap", "Locked"];
/// (v1.4) The simulator's `mmap_base` (no randomization, an 8 MiB stack
/// limit).
const SIM_MMAP_BASE: u64 = 0x7fff_f7ff_f000;
/// (v1.4) The runner's kernel-chosen mappings start 1 GiB below it (see
/// [`reserve_named_area`]).
const NAMED_AREA_TOP: u64 = SIM_MMAP_BASE - (1 << 30);
/// Pagemap entries read at a time.
const PM_ENTRIES: usize = 1 << 16;
/// The `present` line's buffer.
const PRESENT_BYTES: usize = 1 << 20;
/// A `file` line's contents are written this much at a time.
/// The `write`s that make a `file` line's file: their size decides the
/// folio sizes of a tmpfs with huge pages, as the simulator assumes.
const IO_BYTES: usize = mm_core::fs::shmem::FILE_WRITE_CHUNK as usize;
/// The runner's own mappings remembered for re-faulting after a fork.
const MAX_OWN: usize = 1024;
/// Set in the environment of the re-executed runner.
const REEXEC_ENV: &str = "MMSIM_REAL_REEXEC";
/// The scenario's pipes sit at and above this descriptor.
const PIPE_FD_BASE: libc::c_int = 800;

/// `struct prctl_mm_map` (include/uapi/linux/prctl.h).
#[repr(C)]
struct PrctlMmMap {
    start_code: u64,
    end_code: u64,
    start_data: u64,
    end_data: u64,
    start_brk: u64,
    brk: u64,
    start_stack: u64,
    arg_start: u64,
    arg_end: u64,
    env_start: u64,
    env_end: u64,
    auxv: *mut u64,
    auxv_size: u32,
    exe_fd: u32,
}

/// (v1.6) `struct pm_scan_arg` (include/uapi/linux/fs.h): the
/// `PAGEMAP_SCAN` ioctl of `/proc/PID/pagemap`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// (v1.6) `struct page_region`: pages `[start, end)` with `categories`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// `PAGE_IS_PRESENT`, `PAGE_IS_PFNZERO`, `PAGE_IS_HUGE`.
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_PFNZERO: u64 = 1 << 5;
const PAGE_IS_HUGE: u64 = 1 << 6;
/// `PAGEMAP_SCAN`: `_IOWR('f', 16, struct pm_scan_arg)`.
const PAGEMAP_SCAN: libc::c_ulong =
    (3 << 30) | ((std::mem::size_of::<PmScanArg>() as libc::c_ulong) << 16) | ((b'f' as libc::c_ulong) << 8) | 16;
/// Regions one `PAGEMAP_SCAN` call returns at most.
const SCAN_REGIONS: usize = 512;
/// The `huge` and `huge_zero` lines' buffers.
const HUGE_BYTES: usize = 1 << 18;

/// (v1.4) A name's value, in a `MAP_SHARED` page every scenario process
/// sees: its address and region length (0: no region), once bound.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct NameVal {
    v: u64,
    len: u64,
    bound: u64,
}

/// A message to the supervisor: `kind` 1 an `exit` line (then `next`
/// runs from line index `idx`), 2 the end of the scenario.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SupMsg {
    kind: i32,
    pid: i32,
    next: i32,
    idx: i32,
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The name of an error number (`E???` for one mmsim does not know).
fn err_name(e: i32) -> &'static str {
    Errno::ALL.iter().find(|x| **x as i32 == e).map_or("E???", |x| x.name())
}

fn rusage_now() -> (i64, i64) {
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut r);
        (r.ru_minflt, r.ru_majflt)
    }
}

/// Reads the whole of a /proc file into `buf` (at most its length less
/// one byte); the number of bytes, or `None` if it cannot be opened.
fn read_all(path: &CStr, buf: &mut [u8]) -> Option<usize> {
    // SAFETY: plain open/read/close into a slice of the given length.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return None;
        }
        let mut n = 0;
        while n + 1 < buf.len() {
            let r = libc::read(fd, buf[n..].as_mut_ptr().cast(), buf.len() - 1 - n);
            if r <= 0 {
                break;
            }
            n += r as usize;
        }
        libc::close(fd);
        Some(n)
    }
}

/// `%lx` at the start of `s`: the value and the rest.
fn hex_prefix(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if n == 0 || n > 16 {
        return None;
    }
    let v = s[..n].iter().fold(0u64, |v, &b| v << 4 | (b as char).to_digit(16).unwrap_or(0) as u64);
    Some((v, &s[n..]))
}

/// `START-END` at the start of a maps line.
fn maps_range(line: &[u8]) -> Option<(u64, u64, &[u8])> {
    let (s, rest) = hex_prefix(line)?;
    let (e, rest) = hex_prefix(rest.strip_prefix(b"-")?)?;
    Some((s, e, rest))
}

/// (v1.4) `smaps Rss=N ... Locked=N` ((v1.6) and ` AnonHugePages=N` when
/// not 0): the fields of the block of the smaps text `buf` whose VMA
/// starts at `start` (zeros if none does).
fn show_smap(out: &mut impl std::fmt::Write, buf: &[u8], start: u64) {
    // (v1.6) AnonHugePages, (v1.7) ShmemPmdMapped and FilePmdMapped,
    // each printed only when not 0.
    const HUGE_FIELDS: [&str; 3] = ["AnonHugePages", "ShmemPmdMapped", "FilePmdMapped"];
    let mut vals = [0u64; SMAPS_FIELDS.len() + HUGE_FIELDS.len()];
    let mut inside = false;
    for line in buf.split(|&b| b == b'\n') {
        if let Some((s, _, rest)) = maps_range(line)
            && rest.first() == Some(&b' ')
        {
            if inside {
                break;
            }
            inside = s == start;
            continue;
        }
        if !inside {
            continue;
        }
        for (k, f) in SMAPS_FIELDS.iter().chain(&HUGE_FIELDS).enumerate() {
            if let Some(v) = line.strip_prefix(f.as_bytes()).and_then(|r| r.strip_prefix(b":")) {
                let v = v.trim_ascii_start();
                vals[k] = v
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .fold(0u64, |a, &b| a.wrapping_mul(10).wrapping_add(u64::from(b - b'0')));
            }
        }
    }
    let _ = out.write_str("smaps");
    for (f, v) in SMAPS_FIELDS.iter().zip(vals) {
        let _ = write!(out, " {f}={v}");
    }
    // (v1.6) Only when not zero, as dumps without THP print it.
    for (f, v) in HUGE_FIELDS.iter().zip(&vals[SMAPS_FIELDS.len()..]) {
        if *v != 0 {
            let _ = write!(out, " {f}={v}");
        }
    }
    let _ = out.write_str("\n");
}

/// The scenario's final process and live set (which processes the
/// supervisor ends after the last line).
fn final_processes(s: &Scenario) -> (usize, u64) {
    let (mut cur, mut live) = (0usize, 1u64);
    for l in &s.lines {
        match l.op {
            Op::Fork { child } => live |= 1 << child,
            Op::Process { k } => cur = k,
            Op::Exit { proc, next } => {
                live &= !(1 << proc);
                if let Some(n) = next {
                    cur = n;
                }
            }
            _ => {}
        }
    }
    (cur, live)
}

/// Everything a run needs, allocated before its first line.
struct Runner<'a> {
    s: &'a Scenario,
    /// Per line: the C string of a `file` name or an `openat` path's last
    /// component.
    names: Vec<Option<CString>>,
    out: Out,
    maps: Vec<u8>,
    /// (v1.4) A copy of `/proc/self/smaps` per `dump smaps` (empty if the
    /// scenario has none) and the length read.
    smaps: Vec<u8>,
    smaps_len: usize,
    pm: Vec<u64>,
    pres: Fixed,
    /// (v1.6) The `huge` and `huge_zero` lines being built, the run of
    /// each not yet written, and `PAGEMAP_SCAN`'s regions.
    huge: [Fixed; 2],
    huge_run: [Option<(u64, u64)>; 2],
    scan: Vec<PageRegion>,
    /// (v1.6) The kernel refused `PAGEMAP_SCAN` (older than 6.7): dumps
    /// print no `huge` lines (said once on stderr).
    no_scan: bool,
    /// (v1.4) The names' values: `s.names.len()` entries in a shared
    /// mapping (null without names).
    namevals: *mut NameVal,
    /// (v1.4) A dump's spans of one VMA whose present pages it shows (the
    /// window's part and the named regions'), sized before the run.
    spans: Vec<(u64, u64)>,
    loadvals: Vec<u8>,
    /// `mincore`'s vector.
    mincore_vec: Vec<u8>,
    io: Vec<u8>,
    /// The temporary directory, as `mkdtemp` filled it in (NUL-ended).
    tmpdir: Vec<u8>,
    /// (v1.7) The `huge=` mount option of a private tmpfs mounted on the
    /// temporary directory (`machine tmpfs_huge=X` other than `never`),
    /// and whether it is mounted.
    tmpfs_huge: Option<CString>,
    tmpfs_mounted: bool,
    /// (v1.8) The files live on ext4 (`machine files_on=ext4`): dropped
    /// from the page cache once written.
    on_ext4: bool,
    /// `tmpdir` exists (and is removed at the end).
    tmp_made: bool,
    tot_min: i64,
    tot_maj: i64,
    /// Several processes (a `fork` line).
    multi: bool,
    /// This process's number.
    me: usize,
    /// The process that runs the set-up, then supervises.
    origin: libc::pid_t,
    tok_r: [libc::c_int; MAX_PROCS],
    tok_w: [libc::c_int; MAX_PROCS],
    sup_r: libc::c_int,
    sup_w: libc::c_int,
    /// The runner's own mappings (start, end, writable).
    own: Vec<(u64, u64, bool)>,
    /// The output file `-o` created (removed if the run fails).
    created: Option<std::path::PathBuf>,
    /// (v1.7) The process that keeps khugepaged's list from being empty
    /// (0: none; see [`start_khugepaged_keeper`]).
    keeper: libc::pid_t,
}

/// Re-executes the runner once, with address-space randomization off and
/// without the 1 GiB arena mimalloc (mmsim's allocator) reserves at start:
/// the runner's `mlockall` would fault all of it in before every run.
fn reexec_without_aslr() {
    const ARENA: &str = "MIMALLOC_ARENA_RESERVE";
    if std::env::var_os(REEXEC_ENV).is_some() {
        return;
    }
    // SAFETY: personality(0xffffffff) only queries.
    let pers = unsafe { libc::personality(0xffff_ffff) };
    if pers == -1 {
        return;
    }
    let no_arena = std::env::var_os(ARENA).is_some_and(|v| v == "0");
    if pers & libc::ADDR_NO_RANDOMIZE != 0 && no_arena {
        return;
    }
    // SAFETY: sets this process's execution domain flags.
    if unsafe { libc::personality((pers | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) } == -1 {
        return;
    }
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_default();
    // Only returns if the exec failed: go on as we are then.
    let _ =
        std::process::Command::new("/proc/self/exe").arg0(arg0).args(args).env(REEXEC_ENV, "1").env(ARENA, "0").exec();
}

/// `mmsim real`.
pub(super) fn real(opts: &RealOptions) -> ExitCode {
    reexec_without_aslr();
    let path = &opts.file;
    let src = match std::fs::File::open(path).and_then(|f| {
        let mut v = Vec::new();
        f.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut v).map(|_| v)
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if src.len() as u64 > MAX_BUNDLE_BYTES {
        eprintln!("error: {} is larger than {MAX_BUNDLE_BYTES} bytes, the most mmsim reads", path.display());
        return ExitCode::from(2);
    }
    let s = match parse(&src) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    drop(src);
    if let Some(m) = s.machine.first() {
        // The lines are the simulator's; the host's kernel runs as it is.
        eprintln!("note: line {}: machine lines set up the simulator; the host runs with its own settings", m.line);
    }
    // Every run holds the lock shared, a run that changes settings
    // exclusively: no run sees another's settings.  Without a lock file
    // (not root), only a change needs one.
    let _lock = match host_settings::lock(&host_settings::lock_path(), opts.change_host_settings) {
        Ok(f) => Some(f),
        Err(e) if opts.change_host_settings => {
            eprintln!("error: cannot lock {}: {e}", host_settings::lock_path().display());
            return ExitCode::from(2);
        }
        Err(_) => None,
    };
    // (v1.6) THP settings: the host's must be the ones asked for, or
    // (v1.7, `--change-host-settings`) are made so for the run.
    let mut wanted = Vec::new();
    for m in &s.machine {
        if let Some(path) = thp_sysfs_path(&m.key) {
            let host = host_thp_setting(&path);
            if host.as_deref().is_none_or(|h| !same_setting(h, &m.value)) {
                if opts.change_host_settings {
                    wanted.push(Wanted { line: m.line, key: m.key.clone(), path: path.into(), value: m.value.clone() });
                    continue;
                }
                eprintln!(
                    "error: line {}: machine: {}={}, but this host has {} ({}); mmsim real does not change the host's settings unless --change-host-settings is given",
                    m.line,
                    m.key,
                    m.value,
                    host.as_deref().unwrap_or("no such setting"),
                    path
                );
                return ExitCode::from(2);
            }
        }
    }
    // (v1.8) Files on ext4 are read with the device's readahead window:
    // the scenario's `read_ahead_kb` must be the host's.
    if files_on_ext4(&s) {
        let base = files_dir_base(true);
        let want = s
            .machine
            .iter()
            .rev()
            .find(|m| m.key.replace('-', "_") == "read_ahead_kb")
            .map_or("128", |m| m.value.trim());
        match host_read_ahead_kb(Path::new(&base)) {
            Some(h) if h.to_string() == want => {}
            Some(h) => {
                eprintln!(
                    "error: machine: files_on=ext4 with read_ahead_kb={want}, but the device of {} has read_ahead_kb={h}; give read_ahead_kb={h} (mmsim real does not change it)",
                    Path::new(&base).display()
                );
                return ExitCode::from(2);
            }
            None => {
                eprintln!(
                    "error: machine: files_on=ext4, but {} is on no block device whose read_ahead_kb sysfs shows ($MM_ORACLE_EXT4DIR must be a directory on ext4)",
                    Path::new(&base).display()
                );
                return ExitCode::from(2);
            }
        }
    }
    let thp_advice = s.lines.iter().any(|l| {
        matches!(l.op, Op::Madvise { advice, .. }
            if crate::scenario::THP_ADVICE.iter().any(|a| a.raw() == u64::from(advice as u32)))
    });
    if thp_advice {
        for (key, default) in THP_DEFAULTS {
            let asked = s.machine.iter().any(|m| m.key == key);
            let path = thp_sysfs_path(key).expect("a THP key");
            if let Some(h) = host_thp_setting(&path)
                && !asked
                && !same_setting(&h, default)
            {
                eprintln!("note: this host has {key}={h}, the model's default is {default}: THP lines may differ");
            }
        }
    }
    let created = match &opts.output {
        Some(o) => match open_output(path, o, opts.force) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    if !wanted.is_empty() {
        match host_settings::apply(&wanted, |p| host_thp_setting(&p.to_string_lossy())) {
            Ok(notes) => notes.iter().for_each(|n| eprintln!("{n}")),
            Err(e) => {
                eprintln!("error: {e}");
                if let Some(p) = created {
                    let _ = std::fs::remove_file(p);
                }
                return ExitCode::from(2);
            }
        }
    }
    let code = run(&s, created);
    restore_host_settings();
    ExitCode::from(code)
}

/// (v1.7) The mount option of the private tmpfs a scenario's files live
/// on: `huge=X` for the last `tmpfs_huge=X` of its machine lines other
/// than `never`; `None` for none (the files go to `$MM_ORACLE_TMPDIR`).
fn tmpfs_huge_option(s: &Scenario) -> Option<CString> {
    let v = s.machine.iter().rev().find(|m| m.key == "tmpfs_huge")?;
    let v = v.value.trim();
    if v == "never" {
        return None;
    }
    CString::new(format!("huge={v}")).ok()
}

/// (v1.8) Whether the scenario's files live on ext4: the last
/// `files_on` of its machine lines is `ext4`.
fn files_on_ext4(s: &Scenario) -> bool {
    s.machine.iter().rev().find(|m| m.key.replace('-', "_") == "files_on").is_some_and(|m| m.value.trim() == "ext4")
}

/// The directory the run's temporary directory is made in:
/// `$MM_ORACLE_TMPDIR` (default `/dev/shm`, a tmpfs), or (v1.8) for files
/// on ext4 `$MM_ORACLE_EXT4DIR` (default `/var/tmp`).
fn files_dir_base(on_ext4: bool) -> std::ffi::OsString {
    let (var, default) = if on_ext4 { ("MM_ORACLE_EXT4DIR", "/var/tmp") } else { ("MM_ORACLE_TMPDIR", "/dev/shm") };
    std::env::var_os(var).filter(|b| !b.is_empty()).unwrap_or_else(|| default.into())
}

/// `EXT4_SUPER_MAGIC` (ext2 and ext3 share it).
const EXT4_SUPER_MAGIC: i64 = 0xef53;

/// (v1.8) `dir` is on ext4 (`statfs`).
fn check_ext4_dir(dir: &Path) -> Result<(), String> {
    let c = CString::new(dir.as_os_str().as_bytes()).map_err(|_| "bad directory name".to_string())?;
    // SAFETY: statfs fills the zeroed struct for a NUL-ended path.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return Err(format!("statfs {}: {}", dir.display(), std::io::Error::last_os_error()));
    }
    if st.f_type as i64 != EXT4_SUPER_MAGIC {
        return Err(format!(
            "{} is not on ext4 (statfs type {:#x}): files_on=ext4 needs $MM_ORACLE_EXT4DIR on ext4",
            dir.display(),
            st.f_type
        ));
    }
    Ok(())
}

/// (v1.8) `read_ahead_kb` of the block device that holds `dir`: its
/// queue's, or for a partition its disk's; `None` if sysfs does not say.
fn host_read_ahead_kb(dir: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let dev = std::fs::metadata(dir).ok()?.dev();
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    let base = format!("/sys/dev/block/{major}:{minor}");
    [format!("{base}/queue/read_ahead_kb"), format!("{base}/../queue/read_ahead_kb")]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .and_then(|v| v.trim().parse().ok())
}

/// (v1.7) Puts back the settings `--change-host-settings` wrote (once;
/// only in the process that wrote them), saying which it could not.
fn restore_host_settings() {
    for w in host_settings::restore() {
        eprintln!("{w}");
    }
}

/// (v1.6) The THP settings whose host value a scenario with THP advice
/// depends on, and the model's defaults (docs/scenario-format.md,
/// "Transparent huge pages").
const THP_DEFAULTS: [(&str, &str); 3] =
    [("thp_enabled", "madvise"), ("thp_defrag", "madvise"), ("thp_use_zero_page", "1")];

/// (v1.6) The sysfs file of a THP machine key (`-` or `_`), if it is one:
/// `thp_enabled` is `/sys/kernel/mm/transparent_hugepage/enabled`,
/// `thp_enabled_64k` its `hugepages-64kB/enabled`, `khugepaged_defrag` its
/// `khugepaged/defrag`.
fn thp_sysfs_path(key: &str) -> Option<String> {
    const DIR: &str = "/sys/kernel/mm/transparent_hugepage";
    let key = key.replace('-', "_");
    let file = match key.as_str() {
        "thp_enabled" | "thp_defrag" | "thp_shmem_enabled" | "thp_use_zero_page" => key[4..].to_string(),
        k => {
            if let Some(size) = k.strip_prefix("thp_enabled_") {
                let kb = size.strip_suffix('k').filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))?;
                format!("hugepages-{kb}kB/enabled")
            } else {
                format!("khugepaged/{}", k.strip_prefix("khugepaged_").filter(|t| !t.is_empty())?)
            }
        }
    };
    Some(format!("{DIR}/{file}"))
}

/// (v1.6) A sysfs setting as the host has it: the bracketed word of a
/// list (`always [madvise] never`), or the whole text.
fn host_thp_setting(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(selected_word(&text).to_string())
}

/// The `[chosen]` word of a sysfs list, or the text trimmed.
fn selected_word(text: &str) -> &str {
    match (text.find('['), text.find(']')) {
        (Some(a), Some(b)) if a < b => &text[a + 1..b],
        _ => text.trim(),
    }
}

/// (v1.6) Whether the host's `host` is the machine line's `value`:
/// words compare as they are, numbers by value, `0`/`1` also as `--set`
/// spells booleans.
fn same_setting(host: &str, value: &str) -> bool {
    let value = value.trim();
    if host == value {
        return true;
    }
    let boolean = |v: &str| match v {
        "1" | "true" | "yes" | "on" => Some(1),
        "0" | "false" | "no" | "off" => Some(0),
        _ => v.parse::<u64>().ok(),
    };
    matches!((boolean(host), boolean(value)), (Some(a), Some(b)) if a == b)
}

/// Why the run's output file cannot be used.
#[derive(Debug, thiserror::Error)]
enum OutputError {
    #[error("{} exists (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    #[error("{} is the scenario itself", .0.display())]
    IsTheScenario(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Opens `out` for the run's output and makes it standard output.  An
/// existing file is replaced only with `force`, and never the scenario
/// itself.  Returns the path if this run created the file.
fn open_output(scenario: &Path, out: &Path, force: bool) -> Result<Option<PathBuf>, OutputError> {
    let existed = std::fs::symlink_metadata(out).is_ok();
    if existed && !force {
        return Err(OutputError::Exists(out.to_path_buf()));
    }
    if let (Ok(a), Ok(b)) = (std::fs::metadata(scenario), std::fs::metadata(out))
        && a.dev() == b.dev()
        && a.ino() == b.ino()
    {
        return Err(OutputError::IsTheScenario(out.to_path_buf()));
    }
    let mut oo = std::fs::OpenOptions::new();
    oo.write(true);
    if existed {
        oo.truncate(true);
    } else {
        oo.create_new(true);
    }
    let write = |source| OutputError::Write { path: out.to_path_buf(), source };
    let f = oo.open(out).map_err(write)?;
    use std::os::fd::AsRawFd as _;
    // SAFETY: makes descriptor 1 a copy of the file's; the original is
    // closed when `f` is dropped, so the scenario's descriptors still
    // start at 3.
    if unsafe { libc::dup2(f.as_raw_fd(), 1) } < 0 {
        return Err(write(std::io::Error::last_os_error()));
    }
    Ok((!existed).then(|| out.to_path_buf()))
}

/// The run after parsing; returns the exit status.
fn run(s: &Scenario, created: Option<PathBuf>) -> u8 {
    let uses_brk = s.lines.iter().any(|l| matches!(l.op, Op::Brk { .. }));
    let uses_smaps = s.lines.iter().any(|l| matches!(l.op, Op::Dump { smaps: true, .. }));
    let names = s
        .lines
        .iter()
        .map(|l| match &l.op {
            Op::File { name, .. } => CString::new(name.as_bytes()).ok(),
            Op::Openat { path, .. } => {
                let p = path.as_bytes();
                let base = p.rsplit(|&b| b == b'/').next().unwrap_or(p);
                CString::new(base).ok()
            }
            _ => None,
        })
        .collect();
    let on_ext4 = files_on_ext4(s);
    let base = files_dir_base(on_ext4);
    let mut tmpdir = base.as_bytes().to_vec();
    tmpdir.extend_from_slice(b"/mm-oracle.XXXXXX\0");
    let mut r = Runner {
        s,
        names,
        out: Out::new(OUT_BYTES),
        maps: vec![0; MAPS_BYTES],
        smaps: if uses_smaps { vec![0; SMAPS_BYTES] } else { Vec::new() },
        smaps_len: 0,
        pm: vec![0; PM_ENTRIES],
        pres: Fixed::new(PRESENT_BYTES),
        huge: [Fixed::new(HUGE_BYTES), Fixed::new(HUGE_BYTES)],
        huge_run: [None; 2],
        scan: vec![PageRegion::default(); SCAN_REGIONS],
        no_scan: false,
        namevals: std::ptr::null_mut(),
        spans: Vec::with_capacity(s.names.len() + 1),
        loadvals: vec![0; MAX_LOAD_PAGES as usize],
        mincore_vec: vec![0; MAX_LOAD_PAGES as usize + 2],
        io: vec![0; IO_BYTES],
        tmpdir,
        tmp_made: false,
        tmpfs_huge: tmpfs_huge_option(s),
        tmpfs_mounted: false,
        on_ext4,
        tot_min: 0,
        tot_maj: 0,
        multi: false,
        me: 0,
        // SAFETY: getpid cannot fail.
        origin: unsafe { libc::getpid() },
        tok_r: [-1; MAX_PROCS],
        tok_w: [-1; MAX_PROCS],
        sup_r: -1,
        sup_w: -1,
        own: Vec::with_capacity(MAX_OWN),
        created,
        keeper: 0,
    };
    if s.lines.iter().any(|l| matches!(l.op, Op::Khugepaged)) {
        match start_khugepaged_keeper() {
            Ok(pid) => r.keeper = pid,
            Err(e) => {
                eprintln!("error: khugepaged keeper: {e}");
                r.remove_output();
                return 3;
            }
        }
    }
    // From here on nothing is allocated until the `ok` line.
    // SAFETY: mkdtemp fills in the NUL-ended template in place.
    if unsafe { libc::mkdtemp(r.tmpdir.as_mut_ptr().cast()) }.is_null() {
        let e = std::io::Error::last_os_error();
        eprintln!("error: mkdtemp {}: {e}", String::from_utf8_lossy(&r.tmpdir[..r.tmpdir.len() - 1]));
        r.remove_output();
        return 3;
    }
    r.tmpdir.pop(); // the NUL
    r.tmp_made = true;
    if r.on_ext4 {
        let dir = Path::new(std::ffi::OsStr::from_bytes(&r.tmpdir)).to_path_buf();
        if let Err(e) = check_ext4_dir(&dir) {
            r.fatal(format_args!("{e}"));
        }
    }
    if let Some(opt) = r.tmpfs_huge.clone() {
        r.mount_tmpfs(&opt);
    }
    // SAFETY: chdir to the directory just made (a NUL-ended copy).
    let ok = unsafe {
        let mut p = [0u8; 4096];
        let n = r.tmpdir.len().min(p.len() - 1);
        p[..n].copy_from_slice(&r.tmpdir[..n]);
        libc::chdir(p.as_ptr().cast()) == 0
    };
    if !ok {
        r.fatal(format_args!("chdir: {}", std::io::Error::last_os_error()));
    }
    install_handler();
    if move_brk().is_err() && uses_brk {
        eprintln!(
            "warning: cannot move the program break ({}); brk results will differ",
            std::io::Error::last_os_error()
        );
    }
    pin_cpu();
    if !s.names.is_empty() {
        // Name values shared by every scenario process, and a clean area
        // for kernel-chosen addresses.
        let sz = s.names.len() * std::mem::size_of::<NameVal>();
        // SAFETY: a fresh shared anonymous mapping, zeroed (nothing bound).
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                sz,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            r.fatal(format_args!("mmap names: {}", std::io::Error::last_os_error()));
        }
        r.namevals = p.cast();
        if let Err(e) = reserve_named_area(&mut r.maps) {
            r.fatal(format_args!("{e}"));
        }
    }
    prefault_stack();
    if !s.any_fork {
        // SAFETY: faults in (and then unlocks) every page the runner has.
        unsafe {
            if libc::mlockall(libc::MCL_CURRENT) == 0 {
                libc::munlockall();
            }
        }
        r.exec_ops();
        let _ = writeln!(r.out, "ok {} lines, {} skipped", s.lines.len() + s.nwindow, s.skipped);
        r.out.flush();
        r.cleanup();
        return 0;
    }
    // Several processes: this one supervises, process 0 is its child.
    r.multi = true;
    let (p_cur, p_live) = final_processes(s);
    let nproc = s.lines.iter().filter(|l| matches!(l.op, Op::Fork { .. })).count() + 1;
    for k in 0..nproc {
        let (a, b) = r.make_pipe();
        r.tok_r[k] = a;
        r.tok_w[k] = b;
    }
    (r.sup_r, r.sup_w) = r.make_pipe();
    r.record_own();
    r.out.flush();
    // SAFETY: the runner is single-threaded.
    let p0 = unsafe { libc::fork() };
    if p0 < 0 {
        r.fatal(format_args!("fork: {}", std::io::Error::last_os_error()));
    }
    if p0 == 0 {
        // SAFETY: plain calls in the new process.
        unsafe { libc::setpgid(0, 0) };
        r.me = 0;
        r.prefault_own();
        r.tot_min = 0;
        r.tot_maj = 0;
        r.exec_ops();
        r.out.flush();
        r.send_sup(2, -1, 0);
        // SAFETY: ends process 0 without running the parent's clean-up.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: puts process 0 in its own group, killed as one on failure.
    unsafe { libc::setpgid(p0, p0) };
    if supervise(&r, p0, p_cur, p_live) {
        r.cleanup();
        r.remove_output();
        return 3;
    }
    let _ = writeln!(r.out, "ok {} lines, {} skipped", s.lines.len() + s.nwindow, s.skipped);
    r.out.flush();
    r.cleanup();
    0
}

/// (v1.7) khugepaged's sysfs directory.
const KHUGEPAGED_DIR: &str = "/sys/kernel/mm/transparent_hugepage/khugepaged";

/// (v1.7) A number in a khugepaged sysfs file (`full_scans`, ...), read
/// without allocating.
fn khugepaged_counter(path: &CStr) -> Option<u64> {
    let mut buf = [0u8; 32];
    let n = read_all(path, &mut buf)?;
    let t = buf[..n].trim_ascii();
    if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    t.iter().try_fold(0u64, |v, &b| v.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// (v1.7) Gives `MADV_NOHUGEPAGE` to the runner's own `MADV_HUGEPAGE`
/// memory (mmsim's allocator asks for THP for its arenas, which puts the
/// runner on khugepaged's list at once): khugepaged's work is 512 per
/// block of such a VMA, even one already huge, so each would lengthen
/// every pass of its scan by a wakeup or more; a `VM_NOHUGEPAGE` VMA costs
/// 1.  Runs before any line, so no VMA of the scenario is touched.
fn drop_own_hugepage_advice() -> Result<(), std::io::Error> {
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let mut range = None;
    for line in smaps.lines() {
        if let Some((s, e, rest)) = maps_range(line.as_bytes())
            && rest.first() == Some(&b' ')
        {
            range = Some((s, e));
        } else if let Some(flags) = line.strip_prefix("VmFlags:")
            && flags.split_ascii_whitespace().any(|f| f == "hg")
            && let Some((s, e)) = range.take()
        {
            // SAFETY: flag advice on the runner's own mapping.
            unsafe { libc::madvise(s as *mut libc::c_void, (e - s) as usize, libc::MADV_NOHUGEPAGE) };
        }
    }
    Ok(())
}

/// (v1.7) Starts the keeper of a scenario with a `khugepaged` line: a
/// child that maps one `MADV_HUGEPAGE` block and writes to it, which puts
/// it on khugepaged's list (`__khugepaged_enter`), and then waits to be
/// killed (also when the runner dies: `PR_SET_PDEATHSIG`).  khugepaged
/// sleeps for good while its list is empty, and would then never count
/// the full scans the line waits for in a scenario whose own process it
/// does not know; with the keeper it wakes every `scan_sleep_millisecs`.
/// Returns its pid once it is on the list.
fn start_khugepaged_keeper() -> Result<libc::pid_t, std::io::Error> {
    const BLOCK: usize = 2 << 20;
    drop_own_hugepage_advice()?;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the runner is single-threaded here.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: plain calls in the new process, which never returns.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
            if libc::getppid() != parent {
                libc::_exit(0);
            }
            let p = libc::mmap(
                std::ptr::null_mut(),
                2 * BLOCK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if p != libc::MAP_FAILED {
                let at = (p as usize).next_multiple_of(BLOCK) as *mut libc::c_void;
                libc::madvise(at, BLOCK, libc::MADV_HUGEPAGE);
                std::ptr::write_volatile(at.cast::<u8>(), 1);
            }
            let ok = [u8::from(p != libc::MAP_FAILED)];
            libc::write(fds[1], ok.as_ptr().cast(), 1);
            loop {
                libc::pause();
            }
        }
    }
    let mut ok = [0u8];
    // SAFETY: reads the keeper's one byte, then closes both ends.
    let n = unsafe {
        libc::close(fds[1]);
        let n = libc::read(fds[0], ok.as_mut_ptr().cast(), 1);
        libc::close(fds[0]);
        n
    };
    if n != 1 || ok[0] != 1 {
        // SAFETY: ends and reaps the child just started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        return Err(std::io::Error::other("it could not map its block"));
    }
    Ok(pid)
}

/// Why the named area could not be reserved.
#[derive(Debug, thiserror::Error)]
enum ReserveError {
    #[error("mmap reserve: {0}")]
    Mmap(std::io::Error),
    #[error("maps: {0}")]
    Maps(std::io::Error),
}

/// (v1.4) Makes the kernel place NULL-hint (and moved) mappings as the
/// simulator does relative to each other and to 1 GiB boundaries: every
/// gap of `[NAMED_AREA_TOP, SIM_MMAP_BASE)` is filled with a `PROT_NONE`
/// shared anonymous mapping (a shmem file of its own, so no scenario
/// mapping merges with it), so the top-down search of `vm_unmapped_area`
/// starts at [`NAMED_AREA_TOP`] in an empty area, 1 GiB below the
/// simulator's, which has the same kind of mapping above its mmap_base.
fn reserve_named_area(maps: &mut [u8]) -> Result<(), ReserveError> {
    let fill = |at: u64, len: u64| {
        // SAFETY: MAP_FIXED_NOREPLACE never replaces a mapping.
        let r = unsafe {
            libc::mmap(
                at as *mut libc::c_void,
                len as usize,
                libc::PROT_NONE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE,
                -1,
                0,
            )
        };
        if r as u64 == at { Ok(()) } else { Err(ReserveError::Mmap(std::io::Error::last_os_error())) }
    };
    // SAFETY: getrlimit fills the struct it is given.
    let stack = unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        (libc::getrlimit(libc::RLIMIT_STACK, &mut rl) == 0).then_some(rl.rlim_cur)
    };
    if stack.is_some_and(|c| c == libc::RLIM_INFINITY || c > 100 << 20) {
        eprintln!("warning: the stack limit moves mmap_base; named addresses will differ");
    }
    // The lowest piece has the same ends as the simulator's: the first
    // half of the range.
    let mut cur = NAMED_AREA_TOP;
    fill(cur, 1 << 29)?;
    cur += 1 << 29;
    let n = read_all(c"/proc/self/maps", maps).ok_or_else(|| ReserveError::Maps(std::io::Error::last_os_error()))?;
    let ranges = maps[..n].split(|&b| b == b'\n').filter_map(|l| maps_range(l).map(|(s, e, _)| (s, e)));
    for (s, e) in ranges.chain(std::iter::once((SIM_MMAP_BASE, SIM_MMAP_BASE))) {
        let s = s.min(SIM_MMAP_BASE);
        if s > cur {
            fill(cur, s - cur)?;
        }
        cur = cur.max(e);
        if cur >= SIM_MMAP_BASE {
            break;
        }
    }
    Ok(())
}

/// `$NAME`, `$NAME+0x10`, `$NAME-0x10`.
fn write_name_ref(w: &mut impl std::fmt::Write, name: &str, off: i64) {
    let _ = match off {
        0 => write!(w, "${name}"),
        o if o < 0 => write!(w, "${name}-{:#x}", o.unsigned_abs()),
        o => write!(w, "${name}+{o:#x}"),
    };
}

/// Moves `start_brk` and `brk` to [`BRK_BASE`] with `PR_SET_MM_MAP`, the
/// other fields copied from /proc/self/stat.
fn move_brk() -> Result<(), ()> {
    let mut buf = [0u8; 4096];
    let n = read_all(c"/proc/self/stat", &mut buf).ok_or(())?;
    let buf = &buf[..n];
    let close = buf.iter().rposition(|&b| b == b')').ok_or(())?;
    // Fields by their 1-based number in proc(5); 3 is the first after ')'.
    let mut v = [0u64; 64];
    let mut nf = 3;
    for tok in buf[close + 1..].split(|&b| b == b' ' || b == b'\n').filter(|t| !t.is_empty()) {
        if nf >= 64 {
            break;
        }
        v[nf] = std::str::from_utf8(tok).ok().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        nf += 1;
    }
    if nf < 52 {
        return Err(());
    }
    let m = PrctlMmMap {
        start_code: v[26],
        end_code: v[27],
        start_data: v[45],
        end_data: v[46],
        start_brk: BRK_BASE,
        brk: BRK_BASE,
        start_stack: v[28],
        arg_start: v[48],
        arg_end: v[49],
        env_start: v[50],
        env_end: v[51],
        auxv: std::ptr::null_mut(),
        auxv_size: 0,
        exe_fd: u32::MAX,
    };
    // SAFETY: PR_SET_MM_MAP reads the struct of the size given.
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_MM,
            libc::PR_SET_MM_MAP as libc::c_ulong,
            &m as *const PrctlMmMap as libc::c_ulong,
            std::mem::size_of::<PrctlMmMap>() as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    if r == 0 { Ok(()) } else { Err(()) }
}

/// Stays on the current CPU: `lru_add_drain()` drains only the local
/// CPU's LRU batches, which decide what `MADV_PAGEOUT` can isolate.
fn pin_cpu() {
    // SAFETY: affinity of this thread to one CPU.
    unsafe {
        let cpu = libc::sched_getcpu();
        let mut cs: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut cs);
        libc::CPU_SET(if cpu < 0 { 0 } else { cpu as usize }, &mut cs);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &cs);
    }
}

/// Touches 1 MiB of stack below the caller, so the lines' own calls find
/// their stack pages present.
#[inline(never)]
fn prefault_stack() {
    let mut big = [0u8; 1 << 20];
    for i in (0..big.len()).step_by(256) {
        // SAFETY: an in-bounds volatile write.
        unsafe { std::ptr::write_volatile(&mut big[i], 0) };
    }
    std::hint::black_box(&big);
}

impl Runner<'_> {
    /// (v1.4) The names' values (empty without names).
    fn names(&self) -> &[NameVal] {
        if self.namevals.is_null() {
            return &[];
        }
        // SAFETY: `s.names.len()` entries mapped before the first line
        // and never unmapped; only this process writes while it runs.
        unsafe { std::slice::from_raw_parts(self.namevals, self.s.names.len()) }
    }

    /// (v1.4) The address `r` stands for.
    fn resolve(&self, r: NameRef) -> u64 {
        self.names()[r.name].v.wrapping_add(r.off as u64)
    }

    /// (v1.4) Name `i`'s region `[v, end)`, if bound to one.
    fn region(&self, i: usize) -> Option<(u64, u64)> {
        let n = self.names()[i];
        (n.bound != 0 && n.len != 0).then(|| (n.v, n.v.saturating_add(n.len)))
    }

    /// (v1.4) The name an address is shown relative to: the most recently
    /// bound whose region, end included, holds `x`; else, at or above
    /// [`NAMED_WINDOW_END`] (where the runners' kernel-chosen addresses
    /// differ), the nearest (the most recent of equally near ones).
    fn name_for(&self, x: u64) -> Option<usize> {
        let n = self.names().len();
        if let Some(i) = (0..n).rev().find(|&i| self.region(i).is_some_and(|(v, e)| v <= x && x <= e)) {
            return Some(i);
        }
        if x < NAMED_WINDOW_END {
            return None;
        }
        let mut best: Option<(u64, usize)> = None;
        for i in 0..n {
            if let Some((v, _)) = self.region(i) {
                let d = x.abs_diff(v);
                if best.is_none_or(|(bd, _)| d <= bd) {
                    best = Some((d, i));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// (v1.4) The most recently bound name whose region overlaps `[s, e)`.
    fn vma_name(&self, s: u64, e: u64) -> Option<usize> {
        (0..self.names().len()).rev().find(|&i| self.region(i).is_some_and(|(v, ve)| v < e && ve > s))
    }

    /// (v1.4) `x` relative to name `i`, into `w`.
    fn write_rel(&self, w: &mut impl std::fmt::Write, i: usize, x: u64) {
        write_name_ref(w, &self.s.names[i], x.wrapping_sub(self.names()[i].v) as i64);
    }

    /// An address as results and fault lines print it (`%#lx`, or
    /// relative to a name).
    fn write_addr_hex(&mut self, x: u64) {
        match self.name_for(x) {
            Some(i) => {
                let mut out = std::mem::replace(&mut self.out, Out::new(0));
                self.write_rel(&mut out, i, x);
                self.out = out;
            }
            None => {
                let _ = write!(self.out, "{}", Hex(x));
            }
        }
    }

    /// ` START-END` of the `present` line.
    fn present_range(&mut self, lo: u64, hi: u64) {
        let _ = self.pres.write_str(" ");
        self.write_pres_addr(lo);
        let _ = self.pres.write_str("-");
        self.write_pres_addr(hi);
    }

    /// An address as maps and present lines print it (`%08lx`, or
    /// relative to a name), into the `present` buffer.
    fn write_pres_addr(&mut self, x: u64) {
        let mut pres = std::mem::replace(&mut self.pres, Fixed::new(0));
        self.write_addr_08x(&mut pres, x);
        self.pres = pres;
    }

    /// An address as maps and present lines print it (`%08lx`, or
    /// relative to a name), into `w`.
    fn write_addr_08x(&self, w: &mut impl std::fmt::Write, x: u64) {
        match self.name_for(x) {
            Some(i) => self.write_rel(w, i, x),
            None => {
                let _ = write!(w, "{x:08x}");
            }
        }
    }

    /// Ends the run after a failure of the runner itself (status 3).
    fn fatal(&mut self, msg: std::fmt::Arguments<'_>) -> ! {
        self.out.flush();
        eprintln!("error: {msg}");
        // SAFETY: getpid cannot fail.
        if unsafe { libc::getpid() } == self.origin {
            self.cleanup();
            self.remove_output();
            restore_host_settings();
            std::process::exit(3);
        }
        // SAFETY: a scenario process ends without the supervisor's clean-up.
        unsafe { libc::_exit(3) }
    }

    /// Removes the temporary directory and everything in it (the runner
    /// made it; `file` lines and `openat` with `O_CREAT` fill it).
    fn cleanup(&mut self) {
        if self.keeper > 0 {
            // SAFETY: ends and reaps the keeper this process started.
            unsafe {
                libc::kill(self.keeper, libc::SIGKILL);
                libc::waitpid(self.keeper, std::ptr::null_mut(), 0);
            }
            self.keeper = 0;
        }
        if !self.tmp_made {
            return;
        }
        self.tmp_made = false;
        let dir = Path::new(std::ffi::OsStr::from_bytes(&self.tmpdir)).to_path_buf();
        let _ = std::env::set_current_dir("/");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        if self.tmpfs_mounted {
            self.tmpfs_mounted = false;
            // The scenario's mappings may still hold the mount: it is
            // detached now and goes with them.
            if let Ok(c) = CString::new(self.tmpdir.clone()) {
                // SAFETY: unmounts the tmpfs this run mounted there.
                if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } != 0 {
                    eprintln!("warning: umount {}: {}", dir.display(), std::io::Error::last_os_error());
                }
            }
        }
        let _ = std::fs::remove_dir(&dir);
    }

    /// (v1.7) Mounts a private tmpfs with `huge=` option `opt` (such as
    /// `huge=always`) on the temporary directory the run just made, for
    /// the scenario's files; `cleanup` unmounts it.
    fn mount_tmpfs(&mut self, opt: &CStr) {
        let dir = match CString::new(self.tmpdir.clone()) {
            Ok(d) => d,
            Err(_) => self.fatal(format_args!("mount: bad directory name")),
        };
        // SAFETY: mounts a new tmpfs on the directory this run made; all
        // arguments are NUL-ended strings that outlive the call.
        let r = unsafe { libc::mount(c"tmpfs".as_ptr(), dir.as_ptr(), c"tmpfs".as_ptr(), 0, opt.as_ptr().cast()) };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            self.fatal(format_args!("mount tmpfs -o {} on {}: {e}", opt.to_string_lossy(), dir.to_string_lossy()));
        }
        self.tmpfs_mounted = true;
    }

    /// Removes the `-o` file this run created, after a failed run.
    fn remove_output(&mut self) {
        if let Some(p) = self.created.take() {
            let _ = std::fs::remove_file(p);
        }
    }

    /// (v1.7) A `khugepaged` line: polls khugepaged's `full_scans` until
    /// it moved on by [`KHUGEPAGED_FULL_SCANS`], within a limit of four scan
    /// periods, two allocation pauses and a minute more, 5 minutes at least
    /// (other address spaces on the host's list lengthen a pass); past it
    /// the run fails.
    fn wait_khugepaged(&mut self, line: usize) {
        let full_scans = c"/sys/kernel/mm/transparent_hugepage/khugepaged/full_scans";
        let Some(start) = khugepaged_counter(full_scans) else {
            self.fatal(format_args!("line {line}: khugepaged: cannot read {KHUGEPAGED_DIR}/full_scans"));
        };
        let ms = |p: &CStr, default: u64| khugepaged_counter(p).unwrap_or(default);
        let scan = ms(c"/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", 10_000);
        let alloc = ms(c"/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs", 60_000);
        let limit = std::time::Duration::from_millis(
            scan.saturating_mul(4).saturating_add(alloc.saturating_mul(2)).saturating_add(60_000).max(300_000),
        );
        let t0 = std::time::Instant::now();
        let mut now = start;
        while now < start + KHUGEPAGED_FULL_SCANS {
            if t0.elapsed() > limit {
                self.fatal(format_args!(
                    "line {line}: khugepaged: full_scans went from {start} to {now} in {} s, not up by \
                     {KHUGEPAGED_FULL_SCANS} (is transparent_hugepage/enabled never? scan_sleep_millisecs is {scan})",
                    t0.elapsed().as_secs()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            now = khugepaged_counter(full_scans).unwrap_or(now);
        }
    }

    fn exec_ops(&mut self) {
        let s = self.s;
        let mut i = 0;
        while i < s.lines.len() {
            let l = &s.lines[i];
            // (v1.4) Names used as addresses are resolved as the line runs
            // (the lines that take them hold no strings: no allocation).
            let resolved;
            let op = if l.addr_refs.iter().any(Option::is_some) {
                let mut op = l.op.clone();
                for (slot, r) in op.addr_slots().into_iter().zip(l.addr_refs) {
                    if let (Some(a), Some(r)) = (slot, r) {
                        *a = self.resolve(r);
                    }
                }
                resolved = op;
                &resolved
            } else {
                &l.op
            };
            match *op {
                Op::Fork { child } => {
                    self.out.flush();
                    self.do_fork(child);
                    if self.me == child {
                        i = self.wait_token();
                        continue;
                    }
                    let _ = writeln!(self.out, "# fork: line {}: process {}", l.line, child);
                }
                Op::Process { k } => {
                    if k != self.me {
                        self.out.flush();
                        self.send_token(k, i + 1);
                        i = self.wait_token();
                        continue;
                    }
                }
                Op::Exit { proc, next } => {
                    match next {
                        None => {
                            let _ = writeln!(self.out, "# exit: line {}: process {proc}, none left", l.line);
                        }
                        Some(n) => {
                            let _ = writeln!(self.out, "# exit: line {}: process {proc}, now process {n}", l.line);
                        }
                    }
                    self.out.flush();
                    if !self.multi {
                        return;
                    }
                    self.send_sup(1, next.map_or(-1, |n| n as i32), i + 1);
                    // SAFETY: this process's part of the scenario is over.
                    unsafe { libc::_exit(0) };
                }
                Op::File { size, .. } => self.do_file(i, size),
                Op::Dump { ref label, smaps } => self.do_dump(label, smaps),
                Op::Load { addr, len } => self.do_access(l, addr, len, None),
                Op::Store { addr, len, val } => self.do_access(l, addr, len, Some(val)),
                Op::Openat { flags, .. } => self.do_openat(l, i, flags),
                Op::Close { fd } => {
                    self.do_syscall(l, libc::SYS_close, [fd as u64, 0, 0, 0, 0, 0]);
                }
                Op::Mmap { addr, len, prot, flags, fd, off } => {
                    self.do_syscall(l, libc::SYS_mmap, [addr, len, prot, flags, fd as u64, off]);
                }
                Op::Munmap { addr, len } => {
                    self.do_syscall(l, libc::SYS_munmap, [addr, len, 0, 0, 0, 0]);
                }
                Op::Mprotect { addr, len, prot } => {
                    self.do_syscall(l, libc::SYS_mprotect, [addr, len, prot, 0, 0, 0]);
                }
                Op::Mremap { old, old_len, new_len, flags, new_addr } => {
                    self.do_syscall(l, libc::SYS_mremap, [old, old_len, new_len, flags, new_addr, 0]);
                }
                Op::Madvise { addr, len, advice } => {
                    self.do_syscall(l, libc::SYS_madvise, [addr, len, advice, 0, 0, 0]);
                }
                Op::Brk { addr } => {
                    self.do_syscall(l, libc::SYS_brk, [addr, 0, 0, 0, 0, 0]);
                }
                Op::Msync { addr, len, flags } => {
                    self.do_syscall(l, libc::SYS_msync, [addr, len, flags, 0, 0, 0]);
                }
                Op::Mlock { addr, len } => {
                    self.do_syscall(l, libc::SYS_mlock, [addr, len, 0, 0, 0, 0]);
                }
                Op::Mlock2 { addr, len, flags } => {
                    self.do_syscall(l, libc::SYS_mlock2, [addr, len, flags, 0, 0, 0]);
                }
                Op::Munlock { addr, len } => {
                    self.do_syscall(l, libc::SYS_munlock, [addr, len, 0, 0, 0, 0]);
                }
                Op::Mlockall { flags } => {
                    self.do_syscall(l, libc::SYS_mlockall, [flags, 0, 0, 0, 0, 0]);
                }
                Op::Munlockall => {
                    self.do_syscall(l, libc::SYS_munlockall, [0; 6]);
                }
                Op::Khugepaged => self.wait_khugepaged(l.line),
                Op::Mincore { addr, len } => self.do_mincore(l, addr, len),
                Op::Ftruncate { fd, len } => {
                    self.do_syscall(l, libc::SYS_ftruncate, [fd as u64, len, 0, 0, 0, 0]);
                }
                Op::Fallocate { fd, mode, off, len } => {
                    self.do_syscall(l, libc::SYS_fallocate, [fd as u64, mode, off, len, 0, 0]);
                }
                Op::Rw { write, fd, addr, len, pos } => {
                    let nr = match (write, pos.is_some()) {
                        (false, false) => libc::SYS_read,
                        (false, true) => libc::SYS_pread64,
                        (true, false) => libc::SYS_write,
                        (true, true) => libc::SYS_pwrite64,
                    };
                    self.do_syscall(l, nr, [fd as u64, addr, len, pos.unwrap_or(0), 0, 0]);
                }
            }
            i += 1;
        }
    }

    /// `mincore(ADDR, LEN, VEC)` into the runner's own vector; on success
    /// `# mincore: line N: DIGITS`, one per page.
    fn do_mincore(&mut self, l: &Line, addr: u64, len: u64) {
        let npages = len.div_ceil(PAGE) as usize;
        let vec = if npages <= self.mincore_vec.len() { self.mincore_vec.as_mut_ptr() } else { std::ptr::null_mut() };
        let (_, err) = self.do_syscall(l, libc::SYS_mincore, [addr, len, vec as u64, 0, 0, 0]);
        if err != 0 || npages == 0 || vec.is_null() {
            return;
        }
        let _ = write!(self.out, "# mincore: line {}: ", l.line);
        let mut chunk = [0u8; 256];
        for part in self.mincore_vec[..npages].chunks(chunk.len()) {
            for (c, &v) in chunk.iter_mut().zip(part) {
                *c = if v & 1 != 0 { b'1' } else { b'0' };
            }
            self.out.bytes(&chunk[..part.len()]);
        }
        self.out.bytes(b"\n");
    }

    /// One system call between two `getrusage`s, then its result checked;
    /// the value and the error number (0 for none).
    fn do_syscall(&mut self, l: &Line, nr: libc::c_long, a: [u64; 6]) -> (i64, i32) {
        let (min0, maj0) = rusage_now();
        // SAFETY: the scenario's own call; it touches only what the
        // scenario named (its paths are C strings the runner owns).
        let val = unsafe {
            libc::syscall(
                nr,
                a[0] as libc::c_long,
                a[1] as libc::c_long,
                a[2] as libc::c_long,
                a[3] as libc::c_long,
                a[4] as libc::c_long,
                a[5] as libc::c_long,
            )
        };
        let err = if val == -1 { errno() } else { 0 };
        let (min1, maj1) = rusage_now();
        self.tot_min += min1 - min0;
        self.tot_maj += maj1 - maj0;
        self.check_result(l, val, err);
        (val, err)
    }

    /// `openat(AT_FDCWD, NAME, FLAGS)`: the path's last component, in the
    /// temporary directory.
    fn do_openat(&mut self, l: &Line, i: usize, flags: u64) {
        let p = self.names[i].as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        self.do_syscall(l, libc::SYS_openat, [libc::AT_FDCWD as u64, p as u64, flags, 0o644, 0, 0]);
    }

    fn result(&mut self, val: i64, err: i32, is_addr: bool) {
        if err != 0 {
            let _ = match Errno::ALL.iter().find(|x| **x as i32 == err) {
                Some(e) => write!(self.out, "-1 {} ({})", e.name(), e.text()),
                None => write!(self.out, "-1 E??? (Unknown error {err})"),
            };
        } else if is_addr {
            self.write_addr_hex(val as u64);
        } else {
            let _ = write!(self.out, "{val}");
        }
    }

    fn check_result(&mut self, l: &Line, val: i64, err: i32) {
        let is_addr = l.op.returns_addr();
        if let Some(i) = l.bind {
            // (v1.4) `= $a` binds the result (MAP_FAILED on failure).
            if err != 0 {
                let _ = write!(self.out, "# diverged: line {}: expected success, got ", l.line);
                self.result(val, err, is_addr);
                let _ = writeln!(self.out);
            }
            let len = match l.op {
                Op::Mmap { len, .. } => len,
                Op::Mremap { new_len, .. } => new_len,
                _ => 0,
            };
            let nv = NameVal {
                v: if err != 0 { u64::MAX } else { val as u64 },
                len: if err != 0 { 0 } else { len.div_ceil(PAGE).wrapping_mul(PAGE) },
                bound: 1,
            };
            // SAFETY: `i` is below `s.names.len()` (the parser's index).
            unsafe { self.namevals.add(i).write(nv) };
            return;
        }
        if let Expect::Name(r) = l.expect {
            // (v1.4) `= $a+OFF`: the address a bound name stands for.
            if err == 0 && val as u64 == self.resolve(r) {
                return;
            }
            let _ = write!(self.out, "# diverged: line {}: expected ", l.line);
            write_name_ref(&mut self.out, &self.s.names[r.name], r.off);
            let _ = write!(self.out, ", got ");
            if err != 0 {
                self.result(val, err, false);
            } else {
                let mut out = std::mem::replace(&mut self.out, Out::new(0));
                self.write_rel(&mut out, r.name, val as u64);
                self.out = out;
            }
            let _ = writeln!(self.out);
            return;
        }
        let ok = match &l.expect {
            Expect::Any => err == 0,
            Expect::Error(name) => err != 0 && err_name(err) == name,
            Expect::Value(v) => err == 0 && val == *v,
            Expect::Name(_) => unreachable!("handled above"),
        };
        if ok {
            return;
        }
        let _ = write!(self.out, "# diverged: line {}: expected ", l.line);
        match &l.expect {
            Expect::Any => {
                let _ = write!(self.out, "success");
            }
            Expect::Error(name) => {
                let _ = match Errno::from_name(name) {
                    Some(e) => write!(self.out, "-1 {name} ({})", e.text()),
                    None => write!(self.out, "-1 {name}"),
                };
            }
            Expect::Value(-1) => {
                let _ = write!(self.out, "-1");
            }
            Expect::Value(v) => self.result(*v, 0, is_addr),
            Expect::Name(_) => unreachable!("handled above"),
        }
        let _ = write!(self.out, ", got ");
        self.result(val, err, is_addr);
        let _ = writeln!(self.out);
    }

    /// `load`/`store`: one access per page (the first at the given
    /// address, the others at page starts), measured as one operation.
    fn do_access(&mut self, l: &Line, addr: u64, len: u64, store: Option<u8>) {
        let first = addr & !(PAGE - 1);
        let end = addr.wrapping_add(len);
        let npages = if len > 0 { end.wrapping_add(PAGE - 1) / PAGE - first / PAGE } else { 0 };
        let mut fault = None;
        let (min0, maj0) = rusage_now();
        let mut k = 0u64;
        while k < npages {
            let a = if k > 0 { first.wrapping_add(k.wrapping_mul(PAGE)) } else { addr };
            let r = match store {
                Some(v) => store_byte(a, v),
                None => load_byte(a).map(|v| {
                    if let Some(slot) = self.loadvals.get_mut(k as usize) {
                        *slot = v;
                    }
                }),
            };
            if let Err(sig) = r {
                fault = Some((sig, a));
                break;
            }
            k += 1;
        }
        let (min1, maj1) = rusage_now();
        self.tot_min += min1 - min0;
        self.tot_maj += maj1 - maj0;
        if let Some((sig, a)) = fault {
            let name = if sig == Raised::Bus { "SIGBUS" } else { "SIGSEGV" };
            let _ = write!(self.out, "# fault: line {}: {name} at ", l.line);
            self.write_addr_hex(a);
            let _ = writeln!(self.out);
        } else if store.is_none() && npages > 0 {
            let _ = write!(self.out, "# load: line {}:", l.line);
            let n = (npages as usize).min(self.loadvals.len());
            let mut j = 0;
            while j < n {
                let v = self.loadvals[j];
                let mut r = j;
                while r + 1 < n && self.loadvals[r + 1] == v {
                    r += 1;
                }
                if r > j {
                    let _ = write!(self.out, " {v:02x}*{}", r - j + 1);
                } else {
                    let _ = write!(self.out, " {v:02x}");
                }
                j = r + 1;
            }
            let _ = writeln!(self.out);
        }
    }

    /// `file NAME SIZE`: made in the temporary directory, written whole
    /// (byte `i` is `(i / 4096 + i) & 0xff`) and fsync'd, so every page
    /// is in the page cache.
    fn do_file(&mut self, i: usize, size: u64) {
        let name = match self.names[i].as_ref() {
            Some(n) => n.as_ptr(),
            None => std::ptr::null(),
        };
        let shown = |r: &Self| r.names[i].as_ref().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // SAFETY: creates the file in the runner's own directory (a NULL
        // name fails with EFAULT).
        let fd = unsafe { libc::open(name, libc::O_RDWR | libc::O_CREAT | libc::O_EXCL, 0o644) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            let n = shown(self);
            self.fatal(format_args!("create {n}: {e}"));
        }
        let mut off = 0u64;
        while off < size {
            let n = (size - off).min(self.io.len() as u64) as usize;
            for (j, b) in self.io[..n].iter_mut().enumerate() {
                let x = off + j as u64;
                *b = (x / PAGE + x) as u8;
            }
            // SAFETY: writes `n` bytes of the buffer.
            let w = unsafe { libc::write(fd, self.io.as_ptr().cast(), n) };
            if w != n as isize {
                let n = shown(self);
                self.fatal(format_args!("write {n} failed"));
            }
            off += n as u64;
        }
        // SAFETY: plain calls on the descriptor just opened.
        unsafe {
            if libc::fsync(fd) != 0 {
                let e = std::io::Error::last_os_error();
                let n = shown(self);
                self.fatal(format_args!("fsync {n}: {e}"));
            }
            // (v1.8) On ext4 the clean pages leave the cache: the first
            // faults read the file through readahead.
            if self.on_ext4 {
                let e = libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED);
                if e != 0 {
                    let n = shown(self);
                    self.fatal(format_args!("posix_fadvise {n}: {}", std::io::Error::from_raw_os_error(e)));
                }
            }
            libc::close(fd);
        }
    }

    /// `dump [smaps] [LABEL]`: the maps lines inside the window (with
    /// `smaps`, each followed by its VMA's smaps fields), the fault counts
    /// so far and the present page ranges.
    fn do_dump(&mut self, label: &str, smaps: bool) {
        let (win_lo, win_hi) = self.s.window;
        let _ = match (self.s.any_fork, label.is_empty()) {
            (true, false) => writeln!(self.out, "== dump {label} (process {})", self.me),
            (true, true) => writeln!(self.out, "== dump (process {})", self.me),
            (false, false) => writeln!(self.out, "== dump {label}"),
            (false, true) => writeln!(self.out, "== dump"),
        };
        if smaps {
            // Read once, before maps, as the VMAs stand at the dump.
            let Some(n) = read_all(c"/proc/self/smaps", &mut self.smaps) else {
                self.fatal(format_args!("smaps: {}", std::io::Error::last_os_error()));
            };
            self.smaps_len = n;
        }
        let Some(n) = read_all(c"/proc/self/maps", &mut self.maps) else {
            self.fatal(format_args!("maps: {}", std::io::Error::last_os_error()));
        };
        // SAFETY: opens pagemap read-only.
        let pm = unsafe { libc::open(c"/proc/self/pagemap".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if pm < 0 {
            self.fatal(format_args!("pagemap: {}", std::io::Error::last_os_error()));
        }
        self.pres.clear();
        for h in &mut self.huge {
            h.clear();
        }
        self.huge_run = [None; 2];
        let mut run: Option<(u64, u64)> = None;
        let mut pos = 0;
        while pos < n {
            let Some(nl) = self.maps[pos..n].iter().position(|&b| b == b'\n') else { break };
            let (lo_line, hi_line) = (pos, pos + nl);
            pos += nl + 1;
            let line = &self.maps[lo_line..hi_line];
            let Some((s, e, _)) = maps_range(line) else { continue };
            let named = self.vma_name(s, e);
            if (e <= win_lo || s >= win_hi) && named.is_none() {
                continue;
            }
            // Five fields split at spaces, then the path (if any) after
            // one more space and any blanks.
            let mut fields = [(0usize, 0usize); 5];
            let mut p = 0;
            let mut nfield = 0;
            while nfield < 5 {
                while p < line.len() && line[p] == b' ' {
                    p += 1;
                }
                if p == line.len() {
                    break;
                }
                let st = p;
                while p < line.len() && line[p] != b' ' {
                    p += 1;
                }
                fields[nfield] = (st, p);
                nfield += 1;
            }
            if nfield < 5 {
                continue;
            }
            let mut path = if p < line.len() { &line[p + 1..] } else { &line[line.len()..] };
            while let [b' ' | b'\t', rest @ ..] = path {
                path = rest;
            }
            let t = &self.tmpdir;
            if path.len() > t.len() && path.starts_with(t) && path[t.len()] == b'/' {
                path = &path[t.len() + 1..];
            }
            if let Some(i) = named {
                // (v1.4) Ends relative to the name; dev and inode vary
                // from run to run.
                let mut out = std::mem::replace(&mut self.out, Out::new(0));
                self.write_rel(&mut out, i, s);
                out.bytes(b"-");
                self.write_rel(&mut out, i, e);
                self.out = out;
                for &(a, b) in &fields[1..3] {
                    self.out.bytes(b" ");
                    self.out.bytes(&line[a..b]);
                }
                self.out.bytes(b" 00:00 0");
            } else {
                for (j, &(a, b)) in fields.iter().enumerate() {
                    if j > 0 {
                        self.out.bytes(b" ");
                    }
                    self.out.bytes(&line[a..b]);
                }
            }
            if !path.is_empty() {
                self.out.bytes(b" ");
                self.out.bytes(path);
            }
            self.out.bytes(b"\n");
            if smaps {
                let Runner { out, smaps, smaps_len, .. } = self;
                show_smap(out, &smaps[..*smaps_len], s);
            }
            // Present pages of the part inside the window and (v1.4) of
            // the named regions, spans merged where they overlap or touch.
            self.spans.clear();
            let (lo, hi) = (s.max(win_lo) & !(PAGE - 1), e.min(win_hi));
            if lo < hi {
                self.spans.push((lo, hi));
            }
            for k in 0..self.names().len() {
                if let Some((v, ve)) = self.region(k)
                    && ve > s
                    && v < e
                    && self.spans.len() < self.spans.capacity()
                {
                    self.spans.push((v.max(s), ve.min(e)));
                }
            }
            self.spans.sort_unstable();
            let mut si = 0;
            while si < self.spans.len() {
                let (lo, mut hi) = self.spans[si];
                si += 1;
                while si < self.spans.len() && self.spans[si].0 <= hi {
                    hi = hi.max(self.spans[si].1);
                    si += 1;
                }
                let mut a = lo;
                while a < hi {
                    let cnt = ((hi - a) / PAGE).min(self.pm.len() as u64) as usize;
                    if cnt == 0 {
                        break;
                    }
                    // SAFETY: reads `cnt` entries into the buffer.
                    let r = unsafe {
                        libc::pread(pm, self.pm.as_mut_ptr().cast(), cnt * 8, ((a / PAGE) * 8) as libc::off_t)
                    };
                    if r != (cnt * 8) as isize {
                        self.fatal(format_args!("pagemap read: {}", std::io::Error::last_os_error()));
                    }
                    for k in 0..cnt {
                        if self.pm[k] >> 63 != 0 {
                            match run {
                                Some((_, ref mut rh)) if *rh == a => *rh = a + PAGE,
                                _ => {
                                    if let Some((rl, rh)) = run {
                                        self.present_range(rl, rh);
                                        if self.pres.room() <= 300 {
                                            self.fatal(format_args!("too many present ranges"));
                                        }
                                    }
                                    run = Some((a, a + PAGE));
                                }
                            }
                        }
                        a += PAGE;
                    }
                }
                self.scan_huge(pm, lo, hi & !(PAGE - 1));
            }
        }
        if let Some((rl, rh)) = run {
            self.present_range(rl, rh);
        }
        for k in 0..2 {
            if let Some((rl, rh)) = self.huge_run[k] {
                self.huge_range(k, rl, rh);
            }
        }
        // SAFETY: closes the pagemap descriptor.
        unsafe { libc::close(pm) };
        let _ = writeln!(self.out, "faults minflt={} majflt={}", self.tot_min, self.tot_maj);
        let Runner { out, pres, huge, .. } = self;
        out.bytes(b"present");
        out.bytes(pres.as_bytes());
        out.bytes(b"\n");
        // (v1.6) Each only when it has a range.
        for (word, h) in [(&b"huge"[..], &huge[0]), (&b"huge_zero"[..], &huge[1])] {
            if !h.as_bytes().is_empty() {
                out.bytes(word);
                out.bytes(h.as_bytes());
                out.bytes(b"\n");
            }
        }
    }

    /// (v1.6) The pages of `[lo, hi)` that PMD leaves map (`PAGEMAP_SCAN`:
    /// present and `PAGE_IS_HUGE`), added to the runs of the `huge` line
    /// (a THP) or the `huge_zero` line (`PAGE_IS_PFNZERO`: the huge zero
    /// page).
    fn scan_huge(&mut self, pm: libc::c_int, lo: u64, hi: u64) {
        let mut a = lo;
        while a < hi && !self.no_scan {
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                start: a,
                end: hi,
                vec: self.scan.as_mut_ptr() as u64,
                vec_len: self.scan.len() as u64,
                category_mask: PAGE_IS_PRESENT | PAGE_IS_HUGE,
                return_mask: PAGE_IS_HUGE | PAGE_IS_PFNZERO,
                ..PmScanArg::default()
            };
            // SAFETY: the kernel writes at most `vec_len` regions into
            // `scan` and updates `arg.walk_end`.
            let n = unsafe { libc::ioctl(pm, PAGEMAP_SCAN, &mut arg as *mut PmScanArg) };
            if n < 0 {
                let e = errno();
                if e == libc::ENOTTY || e == libc::EINVAL {
                    eprintln!("note: this kernel has no PAGEMAP_SCAN: dumps show no huge lines");
                    self.no_scan = true;
                    return;
                }
                self.fatal(format_args!("PAGEMAP_SCAN: {}", std::io::Error::from_raw_os_error(e)));
            }
            for i in 0..n as usize {
                let r = self.scan[i];
                let k = usize::from(r.categories & PAGE_IS_PFNZERO != 0);
                match self.huge_run[k] {
                    Some((_, ref mut rh)) if *rh == r.start => *rh = r.end,
                    _ => {
                        if let Some((rl, rh)) = self.huge_run[k] {
                            self.huge_range(k, rl, rh);
                        }
                        self.huge_run[k] = Some((r.start, r.end));
                    }
                }
            }
            if arg.walk_end <= a {
                self.fatal(format_args!("PAGEMAP_SCAN did not advance at {a:#x}"));
            }
            a = arg.walk_end;
        }
    }

    /// (v1.6) ` START-END` of the `huge` (`k` 0) or `huge_zero` (1) line.
    fn huge_range(&mut self, k: usize, lo: u64, hi: u64) {
        if self.huge[k].room() <= 300 {
            self.fatal(format_args!("too many huge ranges"));
        }
        let mut buf = std::mem::replace(&mut self.huge[k], Fixed::new(0));
        let _ = buf.write_str(" ");
        self.write_addr_08x(&mut buf, lo);
        let _ = buf.write_str("-");
        self.write_addr_08x(&mut buf, hi);
        self.huge[k] = buf;
    }

    // ------------------------------------------------ several processes

    /// A pipe whose ends sit at descriptors 800 and up, far above the
    /// scenario's (the lowest free from 3).
    fn make_pipe(&mut self) -> (libc::c_int, libc::c_int) {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills two descriptors; they are moved up with
        // F_DUPFD_CLOEXEC and the originals closed.
        unsafe {
            if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                self.fatal(format_args!("pipe: {}", std::io::Error::last_os_error()));
            }
            let r = libc::fcntl(fds[0], libc::F_DUPFD_CLOEXEC, PIPE_FD_BASE);
            let w = libc::fcntl(fds[1], libc::F_DUPFD_CLOEXEC, PIPE_FD_BASE);
            if r < 0 || w < 0 {
                self.fatal(format_args!("fcntl: {}", std::io::Error::last_os_error()));
            }
            libc::close(fds[0]);
            libc::close(fds[1]);
            (r, w)
        }
    }

    /// Remembers the runner's own mappings (before any line runs).
    fn record_own(&mut self) {
        let Some(n) = read_all(c"/proc/self/maps", &mut self.maps) else {
            self.fatal(format_args!("maps: {}", std::io::Error::last_os_error()));
        };
        for line in self.maps[..n].split(|&b| b == b'\n') {
            let Some((s, e, rest)) = maps_range(line) else { continue };
            let perms = rest.strip_prefix(b" ").unwrap_or(rest);
            if perms.len() < 3 || (perms[0] != b'r' && perms[1] != b'w' && perms[2] != b'x') {
                continue; // PROT_NONE gaps
            }
            if crate::scenario::contains(line, b"[vsyscall]") || crate::scenario::contains(line, b"[vvar") {
                continue;
            }
            if self.own.len() == MAX_OWN {
                break;
            }
            self.own.push((s, e, perms[1] == b'w'));
        }
    }

    /// After a fork both processes share the runner's pages copy-on-write
    /// (and the child has no PTEs for file mappings without an anon_vma,
    /// the runner's code among them): mlock + munlock of each of the
    /// runner's own ranges faults them in again, with write access where
    /// writable, so the runner adds no faults inside measured intervals.
    /// The scenario's mappings are not touched.
    fn prefault_own(&self) {
        for &(s, e, w) in &self.own {
            let len = (e - s) as usize;
            // SAFETY: the runner's own mappings, as /proc/self/maps listed
            // them before the first line.
            unsafe {
                if libc::mlock(s as *const libc::c_void, len) == 0 {
                    libc::munlock(s as *const libc::c_void, len);
                    continue;
                }
                let mut a = s;
                while a < e {
                    let q = a as *mut u8;
                    let c = std::ptr::read_volatile(q);
                    if w {
                        std::ptr::write_volatile(q, c);
                    }
                    a += PAGE;
                }
            }
        }
    }

    /// `fork`: `clone(CLONE_PARENT)`, so that every scenario process is a
    /// child of the supervisor; the child counts its faults from here.
    fn do_fork(&mut self, child: usize) {
        // SAFETY: a fork of this single-threaded process.
        let pid = unsafe {
            libc::syscall(libc::SYS_clone, (libc::CLONE_PARENT | libc::SIGCHLD) as libc::c_ulong, 0, 0, 0, 0)
        };
        if pid < 0 {
            self.fatal(format_args!("clone: {}", std::io::Error::last_os_error()));
        }
        if pid == 0 {
            self.me = child;
            self.tot_min = 0;
            self.tot_maj = 0;
        }
        self.prefault_own();
    }

    /// Blocks until this process is handed the token: the index of the
    /// next line it runs.  A negative token ends it.
    fn wait_token(&mut self) -> usize {
        let mut idx: i32 = 0;
        loop {
            // SAFETY: reads 4 bytes into `idx`.
            let r = unsafe { libc::read(self.tok_r[self.me], (&mut idx as *mut i32).cast(), 4) };
            if r < 0 && errno() == libc::EINTR {
                continue;
            }
            if r != 4 {
                // SAFETY: the supervisor is gone.
                unsafe { libc::_exit(4) };
            }
            break;
        }
        if idx < 0 {
            // SAFETY: the end of the scenario.
            unsafe { libc::_exit(0) };
        }
        idx as usize
    }

    fn send_token(&mut self, k: usize, idx: usize) {
        let idx = idx as i32;
        // SAFETY: writes 4 bytes.
        if unsafe { libc::write(self.tok_w[k], (&idx as *const i32).cast(), 4) } != 4 {
            self.fatal(format_args!("token write: {}", std::io::Error::last_os_error()));
        }
    }

    fn send_sup(&mut self, kind: i32, next: i32, idx: usize) {
        // SAFETY: getpid cannot fail.
        let m = SupMsg { kind, pid: unsafe { libc::getpid() }, next, idx: idx as i32 };
        let sz = std::mem::size_of::<SupMsg>();
        // SAFETY: writes the message (smaller than PIPE_BUF: atomic).
        if unsafe { libc::write(self.sup_w, (&m as *const SupMsg).cast(), sz) } != sz as isize {
            // SAFETY: nothing more this process can do.
            unsafe { libc::_exit(3) };
        }
    }
}

fn child_failed(pid: libc::pid_t, st: libc::c_int) -> bool {
    if libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0 {
        return false;
    }
    if libc::WIFSIGNALED(st) {
        eprintln!("error: scenario process (pid {pid}) killed by signal {}", libc::WTERMSIG(st));
    } else {
        eprintln!("error: scenario process (pid {pid}) exited with status {}", libc::WEXITSTATUS(st));
    }
    true
}

fn read_msg(fd: libc::c_int) -> Option<SupMsg> {
    let mut m = SupMsg::default();
    let sz = std::mem::size_of::<SupMsg>();
    // SAFETY: reads one message into `m`.
    let r = unsafe { libc::read(fd, (&mut m as *mut SupMsg).cast(), sz) };
    (r == sz as isize).then_some(m)
}

/// The original process: passes the token on at `exit` lines once the
/// exiting process is reaped (its memory freed), ends the remaining
/// processes at the end (`p_live` but `p_cur`, the one that ran last) and
/// reaps everyone.  True if a process failed or died unexpectedly (the
/// others are then killed).
fn supervise(r: &Runner<'_>, p0: libc::pid_t, p_cur: usize, p_live: u64) -> bool {
    let mut bad = false;
    let mut st: libc::c_int = 0;
    loop {
        let mut pf = libc::pollfd { fd: r.sup_r, events: libc::POLLIN, revents: 0 };
        let m;
        // SAFETY: poll and waitpid on the supervisor's own pipe and children.
        unsafe {
            if libc::poll(&mut pf, 1, 250) > 0 {
                let Some(msg) = read_msg(r.sup_r) else {
                    eprintln!("error: supervisor read: {}", std::io::Error::last_os_error());
                    bad = true;
                    break;
                };
                if libc::waitpid(msg.pid, &mut st, 0) != msg.pid || child_failed(msg.pid, st) {
                    bad = true;
                    break;
                }
                m = msg;
            } else {
                // The scenario's processes are process 0's group (not a
                // khugepaged keeper).
                let pid = libc::waitpid(-p0, &mut st, libc::WNOHANG);
                if pid <= 0 {
                    continue;
                }
                // A process that ends normally writes its message first.
                pf.revents = 0;
                match (libc::poll(&mut pf, 1, 0) > 0).then(|| read_msg(r.sup_r)).flatten() {
                    Some(msg) if msg.pid == pid => {
                        if child_failed(pid, st) {
                            bad = true;
                            break;
                        }
                        m = msg;
                    }
                    _ => {
                        child_failed(pid, st);
                        eprintln!("error: scenario process (pid {pid}) ended unexpectedly");
                        bad = true;
                        break;
                    }
                }
            }
        }
        if m.kind == 1 && m.next >= 0 {
            let idx = m.idx;
            // SAFETY: writes the token to the next process's pipe.
            if unsafe { libc::write(r.tok_w[m.next as usize], (&idx as *const i32).cast(), 4) } != 4 {
                eprintln!("error: token: {}", std::io::Error::last_os_error());
                bad = true;
                break;
            }
            continue;
        }
        if m.kind == 2 {
            let end: i32 = -1;
            for k in 0..MAX_PROCS {
                if p_live >> k & 1 == 1 && k != p_cur {
                    // SAFETY: writes the end token.
                    if unsafe { libc::write(r.tok_w[k], (&end as *const i32).cast(), 4) } != 4 {
                        bad = true;
                    }
                }
            }
        }
        break;
    }
    // SAFETY: kills process 0's group and reaps every process of it.
    unsafe {
        if bad {
            libc::kill(-p0, libc::SIGKILL);
        }
        loop {
            let pid = libc::waitpid(-p0, &mut st, 0);
            if pid <= 0 {
                break;
            }
            if !bad && child_failed(pid, st) {
                bad = true;
                libc::kill(-p0, libc::SIGKILL);
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ranges() {
        assert_eq!(maps_range(b"100000000-100001000 rw-p"), Some((0x100000000, 0x100001000, &b" rw-p"[..])));
        assert_eq!(maps_range(b"x-1"), None);
        assert_eq!(maps_range(b"10-"), None);
    }

    #[test]
    fn smap_fields_of_one_vma() {
        let text = b"100000000-100002000 rw-p 00000000 00:00 0\n\
Size:                  8 kB\n\
Rss:                   4 kB\n\
Pss:                   4 kB\n\
Pss_Dirty:             9 kB\n\
Private_Dirty:         4 kB\n\
Anonymous:             4 kB\n\
SwapPss:               7 kB\n\
Locked:                0 kB\n\
100002000-100003000 r--p 00000000 00:00 0\n\
Rss:                   1 kB\n";
        let mut out = String::new();
        show_smap(&mut out, text, 0x100000000);
        show_smap(&mut out, text, 0x100002000);
        show_smap(&mut out, text, 0x5000);
        assert_eq!(
            out,
            "smaps Rss=4 Pss=4 Shared_Clean=0 Shared_Dirty=0 Private_Clean=0 Private_Dirty=4 Anonymous=4 Swap=0 Locked=0\n\
             smaps Rss=1 Pss=0 Shared_Clean=0 Shared_Dirty=0 Private_Clean=0 Private_Dirty=0 Anonymous=0 Swap=0 Locked=0\n\
             smaps Rss=0 Pss=0 Shared_Clean=0 Shared_Dirty=0 Private_Clean=0 Private_Dirty=0 Anonymous=0 Swap=0 Locked=0\n"
        );
    }

    #[test]
    fn thp_settings_of_the_host() {
        let dir = "/sys/kernel/mm/transparent_hugepage";
        assert_eq!(thp_sysfs_path("thp_enabled").unwrap(), format!("{dir}/enabled"));
        assert_eq!(thp_sysfs_path("thp-shmem-enabled").unwrap(), format!("{dir}/shmem_enabled"));
        assert_eq!(thp_sysfs_path("thp_use_zero_page").unwrap(), format!("{dir}/use_zero_page"));
        assert_eq!(thp_sysfs_path("thp_enabled_64k").unwrap(), format!("{dir}/hugepages-64kB/enabled"));
        assert_eq!(thp_sysfs_path("khugepaged_max_ptes_none").unwrap(), format!("{dir}/khugepaged/max_ptes_none"));
        for other in ["ram", "swappiness", "thp_enabled_", "thp_enabled_64", "thp_enabled_k", "khugepaged_"] {
            assert_eq!(thp_sysfs_path(other), None, "{other}");
        }
        assert_eq!(selected_word("always [madvise] never\n"), "madvise");
        assert_eq!(selected_word("always defer defer+madvise [madvise] never"), "madvise");
        assert_eq!(selected_word("511\n"), "511");
        assert!(same_setting("madvise", "madvise"));
        assert!(!same_setting("madvise", "always"));
        assert!(same_setting("1", "true") && same_setting("0", "off") && same_setting("511", "0511"));
        assert!(!same_setting("1", "0") && !same_setting("never", "0"));
        assert!(THP_DEFAULTS.iter().all(|(k, _)| thp_sysfs_path(k).is_some()));
    }

    #[test]
    fn final_process_set() {
        let s = parse(b"fork\nfork\nprocess 1\nexit\n").unwrap();
        assert_eq!(final_processes(&s), (0, 0b101));
    }
}
