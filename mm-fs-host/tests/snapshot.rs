//! Root snapshots: what a log's replay sees through a snapshot is what it
//! sees through the host directory the snapshot was made from (paths,
//! types, devices, inode numbers, sizes, errors, the bytes `execve`
//! reads), and nothing more; the reader refuses bad text with the line,
//! and never panics on any input.

use mm_core::Kernel;
use mm_core::errno::Errno;
use mm_core::flags::open_flags::*;
use mm_core::fs::{FileType, MountOptions};
use mm_core::machine::MachineConfig;
use mm_fs_host::snapshot::Snapshot;
use mm_fs_host::{HostFs, HostMountError};
use proptest::prelude::*;

use mm_alloc as _;
use mm_x86 as _;

mod common;
use common::{add_programs, scratch};

const LOG: &str = r#"100   execve("/usr/bin/script", ["script"], 0x7ffd /* 1 var */) = 0
100   openat(AT_FDCWD</dir>, "/lib/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/libc.so.6>
100   openat(AT_FDCWD</dir>, "missing", O_RDONLY) = -1 ENOENT (No such file or directory)
100   openat(AT_FDCWD</dir>, "/abs", O_RDONLY) = 3</usr/lib/libc.so.6>
100   openat(AT_FDCWD</dir>, "/big", O_RDONLY) = 3</big>
100   openat(AT_FDCWD</dir>, "/loop1", O_RDONLY) = -1 ELOOP (Too many levels of symbolic links)
100   openat(AT_FDCWD</dir>, "/plain/x", O_RDONLY) = -1 ENOTDIR (Not a directory)
100   openat(AT_FDCWD</dir>, "/up/lib/", O_RDONLY|O_DIRECTORY) = 3</usr/lib>
100   newfstatat(AT_FDCWD</dir>, "/fifo", {st_mode=S_IFIFO|0644, st_size=0, ...}, 0) = 0
100   +++ exited with 0 +++
"#;

/// The paths the replay opens, with the flags.
const OPENS: &[(&str, u64)] = &[
    ("/lib/libc.so.6", O_RDONLY),
    ("/dir/missing", O_RDONLY),
    ("/abs", O_RDONLY),
    ("/abs", O_RDONLY | O_NOFOLLOW),
    ("/big", O_RDONLY),
    ("/loop1", O_RDONLY),
    ("/plain/x", O_RDONLY),
    ("/up/lib/", O_RDONLY | O_DIRECTORY),
    ("/fifo", O_RDONLY | O_NONBLOCK),
    ("/usr/bin/script", O_RDONLY),
    ("/lib64/ld.so", O_RDONLY),
    ("/nowhere/at/all", O_RDONLY),
];

/// What an open shows: path, type, device, inode number, size.
type Opened = Result<(String, FileType, (u32, u32), u64, u64), Errno>;

fn opens(root: &str) -> Vec<Opened> {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs = HostFs::mount(&mm_core::fs::SuperBlock::new(k.machine()), root, &MountOptions::default()).expect("mount");
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    OPENS
        .iter()
        .map(|&(p, f)| {
            let fd = k.sys_openat(pid, p, f)?;
            let file = k.task(pid).expect("task").files.lock().get(fd as i64).expect("file");
            let i = &file.inode;
            Ok((file.path.clone(), i.file_type(), i.dev, i.i_ino, i.size()))
        })
        .collect()
}

/// The bytes `open_exec` reads of `path` at `[off, off + len)`.
fn exec_bytes(root: &str, path: &str, off: u64, len: usize) -> Vec<u8> {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs = HostFs::mount(&mm_core::fs::SuperBlock::new(k.machine()), root, &MountOptions::default()).expect("mount");
    k.set_root(fs);
    let f = k.open_exec(path).expect("open_exec");
    let mut buf = vec![0u8; len];
    let n = f.inode.fops.read(&f, off, &mut buf).expect("read");
    buf.truncate(n);
    buf
}

#[test]
fn a_snapshot_replays_as_the_host_did() {
    let s = scratch("snap");
    add_programs(&s);
    // Shared objects are executable, as on a real system.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(s.0.join("usr/lib/libc.so.6"), mode).expect("chmod");
    let root = s.0.to_str().expect("utf-8");
    let text = mm_fs_host::write_snapshot(root, LOG.as_bytes()).expect("snapshot");
    assert!(text.starts_with("mmsim-root-snapshot 1\n"), "{text}");
    assert!(text.len() < 4096, "{} bytes:\n{text}", text.len());
    let file = s.0.join("root.snap");
    std::fs::write(&file, &text).expect("write snapshot");
    let snap = file.to_str().expect("utf-8");

    // Every open the log makes gives the same answer from both.
    let from_host = opens(root);
    let from_snap = opens(snap);
    for ((want, got), (p, _)) in from_host.iter().zip(&from_snap).zip(OPENS) {
        // A path the log never named is simply not in the snapshot.
        if *p == "/nowhere/at/all" {
            assert_eq!(*got, Err(Errno::ENOENT));
            continue;
        }
        assert_eq!(got, want, "{p}\n{text}");
    }
    assert!(from_host[0].is_ok() && from_host[1] == Err(Errno::ENOENT) && from_host[5] == Err(Errno::ELOOP));

    // The bytes execve reads, for the script and its interpreters: the
    // script's line, the ELF headers and PT_INTERP.
    let host = |p: &str, off: u64, len: usize| exec_bytes(root, p, off, len);
    let snapped = |p: &str, off: u64, len: usize| exec_bytes(snap, p, off, len);
    for (p, len) in [("/usr/bin/script", 256), ("/usr/bin/prog", 256), ("/lib64/ld.so", 256)] {
        assert_eq!(snapped(p, 0, len), host(p, 0, len), "{p}");
    }
    // Nothing else: the rest of the file reads as zeros.
    assert_eq!(snapped("/usr/bin/prog", 4096, 64), vec![0; 64]);
    assert_ne!(host("/usr/bin/prog", 4096, 64), vec![0; 64]);
    assert_eq!(snapped("/lib/libc.so.6", 0, 64), vec![0; 64]);
    // The snapshot names the files by canonical path.
    assert!(text.contains("\nf /usr/lib/ld.so "), "{text}");
    assert!(text.contains("\nl /lib64 777 "), "{text}");
    assert!(text.contains("\n- /dir/missing\n"), "{text}");
}

#[test]
fn the_snapshot_writer_leaves_an_existing_output_alone() {
    // `mmsim snapshot` never replaces a file: see mm-sim's cli tests; here
    // the writer itself needs only a directory as the root.
    let e = mm_fs_host::write_snapshot("/nonexistent-root-dir", b"").expect_err("no such root");
    assert!(
        matches!(&e, mm_fs_host::HostRootError::Unusable { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    assert!(e.to_string().starts_with("cannot use /nonexistent-root-dir as the root: "), "{e}");
    let s = scratch("notdir");
    let e = mm_fs_host::write_snapshot(s.0.join("plain").to_str().expect("utf-8"), b"").expect_err("a file");
    assert!(matches!(&e, mm_fs_host::HostRootError::NotADirectory { .. }), "{e:?}");
    assert!(e.to_string().contains("not a directory"), "{e}");
}

fn parse_err(text: &str) -> String {
    let e = Snapshot::parse(text.as_bytes()).expect_err("bad snapshot");
    assert!(e.line >= 1 && e.to_string() == format!("line {}: {}", e.line, e.msg), "{e:?}");
    e.to_string()
}

#[test]
fn bad_snapshots_get_an_error_naming_the_line() {
    let m = "mmsim-root-snapshot 1\n";
    assert!(parse_err("hello\n").starts_with("line 1: not a root snapshot"));
    assert_eq!(
        parse_err(&format!("{m}d usr 755 0:0 1 0\n")),
        "line 2: bad path (absolute, canonical, bytes outside '!'..'~' and '\\' as \\xNN)"
    );
    assert!(parse_err(&format!("{m}d /a/../b 755 0:0 1 0\n")).starts_with("line 2: bad path"));
    assert!(parse_err(&format!("{m}d /a//b 755 0:0 1 0\n")).starts_with("line 2: bad path"));
    assert_eq!(parse_err(&format!("{m}# c\nd /a 755 0:0 1\n")), "line 3: expected 6 fields");
    assert_eq!(parse_err(&format!("{m}d /a 758 0:0 1 0\n")), "line 2: bad permissions (octal, at most 7777)");
    assert_eq!(parse_err(&format!("{m}d /a 755 0:g 1 0\n")), "line 2: bad device (expected MAJOR:MINOR in hex)");
    assert_eq!(
        parse_err(&format!("{m}f /a 755 0:0 1 99999999999999999999\n")),
        "line 2: bad size (a number up to 2^63)"
    );
    assert_eq!(parse_err(&format!("{m}= 0 00\n")), "line 2: '=' must follow an 'f' line");
    assert_eq!(parse_err(&format!("{m}f /a 755 0:0 1 2\n= 1 0000\n")), "line 3: bytes past the end of the file");
    assert_eq!(
        parse_err(&format!("{m}f /a 755 0:0 1 9\n= 1 0000\n= 2 00\n")),
        "line 4: bytes overlap earlier bytes of the file"
    );
    assert_eq!(parse_err(&format!("{m}f /a 755 0:0 1 9\n= 1 0\n")), "line 3: bad bytes (expected pairs of hex digits)");
    assert_eq!(parse_err(&format!("{m}- /a\n- /a\n")), "line 3: this path is given twice");
    assert_eq!(parse_err(&format!("{m}x /a\n")), "line 2: unknown line kind 'x'");
    assert_eq!(parse_err(&format!("{m}f / 755 0:0 1 0\n")), "line 2: the root must be a directory");
    assert_eq!(parse_err(&format!("{m}l /a 777 0:0 1 \\x\n")), "line 2: bad link target");
    // Sizes are numbers: a file of 2^63 bytes costs nothing.
    let s = Snapshot::parse(format!("{m}f /huge 644 0:0 1 9223372036854775808\n").as_bytes());
    assert!(s.is_ok());
    // A path with odd bytes round-trips through its escapes.
    assert!(Snapshot::parse(format!("{m}- /a\\x20b\\xff\n").as_bytes()).is_ok());
}

#[test]
fn a_huge_file_from_a_snapshot_maps_without_reading_anything() {
    let text = b"mmsim-root-snapshot 1\nfs 08:01 ext4\nf /huge 644 08:01 7 9223372036854775807\n= 4096 01\n";
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs = HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), text, None).expect("snapshot");
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "/huge", O_RDONLY).expect("open");
    let a = k.sys_mmap(pid, 0, 4 << 20, 1, 2, fd as i64, 1 << 40).expect("mmap");
    assert!(a.is_multiple_of(2 << 20), "ext4 placement: {a:#x}");
    let b = k.sys_mmap(pid, 0, 8192, 1, 2, fd as i64, 0).expect("mmap");
    assert_eq!(k.load(pid, b + 4096), Ok(1));
    assert_eq!(k.load(pid, b), Ok(0));
}

/// A valid snapshot to mutate.
fn sample() -> Vec<u8> {
    b"mmsim-root-snapshot 1\nfs fe:00 ext4\nd / 755 fe:00 2 4096\nl /lib 777 fe:00 12 usr/lib\nd /usr 755 fe:00 3 4096\n\
d /usr/lib 755 fe:00 4 4096\nf /usr/lib/ld.so 755 fe:00 5 12288\n= 0 7f454c4602010100\n= 64 0300\n\
c /dev/zero 666 00:05 4 1:5\np /fifo 644 fe:00 6\ns /sock 755 fe:00 7\nb /dev/sda 660 00:05 8 8:0\n- /etc/ld.so.preload\n"
        .to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any edit of a valid snapshot parses or gives a line-numbered
    /// error; a parsed one serves lookups without panicking.
    #[test]
    fn the_parser_takes_any_input(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..8)) {
        let mut text = sample();
        for (at, byte, op) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 if i < text.len() => text[i] = byte,
                1 => text.insert(i, byte),
                _ if i < text.len() => { text.remove(i); }
                _ => {}
            }
        }
        match Snapshot::parse(&text) {
            Err(e) => prop_assert!(e.to_string().starts_with("line "), "{}", e),
            Ok(_) => {
                let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
                let fs = HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), &text, None).expect("parsed once");
                k.set_root(fs);
                let pid = k.spawn().expect("process");
                for p in ["/lib/ld.so", "/usr/lib/ld.so", "/dev/zero", "/fifo", "/sock", "/lib/", "/etc/ld.so.preload"] {
                    if let Ok(fd) = k.sys_openat(pid, p, O_RDONLY) {
                        let _ = k.sys_mmap(pid, 0, 8192, 1, 2, fd as i64, 0);
                    }
                }
            }
        }
    }

    /// Random bytes after the magic line never panic the parser.
    #[test]
    fn random_lines_never_panic(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut text = b"mmsim-root-snapshot 1\n".to_vec();
        text.extend(body);
        if let Err(e) = Snapshot::parse(&text) {
            prop_assert!(e.to_string().starts_with("line "), "{}", e);
        }
    }
}

