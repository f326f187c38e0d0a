//! Trace events: every step of the fault path and of the system calls
//! reports what it did, so the call chain can be printed (`mmsim --trace`)
//! and snapshot-tested.
//!
//! A step opens a span with [`trace_enter!`](crate::trace_enter) (indenting
//! the steps it calls) or reports a decision with
//! [`trace_note!`](crate::trace_note).  Nothing is formatted unless a
//! subscriber is attached, so tracing costs one relaxed load when it is off;
//! nor when every subscriber only counts calls ([`TraceCounter`]: a
//! subscriber says whether it reads the details,
//! [`TraceSubscriber::wants_detail`]).
//!
//! [`TraceFilter`] selects functions by name or glob (`shrink_*`);
//! [`FilteredSubscriber`] passes on the events of the functions it selects
//! with their callers, so each kept event keeps its chain.

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

    /// Whether this subscriber reads [`TraceEvent::detail`]; when no
    /// subscriber does, the details are not formatted (events carry an
    /// empty one).
    fn wants_detail(&self) -> bool {
        true
    }
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
    /// Some subscriber reads the details.
    detailed: AtomicBool,
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

    /// True if some subscriber reads the details of events (only
    /// meaningful when [`enabled`](Self::enabled)).
    #[inline]
    pub fn detailed(&self) -> bool {
        self.detailed.load(Ordering::Relaxed)
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
        if sub.wants_detail() {
            self.detailed.store(true, Ordering::Relaxed);
        }
        subs.push(sub);
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Detaches every subscriber.
    pub fn clear(&self) {
        let mut subs = self.subscribers.write();
        subs.clear();
        self.enabled.store(false, Ordering::Relaxed);
        self.detailed.store(false, Ordering::Relaxed);
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
/// when tracing is off, nor when no subscriber reads details.
#[macro_export]
macro_rules! trace_enter {
    ($tracer:expr, $func:expr) => {
        if $tracer.enabled() { Some($tracer.enter($func, "")) } else { None }
    };
    ($tracer:expr, $func:expr, $($arg:tt)+) => {
        if $tracer.enabled() {
            Some($tracer.enter($func, &if $tracer.detailed() { format!($($arg)+) } else { String::new() }))
        } else {
            None
        }
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
        if $tracer.enabled() {
            $tracer.note($func, &if $tracer.detailed() { format!($($arg)+) } else { String::new() })
        }
    };
}

/// Why a trace filter pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TraceFilterError {
    /// The pattern is empty.
    #[error("trace filter: empty pattern")]
    Empty,
    /// The pattern has a character no function name has.
    #[error("trace filter '{pattern}': '{ch}' is not allowed (a function name, with '*' and '?')")]
    BadChar {
        /// The pattern.
        pattern: String,
        /// The character refused.
        ch: char,
    },
}

/// A set of function names or globs (`*`: any run of characters, `?`: any
/// one); a function is selected when any pattern matches its whole name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    patterns: Vec<String>,
}

impl TraceFilter {
    /// A filter of `patterns` (at least one for it to select anything).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<TraceFilter, TraceFilterError> {
        let mut out = Vec::with_capacity(patterns.len());
        for p in patterns {
            let p = p.as_ref();
            if p.is_empty() {
                return Err(TraceFilterError::Empty);
            }
            if let Some(ch) = p.chars().find(|&c| !(c.is_ascii_alphanumeric() || "_.*?".contains(c))) {
                return Err(TraceFilterError::BadChar { pattern: p.to_string(), ch });
            }
            out.push(p.to_string());
        }
        Ok(TraceFilter { patterns: out })
    }

    /// The patterns, as given.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// True if some pattern matches `func`.
    pub fn matches(&self, func: &str) -> bool {
        self.patterns.iter().any(|p| glob_match(p.as_bytes(), func.as_bytes()))
    }
}

/// `pat` (with `*` and `?`) matches the whole of `s`; linear in practice:
/// a `*` that failed is not retried past a later `*`.
fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == s[i]) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// A caller of the current event, held until it is known whether the
/// chain below it has an event the filter selects.
struct Pending {
    depth: u32,
    func: &'static str,
    detail: String,
    /// Already passed on.
    passed: bool,
}

/// Passes on to `inner` the events of the functions `filter` selects and,
/// before the first of them below each caller, the caller's own entry
/// (its callers first): a kept event is shown in its chain, at its depth.
/// The events of functions not selected, and of everything a selected
/// function calls that is not selected itself, are dropped.
pub struct FilteredSubscriber {
    filter: TraceFilter,
    inner: Arc<dyn TraceSubscriber>,
    /// The open spans, outermost first.
    stack: parking_lot::Mutex<Vec<Pending>>,
}

impl FilteredSubscriber {
    /// A subscriber passing what `filter` keeps on to `inner`.
    pub fn new(filter: TraceFilter, inner: Arc<dyn TraceSubscriber>) -> Arc<FilteredSubscriber> {
        Arc::new(FilteredSubscriber { filter, inner, stack: parking_lot::Mutex::new(Vec::new()) })
    }
}

