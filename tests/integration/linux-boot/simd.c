/* SPDX-License-Identifier: MIT */
/*
 * The floating-point and SIMD half of the guest-equals-host check (issue 4):
 * built with -O2 -march=x86-64-v3, so the compiler uses AVX2, FMA and BMI,
 * and glibc picks its string and math variants by CPUID. It prints digests
 * of x87 long double math (sinl, cosl, expl, logl, atan2l, powl), of double
 * math through libm and through vectorised loops, of single-precision
 * vector arithmetic, and of glibc string routines. The numbers must be the
 * same bits inside a guest as on the host.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;      /* FNV-1a */
    return h;
}

static uint64_t x87_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 1; i <= 2000; i++) {
        long double x = (long double)i / 97.0L - 7.0L;
        long double r[7] = {
            sinl(x), cosl(x), expl(x / 3.0L), logl(fabsl(x) + 0.5L),
            atan2l(x, (long double)i), powl(1.0L + fabsl(x) / 50.0L, 3.3L), sqrtl(i),
        };
        for (int k = 0; k < 7; k++)
            h = mix(h, &r[k], 10);               /* the 80 bits that matter */
    }
    return h;
}

static uint64_t double_digest(void)
{
    enum { N = 4096 };
    static double a[N], b[N], c[N];
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < N; i++) {
        a[i] = sin(i * 0.001) * 1e3;
        b[i] = exp(-i * 0.0007) + log1p(i);
    }
    for (int rep = 0; rep < 20; rep++)
        for (int i = 0; i < N; i++)
            c[i] = fma(a[i], b[i], c[i] * 0.5);  /* vectorised with FMA */
    h = mix(h, c, sizeof(c));
    double dot = 0;
    for (int i = 0; i < N; i++)
        dot += a[i] * b[i];
    return mix(h, &dot, sizeof(dot));
}

static uint64_t float_digest(void)
{
    enum { N = 1 << 12 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)i * 0.25f - 300.0f;
    for (int rep = 0; rep < 50; rep++)
        for (int i = 0; i < N; i++)
            y[i] = y[i] * 0.75f + x[i] / (1.0f + (float)rep) - sqrtf(fabsf(x[i]));
    return mix(0xcbf29ce484222325ull, y, sizeof(y));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint64_t string_digest(void)
{
    enum { N = 1 << 16 };
    char *s = malloc(N + 1), *t = malloc(N + 1);
    uint32_t *v = malloc(N * sizeof(*v));
    uint64_t h = 0xcbf29ce484222325ull, seed = 42;
    for (int i = 0; i < N; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        s[i] = (char)('a' + (seed >> 59) % 26);
        v[i] = (uint32_t)(seed >> 32);
    }
    s[N] = 0;
    memcpy(t, s, N + 1);
    t[N / 2] = 'Z';
    uint64_t facts[] = { strlen(s), (uint64_t)(strchr(s, 'q') - s), (uint64_t)(strrchr(s, 'q') - s),
                         (uint64_t)(memchr(s, 'z', N) ? 1 : 0), (uint64_t)(strcmp(s, t) > 0),
                         (uint64_t)memcmp(s, t, N / 2), (uint64_t)(strstr(s, "abc") ? strstr(s, "abc") - s : -1) };
    h = mix(h, facts, sizeof(facts));
    qsort(v, N, sizeof(*v), cmp_u32);
    h = mix(h, v, N * sizeof(*v));
    free(s);
    free(t);
    free(v);
    return h;
}

int main(void)
{
    printf("prog: simd: x87 long double %016" PRIx64 "\n", x87_digest());
    printf("prog: simd: double (libm, FMA loops) %016" PRIx64 "\n", double_digest());
    printf("prog: simd: float vectors %016" PRIx64 "\n", float_digest());
    printf("prog: simd: strings and sort %016" PRIx64 "\n", string_digest());
    return 0;
}
