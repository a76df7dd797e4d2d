// Parsing one fetch argument `[NAME=]FETCHARG[:TYPE]` into a FetchArg, in the order and with the error
// positions of the kernel's traceprobe_parse_probe_arg(). Inputs are byte strings.

import type { ProbeLog } from './errors';
import { isAlpha, isDigit, isGoodName, kstrtol, kstrtoul, kstrtouint, simpleStrtoul, fromByteString } from './kstr';
import type { FetchArg, FetchInsn } from './model';
import { lookupRegister } from './regs';
import { findFetchType, FetchType } from './types';

const MAX_ARGSTR_LEN = 63;
const MAX_ARRAY_LEN = 64;
const MAX_ARG_NAME_LEN = 32;
export const MAX_TRACE_ARGS = 128;
const MAX_PROBE_EVENT_SIZE = 3072;
const FETCH_INSN_MAX = 16;
/** THREAD_SIZE / sizeof(long) on x86_64: the largest $argN. */
const PARAM_MAX_STACK = 2048;

const RESERVED_FIELDS = ['common_type', 'common_flags', 'common_preempt_count', 'common_pid', 'common_tgid',
  '__probe_ip', '__probe_ret_ip', '__probe_func'];

/** The kernel's struct traceprobe_parse_context, reduced to what uprobes use. */
interface Ctx {
  isReturn: boolean;
  /** Byte offset (inside the current argv word) that errors point at; mutated as the kernel does. */
  offset: number;
  log: ProbeLog;
}

/** Throw the kernel's error for the current argument, `offset` bytes into its word. */
function fail(ctx: Ctx, offset: number, code: string, errno = 'EINVAL'): never {
  throw ctx.log.error(offset, code, errno);
}

/**
 * Parse the argument word argv[log.index] (the i-th argument); `prev` are the event's arguments parsed
 * so far and `size` its record size so far (updated). Throws TraceError.
 */
export function parseProbeArg(word: string, i: number, prev: FetchArg[], isReturn: boolean, log: ProbeLog,
  size: { value: number }): FetchArg {
  const ctx: Ctx = { isReturn, offset: 0, log };
  let name: string, body: string;
  const eq = word.indexOf('=');
  if (eq >= 0) {
    if (eq > MAX_ARG_NAME_LEN) fail(ctx, 0, 'ARG_NAME_TOO_LONG');
    if (eq === 0) fail(ctx, 0, 'NO_ARG_NAME');
    name = word.slice(0, eq);
    body = word.slice(eq + 1);
  } else {
    // This kernel is built without BTF probe arguments, so unnamed arguments are simply argN.
    name = `arg${i + 1}`;
    body = word;
  }
  if (!isGoodName(name)) fail(ctx, 0, 'BAD_ARG_NAME');
  if (RESERVED_FIELDS.includes(name) || prev.some((a) => a.name === name)) fail(ctx, 0, 'USED_ARG_NAME');
  ctx.offset = word.length - body.length;
  return parseBody(body, name, ctx, size);
}

