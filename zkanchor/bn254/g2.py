"""G2 of BN254: the order-R subgroup of the twist y^2 = x^3 + B2 over F_P2.

Public points are affine ``((x0, x1), (y0, y1))`` with ints in ``[0, P)`` (x = x0 + x1*u);
``None`` is the point at infinity.  Jacobian points are ``(X, Y, Z)`` of F_P2 tuples,
``Z == (0, 0)`` meaning infinity.  Unlike G1, the twist has a large cofactor, so
:func:`validate` also checks membership in the order-R subgroup.

As in :mod:`.g1`, underscore functions are hot-path kernels that keep the int type
they are given (int or ``gmpy2.mpz``); public functions take and return plain ints.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PointError
from . import fp2
from .constants import B2, P, R
from .g1 import _fast, _invert

Fp2 = tuple[int, int]
G2Point = tuple[Fp2, Fp2] | None
Jacobian = tuple[Fp2, Fp2, Fp2]

JAC_INF: Jacobian = ((1, 0), (1, 0), (0, 0))
_PF = _fast(P)


# ----------------------------------------------------------------------------- affine


def is_on_curve(p: G2Point) -> bool:
    """Return True iff p satisfies y^2 = x^3 + B2 over F_P2 (None, infinity, counts)."""
    if p is None:
        return True
    x, y = p
    lhs = fp2.sqr(y)
    rhs = fp2.add(fp2.mul(fp2.sqr(x), x), B2)
    return lhs == rhs


def is_in_subgroup(p: G2Point) -> bool:
    """Return True iff p is on the twist and R * p is infinity."""
    if p is None:
        return True
    if not is_on_curve(p):
        return False
    return _jac_mul(_to_fast(p), R)[2] == (0, 0)


def _is_coordinate(c: object) -> bool:
    return isinstance(c, int) and not isinstance(c, bool) and 0 <= c < P


def validate(p: object, what: str = "point") -> None:
    """Raise PointError unless p is None or a G2 point: coordinates in [0, P), on the
    twist, and in the order-R subgroup."""
    if p is None:
        return
    shape_ok = (
        isinstance(p, (tuple, list))
        and len(p) == 2
        and all(isinstance(c, (tuple, list)) and len(c) == 2 for c in p)
    )
    if not shape_ok:
        raise PointError(
            f"{what} is not a G2 point: expected ((x0, x1), (y0, y1)) with x = x0 + x1*u."
        )
    if not all(_is_coordinate(c) for pair in p for c in pair):
        raise PointError(f"{what} has a coordinate that is not an integer in [0, p).")
    point = (tuple(p[0]), tuple(p[1]))
    if not is_on_curve(point):
        raise PointError(f"{what} is not on the BN254 G2 twist curve y^2 = x^3 + 3/(9+u).")
    if not is_in_subgroup(point):
        raise PointError(f"{what} is on the twist curve but not in the order-r subgroup G2.")


def _reduce(p):
    return ((p[0][0] % P, p[0][1] % P), (p[1][0] % P, p[1][1] % P))


def neg(p: G2Point) -> G2Point:
    """Return -p."""
    if p is None:
        return None
    return ((p[0][0] % P, p[0][1] % P), fp2.neg(p[1]))


def eq(p: G2Point, q: G2Point) -> bool:
    """Return True iff p and q are the same point (coordinates compared mod P)."""
    if p is None or q is None:
        return p is None and q is None
    return _reduce(p) == _reduce(q)


def double(p: G2Point) -> G2Point:
    """Return 2p."""
    if p is None:
        return None
    x, y = p
    if fp2.is_zero(y):
        return None
    lam = fp2.mul(fp2.mul_scalar(fp2.sqr(x), 3), fp2.inv(fp2.mul_scalar(y, 2)))
    x3 = fp2.sub(fp2.sqr(lam), fp2.mul_scalar(x, 2))
    return (x3, fp2.sub(fp2.mul(lam, fp2.sub(x, x3)), y))


def add(p: G2Point, q: G2Point) -> G2Point:
    """Return p + q."""
    if p is None:
        return None if q is None else _reduce(q)
    if q is None:
        return _reduce(p)
    p, q = _reduce(p), _reduce(q)
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        return double(p) if y1 == y2 else None
    lam = fp2.mul(fp2.sub(y2, y1), fp2.inv(fp2.sub(x2, x1)))
    x3 = fp2.sub(fp2.sub(fp2.sqr(lam), x1), x2)
    return (x3, fp2.sub(fp2.mul(lam, fp2.sub(x1, x3)), y1))


def mul(p: G2Point, k: int) -> G2Point:
    """Return k * p for any int k (taken mod R)."""
    k %= R
    if p is None or k == 0:
        return None
    if k > R // 2:
        k = R - k
        p = neg(p)
    return from_jacobian(_jac_mul(_to_fast(p), k))


# --------------------------------------------------------------------------- Jacobian


def to_jacobian(p: G2Point) -> Jacobian:
    """Return the Jacobian form (x, y, 1) of p, or JAC_INF for None."""
    if p is None:
        return JAC_INF
    return (p[0], p[1], (1, 0))


def from_jacobian(j: Jacobian) -> G2Point:
    """Return the affine point (plain ints) of a Jacobian triple."""
    X, Y, Z = j
    Z = (int(Z[0]) % P, int(Z[1]) % P)
    if Z == (0, 0):
        return None
    zi = fp2.inv(Z)
    zi2 = fp2.sqr(zi)
    X = (int(X[0]), int(X[1]))
    Y = (int(Y[0]), int(Y[1]))
    return (fp2.mul(X, zi2), fp2.mul(Y, fp2.mul(zi2, zi)))


def batch_to_affine(jac_points: Sequence[Jacobian]) -> list[G2Point]:
    """Convert many Jacobian points to affine ints with a single field inversion."""
    return [_to_int(a) for a in _batch_to_affine(jac_points)]


def _to_fast(p):
    """p in the kernels' int type, coordinates reduced (the kernels compare them)."""
    if p is None:
        return None
    (x0, x1), (y0, y1) = p
    pf = _PF
    return ((_fast(x0) % pf, _fast(x1) % pf), (_fast(y0) % pf, _fast(y1) % pf))


