"""Native BN254 kernel: MSM, fixed-base and elementwise multiplication, Fr NTT, R1CS helpers in C.

The compiled extension ``zkanchor.native._kernel`` is optional.  When it loaded,
``AVAILABLE`` is True and the wrappers below have exactly the semantics of the
pure-Python API (``zkanchor.bn254.msm``, ``.fixed_base``, ``.ntt``, ``g1.mul`` / ``g2.mul``): field
elements are ints, G1 points ``(x, y)``, G2 points ``((x0, x1), (y0, y1))``,
infinity ``None``; scalars are taken modulo r.  When it did not load, ``LOAD_ERROR``
says why and every wrapper raises RuntimeError, so callers dispatch on
``AVAILABLE`` rather than catching.

Data crosses into C as bytes of 32-byte little-endian limbs.  Callers that reuse
the same bases (a prover's proving key) should pack them once with
``pack_g1``/``pack_g2`` and call the ``*_packed`` variants.

Threads: ``ZKANCHOR_THREADS`` if set, else the CPUs this process may run on.
Field multiplication: BMI2/ADX assembly when the CPU has it, else portable C;
``ZKANCHOR_NATIVE_ARITH=portable`` (read at import) forces the C one.

Memory: an MSM works through its input in chunks, so its working memory stays in the
tens of MB whatever the input's size (the points and scalars are read where they
lie, any C-contiguous buffer); ``ZKANCHOR_MSM_CHUNK=N`` (read per call, for tests)
caps a chunk at N points.
"""

import os

try:
    from zkanchor.native import _kernel
except ImportError as exc:  # not built, or built for another interpreter
    _kernel = None
    AVAILABLE = False
    LOAD_ERROR: str | None = f"zkanchor native kernel not loaded ({exc}); build it with `pip install .`"
else:
    AVAILABLE = True
    LOAD_ERROR = None

__all__ = [
    "AVAILABLE", "LOAD_ERROR", "threads", "release_heap",
    "msm_g1", "msm_g2", "msm_g1_packed", "msm_g2_packed",
    "batch_mul_g1", "batch_mul_g2",
    "mul_g1", "mul_g2", "mul_g1_packed", "mul_g2_packed",
    "ntt", "intt", "coset_ntt", "coset_intt", "ntt_packed", "ntt_inplace",
    "pack_scalars", "pack_g1", "pack_g2", "unpack_g1", "unpack_g2", "unpack_ints",
    "fr_sparse_rows", "fr_sparse_cols", "fr_first_unsatisfied", "fr_h_evaluations", "fr_pack_int64",
    "g1_check_points", "g2_check_points", "fr_lagrange_at",
]


_malloc_trim = None


def release_heap() -> None:
    """Hand the C heap's free pages back to the OS (glibc's ``malloc_trim``; a no-op elsewhere).

    glibc keeps freed blocks below its mmap threshold resident, and the threshold rises
    (up to 32 MiB) as large blocks are freed, so a big transient -- decoding a 2^20
    circuit leaves ~85 MB -- stays in RSS through whatever comes next.  A prover calls
    this between stages; it costs a walk over the heap's free lists.
    """
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
            _malloc_trim.argtypes = [ctypes.c_size_t]
        except (AttributeError, OSError):  # not glibc
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


def _kernel_or_raise():
    if _kernel is None:
        raise RuntimeError(LOAD_ERROR)
    return _kernel


