"""Phase 2 of the ceremony: the circuit-specific Groth16 key and its delta contributions.

:func:`initialize` turns a prepared phase 1 and an R1CS into a :class:`ProvingKey` with
gamma = delta = 1, using exactly :mod:`zkanchor.groth16.qap`'s rows (the constraints,
then ``x_i * 0 = 0`` per public wire, the constant wire included):

- ``a_g1[j] = sum_rows A[row][j] * L_row(tau) G1``, ``b_g1``/``b_g2`` likewise with B;
- ``ic[j]`` (public) and ``l_g1[j]`` (private) = ``(beta u_j + alpha v_j + w_j)(tau) G1``
  from the Lagrange points of beta*tau, alpha*tau and tau;
- ``h_g1[i] = tau^i Z(tau) G1 = tau^(i+n) G1 - tau^i G1`` for i < n - 1.

A contribution draws delta' and multiplies delta_g1/delta_g2 by it and every L and H
point by 1/delta'; its proof of knowledge is the phase-1 kind (label "delta", challenge
the previous key's digest).  :func:`verify_phase2` checks that every contribution chains
from the one before, that everything but delta, L and H equals the initial key, and that
L and H are the initial ones divided by the final delta (one same-ratio check on random
linear combinations).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ..bn254 import g1, g2
from ..bn254.constants import G1_GEN, G2_GEN, R
from ..errors import FormatError, InputError
from ..groth16.keys import ProvingKey, VerificationKey
from ..groth16.qap import domain_for
from ..r1cs import R1CS, validate
from . import container
from .checks import CeremonyCheckFailed, RatioChecks, require
from .groupops import G1, G2, add_many, msm, scale_g1
from .powers_of_tau import Contribution as Phase1Contribution
from .powers_of_tau import KeyProof, key_proof, point_from_json, point_json, pok_scalar, random_scalar
from .prepare import Prepared


@dataclass(frozen=True)
class Phase2Contribution:
    """One delta contribution: who, the key digests before/after, new delta, its proof."""

    name: str
    previous_hash: str
    hash: str
    delta_g1: tuple
    proof: KeyProof

    def to_json(self) -> dict:
        """JSON form (points as decimal strings)."""
        return {
            "name": self.name,
            "previous_hash": self.previous_hash,
            "hash": self.hash,
            "delta_g1": point_json(self.delta_g1),
            "proof": [point_json(self.proof.g1_s), point_json(self.proof.g1_sx), point_json(self.proof.g2_spx)],
        }

    @staticmethod
    def from_json(obj: dict, what: str) -> "Phase2Contribution":
        """Parse :meth:`to_json` output; FormatError naming ``what`` if malformed."""
        try:
            a, b, c = obj["proof"]
            return Phase2Contribution(
                str(obj["name"]), str(obj["previous_hash"]), str(obj["hash"]),
                point_from_json(obj["delta_g1"], False),
                KeyProof(point_from_json(a, False), point_from_json(b, False), point_from_json(c, True)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"{what} has a malformed phase-2 contribution record ({exc})") from None


@dataclass(frozen=True)
class Phase2:
    """A phase-2 file: the current key, what it was made from, and its contributions."""

    pk: ProvingKey
    circuit_sha256: str
    prepared_hash: str
    initial_hash: str
    phase1: tuple  # the phase-1 transcript (powers_of_tau.Contribution records)
    contributions: tuple = field(default_factory=tuple)


def key_sections(pk: ProvingKey) -> list:
    """(name, point size, points) of a proving key, in file order."""
    G1S, G2S = container.G1_SIZE, container.G2_SIZE
    return [
        ("alpha_g1", G1S, (pk.alpha_g1,)),
        ("beta_g1", G1S, (pk.beta_g1,)),
        ("beta_g2", G2S, (pk.beta_g2,)),
        ("gamma_g2", G2S, (pk.vk.gamma_g2,)),
        ("delta_g1", G1S, (pk.delta_g1,)),
        ("delta_g2", G2S, (pk.delta_g2,)),
        ("a_g1", G1S, pk.a_g1),
        ("b_g1", G1S, pk.b_g1),
        ("b_g2", G2S, pk.b_g2),
        ("ic", G1S, pk.vk.ic),
        ("l_g1", G1S, pk.l_g1),
        ("h_g1", G1S, pk.h_g1),
    ]


def key_digest(pk: ProvingKey) -> str:
    """sha256 (hex) of a proving key's points: what phase-2 contributions chain on."""
    return container.points_digest(key_sections(pk))


