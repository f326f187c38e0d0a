//! ext4 images made by `mke2fs -d`, mapped through the simulator: every
//! byte read through a mapping is the file's; mounted with `write_source`,
//! shared writes reach the image in place (`debugfs` sees them, `e2fsck -fn`
//! stays clean); by default the image is never written, yet written pages
//! read back after eviction; private writes never reach the image, and
//! writes that would need new blocks are refused.

mod common;
use common::pattern;
use mm_core::errno::Signal;
use mm_core::flags::{MapFlags, Prot};
use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE, Pid};
use mm_fs_ext::{Ext4Image, MountOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use mm_alloc as _;
use mm_x86 as _;

const O_RDONLY: u64 = 0;
const O_RDWR: u64 = 2;
const MS_SYNC: u64 = 4;
const BASE: u64 = 0x1_0000_0000;

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mm-fs-ext-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/dir")).expect("scratch dir");
        Scratch(dir)
    }
    fn src(&self) -> PathBuf {
        self.0.join("src")
    }
    fn image(&self) -> PathBuf {
        self.0.join("fs.img")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files every test image holds: `(path in the image, contents)`.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("/one-byte", pattern(1, 1)),
        ("/page", pattern(2, 4096)),
        ("/page-plus-one", pattern(3, 4097)),
        ("/dir/odd", pattern(4, 3 * 4096 + 123)),
        ("/big", pattern(5, (1 << 20) + 555)),
    ]
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?} (install e2fsprogs): {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Builds an ext4 image of the test files with `mke2fs -d`, with
/// `block_size`-byte blocks, plus a sparse file (`/sparse`: a hole, 4 KiB
/// of data at 64 KiB, a hole up to 128 KiB).
fn make_image(s: &Scratch, block_size: u32) -> Vec<(&'static str, Vec<u8>)> {
    let mut all = files();
    for (path, data) in &all {
        std::fs::write(s.src().join(path.trim_start_matches('/')), data).expect("write source file");
    }
    let mut sparse = vec![0u8; 128 << 10];
    sparse[64 << 10..68 << 10].copy_from_slice(&pattern(6, 4096));
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::create(s.src().join("sparse")).expect("sparse file");
        f.set_len(sparse.len() as u64).expect("truncate");
        f.write_all_at(&sparse[64 << 10..68 << 10], 64 << 10).expect("write sparse data");
    }
    all.push(("/sparse", sparse));
    run(Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4", "-b", &block_size.to_string(), "-d"])
        .arg(s.src())
        .arg(s.image())
        .arg("16M"));
    all
}

