//! Charts of a [`Sweep`]: miss-ratio curves and bar charts, drawn with
//! plotters as SVG or PNG (the output file's extension chooses).
//!
//! A *miss-ratio curve* ([`ChartKind::MissRatio`]) puts a size setting on
//! the x axis (RAM by default, on a log scale when that spreads the
//! sizes more evenly: doublings) and the misses on the y axis: major
//! faults or page-ins ([`Metric`]) per 1000 accesses when every cell
//! knows its accesses, raw counts otherwise.  There is one panel per workload and, in each, one
//! line per value of the other settings the sweep varied (the reclaim
//! policies, say), and the offline optimum (Belady's MIN, page-ins) as a
//! dashed black line.  A *bar chart* ([`ChartKind::Bars`]) groups the
//! workloads on the x axis with one bar per policy and a grey MIN bar.
//!
//! Settings can be held at one value ([`PlotOptions::at`]: `ram=8M` for a
//! bar chart of a sweep over RAM sizes).  A chart still draws when cells
//! failed or MIN is not known: the legend says so.  The text is laid out
//! and drawn with a font the binary embeds (a subset of Roboto,
//! `mm-sim/fonts/`), so a PNG looks the same on every host.

use super::results::{Cell, Sweep};
use mm_core::machine::parse_size;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The font every chart's text uses (Apache-2.0, see `mm-sim/fonts/`).
static FONT: &[u8] = include_bytes!("../../fonts/Roboto-Regular-subset.ttf");

/// A chart has at most this many panels (workloads) ...
const MAX_PANELS: usize = 48;
/// ... and a bar chart at most this many bars, so that an image stays a
/// few tens of megabytes at most while it is drawn.
const MAX_BARS: usize = 480;

/// Which chart to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChartKind {
    /// Misses against a size setting, one panel per workload, one line
    /// per policy, MIN dashed.
    #[default]
    MissRatio,
    /// Misses of every workload (groups) by policy (bars) at one setting.
    Bars,
}

impl std::str::FromStr for ChartKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mrc" | "miss-ratio" => Ok(ChartKind::MissRatio),
            "bars" => Ok(ChartKind::Bars),
            _ => Err(format!("unknown chart '{s}' (use mrc or bars)")),
        }
    }
}

/// What counts as a miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Metric {
    /// Major faults ([`Cell::majflt`]).
    #[default]
    Majflt,
    /// Pages read in ([`Cell::page_ins`]): what MIN counts.
    PageIns,
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "majflt" => Ok(Metric::Majflt),
            "page-ins" | "pgpgin" | "page_ins" => Ok(Metric::PageIns),
            _ => Err(format!("unknown metric '{s}' (use majflt or page-ins)")),
        }
    }
}

impl Metric {
    fn of(self, c: &Cell) -> u64 {
        match self {
            Metric::Majflt => c.majflt,
            Metric::PageIns => c.page_ins,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Metric::Majflt => "major faults",
            Metric::PageIns => "page-ins",
        }
    }
}

/// What to draw from a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotOptions {
    /// Curves or bars.
    pub kind: ChartKind,
    /// Major faults or page-ins.
    pub metric: Metric,
    /// The setting on a miss-ratio curve's x axis (a size or a number):
    /// `ram` by default.
    pub x: String,
    /// Settings held at one value (`("ram", "8M")`): only the cells with
    /// that value are drawn.
    pub at: Vec<(String, String)>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions { kind: ChartKind::MissRatio, metric: Metric::Majflt, x: "ram".into(), at: Vec::new() }
    }
}

/// The chart options of the command line (`mmsim sweep --plot FILE` and
/// `mmsim sweep plot`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct PlotArgs {
    /// The chart: `mrc`, miss-ratio curves (misses against --chart-x, a
    /// panel per workload, a line per policy, MIN dashed), or `bars`
    /// (workloads by policy, hold the RAM size with --chart-at ram=SIZE).
    #[arg(long, value_name = "mrc|bars", default_value = "mrc")]
    pub chart: ChartKind,
    /// What counts as a miss: `majflt` (major faults) or `page-ins`.
    #[arg(long = "chart-metric", value_name = "majflt|page-ins", default_value = "majflt")]
    pub metric: Metric,
    /// The setting on the x axis of miss-ratio curves (a size or a
    /// number).
    #[arg(long = "chart-x", value_name = "KEY", default_value = "ram")]
    pub x: String,
    /// Draw only the cells with this setting (ram=8M); may be repeated.
    #[arg(long = "chart-at", value_name = "KEY=VALUE", value_parser = parse_at)]
    pub at: Vec<(String, String)>,
}

impl PlotArgs {
    /// The chart these options describe.
    pub fn options(&self) -> PlotOptions {
        PlotOptions { kind: self.chart, metric: self.metric, x: self.x.clone(), at: self.at.clone() }
    }
}

fn parse_at(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE (ram=8M), not '{s}'")),
    }
}

impl PlotOptions {
    /// Checks these options against a sweep's axes before it runs, so
    /// that a long sweep does not end on a chart it cannot draw: a held
    /// axis must take the value, and the x axis, if the sweep varies it,
    /// must take sizes or numbers.  (Settings that are not axes are
    /// checked against the cells.)
    pub fn check_axes(&self, axes: &[(String, Vec<String>)]) -> Result<(), PlotError> {
        for (k, v) in &self.at {
            if let Some((_, vals)) = axes.iter().find(|(a, _)| a == k)
                && !vals.iter().any(|a| same_value(a, v))
            {
                return Err(PlotError::At(format!("--chart-at {k}={v}: the sweep's {k} is {}", vals.join(", "))));
            }
        }
        if self.kind == ChartKind::MissRatio
            && let Some((_, vals)) = axes.iter().find(|(a, _)| *a == self.x)
            && let Some(v) = vals.iter().find(|v| parse_size(v).is_err())
        {
            return Err(PlotError::At(format!(
                "--chart-x {}: {v} is not a size or a number, so it cannot be an x axis",
                self.x
            )));
        }
        Ok(())
    }
}

