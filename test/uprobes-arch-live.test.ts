// The current model against the kernel this machine runs. One static program holds a site per
// instruction; for each site a uprobe is registered at the instruction's file offset, a process that maps
// the program is started (it blocks reading stdin), and the event is enabled: the kernel analyses the
// instruction right then, so a refused instruction makes the enable fail (-ENOTSUPP). Accepted sites are
// then executed and we look at: the hit count in the trace, whether the [uprobes] XOL page got mapped
// (stepped out of line) or not (emulated), whether the [uprobes-trampoline] page appeared (optimized nop),
// and whether the instruction still did what it does natively (the site's own check sets the exit code).
// All of it is compared with what arch_uprobe_analyze_insn(..., 'current') says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Decoder, DecoderOptions, FlowControl, Mnemonic } from 'iced-x86';
import { buildAsm, have, need } from './util';
import { arch_uprobe_analyze_insn, ArchUprobe, UprobeRefused, ERRNO_VALUES, UPROBE_FIX_CALL, UPROBE_FIX_IP } from '../engine/uprobes/arch';

const T = '/sys/kernel/tracing';
const isRootWithTracefs = process.getuid?.() === 0 && fs.existsSync(`${T}/uprobe_events`) && fs.existsSync(`${T}/instances`);

interface Case {
  asm: string;
  pre?: string;
  post?: string;
  /** Run the site (otherwise only the kernel's acceptance is compared). */
  exec?: boolean;
  /** CPU flags the site needs (from /proc/cpuinfo). */
  cpu?: string[];
  /** Hits expected when the probe fires once per iteration. */
  hits?: number;
}

const PUSH_CHECK = (v: string) => `pop %rax\ncmp $${v},%rax\njne bad`;
const CALL_TAIL = '2: jmp done\n1: lea 2b(%rip),%rcx\ncmp (%rsp),%rcx\njne bad\nret';

