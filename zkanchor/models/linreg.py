"""Linear regression by full-batch gradient descent on the squared error, exact in integers.

Trainer and circuit side by side.  Per epoch, with scores z_i at scale 2^2f:

    e_i   = z_i - y_i * 2^f                                   (scale 2^2f)
    w_j  -= floor(lr_num * sum_i e_i x_ij / 2^(2f + lr_shift))
    b    -= floor(lr_num * sum_i e_i      / 2^(f + lr_shift))

Cost per epoch: 2 n d multiplications plus (d + 1) truncations — about 2 constraints
per sample·feature·epoch once n is in the hundreds.
"""

from __future__ import annotations

from typing import Sequence

from ..r1cs.builder import ConstraintSystem, Term
from .linear import check_update_headroom, descend_circuit, descend_int, score_bits, scores_circuit, scores_int
from .spec import TrainingSpec

KIND = "linreg"
CONVEX = True  # the optimality clause applies


def error_scale(spec: TrainingSpec) -> int:
    """log2 of the scale of the errors e_i (2f: scores are kept at 2^2f)."""
    return 2 * spec.frac_bits


def errors_int(spec: TrainingSpec, rows, targets, weights) -> list[int]:
    """e_i = z_i - y_i 2^f at ``weights`` (scale 2^2f)."""
    return [z - (int(y) << spec.frac_bits) for z, y in zip(scores_int(spec, rows, weights), targets)]


def errors_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows, targets, weights, tag: str = "") -> list:
    """The same errors in constraints (d multiplications per row; nothing to name, so ``tag`` is unused)."""
    return [z - y * (1 << spec.frac_bits) for z, y in zip(scores_circuit(cs, spec, rows, weights), targets)]


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    check_update_headroom(spec, score_bits(spec) + 1)


def initial_weights(spec: TrainingSpec) -> list[int]:
    """All-zero weights and bias."""
    return [0] * (spec.d + 1)


def train(spec: TrainingSpec, rows: Sequence[Sequence[int]], targets: Sequence[int],
          weights: Sequence[int]) -> list[int]:
    """Run ``spec.epochs`` epochs from ``weights``; returns the final [w..., b] exactly."""
    check_spec(spec)
    return descend_int(spec, rows, targets, weights, errors_int, error_scale(spec))


def circuit(cs: ConstraintSystem, spec: TrainingSpec, rows: Sequence[Sequence[Term]],
            targets: Sequence[Term], weights: Sequence[Term]) -> list:
    """The same training in constraints; returns the final weights as linear combinations."""
    check_spec(spec)
    return descend_circuit(cs, spec, rows, targets, weights, errors_circuit, error_scale(spec))
