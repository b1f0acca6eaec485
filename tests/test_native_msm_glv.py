"""The native MSM's GLV split and signed scalars, against the pure-Python MSM and py_ecc.

The kernel replaces a scalar s > r/2 by r - s on the negated point, and splits every
scalar still longer than 128 bits as s = k1 + k2 lambda (mod r) over P and
phi(P) = (beta x, y) = lambda P, with |k1|, |k2| < 2^128.  What can go wrong is at the
edges: the sign fold (r - 1, r - 2, small negatives), the 128-bit threshold
(2^128 - 1 is not split, 2^128 + 1 is), the rounding of the lattice coefficients
(scalars where s b2 / r or s |b1| / r is nearly an integer, the lattice vectors
themselves, lambda and its multiples), and points the buckets must treat specially
(infinity, a point repeated, a point next to its negation, so that phi(P) and P or
-P land in one bucket).

References: ``zkanchor.bn254.msm`` (pure Python) on small inputs, py_ecc on a few, and
for large inputs points with known discrete logs (P_i = k_i G, so the sum is
(sum s_i k_i) G: one py_ecc multiplication).  Every test runs on the portable and on
the BMI2/ADX build, with the thread counts that take the shared-window and the
chunked paths, and with ``ZKANCHOR_MSM_GLV=0`` (the MSM without the split) as well.
"""

import functools
import random

import pytest
from py_ecc import optimized_bn128 as ob

from zkanchor import native
from zkanchor.bn254 import msm as pure_msm
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE,
    reason=f"native kernel not built: {native.LOAD_ERROR} (run `python setup.py build_ext --inplace`)",
)

rng = random.Random(20240917)

ARITHS = ["portable"] + (["adx"] if native.AVAILABLE and native._kernel.has_adx() else [])

LAMBDA = 0xB3C4D79D41A917585BFC41088D8DAAA78B17EA66B99C90DD   # phi = lambda on G1 and G2
B2 = 9931322734385697763                                        # the short lattice basis:
B1 = 147946756881789319000765030803803410728                    # v1 = (B2, -B1), v2 = (B1 + B2, B2)
assert (LAMBDA * LAMBDA + LAMBDA + 1) % R == 0
assert (B2 - B1 * LAMBDA) % R == 0 and (B1 + B2 + B2 * LAMBDA) % R == 0


def _near_lattice_edges(r, count):
    """Scalars where floor(s b / r) changes, for b = B2 and B1: the split's rounding flips there."""
    out = []
    for _ in range(count):
        for b, top in ((B2, B2), (B1, B1)):
            k = r.randrange(1, top)
            s = k * R // b
            out += [s - 1, s, s + 1]
    return out


EDGE_SCALARS = [
    0, 1, 2, 3, R - 1, R - 2, R - 3, R, R + 1, 2 * R - 1, -1, -2, -(1 << 20),
    (1 << 128) - 1, 1 << 128, (1 << 128) + 1, R - (1 << 128) + 1, R - (1 << 128) - 1,
    (1 << 127) - 1, 1 << 129, R // 2, R // 2 + 1, R // 2 - 1, (1 << 253) - 1, 1 << 253,
    LAMBDA, R - LAMBDA, LAMBDA * LAMBDA % R, LAMBDA + 1, LAMBDA - 1, 2 * LAMBDA % R,
    B1, B2, B1 + B2, R - B1, R - B2, R - B1 - B2, B1 * LAMBDA % R, B2 * LAMBDA % R,
    (B1 + B2) * LAMBDA % R, B1 << 1, (B1 * B2) % R, (B1 * B1) % R,
]


@pytest.fixture(autouse=True, params=ARITHS)
def arith(request):
    before = native._kernel.get_arith()
    native._kernel.set_arith(request.param)
    yield request.param
    native._kernel.set_arith(before)


@pytest.fixture(params=["glv", "no-glv"])
def glv(request, monkeypatch):
    if request.param == "no-glv":
        monkeypatch.setenv("ZKANCHOR_MSM_GLV", "0")
    else:
        monkeypatch.delenv("ZKANCHOR_MSM_GLV", raising=False)
    return request.param


# ---- helpers ---------------------------------------------------------------------

GROUPS = {
    1: dict(gen=G1_GEN, pack=native.pack_g1, unpack=native.unpack_g1, batch=native.batch_mul_g1,
            msm=lambda pts, sc, t: native._kernel.msm_g1(pts, sc, t), pure=pure_msm.msm_g1,
            ecc_gen=ob.G1, zero=ob.Z1),
    2: dict(gen=G2_GEN, pack=native.pack_g2, unpack=native.unpack_g2, batch=native.batch_mul_g2,
            msm=lambda pts, sc, t: native._kernel.msm_g2(pts, sc, t), pure=pure_msm.msm_g2,
            ecc_gen=ob.G2, zero=ob.Z2),
}


