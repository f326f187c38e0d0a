//! The step-through page (`mmsim run --html`) in a real browser.
//!
//! Debian's Chromium runs headless, driven over the DevTools protocol on
//! `--remote-debugging-pipe` (fd 3 carries our commands, fd 4 its answers,
//! each message JSON ended by a NUL byte). The test loads pages, steps
//! through them with the keyboard, the buttons and the URL fragment, and at
//! chosen steps takes a screenshot of each panel and checks that it is
//! filled (enough pixels that are not the panel's background) and that its
//! DOM holds the items the step's state says it should (as many VMA boxes
//! as the step has VMAs, and so on), the state being rebuilt here from the
//! document's deltas, independently of the page's script.
//!
//! One browser serves every check. Without `/usr/bin/chromium` the test
//! fails and names the package, unless `MMSIM_NO_BROWSER=1` opts out.
//! `MMSIM_WRITE_PICTURE=1` rewrites `docs/page.png`, the README's picture.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use mm_alloc as _; // registers the page allocators
use mm_x86 as _; // registers the page-table formats
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long one protocol command or one wait may take before the test
/// gives up (a bound against a hung browser, not a pause).
const DEADLINE: Duration = Duration::from_secs(60);
const WIDTH: u32 = 1500;
const HEIGHT: u32 = 2400;

/// The panels of the page, by their `data-panel` name.
const PANELS: [&str; 8] = ["addrspace", "pagetables", "cpus", "pagecache", "lru", "swap", "counters", "chain"];

// ---- the browser ------------------------------------------------------

/// A headless Chromium and its protocol pipe. Dropping it kills the
/// browser's whole process group and removes its profile directory, on
/// every path, a failed assertion's too.
struct Browser {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: Option<String>,
    /// Removed when the browser is gone (fields drop after `drop`).
    _profile: TempDir,
    /// Exceptions the page's script threw, from `Runtime.exceptionThrown`.
    exceptions: Vec<String>,
}