impl TraceSubscriber for FilteredSubscriber {
    fn event(&self, ev: &TraceEvent<'_>) {
        let mut stack = self.stack.lock();
        // Spans at this depth or deeper have ended.
        while stack.last().is_some_and(|p| p.depth >= ev.depth) {
            stack.pop();
        }
        let keep = self.filter.matches(ev.func);
        if keep {
            for p in stack.iter_mut().filter(|p| !p.passed) {
                p.passed = true;
                let caller = TraceEvent { depth: p.depth, kind: TraceKind::Enter, func: p.func, detail: &p.detail };
                self.inner.event(&caller);
            }
            self.inner.event(ev);
        }
        if ev.kind == TraceKind::Enter {
            let detail = if keep { String::new() } else { ev.detail.to_string() };
            stack.push(Pending { depth: ev.depth, func: ev.func, detail, passed: keep });
        }
    }

    fn wants_detail(&self) -> bool {
        self.inner.wants_detail()
    }
}

/// Counts the events of each function (a span and a note alike count as
/// one call), in the manner of funccount: a counter per function, no
/// detail formatted or kept.
#[derive(Default)]
pub struct TraceCounter {
    counts: parking_lot::Mutex<std::collections::HashMap<&'static str, u64>>,
}

impl TraceCounter {
    /// A new counter, every count zero.
    pub fn new() -> Arc<TraceCounter> {
        Arc::new(TraceCounter::default())
    }

    /// The functions `filter` selects (all without one) that were called,
    /// with their counts, most called first (ties by name).
    pub fn counts(&self, filter: Option<&TraceFilter>) -> Vec<(&'static str, u64)> {
        let mut v: Vec<(&'static str, u64)> = self
            .counts
            .lock()
            .iter()
            .filter(|(f, _)| filter.is_none_or(|t| t.matches(f)))
            .map(|(f, n)| (*f, *n))
            .collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

impl TraceSubscriber for TraceCounter {
    fn event(&self, ev: &TraceEvent<'_>) {
        *self.counts.lock().entry(ev.func).or_insert(0) += 1;
    }

    fn wants_detail(&self) -> bool {
        false
    }
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

    #[test]
    fn globs_match_whole_names() {
        let f = TraceFilter::new(&["shrink_*", "do_swap_page", "?_x*y"]).unwrap();
        assert!(f.matches("shrink_folio_list"));
        assert!(f.matches("shrink_"));
        assert!(f.matches("do_swap_page"));
        assert!(!f.matches("do_swap_pages"));
        assert!(!f.matches("xshrink_lruvec"));
        assert!(f.matches("a_xzzy"));
        assert!(f.matches("a_xy"));
        assert!(!f.matches("a_xyz"));
        assert!(TraceFilter::new(&["*"]).unwrap().matches(""));
        assert_eq!(TraceFilter::new(&[""]), Err(TraceFilterError::Empty));
        let e = TraceFilter::new(&["do fault"]).unwrap_err();
        assert_eq!(e.to_string(), "trace filter 'do fault': ' ' is not allowed (a function name, with '*' and '?')");
    }

    fn sample(t: &Tracer) {
        {
            let _a = trace_enter!(t, "exc_page_fault", "address={:#x}", 0x1000);
            {
                let _b = trace_enter!(t, "handle_mm_fault");
                {
                    let _c = trace_enter!(t, "do_swap_page", "entry {}", 3);
                    trace_note!(t, "swap_cache_get_folio", "miss");
                }
                trace_note!(t, "mm_account_fault", "major");
            }
        }
        {
            let _a = trace_enter!(t, "exc_page_fault", "address={:#x}", 0x2000);
            trace_note!(t, "do_anonymous_page", "pfn 5");
        }
        {
            let _a = trace_enter!(t, "kswapd");
            let _b = trace_enter!(t, "shrink_node");
            let _c = trace_enter!(t, "shrink_folio_list");
            trace_note!(t, "shrink_folio_list", "1 of 2 pages freed");
        }
    }

    #[test]
    fn a_filter_keeps_matches_and_their_callers() {
        let t = Tracer::default();
        let c = TraceCollector::new();
        let f = TraceFilter::new(&["shrink_*", "do_swap_page"]).unwrap();
        t.subscribe(FilteredSubscriber::new(f, c.clone()));
        sample(&t);
        assert_eq!(
            c.take(),
            vec![
                "exc_page_fault: address=0x1000",
                "  handle_mm_fault",
                "    do_swap_page: entry 3",
                "kswapd",
                "  shrink_node",
                "    shrink_folio_list",
                "      shrink_folio_list: 1 of 2 pages freed",
            ]
        );
    }

    #[test]
    fn a_counter_counts_every_event_without_details() {
        let t = Tracer::default();
        let counter = TraceCounter::new();
        t.subscribe(counter.clone());
        assert!(!t.detailed());
        sample(&t);
        let all = counter.counts(None);
        assert_eq!(all[0], ("exc_page_fault", 2));
        assert_eq!(all[1], ("shrink_folio_list", 2));
        assert_eq!(all.iter().map(|c| c.1).sum::<u64>(), 11);
        let f = TraceFilter::new(&["shrink_*"]).unwrap();
        assert_eq!(counter.counts(Some(&f)), vec![("shrink_folio_list", 2), ("shrink_node", 1)]);
        // A collector added later turns the details on.
        t.subscribe(TraceCollector::new());
        assert!(t.detailed());
        t.clear();
        assert!(!t.detailed());
    }
}
