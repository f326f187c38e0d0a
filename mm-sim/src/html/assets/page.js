// mmsim step-through page: rebuilds the simulator's state at each step
// from the embedded delta-encoded document (docs/html-page.md) and draws
// it. Plain JS, no network; works from file://.
//
// What tests read (mm-tests/tests/browser.rs): each panel's body has
// `data-panel="NAME"` and `data-items` (how many items it drew: VMA boxes,
// page-table entries, CPUs, files, lists, areas, counters, frames);
// `window.mmsimStep` is the step shown and `window.mmsimReady` turns true
// once it is drawn; `window.mmsim.goto(n)` moves to step n.
(function () {
  "use strict";

  const CHECKPOINT = 256; // a checkpoint every 256 steps
  const MAX_VMAS = 80; // VMA boxes per process
  const MAX_PT_ROWS = 320; // page-table rows
  const PT_FOLD = 12; // a table with more entries shows its first and last few
  const MAX_TLB = 64; // TLB rows per CPU
  const MAX_PC_CELLS = 512; // page-cache cells per file
  const MAX_FILES = 24;
  const MAX_SLOTS = 2048; // swap cells per area
  const MAX_COUNTERS = 200;
  const STEP_ROW = 22; // px, the step list's row height

  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  // ---- small helpers -------------------------------------------------

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  function s(tag, attrs, ...kids) {
    const e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") e.setAttribute("class", v);
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
  }
  function title(text) {
    return s("title", { text });
  }
  // Hex strings without 0x, lower case: compare as numbers.
  function hexCmp(a, b) {
    a = a.replace(/^0+(?=.)/, "");
    b = b.replace(/^0+(?=.)/, "");
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }
  function big(hx) {
    try {
      return BigInt("0x" + (hx || "0"));
    } catch (e) {
      return 0n;
    }
  }
  function fmtSize(bytes) {
    const u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let v = Number(bytes),
      i = 0;
    while (v >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    const r = v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1);
    return r + " " + u[i];
  }
  function fmtNum(n) {
    return typeof n === "number" ? n.toLocaleString("en-US") : String(n);
  }
  function clip(str, n) {
    str = String(str);
    return str.length > n ? str.slice(0, Math.max(1, n - 1)) + "\u2026" : str;
  }
  function empty(text) {
    return h("div", { class: "empty", text });
  }
  function more(n, what) {
    return h("div", { class: "more", text: "\u2026 " + fmtNum(n) + " more " + what + " not drawn" });
  }
  // A stable colour for a function name (warm flame palette).
  function hue(name) {
    let x = 0;
    for (let i = 0; i < name.length; i++) x = (x * 31 + name.charCodeAt(i)) >>> 0;
    const hh = 12 + (x % 40),
      ss = 70 + ((x >> 8) % 20),
      ll = 62 + ((x >> 16) % 14);
    return `hsl(${hh} ${ss}% ${ll}%)`;
  }

  // ---- the document --------------------------------------------------

  let doc;
  try {
    const raw = $("mmsim-data").textContent.trim();
    doc = JSON.parse(raw);
    if (!doc || !Array.isArray(doc.steps) || doc.steps.length === 0) throw new Error("no steps");
  } catch (e) {
    document.body.replaceChildren(
      h("div", { class: "error" }, h("b", { text: "mmsim: this page holds no run to show. " }), "(" + e.message + ")")
    );
    window.mmsimError = String(e.message);
    window.mmsimReady = true;
    return;
  }
  const steps = doc.steps;
  const stacks = doc.stacks || [];
  const machine = doc.machine || {};
  const ROOT = machine.root_name || "root";
  const ASID = machine.asid_name || "ASID";
  const PAGE = machine.page_size || 4096;
  const N = steps.length;

  // ---- state at step n: deltas from the nearest checkpoint -------------

  const checkpoints = []; // checkpoints[k] = state after step k*CHECKPOINT
  function apply(m, i, prev) {
    const st = steps[i];
    if (st.del)
      for (const k of st.del) {
        if (prev && !prev.has(k)) prev.set(k, m.get(k));
        m.delete(k);
      }
    if (st.set)
      for (const k in st.set) {
        if (prev && !prev.has(k)) prev.set(k, m.get(k));
        m.set(k, st.set[k]);
      }
  }
  function checkpoint(k) {
    while (checkpoints.length <= k) {
      const c = checkpoints.length;
      let m;
      if (c === 0) {
        m = new Map();
        apply(m, 0);
      } else {
        m = new Map(checkpoints[c - 1]);
        const end = Math.min(c * CHECKPOINT, N - 1);
        for (let i = (c - 1) * CHECKPOINT + 1; i <= end; i++) apply(m, i);
      }
      checkpoints.push(m);
    }
    return checkpoints[k];
  }
  function stateAt(n) {
    const k = Math.floor(n / CHECKPOINT);
    const m = new Map(checkpoint(k));
    for (let i = k * CHECKPOINT + 1; i <= n; i++) apply(m, i);
    return m;
  }

  let cur = -1;
  let state = new Map(); // state after step cur
  let prev = new Map(); // values before step cur of the keys it touched
  let changed = new Set(); // keys step cur set or removed (none at step 0)

  function goto(n) {
    n = Math.max(0, Math.min(N - 1, n | 0));
    if (n === cur) return;
    if (n === cur + 1 && cur >= 0) {
      // One step forward: apply in place.
    } else {
      state = n > 0 ? stateAt(n - 1) : new Map();
    }
    prev = new Map();
    apply(state, n, prev);
    changed = new Set(n > 0 ? prev.keys() : []);
    cur = n;
    render();
  }

  // ---- grouping the state by key -------------------------------------

  function group() {
    const g = {
      proc: new Map(),
      vma: new Map(),
      pt: new Map(),
      ptmore: new Map(),
      cpu: [],
      tlb: new Map(),
      file: [],
      pc: new Map(),
      lru: [],
      swap: [],
      slot: new Map(),
      vmstat: [],
      meminfo: [],
    };
    const push = (map, id, item) => {
      let l = map.get(id);
      if (!l) map.set(id, (l = []));
      l.push(item);
    };
    for (const [k, v] of state) {
      const p = k.split("/");
      switch (p[0]) {
        case "proc":
          g.proc.set(p[1], v);
          break;
        case "vma":
          push(g.vma, p[1], { key: k, v });
          break;
        case "pt":
          push(g.pt, p[1], { key: k, va: p[2], v });
          break;
        case "ptmore":
          g.ptmore.set(p[1], v);
          break;
        case "cpu":
          g.cpu.push({ key: k, n: +p[1], v });
          break;
        case "tlb":
          push(g.tlb, p[1], { key: k, asid: p[2], vpn: p[3], v });
          break;
        case "file":
          g.file.push({ key: k, ino: p[1], v });
          break;
        case "pc":
          push(g.pc, p[1], { key: k, index: parseInt(p[2], 16), v });
          break;
        case "lru":
          g.lru.push({ key: k, v });
          break;
        case "swap":
          g.swap.push({ key: k, area: p[1], v });
          break;
        case "slot":
          push(g.slot, p[1], { key: k, off: p[2], v });
          break;
        case "vmstat":
          g.vmstat.push({ key: k, name: p.slice(1).join("/"), v });
          break;
        case "meminfo":
          g.meminfo.push({ key: k, name: p.slice(1).join("/"), v });
          break;
      }
    }
    return g;
  }
  // Keys of a prefix the step removed, with their old values.
  function removed(prefix) {
    const out = [];
    if (cur === 0) return out;
    for (const [k, v] of prev) if (k.startsWith(prefix) && !state.has(k) && v !== undefined) out.push({ key: k, v });
    return out;
  }

  // ---- header, step list, controls ------------------------------------

  $("title").textContent = doc.title || "";
  document.title = "mmsim \u2014 " + (doc.title || "step-through");
  {
    const m = $("machine");
    // The settings a reader needs first; all of them in the tooltip.
    const settings = new Map((machine.settings || []).map(([k, v]) => [k, v]));
    if (!settings.has("cpus") && machine.nr_cpus) settings.set("cpus", machine.nr_cpus);
    const main = ["ram", "allocator", "page_table", "reclaim", "swap", "cpus"];
    if (!settings.has("page_table") && machine.arch) m.append(h("span", null, "arch ", h("b", { text: machine.arch })));
    for (const k of main) if (settings.has(k)) m.append(h("span", null, k + " ", h("b", { text: String(settings.get(k)) })));
    m.title = [...settings].map(([k, v]) => k + " " + v).join("\n");
    if (doc.error) {
      const e = $("runerror");
      e.hidden = false;
      e.textContent = "the run stopped: " + doc.error;
    }
  }
  const slider = $("slider");
  slider.max = String(N - 1);
  slider.addEventListener("input", () => goto(+slider.value));
  $("first").addEventListener("click", () => goto(0));
  $("prev").addEventListener("click", () => goto(cur - 1));
  $("next").addEventListener("click", () => goto(cur + 1));
  $("last").addEventListener("click", () => goto(N - 1));
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA") && t !== slider) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    let n = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") n = cur + 1;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") n = cur - 1;
    else if (e.key === "PageDown") n = cur + 10;
    else if (e.key === "PageUp") n = cur - 10;
    else if (e.key === "Home") n = 0;
    else if (e.key === "End") n = N - 1;
    if (n !== null) {
      e.preventDefault();
      goto(n);
    }
  });
  function fromHash() {
    const m = /step=(\d+)/.exec(location.hash);
    return m ? +m[1] : null;
  }
  window.addEventListener("hashchange", () => {
    const n = fromHash();
    if (n !== null) goto(n);
  });

  // The step list: only the rows in view are in the DOM.
  const list = $("steplist");
  const spacer = $("stepspacer");
  spacer.style.height = N * STEP_ROW + "px";
  let drawnRange = "";
  function drawList(force) {
    const top = list.scrollTop,
      hgt = list.clientHeight || 600;
    const a = Math.max(0, Math.floor(top / STEP_ROW) - 10);
    const b = Math.min(N, Math.ceil((top + hgt) / STEP_ROW) + 10);
    const key = a + ":" + b + ":" + cur;
    if (!force && key === drawnRange) return;
    drawnRange = key;
    const rows = [];
    for (let i = a; i < b; i++) {
      const st = steps[i];
      const cls = "steprow " + (i === cur ? "cur" : i < cur ? "past" : "future");
      const r = h(
        "div",
        { class: cls, style: `top:${i * STEP_ROW}px`, "data-step": i, title: st.text },
        h("span", { class: "ln", text: i === 0 ? "" : String(st.line) }),
        st.text
      );
      rows.push(r);
    }
    spacer.replaceChildren(...rows);
  }
  list.addEventListener("scroll", () => drawList(false));
  list.addEventListener("click", (e) => {
    const r = e.target.closest(".steprow");
    if (r) goto(+r.dataset.step);
  });
  function scrollListTo(n) {
    const y = n * STEP_ROW,
      hgt = list.clientHeight || 600;
    if (y < list.scrollTop + STEP_ROW || y > list.scrollTop + hgt - 2 * STEP_ROW)
      list.scrollTop = Math.max(0, y - hgt / 3);
  }
  $("allcounters").addEventListener("change", () => renderPanels());
  $("ptproc").addEventListener("change", () => {
    ptChoice = $("ptproc").value;
    renderPanels();
  });
  let ptChoice = null; // the process whose page tables are shown (null: the step's)
  const ptOpen = new Set(); // folded tables the reader opened
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => renderPanels(), 100);
  });

  // ---- rendering ------------------------------------------------------

  let G = null;
  function render() {
    const st = steps[cur];
    slider.value = String(cur);
    $("stepno").textContent = `step ${cur} / ${N - 1}`;
    $("first").disabled = $("prev").disabled = cur === 0;
    $("next").disabled = $("last").disabled = cur === N - 1;
    $("cur-lineno").textContent = cur === 0 ? "before line 1" : "line " + st.line;
    $("cur-text").textContent = st.text;
    $("cur-pid").textContent = st.pid ? "pid " + st.pid : "";
    $("cur-out").textContent = st.out || "";
    if (fromHash() !== cur) history.replaceState(null, "", "#step=" + cur);
    scrollListTo(cur);
    drawList(true);
    renderPanels();
    window.mmsimStep = cur;
    window.mmsimReady = true;
  }

  function renderPanels() {
    G = group();
    for (const [name, fn] of [
      ["addrspace", drawAddrspace],
      ["pagetables", drawPagetables],
      ["cpus", drawCpus],
      ["pagecache", drawPagecache],
      ["lru", drawLru],
      ["swap", drawSwap],
      ["counters", drawCounters],
      ["chain", drawChain],
    ]) {
      const el = document.querySelector(`[data-panel="${name}"]`);
      let items = 0;
      const kids = [];
      try {
        items = fn(kids, el);
      } catch (e) {
        kids.length = 0;
        kids.push(h("div", { class: "error", text: name + ": " + e.message }));
        console.error(e);
      }
      el.replaceChildren(...kids);
      el.dataset.items = String(items || 0);
      el.closest(".panel")?.classList.toggle("is-empty", !items);
    }
  }

  // An address space is named by the lowest pid of the tasks sharing it
  // (the `mm` of their proc/ keys, the PID of vma/ and pt/ keys).
  function mmOf(pid) {
    const p = G.proc.get(String(pid));
    return p && p.mm != null ? String(p.mm) : String(pid);
  }
  function tasksOf(mm) {
    const out = [];
    for (const [pid, p] of G.proc) if (String(p.mm ?? pid) === String(mm)) out.push(pid);
    return out.sort((a, b) => +a - +b);
  }
  function procLabel(mm) {
    const ts = tasksOf(mm);
    const p = G.proc.get(String(mm));
    const comm = p && p.comm ? ` (${p.comm})` : "";
    return ts.length > 1 ? `pids ${ts.join(", ")}${comm}` : `pid ${mm}${comm}`;
  }
  function pids() {
    const set = new Set([...[...G.proc.keys()].map(mmOf), ...G.vma.keys(), ...G.pt.keys()]);
    return [...set].sort((a, b) => +a - +b);
  }
  // The ASID of an address space, from a CPU that has it loaded.
  function asidOf(mm) {
    for (const c of G.cpu) if (c.v.pid != null && String(c.v.pid) === String(mm)) return c.v.asid;
    const p = G.proc.get(String(mm));
    return p ? p.asid : undefined;
  }

  // Address space: one column per process, VMAs to scale, gaps folded.
  function drawAddrspace(kids, el) {
    const ps = pids();
    if (ps.length === 0) {
      kids.push(empty("no process"));
      return 0;
    }
    const COLW = 250,
      BOXX = 78,
      BOXW = 118,
      TOP = 44,
      MINH = 22,
      MAXH = 200,
      GAPH = 26;
    let items = 0;
    const cols = [];
    let height = 0;
    for (const pid of ps) {
      const vmas = (G.vma.get(pid) || []).slice().sort((a, b) => hexCmp(b.v.start, a.v.start)); // high first
      const shown = vmas.slice(0, MAX_VMAS);
      const pages = shown.map((x) => Number((big(x.v.end) - big(x.v.start)) / BigInt(PAGE)) || 1);
      const maxP = Math.max(1, ...pages);
      const scale = MAXH / maxP; // px per page: the largest VMA gets MAXH
      const g = s("g", {});
      let y = TOP;
      const proc = G.proc.get(pid) || {};
      g.append(
        s("text", { x: 0, y: 16, "font-size": 13, "font-weight": 700, text: procLabel(pid) }),
        s("text", {
          x: 0,
          y: 32,
          "font-size": 11,
          fill: "#6b7280",
          class: "m",
          text: `${ROOT} ${proc.root != null ? "0x" + proc.root : "-"}  ${ASID} ${asidOf(pid) ?? "-"}  rss ${proc.rss ?? 0}`,
        })
      );
      for (let i = 0; i < shown.length; i++) {
        const v = shown[i].v;
        if (i > 0) {
          const gap = big(shown[i - 1].v.start) - big(v.end);
          if (gap > 0n) {
            const gp = Number(gap / BigInt(PAGE));
            const gh = gp * scale;
            if (gh > GAPH) {
              // Folded: a break mark labelled with the gap's size.
              const gy = y + 4;
              let zz = `M${BOXX} ${gy + 6}`;
              for (let x = BOXX; x < BOXX + BOXW; x += 10) zz += ` L${x + 5} ${gy + 2} L${x + 10} ${gy + 6}`;
              let zz2 = `M${BOXX} ${gy + 14}`;
              for (let x = BOXX; x < BOXX + BOXW; x += 10) zz2 += ` L${x + 5} ${gy + 10} L${x + 10} ${gy + 14}`;
              g.append(
                s("path", { d: zz, fill: "none", stroke: "#9aa3b2", "stroke-width": 1.2 }),
                s("path", { d: zz2, fill: "none", stroke: "#9aa3b2", "stroke-width": 1.2 }),
                s("rect", { x: BOXX + BOXW / 2 - 42, y: gy + 1, width: 84, height: 15, rx: 7, fill: "#fff", stroke: "#c9ced8" }),
                s("text", {
                  x: BOXX + BOXW / 2,
                  y: gy + 12,
                  "font-size": 10.5,
                  "text-anchor": "middle",
                  fill: "#4b5563",
                  text: "gap " + fmtSize(gap),
                })
              );
              y += GAPH;
            } else {
              y += Math.max(2, gh);
            }
          }
        }
        const hh = Math.max(MINH, pages[i] * scale);
        const isFile = v.file != null;
        const shared = (v.perms || "").endsWith("s");
        const fill = isFile ? (shared ? "var(--fileshared)" : "var(--file)") : v.anon_vma != null ? "var(--anon)" : "var(--anonnone)";
        const ch = changed.has(shown[i].key);
        const full = v.name || (isFile ? v.file : "[anon]");
        const name = full.includes("/") ? full.slice(full.lastIndexOf("/") + 1) || full : full;
        const size = big(v.end) - big(v.start);
        const box = s(
          "g",
          { class: "vma", "data-key": shown[i].key },
          title(
            `${v.start}-${v.end} ${v.perms} ${full}\n${fmtSize(size)}, offset ${v.offset}\n` +
              (isFile ? "file " + v.file : "anon_vma " + (v.anon_vma ?? "none")) +
              "\n" +
              (v.flags || []).join(" ")
          ),
          s("rect", {
            x: BOXX,
            y,
            width: BOXW,
            height: hh,
            rx: 3,
            fill: ch ? fill : fill,
            stroke: ch ? "var(--changed)" : "#6b7a90",
            "stroke-width": ch ? 3 : 1,
            "stroke-dasharray": !isFile && v.anon_vma == null ? "4 3" : null,
          }),
          s("text", { x: BOXX + 6, y: y + 14, "font-size": 11.5, "font-weight": 600, text: clip(name, 11) }),
          s("text", { x: BOXX + BOXW - 6, y: y + 14, "font-size": 11, "text-anchor": "end", class: "m", text: v.perms })
        );
        if (hh >= 34)
          box.append(
            s("text", {
              x: BOXX + 6,
              y: y + 29,
              "font-size": 10.5,
              fill: "#27303f",
              text: clip(isFile ? "file @" + v.offset : "anon_vma " + (v.anon_vma ?? "none"), 19),
            })
          );
        if (hh >= 48) box.append(s("text", { x: BOXX + 6, y: y + 43, "font-size": 10.5, fill: "#27303f", text: fmtSize(size) }));
        else box.append(s("text", { x: BOXX + BOXW + 8, y: y + hh / 2 + 4, "font-size": 10.5, fill: "#6b7280", text: fmtSize(size) }));
        if (ch) box.append(s("text", { x: BOXX + BOXW + 8, y: y + 14, "font-size": 10.5, fill: "var(--changed)", "font-weight": 700, text: "changed" }));
        // Addresses: the end above, the start below (high addresses on
        // top); a boundary two VMAs share is labelled once.
        if (i === 0 || shown[i - 1].v.start !== v.end)
          box.append(s("text", { x: BOXX - 6, y: y + 9, "font-size": 10, "text-anchor": "end", class: "m", fill: "#4b5563", text: v.end }));
        box.append(s("text", { x: BOXX - 6, y: y + hh, "font-size": 10, "text-anchor": "end", class: "m", fill: "#4b5563", text: v.start }));
        g.append(box);
        items++;
        y += hh;
      }
      if (vmas.length === 0) g.append(s("text", { x: BOXX, y: TOP + 14, "font-size": 11.5, fill: "#6b7280", text: "no VMA" }));
      if (vmas.length > shown.length)
        g.append(s("text", { x: BOXX, y: y + 16, "font-size": 11, fill: "#6b7280", text: `\u2026 ${vmas.length - shown.length} more VMAs not drawn` }));
      height = Math.max(height, y + 24);
      cols.push(g);
    }
    const W = COLW * ps.length;
    const svg = s("svg", { width: W, height, viewBox: `0 0 ${W} ${height}`, class: ps.length <= 2 ? "fit" : null, role: "img", "aria-label": "address space" });
    cols.forEach((g, i) => {
      g.setAttribute("transform", `translate(${i * COLW + 4},0)`);
      svg.append(g);
    });
    kids.push(svg);
    const gone = removed("vma/");
    if (gone.length)
      kids.push(
        h("div", { class: "removed" }, "unmapped by this step: ", ...gone.slice(0, 8).map((x) => h("code", { text: `${x.v.start}-${x.v.end} ` })))
      );
    return items;
  }

  // Page tables: the tree of the populated pages of one process.
  function drawPagetables(kids) {
    const ps = pids();
    const sel = $("ptproc");
    const mine = steps[cur].pid ? mmOf(steps[cur].pid) : null;
    const want = ptChoice && ps.includes(ptChoice) ? ptChoice : mine && ps.includes(mine) ? mine : ps[0];
    sel.replaceChildren(...ps.map((p) => h("option", { value: p, text: procLabel(p), selected: p === want ? "" : null })));
    sel.style.display = ps.length > 1 ? "" : "none";
    if (!want) {
      kids.push(empty("no process"));
      return 0;
    }
    const walks = (G.pt.get(want) || []).slice().sort((a, b) => hexCmp(a.va, b.va));
    if (walks.length === 0) {
      kids.push(empty(procLabel(want) + ": no page populated"));
      return 0;
    }
    // Build the tree.
    const root = { children: new Map(), path: "", hot: false };
    for (const w of walks) {
      const ch = changed.has(w.key);
      let node = root;
      if (ch) root.hot = true;
      const entries = Array.isArray(w.v) ? w.v : [];
      entries.forEach((e, d) => {
        const id = e.level + ":" + e.index;
        let c = node.children.get(id);
        if (!c) {
          c = { e, children: new Map(), path: node.path + "/" + id, hot: false, leaf: null, depth: d };
          node.children.set(id, c);
        }
        if (d === entries.length - 1) c.leaf = { va: w.va, changed: ch, e };
        if (ch) c.hot = true;
        node = c;
      });
    }
    const proc = G.proc.get(want) || {};
    const rows = [];
    let cut = 0;
    const walkTree = (node, depth) => {
      const kidsArr = [...node.children.values()];
      let list = kidsArr;
      let folded = 0;
      if (kidsArr.length > PT_FOLD && !ptOpen.has(node.path)) {
        // Keep the entries on a changed path, then the first and last few.
        const keep = new Set(kidsArr.filter((c) => c.hot).slice(0, PT_FOLD));
        kidsArr.slice(0, 6).forEach((c) => keep.add(c));
        kidsArr.slice(-3).forEach((c) => keep.add(c));
        list = kidsArr.filter((c) => keep.has(c));
        folded = kidsArr.length - list.length;
      }
      let prevIdx = -1;
      for (const c of list) {
        const pos = kidsArr.indexOf(c);
        if (folded && pos !== prevIdx + 1 && prevIdx >= -1 && pos > 0) {
          if (rows.length < MAX_PT_ROWS) rows.push({ fold: pos - prevIdx - 1, depth, path: node.path });
          else cut++;
        }
        prevIdx = pos;
        if (rows.length < MAX_PT_ROWS) rows.push({ node: c, depth });
        else cut++;
        walkTree(c, depth + 1);
      }
      if (folded && prevIdx < kidsArr.length - 1) rows.push({ fold: kidsArr.length - 1 - prevIdx, depth, path: node.path });
    };
    walkTree(root, 1);
    const RH = 21,
      IND = 22,
      PTW = 410;
    const maxDepth = Math.max(1, ...rows.map((r) => r.depth));
    const W = 8 + (maxDepth - 1) * IND + PTW + 160;
    const H = (rows.length + 1) * RH + 8;
    const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "fit", role: "img", "aria-label": "page tables" });
    svg.append(
      s("rect", { x: 2, y: 3, width: 150, height: RH - 4, rx: 3, fill: "#1d2330" }),
      s("text", { x: 8, y: 16, "font-size": 11.5, fill: "#fff", class: "m", text: `${ROOT} \u2192 0x${proc.root ?? "?"}` }),
      s("text", { x: 160, y: 16, "font-size": 11, fill: "#6b7280", text: `${procLabel(want)}, ${walks.length} page${walks.length === 1 ? "" : "s"} populated` + (asidOf(want) != null ? `, ${ASID} ${asidOf(want)}` : "") })
    );
    let items = 0;
    rows.forEach((r, i) => {
      const y = (i + 1) * RH + 4;
      const x = 8 + (r.depth - 1) * IND;
      // The tree's connector.
      svg.append(s("path", { d: `M${x - IND + 14} ${y - 4} V${y + 10} H${x}`, fill: "none", stroke: "#c3c9d3" }));
      if (r.fold) {
        const g = s(
          "g",
          { class: "ptmore", "data-path": r.path, onclick: () => { ptOpen.add(r.path); renderPanels(); } },
          s("text", { x: x + 4, y: y + 13, "font-size": 11, fill: "#6b7280", text: `\u22ee ${r.fold} more entries (click to open)` })
        );
        svg.append(g);
        return;
      }
      const e = r.node.e;
      const leaf = r.node.leaf;
      const isLeaf = !!leaf && r.node.children.size === 0;
      const end = isLeaf ? e.end || (e.swap ? "swap" : "page") : null;
      const isSwap = end === "swap";
      const hot = leaf ? leaf.changed : false;
      const fill = isSwap ? "var(--swp)" : isLeaf ? "var(--leaf)" : "var(--lvl)";
      const g = s("g", { class: "pte" + (isLeaf ? " leaf" : ""), "data-va": leaf ? leaf.va : null });
      g.append(
        title(`${e.level} index ${e.index} in table ${e.table}\nraw ${e.raw}\n${(e.bits || []).join(" ")}`),
        s("rect", {
          x,
          y,
          width: PTW,
          height: RH - 3,
          rx: 3,
          fill: hot ? "var(--changed-bg)" : fill,
          stroke: hot ? "var(--changed)" : r.node.hot && cur > 0 ? "#f3c27a" : "#d3d8e0",
          "stroke-width": hot ? 2 : 1,
        }),
        s("text", { x: x + 6, y: y + 13, "font-size": 11, "font-weight": 700, text: e.level }),
        s("text", { x: x + 40, y: y + 13, "font-size": 11, class: "m", text: `[${e.index}]` }),
        s("text", { x: x + 80, y: y + 13, "font-size": 11, class: "m", fill: "#4b5563", text: String(e.raw).padStart(16, "0") })
      );
      let bx = x + 194;
      if (isSwap) {
        const sw = e.swap || {};
        g.append(s("text", { x: bx, y: y + 13, "font-size": 11, fill: "#7b3f99", "font-weight": 600, text: `swap type ${sw.type} offset 0x${sw.offset}` + (sw.exclusive ? " excl" : "") }));
      } else if (end === "marker" || end === "none" || end === "bad") {
        const what = end === "marker" ? "marker " + (e.marker || []).join(" ") : end === "bad" ? "bad entry" : "none";
        g.append(s("text", { x: bx, y: y + 13, "font-size": 11, fill: end === "bad" ? "#b42318" : "#6b7280", text: what }));
      } else if (!e.bits || e.bits.length === 0) {
        g.append(s("text", { x: bx, y: y + 13, "font-size": 11, fill: "#6b7280", text: "none" }));
      } else {
        for (const b of e.bits) {
          const w = 6 * b.length + 6;
          const bad = b === "NX" ? "#e8eaef" : b === "D" ? "#fde2b8" : b === "RW" ? "#cfe3ff" : "#e8eef8";
          g.append(s("rect", { x: bx, y: y + 3, width: w, height: 13, rx: 2, fill: bad }), s("text", { x: bx + 3, y: y + 13, "font-size": 10, class: "m", text: b }));
          bx += w + 2;
        }
      }
      const tx = x + PTW - 6;
      const dest = isLeaf
        ? (end === "page" || end === "huge") && e.next != null
          ? `${end === "huge" ? "huge page" : "page"} 0x${e.next}`
          : ""
        : e.next != null
          ? `table 0x${e.next}`
          : "";
      g.append(s("text", { x: tx, y: y + 13, "font-size": 11, class: "m", "text-anchor": "end", fill: isLeaf ? "#1f7a3f" : "#374151", text: dest ? "\u2192 " + dest : "" }));
      if (isLeaf) g.append(s("text", { x: tx + 10, y: y + 13, "font-size": 10.5, class: "m", fill: "#6b7280", text: "va " + leaf.va }));
      svg.append(g);
      items++;
    });
    kids.push(svg);
    if (cut) kids.push(more(cut, "entries"));
    const pm = G.ptmore.get(want);
    if (pm) kids.push(h("div", { class: "more", text: `showing ${fmtNum(pm.shown)} of ${fmtNum(pm.total)} populated pages (the lowest)` }));
    const gone = removed("pt/" + want + "/");
    if (gone.length) kids.push(h("div", { class: "removed" }, "unmapped by this step: ", ...gone.slice(0, 8).map((x) => h("code", { text: "va " + x.key.split("/")[2] + " " }))));
    return items;
  }

  // CPUs: loaded root and ASID, and the TLB.
  function drawCpus(kids) {
    const cpus = G.cpu.sort((a, b) => a.n - b.n);
    if (cpus.length === 0) {
      kids.push(empty("no CPU"));
      return 0;
    }
    for (const c of cpus) {
      const v = c.v;
      const div = h("div", { class: "cpu" + (changed.has(c.key) ? " chg" : ""), "data-cpu": c.n });
      div.append(
        h(
          "div",
          { class: "cpu-head" },
          h("span", { class: "name", text: "CPU " + c.n }),
          h("span", { class: "kv" }, h("i", { text: "runs " }), v.pid != null ? procLabel(v.pid) : "idle"),
          h("span", { class: "kv" }, h("i", { text: ROOT + " " }), v.root != null ? "pfn 0x" + v.root : "-"),
          h("span", { class: "kv" }, h("i", { text: ASID + " " }), String(v.asid ?? "-")),
          h("span", { class: "kv" }, h("i", { text: "TLB hits " }), fmtNum(v.hits ?? 0), h("i", { text: " misses " }), fmtNum(v.misses ?? 0), h("i", { text: " flushes " }), fmtNum(v.flushes ?? 0))
        )
      );
      const entries = (G.tlb.get(String(c.n)) || []).slice();
      entries.sort((a, b) => (a.asid < b.asid ? -1 : a.asid > b.asid ? 1 : hexCmp(a.vpn, b.vpn)));
      const gone = removed(`tlb/${c.n}/`).map((x) => {
        const p = x.key.split("/");
        return { key: x.key, asid: p[2], vpn: p[3], v: x.v, gone: true };
      });
      const all = entries.concat(gone);
      if (all.length === 0) {
        div.append(h("div", { class: "empty", text: "TLB empty" }));
      } else {
        const tb = h("tbody");
        for (const t of all.slice(0, MAX_TLB)) {
          const va = (big(t.vpn) * BigInt(PAGE)).toString(16);
          const f = t.v || {};
          const flags = [f.w ? "W" : "-", f.u ? "U" : "-", f.d ? "D" : "-", f.g ? "G" : "-"].join("");
          tb.append(
            h(
              "tr",
              { class: "tlbe" + (t.gone ? " gone" : changed.has(t.key) ? " chg" : "") },
              h("td", { text: t.asid }),
              h("td", { text: va }),
              h("td", { text: f.pfn != null ? "0x" + f.pfn : "" }),
              h("td", { text: flags }),
              h("td", { text: t.gone ? "flushed" : changed.has(t.key) ? "new" : "" })
            )
          );
        }
        const table = h(
          "table",
          { class: "t" },
          h("thead", null, h("tr", null, ...[ASID, "virtual page", "pfn", "W U D G", ""].map((x) => h("th", { text: x })))),
          tb
        );
        div.append(h("div", { class: "tlbwrap" }, table));
        if (all.length > MAX_TLB) div.append(more(all.length - MAX_TLB, "TLB entries"));
      }
      if (v.entries != null && v.entries > entries.length)
        div.append(h("div", { class: "more", text: `the data holds ${fmtNum(entries.length)} of its ${fmtNum(v.entries)} TLB entries` }));
      kids.push(div);
    }
    return cpus.length;
  }

  // Page cache: one strip of cells per file.
  function drawPagecache(kids, el) {
    const files = G.file.slice().sort((a, b) => +a.ino - +b.ino);
    if (files.length === 0) {
      kids.push(empty("no file cached"));
      return 0;
    }
    const CELL = 14,
      PER = Math.max(8, Math.min(64, Math.floor(((el.clientWidth || 480) - 8) / (CELL + 2))));
    let items = 0;
    for (const f of files.slice(0, MAX_FILES)) {
      const v = f.v;
      const pcs = G.pc.get(f.ino) || [];
      // A folio of order o covers 2^o pages from its index.
      const byIdx = new Map();
      let top = 0;
      for (const p of pcs) {
        const nr = 2 ** Math.min(p.v.order || 0, 10);
        for (let j = 0; j < nr && p.index + j < MAX_PC_CELLS; j++) byIdx.set(p.index + j, p);
        top = Math.max(top, p.index + nr);
      }
      const nidx = Math.max(Math.ceil((v.size || 0) / PAGE), top);
      const n = Math.min(nidx, MAX_PC_CELLS);
      const rowsN = Math.max(1, Math.ceil(n / PER));
      const svg = s("svg", { width: PER * (CELL + 2) + 4, height: rowsN * (CELL + 2) + 16, role: "img", "aria-label": "page cache of " + v.name });
      for (let i = 0; i < n; i++) {
        const p = byIdx.get(i);
        const x = 2 + (i % PER) * (CELL + 2),
          y = 2 + Math.floor(i / PER) * (CELL + 2);
        const fl = p ? p.v.flags || [] : [];
        const fill = !p ? "var(--pcnone)" : fl.includes("dirty") ? "var(--pcdirty)" : fl.includes("writeback") ? "var(--pcwb)" : fl.includes("uptodate") ? "var(--pcup)" : "#d7dce4";
        const ch = p && changed.has(p.key);
        const mapped = p && (p.v.mapcount || 0) > 0;
        svg.append(
          s(
            "rect",
            {
              class: p ? "pc" : "pc-hole",
              "data-key": p ? p.key : null,
              x,
              y,
              width: CELL,
              height: CELL,
              rx: 2,
              fill,
              stroke: ch ? "var(--changed)" : mapped ? "#1d2330" : "#c9ced8",
              "stroke-width": ch || mapped ? 2 : 1,
            },
            title(p ? `index ${i}: folio at ${p.index} (order ${p.v.order ?? 0}), pfn 0x${p.v.pfn}\n${fl.join(" ")}\nmapcount ${p.v.mapcount ?? 0}` : `index ${i}: not cached`)
          )
        );
      }
      svg.append(s("text", { x: 2, y: rowsN * (CELL + 2) + 13, "font-size": 10, fill: "#6b7280", text: nidx > n ? `first ${n} of ${nidx} pages` : `index 0 \u2026 ${Math.max(0, n - 1)}` }));
      kids.push(
        h(
          "div",
          { class: "file", "data-ino": f.ino },
          h("h3", null, (v.name || "ino " + f.ino) + " ", h("span", { class: "sub", text: `ino ${f.ino} \u00b7 ${fmtSize(v.size || 0)} \u00b7 ${fmtNum(v.nrpages ?? pcs.length)} pages cached` })),
          svg,
          v.shown != null && v.nrpages > v.shown ? h("div", { class: "more", text: `the data holds ${fmtNum(v.shown)} of its ${fmtNum(v.nrpages)} pages` }) : null
        )
      );
      items++;
    }
    if (files.length > MAX_FILES) kids.push(more(files.length - MAX_FILES, "files"));
    return items;
  }

  // LRU lists: length bars, head and tail frames.
  function drawLru(kids) {
    const order = ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"];
    const lists = G.lru.slice().sort((a, b) => {
      const ia = order.indexOf(a.v.name),
        ib = order.indexOf(b.v.name);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a.key < b.key ? -1 : 1);
    });
    if (lists.length === 0) {
      kids.push(empty("no LRU list"));
      return 0;
    }
    const maxLen = Math.max(1, ...lists.map((l) => l.v.len || 0));
    for (const l of lists) {
      const v = l.v;
      const frames = h("div", { class: "lru-frames" });
      if ((v.len || 0) === 0) frames.append(h("b", { text: "empty" }));
      else {
        // Both ends in list order, head (most recently added) first.
        const head = v.head || [],
          tail = v.tail || [];
        frames.append(h("b", { text: "head " }), ...head.slice(0, 10).map((f) => h("span", { class: "chip", text: f })));
        if (head.length > 10 || tail.length) frames.append(h("b", { text: " \u2026 " }));
        frames.append(...tail.slice(-6).map((f) => h("span", { class: "chip", text: f })), h("b", { text: " tail" }));
      }
      kids.push(
        h(
          "div",
          { class: "lru-row" + (changed.has(l.key) ? " chg" : ""), "data-list": v.name },
          h("span", { class: "mono", text: v.name }),
          h("span", { class: "mono", style: "text-align:right", text: fmtNum(v.len || 0) }),
          h("div", null, h("div", { class: "bar", style: `width:${Math.max(2, (100 * (v.len || 0)) / maxLen)}%;${(v.len || 0) === 0 ? "opacity:.3" : ""}` }), frames)
        )
      );
    }
    return lists.length;
  }

  // Swap: one strip of slots per area.
  function drawSwap(kids, el) {
    const areas = G.swap.slice().sort((a, b) => +a.area - +b.area);
    if (areas.length === 0) {
      kids.push(empty("no swap area"));
      return 0;
    }
    const CELL = 9,
      PER = Math.max(16, Math.min(128, Math.floor(((el.clientWidth || 480) - 8) / (CELL + 1) / 8) * 8));
    for (const a of areas) {
      const v = a.v;
      const slots = G.slot.get(a.area) || [];
      const byOff = new Map(slots.map((x) => [Number(big(x.off)), x]));
      const n = Math.min(v.pages || 0, MAX_SLOTS);
      const rowsN = Math.max(1, Math.ceil(n / PER));
      const svg = s("svg", { width: PER * (CELL + 1) + 4, height: rowsN * (CELL + 1) + 4, role: "img", "aria-label": "swap slots of " + v.name });
      for (let i = 0; i < n; i++) {
        const x = 2 + (i % PER) * (CELL + 1),
          y = 2 + Math.floor(i / PER) * (CELL + 1);
        const sl = byOff.get(i);
        const ch = sl && changed.has(sl.key);
        const gone = !sl && changed.has(`slot/${a.area}/${i.toString(16)}`);
        svg.append(
          s(
            "rect",
            {
              class: sl ? "slot used" : "slot",
              x,
              y,
              width: CELL,
              height: CELL,
              rx: 1,
              fill: sl ? (sl.v.cache != null ? "var(--slotcache)" : "var(--slotused)") : "var(--slotfree)",
              stroke: ch || gone ? "var(--changed)" : "none",
              "stroke-width": ch || gone ? 2 : 0,
            },
            sl ? title(`slot ${i.toString(16)}: count ${sl.v.count}` + (sl.v.cache != null ? `, swap cache frame ${sl.v.cache}` : "")) : null
          )
        );
      }
      kids.push(
        h(
          "div",
          { class: "area", "data-area": a.area },
          h("h3", null, (v.name || "area " + a.area) + " ", h("span", { class: "sub", text: `area ${a.area} \u00b7 prio ${v.prio ?? "-"} \u00b7 ${fmtNum(v.used ?? slots.length)} of ${fmtNum(v.pages ?? 0)} slots used` })),
          svg,
          (v.pages || 0) > n ? more((v.pages || 0) - n, "slots") : null,
          v.shown != null && (v.used || 0) > v.shown ? h("div", { class: "more", text: `the data holds ${fmtNum(v.shown)} of the ${fmtNum(v.used)} used slots` }) : null
        )
      );
    }
    return areas.length;
  }

  // Counters: vmstat and meminfo with this step's changes.
  function drawCounters(kids) {
    const all = $("allcounters").checked;
    let items = 0;
    const box = h("div", { class: "counters" });
    for (const [label, arr, prefix] of [
      ["vmstat", G.vmstat, "vmstat/"],
      ["meminfo", G.meminfo, "meminfo/"],
    ]) {
      const rowsAll = arr.slice().sort((a, b) => (a.name < b.name ? -1 : 1));
      const rows = rowsAll.filter((r) => all || r.v !== 0 || changed.has(r.key));
      const tb = h("tbody");
      for (const r of rows.slice(0, MAX_COUNTERS)) {
        const ch = changed.has(r.key);
        const old = prev.get(r.key);
        let d = "";
        if (ch && typeof r.v === "number") {
          const diff = r.v - (typeof old === "number" ? old : 0);
          d = (diff > 0 ? "+" : "") + fmtNum(diff);
        }
        tb.append(
          h(
            "tr",
            { class: "ctr" + (ch ? " chg" : "") },
            h("td", { text: r.name }),
            h("td", { class: "num", text: fmtNum(r.v) }),
            h("td", { class: "num" }, d ? h("span", { class: "delta" + (d.startsWith("-") ? " neg" : ""), text: d }) : null)
          )
        );
        items++;
      }
      const hidden = rowsAll.length - rows.length;
      box.append(
        h(
          "div",
          null,
          h("h3", { text: label }),
          rows.length ? h("table", { class: "t" }, h("thead", null, h("tr", null, h("th", { text: "name" }), h("th", { text: "value" }), h("th", { text: "change" }))), tb) : empty("all zero"),
          rows.length > MAX_COUNTERS ? more(rows.length - MAX_COUNTERS, "counters") : null,
          hidden ? h("div", { class: "more", text: `${hidden} zero counters hidden` }) : null
        )
      );
    }
    const gone = removed("vmstat/").concat(removed("meminfo/"));
    if (items === 0 && gone.length === 0) {
      kids.push(empty("no counter"));
      return 0;
    }
    kids.push(box);
    return items;
  }

  // Call chain: an icicle of the step's folded stacks, and the trace text.
  function drawChain(kids, el) {
    const st = steps[cur];
    const chain = st.chain || [];
    const trace = st.trace || [];
    if (chain.length === 0 && trace.length === 0) {
      kids.push(empty(cur === 0 ? "the machine as built" : "this line called nothing traced"));
      return 0;
    }
    // Tree: a node's width is its own count plus its children's.
    const root = { name: "all", own: 0, total: 0, kids: new Map() };
    for (const [si, cnt] of chain) {
      const path = String(stacks[si] ?? "?").split(";");
      let n = root;
      for (const f of path) {
        let c = n.kids.get(f);
        if (!c) n.kids.set(f, (c = { name: f, own: 0, total: 0, kids: new Map() }));
        n = c;
      }
      n.own += cnt;
    }
    const sum = (n) => {
      let t = n.own;
      for (const c of n.kids.values()) t += sum(c);
      n.total = t;
      return t;
    };
    sum(root);
    const width = Math.max(480, Math.floor(((el.clientWidth || 1100) - 24) * 0.6));
    const RH = 19,
      MAXD = 40;
    let depth = 0,
      items = 0,
      narrow = 0;
    const nodes = [];
    const lay = (n, x, w, d) => {
      if (d > MAXD) return;
      if (w < 2) {
        narrow++;
        return;
      }
      depth = Math.max(depth, d);
      nodes.push({ n, x, w, d });
      let cx = x;
      const kidsArr = [...n.kids.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const c of kidsArr) {
        const cw = n.total ? (w * c.total) / n.total : 0;
        lay(c, cx, cw, d + 1);
        cx += cw;
      }
    };
    lay(root, 0, width, 0);
    const svg = s("svg", { width, height: (depth + 1) * RH + 2, role: "img", "aria-label": "call chain flame graph" });
    for (const { n, x, w, d } of nodes) {
      const g = s("g", { class: "fg-node" }, title(`${n.name}: ${n.total} call${n.total === 1 ? "" : "s"} in this subtree (${n.own} direct)`));
      g.append(s("rect", { x: x + 0.5, y: d * RH + 0.5, width: Math.max(1, w - 1), height: RH - 2, rx: 2, fill: d === 0 ? "#d7dce4" : hue(n.name) }));
      const label = n.total > 1 ? `${n.name} (${n.total})` : n.name;
      const chars = Math.floor((w - 6) / 6.6);
      if (chars >= 3) g.append(s("text", { x: x + 4, y: d * RH + 13, "font-size": 11, text: clip(label, chars) }));
      svg.append(g);
      if (d > 0) items++;
    }
    const left = h("div", null, svg);
    if (narrow) left.append(h("div", { class: "more", text: `${narrow} frames too narrow to draw` }));
    const pre = h("pre", { class: "trace" });
    pre.textContent = trace.join("\n") + (st.trace_more ? `\n\u2026 ${fmtNum(st.trace_more)} more trace lines` : "");
    kids.push(h("div", { class: "chainwrap" }, left, trace.length ? pre : empty("no trace text")));
    return items + (trace.length ? 1 : 0);
  }

  // ---- start -----------------------------------------------------------

  window.mmsim = { goto, steps: N, get step() { return cur; } };
  const start = fromHash();
  goto(start !== null ? start : 0);
})();
