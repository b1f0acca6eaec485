/* CPython binding of the R1CS kernels (r1cs.c).
 *
 * Integer arrays (row_ptr, cols, cidx, int64 witnesses) come in through the
 * buffer protocol, so numpy arrays, array.array and raw bytes all pass without
 * a copy; their item size is checked here, their values in C with the GIL
 * released.  Errors name the offending argument and index in one sentence.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include "r1cs_py.h"

/* Opens obj as a C-contiguous array of integers of `size` bytes: a typed buffer
 * whose format letter is one of `codes` (checked with its item size, so the
 * platform's 'l' is only taken where it has that size), or raw bytes. */
static int get_int_array(PyObject *obj, Py_buffer *view, const char *fn, const char *name, Py_ssize_t size,
                         const char *codes, const char *what, size_t *count) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '@' || *f == '=' || *f == '<') f++;   /* native or little-endian; '>' / '!' fall through to reject */
    int raw = view->itemsize == 1 && f[0] && strchr("Bbc", f[0]) && !f[1];
    int typed = view->itemsize == size && f[0] && strchr(codes, f[0]) && !f[1];
    if (!(raw || typed) || view->len % size) {
        if (raw)
            PyErr_Format(PyExc_ValueError, "%s: %s as raw bytes must hold whole %zd-byte integers, got %zd bytes",
                         fn, name, size, view->len);
        else
            PyErr_Format(PyExc_ValueError, "%s: %s must be an array of %s, got items of %zd bytes with format '%s'",
                         fn, name, what, view->itemsize, view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    *count = (size_t)(view->len / size);
    return 0;
}

/* Opens obj as packed field elements (32 bytes each). */
static int get_fe_array(PyObject *obj, Py_buffer *view, const char *fn, const char *name, size_t *count) {
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0) return -1;
    if (view->len % 32) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be 32 bytes per field element, got %zd bytes", fn, name,
                     view->len);
        PyBuffer_Release(view);
        return -1;
    }
    *count = (size_t)(view->len / 32);
    return 0;
}

static void release_all(Py_buffer **views, int n) {
    for (int i = 0; i < n; i++)
        if (views[i]->obj) PyBuffer_Release(views[i]);
}

static int clamp_threads(int threads) { return threads < 1 ? 1 : threads; }

/* ---- the CSR arguments shared by fr_sparse_rows and fr_sparse_cols ---------------- */

typedef struct {
    Py_buffer rp, cols, cidx, coeffs;
    zka_csr csr;
} csr_args;

static void csr_close(csr_args *c) {
    Py_buffer *v[4] = {&c->rp, &c->cols, &c->cidx, &c->coeffs};
    release_all(v, 4);
}

static int csr_open(csr_args *c, const char *fn, PyObject *rp, PyObject *cols, PyObject *cidx, PyObject *coeffs) {
    memset(c, 0, sizeof(*c));
    size_t n_rp, n_cols, n_cidx, n_coeffs;
    if (get_int_array(rp, &c->rp, fn, "row_ptr", 8, "qQlLnN", "int64 offsets", &n_rp) < 0 ||
        get_int_array(cols, &c->cols, fn, "cols", 4, "iIlL", "uint32 column indices", &n_cols) < 0 ||
        get_int_array(cidx, &c->cidx, fn, "cidx", 4, "iIlL", "uint32 coefficient indices", &n_cidx) < 0 ||
        get_fe_array(coeffs, &c->coeffs, fn, "coeffs", &n_coeffs) < 0) {
        csr_close(c);
        return -1;
    }
    if (n_rp == 0) {
        PyErr_Format(PyExc_ValueError, "%s: row_ptr must hold m + 1 offsets (at least one), got none", fn);
    } else if (n_cols != n_cidx) {
        PyErr_Format(PyExc_ValueError, "%s: cols and cidx must have one entry per nonzero, got %zu and %zu",
                     fn, n_cols, n_cidx);
    } else {
        c->csr = (zka_csr){c->rp.buf, n_rp - 1, c->cols.buf, c->cidx.buf, n_cols, c->coeffs.buf, n_coeffs};
        return 0;
    }
    csr_close(c);
    return -1;
}

