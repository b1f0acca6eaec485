"""Groth16 proving: witness + proving key -> proof.

The witness is checked against the R1CS first (the same sparse products then feed
h(X)), so an unsatisfied constraint is named instead of yielding a proof that merely
fails to verify.  With the native kernel every vector stays packed from the witness to
the last MSM, and the proving key's point vectors go to the kernel as the bytes they
were read as.
"""

from __future__ import annotations

import secrets
from typing import Callable, Optional, Sequence

from .. import backend
from ..bn254 import g1, g2
from ..bn254.constants import R
from ..errors import InputError, UnsatisfiedConstraint
from ..r1cs import R1CS
from ..r1cs.system import _wires_of
from .keys import Proof, ProvingKey
from .qap import domain_for


def _check_key_matches(pk: ProvingKey, r1cs: R1CS) -> None:
    if pk.n_wires != r1cs.n_wires or pk.n_public != r1cs.n_public:
        raise InputError(
            f"the proving key is for a circuit with {pk.n_wires} wires and {pk.n_public} public inputs, "
            f"but this circuit has {r1cs.n_wires} wires and {r1cs.n_public}"
        )
    if pk.domain_size != domain_for(r1cs).size:
        raise InputError("the proving key was made for a circuit with a different number of constraints")


def _scalars(vector, start: int, stop: int | None = None):
    if isinstance(vector, (bytes, bytearray)):
        return vector[32 * start: None if stop is None else 32 * stop]
    return vector[start:stop]


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
    from ..r1cs.system import _witness_array

    w_obj = _witness_array(r1cs, witness)
    w = backend.pack_witness(w_obj)
    domain = domain_for(r1cs)

    tick("h(X)")
    a_rows, b_rows, c_rows = backend.r1cs_rows(r1cs, w)
    bad = backend.first_unsatisfied_rows(a_rows, b_rows, c_rows)
    if bad is not None:
        raise UnsatisfiedConstraint(bad, r1cs.name_of(bad), f"; it involves wires {_wires_of(r1cs, bad)}")
    h = backend.h_coefficients(domain, backend.append_public_rows(a_rows, w, r1cs.n_public), b_rows, c_rows)
    del a_rows, b_rows, c_rows
    r, s = randbelow(R), randbelow(R)

    tick("A")
    a = g1.add(g1.add(pk.alpha_g1, backend.msm_packed(pk.a_g1, w, 1)), g1.mul(pk.delta_g1, r))
    tick("B")
    b2 = g2.add(g2.add(pk.beta_g2, backend.msm_packed(pk.b_g2, w, 2)), g2.mul(pk.delta_g2, s))
    b1 = g1.add(g1.add(pk.beta_g1, backend.msm_packed(pk.b_g1, w, 1)), g1.mul(pk.delta_g1, s))
    tick("C")
    c = g1.add(backend.msm_packed(pk.l_g1, _scalars(w, pk.n_public + 1), 1), backend.msm_packed(pk.h_g1, h, 1))
    c = g1.add(c, g1.mul(a, s))
    c = g1.add(c, g1.mul(b1, r))
    c = g1.add(c, g1.mul(pk.delta_g1, (-r * s) % R))
    return Proof(a=a, b=b2, c=c), [int(v) for v in w_obj[1: pk.n_public + 1]]
