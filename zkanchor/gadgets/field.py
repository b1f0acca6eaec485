"""Signed integers in BN254's scalar field, and the width checks every gadget shares.

A signed integer x lives in the field as x mod R, so a negative x becomes R - |x|.
Field values above (R - 1) / 2 read back as negative.  Gadget widths are capped at
``MAX_BITS`` so that every decomposition the gadgets prove (value = bits, x = q*2^s + r,
x = q*d + r) has a unique solution modulo R.
"""

from __future__ import annotations

from numbers import Integral

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.r1cs.builder import ConstraintSystem, Term

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


def signed_value(cs: ConstraintSystem, x: Term) -> int | None:
    """The signed value of ``x`` under ``cs``'s current assignment, or None when unknown."""
    v = cs.value(x)
    return None if v is None else from_field(v)


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