/* Raises the ValueError (or MemoryError) for a failed sparse product. */
static void csr_error(const char *fn, int status, size_t where, const csr_args *c, const char *vname,
                      const char *col_limit, size_t col_bound) {
    const zka_csr *a = &c->csr;
    int64_t off;
    uint32_t idx;
    switch (status) {
    case ZKA_R1CS_NO_MEMORY:
        PyErr_NoMemory();
        break;
    case ZKA_R1CS_BAD_VALUE:
        PyErr_Format(PyExc_ValueError, "%s: %s[%zu] is not below r", fn, vname, where);
        break;
    case ZKA_R1CS_BAD_COEFF:
        PyErr_Format(PyExc_ValueError, "%s: coeffs[%zu] is not below r", fn, where);
        break;
    case ZKA_R1CS_BAD_ROW_PTR:
        memcpy(&off, a->row_ptr + 8 * where, 8);
        PyErr_Format(PyExc_ValueError,
                     "%s: row_ptr[%zu] = %lld breaks the CSR layout (offsets must start at 0, never decrease "
                     "and end at len(cols) = %zu)", fn, where, (long long)off, a->nnz);
        break;
    case ZKA_R1CS_BAD_COL:
        memcpy(&idx, a->cols + 4 * where, 4);
        PyErr_Format(PyExc_ValueError, "%s: cols[%zu] = %u is out of range for %s = %zu", fn, where,
                     (unsigned)idx, col_limit, col_bound);
        break;
    case ZKA_R1CS_BAD_CIDX:
        memcpy(&idx, a->cidx + 4 * where, 4);
        PyErr_Format(PyExc_ValueError, "%s: cidx[%zu] = %u is out of range for %zu coefficients", fn, where,
                     (unsigned)idx, a->n_coeffs);
        break;
    default:
        PyErr_Format(PyExc_RuntimeError, "%s: native kernel failed with status %d", fn, status);
    }
}

/* Opens `out` (None: no buffer) as a writable buffer of at least `need` bytes, for
 * the functions that can write into the caller's memory instead of new bytes. */
