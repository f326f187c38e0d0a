//! The system-call face of the simulator: a [`Kernel`] holds the machine
//! and its processes, takes system calls by number-like arguments as user
//! space passes them, performs loads and stores, and reports what
//! `/proc/PID/maps` and `pagemap` would show.

use crate::errno::{Errno, Signal, SysResult};
use crate::flags::{MapFlags, Prot, VmFlags};
use crate::fs::shmem::Tmpfs;
use crate::fs::{FMode, File, FileType, Filesystem, LookupFlags};
use crate::machine::{ConfigError, Machine, MachineConfig};
use crate::mm::{MmStruct, Vma};
use crate::task::Task;
use crate::types::{PAGE_MASK, PAGE_SHIFT, page_align};
use crate::{trace_enter, trace_note};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A process id.
pub type Pid = u32;

/// `fcntl` commands of the descriptor table.
pub const F_DUPFD: u64 = 0;
/// `F_GETFD`.
pub const F_GETFD: u64 = 1;
/// `F_SETFD`.
pub const F_SETFD: u64 = 2;
/// `F_DUPFD_CLOEXEC`.
pub const F_DUPFD_CLOEXEC: u64 = 1030;

/// One line of `/proc/PID/maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapsEntry {
    pub start: u64,
    pub end: u64,
    /// `rwxp` / `rw-s` ...
    pub perms: String,
    /// File offset (0 for anonymous memory).
    pub offset: u64,
    /// Device major and minor.
    pub dev: (u32, u32),
    pub inode: u64,
    /// `[heap]`, a file name, or empty.
    pub path: String,
}

impl fmt::Display for MapsEntry {
    /// The line with single spaces, as the scenario dumps print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {}",
            self.start, self.end, self.perms, self.offset, self.dev.0, self.dev.1, self.inode
        )?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        Ok(())
    }
}

impl MapsEntry {
    /// The line as `/proc/PID/maps` prints it (`show_map_vma`): the
    /// fields, a space, then for a named mapping padding to column 73
    /// (`seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)` and `seq_pad`) and
    /// the name; an unnamed mapping's line ends with the space.
    pub fn proc_maps_line(&self) -> String {
        const WIDTH: usize = 25 + 8 * 6 - 1;
        let mut line = String::with_capacity(WIDTH + 1 + self.path.len());
        push_hex(&mut line, self.start, 8);
        line.push('-');
        push_hex(&mut line, self.end, 8);
        line.push(' ');
        line.push_str(&self.perms);
        line.push(' ');
        push_hex(&mut line, self.offset, 8);
        line.push(' ');
        push_hex(&mut line, u64::from(self.dev.0), 2);
        line.push(':');
        push_hex(&mut line, u64::from(self.dev.1), 2);
        line.push(' ');
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = self.inode;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        line.extend(digits[i..].iter().map(|&d| char::from(d)));
        line.push(' ');
        if !self.path.is_empty() {
            while line.len() < WIDTH {
                line.push(' ');
            }
            line.push(' ');
            line.push_str(&self.path);
        }
        line
    }
}

/// `v` in lower-case hexadecimal, zero-padded to at least `width` digits
/// (`%0*lx`).
fn push_hex(line: &mut String, v: u64, width: usize) {
    let digits = ((64 - v.leading_zeros() as usize).div_ceil(4)).max(width);
    for i in (0..digits).rev() {
        let d = if i < 16 { (v >> (4 * i)) & 0xf } else { 0 };
        line.push(char::from(b"0123456789abcdef"[d as usize]));
    }
}

/// `clone` flags (include/uapi/linux/sched.h).
pub mod clone_flags {
    /// The exit signal's number (`CSIGNAL`).
    pub const CSIGNAL: u64 = 0xff;
    pub const CLONE_VM: u64 = 0x100;
    pub const CLONE_FS: u64 = 0x200;
    pub const CLONE_FILES: u64 = 0x400;
    pub const CLONE_SIGHAND: u64 = 0x800;
    pub const CLONE_PIDFD: u64 = 0x1000;
    pub const CLONE_PTRACE: u64 = 0x2000;
    pub const CLONE_VFORK: u64 = 0x4000;
    pub const CLONE_PARENT: u64 = 0x8000;
    pub const CLONE_THREAD: u64 = 0x10000;
    pub const CLONE_NEWNS: u64 = 0x20000;
    pub const CLONE_SYSVSEM: u64 = 0x40000;
    pub const CLONE_SETTLS: u64 = 0x80000;
    pub const CLONE_PARENT_SETTID: u64 = 0x100000;
    pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;
    pub const CLONE_DETACHED: u64 = 0x400000;
    pub const CLONE_UNTRACED: u64 = 0x800000;
    pub const CLONE_CHILD_SETTID: u64 = 0x1000000;
    pub const CLONE_NEWCGROUP: u64 = 0x2000000;
    pub const CLONE_NEWUTS: u64 = 0x4000000;
    pub const CLONE_NEWIPC: u64 = 0x8000000;
    pub const CLONE_NEWUSER: u64 = 0x10000000;
    pub const CLONE_NEWPID: u64 = 0x20000000;
    pub const CLONE_NEWNET: u64 = 0x40000000;
    pub const CLONE_IO: u64 = 0x80000000;
    pub const CLONE_CLEAR_SIGHAND: u64 = 0x100000000;
    pub const CLONE_INTO_CGROUP: u64 = 0x200000000;
    pub const CLONE_NEWTIME: u64 = 0x80;
    /// `SIGCHLD`, the usual exit signal.
    pub const SIGCHLD: u64 = 17;
}

/// The pseudo-filesystem device anonymous inodes, pipes and sockets show.
const ANON_INODE_DEV: (u32, u32) = (0, 0xe);
/// procfs's device number (as on the reference machine).
const PROC_DEV: (u32, u32) = (0, 0x15);

/// Runs kswapd, if an allocation woke it, when dropped: at the return to
/// user space of a system call.
pub(crate) struct RetToUser<'a>(pub(crate) &'a Machine);

impl Drop for RetToUser<'_> {
    fn drop(&mut self) {
        self.0.kswapd_poll();
    }
}

/// A simulated kernel: one machine, its processes and its filesystems.
pub struct Kernel {
    // Declared first so they go first: processes drop their mappings and
    // descriptors before the filesystems write back and free the caches.
    pub(crate) tasks: BTreeMap<Pid, Arc<Task>>,
    /// The filesystem `openat` searches first, by full path (an image).
    pub(crate) root: Option<Arc<dyn Filesystem>>,
    /// The in-memory filesystem `create_file` makes files on (`/dev/shm`).
    pub(crate) tmpfs: Arc<Tmpfs>,
    pub(crate) machine: Arc<Machine>,
    next_pid: Pid,
    /// Processes the OOM killer killed since the last [`Kernel::take_oom_kills`].
    oom_kills: parking_lot::Mutex<Vec<Pid>>,
}

