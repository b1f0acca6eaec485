"""Deploy a verification key's verifier contract and check proofs with it on a chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..chain import Chain, Deployed
from ..groth16.keys import Proof, VerificationKey
from .calldata import proof_calldata
from .verifier import compile_verifier

# A verifyProof transaction costs ~181k + 6.2k per public input plus calldata; this
# leaves a wide margin so an out-of-gas never masquerades as an invalid proof.
VERIFY_GAS_BASE = 400_000
VERIFY_GAS_PER_INPUT = 20_000


@dataclass(frozen=True)
class OnChainResult:
    """What a verifyProof transaction said, and what it cost."""

    valid: bool
    gas_used: int


def verify_gas_limit(n_public: int) -> int:
    """The explicit gas limit zkanchor gives a verifyProof transaction."""
    return VERIFY_GAS_BASE + VERIFY_GAS_PER_INPUT * n_public


def deploy_verifier(chain: Chain, vk: VerificationKey, contract_name: str = "Groth16Verifier") -> Deployed:
    """Render, compile (through the artifact cache) and deploy the verifier for ``vk``."""
    return chain.deploy(compile_verifier(vk, contract_name))


def verify_on_chain(chain: Chain, verifier: Deployed, proof: Proof, public: Sequence[int]) -> OnChainResult:
    """Call ``verifyProof`` on a deployed verifier, as a call (the answer) and a transaction (the gas)."""
    a, b, c, inputs = proof_calldata(proof, public)
    fn = verifier.contract.functions.verifyProof(a, b, c, inputs)
    gas = verify_gas_limit(len(inputs))
    valid = bool(chain.call(fn, gas=gas))
    receipt = chain.transact(fn, gas=gas)
    return OnChainResult(valid=valid, gas_used=int(receipt["gasUsed"]))
