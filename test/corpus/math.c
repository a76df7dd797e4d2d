// libm: elementary functions, rounding, classification and remainders, printed exactly (%a and %.17g).
#include <math.h>
#include <stdio.h>
#include <fenv.h>

int main(void) {
  double xs[] = { 0.0, 0.5, 1.0, 2.0, 3.0, 10.0, -1.5, 1e-10, 123.456, 1e10 };
  for (unsigned i = 0; i < sizeof xs / sizeof *xs; i++) {
    double x = xs[i];
    printf("x=%g sqrt=%a sin=%a cos=%a exp=%a log=%a atan=%a\n", x, sqrt(fabs(x)), sin(x), cos(x), exp(x / 10),
      x > 0 ? log(x) : 0.0, atan(x));
    printf("  pow=%.17g fmod=%.17g floor=%g ceil=%g round=%g trunc=%g rint=%g hypot=%.17g cbrt=%.17g\n",
      pow(x, 1.5), fmod(x, 0.7), floor(x), ceil(x), round(x), trunc(x), rint(x), hypot(x, 3), cbrt(x));
  }
  printf("classify: %d %d %d %d %d\n", fpclassify(0.0), fpclassify(1.0), fpclassify(INFINITY), fpclassify(NAN),
    fpclassify(5e-324));
  printf("isnan=%d isinf=%d signbit=%d copysign=%g\n", isnan(NAN), isinf(-INFINITY), signbit(-0.0), copysign(3, -0.0));
  int e;
  double m = frexp(1234.5, &e);
  printf("frexp=%g,%d ldexp=%g modf:", m, e, ldexp(0.75, 5));
  double ip, fp = modf(-3.75, &ip);
  printf(" %g %g\n", ip, fp);
  printf("lround=%ld llrint=%lld remainder=%g remquo:", lround(2.5), llrint(3.5), remainder(10, 3));
  int q;
  printf(" %g %d\n", remquo(10, 3, &q), q);
  fesetround(FE_DOWNWARD);
  printf("rint down=%g ", rint(2.7));
  fesetround(FE_UPWARD);
  printf("up=%g ", rint(2.1));
  fesetround(FE_TONEAREST);
  printf("near=%g\n", rint(2.5));
  float f = 0.1f;
  printf("float: %a %a %a\n", sqrtf(f), sinf(f), expf(f));
  return 0;
}
