// Extension-host tests (@vscode/test-cli, mocha's TDD interface: suite/test), run where a VS Code binary is given:
//   VSCODE_EXECUTABLE=/path/to/code npx vscode-test
// with samples/ as the workspace (.vscode-test.mjs). Under `node --test` (npm test) there is no
// extension host: the file then defines nothing.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';

type Fn = (this: { timeout(ms: number): void }) => Promise<void> | void;
declare const suite: ((name: string, f: () => void) => void) | undefined;
declare const test: (name: string, f: Fn) => void;

if (typeof suite === 'function') {
  // Loaded only in the extension host, where the module exists.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as typeof import('vscode');
  type Api = import('../../extension/extension').UprobeLabApi;

  const folder = () => vscode.workspace.workspaceFolders![0];
  const sample = (...p: string[]) => path.join(folder().uri.fsPath, ...p);

  async function api(): Promise<Api> {
    const ext = vscode.extensions.getExtension<Api>('uprobe-lab.uprobe-lab');
    assert.ok(ext, 'the extension is installed');
    return ext.activate();
  }

  function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    return new Promise((resolve, reject) => {
      const tick = () => {
        const v = f();
        if (v) { resolve(v); return; }
        if (Date.now() > end) { reject(new Error(`timed out waiting for ${what}`)); return; }
        setTimeout(tick, 100);
      };
      tick();
    });
  }

  async function stopAll(): Promise<void> {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  }

  suite('Uprobe Lab extension', () => {
    test('activates and contributes the uprobe debugger, its views and commands', async function () {
      this.timeout(30_000);
      const a = await api();
      assert.ok(a.sessions && a.traces && a.probes);
      const cmds = await vscode.commands.getCommands(true);
      for (const c of ['uprobeLab.addProbe', 'uprobeLab.addProbeAtCursor', 'uprobeLab.loadProbesFile', 'uprobeLab.showProfile',
        'uprobeLab.exportTrace', 'uprobeLab.buildSource', 'uprobeLab.xol.focus', 'uprobeLab.output.focus', 'uprobeLab.probes.focus']) {
        assert.ok(cmds.includes(c), `command ${c}`);
      }
    });

    test('F5 with a breakpoint: stops on the line, the probe\'s trace line and the XOL state reach the views', async function () {
      this.timeout(60_000);
      const a = await api();
      a.traces.clear();
      const src = sample('src', 'fixups.s');
      const doc = await vscode.workspace.openTextDocument(src);
      await vscode.window.showTextDocument(doc);
      const line = doc.getText().split('\n').findIndex(l => l.trim() === 'riprel_load:') + 1; // 0-based next line
      vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(line, 0)))]);
      const stopped = new Promise<void>(resolve => {
        const d = a.sessions.onState(s => { if (s.state === 'stopped') { d.dispose(); resolve(); } });
      });
      const ok = await vscode.debug.startDebugging(folder(), {
        type: 'uprobe', request: 'launch', name: 'ext-host test', program: sample('bin', 'fixups'), cwd: folder().uri.fsPath,
        probes: ['p:sample/riprel_load bin/fixups:0x100c rax=%ax'],
      });
      assert.ok(ok, 'the session starts');
      await stopped;
      const s = a.sessions.active!;
      const frames = await s.session.customRequest('stackTrace', { threadId: 1, startFrame: 0, levels: 1 });
      assert.equal(frames.stackFrames[0].line, line + 1);
      assert.equal(frames.stackFrames[0].source.path, src, 'the line table\'s path maps to the workspace file');
      await until('the trace line', () => a.traces.lines.find(l => l.key === 'sample/riprel_load'));
      assert.match(a.traces.lines[0].line, /riprel_load: \(0x40100c\) rax=0x0$/);
      const list = await s.uprobeList();
      assert.ok(list.some(u => u.address === '0x40100c' && u.consumers.includes('sample/riprel_load') && u.hits === 1));
      // Step into the slot: the XOL view gets the slot and its fixups.
      await vscode.commands.executeCommand('workbench.action.debug.stepInto');
      const x = await until('the pre_xol state', () => a.xol.current?.phase === 'pre_xol' ? a.xol.current : undefined);
      assert.equal(x.slot?.index, 1);
      assert.deepEqual(x.fixups, ['UPROBE_FIX_IP', 'UPROBE_FIX_RIP_SI']);
      await stopAll();
    });

    test('a configuration naming only the source finds the program built from it', async function () {
      this.timeout(60_000);
      const a = await api();
      const started = new Promise<string>(resolve => {
        const d = a.sessions.onStart(s => { d.dispose(); resolve(String(s.session.configuration.program)); });
      });
      await vscode.debug.startDebugging(folder(), { type: 'uprobe', request: 'launch', name: 'by source', source: sample('src', 'hello.c') });
      assert.equal(await started, sample('bin', 'hello-c'));
      await stopAll();
    });

    test('Add Probe at Cursor defines a probe at the line\'s file offset, applied at the next launch', async function () {
      this.timeout(60_000);
      const a = await api();
      const src = sample('src', 'fixups.s');
      const doc = await vscode.workspace.openTextDocument(src);
      const ed = await vscode.window.showTextDocument(doc);
      const line = doc.getText().split('\n').findIndex(l => l.trim() === 'riprel_rmw:') + 1;
      ed.selection = new vscode.Selection(line, 0, line, 0);
      await vscode.commands.executeCommand('uprobeLab.addProbeAtCursor');
      const p = a.probes.user.find(u => u.source?.line === line + 1);
      assert.ok(p, 'the probe is listed');
      assert.match(p.def, /^p:uprobes\/fixups_s_\d+ \S+\/bin\/fixups:0x101b$/);
      a.traces.clear();
      await vscode.debug.startDebugging(folder(), { type: 'uprobe', request: 'launch', name: 'with probe', program: sample('bin', 'fixups') });
      await until('its trace line', () => a.traces.lines.find(l => l.key === p.key));
      await stopAll();
      await vscode.commands.executeCommand('uprobeLab.removeAllProbes');
      assert.equal(a.probes.user.length, 0);
    });
  });
}