impl fmt::Debug for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kernel").field("machine", &self.machine).field("tasks", &self.tasks.len()).finish()
    }
}

impl Kernel {
    /// Boots a machine with no processes.
    pub fn new(cfg: &MachineConfig) -> Result<Kernel, ConfigError> {
        let machine = Machine::new(cfg)?;
        let tmpfs = Tmpfs::new(&crate::fs::SuperBlock::new(&machine));
        Ok(Kernel { tasks: BTreeMap::new(), root: None, tmpfs, machine, next_pid: 1, oom_kills: Default::default() })
    }

    /// Makes `fs` the filesystem `openat` looks paths up in first (files
    /// not found there are looked up on tmpfs by their last component).
    pub fn set_root(&mut self, fs: Arc<dyn Filesystem>) {
        self.root = Some(fs);
    }

    /// The built-in tmpfs.
    pub fn tmpfs(&self) -> &Arc<Tmpfs> {
        &self.tmpfs
    }

    /// Creates file `name` of `size` bytes on tmpfs, its page `p` filled
    /// by `fill(p, bytes)`, every page cached.
    pub fn create_file(&self, name: &str, size: u64, fill: &mut dyn FnMut(u64, &mut [u8])) -> SysResult<()> {
        self.tmpfs.create(name, size, fill).map(|_| ())
    }

    /// Creates file `name` of `size` bytes where the machine's `files_on`
    /// says scenario files live: on tmpfs, every page cached
    /// ([`Kernel::create_file`]); (v1.8) on a disk filesystem, nothing
    /// cached ([`crate::fs::diskfile`]).  Page `p` is `fill(p, bytes)`.
    pub fn create_scenario_file(&self, name: &str, size: u64, fill: crate::fs::diskfile::FillFn) -> SysResult<()> {
        match self.machine.tunables.files_on {
            crate::machine::FilesOn::Tmpfs => self.tmpfs.create(name, size, &mut |p, b| fill(p, b)).map(|_| ()),
            crate::machine::FilesOn::Ext4 => self.tmpfs.create_on_disk(name, size, fill).map(|_| ()),
        }
    }

    /// `openat(AT_FDCWD, path, flags)`: the lowest free descriptor
    /// (`EMFILE` if it is not below `RLIMIT_NOFILE`, 1024).  The root
    /// filesystem (if any) is searched by full path, symbolic links
    /// followed, then, for a path it does not have, tmpfs by the last
    /// component; any other error of the root filesystem (a corrupt image:
    /// `EUCLEAN`) is returned.  Every open flag is taken (see
    /// [`crate::flags::open_flags`]) as `build_open_flags` and
    /// `do_open` take them: `O_DIRECTORY` (`ENOTDIR`), `O_NOFOLLOW`
    /// (`ELOOP`), `O_PATH`, `O_CREAT`/`O_EXCL`/`O_TMPFILE` (files made in
    /// memory), `O_TRUNC` ([`crate::fs::truncate_unmapped`]); writing a
    /// directory is `EISDIR`, writing on a read-only mount `EROFS`, a
    /// socket `ENXIO`.  Flags that change only I/O (`O_APPEND`,
    /// `O_NONBLOCK`, `O_SYNC`, `O_DIRECT`, `O_NOATIME` ...) are accepted.
    pub fn sys_openat(&self, pid: Pid, path: &str, flags: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        let how = OpenHow::build_open_flags(flags)?;
        // do_sys_openat2: the descriptor first (EMFILE before ENOENT).
        let fd = t.files.lock().get_unused_fd()?;
        let found = match self.proc_pid_maps_open(t, path, &how) {
            Some(r) => r,
            None => self.do_filp_open(path, &how),
        };
        let mut files = t.files.lock();
        match found {
            Ok(file) => {
                files.fd_install(fd, file);
                files.set_close_on_exec(fd, flags & crate::task::O_CLOEXEC != 0);
                Ok(fd as u64)
            }
            Err(e) => {
                files.put_unused_fd(fd);
                Err(e)
            }
        }
    }

