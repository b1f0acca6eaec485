"""Groth16 over BN254: setup (generator), prove, verify, and the key/proof dataclasses.

    pk = setup(r1cs)                          # single-party trusted setup (warns)
    proof, public = prove(pk, r1cs, witness)
    assert verify(pk.vk, proof, public)
"""

from .generator import TrustedSetupWarning, setup
from .keys import Proof, ProvingKey, VerificationKey
from .prover import prove
from .verifier import verify

__all__ = ["setup", "prove", "verify", "Proof", "ProvingKey", "VerificationKey", "TrustedSetupWarning"]