function parseBody(argv: string, name: string, ctx: Ctx, size: { value: number }): FetchArg {
  if (argv.length > MAX_ARGSTR_LEN) fail(ctx, ctx.offset, 'ARG_TOO_LONG', 'E2BIG');
  if (argv.length === 0) fail(ctx, ctx.offset, 'NO_ARG_BODY');

  // Split off ':TYPE' and '[N]' (parse_probe_arg_type).
  let arg = argv, t: string | undefined, count = 0;
  const colon = arg.indexOf(':');
  if (colon >= 0) {
    t = arg.slice(colon + 1);
    arg = arg.slice(0, colon);
    const tStart = colon + 1;
    const br = t.indexOf('[');
    if (br >= 0) {
      const t2Start = tStart + br + 1;
      const t2 = t.slice(br + 1);
      t = t.slice(0, br);
      const close = t2.indexOf(']');
      if (close < 0) fail(ctx, ctx.offset + t2Start + t2.length, 'ARRAY_NO_CLOSE');
      if (close + 1 < t2.length) fail(ctx, ctx.offset + t2Start + close + 1, 'BAD_ARRAY_SUFFIX');
      const n = kstrtouint(t2.slice(0, close), 0);
      if (!n.ok || n.value === 0n) fail(ctx, ctx.offset + t2Start, 'BAD_ARRAY_NUM');
      if (n.value > BigInt(MAX_ARRAY_LEN)) fail(ctx, ctx.offset + t2Start, 'ARRAY_TOO_BIG');
      count = Number(n.value);
    }
  }
  const typeOffset = t !== undefined ? colon + 1 : 0;
  let type: FetchType | undefined;
  if (arg === '$comm' || arg === '$COMM' || arg.startsWith('\\"')) {
    if (count || (t !== undefined && t !== 'string')) fail(ctx, ctx.offset + typeOffset, 'NEED_STRING_TYPE');
    type = findFetchType('string');
  } else {
    type = findFetchType(t);
  }
  if (!type) fail(ctx, ctx.offset + typeOffset, 'BAD_TYPE');

  const code: FetchInsn[] = [];
  for (let k = 0; k < FETCH_INSN_MAX; k++) code.push({ op: 'NOP' });
  code[FETCH_INSN_MAX - 1] = { op: 'END' };
  const end = FETCH_INSN_MAX - 1;
  const pc = { i: 0 };
  parseFetch(arg, code, pc, end, ctx);

  const offset = size.value;
  size.value += type.size * (count || 1);
  if (size.value > MAX_PROBE_EVENT_SIZE) fail(ctx, ctx.offset, 'EVENT_TOO_BIG', 'E2BIG');

  const dynamic = finalize(code, pc, type, count, t, typeOffset, ctx);
  const last = code.findIndex((c) => c.op === 'END');
  return {
    name: fromByteString(name), comm: fromByteString(argv), typeName: t === undefined ? undefined : fromByteString(t),
    type, count, code: code.slice(0, last + 1), dynamic, offset,
  };
}

