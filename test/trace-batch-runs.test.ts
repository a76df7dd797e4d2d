// TraceBatch prints consecutive hits of one event as runs (the first line printed in full, copied, then
// each copy's microseconds and differing arguments patched in). Long runs of hits of the same event
// must come out exactly as formatTraceLine prints each line on its own: the same values, values that
// change but keep their width, values whose printed width changes (hex, unsigned, signed, strings),
// microseconds that stay or move, a second boundary, a new task, address or probed function in the
// middle of a run (with the same arguments), and runs longer than what is copied at once.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  parseCommand, formatArgs, formatTraceLine, fetchRecord, scratchRecord, resetScratch, TraceBatch, EventDef, FetchContext,
  UPROBE_TRACE_FLAGS,
} from '../engine/trace';

function ev(line: string): EventDef {
  const c = parseCommand(line);
  assert.equal(c.kind, 'add');
  return (c as { ev: EventDef }).ev;
}

/** Registers from `regs` (low halves; high halves 0 unless negative), one readable page at 0x10000. */
function context(regs: number[], text: string): FetchContext {
  const page = new Uint8Array(4096);
  page.set(Buffer.from(text + '\0', 'latin1'), 0x100);
  const r = new Int32Array(32);
  regs.forEach((v, k) => { r[2 * k] = v | 0; r[2 * k + 1] = v < 0 ? -1 : 0; });
  r[2 * 3] = 0x10100; r[2 * 3 + 1] = 0; // %bx -> the string
  const inPage = (a: number) => a >= 0x10000 && a < 0x11000;
  return {
    r, rip: 0x401000, flags: 0x246, comm: 'runs', isReturn: false, funcAddr: 0x401100, retAddr: 0x401234,
    read8: (a) => { if (!inPage(a)) throw new Error('fault'); return page[a - 0x10000]; },
    readBytes: (a, n) => {
      if (!inPage(a) || !inPage(a + n - 1)) throw new Error('fault');
      return page.slice(a - 0x10000, a - 0x10000 + n);
    },
  };
}

test('runs of hits of one event print exactly the lines formatTraceLine gives', () => {
  const events = [
    ev('p:g/x /bin/true:0x1000 %ax'),
    ev('p:g/mixed /bin/true:0x1001 a=%ax:u32 b=%cx:s64 c=%dx:x16 d=%si:char'),
    ev('p:g/str /bin/true:0x1002 s=+0(%bx):string n=%ax:u8'),
    ev('r:g/ret /bin/true:0x1003 rv=$retval:s32'),
  ];
  const chunks: Buffer[] = [];
  const batch = new TraceBatch((b, n) => { chunks.push(Buffer.from(b.subarray(0, n))); });
  const ids = events.map((e) => batch.eventId(e));
  const expected: string[] = [];
  resetScratch();
  let us = 777 * 1e6 + 998_000; // a second boundary comes early
  let h = 0;
  const hit = (k: number, regs: number[], text = 'abc', pid = 4000, where = 0x401000, fn = 0x401100) => {
    const e = events[k];
    const ctx = context(regs, text);
    ctx.isReturn = e.isReturn;
    ctx.rip = where;
    const func = e.isReturn ? fn : 0;
    const args = formatArgs(e, ctx);
    expected.push(formatTraceLine({ comm: ctx.comm, pid, cpu: 0, flags: UPROBE_TRACE_FLAGS, ts: us / 1e6, ev: e,
      ...(e.isReturn ? { ret: where, func } : { ip: where }), args }));
    const len = fetchRecord(e, ctx);
    batch.add(ids[k], ctx.comm, pid, 0, UPROBE_TRACE_FLAGS, us, where, func, scratchRecord, len);
    h++;
  };
  // The same values, the clock moving by 0 to 3 us, across the second boundary; long enough for
  // several copies of a run.
  for (let i = 0; i < 3000; i++) { hit(0, [0]); us += i % 4; }
  // Values that change every hit, with the same width, then with widths 1 to 16 hex digits.
  for (let i = 0; i < 500; i++) { hit(0, [0x10000000 + i]); us += i === 250 ? 1e6 - 3 : 1; }
  for (let i = 0; i < 600; i++) { hit(0, [i % 7 === 0 ? 0 : (1 << (i % 31)) + i, 0]); us += i & 1; }
  for (let i = 0; i < 300; i++) {
    const e = events[0], ctx = context([i], '');
    ctx.r[1] = (i * 0x01010101) >> (i % 32); // high halves of every width
    expected.push(formatTraceLine({ comm: ctx.comm, pid: 4000, cpu: 0, flags: UPROBE_TRACE_FLAGS, ts: us / 1e6, ev: e, ip: 0x401000,
      args: formatArgs(e, ctx) }));
    batch.add(ids[0], ctx.comm, 4000, 0, UPROBE_TRACE_FLAGS, us, 0x401000, 0, scratchRecord, fetchRecord(e, ctx));
    us += 2;
  }
  // Values of one width that stay for a few hits, and values that alternate.
  for (let i = 0; i < 400; i++) { hit(0, [0x1000 + (i >> 2)]); us += i & 1; }
  for (let i = 0; i < 300; i++) { hit(0, [i & 1 ? 0x11 : 0x22]); us += (i >> 3) & 1; }
  // Several arguments: unsigned, signed (a sign appears and goes), hex, char.
  for (let i = 0; i < 800; i++) {
    const v = (i >> 2) - 100;
    hit(1, [v * 1000, v, 0xbeef + (i >> 3), v & 0xffff, 0, 0, 0x41 + (i % 26)]);
    if (i % 5 === 0) us += 1;
  }
  // Strings of changing and repeating lengths, including empty.
  for (let i = 0; i < 400; i++) { hit(2, [i & 0xff], 'x'.repeat((i >> 3) % 9)); us += 1; }
  // A new task, a new address, a return probe, alternating events, all in the middle of runs.
  for (let i = 0; i < 400; i++) {
    hit(i % 50 < 25 ? 0 : 3, [i % 3 - 1], 'abc', 4000 + ((i >> 4) & 1), 0x401000 + ((i >> 6) & 1) * 0x20);
    us += i % 3;
  }
  // The same arguments throughout while only the task, the address or the probed function changes.
  for (let i = 0; i < 600; i++) {
    const k = (i >> 7) & 1 ? 3 : 0;
    hit(k, [5], 'abc', 4000 + (Math.floor(i / 7) & 1), 0x401000 + (Math.floor(i / 11) & 1) * 0x40, 0x401100 + (Math.floor(i / 5) & 1) * 8);
    us += i % 2;
  }
  assert.ok(h > 5000);
  batch.flush();
  const got = Buffer.concat(chunks).toString('latin1');
  const want = expected.join('\n') + '\n';
  if (got !== want) {
    let at = 0;
    while (got[at] === want[at]) at++;
    const line = want.slice(0, at).split('\n').length;
    assert.fail(`line ${line} differs: got ${JSON.stringify(got.slice(at - 80, at + 40))}, want ${JSON.stringify(want.slice(at - 80, at + 40))}`);
  }
});
