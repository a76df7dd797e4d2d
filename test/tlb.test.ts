// The software TLBs of engine/memory.ts (two-way set associative, read by the block compiler's code
// directly): pages that share a set must each keep their own data and permissions, and a page that
// becomes code must leave the write TLB whichever way it sits in, or a store into it would go unseen.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Memory, PAGE_SIZE, PROT_READ, PROT_WRITE, tlbSet, TLB_SIZE } from '../engine/memory';
import { GuestFault } from '../engine/errors';

const BASE = 0x10000000;
const PAGES = 4 * TLB_SIZE;

/** Three page addresses in BASE's region whose page numbers share one TLB set. */
function sameSet(): number[] {
  const first = BASE / PAGE_SIZE, set = tlbSet(first);
  const out = [first];
  for (let n = first + 1; n < first + PAGES && out.length < 3; n++) if (tlbSet(n) === set) out.push(n);
  assert.equal(out.length, 3, 'three pages of one set in the region');
  return out.map(n => n * PAGE_SIZE);
}

function fresh(): Memory {
  const m = new Memory();
  m.map(BASE, PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, 'test');
  return m;
}

test('pages sharing a TLB set keep their own contents through alternating and evicting accesses', () => {
  const m = fresh();
  const [a, b, c] = sameSet();
  for (let round = 0; round < 50; round++) {
    for (const [k, p] of [a, b, c].entries()) m.write64(p + 8 * round, round * 3 + k, -k | 0);
    for (const [k, p] of [a, b, c].entries()) {
      assert.equal(m.read64(p + 8 * round), round * 3 + k);
      assert.equal(m.hi, -k | 0);
    }
  }
  // Page-crossing accesses go through the slow path and still see each page's data.
  m.write64(b - 4, 0x11223344, 0x55667788);
  assert.equal(m.read32(b - 4), 0x11223344);
  assert.equal(m.read32(b), 0x55667788);
});

test('a page marked as code leaves the write TLB from either way: the next store reports a code write', () => {
  const [a, b] = sameSet();
  for (const order of ['a-then-b', 'b-then-a']) {
    const m = fresh();
    const seen: number[] = [];
    m.onCodeWrite = (no) => seen.push(no);
    // Both pages in the write TLB; `a` in the set's second way for the first order, the first for the other.
    if (order === 'a-then-b') { m.write8(a, 1); m.write8(b, 1); } else { m.write8(b, 1); m.write8(a, 1); }
    m.markCode(a);
    m.write8(a + 5, 0xcc);
    assert.deepEqual(seen, [a / PAGE_SIZE], order);
    m.write8(b + 5, 0xcc);
    assert.deepEqual(seen, [a / PAGE_SIZE], `${order}: the other page is data`);
  }
});

test('a permission change reaches pages held in either way of a set', () => {
  const m = fresh();
  const [a, b] = sameSet();
  m.write8(a, 1); m.write8(b, 2);
  assert.equal(m.read8(a), 1); assert.equal(m.read8(b), 2);
  m.protect(a, PAGE_SIZE, PROT_READ);
  assert.throws(() => m.write8(a, 3), GuestFault);
  m.write8(b, 4);
  m.protect(b, PAGE_SIZE, 0);
  assert.throws(() => m.read8(b), GuestFault);
  assert.equal(m.read8(a), 1);
});
