"""Read and write circom/snarkjs binary witness files (``.wtns``, version 2).

Layout (little-endian): magic ``wtns``, u32 version = 2, u32 number of sections, then
sections as in every iden3 binary file (u32 type, u64 size, content):

- section 1: u32 n8 (32 for BN254), the prime (n8 bytes), u32 nWitness;
- section 2: nWitness values of n8 bytes each, in standard (not Montgomery) form.

Checked against files written by ``snarkjs wtns calculate`` for circom 2.2.3 circuits.
"""

from __future__ import annotations

import os
import struct

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import FormatError, InputError
from zkanchor.r1cs.circom_r1cs import (
    N8,
    pack_sections,
    parse_sections,
    read_field_header,
    unique_section,
    write_file,
)
from zkanchor.fileio import read_bytes

_U32 = struct.Struct("<I")
_MAX_U32 = (1 << 32) - 1


_R_LIMBS = tuple((R >> (64 * j)) & ((1 << 64) - 1) for j in range(4))


def first_not_below_r(values: bytes | memoryview) -> int:
    """Index of the first 32-byte little-endian value in ``values`` that is >= R, or -1.

    Vectorised over 64-bit limbs (most significant first), so a million values cost a
    few milliseconds and no Python ints.
    """
    limbs = np.frombuffer(values, dtype="<u8").reshape(-1, 4)
    below = np.zeros(len(limbs), dtype=bool)
    equal = np.ones(len(limbs), dtype=bool)
    for j in (3, 2, 1, 0):
        column = limbs[:, j]
        below |= equal & (column < np.uint64(_R_LIMBS[j]))
        equal &= column == np.uint64(_R_LIMBS[j])
    bad = np.flatnonzero(~below)
    return int(bad[0]) if len(bad) else -1


def decode_wtns_packed(data: bytes, source: str = "wtns data") -> memoryview:
    """Parse a ``.wtns`` file into its values as packed 32-byte little-endian field elements.

    The result is a view of ``data`` (no copy, no Python int per value): the layout the
    native prover multiplies.  Every value is checked below R and value 0 to be 1, and
    the header's count against the section's length before anything is allocated.
    """
    data = bytes(data)
    sections = parse_sections(data, b"wtns", 2, source)
    off, size = unique_section(sections, 1, source, "header")
    _, pos = read_field_header(data, off, size, source, "header")
    if size != 4 + N8 + 4:
        raise FormatError(f"{source}: the header section (1) has {size} bytes, expected {4 + N8 + 4}")
    (n,) = _U32.unpack_from(data, pos)
    off, size = unique_section(sections, 2, source, "values")
    if size != n * N8:
        raise FormatError(
            f"{source}: the values section (2) has {size} bytes but {n} values of {N8} bytes "
            f"need {n * N8}"
        )
    if n == 0:
        raise FormatError(f"{source}: the witness is empty (it needs at least the constant 1)")
    values = memoryview(data)[off:off + size]
    bad = first_not_below_r(values)
    if bad >= 0:
        raise FormatError(f"{source}: witness value {bad} is not below the prime")
    first = int.from_bytes(values[:N8], "little")
    if first != 1:
        raise FormatError(f"{source}: witness value 0 is {first}, but the constant wire must be 1")
    return values


def decode_wtns(data: bytes, source: str = "wtns data") -> list[int]:
    """Parse the bytes of a ``.wtns`` file into the witness (a list of ints in [0, R))."""
    values = decode_wtns_packed(data, source)
    return [int.from_bytes(values[p:p + N8], "little") for p in range(0, len(values), N8)]


def encode_wtns(witness: list[int]) -> bytes:
    """The bytes of a ``.wtns`` file holding ``witness`` (values in [0, R), witness[0] == 1)."""
    if not isinstance(witness, (list, tuple)) or not witness:
        raise InputError("the witness must be a non-empty list of ints")
    if len(witness) > _MAX_U32:
        raise InputError(f"the witness has {len(witness)} values, more than the .wtns format's 2^32 - 1")
    for i, v in enumerate(witness):
        if type(v) is not int or not 0 <= v < R:
            raise InputError(f"witness value {i} is not an int in [0, R)")
    if witness[0] != 1:
        raise InputError(f"witness value 0 is {witness[0]}, but the constant wire must be 1")
    header = _U32.pack(N8) + R.to_bytes(N8, "little") + _U32.pack(len(witness))
    body = b"".join([v.to_bytes(N8, "little") for v in witness])
    return pack_sections(b"wtns", 2, [(1, header), (2, body)])


def read_wtns_packed(path: str | os.PathLike) -> memoryview:
    """Read a ``.wtns`` file as packed values (see :func:`decode_wtns_packed`)."""
    return decode_wtns_packed(read_bytes(path, "witness"), os.fspath(path))


def read_wtns(path: str | os.PathLike) -> list[int]:
    """Read a ``.wtns`` witness file; FormatError (one sentence) if it is malformed."""
    return decode_wtns(read_bytes(path, "witness"), os.fspath(path))


def write_wtns(witness: list[int], path: str | os.PathLike) -> None:
    """Write ``witness`` as a ``.wtns`` file (version 2), atomically (temp file + rename)."""
    write_file(path, encode_wtns(witness))
