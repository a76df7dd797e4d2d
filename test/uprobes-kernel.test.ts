// Differential tests against the kernel's own uprobes: the same static binary and the same
// `uprobe_events` definitions give the same trace lines (timestamps, pid and cpu aside) natively under
// the real kernel and in the emulator, for every kind of probed instruction and every fetcharg type.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildAsm, need, CLI, ROOT } from './util';
import { haveTracefs, kernelTrace, normalize } from './kernel';
import { ElfFile } from '../engine/elf/elf';

const SRC = fs.readFileSync(path.join(ROOT, 'samples', 'src', 'fixups.s'), 'utf8');

interface Emu { lines: string[]; status: number | null; stdout: string; stderr: string }

function emuTrace(exe: string, defs: string[], extra: string[] = []): Emu {
  const args = [CLI, 'run', '--trace', '-', ...extra];
  for (const d of defs) args.push('--probe', d);
  const r = spawnSync(process.execPath, [...args, '--', exe], { env: {}, maxBuffer: 1 << 26 });
  const out = r.stdout.toString('latin1').split('\n');
  return {
    lines: out.filter(l => /^\s*\S.*-\d+\s+\[\d+\]/.test(l)),
    stdout: out.filter(l => !/^\s*\S.*-\d+\s+\[\d+\]/.test(l)).join('\n'),
    status: r.status,
    stderr: r.stderr.toString('latin1'),
  };
}

class Prog {
  readonly exe: string;
  readonly elf: ElfFile;
  constructor(src: string, name: string) {
    this.exe = buildAsm(src, name);
    const d = fs.readFileSync(this.exe);
    this.elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), this.exe);
  }
  addr(sym: string): number {
    const s = this.elf.symbols.find(x => x.name === sym);
    if (!s) throw new Error(`no symbol ${sym}`);
    return s.value;
  }
  off(sym: string): string {
    return '0x' + this.elf.vaddrToFileOffset(this.addr(sym))!.toString(16);
  }
  at(sym: string): string { return `${this.exe}:${this.off(sym)}`; }
  hex(sym: string): string { return '0x' + this.addr(sym).toString(16); }
}

/** Registers whose values do not depend on where the stack is (the kernel's process has ASLR). */
const REGS = '%ax %bx %cx %dx %si %di %r8 %r12 %r13 %flags';

function siteDefs(p: Prog, exclude: string[] = []): string[] {
  const sites = ['riprel_load', 'after_load', 'riprel_store', 'riprel_rmw', 'riprel_lea', 'riprel_cmp', 'riprel_uses_si',
    'riprel_r8', 'riprel_byte', 'riprel_sse', 'riprel_sse_add', 'icall_rip', 'ijmp_rip', 'jtarget', 'dcall', 'icall_reg',
    'ijmp_reg', 'jmp_short', 'jmp_near', 'jcc_taken', 'jcc_not_taken', 'jcc_near', 'loop_site', 'jrcxz_site',
    'push_site', 'pop_site', 'push_rbx', 'push_imm', 'nop1', 'nop2', 'nop3', 'nop4', 'nop5', 'nop6', 'nop7', 'nop8', 'nop_other',
    'rep_movsb', 'add_site', 'call_fact', 'syscall_site', 'exit_site', 'func'];
  return sites.filter(s => !exclude.includes(s)).map(s => `p:${s} ${p.at(s)} ${REGS} out=@${p.hex('out')}:x64 top=+0(%sp):x64`);
}

