"""A small MLP: one hidden ReLU layer, a sigmoid output, full-batch gradient descent, exact in integers.

Trainer and circuit side by side.  A binary classifier trained on the same loss as
logistic regression (labels y_i in {0, 2^f}; the output error is e_i = p_i - y_i) with
H = ``spec.hidden`` hidden units.

Weights are flattened as ``W1`` (H x d, row-major: unit k's d weights together), then
``b1`` (H), ``w2`` (H), ``b2`` — spec.n_weights = H (d + 1) + H + 1 numbers, all at
scale 2^f.  Unit k is the linear model ``[W1_k1 .. W1_kd, b1_k]`` on the data, and the
output the linear model ``[w2_1 .. w2_H, b2]`` on the hidden activations, so both layers
reuse :mod:`.linear`'s scores and update step.

Per epoch, with f = frac_bits (all floors; every truncation range-checks its output):

    a_ik  = sum_j W1_kj x_ij + b1_k 2^f                       (scale 2^2f, no truncation)
    t_ik  = floor(a_ik / 2^f)                                  (scale 2^f, signed Wt bits)
    s_ik  = [t_ik >= 0]  (= [a_ik >= 0], the ReLU's bit)       h_ik = s_ik t_ik   (scale 2^f)
    z_i   = sum_k w2_k h_ik + b2 2^f                           (scale 2^2f, no truncation)
    p_i   = sigmoid(floor(z_i / 2^f))                          (scale 2^f, signed Wz bits in)
    e_i   = p_i - y_i                                          (scale 2^f)
    d_ik  = e_i w2_k s_ik                                      (scale 2^2f, no truncation)
    w2_k -= floor(lr_num * sum_i e_i h_ik  / 2^(f + lr_shift))
    b2   -= floor(lr_num * sum_i e_i       / 2^lr_shift)
    W1_kj -= floor(lr_num * sum_i d_ik x_ij / 2^(2f + lr_shift))
    b1_k -= floor(lr_num * sum_i d_ik      / 2^(f + lr_shift))

Every update uses the weights of the epoch's start (w2 in d_ik is the old one) and is a
signed weight_bits-bit value, as in linear and logistic regression.  The ReLU derivative
at 0 is taken as 1: it is the same bit [t >= 0] that makes h.  Wt and Wz are the widths
of :func:`widths`, sized for the worst case the spec allows (data at value_bits, weights
at their bound after ``epochs`` updates), so no honest forward value fails its range check;
an update beyond weight_bits is refused, as in linear and logistic regression.

Cost per sample·epoch, in constraints: H (2d + 5 + f + 2 Wt) for the hidden layer and
its backward pass, plus 2 Wz + f + 4 for the output (its truncation and sigmoid); per
epoch, one truncation per weight (shift + weight_bits constraints each).  For f = 8,
value_bits = 16, weight_bits = 24, d = 2, H = 2 and one epoch: Wt = 42, Wz = 59, 332
constraints per sample·epoch and 528 per epoch.

``scores_int`` / ``scores_circuit`` / ``score_bits`` give the output scores z_i with
:mod:`.linear`'s meaning (scale 2^2f, z_i >= 0 predicts class 1), for evaluation.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Sequence

from ..errors import InputError
from ..gadgets.activations import relu_int, sigmoid, sigmoid_int
from ..gadgets.compare import is_nonnegative
from ..gadgets.fixed_point import truncate, truncate_int
from ..r1cs.builder import ConstraintSystem, Term
from .linear import gradient_step_circuit, gradient_step_int
from .linear import scores_circuit as linear_scores_circuit, scores_int as linear_scores_int
from .spec import TrainingSpec, require_headroom

KIND = "mlp"
INIT_DOMAIN = b"zkanchor/mlp/initial-weights/v1"


@dataclass(frozen=True)
class Widths:
    """Signed bit widths of the two truncated forward values (their range checks' widths)."""

    hidden: int  # t_ik = floor(a_ik / 2^f), the ReLU's input; h_ik fits it too
    logit: int   # floor(z_i / 2^f), the sigmoid's input


def _signed_bits(magnitude: int) -> int:
    # The smallest n with [-magnitude, magnitude] inside the signed n-bit range.
    return magnitude.bit_length() + 1


def widths(spec: TrainingSpec) -> Widths:
    """The truncation widths for ``spec``, refusing specs that could wrap around the field.

    Worst-case magnitudes, exact as integers: |x| <= 2^(value_bits-1); |w| <= (epochs+1)
    2^(weight_bits-1) (initial range plus one bounded update per epoch); |e| <= |y| + 2^f
    with y any committed target; then each accumulated sum the circuit truncates.
    """
    f = spec.frac_bits
    if f < 2:
        raise InputError("an mlp needs frac_bits >= 2 (the sigmoid's slope 1/4 is a 2-bit shift)")
    x = 1 << (spec.value_bits - 1)
    w = (spec.epochs + 1) << (spec.weight_bits - 1)
    err = x + (1 << f)
    pre = spec.d * x * w + (w << f)
    t = (pre >> f) + 1                      # floor rounds away from 0 for negatives: +1
    score = spec.hidden * t * w + (w << f)
    logit = (score >> f) + 1
    for what, magnitude in (
        ("a hidden pre-activation", pre),
        ("an output score", score),
        ("an output-layer gradient times lr_num", spec.n * err * t * spec.lr_num),
        ("a hidden-layer gradient times lr_num", spec.n * err * w * x * spec.lr_num),
    ):
        require_headroom(_signed_bits(magnitude), what)
    # The widest truncation (W1's update) must keep x = q 2^shift + r unique.
    require_headroom(2 * f + spec.lr_shift + spec.weight_bits, "a hidden-layer update's truncation")
    return Widths(hidden=_signed_bits(t), logit=max(_signed_bits(logit), f + 2))


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    widths(spec)


def score_bits(spec: TrainingSpec) -> int:
    """Signed bits an output score z_i (scale 2^2f) can need: the width a prediction's sign test takes."""
    return widths(spec).logit + spec.frac_bits


# -- layout ----------------------------------------------------------------------------


def split(spec: TrainingSpec, weights: Sequence) -> tuple[list[list], list]:
    """Flat weights -> (per hidden unit k: [W1_k1 .. W1_kd, b1_k], output: [w2_1 .. w2_H, b2])."""
    d, h = spec.d, spec.hidden
    if len(weights) != spec.n_weights:
        raise InputError(f"an mlp of this shape has {spec.n_weights} weights, got {len(weights)}")
    w = list(weights)
    units = [w[k * d:(k + 1) * d] + [w[h * d + k]] for k in range(h)]
    return units, w[h * (d + 1):]


def join(units: Sequence[Sequence], output: Sequence) -> list:
    """The inverse of :func:`split`."""
    return [v for u in units for v in u[:-1]] + [u[-1] for u in units] + list(output)


def initial_weights(spec: TrainingSpec) -> list[int]:
    """Small deterministic pseudo-random weights, zero biases; a function of the shape alone.

    Equal hidden units would stay equal forever, so W1 and w2 cannot start at zero.
    Weight number k (flat order) is u_k mod (2r + 1) - r, with u_k the big-endian
    integer of sha256(INIT_DOMAIN || d || hidden || frac_bits || weight_bits || k)
    (each a 4-byte big-endian int): uniform on [-r, r] up to a bias below 2^-190.  r is the
    He/Glorot uniform limit in fixed point — floor(2^f sqrt(6 / d)) for W1, floor(2^f
    sqrt(6 / (hidden + 1))) for w2 — capped to fit weight_bits.  Only the shape is
    hashed, so runs that differ in n, epochs or learning rate start from the same W0.
    """
    check_spec(spec)
    f, cap = spec.frac_bits, (1 << (spec.weight_bits - 1)) - 1
    seed = INIT_DOMAIN + b"".join(v.to_bytes(4, "big") for v in (spec.d, spec.hidden, f, spec.weight_bits))

    def draw(k: int, fan: int) -> int:
        r = min(math.isqrt((6 << (2 * f)) // fan), cap)
        u = int.from_bytes(hashlib.sha256(seed + k.to_bytes(4, "big")).digest(), "big")
        return u % (2 * r + 1) - r

    flat = [0] * spec.n_weights
    n_w1 = spec.hidden * spec.d
    for k in range(n_w1):
        flat[k] = draw(k, spec.d)
    first_w2 = n_w1 + spec.hidden
    for k in range(first_w2, first_w2 + spec.hidden):
        flat[k] = draw(k, spec.hidden + 1)
    return flat


# -- trainer ---------------------------------------------------------------------------


def _forward_int(spec: TrainingSpec, wd: Widths, rows, weights):
    units, output = split(spec, [int(v) for v in weights])
    f = spec.frac_bits
    t = [[truncate_int(a, f, wd.hidden) for a in linear_scores_int(spec, rows, unit)] for unit in units]
    active = [[int(v >= 0) for v in col] for col in t]
    h_rows = [[relu_int(t[k][i]) for k in range(spec.hidden)] for i in range(len(rows))]
    return units, output, active, h_rows, linear_scores_int(spec, h_rows, output)


def scores_int(spec: TrainingSpec, rows: Sequence[Sequence[int]], weights: Sequence[int]) -> list[int]:
    """The output scores z_i (scale 2^2f) at ``weights``; z_i >= 0 predicts class 1."""
    return _forward_int(spec, widths(spec), rows, weights)[-1]


def probabilities_int(spec: TrainingSpec, rows, weights) -> list[int]:
    """sigmoid(floor(z_i / 2^f)) for each row, at scale 2^f."""
    wd, f = widths(spec), spec.frac_bits
    return [sigmoid_int(truncate_int(z, f, wd.logit), f, wd.logit) for z in _forward_int(spec, wd, rows, weights)[-1]]


def _step_int(spec: TrainingSpec, wd: Widths, rows, targets, weights) -> list[int]:
    f = spec.frac_bits
    units, output, active, h_rows, scores = _forward_int(spec, wd, rows, weights)
    errors = [sigmoid_int(truncate_int(z, f, wd.logit), f, wd.logit) - int(y) for z, y in zip(scores, targets)]
    new_output = gradient_step_int(spec, h_rows, errors, output, f)
    new_units = []
    for k, unit in enumerate(units):
        deltas = [e * output[k] * s for e, s in zip(errors, active[k])]
        new_units.append(gradient_step_int(spec, rows, deltas, unit, 2 * f))
    return join(new_units, new_output)


def train(spec: TrainingSpec, rows: Sequence[Sequence[int]], targets: Sequence[int],
          weights: Sequence[int]) -> list[int]:
    """Run ``spec.epochs`` epochs from ``weights``; returns the final flat weights exactly."""
    wd = widths(spec)  # also checks the spec
    rows = [[int(v) for v in row] for row in rows]
    w = [int(v) for v in weights]
    for _ in range(spec.epochs):
        w = _step_int(spec, wd, rows, targets, w)
    return w


# -- circuit ---------------------------------------------------------------------------


def _forward_circuit(cs: ConstraintSystem, spec: TrainingSpec, wd: Widths, rows, weights, tag: str):
    units, output = split(spec, weights)
    f = spec.frac_bits
    active, h_cols = [], []
    for k, unit in enumerate(units):
        bits, hs = [], []
        for i, a in enumerate(linear_scores_circuit(cs, spec, rows, unit)):
            name = f"{tag}u{k}.s{i}"
            t = truncate(cs, a, f, wd.hidden, f"{name}.t")
            # relu() would hide its bit; the backward pass needs it, so build relu from the same parts.
            s = is_nonnegative(cs, t, wd.hidden, f"{name}.active")
            bits.append(s)
            hs.append(cs.mul(s, t, f"{name}.h"))
        active.append(bits)
        h_cols.append(hs)
    h_rows = [list(r) for r in zip(*h_cols)]
    return units, output, active, h_rows, linear_scores_circuit(cs, spec, h_rows, output)


def scores_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows: Sequence[Sequence[Term]],
                   weights: Sequence[Term], tag: str = "eval.") -> list:
    """The output scores z_i (scale 2^2f) in constraints: the forward pass of :func:`circuit`."""
    return _forward_circuit(cs, spec, widths(spec), rows, weights, tag)[-1]


def _step_circuit(cs: ConstraintSystem, spec: TrainingSpec, wd: Widths, rows, targets, weights, tag: str) -> list:
    f = spec.frac_bits
    units, output, active, h_rows, scores = _forward_circuit(cs, spec, wd, rows, weights, tag)
    probs = [sigmoid(cs, truncate(cs, z, f, wd.logit, f"{tag}logit{i}"), f, wd.logit, f"{tag}sigmoid{i}")
             for i, z in enumerate(scores)]
    errors = [p - y for p, y in zip(probs, targets)]
    new_output = gradient_step_circuit(cs, spec, h_rows, errors, output, f)
    new_units = []
    for k, unit in enumerate(units):
        deltas = [cs.mul(s, cs.mul(e, output[k]), f"{tag}u{k}.s{i}.delta")
                  for i, (e, s) in enumerate(zip(errors, active[k]))]
        new_units.append(gradient_step_circuit(cs, spec, rows, deltas, unit, 2 * f))
    return join(new_units, new_output)


def circuit(cs: ConstraintSystem, spec: TrainingSpec, rows: Sequence[Sequence[Term]],
            targets: Sequence[Term], weights: Sequence[Term]) -> list:
    """The same training in constraints; returns the final flat weights as linear combinations."""
    wd = widths(spec)  # also checks the spec
    w = list(weights)
    for epoch in range(spec.epochs):
        w = _step_circuit(cs, spec, wd, rows, targets, w, f"e{epoch}.")
    return w
