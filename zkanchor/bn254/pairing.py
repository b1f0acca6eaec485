"""The product-of-pairings check behind Groth16 verification, backed by py_ecc.

``pairing_check([(P1, Q1), ..., (Pk, Qk)])`` is True iff e(P1, Q1) * ... * e(Pk, Qk) == 1,
which is what Ethereum's precompile 0x08 computes.  Each pair costs one Miller loop;
the final exponentiation, the most expensive part, is done once on the product.
This is the only module that touches py_ecc's point types.
"""

from __future__ import annotations

from collections.abc import Iterable

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.fields import optimized_bn128_FQ12 as FQ12
from py_ecc.optimized_bn128 import final_exponentiate, pairing

from . import g1, g2
from .g1 import G1Point
from .g2 import G2Point


def pairing_check(pairs: Iterable[tuple[G1Point, G2Point]]) -> bool:
    """Return True iff prod e(P_i, Q_i) == 1 over the (G1, G2) pairs.

    Pairs with None (infinity) on either side contribute 1 and are skipped.  Every
    point is validated first (coordinates, curve, and G2 subgroup); an invalid one
    raises PointError rather than yielding a meaningless answer.
    """
    pairs = list(pairs)
    for i, (p, q) in enumerate(pairs):
        g1.validate(p, f"G1 point of pair {i}")
        g2.validate(q, f"G2 point of pair {i}")
    acc = FQ12.one()
    for p, q in pairs:
        if p is None or q is None:
            continue
        acc = acc * pairing(to_py_ecc_g2(q), to_py_ecc_g1(p), final_exponentiate=False)
    return final_exponentiate(acc) == FQ12.one()


def to_py_ecc_g1(p: G1Point):
    """Our affine G1 point as py_ecc ``optimized_bn128`` projective (FQ, FQ, FQ)."""
    if p is None:
        return (FQ.one(), FQ.one(), FQ.zero())
    return (FQ(p[0]), FQ(p[1]), FQ.one())


def to_py_ecc_g2(q: G2Point):
    """Our affine G2 point as py_ecc ``optimized_bn128`` projective (FQ2, FQ2, FQ2)."""
    if q is None:
        return (FQ2.one(), FQ2.one(), FQ2.zero())
    return (FQ2(list(q[0])), FQ2(list(q[1])), FQ2.one())


def from_py_ecc_g1(pt) -> G1Point:
    """A py_ecc G1 point (``bn128`` affine pair, ``optimized_bn128`` projective triple,
    or None) as our affine tuple of ints."""
    if pt is None:
        return None
    if len(pt) == 3:
        x, y, z = pt
        if z == z.zero():
            return None
        x, y = x / z, y / z
    else:
        x, y = pt
    return (int(x), int(y))


def from_py_ecc_g2(pt) -> G2Point:
    """A py_ecc G2 point (``bn128`` affine pair, ``optimized_bn128`` projective triple,
    or None) as our affine tuple of Fp2 tuples."""
    if pt is None:
        return None
    if len(pt) == 3:
        x, y, z = pt
        if z == z.zero():
            return None
        x, y = x / z, y / z
    else:
        x, y = pt
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))