def from_ecc(group, p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    if group == 1:
        return (int(x), int(y))
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def to_ecc(group, p):
    if p is None:
        return GROUPS[group]["zero"]
    if group == 1:
        return (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())
    return (ob.FQ2(list(p[0])), ob.FQ2(list(p[1])), ob.FQ2.one())


def neg(group, p):
    if p is None:
        return None
    if group == 1:
        return (p[0], -p[1] % P)
    return (p[0], (-p[1][0] % P, -p[1][1] % P))


def native_msm(group, points, scalars, threads):
    """The kernel on (points, scalars); scalars as ints reduced mod r, or as raw 32-byte values."""
    g = GROUPS[group]
    sc = scalars if isinstance(scalars, bytes) else native.pack_scalars(scalars)
    return g["unpack"](g["msm"](g["pack"](points), sc, threads))[0]


def raw_scalars(values):
    """32-byte little-endian values as given (not reduced mod r): the kernel reduces them."""
    return b"".join((v % (1 << 256)).to_bytes(32, "little") for v in values)


def known_log_points(group, n, seed):
    r = random.Random(seed)
    logs = [r.randrange(1, R) for _ in range(n)]
    return logs, GROUPS[group]["batch"](GROUPS[group]["gen"], logs)


@functools.lru_cache(maxsize=None)
def mul_gen(group, k):
    """k G by py_ecc (cached: the parametrised tests ask for the same products)."""
    return from_ecc(group, ob.multiply(GROUPS[group]["ecc_gen"], k % R))


THREADS = [1, 2, 16]   # 16 leaves too few windows to share: the input is cut into chunks


# ---- small inputs against the pure-Python MSM --------------------------------------

@pytest.mark.parametrize("group", [1, 2])
def test_edge_scalars_each_alone(group, glv):
    base = mul_gen(group, 0x1234567)
    for s in EDGE_SCALARS:
        expect = mul_gen(group, 0x1234567 * s % R)
        assert native_msm(group, [base], [s % R], 1) == expect, hex(s % R)


@pytest.mark.parametrize("group", [1, 2])
def test_edge_and_lattice_scalars_together(group, glv):
    r = random.Random(group)
    scalars = EDGE_SCALARS + _near_lattice_edges(r, 12 if group == 1 else 6)
    scalars += [R - r.randrange(1, 1 << r.choice((1, 8, 20, 40, 64))) for _ in range(12)]   # small negatives
    scalars += [r.randrange(R) for _ in range(12)]
    logs, pts = known_log_points(group, 24, group)
    points = [pts[i % len(pts)] for i in range(len(scalars))]   # every point repeated
    points[3] = None
    points[4] = neg(group, points[5])
    expect = GROUPS[group]["pure"](points, scalars)
    for t in THREADS:
        assert native_msm(group, points, scalars, t) == expect


@pytest.mark.parametrize("group", [1, 2])
def test_point_meets_its_endomorphism_image(group, glv):
    """s and s * lambda on P and -P: the halves put P, -P, phi(P), -phi(P) into the same buckets."""
    logs, (p, q) = known_log_points(group, 2, 7 + group)
    pairs = []
    for k in (1, 2, (1 << 100) + 3, B2, B1):
        for s in (k, k * LAMBDA, (B1 + B2) * k + k * LAMBDA, R - k * LAMBDA % R):
            pairs += [(p, s % R), (neg(group, p), s % R), (q, (R - s) % R)]
    points, scalars = [x for x, _ in pairs], [s for _, s in pairs]
    expect = GROUPS[group]["pure"](points, scalars)
    for t in THREADS:
        assert native_msm(group, points, scalars, t) == expect
    # s P + (r - s) P is infinity however s is split
    for s in EDGE_SCALARS[:20]:
        assert native_msm(group, [p, p], [s % R, (-s) % R], 1) is None


@pytest.mark.parametrize("group", [1, 2])
def test_unreduced_scalar_bytes(group, glv):
    logs, pts = known_log_points(group, 6, 30 + group)
    values = [(1 << 256) - 1, R + LAMBDA, 2 * R - 1, 5 * R + 7, R + (1 << 128) + 1, (1 << 255) + 12345]
    expect = GROUPS[group]["pure"](pts, [v % R for v in values])
    assert native_msm(group, pts, raw_scalars(values), 2) == expect


def test_a_few_against_py_ecc(glv):
    """The pure-Python reference itself checked against py_ecc's double-and-add."""
    for group in (1, 2):
        logs, pts = known_log_points(group, 4, 50 + group)
        scalars = [R - 1, (1 << 128) + 1, LAMBDA, R - 12345]
        acc = GROUPS[group]["zero"]
        for p, s in zip(pts, scalars):
            acc = ob.add(acc, ob.multiply(to_ecc(group, p), s))
        expect = from_ecc(group, acc)
        assert GROUPS[group]["pure"](pts, scalars) == expect
        assert native_msm(group, pts, scalars, 1) == expect


# ---- large inputs: points with known logs -------------------------------------------------

def witness_like(r, n):
    """Bits, small signed fixed-point values (negatives as r - |v|) and ~25% full-size values."""
    out = []
    for _ in range(n):
        u = r.random()
        if u < 0.45:
            out.append(r.randrange(2))
        elif u < 0.75:
            out.append(r.randrange(-(1 << r.choice((8, 16, 24))), 1 << r.choice((8, 16, 24))) % R)
        else:
            out.append(r.randrange(R))
    return out


@pytest.mark.parametrize("group,n", [(1, 3000), (2, 1200)])
def test_large_known_logs(group, n, glv):
    r = random.Random(n)
    logs, pts = known_log_points(group, n, n)
    for i in r.sample(range(n), 2):
        assert pts[i] == mul_gen(group, logs[i])
    pts[10], logs[10] = pts[11], logs[11]                   # repeated
    pts[12], logs[12] = neg(group, pts[13]), R - logs[13]   # next to its negation
    pts[14], logs[14] = None, 0                             # infinity
    cases = [
        [r.randrange(R) for _ in range(n)],                          # full-size: all split
        witness_like(r, n),
        [R - r.randrange(1, 1 << 30) for _ in range(n)],             # small negatives only
        [r.choice(EDGE_SCALARS) % R for _ in range(n)],
    ]
    for scalars in cases:
        expect = mul_gen(group, sum(s * k for s, k in zip(scalars, logs)))
        for t in THREADS:
            assert native_msm(group, pts, scalars, t) == expect
