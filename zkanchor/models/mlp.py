"""A small MLP: one hidden ReLU layer, a sigmoid output, full-batch gradient descent, exact in integers.

Trainer and circuit side by side.  A binary classifier trained on the same loss as
logistic regression (labels y_i in {0, 2^f}; the output error is e_i = p_i - y_i) with
H = ``spec.hidden`` hidden units.

Weights are flattened as ``W1`` (H x d, row-major: unit k's d weights together), then
``b1`` (H), ``w2`` (H), ``b2`` — spec.n_weights = H (d + 1) + H + 1 numbers, all at
scale 2^f.

Per epoch, with f = frac_bits (all floors):

    a_ik  = sum_j W1_kj x_ij + b1_k 2^f                       (scale 2^2f, no truncation)
    t_ik  = floor(a_ik / 2^f)                                  (scale 2^f, signed score_bits - f bits)
    s_ik  = [t_ik >= 0]                                        h_ik = s_ik t_ik   (the ReLU)
    z_i   = sum_k w2_k h_ik + b2 2^f                           (scale 2^2f, signed score_bits bits)
    p_i   = sigmoid(floor(z_i / 2^f))                          (scale 2^f)
    e_i   = p_i - y_i                                          (scale 2^f)
    d_ik  = e_i w2_k s_ik                                      (scale 2^2f, no truncation)
    w2_k -= floor(lr_num * sum_i e_i h_ik  / 2^(f + lr_shift))
    b2   -= floor(lr_num * sum_i e_i       / 2^lr_shift)
    W1_kj -= floor(lr_num * sum_i d_ik x_ij / 2^(2f + lr_shift))
    b1_k -= floor(lr_num * sum_i d_ik      / 2^(f + lr_shift))

Every update uses the weights of the epoch's start (w2 in d_ik is the old one); every
weight stays a signed weight_bits-bit value.  The ReLU derivative at 0 is taken as 1:
it is the same bit [t >= 0] that makes h, read off the truncation's own range check.

Cost per sample·epoch: H (2d + f + score_bits - f + 3) for the hidden layer and its
backward pass, plus score_bits + 3 for the output sigmoid and H for the output products;
per epoch, one range-checked floor per weight.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from ..errors import InputError
from ..gadgets.activations import relu_of_floor, sigmoid, sigmoid_np_object
from ..gadgets.field import require_signed_array
from ..gadgets.fixed_point import subtract_floor
from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC, concatenate
from .linear import as_ints, check_weights, update_shifts
from .spec import TrainingSpec, require_headroom

KIND = "mlp"
CONVEX = False  # no optimality clause: the loss is not convex
CLASSIFIER = True
INIT_DOMAIN = b"zkanchor/mlp/initial-weights/v1"


def hidden_bits(spec: TrainingSpec) -> int:
    """Signed bits of a hidden pre-activation after its floor (scale 2^f)."""
    return spec.score_bits - spec.frac_bits


def score_bits(spec: TrainingSpec) -> int:
    """Signed bits of an output score at scale 2^2f: the spec's bound, enforced by the sigmoid."""
    return spec.score_bits


def check_spec(spec: TrainingSpec) -> None:
    """Refuse a spec whose intermediate values could exceed the field's headroom."""
    f = spec.frac_bits
    if f < 2:
        raise InputError("an mlp needs frac_bits >= 2 (the sigmoid's slope 1/4 is a 2-bit shift)")
    x, w, hb = spec.value_bits - 1, spec.weight_bits - 1, hidden_bits(spec)
    log_n = math.ceil(math.log2(spec.n + 1))
    require_headroom(x + w + math.ceil(math.log2(spec.d + 2)) + 1, "a hidden pre-activation")
    require_headroom(hb + w + math.ceil(math.log2(spec.hidden + 2)) + f + 1, "an output score")
    require_headroom(f + 1 + hb + log_n + spec.lr_num.bit_length(), "an output-layer gradient times lr_num")
    require_headroom(f + 1 + w + x + log_n + spec.lr_num.bit_length() + 1, "a hidden-layer gradient times lr_num")
    require_headroom(2 * f + spec.lr_shift + spec.weight_bits + 1, "a hidden-layer update's truncation")


