/* Variable-base MSM (Pippenger) and fixed-base batch multiplication, written
 * once for G1 and G2 on top of curve_impl.h.  The including file also defines
 * CF_load (bytes -> Montgomery, returns 0 when a coordinate is >= p),
 * CF_store and PT_BYTES (affine point size on the wire).
 *
 * Pippenger here: signed-digit windows sized from the scalars' bit lengths,
 * then per window the nonzero digits are counting-sorted into buckets and each
 * bucket is summed by pairwise tree reduction in affine coordinates, every
 * round of every bucket sharing one inversion.  A bucket with k points costs
 * k - 1 cheap affine additions; zero digits cost nothing, so 0/1 witnesses
 * reduce to one window with one bucket.  Equal points, P + (-P) and infinity
 * are handled inside batch_add.  Scalars above r/2 are replaced by r - s with
 * the point negated, so negative fixed-point values are as cheap as positive.
 * Scalars still longer than 128 bits (full-size field elements) are split by
 * GLV, s = k1 + k2 lambda with |k1|, |k2| < 2^128 (scalar.h), into two entries
 * on P and phi(P) = (beta x, y) = lambda P: twice the entries, half the
 * windows, so half the window sums and a wider optimal window.  The window
 * sums (sum_b b B_b) run in affine coordinates too, batched across segments
 * of buckets (window_sums_affine), and the window width comes from a cost
 * model calibrated on instruction counts (pip_cost).
 *
 * Threads take window groups from a shared counter (the window width and the
 * group size also weigh how evenly the groups divide among them); inputs with
 * too few windows to share (mostly small scalars) are split into chunks
 * instead.
 */

#include <pthread.h>
#include <stdlib.h>

/* ZKANCHOR_MSM_GLV=0 in the environment (read per call) runs the MSM's
 * previous algorithm: no GLV split, Jacobian window sums, the old window
 * choice.  Same results; for benchmarks and bisecting only. */
static int zka_msm_glv_enabled(void) {
    const char *e = getenv("ZKANCHOR_MSM_GLV");
    return !(e && e[0] == '0');
}

#define ZKA_OK 0
#define ZKA_BAD_POINT 1
#define ZKA_NO_MEMORY 2

/* Points per window group (see msm_chunk).  Small enough that a group's
 * buckets stay in L2 (512 KiB: 2^13 G1 or 2^12 G2 points); large enough that
 * one inversion per round is negligible next to the additions it serves. */
#define ZKA_GROUP_POINTS (((size_t)512 << 10) / sizeof(AFF))

/* Tree-reduce every bucket to its first slot.  len[b] = occupancy on entry,
 * 0 or 1 on exit; arr holds the buckets' points contiguously from start[b].
 * Each round pairs up neighbours in every bucket still holding two or more
 * points, so all buckets share one inversion per round. */
