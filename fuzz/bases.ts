// The real executables the fuzzers start from, built from source (small asm, C with glibc and musl,
// static-PIE when the toolchain supports it).

import * as fs from 'node:fs';
import { buildAsm, buildC, have } from '../test/util';
import type { Base } from './elf-campaign';

export const ASM_HELLO = `
.globl _start
.data
msg: .ascii "hi\\n"
.bss
buf: .space 65536
.text
_start:
  mov $1, %eax
  mov $1, %edi
  lea msg(%rip), %rsi
  mov $3, %edx
  syscall
  movb $1, buf+4096(%rip)
  mov $60, %eax
  xor %edi, %edi
  syscall
`;

export const C_HELLO = `
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) { char *p = malloc(100); printf("hello %d %p\\n", argc, (void*)p); return 0; }
`;

export function buildBases(): Base[] {
  const out: Base[] = [];
  const add = (name: string, exe: string | undefined) => { if (exe) out.push({ name, data: new Uint8Array(fs.readFileSync(exe)) }); };
  add('asm', buildAsm(ASM_HELLO, 'asm-hello'));
  if (have('gcc')) {
    add('glibc', buildC(C_HELLO, 'c-hello', { flags: ['-O1', '-static'] }));
    try { add('static-pie', buildC(C_HELLO, 'c-pie', { flags: ['-O1', '-static-pie'] })); } catch { /* toolchain without static-pie */ }
  }
  if (have('musl-gcc')) add('musl', buildC(C_HELLO, 'c-musl', { cc: 'musl-gcc', flags: ['-O1', '-static'] }));
  return out;
}
