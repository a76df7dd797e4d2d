// The debug adapter, driven over the Debug Adapter Protocol exactly as an editor drives it: the real
// dist/adapter.js (run `node scripts/build.mjs` first) under @vscode/debugadapter-testsupport's
// DebugClient, on programs assembled and compiled here. Expected values come from the programs'
// own sources, their symbol tables, the host running them natively, and the kernel's uprobes (tracefs).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildAsm, buildC, have, need, runNative, exitCode, tmpDir, ROOT } from './util';
import { haveTracefs, kernelTrace, normalize } from './kernel';
import { ElfFile } from '../engine/elf/elf';

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const FIXUPS_SRC = fs.readFileSync(path.join(ROOT, 'samples', 'src', 'fixups.s'), 'utf8');
const XOL_BASE = 0x7fffffffe000;

// ---- programs ---------------------------------------------------------------------------------------

/** Writes "hi\n", calls a frame-pointer function, exits 7. `# @NAME` comments mark lines for the tests. */
const BASIC = `        .globl _start
        .text
_start:
        mov     $5, %edi              # @entry

        # a comment line: no code           @blank
        .globl site
site:
        mov     val(%rip), %rax       # @site
        .globl after
after:
        add     $1, %rdi              # @after
        call    func                  # @call
        .globl back
back:
        mov     $1, %eax              # @back
        mov     $1, %edi
        lea     msg(%rip), %rsi
        mov     $3, %edx
        .globl do_write
do_write:
        syscall                       # @write
        lock addl $0, (%rsp)          # @lock
        .globl do_exit
do_exit:
        mov     $60, %eax             # @exit
        mov     $7, %edi
        syscall

        .globl func
        .type func, @function
func:
        push    %rbp                  # @func
        mov     %rsp, %rbp
        mov     $0x99, %eax           # @func_body
        pop     %rbp
        ret                           # @func_ret
        .size func, .-func

        .data
        .globl val
val:    .quad   0x1122334455667788
        .globl msg
msg:    .asciz  "hi\\n"
`;

/** Calls check(n, s) for n = 0..9 (s points at "abc" for even n, at "" for odd n); exits 0. */
const LOOP = `        .globl _start
        .text
_start:
        xor     %ebx, %ebx
1:
        mov     %rbx, %rdi
        lea     str_abc(%rip), %rsi
        lea     str_empty(%rip), %rdx
        test    $1, %bl
        cmovnz  %rdx, %rsi
        call    check                 # @call_check
        inc     %rbx
        cmp     $10, %rbx
        jne     1b
        mov     $60, %eax
        xor     %edi, %edi
        syscall

        .globl check
        .type check, @function
check:
        mov     %rdi, %rax            # @check
        ret
        .size check, .-check

        .data
str_abc:   .asciz "abc"
str_empty: .asciz ""
`;

/** Runs forever. */
const SPIN = `        .globl _start
        .text
_start:
        xor     %eax, %eax
        .globl spin
spin:
        add     $1, %rax              # @spin
        jmp     spin
`;

/** Loads through a null pointer. */
const SEGV = `        .globl _start
        .text
_start:
        xor     %eax, %eax
        .globl fault
fault:
        mov     (%rax), %rbx          # @fault
        mov     $60, %eax
        xor     %edi, %edi
        syscall
`;

/** Installs a SIGUSR1 handler, sends itself SIGUSR1; the handler sets the exit status (5). */
const SIGNAL = `        .globl _start
        .text
_start:
        lea     act(%rip), %rsi
        mov     $10, %edi
        xor     %edx, %edx
        mov     $8, %r10d
        mov     $13, %eax
        syscall
        mov     $39, %eax
        syscall
        mov     %eax, %edi
        mov     $10, %esi
        mov     $62, %eax
        .globl do_kill
do_kill:
        syscall
        mov     flag(%rip), %edi
        mov     $60, %eax
        syscall
        .globl handler
handler:
        movl    $5, flag(%rip)
        ret
restorer:
        mov     $15, %eax
        syscall
        .data
act:    .quad   handler, 0x04000000, restorer, 0
flag:   .long   0
`;

const C_PROG = `#include <stdio.h>

int sq(int x) {
  int y = x * x;
  return y;
}

int sum(int n) {
  int s = 0;
  for (int i = 0; i < n; i++)
    s += sq(i);
  return s;
}

int main(void) {
  int r = sum(4);
  printf("r=%d\\n", r);
  return r;
}
`;

function lineOf(src: string, mark: string): number {
  const k = src.split('\n').findIndex(l => l.includes(`@${mark}`) && new RegExp(`@${mark}(\\s|$)`).test(l));
  if (k < 0) throw new Error(`no @${mark} in source`);
  return k + 1;
}

