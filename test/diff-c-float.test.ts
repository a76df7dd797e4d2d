// Floating point in real C programs, natively and emulated, with glibc (gcc -O2 -static) and musl
// (musl-gcc -O2 -static): printf %f %e %g %a of doubles, floats and long doubles, strtod/strtof/strtold,
// libm (sqrt sin cos exp log pow atan2 tan cbrt fmod hypot, the float variants, lrint), long double
// arithmetic in the four rounding modes with the exception flags (glibc's printf works on the integer
// bits, musl's formats every double through x87 long double arithmetic), fmodl remainderl sqrtl rintl
// floorl truncl, integer <-> long double conversions; auto-vectorised (-O3) SSE2 loops. Standard output
// must be identical. Long double libm (expl logl powl atan2l...) runs on the x87 transcendental
// instructions, which the hardware does not round correctly in a few percent of cases: there the
// results must be within 2 units in the last place of the native ones.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildC, runNative, runEmu, need, have } from './util';

const PRINTF_LIBM = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <stdint.h>

static const double vals[] = { 0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, 3.14159265358979, 1e10, 1e-10,
  123456789.123456789, 1e300, 1e-300, 4.9e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 6.02214076e23,
  1.0 / 3, 2.0 / 3, 1e15 + 0.3, 9007199254740993.0, 0.000123456, 99999.99999, 1e21, 1e22, 1e23, 5e-5, 0.3, 100,
  255.5, -7.25, 1e-5, 12345.6789 };

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