function typeDefs(p: Prog): string[] {
  const site = p.at('rep_movsb'); // rsi = msg, rdi = buf, rcx = 5
  return [
    `p:types_int ${site} u8=+0(%si):u8 s8=+5(%si):s8 x8=+0(%si):x8 u16=+0(%si):u16 s16=+0(%si):s16 x16=+0(%si):x16 ` +
      `u32=+0(%si):u32 s32=+0(%si):s32 x32=+0(%si):x32 u64=+0(%si):u64 s64=+0(%si):s64 x64=+0(%si):x64 neg=@${p.hex('arr')}:s64`,
    `p:types_str ${site} str=+0(%si):string c=+0(%si):char ustr=+0(%si):ustring deref=+0(@${p.hex('strp')}):string`,
    `p:types_arr ${site} a8=@${p.hex('arr')}:u8[8] s8=@${p.hex('arr')}:s8[8] x16=@${p.hex('arr')}:x16[4] chars=+0(%si):char[5]`,
    `p:types_bits ${site} b1=@${p.hex('arr')}:b4@4/32 b2=@${p.hex('arr')}:b3@0/8 b3=@${p.hex('arr')}:b16@16/32`,
    `p:types_misc ${site} fault=+0(%cx):u64 faultstr=+0(@${p.hex('badp')}):string imm=\\1234 comm=$comm st0=$stack0 ` +
      `foff=@+${p.elf.vaddrToFileOffset(p.addr('val'))!.toString(16).replace(/^/, '0x')}:x64 abs=@${p.hex('val')}`,
    `p:types_nested ${site} nested=+0(+0(@${p.hex('strp')})):u8`,
    `p:types_sameaddr ${site} %si`,
    `p:anon ${p.at('riprel_load')} %ax %di $comm`,
  ];
}

function retDefs(p: Prog): string[] {
  return [
    `p:fact_entry ${p.at('fact')} n=%di`,
    `r:fact_exit ${p.at('fact')} ret=$retval`,
    `r:func_exit ${p.at('func')} $retval`,
  ];
}

function compare(t: { name: string }, kernel: string[], emu: string[]): void {
  const k = kernel.map(normalize), e = emu.map(normalize);
  assert.ok(k.length > 0, `${t.name}: the kernel produced no trace lines`);
  assert.deepEqual(e, k, `${t.name}: emulator trace differs from the kernel's`);
}

test('probes on every instruction kind: trace equals the kernel\'s (current model)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'fixups');
  const defs = siteDefs(p);
  const k = kernelTrace(p.exe, defs);
  assert.equal(k.status, 42);
  const e = emuTrace(p.exe, defs);
  assert.equal(e.status, 42, e.stderr);
  assert.equal(e.stdout.trim(), 'done');
  compare(t, k.lines, e.lines);
  // Every site was hit once (loop_site three times).
  // Every site but the refused cs-prefixed nop (and exit_site, below) was hit; loop_site three times; rep movsb once per
  // iteration (rcx = 5).
  const names = (ls: string[]): string[] => ls.map(l => /\s(\w+): \(/.exec(l)![1]);
  const hit = new Set(names(k.lines));
  const sites = defs.map(d => d.split(/[:\s]/)[1]);
  // exit_site follows the syscall: a syscall stepped out of line returns with TF still set, so the next
  // instruction runs from the slot copy too and its int3 is never reached (as the kernel does).
  assert.deepEqual(sites.filter(x => !hit.has(x)), ['nop_other', 'exit_site']);
  assert.equal(names(k.lines).filter(x => x === 'loop_site').length, 3);
  assert.equal(names(k.lines).filter(x => x === 'rep_movsb').length, 5);
});

test('the 2012 model traces the same as the kernel (only the XOL mechanics differ)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'fixups2012');
  // Left out: what 2012 could not probe (syscall: 0f 05 was not in its table; the cs-prefixed nop) and
  // multi-byte nops, whose 2012 skip resumed inside the instruction (tested in uprobes-model).
  const defs = siteDefs(p, ['syscall_site', 'nop_other', 'nop3', 'nop4', 'nop5', 'nop6', 'nop7', 'nop8']);
  const k = kernelTrace(p.exe, defs);
  const e = emuTrace(p.exe, defs, ['--model', '2012']);
  assert.equal(e.status, 42, e.stderr);
  compare(t, k.lines, e.lines);
});

