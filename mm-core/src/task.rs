//! Processes and the simulated CPU accesses they make.

use crate::arch::{Exception, PageFaultInfo};
use crate::errno::{Errno, SegvCode, Signal, SysResult};
use crate::fault::FaultCounters;
use crate::flags::Access;
use crate::fs::File;
use crate::mm::MmStruct;
use crate::types::{PAGE_SIZE, PhysAddr};
use crate::{trace_enter, trace_note};
use std::sync::Arc;

/// A process: an address space, its open files and its fault counters
/// (`task_struct`).
#[derive(Debug)]
pub struct Task {
    /// Process id.
    pub pid: u32,
    /// Its address space.
    pub mm: Arc<MmStruct>,
    /// Its page-fault counters.
    pub(crate) faults: FaultCounters,
    /// Thread-group id: the pid of the group's leader (the process id
    /// `getpid` returns); the task's own `pid` if it leads its group.
    pub tgid: u32,
    /// Its descriptor table (`files_struct`), shared with the tasks it
    /// was cloned with or from under `CLONE_FILES`.
    pub files: Arc<parking_lot::Mutex<FdTable>>,
    /// The OOM killer chose it (`tsk_is_oom_victim`): it got `SIGKILL`,
    /// its memory was reaped (`MMF_OOM_SKIP`), and it runs nothing more.
    pub(crate) oom_victim: std::sync::atomic::AtomicBool,
    /// `signal->rlim[RLIMIT_STACK].rlim_cur`: shared by the thread group,
    /// copied at fork, read by `execve` (`bprm->rlim_stack`: the new
    /// `mmap_base` and the room for arguments).  Starts at the machine's
    /// `rlimit_stack` tunable.
    pub(crate) rlim_stack: Arc<std::sync::atomic::AtomicU64>,
}

/// A descriptor table: descriptor `n` is slot `n` (`struct fdtable`).
///
/// The lowest free descriptor is found as the kernel's `find_next_fd`
/// finds it: from `next_fd` (no descriptor below it is free), over a
/// bitmap of open descriptors with a second bitmap of its full words, so an
/// `openat` looks at a few words however many descriptors are open.
#[derive(Debug, Clone)]
pub struct FdTable {
    fds: Vec<Option<Arc<File>>>,
    /// `open_fds`: bit `n` set while descriptor `n` is open (0-2 included).
    open_fds: Vec<u64>,
    /// `full_fds_bits`: bit `w` set while word `w` of `open_fds` is full.
    full_fds_bits: Vec<u64>,
    /// `close_on_exec`: bit `n` set while descriptor `n` is closed by
    /// `execve` (`O_CLOEXEC`, `FD_CLOEXEC`).
    close_on_exec: Vec<u64>,
    /// `files->next_fd`: no descriptor below it is free.
    next_fd: usize,
    /// `RLIMIT_NOFILE` (soft): descriptors are below it.
    nofile: usize,
}

/// The first descriptor `open` returns (0-2 are the standard streams).
pub const FIRST_FD: usize = 3;

/// The default soft `RLIMIT_NOFILE` (`INR_OPEN_CUR`): what a process
/// started from a shell has.
pub const INR_OPEN_CUR: usize = 1024;

/// The most `RLIMIT_NOFILE` may be (`sysctl_nr_open`'s default).
pub const NR_OPEN: usize = 1 << 20;

impl Default for FdTable {
    fn default() -> FdTable {
        let mut t = FdTable {
            fds: Vec::new(),
            open_fds: Vec::new(),
            full_fds_bits: Vec::new(),
            close_on_exec: Vec::new(),
            next_fd: 0,
            nofile: INR_OPEN_CUR,
        };
        // The standard streams.
        for fd in 0..FIRST_FD {
            t.set_open_fd(fd);
        }
        t.next_fd = FIRST_FD;
        t
    }
}

impl FdTable {
    /// `RLIMIT_NOFILE`'s soft limit.
    pub fn rlimit_nofile(&self) -> usize {
        self.nofile
    }

