"""Multi-scalar and fixed-base multiplication against py_ecc.

Points are built with known discrete logs (P_i = a_i * G), so the expected MSM is the
single py_ecc multiplication (sum a_i k_i) * G: an independent oracle that stays cheap
for hundreds of points.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as oracle

from zkanchor.bn254 import fixed_base, g1, g2, msm
from zkanchor.bn254.constants import G1_GEN, G2_GEN, R
from zkanchor.bn254.fixed_base import batch_mul_g1, batch_mul_g2
from zkanchor.bn254.msm import msm_g1, msm_g2
from zkanchor.bn254.pairing import from_py_ecc_g1, from_py_ecc_g2

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REPO = Path(__file__).resolve().parents[1]


def oracle_g1(k: int):
    return from_py_ecc_g1(oracle.multiply(oracle.G1, k % R))


def oracle_g2(k: int):
    return from_py_ecc_g2(oracle.multiply(oracle.G2, k % R))


class Points:
    """Points with known discrete logs; logs[i] is None for the point at infinity."""

    def __init__(self, logs, points):
        self.logs = logs
        self.points = points

    def expected(self, scalars, oracle_mul):
        total = sum(a * k for a, k in zip(self.logs, scalars) if a is not None)
        return oracle_mul(total)


@pytest.fixture(scope="module")
def g1_points() -> Points:
    rng = random.Random(11)
    logs = [rng.randrange(1, R) for _ in range(400)]
    points = batch_mul_g1(G1_GEN, logs)
    # The generator of the test points is itself checked against py_ecc.
    for i in (0, 1, 199, 399):
        assert points[i] == oracle_g1(logs[i])
    return Points(logs, points)


@pytest.fixture(scope="module")
def g2_points() -> Points:
    rng = random.Random(12)
    logs = [rng.randrange(1, R) for _ in range(48)]
    points = batch_mul_g2(G2_GEN, logs)
    for i in (0, 47):
        assert points[i] == oracle_g2(logs[i])
    return Points(logs, points)


def scalar_mix(rng: random.Random, n: int, kind: str) -> list[int]:
    pick = {
        "full": lambda: rng.randrange(R),
        "bits": lambda: rng.randrange(2),
        "small": lambda: rng.randrange(-(2**40), 2**40),
        "mixed": lambda: rng.choice(
            [0, 1, 1, 1, -1, 2, R - 1, R, R + 3, -R - 7, 2**64 - 1, rng.randrange(R),
             rng.randrange(2**20), -rng.randrange(2**30), rng.randrange(2**140)]
        ),
    }[kind]
    return [pick() for _ in range(n)]


# ---------------------------------------------------------------------------- msm_g1


@pytest.mark.parametrize("kind", ["full", "bits", "small", "mixed"])
@pytest.mark.parametrize("n", [1, 2, 3, 17, 150, 400])
def test_msm_g1_matches_oracle(g1_points, kind, n):
    rng = random.Random(n * 7 + len(kind))
    ks = scalar_mix(rng, n, kind)
    got = msm_g1(g1_points.points[:n], ks)
    assert got == Points(g1_points.logs[:n], None).expected(ks, oracle_g1)


def test_msm_g1_empty_and_trivial(g1_points):
    p = g1_points.points[0]
    assert msm_g1([], []) is None
    assert msm_g1([p], [0]) is None
    assert msm_g1([p], [R]) is None
    assert msm_g1([None], [5]) is None
    assert msm_g1([None, None], [0, 1]) is None
    assert msm_g1([p], [1]) == p
    assert msm_g1([p], [R - 1]) == g1.neg(p)
    assert msm_g1([p], [-1]) == g1.neg(p)
    assert msm_g1([p], [R + 2]) == g1.double(p)
    assert msm_g1([p, g1.neg(p)], [1, 1]) is None
    assert msm_g1([p, p], [3, R - 3]) is None


def test_msm_g1_length_mismatch_and_non_integer_scalars():
    with pytest.raises(ValueError):
        msm_g1([G1_GEN], [1, 2])
    with pytest.raises(ValueError):
        msm_g1([G1_GEN, G1_GEN], [1])
    # A float is a caller's bug: refuse it rather than truncate it silently.
    with pytest.raises(TypeError):
        msm_g1([G1_GEN], [2.0])
    with pytest.raises(TypeError):
        batch_mul_g1(G1_GEN, [1.5])


def test_msm_g1_repeated_and_opposite_points(g1_points):
    """Same point many times in a bucket (doubling) and P + (-P) inside a bucket."""
    p, q = g1_points.points[:2]
    a, b = g1_points.logs[:2]
    rng = random.Random(5)
    points = [p] * 40 + [g1.neg(p)] * 17 + [q] * 9 + [None] * 5
    logs = [a] * 40 + [R - a] * 17 + [b] * 9 + [None] * 5
    for ks in (
        [1] * len(points),
        [rng.choice([1, 2, 3, 5, R - 1]) for _ in points],
        [rng.randrange(R) for _ in points],
        [7] * len(points),
    ):
        assert msm_g1(points, ks) == Points(logs, None).expected(ks, oracle_g1)


def test_msm_g1_accepts_other_int_types(g1_points):
    class MyInt(int):
        pass

    pts = g1_points.points[:3]
    assert msm_g1(pts, [MyInt(3), True, 2**300]) == msm_g1(pts, [3, 1, 2**300 % R])
    result = msm_g1(pts, [5, 6, 7])
    assert all(type(c) is int for c in result)


@pytest.mark.parametrize("c", [0, 1, 2, 3, 5, 8, 11])
def test_msm_g1_every_window_size(g1_points, monkeypatch, c):
    """Force one group with window c (0 = direct multiplication) on mixed scalars."""
    monkeypatch.setattr(msm, "_plan", lambda counts: [(1, msm._MAX_BITS, c)])
    rng = random.Random(c)
    n = 60
    ks = scalar_mix(rng, n, "mixed")
    pts = g1_points.points[:n]
    assert msm_g1(pts, ks) == Points(g1_points.logs[:n], None).expected(ks, oracle_g1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=msm._MAX_BITS + 1, max_size=msm._MAX_BITS + 1))
def test_plan_covers_each_bit_length_once(counts):
    counts[0] = 0  # bit length 0 is the zero scalar, which never reaches the planner
    plan = msm._plan(counts)
    covered = [b for lo, hi, _ in plan for b in range(lo, hi + 1)]
    assert len(covered) == len(set(covered))
    assert {b for b, n in enumerate(counts) if n} <= set(covered)
    assert all(0 <= c <= msm._MAX_WINDOW for _, _, c in plan)


def test_plan_gives_bits_a_single_cheap_group():
    counts = [0] * (msm._MAX_BITS + 1)
    counts[1] = 5000
    assert msm._plan(counts) == [(1, 1, 1)]
    counts[msm._MAX_BITS] = 5000
    plan = msm._plan(counts)
    assert plan[-1][1] == msm._MAX_BITS and plan[-1][2] >= 6


# ---------------------------------------------------------------------------- msm_g2


@pytest.mark.parametrize("kind", ["full", "bits", "mixed"])
def test_msm_g2_matches_oracle(g2_points, kind):
    rng = random.Random(len(kind))
    n = len(g2_points.points)
    ks = scalar_mix(rng, n, kind)
    assert msm_g2(g2_points.points, ks) == g2_points.expected(ks, oracle_g2)


def test_msm_g2_edge_cases(g2_points):
    q, r = g2_points.points[:2]
    a, b = g2_points.logs[:2]
    assert msm_g2([], []) is None
    assert msm_g2([q], [0]) is None
    assert msm_g2([None], [1]) is None
    assert msm_g2([q], [1]) == q
    assert msm_g2([q], [R - 1]) == g2.neg(q)
    assert msm_g2([q, g2.neg(q)], [1, 1]) is None
    points = [q] * 12 + [g2.neg(q)] * 5 + [r] * 3 + [None]
    logs = [a] * 12 + [R - a] * 5 + [b] * 3 + [None]
    for ks in ([1] * len(points), [3] * len(points), [i * 1000003 for i in range(len(points))]):
        assert msm_g2(points, ks) == Points(logs, None).expected(ks, oracle_g2)
    with pytest.raises(ValueError):
        msm_g2([q], [])


@pytest.mark.parametrize("c", [0, 1, 4, 7])
def test_msm_g2_every_window_size(g2_points, monkeypatch, c):
    monkeypatch.setattr(msm, "_plan", lambda counts: [(1, msm._MAX_BITS, c)])
    rng = random.Random(100 + c)
    n = 20
    ks = scalar_mix(rng, n, "mixed")
    pts = g2_points.points[:n]
    assert msm_g2(pts, ks) == Points(g2_points.logs[:n], None).expected(ks, oracle_g2)


# ------------------------------------------------------------------------ fixed base

EDGE_SCALARS = [0, 1, 2, 3, R - 1, R - 2, R, R + 1, -1, -5, 2**64, R // 2, R // 2 + 1, 2**253]


def test_batch_mul_g1_matches_oracle():
    rng = random.Random(21)
    ks = EDGE_SCALARS + [rng.randrange(R) for _ in range(10)] + [rng.randrange(2**30)]
    got = batch_mul_g1(G1_GEN, ks)
    assert got == [oracle_g1(k) for k in ks]
    base = oracle_g1(777)
    assert batch_mul_g1(base, ks[:8]) == [oracle_g1(777 * k) for k in ks[:8]]


def test_batch_mul_g2_matches_oracle():
    rng = random.Random(22)
    ks = EDGE_SCALARS[:8] + [rng.randrange(R) for _ in range(4)]
    base = oracle_g2(4242)
    assert batch_mul_g2(base, ks) == [oracle_g2(4242 * k) for k in ks]
    assert batch_mul_g2(G2_GEN, [5, 0]) == [oracle_g2(5), None]


def test_batch_mul_edge_cases():
    assert batch_mul_g1(G1_GEN, []) == []
    assert batch_mul_g1(G1_GEN, [0, R, -R]) == [None, None, None]
    assert batch_mul_g1(None, [1, 2]) == [None, None]
    assert batch_mul_g2(None, [3]) == [None]
    assert batch_mul_g1(G1_GEN, [1]) == [G1_GEN]
    out = batch_mul_g1(G1_GEN, [123])
    assert all(type(c) is int for c in out[0])


@SETTINGS
@given(
    st.integers(2, 12),
    st.lists(st.one_of(st.integers(-(2**260), 2**260), st.sampled_from([0, 1, R - 1, R // 2])),
             min_size=1, max_size=6),
)
def test_batch_mul_g1_any_window(c, ks):
    """Every window size, including carries out of the top signed digit."""
    original = fixed_base.window_size
    fixed_base.window_size = lambda n, bits=0: c
    try:
        got = batch_mul_g1(G1_GEN, ks)
    finally:
        fixed_base.window_size = original
    assert got == [g1.mul(G1_GEN, k) for k in ks]
    assert got[0] == oracle_g1(ks[0])


def test_window_size_grows_with_n():
    sizes = [fixed_base.window_size(n) for n in (1, 16, 256, 4096, 65536)]
    assert sizes == sorted(sizes)
    assert 2 <= sizes[0] and sizes[-1] <= fixed_base._MAX_WINDOW


# --------------------------------------------------------------- without gmpy2 (ints)

FALLBACK_SCRIPT = textwrap.dedent(
    """
    import random
    from py_ecc import optimized_bn128 as o
    from zkanchor.bn254 import g1, g2, ntt
    from zkanchor.bn254.constants import G1_GEN, G2_GEN, R
    from zkanchor.bn254.fixed_base import batch_mul_g1, batch_mul_g2
    from zkanchor.bn254.msm import msm_g1, msm_g2
    from zkanchor.bn254.pairing import from_py_ecc_g1, from_py_ecc_g2

    assert g1._fast is int and g2._PF.__class__ is int
    rng = random.Random(1)
    logs = [rng.randrange(R) for _ in range(40)]
    pts = batch_mul_g1(G1_GEN, logs)
    assert pts[:3] == [from_py_ecc_g1(o.multiply(o.G1, a)) for a in logs[:3]]
    ks = [rng.choice([0, 1, -1, rng.randrange(R), rng.randrange(2**30)]) for _ in pts]
    want = from_py_ecc_g1(o.multiply(o.G1, sum(a * k for a, k in zip(logs, ks)) % R))
    assert msm_g1(pts + [pts[0]], ks + [5]) == g1.add(want, g1.mul(pts[0], 5))
    q = batch_mul_g2(G2_GEN, logs[:6])
    want2 = from_py_ecc_g2(o.multiply(o.G2, sum(a * k for a, k in zip(logs[:6], ks)) % R))
    assert msm_g2(q, ks[:6]) == want2
    assert g2.is_in_subgroup(q[0])
    d = ntt.Domain(16)
    v = [rng.randrange(R) for _ in range(16)]
    assert d.intt(d.ntt(v)) == v and d.coset_intt(d.coset_ntt(v)) == v
    e = d.ntt(v)
    x = pow(d.omega, 3, R)
    assert e[3] == sum(c * pow(x, i, R) for i, c in enumerate(v)) % R
    assert all(type(c) is int for c in e)
    print("fallback ok")
    """
)


def test_pure_int_fallback_without_gmpy2():
    env = dict(os.environ, ZKANCHOR_NO_GMPY2="1", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "fallback ok" in done.stdout
