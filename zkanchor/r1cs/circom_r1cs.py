"""Read and write circom's binary ``.r1cs`` files (iden3 r1csfile format, version 1).

Layout (all integers little-endian): magic ``r1cs``, u32 version = 1, u32 number of
sections, then for each section u32 type, u64 byte size and its content, in any order.

- section 1, header: u32 n8 (bytes per field element, 32 here), the prime (n8 bytes),
  u32 nWires, u32 nPubOut, u32 nPubIn, u32 nPrvIn, u64 nLabels, u32 mConstraints;
- section 2, constraints: for each constraint A, B then C, each as u32 nTerms followed
  by nTerms pairs (u32 wire id, n8-byte coefficient), ids ascending;
- section 3, wire -> label map: one u64 per wire;
- sections 4 and 5 hold circom's PLONK custom gates; other types are ignored.

Coefficients are stored in *standard* form, not Montgomery form: checked against
circom 2.2.3 output, where ``-x`` appears as the bytes of ``R - 1`` and small
coefficients as ``R - 3``, ``R - 5``..., and against ``snarkjs r1cs export json``.

Reading trusts no count: section sizes are checked against the file, the header's
constraint count against the constraints section (12 bytes at least each), the wire
count against the label map (8 bytes each; without a map, against the terms plus a
small slack), the input counts against the wires and every term count against what
is left of the section — all before anything is allocated for them.  Labels in the map
must be below nLabels.  Terms may come unsorted within a combination but a wire only
once; zero coefficients are dropped (the result is canonical, see ``system``).

The generic container helpers (``parse_sections``, ``pack_sections``, ...) are shared
with the ``.wtns`` module.
"""

from __future__ import annotations

import os
import struct

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import FormatError, InputError
from zkanchor.fileio import atomic_write_bytes, read_bytes
from zkanchor.r1cs.system import R1CS, SparseRows, coefficient_bytes, find_problem

N8 = 32  # bytes per BN254 scalar-field element
_U32 = struct.Struct("<I")
_SECTION_HEAD = struct.Struct("<IQ")
_HEADER_COUNTS = struct.Struct("<IIIIQI")
_HEADER_SIZE = 4 + N8 + _HEADER_COUNTS.size
_MAX_U32 = (1 << 32) - 1
# A file without the wire-to-label map may declare this many wires more than it has terms.
MAP_FREE_WIRE_SLACK = 1 << 16

SECTION_HEADER, SECTION_CONSTRAINTS, SECTION_MAP = 1, 2, 3
SECTION_CUSTOM_GATES_LIST, SECTION_CUSTOM_GATES_USES = 4, 5

Sections = dict[int, list[tuple[int, int]]]


# -- generic iden3 binary container -------------------------------------------------


