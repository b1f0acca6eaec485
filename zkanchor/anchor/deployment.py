"""The deployment record: what later commands and third parties need to use a registry.

A JSON file (written atomically) holding the registry's address, ABI, chain id, deploy
block and transaction, deployer, contract version, challenge window, erasure deadline
(blocks to answer an erasure request; 0 in a record of a registry before 2.1), the RPC URL it was
deployed through, and the circuits registered through zkanchor — each with its verifier
address, kind, the circuit hash and spec digest it was registered with, and its
verification key, so an auditor can re-check proofs off chain::

    {"format": "zkanchor-registry-deployment", "format_version": 2,
     "chain_id": 31337, "registry": "0x…", "abi": [...], "block": 1, "tx_hash": "0x…",
     "deployer": "0x…", "registry_version": "2.1.0", "challenge_window": 7200, "erasure_deadline": 216000,
     "rpc": "http://127.0.0.1:8545", "source_sha256": "…",
     "circuits": {"linreg-v1": {"circuit_id": "0x…", "verifier": "0x…", "n_public": 5,
                                "kind": "training", "circuit_hash": "0x…", "spec_digest": "123…",
                                "public_start": "0", "training_block_input": 0, "description": "…",
                                "block": 7, "vk": {snarkjs verification_key.json}}}}

Field elements (spec digest, public start) are decimal strings, as in snarkjs's public.json.
Version 2 goes with registry 2.x; a version-1 record (registry 1.x) is refused with a sentence
saying so.  Loading validates every field and refuses a malformed record with one sentence.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any

from web3 import Web3

from ..errors import FormatError
from ..fileio import read_json, write_json
from ..bn254.constants import R
from .encoding import CIRCUIT_KINDS, circuit_id_bytes, circuit_id_text
from .registry import Registry

FORMAT = "zkanchor-registry-deployment"
FORMAT_VERSION = 2
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class CircuitRecord:
    """A circuit registered through zkanchor: id, verifier, input count, kind, circuit hash,
    spec digest, public start, description and verification key."""

    circuit_id: str  # 0x + 64 hex digits (the bytes32 on chain)
    verifier: str
    n_public: int
    kind: str = "training"  # or "aggregation", "erasure", "validity"
    circuit_hash: str = ""  # 0x + 64 hex digits: the circuit the verification key is bound to
    spec_digest: int = 0
    public_start: int = 0
    training_block_input: int = 0
    description: str = ""
    block: int = 0
    vk: dict | None = None  # snarkjs verification_key.json object

    @property
    def name(self) -> str:
        """The readable circuit id (its name, or hex)."""
        return circuit_id_text(bytes.fromhex(self.circuit_id[2:]))


@dataclass(frozen=True)
class DeploymentRecord:
    """Where a registry lives and how to talk to it (see the module docstring for the JSON)."""

    chain_id: int
    registry: str
    abi: list = field(repr=False)
    block: int
    tx_hash: str
    deployer: str
    registry_version: str
    challenge_window: int
    rpc: str | None = None
    source_sha256: str = ""
    circuits: dict[str, CircuitRecord] = field(default_factory=dict)
    erasure_deadline: int = 0  # blocks to answer an erasure request (0: a registry before 2.1)

    def with_circuit(self, circuit: CircuitRecord) -> "DeploymentRecord":
        """A copy with ``circuit`` added (keyed by its readable name)."""
        return replace(self, circuits={**self.circuits, circuit.name: circuit})

    def find_circuit(self, circuit_id: str | bytes) -> CircuitRecord | None:
        """The record of a circuit id (name or hex), or None if zkanchor did not register it."""
        raw = "0x" + circuit_id_bytes(circuit_id).hex()
        return next((c for c in self.circuits.values() if c.circuit_id.lower() == raw), None)

    def to_json(self) -> dict:
        """The record as a JSON object."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "chain_id": self.chain_id,
            "registry": self.registry,
            "block": self.block,
            "tx_hash": self.tx_hash,
            "deployer": self.deployer,
            "registry_version": self.registry_version,
            "challenge_window": self.challenge_window,
            "erasure_deadline": self.erasure_deadline,
            "rpc": self.rpc,
            "source_sha256": self.source_sha256,
            "circuits": {
                name: {
                    "circuit_id": c.circuit_id,
                    "verifier": c.verifier,
                    "n_public": c.n_public,
                    "kind": c.kind,
                    "circuit_hash": c.circuit_hash,
                    "spec_digest": str(c.spec_digest),
                    "public_start": str(c.public_start),
                    "training_block_input": c.training_block_input,
                    "description": c.description,
                    "block": c.block,
                    "vk": c.vk,
                }
                for name, c in self.circuits.items()
            },
            "abi": self.abi,
        }


def record_for(registry: Registry, rpc: str | None, source_sha256: str = "") -> DeploymentRecord:
    """The record of a freshly deployed (or attached) registry, read from the chain."""
    tx = registry.deploy_tx
    deployer = registry.chain.w3.eth.get_transaction(tx)["from"] if tx else registry.admin()
    return DeploymentRecord(
        chain_id=registry.chain.chain_id,
        registry=registry.address,
        abi=list(registry.abi),
        block=registry.deploy_block,
        tx_hash=tx or "",
        deployer=Web3.to_checksum_address(deployer),
        registry_version=registry.version(),
        challenge_window=registry.challenge_window(),
        erasure_deadline=registry.erasure_deadline(),
        rpc=rpc,
        source_sha256=source_sha256,
    )


def save_deployment(record: DeploymentRecord, path: str | os.PathLike) -> None:
    """Write the record atomically (a crash never leaves half a file)."""
    write_json(path, record.to_json())


