"""Linear regression by full-batch gradient descent on the squared error, exact in integers.

Trainer and circuit side by side.  Per epoch, with scores z_i at scale 2^2f:

    e_i   = z_i - y_i * 2^f                                   (scale 2^2f)
    w_j  -= floor(lr_num * sum_i e_i x_ij / 2^(2f + lr_shift))
    b    -= floor(lr_num * sum_i e_i      / 2^(f + lr_shift))

Cost per epoch: 2 n d multiplications plus (d + 1) range-checked floors — about 2
constraints per sample·feature·epoch once n is in the hundreds.
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


def train(spec: TrainingSpec, x, y, weights, trace: list | None = None) -> np.ndarray:
    """Run ``spec.epochs`` epochs from ``weights``; the final [w..., b] exactly."""
    check_spec(spec)
    return descend_np(spec, x, y, weights, errors_np, error_scale(spec), trace)


def check_targets(spec: TrainingSpec, y) -> None:
    """Any committed value is a valid regression target."""


def circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC) -> LC:
    """The same training in constraints; the final weights as a block."""
    check_spec(spec)
    return descend_circuit(cs, spec, x, y, weights, errors_circuit, error_scale(spec))
