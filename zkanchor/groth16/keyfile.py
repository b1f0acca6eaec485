"""Compact binary form of a proving key (``proving_key.zkpk``).

Layout (all integers little-endian)::

    magic "ZKAPK\\0\\0\\0" | version u32 | n_public u32 | n_wires u32 | domain_size u32
    | counts u32 x5 (a_g1, b_g1, b_g2, l_g1, h_g1) | circuit sha256 (32 bytes)
    | payload sha256 (32 bytes) | payload

The payload holds alpha_g1, beta_g1, beta_g2, delta_g1, delta_g2, the five point
vectors, then the verification key's gamma_g2 and IC points.  A G1 point is x || y
(32 bytes each), a G2 point x.c0 || x.c1 || y.c0 || y.c1; the point at infinity is all
zeros (0, 0 is on neither curve, so it is unambiguous).  The payload hash catches
truncation and corruption before any point is used.

Loading does not decode the point vectors: they become :class:`PackedPoints`, slices of
the file's bytes in the very layout the native kernel reads.  Every point is still
checked — coordinates below p and on the curve — by the kernel (or in Python without
it), and the counts in the header are checked against the file's length before
anything is allocated.

``load_proving_key(path, mapped=True)`` maps the file instead of reading it (POSIX): the
payload is still hashed and every point checked, a piece at a time, and each piece's
pages are handed back as soon as it has been checked, so the key costs no resident
memory until an MSM reads one of its vectors (a 2^20 key is ~400 MB).  The file must
then not be rewritten in place while the key is in use -- a mapping whose file shrinks
faults (SIGBUS), one whose file changes sees the change; zkanchor replaces files by
renaming, which leaves a mapping alone.  Meant for one-shot processes (``zkanchor
prove``); the default reads the file into memory.
"""

from __future__ import annotations

import hashlib
import mmap
from dataclasses import dataclass
import os
import struct

from .. import native
from ..bn254 import g1 as g1_ops, g2 as g2_ops
from ..bn254.constants import P
from ..errors import FormatError
from ..fileio import atomic_write_bytes, read_bytes
from .keys import G1Point, G2Point, PackedPoints, ProvingKey, VerificationKey, drop_pages, pack_points, point_buffer

MAGIC = b"ZKAPK\0\0\0"
VERSION = 1
_HEADER = struct.Struct("<8sIIII5I32s32s")
_G1 = 64
_G2 = 128


def _point_bytes(p, group: int) -> bytes:
    return pack_points([p], group)


def encode_proving_key(pk: ProvingKey, circuit_hash: bytes) -> bytes:
    """Serialize ``pk`` (bound to the circuit whose sha256 is ``circuit_hash``)."""
    vectors = (pk.a_g1, pk.b_g1, pk.b_g2, pk.l_g1, pk.h_g1)
    groups = (1, 1, 2, 1, 1)
    parts = [
        _point_bytes(pk.alpha_g1, 1), _point_bytes(pk.beta_g1, 1), _point_bytes(pk.beta_g2, 2),
        _point_bytes(pk.delta_g1, 1), _point_bytes(pk.delta_g2, 2),
        *(point_buffer(v, g) for v, g in zip(vectors, groups)),  # a loaded key's views, not copies
        _point_bytes(pk.vk.gamma_g2, 2), pack_points(pk.vk.ic, 1),
    ]
    payload = b"".join(parts)
    header = _HEADER.pack(
        MAGIC, VERSION, pk.n_public, pk.n_wires, pk.domain_size,
        *(len(v) for v in vectors), circuit_hash, hashlib.sha256(payload).digest(),
    )
    return header + payload


