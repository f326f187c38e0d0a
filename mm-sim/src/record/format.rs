//! The lines of a bundle's trace, as `strace -f -y -v -s 65536 -X raw`
//! writes them, and the fault lines as the kernel's tracepoints print
//! them.

use std::fmt::Write as _;

/// Error names of x86-64 by number (1 to 133), as strace prints them.
const ERRNO_NAMES: [&str; 133] = [
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

/// The kernel's restart codes (512 to 516), never seen by the program.
const RESTART_NAMES: [(&str, &str); 5] = [
    ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    ("ERESTARTNOINTR", "To be restarted"),
    ("ERESTARTNOHAND", "To be restarted if no handler"),
    ("ENOIOCTLCMD", "Inappropriate ioctl for device"),
    ("ERESTART_RESTARTBLOCK", "Interrupted by signal"),
];

/// Signal names by number (1 to 31).
pub(super) const SIGNALS: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// `SIGHUP` for 1, ..., `SIGRT_3` for 37, `SIG99` beyond.
pub(super) fn signal_name(sig: i32) -> String {
    match sig {
        1..=31 => SIGNALS[sig as usize - 1].to_string(),
        32..=64 => format!("SIGRT_{}", sig - 32),
        _ => format!("SIG{sig}"),
    }
}

/// What `PTRACE_GETSIGINFO` said of a signal about to be delivered (the
/// fields of `siginfo_t` that strace writes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SigInfo {
    pub signo: i32,
    pub code: i32,
    /// `si_pid`, `si_uid` (a signal sent by a task, or `SIGCHLD`).
    pub pid: i32,
    pub uid: u32,
    /// `SIGCHLD`'s `si_status`, `si_utime`, `si_stime`.
    pub status: i32,
    pub utime: i64,
    pub stime: i64,
    /// `si_addr` (a fault's signal).
    pub addr: u64,
}

/// `si_code` values every signal may have.
fn si_code_name(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "SI_USER",
        0x80 => "SI_KERNEL",
        -1 => "SI_QUEUE",
        -2 => "SI_TIMER",
        -3 => "SI_MESGQ",
        -4 => "SI_ASYNCIO",
        -5 => "SI_SIGIO",
        -6 => "SI_TKILL",
        -7 => "SI_DETHREAD",
        -60 => "SI_ASYNCNL",
        _ => return None,
    })
}

/// The signals the kernel raises for a fault of the task itself, whose
/// `siginfo_t` carries `si_addr`.
const FAULT_SIGNALS: [i32; 5] = [4, 5, 7, 8, 11];

/// A signal-delivery stop as strace writes it: `--- SIGCHLD
/// {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1235, si_uid=0,
/// si_status=0, si_utime=0, si_stime=0} ---`.
pub(super) fn signal_line(si: &SigInfo) -> String {
    let name = signal_name(si.signo);
    let per_signal: &[&str] = match si.signo {
        17 => &["CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"],
        11 => &["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"],
        7 => &["BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"],
        4 => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
        ],
        8 => &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
            "FPE_FLTRES",
            "FPE_FLTINV",
            "FPE_FLTSUB",
        ],
        5 => &["TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"],
        _ => &[],
    };
    let code = match si_code_name(si.code) {
        Some(n) => n.to_string(),
        None => match usize::try_from(si.code).ok().and_then(|c| per_signal.get(c.checked_sub(1)?)) {
            Some(n) => n.to_string(),
            None => format!("{}", si.code),
        },
    };
    let mut s = format!("--- {name} {{si_signo={name}, si_code={code}");
    let sent = matches!(si.code, 0 | -1 | -6);
    if si.signo == 17 && si.code > 0 {
        // CLD_EXITED carries the exit status, the others a signal.
        let status = if si.code == 1 { format!("{}", si.status) } else { signal_name(si.status) };
        let _ = write!(
            s,
            ", si_pid={}, si_uid={}, si_status={status}, si_utime={}, si_stime={}",
            si.pid, si.uid, si.utime, si.stime
        );
    } else if sent {
        let _ = write!(s, ", si_pid={}, si_uid={}", si.pid, si.uid);
    } else if FAULT_SIGNALS.contains(&si.signo) && (si.code > 0 || si.code == 0x80) {
        let _ = write!(s, ", si_addr={}", pointer(si.addr));
    }
    s.push_str("} ---");
    s
}