/** The line of the first instruction after `label:` in an assembly source. */
function lineAfterLabel(src: string, label: string): number {
  const ls = src.split('\n');
  let k = ls.findIndex(l => l.trim() === `${label}:`);
  if (k < 0) throw new Error(`no ${label}: in source`);
  while (++k < ls.length && (!ls[k].trim() || /^\s*(\.|#|\w+:)/.test(ls[k]))) { /* labels, directives */ }
  return k + 1;
}

function cLine(text: string): number {
  const k = C_PROG.split('\n').findIndex(l => l.includes(text));
  if (k < 0) throw new Error(`no '${text}' in C source`);
  return k + 1;
}

function elfOf(exe: string): ElfFile {
  const d = fs.readFileSync(exe);
  return ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
}

const symCache = new Map<string, ElfFile>();
function sym(exe: string, name: string): number {
  let e = symCache.get(exe);
  if (!e) { e = elfOf(exe); symCache.set(exe, e); }
  const s = e.symbols.find(x => x.name === name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.value;
}
const fileOff = (exe: string, name: string) => elfOf(exe).vaddrToFileOffset(sym(exe, name))!;
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

interface Built { exe: string; src: string }
const built = new Map<string, Built>();
function asmProg(name: string, src: string): Built {
  let b = built.get(name);
  if (!b) {
    const exe = buildAsm(src, name);
    b = { exe, src: exe + '.s' };
    built.set(name, b);
  }
  return b;
}
function cProg(): Built {
  let b = built.get('cprog');
  if (!b) {
    const exe = buildC(C_PROG, 'cprog', { flags: ['-g', '-O0', '-static'] });
    b = { exe, src: exe + '.c' };
    built.set('cprog', b);
  }
  return b;
}

// ---- a DebugClient with buffered events -------------------------------------------------------------

class Dbg {
  readonly dc: DebugClient;
  private queues = new Map<string, DebugProtocol.Event[]>();
  private waiters = new Map<string, Array<(e: DebugProtocol.Event) => void>>();
  stdout = '';
  stderr = '';
  console = '';
  readonly xol: Array<Record<string, unknown>> = [];
  readonly traces: Array<Record<string, unknown>> = [];

  constructor() {
    this.dc = new DebugClient('node', ADAPTER, 'uprobe', { stdio: 'pipe' } as never);
    this.dc.defaultTimeout = 15000;
    for (const ev of ['stopped', 'exited', 'terminated', 'initialized', 'breakpoint', 'continued']) {
      this.dc.on(ev, (e: DebugProtocol.Event) => this.push(ev, e));
    }
    this.dc.on('output', (e: DebugProtocol.OutputEvent) => {
      const c = e.body.category;
      if (c === 'stdout') this.stdout += e.body.output;
      else if (c === 'stderr') this.stderr += e.body.output;
      else this.console += e.body.output;
    });
    this.dc.on('xolState', (e: DebugProtocol.Event) => this.xol.push(e.body));
    this.dc.on('uprobeTrace', (e: DebugProtocol.Event) => this.traces.push(e.body));
  }

  private push(name: string, e: DebugProtocol.Event): void {
    const w = this.waiters.get(name);
    if (w && w.length) { w.shift()!(e); return; }
    let q = this.queues.get(name);
    if (!q) { q = []; this.queues.set(name, q); }
    q.push(e);
  }

  /** The next event of that name (buffered: events that already arrived are not lost). */
  next<T extends DebugProtocol.Event>(name: string, ms = 15000): Promise<T> {
    return this.nextOf([name], ms) as Promise<T>;
  }

  /** The next event among several names (one waiter; whichever comes first is consumed). */
  nextOf(names: string[], ms = 15000): Promise<DebugProtocol.Event> {
    for (const n of names) {
      const q = this.queues.get(n);
      if (q && q.length) return Promise.resolve(q.shift()!);
    }
    return new Promise((resolve, reject) => {
      const fns: Array<[string, (e: DebugProtocol.Event) => void]> = [];
      const done = () => {
        clearTimeout(t);
        for (const [n, f] of fns) { const l = this.waiters.get(n)!; const k = l.indexOf(f); if (k >= 0) l.splice(k, 1); }
      };
      const t = setTimeout(() => { done(); reject(new Error(`no '${names.join("' or '")}' event within ${ms} ms`)); }, ms);
      for (const n of names) {
        const f = (e: DebugProtocol.Event) => { done(); resolve(e); };
        fns.push([n, f]);
        let l = this.waiters.get(n);
        if (!l) { l = []; this.waiters.set(n, l); }
        l.push(f);
      }
    });
  }

  /** The next stop, or null when the program exited instead. */
  async stopOrExit(): Promise<DebugProtocol.StoppedEvent['body'] | null> {
    const e = await this.nextOf(['stopped', 'exited']);
    return e.event === 'stopped' ? (e as DebugProtocol.StoppedEvent).body : null;
  }

  pending(name: string): number { return this.queues.get(name)?.length ?? 0; }

  static async start(port?: number): Promise<Dbg> {
    const d = new Dbg();
    await d.dc.start(port);
    await d.dc.initializeRequest({ adapterID: 'uprobe', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true });
    return d;
  }

  /** launch, then (once `initialized` arrives) `setup` sets breakpoints, then configurationDone. */
  async launch(args: Record<string, unknown>, setup?: (d: Dbg) => Promise<void>): Promise<void> {
    const launched = this.dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
    await Promise.race([this.next('initialized'), launched]);
    if (setup) await setup(this);
    await this.dc.configurationDoneRequest();
    await launched;
  }

  async stopped(): Promise<DebugProtocol.StoppedEvent['body']> {
    return (await this.next<DebugProtocol.StoppedEvent>('stopped')).body;
  }

  async stepIn(granularity?: DebugProtocol.SteppingGranularity) {
    await this.dc.stepInRequest({ threadId: 1, granularity });
    return this.stopped();
  }
  async next_(granularity?: DebugProtocol.SteppingGranularity) {
    await this.dc.nextRequest({ threadId: 1, granularity });
    return this.stopped();
  }
  async stepOut(granularity?: DebugProtocol.SteppingGranularity) {
    await this.dc.stepOutRequest({ threadId: 1, granularity });
    return this.stopped();
  }
  async cont() {
    await this.dc.continueRequest({ threadId: 1 });
  }

  async frames(): Promise<DebugProtocol.StackFrame[]> {
    return (await this.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }
  async top(): Promise<DebugProtocol.StackFrame> { return (await this.frames())[0]; }
  async ip(): Promise<number> { return Number((await this.top()).instructionPointerReference); }

  async scopes(frameId = 0): Promise<DebugProtocol.Scope[]> {
    return (await this.dc.scopesRequest({ frameId })).body.scopes;
  }
  async vars(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await this.dc.variablesRequest({ variablesReference: ref })).body.variables;
  }
  async regs(): Promise<Map<string, DebugProtocol.Variable>> {
    const s = (await this.scopes()).find(x => x.name === 'Registers')!;
    return new Map((await this.vars(s.variablesReference)).map(v => [v.name, v]));
  }
  async reg(name: string): Promise<bigint> { return BigInt((await this.regs()).get(name)!.value.split(' ')[0]); }

  async eval(expression: string, context = 'repl'): Promise<DebugProtocol.EvaluateResponse['body']> {
    return (await this.dc.evaluateRequest({ expression, context, frameId: 0 })).body;
  }

  async read(addr: number, count: number): Promise<Buffer> {
    const r = await this.dc.customRequest('readMemory', { memoryReference: hex(addr), count });
    return Buffer.from(r.body.data ?? '', 'base64');
  }

  async setBps(file: string, bps: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    return (await this.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: bps })).body.breakpoints;
  }

  async finish(): Promise<number> {
    const ex = await this.next<DebugProtocol.ExitedEvent>('exited');
    await this.next('terminated');
    return ex.body.exitCode;
  }

  /** The adapter's process (stdio mode). */
  get adapter(): import('node:child_process').ChildProcess | null {
    return (this.dc as unknown as { _adapterProcess: import('node:child_process').ChildProcess | null })._adapterProcess;
  }

  async close(): Promise<void> {
    const a = this.adapter;
    if (a && a.exitCode === null && a.signalCode === null) {
      // disconnect (the adapter ends itself), but never wait for an adapter that is gone.
      const timer = new Promise<void>(r => { const t = setTimeout(r, 3000); a.once('exit', () => { clearTimeout(t); r(); }); });
      await Promise.race([this.dc.stop().catch(() => {}), timer]);
    } else if (!a) {
      try { await this.dc.stop(); } catch { /* gone */ }
    }
    this.adapter?.kill('SIGKILL');
  }
}

/** Run a test body with a session that is always closed. */
async function session(body: (d: Dbg) => Promise<void>): Promise<void> {
  const d = await Dbg.start();
  try { await body(d); } finally { await d.close(); }
}

const tools = () => have('as') && have('ld');

// ---- launch, exit, output ------------------------------------------------------------------------------

test('a missing or bad program fails the launch with the engine\'s one-line reason', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const dir = tmpDir('dap-');
  const text = path.join(dir, 'notelf');
  fs.writeFileSync(text, 'just text\n');
  await session(async (d) => {
    await assert.rejects(d.dc.launchRequest({ program: path.join(dir, 'nope') } as never), (e: Error) => {
      assert.equal(e.message, `${path.join(dir, 'nope')}: no such file`);
      return true;
    });
  });
  await session(async (d) => {
    await assert.rejects(d.dc.launchRequest({ program: text } as never), (e: Error) => {
      assert.equal(e.message, `${text}: not an ELF file`);
      return true;
    });
  });
  await session(async (d) => {
    const { exe } = asmProg('basic', BASIC);
    await assert.rejects(d.dc.launchRequest({ program: exe, probes: ['p:grp/ev ' + exe + ':0x1000 x=%zz'] } as never), /probe '.*': trace_uprobe: error: Invalid register name\n/);
  });
});

test('stopOnEntry, threads, guest output and the exit status (checked against a native run)', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('basic', BASIC);
  const native = runNative(exe);
  await session(async (d) => {
    await d.launch({ program: exe, stopOnEntry: true });
    const s = await d.stopped();
    assert.equal(s.reason, 'entry');
    assert.equal(await d.ip(), elfOf(exe).entry);
    const th = await d.dc.threadsRequest();
    assert.equal(th.body.threads.length, 1);
    assert.match(th.body.threads[0].name, /^basic \(\d+\)$/);
    await d.cont();
    assert.equal(await d.finish(), exitCode(native));
    assert.equal(d.stdout, native.stdout);
  });
});

