"""Native R1CS helpers (sparse products, witness checks, Lagrange basis, point checks).

Every kernel is compared with a plain Python reference on ints mod r (or with
zkanchor.bn254 for the curve and the domain), on both builds of the field
arithmetic this CPU can run, with small and threaded (several chunks) inputs.
"""

import array
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from zkanchor import native
from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R
from zkanchor.bn254.ntt import Domain

np = pytest.importorskip("numpy")

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE,
    reason=f"native kernel not built: {native.LOAD_ERROR} (run `python setup.py build_ext --inplace`)",
)

rng = random.Random(20240701)

# The kernel is built twice (portable C and BMI2/ADX multiplication); every test
# runs on each build this CPU can execute, as in test_native_kernel.py.
ARITHS = ["portable"] + (["adx"] if native.AVAILABLE and native._kernel.has_adx() else [])


@pytest.fixture(scope="module", autouse=True, params=ARITHS)
def arith(request):
    before = native._kernel.get_arith()
    native._kernel.set_arith(request.param)
    yield request.param
    native._kernel.set_arith(before)


def pack(values):
    return b"".join((v % R).to_bytes(32, "little") for v in values)


def unpack(data):
    return native.unpack_ints(data)


def le32(v):
    return v.to_bytes(32, "little")


# ---- sparse products ----------------------------------------------------------------

EDGE_FIELD = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, 1 << 200]


def field_values(r, n):
    return [r.choice(EDGE_FIELD) if r.random() < 0.4 else r.randrange(R) for _ in range(n)]


def random_csr(r, m, n, n_coeffs, max_len=6):
    """CSR arrays with empty rows, repeated columns and the coefficient kinds the kernel special-cases."""
    lengths = [0 if r.random() < 0.2 else r.randint(1, max_len) for _ in range(m)]
    row_ptr = np.zeros(m + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(lengths)
    nnz = int(row_ptr[-1])
    cols, cidx = [], []
    for length in lengths:
        row = [r.randrange(n) for _ in range(length)]
        if length > 1 and r.random() < 0.3:
            row[-1] = row[0]                      # a repeated column within the row
        cols += row
        cidx += [r.randrange(n_coeffs) for _ in range(length)]
    coeffs = ([0, 1, R - 1, 2, R - 2] + field_values(r, n_coeffs))[:n_coeffs]
    r.shuffle(coeffs)
    assert len(cols) == nnz
    return row_ptr, np.array(cols, dtype=np.uint32), np.array(cidx, dtype=np.uint32), coeffs


def ref_rows(row_ptr, cols, cidx, coeffs, values):
    m = len(row_ptr) - 1
    return [sum(coeffs[int(cidx[k])] * values[int(cols[k])] for k in range(int(row_ptr[i]), int(row_ptr[i + 1]))) % R
            for i in range(m)]


def ref_cols(row_ptr, cols, cidx, coeffs, per_row, n_out):
    out = [0] * n_out
    for i in range(len(row_ptr) - 1):
        for k in range(int(row_ptr[i]), int(row_ptr[i + 1])):
            out[int(cols[k])] += coeffs[int(cidx[k])] * per_row[i]
    return [v % R for v in out]


@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 3, 2), (17, 9, 6), (40, 64, 12)])
def test_sparse_rows_and_cols_match_reference(shape):
    m, n, n_coeffs = shape
    for seed in range(4):
        r = random.Random(seed * 100 + m)
        row_ptr, cols, cidx, coeffs = random_csr(r, m, n, n_coeffs)
        values = field_values(r, n)
        got = native.fr_sparse_rows(row_ptr, cols, cidx, pack(coeffs), pack(values))
        assert unpack(got) == ref_rows(row_ptr, cols, cidx, coeffs, values)
        per_row = field_values(r, m)
        got = native.fr_sparse_cols(row_ptr, cols, cidx, pack(coeffs), pack(per_row), n + 2)
        assert unpack(got) == ref_cols(row_ptr, cols, cidx, coeffs, per_row, n + 2)