    /// Sets `RLIMIT_NOFILE`'s soft limit (`setrlimit`): `EPERM` above
    /// [`NR_OPEN`].  Open descriptors at or above it stay open.
    pub fn set_rlimit_nofile(&mut self, limit: usize) -> crate::errno::SysResult<()> {
        if limit > NR_OPEN {
            return Err(crate::errno::Errno::EPERM);
        }
        self.nofile = limit;
        Ok(())
    }

    /// `__set_open_fd`.
    fn set_open_fd(&mut self, fd: usize) {
        let w = fd / 64;
        if self.open_fds.len() <= w {
            self.open_fds.resize(w + 1, 0);
            self.full_fds_bits.resize(w / 64 + 1, 0);
        }
        self.open_fds[w] |= 1 << (fd % 64);
        if self.open_fds[w] == !0 {
            self.full_fds_bits[w / 64] |= 1 << (w % 64);
        }
    }

    /// `__clear_open_fd`.
    fn clear_open_fd(&mut self, fd: usize) {
        let w = fd / 64;
        self.open_fds[w] &= !(1 << (fd % 64));
        self.full_fds_bits[w / 64] &= !(1 << (w % 64));
    }

    /// `find_next_fd`: the lowest descriptor at or above `start` that is
    /// not open: first a word of `open_fds` that is not full (searched in
    /// `full_fds_bits`), then a zero bit in it.
    fn find_next_fd(&self, start: usize) -> usize {
        let (mut w, first) = (start / 64, start % 64);
        // The word of `start` itself, from its bit (none: all free).
        let Some(&word) = self.open_fds.get(w) else {
            return start;
        };
        let free = !word & (!0u64 << first);
        if free != 0 {
            return w * 64 + free.trailing_zeros() as usize;
        }
        w += 1;
        // Then the first word that is not full.
        let mut b = w / 64;
        let mut mask = !0u64 << (w % 64);
        while let Some(&full) = self.full_fds_bits.get(b) {
            let notfull = !full & mask;
            if notfull != 0 {
                let w = b * 64 + notfull.trailing_zeros() as usize;
                let word = self.open_fds.get(w).copied().unwrap_or(0);
                return w * 64 + (!word).trailing_zeros() as usize;
            }
            b += 1;
            mask = !0;
        }
        (b * 64 * 64).max(start)
    }

    /// `alloc_fd`: takes the lowest free descriptor; `EMFILE` if it is not
    /// below `RLIMIT_NOFILE`.  [`fd_install`](Self::fd_install) gives it a
    /// file, [`put_unused_fd`](Self::put_unused_fd) gives it back.
    pub fn get_unused_fd(&mut self) -> crate::errno::SysResult<usize> {
        let fd = self.find_next_fd(self.next_fd);
        if fd >= self.nofile {
            return Err(crate::errno::Errno::EMFILE);
        }
        self.next_fd = fd + 1;
        self.set_open_fd(fd);
        Ok(fd)
    }

    /// `__put_unused_fd`: gives back a descriptor taken and not installed
    /// (or just closed).
    pub fn put_unused_fd(&mut self, fd: usize) {
        self.clear_open_fd(fd);
        self.next_fd = self.next_fd.min(fd);
    }

    /// `fd_install`: `file` is descriptor `fd`, taken by
    /// [`get_unused_fd`](Self::get_unused_fd).
    pub fn fd_install(&mut self, fd: usize, file: Arc<File>) {
        if self.fds.len() <= fd {
            self.fds.resize(fd + 1, None);
        }
        self.fds[fd] = Some(file);
    }

    /// `get_unused_fd` and `fd_install`: `file` at the lowest free
    /// descriptor.
    pub fn install(&mut self, file: Arc<File>) -> crate::errno::SysResult<i64> {
        let fd = self.get_unused_fd()?;
        self.fd_install(fd, file);
        Ok(fd as i64)
    }