#[test]
fn bad_start_pagecache_lines_get_an_error_naming_the_line() {
    let m = "mmsim-root-snapshot 1\n";
    let f = "f /a 644 fe:00 5 65536\n";
    assert_eq!(
        parse_err(&format!("{m}{f}c 0 1 0\n")),
        "line 3: 'c FIRST COUNT ORDER' needs a 'pagecache' line before it"
    );
    assert_eq!(parse_err(&format!("{m}pagecache\nc 0 1 0\n")), "line 3: 'c FIRST COUNT ORDER' must follow an 'f' line");
    assert_eq!(parse_err(&format!("{m}pagecache\n{f}c 0 1 10\n")), "line 4: bad folio order (0 to 9)");
    assert_eq!(
        parse_err(&format!("{m}pagecache\n{f}c 2 1 2\n")),
        "line 4: the first page is not a multiple of the folio's pages"
    );
    assert_eq!(parse_err(&format!("{m}pagecache\n{f}c 0 0 0\n")), "line 4: bad folio count");
    assert_eq!(parse_err(&format!("{m}pagecache\n{f}c 8 3 2\n")), "line 4: cached pages past the end of the file");
    assert_eq!(
        parse_err(&format!("{m}pagecache\n{f}c 4 1 2\nc 0 1 0\n")),
        "line 5: cached runs overlap or are not in page order"
    );
    assert_eq!(parse_err(&format!("{m}pagecache\n{f}c 0 1 0\npagecache\n")), "line 5: 'pagecache' is given twice");
    assert_eq!(parse_err(&format!("{m}pagecache\n{f}c 0 1 x\n")), "line 4: bad folio order (0 to 9)");
    assert_eq!(
        parse_err(&format!("{m}fs fe:00 ext4 ra=x\n")),
        "line 2: bad readahead window (ra=PAGES, at most 262144)"
    );
    assert_eq!(parse_err(&format!("{m}fs fe:00 ext4 ro\n")), "line 2: bad readahead window (ra=PAGES, at most 262144)");
    assert_eq!(parse_err(&format!("{m}fs fe:00\n")), "line 2: expected 3 fields, or 4 with ra=PAGES");
    assert_eq!(
        parse_err(&format!("{m}pagecache\n{f}c 0 1 0 marked\n")),
        "line 4: expected 'readahead' or nothing after the folio order"
    );
    assert!(Snapshot::parse(format!("{m}pagecache\n{f}c 0 1 0 readahead\n").as_bytes()).is_ok());
    // A character device line keeps its meaning.
    assert!(Snapshot::parse(format!("{m}pagecache\nc /dev/zero 666 00:05 4 1:5\n").as_bytes()).is_ok());
    // The last folio may reach past the end of the file, as at its end.
    assert!(Snapshot::parse(format!("{m}pagecache\nf /b 644 fe:00 6 5000\nc 0 1 2\n").as_bytes()).is_ok());
}

