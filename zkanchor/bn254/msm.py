"""Multi-scalar multiplication: sum of scalars[i] * points[i] on G1 or G2.

Batch-affine Pippenger.  Each scalar is first replaced by its signed representative
(k or k - R, whichever is shorter, negating the point), then cut into signed c-bit
digits.  Every non-zero digit drops its point (or the point's negation) into a
bucket; buckets are summed in affine coordinates by pairwise rounds, each round a
single batch of additions sharing one field inversion (Montgomery's trick).  The
buckets of each window are then folded by the running-sum method, in lock step across
windows so that those additions batch too, and the windows are combined by doubling.

Scalars are bucketed by bit length and the groups are planned with a cost model, so
the very common tiny scalars (witness bits, small fixed-point values) only pay for
the few windows they occupy: a run of 0/1 scalars costs one addition per 1 and no
windows at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index
from types import SimpleNamespace

from . import g1, g2
from .curve_ops import G1_OPS, G2_OPS
from .constants import R

_HALF_R = R >> 1
_MAX_BITS = _HALF_R.bit_length()  # 253: signed representatives are at most R/2
_MAX_WINDOW = 16

# Bit-length classes the planner may split between.  Finer would not pay: inside a
# group a scalar only pays for the windows its digits occupy.
_CLASS_TOPS = (1, 2, 4, 8, 16, 32, 64, 128, _MAX_BITS)

# Relative costs (in batch-affine additions) used by the planner, measured on G1.
_COST_DOUBLE = 1.3  # one Jacobian doubling (window combination, direct multiplication)
_COST_GROUP = 40.0  # fixed overhead of running one Pippenger group


_G1, _G2 = G1_OPS, G2_OPS


def msm_g1(points: Sequence[g1.G1Point], scalars: Sequence[int]) -> g1.G1Point:
    """Return sum(scalars[i] * points[i]) in G1 (None points allowed).

    Scalars are any integers (anything with ``__index__``), taken mod R; a float
    raises TypeError.  Points must be affine G1 points as :func:`g1.validate`
    accepts them; they are not re-validated here.  Raises ValueError if the lengths
    differ.
    """
    return _msm(_G1, points, scalars)


def msm_g2(points: Sequence[g2.G2Point], scalars: Sequence[int]) -> g2.G2Point:
    """Return sum(scalars[i] * points[i]) in G2 (None points allowed).

    Scalars are any integers (anything with ``__index__``), taken mod R; a float
    raises TypeError.  Points must be affine G2 points as :func:`g2.validate`
    accepts them; they are not re-validated here.  Raises ValueError if the lengths
    differ.
    """
    return _msm(_G2, points, scalars)


def _msm(curve: SimpleNamespace, points, scalars):
    if len(points) != len(scalars):
        raise ValueError(
            f"msm needs as many scalars as points, got {len(scalars)} scalars "
            f"for {len(points)} points"
        )
    # by_bits[b]: (k, point, -point) for every signed scalar of bit length b.
    by_bits: list[list] = [[] for _ in range(_MAX_BITS + 1)]
    to_fast, neg = curve.to_fast, curve.neg
    for pt, k in zip(points, scalars):
        k = index(k) % R
        if pt is None or not k:
            continue
        f = to_fast(pt)
        nf = neg(f)
        if k > _HALF_R:
            k = R - k
            f, nf = nf, f
        by_bits[k.bit_length()].append((k, f, nf))

    acc = curve.inf
    for lo, hi, c in _plan([len(b) for b in by_bits]):
        items = [item for b in range(lo, hi + 1) for item in by_bits[b]]
        if c == 0:
            part = curve.inf
            for k, f, _ in items:
                part = curve.jac_add(part, curve.jac_mul(f, k))
        else:
            part = _pippenger(curve, items, c)
        acc = curve.jac_add(acc, part)
    return curve.from_jacobian(acc)


# ------------------------------------------------------------------------- planning


def _plan(counts: list[int]) -> list[tuple[int, int, int]]:
    """Split the scalars into groups of bit lengths and pick a window for each.

    counts[b] is the number of scalars of bit length b.  Returns (lo, hi, c) triples
    covering every non-empty length; c == 0 means "multiply each point directly"
    (cheaper for a handful of points).  Dynamic programming over the classes in
    _CLASS_TOPS, minimising the cost estimate of :func:`_group_cost`.
    """
    # at_least[b] = number of scalars of bit length >= b
    at_least = [0] * (len(counts) + 1)
    for b in range(len(counts) - 1, -1, -1):
        at_least[b] = at_least[b + 1] + counts[b]

    classes = []  # (lo, hi) = smallest and largest bit length present in the class
    start = 1
    for top in _CLASS_TOPS:
        present = [b for b in range(start, top + 1) if counts[b]]
        if present:
            classes.append((present[0], present[-1]))
        start = top + 1

    best = [(0.0, [])]  # best[j]: cheapest plan for the first j classes
    for j in range(1, len(classes) + 1):
        options = []
        for i in range(j):
            lo, hi = classes[i][0], classes[j - 1][1]
            cost, c = _group_cost(at_least, lo, hi)
            options.append((best[i][0] + cost, best[i][1] + [(lo, hi, c)]))
        best.append(min(options, key=lambda o: o[0]))
    return best[-1][1]


def _group_cost(at_least: list[int], lo: int, hi: int) -> tuple[float, int]:
    """Estimated cost and best window size for scalars of bit lengths lo..hi."""

    def above(t: int) -> int:  # scalars in the group with bit length > t
        return at_least[max(t + 1, lo)] - at_least[hi + 1]

    m = above(0)
    # Direct multiplication: ~hi doublings and hi/4 additions per point.
    best = (m * hi * (_COST_DOUBLE + 0.25) + 1.0, 0)
    for c in range(1, _MAX_WINDOW + 1):
        cost = _COST_GROUP + hi * _COST_DOUBLE
        # Signed digits can carry one bit past the top; c == 1 digits are unsigned.
        top = hi if c == 1 else hi + 1
        for w in range((top + c - 1) // c):
            n_w = above(w * c)
            if n_w:
                # n_w bucket additions plus the running-sum fold (two per bucket).
                cost += n_w + (1 << c)
        if cost < best[0]:
            best = (cost, c)
    return best


# ------------------------------------------------------------------------ Pippenger


def _pippenger(curve: SimpleNamespace, items: list, c: int):
    """Jacobian sum of k * point over items (k, point, -point), window size c."""
    half = 1 << (c - 1)
    full = 1 << c
    mask = full - 1
    stride = half + 1
    max_bits = max(k.bit_length() for k, _, _ in items)
    # Signed digits may carry one bit past max_bits: floor(b/c) + 1 >= ceil((b+1)/c).
    n_windows = max_bits // c + 1
    # buckets[w * stride + d] collects the points whose window-w digit is +-d.
    buckets: list[list] = [[] for _ in range(n_windows * stride)]
    for k, f, nf in items:
        base = 0
        while k:
            d = k & mask
            k >>= c
            if d > half:
                # Signed digit d - 2^c: add -point to bucket 2^c - d, carry one.
                k += 1
                buckets[base + full - d].append(nf)
            elif d:
                buckets[base + d].append(f)
            base += stride
    while n_windows and not any(buckets[(n_windows - 1) * stride :]):
        del buckets[(n_windows - 1) * stride :]
        n_windows -= 1
    if not n_windows:
        return curve.inf

    # One window at a time keeps the working set of fresh points small (cache).
    sums = []
    for w in range(n_windows):
        sums += _accumulate(curve.batch_add, buckets[w * stride : (w + 1) * stride])

    # Running-sum fold, all windows in lock step: sum_d d * B_d.
    running = [None] * n_windows
    totals = [None] * n_windows
    batch_add = curve.batch_add
    for d in range(half, 0, -1):
        running = batch_add(running, sums[d::stride])
        totals = batch_add(totals, running)

    acc = curve.inf
    jac_double, jac_madd = curve.jac_double, curve.jac_madd
    for w in range(n_windows - 1, -1, -1):
        if acc[2] != curve.inf[2]:
            for _ in range(c):
                acc = jac_double(acc)
        if totals[w] is not None:
            acc = jac_madd(acc, totals[w])
    return acc


def _accumulate(batch_add, buckets: list[list]) -> list:
    """Sum each bucket's points; returns one affine point (or None) per bucket.

    Pairwise rounds: every bucket with two or more points adds them in pairs, and
    all the pairs of a round (over every bucket) form one batch of additions.
    """
    active = [i for i, b in enumerate(buckets) if len(b) > 1]
    while active:
        lhs: list = []
        rhs: list = []
        for i in active:
            b = buckets[i]
            even = len(b) & ~1
            lhs += b[0:even:2]
            rhs += b[1:even:2]
        sums = batch_add(lhs, rhs)
        nxt = []
        off = 0
        for i in active:
            b = buckets[i]
            h = len(b) >> 1
            s = sums[off : off + h]
            off += h
            if len(b) & 1:
                s.append(b[-1])
            # A None (p + (-p) inside the bucket) may stay: _batch_add passes it through.
            buckets[i] = s
            if len(s) > 1:
                nxt.append(i)
        active = nxt
    return [b[0] if b else None for b in buckets]
