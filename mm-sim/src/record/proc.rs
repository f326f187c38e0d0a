//! What the recorder reads of a task: its memory (present pages only, so
//! that reading faults nothing in), descriptors, `/proc/PID/stat`, maps
//! and pagemap.

use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

const PAGE_SIZE: u64 = 4096;
/// Bit 63 of a pagemap entry: the page is present.
const PM_PRESENT: u64 = 1 << 63;
/// The largest string read from a task (strace's `-s 65536`, and a path).
pub(super) const MAX_STRING: usize = 65536;

/// The pagemap entries of `count` pages from `addr` of task `tid`.
pub(super) fn pagemap(f: &File, addr: u64, count: u64) -> std::io::Result<Vec<u64>> {
    let mut buf = vec![0u8; (count * 8) as usize];
    let mut done = 0;
    while done < buf.len() {
        let n = f.read_at(&mut buf[done..], (addr / PAGE_SIZE) * 8 + done as u64)?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done - done % 8);
    Ok(buf.chunks_exact(8).map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// Reads task `tid`'s memory, one page at a time, as long as the pages
/// are present (reading a page that is not would fault it in for the
/// task); stops after a NUL when `cstr`.  `None` if the first page is not
/// present or cannot be read.
pub(super) fn read_mem(tid: u32, addr: u64, max: usize, cstr: bool) -> Option<Vec<u8>> {
    let pm = File::open(format!("/proc/{tid}/pagemap")).ok()?;
    let mut out = Vec::new();
    let mut a = addr;
    while out.len() < max {
        let entry = *pagemap(&pm, a, 1).ok()?.first()?;
        if entry & PM_PRESENT == 0 {
            break;
        }
        let page_end = (a / PAGE_SIZE + 1) * PAGE_SIZE;
        let n = ((page_end - a) as usize).min(max - out.len());
        let mut buf = vec![0u8; n];
        let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: n };
        let remote = libc::iovec { iov_base: a as *mut libc::c_void, iov_len: n };
        // SAFETY: one local buffer of `n` bytes we own.
        let got = unsafe { libc::process_vm_readv(tid as i32, &local, 1, &remote, 1, 0) };
        if got <= 0 {
            break;
        }
        buf.truncate(got as usize);
        if cstr && let Some(z) = buf.iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..z]);
            return Some(out);
        }
        out.extend_from_slice(&buf);
        a = page_end;
    }
    if cstr || out.is_empty() {
        // A string with no NUL in what could be read is not shown.
        return None;
    }
    Some(out)
}

/// A C string of task `tid` at `addr`.
pub(super) fn read_cstr(tid: u32, addr: u64) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    read_mem(tid, addr, MAX_STRING, true)
}

/// `count` words of task `tid` at `addr`.
pub(super) fn read_words(tid: u32, addr: u64, count: usize) -> Option<Vec<u64>> {
    let b = read_mem(tid, addr, count * 8, false)?;
    if b.len() < count * 8 {
        return None;
    }
    Some(b.chunks_exact(8).map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// A NULL-ended array of strings (argv, envp) of task `tid`.
pub(super) fn read_str_array(tid: u32, addr: u64) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut a = addr;
    loop {
        let p = *read_words(tid, a, 1)?.first()?;
        if p == 0 {
            return Some(out);
        }
        out.push(read_cstr(tid, p)?);
        if out.len() > 1 << 16 {
            return None;
        }
        a += 8;
    }
}

/// Where descriptor `fd` of task `tid` leads (`/proc/TID/fd/N`).
pub(super) fn fd_path(tid: u32, fd: i64) -> Option<Vec<u8>> {
    std::fs::read_link(format!("/proc/{tid}/fd/{fd}")).ok().map(|p| p.as_os_str().as_bytes().to_vec())
}

/// Task `tid`'s working directory.
pub(super) fn cwd(tid: u32) -> Option<Vec<u8>> {
    std::fs::read_link(format!("/proc/{tid}/cwd")).ok().map(|p| p.as_os_str().as_bytes().to_vec())
}

/// The strings of a NUL-separated `/proc` file (`cmdline`, `environ`).
pub(super) fn nul_list(tid: u32, name: &str) -> Option<Vec<Vec<u8>>> {
    let b = std::fs::read(format!("/proc/{tid}/{name}")).ok()?;
    Some(split_nul(&b))
}

/// Splits NUL-ended strings.
pub(super) fn split_nul(b: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = b.split(|&c| c == 0).map(<[u8]>::to_vec).collect();
    if b.last() == Some(&0) || b.is_empty() {
        v.pop();
    }
    v
}

/// Fields 10 and 12 of `/proc/TID/stat` (minflt, majflt: the whole thread
/// group's).
pub(super) fn faults(tid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    stat_faults(&s)
}

/// Fields 10 and 12 of a `stat` line.
pub(super) fn stat_faults(s: &str) -> Option<(u64, u64)> {
    // The command (field 2) may hold anything up to its last `)`.
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3.
    Some((f.get(7)?.parse().ok()?, f.get(9)?.parse().ok()?))
}

/// The thread group of task `tid` (`Tgid:` of `/proc/TID/status`).
pub(super) fn tgid(tid: u32) -> Option<u32> {
    let s = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix("Tgid:")).and_then(|v| v.trim().parse().ok())
}

