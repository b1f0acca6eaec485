/* Short-Weierstrass group law for y^2 = x^3 + b, written once for G1 and G2.
 *
 * A C "template": the including file defines the field type CF, its operations
 * CF_add/CF_sub/CF_mul/CF_sqr/CF_dbl/CF_neg/CF_is_zero/CF_eq/CF_inv/CF_set_one,
 * and FN(name) for the symbol prefix.  Affine points use (0, 0) as the point at
 * infinity: it is on neither curve (b != 0), so the encoding is unambiguous and
 * matches the all-zero bytes the Python side sends for None.
 */

typedef struct { CF x, y; } FN(aff);
typedef struct { CF x, y, z; } FN(jac);   /* Jacobian: (X/Z^2, Y/Z^3); Z = 0 is infinity */

#define AFF FN(aff)
#define JAC FN(jac)

ZKA_INLINE int FN(aff_is_inf)(const AFF *p) { return CF_is_zero(&p->x) && CF_is_zero(&p->y); }
ZKA_INLINE void FN(aff_set_inf)(AFF *p) { memset(p, 0, sizeof(*p)); }
ZKA_INLINE int FN(jac_is_inf)(const JAC *p) { return CF_is_zero(&p->z); }
ZKA_INLINE void FN(jac_set_inf)(JAC *p) { memset(p, 0, sizeof(*p)); CF_set_one(&p->x); CF_set_one(&p->y); }

ZKA_INLINE void FN(aff_neg)(AFF *r, const AFF *p) {
    r->x = p->x;
    CF_neg(&r->y, &p->y);   /* neg(0) = 0 keeps infinity infinite */
}

ZKA_INLINE void FN(jac_from_aff)(JAC *r, const AFF *p) {
    if (FN(aff_is_inf)(p)) { FN(jac_set_inf)(r); return; }
    r->x = p->x;
    r->y = p->y;
    CF_set_one(&r->z);
}

/* dbl-2009-l (a = 0) */
static inline void FN(jac_dbl)(JAC *r, const JAC *p) {
    if (FN(jac_is_inf)(p)) { *r = *p; return; }
    CF a, b, c, d, e, f, t;
    CF_sqr(&a, &p->x);
    CF_sqr(&b, &p->y);
    CF_sqr(&c, &b);
    CF_add(&t, &p->x, &b);
    CF_sqr(&t, &t);
    CF_sub(&t, &t, &a);
    CF_sub(&t, &t, &c);
    CF_dbl(&d, &t);
    CF_dbl(&e, &a);
    CF_add(&e, &e, &a);
    CF_sqr(&f, &e);
    CF z3;
    CF_mul(&z3, &p->y, &p->z);
    CF_dbl(&r->z, &z3);
    CF_dbl(&t, &d);
    CF_sub(&r->x, &f, &t);
    CF_sub(&t, &d, &r->x);
    CF_mul(&t, &e, &t);
    CF_dbl(&c, &c);
    CF_dbl(&c, &c);
    CF_dbl(&c, &c);
    CF_sub(&r->y, &t, &c);
}

/* madd-2007-bl: r = p + q with q affine; handles infinity, doubling and p = -q. */
static inline void FN(jac_madd)(JAC *r, const JAC *p, const AFF *q) {
    if (FN(aff_is_inf)(q)) { *r = *p; return; }
    if (FN(jac_is_inf)(p)) { FN(jac_from_aff)(r, q); return; }
    CF z1z1, u2, s2, h, hh, i, j, rr, v, t;
    CF_sqr(&z1z1, &p->z);
    CF_mul(&u2, &q->x, &z1z1);
    CF_mul(&s2, &q->y, &p->z);
    CF_mul(&s2, &s2, &z1z1);
    CF_sub(&h, &u2, &p->x);
    CF_sub(&rr, &s2, &p->y);
    if (CF_is_zero(&h)) {
        if (CF_is_zero(&rr)) { FN(jac_dbl)(r, p); return; }
        FN(jac_set_inf)(r);
        return;
    }
    CF_dbl(&rr, &rr);
    CF_sqr(&hh, &h);
    CF_dbl(&i, &hh);
    CF_dbl(&i, &i);
    CF_mul(&j, &h, &i);
    CF_mul(&v, &p->x, &i);
    CF x3, y3, z3;
    CF_sqr(&x3, &rr);
    CF_sub(&x3, &x3, &j);
    CF_sub(&x3, &x3, &v);
    CF_sub(&x3, &x3, &v);
    CF_sub(&t, &v, &x3);
    CF_mul(&y3, &rr, &t);
    CF_mul(&t, &p->y, &j);
    CF_dbl(&t, &t);
    CF_sub(&y3, &y3, &t);
    CF_add(&z3, &p->z, &h);
    CF_sqr(&z3, &z3);
    CF_sub(&z3, &z3, &z1z1);
    CF_sub(&z3, &z3, &hh);
    r->x = x3; r->y = y3; r->z = z3;
}

