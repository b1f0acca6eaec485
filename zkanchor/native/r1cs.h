/* Entry points for the flat R1CS prover and setup (r1cs.c): sparse matrix-vector
 * products over Fr, witness checks, the quotient's pointwise numerator, Lagrange
 * evaluations at a point and curve-membership checks of packed points.
 *
 * Same conventions as kernel.h: field elements are 32-byte little-endian limbs in
 * standard form, points in pack_g1 / pack_g2 layout.  Integer arrays (row_ptr,
 * cols, cidx, int64 witnesses) are raw native-endian arrays and need not be
 * aligned.  Every function returns one of the statuses below; when the status
 * names a bad input, *where says which element (see each function).
 */
#ifndef ZKA_R1CS_H
#define ZKA_R1CS_H

#include <stddef.h>
#include <stdint.h>

enum {
    ZKA_R1CS_OK = 0,
    ZKA_R1CS_BAD_VALUE = 1,      /* a field element >= r (the kernel-wide "out of range") */
    ZKA_R1CS_NO_MEMORY = 2,
    ZKA_R1CS_BAD_COEFF = 4,      /* coeffs[*where] >= r */
    ZKA_R1CS_BAD_ROW_PTR = 5,    /* row_ptr[*where] breaks 0 = row_ptr[0] <= ... <= row_ptr[m] = nnz */
    ZKA_R1CS_BAD_COL = 6,        /* cols[*where] >= the number of values (or outputs) */
    ZKA_R1CS_BAD_CIDX = 7,       /* cidx[*where] >= the number of coefficients */
    ZKA_R1CS_IN_DOMAIN = 8,      /* fr_lagrange_at: tau^n = 1 */
};

/* A sparse matrix in CSR form with its coefficients interned in a table:
 * row i holds entries k in [row_ptr[i], row_ptr[i+1]), each coeffs[cidx[k]]
 * in column cols[k]. */
typedef struct {
    const unsigned char *row_ptr;   /* m + 1 int64 */
    size_t m;
    const unsigned char *cols;      /* nnz uint32 */
    const unsigned char *cidx;      /* nnz uint32 */
    size_t nnz;
    const unsigned char *coeffs;    /* n_coeffs field elements */
    size_t n_coeffs;
} zka_csr;

/* out[i] = sum_k coeffs[cidx[k]] * values[cols[k]] over row i; out holds m elements.
 * BAD_VALUE: *where indexes values. */
int fr_sparse_rows(const zka_csr *a, const unsigned char *values, size_t n, int threads,
                   unsigned char *out, size_t *where);
/* out[cols[k]] += coeffs[cidx[k]] * row_values[row of k]; out holds n_out elements.
 * BAD_VALUE: *where indexes row_values (m of them). */
int fr_sparse_cols(const zka_csr *a, const unsigned char *row_values, size_t n_out, int threads,
                   unsigned char *out, size_t *where);
/* *first = smallest i with a_i b_i != c_i, or -1.  BAD_VALUE: *where = 3 i + (0 for a, 1 b, 2 c). */
int fr_first_unsatisfied(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                         int threads, long long *first, size_t *where);
/* out[i] = (a_i b_i - c_i) k; k must be < r.  b or c may be NULL (b_i = 1, c_i = 0); out may be a.
 * BAD_VALUE: *where as fr_first_unsatisfied. */
int fr_h_evaluations(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                     const unsigned char *k, int threads, unsigned char *out, size_t *where);
/* *first = index of the first point with a coordinate >= p or off the curve, or -1. */
int g1_check_points(const unsigned char *pts, size_t n, int threads, long long *first);
int g2_check_points(const unsigned char *pts, size_t n, int threads, long long *first);
/* out[i] = L_i(tau) over the 2^log_n-th roots of unity (log_n <= 28, tau < r). */
int fr_lagrange_at(unsigned log_n, const unsigned char *tau, int threads, unsigned char *out);

/* Signed int64 -> (x mod r); no field arithmetic, so there is one build only. */
int fr_pack_int64(const unsigned char *in, size_t n, int threads, unsigned char *out);

/* The same entry points built with the BMI2/ADX multiplication (x86_64). */
int fr_sparse_rows_adx(const zka_csr *a, const unsigned char *values, size_t n, int threads,
                       unsigned char *out, size_t *where);
int fr_sparse_cols_adx(const zka_csr *a, const unsigned char *row_values, size_t n_out, int threads,
                       unsigned char *out, size_t *where);
int fr_first_unsatisfied_adx(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                             int threads, long long *first, size_t *where);
int fr_h_evaluations_adx(const unsigned char *a, const unsigned char *b, const unsigned char *c, size_t n,
                         const unsigned char *k, int threads, unsigned char *out, size_t *where);
int g1_check_points_adx(const unsigned char *pts, size_t n, int threads, long long *first);
int g2_check_points_adx(const unsigned char *pts, size_t n, int threads, long long *first);
int fr_lagrange_at_adx(unsigned log_n, const unsigned char *tau, int threads, unsigned char *out);

/* One build's entry points, for the binding's backend table (kernel.c). */
typedef struct {
    int (*sparse_rows)(const zka_csr *, const unsigned char *, size_t, int, unsigned char *, size_t *);
    int (*sparse_cols)(const zka_csr *, const unsigned char *, size_t, int, unsigned char *, size_t *);
    int (*first_unsatisfied)(const unsigned char *, const unsigned char *, const unsigned char *, size_t, int,
                             long long *, size_t *);
    int (*h_evaluations)(const unsigned char *, const unsigned char *, const unsigned char *, size_t,
                         const unsigned char *, int, unsigned char *, size_t *);
    int (*g1_check)(const unsigned char *, size_t, int, long long *);
    int (*g2_check)(const unsigned char *, size_t, int, long long *);
    int (*lagrange_at)(unsigned, const unsigned char *, int, unsigned char *);
} zka_r1cs_ops;

extern const zka_r1cs_ops ZKA_R1CS_PORTABLE, ZKA_R1CS_ADX;

#endif
