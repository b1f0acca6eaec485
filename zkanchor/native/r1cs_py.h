/* CPython binding of the R1CS kernels (r1cs_py.c), added to the module by kernel.c. */
#ifndef ZKA_R1CS_PY_H
#define ZKA_R1CS_PY_H

#include <Python.h>
#include "r1cs.h"

extern PyMethodDef zka_r1cs_methods[];

/* The build of the R1CS kernels matching the arithmetic chosen by set_arith (kernel.c). */
const zka_r1cs_ops *zka_r1cs_active(void);

#endif