// ---- breakpoints ----------------------------------------------------------------------------------------

test('source breakpoints on an `as -g` file: uprobes at the line\'s address, moved to the next line with code', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    let bps: DebugProtocol.Breakpoint[] = [];
    await d.launch({ program: exe }, async (dd) => {
      bps = await dd.setBps(src, [{ line: lineOf(BASIC, 'blank') }, { line: lineOf(BASIC, 'func_body') }]);
    });
    assert.equal(bps[0].verified, true);
    assert.equal(bps[0].line, lineOf(BASIC, 'site'), 'moved from the comment line to the next line with code');
    assert.equal(bps[0].instructionReference, hex(sym(exe, 'site')));
    assert.equal(bps[1].line, lineOf(BASIC, 'func_body'));
    let s = await d.stopped();
    assert.equal(s.reason, 'breakpoint');
    assert.deepEqual(s.hitBreakpointIds, [bps[0].id]);
    const top = await d.top();
    assert.equal(top.line, lineOf(BASIC, 'site'));
    assert.equal(top.source?.path, src);
    assert.equal(top.instructionPointerReference, hex(sym(exe, 'site')));
    // The probe's int3 is in memory, as /proc/PID/mem shows it.
    assert.equal((await d.read(sym(exe, 'site'), 1))[0], 0xcc);
    await d.cont();
    s = await d.stopped();
    assert.deepEqual(s.hitBreakpointIds, [bps[1].id]);
    const fr = await d.frames();
    assert.deepEqual(fr.map(f => [f.name, f.line]), [['func', lineOf(BASIC, 'func_body')], ['after', lineOf(BASIC, 'call')]],
      'the caller found through the frame pointer, at the call\'s line');
    // breakpointLocations: the lines with code in a range.
    const loc = await d.dc.customRequest('breakpointLocations', { source: { path: src }, line: lineOf(BASIC, 'entry'), endLine: lineOf(BASIC, 'after') });
    assert.deepEqual(loc.body.breakpoints.map((b: { line: number }) => b.line), [lineOf(BASIC, 'entry'), lineOf(BASIC, 'site'), lineOf(BASIC, 'after')]);
    await d.cont();
    assert.equal(await d.finish(), 7);
  });
});

test('sources moved since the build: breakpoints match by trailing path, frames show the editor\'s path', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('basic', BASIC);
  const moved = path.join(tmpDir('moved-'), 'checkout', 'basic.s');
  fs.mkdirSync(path.dirname(moved), { recursive: true });
  fs.writeFileSync(moved, BASIC);
  await session(async (d) => {
    let bps: DebugProtocol.Breakpoint[] = [];
    await d.launch({ program: exe }, async (dd) => { bps = await dd.setBps(moved, [{ line: lineOf(BASIC, 'after') }]); });
    assert.equal(bps[0].verified, true);
    await d.stopped();
    const top = await d.top();
    assert.equal(top.source?.path, moved);
    assert.equal(top.line, lineOf(BASIC, 'after'));
  });
});

