// The Uprobes view: every uprobe of the running (or last) session — source line or symbol, address,
// instruction, consumers, hits, installed or refused with the reason — and the probes the user defined
// here (kept with the workspace and applied at every launch). Adding (uprobe_events syntax, or at the
// cursor), loading a .uprobes file, enabling, disabling and removing.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { Sessions, UprobeSession, UprobeInfo, SourceLine } from './sessions';
import type { TraceStore } from './traceStore';
import { parseDef, readProbesFile, lineToOffsets, eventNameFor, absolutizeDef } from './probeDefs';
import { findProgram } from './programs';

/** A probe defined in this view. */
export interface UserProbe {
  def: string;
  /** `group/event`. */
  key: string;
  enabled: boolean;
  /** Where it was set with "Add Probe at Cursor". */
  source?: { file: string; line: number };
  /** The .uprobes file it came from. */
  from?: string;
}

const STORE_KEY = 'uprobeLab.probes';

export type Node =
  | { kind: 'uprobe'; info: UprobeInfo; src?: SourceLine; last: boolean }
  | { kind: 'consumer'; name: string; key?: string; bpId?: number; parent: UprobeInfo; user?: UserProbe }
  | { kind: 'user'; probe: UserProbe; error?: string }
  | { kind: 'off'; key: string; def: string }
  | { kind: 'detail'; label: string; description?: string; icon?: string; tooltip?: string }
  | { kind: 'hint'; label: string };

/** Snapshot of a session's probes (kept after it ends). */
interface Snapshot { list: UprobeInfo[]; src: Map<string, SourceLine | undefined>; ended: boolean }

export class ProbesModel implements vscode.Disposable {
  user: UserProbe[];
  /** Errors of user probes in the current session, by key. */
  readonly userErrors = new Map<string, string>();
  snap: Snapshot | undefined;
  private subs: vscode.Disposable[] = [];
  private readonly _onChange = new vscode.EventEmitter<void>();
  readonly onChange = this._onChange.event;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(private ctx: vscode.ExtensionContext, readonly sessions: Sessions, readonly traces: TraceStore) {
    this.user = ctx.workspaceState.get<UserProbe[]>(STORE_KEY, []);
    this.subs.push(
      sessions.onConfigure(s => this.applyAtLaunch(s)),
      sessions.onStart(() => { this.userErrors.clear(); this.snap = undefined; this._onChange.fire(); }),
      sessions.onState(() => this.refresh()),
      sessions.onEnd(() => { if (this.snap) this.snap.ended = true; this._onChange.fire(); }),
      this._onChange,
    );
  }

  private save(): void {
    void this.ctx.workspaceState.update(STORE_KEY, this.user);
    this._onChange.fire();
  }

  /** Re-read the active session's probes (coalesced). */
  refresh(): Promise<void> {
    if (this.refreshing) { this.again = true; return this.refreshing; }
    this.refreshing = (async () => {
      do {
        this.again = false;
        const s = this.sessions.active;
        if (!s) break;
        try {
          const list = await s.uprobeList();
          // Once the program is gone the adapter has no probes left: keep the last picture.
          if (s.state === 'exited' && this.snap?.list.length && !list.length) continue;
          const src = new Map<string, SourceLine | undefined>();
          for (const u of list) if (u.address) src.set(u.address, await s.sourceOf(u.address));
          this.snap = { list, src, ended: false };
        } catch { /* the session ended meanwhile */ }
      } while (this.again);
      this.refreshing = undefined;
      this._onChange.fire();
    })();
    return this.refreshing;
  }

  /** Apply the enabled user probes to a program that is loaded but has not run yet. */
  private applyAtLaunch(s: UprobeSession): void {
    for (const p of this.user) {
      if (!p.enabled || s.launchProbes.has(p.key)) {
        if (p.enabled) this.userErrors.set(p.key, 'an event of this name is defined by the launch configuration');
        continue;
      }
      try {
        const r = s.probeCommandNow(p.def);
        if (r === undefined) void s.probeCommand(p.def).catch(e => this.userErrors.set(p.key, (e as Error).message));
      } catch (e) {
        this.userErrors.set(p.key, (e as Error).message);
      }
    }
  }