def threads() -> int:
    """Number of kernel threads: ZKANCHOR_THREADS, else the usable CPU count."""
    env = os.environ.get("ZKANCHOR_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ---- packing (in C: int.to_bytes per value would cost more than a 0/1 MSM term) ----

def pack_scalars(scalars) -> bytes:
    """Scalars (any ints) reduced mod r, as concatenated 32-byte little-endian limbs."""
    return _kernel_or_raise().pack_scalars(scalars)


def pack_g1(points) -> bytes:
    """Affine G1 points (None = infinity) as 64 bytes each: x, y little-endian.

    Raises ValueError for a coordinate outside [0, p)."""
    return _kernel_or_raise().pack_g1(points)


def pack_g2(points) -> bytes:
    """Affine G2 points (None = infinity) as 128 bytes each: x0, x1, y0, y1.

    Raises ValueError for a coordinate outside [0, p)."""
    return _kernel_or_raise().pack_g2(points)


def unpack_g1(data) -> list:
    """Inverse of pack_g1: 64-byte records to (x, y) tuples, zeros to None."""
    return _kernel_or_raise().unpack_g1(data)


def unpack_g2(data) -> list:
    """Inverse of pack_g2: 128-byte records to ((x0, x1), (y0, y1)), zeros to None."""
    return _kernel_or_raise().unpack_g2(data)


def unpack_ints(data) -> list[int]:
    """32-byte little-endian records to ints."""
    return _kernel_or_raise().unpack_ints(data)


# ---- multi-scalar multiplication -----------------------------------------

def _scalar_bytes(scalars) -> bytes:
    return scalars if isinstance(scalars, (bytes, bytearray, memoryview)) else pack_scalars(scalars)


def msm_g1_packed(points, scalars) -> tuple | None:
    """sum s_i * P_i for G1 points already packed by pack_g1.

    points: any C-contiguous buffer in pack_g1's layout (bytes, a numpy array's
    memory...).  scalars: a sequence of ints, or bytes/bytearray/memoryview in
    pack_scalars' layout (values are then used as given, reduced mod r in C).
    """
    return unpack_g1(_kernel_or_raise().msm_g1(points, _scalar_bytes(scalars), threads()))[0]


def msm_g2_packed(points, scalars) -> tuple | None:
    """sum s_i * Q_i for G2 points already packed by pack_g2 (see msm_g1_packed)."""
    return unpack_g2(_kernel_or_raise().msm_g2(points, _scalar_bytes(scalars), threads()))[0]


def _check_lengths(points, scalars):
    if len(points) != len(scalars):
        raise ValueError(f"msm: {len(points)} points but {len(scalars)} scalars")


def msm_g1(points, scalars) -> tuple | None:
    """Multi-scalar multiplication in G1: sum scalars[i] * points[i] (None if infinity)."""
    _check_lengths(points, scalars)
    return msm_g1_packed(pack_g1(points), scalars)


def msm_g2(points, scalars) -> tuple | None:
    """Multi-scalar multiplication in G2: sum scalars[i] * points[i] (None if infinity).

    The points must lie in the order-r subgroup: the kernel reduces scalars mod r and
    splits them along the GLV endomorphism, both of which assume it.  Callers that take G2
    points from a file check membership first (or, like the simulator's per-turn ceremony
    checks, before the result is trusted).
    """
    _check_lengths(points, scalars)
    return msm_g2_packed(pack_g2(points), scalars)


# ---- fixed base --------------------------------------------------------------

def batch_mul_g1(base, scalars) -> list:
    """[s * base for s in scalars] in G1 (affine, None for infinity), via a windowed table."""
    data = _kernel_or_raise().batch_mul_g1(pack_g1([base]), pack_scalars(scalars), threads())
    return unpack_g1(data)


def batch_mul_g2(base, scalars) -> list:
    """[s * base for s in scalars] in G2 (affine, None for infinity), via a windowed table."""
    data = _kernel_or_raise().batch_mul_g2(pack_g2([base]), pack_scalars(scalars), threads())
    return unpack_g2(data)


# ---- elementwise: many bases, one scalar each ------------------------------------

def _check_pairs(points, scalars):
    if len(points) != len(scalars):
        raise ValueError(f"elementwise mul: {len(points)} points but {len(scalars)} scalars")


def mul_g1_packed(points, scalars) -> bytes:
    """[s_i * P_i] in G1 for points packed by pack_g1, returned packed (unpack_g1 reads it).

    scalars: ints, or bytes in pack_scalars' layout.  Lets a caller chain products
    without building tuples in between."""
    return _kernel_or_raise().mul_g1(points, _scalar_bytes(scalars), threads())


def mul_g2_packed(points, scalars) -> bytes:
    """[s_i * Q_i] in G2 for points packed by pack_g2, returned packed (see mul_g1_packed)."""
    return _kernel_or_raise().mul_g2(points, _scalar_bytes(scalars), threads())


def mul_g1(points, scalars) -> list:
    """[scalars[i] * points[i]] in G1 (affine, None for infinity), elementwise.

    Each product is a windowed double-and-add of its own; results share one field
    inversion per block.  Raises ValueError for unequal lengths or a coordinate
    outside [0, p)."""
    _check_pairs(points, scalars)
    return unpack_g1(mul_g1_packed(pack_g1(points), scalars))


def mul_g2(points, scalars) -> list:
    """[scalars[i] * points[i]] in G2 (affine, None for infinity), elementwise (see mul_g1)."""
    _check_pairs(points, scalars)
    return unpack_g2(mul_g2_packed(pack_g2(points), scalars))


# ---- NTT over Fr ---------------------------------------------------------------

def ntt(values, inverse: bool = False, coset: bool = False) -> list[int]:
    """NTT of len(values) (a power of two) values mod r over the standard subgroup.

    Forward: A_i = sum_j a_j w^(ij) with w the primitive len-th root of unity
    derived from ROOT_OF_UNITY_2_28.  inverse=True undoes it (including 1/n).
    coset=True works on the coset g*<w> with g = 5: forward evaluates at g*w^i,
    inverse interpolates from there.  Natural order in and out.
    """
    n = len(values)
    if n == 0 or n & (n - 1):
        raise ValueError(f"NTT size must be a power of two, got {n}")
    return unpack_ints(ntt_packed(pack_scalars(values), inverse, coset))


def ntt_packed(data: bytes, inverse: bool = False, coset: bool = False) -> bytes:
    """ntt() on values packed by pack_scalars, returning packed values.

    Lets a prover chain transforms without converting to ints in between.
    Raises ValueError if a value is >= r or the count is not a power of two.
    """
    return _kernel_or_raise().ntt(data, inverse, coset, threads())


def ntt_inplace(buffer, inverse: bool = False, coset: bool = False) -> None:
    """ntt_packed() in a writable buffer (a bytearray, say): the transform replaces its contents.

    A 2^20-value vector then needs no second array.  Raises ValueError as ntt_packed
    does; after an error the buffer's contents are unspecified.
    """
    _kernel_or_raise().ntt_inplace(buffer, inverse, coset, threads())


def intt(values) -> list[int]:
    """Inverse NTT: coefficients from evaluations on <w>."""
    return ntt(values, inverse=True)


def coset_ntt(values) -> list[int]:
    """Evaluations on the coset 5*<w> of the polynomial with these coefficients."""
    return ntt(values, coset=True)


def coset_intt(values) -> list[int]:
    """Coefficients of the polynomial with these evaluations on the coset 5*<w>."""
    return ntt(values, inverse=True, coset=True)


# ---- flat R1CS: sparse products, witness checks, Lagrange basis ----------------------
#
# Field elements in and out are packed as by pack_scalars (32 bytes little-endian,
# standard form) and must be < r; integer arrays are anything with the buffer
# protocol (numpy arrays, array.array, raw bytes) of the stated item size.  A
# matrix is in CSR form with interned coefficients: row i holds the entries k in
# [row_ptr[i], row_ptr[i+1]), each coeffs[cidx[k]] in column cols[k].  Bad input
# raises ValueError naming the argument and index.

def fr_sparse_rows(row_ptr, cols, cidx, coeffs, values, out=None):
    """A @ values over Fr: m*32 bytes, out[i] = sum_k coeffs[cidx[k]] * values[cols[k]] over row i.

    row_ptr: int64, m + 1 offsets (row_ptr[0] = 0, non-decreasing, row_ptr[m] = nnz);
    cols, cidx: uint32, nnz each, cols[k] < len(values), cidx[k] < len(coeffs);
    coeffs, values: packed field elements.  out: a writable buffer of at least m*32
    bytes to fill (the rest is left as it is) and return instead of new bytes."""
    return _kernel_or_raise().fr_sparse_rows(row_ptr, cols, cidx, coeffs, values, threads(), out)


def fr_sparse_cols(row_ptr, cols, cidx, coeffs, values_per_row, n_out: int) -> bytes:
    """A^T @ values_per_row over Fr: n_out*32 bytes, out[cols[k]] += coeffs[cidx[k]] * values_per_row[row of k].

    Same matrix layout as fr_sparse_rows; values_per_row holds one packed value per
    row and every cols[k] must be < n_out.  Key generation uses it for
    u_j(tau) = sum_rows A[row, j] * L_row(tau)."""
    return _kernel_or_raise().fr_sparse_cols(row_ptr, cols, cidx, coeffs, values_per_row, n_out, threads())


def fr_first_unsatisfied(a, b, c) -> int:
    """Smallest i with a_i * b_i != c_i (mod r) for packed vectors of equal length, or -1."""
    return _kernel_or_raise().fr_first_unsatisfied(a, b, c, threads())


def fr_h_evaluations(a, b, c, k: int, out=None):
    """Packed (a_i * b_i - c_i) * k mod r for each i (k taken modulo r).

    b or c may be None, standing for all ones or all zeros.  out: a writable buffer of
    len(a) bytes to write and return instead of new bytes; it may be a itself."""
    kern = _kernel_or_raise()
    return kern.fr_h_evaluations(a, b, c, kern.pack_scalars([k]), threads(), out)


def fr_pack_int64(array) -> bytes:
    """Signed int64 values (a numpy int64 array, say) as packed field elements x mod r.

    Negative x becomes r - |x|; the result equals pack_scalars(list(array)), without
    a Python int per value."""
    return _kernel_or_raise().fr_pack_int64(array, threads())


def g1_check_points(buf) -> int:
    """Index of the first point in pack_g1 layout with a coordinate >= p or off y^2 = x^3 + 3, or -1.

    All-zero records (infinity) pass.  G1 has cofactor 1, so on the curve means in G1."""
    return _kernel_or_raise().g1_check_points(buf, threads())


def g2_check_points(buf) -> int:
    """Index of the first point in pack_g2 layout with a coordinate >= p or off the twist, or -1.

    The twist is y^2 = x^3 + 3/(9+u) over Fp2; all-zero records (infinity) pass.
    No subgroup check: the twist has a large cofactor, so callers that need G2
    membership must check it separately."""
    return _kernel_or_raise().g2_check_points(buf, threads())


def fr_lagrange_at(log_n: int, tau: int) -> bytes:
    """Packed L_i(tau) for i < n = 2^log_n over <w>, w as in ntt() (tau taken modulo r).

    L_i(tau) = (tau^n - 1) / n * w^i / (tau - w^i), i.e. Domain(n).lagrange_at(tau);
    raises ValueError when tau is in the domain (tau^n = 1)."""
    kern = _kernel_or_raise()
    return kern.fr_lagrange_at(log_n, kern.pack_scalars([tau]), threads())
