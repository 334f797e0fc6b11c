/* Emulate a machine whose elementary functions round differently (tools/simd_levels.py --at ulp).
 *
 * Loaded with LD_PRELOAD, it replaces libm's double-precision exp, log, pow, sin, cos, ... by the
 * real function followed by a pseudo-random move of one ulp (down, none or up, with equal
 * chances). numpy calls libm for these functions on AVX2 and SSE machines, while on AVX-512 it
 * uses its own vectorized implementations, accurate to a few ulp: which is what this imitates
 * on a machine without AVX-512. The generator is a fixed xorshift: one process, one sequence.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;

static inline double jitter(double y) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    unsigned r = (unsigned)(state % 3);
    if (!isfinite(y) || y == 0.0 || r == 0) return y;
    return nextafter(y, r == 1 ? INFINITY : -INFINITY);
}

#define WRAP1(name)                                                          \
    double name(double x) {                                                  \
        static double (*real)(double);                                       \
        if (!real) real = (double (*)(double))dlsym(RTLD_NEXT, #name);       \
        return jitter(real(x));                                              \
    }
#define WRAP2(name)                                                          \
    double name(double x, double y) {                                        \
        static double (*real)(double, double);                               \
        if (!real) real = (double (*)(double, double))dlsym(RTLD_NEXT, #name); \
        return jitter(real(x, y));                                           \
    }

WRAP1(exp) WRAP1(log) WRAP1(tanh) WRAP1(sin) WRAP1(cos) WRAP1(tan) WRAP1(atan) WRAP1(expm1)
WRAP1(log1p) WRAP1(cosh) WRAP1(sinh) WRAP1(exp2) WRAP1(log2) WRAP1(log10) WRAP1(asin) WRAP1(acos)
WRAP1(cbrt) WRAP2(pow) WRAP2(atan2) WRAP2(hypot)
