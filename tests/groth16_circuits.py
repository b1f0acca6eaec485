"""Small circuits for the Groth16 tests, built with our own builder.

Each returns ``(r1cs, witness)``; they cover 1 public input, many, and none beyond
the constant wire.
"""

from __future__ import annotations

from zkanchor.r1cs import ConstraintSystem


def multiplier(a: int = 3, b: int = 11):
    """Knowledge of a factorisation: public c = a * b with a, b private."""
    cs = ConstraintSystem()
    c = cs.public("c", a * b)
    x = cs.private("a", a)
    y = cs.private("b", b)
    cs.assert_equal(cs.mul(x, y, "a*b"), c, "product is public")
    return cs.build(), cs.witness()


def many_public(n: int = 9, seed: int = 7):
    """n public inputs p_i with p_i = x^(i+1) + i for one private x: n constraints, n publics."""
    x_val = 1000 + seed
    cs = ConstraintSystem()
    pubs = [cs.public(f"p{i}", x_val ** (i + 1) + i) for i in range(n)]
    x = cs.private("x", x_val)
    power = x
    for i, p in enumerate(pubs):
        if i:
            power = cs.mul(power, x, f"x^{i + 1}")
        cs.assert_equal(power + i, p, f"p{i}")
    return cs.build(), cs.witness()


def no_public(x_val: int = 5):
    """No public inputs at all: a private x with x^3 + x + 5 = 35 (x = 3 satisfies it)."""
    cs = ConstraintSystem()
    x = cs.private("x", x_val)
    x2 = cs.mul(x, x, "x^2")
    x3 = cs.mul(x2, x, "x^3")
    cs.assert_equal(x3 + x + 5, 35, "cubic")
    return cs.build(), cs.witness()
