// DWARF line tables: every row decoded from .debug_line must equal what binutils' `readelf
// --debug-dump=decodedline` prints for the same file: version 3 tables from `as -g` (binutils 2.40's
// default) and from gcc's DWARF 2 output, version 4 from `as --gdwarf-4` and `gcc -gdwarf-4`, version 5
// from `as --gdwarf-5` and `gcc -g`, and 64-bit DWARF. Then the queries a debugger makes: file names,
// the line of an address, the address of a line (moved to the next line with code).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../engine/elf/elf';
import { LineTable, readLineProgram, lineProgramOffsets, readCompileUnits } from '../engine/dwarf';
import { have, need, tmpDir, ROOT } from './util';

function elfOf(p: string): ElfFile {
  const d = fs.readFileSync(p);
  return ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), p);
}

interface Row { file: string; line: string; addr: string; stmt: boolean }

/** Rows as readelf prints them: base name, line ('-' for an end of sequence), address, is_stmt. */
function readelfRows(exe: string): Row[] {
  const out = execFileSync('readelf', ['--debug-dump=decodedline', exe], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const rows: Row[] = [];
  for (const l of out.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)(?:\s+(\d+))?(?:\s+(x))?\s*$/.exec(l);
    if (m) rows.push({ file: m[1], line: m[2], addr: m[3], stmt: m[5] === 'x' });
  }
  return rows;
}

/** Rows decoded by engine/dwarf, in the same shape. */
function ourRows(exe: string): Row[] {
  const elf = elfOf(exe);
  const line = elf.section('.debug_line')!;
  const secs = { line, str: elf.section('.debug_str'), lineStr: elf.section('.debug_line_str') };
  const units = readCompileUnits({ info: elf.section('.debug_info'), abbrev: elf.section('.debug_abbrev'), str: secs.str, lineStr: secs.lineStr });
  const rows: Row[] = [];
  for (const off of lineProgramOffsets(line)) {
    const prog = readLineProgram(secs, off, units.find(u => u.stmtList === off)?.compDir);
    for (const r of prog.rows) {
      rows.push({
        file: path.basename(prog.files[r.file] ?? '?'), line: r.endSequence ? '-' : String(r.line),
        addr: `0x${r.address.toString(16)}`, stmt: r.isStmt && !r.endSequence,
      });
    }
  }
  return rows;
}

const C_MAIN = `#include "h.h"
int g(int);

int sq(int x) {
  int y = x * x;
  return y;
}

int main(void) {
  int s = 0;
  for (int i = 0; i < 3; i++)
    s += sq(i);
  s += twice(s);

  return g(s);
}
`;
const C_HEADER = `static inline int twice(int x) {
  return x * 2;
}
`;
const C_OTHER = `int g(int x)
{
  return x - 6;
}
`;

function buildCProgram(flags: string[]): string {
  const dir = tmpDir('dwarf-');
  fs.writeFileSync(path.join(dir, 'm.c'), C_MAIN);
  fs.writeFileSync(path.join(dir, 'h.h'), C_HEADER);
  fs.writeFileSync(path.join(dir, 'g.c'), C_OTHER);
  const exe = path.join(dir, 'prog');
  execFileSync('gcc', [...flags, '-O0', '-static', '-o', exe, 'm.c', 'g.c'], { cwd: dir });
  return exe;
}

function buildAsmProgram(asFlags: string[]): string {
  const dir = tmpDir('dwarf-');
  const src = path.join(dir, 'fixups.s');
  fs.copyFileSync(path.join(ROOT, 'samples', 'src', 'fixups.s'), src);
  execFileSync('as', [...asFlags, '-o', path.join(dir, 'f.o'), src]);
  execFileSync('ld', ['-static', '-o', path.join(dir, 'f'), path.join(dir, 'f.o')]);
  return path.join(dir, 'f');
}

function lineTableVersion(exe: string): number {
  const elf = elfOf(exe);
  return readLineProgram({ line: elf.section('.debug_line')!, str: elf.section('.debug_str'), lineStr: elf.section('.debug_line_str') }, 0).version;
}

const cases: Array<{ name: string; build: () => string; version: number }> = [
  { name: 'as -g (DWARF 3 line table)', build: () => buildAsmProgram(['-g']), version: 3 },
  { name: 'as --gdwarf-4', build: () => buildAsmProgram(['--gdwarf-4']), version: 4 },
  { name: 'as --gdwarf-5', build: () => buildAsmProgram(['--gdwarf-5']), version: 5 },
  { name: 'gcc -g (DWARF 5)', build: () => buildCProgram(['-g']), version: 5 },
  { name: 'gcc -gdwarf-4', build: () => buildCProgram(['-gdwarf-4']), version: 4 },
  // gcc writes DWARF 2 debug information with a version 3 line table (binutils makes no version 2 one).
  { name: 'gcc -gdwarf-2', build: () => buildCProgram(['-gdwarf-2']), version: 3 },
  { name: 'gcc -g -gdwarf64 (64-bit DWARF 5)', build: () => buildCProgram(['-g', '-gdwarf64']), version: 5 },
];