static void FN(reduce_buckets)(AFF *arr, const uint32_t *start, uint32_t *len, size_t nslots,
                               uint32_t *act, AFF **pa, AFF **pb, AFF **pd, CF *scratch) {
    uint32_t nact = 0;
    for (size_t b = 0; b < nslots; b++)
        if (len[b] >= 2) act[nact++] = (uint32_t)b;
    while (nact) {
        size_t K = 0;
        for (uint32_t t = 0; t < nact; t++) {
            uint32_t b = act[t], s = start[b], half = len[b] / 2;
            for (uint32_t i = 0; i < half; i++) {
                pa[K] = &arr[s + 2 * i];
                pb[K] = &arr[s + 2 * i + 1];
                pd[K] = &arr[s + i];
                K++;
            }
        }
        FN(batch_add)(pd, pa, pb, K, scratch);
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

/* One Pippenger instance over m contributing points P with signed digits
 * dig[w * m + i] (window w of point i).  Window groups are handed out to
 * threads through an atomic counter, so a thread on a busy core simply takes
 * fewer groups; every group writes its windows' sums W[w]. */
typedef struct {
    const AFF *P;
    const int16_t *dig;
    size_t m;
    unsigned c, nw, wg;       /* window width, window count, windows per group */
    JAC *W;
    unsigned next_group;      /* atomic */
    int err;                  /* atomic: first failure */
    int affine_sums;          /* window sums by batch-affine segments (else Jacobian running sums) */
} FN(pip);

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
 * S G segments step down together, so every step is one batch_add of up to
 * 2 S G pairs sharing one inversion -- about 2 x 6 multiplications per bucket
 * instead of a mixed plus a general Jacobian addition (~27).  A segment j
 * (buckets jL + 1 .. jL + L) ends with T_j = its buckets' sum and
 * U_j = sum_b (b - jL) B_b, and sum_b b B_b = sum_j U_j + L sum_j j T_j, the
 * last sum by a short Jacobian running sum and log2 L doublings.  Within a
 * step the sum's addition uses the run before the step's bucket is added
 * (pairs ordered so, as batch_add allows), and one last batch adds the final
 * run. */
static void FN(window_sums_affine)(const AFF *arr, const uint32_t *start, const uint32_t *cnt, unsigned G,
                                   uint32_t nb, uint32_t stride, AFF *run, AFF *sum,
                                   AFF **pa, AFF **pb, AFF **pd, CF *scratch, JAC *W) {
    uint32_t L = FN(segment_length)(nb, G), S = nb / L;
    size_t NS = (size_t)G * S;
    for (size_t k = 0; k < NS; k++) { FN(aff_set_inf)(&run[k]); FN(aff_set_inf)(&sum[k]); }
    for (uint32_t t = 0; t < L; t++) {
        size_t K = 0;
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
                else { pa[K] = &sum[k]; pb[K] = &run[k]; pd[K] = &sum[k]; K++; }
                if (cg[b]) { pa[K] = &run[k]; pb[K] = (AFF *)&arr[sg[b]]; pd[K] = &run[k]; K++; }
            }
        }
        FN(batch_add)(pd, pa, pb, K, scratch);
    }
    size_t K = 0;   /* U_j = sum_j + run_j, into sum */
    for (size_t k = 0; k < NS; k++) {
        if (FN(aff_is_inf)(&run[k])) continue;
        if (FN(aff_is_inf)(&sum[k])) sum[k] = run[k];
        else { pa[K] = &sum[k]; pb[K] = &run[k]; pd[K] = &sum[k]; K++; }
    }
    FN(batch_add)(pd, pa, pb, K, scratch);
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

static void FN(pip_worker)(FN(pip) *pp) {
    size_t m = pp->m, wg = pp->wg;
    uint32_t nb = 1u << (pp->c - 1), stride = nb + 1;   /* slot 0 of each window stays empty */
    size_t slots = wg * stride, cap = m * wg, hm = cap / 2 + 1;
    if (hm < 2 * slots) hm = 2 * slots;   /* the window sums' batches: 2 pairs per segment */
    AFF *run = pp->affine_sums ? malloc(slots * sizeof(AFF)) : NULL;
    AFF *sum = pp->affine_sums ? malloc(slots * sizeof(AFF)) : NULL;
    uint32_t *cnt = malloc(slots * sizeof(uint32_t));
    uint32_t *start = malloc(slots * sizeof(uint32_t));
    uint32_t *act = malloc(slots * sizeof(uint32_t));
    AFF *arr = malloc(cap * sizeof(AFF));
    AFF **pa = malloc(hm * sizeof(AFF *)), **pb = malloc(hm * sizeof(AFF *)), **pd = malloc(hm * sizeof(AFF *));
    CF *scratch = malloc(2 * hm * sizeof(CF));
    if (!cnt || !start || !act || !arr || !pa || !pb || !pd || !scratch || (pp->affine_sums && (!run || !sum))) {
        __atomic_store_n(&pp->err, ZKA_NO_MEMORY, __ATOMIC_RELAXED);
        goto done;
    }
    for (;;) {
        unsigned w0 = __atomic_fetch_add(&pp->next_group, 1, __ATOMIC_RELAXED) * (unsigned)wg;
        if (w0 >= pp->nw || __atomic_load_n(&pp->err, __ATOMIC_RELAXED)) break;
        unsigned G = pp->nw - w0 < wg ? pp->nw - w0 : (unsigned)wg;
        const int16_t *dg = pp->dig + (size_t)w0 * m;
        memset(cnt, 0, G * stride * sizeof(uint32_t));
        for (unsigned g = 0; g < G; g++)
            for (size_t i = 0; i < m; i++) {
                int d = dg[g * m + i];
                if (d) cnt[g * stride + (uint32_t)(d < 0 ? -d : d)]++;
            }
        uint32_t pos = 0;
        for (size_t k = 0; k < G * stride; k++) { start[k] = pos; pos += cnt[k]; }
        for (unsigned g = 0; g < G; g++)
            for (size_t i = 0; i < m; i++) {
                int d = dg[g * m + i];
                if (!d) continue;
                size_t base = (size_t)g * stride;
                if (d > 0) arr[start[base + d]++] = pp->P[i];
                else FN(aff_neg)(&arr[start[base - d]++], &pp->P[i]);
            }
        for (size_t k = 0; k < G * stride; k++) start[k] -= cnt[k];   /* rewind the cursors */
        FN(reduce_buckets)(arr, start, cnt, G * stride, act, pa, pb, pd, scratch);   /* cnt -> 0 or 1 */

        if (pp->affine_sums) {
            FN(window_sums_affine)(arr, start, cnt, G, nb, stride, run, sum, pa, pb, pd, scratch, pp->W + w0);
            continue;
        }
        for (unsigned g = 0; g < G; g++) {
            /* sum_b b * B_b as a running sum from the top bucket down */
            const uint32_t *cg = cnt + g * stride, *sg = start + g * stride;
            JAC run, sum;
            FN(jac_set_inf)(&run);
            FN(jac_set_inf)(&sum);
            for (uint32_t b = nb; b >= 1; b--) {
                if (cg[b]) FN(jac_madd)(&run, &run, &arr[sg[b]]);
                if (!FN(jac_is_inf)(&run)) FN(jac_add)(&sum, &sum, &run);
            }
            pp->W[w0 + g] = sum;
        }
    }
done:
    free(cnt); free(start); free(act); free(arr); free(pa); free(pb); free(pd); free(scratch);
    free(run); free(sum);
}

static void *FN(pip_thread)(void *arg) { FN(pip_worker)((FN(pip) *)arg); return NULL; }

typedef struct {
    const unsigned char *pts, *sc;
    size_t n;
    size_t nglv;              /* scalars of this chunk that GLV splits (0 when it is off) */
    int threads;              /* threads to share this chunk's window groups */
    int glv;
    JAC result;
    int err;
} FN(msm_job);

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

/* Pippenger over one chunk of the input, its window groups shared by
 * job->threads threads. */
static void FN(msm_chunk)(FN(msm_job) *job) {
    size_t n = job->n, cap = n + job->nglv;
    FN(jac_set_inf)(&job->result);
    job->err = ZKA_OK;
    AFF *P = malloc((cap ? cap : 1) * sizeof(AFF));
    uint64_t (*S)[4] = malloc((cap ? cap : 1) * sizeof(*S));
    int16_t *dig = NULL;
    JAC *W = NULL;
    if (!P || !S) { job->err = ZKA_NO_MEMORY; goto done; }
    fe beta;
    mf_from_bytes(&beta, (const unsigned char *)EW_BETA, &FP_MOD);

    /* Keep only pairs that contribute: nonzero scalar, finite point.  A scalar
     * above r/2 becomes r - s on the negated point; one still longer than
     * ZKA_GLV_BITS becomes k1 P + k2 phi(P) with phi(x, y) = (beta x, y) =
     * lambda P and |k1|, |k2| < 2^128, each half with its sign folded into its
     * point: two entries of half the length, so half the windows. */
    size_t m = 0, hist[257] = {0};
    unsigned maxbits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s[4];
        scalar_load(s, job->sc + 32 * i);
        int neg = scalar_signed(s);
        unsigned bl = scalar_bits(s);
        if (!bl) continue;
        if (!CF_load(&P[m].x, job->pts + PT_BYTES * i) ||
            !CF_load(&P[m].y, job->pts + PT_BYTES * i + PT_BYTES / 2)) {
            job->err = ZKA_BAD_POINT;
            goto done;
        }
        if (FN(aff_is_inf)(&P[m])) continue;
        if (neg) FN(aff_neg)(&P[m], &P[m]);
        if (job->glv && bl > ZKA_GLV_BITS && m + 2 <= cap) {
            uint64_t k1[4], k2[4];
            uint8_t n1, n2;
            glv_split(s, k1, &n1, k2, &n2);
            AFF q;
            CF_mul_fp(&q.x, &P[m].x, &beta);
            q.y = P[m].y;
            unsigned b1 = scalar_bits(k1), b2 = scalar_bits(k2);
            if (b1) {
                if (n1) FN(aff_neg)(&P[m], &P[m]);
                memcpy(S[m], k1, 32);
                hist[b1]++;
                if (b1 > maxbits) maxbits = b1;
                m++;
            }
            if (b2) {
                if (n2) FN(aff_neg)(&q, &q);
                P[m] = q;
                memcpy(S[m], k2, 32);
                hist[b2]++;
                if (b2 > maxbits) maxbits = b2;
                m++;
            }
            continue;
        }
        memcpy(S[m], s, 32);
        hist[bl]++;
        if (bl > maxbits) maxbits = bl;
        m++;
    }
    if (!m) goto done;

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

    /* Signed digits of every window up front (carries run upward through a
     * scalar's windows), so that groups can be taken in any order. */
    dig = malloc((size_t)nw * m * sizeof(int16_t));
    W = malloc(nw * sizeof(JAC));
    if (!dig || !W) { job->err = ZKA_NO_MEMORY; goto done; }
    for (size_t i = 0; i < m; i++) {
        uint8_t carry = 0;
        for (unsigned w = 0; w < nw; w++)
            dig[(size_t)w * m + i] = (int16_t)signed_digit(scalar_window(S[i], w * c, c), c, &carry);
    }
    free(S);
    S = NULL;

    FN(pip) pp = {P, dig, m, c, nw, (unsigned)wg, W, 0, ZKA_OK, job->glv};
    size_t groups = (nw + wg - 1) / wg;
    if (T > groups) T = groups;
    pthread_t tid[64];
    int started[64] = {0};
    for (size_t t = 1; t < T; t++) started[t] = pthread_create(&tid[t], NULL, FN(pip_thread), &pp) == 0;
    FN(pip_worker)(&pp);   /* a thread that failed to start just leaves its share to the others */
    for (size_t t = 1; t < T; t++)
        if (started[t]) pthread_join(tid[t], NULL);
    if (pp.err) { job->err = pp.err; goto done; }

    JAC acc = W[nw - 1];
    for (unsigned w = nw - 1; w-- > 0;) {
        for (unsigned k = 0; k < c; k++) FN(jac_dbl)(&acc, &acc);
        FN(jac_add)(&acc, &acc, &W[w]);
    }
    job->result = acc;
done:
    free(P); free(S); free(dig); free(W);
}

