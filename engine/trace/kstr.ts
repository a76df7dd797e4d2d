// Character classes and number parsing with the exact semantics of the kernel's lib/ctype.c and
// lib/kstrtox.c, which decide what `uprobe_events` accepts. Inputs are "byte strings": one JS char per
// byte (latin1), because the kernel works on bytes and error carets count bytes.

const U64_MASK = (1n << 64n) - 1n;

// Kernel ctype classes (lib/ctype.c): ASCII plus the Latin-1 upper half.
const ALPHA = new Uint8Array(256);
const SPACE = new Uint8Array(256);
for (let c = 0x41; c <= 0x5a; c++) ALPHA[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) ALPHA[c] = 1;
for (let c = 0xc0; c <= 0xff; c++) if (c !== 0xd7 && c !== 0xf7) ALPHA[c] = 1;
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0xa0]) SPACE[c] = 1;

export function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}
export function isAlpha(ch: string | undefined): boolean {
  return ch !== undefined && ch.length > 0 && ALPHA[ch.charCodeAt(0) & 0xff] === 1;
}
export function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && ch.length > 0 && SPACE[ch.charCodeAt(0) & 0xff] === 1;
}
function isXDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

/** A C identifier, as the kernel checks event, argument and field names. */
export function isGoodName(name: string): boolean {
  if (!isAlpha(name[0]) && name[0] !== '_') return false;
  for (let i = 1; i < name.length; i++) {
    const c = name[i];
    if (!isAlpha(c) && !isDigit(c) && c !== '_') return false;
  }
  return true;
}

/** Group (system) names may also contain '-' after the first character. */
export function isGoodSystemName(name: string): boolean {
  if (!isAlpha(name[0]) && name[0] !== '_') return false;
  for (let i = 1; i < name.length; i++) {
    const c = name[i];
    if (!isAlpha(c) && !isDigit(c) && c !== '_' && c !== '-') return false;
  }
  return true;
}

/** Split a command line into words on kernel whitespace (argv_split). */
export function argvSplit(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) break;
    const start = i;
    while (i < s.length && !isSpace(s[i])) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

/** Result of a kstrto* call: the value, or the negative errno name the kernel returns. */
export type KResult = { ok: true; value: bigint } | { ok: false; err: 'EINVAL' | 'ERANGE' };

function fixupRadix(s: string, base: number): [string, number] {
  if (base === 0) {
    if (s[0] === '0') base = (s[1] === 'x' || s[1] === 'X') && isXDigit(s[2]) ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) s = s.slice(2);
  return [s, base];
}

function digitValue(ch: string): number {
  const c = ch.charCodeAt(0) | 0x20;
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return 99;
}

/** _parse_integer: digits consumed, value modulo 2^64 and whether it overflowed. */
function parseInteger(s: string, base: number): { n: number; value: bigint; overflow: boolean } {
  let value = 0n, overflow = false, n = 0;
  const b = BigInt(base);
  while (n < s.length) {
    const v = digitValue(s[n]);
    if (v >= base) break;
    value = value * b + BigInt(v);
    if (value > U64_MASK) { overflow = true; value &= U64_MASK; }
    n++;
  }
  return { n, value, overflow };
}

function kstrtoullRaw(s: string, base: number): KResult {
  const [rest, b] = fixupRadix(s, base);
  const r = parseInteger(rest, b);
  if (r.overflow) return { ok: false, err: 'ERANGE' };
  if (r.n === 0) return { ok: false, err: 'EINVAL' };
  let tail = rest.slice(r.n);
  if (tail[0] === '\n') tail = tail.slice(1);
  if (tail.length) return { ok: false, err: 'EINVAL' };
  return { ok: true, value: r.value };
}

/** kstrtoul / kstrtoull (64-bit): unsigned, optional leading '+'. */
export function kstrtoul(s: string, base: number): KResult {
  return kstrtoullRaw(s[0] === '+' ? s.slice(1) : s, base);
}

/** kstrtol / kstrtoll: signed 64-bit; the value is returned as its unsigned 64-bit image. */
export function kstrtol(s: string, base: number): KResult {
  if (s[0] === '-') {
    const r = kstrtoullRaw(s.slice(1), base);
    if (!r.ok) return r;
    if (r.value > (1n << 63n)) return { ok: false, err: 'ERANGE' };
    return { ok: true, value: (-r.value) & U64_MASK };
  }
  const r = kstrtoul(s, base);
  if (!r.ok) return r;
  if (r.value >= (1n << 63n)) return { ok: false, err: 'ERANGE' };
  return r;
}

/** kstrtouint: unsigned 32-bit. */
export function kstrtouint(s: string, base: number): KResult {
  const r = kstrtoul(s, base);
  if (!r.ok) return r;
  if (r.value > 0xffffffffn) return { ok: false, err: 'ERANGE' };
  return r;
}

/** simple_strtoul: parses a prefix, never fails; returns the value and where parsing stopped. */
export function simpleStrtoul(s: string, base: number): { value: bigint; end: number } {
  const [rest, b] = fixupRadix(s, base);
  const skipped = s.length - rest.length;
  const r = parseInteger(rest, b);
  return { value: r.value, end: skipped + r.n };
}

/** Encode a JS string as UTF-8 and view it as a byte string (one char per byte). */
export function toByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
/** Decode a byte string back to a JS string (UTF-8). */
export function fromByteString(b: string): string {
  return Buffer.from(b, 'latin1').toString('utf8');
}
