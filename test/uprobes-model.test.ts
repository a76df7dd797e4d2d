// The uprobes model's mechanics, driven in-process: the phases of a hit and their events, both models'
// fixups, signals held back during XOL, a fault in the slot aborting XOL, probes added and removed while
// the guest runs, several consumers on one probe, and a handler asking to be removed.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, ROOT } from './util';
import { Process } from '../engine/linux/process';
import type { Stdio } from '../engine/linux/files';
import { fileIdent } from '../engine/linux/files';
import { Uprobes } from '../engine/uprobes/uprobes';
import type { UprobeConsumer, UprobeEvent } from '../engine/uprobes/types';
import { UPROBE_HANDLER_REMOVE } from '../engine/uprobes/types';
import { ElfFile } from '../engine/elf/elf';
import { SIGUSR1, SIGSEGV } from '../engine/errors';
import { RAX, RBX } from '../engine/cpu/regs';

const FIXUPS = fs.readFileSync(path.join(ROOT, 'samples', 'src', 'fixups.s'), 'utf8');

function quietStdio(out: string[] = []): Stdio {
  return { read: () => new Uint8Array(0), write: (_fd, d) => { out.push(Buffer.from(d).toString()); }, isatty: () => false };
}

function setup(src: string, model: 'current' | '2012' = 'current') {
  const exe = buildAsm(src, 'm');
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const sym = (n: string): number => elf.symbols.find(s => s.name === n)!.value;
  const off = (n: string): number => elf.vaddrToFileOffset(sym(n))!;
  const p = new Process({ program: exe, stdio: quietStdio() });
  const u = new Uprobes({ model });
  const events: UprobeEvent[] = [];
  u.on(e => events.push(e));
  u.attach(p);
  return { exe, ident: fileIdent(exe), p, u, sym, off, events };
}

function counter(name: string, hits: number[] = []): UprobeConsumer & { hits: number[] } {
  return { name, hits, handler: (_c, _u, p) => { hits.push(p.cpu.rip); return 0; } };
}

test('a RIP-relative load is stepped out of line with the scratch register rewrite and restored', () => {
  const s = setup(FIXUPS);
  const c = counter('c');
  s.u.register(s.exe, s.ident, s.off('riprel_load'), c);
  s.p.start();
  // Run up to the hit: handlers see ip at the probe.
  let saw: UprobeEvent | undefined;
  s.u.on(e => { if (e.type === 'pre_xol') saw = e; });
  const siBefore = 0x1111;
  assert.equal(s.p.run(), true);
  assert.deepEqual(c.hits, [s.sym('riprel_load')]);
  assert.ok(saw && saw.type === 'pre_xol');
  assert.equal(saw.slotAddr, 0x7fffffffe000 + 128 * saw.slot);
  assert.equal(saw.slot, 1, 'slot 0 holds the uretprobe trampoline in the current model');
  assert.deepEqual(saw.fixups.includes('UPROBE_FIX_IP'), true);
  assert.equal(saw.scratch?.reg, 'rsi', 'today the scratch register is rsi when the instruction does not use it');
  assert.equal(saw.scratch?.saved, siBefore);
  const post = s.events.find(e => e.type === 'post_xol');
  assert.ok(post && post.type === 'post_xol');
  assert.equal(post.ip, s.sym('after_load'));
  assert.equal(s.p.exit?.status, 42);
});

test('the 2012 model uses rax/rcx as scratch and drops the displacement from the slot copy', () => {
  const s = setup(FIXUPS, '2012');
  s.u.register(s.exe, s.ident, s.off('riprel_store'), counter('c'));
  s.p.start();
  s.p.run();
  const pre = s.events.find(e => e.type === 'pre_xol');
  assert.ok(pre && pre.type === 'pre_xol');
  assert.equal(pre.slot, 0, 'no trampoline in 2012: the first slot is free');
  // mov %rax,out(%rip) uses rax: the 2012 rewrite picks rcx.
  assert.equal(pre.scratch?.reg, 'rcx');
  assert.equal(pre.slotBytes.length, pre.origBytes.length - 4);
  assert.equal(s.p.exit?.status, 42);
});