  /** Add a definition (and apply it to the running session). */
  async add(text: string, extra: Partial<UserProbe> = {}): Promise<void> {
    const s = this.sessions.active;
    const bases = [s?.session.configuration.cwd, ...vscode.workspace.workspaceFolders?.map(f => f.uri.fsPath) ?? []].filter((x): x is string => !!x);
    const def = absolutizeDef(text.trim(), bases);
    const parsed = await parseDef(def);
    if (!parsed) return;
    if (parsed.kind === 'delete') {
      if (s && s.state !== 'exited') await s.probeCommand(def);
      const key = parsed.key;
      this.user = this.user.filter(p => !(p.key === key || (key.startsWith('*/') && p.key.endsWith(key.slice(1)))));
      this.save();
      await this.refresh();
      return;
    }
    if (this.user.some(p => p.key === parsed.key)) throw new Error(`an event named ${parsed.key} is already defined here`);
    const p: UserProbe = { def, key: parsed.key, enabled: true, ...extra };
    if (s && s.state !== 'exited') await s.probeCommand(def); // throws the kernel's error
    this.user.push(p);
    this.save();
    await this.refresh();
  }

  async setEnabled(key: string, on: boolean): Promise<void> {
    const s = this.sessions.active;
    const live = s && s.state !== 'exited';
    const up = this.user.find(p => p.key === key);
    if (up) {
      if (up.enabled === on) return;
      if (live) {
        try { await s.probeCommand(on ? up.def : `-:${key}`); } catch (e) { if (on) throw e; }
      }
      up.enabled = on;
      this.userErrors.delete(key);
      this.save();
    } else if (s && live) {
      // An event of the launch configuration (or typed in the debug console).
      if (on) {
        const def = s.disabled.get(key);
        if (!def) return;
        await s.probeCommand(def);
        s.disabled.delete(key);
      } else {
        const def = s.launchProbes.get(key) ?? (await this.definitionOf(s, key));
        await s.probeCommand(`-:${key}`);
        if (def) s.disabled.set(key, def);
      }
    }
    await this.refresh();
  }

  async remove(key: string): Promise<void> {
    const s = this.sessions.active;
    const up = this.user.find(p => p.key === key);
    if (s && s.state !== 'exited' && (!up || up.enabled)) {
      try { await s.probeCommand(`-:${key}`); } catch { /* not there */ }
    }
    s?.disabled.delete(key);
    if (up) { this.user = this.user.filter(p => p !== up); this.save(); }
    await this.refresh();
  }

  private async definitionOf(s: UprobeSession, key: string): Promise<string | undefined> {
    return s.launchProbes.get(key) ?? this.user.find(p => p.key === key)?.def;
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}

function consumerKind(name: string): { key?: string; bpId?: number } {
  const bp = /^debugger (?:breakpoint|logpoint) (\d+)/.exec(name);
  if (bp) return { bpId: Number(bp[1]) };
  if (/^[^\s/]+\/[^\s/]+$/.test(name)) return { key: name };
  return {};
}

export class ProbesTree implements vscode.TreeDataProvider<Node> {
  private readonly _onDidChange = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this._onDidChange.event;

  constructor(private model: ProbesModel) {
    model.onChange(() => this._onDidChange.fire(undefined));
  }

