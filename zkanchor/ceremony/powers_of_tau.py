"""Phase 1 of the ceremony: the powers-of-tau accumulator, its contributions and beacon.

The accumulator for power k holds, for secrets tau, alpha, beta nobody knows:

- ``tau_g1``: tau^i * G1 for i < 2^(k+1) - 1 (H needs powers up to 2n - 2),
- ``tau_g2``: tau^i * G2 for i < 2^k,
- ``alpha_tau_g1``, ``beta_tau_g1``: alpha * tau^i * G1 and beta * tau^i * G1, i < 2^k,
- ``beta_g2``: beta * G2.

A contribution draws fresh (x, a, b) and multiplies point i of each list by x^i (times a
or b), so the secrets become (tau*x, alpha*a, beta*b): the result is secure if any one
contributor forgot their x.  Each contribution publishes a proof of knowledge per secret
(as in Bowe-Gabizon-Miers and snarkjs): g1_s random, g1_sx = x*g1_s, g2_sp derived by
hashing the challenge (the previous accumulator's digest) with g1_s and g1_sx, and
g2_spx = x*g2_sp.  The same-ratio checks e(g1_s, g2_spx) = e(g1_sx, g2_sp) and
e(prev, g2_spx) = e(new, g2_sp) show that the new tau*G1 is the previous one times the
x behind the proof, for the challenge it names.

The final **beacon** is a contribution whose secrets anyone can recompute from a public
value announced after the last contribution (a future block hash, a lottery draw): the
value is hashed with SHA-256 2^e times in a row (e public, so the delay is verifiable
work, as in the Zcash and snarkjs ceremonies), then tau, alpha, beta and the proof
nonces are SHA-512(digest || label) reduced mod r.  Verifiers redo the hashing and
compare.

:func:`verify_phase1` checks, with random linear combinations so that the cost is a
few MSMs and one multi-pairing: every list holds consecutive powers of one tau;
alpha/beta are consistent between G1 and G2; every contribution's proof links it to the
previous one's points and names the previous digest; the last one matches the
accumulator.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..bn254 import g1, g2
from ..bn254.constants import G1_GEN, G2_GEN, R
from ..errors import FormatError, InputError
from . import container
from .checks import CeremonyCheckFailed, RatioChecks, require
from .groupops import G1, G2, msm, powers, scale_g1, scale_g2

MAX_POWER = 28
MAX_BEACON_ITERATIONS_EXP = 40
LABELS = ("tau", "alpha", "beta")


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
        """sha256 (hex) of the encoded points: what contributions chain on."""
        return container.points_digest(self.sections())

    def heads(self) -> tuple:
        """(tau*G1, tau*G2, alpha*G1, beta*G1, beta*G2): what a contribution record repeats."""
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
    snarkjs .ptau).  ``previous_hash``/``hash`` are accumulator digests before/after;
    ``heads`` the five points of :meth:`Accumulator.heads` after the step.
    """

    name: str
    kind: str
    previous_hash: str
    hash: str
    heads: tuple
    proofs: tuple = ()  # KeyProof for tau, alpha, beta (empty for "imported")
    beacon: Optional[dict] = None  # {"value": hex, "iterations_exp": e}
    source: Optional[dict] = None  # for "imported": what the .ptau said

    def to_json(self) -> dict:
        """JSON form (points as decimal strings, as snarkjs writes them)."""
        out = {
            "name": self.name,
            "kind": self.kind,
            "previous_hash": self.previous_hash,
            "hash": self.hash,
            "heads": [point_json(p) for p in self.heads],
            "proofs": [[point_json(k.g1_s), point_json(k.g1_sx), point_json(k.g2_spx)] for k in self.proofs],
        }
        if self.beacon is not None:
            out["beacon"] = self.beacon
        if self.source is not None:
            out["source"] = self.source
        return out

    @staticmethod
    def from_json(obj: dict, what: str) -> "Contribution":
        """Parse :meth:`to_json` output; FormatError naming ``what`` if malformed."""
        try:
            heads = tuple(point_from_json(p, g2_point=i in (1, 4)) for i, p in enumerate(obj["heads"]))
            if len(heads) != 5:
                raise ValueError("5 head points expected")
            proofs = tuple(
                KeyProof(point_from_json(a, False), point_from_json(b, False), point_from_json(c, True))
                for a, b, c in obj["proofs"]
            )
            if obj["kind"] not in ("contribution", "beacon", "imported"):
                raise ValueError(f"unknown kind {obj['kind']!r}")
            return Contribution(
                name=str(obj["name"]),
                kind=obj["kind"],
                previous_hash=str(obj["previous_hash"]),
                hash=str(obj["hash"]),
                heads=heads,
                proofs=proofs,
                beacon=obj.get("beacon"),
                source=obj.get("source"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"{what} has a malformed contribution record ({exc})") from None


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
    """Inverse of :func:`point_json`, checking the point is on its curve."""
    if obj is None:
        return None
    if g2_point:
        p = ((int(obj[0][0]), int(obj[0][1])), (int(obj[1][0]), int(obj[1][1])))
        ok = g2.is_on_curve(p)
    else:
        p = (int(obj[0]), int(obj[1]))
        ok = g1.is_on_curve(p)
    if not ok:
        raise ValueError("a recorded point is not on its curve")
    return p


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


def initial_digest(power: int) -> str:
    """Digest of :func:`start`'s accumulator, the root of a chain begun here."""
    return start(power).accumulator.digest()


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
    h.update(b"zkanchor-ceremony-pok\0" + label.encode() + b"\0" + challenge.encode())
    h.update(container.encode_points([g1_s, g1_sx], container.G1_SIZE))
    return int.from_bytes(h.digest(), "big") % R or 1


def hash_to_g2(label: str, challenge: str, g1_s, g1_sx) -> tuple:
    """g2_sp of a proof of knowledge: :func:`pok_scalar` times G2.

    Deterministic, so the verifier recomputes it; binding the challenge (the digest of the
    accumulator contributed to) ties the proof to that accumulator.  As in snarkjs, g2_sp's
    discrete log is public; the verifier uses that to move every pairing with g2_sp onto
    G2 itself (e(P, h*G2) = e(h*P, G2)), halving the pairings per proof.
    """
    return g2.mul(G2_GEN, pok_scalar(label, challenge, g1_s, g1_sx))


def key_proof(secret: int, label: str, challenge: str, nonce: int) -> KeyProof:
    """The proof of knowledge of ``secret`` for ``challenge``; ``nonce`` picks g1_s."""
    g1_s = g1.mul(G1_GEN, nonce)
    g1_sx = g1.mul(g1_s, secret)
    return KeyProof(g1_s, g1_sx, g2.mul(hash_to_g2(label, challenge, g1_s, g1_sx), secret))


def contribute(phase1: Phase1, name: str, entropy: bytes = b"", randbytes: Callable[[int], bytes] = os.urandom) -> Phase1:
    """Add one contribution with fresh secrets; they are dropped when this returns."""
    secrets_ = [random_scalar(entropy, randbytes) for _ in LABELS]
    nonces = [random_scalar(entropy, randbytes) for _ in LABELS]
    return _apply(phase1, name, "contribution", secrets_, nonces, None)


def beacon_secrets(value: bytes, iterations_exp: int) -> tuple[list[int], list[int]]:
    """(tau, alpha, beta) and the three proof nonces a beacon value determines."""
    if not 0 <= iterations_exp <= MAX_BEACON_ITERATIONS_EXP:
        raise InputError(f"the beacon's iteration exponent must be in 0..{MAX_BEACON_ITERATIONS_EXP}")
    digest = value
    for _ in range(1 << iterations_exp):
        digest = hashlib.sha256(digest).digest()

    def derive(label: str) -> int:
        return int.from_bytes(hashlib.sha512(digest + label.encode()).digest(), "big") % (R - 1) + 1

    return [derive(label) for label in LABELS], [derive("nonce-" + label) for label in LABELS]


def apply_beacon(phase1: Phase1, value_hex: str, iterations_exp: int, name: str = "beacon") -> Phase1:
    """The final, publicly reproducible contribution from a beacon value (hex)."""
    value = parse_hex(value_hex, "beacon value")
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


def _apply(phase1: Phase1, name: str, kind: str, secrets_, nonces, beacon) -> Phase1:
    acc = phase1.accumulator
    challenge = acc.digest()
    new = rescale(acc, *secrets_)
    proofs = tuple(key_proof(s, label, challenge, k) for s, label, k in zip(secrets_, LABELS, nonces))
    record = Contribution(
        name=name,
        kind=kind,
        previous_hash=challenge,
        hash=new.digest(),
        heads=new.heads(),
        proofs=proofs,
        beacon=beacon,
    )
    return Phase1(new, phase1.contributions + (record,))


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class Phase1Report:
    """What verification established."""

    power: int
    contributions: int
    names: tuple
    hash: str
    beacon: bool
    imported: bool


def verify_phase1(phase1: Phase1, previous: Optional[Phase1] = None, subgroup: bool = True) -> Phase1Report:
    """Verify a phase-1 file; raise CeremonyCheckFailed naming the first failure.

    With ``previous``, also check that ``phase1`` extends it by exactly its new
    contributions and chains from its accumulator.  ``subgroup`` checks every G2 point
    for membership in the order-r subgroup (about a millisecond each).
    """
    acc = phase1.accumulator
    check_structure(acc)
    records = phase1.contributions
    checks = RatioChecks(group="powers")
    check_powers(acc, checks)
    if not records:
        require(acc.digest() == initial_digest(acc.power),
                "the file has no contributions but its accumulator is not the initial one")
    else:
        check_records(records, acc.power, checks)
        last = records[-1]
        require(last.hash == acc.digest(),
                f"the accumulator's digest does not match contribution {len(records)} ({last.name!r}): "
                "the points were changed after the last contribution")
        require(last.heads == acc.heads(),
                f"the accumulator's first powers differ from those contribution {len(records)} recorded")
    if previous is not None:
        _check_extends(phase1, previous)
    if subgroup:
        for i, q in enumerate(acc.tau_g2 + (acc.beta_g2,)):
            require(g2.is_in_subgroup(q), f"G2 point {i} of the accumulator is not in the prime-order subgroup")
    checks.run()
    return Phase1Report(
        power=acc.power,
        contributions=len(records),
        names=tuple(r.name for r in records),
        hash=acc.digest(),
        beacon=bool(records) and records[-1].kind == "beacon",
        imported=bool(records) and records[0].kind == "imported",
    )


def check_structure(acc: Accumulator) -> None:
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
    lo, hi, rs = [], [], []
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
    """Each record follows from the one before by the secret its proofs know."""
    first = records[0]
    if first.kind == "imported":
        prev_heads, prev_hash = first.heads, first.hash
        rest = list(enumerate(records[1:], start=2))
    else:
        g = G1_GEN
        prev_heads, prev_hash = (g, G2_GEN, g, g, G2_GEN), initial_digest(power)
        rest = list(enumerate(records, start=1))
    for number, rec in rest:
        checks.group = number
        label = f"contribution {number} ({rec.name!r})"
        require(rec.kind != "imported", f"{label} is an import, which can only start a chain")
        require(rec.previous_hash == prev_hash,
                f"{label} does not chain from the previous one: it names accumulator "
                f"{rec.previous_hash[:16]}..., the previous step produced {prev_hash[:16]}...")
        require(len(rec.proofs) == 3, f"{label} lacks its proofs of knowledge")
        if rec.kind == "beacon":
            _check_beacon(rec, label)
        # Only the G1 heads need linking: the G2 ones of the final accumulator are tied to
        # its G1 points by the powers checks, and intermediate G2 heads are informational.
        t1, _t2, a1, b1, _b2 = rec.heads
        for key, label_secret, old, new in zip(rec.proofs, LABELS, (prev_heads[0], prev_heads[2], prev_heads[3]),
                                               (t1, a1, b1)):
            h = pok_scalar(label_secret, rec.previous_hash, key.g1_s, key.g1_sx)
            checks.same_ratio(key.g1_s, g1.mul(key.g1_sx, h), G2_GEN, key.g2_spx,
                              f"{label}'s proof of knowledge of {label_secret} is invalid")
            checks.same_ratio(old, g1.mul(new, h), G2_GEN, key.g2_spx,
                              f"{label} does not chain from the previous one: its {label_secret} is not the "
                              "previous one times the secret it proves knowledge of")
        prev_heads, prev_hash = rec.heads, rec.hash


def _check_beacon(rec: Contribution, label: str) -> None:
    info = rec.beacon or {}
    try:
        value = bytes.fromhex(str(info["value"]))
        exp = int(info["iterations_exp"])
    except (KeyError, ValueError, TypeError):
        raise CeremonyCheckFailed(f"{label} is a beacon without a readable beacon value") from None
    require(0 <= exp <= MAX_BEACON_ITERATIONS_EXP, f"{label} has an out-of-range iteration exponent")
    secrets_, nonces = beacon_secrets(value, exp)
    expected = tuple(key_proof(s, lab, rec.previous_hash, k) for s, lab, k in zip(secrets_, LABELS, nonces))
    require(expected == rec.proofs,
            f"{label} was not made from its stated beacon value {value.hex()} with 2^{exp} iterations")


def _check_extends(phase1: Phase1, previous: Phase1) -> None:
    old, new = previous.contributions, phase1.contributions
    require(len(new) > len(old), "the file has no contribution beyond the previous file's")
    for i, (a, b) in enumerate(zip(old, new), start=1):
        require(a == b, f"contribution {i} differs from the previous file's record of it: the history was rewritten")
    nxt = new[len(old)]
    require(nxt.previous_hash == previous.accumulator.digest(),
            f"contribution {len(old) + 1} ({nxt.name!r}) does not chain from the previous file: it was made from "
            f"accumulator {nxt.previous_hash[:16]}..., the previous file holds {previous.accumulator.digest()[:16]}...")


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


def phase1_from_container(c: container.Container, what: str) -> Phase1:
    """Build a Phase1 from a decoded container."""
    try:
        power = int(c.header["power"])
        s = c.sections
        acc = Accumulator(power, tuple(s["tau_g1"]), tuple(s["tau_g2"]), tuple(s["alpha_tau_g1"]),
                          tuple(s["beta_tau_g1"]), s["beta_g2"][0])
        records = tuple(Contribution.from_json(r, what) for r in c.header["contributions"])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    _check_power(power)
    return Phase1(acc, records)


def from_ptau(ptau, source: str) -> Phase1:
    """A phase-1 chain rooted in a snarkjs .ptau's accumulator (see :mod:`.ptau`).

    The snarkjs contributions are listed in the root record; their own proofs use
    snarkjs's hashing and are checked with ``snarkjs powersoftau verify``.  Everything
    we verify from here on (consecutive powers, later contributions) is our own.
    """
    acc = Accumulator(ptau.power, tuple(ptau.tau_g1), tuple(ptau.tau_g2), tuple(ptau.alpha_tau_g1),
                      tuple(ptau.beta_tau_g1), ptau.beta_g2)
    digest = acc.digest()
    record = Contribution(
        name="imported",
        kind="imported",
        previous_hash=source,
        hash=digest,
        heads=acc.heads(),
        source={
            "format": "snarkjs .ptau",
            "file_power": ptau.ceremony_power,
            "contributions": [
                {"name": c.name, "kind": c.kind, "beacon_hash": c.beacon_hash, "iterations_exp": c.iterations_exp}
                for c in ptau.contributions
            ],
        },
    )
    return Phase1(acc, (record,))


__all__ = [
    "Accumulator", "Contribution", "KeyProof", "Phase1", "Phase1Report", "start", "contribute",
    "apply_beacon", "beacon_secrets", "rescale", "verify_phase1", "save_phase1", "load_phase1",
    "from_ptau", "initial_digest",
]
