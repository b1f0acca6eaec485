"""The native kernel against py_ecc (the reference) and the pure-Python backend.

py_ecc is slow (~5 ms per G1 and ~25 ms per G2 multiplication), so large cases use
points with known discrete logs: if P_i = k_i * G then sum s_i P_i = (sum s_i k_i) * G,
which costs py_ecc a single multiplication.  The bases themselves come from the
kernel's fixed-base path, which is checked point by point against py_ecc first.
"""

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
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R, ROOT_OF_UNITY_2_28

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE,
    reason=f"native kernel not built: {native.LOAD_ERROR} "
    "(run `python setup.py build_ext --inplace`)",
)

try:
    from zkanchor.bn254 import msm as pure_msm
except ImportError:  # the pure backend is written in parallel; compare when it lands
    pure_msm = None
try:
    from zkanchor.bn254 import fixed_base as pure_fixed_base
except ImportError:
    pure_fixed_base = None
try:
    from zkanchor.bn254 import ntt as pure_ntt
except ImportError:
    pure_ntt = None

REPO = Path(__file__).resolve().parents[1]
rng = random.Random(20240601)

# The kernel is built twice: portable C and BMI2/ADX assembly multiplication.
# Every test runs on each build this CPU can execute.
ARITHS = ["portable"] + (["adx"] if native.AVAILABLE and native._kernel.has_adx() else [])


@pytest.fixture(scope="module", autouse=True, params=ARITHS)
def arith(request):
    before = native._kernel.get_arith()
    native._kernel.set_arith(request.param)
    yield request.param
    native._kernel.set_arith(before)


# ---- conversions between our tuples and py_ecc's projective points ----------

def g1_to_ecc(p):
    return ob.Z1 if p is None else (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())


def g2_to_ecc(p):
    if p is None:
        return ob.Z2
    (x0, x1), (y0, y1) = p
    return (ob.FQ2([x0, x1]), ob.FQ2([y0, y1]), ob.FQ2.one())


