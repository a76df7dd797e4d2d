// `npm run bench`: speed and memory figures, each beside a baseline measured in the same run (this
// machine is noisy): the emulator's ALU loop and C workloads against native and qemu-x86_64 on the same
// binary; peak memory of a program touching 50 MB; one uprobe hit in the emulator against the same hit
// under the kernel's uprobes (tracefs); the debugger's latencies (launch to the first stop, a step,
// setBreakpoints with 1,000 lines) and the extension's activation. Medians of several runs. No
// assertions: figures, printed at the end as one markdown table.
//
// BENCH_RUNS (default 5) runs of everything; the emulator's C workloads take BENCH_C_RUNS (default 3,
// at most BENCH_RUNS) runs, as they take seconds each. BENCH_ONLY=alu,c,memory,hit,dap,breakpoints,activation
// runs only the sections named.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAsm, buildC, CLI, have, tmpDir } from '../test/util';
import { haveTracefs, kernelTrace } from '../test/kernel';
import { ElfFile } from '../engine/elf/elf';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT } from '../test/util';
import { HASH_C, QSORT_C, PRINTF_C, PRINTF_LINES, MEM_C, MEM_MB, bigAsm, manyBlocksAsm } from './workloads';

/** The many-blocks workload: functions called in turn, and rounds of calling them all. */
const MANY_FUNCTIONS = 300, MANY_ROUNDS = 10000;

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const C_RUNS = Math.max(1, Math.min(RUNS, Number(process.env.BENCH_C_RUNS ?? 3)));
const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const TIME = '/usr/bin/time'; // GNU time: %M is the peak resident set (ru_maxrss of wait4), in KiB

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

/** The CPU seconds the `-v` line reports: the main thread's, and the whole process's. */
function emuCpu(err: string): { main: number; all: number } {
  const m = /CPU ([\d.]+) s on the main thread, ([\d.]+) s in all/.exec(err);
  return m ? { main: Number(m[1]), all: Number(m[2]) } : { main: NaN, all: NaN };
}

const runs = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
const secs = (x: number): string => x < 10 ? x.toFixed(3) : x.toFixed(1);
const ratio = (a: number, b: number): string => isNaN(a) || isNaN(b) ? 'n/a' : `${(a / b).toFixed(1)}x`;

function benchAlu(): void {
  // Long enough that the emulator's own start (Node, iced-x86, loading) is a small part; the start is
  // also measured (the same program with 1 iteration) and taken out of the rate.
  const iters = 40_000_000;
  const exe = buildAsm(aluLoop(iters), 'alu');
  const short = buildAsm(aluLoop(1), 'alu1');
  const nat = median(Array.from({ length: RUNS }, () => time(exe, []).s));
  const emuRuns = Array.from({ length: RUNS }, () => time(process.execPath, [CLI, 'run', '-v', '--', exe]));
  const emu = median(emuRuns.map(r => r.s));
  const start = median(Array.from({ length: RUNS }, () => time(process.execPath, [CLI, 'run', '--', short]).s));
  const insns = emuInsns(emuRuns[0].err);
  const mips = insns / (emu - start) / 1e6;
  const interp = time(process.execPath, [CLI, 'run', '--', exe], { UL_JIT: '0' }).s;
  let q = NaN;
  if (have('qemu-x86_64')) q = median(Array.from({ length: RUNS }, () => time('qemu-x86_64', [exe]).s));
  row('ALU loop (add/xor/rol/dec/jnz), emulated', `${mips.toFixed(1)} M insns/s (${insns} insns in ${emu.toFixed(3)} s, of which ${start.toFixed(3)} s is the emulator's start)`,
    `native ${(insns / nat / 1e6).toFixed(0)} M insns/s; qemu-x86_64 ${isNaN(q) ? 'n/a' : (insns / q / 1e6).toFixed(0) + ' M insns/s'}; emulator/qemu time ratio ${isNaN(q) ? 'n/a' : (emu / q).toFixed(1) + 'x'}; interpreter only (UL_JIT=0) ${(insns / (interp - start) / 1e6).toFixed(1)} M insns/s`);
}

