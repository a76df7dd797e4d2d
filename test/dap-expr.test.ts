// The debugger's expression layer, in process: breakpoint conditions over fetch arguments (grammar,
// precedence, typed comparisons, strings), hit conditions, logpoint templates, and the errors a user
// sees for bad input. Values come from a hand-built register file and memory, so each expected result
// follows from the definitions alone.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Condition, ExprError, FetchArgExpr, HitCondition, LogTemplate } from '../adapter/expr';
import type { FetchContext } from '../engine/trace';

const MEM_BASE = 0x404000;
const mem = new Uint8Array(64);
mem.set(Buffer.from('abc\0'), 0);
mem.set([0x10, 0x20, 0x30, 0x40, 0xff, 0xff, 0xff, 0xff], 16);

function ctx(regs: Record<number, bigint>): FetchContext {
  const r = new Int32Array(32);
  for (const [n, v] of Object.entries(regs)) {
    const u = BigInt.asUintN(64, v);
    r[2 * Number(n)] = Number(u & 0xffffffffn) | 0;
    r[2 * Number(n) + 1] = Number(u >> 32n) | 0;
  }
  const inMem = (a: number, n: number) => a >= MEM_BASE && a + n <= MEM_BASE + mem.length;
  return {
    r, rip: 0x401000, flags: 0x246, comm: 'prog', isReturn: false,
    read8: (a) => { if (!inMem(a, 1)) throw new Error('fault'); return mem[a - MEM_BASE]; },
    readBytes: (a, n) => { if (!inMem(a, n)) throw new Error('fault'); return mem.slice(a - MEM_BASE, a - MEM_BASE + n); },
  };
}

const DI = 7, SI = 6, AX = 0;
const cond = (text: string) => new Condition(text, '/bin/prog', 0x1000);

test('conditions: comparisons, && || ! and parentheses with the usual precedence', () => {
  const c = ctx({ [DI]: 5n, [SI]: BigInt(MEM_BASE), [AX]: 0n });
  assert.equal(cond('%di == 5').test(c), true);
  assert.equal(cond('%di != 5').test(c), false);
  assert.equal(cond('%di < 6 && %di >= 5 && %di <= 5 && %di > 4').test(c), true);
  assert.equal(cond('%ax == 1 || %di == 5 && %ax == 0').test(c), true, '&& binds tighter than ||');
  assert.equal(cond('(%ax == 1 || %di == 5) && %ax == 1').test(c), false);
  assert.equal(cond('!(%di == 5)').test(c), false);
  assert.equal(cond('!%ax').test(c), true, 'a bare operand is true when non-zero');
  assert.equal(cond('%di').test(c), true);
  assert.equal(cond('%di == 0x5 && 5 == %di && %di == 0b101').test(c), true);
});

test('conditions: memory fetchargs, types, strings and literals converted to the argument\'s type', () => {
  const c = ctx({ [DI]: -1n, [SI]: BigInt(MEM_BASE) });
  assert.equal(cond('+0(%si):u8 == 97').test(c), true);
  assert.equal(cond('+0(%si):char == 97').test(c), true);
  assert.equal(cond('+0(%si):string == "abc"').test(c), true);
  assert.equal(cond('+0(%si):string != "abd" && +3(%si):string == ""').test(c), true);
  assert.equal(cond('+16(%si):u32 == 0x40302010').test(c), true);
  assert.equal(cond('+20(%si):s32 == -1 && +20(%si):u32 == 0xffffffff').test(c), true);
  assert.equal(cond('+20(%si):s32 < 0').test(c), true);
  // The default type is x64 (unsigned): -1 means all ones.
  assert.equal(cond('%di == -1').test(c), true);
  assert.equal(cond('%di == 0xffffffffffffffff').test(c), true);
  assert.equal(cond('%di:s64 < 0').test(c), true);
  // Symbol names in @NAME resolve through the program's symbol table.
  const withSym = new Condition('@msg:string == "abc"', '/bin/prog', 0x1000, (n) => n === 'msg' ? MEM_BASE : undefined);
  assert.equal(withSym.test(c), true);
  // A fault reads as the kernel's fetch does: zero for numbers, "(fault)" text for strings.
  assert.equal(cond('+0(%ax):u8 == 0').test(ctx({ [AX]: 0x10n })), true);
  assert.equal(cond('+0(%ax):string == "x"').test(ctx({ [AX]: 0x10n })), false);
  assert.equal(new FetchArgExpr('+0(%ax):string', '/bin/prog', 0).format(ctx({ [AX]: 0x10n })), '(fault)');
  assert.throws(() => cond('+0(%si):string == 5').test(c), /cannot compare a string with a number/);
});

test('conditions: errors name the problem and where it is', () => {
  assert.throws(() => cond('%di = 5'), (e: Error) => e instanceof ExprError && /use '=='/.test(e.message));
  assert.throws(() => cond('%di =='), /ends too early/);
  assert.throws(() => cond('(%di == 5'), /missing '\)'/);
  assert.throws(() => cond('%di == 5 5'), /unexpected text at column 10/);
  assert.throws(() => cond('"abc'), /unterminated string/);
  assert.throws(() => cond('%zz == 1'), /Invalid register name: %zz/);
  assert.throws(() => cond('+0(%si):u7 == 1'), /Unknown type is specified/);
  assert.throws(() => cond(''), /empty condition/);
});

test('fetch arguments format their values as trace lines print them', () => {
  const c = ctx({ [DI]: 42n, [SI]: BigInt(MEM_BASE) });
  assert.equal(new FetchArgExpr('%di', '/bin/prog', 0).format(c), '0x2a');
  assert.equal(new FetchArgExpr('%di:u64', '/bin/prog', 0).format(c), '42');
  assert.equal(new FetchArgExpr('+0(%si):string', '/bin/prog', 0).format(c), '"abc"');
  assert.equal(new FetchArgExpr('+16(%si):u8[4]', '/bin/prog', 0).format(c), '{16,32,48,64}');
  assert.throws(() => new FetchArgExpr('%di %si', '/bin/prog', 0), /no spaces/);
});

test('hit conditions', () => {
  const hits = (h: string) => [1, 2, 3, 4, 5, 6, 7].filter(n => new HitCondition(h).test(n));
  assert.deepEqual(hits('>= 3'), [3, 4, 5, 6, 7]);
  assert.deepEqual(hits('3'), [3, 4, 5, 6, 7], 'a bare number means >=');
  assert.deepEqual(hits('> 5'), [6, 7]);
  assert.deepEqual(hits('== 4'), [4]);
  assert.deepEqual(hits('=4'), [4]);
  assert.deepEqual(hits('< 3'), [1, 2]);
  assert.deepEqual(hits('<= 2'), [1, 2]);
  assert.deepEqual(hits('% 2'), [2, 4, 6]);
  assert.throws(() => new HitCondition('% 0'), /divides by zero/);
  assert.throws(() => new HitCondition('every 3'), /is not one of/);
});

test('logpoint templates interpolate fetchargs; doubled braces are literal', () => {
  const c = ctx({ [DI]: 3n, [SI]: BigInt(MEM_BASE) });
  const t = new LogTemplate('n={%di:u32} s={+0(%si):string} {{raw}}', '/bin/prog', 0);
  assert.equal(t.render(c), 'n=3 s="abc" {raw}');
  assert.throws(() => new LogTemplate('n={%di', '/bin/prog', 0), /no matching '}'/);
  assert.throws(() => new LogTemplate('n={%qq}', '/bin/prog', 0), /Invalid register name/);
});
