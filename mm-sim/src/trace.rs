//! The call chains of a run (`mmsim run --trace`): filtered by function
//! name or glob (`--trace-filter`), counted per function in the manner of
//! bcc's funccount (`--trace-summary`), and, for snapshot tests, a
//! scenario's trace as one string with its physical addresses redacted
//! ([`trace_scenario`], [`redact`]).
//!
//! A filter keeps the events of the functions it selects and, folded above
//! each, the entries of its callers (with their details), so every kept
//! line is read in its chain; what a selected function calls is dropped
//! unless selected too.  The summary counts each event of a function (an
//! entry and a note alike) with one counter per function; with a filter it
//! counts the selected functions only.  Counting alone formats no detail.

use crate::run::{RunError, RunOptions, Stopped};
use crate::scenario::ParseError;
use mm_core::Kernel;
use mm_core::trace::{FilteredSubscriber, TraceCollector, TraceCounter, TraceFilter, TraceSubscriber};
use std::fmt::Write as _;
use std::sync::Arc;

/// What a run traces, attached to its machine's tracer.
pub(crate) struct RunTrace {
    /// The chains' lines, when they are printed.
    chains: Option<Arc<TraceCollector>>,
    /// The counts, for the summary.
    counter: Option<Arc<TraceCounter>>,
    filter: Option<TraceFilter>,
}

impl RunTrace {
    /// The filter `opts` gives, if any (checked before the run starts).
    pub(crate) fn filter_of(opts: &RunOptions) -> Result<Option<TraceFilter>, RunError> {
        if opts.trace_filter.is_empty() {
            return Ok(None);
        }
        TraceFilter::new(&opts.trace_filter).map(Some).map_err(RunError::TraceFilter)
    }

    /// Subscribes to `k`'s tracer what `opts` asks for: the chains with
    /// [`RunOptions::trace`], the counter with
    /// [`RunOptions::trace_summary`]; `None` when it asks for neither.
    pub(crate) fn attach(k: &Kernel, opts: &RunOptions, filter: Option<TraceFilter>) -> Option<RunTrace> {
        if !opts.trace && !opts.trace_walk && !opts.trace_summary {
            return None;
        }
        let tracer = k.machine().trace();
        tracer.set_walk(opts.trace_walk);
        let chains = (opts.trace || opts.trace_walk).then(|| {
            let c = TraceCollector::new();
            let sub: Arc<dyn TraceSubscriber> = match &filter {
                Some(f) => FilteredSubscriber::new(f.clone(), c.clone()),
                None => c.clone(),
            };
            tracer.subscribe(sub);
            c
        });
        let counter = opts.trace_summary.then(|| {
            let c = TraceCounter::new();
            tracer.subscribe(c.clone());
            c
        });
        Some(RunTrace { chains, counter, filter })
    }

    /// The chain lines since the last call (none without the chains).
    pub(crate) fn take(&self) -> Vec<String> {
        self.chains.as_ref().map(|c| c.take()).unwrap_or_default()
    }

    /// Appends the summary block, if the run asked for one:
    /// `== trace summary`, a `FUNC COUNT` header, then one line per
    /// function called, most called first.
    pub(crate) fn write_summary(&self, out: &mut String) {
        let Some(counter) = &self.counter else { return };
        let counts = counter.counts(self.filter.as_ref());
        let width = counts.iter().map(|(f, _)| f.len()).max().unwrap_or(0).max(4);
        let _ = writeln!(out, "== trace summary");
        let _ = writeln!(out, "{:<width$} {:>10}", "FUNC", "COUNT");
        for (func, n) in counts {
            let _ = writeln!(out, "{func:<width$} {n:>10}");
        }
    }
}

/// What [`redact`] hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redact {
    /// Nothing: the trace as `mmsim run --trace` prints it.
    Nothing,
    /// What depends on which frames the page allocator handed out: frame
    /// numbers (`pfn 0x8` -> `pfn [pfn]`, CR3's `pgd pfn` included) and
    /// the encoded page-table entries (`[0x8000000000005067]` ->
    /// `[pte]`).  Virtual addresses, which the scenario fixes, stay.
    Physical,
}

/// `text` with what `how` hides replaced by placeholders.
pub fn redact(text: &str, how: Redact) -> String {
    if how == Redact::Nothing {
        return text.to_string();
    }
    let b = text.as_bytes();
    let hex_at = |i: usize| b[i.min(b.len())..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let mut out = String::with_capacity(text.len());
    // `text[done..i]` is copied as it is.
    let (mut done, mut i) = (0, 0);
    while i < b.len() {
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let (repl, end) = if word_start && b[i..].starts_with(b"pfn 0x") {
            let n = hex_at(i + 6);
            ("pfn [pfn]", (n > 0).then_some(i + 6 + n))
        } else if b[i..].starts_with(b"[0x") {
            let n = hex_at(i + 3);
            ("[pte]", (n > 0 && b.get(i + 3 + n) == Some(&b']')).then_some(i + 4 + n))
        } else {
            ("", None)
        };
        match end {
            Some(end) => {
                out.push_str(&text[done..i]);
                out.push_str(repl);
                (done, i) = (end, end);
            }
            None => i += 1,
        }
    }
    out.push_str(&text[done..]);
    out
}

/// Why [`trace_scenario`] returned no trace.
#[derive(Debug)]
pub enum TraceError {
    /// The scenario does not parse.
    Parse(ParseError),
    /// The run stopped (its output so far is in [`Stopped::output`]).
    Stopped(Stopped),
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TraceError::Parse(e) => write!(f, "{e}"),
            TraceError::Stopped(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TraceError::Parse(_) => None,
            TraceError::Stopped(e) => Some(e),
        }
    }
}

/// Runs scenario `src` with `opts` and returns what `mmsim run --trace`
/// prints for it (the call chains of every line, filtered by
/// [`RunOptions::trace_filter`], before the line's own output, then the
/// summary with [`RunOptions::trace_summary`]), redacted as `how` says:
/// the text a snapshot test compares.
pub fn trace_scenario(src: &str, opts: &RunOptions, how: Redact) -> Result<String, TraceError> {
    let s = crate::scenario::parse(src.as_bytes()).map_err(TraceError::Parse)?;
    let opts = RunOptions { trace: true, ..opts.clone() };
    let out = crate::run::run(&s, &opts).map_err(TraceError::Stopped)?;
    Ok(redact(&out, how))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_frames_and_entries_only() {
        let t = "  set_pte_at: 0x100000000 -> pfn 0x5 rw dirty young [0x8000000000005067]\n\
                 load_new_mm_cr3: cr3 = pgd pfn 0x1a2, pcid 1\n\
                 wp_page_copy: copied pfn 0x7 to new pfn 0x8\n\
                 kpfn 0x3 [0x] [0x12 pfn 0x pfn 12";
        assert_eq!(
            redact(t, Redact::Physical),
            "  set_pte_at: 0x100000000 -> pfn [pfn] rw dirty young [pte]\n\
             load_new_mm_cr3: cr3 = pgd pfn [pfn], pcid 1\n\
             wp_page_copy: copied pfn [pfn] to new pfn [pfn]\n\
             kpfn 0x3 [0x] [0x12 pfn 0x pfn 12"
        );
        assert_eq!(redact(t, Redact::Nothing), t);
    }
}
