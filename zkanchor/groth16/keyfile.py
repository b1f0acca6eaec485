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
"""

from __future__ import annotations

import hashlib
import os
import struct

from ..errors import FormatError
from ..fileio import atomic_write_bytes, read_bytes
from .keys import G1Point, G2Point, ProvingKey, VerificationKey

MAGIC = b"ZKAPK\0\0\0"
VERSION = 1
_HEADER = struct.Struct("<8sIIII5I32s32s")
_G1 = 64
_G2 = 128


def _g1_bytes(p: G1Point) -> bytes:
    if p is None:
        return bytes(_G1)
    return p[0].to_bytes(32, "little") + p[1].to_bytes(32, "little")


def _g2_bytes(p: G2Point) -> bytes:
    if p is None:
        return bytes(_G2)
    (x0, x1), (y0, y1) = p
    return b"".join(c.to_bytes(32, "little") for c in (x0, x1, y0, y1))


def _g1_list(buf: memoryview, offset: int, count: int) -> tuple[list[G1Point], int]:
    out: list[G1Point] = []
    frm = int.from_bytes
    for i in range(offset, offset + count * _G1, _G1):
        x, y = frm(buf[i : i + 32], "little"), frm(buf[i + 32 : i + 64], "little")
        out.append(None if x == 0 and y == 0 else (x, y))
    return out, offset + count * _G1


def _g2_list(buf: memoryview, offset: int, count: int) -> tuple[list[G2Point], int]:
    out: list[G2Point] = []
    frm = int.from_bytes
    for i in range(offset, offset + count * _G2, _G2):
        c = [frm(buf[j : j + 32], "little") for j in range(i, i + _G2, 32)]
        out.append(None if not any(c) else ((c[0], c[1]), (c[2], c[3])))
    return out, offset + count * _G2


def encode_proving_key(pk: ProvingKey, circuit_hash: bytes) -> bytes:
    """Serialize ``pk`` (bound to the circuit whose sha256 is ``circuit_hash``)."""
    vectors = (pk.a_g1, pk.b_g1, pk.b_g2, pk.l_g1, pk.h_g1)
    parts = [
        _g1_bytes(pk.alpha_g1), _g1_bytes(pk.beta_g1), _g2_bytes(pk.beta_g2),
        _g1_bytes(pk.delta_g1), _g2_bytes(pk.delta_g2),
        b"".join(map(_g1_bytes, pk.a_g1)), b"".join(map(_g1_bytes, pk.b_g1)),
        b"".join(map(_g2_bytes, pk.b_g2)), b"".join(map(_g1_bytes, pk.l_g1)),
        b"".join(map(_g1_bytes, pk.h_g1)),
        _g2_bytes(pk.vk.gamma_g2), b"".join(map(_g1_bytes, pk.vk.ic)),
    ]
    payload = b"".join(parts)
    header = _HEADER.pack(
        MAGIC, VERSION, pk.n_public, pk.n_wires, pk.domain_size,
        *(len(v) for v in vectors), circuit_hash, hashlib.sha256(payload).digest(),
    )
    return header + payload


def decode_proving_key(data: bytes, what: str = "proving key") -> tuple[ProvingKey, bytes]:
    """Parse a proving key; returns it with the circuit hash it is bound to."""
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
    if hashlib.sha256(payload).digest() != digest:
        raise FormatError(f"{what} is corrupted: its payload checksum does not match")
    if not (na == nb1 == nb2 == n_wires and nl == n_wires - n_public - 1 and nh == domain - 1):
        raise FormatError(f"{what} has inconsistent vector lengths for {n_wires} wires and domain {domain}")
    (alpha, beta1), off = _g1_list(payload, 0, 2)
    (beta2,), off = _g2_list(payload, off, 1)
    (delta1,), off = _g1_list(payload, off, 1)
    (delta2,), off = _g2_list(payload, off, 1)
    a_g1, off = _g1_list(payload, off, na)
    b_g1, off = _g1_list(payload, off, nb1)
    b_g2, off = _g2_list(payload, off, nb2)
    l_g1, off = _g1_list(payload, off, nl)
    h_g1, off = _g1_list(payload, off, nh)
    (gamma2,), off = _g2_list(payload, off, 1)
    ic, off = _g1_list(payload, off, n_public + 1)
    vk = VerificationKey(alpha_g1=alpha, beta_g2=beta2, gamma_g2=gamma2, delta_g2=delta2, ic=tuple(ic))
    pk = ProvingKey(
        n_public=n_public, n_wires=n_wires, domain_size=domain,
        alpha_g1=alpha, beta_g1=beta1, beta_g2=beta2, delta_g1=delta1, delta_g2=delta2,
        a_g1=tuple(a_g1), b_g1=tuple(b_g1), b_g2=tuple(b_g2), l_g1=tuple(l_g1), h_g1=tuple(h_g1), vk=vk,
    )
    return pk, circuit_hash


def save_proving_key(pk: ProvingKey, circuit_hash: bytes, path: str | os.PathLike) -> None:
    """Write the proving key atomically."""
    atomic_write_bytes(path, encode_proving_key(pk, circuit_hash))


def load_proving_key(path: str | os.PathLike) -> tuple[ProvingKey, bytes]:
    """Read a proving key and the circuit hash it is bound to."""
    return decode_proving_key(read_bytes(path, "proving key"), f"proving key {os.fspath(path)!r}")