def _to_int(p):
    if p is None:
        return None
    (x0, x1), (y0, y1) = p
    return ((int(x0), int(x1)), (int(y0), int(y1)))


def _neg(p):
    """Negate an affine point whose coordinates are already reduced (any int type)."""
    if p is None:
        return None
    pf = _PF
    return (p[0], ((pf - p[1][0]) % pf, (pf - p[1][1]) % pf))


def _fmul(a, b):
    p = _PF
    a0, a1 = a
    b0, b1 = b
    return ((a0 * b0 - a1 * b1) % p, (a0 * b1 + a1 * b0) % p)


def _fsqr(a):
    p = _PF
    a0, a1 = a
    return ((a0 + a1) * (a0 - a1) % p, 2 * a0 * a1 % p)


def _jac_double(j):
    (X0, X1), (Y0, Y1), (Z0, Z1) = j
    if not (Z0 or Z1) or not (Y0 or Y1):
        return JAC_INF
    p = _PF
    # Same a = 0 doubling as in G1, with the F_P2 products written out (hot in mul).
    A0 = (X0 + X1) * (X0 - X1) % p
    A1 = 2 * X0 * X1 % p
    B0 = (Y0 + Y1) * (Y0 - Y1) % p
    B1 = 2 * Y0 * Y1 % p
    C0 = (B0 + B1) * (B0 - B1) % p
    C1 = 2 * B0 * B1 % p
    D0 = 4 * (X0 * B0 - X1 * B1) % p
    D1 = 4 * (X0 * B1 + X1 * B0) % p
    E0 = 3 * A0
    E1 = 3 * A1
    X30 = ((E0 + E1) * (E0 - E1) - 2 * D0) % p
    X31 = (2 * E0 * E1 - 2 * D1) % p
    F0 = D0 - X30
    F1 = D1 - X31
    Y30 = (E0 * F0 - E1 * F1 - 8 * C0) % p
    Y31 = (E0 * F1 + E1 * F0 - 8 * C1) % p
    Z30 = 2 * (Y0 * Z0 - Y1 * Z1) % p
    Z31 = 2 * (Y0 * Z1 + Y1 * Z0) % p
    return ((X30, X31), (Y30, Y31), (Z30, Z31))


