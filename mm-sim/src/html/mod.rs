//! The step-through page (`mmsim run --html OUT.html FILE`): one
//! self-contained HTML file that steps through a run line by line
//! (docs/html-page.md).
//!
//! A [`Collector`], the run's [`StepObserver`], reads the state after
//! each step ([`state`]) and keeps only the keys that changed and those
//! removed, with the step's folded call chain and its trace lines (from a
//! subscriber of the machine's tracer); [`Collector::finish`] writes the
//! JSON document, [`render`] puts it into the page's template with its
//! style and script.  [`page`] does all of it for a file's text.
//!
//! Each step reads the state as typed values (bounded: `state::MAX_*`)
//! and compares them with the previous step's; only the values that
//! changed are formatted.

pub mod state;

use crate::bundle::{Bundle, is_bundle, parse_bundle};
use crate::run::{RunError, RunOptions, StepInfo, StepObserver, Stopped};
use crate::scenario::{ParseError, Scenario};
use crate::strace::Log;
use mm_core::Kernel;
use mm_core::trace::{FilteredSubscriber, TraceEvent, TraceFilter, TraceKind, TraceSubscriber};
use state::{Delta, GROUPS, Key, Val};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;

/// The document's version (docs/html-page.md).
pub const VERSION: u32 = 1;
/// Trace lines kept per step (`trace_more` counts the rest).
pub const MAX_TRACE_LINES: usize = 400;

const TEMPLATE: &str = include_str!("assets/page.html");
const CSS: &str = include_str!("assets/page.css");
const JS: &str = include_str!("assets/page.js");

/// The placeholders of the template.
const DATA_MARK: &str = "<!--MMSIM-DATA-->";
const CSS_MARK: &str = "/*MMSIM-CSS*/";
const JS_MARK: &str = "/*MMSIM-JS*/";

/// The folded stacks of a step, and its trace lines.
#[derive(Default)]
struct ChainsInner {
    /// The stack ids of the open spans, outermost first.
    open: Vec<u32>,
    /// Interned stacks: `(parent + 1 or 0, function)` -> id.
    ids: HashMap<(u32, &'static str), u32>,
    /// Each id's folded text (`a;b;c`).
    stacks: Vec<String>,
    /// The step's entries per stack id.
    counts: HashMap<u32, u64>,
    lines: Vec<String>,
    more: u64,
}

#[derive(Default)]
struct Chains(Mutex<ChainsInner>);

impl TraceSubscriber for Chains {
    fn event(&self, ev: &TraceEvent<'_>) {
        let mut c = self.0.lock().expect("the chains lock");
        if c.lines.len() < MAX_TRACE_LINES {
            c.lines.push(ev.line());
        } else {
            c.more += 1;
        }
        if ev.kind != TraceKind::Enter {
            return;
        }
        let depth = ev.depth as usize;
        c.open.truncate(depth);
        let parent = c.open.last().map_or(0, |&p| p + 1);
        let id = match c.ids.get(&(parent, ev.func)) {
            Some(&id) => id,
            None => {
                let id = c.stacks.len() as u32;
                let text = match parent {
                    0 => ev.func.to_string(),
                    p => format!("{};{}", c.stacks[p as usize - 1], ev.func),
                };
                c.stacks.push(text);
                c.ids.insert((parent, ev.func), id);
                id
            }
        };
        c.open.push(id);
        *c.counts.entry(id).or_insert(0) += 1;
    }
}

/// Watches a run and keeps the page's document (docs/html-page.md).
pub struct Collector {
    title: String,
    /// The machine's settings (`MachineConfig::settings`), as built.
    settings: Vec<(String, String)>,
    filter: Option<TraceFilter>,
    chains: Arc<Chains>,
    /// Each group's entries after the last step.
    groups: Vec<Vec<(Key, Val)>>,
    /// The buffers each group is read into, swapped with `groups`.
    spare: Vec<Vec<(Key, Val)>>,
    /// The `machine` object, once the run started.
    machine: String,
    /// Each step's JSON object.
    steps: Vec<String>,
}

impl Collector {
    /// A collector for a run of the file titled `title` (its name, not
    /// its path), its chains kept as `opts.trace_filter` says.
    pub fn new(title: &str, opts: &RunOptions) -> Result<Collector, RunError> {
        let filter = crate::trace::RunTrace::filter_of(opts)?;
        Ok(Collector {
            title: title.to_string(),
            settings: Vec::new(),
            filter,
            chains: Arc::new(Chains::default()),
            groups: vec![Vec::new(); GROUPS.len()],
            spare: vec![Vec::new(); GROUPS.len()],
            machine: String::new(),
            steps: Vec::new(),
        })
    }