static int get_out_buffer(PyObject *out, Py_buffer *view, const char *fn, size_t need) {
    memset(view, 0, sizeof(*view));
    if (out == Py_None) return 0;
    if (PyObject_GetBuffer(out, view, PyBUF_WRITABLE) < 0) return -1;
    if ((size_t)view->len < need) {
        PyErr_Format(PyExc_ValueError, "%s: out must hold at least %zu bytes, got %zd", fn, need, view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *py_sparse_rows(PyObject *self, PyObject *args) {
    static const char fn[] = "fr_sparse_rows";
    PyObject *rp, *cols, *cidx, *coeffs, *values, *out_obj = Py_None;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OOOOO|iO", &rp, &cols, &cidx, &coeffs, &values, &threads, &out_obj)) return NULL;
    csr_args c;
    if (csr_open(&c, fn, rp, cols, cidx, coeffs) < 0) return NULL;
    Py_buffer vals = {0}, ob = {0};
    size_t n;
    PyObject *res = NULL;
    unsigned char *dst;
    if (get_fe_array(values, &vals, fn, "values", &n) < 0) goto out;
    if (get_out_buffer(out_obj, &ob, fn, 32 * c.csr.m) < 0) goto out;
    if (ob.obj) {
        res = Py_NewRef(out_obj);
        dst = ob.buf;
    } else {
        res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * c.csr.m));
        if (!res) goto out;
        dst = (unsigned char *)PyBytes_AS_STRING(res);
    }
    const zka_r1cs_ops *ops = zka_r1cs_active();
    size_t where = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = ops->sparse_rows(&c.csr, vals.buf, n, clamp_threads(threads), dst, &where);
    Py_END_ALLOW_THREADS
    if (st) { Py_CLEAR(res); csr_error(fn, st, where, &c, "values", "len(values)", n); }
out:
    if (vals.obj) PyBuffer_Release(&vals);
    if (ob.obj) PyBuffer_Release(&ob);
    csr_close(&c);
    return res;
}

static PyObject *py_sparse_cols(PyObject *self, PyObject *args) {
    static const char fn[] = "fr_sparse_cols";
    PyObject *rp, *cols, *cidx, *coeffs, *values;
    Py_ssize_t n_out;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OOOOOn|i", &rp, &cols, &cidx, &coeffs, &values, &n_out, &threads)) return NULL;
    if (n_out < 0 || n_out > PY_SSIZE_T_MAX / 32) {
        PyErr_Format(PyExc_ValueError, "%s: n_out must be a non-negative count, got %zd", fn, n_out);
        return NULL;
    }
    csr_args c;
    if (csr_open(&c, fn, rp, cols, cidx, coeffs) < 0) return NULL;
    Py_buffer vals = {0};
    size_t n;
    PyObject *res = NULL;
    if (get_fe_array(values, &vals, fn, "values_per_row", &n) < 0) goto out;
    if (n != c.csr.m) {
        PyErr_Format(PyExc_ValueError, "%s: values_per_row must hold one value per row (%zu rows), got %zu",
                     fn, c.csr.m, n);
        goto out;
    }
    res = PyBytes_FromStringAndSize(NULL, 32 * n_out);
    if (!res) goto out;
    const zka_r1cs_ops *ops = zka_r1cs_active();
    size_t where = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = ops->sparse_cols(&c.csr, vals.buf, (size_t)n_out, clamp_threads(threads),
                          (unsigned char *)PyBytes_AS_STRING(res), &where);
    Py_END_ALLOW_THREADS
    if (st) { Py_CLEAR(res); csr_error(fn, st, where, &c, "values_per_row", "n_out", (size_t)n_out); }
out:
    if (vals.obj) PyBuffer_Release(&vals);
    csr_close(&c);
    return res;
}

/* ---- a, b, c vectors ---------------------------------------------------------------- */

/* With may_omit, b and c may be None (v[i].buf stays NULL, the count is a's). */
static int open_abc(const char *fn, PyObject *const objs[3], Py_buffer v[3], size_t *n, int may_omit) {
    static const char *names[3] = {"a", "b", "c"};
    size_t cnt[3];
    memset(v, 0, 3 * sizeof(Py_buffer));
    for (int i = 0; i < 3; i++) {
        if (i && may_omit && objs[i] == Py_None) continue;
        if (get_fe_array(objs[i], &v[i], fn, names[i], &cnt[i]) < 0) goto fail;
    }
    for (int i = 1; i < 3; i++)
        if (!v[i].obj) cnt[i] = cnt[0];
    if (cnt[0] != cnt[1] || cnt[0] != cnt[2]) {
        PyErr_Format(PyExc_ValueError, "%s: a, b and c must hold the same number of values, got %zu, %zu and %zu",
                     fn, cnt[0], cnt[1], cnt[2]);
        goto fail;
    }
    *n = cnt[0];
    return 0;
fail:
    for (int i = 0; i < 3; i++)
        if (v[i].obj) PyBuffer_Release(&v[i]);
    return -1;
}

static void close_abc(Py_buffer v[3]) {
    for (int i = 0; i < 3; i++)
        if (v[i].obj) PyBuffer_Release(&v[i]);
}

static void abc_error(const char *fn, int status, size_t where) {
    if (status == ZKA_R1CS_NO_MEMORY) PyErr_NoMemory();
    else if (status != ZKA_R1CS_BAD_VALUE) PyErr_Format(PyExc_RuntimeError, "%s: native kernel failed with status %d", fn, status);
    else if (where == SIZE_MAX) PyErr_Format(PyExc_ValueError, "%s: k is not below r", fn);
    else PyErr_Format(PyExc_ValueError, "%s: %c[%zu] is not below r", fn, "abc"[where % 3], where / 3);
}

static PyObject *py_first_unsatisfied(PyObject *self, PyObject *args) {
    static const char fn[] = "fr_first_unsatisfied";
    PyObject *objs[3];
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OOO|i", &objs[0], &objs[1], &objs[2], &threads)) return NULL;
    Py_buffer v[3];
    size_t n, where = 0;
    if (open_abc(fn, objs, v, &n, 0) < 0) return NULL;
    const zka_r1cs_ops *ops = zka_r1cs_active();
    long long first = -1;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = ops->first_unsatisfied(v[0].buf, v[1].buf, v[2].buf, n, clamp_threads(threads), &first, &where);
    Py_END_ALLOW_THREADS
    close_abc(v);
    if (st) { abc_error(fn, st, where); return NULL; }
    return PyLong_FromLongLong(first);
}

/* out may be a itself (each value is read before its result is written), and b or
 * c may be None (b_i = 1, c_i = 0), so a prover can fold A B and then C into its A
 * buffer with at most two vectors held. */
static PyObject *py_h_evaluations(PyObject *self, PyObject *args) {
    static const char fn[] = "fr_h_evaluations";
    PyObject *objs[3], *out_obj = Py_None;
    Py_buffer k;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "OOOy*|iO", &objs[0], &objs[1], &objs[2], &k, &threads, &out_obj)) return NULL;
    PyObject *res = NULL;
    if (k.len != 32) {
        PyErr_Format(PyExc_ValueError, "%s: k must be one 32-byte field element, got %zd bytes", fn, k.len);
        PyBuffer_Release(&k);
        return NULL;
    }
    Py_buffer v[3], ob;
    size_t n, where = 0;
    if (open_abc(fn, objs, v, &n, 1) < 0) { PyBuffer_Release(&k); return NULL; }
    unsigned char *dst = NULL;
    if (get_out_buffer(out_obj, &ob, fn, 32 * n) == 0) {
        if (ob.obj) {
            res = Py_NewRef(out_obj);
            dst = ob.buf;
        } else if ((res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * n))) != NULL) {
            dst = (unsigned char *)PyBytes_AS_STRING(res);
        }
    }
    if (res) {
        const zka_r1cs_ops *ops = zka_r1cs_active();
        int st;
        Py_BEGIN_ALLOW_THREADS
        st = ops->h_evaluations(v[0].buf, v[1].buf, v[2].buf, n, k.buf, clamp_threads(threads), dst, &where);
        Py_END_ALLOW_THREADS
        if (st) { Py_CLEAR(res); abc_error(fn, st, where); }
    }
    if (ob.obj) PyBuffer_Release(&ob);
    close_abc(v);
    PyBuffer_Release(&k);
    return res;
}