/**
 * One uprobe hit, as the marginal cost between runs of the same loop with different numbers of hits (the
 * slope), so that the emulator's start, probe setup and the JIT's warm-up are not charged to the hits;
 * the kernel is measured the same way through tracefs. The figure is the cost per hit of a long trace
 * (2 M to 6 M hits: past 1 Mi lines the emulator prints the trace in a second thread, which costs some
 * tens of milliseconds to start and then about 80 ns less a hit); short traces (20 k to 2 M hits) are
 * reported beside it.
 */
function benchHit(): void {
  const sizes = [20_000, 2_000_000, 6_000_000];
  const exes = sizes.map(k => buildAsm(hitLoop(k), `hits${k}`));
  const d = fs.readFileSync(exes[0]);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exes[0]);
  const off = (n: string): string => '0x' + elf.vaddrToFileOffset(elf.symbols.find(s => s.name === n)!.value)!.toString(16);
  const traceFile = path.join(path.dirname(exes[0]), 'trace.txt');
  const slope = (t: number[], i: number, j: number) => (t[j] - t[i]) / (sizes[j] - sizes[i]) * 1e6;
  for (const [kind, sym] of [['nop (skipped/emulated)', 'nop_site'], ['add (stepped out of line)', 'add_site']]) {
    // The argument is the loop counter, so that no trace line repeats the one before (the tracer stores a
    // repeat as its time only: a constant argument would measure that best case).
    const defOf = (exe: string) => `p:bench/${sym} ${exe}:${off(sym)} %r12`;
    // A fresh trace file each run (truncating the last run's 400 MB costs the host time that is not the
    // hits').
    const emu = exes.map(exe => median(Array.from({ length: RUNS }, () => {
      fs.rmSync(traceFile, { force: true });
      return time(process.execPath, [CLI, 'run', '--trace', traceFile, '--probe', defOf(exe), '--', exe]).s;
    })));
    fs.rmSync(traceFile, { force: true });
    const emuLong = slope(emu, 1, 2), emuShort = slope(emu, 0, 1);
    let kern = 'n/a (needs root and tracefs)';
    let ratio = '';
    if (haveTracefs()) {
      const ker = exes.map((exe, i) => {
        const ts: number[] = [];
        for (let n = 0; n < RUNS; n++) {
          const r = kernelTrace(exe, [defOf(exe)]);
          // The ring buffer keeps only the newest events of a long run: count hits with uprobe_profile.
          const hits = Number(/(\d+)\s*$/.exec(r.profile[0] ?? '')?.[1]);
          if (hits !== sizes[i]) throw new Error(`kernel counted ${hits} hits for ${sizes[i]}`);
          ts.push(r.seconds);
        }
        return median(ts);
      });
      const kLong = slope(ker, 1, 2), kShort = slope(ker, 0, 1);
      kern = `kernel ${kLong.toFixed(2)} us/hit; short traces (20 k to 2 M hits): emulator ${emuShort.toFixed(2)}, kernel ${kShort.toFixed(2)} us/hit, ${(emuShort / kShort).toFixed(2)}x`;
      ratio = `; emulator/kernel cost ${(emuLong / kLong).toFixed(2)}x (target: 0.2x or less)`;
    } else kern += `; short traces (20 k to 2 M hits): emulator ${emuShort.toFixed(2)} us/hit`;
    row(`uprobe hit, ${kind}, trace line written (cost per extra hit, 2 M vs 6 M hits)`, `${emuLong.toFixed(2)} us/hit`, kern + ratio);
  }
}

/**
 * C workloads built with gcc -O2 -static, and an assembly program with many hot blocks: wall time in the
 * emulator against native and qemu-x86_64 on the same binary; the emulator's output must equal the
 * native run's.
 */
