// Which opcodes each era's kernel agrees to probe in a 64-bit process. The kernel keeps these as 256-bit
// bitmaps indexed by the first opcode byte after the prefixes (and, in 2012, by the second byte of a
// 0f-escaped opcode). Here each table is written as the list of refused bytes, each with why.
//
// Bytes that can never be an opcode in 64-bit mode (legacy prefixes, REX, the VEX/EVEX escapes of the
// era's decoder) are still listed where the kernel's bitmap has them clear; they are unreachable.

const PORT_IO = 'port I/O';
const INVALID64 = 'not valid in 64-bit mode';

function table(entries: Array<[number | [number, number], string]>): ReadonlyMap<number, string> {
  const m = new Map<number, string>();
  for (const [k, why] of entries) {
    if (typeof k === 'number') m.set(k, why);
    else for (let b = k[0]; b <= k[1]; b++) m.set(b, why);
  }
  return m;
}

/** One-byte opcodes today's kernel refuses (good_insns_64 bits that are clear). 0x0f is allowed, so
 *  every 0f-escaped (two- and three-byte) opcode passes this check and the kernel's two-byte bitmap is
 *  never consulted for 64-bit code. */
export const REFUSED_1BYTE_CURRENT = table([
  [[0x06, 0x07], `push/pop %es: ${INVALID64}`],
  [0x0e, `push %cs: ${INVALID64}`],
  [[0x16, 0x17], `push/pop %ss: ${INVALID64}`],
  [[0x1e, 0x1f], `push/pop %ds: ${INVALID64}`],
  [0x27, `daa: ${INVALID64}`], [0x2f, `das: ${INVALID64}`], [0x37, `aaa: ${INVALID64}`], [0x3f, `aas: ${INVALID64}`],
  [[0x60, 0x61], `pusha/popa: ${INVALID64}`],
  [0x62, 'bound / EVEX escape'],
  [[0x6c, 0x6f], `string ${PORT_IO}`],
  [0x82, `group-1 alias: ${INVALID64}`],
  [0x9a, 'far call to an immediate pointer'],
  [0xcc, 'int3: breakpoint'],
  [0xcd, 'int N: software interrupt'],
  [0xce, 'into'],
  [0xcf, 'iret'],
  [[0xd4, 0xd5], `aam/aad: ${INVALID64}`],
  [0xd6, 'salc: undefined opcode'],
  [[0xe4, 0xe7], PORT_IO],
  [0xea, 'far jump to an immediate pointer'],
  [[0xec, 0xef], PORT_IO],
  [0xf1, 'int1/icebp: debug trap'],
  [0xf4, 'hlt: privileged'],
  [0xfa, 'cli: privileged'],
  [0xfb, 'sti: privileged'],
]);

/** One-byte opcodes the 2012 (3.5) kernel refused. Unlike today, 0x0f is clear here, so 0f-escaped
 *  opcodes go on to REFUSED_2BYTE_2012; three-byte opcodes (0f 38 xx, 0f 3a xx) are refused outright. */
export const REFUSED_1BYTE_2012 = table([
  [[0x06, 0x07], `push/pop %es: ${INVALID64}`],
  [0x0e, `push %cs: ${INVALID64}`],
  [0x0f, 'two-byte escape'],
  [[0x16, 0x17], `push/pop %ss: ${INVALID64}`],
  [[0x1e, 0x1f], `push/pop %ds: ${INVALID64}`],
  [0x26, 'es prefix'], [0x27, `daa: ${INVALID64}`], [0x2e, 'cs prefix'], [0x2f, `das: ${INVALID64}`],
  [0x36, 'ss prefix'], [0x37, `aaa: ${INVALID64}`], [0x3e, 'ds prefix'], [0x3f, `aas: ${INVALID64}`],
  [[0x40, 0x4f], 'REX prefix'],
  [[0x60, 0x61], `pusha/popa: ${INVALID64}`],
  [0x62, `bound: ${INVALID64} (this decoder has no EVEX)`],
  [0x66, 'operand-size prefix'], [0x67, 'address-size prefix'],
  [[0x6c, 0x6f], `string ${PORT_IO}`],
  [0x82, `group-1 alias: ${INVALID64}`],
  [[0xc4, 0xc5], 'les/lds (VEX escape)'],
  [0xcc, 'int3: breakpoint'],
  [0xcd, 'int N: software interrupt'],
  [0xce, 'into'],
  [0xcf, 'iret'],
  [[0xd4, 0xd5], `aam/aad: ${INVALID64}`],
  [0xd6, 'salc: undefined opcode'],
  [[0xe4, 0xe7], PORT_IO],
  [[0xec, 0xef], PORT_IO],
  [0xf0, 'lock prefix'],
  [0xf1, 'int1/icebp: debug trap'],
  [0xf4, 'hlt: privileged'],
  [0xfa, 'cli: privileged'],
  [0xfb, 'sti: privileged'],
]);

