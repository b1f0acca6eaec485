"""Which implementation runs the hot paths (MSM, fixed-base multiplication, NTT).

The native C kernel (``zkanchor.native``) when it was built, else the pure-Python code in
``zkanchor.bn254`` — the same results either way (the pure path is the kernel's test
oracle).  ``ZKANCHOR_BACKEND=python|native|auto`` forces a choice; it is read on every
call, so a test or a benchmark can switch within one process.
"""

from __future__ import annotations

import os
from typing import Sequence

from . import native
from .bn254 import fixed_base as _fixed_base
from .bn254 import msm as _msm
from .bn254.ntt import COSET_SHIFT, Domain
from .bn254.constants import R
from .errors import InputError, ZkAnchorError

import numpy as np


def backend_name() -> str:
    """"native" or "python": what the hot paths use right now."""
    choice = os.environ.get("ZKANCHOR_BACKEND", "auto").strip().lower()
    if choice == "python":
        return "python"
    if choice == "native":
        if not native.AVAILABLE:
            raise ZkAnchorError(f"ZKANCHOR_BACKEND=native, but {native.LOAD_ERROR}")
        return "native"
    if choice not in ("", "auto"):
        raise InputError(f"ZKANCHOR_BACKEND must be python, native or auto, not {choice!r}")
    return "native" if native.AVAILABLE else "python"


def _native() -> bool:
    return backend_name() == "native"


def msm_g1(points: Sequence, scalars: Sequence[int]):
    """sum(scalars[i] * points[i]) in G1."""
    return (native.msm_g1 if _native() else _msm.msm_g1)(points, scalars)


def msm_g2(points: Sequence, scalars: Sequence[int]):
    """sum(scalars[i] * points[i]) in G2."""
    return (native.msm_g2 if _native() else _msm.msm_g2)(points, scalars)


def batch_mul_g1(base, scalars: Sequence[int]) -> list:
    """[s * base for s in scalars] in G1 (affine)."""
    return (native.batch_mul_g1 if _native() else _fixed_base.batch_mul_g1)(base, scalars)


def batch_mul_g2(base, scalars: Sequence[int]) -> list:
    """[s * base for s in scalars] in G2 (affine)."""
    return (native.batch_mul_g2 if _native() else _fixed_base.batch_mul_g2)(base, scalars)


def _padded(domain: Domain, values: Sequence[int]) -> list[int]:
    if len(values) > domain.size:
        raise ValueError(f"{len(values)} values do not fit a domain of size {domain.size}")
    return list(values) + [0] * (domain.size - len(values))


def intt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Evaluations on the domain -> coefficients."""
    return native.intt(_padded(domain, values)) if _native() else domain.intt(values)


def coset_ntt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Coefficients -> evaluations on the coset g * domain (g = 5)."""
    return native.coset_ntt(_padded(domain, values)) if _native() else domain.coset_ntt(values)


