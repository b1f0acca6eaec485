"""What linear and logistic regression share: scores, bounds, and the update step.

Weights are flattened as ``[w_1 .. w_d, b]``.  A sample's score is kept at scale
2^(2f) — z_i = sum_j x_ij w_j + b 2^f — so computing it needs d multiplications and
no truncation; the only truncations are the per-weight updates, once per epoch.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..gadgets.fixed_point import truncate, truncate_int
from ..r1cs.builder import ConstraintSystem, Term, as_lc, linear_sum
from .spec import TrainingSpec, require_headroom


def score_bits(spec: TrainingSpec) -> int:
    """Signed bits a score z_i (scale 2^2f) can need, with every weight at its bound."""
    product = spec.value_bits + spec.weight_bound_bits - 1
    bits = product + math.ceil(math.log2(spec.d + 2)) + 1
    require_headroom(bits, "a score")
    return bits


def scores_int(spec: TrainingSpec, rows: Sequence[Sequence[int]], weights: Sequence[int]) -> list[int]:
    """z_i = sum_j x_ij w_j + b * 2^f for each row (exact integers)."""
    *w, b = (int(v) for v in weights)
    shifted_b = b << spec.frac_bits
    return [sum(int(x) * wj for x, wj in zip(row, w)) + shifted_b for row in rows]


def scores_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows: Sequence[Sequence[Term]],
                   weights: Sequence[Term]) -> list:
    """The same scores in constraints: d multiplications per row."""
    *w, b = weights
    shifted_b = b * (1 << spec.frac_bits)
    out = []
    for row in rows:
        products = [cs.mul(x, wj) for x, wj in zip(row, w)]
        out.append(linear_sum(products + [shifted_b]))
    return out


def update_shifts(spec: TrainingSpec, error_scale_bits: int) -> tuple[int, int]:
    """Truncation shifts for (weights, bias) when errors e_i are at scale 2^error_scale_bits.

    g_j = sum_i e_i x_ij sits at 2^(error_scale + f) and the bias gradient at
    2^error_scale; updates land at 2^f after multiplying by lr_num / 2^lr_shift.
    """
    f = spec.frac_bits
    return error_scale_bits + spec.lr_shift, error_scale_bits + spec.lr_shift - f


def check_update_headroom(spec: TrainingSpec, error_bits: int) -> None:
    """Refuse specs whose gradient times lr_num could wrap around the field."""
    gradient = error_bits + spec.value_bits - 1 + math.ceil(math.log2(spec.n + 1))
    require_headroom(gradient + spec.lr_num.bit_length(), "a weight gradient")


def gradient_step_int(spec: TrainingSpec, rows, errors: Sequence[int], weights: Sequence[int],
                      error_scale_bits: int) -> list[int]:
    """One full-batch step: w_j -= floor(lr_num * sum_i e_i x_ij / 2^shift), same for b."""
    w_shift, b_shift = update_shifts(spec, error_scale_bits)
    *w, b = (int(v) for v in weights)
    new = []
    for j, wj in enumerate(w):
        g = sum(e * int(row[j]) for e, row in zip(errors, rows))
        new.append(wj - truncate_int(g * spec.lr_num, w_shift, spec.weight_bits))
    new.append(b - truncate_int(sum(errors) * spec.lr_num, b_shift, spec.weight_bits))
    return new


def gradient_step_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows, errors: Sequence[Term],
                          weights: Sequence[Term], error_scale_bits: int) -> list:
    """The same step in constraints: n multiplications and one truncation per weight."""
    w_shift, b_shift = update_shifts(spec, error_scale_bits)
    *w, b = weights
    new = []
    for j, wj in enumerate(w):
        g = linear_sum([cs.mul(e, row[j]) for e, row in zip(errors, rows)])
        new.append(wj - truncate(cs, g * spec.lr_num, w_shift, spec.weight_bits))
    new.append(b - truncate(cs, linear_sum(errors) * spec.lr_num, b_shift, spec.weight_bits))
    return new


def descend_int(spec: TrainingSpec, rows, targets, weights: Sequence[int], errors_int, error_scale_bits: int) -> list[int]:
    """``spec.epochs`` full-batch steps from ``weights``, with the model's ``errors_int``."""
    w = [int(v) for v in weights]
    for _ in range(spec.epochs):
        w = gradient_step_int(spec, rows, errors_int(spec, rows, targets, w), w, error_scale_bits)
    return w


def descend_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows, targets, weights: Sequence[Term],
                    errors_circuit, error_scale_bits: int) -> list:
    """The same steps in constraints; ``errors_circuit`` gets a per-epoch name tag."""
    w = list(weights)
    for epoch in range(spec.epochs):
        errors = errors_circuit(cs, spec, rows, targets, w, f"e{epoch}.")
        w = gradient_step_circuit(cs, spec, rows, errors, w, error_scale_bits)
    return w


def regularised_gradient_int(spec: TrainingSpec, rows, errors: Sequence[int], weights: Sequence[int],
                             error_scale_bits: int, l2: int) -> list[int]:
    """n times the L2-regularised loss gradient, at scale 2^(error_scale + f), as integers.

    R_j = sum_i e_i x_ij + l2 * w_j * 2^(error_scale - f) for the weights (l2 = n * lambda
    * 2^f, rounded), and R_b = 2^f * sum_i e_i for the unregularised bias.
    """
    reg_shift = error_scale_bits - spec.frac_bits
    *w, _b = (int(v) for v in weights)
    out = [sum(e * int(row[j]) for e, row in zip(errors, rows)) + (l2 * wj << reg_shift) for j, wj in enumerate(w)]
    out.append(sum(errors) << spec.frac_bits)
    return out


def regularised_gradient_circuit(cs: ConstraintSystem, spec: TrainingSpec, rows, errors: Sequence[Term],
                                 weights: Sequence[Term], error_scale_bits: int, l2: Term) -> list:
    """The same gradient in constraints: n multiplications per weight (and one for l2 * w_j)."""
    reg_shift = error_scale_bits - spec.frac_bits
    *w, _b = weights
    out = []
    for j, wj in enumerate(w):
        reg = cs.mul(l2, wj) if type(l2) is not int else as_lc(wj) * l2
        out.append(linear_sum([cs.mul(e, row[j]) for e, row in zip(errors, rows)] + [reg * (1 << reg_shift)]))
    out.append(linear_sum(errors) * (1 << spec.frac_bits))
    return out


def gradient_bits(spec: TrainingSpec, error_bits: int) -> int:
    """Signed bits a regularised gradient component can need (for its range checks)."""
    bits = error_bits + spec.value_bits - 1 + math.ceil(math.log2(spec.n + 1)) + 2
    require_headroom(bits, "a gradient component")
    return bits