    /// The open files, by descriptor.
    pub fn files(&self) -> impl Iterator<Item = &Arc<File>> {
        self.fds.iter().flatten()
    }

    /// The file at `fd` (`fget`).
    pub fn get(&self, fd: i64) -> Option<Arc<File>> {
        usize::try_from(fd).ok().and_then(|i| self.fds.get(i)).and_then(Clone::clone)
    }

    /// Closes `fd`; false if it was not open.
    pub fn close(&mut self, fd: i64) -> bool {
        let Some(i) = usize::try_from(fd).ok().filter(|&i| self.fds.get(i).is_some_and(Option::is_some)) else {
            return false;
        };
        self.fds[i] = None;
        self.set_close_on_exec(i, false);
        self.put_unused_fd(i);
        true
    }
}

pub use crate::flags::open_flags::O_CLOEXEC;
/// `FD_CLOEXEC`, the descriptor flag of `fcntl(F_GETFD/F_SETFD)`.
pub const FD_CLOEXEC: u64 = 1;
/// `close_range` flag: unshare the table first.
pub const CLOSE_RANGE_UNSHARE: u64 = 1 << 1;
/// `close_range` flag: mark close-on-exec instead of closing.
pub const CLOSE_RANGE_CLOEXEC: u64 = 1 << 2;

impl FdTable {
    /// `__set_close_on_exec` / `__clear_close_on_exec`.
    pub fn set_close_on_exec(&mut self, fd: usize, on: bool) {
        let w = fd / 64;
        if on {
            if self.close_on_exec.len() <= w {
                self.close_on_exec.resize(w + 1, 0);
            }
            self.close_on_exec[w] |= 1 << (fd % 64);
        } else if let Some(word) = self.close_on_exec.get_mut(w) {
            *word &= !(1 << (fd % 64));
        }
    }

    /// `close_on_exec(fd)`: whether `execve` closes `fd`.
    pub fn close_on_exec(&self, fd: usize) -> bool {
        self.close_on_exec.get(fd / 64).is_some_and(|w| w >> (fd % 64) & 1 == 1)
    }

    /// Whether descriptor `fd` holds a file.
    pub fn is_open(&self, fd: usize) -> bool {
        self.fds.get(fd).is_some_and(Option::is_some)
    }

    /// `get_unused_fd_flags` + `fd_install`: `file` at the lowest free
    /// descriptor, close-on-exec if `flags` has `O_CLOEXEC`.
    pub fn install_flags(&mut self, file: Arc<File>, flags: u64) -> SysResult<usize> {
        let fd = self.get_unused_fd()?;
        self.fd_install(fd, file);
        self.set_close_on_exec(fd, flags & O_CLOEXEC != 0);
        Ok(fd)
    }

    /// `do_dup2` / `replace_fd`: `file` becomes descriptor `fd` (what was
    /// there is closed), close-on-exec as `cloexec` says.  `EBADF` if `fd`
    /// is not below `RLIMIT_NOFILE`.
    pub fn replace_fd(&mut self, fd: usize, file: Arc<File>, cloexec: bool) -> SysResult<usize> {
        if fd >= self.nofile {
            return Err(Errno::EBADF);
        }
        self.set_open_fd(fd);
        self.fd_install(fd, file);
        self.set_close_on_exec(fd, cloexec);
        Ok(fd)
    }

    /// `dup(fd)`: the lowest free descriptor, close-on-exec clear.
    pub fn dup(&mut self, fd: i64) -> SysResult<usize> {
        let file = self.get(fd).ok_or(Errno::EBADF)?;
        self.install_flags(file, 0)
    }

    /// `dup2(old, new)`: `new` unchanged if it is `old` (`EBADF` if `old`
    /// is not open); otherwise `dup3(old, new, 0)`.
    pub fn dup2(&mut self, old: i64, new: i64) -> SysResult<usize> {
        if old == new {
            return self.get(old).map(|_| old as usize).ok_or(Errno::EBADF);
        }
        self.dup3(old, new, 0)
    }

