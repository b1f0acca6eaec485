"""G1 of BN254: the curve y^2 = x^3 + 3 over F_P, a group of prime order R.

Public points are affine tuples ``(x, y)`` of ints in ``[0, P)``; ``None`` is the point
at infinity.  Jacobian points are triples ``(X, Y, Z)`` standing for
``(X/Z^2, Y/Z^3)``, with ``Z == 0`` meaning infinity.

The functions whose names start with an underscore are the package's hot-path kernels
(used by :mod:`.msm` and :mod:`.fixed_base`).  They work on whatever integer type they
are given -- ints, or ``gmpy2.mpz`` produced by :func:`_to_fast` -- and never convert
back; the public functions always take and return plain ints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..errors import PointError
from .constants import B1, P, R

try:
    if os.environ.get("ZKANCHOR_NO_GMPY2"):
        raise ImportError("gmpy2 disabled by ZKANCHOR_NO_GMPY2")
    from gmpy2 import invert as _invert
    from gmpy2 import mpz as _fast
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    _fast = int

    def _invert(a, m):
        return pow(a, -1, m)


G1Point = tuple[int, int] | None
Jacobian = tuple[int, int, int]

JAC_INF: Jacobian = (1, 1, 0)
_PF = _fast(P)


# ----------------------------------------------------------------------------- affine


def is_on_curve(p: G1Point) -> bool:
    """Return True iff p satisfies y^2 = x^3 + 3 mod P (None, infinity, counts)."""
    if p is None:
        return True
    x, y = p
    return (y * y - x * x * x - B1) % P == 0


def _is_coordinate(c: object) -> bool:
    return isinstance(c, int) and not isinstance(c, bool) and 0 <= c < P


def validate(p: object, what: str = "point") -> None:
    """Raise PointError unless p is None or an affine G1 point with coordinates in [0, P).

    G1 has cofactor 1, so being on the curve is enough to be in the group.
    """
    if p is None:
        return
    if not isinstance(p, (tuple, list)) or len(p) != 2:
        raise PointError(f"{what} is not a G1 point: expected a pair of coordinates (x, y).")
    if not all(_is_coordinate(c) for c in p):
        raise PointError(f"{what} has a coordinate that is not an integer in [0, p).")
    if not is_on_curve(p):
        raise PointError(f"{what} is not on the BN254 G1 curve y^2 = x^3 + 3.")


def neg(p: G1Point) -> G1Point:
    """Return -p."""
    if p is None:
        return None
    return (p[0] % P, -p[1] % P)


def eq(p: G1Point, q: G1Point) -> bool:
    """Return True iff p and q are the same point (coordinates compared mod P)."""
    if p is None or q is None:
        return p is None and q is None
    return (p[0] - q[0]) % P == 0 and (p[1] - q[1]) % P == 0


def double(p: G1Point) -> G1Point:
    """Return 2p."""
    if p is None:
        return None
    x, y = p
    if y % P == 0:
        return None
    lam = 3 * x * x * pow(2 * y, -1, P) % P
    x3 = (lam * lam - 2 * x) % P
    return (x3, (lam * (x - x3) - y) % P)


def add(p: G1Point, q: G1Point) -> G1Point:
    """Return p + q."""
    if p is None:
        return None if q is None else (q[0] % P, q[1] % P)
    if q is None:
        return (p[0] % P, p[1] % P)
    x1, y1 = p
    x2, y2 = q
    if (x1 - x2) % P == 0:
        return double(p) if (y1 - y2) % P == 0 else None
    lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(p: G1Point, k: int) -> G1Point:
    """Return k * p for any int k (taken mod R)."""
    k %= R
    if p is None or k == 0:
        return None
    if k > R // 2:
        # -k has fewer bits; negating the point is free.
        k = R - k
        p = neg(p)
    return from_jacobian(_jac_mul(_to_fast(p), k))


# --------------------------------------------------------------------------- Jacobian


def to_jacobian(p: G1Point) -> Jacobian:
    """Return the Jacobian form (x, y, 1) of p, or JAC_INF for None."""
    if p is None:
        return JAC_INF
    return (p[0], p[1], 1)


def from_jacobian(j: Jacobian) -> G1Point:
    """Return the affine point (plain ints) of a Jacobian triple."""
    X, Y, Z = j
    if Z % P == 0:
        return None
    zi = pow(int(Z), -1, P)
    zi2 = zi * zi % P
    return (int(X) * zi2 % P, int(Y) * zi2 * zi % P)


def batch_to_affine(jac_points: Sequence[Jacobian]) -> list[G1Point]:
    """Convert many Jacobian points to affine ints with a single field inversion."""
    return [_to_int(a) for a in _batch_to_affine(jac_points)]


def _to_fast(p):
    """p in the kernels' int type, coordinates reduced (the kernels compare them)."""
    return None if p is None else (_fast(p[0]) % _PF, _fast(p[1]) % _PF)