    /// procfs's `maps` files (`proc_pid_maps_operations`), the one part of
    /// `/proc` the model has: `/proc/self/maps`, `/proc/thread-self/maps`,
    /// `/proc/PID/maps` and `/proc/PID/task/TID/maps` of a live task `t`
    /// may see. They are read-only (mode 0444: `EACCES` for writing), not
    /// directories (`ENOTDIR` with `O_DIRECTORY`), cannot be mapped (no
    /// `mmap`: `ENODEV`), and show the numeric path, as `d_path` does once
    /// `/proc/self` is followed. A PID or TID with no task is `ENOENT`.
    /// `None` for any other path: the filesystems look it up, so `/proc`
    /// of the root never answers for these.
    fn proc_pid_maps_open(&self, t: &Task, path: &str, how: &OpenHow) -> Option<SysResult<Arc<File>>> {
        use crate::flags::open_flags::*;
        // Most paths are not procfs's: no need to split them.
        if !path.starts_with('/') || !path.contains("proc") || !path.contains("maps") {
            return None;
        }
        let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
        let [_, mid @ .., _] = parts.as_slice() else { return None };
        if !path.starts_with('/') || parts.first() != Some(&"proc") || parts.last() != Some(&"maps") {
            return None;
        }
        // proc_pid_lookup: a decimal number without sign or leading zero.
        let num = |s: &str| -> Option<Pid> {
            if s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let (tgid, tid) = match *mid {
            ["self"] => (t.tgid, None),
            ["thread-self"] => (t.tgid, Some(t.pid)),
            [p] => (num(p)?, None),
            [p, "task", tid] => (num(p)?, Some(num(tid)?)),
            _ => return None,
        };
        let Ok(leader) = self.task(tgid) else { return Some(Err(Errno::ENOENT)) };
        let shown = match tid {
            None => format!("/proc/{tgid}/maps"),
            Some(tid) if self.task(tid).is_ok_and(|x| x.tgid == leader.tgid) => format!("/proc/{tgid}/task/{tid}/maps"),
            Some(_) => return Some(Err(Errno::ENOENT)),
        };
        let r = if how.flags & O_DIRECTORY != 0 {
            Err(Errno::ENOTDIR)
        } else if how.flags & (O_CREAT | O_EXCL) == (O_CREAT | O_EXCL) {
            Err(Errno::EEXIST)
        } else if how.may_write {
            Err(Errno::EACCES)
        } else {
            let no_mmap = Arc::new(crate::fs::NoMmapFile::default());
            let inode = crate::fs::Inode::new(
                &crate::fs::SuperBlock::new(&self.machine),
                PROC_DEV,
                0,
                no_mmap.clone(),
                no_mmap,
            );
            Ok(File::open(inode, how.f_mode, shown))
        };
        trace_note!(
            self.machine.trace,
            "proc_pid_maps_open",
            "{path}: {}",
            r.as_ref().map_or_else(|e| e.name(), |f| f.path.as_str())
        );
        Some(r)
    }

    /// The filesystems a path is looked up in: the root (by full path),
    /// then tmpfs (by last component) for what the root does not have.
    /// `f(fs, path, is_root)` runs on each in turn until it gives
    /// anything but `ENOENT`.
    fn with_filesystems<'a, R>(
        &'a self,
        path: &str,
        mut f: impl FnMut(&'a dyn Filesystem, &str, bool) -> SysResult<R>,
    ) -> SysResult<R> {
        if let Some(fs) = &self.root {
            match f(fs.as_ref(), path, true) {
                Err(Errno::ENOENT) => {}
                r => return r,
            }
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        f(self.tmpfs.as_ref(), name, self.root.is_none())
    }

    /// `unlink(path)` / `unlinkat(AT_FDCWD, path, 0)` (`do_unlinkat`):
    /// removes the name from the root filesystem, or from tmpfs (by last
    /// component) when the root does not have it.
    pub fn do_unlinkat(&self, path: &str) -> SysResult<()> {
        let _ret = RetToUser(&self.machine);
        self.with_filesystems(path, |fs, p, _| fs.unlink(p))
    }

    /// `mkdir(path)` / `mkdirat(AT_FDCWD, path, mode)` (`do_mkdirat`) on
    /// the root filesystem (tmpfs is flat: `EROFS`).
    pub fn do_mkdirat(&self, path: &str) -> SysResult<()> {
        let _ret = RetToUser(&self.machine);
        match &self.root {
            Some(fs) => fs.mkdir(path),
            None => Err(Errno::EROFS),
        }
    }

    /// `rename(old, new)` / `renameat2(AT_FDCWD, old, AT_FDCWD, new, 0)`
    /// (`do_renameat2`) on the root filesystem (tmpfs: `EROFS`).
    pub fn do_renameat2(&self, old: &str, new: &str) -> SysResult<()> {
        let _ret = RetToUser(&self.machine);
        match &self.root {
            Some(fs) => fs.rename(old, new),
            None => Err(Errno::EROFS),
        }
    }

    /// `link(old, new)` / `linkat(AT_FDCWD, old, AT_FDCWD, new, 0)`
    /// (`do_linkat`) on the root filesystem (tmpfs: `EROFS`).
    pub fn do_linkat(&self, old: &str, new: &str) -> SysResult<()> {
        let _ret = RetToUser(&self.machine);
        match &self.root {
            Some(fs) => fs.link(old, new),
            None => Err(Errno::EROFS),
        }
    }

    /// `do_filp_open`: the walk, then `do_open`'s checks.
    fn do_filp_open(&self, path: &str, how: &OpenHow) -> SysResult<Arc<File>> {
        use crate::flags::open_flags::*;
        let m = &*self.machine;
        // With a root, files are created there only (tmpfs by last
        // component is a fallback for lookups).
        let dentry = self.with_filesystems(path, |fs, path, may_create| {
            if how.flags & __O_TMPFILE != 0 {
                // do_tmpfile: the path names the directory.
                let dir = fs.path_lookupat(path, LookupFlags::FOLLOW | LookupFlags::DIRECTORY)?;
                if fs.read_only() {
                    return Err(Errno::EROFS);
                }
                return fs.tmpfile(&dir).map(|d| (d, fs));
            }
            let mut lookup = LookupFlags::empty();
            if how.flags & O_NOFOLLOW == 0 && how.flags & (O_CREAT | O_EXCL) != (O_CREAT | O_EXCL) {
                lookup |= LookupFlags::FOLLOW;
            }
            if how.flags & O_DIRECTORY != 0 {
                lookup |= LookupFlags::DIRECTORY;
            }
            match fs.path_lookupat(path, lookup) {
                Ok(d) if how.flags & (O_CREAT | O_EXCL) == (O_CREAT | O_EXCL) => {
                    drop(d);
                    Err(Errno::EEXIST)
                }
                Ok(d) => Ok((d, fs)),
                Err(Errno::ENOENT) if how.flags & O_CREAT != 0 && may_create => {
                    if fs.read_only() {
                        return Err(Errno::EROFS);
                    }
                    let d = fs.create(path)?;
                    trace_note!(m.trace, "lookup_open", "{path}: created {}", d.path);
                    Ok((d, fs))
                }
                Err(e) => Err(e),
            }
        });
        let (dentry, fs) = dentry.inspect_err(|e| trace_note!(m.trace, "do_filp_open", "{path}: {}", e.name()))?;
        let inode = &dentry.inode;
        let ty = inode.file_type();
        // do_open / may_open.
        if how.f_mode.contains(FMode::PATH) {
            return Ok(File::open(dentry.inode, FMode::PATH, dentry.path));
        }
        match ty {
            FileType::Symlink => return Err(Errno::ELOOP),
            FileType::Directory if how.may_write || how.flags & O_CREAT != 0 => return Err(Errno::EISDIR),
            FileType::Socket => return Err(Errno::ENXIO),
            FileType::Regular | FileType::Directory if how.may_write && fs.read_only() => return Err(Errno::EROFS),
            _ => {}
        }
        if how.flags & O_TRUNC != 0 && ty == FileType::Regular {
            fs.truncate(inode)?;
        }
        Ok(File::open(dentry.inode, how.f_mode, dentry.path))
    }

    /// `do_open_execat`: the file `execve` runs, opened for reading
    /// (symbolic links followed; the root filesystem, then tmpfs by last
    /// component, as `openat`).  Anything but a regular file with an
    /// execute bit is `EACCES`.
    pub fn open_exec(&self, path: &str) -> SysResult<Arc<File>> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "open_exec", "{path}");
        let mut d = self.with_filesystems(path, |fs, path, _| fs.path_lookupat(path, LookupFlags::FOLLOW))?;
        if !d.inode.is_reg() || d.inode.mode & 0o111 == 0 {
            trace_note!(m.trace, "may_open", "{}: not an executable regular file: EACCES", d.path);
            return Err(Errno::EACCES);
        }
        if !d.path.starts_with('/') {
            // A tmpfs file found by its last component runs under the
            // path it was given, as if it were there.
            d.path = path.to_string();
        }
        trace_note!(m.trace, "do_open_execat", "{}: inode {}, {} bytes", d.path, d.inode.ino, d.inode.size());
        Ok(File::open(d.inode, FMode::READ, d.path))
    }

    /// `close(fd)`: mappings of the file stay.
    pub fn sys_close(&self, pid: Pid, fd: i64) -> SysResult<u64> {
        if self.task(pid)?.files.lock().close(fd) { Ok(0) } else { Err(Errno::EBADF) }
    }

    /// Writes back every dirty page of every filesystem (`sync`).
    pub fn sync(&self) -> SysResult<()> {
        if let Some(fs) = &self.root {
            fs.sync()?;
        }
        self.tmpfs.sync()
    }

