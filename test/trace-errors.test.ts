// Differential test of uprobe_events parsing: every definition below is written to the live kernel's
// uprobe_events; for the refused ones the kernel's error_log entry (message, command, caret) and the
// write's errno must equal what parseCommand() throws; for the accepted ones `cat uprobe_events` must
// equal EventDef.definition. Needs root and tracefs.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildAsm, need, tmpDir } from './util';
import { parseCommand, TraceError, checkRegistration, deleteMatches, EventDef } from '../engine/trace';

const TRACEFS = '/sys/kernel/tracing';

function haveTracefs(): boolean {
  if (process.getuid?.() !== 0) return false;
  if (!fs.existsSync(`${TRACEFS}/uprobe_events`)) spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
  return fs.existsSync(`${TRACEFS}/uprobe_events`);
}

/** Write one line to uprobe_events: undefined on success, else the errno code of the failed write. */
function writeDef(line: string): string | undefined {
  try {
    fs.writeFileSync(`${TRACEFS}/uprobe_events`, line + '\n', { flag: 'a' });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'E?';
  }
}

/** The newest error_log entry for `command` (the kernel's rebuilt command), without its timestamp. */
function lastErrorFor(command: string): string | undefined {
  const lines = fs.readFileSync(`${TRACEFS}/error_log`, 'utf8').split('\n');
  for (let i = lines.length - 3; i >= 0; i--) {
    const m = /^\[[ \d.]+\] (.*)$/.exec(lines[i]);
    if (m && lines[i + 1] === `  Command: ${command}`) return `${m[1]}\n${lines[i + 1]}\n${lines[i + 2]}`;
  }
  return undefined;
}

function eventsOf(group: string): string[] {
  return fs.readFileSync(`${TRACEFS}/uprobe_events`, 'utf8').split('\n').filter((l) => l.includes(`:${group}/`));
}

function cleanup(groups: string[]): void {
  for (const g of groups) {
    if (fs.existsSync(`${TRACEFS}/events/${g}`)) writeDef(`-:${g}/`);
  }
}

const PROG = `
.globl _start
.text
_start:
  nop
  nop
  nop
  nop
  mov $60, %eax
  xor %edi, %edi
  syscall
`;