test('every fetcharg type formats as the kernel formats it', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'types');
  const defs = typeDefs(p);
  const k = kernelTrace(p.exe, defs);
  const e = emuTrace(p.exe, defs);
  assert.equal(e.status, 42, e.stderr);
  compare(t, k.lines, e.lines);
});

test('return probes on a recursive function: entry and return lines as the kernel\'s', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'retprobes');
  const defs = retDefs(p);
  const k = kernelTrace(p.exe, defs);
  const e = emuTrace(p.exe, defs);
  assert.equal(e.status, 42, e.stderr);
  compare(t, k.lines, e.lines);
  // fact(5) recurses 5 deep: 5 entries, 5 returns; func returns 3 times.
  assert.equal(k.lines.filter(l => l.includes('fact_exit:')).length, 5);
  assert.equal(k.lines.filter(l => l.includes('func_exit:')).length, 3);
});

test('uprobe_profile counts hits as the kernel does', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'profile');
  const defs = [...retDefs(p), `p:loop ${p.at('loop_site')}`];
  const k = kernelTrace(p.exe, defs);
  const args = [CLI, 'run', '--trace', '-', '--profile'];
  for (const d of defs) args.push('--probe', d);
  const r = spawnSync(process.execPath, [...args, '--', p.exe], { env: {} });
  const prof = r.stdout.toString().split('\n').filter(l => /^\s+\S+\s+\S+\s+\d+\s*$/.test(l));
  const norm = (l: string): string => l.trim().split(/\s+/).slice(1).join(' ');
  assert.deepEqual(prof.map(norm).sort(), k.profile.map(norm).sort());
});

test('a return probe is refused by the 2012 model', () => {
  const p = new Prog(SRC, 'r2012');
  const e = emuTrace(p.exe, [`r:x ${p.at('fact')}`], ['--model', '2012']);
  assert.notEqual(e.status, 0);
  assert.match(e.stderr, /2012/);
  assert.doesNotMatch(e.stderr, /\n\s+at /);
});

const DEEP = `.globl _start
_start:
        mov     $70, %edi
        call    depth
        mov     $60, %eax
        xor     %edi, %edi
        syscall
        .globl depth
        .type depth, @function
depth:
        test    %rdi, %rdi
        jz      1f
        dec     %rdi
        call    depth
        inc     %rax
        ret
1:      xor     %eax, %eax
        ret
        .size depth, .-depth
`;

test('return probes stop nesting at the kernel\'s depth limit (64), as the kernel does', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(DEEP, 'deep');
  const defs = [`r:depth_ret ${p.at('depth')} ret=$retval:u64`];
  const k = kernelTrace(p.exe, defs);
  const e = emuTrace(p.exe, defs);
  assert.equal(e.status, 0, e.stderr);
  compare(t, k.lines, e.lines);
  assert.ok(k.lines.length < 71, `the kernel stops hijacking past its limit (${k.lines.length} lines)`);
});

test('a probe inside an instruction is refused unless --unsafe', () => {
  const p = new Prog(SRC, 'boundary');
  const inside = `p:mid ${p.exe}:0x${(p.elf.vaddrToFileOffset(p.addr('riprel_load'))! + 1).toString(16)}`;
  const e = emuTrace(p.exe, [inside]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /not on an instruction boundary: it is inside 'mov .*' at 0x40100c/);
  assert.equal(e.stderr.trim().split('\n').length, 1, 'one line');
  const u = emuTrace(p.exe, [inside], ['--unsafe']);
  assert.doesNotMatch(u.stderr, /instruction boundary/, '--unsafe lets it through (and, as under the kernel, the program is corrupted)');
});

