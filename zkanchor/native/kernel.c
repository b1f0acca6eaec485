/* CPython binding of the native kernel (module zkanchor.native._kernel).
 *
 * Everything crosses the boundary as bytes of 32-byte little-endian limbs, so a
 * call costs one buffer hand-off instead of one Python object per coordinate;
 * the GIL is released for the whole computation so other Python threads (and
 * the kernel's own pthreads) run meanwhile.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "kernel.h"
#include "marshal.h"
#include "r1cs_py.h"

typedef int (*msm_fn)(const unsigned char *, const unsigned char *, size_t, int, unsigned char *);
typedef int (*ntt_fn)(const unsigned char *, unsigned char *, unsigned, int, int, int);
typedef int (*prep_fn)(unsigned);

/* One table of entry points per build of the arithmetic; `active` is chosen at
 * import from the CPU's features and can be switched (tests run both). */
typedef struct {
    msm_fn msm_g1, msm_g2, batch_g1, batch_g2;
    ntt_fn ntt;
    prep_fn ntt_prepare;
    msm_fn mul_g1, mul_g2;
    const zka_r1cs_ops *r1cs;
} backend;

static const backend PORTABLE = {g1_msm, g2_msm, g1_batch_mul, g2_batch_mul, fr_ntt, fr_ntt_prepare,
                                 g1_mul, g2_mul, &ZKA_R1CS_PORTABLE};
static const backend WITH_ADX = {g1_msm_adx, g2_msm_adx, g1_batch_mul_adx, g2_batch_mul_adx, fr_ntt_adx,
                                 fr_ntt_prepare_adx, g1_mul_adx, g2_mul_adx, &ZKA_R1CS_ADX};
static const backend *active = &PORTABLE;

const zka_r1cs_ops *zka_r1cs_active(void) { return active->r1cs; }

static int cpu_has_adx(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
#else
    return 0;
#endif
}

static PyObject *raise_status(int status) {
    if (status == 1) PyErr_SetString(PyExc_ValueError, "input value out of range (coordinate >= p or value >= r)");
    else if (status == 2) PyErr_NoMemory();
    else PyErr_Format(PyExc_RuntimeError, "native kernel failed with status %d", status);
    return NULL;
}

/* The three point kernels take (points-or-base, scalars[, threads]) and differ only in shape:
 * MSM sums n points into one, BATCH multiplies one base by n scalars, EACH multiplies n points
 * by n scalars elementwise. */
enum shape { MSM, BATCH, EACH };

static PyObject *run_points(PyObject *args, msm_fn fn, Py_ssize_t pt_bytes, enum shape shape) {
    Py_buffer pts, sc;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "y*y*|i", &pts, &sc, &threads)) return NULL;
    PyObject *res = NULL;
    Py_ssize_t n = sc.len / 32;
    Py_ssize_t want_in = shape == BATCH ? pt_bytes : n * pt_bytes;
    if (sc.len % 32 || pts.len != want_in) {
        if (shape == BATCH)
            PyErr_Format(PyExc_ValueError, "expected one %zd-byte base and 32-byte scalars", pt_bytes);
        else
            PyErr_Format(PyExc_ValueError, "expected %zd-byte points and 32-byte scalars of equal count", pt_bytes);
        goto out;
    }
    res = PyBytes_FromStringAndSize(NULL, shape == MSM ? pt_bytes : n * pt_bytes);
    if (!res) goto out;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = fn(pts.buf, sc.buf, (size_t)n, threads, (unsigned char *)PyBytes_AS_STRING(res));
    Py_END_ALLOW_THREADS
    if (status) { Py_CLEAR(res); raise_status(status); }
out:
    PyBuffer_Release(&pts);
    PyBuffer_Release(&sc);
    return res;
}

static PyObject *py_msm_g1(PyObject *self, PyObject *args) { return run_points(args, active->msm_g1, 64, MSM); }
static PyObject *py_msm_g2(PyObject *self, PyObject *args) { return run_points(args, active->msm_g2, 128, MSM); }
static PyObject *py_batch_mul_g1(PyObject *self, PyObject *args) { return run_points(args, active->batch_g1, 64, BATCH); }
static PyObject *py_batch_mul_g2(PyObject *self, PyObject *args) { return run_points(args, active->batch_g2, 128, BATCH); }
static PyObject *py_mul_g1(PyObject *self, PyObject *args) { return run_points(args, active->mul_g1, 64, EACH); }
static PyObject *py_mul_g2(PyObject *self, PyObject *args) { return run_points(args, active->mul_g2, 128, EACH); }

static PyObject *py_ntt(PyObject *self, PyObject *args) {
    Py_buffer in;
    int inverse = 0, coset = 0, threads = 1;
    if (!PyArg_ParseTuple(args, "y*|ppi", &in, &inverse, &coset, &threads)) return NULL;
    PyObject *res = NULL;
    Py_ssize_t n = in.len / 32;
    unsigned log_n = 0;
    while (((Py_ssize_t)1 << log_n) < n) log_n++;
    if (in.len % 32 || n == 0 || ((Py_ssize_t)1 << log_n) != n || log_n > 28) {
        PyErr_SetString(PyExc_ValueError, "NTT size must be a power of two between 1 and 2^28 (32 bytes per value)");
        goto out;
    }
    const backend *be = active;
    int status = be->ntt_prepare(log_n);   /* under the GIL: the twiddle cache is shared */
    if (status) { raise_status(status); goto out; }
    res = PyBytes_FromStringAndSize(NULL, in.len);
    if (!res) goto out;
    Py_BEGIN_ALLOW_THREADS
    status = be->ntt(in.buf, (unsigned char *)PyBytes_AS_STRING(res), log_n, inverse, coset, threads);
    Py_END_ALLOW_THREADS
    if (status) { Py_CLEAR(res); raise_status(status); }
out:
    PyBuffer_Release(&in);
    return res;
}