function benchC(): void {
  const haveQemu = have('qemu-x86_64');
  const work: [string, string, () => string][] = [
    ['C: hash over 4 MiB (FNV-1a + word mix), gcc -O2 -static', 'gcc', () => buildC(HASH_C, 'hash')],
    ['C: qsort of 10^6 ints, gcc -O2 -static', 'gcc', () => buildC(QSORT_C, 'qsort')],
    [`C: printf-heavy formatting (${PRINTF_LINES.toLocaleString('en')} snprintf lines: %d %x %e %f %s), gcc -O2 -static`, 'gcc',
      () => buildC(PRINTF_C, 'printf')],
    [`many hot blocks: ${MANY_FUNCTIONS} small functions called in turn, ${MANY_ROUNDS.toLocaleString('en')} rounds (asm)`, 'as',
      () => buildAsm(manyBlocksAsm(MANY_FUNCTIONS, MANY_ROUNDS), 'many')],
  ];
  for (const [label, tool, build] of work) {
    if (!have(tool)) { row(label, 'skipped', `${tool} not installed`); continue; }
    const exe = build();
    const nat = runs(RUNS, () => time(exe, []));
    const q = haveQemu ? median(runs(RUNS, () => time('qemu-x86_64', [exe]).s)) : NaN;
    const emuRuns = runs(C_RUNS, () => time(process.execPath, [CLI, 'run', '-v', '--', exe]));
    const emu = median(emuRuns.map(r => r.s));
    const natS = median(nat.map(r => r.s));
    const insns = emuInsns(emuRuns[0].err);
    const same = emuRuns.every(r => r.status === 0 && r.out === nat[0].out) && nat[0].status === 0;
    // Where the time goes: the main thread runs the guest; V8's background threads optimise the
    // blocks (and the emulator's own code). Shared out perfectly over the machine's cores, the whole
    // process's CPU time still takes all/cores seconds: no schedule can finish sooner.
    const cpu = emuRuns.map(r => emuCpu(r.err));
    const main = median(cpu.map(c => c.main)), all = median(cpu.map(c => c.all));
    const cores = os.availableParallelism();
    row(label, `${secs(emu)} s (${(insns / emu / 1e6).toFixed(1)} M insns/s; median of ${C_RUNS}); ` +
      `CPU ${secs(main)} s main thread, ${secs(all)} s in all`,
      `native ${secs(natS)} s; qemu-x86_64 ${haveQemu ? secs(q) + ' s' : 'n/a (not installed)'}; ` +
      `emulator/qemu ${ratio(emu, q)} (aim: 10x or less); emulator/native ${ratio(emu, natS)}; ` +
      `all CPU / ${cores} cores = ${secs(all / cores)} s, ${ratio(all / cores, q)} qemu; ` +
      (same ? 'output = native output' : '**OUTPUT DIFFERS from native**'));
  }
}

/** Peak resident set of a command, from GNU time (its output goes to a file, apart from the program's). */
function peakRss(cmd: string, args: string[]): { kb: number; out: string; status: number | null } {
  const f = path.join(tmpDir('rss-'), 'maxrss');
  const r = spawnSync(TIME, ['-f', '%M', '-o', f, cmd, ...args], { env: {}, maxBuffer: 1 << 26 });
  return { kb: Number(fs.readFileSync(f, 'utf8').trim().split('\n').pop()), out: r.stdout.toString(), status: r.status };
}

