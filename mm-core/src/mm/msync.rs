//! `msync` (mm/msync.c): `MS_SYNC` writes back the dirty pages of shared
//! file mappings in the range (`vfs_fsync_range`); anonymous and private
//! memory have nothing to write back.

use super::MmStruct;
use crate::errno::{Errno, SysResult};
use crate::flags::{MsyncFlags, VmFlags};
use crate::trace_note;
use crate::types::{PAGE_MASK, PAGE_SHIFT};

impl MmStruct {
    /// The `msync` system call.  `flags` are the raw `MS_*` bits.
    pub fn do_msync(&self, start: u64, len: u64, flags: u64) -> SysResult<()> {
        let Some(f) = MsyncFlags::from_bits(flags) else {
            return Err(Errno::EINVAL);
        };
        if start & !PAGE_MASK != 0 || f.contains(MsyncFlags::ASYNC | MsyncFlags::SYNC) {
            return Err(Errno::EINVAL);
        }
        let len = len.wrapping_add(!PAGE_MASK) & PAGE_MASK;
        let end = start.wrapping_add(len);
        if end < start {
            return Err(Errno::ENOMEM);
        }
        if end == start {
            return Ok(());
        }
        let mut st = self.mmap_lock.read();
        let mut start = start;
        let mut unmapped = Ok(());
        loop {
            let Some(v) = st.vmas.find(start) else {
                return Err(Errno::ENOMEM);
            };
            if start < v.start {
                if f == MsyncFlags::ASYNC {
                    return Err(Errno::ENOMEM);
                }
                start = v.start;
                if start >= end {
                    return Err(Errno::ENOMEM);
                }
                unmapped = Err(Errno::ENOMEM);
            }
            if f.contains(MsyncFlags::INVALIDATE) && v.flags.contains(VmFlags::LOCKED) {
                return Err(Errno::EBUSY);
            }
            let fstart = (start - v.start) + (v.pgoff << PAGE_SHIFT);
            let fend = fstart + (end.min(v.end) - start);
            start = v.end;
            if f.contains(MsyncFlags::SYNC)
                && v.flags.contains(VmFlags::SHARED)
                && let Some(file) = v.file().cloned()
            {
                // vfs_fsync_range, without the mmap_lock.
                drop(st);
                trace_note!(self.machine.trace, "vfs_fsync_range", "{} bytes {:#x}-{:#x}", file.path, fstart, fend);
                file.inode.fops.fsync(&file, fstart, fend)?;
                if start >= end {
                    return unmapped;
                }
                st = self.mmap_lock.read();
                continue;
            }
            if start >= end {
                return unmapped;
            }
        }
    }
}
