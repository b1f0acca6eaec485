"""Domain separation: every kind of hash zkanchor takes starts from a capacity of its own.

A Poseidon sponge of width t starts from the state [c, x_1, ..., x_k]; circomlib's
``Poseidon`` fixes c = 0 and its ``PoseidonEx`` (circomlibjs: ``poseidon(inputs,
initState)``) lets the caller choose it.  zkanchor never hashes with c = 0: each use
— a dataset leaf, a Merkle node, a dataset commitment, a weights commitment, a spec
digest, ... — takes c = tag(name, length), so two hashes of different kinds (or of
different input lengths) can never be confused even when their inputs coincide.  A
tag is a constant of the circuit, so separation costs no constraint.

    tag(name, *params) = sha256("zkanchor/" || name || ("/" || param)*) mod R
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from zkanchor.bn254.constants import R

DATASET_LEAF = "dataset/leaf"
DATASET_NODE = "dataset/node"
DATASET_SHAPE = "dataset/shape"
DATASET = "dataset/commitment"
LEAF_SALT = "dataset/leaf-salt"
TOMBSTONE = "dataset/tombstone"
WEIGHTS_ELEMENTS = "weights/elements"
WEIGHTS = "weights/commitment"
SPEC = "spec/digest"
SCHEMA = "schema/digest"
PREPROCESSING = "preprocessing"
ROUND_INPUTS = "federated/round-inputs"
STATEMENT = "statement"

ALL = (DATASET_LEAF, DATASET_NODE, DATASET_SHAPE, DATASET, LEAF_SALT, TOMBSTONE, WEIGHTS_ELEMENTS, WEIGHTS,
       SPEC, SCHEMA, PREPROCESSING, ROUND_INPUTS, STATEMENT)


@lru_cache(maxsize=None)
def tag(name: str, *params: int) -> int:
    """The capacity element of the hashes of kind ``name`` (with ``params``, e.g. an input length)."""
    text = "zkanchor/" + name + "".join(f"/{int(p)}" for p in params)
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big") % R
