"""Phase 2 of the ceremony: the circuit-specific Groth16 key and its delta contributions.

:func:`initialize` turns a prepared phase 1 and an R1CS into a :class:`ProvingKey` with
gamma = delta = 1, using exactly :mod:`zkanchor.groth16.qap`'s rows (the constraints,
then ``x_i * 0 = 0`` per public wire, the constant wire included):

- ``a_g1[j] = sum_rows A[row][j] * L_row(tau) G1``, ``b_g1``/``b_g2`` likewise with B;
- ``ic[j]`` (public) and ``l_g1[j]`` (private) = ``(beta u_j + alpha v_j + w_j)(tau) G1``
  from the Lagrange points of beta*tau, alpha*tau and tau;
- ``h_g1[i] = tau^i Z(tau) G1 = tau^(i+n) G1 - tau^i G1`` for i < n - 1.

The per-wire sums come straight from the flat R1CS's CSR arrays, sorted by column
(:func:`groupops.column_sums`): elementwise products for coefficients other than 1,
an MSM for a heavy column, batch-affine additions for the rest.

A contribution draws delta' and multiplies delta_g1/delta_g2 by it and every L and H
point by 1/delta'.  Its record keeps delta*G1 and delta*G2 after it, the digest of the
key after it, the previous record's hash, and a proof of knowledge of delta' whose
challenge is that previous hash; its own hash is the sha256 of all of that.  The chain
starts at :func:`genesis_hash` (the circuit hash, the prepared file's digest and the
initial key's digest) with delta = 1.

:func:`verify_phase2` checks that everything but delta, L and H equals the initial key,
that L and H are the initial ones divided by the final delta (one same-ratio check on
random linear combinations), and then the records in order: each hashes to its
``hash``, names its predecessor, proves knowledge of a delta', and its delta (in G1 and
G2) is the previous one times that delta'; the last one's delta and key digest are the
key's.  A rewritten transcript -- honest contributions discarded and re-made under the
same names -- cannot carry the hashes the contributors kept.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from ..bn254 import g1, g2
from ..bn254.constants import G1_GEN, G2_GEN, R
from ..errors import FormatError, InputError
from ..groth16.keys import PackedPoints, ProvingKey, VerificationKey, pack_points, point_list
from ..groth16.qap import domain_for
from ..r1cs import R1CS, circuit_hash, validate
from . import container
from .checks import CeremonyCheckFailed, RatioChecks, first_inconsistent, require
from .groupops import G1, G2, add_many, column_sums, msm, msm_vec, scale_g1
from .powers_of_tau import KeyProof, key_proof, point_from_json, point_json, pok_scalar, random_scalar
from .powers_of_tau import records_from_json
from .prepare import Prepared

MAX_WIRES = (1 << 32) - 1


@dataclass(frozen=True)
class Phase2Contribution:
    """One delta contribution: who, the previous record's hash, delta after it, its proof.

    ``key`` is the digest of the key after it; ``hash`` the sha256 of every other field.
    """

    name: str
    previous_hash: str
    hash: str
    delta_g1: tuple
    proof: KeyProof
    delta_g2: tuple = None
    key: str = ""

    def to_json(self) -> dict:
        """JSON form (points as decimal strings)."""
        return {
            "name": self.name,
            "previous_hash": self.previous_hash,
            "hash": self.hash,
            "delta_g1": point_json(self.delta_g1),
            "delta_g2": point_json(self.delta_g2),
            "proof": [point_json(self.proof.g1_s), point_json(self.proof.g1_sx), point_json(self.proof.g2_spx)],
            "key": self.key,
        }

    def compute_hash(self) -> str:
        """sha256 (hex) of this record's contents: what its ``hash`` must be."""
        return container.record_hash("phase2-record-v2", self.to_json())

    @staticmethod
    def from_json(obj: dict, what: str) -> "Phase2Contribution":
        """Parse :meth:`to_json` output; FormatError naming ``what`` if malformed."""
        try:
            if not isinstance(obj, dict):
                raise ValueError("a record is not a JSON object")
            unknown = sorted(set(obj) - {"name", "previous_hash", "hash", "delta_g1", "delta_g2", "proof", "key"})
            if unknown:
                raise ValueError(f"unknown field {unknown[0]!r}")
            for key in ("name", "previous_hash", "hash", "key"):
                if not isinstance(obj[key], str):
                    raise ValueError(f"{key} is not a string")
            if not isinstance(obj["proof"], list) or len(obj["proof"]) != 3:
                raise ValueError("a proof is three points")
            a, b, c = obj["proof"]
            return Phase2Contribution(
                obj["name"], obj["previous_hash"], obj["hash"],
                point_from_json(obj["delta_g1"], False),
                KeyProof(point_from_json(a, False), point_from_json(b, False), point_from_json(c, True)),
                point_from_json(obj["delta_g2"], True),
                obj["key"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"{what} has a malformed phase-2 contribution record ({exc})") from None


@dataclass(frozen=True)
class Phase2:
    """A phase-2 file: the current key, what it was made from, and its contributions.

    ``circuit_hash`` is :func:`zkanchor.r1cs.circuit_hash` of the circuit, in hex.
    """

    pk: ProvingKey
    circuit_hash: str
    prepared_hash: str
    initial_hash: str
    phase1: tuple  # the phase-1 transcript (powers_of_tau.Contribution records)
    contributions: tuple = field(default_factory=tuple)

    @property
    def circuit_sha256(self) -> str:
        """Deprecated name of :attr:`circuit_hash` (now the canonical circuit hash, not a file's sha256)."""
        return self.circuit_hash


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
    """sha256 (hex) of a proving key's points (tuples or packed alike)."""
    return container.points_digest(key_sections(pk))


def circuit_digest(r1cs: R1CS) -> str:
    """The circuit identity a ceremony binds to: :func:`zkanchor.r1cs.circuit_hash`, hex."""
    return circuit_hash(r1cs).hex()


def genesis_hash(circuit: str, prepared: str, initial: str) -> str:
    """The hash the first phase-2 record names as its predecessor (delta = 1 before it)."""
    text = f"zkanchor-ceremony-phase2-genesis-v2\0{circuit}\0{prepared}\0{initial}"
    return hashlib.sha256(text.encode()).hexdigest()


def last_hash(state: Phase2) -> str:
    """The hash the next record must name: the last record's, or the genesis hash."""
    if state.contributions:
        return state.contributions[-1].hash
    return genesis_hash(state.circuit_hash, state.prepared_hash, state.initial_hash)


# ------------------------------------------------------------------ initialisation


def initialize(prep: Prepared, r1cs: R1CS, r1cs_bytes: bytes | None = None,
               progress: Optional[Callable[[str], None]] = None) -> Phase2:
    """The phase-2 starting key (gamma = delta = 1) for ``r1cs`` from a prepared phase 1.

    ``r1cs_bytes`` is ignored (the circuit is identified by its canonical hash); it is
    kept so that older callers' positional arguments still land.
    """
    if callable(r1cs_bytes) and progress is None:
        progress, r1cs_bytes = r1cs_bytes, None
    tick = progress or (lambda _s: None)
    validate(r1cs)
    domain = domain_for(r1cs)
    if domain.size != prep.size:
        raise InputError(
            f"the circuit needs a domain of 2^{domain.size.bit_length() - 1} rows but the prepared file is for "
            f"2^{prep.log_size}; run 'zkanchor ceremony prepare' with --domain-power {domain.size.bit_length() - 1}"
        )
    n = domain.size
    n_pub, n_wires = r1cs.n_public, r1cs.n_wires
    tick("wire polynomials")
    table = tuple(r1cs.coeffs) + (1,)
    (a_rows, a_cols, a_cidx), b, c = _entries(r1cs, len(table) - 1)
    tick("A and B")
    a_g1 = column_sums(G1, prep.lagrange_tau_g1, a_rows, a_cols, a_cidx, table, n_wires)
    b_g1 = column_sums(G1, prep.lagrange_tau_g1, *b, table, n_wires)
    b_g2 = column_sums(G2, prep.lagrange_tau_g2, *b, table, n_wires)
    tick("IC and L")
    # (beta u_j + alpha v_j + w_j)(tau): A against beta's Lagrange points, B against alpha's, C against tau's.
    basis = tuple(prep.lagrange_beta_g1) + tuple(prep.lagrange_alpha_g1) + tuple(prep.lagrange_tau_g1)
    combined = column_sums(G1, basis, np.concatenate((a_rows, b[0] + n, c[0] + 2 * n)),
                           np.concatenate((a_cols, b[1], c[1])), np.concatenate((a_cidx, b[2], c[2])),
                           table, n_wires)
    tick("H")
    t = prep.accumulator.tau_g1
    h_g1 = add_many(G1, list(t[n : 2 * n - 1]), [g1.neg(p) for p in t[: n - 1]])
    acc = prep.accumulator
    vk = VerificationKey(alpha_g1=acc.alpha_tau_g1[0], beta_g2=acc.beta_g2, gamma_g2=G2_GEN, delta_g2=G2_GEN,
                         ic=tuple(combined[: n_pub + 1]))
    pk = ProvingKey(
        n_public=n_pub, n_wires=n_wires, domain_size=n,
        alpha_g1=vk.alpha_g1, beta_g1=acc.beta_tau_g1[0], beta_g2=acc.beta_g2,
        delta_g1=G1_GEN, delta_g2=G2_GEN,
        a_g1=tuple(a_g1), b_g1=tuple(b_g1), b_g2=tuple(b_g2),
        l_g1=tuple(combined[n_pub + 1 :]), h_g1=tuple(h_g1), vk=vk,
    )
    return Phase2(pk, circuit_digest(r1cs), prep.digest(), key_digest(pk), prep.contributions, ())


def _entries(r1cs: R1CS, one_index: int):
    """(row, column, coefficient index) arrays of A (with the public rows), B and C.

    The public rows ``x_i * 0 = 0`` add a 1 at (constraints + i, i) in A for the
    constant wire and every public wire; ``one_index`` is where 1 sits in the table.
    """
    out = []
    for m in (r1cs.a, r1cs.b, r1cs.c):
        out.append((m.row_of_entries(), m.cols.astype(np.int64), m.cidx.astype(np.int64)))
    first = r1cs.n_constraints
    public = np.arange(r1cs.n_public + 1, dtype=np.int64)
    rows, cols, cidx = out[0]
    out[0] = (np.concatenate((rows, first + public)), np.concatenate((cols, public)),
              np.concatenate((cidx, np.full(len(public), one_index, dtype=np.int64))))
    return out


# ------------------------------------------------------------------ contributions


def contribute(state: Phase2, name: str, entropy: bytes = b"",
               randbytes: Callable[[int], bytes] = os.urandom) -> Phase2:
    """Rescale delta by a fresh secret; the secret is dropped when this returns."""
    delta = random_scalar(entropy, randbytes)
    nonce = random_scalar(entropy, randbytes)
    return _apply(state, name, delta, nonce)


def _apply(state: Phase2, name: str, delta: int, nonce: int) -> Phase2:
    pk = state.pk
    challenge = last_hash(state)
    inv = pow(delta, -1, R)
    delta_g2 = g2.mul(pk.delta_g2, delta)
    l_pts, h_pts = point_list(pk.l_g1), point_list(pk.h_g1)
    scaled = scale_g1(l_pts + h_pts, [inv] * (len(l_pts) + len(h_pts)))
    new_pk = replace(
        pk,
        delta_g1=g1.mul(pk.delta_g1, delta),
        delta_g2=delta_g2,
        l_g1=tuple(scaled[: len(l_pts)]),
        h_g1=tuple(scaled[len(l_pts) :]),
        vk=replace(pk.vk, delta_g2=delta_g2),
    )
    record = Phase2Contribution(name, challenge, "", new_pk.delta_g1, key_proof(delta, "delta", challenge, nonce),
                                new_pk.delta_g2, key_digest(new_pk))
    record = replace(record, hash=record.compute_hash())
    return replace(state, pk=new_pk, contributions=state.contributions + (record,))


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class Phase2Report:
    """What verification established (``hashes``: every record's hash, in order)."""

    contributions: int
    names: tuple
    hash: str
    phase1_contributions: int
    hashes: tuple = ()


def _vector_bytes(v, group: int) -> bytes:
    if isinstance(v, PackedPoints):
        return pack_points(v, group)
    return container.encode_points(list(v), container.G1_SIZE if group == 1 else container.G2_SIZE)


def same_key_except_delta(pk: ProvingKey, init: ProvingKey) -> bool:
    """Whether two keys agree in everything but delta, L and H (vectors compared as bytes)."""
    scalars = ("n_public", "n_wires", "domain_size", "alpha_g1", "beta_g1", "beta_g2")
    if any(getattr(pk, k) != getattr(init, k) for k in scalars):
        return False
    if (pk.vk.alpha_g1, pk.vk.beta_g2, pk.vk.gamma_g2, tuple(pk.vk.ic)) != \
            (init.vk.alpha_g1, init.vk.beta_g2, init.vk.gamma_g2, tuple(init.vk.ic)):
        return False
    return all(_vector_bytes(getattr(pk, k), grp) == _vector_bytes(getattr(init, k), grp)
               for k, grp in (("a_g1", 1), ("b_g1", 1), ("b_g2", 2)))


def keys_equal(pk: ProvingKey, other: ProvingKey) -> bool:
    """Whether two proving keys hold the same points (tuples or packed alike)."""
    return key_digest(pk) == key_digest(other) and (pk.n_public, pk.n_wires, pk.domain_size) == \
        (other.n_public, other.n_wires, other.domain_size)


def verify_phase2(state: Phase2, initial: Phase2, previous: Optional[Phase2] = None) -> Phase2Report:
    """Check a phase-2 key against the initial key for its circuit (see :func:`initialize`).

    Raises CeremonyCheckFailed naming the first failure.  ``previous`` additionally checks
    that ``state`` extends that file by its new contributions.
    """
    pk, init = state.pk, initial.pk
    require(state.circuit_hash == initial.circuit_hash, "the key was made for a different circuit")
    require(state.prepared_hash == initial.prepared_hash and state.initial_hash == initial.initial_hash,
            "the key was not started from this prepared phase 1")
    require(state.phase1 == initial.phase1, "the key's phase-1 transcript differs from the prepared file's")
    require(same_key_except_delta(pk, init),
            "the key changed something other than delta, L and H (alpha, beta, gamma, A, B or IC)")
    require(len(pk.l_g1) == len(init.l_g1) and len(pk.h_g1) == len(init.h_g1),
            "the key has a different number of L or H points than the circuit needs")
    require(pk.delta_g2 == pk.vk.delta_g2, "the verification key's delta differs from the proving key's")
    require(pk.delta_g1 is not None and pk.delta_g2 is not None, "the key's delta is the point at infinity")
    # The key itself: delta consistent between the groups, L and H divided by it.
    checks = RatioChecks(group="key")
    checks.same_ratio(G1_GEN, pk.delta_g1, G2_GEN, pk.delta_g2, "delta in G1 and delta in G2 differ")
    n_l, n_h = len(pk.l_g1), len(pk.h_g1)
    if n_l + n_h:
        rs = [secrets.randbits(128) for _ in range(n_l + n_h)]
        new_sum = g1.add(msm_vec(G1, pk.l_g1, rs[:n_l]) if n_l else None,
                         msm_vec(G1, pk.h_g1, rs[n_l:]) if n_h else None)
        old_sum = g1.add(msm_vec(G1, init.l_g1, rs[:n_l]) if n_l else None,
                         msm_vec(G1, init.h_g1, rs[n_l:]) if n_h else None)
        checks.same_ratio(new_sum, old_sum, G2_GEN, pk.delta_g2,
                          "the L and H points are not the initial ones divided by delta")
    # One multi-pairing for the key and the records; a failure found on the way runs the
    # pending statements first (RatioChecks.require), so the key's own checks, then the
    # earliest record, are what an error names.
    # The transcript: every record rehashed, chained by pairings, the last one the key's.
    prev_d1, prev_d2 = G1_GEN, G2_GEN
    pairs, labels = [], []
    def hook():  # a record's G2 failure, named before a later record's require fails
        return first_inconsistent(pairs, labels)

    checks.hooks.append(hook)
    prev_hash = genesis_hash(state.circuit_hash, state.prepared_hash, state.initial_hash)
    for number, rec in enumerate(state.contributions, start=1):
        label = f"phase-2 contribution {number} ({rec.name!r})"
        checks.group = number
        checks.require(rec.hash == rec.compute_hash(),
                       f"{label} is not the record its hash {rec.hash[:16]}... names: the record was rewritten "
                       "(a record's hash is recomputed from its points, proof and predecessor)")
        checks.require(rec.previous_hash == prev_hash,
                       f"{label} does not chain from the previous one: it names record {rec.previous_hash[:16]}..., "
                       f"the previous record is {prev_hash[:16]}...")
        key = rec.proof
        checks.require(None not in (rec.delta_g1, rec.delta_g2, key.g1_s, key.g1_sx),
                       f"{label} records a point at infinity")
        h = pok_scalar("delta", rec.previous_hash, key.g1_s, key.g1_sx)
        checks.same_ratio(key.g1_s, g1.mul(key.g1_sx, h), G2_GEN, key.g2_spx,
                          f"{label}'s proof of knowledge of delta is invalid")
        checks.same_ratio(prev_d1, g1.mul(rec.delta_g1, h), G2_GEN, key.g2_spx,
                          f"{label} does not chain from the previous one: its delta is not the previous one "
                          "times the secret it proves knowledge of")
        checks.require(g2.is_in_subgroup(rec.delta_g2),
                       f"{label} records a delta in G2 outside the prime-order subgroup")
        pairs.append((rec.delta_g1, rec.delta_g2))
        labels.append(f"{label} does not chain from the previous one: its delta in G2 is not the previous one "
                      "times the secret it proves knowledge of")
        prev_d1, prev_d2, prev_hash = rec.delta_g1, rec.delta_g2, rec.hash
    if pairs:
        # Every record's delta in G2 is its delta in G1 lifted (which the G1 chain ties to the
        # previous one): one statement for all, under random weights; named record by record
        # only when it fails.
        ws = [secrets.randbits(128) for _ in pairs]
        checks.hooks.remove(hook)  # from here the statement below is pending: require runs it
        checks.group = "g2-deltas"
        checks.same_ratio(G1_GEN, msm(G1, [p for p, _ in pairs], ws), G2_GEN, msm(G2, [q for _, q in pairs], ws),
                          lambda: first_inconsistent(pairs, labels) or "the records' deltas in G2 do not match "
                          "their deltas in G1")
    checks.require(pk.delta_g1 == prev_d1 and pk.delta_g2 == prev_d2,
                   "the key's delta differs from the one its last contribution recorded")
    if state.contributions:
        checks.require(key_digest(pk) == state.contributions[-1].key,
                       "the key's digest does not match its last contribution: points were changed after it")
    checks.run()
    if previous is not None:
        old = previous.contributions
        require(len(state.contributions) > len(old), "the file has no contribution beyond the previous file's")
        require(state.contributions[: len(old)] == old,
                "the file rewrites contributions the previous file already had")
        require(not old or old[-1].key == key_digest(previous.pk),
                "the previous file's key is not the one its last contribution recorded")
        require(state.contributions[len(old)].previous_hash == last_hash(previous),
                f"phase-2 contribution {len(old) + 1} does not chain from the previous file's key")
    return Phase2Report(len(state.contributions), tuple(r.name for r in state.contributions), key_digest(pk),
                        len(state.phase1), tuple(r.hash for r in state.contributions))


# ------------------------------------------------------------------ files


def save_phase2(state: Phase2, path) -> str:
    """Write a phase-2 file atomically; returns the key digest."""
    pk = state.pk
    header = {
        "curve": "bn128",
        "circuit_hash": state.circuit_hash,
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
    """Read a phase-2 file (FormatError, one sentence, if damaged or inconsistent).

    The header's counts are checked against the sections' sizes before use.
    """
    what = f"phase-2 file {str(path)!r}"
    c = container.read_file(path, "phase-2", container.KIND_PHASE2)
    try:
        h, s = c.header, c.sections
        n_public, n_wires, domain_size = h["n_public"], h["n_wires"], h["domain_size"]
        for name, v in (("n_public", n_public), ("n_wires", n_wires), ("domain_size", domain_size)):
            if type(v) is not int or not 0 <= v <= MAX_WIRES:
                raise FormatError(f"{what} declares {name} {v!r}, outside 0..{MAX_WIRES}")
        if domain_size < 2 or domain_size & (domain_size - 1) or n_wires < n_public + 1:
            raise FormatError(f"{what} declares impossible sizes ({n_wires} wires, {n_public} public, "
                              f"domain {domain_size})")
        expected = {"alpha_g1": 1, "beta_g1": 1, "beta_g2": 1, "gamma_g2": 1, "delta_g1": 1, "delta_g2": 1,
                    "a_g1": n_wires, "b_g1": n_wires, "b_g2": n_wires, "ic": n_public + 1,
                    "l_g1": n_wires - n_public - 1, "h_g1": domain_size - 1}
        for name, count in expected.items():
            if len(s[name]) != count:
                raise FormatError(f"{what} holds {len(s[name])} {name} points where its header needs {count}")
        for name in ("circuit_hash", "prepared_hash", "initial_hash"):
            if not isinstance(h[name], str):
                raise FormatError(f"{what} has no {name}")
        delta_g2 = s["delta_g2"][0]
        vk = VerificationKey(alpha_g1=s["alpha_g1"][0], beta_g2=s["beta_g2"][0], gamma_g2=s["gamma_g2"][0],
                             delta_g2=delta_g2, ic=tuple(s["ic"]))
        pk = ProvingKey(
            n_public=n_public, n_wires=n_wires, domain_size=domain_size,
            alpha_g1=s["alpha_g1"][0], beta_g1=s["beta_g1"][0], beta_g2=s["beta_g2"][0],
            delta_g1=s["delta_g1"][0], delta_g2=delta_g2,
            a_g1=tuple(s["a_g1"]), b_g1=tuple(s["b_g1"]), b_g2=tuple(s["b_g2"]),
            l_g1=tuple(s["l_g1"]), h_g1=tuple(s["h_g1"]), vk=vk,
        )
        phase1 = records_from_json(h["phase1"], what)
        if not isinstance(h["contributions"], list):
            raise FormatError(f"{what} has no list of contribution records")
        records = tuple(Phase2Contribution.from_json(r, what) for r in h["contributions"])
    except KeyError as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    container.check_header(h, key_digest(pk), what)
    return Phase2(pk, h["circuit_hash"], h["prepared_hash"], h["initial_hash"], phase1, records)


__all__ = ["Phase2", "Phase2Contribution", "Phase2Report", "initialize", "contribute", "verify_phase2",
           "save_phase2", "load_phase2", "key_digest", "keys_equal", "circuit_digest", "genesis_hash",
           "CeremonyCheckFailed"]
