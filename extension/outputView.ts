// The Consumer Output view: the trace lines of the probes (and logpoints), in the kernel's `trace`
// format, filterable, exportable to a file, with a small chart of hits over time per event, and
// `uprobe_profile` on demand.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sessions, UprobeSession } from './sessions';
import type { TraceStore, StoredLine } from './traceStore';
import type { ProbesModel } from './probesView';
import { webviewHtml } from './webview';

export const OUTPUT_VIEW = 'uprobeLab.output';
/** Lines the webview holds (the store keeps more, for exporting). */
const VIEW_LINES = 20_000;

type Wire = Pick<StoredLine, 'n' | 'key' | 'line' | 'ts' | 'source'>;
const wire = (l: StoredLine): Wire => ({ n: l.n, key: l.key, line: l.line, ts: l.ts, source: l.source });

export class OutputViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private subs: vscode.Disposable[] = [];
  /** The session the lines came from (kept after it ends, for the profile). */
  private last: UprobeSession | undefined;

  constructor(private media: vscode.Uri, private sessions: Sessions, private store: TraceStore, private probes: ProbesModel) {
    this.subs.push(
      sessions.onTrace(({ s, body }) => { this.last = s; store.add(body); }),
      sessions.onStart(s => {
        this.last = s;
        if (vscode.workspace.getConfiguration('uprobeLab').get<boolean>('clearOutputOnStart', true)) store.clear();
        this.postStatus();
      }),
      sessions.onState(() => { store.flush(); this.postStatus(); }),
      sessions.onEnd(() => { store.flush(); this.postStatus(); }),
      store.onAppend(lines => this.post({ type: 'append', lines: lines.map(wire) })),
      store.onClear(() => this.reset()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [this.media] };
    view.webview.html = webviewHtml(view.webview, this.media, 'output.js', 'Consumer Output');
    view.webview.onDidReceiveMessage(async m => {
      switch (m?.type) {
        case 'ready': this.reset(); break;
        case 'export': await this.exportLines(String(m.filter ?? ''), new Set<string>(m.hidden ?? [])); break;
        case 'profile': this.post({ type: 'profile', text: this.profileText() }); break;
        case 'profileDoc': await vscode.commands.executeCommand('uprobeLab.showProfile'); break;
        case 'clear': this.store.clear(); break;
      }
    });
    view.onDidDispose(() => { this.view = undefined; });
  }

  private post(m: object): void { if (this.view) void this.view.webview.postMessage(m); }

  private reset(): void {
    const lines = this.store.lines.slice(-VIEW_LINES).map(wire);
    this.post({ type: 'reset', lines, counts: [...this.store.counts], dropped: this.store.lines.length - lines.length + this.store.dropped });
    this.postStatus();
  }

  private postStatus(): void {
    const s = this.sessions.active ?? this.last;
    this.post({ type: 'status', state: s ? s.state : 'none', exitCode: s?.exitCode, program: s?.program ? path.basename(s.program) : undefined, events: this.knownEvents() });
  }

  /** Every event defined in the session (so that the chart lists the ones with no hit yet). */
  private knownEvents(): string[] {
    const s = this.sessions.active ?? this.last;
    const keys = new Set<string>();
    if (s) for (const k of s.launchProbes.keys()) keys.add(k);
    for (const p of this.probes.user) if (p.enabled) keys.add(p.key);
    return [...keys];
  }

  /** uprobe_profile: from the tracer when the adapter runs here, else counted from the trace lines. */
  profileText(): string {
    const s = this.sessions.active ?? this.last;
    let text: string | undefined;
    if (s) {
      try { text = s.state === 'exited' ? s.finalProfile ?? s.profile() : s.profile() ?? s.finalProfile; } catch { text = s.finalProfile; }
    }
    if (text !== undefined) return text;
    // Counted from the lines: one line per hit of a trace event, as the kernel counts nhit.
    const defs = new Map<string, string>();
    if (s) for (const [k, d] of s.launchProbes) defs.set(k, d);
    for (const p of this.probes.user) defs.set(p.key, p.def);
    let out = '';
    for (const [k, d] of defs) {
      const place = /^\s*[pr]\S*\s+(\S+)/.exec(d)?.[1] ?? '';
      const file = place.slice(0, place.lastIndexOf(':'));
      const ev = k.slice(k.indexOf('/') + 1);
      out += `  ${file} ${ev.padEnd(44)} ${String(this.store.counts.get(k) ?? 0).padStart(15)}\n`;
    }
    return out;
  }

  private async exportLines(filter: string, hidden: Set<string>): Promise<void> {
    const lines = this.store.filtered(filter, hidden);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${lines.length} trace line${lines.length === 1 ? '' : 's'}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'uprobes.trace') : undefined,
      filters: { 'Trace (kernel format)': ['trace', 'txt'], 'JSON lines': ['jsonl'] },
    });
    if (!target) return;
    await writeTrace(target, lines);
    void vscode.window.showInformationMessage(`Uprobe Lab: ${lines.length} trace lines written to ${path.basename(target.fsPath)}.`, 'Open').then(a => {
      if (a) void vscode.window.showTextDocument(target);
    });
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}

/**
 * Write trace lines: in the kernel's `trace` file layout (its header, then the lines) or, for a
 * `.jsonl` file, one JSON object per line.
 */
export async function writeTrace(target: vscode.Uri, lines: StoredLine[]): Promise<void> {
  let text: string;
  if (target.fsPath.endsWith('.jsonl')) {
    text = lines.map(l => JSON.stringify({ event: l.key, comm: l.comm, pid: l.pid, ts: l.ts, ip: l.ip, func: l.func, ret: l.ret, args: l.args.trim(), text: l.line, source: l.source })).join('\n') + '\n';
  } else {
    const head = [
      '# tracer: nop',
      '#',
      `# entries-in-buffer/entries-written: ${lines.length}/${lines.length}   #P:1`,
      '#',
      '#                                _-----=> irqs-off/BH-disabled',
      '#                               / _----=> need-resched',
      '#                              | / _---=> hardirq/softirq',
      '#                              || / _--=> preempt-depth',
      '#                              ||| / _-=> migrate-disable',
      '#                              |||| /     delay',
      '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
      '#              | |         |   |||||     |         |',
    ];
    text = head.concat(lines.map(l => l.line)).join('\n') + '\n';
  }
  if (target.scheme === 'file') await fs.promises.writeFile(target.fsPath, text, 'utf8');
  else await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
}
