// The running `uprobe` debug sessions as the views see them: the adapter's custom events (xolState,
// uprobeTrace) and its stop/continue/exit news, seen through a debug adapter tracker, and a small API
// over each session. A session whose adapter runs inside the extension host (the default) is also
// reachable directly, for what the protocol does not carry (source line -> file offset, the profile).

import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { XolStateBody } from '../adapter/xolstate';
import type { TraceRecord } from '../engine/uprobes/trace_uprobe';
import type { UprobeDebugSession } from '../adapter/session';
import type { SourceMapper } from './sourceMap';

/** One entry of the adapter's `uprobeList` answer. */
export interface UprobeInfo {
  path: string;
  offset?: string;
  address?: string;
  instruction: string;
  bytes?: string;
  consumers: string[];
  hits: number;
  state: 'installed' | 'not installed' | 'refused' | string;
  reason?: string;
  fixups?: string[];
  emulated?: string;
}

/** Body of the adapter's `uprobeTrace` event: an engine trace record and what produced it. */
export type TraceLineBody = TraceRecord & { source: 'probe' | 'logpoint' };

export interface SourceLine { path: string; line: number; symbol?: string }

/** Requests after which the program runs again. */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restart', 'goto']);

export type RunState = 'starting' | 'running' | 'stopped' | 'exited';

/** What the extension knows about one uprobe debug session. */
export class UprobeSession {
  state: RunState = 'starting';
  /** The adapter object when it runs in this process. */
  inline: UprobeDebugSession | undefined;
  /** Maps the line table's source paths to the user's files. */
  mapper: SourceMapper | undefined;
  lastXol: XolStateBody | undefined;
  exitCode: number | undefined;
  /** uprobe_profile taken when the program exited (the tracer is gone once the session ends). */
  finalProfile: string | undefined;
  /** Probe definitions given in the launch configuration, by `group/event`. */
  readonly launchProbes = new Map<string, string>();
  /** Events the user switched off during this session (`-:` sent), with their definitions. */
  readonly disabled = new Map<string, string>();
  private lineCache = new Map<string, SourceLine | null>();

  constructor(readonly session: vscode.DebugSession) {}

  get id(): string { return this.session.id; }

  private get rt() { return this.inline?.runtime; }

  async uprobeList(): Promise<UprobeInfo[]> {
    const rt = this.rt;
    if (rt) return rt.uprobeList() as UprobeInfo[];
    const r = await this.session.customRequest('uprobeList');
    return (r?.probes ?? []) as UprobeInfo[];
  }

  async xolState(): Promise<XolStateBody | undefined> {
    const rt = this.rt;
    if (rt) return rt.p ? rt.xolState() : undefined;
    return (await this.session.customRequest('xolState')) ?? undefined;
  }

  /** The source line (and symbol) of a run-time address, from the line table. */
  async sourceOf(address: string): Promise<SourceLine | undefined> {
    if (this.lineCache.has(address)) return this.lineCache.get(address) ?? undefined;
    let res: SourceLine | null = null;
    const rt = this.rt;
    if (rt?.p) {
      const a = Number(address);
      const row = rt.lineAt(a);
      const sym = rt.symbolAt(a);
      const symbol = sym ? (sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name) : undefined;
      res = row ? { path: row.file, line: row.line, symbol } : symbol ? { path: '', line: 0, symbol } : null;
    } else {
      try {
        const r = await this.session.customRequest('disassemble', { memoryReference: address, instructionCount: 1, resolveSymbols: true });
        const ins = (r?.instructions ?? [])[0] as DebugProtocol.DisassembledInstruction | undefined;
        if (ins) res = { path: ins.location?.path ?? '', line: ins.line ?? 0, symbol: ins.symbol };
      } catch { /* the session is gone */ }
    }
    if (res?.path && this.mapper) res.path = this.mapper.map(res.path);
    this.lineCache.set(address, res);
    return res ?? undefined;
  }

  /** Apply one `uprobe_events` line (p:, r:, -:) in the running process. Returns the adapter's answer. */
  async probeCommand(line: string): Promise<string> {
    const rt = this.rt;
    if (rt) return rt.probeCommand(line);
    const r = await this.session.customRequest('evaluate', { expression: line, context: 'repl' });
    return String(r?.result ?? '');
  }

  /** Synchronous variant for the configuration phase (in-process adapters only). */
  probeCommandNow(line: string): string | undefined {
    return this.rt?.probeCommand(line);
  }

  /** `uprobe_profile` from the tracer, when the adapter runs in this process. */
  profile(): string | undefined {
    return this.rt?.tracer?.profile();
  }

  /** The program and its working directory. */
  get program(): string | undefined {
    const c = this.session.configuration;
    return this.rt?.p?.exePath ?? c.program;
  }

  /** Run-time addresses and file offsets of a source line (in-process adapters only). */
  lineAddresses(file: string, line: number): { line: number; offsets: number[]; addresses: number[] } | undefined {
    const rt = this.rt;
    if (!rt?.p) return undefined;
    const f = rt.lines.resolveFile(file);
    if (!f) return undefined;
    const r = rt.lines.addressesForLine(f, line);
    if (!r) return undefined;
    const addresses = r.addresses.map(a => a + rt.bias);
    const offsets = addresses.map(a => rt.fileOffsetOf(a)).filter((x): x is number => x !== undefined);
    return { line: r.line, addresses, offsets };
  }
}