const CASES: Case[] = [
  // refused: never executed
  { asm: 'in $0x80,%al' }, { asm: 'out %al,(%dx)' }, { asm: 'insb' }, { asm: 'int $0x80' }, { asm: 'int3' },
  { asm: 'hlt' }, { asm: 'cli' }, { asm: 'sti' }, { asm: 'iretq' }, { asm: 'int1' },
  { asm: 'lock addl $1,val(%rip)' }, { asm: 'lock cmpxchg %ecx,(%rdx)' },
  { asm: 'mov %es:(%rax),%eax' }, { asm: 'mov %cs:(%rax),%eax' }, { asm: 'mov %ss:(%rax),%eax' }, { asm: 'ds mov (%rax),%eax' },
  { asm: 'data16 jmp 1f\n1:' }, { asm: 'data16 je 1f\n1:' }, { asm: 'ds je 1f\n1:' }, { asm: 'notrack jmp *%rax' },
  { asm: 'mov %eax,%ss' }, { asm: '.byte 0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0' },
  { asm: 'vmovdqu %ymm0,%ymm1' }, { asm: 'vpxor %xmm1,%xmm2,%xmm3' }, { asm: 'vpminsw ones(%rip),%xmm0,%xmm2' },
  { asm: 'vmovdqu64 %zmm1,%zmm2' },
  // accepted, not executed here
  { asm: 'sysenter' }, { asm: 'ud2' }, { asm: 'wrmsr' }, { asm: 'ljmp *(%rax)' }, { asm: 'lcall *(%rax)' },
  { asm: 'mov %fs:0,%rax' }, { asm: 'lar %ax,%bx' }, { asm: 'rdtscp' }, { asm: 'mov %eax,%ds' },
  // nops
  { asm: 'nop', exec: true }, { asm: '.byte 0x66,0x90', exec: true }, { asm: '.byte 0x0f,0x1f,0x00', exec: true },
  { asm: '.byte 0x0f,0x1f,0x40,0x00', exec: true }, { asm: '.byte 0x0f,0x1f,0x44,0x00,0x00', exec: true },
  { asm: '.byte 0x66,0x0f,0x1f,0x44,0x00,0x00', exec: true }, { asm: '.byte 0x0f,0x1f,0x80,0,0,0,0', exec: true },
  { asm: '.byte 0x0f,0x1f,0x84,0,0,0,0,0', exec: true }, { asm: '.byte 0x0f,0x1f,0x44,0x00,0x08', exec: true },
  { asm: '.byte 0x66,0x66,0x90', exec: true }, { asm: 'pause', exec: true }, { asm: '.byte 0x0f,0x19,0x00', exec: true },
  { asm: 'xchg %eax,%r8d', pre: 'mov $5,%eax\nmov $7,%r8d', post: 'cmp $7,%eax\njne bad\ncmp $5,%r8d\njne bad', exec: true },
  { asm: 'xchg %rax,%r8', pre: 'mov $5,%eax\nmov $7,%r8d', post: 'cmp $7,%rax\njne bad', exec: true },
  { asm: 'xchg %eax,%eax', pre: 'mov $-1,%rax', post: 'shr $32,%rax\njnz bad', exec: true },
  // ordinary
  { asm: 'mov %eax,%ebx', exec: true }, { asm: 'endbr64', exec: true }, { asm: 'cpuid', pre: 'xor %eax,%eax', exec: true },
  { asm: 'rdtsc', exec: true },
  { asm: 'rep movsb', pre: 'lea src(%rip),%rsi\nlea dst(%rip),%rdi\nmov $5,%ecx', post: 'cmpb $0x65,dst+4(%rip)\njne bad', exec: true, hits: 5 },
  { asm: 'syscall', pre: 'mov $39,%eax', post: 'lea 0(%rip),%rbx\n2: lea 2b(%rip),%rcx\ncmp %rbx,%rcx\njne bad', exec: true },
  // stack
  { asm: 'push %rbp', pre: 'mov $0x1234,%rbp', post: PUSH_CHECK('0x1234'), exec: true },
  { asm: 'push %r12', pre: 'mov $0x77,%r12', post: PUSH_CHECK('0x77'), exec: true },
  { asm: '.byte 0x49,0x50', pre: 'mov $0x55,%r8', post: PUSH_CHECK('0x55'), exec: true },
  { asm: 'pushw %ax', pre: 'mov $0x1234,%eax', post: 'popw %dx\ncmp $0x1234,%dx\njne bad', exec: true },
  { asm: 'popf', pre: 'pushf', exec: true },
  // branches
  { asm: 'jmp 1f', post: 'jmp bad\n1:', exec: true },
  { asm: '{disp32} jmp 1f', post: 'jmp bad\n1:', exec: true },
  { asm: 'call 1f', post: CALL_TAIL, exec: true },
  { asm: 'je 1f', pre: 'xor %eax,%eax', post: 'jmp bad\n1:', exec: true },
  { asm: 'je bad', pre: 'mov $1,%eax\ntest %eax,%eax', exec: true },
  { asm: '{disp32} jne 1f', pre: 'mov $1,%eax\ntest %eax,%eax', post: 'jmp bad\n1:', exec: true },
  { asm: 'jrcxz 1f', pre: 'xor %ecx,%ecx', post: 'jmp bad\n1:', exec: true },
  { asm: 'loop 1f', pre: 'mov $2,%ecx', post: 'jmp bad\n1: cmp $1,%ecx\njne bad', exec: true },
  { asm: 'bnd jmp 1f', post: 'jmp bad\n1:', exec: true },
  { asm: 'jmp *%rax', pre: 'lea 1f(%rip),%rax', post: 'jmp bad\n1:', exec: true },
  { asm: 'call *%rax', pre: 'lea 1f(%rip),%rax', post: CALL_TAIL, exec: true },
  { asm: 'ret', pre: 'call 1f\njmp done\n1:', exec: true },
  // RIP-relative
  { asm: 'jmp *ptr(%rip)', pre: 'lea 1f(%rip),%rax\nmov %rax,ptr(%rip)', post: 'jmp bad\n1:', exec: true },
  { asm: 'call *ptr(%rip)', pre: 'lea 1f(%rip),%rax\nmov %rax,ptr(%rip)', post: CALL_TAIL, exec: true },
  { asm: 'push val(%rip)', pre: 'movq $9,val(%rip)', post: PUSH_CHECK('9'), exec: true },
  { asm: 'mov val(%rip),%rsi', pre: 'movq $0x1234,val(%rip)', post: 'cmp $0x1234,%rsi\njne bad', exec: true },
  { asm: 'mov %r14,val(%rip)', pre: 'mov $0x55,%r14', post: 'cmpq $0x55,val(%rip)\njne bad', exec: true },
  { asm: 'addl $7,val(%rip)', pre: 'movl $1,val(%rip)', post: 'cmpl $8,val(%rip)\njne bad', exec: true },
  { asm: 'lea val(%rip),%rsi', post: 'lea val(%rip),%rdx\ncmp %rsi,%rdx\njne bad', exec: true },
  { asm: 'mull val(%rip)', pre: 'movl $3,val(%rip)\nmov $5,%eax', post: 'cmp $15,%eax\njne bad', exec: true },
  { asm: 'cmpxchg %ecx,val(%rip)', pre: 'movl $4,val(%rip)\nmov $4,%eax\nmov $9,%ecx', post: 'cmpl $9,val(%rip)\njne bad', exec: true },
  { asm: 'movsd val(%rip),%xmm0', pre: 'movabs $0x3ff0000000000000,%rax\nmov %rax,val(%rip)', post: 'movq %xmm0,%rdx\ncmp %rax,%rdx\njne bad', exec: true },
  { asm: 'vmovups ones(%rip),%ymm6', post: 'vmovd %xmm6,%eax\ncmp $-1,%eax\njne bad', exec: true, cpu: ['avx'] },
  { asm: 'vaddps ones(%rip),%ymm1,%ymm2', exec: true, cpu: ['avx'] },
  { asm: 'vfmadd231ps ones(%rip),%xmm1,%xmm6', exec: true, cpu: ['fma'] },
  { asm: 'vaddps ones(%rip),%zmm1,%zmm2', exec: true, cpu: ['avx512f'] },
  // VEX instructions that share an opcode byte with a branch or a nop
  { asm: 'vzeroupper', pre: 'vpcmpeqd %ymm0,%ymm0,%ymm0', post: 'vextracti128 $1,%ymm0,%xmm1\nvmovq %xmm1,%rax\ntest %rax,%rax\njnz bad', exec: true, cpu: ['avx2'] },
  { asm: 'vpcmpeqb %xmm1,%xmm2,%xmm3', pre: 'vpxor %xmm1,%xmm1,%xmm1\nvpxor %xmm2,%xmm2,%xmm2\nvpxor %xmm3,%xmm3,%xmm3', post: 'vmovq %xmm3,%rax\ncmp $-1,%rax\njne bad', exec: true, cpu: ['avx'] },
  { asm: 'vpsubsb %xmm1,%xmm2,%xmm3', pre: 'mov %rsp,%rbx', post: 'cmp %rsp,%rbx\nmov %rbx,%rsp\njne bad', exec: true, cpu: ['avx'] },
  { asm: 'vmovdqa %xmm0,dst(%rip)', pre: 'vpcmpeqd %xmm0,%xmm0,%xmm0\nmovq $0,dst(%rip)', post: 'cmpq $-1,dst(%rip)\njne bad', exec: true, cpu: ['avx'] },
  { asm: 'kmovw %k1,%k0', pre: 'mov $1,%eax\nkmovw %eax,%k1\nkxorw %k0,%k0,%k0', post: 'kmovw %k0,%eax\ncmp $1,%eax\njne bad', exec: true, cpu: ['avx512f'] },
  { asm: 'kmovq %k1,%k0', pre: 'mov $1,%eax\nkmovq %rax,%k1\nkxorq %k0,%k0,%k0', post: 'kmovq %k0,%rax\ncmp $1,%rax\njne bad', exec: true, cpu: ['avx512bw'] },
  { asm: 'vcmpeqps %xmm1,%xmm0,%xmm2', pre: 'vpxor %xmm0,%xmm0,%xmm0\nvpxor %xmm1,%xmm1,%xmm1', exec: true, cpu: ['avx'] },
];

