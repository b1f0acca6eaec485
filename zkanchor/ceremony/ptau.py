"""Reading snarkjs / iden3 ``.ptau`` powers-of-tau files.

The container is iden3's binfile: ``b"ptau"``, u32 version (1), u32 section count,
then sections of (u32 type, u64 byte size, data), all little-endian.  Sections:

====  ==================  =====================================================
 1    header              u32 n8 (32), q (n8 bytes), u32 power, u32 ceremony power
 2    tauG1               2^(power+1) - 1 G1 points: tau^i * G1
 3    tauG2               2^power G2 points: tau^i * G2
 4    alphaTauG1          2^power G1 points: alpha * tau^i * G1
 5    betaTauG1           2^power G1 points: beta * tau^i * G1
 6    betaG2              1 G2 point
 7    contributions       u32 count, then per contribution: tauG1, tauG2, alphaG1,
                          betaG1, betaG2 after it, its public key (6 G1 + 3 G2),
                          a 216-byte partial blake2b state, a 64-byte next
                          challenge, u32 type (0 contribution, 1 beacon), u32
                          parameter length and parameters (1 name, 2 iteration
                          exponent, 3 beacon hash)
12-15 Lagrange tauG1,     after ``prepare phase2``: for every m = 0..power (and
      tauG2, alphaTauG1,  m = power + 1 for tauG1) the 2^m points L_i(tau) * G,
      betaTauG1           concatenated by increasing m
====  ==================  =====================================================

Only those section types are accepted, each once; every count (sections, the power,
contributions, parameter lengths) is checked against the bytes that hold it before
anything is allocated.  :func:`check_contributions` ties the contribution records to the
points (the last record's points must be the file's), which is what an import trusts.

Coordinates are 32-byte little-endian in **Montgomery form** (x * 2^256 mod q), an
affine point is x then y (G2: x.c0, x.c1, y.c0, y.c1), and all zeros is infinity.
(Checked on a snarkjs 0.7.6 file: tauG1[0] decodes to the generator (1, 2) only after
multiplying by 2^-256.)
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from ..bn254 import g1, g2
from ..bn254.constants import P
from ..errors import FormatError, PointError
from ..fileio import read_bytes

_MONT_INV = pow(1 << 256, -1, P)
MAX_POWER = 28


@dataclass(frozen=True)
class PtauContribution:
    """One of a .ptau's contribution records: who, what kind, and the points it keeps.

    ``heads`` are the five points after it (tau*G1, tau*G2, alpha*G1, beta*G1, beta*G2);
    ``keys`` its public key: (g1_s, g1_sx, g2_spx) for tau, alpha and beta.
    """

    name: str
    kind: str  # "contribution" or "beacon"
    beacon_hash: str | None
    iterations_exp: int | None
    heads: tuple = ()
    keys: tuple = ()


@dataclass(frozen=True)
class PtauFile:
    """A parsed .ptau: the accumulator's points (first 2^power), contributions, Lagrange sections."""

    power: int
    ceremony_power: int
    tau_g1: list
    tau_g2: list
    alpha_tau_g1: list
    beta_tau_g1: list
    beta_g2: object
    contributions: tuple[PtauContribution, ...]
    lagrange: dict  # section name -> {m: list of points}, empty unless prepared
    file_power: int = 0


KNOWN_SECTIONS = (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15)
_HEADS_BYTES = 64 + 128 + 64 + 64 + 128
_KEY_BYTES = 6 * 64 + 3 * 128
_CONTRIBUTION_MIN = _HEADS_BYTES + _KEY_BYTES + 216 + 64 + 4 + 4


def read_ptau(path: str | os.PathLike, power: int | None = None) -> PtauFile:
    """Parse a snarkjs .ptau file, optionally keeping only the first 2^power powers.

    Raises FormatError (one sentence) for anything that is not a complete, well-formed
    bn128 .ptau, and PointError for a point off its curve.
    """
    what = f".ptau file {str(path)!r}"
    data = read_bytes(path, ".ptau")
    return parse_ptau(data, what, power)