    /// The machine.
    pub fn machine(&self) -> &Arc<Machine> {
        &self.machine
    }

    /// Starts a process with an empty address space; its program break is
    /// at `brk_base` (0x200000000 unless configured).
    pub fn spawn(&mut self) -> SysResult<Pid> {
        let mm = MmStruct::new(&self.machine).ok_or(Errno::ENOMEM)?;
        let pid = self.next_pid;
        self.next_pid += 1;
        self.tasks.insert(pid, Arc::new(Task::new(pid, mm, Default::default())));
        Ok(pid)
    }

    /// `fork`: a child of `pid` with a copy of its address space
    /// ([`MmStruct::dup_mmap`]: private pages shared copy-on-write) and of
    /// its descriptor table; its fault counters start at zero.
    pub fn fork(&mut self, pid: Pid) -> SysResult<Pid> {
        self.kernel_clone(pid, clone_flags::SIGCHLD)
    }

    /// `kernel_clone` / `copy_process` with `clone(2)` flags: the address
    /// space shared (`CLONE_VM`: a thread, `vfork`) or copied, the
    /// descriptor table shared (`CLONE_FILES`) or copied, the thread group
    /// joined (`CLONE_THREAD`) or a new one led.  `copy_process`'s checks
    /// of flag combinations give `EINVAL`.  The child's fault counters
    /// start at zero.
    pub fn kernel_clone(&mut self, pid: Pid, flags: u64) -> SysResult<Pid> {
        use clone_flags::*;
        let parent = self.task(pid)?.clone();
        if flags & (CLONE_NEWNS | CLONE_FS) == (CLONE_NEWNS | CLONE_FS)
            || flags & (CLONE_NEWUSER | CLONE_FS) == (CLONE_NEWUSER | CLONE_FS)
            || (flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0)
            || (flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0)
            || (flags & CLONE_PIDFD != 0 && flags & CLONE_DETACHED != 0)
        {
            return Err(Errno::EINVAL);
        }
        let _ret = RetToUser(&self.machine);
        let _t = trace_enter!(self.machine.trace, "kernel_clone", "pid {pid} -> pid {}", self.next_pid);
        // copy_mm
        let mm = if flags & CLONE_VM != 0 { parent.mm.clone() } else { parent.mm.dup_mmap()? };
        // copy_files
        let files = if flags & CLONE_FILES != 0 {
            parent.files.clone()
        } else {
            Arc::new(parking_lot::Mutex::new(parent.files.lock().clone()))
        };
        let child = self.next_pid;
        self.next_pid += 1;
        let tgid = if flags & CLONE_THREAD != 0 { parent.tgid } else { child };
        let mut task = Task::new_in(child, tgid, mm, files);
        task.copy_signal(&parent, flags & CLONE_THREAD != 0);
        self.tasks.insert(child, Arc::new(task));
        Ok(child)
    }

    /// A new thread of process `pid` (`clone(CLONE_VM|CLONE_THREAD)`
    /// without `CLONE_FILES`): it shares the address space and joins the
    /// thread group; its fault counters are its own, and it starts with a
    /// copy of the descriptor table.  Run it on a CPU of its own with
    /// [`Task::load`]/[`Task::store`] from a host thread of its own.
    pub fn spawn_thread(&mut self, pid: Pid) -> SysResult<Pid> {
        let leader = self.task(pid)?.clone();
        let files = Arc::new(parking_lot::Mutex::new(leader.files.lock().clone()));
        let tid = self.next_pid;
        self.next_pid += 1;
        let mut task = Task::new_in(tid, leader.tgid, leader.mm.clone(), files);
        task.copy_signal(&leader, true);
        self.tasks.insert(tid, Arc::new(task));
        Ok(tid)
    }

    /// Ends task `pid` (`do_exit`): its address space goes
    /// (`exit_mmap`) when no other task uses it, its descriptor table when
    /// no other task shares it.
    pub fn exit(&mut self, pid: Pid) -> bool {
        self.tasks.remove(&pid).is_some()
    }

    /// khugepaged's wakeups (`khugepaged_do_scan`, `pages_to_scan` of
    /// work each) until it went through its list of address spaces `n`
    /// more times (`full_scans`), so that every address space on the list
    /// now was scanned whole at least `n - 1` times; none if the list is
    /// empty or THP is off.  Returns the wakeups run.
    pub fn khugepaged_full_scans(&self, n: u64) -> u64 {
        let _ret = RetToUser(&self.machine);
        self.machine.khugepaged_full_scans(n)
    }

    /// khugepaged's counters (`full_scans`, `pages_collapsed`) and the
    /// number of address spaces on its list.
    pub fn khugepaged_stats(&self) -> crate::khugepaged::KhugepagedStats {
        self.machine.khugepaged_stats()
    }

    /// `do_group_exit`: every task of `pid`'s thread group ends.  The
    /// tasks that ended, the group's leader first if it was alive.
    pub fn exit_group(&mut self, pid: Pid) -> Vec<Pid> {
        let Some(tgid) = self.tasks.get(&pid).map(|t| t.tgid) else { return Vec::new() };
        let members: Vec<Pid> = self.thread_group(tgid);
        for p in &members {
            self.tasks.remove(p);
        }
        members
    }

    /// The live tasks of thread group `tgid`, the leader first.
    pub fn thread_group(&self, tgid: Pid) -> Vec<Pid> {
        let mut v: Vec<Pid> = self.tasks.values().filter(|t| t.tgid == tgid).map(|t| t.pid).collect();
        v.sort_by_key(|&p| (p != tgid, p));
        v
    }

    /// `do_prlimit` for `RLIMIT_STACK`: sets the soft limit of `pid`'s
    /// thread group to `new` (`u64::MAX`, `RLIM_INFINITY`, for none) when
    /// given; returns the old one.  The hard limit is not modelled: any
    /// value is taken, as for a privileged caller.  The running program's
    /// layout does not move; its next `execve` uses the new limit.
    pub fn do_prlimit_stack(&self, pid: Pid, new: Option<u64>) -> SysResult<u64> {
        let t = self.task(pid)?;
        Ok(match new {
            Some(v) => t.rlim_stack.swap(v, std::sync::atomic::Ordering::Relaxed),
            None => t.rlimit_stack(),
        })
    }

    /// The descriptor table of `pid`.
    fn files(&self, pid: Pid) -> SysResult<Arc<parking_lot::Mutex<crate::task::FdTable>>> {
        Ok(self.task(pid)?.files.clone())
    }

    /// `dup(fd)`.
    pub fn sys_dup(&self, pid: Pid, fd: i64) -> SysResult<u64> {
        self.files(pid)?.lock().dup(fd).map(|f| f as u64)
    }