test('phases can be stepped one by one (debugger XOL stepping)', () => {
  const s = setup(FIXUPS);
  let stopAtHit = true;
  const c: UprobeConsumer = { name: 'dbg', handler: (_c, _u, p) => { if (stopAtHit) p.cpu.stopRequested = true; return 0; } };
  s.u.register(s.exe, s.ident, s.off('riprel_load'), c);
  s.p.start();
  assert.equal(s.p.run(), false);
  assert.equal(s.p.cpu.rip, s.sym('riprel_load'), 'stopped at the probe');
  const mm = s.u.mmOf(s.p)!;
  mm.utask.stepPhases = true;
  stopAtHit = false;
  assert.equal(s.p.run(), false);
  assert.equal(s.p.cpu.rip, 0x7fffffffe080, 'stopped in the XOL slot');
  assert.equal(s.p.cpu.get(6), s.sym('after_load'), 'rsi holds vaddr + len for the rewritten operand');
  assert.equal(s.p.run(), false);
  assert.equal(s.p.cpu.rip, s.sym('after_load'), 'after the step and the fixups, back in the original code');
  assert.equal(s.p.cpu.r[2 * RAX] >>> 0, 0x55667788);
  assert.equal(s.p.cpu.r[2 * RAX + 1] >>> 0, 0x11223344);
  assert.equal(s.p.cpu.get(6), 0x1111, 'rsi restored');
  assert.equal(s.p.run(), true);
  assert.equal(s.p.exit?.status, 42);
});

test('an indirect call stepped out of line lands in the callee with the return address fixed', () => {
  const s = setup(FIXUPS);
  const c: UprobeConsumer = { name: 'dbg', handler: (_c, _u, p) => { p.cpu.stopRequested = true; return 0; } };
  s.u.register(s.exe, s.ident, s.off('icall_rip'), c);
  s.p.start();
  s.p.run();
  s.u.mmOf(s.p)!.utask.stepPhases = true;
  c.handler = () => 0;
  s.p.run(); // into the slot
  s.p.run(); // the step and post_xol
  assert.equal(s.p.cpu.rip, s.sym('func'));
  assert.equal(s.p.mem.readPtr(s.p.cpu.rsp), s.sym('ijmp_rip'), 'return address = probe + insn length');
});

test('a signal arriving while the task is in the XOL slot is held back until after post_xol', () => {
  const s = setup(FIXUPS);
  s.u.register(s.exe, s.ident, s.off('add_site'), counter('c'));
  s.p.start();
  const held: number[] = [];
  let rbx0 = -1;
  s.u.on(e => {
    if (e.type === 'pre_xol') { rbx0 = s.p.cpu.get(RBX); s.p.kill(SIGUSR1); } // arrives with ip in the slot
    if (e.type === 'signal-held') held.push(e.sig);
  });
  s.p.run();
  assert.deepEqual(held, [SIGUSR1]);
  assert.equal(s.p.exit?.signal, SIGUSR1, 'then delivered (default action: terminate)');
  assert.equal(s.p.cpu.rip, s.sym('pushf_site'), 'delivered after the step, with ip after the probed add');
  assert.notEqual(rbx0, -1);
  assert.equal(s.p.cpu.get(RBX), rbx0 + 1, 'the probed add did execute');
});

test('a fault raised by the instruction in the slot aborts XOL: delivered with ip at the probe', () => {
  const src = `.globl _start\n_start:\n xor %eax,%eax\n.globl bad\nbad:\n mov (%rax),%rbx\n mov $60,%eax\n syscall\n`;
  const s = setup(src);
  s.u.register(s.exe, s.ident, s.off('bad'), counter('c'));
  s.p.start();
  s.p.run();
  assert.ok(s.events.some(e => e.type === 'abort'));
  assert.equal(s.p.exit?.signal, SIGSEGV);
  assert.equal(s.p.cpu.rip, s.sym('bad'));
  assert.match(s.p.exit!.message!, new RegExp(`SIGSEGV at 0x${s.sym('bad').toString(16)} \\(address 0x0\\)`));
  assert.equal(s.u.mmOf(s.p)!.xol!.slotCount, 1, 'the slot was freed (only the trampoline remains)');
});

