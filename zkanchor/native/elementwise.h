/* Elementwise variable-base multiplication out[i] = s_i * P_i, written once for
 * G1 and G2 on top of curve_impl.h (same template conventions: FN, CF_*,
 * CF_load, CF_store, PT_BYTES come from the including file, plus EW_BETA, a
 * cube root of unity in Fp, and CF_mul_fp, multiplication by an Fp element).
 *
 * Neither an MSM (nothing is summed, so Pippenger's bucket sharing buys
 * nothing) nor a fixed-base batch (every base differs, so no shared table):
 * each product is its own double-and-add in Jacobian coordinates.  Two things
 * make it cheap:
 *
 * - GLV: on both groups (x, y) -> (beta x, y) is multiplication by lambda, a
 *   cube root of unity mod r, so s = k1 + k2 lambda with |k1|, |k2| < 2^128
 *   turns one 254-bit ladder into two 128-bit ones sharing their doublings:
 *   ~128 doublings instead of ~253.  This assumes P is in the order-r
 *   subgroup, as reducing s mod r (here and in the MSM) already does.
 * - width-5 wNAF digits of k1 and k2 over affine tables of odd multiples, so
 *   the ~43 additions are mixed (7M + 4S) rather than general (11M + 5S).
 *   The table of beta-images costs one Fp multiplication per entry.
 *
 * What is shared across elements is inversions: elements are processed in
 * blocks, and each block turns its doubled bases, its tables and finally its
 * results into affine form with one Montgomery batch inversion apiece.
 * Threads take blocks from an atomic counter, so a thread on a busy core just
 * takes fewer of them.
 */

#include <pthread.h>
#include <stdlib.h>

#ifndef ZKA_EW_COMMON
#define ZKA_EW_COMMON

#define ZKA_EW_OK 0
#define ZKA_EW_BAD_POINT 1
#define ZKA_EW_NO_MEMORY 2

/* Width 5: 8 odd multiples per base, one nonzero digit per 6 bits on average.
 * Width 4 costs ~4 more additions per half-scalar than the 4 table entries it
 * saves; width 6 ~8 more table entries than the ~3 additions it saves. */
#define EW_W 5
#define EW_TAB (1 << (EW_W - 2))
/* GLV halves stay below 2^129 (floor-rounded lattice coefficients are off by
 * less than 2 basis vectors, each < 2^127), so 130 wNAF digits suffice. */
#define EW_MAX_DIGITS 136
/* Elements per block: a batch inversion (~380 multiplications, three per
 * block) is noise next to ~1500 per product already at 16, and 128 G2 tables
 * (2 x 8 entries of 128 bytes each: 256 KiB) still sit in L2. */
#define EW_BLOCK_MAX 128
#define EW_BLOCK_MIN 16

/* Width-EW_W non-adjacent form of k (k < 2^255), least significant digit
 * first; returns the digit count (0 for k = 0).  Digits are odd and in
 * (-2^(w-1), 2^(w-1)) or zero. */
static unsigned ew_wnaf(int8_t *dig, const uint64_t s[4]) {
    uint64_t k[4] = {s[0], s[1], s[2], s[3]};
    unsigned len = 0;
    while (k[0] | k[1] | k[2] | k[3]) {
        int d = 0;
        if (k[0] & 1) {
            d = (int)(k[0] & ((1u << EW_W) - 1));
            if (d >= (1 << (EW_W - 1))) d -= 1 << EW_W;
            /* k -= d leaves k divisible by 2^w: the next w - 1 digits are 0 */
            unsigned __int128 c;
            if (d > 0) {
                uint64_t borrow = (uint64_t)d;
                for (int i = 0; i < 4 && borrow; i++) {
                    c = (unsigned __int128)k[i] - borrow;
                    k[i] = (uint64_t)c;
                    borrow = (uint64_t)(c >> 64) & 1;
                }
            } else {
                uint64_t carry = (uint64_t)(-d);
                for (int i = 0; i < 4 && carry; i++) {
                    c = (unsigned __int128)k[i] + carry;
                    k[i] = (uint64_t)c;
                    carry = (uint64_t)(c >> 64);
                }
            }
        }
        dig[len++] = (int8_t)d;
        k[0] = (k[0] >> 1) | (k[1] << 63);
        k[1] = (k[1] >> 1) | (k[2] << 63);
        k[2] = (k[2] >> 1) | (k[3] << 63);
        k[3] >>= 1;
    }
    return len;
}

#endif /* ZKA_EW_COMMON */

