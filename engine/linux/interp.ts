// The program interpreter (PT_INTERP) of a dynamically linked executable, loaded as Linux's
// load_elf_interp does with randomisation off: the host's file (read-only), mapped like one mmap of the
// whole image, top-down from the mmap base, each PT_LOAD segment with its own protection. The process
// then starts at the interpreter's entry point; ld.so maps the libraries itself through the syscalls.

import * as fs from 'node:fs';
import { ElfFile, ET_DYN } from '../elf/elf';
import { Memory, PAGE_SIZE, PROT_EXEC, PROT_READ, roundUp } from '../memory';
import { UserError } from '../errors';
import { mapImage, LoadedImage } from './exec';
import { fileIdent } from './files';

export interface LoadedInterp {
  elf: ElfFile;
  image: LoadedImage;
  /** Host path the interpreter was read from (symlinks resolved, as /proc/PID/maps names it). */
  path: string;
}

/** Bytes an image spans in memory, from its first segment's page to its last segment's end. */
function imageSpan(elf: ElfFile): { first: number; span: number } {
  const loads = elf.loads();
  const first = Math.floor(loads[0].vaddr / PAGE_SIZE) * PAGE_SIZE;
  const last = loads[loads.length - 1];
  return { first, span: roundUp(last.vaddr + last.memsz - first) };
}

/**
 * Load the interpreter named by PT_INTERP below `top` (the mmap base). Returns where it went. An ET_EXEC
 * interpreter (unusual) is mapped at its own addresses.
 */
export function loadInterp(mem: Memory, name: string, top: number): LoadedInterp {
  let real: string, data: Buffer;
  try {
    real = fs.realpathSync(name);
    data = fs.readFileSync(real);
  } catch (e) {
    throw new UserError(`cannot load the program interpreter ${JSON.stringify(name).slice(1, -1)} (${(e as NodeJS.ErrnoException).code})`);
  }
  const elf = ElfFile.parse(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), real);
  if (elf.interp) throw new UserError(`${name}: the program interpreter itself has an interpreter`);
  if (elf.loads().length === 0) throw new UserError(`${name}: no loadable segments`);
  let bias = 0;
  if (elf.type === ET_DYN) {
    const { first, span } = imageSpan(elf);
    const at = mem.findFree(span, top);
    if (at < 0) throw new UserError(`${name}: no room for the program interpreter`);
    bias = at - first;
  }
  const image = mapImage(mem, elf, real, fileIdent(real), bias);
  return { elf, image, path: real };
}

/**
 * The vDSO area Linux maps right below the interpreter ([vvar], [vvar_vclock], [vdso]; 6.x sizes). The
 * emulator provides no vDSO (no AT_SYSINFO_EHDR: libc makes real system calls), but reserves the same
 * pages so that the libraries ld.so maps afterwards land where they do on Linux with ASLR off.
 */
export const VVAR_PAGES = 4, VVAR_VCLOCK_PAGES = 2, VDSO_PAGES = 2;

export function reserveVdso(mem: Memory, top: number): void {
  const total = (VVAR_PAGES + VVAR_VCLOCK_PAGES + VDSO_PAGES) * PAGE_SIZE;
  const at = mem.findFree(total, top);
  if (at < 0) return;
  let p = at;
  mem.map(p, VVAR_PAGES * PAGE_SIZE, PROT_READ, '[vvar]'); p += VVAR_PAGES * PAGE_SIZE;
  mem.map(p, VVAR_VCLOCK_PAGES * PAGE_SIZE, PROT_READ, '[vvar_vclock]'); p += VVAR_VCLOCK_PAGES * PAGE_SIZE;
  mem.map(p, VDSO_PAGES * PAGE_SIZE, PROT_READ | PROT_EXEC, '[vdso]');
}