    /// `dup2(old, new)`.
    pub fn sys_dup2(&self, pid: Pid, old: i64, new: i64) -> SysResult<u64> {
        self.files(pid)?.lock().dup2(old, new).map(|f| f as u64)
    }

    /// `dup3(old, new, flags)`.
    pub fn sys_dup3(&self, pid: Pid, old: i64, new: i64, flags: u64) -> SysResult<u64> {
        self.files(pid)?.lock().dup3(old, new, flags).map(|f| f as u64)
    }

    /// `fcntl(fd, cmd, arg)` for the descriptor-table commands:
    /// `F_DUPFD` (0), `F_DUPFD_CLOEXEC` (1030), `F_GETFD` (1), `F_SETFD`
    /// (2); any other command is `EINVAL` here.
    pub fn sys_fcntl(&self, pid: Pid, fd: i64, cmd: u64, arg: u64) -> SysResult<u64> {
        let files = self.files(pid)?;
        let mut files = files.lock();
        match cmd {
            F_DUPFD => files.f_dupfd(fd, arg, false).map(|f| f as u64),
            F_DUPFD_CLOEXEC => files.f_dupfd(fd, arg, true).map(|f| f as u64),
            F_GETFD => files.get_fd_flags(fd),
            F_SETFD => files.set_fd_flags(fd, arg).map(|()| 0),
            _ => Err(Errno::EINVAL),
        }
    }

    /// `close_range(first, last, flags)`; `CLOSE_RANGE_UNSHARE` gives the
    /// task a table of its own first (`unshare_fd`) if it shares one.
    pub fn sys_close_range(&mut self, pid: Pid, first: u64, last: u64, flags: u64) -> SysResult<u64> {
        let t = self.task(pid)?;
        if flags & crate::task::CLOSE_RANGE_UNSHARE != 0 && Arc::strong_count(&t.files) > 1 {
            let mut copy = t.files.lock().clone();
            copy.close_range(first, last, flags)?;
            let own = Arc::new(parking_lot::Mutex::new(copy));
            let t = self.tasks.get_mut(&pid).expect("checked");
            let task = Arc::get_mut(t).ok_or(Errno::EBUSY)?;
            task.files = own;
            return Ok(0);
        }
        t.files.lock().close_range(first, last, flags).map(|()| 0)
    }

    /// `do_close_on_exec` for task `pid` (called by `execve`).
    pub fn do_close_on_exec(&self, pid: Pid) -> SysResult<()> {
        self.files(pid)?.lock().do_close_on_exec();
        Ok(())
    }

    /// A file on an anonymous inode (`anon_inode_getfile`), or a pipe or
    /// socket end: it occupies a descriptor and cannot be mapped
    /// (`ENODEV`).  `name` is what `/proc/PID/fd` shows, such as
    /// `anon_inode:[eventfd]`; `pipe:[N]` and `socket:[N]` get the inode
    /// number when `name` is `pipe` or `socket`.
    pub fn anon_inode_getfile(&self, name: &str, mode: FMode) -> Arc<File> {
        let inode = crate::fs::Inode::new(
            &crate::fs::SuperBlock::new(&self.machine),
            ANON_INODE_DEV,
            0,
            Arc::new(crate::fs::NoMmapFile::default()),
            Arc::new(crate::fs::NoMmapFile::default()),
        );
        let shown = match name {
            "pipe" | "socket" => format!("{name}:[{}]", inode.ino),
            _ => name.to_string(),
        };
        File::open(inode, mode, shown)
    }

    /// `anon_inode_getfd`: [`Kernel::anon_inode_getfile`] at the lowest
    /// free descriptor of `pid`, close-on-exec if `flags` has `O_CLOEXEC`
    /// (`eventfd2`, `epoll_create1`, `signalfd4`, `timerfd_create`,
    /// `inotify_init1`, `pidfd_open`, `socket`, `accept4`).
    pub fn anon_inode_getfd(&self, pid: Pid, name: &str, flags: u64) -> SysResult<u64> {
        let files = self.files(pid)?;
        let file = self.anon_inode_getfile(name, FMode::READ | FMode::WRITE);
        files.lock().install_flags(file, flags).map(|f| f as u64)
    }

    /// `pipe2(flags)` (and `socketpair`, `name` `socket`): two descriptors
    /// on one object; `EMFILE` takes neither.
    pub fn do_pipe2(&self, pid: Pid, name: &str, flags: u64) -> SysResult<(u64, u64)> {
        let files = self.files(pid)?;
        let mut files = files.lock();
        let r = self.anon_inode_getfile(name, FMode::READ);
        let w = File::open(r.inode.clone(), FMode::WRITE, r.path.clone());
        let a = files.install_flags(r, flags)?;
        match files.install_flags(w, flags) {
            Ok(b) => Ok((a as u64, b as u64)),
            Err(e) => {
                files.close(a as i64);
                Err(e)
            }
        }
    }

    /// `memfd_create(name, flags)`: an unlinked shmem file of size 0,
    /// shown as `/memfd:NAME (deleted)`; it can be mapped.
    pub fn sys_memfd_create(&self, pid: Pid, name: &str, flags: u64) -> SysResult<u64> {
        let files = self.files(pid)?;
        let file = crate::fs::shmem::shmem_file_setup(&self.machine, &format!("/memfd:{name} (deleted)"), 0);
        // MFD_CLOEXEC is 1.
        files.lock().install_flags(file, if flags & 1 != 0 { crate::task::O_CLOEXEC } else { 0 }).map(|f| f as u64)
    }

    /// Installs `file` as descriptor `fd` of `pid`, replacing what was
    /// there: a replay follows descriptors a log shows (`EBADF` if `fd` is
    /// not below `RLIMIT_NOFILE`).
    pub fn install_fd_at(&self, pid: Pid, fd: usize, file: Arc<File>, cloexec: bool) -> SysResult<()> {
        self.files(pid)?.lock().replace_fd(fd, file, cloexec).map(|_| ())
    }

    /// `filp_open`: `path` opened with `flags` as [`Kernel::sys_openat`]
    /// opens it (the same walk and checks), not installed in any
    /// descriptor table.
    pub fn filp_open(&self, path: &str, flags: u64) -> SysResult<Arc<File>> {
        let how = OpenHow::build_open_flags(flags)?;
        self.do_filp_open(path, &how)
    }

    /// The process `pid`.
    pub fn task(&self, pid: Pid) -> SysResult<&Arc<Task>> {
        self.tasks.get(&pid).ok_or(Errno::EINVAL)
    }

    /// Live process ids.
    pub fn pids(&self) -> Vec<Pid> {
        self.tasks.keys().copied().collect()
    }