def coset_intt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Evaluations on the coset g * domain -> coefficients."""
    return native.coset_intt(_padded(domain, values)) if _native() else domain.coset_intt(values)


# ---- flat R1CS -------------------------------------------------------------------------
#
# The native path keeps field vectors packed (32 bytes per element, the kernel's layout:
# bytes, bytearray or a memoryview of either); the pure path uses object arrays of Python
# ints.  ``Vector`` is either.

PACKED = (bytes, bytearray, memoryview)


def unpack_ints(data) -> list[int]:
    """Packed 32-byte little-endian values as ints (either backend)."""
    if native.AVAILABLE:
        return native.unpack_ints(data)
    view = memoryview(data)
    return [int.from_bytes(view[i:i + 32], "little") for i in range(0, len(view), 32)]


def pack_witness(witness) -> bytes | memoryview | np.ndarray:
    """A witness (ints in [0, R), or already packed) in the backend's vector form.

    A packed witness stays as it is on the native path (no copy, no int per value)."""
    if _native():
        if isinstance(witness, PACKED):
            return witness
        return native.pack_scalars(witness.tolist() if isinstance(witness, np.ndarray) else list(witness))
    if isinstance(witness, PACKED):
        return np.array(unpack_ints(witness) or [], dtype=object)
    return np.asarray(witness, dtype=object)


def _table(r1cs) -> bytes:
    cached = getattr(r1cs, "_packed_coeffs", None)
    if cached is None:
        # The kernel's own packing gives the bytes of r1cs.system.coefficient_bytes (the coefficients are
        # in [0, R)) without this module importing the R1CS, whose checker runs on this backend.
        cached = native.pack_scalars(list(r1cs.coeffs)) or bytes(32)
        r1cs._packed_coeffs = cached
    return cached


def r1cs_rows(r1cs, witness):
    """(<A_k,w>, <B_k,w>, <C_k,w>) for every constraint k, as backend vectors."""
    w = pack_witness(witness)
    if _native():
        table = _table(r1cs)
        return tuple(native.fr_sparse_rows(m.row_ptr, m.cols, m.cidx, table, w) for m in (r1cs.a, r1cs.b, r1cs.c))
    return r1cs.evaluate(w)


def first_unsatisfied_rows(a, b, c) -> int | None:
    """The first k with a_k * b_k != c_k, or None."""
    if _native() and isinstance(a, PACKED):
        k = native.fr_first_unsatisfied(a, b, c)
        return None if k < 0 else int(k)
    bad = np.nonzero((a * b - c) % R != 0)[0]
    return int(bad[0]) if len(bad) else None


def first_unsatisfied(r1cs, witness) -> int | None:
    """Index of the first constraint of ``r1cs`` that ``witness`` (wire order) breaks, or None."""
    return first_unsatisfied_rows(*r1cs_rows(r1cs, witness))


def h_coefficients(domain: Domain, a, b, c) -> bytes | list[int]:
    """Coefficients of h(X) = (A(X)B(X) - C(X)) / Z(X) from the row values (domain.size - 1 of them).

    ``a``, ``b``, ``c`` are backend vectors of length <= domain.size (missing rows are 0).
    Evaluated on a coset of the domain, where Z is the non-zero constant g^n - 1.
    Raises AssertionError when the top coefficient does not vanish (rows and witness disagree).
    """
    z_inv = pow(domain.vanishing_on_coset(), -1, R)
    if _native() and isinstance(a, PACKED):
        def coset(v: bytes) -> bytes:
            v = v + bytes(domain.size * 32 - len(v))
            return native.ntt_packed(native.ntt_packed(v, inverse=True), coset=True)

        h_coset = native.fr_h_evaluations(coset(a), coset(b), coset(c), z_inv)
        h = native.ntt_packed(h_coset, inverse=True, coset=True)
        if any(h[-32:]):
            raise AssertionError("h(X) has degree >= n - 1: the witness does not satisfy the rows")
        return h[:-32]
    a_c = domain.coset_ntt(domain.intt([int(x) for x in a]))
    b_c = domain.coset_ntt(domain.intt([int(x) for x in b]))
    c_c = domain.coset_ntt(domain.intt([int(x) for x in c]))
    h = domain.coset_intt([(x * y - z) * z_inv % R for x, y, z in zip(a_c, b_c, c_c)])
    if h[-1] != 0:
        raise AssertionError("h(X) has degree >= n - 1: the witness does not satisfy the rows")
    return h[:-1]


# Constraint rows per step of the blockwise witness check (8 MiB of C values at a time).
CHECK_ROWS = 1 << 18


def check_and_h(r1cs, size: int, witness):
    """Check ``witness`` against ``r1cs``, then compute h(X) for the QAP domain of ``size``.

    Returns (k, None) for the first constraint k the witness breaks, else (None, h) with
    h's size - 1 coefficients as a backend vector.  The rows are the constraints, then
    one per public wire (A reads x_i, B and C are 0), then zeros, as in h_coefficients.

    Native, in at most two domain-sized buffers plus a block: A and B rows are written
    in place by the kernel, C's rows are checked against them a block at a time, A and
    B are taken to the coset and multiplied into A's buffer, and only then is C computed
    whole and folded in; h ends up in A's buffer (the result is a view of it).  At 2^20
    that peaks at ~80 MB where separate row, padded, transformed and product vectors
    took ~350 MB, and no :class:`Domain` is built (its pure-Python tables take ~130 MB).
    """
    m, k = r1cs.n_constraints, r1cs.n_public + 1
    if m + k > size:
        raise ValueError(f"{m + k} rows do not fit a domain of size {size}")
    w = pack_witness(witness)
    if not _native():
        a, b, c = r1cs.evaluate(w)
        bad = first_unsatisfied_rows(a, b, c)
        if bad is not None:
            return bad, None
        return None, h_coefficients(Domain(size), append_public_rows(a, w, r1cs.n_public), b, c)
    table = _table(r1cs)

    def rows(matrix):
        out = bytearray(32 * size)
        native.fr_sparse_rows(matrix.row_ptr, matrix.cols, matrix.cidx, table, w, out=out)
        return out

    def to_coset(v):  # values on the domain -> values on the coset, in place
        native.ntt_inplace(v, inverse=True)
        native.ntt_inplace(v, coset=True)

    a = rows(r1cs.a)
    b = rows(r1cs.b)
    va, vb, cm = memoryview(a), memoryview(b), r1cs.c
    block = memoryview(bytearray(32 * min(m, CHECK_ROWS)))
    for lo in range(0, m, CHECK_ROWS):
        hi = min(m, lo + CHECK_ROWS)
        ptr = cm.row_ptr[lo: hi + 1]
        first, last = int(ptr[0]), int(ptr[-1])
        c_rows = block[: 32 * (hi - lo)]
        native.fr_sparse_rows(ptr - first, cm.cols[first:last], cm.cidx[first:last], table, w, out=c_rows)
        bad = native.fr_first_unsatisfied(va[32 * lo: 32 * hi], vb[32 * lo: 32 * hi], c_rows)
        if bad >= 0:
            return lo + bad, None
    del va, vb, block, c_rows
    a[32 * m: 32 * (m + k)] = memoryview(w)[: 32 * k]
    to_coset(a)
    to_coset(b)
    native.fr_h_evaluations(a, b, None, 1, out=a)  # A B on the coset
    del b
    c = rows(cm)
    to_coset(c)
    z = (pow(COSET_SHIFT, size, R) - 1) % R  # Z(X) = X^n - 1 on the coset, as Domain.vanishing_on_coset
    native.fr_h_evaluations(a, None, c, pow(z, -1, R), out=a)
    del c
    native.ntt_inplace(a, inverse=True, coset=True)
    if any(a[-32:]):
        raise AssertionError("h(X) has degree >= n - 1: the witness does not satisfy the rows")
    return None, memoryview(a)[:-32]


def append_public_rows(a, witness_vector, n_public: int):
    """The A row values followed by one row per public wire (x_i * 0 = 0 rows read x_i)."""
    if isinstance(a, PACKED):
        w = witness_vector if isinstance(witness_vector, PACKED) else pack_witness(witness_vector)
        return bytes(a) + bytes(w[: 32 * (n_public + 1)])
    return np.concatenate([np.asarray(a, dtype=object), np.asarray(witness_vector, dtype=object)[: n_public + 1]])


def wire_polynomials(r1cs, domain: Domain, tau: int) -> tuple[list[int], list[int], list[int]]:
    """u_j(tau), v_j(tau), w_j(tau) for every wire j through the Lagrange basis (public rows included)."""
    n = r1cs.n_wires
    first = r1cs.n_constraints
    if _native():
        lagrange = native.fr_lagrange_at(domain.size.bit_length() - 1, tau)
        table = _table(r1cs)
        rows = lagrange[: 32 * first] if first else bytes(32)
        out = []
        for m in (r1cs.a, r1cs.b, r1cs.c):
            vals = native.fr_sparse_cols(m.row_ptr, m.cols, m.cidx, table, rows, n) if first else bytes(32 * n)
            out.append(native.unpack_ints(vals))
        public = native.unpack_ints(lagrange[32 * first: 32 * (first + r1cs.n_public + 1)])
    else:
        lagrange = domain.lagrange_at(tau)
        table = np.array(list(r1cs.coeffs) + [0], dtype=object)
        out = []
        for m in (r1cs.a, r1cs.b, r1cs.c):
            acc = np.zeros(n, dtype=object)
            if m.nnz:
                rows = m.row_of_entries()
                terms = table[m.cidx.astype(np.int64)] * np.asarray(lagrange, dtype=object)[rows]
                np.add.at(acc, m.cols.astype(np.int64), terms)
            out.append([int(v) % R for v in acc])
        public = [int(v) for v in lagrange[first: first + r1cs.n_public + 1]]
    u = out[0]
    for wire, value in enumerate(public):
        u[wire] = (u[wire] + value) % R
    return u, out[1], out[2]


def batch_mul_g1_packed(base, scalars: Sequence[int]) -> bytes:
    """[s * base for s in scalars] in G1, packed (64 bytes a point)."""
    from .groth16.keys import pack_points

    if _native():
        return native._kernel_or_raise().batch_mul_g1(native.pack_g1([base]), native.pack_scalars(scalars),
                                                       native.threads())
    return pack_points(_fixed_base.batch_mul_g1(base, scalars), 1)


def batch_mul_g2_packed(base, scalars: Sequence[int]) -> bytes:
    """[s * base for s in scalars] in G2, packed (128 bytes a point)."""
    from .groth16.keys import pack_points

    if _native():
        return native._kernel_or_raise().batch_mul_g2(native.pack_g2([base]), native.pack_scalars(scalars),
                                                       native.threads())
    return pack_points(_fixed_base.batch_mul_g2(base, scalars), 2)


def msm_packed(points, scalars, group: int):
    """sum s_i P_i for a point vector (tuples or PackedPoints) and a backend scalar vector.

    Packed points and scalars reach the kernel as the buffers they are (a key file's
    views, slices of the witness): nothing is copied."""
    from .groth16.keys import PackedPoints, point_list

    if _native():
        if isinstance(points, PackedPoints):
            buf = points.data
        else:
            buf = (native.pack_g1 if group == 1 else native.pack_g2)(list(points))
        sc = scalars if isinstance(scalars, PACKED) else native.pack_scalars([int(x) for x in scalars])
        return (native.msm_g1_packed if group == 1 else native.msm_g2_packed)(buf, sc)
    ints = unpack_ints(scalars) if isinstance(scalars, PACKED) else [int(x) for x in scalars]
    return (_msm.msm_g1 if group == 1 else _msm.msm_g2)(point_list(points), ints)