/* Per-thread workspace for one block of B elements. */
typedef struct {
    AFF *P, *tab, *res;       /* tab: per element EW_TAB multiples of P, then EW_TAB beta-images */
    JAC *tj, *acc;
    CF *scratch;              /* EW_TAB * B field elements: the largest batch */
    int8_t *dig;              /* 2 * EW_MAX_DIGITS per element: k1's digits, then k2's */
    uint8_t *len;             /* 2 per element */
} FN(ew_work);

typedef struct {
    const unsigned char *pts, *sc;
    unsigned char *out;
    size_t n, block;
    size_t next_block;        /* atomic */
    int err;                  /* atomic: first failure */
} FN(ew_job);

static void FN(ew_store)(unsigned char *out, const AFF *p) {
    if (FN(aff_is_inf)(p)) { memset(out, 0, PT_BYTES); return; }
    CF_store(out, &p->x);
    CF_store(out + PT_BYTES / 2, &p->y);
}

/* acc += d * row[(|d| - 1) / 2] for an odd wNAF digit d != 0 */
ZKA_INLINE void FN(ew_add_digit)(JAC *acc, const AFF *row, int d) {
    if (d > 0) {
        FN(jac_madd)(acc, acc, &row[(d - 1) / 2]);
    } else {
        AFF q;
        FN(aff_neg)(&q, &row[(-d - 1) / 2]);
        FN(jac_madd)(acc, acc, &q);
    }
}

/* Elements [lo, lo + m) of the job; returns a ZKA_EW_* status. */
static int FN(ew_block)(const FN(ew_job) *job, FN(ew_work) *w, size_t lo, size_t m) {
    const unsigned char *pts = job->pts + PT_BYTES * lo, *sc = job->sc + 32 * lo;
    uint8_t negs[2 * EW_BLOCK_MAX];
    for (size_t i = 0; i < m; i++) {
        if (!CF_load(&w->P[i].x, pts + PT_BYTES * i) || !CF_load(&w->P[i].y, pts + PT_BYTES * i + PT_BYTES / 2))
            return ZKA_EW_BAD_POINT;
        uint8_t *len = w->len + 2 * i;
        int8_t *dig = w->dig + (size_t)2 * EW_MAX_DIGITS * i;
        if (FN(aff_is_inf)(&w->P[i])) { len[0] = len[1] = 0; continue; }
        uint64_t s[4], k1[4], k2[4];
        scalar_load(s, sc + 32 * i);
        glv_split(s, k1, &negs[2 * i], k2, &negs[2 * i + 1]);
        len[0] = (uint8_t)ew_wnaf(dig, k1);
        len[1] = (uint8_t)ew_wnaf(dig + EW_MAX_DIGITS, k2);
    }

    /* 2P for every base, made affine so the table below is built by mixed additions */
    for (size_t i = 0; i < m; i++) {
        if (!(w->len[2 * i] | w->len[2 * i + 1])) { FN(jac_set_inf)(&w->acc[i]); continue; }
        FN(jac_from_aff)(&w->acc[i], &w->P[i]);
        FN(jac_dbl)(&w->acc[i], &w->acc[i]);
    }
    FN(batch_normalize)(w->res, w->acc, m, w->scratch);

    /* odd multiples P, 3P, ..., (2 EW_TAB - 1) P; infinity rows for skipped elements */
    for (size_t i = 0; i < m; i++) {
        JAC *row = w->tj + (size_t)EW_TAB * i;
        if (!(w->len[2 * i] | w->len[2 * i + 1])) {
            for (int k = 0; k < EW_TAB; k++) FN(jac_set_inf)(&row[k]);
            continue;
        }
        FN(jac_from_aff)(&row[0], &w->P[i]);
        for (int k = 1; k < EW_TAB; k++) FN(jac_madd)(&row[k], &row[k - 1], &w->res[i]);
    }
    FN(batch_normalize)(w->tab, w->tj, (size_t)EW_TAB * m, w->scratch);

    /* Spread the tables to 2 EW_TAB per element (back to front, so nothing is
     * overwritten before it is read), add the beta-images, and fold the signs
     * of k1 and k2 into the tables. */
    fe beta;
    mf_from_bytes(&beta, (const unsigned char *)EW_BETA, &FP_MOD);
    for (size_t i = m; i-- > 0;) {
        AFF *row = w->tab + (size_t)2 * EW_TAB * i;
        memmove(row, w->tab + (size_t)EW_TAB * i, EW_TAB * sizeof(AFF));
        for (int k = 0; k < EW_TAB; k++) {
            AFF *a = &row[k], *b = &row[EW_TAB + k];
            CF_mul_fp(&b->x, &a->x, &beta);   /* infinity (0, 0) maps to itself */
            b->y = a->y;
            if (negs[2 * i]) FN(aff_neg)(a, a);
            if (negs[2 * i + 1]) FN(aff_neg)(b, b);
        }
    }

    for (size_t i = 0; i < m; i++) {
        JAC *acc = &w->acc[i];
        FN(jac_set_inf)(acc);
        unsigned l1 = w->len[2 * i], l2 = w->len[2 * i + 1], len = l1 > l2 ? l1 : l2;
        const int8_t *d1 = w->dig + (size_t)2 * EW_MAX_DIGITS * i, *d2 = d1 + EW_MAX_DIGITS;
        const AFF *row1 = w->tab + (size_t)2 * EW_TAB * i, *row2 = row1 + EW_TAB;
        for (unsigned j = len; j-- > 0;) {
            FN(jac_dbl)(acc, acc);   /* free while acc is still infinity */
            if (j < l1 && d1[j]) FN(ew_add_digit)(acc, row1, d1[j]);
            if (j < l2 && d2[j]) FN(ew_add_digit)(acc, row2, d2[j]);
        }
    }
    FN(batch_normalize)(w->res, w->acc, m, w->scratch);

    unsigned char *out = job->out + PT_BYTES * lo;
    for (size_t i = 0; i < m; i++) FN(ew_store)(out + PT_BYTES * i, &w->res[i]);
    return ZKA_EW_OK;
}