def _first_bad_point(buf: memoryview, group: int) -> int:
    """Index of the first point off the curve (or with a coordinate >= p), or -1."""
    if native.AVAILABLE:
        return (native.g1_check_points if group == 1 else native.g2_check_points)(buf)
    for i, p in enumerate(PackedPoints(buf, group).points()):
        if p is None:
            continue
        coords = p if group == 1 else (*p[0], *p[1])
        if any(c >= P for c in coords) or not (g1_ops.is_on_curve(p) if group == 1 else g2_ops.is_on_curve(p)):
            return i
    return -1


# Payload bytes hashed per step when the key is mapped: each step's pages go back after it.
_HASH_STEP = 1 << 25


def decode_proving_key(data: bytes, what: str = "proving key") -> tuple[ProvingKey, bytes]:
    """Parse a proving key; returns it with the circuit hash it is bound to.

    FormatError (one sentence) for a wrong magic or version, counts that do not fit the
    file, a corrupted payload, inconsistent vector lengths, or a point that is not on the
    curve — before any proof is made with it.
    """
    return _decode(data, what, None)


def _decode(data, what: str, mapped: mmap.mmap | None) -> tuple[ProvingKey, bytes]:
    if len(data) < _HEADER.size:
        raise FormatError(f"{what} is truncated: {len(data)} bytes is shorter than its header")
    magic, version, n_public, n_wires, domain, na, nb1, nb2, nl, nh, circuit_hash, digest = (
        _HEADER.unpack_from(data)
    )
    if magic != MAGIC:
        raise FormatError(f"{what} is not a zkanchor proving key (bad magic bytes)")
    if version != VERSION:
        raise FormatError(f"{what} has format version {version}; this zkanchor reads version {VERSION}")
    expected = (5 * _G1 + 2 * _G2) + (na + nb1 + nl + nh) * _G1 + nb2 * _G2 + (n_public + 1) * _G1
    payload = memoryview(data)[_HEADER.size :]
    if len(payload) != expected:
        raise FormatError(f"{what} is truncated or has trailing data ({len(payload)} payload bytes, expected {expected})")
    if not (na == nb1 == nb2 == n_wires and nl == n_wires - n_public - 1 and nh == domain - 1
            and domain >= 2 and domain & (domain - 1) == 0):
        raise FormatError(f"{what} has inconsistent vector lengths for {n_wires} wires and domain {domain}")
    if mapped is None:
        ok = hashlib.sha256(payload).digest() == digest
    else:
        h = hashlib.sha256()
        for at in range(0, len(payload), _HASH_STEP):
            h.update(payload[at:at + _HASH_STEP])
            drop_pages(mapped, _HEADER.size + at, min(_HASH_STEP, len(payload) - at))
        ok = h.digest() == digest
    if not ok:
        raise FormatError(f"{what} is corrupted: its payload checksum does not match")
    sections = []
    off = 0
    for count, group in ((2, 1), (1, 2), (1, 1), (1, 2), (na, 1), (nb1, 1), (nb2, 2), (nl, 1), (nh, 1),
                         (1, 2), (n_public + 1, 1)):
        size = count * (_G1 if group == 1 else _G2)
        section = payload[off:off + size]
        bad = _first_bad_point(section, group)
        if bad >= 0:
            raise FormatError(f"{what} holds a point that is not on the curve (or has a coordinate >= p)")
        points = PackedPoints(section, group, None if mapped is None else (mapped, _HEADER.size + off))
        points.release()
        sections.append(points)
        off += size
    (alpha, beta1), (beta2,), (delta1,), (delta2,) = (s.points() for s in sections[:4])
    a_g1, b_g1, b_g2, l_g1, h_g1 = sections[4:9]
    (gamma2,) = sections[9].points()
    ic = sections[10].points()
    for name, point in (("alpha", alpha), ("beta", beta1), ("beta", beta2), ("delta", delta1), ("delta", delta2),
                        ("gamma", gamma2)):
        if point is None:
            raise FormatError(f"{what} has {name} at infinity")
    if not (g2_ops.is_in_subgroup(beta2) and g2_ops.is_in_subgroup(delta2) and g2_ops.is_in_subgroup(gamma2)):
        raise FormatError(f"{what} has a G2 point outside the prime-order subgroup")
    vk = VerificationKey(alpha_g1=alpha, beta_g2=beta2, gamma_g2=gamma2, delta_g2=delta2, ic=tuple(ic))
    pk = ProvingKey(
        n_public=n_public, n_wires=n_wires, domain_size=domain,
        alpha_g1=alpha, beta_g1=beta1, beta_g2=beta2, delta_g1=delta1, delta_g2=delta2,
        a_g1=a_g1, b_g1=b_g1, b_g2=b_g2, l_g1=l_g1, h_g1=h_g1, vk=vk,
    )
    return pk, circuit_hash


