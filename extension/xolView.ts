// The XOL view: the XOL page with its slots, the active slot (original bytes beside the slot's, the
// rewritten ModRM and displacement marked, both disassembled), the fixups, the scratch register and
// the phase timeline of the current hit. It draws whatever the adapter's `xolState` says.

import * as vscode from 'vscode';
import type { XolStateBody } from '../adapter/xolstate';
import type { Sessions } from './sessions';
import type { ProbesModel } from './probesView';
import { webviewHtml } from './webview';

export const XOL_VIEW = 'uprobeLab.xol';

export class XolViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private body: XolStateBody | undefined;
  private running = false;
  private ended = false;
  private subs: vscode.Disposable[] = [];

  constructor(private media: vscode.Uri, private sessions: Sessions, private probes?: ProbesModel) {
    this.subs.push(
      sessions.onXol(({ s, body }) => { if (s === sessions.active) { this.body = body; this.ended = false; this.post(); } }),
      sessions.onStart(() => { this.body = undefined; this.ended = false; this.post(); }),
      sessions.onState(s => {
        if (s !== sessions.active) return;
        this.running = s.state === 'running';
        if (s.state === 'stopped') void s.xolState().then(b => { if (b) { this.body = b; this.post(); } }, () => undefined);
        else this.post();
      }),
      sessions.onEnd(() => { this.ended = true; this.running = false; this.post(); }),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('uprobeLab.disassemblySyntax')) void this.setSyntax(); }),
    );
    if (probes) this.subs.push(probes.onChange(() => { if (this.emulatedNow() !== this.lastEmulated) this.post(); }));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [this.media] };
    view.webview.html = webviewHtml(view.webview, this.media, 'xol.js', 'XOL');
    view.webview.onDidReceiveMessage(m => {
      if (m?.type === 'ready') this.post();
      else if (m?.type === 'syntax' && (m.syntax === 'att' || m.syntax === 'intel')) {
        void vscode.workspace.getConfiguration('uprobeLab').update('disassemblySyntax', m.syntax, vscode.ConfigurationTarget.Global);
      }
    });
    view.onDidChangeVisibility(() => { if (view.visible) this.post(); });
    view.onDidDispose(() => { this.view = undefined; });
  }

  private async setSyntax(): Promise<void> {
    const syntax = vscode.workspace.getConfiguration('uprobeLab').get<string>('disassemblySyntax', 'att');
    for (const s of this.sessions.list) {
      try { await s.session.customRequest('disassemblySyntax', { syntax }); } catch { /* ended */ }
    }
    const a = this.sessions.active;
    if (a && a.state !== 'exited') {
      try { const b = await a.xolState(); if (b) this.body = b; } catch { /* ended */ }
    }
    this.post();
  }

  private post(): void {
    if (!this.view) return;
    const syntax = vscode.workspace.getConfiguration('uprobeLab').get<string>('disassemblySyntax', 'att');
    const emulated = this.lastEmulated = this.emulatedNow();
    void this.view.webview.postMessage({ type: 'state', body: this.body ?? null, emulated: emulated ?? null, running: this.running, ended: this.ended, syntax, session: !!this.sessions.active });
  }

  private lastEmulated: string | undefined;

  /** Whether the probed instruction is emulated (known from its analysis before the hit gets there). */
  private emulatedNow(): string | undefined {
    const addr = this.body?.probe?.address;
    return addr ? this.probes?.snap?.list.find(u => u.address === addr)?.emulated : undefined;
  }

  /** For tests: what the view was last given. */
  get current(): XolStateBody | undefined { return this.body; }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}
