"""Fixed-point arithmetic: truncation, multiplication and division, with integer twins.

An integer q stands for q / 2^frac_bits.  The ONE rounding rule everywhere is floor
(round toward minus infinity), i.e. Python's ``//`` and numpy's ``>>`` on int64, so a
trainer that calls the ``*_int`` / ``*_np`` twins below computes exactly what the
circuit proves.

Costs (constraints):

- ``truncate(x, shift, out_bits)``: shift + out_bits (1 + out_bits when shift = 0).
  ``x`` may be any linear combination, so a dot product is a run of plain ``cs.mul``
  products summed for free and truncated once.
- ``fixed_mul(a, b, frac_bits, out_bits)``: 1 + frac_bits + out_bits (frac_bits +
  out_bits when a or b is a constant).
- ``divide(x, d, out_bits)``: constant d = 2^k: k + out_bits; other constant d:
  2 * bitlen(d) + out_bits; variable d: 1 + 2 * d_bits + out_bits.
"""

from __future__ import annotations

import numpy as np

from zkanchor.errors import InputError
from zkanchor.gadgets.bits import decompose, signed_range_check
from zkanchor.gadgets.field import (
    MAX_BITS,
    check_width,
    fits_signed,
    name_of,
    require_signed,
    signed_value,
    to_field,
)
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc

# -- integer twins -----------------------------------------------------------------