def save_proving_key(pk: ProvingKey, circuit_hash: bytes, path: str | os.PathLike) -> None:
    """Write the proving key atomically."""
    atomic_write_bytes(path, encode_proving_key(pk, circuit_hash))


def load_proving_key(path: str | os.PathLike, mapped: bool = False) -> tuple[ProvingKey, bytes]:
    """Read a proving key and the circuit hash it is bound to.

    ``mapped``: map the file rather than read it, where that is possible (see the module
    docstring); the key and every check are the same.
    """
    what = f"proving key {os.fspath(path)!r}"
    if mapped and os.name == "posix" and hasattr(mmap, "MADV_DONTNEED"):
        try:
            with open(path, "rb") as f:
                view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size else None
        except (OSError, ValueError):
            view = None  # read_bytes below says why in one sentence
        if view is not None:
            return _decode(view, what, view)
    return decode_proving_key(read_bytes(path, "proving key"), what)


@dataclass(frozen=True)
class KeyHeader:
    """What a proving key says about itself without reading its point vectors."""

    circuit_hash: bytes
    n_public: int
    n_wires: int
    domain_size: int
    vk: VerificationKey


def peek_proving_key(path: str | os.PathLike) -> KeyHeader:
    """The circuit hash, sizes and verification key of a proving key file, reading only those parts.

    For binding checks (a verifier that trusts a key directory): the point vectors are
    not read, so this costs a few kilobytes whatever the circuit's size.
    """
    what = f"proving key {os.fspath(path)!r}"
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER.size)
            if len(head) < _HEADER.size:
                raise FormatError(f"{what} is truncated: shorter than its header")
            magic, version, n_public, n_wires, domain, na, nb1, nb2, nl, nh, circuit_hash, _digest = _HEADER.unpack(head)
            if magic != MAGIC or version != VERSION:
                raise FormatError(f"{what} is not a version-{VERSION} zkanchor proving key")
            size = os.fstat(f.fileno()).st_size
            small = 5 * _G1 + 2 * _G2
            expected = small + (na + nb1 + nl + nh) * _G1 + nb2 * _G2 + (n_public + 1) * _G1
            if size - _HEADER.size != expected:
                raise FormatError(f"{what} is truncated or has trailing data")
            first = f.read(small)
            f.seek(size - _G2 - (n_public + 1) * _G1)
            last = f.read()
    except OSError as exc:
        raise FormatError(f"cannot read {what}: {exc.strerror or exc}") from None
    alpha, _beta1 = PackedPoints(first[0:2 * _G1], 1).points()
    (beta2,) = PackedPoints(first[2 * _G1:2 * _G1 + _G2], 2).points()
    (delta2,) = PackedPoints(first[3 * _G1 + _G2:3 * _G1 + 2 * _G2], 2).points()
    (gamma2,) = PackedPoints(last[:_G2], 2).points()
    ic = PackedPoints(last[_G2:], 1).points()
    vk = VerificationKey(alpha_g1=alpha, beta_g2=beta2, gamma_g2=gamma2, delta_g2=delta2, ic=tuple(ic))
    return KeyHeader(circuit_hash, n_public, n_wires, domain, vk)
