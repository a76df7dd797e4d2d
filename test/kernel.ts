// The kernel's own uprobes as an oracle: define events through tracefs, run a program natively, read
// the trace. Each caller uses its own group so that tests (and other users) don't see each other's lines.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

export const TRACEFS = '/sys/kernel/tracing';

export function haveTracefs(): boolean {
  if (process.getuid?.() !== 0) return false;
  if (!fs.existsSync(`${TRACEFS}/uprobe_events`)) {
    spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
  }
  return fs.existsSync(`${TRACEFS}/uprobe_events`);
}

function append(file: string, line: string): void {
  fs.appendFileSync(`${TRACEFS}/${file}`, line + '\n');
}

let counter = 0;
/** A group name unique to this process and call. */
export function uniqueGroup(prefix = 'ultest'): string {
  return `${prefix}_${process.pid}_${counter++}`;
}

/** Replace the group of a definition (`p:EVENT ...`, `p:GRP/EVENT ...`, `p ...`) with `group`. */
export function withGroup(def: string, group: string): string {
  const m = /^([pr])(?::(?:([^/\s]+)\/)?(\S*))?\s+(.*)$/.exec(def.trim());
  if (!m) throw new Error(`bad definition in test: ${def}`);
  if (!m[3]) throw new Error(`test definitions must name their event: ${def}`);
  return `${m[1]}:${group}/${m[3]} ${m[4]}`;
}

export interface KernelRun { lines: string[]; status: number | null; stdout: string; profile: string[]; seconds: number }

/**
 * Register `defs` (each with an explicit event name; the group is replaced by a unique one), run `exe`
 * natively, and return the trace lines of that group.
 */
export function kernelTrace(exe: string, defs: string[], args: string[] = [], input?: string): KernelRun {
  const group = uniqueGroup();
  const mine = defs.map(d => withGroup(d, group));
  const inst = `${TRACEFS}/instances/${group}`;
  try {
    for (const d of mine) {
      try { append('uprobe_events', d); } catch (e) {
        const log = fs.readFileSync(`${TRACEFS}/error_log`, 'utf8').trim().split('\n').slice(-3).join('\n');
        throw new Error(`kernel refused '${d}': ${(e as Error).message}\n${log}`);
      }
    }
    // A trace instance of our own: its ring buffer is not shared with tests running at the same time (a
    // probe on libc in another test fires in every process and would overwrite the global buffer).
    fs.mkdirSync(inst);
    // Enabled one by one, last defined first: each registration puts its consumer at the head of the
    // probe's list, so handlers at one address run in definition order, as when the whole group is
    // enabled at once at the top level (where the tests' expectations come from).
    for (const d of [...mine].reverse()) fs.writeFileSync(`${inst}/events/${group}/${d.split(/\s+/)[0].split('/')[1]}/enable`, '1');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(exe, args, { input, env: {}, maxBuffer: 1 << 26 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    fs.writeFileSync(`${inst}/events/${group}/enable`, '0');
    const trace = fs.readFileSync(`${inst}/trace`, 'utf8').split('\n');
    const names = new Set(mine.map(d => d.split(/\s+/)[0].split('/')[1]));
    // The kernel prints a task's comm from its saved_cmdlines cache, recorded at a later context switch;
    // when that did not happen before the trace is read (a short run racing its own exit), the line
    // shows `<...>` for it. The comm is then the one the kernel gives every exec'd program: its file
    // name, cut to 15 bytes, which is what is put back here.
    const comm = path.basename(exe).slice(0, 15);
    const lines = trace.filter(l => !l.startsWith('#') && l.trim() && [...names].some(n => l.includes(` ${n}: (`)) &&
      l.includes(`-${r.pid}`)).map(l => l.replace(new RegExp(`^(\\s*)<\\.\\.\\.>-${r.pid} `), `$1${comm}-${r.pid} `));
    const profile = fs.readFileSync(`${TRACEFS}/uprobe_profile`, 'utf8').split('\n').filter(l => [...names].some(n => new RegExp(`\\s${n}\\s`).test(l)));
    return { lines, status: r.status, stdout: r.stdout.toString('latin1'), profile, seconds };
  } finally {
    try { fs.writeFileSync(`${inst}/events/${group}/enable`, '0'); } catch { /* not created */ }
    try { fs.rmdirSync(inst); } catch { /* not created */ }
    for (const d of mine) {
      const name = d.split(/\s+/)[0].slice(2);
      try { append('uprobe_events', `-:${name}`); } catch { /* not created */ }
    }
  }
}

/**
 * A trace line without what legitimately differs between runs: timestamp, pid, cpu, and the latency
 * flags column. That column shows the kernel's own interrupt/preemption state when the event was
 * recorded: it reads `DBZff` for almost every uprobe hit, but a hit that comes right after a page fault
 * can read `dl.ff`, so it is state of the host kernel, not of the traced program.
 */
export function normalize(line: string): string {
  const m = /^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+): (.*)$/.exec(line);
  if (!m) return line;
  return `${m[1].trim()} ${m[6]}`;
}
