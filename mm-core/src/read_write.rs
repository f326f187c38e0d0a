//! `read`, `write`, `pread64`, `pwrite64` (fs/read_write.c) with a user
//! buffer, `ftruncate` (fs/open.c) and `fallocate`, as system calls of a
//! process.
//!
//! The data moves through the file's own `read` and `write` operations
//! ([`crate::fs::FileOperations`]) one file page at a time, and between
//! that page and the process's memory with `copy_to_user` /
//! `copy_from_user`: kernel-mode accesses that fault like the process's
//! own and count in its fault counters, as on Linux (a write copies with
//! faults disabled first and faults the buffer in after `write_end`, as
//! `generic_perform_write` does).  A buffer page that cannot be accessed
//! ends the call: with the bytes done so far, or `EFAULT` if there were
//! none.  Reads hand each file page over as a
//! whole, so readahead of a file that has it sees page-sized requests.

use crate::errno::{Errno, Signal, SysResult};
use crate::fs::truncate::{MAX_LFS_FILESIZE, shmem_setattr_size, vfs_fallocate};
use crate::fs::{FMode, File};
use crate::kernel::{Kernel, RetToUser};
use crate::types::PAGE_SIZE;
use crate::{Pid, trace_enter, trace_note};
use std::sync::Arc;

/// `MAX_RW_COUNT`: the most one call reads or writes.
pub const MAX_RW_COUNT: u64 = (i32::MAX as u64) & !(PAGE_SIZE - 1);

impl Kernel {
    /// The open file behind descriptor `fd` of `pid` (`fdget`): `EBADF`
    /// for none, and for an `O_PATH` descriptor.
    fn fdget(&self, pid: Pid, fd: i64) -> SysResult<Arc<File>> {
        self.task(pid)?.files.lock().get(fd).filter(|f| !f.mode.contains(FMode::PATH)).ok_or(Errno::EBADF)
    }

    /// `access_ok(buf, count)`: the range lies below the top of user
    /// memory.
    fn access_ok(&self, buf: u64, count: u64) -> bool {
        let task_size = self.machine().arch.task_size();
        buf.checked_add(count).is_some_and(|end| end < task_size)
    }

