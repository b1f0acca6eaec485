"""Binary logistic regression by full-batch gradient descent, exact in integers.

Trainer and circuit side by side.  Labels are 0/1 (stored at scale 2^f, i.e. 0 or 2^f).
Per epoch, with scores z_i at scale 2^2f:

    p_i   = sigmoid(floor(z_i / 2^f))                         (scale 2^f, hard sigmoid)
    e_i   = p_i - y_i                                          (scale 2^f)
    w_j  -= floor(lr_num * sum_i e_i x_ij / 2^(f + lr_shift))
    b    -= floor(lr_num * sum_i e_i      / 2^lr_shift)

The sigmoid is :func:`zkanchor.gadgets.activations.sigmoid` (clamp(1/2 + x/4, 0, 1));
its error bound against the logistic function is documented there.
"""

from __future__ import annotations

from typing import Sequence

from ..gadgets.activations import sigmoid, sigmoid_int
from ..gadgets.fixed_point import truncate, truncate_int
from ..r1cs.builder import ConstraintSystem, Term
from .linear import check_update_headroom, descend_circuit, descend_int, score_bits, scores_circuit, scores_int
from .spec import TrainingSpec

KIND = "logreg"
CONVEX = True  # the optimality clause applies


def _logit_bits(spec: TrainingSpec) -> int:
    return score_bits(spec) - spec.frac_bits + 1


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    check_update_headroom(spec, spec.frac_bits + 2)
    _logit_bits(spec)


def initial_weights(spec: TrainingSpec) -> list[int]:
    """All-zero weights and bias."""
    return [0] * (spec.d + 1)


def probabilities_int(spec: TrainingSpec, rows, weights) -> list[int]:
    """sigmoid(floor(z_i / 2^f)) for each row, at scale 2^f."""
    f, bits = spec.frac_bits, _logit_bits(spec)
    return [sigmoid_int(truncate_int(z, f, bits), f, bits) for z in scores_int(spec, rows, weights)]


def error_scale(spec: TrainingSpec) -> int:
    """log2 of the scale of the errors e_i (f: probabilities and labels are at 2^f)."""
    return spec.frac_bits


def errors_int(spec: TrainingSpec, rows, targets, weights) -> list[int]:
    """e_i = p_i - y_i at ``weights`` (scale 2^f)."""
    return [p - int(y) for p, y in zip(probabilities_int(spec, rows, weights), targets)]


def errors_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows, targets, weights, tag: str = "") -> list:
    """The same errors in constraints: scores, one truncation and one sigmoid per row."""
    f, bits = spec.frac_bits, _logit_bits(spec)
    scores = scores_circuit(cs, spec, rows, weights)
    probs = [sigmoid(cs, truncate(cs, z, f, bits, f"{tag}logit{i}"), f, bits, f"{tag}sigmoid{i}")
             for i, z in enumerate(scores)]
    return [p - y for p, y in zip(probs, targets)]


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
