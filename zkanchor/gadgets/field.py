"""Signed integers in BN254's scalar field, and the width checks every gadget shares.

A signed integer x lives in the field as x mod R, so a negative x becomes R - |x|.
Field values above (R - 1) / 2 read back as negative.  The ``*_array`` checks are what
hints use to refuse a witness value with one sentence naming the element.  Gadget widths are capped at
``MAX_BITS`` so that every decomposition the gadgets prove (value = bits, x = q*2^s + r,
x = q*d + r) has a unique solution modulo R.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.r1cs.lc import signed

HALF = (R - 1) // 2
"""The largest field value read as a non-negative integer."""

MAX_BITS = 252
"""The widest value any gadget handles; 2^253 < R keeps decompositions unique."""


def _as_python_int(x: object, what: str) -> int:
    # numpy integers come straight from the trainers; bools are almost always a bug.
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise InputError(f"{what} must be an integer, not {type(x).__name__}")
    return int(x)


def to_field(x: object) -> int:
    """Map a signed integer with |x| <= (R - 1) / 2 to its field value x mod R."""
    v = _as_python_int(x, "a signed value")
    if not -HALF <= v <= HALF:
        raise InputError("a signed value is too large in magnitude to live in BN254's scalar field")
    return v % R


def from_field(v: object) -> int:
    """Read a field value in [0, R) back as a signed integer (values above (R-1)/2 are negative)."""
    u = _as_python_int(v, "a field value")
    if not 0 <= u < R:
        raise InputError("a field value must lie in [0, R)")
    return u - R if u > HALF else u


def check_width(n: object, what: str, low: int = 0, high: int = MAX_BITS) -> int:
    """Validate a bit width (an int in [low, high]) and return it as an int."""
    if isinstance(n, bool) or not isinstance(n, Integral) or not low <= int(n) <= high:
        raise InputError(f"{what} must be an integer between {low} and {high}, not {n!r}")
    return int(n)


def fits_signed(x: int, n: int) -> bool:
    """True when -2^(n-1) <= x < 2^(n-1) (for n = 0, only x = 0)."""
    if n == 0:
        return x == 0
    return -(1 << (n - 1)) <= x < 1 << (n - 1)


def fits_unsigned(x: int, n: int) -> bool:
    """True when 0 <= x < 2^n."""
    return 0 <= x < 1 << n


def require_signed(x: int | None, n: int, what: str) -> None:
    """Raise InputError when a known value ``x`` is outside the signed n-bit range."""
    if x is not None and not fits_signed(x, n):
        raise InputError(f"{what} does not fit in {n} signed bits")


def name_of(name: str | None, suffix: str) -> str | None:
    """The name of a sub-wire or sub-constraint of gadget ``name`` (None stays None)."""
    return None if name is None else f"{name}.{suffix}"



def _where(index: tuple[int, ...]) -> str:
    return f" (at [{', '.join(str(int(i)) for i in index)}])" if index else ""


def require_signed_array(values: np.ndarray, n: int, what: str) -> None:
    """InputError naming the first element of ``values`` (signed ints) outside the signed n-bit range."""
    v = np.asarray(values, dtype=object)
    if v.size == 0:
        return
    low, high = -(1 << (n - 1)) if n else 0, (1 << (n - 1)) if n else 1
    bad = (v < low) | (v >= high)
    if bad.any():
        index = np.unravel_index(int(np.argmax(bad.reshape(-1))), v.shape)
        raise InputError(f"{what}{_where(index)} does not fit in {n} signed bits")


def require_unsigned_array(values: np.ndarray, n: int, what: str) -> None:
    """InputError naming the first element of ``values`` (signed ints) outside [0, 2^n)."""
    v = np.asarray(values, dtype=object)
    if v.size == 0:
        return
    bad = (v < 0) | (v >= 1 << n)
    if bad.any():
        index = np.unravel_index(int(np.argmax(bad.reshape(-1))), v.shape)
        raise InputError(f"{what}{_where(index)} is negative or does not fit in {n} unsigned bits")


def signed_values(field_values: np.ndarray) -> np.ndarray:
    """Field values (object array in [0, R)) as signed integers; what hints work on."""
    return signed(field_values)