/** Second bytes of 0f xx opcodes the 2012 kernel refused (its good_2byte_insns bits that are clear). */
export const REFUSED_2BYTE_2012 = table([
  [0x00, 'system group (sldt/str/lldt/ltr/verr/verw)'],
  [0x01, 'system group (sgdt/sidt/lgdt/lidt/smsw/lmsw/invlpg, xgetbv, rdtscp...)'],
  [0x02, 'lar'], [0x03, 'lsl'], [0x04, 'undefined'],
  [0x05, 'syscall'], [0x06, 'clts: privileged'], [0x07, 'sysret'],
  [0x08, 'invd: privileged'], [0x09, 'wbinvd: privileged'], [0x0a, 'undefined'], [0x0b, 'ud2'],
  [0x0c, 'undefined'], [0x0d, 'prefetch (3DNow!)'],
  [0x18, 'prefetch hint group'],
  [[0x24, 0x27], 'test-register moves / undefined'],
  [0x30, 'wrmsr: privileged'],
  [0x34, 'sysenter'], [0x35, 'sysexit'], [0x36, 'undefined'], [0x37, 'getsec'],
  [0x38, 'three-byte opcode map'], [0x39, 'undefined'], [0x3a, 'three-byte opcode map'],
  [[0x3b, 0x3f], 'undefined'],
  [0x78, 'vmread'], [0x79, 'vmwrite'], [[0x7a, 0x7b], 'undefined'], [[0x7c, 0x7d], 'haddp/hsubp (SSE3)'],
  [[0xa6, 0xa7], 'undefined'],
  [0xae, 'fxsave/fxrstor/ldmxcsr/stmxcsr/clflush/fence group'],
  [0xb8, 'popcnt / jmpe'],
  [0xd0, 'addsubp (SSE3)'],
  [0xf0, 'lddqu (SSE3)'],
  [0xff, 'ud0'],
]);

/** Prefix bytes both eras refuse wherever they appear among an instruction's legacy prefixes. */
export const BAD_PREFIXES: ReadonlyMap<number, string> = new Map([
  [0x26, 'es segment prefix'], [0x2e, 'cs segment prefix'], [0x36, 'ss segment prefix'],
  [0x3e, 'ds segment prefix'], [0xf0, 'lock prefix'],
]);

/** The 64-bit kernel's own nop encodings (x86_nops[1..8]); today a probe on exactly one of these byte
 *  strings is emulated as a jump to the next instruction. */
export const X86_NOPS_64: ReadonlyArray<Uint8Array> = [
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
].map((a) => Uint8Array.from(a));

/** Index n (1..8) if `insn` is exactly x86_nops[n], else 0. */
export function x86NopIndex(insn: Uint8Array): number {
  for (let k = 0; k < X86_NOPS_64.length; k++) {
    const nop = X86_NOPS_64[k];
    if (nop.length !== insn.length) continue;
    let i = 0;
    while (i < nop.length && insn[i] === nop[i]) i++;
    if (i === nop.length) return nop.length;
  }
  return 0;
}
