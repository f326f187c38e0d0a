//! Fixed-capacity text buffers: sized before the first line runs and never
//! grown, so formatting into them allocates nothing (no `malloc`, no
//! `brk`, no page fault of a fresh heap page inside a measured interval).

use std::fmt;

/// A byte buffer of fixed capacity.  [`Out`] flushes it to a descriptor
/// when full; [`Fixed`] refuses text past its end.
pub(super) struct Fixed {
    buf: Vec<u8>,
}

impl Fixed {
    /// A buffer of `cap` bytes, all written once so that its pages exist.
    pub(super) fn new(cap: usize) -> Fixed {
        let mut buf = vec![0u8; cap];
        buf.clear();
        Fixed { buf }
    }

    pub(super) fn room(&self) -> usize {
        self.buf.capacity() - self.buf.len()
    }

    /// Appends `s` if it fits whole; false (nothing appended) if not.
    pub(super) fn push(&mut self, s: &[u8]) -> bool {
        if s.len() > self.room() {
            return false;
        }
        self.buf.extend_from_slice(s);
        true
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub(super) fn clear(&mut self) {
        self.buf.clear();
    }
}

impl fmt::Write for Fixed {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.push(s.as_bytes()) { Ok(()) } else { Err(fmt::Error) }
    }
}

/// The runner's standard output: a [`Fixed`] buffer written to descriptor
/// 1 when full and at every hand-over between processes (as C's stdio
/// with a static full buffer).
pub(super) struct Out {
    buf: Fixed,
}

impl Out {
    pub(super) fn new(cap: usize) -> Out {
        Out { buf: Fixed::new(cap) }
    }

    /// Writes out what is buffered.  A write error (a closed pipe) ends
    /// the process with status 3: the output could not be delivered.
    pub(super) fn flush(&mut self) {
        write_all(1, self.buf.as_bytes());
        self.buf.clear();
    }

    pub(super) fn bytes(&mut self, s: &[u8]) {
        if !self.buf.push(s) {
            self.flush();
            if !self.buf.push(s) {
                write_all(1, s);
            }
        }
    }
}

impl fmt::Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// `write(2)` until all of `b` is written.
pub(super) fn write_all(fd: i32, mut b: &[u8]) {
    while !b.is_empty() {
        // SAFETY: `b` is a valid slice for the length given.
        let r = unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) };
        if r < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // SAFETY: ends this process at once, as a failed stdio flush would.
            unsafe { libc::_exit(3) };
        }
        b = &b[r as usize..];
    }
}

/// `%#lx`: `0x1f`, and plain `0` for zero.
pub(super) struct Hex(pub u64);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 { f.write_str("0") } else { write!(f, "{:#x}", self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn fixed_never_grows() {
        let mut f = Fixed::new(8);
        assert!(write!(f, "{}", 1234).is_ok());
        assert!(write!(f, "{}", 56789).is_err());
        assert_eq!(f.as_bytes(), b"1234");
        assert!(f.push(b"5678"));
        assert_eq!(f.room(), 0);
        assert_eq!(f.buf.capacity(), 8);
    }

    #[test]
    fn hex_is_c_alternate_form() {
        assert_eq!(Hex(0).to_string(), "0");
        assert_eq!(Hex(0x100000000).to_string(), "0x100000000");
    }
}
