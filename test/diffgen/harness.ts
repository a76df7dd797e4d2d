// Differential testing of integer instructions against the host CPU.
//
// A batch of cases becomes one GAS program. Each case loads a 128-byte memory area, RFLAGS and all 16
// general registers from a record in .data, executes the instruction(s) under test, then stores every
// register and RFLAGS into a dump area, copies the memory area after them and write()s the whole record
// (264 bytes) to stdout. The same static binary runs natively and in the emulator; the records and the
// exit statuses must agree. RFLAGS is masked to CF PF AF ZF SF OF DF in the program. Data sits at a
// fixed address (-Tdata) so that two programs with different code (runBatch's emuCases) agree on every
// data address.

import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { ElfFile } from '../../engine/elf/elf';
import { GPR_NAMES } from '../../engine/cpu/regs';
import { buildAsm, CLI, EMU_ENV } from '../util';

export const MEM_BYTES = 128;
export const RECORD_BYTES = 16 * 8 + 8 + MEM_BYTES;
export const FLAG_MASK = 0xcd5;

export interface Case {
  /** The instruction(s) under test (GAS, AT&T syntax; several separated by ';' or newlines). */
  asm: string;
  /** Register inputs: numbers as bigint (taken modulo 2^64) or GAS expressions such as 'mem+16'. */
  regs?: Partial<Record<string, bigint | string>>;
  /** RFLAGS input: any of CF PF AF ZF SF OF DF. */
  flags?: number;
  /** Initial contents of the memory area as qwords (missing ones get a fixed pattern). */
  mem?: bigint[];
  /** Why the case exists (printed on mismatch). */
  note?: string;
}

const M64 = (1n << 64n) - 1n;
export const hex64 = (v: bigint): string => '0x' + (v & M64).toString(16).padStart(16, '0');

/** Default register contents: distinct patterns so that stray writes show. rsp gets the scratch stack. */
export function defaultReg(n: number): bigint {
  const b = BigInt(0x11 * (n + 1) & 0xff);
  let v = 0n;
  for (let k = 0n; k < 8n; k++) v |= ((b + k * 0x13n) & 0xffn) << (8n * k);
  return v;
}

export function defaultMem(q: number): bigint {
  let v = 0n;
  for (let k = 0; k < 8; k++) v |= BigInt((q * 8 + k) * 37 + 11 & 0xff) << BigInt(8 * k);
  return v;
}

const POP_ORDER = GPR_NAMES.filter(r => r !== 'rsp');

function regInput(c: Case, name: string): string {
  const v = c.regs?.[name];
  if (v === undefined) return name === 'rsp' ? 'stk_top' : hex64(defaultReg(GPR_NAMES.indexOf(name)));
  return typeof v === 'bigint' ? hex64(v) : v;
}

/**
 * Build the GAS source running `cases` in order, then exit_group(0). Per case the inline code is
 * small (the loading and saving live in shared routines) so that big batches assemble and decode fast:
 *   movq $inN, cur_in; call load; <instructions>; mov %rsp, saved_rsp; mov $dstk_top, %rsp; call save
 * `load` copies the memory area, then pops RFLAGS and the registers (rsp last) from the record and
 * returns with an indirect jump, so that nothing but the record's values reaches the instruction.
 */
export function programSource(cases: Case[]): string {
  const text: string[] = ['  .text', '  .globl _start', '_start:'];
  const data: string[] = ['  .data', '  .align 8'];
  cases.forEach((c, n) => {
    text.push(`# case ${n}`, `  movq $in${n}, cur_in`, '  call load');
    for (const l of c.asm.split(/[;\n]/)) if (l.trim()) text.push(`  ${l.trim()}`);
    text.push('  mov %rsp, saved_rsp', '  mov $dstk_top, %rsp', '  call save');
    const words: string[] = [];
    for (let q = 0; q < MEM_BYTES / 8; q++) words.push(hex64(c.mem?.[q] ?? defaultMem(q)));
    words.push('0x' + ((c.flags ?? 0) & FLAG_MASK | 2).toString(16));
    for (const r of POP_ORDER) words.push(regInput(c, r));
    words.push(regInput(c, 'rsp'));
    data.push(`in${n}:`);
    for (let k = 0; k < words.length; k += 6) data.push('  .quad ' + words.slice(k, k + 6).join(', '));
  });
  text.push('  mov $231, %eax', '  xor %edi, %edi', '  syscall');
  text.push('load:', '  popq cur_ret', '  mov cur_in, %rsi', '  mov $mem, %edi', `  mov $${MEM_BYTES / 8}, %ecx`,
    '1: mov (%rsi), %rax', '  mov %rax, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 1b',
    '  mov %rsi, %rsp', '  popfq');
  for (const r of POP_ORDER) text.push(`  pop %${r}`);
  text.push('  pop %rsp', '  jmp *cur_ret');
  text.push('save:', '  pushfq', '  popq dump+128');
  GPR_NAMES.forEach((r, k) => { if (r !== 'rsp') text.push(`  mov %${r}, dump+${8 * k}`); });
  text.push('  mov saved_rsp, %rax', '  mov %rax, dump+32',
    `  andq $${FLAG_MASK}, dump+128`,
    '  mov $mem, %esi', '  mov $dump+136, %edi', `  mov $${MEM_BYTES / 8}, %ecx`,
    '1: mov (%rsi), %rax', '  mov %rax, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 1b',
    '  mov $1, %eax', '  mov $1, %edi', '  mov $dump, %esi', `  mov $${RECORD_BYTES}, %edx`, '  syscall', '  ret');
  const bss = ['  .bss', '  .align 64', 'mem_guard_lo: .skip 64', `mem: .skip ${MEM_BYTES}`, 'mem_guard_hi: .skip 64',
    'saved_rsp: .skip 8', 'cur_in: .skip 8', 'cur_ret: .skip 8', '  .align 16', 'stk: .skip 4096', 'stk_top:',
    'dstk: .skip 256', 'dstk_top:', `dump: .skip ${RECORD_BYTES}`];
  return [...text, ...data, ...bss, ''].join('\n');
}