    /// `rw_verify_area`: a count that is negative as `ssize_t`, a position
    /// that is negative or that the count takes past `LLONG_MAX`, are
    /// `EINVAL`.
    fn rw_verify_area(pos: Option<u64>, count: u64) -> SysResult<()> {
        if count > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        if let Some(p) = pos
            && (p > i64::MAX as u64 || p + count > i64::MAX as u64)
        {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// `read(fd, buf, count)`: from the file position, which advances.
    pub fn sys_read(&self, pid: Pid, fd: i64, buf: u64, count: u64) -> SysResult<u64> {
        self.ksys_read(pid, fd, buf, count, None)
    }

    /// `pread64(fd, buf, count, pos)`: at `pos` (`EINVAL` if negative);
    /// the file position stays.
    pub fn sys_pread64(&self, pid: Pid, fd: i64, buf: u64, count: u64, pos: u64) -> SysResult<u64> {
        if pos > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        self.ksys_read(pid, fd, buf, count, Some(pos))
    }

    /// `write(fd, buf, count)`: at the file position, which advances.
    pub fn sys_write(&self, pid: Pid, fd: i64, buf: u64, count: u64) -> SysResult<u64> {
        self.ksys_write(pid, fd, buf, count, None)
    }

    /// `pwrite64(fd, buf, count, pos)`: at `pos` (`EINVAL` if negative);
    /// the file position stays.
    pub fn sys_pwrite64(&self, pid: Pid, fd: i64, buf: u64, count: u64, pos: u64) -> SysResult<u64> {
        if pos > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        self.ksys_write(pid, fd, buf, count, Some(pos))
    }

    /// What `vfs_read` and `vfs_write` check first: the descriptor open
    /// for `mode` (`EBADF`), the buffer in user space (`EFAULT`), the
    /// position (`pos`, else the file's) and count (`rw_verify_area`);
    /// the file, the position and the count cut to `MAX_RW_COUNT`.
    fn rw_prepare(
        &self,
        pid: Pid,
        fd: i64,
        mode: FMode,
        buf: u64,
        count: u64,
        pos: Option<u64>,
    ) -> SysResult<(Arc<File>, u64, u64)> {
        let file = self.fdget(pid, fd)?;
        if !file.mode.contains(mode) {
            return Err(Errno::EBADF);
        }
        if !self.access_ok(buf, count) {
            return Err(Errno::EFAULT);
        }
        let start = pos.unwrap_or_else(|| *file.f_pos.lock());
        Self::rw_verify_area(Some(start), count)?;
        Ok((file, start, count.min(MAX_RW_COUNT)))
    }

    /// `ksys_read` / `ksys_pread64` -> `vfs_read`.
    fn ksys_read(&self, pid: Pid, fd: i64, buf: u64, count: u64, pos: Option<u64>) -> SysResult<u64> {
        let _ret = RetToUser(self.machine());
        let _t = trace_enter!(self.machine().trace, "vfs_read", "fd {fd}: {count} bytes to {buf:#x}");
        let (file, start, count) = self.rw_prepare(pid, fd, FMode::READ, buf, count, pos)?;
        let mut page = vec![0u8; PAGE_SIZE as usize];
        let mut done = 0u64;
        let mut fault = false;
        while done < count {
            let off = start + done;
            let n = (PAGE_SIZE - off % PAGE_SIZE).min(count - done) as usize;
            let got = match file.inode.fops.read_part(&file, off, &mut page[..n], start + count) {
                Ok(g) => g,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            if got == 0 {
                break;
            }
            let copied = self.copy_to_user(pid, buf + done, &page[..got]);
            done += copied as u64;
            if copied < got {
                fault = true;
                break;
            }
            if got < n {
                break;
            }
        }
        if fault && done == 0 {
            trace_note!(self.machine().trace, "copy_to_user", "{buf:#x}: nothing copied: EFAULT");
            return Err(Errno::EFAULT);
        }
        if pos.is_none() {
            *file.f_pos.lock() = start + done;
        }
        Ok(done)
    }

    /// `ksys_write` / `ksys_pwrite64` -> `vfs_write` ->
    /// `generic_perform_write`, one file page at a time: `write_begin`
    /// gets the page, the bytes are copied from the buffer with page
    /// faults disabled (`copy_folio_from_iter_atomic`) and `write_end`
    /// writes what was copied; a file grows as the write passes its end.
    /// When nothing could be copied, `write_end` closes the page with
    /// nothing (for tmpfs: the page stays allocated and the size moves up
    /// to the position), and only then is the buffer faulted in
    /// (`fault_in_iov_iter_readable`) and the page tried again; a buffer
    /// whose first byte cannot be faulted in ends the call.  So a buffer
    /// that maps the file past its end is readable once `write_end` has
    /// moved the end.
    fn ksys_write(&self, pid: Pid, fd: i64, buf: u64, count: u64, pos: Option<u64>) -> SysResult<u64> {
        let _ret = RetToUser(self.machine());
        let _t = trace_enter!(self.machine().trace, "vfs_write", "fd {fd}: {count} bytes from {buf:#x}");
        let (file, start, count) = self.rw_prepare(pid, fd, FMode::WRITE, buf, count, pos)?;
        if count == 0 {
            return Ok(0);
        }
        // generic_write_checks: nothing at or past the largest size.
        if start >= MAX_LFS_FILESIZE {
            return Err(Errno::EFBIG);
        }
        let count = count.min(MAX_LFS_FILESIZE - start);
        let mut page = vec![0u8; PAGE_SIZE as usize];
        let mut done = 0u64;
        let mut fault = false;
        // Rounds in a row that faulted the buffer in and then copied
        // nothing (reclaim took the page again in between); the kernel
        // retries for as long as that goes on, the model a bounded number
        // of times.
        let mut retries = 0;
        while done < count {
            let off = start + done;
            let n = (PAGE_SIZE - off % PAGE_SIZE).min(count - done) as usize;
            let copied = self.copy_from_user_nofault(pid, buf + done, &mut page[..n]);
            if copied > 0 {
                match file.inode.fops.write(&file, off, &page[..copied]) {
                    Ok(w) => done += w as u64,
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => break,
                }
                retries = 0;
                continue;
            }
            file.inode.fops.write_failed(&file, off);
            retries += 1;
            if retries > 8 || !self.fault_in_readable(pid, buf + done, n as u64) {
                fault = true;
                break;
            }
        }
        if fault && done == 0 {
            trace_note!(self.machine().trace, "fault_in_iov_iter_readable", "{buf:#x}: nothing copied: EFAULT");
            return Err(Errno::EFAULT);
        }
        if pos.is_none() {
            *file.f_pos.lock() = start + done;
        }
        Ok(done)
    }

    /// `copy_to_user` of `data` to `va`, page by page of user memory;
    /// returns the bytes copied (all, or up to the page that could not be
    /// written).
    fn copy_to_user(&self, pid: Pid, va: u64, data: &[u8]) -> usize {
        let mut done = 0;
        while done < data.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            let chunk = &data[done..done + n];
            if self.user_access(pid, a, |t| t.copy_to_user_page(0, a, chunk)).is_err() {
                break;
            }
            done += n;
        }
        done
    }

    /// `copy_from_user` into `buf` from `va` with page faults disabled,
    /// page by page of user memory; returns the bytes copied (up to the
    /// first page the MMU does not translate).
    fn copy_from_user_nofault(&self, pid: Pid, va: u64, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(buf.len() - done);
            let r: Result<Vec<u8>, Signal> = self.user_access(pid, a, |t| {
                let mut b = vec![0u8; n];
                t.copy_from_user_page_nofault(0, a, &mut b).map(|()| b)
            });
            match r {
                Ok(b) => buf[done..done + n].copy_from_slice(&b),
                Err(_) => break,
            }
            done += n;
        }
        done
    }

    /// `fault_in_readable(va, len)`: reads a byte of each page of the
    /// range in order (faulting them in, counted like any access of the
    /// process) up to the first that cannot be read; true if at least
    /// the first one could.
    fn fault_in_readable(&self, pid: Pid, va: u64, len: u64) -> bool {
        let last = (va + len - 1) & !(PAGE_SIZE - 1);
        let mut a = va;
        loop {
            if self.user_access(pid, a, |t| t.get_user(0, a)).is_err() {
                return a != va;
            }
            if a & !(PAGE_SIZE - 1) == last {
                return true;
            }
            a = (a & !(PAGE_SIZE - 1)) + PAGE_SIZE;
        }
    }

    /// `ftruncate(fd, length)`: `EINVAL` for a negative length, a file
    /// that is not regular or not open for writing; the file takes the
    /// new size ([`shmem_setattr_size`]: shrinking unmaps and drops the
    /// pages past it).  Only shmem files are cut here; others are
    /// `EPERM`.
    pub fn sys_ftruncate(&self, pid: Pid, fd: i64, length: u64) -> SysResult<u64> {
        let _ret = RetToUser(self.machine());
        let _t = trace_enter!(self.machine().trace, "do_ftruncate", "fd {fd}: {length:#x}");
        if length > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let file = self.fdget(pid, fd)?;
        if !file.inode.is_reg() || !file.mode.contains(FMode::WRITE) {
            return Err(Errno::EINVAL);
        }
        if !file.inode.mapping.a_ops.is_shmem() {
            trace_note!(self.machine().trace, "do_truncate", "inode {}: not a shmem file: EPERM", file.inode.ino);
            return Err(Errno::EPERM);
        }
        shmem_setattr_size(&file.inode, length);
        Ok(0)
    }

    /// `fallocate(fd, mode, offset, len)` ([`vfs_fallocate`]).
    pub fn sys_fallocate(&self, pid: Pid, fd: i64, mode: u64, offset: u64, len: u64) -> SysResult<u64> {
        let _ret = RetToUser(self.machine());
        let _t = trace_enter!(self.machine().trace, "vfs_fallocate", "fd {fd}: mode {mode:#x} {offset:#x}+{len:#x}");
        let file = self.fdget(pid, fd)?;
        // The mode is an int.
        vfs_fallocate(&file, mode & u64::from(u32::MAX), offset, len).map(|()| 0)
    }
}
