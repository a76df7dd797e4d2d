// From a source file to the program built from it: where to look (beside it, bin/, build/, the
// folder's bin/), how to tell (an ELF whose line table names the source), and how to build one when
// there is none (`as -g` + `ld -static` for assembly, `musl-gcc`/`gcc -g -O0 -static` for C).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { builtFrom } from './probeDefs';

export const ASM_LANGS = new Set(['gas-x86-64', 'asm', 'gas', 'asm-intel-x86-generic', 'asm-collection', 'arm', 'nasm']);
export const C_LANGS = new Set(['c', 'cpp']);
const ASM_EXT = /\.(s|S|sx|asm)$/;
const C_EXT = /\.(c|cc|cpp|cxx)$/;

export function isSourceFile(file: string, languageId?: string): boolean {
  return (languageId !== undefined && (ASM_LANGS.has(languageId) || C_LANGS.has(languageId))) || ASM_EXT.test(file) || C_EXT.test(file);
}

function isElfExecutable(f: string): boolean {
  try {
    const st = fs.statSync(f);
    if (!st.isFile() || st.size < 64 || st.size > 512 * 1024 * 1024) return false;
    const fd = fs.openSync(f, 'r');
    try {
      const b = Buffer.alloc(20);
      fs.readSync(fd, b, 0, 20, 0);
      // \x7fELF, 64-bit, little-endian, ET_EXEC or ET_DYN, x86-64
      return b.readUInt32BE(0) === 0x7f454c46 && b[4] === 2 && b[5] === 1 && (b.readUInt16LE(16) === 2 || b.readUInt16LE(16) === 3) && b.readUInt16LE(18) === 62;
    } finally { fs.closeSync(fd); }
  } catch { return false; }
}

/** Folders where a program built from `src` usually lands. */
function candidateDirs(src: string, folder?: string): string[] {
  const d = path.dirname(src);
  const dirs = [d, path.join(d, 'bin'), path.join(d, 'build'), path.join(d, '..', 'bin'), path.join(d, '..', 'build'), path.join(d, '..')];
  if (folder) dirs.push(folder, path.join(folder, 'bin'), path.join(folder, 'build'), path.join(folder, 'out'));
  return [...new Set(dirs.map(x => path.resolve(x)))].filter(x => { try { return fs.statSync(x).isDirectory(); } catch { return false; } });
}

export interface Found { program: string; stale: boolean }

/**
 * The program built from `src`: first a file of the same base name (`fixups` for `fixups.s`, also
 * `hello-c` for `hello.c`) that is an x86-64 ELF, then any ELF in those folders whose line table names
 * the source. `stale` when the source is newer than the program.
 */
export async function findProgram(src: string, folder?: string): Promise<Found | undefined> {
  const base = path.basename(src).replace(/\.[^.]+$/, '');
  const ext = path.extname(src).slice(1);
  const dirs = candidateDirs(src, folder);
  const names = [base, `${base}-${ext}`, `${base}.elf`, `${base}.out`];
  const checked = new Set<string>();
  const result = (p: string): Found => {
    let stale = false;
    try { stale = fs.statSync(src).mtimeMs > fs.statSync(p).mtimeMs + 1000; } catch { /* unknown */ }
    return { program: p, stale };
  };
  for (const d of dirs) {
    for (const n of names) {
      const p = path.join(d, n);
      checked.add(p);
      if (isElfExecutable(p) && await builtFrom(p, src)) return result(p);
    }
  }
  // Same base name without line information still counts (a program built without -g).
  for (const d of dirs) {
    for (const n of names) {
      const p = path.join(d, n);
      if (isElfExecutable(p)) return result(p);
    }
  }
  for (const d of dirs) {
    let entries: string[] = [];
    try { entries = fs.readdirSync(d); } catch { continue; }
    for (const n of entries.slice(0, 200)) {
      const p = path.join(d, n);
      if (checked.has(p) || !isElfExecutable(p)) continue;
      if (await builtFrom(p, src)) return result(p);
    }
  }
  return undefined;
}

