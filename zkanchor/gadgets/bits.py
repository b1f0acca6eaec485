"""Bit decomposition and range checks, over whole blocks of values at once.

Costs (constraints per element), for a width n >= 1:

- ``decompose(x, n)``: n (n - 1 bit wires; the top bit is a linear combination),
- ``range_check(x, n)`` / ``signed_range_check(x, n)``: n,
- ``to_bits(x, n)``: n + 1 (every bit a wire of its own).

The saving in ``decompose`` comes from never materialising the top bit: it is
(x - sum_{i<n-1} 2^i b_i) / 2^(n-1), and its booleanity constraint doubles as the
recomposition check.
"""

from __future__ import annotations

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.gadgets.field import (
    MAX_BITS,
    check_width,
    name_of,
    require_signed_array,
    require_unsigned_array,
    signed_values,
)
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc, concatenate


def _low_bits(n: int, what: str):
    def hint(v: np.ndarray) -> np.ndarray:
        s = signed_values(v)
        require_unsigned_array(s, n, what)
        return (s[..., None] >> np.arange(n - 1)) & 1

    return hint


def decompose(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> LC:
    """Prove 0 <= x < 2^n elementwise; return the bits, little-endian, shape x.shape + (n,).

    Costs n constraints per element (one for n = 0: x == 0).  Every returned bit is
    proven boolean and sum 2^i * bit_i == x; the top bit is a combination of x and the
    other bits.
    """
    n = check_width(n, "the width of a decomposition", 0, MAX_BITS)
    x = as_lc(x)
    if n == 0:
        what = name or "a value to decompose"

        def check(v):
            require_unsigned_array(signed_values(v), 0, what)
            return np.zeros(np.shape(v) + (0,), dtype=object)

        # Like every other width, a bad value is reported when solving, in the user's terms.
        cs.hint(check, [x], x.shape + (0,), name)
        cs.assert_equal(x, 0, name_of(name, "zero"))
        return LC.constant(np.zeros(x.shape + (0,), dtype=object))
    what = name or "a value to decompose"
    low = cs.bits(_low_bits(n, what), [x], x.shape + (n - 1,), name_of(name, "b"))
    inv = pow(2, -(n - 1), R)
    weights = [(-(1 << i) * inv) % R for i in range(n - 1)]
    top = x * inv + (low.dot(weights, axis=-1) if n > 1 else 0)
    cs.assert_bool(top, name_of(name, f"b{n - 1}"))
    return concatenate([low, top.expand_dims(-1)], axis=-1)


def range_check(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> None:
    """Prove 0 <= x < 2^n elementwise (x read as a field value), in n constraints each."""
    decompose(cs, x, n, name)


def signed_range_check(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> None:
    """Prove -2^(n-1) <= x < 2^(n-1) elementwise (x read as signed), in n constraints each, n >= 1."""
    n = check_width(n, "the width of a signed range check", 1, MAX_BITS)
    x = as_lc(x)
    what = name or "a value to range-check"

    def check(v):
        require_signed_array(signed_values(v), n, what)
        return np.zeros(np.shape(v) + (0,), dtype=object)

    # The hint only reports a bad value in the user's terms; the decomposition proves it.
    cs.hint(check, [x], x.shape + (0,), name)
    decompose(cs, x + (1 << (n - 1)), n, name)


def to_bits(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> LC:
    """The n bits of x (little-endian) as boolean wires with sum 2^i b_i == x; shape x.shape + (n,).

    Costs n + 1 constraints per element (n booleanity, one recomposition), proving
    0 <= x < 2^n.  Use ``decompose`` when linear combinations will do: it saves one.
    """
    n = check_width(n, "the number of bits", 0, MAX_BITS)
    x = as_lc(x)
    what = name or "a value to split into bits"

    def hint(v):
        s = signed_values(v)
        require_unsigned_array(s, n, what)
        return (s[..., None] >> np.arange(n)) & 1

    bits = cs.bits(hint, [x], x.shape + (n,), name_of(name, "b"))
    cs.assert_equal(bits.dot([1 << i for i in range(n)], axis=-1), x, name_of(name, "sum"))
    return bits