def _int(x: object, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise InputError(f"{what} must be an integer, not {type(x).__name__}")
    return int(x)


def truncate_int(x: int, shift: int, out_bits: int | None = None) -> int:
    """floor(x / 2^shift); with ``out_bits``, InputError unless it is a signed out_bits-bit value."""
    shift = check_width(shift, "the shift", 0, MAX_BITS)
    q = _int(x, "the value to truncate") >> shift
    if out_bits is not None:
        require_signed(q, out_bits, "a truncated value")
    return q


def fixed_mul_int(a: int, b: int, frac_bits: int, out_bits: int | None = None) -> int:
    """floor(a * b / 2^frac_bits), the product of two fixed-point numbers."""
    return truncate_int(_int(a, "a factor") * _int(b, "a factor"), frac_bits, out_bits)


def divide_int(x: int, d: int, out_bits: int | None = None) -> int:
    """floor(x / d) for a positive divisor d."""
    d = _int(d, "the divisor")
    if d < 1:
        raise InputError("the divisor must be a positive integer")
    q = _int(x, "the dividend") // d
    if out_bits is not None:
        require_signed(q, out_bits, "a quotient")
    return q


def _int64(x: object, what: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise InputError(f"{what} must be an integer array, not {arr.dtype}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 1 << 63:
        raise InputError(f"{what} has values that do not fit in int64")
    return arr.astype(np.int64)


def _require_signed_np(arr: np.ndarray, out_bits: int | None, what: str) -> None:
    if out_bits is not None and arr.size:
        if not (fits_signed(int(arr.min()), out_bits) and fits_signed(int(arr.max()), out_bits)):
            raise InputError(f"{what} does not fit in {out_bits} signed bits")


def _max_abs(arr: np.ndarray) -> int:
    return max(abs(int(arr.min())), abs(int(arr.max()))) if arr.size else 0


def truncate_np(x: object, shift: int, out_bits: int | None = None) -> np.ndarray:
    """Vectorised ``truncate_int`` on an int64 array (arithmetic shift = floor)."""
    shift = check_width(shift, "the shift", 0, 62)
    q = _int64(x, "the values to truncate") >> shift
    _require_signed_np(q, out_bits, "a truncated value")
    return q


def fixed_mul_np(a: object, b: object, frac_bits: int, out_bits: int | None = None) -> np.ndarray:
    """Vectorised ``fixed_mul_int`` (elementwise, broadcasting).

    Raises InputError when a product could overflow int64 rather than wrap silently.
    """
    a64, b64 = _int64(a, "a factor"), _int64(b, "a factor")
    if _max_abs(a64) * _max_abs(b64) >= 1 << 63:
        raise InputError("a fixed-point product would overflow int64")
    return truncate_np(a64 * b64, frac_bits, out_bits)


def divide_np(x: object, d: object, out_bits: int | None = None) -> np.ndarray:
    """Vectorised ``divide_int`` (floor division by positive divisors, broadcasting)."""
    d64 = _int64(d, "the divisor")
    if d64.size and int(d64.min()) < 1:
        raise InputError("the divisor must be a positive integer")
    q = np.floor_divide(_int64(x, "the dividend"), d64)
    _require_signed_np(q, out_bits, "a quotient")
    return q


# -- gadgets -----------------------------------------------------------------------


def _widths(shift: int, out_bits: int, what: str) -> tuple[int, int]:
    shift = check_width(shift, f"the {what}", 0, MAX_BITS - 1)
    out_bits = check_width(out_bits, "out_bits", 1, MAX_BITS - shift)
    return shift, out_bits


def truncate(cs: ConstraintSystem, x: Term, shift: int, out_bits: int, name: str | None = None) -> Var:
    """Return q = floor(x / 2^shift) for signed x; shift + out_bits constraints.

    Proves x == q * 2^shift + r with 0 <= r < 2^shift and q a signed out_bits-bit value,
    which makes q unique (shift + out_bits <= 252).  ``x`` may be a whole accumulated
    linear combination; r is never a wire of its own.
    """
    shift, out_bits = _widths(shift, out_bits, "shift")
    xv = signed_value(cs, x)
    qv = None if xv is None else xv >> shift
    require_signed(qv, out_bits, name or "a truncated value")
    q = cs.internal(name_of(name, "q"), None if qv is None else to_field(qv))
    decompose(cs, as_lc(x) - q * (1 << shift), shift, name_of(name, "r"))
    signed_range_check(cs, q, out_bits, name_of(name, "q"))
    return q


def fixed_mul(
    cs: ConstraintSystem, a: Term, b: Term, frac_bits: int, out_bits: int, name: str | None = None
) -> Var:
    """Return floor(a * b / 2^frac_bits); 1 + frac_bits + out_bits constraints.

    A constant factor (an int) costs no multiplication constraint.
    """
    if type(a) is int or type(b) is int:
        product: Term = as_lc(a) * b
    else:
        product = cs.mul(a, b, name_of(name, "product"))
    return truncate(cs, product, frac_bits, out_bits, name)


def _constant(d: Term) -> int | None:
    lc = as_lc(d)
    return lc.terms.get(0, 0) if lc.is_constant() else None


def divide(
    cs: ConstraintSystem,
    x: Term,
    d: Term,
    out_bits: int,
    d_bits: int | None = None,
    name: str | None = None,
) -> Var:
    """Return q = floor(x / d) for signed x and a positive divisor d.

    Proves x == q * d + r with 0 <= r < d (both r and d - 1 - r range-checked) and q a
    signed out_bits-bit value.  A constant d needs no ``d_bits``; a variable d must
    satisfy 1 <= d <= 2^d_bits, and the proof itself shows d >= 1.
    """
    dc = _constant(d)
    if dc is not None:
        if not 1 <= dc <= 1 << MAX_BITS:
            raise InputError("the divisor must be a positive integer")
        if dc & (dc - 1) == 0:
            return truncate(cs, x, dc.bit_length() - 1, out_bits, name)
        k = dc.bit_length()
    else:
        if d_bits is None:
            raise InputError("a variable divisor needs d_bits, a bound on its bit length")
        k = check_width(d_bits, "d_bits", 1, MAX_BITS - 2)
    k, out_bits = _widths(k, out_bits, "divisor width")
    if dc is None and k + out_bits > MAX_BITS - 1:
        raise InputError(f"out_bits + d_bits must be at most {MAX_BITS - 1}")
    xv, dv = signed_value(cs, x), signed_value(cs, d)
    if dv is not None and not 1 <= dv <= 1 << k:
        raise InputError(f"the divisor must lie in [1, 2^{k}]")
    qv = None if xv is None or dv is None else xv // dv
    require_signed(qv, out_bits, name or "a quotient")
    q = cs.internal(name_of(name, "q"), None if qv is None else to_field(qv))
    if dc is not None:
        r: LinearCombination | Var = as_lc(x) - q * dc
    else:
        r = cs.internal(name_of(name, "r"), None if qv is None else to_field(xv - qv * dv))
        cs.constrain(q, d, as_lc(x) - r, name_of(name, "qd"))
    decompose(cs, r, k, name_of(name, "r"))
    decompose(cs, as_lc(d) - 1 - r, k, name_of(name, "d-r"))
    signed_range_check(cs, q, out_bits, name_of(name, "q"))
    return q