def g1_from_ecc(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (int(x), int(y))


def g2_from_ecc(p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def ref_msm(points, scalars, to_ecc, from_ecc, zero):
    acc = zero
    for p, s in zip(points, scalars):
        acc = ob.add(acc, ob.multiply(to_ecc(p), s % R))
    return from_ecc(acc)


def ref_msm_g1(points, scalars):
    return ref_msm(points, scalars, g1_to_ecc, g1_from_ecc, ob.Z1)


def ref_msm_g2(points, scalars):
    return ref_msm(points, scalars, g2_to_ecc, g2_from_ecc, ob.Z2)


def g1_mul(k):
    return g1_from_ecc(ob.multiply(ob.G1, k % R))


def g2_mul(k):
    return g2_from_ecc(ob.multiply(ob.G2, k % R))


def g1_neg(p):
    return None if p is None else (p[0], (-p[1]) % P)


def g2_neg(p):
    return None if p is None else (p[0], ((-p[1][0]) % P, (-p[1][1]) % P))


# A small pool of points with known logs, shared by many tests (py_ecc is slow).
G1_LOGS = [rng.randrange(1, R) for _ in range(6)]
G1_POOL = [g1_mul(k) for k in G1_LOGS]
G2_LOGS = [rng.randrange(1, R) for _ in range(3)]
G2_POOL = [g2_mul(k) for k in G2_LOGS]


def scalar_mix(n, seed):
    """Witness-like scalars: mostly 0/1, some small, a few full-size and edge values."""
    r = random.Random(seed)
    out = []
    for _ in range(n):
        u = r.random()
        if u < 0.35:
            out.append(0)
        elif u < 0.7:
            out.append(1)
        elif u < 0.85:
            out.append(r.randrange(1 << r.choice((2, 8, 16, 40))))
        elif u < 0.9:
            out.append(R - 1 - r.randrange(4))
        else:
            out.append(r.randrange(R))
    return out


# ---- G1 MSM -------------------------------------------------------------------

def test_single_point_multiplication_g1():
    for s in [0, 1, 2, 3, 7, 2**64 - 1, 2**64, 2**128 + 5, R - 1, R, R + 1, -1, rng.randrange(R)]:
        assert native.msm_g1([G1_GEN], [s]) == g1_mul(s), s


def test_random_msm_g1_matches_py_ecc():
    for n in (2, 3, 17):
        pts = [rng.choice(G1_POOL) if rng.random() < 0.5 else g1_mul(rng.randrange(R)) for _ in range(n)]
        scs = [rng.randrange(R) for _ in range(n)]
        assert native.msm_g1(pts, scs) == ref_msm_g1(pts, scs)


def test_msm_g1_edge_cases():
    p, q = G1_POOL[0], G1_POOL[1]
    assert native.msm_g1([], []) is None
    assert native.msm_g1([None], [5]) is None
    assert native.msm_g1([p], [0]) is None
    assert native.msm_g1([p, None, q], [0, 9, 0]) is None
    assert native.msm_g1([p, g1_neg(p)], [1, 1]) is None                    # P + (-P)
    assert native.msm_g1([p, g1_neg(p)], [5, 5]) is None
    assert native.msm_g1([p, g1_neg(p), p], [1, 1, 1]) == p                 # infinity inside a bucket
    assert native.msm_g1([p, p], [1, 1]) == g1_mul(2 * G1_LOGS[0])          # doubling in a bucket
    assert native.msm_g1([p, p, p], [3, 3, 3]) == g1_mul(9 * G1_LOGS[0])
    assert native.msm_g1([p], [R - 1]) == g1_neg(p)
    assert native.msm_g1([p, q], [R - 1, R - 1]) == g1_neg(ref_msm_g1([p, q], [1, 1]))
    assert native.msm_g1([p, p], [R - 1, 1]) is None
    assert native.msm_g1([p, q], [R, 2 * R]) is None


def test_msm_g1_repeated_points_and_bits():
    pts = [G1_POOL[i % 3] for i in range(40)]
    scs = scalar_mix(40, 1)
    assert native.msm_g1(pts, scs) == ref_msm_g1(pts, scs)


def _known_log_bases_g1(n, seed):
    r = random.Random(seed)
    logs = [r.randrange(1, R) for _ in range(n)]
    return logs, native.batch_mul_g1(G1_GEN, logs)


@pytest.mark.parametrize("n", [1000, 1025, 2600])
def test_msm_g1_large_known_logs(n, monkeypatch):
    # 3 threads gives uneven chunks; n is not a power of two
    monkeypatch.setenv("ZKANCHOR_THREADS", "3")
    logs, pts = _known_log_bases_g1(n, n)
    for i in rng.sample(range(n), 3):
        assert pts[i] == g1_mul(logs[i])
    pts[5] = pts[6]                          # a repeated point
    logs[5] = logs[6]
    pts[7] = None
    logs[7] = 0
    for scs in (scalar_mix(n, n), [rng.randrange(2) for _ in range(n)], [rng.randrange(R) for _ in range(n)]):
        expect = g1_mul(sum(s * k for s, k in zip(scs, logs)))
        assert native.msm_g1(pts, scs) == expect


def test_msm_g1_one_window_per_group(monkeypatch):
    # above 2^13 contributing points per thread every window is reduced on its own
    monkeypatch.setenv("ZKANCHOR_THREADS", "1")
    n = 8300
    logs, pts = _known_log_bases_g1(n, 99)
    for scs in ([rng.randrange(R) for _ in range(n)], [R - 1 - rng.randrange(1 << 20) for _ in range(n)]):
        assert native.msm_g1(pts, scs) == g1_mul(sum(s * k for s, k in zip(scs, logs)))


def test_msm_g1_small_scalars_split_into_chunks(monkeypatch):
    # few windows: threads split the points instead, at equal estimated work
    # (the first half is zeros and bits, the second half 20-bit values)
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    n = 18000
    logs, pts = _known_log_bases_g1(n, 7)
    scs = [rng.randrange(2) for _ in range(n // 2)] + [rng.randrange(1 << 20) for _ in range(n - n // 2)]
    scs[-1] = R - 12345                       # a negative small value stays small
    assert native.msm_g1(pts, scs) == g1_mul(sum(s * k for s, k in zip(scs, logs)))


def test_msm_all_ones_single_bucket():
    # every point lands in one bucket: a deep pairwise reduction with repeats
    logs = [G1_LOGS[i % 4] for i in range(1500)]
    pts = [G1_POOL[i % 4] for i in range(1500)]
    assert native.msm_g1(pts, [1] * 1500) == g1_mul(sum(logs))


def test_packed_inputs_accept_buffers():
    import numpy as np

    pts = [G1_POOL[i % 6] for i in range(10)]
    scs = scalar_mix(10, 11)
    expect = ref_msm_g1(pts, scs)
    packed = native.pack_g1(pts)
    as_limbs = np.frombuffer(packed, dtype=np.uint64)      # e.g. a proving key kept in numpy
    assert native.msm_g1_packed(as_limbs, scs) == expect
    raw = native.pack_scalars(scs)
    assert native.msm_g1_packed(packed, memoryview(raw)) == expect
    # raw scalar bytes >= r are reduced in C, like ints in pack_scalars
    big = b"".join((s + R).to_bytes(32, "little") for s in scs)
    assert native.msm_g1_packed(packed, big) == expect


def test_msm_rejects_bad_input():
    with pytest.raises(ValueError):
        native.msm_g1([G1_GEN, G1_GEN], [1])
    with pytest.raises(ValueError):
        native.msm_g1([(P, 2)], [1])
    with pytest.raises(ValueError):
        native.msm_g1([(-1, 2)], [1])
    with pytest.raises(ValueError):  # packed form is checked in C
        native.msm_g1_packed(P.to_bytes(32, "little") + bytes(32), [1])
    with pytest.raises(ValueError):
        native.msm_g1_packed(bytes(63), [1])


# ---- G2 MSM -------------------------------------------------------------------

def test_single_point_multiplication_g2():
    for s in [0, 1, 2, R - 1, rng.randrange(R)]:
        assert native.msm_g2([G2_GEN], [s]) == g2_mul(s), s


def test_msm_g2_matches_py_ecc_and_edges():
    p, q, t = G2_POOL
    pts = [p, q, None, t, p]
    scs = [rng.randrange(R), 1, 7, 0, 12345]
    assert native.msm_g2(pts, scs) == ref_msm_g2(pts, scs)
    assert native.msm_g2([], []) is None
    assert native.msm_g2([p, g2_neg(p)], [3, 3]) is None
    assert native.msm_g2([p, p], [1, 1]) == g2_mul(2 * G2_LOGS[0])
    assert native.msm_g2([p], [R - 1]) == g2_neg(p)
    assert native.msm_g2([p, g2_neg(p), p], [1, 1, 1]) == p


def test_msm_g2_large_known_logs(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    n = 1100
    logs = [rng.randrange(1, R) for _ in range(n)]
    pts = native.batch_mul_g2(G2_GEN, logs)
    assert pts[3] == g2_mul(logs[3])
    for scs in (scalar_mix(n, 7), [rng.randrange(R) for _ in range(n)]):
        assert native.msm_g2(pts, scs) == g2_mul(sum(s * k for s, k in zip(scs, logs)))


# ---- fixed base ---------------------------------------------------------------

EDGE_SCALARS = [0, 1, 2, 3, 255, 256, 2**64 - 1, 2**200 + 1, R - 2, R - 1, R, R + 3, -5]


def test_batch_mul_g1_matches_py_ecc():
    scs = EDGE_SCALARS + [rng.randrange(R) for _ in range(8)]
    base = G1_POOL[2]
    assert native.batch_mul_g1(base, scs) == [g1_from_ecc(ob.multiply(g1_to_ecc(base), s % R)) for s in scs]
    assert native.batch_mul_g1(None, [1, 2]) == [None, None]
    assert native.batch_mul_g1(base, []) == []
    assert native.batch_mul_g1(base, [0, 0]) == [None, None]


def test_batch_mul_g1_many_small_scalars_threads(monkeypatch):
    # enough digits to be split across threads; small values, repeats and zeros
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    scs = [(i * 7919) % (1 << 20) if i % 5 else i % 3 for i in range(6000)]
    out = native.batch_mul_g1(G1_GEN, scs)
    for i in rng.sample(range(6000), 8) + [0, 1, 2, 5999]:
        assert out[i] == g1_mul(scs[i])


def test_batch_mul_g2_matches_py_ecc():
    scs = [0, 1, 2, R - 1, rng.randrange(R), 2**70 + 3]
    assert native.batch_mul_g2(G2_GEN, scs) == [g2_mul(s) for s in scs]
    assert native.batch_mul_g2(None, [3]) == [None]


# ---- NTT ----------------------------------------------------------------------

def root(n):
    return pow(ROOT_OF_UNITY_2_28, (1 << 28) // n, R)


def naive_eval(coeffs, points):
    return [sum(c * pow(x, j, R) for j, c in enumerate(coeffs)) % R for x in points]


@pytest.mark.parametrize("n", [1, 2, 4, 8, 32])
def test_ntt_matches_naive_dft(n):
    a = [rng.randrange(R) for _ in range(n)]
    w = root(n)
    assert native.ntt(a) == naive_eval(a, [pow(w, i, R) for i in range(n)])
    assert native.coset_ntt(a) == naive_eval(a, [5 * pow(w, i, R) % R for i in range(n)])
    assert native.intt(native.ntt(a)) == a
    assert native.coset_intt(native.coset_ntt(a)) == a


def _ref_ntt(a, w):
    # plain recursive Cooley-Tukey, an independent O(n log n) reference
    if len(a) == 1:
        return list(a)
    even, odd = _ref_ntt(a[0::2], w * w % R), _ref_ntt(a[1::2], w * w % R)
    out, half, t = [0] * len(a), len(a) // 2, 1
    for i in range(half):
        x = t * odd[i] % R
        out[i], out[i + half] = (even[i] + x) % R, (even[i] - x) % R
        t = t * w % R
    return out


@pytest.mark.parametrize("threads", ["1", "2", "4"])
def test_ntt_large_threaded(threads, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", threads)
    n = 1 << 13
    a = [rng.randrange(R) for _ in range(n)]
    assert native.ntt(a) == _ref_ntt(a, root(n))
    shifted = [x * pow(5, j, R) % R for j, x in enumerate(a)]
    assert native.coset_ntt(a) == _ref_ntt(shifted, root(n))
    assert native.intt(native.ntt(a)) == a
    assert native.coset_intt(native.coset_ntt(a)) == a


def test_ntt_packed_chains_and_checks_range():
    a = [rng.randrange(R) for _ in range(64)]
    packed = native.pack_scalars(a)
    back = native.ntt_packed(native.ntt_packed(packed, coset=True), inverse=True, coset=True)
    assert back == packed
    assert native.unpack_ints(native.ntt_packed(packed)) == native.ntt(a)
    with pytest.raises(ValueError):
        native.ntt_packed(R.to_bytes(32, "little") + bytes(32))
    with pytest.raises(ValueError):
        native.ntt_packed(bytes(96))


def test_ntt_rejects_bad_sizes_and_reduces_inputs():
    with pytest.raises(ValueError):
        native.ntt([])
    with pytest.raises(ValueError):
        native.ntt([1, 2, 3])
    assert native.ntt([R + 1, -1]) == [0, 2]


def test_concurrent_calls_from_python_threads():
    # the GIL is released inside the kernel: calls must not share mutable state
    from concurrent.futures import ThreadPoolExecutor

    logs, pts = _known_log_bases_g1(600, 5)
    jobs = [scalar_mix(600, seed) for seed in range(6)]
    sizes = [1 << k for k in (4, 11, 12, 13, 11, 4)]
    vecs = [[rng.randrange(R) for _ in range(n)] for n in sizes]
    with ThreadPoolExecutor(max_workers=6) as pool:
        msms = list(pool.map(lambda scs: native.msm_g1(pts, scs), jobs))
        ntts = list(pool.map(native.ntt, vecs))
    for scs, got in zip(jobs, msms):
        assert got == g1_mul(sum(s * k for s, k in zip(scs, logs)))
    for v, got in zip(vecs, ntts):
        assert native.intt(got) == v


# ---- marshalling ---------------------------------------------------------------

def test_pack_scalars_reduces_like_python():
    import numpy as np

    vals = [0, 1, True, R - 1, R, R + 5, -1, -R - 3, 2**300 + 7, np.int64(-4), np.uint8(200)]
    expect = b"".join((int(v) % R).to_bytes(32, "little") for v in vals)
    assert native.pack_scalars(vals) == expect
    assert native.pack_scalars([]) == b""
    with pytest.raises(TypeError):
        native.pack_scalars([1.5])
    with pytest.raises(TypeError):
        native.pack_scalars(["3"])


def test_pack_unpack_points_roundtrip_and_errors():
    g1s = [G1_POOL[0], None, G1_GEN, (0, 0)]
    data = native.pack_g1(g1s)
    assert data == b"".join(bytes(64) if p is None else
                            p[0].to_bytes(32, "little") + p[1].to_bytes(32, "little") for p in g1s)
    assert native.unpack_g1(data) == [G1_POOL[0], None, G1_GEN, None]   # (0, 0) is the infinity code
    g2s = [G2_POOL[1], None, G2_GEN]
    assert native.unpack_g2(native.pack_g2(g2s)) == g2s
    assert native.unpack_ints(native.pack_scalars([5, R - 1])) == [5, R - 1]
    for bad in ([(P, 1)], [(1, -2)], [(1,)], [(1, 2, 3)], [5], [(1.0, 2)]):
        with pytest.raises((ValueError, TypeError)):
            native.pack_g1(bad)
    with pytest.raises(ValueError):
        native.pack_g2([((1, P), (2, 3))])
    with pytest.raises(ValueError):
        native.unpack_g1(bytes(65))
    with pytest.raises(ValueError):
        native.unpack_ints(bytes(31))


# ---- against the pure-Python backend -------------------------------------------

@pytest.mark.skipif(pure_msm is None, reason="zkanchor.bn254.msm not importable yet")
def test_against_pure_msm():
    pts = [G1_POOL[i % 6] for i in range(50)] + [None]
    scs = scalar_mix(51, 3)
    assert native.msm_g1(pts, scs) == pure_msm.msm_g1(pts, scs)
    pts2 = [G2_POOL[i % 3] for i in range(12)]
    scs2 = scalar_mix(12, 4)
    assert native.msm_g2(pts2, scs2) == pure_msm.msm_g2(pts2, scs2)


@pytest.mark.skipif(pure_fixed_base is None, reason="zkanchor.bn254.fixed_base not importable yet")
def test_against_pure_fixed_base():
    scs = EDGE_SCALARS + scalar_mix(30, 5)
    assert native.batch_mul_g1(G1_POOL[0], scs) == pure_fixed_base.batch_mul_g1(G1_POOL[0], scs)
    assert native.batch_mul_g2(G2_GEN, scs[:6]) == pure_fixed_base.batch_mul_g2(G2_GEN, scs[:6])


@pytest.mark.skipif(pure_ntt is None, reason="zkanchor.bn254.ntt not importable yet")
def test_against_pure_ntt():
    for n in (1, 2, 64, 1024):
        d = pure_ntt.Domain(n)
        a = [rng.randrange(R) for _ in range(n)]
        assert native.ntt(a) == d.ntt(a)
        assert native.intt(a) == d.intt(a)
        assert native.coset_ntt(a) == d.coset_ntt(a)
        assert native.coset_intt(a) == d.coset_intt(a)


# ---- properties ----------------------------------------------------------------

scalars_st = st.one_of(
    st.sampled_from([0, 1, 2, R - 1, R, -1]),
    st.integers(0, 2**16),
    st.integers(1, 2**16).map(lambda v: R - v),   # negative fixed-point values
    st.integers(0, R - 1),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-1, len(G1_POOL) - 1), st.booleans(), scalars_st), max_size=24))
def test_property_msm_g1(terms):
    # index -1 is the point at infinity; the boolean negates the point
    pts, logs, scs = [], [], []
    for idx, neg, s in terms:
        k = 0 if idx < 0 else (-G1_LOGS[idx] if neg else G1_LOGS[idx])
        pts.append(None if idx < 0 else (g1_neg(G1_POOL[idx]) if neg else G1_POOL[idx]))
        logs.append(k)
        scs.append(s)
    got = native.msm_g1(pts, scs)
    assert got == g1_mul(sum(s * k for s, k in zip(scs, logs)))
    if pure_msm is not None:
        assert got == pure_msm.msm_g1(pts, scs)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-1, len(G2_POOL) - 1), scalars_st), max_size=10))