    /// `dup3(old, new, flags)`: `EINVAL` for flags other than `O_CLOEXEC`
    /// or `old == new`; `EBADF` if `new` is negative or not below
    /// `RLIMIT_NOFILE`, or `old` is not open.
    pub fn dup3(&mut self, old: i64, new: i64, flags: u64) -> SysResult<usize> {
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::EINVAL);
        }
        let new = usize::try_from(new).map_err(|_| Errno::EBADF)?;
        if new >= self.nofile {
            return Err(Errno::EBADF);
        }
        let file = self.get(old).ok_or(Errno::EBADF)?;
        self.replace_fd(new, file, flags & O_CLOEXEC != 0)
    }

    /// `f_dupfd(min, file, flags)`: `fcntl(F_DUPFD / F_DUPFD_CLOEXEC)`, the
    /// lowest free descriptor at or above `min` (`EINVAL` if `min` is not
    /// below `RLIMIT_NOFILE`, `EMFILE` if none is free below it).
    pub fn f_dupfd(&mut self, fd: i64, min: u64, cloexec: bool) -> SysResult<usize> {
        let file = self.get(fd).ok_or(Errno::EBADF)?;
        if min >= self.nofile as u64 {
            return Err(Errno::EINVAL);
        }
        let new = self.find_next_fd(min as usize);
        if new >= self.nofile {
            return Err(Errno::EMFILE);
        }
        self.set_open_fd(new);
        self.fd_install(new, file);
        self.set_close_on_exec(new, cloexec);
        Ok(new)
    }

    /// `fcntl(F_GETFD)`.
    pub fn get_fd_flags(&self, fd: i64) -> SysResult<u64> {
        self.get(fd).ok_or(Errno::EBADF)?;
        Ok(if self.close_on_exec(fd as usize) { FD_CLOEXEC } else { 0 })
    }

    /// `fcntl(F_SETFD, arg)`.
    pub fn set_fd_flags(&mut self, fd: i64, arg: u64) -> SysResult<()> {
        self.get(fd).ok_or(Errno::EBADF)?;
        self.set_close_on_exec(fd as usize, arg & FD_CLOEXEC != 0);
        Ok(())
    }

    /// `close_range(first, last, flags)` on this table (the caller
    /// unshares it first for `CLOSE_RANGE_UNSHARE`): closes every open
    /// descriptor in `[first, last]`, or with `CLOSE_RANGE_CLOEXEC` marks
    /// it close-on-exec.  `EINVAL` for unknown flags or `first > last`.
    pub fn close_range(&mut self, first: u64, last: u64, flags: u64) -> SysResult<()> {
        if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
            return Err(Errno::EINVAL);
        }
        // Only descriptors that exist: the range may be [3, ~0U].
        let end = (last as usize).min(self.fds.len().saturating_sub(1));
        for fd in (first as usize)..=end {
            if !self.is_open(fd) {
                continue;
            }
            if flags & CLOSE_RANGE_CLOEXEC != 0 {
                self.set_close_on_exec(fd, true);
            } else {
                self.close(fd as i64);
            }
        }
        Ok(())
    }

    /// `do_close_on_exec`: `execve` closes every close-on-exec descriptor.
    pub fn do_close_on_exec(&mut self) {
        for w in 0..self.close_on_exec.len() {
            let mut bits = std::mem::take(&mut self.close_on_exec[w]);
            while bits != 0 {
                let fd = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.close(fd as i64);
            }
        }
    }
}

impl Task {
    /// A task leading its own thread group, with a fresh fault count and
    /// descriptor table `files`.
    pub(crate) fn new(pid: u32, mm: Arc<MmStruct>, files: FdTable) -> Task {
        Task::new_in(pid, pid, mm, Arc::new(parking_lot::Mutex::new(files)))
    }