def load_deployment(path: str | os.PathLike) -> DeploymentRecord:
    """Read and validate a deployment record."""
    return deployment_from_json(read_json(path, "deployment record"), f"deployment record {os.fspath(path)!r}")


# ---------------------------------------------------------------- validation

def _get(obj: dict, key: str, kind: type | tuple, what: str) -> Any:
    if key not in obj:
        raise FormatError(f"{what} has no {key!r} field")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FormatError(f"{what} field {key!r} has the wrong type")
    return value


def _optional(obj: dict, key: str, kind: type, default: Any, what: str) -> Any:
    return _get(obj, key, kind, what) if key in obj else default


def _address(value: Any, what: str) -> str:
    if not isinstance(value, str) or not Web3.is_address(value):
        raise FormatError(f"{what} is not an Ethereum address")
    return Web3.to_checksum_address(value)


def _nonneg(value: int, what: str) -> int:
    if value < 0:
        raise FormatError(f"{what} must not be negative")
    return value


def _field(text: str, what: str) -> int:
    if not text.isdigit() or int(text) >= R:
        raise FormatError(f"{what} must be a decimal field element below r")
    return int(text)


def _circuit_from_json(name: str, obj: Any, what: str) -> CircuitRecord:
    if not isinstance(obj, dict):
        raise FormatError(f"{what} must be a JSON object")
    cid = _get(obj, "circuit_id", str, what)
    if not _HASH.fullmatch(cid):
        raise FormatError(f"{what} field 'circuit_id' must be 0x + 64 hex digits")
    vk = obj.get("vk")
    if vk is not None and not isinstance(vk, dict):
        raise FormatError(f"{what} field 'vk' must be a verification key object or null")
    tbi = _optional(obj, "training_block_input", int, 0, what)
    block = _optional(obj, "block", int, 0, what)
    kind = _get(obj, "kind", str, what)
    if kind not in CIRCUIT_KINDS:
        raise FormatError(f"{what} field 'kind' must be one of {', '.join(CIRCUIT_KINDS)}")
    chash = _get(obj, "circuit_hash", str, what)
    if not _HASH.fullmatch(chash):
        raise FormatError(f"{what} field 'circuit_hash' must be 0x + 64 hex digits")
    record = CircuitRecord(
        circuit_id=cid.lower(),
        verifier=_address(_get(obj, "verifier", str, what), f"{what} verifier"),
        n_public=_nonneg(_get(obj, "n_public", int, what), f"{what} n_public"),
        kind=kind,
        circuit_hash=chash.lower(),
        spec_digest=_field(_get(obj, "spec_digest", str, what), f"{what} field 'spec_digest'"),
        public_start=_field(_optional(obj, "public_start", str, "0", what), f"{what} field 'public_start'"),
        training_block_input=_nonneg(tbi, f"{what} training_block_input"),
        description=_optional(obj, "description", str, "", what),
        block=_nonneg(block, f"{what} block"),
        vk=vk,
    )
    if record.name != name:
        raise FormatError(f"{what} is filed under {name!r} but its circuit id reads {record.name!r}")
    return record


def deployment_from_json(obj: Any, what: str = "deployment record") -> DeploymentRecord:
    """Validate a parsed deployment record; FormatError names the first problem."""
    if not isinstance(obj, dict):
        raise FormatError(f"{what} must be a JSON object")
    if obj.get("format") != FORMAT:
        raise FormatError(f"{what} is not a zkanchor registry deployment (its 'format' is not {FORMAT!r})")
    if obj.get("format_version") == 1:
        raise FormatError(f"{what} is a version-1 record (a registry 1.x); this zkanchor talks to registry 2.x "
                          f"(format_version {FORMAT_VERSION}): deploy a new registry")
    if obj.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"{what} has format_version {obj.get('format_version')!r}; this zkanchor reads {FORMAT_VERSION}")
    abi = _get(obj, "abi", list, what)
    names = {e.get("name") for e in abi if isinstance(e, dict) and e.get("type") == "function"}
    missing = {"anchorTraining", "anchorDataset", "resolve", "anchorSegment", "anchorAggregate"} - names
    if missing:
        raise FormatError(f"{what} has an ABI without {sorted(missing)[0]}; it is not a zkanchor registry ABI")
    tx_hash = _get(obj, "tx_hash", str, what)
    if tx_hash and not _HASH.fullmatch(tx_hash):
        raise FormatError(f"{what} field 'tx_hash' must be 0x + 64 hex digits")
    rpc = obj.get("rpc")
    if rpc is not None and not isinstance(rpc, str):
        raise FormatError(f"{what} field 'rpc' must be a URL string or null")
    window = _get(obj, "challenge_window", int, what)
    if window < 1:
        raise FormatError(f"{what} field 'challenge_window' must be at least 1")
    erasure_deadline = _nonneg(_optional(obj, "erasure_deadline", int, 0, what), f"{what} erasure_deadline")
    circuits_raw = _optional(obj, "circuits", dict, {}, what)
    circuits = {
        name: _circuit_from_json(name, c, f"{what} circuit {name!r}") for name, c in circuits_raw.items()
    }
    return DeploymentRecord(
        chain_id=_nonneg(_get(obj, "chain_id", int, what), f"{what} chain_id"),
        registry=_address(_get(obj, "registry", str, what), f"{what} registry"),
        abi=abi,
        block=_nonneg(_get(obj, "block", int, what), f"{what} block"),
        tx_hash=tx_hash,
        deployer=_address(_get(obj, "deployer", str, what), f"{what} deployer"),
        registry_version=_get(obj, "registry_version", str, what),
        challenge_window=window,
        rpc=rpc,
        source_sha256=_optional(obj, "source_sha256", str, "", what),
        circuits=circuits,
        erasure_deadline=erasure_deadline,
    )
