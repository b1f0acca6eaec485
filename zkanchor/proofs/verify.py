"""Verifying a statement's proof with a key bound to the statement's own circuit.

A verifier never takes a verification key from the prover's bundle on trust.  It
compiles the statement's spec, which gives the circuit hash the key must be bound to,
and accepts a key only from a source it trusts for that hash:

- a key directory it names (``--keys``): setup.json must name that circuit hash, and a
  ceremony transcript in it is re-verified by ``zkanchor check-keys``;
- its own key cache (keys this machine made or stored for that hash);
- a verification key file it names explicitly (``--vk``): its own choice, recorded as such;
- the registry's circuit record, which stores the circuit hash and the spec digest next
  to the verifier contract (:mod:`zkanchor.anchor`).

Whatever the source, the statement's public inputs are re-derived from its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import InputError
from ..groth16.keys import Proof, VerificationKey
from ..groth16.verifier import verify as groth16_verify
from ..statements.base import Statement, circuit_hash_of
from .keystore import KeyStore


@dataclass(frozen=True)
class TrustedKey:
    """A verification key and why it is trusted for a circuit."""

    vk: VerificationKey
    circuit_hash: str
    source: str  # "keys", "cache", "vk", "registry"
    detail: str


def expected_circuit_hash(statement: Statement) -> str:
    """The hash of the circuit ``statement``'s spec compiles to (what its key must be bound to)."""
    return circuit_hash_of(statement.spec).hash


def trusted_key(statement: Statement, keys: Optional[KeyStore] = None, vk: Optional[VerificationKey] = None,
                vk_path: Optional[str] = None) -> TrustedKey:
    """The verification key to check ``statement`` with (InputError when no trusted key is found)."""
    info = circuit_hash_of(statement.spec)
    circuit_hash = info.hash
    n_public = len(statement.public_inputs())
    if vk is not None:
        if vk.n_public != n_public:
            raise InputError(f"the verification key {vk_path or ''} has {vk.n_public} public inputs; "
                             f"this statement has {n_public}")
        return TrustedKey(vk, circuit_hash, "vk", f"named explicitly ({vk_path or 'given'})")
    store = keys if keys is not None else KeyStore(setup_missing=False)
    found = store.verification_key(info)
    if found is None:
        raise InputError(f"no trusted verification key for this statement's circuit ({circuit_hash[:16]}...): "
                         "pass --keys KEYDIR (a setup or ceremony output), --vk VK.json or --registry")
    key, source = found
    return TrustedKey(key, circuit_hash, "keys" if source.kind == "setup" else source.kind,
                      f"{source.path} ({source.trusted_setup})")


def verify_statement(statement: Statement, proof: Proof, key: TrustedKey) -> bool:
    """The pairing check of ``proof`` against the statement's re-derived public inputs."""
    return groth16_verify(key.vk, proof, statement.public_inputs())
