// ELF64 x86_64 parsing: header, program headers, section headers, symbols, and the mapping between file
// offsets and virtual addresses that uprobes need (a probe names a file and an offset).
// Every defect is refused with a one-line reason (UserError); nothing is allocated from untrusted sizes
// without checking them against the file first.

import { UserError } from '../errors';

export const ET_EXEC = 2, ET_DYN = 3;
export const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;
export const SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_DYNSYM = 11, SHT_NOBITS = 8;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4, STT_TLS = 6, STT_GNU_IFUNC = 10;

export interface Segment { type: number; flags: number; offset: number; vaddr: number; filesz: number; memsz: number; align: number }
export interface Section { name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }
export interface ElfSymbol { name: string; value: number; size: number; type: number; bind: number; shndx: number }

export class ElfFile {
  type = 0;
  entry = 0;
  phoff = 0;
  phentsize = 0;
  phnum = 0;
  segments: Segment[] = [];
  sections: Section[] = [];
  symbols: ElfSymbol[] = [];
  interp: string | undefined;
  private sortedFuncs: ElfSymbol[] | undefined;

  private constructor(public readonly data: Uint8Array, public readonly path: string) {}

  static parse(data: Uint8Array, path: string): ElfFile {
    const e = new ElfFile(data, path);
    e.parseHeader();
    return e;
  }

  private fail(msg: string): never { throw new UserError(`${this.path}: ${msg}`); }

  private parseHeader(): void {
    const d = this.data;
    if (d.length < 4 || d[0] !== 0x7f || d[1] !== 0x45 || d[2] !== 0x4c || d[3] !== 0x46) this.fail('not an ELF file');
    if (d.length < 64) this.fail('truncated ELF header');
    if (d[4] !== 2) this.fail(d[4] === 1 ? '32-bit ELF (ELFCLASS32) is not supported: only x86_64 ELF64' : 'bad ELF class');
    if (d[5] !== 1) this.fail('big-endian ELF is not supported');
    if (d[6] !== 1) this.fail('bad ELF version');
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    this.type = dv.getUint16(16, true);
    const machine = dv.getUint16(18, true);
    if (machine !== 62) this.fail(`ELF machine ${machine} is not x86_64 (62)`);
    if (this.type !== ET_EXEC && this.type !== ET_DYN) this.fail(`ELF type ${this.type} is not an executable (ET_EXEC or ET_DYN)`);
    this.entry = num64(dv, 24);
    this.phoff = num64(dv, 32);
    const shoff = num64(dv, 40);
    this.phentsize = dv.getUint16(54, true);
    this.phnum = dv.getUint16(56, true);
    const shentsize = dv.getUint16(58, true), shnum = dv.getUint16(60, true), shstrndx = dv.getUint16(62, true);
    if (this.phnum === 0) this.fail('no program headers');
    if (this.phentsize !== 56) this.fail(`bad program header size ${this.phentsize}`);
    if (this.phoff + this.phnum * 56 > d.length) this.fail('program headers lie outside the file');
    for (let k = 0; k < this.phnum; k++) {
      const o = this.phoff + k * 56;
      const s: Segment = {
        type: dv.getUint32(o, true), flags: dv.getUint32(o + 4, true), offset: num64(dv, o + 8),
        vaddr: num64(dv, o + 16), filesz: num64(dv, o + 32), memsz: num64(dv, o + 40), align: num64(dv, o + 48),
      };
      this.segments.push(s);
      if (s.type === PT_LOAD) {
        if (s.offset + s.filesz > d.length) this.fail(`segment ${k} lies outside the file`);
        if (s.filesz > s.memsz) this.fail(`segment ${k} has filesz > memsz`);
        if (s.vaddr + s.memsz > 0x7ffffffff000) this.fail(`segment ${k} does not fit in user space`);
        if ((s.vaddr - s.offset) % 4096 !== 0) this.fail(`segment ${k} is not congruent to its file offset modulo the page size`);
      }
      if (s.type === PT_INTERP) {
        if (s.offset + s.filesz > d.length || s.filesz === 0) this.fail('PT_INTERP lies outside the file');
        this.interp = latin1(d.subarray(s.offset, s.offset + s.filesz)).replace(/\0.*$/s, '');
      }
    }
    const loads = this.loads();
    if (loads.length === 0) this.fail('no PT_LOAD segment');
    for (let k = 1; k < loads.length; k++) {
      if (loads[k].vaddr < loads[k - 1].vaddr + loads[k - 1].memsz) this.fail('PT_LOAD segments overlap or are not sorted');
    }
    if (shoff && shnum && shentsize === 64 && shoff + shnum * 64 <= d.length) this.parseSections(dv, shoff, shnum, shstrndx);
  }

