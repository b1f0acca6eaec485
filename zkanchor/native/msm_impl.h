/* Variable-base MSM (Pippenger) and fixed-base batch multiplication, written
 * once for G1 and G2 on top of curve_impl.h.  The including file also defines
 * CF_load (bytes -> Montgomery, returns 0 when a coordinate is >= p),
 * CF_store and PT_BYTES (affine point size on the wire).
 *
 * Pippenger here: signed-digit windows sized from the scalars' bit lengths,
 * then per window the nonzero digits are counting-sorted into buckets and each
 * bucket is summed by pairwise tree reduction in affine coordinates, every
 * round of every bucket sharing one inversion (per ZKA_BATCH_PAIRS pairs).  A
 * bucket with k points costs k - 1 cheap affine additions; zero digits cost
 * nothing, so 0/1 witnesses reduce to one window with one bucket.  Equal
 * points, P + (-P) and infinity are handled inside batch_add.  Scalars above
 * r/2 are replaced by r - s with the point negated, so negative fixed-point
 * values are as cheap as positive.  Scalars still longer than 128 bits
 * (full-size field elements) are split by GLV, s = k1 + k2 lambda with |k1|,
 * |k2| < 2^128 (scalar.h), into two entries on P and phi(P) = (beta x, y) =
 * lambda P: twice the entries, half the windows, so half the window sums and a
 * wider optimal window.  The window sums (sum_b b B_b) run in affine
 * coordinates too, batched across segments of buckets (window_sums_affine),
 * and the window width comes from a cost model calibrated on instruction
 * counts (pip_cost).
 *
 * Memory: the input is consumed in chunks of points (msm_range), and each
 * window's bucket sums are carried from one chunk to the next: a chunk's
 * points are sorted into the buckets next to the sums so far and the tree
 * reduction folds them in, so a bucket that receives k points over all chunks
 * still costs k - 1 additions and the window sums are formed once, at the end.
 * Chunking thus costs no additions, only a few more inversions and passes, and
 * the working memory is the chunk's (converted points, digits, one bucket-
 * sorted copy per thread) plus nw * 2^(c-1) carried bucket sums, whatever n.
 *
 * Threads take window groups from a shared counter (the window width and the
 * group size also weigh how evenly the groups divide among them); inputs with
 * too few windows to share (mostly small scalars) are split into ranges of
 * equal estimated work instead, one single-threaded Pippenger each.
 */

#include <pthread.h>
#include <stdlib.h>

#ifndef ZKA_MSM_COMMON
#define ZKA_MSM_COMMON

/* ZKANCHOR_MSM_GLV=0 in the environment (read per call) runs the MSM's
 * previous algorithm: no GLV split, Jacobian window sums, the old window
 * choice.  Same results; for benchmarks and bisecting only. */
static int zka_msm_glv_enabled(void) {
    const char *e = getenv("ZKANCHOR_MSM_GLV");
    return !(e && e[0] == '0');
}

/* ZKANCHOR_MSM_CHUNK=N (read per call) caps a chunk at N points, so tests can
 * cross chunk boundaries with small inputs; 0 or unset: sized by
 * ZKA_MSM_BUDGET. */
static size_t zka_msm_chunk_override(void) {
    const char *e = getenv("ZKANCHOR_MSM_CHUNK");
    long long v = e ? atoll(e) : 0;
    return v > 0 ? (size_t)v : 0;
}

#define ZKA_OK 0
#define ZKA_BAD_POINT 1
#define ZKA_NO_MEMORY 2
#define ZKA_INTERNAL 3   /* a GLV half longer than the bound the windows were sized for: never expected */

/* Bytes a range's chunk may take (converted points, digits, every thread's
 * bucket-sorted copy); the carried bucket sums come on top (up to ~20 MB in G2
 * at the widest windows).  Chunking costs nothing in additions, so this only
 * has to keep per-chunk passes and inversions negligible: at 2^20 full-size
 * points on two threads it makes chunks of ~4 * 10^4 (G2) and ~8 * 10^4 (G1)
 * points.  Measured at 16, 32 and 64 MiB: no difference in speed beyond noise.
 * (This and ZKA_BATCH_PAIRS may be set with -D for experiments.) */
#ifndef ZKA_MSM_BUDGET
#define ZKA_MSM_BUDGET ((size_t)32 << 20)
#endif
#define ZKA_MSM_MIN_CHUNK ((size_t)1 << 12)

/* Pairs per batch_add call: one inversion (a few hundred multiplications)
 * spread over this many additions of ~6 is noise, and the scratch (two field
 * elements a pair: 0.5 MiB in G1, 1 MiB in G2) no longer grows with the input. */
#ifndef ZKA_BATCH_PAIRS
#define ZKA_BATCH_PAIRS 8192
#endif

/* Run fn(ctx, t) for t < T, t = 0 on the calling thread.  A thread that cannot
 * be started has its share run here afterwards (for the shared-counter phases
 * it then finds nothing left). */
typedef struct { void (*fn)(void *, unsigned); void *ctx; unsigned t; } zka_task;

static void *zka_task_main(void *arg) {
    zka_task *k = (zka_task *)arg;
    k->fn(k->ctx, k->t);
    return NULL;
}

static void zka_run_parallel(void (*fn)(void *, unsigned), void *ctx, unsigned T) {
    zka_task tasks[64];
    pthread_t tid[64];
    int started[64] = {0};
    if (T > 64) T = 64;
    for (unsigned t = 1; t < T; t++) {
        tasks[t] = (zka_task){fn, ctx, t};
        started[t] = pthread_create(&tid[t], NULL, zka_task_main, &tasks[t]) == 0;
    }
    fn(ctx, 0);
    for (unsigned t = 1; t < T; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else fn(ctx, t);
    }
}

