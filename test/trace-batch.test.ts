// The batched trace writer (TraceBatch: raw records now, lines later) against the one-line-at-a-time
// formatter whose output test/trace-format.test.ts compares with the kernel's: for many hits of many
// kinds of events the bytes written must be those lines, in order, handed out in chunks of at least
// TRACE_CHUNK bytes, printed here or by the printer thread; and the 64-bit number printing (int32 halves,
// no BigInt) against BigInt's.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseCommand, formatArgs, formatTraceLine, fetchRecord, scratchRecord, resetScratch, TraceBatch, TRACE_CHUNK, ByteOut,
  EventDef, FetchContext, UPROBE_TRACE_FLAGS,
} from '../engine/trace';
import type { TraceBatchOptions } from '../engine/trace/batch';
import { jsonSeconds } from '../engine/trace/printer';

function ev(line: string): EventDef {
  const c = parseCommand(line);
  assert.equal(c.kind, 'add');
  return (c as { ev: EventDef }).ev;
}

/** A little guest memory: one readable page at 0x10000 with strings and words; everything else faults. */
function context(seed: number): FetchContext {
  const page = new Uint8Array(4096);
  const text = Buffer.from('hello\0w\xe9ird\tbytes\0\0', 'latin1');
  page.set(text, 0x100);
  for (let i = 0; i < 64; i++) page[0x200 + i] = (seed * 31 + i * 7) & 0xff;
  const r = new Int32Array(32);
  for (let k = 0; k < 32; k++) r[k] = Math.imul(seed + 1, 0x9e3779b1 + k * 0x85ebca6b) | 0;
  r[2 * 3] = 0x10100; r[2 * 3 + 1] = 0;        // %bx -> "hello"
  r[2 * 6] = 0x10200; r[2 * 6 + 1] = 0;        // %si -> the words
  r[2 * 7] = 0xdead0000; r[2 * 7 + 1] = 0;     // %di -> unmapped
  const inPage = (a: number) => a >= 0x10000 && a < 0x11000;
  return {
    r, rip: 0x401000 + seed, flags: 0x246, comm: seed % 3 ? 'prog' : 'another-long-name', isReturn: false,
    funcAddr: 0x401100, retAddr: 0x401234,
    read8: (a) => { if (!inPage(a)) throw new Error('fault'); return page[a - 0x10000]; },
    readBytes: (a, n) => {
      if (!inPage(a) || !inPage(a + n - 1)) throw new Error('fault');
      return page.slice(a - 0x10000, a - 0x10000 + n);
    },
  };
}

const EVENTS = [
  'p:g/plain /bin/true:0x1000 %ax',
  'p:g/many /bin/true:0x1001 a=%ax:s8 b=%cx:u16 c=%dx:s32 d=%r8:u64 e=%r9:s64 f=%r10:x8 g=%r11:x64 h=%r12:char',
  'p:g/strs /bin/true:0x1002 s=+0(%bx):string t=+6(%bx):string u=+0(%di):string v=$comm w=\\"imm":string',
  'p:g/arrs /bin/true:0x1003 a=+0(%si):u8[8] b=+0(%si):s16[4] c=+8(%si):x32[2] d=+0(%di):u64[2] e=+0(%si):b3@2/8',
  'r:g/ret /bin/true:0x1004 rv=$retval:s32 ip=%ip x=+0(%si):x64',
  'p:g/noargs /bin/true:0x1005',
];

/**
 * Record `hits` hits of many kinds of events (several tasks, CPUs, a second boundary) into the batch,
 * with text at `textAt` and a flush at each of `flushAt`; return what must come out, as
 * formatTraceLine prints each line on its own.
 */