test('a refused instruction gives an unverified breakpoint with the kernel\'s reason (both models)', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  for (const model of ['current', '2012']) {
    await session(async (d) => {
      let bps: DebugProtocol.Breakpoint[] = [];
      await d.launch({ program: exe, model }, async (dd) => {
        bps = await dd.setBps(src, [{ line: lineOf(BASIC, 'lock') }, { line: lineOf(BASIC, 'write') }]);
      });
      assert.equal(bps[0].verified, false);
      assert.match(bps[0].message ?? '', /instruction not supported: .*lock/);
      if (model === '2012') {
        assert.equal(bps[1].verified, false, 'the 2012 kernel refused syscall');
        assert.match(bps[1].message ?? '', /instruction not supported: syscall/);
      } else {
        assert.equal(bps[1].verified, true, 'today 0f xx opcodes are all accepted');
        assert.equal((await d.stopped()).reason, 'breakpoint');
        await d.cont();
      }
      const list = (await d.dc.customRequest('uprobeList')).body.probes as Array<{ state: string; reason?: string; address: string }>;
      const refused = list.find(p => p.address === hex(sym(exe, 'do_exit') - 5));
      assert.equal(refused?.state, 'refused');
      assert.match(refused?.reason ?? '', /lock/);
      assert.equal(await d.finish(), 7);
    });
  }
});

test('function breakpoints (sym, sym+0x4, unknown names) and instruction breakpoints', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('basic', BASIC);
  await session(async (d) => {
    let fb: DebugProtocol.Breakpoint[] = [];
    let ib: DebugProtocol.Breakpoint[] = [];
    await d.launch({ program: exe }, async (dd) => {
      fb = (await dd.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'func+0x4' }, { name: 'no_such_symbol' }] })).body.breakpoints;
      ib = (await dd.dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: hex(sym(exe, 'after')) }] })).body.breakpoints;
    });
    assert.equal(fb[0].verified, true);
    assert.equal(fb[0].instructionReference, hex(sym(exe, 'func') + 4));
    assert.equal(fb[1].verified, false);
    assert.match(fb[1].message ?? '', /no symbol 'no_such_symbol'/);
    assert.equal(ib[0].verified, true);
    let s = await d.stopped();
    assert.deepEqual(s.hitBreakpointIds, [ib[0].id]);
    assert.equal(await d.ip(), sym(exe, 'after'));
    await d.cont();
    s = await d.stopped();
    assert.deepEqual(s.hitBreakpointIds, [fb[0].id]);
    assert.equal(await d.ip(), sym(exe, 'func') + 4);
    // Function breakpoints by name land on the symbol itself (the uprobe's function entry).
    const again = (await d.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'do_exit' }] })).body.breakpoints;
    assert.equal(again[0].instructionReference, hex(sym(exe, 'do_exit')));
    await d.cont();
    s = await d.stopped();
    assert.deepEqual(s.hitBreakpointIds, [again[0].id]);
    await d.cont();
    assert.equal(await d.finish(), 7);
  });
});

test('a conditional breakpoint stops only where its fetcharg condition holds; a bad one is unverified', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('loop', LOOP);
  await session(async (d) => {
    let bps: DebugProtocol.Breakpoint[] = [];
    await d.launch({ program: exe }, async (dd) => {
      const fbs = (await dd.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'check', condition: '%di >= 5 && +0(%si):u8 != 0' }] })).body.breakpoints;
      bps = [...fbs, ...await dd.setBps(src, [{ line: lineOf(LOOP, 'call_check'), condition: '%di == ' }])];
    });
    assert.equal(bps[1].verified, false);
    assert.match(bps[1].message ?? '', /ends too early/);
    const seen: bigint[] = [];
    for (;;) {
      const r = await d.stopOrExit();
      if (!r) break;
      assert.equal(r.reason, 'breakpoint');
      seen.push(await d.reg('rdi'));
      assert.equal((await d.eval('+0(%si):string')).result, '"abc"');
      await d.cont();
    }
    assert.deepEqual(seen, [6n, 8n], 'even n >= 5 (odd n point at an empty string)');
  });
});

test('hit conditions: == 4, % 3, >= 9', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('loop', LOOP);
  for (const [cond, want] of [['== 4', [3n]], ['% 3', [2n, 5n, 8n]], ['>= 9', [8n, 9n]]] as Array<[string, bigint[]]>) {
    await session(async (d) => {
      await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(LOOP, 'check'), hitCondition: cond }]); });
      const seen: bigint[] = [];
      for (;;) {
        const r = await d.stopOrExit();
        if (!r) break;
        seen.push(await d.reg('rdi'));
        await d.cont();
      }
      assert.deepEqual(seen, want, cond);
    });
  }
});

test('a logpoint prints the kernel\'s trace line for the same fetchargs (compared with tracefs)', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('loop', LOOP);
  const off = fileOff(exe, 'check');
  const event = `p_loop_0x${off.toString(16)}`;
  const traceFile = path.join(tmpDir('dap-'), 'trace.txt');
  const lines: string[] = [];
  await session(async (d) => {
    await d.launch({ program: exe, traceFile }, async (dd) => {
      const b = await dd.setBps(src, [{ line: lineOf(LOOP, 'check'), logMessage: 'n={%di:u64} s={+0(%si):string} c={+0(%si):x8}' }]);
      assert.equal(b[0].verified, true);
    });
    assert.equal(await d.finish(), 0);
    for (const tr of d.traces) lines.push(String(tr.line));
    assert.equal(d.pending('stopped'), 0, 'a logpoint does not stop');
  });
  assert.equal(lines.length, 10);
  assert.match(lines[0], new RegExp(`^ +loop-\\d+ +\\[000\\] DBZff +\\d+\\.\\d{6}: ${event}: \\(0x${sym(exe, 'check').toString(16)}\\) n=0 s="abc" c=0x61$`));
  assert.match(lines[1], / n=1 s="" c=0x0$/);
  assert.deepEqual(fs.readFileSync(traceFile, 'utf8').trimEnd().split('\n'), lines, 'the trace file holds the same lines');
  if (!need(t, haveTracefs(), 'tracefs (root) is needed for the kernel comparison')) return;
  const k = kernelTrace(exe, [`p:${event} ${exe}:0x${off.toString(16)} n=%di:u64 s=+0(%si):string c=+0(%si):x8`]);
  assert.deepEqual(lines.map(normalize), k.lines.map(normalize));
});