def circuit_digest(r1cs_bytes: bytes) -> str:
    """sha256 (hex) of the circuit's .r1cs bytes."""
    return hashlib.sha256(r1cs_bytes).hexdigest()


# ------------------------------------------------------------------ initialisation


def initialize(prep: Prepared, r1cs: R1CS, r1cs_bytes: bytes,
               progress: Optional[Callable[[str], None]] = None) -> Phase2:
    """The phase-2 starting key (gamma = delta = 1) for ``r1cs`` from a prepared phase 1."""
    tick = progress or (lambda _s: None)
    validate(r1cs)
    domain = domain_for(r1cs)
    if domain.size != prep.size:
        raise InputError(
            f"the circuit needs a domain of 2^{domain.size.bit_length() - 1} rows but the prepared file is for "
            f"2^{prep.log_size}; run 'zkanchor ceremony prepare' with --domain-power {domain.size.bit_length() - 1}"
        )
    n = domain.size
    tick("wire polynomials")
    cols_a, cols_b, cols_c = _columns(r1cs)
    n_pub = r1cs.n_public
    tick("A and B")
    a_g1 = [_sparse(G1, prep.lagrange_tau_g1, col) for col in cols_a]
    b_g1 = [_sparse(G1, prep.lagrange_tau_g1, col) for col in cols_b]
    b_g2 = [_sparse(G2, prep.lagrange_tau_g2, col) for col in cols_b]
    tick("IC and L")
    combined = add_many(
        G1,
        add_many(G1, [_sparse(G1, prep.lagrange_beta_g1, col) for col in cols_a],
                 [_sparse(G1, prep.lagrange_alpha_g1, col) for col in cols_b]),
        [_sparse(G1, prep.lagrange_tau_g1, col) for col in cols_c],
    )
    tick("H")
    t = prep.accumulator.tau_g1
    h_g1 = add_many(G1, list(t[n : 2 * n - 1]), [g1.neg(p) for p in t[: n - 1]])
    acc = prep.accumulator
    vk = VerificationKey(alpha_g1=acc.alpha_tau_g1[0], beta_g2=acc.beta_g2, gamma_g2=G2_GEN, delta_g2=G2_GEN,
                         ic=tuple(combined[: n_pub + 1]))
    pk = ProvingKey(
        n_public=n_pub, n_wires=r1cs.n_wires, domain_size=n,
        alpha_g1=vk.alpha_g1, beta_g1=acc.beta_tau_g1[0], beta_g2=acc.beta_g2,
        delta_g1=G1_GEN, delta_g2=G2_GEN,
        a_g1=tuple(a_g1), b_g1=tuple(b_g1), b_g2=tuple(b_g2),
        l_g1=tuple(combined[n_pub + 1 :]), h_g1=tuple(h_g1), vk=vk,
    )
    digest = key_digest(pk)
    return Phase2(pk, circuit_digest(r1cs_bytes), prep.digest(), digest, prep.contributions, ())


def _columns(r1cs: R1CS):
    """Per wire, its (row, coefficient) terms in A, B and C, with the public rows added."""
    n = r1cs.n_wires
    cols = ([[] for _ in range(n)], [[] for _ in range(n)], [[] for _ in range(n)])
    for row, constraint in enumerate(r1cs.constraints):
        for col, lc in zip(cols, constraint):
            for wire, coeff in lc.items():
                if coeff % R:
                    col[wire].append((row, coeff % R))
    first = len(r1cs.constraints)
    for wire in range(r1cs.n_public + 1):
        cols[0][wire].append((first + wire, 1))
    return cols


