/* SPDX-License-Identifier: MIT */
/*
 * A static program whose output must be the same on the host and inside a
 * guest booted by tandem (tests/integration/linux-boot.sh compares them).
 * Everything it prints is a pure function of its code: integer and 128-bit
 * arithmetic, bit operations, IEEE double and x87 long double arithmetic
 * (sqrt and the four operations are exactly rounded, so no libm function
 * whose last bit may differ between CPU-selected variants is used), string
 * and sorting functions, large allocations and copies, and two threads
 * joined in order. Nothing depends on time, addresses, PIDs or CPUID.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void primes(void)
{
    enum { N = 2000000 };
    uint8_t *composite = calloc(N, 1);
    uint64_t count = 0, sum = 0;
    if (!composite)
        exit(1);
    for (uint64_t i = 2; i < N; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        for (uint64_t j = i * i; j < N; j += i)
            composite[j] = 1;
    }
    free(composite);
    printf("prog: primes below %d: %" PRIu64 ", sum %" PRIu64 "\n", N, count, sum);
}

static void integers(void)
{
    uint64_t x = 0x0123456789abcdefull, acc = 0;
    unsigned __int128 wide = 1;
    int64_t s = -1234567890123ll;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += (x % 1000003) * (uint64_t)__builtin_popcountll(x);
        acc ^= __builtin_bswap64(acc) >> (i & 31);
        wide = wide * (x | 1) + (acc >> 3);
        s = s / 3 + (int64_t)(x >> 40) - 7;
    }
    printf("prog: xorshift %016" PRIx64 " acc %016" PRIx64 " wide %016" PRIx64 "%016" PRIx64
           " signed %" PRId64 " clz %d ctz %d\n", x, acc, (uint64_t)(wide >> 64),
           (uint64_t)wide, s, __builtin_clzll(acc | 1), __builtin_ctzll(acc | (1ull << 63)));
}

static void floats(void)
{
    double d = 0, h = 0;
    long double ld = 0;
    float f = 0;
    for (int i = 1; i <= 200000; i++) {
        d += __builtin_sqrt((double)i) / i;
        h += 1.0 / ((double)i * i);
        ld += 1.0L / i - 1.0L / (i + 1.0L);
        f += (float)i * 0.5f;
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", d);
    double back = strtod(buf, NULL);
    printf("prog: sqrt-sum %.17g basel %.17g telescoping %.21Lg float %.9g round-trip %s\n",
           d, h, ld, (double)f, back == d ? "exact" : "LOST");
    printf("prog: conversions %lld %d %u %.17g\n", (long long)(d * 1e12), (int)-2.5, (unsigned)3.99,
           (double)(long double)0.1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strings(void)
{
    enum { N = 5000 };
    static char store[N][24];
    static char *ptr[N];
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(store[i], sizeof(store[i]), "k%08x-%d", seed, i % 97);
        ptr[i] = store[i];
    }
    qsort(ptr, N, sizeof(ptr[0]), cmp_str);
    uint32_t crc = 0;
    for (int i = 0; i < N; i++)
        crc = crc32_update(crc, (const uint8_t *)ptr[i], strlen(ptr[i]));
    printf("prog: sorted first %s last %s crc %08x\n", ptr[0], ptr[N - 1], crc);
}

static void memory(void)
{
    size_t n = 8u << 20;
    uint8_t *a = malloc(n), *b = malloc(n);
    if (!a || !b)
        exit(1);
    for (size_t i = 0; i < n; i++)
        a[i] = (uint8_t)(i * 2654435761u >> 13);
    memcpy(b, a, n);
    memmove(b + 1, b, n - 1);
    printf("prog: 8 MiB crc %08x shifted %08x equal-tail %d\n", crc32_update(0, a, n),
           crc32_update(0, b, n), memcmp(a, b + 1, n - 1) == 0);
    free(a);
    free(b);
}

static void *worker(void *arg)
{
    uint64_t id = (uintptr_t)arg, sum = 0;
    for (uint64_t i = 0; i < 3000000; i++)
        sum += (i * (id + 3)) ^ (i >> 3);
    return (void *)(uintptr_t)sum;
}

static void threads(void)
{
    pthread_t t[2];
    void *r[2];
    for (uintptr_t i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            exit(1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], &r[i]);
    printf("prog: threads %" PRIxPTR " %" PRIxPTR "\n", (uintptr_t)r[0], (uintptr_t)r[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    primes();
    integers();
    floats();
    strings();
    memory();
    threads();
    printf("prog: done\n");
    return 0;
}