    /// A task of thread group `tgid` using the descriptor table `files`
    /// (shared under `CLONE_FILES`).
    pub(crate) fn new_in(pid: u32, tgid: u32, mm: Arc<MmStruct>, files: Arc<parking_lot::Mutex<FdTable>>) -> Task {
        let rlim_stack = Arc::new(std::sync::atomic::AtomicU64::new(mm.machine.tunables.rlimit_stack));
        Task { pid, tgid, mm, faults: Default::default(), files, oom_victim: Default::default(), rlim_stack }
    }

    /// `RLIMIT_STACK`'s soft limit (`u64::MAX` is `RLIM_INFINITY`).
    pub fn rlimit_stack(&self) -> u64 {
        self.rlim_stack.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The child's limits at `copy_process`: the same ones under
    /// `CLONE_THREAD` (`copy_signal` shares `signal_struct`), a copy
    /// otherwise.
    pub(crate) fn copy_signal(&mut self, parent: &Task, thread: bool) {
        self.rlim_stack = if thread {
            parent.rlim_stack.clone()
        } else {
            Arc::new(std::sync::atomic::AtomicU64::new(parent.rlimit_stack()))
        };
    }

    /// Its page-fault counters (`min_flt`, `maj_flt`).
    #[inline]
    pub fn faults(&self) -> &FaultCounters {
        &self.faults
    }

    /// The OOM killer killed it.
    #[inline]
    pub fn is_oom_victim(&self) -> bool {
        self.oom_victim.load(std::sync::atomic::Ordering::Acquire)
    }

    /// One user-mode access of `va` on `cpu`: the MMU translates it, and a
    /// page fault runs the kernel's handler and retries, as the hardware
    /// restarts the instruction.
    ///
    /// kswapd, if a fault woke it, runs after the access completes
    /// ([`load`](Self::load), [`store`](Self::store) and friends): it is
    /// another CPU's thread, and must not take the page from under the
    /// access it was woken for.
    ///
    /// # Panics
    ///
    /// If `cpu` is not one of the machine's CPUs (`MachineConfig::nr_cpus`).
    pub fn translate(&self, cpu: usize, va: u64, access: Access) -> Result<PhysAddr, Signal> {
        self.access(cpu, va, access, |pa| pa)
    }

    /// [`translate`](Self::translate), then `f` on the physical address
    /// while the CPU still holds the translation: a TLB shootdown (which
    /// takes the CPU) comes before the translation or after `f`, as an
    /// interrupt comes between instructions, never between an
    /// instruction's translation and its access.
    #[inline]
    fn access<R>(&self, cpu: usize, va: u64, access: Access, f: impl FnOnce(PhysAddr) -> R) -> Result<R, Signal> {
        // The hardware retries a faulting access for ever; the model gives
        // up after a few faults (see `run_access`), which no valid access
        // reaches: a handler that returns without the access being
        // possible found the entry changed under it, and its own
        // allocations cannot change it, since every page a handler works
        // on is pinned (a reference, or the page lock) while it allocates
        // and reclaim leaves pinned pages mapped.  So one thread alone
        // needs at most two faults (a swap-in maps and copies in one; a
        // NUMA-hinting entry takes one to restore its protection and one
        // to copy for a write); only other CPUs changing the same entry
        // again and again could send an access round more often.
        let gave_up = || {
            debug_assert!(false, "access to {va:#x} keeps faulting");
            Signal::Segv { addr: va, code: SegvCode::AccErr }
        };
        self.run_access(cpu, va, access, true, f, gave_up, |fault| match fault {
            Exception::PageFault(info) => self.page_fault(info),
            Exception::GeneralProtection { addr } => Err(self.general_protection(addr)),
        })
    }

    /// A kernel-mode access of `va` on `cpu` (kernel code touching, say, a
    /// vmalloc buffer while this task's address space is loaded): kernel
    /// entries allow it, and a fault goes to `do_kern_addr_fault`, which
    /// retries a spurious one and oopses otherwise.
    fn kernel_access<R>(
        &self,
        cpu: usize,
        va: u64,
        access: Access,
        f: impl FnOnce(PhysAddr) -> R,
    ) -> Result<R, crate::kmem::Oops> {
        let m = &*self.mm.machine;
        let gave_up = || crate::kmem::Oops { addr: va };
        self.run_access(cpu, va, access, false, f, gave_up, |fault| {
            let _t = trace_enter!(m.trace, "exc_page_fault", "address={va:#x} (kernel mode)");
            match fault {
                Exception::PageFault(_) => m.do_kern_addr_fault(self.mm.pgd(), va, access),
                Exception::GeneralProtection { addr } => Err(crate::kmem::Oops { addr }),
            }
        })
    }

    /// The access loop of both modes: translate on `cpu` and run `f` with
    /// the CPU held; on an exception, let `handle` resolve it (and retry)
    /// or turn it into an error.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn run_access<R, E>(
        &self,
        cpu: usize,
        va: u64,
        access: Access,
        user: bool,
        f: impl FnOnce(PhysAddr) -> R,
        gave_up: impl FnOnce() -> E,
        mut handle: impl FnMut(Exception) -> Result<(), E>,
    ) -> Result<R, E> {
        let m = &*self.mm.machine;
        let _on = crate::smp::run_on_cpu(cpu);
        let mut f = Some(f);
        for round in 0..8 {
            // `f` runs with the CPU held (see `access`): a shootdown then
            // never overtakes a store through the entry it flushes.
            let fault = {
                crate::lockstat::lock_acquired("cpu", &m.cpus[cpu]);
                let mut c = m.cpus[cpu].lock();
                // Running on `cpu` loads this task's address space first
                // (the CPU is held already, so the check costs a compare).
                if round == 0 && c.active_mm != self.mm.id {
                    m.switch_mm_irqs_off(&mut c, &self.mm);
                }
                if m.trace.walk_enabled() {
                    let misses = c.mmu.stats().misses;
                    match c.mmu.translate(&m.phys, va, access, user) {
                        Ok(pa) => {
                            let root = c.mmu.current_mm().0;
                            let hit = c.mmu.stats().misses == misses;
                            let r = f.take().expect("called once")(pa);
                            drop(c);
                            m.trace_tlb_access(cpu, root, va, access, hit, pa.pfn());
                            return Ok(r);
                        }
                        Err(e) => e,
                    }
                } else {
                    match c.mmu.translate(&m.phys, va, access, user) {
                        Ok(pa) => return Ok(f.take().expect("called once")(pa)),
                        Err(e) => e,
                    }
                }
            };
            handle(fault)?;
        }
        Err(gave_up())
    }

