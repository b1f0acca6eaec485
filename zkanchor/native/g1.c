/* G1: y^2 = x^3 + 3 over Fp, instantiated from the shared curve/MSM templates. */
#include "field.h"
#include "scalar.h"
#include "kernel.h"

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
#define PT_BYTES 64

ZKA_INLINE void CF_set_one(fe *r) { memcpy(r->v, FP_MOD.one, 32); }

ZKA_INLINE int CF_load(fe *r, const unsigned char *b) {
    if (!bytes_lt_modulus(b, &FP_MOD)) return 0;
    mf_from_bytes(r, b, &FP_MOD);
    return 1;
}

ZKA_INLINE void CF_store(unsigned char *b, const fe *a) { mf_to_bytes(b, a, &FP_MOD); }

/* the cube root of unity whose map (x, y) -> (beta x, y) is lambda on G1 (GLV, elementwise.h) */
static const uint64_t EW_BETA[4] = {0x5763473177fffffeULL, 0xd4f263f1acdb5c4fULL, 0x59e26bcea0d48bacULL, 0};
#define CF_mul_fp fp_mul

/* an inversion (Fermat) in field multiplications, for the MSM's batch sizes */
#define ZKA_INV_MULS 384

#include "curve_impl.h"
#include "msm_impl.h"
#include "elementwise.h"
