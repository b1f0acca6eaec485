"""Group-element bulk operations the ceremony needs, on the native kernel when it loaded.

A ceremony multiplies *many different points by many different scalars* (a
contribution rescales every power of tau; a group FFT scales every butterfly), which
is neither an MSM nor a fixed-base batch.  :func:`scale_g1` / :func:`scale_g2` do that
elementwise product with the best backend available:

1. ``zkanchor.native.mul_g1`` / ``mul_g2`` if the kernel exports them (elementwise
   variable-base multiplication in C: the fast path this module is written for);
2. otherwise one native single-point MSM per product, spread over the kernel's
   thread count (the kernel releases the GIL, so Python threads run in parallel);
3. otherwise pure Python.

Additions stay in Python: batch-affine, one field inversion per batch, which costs a
few microseconds per point next to the hundreds a scalar multiplication costs.

:func:`column_sums` is what phase 2 needs from a sparse matrix: per column j, the sum
of coefficient * basis point over the column's entries (the per-wire points of a key).

The native kernel is used only when the process's backend is native
(``ZKANCHOR_BACKEND``, see :mod:`zkanchor.backend`) and ``ZKANCHOR_CEREMONY_PURE`` is unset.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Sequence

import numpy as np

from .. import backend, native
from ..bn254 import g1, g2
from ..bn254.constants import R
from ..bn254.curve_ops import curve_ops

# Set ZKANCHOR_CEREMONY_PURE=1 to force pure Python (tests compare the backends).
_PURE = bool(os.environ.get("ZKANCHOR_CEREMONY_PURE"))


def _native_ok() -> bool:
    return native.AVAILABLE and not _PURE and backend.backend_name() == "native"


def _curve(mod, name: str, size: int) -> SimpleNamespace:
    # The shared fast-path operations plus what this module needs to reach the kernel.
    return SimpleNamespace(**vars(curve_ops(mod)), mod=mod, name=name, size=size)


G1 = _curve(g1, "g1", 64)
G2 = _curve(g2, "g2", 128)


def scale_g1(points: Sequence, scalars: Sequence[int]) -> list:
    """[s_i * P_i] in G1, elementwise (None for infinity)."""
    return _scale(G1, points, scalars)


def scale_g2(points: Sequence, scalars: Sequence[int]) -> list:
    """[s_i * Q_i] in G2, elementwise (None for infinity)."""
    return _scale(G2, points, scalars)


def _scale(curve: SimpleNamespace, points, scalars) -> list:
    if len(points) != len(scalars):
        raise ValueError(f"{len(points)} points but {len(scalars)} scalars")
    if not points:
        return []
    if _native_ok():
        direct = getattr(native, f"mul_{curve.name}", None)
        if direct is not None:
            return direct(points, scalars)
        return _scale_native_msm(curve, points, scalars)
    return [curve.mod.mul(p, s % R) for p, s in zip(points, scalars)]


def _scale_native_msm(curve: SimpleNamespace, points, scalars) -> list:
    """One single-point native MSM per product, in as many threads as the kernel uses."""
    kernel = native._kernel
    fn = kernel.msm_g1 if curve.name == "g1" else kernel.msm_g2
    pack = native.pack_g1 if curve.name == "g1" else native.pack_g2
    unpack = native.unpack_g1 if curve.name == "g1" else native.unpack_g2
    size = curve.size
    pts = pack(points)
    scs = native.pack_scalars(scalars)
    n = len(points)
    workers = max(1, min(native.threads(), n // 64 or 1))
    bounds = [n * k // workers for k in range(workers + 1)]

    def run(lo: int, hi: int) -> bytes:
        out = []
        for i in range(lo, hi):
            out.append(fn(pts[i * size : (i + 1) * size], scs[i * 32 : (i + 1) * 32], 1))
        return b"".join(out)

    if workers == 1:
        return unpack(run(0, n))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(run, bounds[:-1], bounds[1:]))
    return unpack(b"".join(parts))


def msm(curve: SimpleNamespace, points: Sequence, scalars: Sequence[int]):
    """sum s_i * P_i on ``curve`` (G1 or G2), native when available."""
    if _native_ok() and len(points) > 8:
        return native.msm_g1(points, scalars) if curve is G1 else native.msm_g2(points, scalars)
    from ..bn254.msm import msm_g1, msm_g2

    return msm_g1(points, scalars) if curve is G1 else msm_g2(points, scalars)


def msm_vec(curve: SimpleNamespace, points, scalars: Sequence[int]):
    """:func:`msm` for a point vector that may be PackedPoints (a loaded key's)."""
    from ..groth16.keys import PackedPoints, pack_points, point_list

    if isinstance(points, PackedPoints):
        if _native_ok():
            buf = pack_points(points, points.group)
            return native.msm_g1_packed(buf, scalars) if curve is G1 else native.msm_g2_packed(buf, scalars)
        points = point_list(points)
    return msm(curve, list(points), scalars)


def add_many(curve: SimpleNamespace, ps: Sequence, qs: Sequence) -> list:
    """[p_i + q_i] with one field inversion for the whole batch."""
    fast = [curve.to_fast(p) for p in ps], [curve.to_fast(q) for q in qs]
    return [curve.to_int(s) for s in curve.batch_add(*fast)]


def powers(base: int, count: int, start: int = 1) -> list[int]:
    """[start * base^i mod R for i < count]."""
    out = []
    x = start % R
    for _ in range(count):
        out.append(x)
        x = x * base % R
    return out


# ------------------------------------------------------------------ group FFT


def group_ifft(curve: SimpleNamespace, points: Sequence, omega_inv: int) -> list:
    """The inverse DFT over group elements: out_i = (1/n) sum_j omega^(-ij) points_j.

    Radix-2 decimation in time.  Each level gathers its non-trivial twiddle products
    into one elementwise :func:`_scale` call (so the native backend gets whole levels),
    then does all its butterflies as two batch-affine additions.  The 1/n factor is
    applied to the inputs, where it costs n products like anywhere else.
    """
    n = len(points)
    if n & (n - 1) or n == 0:
        raise ValueError(f"group FFT size must be a power of two, got {n}")
    log = n.bit_length() - 1
    rev = [0] * n
    for i in range(1, n):
        rev[i] = (rev[i >> 1] >> 1) | ((i & 1) << (log - 1)) if log else 0
    n_inv = pow(n, -1, R)
    a = _scale(curve, [points[rev[i]] for i in range(n)], [n_inv] * n)
    twiddles = powers(omega_inv, max(n // 2, 1))
    h = 1
    while h < n:
        step = 2 * h
        stride = n // step
        # Positions j (within a block) with twiddle != 1 need a scalar product.
        lo_idx, hi_idx, tw = [], [], []
        for s in range(0, n, step):
            for j in range(h):
                lo_idx.append(s + j)
                hi_idx.append(s + j + h)
                tw.append(twiddles[j * stride])
        need = [k for k, w in enumerate(tw) if w != 1]
        b = [a[i] for i in hi_idx]
        if need:
            scaled = _scale(curve, [b[k] for k in need], [tw[k] for k in need])
            for k, q in zip(need, scaled):
                b[k] = q
        lo = [curve.to_fast(a[i]) for i in lo_idx]
        bf = [curve.to_fast(q) for q in b]
        sums = curve.batch_add(lo, bf)
        diffs = curve.batch_add(lo, [curve.neg(q) for q in bf])
        for i, s, d in zip(lo_idx, sums, diffs):
            a[i] = curve.to_int(s)
            a[i + h] = curve.to_int(d)
        h = step
    return a


# ------------------------------------------------------------------ sparse column sums


HEAVY_COLUMN = 64  # a column with this many entries gets an MSM of its own


def column_sums(curve: SimpleNamespace, basis: Sequence, point_idx, cols, coeff_idx, table: Sequence[int],
                n_out: int) -> list:
    """out[j] = sum over entries e with cols[e] = j of table[coeff_idx[e]] * basis[point_idx[e]].

    ``point_idx``, ``cols``, ``coeff_idx`` are integer arrays of one length (the entries
    of a sparse matrix, in any order); None where a column has no entry.  The entries are
    sorted by column (a stable argsort); a column with :data:`HEAVY_COLUMN` entries or
    more (the constant wire, typically) is one MSM; the rest are one elementwise product
    for every coefficient other than 1, then pairwise batch-affine additions inside each
    column, level by level (about one addition per entry in all).
    """
    out: list = [None] * n_out
    cols = np.asarray(cols, dtype=np.int64)
    if len(cols) == 0:
        return out
    order = np.argsort(cols, kind="stable")
    cols = cols[order]
    pidx = np.asarray(point_idx, dtype=np.int64)[order]
    cidx = np.asarray(coeff_idx, dtype=np.int64)[order]
    counts = np.bincount(cols, minlength=n_out)
    starts = np.concatenate(([0], np.cumsum(counts)))
    for j in np.nonzero(counts >= HEAVY_COLUMN)[0].tolist():
        lo, hi = int(starts[j]), int(starts[j + 1])
        out[j] = msm(curve, [basis[i] for i in pidx[lo:hi].tolist()], [table[k] for k in cidx[lo:hi].tolist()])
    light = counts[cols] < HEAVY_COLUMN
    cols, pidx, cidx = cols[light], pidx[light].tolist(), cidx[light].tolist()
    if len(cols) == 0:
        return out
    points = [basis[i] for i in pidx]
    values = [table[k] for k in cidx]
    need = [k for k, v in enumerate(values) if v != 1]
    if need:
        for k, q in zip(need, _scale(curve, [points[k] for k in need], [values[k] for k in need])):
            points[k] = q
    fast = [curve.to_fast(p) for p in points]
    while len(cols) > 1:
        same = cols[1:] == cols[:-1]
        if not same.any():
            break
        index = np.arange(len(cols))
        run_start = np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), index, 0))
        left = np.nonzero(((index - run_start) % 2 == 0) & np.concatenate((same, [False])))[0]
        sums = curve.batch_add([fast[k] for k in left.tolist()], [fast[k + 1] for k in left.tolist()])
        for k, s in zip(left.tolist(), sums):
            fast[k] = s
        keep = np.ones(len(cols), dtype=bool)
        keep[left + 1] = False
        fast = [fast[k] for k in np.nonzero(keep)[0].tolist()]
        cols = cols[keep]
    for j, p in zip(cols.tolist(), fast):
        out[j] = curve.to_int(p)
    return out
