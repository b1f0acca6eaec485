"""F_P2, G1 and G2 arithmetic against py_ecc (the oracle), edge cases and validation."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as oracle
from py_ecc.fields import optimized_bn128_FQ2 as FQ2

from zkanchor.bn254 import fp2, g1, g2
from zkanchor.bn254.constants import B2, G1_GEN, G2_GEN, P, R
from zkanchor.bn254.pairing import from_py_ecc_g1, from_py_ecc_g2
from zkanchor.errors import InputError, PointError

_QUIET = [HealthCheck.too_slow]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=_QUIET)
SLOW_SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=_QUIET)

fp_elems = st.one_of(st.sampled_from([0, 1, 2, P - 1, P - 2]), st.integers(0, P - 1))
fp2_elems = st.tuples(fp_elems, fp_elems)
scalars = st.one_of(
    st.sampled_from([0, 1, 2, 3, R - 1, R, R + 1, -1, -R, R // 2, R // 2 + 1]),
    st.integers(-(2**300), 2**300),
)

# The cofactor of G2 in the twist E'(F_P2), whose order is R * (2P - R) for BN curves.
G2_COFACTOR = 2 * P - R


def as_fq2(a):
    return FQ2(list(a))


def from_fq2(x):
    return tuple(int(c) for c in x.coeffs)


def oracle_g1(k: int):
    return from_py_ecc_g1(oracle.multiply(oracle.G1, k % R))


def oracle_g2(k: int):
    return from_py_ecc_g2(oracle.multiply(oracle.G2, k % R))


def non_subgroup_twist_point(seed: int):
    """A point on the twist curve outside G2: random x, y = sqrt(x^3 + B2)."""
    rng = random.Random(seed)
    while True:
        x = (rng.randrange(P), rng.randrange(P))
        y = fp2.sqrt(fp2.add(fp2.mul(fp2.sqr(x), x), B2))
        if y is not None:
            return (x, y)


# ------------------------------------------------------------------------------ F_P2


@SETTINGS
@given(fp2_elems, fp2_elems, fp_elems)
def test_fp2_ring_ops_match_py_ecc(a, b, k):
    fa, fb = as_fq2(a), as_fq2(b)
    assert fp2.add(a, b) == from_fq2(fa + fb)
    assert fp2.sub(a, b) == from_fq2(fa - fb)
    assert fp2.mul(a, b) == from_fq2(fa * fb)
    assert fp2.sqr(a) == from_fq2(fa * fa)
    assert fp2.neg(a) == from_fq2(-fa)
    assert fp2.mul_scalar(a, k) == from_fq2(fa * k)
    assert fp2.is_zero(a) == (a == (0, 0))


@SETTINGS
@given(fp2_elems)
def test_fp2_inverse(a):
    if a == (0, 0):
        with pytest.raises(ZeroDivisionError):
            fp2.inv(a)
        return
    inv = fp2.inv(a)
    assert fp2.mul(a, inv) == fp2.ONE
    assert inv == from_fq2(as_fq2(a).inv())


def test_fp2_results_are_canonical_for_unreduced_inputs():
    a = (P + 5, -3)
    assert fp2.add(a, (0, 0)) == (5, P - 3)
    assert fp2.mul(a, fp2.ONE) == (5, P - 3)
    assert fp2.sub((0, 0), (1, 1)) == (P - 1, P - 1)
    assert fp2.is_zero((P, -P))
    assert not fp2.is_zero((P, 1))


@SETTINGS
@given(fp2_elems)
def test_fp2_sqrt_of_squares(a):
    s = fp2.sqrt(fp2.sqr(a))
    assert s is not None
    assert fp2.sqr(s) == fp2.sqr(a)


@SETTINGS
@given(fp2_elems)
def test_fp2_sqrt_agrees_with_euler_criterion(a):
    s = fp2.sqrt(a)
    # In F_P2^*, a is a square iff a^((P^2 - 1) / 2) == 1.
    is_square = a == (0, 0) or fp2.power(a, (P * P - 1) // 2) == fp2.ONE
    if is_square:
        assert s is not None and fp2.sqr(s) == (a[0] % P, a[1] % P)
    else:
        assert s is None


def test_fp2_sqrt_of_base_field_elements():
    # Every element of F_P is a square in F_P2 (non-residues via u^2 = -1).
    for c in (0, 1, 2, 3, 5, P - 1, 7**20 % P):
        s = fp2.sqrt((c, 0))
        assert s is not None and fp2.sqr(s) == (c, 0)


@SETTINGS
@given(fp2_elems)
def test_fp2_conjugate_is_frobenius(a):
    assert fp2.conj(a) == fp2.power(a, P)
    assert (fp2.norm(a), 0) == fp2.mul(a, fp2.conj(a))


def test_fp2_power_edge_cases():
    a = (3, 4)
    assert fp2.power(a, 0) == fp2.ONE
    assert fp2.power(a, 1) == a
    assert fp2.power(a, -1) == fp2.inv(a)
    assert fp2.power(a, 5) == fp2.mul(fp2.sqr(fp2.sqr(a)), a)


# -------------------------------------------------------------------------------- G1


@SLOW_SETTINGS
@given(scalars, scalars)
def test_g1_ops_match_py_ecc(j, k):
    pj, pk = oracle_g1(j), oracle_g1(k)
    assert g1.mul(G1_GEN, j) == pj
    assert g1.mul(G1_GEN, k) == pk
    assert g1.add(pj, pk) == oracle_g1(j + k)
    assert g1.double(pj) == oracle_g1(2 * j)
    assert g1.neg(pj) == oracle_g1(-j)
    assert g1.eq(g1.mul(pj, k), oracle_g1(j * k))
    assert g1.is_on_curve(pj)


def test_g1_infinity_and_special_sums():
    p = oracle_g1(123456789)
    assert g1.add(p, None) == p
    assert g1.add(None, p) == p
    assert g1.add(None, None) is None
    assert g1.add(p, g1.neg(p)) is None
    assert g1.add(p, p) == g1.double(p) == oracle_g1(2 * 123456789)
    assert g1.neg(None) is None
    assert g1.double(None) is None
    assert g1.mul(None, 5) is None
    assert g1.mul(p, 0) is None
    assert g1.mul(p, R) is None
    assert g1.mul(p, R - 1) == g1.neg(p)
    assert g1.mul(p, -1) == g1.neg(p)
    assert g1.mul(p, 1) == p
    assert g1.is_on_curve(None)


def test_g1_eq():
    p = G1_GEN
    assert g1.eq(p, (1, 2))
    assert g1.eq(p, (1 + P, 2))
    assert not g1.eq(p, g1.neg(p))
    assert g1.eq(None, None)
    assert not g1.eq(p, None)
    assert not g1.eq(None, p)


def test_g1_validate_accepts_good_points():
    g1.validate(None)
    g1.validate(G1_GEN)
    g1.validate(list(oracle_g1(99)))


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ((1, 3), "not on the BN254 G1 curve"),
        ((0, 0), "not on the BN254 G1 curve"),
        ((1 + P, 2), "not an integer in [0, p)"),
        ((1, 2 - P), "not an integer in [0, p)"),
        ((1.0, 2), "not an integer in [0, p)"),
        ((True, 2), "not an integer in [0, p)"),
        (("1", "2"), "not an integer in [0, p)"),
        ((1, 2, 1), "expected a pair"),
        ((1,), "expected a pair"),
        ("12", "expected a pair"),
        (G2_GEN, "not an integer in [0, p)"),
    ],
)
def test_g1_validate_rejects(bad, fragment):
    with pytest.raises(PointError) as info:
        g1.validate(bad, "proof point A")
    message = str(info.value)
    assert message.startswith("proof point A ")
    assert fragment in message
    assert isinstance(info.value, InputError)


def test_g1_jacobian_round_trip_and_batch():
    rng = random.Random(1)
    points = [oracle_g1(rng.randrange(R)) for _ in range(5)] + [None]
    jac = []
    for p in points:
        if p is None:
            jac.append(g1.JAC_INF)
            continue
        z = rng.randrange(1, P)
        # (x z^2, y z^3, z) represents the same point for any non-zero z.
        jac.append((p[0] * z * z % P, p[1] * pow(z, 3, P) % P, z))
    assert [g1.from_jacobian(j) for j in jac] == points
    assert g1.batch_to_affine(jac) == points
    assert g1.batch_to_affine([]) == []
    assert g1.from_jacobian(g1.to_jacobian(points[0])) == points[0]
    assert g1.to_jacobian(None)[2] == 0
    assert all(type(c) is int for c in g1.batch_to_affine(jac)[0])


def test_g1_jacobian_kernels_cover_special_cases():
    p = g1._to_fast(oracle_g1(77))
    q = g1._to_fast(oracle_g1(1000))
    jp, jq = g1.to_jacobian(p), g1.to_jacobian(q)
    jq_scaled = g1._jac_double(g1.to_jacobian(g1._to_fast(oracle_g1(500))))
    affine = g1.from_jacobian
    assert affine(g1._jac_add(jp, jq_scaled)) == oracle_g1(1077)
    assert affine(g1._jac_add(jp, jp)) == oracle_g1(154)
    assert affine(g1._jac_add(jp, g1.to_jacobian(g1._neg(p)))) is None
    assert affine(g1._jac_add(g1.JAC_INF, jq)) == oracle_g1(1000)
    assert affine(g1._jac_add(jq, g1.JAC_INF)) == oracle_g1(1000)
    assert affine(g1._jac_madd(jq_scaled, p)) == oracle_g1(1077)
    assert affine(g1._jac_madd(jp, p)) == oracle_g1(154)
    assert affine(g1._jac_madd(jp, g1._neg(p))) is None
    assert affine(g1._jac_madd(g1.JAC_INF, p)) == oracle_g1(77)
    assert affine(g1._jac_double(g1.JAC_INF)) is None
    for k in (0, 1, 2, 15, 16, 17, 2**200 + 12345):
        assert affine(g1._jac_mul(p, k)) == oracle_g1(77 * k)
    # Unreduced scalar: R * p is infinity.
    assert affine(g1._jac_mul(p, R)) is None


def test_g1_batch_add_all_paths():
    rng = random.Random(2)
    logs = [rng.randrange(R) for _ in range(12)]
    pts = [g1._to_fast(oracle_g1(a)) for a in logs]
    expected_distinct = [oracle_g1(logs[i] + logs[i + 6]) for i in range(6)]
    out = g1._batch_add(pts[:6], pts[6:])  # fast path: distinct x everywhere
    assert [g1._to_int(o) for o in out] == expected_distinct
    # Mixed batch: infinity on either side, doubling, cancellation, ordinary sums.
    lhs = [pts[0], None, pts[2], pts[3], None, pts[5]]
    rhs = [None, pts[1], pts[2], g1._neg(pts[3]), None, pts[6]]
    want = [
        oracle_g1(logs[0]),
        oracle_g1(logs[1]),
        oracle_g1(2 * logs[2]),
        None,
        None,
        oracle_g1(logs[5] + logs[6]),
    ]
    assert [g1._to_int(o) for o in g1._batch_add(lhs, rhs)] == want
    # Doubling without any infinity forces the general path from the fast one.
    out = g1._batch_add([pts[0], pts[1]], [pts[7], pts[1]])
    assert [g1._to_int(o) for o in out] == [oracle_g1(logs[0] + logs[7]), oracle_g1(2 * logs[1])]
    assert g1._batch_add([], []) == []


# -------------------------------------------------------------------------------- G2


@SLOW_SETTINGS
@given(scalars, scalars)
def test_g2_ops_match_py_ecc(j, k):
    qj, qk = oracle_g2(j), oracle_g2(k)
    assert g2.mul(G2_GEN, j) == qj
    assert g2.add(qj, qk) == oracle_g2(j + k)
    assert g2.double(qj) == oracle_g2(2 * j)
    assert g2.neg(qj) == oracle_g2(-j)
    assert g2.eq(g2.mul(qj, k), oracle_g2(j * k))
    assert g2.is_on_curve(qj)


def test_g2_infinity_and_special_sums():
    q = oracle_g2(987654321)
    assert g2.add(q, None) == q
    assert g2.add(None, q) == q
    assert g2.add(None, None) is None
    assert g2.add(q, g2.neg(q)) is None
    assert g2.add(q, q) == g2.double(q) == oracle_g2(2 * 987654321)
    assert g2.neg(None) is None
    assert g2.double(None) is None
    assert g2.mul(None, 3) is None
    assert g2.mul(q, 0) is None
    assert g2.mul(q, R) is None
    assert g2.mul(q, R - 1) == g2.neg(q)
    assert g2.mul(q, 1) == q
    assert g2.is_on_curve(None)
    assert g2.is_in_subgroup(None)
    assert g2.eq(None, None)
    assert not g2.eq(q, None)
    assert g2.eq(q, ((q[0][0] + P, q[0][1]), q[1]))


def test_g2_subgroup_membership():
    assert g2.is_in_subgroup(G2_GEN)
    assert g2.is_in_subgroup(oracle_g2(42))
    outside = non_subgroup_twist_point(3)
    assert g2.is_on_curve(outside)
    assert not g2.is_in_subgroup(outside)
    # py_ecc agrees, independently: on its twist, and R * point is not infinity.
    py_point = (as_fq2(outside[0]), as_fq2(outside[1]), FQ2.one())
    assert oracle.is_on_curve(py_point, oracle.b2)
    assert not oracle.is_inf(oracle.multiply(py_point, R))
    # Clearing the cofactor lands in G2.
    cleared = g2.from_jacobian(g2._jac_mul(g2._to_fast(outside), G2_COFACTOR))
    assert cleared is not None and g2.is_in_subgroup(cleared)
    # Off-curve points are never in the subgroup.
    assert not g2.is_in_subgroup((G2_GEN[0], fp2.add(G2_GEN[1], fp2.ONE)))


def test_g2_validate_accepts_good_points():
    g2.validate(None)
    g2.validate(G2_GEN)
    q = oracle_g2(5)
    g2.validate([list(q[0]), list(q[1])])


@pytest.mark.parametrize(
    "make_bad, fragment",
    [
        (lambda: (G2_GEN[0], fp2.add(G2_GEN[1], fp2.ONE)), "not on the BN254 G2 twist"),
        (lambda: ((0, 0), (0, 0)), "not on the BN254 G2 twist"),
        (lambda: non_subgroup_twist_point(4), "not in the order-r subgroup"),
        (lambda: ((G2_GEN[0][0] + P, G2_GEN[0][1]), G2_GEN[1]), "not an integer in [0, p)"),
        (lambda: ((G2_GEN[0][0], -1), G2_GEN[1]), "not an integer in [0, p)"),
        (lambda: ((1.5, 0), (0, 0)), "not an integer in [0, p)"),
        (lambda: G1_GEN, "expected ((x0, x1), (y0, y1))"),
        (lambda: (G2_GEN[0],), "expected ((x0, x1), (y0, y1))"),
        (lambda: ((1, 2, 3), (1, 2)), "expected ((x0, x1), (y0, y1))"),
    ],
)
def test_g2_validate_rejects(make_bad, fragment):
    with pytest.raises(PointError) as info:
        g2.validate(make_bad(), "proof point B")
    assert str(info.value).startswith("proof point B ")
    assert fragment in str(info.value)


def test_g2_jacobian_round_trip_and_batch():
    rng = random.Random(5)
    points = [oracle_g2(rng.randrange(R)) for _ in range(3)] + [None]
    jac = []
    for q in points:
        if q is None:
            jac.append(g2.JAC_INF)
            continue
        z = (rng.randrange(P), rng.randrange(1, P))
        z2 = fp2.sqr(z)
        jac.append((fp2.mul(q[0], z2), fp2.mul(q[1], fp2.mul(z2, z)), z))
    assert [g2.from_jacobian(j) for j in jac] == points
    assert g2.batch_to_affine(jac) == points
    assert g2.from_jacobian(g2.to_jacobian(points[0])) == points[0]


def test_g2_kernels_cover_special_cases():
    a, b = 31337, 271828
    p = g2._to_fast(oracle_g2(a))
    q = g2._to_fast(oracle_g2(b))
    jp = g2.to_jacobian(p)
    jq2 = g2._jac_double(g2.to_jacobian(q))
    affine = g2.from_jacobian
    assert affine(g2._jac_add(jp, jq2)) == oracle_g2(a + 2 * b)
    assert affine(g2._jac_add(jp, jp)) == oracle_g2(2 * a)
    assert affine(g2._jac_add(jp, g2.to_jacobian(g2._neg(p)))) is None
    assert affine(g2._jac_add(g2.JAC_INF, jq2)) == oracle_g2(2 * b)
    assert affine(g2._jac_madd(jq2, p)) == oracle_g2(a + 2 * b)
    assert affine(g2._jac_madd(jp, p)) == oracle_g2(2 * a)
    assert affine(g2._jac_madd(jp, g2._neg(p))) is None
    for k in (1, 2, 15, 16, 2**130 + 3):
        assert affine(g2._jac_mul(p, k)) == oracle_g2(a * k)
    to_int = g2._to_int
    assert [to_int(s) for s in g2._batch_add([p, q], [q, p])] == [oracle_g2(a + b)] * 2
    lhs = [p, None, q, p, None]
    rhs = [None, q, q, g2._neg(p), None]
    want = [oracle_g2(a), oracle_g2(b), oracle_g2(2 * b), None, None]
    assert [to_int(s) for s in g2._batch_add(lhs, rhs)] == want
    doubled = [to_int(s) for s in g2._batch_add([p, q], [p, p])]
    assert doubled == [oracle_g2(2 * a), oracle_g2(a + b)]
