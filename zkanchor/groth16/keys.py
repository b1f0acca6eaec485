"""Groth16 artifacts as dataclasses: verification key, proving key, proof.

Points are affine tuples of ints (see :mod:`zkanchor.bn254.constants`); ``None`` is the
point at infinity.  Serialization lives elsewhere (``snarkjs_json``, ``binary``) so that
these stay plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

G1Point = Optional[Tuple[int, int]]
Fp2 = Tuple[int, int]
G2Point = Optional[Tuple[Fp2, Fp2]]


@dataclass(frozen=True)
class VerificationKey:
    """What a verifier needs: alpha, beta, gamma, delta and one IC point per public wire.

    ``ic[0]`` belongs to the constant wire; ``ic[1:]`` to the public inputs in order.
    """

    alpha_g1: G1Point
    beta_g2: G2Point
    gamma_g2: G2Point
    delta_g2: G2Point
    ic: Tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        """Number of public inputs (the constant wire not counted)."""
        return len(self.ic) - 1


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A in G1, B in G2, C in G1)."""

    a: G1Point
    b: G2Point
    c: G1Point


@dataclass(frozen=True)
class ProvingKey:
    """Everything the prover needs, for one circuit.

    ``a_g1``, ``b_g1``, ``b_g2`` hold one point per wire (``None`` where the wire's
    polynomial is zero); ``l_g1`` one per private wire (wires ``n_public+1 ..``);
    ``h_g1`` the points tau^i * Z(tau) / delta for i < domain_size - 1.
    """

    n_public: int
    n_wires: int
    domain_size: int
    alpha_g1: G1Point
    beta_g1: G1Point
    beta_g2: G2Point
    delta_g1: G1Point
    delta_g2: G2Point
    a_g1: Tuple[G1Point, ...]
    b_g1: Tuple[G1Point, ...]
    b_g2: Tuple[G2Point, ...]
    l_g1: Tuple[G1Point, ...]
    h_g1: Tuple[G1Point, ...]
    vk: VerificationKey
