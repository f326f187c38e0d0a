//! File faults, the simulator side by side with the real kernel of this
//! machine doing the same work (the machine is shared and noisy: compare
//! the two within one run, as ratios).
//!
//! - `page_fault2` (will-it-scale): a private mapping of a 128 MiB tmpfs
//!   file, one store per page: every store copies the page-cache page
//!   (`do_cow_fault`).  Against the floor too: the same 4 KiB copies alone,
//!   128 MiB of host memory to another 128 MiB with no fault (`copy-only`),
//!   which neither side can go below.
//! - `page_fault3`: the same through a shared mapping: every store dirties
//!   the page-cache page (`do_shared_fault`).
//! - `file_read`: one load per page of a private mapping of the file: a
//!   fault maps 16 cached pages (fault-around).  Against the floor: the
//!   same loads from 128 MiB of host memory, with no fault (`read-only`),
//!   and the model's own floor: the same loads through the mapping once
//!   every page is mapped (`mmsim-mapped`: a TLB miss and a page walk
//!   each, no fault).
//! - `ext4_cold_read`: one load per page of a private mapping of a 128 MiB
//!   file of an ext4 image, the page cache cold (every page read from the
//!   image by readahead), against the floor: the same bytes read straight
//!   from the image with the ext4 crate alone, a page at a time and a
//!   readahead window (32 pages) at a time.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mm_core::{Kernel, MachineConfig};
use mm_tests::touch;
use std::hint::black_box;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

const LEN: u64 = 128 << 20;
const PAGE: u64 = 4096;
const PAGES: u64 = LEN / PAGE;
const A: u64 = 0x1_0000_0000;
const O_RDWR: u64 = 2;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const PROT_RW: u64 = 3;

/// Byte `i` of the benchmark files.
fn file_byte(i: u64) -> u8 {
    (i / PAGE + i) as u8
}

/// Maps the file at `fd`, touches every page, unmaps.
fn sim_touch(k: &Kernel, pid: u32, fd: i64, flags: u64, write: bool) {
    let a = k.sys_mmap(pid, A, LEN, PROT_RW, flags | MAP_FIXED, fd, 0).expect("mmap");
    touch::sim(k, pid, a, LEN, write);
    k.sys_munmap(pid, a, LEN).expect("munmap");
}

/// The file's bytes, for the host files.
fn contents() -> Vec<u8> {
    (0..LEN).map(file_byte).collect()
}

/// A 128 MiB file on the host's tmpfs, written and fsync'd (every page
/// cached), removed when dropped.
struct HostFile {
    path: PathBuf,
    file: std::fs::File,
}

impl HostFile {
    fn new() -> HostFile {
        let path = PathBuf::from(format!("/dev/shm/mmsim-bench-{}", std::process::id()));
        std::fs::write(&path, contents()).expect("write the tmpfs file");
        let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).expect("open");
        file.sync_all().expect("fsync");
        HostFile { path, file }
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn tmpfs_benches(c: &mut Criterion) {
    let host = HostFile::new();
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let mut fill = |p: u64, page: &mut [u8]| {
        for (j, b) in page.iter_mut().enumerate() {
            *b = file_byte(p * PAGE + j as u64);
        }
    };
    k.create_file("f", LEN, &mut fill).expect("file");
    let pid = k.spawn().expect("process");
    let fd = k.sys_openat(pid, "f", O_RDWR).expect("open") as i64;
    let cases = [
        ("page_fault2", MAP_PRIVATE, libc::MAP_PRIVATE, true),
        ("page_fault3", MAP_SHARED, libc::MAP_SHARED, true),
        ("file_read", MAP_PRIVATE, libc::MAP_PRIVATE, false),
    ];
    for (name, flags, lflags, write) in cases {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(PAGES));
        g.sample_size(20);
        g.bench_function(BenchmarkId::new("mmsim", "128MiB"), |b| b.iter(|| sim_touch(&k, pid, fd, flags, write)));
        g.bench_function(BenchmarkId::new("linux", "128MiB"), |b| {
            b.iter(|| touch::linux(host.file.as_raw_fd(), lflags, LEN as usize, write))
        });
        if name == "page_fault2" {
            let src = contents();
            let mut dst = vec![0u8; LEN as usize];
            g.bench_function(BenchmarkId::new("copy-only", "128MiB"), |b| {
                b.iter(|| {
                    for (d, s) in dst.chunks_exact_mut(PAGE as usize).zip(src.chunks_exact(PAGE as usize)) {
                        d.copy_from_slice(black_box(s));
                    }
                    black_box(&mut dst);
                })
            });
        }
        if name == "file_read" {
            // The model's own floor: the same loads through a mapping whose
            // pages are all mapped already (every load a TLB miss and a
            // page walk, as the first pass over 128 MiB is, but no fault).
            let a = k.sys_mmap(pid, A, LEN, PROT_RW, flags | MAP_FIXED, fd, 0).expect("mmap");
            touch::sim(&k, pid, a, LEN, false);
            g.bench_function(BenchmarkId::new("mmsim-mapped", "128MiB"), |b| {
                b.iter(|| touch::sim(&k, pid, a, LEN, false))
            });
            k.sys_munmap(pid, a, LEN).expect("munmap");
            let src = contents();
            g.bench_function(BenchmarkId::new("read-only", "128MiB"), |b| {
                b.iter(|| {
                    let mut sum = 0u8;
                    for page in src.chunks_exact(PAGE as usize) {
                        sum = sum.wrapping_add(black_box(page)[0]);
                    }
                    black_box(sum)
                })
            });
        }
        g.finish();
    }
}