function program(cases: Case[]): string {
  const out = [
    '.globl _start', '.text',
    '_start:', 'call rd', 'movzbl buf(%rip),%eax', 'lea table(%rip),%rbx', 'jmp *(%rbx,%rax,8)',
    // sync point: tell the test we are past the site, wait for its go, exit with the verdict
    'done:', 'mov $1,%eax', 'mov $1,%edi', 'lea buf(%rip),%rsi', 'mov $1,%edx', 'syscall', 'call rd',
    'movzbl res(%rip),%edi', 'mov $60,%eax', 'syscall',
    'rd:', 'xor %eax,%eax', 'xor %edi,%edi', 'lea buf(%rip),%rsi', 'mov $1,%edx', 'syscall', 'ret',
    'bad:', 'movb $1,res(%rip)', 'jmp done',
    'site_0:', 'jmp done',
  ];
  cases.forEach((c, k) => {
    const i = k + 1;
    out.push(`site_${i}:`, c.pre ?? '', `p_${i}:`, c.asm, c.post ?? '', 'jmp done');
  });
  out.push('.data', '.balign 64', 'table:', ...[0, ...cases.map((_, k) => k + 1)].map((i) => `.quad site_${i}`),
    '.balign 64', 'ones: .fill 64,1,0xff', 'dst: .fill 64,1,0', 'val: .quad 0', 'ptr: .quad 0', 'buf: .quad 0', 'res: .quad 0',
    'src: .ascii "abcdefgh"');
  return out.join('\n') + '\n';
}