// ---- stepping through XOL ---------------------------------------------------------------------------------

async function xolSession(model: string, label: string, body: (d: Dbg, exe: string) => Promise<void>): Promise<void> {
  const { exe } = asmProg('fixups', FIXUPS_SRC);
  await session(async (d) => {
    await d.launch({ program: exe, model }, async (dd) => {
      await dd.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: label }] });
    });
    const s = await d.stopped();
    assert.equal(s.reason, 'breakpoint');
    assert.equal(await d.ip(), sym(exe, label));
    await body(d, exe);
  });
}

for (const model of ['current', '2012']) {
  test(`a RIP-relative load stepped through XOL shows the slot, then the loaded value (${model} model)`, async (t) => {
    if (!need(t, tools(), 'as and ld are needed')) return;
    await xolSession(model, 'riprel_load', async (d, exe) => {
      const slot = model === 'current' ? 1 : 0;
      const slotAddr = XOL_BASE + 128 * slot;
      // The Uprobe scope at the stop.
      const up = (await d.scopes()).find(s => s.name === 'Uprobe');
      assert.ok(up, 'a Uprobe scope at a probe stop');
      const uv = new Map((await d.vars(up.variablesReference)).map(v => [v.name, v.value]));
      assert.equal(uv.get('phase'), 'handlers');
      assert.match(uv.get('fixups') ?? '', model === 'current' ? /UPROBE_FIX_RIP_SI/ : /UPROBE_FIX_RIP_CX/);
      // Step 1: into the slot.
      assert.equal((await d.stepIn()).reason, 'step');
      const fr = await d.frames();
      assert.equal(fr[0].name, `[uprobes] slot ${slot} (xol)`);
      assert.equal(fr[0].source, undefined);
      assert.equal(fr[0].instructionPointerReference, hex(slotAddr));
      assert.equal(fr[1].name, 'riprel_load', 'the probed instruction\'s frame below the slot');
      const scratch = model === 'current' ? 'rsi' : 'rcx';
      const scratchValue = model === 'current' ? sym(exe, 'after_load') : sym(exe, 'val');
      assert.equal(await d.reg(scratch), BigInt(scratchValue), 'scratch register loaded by pre_xol');
      const xs = (await d.dc.customRequest('xolState')).body;
      assert.equal(xs.phase, 'pre_xol');
      assert.equal(xs.slot.index, slot);
      const disp = hex(sym(exe, 'val') - sym(exe, 'after_load'));
      assert.equal(xs.slot.originalInstruction, `mov ${disp}(%rip),%rax`);
      assert.equal(xs.slot.slotInstruction, model === 'current' ? `mov ${disp}(%rsi),%rax` : 'mov (%rcx),%rax');
      assert.equal(xs.scratch.reg, scratch);
      assert.ok(d.xol.some(x => x.phase === 'pre_xol'), 'xolState event for the pre_xol phase');
      // The disassembly of the XOL page shows the rewritten instruction.
      const dis = (await d.dc.disassembleRequest({ memoryReference: hex(slotAddr), instructionCount: 1 })).body!.instructions[0];
      assert.match(dis.instruction, model === 'current' ? /^mov 0x[0-9a-f]+\(%rsi\),%rax .*slot 1: copy of/ : /^mov \(%rcx\),%rax .*slot 0: copy of/);
      // Step 2: the single-step and post_xol: back in the original code with the value loaded.
      assert.equal((await d.stepIn()).reason, 'step');
      assert.equal(await d.ip(), sym(exe, 'after_load'));
      assert.equal(await d.reg('rax'), 0x1122334455667788n);
      assert.equal(await d.reg(scratch), model === 'current' ? 0x1111n : 0n, 'scratch register restored');
      assert.equal((await d.top()).line, lineAfterLabel(FIXUPS_SRC, 'after_load'));
    });
  });
}

for (const model of ['current', '2012']) {
  test(`an indirect call stepped through XOL lands in the callee with the return address fixed (${model} model)`, async (t) => {
    if (!need(t, tools(), 'as and ld are needed')) return;
    await xolSession(model, 'icall_rip', async (d, exe) => {
      const sp = await d.reg('rsp');
      await d.stepIn();
      assert.match((await d.top()).name, /^\[uprobes\] slot \d \(xol\)$/);
      await d.stepIn();
      assert.equal(await d.ip(), sym(exe, 'func'), 'in the callee');
      assert.equal(await d.reg('rsp'), sp - 8n);
      const ret = (await d.read(Number(sp - 8n), 8)).readBigUInt64LE(0);
      assert.equal(ret, BigInt(sym(exe, 'ijmp_rip')), 'return address = probe + length, not slot + length');
      const xs = (await d.dc.customRequest('xolState')).body;
      assert.ok(xs.fixups.includes('UPROBE_FIX_CALL'));
      assert.ok(xs.changes.some((c: { what: string }) => /return address|call/i.test(c.what)), JSON.stringify(xs.changes));
      // The stack now shows the callee above the probed call site.
      const fr = await d.frames();
      assert.deepEqual(fr.slice(0, 2).map(f => f.instructionPointerReference), [hex(sym(exe, 'func')), hex(sym(exe, 'ijmp_rip'))]);
      await d.cont();
      assert.equal(await d.finish(), 42);
    });
  });
}

