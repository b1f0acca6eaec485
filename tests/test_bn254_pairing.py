"""pairing_check: bilinearity, wrong relations, infinity handling, validation, converters."""

from __future__ import annotations

import random

import pytest
from py_ecc import bn128 as slow
from py_ecc import optimized_bn128 as oracle
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2

from zkanchor.bn254 import fp2, g1, g2
from zkanchor.bn254.constants import B2, G1_GEN, G2_GEN, P, R
from zkanchor.bn254.pairing import (
    from_py_ecc_g1,
    from_py_ecc_g2,
    pairing_check,
    to_py_ecc_g1,
    to_py_ecc_g2,
)
from zkanchor.errors import PointError

RNG = random.Random(2024)
A, B = RNG.randrange(1, R), RNG.randrange(1, R)
AP = g1.mul(G1_GEN, A)
BQ = g2.mul(G2_GEN, B)
NEG_ABP = g1.neg(g1.mul(G1_GEN, A * B))


def test_bilinearity():
    assert pairing_check([(AP, BQ), (NEG_ABP, G2_GEN)])
    # The same relation with the scalars moved to the other side.
    ab = A * B
    assert pairing_check([(g1.mul(G1_GEN, ab), G2_GEN), (g1.neg(G1_GEN), g2.mul(G2_GEN, ab))])


def test_wrong_relation_is_false():
    assert not pairing_check([(AP, BQ), (g1.neg(g1.mul(G1_GEN, A * B + 1)), G2_GEN)])
    assert not pairing_check([(AP, BQ), (g1.mul(G1_GEN, A * B), G2_GEN)])  # sign flipped


def test_groth16_shaped_product_of_four():
    """e(a, b) = e(alpha, beta) e(x, gamma) e(c, delta), as a Groth16 verifier checks it."""
    rng = random.Random(7)
    alpha, beta, gamma, delta, x, c = (rng.randrange(1, R) for _ in range(6))
    # Choose a, b so that a*b = alpha*beta + x*gamma + c*delta.
    b = rng.randrange(1, R)
    a = (alpha * beta + x * gamma + c * delta) * pow(b, -1, R) % R
    pairs = [
        (g1.neg(g1.mul(G1_GEN, a)), g2.mul(G2_GEN, b)),
        (g1.mul(G1_GEN, alpha), g2.mul(G2_GEN, beta)),
        (g1.mul(G1_GEN, x), g2.mul(G2_GEN, gamma)),
        (g1.mul(G1_GEN, c), g2.mul(G2_GEN, delta)),
    ]
    assert pairing_check(pairs)
    pairs[3] = (g1.mul(G1_GEN, c + 1), pairs[3][1])
    assert not pairing_check(pairs)


def test_infinity_pairs_are_skipped():
    assert pairing_check([])
    assert pairing_check([(None, G2_GEN), (G1_GEN, None), (None, None)])
    assert pairing_check([(AP, BQ), (None, BQ), (NEG_ABP, G2_GEN), (AP, None)])
    assert not pairing_check([(G1_GEN, G2_GEN), (None, G2_GEN)])


def test_single_nondegenerate_pair_is_not_one():
    assert not pairing_check([(G1_GEN, G2_GEN)])


def test_invalid_points_raise_point_error():
    with pytest.raises(PointError, match="G1 point of pair 1"):
        pairing_check([(G1_GEN, G2_GEN), ((1, 3), G2_GEN)])
    off_twist = (G2_GEN[0], fp2.add(G2_GEN[1], fp2.ONE))
    with pytest.raises(PointError, match="G2 point of pair 0"):
        pairing_check([(G1_GEN, off_twist)])
    rng = random.Random(1)
    while True:
        x = (rng.randrange(P), rng.randrange(P))
        y = fp2.sqrt(fp2.add(fp2.mul(fp2.sqr(x), x), B2))
        if y is not None:
            break
    with pytest.raises(PointError, match="subgroup"):
        pairing_check([(G1_GEN, (x, y))])


def test_accepts_any_iterable_of_pairs():
    assert pairing_check(iter([(AP, BQ), (NEG_ABP, G2_GEN)]))


# ------------------------------------------------------------------------ converters


def test_g1_converters_round_trip():
    p = g1.mul(G1_GEN, 12345)
    py = to_py_ecc_g1(p)
    assert oracle.eq(py, oracle.multiply(oracle.G1, 12345))
    assert from_py_ecc_g1(py) == p
    # Any projective scaling converts back to the same affine point.
    z = FQ(987654321)
    assert from_py_ecc_g1((py[0] * z, py[1] * z, z)) == p
    assert from_py_ecc_g1(slow.multiply(slow.G1, 12345)) == p
    assert from_py_ecc_g1(None) is None
    assert from_py_ecc_g1(oracle.Z1) is None
    assert oracle.is_inf(to_py_ecc_g1(None))
    assert all(type(c) is int for c in from_py_ecc_g1(py))


def test_g2_converters_round_trip():
    q = g2.mul(G2_GEN, 54321)
    py = to_py_ecc_g2(q)
    assert oracle.eq(py, oracle.multiply(oracle.G2, 54321))
    assert from_py_ecc_g2(py) == q
    z = FQ2([5, 7])
    assert from_py_ecc_g2((py[0] * z, py[1] * z, z)) == q
    assert from_py_ecc_g2(slow.multiply(slow.G2, 54321)) == q
    assert from_py_ecc_g2(None) is None
    assert from_py_ecc_g2(oracle.Z2) is None
    assert oracle.is_inf(to_py_ecc_g2(None))
    assert from_py_ecc_g2(oracle.G2) == G2_GEN
