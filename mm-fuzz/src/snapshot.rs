//! The `snapshot` target: bytes as a root snapshot (`mm-fs-host`) and as
//! an strace log.
//!
//! The bytes are scanned for paths as `mmsim snapshot` scans a log; then,
//! if they parse as a snapshot, it is mounted as the root and every path
//! of [`PATHS`] (and every path the scan found) is opened with several
//! flag sets, mapped and read through the mapping.  A refused snapshot or
//! path is fine; a panic, an abort or an unbounded allocation is a
//! defect.

use mm_core::flags::open_flags::*;
use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE};

/// Paths tried on every snapshot: those of the seeds, links, `..`, and
/// paths that do not exist.
pub const PATHS: &[&str] = &[
    "/",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/bin/ls",
    "/lib64/ld-linux-x86-64.so.2",
    "/dev/zero",
    "/dev/null",
    "/etc/ld.so.cache",
    "/etc/../etc/./passwd",
    "/proc/filesystems",
    "/tmp/",
    "/missing/x",
];

/// Opens used on every path.
const FLAGS: &[u64] = &[
    O_RDONLY | O_CLOEXEC,
    O_RDWR,
    O_RDONLY | O_DIRECTORY,
    O_RDONLY | O_NOFOLLOW,
    O_PATH | O_NOFOLLOW,
    O_RDWR | O_CREAT,
    O_WRONLY | O_TRUNC,
    O_RDWR | O_TMPFILE,
];

pub fn fuzz(data: &[u8]) {
    let scanned = mm_fs_host::scan::scan_strace_paths(data);
    let Ok(mut k) = Kernel::new(&MachineConfig { ram: 8 << 20, ..MachineConfig::default() }) else { return };
    let Ok(fs) = mm_fs_host::HostFs::mount_snapshot(&mm_core::fs::SuperBlock::new(k.machine()), data, None) else {
        return;
    };
    k.set_root(fs);
    let Ok(pid) = k.spawn() else { return };
    let extra = scanned.iter().take(64).map(|p| String::from_utf8_lossy(&p.path).into_owned());
    let paths: Vec<String> = PATHS.iter().map(|p| p.to_string()).chain(extra).collect();
    for p in &paths {
        for &f in FLAGS {
            let Ok(fd) = k.sys_openat(pid, p, f) else { continue };
            for (prot, flags) in [(1, 2), (3, 1)] {
                if let Ok(a) = k.sys_mmap(pid, 0, 2 * PAGE_SIZE, prot, flags, fd as i64, 0) {
                    let _ = k.load(pid, a);
                    let _ = k.load(pid, a + PAGE_SIZE);
                    if prot & 2 != 0 {
                        let _ = k.store(pid, a, 1);
                        let _ = k.sys_msync(pid, a, PAGE_SIZE, 4);
                    }
                    let _ = k.sys_munmap(pid, a, 2 * PAGE_SIZE);
                }
            }
            let _ = k.sys_close(pid, fd as i64);
        }
        let _ = k.open_exec(p);
    }
    let _ = k.sync();
    assert!(k.check_invariants().is_empty(), "invariants broken: {:?}", k.check_invariants());
}
