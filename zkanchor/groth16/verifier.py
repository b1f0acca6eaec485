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
from ..errors import FieldError, InputError, PointError
from .keys import Proof, VerificationKey


def check_verification_key(vk: VerificationKey, what: str = "verification key", points_checked: bool = False) -> None:
    """Refuse a verification key no honest setup makes (PointError, one sentence).

    alpha, beta, gamma and delta at infinity turn pairings into 1: with gamma or delta
    there, e(vk_x, gamma) or e(C, delta) drops out and a proof verifies for any public
    inputs.  Every point must also be on its curve and in its subgroup, coordinates < p
    (skipped when the reader already checked them: ``points_checked``).
    """
    if not isinstance(vk, VerificationKey):
        raise InputError(f"{what} is not a VerificationKey but a {type(vk).__name__}")
    for name, point in (("alpha", vk.alpha_g1), ("beta", vk.beta_g2), ("gamma", vk.gamma_g2),
                        ("delta", vk.delta_g2)):
        if point is None:
            raise PointError(f"{what} has {name} at infinity, which would let forged proofs verify")
    if not isinstance(vk.ic, tuple) or not vk.ic:
        raise InputError(f"{what} has no IC points (it needs one per public input plus one)")
    if not points_checked:
        g1.validate(vk.alpha_g1, f"{what} alpha")
        for name, point in (("beta", vk.beta_g2), ("gamma", vk.gamma_g2), ("delta", vk.delta_g2)):
            g2.validate(point, f"{what} {name}")
        for i, point in enumerate(vk.ic):
            g1.validate(point, f"{what} IC[{i}]")


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
    the wrong number of them, a key with alpha, beta, gamma or delta at infinity) raises an :class:`~zkanchor.errors.InputError` instead:
    only a well-formed proof gets a True/False answer.
    """
    check_verification_key(vk)
    values = check_public_inputs(vk, public)
    if not isinstance(proof, Proof):
        raise InputError(f"expected a Proof, not {type(proof).__name__}")
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