/// Two values of a setting are the same: as written, or as sizes (`4M`
/// and `4096K`).
fn same_value(a: &str, b: &str) -> bool {
    a == b || matches!((parse_size(a), parse_size(b)), (Ok(x), Ok(y)) if x == y)
}

/// The image formats, by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.svg`: text for a browser or a document.
    Svg,
    /// `.png`: a bitmap.
    Png,
}

impl Format {
    /// The format `path`'s extension names (`.svg`, `.png`, any case).
    pub fn of_path(path: &Path) -> Result<Format, PlotError> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(PlotError::Extension(path.to_path_buf())),
        }
    }
}

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The output's extension is neither `.svg` nor `.png`.
    #[error("cannot tell the image format of {0}: name it NAME.svg or NAME.png")]
    Extension(PathBuf),
    /// Nothing to draw.
    #[error("the sweep has no cells to draw")]
    NoCells,
    /// `--chart-at` named a setting no cell has, or a value none has; or
    /// the options do not fit the sweep's axes.
    #[error("{0}")]
    At(String),
    /// No cell that is drawn has the x-axis setting.
    #[error("cell {index} has no setting '{axis}' for the x axis (the sweep varies: {varied})")]
    NoX { index: usize, axis: String, varied: String },
    /// An x-axis value that is neither a size nor a number.
    #[error("cell {index}: {axis}={value} is not a size or a number, so it cannot be an x axis")]
    BadX { index: usize, axis: String, value: String },
    /// Two drawn cells at the same point of the same line.
    #[error(
        "cells {0} and {1} have the same workload and settings on this chart; hold the others with --chart-at KEY=VALUE"
    )]
    Duplicate(usize, usize),
    /// More workloads or bars than a chart holds.
    #[error("{0}")]
    TooBig(String),
    /// Drawing or encoding failed.
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    /// The output exists and replacing it was not asked for.
    #[error("{} exists; it is replaced only when asked (--force)", .0.display())]
    Exists(PathBuf),
    /// Writing the output failed.
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Draws the chart of `sweep` that `opts` describe into `path`, SVG or
/// PNG by its extension.  An existing `path` is refused unless `force`.
/// The image is drawn whole in memory first: a chart that cannot be
/// drawn leaves no file behind.
pub fn plot(sweep: &Sweep, opts: &PlotOptions, path: &Path, force: bool) -> Result<(), PlotError> {
    let format = Format::of_path(path)?;
    let bytes = render(sweep, opts, format)?;
    let io = |source| PlotError::Io { path: path.to_path_buf(), source };
    let mut f = match super::output::open_new(path, force) {
        Ok(f) => f,
        Err(e) if !force && e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(PlotError::Exists(path.to_path_buf()));
        }
        Err(e) => return Err(io(e)),
    };
    f.write_all(&bytes).and_then(|()| f.sync_all()).map_err(io)
}

/// The chart as the bytes of an SVG or PNG file.
pub fn render(sweep: &Sweep, opts: &PlotOptions, format: Format) -> Result<Vec<u8>, PlotError> {
    register_font()?;
    let chart = Chart::of(sweep, opts)?;
    let (w, h) = chart.size();
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                chart.draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            Ok(svg.into_bytes())
        }
        Format::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                chart.draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc.write_header().map_err(draw_err)?;
            wr.write_image_data(&rgb).map_err(draw_err)?;
            wr.finish().map_err(draw_err)?;
            Ok(out)
        }
    }
}

/// Makes the embedded font plotters' `sans-serif`, once.
fn register_font() -> Result<(), PlotError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Draw("the embedded font does not load".into())) }
}

/// Line and bar colours (Tableau 10), in series order; MIN is black.
const COLORS: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];
const MIN_COLOR: RGBColor = RGBColor(0, 0, 0);
const MIN_BAR: RGBColor = RGBColor(0xb0, 0xb0, 0xb0);

fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

/// The width of line `i` of `n`: the first drawn widest, so that a line
/// that another covers (two policies with the same misses) still shows
/// at its edges.
fn width(i: usize, n: usize) -> u32 {
    2 + (n - 1 - i).min(3) as u32
}

/// A sweep turned into what a chart shows: the numbers, before any
/// drawing.
#[derive(Debug, PartialEq)]
struct Chart {
    kind: ChartKind,
    title: String,
    /// One name per line (curves) or bar (bars), in the sweep's order.
    series: Vec<String>,
    panels: Vec<Panel>,
    /// Curves: the x axis's description and its values' labels by position.
    x_desc: String,
    x_ticks: Vec<(f64, String)>,
}

/// One workload.
#[derive(Debug, PartialEq)]
struct Panel {
    workload: String,
    /// The y axis's description (per 1000 accesses, or counts).
    y_desc: String,
    /// For each series, its points (curves: `(x, y)`; bars: one point,
    /// x unused) where a cell ran to the end.
    points: Vec<Vec<(f64, f64)>>,
    /// MIN by x (curves) or its one value (bars), where known.
    min: Vec<(f64, f64)>,
    /// MIN of some drawn cell is not known.
    min_missing: bool,
    /// The drawn cells that failed (not drawn).
    errors: usize,
}