def _sparse(curve, basis, terms):
    if not terms:
        return None
    return msm(curve, [basis[row] for row, _ in terms], [c for _, c in terms])


# ------------------------------------------------------------------ contributions


def contribute(state: Phase2, name: str, entropy: bytes = b"",
               randbytes: Callable[[int], bytes] = os.urandom) -> Phase2:
    """Rescale delta by a fresh secret; the secret is dropped when this returns."""
    delta = random_scalar(entropy, randbytes)
    nonce = random_scalar(entropy, randbytes)
    return _apply(state, name, delta, nonce)


def _apply(state: Phase2, name: str, delta: int, nonce: int) -> Phase2:
    pk = state.pk
    challenge = key_digest(pk)
    inv = pow(delta, -1, R)
    delta_g2 = g2.mul(pk.delta_g2, delta)
    scaled = scale_g1(list(pk.l_g1) + list(pk.h_g1), [inv] * (len(pk.l_g1) + len(pk.h_g1)))
    new_pk = replace(
        pk,
        delta_g1=g1.mul(pk.delta_g1, delta),
        delta_g2=delta_g2,
        l_g1=tuple(scaled[: len(pk.l_g1)]),
        h_g1=tuple(scaled[len(pk.l_g1) :]),
        vk=replace(pk.vk, delta_g2=delta_g2),
    )
    record = Phase2Contribution(name, challenge, key_digest(new_pk), new_pk.delta_g1,
                                key_proof(delta, "delta", challenge, nonce))
    return replace(state, pk=new_pk, contributions=state.contributions + (record,))


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class Phase2Report:
    """What verification established."""

    contributions: int
    names: tuple
    hash: str
    phase1_contributions: int


def verify_phase2(state: Phase2, initial: Phase2, previous: Optional[Phase2] = None) -> Phase2Report:
    """Check a phase-2 key against the initial key for its circuit (see :func:`initialize`).

    Raises CeremonyCheckFailed naming the first failure.  ``previous`` additionally checks
    that ``state`` extends that file by its new contributions.
    """
    pk, init = state.pk, initial.pk
    require(state.circuit_sha256 == initial.circuit_sha256, "the key was made for a different circuit")
    require(state.prepared_hash == initial.prepared_hash and state.initial_hash == initial.initial_hash,
            "the key was not started from this prepared phase 1")
    require(state.phase1 == initial.phase1, "the key's phase-1 transcript differs from the prepared file's")
    same = replace(pk, delta_g1=init.delta_g1, delta_g2=init.delta_g2, l_g1=init.l_g1, h_g1=init.h_g1,
                   vk=replace(pk.vk, delta_g2=init.vk.delta_g2))
    require(same == init, "the key changed something other than delta, L and H (alpha, beta, gamma, A, B or IC)")
    require(len(pk.l_g1) == len(init.l_g1) and len(pk.h_g1) == len(init.h_g1),
            "the key has a different number of L or H points than the circuit needs")
    require(pk.delta_g2 == pk.vk.delta_g2, "the verification key's delta differs from the proving key's")
    checks = RatioChecks()
    prev_delta, prev_hash = G1_GEN, state.initial_hash
    for number, rec in enumerate(state.contributions, start=1):
        label = f"phase-2 contribution {number} ({rec.name!r})"
        require(rec.previous_hash == prev_hash,
                f"{label} does not chain from the previous one: it names key {rec.previous_hash[:16]}..., "
                f"the previous step produced {prev_hash[:16]}...")
        key = rec.proof
        checks.group = number
        h = pok_scalar("delta", rec.previous_hash, key.g1_s, key.g1_sx)
        checks.same_ratio(key.g1_s, g1.mul(key.g1_sx, h), G2_GEN, key.g2_spx,
                          f"{label}'s proof of knowledge of delta is invalid")
        checks.same_ratio(prev_delta, g1.mul(rec.delta_g1, h), G2_GEN, key.g2_spx,
                          f"{label} does not chain from the previous one: its delta is not the previous one "
                          "times the secret it proves knowledge of")
        prev_delta, prev_hash = rec.delta_g1, rec.hash
    require(pk.delta_g1 == prev_delta,
            "the key's delta differs from the one its last contribution recorded")
    require(key_digest(pk) == prev_hash,
            "the key's digest does not match its last contribution: points were changed after it")
    if previous is not None:
        old = previous.contributions
        require(len(state.contributions) > len(old), "the file has no contribution beyond the previous file's")
        require(state.contributions[: len(old)] == old,
                "the file rewrites contributions the previous file already had")
        require(state.contributions[len(old)].previous_hash == key_digest(previous.pk),
                f"phase-2 contribution {len(old) + 1} does not chain from the previous file's key")
    checks.group = "final"
    checks.same_ratio(G1_GEN, pk.delta_g1, G2_GEN, pk.delta_g2, "delta in G1 and delta in G2 differ")
    new_lh = list(pk.l_g1) + list(pk.h_g1)
    old_lh = list(init.l_g1) + list(init.h_g1)
    if new_lh:
        rs = [secrets.randbits(128) for _ in new_lh]
        checks.same_ratio(msm(G1, new_lh, rs), msm(G1, old_lh, rs), G2_GEN, pk.delta_g2,
                          "the L and H points are not the initial ones divided by delta")
    checks.run()
    return Phase2Report(len(state.contributions), tuple(r.name for r in state.contributions), key_digest(pk),
                        len(state.phase1))