test('a bad definition is reported as the kernel\'s error_log reports it, with a non-zero exit', (t) => {
  const p = new Prog(SRC, 'baddef');
  const bad = `p:ultest_${process.pid}_bad/e ${p.at('riprel_load')} %zz`;
  const e = emuTrace(p.exe, [bad]);
  assert.notEqual(e.status, 0);
  assert.doesNotMatch(e.stderr, /\n\s+at /, 'no JavaScript stack trace');
  assert.match(e.stderr, /Invalid fetch argument|Unknown register|error/i);
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  // The same text as the kernel's error_log (the lines after its timestamp).
  try { fs.appendFileSync('/sys/kernel/tracing/uprobe_events', bad + '\n'); } catch { /* expected */ }
  const log = fs.readFileSync('/sys/kernel/tracing/error_log', 'utf8').trimEnd().split('\n').slice(-3);
  const kernelMsg = log[0].replace(/^\[\s*[\d.]+\]\s*/, '');
  assert.ok(e.stderr.includes(kernelMsg), `stderr has "${kernelMsg}"`);
  assert.ok(e.stderr.includes(log[2].trimEnd().slice(2)), 'and the caret line');
});

test('--trace-format json writes one object per hit with the kernel line in it', () => {
  const p = new Prog(SRC, 'json');
  const args = [CLI, 'run', '--trace', '-', '--trace-format', 'json', '--probe', `p:j/loop ${p.at('loop_site')} %cx`, '--', p.exe];
  const r = spawnSync(process.execPath, args, { env: {} });
  const objs = r.stdout.toString().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l));
  assert.equal(objs.length, 3);
  assert.deepEqual(objs.map(o => o.args), [' arg1=0x3', ' arg1=0x2', ' arg1=0x1']);
  assert.equal(objs[0].event, 'loop');
  assert.match(objs[0].text, /loop: \(0x[0-9a-f]+\) arg1=0x3$/);
  // Each object's text is the line the text format writes (the kernel's, as the tests above compare),
  // and its fields are that line's.
  const text = spawnSync(process.execPath, [CLI, 'run', '--trace', '-', '--probe', `p:j/loop ${p.at('loop_site')} %cx`, '--', p.exe], { env: {} });
  const lines = text.stdout.toString().split('\n').filter(l => / loop: \(/.test(l));
  assert.deepEqual(objs.map(o => o.text.replace(/ \d+\.\d{6}: /, ' T: ')), lines.map(l => l.replace(/ \d+\.\d{6}: /, ' T: ')));
  for (const o of objs) {
    assert.deepEqual(Object.keys(o), ['group', 'event', 'comm', 'pid', 'ts', 'ip', 'args', 'text']);
    assert.equal(o.group, 'j');
    assert.equal(o.ip, p.addr('loop_site'));
    assert.ok(o.text.includes(` ${o.ts.toFixed(6)}: `), `${o.ts} in ${o.text}`);
    assert.ok(o.text.startsWith(`${' '.repeat(16 - o.comm.length)}${o.comm}-${o.pid} `), o.text);
    assert.ok(o.text.endsWith(o.args), o.text);
  }
  // Printed by the printer thread: the same objects.
  const th = spawnSync(process.execPath, args, { env: { UL_TRACE_THREAD: '1' } });
  const thObjs = th.stdout.toString().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l));
  assert.deepEqual(thObjs.map(o => ({ ...o, ts: 0, text: o.text.replace(/ \d+\.\d{6}: /, ' T: ') })),
    objs.map(o => ({ ...o, ts: 0, text: o.text.replace(/ \d+\.\d{6}: /, ' T: ') })));
});

test('a probe on pushf kills the program with SIGTRAP, as under the kernel (the pushed flags carry TF)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const p = new Prog(SRC, 'pushf');
  const defs = [`p:pushf ${p.at('pushf_site')}`];
  const k = kernelTrace(p.exe, defs);
  assert.equal(k.status, null, 'natively killed by a signal');
  for (const model of ['current', '2012']) {
    const e = emuTrace(p.exe, defs, ['--model', model]);
    assert.equal(e.status, 128 + 5, `${model}: ${e.stderr}`);
    assert.match(e.stderr, /SIGTRAP/);
    compare(t, k.lines, e.lines);
  }
});

