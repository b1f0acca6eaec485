"""From R1CS to QAP: the rows Groth16 works on, wire polynomials at tau, and h(X).

The constraint rows are the R1CS constraints followed by one row per public wire
(the constant wire included) reading ``x_i * 0 = 0``, as snarkjs does: those rows make
every public wire's A-polynomial linearly independent, so a proof cannot be re-used
for other public inputs (public-input malleability).

The heavy lifting — sparse matrix products over the flat R1CS, the NTTs, the Lagrange
basis at tau — is the backend's (:mod:`zkanchor.backend`: the native kernel, or numpy
and the pure-Python curve code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .. import backend
from ..bn254.constants import R
from ..bn254.ntt import Domain
from ..r1cs import R1CS


@dataclass(frozen=True)
class WirePolynomials:
    """u_j(tau), v_j(tau), w_j(tau) for every wire j, and Z(tau) of the domain."""

    u: list[int]
    v: list[int]
    w: list[int]
    z_tau: int


def row_count(r1cs: R1CS) -> int:
    """Number of QAP rows: the constraints plus one per public wire (constant included)."""
    return r1cs.n_constraints + r1cs.n_public + 1


def domain_size_for(rows: int) -> int:
    """The smallest power of two >= rows (at least 2: h(X) needs room)."""
    size = 1
    while size < rows:
        size <<= 1
    return max(size, 2)


def domain_for(r1cs: R1CS) -> Domain:
    """The smallest power-of-two evaluation domain that holds every row."""
    return Domain(domain_size_for(row_count(r1cs)))


def wire_polynomials_at(r1cs: R1CS, domain: Domain, tau: int) -> WirePolynomials:
    """Evaluate every wire's A, B, C polynomials at ``tau`` through the Lagrange basis."""
    u, v, w = backend.wire_polynomials(r1cs, domain, tau)
    return WirePolynomials(u=u, v=v, w=w, z_tau=(pow(tau, domain.size, R) - 1) % R)


def h_coefficients(r1cs: R1CS, domain: Domain, witness: Sequence[int]) -> list[int]:
    """Coefficients of h(X) = (A(X)B(X) - C(X)) / Z(X) for a satisfying witness (domain.size - 1 of them)."""
    w = backend.pack_witness(witness)
    a, b, c = backend.r1cs_rows(r1cs, w)
    h = backend.h_coefficients(domain, backend.append_public_rows(a, w, r1cs.n_public), b, c)
    if isinstance(h, (bytes, bytearray)):
        return [int.from_bytes(h[i:i + 32], "little") for i in range(0, len(h), 32)]
    return list(h)