  private parseSections(dv: DataView, shoff: number, shnum: number, shstrndx: number): void {
    const raw: Section[] = [];
    for (let k = 0; k < shnum; k++) {
      const o = shoff + k * 64;
      raw.push({
        name: String(dv.getUint32(o, true)), type: dv.getUint32(o + 4, true), flags: num64(dv, o + 8),
        addr: num64(dv, o + 16), offset: num64(dv, o + 24), size: num64(dv, o + 32), link: dv.getUint32(o + 40, true),
        entsize: num64(dv, o + 56),
      });
    }
    const strtab = raw[shstrndx];
    for (const s of raw) {
      s.name = strtab && this.inFile(strtab) ? cstr(this.data, strtab.offset + Number(s.name), strtab.offset + strtab.size) : '';
    }
    this.sections = raw;
    const symtab = raw.find(s => s.type === SHT_SYMTAB) ?? raw.find(s => s.type === SHT_DYNSYM);
    if (symtab && this.inFile(symtab) && raw[symtab.link] && this.inFile(raw[symtab.link])) {
      const str = raw[symtab.link];
      for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += 24) {
        const info = this.data[o + 4];
        const sym: ElfSymbol = {
          name: cstr(this.data, str.offset + dv.getUint32(o, true), str.offset + str.size),
          type: info & 15, bind: info >> 4, shndx: dv.getUint16(o + 6, true),
          value: num64(dv, o + 8), size: num64(dv, o + 16),
        };
        if (sym.name) this.symbols.push(sym);
      }
    }
  }

  private inFile(s: Section): boolean { return s.type !== SHT_NOBITS && s.offset + s.size <= this.data.length; }

  loads(): Segment[] { return this.segments.filter(s => s.type === PT_LOAD); }

  section(name: string): Uint8Array | undefined {
    const s = this.sections.find(x => x.name === name);
    if (!s || !this.inFile(s)) return undefined;
    return this.data.subarray(s.offset, s.offset + s.size);
  }

  /** Link-time virtual address of a file offset (through the PT_LOAD that maps it), as uprobes do. */
  fileOffsetToVaddr(off: number): number | undefined {
    for (const s of this.loads()) if (off >= s.offset && off < s.offset + s.filesz) return s.vaddr + (off - s.offset);
    return undefined;
  }

  vaddrToFileOffset(va: number): number | undefined {
    for (const s of this.loads()) if (va >= s.vaddr && va < s.vaddr + s.filesz) return s.offset + (va - s.vaddr);
    return undefined;
  }

  /** Function/object symbols sorted by address (for symbolizing). */
  private funcs(): ElfSymbol[] {
    this.sortedFuncs ??= this.symbols.filter(s => (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE || s.type === STT_GNU_IFUNC) && s.shndx !== 0 && s.value)
      .sort((a, b) => a.value - b.value);
    return this.sortedFuncs;
  }

  /** The symbol containing (or, for sized-0 labels, preceding) a link-time address. */
  symbolAt(va: number): { sym: ElfSymbol; offset: number } | undefined {
    const fs = this.funcs();
    let lo = 0, hi = fs.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fs[mid].value <= va) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Prefer a sized symbol that contains va among those at the same address.
    let b = fs[best];
    for (let k = best; k >= 0 && fs[k].value === b.value; k--) if (fs[k].size && fs[k].type === STT_FUNC) b = fs[k];
    if (b.size && va >= b.value + b.size) {
      // past the end of a sized symbol: only accept if still inside an executable segment with no better one
      return undefined;
    }
    return { sym: b, offset: va - b.value };
  }

  symbol(name: string): ElfSymbol | undefined {
    return this.symbols.find(s => s.name === name && s.shndx !== 0 && (s.type === STT_FUNC || s.type === STT_GNU_IFUNC))
      ?? this.symbols.find(s => s.name === name && s.shndx !== 0);
  }
}

function num64(dv: DataView, o: number): number {
  const lo = dv.getUint32(o, true), hi = dv.getUint32(o + 4, true);
  if (hi >= 0x200000) return Infinity; // beyond 2^53: treated as out of range by the checks
  return hi * 4294967296 + lo;
}

function cstr(d: Uint8Array, start: number, end: number): string {
  if (start >= end || start >= d.length) return '';
  let e = start;
  while (e < end && e < d.length && d[e] !== 0) e++;
  return latin1(d.subarray(start, e));
}

function latin1(b: Uint8Array): string { return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'); }
