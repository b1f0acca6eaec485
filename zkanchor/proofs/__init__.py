"""Proving and verifying statements: key store, prover, proof bundles, trusted verification.

    from zkanchor.proofs import KeyStore, Prover, ProofBundle, trusted_key, verify_statement

    bundle = Prover(KeyStore()).prove(statement, opening)
    bundle.save("proof/")
    bundle = ProofBundle.load("proof/")
    key = trusted_key(bundle.statement)                 # bound to the circuit the spec compiles to
    assert verify_statement(bundle.statement, bundle.proof, key)
"""

from .bundle import ProofBundle, check_output_dir
from .keystore import KeySource, KeyStore
from .prover import Prover, peak_memory_bytes
from .verify import TrustedKey, expected_circuit_hash, trusted_key, verify_statement

__all__ = [
    "KeySource",
    "KeyStore",
    "ProofBundle",
    "Prover",
    "TrustedKey",
    "check_output_dir",
    "expected_circuit_hash",
    "peak_memory_bytes",
    "trusted_key",
    "verify_statement",
]
