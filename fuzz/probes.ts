// Grammar-aware generator of `uprobe_events` lines: valid definitions, near-valid ones (one piece
// broken), and garbage. Each line goes to parseCommand, which must either accept it or throw a
// TraceError with a known code and a caret inside the command: nothing else may escape.

import * as fs from 'node:fs';
import { Rng, caseSeed } from './rng';
import { parseCommand, TraceError, ERROR_TEXT, ParseOptions } from '../engine/trace';
import { Stats, Budget, newStats, count, loop } from './campaign';

const UNLOGGED = new Set(['NOT_A_UPROBE', 'REFCTR_MISMATCH', 'BAD_DELETE', 'NO_SUCH_EVENT']);

const REGS = ['%ax', '%bx', '%cx', '%dx', '%si', '%di', '%bp', '%sp', '%ip', '%r8', '%r15', '%flags', '%cs', '%ss',
  '%orig_ax', '%rax', '%eax', '%xmm0', '%r16', '%', '%AX'];
const TYPES = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'x8', 'x16', 'x32', 'x64', 'string', 'ustring',
  'char', 'symbol', 'symstr', 'b4@0/32', 'b1@31/32', 'b33@0/32', 'b0@0/8', 'b4@8/8', 'u32[4]', 'u8[0]', 'u8[65]',
  'string[2]', 'x64[', 'u16]', 'float', 'u', 'b', 'b4', 'b4@', 'b4@2', 'b4@2/', '', 'U32', 'x128', 'u32[1', 'u32[a]'];

export interface ProbeGenContext { path: string; fileSize: number; group: string }

function ident(r: Rng, good = true): string {
  const len = good ? 1 + r.int(12) : r.pick([0, 1, 65, 70, 200]);
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
  const rest = first + '0123456789';
  const bad = rest + '-./:@%$!?*&[](){}=+,;\\"\' \t';
  let s = '';
  for (let k = 0; k < len; k++) s += (good || r.bool(0.7)) ? (k ? rest : first)[r.int(k ? rest.length : first.length)] : bad[r.int(bad.length)];
  return s;
}

function number(r: Rng): string {
  switch (r.int(8)) {
    case 0: return String(r.int(100));
    case 1: return '0x' + r.int(0x10000).toString(16);
    case 2: return '-' + r.int(100);
    case 3: return '0x' + 'f'.repeat(1 + r.int(20));
    case 4: return String(r.u32()) + String(r.u32());
    case 5: return '0' + r.int(8).toString(8) + '9';
    case 6: return r.pick(['', '0x', '-', '+', '0b1', '1e3', '0X10', ' 1']);
    default: return String(r.int(4096));
  }
}

function fetchArg(r: Rng, depth = 0): string {
  switch (r.int(depth > 2 ? 8 : 11)) {
    case 0: case 1: return r.pick(REGS);
    case 2: return '@' + number(r);
    case 3: return '@+' + number(r);
    case 4: return '$stack' + (r.bool() ? String(r.int(40)) : '');
    case 5: return r.pick(['$retval', '$comm', '$arg1', '$stack', '$foo', '$', '$$', '$stack-1', '$stack99999999999']);
    case 6: return '\\' + number(r);
    case 7: return '\\"' + ident(r) + (r.bool(0.8) ? '"' : '');
    default: return (r.bool() ? '+' : '-') + (r.bool(0.2) ? 'u' : '') + number(r) + (r.bool(0.9) ? '(' : '') + fetchArg(r, depth + 1) + (r.bool(0.9) ? ')' : '');
  }
}

function arg(r: Rng): string {
  const name = r.bool(0.7) ? ident(r, r.bool(0.9)) + '=' : (r.bool(0.5) ? '' : '=');
  const type = r.bool(0.5) ? ':' + r.pick(TYPES) : '';
  return name + fetchArg(r) + type;
}

function place(r: Rng, c: ProbeGenContext): string {
  const path = r.bool(0.85) ? c.path : r.pick(['/nonexistent/file', '/tmp', '/dev/null', '', 'relative/path', c.path + 'x', '/proc/self/exe']);
  const off = r.bool(0.8) ? '0x' + r.int(Math.max(c.fileSize, 1)).toString(16) : number(r);
  let s = path + (r.bool(0.95) ? ':' : '') + off;
  if (r.bool(0.15)) s += '(' + (r.bool(0.8) ? number(r) : '') + (r.bool(0.8) ? ')' : '') + (r.bool(0.1) ? 'x' : '');
  if (r.bool(0.05)) s += r.pick(['%return', '+4', 'x', ':1']);
  return s;
}