    /// The `machine` object of the document.
    fn machine_json(&self, k: &Kernel) -> String {
        let m = k.machine();
        let levels = m.geometry().levels;
        let names: Vec<&str> = (0..levels).rev().map(|l| mm_core::inspect::level_label(l, levels)).collect();
        let x86 = m.arch().name().starts_with("x86");
        let settings = &self.settings;
        serde_json::json!({
            "settings": settings,
            "arch": m.arch().name(),
            "levels": names,
            "page_size": mm_core::PAGE_SIZE,
            "nr_cpus": m.nr_cpus(),
            "root_name": if x86 { "CR3" } else { "root" },
            "asid_name": if x86 { "PCID" } else { "ASID" },
            "reclaim": m.reclaim_name(),
        })
        .to_string()
    }

    /// Records a step: what changed since the last one.
    fn record(&mut self, line: usize, text: &str, pid: Option<mm_core::Pid>, out: &str, k: &Kernel) {
        let m = k.machine();
        let cpus = k.cpu_tlbstate();
        let mut d = Delta::default();
        for (i, &g) in GROUPS.iter().enumerate() {
            let fresh = &mut self.spare[i];
            fresh.clear();
            state::read_group(g, k, &cpus, fresh);
            state::diff(&self.groups[i], fresh, m, &mut d);
            std::mem::swap(&mut self.groups[i], fresh);
        }
        let (chain, lines, more) = {
            let mut c = self.chains.0.lock().expect("the chains lock");
            let mut chain: Vec<(u32, u64)> = c.counts.drain().collect();
            chain.sort_unstable();
            c.open.clear();
            let more = std::mem::take(&mut c.more);
            (chain, std::mem::take(&mut c.lines), more)
        };
        let js = |s: &str| serde_json::to_string(s).expect("a string serializes");
        let mut o = String::with_capacity(256);
        let _ = write!(
            o,
            "{{\"line\":{line},\"text\":{},\"pid\":{},\"out\":{},\"chain\":[",
            js(text),
            pid.unwrap_or(0),
            js(out)
        );
        for (i, (s, n)) in chain.iter().enumerate() {
            let _ = write!(o, "{}[{s},{n}]", if i > 0 { "," } else { "" });
        }
        o.push_str("],\"trace\":[");
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str(&js(l));
        }
        let _ = write!(o, "],\"trace_more\":{more},\"set\":{{");
        o.push_str(&d.set.join(","));
        o.push_str("},\"del\":[");
        for (i, k) in d.del.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str(&js(k));
        }
        o.push_str("]}");
        self.steps.push(o);
    }

    /// The JSON document, with `error` if the run stopped.
    pub fn finish(self, error: Option<&str>) -> String {
        let stacks = self.chains.0.lock().expect("the chains lock").stacks.clone();
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\"version\":{VERSION},\"title\":{},\"machine\":{},\"error\":{},\"stacks\":{},\"steps\":[",
            serde_json::to_string(&self.title).expect("a string serializes"),
            if self.machine.is_empty() { "null" } else { &self.machine },
            serde_json::to_string(&error).expect("a string serializes"),
            serde_json::to_string(&stacks).expect("strings serialize"),
        );
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            out.push_str(s);
        }
        out.push_str("]}\n");
        out
    }
}

impl StepObserver for Collector {
    fn start(&mut self, k: &Kernel) {
        let tracer = k.machine().trace();
        let chains: Arc<dyn TraceSubscriber> = match &self.filter {
            Some(f) => FilteredSubscriber::new(f.clone(), self.chains.clone()),
            None => self.chains.clone(),
        };
        tracer.subscribe(chains);
        self.machine = self.machine_json(k);
        self.record(0, "start", None, "", k);
    }

    fn step(&mut self, step: &StepInfo<'_>, k: &Kernel) {
        self.record(step.line, step.text, step.pid, step.out, k);
    }
}

