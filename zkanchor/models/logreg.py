"""Binary logistic regression by full-batch gradient descent, exact in integers.

Trainer and circuit side by side.  Labels are 0/1 (stored at scale 2^f, i.e. 0 or 2^f;
the circuit proves it).  Per epoch, with scores z_i at scale 2^2f:

    p_i   = sigmoid(floor(z_i / 2^f))                         (scale 2^f, hard sigmoid)
    e_i   = p_i - y_i                                          (scale 2^f)
    w_j  -= floor(lr_num * sum_i e_i x_ij / 2^(f + lr_shift))
    b    -= floor(lr_num * sum_i e_i      / 2^lr_shift)

The sigmoid is :func:`zkanchor.gadgets.activations.sigmoid` (clamp(1/2 + x/4, 0, 1)),
applied straight to the score at scale 2^2f (its ``extra`` bits), so the score's floor
costs nothing of its own; its error bound against the logistic function is documented
there.  Scores must stay signed ``score_bits``-bit values (logits within +-2^(score_bits
- 2f - 1)); training that leaves that range stops with one sentence.

Cost per row and epoch: 2 d multiplications and score_bits + 3 for the sigmoid; plus
(d + 1) range-checked floors per epoch.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..gadgets.activations import sigmoid, sigmoid_np_object
from ..gadgets.field import require_signed_array
from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC
from .linear import as_ints, check_update_headroom, descend_circuit, descend_np, scores_circuit, scores_np
from .spec import TrainingSpec

KIND = "logreg"
CONVEX = True  # the optimality clause applies
CLASSIFIER = True


def score_bits(spec: TrainingSpec) -> int:
    """Signed bits of a score at scale 2^2f: the spec's bound, enforced by the sigmoid."""
    return spec.score_bits


def scores_message(spec: TrainingSpec) -> str:
    """What a score leaving its range is called (trainer and circuit alike)."""
    bound = 2 ** (spec.score_bits - 2 * spec.frac_bits - 1)
    return (f"a logit left the spec's range +-{bound} (score_bits {spec.score_bits}); "
            "lower the learning rate or raise score_bits")


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    check_update_headroom(spec, spec.frac_bits + 2)


def initial_weights(spec: TrainingSpec) -> np.ndarray:
    """All-zero weights and bias."""
    return np.zeros(spec.d + 1, dtype=object)


def check_targets(spec: TrainingSpec, y) -> None:
    """Labels must be 0 or 1 (at scale 2^f: 0 or 2^f)."""
    v = as_ints(y)
    if not np.all((v == 0) | (v == 1 << spec.frac_bits)):
        bad = v[(v != 0) & (v != 1 << spec.frac_bits)][0]
        raise InputError(f"logistic regression needs 0/1 labels, but the data has the label "
                         f"{bad / 2 ** spec.frac_bits:g}")


def probabilities_np(spec: TrainingSpec, x, weights) -> np.ndarray:
    """sigmoid(floor(z_i / 2^f)) for each row, at scale 2^f (refuses scores out of range)."""
    z = scores_np(spec, x, weights)
    require_signed_array(z, spec.score_bits, scores_message(spec))
    return sigmoid_np_object(z, spec.frac_bits, spec.frac_bits)


def error_scale(spec: TrainingSpec) -> int:
    """log2 of the scale of the errors e_i (f: probabilities and labels are at 2^f)."""
    return spec.frac_bits


def errors_np(spec: TrainingSpec, x, y, weights) -> np.ndarray:
    """e_i = p_i - y_i at ``weights`` (scale 2^f)."""
    return probabilities_np(spec, x, weights) - as_ints(y)


def errors_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, tag: str = "") -> LC:
    """The same errors in constraints: scores, and one sigmoid per row on the unscaled score."""
    z = scores_circuit(cs, spec, x, weights, f"{tag}.scores")
    p = sigmoid(cs, z, spec.frac_bits, spec.score_bits, f"{tag}.sigmoid", extra=spec.frac_bits)
    return p - y


def train(spec: TrainingSpec, x, y, weights, trace: list | None = None, mask=None) -> np.ndarray:
    """Run ``spec.epochs`` epochs from ``weights``; the final [w..., b] exactly."""
    check_spec(spec)
    check_targets(spec, y)
    return descend_np(spec, x, y, weights, errors_np, error_scale(spec), trace, mask)


def circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, mask: LC | None = None) -> LC:
    """The same training in constraints; the final weights as a block."""
    check_spec(spec)
    return descend_circuit(cs, spec, x, y, weights, errors_circuit, error_scale(spec), mask)
