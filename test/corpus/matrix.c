// Double-precision matrix multiply and a Gaussian elimination solve, printed with enough digits to show
// any rounding difference.
#include <stdio.h>

#define N 60
static double a[N][N], b[N][N], c[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { a[i][j] = (i * 31 + j * 17) % 13 / 7.0 + (i == j); b[i][j] = (i + 2 * j) % 11 / 3.0 - 1; }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  double tr = 0;
  for (int i = 0; i < N; i++) tr += c[i][i];
  printf("trace=%.17g c[3][7]=%.17g c[59][0]=%.17g\n", tr, c[3][7], c[59][0]);
  static double m[N][N + 1];
  for (int i = 0; i < N; i++) { for (int j = 0; j < N; j++) m[i][j] = a[i][j]; m[i][N] = i + 1; }
  for (int col = 0; col < N; col++) {
    int piv = col;
    for (int r = col + 1; r < N; r++) if ((m[r][col] < 0 ? -m[r][col] : m[r][col]) > (m[piv][col] < 0 ? -m[piv][col] : m[piv][col])) piv = r;
    for (int j = 0; j <= N; j++) { double t = m[col][j]; m[col][j] = m[piv][j]; m[piv][j] = t; }
    for (int r = 0; r < N; r++) {
      if (r == col) continue;
      double f = m[r][col] / m[col][col];
      for (int j = col; j <= N; j++) m[r][j] -= f * m[col][j];
    }
  }
  for (int i = 0; i < N; i += 12) printf("x[%d]=%.15g\n", i, m[i][N] / m[i][i]);
  return 0;
}
