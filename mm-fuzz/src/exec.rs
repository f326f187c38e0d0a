//! The `exec` target: bytes as a program file run by `execve`.
//!
//! The bytes go on tmpfs under the names the seeds' headers use
//! (`/tmp/mmsim-exec/NAME`, so a `PT_INTERP` or `#!` line of a seed finds
//! the input itself as its interpreter), then one process execs them.  A
//! refused file is fine; a panic, an abort, an unbounded allocation, a
//! broken invariant or a frame still in use after the process and the
//! files are gone is a defect.

use mm_core::machine::MachineConfig;
use mm_core::{Kernel, PAGE_SIZE};

/// Largest file the target takes.
pub const MAX_FILE: usize = 64 << 10;

/// The names the input is installed under.
const NAMES: &[&str] = &["prog", "interp", "static", "script"];

/// The target.
pub fn fuzz(data: &[u8]) {
    if data.len() > MAX_FILE {
        return;
    }
    let cfg = MachineConfig { ram: 4 << 20, ..MachineConfig::default() };
    let mut k = Kernel::new(&cfg).expect("the machine boots");
    let free = k.machine().nr_free_pages();
    for name in NAMES {
        k.create_file(name, data.len() as u64, &mut |page, buf| {
            let off = (page * PAGE_SIZE) as usize;
            let n = buf.len().min(data.len() - off);
            buf[..n].copy_from_slice(&data[off..off + n]);
        })
        .expect("room for the file");
    }
    let pid = k.spawn().expect("a process");
    let argv = [b"/tmp/mmsim-exec/prog".to_vec(), b"x".to_vec()];
    if k.execve(pid, "/tmp/mmsim-exec/prog", &argv, &[b"A=1".to_vec()]).is_ok() {
        let sp = k.task(pid).expect("the task").mm.mmap_read_lock().start_stack;
        // The initial stack reads back: argc is 2.
        assert_eq!(k.load(pid, sp), Ok(2), "argc at the stack pointer");
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "invariants: {v:?}");
    k.exit(pid);
    for name in NAMES {
        k.tmpfs().unlink(name).expect("the file");
    }
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked after exit and unlink");
}
