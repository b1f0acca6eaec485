"""Groth16 verification in Python (py_ecc-backed pairing).

Checks e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta), written as one
product of four pairings equal to 1 so that only one final exponentiation is paid.
"""

from __future__ import annotations

from typing import Sequence

from ..bn254 import g1, g2
from ..bn254.constants import R
from ..backend import msm_g1
from ..bn254.pairing import pairing_check
from ..errors import FieldError, InputError
from .keys import Proof, VerificationKey


def check_public_inputs(vk: VerificationKey, public: Sequence[int]) -> list[int]:
    """Refuse public inputs of the wrong count or outside [0, r) (aliases like x + r)."""
    if len(public) != vk.n_public:
        raise InputError(
            f"the verification key expects {vk.n_public} public inputs, got {len(public)}"
        )
    values = []
    for i, value in enumerate(public):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"public input {i} must be an integer, got {type(value).__name__}")
        if not 0 <= value < R:
            raise FieldError(f"public input {i} is not in [0, r): field elements must be reduced")
        values.append(value)
    return values


def verify(vk: VerificationKey, proof: Proof, public: Sequence[int]) -> bool:
    """Return True iff ``proof`` is valid for ``public`` under ``vk``.

    Malformed input (points off the curve or outside the subgroup, public inputs >= r,
    the wrong number of them) raises an :class:`~zkanchor.errors.InputError` instead:
    only a well-formed proof gets a True/False answer.
    """
    values = check_public_inputs(vk, public)
    g1.validate(proof.a, "proof point A")
    g2.validate(proof.b, "proof point B")
    g1.validate(proof.c, "proof point C")
    vk_x = g1.add(vk.ic[0], msm_g1(vk.ic[1:], values))
    return pairing_check(
        [
            (g1.neg(proof.a), proof.b),
            (vk.alpha_g1, vk.beta_g2),
            (vk_x, vk.gamma_g2),
            (proof.c, vk.delta_g2),
        ]
    )
