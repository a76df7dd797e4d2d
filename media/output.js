// Consumer Output view (webview script): trace lines in the kernel's format with a filter, per-event
// toggles, a chart of hits over time per event, export and uprobe_profile. Messages in: reset, append,
// status, profile. Messages out: ready, export, profile, profileDoc, clear.
// @ts-check
(function () {
  // @ts-ignore
  const vscode = acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));
  document.body.dataset.view = 'output';
  const MAX_VIEW = 20000;   // lines held here
  const MAX_SHOWN = 3000;   // lines in the DOM
  const BINS = 48;
  const COLORS = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

  /** @type {{n:number,key:string,line:string,ts:number,source:string}[]} */
  let lines = [];
  /** @type {Map<string, number>} */
  let counts = new Map();
  /** @type {Map<string, number[]>} per event: timestamps (held lines) */
  let times = new Map();
  let known = /** @type {string[]} */ ([]);
  let dropped = 0;
  const st = Object.assign({ filter: '', hidden: /** @type {string[]} */ ([]), follow: true }, vscode.getState() || {});
  const hidden = new Set(st.hidden);
  let status = { state: 'none', exitCode: undefined, program: undefined };
  let profile = /** @type {string|null} */ (null);

  const save = () => vscode.setState({ filter: st.filter, hidden: [...hidden], follow: st.follow });

  // @ts-ignore: h comes from dom.js
  const h = window.h;
  /** @param {string} tag @param {Record<string, any>} attrs */
  function svg(tag, attrs) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  /** Same rules as the extension's matcher(): /regexp/flags, or words (all must appear; -word must not). */
  function matcher(/** @type {string} */ filter) {
    const f = filter.trim();
    if (!f) return () => true;
    const re = /^\/(.*)\/([a-z]*)$/.exec(f);
    if (re) {
      try { const r = new RegExp(re[1], re[2].replace(/g/g, '')); return (/** @type {string} */ t) => r.test(t); } catch (e) { /* words */ }
    }
    const words = f.toLowerCase().split(/\s+/);
    const want = words.filter((w) => !w.startsWith('-') || w.length === 1);
    const not = words.filter((w) => w.startsWith('-') && w.length > 1).map((w) => w.slice(1));
    return (/** @type {string} */ t) => { const s = t.toLowerCase(); return want.every((w) => s.includes(w)) && !not.some((w) => s.includes(w)); };
  }

  const colorOf = new Map();
  function color(/** @type {string} */ key) {
    if (!colorOf.has(key)) colorOf.set(key, COLORS[colorOf.size % COLORS.length]);
    return `var(--vscode-charts-${colorOf.get(key)})`;
  }

  // ---- layout ------------------------------------------------------------------------------------
  const filterInput = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', id: 'out-filter', placeholder: 'Filter: words, -exclude, or /regexp/', value: st.filter,
    'aria-label': 'Filter trace lines',
    oninput: () => { st.filter = filterInput.value; save(); renderLines(); },
  }));
  const followBox = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: st.follow, onchange: () => { st.follow = followBox.checked; save(); } }));
  const statusEl = h('span', { class: 'muted', id: 'out-status' });
  const countEl = h('span', { class: 'muted', id: 'out-count' });
  const chartEl = h('div', { class: 'chart', id: 'out-chart' });
  const listEl = h('pre', { class: 'lines', id: 'out-lines', tabindex: '0', 'aria-label': 'Trace lines' });
  const profileEl = h('div', { class: 'profile', id: 'out-profile' });

  root.append(
    h('div', { class: 'bar' },
      filterInput,
      h('button', { class: 'primary', title: 'Save the shown lines (kernel trace format, or .jsonl)', id: 'out-export', onclick: () => vscode.postMessage({ type: 'export', filter: st.filter, hidden: [...hidden] }) }, 'Export…'),
      h('button', { title: 'Show uprobe_profile: hits per event', id: 'out-profile-btn', onclick: () => vscode.postMessage({ type: 'profile' }) }, 'uprobe_profile'),
      h('button', { title: 'Clear the lines', onclick: () => vscode.postMessage({ type: 'clear' }) }, 'Clear'),
      h('label', { class: 'follow', title: 'Keep the newest line in view' }, followBox, ' follow')),
    h('div', { class: 'sub' }, statusEl, h('span', { class: 'grow' }), countEl),
    chartEl, profileEl, listEl);

  // ---- chart -------------------------------------------------------------------------------------
  function renderChart() {
    chartEl.replaceChildren();
    const keys = [...new Set([...known, ...counts.keys()])];
    if (!keys.length) { chartEl.append(h('div', { class: 'muted' }, status.state === 'none' ? 'No session yet.' : 'No probe events defined.')); return; }
    let t0 = Infinity, t1 = -Infinity;
    for (const ts of times.values()) { if (ts.length) { t0 = Math.min(t0, ts[0]); t1 = Math.max(t1, ts[ts.length - 1]); } }
    const span = t1 > t0 ? t1 - t0 : 1;
    for (const key of keys) {
      const ts = times.get(key) || [];
      const bins = new Array(BINS).fill(0);
      for (const t of ts) bins[Math.min(BINS - 1, Math.floor(((t - t0) / span) * BINS))]++;
      const max = Math.max(1, ...bins);
      const s = svg('svg', { class: 'spark', viewBox: `0 0 ${BINS * 3} 16`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${key}: hits over time` });
      bins.forEach((v, i) => {
        if (!v) return;
        const hgt = Math.max(1.5, (v / max) * 16);
        s.append(svg('rect', { x: i * 3, y: 16 - hgt, width: 2.4, height: hgt, fill: color(key) }));
      });
      const off = hidden.has(key);
      chartEl.append(h('div', { class: `row${off ? ' off' : ''}`, 'data-event': key },
        h('button', {
          class: 'ev', title: off ? 'Show this event\'s lines' : 'Hide this event\'s lines', 'aria-pressed': String(!off),
          onclick: () => { if (hidden.has(key)) hidden.delete(key); else hidden.add(key); save(); renderChart(); renderLines(); },
        }, h('i', { class: 'sw', style: undefined }), key),
        s,
        h('span', { class: 'num' }, String(counts.get(key) || 0))));
      const sw = /** @type {HTMLElement} */ (chartEl.lastElementChild?.querySelector('.sw'));
      if (sw) sw.style.background = color(key);
    }
    if (t1 > t0) chartEl.append(h('div', { class: 'axis muted' }, h('span', {}, '0 s'), h('span', {}, `${(t1 - t0).toFixed(6)} s`)));
  }

  // ---- lines -------------------------------------------------------------------------------------
  let shown = 0;
  function keep() { const m = matcher(st.filter); return (/** @type {{key:string,line:string}} */ l) => !hidden.has(l.key) && m(l.line); }

  function lineEl(/** @type {{key:string,line:string,source:string}} */ l) {
    const e = h('div', { class: `ln${l.source === 'logpoint' ? ' logpoint' : ''}`, 'data-event': l.key }, l.line);
    e.style.borderLeftColor = color(l.key);
    return e;
  }

  function renderLines() {
    const k = keep();
    const match = lines.filter(k);
    const part = match.slice(-MAX_SHOWN);
    listEl.replaceChildren(...part.map(lineEl));
    shown = match.length;
    updateCount();
    if (!lines.length) listEl.append(h('div', { class: 'muted' }, 'Trace lines of the probes (launch.json "probes", the Uprobes view, logpoints) appear here.'));
    if (st.follow) listEl.scrollTop = listEl.scrollHeight;
  }

  function updateCount() {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    countEl.textContent = `${shown === total ? total : `${shown} of ${total}`} line${total === 1 ? '' : 's'}${dropped ? ` (${dropped} oldest not held)` : ''}`;
  }

  function append(/** @type {typeof lines} */ add) {
    if (!lines.length) listEl.replaceChildren();
    const k = keep();
    for (const l of add) {
      lines.push(l);
      counts.set(l.key, (counts.get(l.key) || 0) + 1);
      let t = times.get(l.key); if (!t) times.set(l.key, t = []); t.push(l.ts);
      if (k(l)) { listEl.append(lineEl(l)); shown++; }
    }
    if (lines.length > MAX_VIEW * 1.1) {
      const cut = lines.length - MAX_VIEW;
      lines.splice(0, cut);
      dropped += cut;
      rebuildTimes();
    }
    while (listEl.childElementCount > MAX_SHOWN) listEl.firstElementChild?.remove();
    updateCount();
    scheduleChart();
    if (st.follow) listEl.scrollTop = listEl.scrollHeight;
  }

  function rebuildTimes() {
    times = new Map();
    for (const l of lines) { let t = times.get(l.key); if (!t) times.set(l.key, t = []); t.push(l.ts); }
  }

  let chartTimer = 0;
  function scheduleChart() { if (!chartTimer) chartTimer = setTimeout(() => { chartTimer = 0; renderChart(); }, 250); }

  function renderStatus() {
    const s = status;
    const text = s.state === 'none' ? 'no session' : s.state === 'exited' ? `${s.program || 'program'} exited${s.exitCode !== undefined ? ` with status ${s.exitCode}` : ''}` : `${s.program || 'program'}: ${s.state}`;
    statusEl.textContent = text;
  }

  function renderProfile() {
    profileEl.replaceChildren();
    if (profile === null) return;
    profileEl.append(
      h('div', { class: 'phead' }, h('strong', {}, 'uprobe_profile'), h('span', { class: 'grow' }),
        h('button', { title: 'Refresh', onclick: () => vscode.postMessage({ type: 'profile' }) }, 'Refresh'),
        h('button', { title: 'Open in an editor', onclick: () => vscode.postMessage({ type: 'profileDoc' }) }, 'Open'),
        h('button', { title: 'Close', onclick: () => { profile = null; renderProfile(); } }, '×')),
      profileTable(profile));
  }

  /** uprobe_profile lines ("  FILE EVENT HITS") as a table: the file's name, the event, its hits. */
  function profileTable(/** @type {string} */ text) {
    const rows = text.split('\n').map((l) => /^\s*(\S+)\s+(\S+)\s+(\d+)\s*$/.exec(l)).filter(Boolean);
    if (!rows.length) return h('div', { class: 'muted', id: 'out-profile-text' }, '(no events)');
    return h('table', { class: 'ptable', id: 'out-profile-text' },
      h('tr', {}, h('th', {}, 'file'), h('th', {}, 'event'), h('th', { class: 'num' }, 'hits')),
      ...rows.map((m) => h('tr', { 'data-event': m[2], 'data-hits': m[3] },
        h('td', { title: m[1] }, m[1].split('/').pop() || m[1]), h('td', {}, m[2]), h('td', { class: 'num' }, m[3]))));
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    switch (m && m.type) {
      case 'reset':
        lines = []; counts = new Map(); times = new Map(); dropped = m.dropped || 0; profile = null;
        listEl.replaceChildren();
        append(m.lines || []);
        counts = new Map(m.counts || []);
        renderLines(); renderChart(); renderProfile();
        break;
      case 'append': append(m.lines); break;
      case 'status': status = m; known = m.events || []; renderStatus(); scheduleChart(); break;
      case 'profile': profile = m.text; renderProfile(); break;
    }
  });
  renderStatus(); renderLines(); renderChart();
  vscode.postMessage({ type: 'ready' });
})();
