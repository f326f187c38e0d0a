//! The tracepoints of a recording, through `perf_event_open`: one event
//! per tracepoint and CPU, inherited by every task the program creates,
//! all of a CPU's events writing into one ring buffer, read here.
//!
//! Tracepoint ids and field offsets come from tracefs
//! (`events/<system>/<name>/{id,format}`), never from constants.

use perf_event_open_sys as sys;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// `PERF_RECORD_LOST`.
const PERF_RECORD_LOST: u32 = 2;
/// `PERF_RECORD_SAMPLE`.
const PERF_RECORD_SAMPLE: u32 = 9;

/// What one sample says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ev {
    /// `raw_syscalls:sys_enter`.
    Enter { nr: u64 },
    /// `raw_syscalls:sys_exit`.
    Exit { nr: u64, ret: i64 },
    /// `exceptions:page_fault_user` or `exceptions:page_fault_kernel`.
    Fault { user: bool, address: u64, ip: u64, error_code: u64 },
    /// `sched:sched_process_exit`: the task is in `do_exit`.
    TaskExit,
    /// No tracepoint: the task's `index`-th signal stop, as `ptrace` saw
    /// it (a signal about to be delivered, or a group stop), timed with
    /// the tracepoints' clock while the task was stopped.
    Signal { index: usize },
}

/// One sample: the task it came from, when, and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Sample {
    pub tid: u32,
    pub time: u64,
    pub ev: Ev,
}

/// A field of a tracepoint's `format` file: its offset and size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Field {
    pub offset: usize,
    pub size: usize,
}

/// A tracepoint: its id and the fields read from its samples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Tracepoint {
    pub id: u64,
    pub fields: Vec<(String, Field)>,
}

impl Tracepoint {
    fn field(&self, name: &'static str) -> Result<Field, TracepointError> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| *f)
            .ok_or(TracepointError::NoField { id: self.id, field: name })
    }
}

/// Why a tracepoint's description in tracefs could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TracepointError {
    /// Its `id` or `format` file could not be read.
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// Its `id` file holds no number.
    #[error("bad tracepoint id in {path}")]
    BadId { path: String },
    /// A `field:` line's offset is not a number.
    #[error("bad offset in `{line}`")]
    BadOffset { line: String },
    /// A `field:` line's size is not a number.
    #[error("bad size in `{line}`")]
    BadSize { line: String },
    /// A `field:` line without a name, an offset or a size.
    #[error("bad field line `{line}`")]
    BadFieldLine { line: String },
    /// A field the decoder needs is missing.
    #[error("tracepoint {id} has no field `{field}`")]
    NoField { id: u64, field: &'static str },
}

/// Parses a tracefs `format` file: `field:TYPE NAME[N]; offset:O; size:S; ...`.
pub(super) fn parse_format(id: u64, text: &str) -> Result<Tracepoint, TracepointError> {
    let mut fields = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("field:") else { continue };
        let mut parts = rest.split(';').map(str::trim);
        let decl = parts.next().unwrap_or("");
        let name = decl.rsplit(' ').next().unwrap_or("");
        let name = name.split('[').next().unwrap_or("").to_string();
        let mut f = Field::default();
        let mut seen = (false, false);
        for p in parts {
            if let Some(v) = p.strip_prefix("offset:") {
                f.offset = v.parse().map_err(|_| TracepointError::BadOffset { line: line.to_string() })?;
                seen.0 = true;
            } else if let Some(v) = p.strip_prefix("size:") {
                f.size = v.parse().map_err(|_| TracepointError::BadSize { line: line.to_string() })?;
                seen.1 = true;
            }
        }
        if name.is_empty() || !seen.0 || !seen.1 {
            return Err(TracepointError::BadFieldLine { line: line.to_string() });
        }
        fields.push((name, f));
    }
    Ok(Tracepoint { id, fields })
}

/// Reads tracepoint `sys:name` from the tracefs mounted at `tracefs`.
pub(super) fn tracepoint(tracefs: &str, sys: &str, name: &str) -> Result<Tracepoint, TracepointError> {
    let dir = format!("{tracefs}/events/{sys}/{name}");
    let read = |path: String| std::fs::read_to_string(&path).map_err(|source| TracepointError::Read { path, source });
    let id = read(format!("{dir}/id"))?;
    let id: u64 = id.trim().parse().map_err(|_| TracepointError::BadId { path: format!("{dir}/id") })?;
    let fmt = read(format!("{dir}/format"))?;
    parse_format(id, &fmt)
}