    /// `mmap(addr, len, prot, flags, fd, off)` with raw arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn sys_mmap(&self, pid: Pid, addr: u64, len: u64, prot: u64, flags: u64, fd: i64, off: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        let _s = trace_enter!(self.machine.trace, "sys_mmap", "pid {pid}");
        // x86 sys_mmap: the offset must be page aligned.
        if off & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        let flags = MapFlags::from_bits_retain(flags);
        // ksys_mmap_pgoff: fget(fd) unless anonymous.
        let mut flags = flags;
        let mut file = if flags.contains(MapFlags::ANONYMOUS) {
            None
        } else {
            // fget: an O_PATH descriptor is no file to map.
            Some(t.files.lock().get(fd).filter(|f| !f.mode.contains(FMode::PATH)).ok_or(Errno::EBADF)?)
        };
        // ksys_mmap_pgoff: MAP_HUGETLB maps only hugetlbfs files (which
        // the model has none of) or anonymous hugetlb memory, which the
        // scenario parser refuses.
        if file.is_some() && flags.contains(MapFlags::HUGETLB) {
            return Err(Errno::EINVAL);
        }
        if let Some(f) = &file
            && f.inode.file_type() == FileType::CharDevice
            && f.inode.rdev == DEV_ZERO
        {
            // mmap_zero: a private mapping is anonymous memory, a shared
            // one shmem (shmem_zero_setup), as MAP_ANONYMOUS makes them.
            if !f.mode.contains(FMode::READ) {
                return Err(Errno::EACCES);
            }
            trace_note!(self.machine.trace, "mmap_zero", "/dev/zero: anonymous memory");
            flags |= MapFlags::ANONYMOUS;
            file = None;
        }
        t.mm.vm_mmap_pgoff(&t.faults, file.as_ref(), addr, len, Prot::from_bits_retain(prot), flags, off >> PAGE_SHIFT)
    }

    /// `munmap(addr, len)`.
    pub fn sys_munmap(&self, pid: Pid, addr: u64, len: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        self.task(pid)?.mm.munmap(addr, len).map(|()| 0)
    }

    /// `mprotect(addr, len, prot)`.
    pub fn sys_mprotect(&self, pid: Pid, addr: u64, len: u64, prot: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        t.mm.do_mprotect(&t.faults, addr, len, prot).map(|()| 0)
    }

    /// `mremap(old, old_len, new_len, flags, new)`.  A `VM_LOCKED` mapping
    /// that grows has its new part populated (`mm_populate`).
    pub fn sys_mremap(&self, pid: Pid, old: u64, old_len: u64, new_len: u64, flags: u64, new: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        let mlocked = t.mm.mmap_lock.read().vmas.lookup(old).is_some_and(|v| v.flags.contains(VmFlags::LOCKED));
        let r = t.mm.do_mremap(old, old_len, new_len, flags, new)?;
        let (old_len, new_len) = (page_align(old_len).unwrap_or(0), page_align(new_len).unwrap_or(0));
        if mlocked && new_len > old_len {
            t.mm.mm_populate(&t.faults, r + old_len, new_len - old_len);
        }
        Ok(r)
    }

    /// `madvise(addr, len, advice)`.
    pub fn sys_madvise(&self, pid: Pid, addr: u64, len: u64, advice: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        t.mm.do_madvise(&t.faults, addr, len, advice).map(|()| 0)
    }

    /// `brk(addr)`: the new break, or the old one if refused.  After
    /// `mlockall(MCL_FUTURE)` the heap's new pages are populated.
    pub fn sys_brk(&self, pid: Pid, addr: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        let (oldbrk, locked) = {
            let st = t.mm.mmap_lock.read();
            (page_align(st.brk).unwrap_or(0), st.def_flags.contains(VmFlags::LOCKED))
        };
        let r = t.mm.sys_brk(addr);
        let newbrk = page_align(r).unwrap_or(0);
        if locked && newbrk > oldbrk {
            t.mm.mm_populate(&t.faults, oldbrk, newbrk - oldbrk);
        }
        Ok(r)
    }

    /// `mlock(addr, len)`.
    pub fn sys_mlock(&self, pid: Pid, addr: u64, len: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        t.mm.do_mlock(&t.faults, addr, len, VmFlags::LOCKED).map(|()| 0)
    }

    /// `mlock2(addr, len, flags)`: `MLOCK_ONFAULT` locks without
    /// populating; any other bit is `EINVAL`.
    pub fn sys_mlock2(&self, pid: Pid, addr: u64, len: u64, flags: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        if flags & !crate::mm::mlock::MLOCK_ONFAULT != 0 {
            return Err(Errno::EINVAL);
        }
        let mut vm_flags = VmFlags::LOCKED;
        if flags & crate::mm::mlock::MLOCK_ONFAULT != 0 {
            vm_flags |= VmFlags::LOCKONFAULT;
        }
        t.mm.do_mlock(&t.faults, addr, len, vm_flags).map(|()| 0)
    }

    /// `munlock(addr, len)`.
    pub fn sys_munlock(&self, pid: Pid, addr: u64, len: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        self.task(pid)?.mm.do_munlock(addr, len).map(|()| 0)
    }

    /// `mlockall(flags)`.
    pub fn sys_mlockall(&self, pid: Pid, flags: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        let t = self.task(pid)?;
        t.mm.do_mlockall(&t.faults, flags).map(|()| 0)
    }

    /// `munlockall()`.
    pub fn sys_munlockall(&self, pid: Pid) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        self.task(pid)?.mm.do_munlockall().map(|()| 0)
    }

    /// `mincore(addr, len, vec)`: the residency byte of each page of the
    /// range (`vec`'s contents), or the error.
    pub fn sys_mincore(&self, pid: Pid, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
        let _ret = RetToUser(&self.machine);
        self.task(pid)?.mm.do_mincore(addr, len)
    }

    /// `msync(addr, len, flags)`.
    pub fn sys_msync(&self, pid: Pid, addr: u64, len: u64, flags: u64) -> SysResult<u64> {
        let _ret = RetToUser(&self.machine);
        self.task(pid)?.mm.do_msync(addr, len, flags).map(|()| 0)
    }

    /// A user-mode load of one byte on CPU 0.  A fault that finds no
    /// memory runs the OOM killer ([`Kernel::out_of_memory`]); the access
    /// fails with `SIGKILL` if the loading process is the victim.
    ///
    /// # Panics
    ///
    /// If `pid` is not a process: only a process can make an access.
    #[inline]
    pub fn load(&self, pid: Pid, addr: u64) -> Result<u8, Signal> {
        self.user_access(pid, addr, |t| t.load(0, addr))
    }

    /// A user-mode store of one byte on CPU 0 (see [`Kernel::load`]).
    ///
    /// # Panics
    ///
    /// If `pid` is not a process.
    #[inline]
    pub fn store(&self, pid: Pid, addr: u64, val: u8) -> Result<(), Signal> {
        self.user_access(pid, addr, |t| t.store(0, addr, val))
    }

    /// Runs one access of `pid` (`access` makes it on the task, on any CPU:
    /// [`Task::load`], [`Task::fetch`], [`Task::put_user`] ...).
    /// `Signal::Kill` from the fault path is `VM_FAULT_OOM`: the OOM
    /// killer picks a victim and kills it; if that was another process,
    /// its memory is free and the access restarts. Every round kills one
    /// more process, so the loop ends at the latest when the accessing
    /// process is the only one left.
    ///
    /// # Panics
    ///
    /// If `pid` is not a process.
    #[inline]
    pub fn user_access<R>(
        &self,
        pid: Pid,
        addr: u64,
        access: impl Fn(&Task) -> Result<R, Signal>,
    ) -> Result<R, Signal> {
        let t = self.tasks.get(&pid).expect("an access by a process");
        loop {
            if t.is_oom_victim() {
                // A killed task runs no further instruction.
                return Err(Signal::Kill { addr });
            }
            match access(t) {
                Err(Signal::Kill { addr }) => {
                    if self.out_of_memory(t) {
                        return Err(Signal::Kill { addr });
                    }
                }
                r => return r,
            }
        }
    }

    /// `out_of_memory` for a fault of `current` that found no memory
    /// (`VM_FAULT_OOM`): `select_bad_process` picks the process with the
    /// most memory and `oom_kill_process` kills it.  True if `current`
    /// itself was killed.
    ///
    /// Linux runs this inside the page allocator (`__alloc_pages_may_oom`)
    /// and then retries the allocation; the model runs it where the
    /// failed allocation surfaces, at the fault, and retries the access:
    /// the victim, its reaping and the retry are the same.
    pub fn out_of_memory(&self, current: &Task) -> bool {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "out_of_memory", "pid {}: VM_FAULT_OOM", current.pid);
        match self.select_bad_process() {
            Some(victim) => {
                self.oom_kill_process(victim);
                current.is_oom_victim()
            }
            // Unreachable while `current` lives (it is a candidate); a task
            // with nothing to kill cannot get its memory either.
            None => {
                trace_note!(m.trace, "out_of_memory", "no killable process");
                true
            }
        }
    }

    /// `select_bad_process`: every process in creation order
    /// (`for_each_process`), scored by `oom_badness`; a process the OOM
    /// killer already killed and reaped (`MMF_OOM_SKIP`) is passed over.
    /// The highest score wins; on a tie the later process does (`points <
    /// chosen_points` is what skips).  Threads count once, with their
    /// process.
    fn select_bad_process(&self) -> Option<&Arc<Task>> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "select_bad_process");
        let mut chosen: Option<(&Arc<Task>, i64)> = None;
        let mut seen: Vec<u64> = Vec::new();
        for t in self.tasks.values() {
            if seen.contains(&t.mm.id) {
                continue;
            }
            seen.push(t.mm.id);
            if t.is_oom_victim() {
                trace_note!(m.trace, "oom_evaluate_task", "pid {}: already an OOM victim (MMF_OOM_SKIP)", t.pid);
                continue;
            }
            let points = oom_badness(&t.mm);
            if m.trace.enabled() {
                let c = &t.mm.counters;
                trace_note!(
                    m.trace,
                    "oom_badness",
                    "pid {}: {} points = rss {} + swapents {} + pgtables {} (oom_score_adj 0)",
                    t.pid,
                    points,
                    c.anon_rss.sum() + c.file_rss.sum(),
                    c.swap_ents.load(Ordering::Relaxed),
                    t.mm.pgtable_pages() - 1
                );
            }
            if chosen.is_none_or(|(_, p)| points >= p) {
                chosen = Some((t, points));
            }
        }
        if let Some((t, points)) = chosen {
            trace_note!(
                m.trace,
                "select_bad_process",
                "pid {} chosen: the most points ({}), the later process on a tie",
                t.pid,
                points
            );
        }
        chosen.map(|(t, _)| t)
    }

    /// `oom_kill_process`: the victim is not exiting on its own
    /// (`task_will_free_mem`), so `__oom_kill_process` kills it.
    fn oom_kill_process(&self, victim: &Arc<Task>) {
        let _t = trace_enter!(self.machine.trace, "oom_kill_process", "pid {}", victim.pid);
        self.__oom_kill_process(victim);
    }

    /// `__oom_kill_process`: `SIGKILL` to the victim and to every task
    /// sharing its address space, then its memory goes: the victim exits
    /// at once (`exit_mmap`, which also does the `oom_reaper`'s work) and
    /// its descriptors are closed.  The task stays, killed, until
    /// [`Kernel::exit`] reaps it.
    fn __oom_kill_process(&self, victim: &Arc<Task>) {
        let m = &*self.machine;
        let mm = &victim.mm;
        let total_vm = mm.mmap_lock.read().total_vm;
        let c = &mm.counters;
        let _t = trace_enter!(
            m.trace,
            "__oom_kill_process",
            "Out of memory: Killed process {} total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, swapents:{}, pgtables:{}kB",
            victim.pid,
            total_vm * 4,
            c.anon_rss.sum() * 4,
            c.file_rss.sum() * 4,
            c.swap_ents.load(Ordering::Relaxed),
            (mm.pgtable_pages() - 1) * 4
        );
        m.vmstat.count(crate::vmstat::VmEvent::OomKill, 1);
        let mut kills = self.oom_kills.lock();
        for t in self.tasks.values().filter(|t| t.mm.id == mm.id) {
            t.oom_victim.store(true, Ordering::Release);
            *t.files.lock() = Default::default();
            kills.push(t.pid);
        }
        drop(kills);
        let free = m.nr_free_pages();
        mm.exit_mmap();
        trace_note!(m.trace, "exit_mmap", "{} pages freed", m.nr_free_pages().saturating_sub(free));
    }

    /// The processes the OOM killer killed since the last call, in the
    /// order it killed them.  They run nothing more; [`Kernel::exit`]
    /// reaps them.
    pub fn take_oom_kills(&self) -> Vec<Pid> {
        std::mem::take(&mut *self.oom_kills.lock())
    }

    /// `(minflt, majflt)` of a process.
    pub fn faults(&self, pid: Pid) -> SysResult<(u64, u64)> {
        Ok(self.task(pid)?.faults.get())
    }

    /// `/proc/PID/maps` lines overlapping `[lo, hi)`: the VMAs, then, for
    /// a program `execve` started, the `[vsyscall]` gate (`get_gate_vma`,
    /// not in the VMA tree; `vsyscall=xonly`, execute-only).
    pub fn maps(&self, pid: Pid, lo: u64, hi: u64) -> SysResult<Vec<MapsEntry>> {
        let t = self.task(pid)?;
        let st = t.mm.mmap_lock.read();
        let mut out: Vec<MapsEntry> = st.vmas.overlapping(lo, hi).map(|v| maps_entry(v, &st)).collect();
        let (gs, ge) = crate::exec::VSYSCALL_GATE;
        if st.vsyscall_gate && lo < ge && hi > gs {
            out.push(MapsEntry {
                start: gs,
                end: ge,
                perms: "--xp".to_string(),
                offset: 0,
                dev: (0, 0),
                inode: 0,
                path: "[vsyscall]".to_string(),
            });
        }
        Ok(out)
    }

    /// Every invariant of every process's address space
    /// ([`MmStruct::check_invariants`]) and of the machine
    /// ([`crate::check::check_machine`]: swap counts, frames, the reclaim
    /// lists).
    pub fn check_invariants(&self) -> Vec<crate::check::Violation> {
        // Threads share their process's address space: each counts once.
        let mut mms: Vec<Arc<MmStruct>> = self.tasks.values().map(|t| t.mm.clone()).collect();
        mms.sort_by_key(|mm| mm.id);
        mms.dedup_by_key(|mm| mm.id);
        let mut out: Vec<_> = mms.iter().flat_map(|mm| mm.check_invariants()).collect();
        out.extend(crate::check::check_machine(&self.machine, &mms));
        out
    }

    /// Present page ranges (pagemap bit 63) in `[lo, hi)`.
    pub fn present(&self, pid: Pid, lo: u64, hi: u64) -> SysResult<Vec<(u64, u64)>> {
        Ok(self.task(pid)?.mm.present_ranges(lo, hi))
    }

    /// (v1.6) The parts of `[lo, hi)` that PMD leaves map, merged:
    /// `(start, end, zero)`, `zero` when the leaf maps the huge zero page
    /// ([`crate::mm::MmStruct::pmd_leaf_ranges`]).
    pub fn huge_ranges(&self, pid: Pid, lo: u64, hi: u64) -> SysResult<Vec<(u64, u64, bool)>> {
        Ok(self.task(pid)?.mm.pmd_leaf_ranges(lo, hi))
    }

    /// What `/proc/PID/smaps` shows of each VMA overlapping `[lo, hi)`:
    /// `(start, end, stats)` ([`crate::mm::MmStruct::smaps`]).
    pub fn smaps(&self, pid: Pid, lo: u64, hi: u64) -> SysResult<Vec<(u64, u64, crate::mm::task_mmu::MemSizeStats)>> {
        Ok(self.task(pid)?.mm.smaps(lo, hi))
    }
}