/// An ext4 image holding `/big` (128 MiB) in a scratch directory.
struct Image {
    dir: PathBuf,
}

impl Image {
    fn new() -> Image {
        let dir = std::env::temp_dir().join(format!("mmsim-bench-ext4-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).expect("scratch dir");
        std::fs::write(dir.join("src/big"), contents()).expect("source file");
        let st = std::process::Command::new("mke2fs")
            .args(["-q", "-F", "-t", "ext4", "-d"])
            .arg(dir.join("src"))
            .arg(dir.join("fs.img"))
            .arg("200M")
            .status()
            .expect("run mke2fs (install e2fsprogs)");
        assert!(st.success(), "mke2fs failed");
        std::fs::remove_file(dir.join("src/big")).expect("remove source");
        Image { dir }
    }
    fn path(&self) -> PathBuf {
        self.dir.join("fs.img")
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Mounts the image afresh on `k` (so nothing of it is cached) and opens
/// `/big` read-only.
fn cold_open(k: &mut Kernel, pid: u32, image: &Path) -> i64 {
    let fs =
        mm_core::fs::mount(k.machine(), "ext4", image.to_str().expect("utf-8"), Default::default()).expect("mount");
    k.set_root(fs);
    k.sys_openat(pid, "/big", 0).expect("open") as i64
}

/// The floor: the file's bytes read from the image by the ext4 crate,
/// `chunk` bytes at a time (a page, or a readahead window).
fn ext4_crate_read(image: &Path, chunk: usize) -> u8 {
    let f = std::fs::File::open(image).expect("image");
    let sb = ext4::SuperBlock::new(f).expect("superblock");
    let entry = sb.resolve_path("/big").expect("lookup");
    let inode = sb.load_inode(entry.inode).expect("inode");
    let mut r = sb.open(&inode).expect("open");
    let mut buf = vec![0u8; chunk];
    let mut sum = 0u8;
    for _ in 0..LEN as usize / chunk {
        r.read_exact(&mut buf).expect("read");
        for page in buf.chunks(PAGE as usize) {
            sum = sum.wrapping_add(page[0]);
        }
    }
    sum
}

fn ext4_benches(c: &mut Criterion) {
    let image = Image::new();
    let path = image.path();
    let mut g = c.benchmark_group("ext4_cold_read");
    g.throughput(Throughput::Elements(PAGES));
    g.sample_size(10);
    // One machine for all runs, its memory warm like the host's; each run
    // mounts the image afresh, so its page cache starts empty, and the
    // previous run's mapping and file are dropped outside the timing.
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    let k = std::cell::RefCell::new(k);
    let prev = std::cell::Cell::new(None);
    g.bench_function(BenchmarkId::new("mmsim", "128MiB"), |b| {
        b.iter_batched(
            || {
                let mut k = k.borrow_mut();
                if let Some(fd) = prev.take() {
                    k.sys_munmap(pid, A, LEN).expect("munmap");
                    k.sys_close(pid, fd).expect("close");
                }
                cold_open(&mut k, pid, &path)
            },
            |fd| {
                let k = k.borrow();
                let a = k.sys_mmap(pid, A, LEN, 1, MAP_PRIVATE | MAP_FIXED, fd, 0).expect("mmap");
                let mut sum = 0u8;
                for p in 0..PAGES {
                    sum = sum.wrapping_add(k.load(pid, a + p * PAGE).expect("load"));
                }
                black_box(sum);
                prev.set(Some(fd));
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function(BenchmarkId::new("ext4-crate-4KiB-reads", "128MiB"), |b| {
        b.iter(|| black_box(ext4_crate_read(&path, PAGE as usize)))
    });
    g.bench_function(BenchmarkId::new("ext4-crate-128KiB-reads", "128MiB"), |b| {
        b.iter(|| black_box(ext4_crate_read(&path, 32 * PAGE as usize)))
    });
    g.finish();
}

criterion_group!(benches, tmpfs_benches, ext4_benches);
criterion_main!(benches);
