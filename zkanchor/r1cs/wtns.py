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


def decode_wtns(data: bytes, source: str = "wtns data") -> list[int]:
    """Parse the bytes of a ``.wtns`` file into the witness (a list of ints in [0, R))."""
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
    values = [
        int.from_bytes(data[p : p + N8], "little") for p in range(off, off + size, N8)
    ]
    if max(values) >= R:
        i = next(i for i, v in enumerate(values) if v >= R)
        raise FormatError(f"{source}: witness value {i} is not below the prime")
    if values[0] != 1:
        raise FormatError(f"{source}: witness value 0 is {values[0]}, but the constant wire must be 1")
    return values


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
    body = b"".join(v.to_bytes(N8, "little") for v in witness)
    return pack_sections(b"wtns", 2, [(1, header), (2, body)])


def read_wtns(path: str | os.PathLike) -> list[int]:
    """Read a ``.wtns`` witness file; FormatError (one sentence) if it is malformed."""
    return decode_wtns(read_bytes(path, "witness"), os.fspath(path))


def write_wtns(witness: list[int], path: str | os.PathLike) -> None:
    """Write ``witness`` as a ``.wtns`` file (version 2), atomically (temp file + rename)."""
    write_file(path, encode_wtns(witness))