/// `/dev/zero`'s device number (`MEM_MAJOR`, minor 5).
const DEV_ZERO: (u32, u32) = (1, 5);

/// `struct open_flags` as `build_open_flags` makes it from `open(2)`
/// flags.
struct OpenHow {
    /// The flags that still count.
    flags: u64,
    /// The open file's mode.
    f_mode: FMode,
    /// `acc_mode & MAY_WRITE`: the open writes (or truncates).
    may_write: bool,
}

impl OpenHow {
    /// `build_open_flags`: `EINVAL` for `O_TMPFILE` without write access
    /// or with `O_CREAT`, and for `O_CREAT|O_DIRECTORY`; unknown bits are
    /// ignored, as `open` and `openat` ignore them.
    fn build_open_flags(flags: u64) -> SysResult<OpenHow> {
        use crate::flags::open_flags::*;
        if flags & O_PATH != 0 {
            let flags = flags & (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC);
            return Ok(OpenHow { flags, f_mode: FMode::PATH, may_write: false });
        }
        let acc = flags & O_ACCMODE;
        let mut may_write = acc == O_WRONLY || acc == O_RDWR || acc == O_ACCMODE;
        if flags & __O_TMPFILE != 0 {
            if flags & (O_TMPFILE | O_CREAT) != O_TMPFILE || !may_write {
                return Err(Errno::EINVAL);
            }
        } else if flags & (O_CREAT | O_DIRECTORY) == (O_CREAT | O_DIRECTORY) {
            return Err(Errno::EINVAL);
        }
        if flags & O_TRUNC != 0 {
            may_write = true;
        }
        // OPEN_FMODE: access mode 3 opens with neither.
        let f_mode = FMode::from_open_flags(flags).unwrap_or(FMode::empty());
        Ok(OpenHow { flags, f_mode, may_write })
    }
}