test('without xolStepping a step from a uprobe stop executes the probed instruction in one go', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('fixups', FIXUPS_SRC);
  await session(async (d) => {
    await d.launch({ program: exe, xolStepping: false }, async (dd) => {
      await dd.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'riprel_load' }] });
    });
    await d.stopped();
    await d.stepIn('instruction');
    assert.equal(await d.ip(), sym(exe, 'after_load'));
    assert.equal(await d.reg('rax'), 0x1122334455667788n);
    assert.equal(await d.reg('rsi'), 0x1111n);
  });
});

// ---- stepping in C ------------------------------------------------------------------------------------------

test('C (gcc -g -O0): next, stepIn (past the prologue), stepOut, frame-pointer stack, output, exit code', async (t) => {
  if (!need(t, tools() && have('gcc'), 'gcc is needed')) return;
  const { exe, src } = cProg();
  const native = runNative(exe);
  await session(async (d) => {
    // xolStepping off: each step runs the probed instruction whole (with it, the first step from a
    // breakpoint stops in the XOL slot; see the XOL tests).
    await d.launch({ program: exe, xolStepping: false }, async (dd) => { await dd.setBps(src, [{ line: cLine('int s = 0;') }]); });
    assert.equal((await d.stopped()).reason, 'breakpoint');
    let fr = await d.frames();
    assert.deepEqual(fr.slice(0, 2).map(f => [f.name, f.line]), [['sum', cLine('int s = 0;')], ['main', cLine('int r = sum(4);')]]);
    assert.equal(fr[0].source?.path, src);
    await d.next_();
    assert.equal((await d.top()).line, cLine('for (int i = 0;'));
    await d.next_();
    assert.equal((await d.top()).line, cLine('s += sq(i);'));
    await d.stepIn();
    fr = await d.frames();
    assert.deepEqual(fr.slice(0, 3).map(f => [f.name, f.line]), [['sq', cLine('int y = x * x;')], ['sum', cLine('s += sq(i);')], ['main', cLine('int r = sum(4);')]]);
    await d.next_();
    assert.equal((await d.top()).line, cLine('return y;'));
    await d.stepOut();
    fr = await d.frames();
    assert.equal(fr[0].name, 'sum');
    assert.equal(fr[0].line, cLine('s += sq(i);'), 'back in the caller, in the middle of the line');
    // Instruction granularity: exactly one instruction.
    const ip0 = await d.ip();
    await d.next_('instruction');
    assert.notEqual(await d.ip(), ip0);
    // Out of sum: into main; then next over printf (no line information) to the return.
    await d.stepOut();
    assert.equal((await d.top()).name, 'main');
    await d.next_();
    assert.equal((await d.top()).line, cLine('printf('));
    await d.next_();
    assert.equal((await d.top()).line, cLine('return r;'));
    await d.cont();
    assert.equal(await d.finish(), exitCode(native));
    assert.equal(d.stdout, native.stdout, 'printf\'s output arrived as output events');
  });
});

test('assembly: next steps over a call, stepIn enters it, stepOut returns after the call', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'call') }]); });
    await d.stopped();
    await d.next_();
    assert.equal(await d.ip(), sym(exe, 'back'));
    assert.equal(await d.reg('rax'), 0x99n, 'the call ran');
  });
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'call') }]); });
    await d.stopped();
    await d.stepIn();
    assert.equal(await d.ip(), sym(exe, 'func'), 'an assembly function keeps its first instruction');
    assert.equal((await d.top()).line, lineOf(BASIC, 'func'));
    await d.stepIn();
    await d.stepOut();
    assert.equal(await d.ip(), sym(exe, 'back'));
    assert.equal((await d.top()).line, lineOf(BASIC, 'back'));
  });
});

// ---- pause, signals, running changes ------------------------------------------------------------------------

test('pause during a long loop is answered within 100 ms; terminate ends the guest', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('spin', SPIN);
  await session(async (d) => {
    await d.launch({ program: exe });
    await new Promise(r => setTimeout(r, 300));
    const t0 = performance.now();
    await d.dc.pauseRequest({ threadId: 1 });
    const s = await d.stopped();
    const ms = performance.now() - t0;
    assert.equal(s.reason, 'pause');
    assert.ok(ms < 100, `stopped ${ms.toFixed(1)} ms after the pause request`);
    const ip = await d.ip();
    assert.ok(ip === sym(exe, 'spin') || ip === sym(exe, 'spin') + 4, `paused in the loop (${hex(ip)})`);
    assert.ok(await d.reg('rax') > 1000n, 'the loop ran');
    await d.dc.terminateRequest({});
    assert.equal(await d.finish(), 137);
  });
});

test('breakpoints set while the guest runs take effect', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('spin', SPIN);
  await session(async (d) => {
    await d.launch({ program: exe });
    await new Promise(r => setTimeout(r, 100));
    const b = await d.setBps(src, [{ line: lineOf(SPIN, 'spin'), hitCondition: '>= 1000' }]);
    assert.equal(b[0].verified, true);
    const s = await d.stopped();
    assert.equal(s.reason, 'breakpoint');
    assert.ok(await d.reg('rax') >= 999n);
    // Removing it lets the loop run on; pause again.
    await d.setBps(src, []);
    assert.notEqual((await d.read(sym(exe, 'spin'), 1))[0], 0xcc, 'int3 removed');
    await d.cont();
    await new Promise(r => setTimeout(r, 50));
    await d.dc.pauseRequest({ threadId: 1 });
    assert.equal((await d.stopped()).reason, 'pause');
    // Disconnecting while the guest runs ends the adapter (stdio mode).
    await d.cont();
    const adapter = d.adapter!;
    const gone = new Promise<void>(r => adapter.once('exit', () => r()));
    await d.dc.disconnectRequest({});
    await Promise.race([gone, new Promise((_, rej) => setTimeout(() => rej(new Error('adapter still running 3 s after disconnect')), 3000))]);
  });
});