test('uprobe_events errors match the kernel error_log (message, command, caret, errno)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs (uprobe_events)')) return;
  const bin = buildAsm(PROG, 'ulerr');
  const dir = tmpDir();
  const nope = path.join(dir, 'missing');
  const G = `ultest_e${process.pid}`;
  const files = (p: string): boolean | 'notregular' => {
    try { return fs.statSync(p).isFile() ? true : 'notregular'; } catch { return false; }
  };
  // `@` = the binary, `#D` = a directory, `#N` = a missing file, `G` = our group.
  const cases: [string, string][] = [
    ['FILE_NOT_FOUND', `p:G/a #N:0x1000`],
    ['NO_REGULAR_FILE', `p:G/a #D:0x1000`],
    ['REFCNT_OPEN_BRACE', `p:G/a @:0x1000(0x10`],
    ['BAD_REFCNT_SUFFIX', `p:G/a @:0x1000(0x10)x`],
    ['BAD_REFCNT_SUFFIX', `p:G/a @:0x1000(0x10)%return`],
    ['BAD_REFCNT', `p:G/a @:0x1000(zz)`],
    ['BAD_REFCNT', `p:G/a @:0x1000(0x1ffffffffffffffff)`],
    ['BAD_ADDR_SUFFIX', `p:G/a @:0x1000%foo`],
    ['BAD_UPROBE_OFFS', `p:G/a @:0x10zz`],
    ['BAD_UPROBE_OFFS', `p:G/a @:099`],
    ['BAD_UPROBE_OFFS', `p:G/a @:0x10000000000000000`],
    ['NO_GROUP_NAME', `p:/a @:0x1000`],
    ['GROUP_TOO_LONG', `p:${'g'.repeat(64)}/a @:0x1000`],
    ['BAD_GROUP_NAME', `p:1G/a @:0x1000`],
    ['BAD_GROUP_NAME', `p:G+x/a @:0x1000`],
    ['NO_EVENT_NAME', `p: @:0x1000`],
    ['EVENT_TOO_LONG', `p:G/${'e'.repeat(64)} @:0x1000`],
    ['BAD_EVENT_NAME', `p:G/a-b @:0x1000`],
    ['BAD_EVENT_NAME', `p:G/a/b @:0x1000`],
    ['BAD_EVENT_NAME', `p:G.a.b @:0x1000`],
    ['TOO_MANY_ARGS', `p:G/a @:0x1000${' %ax'.repeat(129)}`],
    ['TOO_MANY_ARGS', `p:G/a nofile${' %ax'.repeat(129)}`],
    ['RETVAL_ON_PROBE', `p:G/a @:0x1000 $retval`],
    ['RETVAL_ON_PROBE', `p:G/a @:0x1000 x=+8($retval):u8`],
    ['BAD_VAR', `p:G/a @:0x1000 $stackx`],
    ['BAD_VAR', `p:G/a @:0x1000 $stack0x1`],
    ['BAD_VAR', `p:G/a @:0x1000 $stack99999999999999999999999`],
    ['BAD_VAR', `p:G/a @:0x1000 $foo`],
    ['BAD_VAR', `p:G/a @:0x1000 $`],
    ['BAD_VAR', `p:G/a @:0x1000 $comm[2]`],
    ['BAD_VAR', `p:G/a @:0x1000 $arg*`],
    ['BAD_ARG_NUM', `p:G/a @:0x1000 $arg0`],
    ['BAD_ARG_NUM', `p:G/a @:0x1000 $arg2049`],
    ['NOFENTRY_ARGS', `p:G/a @:0x1000 $arg1`],
    ['NOFENTRY_ARGS', `r:G/a @:0x1000 x=$arg2048`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %rax`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %eax`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %AX`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %ds`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %fs_base`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 %`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 +u8(%zz)`],
    ['BAD_REG_NAME', `p:G/a @:0x1000 -8(+16(%zz))`],
    ['BAD_MEM_ADDR', `p:G/a @:0x1000 @0xzz`],
    ['BAD_MEM_ADDR', `p:G/a @:0x1000 @99999999999999999999999`],
    ['BAD_IMM', `p:G/a @:0x1000 \\zz`],
    ['BAD_IMM', `p:G/a @:0x1000 \\`],
    ['BAD_IMM', `p:G/a @:0x1000 \\0x100000000000000000`],
    ['IMMSTR_NO_CLOSE', `p:G/a @:0x1000 \\"abc`],
    ['IMMSTR_NO_CLOSE', `p:G/a @:0x1000 \\"`],
    ['BAD_FILE_OFFS', `p:G/a @:0x1000 @+zz`],
    ['SYM_ON_UPROBE', `p:G/a @:0x1000 @sym`],
    ['SYM_ON_UPROBE', `p:G/a @:0x1000 @`],
    ['TOO_MANY_OPS', `p:G/a @:0x1000 ${'+0('.repeat(15)}%ax${')'.repeat(15)}`],
    ['TOO_MANY_OPS', `p:G/a @:0x1000 ${'+0('.repeat(14)}@1${')'.repeat(14)}`],
    ['TOO_MANY_OPS', `p:G/a @:0x1000 ${'+0('.repeat(13)}@1${')'.repeat(13)}:u8[2]`],
    ['DEREF_NEED_BRACE', `p:G/a @:0x1000 +0%ax`],
    ['DEREF_NEED_BRACE', `p:G/a @:0x1000 +`],
    ['BAD_DEREF_OFFS', `p:G/a @:0x1000 +zz(%ax)`],
    ['BAD_DEREF_OFFS', `p:G/a @:0x1000 +(%ax)`],
    ['DEREF_OPEN_BRACE', `p:G/a @:0x1000 +0(%ax`],
    ['DEREF_OPEN_BRACE', `p:G/a @:0x1000 -u8(%ax`],
    ['DEREF_OPEN_BRACE', `p:G/a @:0x1000 +u8(%ax`],
    ['COMM_CANT_DEREF', `p:G/a @:0x1000 +0($comm)`],
    ['COMM_CANT_DEREF', `p:G/a @:0x1000 +0(\\"x")`],
    ['BAD_FETCH_ARG', `p:G/a @:0x1000 :u8`],
    ['BAD_FETCH_ARG', `p:G/a @:0x1000 a=:u8`],
    ['BAD_FETCH_ARG', `p:G/a @:0x1000 1234`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 zz`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 a=b=c`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 common_pid`],
    // A type cast `(TYPE)...` is not for uprobes: ENOTSUP, caret at the '(' (top level or in a dereference).
    ['NOSUP_BTFARG', `p:G/a @:0x1000 +1((%ax))`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 (%ax)`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 x=(%ax`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 -1(+2((%ax)))`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 +u1(())`],
    ['NOSUP_BTFARG', `p:G/a @:0x1000 (%ax):string`],
    ['ARRAY_NO_CLOSE', `p:G/a @:0x1000 %ax:u8[4`],
    ['BAD_ARRAY_SUFFIX', `p:G/a @:0x1000 %ax:u8[4]x`],
    ['BAD_ARRAY_SUFFIX', `p:G/a @:0x1000 +0(%ax):x8[2]:zz`],
    ['BAD_ARRAY_NUM', `p:G/a @:0x1000 %ax:u8[zz]`],
    ['BAD_ARRAY_NUM', `p:G/a @:0x1000 %ax:u8[0]`],
    ['ARRAY_TOO_BIG', `p:G/a @:0x1000 %ax:u8[65]`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:zz`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:[2]`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:symbol`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:symstr`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:%pd`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:b1@1/7`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:b1@1`],
    ['BAD_TYPE', `p:G/a @:0x1000 %ax:b1@1/8x`],
    ['BAD_TYPE', `p:G/a @:0x1000 +0(+0(%ax)):zz`],
    ['BAD_STRING', `p:G/a @:0x1000 %ax:string`],
    ['BAD_STRING', `p:G/a @:0x1000 %ax:ustring`],
    ['BAD_STRING', `p:G/a @:0x1000 $stack:string`],
    ['BAD_STRING', `p:G/a @:0x1000 %ax:x8[2]`],
    ['BAD_STRING', `p:G/a @:0x1000 %ax:char[2]`],
    ['BAD_STRING', `p:G/a @:0x1000 +u0(%ax):u8[2]`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 %ax:b4@70/64`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 +0(%ax):b4@70/64`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 +u0(%ax):b4@70/64`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 %ax:b0@1/8`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 %ax:b1@/8`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 %ax:b8@1/8`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 %ax:b1x@1/8`],
    ['BAD_BITFIELD', `p:G/a @:0x1000 ${'+0('.repeat(13)}@1${')'.repeat(13)}:b1@1/8`],
    ['ARG_NAME_TOO_LONG', `p:G/a @:0x1000 ${'a'.repeat(33)}=%ax`],
    ['NO_ARG_NAME', `p:G/a @:0x1000 =%ax`],
    ['BAD_ARG_NAME', `p:G/a @:0x1000 1a=%ax`],
    ['BAD_ARG_NAME', `p:G/a @:0x1000 a.b=%ax`],
    ['USED_ARG_NAME', `p:G/a @:0x1000 a=%ax a=%bx`],
    ['USED_ARG_NAME', `p:G/a @:0x1000 %ax arg1=%bx`],
    ['USED_ARG_NAME', `p:G/a @:0x1000 common_pid=%ax`],
    ['USED_ARG_NAME', `p:G/a @:0x1000 __probe_ip=%ax`],
    ['ARG_TOO_LONG', `p:G/a @:0x1000 ${'a'.repeat(64)}`],
    ['ARG_TOO_LONG', `p:G/a @:0x1000 x=${'+0('.repeat(16)}%ax${')'.repeat(16)}`],
    ['NO_ARG_BODY', `p:G/a @:0x1000 a=`],
    ['NEED_STRING_TYPE', `p:G/a @:0x1000 $comm:u8`],
    ['NEED_STRING_TYPE', `p:G/a @:0x1000 $comm:string[2]`],
    ['NEED_STRING_TYPE', `p:G/a @:0x1000 \\"abc":u8`],
    ['EVENT_TOO_BIG', `p:G/a @:0x1000${' +0(%ax):u64[64]'.repeat(6)} %ax:u64[2]`],
    ['EVENT_TOO_BIG', `p:G/a @:0x1000${' %sp:x8'.repeat(5)}${' +8(%sp):u64[64]'.repeat(6)}`],
    // Refused without an error_log entry.
    ['NOT_A_UPROBE', `x:G/a @:0x1000`],
    ['NOT_A_UPROBE', `p:G/a`],
    ['NOT_A_UPROBE', `p:G/a nofile:0x10`],
    ['NOT_A_UPROBE', `p:G/a @:zz`],
    ['NOT_A_UPROBE', `p:G/a @`],
  ];
  const subst = (s: string) => s.replace(/#N/g, nope).replace(/#D/g, dir).replace(/@:/g, `${bin}:`)
    .replace(/^([a-z]):(1?)G/, `$1:$2${G}`);
  const seen = new Set<string>();
  try {
    for (const [code, tmpl] of cases) {
      const line = subst(tmpl);
      let mine: TraceError | undefined;
      try { parseCommand(line, { fileExists: files }); } catch (e) { mine = e as TraceError; }
      assert.ok(mine instanceof TraceError, `parseCommand accepted '${line}', expected ${code}`);
      assert.equal(mine.code, code, `code for '${line}'`);
      const errno = writeDef(line);
      assert.ok(errno, `the kernel accepted '${line}'`);
      assert.equal(mine.errno, errno, `errno for '${line}'`);
      if (mine.logged) {
        const kernel = lastErrorFor(mine.command);
        assert.equal(mine.render(), kernel, `error_log entry for '${line}'`);
        seen.add(code);
      } else {
        assert.equal(mine.render(), '');
      }
    }
  } finally {
    cleanup([G]);
  }
  t.diagnostic(`${seen.size} distinct logged error codes compared with the kernel`);
  assert.ok(seen.size >= 45, `only ${seen.size} codes compared`);
});

test('definitions as bytes: Latin-1 0xa0 is white space, as in the kernel\'s ctype table', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs (uprobe_events)')) return;
  const bin = buildAsm(PROG, 'ulnbsp');
  const G = `ultest_n${process.pid}`;
  const NBSP = '\xa0';
  // Written to the kernel byte for byte (latin1), and handed to parseCommand as the same bytes.
  const bytes = (l: string) => Buffer.from(l, 'latin1');
  const write = (l: string): string | undefined => {
    try { fs.writeFileSync(`${TRACEFS}/uprobe_events`, bytes(l + '\n'), { flag: 'a' }); return undefined; } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'E?';
    }
  };
  try {
    // Refused: 0xa0 split the words, so the kernel's command has spaces there and the caret counts them.
    for (const l of [`p:${G}/a${NBSP}${bin}:0x1000${NBSP}%zz`, `p:${G}/a ${bin}:0x1000 x${NBSP}=%ax`,
      `p:${G}/a ${bin}:0x1000${NBSP}${NBSP}+0(%ax):u8[2${NBSP}]`]) {
      let mine: TraceError | undefined;
      try { parseCommand(bytes(l)); } catch (e) { mine = e as TraceError; }
      assert.ok(mine instanceof TraceError, `parseCommand accepted ${JSON.stringify(l)}`);
      const errno = write(l);
      assert.ok(errno, `the kernel accepted ${JSON.stringify(l)}`);
      assert.equal(mine.errno, errno, `errno for ${JSON.stringify(l)}`);
      assert.equal(mine.render(), lastErrorFor(mine.command), `error_log entry for ${JSON.stringify(l)}`);
    }
    // Accepted: the listing shows single spaces where the 0xa0 bytes were.
    const ok = `p:${G}/b${NBSP}${bin}:0x1000${NBSP}x=%ax${NBSP}%bx`;
    const cmd = parseCommand(bytes(ok));
    assert.equal(cmd.kind, 'add');
    assert.equal(write(ok), undefined, 'the kernel refused the line with 0xa0 separators');
    if (cmd.kind === 'add') assert.deepEqual(eventsOf(G), [cmd.ev.definition]);
    // A line of 0xa0 alone is empty: accepted, nothing happens.
    assert.deepEqual(parseCommand(bytes(`${NBSP}${NBSP}`)), { kind: 'none' });
    assert.equal(write(`${NBSP}${NBSP}`), undefined);
    assert.equal(eventsOf(G).length, 1);
  } finally {
    cleanup([G]);
  }
});

test('accepted definitions: EventDef.definition equals `cat uprobe_events`; default names', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs (uprobe_events)')) return;
  const dir = tmpDir();
  const bin = buildAsm(PROG, 'ulok');
  // Default names take the basename up to the first '.', '-' or '_'; other characters stay.
  const odd = ['a+b', '1x.y-z', 'ab-cd_ef', 'v'.repeat(70)].map((n) => {
    const p = path.join(dir, n);
    fs.copyFileSync(bin, p);
    return p;
  });
  const G = `ultest_d${process.pid}`;
  const defs = [
    `p:${G}/all ${bin}:0x1000 %ax %bx %cx %dx %si %di %bp %sp %ip %flags %r8 %r9 %r10 %r11 %r12 %r13 %r14 %r15 %cs %ss %orig_ax`,
    `p:${G}/types ${bin}:4097 a=%ax:s8 b=%ax:s16 c=%ax:s32 d=%ax:s64 e=%ax:u8 f=%ax:u16 g=%ax:u32 h=%ax:u64 i=%ax:x8 j=%ax:x16 k=%ax:x32 l=%ax:x64 m=%ax:char`,
    `p:${G}/mem ${bin}:010002 +0(%bx):string +0(%bx):ustring -8(+16(%sp)):u32 +u4(%di):x16 @0x402000:u8 @+0x2000:x32 +0(%si):s64[4] +0(%di):string[3] %ax:b4@4/8 +0(%ax):b7@1/8[2]`,
    `p:${G}/vars ${bin}:0x1003 $stack $stack0 $stack17 $comm $COMM:string \\123 \\-1:s8 \\+7:u8 \\"x" \\"":string \\1:string ++5(%ax) $stack4294967297 +0x100000008(%sp):u64`,
    `r:${G}/ret ${bin}:0x1000 $retval $retval:s32 $retvalx %ip`,
    `p:${G}/ret2 ${bin}:0x1001%return a=$retval`,
    `p:${G}/refc ${bin}:0x1006(0x2000) x=%ax`,
    `p:${G}/refc0 ${bin}:0x1004(0)`,
    `p:${G}.dot ${bin}:0x1004`,
    `p:${G}/${'e'.repeat(63)} ${bin}:0x1004`,
    `p:${G}/com ${bin}:0x1004 %ax   %bx\t%cx # comment`,
    ...odd.map((p) => `p:${G}/ ${p}:0x1000`),
    `r:${G}/ ${bin}:0x1001`,
    `p:${G}/ ${bin}:0xffffffffffff1029`,
  ];
  try {
    for (const d of defs) {
      const cmd = parseCommand(d);
      assert.equal(cmd.kind, 'add');
      if (cmd.kind !== 'add') continue;
      const errno = writeDef(d);
      assert.equal(errno, undefined, `kernel refused '${d}'`);
      const kernel = eventsOf(G).find((l) => l.startsWith(`${cmd.ev.isReturn ? 'r' : 'p'}:${G}/${cmd.ev.event} `));
      assert.equal(cmd.ev.definition, kernel, `definition of '${d}'`);
    }
    assert.equal(eventsOf(G).length, defs.length);
    // Blank and comment-only lines are accepted and do nothing.
    for (const l of ['', '   \t', '# p:x/y /bin/true:0x10']) {
      assert.deepEqual(parseCommand(l), { kind: 'none' });
      assert.equal(writeDef(l), undefined);
    }
    // Default names, checked against the kernel's listing above; spelled out here for the reader.
    const names = defs.slice(-6).map((d) => (parseCommand(d) as { ev: EventDef }).ev.event);
    assert.deepEqual(names, ['p_a+b_0x1000', 'p_1x_0x1000', 'p_ab_0x1000', `p_${'v'.repeat(61)}`,
      'p_ulok_0x1001', 'p_ulok_0xffffffffffff1029']);
  } finally {
    cleanup([G]);
  }
});

test('registration and deletion against existing events match the kernel', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs (uprobe_events)')) return;
  const bin = buildAsm(PROG, 'ulreg');
  const G = `ultest_r${process.pid}`;
  const existing: EventDef[] = [];
  const steps: [string, string | undefined][] = [
    [`p:${G}/a ${bin}:0x1000 x=%ax y=%bx`, undefined],
    [`p:${G}/a ${bin}:0x1001 x=%ax y=%bx`, undefined],
    [`p:${G}/a ${bin}:0x1002 x=%ax y=%bx:u32`, 'DIFF_ARG_TYPE'],
    [`p:${G}/a ${bin}:0x1002 x=%ax z=%bx`, 'DIFF_ARG_TYPE'],
    [`p:${G}/a ${bin}:0x1002 x=%ax`, 'DIFF_ARG_TYPE'],
    [`p:${G}/a ${bin}:0x1002 x=%ax y=%bx w=%cx`, 'DIFF_ARG_TYPE'],
    [`p:${G}/a ${bin}:0x1002 x=%ax y=%bx:x64`, undefined],
    [`p:${G}/a ${bin}:0x1000 x=%ax y=%bx`, 'SAME_PROBE'],
    [`p:${G}/a ${bin}:0x1000 x=%ax y=%cx`, undefined],
    [`r:${G}/a ${bin}:0x1000 x=%ax y=%bx`, 'DIFF_PROBE_TYPE'],
    [`p:${G}/b ${bin}:0x1000(0x10) x=%ax`, 'REFCTR_MISMATCH'],
    [`p:${G}/c ${bin}:0x1003(0x10)`, undefined],
    [`p:${G}/d ${bin}:0x1003`, 'REFCTR_MISMATCH'],
  ];
  const otherEventExists = (g: string, e: string) => fs.existsSync(`${TRACEFS}/events/${g}/${e}`);
  try {
    for (const [line, code] of steps) {
      const cmd = parseCommand(line);
      assert.equal(cmd.kind, 'add');
      if (cmd.kind !== 'add') continue;
      let mine: TraceError | undefined;
      try { checkRegistration(existing, cmd.ev, { otherEventExists }); } catch (e) { mine = e as TraceError; }
      const errno = writeDef(line);
      if (!code) {
        assert.equal(mine, undefined, `checkRegistration refused '${line}'`);
        assert.equal(errno, undefined, `kernel refused '${line}'`);
        existing.push(cmd.ev);
        continue;
      }
      assert.ok(mine instanceof TraceError, `checkRegistration accepted '${line}'`);
      assert.equal(mine.code, code);
      assert.equal(mine.errno, errno);
      assert.equal(mine.render(), mine.logged ? lastErrorFor(mine.command) : '');
    }
    // The kernel lists the appended probes in definition order, as we keep them.
    assert.deepEqual(eventsOf(G), existing.map((e) => e.definition));
    // A name used by a static tracepoint (the write is refused, nothing is created).
    if (fs.existsSync(`${TRACEFS}/events/sched/sched_switch`)) {
      const line = `p:sched/sched_switch ${bin}:0x1000`;
      const ev = (parseCommand(line) as { ev: EventDef }).ev;
      let mine: TraceError | undefined;
      try { checkRegistration(existing, ev, { otherEventExists }); } catch (e) { mine = e as TraceError; }
      assert.equal(mine?.code, 'EVENT_EXIST');
      assert.equal(writeDef(line), mine?.errno);
      assert.equal(mine?.render(), lastErrorFor(mine!.command));
    }
    // Deletion: the extra words must equal the canonical text; unmatched deletions fail with ENOENT.
    const dels: string[] = [
      `-:${G}/a ${bin}:0x1000 x=%ax`,
      `-:${G}/a ${bin}:0x0000000000001000 x=%ax y=%cx`,
      `-:${G}/a ${bin}:0x0000000000001001 x=%ax`,
      `-:${G}/nonexist`,
      `-:/c`,
    ];
    for (const d of dels) {
      const cmd = parseCommand(d);
      assert.equal(cmd.kind, 'delete');
      if (cmd.kind !== 'delete') continue;
      const hit = existing.filter((e) => deleteMatches(cmd, e));
      const errno = writeDef(d);
      assert.equal(errno === undefined, hit.length > 0, `deletion '${d}'`);
      if (errno) assert.equal(errno, 'ENOENT');
      for (const h of hit) existing.splice(existing.indexOf(h), 1);
      assert.deepEqual(eventsOf(G), existing.map((e) => e.definition), `after '${d}'`);
    }
    for (const bad of ['-x', '-:', '- :a']) {
      assert.throws(() => parseCommand(bad), (e: unknown) => e instanceof TraceError && !e.logged);
      assert.equal(writeDef(bad), 'EINVAL');
    }
  } finally {
    cleanup([G]);
  }
});

test('randomized definitions: accept/refuse, error_log entry and listing agree with the kernel', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs (uprobe_events)')) return;
  const bin = buildAsm(PROG, 'ulfz');
  const G = `ultest_z${process.pid}`;
  let seed = 0x2545f491;
  const rnd = (n: number) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  // Each part is drawn from a valid pool, or (1 time in 8) from a pool of broken variants.
  const part = (ok: readonly string[], bad: readonly string[]) => (rnd(8) === 0 ? pick(bad) : pick(ok));
  const heads = [['p:G/eN', 'r:G/eN', 'p:G.eN', 'r:G/', 'p:G/'], ['p:G/e-N', 'p:', 'p:/eN', 'x:G/eN', 'p:1G/eN']] as const;
  const offs = [['0x1000', '4097', '010002', '0x1003', '0x1001%return', '0x1004(0x10)', '0x1006'],
    ['0x10zz', '0x1002%ret', '0x1004(0x10', '0x1004(zz)', '0x1005)', '0x', '0x1000%return(0x10)']] as const;
  const names = [['', '', '', 'x=', 'y=', '_a='], ['1x=', '=', 'common_flags=', 'a'.repeat(33) + '=']] as const;
  const bodies = [['%ax', '%sp', '%ip', '%flags', '%r11', '$stack', '$stack3', '$retval', '$comm', '$COMM', '@0x402000',
    '@+0x2000', '@+-8', '\\5', '\\-3', '\\+9', '\\"s"', '+8(%sp)', '-8(+0(%sp))', '+u0(%di)', '-u8(%si)',
    '+0(+8(+16(%bx)))', '+0(@0x402000)', '+4(@+0x2000)', '+0(\\7)'],
  ['%zz', '%rax', '$stackq', '$retvalue', '$arg1', '$arg0', '@foo', '@0x', '\\x', '\\"s', '+0(%ax', '+0%ax', '+x(%ax)',
    '+0($comm)', 'foo', '12', '']] as const;
  const types = [['', '', '', ':u8', ':s16', ':x32', ':u64', ':s64', ':char', ':string', ':ustring', ':b3@2/8', ':b4@4/16',
    ':u8[3]', ':string[2]', ':x16[64]', ':b2@1/8[2]'],
  [':symbol', ':zz', ':b9@0/8', ':u8[0]', ':u8[65]', ':u8[2', ':u8[2]x', ':']] as const;
  const existing: EventDef[] = [];
  let refused = 0, accepted = 0;
  try {
    for (let i = 0; i < 400; i++) {
      const head = part(...heads).replace(/^([a-z]):(1?)G/, `$1:$2${G}`).replace('eN', `e${i}`);
      const nargs = rnd(5);
      const args: string[] = [];
      for (let k = 0; k < nargs; k++) args.push(part(...names) + part(...bodies) + part(...types));
      const line = [head, `${bin}:${part(...offs)}`, ...args].join(' ');
      let mine: TraceError | undefined, ev: EventDef | undefined;
      try {
        const c = parseCommand(line);
        if (c.kind === 'add') { ev = c.ev; checkRegistration(existing, ev); }
      } catch (e) {
        if (!(e instanceof TraceError)) throw e;
        mine = e;
      }
      const errno = writeDef(line);
      if (errno) {
        refused++;
        assert.ok(mine, `the kernel refused '${line}' (${errno}) but we accepted it`);
        assert.equal(mine.errno, errno, `errno for '${line}'`);
        assert.equal(mine.render(), mine.logged ? lastErrorFor(mine.command) : '', `error for '${line}'`);
      } else {
        accepted++;
        assert.equal(mine, undefined, `the kernel accepted '${line}' but we refused it: ${mine?.message}`);
        existing.push(ev!);
        assert.deepEqual(eventsOf(G), existing.map((e) => e.definition), `listing after '${line}'`);
      }
    }
  } finally {
    cleanup([G]);
  }
  t.diagnostic(`${accepted} accepted, ${refused} refused`);
  assert.ok(accepted > 50 && refused > 100);
});
