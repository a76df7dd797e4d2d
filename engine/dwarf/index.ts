// Source lines <-> addresses for a program, from its DWARF line tables: what a debugger needs to put a
// breakpoint on a line (moving it to the next line that has code), to name the line of an address, and
// to step by lines.

import * as path from 'node:path';
import type { ElfFile } from '../elf/elf';
import { PF_X } from '../elf/elf';
import { readCompileUnits } from './info';
import { readLineProgram, lineProgramOffsets, LineProgram, LineRow } from './line';
import { DwarfError } from './reader';

export { readLineProgram, lineProgramOffsets, readCompileUnits, DwarfError };
export type { LineProgram, LineRow };

/** One row of the table with the address range it covers. */
export interface LineEntry {
  address: number;
  /** First address past this row (the next row's address in the same sequence). */
  end: number;
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
}

export interface LineTableOptions {
  /** Which function an address belongs to (a breakpoint gets one address per function). */
  functionOf?(address: number): number | undefined;
  /** Is this address inside the program's code? Rows elsewhere (discarded sections at 0) are dropped. */
  isCode?(address: number): boolean;
}

export class LineTable {
  /** Rows sorted by address (end-of-sequence markers removed). */
  readonly entries: LineEntry[] = [];
  /** Every file that has at least one row, normalised. */
  readonly files: string[] = [];
  readonly programs: LineProgram[] = [];
  /** Problems met while reading (a unit that could not be decoded...). */
  readonly warnings: string[] = [];
  private byFile = new Map<string, LineEntry[]>();

  constructor(programs: LineProgram[], private opts: LineTableOptions = {}) {
    this.programs = programs;
    for (const prog of programs) {
      const rows = prog.rows;
      let seqStart = 0;
      for (let k = 0; k < rows.length; k++) {
        if (!rows[k].endSequence) continue;
        this.addSequence(prog, rows.slice(seqStart, k + 1));
        seqStart = k + 1;
      }
    }
    this.entries.sort((a, b) => a.address - b.address);
    for (const [f, list] of this.byFile) {
      list.sort((a, b) => a.line - b.line || a.address - b.address);
      this.files.push(f);
    }
  }

  private addSequence(prog: LineProgram, seq: LineRow[]): void {
    if (seq.length < 2) return;
    if (this.opts.isCode && !this.opts.isCode(seq[0].address)) return;
    for (let k = 0; k + 1 < seq.length; k++) {
      const r = seq[k];
      let n = k + 1;
      while (n < seq.length - 1 && seq[n].address === r.address) n++;
      const end = seq[n].address > r.address ? seq[n].address : r.address;
      const name = prog.files[r.file];
      if (!name) continue;
      const file = path.posix.normalize(name);
      const e: LineEntry = { address: r.address, end, file, line: r.line, column: r.column, isStmt: r.isStmt };
      this.entries.push(e);
      let l = this.byFile.get(file);
      if (!l) { l = []; this.byFile.set(file, l); }
      l.push(e);
    }
  }

  /** Read the line tables of an ELF file (empty when it has no .debug_line). Never throws. */
  static fromElf(elf: ElfFile): LineTable {
    const line = elf.section('.debug_line');
    const programs: LineProgram[] = [];
    const warnings: string[] = [];
    if (line) {
      const secs = { line, str: elf.section('.debug_str'), lineStr: elf.section('.debug_line_str') };
      let units: ReturnType<typeof readCompileUnits> = [];
      try {
        units = readCompileUnits({
          info: elf.section('.debug_info'), abbrev: elf.section('.debug_abbrev'), str: secs.str, lineStr: secs.lineStr,
          strOffsets: elf.section('.debug_str_offsets'),
        });
      } catch (e) { warnings.push(`.debug_info: ${(e as Error).message}`); }
      const compDirs = new Map<number, string | undefined>();
      for (const u of units) if (u.stmtList !== undefined) compDirs.set(u.stmtList, u.compDir);
      for (const off of lineProgramOffsets(line)) {
        try { programs.push(readLineProgram(secs, off, compDirs.get(off))); }
        catch (e) {
          if (e instanceof DwarfError) warnings.push(`.debug_line at 0x${off.toString(16)}: ${e.message}`);
          else throw e;
        }
      }
    }
    const execs = elf.loads().filter(s => s.flags & PF_X);
    const t = new LineTable(programs, {
      isCode: a => execs.some(s => a >= s.vaddr && a < s.vaddr + s.memsz),
      functionOf: a => { const s = elf.symbolAt(a); return s ? s.sym.value : undefined; },
    });
    t.warnings.push(...warnings);
    return t;
  }