def _jac_madd(j, a):
    """Jacobian j plus affine a (not None); inputs must be reduced."""
    X1, Y1, Z1 = j
    if not (Z1[0] or Z1[1]):
        return (a[0], a[1], (1, 0))
    p = _PF
    x2, y2 = a
    Z1Z1 = _fsqr(Z1)
    U2 = _fmul(x2, Z1Z1)
    S2 = _fmul(y2, _fmul(Z1, Z1Z1))
    H = ((U2[0] - X1[0]) % p, (U2[1] - X1[1]) % p)
    r = ((S2[0] - Y1[0]) % p, (S2[1] - Y1[1]) % p)
    if not (H[0] or H[1]):
        return _jac_double(j) if not (r[0] or r[1]) else JAC_INF
    HH = _fsqr(H)
    HHH = _fmul(H, HH)
    V = _fmul(X1, HH)
    rr = _fsqr(r)
    X3 = ((rr[0] - HHH[0] - 2 * V[0]) % p, (rr[1] - HHH[1] - 2 * V[1]) % p)
    t = _fmul(r, (V[0] - X3[0], V[1] - X3[1]))
    u = _fmul(Y1, HHH)
    return (X3, ((t[0] - u[0]) % p, (t[1] - u[1]) % p), _fmul(Z1, H))


def _jac_add(j1, j2):
    """Sum of two Jacobian points with reduced coordinates."""
    X1, Y1, Z1 = j1
    X2, Y2, Z2 = j2
    if not (Z1[0] or Z1[1]):
        return j2
    if not (Z2[0] or Z2[1]):
        return j1
    p = _PF
    Z1Z1 = _fsqr(Z1)
    Z2Z2 = _fsqr(Z2)
    U1 = _fmul(X1, Z2Z2)
    U2 = _fmul(X2, Z1Z1)
    S1 = _fmul(Y1, _fmul(Z2, Z2Z2))
    S2 = _fmul(Y2, _fmul(Z1, Z1Z1))
    H = ((U2[0] - U1[0]) % p, (U2[1] - U1[1]) % p)
    r = ((S2[0] - S1[0]) % p, (S2[1] - S1[1]) % p)
    if not (H[0] or H[1]):
        return _jac_double(j1) if not (r[0] or r[1]) else JAC_INF
    HH = _fsqr(H)
    HHH = _fmul(H, HH)
    V = _fmul(U1, HH)
    rr = _fsqr(r)
    X3 = ((rr[0] - HHH[0] - 2 * V[0]) % p, (rr[1] - HHH[1] - 2 * V[1]) % p)
    t = _fmul(r, (V[0] - X3[0], V[1] - X3[1]))
    u = _fmul(S1, HHH)
    return (X3, ((t[0] - u[0]) % p, (t[1] - u[1]) % p), _fmul(_fmul(Z1, Z2), H))


