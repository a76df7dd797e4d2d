// End to end in a real VS Code workbench: code-server (VS Code served to a browser) in headless Chromium,
// driven by playwright-core. Installs the packaged extension, opens a copy of samples/, sets a
// breakpoint by clicking the gutter, presses F5, checks that the editor is paused on that line, steps
// into the XOL slot (F11) and checks what the XOL view draws, checks the Consumer Output view, and
// saves the screenshots the README shows (docs/screenshots/).
//
// Run by `npm run test:e2e` (scripts/e2e-setup.mjs installs code-server and packages the .vsix first);
// under plain `npm test` it defines no test.

import { test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { need, ROOT } from '../util';
import { lineToOffsets } from '../../extension/probeDefs';

const E2E_DIR = path.resolve(process.env.UPROBE_LAB_E2E_DIR || path.join(ROOT, '.e2e'));
const CODE_SERVER = path.join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
const VSIX = process.env.UPROBE_LAB_VSIX ? path.resolve(process.env.UPROBE_LAB_VSIX) : path.join(E2E_DIR, 'uprobe-lab.vsix');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'docs', 'screenshots');
const SOURCE = 'src/fixups.s';

// ---- the little of playwright-core this test uses (loaded at run time: it is a devDependency) ----
interface Box { x: number; y: number; width: number; height: number }
interface ElementHandle { click(o?: object): Promise<void>; getAttribute(n: string): Promise<string | null>; boundingBox(): Promise<Box | null>; screenshot(o: object): Promise<Buffer> }
interface Frame {
  url(): string;
  evaluate<R, A = undefined>(fn: (a: A) => R, arg?: A): Promise<R>;
  $(sel: string): Promise<ElementHandle | null>;
}
interface Page extends Frame {
  goto(url: string, o?: object): Promise<unknown>;
  waitForSelector(sel: string, o?: object): Promise<ElementHandle | null>;
  waitForTimeout(ms: number): Promise<void>;
  keyboard: { press(k: string): Promise<void>; type(t: string, o?: object): Promise<void> };
  mouse: { move(x: number, y: number, o?: object): Promise<void>; click(x: number, y: number): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  screenshot(o: object): Promise<Buffer>;
  frames(): Frame[];
  $$(sel: string): Promise<ElementHandle[]>;
}
interface Browser { newPage(o?: object): Promise<Page>; close(): Promise<void> }
interface Playwright { chromium: { launch(o: object): Promise<Browser> } }

function loadPlaywright(): Playwright | undefined {
  for (const base of [path.join(ROOT, 'package.json'), path.join(E2E_DIR, 'tools', 'package.json')]) {
    try { return createRequire(base)('playwright-core') as Playwright; } catch { /* next */ }
  }
  return undefined;
}

// Functions passed to evaluate() run in the browser page; the project compiles without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(e: any, pseudo?: string): { display: string; content: string };

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Poll `f` until it returns a truthy value; throws with `what` after `ms`. */
async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30_000, every = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(every);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The line of `src` after the label `label:` (1-based), where the probed instruction is. */
function lineAfterLabel(src: string, label: string): number {
  const lines = fs.readFileSync(src, 'utf8').split('\n');
  const i = lines.findIndex(l => l.trim() === `${label}:`);
  assert.ok(i >= 0, `label ${label} in ${src}`);
  return i + 2;
}

const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.fontSize': 13,
  'workbench.colorTheme': 'Default Dark Modern',
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
  'workbench.layoutControl.enabled': false,
  'debug.toolBarLocation': 'floating',
  'debug.openDebug': 'openOnDebugBreak',
  'debug.internalConsoleOptions': 'neverOpen',
};

// Keys for the commands the test runs (the views' focus commands come with their contribution).
const KEYS: Record<string, string> = {
  'Control+Alt+Shift+1': 'uprobeLab.probes.focus',
  'Control+Alt+Shift+2': 'uprobeLab.xol.focus',
  'Control+Alt+Shift+3': 'uprobeLab.output.focus',
  'Control+Alt+Shift+4': 'workbench.action.closePanel',
  'Control+Alt+Shift+5': 'workbench.action.focusActiveEditorGroup',
  'Control+Alt+Shift+6': 'workbench.view.debug',
};
const key = (command: string) => Object.keys(KEYS).find(k => KEYS[k] === command)!;

