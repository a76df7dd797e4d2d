// DAP abuse: the real adapter (dist/adapter.js) driven over stdio with raw framed JSON: requests in random
// order, with missing, wrong-typed or out-of-range arguments, before launch, after exit, twice. Every
// request must get a response (an error response is fine) and the adapter must stay alive: a final
// valid request is answered, and disconnect then ends it.

import { spawn, ChildProcess } from 'node:child_process';
import { Rng } from './rng';

const COMMANDS = ['initialize', 'launch', 'attach', 'configurationDone', 'setBreakpoints', 'setFunctionBreakpoints',
  'setInstructionBreakpoints', 'setExceptionBreakpoints', 'breakpointLocations', 'threads', 'continue', 'next', 'stepIn',
  'stepOut', 'pause', 'exceptionInfo', 'stackTrace', 'scopes', 'variables', 'setVariable', 'setExpression', 'evaluate',
  'readMemory', 'writeMemory', 'disassemble', 'restart', 'terminate', 'xolState', 'uprobeList', 'disassemblySyntax',
  'source', 'loadedSources', 'modules', 'completions', 'gotoTargets', 'goto', 'stepBack', 'reverseContinue',
  'restartFrame', 'dataBreakpointInfo', 'setDataBreakpoints', 'cancel', 'terminateThreads', 'stepInTargets',
  'noSuchCommand', ''];

/** A JSON value that is wrong in some way. */
function junk(r: Rng): unknown {
  return r.pick<unknown>([null, true, -1, 0, 1e300, -2147483649, 4294967296, 9007199254740993, '', 'x', '0x', '-1',
    '0xffffffffffffffff', [], [1, 2], {}, { a: 1 }, 'a'.repeat(5000), 1.5, '\u0000', '%rax', '$stack']);
}

function num(r: Rng): unknown {
  return r.bool(0.5) ? r.pick([0, 1, 2, 3, 5, 1000, 1e6]) : junk(r);
}

export interface DapPrograms { basic: string; loop: string; source?: string }