# -- layout ----------------------------------------------------------------------------


def split(spec: TrainingSpec, weights):
    """Flat weights -> (W1 (H, d), b1 (H,), w2 (H,), b2 ()) as views of the same kind."""
    d, h = spec.d, spec.hidden
    if len(weights) != spec.n_weights:
        raise InputError(f"an mlp of this shape has {spec.n_weights} weights, got {len(weights)}")
    return (weights[0:h * d].reshape(h, d), weights[h * d:h * d + h], weights[h * d + h:h * d + 2 * h],
            weights[h * d + 2 * h])


def initial_weights(spec: TrainingSpec) -> np.ndarray:
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

    flat = np.zeros(spec.n_weights, dtype=object)
    n_w1 = spec.hidden * spec.d
    for k in range(n_w1):
        flat[k] = draw(k, spec.d)
    first_w2 = n_w1 + spec.hidden
    for k in range(first_w2, first_w2 + spec.hidden):
        flat[k] = draw(k, spec.hidden + 1)
    return flat


def check_targets(spec: TrainingSpec, y) -> None:
    """Labels must be 0 or 1 (at scale 2^f: 0 or 2^f)."""
    from .logreg import check_targets as binary

    binary(spec, y)


def _message(spec: TrainingSpec, what: str) -> str:
    return (f"{what} left the spec's signed range (score_bits {spec.score_bits}); "
            "lower the learning rate or raise score_bits")


# -- trainer ---------------------------------------------------------------------------


def _forward_np(spec: TrainingSpec, x: np.ndarray, weights: np.ndarray):
    f = spec.frac_bits
    w1, b1, w2, b2 = split(spec, as_ints(weights))
    a = x.dot(w1.T) + (b1 << f)                       # (n, H) at 2^2f
    t = a >> f
    require_signed_array(t, hidden_bits(spec), _message(spec, "a hidden pre-activation"))
    s = (t >= 0).astype(object)
    h = s * t
    z = h.dot(w2) + (b2 << f)
    require_signed_array(z, spec.score_bits, _message(spec, "an output score"))
    return w1, b1, w2, b2, s, h, z


def scores_np(spec: TrainingSpec, x, weights) -> np.ndarray:
    """The output scores z_i (scale 2^2f) at ``weights``; z_i >= 0 predicts class 1."""
    return _forward_np(spec, as_ints(x), weights)[-1]


def probabilities_np(spec: TrainingSpec, x, weights) -> np.ndarray:
    """sigmoid(floor(z_i / 2^f)) for each row, at scale 2^f."""
    return sigmoid_np_object(scores_np(spec, x, weights), spec.frac_bits, spec.frac_bits)


def _step_np(spec: TrainingSpec, x: np.ndarray, y: np.ndarray, weights: np.ndarray, mask=None) -> np.ndarray:
    f = spec.frac_bits
    w1, b1, w2, b2, s, h, z = _forward_np(spec, x, weights)
    e = sigmoid_np_object(z, f, f) - y                # (n,) at 2^f
    if mask is not None:
        e = e * as_ints(mask)
    out_w, out_b = update_shifts(spec, f)
    hid_w, hid_b = update_shifts(spec, 2 * f)
    new_w2 = w2 - ((e.dot(h) * spec.lr_num) >> out_w)
    new_b2 = b2 - ((e.sum() * spec.lr_num) >> out_b)
    deltas = e[:, None] * w2[None, :] * s             # (n, H) at 2^2f
    new_w1 = w1 - ((deltas.T.dot(x) * spec.lr_num) >> hid_w)
    new_b1 = b1 - ((deltas.sum(axis=0) * spec.lr_num) >> hid_b)
    return np.concatenate([new_w1.reshape(-1), new_b1, new_w2, np.array([new_b2], dtype=object)])