fn fsck_clean(image: &Path) {
    let out = Command::new("e2fsck").arg("-fn").arg(image).output().expect("run e2fsck (install e2fsprogs)");
    assert!(
        out.status.success(),
        "e2fsck -fn found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn debugfs_cat(image: &Path, path: &str) -> Vec<u8> {
    run(Command::new("debugfs").arg("-R").arg(format!("cat {path}")).arg(image)).stdout
}

/// Mounts `image` with writeback into the image file (`write_source`).
fn mount_writing(k: &Kernel, image: &Path) -> std::sync::Arc<Ext4Image> {
    Ext4Image::mount_with(
        &mm_core::fs::SuperBlock::new(k.machine()),
        image.to_str().expect("utf-8 path"),
        MountOptions { write_source: true, ..Default::default() },
    )
    .expect("mount")
}

/// A machine with `image` mounted to write back into it.
fn kernel_on(image: &Path) -> (Kernel, Pid) {
    let mut k = Kernel::new(&MachineConfig { ram: 256 << 20, ..MachineConfig::default() }).expect("machine");
    let fs = mount_writing(&k, image);
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    (k, pid)
}

/// How a test maps a file: `open(2)` flags, protection, map flags.
type Mode = (u64, Prot, MapFlags);

/// Opens `path` and maps `len` bytes of it at `addr`; returns the
/// descriptor.
fn map(k: &Kernel, pid: Pid, path: &str, (open, prot, flags): Mode, addr: u64, len: usize) -> i64 {
    let fd = k.sys_openat(pid, path, open).unwrap_or_else(|e| panic!("openat {path}: {e}")) as i64;
    let got = k
        .sys_mmap(pid, addr, len as u64, prot.bits(), (flags | MapFlags::FIXED).bits(), fd, 0)
        .unwrap_or_else(|e| panic!("mmap {path}: {e}"));
    assert_eq!(got, addr);
    fd
}

fn read_mapping(k: &Kernel, pid: Pid, addr: u64, len: usize) -> Result<Vec<u8>, Signal> {
    let mut buf = vec![0u8; len];
    k.task(pid).expect("task").read_bytes(0, addr, &mut buf)?;
    Ok(buf)
}

#[test]
fn every_byte_read_through_a_mapping_is_the_files() {
    for block_size in [1024, 4096] {
        let s = Scratch::new("read");
        let all = make_image(&s, block_size);
        let (k, pid) = kernel_on(&s.image());
        let mut addr = BASE;
        for (path, data) in &all {
            let pages = data.len().div_ceil(PAGE_SIZE as usize);
            let len = pages * PAGE_SIZE as usize;
            map(&k, pid, path, (O_RDONLY, Prot::READ, MapFlags::PRIVATE), addr, len);
            let got = read_mapping(&k, pid, addr, len).expect("no signal inside the file");
            assert!(got[..data.len()] == data[..], "{path} (block size {block_size}) differs through the mapping");
            assert!(got[data.len()..].iter().all(|&b| b == 0), "{path}: the tail of the last page is not zero");
            // A page wholly past the end of the file is SIGBUS.
            map(&k, pid, path, (O_RDONLY, Prot::READ, MapFlags::PRIVATE), addr + (1 << 24), len + PAGE_SIZE as usize);
            let past = addr + (1 << 24) + len as u64;
            assert_eq!(read_mapping(&k, pid, past, 1), Err(Signal::Bus { addr: past }));
            addr += 1 << 25;
        }
        // The first touch of a file is a major fault; read-around brings
        // the pages after it, so the rest of a small file costs no more.
        let (min, maj) = k.faults(pid).expect("faults");
        assert_eq!(maj as usize, all.len(), "one major fault per file (minor: {min})");
        drop(k);
        fsck_clean(&s.image());
    }
}

#[test]
fn shared_writes_reach_the_image_in_place() {
    for block_size in [1024, 4096] {
        let s = Scratch::new("shared");
        let all = make_image(&s, block_size);
        let (path, data) = &all[4];
        let mut expect = data.clone();
        let (k, pid) = kernel_on(&s.image());
        let len = data.len().div_ceil(PAGE_SIZE as usize) * PAGE_SIZE as usize;
        let fd = map(&k, pid, path, (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::SHARED), BASE, len);
        let t = k.task(pid).expect("task").clone();
        // A few pages, the first and the last (partial) one included.
        for (i, off) in [0usize, 5000, 300_000, data.len() - 7].into_iter().enumerate() {
            let bytes = pattern(100 + i as u64, 7);
            t.write_bytes(0, BASE + off as u64, &bytes).expect("store");
            expect[off..off + 7].copy_from_slice(&bytes);
        }
        assert_eq!(k.sys_msync(pid, BASE, len as u64, MS_SYNC), Ok(0));
        assert!(debugfs_cat(&s.image(), path) == expect, "msync did not write the stores back");
        fsck_clean(&s.image());
        // Written again after the writeback: the page was cleaned and
        // write-protected, so this store faults and dirties it again.
        let (min0, _) = k.faults(pid).expect("faults");
        t.write_bytes(0, BASE + 5001, b"again").expect("store");
        assert_eq!(k.faults(pid).expect("faults").0, min0 + 1, "a store after writeback must fault");
        expect[5001..5006].copy_from_slice(b"again");
        // Unmapped and closed without msync: written back as the file goes.
        assert_eq!(k.sys_munmap(pid, BASE, len as u64), Ok(0));
        assert_eq!(k.sys_close(pid, fd), Ok(0));
        drop(t);
        drop(k);
        assert!(debugfs_cat(&s.image(), path) == expect, "the last store was lost");
        fsck_clean(&s.image());
        // Nothing else changed.
        for (p, d) in &all[..4] {
            assert!(debugfs_cat(&s.image(), p) == *d, "{p} changed");
        }
    }
}

#[test]
fn private_writes_never_reach_the_image() {
    let s = Scratch::new("private");
    let all = make_image(&s, 4096);
    let (path, data) = &all[3];
    let (k, pid) = kernel_on(&s.image());
    let len = data.len().div_ceil(PAGE_SIZE as usize) * PAGE_SIZE as usize;
    map(&k, pid, path, (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::PRIVATE), BASE, len);
    let t = k.task(pid).expect("task").clone();
    t.write_bytes(0, BASE, &vec![0xee; len]).expect("stores");
    assert_eq!(read_mapping(&k, pid, BASE, 4).expect("load"), vec![0xee; 4]);
    assert_eq!(k.sys_msync(pid, BASE, len as u64, MS_SYNC), Ok(0));
    k.sync().expect("sync");
    drop(t);
    drop(k);
    assert!(debugfs_cat(&s.image(), path) == *data, "a private write reached the image");
    fsck_clean(&s.image());
}

#[test]
fn writes_that_need_new_blocks_are_refused() {
    let s = Scratch::new("holes");
    let all = make_image(&s, 4096);
    let (path, data) = &all[5];
    let (k, pid) = kernel_on(&s.image());
    map(&k, pid, path, (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::SHARED), BASE, data.len());
    let t = k.task(pid).expect("task").clone();
    // The hole reads as zeroes but cannot be written in place.
    assert_eq!(read_mapping(&k, pid, BASE, 16).expect("load"), vec![0; 16]);
    assert_eq!(t.store(0, BASE, 1), Err(Signal::Bus { addr: BASE }));
    // The allocated page can.
    t.store(0, BASE + (64 << 10), 0x42).expect("store to allocated block");
    drop(t);
    drop(k);
    let mut expect = data.clone();
    expect[64 << 10] = 0x42;
    assert!(debugfs_cat(&s.image(), path) == expect);
    fsck_clean(&s.image());
}

/// By default the image file is opened read-only (so a read-only image
/// mounts) and never written, yet what a process wrote and wrote back
/// reads back after the page cache dropped it.
#[test]
fn the_image_is_never_written_unless_asked() {
    let s = Scratch::new("overlay");
    let all = make_image(&s, 1024);
    let mut perms = std::fs::metadata(s.image()).expect("image").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(s.image(), perms).expect("chmod");
    let before = std::fs::read(s.image()).expect("image");
    let mut k = Kernel::new(&MachineConfig { ram: 256 << 20, ..MachineConfig::default() }).expect("machine");
    let fs = Ext4Image::mount(&mm_core::fs::SuperBlock::new(k.machine()), s.image().to_str().expect("utf-8"))
        .expect("mount");
    assert!(!fs.writes_image());
    k.set_root(fs.clone());
    let pid = k.spawn().expect("process");
    let (path, data) = &all[3];
    let len = data.len().div_ceil(PAGE_SIZE as usize) * PAGE_SIZE as usize;
    let mut expect = data.clone();
    for round in 0..2u64 {
        let fd = map(&k, pid, path, (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::SHARED), BASE, len);
        let got = read_mapping(&k, pid, BASE, data.len()).expect("load");
        assert!(got == expect, "round {round}: the file reads back differently");
        let t = k.task(pid).expect("task").clone();
        // Across block boundaries (1 KiB blocks) and into the last page.
        for (i, off) in [0usize, 1020, 5000, data.len() - 9].into_iter().enumerate() {
            let bytes = pattern(200 + 10 * round + i as u64, 9);
            t.write_bytes(0, BASE + off as u64, &bytes).expect("store");
            expect[off..off + 9].copy_from_slice(&bytes);
        }
        assert_eq!(k.sys_msync(pid, BASE, len as u64, MS_SYNC), Ok(0));
        // The last reference goes: the page cache is dropped with the
        // inode, and the next open reads the file again.
        assert_eq!(k.sys_munmap(pid, BASE, len as u64), Ok(0));
        assert_eq!(k.sys_close(pid, fd), Ok(0));
    }
    // write(2) too, then sync.
    {
        use mm_core::fs::{FMode, File, Filesystem};
        let f = File::open(fs.lookup(path).expect("lookup"), FMode::READ | FMode::WRITE, *path);
        assert_eq!(f.inode.fops.write(&f, 3, b"hello"), Ok(5));
        expect[3..8].copy_from_slice(b"hello");
        k.sync().expect("sync");
    }
    let fd = map(&k, pid, path, (O_RDONLY, Prot::READ, MapFlags::PRIVATE), BASE, len);
    assert!(read_mapping(&k, pid, BASE, data.len()).expect("load") == expect, "the last writes were lost");
    assert_eq!(k.sys_close(pid, fd), Ok(0));
    drop(k);
    assert!(std::fs::read(s.image()).expect("image") == before, "the image changed");
    // Writing into the image must be asked for, and needs a writable file
    // (root may write any file).
    let k = Kernel::new(&MachineConfig::default()).expect("machine");
    let w = Ext4Image::mount_with(
        &mm_core::fs::SuperBlock::new(k.machine()),
        s.image().to_str().expect("utf-8"),
        MountOptions { write_source: true, ..Default::default() },
    );
    if let Err(e) = w {
        assert!(matches!(&e, mm_fs_ext::Ext4MountError::OpenForWriting { .. }), "{e:?}");
        assert!(e.to_string().starts_with("cannot open image") && e.to_string().contains("for writing"), "{e}");
    }
}

/// Under memory pressure without `write_source`, reclaim writes dirty
/// pages back into the overlay and reads them from it again: every byte
/// survives, and the image file is unchanged.
#[test]
fn dirty_pages_survive_eviction_without_touching_the_image() {
    let s = Scratch::new("overlay-pressure");
    let len = 4usize << 20;
    let mut expect = pattern(8, len);
    std::fs::write(s.src().join("big4m"), &expect).expect("source file");
    run(Command::new("mke2fs").args(["-q", "-F", "-t", "ext4", "-d"]).arg(s.src()).arg(s.image()).arg("16M"));
    let before = std::fs::read(s.image()).expect("image");
    let mut k = Kernel::new(&MachineConfig { ram: 2 << 20, ..MachineConfig::default() }).expect("machine");
    let fs = Ext4Image::mount(&mm_core::fs::SuperBlock::new(k.machine()), s.image().to_str().expect("utf-8 path"))
        .expect("mount");
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    map(&k, pid, "/big4m", (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::SHARED), BASE, len);
    let t = k.task(pid).expect("task").clone();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for step in 0..6_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let off = (x % (len as u64 - 32)) as usize;
        let bytes = pattern(5000 + step, 32);
        t.write_bytes(0, BASE + off as u64, &bytes).expect("store");
        expect[off..off + 32].copy_from_slice(&bytes);
    }
    let m = k.machine().clone();
    assert!(m.vmstat().get(mm_core::vmstat::VmEvent::PgStealFile) > 500, "file pages must have been reclaimed");
    assert!(read_mapping(&k, pid, BASE, len).expect("read") == expect, "the mapping differs");
    drop(t);
    drop(k);
    assert!(std::fs::read(s.image()).expect("image") == before, "the image changed");
}

