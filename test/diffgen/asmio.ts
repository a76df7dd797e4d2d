// Pieces of the generated differential-test programs that every harness shares: writing the output
// buffer to stdout (looping over short writes) and exiting, and the input/output data sections.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../util';

/** Write outLen bytes from `outbuf` to stdout, then exit 0. */
export function writeOutAndExit(outLen: number): string[] {
  return ['  lea outbuf(%rip), %rsi', `  mov $${outLen}, %r12`, '2:', '  mov $1, %eax', '  mov $1, %edi', '  mov %r12, %rdx',
    '  syscall', '  test %rax, %rax', '  jle 3f', '  add %rax, %rsi', '  sub %rax, %r12', '  jnz 2b', '3:',
    '  mov $60, %eax', '  xor %edi, %edi', '  syscall'];
}

/** `indata` (the cases, from a file next to the program) and a zeroed `outbuf` of outLen bytes. */
export function dataSections(prefix: string, cases: Buffer[], outLen: number): string[] {
  const data = path.join(tmpDir(prefix), 'inputs.bin');
  fs.writeFileSync(data, Buffer.concat(cases));
  return ['.data', '.balign 16', `indata: .incbin "${data}"`, '.bss', '.balign 64', `outbuf: .space ${outLen}`];
}