/// Loads page `page` of the mapping at `base`: the faults it took and the
/// pages of its first 64 then present.
fn load_page(k: &Kernel, pid: mm_core::Pid, base: u64, page: u64) -> ((u64, u64), Vec<(u64, u64)>) {
    let before = k.faults(pid).expect("faults");
    k.load(pid, base + page * 4096).expect("load");
    let after = k.faults(pid).expect("faults");
    let present = k
        .present(pid, base, base + (64 << 12))
        .expect("present")
        .iter()
        .map(|&(a, b)| ((a - base) >> 12, (b - base) >> 12))
        .collect();
    ((after.0 - before.0, after.1 - before.1), present)
}

#[test]
fn the_start_pagecache_is_cached_before_anything_runs() {
    let text = "mmsim-root-snapshot 1\nfs fe:00 ext4 ra=8\nfs 00:1a tmpfs\npagecache\n\
f /data 644 fe:00 5 262144\n= 4100 2a\nc 0 1 4\nc 32 2 0\nf /shm 644 00:1a 6 262144\nc 0 1 4\n";
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs =
        HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), text.as_bytes(), None).expect("snapshot");
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "/data", O_RDONLY).expect("open");
    let file = k.filp_open("/data", O_RDONLY).expect("open");
    let mapping = &file.inode.mapping;
    let folios: Vec<(u64, u32)> = mapping.folios_in(0, 63).iter().map(|f| (f.index, f.order)).collect();
    assert_eq!(folios, [(0, 4), (32, 0), (33, 0)]);
    assert_eq!(file.f_ra.lock().ra_pages, 8);
    // 2 MiB: ext4 places it 2 MiB-aligned, so fault-around windows are
    // 16-page aligned file ranges.
    let base = k.sys_mmap(pid, 0, 2 << 20, 1, 2, fd as i64, 0).expect("mmap");
    assert!(base.is_multiple_of(2 << 20));
    // A cached large folio: a minor fault mapping all of it, with the
    // snapshot's bytes.
    assert_eq!(load_page(&k, pid, base, 1), ((1, 0), vec![(0, 16)]));
    assert_eq!(k.load(pid, base + 4100), Ok(0x2a));
    // Cached order-0 pages: fault-around maps both.
    assert_eq!(load_page(&k, pid, base, 33), ((1, 0), vec![(0, 16), (32, 34)]));
    // Uncached: a major fault, read-around of ra=8 pages centred on it
    // (46..53, page 52 the readahead marker), then fault-around of the
    // retried fault maps the window's cached pages but the marker.
    assert_eq!(load_page(&k, pid, base, 50), ((0, 1), vec![(0, 16), (32, 34), (48, 52), (53, 54)]));
    assert_eq!(mapping.folios_in(46, 53).iter().map(|f| f.index).collect::<Vec<_>>(), (46..54).collect::<Vec<_>>());
    // tmpfs caches no large folios: its run is sixteen pages.
    let shm = k.filp_open("/shm", O_RDONLY).expect("open");
    let f: Vec<(u64, u32)> = shm.inode.mapping.folios_in(0, 63).iter().map(|f| (f.index, f.order)).collect();
    assert_eq!(f, (0..16).map(|i| (i, 0)).collect::<Vec<_>>());
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}