impl Chart {
    fn of(sweep: &Sweep, opts: &PlotOptions) -> Result<Chart, PlotError> {
        if sweep.cells.is_empty() {
            return Err(PlotError::NoCells);
        }
        let mut cells: Vec<&Cell> = sweep.cells.iter().collect();
        cells.sort_by_key(|c| c.index);
        let setting = |c: &Cell, k: &str| c.axes.get(k).or_else(|| c.machine.get(k)).cloned();
        // Hold the `at` settings.
        for (k, v) in &opts.at {
            let known: Vec<String> = {
                let mut vals: Vec<String> = cells.iter().filter_map(|c| setting(c, k)).collect();
                vals.dedup();
                vals
            };
            if known.is_empty() {
                return Err(PlotError::At(format!("--chart-at {k}={v}: no cell has a setting '{k}'")));
            }
            cells.retain(|c| setting(c, k).is_some_and(|a| same_value(&a, v)));
            if cells.is_empty() {
                let mut known = known;
                known.sort();
                known.dedup();
                return Err(PlotError::At(format!("--chart-at {k}={v}: no cell has it ({k} is {})", known.join(", "))));
            }
        }
        // The settings that tell the lines (or bars) apart: those the
        // sweep varies, less the x axis and the held ones.
        let held = |k: &str| opts.at.iter().any(|(a, _)| a == k);
        let varied: Vec<&str> = sweep.axes.iter().filter(|(_, v)| v.len() > 1).map(|(k, _)| k.as_str()).collect();
        let series_axes: Vec<&str> =
            varied.iter().copied().filter(|k| !held(k) && (opts.kind == ChartKind::Bars || *k != opts.x)).collect();
        let series_of = |c: &Cell| -> String {
            match series_axes.as_slice() {
                [] => c.machine.get("reclaim").cloned().unwrap_or_else(|| "mmsim".into()),
                [k] => c.axes.get(*k).cloned().unwrap_or_default(),
                ks => ks
                    .iter()
                    .map(|k| format!("{k}={}", c.axes.get(*k).map_or("", String::as_str)))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        };
        let mut series: Vec<String> = Vec::new();
        for c in &cells {
            let s = series_of(c);
            if !series.contains(&s) {
                series.push(s);
            }
        }
        let mut workloads: Vec<String> =
            sweep.workloads.iter().filter(|w| cells.iter().any(|c| &c.workload == *w)).cloned().collect();
        for c in &cells {
            if !workloads.contains(&c.workload) {
                workloads.push(c.workload.clone());
            }
        }
        if workloads.len() > MAX_PANELS && opts.kind == ChartKind::MissRatio {
            return Err(PlotError::TooBig(format!(
                "{} workloads make {} panels; a chart holds at most {MAX_PANELS}",
                workloads.len(),
                workloads.len()
            )));
        }
        if opts.kind == ChartKind::Bars && workloads.len() * (series.len() + 1) > MAX_BARS {
            return Err(PlotError::TooBig(format!(
                "{} workloads by {} bars each is more than the {MAX_BARS} bars a chart holds; hold settings with --chart-at KEY=VALUE",
                workloads.len(),
                series.len() + 1
            )));
        }
        // x of each cell (curves); bars put every cell at 0.
        let mut xs: BTreeMap<usize, (u64, String)> = BTreeMap::new();
        if opts.kind == ChartKind::MissRatio {
            for c in &cells {
                let v = setting(c, &opts.x).ok_or_else(|| PlotError::NoX {
                    index: c.index,
                    axis: opts.x.clone(),
                    varied: if varied.is_empty() { "nothing".into() } else { varied.join(", ") },
                })?;
                let n = parse_size(&v).map_err(|_| PlotError::BadX {
                    index: c.index,
                    axis: opts.x.clone(),
                    value: v.clone(),
                })?;
                xs.insert(c.index, (n, v));
            }
        }
        let mut values: Vec<u64> = xs.values().map(|&(n, _)| n).collect();
        values.sort_unstable();
        values.dedup();
        let log = log_scale(&values);
        let pos = |n: u64| if log { (n as f64).log2() } else { n as f64 };
        let mut x_ticks: Vec<(f64, String)> = Vec::new();
        for (n, v) in xs.values() {
            if !x_ticks.iter().any(|(p, _)| *p == pos(*n)) {
                x_ticks.push((pos(*n), v.clone()));
            }
        }
        x_ticks.sort_by(|a, b| a.0.total_cmp(&b.0));

        let mut panels = Vec::new();
        for w in &workloads {
            let here: Vec<&Cell> = cells.iter().copied().filter(|c| &c.workload == w).collect();
            let ok: Vec<&Cell> = here.iter().copied().filter(|c| c.error.is_none()).collect();
            let per_access = !ok.is_empty() && ok.iter().all(|c| c.accesses.is_some_and(|a| a > 0));
            let y = |n: u64, c: &Cell| match c.accesses {
                Some(a) if per_access => n as f64 * 1000.0 / a as f64,
                _ => n as f64,
            };
            let mut points = vec![Vec::new(); series.len()];
            let mut seen: BTreeMap<(usize, u64), usize> = BTreeMap::new();
            let mut min: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
            for c in &here {
                let s = series.iter().position(|s| *s == series_of(c)).expect("every cell's series is listed");
                let xn = xs.get(&c.index).map_or(0, |&(n, _)| n);
                if let Some(first) = seen.insert((s, xn), c.index) {
                    return Err(PlotError::Duplicate(first, c.index));
                }
                if c.error.is_some() {
                    continue;
                }
                points[s].push((pos(xn), y(opts.metric.of(c), c)));
                if let Some(m) = c.min_page_ins {
                    let m = (pos(xn), y(m, c));
                    let e = min.entry(xn).or_insert(m);
                    e.1 = e.1.min(m.1);
                }
            }
            for p in &mut points {
                p.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            let y_desc = if per_access {
                format!("{} per 1000 accesses", opts.metric.name())
            } else {
                opts.metric.name().to_string()
            };
            panels.push(Panel {
                workload: w.clone(),
                y_desc,
                points,
                min: min.into_values().collect(),
                min_missing: ok.iter().any(|c| c.min_page_ins.is_none()),
                errors: here.len() - ok.len(),
            });
        }
        let mut title = match opts.kind {
            ChartKind::MissRatio => format!("{} against {}", opts.metric.name(), opts.x),
            ChartKind::Bars => opts.metric.name().to_string(),
        };
        if !opts.at.is_empty() {
            let at: Vec<String> = opts.at.iter().map(|(k, v)| format!("{k}={v}")).collect();
            title.push_str(&format!(" at {}", at.join(", ")));
        }
        Ok(Chart {
            kind: opts.kind,
            title,
            series,
            panels,
            x_desc: if log { format!("{} (log scale)", opts.x) } else { opts.x.clone() },
            x_ticks,
        })
    }

    /// The image's size in pixels.
    fn size(&self) -> (u32, u32) {
        match self.kind {
            ChartKind::MissRatio => {
                let n = self.panels.len() as u32;
                let cols = n.clamp(1, 3);
                (cols * 520, n.div_ceil(cols) * 400 + 40)
            }
            ChartKind::Bars => {
                let bars = self.series.len() as u32 + 1;
                let group = (bars * 26).max(150);
                ((self.panels.len() as u32 * group + 160).max(640), 480)
            }
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root.titled(&self.title, ("sans-serif", 20)).map_err(draw_err)?;
        match self.kind {
            ChartKind::MissRatio => {
                let n = self.panels.len();
                let cols = n.clamp(1, 3);
                for (panel, area) in self.panels.iter().zip(body.split_evenly((n.div_ceil(cols), cols))) {
                    self.draw_curves(panel, &area)?;
                }
                Ok(())
            }
            ChartKind::Bars => self.draw_bars(&body),
        }
    }

    /// One panel of miss-ratio curves.
    fn draw_curves<DB: DrawingBackend>(&self, p: &Panel, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = match (self.x_ticks.first(), self.x_ticks.last()) {
            (Some(a), Some(b)) if a.0 < b.0 => {
                let pad = (b.0 - a.0) * 0.05;
                (a.0 - pad, b.0 + pad)
            }
            (Some(a), _) => (a.0 - 0.5, a.0 + 0.5),
            _ => (0.0, 1.0),
        };
        // Legend: the lines, MIN or its note, the failed cells' note.
        let legend = self.series.len() + 1 + usize::from(p.errors > 0);
        let plot_px = area.dim_in_pixel().1.saturating_sub(100);
        let ymax = y_top(p.points.iter().flatten().chain(&p.min).map(|q| q.1), legend, plot_px);
        let mut chart = ChartBuilder::on(area)
            .caption(shorten(&p.workload, 80), ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(Labelled { range: x0..x1, ticks: self.x_ticks.clone() }, 0f64..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&p.y_desc)
            .y_label_formatter(&|y| fmt_y(*y))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        for (i, (name, pts)) in self.series.iter().zip(&p.points).enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(width(i, self.series.len()))))
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
            chart.draw_series(pts.iter().map(|&q| Circle::new(q, 3, c.filled()))).map_err(draw_err)?;
        }
        if !p.min.is_empty() {
            let label =
                if p.min_missing { "MIN (optimal page-ins; some cells unknown)" } else { "MIN (optimal page-ins)" };
            chart
                .draw_series(DashedLineSeries::new(p.min.iter().copied(), 6, 4, MIN_COLOR.stroke_width(2)))
                .map_err(draw_err)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 7, y), (x + 11, y), (x + 20, y)], MIN_COLOR.stroke_width(2))
                });
        } else {
            note(&mut chart, "MIN: not known for this workload")?;
        }
        if p.errors > 0 {
            note(&mut chart, &failed(p.errors))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(draw_err)
    }

    /// Workloads (groups) by series (bars), MIN as a grey bar.
    fn draw_bars<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let groups = self.panels.len();
        let bars = self.series.len() + 1;
        let width = 0.8 / bars as f64;
        let errors: usize = self.panels.iter().map(|p| p.errors).sum();
        let legend = bars + usize::from(errors > 0);
        let plot_px = area.dim_in_pixel().1.saturating_sub(80);
        let ys = self.panels.iter().flat_map(|p| p.points.iter().flatten().chain(&p.min)).map(|q| q.1);
        let ymax = y_top(ys, legend, plot_px);
        let y_desc = match self.panels.iter().map(|p| &p.y_desc).collect::<Vec<_>>().as_slice() {
            [first, rest @ ..] if rest.iter().all(|d| d == first) => (*first).clone(),
            _ => "per 1000 accesses where known, else counts".into(),
        };
        let group_px = area.dim_in_pixel().0.saturating_sub(160) as usize / groups.max(1);
        let ticks: Vec<(f64, String)> = self
            .panels
            .iter()
            .enumerate()
            .map(|(g, p)| (g as f64 + 0.5, shorten(&p.workload, (group_px / 7).max(8))))
            .collect();
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(Labelled { range: 0f64..groups as f64, ticks }, 0f64..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("workload")
            .y_desc(&y_desc)
            .y_label_formatter(&|y| fmt_y(*y))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        let bar = |g: usize, i: usize, y: f64, style: ShapeStyle| {
            let x = g as f64 + 0.1 + i as f64 * width;
            Rectangle::new([(x, 0.0), (x + width * 0.9, y)], style)
        };
        for (i, name) in self.series.iter().enumerate() {
            let c = color(i);
            let rects: Vec<_> = self
                .panels
                .iter()
                .enumerate()
                .flat_map(|(g, p)| p.points[i].first().map(|q| bar(g, i, q.1, c.filled())))
                .collect();
            chart
                .draw_series(rects)
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.filled()));
        }
        let mins: Vec<_> = self
            .panels
            .iter()
            .enumerate()
            .flat_map(|(g, p)| p.min.iter().map(move |q| (g, q.1)))
            .map(|(g, y)| bar(g, bars - 1, y, MIN_BAR.filled()))
            .collect();
        let unknown = self.panels.iter().filter(|p| p.min.is_empty()).count();
        if !mins.is_empty() {
            let label = match unknown {
                0 => "MIN (optimal page-ins)".to_string(),
                1 => "MIN (optimal page-ins; not known for 1 workload)".to_string(),
                n => format!("MIN (optimal page-ins; not known for {n} workloads)"),
            };
            chart
                .draw_series(mins)
                .map_err(draw_err)?
                .label(label)
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], MIN_BAR.filled()));
        } else {
            note(&mut chart, "MIN: not known")?;
        }
        if errors > 0 {
            note(&mut chart, &failed(errors))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(draw_err)
    }
}

