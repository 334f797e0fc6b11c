/* Emulate a machine whose elementary functions round differently (tools/simd_levels.py --at ulp).
 *
 * Loaded with LD_PRELOAD, it replaces the C library's double-precision exp, log, pow, sin, cos, ...
 * by the real function followed by a move of one ulp down, none or up, whenever the result is
 * inexact (when the function in long double differs from the double result). Which of the three
 * is a hash of the function and its arguments: like a real library, the same call always gives
 * the same result, and exact results (log2(64), pow(2, 10)) stay exact. numpy calls the C library for these functions on AVX2 and SSE machines, while on
 * AVX-512 it uses its own vectorized implementations, accurate to a few ulp, and a Mac has
 * another C library altogether: this imitates both on a Linux machine without AVX-512.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t bits(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static inline uint64_t mix(uint64_t h) { /* splitmix64's finalizer */
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

static inline double jitter(double y, int inexact, uint64_t key) {
    if (!inexact || !isfinite(y) || y == 0.0) return y;
    switch (mix(key) % 3) {
        case 1: return nextafter(y, INFINITY);
        case 2: return nextafter(y, -INFINITY);
        default: return y;
    }
}

#define WRAP1(name, id)                                                          \
    double name(double x) {                                                      \
        static double (*real)(double);                                           \
        if (!real) real = (double (*)(double))dlsym(RTLD_NEXT, #name);           \
        double y = real(x);                                                      \
        int inexact = (long double)y != name##l((long double)x);                 \
        return jitter(y, inexact, bits(x) * 0x9E3779B97F4A7C15ull + id);         \
    }
#define WRAP2(name, id)                                                          \
    double name(double x, double z) {                                            \
        static double (*real)(double, double);                                   \
        if (!real) real = (double (*)(double, double))dlsym(RTLD_NEXT, #name);   \
        double y = real(x, z);                                                   \
        int inexact = (long double)y != name##l((long double)x, (long double)z); \
        return jitter(y, inexact, (bits(x) * 0x9E3779B97F4A7C15ull) ^ mix(bits(z) + id)); \
    }

WRAP1(exp, 1) WRAP1(log, 2) WRAP1(tanh, 3) WRAP1(sin, 4) WRAP1(cos, 5) WRAP1(tan, 6) WRAP1(atan, 7)
WRAP1(expm1, 8) WRAP1(log1p, 9) WRAP1(cosh, 10) WRAP1(sinh, 11) WRAP1(exp2, 12) WRAP1(log2, 13)
WRAP1(log10, 14) WRAP1(asin, 15) WRAP1(acos, 16) WRAP1(cbrt, 17)
WRAP2(pow, 18) WRAP2(atan2, 19) WRAP2(hypot, 20)