def write_file(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` atomically (zkanchor.fileio: temp file + rename); InputError if impossible."""
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        raise InputError(f"cannot write {os.fspath(path)}: {e.strerror or e}") from None


def parse_sections(data: bytes, magic: bytes, version: int, source: str) -> Sections:
    """Check magic and version of an iden3 binary file and locate its sections.

    Returns section type -> list of (content offset, content size); raises FormatError
    for a wrong magic or version, a cut-off section, or trailing bytes.
    """
    kind = magic.decode()
    if not data:
        raise FormatError(f"{source}: the file is empty, not a .{kind} file")
    if data[:4] != magic[: len(data[:4])]:
        raise FormatError(f"{source}: bad magic {bytes(data[:4])!r}, this is not a .{kind} file")
    if len(data) < 12:
        raise FormatError(
            f"{source}: truncated: {len(data)} bytes, shorter than the 12-byte preamble"
        )
    (got_version,) = _U32.unpack_from(data, 4)
    if got_version != version:
        raise FormatError(
            f"{source}: unsupported .{kind} version {got_version} (only version {version} is supported)"
        )
    (n_sections,) = _U32.unpack_from(data, 8)
    sections: Sections = {}
    pos = 12
    for k in range(n_sections):
        if pos + _SECTION_HEAD.size > len(data):
            raise FormatError(
                f"{source}: truncated: the header of section {k + 1} of {n_sections} is cut off"
            )
        stype, size = _SECTION_HEAD.unpack_from(data, pos)
        pos += _SECTION_HEAD.size
        if size > len(data) - pos:
            raise FormatError(
                f"{source}: truncated section {stype}: it declares {size} bytes "
                f"but only {len(data) - pos} remain"
            )
        sections.setdefault(stype, []).append((pos, size))
        pos += size
    if pos != len(data):
        raise FormatError(f"{source}: {len(data) - pos} unexpected bytes after the last section")
    return sections


def unique_section(sections: Sections, stype: int, source: str, what: str) -> tuple[int, int]:
    """The (offset, size) of the one section of type ``stype``; FormatError if missing or repeated."""
    found = sections.get(stype)
    if not found:
        raise FormatError(f"{source}: the {what} section ({stype}) is missing")
    if len(found) > 1:
        raise FormatError(f"{source}: the {what} section ({stype}) appears {len(found)} times")
    return found[0]


def pack_sections(magic: bytes, version: int, sections: list[tuple[int, bytes]]) -> bytes:
    """Assemble an iden3 binary file from (type, content) pairs, in the given order."""
    parts = [magic, _U32.pack(version), _U32.pack(len(sections))]
    for stype, content in sections:
        parts.append(_SECTION_HEAD.pack(stype, len(content)))
        parts.append(content)
    return b"".join(parts)


def read_field_header(
    data: bytes, offset: int, size: int, source: str, what: str
) -> tuple[int, int]:
    """Read ``u32 n8`` and the prime at ``offset``; FormatError unless they are BN254's.

    Returns (n8, position after the prime).
    """
    if size < 4:
        raise FormatError(f"{source}: truncated {what} section: no room for the field size")
    (n8,) = _U32.unpack_from(data, offset)
    if n8 == 0 or n8 % 8:
        raise FormatError(f"{source}: the field element size {n8} is not a positive multiple of 8")
    if n8 > size - 4:
        raise FormatError(f"{source}: the {what} section is too short to hold a {n8}-byte prime")
    prime = int.from_bytes(data[offset + 4 : offset + 4 + n8], "little")
    if prime != R:
        raise FormatError(
            f"{source}: the prime {prime} is not BN254's scalar field order; "
            "zkanchor supports only BN254 (circom -p bn128)"
        )
    if n8 != N8:
        raise FormatError(f"{source}: field elements take {n8} bytes, BN254 needs {N8}")
    return n8, offset + 4 + n8


# -- .r1cs ----------------------------------------------------------------------------


def _scan_counts(data: bytes, start: int, end: int, m: int, source: str) -> list[int]:
    """The 3m term counts of the constraints section, checked against its length as they are read."""
    unpack = _U32.unpack_from
    step = 4 + N8
    counts = [0] * (3 * m)
    pos = start
    for k in range(3 * m):
        if pos + 4 > end:
            raise FormatError(f"{source}: truncated constraints section (2): constraint {k // 3} of {m} is cut off")
        n_terms = unpack(data, pos)[0]
        pos += 4 + n_terms * step
        if pos > end:
            raise FormatError(f"{source}: truncated constraints section (2): constraint {k // 3} of {m} is cut off")
        counts[k] = n_terms
    if pos != end:
        raise FormatError(f"{source}: the constraints section (2) has {end - pos} bytes left over after {m} constraints")
    return counts


_CHUNK_TERMS = 1 << 18  # terms decoded per step: bounds the temporaries to a few MB


def _parse_constraints(data: bytes, start: int, size: int, n_wires: int, m: int, source: str):
    """The constraints section as three SparseRows plus the coefficient table (canonical form).

    Terms may come in any order within a linear combination (circom sorts them) but a
    wire may appear only once; zero coefficients are dropped.  Every field of the
    section is 4-byte aligned relative to its start (counts 4 bytes, terms 36), so it is
    read as 32-bit words without copying; the terms are gathered a chunk at a time and
    each chunk's distinct coefficients interned, so memory beyond the file's bytes stays
    about 16 bytes a term (wire, coefficient id, combination index) plus the result.
    """
    words_per_term = (4 + N8) // 4
    counts = np.array(_scan_counts(data, start, start + size, m, source), dtype=np.int64)
    first = np.zeros(3 * m + 1, dtype=np.int64)  # index of each combination's first term
    np.cumsum(counts, out=first[1:])
    nnz = int(first[-1])
    words = np.frombuffer(data, dtype="<u4", count=size // 4, offset=start)
    head_word = np.arange(3 * m, dtype=np.int64) + words_per_term * first[:-1]  # each count's word
    # The combination of every term: 32-bit unless a (> 17 GB) file has 2^32 combinations.
    lc_type = np.uint32 if 3 * m < 1 << 32 else np.int64
    lc_of = np.repeat(np.arange(3 * m, dtype=lc_type), counts)
    del counts
    wires = np.empty(nnz, dtype=np.uint32)
    ids = np.empty(nnz, dtype=np.uint32)  # interned coefficient ids, in order of first appearance
    interned: dict[bytes, int] = {}
    # Every 8-word run of the section as a row (a read-only view, no copy).
    windows = np.lib.stride_tricks.sliding_window_view(words, N8 // 4) if len(words) >= N8 // 4 else None
    for t0 in range(0, nnz, _CHUNK_TERMS):
        t1 = min(nnz, t0 + _CHUNK_TERMS)
        lc = lc_of[t0:t1]
        at = head_word[lc] + 1 + (np.arange(t0, t1, dtype=np.int64) - first[lc]) * words_per_term
        del lc
        wires[t0:t1] = words[at]
        coeff = windows[at + 1]  # one 32-byte row per term, gathered whole
        uniq, inverse = _distinct_rows(coeff)
        local = np.array([interned.setdefault(u.tobytes(), len(interned)) for u in uniq], dtype=np.uint32)
        ids[t0:t1] = local[inverse]
    del head_word, first, windows
    if nnz and int(wires.max()) >= n_wires:
        i = int(np.argmax(wires >= n_wires))
        k = int(lc_of[i])
        raise FormatError(f"{source}: constraint {k // 3} ({'ABC'[k % 3]}) uses wire index "
                          f"{int(wires[i])}, out of range for {n_wires} wires")
    values = [int.from_bytes(raw, "little") for raw in interned]
    del interned
    if values and max(values) >= R:
        raise FormatError(f"{source}: a constraint has a coefficient that is not below the prime")
    # Within a combination the terms may come unsorted (circom writes them sorted), but
    # each wire at most once: sort where needed, then look for neighbours that repeat.
    if nnz > 1:
        same_lc = lc_of[1:] == lc_of[:-1]
        if np.any(same_lc & (wires[1:] <= wires[:-1])):
            order = np.lexsort((wires, lc_of))
            wires, ids, lc_of = wires[order], ids[order], lc_of[order]
            del order
            repeat = same_lc & (wires[1:] == wires[:-1])
            if repeat.any():
                i = int(np.argmax(repeat)) + 1
                k = int(lc_of[i])
                raise FormatError(f"{source}: constraint {k // 3} ({'ABC'[k % 3]}) lists wire {int(wires[i])} twice")
        del same_lc
    table = sorted(set(values) - {0})
    index = {v: k for k, v in enumerate(table)}
    remap = np.array([index.get(v, -1) for v in values] or [-1], dtype=np.int64 if len(values) >= 1 << 31 else np.int32)
    cidx = remap[ids]  # -1 for a zero coefficient: the term is dropped
    del ids
    part_of = (lc_of % 3).astype(np.int8)
    part_of[cidx < 0] = -1
    del remap
    mats = []
    for part in range(3):
        sel = part_of == part
        row_ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(lc_of[sel] // 3, minlength=m), out=row_ptr[1:])
        mats.append(SparseRows(row_ptr, wires[sel], cidx[sel].astype(np.uint32)))
    return mats, tuple(table)


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93], dtype=np.uint64)


def _distinct_rows(coeff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an (n, 8) uint32 array of coefficients, and each row's index among them.

    Sorting 32-byte keys is slow, so the rows are first sorted by a 64-bit mix of their
    limbs; when every row agrees with its key's representative (no collision, the
    normal case) that is the answer, otherwise the exact but slower sort is used.  A
    crafted collision can only cost time, never a wrong coefficient.
    """
    limbs = coeff.view(np.uint64)  # (n, 4)
    with np.errstate(over="ignore"):
        key = (limbs * _MIX).sum(axis=1, dtype=np.uint64) ^ (limbs[:, 3] >> np.uint64(17))
    first, inverse = np.unique(key, return_index=True, return_inverse=True)[1:]
    inverse = np.asarray(inverse).reshape(-1)
    uniq = coeff[first]
    if np.array_equal(uniq[inverse], coeff):
        return uniq, inverse
    uniq, inverse = np.unique(coeff.view(f"V{N8}").reshape(-1), return_inverse=True)
    return uniq, np.asarray(inverse).reshape(-1)


def decode_r1cs(data: bytes, source: str = "r1cs data") -> R1CS:
    """Parse the bytes of a ``.r1cs`` file; FormatError (one sentence) on any defect."""
    data = bytes(data)
    sections = parse_sections(data, b"r1cs", 1, source)
    if SECTION_CUSTOM_GATES_LIST in sections or SECTION_CUSTOM_GATES_USES in sections:
        raise FormatError(
            f"{source}: the circuit uses circom custom gates (PLONK only); Groth16 needs a plain R1CS"
        )
    off, size = unique_section(sections, SECTION_HEADER, source, "header")
    _, pos = read_field_header(data, off, size, source, "header")
    if size != _HEADER_SIZE:
        raise FormatError(
            f"{source}: the header section (1) has {size} bytes, expected {_HEADER_SIZE}"
        )
    n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels, m = _HEADER_COUNTS.unpack_from(data, pos)
    if n_wires < 1 + n_pub_out + n_pub_in + n_prv_in:
        raise FormatError(
            f"{source}: the header declares {n_wires} wires, fewer than 1 + {n_pub_out} outputs "
            f"+ {n_pub_in} public inputs + {n_prv_in} private inputs"
        )
    # Every count is checked against the bytes that must back it before anything is
    # allocated for it: a few bytes claiming 2^32 wires or constraints are refused here.
    off, size = unique_section(sections, SECTION_CONSTRAINTS, source, "constraints")
    # Each constraint takes at least 12 bytes (three term counts).
    if m > size // 12:
        raise FormatError(f"{source}: the header declares {m} constraints but the constraints section "
                          f"holds at most {size // 12}")
    map_at = None
    if SECTION_MAP in sections:
        map_at, map_size = unique_section(sections, SECTION_MAP, source, "wire-to-label map")
        if map_size != 8 * n_wires:
            raise FormatError(
                f"{source}: the wire-to-label map section (3) has {map_size} bytes, "
                f"expected 8 per wire ({8 * n_wires})"
            )
    elif n_wires > MAP_FREE_WIRE_SLACK + size // (4 + N8):
        # Without the map (circom always writes it) nothing in the file backs the wire
        # count, which sizes every per-wire vector of a setup: it may exceed the number
        # of terms only by a little (inputs no constraint uses).
        raise FormatError(
            f"{source}: the header declares {n_wires} wires but the file has no wire-to-label map and "
            f"room for at most {size // (4 + N8)} terms; such a file may declare at most "
            f"{MAP_FREE_WIRE_SLACK} wires more than that"
        )
    wire_to_label = None
    if map_at is not None:
        wire_to_label = np.frombuffer(data, dtype="<u8", count=n_wires, offset=map_at).astype(np.uint64)
        if n_wires and int(wire_to_label.max()) >= n_labels:
            raise FormatError(
                f"{source}: the wire-to-label map names label {int(wire_to_label.max())}, "
                f"but the header declares only {n_labels} labels"
            )
    (a, b, c), table = _parse_constraints(data, off, size, n_wires, m, source)
    r1cs = R1CS(n_wires=n_wires, n_pub_out=n_pub_out, n_pub_in=n_pub_in, n_prv_in=n_prv_in,
                a=a, b=b, c=c, coeffs=table, n_labels=n_labels, wire_to_label=wire_to_label)
    problem = find_problem(r1cs)
    if problem is not None:
        raise FormatError(f"{source}: {problem}")
    return r1cs


def encode_r1cs(r1cs: R1CS) -> bytes:
    """The bytes of a ``.r1cs`` file for ``r1cs`` (sections 1, 2, 3; terms sorted by wire).

    Constraint names are not part of the format and are dropped.  Without a label map
    the identity map is written, with nLabels = nWires.
    """
    if not isinstance(r1cs, R1CS):
        raise InputError(f"expected an R1CS, not {type(r1cs).__name__}")
    problem = find_problem(r1cs)
    if problem is not None:
        raise InputError(f"cannot encode the R1CS: {problem}")
    m = r1cs.n_constraints
    for what, count in (("wires", r1cs.n_wires), ("constraints", m)):
        if count > _MAX_U32:
            raise InputError(f"the R1CS has {count} {what}, more than the .r1cs format's 2^32 - 1")
    if r1cs.wire_to_label is not None:
        labels = np.asarray(r1cs.wire_to_label, dtype="<u8")
    else:
        labels = np.arange(r1cs.n_wires, dtype="<u8")
    n_labels = r1cs.n_labels
    if n_labels is None:
        n_labels = max(r1cs.n_wires, int(labels.max()) + 1 if len(labels) else 0)
    if len(labels) and int(labels.max()) >= n_labels:
        raise InputError(f"cannot encode the R1CS: its wire-to-label map names label {int(labels.max())} "
                         f"but it declares only {n_labels} labels")
    header = (
        _U32.pack(N8)
        + R.to_bytes(N8, "little")
        + _HEADER_COUNTS.pack(r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in, n_labels, m)
    )
    words_per_term = (4 + N8) // 4
    mats = (r1cs.a, r1cs.b, r1cs.c)
    counts = np.stack([np.diff(x.row_ptr) for x in mats], axis=1).reshape(-1)  # constraint-major
    # Every field of the section is a whole number of 32-bit words (a count is one, a
    # term nine), so the body is written as words: each combination's count, then its
    # terms' wire ids and coefficients, a chunk of terms at a time so that the index
    # arrays stay small (per-byte index arrays would cost 256 bytes a term).
    first = np.zeros(len(counts) + 1, dtype=np.int64)  # index of each combination's first term
    np.cumsum(counts, out=first[1:])
    head_word = np.arange(len(counts), dtype=np.int64) + words_per_term * first[:-1]
    body = np.empty(len(counts) + words_per_term * int(first[-1]), dtype="<u4")
    body[head_word] = counts
    table = np.frombuffer(coefficient_bytes(r1cs) or bytes(N8), dtype="<u4").reshape(-1, N8 // 4)
    coeff_offsets = np.arange(1, words_per_term, dtype=np.int64)
    for part, x in enumerate(mats):
        for e0 in range(0, x.nnz, _CHUNK_TERMS):
            e1 = min(x.nnz, e0 + _CHUNK_TERMS)
            entries = np.arange(e0, e1, dtype=np.int64)
            rows = np.searchsorted(x.row_ptr, entries, side="right") - 1
            lc = rows * 3 + part
            at = head_word[lc] + 1 + (entries - x.row_ptr[rows]) * words_per_term
            body[at] = x.cols[e0:e1]
            body[at[:, None] + coeff_offsets] = table[x.cidx[e0:e1].astype(np.int64)]
    del head_word, first
    return pack_sections(
        b"r1cs",
        1,
        [(SECTION_HEADER, header), (SECTION_CONSTRAINTS, body.view(np.uint8)), (SECTION_MAP, labels.tobytes())],
    )


def read_r1cs(path: str | os.PathLike) -> R1CS:
    """Read a circom ``.r1cs`` file; FormatError (one sentence) if it is malformed."""
    return decode_r1cs(read_bytes(path, "circuit"), os.fspath(path))


def write_r1cs(r1cs: R1CS, path: str | os.PathLike) -> None:
    """Write ``r1cs`` as a circom ``.r1cs`` file, atomically (temp file + rename)."""
    write_file(path, encode_r1cs(r1cs))