def parse_ptau(data: bytes, what: str, power: int | None = None) -> PtauFile:
    """:func:`read_ptau` on bytes already in memory.

    Every count (sections, the power, contributions, parameter lengths) is checked
    against the bytes that hold it before anything is allocated or parsed; each section
    type may appear once, and only the types snarkjs writes are accepted.
    """
    if len(data) < 12 or data[:4] != b"ptau":
        raise FormatError(f"{what} is not a .ptau file (no 'ptau' magic)")
    version, count = struct.unpack_from("<II", data, 4)
    if version != 1:
        raise FormatError(f"{what} has .ptau version {version}; only version 1 is supported")
    if count > (len(data) - 12) // 12:
        raise FormatError(f"{what} declares {count} sections, more than its {len(data)} bytes can hold")
    sections: dict[int, tuple[int, int]] = {}
    pos = 12
    for _ in range(count):
        if pos + 12 > len(data):
            raise FormatError(f"{what} is truncated (section table cut short)")
        kind, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if size > len(data) - pos:
            raise FormatError(f"{what} is truncated (section {kind} claims {size} bytes, {len(data) - pos} remain)")
        if kind not in KNOWN_SECTIONS:
            raise FormatError(f"{what} has section type {kind}, which a powers-of-tau file does not hold")
        if kind in sections:
            raise FormatError(f"{what} has section {kind} twice")
        sections[kind] = (pos, size)
        pos += size
    if pos != len(data):
        raise FormatError(f"{what} has {len(data) - pos} stray bytes after its sections")
    for needed in (1, 2, 3, 4, 5, 6, 7):
        if needed not in sections:
            raise FormatError(f"{what} has no section {needed}: it is not a complete powers-of-tau file")

    off, size = sections[1]
    if size != 44:
        raise FormatError(f"{what} has a header of {size} bytes, expected 44 (bn128)")
    n8 = struct.unpack_from("<I", data, off)[0]
    q = int.from_bytes(data[off + 4 : off + 36], "little")
    if n8 != 32 or q != P:
        raise FormatError(f"{what} is not for the bn128 curve (alt_bn128)")
    file_power, ceremony_power = struct.unpack_from("<II", data, off + 36)
    if not 1 <= file_power <= MAX_POWER:
        raise FormatError(f"{what} declares power {file_power}, outside 1..{MAX_POWER}")
    if not 1 <= ceremony_power <= 64:
        raise FormatError(f"{what} declares ceremony power {ceremony_power}, outside 1..64")
    if power is None:
        power = file_power
    if not 1 <= power <= file_power:
        raise FormatError(f"{what} holds 2^{file_power} powers; cannot take 2^{power}")
    n = 1 << file_power

    def section(kind: int, size_pt: int, expected: int, keep: int, name: str) -> list:
        off, size = sections[kind]
        if size != expected * size_pt:
            raise FormatError(
                f"{what}: section {kind} ({name}) has {size} bytes, expected {expected * size_pt} for power {file_power}"
            )
        return _points(data[off : off + keep * size_pt], size_pt, f"{name} of {what}")

    m = 1 << power
    tau_g1 = section(2, 64, 2 * n - 1, 2 * m - 1, "tauG1")
    tau_g2 = section(3, 128, n, m, "tauG2")
    alpha = section(4, 64, n, m, "alphaTauG1")
    beta = section(5, 64, n, m, "betaTauG1")
    beta_g2 = section(6, 128, 1, 1, "betaG2")[0]
    contributions = _contributions(data, *sections[7], what)

    lagrange: dict = {}
    for kind, name, size_pt, top in ((12, "tau_g1", 64, file_power + 1), (13, "tau_g2", 128, file_power),
                                     (14, "alpha_tau_g1", 64, file_power), (15, "beta_tau_g1", 64, file_power)):
        if kind not in sections:
            continue
        off, size = sections[kind]
        if size != ((2 << top) - 1) * size_pt:
            raise FormatError(f"{what}: Lagrange section {kind} has {size} bytes, expected {((2 << top) - 1) * size_pt}")
        by_size = {}
        for k in range(min(top, power) + 1):
            start = off + ((1 << k) - 1) * size_pt
            by_size[k] = _points(data[start : start + (1 << k) * size_pt], size_pt, f"Lagrange section {kind} of {what}")
        lagrange[name] = by_size
    return PtauFile(power, ceremony_power, tau_g1, tau_g2, alpha, beta, beta_g2, contributions, lagrange,
                    file_power)