    /// A kernel-mode load of the byte at `va`.
    pub fn kernel_load(&self, cpu: usize, va: u64) -> Result<u8, crate::kmem::Oops> {
        let phys = &self.mm.machine.phys;
        self.kernel_access(cpu, va, Access::Read, |pa| phys.read_u8(pa.pfn(), pa.page_offset()))
    }

    /// A kernel-mode store of the byte at `va`.
    pub fn kernel_store(&self, cpu: usize, va: u64, val: u8) -> Result<(), crate::kmem::Oops> {
        let phys = &self.mm.machine.phys;
        self.kernel_access(cpu, va, Access::Write, |pa| phys.write_u8(pa.pfn(), pa.page_offset(), val))
    }

    /// A kernel-mode access of the user address `va` with user access
    /// allowed (`stac`, as `copy_to_user`, `copy_from_user`, `get_user`
    /// and `put_user` run): the hardware checks the entry as for the
    /// kernel (no user bit needed, writes still need a writable entry),
    /// and a fault on a user address goes to `do_user_addr_fault` like a
    /// user one, without `FAULT_FLAG_USER`, and counts to this task.  An
    /// error is the signal a user access would have got, which the
    /// kernel's exception fixup turns into `EFAULT`; an address past the
    /// user half fails `access_ok` before any access.
    fn uaccess<R>(&self, cpu: usize, va: u64, access: Access, f: impl FnOnce(PhysAddr) -> R) -> Result<R, Signal> {
        if va >= self.mm.machine.arch.task_size() {
            return Err(Signal::Segv { addr: va, code: SegvCode::MapErr });
        }
        let gave_up = || {
            debug_assert!(false, "user access to {va:#x} keeps faulting");
            Signal::Segv { addr: va, code: SegvCode::AccErr }
        };
        let r = self.run_access(cpu, va, access, false, f, gave_up, |fault| match fault {
            Exception::PageFault(info) => self.page_fault(info),
            Exception::GeneralProtection { addr } => Err(self.general_protection(addr)),
        });
        self.mm.machine.kswapd_poll();
        r
    }