#[test]
fn read_and_write_go_through_the_page_cache() {
    use mm_core::fs::{FMode, File, Filesystem};
    let s = Scratch::new("rw");
    let all = make_image(&s, 4096);
    let (k, pid) = kernel_on(&s.image());
    // ext4: write(2) lands in the cache, and in the image on sync.
    let fs = mount_writing(&k, &s.image());
    let (path, data) = &all[4];
    let f = File::open(fs.lookup(path).expect("lookup"), FMode::READ | FMode::WRITE, *path);
    let mut buf = vec![0u8; 10_000];
    assert_eq!(f.inode.fops.read(&f, 4090, &mut buf), Ok(10_000));
    assert!(buf[..] == data[4090..14_090]);
    assert_eq!(f.inode.fops.write(&f, 4094, b"hello"), Ok(5));
    assert_eq!(f.inode.fops.read(&f, 4094, &mut buf[..5]), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    // A write into a hole would need a block: refused, nothing written.
    let sparse = File::open(fs.lookup("/sparse").expect("lookup"), FMode::READ | FMode::WRITE, "/sparse");
    assert_eq!(sparse.inode.fops.write(&sparse, 10, b"x"), Err(mm_core::Errno::ENOSPC));
    fs.sync().expect("sync");
    drop((f, sparse, fs, k, pid));
    let mut expect = data.clone();
    expect[4094..4099].copy_from_slice(b"hello");
    assert!(debugfs_cat(&s.image(), path) == expect);
    assert!(debugfs_cat(&s.image(), "/sparse") == all[5].1);
    fsck_clean(&s.image());
}

/// Under memory pressure, reclaim writes dirty pages of a shared mapping
/// back to the image (`pageout`) before dropping them, and reads them
/// again on the next fault: a file twice as large as RAM, written and read
/// at random, keeps every byte, and the image holds what was written.
#[test]
fn dirty_pages_are_written_back_under_memory_pressure() {
    use mm_core::vmstat::VmEvent;
    let s = Scratch::new("pressure");
    let len = 4usize << 20;
    let mut expect = pattern(7, len);
    std::fs::write(s.src().join("big4m"), &expect).expect("source file");
    run(Command::new("mke2fs").args(["-q", "-F", "-t", "ext4", "-d"]).arg(s.src()).arg(s.image()).arg("16M"));
    // 2 MiB of RAM, no swap: only file pages can go.
    let mut k = Kernel::new(&MachineConfig { ram: 2 << 20, ..MachineConfig::default() }).expect("machine");
    let fs = mount_writing(&k, &s.image());
    k.set_root(fs);
    let pid = k.spawn().expect("process");
    let fd = map(&k, pid, "/big4m", (O_RDWR, Prot::READ | Prot::WRITE, MapFlags::SHARED), BASE, len);
    let t = k.task(pid).expect("task").clone();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut buf = [0u8; 32];
    for step in 0..20_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let off = (x % (len as u64 - 32)) as usize;
        if step % 2 == 0 {
            let bytes = pattern(1000 + step, 32);
            t.write_bytes(0, BASE + off as u64, &bytes).expect("store");
            expect[off..off + 32].copy_from_slice(&bytes);
        } else {
            t.read_bytes(0, BASE + off as u64, &mut buf).expect("load");
            assert!(buf[..] == expect[off..off + 32], "load at {off:#x} after {step} steps");
        }
    }
    let m = k.machine().clone();
    assert!(m.vmstat().get(VmEvent::PgStealFile) > 1000, "file pages must have been reclaimed");
    assert!(m.vmstat().get(VmEvent::PgMajFault) > 100, "and read again");
    assert!(m.vmstat().get(VmEvent::WorkingsetRefaultFile) > 100, "with shadow entries seen");
    assert_eq!(m.vmstat().get(VmEvent::PswpOut), 0, "no swap");
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
    // Everything reads back through the mapping, then through the image.
    let got = read_mapping(&k, pid, BASE, len).expect("read");
    assert!(got == expect, "the mapping differs");
    assert_eq!(k.sys_munmap(pid, BASE, len as u64), Ok(0));
    assert_eq!(k.sys_close(pid, fd), Ok(0));
    drop(t);
    drop(k);
    assert!(debugfs_cat(&s.image(), "/big4m") == expect, "the image differs");
    fsck_clean(&s.image());
}

