// The extension's logic that needs no VS Code: source line -> file offset (checked against the
// symbols and program headers binutils reads), finding and building the program of a source file
// (the built program is run natively), .uprobes files, the uprobe_events input check, source path
// mapping, and the Consumer Output filter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, need, have, tmpDir, runNative } from './util';
import { lineToOffsets, readProbesFile, absolutizeDef, parseDef, eventNameFor } from '../extension/probeDefs';
import { findProgram, buildPlan, runBuild } from '../extension/programs';
import { SourceMapper } from '../extension/sourceMap';
import { matcher } from '../extension/filter';

const SAMPLES = path.join(ROOT, 'samples');

/** Address of a symbol, from nm. */
function nmAddress(exe: string, sym: string): number {
  const out = execFileSync('nm', [exe], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) \\w ${sym}$`, 'm').exec(out);
  assert.ok(m, `${sym} in nm ${exe}`);
  return parseInt(m[1], 16);
}

/** File offset of an address, from the program headers readelf prints. */
function fileOffset(exe: string, addr: number): number {
  const out = execFileSync('readelf', ['-lW', exe], { encoding: 'utf8' });
  for (const l of out.split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(l);
    if (!m) continue;
    const off = parseInt(m[1], 16), va = parseInt(m[2], 16), size = parseInt(m[3], 16);
    if (addr >= va && addr < va + size) return addr - va + off;
  }
  throw new Error(`0x${addr.toString(16)} not in a LOAD segment of ${exe}`);
}

test('a source line maps to the file offset of its code (assembly and C, checked with nm and readelf)', async (t) => {
  if (!need(t, have('nm') && have('readelf'), 'binutils (nm, readelf) not installed')) return;
  const exe = path.join(SAMPLES, 'bin', 'fixups');
  const src = path.join(SAMPLES, 'src', 'fixups.s');
  const lines = fs.readFileSync(src, 'utf8').split('\n');
  for (const label of ['riprel_load', 'riprel_rmw', 'icall_rip', 'fact']) {
    const line = lines.findIndex(l => l.trim() === `${label}:`) + 2; // the instruction after the label
    const r = await lineToOffsets(exe, src, line);
    const a = nmAddress(exe, label);
    assert.equal(r.line, line);
    assert.deepEqual(r.addresses, [a], label);
    assert.deepEqual(r.offsets, [fileOffset(exe, a)], label);
    assert.equal(r.symbol, label);
  }
  // A label line has no code: the next line with code is taken.
  const labelLine = lines.findIndex(l => l.trim() === 'riprel_load:') + 1;
  assert.equal((await lineToOffsets(exe, src, labelLine)).line, labelLine + 1);
  // C: the first line of a function's body is after its prologue, inside the function.
  const cexe = path.join(SAMPLES, 'bin', 'hello-c');
  const csrc = path.join(SAMPLES, 'src', 'hello.c');
  const cl = fs.readFileSync(csrc, 'utf8').split('\n').findIndex(l => l.includes('return x * x;')) + 1;
  const r = await lineToOffsets(cexe, csrc, cl);
  const sq = nmAddress(cexe, 'square'), fact = nmAddress(cexe, 'fact');
  assert.ok(r.addresses[0] > sq && r.addresses[0] < fact, `line ${cl} inside square()`);
  assert.equal(r.offsets[0], fileOffset(cexe, r.addresses[0]));
  await assert.rejects(lineToOffsets(exe, src, 100000), /no code at or after line 100000/);
  await assert.rejects(lineToOffsets(exe, csrc, 1), /has no code from hello\.c/);
});

test('the program built from a source is found beside it, in bin/ or ../bin/, by its line table', async () => {
  assert.equal((await findProgram(path.join(SAMPLES, 'src', 'fixups.s'), SAMPLES))?.program, path.join(SAMPLES, 'bin', 'fixups'));
  assert.equal((await findProgram(path.join(SAMPLES, 'src', 'hello.s'), SAMPLES))?.program, path.join(SAMPLES, 'bin', 'hello'));
  // hello.c's program is bin/hello-c: bin/hello (from hello.s) does not name hello.c.
  assert.equal((await findProgram(path.join(SAMPLES, 'src', 'hello.c'), SAMPLES))?.program, path.join(SAMPLES, 'bin', 'hello-c'));
  const d = tmpDir();
  fs.writeFileSync(path.join(d, 'lonely.s'), '.globl _start\n_start: ret\n');
  assert.equal(await findProgram(path.join(d, 'lonely.s')), undefined);
});

test('building a .s with as -g and ld: the program lands in ../bin, runs, and is then found', async (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const d = tmpDir();
  fs.mkdirSync(path.join(d, 'src'));
  fs.mkdirSync(path.join(d, 'bin'));
  const src = path.join(d, 'src', 'exit5.s');
  fs.writeFileSync(src, '.globl _start\n_start:\n  mov $60, %eax\n  mov $5, %edi\n  syscall\n');
  const plan = buildPlan(src);
  assert.ok(plan);
  assert.equal(plan.output, path.join(d, 'bin', 'exit5'));
  assert.match(plan.describe, /^as -g exit5\.s && ld -static/);
  let log = '';
  await runBuild(plan, path.dirname(src), s => { log += s; });
  assert.match(log, /\$ \S*as -g -o /);
  assert.equal(runNative(plan.output).status, 5);
  assert.equal(fs.existsSync(`${plan.output}.o`), false, 'the object file is removed');
  assert.equal((await findProgram(src))?.program, plan.output);
  // A failing build rejects with the tool's first error line.
  fs.writeFileSync(src, '.globl _start\n_start:\n  movx %eax\n');
  await assert.rejects(runBuild(buildPlan(src)!, d, () => undefined), /as failed: .*movx/);
});

test('.uprobes files: comments dropped, paths written from a parent folder made absolute, others kept', () => {
  const d = tmpDir();
  fs.mkdirSync(path.join(d, 'proj', 'bin'), { recursive: true });
  fs.copyFileSync(path.join(SAMPLES, 'bin', 'hello'), path.join(d, 'proj', 'bin', 'hello'));
  const f = path.join(d, 'proj', 'probes.uprobes');
  fs.writeFileSync(f, [
    '# a comment', '',
    'p:a/one proj/bin/hello:0x1000 x=%di   # written from the parent folder',
    'r:a/two bin/hello:0x1000 ret=$retval',
    'p:a/three /abs/none:0x10',
  ].join('\n'));
  const defs = readProbesFile(f, path.join(d, 'proj'));
  assert.deepEqual(defs, [
    `p:a/one ${path.join(d, 'proj', 'bin', 'hello')}:0x1000 x=%di`,
    'r:a/two bin/hello:0x1000 ret=$retval',
    'p:a/three /abs/none:0x10',
  ]);
  assert.equal(absolutizeDef('p:x/y nowhere/prog:0x10', [d]), 'p:x/y nowhere/prog:0x10');
  // The sample's own file, used from the samples folder.
  const sample = readProbesFile(path.join(SAMPLES, 'fixups.uprobes'), SAMPLES);
  assert.ok(sample.length > 5);
  for (const l of sample) assert.ok(l.includes(` ${path.join(SAMPLES, 'bin', 'fixups')}:0x`), l);
});

test('the Add Probe input is checked as the kernel checks uprobe_events (its error text)', async () => {
  const ok = await parseDef('p:grp/ev /bin/true:0x1000 a=%di');
  assert.deepEqual([ok?.kind, ok?.key, ok?.offset, ok?.isReturn], ['add', 'grp/ev', 0x1000, false]);
  assert.equal((await parseDef('r /bin/true:0x20'))?.key, 'uprobes/p_true_0x20');
  assert.equal((await parseDef('-:grp/ev'))?.kind, 'delete');
  await assert.rejects(parseDef('p:grp/ev /bin/true:0xzz'), /Invalid uprobe offset/);
  await assert.rejects(parseDef('p:grp/ev /bin/true:0x10 x=%nosuch'), /Invalid register name/);
  assert.equal(eventNameFor('/a/b/fixups.s', 15), 'fixups_s_15');
  assert.equal(eventNameFor('/a/9lives.c', 3), '_9lives_c_3');
});

test('source paths from the line table map to the user\'s files', () => {
  const real = path.join(SAMPLES, 'src', 'fixups.s');
  // Built elsewhere, moved: found under the roots by its trailing path.
  const m = new SourceMapper({}, [SAMPLES]);
  assert.equal(m.map('/somewhere/else/samples/src/fixups.s'), real);
  assert.equal(m.map(real), real);
  assert.equal(m.map('/nowhere/at/all.s'), '/nowhere/at/all.s');
  // A file the client named (a breakpoint set in a copy) wins over the line table's own path.
  const copy = path.join(tmpDir(), 'src', 'fixups.s');
  m.noteClientPath(copy);
  assert.equal(m.map(real), copy);
  // Explicit prefixes first.
  const e = new SourceMapper({ sourceFileMap: { '/build/root': '/home/me/proj' } }, []);
  assert.equal(e.map('/build/root/src/a.s'), '/home/me/proj/src/a.s');
  // Messages: a stack frame's source is rewritten.
  const msg = { type: 'response', command: 'stackTrace', seq: 1, request_seq: 1, success: true, body: { stackFrames: [{ id: 1, name: 'f', line: 1, column: 1, source: { path: '/x/samples/src/fixups.s' } }] } };
  new SourceMapper({}, [SAMPLES]).outgoing(msg);
  assert.equal(msg.body.stackFrames[0].source.path, real);
});

test('Consumer Output filter: words, -exclusions, /regexp/', () => {
  const line = '          fixups-4000    [000] DBZff  2225.000467: riprel_load: (0x40100c) rax=0x0';
  assert.ok(matcher('')(line));
  assert.ok(matcher('riprel RAX=0x0')(line));
  assert.ok(!matcher('riprel -rax')(line));
  assert.ok(matcher('/load: \\(0x40100c\\)/')(line));
  assert.ok(!matcher('/^fixups/')(line));
});