/// `oom_badness` with `oom_score_adj` 0: resident pages, swap entries
/// and page-table pages (`mm_pgtables_bytes`, the root not included).
fn oom_badness(mm: &MmStruct) -> i64 {
    let c = &mm.counters;
    c.anon_rss.sum() + c.file_rss.sum() + c.swap_ents.load(Ordering::Relaxed) + (mm.pgtable_pages() - 1)
}

/// `show_map_vma` for one VMA: a file's path, a special mapping's name,
/// `[heap]` (`vma_is_initial_heap`) or `[stack]` (`vma_is_initial_stack`).
pub(crate) fn maps_entry(v: &Vma, st: &crate::mm::MmState) -> MapsEntry {
    if let Some(f) = v.file() {
        return MapsEntry {
            start: v.start,
            end: v.end,
            perms: v.perms(),
            offset: v.pgoff << PAGE_SHIFT,
            dev: f.inode.dev,
            inode: f.inode.i_ino,
            path: f.path.clone(),
        };
    }
    let path = if let Some(name) = v.special_name() {
        name.to_string()
    } else if v.start < st.brk && v.end > st.start_brk {
        "[heap]".to_string()
    } else if st.start_stack != 0 && v.start <= st.start_stack && v.end >= st.start_stack {
        "[stack]".to_string()
    } else {
        String::new()
    };
    MapsEntry { start: v.start, end: v.end, perms: v.perms(), offset: 0, dev: (0, 0), inode: 0, path }
}

#[cfg(test)]
mod tests {
    use super::MapsEntry;

    /// `show_map_vma`'s line, written with `format!`.
    fn reference(e: &MapsEntry) -> String {
        let mut line = format!(
            "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ",
            e.start, e.end, e.perms, e.offset, e.dev.0, e.dev.1, e.inode
        );
        if !e.path.is_empty() {
            while line.len() < 25 + 8 * 6 - 1 {
                line.push(' ');
            }
            line.push(' ');
            line.push_str(&e.path);
        }
        line
    }

    #[test]
    fn proc_maps_lines_are_show_map_vma_lines() {
        let values = [0, 1, 0xf, 0x10, 0xabc, 0x1234_5678, 0x7fff_f7fc_3000, 0xffff_ffff_ff60_0000, u64::MAX];
        let devs = [(0, 0), (8, 2), (0xfe, 0x101), (u32::MAX, 7)];
        let paths = ["", "[heap]", "/usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)"];
        for (i, &start) in values.iter().enumerate() {
            let end = values[(i + 3) % values.len()];
            let e = MapsEntry {
                start,
                end,
                perms: "r-xp".into(),
                offset: values[(i + 5) % values.len()],
                dev: devs[i % devs.len()],
                inode: values[(i + 1) % values.len()],
                path: paths[i % paths.len()].into(),
            };
            assert_eq!(e.proc_maps_line(), reference(&e));
        }
    }
}