#endif

/* Points per window group (see msm_range).  Small enough that a group's
 * buckets stay in L2 (512 KiB: 2^13 G1 or 2^12 G2 points); large enough that
 * one inversion per round is negligible next to the additions it serves. */
#define ZKA_GROUP_POINTS (((size_t)512 << 10) / sizeof(AFF))

/* Affine additions queued for batch_add, flushed every ZKA_BATCH_PAIRS pairs.
 * Splitting a batch is exact: batch_add lets d[k] overwrite inputs of earlier
 * pairs only, so a later sub-batch never reads what an earlier one wrote. */
typedef struct {
    AFF **pa, **pb, **pd;
    CF *scratch;
    size_t k;
} FN(batcher);

static void FN(batch_flush)(FN(batcher) *bt) {
    FN(batch_add)(bt->pd, bt->pa, bt->pb, bt->k, bt->scratch);
    bt->k = 0;
}

ZKA_INLINE void FN(batch_push)(FN(batcher) *bt, AFF *d, AFF *a, AFF *b) {
    size_t k = bt->k;
    bt->pd[k] = d;
    bt->pa[k] = a;
    bt->pb[k] = b;
    if (++bt->k == ZKA_BATCH_PAIRS) FN(batch_flush)(bt);
}

/* Tree-reduce every bucket to its first slot.  len[b] = occupancy on entry,
 * 0 or 1 on exit; arr holds the buckets' points contiguously from start[b].
 * Each round pairs up neighbours in every bucket still holding two or more
 * points, so all buckets share the round's inversions. */
static void FN(reduce_buckets)(AFF *arr, const uint32_t *start, uint32_t *len, size_t nslots,
                               uint32_t *act, FN(batcher) *bt) {
    uint32_t nact = 0;
    for (size_t b = 0; b < nslots; b++)
        if (len[b] >= 2) act[nact++] = (uint32_t)b;
    while (nact) {
        for (uint32_t t = 0; t < nact; t++) {
            uint32_t b = act[t], s = start[b], half = len[b] / 2;
            for (uint32_t i = 0; i < half; i++) FN(batch_push)(bt, &arr[s + i], &arr[s + 2 * i], &arr[s + 2 * i + 1]);
        }
        FN(batch_flush)(bt);
        uint32_t keep = 0;
        for (uint32_t t = 0; t < nact; t++) {
            uint32_t b = act[t], s = start[b], L = len[b];
            if (L & 1) arr[s + L / 2] = arr[s + L - 1];   /* the unpaired point moves down */
            len[b] = (L + 1) / 2;
            if (len[b] >= 2) act[keep++] = b;
        }
        nact = keep;
    }
}

static void FN(store_aff)(unsigned char *out, const AFF *p) {
    if (FN(aff_is_inf)(p)) { memset(out, 0, PT_BYTES); return; }
    CF_store(out, &p->x);
    CF_store(out + PT_BYTES / 2, &p->y);
}

/* Segment length for the batch-affine window sums of G windows of nb buckets:
 * each step costs one inversion (~ZKA_INV_MULS multiplications) shared by 2 S G
 * additions, and each of the S = nb / L segments ~40 multiplications to
 * combine, so S ~ sqrt(ZKA_INV_MULS nb / (40 G)), as a power of two. */
static uint32_t FN(segment_length)(uint32_t nb, unsigned G) {
    uint32_t S = 1;   /* doubled while (2S)^2 <= 2 target^2, i.e. 2S <= target sqrt(2) */
    while (S < nb && (uint64_t)4 * S * S * 40 * G <= (uint64_t)2 * ZKA_INV_MULS * nb) S *= 2;
    return nb / S;
}

/* W[g] = sum_b b * B_b for each of the G windows of a group, where window g's
 * bucket b holds arr[start[g stride + b]] when cnt[g stride + b] = 1.
 *
 * The running sum (run += B_b; sum += run from the top bucket down) done in
 * affine coordinates: the nb buckets are cut into S segments of L, and the
 * S G segments step down together, so every step is one batch of up to
 * 2 S G pairs sharing its inversions -- about 2 x 6 multiplications per bucket
 * instead of a mixed plus a general Jacobian addition (~27).  A segment j
 * (buckets jL + 1 .. jL + L) ends with T_j = its buckets' sum and
 * U_j = sum_b (b - jL) B_b, and sum_b b B_b = sum_j U_j + L sum_j j T_j, the
 * last sum by a short Jacobian running sum and log2 L doublings.  Within a
 * step the sum's addition uses the run before the step's bucket is added
 * (pairs ordered so, as batch_add allows), and one last batch adds the final
 * run. */