def _to_int(p):
    return None if p is None else (int(p[0]), int(p[1]))


def _neg(p):
    """Negate an affine point whose coordinates are already reduced (any int type)."""
    return None if p is None else (p[0], (_PF - p[1]) % _PF)


def _jac_double(j):
    X, Y, Z = j
    if not Z or not Y:
        return JAC_INF
    p = _PF
    A = X * X % p
    B = Y * Y % p
    C = B * B % p
    D = 4 * X * B % p
    E = 3 * A
    X3 = (E * E - 2 * D) % p
    return (X3, (E * (D - X3) - 8 * C) % p, 2 * Y * Z % p)


def _jac_madd(j, a):
    """Jacobian j plus affine a (not None); inputs must be reduced."""
    X1, Y1, Z1 = j
    if not Z1:
        return (a[0], a[1], 1)
    p = _PF
    x2, y2 = a
    Z1Z1 = Z1 * Z1 % p
    H = x2 * Z1Z1 % p - X1
    r = y2 * Z1 % p * Z1Z1 % p - Y1
    if not H:
        return _jac_double(j) if not r else JAC_INF
    HH = H * H % p
    HHH = H * HH % p
    V = X1 * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return (X3, (r * (V - X3) - Y1 * HHH) % p, Z1 * H % p)


def _jac_add(j1, j2):
    """Sum of two Jacobian points with reduced coordinates."""
    X1, Y1, Z1 = j1
    X2, Y2, Z2 = j2
    if not Z1:
        return j2
    if not Z2:
        return j1
    p = _PF
    Z1Z1 = Z1 * Z1 % p
    Z2Z2 = Z2 * Z2 % p
    U1 = X1 * Z2Z2 % p
    S1 = Y1 * Z2 % p * Z2Z2 % p
    H = X2 * Z1Z1 % p - U1
    r = Y2 * Z1 % p * Z1Z1 % p - S1
    if not H:
        return _jac_double(j1) if not r else JAC_INF
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return (X3, (r * (V - X3) - S1 * HHH) % p, Z1 * Z2 % p * H % p)


def _jac_mul(a, k: int):
    """k * a for an affine point a (reduced, any int type) and any k >= 0, unreduced.

    Fixed 4-bit windows over a table of 1a..15a: 63 additions instead of ~127.
    """
    if a is None or k <= 0:
        return JAC_INF
    if k < 16:
        # Too short for a table to pay off: plain double-and-add.
        acc = JAC_INF
        for bit in bin(k)[2:]:
            acc = _jac_double(acc)
            if bit == "1":
                acc = _jac_madd(acc, a)
        return acc
    table = [None, a] + _batch_to_affine(_small_multiples(a, 15))[2:]
    acc = JAC_INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -1, -4):
        if acc[2]:
            acc = _jac_double(_jac_double(_jac_double(_jac_double(acc))))
        d = (k >> shift) & 15
        if d and table[d] is not None:
            acc = _jac_madd(acc, table[d])
    return acc


def _small_multiples(a, m: int):
    """Jacobian [0*a, 1*a, ..., m*a] (index 0 is infinity) for an affine a."""
    out = [JAC_INF, (a[0], a[1], 1)]
    for _ in range(m - 1):
        out.append(_jac_madd(out[-1], a))
    return out