/* The same transform in the caller's writable buffer: a 2^20-value vector then
 * costs no second array (fr_ntt runs in place when in == out). */
static PyObject *py_ntt_inplace(PyObject *self, PyObject *args) {
    Py_buffer buf;
    int inverse = 0, coset = 0, threads = 1;
    if (!PyArg_ParseTuple(args, "w*|ppi", &buf, &inverse, &coset, &threads)) return NULL;
    PyObject *res = NULL;
    Py_ssize_t n = buf.len / 32;
    unsigned log_n = 0;
    while (((Py_ssize_t)1 << log_n) < n) log_n++;
    if (buf.len % 32 || n == 0 || ((Py_ssize_t)1 << log_n) != n || log_n > 28) {
        PyErr_SetString(PyExc_ValueError, "NTT size must be a power of two between 1 and 2^28 (32 bytes per value)");
        goto out;
    }
    const backend *be = active;
    int status = be->ntt_prepare(log_n);   /* under the GIL: the twiddle cache is shared */
    if (status) { raise_status(status); goto out; }
    Py_BEGIN_ALLOW_THREADS
    status = be->ntt(buf.buf, buf.buf, log_n, inverse, coset, threads);
    Py_END_ALLOW_THREADS
    if (status) raise_status(status);
    else res = Py_NewRef(Py_None);
out:
    PyBuffer_Release(&buf);
    return res;
}

static PyObject *py_set_arith(PyObject *self, PyObject *args) {
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    if (strcmp(name, "adx") == 0) {
        if (!cpu_has_adx()) { PyErr_SetString(PyExc_ValueError, "this CPU lacks BMI2/ADX"); return NULL; }
        active = &WITH_ADX;
    } else if (strcmp(name, "portable") == 0) {
        active = &PORTABLE;
    } else {
        PyErr_SetString(PyExc_ValueError, "arithmetic must be 'adx' or 'portable'");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_get_arith(PyObject *self, PyObject *noargs) {
    return PyUnicode_FromString(active == &WITH_ADX ? "adx" : "portable");
}

static PyObject *py_has_adx(PyObject *self, PyObject *noargs) { return PyBool_FromLong(cpu_has_adx()); }

static PyMethodDef methods[] = {
    {"pack_scalars", zka_pack_scalars, METH_O, "pack_scalars(ints) -> bytes of (v mod r), 32 bytes each"},
    {"pack_g1", zka_pack_g1, METH_O, "pack_g1(points) -> 64 bytes per point, zeros for None"},
    {"pack_g2", zka_pack_g2, METH_O, "pack_g2(points) -> 128 bytes per point, zeros for None"},
    {"unpack_ints", zka_unpack_ints, METH_O, "unpack_ints(bytes) -> list of ints"},
    {"unpack_g1", zka_unpack_g1, METH_O, "unpack_g1(bytes) -> list of (x, y) or None"},
    {"unpack_g2", zka_unpack_g2, METH_O, "unpack_g2(bytes) -> list of ((x0, x1), (y0, y1)) or None"},
    {"set_arith", py_set_arith, METH_VARARGS, "set_arith('adx' | 'portable'): field multiplication to use"},
    {"get_arith", py_get_arith, METH_NOARGS, "get_arith() -> 'adx' or 'portable'"},
    {"has_adx", py_has_adx, METH_NOARGS, "has_adx() -> whether this CPU has BMI2 and ADX"},
    {"msm_g1", py_msm_g1, METH_VARARGS, "msm_g1(points64, scalars32, threads=1) -> 64-byte affine point"},
    {"msm_g2", py_msm_g2, METH_VARARGS, "msm_g2(points128, scalars32, threads=1) -> 128-byte affine point"},
    {"batch_mul_g1", py_batch_mul_g1, METH_VARARGS, "batch_mul_g1(base64, scalars32, threads=1) -> n*64 bytes"},
    {"batch_mul_g2", py_batch_mul_g2, METH_VARARGS, "batch_mul_g2(base128, scalars32, threads=1) -> n*128 bytes"},
    {"mul_g1", py_mul_g1, METH_VARARGS, "mul_g1(points64, scalars32, threads=1) -> n*64 bytes, s_i * P_i"},
    {"mul_g2", py_mul_g2, METH_VARARGS, "mul_g2(points128, scalars32, threads=1) -> n*128 bytes, s_i * Q_i"},
    {"ntt", py_ntt, METH_VARARGS, "ntt(values32, inverse=False, coset=False, threads=1) -> bytes"},
    {"ntt_inplace", py_ntt_inplace, METH_VARARGS,
     "ntt_inplace(writable32, inverse=False, coset=False, threads=1) -> None; the buffer is transformed"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "_kernel", "BN254 MSM / fixed-base / NTT kernel (see zkanchor.native).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    const char *env = getenv("ZKANCHOR_NATIVE_ARITH");   /* "portable" forces the C multiplication */
    active = (cpu_has_adx() && !(env && strcmp(env, "portable") == 0)) ? &WITH_ADX : &PORTABLE;
    if (zka_marshal_init() < 0) return NULL;
    PyObject *mod = PyModule_Create(&moddef);
    if (mod && PyModule_AddFunctions(mod, zka_r1cs_methods) < 0) Py_CLEAR(mod);
    return mod;
}