for (const c of cases) {
  test(`line table rows of ${c.name} equal readelf's decodedline`, (t) => {
    if (!need(t, have('readelf') && have('gcc') && have('as'), 'readelf, gcc and as are needed')) return;
    const exe = c.build();
    assert.equal(lineTableVersion(exe), c.version);
    const theirs = readelfRows(exe);
    assert.ok(theirs.length > 10, 'readelf printed rows');
    assert.deepEqual(ourRows(exe), theirs);
  });
}

test('file names resolve to absolute paths (DW_AT_comp_dir for DWARF 2-4, the directory table for 5)', (t) => {
  if (!need(t, have('gcc'), 'gcc is needed')) return;
  for (const flags of [['-g'], ['-gdwarf-4'], ['-gdwarf-2']]) {
    const exe = buildCProgram(flags);
    const dir = path.dirname(exe);
    const lt = LineTable.fromElf(elfOf(exe));
    assert.deepEqual(lt.warnings, []);
    assert.deepEqual([...lt.files].sort(), [path.join(dir, 'g.c'), path.join(dir, 'h.h'), path.join(dir, 'm.c')], flags.join(' '));
  }
  const asm = buildAsmProgram(['-g']);
  assert.deepEqual(LineTable.fromElf(elfOf(asm)).files, [path.join(path.dirname(asm), 'fixups.s')]);
});

test('line <-> address queries: next line with code, one address per function, lookups inside a row', (t) => {
  if (!need(t, have('gcc') && have('nm'), 'gcc and nm are needed')) return;
  const exe = buildCProgram(['-g']);
  const dir = path.dirname(exe);
  const elf = elfOf(exe);
  const lt = LineTable.fromElf(elf);
  const m = path.join(dir, 'm.c');
  const theirs = readelfRows(exe).filter(r => r.file === 'm.c' && r.line !== '-');
  const first = (line: number) => theirs.filter(r => r.line === String(line) && r.stmt).map(r => Number(r.addr)).sort((a, b) => a - b)[0];
  // Line 3 is blank: the breakpoint moves to line 4 (sq's opening line).
  assert.deepEqual(lt.addressesForLine(m, 3), { line: 4, addresses: [first(4)] });
  // The `for` line has several rows (init, increment, test) in one function: one address, the lowest.
  assert.deepEqual(lt.addressesForLine(m, 11), { line: 11, addresses: [first(11)] });
  assert.equal(lt.addressesForLine(m, 99), undefined);
  assert.deepEqual(lt.linesWithCode(m), [...new Set(theirs.map(r => Number(r.line)))].sort((a, b) => a - b));
  // An address in the middle of a row belongs to that row.
  const mainAddr = elf.symbol('main')!.value;
  const row = lt.lookup(mainAddr + 1)!;
  assert.equal(row.file, m);
  assert.equal(row.line, 9);
  assert.equal(row.address, mainAddr);
  // Names the editor uses: the exact path, or a path with the same trailing components.
  assert.equal(lt.resolveFile(m), m);
  assert.equal(lt.resolveFile('/elsewhere/checkout/h.h'), path.join(dir, 'h.h'));
  assert.equal(lt.resolveFile('/x/nothing.c'), undefined);
  // A header's inline function has its own line rows.
  const h = lt.addressesForLine(path.join(dir, 'h.h'), 2)!;
  assert.equal(h.line, 2);
  assert.equal(elf.symbolAt(h.addresses[0])?.sym.name, 'twice');
});

test('a program without debug information has an empty table', () => {
  const exe = buildAsmProgram([]);
  const elf = elfOf(exe);
  assert.equal(elf.section('.debug_line'), undefined);
  const lt = LineTable.fromElf(elf);
  assert.equal(lt.empty, true);
  assert.equal(lt.lookup(elf.entry), undefined);
  assert.deepEqual(lt.files, []);
});

test('truncated or corrupt line programs are reported, not thrown', () => {
  const exe = buildAsmProgram(['-g']);
  const elf = elfOf(exe);
  const line = elf.section('.debug_line')!;
  const cut = line.slice(0, 40);
  assert.throws(() => readLineProgram({ line: cut }, 0), /runs past|truncated/);
  // A length field that claims more than the section holds is skipped by the offsets scan.
  assert.deepEqual(lineProgramOffsets(cut), []);
});