int main(void) {
  char buf[512];
  unsigned n = sizeof vals / sizeof vals[0];
  for (unsigned i = 0; i < n; i++) {
    double x = vals[i];
    printf("%f|%.0f|%.3f|%.17f|%e|%.0e|%.15e|%g|%.17g|%G|%a|%.3a|%10.4f|%-12.3e|%+g\n", x, x, x, x, x, x, x, x, x, x, x, x, x, x, x);
    snprintf(buf, sizeof buf, "%.17g", x);
    double y = strtod(buf, NULL);
    printf("round trip %d %016llx\n", y == x, (unsigned long long)bits(y));
  }
  printf("%f %f %f %f\n", INFINITY, -INFINITY, NAN, -NAN);
  float f = 1.1f; printf("%f %.10f %a\n", f, f * 3, (double)f / 7);
  const char *strs[] = { "0.1", "1e-320", "123.456e7", "-0", "inf", "nan", "0x1.8p3", "1.7976931348623159e308",
    "2.4703282292062328e-324", "2.4703282292062327e-324", "3.141592653589793238462643383279", "1e400", "-1e-400",
    "0.000000000000000000000000000001", "4.9406564584124654e-324", "123456789012345678901234567890", "0x1p-1074",
    "1.00000000000000011102230246251565404236316680908203125" };
  for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    char *end; double d = strtod(strs[i], &end); float fl = strtof(strs[i], NULL);
    printf("strtod(%s) = %.17g %a [%ld] strtof %.9g %a\n", strs[i], d, d, (long)(end - strs[i]), fl, fl);
  }
  volatile double a = 0.7;
  for (int i = 0; i < 40; i++) {
    double x = a * (i + 1) - 3.3;
    printf("%d %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", i, sqrt(fabs(x)), sin(x), cos(x), exp(x),
      log(fabs(x) + 1e-3), pow(fabs(x), 1.7), atan2(x, 0.3), tan(x), cbrt(x));
    printf("   %.9g %.9g %.9g %.9g %ld %ld %.17g %.17g\n", sqrtf((float)fabs(x)), sinf((float)x), expf((float)x),
      logf((float)fabs(x) + 1), lrint(x * 10), (long)floor(x * 3.3), fmod(x, 0.7), hypot(x, 2));
  }
  long double vl[] = { 0.0L, 1.0L, -1.5L, 0.1L, 1.0L / 3, 3.14159265358979323846264338327950288L, 1e100L, 1e-100L,
    1e4000L, 1.18973149535723176502e+4932L, 123456789.987654321L, 2.5L, 3.6451995318824746025e-4951L };
  for (unsigned i = 0; i < sizeof vl / sizeof vl[0]; i++) {
    printf("%.20Lf|%Le|%.25Le|%Lg|%.21Lg|%La\n", vl[i], vl[i], vl[i], vl[i], vl[i], vl[i]);
  }
  long double s = strtold("1.2345678901234567890123456789", NULL);
  printf("%.25Lg %.25Lg\n", s, s * 3);
  return 0;
}
`;

const LONG_DOUBLE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <fenv.h>
#include <stdint.h>
#include <string.h>

static uint64_t s = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
/* Random sign and exponent (mostly near 1, sometimes anywhere), full 64-bit significand. */
static long double rld(void) {
  union { long double v; struct { uint64_t m; uint16_t se; } p; } u;
  memset(&u, 0, sizeof u);
  uint64_t r = rnd();
  int e = (int)(r % 200) - 100;
  if (r % 97 == 0) e = (int)(r % 32000) - 16000;
  u.p.m = rnd() | 0x8000000000000000ull;
  u.p.se = (uint16_t)((16383 + e) | ((r >> 40) & 1 ? 0x8000 : 0));
  return u.v;
}
static double rd(void) { union { double d; uint64_t u; } x; x.u = rnd(); if (((x.u >> 52) & 0x7ff) == 0x7ff) x.u ^= 1ull << 62; return x.d; }

int main(void) {
  const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    for (int i = 0; i < 60; i++) {
      volatile long double a = rld(), b = rld();
      feclearexcept(FE_ALL_EXCEPT);
      long double sum = a + b, dif = a - b, pro = a * b, quo = a / b;
      int ex = fetestexcept(FE_ALL_EXCEPT);
      printf("%d %La %La | %La %La %La %La | %x\n", m, a, b, sum, dif, pro, quo, ex);
      feclearexcept(FE_ALL_EXCEPT);
      double da = (double)a; float fa = (float)b; long long ia = (long long)(a * 1e10L); long long ib = llrintl(b);
      printf("  %a %a %lld %lld %La %La %x\n", da, fa, ia, ib, sqrtl(fabsl(a)), rintl(a * 1000), fetestexcept(FE_ALL_EXCEPT));
      printf("  %La %La %La %La %d %d\n", fmodl(a, b), remainderl(a, b), floorl(a * 77), truncl(b * 33), a < b, a == a);
      double x = rd(), y = rd();
      printf("  %La %La %La %Lg\n", (long double)x * y, (long double)x / 3, (long double)(int)i * x, (long double)x);
    }
  }
  fesetround(FE_TONEAREST);
  long long v[] = { 0, 1, -1, 123456789012345678LL, -9223372036854775807LL - 1, 9223372036854775807LL, 1LL << 62, 65535, -32768 };
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    long double d = v[i]; unsigned long long u = (unsigned long long)v[i];
    printf("%lld %La %Lf %lld %llu %La\n", v[i], d, d / 7, (long long)(d / 3), (unsigned long long)((long double)u), (long double)u);
  }
  const char *strs[] = { "1.2345678901234567890123456789", "1e-4950", "1e4933", "0x1.fffffffffffffffep16383",
    "-3.6451995318824746025e-4951", "nan", "-inf", "123456789012345678901234567890.5" };
  for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    long double d = strtold(strs[i], NULL);
    printf("%s -> %La %.21Lg %Le\n", strs[i], d, d, d);
  }
  return 0;
}
`;

function compare(t: import('node:test').TestContext, src: string, name: string, cc: string): void {
  const exe = buildC(src, name, { cc });
  const nat = runNative(exe), emu = runEmu(exe);
  assert.equal(nat.status, 0, 'native run');
  assert.equal(emu.stderr, '', 'emulator stderr');
  assert.equal(emu.status, 0, 'emulated exit status');
  const a = nat.stdout.split('\n'), b = emu.stdout.split('\n');
  const bad: string[] = [];
  for (let k = 0; k < Math.max(a.length, b.length) && bad.length < 10; k++) {
    if (a[k] !== b[k]) bad.push(`line ${k + 1}:\n  native   ${a[k]}\n  emulated ${b[k]}`);
  }
  assert.equal(bad.length, 0, `${name} (${cc}) output differs:\n${bad.join('\n')}`);
  assert.ok(a.length > 100);
  t.diagnostic(`${name} (${cc}): ${a.length} lines identical`);
}