function which(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const f = path.join(d, cmd);
    try { fs.accessSync(f, fs.constants.X_OK); return f; } catch { /* next */ }
  }
  return undefined;
}

export interface BuildPlan {
  output: string;
  steps: Array<{ cmd: string; args: string[] }>;
  /** One line describing it, for the offer. */
  describe: string;
}

/** Where a build puts its program: the sibling bin/ of a src/ folder, else bin/ beside it, else beside it. */
function outputFor(src: string): string {
  const d = path.dirname(src);
  const base = path.basename(src).replace(/\.[^.]+$/, '');
  const isDir = (x: string) => { try { return fs.statSync(x).isDirectory(); } catch { return false; } };
  const sib = path.join(d, '..', 'bin');
  if (path.basename(d) === 'src' && isDir(sib)) return path.resolve(sib, base);
  if (isDir(path.join(d, 'bin'))) return path.join(d, 'bin', base);
  return path.join(d, base);
}

/** How to build `src`, when the tools are here. */
export function buildPlan(src: string): BuildPlan | undefined {
  const out = outputFor(src);
  if (ASM_EXT.test(src)) {
    const as = which('as'), ld = which('ld'), gcc = which('gcc');
    let text = '';
    try { text = fs.readFileSync(src, 'utf8'); } catch { return undefined; }
    const hasStart = /(^|\s)_start\s*:/m.test(text) || /\.globl\s+_start\b/.test(text);
    const preprocess = /\.S$/.test(src) || /\.sx$/.test(src);
    if (hasStart && !preprocess && as && ld) {
      const obj = `${out}.o`;
      return {
        output: out,
        steps: [{ cmd: as, args: ['-g', '-o', obj, src] }, { cmd: ld, args: ['-static', '-o', out, obj] }],
        describe: `as -g ${path.basename(src)} && ld -static -o ${path.basename(out)}`,
      };
    }
    if (gcc) {
      const args = ['-g', '-static', ...(hasStart ? ['-nostdlib', '-nostartfiles'] : []), '-o', out, src];
      return { output: out, steps: [{ cmd: gcc, args }], describe: `gcc ${args.slice(0, -3).join(' ')} -o ${path.basename(out)} ${path.basename(src)}` };
    }
    return undefined;
  }
  if (C_EXT.test(src)) {
    const isCpp = !/\.c$/.test(src);
    const cc = isCpp ? which('g++') : (which('musl-gcc') ?? which('gcc'));
    if (!cc) return undefined;
    const args = ['-g', '-O0', '-static', '-o', out, src];
    return { output: out, steps: [{ cmd: cc, args }], describe: `${path.basename(cc)} -g -O0 -static -o ${path.basename(out)} ${path.basename(src)}` };
  }
  return undefined;
}

/** Run a build plan; resolves with the combined output, rejects with it on failure. */
export async function runBuild(plan: BuildPlan, cwd: string, log: (s: string) => void): Promise<void> {
  for (const s of plan.steps) {
    log(`$ ${[s.cmd, ...s.args].join(' ')}\n`);
    await new Promise<void>((resolve, reject) => {
      execFile(s.cmd, s.args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
        if (stdout) log(stdout);
        if (stderr) log(stderr);
        if (err) {
          // The first error line (assemblers and compilers start with a header line, "Assembler messages:").
          const lines = String(stderr).trim().split('\n');
          const first = lines.find(l => /error/i.test(l)) ?? lines[0];
          reject(new Error(`${path.basename(s.cmd)} failed${first ? `: ${first}` : ''}`));
        }
        else resolve();
      });
    });
  }
  if (plan.steps[0] && plan.steps.length > 1) {
    try { fs.unlinkSync(`${plan.output}.o`); } catch { /* kept */ }
  }
}