/* add-2007-bl: general Jacobian addition with all special cases. */
static inline void FN(jac_add)(JAC *r, const JAC *p, const JAC *q) {
    if (FN(jac_is_inf)(p)) { *r = *q; return; }
    if (FN(jac_is_inf)(q)) { *r = *p; return; }
    CF z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    CF_sqr(&z1z1, &p->z);
    CF_sqr(&z2z2, &q->z);
    CF_mul(&u1, &p->x, &z2z2);
    CF_mul(&u2, &q->x, &z1z1);
    CF_mul(&s1, &p->y, &q->z);
    CF_mul(&s1, &s1, &z2z2);
    CF_mul(&s2, &q->y, &p->z);
    CF_mul(&s2, &s2, &z1z1);
    CF_sub(&h, &u2, &u1);
    CF_sub(&rr, &s2, &s1);
    if (CF_is_zero(&h)) {
        if (CF_is_zero(&rr)) { FN(jac_dbl)(r, p); return; }
        FN(jac_set_inf)(r);
        return;
    }
    CF_dbl(&rr, &rr);
    CF_dbl(&i, &h);
    CF_sqr(&i, &i);
    CF_mul(&j, &h, &i);
    CF_mul(&v, &u1, &i);
    CF x3, y3, z3;
    CF_sqr(&x3, &rr);
    CF_sub(&x3, &x3, &j);
    CF_sub(&x3, &x3, &v);
    CF_sub(&x3, &x3, &v);
    CF_sub(&t, &v, &x3);
    CF_mul(&y3, &rr, &t);
    CF_mul(&t, &s1, &j);
    CF_dbl(&t, &t);
    CF_sub(&y3, &y3, &t);
    CF_add(&z3, &p->z, &q->z);
    CF_sqr(&z3, &z3);
    CF_sub(&z3, &z3, &z1z1);
    CF_sub(&z3, &z3, &z2z2);
    CF_mul(&z3, &z3, &h);
    r->x = x3; r->y = y3; r->z = z3;
}

/* Jacobian -> affine for many points with one field inversion (Montgomery's trick).
 * scratch holds n field elements. */
static void FN(batch_normalize)(AFF *out, const JAC *in, size_t n, CF *scratch) {
    CF acc, inv, zi, zi2;
    CF_set_one(&acc);
    for (size_t k = 0; k < n; k++) {
        scratch[k] = acc;
        if (!FN(jac_is_inf)(&in[k])) CF_mul(&acc, &acc, &in[k].z);
    }
    CF_inv(&inv, &acc);
    for (size_t k = n; k-- > 0;) {
        if (FN(jac_is_inf)(&in[k])) { FN(aff_set_inf)(&out[k]); continue; }
        CF_mul(&zi, &inv, &scratch[k]);
        CF_mul(&inv, &inv, &in[k].z);
        CF_sqr(&zi2, &zi);
        CF_mul(&out[k].x, &in[k].x, &zi2);
        CF_mul(&zi2, &zi2, &zi);
        CF_mul(&out[k].y, &in[k].y, &zi2);
    }
}

/* Denominator of the affine slope of a + b; 1 when no inversion is needed
 * (an operand at infinity, or a = -b). */
ZKA_INLINE void FN(pair_den)(CF *den, const AFF *a, const AFF *b) {
    if (FN(aff_is_inf)(a) || FN(aff_is_inf)(b)) { CF_set_one(den); return; }
    if (CF_eq(&a->x, &b->x)) {
        if (CF_eq(&a->y, &b->y)) CF_dbl(den, &a->y);   /* doubling: 2y */
        else CF_set_one(den);                           /* a = -b */
        return;
    }
    CF_sub(den, &b->x, &a->x);
}

/* d[k] = a[k] + b[k] in affine coordinates for k < K, sharing one inversion.
 * Writing d[k] may overwrite inputs of pairs j < k only (callers rely on a
 * forward final pass).  scratch holds 2K field elements: the prefix products,
 * then each pair's denominator (kept rather than recomputed on the way back). */
static void FN(batch_add)(AFF *const *d, AFF *const *a, AFF *const *b, size_t K, CF *scratch) {
    if (K == 0) return;
    CF acc, inv, *den = scratch + K;
    CF_set_one(&acc);
    for (size_t k = 0; k < K; k++) {
        scratch[k] = acc;                 /* product of the denominators before k */
        FN(pair_den)(&den[k], a[k], b[k]);
        CF_mul(&acc, &acc, &den[k]);
    }
    CF_inv(&inv, &acc);
    for (size_t k = K; k-- > 0;) {
        CF_mul(&scratch[k], &scratch[k], &inv);   /* now 1/den_k */
        CF_mul(&inv, &inv, &den[k]);
    }
    for (size_t k = 0; k < K; k++) {
        const AFF *p = a[k], *q = b[k];
        if (FN(aff_is_inf)(p)) { *d[k] = *q; continue; }
        if (FN(aff_is_inf)(q)) { *d[k] = *p; continue; }
        CF lam, t, x3, y3;
        if (CF_eq(&p->x, &q->x)) {
            if (!CF_eq(&p->y, &q->y)) { FN(aff_set_inf)(d[k]); continue; }
            CF_sqr(&t, &p->x);            /* slope 3x^2 / 2y */
            CF_dbl(&lam, &t);
            CF_add(&t, &lam, &t);
            CF_mul(&lam, &t, &scratch[k]);
        } else {
            CF_sub(&t, &q->y, &p->y);
            CF_mul(&lam, &t, &scratch[k]);
        }
        CF_sqr(&x3, &lam);
        CF_sub(&x3, &x3, &p->x);
        CF_sub(&x3, &x3, &q->x);
        CF_sub(&t, &p->x, &x3);
        CF_mul(&y3, &lam, &t);
        CF_sub(&y3, &y3, &p->y);
        d[k]->x = x3;
        d[k]->y = y3;
    }
}