test('SIGSEGV stops with reason exception and exceptionInfo; continuing delivers it (status as natively)', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('segv', SEGV);
  const native = runNative(exe);
  assert.equal(native.signal, 'SIGSEGV');
  await session(async (d) => {
    await d.launch({ program: exe });
    const s = await d.stopped();
    assert.equal(s.reason, 'exception');
    assert.equal(s.text, 'SIGSEGV');
    assert.equal(await d.ip(), sym(exe, 'fault'), 'ip on the faulting instruction');
    const ex = (await d.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(ex.exceptionId, 'SIGSEGV');
    assert.equal(ex.description, `SIGSEGV at ${hex(sym(exe, 'fault'))} accessing 0x0`);
    assert.equal(ex.breakMode, 'always');
    await d.cont();
    assert.equal(await d.finish(), exitCode(native));
    assert.match(d.stderr, /guest killed by SIGSEGV/);
  });
});

test('exception filters: handled signals stop only when asked; faults can be let through', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const sig = asmProg('signal', SIGNAL).exe;
  const native = runNative(sig);
  // Default filters: a signal caught by a handler does not stop.
  await session(async (d) => {
    await d.launch({ program: sig });
    assert.equal(await d.finish(), exitCode(native));
  });
  await session(async (d) => {
    await d.launch({ program: sig }, async (dd) => { await dd.dc.setExceptionBreakpointsRequest({ filters: ['faults', 'fatal', 'handled'] }); });
    const s = await d.stopped();
    assert.equal(s.reason, 'exception');
    assert.equal(s.text, 'SIGUSR1');
    assert.match((await d.dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? '', /^SIGUSR1 received from pid \d+$/);
    assert.equal(await d.ip(), sym(sig, 'do_kill') + 2, 'stopped on the way back from kill(2)');
    await d.cont();
    assert.equal(await d.finish(), exitCode(native), 'resuming delivers the signal to the handler');
  });
  const { exe } = asmProg('segv', SEGV);
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.dc.setExceptionBreakpointsRequest({ filters: [] }); });
    assert.equal(await d.finish(), exitCode(runNative(exe)));
    assert.equal(d.pending('stopped'), 0);
  });
});

test('a return probe\'s trampoline: the stack shows the real caller, stepOut comes back to it', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe, probes: [`r:lab/ret ${exe}:0x${fileOff(exe, 'func').toString(16)} ret=$retval`] },
      async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'func_body') }]); });
    await d.stopped();
    const sp = await d.reg('rbp') + 8n;
    const onStack = (await d.read(Number(sp), 8)).readBigUInt64LE(0);
    assert.equal(onStack, BigInt(XOL_BASE), 'the return address was hijacked to the trampoline (slot 0)');
    const fr = await d.frames();
    assert.equal(fr[1].instructionPointerReference, hex(sym(exe, 'back')), 'the unwinder shows the real return address');
    assert.equal(fr[1].line, lineOf(BASIC, 'call'));
    await d.stepOut();
    assert.equal(await d.ip(), sym(exe, 'back'));
    assert.equal((await d.top()).line, lineOf(BASIC, 'back'));
    assert.equal(d.traces.filter(x => x.event === 'ret').length, 1);
    await d.cont();
    assert.equal(await d.finish(), 7);
  });
});

// ---- inspection -----------------------------------------------------------------------------------------------

test('registers (rflags bits, fs_base, xmm), setVariable, evaluate, readMemory/writeMemory', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'back') }, { line: lineOf(BASIC, 'exit') }]); });
    await d.stopped();
    const regs = await d.regs();
    for (const n of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r15', 'rip', 'rflags', 'fs_base', 'gs_base', 'xmm0', 'xmm15']) {
      assert.ok(regs.has(n), n);
    }
    assert.equal(regs.get('rax')!.value, '0x99');
    assert.equal(regs.get('rdi')!.value, '0x6');
    assert.ok(regs.get('rsp')!.memoryReference, 'a stack pointer is a memory reference');
    const flags = await d.vars(regs.get('rflags')!.variablesReference);
    assert.deepEqual(flags.map(f => f.name), ['CF', 'PF', 'AF', 'ZF', 'SF', 'TF', 'IF', 'DF', 'OF']);
    assert.equal(flags.find(f => f.name === 'IF')!.value, '1');
    const xmm0 = await d.vars(regs.get('xmm0')!.variablesReference);
    assert.ok(xmm0.some(v => v.name === 'f64[0]'));
    // setVariable: the message length register for write(2) and the exit status.
    const sc = (await d.scopes()).find(s => s.name === 'Registers')!;
    const r = await d.dc.setVariableRequest({ variablesReference: sc.variablesReference, name: 'rax', value: '0x1234' });
    assert.equal(r.body.value, '0x1234');
    assert.equal(await d.reg('rax'), 0x1234n);
    // evaluate: fetchargs, registers, symbols, comparisons.
    assert.equal((await d.eval('%ax')).result, '0x1234');
    assert.equal((await d.eval('eax', 'hover')).result, '0x1234');
    assert.equal((await d.eval('@msg:string')).result, '"hi\n"');
    assert.equal((await d.eval(`@${hex(sym(exe, 'val'))}:x64`)).result, '0x1122334455667788');
    assert.match((await d.eval('val', 'hover')).result, /^0x[0-9a-f]+ <val>: 0x1122334455667788$/);
    assert.equal((await d.eval('%ax == 0x1234 && %di:u8 == 6')).result, '0x1');
    await assert.rejects(d.eval('%zz'), /Invalid|Unknown|register/i);
    // writeMemory changes what the program prints.
    await d.dc.customRequest('writeMemory', { memoryReference: hex(sym(exe, 'msg')), data: Buffer.from('ok').toString('base64') });
    assert.equal((await d.read(sym(exe, 'msg'), 3)).toString(), 'ok\n');
    await d.cont();
    await d.stopped();
    // At `mov $60,%eax`: step (through the XOL phases) to the syscall, then change the status in rdi.
    const sys = sym(exe, 'do_exit') + 10;
    for (let k = 0; k < 6 && await d.ip() !== sys; k++) await d.stepIn('instruction');
    assert.equal(await d.ip(), sys);
    assert.equal(await d.reg('rdi'), 7n);
    const sc2 = (await d.scopes()).find(s => s.name === 'Registers')!;
    await d.dc.setVariableRequest({ variablesReference: sc2.variablesReference, name: 'rdi', value: '3' });
    await d.cont();
    assert.equal(await d.finish(), 3);
    assert.equal(d.stdout, 'ok\n');
  });
});

