"""The kernel paths that bound a prover's memory, against the pure-Python references.

- The MSM consumes its input in chunks and carries each window's bucket sums from one
  chunk to the next.  ``ZKANCHOR_MSM_CHUNK`` (read per call) caps a chunk at a few
  points, so small inputs cross chunk boundaries at every size around them (just below,
  at, just above one and several chunks), with the threads' regions of a chunk split
  unevenly; checked against ``zkanchor.bn254.msm`` with edge scalars (0, 1, r - 1,
  small negatives, 128-bit edges, full size), infinity, repeated points and P next to
  -P, on both arithmetic builds, with and without GLV, in the shared-window and the
  per-range (small scalars) layouts.  Larger inputs run with the default chunk size
  (several chunks at 10^5 points) against points with known logs.
- The NTT in the caller's buffer (``ntt_inplace``), with per-call twiddles above 2^16.
- ``fr_sparse_rows`` and ``fr_h_evaluations`` writing into a given buffer, the latter
  with omitted operands (b = 1, c = 0).
- The prover's blockwise witness check and two-buffer h(X) (``backend.check_and_h``)
  and a packed witness end to end: the same proof as from ints.
"""

import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as ob

from zkanchor import backend, native
from zkanchor.bn254 import msm as pure_msm
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R
from zkanchor.bn254.ntt import Domain

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE,
    reason=f"native kernel not built: {native.LOAD_ERROR} (run `python setup.py build_ext --inplace`)",
)

ARITHS = ["portable"] + (["adx"] if native.AVAILABLE and native._kernel.has_adx() else [])
LAMBDA = 0xB3C4D79D41A917585BFC41088D8DAAA78B17EA66B99C90DD


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


GROUPS = {
    1: dict(gen=G1_GEN, pack=native.pack_g1, unpack=native.unpack_g1, batch=native.batch_mul_g1,
            kernel=lambda: native._kernel.msm_g1, pure=pure_msm.msm_g1, ecc_gen=ob.G1),
    2: dict(gen=G2_GEN, pack=native.pack_g2, unpack=native.unpack_g2, batch=native.batch_mul_g2,
            kernel=lambda: native._kernel.msm_g2, pure=pure_msm.msm_g2, ecc_gen=ob.G2),
}


def msm(group, points, scalars, threads):
    g = GROUPS[group]
    return g["unpack"](g["kernel"]()(g["pack"](points), native.pack_scalars(scalars), threads))[0]


def neg(group, p):
    if p is None:
        return None
    return (p[0], -p[1] % P) if group == 1 else (p[0], (-p[1][0] % P, -p[1][1] % P))


def from_ecc(group, p):
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    if group == 1:
        return (int(x), int(y))
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def known_log_points(group, n, seed):
    r = random.Random(seed)
    logs = [r.randrange(1, R) for _ in range(n)]
    return logs, GROUPS[group]["batch"](GROUPS[group]["gen"], logs)


def mul_gen(group, k):
    return from_ecc(group, ob.multiply(GROUPS[group]["ecc_gen"], k % R))


EDGES = [0, 1, 2, R - 1, R - 2, (1 << 128) - 1, 1 << 128, (1 << 128) + 1, R // 2, R // 2 + 1, LAMBDA,
         R - LAMBDA, (1 << 253) + 7]


def scalar_mix(r, n, kind):
    if kind == "full":
        return [r.randrange(R) for _ in range(n)]
    if kind == "small":   # few windows: the per-range layout when threaded
        return [r.choice((0, 1, 1, 2, r.randrange(1 << 12), R - r.randrange(1, 1 << 12))) for _ in range(n)]
    return [r.choice(EDGES) if r.random() < 0.4 else r.randrange(R) for _ in range(n)]