function mixedHits(batch: TraceBatch, hits: number, textAt: number, flushAt: number[] = [], afterFlush = (): void => { /* nothing */ },
  json = false): string {
  const events = EVENTS.map(ev);
  const ids = events.map((e) => batch.eventId(e));
  const expected: string[] = [];
  resetScratch();
  const start = 12345 * 1e6 + 999_000; // crosses a whole second early on
  for (let h = 0; h < hits; h++) {
    const k = h % events.length;
    const e = events[k];
    const ctx = context(h);
    ctx.isReturn = e.isReturn;
    const pid = 4000 + (h % 5 === 0 ? 1 : 0);
    const us = start + h * 37;
    const where = e.isReturn ? ctx.retAddr! : ctx.rip;
    const func = e.isReturn ? ctx.funcAddr! : 0;
    const args = formatArgs(e, ctx);
    const line = formatTraceLine({ comm: ctx.comm, pid, cpu: h % 2, flags: UPROBE_TRACE_FLAGS, ts: us / 1e6, ev: e,
      ...(e.isReturn ? { ret: where, func } : { ip: where }), args });
    expected.push(json ? jsonLine({ line, group: e.group, event: e.event, comm: ctx.comm, pid, ts: us / 1e6,
      ...(e.isReturn ? { func, ret: where } : { ip: where }), args }) : line);
    const len = fetchRecord(e, ctx);
    batch.add(ids[k], ctx.comm, pid, h % 2, UPROBE_TRACE_FLAGS, us, where, func, scratchRecord, len);
    if (h === textAt) {
      // Text in the middle (the profile, a JSON line) comes after the lines recorded before it.
      batch.text('-- middle --\n');
      expected.push('-- middle --');
    }
    if (flushAt.includes(h)) { batch.flush(); afterFlush(); }
  }
  batch.flush();
  return expected.join('\n') + '\n';
}

/**
 * A hit as `--trace-format json` wrote it when it built each object from the record the tracer handed
 * out (before JSON lines were printed from raw records): the record's fields in order without `line`,
 * then `text` (the line); byte strings read as UTF-8; the whole written as UTF-8 (returned here as a byte
 * string, as the lines of the text format are).
 */
function jsonLine(r: { line: string; args: string; [k: string]: unknown }): string {
  const u8 = (x: string) => Buffer.from(x, 'latin1').toString('utf8');
  return Buffer.from(JSON.stringify({ ...r, line: undefined, text: u8(r.line), args: u8(r.args) }), 'utf8').toString('latin1');
}

function sameBytes(got: string, want: string): void {
  // (Compared as a whole: a char argument may itself be a newline byte.)
  if (got !== want) {
    let at = 0;
    while (got[at] === want[at]) at++;
    assert.fail(`differs at byte ${at} of ${want.length}: got ${JSON.stringify(got.slice(at - 80, at + 40))}, want ${JSON.stringify(want.slice(at - 80, at + 40))}`);
  }
}

test('TraceBatch writes exactly the lines formatTraceLine gives, in order, in chunks of >= 256 KiB', () => {
  const chunks: Buffer[] = [];
  const batch = new TraceBatch((b, n) => { chunks.push(Buffer.from(b.subarray(0, n))); });
  const want = mixedHits(batch, 9000, 4500);
  assert.ok(chunks.length > 3, 'several chunks');
  for (const c of chunks.slice(0, -1)) assert.ok(c.length >= TRACE_CHUNK, `a chunk of ${c.length} bytes before the end`);
  sameBytes(Buffer.concat(chunks).toString('latin1'), want);
  assert.equal(batch.threaded, false);
  // Nothing is left: a second flush writes nothing.
  const n = chunks.length;
  batch.flush();
  assert.equal(chunks.length, n);
});

/** A TraceBatch writing to a fresh file, and what the file holds after `run`. */
function throughFile(options: TraceBatchOptions, run: (b: TraceBatch) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ul-batch-'));
  const file = path.join(dir, 'trace');
  const fd = fs.openSync(file, 'w');
  try {
    run(new TraceBatch((b, n) => { fs.writeSync(fd, b, 0, n); }, { fd, ...options }));
  } finally { fs.closeSync(fd); }
  const got = fs.readFileSync(file).toString('latin1');
  fs.rmSync(dir, { recursive: true });
  return got;
}

test('the printer thread writes the same bytes, in order, across flushes that move printing back and forth', () => {
  let want = '', handed = 0, threaded = false;
  // From the first record: every batch goes through the thread, flushes or not (threadAfter 0).
  let got = throughFile({ threadAfter: 0, threadWait: true }, (b) => {
    want = mixedHits(b, 30_000, 12_345, [100, 101, 20_000]);
    handed = b.threadBatches; threaded = b.threaded;
  });
  assert.ok(handed >= 30_000 / 4096 && threaded, `${handed} batches printed by the thread`);
  sameBytes(got, want);
  // The first 5,000 records printed here, then the thread; flushes 1,000 records apart move the printing
  // back here until 5,000 more have been kept, and the thread takes it again.
  const states: boolean[] = [];
  got = throughFile({ threadAfter: 5000, threadWait: true }, (b) => {
    want = mixedHits(b, 40_000, 7_000, [9_000, 10_000, 11_000, 30_000], () => states.push(b.threaded));
  });
  assert.deepEqual(states, [true, false, false, true], 'printed by the thread after each flush');
  sameBytes(got, want);
});