static void FN(ew_worker)(FN(ew_job) *job) {
    size_t B = job->block;
    FN(ew_work) w = {
        malloc(B * sizeof(AFF)), malloc(2 * EW_TAB * B * sizeof(AFF)), malloc(B * sizeof(AFF)),
        malloc(EW_TAB * B * sizeof(JAC)), malloc(B * sizeof(JAC)),
        malloc(EW_TAB * B * sizeof(CF)),
        malloc(2 * EW_MAX_DIGITS * B), malloc(2 * B),
    };
    if (!w.P || !w.tab || !w.res || !w.tj || !w.acc || !w.scratch || !w.dig || !w.len) {
        __atomic_store_n(&job->err, ZKA_EW_NO_MEMORY, __ATOMIC_RELAXED);
        goto done;
    }
    for (;;) {
        size_t lo = __atomic_fetch_add(&job->next_block, 1, __ATOMIC_RELAXED) * B;
        if (lo >= job->n || __atomic_load_n(&job->err, __ATOMIC_RELAXED)) break;
        size_t m = job->n - lo < B ? job->n - lo : B;
        int st = FN(ew_block)(job, &w, lo, m);
        if (st) { __atomic_store_n(&job->err, st, __ATOMIC_RELAXED); break; }
    }
done:
    free(w.P); free(w.tab); free(w.res); free(w.tj); free(w.acc); free(w.scratch);
    free(w.dig); free(w.len);
}

static void *FN(ew_thread)(void *arg) { FN(ew_worker)((FN(ew_job) *)arg); return NULL; }

/* out[i] = scalars[i] * pts[i]: affine points (zeros = infinity) and 32-byte
 * scalars (reduced mod r here), n of each; out holds n points. */
int FN(mul)(const unsigned char *pts, const unsigned char *sc, size_t n, int threads, unsigned char *out) {
    if (!n) return ZKA_EW_OK;
    size_t T = threads < 1 ? 1 : (size_t)threads;
    if (T > 64) T = 64;
    /* aim for ~8 blocks per thread so a slow core delays the end by little */
    size_t B = (n + 8 * T - 1) / (8 * T);
    if (B < EW_BLOCK_MIN) B = EW_BLOCK_MIN;
    if (B > EW_BLOCK_MAX) B = EW_BLOCK_MAX;
    size_t blocks = (n + B - 1) / B;
    if (T > blocks) T = blocks;
    FN(ew_job) job = {pts, sc, out, n, B, 0, ZKA_EW_OK};
    pthread_t tid[64];
    int started[64] = {0};
    for (size_t t = 1; t < T; t++) started[t] = pthread_create(&tid[t], NULL, FN(ew_thread), &job) == 0;
    FN(ew_worker)(&job);   /* a thread that failed to start leaves its blocks to the others */
    for (size_t t = 1; t < T; t++)
        if (started[t]) pthread_join(tid[t], NULL);
    return job.err;
}