/** Peak RSS of the emulator (the CLI's Node process) running a static glibc program that touches 50 MB. */
function benchMemory(): void {
  const label = `memory: peak RSS, gcc -O2 -static program touching ${MEM_MB} MiB (malloc)`;
  if (!have('gcc')) { row(label, 'skipped', 'gcc not installed'); return; }
  if (!fs.existsSync(TIME)) { row(label, 'skipped', `${TIME} not installed (Debian package \`time\`)`); return; }
  const exe = buildC(MEM_C, 'mem50');
  const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
  const nat = runs(RUNS, () => peakRss(exe, []));
  const emu = runs(RUNS, () => peakRss(process.execPath, [CLI, 'run', '--', exe]));
  const q = have('qemu-x86_64') ? mb(median(runs(RUNS, () => peakRss('qemu-x86_64', [exe]).kb))) : 'n/a (not installed)';
  const node = median(runs(RUNS, () => peakRss(process.execPath, ['-e', '0']).kb));
  const same = emu.every(r => r.status === 0 && r.out === nat[0].out);
  row(label, `${mb(median(emu.map(r => r.kb)))} (target: under 200 MB)`,
    `native ${mb(median(nat.map(r => r.kb)))}; qemu-x86_64 ${q}; node -e 0 alone ${mb(node)}; ` +
    (same ? 'output = native output' : '**OUTPUT DIFFERS from native**'));
}

const once = <T = unknown>(dc: DebugClient, ev: string): Promise<T> => new Promise(r => dc.once(ev, r as (e: unknown) => void));

/**
 * CPU time the adapter process has used so far (all its threads, ms), from /proc: a figure that the
 * machine's load does not inflate as it does wall time. NaN where /proc is not there.
 */