/* ---- int64 witnesses ------------------------------------------------------------------ */

static PyObject *py_pack_int64(PyObject *self, PyObject *args) {
    PyObject *arr;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "O|i", &arr, &threads)) return NULL;
    Py_buffer v;
    size_t n;
    if (get_int_array(arr, &v, "fr_pack_int64", "array", 8, "qln", "signed int64 values", &n) < 0) return NULL;
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * n));
    if (res) {
        Py_BEGIN_ALLOW_THREADS
        fr_pack_int64(v.buf, n, clamp_threads(threads), (unsigned char *)PyBytes_AS_STRING(res));
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&v);
    return res;
}

/* ---- packed points ---------------------------------------------------------------------- */

static PyObject *check_points(PyObject *args, int g2) {
    const char *fn = g2 ? "g2_check_points" : "g1_check_points";
    Py_ssize_t size = g2 ? 128 : 64;
    Py_buffer buf;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "y*|i", &buf, &threads)) return NULL;
    if (buf.len % size) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes per point, got %zd bytes", fn, size, buf.len);
        PyBuffer_Release(&buf);
        return NULL;
    }
    const zka_r1cs_ops *ops = zka_r1cs_active();
    long long first = -1;
    size_t n = (size_t)(buf.len / size);
    Py_BEGIN_ALLOW_THREADS
    (g2 ? ops->g2_check : ops->g1_check)(buf.buf, n, clamp_threads(threads), &first);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    return PyLong_FromLongLong(first);
}