/** Every uprobe session, the active one, and the events the views listen to. */
export class Sessions implements vscode.Disposable {
  private all = new Map<string, UprobeSession>();
  private pendingInline = new Map<string, { da: UprobeDebugSession; mapper: SourceMapper }>();
  private subs: vscode.Disposable[] = [];

  private readonly _onXol = new vscode.EventEmitter<{ s: UprobeSession; body: XolStateBody }>();
  private readonly _onTrace = new vscode.EventEmitter<{ s: UprobeSession; body: TraceLineBody }>();
  private readonly _onState = new vscode.EventEmitter<UprobeSession>();
  private readonly _onStart = new vscode.EventEmitter<UprobeSession>();
  private readonly _onEnd = new vscode.EventEmitter<UprobeSession>();
  private readonly _onConfigure = new vscode.EventEmitter<UprobeSession>();
  readonly onXol = this._onXol.event;
  readonly onTrace = this._onTrace.event;
  /** Stopped, continued, exited. */
  readonly onState = this._onState.event;
  readonly onStart = this._onStart.event;
  readonly onEnd = this._onEnd.event;
  /** The program is loaded and the client is about to send configurationDone (synchronous listeners). */
  readonly onConfigure = this._onConfigure.event;

  constructor() {
    this.subs.push(
      vscode.debug.registerDebugAdapterTrackerFactory('uprobe', { createDebugAdapterTracker: (s) => this.tracker(s) }),
      vscode.debug.onDidTerminateDebugSession(s => {
        const u = this.all.get(s.id);
        if (!u) return;
        if (u.state !== 'exited') { u.state = 'exited'; this._onState.fire(u); }
        this.all.delete(s.id);
        this.pendingInline.delete(s.id);
        this._onEnd.fire(u);
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => { const a = this.active; if (a) this._onState.fire(a); }),
      this._onXol, this._onTrace, this._onState, this._onStart, this._onEnd, this._onConfigure,
    );
  }

  /** The inline adapter created for a session (called by the descriptor factory). */
  attachInline(session: vscode.DebugSession, da: UprobeDebugSession, mapper: SourceMapper): void {
    const u = this.all.get(session.id);
    if (u) { u.inline = da; u.mapper = mapper; } else this.pendingInline.set(session.id, { da, mapper });
  }

  get(session: vscode.DebugSession | undefined): UprobeSession | undefined {
    return session ? this.all.get(session.id) : undefined;
  }

  /** The session the views follow: the active debug session if it is ours, else the newest. */
  get active(): UprobeSession | undefined {
    const a = this.get(vscode.debug.activeDebugSession);
    if (a) return a;
    let last: UprobeSession | undefined;
    for (const s of this.all.values()) last = s;
    return last;
  }

  get list(): UprobeSession[] { return [...this.all.values()]; }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const u = new UprobeSession(session);
    const pend = this.pendingInline.get(session.id);
    if (pend) { u.inline = pend.da; u.mapper = pend.mapper; }
    this.pendingInline.delete(session.id);
    this.all.set(session.id, u);
    for (const d of (session.configuration.probes ?? []) as string[]) {
      const m = /^([pr])(?::(?:([^/\s]+)\/)?(\S+))?\s/.exec(String(d).trim());
      if (m?.[3]) u.launchProbes.set(`${m[2] ?? 'uprobes'}/${m[3]}`, String(d).trim());
    }
    this._onStart.fire(u);
    return {
      onWillReceiveMessage: (m: DebugProtocol.ProtocolMessage) => {
        if (m.type !== 'request') return;
        const cmd = (m as DebugProtocol.Request).command;
        if (cmd === 'configurationDone') {
          const p = this.pendingInline.get(session.id);
          if (!u.inline && p) { u.inline = p.da; u.mapper = p.mapper; }
          this._onConfigure.fire(u);
          // The program starts running when the adapter has answered.
          u.state = 'running';
          this._onState.fire(u);
        } else if (RESUMING.has(cmd) && u.state === 'stopped') {
          u.state = 'running';
          this._onState.fire(u);
        }
      },
      onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
        if (m.type !== 'event') return;
        const e = m as DebugProtocol.Event;
        switch (e.event) {
          case 'xolState': u.lastXol = e.body; this._onXol.fire({ s: u, body: e.body }); break;
          case 'uprobeTrace': this._onTrace.fire({ s: u, body: e.body }); break;
          case 'stopped': u.state = 'stopped'; this._onState.fire(u); break;
          case 'continued': u.state = 'running'; this._onState.fire(u); break;
          case 'exited':
            u.exitCode = e.body?.exitCode;
            try { u.finalProfile = u.profile(); } catch { /* not in process */ }
            u.state = 'exited';
            this._onState.fire(u);
            break;
          case 'terminated': if (u.state !== 'exited') { u.state = 'exited'; this._onState.fire(u); } break;
        }
      },
      onError: () => { /* shown by VS Code */ },
    };
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}