# ------------------------------------------------------------------ files


def save_phase2(state: Phase2, path) -> str:
    """Write a phase-2 file atomically; returns the key digest."""
    pk = state.pk
    header = {
        "curve": "bn128",
        "circuit_sha256": state.circuit_sha256,
        "prepared_hash": state.prepared_hash,
        "initial_hash": state.initial_hash,
        "hash": key_digest(pk),
        "n_public": pk.n_public,
        "n_wires": pk.n_wires,
        "domain_size": pk.domain_size,
        "phase1": [c.to_json() for c in state.phase1],
        "contributions": [c.to_json() for c in state.contributions],
    }
    container.write_file(path, container.KIND_PHASE2, header, key_sections(pk))
    return header["hash"]


def load_phase2(path) -> Phase2:
    """Read a phase-2 file (FormatError, one sentence, if damaged)."""
    what = f"phase-2 file {str(path)!r}"
    c = container.read_file(path, "phase-2", container.KIND_PHASE2)
    try:
        h, s = c.header, c.sections
        gamma_g2, delta_g2 = s["gamma_g2"][0], s["delta_g2"][0]
        vk = VerificationKey(alpha_g1=s["alpha_g1"][0], beta_g2=s["beta_g2"][0], gamma_g2=gamma_g2,
                             delta_g2=delta_g2, ic=tuple(s["ic"]))
        pk = ProvingKey(
            n_public=int(h["n_public"]), n_wires=int(h["n_wires"]), domain_size=int(h["domain_size"]),
            alpha_g1=s["alpha_g1"][0], beta_g1=s["beta_g1"][0], beta_g2=s["beta_g2"][0],
            delta_g1=s["delta_g1"][0], delta_g2=delta_g2,
            a_g1=tuple(s["a_g1"]), b_g1=tuple(s["b_g1"]), b_g2=tuple(s["b_g2"]),
            l_g1=tuple(s["l_g1"]), h_g1=tuple(s["h_g1"]), vk=vk,
        )
        if len(pk.a_g1) != pk.n_wires or len(vk.ic) != pk.n_public + 1:
            raise ValueError("section sizes disagree with the header")
        phase1 = tuple(Phase1Contribution.from_json(r, what) for r in h["phase1"])
        records = tuple(Phase2Contribution.from_json(r, what) for r in h["contributions"])
        return Phase2(pk, str(h["circuit_sha256"]), str(h["prepared_hash"]), str(h["initial_hash"]), phase1, records)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None


__all__ = ["Phase2", "Phase2Contribution", "Phase2Report", "initialize", "contribute", "verify_phase2",
           "save_phase2", "load_phase2", "key_digest", "circuit_digest", "CeremonyCheckFailed"]
