//! `execve` (fs/exec.c): a task drops its address space and starts a
//! program in a new one.
//!
//! [`Kernel::execve`] follows `do_execveat_common`: the binary is opened
//! (`open_exec`), a new address space gets its first stack page
//! (`bprm_mm_init`), the file name, environment and arguments are copied
//! onto it (`copy_strings`, faulting its pages in as `get_arg_page` does,
//! counted to the task), then `bprm_execve` asks the binary formats in
//! turn (`search_binary_handler`): a `#!` script ([`binfmt_script`])
//! restarts the search with its interpreter, an ELF64 x86-64 image
//! ([`binfmt_elf`]) is loaded.  `begin_new_exec` is the point of no
//! return: the task's old address space goes (`exec_mmap`; a `vfork`
//! child's parent keeps it) and the new one takes its place.
//!
//! Addresses are those of a task with ASLR off (`setarch -R`,
//! `ADDR_NO_RANDOMIZE`): no random stack, mmap, load or brk offset.
//!
//! An error before the point of no return leaves the task as it was.
//! One after it kills the task (Linux sends it `SIGSEGV`,
//! `force_fatal_sig`): the model removes it as [`Kernel::exit`] does, and
//! `execve` returns the error, so [`Kernel::task`] no longer finds it.
//!
//! Not modelled: other threads of the process are not killed
//! (`de_thread`), credentials, set-uid, `binfmt_misc`, 32-bit (compat)
//! ELF, and the GNU property note (x86 shadow stack / IBT).

pub mod binfmt_elf;
pub mod binfmt_script;

use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::FaultCounters;
use crate::flags::{FaultFlags, VmFlags};
use crate::fs::File;
use crate::kernel::{Kernel, Pid, RetToUser};
use crate::mm::{MmStruct, Vma};
use crate::task::Task;
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};
use std::sync::Arc;

/// `STACK_TOP` (x86-64, `TASK_SIZE_LOW`): where the stack ends, the
/// format's `DEFAULT_MAP_WINDOW`.
pub fn stack_top(m: &crate::Machine) -> u64 {
    m.arch.default_map_window()
}

/// `ELF_ET_DYN_BASE` (x86-64): two thirds of the default map window,
/// where a position-independent program (ET_DYN with an interpreter) is
/// loaded.
pub fn elf_et_dyn_base(m: &crate::Machine) -> u64 {
    m.arch.default_map_window() / 3 * 2
}

/// The `[vsyscall]` gate page (`VSYSCALL_ADDR`), `[start, end)`.
pub const VSYSCALL_GATE: (u64, u64) = (0xffff_ffff_ff60_0000, 0xffff_ffff_ff60_1000);

/// `BINPRM_BUF_SIZE`: the bytes of the file the formats look at first.
pub const BINPRM_BUF_SIZE: usize = 256;

/// `MAX_ARG_STRLEN`: the longest argument or environment string.
pub const MAX_ARG_STRLEN: u64 = 32 * PAGE_SIZE;

/// `MAX_ARG_STRINGS`.
pub const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;

/// `ARG_MAX` as `bprm_stack_limits` uses it: the least room for strings.
const ARG_MAX: u64 = 32 * PAGE_SIZE;

/// `_STK_LIM`: 8 MiB.
const STK_LIM: u64 = 8 << 20;

/// `PATH_MAX`.
pub const PATH_MAX: u64 = 4096;

/// How often a format may hand over to an interpreter (`exec_binprm`:
/// `depth > 5` is `ELOOP`).
const MAX_BINPRM_DEPTH: u32 = 5;

/// `stack_expand` of `setup_arg_pages`: 128 KiB more stack than the
/// arguments need.
const STACK_EXPAND: u64 = 128 << 10;

/// `VM_STACK_INCOMPLETE_SETUP`: the stack while exec builds it.
const VM_STACK_INCOMPLETE_SETUP: VmFlags = VmFlags::RAND_READ.union(VmFlags::SEQ_READ);

/// `VM_STACK_FLAGS` (x86-64, `VM_STACK_DEFAULT_FLAGS` without exec).
const VM_STACK_FLAGS: VmFlags = VmFlags::STACK.union(VmFlags::DATA_DEFAULT).union(VmFlags::ACCOUNT);