/** One line of uprobe_events input. */
export function probeLine(r: Rng, c: ProbeGenContext): string {
  const mode = r.int(10);
  if (mode === 0) {
    // garbage: random printable or raw bytes
    const n = r.int(80);
    let s = '';
    for (let k = 0; k < n; k++) s += String.fromCharCode(r.bool(0.9) ? 32 + r.int(95) : r.int(256));
    return s;
  }
  if (mode === 1) {
    const ev = r.bool(0.8) ? ident(r) : ident(r, false);
    return '-:' + (r.bool(0.7) ? c.group + '/' : r.pick(['', '/', 'x/', ident(r) + '/'])) + ev + (r.bool(0.1) ? ' ' + place(r, c) : '');
  }
  const letter = r.bool(0.9) ? r.pick(['p', 'r']) : r.pick(['P', 'f', 'pr', 'x', '', 'p1', 'r99999']);
  let head = letter;
  if (r.bool(0.8)) {
    head += ':';
    const g = r.bool(0.85) ? c.group + '/' : r.pick(['', '/', ident(r, false) + '/', 'a'.repeat(70) + '/', '1g/']);
    const e = r.bool(0.85) ? ident(r) : ident(r, false);
    head += g + e;
  }
  const parts = [head, place(r, c)];
  for (let k = 0, n = r.pick([0, 0, 1, 2, 3, 5, 130]); k < n; k++) parts.push(arg(r));
  let line = parts.join(r.bool(0.95) ? ' ' : r.pick(['  ', '\t', ' \t ']));
  if (mode === 2 && line.length) {
    // near-valid: one character deleted, duplicated or replaced
    const at = r.int(line.length);
    const op = r.int(3);
    line = op === 0 ? line.slice(0, at) + line.slice(at + 1) : op === 1 ? line.slice(0, at) + line[at] + line.slice(at) : line.slice(0, at) + String.fromCharCode(32 + r.int(95)) + line.slice(at + 1);
  }
  if (r.bool(0.03)) line += ' # comment';
  return line;
}

export const fileExists: ParseOptions['fileExists'] = (p: string) => {
  try { const st = fs.statSync(p); return st.isFile() ? true : 'notregular'; } catch { return false; }
};

/** Parse one line: accepted, or refused with a well-formed TraceError. */
export function probeCase(line: string): { outcome: string; error?: string; err?: TraceError } {
  try {
    const cmd = parseCommand(line, { fileExists });
    return { outcome: `ok-${cmd.kind}` };
  } catch (e) {
    if (!(e instanceof TraceError)) {
      return { outcome: 'crash', error: e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 4).join('\n')}` : String(e) };
    }
    if (!(e.code in ERROR_TEXT) && !UNLOGGED.has(e.code)) return { outcome: 'bad-error', error: `unknown code ${e.code}` };
    if (e.logged) {
      const r = e.render().split('\n');
      if (r.length !== 3 || !r[2].endsWith('^')) return { outcome: 'bad-error', error: `render: ${JSON.stringify(e.render())}` };
      // The kernel itself can put the caret past the end (after a dereference its word offset keeps
      // counting); exact positions are checked against the live kernel (probes-kernel.ts). Here: sane.
      if (!(Number.isInteger(e.pos) && e.pos >= 0 && e.pos <= e.command.length + 256)) return { outcome: 'bad-error', error: `caret at ${e.pos} for a ${e.command.length}-char command` };
    }
    if (!/^E[A-Z0-9]+$/.test(e.errno)) return { outcome: 'bad-error', error: `errno ${e.errno}` };
    return { outcome: 'refused', err: e };
  }
}

export function fuzzProbes(c: ProbeGenContext, seed: number, budget: Budget): Stats & { codes: Record<string, number> } {
  const s = Object.assign(newStats('probe-definitions'), { codes: {} as Record<string, number> });
  loop(s, budget, k => {
    const cs = caseSeed(seed, k);
    const line = probeLine(new Rng(cs), c);
    const res = probeCase(line);
    count(s, res.outcome);
    if (res.err) s.codes[res.err.code] = (s.codes[res.err.code] ?? 0) + 1;
    if (res.error) s.failures.push({ seed: cs, what: JSON.stringify(line), detail: res.error, input: line });
  });
  return s;
}
