/* SPDX-License-Identifier: MIT */
/*
 * Floating-point benchmark for make bench: a 256x256 double matrix
 * multiply repeated, timed with the guest's own monotonic clock, printing
 * "matmul: SECONDS checksum". Built -O2 -march=x86-64-v3 (AVX2/FMA) when
 * the host can run that, so the same code runs natively and in guests.
 */
#include <stdio.h>
#include <time.h>

enum { N = 256, REPS = 64 };
static double a[N][N], b[N][N], c[N][N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (i * 7 + j * 3) % 17 / 8.0;
            b[i][j] = (i * 5 + j * 11) % 13 / 4.0;
        }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < REPS; r++)
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double x = a[i][k];
                for (int j = 0; j < N; j++)
                    c[i][j] += x * b[k][j];
            }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            sum += c[i][j];
    printf("matmul: %.3f %.6g\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, sum);
    return 0;
}
