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
    """What the .ptau file says about one of its contributions (not re-verified here)."""

    name: str
    kind: str  # "contribution" or "beacon"
    beacon_hash: str | None
    iterations_exp: int | None


@dataclass(frozen=True)
class PtauFile:
    """A parsed .ptau: the accumulator's points, its contributions, Lagrange sections."""

    power: int
    ceremony_power: int
    tau_g1: list
    tau_g2: list
    alpha_tau_g1: list
    beta_tau_g1: list
    beta_g2: object
    contributions: tuple[PtauContribution, ...]
    lagrange: dict  # section name -> {m: list of points}, empty unless prepared


def read_ptau(path: str | os.PathLike, power: int | None = None) -> PtauFile:
    """Parse a snarkjs .ptau file, optionally keeping only the first 2^power powers.

    Raises FormatError (one sentence) for anything that is not a complete, well-formed
    bn128 .ptau, and PointError for a point off its curve.
    """
    what = f".ptau file {str(path)!r}"
    data = read_bytes(path, ".ptau")
    return parse_ptau(data, what, power)


def parse_ptau(data: bytes, what: str, power: int | None = None) -> PtauFile:
    """:func:`read_ptau` on bytes already in memory."""
    if len(data) < 12 or data[:4] != b"ptau":
        raise FormatError(f"{what} is not a .ptau file (no 'ptau' magic)")
    version, count = struct.unpack_from("<II", data, 4)
    if version != 1:
        raise FormatError(f"{what} has .ptau version {version}; only version 1 is supported")
    sections: dict[int, tuple[int, int]] = {}
    pos = 12
    for _ in range(count):
        if pos + 12 > len(data):
            raise FormatError(f"{what} is truncated (section table cut short)")
        kind, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if pos + size > len(data):
            raise FormatError(f"{what} is truncated (section {kind} claims {size} bytes, {len(data) - pos} remain)")
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
    return PtauFile(power, ceremony_power, tau_g1, tau_g2, alpha, beta, beta_g2, contributions, lagrange)


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
    end = off + size
    pos = off
    try:
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        out = []
        for _ in range(count):
            # 5 points after the contribution, 6 G1 + 3 G2 key points, partial hash, next challenge.
            pos += 64 + 128 + 64 + 64 + 128 + 6 * 64 + 3 * 128 + 216 + 64
            kind, plen = struct.unpack_from("<II", data, pos)
            pos += 8
            stop = pos + plen
            name, beacon, iters = "", None, None
            while pos < stop:
                ptype = data[pos]
                pos += 1
                if ptype == 1:
                    ln = data[pos]
                    name = data[pos + 1 : pos + 1 + ln].decode("utf-8", "replace")
                    pos += 1 + ln
                elif ptype == 2:
                    iters = data[pos]
                    pos += 1
                elif ptype == 3:
                    ln = data[pos]
                    beacon = data[pos + 1 : pos + 1 + ln].hex()
                    pos += 1 + ln
                else:
                    raise ValueError(f"unknown contribution parameter {ptype}")
            if pos != stop:
                raise ValueError("contribution parameters overrun")
            out.append(PtauContribution(name, "beacon" if kind == 1 else "contribution", beacon, iters))
    except (struct.error, IndexError, ValueError) as exc:
        raise FormatError(f"{what} has a malformed contributions section ({exc})") from None
    if pos != end:
        raise FormatError(f"{what} has a contributions section of the wrong size")
    return tuple(out)


def encode_montgomery_g1(points) -> bytes:
    """G1 points in .ptau's encoding (tests build .ptau variants with it)."""
    r = (1 << 256) % P
    out = bytearray()
    for p in points:
        out += bytes(64) if p is None else b"".join((c * r % P).to_bytes(32, "little") for c in p)
    return bytes(out)

