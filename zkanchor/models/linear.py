"""What the linear models share: scores, bounds, the gradient step — trainer and circuit.

Weights are flattened as ``[w_1 .. w_d, b]``.  A sample's score is kept at scale 2^(2f) —
z_i = sum_j x_ij w_j + b 2^f — so computing it needs d multiplications and no
truncation; the only truncations are the per-weight updates, once per epoch.

The trainer side works on numpy object arrays of Python ints (exact, no overflow); the
circuit side on :class:`~zkanchor.r1cs.lc.LC` blocks, row by row the same arithmetic.
Both refuse the same things with the same sentence: a weight leaving its signed
``weight_bits`` range (the circuit's range check on every update).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..gadgets.fixed_point import subtract_floor
from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC
from .spec import TrainingSpec, require_headroom


def as_ints(values: object) -> np.ndarray:
    """An integer array (any int dtype, or Python ints) as an object array of Python ints."""
    arr = np.asarray(values)
    if arr.dtype != object:
        if arr.dtype.kind not in "iu":
            raise InputError(f"expected integers, not {arr.dtype}")
        arr = arr.astype(object)
    return arr


def check_weights(spec: TrainingSpec, weights: np.ndarray, epoch: int | None = None) -> None:
    """InputError (one sentence) unless every weight is a signed ``weight_bits``-bit value.

    The circuit range-checks every weight after every update; the trainer stops at the
    same point, naming the epoch and the weight.
    """
    w = as_ints(weights)
    bound = 1 << (spec.weight_bits - 1)
    bad = np.nonzero((w < -bound) | (w >= bound))[0]
    if len(bad):
        k = int(bad[0])
        where = f"after epoch {epoch}, " if epoch else ""
        raise InputError(
            f"{where}weight {k} is {int(w[k]) / 2 ** spec.frac_bits:g}, outside the spec's range "
            f"|w| < {bound / 2 ** spec.frac_bits:g} (weight_bits {spec.weight_bits}); lower the learning "
            "rate or raise weight_bits")


def score_magnitude_bits(spec: TrainingSpec) -> int:
    """Signed bits a score z_i (scale 2^2f) can reach with data and weights at their bounds."""
    x, w = spec.value_bits - 1, spec.weight_bits - 1
    bits = x + w + math.ceil(math.log2(spec.d + 1)) + 2
    require_headroom(bits, "a score")
    return bits


def scores_np(spec: TrainingSpec, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """z_i = sum_j x_ij w_j + b 2^f for every row (exact integers, scale 2^2f)."""
    w = as_ints(weights)
    return as_ints(x).dot(w[:-1]) + (w[-1] << spec.frac_bits)


def scores_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, weights: LC, name: str = "scores") -> LC:
    """The same scores in constraints: d multiplications per row."""
    d = x.shape[-1]
    products = cs.mul(x, weights[0:d], name)
    return products.sum(axis=-1) + weights[d] * (1 << spec.frac_bits)


def update_shifts(spec: TrainingSpec, error_scale_bits: int) -> tuple[int, int]:
    """Truncation shifts for (weights, bias) when errors e_i are at scale 2^error_scale_bits.

    g_j = sum_i e_i x_ij sits at 2^(error_scale + f) and the bias gradient at
    2^error_scale; updates land at 2^f after multiplying by lr_num / 2^lr_shift.
    """
    return error_scale_bits + spec.lr_shift, error_scale_bits + spec.lr_shift - spec.frac_bits


def check_update_headroom(spec: TrainingSpec, error_bits: int) -> None:
    """Refuse specs whose gradient times lr_num could wrap around the field, or whose floor is not unique."""
    gradient = error_bits + spec.value_bits - 1 + math.ceil(math.log2(spec.n + 1)) + 1
    require_headroom(gradient + spec.lr_num.bit_length(), "a weight gradient")
    w_shift, b_shift = update_shifts(spec, error_bits)
    if b_shift < 0:
        raise InputError("lr_shift is too small for this model's bias update; raise lr_shift")
    require_headroom(max(w_shift, b_shift) + spec.weight_bits + 1, "a weight update's truncation")


def gradient_step_np(spec: TrainingSpec, x: np.ndarray, errors: np.ndarray, weights: np.ndarray,
                     error_scale_bits: int) -> np.ndarray:
    """One full-batch step: w_j -= floor(lr_num * sum_i e_i x_ij / 2^shift), the same for b."""
    w_shift, b_shift = update_shifts(spec, error_scale_bits)
    w = as_ints(weights)
    e = as_ints(errors)
    g = e.dot(as_ints(x))
    new = np.empty(len(w), dtype=object)
    new[:-1] = w[:-1] - ((g * spec.lr_num) >> w_shift)
    new[-1] = w[-1] - ((e.sum() * spec.lr_num) >> b_shift)
    return new


def gradient_step_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, errors: LC, weights: LC,
                          error_scale_bits: int, name: str) -> LC:
    """The same step in constraints: n multiplications and one range-checked floor per weight."""
    from ..r1cs.lc import concatenate

    w_shift, b_shift = update_shifts(spec, error_scale_bits)
    d = x.shape[-1]
    products = cs.mul(x, errors.expand_dims(-1), f"{name}.gradient")
    new_w = subtract_floor(cs, weights[0:d], products.sum(axis=0) * spec.lr_num, w_shift, spec.weight_bits,
                           f"{name}.w")
    new_b = subtract_floor(cs, weights[d:d + 1], errors.sum().expand_dims(0) * spec.lr_num, b_shift,
                           spec.weight_bits, f"{name}.b")
    return concatenate([new_w, new_b], axis=0)


def descend_np(spec: TrainingSpec, x: np.ndarray, y: np.ndarray, weights: np.ndarray, errors_np,
               error_scale_bits: int, trace: list | None = None, mask: np.ndarray | None = None) -> np.ndarray:
    """``spec.epochs`` full-batch steps from ``weights`` with the model's ``errors_np``.

    ``trace``, when given, receives the weights after every epoch; ``mask`` (0/1 per row)
    zeroes the errors of rows that must not influence the model.
    """
    w = as_ints(weights)
    check_weights(spec, w, 0)
    for epoch in range(1, spec.epochs + 1):
        errors = errors_np(spec, x, y, w)
        if mask is not None:
            errors = errors * as_ints(mask)
        w = gradient_step_np(spec, x, errors, w, error_scale_bits)
        check_weights(spec, w, epoch)
        if trace is not None:
            trace.append(w)
    return w


def descend_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, y: LC, weights: LC, errors_circuit,
                    error_scale_bits: int, mask: LC | None = None) -> LC:
    """The same steps in constraints; ``errors_circuit`` gets a per-epoch name tag; ``mask`` as in descend_np."""
    w = weights
    for epoch in range(1, spec.epochs + 1):
        errors = errors_circuit(cs, spec, x, y, w, f"e{epoch}")
        if mask is not None:
            errors = cs.mul(errors, mask, f"e{epoch}.masked")
        w = gradient_step_circuit(cs, spec, x, errors, w, error_scale_bits, f"e{epoch}.step")
    return w


def regularised_gradient_np(spec: TrainingSpec, x: np.ndarray, errors: np.ndarray, weights: np.ndarray,
                            error_scale_bits: int, l2: int) -> np.ndarray:
    """n times the L2-regularised loss gradient, at scale 2^(error_scale + f), as integers.

    R_j = sum_i e_i x_ij + l2 * w_j * 2^(error_scale - f) for the weights (l2 = n * lambda
    * 2^f, rounded), and R_b = 2^f * sum_i e_i for the unregularised bias.
    """
    reg_shift = error_scale_bits - spec.frac_bits
    w = as_ints(weights)
    e = as_ints(errors)
    out = np.empty(len(w), dtype=object)
    out[:-1] = e.dot(as_ints(x)) + ((l2 * w[:-1]) << reg_shift)
    out[-1] = e.sum() << spec.frac_bits
    return out


def regularised_gradient_circuit(cs: ConstraintSystem, spec: TrainingSpec, x: LC, errors: LC, weights: LC,
                                 error_scale_bits: int, l2: LC, name: str) -> LC:
    """The same gradient in constraints: n multiplications per weight (and one for l2 * w_j)."""
    from ..r1cs.lc import concatenate

    reg_shift = error_scale_bits - spec.frac_bits
    d = x.shape[-1]
    products = cs.mul(x, errors.expand_dims(-1), f"{name}.gradient")
    reg = cs.mul(weights[0:d], l2, f"{name}.l2")
    head = products.sum(axis=0) + reg * (1 << reg_shift)
    return concatenate([head, errors.sum().expand_dims(0) * (1 << spec.frac_bits)], axis=0)


def gradient_bits(spec: TrainingSpec, error_bits: int) -> int:
    """Signed bits a regularised gradient component can need (for its range checks)."""
    bits = error_bits + spec.value_bits - 1 + math.ceil(math.log2(spec.n + 1)) + 2
    bits = max(bits, 64 + spec.weight_bits + error_bits - spec.frac_bits + 1)
    require_headroom(bits, "a gradient component")
    return bits