/// A cached folio marked `readahead` (`PG_readahead` when the recording
/// started) is the one page fault-around does not map; a fault on it maps
/// it and starts the next window.
#[test]
fn a_readahead_mark_in_the_start_pagecache_stops_fault_around() {
    let text = "mmsim-root-snapshot 1\nfs fe:00 ext4 ra=8\npagecache\n\
f /data 644 fe:00 5 262144\nc 0 5 0\nc 5 1 0 readahead\nc 6 10 0\n";
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs =
        HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), text.as_bytes(), None).expect("snapshot");
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "/data", O_RDONLY).expect("open");
    let base = k.sys_mmap(pid, 0, 2 << 20, 1, 2, fd as i64, 0).expect("mmap");
    // A minor fault on page 1 maps the window's cached pages but page 5.
    assert_eq!(load_page(&k, pid, base, 1), ((1, 0), vec![(0, 5), (6, 16)]));
    // Page 5 faults (minor: cached) and is mapped.
    assert_eq!(load_page(&k, pid, base, 5), ((1, 0), vec![(0, 16)]));
    assert!(k.check_invariants().is_empty(), "{:?}", k.check_invariants());
}

#[test]
fn a_start_pagecache_larger_than_memory_is_an_error() {
    let text =
        "mmsim-root-snapshot 1\nfs fe:00 ext4\npagecache\nf /big 644 fe:00 5 9223372036854775807\nc 0 1000000 9\n";
    let k = Kernel::new(&MachineConfig { ram: 64 << 20, ..MachineConfig::default() }).expect("machine");
    let e = HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), text.as_bytes(), None)
        .expect_err("too large");
    assert!(matches!(&e, HostMountError::StartPageCacheTooLarge { file, .. } if file == "/big"), "{e:?}");
    let e = e.to_string();
    assert!(e.starts_with("/big: the start page cache ("), "{e}");
    assert!(e.ends_with("does not fit in the machine's memory"), "{e}");
}
