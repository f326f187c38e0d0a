//! Corrupt and hostile ext4 images get a clear error, quickly and with
//! bounded memory, never a panic: the images that once aborted, exhausted
//! memory or panicked (`mm-fuzz/regressions/`), and thousands of deterministic
//! mutations of valid images made by `mke2fs -d` (superblock, group
//! descriptors, inode table, extent headers and directory blocks).

mod common;
use common::pattern;
use mm_core::Errno;
use mm_core::fs::{FMode, File, Filesystem};
use mm_core::machine::MachineConfig;
use mm_fs_ext::{Ext4Image, Ext4MountError, SuperBlockError, read_image_files};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use mm_alloc as _;
use mm_x86 as _;

/// The system allocator, counting what each thread has allocated at most
/// at once since it last called [`reset_peak`].
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed to `System` unchanged; the counters are
// only bookkeeping beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `layout` contract is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = LIVE.try_with(|l| {
                l.set(l.get() + layout.size());
                let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
            });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, that is from `System`,
        // with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(layout.size())));
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn reset_peak() {
    PEAK.with(|p| p.set(LIVE.with(Cell::get)));
}

/// Bytes allocated at most at once, beyond what was live at the last
/// [`reset_peak`].
fn peak_since(base: usize) -> usize {
    PEAK.with(Cell::get).saturating_sub(base)
}

const MAX_BYTES: u64 = 1 << 20;

