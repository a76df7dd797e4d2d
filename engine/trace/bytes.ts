// A growable byte buffer the tracer prints into: trace text is bytes (the kernel copies string and char
// arguments verbatim), and printing numbers straight into bytes avoids building strings per hit.
// 64-bit values come as two int32 halves (lo, hi); nothing here uses BigInt.

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const TWO32 = 4294967296;

export class ByteOut {
  buf: Uint8Array;
  pos = 0;

  constructor(size = 1 << 16) {
    this.buf = new Uint8Array(size);
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = c;
  }

  bytes(src: Uint8Array): void {
    const n = src.length;
    this.ensure(n);
    // (a copy of more than a few bytes is cheaper as a memcpy)
    if (n > 16) { this.buf.set(src, this.pos); this.pos += n; return; }
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = src[i];
    this.pos = p;
  }

  /** Bytes src[from, to). */
  range(src: Uint8Array, from: number, to: number): void {
    this.ensure(to - from);
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) buf[p++] = src[i];
    this.pos = p;
  }

  /** A byte string (one char per byte). */
  latin1(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** `n` copies of byte c. */
  fill(c: number, n: number): void {
    if (n <= 0) return;
    this.ensure(n);
    this.buf.fill(c, this.pos, this.pos + n);
    this.pos += n;
  }

  /** Decimal digits of a whole number 0 <= n < 2^53. */
  dec(n: number): void {
    let len = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
    this.ensure(len);
    const buf = this.buf;
    let p = this.pos + len;
    this.pos = p;
    do {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    } while (n);
  }

  /** Decimal, at least `width` digits (zero-padded). */
  decPad(n: number, width: number, pad = 48): void {
    let len = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
    if (len < width) this.fill(pad, width - len);
    this.dec(n);
  }

  /** Lower-case hex digits of an unsigned 32-bit value, no leading zeros. */
  hex32(u: number): void {
    u >>>= 0;
    const len = u === 0 ? 1 : (35 - Math.clz32(u)) >> 2;
    if (this.pos + len > this.buf.length) this.ensure(len);
    const buf = this.buf;
    let p = this.pos + len;
    this.pos = p;
    do { buf[--p] = HEX[u & 15]; u >>>= 4; } while (u);
  }

  /** Exactly 8 hex digits. */
  private hex32x8(u: number): void {
    this.ensure(8);
    const buf = this.buf;
    let p = this.pos + 8;
    this.pos = p;
    for (let k = 0; k < 8; k++) { buf[--p] = HEX[u & 15]; u >>>= 4; }
  }

  /** Hex digits of a whole number 0 <= n < 2^53 (addresses). */
  hexNum(n: number): void {
    if (n < TWO32) { this.hex32(n); return; }
    const hi = Math.floor(n / TWO32);
    this.hex32(hi);
    this.hex32x8(n - hi * TWO32);
  }

  /** Hex digits of the unsigned 64-bit value (lo, hi). */
  hex64(lo: number, hi: number): void {
    if (hi === 0) { this.hex32(lo); return; }
    this.hex32(hi);
    this.hex32x8(lo);
  }

  /** Unsigned decimal of the 64-bit value (lo, hi). */
  udec64(lo: number, hi: number): void {
    const H = hi >>> 0, L = lo >>> 0;
    if (H < 0x200000) { this.dec(H * TWO32 + L); return; }
    // value = Q * 1e6 + r, with Q below 2^53: divide the high word first so every step stays exact.
    const qh = Math.floor(H / 1e6), rh = H - qh * 1e6;
    const m = rh * TWO32 + L;
    const q2 = Math.floor(m / 1e6);
    this.dec(qh * TWO32 + q2);
    this.decPad(m - q2 * 1e6, 6);
  }

  /** Signed decimal of the 64-bit value (lo, hi). */
  sdec64(lo: number, hi: number): void {
    if (hi >= 0) { this.udec64(lo, hi); return; }
    this.byte(45); // '-'
    this.udec64(-lo | 0, (~hi + (lo === 0 ? 1 : 0)) | 0);
  }

  /** The contents as a byte string (one char per byte). */
  toLatin1(from = 0): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + from, this.pos - from).toString('latin1');
  }
}