test('glibc: printf/strtod/libm floating point output matches native', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  compare(t, PRINTF_LIBM, 'fp-glibc', 'gcc');
});

test('musl: printf/strtod/libm floating point output matches native', (t) => {
  if (!need(t, have('musl-gcc'), 'musl-gcc not installed (Debian: musl-tools)')) return;
  compare(t, PRINTF_LIBM, 'fp-musl', 'musl-gcc');
});

test('glibc: long double arithmetic, rounding modes and exception flags match native', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  compare(t, LONG_DOUBLE, 'ld-glibc', 'gcc');
});

test('musl: long double arithmetic, rounding modes and exception flags match native', (t) => {
  if (!need(t, have('musl-gcc'), 'musl-gcc not installed (Debian: musl-tools)')) return;
  compare(t, LONG_DOUBLE, 'ld-musl', 'musl-gcc');
});

const VECTOR = String.raw`
#include <stdio.h>
#include <stdint.h>
#include <math.h>
#define N 1003
static float fa[N], fb[N], fc[N]; static double da[N], db[N], dc[N]; static int32_t ia[N], ib[N], ic[N];
static int16_t sa[N], sb[N]; static uint8_t ua[N], ub[N]; static int64_t la[N];
int main(void) {
  uint32_t s = 12345;
  for (int i = 0; i < N; i++) {
    s = s * 1103515245u + 12345u; ia[i] = (int32_t)s >> 3; ib[i] = (int32_t)(s ^ 0x5555) % 1000 - 500;
    fa[i] = (float)ia[i] / 1000.0f; fb[i] = (float)ib[i] * 0.37f; da[i] = ia[i] * 1e-3; db[i] = ib[i] * 0.37;
    sa[i] = (int16_t)s; sb[i] = (int16_t)(s >> 16); ua[i] = (uint8_t)s; ub[i] = (uint8_t)(s >> 9); la[i] = (int64_t)s * 77777;
  }
  for (int i = 0; i < N; i++) {
    fc[i] = fa[i] * fb[i] + fa[i] / (fabsf(fb[i]) + 1.0f); dc[i] = da[i] * db[i] - sqrt(fabs(da[i]));
    ic[i] = ia[i] * ib[i] + (ia[i] >> 3) - (ib[i] << 2);
  }
  float fs = 0, fmx = -INFINITY, fmn = INFINITY; double ds = 0; int64_t is = 0; int32_t imx = INT32_MIN; uint32_t us = 0; int32_t ss = 0;
  for (int i = 0; i < N; i++) {
    fs += fc[i]; fmx = fmaxf(fmx, fc[i]); fmn = fc[i] < fmn ? fc[i] : fmn; ds += dc[i]; is += ic[i]; imx = ic[i] > imx ? ic[i] : imx;
    us += ua[i] > ub[i] ? ua[i] - ub[i] : ub[i] - ua[i]; ss += sa[i] * sb[i];
  }
  for (int i = 0; i < N; i++) {
    ua[i] = (uint8_t)((ua[i] + ub[i] + 1) >> 1); sa[i] = (int16_t)(sa[i] > sb[i] ? sa[i] : sb[i]); ia[i] = (int32_t)fc[i];
    da[i] = (double)ic[i]; fb[i] = (float)dc[i]; la[i] = la[i] * 3 + (la[i] >> 7);
  }
  double chk = 0;
  for (int i = 0; i < N; i++) chk += ua[i] + sa[i] * 0.5 + ia[i] + da[i] * 1e-6 + fb[i] + (double)la[i] * 1e-9;
  printf("%.9g %.9g %.9g %.17g %lld %d %u %d %.17g\n", fs, fmx, fmn, ds, (long long)is, imx, us, ss, chk);
  for (int i = 0; i < N; i += 97) printf("%d %a %a %d %d %u %lld\n", i, fc[i], dc[i], ic[i], sa[i], ua[i], (long long)la[i]);
  return 0;
}
`;