def test_sparse_edge_cases():
    one_row = np.array([0, 3], dtype=np.int64)
    cols = np.array([0, 0, 0], dtype=np.uint32)
    cidx = np.array([0, 1, 2], dtype=np.uint32)
    # r - 1 three times in one column: (r-1)(r-1) + (r-1) + 0 = 0 after wrapping twice
    coeffs = pack([R - 1, 1, 0])
    assert unpack(native.fr_sparse_rows(one_row, cols, cidx, coeffs, pack([R - 1]))) == [0]
    assert unpack(native.fr_sparse_cols(one_row, cols, cidx, coeffs, pack([R - 1]), 1)) == [0]
    # many large products in one row: the lazily reduced row sum must wrap correctly
    k = 50
    row = np.array([0, k], dtype=np.int64)
    big = [R - 1 - i for i in range(k)]
    got = native.fr_sparse_rows(row, np.arange(k, dtype=np.uint32), np.arange(k, dtype=np.uint32), pack(big), pack(big))
    assert unpack(got) == [sum(v * v for v in big) % R]
    # no rows, only empty rows, an unused coefficient table
    empty = np.zeros(0, dtype=np.uint32)
    assert native.fr_sparse_rows(np.zeros(1, dtype=np.int64), empty, empty, b"", b"") == b""
    assert native.fr_sparse_rows(np.zeros(4, dtype=np.int64), empty, empty, pack([5]), pack([1])) == bytes(96)
    assert native.fr_sparse_cols(np.zeros(3, dtype=np.int64), empty, empty, b"", pack([1, 2]), 3) == bytes(96)
    assert native.fr_sparse_cols(np.zeros(1, dtype=np.int64), empty, empty, b"", b"", 0) == b""


def test_sparse_accepts_other_buffers():
    r = random.Random(5)
    row_ptr, cols, cidx, coeffs = random_csr(r, 12, 7, 4)
    values = field_values(r, 7)
    expect = ref_rows(row_ptr, cols, cidx, coeffs, values)
    variants = [
        (array.array("q", row_ptr.tolist()), array.array("I", cols.tolist()), array.array("I", cidx.tolist())),
        (row_ptr.tobytes(), cols.tobytes(), memoryview(cidx.tobytes())),
        (row_ptr.astype(np.uint64), cols.astype(np.int32), cidx),
    ]
    for rp, c, ci in variants:
        assert unpack(native.fr_sparse_rows(rp, c, ci, pack(coeffs), memoryview(pack(values)))) == expect
    coeff_arr = np.frombuffer(pack(coeffs), dtype=np.uint8)
    assert unpack(native.fr_sparse_rows(row_ptr, cols, cidx, coeff_arr, pack(values))) == expect


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_sparse_threaded_matches_reference(threads, monkeypatch):
    # enough rows and nonzeros for several chunks; row lengths are skewed so the
    # split by nonzeros differs from a split by rows
    monkeypatch.setenv("ZKANCHOR_THREADS", threads)
    r = random.Random(int(threads))
    m, n = 12000, 3000
    lengths = np.array([r.choice((0, 1, 2, 3, 40)) if i % 97 else 200 for i in range(m)], dtype=np.int64)
    row_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    nnz = int(row_ptr[-1])
    nprng = np.random.default_rng(int(threads))
    cols = nprng.integers(0, n, nnz, dtype=np.uint32)
    cidx = nprng.integers(0, 8, nnz, dtype=np.uint32)
    coeffs = [1, R - 1, 0, 3, R - 5, r.randrange(R), r.randrange(R), 1 << 100]
    values = field_values(r, n)
    got = unpack(native.fr_sparse_rows(row_ptr, cols, cidx, pack(coeffs), pack(values)))
    rp, cl, ci = row_ptr.tolist(), cols.tolist(), cidx.tolist()
    assert got == ref_rows(rp, cl, ci, coeffs, values)
    per_row = field_values(r, m)
    got = unpack(native.fr_sparse_cols(row_ptr, cols, cidx, pack(coeffs), pack(per_row), n))
    assert got == ref_cols(rp, cl, ci, coeffs, per_row, n)


def test_sparse_rows_concurrent_python_threads():
    # the GIL is released: simultaneous calls must not share state
    r = random.Random(9)
    jobs = []
    for _ in range(6):
        row_ptr, cols, cidx, coeffs = random_csr(r, 300, 50, 5)
        jobs.append((row_ptr, cols, cidx, coeffs, field_values(r, 50)))
    with ThreadPoolExecutor(max_workers=6) as pool:
        outs = list(pool.map(lambda j: native.fr_sparse_rows(j[0], j[1], j[2], pack(j[3]), pack(j[4])), jobs))
    for job, out in zip(jobs, outs):
        assert unpack(out) == ref_rows(*job)


def _csr_ok():
    row_ptr = np.array([0, 2, 3], dtype=np.int64)
    cols = np.array([0, 1, 1], dtype=np.uint32)
    cidx = np.array([0, 1, 0], dtype=np.uint32)
    return row_ptr, cols, cidx, pack([1, 2]), pack([3, 4])