static void FN(window_sums_affine)(const AFF *arr, const uint32_t *start, const uint32_t *cnt, unsigned G,
                                   uint32_t nb, uint32_t stride, AFF *run, AFF *sum, FN(batcher) *bt, JAC *W) {
    uint32_t L = FN(segment_length)(nb, G), S = nb / L;
    size_t NS = (size_t)G * S;
    for (size_t k = 0; k < NS; k++) { FN(aff_set_inf)(&run[k]); FN(aff_set_inf)(&sum[k]); }
    for (uint32_t t = 0; t < L; t++) {
        for (unsigned g = 0; g < G; g++) {
            const uint32_t *cg = cnt + (size_t)g * stride, *sg = start + (size_t)g * stride;
            for (uint32_t j = 0; j < S; j++) {
                size_t k = (size_t)g * S + j;
                uint32_t b = (j + 1) * L - t;
                if (FN(aff_is_inf)(&run[k])) {           /* nothing for the sum yet */
                    if (cg[b]) run[k] = arr[sg[b]];
                    continue;
                }
                if (FN(aff_is_inf)(&sum[k])) sum[k] = run[k];
                else FN(batch_push)(bt, &sum[k], &sum[k], &run[k]);
                if (cg[b]) FN(batch_push)(bt, &run[k], &run[k], (AFF *)&arr[sg[b]]);
            }
        }
        FN(batch_flush)(bt);
    }
    for (size_t k = 0; k < NS; k++) {   /* U_j = sum_j + run_j, into sum */
        if (FN(aff_is_inf)(&run[k])) continue;
        if (FN(aff_is_inf)(&sum[k])) sum[k] = run[k];
        else FN(batch_push)(bt, &sum[k], &sum[k], &run[k]);
    }
    FN(batch_flush)(bt);
    for (unsigned g = 0; g < G; g++) {
        const AFF *T = run + (size_t)g * S, *U = sum + (size_t)g * S;
        JAC r, acc, tot;
        FN(jac_set_inf)(&r);
        FN(jac_set_inf)(&acc);
        for (uint32_t j = S; j-- > 1;) {                  /* acc = sum_j j T_j */
            FN(jac_madd)(&r, &r, &T[j]);
            if (!FN(jac_is_inf)(&r)) FN(jac_add)(&acc, &acc, &r);
        }
        for (uint32_t l = L; l > 1; l >>= 1) FN(jac_dbl)(&acc, &acc);
        tot = acc;
        for (uint32_t j = 0; j < S; j++) FN(jac_madd)(&tot, &tot, &U[j]);
        W[g] = tot;
    }
}

/* Windows per group, at most wg_max (what keeps a group's buckets in L2),
 * chosen so that T threads taking groups finish together: the fewest rounds
 * of T groups, counted in windows (ties to the larger groups, which share
 * inversions better). */
static size_t FN(group_windows)(unsigned nw, size_t wg_max, size_t T) {
    if (wg_max < 1) wg_max = 1;
    if (wg_max > nw) wg_max = nw;
    if (T <= 1) return wg_max;
    size_t best = wg_max, best_span = (size_t)-1;
    for (size_t wg = wg_max; wg >= 1; wg--) {
        size_t groups = (nw + wg - 1) / wg, span = (groups + T - 1) / T * wg;
        if (span < best_span) { best_span = span; best = wg; }
    }
    return best;
}

/* Estimated cost, in field multiplications, of a Pippenger with c-bit windows
 * over m entries of the given bit lengths, window groups shared by T threads
 * (the batch-affine window sums; measured by instruction counts at 2^12..2^16
 * points):
 * - 7 per nonzero digit: its share of a bucket's tree reduction (6 for the
 *   affine addition) and of sorting it in;
 * - 7.5 per bucket, for the window sums (two affine additions, less the
 *   one a bucket's tree reduction saved); the top window has only the buckets
 *   its few bits and the carry reach;
 * - per window a fixed cost: passes and the reduction's inversions (600 at
 *   full size), the window sums' inversions and the segments' combination;
 * then scaled by how unevenly the groups divide among the threads. */
static double FN(pip_cost)(const size_t hist[257], unsigned maxbits, unsigned c, size_t m, size_t T) {
    unsigned nw = window_count(maxbits, c);
    uint32_t nb = 1u << (c - 1);
    double adds = 0;
    for (unsigned bl = 1; bl <= maxbits && bl <= 256; bl++)
        if (hist[bl]) {
            unsigned touched = bl / c + 1;
            adds += (double)hist[bl] * (touched < nw ? touched : nw);
        }
    unsigned top_bits = maxbits - (nw - 1) * c;   /* < c */
    double top = (double)(1u << top_bits) + 1 < nb ? (double)(1u << top_bits) + 1 : nb;
    size_t wg = FN(group_windows)(nw, ZKA_GROUP_POINTS / m, T), groups = (nw + wg - 1) / wg;
    uint32_t L = FN(segment_length)(nb, (unsigned)wg), S = nb / L;
    double fixed = (m >= ZKA_GROUP_POINTS ? 600.0 : 600.0 * (double)m / ZKA_GROUP_POINTS)
                   + (double)(L + 1) * ZKA_INV_MULS / wg + 40.0 * S;
    double cost = 7.0 * adds + 7.5 * ((double)(nw - 1) * nb + top) + nw * fixed;
    if (T > 1) {
        double span = (double)((groups + T - 1) / T * T * wg) / nw;
        if (span > 1.0) cost *= span;
    }
    return cost;
}

/* One thread's buffers, kept across the chunks of a range. */
typedef struct {
    uint32_t *cnt, *start, *act;   /* wg * stride bucket slots */
    AFF *arr;                      /* a group's points in bucket order: wg * (entries + nb) */
    AFF *run, *sum;                /* affine window sums: wg * stride each */
    FN(batcher) bt;
} FN(wbuf);

/* One Pippenger over a range of the input, consumed chunk by chunk.  Two
 * phases per chunk: prepare (threads convert disjoint parts of the chunk into
 * entries and digits, each part into its own region of P), then buckets
 * (threads take window groups from `next_group` and fold the chunk into the
 * bucket sums carried so far; after the last chunk they form the window
 * sums W). */