/** The recursive fetch-argument parser (parse_probe_arg). `pc.i` is the current instruction slot. */
function parseFetch(arg: string, code: FetchInsn[], pc: { i: number }, end: number, ctx: Ctx): void {
  switch (arg[0]) {
    case '$':
      parseVar(arg, code, pc, ctx);
      break;
    case '%': {
      const r = lookupRegister(arg.slice(1));
      if (r === undefined) fail(ctx, ctx.offset, 'BAD_REG_NAME');
      code[pc.i] = { op: 'REG', reg: r };
      break;
    }
    case '@': {
      if (isDigit(arg[1])) {
        const r = kstrtoul(arg.slice(1), 0);
        if (!r.ok) fail(ctx, ctx.offset, 'BAD_MEM_ADDR', r.err);
        code[pc.i] = immInsn('IMM', r.value);
      } else if (arg[1] === '+') {
        const r = kstrtol(arg.slice(2), 0);
        if (!r.ok) fail(ctx, ctx.offset, 'BAD_FILE_OFFS', r.err);
        code[pc.i] = immInsn('FOFFS', r.value);
      } else {
        fail(ctx, ctx.offset, 'SYM_ON_UPROBE');
      }
      if (++pc.i === end) fail(ctx, ctx.offset, 'TOO_MANY_OPS');
      code[pc.i] = { op: 'DEREF', offset: 0 };
      break;
    }
    case '+':
    case '-': {
      let deref: 'DEREF' | 'UDEREF' = 'DEREF';
      let a = arg;
      if (a[1] === 'u') { deref = 'UDEREF'; a = a[0] + a.slice(2); }
      if (a[0] === '+') a = a.slice(1);
      const paren = a.indexOf('(');
      if (paren < 0) fail(ctx, ctx.offset, 'DEREF_NEED_BRACE');
      const num = a.slice(0, paren);
      const r = kstrtol(num, 0);
      if (!r.ok) fail(ctx, ctx.offset, 'BAD_DEREF_OFFS', r.err);
      ctx.offset += paren + 1 + (num[0] !== '-' ? 1 : 0);
      const inner0 = a.slice(paren + 1);
      const close = inner0.lastIndexOf(')');
      if (close < 0) fail(ctx, ctx.offset + inner0.length, 'DEREF_OPEN_BRACE');
      const curOffs = ctx.offset;
      parseFetch(inner0.slice(0, close), code, pc, end, ctx);
      ctx.offset = curOffs;
      const op = code[pc.i].op;
      if (op === 'COMM' || op === 'DATA') fail(ctx, ctx.offset, 'COMM_CANT_DEREF');
      if (++pc.i === end) fail(ctx, ctx.offset, 'TOO_MANY_OPS');
      code[pc.i] = { op: deref, offset: Number(BigInt.asIntN(32, r.value)) };
      break;
    }
    case '\\':
      if (arg[1] === '"') {
        const s = arg.slice(2);
        if (!s.length || s[s.length - 1] !== '"') fail(ctx, ctx.offset + 2 + s.length, 'IMMSTR_NO_CLOSE');
        code[pc.i] = { op: 'DATA', data: s.slice(0, -1) };
      } else {
        const s = arg.slice(1);
        const r = isDigit(s[0]) ? kstrtoul(s, 0) : s[0] === '-' ? kstrtol(s, 0) : s[0] === '+' ? kstrtol(s.slice(1), 0)
          : { ok: false as const, err: 'EINVAL' as const };
        if (!r.ok) fail(ctx, ctx.offset + 1, 'BAD_IMM', r.err);
        code[pc.i] = immInsn('IMM', r.value);
      }
      break;
    case '(':
      // A type cast, `(TYPE)EXPR`: the kernel takes it for event probes and function entry/exit only;
      // for a uprobe it answers "BTF is not available" with EOPNOTSUPP (write(2) fails with ENOTSUP).
      fail(ctx, ctx.offset, 'NOSUP_BTFARG', 'ENOTSUP');
    default:
      if (isAlpha(arg[0]) || arg[0] === '_') fail(ctx, ctx.offset, 'NOSUP_BTFARG');
  }
  if (code[pc.i].op === 'NOP') fail(ctx, ctx.offset, 'BAD_FETCH_ARG');
}

/** An IMM or FOFFS instruction: the 64-bit value, also as int32 halves for the fetch at a hit. */
function immInsn(op: 'IMM' | 'FOFFS', v: bigint): FetchInsn {
  return { op, imm: v, lo: Number(BigInt.asIntN(32, v)), hi: Number(BigInt.asIntN(32, v >> 32n)) };
}

/** `$`-variables (parse_probe_vars). */
function parseVar(orig: string, codes: FetchInsn[], pc: { i: number }, ctx: Ctx): void {
  const code = (insn: FetchInsn) => { codes[pc.i] = insn; };
  const arg = orig.slice(1);
  if (arg.startsWith('retval')) {
    if (!ctx.isReturn) fail(ctx, ctx.offset, 'RETVAL_ON_PROBE');
    code({ op: 'RETVAL' });
    return;
  }
  if (arg.startsWith('stack')) {
    const rest = arg.slice(5);
    if (rest === '') { code({ op: 'STACKP' }); return; }
    if (isDigit(rest[0])) {
      const r = kstrtoul(rest, 10);
      if (!r.ok) fail(ctx, ctx.offset, 'BAD_VAR');
      code({ op: 'STACK', n: Number(BigInt.asUintN(32, r.value)) });
      return;
    }
    fail(ctx, ctx.offset, 'BAD_VAR');
  }
  if (arg === 'comm' || arg === 'COMM') { code({ op: 'COMM' }); return; }
  if (arg.startsWith('arg')) {
    const r = kstrtoul(arg.slice(3), 10);
    if (!r.ok) fail(ctx, ctx.offset, 'BAD_VAR');
    if (r.value === 0n || r.value > BigInt(PARAM_MAX_STACK)) fail(ctx, ctx.offset, 'BAD_ARG_NUM');
    // $argN needs a kernel function entry or exit; uprobes are neither.
    fail(ctx, ctx.offset, 'NOFENTRY_ARGS');
  }
  fail(ctx, ctx.offset, 'BAD_VAR');
}

