/* Radix-2 NTT over Fr (the scalar field) on precomputed, cached twiddles.
 *
 * Forward: A_i = sum_j a_j w^(ij), natural order in and out (Gentleman-Sande
 * DIF, then a bit-reversal pass).  Inverse uses w^-1 and scales by 1/n.  Coset
 * variants evaluate on g*<w> with g = 5: coefficients are scaled by g^j before
 * the forward transform, and by g^-j after the inverse one.
 *
 * Threads: the first log2(T) stages mix the whole array, so they are split by
 * butterfly index with a join after each; after that every thread owns one
 * contiguous block of n/T values and finishes it alone.
 *
 * Memory: when out is in (and 8-byte aligned) the transform runs in that
 * buffer, converted to Montgomery form in place, so a prover's 2^20-point
 * vectors need no second array.  Twiddles are cached only for small sizes,
 * where recomputing them would be a visible share of the transform; above
 * NTT_CACHE_MAX_LOG they are made per call by all threads (n/2 multiplications
 * against the transform's n log n / 2) and freed, rather than held for the
 * life of the process (32 MiB at 2^20).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "field.h"
#include "kernel.h"

#define MAX_LOG 28
#define NTT_CACHE_MAX_LOG 16

/* ntt_adx.c compiles this file again with the ADX multiplication. */
#ifdef ZKA_ADX
#define NTT_SYM(name) name##_adx
#else
#define NTT_SYM(name) name
#endif

/* Generator of the 2^28-th roots of unity (circom/snarkjs choice), standard form. */
static const uint64_t ROOT_2_28[4] = {0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL,
                                      0x00e0a7eb8ef62abcULL, 0x2a3c09f0a58a7e85ULL};
static const uint64_t COSET_SHIFT = 5;

/* tw_cache[inverse][log_n][k] = w^(+-k), k < n/2, Montgomery form. */
static fe *tw_cache[2][MAX_LOG + 1];

static void fr_from_u64s(fe *r, const uint64_t v[4]) { mf_from_bytes(r, (const unsigned char *)v, &FR_MOD); }

static void fr_small(fe *r, uint64_t v) {
    uint64_t t[4] = {v, 0, 0, 0};
    fr_from_u64s(r, t);
}

static void fr_one(fe *r) { memcpy(r->v, FR_MOD.one, 32); }

static void fr_pow_u64(fe *r, const fe *a, uint64_t e) {
    uint64_t t[4] = {e, 0, 0, 0};
    mf_pow(r, a, t, &FR_MOD);
}

/* Primitive 2^log_n-th root of unity. */
static void root_of_unity(fe *w, unsigned log_n) {
    fr_from_u64s(w, ROOT_2_28);
    for (unsigned i = log_n; i < MAX_LOG; i++) fr_mul(w, w, w);
}

int NTT_SYM(fr_ntt_prepare)(unsigned log_n) {
    if (log_n > MAX_LOG) return 1;
    if (log_n > NTT_CACHE_MAX_LOG) return 0;   /* made per call */
    size_t half = ((size_t)1 << log_n) / 2;
    for (int inv = 0; inv < 2; inv++) {
        if (tw_cache[inv][log_n] || half == 0) continue;
        fe *t = malloc(half * sizeof(fe));
        if (!t) return 2;
        fe w;
        root_of_unity(&w, log_n);
        if (inv) fr_inv(&w, &w);
        fr_one(&t[0]);
        for (size_t k = 1; k < half; k++) fr_mul(&t[k], &t[k - 1], &w);
        tw_cache[inv][log_n] = t;
    }
    return 0;
}

static size_t bitrev(size_t i, unsigned bits) {
    size_t r = 0;
    for (unsigned b = 0; b < bits; b++) { r = (r << 1) | (i & 1); i >>= 1; }
    return r;
}

