// execve as Linux does it for an ELF executable: map the PT_LOAD segments with their permissions (bss
// zeroed), set up brk after the image, and build the initial stack (argc, argv, envp, auxv, the strings,
// AT_RANDOM bytes) that glibc and musl start from. Addresses follow Linux with randomisation off.

import * as crypto from 'node:crypto';
import { ElfFile, ET_DYN, PF_R, PF_W, PF_X, PT_INTERP, PT_PHDR } from '../elf/elf';
import { Memory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, roundUp, FileBacking } from '../memory';
import { UserError } from '../errors';
import { LEAF1_EDX } from '../cpu/ops/cpuid';

/** Where Linux puts an ET_DYN executable with ASLR off (ELF_ET_DYN_BASE). */
export const ET_DYN_BASE = 0x555555554000;
/**
 * Top of the initial stack. Linux randomises it below TASK_SIZE; we keep it fixed but leave the last pages
 * free, as a randomised stack does, so that the uprobes XOL area lands at TASK_SIZE - PAGE_SIZE.
 */
export const STACK_TOP = 0x7ffffffde000;
export const STACK_SIZE = 8 * 1024 * 1024;
export const MMAP_BASE = 0x7ffff7fff000;

export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
  AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
  AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51;

export interface LoadedImage {
  bias: number;
  entry: number;
  /** First address after the image (brk starts here, page aligned). */
  end: number;
  phdr: number;
}

/**
 * Where Linux (ASLR off) loads an ET_DYN executable that has no interpreter (static-PIE): like an mmap
 * of the whole image, top-down from the mmap base.
 */
export function staticPieBase(elf: ElfFile): number {
  const loads = elf.loads();
  const first = Math.floor(loads[0].vaddr / PAGE_SIZE) * PAGE_SIZE;
  const last = loads[loads.length - 1];
  const span = roundUp(last.vaddr + last.memsz - first);
  const align = Math.max(PAGE_SIZE, ...loads.map(s => s.align || PAGE_SIZE));
  const base = Math.floor((MMAP_BASE - span) / align) * align;
  return base - first;
}

export function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/** Map an ELF image's segments. `ident` names the file for uprobes (dev:ino). */
export function mapImage(mem: Memory, elf: ElfFile, guestPath: string, ident: string, bias?: number): LoadedImage {
  if (bias === undefined) bias = elf.type !== ET_DYN ? 0 : elf.interp ? ET_DYN_BASE : staticPieBase(elf);
  let end = 0, phdr = 0;
  const loads = elf.loads();
  for (const s of loads) {
    const start = Math.floor((s.vaddr + bias) / PAGE_SIZE) * PAGE_SIZE;
    const pageOff = s.vaddr + bias - start;
    const fileStart = s.offset - pageOff;
    const fileLen = s.filesz + pageOff;
    const memLen = roundUp(s.memsz + pageOff);
    const fileMapLen = roundUp(fileLen);
    const prot = protOf(s.flags);
    const backing: FileBacking = { path: guestPath, ident, offset: fileStart };
    // The file part (the last page is zeroed past filesz: that is where bss begins).
    const bytes = elf.data.subarray(fileStart, fileStart + fileLen);
    if (fileMapLen > 0) mem.map(start, fileMapLen, prot, guestPath, backing, bytes);
    if (memLen > fileMapLen) mem.map(start + fileMapLen, memLen - fileMapLen, prot, '');
    end = Math.max(end, start + memLen);
    if (elf.phoff >= s.offset && elf.phoff < s.offset + s.filesz) phdr = s.vaddr + bias + (elf.phoff - s.offset);
  }
  const ph = elf.segments.find(s => s.type === PT_PHDR);
  if (ph) phdr = ph.vaddr + bias;
  return { bias, entry: elf.entry + bias, end, phdr };
}

export interface StackSetup {
  /** Strings, or byte strings (an execve passes the guest's bytes as they are). */
  argv: (string | Uint8Array)[];
  envp: (string | Uint8Array)[];
  execfn: string | Uint8Array;
  image: LoadedImage;
  elf: ElfFile;
  uid: number;
  gid: number;
  /** Base of the interpreter, if any (AT_BASE). */
  interpBase?: number;
  random?: Uint8Array;
}

/** Build the initial process stack; returns the initial rsp. */
export function setupStack(mem: Memory, st: StackSetup): number {
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE, '[stack]');
  const enc = (s: string | Uint8Array): Buffer => Buffer.concat([typeof s === 'string' ? Buffer.from(s, 'utf8') : s, Buffer.from([0])]);
  let p = STACK_TOP - 8; // a NULL word at the very top
  const put = (b: Uint8Array): number => { p -= b.length; mem.writeBytes(p, b); return p; };
  const execfn = put(enc(st.execfn));
  const envAddrs: number[] = [], argAddrs: number[] = [];
  for (let k = st.envp.length - 1; k >= 0; k--) envAddrs.unshift(put(enc(st.envp[k])));
  for (let k = st.argv.length - 1; k >= 0; k--) argAddrs.unshift(put(enc(st.argv[k])));
  if (p < STACK_TOP - 2 * 1024 * 1024) throw new UserError('argument list too long');
  p -= p % 16;
  const platform = put(enc('x86_64'));
  const random = put(st.random ?? crypto.randomBytes(16));
  p -= p % 16;
  const aux: [number, number][] = [
    [AT_HWCAP, LEAF1_EDX], [AT_PAGESZ, PAGE_SIZE], [AT_CLKTCK, 100], [AT_PHDR, st.image.phdr],
    [AT_PHENT, 56], [AT_PHNUM, st.elf.phnum], [AT_BASE, st.interpBase ?? 0], [AT_FLAGS, 0],
    [AT_ENTRY, st.elf.entry + st.image.bias], [AT_UID, st.uid], [AT_EUID, st.uid], [AT_GID, st.gid],
    [AT_EGID, st.gid], [AT_SECURE, 0], [AT_RANDOM, random], [AT_HWCAP2, 0], [AT_EXECFN, execfn],
    [AT_PLATFORM, platform], [AT_MINSIGSTKSZ, 2048], [AT_NULL, 0],
  ];
  const words: number[] = [st.argv.length, ...argAddrs, 0, ...envAddrs, 0];
  for (const [k, v] of aux) words.push(k, v);
  p -= words.length * 8;
  p -= p % 16;
  for (let k = 0; k < words.length; k++) mem.writePtr(p + 8 * k, words[k]);
  return p;
}

export { PT_INTERP };
