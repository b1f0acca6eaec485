"""circomlib-compatible Poseidon over BN254's scalar field: the hash, its parameters, its domains.

    from zkanchor.poseidon import poseidon
    h = poseidon([1, 2])                 # == circomlibjs poseidon([1, 2])
    h = poseidon([1, 2], init=tag(...))  # == circomlibjs poseidon([1, 2], initState)

Round constants and MDS matrices are generated (and cached per width) by the
Poseidon reference procedure, see :mod:`zkanchor.poseidon.constants`.  The constraint
version lives with the other gadgets, :mod:`zkanchor.gadgets.poseidon`.
"""

from zkanchor.poseidon.constants import MAX_WIDTH, PoseidonParams, params, partial_rounds
from zkanchor.poseidon.domains import tag
from zkanchor.poseidon.hash import MAX_INPUTS, hash_chain, hash_chain_many, permute, poseidon, poseidon_many

__all__ = [
    "MAX_INPUTS",
    "MAX_WIDTH",
    "PoseidonParams",
    "hash_chain",
    "hash_chain_many",
    "params",
    "partial_rounds",
    "permute",
    "poseidon",
    "poseidon_many",
    "tag",
]
