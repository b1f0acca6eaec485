"""Elementwise native multiplication (native.mul_g1 / mul_g2) against py_ecc and zkanchor.bn254.

Each product s_i * P_i is checked against ``zkanchor.bn254.g1.mul`` / ``g2.mul`` (pure
Python) and, on a sample, against ``py_ecc.optimized_bn128.multiply`` (the reference;
~5 ms per G1 and ~25 ms per G2 product, so only a few).  Large inputs use points with
known discrete logs: if P_i = k_i * G then s_i * P_i = (s_i k_i) * G, which the kernel's
fixed-base path (itself checked against py_ecc in test_native_kernel.py) gives cheaply.

The kernel splits scalars with the GLV endomorphism, so the scalar edge cases include
lambda and the lattice basis, where the split's rounding is closest to its bounds.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ob

from zkanchor import native
from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE,
    reason=f"native kernel not built: {native.LOAD_ERROR} (run `python setup.py build_ext --inplace`)",
)

REPO = Path(__file__).resolve().parents[1]
rng = random.Random(20240611)

ARITHS = ["portable"] + (["adx"] if native.AVAILABLE and native._kernel.has_adx() else [])

LAMBDA = 0xB3C4D79D41A917585BFC41088D8DAAA78B17EA66B99C90DD
LATTICE = [9931322734385697763, 147946756881789319000765030803803410728, 147946756881789319010696353538189108491]
EDGE_SCALARS = [
    0, 1, 2, 3, R - 1, R, R + 1, -1, -2, -R, 2 * R - 1, 5 * R + 7, (1 << 256) - 1, 1 << 300,
    R // 2, R // 2 + 1, 1 << 127, (1 << 128) - 1, 1 << 128, 1 << 253,
    LAMBDA, R - LAMBDA, LAMBDA * LAMBDA % R, LAMBDA + 1, *LATTICE, *(R - v for v in LATTICE),
    LATTICE[0] * LAMBDA % R, LATTICE[2] * (LAMBDA + 1) % R,
]


@pytest.fixture(scope="module", autouse=True, params=ARITHS)
def arith(request):
    before = native._kernel.get_arith()
    native._kernel.set_arith(request.param)
    yield request.param
    native._kernel.set_arith(before)


def g1_to_ecc(p):
    return ob.Z1 if p is None else (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())


def g1_from_ecc(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (int(x), int(y))


def g2_to_ecc(p):
    if p is None:
        return ob.Z2
    (x0, x1), (y0, y1) = p
    return (ob.FQ2([x0, x1]), ob.FQ2([y0, y1]), ob.FQ2.one())


def g2_from_ecc(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


def ecc_mul_g1(p, s):
    return g1_from_ecc(ob.multiply(g1_to_ecc(p), s % R))


def ecc_mul_g2(p, s):
    return g2_from_ecc(ob.multiply(g2_to_ecc(p), s % R))


def pure_g1(points, scalars):
    return [g1.mul(p, s) for p, s in zip(points, scalars)]


def pure_g2(points, scalars):
    return [g2.mul(p, s) for p, s in zip(points, scalars)]


G1_POOL = native.batch_mul_g1(G1_GEN, [rng.randrange(1, R) for _ in range(24)]) if native.AVAILABLE else []
G2_POOL = native.batch_mul_g2(G2_GEN, [rng.randrange(1, R) for _ in range(8)]) if native.AVAILABLE else []


# ---- against py_ecc and the pure-Python group law ------------------------------

def test_g1_matches_py_ecc_on_random_and_edge_scalars():
    points = [G1_GEN] + G1_POOL[:11]
    scalars = [rng.randrange(R) for _ in range(6)] + [R - 1, -5, R, 0, LAMBDA, 1 << 200]
    out = native.mul_g1(points, scalars)
    assert out == [ecc_mul_g1(p, s) for p, s in zip(points, scalars)]
    assert out == pure_g1(points, scalars)


def test_g2_matches_py_ecc_on_random_and_edge_scalars():
    points = [G2_GEN] + G2_POOL[:3]
    scalars = [rng.randrange(R), R - 1, -7, LAMBDA]
    out = native.mul_g2(points, scalars)
    assert out == [ecc_mul_g2(p, s) for p, s in zip(points, scalars)]
    assert out == pure_g2(points, scalars)


def test_g1_edge_scalars_and_infinity():
    points = [G1_POOL[i % len(G1_POOL)] for i in range(len(EDGE_SCALARS))]
    assert native.mul_g1(points, EDGE_SCALARS) == pure_g1(points, EDGE_SCALARS)
    # infinity times anything, and 0 or r times anything, is infinity
    assert native.mul_g1([None, None, G1_GEN, G1_GEN], [0, 12345, 0, R]) == [None] * 4
    assert native.mul_g1([G1_GEN], [1]) == [G1_GEN]
    assert native.mul_g1([G1_GEN], [-1]) == [g1.neg(G1_GEN)]


def test_g2_edge_scalars_and_infinity():
    scalars = EDGE_SCALARS[::2]
    points = [G2_POOL[i % len(G2_POOL)] for i in range(len(scalars))]
    assert native.mul_g2(points, scalars) == pure_g2(points, scalars)
    assert native.mul_g2([None, G2_GEN, G2_GEN], [7, 0, R]) == [None] * 3
    assert native.mul_g2([G2_GEN, G2_GEN], [1, -1]) == [G2_GEN, g2.neg(G2_GEN)]


def test_empty_and_single():
    assert native.mul_g1([], []) == []
    assert native.mul_g2([], []) == []
    assert native.mul_g1_packed(b"", b"") == b""
    s = rng.randrange(R)
    assert native.mul_g1([G1_POOL[0]], [s]) == [g1.mul(G1_POOL[0], s)]
    assert native.mul_g2([G2_POOL[0]], [s]) == [g2.mul(G2_POOL[0], s)]


def test_repeated_points_and_pairs():
    p = G1_POOL[3]
    scalars = [5, 5, R - 5, 0, 1, 5, rng.randrange(R), 5]
    out = native.mul_g1([p] * len(scalars), scalars)
    assert out == pure_g1([p] * len(scalars), scalars)
    assert out[0] == out[1] == out[5] == out[7] and out[2] == g1.neg(out[0])
    q = G2_POOL[1]
    assert native.mul_g2([q, q, q], [9, 9, R - 9]) == pure_g2([q, q, q], [9, 9, R - 9])
    # a point times the scalar that maps it onto another input (P and 2P side by side)
    assert native.mul_g1([p, g1.double(p)], [2, 1]) == [g1.double(p)] * 2


@pytest.mark.parametrize("threads", ["1", "2", "4"])
@pytest.mark.parametrize("n", [1000, 3001])
def test_g1_large_known_logs(n, threads, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", threads)
    logs = [rng.randrange(R) for _ in range(n)]
    points = native.batch_mul_g1(G1_GEN, logs)
    scalars = [rng.randrange(R) for _ in range(n)]
    for i in range(0, n, 97):   # sprinkle edge cases across blocks
        scalars[i] = EDGE_SCALARS[i % len(EDGE_SCALARS)]
    points[n // 2] = None
    logs[n // 2] = 0
    out = native.mul_g1(points, scalars)
    assert out == native.batch_mul_g1(G1_GEN, [k * s for k, s in zip(logs, scalars)])
    sample = range(0, n, 211)
    assert [out[i] for i in sample] == [g1.mul(points[i], scalars[i]) for i in sample]


@pytest.mark.parametrize("threads", ["1", "3"])
def test_g2_large_known_logs(threads, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", threads)
    n = 300
    logs = [rng.randrange(R) for _ in range(n)]
    points = native.batch_mul_g2(G2_GEN, logs)
    scalars = [rng.randrange(R) for _ in range(n)]
    scalars[7], scalars[150] = 0, R - 1
    out = native.mul_g2(points, scalars)
    assert out == native.batch_mul_g2(G2_GEN, [k * s for k, s in zip(logs, scalars)])


def test_packed_variants_chain_and_reduce():
    points = G1_POOL[:6]
    scalars = [rng.randrange(R) for _ in range(6)]
    once = native.mul_g1_packed(native.pack_g1(points), scalars)
    twice = native.mul_g1_packed(once, bytearray(native.pack_scalars(scalars)))
    assert native.unpack_g1(twice) == [g1.mul(p, s * s) for p, s in zip(points, scalars)]
    # packed scalars >= r (not produced by pack_scalars) are reduced in C
    big = ((1 << 256) - 1).to_bytes(32, "little")
    assert native.unpack_g1(native.mul_g1_packed(native.pack_g1(points[:1]), big)) == \
        [g1.mul(points[0], (1 << 256) - 1)]
    q = G2_POOL[:2]
    out = native.mul_g2_packed(memoryview(native.pack_g2(q)), [3, 4])
    assert native.unpack_g2(out) == pure_g2(q, [3, 4])


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        native.mul_g1([G1_GEN, G1_GEN], [1])
    with pytest.raises(ValueError):
        native.mul_g2([G2_GEN], [1, 2])
    with pytest.raises(ValueError):
        native.mul_g1([(P, 2)], [1])
    with pytest.raises(ValueError):
        native.mul_g2([((1, P + 1), (0, 0))], [1])
    bad = P.to_bytes(32, "little") + (2).to_bytes(32, "little")
    with pytest.raises(ValueError):
        native.mul_g1_packed(bad, [1])
    bad2 = bytes(96) + P.to_bytes(32, "little")
    with pytest.raises(ValueError):
        native.mul_g2_packed(bad2, [1])
    with pytest.raises(ValueError):
        native.mul_g1_packed(bytes(63), [1])
    with pytest.raises(ValueError):
        native._kernel.mul_g1(bytes(64), bytes(31))
    with pytest.raises(ValueError):   # a bad point in a later block still fails the call
        native.mul_g1_packed(native.pack_g1(G1_POOL * 50) + bad, [1] * (len(G1_POOL) * 50 + 1))


def test_groupops_uses_the_kernel():
    from zkanchor.ceremony import groupops

    assert groupops.native.mul_g1 is native.mul_g1
    points, scalars = G1_POOL[:5], [rng.randrange(R) for _ in range(5)]
    assert groupops.scale_g1(points, scalars) == pure_g1(points, scalars)
    assert groupops.scale_g2(G2_POOL[:2], scalars[:2]) == pure_g2(G2_POOL[:2], scalars[:2])


# ---- properties -------------------------------------------------------------------

scalars_st = st.one_of(
    st.integers(0, R - 1),
    st.integers(-(1 << 300), 1 << 300),
    st.sampled_from(EDGE_SCALARS),
    st.integers(0, 1 << 130),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-1, len(G1_POOL) - 1), scalars_st), max_size=20))
def test_property_mul_g1(terms):
    points = [None if i < 0 else G1_POOL[i] for i, _ in terms]
    scalars = [s for _, s in terms]
    assert native.mul_g1(points, scalars) == pure_g1(points, scalars)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-1, len(G2_POOL) - 1), scalars_st), max_size=5))
def test_property_mul_g2(terms):
    points = [None if i < 0 else G2_POOL[i] for i, _ in terms]
    scalars = [s for _, s in terms]
    assert native.mul_g2(points, scalars) == pure_g2(points, scalars)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, len(G1_POOL) - 1), scalars_st, scalars_st)
def test_property_distributive(i, a, b):
    p = G1_POOL[i]
    pa, pb, pab = native.mul_g1([p, p, p], [a, b, a + b])
    assert g1.add(pa, pb) == pab


# ---- the arithmetic chosen at import ------------------------------------------------

def test_portable_build_selected_by_environment():
    points = G1_POOL[:4] + [None]
    scalars = [rng.randrange(R) for _ in range(4)] + [3]
    qs = G2_POOL[:2]
    code = (
        "import sys, json\n"
        "from zkanchor import native\n"
        "assert native._kernel.get_arith() == 'portable', native._kernel.get_arith()\n"
        "pts, sc, qs = json.loads(sys.stdin.read())\n"
        "pts = [tuple(p) if p else None for p in pts]\n"
        "qs = [tuple(tuple(c) for c in q) for q in qs]\n"
        "print(json.dumps([native.mul_g1(pts, sc), native.mul_g2(qs, sc[:2])]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), ZKANCHOR_NATIVE_ARITH="portable")
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps([points, scalars, qs]), env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got_g1, got_g2 = json.loads(proc.stdout)
    assert [tuple(p) if p else None for p in got_g1] == pure_g1(points, scalars)
    assert [tuple(tuple(c) for c in q) for q in got_g2] == pure_g2(qs, scalars[:2])