    /// `get_user` of the byte at the user address `va` (kernel mode; see
    /// `uaccess`).
    pub fn get_user(&self, cpu: usize, va: u64) -> Result<u8, Signal> {
        let phys = &self.mm.machine.phys;
        self.uaccess(cpu, va, Access::Read, |pa| phys.read_u8(pa.pfn(), pa.page_offset()))
    }

    /// `put_user` of the byte `val` at the user address `va` (kernel mode;
    /// see `uaccess`).
    pub fn put_user(&self, cpu: usize, va: u64, val: u8) -> Result<(), Signal> {
        let phys = &self.mm.machine.phys;
        self.uaccess(cpu, va, Access::Write, |pa| phys.write_u8(pa.pfn(), pa.page_offset(), val))
    }

    /// `copy_to_user` of `data`, which lies within one page of user
    /// memory at `va` (kernel mode, faults counted; see
    /// `uaccess`).
    pub fn copy_to_user_page(&self, cpu: usize, va: u64, data: &[u8]) -> Result<(), Signal> {
        debug_assert!(data.len() as u64 <= PAGE_SIZE - va % PAGE_SIZE);
        let phys = &self.mm.machine.phys;
        self.uaccess(cpu, va, Access::Write, |pa| phys.write_bytes(pa.pfn(), pa.page_offset(), data))
    }

    /// `copy_from_user` into `buf` from user memory at `va`, within one
    /// page (kernel mode; see `uaccess`).
    pub fn copy_from_user_page(&self, cpu: usize, va: u64, buf: &mut [u8]) -> Result<(), Signal> {
        debug_assert!(buf.len() as u64 <= PAGE_SIZE - va % PAGE_SIZE);
        let phys = &self.mm.machine.phys;
        self.uaccess(cpu, va, Access::Read, |pa| phys.read_bytes(pa.pfn(), pa.page_offset(), buf))
    }

    /// `copy_from_user` with page faults disabled (`pagefault_disable`, as
    /// `copy_folio_from_iter_atomic` copies while it holds a page-cache
    /// folio locked): an address the MMU does not translate for reading
    /// fails at once, as `do_user_addr_fault` gives up when
    /// `faulthandler_disabled()`, and no fault is handled or counted.
    pub fn copy_from_user_page_nofault(&self, cpu: usize, va: u64, buf: &mut [u8]) -> Result<(), Signal> {
        debug_assert!(buf.len() as u64 <= PAGE_SIZE - va % PAGE_SIZE);
        if va >= self.mm.machine.arch.task_size() {
            return Err(Signal::Segv { addr: va, code: SegvCode::MapErr });
        }
        let phys = &self.mm.machine.phys;
        let refused = |addr, protection| Signal::Segv {
            addr,
            code: if protection { SegvCode::AccErr } else { SegvCode::MapErr },
        };
        self.run_access(
            cpu,
            va,
            Access::Read,
            false,
            |pa| phys.read_bytes(pa.pfn(), pa.page_offset(), buf),
            || refused(va, true),
            |fault| match fault {
                Exception::PageFault(info) => Err(refused(info.addr, info.protection())),
                Exception::GeneralProtection { addr } => Err(self.general_protection(addr)),
            },
        )
    }