test('npm start: the bundled sample with samples/fixups.uprobes (--probes FILE) traces as the kernel does', (t) => {
  const defsFile = path.join(ROOT, 'samples', 'fixups.uprobes');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], { cwd: ROOT, env: {} });
  assert.equal(r.status, 0, r.stderr.toString());
  const out = r.stdout.toString().split('\n');
  const lines = out.filter(l => /^\s*\S.*-\d+\s+\[\d+\]/.test(l));
  // Comments and blank lines of the file are skipped; every definition is an event.
  const defs = fs.readFileSync(defsFile, 'utf8').split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(Boolean);
  assert.equal(defs.length, fs.readFileSync(defsFile, "utf8").split("\n").filter(l => /^[pr]:/.test(l)).length);
  assert.equal(out.filter(l => /^\s+samples\/bin\/fixups \S+\s+\d+$/.test(l)).length, defs.length, "one profile row per event");
  assert.ok(out.some(l => /^\s+samples\/bin\/fixups fact_ret\s+5$/.test(l)), 'uprobe_profile printed at exit');
  assert.ok(lines.some(l => /fact_ret: \(0x[0-9a-f]+ <- 0x[0-9a-f]+\) ret=120$/.test(l)));
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  const exe = path.join(ROOT, 'samples', 'bin', 'fixups');
  const k = kernelTrace(exe, defs.map(d => d.replace(/ samples\/bin\/fixups:/, ` ${exe}:`)));
  compare(t, k.lines, lines);
});

test('probes in a hot loop handled inside compiled blocks: an emulated jcc that changes direction, a nop, equal to the kernel\'s trace (also through the printer thread)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  // The inner loop's jnz is probed (emulated: the hit decides where the branch goes) and so is a nop in
  // its body. Each hit is handled on the spot, and the blocks ending at those int3s are formed again
  // through where the hits went 32 times in a row: the jnz goes back 299 times, then falls through once
  // per outer round, and the compiled code must leave the block when it does. (12,000 lines: several of
  // the tracer's batches.)
  const p = new Prog(`  .globl _start
_start:
  xor %r12d, %r12d
  mov $20, %ebx
outer:
  mov $300, %ecx
inner:
  add %rcx, %r12
  .globl body_nop
body_nop:
  nop
  imul $3, %r12, %r12
  dec %ecx
  .globl back
back:
  jnz inner
  dec %ebx
  jnz outer
  mov %r12, %rdi
  and $63, %edi
  mov $60, %eax
  syscall
`, 'hotprobes');
  const defs = [`p:back ${p.at('back')} %cx %bx %r12`, `p:body_nop ${p.at('body_nop')} %cx %r12`];
  const k = kernelTrace(p.exe, defs);
  const e = emuTrace(p.exe, defs);
  assert.equal(e.status, k.status, e.stderr);
  assert.equal(k.lines.length, 12000);
  compare(t, k.lines, e.lines);
  // And with every block compiled at first sight.
  const r = spawnSync(process.execPath, [CLI, 'run', '--trace', '-', ...defs.flatMap(d => ['--probe', d]), '--', p.exe], { env: { UL_JIT_HOT: '1' }, maxBuffer: 1 << 26 });
  const hot = r.stdout.toString('latin1').split('\n').filter(l => /^\s*\S.*-\d+\s+\[\d+\]/.test(l));
  assert.equal(r.status, k.status);
  compare(t, k.lines, hot);
  // And printed by the printer thread (UL_TRACE_THREAD=1: from the first line; by default only past
  // 512 Ki lines), which must not change a byte.
  const th = spawnSync(process.execPath, [CLI, 'run', '--trace', '-', ...defs.flatMap(d => ['--probe', d]), '--', p.exe], { env: { UL_TRACE_THREAD: '1' }, maxBuffer: 1 << 26 });
  assert.equal(th.status, k.status);
  compare(t, k.lines, th.stdout.toString('latin1').split('\n').filter(l => /^\s*\S.*-\d+\s+\[\d+\]/.test(l)));
});