interface Seg { vaddr: number; off: number; filesz: number }
function loadSegments(exe: string): Seg[] {
  const segs: Seg[] = [];
  for (const l of execFileSync('readelf', ['-lW', exe]).toString().split('\n')) {
    const m = l.match(/^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/);
    if (m) segs.push({ off: parseInt(m[1], 16), vaddr: parseInt(m[2], 16), filesz: parseInt(m[3], 16) });
  }
  return segs;
}

function symbols(exe: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of execFileSync('nm', [exe]).toString().split('\n')) {
    const r = l.match(/^([0-9a-f]+) \w (\S+)$/);
    if (r) m.set(r[2], parseInt(r[1], 16));
  }
  return m;
}

function cpuFlags(): Set<string> {
  const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const line = info.split('\n').find((l) => l.startsWith('flags')) ?? '';
  return new Set(line.split(':')[1]?.trim().split(/\s+/) ?? []);
}

/** Does the model say this instruction will not have its native effect when probed? */
function modelSaysDeviates(au: ArchUprobe, bytes: Uint8Array, vaddr: number): boolean {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(vaddr);
  const ins = d.decode();
  const flow = ins.flowControl, mnem = ins.mnemonic;
  ins.free(); d.free();
  const e = au.emulate;
  if (e) {
    if (e.kind === 'nop') return mnem !== Mnemonic.Nop && mnem !== Mnemonic.Pause;
    if (e.kind === 'push') return false;
    return ![FlowControl.UnconditionalBranch, FlowControl.ConditionalBranch, FlowControl.Call].includes(flow);
  }
  if (au.xolNotes.some((n) => n.startsWith('syscall returns'))) return true;
  if (flow === FlowControl.Next && !(au.fixups & (UPROBE_FIX_IP | UPROBE_FIX_CALL))) return true;
  return false;
}

interface Outcome { refused: boolean; errno?: number; synced: boolean; xol?: boolean; tramp?: boolean; code: number | null; signal: string | null }

function runSite(exe: string, enablePath: string, runIt: (accepted: boolean) => number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const p = spawn(exe, [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const o: Outcome = { refused: false, synced: false, code: null, signal: null };
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      o.code = code; o.signal = signal;
      try { fs.writeFileSync(enablePath, '0'); } catch { /* already off */ }
      resolve(o);
    });
    p.on('spawn', () => {
      // The program is mapped now: enabling installs the breakpoint, analysing the instruction.
      try { fs.writeFileSync(enablePath, '1'); } catch (e) { o.refused = true; o.errno = (e as NodeJS.ErrnoException).errno; }
      p.stdout!.once('data', () => {
        o.synced = true;
        try {
          const maps = fs.readFileSync(`/proc/${p.pid}/maps`, 'utf8');
          o.xol = /\[uprobes\]\s*$/m.test(maps);
          o.tramp = /\[uprobes-trampoline\]/.test(maps);
        } catch { /* gone */ }
        p.stdin!.end('x');
      });
      p.stdin!.write(Buffer.from([runIt(!o.refused)]));
    });
  });
}

