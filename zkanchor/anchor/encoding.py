"""How the registry names things on chain: circuit ids, statement and proof hashes, commitments.

Computed here exactly as ``contracts/ZkAnchorRegistry.sol`` computes them:

- the **statement hash** ``keccak256(abi.encode(bytes32 circuitId, uint256[] inputs))`` —
  an anchor's id; never the proof, which is malleable;
- the **proof hash** of an optimistic anchor, ``keccak256(abi.encode(a, b, c))`` over the
  words ``verifyProof`` takes (``b`` imaginary part first, see ``solidity.calldata``).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from eth_abi import encode as abi_encode
from eth_utils import keccak

from ..bn254.constants import R
from ..errors import FieldError, InputError
from ..groth16.keys import Proof
from ..solidity.calldata import proof_calldata

MIN_PUBLIC_INPUTS = 5  # address, C_D, C_W0, C_W, spec digest
MIN_AGGREGATE_INPUTS = 4  # aggregator, C_prev, at least one member model, C_G
MIN_ERASURE_INPUTS = 4  # institution, C_D, C_D', at least one erased leaf
MIN_VALIDITY_INPUTS = 3  # institution, C_D, schema digest
MIN_NONMEMBERSHIP_INPUTS = 3  # institution, C_D, at least one leaf shown absent
KIND_TRAINING, KIND_AGGREGATION, KIND_ERASURE, KIND_VALIDITY, KIND_NONMEMBERSHIP = 1, 2, 3, 4, 5
CIRCUIT_KINDS = {"training": KIND_TRAINING, "aggregation": KIND_AGGREGATION, "erasure": KIND_ERASURE,
                 "validity": KIND_VALIDITY, "nonmembership": KIND_NONMEMBERSHIP}


def kind_number(kind: "str | int") -> int:
    """A circuit kind as the registry stores it (1 training, 2 aggregation, 3 erasure, 4 validity,
    5 nonmembership), from its name or number."""
    if isinstance(kind, str) and kind.strip().lower() in CIRCUIT_KINDS:
        return CIRCUIT_KINDS[kind.strip().lower()]
    if isinstance(kind, int) and not isinstance(kind, bool) and kind in CIRCUIT_KINDS.values():
        return kind
    known = ", ".join(f"{name} ({number})" for name, number in CIRCUIT_KINDS.items())
    raise InputError(f"circuit kind {kind!r:.40} is not one of {known}")


def kind_name(kind: int) -> str:
    """The name of a circuit kind number (``kind-N`` for one this client does not know)."""
    return next((name for name, k in CIRCUIT_KINDS.items() if k == kind), f"kind-{kind}")


def name_bytes32(value: str | bytes, what: str = "circuit id") -> bytes:
    """An id as 32 bytes: ``0x`` + 64 hex digits as is, or a short ASCII name (1-32 printable
    characters) left-aligned and zero-padded like Solidity's ``bytes32("name")``; never zero."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise InputError(f"a {what} given as bytes must be exactly 32 bytes")
        raw = bytes(value)
    elif isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{64}", value):
        raw = bytes.fromhex(value[2:])
    elif isinstance(value, str) and 1 <= len(value) <= 32 and all(32 < ord(ch) < 127 for ch in value):
        raw = value.encode("ascii").ljust(32, b"\0")
    else:
        raise InputError(
            f"{what} {value!r:.80} is neither 0x + 64 hex digits nor a name of 1-32 printable ASCII characters"
        )
    if raw == bytes(32):
        raise InputError(f"the {what} must not be zero")
    return raw


def circuit_id_bytes(value: str | bytes) -> bytes:
    """A circuit id as 32 bytes (see :func:`name_bytes32`)."""
    return name_bytes32(value, "circuit id")


def run_id_bytes(value: str | bytes) -> bytes:
    """A checkpoint run id as 32 bytes, named like circuit ids (see :func:`name_bytes32`)."""
    return name_bytes32(value, "run id")


def circuit_hash_bytes(value: str | bytes | None) -> bytes:
    """A circuit hash (sha256 of the canonical R1CS): 32 bytes, or 64 hex digits with or without ``0x``."""
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        raw = bytes(value)
    elif isinstance(value, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", value.strip()):
        raw = bytes.fromhex(value.strip().removeprefix("0x"))
    else:
        raise InputError("a circuit hash must be 32 bytes (64 hex digits, the sha256 of the circuit's canonical R1CS)")
    if raw == bytes(32):
        raise InputError("the circuit hash must not be zero")
    return raw


def circuit_id_text(raw: bytes) -> str:
    """The readable form of a circuit id: its name if it is one, else ``0x`` + hex."""
    name = bytes(raw).rstrip(b"\0")
    if name and all(32 < b < 127 for b in name):
        return name.decode("ascii")
    return "0x" + bytes(raw).hex()


def statement_hash(circuit_id: str | bytes, inputs: Sequence[int]) -> bytes:
    """``keccak256(abi.encode(circuitId, inputs))``: the id of a training anchor."""
    return keccak(abi_encode(["bytes32", "uint256[]"], [circuit_id_bytes(circuit_id), [int(v) for v in inputs]]))


def proof_words(proof: Proof) -> tuple[list[int], list[list[int]], list[int]]:
    """``(a, b, c)`` as ``verifyProof`` takes them (``b`` imaginary part first)."""
    a, b, c, _ = proof_calldata(proof, [])
    return a, b, c


def proof_hash(proof: Proof) -> bytes:
    """``keccak256(abi.encode(a, b, c))``: what an optimistic anchor commits to.

    It commits to these exact words: a re-randomised copy of the same proof has another hash.
    """
    a, b, c = proof_words(proof)
    return keccak(abi_encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [a, b, c]))


def proof_from_words(a: Sequence[int], b: Sequence[Sequence[int]], c: Sequence[int]) -> Proof:
    """The inverse of :func:`proof_words`: calldata words back to a Proof ((0, 0) is infinity)."""
    (x1, x0), (y1, y0) = b
    point_b = None if (x0, x1, y0, y1) == (0, 0, 0, 0) else ((int(x0), int(x1)), (int(y0), int(y1)))
    return Proof(
        a=None if tuple(a) == (0, 0) else (int(a[0]), int(a[1])),
        b=point_b,
        c=None if tuple(c) == (0, 0) else (int(c[0]), int(c[1])),
    )


def parse_commitment(value: Any, what: str = "dataset commitment", allow_zero: bool = False) -> int:
    """A field element given as an int, a decimal string or ``0x`` hex; must be in (0, r)
    (or [0, r) with ``allow_zero``)."""
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,64}", value.strip()):
        number = int(value.strip(), 16)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise InputError(f"{what} {value!r:.80} is not a decimal or 0x-hex number")
    if not (0 <= number < R if allow_zero else 0 < number < R):
        raise FieldError(f"{what} must be a {'' if allow_zero else 'non-zero '}field element below r")
    return number


def hex32(value: int | bytes) -> str:
    """``0x`` + 64 hex digits, for commitments and hashes in output."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex().rjust(64, "0")
    return f"0x{value:064x}"
