"""Phase 1 of the ceremony: the powers-of-tau accumulator, its contributions and beacon.

The accumulator for power k holds, for secrets tau, alpha, beta nobody knows:

- ``tau_g1``: tau^i * G1 for i < 2^(k+1) - 1 (H needs powers up to 2n - 2),
- ``tau_g2``: tau^i * G2 for i < 2^k,
- ``alpha_tau_g1``, ``beta_tau_g1``: alpha * tau^i * G1 and beta * tau^i * G1, i < 2^k,
- ``beta_g2``: beta * G2.

A contribution draws fresh (x, a, b) and multiplies point i of each list by x^i (times a
or b), so the secrets become (tau*x, alpha*a, beta*b): the result is secure if any one
contributor forgot their x.

**The transcript.**  Every step leaves a record (:class:`Contribution`) that keeps the
five points summarising the accumulator after it (its *heads*: tau*G1, tau*G2,
alpha*G1, beta*G1, beta*G2, as snarkjs keeps them), the digest of the whole
accumulator after it, the hash of the record before it, and a proof of knowledge per
secret (as in Bowe-Gabizon-Miers and snarkjs): g1_s random, g1_sx = x*g1_s, g2_sp
derived by hashing the challenge -- *the previous record's hash* -- with g1_s and g1_sx,
and g2_spx = x*g2_sp.  A record's hash is the sha256 of all of that
(:func:`container.record_hash`), so it is recomputed from the transcript, never read
from it.  The chain starts at :func:`genesis_hash` (a tag and the power) with the
generators as heads.

:func:`verify_phase1` checks, for each record in order: its hash is the hash of its
contents; it names the previous record's hash; its proofs are valid for that
challenge; and its heads are the previous record's heads times the secrets its proofs
know -- e(prev, g2_spx) = e(new, g2_sp) in G1, e(g1_s, new) = e(g1_sx, prev) in G2.
The last record's heads and digest must be the accumulator's, and the accumulator
must hold consecutive powers of one tau (random linear combinations: a few MSMs and
one multi-pairing).  So a contributor who kept the hash they were told can find it in
the chain, and then the final tau is their tau times secrets others proved knowledge
of: a coordinator who discards honest contributions and re-makes records under their
names cannot reproduce those hashes, and a rewritten record no longer hashes to what
it claims.

The final **beacon** is a contribution whose secrets anyone can recompute from a public
value announced after the last contribution (a future block hash, a lottery draw): the
value is hashed with SHA-256 2^e times in a row (e public, at most
:data:`MAX_BEACON_ITERATIONS_EXP`, so the delay is verifiable work that a verifier can
afford), then tau, alpha, beta and the proof nonces are SHA-512(digest || label)
reduced mod r.  Verifiers redo the hashing and compare.

A chain may instead start at an **import** of a snarkjs ``.ptau`` (:func:`from_ptau`):
its root record keeps the .ptau's sha256, heads and accumulator digest, all recomputed
from the .ptau at import time (and by :func:`check_import` whenever that file is at hand).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..bn254 import g1, g2
from ..bn254.constants import G1_GEN, G2_GEN, P, R
from ..errors import FormatError, InputError
from . import container
from .checks import CeremonyCheckFailed, RatioChecks, first_inconsistent, require
from .groupops import G1, G2, msm, powers, scale_g1, scale_g2

MAX_POWER = 28
# 2^28 SHA-256 rounds take about a minute and a half in Python: the most a verifier is
# asked to redo.  Anything larger is refused before any hashing.
MAX_BEACON_ITERATIONS_EXP = 28
LABELS = ("tau", "alpha", "beta")
KINDS = ("contribution", "beacon", "imported")
GENERATOR_HEADS = (G1_GEN, G2_GEN, G1_GEN, G1_GEN, G2_GEN)


# ------------------------------------------------------------------ artifacts


@dataclass(frozen=True)
class Accumulator:
    """The points of a powers-of-tau accumulator of 2^power (see the module docstring)."""

    power: int
    tau_g1: tuple
    tau_g2: tuple
    alpha_tau_g1: tuple
    beta_tau_g1: tuple
    beta_g2: tuple

    def sections(self) -> list:
        """(name, point size, points) in file order."""
        return [
            ("tau_g1", container.G1_SIZE, self.tau_g1),
            ("tau_g2", container.G2_SIZE, self.tau_g2),
            ("alpha_tau_g1", container.G1_SIZE, self.alpha_tau_g1),
            ("beta_tau_g1", container.G1_SIZE, self.beta_tau_g1),
            ("beta_g2", container.G2_SIZE, (self.beta_g2,)),
        ]

    def digest(self) -> str:
        """sha256 (hex) of the encoded points: the identity of this accumulator."""
        return container.points_digest(self.sections())

    def heads(self) -> tuple:
        """(tau*G1, tau*G2, alpha*G1, beta*G1, beta*G2): what a contribution record keeps."""
        return (self.tau_g1[1], self.tau_g2[1], self.alpha_tau_g1[0], self.beta_tau_g1[0], self.beta_g2)


@dataclass(frozen=True)
class KeyProof:
    """Proof of knowledge of one secret x: (g1_s, x*g1_s, x*g2_sp) with g2_sp hashed."""

    g1_s: tuple
    g1_sx: tuple
    g2_spx: tuple


@dataclass(frozen=True)
class Contribution:
    """One step of phase 1, as recorded in every later file.

    ``kind`` is "contribution", "beacon" or "imported" (the root of a chain taken from a
    snarkjs .ptau).  ``previous_hash`` is the previous record's hash (:func:`genesis_hash`
    for the first record); ``heads`` the five points of :meth:`Accumulator.heads` after
    the step and ``accumulator`` the digest of the whole accumulator after it; ``hash``
    the sha256 of every other field (:meth:`compute_hash`).
    """

    name: str
    kind: str
    previous_hash: str
    hash: str
    heads: tuple
    proofs: tuple = ()  # KeyProof for tau, alpha, beta (empty for "imported")
    beacon: Optional[dict] = None  # {"value": hex, "iterations_exp": e}
    source: Optional[dict] = None  # for "imported": what the .ptau says
    accumulator: str = ""

    def to_json(self) -> dict:
        """JSON form (points as decimal strings, as snarkjs writes them)."""
        out = {
            "name": self.name,
            "kind": self.kind,
            "previous_hash": self.previous_hash,
            "hash": self.hash,
            "heads": [point_json(p) for p in self.heads],
            "proofs": [[point_json(k.g1_s), point_json(k.g1_sx), point_json(k.g2_spx)] for k in self.proofs],
            "accumulator": self.accumulator,
        }
        if self.beacon is not None:
            out["beacon"] = self.beacon
        if self.source is not None:
            out["source"] = self.source
        return out

    def compute_hash(self) -> str:
        """sha256 (hex) of this record's contents: what its ``hash`` must be."""
        return container.record_hash("phase1-record-v2", self.to_json())

    @staticmethod
    def from_json(obj: dict, what: str) -> "Contribution":
        """Parse :meth:`to_json` output; FormatError naming ``what`` if malformed."""
        try:
            if not isinstance(obj, dict):
                raise ValueError("a record is not a JSON object")
            unknown = sorted(set(obj) - {"name", "kind", "previous_hash", "hash", "heads", "proofs", "accumulator",
                                         "beacon", "source"})
            if unknown:
                raise ValueError(f"unknown field {unknown[0]!r}")
            if not isinstance(obj["heads"], list) or len(obj["heads"]) != 5:
                raise ValueError("5 head points expected")
            heads = tuple(point_from_json(p, g2_point=i in (1, 4)) for i, p in enumerate(obj["heads"]))
            if not isinstance(obj["proofs"], list) or len(obj["proofs"]) > 3:
                raise ValueError("at most 3 proofs expected")
            proofs = tuple(
                KeyProof(point_from_json(a, False), point_from_json(b, False), point_from_json(c, True))
                for a, b, c in obj["proofs"]
            )
            if obj["kind"] not in KINDS:
                raise ValueError(f"unknown kind {obj['kind']!r}")
            beacon = obj.get("beacon")
            if beacon is not None:
                beacon = _beacon_info(beacon)
            source = obj.get("source")
            if source is not None and not isinstance(source, dict):
                raise ValueError("the import source is not a JSON object")
            for key in ("name", "previous_hash", "hash", "accumulator"):
                if not isinstance(obj[key], str):
                    raise ValueError(f"{key} is not a string")
            return Contribution(
                name=obj["name"],
                kind=obj["kind"],
                previous_hash=obj["previous_hash"],
                hash=obj["hash"],
                heads=heads,
                proofs=proofs,
                beacon=beacon,
                source=source,
                accumulator=obj["accumulator"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"{what} has a malformed contribution record ({exc})") from None


def _beacon_info(info) -> dict:
    """{"value": hex, "iterations_exp": e} checked and normalised (ValueError if not)."""
    if not isinstance(info, dict) or set(info) != {"value", "iterations_exp"}:
        raise ValueError("a beacon is described by exactly its value and iteration exponent")
    exp = info["iterations_exp"]
    if type(exp) is not int or not 0 <= exp <= MAX_BEACON_ITERATIONS_EXP:
        raise ValueError(f"the beacon's iteration exponent {exp!r} is outside 0..{MAX_BEACON_ITERATIONS_EXP}")
    value = info["value"]
    if not isinstance(value, str) or len(value) > 1024:
        raise ValueError("the beacon value is not a hex string of at most 512 bytes")
    return {"value": bytes.fromhex(value).hex(), "iterations_exp": exp}


@dataclass(frozen=True)
class Phase1:
    """A phase-1 file: the current accumulator and the record of every step so far."""

    accumulator: Accumulator
    contributions: tuple = field(default_factory=tuple)


def point_json(p) -> list | None:
    """A point as decimal strings ([x, y] or [[x0, x1], [y0, y1]]), None for infinity."""
    if p is None:
        return None
    if isinstance(p[0], tuple):
        return [[str(c) for c in p[0]], [str(c) for c in p[1]]]
    return [str(p[0]), str(p[1])]


def point_from_json(obj, g2_point: bool):
    """Inverse of :func:`point_json`, checking coordinates and that the point is on its curve."""
    if obj is None:
        return None
    if not isinstance(obj, list) or len(obj) != 2:
        raise ValueError("a point is a list of two coordinates")
    if g2_point:
        if not all(isinstance(c, list) and len(c) == 2 for c in obj):
            raise ValueError("a G2 point is [[x0, x1], [y0, y1]]")
        p = ((_coordinate(obj[0][0]), _coordinate(obj[0][1])), (_coordinate(obj[1][0]), _coordinate(obj[1][1])))
        ok = g2.is_on_curve(p)
    else:
        p = (_coordinate(obj[0]), _coordinate(obj[1]))
        ok = g1.is_on_curve(p)
    if not ok:
        raise ValueError("a recorded point is not on its curve")
    return p


def _coordinate(text) -> int:
    if not isinstance(text, str) or not text.isdigit() or len(text) > 80:
        raise ValueError("a coordinate is not a decimal string")
    c = int(text)
    if c >= P:
        raise ValueError("a coordinate is not below the field modulus")
    return c


# ------------------------------------------------------------------ operations


def sizes(power: int) -> tuple[int, int]:
    """(number of tau_g1 points, number of each other list) for 2^power."""
    return (2 << power) - 1, 1 << power


def _check_power(power: int) -> None:
    if isinstance(power, bool) or not isinstance(power, int) or not 1 <= power <= MAX_POWER:
        raise InputError(f"the power must be an integer between 1 and {MAX_POWER}, got {power!r}")


def start(power: int) -> Phase1:
    """The accumulator with tau = alpha = beta = 1 (every point a generator), no records."""
    _check_power(power)
    n1, n = sizes(power)
    return Phase1(
        Accumulator(power, (G1_GEN,) * n1, (G2_GEN,) * n, (G1_GEN,) * n, (G1_GEN,) * n, G2_GEN), ()
    )


def genesis_hash(power: int) -> str:
    """The hash the first record of a 2^power chain names as its predecessor (heads: the generators)."""
    return hashlib.sha256(b"zkanchor-ceremony-phase1-genesis-v2\0" + struct.pack("<I", power)).hexdigest()


def random_scalar(entropy: bytes = b"", randbytes: Callable[[int], bytes] = os.urandom) -> int:
    """A uniform non-zero scalar from the OS CSPRNG, with optional user entropy mixed in.

    The user's text can only add randomness: it is hashed together with 64 fresh bytes.
    """
    seed = hashlib.sha512(randbytes(64) + hashlib.sha512(entropy).digest()).digest()
    return int.from_bytes(seed, "big") % (R - 1) + 1


def rescale(acc: Accumulator, tau: int, alpha: int, beta: int) -> Accumulator:
    """The accumulator for secrets (tau_old*tau, alpha_old*alpha, beta_old*beta)."""
    n1, n = sizes(acc.power)
    pw = powers(tau, n1)
    return Accumulator(
        acc.power,
        tuple(scale_g1(acc.tau_g1, pw)),
        tuple(scale_g2(acc.tau_g2, pw[:n])),
        tuple(scale_g1(acc.alpha_tau_g1, [alpha * x % R for x in pw[:n]])),
        tuple(scale_g1(acc.beta_tau_g1, [beta * x % R for x in pw[:n]])),
        g2.mul(acc.beta_g2, beta),
    )


def pok_scalar(label: str, challenge: str, g1_s, g1_sx) -> int:
    """SHA-512 of (label, challenge, g1_s, g1_sx) mod r: the discrete log of g2_sp."""
    h = hashlib.sha512()
    h.update(b"zkanchor-ceremony-pok-v2\0" + label.encode() + b"\0" + challenge.encode())
    h.update(container.encode_points([g1_s, g1_sx], container.G1_SIZE))
    return int.from_bytes(h.digest(), "big") % R or 1


def hash_to_g2(label: str, challenge: str, g1_s, g1_sx) -> tuple:
    """g2_sp of a proof of knowledge: :func:`pok_scalar` times G2.

    Deterministic, so the verifier recomputes it; binding the challenge (the previous
    record's hash, which covers that record's points) ties the proof to the step it
    follows.  As in snarkjs, g2_sp's discrete log is public; the verifier uses that to
    move every pairing with g2_sp onto G2 itself (e(P, h*G2) = e(h*P, G2)), halving the
    pairings per proof.
    """
    return g2.mul(G2_GEN, pok_scalar(label, challenge, g1_s, g1_sx))


def key_proof(secret: int, label: str, challenge: str, nonce: int) -> KeyProof:
    """The proof of knowledge of ``secret`` for ``challenge``; ``nonce`` picks g1_s."""
    g1_s = g1.mul(G1_GEN, nonce)
    g1_sx = g1.mul(g1_s, secret)
    return KeyProof(g1_s, g1_sx, g2.mul(hash_to_g2(label, challenge, g1_s, g1_sx), secret))


def last_hash(phase1: Phase1) -> str:
    """The hash the next record must name: the last record's, or the genesis hash."""
    if phase1.contributions:
        return phase1.contributions[-1].hash
    return genesis_hash(phase1.accumulator.power)


def contribute(phase1: Phase1, name: str, entropy: bytes = b"", randbytes: Callable[[int], bytes] = os.urandom) -> Phase1:
    """Add one contribution with fresh secrets; they are dropped when this returns."""
    secrets_ = [random_scalar(entropy, randbytes) for _ in LABELS]
    nonces = [random_scalar(entropy, randbytes) for _ in LABELS]
    return _apply(phase1, name, "contribution", secrets_, nonces, None)


def check_beacon_exp(iterations_exp) -> None:
    """InputError unless the beacon's iteration exponent is an int in 0..MAX_BEACON_ITERATIONS_EXP."""
    if type(iterations_exp) is not int or not 0 <= iterations_exp <= MAX_BEACON_ITERATIONS_EXP:
        raise InputError(f"the beacon's iteration exponent must be in 0..{MAX_BEACON_ITERATIONS_EXP} "
                         f"(2^{MAX_BEACON_ITERATIONS_EXP} SHA-256 rounds is the most a verifier redoes), "
                         f"got {iterations_exp!r}")


def beacon_secrets(value: bytes, iterations_exp: int) -> tuple[list[int], list[int]]:
    """(tau, alpha, beta) and the three proof nonces a beacon value determines."""
    check_beacon_exp(iterations_exp)
    digest = value
    for _ in range(1 << iterations_exp):
        digest = hashlib.sha256(digest).digest()

    def derive(label: str) -> int:
        return int.from_bytes(hashlib.sha512(digest + label.encode()).digest(), "big") % (R - 1) + 1

    return [derive(label) for label in LABELS], [derive("nonce-" + label) for label in LABELS]


def apply_beacon(phase1: Phase1, value_hex: str, iterations_exp: int, name: str = "beacon") -> Phase1:
    """The final, publicly reproducible contribution from a beacon value (hex)."""
    value = parse_hex(value_hex, "beacon value")
    if len(value) > 512:
        raise InputError("the beacon value must be at most 512 bytes")
    check_beacon_exp(iterations_exp)
    secrets_, nonces = beacon_secrets(value, iterations_exp)
    info = {"value": value.hex(), "iterations_exp": iterations_exp}
    return _apply(phase1, name, "beacon", secrets_, nonces, info)


def parse_hex(text: str, what: str) -> bytes:
    """Bytes from a hex string (optional 0x); InputError if it is not hex or empty."""
    t = text[2:] if text.lower().startswith("0x") else text
    try:
        raw = bytes.fromhex(t)
    except ValueError:
        raise InputError(f"the {what} must be hexadecimal, got {text!r}") from None
    if not raw:
        raise InputError(f"the {what} must not be empty")
    return raw


def make_record(name: str, kind: str, previous_hash: str, acc: Accumulator, proofs=(), beacon=None,
                source=None) -> Contribution:
    """A record for the step that produced ``acc``, its hash computed from its contents."""
    rec = Contribution(name=name, kind=kind, previous_hash=previous_hash, hash="", heads=acc.heads(),
                       proofs=tuple(proofs), beacon=beacon, source=source, accumulator=acc.digest())
    return _rehash(rec)


def _rehash(rec: Contribution) -> Contribution:
    from dataclasses import replace

    return replace(rec, hash=rec.compute_hash())


def _apply(phase1: Phase1, name: str, kind: str, secrets_, nonces, beacon) -> Phase1:
    acc = phase1.accumulator
    challenge = last_hash(phase1)
    new = rescale(acc, *secrets_)
    proofs = tuple(key_proof(s, label, challenge, k) for s, label, k in zip(secrets_, LABELS, nonces))
    record = make_record(name, kind, challenge, new, proofs, beacon)
    return Phase1(new, phase1.contributions + (record,))


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class Phase1Report:
    """What verification established (``hashes``: every record's hash, in order)."""

    power: int
    contributions: int
    names: tuple
    hash: str
    beacon: bool
    imported: bool
    hashes: tuple = ()


def verify_phase1(phase1: Phase1, previous: Optional[Phase1] = None, subgroup: bool = True) -> Phase1Report:
    """Verify a phase-1 file; raise CeremonyCheckFailed naming the first failure.

    The accumulator itself first (sizes, consecutive powers, subgroups), then the
    transcript record by record (:func:`check_records`), whose last record must describe
    the accumulator.  With ``previous``, also check that ``phase1`` extends it by exactly
    its new contributions.  ``subgroup`` checks every G2 point for membership in the
    order-r subgroup (about a millisecond each).
    """
    acc = phase1.accumulator
    check_structure(acc)
    records = phase1.contributions
    checks = RatioChecks(group="powers")
    check_powers(acc, checks)
    if subgroup:
        for i, q in enumerate(acc.tau_g2 + (acc.beta_g2,)):
            require(g2.is_in_subgroup(q), f"G2 point {i} of the accumulator is not in the prime-order subgroup")
    # One multi-pairing for everything below; a failure found before it runs the pending
    # statements first (RatioChecks.require), so the accumulator's own checks, then the
    # earliest record, are what an error names.
    if not records:
        require(all(p == G1_GEN for p in acc.tau_g1 + acc.alpha_tau_g1 + acc.beta_tau_g1)
                and all(q == G2_GEN for q in acc.tau_g2 + (acc.beta_g2,)),
                "the file has no contributions but its accumulator is not the initial one")
    else:
        check_records(records, acc.power, checks)
        check_last(records, acc, "the accumulator", checks=checks)
    checks.run()
    if previous is not None:
        _check_extends(phase1, previous)
    return Phase1Report(
        power=acc.power,
        contributions=len(records),
        names=tuple(r.name for r in records),
        hash=acc.digest(),
        beacon=bool(records) and records[-1].kind == "beacon",
        imported=bool(records) and records[0].kind == "imported",
        hashes=tuple(r.hash for r in records),
    )


def check_last(records, acc: Accumulator, what: str, digest: Optional[str] = None,
               checks: Optional[RatioChecks] = None) -> None:
    """The last record must describe ``acc``: its heads, and its digest (``digest`` if given).

    With ``checks``, its pending statements are run before a failure is raised.
    """
    require = checks.require if checks is not None else globals()["require"]
    last = records[-1]
    label = f"contribution {len(records)} ({last.name!r})"
    require(last.heads == acc.heads(),
            f"{what}'s first powers differ from those {label} recorded: the points were changed after it")
    require(last.accumulator == (digest if digest is not None else acc.digest()),
            f"{what}'s digest does not match {label}: the points were changed after the last contribution")


def check_structure(acc: Accumulator) -> None:
    """Sizes for the power, generators first, no point at infinity."""
    n1, n = sizes(acc.power)
    got = (len(acc.tau_g1), len(acc.tau_g2), len(acc.alpha_tau_g1), len(acc.beta_tau_g1))
    require(got == (n1, n, n, n),
            f"the accumulator should hold {n1}, {n}, {n}, {n} points for power {acc.power} but holds "
            f"{got[0]}, {got[1]}, {got[2]}, {got[3]}: powers were dropped or added")
    require(acc.tau_g1[0] == G1_GEN and acc.tau_g2[0] == G2_GEN,
            "the accumulator's zeroth powers are not the generators")
    for name, pts in (("tau_g1", acc.tau_g1), ("tau_g2", acc.tau_g2), ("alpha_tau_g1", acc.alpha_tau_g1),
                      ("beta_tau_g1", acc.beta_tau_g1), ("beta_g2", (acc.beta_g2,))):
        for i, p in enumerate(pts):
            require(p is not None, f"point {i} of {name} is the point at infinity (a zero secret)")


def check_powers(acc: Accumulator, checks: RatioChecks) -> None:
    """Consecutive powers everywhere, by random linear combinations (constant pairings).

    For random r_i: sum r_i P_(i+1) must equal tau * sum r_i P_i in every G1 list
    (tested against tau*G2 / G2) and likewise in G2 (against tau*G1 / G1); alpha and
    beta are then fixed by their zeroth points, and beta*G1 must match beta*G2.
    """
    lo, hi = [], []
    for pts in (acc.tau_g1, acc.alpha_tau_g1, acc.beta_tau_g1):
        lo.extend(pts[:-1])
        hi.extend(pts[1:])
    rs = [secrets.randbits(128) for _ in lo]
    checks.same_ratio(msm(G1, lo, rs), msm(G1, hi, rs), G2_GEN, acc.tau_g2[1],
                      "the G1 powers are not consecutive powers of one tau (a power was dropped, "
                      "reused or altered)")
    us = [secrets.randbits(128) for _ in acc.tau_g2[:-1]]
    checks.same_ratio(G1_GEN, acc.tau_g1[1], msm(G2, list(acc.tau_g2[:-1]), us), msm(G2, list(acc.tau_g2[1:]), us),
                      "the G2 powers are not consecutive powers of the same tau as in G1 (a power was "
                      "dropped, reused or altered)")
    checks.same_ratio(G1_GEN, acc.beta_tau_g1[0], G2_GEN, acc.beta_g2,
                      "beta in G1 and beta in G2 differ")


def check_records(records, power: int, checks: RatioChecks) -> None:
    """Each record hashes to its ``hash``, names its predecessor, and follows from it by proven secrets.

    In G1, each step's tau, alpha and beta are the previous record's times the secrets
    its proofs know (pairings against g2_spx).  In G2, every record's tau and beta are
    its G1 ones lifted, which with the G1 chain makes them the previous record's times
    the same secrets: one statement for the whole transcript under random weights,
    e(G1, sum r_i tau2_i + s_i beta2_i) = e(sum r_i tau1_i + s_i beta1_i, G2), after each
    G2 point is checked to be in the prime-order subgroup (so a small-order component
    cannot vanish under a weight); when it fails, the records are tried one by one to
    name the first that is wrong.  Statements go into ``checks`` (one group per record);
    the caller runs them.
    """
    _check_power(power)
    pairs, labels = [], []
    def hook():  # a record's G2 failure, named before a later record's require fails
        return first_inconsistent(pairs, labels)

    checks.hooks.append(hook)
    prev_heads, prev_hash = GENERATOR_HEADS, genesis_hash(power)
    for number, rec in enumerate(records, start=1):
        checks.group = number
        label = f"contribution {number} ({rec.name!r})"
        checks.require(rec.hash == rec.compute_hash(),
                       f"{label} is not the record its hash {rec.hash[:16]}... names: the record was rewritten "
                       "(a record's hash is recomputed from its points, proofs and predecessor)")
        checks.require(rec.previous_hash == prev_hash,
                       f"{label} does not chain from the previous one: it names record {rec.previous_hash[:16]}..., "
                       f"the previous record is {prev_hash[:16]}...")
        checks.require(all(p is not None for p in rec.heads), f"{label} records a point at infinity (a zero secret)")
        t1, t2, a1, b1, b2 = rec.heads
        for secret, q in (("tau", t2), ("beta", b2)):
            checks.require(g2.is_in_subgroup(q), f"{label} records a {secret} in G2 outside the prime-order subgroup")
        if rec.kind == "imported":
            checks.require(number == 1, f"{label} is an import, which can only start a chain")
            checks.require(not rec.proofs and rec.source is not None, f"{label} is not a well-formed import record")
        else:
            checks.require(len(rec.proofs) == 3 and all(k.g1_s is not None and k.g1_sx is not None
                                                        for k in rec.proofs),
                           f"{label} lacks its proofs of knowledge")
            if rec.kind == "beacon":
                _check_beacon(rec, label, checks)
            for key, secret, old, new in zip(rec.proofs, LABELS, (prev_heads[0], prev_heads[2], prev_heads[3]),
                                             (t1, a1, b1)):
                h = pok_scalar(secret, rec.previous_hash, key.g1_s, key.g1_sx)
                checks.same_ratio(key.g1_s, g1.mul(key.g1_sx, h), G2_GEN, key.g2_spx,
                                  f"{label}'s proof of knowledge of {secret} is invalid")
                checks.same_ratio(old, g1.mul(new, h), G2_GEN, key.g2_spx,
                                  f"{label} does not chain from the previous one: its {secret} is not the "
                                  "previous one times the secret it proves knowledge of")
        for secret, p, q in (("tau", t1, t2), ("beta", b1, b2)):
            pairs.append((p, q))
            labels.append(f"{label} does not chain from the previous one: its {secret} in G2 is not the "
                          "previous one times the secret it proves knowledge of")
        prev_heads, prev_hash = rec.heads, rec.hash
    if pairs:
        ws = [secrets.randbits(128) for _ in pairs]
        checks.hooks.remove(hook)  # from here the statement below is pending: require runs it
        checks.group = "g2-heads"
        checks.same_ratio(G1_GEN, msm(G1, [p for p, _ in pairs], ws), G2_GEN, msm(G2, [q for _, q in pairs], ws),
                          lambda: first_inconsistent(pairs, labels) or "the records' G2 points do not match "
                          "their G1 points")


def _check_beacon(rec: Contribution, label: str, checks: RatioChecks) -> None:
    try:
        info = _beacon_info(rec.beacon)
    except (ValueError, TypeError) as exc:
        checks.run()
        raise CeremonyCheckFailed(f"{label} is a beacon without a usable beacon value ({exc})") from None
    value, exp = bytes.fromhex(info["value"]), info["iterations_exp"]
    secrets_, nonces = beacon_secrets(value, exp)
    expected = tuple(key_proof(s, lab, rec.previous_hash, k) for s, lab, k in zip(secrets_, LABELS, nonces))
    checks.require(expected == rec.proofs,
                   f"{label} was not made from its stated beacon value {value.hex()} with 2^{exp} iterations")


def _check_extends(phase1: Phase1, previous: Phase1) -> None:
    old, new = previous.contributions, phase1.contributions
    require(len(new) > len(old), "the file has no contribution beyond the previous file's")
    for i, (a, b) in enumerate(zip(old, new), start=1):
        require(a == b, f"contribution {i} differs from the previous file's record of it: the history was rewritten")
    if old:
        check_last(old, previous.accumulator, "the previous file's accumulator")
    nxt = new[len(old)]
    require(nxt.previous_hash == last_hash(previous),
            f"contribution {len(old) + 1} ({nxt.name!r}) does not chain from the previous file: it names record "
            f"{nxt.previous_hash[:16]}..., the previous file ends at {last_hash(previous)[:16]}...")


def find_hashes(hashes, kept) -> None:
    """CeremonyCheckFailed unless every hash in ``kept`` (hex, any case) is in ``hashes``."""
    present = {h.lower() for h in hashes}
    for h in kept:
        require(h.strip().lower() in present,
                f"no record of this transcript has hash {h.strip()[:16]}...: the contribution it names is not "
                "part of this ceremony")


# ------------------------------------------------------------------ files


def save_phase1(phase1: Phase1, path) -> str:
    """Write a phase-1 file atomically; returns the accumulator digest."""
    acc = phase1.accumulator
    header = {
        "curve": "bn128",
        "power": acc.power,
        "hash": acc.digest(),
        "contributions": [c.to_json() for c in phase1.contributions],
    }
    container.write_file(path, container.KIND_PHASE1, header, acc.sections())
    return header["hash"]


def load_phase1(path) -> Phase1:
    """Read a phase-1 file (FormatError, one sentence, if it is damaged or malformed)."""
    what = f"phase-1 file {str(path)!r}"
    c = container.read_file(path, "phase-1", container.KIND_PHASE1)
    return phase1_from_container(c, what)


def header_power(value, what: str, field_name: str, low: int = 1) -> int:
    """A power from a file header, checked to be an int in low..MAX_POWER (FormatError)."""
    if type(value) is not int or not low <= value <= MAX_POWER:
        raise FormatError(f"{what} declares {field_name} {value!r}, outside {low}..{MAX_POWER}")
    return value


def accumulator_from_sections(s: dict, power: int, what: str) -> Accumulator:
    """The accumulator in a container's sections, their sizes checked against ``power`` (FormatError)."""
    n1, n = sizes(power)
    got = (len(s["tau_g1"]), len(s["tau_g2"]), len(s["alpha_tau_g1"]), len(s["beta_tau_g1"]), len(s["beta_g2"]))
    if got != (n1, n, n, n, 1):
        raise FormatError(f"{what} holds {', '.join(map(str, got))} points where power {power} needs "
                          f"{n1}, {n}, {n}, {n}, 1")
    return Accumulator(power, tuple(s["tau_g1"]), tuple(s["tau_g2"]), tuple(s["alpha_tau_g1"]),
                       tuple(s["beta_tau_g1"]), s["beta_g2"][0])


def records_from_json(items, what: str) -> tuple:
    """Contribution records from a header list (FormatError if it is not one)."""
    if not isinstance(items, list):
        raise FormatError(f"{what} has no list of contribution records")
    return tuple(Contribution.from_json(r, what) for r in items)


def phase1_from_container(c: container.Container, what: str) -> Phase1:
    """Build a Phase1 from a decoded container (sizes checked against the declared power)."""
    try:
        power = header_power(c.header["power"], what, "power")
        acc = accumulator_from_sections(c.sections, power, what)
        records = records_from_json(c.header["contributions"], what)
    except KeyError as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    container.check_header(c.header, acc.digest(), what)
    return Phase1(acc, records)


def from_ptau(ptau, source: str) -> Phase1:
    """A phase-1 chain rooted in a snarkjs .ptau's accumulator (see :mod:`.ptau`).

    ``source`` is the .ptau's identity (``"sha256:<hex of the file's bytes>"``).  What
    the root record keeps is recomputed from the parsed file, never taken from it: the
    .ptau's own contribution records must end at the points it holds and chain by the
    pairing checks that need no snarkjs hashing (:func:`.ptau.check_contributions`,
    CeremonyCheckFailed if not); the root's heads and digest are those of the points.
    snarkjs's proofs of knowledge (hashed to G2 its own way) are left to
    ``snarkjs powersoftau verify``.
    """
    from .ptau import check_contributions

    check_contributions(ptau)
    acc = Accumulator(ptau.power, tuple(ptau.tau_g1), tuple(ptau.tau_g2), tuple(ptau.alpha_tau_g1),
                      tuple(ptau.beta_tau_g1), ptau.beta_g2)
    info = {
        "format": "snarkjs .ptau",
        "file": source,
        "file_power": ptau.file_power,
        "ceremony_power": ptau.ceremony_power,
        "contributions": [
            {"name": c.name, "kind": c.kind, "beacon_hash": c.beacon_hash, "iterations_exp": c.iterations_exp}
            for c in ptau.contributions
        ],
    }
    record = make_record("imported", "imported", genesis_hash(ptau.power), acc, source=info)
    return Phase1(acc, (record,))


def check_import(records, ptau_data: bytes, what: str) -> None:
    """The chain's root must be exactly the import of this .ptau (CeremonyCheckFailed if not).

    Recomputes the root record from the file -- its points, contributions, sha256 --
    and compares it with the transcript's.
    """
    from .ptau import parse_ptau

    require(bool(records) and records[0].kind == "imported",
            f"the transcript does not start with an import, so it cannot be checked against {what}")
    root = records[0]
    power = _root_power(root)
    ptau = parse_ptau(ptau_data, what, power)
    expected = from_ptau(ptau, "sha256:" + hashlib.sha256(ptau_data).hexdigest()).contributions[0]
    require(expected == root,
            f"the transcript's imported root is not the import of {what}: its "
            + ("points differ" if expected.heads != root.heads or expected.accumulator != root.accumulator
               else "description of the file differs"))


def _root_power(root: Contribution) -> int:
    for power in range(1, MAX_POWER + 1):
        if genesis_hash(power) == root.previous_hash:
            return power
    raise CeremonyCheckFailed("the imported root names no power this zkanchor knows")


__all__ = [
    "Accumulator", "Contribution", "KeyProof", "Phase1", "Phase1Report", "start", "contribute",
    "apply_beacon", "beacon_secrets", "rescale", "verify_phase1", "save_phase1", "load_phase1",
    "from_ptau", "check_import", "genesis_hash", "find_hashes", "CeremonyCheckFailed",
]
