"""Groth16 proving: witness + proving key -> proof.

The witness is checked against the R1CS first, so an unsatisfied constraint is named
instead of yielding a proof that merely fails to verify.
"""

from __future__ import annotations

import secrets
from typing import Callable, Optional, Sequence

from ..bn254 import g1, g2
from ..bn254.constants import R
from ..backend import msm_g1, msm_g2
from ..errors import InputError
from ..r1cs import R1CS, check
from .keys import Proof, ProvingKey
from .qap import domain_for, h_coefficients


def _check_key_matches(pk: ProvingKey, r1cs: R1CS) -> None:
    if pk.n_wires != r1cs.n_wires or pk.n_public != r1cs.n_public:
        raise InputError(
            f"the proving key is for a circuit with {pk.n_wires} wires and {pk.n_public} public inputs, "
            f"but this circuit has {r1cs.n_wires} wires and {r1cs.n_public}"
        )
    if pk.domain_size != domain_for(r1cs).size:
        raise InputError("the proving key was made for a circuit with a different number of constraints")


def prove(
    pk: ProvingKey,
    r1cs: R1CS,
    witness: Sequence[int],
    randbelow: Callable[[int], int] = secrets.randbelow,
    progress: Optional[Callable[[str], None]] = None,
) -> tuple[Proof, list[int]]:
    """Prove that ``witness`` satisfies ``r1cs``; return the proof and its public inputs.

    Raises :class:`~zkanchor.errors.UnsatisfiedConstraint` naming the first failing
    constraint, or :class:`~zkanchor.errors.InputError` if key and circuit disagree.
    ``randbelow`` supplies the blinding factors r and s (tests may fix it).
    """
    tick = progress or (lambda _step: None)
    _check_key_matches(pk, r1cs)
    check(r1cs, witness)
    w = [x % R for x in witness]
    domain = domain_for(r1cs)

    tick("h(X)")
    h = h_coefficients(r1cs, domain, w)
    r, s = randbelow(R), randbelow(R)

    tick("A")
    a = g1.add(g1.add(pk.alpha_g1, msm_g1(pk.a_g1, w)), g1.mul(pk.delta_g1, r))
    tick("B")
    b2 = g2.add(g2.add(pk.beta_g2, msm_g2(pk.b_g2, w)), g2.mul(pk.delta_g2, s))
    b1 = g1.add(g1.add(pk.beta_g1, msm_g1(pk.b_g1, w)), g1.mul(pk.delta_g1, s))
    tick("C")
    private = w[pk.n_public + 1 :]
    c = msm_g1(list(pk.l_g1) + list(pk.h_g1), private + h)
    c = g1.add(c, g1.mul(a, s))
    c = g1.add(c, g1.mul(b1, r))
    c = g1.add(c, g1.mul(pk.delta_g1, (-r * s) % R))
    return Proof(a=a, b=b2, c=c), w[1 : pk.n_public + 1]