static void *FN(msm_thread)(void *arg) { FN(msm_chunk)((FN(msm_job) *)arg); return NULL; }

/* out = sum scalars[i] * pts[i]; points affine, standard little-endian, zeros = infinity;
 * scalars 32-byte little-endian.  Points must lie in the order-r subgroup (as
 * reducing the scalars mod r already assumes): GLV relies on it.
 *
 * Threads share one Pippenger's window groups when there are enough groups;
 * inputs with few windows (mostly small scalars) are instead split into
 * chunks of equal estimated work, one single-threaded Pippenger each. */
int FN(msm)(const unsigned char *pts, const unsigned char *sc, size_t n, int threads, unsigned char *out) {
    int glv = zka_msm_glv_enabled();
    uint32_t *work = malloc((n ? n : 1) * sizeof(uint32_t));
    uint8_t *big = malloc(n ? n : 1);
    if (!work || !big) { free(work); free(big); return ZKA_NO_MEMORY; }
    uint64_t total = 0;
    unsigned maxbits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s[4];
        scalar_load(s, sc + 32 * i);
        scalar_signed(s);
        unsigned bl = scalar_bits(s);
        big[i] = glv && bl > ZKA_GLV_BITS;
        if (big[i]) bl = ZKA_GLV_BITS;   /* as the halves' length: two of them, same work */
        work[i] = big[i] ? 2 * scalar_work(bl) : scalar_work(bl);
        total += work[i];
        if (bl > maxbits) maxbits = bl;
    }
    size_t T = threads < 1 ? 1 : (size_t)threads;
    if (T > 64) T = 64;
    if (T > total / ZKA_MIN_THREAD_WORK) T = total / ZKA_MIN_THREAD_WORK ? total / ZKA_MIN_THREAD_WORK : 1;
    /* enough windows for every thread (windows are at least 8 bits wide when
     * threading pays, so maxbits / 16 is a safe lower estimate of the count) */
    size_t chunks = maxbits / 16 >= 2 * T ? 1 : T;
    FN(msm_job) jobs[64];
    pthread_t tid[64];
    int started[64] = {0};
    size_t off = 0;
    uint64_t acc_work = 0;
    for (size_t t = 0; t < chunks; t++) {
        size_t end = off;
        uint64_t target = total * (t + 1) / chunks;
        if (t == chunks - 1) end = n;
        else while (end < n && acc_work < target) acc_work += work[end++];
        size_t nglv = 0;
        for (size_t i = off; i < end; i++) nglv += big[i];
        jobs[t].pts = pts + PT_BYTES * off;
        jobs[t].sc = sc + 32 * off;
        jobs[t].n = end - off;
        jobs[t].nglv = nglv;
        jobs[t].glv = glv;
        jobs[t].threads = chunks == 1 ? (int)T : 1;
        off = end;
    }
    free(work);
    free(big);
    for (size_t t = 1; t < chunks; t++)
        started[t] = pthread_create(&tid[t], NULL, FN(msm_thread), &jobs[t]) == 0;
    FN(msm_chunk)(&jobs[0]);
    for (size_t t = 1; t < chunks; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else FN(msm_chunk)(&jobs[t]);   /* no thread available: run it here */
    }
    JAC acc;
    FN(jac_set_inf)(&acc);
    for (size_t t = 0; t < chunks; t++) {
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