function args(r: Rng, cmd: string, p: DapPrograms): unknown {
  if (r.bool(0.1)) return undefined;
  if (r.bool(0.05)) return junk(r);
  const prog = r.bool(0.8) ? (r.bool(0.7) ? p.basic : p.loop) : junk(r);
  const bad = () => r.bool(0.3);
  switch (cmd) {
    case 'initialize': return { adapterID: 'uprobe', linesStartAt1: bad() ? junk(r) : true, columnsStartAt1: true, pathFormat: 'path' };
    case 'launch': case 'restart': {
      const a: Record<string, unknown> = { program: prog, stopOnEntry: r.bool() ? r.bool() : junk(r) };
      if (r.bool(0.3)) a.args = r.bool() ? ['a', 'b'] : junk(r);
      if (r.bool(0.2)) a.probes = r.bool() ? ['p:x/y ' + p.basic + ':0x1000'] : junk(r);
      if (r.bool(0.2)) a.maxMemory = junk(r);
      if (r.bool(0.2)) a.cwd = junk(r);
      if (r.bool(0.2)) a.env = junk(r);
      return cmd === 'restart' && r.bool() ? { arguments: a } : a;
    }
    case 'setBreakpoints': {
      const src = r.bool(0.8) ? { path: r.bool(0.7) ? (p.source ?? p.basic) : junk(r) } : junk(r);
      const bps = r.bool(0.8) ? Array.from({ length: r.int(4) }, () => (r.bool(0.8) ? { line: num(r), condition: r.bool(0.2) ? junk(r) : undefined, hitCondition: r.bool(0.2) ? junk(r) : undefined, logMessage: r.bool(0.1) ? '{%rax' : undefined } : junk(r))) : junk(r);
      return { source: src, breakpoints: bps, lines: r.bool(0.1) ? junk(r) : undefined };
    }
    case 'setFunctionBreakpoints': return { breakpoints: r.bool(0.8) ? [{ name: r.bool() ? r.pick(['_start', 'func', 'nosuch', '']) : junk(r) }] : junk(r) };
    case 'setInstructionBreakpoints': return { breakpoints: r.bool(0.8) ? [{ instructionReference: r.bool() ? '0x401000' : junk(r), offset: num(r) }] : junk(r) };
    case 'setExceptionBreakpoints': return { filters: r.bool() ? [] : junk(r) };
    case 'breakpointLocations': return { source: { path: r.bool() ? (p.source ?? p.basic) : junk(r) }, line: num(r), endLine: num(r) };
    case 'continue': case 'next': case 'stepIn': case 'stepOut': case 'pause': case 'stepBack': case 'goto':
      return { threadId: r.bool(0.7) ? 1 : num(r), granularity: r.bool(0.3) ? r.pick(['instruction', 'line', 'statement', junk(r)]) : undefined, targetId: num(r) };
    case 'stackTrace': return { threadId: r.bool(0.7) ? 1 : num(r), startFrame: num(r), levels: num(r) };
    case 'scopes': return { frameId: num(r) };
    case 'variables': return { variablesReference: num(r), start: num(r), count: num(r), filter: r.bool(0.2) ? junk(r) : undefined };
    case 'setVariable': return { variablesReference: num(r), name: r.bool() ? r.pick(['rax', 'rip', 'rsp', 'eflags', 'xmm0', 'nosuch']) : junk(r), value: r.bool() ? r.pick(['0', '0x10', '-1', 'zz', '']) : junk(r) };
    case 'evaluate': case 'setExpression': case 'completions':
      return { expression: r.bool(0.7) ? r.pick(['%rax', '$rsp', '*(long*)$rsp', '1+', 'x'.repeat(3000), '((((', '$stack', '0x0', 'func', '@0', '*0']) : junk(r), text: junk(r), column: num(r), frameId: num(r), context: r.pick(['watch', 'repl', 'hover', junk(r)]), value: '1' };
    case 'readMemory': return { memoryReference: r.bool(0.6) ? r.pick(['0x401000', '0x0', '0x7ffffffde000', '0xffffffffffffffff', 'zz']) : junk(r), offset: num(r), count: r.bool(0.3) ? r.pick([1e9, 2 ** 31, -5]) : num(r) };
    case 'writeMemory': return { memoryReference: r.bool(0.6) ? r.pick(['0x401000', '0x0', '0x402000']) : junk(r), offset: num(r), data: r.bool(0.6) ? r.pick(['AAAA', '', '!!!notbase64', 'A'.repeat(100000)]) : junk(r), allowPartial: r.bool() };
    case 'disassemble': return { memoryReference: r.bool(0.6) ? r.pick(['0x401000', '0x0', '0xffffffffffff']) : junk(r), offset: num(r), instructionOffset: num(r), instructionCount: r.bool(0.3) ? r.pick([1e7, 2 ** 31, -1]) : num(r), resolveSymbols: r.bool() };
    case 'disassemblySyntax': return { syntax: r.pick(['att', 'intel', 'x', junk(r)]) };
    case 'source': return { sourceReference: num(r), source: r.bool() ? { path: junk(r) } : undefined };
    default: return r.bool() ? {} : { x: junk(r) };
  }
}

interface Msg { seq: number; type: string; command?: string; request_seq?: number; success?: boolean; message?: string; event?: string; body?: unknown }

export class RawDap {
  private buf = Buffer.alloc(0);
  private seq = 1;
  readonly responses = new Map<number, Msg>();
  readonly events: Msg[] = [];
  private waiters: Array<() => void> = [];
  exited = false;
  stderr = '';
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.parse(); });
    child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    child.on('exit', () => { this.exited = true; this.wake(); });
  }
  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  private parse(): void {
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, h).toString());
      const len = m ? Number(m[1]) : 0;
      if (this.buf.length < h + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(h + 4, h + 4 + len).toString('utf8')) as Msg;
      this.buf = this.buf.subarray(h + 4 + len);
      if (msg.type === 'response') this.responses.set(msg.request_seq!, msg);
      else if (msg.type === 'event') this.events.push(msg);
      else if (msg.type === 'request') {
        // reverse requests (runInTerminal...): answer with an error
        this.sendRaw({ seq: this.seq++, type: 'response', request_seq: msg.seq, command: msg.command, success: false, message: 'not supported' });
      }
      this.wake();
    }
  }
  sendRaw(obj: unknown): void {
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    if (!this.exited) this.child.stdin!.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  }
  send(command: string, args: unknown): number {
    const seq = this.seq++;
    const m: Record<string, unknown> = { seq, type: 'request', command };
    if (args !== undefined) m.arguments = args;
    this.sendRaw(m);
    return seq;
  }
  /** Wait until `pred` holds or `ms` pass; returns whether it holds. */
  async until(pred: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred()) {
      const left = end - Date.now();
      if (left <= 0 || this.exited) return pred();
      await new Promise<void>(res => { const t = setTimeout(res, Math.min(left, 50)); this.waiters.push(() => { clearTimeout(t); res(); }); });
    }
    return true;
  }
}