test('disassemble: AT&T by default, Intel on request, probes marked, source lines attached', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe, stopOnEntry: true }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'site') }]); });
    await d.stopped();
    const start = sym(exe, '_start');
    const ins = (await d.dc.disassembleRequest({ memoryReference: hex(start), instructionCount: 4, resolveSymbols: true })).body!.instructions;
    assert.deepEqual(ins.map(i => i.address), [hex(start), hex(sym(exe, 'site')), hex(sym(exe, 'after')), hex(sym(exe, 'after') + 4)]);
    assert.equal(ins[0].instruction, 'mov $5,%edi');
    assert.equal(ins[0].line, lineOf(BASIC, 'entry'));
    assert.match(ins[1].instruction, /^mov 0x[0-9a-f]+\(%rip\),%rax +# uprobe: int3 in memory, 1 consumer/);
    assert.match(ins[1].instructionBytes ?? '', /^cc /, 'the bytes in memory start with the int3');
    assert.equal(ins[0].symbol, '_start');
    // Backwards from `after`: two instructions before it.
    const back = (await d.dc.disassembleRequest({ memoryReference: hex(sym(exe, 'after')), instructionOffset: -2, instructionCount: 3 })).body!.instructions;
    assert.deepEqual(back.map(i => i.address), [hex(start), hex(sym(exe, 'site')), hex(sym(exe, 'after'))]);
    await d.dc.customRequest('disassemblySyntax', { syntax: 'intel' });
    const intel = (await d.dc.disassembleRequest({ memoryReference: hex(start), instructionCount: 1 })).body!.instructions;
    assert.equal(intel[0].instruction, 'mov edi,5');
  });
});

test('launch probes: trace lines as uprobeTrace events and console output; uprobeList; probe definitions in the console', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('loop', LOOP);
  const off = fileOff(exe, 'check');
  await session(async (d) => {
    await d.launch({ program: exe, stopOnEntry: true, probes: [`p:lab/chk ${exe}:0x${off.toString(16)} n=%di:s32`] });
    await d.stopped();
    // Another probe from the debug console, in the kernel's syntax.
    const r = await d.eval(`p:lab/call ${exe}:0x${fileOff(exe, 'check').toString(16)} first=+0(%si):u8`);
    assert.match(r.result, /^p:lab\/call /);
    const list = (await d.dc.customRequest('uprobeList')).body.probes as Array<{ address: string; consumers: string[]; state: string; instruction: string }>;
    const p = list.find(x => x.address === hex(sym(exe, 'check')));
    assert.ok(p, JSON.stringify(list));
    // The newest consumer comes first on a uprobe, as in the kernel's list.
    assert.deepEqual(p!.consumers, ['lab/call', 'lab/chk']);
    assert.equal(p!.state, 'installed');
    assert.equal(p!.instruction, 'mov %rdi,%rax');
    await d.cont();
    assert.equal(await d.finish(), 0);
    const chk = d.traces.filter(x => x.event === 'chk');
    assert.equal(chk.length, 10);
    assert.match(String(chk[3].line), / chk: \(0x[0-9a-f]+\) n=3$/);
    assert.equal(d.traces.filter(x => x.event === 'call').length, 10);
    assert.match(d.console, / chk: \(0x[0-9a-f]+\) n=9\n/);
    const after = (await Promise.resolve(d.traces)).length;
    assert.equal(after, 20);
  });
});

test('setting rip at a uprobe stop skips the probed instruction, as the kernel does when a handler moves ip', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'after') }]); });
    await d.stopped();
    const sc = (await d.scopes()).find(s => s.name === 'Registers')!;
    await d.dc.setVariableRequest({ variablesReference: sc.variablesReference, name: 'rip', value: hex(sym(exe, 'back')) });
    assert.equal((await d.dc.customRequest('xolState')).body.phase, 'idle', 'the pending hit is dropped');
    await d.stepIn();
    assert.equal(await d.ip(), sym(exe, 'back') + 5, 'the step ran the instruction at the new ip');
    assert.equal(await d.reg('rax'), 1n);
    assert.equal(await d.reg('rdi'), 5n, '`add $1,%rdi` at the probe was not executed');
    await d.cont();
    assert.equal(await d.finish(), 7);
  });
});

test('restart runs the program again from the start with the breakpoints kept', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe, src } = asmProg('basic', BASIC);
  await session(async (d) => {
    await d.launch({ program: exe }, async (dd) => { await dd.setBps(src, [{ line: lineOf(BASIC, 'after') }]); });
    await d.stopped();
    await d.next_();
    await d.dc.restartRequest({});
    const s = await d.stopped();
    assert.equal(s.reason, 'breakpoint');
    assert.equal(await d.ip(), sym(exe, 'after'));
    assert.equal(await d.reg('rdi'), 5n, 'fresh registers');
    await d.cont();
    assert.equal(await d.finish(), 7);
  });
});

test('the adapter also serves the protocol on a TCP port (--server=PORT)', async (t) => {
  if (!need(t, tools(), 'as and ld are needed')) return;
  const { exe } = asmProg('basic', BASIC);
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); });
  });
  const child = spawn(process.execPath, [ADAPTER, `--server=${port}`], { stdio: ['ignore', 'ignore', 'ignore'] });
  t.after(() => { child.kill('SIGKILL'); });
  // The adapter announces the port before it listens: retry the connection for a while.
  const canConnect = () => new Promise<boolean>((resolve) => {
    const c = net.createConnection(port, '127.0.0.1', () => { c.end(); resolve(true); });
    c.on('error', () => resolve(false));
  });
  for (let k = 0; k < 100 && !(await canConnect()); k++) await new Promise(r => setTimeout(r, 50));
  const d = await Dbg.start(port);
  try {
    await d.launch({ program: exe });
    assert.equal(await d.finish(), 7);
    assert.equal(d.stdout, 'hi\n');
  } finally { await d.close(); }
});