/** Turn the loaded/dereferenced value into a store, then bitfield and array stages (finalize_fetch_insn). */
function finalize(code: FetchInsn[], pc: { i: number }, type: FetchType, count: number, t: string | undefined,
  typeOffset: number, ctx: Ctx): boolean {
  let i = pc.i;
  let dynamic = false;
  const cur = code[i];
  if (type.isString) {
    if (cur.op !== 'DEREF' && cur.op !== 'UDEREF' && cur.op !== 'IMM' && cur.op !== 'COMM' && cur.op !== 'DATA') {
      fail(ctx, ctx.offset + typeOffset, 'BAD_STRING');
    }
    if (cur.op === 'IMM' || cur.op === 'COMM' || cur.op === 'DATA' || count) {
      i++;
      if (code[i].op !== 'NOP') fail(ctx, ctx.offset, 'TOO_MANY_OPS');
    }
    const here = code[i];
    const keepOffset = here.op === 'DEREF' || here.op === 'UDEREF' ? here.offset : 0;
    const op = type.name === 'ustring' || here.op === 'UDEREF' ? 'ST_USTRING' : 'ST_STRING';
    code[i] = { op, offset: keepOffset, size: type.size };
    dynamic = true;
  } else if (cur.op === 'DEREF') {
    code[i] = { op: 'ST_MEM', offset: cur.offset, size: type.size };
  } else if (cur.op === 'UDEREF') {
    code[i] = { op: 'ST_UMEM', offset: cur.offset, size: type.size };
  } else {
    i++;
    if (code[i].op !== 'NOP') fail(ctx, ctx.offset, 'TOO_MANY_OPS', 'E2BIG');
    code[i] = { op: 'ST_RAW', size: type.size };
  }
  const scode = code[i];

  if (t !== undefined && t[0] === 'b') {
    // b<width>@<offset>/<container>
    const w = simpleStrtoul(t.slice(1), 0);
    const afterW = 1 + w.end;
    let bad = w.value === 0n || t[afterW] !== '@';
    let bw = w.value, bo = 0n;
    if (!bad) {
      const o = simpleStrtoul(t.slice(afterW + 1), 0);
      bo = o.value;
      if (o.end === 0 || t[afterW + 1 + o.end] !== '/') bad = true;
    }
    if (!bad) {
      i++;
      if (code[i].op !== 'NOP') bad = true;
    }
    if (!bad) {
      const bits = BigInt(type.size * 8);
      const sum = BigInt.asUintN(64, bw + bo);
      code[i] = { op: 'MOD_BF', basesize: type.size, lshift: Number(BigInt.asUintN(8, bits - sum)),
        rshift: Number(BigInt.asUintN(8, bits - bw)) };
      if (bits < sum) bad = true;
    }
    if (bad) fail(ctx, ctx.offset + typeOffset, 'BAD_BITFIELD');
  }

  if (count) {
    if (scode.op !== 'ST_MEM' && scode.op !== 'ST_STRING' && scode.op !== 'ST_USTRING') {
      fail(ctx, ctx.offset + typeOffset, 'BAD_STRING');
    }
    i++;
    if (code[i].op !== 'NOP') fail(ctx, ctx.offset, 'TOO_MANY_OPS', 'E2BIG');
    code[i] = { op: 'LP_ARRAY', count };
  }
  i++;
  code[i] = { op: 'END' };
  pc.i = i;
  return dynamic;
}
