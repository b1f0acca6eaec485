"""Merkle trees in constraints: the root over a block of leaves, and path checks.

The same trees as :mod:`zkanchor.merkle` (domain-separated nodes, 0 padding).  A root
over n leaves costs one Poseidon(2) per internal node — a whole level per gadget call —
and nodes over padding only are constants and cost nothing.
"""

from __future__ import annotations

import numpy as np

from zkanchor.errors import InputError
from zkanchor.gadgets.field import name_of
from zkanchor.gadgets.poseidon import poseidon
from zkanchor.merkle import node_tag, padded_size
from zkanchor.poseidon.hash import poseidon as hash_
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc, concatenate


def merkle_root(cs: ConstraintSystem, leaves: Term, name: str | None = None) -> LC:
    """Constrain the root of the 0-padded tree over ``leaves`` (a block of shape (n,)); shape ()."""
    level = as_lc(leaves)
    if level.ndim != 1 or level.shape[0] < 1:
        raise InputError("a Merkle tree needs a block of at least one leaf")
    n = level.shape[0]
    size = padded_size(n)
    t = node_tag()
    pad = 0  # the value of a node over padding only, at the current level
    depth = 0
    while size > 1:
        parts = []
        if n // 2:
            parts.append(poseidon(cs, [level[0:2 * (n // 2):2], level[1:2 * (n // 2):2]], t,
                                  name_of(name, f"l{depth}")))
        if n % 2:
            parts.append(poseidon(cs, [level[n - 1:n], pad], t, name_of(name, f"l{depth}.last")))
        pad = hash_([pad, pad], t)
        real = (n + 1) // 2
        if size // 2 > real:
            parts.append(LC.constant(np.full(size // 2 - real, pad, dtype=object)))
        level = concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
        n, size = real, size // 2
        depth += 1
    return level[0]


def merkle_path_root(cs: ConstraintSystem, leaf: Term, path: Term, index_bits: Term,
                     name: str | None = None) -> LC:
    """The root reached from ``leaf`` through ``path`` (siblings on the last axis, leaf level first).

    ``index_bits`` (least significant first, one per level, same shape as ``path``) are
    constrained boolean here.  Each level costs one boolean check, one multiplication
    for the left/right swap and one Poseidon(2).  The caller compares the result with
    the expected root.  Works on blocks: leaf of shape S, path and bits of shape S + (depth,).
    """
    node, path, bits = as_lc(leaf), as_lc(path), as_lc(index_bits)
    if path.shape != bits.shape or path.shape[:-1] != node.shape:
        raise InputError("a Merkle path needs one sibling and one index bit per level for every leaf")
    t = node_tag()
    lead = (slice(None),) * node.ndim
    for k in range(path.shape[-1]):
        sibling, bit = path[lead + (k,)], bits[lead + (k,)]
        cs.assert_bool(bit, name_of(name, f"bit{k}"))
        # bit = 0: (node, sibling); bit = 1: (sibling, node).  One product does both.
        delta = cs.mul(bit, sibling - node, name_of(name, f"swap{k}"))
        node = poseidon(cs, [node + delta, sibling - delta], t, name_of(name, f"l{k}"))
    return node
