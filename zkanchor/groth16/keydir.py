"""A key directory: what ``zkanchor setup`` writes and ``zkanchor prove`` reads.

::

    KEYDIR/circuit.r1cs            the circuit (iden3 binary), when it was written
    KEYDIR/proving_key.zkpk        the proving key (see keyfile), bound to the circuit's hash
    KEYDIR/verification_key.json   snarkjs format
    KEYDIR/setup.json              which circuit (its hash), how the keys were made, and the warning

The circuit hash is :func:`zkanchor.r1cs.circuit_hash` — the canonical hash of the
constraint system, the one a verifier recomputes from a statement's spec.  A statement
circuit's key directory may leave the circuit file out (anyone rebuilds it from the
spec); ``setup.json`` still names its hash.  ``setup.json`` is written last, so a
directory without it is an interrupted setup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import FormatError, InputError
from ..fileio import atomic_write_bytes, read_bytes, read_json, write_json
from ..native import release_heap
from ..r1cs import R1CS, circuit_hash
from ..r1cs.circom_r1cs import decode_r1cs, encode_r1cs
from .generator import TOXIC_WASTE_WARNING
from .keyfile import load_proving_key, save_proving_key
from .keys import ProvingKey, VerificationKey
from .snarkjs_json import load_verification_key, save_verification_key

CIRCUIT = "circuit.r1cs"
PROVING_KEY = "proving_key.zkpk"
VERIFICATION_KEY = "verification_key.json"
SETUP_INFO = "setup.json"


@dataclass(frozen=True)
class KeyDir:
    """A loaded key directory (``r1cs`` is None when the directory holds no circuit file)."""

    path: Path
    r1cs: Optional[R1CS]
    pk: ProvingKey
    vk: VerificationKey
    circuit_hash: str
    info: dict[str, Any] = field(default_factory=dict)


def save_keydir(path: str | os.PathLike, r1cs: R1CS, pk: ProvingKey, provenance: dict | None = None,
                write_circuit: bool = True) -> Path:
    """Write a complete key directory for ``r1cs``.

    ``provenance`` describes where the keys came from (written into setup.json); by
    default they are from a single-party setup, and setup.json carries that warning.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    digest = circuit_hash(r1cs)
    info_path = path / SETUP_INFO
    if info_path.exists():
        info_path.unlink()  # the directory is incomplete until the new setup.json lands
    if write_circuit:
        atomic_write_bytes(path / CIRCUIT, encode_r1cs(r1cs))
    save_proving_key(pk, digest, path / PROVING_KEY)
    save_verification_key(pk.vk, path / VERIFICATION_KEY)
    write_json(info_path, {
        "protocol": "groth16",
        "curve": "bn128",
        "circuit_hash": digest.hex(),
        "constraints": r1cs.n_constraints,
        "wires": r1cs.n_wires,
        "public_inputs": r1cs.n_public,
        "domain_size": pk.domain_size,
        **(provenance or {"trusted_setup": "single-party", "warning": TOXIC_WASTE_WARNING}),
    })
    return path


def read_setup_info(path: str | os.PathLike) -> dict[str, Any]:
    """``setup.json`` of a complete key directory (InputError if there is none)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"key directory {str(path)!r} does not exist or is not a directory")
    if not (path / SETUP_INFO).is_file():
        raise InputError(f"{str(path)!r} is not a complete key directory (no {SETUP_INFO}; was setup interrupted?)")
    info = read_json(path / SETUP_INFO, "setup info")
    if not isinstance(info, dict) or not isinstance(info.get("circuit_hash"), str):
        raise FormatError(f"{str(path / SETUP_INFO)!r} does not name the circuit_hash its keys are for")
    return info


def load_keydir(path: str | os.PathLike, r1cs: Optional[R1CS] = None, mapped: bool = False) -> KeyDir:
    """Load and cross-check a key directory written by :func:`save_keydir`.

    The proving key must be bound to the circuit hash setup.json names, the circuit file
    (if present) must have that hash, and so must ``r1cs`` when the caller passes the
    circuit it rebuilt itself.  ``mapped``: map the proving key rather than read it
    (:func:`~zkanchor.groth16.keyfile.load_proving_key`), for a process that proves once.
    """
    path = Path(path)
    info = read_setup_info(path)
    # The circuit first: its file's bytes and the decoder's temporaries (several times
    # the decoded arrays) are freed before the key's vectors (~400 MB at 2^20) arrive,
    # instead of piling on top of them.
    stored = None
    if (path / CIRCUIT).is_file():
        stored = decode_r1cs(read_bytes(path / CIRCUIT, "circuit"), f"circuit {str(path / CIRCUIT)!r}")
        if circuit_hash(stored).hex() != info["circuit_hash"]:
            raise InputError(f"the proving key in {str(path)!r} was made for a different circuit than {CIRCUIT}")
        release_heap()  # the decoder's freed temporaries would otherwise stay resident (~85 MB at 2^20)
    pk, bound = load_proving_key(path / PROVING_KEY, mapped=mapped)
    if bound.hex() != info["circuit_hash"]:
        raise InputError(f"the proving key in {str(path)!r} is bound to another circuit than setup.json names")
    if stored is not None:
        r1cs = r1cs or stored
    if r1cs is not None and circuit_hash(r1cs) != bound:
        raise InputError(f"the keys in {str(path)!r} are for circuit {bound.hex()[:16]}..., "
                         f"not {circuit_hash(r1cs).hex()[:16]}...")
    if r1cs is not None:
        from .qap import domain_size_for, row_count

        # the size alone: domain_for() would build the pure-Python Domain's tables (~130 MB at 2^20)
        size = domain_size_for(row_count(r1cs))
        if (pk.n_wires, pk.n_public, pk.domain_size) != (r1cs.n_wires, r1cs.n_public, size):
            raise InputError(f"the proving key in {str(path)!r} has the sizes of another circuit "
                             f"({pk.n_wires} wires, {pk.n_public} public inputs, domain {pk.domain_size})")
    vk = load_verification_key(path / VERIFICATION_KEY)
    if vk != pk.vk:
        raise InputError(f"{VERIFICATION_KEY} in {str(path)!r} does not match the proving key")
    return KeyDir(path=path, r1cs=r1cs, pk=pk, vk=vk, circuit_hash=bound.hex(), info=info)