/// A scratch file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(name: &str, bytes: &[u8]) -> TempFile {
        let p = std::env::temp_dir().join(format!("mm-fs-ext-corrupt-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).expect("write image copy");
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Mounts `image` from a file and looks up `path` through the
/// filesystem, in bounded time and memory; returns the lookup's result.
fn lookup_in(name: &str, image: &[u8], path: &str) -> Result<Result<u64, Errno>, Ext4MountError> {
    let k = mm_core::Kernel::new(&MachineConfig { ram: 16 << 20, ..MachineConfig::default() }).expect("machine");
    let copy = TempFile::with(name, image);
    let start = Instant::now();
    reset_peak();
    let base = LIVE.with(Cell::get);
    let r = Ext4Image::mount(&mm_core::fs::SuperBlock::new(k.machine()), copy.0.to_str().expect("utf-8"))
        .map(|fs| fs.lookup(path).map(|i| i.size()));
    assert!(start.elapsed() < Duration::from_secs(2), "{name}: took {:?}", start.elapsed());
    assert!(peak_since(base) < 1 << 20, "{name}: allocated {} bytes", peak_since(base));
    assert!(std::fs::read(&copy.0).expect("image") == image, "{name}: the image changed");
    r
}

#[test]
fn a_directory_claiming_2_44_bytes_is_refused_at_mount() {
    let img = include_bytes!("../../mm-fuzz/regressions/03-ext4-dir-size-alloc-abort.img");
    let e = lookup_in("03", img, "/etc/hostname").expect_err("mount must fail");
    assert!(matches!(&e, Ext4MountError::NotExt4 { source: SuperBlockError::CorruptRoot { .. }, .. }), "{e:?}");
    assert!(e.to_string().contains("is not a readable ext4 image: corrupt root inode"), "{e}");
    assert!(read_image_files(img, &["/etc/hostname"], MAX_BYTES).is_err());
}

#[test]
fn a_directory_claiming_4_gib_is_structure_needs_cleaning() {
    let img = include_bytes!("../../mm-fuzz/regressions/03b-ext4-dir-size-4GiB-rss.img");
    assert_eq!(lookup_in("03b", img, "/etc/hostname").expect("mount"), Err(Errno::EUCLEAN));
    let r = read_image_files(img, &["/etc/hostname"], MAX_BYTES).expect("mount");
    let e = r[0].as_ref().expect_err("lookup must fail");
    assert_eq!(e.errno, Errno::EUCLEAN);
    assert!(e.msg.contains("directory inode 2"), "{}", e.msg);
}

#[test]
fn an_entry_naming_a_missing_inode_is_structure_needs_cleaning() {
    let img = include_bytes!("../../mm-fuzz/regressions/08-ext4-inode-index-oob-panic.img");
    assert_eq!(lookup_in("08", img, "/big").expect("mount"), Err(Errno::EUCLEAN));
    let r = read_image_files(img, &["/big"], MAX_BYTES).expect("mount");
    let e = r[0].as_ref().expect_err("lookup must fail");
    assert!(e.msg.contains("inode 1000"), "{}", e.msg);
}

/// A small valid image made by `mke2fs -d`: a few files in directories
/// and a sparse file of six extents (an extent tree one level deep).
fn make_image(block_size: u32, size: &str) -> (Vec<u8>, Vec<(&'static str, Vec<u8>)>) {
    let dir = std::env::temp_dir().join(format!("mm-fs-ext-mutate-{}-{block_size}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/d/e")).expect("scratch dir");
    let mut files = vec![("/a", pattern(1, 10)), ("/d/b", pattern(2, 9000)), ("/d/e/c", pattern(3, 70_000))];
    for (p, d) in &files {
        std::fs::write(dir.join("src").join(p.trim_start_matches('/')), d).expect("source file");
    }
    let mut sparse = vec![0u8; 12 * block_size as usize];
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::create(dir.join("src/sparse")).expect("sparse");
        f.set_len(sparse.len() as u64).expect("truncate");
        for i in 0..6u64 {
            let off = (2 * i + 1) * u64::from(block_size);
            let bytes = pattern(10 + i, 100);
            f.write_all_at(&bytes, off).expect("write");
            sparse[off as usize..off as usize + 100].copy_from_slice(&bytes);
        }
    }
    files.push(("/sparse", sparse));
    let img = dir.join("fs.img");
    let out = Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4", "-b", &block_size.to_string(), "-d"])
        .arg(dir.join("src"))
        .arg(&img)
        .arg(size)
        .output()
        .expect("run mke2fs (install e2fsprogs)");
    assert!(out.status.success(), "mke2fs: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&img).expect("image");
    let _ = std::fs::remove_dir_all(&dir);
    (bytes, files)
}

fn le(b: &[u8], at: usize, n: usize) -> u64 {
    (0..n).fold(0, |v, i| v | (b[at + i] as u64) << (8 * i))
}

/// The byte ranges of the image's metadata that mutations aim at.
fn targets(img: &[u8]) -> Vec<(usize, usize)> {
    let sb = 1024;
    let bs = 1024usize << le(img, sb + 24, 4);
    let first = le(img, sb + 20, 4) as usize;
    let gdt = (first + 1) * bs;
    let inode_size = le(img, sb + 88, 2) as usize;
    let itable = le(img, gdt + 8, 4) as usize * bs;
    let mut t = vec![(sb, 256), (gdt, 64), (itable, 24 * inode_size)];
    // The extent header and entries of every inode in use.
    for ino in 1..24 {
        t.push((itable + (ino - 1) * inode_size + 0x28, 60));
    }
    // The extent nodes below the inodes, and the first bytes of every
    // directory block (where a small directory's records are).
    for ino in 2..24 {
        let inode = itable + (ino - 1) * inode_size;
        let i_block = inode + 0x28;
        if le(img, i_block, 2) != 0xf30a {
            continue;
        }
        let is_dir = le(img, inode, 2) & 0xf000 == 0x4000;
        let depth = le(img, i_block + 6, 2);
        for e in 0..le(img, i_block + 2, 2).min(4) as usize {
            let ent = i_block + 12 + 12 * e;
            let block = if depth == 0 {
                le(img, ent + 8, 4) | le(img, ent + 6, 2) << 32
            } else {
                le(img, ent + 4, 4) | le(img, ent + 8, 2) << 32
            } as usize;
            if block == 0 || (block + 1) * bs > img.len() {
                continue;
            }
            if depth > 0 {
                t.push((block * bs, 12 + 12 * le(img, block * bs + 2, 2) as usize));
            } else if is_dir {
                t.push((block * bs, 256));
            }
        }
    }
    t
}

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Mutates 1 to 4 places of one of `targets` in `img`: a flipped bit, or
/// an aligned 8-, 16- or 32-bit field set to a value that tends to break
/// bounds (0, 1, a small count, a sign bit, all ones) or a random one.
fn mutate(img: &mut [u8], targets: &[(usize, usize)], x: &mut u64) {
    const EDGES: [u64; 10] = [0, 1, 2, 4, 5, 12, 0x7fff, 0x8000, 0x8001, u64::MAX];
    let (start, len) = targets[(xorshift(x) % targets.len() as u64) as usize];
    for _ in 0..1 + xorshift(x) % 4 {
        let width = [1, 2, 4][(xorshift(x) % 3) as usize];
        let at = (start + (xorshift(x) % len as u64) as usize) & !(width - 1);
        let at = at.min(img.len() - width);
        let v = match xorshift(x) % 4 {
            0 => img[at] as u64 ^ (1 << (xorshift(x) % 8)),
            1 => xorshift(x),
            _ => EDGES[(xorshift(x) % EDGES.len() as u64) as usize],
        };
        for i in 0..width {
            img[at + i] = (v >> (8 * i)) as u8;
        }
    }
}

/// Thousands of mutated images: mounting, looking up and reading never
/// panics, reads stay within what was asked, and memory stays bounded by
/// the image and the read size.  An unmutated image reads right.
#[test]
fn mutated_images_never_panic_and_reads_stay_bounded() {
    let paths = ["/a", "/d/b", "/d/e/c", "/sparse", "/d", "/missing", "/d/e/../b", "/lost+found"];
    let k = mm_core::Kernel::new(&MachineConfig { ram: 16 << 20, ..MachineConfig::default() }).expect("machine");
    let start = Instant::now();
    let mut outcomes = [0usize; 3];
    for (block_size, size, seed) in [(1024, "512K", 1u64), (4096, "1M", 2)] {
        let (img, files) = make_image(block_size, size);
        // The unmutated image reads right.
        let r = read_image_files(&img, &paths[..4], MAX_BYTES).expect("mount");
        for ((p, data), got) in files.iter().zip(&r) {
            assert!(got.as_ref().expect("read") == data, "{p} reads wrong");
        }
        let targets = targets(&img);
        let mut x = 0x2545_f491_4f6c_dd1d ^ seed;
        for i in 0..1500 {
            let mut m = img.clone();
            mutate(&mut m, &targets, &mut x);
            reset_peak();
            let base = LIVE.with(Cell::get);
            match read_image_files(&m, &paths, MAX_BYTES) {
                Err(_) => outcomes[0] += 1,
                Ok(r) => {
                    for got in r {
                        match got {
                            Ok(bytes) => {
                                outcomes[1] += 1;
                                assert!(bytes.len() as u64 <= MAX_BYTES);
                            }
                            Err(_) => outcomes[2] += 1,
                        }
                    }
                }
            }
            let peak = peak_since(base);
            assert!(peak < 2 * img.len() + 3 * MAX_BYTES as usize, "mutation {i}: {peak} bytes allocated");
            // Some go through the page cache too.
            if i % 25 == 0
                && let Ok(fs) = Ext4Image::mount_bytes(&mm_core::fs::SuperBlock::new(k.machine()), &m)
            {
                for p in paths {
                    if let Ok(inode) = fs.lookup(p) {
                        let f = File::open(inode, FMode::READ, p);
                        let mut buf = vec![0u8; 3 * 4096];
                        let _ = f.inode.fops.read(&f, 0, &mut buf);
                    }
                }
            }
        }
    }
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
    // The mutations reach every outcome: refused mounts, files read and
    // lookups or reads refused.
    assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
}

/// A mount error keeps what went wrong as data and its cause as
/// `source()`, through the filesystem registry too.
#[test]
fn mount_errors_keep_their_cause() {
    use std::error::Error as _;
    let k = mm_core::Kernel::new(&MachineConfig { ram: 16 << 20, ..MachineConfig::default() }).expect("machine");
    let path = "/nonexistent-mm-fs-ext-dir/image.ext4";
    let e = Ext4Image::mount(&mm_core::fs::SuperBlock::new(k.machine()), path).expect_err("no such image");
    assert!(matches!(&e, Ext4MountError::Open { path: p, .. } if p == path), "{e:?}");
    let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).expect("the io::Error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(e.to_string(), format!("cannot open image {path}: {io}"));
    let Err(m) = mm_core::fs::mount(k.machine(), "ext4", path, Default::default()) else { panic!("no such image") };
    assert_eq!(m.to_string(), e.to_string());
    assert!(matches!(&m, mm_core::fs::MountError::Fs(b) if b.downcast_ref::<Ext4MountError>().is_some()), "{m:?}");
    let Err(m) = mm_core::fs::mount(k.machine(), "ext5", path, Default::default()) else { panic!("no such type") };
    assert!(
        matches!(&m, mm_core::fs::MountError::UnknownType { name, known } if name == "ext5" && known.contains(&"ext4"))
    );
    assert!(m.to_string().starts_with("unknown filesystem type 'ext5' (known: "), "{m}");
    let e = read_image_files(&[0u8; 4096], &[], MAX_BYTES).expect_err("no superblock");
    assert!(matches!(&e, Ext4MountError::NotExt4 { source: SuperBlockError::BadMagic, .. }), "{e:?}");
    assert_eq!(e.to_string(), "(memory) is not a readable ext4 image: no ext4 superblock (bad magic number)");
}
