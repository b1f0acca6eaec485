/* Python ints <-> 32-byte little-endian limbs, in C.
 *
 * Packing with int.to_bytes in Python costs ~160 ns per value, more than the
 * kernel spends on a 0/1 scalar; here one value costs a few tens of ns.  Only
 * exact ints (and int subclasses such as bool) take the fast path; anything
 * else goes through operator.index, like int.to_bytes would.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include "marshal.h"

/* BN254 moduli as little-endian bytes, for range checks without Python calls. */
static const unsigned char P_BYTES[32] = {
    0x47, 0xfd, 0x7c, 0xd8, 0x16, 0x8c, 0x20, 0x3c, 0x8d, 0xca, 0x71, 0x68, 0x91, 0x6a, 0x81, 0x97,
    0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45, 0x50, 0xb8, 0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30};
static const unsigned char R_BYTES[32] = {
    0x01, 0x00, 0x00, 0xf0, 0x93, 0xf5, 0xe1, 0x43, 0x91, 0x70, 0xb9, 0x79, 0x48, 0xe8, 0x33, 0x28,
    0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45, 0x50, 0xb8, 0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30};

static int lt_le(const unsigned char *a, const unsigned char *m) {
    for (int i = 31; i >= 0; i--)
        if (a[i] != m[i]) return a[i] < m[i];
    return 0;
}

/* Non-negative int below 2^256 -> 32 bytes; returns 0 when v is negative or
 * too large (no exception left set), -1 on a real error. */
static int int_to_32(PyObject *v, unsigned char *out) {
#if PY_VERSION_HEX >= 0x030D0000
    Py_ssize_t need = PyLong_AsNativeBytes(v, out, 32,
        Py_ASNATIVEBYTES_LITTLE_ENDIAN | Py_ASNATIVEBYTES_UNSIGNED_BUFFER | Py_ASNATIVEBYTES_REJECT_NEGATIVE);
    if (need < 0) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) { PyErr_Clear(); return 0; }
        return -1;
    }
    return need <= 32;
#else
    if (_PyLong_AsByteArray((PyLongObject *)v, out, 32, 1, 0) < 0) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) { PyErr_Clear(); return 0; }
        return -1;
    }
    return 1;
#endif
}

static PyObject *int_from_32(const unsigned char *b) {
#if PY_VERSION_HEX >= 0x030D0000
    return PyLong_FromUnsignedNativeBytes(b, 32, Py_ASNATIVEBYTES_LITTLE_ENDIAN);
#else
    return _PyLong_FromByteArray(b, 32, 1, 0);
#endif
}

static PyObject *R_INT;   /* the group order as a Python int, for the slow path */

/* Scalar -> 32 bytes of (v mod r). */
static int pack_scalar(PyObject *item, unsigned char *out) {
    PyObject *v = PyNumber_Index(item);
    if (!v) return -1;
    int ok = int_to_32(v, out);
    if (ok == 1 && lt_le(out, R_BYTES)) { Py_DECREF(v); return 0; }
    if (ok < 0) { Py_DECREF(v); return -1; }
    PyObject *red = PyNumber_Remainder(v, R_INT);   /* negative or >= r: rare */
    Py_DECREF(v);
    if (!red) return -1;
    ok = int_to_32(red, out);
    Py_DECREF(red);
    return ok == 1 ? 0 : -1;
}

/* Coordinate -> 32 bytes; must already be in [0, p). */
static int pack_coord(PyObject *item, unsigned char *out) {
    PyObject *v = PyNumber_Index(item);
    if (!v) return -1;
    int ok = int_to_32(v, out);
    Py_DECREF(v);
    if (ok < 0) return -1;
    if (!ok || !lt_le(out, P_BYTES)) {
        PyErr_SetString(PyExc_ValueError, "coordinate out of range [0, p)");
        return -1;
    }
    return 0;
}

PyObject *zka_pack_scalars(PyObject *self, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "scalars must be a sequence of ints");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *res = PyBytes_FromStringAndSize(NULL, 32 * n);
    if (res) {
        unsigned char *out = (unsigned char *)PyBytes_AS_STRING(res);
        PyObject **items = PySequence_Fast_ITEMS(seq);
        for (Py_ssize_t i = 0; i < n; i++)
            if (pack_scalar(items[i], out + 32 * i) < 0) { Py_CLEAR(res); break; }
    }
    Py_DECREF(seq);
    return res;
}