def _jac_mul(a, k: int):
    """k * a for an affine point a (reduced, any int type) and any k >= 0, unreduced.

    Works for points outside G2 too (the subgroup check relies on it): the table of
    1a..15a may contain infinity when a has a small order.
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
    multiples = [JAC_INF, (a[0], a[1], (1, 0))]
    for _ in range(14):
        multiples.append(_jac_madd(multiples[-1], a))
    table = [None, a] + _batch_to_affine(multiples)[2:]
    acc = JAC_INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -1, -4):
        if acc[2][0] or acc[2][1]:
            acc = _jac_double(_jac_double(_jac_double(_jac_double(acc))))
        d = (k >> shift) & 15
        if d and table[d] is not None:
            acc = _jac_madd(acc, table[d])
    return acc


def _batch_to_affine(jac_points):
    """Affine forms (same int type) of Jacobian points, one F_P inversion for all."""
    p = _PF
    out = [None] * len(jac_points)
    todo = []
    acc = 1
    for i, (_, _, (z0, z1)) in enumerate(jac_points):
        # 1/z = conj(z) / norm(z): batch-invert the norms, which live in F_P.
        n = (z0 * z0 + z1 * z1) % p
        if n:
            todo.append((i, n, acc))
            acc = acc * n % p
    if not todo:
        return out
    inv = _invert(acc, p)
    for i, n, pre in reversed(todo):
        (X0, X1), (Y0, Y1), (z0, z1) = jac_points[i]
        ni = inv * pre % p
        inv = inv * n % p
        zi = (z0 * ni % p, -z1 * ni % p)
        zi2 = _fsqr(zi)
        zi3 = _fmul(zi2, zi)
        out[i] = (_fmul((X0, X1), zi2), _fmul((Y0, Y1), zi3))
    return out


def _batch_add(ps, qs):
    """Pairwise affine sums ps[i] + qs[i] with one F_P inversion for the whole batch.

    Handles infinity on either side, p + p (doubling) and p + (-p).  Coordinates must
    be reduced; the result has the inputs' int type.
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
    """Fast path of :func:`_batch_add`: no infinity, no pair sharing x (else None)."""
    p = _PF
    prefix = []
    norms = []
    acc = 1
    for ((ax0, ax1), _), ((bx0, bx1), _) in zip(ps, qs):
        d0 = bx0 - ax0
        d1 = bx1 - ax1
        # 1/d = conj(d) / norm(d); the norm is in F_P and non-zero iff d != 0.
        n = (d0 * d0 + d1 * d1) % p
        prefix.append(acc)
        norms.append(n)
        acc = acc * n % p
    if not acc:
        return None
    inv = _invert(acc, p)
    out = []
    put = out.append
    for ((x10, x11), (y10, y11)), ((x20, x21), (y20, y21)), n, pre in zip(
        reversed(ps), reversed(qs), reversed(norms), reversed(prefix)
    ):
        ni = inv * pre % p
        inv = inv * n % p
        d0 = (x20 - x10) * ni
        d1 = (x11 - x21) * ni
        m0 = y20 - y10
        m1 = y21 - y11
        l0 = (m0 * d0 - m1 * d1) % p
        l1 = (m0 * d1 + m1 * d0) % p
        x30 = ((l0 + l1) * (l0 - l1) - x10 - x20) % p
        x31 = (2 * l0 * l1 - x11 - x21) % p
        e0 = x10 - x30
        e1 = x11 - x31
        put(((x30, x31), ((l0 * e0 - l1 * e1 - y10) % p, (l0 * e1 + l1 * e0 - y11) % p)))
    out.reverse()
    return out


def _batch_add_general(ps, qs):
    """:func:`_batch_add` for any inputs (infinity, doubling, opposite points)."""
    p = _PF
    out = [None] * len(ps)
    todo = []
    acc = 1
    for i, (a, b) in enumerate(zip(ps, qs)):
        if a is None:
            out[i] = b
            continue
        if b is None:
            out[i] = a
            continue
        (ax0, ax1), (ay0, ay1) = a
        (bx0, bx1), (by0, by1) = b
        if ax0 != bx0 or ax1 != bx1:
            d0 = bx0 - ax0
            d1 = bx1 - ax1
        elif ay0 == by0 and ay1 == by1 and (ay0 or ay1):
            d0 = ay0 << 1
            d1 = ay1 << 1
        else:
            continue
        # Invert the F_P norm d0^2 + d1^2 (non-zero for d != 0 since -1 is a non-square).
        n = (d0 * d0 + d1 * d1) % p
        todo.append((i, d0, d1, n, acc))
        acc = acc * n % p
    if not todo:
        return out
    inv = _invert(acc, p)
    for i, d0, d1, n, pre in reversed(todo):
        (x10, x11), (y10, y11) = ps[i]
        (x20, x21), (y20, y21) = qs[i]
        ni = inv * pre % p
        inv = inv * n % p
        t0 = d0 * ni % p
        t1 = -d1 * ni % p
        if x10 != x20 or x11 != x21:
            m0 = y20 - y10
            m1 = y21 - y11
        else:
            m0 = 3 * (x10 + x11) * (x10 - x11) % p
            m1 = 6 * x10 * x11 % p
        l0 = (m0 * t0 - m1 * t1) % p
        l1 = (m0 * t1 + m1 * t0) % p
        x30 = ((l0 + l1) * (l0 - l1) - x10 - x20) % p
        x31 = (2 * l0 * l1 - x11 - x21) % p
        e0 = x10 - x30
        e1 = x11 - x31
        out[i] = (
            (x30, x31),
            ((l0 * e0 - l1 * e1 - y10) % p, (l0 * e1 + l1 * e0 - y11) % p),
        )
    return out