static PyObject *py_g1_check_points(PyObject *self, PyObject *args) { return check_points(args, 0); }
static PyObject *py_g2_check_points(PyObject *self, PyObject *args) { return check_points(args, 1); }

/* ---- Lagrange basis ----------------------------------------------------------------------- */

static PyObject *py_lagrange_at(PyObject *self, PyObject *args) {
    static const char fn[] = "fr_lagrange_at";
    int log_n, threads = 1;
    Py_buffer tau;
    if (!PyArg_ParseTuple(args, "iy*|i", &log_n, &tau, &threads)) return NULL;
    PyObject *res = NULL;
    if (log_n < 0 || log_n > 28) {
        PyErr_Format(PyExc_ValueError, "%s: log_n must be between 0 and 28, got %d", fn, log_n);
        goto out;
    }
    if (tau.len != 32) {
        PyErr_Format(PyExc_ValueError, "%s: tau must be one 32-byte field element, got %zd bytes", fn, tau.len);
        goto out;
    }
    res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)32 << log_n);
    if (!res) goto out;
    const zka_r1cs_ops *ops = zka_r1cs_active();
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = ops->lagrange_at((unsigned)log_n, tau.buf, clamp_threads(threads), (unsigned char *)PyBytes_AS_STRING(res));
    Py_END_ALLOW_THREADS
    if (st) {
        Py_CLEAR(res);
        if (st == ZKA_R1CS_IN_DOMAIN)
            PyErr_Format(PyExc_ValueError, "%s: tau lies in the domain of size 2^%d (tau^n = 1), where the "
                         "Lagrange formula divides by zero", fn, log_n);
        else
            PyErr_Format(PyExc_ValueError, "%s: tau is not below r", fn);
    }
out:
    PyBuffer_Release(&tau);
    return res;
}

PyMethodDef zka_r1cs_methods[] = {
    {"fr_sparse_rows", py_sparse_rows, METH_VARARGS,
     "fr_sparse_rows(row_ptr, cols, cidx, coeffs32, values32, threads=1, out=None) -> m*32 bytes, A v "
     "(into out's first m*32 bytes, returned, when given)"},
    {"fr_sparse_cols", py_sparse_cols, METH_VARARGS,
     "fr_sparse_cols(row_ptr, cols, cidx, coeffs32, values_per_row32, n_out, threads=1) -> n_out*32 bytes, A^T v"},
    {"fr_first_unsatisfied", py_first_unsatisfied, METH_VARARGS,
     "fr_first_unsatisfied(a32, b32, c32, threads=1) -> first i with a_i b_i != c_i, or -1"},
    {"fr_h_evaluations", py_h_evaluations, METH_VARARGS,
     "fr_h_evaluations(a32, b32, c32, k32, threads=1, out=None) -> n*32 bytes of (a_i b_i - c_i) k "
     "(b or c None: 1 or 0; into out, which may be a, returned, when given)"},
    {"fr_pack_int64", py_pack_int64, METH_VARARGS, "fr_pack_int64(int64 array, threads=1) -> n*32 bytes of x mod r"},
    {"g1_check_points", py_g1_check_points, METH_VARARGS,
     "g1_check_points(points64, threads=1) -> index of the first invalid point, or -1"},
    {"g2_check_points", py_g2_check_points, METH_VARARGS,
     "g2_check_points(points128, threads=1) -> index of the first invalid point, or -1"},
    {"fr_lagrange_at", py_lagrange_at, METH_VARARGS,
     "fr_lagrange_at(log_n, tau32, threads=1) -> 2^log_n * 32 bytes of L_i(tau)"},
    {NULL, NULL, 0, NULL},
};