/* Pack `count` coordinates of one point, given as nested tuples of depth `depth`
 * (1 for G1: (x, y); 2 for G2: ((x0, x1), (y0, y1))). */
static int pack_nested(PyObject *obj, int depth, unsigned char *out) {
    if (depth == 0) return pack_coord(obj, out);
    PyObject *seq = PySequence_Fast(obj, "a point must be a pair of coordinates or None");
    if (!seq) return -1;
    int rc = -1;
    if (PySequence_Fast_GET_SIZE(seq) != 2) {
        PyErr_SetString(PyExc_ValueError, "a point must be a pair of coordinates or None");
    } else {
        size_t half = (size_t)32 << (depth - 1);
        rc = pack_nested(PySequence_Fast_GET_ITEM(seq, 0), depth - 1, out);
        if (rc == 0) rc = pack_nested(PySequence_Fast_GET_ITEM(seq, 1), depth - 1, out + half);
    }
    Py_DECREF(seq);
    return rc;
}

static PyObject *pack_points(PyObject *arg, int depth) {
    PyObject *seq = PySequence_Fast(arg, "points must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), size = (Py_ssize_t)64 << (depth - 1);
    PyObject *res = PyBytes_FromStringAndSize(NULL, size * n);
    if (res) {
        unsigned char *out = (unsigned char *)PyBytes_AS_STRING(res);
        PyObject **items = PySequence_Fast_ITEMS(seq);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (items[i] == Py_None) { memset(out + size * i, 0, size); continue; }
            if (pack_nested(items[i], depth, out + size * i) < 0) { Py_CLEAR(res); break; }
        }
    }
    Py_DECREF(seq);
    return res;
}

PyObject *zka_pack_g1(PyObject *self, PyObject *arg) { return pack_points(arg, 1); }
PyObject *zka_pack_g2(PyObject *self, PyObject *arg) { return pack_points(arg, 2); }

PyObject *zka_unpack_ints(PyObject *self, PyObject *arg) {
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *res = NULL;
    if (buf.len % 32) { PyErr_SetString(PyExc_ValueError, "length must be a multiple of 32"); goto out; }
    Py_ssize_t n = buf.len / 32;
    res = PyList_New(n);
    if (!res) goto out;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = int_from_32((const unsigned char *)buf.buf + 32 * i);
        if (!v) { Py_CLEAR(res); goto out; }
        PyList_SET_ITEM(res, i, v);
    }
out:
    PyBuffer_Release(&buf);
    return res;
}

static int all_zero(const unsigned char *b, size_t len) {
    for (size_t i = 0; i < len; i++) if (b[i]) return 0;
    return 1;
}

/* Build a nested pair from 32 << depth bytes. */
static PyObject *unpack_nested(const unsigned char *b, int depth) {
    if (depth == 0) return int_from_32(b);
    size_t half = (size_t)32 << (depth - 1);
    PyObject *x = unpack_nested(b, depth - 1);
    PyObject *y = x ? unpack_nested(b + half, depth - 1) : NULL;
    if (!y) { Py_XDECREF(x); return NULL; }
    PyObject *t = PyTuple_Pack(2, x, y);
    Py_DECREF(x);
    Py_DECREF(y);
    return t;
}

static PyObject *unpack_points(PyObject *arg, int depth) {
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *res = NULL;
    Py_ssize_t size = (Py_ssize_t)64 << (depth - 1);
    if (buf.len % size) { PyErr_Format(PyExc_ValueError, "length must be a multiple of %zd", size); goto out; }
    Py_ssize_t n = buf.len / size;
    res = PyList_New(n);
    if (!res) goto out;
    for (Py_ssize_t i = 0; i < n; i++) {
        const unsigned char *b = (const unsigned char *)buf.buf + size * i;
        PyObject *p;
        if (all_zero(b, size)) { p = Py_None; Py_INCREF(p); }   /* (0, 0) encodes infinity */
        else if (!(p = unpack_nested(b, depth))) { Py_CLEAR(res); goto out; }
        PyList_SET_ITEM(res, i, p);
    }
out:
    PyBuffer_Release(&buf);
    return res;
}

PyObject *zka_unpack_g1(PyObject *self, PyObject *arg) { return unpack_points(arg, 1); }
PyObject *zka_unpack_g2(PyObject *self, PyObject *arg) { return unpack_points(arg, 2); }

int zka_marshal_init(void) {
    R_INT = int_from_32(R_BYTES);
    return R_INT ? 0 : -1;
}
