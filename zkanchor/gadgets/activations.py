"""Activation functions: ReLU and a hard-sigmoid approximation of the logistic function.

``sigmoid`` is the piecewise-linear "hard sigmoid" clamp(1/2 + x/4, 0, 1) in fixed
point: with X = x * 2^f,

    sigmoid_int(X) = clamp(2^(f-1) + floor(X / 4), 0, 2^f).

Its slope 1/4 is the logistic function's at 0, so it is exact to first order there.
Error bound (tested on a dense grid): for every integer X,

    |sigmoid_int(X) / 2^f - 1 / (1 + exp(-X / 2^f))| <= sigma(-2) + 2^-f ~= 0.1192 + 2^-f,

the sigma(-2) part being the real clamp's error at x = +-2 and 2^-f the floor's.

Costs (constraints): ``relu(x, n)`` n + 1; ``sigmoid(x, f, n)`` n + 4.  The sigmoid
reads the clamp condition off the bits of the sign decomposition (no second
comparison), and floor(X / 4) off its two lowest bits.
"""

from __future__ import annotations

import math

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.gadgets.bits import decompose
from zkanchor.gadgets.compare import is_nonnegative, is_zero
from zkanchor.gadgets.field import MAX_BITS, check_width, name_of, require_signed, signed_value, to_field
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc

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


def relu(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> Var:
    """Return max(x, 0), proving x is a signed n-bit value; n + 1 constraints."""
    nonneg = is_nonnegative(cs, x, n, name)
    return cs.mul(nonneg, x, name_of(name, "relu"))


def sigmoid(cs: ConstraintSystem, x: Term, frac_bits: int, n: int, name: str | None = None) -> Var:
    """Return ``sigmoid_int(x, frac_bits)``, proving x is a signed n-bit value; n + 4 constraints.

    Needs frac_bits >= 2 and n >= frac_bits + 2.  The output lies in [0, 2^frac_bits].
    """
    f, n = _check_sigmoid_widths(frac_bits, n)
    xv = signed_value(cs, x)
    require_signed(xv, n, name or "a sigmoid input")
    t = cs.internal(name_of(name, "nonneg"), None if xv is None else int(xv >= 0))
    cs.assert_bool(t, name_of(name, "nonneg"))
    # u = x if x >= 0 else x + 2^(n-1); proving u in [0, 2^(n-1)) proves x's range and sign.
    bits = decompose(cs, as_lc(x) + (1 - t.lc()) * (1 << (n - 1)), n - 1, name_of(name, "u"))
    # |x| >= 2 (in fixed point: 2^(f+1)) shows in u's bits f+1 .. n-2: for x >= 0 one of
    # them is set, for x < 0 not all of them are.  g counts the bits that say "inside".
    high = LinearCombination({})
    for b in bits[f + 1 :]:
        high = high + b
    m = len(bits) - (f + 1)
    hv, tv = cs.value(high), cs.value(t)
    g = cs.internal(name_of(name, "g"), None if hv is None or tv is None else (hv if tv else m - hv) % R)
    cs.constrain(t, 2 * high - m, g - (m - high), name_of(name, "g"))
    saturated = 1 - is_zero(cs, g, name_of(name, "sat")).lc()
    # floor(x / 4) = (x - (x mod 4)) / 4, and u's two low bits are x mod 4 in both cases.
    linear = (as_lc(x) - bits[0] - 2 * bits[1]) * pow(4, -1, R) + (1 << (f - 1))
    out = cs.internal(name_of(name, "sigmoid"), None if xv is None else to_field(sigmoid_int(xv, f)))
    cs.constrain(saturated, t * (1 << f) - linear, out - linear, name_of(name, "clamp"))
    return out