/// `struct linux_binprm`: what exec knows of the program it is starting.
pub struct LinuxBinprm {
    /// The file being loaded (the script's interpreter after `#!`).
    pub file: Arc<File>,
    /// Set by a format that hands over to an interpreter.
    pub interpreter: Option<Arc<File>>,
    /// The path execve was given (`bprm->filename`).
    pub filename: String,
    /// The path of the program being run (`bprm->interp`).
    pub interp: String,
    /// The first [`BINPRM_BUF_SIZE`] bytes of `file`, zero-padded.
    pub buf: Vec<u8>,
    /// The new address space.
    pub mm: Arc<MmStruct>,
    /// The lowest byte of the strings on the new stack (`bprm->p`).
    pub p: u64,
    /// The strings may not go below it (`bprm->argmin`).
    argmin: u64,
    /// Where the file name string is (`bprm->exec`, `AT_EXECFN`).
    pub exec: u64,
    /// Argument count.
    pub argc: usize,
    /// Environment count.
    pub envc: usize,
    /// Lengths (with the NUL) of the argument strings, last pushed (the
    /// lowest on the stack, `argv[0]`) last.
    arg_lens: Vec<u64>,
    /// Lengths of the environment strings, in pushing order.
    env_lens: Vec<u64>,
    /// `RLIMIT_STACK` at exec (`bprm->rlim_stack`).
    pub rlim_stack: u64,
    /// `begin_new_exec` ran: an error now kills the task.
    pub point_of_no_return: bool,
    /// The exec'ing task (`current`): faults on the new image count to it
    /// (`mm_account_fault`).
    pub task: Arc<Task>,
}

impl LinuxBinprm {
    /// The bottom of the stack VMA.
    fn stack_vma_start(&self) -> u64 {
        let top = stack_top(&self.mm.machine);
        let st = self.mm.mmap_lock.read();
        st.vmas.find(top - 1).map_or(top, |v| v.start)
    }
}

/// The fault counts of the task object an exec replaces: the task is the
/// same, its counts carry over.
fn copy_counters(from: &FaultCounters) -> FaultCounters {
    use std::sync::atomic::Ordering::Relaxed;
    let c = FaultCounters::default();
    c.min_flt.store(from.min_flt.load(Relaxed), Relaxed);
    c.maj_flt.store(from.maj_flt.load(Relaxed), Relaxed);
    c
}

/// `faultin_page` for a kernel write to user memory of `mm` (`get_arg_page`
/// via GUP, `clear_user`, `put_user`): the frame at `addr`, present and
/// writable, faulted in if need be and the fault counted to `counters`.
/// `EFAULT` if there is no writable VMA there.
fn faultin_write(mm: &MmStruct, counters: &FaultCounters, addr: u64) -> SysResult<Pfn> {
    for _ in 0..4 {
        let pte = mm.lookup_pte(addr);
        if pte.is_present()
            && pte.is_write()
            && !pte.is_protnone()
            && let Some(pfn) = pte.pfn()
        {
            return Ok(pfn);
        }
        let st = mm.mmap_lock.read();
        let vma = st.vmas.lookup(addr).ok_or(Errno::EFAULT)?;
        if !vma.flags.contains(VmFlags::WRITE) {
            return Err(Errno::EFAULT);
        }
        let ret = mm.handle_mm_fault(Some(&st), vma, addr, FaultFlags::WRITE | FaultFlags::KILLABLE, Some(counters));
        if ret.contains(VmFault::OOM) {
            return Err(Errno::ENOMEM);
        }
        if ret.intersects(VmFault::ERROR) {
            return Err(Errno::EFAULT);
        }
    }
    Err(Errno::EFAULT)
}