export interface DapResult { launched: number; requests: number; answered: number; errors: number; unanswered: string[]; alive: boolean; finalOk: boolean; exitedOnDisconnect: boolean; stderr: string; ms: number }

/** Run `n` random requests against a fresh adapter. */
export async function fuzzDap(adapter: string, p: DapPrograms, seed: number, n: number): Promise<DapResult> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'pipe'] });
  const dap = new RawDap(child);
  const r = new Rng(seed);
  const sent: { seq: number; what: string }[] = [];
  try {
    for (let k = 0; k < n && !dap.exited; k++) {
      let cmd = r.pick(COMMANDS);
      let a: unknown;
      if (r.bool(0.05) && sent.length) cmd = sent[r.int(sent.length)].what.split(' ')[0]; // the same again
      // Most sessions start properly (so that requests also land on a live, stopped or exited guest).
      const proper = seed % 4 !== 0;
      if (proper && k === 0) { cmd = 'initialize'; a = { adapterID: 'uprobe', linesStartAt1: true, columnsStartAt1: true }; }
      else if (proper && k === 1) { cmd = 'launch'; a = { program: r.bool() ? p.basic : p.loop, stopOnEntry: true }; }
      else if (proper && k === 2) cmd = 'configurationDone';
      else a = args(r, cmd, p);
      const seq = dap.send(cmd, a);
      sent.push({ seq, what: `${cmd} ${JSON.stringify(a)?.slice(0, 200)}` });
      // Mostly wait for the answer (keeps the order meaningful); sometimes fire several at once.
      if (r.bool(0.8)) await dap.until(() => dap.responses.has(seq), cmd === 'launch' || cmd === 'restart' ? 300 : 1500);
    }
    // Let a pending launch finish waiting for configurationDone (it waits up to 5 s).
    await dap.until(() => sent.every(s => dap.responses.has(s.seq)), 15000);
    const alive = !dap.exited;
    const fin = dap.send('threads', {});
    const finalOk = await dap.until(() => dap.responses.get(fin)?.success === true, 5000);
    dap.send('disconnect', { terminateDebuggee: true });
    const exitedOnDisconnect = await dap.until(() => dap.exited, 5000);
    const unanswered = sent.filter(s => !dap.responses.has(s.seq)).map(s => s.what);
    const answered = sent.length - unanswered.length;
    const errors = sent.filter(s => dap.responses.get(s.seq)?.success === false).length;
    const launched = sent.filter(s => /^(launch|restart) /.test(s.what) && dap.responses.get(s.seq)?.success).length;
    return { launched, requests: sent.length, answered, errors, unanswered, alive, finalOk, exitedOnDisconnect, stderr: dap.stderr, ms: Date.now() - t0 };
  } finally {
    if (!dap.exited) child.kill('SIGKILL');
  }
}

/** Replay a fixed request sequence (a regression): all answered, adapter alive, disconnect ends it. */
export async function replayDap(adapter: string, requests: { command: string; arguments?: unknown }[]): Promise<{ unanswered: string[]; finalOk: boolean; exitedOnDisconnect: boolean; stderr: string }> {
  const child = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'pipe'] });
  const dap = new RawDap(child);
  try {
    const seqs = requests.map(q => ({ seq: dap.send(q.command, q.arguments), what: q.command }));
    await dap.until(() => seqs.every(s => dap.responses.has(s.seq)), 8000);
    const fin = dap.send('threads', {});
    const finalOk = await dap.until(() => dap.responses.get(fin)?.success === true, 5000);
    dap.send('disconnect', { terminateDebuggee: true });
    const exitedOnDisconnect = await dap.until(() => dap.exited, 5000);
    return { unanswered: seqs.filter(s => !dap.responses.has(s.seq)).map(s => s.what), finalOk, exitedOnDisconnect, stderr: dap.stderr };
  } finally {
    if (!dap.exited) child.kill('SIGKILL');
  }
}