impl Browser {
    fn launch() -> Browser {
        let profile = TempDir::new("mmsim-browser-profile");
        // Ours: we write commands into `cmd_w`, the browser reads `cmd_r`
        // as fd 3; it writes answers into `out_w` as fd 4, we read `out_r`.
        let (cmd_r, cmd_w) = std::io::pipe().expect("pipe");
        let (out_r, out_w) = std::io::pipe().expect("pipe");
        use std::os::fd::AsRawFd;
        let (cr, ow) = (cmd_r.as_raw_fd(), out_w.as_raw_fd());
        let mut cmd = Command::new(CHROMIUM);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
        // SAFETY: the closure runs in the child between fork and exec and
        // only calls dup2 and fcntl, which are async-signal-safe. The pipe
        // ends are above 4 unless the fds 3 or 4 were free, so each dup2
        // either copies to a different fd or, when the fd is already in
        // place, the close-on-exec flag is cleared with fcntl.
        unsafe {
            cmd.pre_exec(move || {
                for (from, to) in [(cr, 3), (ow, 4)] {
                    if from == to {
                        if libc::fcntl(to, libc::F_SETFD, 0) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    } else if libc::dup2(from, to) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        // dup2 to fd 3 would overwrite the second pair's source.
        assert_ne!(ow, 3, "the protocol pipe's write end landed on fd 3");
        let child = cmd.spawn().expect("start chromium");
        drop(cmd_r);
        drop(out_w);
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out_r);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                            && tx.send(v).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to_browser: cmd_w,
            from_browser: rx,
            next_id: 0,
            session: None,
            _profile: profile,
            exceptions: Vec::new(),
        }
    }

    /// Handles an event that arrived while waiting for something else.
    fn note_event(&mut self, msg: &Value) {
        if msg["method"] == "Runtime.exceptionThrown" {
            let d = &msg["params"]["exceptionDetails"];
            let text = d["exception"]["description"].as_str().or_else(|| d["text"].as_str()).unwrap_or("?");
            self.exceptions.push(text.to_string());
        }
    }

    fn recv(&mut self, until: Instant, what: &str) -> Result<Value, String> {
        let left = until.saturating_duration_since(Instant::now());
        match self.from_browser.recv_timeout(left) {
            Ok(v) => Ok(v),
            Err(RecvTimeoutError::Timeout) => Err(format!("chromium did not answer {what} in {DEADLINE:?}")),
            Err(RecvTimeoutError::Disconnected) => Err(format!("chromium closed its pipe while we waited for {what}")),
        }
    }

    /// Sends one command (to the attached page, if any) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).expect("encode");
        bytes.push(0);
        self.to_browser.write_all(&bytes).map_err(|e| format!("write to chromium: {e}"))?;
        let until = Instant::now() + DEADLINE;
        loop {
            let v = self.recv(until, method)?;
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    return Err(format!("{method}: {e}"));
                }
                return Ok(v["result"].clone());
            }
            self.note_event(&v);
        }
    }

    fn wait_event(&mut self, method: &str) -> Result<Value, String> {
        let until = Instant::now() + DEADLINE;
        loop {
            let v = self.recv(until, method)?;
            if v["method"] == method {
                return Ok(v);
            }
            self.note_event(&v);
        }
    }

    /// Opens a tab and attaches to it; the page's commands go there.
    fn open_tab(&mut self) -> Result<(), String> {
        let t = self.call("Target.createTarget", json!({"url": "about:blank"}))?;
        let target = t["targetId"].as_str().ok_or("no targetId")?.to_string();
        let a = self.call("Target.attachToTarget", json!({"targetId": target, "flatten": true}))?;
        self.session = Some(a["sessionId"].as_str().ok_or("no sessionId")?.to_string());
        self.call("Page.enable", json!({}))?;
        self.call("Runtime.enable", json!({}))?;
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        Ok(())
    }

    /// Evaluates an expression in the page and returns its value; a
    /// promise is awaited.
    fn eval(&mut self, expr: &str) -> Result<Value, String> {
        let r =
            self.call("Runtime.evaluate", json!({"expression": expr, "returnByValue": true, "awaitPromise": true}))?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!("{expr}: {e}"));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Waits, without a timed sleep, until `cond` holds in the page: the
    /// page checks it at every animation frame.
    fn wait_for(&mut self, cond: &str) -> Result<(), String> {
        let expr = format!(
            "new Promise((ok, no) => {{ const t0 = performance.now(); const f = () => {{ \
             let v = false; try {{ v = ({cond}); }} catch (e) {{}} \
             if (v) ok(true); else if (performance.now() - t0 > {ms}) no(new Error('timed out')); \
             else requestAnimationFrame(f); }}; f(); }})",
            ms = DEADLINE.as_millis()
        );
        self.eval(&expr).map(|_| ()).map_err(|e| format!("waiting for {cond}: {e}"))
    }

    fn navigate(&mut self, url: &str) -> Result<(), String> {
        let r = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(e) = r.get("errorText") {
            return Err(format!("navigate to {url}: {e}"));
        }
        // A new document loads; a change of the fragment only does not.
        if r.get("loaderId").is_some() {
            self.wait_event("Page.loadEventFired")?;
        }
        self.wait_for("window.mmsimReady === true")
    }

    fn key(&mut self, key: &str, code: u32) -> Result<(), String> {
        for ty in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": ty, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}),
            )?;
        }
        Ok(())
    }

    fn click(&mut self, selector: &str) -> Result<(), String> {
        let r = self.eval(&format!(
            "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            json!(selector)
        ))?;
        let (x, y) = (r[0].as_f64().unwrap_or(0.0), r[1].as_f64().unwrap_or(0.0));
        for ty in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": ty, "x": x, "y": y, "button": "left", "clickCount": 1}),
            )?;
        }
        Ok(())
    }

    fn step(&mut self) -> Result<i64, String> {
        self.eval("window.mmsimStep").map(|v| v.as_i64().unwrap_or(-1))
    }

    /// A PNG of the page's region `clip` (CSS pixels of the viewport).
    fn screenshot(&mut self, clip: Option<[f64; 4]>) -> Result<Vec<u8>, String> {
        let mut p = json!({"format": "png"});
        if let Some([x, y, w, h]) = clip {
            p["clip"] = json!({"x": x, "y": y, "width": w, "height": h, "scale": 1});
        }
        let r = self.call("Page.captureScreenshot", p)?;
        let b64 = r["data"].as_str().ok_or("no screenshot data")?;
        base64_decode(b64)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) with the negated id of the process group we
        // created for the browser (process_group(0) made it the leader);
        // it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The profile directory goes with `self._profile`, after this.
    }
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return Err(format!("bad base64 byte {c}")),
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// Is the browser there? Without it the test fails naming the package,
/// unless `MMSIM_NO_BROWSER=1` says to skip.
fn browser_or_skip() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("MMSIM_NO_BROWSER").as_deref() == Ok("1") {
        println!("browser test skipped: MMSIM_NO_BROWSER=1 and {CHROMIUM} is missing");
        return false;
    }
    panic!(
        "{CHROMIUM} is missing: the step-through page is tested in Debian's Chromium; \
         install it with `apt-get install chromium` (or set MMSIM_NO_BROWSER=1 to skip this test)"
    );
}

