//! Loads and stores of one byte that may fault, and the SIGSEGV/SIGBUS
//! handler that recovers from them.
//!
//! Each access is one instruction in an `asm!` block that first stores
//! the address of its recovery label in [`FIXUP`] (an exception table of
//! one entry).  When the access raises SIGSEGV or SIGBUS, the handler
//! points the interrupted context's instruction pointer at that label and
//! returns; the block then reports the signal.  A signal outside an
//! access restores the default action, so the runner dies of it as any
//! program would.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

/// The recovery address of the access in progress.
static FIXUP: AtomicUsize = AtomicUsize::new(0);
/// An access is in progress.
static IN_ACCESS: AtomicBool = AtomicBool::new(false);
/// The signal the last failed access raised.
static SIGNO: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_fault(sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    if IN_ACCESS.load(Ordering::Relaxed) {
        SIGNO.store(sig, Ordering::Relaxed);
        // SAFETY: the kernel passes the interrupted context; only the
        // instruction pointer is changed, to a label of the same block.
        unsafe {
            let uc = ctx.cast::<libc::ucontext_t>();
            (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] = FIXUP.load(Ordering::Relaxed) as i64;
        }
        return;
    }
    // SAFETY: back to the default action; the faulting instruction runs
    // again and the signal ends the process.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Installs the handler for SIGSEGV and SIGBUS (on the normal stack,
/// which the runner has faulted in).
pub(super) fn install_handler() {
    // SAFETY: a plain sigaction with a handler that only touches atomics
    // and the context it is given.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_fault as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
    }
}

/// What an access raised instead of completing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Raised {
    Segv,
    Bus,
}

fn raised() -> Raised {
    if SIGNO.load(Ordering::Relaxed) == libc::SIGBUS { Raised::Bus } else { Raised::Segv }
}

/// Reads the byte at `addr`.
#[inline(never)]
pub(super) fn load_byte(addr: u64) -> Result<u8, Raised> {
    let v: u32;
    let failed: u32;
    IN_ACCESS.store(true, Ordering::Relaxed);
    // SAFETY: the read may fault; the handler then resumes at label 3,
    // which reports it.  Nothing else is touched.
    unsafe {
        std::arch::asm!(
            "lea {t}, [rip + 3f]",
            "mov qword ptr [{fx}], {t}",
            "xor {f:e}, {f:e}",
            "movzx {v:e}, byte ptr [{a}]",
            "jmp 4f",
            "3:",
            "mov {f:e}, 1",
            "xor {v:e}, {v:e}",
            "4:",
            a = in(reg) addr,
            fx = in(reg) FIXUP.as_ptr(),
            t = out(reg) _,
            v = out(reg) v,
            f = out(reg) failed,
            options(nostack),
        );
    }
    IN_ACCESS.store(false, Ordering::Relaxed);
    if failed != 0 { Err(raised()) } else { Ok(v as u8) }
}

/// Writes `val` at `addr`.
#[inline(never)]
pub(super) fn store_byte(addr: u64, val: u8) -> Result<(), Raised> {
    let failed: u32;
    IN_ACCESS.store(true, Ordering::Relaxed);
    // SAFETY: as in `load_byte`; the scenario owns the memory written.
    unsafe {
        std::arch::asm!(
            "lea {t}, [rip + 3f]",
            "mov qword ptr [{fx}], {t}",
            "xor {f:e}, {f:e}",
            "mov byte ptr [{a}], {val}",
            "jmp 4f",
            "3:",
            "mov {f:e}, 1",
            "4:",
            a = in(reg) addr,
            val = in(reg_byte) val,
            fx = in(reg) FIXUP.as_ptr(),
            t = out(reg) _,
            f = out(reg) failed,
            options(nostack),
        );
    }
    IN_ACCESS.store(false, Ordering::Relaxed);
    if failed != 0 { Err(raised()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_recovered() {
        install_handler();
        let x = [7u8; 4];
        assert_eq!(load_byte(x.as_ptr() as u64), Ok(7));
        // Page 0 is never mapped (vm.mmap_min_addr).
        assert_eq!(load_byte(8), Err(Raised::Segv));
        assert_eq!(store_byte(8, 1), Err(Raised::Segv));
        let mut y = [0u8; 1];
        assert_eq!(store_byte(y.as_mut_ptr() as u64, 9), Ok(()));
        // SAFETY: read back through a volatile read (the asm wrote it).
        assert_eq!(unsafe { std::ptr::read_volatile(y.as_ptr()) }, 9);
    }
}