def test_property_msm_g2(terms):
    pts = [None if i < 0 else G2_POOL[i] for i, _ in terms]
    scs = [s for _, s in terms]
    got = native.msm_g2(pts, scs)
    assert got == g2_mul(sum(s * (0 if i < 0 else G2_LOGS[i]) for i, s in terms))
    if pure_msm is not None:
        assert got == pure_msm.msm_g2(pts, scs)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6).flatmap(lambda k: st.lists(st.integers(0, R - 1), min_size=1 << k, max_size=1 << k)))
def test_property_ntt_roundtrip_and_linearity(a):
    n = len(a)
    assert native.intt(native.ntt(a)) == a
    assert native.coset_intt(native.coset_ntt(a)) == a
    b = [(3 * x + 1) % R for x in a]
    fa, fb = native.ntt(a), native.ntt(b)
    ones = native.ntt([1] * n)
    assert fb == [(3 * x + y) % R for x, y in zip(fa, ones)]
    if pure_ntt is not None:
        assert native.ntt(a) == pure_ntt.Domain(n).ntt(a)


def test_without_extension_wrappers_explain_themselves():
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'zkanchor.native._kernel': raise ImportError('blocked for the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from zkanchor import native\n"
        "assert native.AVAILABLE is False and 'blocked for the test' in native.LOAD_ERROR\n"
        "try:\n"
        "    native.msm_g1([(1, 2)], [1])\n"
        "except RuntimeError as exc:\n"
        "    assert 'not loaded' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


# ---- the build falls back instead of failing ------------------------------------

def test_broken_compiler_falls_back(tmp_path):
    (tmp_path / "zkanchor" / "native").mkdir(parents=True)
    for src in (REPO / "zkanchor" / "native").glob("*.c"):
        (tmp_path / "zkanchor" / "native" / src.name).write_text("this is not C\n")
    (tmp_path / "setup.py").write_text((REPO / "setup.py").read_text())
    env = dict(os.environ, CC="false")
    proc = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "native kernel not built" in line]
    assert len(notes) == 1, proc.stderr
    assert "pure-Python backend" in notes[0]
    assert not list(tmp_path.rglob("*.so"))
