"""Groth16 key generation (a single-party trusted setup).

Whoever runs this knows the toxic waste (tau, alpha, beta, gamma, delta) for as long
as the process lives and could forge proofs with it; it is drawn from the OS's CSPRNG
and dropped on return, but a consortium should use a multi-party ceremony instead.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from typing import Callable, Optional

from ..bn254 import g1, g2
from ..bn254.constants import G1_GEN, G2_GEN, R
from ..backend import batch_mul_g1, batch_mul_g1_packed, batch_mul_g2_packed
from ..r1cs import R1CS, validate
from .keys import PackedPoints, ProvingKey, VerificationKey
from .qap import domain_for, wire_polynomials_at

TOXIC_WASTE_WARNING = (
    "single-party trusted setup: the toxic waste was generated locally, so whoever ran "
    "this setup could forge proofs for this circuit; use a multi-party ceremony for keys "
    "others must trust"
)


class TrustedSetupWarning(UserWarning):
    """Issued by :func:`setup`: the keys' security rests on one party."""


@dataclass(frozen=True)
class ToxicWaste:
    """The secret trapdoor of one setup.  Exposed only so tests can make keys reproducibly."""

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    @staticmethod
    def random(randbelow: Callable[[int], int] = secrets.randbelow) -> "ToxicWaste":
        """Draw all five values uniformly from [1, r)."""
        return ToxicWaste(*(randbelow(R - 1) + 1 for _ in range(5)))


def setup(r1cs: R1CS, toxic: Optional[ToxicWaste] = None, progress=None) -> ProvingKey:
    """Generate a proving key (with its verification key) for ``r1cs``.

    Issues :class:`TrustedSetupWarning`.  ``toxic`` fixes the trapdoor (tests only);
    ``progress`` is an optional callable ``progress(step_name)`` for progress display.
    """
    validate(r1cs)
    warnings.warn(TOXIC_WASTE_WARNING, TrustedSetupWarning, stacklevel=2)
    domain = domain_for(r1cs)
    toxic = toxic or ToxicWaste.random()
    while pow(toxic.tau, domain.size, R) == 1:
        # tau inside the domain makes Z(tau) = 0 and every h point the identity.
        toxic = ToxicWaste(secrets.randbelow(R - 1) + 1, toxic.alpha, toxic.beta, toxic.gamma, toxic.delta)
    tick = progress or (lambda _step: None)

    tick("wire polynomials")
    polys = wire_polynomials_at(r1cs, domain, toxic.tau)
    alpha, beta = toxic.alpha, toxic.beta
    gamma_inv = pow(toxic.gamma, -1, R)
    delta_inv = pow(toxic.delta, -1, R)
    n_pub = r1cs.n_public
    combined = [(beta * u + alpha * v + w) % R for u, v, w in zip(polys.u, polys.v, polys.w)]
    z_tau = polys.z_tau

    tick("A and B in G1")
    a_g1 = PackedPoints(batch_mul_g1_packed(G1_GEN, polys.u), 1)
    b_g1 = PackedPoints(batch_mul_g1_packed(G1_GEN, polys.v), 1)
    tick("B in G2")
    b_g2 = PackedPoints(batch_mul_g2_packed(G2_GEN, polys.v), 2)
    del polys
    tick("IC and L")
    ic = batch_mul_g1(G1_GEN, [x * gamma_inv % R for x in combined[: n_pub + 1]])
    l_g1 = PackedPoints(batch_mul_g1_packed(G1_GEN, [x * delta_inv % R for x in combined[n_pub + 1 :]]), 1)
    del combined
    tick("H")
    h_scalars = []
    power = z_tau * delta_inv % R
    for _ in range(domain.size - 1):
        h_scalars.append(power)
        power = power * toxic.tau % R
    h_g1 = PackedPoints(batch_mul_g1_packed(G1_GEN, h_scalars), 1)

    vk = VerificationKey(
        alpha_g1=g1.mul(G1_GEN, alpha),
        beta_g2=g2.mul(G2_GEN, beta),
        gamma_g2=g2.mul(G2_GEN, toxic.gamma),
        delta_g2=g2.mul(G2_GEN, toxic.delta),
        ic=tuple(ic),
    )
    return ProvingKey(
        n_public=n_pub,
        n_wires=r1cs.n_wires,
        domain_size=domain.size,
        alpha_g1=vk.alpha_g1,
        beta_g1=g1.mul(G1_GEN, beta),
        beta_g2=vk.beta_g2,
        delta_g1=g1.mul(G1_GEN, toxic.delta),
        delta_g2=vk.delta_g2,
        a_g1=a_g1,
        b_g1=b_g1,
        b_g2=b_g2,
        l_g1=l_g1,
        h_g1=h_g1,
        vk=vk,
    )
