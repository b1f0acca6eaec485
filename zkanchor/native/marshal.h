/* Python-facing converters between ints / point tuples and packed limbs (marshal.c). */
#ifndef ZKA_MARSHAL_H
#define ZKA_MARSHAL_H

#include <Python.h>

PyObject *zka_pack_scalars(PyObject *self, PyObject *arg);
PyObject *zka_pack_g1(PyObject *self, PyObject *arg);
PyObject *zka_pack_g2(PyObject *self, PyObject *arg);
PyObject *zka_unpack_ints(PyObject *self, PyObject *arg);
PyObject *zka_unpack_g1(PyObject *self, PyObject *arg);
PyObject *zka_unpack_g2(PyObject *self, PyObject *arg);
int zka_marshal_init(void);

#endif