def train(spec: TrainingSpec, x, y, weights, trace: list | None = None, mask=None) -> np.ndarray:
    """Run ``spec.epochs`` epochs from ``weights``; the final flat weights exactly."""
    check_spec(spec)
    check_targets(spec, y)
    x, y = as_ints(x), as_ints(y)
    w = as_ints(weights)
    check_weights(spec, w, 0)
    for epoch in range(1, spec.epochs + 1):
        w = _step_np(spec, x, y, w, mask)
        check_weights(spec, w, epoch)
        if trace is not None:
            trace.append(w)
    return w


# -- circuit ---------------------------------------------------------------------------


def _forward_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, weights: LC, tag: str):
    f, h_units, d = spec.frac_bits, spec.hidden, spec.d
    w1 = weights[0:h_units * d].reshape(h_units, d)
    b1 = weights[h_units * d:h_units * d + h_units]
    w2 = weights[h_units * d + h_units:h_units * d + 2 * h_units]
    b2 = weights[h_units * d + 2 * h_units]
    products = cs.mul(x.expand_dims(1), w1.expand_dims(0), f"{tag}.hidden")  # (n, H, d)
    a = products.sum(axis=2) + b1 * (1 << f)
    s, _t, h = relu_of_floor(cs, a, f, hidden_bits(spec), f"{tag}.relu")
    z = cs.mul(h, w2, f"{tag}.output").sum(axis=1) + b2 * (1 << f)
    return w1, b1, w2, b2, s, h, z


def scores_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, weights: LC, name: str = "eval") -> LC:
    """The output scores z_i (scale 2^2f) in constraints: the forward pass of :func:`circuit`."""
    return _forward_circuit(cs, spec, x, weights, name)[-1]


def _step_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, tag: str,
                  mask: LC | None = None) -> LC:
    f = spec.frac_bits
    w1, b1, w2, b2, s, h, z = _forward_circuit(cs, spec, x, weights, tag)
    e = sigmoid(cs, z, f, spec.score_bits, f"{tag}.sigmoid", extra=f) - y
    if mask is not None:
        e = cs.mul(e, mask, f"{tag}.masked")
    out_w, out_b = update_shifts(spec, f)
    hid_w, hid_b = update_shifts(spec, 2 * f)
    wb = spec.weight_bits
    new_w2 = subtract_floor(cs, w2, cs.mul(h, e.expand_dims(1), f"{tag}.g2").sum(axis=0) * spec.lr_num,
                            out_w, wb, f"{tag}.w2")
    new_b2 = subtract_floor(cs, b2.expand_dims(0), e.sum().expand_dims(0) * spec.lr_num, out_b, wb, f"{tag}.b2")
    deltas = cs.mul(s, cs.mul(e.expand_dims(1), w2.expand_dims(0), f"{tag}.ew2"), f"{tag}.delta")  # (n, H)
    g1 = cs.mul(deltas.T.expand_dims(2), x.expand_dims(0), f"{tag}.g1").sum(axis=1)  # (H, d)
    new_w1 = subtract_floor(cs, w1, g1 * spec.lr_num, hid_w, wb, f"{tag}.w1")
    new_b1 = subtract_floor(cs, b1, deltas.sum(axis=0) * spec.lr_num, hid_b, wb, f"{tag}.b1")
    return concatenate([new_w1.reshape(-1), new_b1, new_w2, new_b2], axis=0)


def circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, mask: LC | None = None) -> LC:
    """The same training in constraints; the final flat weights as a block."""
    check_spec(spec)
    w = weights
    for epoch in range(1, spec.epochs + 1):
        w = _step_circuit(cs, spec, x, y, w, f"e{epoch}", mask)
    return w
