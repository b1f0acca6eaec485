"""Activation functions: ReLU and a hard-sigmoid approximation of the logistic function.

``sigmoid`` is the piecewise-linear "hard sigmoid" clamp(1/2 + x/4, 0, 1) in fixed
point: with X = x * 2^f,

    sigmoid_int(X) = clamp(2^(f-1) + floor(X / 4), 0, 2^f).

Its slope 1/4 is the logistic function's at 0, so it is exact to first order there.
Error bound (tested on a dense grid): for every integer X,

    |sigmoid_int(X) / 2^f - 1 / (1 + exp(-X / 2^f))| <= sigma(-2) + 2^-f ~= 0.1192 + 2^-f,

the sigma(-2) part being the real clamp's error at x = +-2 and 2^-f the floor's.

The gadget takes its input at any finer scale: with ``extra`` bits, X = floor(Z / 2^extra)
is folded into the same decomposition, so a score at scale 2^(2f) (``extra = f``) needs
no truncation of its own.

Costs (constraints per element): ``relu(x, n)`` n + 1; ``sigmoid(x, f, n)`` n + 3 (n for
the signed decomposition of the input, 2 for the saturation test, 1 for the clamp), or
just n when n = f + extra + 2 (no input that narrow can saturate; the output is then a
linear combination of the input's bits, not a wire of its own).
"""

from __future__ import annotations

import math

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.gadgets.bits import decompose
from zkanchor.gadgets.compare import is_nonnegative, is_zero
from zkanchor.gadgets.field import (
    MAX_BITS,
    check_width,
    name_of,
    require_signed,
    require_signed_array,
    signed_values,
)
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc

SIGMOID_CLAMP_ERROR = 1.0 / (1.0 + math.exp(2.0))
"""sigma(-2) = 1 - sigma(2): the real hard sigmoid's largest distance from the logistic function."""


def sigmoid_error_bound(frac_bits: int) -> float:
    """The documented bound on |sigmoid_int(X)/2^f - sigma(X/2^f)| for f = frac_bits."""
    return SIGMOID_CLAMP_ERROR + 2.0 ** -check_width(frac_bits, "frac_bits", 2, MAX_BITS)


# -- integer twins -----------------------------------------------------------------


def relu_int(x: int, n: int | None = None) -> int:
    """max(x, 0); with ``n``, InputError unless x is a signed n-bit value."""
    x = int(x)
    if n is not None:
        require_signed(x, n, "a relu input")
    return max(x, 0)