export interface Dump { regs: bigint[]; flags: number; mem: Buffer }

export function parseRecord(b: Buffer, off: number): Dump {
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(b.readBigUInt64LE(off + 8 * r));
  return { regs, flags: Number(b.readBigUInt64LE(off + 128)), mem: b.subarray(off + 136, off + RECORD_BYTES) };
}

export function flagText(f: number): string {
  const names: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x800, 'OF'], [0x400, 'DF']];
  const s = names.filter(([b]) => f & b).map(([, n]) => n).join(' ');
  return `${f.toString(16)} [${s}]`;
}

function describeInputs(c: Case): string {
  const regs = Object.entries(c.regs ?? {}).map(([k, v]) => `${k}=${typeof v === 'bigint' ? hex64(v) : v}`);
  const mem = (c.mem ?? []).map((v, q) => `mem+${q * 8}=${hex64(v)}`);
  return [...regs, ...mem, `flags=${flagText((c.flags ?? 0) & FLAG_MASK)}`].join(' ');
}

/**
 * Compare the native and emulated output streams of a batch. Returns a list of mismatch descriptions
 * (empty when they agree), naming the case, its inputs and the differing registers/flags/memory.
 */
export function compareStreams(cases: Case[], nat: Buffer, emu: Buffer, limit = Number(process.env.DIFF_LIMIT ?? 8)): string[] {
  const out: string[] = [];
  const n = Math.max(nat.length, emu.length) / RECORD_BYTES;
  for (let k = 0; k < Math.ceil(n) && out.length < limit; k++) {
    const c = cases[k];
    const head = () => `case ${k}: \`${c?.asm}\`${c?.note ? ` (${c.note})` : ''} inputs: ${c ? describeInputs(c) : '?'}`;
    const o = k * RECORD_BYTES;
    if (o + RECORD_BYTES > nat.length || o + RECORD_BYTES > emu.length) {
      out.push(`${head()}: output ends early (${o + RECORD_BYTES > nat.length ? 'native' : 'emulated'} stream has ${Math.floor((Math.min(nat.length, emu.length)) / RECORD_BYTES)} records)`);
      break;
    }
    const a = parseRecord(nat, o), b = parseRecord(emu, o);
    const diffs: string[] = [];
    for (let r = 0; r < 16; r++) {
      if (a.regs[r] !== b.regs[r]) diffs.push(`${GPR_NAMES[r]} native ${hex64(a.regs[r])} emulated ${hex64(b.regs[r])}`);
    }
    if (a.flags !== b.flags) diffs.push(`flags native ${flagText(a.flags)} emulated ${flagText(b.flags)}`);
    for (let q = 0; q < MEM_BYTES; q += 8) {
      const x = a.mem.readBigUInt64LE(q), y = b.mem.readBigUInt64LE(q);
      if (x !== y) diffs.push(`mem+${q} native ${hex64(x)} emulated ${hex64(y)}`);
    }
    if (diffs.length) out.push(`${head()}\n    ${diffs.join('\n    ')}`);
  }
  return out;
}

export interface BatchResult {
  exe: string;
  cases: Case[];
  mismatches: string[];
  nativeStatus: number;
  emuStatus: number;
  emuStderr: string;
  records: number;
}

/**
 * Build one batch, run it natively and emulated, compare. With `emuCases` (same length, same inputs) the
 * emulator runs a different program than the host: used where the host CPU has a feature our CPUID
 * denies (the host's `bsr` is the oracle for the emulated `rep bsr`, which it would run as lzcnt).
 */
export function runBatch(cases: Case[], name: string, emuCases?: Case[]): BatchResult {
  // Data at a fixed address, so that two programs with different code agree on every data address.
  const ld = { ldArgs: ['-Tdata=0x20000000'] };
  const exe = buildAsm(programSource(cases), name, ld);
  const emuExe = emuCases ? buildAsm(programSource(emuCases), `${name}-emu`, ld) : exe;
  const nat = spawnSync(exe, [], { env: {}, maxBuffer: 1 << 28, timeout: 60000 });
  const emu = spawnSync(process.execPath, [CLI, 'run', '--max-insns', '100000000', '--', emuExe], { env: EMU_ENV, maxBuffer: 1 << 28, timeout: 120000 });
  const st = (r: SpawnSyncReturns<Buffer>) => r.signal ? 128 + (os.constants.signals[r.signal] ?? 0) : r.status ?? -1;
  const mismatches = compareStreams(emuCases ?? cases, nat.stdout, emu.stdout);
  return {
    exe, cases, mismatches, nativeStatus: st(nat), emuStatus: st(emu), emuStderr: emu.stderr.toString(),
    records: Math.min(nat.stdout.length, emu.stdout.length) / RECORD_BYTES,
  };
}

/** Address of a symbol (a label in a case's asm) in a built program. */
export function symbolAddress(exe: string, name: string): number {
  const d = fs.readFileSync(exe);
  const sym = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe).symbols.find(x => x.name === name);
  if (!sym) throw new Error(`no symbol ${name} in ${exe}`);
  return sym.value;
}