/// Why a task's present pages could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum PagemapError {
    /// Its pagemap could not be opened.
    #[error("cannot open /proc/{tid}/pagemap: {source}")]
    Open { tid: u32, source: std::io::Error },
    /// Its pagemap could not be read.
    #[error("cannot read /proc/{tid}/pagemap: {source}")]
    Read { tid: u32, source: std::io::Error },
    /// A line of the maps text has no `START-END` range.
    #[error("bad maps line `{line}`")]
    BadMapsLine { line: String },
}

/// The ranges of present pages of `maps` (a `/proc/PID/maps` text) from
/// task `tid`'s pagemap, adjacent pages joined, in address order.
pub(super) fn present_ranges(tid: u32, maps: &str) -> Result<Vec<(u64, u64)>, PagemapError> {
    let pm = File::open(format!("/proc/{tid}/pagemap")).map_err(|source| PagemapError::Open { tid, source })?;
    let mut out: Vec<(u64, u64)> = Vec::new();
    for line in maps.lines() {
        let Some((range, _)) = line.split_once(' ') else { continue };
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            return Err(PagemapError::BadMapsLine { line: line.to_string() });
        };
        // pagemap covers user addresses only (not [vsyscall]).
        if start >= 1 << 47 {
            continue;
        }
        let entries =
            pagemap(&pm, start, (end - start) / PAGE_SIZE).map_err(|source| PagemapError::Read { tid, source })?;
        for (i, e) in entries.iter().enumerate() {
            if e & PM_PRESENT == 0 {
                continue;
            }
            let p = start + i as u64 * PAGE_SIZE;
            match out.last_mut() {
                Some(last) if last.1 == p => last.1 = p + PAGE_SIZE,
                _ => out.push((p, p + PAGE_SIZE)),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_their_fault_counts() {
        let s = "4242 (a b) c) S 1 4242 4242 0 -1 4194560 85 0 3 0 1 2 0 0 20 0 1 0 5 0 0\n";
        assert_eq!(stat_faults(s), Some((85, 3)));
        assert_eq!(stat_faults("4242 (x) S 1"), None);
    }

    #[test]
    fn present_ranges_errors_say_what_failed() {
        let e = present_ranges(std::process::id(), "zz-1000 r--p 0 00:00 0\n").unwrap_err();
        assert!(matches!(&e, PagemapError::BadMapsLine { line } if line.starts_with("zz-1000")), "{e:?}");
        assert_eq!(e.to_string(), "bad maps line `zz-1000 r--p 0 00:00 0`");
        let e = present_ranges(u32::MAX, "").unwrap_err();
        assert!(
            matches!(&e, PagemapError::Open { tid: u32::MAX, source } if source.kind() == std::io::ErrorKind::NotFound)
        );
        assert!(e.to_string().starts_with(&format!("cannot open /proc/{}/pagemap: ", u32::MAX)), "{e}");
    }

    #[test]
    fn nul_lists_split() {
        assert_eq!(split_nul(b"ls\0-la\0"), vec![b"ls".to_vec(), b"-la".to_vec()]);
        assert_eq!(split_nul(b"a\0\0"), vec![b"a".to_vec(), b"".to_vec()]);
        assert!(split_nul(b"").is_empty());
    }

    #[test]
    fn own_memory_reads_as_it_is() {
        let me = std::process::id();
        let s = b"a string\0".to_vec();
        assert_eq!(read_cstr(me, s.as_ptr() as u64).unwrap(), b"a string");
        let words = [7u64, 0];
        assert_eq!(read_words(me, words.as_ptr() as u64, 2).unwrap(), vec![7, 0]);
        assert_eq!(read_cstr(me, 0), None);
    }
}
