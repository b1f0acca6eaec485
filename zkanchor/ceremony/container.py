"""The ceremony's file container: a JSON header plus named point sections, checksummed.

Layout (all integers little-endian)::

    8 bytes   magic b"zkaceremo"[:8] = b"zkacerem"
    u32       format version (1)
    u32       kind: 1 phase-1 accumulator, 2 prepared phase 1, 3 phase-2 key
    u64       header length, then that many bytes of UTF-8 JSON
    u32       number of sections; each section is
                u16 name length, name (ASCII), u32 point size (64 = G1, 128 = G2),
                u64 point count, then count * size bytes
    32 bytes  sha256 of everything above

Points use the native kernel's wire encoding: G1 x||y, G2 x.c0||x.c1||y.c0||y.c1, each
coordinate 32 bytes little-endian in standard (not Montgomery) form, all zeros for the
point at infinity.  A file that is cut short or altered fails the checksum and is
rejected with one sentence before any point is parsed; coordinates are then checked to
lie on their curve (subgroup membership of G2 points is a verification step).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Sequence

from .. import native
from ..bn254 import g1, g2
from ..bn254.constants import P
from ..errors import FormatError, PointError
from ..fileio import atomic_write_bytes, read_bytes

MAGIC = b"zkacerem"
VERSION = 1
KIND_PHASE1, KIND_PREPARED, KIND_PHASE2 = 1, 2, 3
KIND_NAMES = {KIND_PHASE1: "phase-1 accumulator", KIND_PREPARED: "prepared phase-1", KIND_PHASE2: "phase-2 key"}
G1_SIZE, G2_SIZE = 64, 128


@dataclass(frozen=True)
class Container:
    """A decoded file: its kind, JSON header and sections (name -> list of points)."""

    kind: int
    header: dict
    sections: dict


def encode_points(points: Sequence, size: int) -> bytes:
    """Points in the wire encoding (``size`` 64 for G1, 128 for G2)."""
    if native.AVAILABLE:
        return native.pack_g1(points) if size == G1_SIZE else native.pack_g2(points)
    out = bytearray()
    for p in points:
        if p is None:
            out += bytes(size)
        elif size == G1_SIZE:
            out += p[0].to_bytes(32, "little") + p[1].to_bytes(32, "little")
        else:
            (x0, x1), (y0, y1) = p
            out += b"".join(c.to_bytes(32, "little") for c in (x0, x1, y0, y1))
    return bytes(out)


def decode_points(data: bytes, size: int, what: str) -> list:
    """Inverse of :func:`encode_points`; every point is checked to lie on its curve."""
    if native.AVAILABLE:
        try:
            points = native.unpack_g1(data) if size == G1_SIZE else native.unpack_g2(data)
        except ValueError:
            raise PointError(f"{what} holds a coordinate that is not below the field modulus") from None
    else:
        points = []
        for off in range(0, len(data), size):
            coords = [int.from_bytes(data[off + k : off + k + 32], "little") for k in range(0, size, 32)]
            if not any(coords):
                points.append(None)
            elif size == G1_SIZE:
                points.append((coords[0], coords[1]))
            else:
                points.append(((coords[0], coords[1]), (coords[2], coords[3])))
    check = g1.is_on_curve if size == G1_SIZE else g2.is_on_curve
    for i, p in enumerate(points):
        if p is not None and (max(_coords(p)) >= P or not check(p)):
            raise PointError(f"point {i} of {what} is not on the curve")
    return points


def _coords(p) -> tuple:
    if isinstance(p[0], tuple):
        return (*p[0], *p[1])
    return p


def encode(kind: int, header: dict, sections: Sequence[tuple[str, int, Sequence]]) -> bytes:
    """The file bytes for ``sections`` = [(name, point size, points), ...]."""
    head = json.dumps(header, sort_keys=True).encode("utf-8")
    parts = [MAGIC, struct.pack("<IIQ", VERSION, kind, len(head)), head, struct.pack("<I", len(sections))]
    for name, size, points in sections:
        raw = name.encode("ascii")
        parts.append(struct.pack("<H", len(raw)) + raw + struct.pack("<IQ", size, len(points)))
        parts.append(encode_points(points, size))
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def decode(data: bytes, what: str, expect_kind: int | None = None) -> Container:
    """Parse and checksum a ceremony file; FormatError (one sentence) on any damage."""
    if len(data) < len(MAGIC) + 16 + 32 or data[: len(MAGIC)] != MAGIC:
        if data[:4] == b"ptau":
            raise FormatError(f"{what} is a snarkjs .ptau file; import it with 'zkanchor ceremony import-ptau'")
        raise FormatError(f"{what} is not a zkanchor ceremony file (bad magic or too short)")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise FormatError(f"{what} is truncated or corrupted (its sha256 checksum does not match)")
    version, kind, head_len = struct.unpack_from("<IIQ", data, len(MAGIC))
    if version != VERSION:
        raise FormatError(f"{what} has format version {version}; this zkanchor reads version {VERSION}")
    if expect_kind is not None and kind != expect_kind:
        raise FormatError(
            f"{what} is a {KIND_NAMES.get(kind, 'unknown')} file, not a {KIND_NAMES[expect_kind]} file"
        )
    pos = len(MAGIC) + 16
    try:
        header = json.loads(body[pos : pos + head_len].decode("utf-8"))
        pos += head_len
        (count,) = struct.unpack_from("<I", body, pos)
        pos += 4
        sections = {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", body, pos)
            pos += 2
            name = body[pos : pos + name_len].decode("ascii")
            pos += name_len
            size, n = struct.unpack_from("<IQ", body, pos)
            pos += 12
            if size not in (G1_SIZE, G2_SIZE) or pos + size * n > len(body):
                raise ValueError("section overruns the file")
            sections[name] = decode_points(body[pos : pos + size * n], size, f"section {name!r} of {what}")
            pos += size * n
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise FormatError(f"{what} is malformed ({exc})") from None
    if pos != len(body):
        raise FormatError(f"{what} has {len(body) - pos} stray bytes after its last section")
    return Container(kind=kind, header=header, sections=sections)


def write_file(path: str | os.PathLike, kind: int, header: dict, sections) -> bytes:
    """Encode and write atomically; returns the bytes written."""
    data = encode(kind, header, sections)
    atomic_write_bytes(path, data)
    return data


def read_file(path: str | os.PathLike, what: str, expect_kind: int | None = None) -> Container:
    """Read and decode a ceremony file (missing file, damage: one-sentence InputError)."""
    return decode(read_bytes(path, what), f"{what} {str(path)!r}", expect_kind)


def points_digest(sections: Sequence[tuple[str, int, Sequence]]) -> str:
    """sha256 (hex) over section names and encoded points: the identity of a state."""
    h = hashlib.sha256()
    for name, size, points in sections:
        h.update(name.encode("ascii") + struct.pack("<IQ", size, len(points)))
        h.update(encode_points(points, size))
    return h.hexdigest()