def _batch_to_affine(jac_points):
    """Affine forms (same int type) of Jacobian points, one inversion for all."""
    p = _PF
    out = [None] * len(jac_points)
    idx = []
    prefix = []
    acc = 1
    for i, j in enumerate(jac_points):
        z = j[2] % p
        if z:
            idx.append(i)
            prefix.append(acc)
            acc = acc * z % p
    if not idx:
        return out
    inv = _invert(acc, p)
    for i, pre in zip(reversed(idx), reversed(prefix)):
        X, Y, Z = jac_points[i]
        zi = inv * pre % p
        inv = inv * Z % p
        zi2 = zi * zi % p
        out[i] = (X * zi2 % p, Y * zi2 % p * zi % p)
    return out


def _batch_add(ps, qs):
    """Pairwise affine sums ps[i] + qs[i] with one field inversion for the whole batch.

    Handles every case: infinity on either side, p + p (doubling) and p + (-p).
    Coordinates must be reduced; the result has the inputs' int type.
    """
    if None in ps or None in qs:
        # Settle the pairs with infinity here so the rest can take the fast path.
        out = [b if a is None else a for a, b in zip(ps, qs)]
        idx = [i for i, (a, b) in enumerate(zip(ps, qs)) if a is not None and b is not None]
        if idx:
            sums = _batch_add([ps[i] for i in idx], [qs[i] for i in idx])
            for i, s in zip(idx, sums):
                out[i] = s
        return out
    out = _batch_add_distinct(ps, qs)
    return out if out is not None else _batch_add_general(ps, qs)


def _batch_add_distinct(ps, qs):
    """Fast path of :func:`_batch_add` when no point is infinity and no pair shares x.

    Returns None when some pair shares its x coordinate (the product of denominators
    is then zero), so that the caller can take the general path.
    """
    p = _PF
    prefix = []
    keep = prefix.append
    acc = 1
    for (x1, _), (x2, _) in zip(ps, qs):
        keep(acc)
        acc = acc * (x2 - x1) % p
    if not acc:
        return None
    inv = _invert(acc, p)
    out = []
    put = out.append
    for (x1, y1), (x2, y2), pre in zip(reversed(ps), reversed(qs), reversed(prefix)):
        # One reduction for (y2 - y1) * (inv * pre): the slope, inv * pre being 1/(x2 - x1).
        lam = (y2 - y1) * inv * pre % p
        inv = inv * (x2 - x1) % p
        x3 = (lam * lam - x1 - x2) % p
        put((x3, (lam * (x1 - x3) - y1) % p))
    out.reverse()
    return out


def _batch_add_general(ps, qs):
    """:func:`_batch_add` for any inputs (infinity, doubling, opposite points)."""
    p = _PF
    out = [None] * len(ps)
    idx = []
    dens = []
    prefix = []
    acc = 1
    for i, (a, b) in enumerate(zip(ps, qs)):
        if a is None:
            out[i] = b
            continue
        if b is None:
            out[i] = a
            continue
        if a[0] != b[0]:
            d = b[0] - a[0]
        elif a[1] == b[1] and a[1]:
            d = a[1] << 1  # doubling: slope 3x^2 / 2y
        else:
            continue  # a == -b: the sum is infinity
        idx.append(i)
        dens.append(d)
        prefix.append(acc)
        acc = acc * d % p
    if not idx:
        return out
    inv = _invert(acc, p)
    for i, d, pre in zip(reversed(idx), reversed(dens), reversed(prefix)):
        x1, y1 = ps[i]
        x2, y2 = qs[i]
        t = inv * pre % p
        inv = inv * d % p
        if x1 != x2:
            lam = (y2 - y1) * t % p
        else:
            lam = 3 * x1 * x1 % p * t % p
        x3 = (lam * lam - x1 - x2) % p
        out[i] = (x3, (lam * (x1 - x3) - y1) % p)
    return out
