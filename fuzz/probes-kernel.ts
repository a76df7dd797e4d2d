// Differential check of generated uprobe_events lines against the live kernel (tracefs, root): for each
// line the kernel refuses, its errno and error_log entry must equal what parseCommand throws; a line the
// kernel accepts must be accepted. Lines that could touch other users' events are never written
// (deletions outside our group, several lines in one); whatever a write creates is deleted at once.

import * as fs from 'node:fs';
import { Rng, caseSeed } from './rng';
import { probeLine, ProbeGenContext, fileExists } from './probes';
import { parseCommand, TraceError } from '../engine/trace';

const T = '/sys/kernel/tracing';

export function haveKernelTracefs(): boolean {
  return process.getuid?.() === 0 && fs.existsSync(`${T}/uprobe_events`);
}

function events(): Set<string> {
  return new Set(fs.readFileSync(`${T}/uprobe_events`, 'latin1').split('\n').filter(Boolean));
}

function write(line: string): string | undefined {
  try { fs.writeFileSync(`${T}/uprobe_events`, Buffer.from(line + '\n', 'latin1'), { flag: 'a' }); return undefined; } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'E?';
  }
}

/** The newest error_log entry, with its timestamp (unique per entry; the log keeps only a few). */
function lastErrorRaw(): string {
  const l = fs.readFileSync(`${T}/error_log`, 'latin1').split('\n').filter(Boolean);
  return l.slice(-3).join('\n');
}

/**
 * The entry our write produced: the newest one whose command is this line's words joined by spaces
 * (another test may log in between); failing that, the newest entry.
 */
function entryFor(line: string): string {
  const l = fs.readFileSync(`${T}/error_log`, 'latin1').split('\n').filter(Boolean);
  // The kernel's white space: the ASCII one and Latin-1 0xa0.
  const cmd = `  Command: ${line.split('#')[0].split(/[ \t\n\v\f\r\xa0]+/).filter(Boolean).join(' ')}`;
  for (let i = l.length - 2; i >= 1; i--) if (l[i] === cmd && /^\[[ \d.]+\] /.test(l[i - 1])) return l.slice(i - 1, i + 2).join('\n');
  return l.slice(-3).join('\n');
}

/**
 * Delete the events that appeared since `before` and that this fuzzer may have made: those of `group`,
 * of a group named in `line`, and any outside the tests' `ultest_*` groups (other tests running at the
 * same time keep theirs).
 */
function removeNew(before: Set<string>, group: string, line = ''): void {
  for (const ev of events()) {
    if (before.has(ev)) continue;
    const name = ev.split(/\s+/)[0].slice(2);
    const g = name.split('/')[0];
    if (g === group || !g.startsWith('ultest_') || line.includes(`${g}/`)) write(`-:${name}`);
  }
}

export interface KernelDiff { line: string; kernel: string; ours: string }

/**
 * Differences found by this fuzzer and reported, not yet fixed in engine/trace; narrow, so that the
 * rest stays checked. Remove an entry when its bug is fixed. (None at the moment: the type-cast
 * dereference `+1((%ax))` now gets the kernel's ENOTSUP "BTF is not available", and lines are parsed as
 * the very bytes written to the kernel, so 0xa0 separates words in both.)
 */
export function knownDifference(_d: KernelDiff): boolean {
  return false;
}

/** Compare `n` generated lines with the kernel; returns the lines where they disagree. */
export function compareWithKernel(c: ProbeGenContext, seed: number, n: number): { tried: number; diffs: KernelDiff[] } {
  const diffs: KernelDiff[] = [];
  let tried = 0;
  const before = events();
  const group = c.group;
  try {
    for (let k = 0; tried < n && k < n * 20; k++) {
      const line = probeLine(new Rng(caseSeed(seed, k)), c);
      if (/[\n\0]/.test(line) || line.length > 3000) continue;
      if (line.trimStart().startsWith('-') && !line.trimStart().startsWith(`-:${c.group}/`)) continue;
      tried++;
      const d = compareLine(line, c.group);
      if (d) diffs.push(d);
    }
  } finally {
    removeNew(before, group);
  }
  return { tried, diffs };
}

/** Write one line to the kernel and parse it here; the difference, if any. Cleans up what it creates. */
export function compareLine(line: string, group: string): KernelDiff | undefined {
  const before = events();
  try {
    let ours: string;
    // The same bytes the kernel gets (write() below sends the line as latin1).
    try { parseCommand(Buffer.from(line, 'latin1'), { fileExists }); ours = 'accepted'; } catch (e) {
      if (!(e instanceof TraceError)) return { line, kernel: '?', ours: `host exception ${String(e)}` };
      ours = `${e.errno}${e.logged ? '\n' + e.render() : ''}`;
    }
    const mark = lastErrorRaw();
    const errno = write(line);
    let kernel: string;
    if (errno === undefined) kernel = 'accepted';
    else {
      const now = lastErrorRaw();
      kernel = `${errno}${now !== mark ? '\n' + entryFor(line).replace(/^\[[ \d.]+\] /, '') : ''}`;
    }
    // Remove whatever the write created (our group's events, or any event that appeared).
    removeNew(before, group, line);
    // Registration-time refusals (an event of that name already exists...) depend on state: skip.
    if (ours !== kernel && !(ours === 'accepted' && /^(EEXIST|EBUSY|ENOENT)$/.test(kernel))) return { line, kernel, ours };
    return undefined;
  } finally {
    removeNew(before, group, line);
  }
}