test('JSON lines printed from raw records equal the objects built hit by hit, here and in the printer thread', () => {
  const chunks: Buffer[] = [];
  const here = new TraceBatch((b, n) => { chunks.push(Buffer.from(b.subarray(0, n))); }, { json: true });
  const want = mixedHits(here, 9000, 4500, [], undefined, true);
  sameBytes(Buffer.concat(chunks).toString('latin1'), want);
  // (among the hits: a control byte, escaped, and a byte that is not UTF-8, read as U+FFFD)
  assert.ok(want.includes('\\t') && want.includes('\xef\xbf\xbd'), 'escapes and replacement characters');
  let json = '';
  const got = throughFile({ threadAfter: 0, threadWait: true, json: true }, (b) => { json = mixedHits(b, 20_000, 3000, [10_000], undefined, true); });
  sameBytes(got, json);
});

test('JSON timestamps print as String(us / 1e6) prints them', () => {
  const values = [0, 1, 10, 100_000, 999_999, 1_000_000, 1_000_001, 34_438_423_320, 1e15 - 1, 1e15, 2 ** 52, 2 ** 53 - 1];
  // every scale from 2^10 to 2^53 microseconds, a seeded generator
  let x = 12345;
  for (let i = 0; i < 300_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const hi = (Math.imul(x, 2654435761) >>> 0) / 2 ** 32;
    values.push(Math.floor((x / 2 ** 32 + hi / 2 ** 32) * 2 ** (10 + (i % 44))));
  }
  const o = new ByteOut(64);
  for (const us of values) {
    o.pos = 0;
    jsonSeconds(o, us);
    assert.equal(o.toLatin1(), String(us / 1e6), `${us} us`);
  }
});

test('a write that fails in the printer thread is thrown, wrapped, by the recording side', () => {
  let fd = -1;
  try { fd = fs.openSync('/dev/full', 'w'); } catch { /* none */ }
  if (fd < 0) return assert.fail('no /dev/full');
  try {
    const batch = new TraceBatch(() => { throw new Error('printed here'); }, {
      fd, threadAfter: 0, threadWait: true, writeError: (e) => new Error(`wrapped ${(e as NodeJS.ErrnoException).code}`),
    });
    assert.throws(() => mixedHits(batch, 20_000, -1), /^Error: wrapped ENOSPC$/);
  } finally { fs.closeSync(fd); }
});

test('64-bit values print from int32 halves as BigInt prints them', () => {
  const values = [0n, 1n, 9n, 10n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n,
    0x7fffffffffffffffn, 0x8000000000000000n, 0xfffffffffffffffbn, 0xffffffffffffffffn, 10n ** 19n, 10n ** 19n - 1n,
    123456789012345678n, 0x123456789abcdef0n];
  for (let i = 0; i < 2000; i++) values.push(BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) << BigInt(i % 40) ^ BigInt(i * 2654435761)));
  const o = new ByteOut(16);
  for (const v of values) {
    const lo = Number(BigInt.asIntN(32, v)), hi = Number(BigInt.asIntN(32, v >> 32n));
    o.pos = 0; o.udec64(lo, hi);
    assert.equal(o.toLatin1(), v.toString(), `u64 ${v}`);
    o.pos = 0; o.sdec64(lo, hi);
    assert.equal(o.toLatin1(), BigInt.asIntN(64, v).toString(), `s64 ${v}`);
    o.pos = 0; o.hex64(lo, hi);
    assert.equal(o.toLatin1(), v.toString(16), `x64 ${v}`);
    if (v < 1n << 53n) {
      o.pos = 0; o.hexNum(Number(v));
      assert.equal(o.toLatin1(), v.toString(16), `address ${v}`);
    }
  }
});