function adapterCpuMs(dc: DebugClient): number {
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  if (!pid) return NaN;
  try {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch { return NaN; }
}
const cpuNote = (xs: number[]): string => xs.some(isNaN) ? '' : ` (adapter CPU ${median(xs).toFixed(0)} ms)`;

/** Start an adapter process and launch `program`; resolves once the adapter asks for the configuration. */
async function startSession(program: string, extra: object = {}): Promise<{ dc: DebugClient; launched: Promise<unknown> }> {
  const dc = new DebugClient('node', ADAPTER, 'uprobe');
  await dc.start();
  await dc.initializeRequest();
  const init = once(dc, 'initialized');
  const launched = dc.launchRequest({ program, ...extra } as never);
  await init;
  return { dc, launched };
}

/**
 * Debugger latency: launch to the first stop at a uprobe breakpoint (from spawning the adapter process
 * to the stopped event) for each sample, and an instruction step round trip.
 */
async function benchDap(): Promise<void> {
  const samples: [string, string][] = [['fixups', 'riprel_load'], ['hello', '_start'], ['hello-c', 'main']];
  const launch = new Map<string, number[]>(), launchCpu = new Map<string, number[]>();
  const step: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const [name, fn] of samples) {
      const exe = path.join(ROOT, 'samples', 'bin', name);
      const t0 = performance.now();
      const { dc, launched } = await startSession(exe);
      const stopped = once(dc, 'stopped');
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
      await dc.configurationDoneRequest();
      await launched; await stopped;
      const ms = performance.now() - t0;
      launch.set(name, [...launch.get(name) ?? [], ms]);
      launchCpu.set(name, [...launchCpu.get(name) ?? [], adapterCpuMs(dc)]);
      if (name === 'fixups') {
        for (let k = 0; k < 20; k++) {
          const s0 = performance.now(), st = once(dc, 'stopped');
          await dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
          await st;
          await dc.stackTraceRequest({ threadId: 1 });
          step.push(performance.now() - s0);
        }
      }
      await dc.stop();
    }
  }
  const nodeStart = median(runs(RUNS, () => time(process.execPath, ['-e', '0']).s * 1000));
  const p95 = [...step].sort((a, b) => a - b)[Math.floor(step.length * 0.95)];
  row('debugger: launch to first stop at a function breakpoint (adapter process start included)',
    samples.map(([n, f]) => `${n} (${f}) ${median(launch.get(n)!).toFixed(0)} ms${cpuNote(launchCpu.get(n)!)}`).join(', '),
    `target 300 ms; a bare \`node -e 0\` start and exit ${nodeStart.toFixed(0)} ms`);
  row('debugger: instruction step round trip (step + stackTrace), samples/bin/fixups', `median ${median(step).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, 'target p95 20 ms');
}

/**
 * setBreakpoints with 1,000 source lines of a generated assembly file (as -g), in one request sent when
 * the adapter asks for the configuration (as VS Code sends the breakpoints of a workspace), against the
 * round trip of an empty setBreakpoints request in the same session.
 */
async function benchBreakpoints(): Promise<void> {
  const { src, insnLines } = bigAsm(12, 100);
  const exe = buildAsm(src, 'bigasm');
  const file = path.join(path.dirname(exe), 'bigasm.s');
  const lines = insnLines.slice(0, 1000);
  const full: number[] = [], fullCpu: number[] = [], empty: number[] = [];
  let verified = 0;
  for (let run = 0; run < RUNS; run++) {
    const { dc, launched } = await startSession(exe, { stopOnEntry: true });
    let t0 = performance.now();
    await dc.setBreakpointsRequest({ source: { path: path.join(path.dirname(exe), 'other.s') }, breakpoints: [] });
    empty.push(performance.now() - t0);
    t0 = performance.now();
    const c0 = adapterCpuMs(dc);
    const r = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: lines.map(line => ({ line })) });
    full.push(performance.now() - t0);
    fullCpu.push(adapterCpuMs(dc) - c0);
    verified = r.body.breakpoints.filter((b: DebugProtocol.Breakpoint) => b.verified).length;
    await dc.configurationDoneRequest();
    await launched;
    await dc.stop();
  }
  row(`debugger: setBreakpoints with ${lines.length.toLocaleString('en')} lines in one request (${insnLines.length}-instruction as -g source, ${verified} verified)`,
    `${median(full).toFixed(0)} ms${cpuNote(fullCpu)}`, `target 100 ms; an empty setBreakpoints round trip ${median(empty).toFixed(1)} ms`);
}

/**
 * Extension activation: in a fresh Node process with a stub \`vscode\` module, require dist/extension.js
 * and call activate() (bench/activation.ts); against the same harness loading an empty extension.
 */
function benchActivation(): void {
  const harness = path.join(ROOT, 'out', 'bench', 'activation.js');
  const empty = path.join(tmpDir('ext-'), 'empty.js');
  fs.writeFileSync(empty, 'exports.activate = () => ({});\n');
  const measure = (ext: string): number => {
    const r = spawnSync(process.execPath, [harness, ext, ROOT], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation harness failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { ms: number }).ms;
  };
  const ext = median(runs(RUNS, () => measure(path.join(ROOT, 'dist', 'extension.js'))));
  const base = median(runs(RUNS, () => measure(empty)));
  row('extension: activation (require dist/extension.js + activate(), stub vscode module)', `${ext.toFixed(1)} ms`,
    `target 50 ms; an empty extension in the same harness ${base.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const load = (): string => os.loadavg().map(x => x.toFixed(2)).join(' ');
  const loadStart = load(), t0 = performance.now();
  console.error(`uprobe-lab bench (median of ${RUNS} runs; emulated C workloads ${C_RUNS}); load average ${loadStart}`);
  const only = process.env.BENCH_ONLY?.split(',').map(x => x.trim());
  const sections: [string, () => void | Promise<void>][] = [
    ['alu', benchAlu], ['c', benchC], ['memory', benchMemory], ['hit', benchHit],
    ['dap', benchDap], ['breakpoints', benchBreakpoints], ['activation', benchActivation],
  ];
  for (const [name, f] of sections) if (!only || only.includes(name)) await f();
  const mins = ((performance.now() - t0) / 60000).toFixed(1);
  console.log(`\n\`npm run bench\` (BENCH_RUNS=${RUNS}, BENCH_C_RUNS=${C_RUNS}), ${os.cpus().length} CPUs, Node ${process.version}, ` +
    `load average ${loadStart} at the start and ${load()} at the end, ${mins} min`);
  console.log('\n| measurement | emulator / ours | baseline (same run) |\n|---|---|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
}

void main();