/// How the raw data of each tracepoint is decoded.
#[derive(Clone, Debug, Default)]
pub(super) struct Decoder {
    enter: (u64, Field, Field),
    exit: (u64, Field, Field),
    fault_user: (u64, Field, Field, Field),
    fault_kernel: (u64, Field, Field, Field),
    task_exit: u64,
    common_type: Field,
}

fn read_field(raw: &[u8], f: Field) -> Option<u64> {
    let b = raw.get(f.offset..f.offset.checked_add(f.size)?)?;
    Some(match f.size {
        1 => u64::from(b[0]),
        2 => u64::from(u16::from_ne_bytes(b.try_into().ok()?)),
        4 => u64::from(u32::from_ne_bytes(b.try_into().ok()?)),
        8 => u64::from_ne_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

impl Decoder {
    /// The decoder of the five tracepoints a recording opens.
    pub(super) fn new(
        enter: &Tracepoint,
        exit: &Tracepoint,
        fault_user: &Tracepoint,
        fault_kernel: &Tracepoint,
        task_exit: &Tracepoint,
    ) -> Result<Decoder, TracepointError> {
        let fault = |t: &Tracepoint| -> Result<_, TracepointError> {
            Ok((t.id, t.field("address")?, t.field("ip")?, t.field("error_code")?))
        };
        Ok(Decoder {
            enter: (enter.id, enter.field("id")?, enter.field("args")?),
            exit: (exit.id, exit.field("id")?, exit.field("ret")?),
            fault_user: fault(fault_user)?,
            fault_kernel: fault(fault_kernel)?,
            task_exit: task_exit.id,
            common_type: enter.field("common_type")?,
        })
    }

    /// What a sample's raw data says; `None` for data it cannot decode.
    pub(super) fn decode(&self, raw: &[u8]) -> Option<Ev> {
        let ty = read_field(raw, self.common_type)?;
        if ty == self.enter.0 {
            Some(Ev::Enter { nr: read_field(raw, self.enter.1)? })
        } else if ty == self.exit.0 {
            Some(Ev::Exit { nr: read_field(raw, self.exit.1)?, ret: read_field(raw, self.exit.2)? as i64 })
        } else if ty == self.fault_user.0 || ty == self.fault_kernel.0 {
            let t = if ty == self.fault_user.0 { &self.fault_user } else { &self.fault_kernel };
            Some(Ev::Fault {
                user: ty == self.fault_user.0,
                address: read_field(raw, t.1)?,
                ip: read_field(raw, t.2)?,
                error_code: read_field(raw, t.3)?,
            })
        } else if ty == self.task_exit {
            Some(Ev::TaskExit)
        } else {
            None
        }
    }
}

/// What reading a ring buffer found besides samples.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ReadStats {
    /// Events the kernel dropped (`PERF_RECORD_LOST`).
    pub lost: u64,
    /// Records of another type, or samples that did not decode.
    pub other: u64,
}

/// A malformed perf ring buffer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    /// The head and tail positions do not fit the data area.
    #[error("ring buffer: bad positions (tail {tail}, head {head}, size {size})")]
    BadPositions { tail: u64, head: u64, size: u64 },
    /// Fewer than 8 bytes left for a record header.
    #[error("ring buffer: a record header is cut")]
    CutHeader,
    /// A record size below its header's or past the head.
    #[error("ring buffer: bad record size {0}")]
    BadRecordSize(u64),
    /// A sample shorter than its fixed fields.
    #[error("ring buffer: a sample is cut")]
    CutSample,
    /// A sample shorter than its raw data's size says.
    #[error("ring buffer: a sample's raw data is cut")]
    CutRawData,
}

/// Why the tracepoints' samples cannot make a recording.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DrainError {
    /// A malformed ring buffer.
    #[error(transparent)]
    Ring(#[from] RingError),
    /// The kernel lost events: the buffers were too small.
    #[error("{0} events lost: record again with a larger --buffer")]
    Lost(u64),
    /// More events than a bundle can hold.
    #[error("more than {MAX_SAMPLES} events: the bundle would exceed the 1 GiB a bundle may have")]
    TooManyEvents,
}

/// Walks the records of a ring buffer's data area from `tail` to `head`
/// (positions that only grow), giving each one's type, `misc` field and
/// body to `f`; returns the new tail.
pub(super) fn for_each_record(
    data: &[u8],
    mut tail: u64,
    head: u64,
    mut f: impl FnMut(u32, u16, &[u8]) -> Result<(), RingError>,
) -> Result<u64, RingError> {
    let size = data.len() as u64;
    if size == 0 || !size.is_power_of_two() || head.wrapping_sub(tail) > size {
        return Err(RingError::BadPositions { tail, head, size });
    }
    let copy = |from: u64, len: usize| -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        let start = (from % size) as usize;
        let first = len.min(data.len() - start);
        v.extend_from_slice(&data[start..start + first]);
        v.extend_from_slice(&data[..len - first]);
        v
    };
    while tail < head {
        if head - tail < 8 {
            return Err(RingError::CutHeader);
        }
        let hdr = copy(tail, 8);
        let ty = u32::from_ne_bytes(hdr[0..4].try_into().expect("4 bytes"));
        let misc = u16::from_ne_bytes(hdr[4..6].try_into().expect("2 bytes"));
        let len = u16::from_ne_bytes(hdr[6..8].try_into().expect("2 bytes")) as u64;
        if len < 8 || len > head - tail {
            return Err(RingError::BadRecordSize(len));
        }
        let rec = copy(tail, len as usize);
        f(ty, misc, &rec[8..])?;
        tail += len;
    }
    Ok(tail)
}

