"""Signs, comparisons, zero tests and selection, elementwise over blocks.

Costs (constraints per element): ``is_negative`` / ``is_nonnegative`` n (2 for n = 1);
``less_than`` n + 1; ``maximum`` / ``minimum`` n + 2; ``is_zero`` / ``is_equal`` 2;
``select`` 1.

Every output bit is proven boolean.  ``select`` and the counting gadgets assume their
selector bits are boolean, which holds for every bit these gadgets return.
"""

from __future__ import annotations

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.gadgets.bits import decompose
from zkanchor.gadgets.field import MAX_BITS, check_width, name_of, require_signed_array, signed_values
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc


def _sign_bit(cs: ConstraintSystem, x: Term, n: int, negative: bool, name: str | None) -> LC:
    # With s = [x < 0], x + s * 2^(n-1) lies in [0, 2^(n-1)) exactly when x is a signed
    # n-bit value, and no other s (boolean) can put it there: the two shifted ranges are
    # disjoint modulo R.  [x >= 0] is the same proof with s = 1 - bit.
    n = check_width(n, "the width of a signed value", 1, MAX_BITS)
    x = as_lc(x)
    what = name or "a value whose sign is taken"

    def hint(v):
        s = signed_values(v)
        require_signed_array(s, n, what)
        return ((s < 0) == negative).astype(object)

    b = cs.bits(hint, [x], x.shape, name_of(name, "sign"))
    s = b if negative else 1 - b
    decompose(cs, x + s * (1 << (n - 1)), n - 1, name_of(name, "mag"))
    return b


def is_negative(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> LC:
    """The bits [x < 0], proving x is a signed n-bit value; n constraints each (2 for n = 1)."""
    return _sign_bit(cs, x, n, True, name)


def is_nonnegative(cs: ConstraintSystem, x: Term, n: int, name: str | None = None) -> LC:
    """The bits [x >= 0], proving x is a signed n-bit value; n constraints each (2 for n = 1)."""
    return _sign_bit(cs, x, n, False, name)


def less_than(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> LC:
    """The bits [a < b] for signed values; n + 1 constraints each.

    The caller must guarantee that a and b are signed n-bit values (for example
    truncation outputs with out_bits <= n, or range-checked inputs).  The gadget itself
    proves only that a - b lies in [-2^n, 2^n) and returns its sign: any a, b whose
    difference is that small compare correctly; a larger difference makes the circuit
    unsatisfiable (an InputError when solving), never a wrong bit.
    """
    n = check_width(n, "the width of compared values", 1, MAX_BITS - 1)
    return is_negative(cs, as_lc(a) - as_lc(b), n + 1, name)


def _zero_hints(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = (v == 0).astype(object)
    inv = np.array([pow(int(x), -1, R) if x else 0 for x in v.reshape(-1)], dtype=object).reshape(v.shape)
    return z, inv


def is_zero(cs: ConstraintSystem, x: Term, name: str | None = None) -> LC:
    """The bits [x == 0]; 2 constraints each.

    x * inv = 1 - z and x * z = 0.  When x == 0 the hint ``inv`` is legitimately free
    (any value satisfies both constraints); z is forced either way.
    """
    x = as_lc(x)
    z = cs.hint(lambda v: _zero_hints(v)[0], [x], x.shape, name_of(name, "is_zero"))
    inv = cs.hint(lambda v: _zero_hints(v)[1], [x], x.shape, name_of(name, "inv"))
    cs.constrain(x, inv, 1 - z, name_of(name, "inv"))
    cs.constrain(x, z, 0, name_of(name, "zero"))
    return z


def is_equal(cs: ConstraintSystem, a: Term, b: Term, name: str | None = None) -> LC:
    """The bits [a == b]; 2 constraints each."""
    return is_zero(cs, as_lc(a) - as_lc(b), name)


def select(cs: ConstraintSystem, bit: Term, a: Term, b: Term, name: str | None = None) -> LC:
    """``a if bit else b`` elementwise; 1 constraint each.  ``bit`` must already be proven boolean."""
    bit, a, b = as_lc(bit), as_lc(a), as_lc(b)
    shape = np.broadcast_shapes(bit.shape, a.shape, b.shape)
    out = cs.hint(lambda vb, va, vv: (vv + vb * (va - vv)) % R, [bit, a, b], shape, name_of(name, "select"))
    cs.constrain(bit, a - b, out - b, name_of(name, "select"))
    return out


def maximum(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> LC:
    """max(a, b) for signed n-bit a and b (see ``less_than``); n + 2 constraints each."""
    return select(cs, less_than(cs, a, b, n, name), b, a, name)


def minimum(cs: ConstraintSystem, a: Term, b: Term, n: int, name: str | None = None) -> LC:
    """min(a, b) for signed n-bit a and b (see ``less_than``); n + 2 constraints each."""
    return select(cs, less_than(cs, a, b, n, name), a, b, name)
