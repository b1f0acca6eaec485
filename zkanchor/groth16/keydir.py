"""A key directory: what ``zkanchor setup`` writes and ``zkanchor prove`` reads.

::

    KEYDIR/circuit.r1cs            the circuit (iden3 binary), copied verbatim
    KEYDIR/proving_key.zkpk        the proving key (see keyfile), bound to the circuit's sha256
    KEYDIR/verification_key.json   snarkjs format
    KEYDIR/setup.json              what was set up, how, and the single-party warning

``setup.json`` is written last, so a directory without it is an interrupted setup.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..fileio import atomic_write_bytes, read_bytes, read_json, write_json
from ..r1cs import R1CS
from ..r1cs.circom_r1cs import decode_r1cs
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
    """A loaded key directory."""

    path: Path
    r1cs: R1CS
    pk: ProvingKey
    vk: VerificationKey
    circuit_hash: str


def save_keydir(path: str | os.PathLike, r1cs_bytes: bytes, r1cs: R1CS, pk: ProvingKey,
                provenance: dict | None = None) -> Path:
    """Write a complete key directory for the circuit whose binary form is ``r1cs_bytes``.

    ``provenance`` describes where the keys came from (written into setup.json); by
    default they are from a single-party setup, and setup.json carries that warning.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(r1cs_bytes).digest()
    info_path = path / SETUP_INFO
    if info_path.exists():
        info_path.unlink()  # the directory is incomplete until the new setup.json lands
    atomic_write_bytes(path / CIRCUIT, r1cs_bytes)
    save_proving_key(pk, digest, path / PROVING_KEY)
    save_verification_key(pk.vk, path / VERIFICATION_KEY)
    write_json(
        info_path,
        {
            "protocol": "groth16",
            "curve": "bn128",
            "circuit_sha256": digest.hex(),
            "constraints": len(r1cs.constraints),
            "wires": r1cs.n_wires,
            "public_inputs": r1cs.n_public,
            "domain_size": pk.domain_size,
            **(provenance or {"trusted_setup": "single-party", "warning": TOXIC_WASTE_WARNING}),
        },
    )
    return path


def load_keydir(path: str | os.PathLike) -> KeyDir:
    """Load and cross-check a key directory written by :func:`save_keydir`."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"key directory {str(path)!r} does not exist or is not a directory")
    if not (path / SETUP_INFO).is_file():
        raise InputError(f"{str(path)!r} is not a complete key directory (no {SETUP_INFO}; was setup interrupted?)")
    read_json(path / SETUP_INFO, "setup info")
    r1cs_bytes = read_bytes(path / CIRCUIT, "circuit")
    r1cs = decode_r1cs(r1cs_bytes, f"circuit {str(path / CIRCUIT)!r}")
    pk, bound_hash = load_proving_key(path / PROVING_KEY)
    digest = hashlib.sha256(r1cs_bytes).digest()
    if bound_hash != digest:
        raise InputError(f"the proving key in {str(path)!r} was made for a different circuit than {CIRCUIT}")
    vk = load_verification_key(path / VERIFICATION_KEY)
    if vk != pk.vk:
        raise InputError(f"{VERIFICATION_KEY} in {str(path)!r} does not match the proving key")
    return KeyDir(path=path, r1cs=r1cs, pk=pk, vk=vk, circuit_hash=digest.hex())