test('several consumers on one probe all run; a consumer removed mid-run stops seeing hits', () => {
  const s = setup(FIXUPS);
  const a = counter('a'), b = counter('b');
  const up = s.u.register(s.exe, s.ident, s.off('loop_site'), a);
  s.u.register(s.exe, s.ident, s.off('loop_site'), b);
  s.p.start();
  // Let the first hit happen, then unregister b while the guest runs.
  a.handler = (_c, _u, p) => { a.hits.push(p.cpu.rip); if (a.hits.length === 1) s.u.unregister(up, b); return 0; };
  s.p.run();
  assert.equal(a.hits.length, 3, 'loop runs three times');
  assert.equal(b.hits.length, 1);
  assert.equal(s.p.exit?.status, 42);
});

test('a probe added while the guest runs is installed at once; removing it restores the original bytes', () => {
  const s = setup(FIXUPS);
  s.p.start();
  assert.equal(s.p.run(20), false);
  const c = counter('late');
  const up = s.u.register(s.exe, s.ident, s.off('loop_site'), c);
  assert.equal(s.p.mem.peek(s.sym('loop_site'), 1)![0], 0xcc, 'int3 written into the process copy');
  s.p.cpu.stopRequested = false;
  // Run until the first hit, then remove.
  c.handler = (_c, _u, p) => { c.hits.push(p.cpu.rip); s.u.unregister(up, c); return 0; };
  s.p.run();
  assert.equal(c.hits.length, 1);
  assert.equal(s.p.mem.peek(s.sym('loop_site'), 1)![0], 0xe2, 'original loop opcode back');
  assert.equal(s.p.exit?.status, 42);
});

test('a handler returning UPROBE_HANDLER_REMOVE removes the breakpoint from the process', () => {
  const hits: number[] = [];
  const s2 = setup(FIXUPS);
  let want = true;
  s2.u.register(s2.exe, s2.ident, s2.off('loop_site'), {
    name: 'once', handler: (_c, _u, p) => { hits.push(p.cpu.rip); want = false; return UPROBE_HANDLER_REMOVE; },
    filter: () => want,
  });
  s2.p.start();
  s2.p.run();
  assert.equal(hits.length, 1, 'removed after the first of three hits');
  assert.equal(s2.p.exit?.status, 42);
});

test('today\'s kernel emulates calls, jumps, nops and push; 2012 skips only nops', () => {
  for (const model of ['current', '2012'] as const) {
    const s = setup(FIXUPS, model);
    const sites = model === 'current' ? ['dcall', 'jmp_short', 'jcc_taken', 'nop1', 'nop5', 'push_site'] : ['dcall', 'jmp_short', 'jcc_taken', 'nop1', 'nop2', 'push_site'];
    for (const n of sites) s.u.register(s.exe, s.ident, s.off(n), counter(n));
    s.p.start();
    s.p.run();
    const emulated = s.events.filter(e => e.type === 'emulate').map(e => (e as { kind: string }).kind);
    const stepped = s.events.filter(e => e.type === 'pre_xol').length;
    // Program order: dcall, jmp_short, jcc_taken, push_site, nop1, nop2/nop5.
    if (model === 'current') { assert.deepEqual(emulated, ['call', 'jmp', 'jcc', 'push', 'nop', 'nop']); assert.equal(stepped, 0); }
    else { assert.deepEqual(emulated, ['nop', 'nop'], '2012 skipped 90 and 66 90 without stepping'); assert.equal(stepped, 4); }
    assert.equal(s.p.exit?.status, 42);
  }
});

test('2012: a skipped multi-byte nop leaves ip just past the int3, inside the nop (3.5 behaviour)', () => {
  const s = setup(FIXUPS, '2012');
  s.u.register(s.exe, s.ident, s.off('nop5'), counter('n'));
  s.p.start();
  s.p.run();
  const em = s.events.find(e => e.type === 'emulate');
  assert.ok(em && em.type === 'emulate');
  assert.equal(em.ipAfter, s.sym('nop5') + 1);
  assert.equal(s.p.exit?.signal, 4, 'the CPU then decodes the middle of the nop: SIGILL');
});
