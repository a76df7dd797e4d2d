// execve as the kernel does it for a process of the guest: find the file (the path as given, relative to
// the cwd: searching PATH is the C library's job), follow `#!` lines to their interpreter, load the ELF
// executable (and its PT_INTERP) into a new address space, and only then, past the point of no return,
// replace the image: same pid, close-on-exec descriptors closed, caught signals back to their default.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Memory } from '../memory';
import { Cpu } from '../cpu/cpu';
import { ElfFile } from '../elf/elf';
import { UserError, GuestFault } from '../errors';
import { Process, loadProgram } from './process';
import { MMAP_BASE } from './exec';
import { resolvePath } from './syscalls/fs';
import { hostErrno } from './syscalls/errno';

const ENOENT = 2, E2BIG = 7, ENOEXEC = 8, ENOMEM = 12, EACCES = 13, ELOOP = 40;
/** Longest single argument or environment string (MAX_ARG_STRLEN, 32 pages). */
export const MAX_ARG_STRLEN = 32 * 4096;
/** Room for arguments and environment together: a quarter of the 8 MiB stack limit. */
export const MAX_ARG_BYTES = 2 * 1024 * 1024;
/** How many interpreters (`#!` lines) deep an exec may go before ELOOP. */
const MAX_INTERP_DEPTH = 5;
/** The kernel reads this much of a file to recognise it; a `#!` line must fit (BINPRM_BUF_SIZE). */
const BINPRM_BUF_SIZE = 256;
const AT_FDCWD = -100;

/**
 * Replace `p`'s image with the program at `filename` (host path resolution from `dirfd`), with
 * `argv` and `envp` as NUL-free byte strings. Returns 0 (the new image then runs) or a negative errno
 * (the old image goes on).
 */
export function execProgram(p: Process, filename: string, argv: Uint8Array[], envp: Uint8Array[], dirfd = AT_FDCWD): number {
  let size = 0;
  for (const s of [...argv, ...envp]) size += s.length + 1 + 8;
  if (size > MAX_ARG_BYTES) return -E2BIG;
  // Since Linux 5.18 an empty argv gets one empty string, so that argv[0] always exists.
  if (!argv.length) argv = [new Uint8Array(0)];
  const execfn = Buffer.from(filename, 'utf8');
  let name = filename;
  let hostPath = '';
  let elf: ElfFile | null = null;
  for (let depth = 0; !elf; depth++) {
    if (depth > MAX_INTERP_DEPTH) return -ELOOP;
    if (name === '') return -ENOENT;
    const hp = resolvePath(p, depth ? AT_FDCWD : dirfd, name);
    if (typeof hp === 'number') return hp;
    let st: fs.Stats;
    try { st = fs.statSync(hp); } catch (e) { return hostErrno(e); }
    if (!st.isFile()) return -EACCES;
    try { fs.accessSync(hp, fs.constants.X_OK); } catch { return -EACCES; }
    let data: Buffer;
    try { data = fs.readFileSync(hp); } catch (e) { return hostErrno(e); }
    if (data[0] === 0x23 && data[1] === 0x21) { // "#!"
      const line = scriptLine(data);
      if (!line) return -ENOEXEC;
      // The interpreter gets: its name as written, the optional argument, the script's path, argv[1...].
      argv = [Buffer.from(line.interp, 'latin1'), ...(line.arg !== null ? [Buffer.from(line.arg, 'latin1')] : []),
        Buffer.from(name, 'utf8'), ...argv.slice(1)];
      name = line.interp;
      continue;
    }
    try { elf = ElfFile.parse(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), hp); } catch (e) {
      if (e instanceof UserError) return -ENOEXEC;
      throw e;
    }
    hostPath = path.resolve(hp);
  }
  if (elf.interp) {
    // A missing program interpreter is ENOENT, the famously puzzling "No such file" for a file that exists.
    try { fs.statSync(elf.interp); } catch (e) { return hostErrno(e); }
  }
  // Build the new image aside; the old one is untouched until it is complete.
  const mem = new Memory(p.mem.account);
  const cpu = new Cpu(mem, p);
  let l: ReturnType<typeof loadProgram>;
  try {
    l = loadProgram(mem, cpu, elf, hostPath, argv, envp, execfn, MMAP_BASE);
  } catch (e) {
    mem.release();
    if (e instanceof GuestFault) return -ENOMEM; // the memory cap
    if (e instanceof UserError) return /too long/.test(e.message) ? -E2BIG : -ENOEXEC;
    throw e;
  }
  // comm is the basename of the file asked for (a script's own name, not its interpreter's).
  const comm = Buffer.from(path.basename(filename), 'utf8').toString('latin1').slice(0, 15);
  p.commitExec({ mem, cpu, elf, exePath: hostPath, image: l.image, interp: l.interp, brk: l.brk, argv, envp, comm });
  return 0;
}

/**
 * A `#!` line: the interpreter (up to the first blank) and everything after it as one optional argument,
 * blanks trimmed; null if there is no interpreter or the line does not fit in the kernel's buffer.
 */
export function scriptLine(data: Uint8Array): { interp: string; arg: string | null } | null {
  const head = Buffer.from(data.subarray(2, Math.min(data.length, BINPRM_BUF_SIZE)));
  let end = head.indexOf(0x0a);
  if (end < 0) {
    // No newline in the buffer: acceptable only if the interpreter's name ends inside it.
    end = head.length;
    const text = head.toString('latin1').replace(/^[ \t]+/, '');
    if (!/[ \t\0]/.test(text) && data.length > BINPRM_BUF_SIZE) return null;
  }
  const text = head.subarray(0, end).toString('latin1').replace(/\0.*$/s, '').replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  if (!text) return null;
  const m = /^(\S+)(?:[ \t]+(.*))?$/s.exec(text)!;
  return { interp: m[1], arg: m[2] !== undefined && m[2] !== '' ? m[2] : null };
}