  getChildren(n?: Node): Node[] {
    const m = this.model;
    if (!n) {
      const out: Node[] = [];
      const snap = m.snap;
      const live = m.sessions.active;
      const present = new Set<string>();
      if (snap) {
        const list = [...snap.list].sort((a, b) => Number(a.address ?? 0) - Number(b.address ?? 0));
        for (const info of list) {
          for (const c of info.consumers) present.add(c);
          out.push({ kind: 'uprobe', info, src: info.address ? snap.src.get(info.address) : undefined, last: snap.ended });
        }
      }
      for (const p of m.user) {
        if (present.has(p.key)) continue;
        out.push({ kind: 'user', probe: p, error: m.userErrors.get(p.key) });
      }
      if (live) for (const [key, def] of live.disabled) if (!m.user.some(p => p.key === key)) out.push({ kind: 'off', key, def });
      if (!out.length) out.push({ kind: 'hint', label: 'No probes yet: start debugging, or add one with +' });
      return out;
    }
    if (n.kind === 'uprobe') {
      const i = n.info;
      const kids: Node[] = i.consumers.map(name => ({ kind: 'consumer' as const, name, parent: i, ...consumerKind(name), user: m.user.find(p => p.key === name) }));
      if (i.state === 'refused' && i.reason) kids.push({ kind: 'detail', label: 'refused', description: i.reason, icon: 'error', tooltip: i.reason });
      if (i.emulated) kids.push({ kind: 'detail', label: 'emulated', description: `${i.emulated} (no single-step)`, icon: 'zap' });
      else if (i.fixups?.length) kids.push({ kind: 'detail', label: 'fixups', description: i.fixups.join(' | '), icon: 'wrench', tooltip: i.fixups.join('\n') });
      if (i.bytes) kids.push({ kind: 'detail', label: 'bytes', description: i.bytes, icon: 'symbol-array' });
      if (i.offset) kids.push({ kind: 'detail', label: 'file offset', description: `${path.basename(i.path)}:${i.offset}`, icon: 'file-binary', tooltip: `${i.path}:${i.offset}` });
      return kids;
    }
    return [];
  }

