// A bounds-checked cursor over a DWARF section: fixed-size little-endian integers, LEB128, C strings,
// and the 32/64-bit "offset size" that DWARF's initial length selects. Values are plain numbers (exact
// below 2^53, which covers every address and offset of a user-space program); anything larger, and any
// read past the end, is refused with a DwarfError.

export class DwarfError extends Error {}

export class DwarfReader {
  pos: number;
  private readonly dv: DataView;

  constructor(readonly data: Uint8Array, pos = 0, readonly end = data.length) {
    this.pos = pos;
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get atEnd(): boolean { return this.pos >= this.end; }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DwarfError(`truncated DWARF data at 0x${this.pos.toString(16)}`);
  }

  u8(): number { this.need(1); return this.data[this.pos++]; }
  s8(): number { this.need(1); return this.dv.getInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u24(): number { const lo = this.u16(); return lo + this.u8() * 65536; }
  u32(): number { this.need(4); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  u64(): number {
    this.need(8);
    const lo = this.dv.getUint32(this.pos, true), hi = this.dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (hi >= 0x200000) throw new DwarfError(`64-bit value beyond 2^53 at 0x${(this.pos - 8).toString(16)}`);
    return hi * 4294967296 + lo;
  }
  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  uN(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
    }
    throw new DwarfError(`unsupported value size ${size}`);
  }

  uleb(): number {
    let result = 0, mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) break;
      mul *= 128;
      if (mul > 2 ** 63) throw new DwarfError('LEB128 value too long');
    }
    return result;
  }

  sleb(): number {
    let result = 0, mul = 1, b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 70) throw new DwarfError('LEB128 value too long');
    } while (b & 0x80);
    if (b & 0x40) result -= mul;
    return result;
  }

  /** A NUL-terminated string (UTF-8). */
  cstr(): string {
    const start = this.pos;
    let e = start;
    while (e < this.end && this.data[e] !== 0) e++;
    if (e >= this.end) throw new DwarfError(`unterminated string at 0x${start.toString(16)}`);
    this.pos = e + 1;
    return utf8(this.data.subarray(start, e));
  }

  skip(n: number): void { this.need(n); this.pos += n; }

  /** DWARF initial length: returns the unit length and sets the offset size (4 or 8) it implies. */
  initialLength(): { length: number; offsetSize: 4 | 8 } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), offsetSize: 8 };
    if (l >= 0xfffffff0) throw new DwarfError(`reserved initial length 0x${l.toString(16)}`);
    return { length: l, offsetSize: 4 };
  }
}

/** The NUL-terminated string at `off` in a string section (.debug_str, .debug_line_str). */
export function stringAt(sec: Uint8Array | undefined, off: number, what: string): string {
  if (!sec) throw new DwarfError(`${what} is missing`);
  if (off >= sec.length) throw new DwarfError(`offset 0x${off.toString(16)} lies outside ${what}`);
  return new DwarfReader(sec, off).cstr();
}

function utf8(b: Uint8Array): string { return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'); }