/// Reads the records between `tail` and `head` of a ring buffer's data
/// area `data` (a power-of-two size, positions taken modulo it; a record
/// may wrap around the end) into `out`, with `sample_type` TID | TIME |
/// CPU | RAW.  Returns the new tail (`head`) or an error naming a
/// malformed record.
pub(super) fn read_records(
    data: &[u8],
    tail: u64,
    head: u64,
    dec: &Decoder,
    out: &mut Vec<Sample>,
    stats: &mut ReadStats,
) -> Result<u64, RingError> {
    for_each_record(data, tail, head, |ty, _, body| {
        let u32_at = |o: usize| body.get(o..o + 4).map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")));
        let u64_at = |o: usize| body.get(o..o + 8).map(|b| u64::from_ne_bytes(b.try_into().expect("8 bytes")));
        match ty {
            PERF_RECORD_SAMPLE => {
                // pid, tid (u32 each), time (u64), cpu, res (u32 each), raw
                // size (u32), raw data.
                let (Some(tid), Some(time), Some(raw_len)) = (u32_at(4), u64_at(8), u32_at(24)) else {
                    return Err(RingError::CutSample);
                };
                let raw = body.get(28..28 + raw_len as usize).ok_or(RingError::CutRawData)?;
                match dec.decode(raw) {
                    Some(ev) => out.push(Sample { tid, time, ev }),
                    None => stats.other += 1,
                }
            }
            PERF_RECORD_LOST => stats.lost += u64_at(8).unwrap_or(0),
            _ => stats.other += 1,
        }
        Ok(())
    })
}

/// The events of one CPU and their ring buffer.
pub(super) struct CpuBuffer {
    fds: Vec<i32>,
    base: *mut u8,
    map_len: usize,
    data_size: usize,
}

impl Drop for CpuBuffer {
    fn drop(&mut self) {
        // SAFETY: `base` and `map_len` are the mapping made in `open`.
        unsafe { libc::munmap(self.base.cast(), self.map_len) };
        // Releasing an inherited event waits for the kernel's grace
        // periods (tens of milliseconds each): all at once.
        std::thread::scope(|s| {
            for &fd in &self.fds {
                // SAFETY: a descriptor of ours, closed once.
                s.spawn(move || unsafe { libc::close(fd) });
            }
        });
    }
}

// SAFETY: the mapping and descriptors belong to the process; a buffer is
// read by one thread at a time (behind the mutex of `Tracepoints`).
unsafe impl Send for CpuBuffer {}

