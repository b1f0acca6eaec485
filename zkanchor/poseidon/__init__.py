"""circomlib-compatible Poseidon over BN254's scalar field: hash, parameters, R1CS gadget.

    from zkanchor.poseidon import poseidon, poseidon_gadget
    h = poseidon([1, 2])            # == circomlibjs poseidon([1, 2])
    out = poseidon_gadget(cs, [a, b])  # the same hash as constraints

Round constants and MDS matrices are generated (and cached per width) by the
Poseidon reference procedure, see :mod:`zkanchor.poseidon.constants`.
"""

from zkanchor.poseidon.constants import MAX_WIDTH, PoseidonParams, params, partial_rounds
from zkanchor.poseidon.gadget import constraint_count, poseidon_gadget, poseidon_lc
from zkanchor.poseidon.hash import MAX_INPUTS, permute, poseidon

__all__ = [
    "MAX_INPUTS",
    "MAX_WIDTH",
    "PoseidonParams",
    "constraint_count",
    "params",
    "partial_rounds",
    "permute",
    "poseidon",
    "poseidon_gadget",
    "poseidon_lc",
]