// ---- the document's state, rebuilt here -------------------------------

/// The state after step `n`: the deltas of steps 0..=n applied in order.
fn state_at(doc: &Value, n: usize) -> BTreeMap<&str, &Value> {
    let mut m = BTreeMap::new();
    for st in &doc["steps"].as_array().expect("steps")[..=n] {
        for k in st["del"].as_array().into_iter().flatten() {
            m.remove(k.as_str().unwrap_or(""));
        }
        if let Some(set) = st["set"].as_object() {
            for (k, v) in set {
                m.insert(k.as_str(), v);
            }
        }
    }
    m
}

fn count(state: &BTreeMap<&str, &Value>, prefix: &str) -> usize {
    state.keys().filter(|k| k.starts_with(prefix)).count()
}

/// Which panels the state of step `n` gives something to draw.
fn panels_with_data(doc: &Value, n: usize) -> Vec<&'static str> {
    let st = state_at(doc, n);
    let step = &doc["steps"][n];
    PANELS
        .into_iter()
        .filter(|p| match *p {
            "addrspace" => count(&st, "vma/") > 0,
            "pagetables" => count(&st, "pt/") > 0,
            "cpus" => count(&st, "cpu/") > 0,
            "pagecache" => count(&st, "file/") > 0,
            "lru" => count(&st, "lru/") > 0,
            "swap" => count(&st, "swap/") > 0,
            "counters" => count(&st, "vmstat/") + count(&st, "meminfo/") > 0,
            "chain" => {
                step["chain"].as_array().is_some_and(|c| !c.is_empty())
                    || step["trace"].as_array().is_some_and(|c| !c.is_empty())
            }
            _ => false,
        })
        .collect()
}

// ---- the checker --------------------------------------------------------

/// Non-background pixels of a PNG: the background is its most common
/// colour, a pixel counts when a channel differs from it by more than 24.
fn ink(png_bytes: &[u8]) -> Result<(usize, usize), String> {
    let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = dec.read_info().map_err(|e| format!("png: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("png: no size")?];
    let info = reader.next_frame(&mut buf).map_err(|e| format!("png: {e}"))?;
    let ch = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        c => return Err(format!("png: colour type {c:?}")),
    };
    let px: Vec<[u8; 3]> = buf[..info.buffer_size()].chunks_exact(ch).map(|p| [p[0], p[1], p[2]]).collect();
    let mut freq: BTreeMap<[u8; 3], usize> = BTreeMap::new();
    for p in &px {
        *freq.entry(*p).or_default() += 1;
    }
    let bg = freq.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c).unwrap_or([255; 3]);
    let n = px.iter().filter(|p| p.iter().zip(bg).any(|(a, b)| a.abs_diff(b) > 24)).count();
    Ok((n, px.len()))
}

/// At least this many pixels of a panel must be ink for it to count as
/// filled; a panel's "nothing here" note has a few hundred.
const MIN_INK: usize = 1500;

