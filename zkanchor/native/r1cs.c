/* Kernels for the flat R1CS prover and setup (declared in r1cs.h).
 *
 * Form tricks that save conversions: a Montgomery product of x*2^256 (Montgomery
 * form) and y (standard form) is x*y in standard form.  So the sparse products
 * keep only the coefficient table in Montgomery form and read values and write
 * results in standard form straight from and to the caller's buffers: no
 * per-value conversion in or out, and no O(n) copy of the vector.  Row sums
 * go further and add plain 512-bit products, reducing once per row.  R1CS
 * coefficients are mostly 1 and -1 (and the table is shared by all three
 * matrices), so those entries are a field addition instead of a multiplication.
 *
 * Threads: work is cut into chunks (several per thread) taken from an atomic
 * counter, so a thread on a busy core just takes fewer.  Input errors are
 * reported for the smallest offending index whatever the thread timing: chunks
 * are handed out in increasing order, so once an error is noted, chunks not yet
 * started can only hold larger ones and are skipped.
 */
#include <pthread.h>
#include <stdlib.h>
#include "fp2.h"
#include "r1cs.h"

/* r1cs_adx.c compiles this file again with the ADX multiplication. */
#ifdef ZKA_ADX
#define R1_SYM(name) name##_adx
#define R1_TABLE ZKA_R1CS_ADX
#else
#define R1_SYM(name) name
#define R1_TABLE ZKA_R1CS_PORTABLE
#endif

#define R1_MAX_THREADS 64
#define R1_NONE SIZE_MAX   /* "no bad index seen" */

/* ---- parallel loop over [0, n) ------------------------------------------------ */

/* body(ctx, lo, hi, worker): worker < the thread count, for per-thread state. */
typedef void (*r1_body)(void *ctx, size_t lo, size_t hi, size_t worker);

typedef struct {
    r1_body body;
    void *ctx;
    size_t n, grain;
    size_t next;    /* atomic: next chunk */
} r1_pool;

typedef struct { r1_pool *pool; size_t worker; } r1_slot;

static void *r1_worker(void *arg) {
    r1_slot *s = arg;
    r1_pool *p = s->pool;
    for (;;) {
        size_t lo = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED) * p->grain;
        if (lo >= p->n) break;
        size_t hi = p->n - lo < p->grain ? p->n : lo + p->grain;
        p->body(p->ctx, lo, hi, s->worker);
    }
    return NULL;
}

static size_t r1_threads(int threads) {
    if (threads < 1) return 1;
    return threads > R1_MAX_THREADS ? R1_MAX_THREADS : (size_t)threads;
}

/* About 8 chunks per thread (a slow core delays the end by little), none below
 * min_grain (a chunk must outweigh the atomic and the cache misses at its edges). */
static size_t r1_grain(size_t n, size_t T, size_t min_grain) {
    size_t g = (n + 8 * T - 1) / (8 * T);
    return g < min_grain ? min_grain : g;
}

/* Runs body over [0, n) in chunks of grain on up to T threads (T <= R1_MAX_THREADS);
 * a thread that fails to start leaves its chunks to the others. */
static void r1_parallel(size_t n, size_t grain, size_t T, r1_body body, void *ctx) {
    if (!n) return;
    if (grain < 1) grain = 1;
    size_t chunks = (n + grain - 1) / grain;
    if (T > chunks) T = chunks;
    r1_pool pool = {body, ctx, n, grain, 0};
    r1_slot slots[R1_MAX_THREADS];
    pthread_t tid[R1_MAX_THREADS];
    int started[R1_MAX_THREADS] = {0};
    for (size_t t = 0; t < T; t++) slots[t] = (r1_slot){&pool, t};
    for (size_t t = 1; t < T; t++) started[t] = pthread_create(&tid[t], NULL, r1_worker, &slots[t]) == 0;
    r1_worker(&slots[0]);
    for (size_t t = 1; t < T; t++)
        if (started[t]) pthread_join(tid[t], NULL);
}

