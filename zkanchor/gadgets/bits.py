"""Bit decomposition and range checks.

Costs (constraints), for a width n >= 1:

- ``decompose(x, n)``: n (n - 1 bit wires; the top bit is a linear combination),
- ``range_check(x, n)`` / ``signed_range_check(x, n)``: n,
- ``to_bits(x, n)``: n + 1 (every bit a wire of its own).

The saving in ``decompose`` comes from never materialising the top bit: it is
(x - sum_{i<n-1} 2^i b_i) / 2^(n-1), and its booleanity constraint doubles as the
recomposition check.
"""

from __future__ import annotations

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.gadgets.field import MAX_BITS, check_width, name_of, require_signed, signed_value
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc


def _check_unsigned(cs: ConstraintSystem, x: Term, n: int, what: str) -> int | None:
    v = cs.value(x)
    if v is not None and v >> n:
        raise InputError(f"{what} is negative or does not fit in {n} unsigned bits")
    return v


def decompose(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> list[LinearCombination]:
    """Prove 0 <= x < 2^n and return its n bits, little-endian, as linear combinations.

    Costs n constraints (one for n = 0: x == 0).  Every returned bit is proven boolean
    and sum 2^i * bit_i == x; the top bit is a combination of x and the other bits.
    """
    n = check_width(n, "the width of a decomposition", 0, MAX_BITS)
    what = name or "a value to decompose"
    v = _check_unsigned(cs, x, n, what)
    if n == 0:
        cs.assert_equal(x, 0, name_of(name, "zero"))
        return []
    bits: list[LinearCombination] = []
    # top = (x - sum_{i<n-1} 2^i b_i) * 2^-(n-1), built as one dict rather than by repeated +.
    inv = pow(2, -(n - 1), R)
    top = {i: c * inv % R for i, c in as_lc(x).terms.items()}
    for i in range(n - 1):
        b = cs.internal(name_of(name, f"b{i}"), None if v is None else (v >> i) & 1)
        cs.assert_bool(b, name_of(name, f"b{i}"))
        bits.append(b.lc())
        top[b.id] = (top.get(b.id, 0) - (1 << i) * inv) % R
    top_lc = LinearCombination(top)
    cs.assert_bool(top_lc, name_of(name, f"b{n - 1}"))
    bits.append(top_lc)
    return bits


def range_check(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> None:
    """Prove 0 <= x < 2^n (x read as a field value), in n constraints."""
    decompose(cs, x, n, name)


def signed_range_check(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> None:
    """Prove -2^(n-1) <= x < 2^(n-1) (x read as a signed field value), in n constraints, n >= 1."""
    n = check_width(n, "the width of a signed range check", 1, MAX_BITS)
    require_signed(signed_value(cs, x), n, name or "a value to range-check")
    decompose(cs, as_lc(x) + (1 << (n - 1)), n, name)


def to_bits(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> list[Var]:
    """Return the n bits of x (little-endian) as boolean wires with sum 2^i b_i == x.

    Costs n + 1 constraints (n booleanity, one recomposition), proving 0 <= x < 2^n.
    Use ``decompose`` when linear combinations will do: it saves a constraint.
    """
    n = check_width(n, "the number of bits", 0, MAX_BITS)
    v = _check_unsigned(cs, x, n, name or "a value to split into bits")
    bits = []
    recomposed: dict[int, int] = {}
    for i in range(n):
        b = cs.internal(name_of(name, f"b{i}"), None if v is None else (v >> i) & 1)
        cs.assert_bool(b, name_of(name, f"b{i}"))
        bits.append(b)
        recomposed[b.id] = 1 << i
    cs.assert_equal(LinearCombination(recomposed), x, name_of(name, "sum"))
    return bits
