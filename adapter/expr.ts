// Expressions the debugger evaluates at a probe: fetch arguments in the tracer's own syntax (`%ax`,
// `+8(%sp):u64`, `@0x404000:string`), breakpoint conditions built from them, hit conditions, and
// logpoint messages with `{fetcharg}` parts.
//
// A fetch argument is compiled by the tracer's parser as the only argument of a synthetic definition
// `p:dbg/v PATH:OFFSET v=FETCHARG` and evaluated with formatArgs, so its value is exactly what a trace
// line would show (same types, same fault behaviour). Condition grammar, loosest first:
//   or   := and ('||' and)*
//   and  := cmp ('&&' cmp)*
//   cmp  := unary (('=='|'!='|'<'|'<='|'>'|'>=') unary)?
//   unary:= '!' unary | '(' or ')' | INTEGER | "STRING" | FETCHARG
// Integers compare as 64-bit values of the fetch argument's type (a literal -1 against an unsigned
// x64 argument means 0xffffffffffffffff); strings compare with string fetch arguments.

import { parseCommand, formatArgs, TraceError } from '../engine/trace';
import type { EventDef, FetchContext } from '../engine/trace';

export class ExprError extends Error {}

/** Replaces `@NAME` (a symbol) with `@0xADDRESS` so fetch arguments can name program symbols. */
export type SymbolResolver = (name: string) => number | undefined;

function substituteSymbols(text: string, resolve?: SymbolResolver): string {
  if (!resolve) return text;
  return text.replace(/@([A-Za-z_.][\w.$]*)/g, (all, name: string) => {
    const a = resolve(name);
    return a === undefined ? all : `@0x${a.toString(16)}`;
  });
}

/** A typed value: numbers carry their fetch type so literals can be converted to it. */
export type Value =
  | { kind: 'num'; v: bigint; bits: number; signed: boolean }
  | { kind: 'str'; s: string }
  | { kind: 'text'; s: string };

/** One fetch argument, compiled for the probe at (path, offset). */
export class FetchArgExpr {
  readonly ev: EventDef;

  constructor(readonly text: string, path: string, offset: number, resolve?: SymbolResolver) {
    const body = substituteSymbols(text.trim(), resolve);
    if (!body) throw new ExprError('empty fetch argument');
    if (/\s/.test(body)) throw new ExprError(`a fetch argument has no spaces: '${text.trim()}'`);
    const p = path.includes('/') ? path : `./${path}`;
    const def = `p:dbg/v ${p}:0x${offset.toString(16)} v=${body}`;
    let cmd;
    try { cmd = parseCommand(def); } catch (e) {
      if (e instanceof TraceError) {
        const prefix = def.length - body.length;
        const at = Math.max(0, e.pos - prefix);
        throw new ExprError(`${e.text || e.code}: ${body}${e.logged ? ` (at column ${at + 1})` : ''}`);
      }
      throw e;
    }
    if (cmd.kind !== 'add') throw new ExprError(`not a fetch argument: ${text}`);
    this.ev = cmd.ev;
  }

  /** The value as a trace line prints it (`0x5`, `-3`, `"abc"`, `'c'`, `{1,2}`). */
  format(ctx: FetchContext): string {
    const out = formatArgs(this.ev, ctx);
    return out.startsWith(' v=') ? out.slice(3) : out.trimStart();
  }

  evaluate(ctx: FetchContext): Value {
    const t = this.ev.args[0];
    const s = this.format(ctx);
    if (t.count) return { kind: 'text', s };
    if (t.type.isString) {
      if (s.startsWith('"') && s.endsWith('"')) return { kind: 'str', s: s.slice(1, -1) };
      return { kind: 'text', s };
    }
    if (t.type.print === 'char') {
      const c = s.length >= 3 ? s.charCodeAt(1) : 0;
      return { kind: 'num', v: BigInt(c), bits: 8, signed: false };
    }
    try { return { kind: 'num', v: BigInt(s), bits: t.type.size * 8, signed: t.type.signed }; }
    catch { return { kind: 'text', s }; }
  }

  /** The value as a plain number (pointers, registers); undefined for strings and arrays. */
  number(ctx: FetchContext): bigint | undefined {
    const v = this.evaluate(ctx);
    return v.kind === 'num' ? v.v : undefined;
  }
}

// ---- conditions ---------------------------------------------------------------------------------

