// Hit counts beside probed lines: after each stop (and every second while the program runs) the probes
// of the active session are mapped to their source lines and drawn at the end of those lines, with the
// events and breakpoints that consume them; refused probes show why.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ProbesModel } from './probesView';

interface LineMark { hits: number; names: string[]; refused?: string; instruction: string; address: string }

export class HitDecorations implements vscode.Disposable {
  private readonly deco = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    overviewRulerColor: new vscode.ThemeColor('debugIcon.breakpointForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    isWholeLine: true,
  });
  private readonly refusedDeco = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('errorForeground'), fontStyle: 'italic' },
    isWholeLine: true,
  });
  /** file -> line -> mark */
  private marks = new Map<string, Map<number, LineMark>>();
  private subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private model: ProbesModel) {
    this.subs.push(
      model.onChange(() => this.rebuild()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paint()),
      model.sessions.onState(s => {
        if (s.state === 'running') this.timer ??= setInterval(() => {
          const a = model.sessions.active;
          if (!a || a.state !== 'running') { clearInterval(this.timer); this.timer = undefined; return; }
          void model.refresh();
        }, 1000);
      }),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('uprobeLab.showHitCounts')) this.paint(); }),
      this.deco, this.refusedDeco,
    );
  }

  private rebuild(): void {
    const marks = new Map<string, Map<number, LineMark>>();
    const snap = this.model.snap;
    if (snap) {
      for (const u of snap.list) {
        const src = u.address ? snap.src.get(u.address) : undefined;
        if (!src?.path || !src.line) continue;
        const f = path.resolve(src.path);
        let m = marks.get(f);
        if (!m) marks.set(f, m = new Map());
        const cur = m.get(src.line) ?? { hits: 0, names: [], instruction: u.instruction, address: u.address ?? '' };
        cur.hits += u.hits;
        cur.names.push(...u.consumers.map(c => c.replace(/^debugger (breakpoint|logpoint) (\d+) \(.*\)(.*)$/, '$1 $2$3')));
        if (u.state === 'refused') cur.refused = u.reason ?? 'refused';
        m.set(src.line, cur);
      }
    }
    this.marks = marks;
    this.paint();
  }

  private paint(): void {
    const on = vscode.workspace.getConfiguration('uprobeLab').get<boolean>('showHitCounts', true);
    const ended = !!this.model.snap?.ended;
    for (const ed of vscode.window.visibleTextEditors) {
      const m = on ? this.marks.get(path.resolve(ed.document.fileName)) : undefined;
      const ok: vscode.DecorationOptions[] = [];
      const bad: vscode.DecorationOptions[] = [];
      if (m) {
        for (const [line, mk] of m) {
          if (line - 1 >= ed.document.lineCount) continue;
          const range = new vscode.Range(line - 1, 0, line - 1, 0);
          const hover = new vscode.MarkdownString(`**uprobe at ${mk.address}** \`${mk.instruction}\`\n\n${mk.hits} hit${mk.hits === 1 ? '' : 's'}${ended ? ' (last run)' : ''}\n\nconsumers: ${mk.names.join(', ') || 'none'}${mk.refused ? `\n\nrefused: ${mk.refused}` : ''}`);
          if (mk.refused) {
            bad.push({ range, hoverMessage: hover, renderOptions: { after: { contentText: `⊘ probe refused: ${mk.refused}` } } });
          } else {
            const text = `◆ ${mk.hits} hit${mk.hits === 1 ? '' : 's'}${ended ? ' (last run)' : ''} · ${mk.names.join(', ')}`;
            ok.push({ range, hoverMessage: hover, renderOptions: { after: { contentText: text } } });
          }
        }
      }
      ed.setDecorations(this.deco, ok);
      ed.setDecorations(this.refusedDeco, bad);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const d of this.subs) d.dispose();
  }
}