def tricky_points(group, n, seed):
    """n points with infinity, repeats and P next to -P sprinkled in, including at the
    edges of every chunk of 4."""
    _, pts = known_log_points(group, max(n, 4), seed)
    pts = pts[:n]
    for i in range(0, n, 4):
        pts[i] = None if (i // 4) % 3 == 0 else pts[i]
        if i + 1 < n and (i // 4) % 3 == 1:
            pts[i + 1] = neg(group, pts[i])
        if i + 3 < n and (i // 4) % 3 == 2:
            pts[i + 3] = pts[i + 2]
    return pts


# ---- chunk boundaries, against the pure-Python MSM --------------------------------------

CHUNK = 4


@pytest.mark.parametrize("group", [1, 2])
@pytest.mark.parametrize("kind", ["full", "small", "edges"])
def test_sizes_around_chunk_boundaries(group, kind, glv, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_MSM_CHUNK", str(CHUNK))
    r = random.Random(hash((group, kind)) & 0xFFFF)
    pts_all = tricky_points(group, 4 * CHUNK + 1, 90 + group)
    for n in (1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1, 4 * CHUNK + 1):
        pts = pts_all[:n]
        scalars = scalar_mix(r, n, kind)
        expect = GROUPS[group]["pure"](pts, scalars)
        for t in (1, 2, 3):
            assert msm(group, pts, scalars, t) == expect, (n, t)


@pytest.mark.parametrize("group", [1, 2])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_chunk_size_never_changes_the_sum(group, chunk, glv, monkeypatch):
    """Carried bucket sums that cancel (P then -P in later chunks), zero scalars filling
    whole chunks, and a chunk of one point."""
    r = random.Random(chunk * 10 + group)
    logs, pts = known_log_points(group, 40, 300 + group)
    pts = pts + [neg(group, p) for p in pts[:20]]                       # -P in later chunks
    scalars = scalar_mix(r, 40, "edges") + [0] * 5 + [None] * 15
    scalars[45:] = scalars[:15]                                          # ... with the same scalars
    scalars = [s if s is not None else 0 for s in scalars]
    expect = GROUPS[group]["pure"](pts, scalars)
    monkeypatch.delenv("ZKANCHOR_MSM_CHUNK", raising=False)
    assert msm(group, pts, scalars, 2) == expect
    monkeypatch.setenv("ZKANCHOR_MSM_CHUNK", str(chunk))
    for t in (1, 2, 5):
        assert msm(group, pts, scalars, t) == expect


@pytest.mark.parametrize("group", [1, 2])
def test_everything_cancels_across_chunks(group, glv, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_MSM_CHUNK", "3")
    _, pts = known_log_points(group, 10, 400 + group)
    s = [random.Random(group).randrange(R) for _ in range(10)]
    points = pts + pts
    scalars = s + [(R - v) % R for v in s]
    for t in (1, 2):
        assert msm(group, points, scalars, t) is None
    assert msm(group, [None] * 9, s[:9], 2) is None                     # nothing but infinity
    assert msm(group, pts[:9], [0] * 9, 2) is None                      # nothing but zeros


@pytest.mark.parametrize("group", [1, 2])
def test_bad_point_in_a_later_chunk(group, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_MSM_CHUNK", "4")
    _, pts = known_log_points(group, 10, 500)
    buf = bytearray(GROUPS[group]["pack"](pts))
    width = 64 if group == 1 else 128
    buf[9 * width: 9 * width + 32] = (P + 1).to_bytes(32, "little")    # x >= p in the third chunk
    with pytest.raises(ValueError, match="out of range"):
        GROUPS[group]["kernel"]()(bytes(buf), native.pack_scalars([5] * 10), 2)


# ---- the default chunk size, on inputs several chunks long ---------------------------------

@pytest.mark.slow  # several default chunks (1-5 s a case); the small-chunk cases above cross every boundary
@pytest.mark.parametrize("group,n", [(1, 180_000), (2, 100_000)])
def test_default_chunks_known_logs(group, n, glv):
    """At 2 threads a chunk holds ~8 * 10^4 G1 or ~4 * 10^4 G2 full-size points (its
    budget), so these cross two or more boundaries; one chunk holding everything
    (ZKANCHOR_MSM_CHUNK) must give the same sum, and so must the known logs."""
    if glv == "no-glv" and group == 2:
        pytest.skip("the same path as G1 without GLV; G2 at this size is slow without it")
    r = random.Random(n)
    logs, pts = known_log_points(group, n, n + group)
    pts[5], logs[5] = None, 0
    pts[6], logs[6] = pts[7], logs[7]
    scalars = [r.randrange(R) for _ in range(n)]
    scalars[n // 2] = R - 1
    expect = mul_gen(group, sum(s * k for s, k in zip(scalars, logs)))
    buf, sc = GROUPS[group]["pack"](pts), native.pack_scalars(scalars)
    got = GROUPS[group]["unpack"](GROUPS[group]["kernel"]()(buf, sc, 2))[0]
    assert got == expect
    mixed = scalar_mix(r, n, "small")
    expect_small = mul_gen(group, sum(s * k for s, k in zip(mixed, logs)))
    assert GROUPS[group]["unpack"](GROUPS[group]["kernel"]()(buf, native.pack_scalars(mixed), 2))[0] == expect_small


def test_default_chunks_equal_one_chunk(monkeypatch):
    r = random.Random(7)
    n = 170_000
    _, pts = known_log_points(1, n, 8)
    buf = native.pack_g1(pts)
    sc = native.pack_scalars([r.randrange(R) for _ in range(n)])
    chunked = native._kernel.msm_g1(buf, sc, 2)
    monkeypatch.setenv("ZKANCHOR_MSM_CHUNK", str(n))
    assert native._kernel.msm_g1(buf, sc, 2) == chunked
    assert native._kernel.msm_g1(memoryview(buf), memoryview(sc), 1) == chunked   # any buffer


# ---- NTT in place --------------------------------------------------------------------------

@pytest.mark.parametrize("log_n", [0, 1, 3, 10, 16, 17])
def test_ntt_inplace_matches(log_n):
    n = 1 << log_n
    r = random.Random(log_n)
    values = [r.randrange(R) for _ in range(n)]
    packed = native.pack_scalars(values)
    d = Domain(n)
    reference = {(False, False): d.ntt, (True, False): d.intt, (False, True): d.coset_ntt,
                 (True, True): d.coset_intt}
    for (inverse, coset), fn in reference.items():
        expect = fn(values) if log_n <= 16 or (inverse, coset) in ((True, False), (False, True)) else None
        want = native.ntt_packed(packed, inverse, coset)
        if expect is not None:
            assert native.unpack_ints(want) == expect, (inverse, coset)
        buf = bytearray(packed)
        native.ntt_inplace(buf, inverse, coset)
        assert bytes(buf) == want
        odd = bytearray(len(packed) + 1)             # not 8-byte aligned: transformed through a copy
        view = memoryview(odd)[1:]
        view[:] = packed
        native.ntt_inplace(view, inverse, coset)
        assert bytes(view) == want


def test_ntt_inplace_refuses():
    with pytest.raises(ValueError, match="power of two"):
        native.ntt_inplace(bytearray(3 * 32))
    with pytest.raises((TypeError, BufferError)):
        native.ntt_inplace(bytes(64))                 # read-only
    bad = bytearray(native.pack_scalars([1, 2, 3, 4]))
    bad[32:64] = R.to_bytes(32, "little")
    with pytest.raises(ValueError, match="out of range"):
        native.ntt_inplace(bad)


# ---- products written into the caller's buffers ---------------------------------------------

def _csr(r, m, n_wires, coeffs):
    ptr, cols, cidx = [0], [], []
    for _ in range(m):
        k = r.randrange(0, 4)
        cols += sorted(r.sample(range(n_wires), k))
        cidx += [r.randrange(len(coeffs)) for _ in range(k)]
        ptr.append(len(cols))
    return np.array(ptr, dtype=np.int64), np.array(cols, dtype=np.uint32), np.array(cidx, dtype=np.uint32)


def test_sparse_rows_into_a_buffer():
    r = random.Random(3)
    coeffs = [1, R - 1, r.randrange(R), 7]
    ptr, cols, cidx = _csr(r, 50, 20, coeffs)
    values = [r.randrange(R) for _ in range(20)]
    table, packed = native.pack_scalars(coeffs), native.pack_scalars(values)
    want = native.fr_sparse_rows(ptr, cols, cidx, table, packed)
    expect = [sum(coeffs[cidx[k]] * values[cols[k]] for k in range(ptr[i], ptr[i + 1])) % R for i in range(50)]
    assert native.unpack_ints(want) == expect
    out = bytearray(b"\xff" * (32 * 60))
    assert native.fr_sparse_rows(ptr, cols, cidx, table, packed, out=out) is out
    assert bytes(out[: 32 * 50]) == want and out[32 * 50:] == b"\xff" * 320     # the rest untouched
    with pytest.raises(ValueError, match="at least"):
        native.fr_sparse_rows(ptr, cols, cidx, table, packed, out=bytearray(32 * 49))
    with pytest.raises((TypeError, BufferError)):                           # read-only
        native.fr_sparse_rows(ptr, cols, cidx, table, packed, out=bytes(32 * 50))


def test_h_evaluations_in_place_and_omitted_operands():
    r = random.Random(4)
    n, k = 33, r.randrange(R)
    a, b, c = ([r.randrange(R) for _ in range(n)] for _ in range(3))
    pa, pb, pc = (native.pack_scalars(v) for v in (a, b, c))
    cases = {(True, True): [(x * y - z) * k % R for x, y, z in zip(a, b, c)],
             (True, False): [x * y * k % R for x, y in zip(a, b)],
             (False, True): [(x - z) * k % R for x, z in zip(a, c)],
             (False, False): [x * k % R for x in a]}
    for (has_b, has_c), expect in cases.items():
        args = (pa, pb if has_b else None, pc if has_c else None)
        assert native.unpack_ints(native.fr_h_evaluations(*args, k)) == expect
        buf = bytearray(pa)
        assert native.fr_h_evaluations(buf, args[1], args[2], k, out=buf) is buf   # out = a
        assert native.unpack_ints(bytes(buf)) == expect
    with pytest.raises(ValueError, match="same number"):
        native.fr_h_evaluations(pa, pb[:-32], None, k)
    bad = bytearray(pc)
    bad[:32] = R.to_bytes(32, "little")
    with pytest.raises(ValueError, match=r"c\[0\]"):
        native.fr_h_evaluations(pa, None, bytes(bad), k)


# ---- the prover's memory paths -----------------------------------------------------------------

@pytest.fixture(params=["native", "python"])
def backend_choice(request, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_BACKEND", request.param)
    return request.param


def _chain(n, seed=1):
    """x_{i+1} = x_i^2 (full-size values) plus a public end: n constraints, 2 public inputs."""
    from zkanchor.r1cs import ConstraintSystem

    x0 = random.Random(seed).randrange(2, 2**64)
    xs = [x0]
    for _ in range(n - 1):
        xs.append(xs[-1] * xs[-1] % R)
    cs = ConstraintSystem()
    start = cs.public("x0", x0)
    end = cs.public("xn", xs[-1])
    prev = start
    for i in range(1, n):
        nxt = cs.private(f"x{i}", xs[i])
        cs.constrain(prev, prev, nxt, f"square {i}")
        prev = nxt
    cs.assert_equal(prev, end, "end")
    return cs.build(), cs.witness()


def test_check_and_h_matches_h_coefficients(backend_choice, monkeypatch):
    from zkanchor.groth16.qap import domain_for

    monkeypatch.setattr(backend, "CHECK_ROWS", 5)     # several check blocks, the last one short
    r1cs, witness = _chain(23)
    domain = domain_for(r1cs)
    w = backend.pack_witness(witness)
    a, b, c = backend.r1cs_rows(r1cs, w)
    expect = backend.h_coefficients(domain, backend.append_public_rows(a, w, r1cs.n_public), b, c)
    bad, h = backend.check_and_h(r1cs, domain.size, w)
    assert bad is None

    def ints(v):
        return backend.unpack_ints(v) if isinstance(v, backend.PACKED) else [int(x) for x in v]

    assert ints(h) == ints(expect) and len(ints(h)) == domain.size - 1
    for broken in (0, 4, 5, 6, 22):                   # in, at the end of, past a block; the last row
        bent = list(witness)
        bent[r1cs.a.cols[r1cs.a.row_ptr[broken]]] += 1
        got, h = backend.check_and_h(r1cs, domain.size, backend.pack_witness([v % R for v in bent]))
        assert h is None and got == backend.first_unsatisfied(r1cs, [v % R for v in bent])
        assert got <= broken


@pytest.mark.filterwarnings("ignore::zkanchor.groth16.TrustedSetupWarning")
def test_packed_witness_gives_the_same_proof(backend_choice):
    from zkanchor.groth16 import setup, verify
    from zkanchor.groth16.prover import prove
    from zkanchor.r1cs.wtns import decode_wtns_packed, encode_wtns

    r1cs, witness = _chain(12)
    pk = setup(r1cs)
    fixed = (0x1234567, 0x7654321)
    ints = [int(v) for v in witness]
    packed = b"".join(v.to_bytes(32, "little") for v in ints)
    forms = [ints, np.array(ints, dtype=object), packed, bytearray(packed), memoryview(packed),
             np.frombuffer(packed, dtype=np.uint8), decode_wtns_packed(encode_wtns(ints))]
    results = []
    for form in forms:
        it = iter(fixed)
        results.append(prove(pk, r1cs, form, randbelow=lambda _r: next(it)))
    assert all(res == results[0] for res in results)
    proof, public = results[0]
    assert public == ints[1:3] and verify(pk.vk, proof, public)


@pytest.mark.filterwarnings("ignore::zkanchor.groth16.TrustedSetupWarning")
def test_packed_witness_refused_like_ints():
    from zkanchor.errors import InputError
    from zkanchor.groth16 import setup
    from zkanchor.groth16.prover import prove

    r1cs, witness = _chain(6)
    pk = setup(r1cs)
    packed = b"".join(int(v).to_bytes(32, "little") for v in witness)
    with pytest.raises(InputError, match="bytes"):
        prove(pk, r1cs, packed[:-32])
    with pytest.raises(InputError, match="value 3 is not in the field"):
        prove(pk, r1cs, packed[:96] + R.to_bytes(32, "little") + packed[128:])
    with pytest.raises(InputError, match="constant wire"):
        prove(pk, r1cs, (2).to_bytes(32, "little") + packed[32:])
    with pytest.raises(InputError, match="contiguous"):
        prove(pk, r1cs, np.frombuffer(packed * 2, dtype=np.uint8)[::2])
    with pytest.raises(InputError, match="dtype object"):
        prove(pk, r1cs, np.array([int(v) % 2**62 for v in witness], dtype=np.uint64))


@pytest.mark.filterwarnings("ignore::zkanchor.groth16.TrustedSetupWarning")
def test_mapped_key_is_the_same_key(tmp_path):
    """A proving key loaded mapped (what `zkanchor prove` does) holds the same points and
    gives the same proof; its vectors' pages can be handed back and read again."""
    from zkanchor.groth16 import setup, verify
    from zkanchor.groth16.keydir import load_keydir, save_keydir
    from zkanchor.groth16.keyfile import encode_proving_key
    from zkanchor.groth16.keys import PackedPoints
    from zkanchor.groth16.prover import prove

    r1cs, witness = _chain(40)
    save_keydir(tmp_path / "keys", r1cs, setup(r1cs))
    read, mapped = load_keydir(tmp_path / "keys"), load_keydir(tmp_path / "keys", mapped=True)
    vectors = ("a_g1", "b_g1", "b_g2", "l_g1", "h_g1")
    for name in vectors:
        v = getattr(mapped.pk, name)
        assert isinstance(v, PackedPoints) and bytes(v.data) == bytes(getattr(read.pk, name).data)
        if native.AVAILABLE and hasattr(__import__("mmap"), "MADV_DONTNEED"):
            assert v.mapping is not None
        v.release()
        assert bytes(v.data) == bytes(getattr(read.pk, name).data)          # read back after release
    assert encode_proving_key(mapped.pk, b"\1" * 32) == encode_proving_key(read.pk, b"\1" * 32)
    proofs = []
    for keys in (read, mapped):
        it = iter((11, 13))
        proofs.append(prove(keys.pk, keys.r1cs, witness, randbelow=lambda _r: next(it)))
    assert proofs[0] == proofs[1] and verify(read.vk, *proofs[0])


@pytest.mark.filterwarnings("ignore::zkanchor.groth16.TrustedSetupWarning")
def test_mapped_key_checks_everything(tmp_path):
    from zkanchor.errors import FormatError, InputError
    from zkanchor.groth16 import setup
    from zkanchor.groth16.keyfile import _HEADER, load_proving_key, save_proving_key

    r1cs, _ = _chain(20)
    path = tmp_path / "k.zkpk"
    save_proving_key(setup(r1cs), b"\2" * 32, path)
    blob = bytearray(path.read_bytes())
    blob[_HEADER.size + 400] ^= 1                                   # payload no longer matches its hash
    bad = tmp_path / "bad.zkpk"
    bad.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="corrupted"):
        load_proving_key(bad, mapped=True)
    empty = tmp_path / "empty.zkpk"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="truncated"):
        load_proving_key(empty, mapped=True)
    with pytest.raises(InputError, match="does not exist"):
        load_proving_key(tmp_path / "missing.zkpk", mapped=True)