  get empty(): boolean { return this.entries.length === 0; }

  /** The row covering `address` (the last of several rows at the same address), or undefined. */
  lookup(address: number): LineEntry | undefined {
    const es = this.entries;
    let lo = 0, hi = es.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (es[mid].address <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Among rows starting at or before the address, the last one whose range still covers it.
    for (let k = best; k >= 0 && k > best - 8; k--) {
      const e = es[k];
      if (address >= e.address && (address < e.end || (e.end === e.address && address === e.address))) return e;
    }
    return undefined;
  }

  /**
   * The table's name for a file the user names (absolute path from an editor): the same normalised
   * path, else the file whose trailing path components match the most (at least the base name).
   */
  resolveFile(p: string): string | undefined {
    // The table does not change: a client's path resolves the same way each time (a request for a
    // thousand lines of one file asks a thousand times).
    if (this.resolved.has(p)) return this.resolved.get(p);
    const r = this.resolveFileUncached(p);
    this.resolved.set(p, r);
    return r;
  }
  private readonly resolved = new Map<string, string | undefined>();

  private resolveFileUncached(p: string): string | undefined {
    const want = path.posix.normalize(p);
    if (this.byFile.has(want)) return want;
    const wantParts = want.split('/').filter(Boolean);
    let best: string | undefined, bestScore = 0;
    for (const f of this.files) {
      const parts = f.split('/').filter(Boolean);
      let n = 0;
      while (n < parts.length && n < wantParts.length && parts[parts.length - 1 - n] === wantParts[wantParts.length - 1 - n]) n++;
      if (n > bestScore) { best = f; bestScore = n; }
    }
    return best;
  }

  /** Sorted distinct lines of `file` (a resolved name) that have code. */
  linesWithCode(file: string): number[] {
    const l = this.byFile.get(file) ?? [];
    const out: number[] = [];
    for (const e of l) if (e.line > 0 && out[out.length - 1] !== e.line) out.push(e.line);
    return out;
  }

  /** Per file: its lines with code, sorted, and the rows of each (built on first use). */
  private readonly lineIndexes = new Map<string, { lines: number[]; rows: Map<number, LineEntry[]> } | null>();
  private lineIndex(file: string): { lines: number[]; rows: Map<number, LineEntry[]> } | null {
    let ix = this.lineIndexes.get(file);
    if (ix !== undefined) return ix;
    const all = this.byFile.get(file);
    if (!all) ix = null;
    else {
      const rows = new Map<number, LineEntry[]>();
      for (const e of all) { const l = rows.get(e.line); if (l) l.push(e); else rows.set(e.line, [e]); }
      ix = { lines: [...rows.keys()].sort((a, b) => a - b), rows };
    }
    this.lineIndexes.set(file, ix);
    return ix;
  }

  /**
   * Where a breakpoint on `line` of `file` goes: that line, or the next line below it with code; one
   * address per function (the lowest statement address of the line in it). Undefined if no line at or
   * after `line` has code.
   */
  addressesForLine(file: string, line: number): { line: number; addresses: number[] } | undefined {
    const ix = this.lineIndex(file);
    if (!ix) return undefined;
    // The first line at or after `line` with code (binary search over the file's sorted lines).
    let lo = 0, hi = ix.lines.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ix.lines[mid] < line) lo = mid + 1; else hi = mid; }
    if (lo >= ix.lines.length) return undefined;
    const target = ix.lines[lo];
    const onLine = ix.rows.get(target)!;
    // One row on the line (the common case in assembly): its address, whatever function it is in.
    if (onLine.length === 1) return { line: target, addresses: [onLine[0].address] };
    const stmts = onLine.filter(e => e.isStmt);
    const use = stmts.length ? stmts : onLine;
    const perFunc = new Map<number | string, number>();
    for (const e of use) {
      const fn = this.opts.functionOf?.(e.address) ?? 'none';
      const cur = perFunc.get(fn);
      if (cur === undefined || e.address < cur) perFunc.set(fn, e.address);
    }
    return { line: target, addresses: [...perFunc.values()].sort((a, b) => a - b) };
  }
}
