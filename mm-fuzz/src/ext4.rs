//! The `ext4` target: bytes as an ext4 image.
//!
//! The image is written to a fresh temporary file (the only host file the
//! target touches, removed afterwards) and mounted through the filesystem
//! registry ([`mount`]); every path of [`PATHS`] is looked up, and each
//! regular file found is read with `read` through the page cache and
//! through a private read-only mapping.  Before that, the reader runs on
//! the bytes in memory ([`mm_fs_ext::read_image_files`]), which also
//! writes each page back to its in-memory overlay and reads it again.
//! A refused image or path is fine; a panic, an abort or an unbounded
//! allocation is a defect.

use mm_core::fs::{FMode, File, Filesystem};
use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE};
use std::sync::Arc;

/// Largest image the target takes.
pub const MAX_IMAGE: usize = 1 << 20;
/// Pages read of each file.
const MAX_PAGES: u64 = 16;

/// The paths looked up: those of the seed image (`corpus/ext4/seed.img`,
/// made by `tools/make-ext4-seed.sh`), the reproducers', and a few that
/// do not exist.
pub const PATHS: &[&str] = &[
    "/hello.txt",
    "/empty",
    "/big",
    "/sparse",
    "/dir",
    "/dir/nested.txt",
    "/dir/sub/deep.txt",
    "/etc/hostname",
    "/lost+found",
    "/missing",
    "dir/../hello.txt",
];

/// Mounts the image at `path` on `k`'s machine, read-only: writeback
/// goes to memory, never to the image.
pub fn mount(k: &Kernel, path: &str) -> Result<Arc<dyn Filesystem>, mm_core::fs::MountError> {
    mm_core::fs::mount(k.machine(), "ext4", path, mm_core::fs::MountOptions::default())
}

/// The target.
pub fn fuzz(data: &[u8]) {
    if data.len() > MAX_IMAGE {
        return;
    }
    // The reader alone, on the bytes in memory: every page read, written
    // back to the overlay and read again.
    let _ = mm_fs_ext::read_image_files(data, PATHS, MAX_PAGES * PAGE_SIZE);
    let dir = crate::TempDir::new();
    let image = dir.path().join("image");
    std::fs::write(&image, data).expect("write the image copy");
    check(&image.display().to_string());
}

/// Mounts the image at `path` and reads every file of [`PATHS`], with
/// `read` and through a private mapping.
pub fn check(path: &str) {
    let cfg = MachineConfig { ram: 1 << 20, ..MachineConfig::default() };
    let mut k = Kernel::new(&cfg).expect("the machine boots");
    let Ok(fs) = mount(&k, path) else { return };
    for p in PATHS {
        let Ok(inode) = fs.lookup(p) else { continue };
        let f = File::open(inode.clone(), FMode::READ, *p);
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        for pg in 0..MAX_PAGES {
            match inode.fops.read(&f, pg * PAGE_SIZE, &mut buf) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }
    k.set_root(fs);
    let Ok(pid) = k.spawn() else { return };
    let base = 0x1_0000_0000u64;
    for (i, p) in PATHS.iter().enumerate() {
        let Ok(fd) = k.sys_openat(pid, p, 0) else { continue };
        let a = base + i as u64 * (MAX_PAGES + 1) * PAGE_SIZE;
        // MAP_PRIVATE|MAP_FIXED, PROT_READ.
        if k.sys_mmap(pid, a, MAX_PAGES * PAGE_SIZE, 1, 0x12, fd as i64, 0).is_err() {
            continue;
        }
        for pg in 0..MAX_PAGES {
            // Past the end of the file: SIGBUS, and no more to read.
            if k.load(pid, a + pg * PAGE_SIZE).is_err() {
                break;
            }
        }
    }
    k.exit(pid);
}