    /// The general-protection exception (`exc_general_protection`): the
    /// task gets `SIGSEGV`; no page fault is counted.
    fn general_protection(&self, addr: u64) -> Signal {
        let m = &*self.mm.machine;
        let _t = trace_enter!(m.trace, "exc_general_protection", "address={addr:#x}");
        trace_note!(m.trace, "do_general_protection", "non-canonical address: SIGSEGV");
        Signal::Segv { addr, code: SegvCode::Kernel }
    }

    /// The page-fault exception (`exc_page_fault`).
    fn page_fault(&self, info: PageFaultInfo) -> Result<(), Signal> {
        self.mm.do_user_addr_fault(info, &self.faults, self.rlimit_stack())
    }

    /// The page-fault exception raised on `cpu` whatever this CPU's TLB
    /// and the page tables say: what a CPU does when it refuses an access
    /// through a stale translation (a read-only entry cached before the
    /// page-table entry was made writable without a flush, as
    /// `wp_page_reuse` does).  The handler runs as for any fault; one that
    /// finds the entry already allowing the access is the kernel's
    /// spurious fault, counted like any other.
    pub fn raise_page_fault(&self, cpu: usize, info: PageFaultInfo) -> Result<(), Signal> {
        let _on = crate::smp::run_on_cpu(cpu);
        self.page_fault(info)
    }

    /// Reads the byte at `va`.
    #[inline]
    pub fn load(&self, cpu: usize, va: u64) -> Result<u8, Signal> {
        let phys = &self.mm.machine.phys;
        let r = self.access(cpu, va, Access::Read, |pa| phys.read_u8(pa.pfn(), pa.page_offset()));
        self.mm.machine.kswapd_poll();
        r
    }

    /// Fetches the instruction byte at `va` (user mode): the MMU refuses
    /// a no-execute entry (`NX`), and the fault says it was a fetch.
    pub fn fetch(&self, cpu: usize, va: u64) -> Result<u8, Signal> {
        let phys = &self.mm.machine.phys;
        let r = self.access(cpu, va, Access::Exec, |pa| phys.read_u8(pa.pfn(), pa.page_offset()));
        self.mm.machine.kswapd_poll();
        r
    }

    /// Writes the byte at `va`.
    #[inline]
    pub fn store(&self, cpu: usize, va: u64, val: u8) -> Result<(), Signal> {
        let phys = &self.mm.machine.phys;
        let r = self.access(cpu, va, Access::Write, |pa| phys.write_u8(pa.pfn(), pa.page_offset(), val));
        self.mm.machine.kswapd_poll();
        r
    }

    /// Reads `buf.len()` bytes from `va` (page by page, faulting as needed).
    pub fn read_bytes(&self, cpu: usize, va: u64, buf: &mut [u8]) -> Result<(), Signal> {
        let mut done = 0;
        while done < buf.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - (a % PAGE_SIZE)) as usize).min(buf.len() - done);
            let phys = &self.mm.machine.phys;
            let chunk = &mut buf[done..done + n];
            self.access(cpu, a, Access::Read, |pa| phys.read_bytes(pa.pfn(), pa.page_offset(), chunk))?;
            self.mm.machine.kswapd_poll();
            done += n;
        }
        Ok(())
    }

    /// Writes `data` at `va` (page by page, faulting as needed).
    pub fn write_bytes(&self, cpu: usize, va: u64, data: &[u8]) -> Result<(), Signal> {
        let mut done = 0;
        while done < data.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - (a % PAGE_SIZE)) as usize).min(data.len() - done);
            let phys = &self.mm.machine.phys;
            let chunk = &data[done..done + n];
            self.access(cpu, a, Access::Write, |pa| phys.write_bytes(pa.pfn(), pa.page_offset(), chunk))?;
            self.mm.machine.kswapd_poll();
            done += n;
        }
        Ok(())
    }
}