typedef struct {
    const unsigned char *pts, *sc;   /* the range's input */
    const uint8_t *bits;             /* each scalar's length after the sign fold (msm's first pass) */
    size_t n;
    unsigned T;                      /* threads */
    int glv, affine_sums;
    unsigned c, nw, wg;
    uint32_t nb, stride;
    size_t per_point;                /* entries a point can become: 2 once GLV splits a scalar */
    unsigned maxbits;                /* every entry's scalar fits (windows are sized for it) */
    fe beta;
    AFF *bk;                         /* nw * stride carried bucket sums (slot 0 unused); NULL: one chunk */
    uint8_t *occ;                    /* nw * stride: 1 where bk holds a point */
    JAC *W;
    AFF *P;                          /* this chunk's entries, by region */
    int16_t *dig;                    /* dig[w * cap + i]: window w's signed digit of entry i */
    size_t cap;                      /* entry slots: the most any chunk can fill */
    size_t c0, c1;                   /* this chunk's points [c0, c1) */
    size_t reg_base[64], reg_len[64];   /* thread t's entries: P[reg_base[t] ..][0 .. reg_len[t]) */
    FN(wbuf) wb[64];
    unsigned next_group;             /* atomic */
    int err;                         /* atomic: first failure */
} FN(pip);

/* Entries a scalar of this length becomes (its point may still turn out to be infinity). */
ZKA_INLINE size_t FN(entries)(const FN(pip) *pp, unsigned bits) {
    return bits ? (pp->glv && bits > ZKA_GLV_BITS ? 2 : 1) : 0;
}