/// Checks the panels `expect` at the page's current step `n`: a
/// screenshot of each with enough ink, and its DOM's items against the
/// state rebuilt from `doc`. Returns every failure, panel by panel.
fn check_panels(b: &mut Browser, doc: &Value, n: usize, expect: &[&str]) -> Result<(), String> {
    check_panels_with(b, doc, n, expect, true)
}

/// [`check_panels`], with the screenshots only if `shots`.
fn check_panels_with(b: &mut Browser, doc: &Value, n: usize, expect: &[&str], shots: bool) -> Result<(), String> {
    let st = state_at(doc, n);
    let step = &doc["steps"][n];
    let mut errors = Vec::new();
    for p in expect {
        let info = b.eval(&format!(
            "(() => {{ const e = document.querySelector('[data-panel=\"{p}\"]'); if (!e) return null; \
             e.scrollIntoView({{block: 'start'}}); const r = e.getBoundingClientRect(); \
             const q = (s) => e.querySelectorAll(s).length; \
             return {{x: r.x, y: r.y, w: r.width, h: r.height, items: +e.dataset.items, \
               vma: q('.vma'), leaf: q('.pte.leaf'), pid: document.getElementById('ptproc').value, cpu: q('.cpu'), tlb: q('tr.tlbe:not(.gone)'), \
               file: q('.file'), pc: new Set([...e.querySelectorAll('rect.pc')].map((r) => r.dataset.key)).size, lru: q('.lru-row'), area: q('.area'), \
               used: q('rect.slot.used'), ctr: q('tr.ctr'), fg: q('.fg-node') }}; }})()"
        ))?;
        if info.is_null() {
            errors.push(format!("{p}: no element with data-panel=\"{p}\""));
            continue;
        }
        let num = |k: &str| info[k].as_f64().unwrap_or(0.0);
        let cnt = |k: &str| info[k].as_u64().unwrap_or(0) as usize;
        let (w, h) = (num("w"), num("h").min(f64::from(HEIGHT) - num("y")));
        if w < 50.0 || h < 20.0 {
            errors.push(format!("{p}: panel is {w}x{h} px"));
            continue;
        }
        if shots {
            let png = b.screenshot(Some([num("x"), num("y"), w, h]))?;
            let (ink, total) = ink(&png)?;
            if ink < MIN_INK {
                errors.push(format!("{p}: only {ink} of {total} pixels drawn (want {MIN_INK})"));
            }
        }
        if cnt("items") == 0 {
            errors.push(format!("{p}: the panel drew no item"));
        }
        // The DOM against the state.
        let want_eq = |errors: &mut Vec<String>, what: &str, got: usize, want: usize| {
            if got != want {
                errors.push(format!("{p}: {got} {what} drawn, the state has {want}"));
            }
        };
        match *p {
            "addrspace" => want_eq(&mut errors, "VMA boxes", cnt("vma"), count(&st, "vma/")),
            "pagetables" => {
                let pid = info["pid"].as_str().unwrap_or("");
                let pages = count(&st, &format!("pt/{pid}/"));
                if pages <= 12 {
                    want_eq(&mut errors, "page-table leaves", cnt("leaf"), pages);
                } else if cnt("leaf") == 0 {
                    errors.push(format!("{p}: no page-table leaf drawn of {pages}"));
                }
            }
            "cpus" => {
                want_eq(&mut errors, "CPUs", cnt("cpu"), count(&st, "cpu/"));
                let tlb = count(&st, "tlb/");
                if tlb <= 64 {
                    want_eq(&mut errors, "TLB entries", cnt("tlb"), tlb);
                }
            }
            "pagecache" => {
                want_eq(&mut errors, "files", cnt("file"), count(&st, "file/"));
                want_eq(&mut errors, "cached pages", cnt("pc"), count(&st, "pc/"));
            }
            "lru" => want_eq(&mut errors, "LRU lists", cnt("lru"), count(&st, "lru/")),
            "swap" => {
                want_eq(&mut errors, "swap areas", cnt("area"), count(&st, "swap/"));
                want_eq(&mut errors, "used slots", cnt("used"), count(&st, "slot/"));
            }
            "counters" => {
                let nonzero = st
                    .iter()
                    .filter(|(k, v)| (k.starts_with("vmstat/") || k.starts_with("meminfo/")) && **v != &json!(0))
                    .count();
                let all = count(&st, "vmstat/") + count(&st, "meminfo/");
                let got = cnt("ctr");
                if got < nonzero || got > all {
                    errors.push(format!("{p}: {got} counters drawn, the state has {nonzero} non-zero of {all}"));
                }
            }
            "chain" => {
                // One frame per distinct prefix of the step's stacks, and the root.
                let stacks = doc["stacks"].as_array().cloned().unwrap_or_default();
                let mut prefixes = BTreeSet::new();
                let mut calls = 0;
                for c in step["chain"].as_array().into_iter().flatten() {
                    let s = stacks[c[0].as_u64().unwrap_or(0) as usize].as_str().unwrap_or("");
                    calls += c[1].as_u64().unwrap_or(0);
                    let parts: Vec<&str> = s.split(';').collect();
                    for i in 1..=parts.len() {
                        prefixes.insert(parts[..i].join(";"));
                    }
                }
                if calls <= 100 && !prefixes.is_empty() {
                    want_eq(&mut errors, "flame-graph frames", cnt("fg"), prefixes.len() + 1);
                }
            }
            _ => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(format!("step {n}:\n  {}", errors.join("\n  "))) }
}

// ---- the pages --------------------------------------------------------------

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

fn write_page(dir: &Path, name: &str, json: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, mm_sim::html::render(json)).expect("write page");
    format!("file://{}", path.display())
}