impl CpuBuffer {
    /// Opens the tracepoints `ids` on task `pid` (inherited by every task
    /// it creates from now on) on `cpu`, all writing into one ring buffer
    /// of `data_size` bytes (a power of two).
    pub(super) fn open(pid: i32, cpu: i32, ids: &[u64], data_size: usize) -> Result<CpuBuffer, std::io::Error> {
        let attrs = ids.iter().map(|&id| {
            let mut attr = sys::bindings::perf_event_attr {
                type_: sys::bindings::PERF_TYPE_TRACEPOINT,
                size: std::mem::size_of::<sys::bindings::perf_event_attr>() as u32,
                config: id,
                sample_type: u64::from(
                    sys::bindings::PERF_SAMPLE_TID
                        | sys::bindings::PERF_SAMPLE_TIME
                        | sys::bindings::PERF_SAMPLE_CPU
                        | sys::bindings::PERF_SAMPLE_RAW,
                ),
                clockid: libc::CLOCK_MONOTONIC,
                ..Default::default()
            };
            attr.__bindgen_anon_1.sample_period = 1;
            attr.set_inherit(1);
            attr.set_use_clockid(1);
            attr.set_disabled(0);
            attr
        });
        CpuBuffer::open_events(pid, cpu, attrs, data_size)
    }

