"""The ceremony's file container: a JSON header plus named point sections, checksummed.

Layout (all integers little-endian)::

    8 bytes   magic b"zkacerem"
    u32       format version (2)
    u32       kind: 1 phase-1 accumulator, 2 prepared phase 1, 3 phase-2 key
    u64       header length, then that many bytes of UTF-8 JSON
    u32       number of sections; each section is
                u16 name length, name (ASCII), u32 point size (64 = G1, 128 = G2),
                u64 point count, then count * size bytes
    32 bytes  sha256 of everything above

Points use the native kernel's wire encoding: G1 x||y, G2 x.c0||x.c1||y.c0||y.c1, each
coordinate 32 bytes little-endian in standard (not Montgomery) form, all zeros for the
point at infinity.  A file that is cut short or altered fails the checksum and is
rejected with one sentence before any point is parsed.

Each kind has a fixed list of sections (:data:`SCHEMAS`): a file must hold exactly
those, once each, in that order, with their point sizes, and its JSON header only the
keys its kind knows (no key twice).  So two different files can never decode to the
same points: a file cannot change without its digest (:func:`points_digest`) changing.
Every count is checked against the bytes that remain before anything is allocated or
parsed; coordinates are then checked to lie on their curve (subgroup membership of
G2 points is a verification step).
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
from ..fileio import MAX_JSON_NESTING, atomic_write_bytes, json_nesting_depth, read_bytes
from ..groth16.keys import PackedPoints, pack_points

MAGIC = b"zkacerem"
VERSION = 2
KIND_PHASE1, KIND_PREPARED, KIND_PHASE2 = 1, 2, 3
KIND_NAMES = {KIND_PHASE1: "phase-1 accumulator", KIND_PREPARED: "prepared phase-1", KIND_PHASE2: "phase-2 key"}
G1_SIZE, G2_SIZE = 64, 128

_ACCUMULATOR = (("tau_g1", G1_SIZE), ("tau_g2", G2_SIZE), ("alpha_tau_g1", G1_SIZE), ("beta_tau_g1", G1_SIZE),
                ("beta_g2", G2_SIZE))
_LAGRANGE = (("lagrange_tau_g1", G1_SIZE), ("lagrange_tau_g2", G2_SIZE), ("lagrange_alpha_g1", G1_SIZE),
             ("lagrange_beta_g1", G1_SIZE))
_KEY = (("alpha_g1", G1_SIZE), ("beta_g1", G1_SIZE), ("beta_g2", G2_SIZE), ("gamma_g2", G2_SIZE),
        ("delta_g1", G1_SIZE), ("delta_g2", G2_SIZE), ("a_g1", G1_SIZE), ("b_g1", G1_SIZE), ("b_g2", G2_SIZE),
        ("ic", G1_SIZE), ("l_g1", G1_SIZE), ("h_g1", G1_SIZE))

# Per kind: the sections, in file order, with their point sizes; the header keys.
SCHEMAS = {
    KIND_PHASE1: (_ACCUMULATOR, {"curve", "power", "hash", "contributions"}),
    KIND_PREPARED: (_ACCUMULATOR + _LAGRANGE,
                    {"curve", "log_size", "phase1_power", "phase1_hash", "hash", "contributions"}),
    KIND_PHASE2: (_KEY, {"curve", "circuit_hash", "prepared_hash", "initial_hash", "hash", "n_public", "n_wires",
                         "domain_size", "phase1", "contributions"}),
}
_SECTION_OVERHEAD = 2 + 4 + 8  # name length, point size, point count (a name of at least one byte follows)


@dataclass(frozen=True)
class Container:
    """A decoded file: its kind, JSON header and sections (name -> list of points)."""

    kind: int
    header: dict
    sections: dict


def encode_points(points, size: int) -> bytes:
    """Points in the wire encoding (``size`` 64 for G1, 128 for G2); PackedPoints pass as they are."""
    if isinstance(points, PackedPoints):
        return pack_points(points, 1 if size == G1_SIZE else 2)
    if native.AVAILABLE:
        return native.pack_g1(points) if size == G1_SIZE else native.pack_g2(points)
    return pack_points(points, 1 if size == G1_SIZE else 2)


def decode_points(data: bytes, size: int, what: str) -> list:
    """Inverse of :func:`encode_points`; every point is checked to lie on its curve."""
    if native.AVAILABLE:
        bad = native.g1_check_points(data) if size == G1_SIZE else native.g2_check_points(data)
        if bad >= 0:
            raise PointError(f"point {bad} of {what} is not on the curve (or has a coordinate not below the "
                             "field modulus)")
        return native.unpack_g1(data) if size == G1_SIZE else native.unpack_g2(data)
    points = PackedPoints(bytes(data), 1 if size == G1_SIZE else 2).points()
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


def _unique_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the JSON header names {key!r} twice")
        out[key] = value
    return out


def decode(data: bytes, what: str, expect_kind: int | None = None) -> Container:
    """Parse and checksum a ceremony file; FormatError (one sentence) on any damage."""
    if len(data) < len(MAGIC) + 16 + 4 + 32 or data[: len(MAGIC)] != MAGIC:
        if data[:4] == b"ptau":
            raise FormatError(f"{what} is a snarkjs .ptau file; import it with 'zkanchor ceremony import-ptau'")
        raise FormatError(f"{what} is not a zkanchor ceremony file (bad magic or too short)")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise FormatError(f"{what} is truncated or corrupted (its sha256 checksum does not match)")
    version, kind, head_len = struct.unpack_from("<IIQ", data, len(MAGIC))
    if version != VERSION:
        raise FormatError(f"{what} has format version {version}; this zkanchor reads version {VERSION} "
                          "(files of another version must be made again)")
    if kind not in SCHEMAS:
        raise FormatError(f"{what} is of unknown kind {kind}")
    if expect_kind is not None and kind != expect_kind:
        raise FormatError(f"{what} is a {KIND_NAMES[kind]} file, not a {KIND_NAMES[expect_kind]} file")
    schema, header_keys = SCHEMAS[kind]
    pos = len(MAGIC) + 16
    if head_len > len(body) - pos - 4:
        raise FormatError(f"{what} declares a {head_len}-byte header but only {len(body) - pos - 4} bytes follow")
    try:
        header = parse_json_unique(body[pos : pos + head_len].decode("utf-8"), f"{what}'s header")
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        unknown = sorted(set(header) - header_keys)
        if unknown:
            raise ValueError(f"unknown header field {unknown[0]!r}")
        pos += head_len
        (count,) = struct.unpack_from("<I", body, pos)
        pos += 4
        if count * (_SECTION_OVERHEAD + 1) > len(body) - pos:
            raise ValueError(f"{count} sections do not fit in the {len(body) - pos} bytes left")
        known = dict(schema)
        order = [name for name, _ in schema]
        sections = {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", body, pos)
            pos += 2
            if pos + name_len > len(body):
                raise ValueError("a section name overruns the file")
            name = body[pos : pos + name_len].decode("ascii")
            pos += name_len
            if name in sections:
                raise ValueError(f"section {name!r} appears twice")
            if name not in known:
                raise ValueError(f"unknown section {name!r}")
            if name != order[len(sections)]:
                raise ValueError(f"section {name!r} is out of order (expected {order[len(sections)]!r})")
            size, n = struct.unpack_from("<IQ", body, pos)
            pos += 12
            if size != known[name]:
                raise ValueError(f"section {name!r} has {size}-byte points, not {known[name]}")
            if n > (len(body) - pos) // size:
                raise ValueError(f"section {name!r} declares {n} points, more than the file holds")
            sections[name] = decode_points(body[pos : pos + size * n], size, f"section {name!r} of {what}")
            pos += size * n
        if len(sections) != len(order):
            raise ValueError(f"it lacks section {order[len(sections)]!r}")
    except (ValueError, struct.error, UnicodeDecodeError, RecursionError) as exc:
        raise FormatError(f"{what} is malformed ({exc})") from None
    if pos != len(body):
        raise FormatError(f"{what} has {len(body) - pos} stray bytes after its last section")
    return Container(kind=kind, header=header, sections=sections)


def check_header(header: dict, digest: str, what: str) -> None:
    """The header's informational fields must match the file: curve "bn128", "hash" = ``digest``.

    So nothing in a file is free text: every header field is either checked here, checked
    against the sections by the loader, or part of a hashed transcript record.
    """
    if header.get("curve", "bn128") != "bn128":
        raise FormatError(f"{what} is for curve {header.get('curve')!r}; zkanchor ceremonies use bn128")
    if "hash" in header and header["hash"] != digest:
        raise FormatError(f"{what} names digest {str(header['hash'])[:16]}... in its header but its points "
                          f"hash to {digest[:16]}...")


def parse_json_unique(text: bytes | str, what: str):
    """json.loads that refuses a key named twice in an object, or nesting deeper than
    MAX_JSON_NESTING before it reaches the recursive parser (FormatError, one sentence)."""
    if json_nesting_depth(text if isinstance(text, str) else text.decode("utf-8", "replace")) > MAX_JSON_NESTING:
        raise FormatError(f"{what} nests JSON lists or objects more than {MAX_JSON_NESTING} deep")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{what} is not valid JSON ({exc})") from None


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


def record_hash(tag: str, record_json: dict) -> str:
    """sha256 (hex) of a transcript record's canonical JSON (its own "hash" left out), under ``tag``.

    Every field of a record, its points included, is in what is hashed, so a record's
    hash can be recomputed from the transcript alone: the hash a contributor kept names
    exactly the record (points, proofs, predecessor) they made.
    """
    body = {k: v for k, v in record_json.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"zkanchor-ceremony-{tag}\0".encode() + canonical.encode()).hexdigest()