test('glibc and musl: auto-vectorised (-O3) SSE2 loops match native', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const cc = ['gcc', ...(have('musl-gcc') ? ['musl-gcc'] : [])];
  for (const c of cc) {
    const exe = buildC(VECTOR, `vec-${c}`, { cc: c, flags: ['-O3', '-static'] });
    const nat = runNative(exe), emu = runEmu(exe);
    assert.equal(emu.stderr, '', `${c}: emulator stderr`);
    assert.equal(emu.stdout, nat.stdout, `${c}: vectorised output`);
    assert.ok(nat.stdout.split('\n').length > 5);
  }
});

const LDBL_LIBM = String.raw`
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
static uint64_t s = 0x243F6A8885A308D3ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static void pr(long double v) { struct { uint64_t m; uint16_t se; } t; memcpy(&t, &v, 10); printf(" %04x:%016llx", t.se, (unsigned long long)t.m); }
int main(void) {
  for (int i = 0; i < 300; i++) {
    long double x = (long double)(rnd() >> 11) / 9007199254740992.0L * 20 - 10, y = (long double)(rnd() >> 11) / 9007199254740992.0L * 4;
    pr(expl(x)); pr(exp2l(x)); pr(expm1l(x / 8)); pr(logl(y + 1e-3L)); pr(log2l(y + 0.5L)); pr(log10l(y + 2)); pr(log1pl(x / 16));
    pr(powl(y + 0.1L, x)); pr(atan2l(x, y - 2)); pr(atanl(x)); pr(asinl(y / 4 - 0.5L)); pr(acosl(y / 4 - 0.5L)); pr(sinhl(x / 3)); pr(tanhl(x / 5));
    printf("\n");
  }
  pr(expl(0)); pr(logl(1)); pr(expl(-INFINITY)); pr(logl(0)); pr(atan2l(0, -1)); pr(powl(2, 10)); pr(log2l(1024)); pr(expl(20000)); pr(expl(-20000));
  printf("\n");
  return 0;
}
`;

test('glibc and musl: long double libm (x87 transcendentals) within 2 ulps of native, nearly all identical', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const cc = ['gcc', ...(have('musl-gcc') ? ['musl-gcc'] : [])];
  /** Position of an 80-bit value on the line of representable values (adjacent values differ by 1). */
  const ord = (tok: string): bigint => {
    const [se, m] = tok.split(':').map(h => BigInt('0x' + h));
    const v = (se & 0x7fffn) * (1n << 63n) + (m & ((1n << 63n) - 1n));
    return se & 0x8000n ? -v : v;
  };
  for (const c of cc) {
    const exe = buildC(LDBL_LIBM, `ldlibm-${c}`, { cc: c });
    const nat = runNative(exe), emu = runEmu(exe);
    assert.equal(emu.stderr, '', `${c}: emulator stderr`);
    const a = nat.stdout.trim().split('\n'), b = emu.stdout.trim().split('\n');
    assert.equal(b.length, a.length, `${c}: line count`);
    let total = 0, differ = 0;
    a.forEach((line, k) => {
      const x = line.trim().split(' '), y = b[k].trim().split(' ');
      assert.equal(y.length, x.length, `${c} line ${k + 1}`);
      x.forEach((tok, j) => {
        total++;
        if (tok === y[j]) return;
        differ++;
        const d = ord(tok) - ord(y[j]);
        assert.ok(k < 300 && d >= -2n && d <= 2n, `${c} line ${k + 1} value ${j}: native ${tok} emulated ${y[j]}`);
      });
    });
    t.diagnostic(`${c}: ${total} values, ${differ} within 2 ulps but not identical`);
    assert.ok(differ <= 0.05 * total, `${c}: ${differ} of ${total} values differ`);
  }
});