    /// Opens the events `attrs` on task `pid` and `cpu`, all writing into
    /// one ring buffer of `data_size` bytes (a power of two).
    pub(super) fn open_events(
        pid: i32,
        cpu: i32,
        attrs: impl IntoIterator<Item = sys::bindings::perf_event_attr>,
        data_size: usize,
    ) -> Result<CpuBuffer, std::io::Error> {
        let mut buf = CpuBuffer { fds: Vec::new(), base: std::ptr::null_mut(), map_len: 0, data_size };
        for mut attr in attrs {
            // SAFETY: `attr` is a zeroed, filled perf_event_attr.
            let fd = unsafe {
                sys::perf_event_open(&mut attr, pid, cpu, -1, u64::from(sys::bindings::PERF_FLAG_FD_CLOEXEC) as _)
            };
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            buf.fds.push(fd);
        }
        if buf.fds.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "no event to open"));
        }
        let page = 4096usize;
        buf.map_len = page + data_size;
        // SAFETY: mapping the first event's buffer, as perf_event_open(2) says.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                buf.map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                buf.fds[0],
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        buf.base = base.cast();
        for &fd in &buf.fds[1..] {
            // SAFETY: both are perf event descriptors of ours.
            if unsafe { sys::ioctls::SET_OUTPUT(fd, buf.fds[0]) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(buf)
    }

    fn head_tail(&self) -> (&AtomicU64, &AtomicU64) {
        let off_head = std::mem::offset_of!(sys::bindings::perf_event_mmap_page, data_head);
        let off_tail = std::mem::offset_of!(sys::bindings::perf_event_mmap_page, data_tail);
        // SAFETY: the control page is mapped, 8-byte aligned fields the
        // kernel updates; atomics are the way to read and write them.
        unsafe { (&*(self.base.add(off_head) as *const AtomicU64), &*(self.base.add(off_tail) as *const AtomicU64)) }
    }

    /// Reads every record written so far into `out`.
    pub(super) fn drain(&self, dec: &Decoder, out: &mut Vec<Sample>, stats: &mut ReadStats) -> Result<(), RingError> {
        self.drain_with(|data, tail, head| read_records(data, tail, head, dec, out, stats))
    }

    /// Gives the data area and the positions of what was written since
    /// the last drain to `read`, which returns how far it read.
    fn drain_with(&self, read: impl FnOnce(&[u8], u64, u64) -> Result<u64, RingError>) -> Result<(), RingError> {
        let (head_a, tail_a) = self.head_tail();
        let head = head_a.load(Ordering::Acquire);
        let tail = tail_a.load(Ordering::Relaxed);
        // SAFETY: the data area follows the control page; the kernel does
        // not write between tail and head until we move the tail.
        let data = unsafe { std::slice::from_raw_parts(self.base.add(4096), self.data_size) };
        let new_tail = read(data, tail, head)?;
        tail_a.store(new_tail, Ordering::Release);
        Ok(())
    }

    /// Enables (`on`) or disables every event of the buffer, and the
    /// copies tasks created since inherited.
    fn set_enabled(&self, on: bool) -> Result<(), std::io::Error> {
        for &fd in &self.fds {
            // SAFETY: a perf event descriptor of ours.
            let r = unsafe { if on { sys::ioctls::ENABLE(fd, 0) } else { sys::ioctls::DISABLE(fd, 0) } };
            if r < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

struct Inner {
    buffers: Vec<CpuBuffer>,
    decoder: Decoder,
    samples: Vec<Sample>,
    stats: ReadStats,
    error: Option<RingError>,
}

impl Inner {
    fn drain(&mut self) {
        for b in &self.buffers {
            if let Err(e) = b.drain(&self.decoder, &mut self.samples, &mut self.stats) {
                self.error.get_or_insert(e);
            }
        }
    }
}

/// The buffers of every CPU, drained at each stop of the program and,
/// in between, every few milliseconds by a thread of their own, so that
/// a task faulting without making calls does not fill them.
pub(super) struct Tracepoints {
    inner: Arc<Mutex<Inner>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The most samples a recording keeps: a bundle is at most 1 GiB, and a
/// fault line is some 80 bytes.
const MAX_SAMPLES: usize = 16 << 20;

/// How often the drain thread empties the buffers.
const DRAIN_PERIOD: std::time::Duration = std::time::Duration::from_millis(10);

impl Tracepoints {
    pub(super) fn start(buffers: Vec<CpuBuffer>, decoder: Decoder) -> Tracepoints {
        let inner = Arc::new(Mutex::new(Inner {
            buffers,
            decoder,
            samples: Vec::new(),
            stats: ReadStats::default(),
            error: None,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (i2, s2) = (Arc::clone(&inner), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s2.load(Ordering::Relaxed) {
                std::thread::sleep(DRAIN_PERIOD);
                i2.lock().unwrap_or_else(|e| e.into_inner()).drain();
            }
        });
        Tracepoints { inner, stop, thread: Some(thread) }
    }

    /// Drains every buffer; an error if events were lost or a record was
    /// malformed.
    pub(super) fn drain(&self) -> Result<(), DrainError> {
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        i.drain();
        if let Some(e) = &i.error {
            return Err(e.clone().into());
        }
        if i.stats.lost > 0 {
            return Err(DrainError::Lost(i.stats.lost));
        }
        if i.samples.len() > MAX_SAMPLES {
            return Err(DrainError::TooManyEvents);
        }
        Ok(())
    }

    /// Stops the drain thread, drains a last time, closes the events and
    /// returns every sample read.
    pub(super) fn finish(mut self) -> Result<Vec<Sample>, DrainError> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.drain()?;
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        i.buffers.clear();
        Ok(std::mem::take(&mut i.samples))
    }
}

impl Drop for Tracepoints {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder() -> Decoder {
        let fmt_enter = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
             \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\
             \tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n\
             \tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n";
        let fmt_exit = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
             \tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n\
             \tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n";
        let fmt_fault = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
             \tfield:unsigned long address;\toffset:8;\tsize:8;\tsigned:0;\n\
             \tfield:unsigned long ip;\toffset:16;\tsize:8;\tsigned:0;\n\
             \tfield:unsigned long error_code;\toffset:24;\tsize:8;\tsigned:0;\n";
        let fmt_texit = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n";
        Decoder::new(
            &parse_format(443, fmt_enter).unwrap(),
            &parse_format(442, fmt_exit).unwrap(),
            &parse_format(190, fmt_fault).unwrap(),
            &parse_format(189, fmt_fault).unwrap(),
            &parse_format(300, fmt_texit).unwrap(),
        )
        .unwrap()
    }

    /// A PERF_RECORD_SAMPLE with `raw`, padded to 8 bytes.
    fn sample(tid: u32, time: u64, raw: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&tid.to_ne_bytes());
        body.extend_from_slice(&tid.to_ne_bytes());
        body.extend_from_slice(&time.to_ne_bytes());
        body.extend_from_slice(&0u64.to_ne_bytes());
        body.extend_from_slice(&(raw.len() as u32).to_ne_bytes());
        body.extend_from_slice(raw);
        while (body.len() + 8) % 8 != 0 {
            body.push(0);
        }
        let mut rec = Vec::new();
        rec.extend_from_slice(&PERF_RECORD_SAMPLE.to_ne_bytes());
        rec.extend_from_slice(&0u16.to_ne_bytes());
        rec.extend_from_slice(&((body.len() + 8) as u16).to_ne_bytes());
        rec.extend_from_slice(&body);
        rec
    }

    fn fault_raw(id: u16, address: u64, ip: u64, ec: u64) -> Vec<u8> {
        let mut raw = vec![0u8; 32];
        raw[0..2].copy_from_slice(&id.to_ne_bytes());
        raw[8..16].copy_from_slice(&address.to_ne_bytes());
        raw[16..24].copy_from_slice(&ip.to_ne_bytes());
        raw[24..32].copy_from_slice(&ec.to_ne_bytes());
        raw
    }

    fn enter_raw(nr: u64) -> Vec<u8> {
        let mut raw = vec![0u8; 64];
        raw[0..2].copy_from_slice(&443u16.to_ne_bytes());
        raw[8..16].copy_from_slice(&nr.to_ne_bytes());
        raw
    }

    #[test]
    fn format_files_parse() {
        let t =
            parse_format(7, "name: x\nID: 7\nformat:\n\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n").unwrap();
        assert_eq!(t.fields, vec![("ret".to_string(), Field { offset: 16, size: 8 })]);
        let e = parse_format(7, "\tfield:long ret;\toffset:x;\tsize:8;\n").unwrap_err();
        assert_eq!(e.to_string(), "bad offset in `field:long ret;\toffset:x;\tsize:8;`");
        let e = parse_format(7, "\tfield:long ret;\tsize:8;\n").unwrap_err();
        assert!(matches!(e, TracepointError::BadFieldLine { .. }), "{e:?}");
        assert_eq!(e.to_string(), "bad field line `field:long ret;\tsize:8;`");
        let e = t.field("id").unwrap_err();
        assert_eq!(e.to_string(), "tracepoint 7 has no field `id`");
    }

    #[test]
    fn records_are_read_across_the_wrap() {
        let dec = decoder();
        let recs = [
            sample(10, 1, &enter_raw(9)),
            sample(10, 2, &fault_raw(190, 0x7fff_0000, 0x4000, 6)),
            sample(11, 3, &fault_raw(189, 0x5555_0000, 0xffff_ffff_8100_0000, 2)),
        ];
        let total: usize = recs.iter().map(Vec::len).sum();
        // A 256-byte buffer whose records start 40 bytes before its end.
        let size = 256usize;
        assert!(total < size);
        let start = (size - 40) as u64 + 3 * size as u64;
        let mut data = vec![0xaau8; size];
        let mut pos = start;
        for r in &recs {
            for &b in r {
                data[(pos % size as u64) as usize] = b;
                pos += 1;
            }
        }
        let (mut out, mut st) = (Vec::new(), ReadStats::default());
        let tail = read_records(&data, start, pos, &dec, &mut out, &mut st).unwrap();
        assert_eq!(tail, pos);
        assert_eq!(st, ReadStats::default());
        assert_eq!(
            out,
            vec![
                Sample { tid: 10, time: 1, ev: Ev::Enter { nr: 9 } },
                Sample {
                    tid: 10,
                    time: 2,
                    ev: Ev::Fault { user: true, address: 0x7fff_0000, ip: 0x4000, error_code: 6 }
                },
                Sample {
                    tid: 11,
                    time: 3,
                    ev: Ev::Fault { user: false, address: 0x5555_0000, ip: 0xffff_ffff_8100_0000, error_code: 2 }
                },
            ]
        );
    }

    #[test]
    fn lost_records_are_counted_and_bad_ones_refused() {
        let dec = decoder();
        let mut data = vec![0u8; 64];
        data[0..4].copy_from_slice(&PERF_RECORD_LOST.to_ne_bytes());
        data[6..8].copy_from_slice(&24u16.to_ne_bytes());
        data[16..24].copy_from_slice(&17u64.to_ne_bytes());
        let (mut out, mut st) = (Vec::new(), ReadStats::default());
        assert_eq!(read_records(&data, 0, 24, &dec, &mut out, &mut st).unwrap(), 24);
        assert_eq!(st.lost, 17);
        // A size of 0 would never advance; past the head is cut.
        data[6..8].copy_from_slice(&0u16.to_ne_bytes());
        assert!(read_records(&data, 0, 24, &dec, &mut out, &mut st).is_err());
        data[6..8].copy_from_slice(&32u16.to_ne_bytes());
        assert!(read_records(&data, 0, 24, &dec, &mut out, &mut st).is_err());
        assert!(read_records(&data, 0, 200, &dec, &mut out, &mut st).is_err());
        assert!(read_records(&data[..48], 0, 8, &dec, &mut out, &mut st).is_err());
    }
}

/// `PERF_RECORD_MISC_CPUMODE_MASK` and its kernel and user values.
const PERF_RECORD_MISC_CPUMODE_MASK: u16 = 7;
const PERF_RECORD_MISC_KERNEL: u16 = 1;
const PERF_RECORD_MISC_USER: u16 = 2;

/// How many samples of a [`CpuTimeSampler`] found a task in kernel mode
/// and in user mode; each stands for one period of the task's CPU time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModeSamples {
    pub kernel: u64,
    pub user: u64,
    /// Samples the ring buffer had no room for.
    pub lost: u64,
}

/// Where tasks' CPU time goes, kernel mode or user mode, measured by
/// sampling: a `task-clock` event on every CPU, on the calling thread and
/// inherited by every task it creates, fires after each `period_ns` of a
/// task's CPU time and says which mode the task was in.  Unlike
/// `getrusage`'s split of CPU time, which the scheduler tick decides
/// (`CONFIG_TICK_CPU_ACCOUNTING`: a program shorter than a tick has all or
/// none of its time counted as system time), the count of kernel-mode
/// samples times the period estimates a short program's kernel time
/// without bias.
pub struct CpuTimeSampler {
    buffers: Vec<CpuBuffer>,
    period_ns: u64,
}

impl CpuTimeSampler {
    /// The events, disabled: tasks created while they are enabled
    /// ([`enable`](Self::enable)) are sampled.
    pub fn open(period_ns: u64, data_size: usize) -> Result<CpuTimeSampler, std::io::Error> {
        // SAFETY: sysconf has no preconditions.
        let ncpu = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as i32;
        let mut buffers = Vec::new();
        for cpu in 0..ncpu {
            let mut attr = sys::bindings::perf_event_attr {
                type_: sys::bindings::PERF_TYPE_SOFTWARE,
                size: std::mem::size_of::<sys::bindings::perf_event_attr>() as u32,
                config: u64::from(sys::bindings::PERF_COUNT_SW_TASK_CLOCK),
                sample_type: u64::from(sys::bindings::PERF_SAMPLE_TID),
                ..Default::default()
            };
            attr.__bindgen_anon_1.sample_period = period_ns.max(1);
            attr.set_inherit(1);
            attr.set_disabled(1);
            attr.set_exclude_hv(1);
            buffers.push(CpuBuffer::open_events(0, cpu, [attr], data_size)?);
        }
        Ok(CpuTimeSampler { buffers, period_ns: period_ns.max(1) })
    }

    /// The sampling period, in nanoseconds of a task's CPU time.
    pub fn period_ns(&self) -> u64 {
        self.period_ns
    }

    /// Starts sampling: the calling thread and the tasks it creates from
    /// now on.
    pub fn enable(&self) -> Result<(), std::io::Error> {
        self.buffers.iter().try_for_each(|b| b.set_enabled(true))
    }

    /// Stops sampling (tasks created meanwhile keep their own copies,
    /// which stop as they exit).
    pub fn disable(&self) -> Result<(), std::io::Error> {
        self.buffers.iter().try_for_each(|b| b.set_enabled(false))
    }

    /// The samples written since the last call, of every process but
    /// `skip_pid` (the caller's own).
    pub fn take(&self, skip_pid: u32) -> Result<ModeSamples, RingError> {
        let mut n = ModeSamples::default();
        for b in &self.buffers {
            b.drain_with(|data, tail, head| {
                for_each_record(data, tail, head, |ty, misc, body| {
                    match ty {
                        PERF_RECORD_SAMPLE => {
                            let pid = body
                                .get(0..4)
                                .map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")))
                                .ok_or(RingError::CutSample)?;
                            if pid != skip_pid {
                                match misc & PERF_RECORD_MISC_CPUMODE_MASK {
                                    PERF_RECORD_MISC_KERNEL => n.kernel += 1,
                                    PERF_RECORD_MISC_USER => n.user += 1,
                                    _ => {}
                                }
                            }
                        }
                        PERF_RECORD_LOST => {
                            n.lost += body.get(8..16).map_or(0, |b| u64::from_ne_bytes(b.try_into().expect("8")))
                        }
                        _ => {}
                    }
                    Ok(())
                })
            })?;
        }
        Ok(n)
    }
}