/// `copy_to_user` into `mm` at `addr`, page by page (see [`faultin_write`]).
pub(crate) fn copy_to_user(mm: &MmStruct, counters: &FaultCounters, addr: u64, data: &[u8]) -> SysResult<()> {
    let mut done = 0usize;
    while done < data.len() {
        let a = addr.checked_add(done as u64).ok_or(Errno::EFAULT)?;
        let n = ((PAGE_SIZE - (a & !PAGE_MASK)) as usize).min(data.len() - done);
        let pfn = faultin_write(mm, counters, a)?;
        mm.machine.phys.write_bytes(pfn, a & !PAGE_MASK, &data[done..done + n]);
        done += n;
    }
    Ok(())
}

/// `kernel_read`: `buf.len()` bytes of `file` at `off` through its page
/// cache; how many there were.
pub(crate) fn kernel_read(file: &File, off: u64, buf: &mut [u8]) -> SysResult<usize> {
    file.inode.fops.read(file, off, buf)
}

/// `elf_read`: exactly `buf.len()` bytes at `off`, or `EIO`.
pub(crate) fn elf_read(file: &File, off: u64, buf: &mut [u8]) -> SysResult<()> {
    if kernel_read(file, off, buf)? != buf.len() { Err(Errno::EIO) } else { Ok(()) }
}

/// A C string: the bytes before the first NUL.
fn c_str(s: &[u8]) -> &[u8] {
    s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n])
}

