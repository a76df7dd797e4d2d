// XOL view (webview script). Draws the state the extension posts: { body: XolStateBody | null,
// running, ended, syntax }. No framework: the page is rebuilt from the state on every message.
// @ts-check
(function () {
  // @ts-ignore
  const vscode = acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));
  document.body.dataset.view = 'xol';
  const SLOT_BYTES = 128;
  const SLOTS = 32;

  const FIXUP_TEXT = {
    UPROBE_FIX_IP: 'after the step, ip is moved back from the slot: ip += vaddr - slot',
    UPROBE_FIX_CALL: 'a call: the return address pushed from the slot is corrected to the original next instruction',
    UPROBE_FIX_SETF: 'TF was set for the step: the saved flags get TF cleared again',
    UPROBE_FIX_RIP_AX: 'RIP-relative operand rewritten to use %rax, loaded with the original next ip',
    UPROBE_FIX_RIP_BX: 'RIP-relative operand rewritten to use %rbx, loaded with the original next ip',
    UPROBE_FIX_RIP_CX: 'RIP-relative operand rewritten to use %rcx, loaded with the original next ip',
    UPROBE_FIX_RIP_SI: 'RIP-relative operand rewritten to use %rsi, loaded with the original next ip',
    UPROBE_FIX_RIP_DI: 'RIP-relative operand rewritten to use %rdi, loaded with the original next ip',
  };

  // @ts-ignore: h comes from dom.js
  const h = window.h;

  /** @param {string} s */
  const bytesOf = (s) => (s || '').trim().split(/\s+/).filter(Boolean);

  /**
   * Which byte positions the kernel rewrote: the ModRM of a RIP-relative operand (mod=00, r/m=101)
   * changed to name the scratch register, its 32-bit displacement after it, and a REX prefix whose bits
   * changed. Returns { modrm, disp: [from, to), rex, changed: Set }.
   * @param {string[]} a @param {string[]} b
   */
  function rewrite(a, b) {
    const changed = new Set();
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) changed.add(i);
    let modrm = -1, rex = -1;
    for (const i of changed) {
      const o = parseInt(a[i], 16);
      if ((o & 0xc7) === 0x05 && modrm < 0) modrm = i;
      else if (o >= 0x40 && o <= 0x4f && rex < 0) rex = i;
    }
    const disp = modrm >= 0 ? [modrm + 1, modrm + 5] : [-1, -1];
    return { modrm, disp, rex, changed };
  }

  /** @param {string[]} bytes @param {ReturnType<typeof rewrite>} rw @param {string} id */
  function byteRow(bytes, rw, id) {
    return h('div', { class: 'bytes', id }, ...bytes.map((x, i) => {
      let cls = 'byte';
      let title = `byte ${i}: 0x${x}`;
      if (i === rw.modrm) { cls += ' modrm'; title += ' — ModRM (rewritten)'; }
      else if (i >= rw.disp[0] && i < rw.disp[1]) { cls += ' disp'; title += ' — displacement (kept)'; }
      else if (i === rw.rex) { cls += ' rex'; title += ' — REX prefix (rewritten)'; }
      else if (rw.changed.has(i)) { cls += ' changed'; title += ' — changed'; }
      return h('span', { class: cls, title }, x);
    }));
  }

  const PHASES_XOL = ['hit', 'handlers', 'pre_xol', 'single-step', 'post_xol', 'resume'];
  const PHASES_EMU = ['hit', 'handlers', 'emulate', 'resume'];
  const PHASE_TEXT = {
    'hit': 'int3 trap: handle_swbp finds the uprobe',
    'handlers': 'handler_chain: each consumer\'s handler runs',
    'pre_xol': 'arch_uprobe_pre_xol: copy to a slot, rewrite, set TF, ip = slot',
    'single-step': 'the slot instruction runs; the debug trap follows',
    'post_xol': 'arch_uprobe_post_xol: fixups, scratch register restored',
    'emulate': 'the instruction is emulated (or skipped): no slot, no single-step',
    'resume': 'back to user space after the probed instruction',
  };

  /** @param {any} b @param {string|null} emulated */
  function timeline(b, emulated) {
    const emu = !!b.emulate || !!emulated;
    const phases = emu ? PHASES_EMU : PHASES_XOL;
    let cur = phases.indexOf(b.phase);
    // After the hit: phase reads idle again; how far it got tells what is done.
    let done = -1;
    if (cur < 0) {
      if (b.phase === 'abort' || b.abort) done = b.slot ? 2 : 1;
      else if (b.changes || emu) done = phases.length - 1; // resumed
      else if (b.slot) done = 2;
      else if (b.handlers && b.handlers.length) done = 1;
      else if (b.probe) done = 0;
    } else done = cur - 1;
    return h('ol', { class: 'timeline', id: 'xol-timeline' }, ...phases.map((p, i) => {
      const state = i === cur ? 'current' : i <= done ? 'done' : 'todo';
      return h('li', { class: `phase ${state}`, 'data-phase': p, title: PHASE_TEXT[p] || p, 'aria-current': i === cur ? 'step' : undefined },
        h('span', { class: 'dot' }), h('span', { class: 'pname' }, p));
    }), b.abort ? h('li', { class: 'phase abort current', title: b.abort }, h('span', { class: 'dot' }), h('span', { class: 'pname' }, 'abort')) : null);
  }

  /** @param {any} b */
  function xolPage(b) {
    const s = b.slot;
    const index = s ? s.index : -1;
    const base = s ? BigInt(s.address) - BigInt(index * SLOT_BYTES) : null;
    const current = b.model !== '2012';
    const cells = [];
    for (let i = 0; i < SLOTS; i++) {
      let cls = 'slot';
      let label = String(i);
      let title = base !== null ? `slot ${i} at 0x${(base + BigInt(i * SLOT_BYTES)).toString(16)}` : `slot ${i}`;
      if (i === 0 && current) { cls += ' tramp'; title += ': the uretprobe trampoline'; }
      if (i === index) { cls += ' active'; title += ': this hit\'s slot'; }
      cells.push(h('div', { class: cls, title, 'data-slot': i }, label));
    }
    return h('section', { class: 'page' },
      h('h3', {}, 'XOL page ', h('span', { class: 'muted' }, base !== null ? `0x${base.toString(16)} – 0x${(base + 4096n).toString(16)}, ${SLOTS} slots × ${SLOT_BYTES} bytes` : `${SLOTS} slots × ${SLOT_BYTES} bytes`)),
      h('div', { class: 'slots', id: 'xol-slots' }, ...cells),
      h('div', { class: 'legend' },
        current ? h('span', {}, h('i', { class: 'sw tramp' }), 'trampoline') : null,
        h('span', {}, h('i', { class: 'sw active' }), 'active slot')));
  }

  /** @param {any} b */
  function slotSection(b) {
    const s = b.slot;
    if (!s) {
      if (b.emulate) {
        return h('section', { class: 'slot-detail' }, h('h3', {}, 'No slot: emulated'),
          h('p', {}, `The kernel emulates this ${b.emulate.kind} instead of stepping it out of line: ip ${b.emulate.ipBefore} → ${b.emulate.ipAfter}.`));
      }
      return null;
    }
    const a = bytesOf(s.originalBytes), c = bytesOf(s.slotBytes);
    const rw = rewrite(a, c);
    return h('section', { class: 'slot-detail', id: 'xol-slot' },
      h('h3', {}, `Slot ${s.index} `, h('span', { class: 'muted' }, `at ${s.address}`)),
      h('div', { class: 'compare' },
        h('div', { class: 'col' },
          h('div', { class: 'cap' }, 'original ', h('span', { class: 'muted' }, b.probe ? `at ${b.probe.address}` : '')),
          byteRow(a, rw, 'xol-orig-bytes'),
          h('code', { class: 'dis', id: 'xol-orig-insn' }, s.originalInstruction)),
        h('div', { class: 'arrow' }, '→'),
        h('div', { class: 'col' },
          h('div', { class: 'cap' }, 'in the slot ', h('span', { class: 'muted' }, `at ${s.address}`)),
          byteRow(c, rw, 'xol-slot-bytes'),
          h('code', { class: 'dis', id: 'xol-slot-insn' }, s.slotInstruction))),
      rw.modrm >= 0 ? h('div', { class: 'legend' },
        h('span', {}, h('i', { class: 'sw modrm' }), `ModRM 0x${a[rw.modrm]} → 0x${c[rw.modrm]}`),
        h('span', {}, h('i', { class: 'sw disp' }), 'disp32 (unchanged, now relative to the scratch register)'),
        rw.rex >= 0 ? h('span', {}, h('i', { class: 'sw rex' }), `REX 0x${a[rw.rex]} → 0x${c[rw.rex]}`) : null)
        : rw.changed.size ? h('div', { class: 'legend' }, h('span', {}, h('i', { class: 'sw changed' }), 'changed bytes'))
          : h('div', { class: 'legend muted' }, 'copied unchanged'));
  }

  /** @param {any} b */
  function fixupsSection(b) {
    const f = b.fixups || [];
    return h('section', { class: 'fixups', id: 'xol-fixups' },
      h('h3', {}, 'Fixups'),
      f.length ? h('ul', {}, ...f.map((x) => h('li', {}, h('code', { class: 'flag' }, x), ' ', h('span', { class: 'muted' }, FIXUP_TEXT[x] || ''))))
        : h('p', { class: 'muted' }, b.emulate ? 'none (emulated)' : 'none'));
  }

  /** @param {any} b */
  function scratchSection(b) {
    const s = b.scratch;
    if (!s) return null;
    const restore = (b.changes || []).find((c) => c.what === `restore %${s.reg}`);
    return h('section', { class: 'scratch', id: 'xol-scratch' },
      h('h3', {}, 'Scratch register ', h('code', {}, `%${s.reg}`)),
      h('table', {},
        h('tr', {}, h('th', {}, 'saved (task value)'), h('td', {}, h('code', {}, s.saved))),
        h('tr', {}, h('th', {}, 'loaded for the step (next ip)'), h('td', {}, h('code', {}, s.loaded))),
        h('tr', {}, h('th', {}, 'restored after the step'), h('td', {}, restore ? h('code', {}, restore.after) : h('span', { class: 'muted' }, 'not yet')))));
  }

  /** @param {any} b */
  function changesSection(b) {
    const c = b.changes;
    if (!c || !c.length) return null;
    return h('section', { class: 'changes', id: 'xol-changes' },
      h('h3', {}, 'post_xol'),
      h('table', {}, h('tr', {}, h('th', {}, 'what'), h('th', {}, 'before'), h('th', {}, 'after')),
        ...c.map((x) => h('tr', {}, h('td', {}, x.what), h('td', {}, h('code', {}, x.before)), h('td', {}, h('code', {}, x.after))))));
  }

  /** @param {any} b */
  function probeSection(b) {
    const p = b.probe;
    if (!p) return null;
    const results = new Map((b.handlers || []).map((x) => [x.consumer, x.result]));
    return h('section', { class: 'probe' },
      h('h3', {}, 'Probe ', h('code', {}, p.address), ' ', h('span', { class: 'muted' }, `${p.path.split('/').pop()}:${p.offset}`)),
      h('div', {}, h('code', { class: 'dis' }, p.instruction), ' ', h('span', { class: 'muted' }, p.bytes)),
      h('div', { class: 'muted' }, `${p.hits} hit${p.hits === 1 ? '' : 's'}`),
      h('ul', { class: 'consumers' }, ...p.consumers.map((c) => h('li', {}, c,
        results.has(c) ? h('span', { class: 'muted' }, ` → ${results.get(c) === 0 ? '0 (keep)' : `${results.get(c)} (UPROBE_HANDLER_REMOVE)`}`) : null))));
  }

  /** @param {any} m */
  function render(m) {
    const b = m.body;
    root.replaceChildren();
    const bar = h('div', { class: 'bar' },
      b ? h('span', { class: `badge phase-${b.phase}`, id: 'xol-phase' }, b.phase) : null,
      b ? h('span', { class: 'muted', title: 'enum uprobe_task_state' }, b.state) : null,
      b ? h('span', { class: 'muted' }, `model ${b.model}`) : null,
      m.running ? h('span', { class: 'muted' }, 'running…') : null,
      m.ended ? h('span', { class: 'muted' }, 'session ended') : null,
      h('span', { class: 'grow' }),
      h('label', { class: 'syntax' }, 'syntax ',
        h('select', { onchange: (/** @type {Event} */ e) => vscode.postMessage({ type: 'syntax', syntax: /** @type {HTMLSelectElement} */ (e.target).value }) },
          h('option', { value: 'att', selected: m.syntax === 'att' }, 'AT&T'),
          h('option', { value: 'intel', selected: m.syntax === 'intel' }, 'Intel'))));
    root.append(bar);
    if (!b || !b.probe) {
      root.append(h('p', { class: 'empty' }, m.session
        ? 'No uprobe hit yet. Set a breakpoint (every breakpoint is a uprobe) or a probe, run to it, then step (F11) to walk the kernel\'s path: handlers, pre_xol, single-step, post_xol.'
        : 'Start a Uprobe Lab debug session (F5) and stop at a breakpoint: the XOL slot of the hit is drawn here.'));
      if (b) root.append(xolPage(b));
      return;
    }
    root.append(timeline(b, m.emulated), probeSection(b) || '', xolPage(b));
    for (const s of [slotSection(b), fixupsSection(b), scratchSection(b), changesSection(b)]) if (s) root.append(s);
    if (b.heldSignals && b.heldSignals.length) root.append(h('section', {}, h('h3', {}, 'Signals held during XOL'), h('p', {}, b.heldSignals.join(', '))));
    if (b.abort) root.append(h('section', { class: 'abort' }, h('h3', {}, 'Aborted'), h('p', {}, b.abort)));
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m && m.type === 'state') { vscode.setState(m); render(m); }
  });
  const saved = vscode.getState();
  if (saved) render(saved); else render({ body: null, session: false, syntax: 'att' });
  vscode.postMessage({ type: 'ready' });
})();
