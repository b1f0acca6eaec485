/* Elementwise multiplication (elementwise.h) instantiated for G1 and G2.
 *
 * A translation unit of its own rather than part of g1.c / g2.c: the curve
 * glue below mirrors theirs, under prefixed names so that both curves fit in
 * one file.  Only FN(mul) is exported; everything else is static, so the
 * shared FN prefix does not clash with g1.c / g2.c at link time. */

/* The shared headers carry helpers this file does not need (batch_add,
 * choose_window); their other users do. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fp2.h"
#include "scalar.h"
#include "kernel.h"

/* ---- G1: y^2 = x^3 + 3 over Fp ---- */
#define CF fe
#ifdef ZKA_ADX
#define FN(name) g1_##name##_adx
#else
#define FN(name) g1_##name
#endif
#define CF_add fp_add
#define CF_sub fp_sub
#define CF_mul fp_mul
#define CF_sqr fp_sqr
#define CF_dbl fp_dbl
#define CF_neg fp_neg
#define CF_inv fp_inv
#define CF_is_zero mf_is_zero
#define CF_eq mf_eq
#define CF_set_one ew_g1_set_one
#define CF_load ew_g1_load
#define CF_store ew_g1_store
#define PT_BYTES 64
#define CF_mul_fp fp_mul
/* the cube root of unity whose map (x, y) -> (beta x, y) is lambda on G1 */
static const uint64_t EW_BETA_G1[4] = {0x5763473177fffffeULL, 0xd4f263f1acdb5c4fULL, 0x59e26bcea0d48bacULL, 0};
#define EW_BETA EW_BETA_G1

ZKA_INLINE void ew_g1_set_one(fe *r) { memcpy(r->v, FP_MOD.one, 32); }

ZKA_INLINE int ew_g1_load(fe *r, const unsigned char *b) {
    if (!bytes_lt_modulus(b, &FP_MOD)) return 0;
    mf_from_bytes(r, b, &FP_MOD);
    return 1;
}

ZKA_INLINE void ew_g1_store(unsigned char *b, const fe *a) { mf_to_bytes(b, a, &FP_MOD); }

#include "curve_impl.h"
#include "elementwise.h"

#undef CF
#undef FN
#undef CF_add
#undef CF_sub
#undef CF_mul
#undef CF_sqr
#undef CF_dbl
#undef CF_neg
#undef CF_inv
#undef CF_is_zero
#undef CF_eq
#undef CF_set_one
#undef CF_load
#undef CF_store
#undef PT_BYTES
#undef CF_mul_fp
#undef EW_BETA

/* ---- G2: y^2 = x^3 + 3/(9+u) over Fp2 ---- */
#define CF fe2
#ifdef ZKA_ADX
#define FN(name) g2_##name##_adx
#else
#define FN(name) g2_##name
#endif
#define CF_add fp2_add
#define CF_sub fp2_sub
#define CF_mul fp2_mul
#define CF_sqr fp2_sqr
#define CF_dbl fp2_dbl
#define CF_neg fp2_neg
#define CF_inv fp2_inv
#define CF_is_zero fp2_is_zero
#define CF_eq fp2_eq
#define CF_set_one ew_g2_set_one
#define CF_load ew_g2_load
#define CF_store ew_g2_store
#define PT_BYTES 128
ZKA_INLINE void ew_fp2_mul_fp(fe2 *r, const fe2 *a, const fe *b) {
    fp_mul(&r->c0, &a->c0, b);
    fp_mul(&r->c1, &a->c1, b);
}
#define CF_mul_fp ew_fp2_mul_fp
/* on the twist the same lambda needs the other cube root (beta_G1^2) */
static const uint64_t EW_BETA_G2[4] = {0xe4bd44e5607cfd48ULL, 0xc28f069fbb966e3dULL, 0x5e6dd9e7e0acccb0ULL,
                                       0x30644e72e131a029ULL};
#define EW_BETA EW_BETA_G2

ZKA_INLINE void ew_g2_set_one(fe2 *r) { memcpy(r->c0.v, FP_MOD.one, 32); memset(r->c1.v, 0, 32); }

ZKA_INLINE int ew_g2_load(fe2 *r, const unsigned char *b) {
    if (!bytes_lt_modulus(b, &FP_MOD) || !bytes_lt_modulus(b + 32, &FP_MOD)) return 0;
    mf_from_bytes(&r->c0, b, &FP_MOD);
    mf_from_bytes(&r->c1, b + 32, &FP_MOD);
    return 1;
}

ZKA_INLINE void ew_g2_store(unsigned char *b, const fe2 *a) {
    mf_to_bytes(b, &a->c0, &FP_MOD);
    mf_to_bytes(b + 32, &a->c1, &FP_MOD);
}

#include "curve_impl.h"
#include "elementwise.h"