def _points(raw: bytes, size: int, what: str) -> list:
    """Montgomery-form little-endian coordinates to affine points, checked on the curve."""
    pts = []
    check = g1.is_on_curve if size == 64 else g2.is_on_curve
    for i in range(0, len(raw), size):
        words = [int.from_bytes(raw[i + k : i + k + 32], "little") for k in range(0, size, 32)]
        if not any(words):
            pts.append(None)
            continue
        if max(words) >= P:
            raise PointError(f"point {i // size} of {what} has a coordinate not below the field modulus")
        c = [w * _MONT_INV % P for w in words]
        p = (c[0], c[1]) if size == 64 else ((c[0], c[1]), (c[2], c[3]))
        if not check(p):
            raise PointError(f"point {i // size} of {what} is not on the curve")
        pts.append(p)
    return pts


def _contributions(data: bytes, off: int, size: int, what: str) -> tuple[PtauContribution, ...]:
    view = data[off : off + size]
    pos = 0
    try:
        (count,) = struct.unpack_from("<I", view, pos)
        pos += 4
        if count > (size - 4) // _CONTRIBUTION_MIN:
            raise ValueError(f"{count} contributions cannot fit in {size} bytes")
        out = []
        for number in range(1, count + 1):
            label = f"contribution {number} of {what}"
            if pos + _CONTRIBUTION_MIN > size:
                raise ValueError("a contribution overruns the section")
            t1, t2, a1, b1, b2 = (_points(view[pos + o : pos + o + s], s, label)[0]
                                  for o, s in ((0, 64), (64, 128), (192, 64), (256, 64), (320, 128)))
            pos += _HEADS_BYTES
            g1s = _points(view[pos : pos + 6 * 64], 64, label)
            g2s = _points(view[pos + 6 * 64 : pos + _KEY_BYTES], 128, label)
            pos += _KEY_BYTES + 216 + 64  # public key, partial hash, next challenge
            kind, plen = struct.unpack_from("<II", view, pos)
            pos += 8
            if plen > size - pos:
                raise ValueError("contribution parameters overrun the section")
            stop = pos + plen
            name, beacon, iters = "", None, None
            while pos < stop:
                ptype = view[pos]
                pos += 1
                if ptype == 1:
                    ln = view[pos]
                    name = view[pos + 1 : pos + 1 + ln].decode("utf-8", "replace")
                    pos += 1 + ln
                elif ptype == 2:
                    iters = view[pos]
                    pos += 1
                elif ptype == 3:
                    ln = view[pos]
                    beacon = view[pos + 1 : pos + 1 + ln].hex()
                    pos += 1 + ln
                else:
                    raise ValueError(f"unknown contribution parameter {ptype}")
            if pos != stop:
                raise ValueError("contribution parameters overrun")
            keys = tuple((g1s[2 * i], g1s[2 * i + 1], g2s[i]) for i in range(3))
            out.append(PtauContribution(name, "beacon" if kind == 1 else "contribution", beacon, iters,
                                        (t1, t2, a1, b1, b2), keys))
    except (struct.error, IndexError, ValueError) as exc:
        raise FormatError(f"{what} has a malformed contributions section ({exc})") from None
    if pos != size:
        raise FormatError(f"{what} has a contributions section of the wrong size")
    return tuple(out)