static void FN(fail)(FN(pip) *pp, int err) {
    int ok = ZKA_OK;
    __atomic_compare_exchange_n(&pp->err, &ok, err, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

ZKA_INLINE int FN(put_entry)(FN(pip) *pp, size_t i, const AFF *p, const uint64_t k[4]) {
    if (scalar_bits(k) > pp->maxbits) return 0;
    pp->P[i] = *p;
    uint8_t carry = 0;
    unsigned c = pp->c;
    for (unsigned w = 0; w < pp->nw; w++)
        pp->dig[(size_t)w * pp->cap + i] = (int16_t)signed_digit(scalar_window(k, w * c, c), c, &carry);
    return 1;
}

/* Keep only pairs that contribute: nonzero scalar, finite point.  A scalar
 * above r/2 becomes r - s on the negated point; one still longer than
 * ZKA_GLV_BITS becomes k1 P + k2 phi(P) with phi(x, y) = (beta x, y) =
 * lambda P and |k1|, |k2| < 2^128, each half with its sign folded into its
 * point: two entries of half the length, so half the windows. */
static void FN(prepare_task)(void *ctx, unsigned t) {
    FN(pip) *pp = (FN(pip) *)ctx;
    size_t len = pp->c1 - pp->c0;
    size_t a = pp->c0 + len * t / pp->T, b = pp->c0 + len * (t + 1) / pp->T;
    size_t base = pp->reg_base[t], m = base;
    for (size_t i = a; i < b; i++) {
        if (!pp->bits[i]) continue;
        uint64_t s[4];
        scalar_load(s, pp->sc + 32 * i);
        int neg = scalar_signed(s);
        unsigned bl = scalar_bits(s);
        AFF p;
        if (!CF_load(&p.x, pp->pts + PT_BYTES * i) || !CF_load(&p.y, pp->pts + PT_BYTES * i + PT_BYTES / 2)) {
            FN(fail)(pp, ZKA_BAD_POINT);
            break;
        }
        if (FN(aff_is_inf)(&p)) continue;
        if (neg) FN(aff_neg)(&p, &p);
        if (pp->glv && bl > ZKA_GLV_BITS) {
            uint64_t k1[4], k2[4];
            uint8_t n1, n2;
            glv_split(s, k1, &n1, k2, &n2);
            AFF q;
            CF_mul_fp(&q.x, &p.x, &pp->beta);
            q.y = p.y;
            if (scalar_bits(k1)) {
                if (n1) FN(aff_neg)(&p, &p);
                if (!FN(put_entry)(pp, m++, &p, k1)) { FN(fail)(pp, ZKA_INTERNAL); break; }
            }
            if (scalar_bits(k2)) {
                if (n2) FN(aff_neg)(&q, &q);
                if (!FN(put_entry)(pp, m++, &q, k2)) { FN(fail)(pp, ZKA_INTERNAL); break; }
            }
            continue;
        }
        if (!FN(put_entry)(pp, m++, &p, s)) { FN(fail)(pp, ZKA_INTERNAL); break; }
    }
    pp->reg_len[t] = m - base;
}

/* W[g] = sum_b b * B_b for the G windows of a group (window g's bucket b is
 * arr[start[g stride + b]] when cnt[g stride + b] = 1). */
static void FN(window_sums)(const FN(pip) *pp, FN(wbuf) *wb, const AFF *arr, unsigned G, JAC *W) {
    uint32_t nb = pp->nb, stride = pp->stride;
    if (pp->affine_sums) {
        FN(window_sums_affine)(arr, wb->start, wb->cnt, G, nb, stride, wb->run, wb->sum, &wb->bt, W);
        return;
    }
    for (unsigned g = 0; g < G; g++) {
        /* sum_b b * B_b as a running sum from the top bucket down */
        const uint32_t *cg = wb->cnt + (size_t)g * stride, *sg = wb->start + (size_t)g * stride;
        JAC run, sum;
        FN(jac_set_inf)(&run);
        FN(jac_set_inf)(&sum);
        for (uint32_t b = nb; b >= 1; b--) {
            if (cg[b]) FN(jac_madd)(&run, &run, &arr[sg[b]]);
            if (!FN(jac_is_inf)(&run)) FN(jac_add)(&sum, &sum, &run);
        }
        W[g] = sum;
    }
}

/* Fold this chunk into the bucket sums of the windows thread t takes: per group,
 * count the digits (and the sums carried from earlier chunks) per bucket, place
 * every point in bucket order and tree-reduce.  Then either carry the buckets'
 * results to the next chunk or, after the last, form the window sums. */
static void FN(bucket_task)(void *ctx, unsigned t) {
    FN(pip) *pp = (FN(pip) *)ctx;
    FN(wbuf) *wb = &pp->wb[t];
    uint32_t stride = pp->stride;
    int last = pp->c1 == pp->n;
    for (;;) {
        unsigned w0 = __atomic_fetch_add(&pp->next_group, 1, __ATOMIC_RELAXED) * pp->wg;
        if (w0 >= pp->nw || __atomic_load_n(&pp->err, __ATOMIC_RELAXED)) break;
        unsigned G = pp->nw - w0 < pp->wg ? pp->nw - w0 : pp->wg;
        size_t slots = (size_t)G * stride;
        uint32_t *cnt = wb->cnt, *start = wb->start;
        AFF *bk = pp->bk ? pp->bk + (size_t)w0 * stride : NULL;   /* NULL: a single chunk, nothing carried */
        uint8_t *occ = pp->occ ? pp->occ + (size_t)w0 * stride : NULL;
        if (occ) for (size_t k = 0; k < slots; k++) cnt[k] = occ[k];
        else memset(cnt, 0, slots * sizeof(uint32_t));
        for (unsigned g = 0; g < G; g++) {
            const int16_t *dg = pp->dig + (size_t)(w0 + g) * pp->cap;
            uint32_t *cg = cnt + (size_t)g * stride;
            for (unsigned r = 0; r < pp->T; r++) {
                const int16_t *d = dg + pp->reg_base[r];
                for (size_t i = 0, e = pp->reg_len[r]; i < e; i++) {
                    int v = d[i];
                    if (v) cg[v < 0 ? -v : v]++;
                }
            }
        }
        uint32_t pos = 0;
        for (size_t k = 0; k < slots; k++) { start[k] = pos; pos += cnt[k]; }
        AFF *arr = wb->arr;
        if (occ)
            for (size_t k = 0; k < slots; k++)
                if (occ[k]) arr[start[k]++] = bk[k];
        for (unsigned g = 0; g < G; g++) {
            const int16_t *dg = pp->dig + (size_t)(w0 + g) * pp->cap;
            uint32_t *sg = start + (size_t)g * stride;
            for (unsigned r = 0; r < pp->T; r++) {
                const int16_t *d = dg + pp->reg_base[r];
                const AFF *P = pp->P + pp->reg_base[r];
                for (size_t i = 0, e = pp->reg_len[r]; i < e; i++) {
                    int v = d[i];
                    if (!v) continue;
                    if (v > 0) arr[sg[v]++] = P[i];
                    else FN(aff_neg)(&arr[sg[-v]++], &P[i]);
                }
            }
        }
        for (size_t k = 0; k < slots; k++) start[k] -= cnt[k];   /* rewind the cursors */
        FN(reduce_buckets)(arr, start, cnt, slots, wb->act, &wb->bt);   /* cnt -> 0 or 1 */
        if (last) {
            FN(window_sums)(pp, wb, arr, G, pp->W + w0);
            continue;
        }
        for (size_t k = 0; k < slots; k++) {
            if (cnt[k] && !FN(aff_is_inf)(&arr[start[k]])) { bk[k] = arr[start[k]]; occ[k] = 1; }
            else occ[k] = 0;
        }
    }
}

static void FN(pip_free)(FN(pip) *pp) {
    for (unsigned t = 0; t < 64; t++) {
        FN(wbuf) *wb = &pp->wb[t];
        free(wb->cnt); free(wb->start); free(wb->act); free(wb->arr); free(wb->run); free(wb->sum);
        free(wb->bt.pa); free(wb->bt.pb); free(wb->bt.pd); free(wb->bt.scratch);
    }
    free(pp->bk); free(pp->occ); free(pp->W); free(pp->P); free(pp->dig);
}

typedef struct {
    const unsigned char *pts, *sc;
    const uint8_t *bits;      /* scalar lengths, as msm found them */
    size_t n;
    int threads;              /* threads to share this range's window groups */
    int glv;
    size_t budget;            /* bytes for its chunks (ZKA_MSM_BUDGET shared among the ranges) */
    JAC result;
    int err;
} FN(msm_job);

/* Pippenger over one range of the input, its window groups shared by
 * job->threads threads, chunk by chunk (see the top of this file). */
static void FN(msm_range)(FN(msm_job) *job) {
    FN(jac_set_inf)(&job->result);
    job->err = ZKA_OK;
    FN(pip) *pp = calloc(1, sizeof(FN(pip)));
    if (!pp) { job->err = ZKA_NO_MEMORY; return; }
    pp->pts = job->pts;
    pp->sc = job->sc;
    pp->bits = job->bits;
    pp->n = job->n;
    pp->glv = job->glv;
    pp->affine_sums = job->glv;
    mf_from_bytes(&pp->beta, (const unsigned char *)EW_BETA, &FP_MOD);

    /* The window width is chosen for the whole range, from the scalars' bit
     * lengths alone (points are not read yet): a GLV half counts as
     * ZKA_GLV_BITS, its bound, so the windows hold every digit and carry. */
    size_t m = 0, hist[257] = {0};
    unsigned maxbits = 0;
    pp->per_point = 1;   /* 2 once a scalar is split: the buffers are sized for it */
    for (size_t i = 0; i < job->n; i++) {
        unsigned bl = job->bits[i], k = 1;
        if (!bl) continue;
        if (job->glv && bl > ZKA_GLV_BITS) { bl = ZKA_GLV_BITS; k = 2; pp->per_point = 2; }
        hist[bl] += k;
        m += k;
        if (bl > maxbits) maxbits = bl;
    }
    if (!m) goto done;
    pp->maxbits = maxbits;

    /* Windows are processed in groups whose buckets are reduced together, so
     * one inversion per round serves the whole group: small inputs then pay a
     * handful of inversions instead of a few per window.  Large inputs (one
     * window per group) already amortise them.  With threads sharing the
     * groups, the window width also weighs how evenly the groups divide. */
    size_t T = job->threads < 1 ? 1 : (size_t)job->threads;
    if (T > 64) T = 64;
    double window_cost = m >= ZKA_GROUP_POINTS ? 600.0 : 600.0 * (double)m / ZKA_GROUP_POINTS;
    unsigned c;
    if (job->glv) {
        c = 1;
        double best = -1;
        for (unsigned cc = 1; cc <= ZKA_MAX_WINDOW; cc++) {
            double cost = FN(pip_cost)(hist, maxbits, cc, m, T);
            if (best < 0 || cost < best) { best = cost; c = cc; }
        }
    } else {
        c = choose_window(hist, maxbits, ZKA_MAX_WINDOW, 7.0, 27.0, window_cost);
    }
    unsigned nw = window_count(maxbits, c);
    size_t wg = job->glv ? FN(group_windows)(nw, ZKA_GROUP_POINTS / m, T) : ZKA_GROUP_POINTS / m;
    if (wg < 1) wg = 1;
    if (wg > nw) wg = nw;
    size_t groups = (nw + wg - 1) / wg;
    if (T > groups) T = groups;
    pp->c = c;
    pp->nw = nw;
    pp->wg = (unsigned)wg;
    pp->nb = 1u << (c - 1);
    pp->stride = pp->nb + 1;   /* slot 0 of each window stays empty */
    pp->T = (unsigned)T;

    /* Points per chunk: what the budget holds of a point's entries, digits and
     * every thread's bucket-sorted copy. */
    size_t per_point = pp->per_point * (sizeof(AFF) * (1 + T) + 2 * (size_t)nw);
    size_t chunk = zka_msm_chunk_override();
    if (!chunk) {
        chunk = job->budget / per_point;
        if (chunk < ZKA_MSM_MIN_CHUNK) chunk = ZKA_MSM_MIN_CHUNK;
    }
    if (chunk > job->n) chunk = job->n;
    /* Buffers for the fullest chunk, counted from the scalars' lengths: no larger than
     * needed (a fresh block is page-faulted in on every call, so slack costs time). */
    pp->cap = 0;
    for (size_t c0 = 0; c0 < job->n; c0 += chunk) {
        size_t c1 = job->n - c0 < chunk ? job->n : c0 + chunk, e = 0;
        for (size_t i = c0; i < c1; i++) e += FN(entries)(pp, pp->bits[i]);
        if (e > pp->cap) pp->cap = e;
    }
    size_t slots = wg * pp->stride, arr_cap = wg * (pp->cap + pp->nb);
    if (chunk < job->n) {   /* sums carried from chunk to chunk */
        pp->bk = malloc((size_t)nw * pp->stride * sizeof(AFF));
        pp->occ = calloc((size_t)nw * pp->stride, 1);
        if (!pp->bk || !pp->occ) { job->err = ZKA_NO_MEMORY; goto done; }
    }
    pp->W = malloc(nw * sizeof(JAC));
    pp->P = malloc((pp->cap ? pp->cap : 1) * sizeof(AFF));
    pp->dig = malloc((size_t)nw * (pp->cap ? pp->cap : 1) * sizeof(int16_t));
    if (!pp->W || !pp->P || !pp->dig) { job->err = ZKA_NO_MEMORY; goto done; }
    for (size_t t = 0; t < T; t++) {
        FN(wbuf) *wb = &pp->wb[t];
        wb->cnt = malloc(slots * sizeof(uint32_t));
        wb->start = malloc(slots * sizeof(uint32_t));
        wb->act = malloc(slots * sizeof(uint32_t));
        wb->arr = malloc(arr_cap * sizeof(AFF));
        wb->bt.pa = malloc(ZKA_BATCH_PAIRS * sizeof(AFF *));
        wb->bt.pb = malloc(ZKA_BATCH_PAIRS * sizeof(AFF *));
        wb->bt.pd = malloc(ZKA_BATCH_PAIRS * sizeof(AFF *));
        wb->bt.scratch = malloc(2 * ZKA_BATCH_PAIRS * sizeof(CF));
        if (pp->affine_sums) {
            wb->run = malloc(slots * sizeof(AFF));
            wb->sum = malloc(slots * sizeof(AFF));
        }
        if (!wb->cnt || !wb->start || !wb->act || !wb->arr || !wb->bt.pa || !wb->bt.pb || !wb->bt.pd ||
            !wb->bt.scratch || (pp->affine_sums && (!wb->run || !wb->sum))) {
            job->err = ZKA_NO_MEMORY;
            goto done;
        }
    }

    for (size_t c0 = 0; c0 < job->n; c0 += chunk) {
        pp->c0 = c0;
        pp->c1 = job->n - c0 < chunk ? job->n : c0 + chunk;
        size_t len = pp->c1 - c0, base = 0;   /* each thread's part of the chunk packs its entries from here */
        for (size_t t = 0; t < pp->T; t++) {
            pp->reg_base[t] = base;
            for (size_t i = c0 + len * t / pp->T, e = c0 + len * (t + 1) / pp->T; i < e; i++)
                base += FN(entries)(pp, pp->bits[i]);
        }
        zka_run_parallel(FN(prepare_task), pp, pp->T);
        if (pp->err) break;
        pp->next_group = 0;
        zka_run_parallel(FN(bucket_task), pp, pp->T);
        if (pp->err) break;
    }
    if (pp->err) { job->err = pp->err; goto done; }

    JAC acc = pp->W[nw - 1];
    for (unsigned w = nw - 1; w-- > 0;) {
        for (unsigned k = 0; k < c; k++) FN(jac_dbl)(&acc, &acc);
        FN(jac_add)(&acc, &acc, &pp->W[w]);
    }
    job->result = acc;
done:
    FN(pip_free)(pp);
    free(pp);
}

static void *FN(msm_thread)(void *arg) { FN(msm_range)((FN(msm_job) *)arg); return NULL; }

/* out = sum scalars[i] * pts[i]; points affine, standard little-endian, zeros = infinity;
 * scalars 32-byte little-endian.  Points must lie in the order-r subgroup (as
 * reducing the scalars mod r already assumes): GLV relies on it.
 *
 * Threads share one Pippenger's window groups when there are enough groups;
 * inputs with few windows (mostly small scalars) are instead split into
 * ranges of equal estimated work, one single-threaded Pippenger each (each
 * with its share of the memory budget). */
int FN(msm)(const unsigned char *pts, const unsigned char *sc, size_t n, int threads, unsigned char *out) {
    int glv = zka_msm_glv_enabled();
    uint64_t total = 0;
    unsigned maxbits = 0;
    /* Each scalar's length, kept (a byte each) so that no later pass reduces it again:
     * with small scalars such a pass is a visible share of the whole MSM. */
    uint8_t *bits = malloc(n ? n : 1);
    if (!bits) return ZKA_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        uint64_t s[4];
        scalar_load(s, sc + 32 * i);
        scalar_signed(s);
        unsigned bl = scalar_bits(s);
        bits[i] = (uint8_t)(bl > 255 ? 255 : bl);   /* < 254 after the reduction: never clipped */
        int big = glv && bl > ZKA_GLV_BITS;
        if (big) bl = ZKA_GLV_BITS;   /* as the halves' length: two of them, same work */
        total += big ? 2 * scalar_work(bl) : scalar_work(bl);
        if (bl > maxbits) maxbits = bl;
    }
    size_t T = threads < 1 ? 1 : (size_t)threads;
    if (T > 64) T = 64;
    if (T > total / ZKA_MIN_THREAD_WORK) T = total / ZKA_MIN_THREAD_WORK ? total / ZKA_MIN_THREAD_WORK : 1;
    /* enough windows for every thread (windows are at least 8 bits wide when
     * threading pays, so maxbits / 16 is a safe lower estimate of the count) */
    size_t ranges = maxbits / 16 >= 2 * T ? 1 : T;
    FN(msm_job) jobs[64];
    pthread_t tid[64];
    int started[64] = {0};
    size_t off = 0, i = 0;
    uint64_t acc_work = 0;
    for (size_t t = 0; t < ranges; t++) {
        uint64_t target = total * (t + 1) / ranges;
        if (t == ranges - 1) i = n;
        else
            while (i < n && acc_work < target) {
                unsigned bl = bits[i++];
                acc_work += glv && bl > ZKA_GLV_BITS ? 2 * scalar_work(ZKA_GLV_BITS) : scalar_work(bl);
            }
        jobs[t].pts = pts + PT_BYTES * off;
        jobs[t].sc = sc + 32 * off;
        jobs[t].bits = bits + off;
        jobs[t].n = i - off;
        jobs[t].glv = glv;
        jobs[t].threads = ranges == 1 ? (int)T : 1;
        jobs[t].budget = ZKA_MSM_BUDGET / ranges;
        off = i;
    }
    for (size_t t = 1; t < ranges; t++)
        started[t] = pthread_create(&tid[t], NULL, FN(msm_thread), &jobs[t]) == 0;
    FN(msm_range)(&jobs[0]);
    for (size_t t = 1; t < ranges; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else FN(msm_range)(&jobs[t]);   /* no thread available: run it here */
    }
    free(bits);
    JAC acc;
    FN(jac_set_inf)(&acc);
    for (size_t t = 0; t < ranges; t++) {
        if (jobs[t].err) return jobs[t].err;
        FN(jac_add)(&acc, &acc, &jobs[t].result);
    }
    AFF r;
    CF scratch;
    FN(batch_normalize)(&r, &acc, 1, &scratch);
    FN(store_aff)(out, &r);
    return ZKA_OK;
}

/* ---- fixed base: one point, many scalars ---- */

typedef struct {
    const AFF *table;          /* nw rows of nb multiples: row j, entry d-1 = d * 2^(c*j) * base */
    unsigned c, nw;
    const unsigned char *sc;
    unsigned char *out;
    size_t n;
    int err;
} FN(fb_job);

static void FN(fb_chunk)(FN(fb_job) *job) {
    size_t n = job->n;
    unsigned c = job->c;
    uint32_t nb = 1u << (c - 1);
    job->err = ZKA_OK;
    if (!n) return;
    AFF *acc = malloc(n * sizeof(AFF)), *tmp = malloc(n * sizeof(AFF));
    uint64_t (*S)[4] = malloc(n * sizeof(*S));
    uint8_t *carry = calloc(n, 1), *neg = malloc(n);
    AFF **pa = malloc(n * sizeof(AFF *)), **pb = malloc(n * sizeof(AFF *));
    CF *scratch = malloc(2 * n * sizeof(CF));
    if (!acc || !tmp || !S || !carry || !neg || !pa || !pb || !scratch) { job->err = ZKA_NO_MEMORY; goto done; }
    memset(acc, 0, n * sizeof(AFF));   /* all at infinity */
    for (size_t i = 0; i < n; i++) {
        scalar_load(S[i], job->sc + 32 * i);
        neg[i] = (uint8_t)scalar_signed(S[i]);   /* s*B = -((r - s)*B) */
    }
    for (unsigned j = 0; j < job->nw; j++) {
        size_t K = 0;
        const AFF *row = job->table + (size_t)j * nb;
        for (size_t i = 0; i < n; i++) {
            int32_t d = signed_digit(scalar_window(S[i], j * c, c), c, &carry[i]);
            if (!d) continue;
            if (d > 0) tmp[i] = row[d - 1];
            else FN(aff_neg)(&tmp[i], &row[-d - 1]);
            pa[K] = &acc[i];
            pb[K] = &tmp[i];
            K++;
        }
        FN(batch_add)(pa, pa, pb, K, scratch);
    }
    for (size_t i = 0; i < n; i++) {
        if (neg[i]) FN(aff_neg)(&acc[i], &acc[i]);
        FN(store_aff)(job->out + PT_BYTES * i, &acc[i]);
    }
done:
    free(acc); free(tmp); free(S); free(carry); free(neg); free(pa); free(pb); free(scratch);
}

static void *FN(fb_thread)(void *arg) { FN(fb_chunk)((FN(fb_job) *)arg); return NULL; }

/* out[i] = scalars[i] * base, affine.  The table costs nw * 2^(c-1) additions
 * once; each scalar then costs one affine addition per nonzero digit. */
int FN(batch_mul)(const unsigned char *base, const unsigned char *sc, size_t n, int threads, unsigned char *out) {
    AFF B0;
    if (!CF_load(&B0.x, base) || !CF_load(&B0.y, base + PT_BYTES / 2)) return ZKA_BAD_POINT;
    if (!n) return ZKA_OK;
    size_t hist[257] = {0};
    unsigned maxbits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s[4];
        scalar_load(s, sc + 32 * i);
        scalar_signed(s);
        unsigned bl = scalar_bits(s);
        hist[bl]++;
        if (bl > maxbits) maxbits = bl;
    }
    if (FN(aff_is_inf)(&B0) || maxbits == 0) { memset(out, 0, PT_BYTES * n); return ZKA_OK; }

    /* table entries cost a Jacobian addition plus normalisation, about 3x an affine add */
    unsigned c = choose_window(hist, maxbits, 14, 7.0, 20.0, 0.0);
    unsigned nw = window_count(maxbits, c);
    uint32_t nb = 1u << (c - 1);
    size_t tn = (size_t)nw * nb;
    JAC *tj = malloc(tn * sizeof(JAC));
    AFF *table = malloc(tn * sizeof(AFF));
    CF *scratch = malloc(tn * sizeof(CF));
    if (!tj || !table || !scratch) { free(tj); free(table); free(scratch); return ZKA_NO_MEMORY; }
    JAC q;
    FN(jac_from_aff)(&q, &B0);
    for (unsigned j = 0; j < nw; j++) {
        JAC *row = tj + (size_t)j * nb;
        row[0] = q;
        for (uint32_t d = 1; d < nb; d++) FN(jac_add)(&row[d], &row[d - 1], &q);
        FN(jac_dbl)(&q, &row[nb - 1]);   /* 2^c * q = 2 * (2^(c-1) * q) */
    }
    FN(batch_normalize)(table, tj, tn, scratch);
    free(tj);
    free(scratch);

    uint64_t total = 0;
    for (unsigned bl = 1; bl <= 256; bl++) total += (uint64_t)hist[bl] * (bl / c + 1);   /* digits to add */
    size_t T = threads < 1 ? 1 : (size_t)threads;
    if (T > 64) T = 64;
    if (T > total / ZKA_MIN_THREAD_WORK) T = total / ZKA_MIN_THREAD_WORK ? total / ZKA_MIN_THREAD_WORK : 1;
    FN(fb_job) jobs[64];
    pthread_t tid[64];
    int started[64] = {0};
    size_t per = (n + T - 1) / T, off = 0;
    for (size_t t = 0; t < T; t++) {
        size_t len = off + per <= n ? per : n - off;
        jobs[t] = (FN(fb_job)){table, c, nw, sc + 32 * off, out + PT_BYTES * off, len, 0};
        off += len;
    }
    for (size_t t = 1; t < T; t++)
        started[t] = pthread_create(&tid[t], NULL, FN(fb_thread), &jobs[t]) == 0;
    FN(fb_chunk)(&jobs[0]);
    int err = jobs[0].err;
    for (size_t t = 1; t < T; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else FN(fb_chunk)(&jobs[t]);
        if (jobs[t].err) err = jobs[t].err;
    }
    free(table);
    return err;
}
