// rcpps/rcpss/rsqrtps/rsqrtss against the host CPU. Their exact bits are each vendor's own table
// lookups (AMD and Intel differ), so finite results are compared within the architectural bound
// (relative error at most 1.5 * 2^-12 from the host's value and from the true value); zeros, infinities
// and NaNs must be bit-identical, and the upper lanes of the scalar forms must be kept.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildAsm, runNative, runEmu, need, have } from './util';

const SPECIAL = [0, -0, Infinity, -Infinity, 1, -1, 2, 0.5, 3, 1e-38, -1e-38, 1.1754943508222875e-38, 1e-45, -1e-45,
  3.4028234663852886e38, -3.4028234663852886e38, 1e30, 1e-30, 7, 1 / 3];
const NAN_BITS = [0x7fc00000, 0x7f800001, 0xffc00001 | 0, 0x7fa00000];

function inputs(): number[] {
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  const out: number[] = [];
  for (const x of SPECIAL) { f[0] = x; out.push(u[0]); }
  out.push(...NAN_BITS.map(b => b >>> 0));
  let s = 0x2545f491;
  const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  while (out.length < 1024) out.push(rnd()); // any bit pattern: normals, denormals, NaNs of both signs
  while (out.length % 4) out.push(0);
  return out;
}

test('rcpps rcpss rsqrtps rsqrtss: within the architectural error of the host, specials bit-exact', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const ins = inputs();
  const n = ins.length / 4;
  const exe = buildAsm(`  .globl _start
_start:
  lea data(%rip), %rsi
  lea out(%rip), %rdi
  mov $${n}, %ecx
1:
  rcpps (%rsi), %xmm0
  movups %xmm0, (%rdi)
  rsqrtps (%rsi), %xmm1
  movups %xmm1, 16(%rdi)
  movups ones(%rip), %xmm2
  rcpss (%rsi), %xmm2
  movups %xmm2, 32(%rdi)
  movups ones(%rip), %xmm3
  movups (%rsi), %xmm4
  rsqrtss %xmm4, %xmm3
  movups %xmm3, 48(%rdi)
  add $16, %rsi
  add $64, %rdi
  dec %ecx
  jnz 1b
  mov $1, %eax
  mov $1, %edi
  lea out(%rip), %rsi
  mov $${n * 64}, %edx
  syscall
  mov $60, %eax
  xor %edi, %edi
  syscall
  .data
  .balign 16
ones: .long 0x3f800000, 0x40000000, 0x40400000, 0x40800000
data: .long ${ins.join(', ')}
  .bss
  .balign 16
out: .skip ${n * 64}
`, 'approx');
  const nat = runNative(exe), emu = runEmu(exe);
  assert.equal(emu.status, 0, emu.stderr);
  const a = new Uint32Array(Buffer.from(nat.stdout, 'latin1').buffer.slice(0)), b = new Uint32Array(Buffer.from(emu.stdout, 'latin1').buffer.slice(0));
  assert.equal(b.length, a.length);
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  const val = (bits: number) => { u[0] = bits; return f[0]; };
  let exact = 0, close = 0;
  for (let k = 0; k < a.length; k++) {
    const x = val(a[k]), y = val(b[k]);
    const what = `lane ${k % 16} of input group ${Math.floor(k / 16)}: host 0x${a[k].toString(16)}, emulated 0x${b[k].toString(16)}`;
    if (a[k] === b[k]) { exact++; continue; }
    // Differences are allowed only for finite non-zero results, within the bound.
    assert.ok(Number.isFinite(x) && x !== 0 && Number.isFinite(y), what);
    assert.ok(Math.abs(y - x) / Math.abs(x) <= 1.5 * 2 ** -12 * 1.01, what);
    close++;
  }
  t.diagnostic(`${a.length} results: ${exact} bit-identical, ${close} within the bound`);
  assert.ok(exact + close === a.length);
});