impl Kernel {
    /// `execve(path, argv, envp)`: on success task `pid` runs the new
    /// image in a fresh address space.  `path` is absolute (the caller
    /// resolves the working directory).
    ///
    /// Errors are Linux's: `ENOENT` (no such file), `ENOEXEC` (no format
    /// knows the file), `E2BIG` (arguments too long), `ELOOP` (too many
    /// `#!` interpreters), `ELIBBAD` (the ELF interpreter is not an ELF
    /// file), `EINVAL`/`ENOMEM`/`EIO` for a bad image.  An error after the
    /// point of no return kills the task (see the module documentation).
    pub fn execve(&mut self, pid: Pid, path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> SysResult<()> {
        let machine = self.machine.clone();
        let _ret = RetToUser(&machine);
        self.do_execveat_common(pid, path, argv, envp)
    }

    /// `do_execveat_common`.
    fn do_execveat_common(&mut self, pid: Pid, path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> SysResult<()> {
        let m = self.machine.clone();
        let _t =
            trace_enter!(m.trace, "do_execveat_common", "pid {pid} {path:?}: {} args, {} env", argv.len(), envp.len());
        let task = self.task(pid)?.clone();
        if argv.len() > MAX_ARG_STRINGS || envp.len() > MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let mut bprm = self.alloc_bprm(&task, path)?;
        bprm.argc = argv.len();
        bprm.envc = envp.len();
        bprm_stack_limits(&mut bprm)?;
        let copy = trace_enter!(m.trace, "copy_strings", "file name, environment, arguments below {:#x}", bprm.p);
        copy_string_kernel(&mut bprm, path.as_bytes())?;
        bprm.exec = bprm.p;
        for s in envp.iter().rev() {
            let len = copy_string_kernel(&mut bprm, s)?;
            bprm.env_lens.push(len);
        }
        bprm.env_lens.reverse();
        for s in argv.iter().rev() {
            let len = copy_string_kernel(&mut bprm, s)?;
            bprm.arg_lens.push(len);
        }
        if bprm.argc == 0 {
            // An empty argv gets "" as argv[0].
            let len = copy_string_kernel(&mut bprm, b"")?;
            bprm.arg_lens.push(len);
            bprm.argc = 1;
        }
        trace_note!(m.trace, "copy_strings", "strings from {:#x} to {:#x}", bprm.p, stack_top(&m));
        drop(copy);
        self.bprm_execve(pid, &mut bprm)
    }

    /// `alloc_bprm`: opens the binary and makes the new address space with
    /// its first stack page (`bprm_mm_init`).
    fn alloc_bprm(&self, task: &Arc<Task>, path: &str) -> SysResult<LinuxBinprm> {
        let file = self.open_exec(path)?;
        let m = &self.machine;
        let mm = MmStruct::new(m).ok_or(Errno::ENOMEM)?;
        // bprm_mm_init: the caller's RLIMIT_STACK, which setup_new_exec's
        // arch_pick_mmap_layout turns into mmap_base (set here: nothing is
        // placed top-down before it).
        let rlim_stack = task.rlimit_stack();
        // __bprm_mm_init: one page below STACK_TOP_MAX.
        {
            let mut st = mm.mmap_write_lock();
            st.mmap_base = crate::mm::mmap_base(st.task_size, rlim_stack, m.tunables.stack_guard_gap);
            let flags = VmFlags::SOFTDIRTY | VM_STACK_FLAGS | VM_STACK_INCOMPLETE_SETUP;
            let start = stack_top(m) - PAGE_SIZE;
            st.vmas.insert(Vma::new_anon(m, start, stack_top(m), start >> PAGE_SHIFT, flags));
            crate::mm::vm_stat_account(&mut st, flags, 1);
        }
        Ok(LinuxBinprm {
            file,
            interpreter: None,
            filename: path.to_string(),
            interp: path.to_string(),
            buf: vec![0; BINPRM_BUF_SIZE],
            mm,
            p: stack_top(m) - 8,
            argmin: 0,
            exec: 0,
            argc: 0,
            envc: 0,
            arg_lens: Vec::new(),
            env_lens: Vec::new(),
            rlim_stack,
            point_of_no_return: false,
            task: task.clone(),
        })
    }

    /// `bprm_execve`: runs the formats; after the point of no return a
    /// failure kills the task.
    fn bprm_execve(&mut self, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
        let m = self.machine.clone();
        let _t = trace_enter!(m.trace, "bprm_execve", "{}", bprm.filename);
        let r = self.exec_binprm(pid, bprm);
        if let Err(e) = r {
            if bprm.point_of_no_return {
                trace_note!(
                    m.trace,
                    "bprm_execve",
                    "{} after the point of no return: SIGSEGV kills pid {pid}",
                    e.name()
                );
                self.exit(pid);
            } else {
                trace_note!(m.trace, "bprm_execve", "{}", e.name());
            }
        }
        r
    }

    /// `exec_binprm`: `search_binary_handler`, again with the interpreter
    /// a format named, at most [`MAX_BINPRM_DEPTH`] times.
    fn exec_binprm(&mut self, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
        let mut depth = 0;
        loop {
            if depth > MAX_BINPRM_DEPTH {
                return Err(Errno::ELOOP);
            }
            self.search_binary_handler(pid, bprm)?;
            let Some(interp) = bprm.interpreter.take() else {
                return Ok(());
            };
            bprm.file = interp;
            depth += 1;
        }
    }

    /// `search_binary_handler`: reads the first bytes (`prepare_binprm`)
    /// and tries each format; `ENOEXEC` if none knows the file.
    fn search_binary_handler(&mut self, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
        let m = self.machine.clone();
        let _t = trace_enter!(m.trace, "search_binary_handler", "{}", bprm.file.path);
        bprm.buf.fill(0);
        let file = bprm.file.clone();
        kernel_read(&file, 0, &mut bprm.buf)?;
        match binfmt_script::load_script(self, bprm) {
            Err(Errno::ENOEXEC) => {}
            r => return r,
        }
        binfmt_elf::load_elf_binary(self, pid, bprm)
    }

    /// `begin_new_exec`: the point of no return.  The old address space
    /// goes (`exec_mmap`); close-on-exec descriptors are closed.
    pub(crate) fn begin_new_exec(&mut self, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
        let m = self.machine.clone();
        let _t = trace_enter!(m.trace, "begin_new_exec", "pid {pid}");
        bprm.point_of_no_return = true;
        // set_mm_exe_file
        bprm.mm.mmap_write_lock().exe_file = Some(bprm.file.clone());
        // de_thread is the caller's: the other tasks of the thread group
        // are not ended here.
        self.exec_mmap(pid, bprm)?;
        self.do_close_on_exec(pid)
    }

    /// `unshare_files` and `exec_mmap`: the task switches to the new
    /// address space; its old one is released (`mmput`), which frees it
    /// unless another task (a `vfork` parent, a thread) still uses it.  The
    /// task keeps its pid, thread group, descriptors (a copy of them if
    /// the table was shared, `CLONE_FILES`) and fault counts.
    fn exec_mmap(&mut self, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
        let m = self.machine.clone();
        let old = self.task(pid)?.clone();
        let shared = self.tasks.values().filter(|t| Arc::ptr_eq(&t.mm, &old.mm)).count() > 1;
        trace_note!(
            m.trace,
            "exec_mmap",
            "mm {} -> mm {}{}",
            old.mm.id,
            bprm.mm.id,
            if shared { " (old mm still used by another task)" } else { " (old mm freed)" }
        );
        let files = if Arc::strong_count(&old.files) > 1 {
            Arc::new(parking_lot::Mutex::new(old.files.lock().clone()))
        } else {
            old.files.clone()
        };
        let mut t = Task::new_in(pid, old.tgid, bprm.mm.clone(), files);
        t.faults = copy_counters(&old.faults);
        // The thread group, and its limits, stay.
        t.copy_signal(&old, true);
        let t = Arc::new(t);
        self.tasks.insert(pid, t.clone());
        bprm.task = t;
        Ok(())
    }
}

/// `bprm_stack_limits`: the strings and pointers must fit in a quarter of
/// `RLIMIT_STACK` (at most 6 MiB, at least `ARG_MAX`).
fn bprm_stack_limits(bprm: &mut LinuxBinprm) -> SysResult<()> {
    let limit = (STK_LIM / 4 * 3).min(bprm.rlim_stack / 4).max(ARG_MAX);
    let ptr_size = ((bprm.argc.max(1) + bprm.envc + 1) as u64).saturating_mul(8);
    if limit <= ptr_size {
        return Err(Errno::E2BIG);
    }
    bprm.argmin = bprm.p - (limit - ptr_size);
    Ok(())
}

/// `copy_string_kernel` / one string of `copy_strings`: the C string `s`
/// and its NUL go below `bprm.p`, the stack grown and its pages faulted in
/// as `get_arg_page` does.  Returns its length with the NUL.
fn copy_string_kernel(bprm: &mut LinuxBinprm, s: &[u8]) -> SysResult<u64> {
    let s = c_str(s);
    let len = s.len() as u64 + 1;
    if len > MAX_ARG_STRLEN {
        return Err(Errno::E2BIG);
    }
    let pos = bprm.p - len;
    if pos < bprm.argmin {
        return Err(Errno::E2BIG);
    }
    bprm.p = pos;
    // get_arg_page: grow the stack ahead of GUP; a page it cannot get
    // is E2BIG.
    let start = bprm.stack_vma_start();
    if pos < start {
        let mut st = bprm.mm.mmap_write_lock();
        bprm.mm.expand_downwards(&mut st, start, pos, bprm.rlim_stack).map_err(|_| Errno::E2BIG)?;
    }
    let mut data = Vec::with_capacity(len as usize);
    data.extend_from_slice(s);
    data.push(0);
    copy_to_user(&bprm.mm, &bprm.task.faults, pos, &data).map_err(|_| Errno::E2BIG)?;
    Ok(len)
}

/// `remove_arg_zero`: drops `argv[0]` from the stack (a script's name
/// replaces it).
pub(crate) fn remove_arg_zero(bprm: &mut LinuxBinprm) {
    if bprm.argc == 0 {
        return;
    }
    if let Some(len) = bprm.arg_lens.pop() {
        bprm.p += len;
    }
    bprm.argc -= 1;
}

/// Pushes one more argument string (the script formats' `copy_string_kernel`
/// + `argc++`).
pub(crate) fn push_arg(bprm: &mut LinuxBinprm, s: &[u8]) -> SysResult<()> {
    let len = copy_string_kernel(bprm, s)?;
    bprm.arg_lens.push(len);
    bprm.argc += 1;
    Ok(())
}

/// `setup_arg_pages`: the stack's final flags (executable or not as
/// `PT_GNU_STACK` asked) and 128 KiB more room below the strings, within
/// `RLIMIT_STACK`.  Returns the start of the argument strings
/// (`mm->arg_start`).
pub(crate) fn setup_arg_pages(bprm: &mut LinuxBinprm, stack_top: u64, exec_stack: Option<bool>) -> SysResult<u64> {
    let mm = bprm.mm.clone();
    let m = &*mm.machine;
    let _t = trace_enter!(m.trace, "setup_arg_pages", "stack_top {:#x}", stack_top);
    // arch_align_stack without randomisation; the stack was built at
    // STACK_TOP already (stack_shift 0).
    let stack_top = (stack_top & !0xf).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let mut st = mm.mmap_write_lock();
    let vma = st.vmas.find(stack_top - 1).ok_or(Errno::EFAULT)?;
    let (start, end) = (vma.start, vma.end);
    let mut vm_flags = VM_STACK_FLAGS | VmFlags::SOFTDIRTY;
    match exec_stack {
        Some(true) => vm_flags |= VmFlags::EXEC,
        Some(false) => vm_flags -= VmFlags::EXEC,
        None => {}
    }
    // mprotect_fixup to the final flags, then VM_STACK_INCOMPLETE_SETUP off.
    st.vmas.modify(start, |v| {
        v.flags = vm_flags;
        v.vma_set_page_prot(m);
    });
    let stack_size = end - start;
    let rlim_stack = bprm.rlim_stack & PAGE_MASK;
    let stack_expand = rlim_stack.min(stack_size + STACK_EXPAND);
    let stack_base = end - stack_expand;
    // expand_stack_locked
    mm.expand_downwards(&mut st, start, stack_base, bprm.rlim_stack).map_err(|_| Errno::EFAULT)?;
    trace_note!(
        m.trace,
        "setup_arg_pages",
        "stack {:#x}-{:#x} {}",
        stack_base.min(start),
        end,
        String::from_utf8_lossy(&vm_flags.maps_perms())
    );
    Ok(bprm.p)
}

/// The `[vdso]` image (`vdso_image_64`): two pages of text.
pub const VDSO_TEXT_PAGES: u64 = 2;
/// `[vvar]`: the generic vDSO data pages (`VDSO_NR_PAGES` before the clock
/// pages): four.
pub const VVAR_PAGES: u64 = 4;
/// `[vvar_vclock]`: the clock pages (`VDSO_NR_VCLOCK_PAGES`): two.
pub const VVAR_VCLOCK_PAGES: u64 = 2;

/// `map_vdso(&vdso_image_64, 0)` (arch/x86/entry/vdso/vma.c): one
/// top-down area for `[vvar]`, `[vvar_vclock]` and `[vdso]`, in that
/// order; returns the vDSO's text address (`AT_SYSINFO_EHDR`).
pub(crate) fn map_vdso(mm: &MmStruct) -> SysResult<u64> {
    let m = &*mm.machine;
    let len = (VVAR_PAGES + VVAR_VCLOCK_PAGES + VDSO_TEXT_PAGES) << PAGE_SHIFT;
    let mut st = mm.mmap_write_lock();
    let addr = mm.get_unmapped_area(&st, None, 0, len, 0, crate::flags::MapFlags::empty())?;
    let _t = trace_enter!(m.trace, "map_vdso", "{:#x}-{:#x}", addr, addr + len);
    let text = addr + ((VVAR_PAGES + VVAR_VCLOCK_PAGES) << PAGE_SHIFT);
    let vdso_flags = VmFlags::READ | VmFlags::EXEC | VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC;
    let vvar_flags = VmFlags::READ | VmFlags::MAYREAD | VmFlags::IO | VmFlags::DONTDUMP | VmFlags::PFNMAP;
    let vclock = addr + (VVAR_PAGES << PAGE_SHIFT);
    for (start, end, flags, name) in [
        (text, text + (VDSO_TEXT_PAGES << PAGE_SHIFT), vdso_flags, "[vdso]"),
        (addr, vclock, vvar_flags, "[vvar]"),
        (vclock, text, vvar_flags, "[vvar_vclock]"),
    ] {
        let v = Vma::new_special(m, start, end, flags, name);
        let flags = v.flags;
        st.vmas.insert(v);
        crate::mm::vm_stat_account(&mut st, flags, ((end - start) >> PAGE_SHIFT) as i64);
        trace_note!(m.trace, "_install_special_mapping", "{name} {:#x}-{:#x}", start, end);
    }
    Ok(text)
}