/* Butterflies k in [from, to) of the DIF stage whose blocks have length len. */
static void dif_stage(fe *a, size_t n, const fe *tw, size_t len, size_t from, size_t to) {
    size_t half = len / 2, stride = n / len;
    for (size_t k = from; k < to; k++) {
        size_t j = k % half, i = (k / half) * len + j;
        fe u = a[i], v = a[i + half];
        fr_add(&a[i], &u, &v);
        fr_sub(&v, &u, &v);
        if (j) fr_mul(&a[i + half], &v, &tw[j * stride]);
        else a[i + half] = v;
    }
}

/* One DIF stage with block length len over a[lo, lo + span). */
static void dif_pass(fe *a, size_t n, const fe *tw, size_t len, size_t lo, size_t span) {
    size_t half = len / 2, stride = n / len;
    for (size_t s = lo; s < lo + span; s += len)
        for (size_t j = 0; j < half; j++) {
            fe u = a[s + j], v = a[s + j + half];
            fr_add(&a[s + j], &u, &v);
            fr_sub(&v, &u, &v);
            if (j) fr_mul(&a[s + j + half], &v, &tw[j * stride]);
            else a[s + j + half] = v;
        }
}

/* Values per cache-resident block: 2^12 * 32 bytes = 128 KiB, inside L2. */
#define NTT_CACHE_BLOCK ((size_t)1 << 12)

/* All remaining stages (block length len and below) on a[lo, lo + span).
 * Stages stream the whole span while blocks are large; once a block fits in
 * cache it is finished depth-first, so the small stages do not re-read the
 * array from memory once each. */
static void dif_local(fe *a, size_t n, const fe *tw, size_t len, size_t lo, size_t span) {
    for (; len > NTT_CACHE_BLOCK; len /= 2) dif_pass(a, n, tw, len, lo, span);
    for (size_t s = lo; s < lo + span; s += len)
        for (size_t l = len; l >= 2; l /= 2) dif_pass(a, n, tw, l, s, len);
}

typedef struct {
    const unsigned char *in;
    unsigned char *out;
    fe *a;
    fe *tw;
    unsigned log_n, log_t;
    int inverse, coset;
    int phase;          /* which step parallel_run is executing */
    unsigned stage;     /* for PH_STAGE: index of the shared DIF stage */
} ntt_shared;

enum { PH_TWIDDLE, PH_LOAD, PH_STAGE, PH_LOCAL, PH_BITREV, PH_STORE };

typedef struct { ntt_shared *sh; size_t t; int err; } ntt_job;

/* One phase for thread slot t; phases are separated by joins, not barriers,
 * so a failed pthread_create just means that slot runs inline. */
static void *ntt_phase(void *arg) {
    ntt_job *job = arg;
    ntt_shared *sh = job->sh;
    size_t n = (size_t)1 << sh->log_n, T = (size_t)1 << sh->log_t, t = job->t;
    size_t span = n / T, lo = t * span;
    fe *a = sh->a;
    fe g, f;
    switch (sh->phase) {
    case PH_TWIDDLE: {   /* tw[k] = w^k for this thread's share of k < n/2 */
        size_t per = n / 2 / T;
        root_of_unity(&g, sh->log_n);
        if (sh->inverse) fr_inv(&g, &g);
        fr_pow_u64(&f, &g, t * per);
        for (size_t k = t * per; k < (t + 1) * per; k++) { sh->tw[k] = f; fr_mul(&f, &f, &g); }
        break;
    }
    case PH_LOAD:
        for (size_t j = lo; j < lo + span; j++) {
            if (!bytes_lt_modulus(sh->in + 32 * j, &FR_MOD)) { job->err = 1; memset(&a[j], 0, sizeof(fe)); continue; }
            mf_from_bytes(&a[j], sh->in + 32 * j, &FR_MOD);
        }
        if (sh->coset && !sh->inverse) {
            fr_small(&g, COSET_SHIFT);
            fr_pow_u64(&f, &g, lo);
            for (size_t j = lo; j < lo + span; j++) { fr_mul(&a[j], &a[j], &f); fr_mul(&f, &f, &g); }
        }
        break;
    case PH_STAGE: {
        size_t per = n / 2 / T;
        dif_stage(a, n, sh->tw, n >> sh->stage, t * per, (t + 1) * per);
        break;
    }
    case PH_LOCAL:
        dif_local(a, n, sh->tw, n >> sh->log_t, lo, span);
        break;
    case PH_BITREV:
        for (size_t i = lo; i < lo + span; i++) {   /* swap pairs are disjoint: no locking */
            size_t r = bitrev(i, sh->log_n);
            if (i < r) { fe x = a[i]; a[i] = a[r]; a[r] = x; }
        }
        break;
    case PH_STORE:
        if (sh->inverse) {
            fe ninv, ginv;
            fr_small(&ninv, n);
            fr_inv(&ninv, &ninv);
            f = ninv;
            if (sh->coset) {
                fr_small(&ginv, COSET_SHIFT);
                fr_inv(&ginv, &ginv);
                fr_pow_u64(&f, &ginv, lo);
                fr_mul(&f, &f, &ninv);
            }
            for (size_t j = lo; j < lo + span; j++) {
                fr_mul(&a[j], &a[j], &f);
                if (sh->coset) fr_mul(&f, &f, &ginv);
            }
        }
        for (size_t j = lo; j < lo + span; j++) mf_to_bytes(sh->out + 32 * j, &a[j], &FR_MOD);
        break;
    }
    return NULL;
}

