//! Trace events: every step of the fault path and of the system calls
//! reports what it did, so the call chain can be printed (`mmsim --trace`)
//! and snapshot-tested.
//!
//! A step opens a span with [`trace_enter!`](crate::trace_enter) (indenting
//! the steps it calls) or reports a decision with
//! [`trace_note!`](crate::trace_note).  Nothing is formatted unless a
//! subscriber is attached, so tracing costs one relaxed load when it is off.

use parking_lot::RwLock;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a trace event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A function was entered; later events until its span ends are nested.
    Enter,
    /// A decision or result inside the current function.
    Note,
}

/// One trace event.
#[derive(Clone, Copy, Debug)]
pub struct TraceEvent<'a> {
    /// Nesting depth (0 for the outermost step).
    pub depth: u32,
    /// Enter or note.
    pub kind: TraceKind,
    /// The kernel function name.
    pub func: &'static str,
    /// What it was asked or decided (may be empty).
    pub detail: &'a str,
}

impl TraceEvent<'_> {
    /// The event as one indented line: `  func: detail`.
    pub fn line(&self) -> String {
        let mut s = "  ".repeat(self.depth as usize);
        s.push_str(self.func);
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(self.detail);
        }
        s
    }
}

/// Receives trace events.
pub trait TraceSubscriber: Send + Sync {
    /// Called for each event, in order, on the thread that produced it.
    fn event(&self, ev: &TraceEvent<'_>);
}

/// A subscriber that keeps the formatted lines (for tests and the command
/// line).
#[derive(Default)]
pub struct TraceCollector {
    lines: parking_lot::Mutex<Vec<String>>,
}

impl TraceCollector {
    /// A new, empty collector.
    pub fn new() -> Arc<TraceCollector> {
        Arc::new(TraceCollector::default())
    }
    /// Takes the lines collected so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock())
    }
}

impl TraceSubscriber for TraceCollector {
    fn event(&self, ev: &TraceEvent<'_>) {
        self.lines.lock().push(ev.line());
    }
}

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The dispatcher a machine owns.
#[derive(Default)]
pub struct Tracer {
    enabled: AtomicBool,
    walk: AtomicBool,
    subscribers: RwLock<Vec<Arc<dyn TraceSubscriber>>>,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer").field("enabled", &self.enabled()).finish()
    }
}

impl Tracer {
    /// True if any subscriber listens.
    #[inline]
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// True if accesses that do not fault are traced too (their TLB hit or
    /// miss and the page walk): a subscriber listens and
    /// [`set_walk`](Self::set_walk) asked for it.
    #[inline]
    pub fn walk_enabled(&self) -> bool {
        self.walk.load(Ordering::Relaxed) && self.enabled()
    }

    /// Traces (or stops tracing) every access's TLB lookup and page walk,
    /// not only the faults (`mmsim run --trace-walk`).
    pub fn set_walk(&self, on: bool) {
        self.walk.store(on, Ordering::Relaxed);
    }

    /// Attaches a subscriber.
    pub fn subscribe(&self, sub: Arc<dyn TraceSubscriber>) {
        let mut subs = self.subscribers.write();
        subs.push(sub);
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Detaches every subscriber.
    pub fn clear(&self) {
        let mut subs = self.subscribers.write();
        subs.clear();
        self.enabled.store(false, Ordering::Relaxed);
    }

    fn emit(&self, kind: TraceKind, func: &'static str, detail: &str) {
        let depth = DEPTH.with(|d| d.get());
        let ev = TraceEvent { depth, kind, func, detail };
        for s in self.subscribers.read().iter() {
            s.event(&ev);
        }
    }

    /// Reports a function entry and nests what follows until the span is
    /// dropped.  Use [`trace_enter!`](crate::trace_enter).
    pub fn enter(&self, func: &'static str, detail: &str) -> TraceSpan {
        self.emit(TraceKind::Enter, func, detail);
        DEPTH.with(|d| d.set(d.get() + 1));
        TraceSpan { _private: () }
    }

    /// Reports a decision.  Use [`trace_note!`](crate::trace_note).
    pub fn note(&self, func: &'static str, detail: &str) {
        self.emit(TraceKind::Note, func, detail);
    }
}

/// Ends a nesting level when dropped.
#[must_use = "the span ends when this is dropped"]
pub struct TraceSpan {
    _private: (),
}

impl Drop for TraceSpan {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Opens a trace span: `let _t = trace_enter!(tracer, "do_anonymous_page",
/// "addr={:#x}", addr);`.  Evaluates to `Option<TraceSpan>`; formats nothing
/// when tracing is off.
#[macro_export]
macro_rules! trace_enter {
    ($tracer:expr, $func:expr) => {
        if $tracer.enabled() { Some($tracer.enter($func, "")) } else { None }
    };
    ($tracer:expr, $func:expr, $($arg:tt)+) => {
        if $tracer.enabled() { Some($tracer.enter($func, &format!($($arg)+))) } else { None }
    };
}

/// Reports a decision of the current step: `trace_note!(tracer, "set_pte_at",
/// "pfn {:#x}", pfn)`.
#[macro_export]
macro_rules! trace_note {
    ($tracer:expr, $func:expr) => {
        if $tracer.enabled() { $tracer.note($func, "") }
    };
    ($tracer:expr, $func:expr, $($arg:tt)+) => {
        if $tracer.enabled() { $tracer.note($func, &format!($($arg)+)) }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_nest_and_notes_indent() {
        let t = Tracer::default();
        assert!(trace_enter!(t, "nobody_listens").is_none());
        let c = TraceCollector::new();
        t.subscribe(c.clone());
        {
            let _a = trace_enter!(t, "handle_mm_fault", "addr={:#x}", 0x1000);
            {
                let _b = trace_enter!(t, "do_anonymous_page");
                trace_note!(t, "set_pte_at", "pfn {}", 7);
            }
            trace_note!(t, "mm_account_fault", "minor");
        }
        trace_note!(t, "done");
        assert_eq!(
            c.take(),
            vec![
                "handle_mm_fault: addr=0x1000",
                "  do_anonymous_page",
                "    set_pte_at: pfn 7",
                "  mm_account_fault: minor",
                "done"
            ]
        );
    }
}
