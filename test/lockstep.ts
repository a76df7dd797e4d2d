// Lockstep check of the block compiler against the interpreter: the same program runs in two processes,
// one compiling every block on first sight, one interpreting instruction by instruction; after every
// block the registers, flags and rip must agree. Reports the first difference with the block's code.

import { Process } from '../engine/linux/process';
import { GPR_NAMES } from '../engine/cpu/regs';
import { disassemble } from '../engine/cpu/decode';
import { syscalls } from '../engine/linux/syscalls/table';
import '../engine/linux/syscalls/all';
import { onMnemonic } from '../engine/cpu/ops';
import '../engine/cpu/families';
import { Mnemonic } from 'iced-x86';
import { RAX, RDX } from '../engine/cpu/regs';

// rdtsc reads the host clock; here it counts its own calls per CPU, the same in both runs.
const tsc = new WeakMap<object, number>();
onMnemonic(Mnemonic.Rdtsc, (cpu) => {
  const v = (tsc.get(cpu) ?? 0) + 1000;
  tsc.set(cpu, v);
  cpu.writeReg(RAX, 4, v, 0); cpu.writeReg(RDX, 4, 0, 0);
});

// getrandom gives both runs the same bytes (glibc's malloc keys its tcache with them).
const real = syscalls[318];
if (real) {
  syscalls[318] = { name: real.name, fn: (p, a) => {
    const len = Math.min(a[1], 1 << 20);
    p.mem.poke(a[0], new Uint8Array(len).map((_, k) => (k * 37 + 11) & 0xff));
    return len;
  } };
}

export interface LockstepResult { blocks: number; insns: number; status?: number; mismatch?: string; out: string }

function mk(program: string, argv: string[], jit: boolean, stdin: Uint8Array) {
  const out: Buffer[] = [];
  let pos = 0;
  const p = new Process({
    program, argv, env: ['PATH=/usr/bin:/bin', 'LANG=C'], pid: 4242,
    stdio: {
      read: (len) => { const b = stdin.subarray(pos, pos + len); pos += b.length; return b; },
      write: (_fd, d) => { out.push(Buffer.from(d)); },
      isatty: () => false,
    },
  });
  p.cpu.jit = jit;
  p.cpu.hot = 1;
  p.start();
  return { p, out };
}

function state(p: Process): string {
  const c = p.cpu;
  const regs = GPR_NAMES.map((n, k) => `${n}=${(c.r[2 * k + 1] >>> 0).toString(16)}:${(c.r[2 * k] >>> 0).toString(16)}`).join(' ');
  return `rip=${c.rip.toString(16)} flags=${(c.f.get() & 0xcd5).toString(16)} ${regs} xmm=${Array.from(c.xmm).join(',')}`;
}

/** Give both processes the same AT_RANDOM bytes (stack protector and pointer guard derive from them). */
function syncRandom(a: Process, b: Process): void {
  const m = a.mem;
  let at = a.cpu.rsp;
  const word = (x: number) => { const v = m.peek(x, 8)!; return Number(Buffer.from(v).readBigUInt64LE()); };
  const argc = word(at); at += 8 * (argc + 2);
  while (word(at) !== 0) at += 8;
  at += 8;
  for (; word(at) !== 0; at += 16) {
    if (word(at) === 25) { const p = word(at + 8); b.mem.poke(p, m.peek(p, 16)!); }
  }
}

/**
 * `rounds`: how many block lengths the compiled run may go before each comparison (3 by default, so a
 * block that loops on itself goes round inside its function; more lets blocks chain).
 */
export function lockstep(program: string, argv: string[], opts: { maxInsns?: number; stdin?: Uint8Array; rounds?: number } = {}): LockstepResult {
  const stdin = opts.stdin ?? new Uint8Array(0);
  const A = mk(program, argv, true, stdin), B = mk(program, argv, false, stdin);
  syncRandom(A.p, B.p);
  let blocks = 0;
  const max = opts.maxInsns ?? 50e6;
  while (!A.p.exit && A.p.cpu.icount < max) {
    const ip = A.p.cpu.rip, before = A.p.cpu.icount;
    const code = A.p.mem.peek(ip, 64);
    // Three rounds' worth, so that a block that loops on itself goes round inside its function.
    A.p.run((opts.rounds ?? 3) * A.p.cpu.blockLength(ip));
    const d = A.p.cpu.icount - before;
    // A fault costs the interpreter one unit of budget without retiring anything: top up until the
    // interpreter has retired as many instructions as the compiled run.
    const target = A.p.cpu.icount;
    for (let guard = 0; guard < 8 && !B.p.exit && B.p.cpu.icount < target; guard++) B.p.run(target - B.p.cpu.icount);
    if (d === 0 && !B.p.exit) B.p.run(1);
    blocks++;
    let sa = state(A.p), sb = state(B.p);
    if ((sa !== sb || !!A.p.exit !== !!B.p.exit) && !B.p.exit && B.p.cpu.icount === A.p.cpu.icount) {
      // The compiled run stopped at a fault and delivered its signal (run() ends with the pending work);
      // the interpreter stopped before the faulting instruction: let it fault too.
      const at = B.p.cpu.icount;
      B.p.run(1);
      if (B.p.cpu.icount === at) sb = state(B.p); else sa = 'interp retired an instruction the compiled run faulted on\n' + sa;
    }
    if (sa !== sb || !!A.p.exit !== !!B.p.exit) {
      let dis = '';
      if (code) {
        let at = 0;
        for (let n = 0; n < 12 && at < code.length; n++) {
          const [t, len] = disassemble(code.subarray(at), ip + at);
          dis += `  ${(ip + at).toString(16)}: ${t}\n`;
          at += len;
        }
      }
      return { blocks, insns: A.p.cpu.icount, out: '', mismatch: `after block at ${ip.toString(16)} (${d} insns):\n jit:    ${sa}\n interp: ${sb}\n${dis}` };
    }
  }
  const outA = Buffer.concat(A.out).toString('latin1'), outB = Buffer.concat(B.out).toString('latin1');
  if (outA !== outB) return { blocks, insns: A.p.cpu.icount, out: outA, mismatch: `output differs:\n jit:    ${JSON.stringify(outA.slice(0, 2000))}\n interp: ${JSON.stringify(outB.slice(0, 2000))}` };
  if (A.p.exit?.status !== B.p.exit?.status) return { blocks, insns: A.p.cpu.icount, out: outA, mismatch: `exit status ${A.p.exit?.status} (jit) vs ${B.p.exit?.status} (interp)` };
  return { blocks, insns: A.p.cpu.icount, status: A.p.exit?.status, out: outA };
}