/// Paths are walked as Linux walks them: fast and slow symbolic links are
/// followed inside the image (absolute targets from its root), files show
/// their canonical path and the image's inode number, loops give `ELOOP`,
/// and directories open but do not map.
#[test]
fn symbolic_links_and_directories_of_an_image() {
    let s = Scratch::new("links");
    let src = s.src();
    std::fs::create_dir_all(src.join("usr/lib")).expect("dir");
    std::fs::write(src.join("usr/lib/libc.so.6"), pattern(8, 5000)).expect("write");
    let link = |target: &str, at: &str| std::os::unix::fs::symlink(target, src.join(at)).expect("symlink");
    link("usr/lib", "lib");
    // Longer than the 60 bytes a fast link holds: its target is in a block.
    let slow = format!("/{}/../usr/lib/libc.so.6", "d".repeat(70));
    std::fs::create_dir_all(src.join("d".repeat(70))).expect("dir");
    link(&slow, "slow");
    link("loop", "loop");
    run(Command::new("mke2fs").args(["-q", "-F", "-t", "ext4", "-d"]).arg(&src).arg(s.image()).arg("16M"));
    let (k, pid) = kernel_on(&s.image());
    let ino = run(Command::new("debugfs").arg("-R").arg("stat /usr/lib/libc.so.6").arg(s.image())).stdout;
    let ino = String::from_utf8_lossy(&ino);
    let ino: u64 =
        ino.split("Inode: ").nth(1).and_then(|r| r.split_whitespace().next()).expect("ino").parse().expect("n");
    for p in ["/lib/libc.so.6", "/slow", "lib/../lib/./libc.so.6"] {
        let fd = k.sys_openat(pid, p, O_RDONLY).unwrap_or_else(|e| panic!("{p}: {e}"));
        let f = k.task(pid).expect("task").files.lock().get(fd as i64).expect("file");
        assert_eq!((f.path.as_str(), f.inode.i_ino, f.inode.size()), ("/usr/lib/libc.so.6", ino, 5000), "{p}");
    }
    assert_eq!(k.sys_openat(pid, "/loop", O_RDONLY), Err(mm_core::Errno::ELOOP));
    assert_eq!(k.sys_openat(pid, "/lib/libc.so.6/x", O_RDONLY), Err(mm_core::Errno::ENOTDIR));
    let fd = k.sys_openat(pid, "/lib", O_RDONLY | 0o200000).expect("O_DIRECTORY");
    assert_eq!(k.sys_mmap(pid, 0, 4096, 1, 2, fd as i64, 0), Err(mm_core::Errno::ENODEV));
    assert_eq!(k.sys_openat(pid, "/lib", O_RDWR), Err(mm_core::Errno::EISDIR));
}