test('current model vs the live kernel: refusal, emulation, hits, optimization, effect', async (t) => {
  if (!need(t, isRootWithTracefs, 'needs root and tracefs')) return;
  if (!need(t, have('as') && have('ld') && have('readelf') && have('nm'), 'needs binutils')) return;
  const flags = cpuFlags();
  const cases = CASES.filter((c) => (c.cpu ?? []).every((f) => flags.has(f)));
  const exe = buildAsm(program(cases), 'archsites');
  const segs = loadSegments(exe);
  const syms = symbols(exe);
  const file = fs.readFileSync(exe);
  const group = `ultest_arch_${process.pid}`;
  const inst = `${T}/instances/${group}`;
  const mismatches: string[] = [];
  const stats = { cases: cases.length, refused: 0, accepted: 0, executed: 0, emulated: 0, stepped: 0 };
  const define = (ev: string, off: number) => fs.appendFileSync(`${T}/uprobe_events`, `p:${group}/${ev} ${exe}:0x${off.toString(16)}\n`);
  const undefine = (ev: string) => {
    try { fs.writeFileSync(`${inst}/events/${group}/${ev}/enable`, '0'); } catch { /* off or gone */ }
    try { fs.appendFileSync(`${T}/uprobe_events`, `-:${group}/${ev}\n`); } catch { /* gone */ }
  };
  fs.mkdirSync(inst);
  let current = '';
  try {
    for (const [k, c] of cases.entries()) {
      const i = k + 1;
      const vaddr = syms.get(`p_${i}`)!;
      const seg = segs.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz)!;
      const off = vaddr - seg.vaddr + seg.off;
      const bytes = Uint8Array.from(file.subarray(off, off + 16));
      let model: ArchUprobe | UprobeRefused;
      try { model = arch_uprobe_analyze_insn(bytes, vaddr, 'current'); } catch (e) {
        if (!(e instanceof UprobeRefused)) throw e;
        model = e;
      }
      // One event at a time, defined just before its run and removed right after (others share tracefs).
      const ev = `c${i}`;
      current = ev;
      define(ev, off);
      const enable = `${inst}/events/${group}/${ev}/enable`;
      let o = await runSite(exe, enable, (accepted) => (accepted && c.exec ? i : 0));
      if (o.refused && o.errno === -2) { define(ev, off); o = await runSite(exe, enable, (accepted) => (accepted && c.exec ? i : 0)); }
      let hits = 0;
      for (const l of fs.readFileSync(`${inst}/trace`, 'utf8').split('\n')) if (l.includes(` ${ev}: (0x`)) hits++;
      undefine(ev);
      current = '';

      const where = `${c.asm.split('\n')[0]} @0x${vaddr.toString(16)}`;
      const modelRefused = model instanceof UprobeRefused;
      if (o.refused) stats.refused++; else stats.accepted++;
      if (modelRefused !== o.refused) {
        mismatches.push(`${where}: kernel ${o.refused ? `refused (errno ${o.errno})` : 'accepted'}, model ${modelRefused ? `refused: ${(model as UprobeRefused).reason}` : 'accepted'}`);
        continue;
      }
      if (o.refused) {
        if (o.errno !== -ERRNO_VALUES[(model as UprobeRefused).errno]) mismatches.push(`${where}: errno ${o.errno}`);
        continue;
      }
      if (!c.exec) continue;
      stats.executed++;
      const au = model as ArchUprobe;
      if (au.emulate) stats.emulated++; else stats.stepped++;
      const wantHits = c.hits ?? 1;
      if (hits !== wantHits) mismatches.push(`${where}: ${hits} hits, expected ${wantHits}`);
      const deviates = modelSaysDeviates(au, bytes, vaddr);
      const native = o.code === 0 && o.signal === null;
      if (native === deviates) {
        mismatches.push(`${where}: ran ${native ? 'natively' : `with a deviation (exit ${o.code}, signal ${o.signal})`}, model predicts ${deviates ? 'a deviation' : 'native behaviour'}`);
      }
      if (o.synced && o.xol !== undefined) {
        if (o.xol !== !au.emulate) mismatches.push(`${where}: kernel ${o.xol ? 'stepped it out of line' : 'did not use a slot'}, model: ${au.emulate ? `emulate ${au.emulate.rule}` : 'step'}`);
        if (o.tramp !== !!au.optimizable) mismatches.push(`${where}: trampoline ${o.tramp}, model optimizable ${au.optimizable}`);
      }
    }
  } finally {
    if (current) undefine(current);
    try { fs.rmdirSync(inst); } catch { /* busy */ }
  }
  console.log(`live kernel: ${stats.cases} sites, ${stats.refused} refused, ${stats.accepted} accepted, ` +
    `${stats.executed} executed (${stats.emulated} emulated, ${stats.stepped} stepped), ${mismatches.length} mismatches`);
  assert.deepEqual(mismatches, []);
});