type Tok =
  | { t: 'op'; v: string; at: number }
  | { t: 'num'; v: bigint; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'fetch'; v: string; at: number }
  | { t: 'end'; at: number };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    // Fetch arguments: registers, stack, memory, immediates, and signed dereferences +N(...)/-N(...).
    const deref = /^[+-]u?(0x[0-9a-fA-F]+|\d+)\(/.test(src.slice(i));
    if (c === '%' || c === '@' || c === '$' || c === '\\' || deref) {
      let depth = 0, j = i;
      while (j < src.length) {
        const d = src[j];
        if (d === '"' && src[j - 1] === '\\') { // an immediate string \"...": up to the closing quote
          j++;
          while (j < src.length && src[j] !== '"') j++;
          j++;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') { if (depth === 0) break; depth--; }
        else if (depth === 0 && (/\s/.test(d) || '=!<>&|'.includes(d))) break;
        j++;
      }
      out.push({ t: 'fetch', v: src.slice(i, j), at });
      i = j;
      continue;
    }
    const num = /^-?(0x[0-9a-fA-F]+|0b[01]+|0o[0-7]+|\d+)/.exec(src.slice(i));
    if (num) {
      const neg = num[0].startsWith('-');
      const v = BigInt(neg ? num[0].slice(1) : num[0]);
      out.push({ t: 'num', v: neg ? -v : v, at });
      i += num[0].length;
      continue;
    }
    if (c === '"') {
      let j = i + 1, s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[++j];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === '0' ? '\0' : e;
        } else s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError(`unterminated string at column ${at + 1}`);
      out.push({ t: 'str', v: s, at });
      i = j + 1;
      continue;
    }
    const op = OPS.find(o => src.startsWith(o, i));
    if (op) { out.push({ t: 'op', v: op, at }); i += op.length; continue; }
    if (c === '=') throw new ExprError(`'=' at column ${at + 1}: use '==' to compare`);
    throw new ExprError(`unexpected '${c}' at column ${at + 1}`);
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

type Node =
  | { k: 'or' | 'and'; a: Node; b: Node }
  | { k: 'cmp'; op: string; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'num'; v: bigint }
  | { k: 'str'; v: string }
  | { k: 'fetch'; f: FetchArgExpr };

/** A compiled condition, e.g. `%di == 5 && +0(%si):u8 != 0`. */
export class Condition {
  private root: Node;
  readonly fetches: FetchArgExpr[] = [];

  constructor(readonly text: string, path: string, offset: number, resolve?: SymbolResolver) {
    const toks = tokenize(text);
    let k = 0;
    const peek = () => toks[k];
    const fail = (msg: string, at = peek().at): never => { throw new ExprError(`${msg} at column ${at + 1}`); };
    const isOp = (v: string) => { const t = peek(); return t.t === 'op' && t.v === v; };
    const primary = (): Node => {
      const t = peek();
      if (t.t === 'op' && t.v === '!') { k++; return { k: 'not', a: primary() }; }
      if (t.t === 'op' && t.v === '(') {
        k++;
        const e = or();
        if (!isOp(')')) fail("missing ')'");
        k++;
        return e;
      }
      if (t.t === 'num') { k++; return { k: 'num', v: t.v }; }
      if (t.t === 'str') { k++; return { k: 'str', v: t.v }; }
      if (t.t === 'fetch') {
        k++;
        const f = new FetchArgExpr(t.v, path, offset, resolve);
        this.fetches.push(f);
        return { k: 'fetch', f };
      }
      return fail(t.t === 'end' ? 'expression ends too early' : `unexpected '${t.t === 'op' ? t.v : ''}'`);
    };
    const cmp = (): Node => {
      const a = primary();
      const t = peek();
      if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
        k++;
        return { k: 'cmp', op: t.v, a, b: primary() };
      }
      return a;
    };
    const and = (): Node => {
      let a = cmp();
      while (isOp('&&')) { k++; a = { k: 'and', a, b: cmp() }; }
      return a;
    };
    const or = (): Node => {
      let a = and();
      while (isOp('||')) { k++; a = { k: 'or', a, b: and() }; }
      return a;
    };
    if (!text.trim()) throw new ExprError('empty condition');
    this.root = or();
    if (peek().t !== 'end') fail('unexpected text');
  }

  /** Evaluate at a hit; throws ExprError for a comparison that makes no sense (string vs number). */
  test(ctx: FetchContext): boolean { return truthy(this.eval(this.root, ctx)); }

  /** The value of the whole expression (a single fetch argument's own value, or 1/0). */
  value(ctx: FetchContext): Value { return this.eval(this.root, ctx); }

  private eval(n: Node, ctx: FetchContext): Value {
    switch (n.k) {
      case 'num': return { kind: 'num', v: n.v, bits: 64, signed: true };
      case 'str': return { kind: 'str', s: n.v };
      case 'fetch': return n.f.evaluate(ctx);
      case 'not': return bool(!truthy(this.eval(n.a, ctx)));
      case 'and': return bool(truthy(this.eval(n.a, ctx)) && truthy(this.eval(n.b, ctx)));
      case 'or': return bool(truthy(this.eval(n.a, ctx)) || truthy(this.eval(n.b, ctx)));
      case 'cmp': return bool(compare(n.op, this.eval(n.a, ctx), this.eval(n.b, ctx), n.a.k === 'num', n.b.k === 'num'));
    }
  }
}

