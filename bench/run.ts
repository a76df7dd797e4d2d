// `npm run bench`: speed figures, each beside a baseline measured in the same run (this machine is
// noisy): the emulator's ALU loop against native and qemu-x86_64; one uprobe hit in the emulator against
// the same hit under the kernel's uprobes (tracefs). Medians of several runs. No assertions: figures.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, CLI, have } from '../test/util';
import { haveTracefs, kernelTrace } from '../test/kernel';
import { ElfFile } from '../engine/elf/elf';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT } from '../test/util';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { s: number; out: string; err: string; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, out: r.stdout.toString(), err: r.stderr.toString(), status: r.status };
}

function aluLoop(iters: number): string {
  return `.globl _start
_start:
  mov $${iters}, %rcx
  mov $1, %rax
  mov $3, %rbx
1:
  add %rbx, %rax
  xor %rax, %rbx
  rol $3, %rax
  dec %rcx
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
`;
}

/** A loop calling a probed function K times: the probed instruction is a nop or an add. */
function hitLoop(k: number): string {
  return `.globl _start
_start:
  mov $${k}, %r12
1:
  call site
  dec %r12
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
.globl site
site:
  .globl nop_site
nop_site:
  nop
  .globl add_site
add_site:
  add $1, %rbx
  ret
`;
}

const rows: [string, string, string][] = [];
function row(what: string, value: string, baseline: string): void { rows.push([what, value, baseline]); console.error(`  ${what}: ${value}  (${baseline})`); }

function emuInsns(err: string): number {
  const m = /(\d+) instructions/.exec(err);
  return m ? Number(m[1]) : NaN;
}

function benchAlu(): void {
  const iters = 5_000_000;
  const exe = buildAsm(aluLoop(iters), 'alu');
  const nat = median(Array.from({ length: RUNS }, () => time(exe, []).s));
  const emuRuns = Array.from({ length: RUNS }, () => time(process.execPath, [CLI, 'run', '-v', '--', exe]));
  const emu = median(emuRuns.map(r => r.s));
  const insns = emuInsns(emuRuns[0].err);
  const mips = insns / emu / 1e6;
  let q = NaN;
  if (have('qemu-x86_64')) q = median(Array.from({ length: RUNS }, () => time('qemu-x86_64', [exe]).s));
  row('ALU loop (add/xor/rol/dec/jnz), emulated', `${mips.toFixed(1)} M insns/s (${insns} insns in ${emu.toFixed(3)} s)`,
    `native ${(insns / nat / 1e6).toFixed(0)} M insns/s; qemu-x86_64 ${isNaN(q) ? 'n/a' : (insns / q / 1e6).toFixed(0) + ' M insns/s'}; emulator/qemu time ratio ${isNaN(q) ? 'n/a' : (emu / q).toFixed(1) + 'x'}`);
}

function benchHit(): void {
  const k = 20000;
  const exe = buildAsm(hitLoop(k), 'hits');
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const off = (n: string): string => '0x' + elf.vaddrToFileOffset(elf.symbols.find(s => s.name === n)!.value)!.toString(16);
  const traceFile = path.join(path.dirname(exe), 'trace.txt');
  const emuBase = median(Array.from({ length: RUNS }, () => time(process.execPath, [CLI, 'run', '--', exe]).s));
  const natBase = median(Array.from({ length: RUNS }, () => time(exe, []).s));
  for (const [kind, sym] of [['nop (skipped/emulated)', 'nop_site'], ['add (stepped out of line)', 'add_site']]) {
    const def = `p:bench/${sym} ${exe}:${off(sym)} %ax`;
    const emu = median(Array.from({ length: RUNS }, () => time(process.execPath, [CLI, 'run', '--trace', traceFile, '--probe', def, '--', exe]).s));
    const emuPerHit = (emu - emuBase) / k * 1e6;
    let kern = 'n/a (needs root and tracefs)';
    let ratio = '';
    if (haveTracefs()) {
      const ts: number[] = [];
      for (let n = 0; n < RUNS; n++) {
        const r = kernelTrace(exe, [def]);
        ts.push(r.seconds);
        if (r.lines.length !== k) kern = `kernel gave ${r.lines.length} lines`;
      }
      const kPerHit = (median(ts) - natBase) / k * 1e6;
      kern = `kernel ${kPerHit.toFixed(2)} us/hit`;
      ratio = `; emulator/kernel cost ${(emuPerHit / kPerHit).toFixed(2)}x (target: 0.2x or less)`;
    }
    row(`uprobe hit, ${kind}, trace line written`, `${emuPerHit.toFixed(2)} us/hit`, kern + ratio);
  }
}

/** Debugger latency: launch to the first stop at a uprobe breakpoint, and an instruction step round trip. */
async function benchDap(): Promise<void> {
  const exe = path.join(ROOT, 'samples', 'bin', 'fixups');
  const once = (dc: DebugClient, ev: string): Promise<unknown> => new Promise(r => dc.once(ev, r));
  const launch: number[] = [], step: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dc = new DebugClient('node', path.join(ROOT, 'dist', 'adapter.js'), 'uprobe');
    const t0 = performance.now();
    await dc.start();
    await dc.initializeRequest();
    const stopped = once(dc, 'stopped'), init = once(dc, 'initialized');
    const l = dc.launchRequest({ program: exe } as never);
    await init;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'riprel_load' }] });
    await dc.configurationDoneRequest();
    await l; await stopped;
    launch.push(performance.now() - t0);
    for (let k = 0; k < 20; k++) {
      const s0 = performance.now(), st = once(dc, 'stopped');
      await dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
      await st;
      await dc.stackTraceRequest({ threadId: 1 });
      step.push(performance.now() - s0);
    }
    await dc.stop();
  }
  const p95 = [...step].sort((a, b) => a - b)[Math.floor(step.length * 0.95)];
  row('debugger: launch to first stop (adapter process start included)', `${median(launch).toFixed(0)} ms`, 'target 300 ms');
  row('debugger: instruction step round trip (step + stackTrace)', `median ${median(step).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, 'target p95 20 ms');
}

async function main(): Promise<void> {
  console.error(`uprobe-lab bench (median of ${RUNS} runs)`);
  benchAlu();
  benchHit();
  await benchDap();
  console.log('\n| measurement | emulator | baseline (same run) |\n|---|---|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
}

void main();
