"""From R1CS to QAP: the rows Groth16 works on, wire polynomials at tau, and h(X).

The constraint rows are the R1CS constraints followed by one row per public wire
(the constant wire included) reading ``x_i * 0 = 0``, as snarkjs does: those rows make
every public wire's A-polynomial linearly independent, so a proof cannot be re-used
for other public inputs (public-input malleability).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..bn254.constants import R
from ..backend import coset_intt, coset_ntt, intt
from ..bn254.ntt import Domain
from ..r1cs import R1CS, evaluate


@dataclass(frozen=True)
class WirePolynomials:
    """u_j(tau), v_j(tau), w_j(tau) for every wire j, and Z(tau) of the domain."""

    u: list[int]
    v: list[int]
    w: list[int]
    z_tau: int


def row_count(r1cs: R1CS) -> int:
    """Number of QAP rows: the constraints plus one per public wire (constant included)."""
    return len(r1cs.constraints) + r1cs.n_public + 1


def domain_for(r1cs: R1CS) -> Domain:
    """The smallest power-of-two evaluation domain that holds every row."""
    rows = row_count(r1cs)
    size = 1
    while size < rows:
        size <<= 1
    # h(X) has degree <= size - 2; a domain of size 1 leaves no room for it.
    return Domain(max(size, 2))


def wire_polynomials_at(r1cs: R1CS, domain: Domain, tau: int) -> WirePolynomials:
    """Evaluate every wire's A, B, C polynomials at ``tau`` through the Lagrange basis."""
    lagrange = domain.lagrange_at(tau)
    n = r1cs.n_wires
    u, v, w = [0] * n, [0] * n, [0] * n
    for row, (a, b, c) in enumerate(r1cs.constraints):
        l_row = lagrange[row]
        for wire, coeff in a.items():
            u[wire] += coeff * l_row
        for wire, coeff in b.items():
            v[wire] += coeff * l_row
        for wire, coeff in c.items():
            w[wire] += coeff * l_row
    first_public_row = len(r1cs.constraints)
    for wire in range(r1cs.n_public + 1):
        u[wire] += lagrange[first_public_row + wire]
    return WirePolynomials(
        u=[x % R for x in u],
        v=[x % R for x in v],
        w=[x % R for x in w],
        z_tau=(pow(tau, domain.size, R) - 1) % R,
    )


def h_coefficients(r1cs: R1CS, domain: Domain, witness: Sequence[int]) -> list[int]:
    """Coefficients of h(X) = (A(X)B(X) - C(X)) / Z(X) for a satisfying witness.

    Evaluated on a coset of the domain, where Z is the non-zero constant g^n - 1, so the
    division is one multiplication.  Returns ``domain.size - 1`` coefficients.
    """
    a_rows, b_rows, c_rows = evaluate(r1cs, witness)
    a_rows = list(a_rows) + [witness[i] % R for i in range(r1cs.n_public + 1)]
    a_coset = coset_ntt(domain, intt(domain, a_rows))
    b_coset = coset_ntt(domain, intt(domain, b_rows))
    c_coset = coset_ntt(domain, intt(domain, c_rows))
    z_inv = pow(domain.vanishing_on_coset(), -1, R)
    h_coset = [(a * b - c) * z_inv % R for a, b, c in zip(a_coset, b_coset, c_coset)]
    h = coset_intt(domain, h_coset)
    # A satisfying witness makes A*B - C divisible by Z, so the top coefficient vanishes;
    # anything else means the rows and the witness disagree, which check() rules out.
    if h[-1] != 0:
        raise AssertionError("h(X) has degree >= n - 1: the witness does not satisfy the rows")
    return h[:-1]
