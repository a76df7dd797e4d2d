// Floating-point formatting and parsing: %f %e %g %a, rounding, special values, strtod round trips.
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
#include <string.h>

int main(void) {
  double v[] = { 0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 2.0 / 3, 123456789.125, 1e-300, 1e300, 5e-324, DBL_MAX, DBL_MIN,
    0.5, 1.5, 2.5, 1e15 + 0.3, 9.999999999, 3.141592653589793, 2.718281828459045, 1e21, 1e22, 0.000123456 };
  for (unsigned i = 0; i < sizeof v / sizeof *v; i++)
    printf("%u: %f | %.3f | %e | %.10e | %g | %.15g | %.17g | %a\n", i, v[i], v[i], v[i], v[i], v[i], v[i], v[i], v[i]);
  printf("%f %f %f %e %g\n", INFINITY, -INFINITY, NAN, INFINITY, -NAN);
  printf("%.0f %.0f %.0f %.0f %.1f %.2f\n", 0.5, 1.5, 2.5, -0.5, 0.05, 0.125);
  printf("%10.4f|%-10.2f|%+.3e|%010.2f\n", 3.14159265, 2.5, 12345.678, -1.25);
  printf("%.60f\n", 0.1);
  printf("%Lf %Le\n", (long double)1 / 3, (long double)2.5e100);
  const char *in[] = { "3.14", "-0.0", "1e308", "1e309", "2.2250738585072014e-308", "0x1.8p3", "inf", "nan", "  42xyz", "1e-400" };
  for (unsigned i = 0; i < sizeof in / sizeof *in; i++) {
    char *end;
    double d = strtod(in[i], &end);
    printf("strtod(%s) = %.17g rest=[%s]\n", in[i], d, end);
  }
  float f = 16777217.0f;
  printf("float %.1f %.9g %g\n", f, 0.1f, 1.0f / 3);
  return 0;
}