  getTreeItem(n: Node): vscode.TreeItem {
    switch (n.kind) {
      case 'uprobe': {
        const i = n.info;
        const where = n.src?.line ? `${path.basename(n.src.path)}:${n.src.line}` : n.src?.symbol ?? `${path.basename(i.path)}:${i.offset ?? '?'}`;
        const t = new vscode.TreeItem(where, vscode.TreeItemCollapsibleState.Collapsed);
        const sym = n.src?.line && n.src.symbol ? `${n.src.symbol}  ` : '';
        const hits = `${i.hits} hit${i.hits === 1 ? '' : 's'}`;
        t.description = i.state === 'refused'
          ? `refused: ${i.reason ?? ''}`
          : `${sym}${i.address ?? ''}  ${i.instruction}  · ${hits}${n.last ? ' (last run)' : ''}`;
        t.iconPath = i.state === 'refused' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
          : i.state === 'installed' ? new vscode.ThemeIcon('debug-breakpoint-log', new vscode.ThemeColor('debugIcon.breakpointForeground'))
            : new vscode.ThemeIcon('debug-breakpoint-unverified');
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**${where}**${n.src?.symbol ? ` (\`${n.src.symbol}\`)` : ''}\n\n`);
        md.appendMarkdown(`| | |\n|---|---|\n| address | \`${i.address ?? '-'}\` |\n| file | \`${i.path}:${i.offset ?? '?'}\` |\n`);
        md.appendMarkdown(`| instruction | \`${i.instruction || '?'}\` |\n| bytes | \`${i.bytes ?? ''}\` |\n| hits | ${i.hits} |\n| state | ${i.state}${i.reason ? `: ${i.reason}` : ''} |\n`);
        if (i.fixups?.length) md.appendMarkdown(`| fixups | ${i.fixups.join(' \\| ')} |\n`);
        if (i.emulated) md.appendMarkdown(`| emulated | ${i.emulated} |\n`);
        md.appendMarkdown(`| consumers | ${i.consumers.join(', ') || '-'} |\n`);
        t.tooltip = md;
        t.contextValue = 'uprobe';
        t.id = `u:${i.path}:${i.offset}:${i.address}`;
        if (n.src?.path && n.src.line) {
          t.command = { command: 'uprobeLab.revealProbe', title: 'Show Source', arguments: [n.src.path, n.src.line] };
        }
        return t;
      }
      case 'consumer': {
        const t = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
        if (n.bpId !== undefined) {
          t.iconPath = new vscode.ThemeIcon('debug-breakpoint', new vscode.ThemeColor('debugIcon.breakpointForeground'));
          t.description = 'debugger';
          t.contextValue = 'consumer.breakpoint';
        } else if (n.key) {
          const lines = this.model.traces.counts.get(n.key) ?? 0;
          t.iconPath = new vscode.ThemeIcon('output');
          t.description = `${lines} trace line${lines === 1 ? '' : 's'}${n.user ? ' · defined here' : ''}`;
          t.contextValue = 'consumer.event';
        } else {
          t.iconPath = new vscode.ThemeIcon('symbol-event');
          t.contextValue = 'consumer.other';
        }
        t.id = `c:${n.parent.path}:${n.parent.offset}:${n.name}`;
        return t;
      }
      case 'user': {
        const p = n.probe;
        const t = new vscode.TreeItem(p.source ? `${path.basename(p.source.file)}:${p.source.line}` : p.key, vscode.TreeItemCollapsibleState.None);
        const running = !!this.model.sessions.active && this.model.sessions.active.state !== 'exited';
        t.description = n.error ? `error: ${n.error.split('\n')[0]}` : !p.enabled ? `${p.key} · disabled` : running ? `${p.key} · not installed` : `${p.key} · applied at launch`;
        t.iconPath = n.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
          : new vscode.ThemeIcon(p.enabled ? 'debug-breakpoint-log-unverified' : 'circle-slash');
        t.tooltip = new vscode.MarkdownString(`\`${p.def}\`${p.from ? `\n\nfrom ${p.from}` : ''}${n.error ? `\n\n\`\`\`\n${n.error}\n\`\`\`` : ''}`);
        t.contextValue = p.enabled ? 'user.enabled' : 'user.disabled';
        t.id = `p:${p.key}`;
        if (p.source) t.command = { command: 'uprobeLab.revealProbe', title: 'Show Source', arguments: [p.source.file, p.source.line] };
        return t;
      }
      case 'off': {
        const t = new vscode.TreeItem(n.key, vscode.TreeItemCollapsibleState.None);
        t.description = 'disabled';
        t.iconPath = new vscode.ThemeIcon('circle-slash');
        t.tooltip = n.def;
        t.contextValue = 'event.disabled';
        return t;
      }
      case 'detail': {
        const t = new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.None);
        t.description = n.description;
        if (n.icon) t.iconPath = new vscode.ThemeIcon(n.icon);
        if (n.tooltip) t.tooltip = n.tooltip;
        return t;
      }
      case 'hint':
        return new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.None);
    }
  }
}

/** The key(s) of the events a node stands for. */
function keysOf(n: Node | undefined): string[] {
  if (!n) return [];
  if (n.kind === 'consumer' && n.key) return [n.key];
  if (n.kind === 'user') return [n.probe.key];
  if (n.kind === 'off') return [n.key];
  if (n.kind === 'uprobe') return n.info.consumers.filter(c => consumerKind(c).key);
  return [];
}

/** VS Code breakpoints whose adapter id is one of `ids`. */
async function breakpointsById(s: UprobeSession | undefined, ids: number[]): Promise<vscode.Breakpoint[]> {
  if (!s || !ids.length) return [];
  const out: vscode.Breakpoint[] = [];
  for (const b of vscode.debug.breakpoints) {
    try {
      const d = (await s.session.getDebugProtocolBreakpoint(b)) as { id?: number } | undefined;
      if (d && typeof d.id === 'number' && ids.includes(d.id)) out.push(b);
    } catch { /* not this session's */ }
  }
  return out;
}

function bpIdsOf(n: Node | undefined): number[] {
  if (!n) return [];
  if (n.kind === 'consumer' && n.bpId !== undefined) return [n.bpId];
  if (n.kind === 'uprobe') return n.info.consumers.map(c => consumerKind(c).bpId).filter((x): x is number => x !== undefined);
  return [];
}

export function registerProbeCommands(ctx: vscode.ExtensionContext, model: ProbesModel, view: vscode.TreeView<Node>): void {
  const err = (e: unknown) => void vscode.window.showErrorMessage(`Uprobe Lab: ${(e as Error).message}`);
  const selected = (n: Node | undefined): Node[] => n ? [n] : [...view.selection];

  ctx.subscriptions.push(
    vscode.commands.registerCommand('uprobeLab.addProbe', async () => {
      const s = model.sessions.active;
      const prog = s?.program;
      const value = prog ? `p:uprobes/myprobe ${prog}:0x` : 'p:uprobes/myprobe ';
      const def = await vscode.window.showInputBox({
        title: 'Add Probe (uprobe_events syntax)',
        prompt: 'p[:[GRP/]EVENT] PATH:OFFSET [FETCHARGS]  ·  r[:[GRP/]EVENT] PATH:OFFSET [FETCHARGS]  ·  -:[GRP/]EVENT',
        placeHolder: 'p:mygroup/load ./bin/prog:0x100c rax=%ax first=+0(%si):u8',
        value, valueSelection: [value.length, value.length],
        ignoreFocusOut: true,
        validateInput: async (t) => {
          if (!t.trim()) return undefined;
          try { await parseDef(t); return undefined; } catch (e) { return (e as Error).message; }
        },
      });
      if (!def?.trim()) return;
      try { await model.add(def); } catch (e) { err(e); }
    }),

    vscode.commands.registerCommand('uprobeLab.addProbeAtCursor', async (arg?: vscode.Uri | { lineNumber: number; uri: vscode.Uri }) => {
      const ed = vscode.window.activeTextEditor;
      let file: string, line: number;
      if (arg && !(arg instanceof vscode.Uri) && typeof arg.lineNumber === 'number') {
        // From the line-number context menu.
        file = arg.uri.fsPath;
        line = arg.lineNumber;
      } else if (ed) {
        file = arg instanceof vscode.Uri ? arg.fsPath : ed.document.fileName;
        line = ed.selection.active.line + 1;
      } else {
        void vscode.window.showInformationMessage('Uprobe Lab: put the cursor on a line of assembly or C first.');
        return;
      }
      try {
        const s = model.sessions.active;
        let program = s && s.state !== 'exited' ? s.program : undefined;
        let place = s && s.state !== 'exited' ? s.lineAddresses(file, line) : undefined;
        let symbol: string | undefined;
        if (!place) {
          if (!program) {
            const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath;
            program = (await findProgram(file, ws))?.program;
          }
          if (!program) throw new Error(`no program built from ${path.basename(file)} found: build it (with -g) or start debugging it first`);
          const r = await lineToOffsets(program, file, line);
          place = r;
          symbol = r.symbol;
        }
        const off = place.offsets[0];
        const name = eventNameFor(file, place.line);
        const def = `p:uprobes/${name} ${program}:0x${off.toString(16)}`;
        await model.add(def, { source: { file, line: place.line } });
        void vscode.window.setStatusBarMessage(`Uprobe Lab: probe uprobes/${name} at ${path.basename(file)}:${place.line}${symbol ? ` (${symbol})` : ''}, offset 0x${off.toString(16)}`, 5000);
      } catch (e) { err(e); }
    }),

    vscode.commands.registerCommand('uprobeLab.loadProbesFile', async (uri?: vscode.Uri) => {
      let file = uri instanceof vscode.Uri ? uri.fsPath : undefined;
      if (!file && vscode.window.activeTextEditor?.document.languageId === 'uprobe-events') file = vscode.window.activeTextEditor.document.fileName;
      if (!file) {
        const pick = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'uprobe_events definitions': ['uprobes', 'txt'], 'All files': ['*'] }, title: 'Load uprobe_events definitions' });
        file = pick?.[0]?.fsPath;
      }
      if (!file) return;
      let defs: string[];
      try { defs = readProbesFile(file, model.sessions.active?.session.configuration.cwd); } catch (e) { err(e); return; }
      const bad: string[] = [];
      let ok = 0;
      for (const d of defs) {
        try { await model.add(d, { from: file }); ok++; } catch (e) { bad.push(`${d}\n  ${(e as Error).message}`); }
      }
      if (bad.length) {
        void vscode.window.showWarningMessage(`Uprobe Lab: ${ok} of ${defs.length} definitions from ${path.basename(file)} added; ${bad.length} refused.`, { detail: bad.join('\n'), modal: false });
      } else {
        void vscode.window.setStatusBarMessage(`Uprobe Lab: ${ok} definitions from ${path.basename(file)} added`, 5000);
      }
    }),

    vscode.commands.registerCommand('uprobeLab.enableProbe', async (n?: Node) => {
      try {
        for (const x of selected(n)) {
          for (const k of keysOf(x)) await model.setEnabled(k, true);
          const bps = await breakpointsById(model.sessions.active, bpIdsOf(x));
          await setBreakpointsEnabled(bps, true);
        }
      } catch (e) { err(e); }
    }),

    vscode.commands.registerCommand('uprobeLab.disableProbe', async (n?: Node) => {
      try {
        for (const x of selected(n)) {
          const bps = await breakpointsById(model.sessions.active, bpIdsOf(x));
          for (const k of keysOf(x)) await model.setEnabled(k, false);
          await setBreakpointsEnabled(bps, false);
        }
      } catch (e) { err(e); }
    }),

    vscode.commands.registerCommand('uprobeLab.removeProbe', async (n?: Node) => {
      try {
        for (const x of selected(n)) {
          const bps = await breakpointsById(model.sessions.active, bpIdsOf(x));
          for (const k of keysOf(x)) await model.remove(k);
          if (bps.length) vscode.debug.removeBreakpoints(bps);
        }
      } catch (e) { err(e); }
    }),

    vscode.commands.registerCommand('uprobeLab.removeAllProbes', async () => {
      const keys = model.user.map(p => p.key);
      for (const k of keys) await model.remove(k);
    }),

    vscode.commands.registerCommand('uprobeLab.refreshProbes', () => model.refresh()),

    vscode.commands.registerCommand('uprobeLab.revealProbe', async (file: string, line: number) => {
      try {
        const doc = await vscode.workspace.openTextDocument(file);
        const pos = new vscode.Position(Math.max(0, line - 1), 0);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preserveFocus: true, preview: true });
      } catch (e) { err(e); }
    }),
  );
}

/** VS Code has no API to flip a breakpoint's `enabled`: replace it with a copy. */
async function setBreakpointsEnabled(bps: vscode.Breakpoint[], on: boolean): Promise<void> {
  const todo = bps.filter(b => b.enabled !== on);
  if (!todo.length) return;
  const copies = todo.map(b => {
    if (b instanceof vscode.SourceBreakpoint) return new vscode.SourceBreakpoint(b.location, on, b.condition, b.hitCondition, b.logMessage);
    if (b instanceof vscode.FunctionBreakpoint) return new vscode.FunctionBreakpoint(b.functionName, on, b.condition, b.hitCondition, b.logMessage);
    return undefined;
  }).filter((x): x is vscode.SourceBreakpoint | vscode.FunctionBreakpoint => !!x);
  vscode.debug.removeBreakpoints(todo);
  vscode.debug.addBreakpoints(copies);
}