/// A group stop as strace writes it: `--- stopped by SIGTSTP ---`.
pub(super) fn stop_line(sig: i32) -> String {
    format!("--- stopped by {} ---", signal_name(sig))
}

/// A signal mask as strace writes it: `[CHLD PIPE]`, or `~[...]` with
/// the signals not in it when it holds more than half of them.
pub(super) fn sigmask(mask: u64) -> String {
    let names = |m: u64| -> String {
        (1..=64)
            .filter(|&s| m & (1u64 << (s - 1)) != 0)
            .map(|s| {
                let n = signal_name(s);
                n.strip_prefix("SIG").map(str::to_string).unwrap_or(n)
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if mask.count_ones() > 32 { format!("~[{}]", names(!mask)) } else { format!("[{}]", names(mask)) }
}

fn strerror(e: i32) -> String {
    // SAFETY: strerror returns a valid C string (a static or thread-local
    // buffer), copied at once.
    unsafe { std::ffi::CStr::from_ptr(libc::strerror(e)) }.to_string_lossy().into_owned()
}

/// A call's result as strace writes it: `-1 ENOENT (No such file or
/// directory)`, `? ERESTARTSYS (...)`, a number in decimal, or in hex for
/// an address (`hex`).  A negative value that is no error (never seen on
/// x86-64 for the calls written in hex) is written as the unsigned number.
pub(super) fn ret_text(ret: i64, hex: bool) -> String {
    if (-4095..0).contains(&ret) {
        let e = -ret;
        if (512..=516).contains(&e) {
            let (n, m) = RESTART_NAMES[(e - 512) as usize];
            return format!("? {n} ({m})");
        }
        let name = ERRNO_NAMES.get(e as usize - 1).copied().filter(|n| !n.is_empty());
        return match name {
            Some(n) => format!("-1 {n} ({})", strerror(e as i32)),
            None => format!("-1 E{e} (Unknown error {e})"),
        };
    }
    if hex {
        format!("{:#x}", ret as u64)
    } else if ret < 0 {
        format!("{}", ret as u64)
    } else {
        format!("{ret}")
    }
}

/// A C string as strace writes it: quotes, `\"`, `\\`, `\n`, `\t`, `\r`,
/// `\v`, `\f`, and `\xNN` for every other byte outside `' '`..`'~'`.
pub(super) fn c_string(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x0b => s.push_str("\\v"),
            0x0c => s.push_str("\\f"),
            b' '..=b'~' => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('"');
    s
}

/// A path in a descriptor's `<...>` annotation: bytes outside `!`..`~`
/// (but the space), and `<`, `>`, `"`, `\`, written `\xNN`.
pub(super) fn annotation(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('<');
    for &c in b {
        if (b' '..=b'~').contains(&c) && !matches!(c, b'<' | b'>' | b'"' | b'\\') {
            s.push(c as char);
        } else {
            let _ = write!(s, "\\x{c:02x}");
        }
    }
    s.push('>');
    s
}

/// An array of strings: `["a", "b"]`.
pub(super) fn string_array(items: &[Vec<u8>]) -> String {
    let parts: Vec<String> = items.iter().map(|i| c_string(i)).collect();
    format!("[{}]", parts.join(", "))
}

/// A pointer: `NULL` or hex.
pub(super) fn pointer(v: u64) -> String {
    if v == 0 { "NULL".to_string() } else { format!("{v:#x}") }
}

/// A fault line: `TID page_fault_user: address=0x... ip=0x... error_code=0x6`.
pub(super) fn fault_line(tid: u32, user: bool, address: u64, ip: u64, error_code: u64) -> String {
    let kind = if user { "page_fault_user" } else { "page_fault_kernel" };
    format!("{tid} {kind}: address={address:#x} ip={ip:#x} error_code={error_code:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strace::decode_str;

    #[test]
    fn results_are_written_as_strace_does() {
        assert_eq!(ret_text(-2, false), "-1 ENOENT (No such file or directory)");
        assert_eq!(ret_text(-512, false), "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
        assert_eq!(ret_text(-41, false), "-1 E41 (Unknown error 41)");
        assert_eq!(ret_text(3, false), "3");
        assert_eq!(ret_text(0x7fff_f7fc_3000, true), "0x7ffff7fc3000");
        assert_eq!(ret_text(-5000, false), "18446744073709546616");
    }

    #[test]
    fn strings_round_trip_through_the_parser() {
        let all: Vec<u8> = (0..=255u8).collect();
        for b in [&b"/etc/hostname"[..], b"a \"q\" \\ \n\t\r\x0b\x0c", b"\x1b[0m\x7f\xff\x00", &all] {
            assert_eq!(decode_str(c_string(b).as_bytes()).unwrap(), b);
        }
        assert_eq!(annotation(b"/a b/<x>\n"), "</a b/\\x3cx\\x3e\\x0a>");
        assert_eq!(string_array(&[b"ls".to_vec(), b"-la".to_vec()]), "[\"ls\", \"-la\"]");
        assert_eq!(pointer(0), "NULL");
        assert_eq!(pointer(0x1000), "0x1000");
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(34), "SIGRT_2");
    }

    #[test]
    fn signals_are_written_as_strace_does() {
        let chld = SigInfo { signo: 17, code: 1, pid: 1235, uid: 0, status: 0, utime: 0, stime: 2, addr: 0 };
        assert_eq!(
            signal_line(&chld),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1235, si_uid=0, si_status=0, si_utime=0, si_stime=2} ---"
        );
        let killed = SigInfo { code: 2, status: 13, ..chld };
        assert!(signal_line(&killed).contains("si_code=CLD_KILLED, si_pid=1235, si_uid=0, si_status=SIGPIPE,"));
        let pipe = SigInfo { signo: 13, code: 0, pid: 77, uid: 1000, ..SigInfo::default() };
        assert_eq!(signal_line(&pipe), "--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=77, si_uid=1000} ---");
        let segv = SigInfo { signo: 11, code: 1, addr: 0x10, ..SigInfo::default() };
        assert_eq!(signal_line(&segv), "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---");
        let odd = SigInfo { signo: 10, code: 42, ..SigInfo::default() };
        assert_eq!(signal_line(&odd), "--- SIGUSR1 {si_signo=SIGUSR1, si_code=42} ---");
        assert_eq!(stop_line(20), "--- stopped by SIGTSTP ---");
        assert_eq!(sigmask(0), "[]");
        assert_eq!(sigmask((1 << 16) | (1 << 12)), "[PIPE CHLD]");
        assert_eq!(sigmask(!((1 << 8) | (1 << 18))), "~[KILL STOP]");
        // The parser takes them as the signal lines they are.
        let log = crate::strace::parse_log(format!("1234 {}\n", signal_line(&chld)).as_bytes()).unwrap();
        assert_eq!(log.sigchld, vec![(0, 1234, 1235)]);
    }

    #[test]
    fn fault_lines_are_the_tracepoints() {
        assert_eq!(
            fault_line(4242, true, 0x7fff_f7fc_5123, 0x7fff_f7fe_4a1b, 6),
            "4242 page_fault_user: address=0x7ffff7fc5123 ip=0x7ffff7fe4a1b error_code=0x6"
        );
        assert_eq!(
            fault_line(4242, false, 0x5555_5556_0000, 0xffff_ffff_81a2_b3c4, 2),
            "4242 page_fault_kernel: address=0x555555560000 ip=0xffffffff81a2b3c4 error_code=0x2"
        );
    }
}
