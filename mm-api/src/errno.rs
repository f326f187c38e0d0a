//! Errors as the kernel reports them: an [`Errno`] with Linux's names and
//! numbers for system calls, and [`VmFault`] / [`Signal`] for accesses.

use bitflags::bitflags;
use std::fmt;

macro_rules! errnos {
    ($($name:ident = $num:expr, $text:expr;)*) => {
        /// A Linux error number (x86-64 values).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum Errno {
            $($name = $num,)*
        }

        impl Errno {
            /// Every error number this crate knows, ascending.
            pub const ALL: &'static [Errno] = &[$(Errno::$name,)*];

            /// The symbolic name, e.g. `"ENOMEM"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }

            /// The C library's `strerror` text, e.g. `"Cannot allocate memory"`.
            pub fn text(self) -> &'static str {
                match self {
                    $(Errno::$name => $text,)*
                }
            }

            /// The error number for a name such as `"EINVAL"`.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name {
                    $(stringify!($name) => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    EROFS = 30, "Read-only file system";
    ENAMETOOLONG = 36, "File name too long";
    ENOSYS = 38, "Function not implemented";
    ELOOP = 40, "Too many levels of symbolic links";
    EOVERFLOW = 75, "Value too large for defined data type";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    EOPNOTSUPP = 95, "Operation not supported";
    EUCLEAN = 117, "Structure needs cleaning";
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.text())
    }
}

impl std::error::Error for Errno {}

/// The result of a system call: a value or an error number.
pub type SysResult<T> = Result<T, Errno>;

bitflags! {
    /// `vm_fault_t` bits (include/linux/mm_types.h): what a fault handler
    /// reports back to `handle_mm_fault`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct VmFault: u32 {
        const OOM = 0x0001;
        const SIGBUS = 0x0002;
        const MAJOR = 0x0004;
        const HWPOISON = 0x0010;
        const HWPOISON_LARGE = 0x0020;
        const SIGSEGV = 0x0040;
        const NOPAGE = 0x0100;
        const LOCKED = 0x0200;
        const RETRY = 0x0400;
        const FALLBACK = 0x0800;
        const DONE_COW = 0x1000;
        const NEEDDSYNC = 0x2000;
        const COMPLETED = 0x4000;
    }
}

impl VmFault {
    /// `VM_FAULT_ERROR`: any of the bits that make a fault fail.
    pub const ERROR: VmFault = VmFault::OOM
        .union(VmFault::SIGBUS)
        .union(VmFault::SIGSEGV)
        .union(VmFault::HWPOISON)
        .union(VmFault::HWPOISON_LARGE)
        .union(VmFault::FALLBACK);
}

/// Why a SIGSEGV was raised (`si_code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegvCode {
    /// `SEGV_MAPERR`: no VMA covers the address.
    MapErr,
    /// `SEGV_ACCERR`: a VMA covers it but forbids the access.
    AccErr,
    /// `SI_KERNEL`: not a page fault but a general-protection fault (a
    /// non-canonical address on x86-64).
    Kernel,
}

/// A signal an access raises instead of completing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `SIGSEGV` at the address.
    Segv { addr: u64, code: SegvCode },
    /// `SIGBUS` at the address (a file page wholly past end of file).
    Bus { addr: u64 },
    /// The OOM killer's `SIGKILL`.  From `mm_core::task::Task`'s accesses it means
    /// the fault found no memory (`VM_FAULT_OOM`); `mm_core::Kernel`'s
    /// accesses then run the OOM killer and return it only to its victim.
    Kill { addr: u64 },
}

impl Signal {
    /// The signal's name as the scenario output prints it.
    pub fn name(&self) -> &'static str {
        match self {
            Signal::Segv { .. } => "SIGSEGV",
            Signal::Bus { .. } => "SIGBUS",
            Signal::Kill { .. } => "SIGKILL",
        }
    }

    /// The faulting address.
    pub fn addr(&self) -> u64 {
        match *self {
            Signal::Segv { addr, .. } | Signal::Bus { addr } | Signal::Kill { addr } => addr,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {:#x}", self.name(), self.addr())
    }
}

impl std::error::Error for Signal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &e in Errno::ALL {
            assert_eq!(Errno::from_name(e.name()), Some(e));
        }
        assert_eq!(Errno::ENOMEM.to_string(), "ENOMEM (Cannot allocate memory)");
    }
}