def relu_np(x: object) -> np.ndarray:
    """Vectorised ``relu_int`` on an integer array."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise InputError(f"relu_np needs an integer array, not {arr.dtype}")
    return np.maximum(arr.astype(np.int64), 0)


def _check_sigmoid_widths(frac_bits: int, n: int | None) -> tuple[int, int | None]:
    f = check_width(frac_bits, "frac_bits", 2, MAX_BITS - 2)
    if n is not None:
        n = check_width(n, "the sigmoid input width", f + 2, MAX_BITS)
    return f, n


def sigmoid_int(x: int, frac_bits: int, n: int | None = None) -> int:
    """clamp(2^(f-1) + floor(x / 4), 0, 2^f); with ``n``, InputError unless x is signed n-bit."""
    f, n = _check_sigmoid_widths(frac_bits, n)
    x = int(x)
    if n is not None:
        require_signed(x, n, "a sigmoid input")
    return min(max((1 << (f - 1)) + (x >> 2), 0), 1 << f)


def sigmoid_np(x: object, frac_bits: int) -> np.ndarray:
    """Vectorised ``sigmoid_int`` on an integer array."""
    f, _ = _check_sigmoid_widths(frac_bits, None)
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu" or f > 61:
        raise InputError("sigmoid_np needs an integer array and frac_bits <= 61")
    return np.clip((1 << (f - 1)) + (arr.astype(np.int64) >> 2), 0, 1 << f)


# -- gadgets -----------------------------------------------------------------------


def relu(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> LC:
    """max(x, 0) elementwise, proving x is a signed n-bit value; n + 1 constraints each."""
    nonneg = is_nonnegative(cs, x, n, name)
    return cs.mul(nonneg, x, name_of(name, "relu"))


def sigmoid(cs: ConstraintSystem, x: Term, frac_bits: int, n: int, name: str | None = None,
            extra: int = 0) -> LC:
    """``sigmoid_int(floor(x / 2^extra), frac_bits)`` elementwise, proving x is signed n-bit.

    n + 3 constraints each (n when n == frac_bits + extra + 2: no input can saturate).
    Needs frac_bits >= 2 and n >= frac_bits + extra + 2.  The output lies in [0, 2^frac_bits].
    """
    f = check_width(frac_bits, "frac_bits", 2, MAX_BITS - 2)
    extra = check_width(extra, "extra", 0, MAX_BITS - f - 2)
    n = check_width(n, "the sigmoid input width", f + extra + 2, MAX_BITS)
    x = as_lc(x)
    what = name or "a sigmoid input"
    shift = extra + 2  # floor(X / 4) = floor(x / 2^(extra + 2))

    def check(v):
        require_signed_array(signed_values(v), n, what)
        return np.zeros(np.shape(v) + (0,), dtype=object)

    cs.hint(check, [x], x.shape + (0,), name)
    # u = x + 2^(n-1) in [0, 2^n): its top bit is [x >= 0], and floor(x / 2^shift) is
    # read off bits shift.. with the offset 2^(n-1-shift) removed.
    bits = decompose(cs, x + (1 << (n - 1)), n, name_of(name, "u"))
    top = bits[(slice(None),) * x.ndim + (n - 1,)]
    weights = [0] * shift + [1 << (k - shift) for k in range(shift, n)]
    mid = bits.dot(weights, axis=-1) - (1 << (n - 1 - shift)) + (1 << (f - 1))
    # Saturated exactly when |X| >= 2, i.e. x outside [-2^h, 2^h) with h = f + 1 + extra:
    # then bits h .. n-2 are not all 0 (x >= 0) or not all 1 (x < 0).
    h = f + 1 + extra
    m = n - 1 - h
    if m <= 0:
        return mid
    hi = bits.dot([0] * h + [1 << (k - h) for k in range(h, n - 1)] + [0], axis=-1)
    inside = is_zero(cs, hi - (1 - top) * ((1 << m) - 1), name_of(name, "sat"))
    target = top * (1 << f)

    def out_hint(v):
        return sigmoid_np_object(signed_values(v), f, extra)

    out = cs.hint(out_hint, [x], x.shape, name_of(name, "sigmoid"))
    cs.constrain(1 - inside, target - mid, out - mid, name_of(name, "clamp"))
    return out


def sigmoid_np_object(x: np.ndarray, frac_bits: int, extra: int = 0) -> np.ndarray:
    """``sigmoid_int(floor(x / 2^extra))`` over an object array of Python ints."""
    v = (np.asarray(x, dtype=object) >> (extra + 2)) + (1 << (frac_bits - 1))
    return np.minimum(np.maximum(v, 0), 1 << frac_bits)


def relu_of_floor(cs: ConstraintSystem, x: Term, shift: int, n: int, name: str | None = None):
    """(s, t, h) elementwise: t = floor(x / 2^shift) a signed n-bit value, s = [t >= 0], h = s t.

    shift + n + 1 constraints each: the floor's remainder check (shift), t's signed range
    check (n), whose top bit is s itself, and the product.  An MLP's hidden layer needs
    all three (t and s for the backward pass).
    """
    shift = check_width(shift, "the shift", 0, MAX_BITS - 1)
    n = check_width(n, "the width of a truncated value", 1, MAX_BITS - shift)
    x = as_lc(x)
    what = name or "a truncated value"

    def hint(v):
        q = signed_values(v) >> shift
        require_signed_array(q, n, what)
        return q

    t = cs.hint(hint, [x], x.shape, name_of(name, "t"))
    decompose(cs, x - t * (1 << shift), shift, name_of(name, "r"))
    bits = decompose(cs, t + (1 << (n - 1)), n, name_of(name, "t"))
    s = bits[(slice(None),) * x.ndim + (n - 1,)]
    h = cs.mul(s, t, name_of(name, "h"))
    return s, t, h
