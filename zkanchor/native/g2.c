/* G2: y^2 = x^3 + 3/(9+u) over Fp2, instantiated from the shared curve/MSM templates. */
#include "fp2.h"
#include "scalar.h"
#include "kernel.h"

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
#define PT_BYTES 128

ZKA_INLINE void CF_set_one(fe2 *r) { memcpy(r->c0.v, FP_MOD.one, 32); memset(r->c1.v, 0, 32); }

ZKA_INLINE int CF_load(fe2 *r, const unsigned char *b) {
    if (!bytes_lt_modulus(b, &FP_MOD) || !bytes_lt_modulus(b + 32, &FP_MOD)) return 0;
    mf_from_bytes(&r->c0, b, &FP_MOD);
    mf_from_bytes(&r->c1, b + 32, &FP_MOD);
    return 1;
}

ZKA_INLINE void CF_store(unsigned char *b, const fe2 *a) {
    mf_to_bytes(b, &a->c0, &FP_MOD);
    mf_to_bytes(b + 32, &a->c1, &FP_MOD);
}

ZKA_INLINE void fp2_mul_fp(fe2 *r, const fe2 *a, const fe *b) {
    fp_mul(&r->c0, &a->c0, b);
    fp_mul(&r->c1, &a->c1, b);
}
#define CF_mul_fp fp2_mul_fp
/* on the twist the same lambda needs the other cube root (beta_G1^2) */
static const uint64_t EW_BETA[4] = {0xe4bd44e5607cfd48ULL, 0xc28f069fbb966e3dULL, 0x5e6dd9e7e0acccb0ULL,
                                    0x30644e72e131a029ULL};

/* an inversion (Fermat) in field multiplications, for the MSM's batch sizes */
#define ZKA_INV_MULS 132

#include "curve_impl.h"
#include "msm_impl.h"
#include "elementwise.h"
