//! Processes and the simulated CPU accesses they make.

use crate::arch::{Exception, PageFaultInfo};
use crate::errno::{SegvCode, Signal};
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
    pub faults: FaultCounters,
    /// Its descriptor table (`files_struct`).
    pub files: parking_lot::Mutex<FdTable>,
    /// The OOM killer chose it (`tsk_is_oom_victim`): it got `SIGKILL`,
    /// its memory was reaped (`MMF_OOM_SKIP`), and it runs nothing more.
    pub oom_victim: std::sync::atomic::AtomicBool,
}

/// A descriptor table: descriptor `n` is slot `n`.
#[derive(Debug, Default, Clone)]
pub struct FdTable {
    fds: Vec<Option<Arc<File>>>,
}

/// The first descriptor `open` returns (0-2 are the standard streams).
pub const FIRST_FD: usize = 3;

impl FdTable {
    /// Installs `file` at the lowest free descriptor (`fd_install`).
    pub fn install(&mut self, file: Arc<File>) -> i64 {
        if self.fds.len() < FIRST_FD {
            self.fds.resize(FIRST_FD, None);
        }
        let fd = match self.fds.iter().skip(FIRST_FD).position(Option::is_none) {
            Some(i) => i + FIRST_FD,
            None => {
                self.fds.push(None);
                self.fds.len() - 1
            }
        };
        self.fds[fd] = Some(file);
        fd as i64
    }
    /// The file at `fd` (`fget`).
    pub fn get(&self, fd: i64) -> Option<Arc<File>> {
        usize::try_from(fd).ok().and_then(|i| self.fds.get(i)).and_then(Clone::clone)
    }
    /// Closes `fd`; false if it was not open.
    pub fn close(&mut self, fd: i64) -> bool {
        usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)).and_then(Option::take).is_some()
    }
}

impl Task {
    /// A task with a fresh fault count and descriptor table `files`.
    pub(crate) fn new(pid: u32, mm: Arc<MmStruct>, files: FdTable) -> Task {
        Task {
            pid,
            mm,
            faults: Default::default(),
            files: parking_lot::Mutex::new(files),
            oom_victim: Default::default(),
        }
    }

    /// The OOM killer killed it.
    pub fn is_oom_victim(&self) -> bool {
        self.oom_victim.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs on `cpu`, making sure its address space is loaded.
    fn switch_to(&self, cpu: usize) {
        self.mm.machine.switch_mm(cpu, &self.mm);
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
    fn access<R>(&self, cpu: usize, va: u64, access: Access, f: impl FnOnce(PhysAddr) -> R) -> Result<R, Signal> {
        // More than a few faults on one access means the handler made no
        // progress, which would hang real hardware: report it as a signal.
        let gave_up = || {
            debug_assert!(false, "access to {va:#x} keeps faulting");
            Signal::Segv { addr: va, code: SegvCode::AccErr }
        };
        self.run_access(cpu, va, access, true, f, gave_up, |fault| match fault {
            Exception::PageFault(info) => self.page_fault(&info),
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
        self.switch_to(cpu);
        let mut f = Some(f);
        for _ in 0..8 {
            let fault = {
                let mut c = m.cpus[cpu].lock();
                match c.mmu.translate(&m.phys, va, access, user) {
                    Ok(pa) => return Ok(f.take().expect("called once")(pa)),
                    Err(e) => e,
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

    /// The general-protection exception (`exc_general_protection`): the
    /// task gets `SIGSEGV`; no page fault is counted.
    fn general_protection(&self, addr: u64) -> Signal {
        let m = &*self.mm.machine;
        let _t = trace_enter!(m.trace, "exc_general_protection", "address={addr:#x}");
        trace_note!(m.trace, "do_general_protection", "non-canonical address: SIGSEGV");
        Signal::Segv { addr, code: SegvCode::Kernel }
    }

    /// The page-fault exception (`exc_page_fault`).
    fn page_fault(&self, info: &PageFaultInfo) -> Result<(), Signal> {
        self.mm.do_user_addr_fault(info, &self.faults)
    }

    /// Reads the byte at `va`.
    pub fn load(&self, cpu: usize, va: u64) -> Result<u8, Signal> {
        let phys = &self.mm.machine.phys;
        let r = self.access(cpu, va, Access::Read, |pa| phys.read_u8(pa.pfn(), pa.page_offset()));
        self.mm.machine.kswapd_poll();
        r
    }

    /// Writes the byte at `va`.
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