function bool(b: boolean): Value { return { kind: 'num', v: b ? 1n : 0n, bits: 64, signed: false }; }

function truthy(v: Value): boolean {
  if (v.kind === 'num') return v.v !== 0n;
  return v.s.length > 0;
}

/** Bring a literal to the type of the fetch argument it is compared with. */
function convert(v: bigint, bits: number, signed: boolean): bigint {
  return signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}

function compare(op: string, a: Value, b: Value, aLit: boolean, bLit: boolean): boolean {
  let x: bigint | string, y: bigint | string;
  if (a.kind === 'num' && b.kind === 'num') {
    x = a.v; y = b.v;
    if (aLit && !bLit) x = convert(a.v, b.bits, b.signed);
    else if (bLit && !aLit) y = convert(b.v, a.bits, a.signed);
  } else if (a.kind !== 'num' && b.kind !== 'num') {
    x = a.s; y = b.s;
  } else {
    throw new ExprError(`cannot compare ${describe(a)} with ${describe(b)}`);
  }
  switch (op) {
    case '==': return x === y;
    case '!=': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    default: return x >= y;
  }
}

function describe(v: Value): string { return v.kind === 'num' ? 'a number' : v.kind === 'str' ? 'a string' : `'${v.s}'`; }

/** How an evaluated value is shown (numbers in hex unless signed/decimal types say otherwise). */
export function showValue(v: Value): string {
  if (v.kind === 'num') return v.signed ? v.v.toString() : `0x${v.v.toString(16)}`;
  if (v.kind === 'str') return JSON.stringify(v.s);
  return v.s;
}

// ---- hit conditions -----------------------------------------------------------------------------

/** `>= 3`, `> 3`, `== 4`, `= 4`, `< 5`, `<= 5`, `% 2`, or a bare number (meaning `>=`). */
export class HitCondition {
  readonly op: string;
  readonly n: number;
  constructor(readonly text: string) {
    const m = /^\s*(>=|<=|={1,3}|>|<|%)?\s*(0x[0-9a-fA-F]+|\d+)\s*$/.exec(text);
    if (!m) throw new ExprError(`hit condition '${text}' is not one of: N, >= N, > N, == N, < N, <= N, % N`);
    this.op = m[1]?.startsWith('=') ? '==' : (m[1] ?? '>=');
    this.n = Number(m[2]);
    if (this.op === '%' && this.n === 0) throw new ExprError('hit condition % 0 divides by zero');
  }
  /** Should the `hits`-th hit (counting from 1) stop? */
  test(hits: number): boolean {
    switch (this.op) {
      case '>=': return hits >= this.n;
      case '>': return hits > this.n;
      case '==': return hits === this.n;
      case '<': return hits < this.n;
      case '<=': return hits <= this.n;
      default: return hits % this.n === 0;
    }
  }
}

// ---- logpoint messages --------------------------------------------------------------------------

/** A logpoint message: literal text with `{fetcharg}` parts (`{{` and `}}` stand for braces). */
export class LogTemplate {
  private parts: Array<string | FetchArgExpr> = [];

  constructor(readonly text: string, path: string, offset: number, resolve?: SymbolResolver) {
    let lit = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '{' && text[i + 1] === '{') { lit += '{'; i++; continue; }
      if (c === '}' && text[i + 1] === '}') { lit += '}'; i++; continue; }
      if (c === '{') {
        const close = text.indexOf('}', i + 1);
        if (close < 0) throw new ExprError(`'{' at column ${i + 1} has no matching '}'`);
        if (lit) this.parts.push(lit);
        lit = '';
        this.parts.push(new FetchArgExpr(text.slice(i + 1, close), path, offset, resolve));
        i = close;
        continue;
      }
      lit += c;
    }
    if (lit) this.parts.push(lit);
  }

  /** The message with each part replaced by its value as a trace line prints it. */
  render(ctx: FetchContext): string {
    let s = '';
    for (const p of this.parts) s += typeof p === 'string' ? p : p.format(ctx);
    return s;
  }
}
