"""Linear regression by full-batch gradient descent on the squared error, exact in integers.

Trainer and circuit side by side.  Per epoch, with scores z_i at scale 2^2f:

    e_i   = z_i - y_i * 2^f                                   (scale 2^2f)
    w_j  -= floor(lr_num * sum_i e_i x_ij / 2^(2f + lr_shift))
    b    -= floor(lr_num * sum_i e_i      / 2^(f + lr_shift))

The circuit computes the same integers in whichever of two ways costs fewer constraints
for the spec's shape (both are exact, so the choice changes the circuit, not a bit of
the result):

- **direct**: per epoch, n d products for the scores and n d for the gradient — 2 n d;
- **Gram**: the gradient is linear in the weights, g_j = sum_k G_jk w_k + 2^f (b S_j - Y_j)
  with G = X^T X, S = X^T 1 and Y = X^T y, so G and Y are computed once (n d (d + 3) / 2
  products) and each epoch costs d^2 + 2d.  It wins once epochs exceed about (d + 3) / 4.

Each epoch adds (d + 1) range-checked floors.  At d = 30, n >= 256 and 10 epochs that is
under 2.0 constraints per sample·feature·epoch.
"""

from __future__ import annotations

import numpy as np

from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC
from .linear import (
    as_ints,
    check_update_headroom,
    descend_circuit,
    descend_np,
    score_magnitude_bits,
    scores_circuit,
    scores_np,
)
from .spec import TrainingSpec

KIND = "linreg"
CONVEX = True  # the optimality clause applies
CLASSIFIER = False


def error_scale(spec: TrainingSpec) -> int:
    """log2 of the scale of the errors e_i (2f: scores are kept at 2^2f)."""
    return 2 * spec.frac_bits


def score_bits(spec: TrainingSpec) -> int:
    """Signed bits a score can reach (scale 2^2f), from the data and weight bounds."""
    return score_magnitude_bits(spec)


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    check_update_headroom(spec, score_bits(spec) + 1)


def initial_weights(spec: TrainingSpec) -> np.ndarray:
    """All-zero weights and bias."""
    return np.zeros(spec.d + 1, dtype=object)


def errors_np(spec: TrainingSpec, x, y, weights) -> np.ndarray:
    """e_i = z_i - y_i 2^f at ``weights`` (scale 2^2f)."""
    return scores_np(spec, x, weights) - (as_ints(y) << spec.frac_bits)


def errors_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, tag: str = "") -> LC:
    """The same errors in constraints (d multiplications per row)."""
    return scores_circuit(cs, spec, x, weights, f"{tag}.scores") - y * (1 << spec.frac_bits)


def train(spec: TrainingSpec, x, y, weights, trace: list | None = None, mask=None) -> np.ndarray:
    """Run ``spec.epochs`` epochs from ``weights``; the final [w..., b] exactly."""
    check_spec(spec)
    return descend_np(spec, x, y, weights, errors_np, error_scale(spec), trace, mask)


def check_targets(spec: TrainingSpec, y) -> None:
    """Any committed value is a valid regression target."""


def products(spec: TrainingSpec, formulation: str) -> int:
    """Multiplication constraints of the training loop in ``formulation`` ("direct" or "gram")."""
    n, d, e = spec.n, spec.d, spec.epochs
    if formulation == "direct":
        return 2 * n * d * e
    return n * d * (d + 3) // 2 + d * (d + 1) // 2 + d + e * (d * d + 2 * d)


def formulation(spec: TrainingSpec) -> str:
    """The cheaper exact formulation for this shape (masked training always runs direct)."""
    if spec.masked:
        return "direct"
    return "gram" if products(spec, "gram") < products(spec, "direct") else "direct"


def circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, mask: LC | None = None) -> LC:
    """The same training in constraints; the final weights as a block."""
    check_spec(spec)
    if formulation(spec) == "direct" or mask is not None:
        return descend_circuit(cs, spec, x, y, weights, errors_circuit, error_scale(spec), mask)
    return _gram_circuit(cs, spec, x, y, weights)


def _gram_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC) -> LC:
    from ..gadgets.fixed_point import subtract_floor
    from ..r1cs.lc import concatenate
    from .linear import update_shifts

    n, d, f = spec.n, spec.d, spec.frac_bits
    # G_jk for j <= k (one product per row and pair), then materialised: the epochs multiply
    # them by weights, and single wires keep those rows short.
    rows, cols = np.triu_indices(d)
    pair_products = cs.mul(x[:, rows], x[:, cols], "gram.products")      # (n, pairs)
    upper = _materialise(cs, pair_products.sum(axis=0), "gram.G")          # (pairs,)
    index = np.zeros((d, d), dtype=np.int64)
    index[rows, cols] = np.arange(len(rows))
    index[cols, rows] = np.arange(len(rows))
    gram = upper[index.reshape(-1)].reshape(d, d)
    sums = _materialise(cs, x.sum(axis=0), "gram.S")                        # S_j
    ys = cs.mul(x, y.expand_dims(-1), "gram.xy").sum(axis=0)                # Y_j (d,)
    y_total = y.sum()
    w_shift, b_shift = update_shifts(spec, error_scale(spec))
    w = weights
    for epoch in range(1, spec.epochs + 1):
        ww, b = w[0:d], w[d]
        # g_j = sum_k G_jk w_k + 2^f (b S_j - Y_j);  g_b = sum_k S_k w_k + 2^f (n b - sum y)
        gw = cs.mul(gram, ww.expand_dims(0), f"e{epoch}.gram").sum(axis=1)
        sb = cs.mul(sums, b, f"e{epoch}.sb")
        g = gw + (sb - ys) * (1 << f)
        gb = cs.mul(sums, ww, f"e{epoch}.sw").sum() + (b * n - y_total) * (1 << f)
        new_w = subtract_floor(cs, ww, g * spec.lr_num, w_shift, spec.weight_bits, f"e{epoch}.step.w")
        new_b = subtract_floor(cs, w[d:d + 1], gb.expand_dims(0) * spec.lr_num, b_shift, spec.weight_bits,
                               f"e{epoch}.step.b")
        w = concatenate([new_w, new_b], axis=0)
    return w


def _materialise(cs: ConstraintSystem, value: LC, name: str) -> LC:
    out = cs.hint(lambda v: v, [value], value.shape, name)
    cs.assert_equal(out, value, name)
    return out
