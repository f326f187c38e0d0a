//! Which pages of a file are in the page cache, in folios of which order,
//! measured without reading anything: the file is mapped read-only with
//! `MADV_RANDOM` (no readahead), `mincore` says which pages are cached,
//! each cached page is touched (a minor fault of the recorder, the page is
//! there; under `MADV_RANDOM` the fault starts no readahead either), and
//! its frame's `/proc/kpageflags` bits (`COMPOUND_HEAD`, `COMPOUND_TAIL`)
//! give the folio sizes, and `RECLAIM` (`PG_readahead`'s bit) the folios
//! that carry a readahead window's marker.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

/// Why a file's cached folios could not be measured.
#[derive(Debug, thiserror::Error)]
pub(super) enum MeasureError {
    /// The file is larger than this host's address space.
    #[error("file too large")]
    TooLarge,
    /// A system call on the file's mapping failed.
    #[error("{call}: {source}")]
    Syscall { call: &'static str, source: std::io::Error },
}

impl MeasureError {
    fn last_os_error(call: &'static str) -> MeasureError {
        MeasureError::Syscall { call, source: std::io::Error::last_os_error() }
    }
}

const PAGE_SIZE: usize = 4096;
const KPF_COMPOUND_HEAD: u64 = 1 << 15;
const KPF_COMPOUND_TAIL: u64 = 1 << 16;
/// `KPF_RECLAIM`: `PG_reclaim`, the bit `PG_readahead` shares on a
/// page-cache folio (kept while the file is mapped `MADV_RANDOM`: a fault
/// then starts no readahead and leaves the mark).
const KPF_RECLAIM: u64 = 1 << 9;
/// The largest folio order a `c` line may give.
const MAX_ORDER: u32 = 9;

/// `(first page, count, order, readahead)`: `count` folios of `2^order`
/// pages, each with `PG_readahead` if `readahead`.
pub(super) type Run = (u64, u64, u32, bool);

/// Folio runs from per-page residency and flags: `pages[i]` is `None`
/// for a page not cached, else its kpageflags (0 without them).
pub(super) fn folio_runs(pages: &[Option<u64>]) -> Vec<Run> {
    let mut folios: Vec<(u64, u32, bool)> = Vec::new();
    let mut i = 0;
    while i < pages.len() {
        let Some(flags) = pages[i] else {
            i += 1;
            continue;
        };
        let mut n = 1;
        if flags & KPF_COMPOUND_HEAD != 0 {
            while i + n < pages.len() && pages[i + n].is_some_and(|f| f & KPF_COMPOUND_TAIL != 0) {
                n += 1;
            }
        }
        // A folio of 2^order pages at an index aligned to it; what does
        // not fit that (the end of the file, a partial view) is split.
        let mut order = (usize::BITS - 1 - n.leading_zeros()).min(MAX_ORDER);
        while order > 0 && !(i as u64).is_multiple_of(1 << order) {
            order -= 1;
        }
        let len = 1usize << order;
        folios.push((i as u64, order, flags & KPF_RECLAIM != 0));
        i += len;
    }
    let mut runs: Vec<Run> = Vec::new();
    for (first, order, ra) in folios {
        match runs.last_mut() {
            Some(r) if r.2 == order && r.3 == ra && r.0 + r.1 * (1 << order) == first => r.1 += 1,
            _ => runs.push((first, 1, order, ra)),
        }
    }
    runs
}

/// What is known of the machine's frames.
pub(super) struct Frames {
    /// `/proc/self/pagemap` and `/proc/kpageflags`, when readable with
    /// frame numbers (root).
    files: Option<(File, File)>,
}

impl Frames {
    pub(super) fn open() -> Frames {
        let files = (|| {
            let pm = File::open("/proc/self/pagemap").ok()?;
            let kf = File::open("/proc/kpageflags").ok()?;
            let mut b = [0u8; 8];
            kf.read_at(&mut b, 0).ok()?;
            Some((pm, kf))
        })();
        Frames { files }
    }