@pytest.mark.parametrize("fn", ["rows", "cols"])
def test_sparse_rejects_bad_input(fn):
    def call(row_ptr, cols, cidx, coeffs, values, n_out=2):
        if fn == "rows":
            return native.fr_sparse_rows(row_ptr, cols, cidx, coeffs, values)
        return native.fr_sparse_cols(row_ptr, cols, cidx, coeffs, values, n_out)

    rp, cols, cidx, coeffs, values = _csr_ok()
    call(rp, cols, cidx, coeffs, values)
    bad_cases = [
        # wrong item sizes / kinds of array
        ((rp.astype(np.int32), cols, cidx, coeffs, values), r"row_ptr must be an array of int64"),
        ((rp.astype(np.float64), cols, cidx, coeffs, values), r"row_ptr must be an array of int64"),
        ((rp, cols.astype(np.int64), cidx, coeffs, values), r"cols must be an array of uint32"),
        ((rp, cols, cidx.astype(np.uint16), coeffs, values), r"cidx must be an array of uint32"),
        ((rp.tobytes()[:-1], cols, cidx, coeffs, values), r"row_ptr as raw bytes must hold whole 8-byte"),
        ((rp, cols, cidx, coeffs + b"\0", values), r"coeffs must be 32 bytes per field element"),
        ((rp, cols, cidx, coeffs, values[:-1]), r"32 bytes per field element"),
        ((np.zeros(0, dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr must hold m \+ 1 offsets"),
        ((rp, cols, cidx[:2], coeffs, values), r"cols and cidx must have one entry per nonzero, got 3 and 2"),
        # CSR structure
        ((np.array([1, 2, 3], dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr\[0\] = 1 breaks the CSR"),
        ((np.array([0, 3, 2], dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr\[2\] = 2 breaks the CSR"),
        ((np.array([0, 2, 1], dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr\[2\] = 1 breaks"),
        ((np.array([0, -1, 3], dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr\[1\] = -1 breaks"),
        ((np.array([0, 2, 4], dtype=np.int64), cols, cidx, coeffs, values), r"row_ptr\[2\] = 4 breaks"),
        # indices and field values
        ((rp, np.array([0, 7, 9], dtype=np.uint32), cidx, coeffs, values), r"cols\[1\] = 7 is out of range"),
        ((rp, cols, np.array([0, 1, 2], dtype=np.uint32), coeffs, values),
         r"cidx\[2\] = 2 is out of range for 2 coefficients"),
        ((rp, cols, cidx, pack([1]) + le32(R), values), r"coeffs\[1\] is not below r"),
    ]
    vname = "values" if fn == "rows" else "values_per_row"
    bad_cases.append(((rp, cols, cidx, coeffs, le32(3) + le32(R + 4)), rf"{vname}\[1\] is not below r"))
    for args, pattern in bad_cases:
        with pytest.raises(ValueError, match=pattern):
            call(*args)
    if fn == "rows":
        with pytest.raises(ValueError, match=r"cols\[1\] = 2 is out of range for len\(values\) = 2"):
            call(rp, np.array([0, 2, 1], dtype=np.uint32), cidx, coeffs, values)
    else:
        with pytest.raises(ValueError, match=r"cols\[0\] = 1 is out of range for n_out = 1"):
            call(rp, np.array([1, 0, 0], dtype=np.uint32), cidx, coeffs, values, n_out=1)
        with pytest.raises(ValueError, match=r"values_per_row must hold one value per row \(2 rows\), got 3"):
            call(rp, cols, cidx, coeffs, pack([1, 2, 3]))
        with pytest.raises(ValueError, match=r"n_out must be a non-negative count"):
            call(rp, cols, cidx, coeffs, values, n_out=-1)


def test_sparse_reports_first_bad_index_across_threads(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    m, per = 30000, 3
    row_ptr = np.arange(0, per * m + 1, per, dtype=np.int64)
    nnz = per * m
    cols = np.zeros(nnz, dtype=np.uint32)
    cidx = np.zeros(nnz, dtype=np.uint32)
    cols[nnz - 5] = 10                              # late chunk
    cidx[40000] = 3                                 # earlier chunk, reported first
    cols[70000] = 11
    for _ in range(3):
        with pytest.raises(ValueError, match=r"cidx\[40000\] = 3 is out of range"):
            native.fr_sparse_rows(row_ptr, cols, cidx, pack([1]), pack([1, 2]))
    cidx[40000] = 0
    with pytest.raises(ValueError, match=r"cols\[70000\] = 11 is out of range"):
        native.fr_sparse_rows(row_ptr, cols, cidx, pack([1]), pack([1, 2]))
    with pytest.raises(ValueError, match=r"cols\[70000\] = 11 is out of range for n_out = 2"):
        native.fr_sparse_cols(row_ptr, cols, cidx, pack([1]), pack([1] * m), 2)


# ---- witness check and quotient numerator -------------------------------------------------

def test_first_unsatisfied():
    r = random.Random(3)
    a = field_values(r, 50)
    b = field_values(r, 50)
    c = [x * y % R for x, y in zip(a, b)]
    assert native.fr_first_unsatisfied(pack(a), pack(b), pack(c)) == -1
    assert native.fr_first_unsatisfied(b"", b"", b"") == -1
    assert native.fr_first_unsatisfied(pack([R - 1]), pack([R - 1]), pack([1])) == -1
    bad = list(c)
    bad[37] = (bad[37] + 1) % R
    assert native.fr_first_unsatisfied(pack(a), pack(b), pack(bad)) == 37
    bad[4] = (bad[4] + R - 1) % R
    assert native.fr_first_unsatisfied(pack(a), pack(b), pack(bad)) == 4
    assert native.fr_first_unsatisfied(pack([0]), pack([5]), pack([1])) == 0


@pytest.mark.parametrize("threads", ["1", "2", "4"])
def test_first_unsatisfied_threaded(threads, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", threads)
    n = 50000
    a = pack([i + 1 for i in range(n)])
    b = pack([3] * n)
    c = [3 * (i + 1) for i in range(n)]
    assert native.fr_first_unsatisfied(a, b, pack(c)) == -1
    for idx in (n - 1, 33333, 20001, 9):
        c[idx] += 1
        assert native.fr_first_unsatisfied(a, b, pack(c)) == idx


def test_first_unsatisfied_rejects_bad_input():
    good = pack([1, 2])
    with pytest.raises(ValueError, match=r"a, b and c must hold the same number of values, got 2, 2 and 1"):
        native.fr_first_unsatisfied(good, good, pack([1]))
    with pytest.raises(ValueError, match=r"b must be 32 bytes per field element"):
        native.fr_first_unsatisfied(good, good[:-1], good)
    # a value >= r raises even after an unsatisfied index
    with pytest.raises(ValueError, match=r"c\[1\] is not below r"):
        native.fr_first_unsatisfied(pack([1, 1]), pack([1, 1]), le32(5) + le32(R))
    with pytest.raises(ValueError, match=r"a\[0\] is not below r"):
        native.fr_first_unsatisfied(le32(R + 1), le32(1), le32(1))


def test_h_evaluations():
    r = random.Random(4)
    n = 40
    a, b, c = field_values(r, n), field_values(r, n), field_values(r, n)
    for k in (0, 1, R - 1, r.randrange(R), R + 7, -3):
        got = native.fr_h_evaluations(pack(a), pack(b), pack(c), k)
        assert unpack(got) == [(x * y - z) * k % R for x, y, z in zip(a, b, c)]
    assert native.fr_h_evaluations(b"", b"", b"", 5) == b""
    with pytest.raises(ValueError, match=r"b\[2\] is not below r"):
        native.fr_h_evaluations(pack([1, 2, 3]), pack([1, 2]) + le32(R), pack([1, 2, 3]), 1)
    with pytest.raises(ValueError, match="same number of values"):
        native.fr_h_evaluations(pack([1]), pack([1, 2]), pack([1]), 1)


def test_h_evaluations_threaded(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "3")
    r = random.Random(8)
    n = 30000
    a = [r.randrange(R) for _ in range(n)]
    b = [r.randrange(1 << 64) for _ in range(n)]
    c = [r.randrange(R) for _ in range(n)]
    k = r.randrange(R)
    got = unpack(native.fr_h_evaluations(pack(a), pack(b), pack(c), k))
    assert got == [(x * y - z) * k % R for x, y, z in zip(a, b, c)]


# ---- int64 witnesses -------------------------------------------------------------------

def test_pack_int64():
    vals = [0, 1, -1, 2, -2, 12345, -12345, 2**63 - 1, -(2**63), -(2**63) + 1, 2**32, -(2**32)]
    arr = np.array(vals, dtype=np.int64)
    assert native.fr_pack_int64(arr) == native.pack_scalars(vals)
    assert native.fr_pack_int64(np.zeros(0, dtype=np.int64)) == b""
    assert native.fr_pack_int64(array.array("q", vals)) == native.pack_scalars(vals)
    assert native.fr_pack_int64(arr.tobytes()) == native.pack_scalars(vals)
    for bad in (arr.astype(np.int32), arr.astype(np.uint64), arr.astype(np.float64)):
        with pytest.raises(ValueError, match="array must be an array of signed int64"):
            native.fr_pack_int64(bad)


def test_pack_int64_threaded(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    arr = np.random.default_rng(1).integers(-(2**63), 2**63 - 1, 200000, dtype=np.int64, endpoint=True)
    assert native.fr_pack_int64(arr) == native.pack_scalars(arr.tolist())


# ---- curve membership ----------------------------------------------------------------

G1_POINTS = [G1_GEN] + [g1.mul(G1_GEN, k) for k in (2, 3, R - 1, rng.randrange(R))]
G2_POINTS = [G2_GEN] + [g2.mul(G2_GEN, k) for k in (2, R - 1, rng.randrange(R))]


def raw_g1(x, y):
    return le32(x) + le32(y)


def raw_g2(x, y):
    return le32(x[0]) + le32(x[1]) + le32(y[0]) + le32(y[1])


def test_g1_check_points():
    good = native.pack_g1(G1_POINTS + [None])
    assert native.g1_check_points(good) == -1
    assert native.g1_check_points(b"") == -1
    assert native.g1_check_points(bytes(64 * 3)) == -1                     # infinity
    x, y = G1_POINTS[3]
    cases = {
        "off curve": raw_g1(x, (y + 1) % P),
        "y >= p": raw_g1(x, y + P),                                        # on the curve mod p
        "x >= p": raw_g1(x + P, y),
        "x = 0, y != 0": raw_g1(0, 2),
        "x = p - 1": raw_g1(P - 1, y),
    }
    for what, point in cases.items():
        assert native.g1_check_points(good + point + good) == len(G1_POINTS) + 1, what
        assert native.g1_check_points(point) == 0, what
    with pytest.raises(ValueError, match="expected 64 bytes per point"):
        native.g1_check_points(bytes(65))


def test_g2_check_points():
    good = native.pack_g2(G2_POINTS + [None])
    assert native.g2_check_points(good) == -1
    assert native.g2_check_points(bytes(128 * 2)) == -1
    x, y = G2_POINTS[2]
    cases = {
        "off curve": raw_g2(x, (y[0], (y[1] + 1) % P)),
        "y.c0 >= p": raw_g2(x, (y[0] + P, y[1])),
        "x.c1 >= p": raw_g2((x[0], x[1] + P), y),
        "G1 equation": raw_g2((x[0], 0), (y[0], 0)),
        "swapped halves": raw_g2((x[1], x[0]), (y[1], y[0])),
    }
    for what, point in cases.items():
        assert native.g2_check_points(good + point) == len(G2_POINTS) + 1, what
    with pytest.raises(ValueError, match="expected 128 bytes per point"):
        native.g2_check_points(bytes(64))


def test_check_points_threaded_first_index(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    n = 40000
    pts1 = bytearray(native.pack_g1(G1_POINTS) * (n // len(G1_POINTS)))
    assert native.g1_check_points(pts1) == -1
    for idx in (n - 1, 31000, 22222):
        pts1[64 * idx + 40] ^= 1
        assert native.g1_check_points(pts1) == idx
    pts2 = bytearray(native.pack_g2(G2_POINTS) * (12000 // len(G2_POINTS)))
    assert native.g2_check_points(pts2) == -1
    for idx in (11999, 9000, 5001):
        pts2[128 * idx + 100] ^= 4
        assert native.g2_check_points(pts2) == idx


# ---- Lagrange basis -------------------------------------------------------------------

@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5, 8])
def test_lagrange_at_matches_domain(log_n):
    n = 1 << log_n
    for tau in (rng.randrange(R), 0, 2, R - 1, 5):
        if pow(tau, n, R) == 1:
            continue
        got = unpack(native.fr_lagrange_at(log_n, tau))
        assert got == Domain(n).lagrange_at(tau)
        assert sum(got) % R == 1
    tau = rng.randrange(R)
    assert native.fr_lagrange_at(log_n, tau + R) == native.fr_lagrange_at(log_n, tau)


def test_lagrange_at_threaded(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_THREADS", "2")
    tau = rng.randrange(R)
    assert unpack(native.fr_lagrange_at(14, tau)) == Domain(1 << 14).lagrange_at(tau)


def test_lagrange_at_rejects_domain_points():
    d = Domain(16)
    for tau in (1, d.omega, pow(d.omega, 7, R), R - 1):
        with pytest.raises(ValueError, match=r"tau lies in the domain of size 2\^4"):
            native.fr_lagrange_at(4, tau)
    with pytest.raises(ValueError, match="tau lies in the domain"):
        native.fr_lagrange_at(0, 1 + R)
    for log_n in (-1, 29):
        with pytest.raises(ValueError, match="log_n must be between 0 and 28"):
            native.fr_lagrange_at(log_n, 7)