if (process.env.UPROBE_LAB_E2E !== '1') {
  // Not a skipped test: this file belongs to `npm run test:e2e`, which sets UPROBE_LAB_E2E=1.
  console.log('# workbench end to end: run by npm run test:e2e');
} else {
  test('in a real VS Code workbench: gutter breakpoint, F5, paused on the line, XOL slot and fixups, consumer output', { timeout: 290_000 }, async (t: TestContext) => {
    if (!need(t, fs.existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`)) return;
    if (!need(t, fs.existsSync(CODE_SERVER), `code-server is not set up in ${E2E_DIR} (node scripts/e2e-setup.mjs)`)) return;
    if (!need(t, fs.existsSync(VSIX), `no .vsix at ${VSIX} (node scripts/e2e-setup.mjs packages one)`)) return;
    const pw = loadPlaywright();
    if (!need(t, !!pw, 'playwright-core is not installed (npm ci, or node scripts/e2e-setup.mjs)')) return;

    const started = Date.now();
    const log = (s: string) => console.log(`e2e [${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'uprobe-lab-e2e-'));
    const userData = path.join(work, 'user-data'), exts = path.join(work, 'extensions'), folder = path.join(work, 'samples');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
    fs.writeFileSync(path.join(userData, 'User', 'keybindings.json'), JSON.stringify(Object.entries(KEYS).map(([k, command]) => ({ key: k.toLowerCase().replace('control', 'ctrl'), command })), null, 2));
    fs.cpSync(path.join(ROOT, 'samples'), folder, { recursive: true });
    const srcFile = path.join(folder, SOURCE);
    const bpLine = lineAfterLabel(srcFile, 'riprel_load');
    const nextLine = lineAfterLabel(srcFile, 'after_load');
    fs.mkdirSync(SHOTS, { recursive: true });

    const inst = spawnSync(CODE_SERVER, ['--user-data-dir', userData, '--extensions-dir', exts, '--install-extension', VSIX], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(inst.status, 0, `code-server --install-extension failed: ${inst.stdout}${inst.stderr}`);
    log(`installed ${path.basename(VSIX)}`);

    const port = await freePort();
    fs.writeFileSync(path.join(work, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    let serverOut = '';
    const server: ChildProcess = spawn(CODE_SERVER, [
      '--config', path.join(work, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userData, '--extensions-dir', exts, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', folder,
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server.stdout!.on('data', (d: Buffer) => { serverOut += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { serverOut += d.toString(); });
    let browser: Browser | undefined;
    let page: Page | undefined;
    let passed = false;
    let subFailed = false;
    try {
      await until('code-server to listen', async () => serverOut.includes('HTTP server listening') || (server.exitCode !== null ? Promise.reject(new Error(`code-server exited: ${serverOut}`)) : false), 60_000);
      log(`code-server on port ${port}`);
      browser = await pw!.chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'],
      });
      const p = page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
      await p.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
      await p.waitForSelector('.monaco-workbench', { timeout: 90_000 });
      await until('the explorer to list the samples', async () => p.$('.explorer-folders-view .monaco-list-row'), 60_000);
      log('workbench loaded');

      const failShot = async (name: string, f: () => Promise<void>) => {
        try { await f(); } catch (e) {
          subFailed = true;
          const file = path.join(work, `failure-${name}.png`);
          await p.screenshot({ path: file }).catch(() => undefined);
          console.log(`e2e: failure screenshot: ${file}`);
          throw e;
        }
      };
      await t.test('launch.json: gutter breakpoint, F5, paused on the line, XOL slot and fixups, consumer output', () => failShot('launch-json', async () => {
        await openFile(p, SOURCE, 'riprel_load:');
        log('fixups.s open');
        await setBreakpointByGutter(p, bpLine);
        log(`breakpoint set on line ${bpLine}`);

        // ---- F5: paused on that line ----------------------------------------------------------------
        await p.keyboard.press(key('workbench.action.focusActiveEditorGroup'));
        await p.keyboard.press('F5');
        await until('the debug toolbar', async () => p.$('.debug-toolbar'), 60_000);
        await until('"Paused on breakpoint" in the call stack', async () => p.evaluate(() => /paused on breakpoint/i.test(document.querySelector('.debug-call-stack, [id="workbench.debug.callStackView"]')?.closest('.pane')?.textContent ?? '')), 60_000);
        await until(`the current-line decoration on line ${bpLine}`, async () => pausedOn(p, bpLine), 30_000);
        const activeTabs = await p.evaluate(() => [...document.querySelectorAll('.tab')].map(e => e.getAttribute('aria-label') ?? ''));
        assert.equal(activeTabs.filter(l => l.includes('fixups.s')).length, 1, `one editor for fixups.s (the line table's path maps to the workspace's copy): ${activeTabs.join(' | ')}`);
        log(`paused on line ${bpLine}`);

        // Layout for the pictures: a wider side bar, no panel.
        await p.keyboard.press(key('workbench.action.closePanel'));
        await widenSidebar(p, 520);
        await setExpanded(p, { Variables: false, Watch: false, Breakpoints: false, 'Call Stack': true, Uprobes: true, XOL: false, 'Consumer Output': true });

        // The Uprobes view lists the probe of the breakpoint line, with its consumers.
        await p.keyboard.press(key('uprobeLab.probes.focus'));
        await until(`the Uprobes view to list fixups.s:${bpLine}`, async () => p.evaluate((n: number) => [...document.querySelectorAll('.monaco-list-row')].some(r => (r.textContent ?? '').includes(`fixups.s:${n}`) && /0x40100c/.test(r.textContent ?? '')), bpLine), 30_000);
        // Hit count beside the line.
        // (drawn as CSS ::after content at the end of the line)
        await until('the hit count beside the probed line', async () => p.evaluate((top: number) => {
          const line = [...document.querySelectorAll('.monaco-editor .view-line')].find(e => Math.abs(e.getBoundingClientRect().top - top) < 3);
          const after = line ? [...line.querySelectorAll('span')].map(e => getComputedStyle(e, '::after').content ?? '').join(' ') : '';
          return /1 hit · breakpoint 1, sample\/riprel_load/.test(after);
        }, (await lineBox(p, bpLine))!.top), 20_000);

        // ---- Consumer Output: the probe's trace line ------------------------------------------------
        await p.keyboard.press(key('uprobeLab.output.focus'));
        const outFrame = await until('the Consumer Output webview', async () => findFrame(p, 'body[data-view="output"]'), 30_000);
        await until('the riprel_load trace line in Consumer Output', async () => outFrame.evaluate(() =>
          /fixups-\d+\s+\[000\] \S{5}\s+\d+\.\d{6}: riprel_load: \(0x40100c\) rax=0x0 rsi=0x1111/.test(document.getElementById('out-lines')?.textContent ?? '')), 30_000);
        log('trace line shown');
        await shot(p, 'paused-on-breakpoint.png');

        // ---- F11: into the XOL slot -----------------------------------------------------------------
        await setExpanded(p, { 'Call Stack': true, Uprobes: false, XOL: true, 'Consumer Output': false });
        await p.keyboard.press(key('uprobeLab.xol.focus'));
        const xolFrame = await until('the XOL webview', async () => findFrame(p, 'body[data-view="xol"]'), 30_000);
        await p.keyboard.press(key('workbench.action.focusActiveEditorGroup'));
        await p.keyboard.press('F11');
        await until('"Paused on step" in the slot frame', async () => p.evaluate(() => {
          const t = document.querySelector('[id="workbench.debug.callStackView"]')?.closest('.pane')?.textContent ?? document.body.textContent ?? '';
          return /paused on step/i.test(t) && /slot 1 \(xol\)/.test(t);
        }), 30_000);
        const xol = await until('the XOL view to show the slot', async () => xolFrame.evaluate(() => {
          const q = (s: string) => document.querySelector(s)?.textContent ?? '';
          if (q('#xol-phase') !== 'pre_xol' || !document.querySelector('#xol-slot')) return null;
          return {
            phase: q('#xol-phase'), fixups: q('#xol-fixups'), orig: q('#xol-orig-insn'), slot: q('#xol-slot-insn'),
            active: document.querySelector('#xol-slots .slot.active')?.getAttribute('data-slot') ?? '',
            modrm: document.querySelector('#xol-slot-bytes .modrm')?.textContent ?? '',
            disp: [...document.querySelectorAll('#xol-slot-bytes .disp')].map(e => e.textContent).join(' '),
            scratch: q('#xol-scratch'),
            current: document.querySelector('#xol-timeline .current')?.getAttribute('data-phase') ?? '',
          };
        }), 30_000);
        assert.match(xol.fixups, /UPROBE_FIX_IP/);
        assert.match(xol.fixups, /UPROBE_FIX_RIP_SI/);
        assert.match(xol.orig, /\(%rip\)/);
        assert.match(xol.slot, /\(%rsi\)/);
        assert.equal(xol.active, '1');
        assert.equal(xol.modrm, '86', 'the rewritten ModRM (0x05 -> 0x86: disp32 off %rsi) is marked');
        assert.equal(xol.disp, 'ed 0f 00 00', 'the displacement is marked');
        assert.match(xol.scratch, /%rsi/);
        assert.equal(xol.current, 'pre_xol');
        log('XOL slot shown');
        await setExpanded(p, { 'Call Stack': false });
        await shot(p, 'xol-slot.png');

        // ---- F11 again: single-step and post_xol; the step ends on the next line, whose own probe
        // (sample/after_load) hits there: the XOL view moves on to that hit.
        await setExpanded(p, { 'Call Stack': true });
        await p.keyboard.press(key('workbench.action.focusActiveEditorGroup'));
        await p.keyboard.press('F11');
        await until(`the editor on line ${nextLine} and the XOL view on its probe`, async () => {
          const probe = await xolFrame.evaluate(() => document.querySelector('.probe h3')?.textContent ?? '');
          if (!/0x401013/.test(probe)) return false;
          const lb = await lineBox(p, nextLine);
          const top = await p.evaluate(() => [...document.querySelectorAll('.monaco-editor .debug-top-stack-frame-line')].map(e => e.getBoundingClientRect().top));
          return !!lb && top.some(y => Math.abs(y - lb.top) < 3);
        }, 30_000);
        log(`stepped out of the slot, paused on line ${nextLine}`);

        // ---- run to the end: every trace line, the chart and uprobe_profile -------------------------
        await p.keyboard.press('F5');
        await until('the session to end', async () => !(await p.$('.debug-toolbar')) || p.evaluate(() => getComputedStyle(document.querySelector('.debug-toolbar')!).display === 'none'), 60_000);
        await setExpanded(p, { 'Call Stack': false, Uprobes: true, XOL: false, 'Consumer Output': false });
        await p.keyboard.press(key('uprobeLab.probes.focus'));
        await until('the Uprobes view to keep the last run\'s hits', async () => p.evaluate((n: number) => [...document.querySelectorAll('.monaco-list-row')].some(r => {
          const t = r.textContent ?? '';
          return t.includes(`fixups.s:${n}`) && /1 hit \(last run\)/.test(t);
        }), bpLine), 20_000);
        await setExpanded(p, { Uprobes: false, 'Consumer Output': true });
        await p.keyboard.press(key('uprobeLab.output.focus'));
        await until('the return probe lines in Consumer Output', async () => outFrame.evaluate(() => /fact_ret: \(0x[0-9a-f]+ <- 0x4012c8\) ret=120/.test(document.getElementById('out-lines')?.textContent ?? '')), 30_000);
        const btn = await outFrame.$('#out-profile-btn');
        assert.ok(btn, 'uprobe_profile button');
        await btn!.click();
        const prof: string[] = await until('uprobe_profile in Consumer Output', async () => outFrame.evaluate(() => {
          const rows = [...document.querySelectorAll('#out-profile-text tr[data-event]')];
          return rows.length ? rows.map(r => `${r.children[0].textContent} ${r.getAttribute('data-event')}=${r.getAttribute('data-hits')}`) : null;
        }), 20_000);
        assert.deepEqual(prof, ['fixups riprel_load=1', 'fixups after_load=1', 'fixups icall_rip=1', 'fixups fact=5', 'fixups fact_ret=5']);
        const chart = await outFrame.evaluate(() => [...document.querySelectorAll('#out-chart .row')].map(r => `${r.getAttribute('data-event')}=${r.querySelector('.num')?.textContent}`));
        assert.ok(chart.includes('sample/fact=5') && chart.includes('sample/riprel_load=1'), `chart rows: ${chart.join(', ')}`);
        log('consumer output complete');
        await shot(p, 'consumer-output.png');
      }));

      await t.test('no launch.json: F5 finds the program built from the file; a probe added in the Uprobes view traces', () => failShot('no-launch-json', async () => {
        await scenarioNoLaunchJson(p, path.join(work, 'bare'), log);
      }));
      log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      passed = true;
    } catch (e) {
      if (page) {
        const f = path.join(work, 'failure.png');
        try { await page.screenshot({ path: f }); console.log(`e2e: failure screenshot: ${f}`); } catch { /* closed */ }
      }
      console.log(`e2e: code-server output (last 3000 chars):\n${serverOut.slice(-3000)}`);
      throw e;
    } finally {
      if (browser) await browser.close().catch(() => undefined);
      // code-server runs in its own process group (it starts the extension host and more).
      if (server.pid && server.exitCode === null) { try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ } }
      await sleep(500);
      if (server.pid && server.exitCode === null) { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } }
      // Failures keep their screenshots and user data for a look.
      if (passed && !subFailed) fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

/** Open a file of the workspace with quick open; waits for `marker` in the editor. */
async function openFile(p: Page, rel: string, marker: string): Promise<void> {
  const base = path.basename(rel);
  await until(`${base} to open in an editor`, async () => {
    if (await p.$(`.tab.active[aria-label*="${base}"]`)) return true;
    await p.keyboard.press('Escape');
    await p.keyboard.press('Control+P');
    await p.waitForSelector('.quick-input-widget input', { timeout: 5000 });
    await p.keyboard.type(rel, { delay: 20 });
    await until('quick open to find it', async () => p.$(`.quick-input-list .monaco-list-row[aria-label*="${base}"]`), 10_000);
    await p.keyboard.press('Enter');
    await sleep(1000);
    return !!(await p.$(`.tab.active[aria-label*="${base}"]`));
  }, 60_000, 500);
  await until('the editor text', async () => p.evaluate((m: string) => document.querySelector('.monaco-editor .view-lines')?.textContent?.includes(m), marker), 30_000);
  // The extension's language: "GNU as (x86-64 AT&T)" in the status bar (it activates the extension).
  await until('the GAS x86-64 language', async () => p.evaluate(() => [...document.querySelectorAll('.statusbar-item')].some(e => /GNU as/.test(e.textContent ?? ''))), 30_000);
}

/** Screen rectangle of a visible line's number in the editor. */
function lineBox(p: Page, line: number): Promise<{ top: number; bottom: number; mid: number } | null> {
  return p.evaluate((n: number) => {
    const el = [...document.querySelectorAll('.monaco-editor .margin-view-overlays .line-numbers')].find(e => e.textContent?.trim() === String(n));
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, mid: r.top + r.height / 2 };
  }, line);
}

/** Is there a glyph of class `cls` in the margin of `line`? */
function glyphAt(p: Page, line: number, cls: string): Promise<boolean> {
  return p.evaluate(([n, c]: [number, string]) => {
    const ln = [...document.querySelectorAll('.monaco-editor .margin-view-overlays .line-numbers')].find(e => e.textContent?.trim() === String(n));
    if (!ln) return false;
    const r = ln.getBoundingClientRect();
    return [...document.querySelectorAll(`.monaco-editor .${c}`)].some(g => { const b = g.getBoundingClientRect(); const m = b.top + b.height / 2; return m > r.top && m < r.bottom; });
  }, [line, cls] as [number, string]);
}

/** Click the glyph margin of `line` until a breakpoint shows there. */
async function setBreakpointByGutter(p: Page, line: number): Promise<void> {
  await until(`a breakpoint on line ${line} after clicking the gutter`, async () => {
    if (await glyphAt(p, line, 'codicon-debug-breakpoint')) return true;
    const lb = await lineBox(p, line);
    const gm = await p.evaluate(() => { const g = document.querySelector('.monaco-editor .glyph-margin')?.getBoundingClientRect(); return g ? { x: g.left + g.width / 2 } : null; });
    if (!lb || !gm) return false;
    await p.mouse.move(gm.x, lb.mid, { steps: 3 });
    await sleep(200);
    await p.mouse.click(gm.x, lb.mid);
    await sleep(700);
    return glyphAt(p, line, 'codicon-debug-breakpoint');
  }, 20_000, 300);
}

/** Is the debugger's current-line decoration (and its glyph) on `line`? */
async function pausedOn(p: Page, line: number): Promise<boolean> {
  const lb = await lineBox(p, line);
  const top = await p.evaluate(() => [...document.querySelectorAll('.monaco-editor .debug-top-stack-frame-line')].map(e => e.getBoundingClientRect().top));
  return !!lb && top.some(y => Math.abs(y - lb.top) < 3) && await glyphAt(p, line, 'codicon-debug-stackframe');
}

/**
 * A workspace without launch.json: open src/hello.s, set a breakpoint on its first syscall, press F5
 * (the configuration provider finds bin/hello, built from it), then add a probe on the exit syscall
 * with the Uprobes view's "+" (a wrong offset first: the kernel's error shows in the input box) and
 * continue: its trace line comes out.
 */
async function scenarioNoLaunchJson(p: Page, folder: string, log: (s: string) => void): Promise<void> {
  fs.cpSync(path.join(ROOT, 'samples'), folder, { recursive: true });
  fs.rmSync(path.join(folder, '.vscode'), { recursive: true, force: true });
  // As after a checkout: the programs are not older than their sources.
  const now = new Date();
  for (const d of ['src', 'bin']) for (const f of fs.readdirSync(path.join(folder, d))) fs.utimesSync(path.join(folder, d, f), now, now);
  const src = path.join(folder, 'src', 'hello.s');
  const lines = fs.readFileSync(src, 'utf8').split('\n');
  const first = lines.findIndex(l => l.trim() === 'syscall') + 1;
  const exitLine = lines.findIndex((l, i) => i >= first && l.trim() === 'syscall') + 1;
  const place = await lineToOffsets(path.join(folder, 'bin', 'hello'), src, exitLine);
  const off = `0x${place.offsets[0].toString(16)}`;
  const addr = `0x${place.addresses[0].toString(16)}`;

  await p.goto(`${new URL(p.url()).origin}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
  await p.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  await until('the explorer to list the folder', async () => p.$('.explorer-folders-view .monaco-list-row'), 60_000);
  await openFile(p, 'src/hello.s', 'syscall');
  await setBreakpointByGutter(p, first);
  await p.keyboard.press(key('workbench.action.focusActiveEditorGroup'));
  await p.keyboard.press('F5');
  await until(`paused on line ${first} of hello.s`, async () => pausedOn(p, first), 60_000);
  log(`no launch.json: paused on line ${first} of hello.s`);

  // Add a probe with the view's "+": the input takes uprobe_events syntax, checked as the kernel would.
  await p.keyboard.press(key('workbench.view.debug'));
  await p.keyboard.press(key('uprobeLab.probes.focus'));
  // (the view's title buttons show while the pointer is over it)
  await until('the Uprobes view\'s Add Probe button', async () => {
    const head = await p.$('.pane-header[aria-label^="Uprobes Section"]');
    const hb = head && await head.boundingBox();
    if (!hb) return false;
    await p.mouse.move(hb.x + hb.width / 3, hb.y + hb.height / 2);
    await sleep(300);
    const plus = await p.$('.pane-header[aria-label^="Uprobes Section"] .action-label[aria-label^="Add Probe"]');
    const b = plus && await plus.boundingBox();
    if (!b || !b.width) return false;
    await p.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
    return !!(await until('the input box', async () => p.$('.quick-input-widget input'), 3000).catch(() => null));
  }, 20_000, 500);
  const input = await until('the Add Probe input', async () => p.$('.quick-input-widget input'), 10_000);
  await input.click();
  await p.keyboard.press('Control+A');
  await p.keyboard.type('p:test/exit bin/hello:0xzz', { delay: 5 });
  await until('the kernel\'s error in the input box', async () => p.evaluate(() => /Invalid uprobe offset/.test(document.querySelector('.quick-input-widget')?.textContent ?? '')), 10_000);
  await p.keyboard.press('Control+A');
  await p.keyboard.type(`p:test/exit bin/hello:${off} nr=%ax code=%di`, { delay: 5 });
  await sleep(500);
  await p.keyboard.press('Enter');
  await until('the new probe in the Uprobes view', async () => p.evaluate((a: string) => [...document.querySelectorAll('.monaco-list-row')].some(r => (r.textContent ?? '').includes(a)), addr), 20_000);
  log(`probe test/exit added at ${addr}`);

  await p.keyboard.press(key('workbench.action.focusActiveEditorGroup'));
  await p.keyboard.press('F5');
  await p.keyboard.press(key('uprobeLab.output.focus'));
  const out = await until('the Consumer Output webview', async () => findFrame(p, 'body[data-view="output"]'), 30_000);
  const re = `exit: \\(${addr}\\) nr=0x3c code=0x7`;
  await until('the exit probe\'s trace line', async () => out.evaluate((r: string) => new RegExp(r).test(document.getElementById('out-lines')?.textContent ?? ''), re), 30_000);
  log('exit probe traced');
}

/** The webview frame whose page has `selector`. */
async function findFrame(p: Page, selector: string): Promise<Frame | undefined> {
  for (const f of p.frames()) {
    try { if (await f.evaluate((s: string) => !!document.querySelector(s), selector)) return f; } catch { /* detached */ }
  }
  return undefined;
}

/** Expand or collapse the Run and Debug side bar's sections by their titles. */
async function setExpanded(p: Page, want: Record<string, boolean>): Promise<void> {
  for (const [name, on] of Object.entries(want)) {
    for (let tries = 0; tries < 3; tries++) {
      const h = await p.$(`.pane-header[aria-label^="${name} Section"]`);
      if (!h) break;
      if ((await h.getAttribute('aria-expanded')) === String(on)) break;
      await h.click();
      await sleep(250);
    }
  }
}

/** Drag the side bar's edge to make it `width` pixels wide. */
async function widenSidebar(p: Page, width: number): Promise<void> {
  const r = await p.evaluate(() => { const b = document.querySelector('.part.sidebar')?.getBoundingClientRect(); return b ? { left: b.left, right: b.right, mid: b.top + b.height / 2 } : null; });
  if (!r || r.right - r.left >= width) return;
  await p.mouse.move(r.right, r.mid);
  await p.mouse.down();
  await p.mouse.move(r.left + width, r.mid, { steps: 8 });
  await p.mouse.up();
  await sleep(300);
}

async function shot(p: Page, name: string): Promise<void> {
  await sleep(400);
  await p.screenshot({ path: path.join(SHOTS, name) });
}