/// A parsed input: what `mmsim run` runs.
pub enum Input<'a> {
    /// A scenario.
    Scenario(&'a Scenario),
    /// An strace log.
    Log(&'a Log),
    /// A recording; `check` compares its outcome.
    Bundle(&'a Bundle, bool),
}

/// A run watched for the page.
pub struct Collected {
    /// The JSON document.
    pub json: String,
    /// What the run printed.
    pub output: String,
    /// Differences from a recording's outcome (with `check`).
    pub differences: usize,
    /// Why the run stopped, if it did.
    pub error: Option<RunError>,
}

/// Runs `input` as `mmsim run` does, watched by a [`Collector`].
pub fn collect(input: Input<'_>, title: &str, opts: &RunOptions) -> Collected {
    let mut c = match Collector::new(title, opts) {
        Ok(c) => c,
        Err(e) => return Collected { json: String::new(), output: String::new(), differences: 0, error: Some(e) },
    };
    let scenario_machine = match input {
        Input::Scenario(s) => s.machine.as_slice(),
        _ => &[],
    };
    if let Ok(cfg) = opts.machine_for(scenario_machine) {
        c.settings = cfg.settings().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    }
    let mut differences = 0;
    let (output, error) = match input {
        Input::Scenario(s) => {
            let end = crate::run::run_observed(s, opts, &mut c);
            (end.output, end.error)
        }
        Input::Log(l) => split(crate::replay::replay_observed(l, opts, &mut c)),
        Input::Bundle(b, check) => {
            split(crate::replay::replay_bundle_observed(b, opts, check, &mut c).map(|(out, n)| {
                differences = n;
                out
            }))
        }
    };
    let json = c.finish(error.as_ref().map(|e| e.to_string()).as_deref());
    Collected { json, output, differences, error }
}

fn split(r: Result<String, Stopped>) -> (String, Option<RunError>) {
    match r {
        Ok(out) => (out, None),
        Err(s) => (s.output, Some(s.error)),
    }
}

/// Puts the document `json` into the page's template, with its style and
/// script: the page, one self-contained file.  `</` in the document is
/// written `<\/` and `<!--` `<\u0021--`, so that no string in it ends the
/// script element.
pub fn render(json: &str) -> String {
    let data = json.replace("</", "<\\/").replace("<!--", "<\\u0021--");
    let mut marks: Vec<(usize, &str, &str)> = [(DATA_MARK, data.as_str()), (CSS_MARK, CSS), (JS_MARK, JS)]
        .into_iter()
        .filter_map(|(mark, with)| TEMPLATE.find(mark).map(|at| (at, mark, with)))
        .collect();
    marks.sort_by_key(|m| m.0);
    let mut out = String::with_capacity(TEMPLATE.len() + data.len() + CSS.len() + JS.len());
    let mut done = 0;
    for (at, mark, with) in marks {
        out.push_str(&TEMPLATE[done..at]);
        out.push_str(with);
        done = at + mark.len();
    }
    out.push_str(&TEMPLATE[done..]);
    out
}

/// Why [`page`] made no page.
#[derive(Debug)]
pub enum PageError {
    /// The file does not parse.
    Parse(ParseError),
    /// The run stopped; the page of the steps run so far is `page`
    /// (empty if the run stopped before its first line was watched).
    Stopped { page: String, stopped: Box<Stopped> },
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Parse(e) => write!(f, "{e}"),
            PageError::Stopped { stopped, .. } => write!(f, "{stopped}"),
        }
    }
}

impl std::error::Error for PageError {}

/// The page of `src` (a scenario, an strace log or a recording, told
/// apart as `mmsim run` does; a log with [`RunOptions::strace`] too),
/// titled `title`, run with `opts`.
pub fn page(src: &[u8], title: &str, opts: &RunOptions) -> Result<String, PageError> {
    let bundle;
    let log;
    let scenario;
    let input = if is_bundle(src) {
        bundle = parse_bundle(src).map_err(PageError::Parse)?;
        Input::Bundle(&bundle, false)
    } else if opts.strace || crate::strace::is_log(src) {
        log = crate::strace::parse_log(src).map_err(PageError::Parse)?;
        Input::Log(&log)
    } else {
        scenario = crate::scenario::parse(src).map_err(PageError::Parse)?;
        Input::Scenario(&scenario)
    };
    let c = collect(input, title, opts);
    // No document when the run could not start watching (a bad filter).
    let page = if c.json.is_empty() { String::new() } else { render(&c.json) };
    match c.error {
        None => Ok(page),
        Some(error) => Err(PageError::Stopped { page, stopped: Box::new(Stopped { output: c.output, error }) }),
    }
}
