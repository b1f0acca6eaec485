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
- ``subtract_floor(w, x, shift, out_bits)``: shift + out_bits — a gradient step
  w - floor(x / 2^shift) whose *result* is range-checked instead of the quotient.

All gadgets work elementwise on blocks; costs are per element.
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
    require_signed_array,
    require_unsigned_array,
    signed_values,
)
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc

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


def truncate(cs: ConstraintSystem, x: Term, shift: int, out_bits: int, name: str | None = None) -> LC:
    """q = floor(x / 2^shift) elementwise for signed x; shift + out_bits constraints each.

    Proves x == q * 2^shift + r with 0 <= r < 2^shift and q a signed out_bits-bit value,
    which makes q unique (shift + out_bits <= 252).  ``x`` may be a whole accumulated
    linear combination; r is never a wire of its own.
    """
    shift, out_bits = _widths(shift, out_bits, "shift")
    x = as_lc(x)
    what = name or "a truncated value"

    def hint(v):
        q = signed_values(v) >> shift
        require_signed_array(q, out_bits, what)
        return q

    q = cs.hint(hint, [x], x.shape, name_of(name, "q"))
    decompose(cs, x - q * (1 << shift), shift, name_of(name, "r"))
    signed_range_check(cs, q, out_bits, name_of(name, "q"))
    return q


def subtract_floor(cs: ConstraintSystem, w: Term, x: Term, shift: int, out_bits: int,
                   name: str | None = None) -> LC:
    """w - floor(x / 2^shift) elementwise, proven a signed out_bits-bit value; shift + out_bits each.

    The gradient step of every trainer.  Unlike ``truncate`` it range-checks the new
    value instead of the quotient, which is sound when ``w`` is itself a signed
    out_bits-bit value (the caller's guarantee: initial weights are range-checked and
    every step's output is): then the quotient lies in (-2^out_bits, 2^out_bits), so
    x = q * 2^shift + r with 0 <= r < 2^shift has one solution (shift + out_bits < 252).
    """
    # shift + out_bits <= 251: the quotient w - new has out_bits + 1 bits.
    shift = check_width(shift, "the shift", 0, MAX_BITS - 2)
    out_bits = check_width(out_bits, "out_bits", 1, MAX_BITS - 1 - shift)
    w, x = as_lc(w), as_lc(x)
    shape = np.broadcast_shapes(w.shape, x.shape)
    what = name or "an updated weight"

    def hint(vw, vx):
        new = signed_values(vw) - (signed_values(vx) >> shift)
        require_signed_array(new, out_bits, what)
        return new

    new = cs.hint(hint, [w, x], shape, name_of(name, "w"))
    decompose(cs, x - (w - new) * (1 << shift), shift, name_of(name, "r"))
    signed_range_check(cs, new, out_bits, name_of(name, "w"))
    return new


def fixed_mul(cs: ConstraintSystem, a: Term, b: Term, frac_bits: int, out_bits: int,
              name: str | None = None) -> LC:
    """floor(a * b / 2^frac_bits) elementwise; 1 + frac_bits + out_bits constraints each.

    A constant factor costs no multiplication constraint.
    """
    product = cs.mul(a, b, name_of(name, "product"))
    return truncate(cs, product, frac_bits, out_bits, name)


def divide(cs: ConstraintSystem, x: Term, d: Term, out_bits: int, d_bits: int | None = None,
           name: str | None = None) -> LC:
    """q = floor(x / d) elementwise for signed x and a positive divisor d.

    Proves x == q * d + r with 0 <= r < d (both r and d - 1 - r range-checked) and q a
    signed out_bits-bit value.  A constant d needs no ``d_bits``; a variable d must
    satisfy 1 <= d <= 2^d_bits, and the proof itself shows d >= 1.
    """
    x, d = as_lc(x), as_lc(d)
    shape = np.broadcast_shapes(x.shape, d.shape)
    if d.is_constant():
        consts = {int(v) for v in np.asarray(d.constant_value()).reshape(-1)}
        if len(consts) != 1:
            raise InputError("a constant divisor must be the same for every element")
        dc = consts.pop()
        if not 1 <= dc <= 1 << MAX_BITS:
            raise InputError("the divisor must be a positive integer")
        if dc & (dc - 1) == 0:
            return truncate(cs, x, dc.bit_length() - 1, out_bits, name)
        k = dc.bit_length()
    else:
        if d_bits is None:
            raise InputError("a variable divisor needs d_bits, a bound on its bit length")
        k = check_width(d_bits, "d_bits", 1, MAX_BITS - 2)
        dc = None
    k, out_bits = _widths(k, out_bits, "divisor width")
    if dc is None and k + out_bits > MAX_BITS - 1:
        raise InputError(f"out_bits + d_bits must be at most {MAX_BITS - 1}")
    what = name or "a quotient"

    def quotient(vx, vd):
        sd = signed_values(vd)
        if np.any((sd < 1) | (sd > 1 << k)):
            raise InputError(f"{what}: the divisor must lie in [1, 2^{k}]")
        q = signed_values(vx) // sd
        require_signed_array(q, out_bits, what)
        return q

    q = cs.hint(quotient, [x, d], shape, name_of(name, "q"))
    if dc is not None:
        r = x - q * dc
    else:
        r = cs.hint(lambda vx, vd, vq: signed_values(vx) - signed_values(vq) * signed_values(vd),
                    [x, d, q], shape, name_of(name, "r"))
        cs.constrain(q, d, x - r, name_of(name, "qd"))
    decompose(cs, r, k, name_of(name, "r"))
    decompose(cs, d - 1 - r, k, name_of(name, "d-r"))
    signed_range_check(cs, q, out_bits, name_of(name, "q"))
    return q