/// A linear x axis whose ticks are the given positions, each with its
/// own label (the sweep's values as written: `8M`; the workloads).
struct Labelled {
    range: std::ops::Range<f64>,
    ticks: Vec<(f64, String)>,
}

impl Ranged for Labelled {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (lo, hi): (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let f = if span > 0.0 { (v - self.range.start) / span } else { 0.5 };
        (lo as f64 + f * (hi - lo) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _: H) -> Vec<f64> {
        self.ticks.iter().map(|t| t.0).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

impl ValueFormatter<f64> for Labelled {
    fn format_ext(&self, v: &f64) -> String {
        self.ticks.iter().find(|t| t.0 == *v).map_or_else(String::new, |t| t.1.clone())
    }
}

/// A legend line with no mark: something the reader must know.
fn note<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    text: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    chart.draw_series(std::iter::empty::<Circle<(X::ValueType, Y::ValueType), i32>>()).map_err(draw_err)?.label(text);
    Ok(())
}

fn failed(n: usize) -> String {
    if n == 1 { "1 cell failed: not drawn".into() } else { format!("{n} cells failed: not drawn") }
}

/// Whether the x values (sorted, distinct) are spread more evenly on a
/// log scale than on a linear one: doublings (1M, 2M, 4M, 8M) are, steps
/// (2M, 4M, 6M, 8M) are not.  The measure is the smallest gap between
/// neighbours as a fraction of the whole axis.
fn log_scale(values: &[u64]) -> bool {
    let (Some(&lo), Some(&hi)) = (values.first(), values.last()) else { return false };
    if lo == 0 || values.len() < 3 {
        return false;
    }
    let spread = |f: &dyn Fn(u64) -> f64| {
        let min_gap = values.windows(2).map(|w| f(w[1]) - f(w[0])).fold(f64::INFINITY, f64::min);
        min_gap / (f(hi) - f(lo))
    };
    spread(&|n| (n as f64).log2()) > spread(&|n| n as f64)
}

/// The top of the y axis: high enough above the highest value that a
/// legend of `legend` lines in the upper right of a plot `plot_px` pixels
/// high covers no data (1 if there is none).
fn y_top(ys: impl Iterator<Item = f64>, legend: usize, plot_px: u32) -> f64 {
    let m = ys.filter(|y| y.is_finite()).fold(0f64, f64::max);
    let legend_px = legend as f64 * 15.0 + 30.0;
    let free = (1.0 - legend_px / plot_px.max(1) as f64).max(0.4);
    if m > 0.0 { m * 1.03 / free } else { 1.0 }
}

/// A y label: no useless decimals.
fn fmt_y(y: f64) -> String {
    if y == y.trunc() && y.abs() < 1e15 {
        format!("{y:.0}")
    } else if y.abs() >= 10.0 {
        format!("{y:.1}")
    } else {
        format!("{y:.2}")
    }
}

/// `s` cut to `n` characters with an ellipsis.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sweep::results::SWEEP_FORMAT;

    const RAMS: [&str; 4] = ["2M", "4M", "8M", "16M"];
    const POLICIES: [&str; 3] = ["lru", "clock", "fifo"];
    const WORKLOADS: [&str; 2] = ["loop:pages=4096,n=65536", "zipf:pages=4096,theta=0.9,n=65536,seed=1"];

    /// A sweep of POLICIES x RAMS by WORKLOADS, in product order, with
    /// made-up counters: misses fall as RAM grows, MIN below them all.
    pub(crate) fn sweep() -> Sweep {
        let mut cells = Vec::new();
        for (p, pol) in POLICIES.iter().enumerate() {
            for (r, ram) in RAMS.iter().enumerate() {
                for (w, wl) in WORKLOADS.iter().enumerate() {
                    let majflt = (8000 >> r) + 300 * p as u64 + 100 * w as u64;
                    let axes = [("reclaim", *pol), ("ram", *ram)];
                    cells.push(Cell {
                        index: cells.len(),
                        workload: wl.to_string(),
                        axes: axes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                        machine: axes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                        accesses: Some(65536),
                        minflt: 4096,
                        majflt,
                        page_ins: majflt + 10,
                        min_page_ins: Some((4000 >> r) + 50 * w as u64),
                        min_capacity: Some((512 << r) as u64),
                        wall_ns: 1000,
                        vmstat: BTreeMap::new(),
                        meminfo: BTreeMap::new(),
                        error: None,
                    });
                }
            }
        }
        Sweep {
            mmsim_sweep: SWEEP_FORMAT,
            axes: vec![
                ("reclaim".into(), POLICIES.iter().map(|s| s.to_string()).collect()),
                ("ram".into(), RAMS.iter().map(|s| s.to_string()).collect()),
            ],
            workloads: WORKLOADS.iter().map(|s| s.to_string()).collect(),
            total_cells: cells.len(),
            shard: None,
            cells,
        }
    }

    /// A `<polyline>` of an SVG: stroke colour, width, points.
    type Polyline = (String, u32, Vec<(i32, i32)>);

    fn polylines(svg: &str) -> Vec<Polyline> {
        let attr = |el: &str, name: &str| {
            let k = format!(" {name}=\"");
            el.find(&k).map(|i| el[i + k.len()..].split('"').next().unwrap_or("").to_string())
        };
        svg.split("<polyline")
            .skip(1)
            .map(|el| {
                let el = el.split("/>").next().unwrap_or("");
                let pts = attr(el, "points").unwrap_or_default();
                let pts = pts
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').expect("x,y");
                        (x.parse().expect("x"), y.parse().expect("y"))
                    })
                    .collect();
                let width = attr(el, "stroke-width").and_then(|w| w.parse().ok()).unwrap_or(0);
                (attr(el, "stroke").unwrap_or_default(), width, pts)
            })
            .collect()
    }

    /// The text of each `<text>` element.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split("</text>").next()?.trim().to_string()))
            .collect()
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    fn svg(s: &Sweep, o: &PlotOptions) -> String {
        String::from_utf8(render(s, o, Format::Svg).expect("draws")).expect("utf-8")
    }

    fn count(texts: &[String], t: &str) -> usize {
        texts.iter().filter(|x| *x == t).count()
    }

    /// One curve per policy in each workload's panel, falling as RAM
    /// grows and in the order of the made-up misses; MIN dashed; the axes
    /// and the legend named.
    #[test]
    fn miss_ratio_curves_have_a_line_per_policy_and_min() {
        let svg = svg(&sweep(), &PlotOptions::default());
        let lines = polylines(&svg);
        let mut curves = Vec::new();
        for (i, _) in POLICIES.iter().enumerate() {
            let mine: Vec<_> = lines
                .iter()
                .filter(|l| l.0 == hex(color(i)) && l.1 == width(i, 3) && l.2.len() == RAMS.len())
                .collect();
            assert_eq!(mine.len(), WORKLOADS.len(), "policy {i}: one curve per panel");
            for l in &mine {
                assert!(l.2.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1), "falls as RAM grows: {l:?}");
            }
            curves.push(mine);
        }
        // More misses draw higher (a smaller pixel y): lru < clock < fifo.
        for w in 0..WORKLOADS.len() {
            for r in 0..RAMS.len() {
                let ys: Vec<i32> = curves.iter().map(|c| c[w].2[r].1).collect();
                assert!(ys.windows(2).all(|p| p[0] > p[1]), "{ys:?}");
            }
        }
        // MIN: dashes, each below (a larger y than) lru's curve.
        let black: Vec<_> = lines.iter().filter(|l| l.0 == hex(MIN_COLOR) && l.1 == 2).collect();
        let (legend, dashes): (Vec<&&Polyline>, Vec<_>) =
            black.iter().partition(|l| l.2.len() == 4 && l.2.iter().all(|p| p.1 == l.2[0].1));
        assert_eq!(legend.len(), WORKLOADS.len(), "a MIN legend line per panel");
        assert!(dashes.len() > 2 * WORKLOADS.len(), "{} dashes", dashes.len());
        let lru_top = curves[0].iter().flat_map(|c| c.2.iter().map(|p| p.1)).min().expect("points");
        assert!(dashes.iter().flat_map(|d| &d.2).all(|p| p.1 > lru_top));
        let t = texts(&svg);
        for want in ["major faults per 1000 accesses", "ram (log scale)", "MIN (optimal page-ins)"] {
            assert_eq!(count(&t, want), WORKLOADS.len(), "{want}: {t:?}");
        }
        // Each panel has the policies in its legend and the sizes on its
        // x axis; its workload is its caption.
        for want in POLICIES.iter().chain(&RAMS) {
            assert_eq!(count(&t, want), WORKLOADS.len(), "{want}: {t:?}");
        }
        for want in WORKLOADS {
            assert_eq!(count(&t, want), 1, "{want}: {t:?}");
        }
        assert_eq!(count(&t, "major faults against ram"), 1);
    }

    /// `page-ins` counts the other counter.
    #[test]
    fn the_metric_chooses_the_counter() {
        let o = PlotOptions { metric: Metric::PageIns, ..PlotOptions::default() };
        let c = Chart::of(&sweep(), &o).expect("chart");
        assert_eq!(c.panels[0].y_desc, "page-ins per 1000 accesses");
        let first = &sweep().cells[0];
        assert_eq!(c.panels[0].points[0][0].1, first.page_ins as f64 * 1000.0 / 65536.0);
        let m = Chart::of(&sweep(), &PlotOptions::default()).expect("chart");
        assert_eq!(m.panels[0].points[0][0].1, first.majflt as f64 * 1000.0 / 65536.0);
        assert_eq!(m.panels[0].min[0].1, first.min_page_ins.expect("min") as f64 * 1000.0 / 65536.0);
    }

    /// Bars: one per workload for each policy, one grey MIN bar per
    /// workload, at the RAM size asked for (given as `4096K`).
    #[test]
    fn bars_have_a_bar_per_policy_and_workload() {
        let s = sweep();
        let o =
            PlotOptions { kind: ChartKind::Bars, at: vec![("ram".into(), "4096K".into())], ..PlotOptions::default() };
        let c = Chart::of(&s, &o).expect("chart");
        assert_eq!(c.series, POLICIES);
        let at_4m = s.cells.iter().find(|c| c.axes["ram"] == "4M").expect("a 4M cell");
        assert_eq!(c.panels[0].points[0], vec![(0.0, at_4m.majflt as f64 * 1000.0 / 65536.0)]);
        let svg = svg(&s, &o);
        for (i, _) in POLICIES.iter().enumerate() {
            let n = svg.matches(&format!("fill=\"{}\"", hex(color(i)))).count();
            assert_eq!(n, WORKLOADS.len() + 1, "policy {i}: a bar per workload and one in the legend");
        }
        assert_eq!(svg.matches(&format!("fill=\"{}\"", hex(MIN_BAR))).count(), WORKLOADS.len() + 1);
        let t = texts(&svg);
        assert_eq!(count(&t, "major faults at ram=4096K"), 1, "{t:?}");
        assert_eq!(count(&t, "MIN (optimal page-ins)"), 1);
        assert_eq!(count(&t, WORKLOADS[0]), 1);
    }

    /// A bar chart of every setting: each (policy, RAM) is a bar.
    #[test]
    fn bars_without_at_show_every_setting() {
        let o = PlotOptions { kind: ChartKind::Bars, ..PlotOptions::default() };
        let c = Chart::of(&sweep(), &o).expect("chart");
        assert_eq!(c.series.len(), POLICIES.len() * RAMS.len());
        assert_eq!(c.series[1], "reclaim=lru, ram=4M");
        render(&sweep(), &o, Format::Png).expect("draws");
    }

    /// The PNG decodes to the chart's size, has the policies' colours
    /// and dark text in its title row.
    #[test]
    fn png_decodes_and_is_not_blank() {
        for o in [
            PlotOptions::default(),
            PlotOptions { kind: ChartKind::Bars, at: vec![("ram".into(), "8M".into())], ..PlotOptions::default() },
        ] {
            let s = sweep();
            let bytes = render(&s, &o, Format::Png).expect("draws");
            let dec = png::Decoder::new(std::io::Cursor::new(&bytes));
            let mut reader = dec.read_info().expect("a PNG");
            let mut buf = vec![0; reader.output_buffer_size().expect("size")];
            let info = reader.next_frame(&mut buf).expect("a frame");
            let (w, h) = Chart::of(&s, &o).expect("chart").size();
            assert_eq!((info.width, info.height), (w, h));
            assert_eq!(info.color_type, png::ColorType::Rgb);
            let px = |x: u32, y: u32| {
                let i = (y * w + x) as usize * 3;
                (buf[i], buf[i + 1], buf[i + 2])
            };
            for (i, _) in POLICIES.iter().enumerate() {
                let c = color(i);
                let n = (0..h)
                    .flat_map(|y| (0..w).map(move |x| (x, y)))
                    .filter(|&(x, y)| px(x, y) == (c.0, c.1, c.2))
                    .count();
                assert!(n > 100, "{o:?}: policy {i} has {n} pixels");
            }
            let dark = (0..30).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| px(x, y).0 < 100).count();
            assert!(dark > 50, "{o:?}: the title is drawn ({dark} dark pixels)");
            let white = buf.chunks(3).filter(|p| p == &[255, 255, 255]).count();
            assert!(white > buf.len() / 3 / 2, "mostly white background");
        }
    }

    /// Failed cells and an unknown MIN draw, and the legend says so.
    #[test]
    fn failed_cells_and_unknown_min_still_draw() {
        let mut s = sweep();
        for c in &mut s.cells {
            if c.workload == WORKLOADS[1] {
                c.min_page_ins = None;
            }
            if c.index == 0 || c.index == 2 {
                c.error = Some("line 3: out of memory".into());
            }
        }
        let svg = svg(&s, &PlotOptions::default());
        let t = texts(&svg);
        assert_eq!(count(&t, "2 cells failed: not drawn"), 1, "{t:?}");
        assert_eq!(count(&t, "MIN: not known for this workload"), 1, "{t:?}");
        assert_eq!(count(&t, "MIN (optimal page-ins)"), 1, "{t:?}");
        // lru lost its 2M point in the first panel: a shorter curve.
        let lru: Vec<usize> = polylines(&svg)
            .into_iter()
            .filter(|l| l.0 == hex(color(0)) && l.1 == width(0, 3) && l.2.iter().any(|p| p.1 != l.2[0].1))
            .map(|l| l.2.len())
            .collect();
        assert_eq!(lru, [RAMS.len() - 2, RAMS.len()]);
        let o = PlotOptions { kind: ChartKind::Bars, at: vec![("ram".into(), "2M".into())], ..PlotOptions::default() };
        let t = texts(&String::from_utf8(render(&s, &o, Format::Svg).expect("draws")).expect("utf-8"));
        assert!(t.contains(&"1 cell failed: not drawn".to_string()), "{t:?}");
        assert!(t.contains(&"MIN (optimal page-ins; not known for 1 workload)".to_string()), "{t:?}");
        // Every cell failed, nothing known: still a chart.
        for c in &mut s.cells {
            c.error = Some("boom".into());
            c.min_page_ins = None;
        }
        for o in [PlotOptions::default(), PlotOptions { kind: ChartKind::Bars, ..PlotOptions::default() }] {
            for f in [Format::Svg, Format::Png] {
                render(&s, &o, f).expect("draws");
            }
        }
    }

    /// Without accesses the y axis counts; one RAM size is one point.
    #[test]
    fn counts_when_accesses_are_unknown_and_one_ram_size() {
        let mut s = sweep();
        s.cells.retain(|c| c.axes["ram"] == "8M");
        for c in &mut s.cells {
            c.accesses = None;
        }
        s.axes[1].1 = vec!["8M".into()];
        let c = Chart::of(&s, &PlotOptions::default()).expect("chart");
        assert_eq!(c.panels[0].y_desc, "major faults");
        assert_eq!(c.x_desc, "ram");
        assert_eq!(c.x_ticks, vec![(8.0 * 1024.0 * 1024.0, "8M".to_string())]);
        assert_eq!(c.panels[0].points[0][0].1, s.cells[0].majflt as f64);
        render(&s, &PlotOptions::default(), Format::Png).expect("draws");
    }

    /// Doublings go on a log scale, even steps on a linear one.
    #[test]
    fn the_x_scale_spreads_the_values_evenly() {
        let m = |v: &[u64]| v.iter().map(|n| n << 20).collect::<Vec<u64>>();
        assert!(log_scale(&m(&[1, 2, 4, 8, 16])));
        assert!(log_scale(&m(&[1, 2, 4, 8, 12, 16])));
        assert!(!log_scale(&m(&[2, 4, 6, 8, 10, 12, 14, 16, 20, 24])));
        assert!(!log_scale(&m(&[4, 8])), "two values: linear");
        assert!(!log_scale(&[0, 1, 2, 4]), "zero has no logarithm");
        assert!(!log_scale(&[]));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let s = sweep();
        let err = |s: &Sweep, o: PlotOptions| Chart::of(s, &o).expect_err("refused").to_string();
        let empty = Sweep { cells: Vec::new(), ..sweep() };
        assert_eq!(err(&empty, PlotOptions::default()), "the sweep has no cells to draw");
        let e = err(&s, PlotOptions { x: "reclaim".into(), ..PlotOptions::default() });
        assert_eq!(e, "cell 0: reclaim=lru is not a size or a number, so it cannot be an x axis");
        let e = err(&s, PlotOptions { x: "rma".into(), ..PlotOptions::default() });
        assert_eq!(e, "cell 0 has no setting 'rma' for the x axis (the sweep varies: reclaim, ram)");
        let e = err(&s, PlotOptions { at: vec![("ram".into(), "3M".into())], ..PlotOptions::default() });
        assert_eq!(e, "--chart-at ram=3M: no cell has it (ram is 16M, 2M, 4M, 8M)");
        let e = err(&s, PlotOptions { at: vec![("swap".into(), "zram:1M".into())], ..PlotOptions::default() });
        assert_eq!(e, "--chart-at swap=zram:1M: no cell has a setting 'swap'");
        let mut dup = sweep();
        dup.cells[5].axes = dup.cells[1].axes.clone();
        dup.cells[5].workload = dup.cells[1].workload.clone();
        let e = err(&dup, PlotOptions::default());
        assert!(e.starts_with("cells 1 and 5 have the same workload and settings"), "{e}");
        let mut many = sweep();
        many.cells = (0..250).map(|i| Cell { index: i, workload: format!("w{i}"), ..many.cells[0].clone() }).collect();
        assert!(err(&many, PlotOptions::default()).contains("a chart holds at most 48"));
        assert!(err(&many, PlotOptions { kind: ChartKind::Bars, ..PlotOptions::default() }).contains("480 bars"));
        assert_eq!(Format::of_path(Path::new("a/b.SVG")).expect("svg"), Format::Svg);
        assert_eq!(Format::of_path(Path::new("b.png")).expect("png"), Format::Png);
        let e = Format::of_path(Path::new("b.jpg")).expect_err("jpg").to_string();
        assert_eq!(e, "cannot tell the image format of b.jpg: name it NAME.svg or NAME.png");
        assert!("pie".parse::<ChartKind>().is_err() && "hits".parse::<Metric>().is_err());
    }

    /// `plot` writes a new file, refuses an existing one unless forced,
    /// and writes nothing when the chart cannot be drawn.
    #[test]
    fn plot_writes_new_files_only_unless_forced() {
        let dir = std::env::temp_dir().join(format!("mmsim-plot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("c.svg");
        let _ = std::fs::remove_file(&path);
        plot(&sweep(), &PlotOptions::default(), &path, false).expect("writes");
        assert!(std::fs::read_to_string(&path).expect("written").starts_with("<svg"));
        std::fs::write(&path, "mine").expect("overwrite");
        let e = plot(&sweep(), &PlotOptions::default(), &path, false).expect_err("exists");
        assert!(matches!(e, PlotError::Exists(_)), "{e}");
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "mine");
        plot(&sweep(), &PlotOptions::default(), &path, true).expect("forced");
        assert!(std::fs::read_to_string(&path).expect("replaced").starts_with("<svg"));
        let bad = dir.join("bad.png");
        let empty = Sweep { cells: Vec::new(), ..sweep() };
        assert!(plot(&empty, &PlotOptions::default(), &bad, false).is_err());
        assert!(!bad.exists(), "nothing written for a chart that cannot be drawn");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