def check_contributions(ptau: PtauFile) -> None:
    """The .ptau's contribution records must end at its points and chain where no snarkjs hashing is needed.

    For each record: tau*G1 and tau*G2 agree, beta*G1 and beta*G2 agree, and tau*G2 and
    beta*G2 are the previous record's times the secrets of its key's G1 pairs; the last
    record's points are the file's own (so a .ptau whose points were replaced, or whose
    record list was stitched on, is refused).  CeremonyCheckFailed names the first failure.
    """
    from ..bn254.constants import G1_GEN, G2_GEN
    from .checks import RatioChecks, require

    heads = (ptau.tau_g1[1], ptau.tau_g2[1], ptau.alpha_tau_g1[0], ptau.beta_tau_g1[0], ptau.beta_g2)
    prev = (G1_GEN, G2_GEN, G1_GEN, G1_GEN, G2_GEN)
    if not ptau.contributions:
        require(heads == prev, "the .ptau holds no contribution record, but its points are not the initial ones")
        return
    checks = RatioChecks()
    for number, c in enumerate(ptau.contributions, start=1):
        checks.group = number
        label = f"the .ptau's contribution {number} ({c.name or 'unnamed'!r})"
        require(len(c.heads) == 5 and all(p is not None for p in c.heads) and len(c.keys) == 3
                and all(k[0] is not None and k[1] is not None for k in c.keys),
                f"{label} records a point at infinity")
        t1, t2, _a1, b1, b2 = c.heads
        (tau_s, tau_sx, _), _alpha, (beta_s, beta_sx, _) = c.keys
        checks.same_ratio(G1_GEN, t1, G2_GEN, t2, f"{label} has tau in G1 and tau in G2 that differ")
        checks.same_ratio(G1_GEN, b1, G2_GEN, b2, f"{label} has beta in G1 and beta in G2 that differ")
        checks.same_ratio(tau_s, tau_sx, prev[1], t2,
                          f"{label}'s tau is not the previous one times the secret of its key")
        checks.same_ratio(beta_s, beta_sx, prev[4], b2,
                          f"{label}'s beta is not the previous one times the secret of its key")
        prev = c.heads
    checks.run()
    require(prev == heads, f"the .ptau's points are not the ones its last contribution recorded "
                           f"({len(ptau.contributions)}): the accumulator was replaced after it")


def _mont(c: int) -> bytes:
    return (c * ((1 << 256) % P) % P).to_bytes(32, "little")


def encode_montgomery_g1(points) -> bytes:
    """G1 points in .ptau's encoding (tests build .ptau variants with it)."""
    return b"".join(bytes(64) if p is None else _mont(p[0]) + _mont(p[1]) for p in points)


def encode_montgomery_g2(points) -> bytes:
    """G2 points in .ptau's encoding."""
    return b"".join(bytes(128) if p is None else b"".join(_mont(c) for c in (*p[0], *p[1])) for p in points)


def encode_ptau(power: int, tau_g1, tau_g2, alpha_tau_g1, beta_tau_g1, beta_g2, contributions=(),
                ceremony_power: int | None = None, extra_sections=()) -> bytes:
    """A .ptau file's bytes (no Lagrange sections): what tests forge .ptau variants with.

    ``contributions`` are :class:`PtauContribution` with heads and keys (the partial hash
    and next challenge are written as zeros: we never read them); ``extra_sections``
    (type, bytes) pairs are appended as they are.
    """
    header = struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<II", power, ceremony_power or power)
    contrib = bytearray(struct.pack("<I", len(contributions)))
    for c in contributions:
        t1, t2, a1, b1, b2 = c.heads
        contrib += encode_montgomery_g1([t1]) + encode_montgomery_g2([t2]) + encode_montgomery_g1([a1, b1])
        contrib += encode_montgomery_g2([b2])
        contrib += encode_montgomery_g1([p for k in c.keys for p in k[:2]])
        contrib += encode_montgomery_g2([k[2] for k in c.keys])
        contrib += bytes(216 + 64)
        params = bytearray()
        if c.name:
            raw = c.name.encode()[:64]
            params += bytes([1, len(raw)]) + raw
        if c.kind == "beacon":
            value = bytes.fromhex(c.beacon_hash or "")
            params += bytes([2, c.iterations_exp or 0, 3, len(value)]) + value
        contrib += struct.pack("<II", 1 if c.kind == "beacon" else 0, len(params)) + params
    sections = [(1, header), (2, encode_montgomery_g1(tau_g1)), (3, encode_montgomery_g2(tau_g2)),
                (4, encode_montgomery_g1(alpha_tau_g1)), (5, encode_montgomery_g1(beta_tau_g1)),
                (6, encode_montgomery_g2([beta_g2])), (7, bytes(contrib)), *extra_sections]
    out = bytearray(b"ptau" + struct.pack("<II", 1, len(sections)))
    for kind, body in sections:
        out += struct.pack("<IQ", kind, len(body)) + body
    return bytes(out)
