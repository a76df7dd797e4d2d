// uprobe_events definitions as the extension handles them: parsing (with the engine's parser, so that
// errors read as the kernel's error_log), making relative paths absolute, reading `.uprobes` files, and
// turning a source line of a program built with -g into the file offset a definition needs.

import * as fs from 'node:fs';
import * as path from 'node:path';

type Lite = typeof import('./engineLite');
let lite: Promise<Lite> | undefined;
/** The engine parts, loaded the first time they are needed. */
export function engineLite(): Promise<Lite> {
  lite ??= import('./engineLite');
  return lite;
}

export interface ParsedDef {
  kind: 'add' | 'delete';
  /** `group/event` of the event the line defines or deletes. */
  key: string;
  isReturn: boolean;
  path: string;
  offset: number;
  /** The definition as the kernel would list it. */
  canonical: string;
}

/** Parse one line; throws an Error whose message is the kernel's error text (with its caret lines). */
export async function parseDef(text: string): Promise<ParsedDef | null> {
  const { parseCommand, TraceError } = await engineLite();
  try {
    const c = parseCommand(text.trim());
    if (c.kind === 'add') {
      const ev = c.ev;
      return { kind: 'add', key: `${ev.group}/${ev.event}`, isReturn: ev.isReturn, path: ev.path, offset: ev.offset, canonical: ev.definition };
    }
    if (c.kind === 'delete') return { kind: 'delete', key: `${c.anyGroup ? '*' : c.group}/${c.event}`, isReturn: false, path: '', offset: 0, canonical: text.trim() };
    return null;
  } catch (e) {
    if (e instanceof TraceError) throw new Error(e.render() || `${text.trim()}: not a uprobe definition (${e.errno})`);
    throw e;
  }
}

/** `p:GRP/EVENT PATH:OFFSET ...` -> where PATH starts and ends in the line, or undefined. */
function placeOf(line: string): { start: number; end: number; file: string } | undefined {
  const m = /^(\s*[pr](?::\S*)?\s+)(\S+)/.exec(line);
  if (!m) return undefined;
  const place = m[2];
  const colon = place.lastIndexOf(':');
  if (colon <= 0) return undefined;
  return { start: m[1].length, end: m[1].length + colon, file: place.slice(0, colon) };
}

/**
 * Make a definition's file absolute: a relative path is looked up from each base in turn (the first
 * that has the file wins); unchanged when none has it (the adapter then reports the kernel's error).
 */
export function absolutizeDef(line: string, bases: string[]): string {
  const p = placeOf(line);
  if (!p || path.isAbsolute(p.file)) return line;
  // Written from the first base (the working directory): kept as written, as the kernel shows it.
  if (bases.length && isFile(path.resolve(bases[0], p.file))) return line;
  for (const b of bases) {
    const f = path.resolve(b, p.file);
    try { if (fs.statSync(f).isFile()) return line.slice(0, p.start) + f + line.slice(p.end); } catch { /* next */ }
  }
  return line;
}

function isFile(f: string): boolean {
  try { return fs.statSync(f).isFile(); } catch { return false; }
}

/** Definitions of a `.uprobes` file (one a line, `#` comments), with their files made absolute. */
export function readProbesFile(file: string, cwd: string | undefined): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const bases: string[] = [];
  if (cwd) bases.push(cwd);
  // Paths in a definitions file are usually written from the folder it is used in, or a parent of it.
  for (let d = path.dirname(path.resolve(file)); ; d = path.dirname(d)) {
    bases.push(d);
    if (path.dirname(d) === d) break;
  }
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const l = raw.replace(/(^|\s)#.*$/, '').trim();
    if (l) out.push(absolutizeDef(l, bases));
  }
  return out;
}

export interface LineProbePlace { line: number; offsets: number[]; addresses: number[]; symbol?: string }

/** File offsets of the code of `file:line` in `program` (built with -g), without running it. */
export async function lineToOffsets(program: string, file: string, line: number): Promise<LineProbePlace> {
  const { ElfFile, LineTable } = await engineLite();
  const elf = ElfFile.parse(fs.readFileSync(program), program);
  const lt = LineTable.fromElf(elf);
  if (lt.empty) throw new Error(`${path.basename(program)} has no line table (build it with -g)`);
  const f = lt.resolveFile(file);
  if (!f) throw new Error(`${path.basename(program)} has no code from ${path.basename(file)}`);
  const r = lt.addressesForLine(f, line);
  if (!r) throw new Error(`no code at or after line ${line} of ${path.basename(file)}`);
  const offsets: number[] = [];
  for (const a of r.addresses) {
    const o = elf.vaddrToFileOffset(a);
    if (o !== undefined) offsets.push(o);
  }
  if (!offsets.length) throw new Error(`line ${r.line} of ${path.basename(file)} is not in a loaded segment`);
  const s = elf.symbolAt(r.addresses[0]);
  const symbol = s ? (s.offset ? `${s.sym.name}+0x${s.offset.toString(16)}` : s.sym.name) : undefined;
  return { line: r.line, offsets, addresses: r.addresses, symbol };
}

/** Does this executable's line table contain `file`? (false for non-ELF files and files without -g) */
export async function builtFrom(program: string, file: string): Promise<boolean> {
  const { ElfFile, LineTable } = await engineLite();
  try {
    const elf = ElfFile.parse(fs.readFileSync(program), program);
    return !!LineTable.fromElf(elf).resolveFile(file);
  } catch { return false; }
}

/** An event name from a source position: `fixups_s_15`. */
export function eventNameFor(file: string, line: number): string {
  const base = path.basename(file).replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
  return `${base}_${line}`.slice(0, 63);
}