/// The scenarios of the README's examples, the picture's first: the
/// tour fills every panel at its page-out.
const EXAMPLES: [&str; 5] = [
    "mm-tests/scenarios/trace-swap/tour.mms",
    "mm-tests/scenarios/trace/fork-cow.mms",
    "mm-tests/scenarios/trace/zero-page-cow.mms",
    "mm-tests/scenarios/trace-swap/pageout-swapin.mms",
    "mm-tests/scenarios/trace/file-cow.mms",
];

/// The page of a scenario, as `mmsim run --html` writes it, and its document.
fn example_page(path: &str) -> (String, Value) {
    let src = std::fs::read(repo().join(path)).expect("read the example");
    let title = Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path);
    let page =
        mm_sim::html::page(&src, title, &mm_sim::RunOptions::default()).unwrap_or_else(|e| panic!("{path}: {e}"));
    // The document, as the page holds it (`<\/` is JSON's escape of `/`).
    let at = page.find("id=\"mmsim-data\">").expect("the data element") + "id=\"mmsim-data\">".len();
    let end = at + page[at..].find("</script>").expect("the data's end");
    let doc = serde_json::from_str(&page[at..end]).unwrap_or_else(|e| panic!("{path}: the page's data: {e}"));
    (page, doc)
}

/// Steps through the page of an example with the keyboard, checking at
/// each step every panel its state has data for; then by the fragment.
fn readme_example(b: &mut Browser, dir: &Path, path: &str) -> String {
    let (page, doc) = example_page(path);
    let file = dir.join(Path::new(path).with_extension("html").file_name().expect("a name"));
    std::fs::write(&file, page).expect("write the page");
    let url = format!("file://{}", file.display());
    b.navigate(&url).unwrap();
    let n = doc["steps"].as_array().expect("steps").len();
    assert!(n > 2, "{path}: {n} steps");
    let mut seen = BTreeSet::new();
    // Screenshots at the first step with the most panels and at the last;
    // the DOM at every step.
    let most = (0..n).max_by_key(|&i| (panels_with_data(&doc, i).len(), n - i)).unwrap_or(0);
    for i in 0..n {
        if i > 0 {
            b.key("ArrowRight", 39).unwrap();
            b.wait_for(&format!("window.mmsimStep === {i}")).unwrap();
        }
        let with = panels_with_data(&doc, i);
        seen.extend(with.iter().copied());
        check_panels_with(b, &doc, i, &with, i == most || i == n - 1).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for p in ["addrspace", "pagetables", "cpus", "lru", "counters", "chain"] {
        assert!(seen.contains(p), "{path}: the {p} panel never had data");
    }
    if path.ends_with("tour.mms") {
        // The tour's point: one step where every panel is filled, checked
        // on the screenshots too.
        assert_eq!(panels_with_data(&doc, most), PANELS.to_vec(), "{path}: step {most} fills every panel");
        b.navigate(&format!("{url}#step={most}")).unwrap();
        b.wait_for(&format!("window.mmsimStep === {most}")).unwrap();
        check_panels(b, &doc, most, &PANELS).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    url
}

/// A directory removed when dropped, on every path.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("{what}-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create a temporary directory");
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The hand-made document: a file mapped shared, an anonymous mapping
/// written, fork, a copy-on-write, a page-out to swap, the child's exit.
fn sample() -> Value {
    let text = std::fs::read_to_string(repo().join("mm-tests/tests/data/html-sample.json")).expect("read sample");
    serde_json::from_str(&text).expect("sample is JSON")
}

/// The sample with every key of the page cache taken out.
fn without_page_cache(mut doc: Value) -> Value {
    for st in doc["steps"].as_array_mut().expect("steps") {
        if let Some(set) = st["set"].as_object_mut() {
            set.retain(|k, _| !k.starts_with("pc/") && !k.starts_with("file/"));
        }
        if let Some(del) = st["del"].as_array_mut() {
            del.retain(|k| {
                !k.as_str().unwrap_or("").starts_with("pc/") && !k.as_str().unwrap_or("").starts_with("file/")
            });
        }
    }
    doc
}

#[test]
fn page_in_chromium() {
    if !browser_or_skip() {
        return;
    }
    let t0 = Instant::now();
    let dir = TempDir::new("mmsim-pages");
    let dir = &dir.0;
    let mut b = Browser::launch();
    b.open_tab().expect("open a tab");

    // The sample: every panel has something to draw at the page-out.
    let doc = sample();
    let n = doc["steps"].as_array().expect("steps").len();
    let url = write_page(dir, "sample.html", &doc.to_string());
    b.navigate(&url).expect("load the sample page");
    assert_eq!(b.step().unwrap(), 0, "the page opens at step 0");
    // Keys, buttons and the slider's ends.
    b.key("ArrowRight", 39).unwrap();
    b.wait_for("window.mmsimStep === 1").unwrap();
    b.click("#next").unwrap();
    b.wait_for("window.mmsimStep === 2").unwrap();
    b.key("End", 35).unwrap();
    b.wait_for(&format!("window.mmsimStep === {}", n - 1)).unwrap();
    b.key("Home", 36).unwrap();
    b.wait_for("window.mmsimStep === 0").unwrap();
    // A click on a line of the step list.
    b.click(".steprow[data-step=\"3\"]").unwrap();
    b.wait_for("window.mmsimStep === 3").unwrap();
    assert!(b.eval("location.hash").unwrap() == json!("#step=3"), "the fragment follows the step");
    // Step by step to the end with the keyboard, checking where all is drawn.
    for i in 4..n {
        b.key("ArrowRight", 39).unwrap();
        b.wait_for(&format!("window.mmsimStep === {i}")).unwrap();
        let with = panels_with_data(&doc, i);
        check_panels(&mut b, &doc, i, &with).unwrap_or_else(|e| panic!("sample page: {e}"));
    }
    // A link opens its step; going back rebuilds an earlier state.
    let pageout = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["text"].as_str().unwrap_or("").contains("MADV_PAGEOUT"))
        .expect("the sample pages out");
    assert_eq!(panels_with_data(&doc, pageout).len(), PANELS.len(), "every panel has data at the page-out");
    b.navigate(&format!("{url}#step={pageout}")).unwrap();
    b.wait_for(&format!("window.mmsimStep === {pageout}")).expect("a change of #step=N goes to step N");
    check_panels(&mut b, &doc, pageout, &PANELS).unwrap_or_else(|e| panic!("sample page: {e}"));

    // The checker fails on a page whose data lacks a panel's keys.
    let broken = without_page_cache(doc.clone());
    b.navigate(&format!("{}#step={pageout}", write_page(dir, "broken.html", &broken.to_string()))).unwrap();
    assert_eq!(b.step().unwrap(), pageout as i64, "a page opened at #step=N shows step N");
    let err =
        check_panels(&mut b, &broken, pageout, &PANELS).expect_err("a page without a page cache must fail the check");
    assert!(err.contains("pagecache:"), "the failure names the empty panel: {err}");
    assert!(!err.contains("addrspace:"), "only the empty panel fails: {err}");
    assert!(err.contains("pixels drawn"), "the screenshot check catches it too: {err}");
    println!("the checker on a page without its page cache:\n{err}");

    // The README's examples, made by the library call `mmsim run --html` uses.
    let urls: Vec<String> = EXAMPLES.iter().map(|e| readme_example(&mut b, dir, e)).collect();

    long_run(&mut b, dir);

    if std::env::var("MMSIM_WRITE_PICTURE").as_deref() == Ok("1") {
        // The tour just after the child's page-out: every panel filled.
        let (_, tour) = example_page(EXAMPLES[0]);
        let out = tour["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .position(|s| s["text"].as_str().unwrap_or("").contains("MADV_PAGEOUT"))
            .expect("the tour pages out");
        write_picture(&mut b, &format!("{}#step={out}", urls[0]));
    }
    assert!(b.exceptions.is_empty(), "the page threw: {:?}", b.exceptions);
    drop(b);
    println!("browser checks took {:.1} s", t0.elapsed().as_secs_f64());
}

/// A document of `n` steps, every eighth storing to one page of a 16 MiB
/// mapping (so the state grows to 4096 populated pages), the others
/// loading. Written
/// as text: building it as `Value`s takes seconds.
fn long_document(n: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(n * 900);
    s.push_str(
        r#"{"version": 1, "title": "long run", "machine": {"settings": [], "arch": "x86-64",
 "levels": ["PGD", "PUD", "PMD", "PTE"], "page_size": 4096, "nr_cpus": 1, "root_name": "CR3", "asid_name": "PCID"},
 "stacks": ["handle_mm_fault", "handle_mm_fault;do_anonymous_page"], "steps": [
{"line": 0, "text": "start", "pid": 0, "out": "", "chain": [], "trace": [], "trace_more": 0, "del": [], "set": {
 "proc/100": {"pid": 100, "comm": "p0", "root": "4", "asid": 1, "rss": 0, "minflt": 0, "majflt": 0},
 "cpu/0": {"cpu": 0, "pid": 100, "root": "4", "asid": 1, "hits": 0, "misses": 0, "flushes": 0},
 "vma/100/100000000": {"start": "100000000", "end": "101000000", "perms": "rw-p", "offset": "0", "name": "", "file": null, "anon_vma": "1", "flags": ["VM_READ", "VM_WRITE"]},
 "vmstat/pgfault": 0}}"#,
    );
    let va_of = |i: usize| 0x1_0000_0000u64 + (i as u64 / 8 * 7919 % 4096) * 4096;
    for i in 1..n {
        let va = va_of(i);
        if i % 8 != 0 {
            // A load that hits the TLB: the counter only.
            let _ = write!(
                s,
                r#",
{{"line": {i}, "text": "load 0x{va:x}", "pid": 100, "out": "", "chain": [], "trace": [], "trace_more": 0,
 "set": {{"vmstat/pgfault": {i}}}, "del": []}}"#
            );
            continue;
        }
        let pfn = 0x1000 + i as u64;
        let pte_table = 0x100 + (va >> 21 & 7);
        let idx = |shift: u32| (va >> shift) & 511;
        let bits = r#"["P", "RW", "US", "A"]"#;
        let _ = write!(
            s,
            r#",
{{"line": {i}, "text": "store 0x{va:x} 1 0x11", "pid": 100, "out": "", "chain": [[0, 1], [1, 1]],
 "trace": ["handle_mm_fault: address=0x{va:x}", "  do_anonymous_page"], "trace_more": 0, "set": {{
 "pt/100/{va:x}": [{{"level": "PGD", "index": {}, "table": "4", "raw": "5067", "bits": {bits}, "next": "5"}},
  {{"level": "PUD", "index": {}, "table": "5", "raw": "6067", "bits": {bits}, "next": "6"}},
  {{"level": "PMD", "index": {}, "table": "6", "raw": "{:x}", "bits": {bits}, "next": "{pte_table:x}"}},
  {{"level": "PTE", "index": {}, "table": "{pte_table:x}", "raw": "{:x}", "bits": ["P", "RW", "US", "A", "D", "NX"], "next": "{pfn:x}"}}],
 "vmstat/pgfault": {i},
 "tlb/0/1/{:x}": {{"pfn": "{pfn:x}", "w": true, "u": true, "d": true, "g": false}}}},
 "del": [{}]}}"#,
            idx(39),
            idx(30),
            idx(21),
            pte_table << 12 | 0x67,
            idx(12),
            pfn << 12 | 0x8000_0000_0000_0067,
            va >> 12,
            if i > 64 { format!("\"tlb/0/1/{:x}\"", va_of(i - 64) >> 12) } else { String::new() },
        );
    }
    s.push_str("]}");
    s
}

/// A run of 100,000 steps stays usable: a jump to any step rebuilds it
/// from a checkpoint, the step list holds only the rows in view, and the
/// panels draw a bounded number of rows.
fn long_run(b: &mut Browser, dir: &Path) {
    let n = 100_000;
    let t0 = Instant::now();
    let text = long_document(n);
    let doc: Value = serde_json::from_str(&text).expect("the long document is JSON");
    let url = write_page(dir, "long.html", &text);
    let t1 = Instant::now();
    b.navigate(&url).unwrap();
    println!("long: made in {:?}, loaded in {:?}", t1 - t0, t1.elapsed());
    let ms = |b: &mut Browser, to: usize| {
        b.eval(&format!(
            "(() => {{ const t = performance.now(); window.mmsim.goto({to}); return performance.now() - t; }})()"
        ))
        .unwrap()
        .as_f64()
        .unwrap()
    };
    let to_end = ms(b, n - 1);
    assert_eq!(b.step().unwrap(), (n - 1) as i64);
    let back = ms(b, n / 2 + 3);
    let next = {
        b.key("ArrowRight", 39).unwrap();
        b.wait_for(&format!("window.mmsimStep === {}", n / 2 + 4)).unwrap();
        ms(b, n / 2 + 5)
    };
    println!(
        "long run of {n} steps: first jump to the end {to_end:.0} ms, back to the middle {back:.0} ms, one step {next:.0} ms"
    );
    assert!(to_end < 5000.0 && back < 1000.0, "jumps too slow: {to_end:.0} ms, {back:.0} ms");
    let rows = b.eval("document.querySelectorAll('.steprow').length").unwrap().as_u64().unwrap();
    assert!(rows < 200, "the step list holds {rows} rows");
    let pt_rows = b.eval("document.querySelectorAll('[data-panel=pagetables] .pte').length").unwrap().as_u64().unwrap();
    assert!((1..=320).contains(&pt_rows), "{pt_rows} page-table rows drawn");
    let step = n / 2 + 5;
    let t2 = Instant::now();
    check_panels(b, &doc, step, &panels_with_data(&doc, step)).unwrap_or_else(|e| panic!("long page: {e}"));
    println!("long: checked in {:?}", t2.elapsed());
}

/// Rewrites docs/page.png: the page at `url` in a 1560x1000 window.
fn write_picture(b: &mut Browser, url: &str) {
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1560, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    b.navigate(url).unwrap();
    let png = b.screenshot(None).unwrap();
    let out = repo().join("docs/page.png");
    std::fs::write(&out, &png).expect("write docs/page.png");
    println!("wrote {} ({} bytes)", out.display(), png.len());
}
