"""Solidity side of zkanchor: compiler discovery and caching, Groth16 verifier contracts, calldata.

    from zkanchor.solidity import compile_verifier, proof_calldata
    compiled = compile_verifier(vk)       # render_verifier(vk) + compile_source(..., via_ir=True)
    a, b, c, inputs = proof_calldata(proof, public)
"""

from .calldata import proof_calldata, snarkjs_calldata_string
from .compiler import CompiledContract, Compiler, compile_source, find_compiler
from .verifier import compile_verifier, render_verifier, verifier_abi

__all__ = [
    "CompiledContract",
    "Compiler",
    "compile_source",
    "compile_verifier",
    "find_compiler",
    "proof_calldata",
    "render_verifier",
    "snarkjs_calldata_string",
    "verifier_abi",
]
