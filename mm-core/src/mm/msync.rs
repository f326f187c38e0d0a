//! `msync` (mm/msync.c).  Anonymous memory has nothing to write back, so
//! only the argument and range checks have an effect.

use super::MmStruct;
use crate::errno::{Errno, SysResult};
use crate::flags::{MsyncFlags, VmFlags};
use crate::types::PAGE_MASK;

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
        let st = self.mmap_lock.read();
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
            start = v.end;
            if start >= end {
                return unmapped;
            }
        }
    }
}