    /// Whether folio orders can be read (else every page is order 0).
    pub(super) fn orders(&self) -> bool {
        self.files.is_some()
    }

    fn flags_of(&self, addr: usize) -> Option<u64> {
        let (pm, kf) = self.files.as_ref()?;
        let mut b = [0u8; 8];
        pm.read_exact_at(&mut b, (addr / PAGE_SIZE * 8) as u64).ok()?;
        let e = u64::from_ne_bytes(b);
        let pfn = e & ((1 << 55) - 1);
        if e & (1 << 63) == 0 || pfn == 0 {
            return None;
        }
        kf.read_exact_at(&mut b, pfn * 8).ok()?;
        Some(u64::from_ne_bytes(b))
    }

    /// The cached folios of `f` (`size` bytes).
    pub(super) fn measure(&self, f: &File, size: u64) -> Result<Vec<Run>, MeasureError> {
        if size == 0 {
            return Ok(Vec::new());
        }
        let len = usize::try_from(size).map_err(|_| MeasureError::TooLarge)?;
        let npages = len.div_ceil(PAGE_SIZE);
        // SAFETY: a fresh shared read-only mapping of the file, unmapped
        // below; only cached pages are touched.
        let base =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, f.as_raw_fd(), 0) };
        if base == libc::MAP_FAILED {
            return Err(MeasureError::last_os_error("mmap"));
        }
        let result = (|| {
            // SAFETY: the mapping just made.
            unsafe {
                if libc::madvise(base, len, libc::MADV_RANDOM) != 0 {
                    return Err(MeasureError::last_os_error("madvise"));
                }
            }
            let mut vec = vec![0u8; npages];
            // SAFETY: `vec` has a byte per page of the mapping.
            if unsafe { libc::mincore(base, len, vec.as_mut_ptr()) } != 0 {
                return Err(MeasureError::last_os_error("mincore"));
            }
            let mut pages = vec![None; npages];
            for (i, &v) in vec.iter().enumerate() {
                if v & 1 == 0 {
                    continue;
                }
                let addr = base as usize + i * PAGE_SIZE;
                let flags = if self.orders() {
                    // SAFETY: a cached page of the mapping: the read maps
                    // it without reading the file.
                    unsafe { std::ptr::read_volatile(addr as *const u8) };
                    self.flags_of(addr).unwrap_or(0)
                } else {
                    0
                };
                pages[i] = Some(flags);
            }
            Ok(folio_runs(&pages))
        })();
        // SAFETY: the mapping made above.
        unsafe { libc::munmap(base, len) };
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Option<u64> = Some(KPF_COMPOUND_HEAD);
    const T: Option<u64> = Some(KPF_COMPOUND_TAIL);
    const P: Option<u64> = Some(0);

    #[test]
    fn folios_join_into_runs() {
        assert_eq!(folio_runs(&[]), vec![]);
        assert_eq!(folio_runs(&[P, P, None, P]), vec![(0, 2, 0, false), (3, 1, 0, false)]);
        // Two order-2 folios, then an order-1 folio, then a page.
        assert_eq!(
            folio_runs(&[H, T, T, T, H, T, T, T, H, T, P]),
            vec![(0, 2, 2, false), (8, 1, 1, false), (10, 1, 0, false)]
        );
        // A folio seen in part at the end of a file.
        assert_eq!(folio_runs(&[None, None, None, None, H, T, T]), vec![(4, 1, 1, false), (6, 1, 0, false)]);
    }

    #[test]
    fn a_readahead_mark_is_a_run_of_its_own() {
        const R: Option<u64> = Some(KPF_RECLAIM);
        assert_eq!(folio_runs(&[P, P, R, P, P]), vec![(0, 2, 0, false), (2, 1, 0, true), (3, 2, 0, false)]);
    }
}
