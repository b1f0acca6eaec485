"""Circuits the benchmarks share, built with zkanchor's builder and exported to .r1cs/.wtns
so that snarkjs proves exactly the same constraints as we do.

- ``squarings(n)``: x_{i+1} = x_i^2, n constraints, every witness value full-size (the
  worst case for an MSM);
- ``bits(n)``: n/33 values each decomposed into 32 bits plus a recomposition — nearly
  every witness value is 0 or 1, as in the range checks of training circuits;
- ``linreg(n)``: linear-regression gradient descent (our model circuit on 8 features,
  private data, public final weights) with as many epochs as fit about n constraints:
  products of small fixed-point values and the bits of the update truncations.
"""

from __future__ import annotations

import random

from zkanchor.r1cs import ConstraintSystem


def squarings(n: int, seed: int = 1):
    """n chained squarings with a public start and end."""
    rng = random.Random(seed)
    x0 = rng.randrange(2, 2**64)
    cs = ConstraintSystem()
    start = cs.public("x0", x0)
    end = cs.public("xn")
    x = start
    for _ in range(n - 1):
        x = cs.mul(x, x)
    cs.assign(end, cs.value(x))
    cs.assert_equal(x, end, "end")
    return cs.build(), cs.witness()


def bits(n: int, seed: int = 1):
    """About n constraints of 32-bit decompositions of private values, summed into a public total."""
    rng = random.Random(seed)
    count = max(1, n // 33)
    values = [rng.randrange(2**32) for _ in range(count)]
    cs = ConstraintSystem()
    total = cs.public("total", sum(values))
    acc = 0
    for v in values:
        x = cs.private(value=v)
        recomposed = 0
        for i in range(32):
            b = cs.private(value=(v >> i) & 1)
            cs.assert_bool(b)
            recomposed = b * (1 << i) + recomposed
        cs.assert_equal(recomposed, x)
        acc = x + acc
    cs.assert_equal(acc, total, "total")
    return cs.build(), cs.witness()


def linreg(n: int, seed: int = 1):
    """Linear-regression GD with about n constraints (8 features; rows and epochs sized to n)."""
    from zkanchor.gadgets.field import to_field
    from zkanchor.models import linreg as model
    from zkanchor.models.spec import make_spec

    d = 8
    rows_n = 64 if n <= 20_000 else 256
    per_epoch = 2 * rows_n * d + (d + 1) * 64
    epochs = max(1, round(n / per_epoch))
    rng = random.Random(seed)
    spec = make_spec("linreg", rows_n, d, epochs, 0.5, frac_bits=8, value_bits=16)
    x = [[rng.randrange(-(1 << 9), 1 << 9) for _ in range(d)] for _ in range(rows_n)]
    y = [sum(row) // 4 + rng.randrange(-64, 64) for row in x]
    final = model.train(spec, x, y, model.initial_weights(spec))
    cs = ConstraintSystem()
    outs = [cs.public(f"w{k}", to_field(v)) for k, v in enumerate(final)]
    xs = [[cs.private(value=to_field(v)) for v in row] for row in x]
    ys = [cs.private(value=to_field(v)) for v in y]
    w0 = [cs.private(value=0) for _ in range(spec.n_weights)]
    for out, term in zip(outs, model.circuit(cs, spec, xs, ys, w0)):
        cs.assert_equal(term, out)
    return cs.build(), cs.witness()


CIRCUITS = {"squarings": squarings, "bits": bits, "linreg": linreg}
