// Source paths for programs built somewhere else. The line table names sources as they were when the
// program was built (say /home/ci/project/src/fixups.s); the user's copy is elsewhere. Between VS Code
// and the in-process adapter, every source path the adapter sends is mapped to the user's file:
// explicit `sourceFileMap` prefixes first, then a file the client itself named (a breakpoint set in
// it) with the same trailing path, then the path itself when it exists, then the trailing parts of the
// path under the workspace folders and the working directory. (No `vscode` import: unit-tested.)

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';

export class SourceMapper {
  private known = new Set<string>();
  private cache = new Map<string, string>();
  private prefixes: Array<[string, string]>;

  constructor(config: { [key: string]: unknown }, private roots: string[]) {
    const m = config.sourceFileMap;
    this.prefixes = m && typeof m === 'object' ? Object.entries(m as Record<string, string>).map(([a, b]) => [path.resolve(a), path.resolve(b)]) : [];
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** A path the client used (a source it set breakpoints in). */
  noteClientPath(p: string | undefined): void {
    if (!p || this.known.has(p)) return;
    this.known.add(p);
    this.cache.clear();
  }

  map(p: string): string {
    const hit = this.cache.get(p);
    if (hit !== undefined) return hit;
    const r = this.resolve(p);
    this.cache.set(p, r);
    return r;
  }

  private resolve(p: string): string {
    if (!path.isAbsolute(p)) return p;
    for (const [from, to] of this.prefixes) {
      if (p === from || p.startsWith(from + path.sep)) return to + p.slice(from.length);
    }
    if (this.known.has(p)) return p;
    const parts = p.split('/').filter(Boolean);
    // The client's own file with the longest common tail (at least the file name).
    let best: string | undefined, bestN = 0;
    for (const k of this.known) {
      const kp = k.split('/').filter(Boolean);
      let n = 0;
      while (n < kp.length && n < parts.length && kp[kp.length - 1 - n] === parts[parts.length - 1 - n]) n++;
      if (n > bestN) { best = k; bestN = n; }
    }
    if (best) return best;
    if (exists(p)) return p;
    for (let i = 1; i < parts.length; i++) {
      const tail = parts.slice(i).join('/');
      for (const r of this.roots) {
        const c = path.join(r, tail);
        if (exists(c)) return c;
      }
    }
    return p;
  }

  /** Rewrite the source paths in a message from the adapter (in place). */
  outgoing(m: DebugProtocol.ProtocolMessage): void {
    const fix = (s: DebugProtocol.Source | undefined) => { if (s?.path) s.path = this.map(s.path); };
    if (m.type === 'response') {
      const r = m as DebugProtocol.Response;
      const b = r.body;
      if (!b) return;
      switch (r.command) {
        case 'stackTrace': for (const f of (b.stackFrames ?? []) as DebugProtocol.StackFrame[]) fix(f.source); break;
        case 'setBreakpoints': case 'setFunctionBreakpoints': case 'setInstructionBreakpoints':
          for (const x of (b.breakpoints ?? []) as DebugProtocol.Breakpoint[]) fix(x.source); break;
        case 'disassemble': for (const i of (b.instructions ?? []) as DebugProtocol.DisassembledInstruction[]) fix(i.location); break;
        case 'loadedSources': for (const s of (b.sources ?? []) as DebugProtocol.Source[]) fix(s); break;
        case 'scopes': for (const s of (b.scopes ?? []) as DebugProtocol.Scope[]) fix(s.source); break;
      }
    } else if (m.type === 'event') {
      const e = m as DebugProtocol.Event;
      if (e.event === 'breakpoint') fix(e.body?.breakpoint?.source);
      else if (e.event === 'loadedSource') fix(e.body?.source);
      else if (e.event === 'output') fix(e.body?.source);
    }
  }

  /** Note the client's paths in a request to the adapter. */
  incoming(m: DebugProtocol.ProtocolMessage): void {
    if (m.type !== 'request') return;
    const r = m as DebugProtocol.Request;
    if (r.command === 'setBreakpoints' || r.command === 'breakpointLocations') this.noteClientPath(r.arguments?.source?.path);
  }
}

function exists(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}
