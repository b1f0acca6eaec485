/* Entry points of the native kernel, shared by the C sources and the Python binding.
 * All byte buffers are little-endian 32-byte limbs in standard (non-Montgomery) form;
 * an affine point is x then y (G2: x.c0, x.c1, y.c0, y.c1), all zeros = infinity.
 * Functions return 0 on success, 1 for a coordinate >= p, 2 when out of memory. */
#ifndef ZKA_KERNEL_H
#define ZKA_KERNEL_H

#include <stddef.h>

int g1_msm(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_msm(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g1_batch_mul(const unsigned char *base, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_batch_mul(const unsigned char *base, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
/* out[i] = scalars[i] * pts[i] for i < n (elementwise.h); out holds n points. */
int g1_mul(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_mul(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);

/* Fr NTT of 2^log_n values from in to out; values must be < r (else 1).  out may be
 * in itself (then nothing else is allocated for the values, and after an error the
 * buffer's contents are unspecified), but must not otherwise overlap it.
 * 3 means fr_ntt_prepare(log_n) was not called first. */
int fr_ntt(const unsigned char *in, unsigned char *out, unsigned log_n, int inverse, int coset, int threads);
/* Twiddle tables are cached per size; fill the cache while the caller still
 * holds the GIL so that fr_ntt itself never races on it. 0 ok, 2 no memory. */
int fr_ntt_prepare(unsigned log_n);

/* The same entry points built with the BMI2/ADX multiplication (x86_64). */
int g1_msm_adx(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_msm_adx(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g1_batch_mul_adx(const unsigned char *base, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_batch_mul_adx(const unsigned char *base, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g1_mul_adx(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int g2_mul_adx(const unsigned char *pts, const unsigned char *scalars, size_t n, int threads, unsigned char *out);
int fr_ntt_adx(const unsigned char *in, unsigned char *out, unsigned log_n, int inverse, int coset, int threads);
int fr_ntt_prepare_adx(unsigned log_n);

#endif