/* *slot = min(*slot, key), from any thread. */
static void r1_note(size_t *slot, size_t key) {
    size_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (key < cur && !__atomic_compare_exchange_n(slot, &cur, key, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

ZKA_INLINE int r1_seen(size_t *slot) { return __atomic_load_n(slot, __ATOMIC_RELAXED) != R1_NONE; }

/* Caller buffers carry no alignment promise: load and store through memcpy
 * (a plain mov on x86_64 and aarch64). */
ZKA_INLINE int64_t ld_i64(const unsigned char *p, size_t i) { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
ZKA_INLINE uint32_t ld_u32(const unsigned char *p, size_t i) { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
ZKA_INLINE void ld_fe(fe *r, const unsigned char *p, size_t i) { memcpy(r->v, p + 32 * i, 32); }
ZKA_INLINE void st_fe(unsigned char *p, size_t i, const fe *a) { memcpy(p + 32 * i, a->v, 32); }

/* Montgomery multiplication by this turns Montgomery form into standard form
 * and standard form x into x/2^256. */
static const fe RAW_ONE = {{1, 0, 0, 0}};

/* ---- range check of an Fr vector ------------------------------------------------ */

typedef struct { const unsigned char *v; size_t bad; } range_job;

static void range_body(void *arg, size_t lo, size_t hi, size_t worker) {
    range_job *j = arg;
    (void)worker;
    if (r1_seen(&j->bad)) return;
    for (size_t i = lo; i < hi; i++)
        if (!bytes_lt_modulus(j->v + 32 * i, &FR_MOD)) { r1_note(&j->bad, i); return; }
}

/* Index of the first element >= r, or R1_NONE. */
static size_t fr_check_range(const unsigned char *v, size_t n, size_t T) {
    range_job j = {v, R1_NONE};
    r1_parallel(n, r1_grain(n, T, 1 << 14), T, range_body, &j);
    return j.bad;
}

/* ---- the coefficient table -------------------------------------------------------- */

enum { K_MUL, K_ZERO, K_ONE, K_MINUS_ONE };

typedef struct {
    fe *mont;          /* coefficients in Montgomery form */
    uint8_t *kind;     /* K_*: what multiplying by the coefficient amounts to */
    const unsigned char *src;
    size_t bad;
} coef_table;

static void coef_body(void *arg, size_t lo, size_t hi, size_t worker) {
    coef_table *t = arg;
    (void)worker;
    if (r1_seen(&t->bad)) return;
    fe one, minus_one;
    memcpy(one.v, FR_MOD.one, 32);
    mf_neg(&minus_one, &one, &FR_MOD);
    for (size_t i = lo; i < hi; i++) {
        const unsigned char *b = t->src + 32 * i;
        if (!bytes_lt_modulus(b, &FR_MOD)) { r1_note(&t->bad, i); return; }
        mf_from_bytes(&t->mont[i], b, &FR_MOD);
        t->kind[i] = mf_is_zero(&t->mont[i]) ? K_ZERO
                     : mf_eq(&t->mont[i], &one) ? K_ONE
                     : mf_eq(&t->mont[i], &minus_one) ? K_MINUS_ONE : K_MUL;
    }
}

/* 0, ZKA_R1CS_BAD_COEFF (*where set) or ZKA_R1CS_NO_MEMORY; on success the
 * caller frees t->mont and t->kind. */
static int coef_load(coef_table *t, const unsigned char *coeffs, size_t n, size_t T, size_t *where) {
    t->mont = malloc((n ? n : 1) * sizeof(fe));
    t->kind = malloc(n ? n : 1);
    t->src = coeffs;
    t->bad = R1_NONE;
    if (!t->mont || !t->kind) { free(t->mont); free(t->kind); return ZKA_R1CS_NO_MEMORY; }
    r1_parallel(n, r1_grain(n, T, 1 << 12), T, coef_body, t);
    if (t->bad != R1_NONE) {
        free(t->mont);
        free(t->kind);
        *where = t->bad;
        return ZKA_R1CS_BAD_COEFF;
    }
    return 0;
}

/* acc += coefficient * v, v in standard form; the product comes out standard too. */
ZKA_INLINE void coef_madd(fe *acc, const coef_table *t, uint32_t c, const fe *v) {
    fe p;
    switch (t->kind[c]) {
    case K_ONE: fr_add(acc, acc, v); break;
    case K_MINUS_ONE: fr_sub(acc, acc, v); break;
    case K_ZERO: break;
    default:
        fr_mul(&p, &t->mont[c], v);
        fr_add(acc, acc, &p);
    }
}

/* ---- CSR structure ------------------------------------------------------------ */

/* 0 = row_ptr[0] <= row_ptr[1] <= ... <= row_ptr[m] = nnz; else the first index
 * that breaks it.  Serial: one streaming pass, and the row split below needs it
 * to hold before any thread starts. */
static size_t csr_check_rows(const zka_csr *a) {
    int64_t prev = 0;
    for (size_t i = 0; i <= a->m; i++) {
        int64_t v = ld_i64(a->row_ptr, i);
        if (v < prev || (uint64_t)v > a->nnz || (i == 0 && v != 0)) return i;
        prev = v;
    }
    return prev == (int64_t)a->nnz ? R1_NONE : a->m;
}

/* Rows are cut into chunks of about equal nnz + rows (a row costs a store and
 * an accumulator even when empty).  That weight, row_ptr[i] + i, is strictly
 * increasing in i, so chunk c = the rows whose weight lies in
 * [c W / C, (c + 1) W / C) is a partition of [0, m). */
typedef struct { const zka_csr *a; size_t chunks; } row_split;

static size_t row_at_weight(const zka_csr *a, size_t w) {   /* smallest i with weight(i) >= w */
    size_t lo = 0, hi = a->m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((size_t)ld_i64(a->row_ptr, mid) + mid >= w) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void split_rows(const row_split *s, size_t c, size_t *r0, size_t *r1) {
    u128 W = (u128)s->a->nnz + s->a->m;
    *r0 = row_at_weight(s->a, (size_t)(W * c / s->chunks));
    *r1 = row_at_weight(s->a, (size_t)(W * (c + 1) / s->chunks));
}

static size_t row_chunks(const zka_csr *a, size_t T) {
    if (T == 1) return 1;
    size_t W = a->nnz + a->m, C = 8 * T, per = (size_t)1 << 14;
    if (W / per < C) C = W / per;
    return C ? C : 1;
}

/* ---- sparse rows: out = A v ---------------------------------------------------- */

typedef struct {
    row_split split;
    const coef_table *coef;
    const unsigned char *values;
    size_t n;
    unsigned char *out;
    size_t bad;        /* 2k for cols[k], 2k + 1 for cidx[k] */
} rows_job;

/* A row's running sum as hi * 2^256 + lo, hi < r.  A Montgomery coefficient
 * times a standard value is added as its plain 512-bit product (half the work
 * of a Montgomery multiplication: no reduction), and the row is divided by
 * 2^256 once at its end, which makes the Montgomery products standard. */
typedef struct { fe lo, hi; } row_acc;

ZKA_INLINE void acc_add_product(row_acc *s, const fe *a, const fe *b) {
    uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 c = 0;
        for (int k = 0; k < 4; k++) {
            c += (u128)a->v[k] * b->v[i] + t[i + k];
            t[i + k] = (uint64_t)c;
            c >>= 64;
        }
        t[i + 4] = (uint64_t)c;
    }
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)s->lo.v[i] + t[i];
        s->lo.v[i] = (uint64_t)c;
        c >>= 64;
    }
    for (int i = 0; i < 4; i++) {
        c += (u128)s->hi.v[i] + t[i + 4];
        t[i + 4] = (uint64_t)c;
        c >>= 64;
    }
    /* a, b < r < 2^254 put the product's top half below r / 4, so the sum is < 2r */
    mf_reduce_once(&s->hi, t[4], t[5], t[6], t[7], &FR_MOD);
}

/* coefficient * v with v standard; 1 and -1 add v * 2^256, i.e. v to hi. */
ZKA_INLINE void acc_madd(row_acc *s, const coef_table *t, uint32_t c, const fe *v) {
    switch (t->kind[c]) {
    case K_ONE: fr_add(&s->hi, &s->hi, v); break;
    case K_MINUS_ONE: fr_sub(&s->hi, &s->hi, v); break;
    case K_ZERO: break;
    default: acc_add_product(s, &t->mont[c], v);
    }
}

/* (hi * 2^256 + lo) / 2^256 mod r = hi + lo / 2^256. */
ZKA_INLINE void acc_finish(fe *r, const row_acc *s) {
    fe l;
    fr_mul(&l, &s->lo, &RAW_ONE);   /* any lo < 2^256 keeps the result < 2r before its reduction */
    fr_add(r, &s->hi, &l);
}

/* Values are gathered at random positions; fetch this many entries ahead so the
 * misses overlap with the arithmetic of the entries before. */
#define R1_PREFETCH 8

static void rows_body(void *arg, size_t lo, size_t hi, size_t worker) {
    rows_job *j = arg;
    const zka_csr *a = j->split.a;
    (void)worker;
    for (size_t c = lo; c < hi; c++) {
        if (r1_seen(&j->bad)) return;
        size_t r0, r1;
        split_rows(&j->split, c, &r0, &r1);
        if (r0 == r1) continue;
        size_t k = (size_t)ld_i64(a->row_ptr, r0), stop = (size_t)ld_i64(a->row_ptr, r1);
        for (size_t i = r0; i < r1; i++) {
            size_t end = (size_t)ld_i64(a->row_ptr, i + 1);
            row_acc acc;
            memset(&acc, 0, sizeof(acc));
            fe v;
            for (; k < end; k++) {
                if (k + R1_PREFETCH < stop) {
                    size_t ahead = ld_u32(a->cols, k + R1_PREFETCH);
                    if (ahead < j->n) __builtin_prefetch(j->values + 32 * ahead);
                }
                uint32_t col = ld_u32(a->cols, k), ci = ld_u32(a->cidx, k);
                if (col >= j->n) { r1_note(&j->bad, 2 * k); return; }
                if (ci >= a->n_coeffs) { r1_note(&j->bad, 2 * k + 1); return; }
                ld_fe(&v, j->values, col);
                acc_madd(&acc, j->coef, ci, &v);
            }
            acc_finish(&v, &acc);
            st_fe(j->out, i, &v);
        }
    }
}

int R1_SYM(fr_sparse_rows)(const zka_csr *a, const unsigned char *values, size_t n, int threads,
                           unsigned char *out, size_t *where) {
    size_t T = r1_threads(threads);
    size_t bad = csr_check_rows(a);
    if (bad != R1_NONE) { *where = bad; return ZKA_R1CS_BAD_ROW_PTR; }
    coef_table coef;
    int st = coef_load(&coef, a->coeffs, a->n_coeffs, T, where);
    if (st) return st;
    bad = fr_check_range(values, n, T);
    if (bad != R1_NONE) { *where = bad; st = ZKA_R1CS_BAD_VALUE; goto done; }
    rows_job j = {{a, row_chunks(a, T)}, &coef, values, n, out, R1_NONE};
    r1_parallel(j.split.chunks, 1, T, rows_body, &j);
    if (j.bad != R1_NONE) {
        *where = j.bad / 2;
        st = j.bad & 1 ? ZKA_R1CS_BAD_CIDX : ZKA_R1CS_BAD_COL;
    }
done:
    free(coef.mont);
    free(coef.kind);
    return st;
}

/* ---- sparse columns: out = A^T v ------------------------------------------------- */

/* Each thread scatters into its own accumulator array (threads would collide on
 * columns), then a second pass sums the arrays column by column. */
typedef struct {
    row_split split;
    const coef_table *coef;
    const unsigned char *row_values;
    size_t n_out, parts;
    fe *acc;           /* parts arrays of n_out standard-form sums */
    unsigned char *out;
    size_t bad;        /* as in rows_job */
} cols_job;

static void cols_body(void *arg, size_t lo, size_t hi, size_t worker) {
    cols_job *j = arg;
    const zka_csr *a = j->split.a;
    fe *acc = j->acc + j->n_out * worker;
    for (size_t c = lo; c < hi; c++) {
        if (r1_seen(&j->bad)) return;
        size_t r0, r1;
        split_rows(&j->split, c, &r0, &r1);
        if (r0 == r1) continue;
        size_t k = (size_t)ld_i64(a->row_ptr, r0), stop = (size_t)ld_i64(a->row_ptr, r1);
        for (size_t i = r0; i < r1; i++) {
            size_t end = (size_t)ld_i64(a->row_ptr, i + 1);
            fe v;
            ld_fe(&v, j->row_values, i);
            for (; k < end; k++) {
                if (k + R1_PREFETCH < stop) {
                    size_t ahead = ld_u32(a->cols, k + R1_PREFETCH);
                    if (ahead < j->n_out) __builtin_prefetch(acc + ahead, 1);
                }
                uint32_t col = ld_u32(a->cols, k), ci = ld_u32(a->cidx, k);
                if (col >= j->n_out) { r1_note(&j->bad, 2 * k); return; }
                if (ci >= a->n_coeffs) { r1_note(&j->bad, 2 * k + 1); return; }
                coef_madd(&acc[col], j->coef, ci, &v);
            }
        }
    }
}

static void cols_sum_body(void *arg, size_t lo, size_t hi, size_t worker) {
    cols_job *j = arg;
    (void)worker;
    for (size_t col = lo; col < hi; col++) {
        fe s = j->acc[col];
        for (size_t t = 1; t < j->parts; t++) fr_add(&s, &s, &j->acc[j->n_out * t + col]);
        st_fe(j->out, col, &s);
    }
}

int R1_SYM(fr_sparse_cols)(const zka_csr *a, const unsigned char *row_values, size_t n_out, int threads,
                           unsigned char *out, size_t *where) {
    size_t T = r1_threads(threads);
    size_t bad = csr_check_rows(a);
    if (bad != R1_NONE) { *where = bad; return ZKA_R1CS_BAD_ROW_PTR; }
    coef_table coef;
    int st = coef_load(&coef, a->coeffs, a->n_coeffs, T, where);
    if (st) return st;
    fe *acc = NULL;
    bad = fr_check_range(row_values, a->m, T);
    if (bad != R1_NONE) { *where = bad; st = ZKA_R1CS_BAD_VALUE; goto done; }
    /* A private array per thread pays while the nonzeros outnumber the
     * columns (summing the arrays costs one addition per column and thread);
     * past 256 MiB of them, fewer threads scatter instead. */
    size_t parts = T, by_work = n_out ? a->nnz / n_out : T, by_mem = ((size_t)256 << 20) / (32 * (n_out ? n_out : 1));
    if (parts > by_work) parts = by_work;
    if (parts > by_mem) parts = by_mem;
    if (parts < 1) parts = 1;
    acc = calloc(parts * (n_out ? n_out : 1), sizeof(fe));
    if (!acc) { st = ZKA_R1CS_NO_MEMORY; goto done; }
    cols_job j = {{a, row_chunks(a, parts)}, &coef, row_values, n_out, parts, acc, out, R1_NONE};
    r1_parallel(j.split.chunks, 1, parts, cols_body, &j);
    if (j.bad != R1_NONE) {
        *where = j.bad / 2;
        st = j.bad & 1 ? ZKA_R1CS_BAD_CIDX : ZKA_R1CS_BAD_COL;
        goto done;
    }
    r1_parallel(n_out, r1_grain(n_out, T, 1 << 14), T, cols_sum_body, &j);
done:
    free(acc);
    free(coef.mont);
    free(coef.kind);
    return st;
}

/* ---- witness check and the quotient's numerator ----------------------------------- */

typedef struct {
    const unsigned char *a, *b, *c;
    unsigned char *out;     /* NULL: only look for the first a_i b_i != c_i */
    fe k2;                  /* k * 2^512 mod r: one multiplication by it maps (x / 2^256) to x k */
    size_t bad;             /* 3 i + which of a, b, c is >= r */
    size_t unsat;           /* first i with a_i b_i != c_i */
} abc_job;

/* Every element is range checked even past an unsatisfied one, so whether a
 * call raises does not depend on where the first violation is. */
static void abc_body(void *arg, size_t lo, size_t hi, size_t worker) {
    abc_job *j = arg;
    (void)worker;
    if (r1_seen(&j->bad)) return;
    const unsigned char *src[3] = {j->a, j->b, j->c};
    for (size_t i = lo; i < hi; i++)
        for (int s = 0; s < 3; s++)
            if (src[s] && !bytes_lt_modulus(src[s] + 32 * i, &FR_MOD)) { r1_note(&j->bad, 3 * i + s); return; }
    for (size_t i = lo; i < hi; i++) {
        if (!j->out && i >= __atomic_load_n(&j->unsat, __ATOMIC_RELAXED)) return;
        fe a, b, c, ab, c1 = {{0, 0, 0, 0}};
        ld_fe(&a, j->a, i);
        if (j->b) {
            ld_fe(&b, j->b, i);
            fr_mul(&ab, &a, &b);      /* ab / 2^256 */
        } else {
            fr_mul(&ab, &a, &RAW_ONE);   /* b = 1 */
        }
        if (j->c) {
            ld_fe(&c, j->c, i);
            fr_mul(&c1, &c, &RAW_ONE);   /* c / 2^256; c = 0 when absent */
        }
        if (!j->out) {
            if (!mf_eq(&ab, &c1)) { r1_note(&j->unsat, i); return; }
            continue;
        }
        fr_sub(&ab, &ab, &c1);
        fr_mul(&ab, &ab, &j->k2);
        st_fe(j->out, i, &ab);
    }
}

int R1_SYM(fr_first_unsatisfied)(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                                 int threads, long long *first, size_t *where) {
    size_t T = r1_threads(threads);
    abc_job j = {a, b, c, NULL, {{0}}, R1_NONE, R1_NONE};
    r1_parallel(n, r1_grain(n, T, 1 << 13), T, abc_body, &j);
    if (j.bad != R1_NONE) { *where = j.bad; return ZKA_R1CS_BAD_VALUE; }
    *first = j.unsat == R1_NONE ? -1 : (long long)j.unsat;
    return 0;
}

int R1_SYM(fr_h_evaluations)(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                             const unsigned char *k, int threads, unsigned char *out, size_t *where) {
    size_t T = r1_threads(threads);
    if (!bytes_lt_modulus(k, &FR_MOD)) { *where = R1_NONE; return ZKA_R1CS_BAD_VALUE; }
    abc_job j = {a, b, c, out, {{0}}, R1_NONE, R1_NONE};
    fe r2;
    memcpy(r2.v, FR_MOD.r2, 32);
    mf_from_bytes(&j.k2, k, &FR_MOD);
    fr_mul(&j.k2, &j.k2, &r2);
    r1_parallel(n, r1_grain(n, T, 1 << 13), T, abc_body, &j);
    if (j.bad != R1_NONE) { *where = j.bad; return ZKA_R1CS_BAD_VALUE; }
    return 0;
}

/* ---- curve membership of packed points ------------------------------------------ */

static const uint64_t TWIST_B[2][4] = {   /* 3 / (9 + u), standard form, c0 then c1 */
    {0x3267e6dc24a138e5ULL, 0xb5b4c5e559dbefa3ULL, 0x81be18991be06ac3ULL, 0x2b149d40ceb8aaaeULL},
    {0xe4a2bd0685c315d2ULL, 0xa74fa084e52d1852ULL, 0xcd2cafadeed8fdf4ULL, 0x009713b03af0fed4ULL},
};

typedef struct {
    const unsigned char *pts;
    int g2;
    size_t bad;
} points_job;

static int all_zero(const unsigned char *b, size_t len) {
    uint64_t acc = 0, w;
    for (size_t i = 0; i < len; i += 8) { memcpy(&w, b + i, 8); acc |= w; }
    return acc == 0;
}

static int g1_point_ok(const unsigned char *b, const fe *b1) {
    if (!bytes_lt_modulus(b, &FP_MOD) || !bytes_lt_modulus(b + 32, &FP_MOD)) return 0;
    fe x, y, l, r;
    mf_from_bytes(&x, b, &FP_MOD);
    mf_from_bytes(&y, b + 32, &FP_MOD);
    fp_sqr(&l, &y);
    fp_sqr(&r, &x);
    fp_mul(&r, &r, &x);
    fp_add(&r, &r, b1);
    return mf_eq(&l, &r);
}

static int g2_point_ok(const unsigned char *b, const fe2 *b2) {
    for (int i = 0; i < 4; i++)
        if (!bytes_lt_modulus(b + 32 * i, &FP_MOD)) return 0;
    fe2 x, y, l, r;
    mf_from_bytes(&x.c0, b, &FP_MOD);
    mf_from_bytes(&x.c1, b + 32, &FP_MOD);
    mf_from_bytes(&y.c0, b + 64, &FP_MOD);
    mf_from_bytes(&y.c1, b + 96, &FP_MOD);
    fp2_sqr(&l, &y);
    fp2_sqr(&r, &x);
    fp2_mul(&r, &r, &x);
    fp2_add(&r, &r, b2);
    return fp2_eq(&l, &r);
}

static void points_body(void *arg, size_t lo, size_t hi, size_t worker) {
    points_job *j = arg;
    (void)worker;
    if (r1_seen(&j->bad)) return;
    size_t size = j->g2 ? 128 : 64;
    fe b1;
    fe2 b2;
    const uint64_t three[4] = {3, 0, 0, 0};
    mf_from_bytes(&b1, (const unsigned char *)three, &FP_MOD);
    mf_from_bytes(&b2.c0, (const unsigned char *)TWIST_B[0], &FP_MOD);
    mf_from_bytes(&b2.c1, (const unsigned char *)TWIST_B[1], &FP_MOD);
    for (size_t i = lo; i < hi; i++) {
        const unsigned char *p = j->pts + size * i;
        if (all_zero(p, size)) continue;   /* infinity */
        if (!(j->g2 ? g2_point_ok(p, &b2) : g1_point_ok(p, &b1))) { r1_note(&j->bad, i); return; }
    }
}

static int check_points(const unsigned char *pts, size_t n, int g2, int threads, long long *first) {
    size_t T = r1_threads(threads);
    points_job j = {pts, g2, R1_NONE};
    r1_parallel(n, r1_grain(n, T, g2 ? 1 << 11 : 1 << 12), T, points_body, &j);
    *first = j.bad == R1_NONE ? -1 : (long long)j.bad;
    return 0;
}

int R1_SYM(g1_check_points)(const unsigned char *pts, size_t n, int threads, long long *first) {
    return check_points(pts, n, 0, threads, first);
}

int R1_SYM(g2_check_points)(const unsigned char *pts, size_t n, int threads, long long *first) {
    return check_points(pts, n, 1, threads, first);
}

/* ---- Lagrange basis at a point ------------------------------------------------------ */

/* Generator of the 2^28-th roots of unity, standard form: the same constant and
 * derivation as ntt.c's root_of_unity, so L_i here pairs with the NTT's w^i. */
static const uint64_t ROOT_2_28[4] = {0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL,
                                      0x00e0a7eb8ef62abcULL, 0x2a3c09f0a58a7e85ULL};

typedef struct {
    fe tau, w, w_inv, scale;    /* scale = (tau^n - 1) / n */
    unsigned char *out;
} lagrange_job;

/* L_i = scale * w^i / (tau - w^i) on [lo, hi), with one inversion per chunk
 * (Montgomery's trick).  The prefix products wait in out's own slots until the
 * backward pass overwrites each with its result. */
static void lagrange_body(void *arg, size_t lo, size_t hi, size_t worker) {
    lagrange_job *j = arg;
    (void)worker;
    fe wi, acc, d, inv, li, pre;
    const uint64_t e[4] = {lo, 0, 0, 0};
    mf_pow(&wi, &j->w, e, &FR_MOD);
    memcpy(acc.v, FR_MOD.one, 32);
    for (size_t i = lo; i < hi; i++) {
        st_fe(j->out, i, &acc);
        fr_sub(&d, &j->tau, &wi);
        fr_mul(&acc, &acc, &d);
        fr_mul(&wi, &wi, &j->w);
    }
    fr_inv(&inv, &acc);              /* nonzero: tau is no w^i (checked by the caller) */
    fr_mul(&inv, &inv, &j->scale);
    for (size_t i = hi; i-- > lo;) {
        fr_mul(&wi, &wi, &j->w_inv);
        fr_sub(&d, &j->tau, &wi);
        ld_fe(&pre, j->out, i);
        fr_mul(&li, &inv, &pre);     /* scale / (tau - w^i) */
        fr_mul(&inv, &inv, &d);
        fr_mul(&li, &li, &wi);
        mf_to_bytes(j->out + 32 * i, &li, &FR_MOD);
    }
}

int R1_SYM(fr_lagrange_at)(unsigned log_n, const unsigned char *tau, int threads, unsigned char *out) {
    if (log_n > 28 || !bytes_lt_modulus(tau, &FR_MOD)) return ZKA_R1CS_BAD_VALUE;
    size_t n = (size_t)1 << log_n, T = r1_threads(threads);
    lagrange_job j;
    j.out = out;
    mf_from_bytes(&j.tau, tau, &FR_MOD);
    mf_from_bytes(&j.w, (const unsigned char *)ROOT_2_28, &FR_MOD);
    for (unsigned i = log_n; i < 28; i++) fr_mul(&j.w, &j.w, &j.w);
    fr_inv(&j.w_inv, &j.w);
    fe z = j.tau, one, n_inv;
    for (unsigned i = 0; i < log_n; i++) fr_mul(&z, &z, &z);
    memcpy(one.v, FR_MOD.one, 32);
    fr_sub(&z, &z, &one);
    if (mf_is_zero(&z)) return ZKA_R1CS_IN_DOMAIN;
    const uint64_t nn[4] = {n, 0, 0, 0};
    mf_from_bytes(&n_inv, (const unsigned char *)nn, &FR_MOD);
    fr_inv(&n_inv, &n_inv);
    fr_mul(&j.scale, &z, &n_inv);
    /* a chunk's inversion and w^lo cost ~700 multiplications: keep chunks >> that */
    r1_parallel(n, r1_grain(n, T, 1 << 13), T, lagrange_body, &j);
    return 0;
}

const zka_r1cs_ops R1_TABLE = {
    R1_SYM(fr_sparse_rows), R1_SYM(fr_sparse_cols), R1_SYM(fr_first_unsatisfied), R1_SYM(fr_h_evaluations),
    R1_SYM(g1_check_points), R1_SYM(g2_check_points), R1_SYM(fr_lagrange_at),
};

/* ---- int64 witnesses ------------------------------------------------------------ */

#ifndef ZKA_ADX   /* no field multiplication: built once */
typedef struct { const unsigned char *in; unsigned char *out; } pack_job;

static void pack_body(void *arg, size_t lo, size_t hi, size_t worker) {
    pack_job *j = arg;
    (void)worker;
    for (size_t i = lo; i < hi; i++) {
        int64_t x = ld_i64(j->in, i);
        uint64_t v[4] = {(uint64_t)x, 0, 0, 0};
        if (x < 0) {
            /* r - |x|; |INT64_MIN| = 2^63 is fine as an unsigned value */
            uint64_t mag = 0 - (uint64_t)x, borrow;
            u128 d = (u128)FR_MOD.m[0] - mag;
            v[0] = (uint64_t)d;
            borrow = (uint64_t)(d >> 64) & 1;
            for (int l = 1; l < 4; l++) {
                d = (u128)FR_MOD.m[l] - borrow;
                v[l] = (uint64_t)d;
                borrow = (uint64_t)(d >> 64) & 1;
            }
        }
        memcpy(j->out + 32 * i, v, 32);
    }
}

int fr_pack_int64(const unsigned char *in, size_t n, int threads, unsigned char *out) {
    size_t T = r1_threads(threads);
    pack_job j = {in, out};
    r1_parallel(n, r1_grain(n, T, 1 << 16), T, pack_body, &j);
    return 0;
}
#endif