static void parallel_run(ntt_job *jobs, size_t T) {
    pthread_t tid[16];
    int started[16] = {0};
    for (size_t t = 1; t < T; t++) started[t] = pthread_create(&tid[t], NULL, ntt_phase, &jobs[t]) == 0;
    ntt_phase(&jobs[0]);
    for (size_t t = 1; t < T; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else ntt_phase(&jobs[t]);
    }
}

int NTT_SYM(fr_ntt)(const unsigned char *in, unsigned char *out, unsigned log_n, int inverse, int coset, int threads) {
    if (log_n > MAX_LOG) return 1;
    size_t n = (size_t)1 << log_n;
    int own_tw = log_n > NTT_CACHE_MAX_LOG;
    if (log_n && !own_tw && !tw_cache[inverse ? 1 : 0][log_n]) return 3;   /* fr_ntt_prepare not called */
    unsigned log_t = 0;
    while ((2u << log_t) <= (unsigned)(threads > 0 ? threads : 1) && log_t < 4 && (n >> (log_t + 1)) >= 1024) log_t++;
    int in_place = in == out && ((uintptr_t)out & (sizeof(uint64_t) - 1)) == 0;
    fe *a = in_place ? (fe *)out : malloc(n * sizeof(fe));
    fe *tw = own_tw ? malloc(n / 2 * sizeof(fe)) : NULL;
    if (!a || (own_tw && !tw)) {
        if (!in_place) free(a);
        free(tw);
        return 2;
    }
    ntt_shared sh = {in, out, a, own_tw ? tw : log_n ? tw_cache[inverse ? 1 : 0][log_n] : NULL,
                     log_n, log_t, inverse, coset, 0, 0};
    size_t T = (size_t)1 << log_t;
    ntt_job jobs[16];
    for (size_t t = 0; t < T; t++) jobs[t] = (ntt_job){&sh, t, 0};
    if (own_tw) {
        sh.phase = PH_TWIDDLE;
        parallel_run(jobs, T);
    }
    sh.phase = PH_LOAD;
    parallel_run(jobs, T);
    sh.phase = PH_STAGE;
    for (sh.stage = 0; sh.stage < log_t; sh.stage++) parallel_run(jobs, T);
    sh.phase = PH_LOCAL;
    parallel_run(jobs, T);
    sh.phase = PH_BITREV;
    parallel_run(jobs, T);
    sh.phase = PH_STORE;
    parallel_run(jobs, T);
    int err = 0;
    for (size_t t = 0; t < T; t++) if (jobs[t].err) err = jobs[t].err;
    if (!in_place) free(a);
    free(tw);
    return err;
}
