"""Signs, comparisons, zero tests and selection.

Costs (constraints): ``is_negative`` / ``is_nonnegative`` n (2 for n = 1); ``less_than`` n + 1;
``maximum`` / ``minimum`` n + 2; ``is_zero`` / ``is_equal`` 2; ``select`` 1.

Every output bit is proven boolean.  ``select`` and the counting gadgets assume their
selector bits are boolean, which holds for every bit these gadgets return.
"""

from __future__ import annotations

from zkanchor.bn254.constants import R
from zkanchor.gadgets.bits import decompose
from zkanchor.gadgets.field import MAX_BITS, check_width, name_of, require_signed, signed_value
from zkanchor.r1cs.builder import ConstraintSystem, Term, Var, as_lc


def _sign_bit(cs: ConstraintSystem, x: Term, n: int, negative: bool, name: str | None) -> Var:
    # With s = [x < 0], x + s * 2^(n-1) lies in [0, 2^(n-1)) exactly when x is a signed
    # n-bit value, and no other s (boolean) can put it there: the two shifted ranges are
    # disjoint modulo R.  [x >= 0] is the same proof with s = 1 - bit.
    n = check_width(n, "the width of a signed value", 1, MAX_BITS)
    xv = signed_value(cs, x)
    require_signed(xv, n, name or "a value whose sign is taken")
    bit = None if xv is None else int((xv < 0) == negative)
    b = cs.internal(name_of(name, "sign"), bit)
    cs.assert_bool(b, name_of(name, "sign_bool"))
    s = b.lc() if negative else 1 - b.lc()
    decompose(cs, as_lc(x) + s * (1 << (n - 1)), n - 1, name_of(name, "mag"))
    return b


def is_negative(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> Var:
    """Return the bit [x < 0], proving x is a signed n-bit value; n constraints (2 for n = 1)."""
    return _sign_bit(cs, x, n, True, name)


def is_nonnegative(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> Var:
    """Return the bit [x >= 0], proving x is a signed n-bit value; n constraints (2 for n = 1)."""
    return _sign_bit(cs, x, n, False, name)


def less_than(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> Var:
    """Return the bit [a < b] for signed values; n + 1 constraints.

    The caller must guarantee that a and b are signed n-bit values (for example
    truncation outputs with out_bits <= n, or range-checked inputs).  The gadget itself
    proves only that a - b lies in [-2^n, 2^n) and returns its sign: any a, b whose
    difference is that small compare correctly; a larger difference makes the circuit
    unsatisfiable (an InputError when building the witness), never a wrong bit.
    """
    n = check_width(n, "the width of compared values", 1, MAX_BITS - 1)
    return is_negative(cs, as_lc(a) - b, n + 1, name)


def is_zero(cs: ConstraintSystem, x: Term, name: str | None = None) -> Var:
    """Return the bit [x == 0]; 2 constraints.

    x * inv = 1 - z and x * z = 0.  When x == 0 the hint ``inv`` is legitimately free
    (any value satisfies both constraints); z is forced either way.
    """
    v = cs.value(x)
    z = cs.internal(name_of(name, "is_zero"), None if v is None else int(v == 0))
    inv = cs.internal(name_of(name, "inv"), None if v is None else (pow(v, -1, R) if v else 0))
    cs.constrain(x, inv, 1 - z.lc(), name_of(name, "inv"))
    cs.constrain(x, z, 0, name_of(name, "zero"))
    return z


def is_equal(cs: ConstraintSystem, a: Term, b: Term, name: str | None = None) -> Var:
    """Return the bit [a == b]; 2 constraints."""
    return is_zero(cs, as_lc(a) - b, name)


def select(cs: ConstraintSystem, bit: Term, a: Term, b: Term, name: str | None = None) -> Var:
    """Return ``a if bit else b``; 1 constraint.  ``bit`` must already be proven boolean."""
    vb, va, vv = cs.value(bit), cs.value(a), cs.value(b)
    known = None not in (vb, va, vv)
    out = cs.internal(name_of(name, "select"), (vv + vb * (va - vv)) % R if known else None)
    cs.constrain(bit, as_lc(a) - b, out - as_lc(b), name_of(name, "select"))
    return out


def maximum(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> Var:
    """Return max(a, b) for signed n-bit a and b (see ``less_than``); n + 2 constraints."""
    return select(cs, less_than(cs, a, b, n, name), b, a, name)


def minimum(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> Var:
    """Return min(a, b) for signed n-bit a and b (see ``less_than``); n + 2 constraints."""
    return select(cs, less_than(cs, a, b, n, name), a, b, name)
