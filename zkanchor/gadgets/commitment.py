"""Commitments in constraints: the dataset commitment (scheme v2) and the weights commitment.

The same hashes as :mod:`zkanchor.commit.commitment` and :mod:`zkanchor.models.weights`,
over blocks of private wires.  The dataset gadget range-checks every committed value
(what makes the packing, and so the commitment, binding), packs rows linearly, hashes
every leaf in one Poseidon block and climbs the Merkle tree level by level.
"""

from __future__ import annotations

import numpy as np

from zkanchor.commit.commitment import SHAPE_VERSION, leaf_tag, tombstone, values_per_element
from zkanchor.errors import InputError
from zkanchor.gadgets.bits import signed_range_check
from zkanchor.gadgets.field import name_of
from zkanchor.gadgets.merkle import merkle_root
from zkanchor.gadgets.poseidon import hash_chain, poseidon
from zkanchor.poseidon import domains
from zkanchor.poseidon.domains import tag
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc, concatenate


def pack(values: LC, value_bits: int) -> list[LC]:
    """Rows of signed values (block (n, m)) packed into field elements: a list of (n,) blocks.

    Linear, no constraint; injective only once every value is range-checked.
    """
    k = values_per_element(value_bits)
    half = 1 << (value_bits - 1)
    m = values.shape[-1]
    out = []
    for start in range(0, m, k):
        width = min(k, m - start)
        chunk = values[:, start:start + width] + half
        out.append(chunk.dot([1 << (i * value_bits) for i in range(width)], axis=-1))
    return out


def dataset_leaves(cs: ConstraintSystem, rows: Term, salts: Term, value_bits: int, name: str | None = None) -> LC:
    """Range-check and hash every row (block (n, m) of values, (n,) salts): the (n,) leaves."""
    rows, salts = as_lc(rows), as_lc(salts)
    if rows.ndim != 2 or salts.shape != rows.shape[:1]:
        raise InputError("the dataset commitment needs rows of shape (n, m) and one salt per row")
    signed_range_check(cs, rows, value_bits, name_of(name, "range"))
    elements = pack(rows, value_bits)
    return hash_chain(cs, [salts, *elements], leaf_tag(len(elements)), name_of(name, "leaf"))


def dataset_commitment(cs: ConstraintSystem, features: Term, targets: Term, salts: Term, value_bits: int,
                       shape_digest: int, owner: Term, name: str | None = None, flags: Term | None = None,
                       erased: Term | None = None) -> LC:
    """C = Commit(features, targets[, flags]; salts) for ``owner`` (the scheme of :mod:`zkanchor.commit.commitment`).

    ``features`` is a block (n, d), ``targets`` (n,), ``salts`` the per-row salts (n,);
    ``flags`` (n,) the records' consent flags when the schema has them; ``erased`` (n,)
    bits, proven boolean here, that replace a record's leaf by the tombstone (one
    constraint each).  ``shape_digest`` is a constant (it follows from the public spec)
    and ``owner`` is usually the statement's institution input.  Returns C as a linear
    combination.
    """
    features, targets = as_lc(features), as_lc(targets)
    if features.ndim != 2 or targets.shape != features.shape[:1]:
        raise InputError("the dataset commitment needs features (n, d) and targets (n,)")
    columns = [features, targets.expand_dims(-1)]
    if flags is not None:
        columns.append(as_lc(flags).expand_dims(-1))
    rows = concatenate(columns, axis=1)
    leaves = dataset_leaves(cs, rows, salts, value_bits, name)
    if erased is not None:
        erased = as_lc(erased)
        cs.assert_bool(erased, name_of(name, "erased"))
        leaves = leaves + cs.mul(erased, tombstone() - leaves, name_of(name, "tombstone"))
    root = merkle_root(cs, leaves, name_of(name, "tree"))
    return poseidon(cs, [root, shape_digest, owner], tag(domains.DATASET), name_of(name, "commitment"))


def opaque_shape(cs: ConstraintSystem, n: int) -> LC:
    """The shape digest of a dataset of ``n`` records whose other shape fields are private
    wires (``shape_rest``: d, frac_bits, value_bits, schema digest, see
    :func:`zkanchor.commit.commitment.shape_rest`).  A circuit over opaque leaves binds the
    record count it states, and C_D binds the rest without the circuit knowing it."""
    rest = cs.private("shape_rest", shape=(4,))
    return hash_chain(cs, [SHAPE_VERSION, n, *(rest[i] for i in range(4))], tag(domains.DATASET_SHAPE), "shape")


def commitment_of_leaves(cs: ConstraintSystem, leaves: Term, shape: Term, owner: Term, name: str) -> LC:
    """C = Poseidon([Merkle root of ``leaves``, shape, owner]) under the dataset tag (hash named ``name``)."""
    root = merkle_root(cs, as_lc(leaves), name_of(name, "tree"))
    return poseidon(cs, [root, shape, owner], tag(domains.DATASET), name)


def commitment_constraints(n: int, d: int, value_bits: int) -> int:
    """Constraints of the dataset-commitment gadget for an n x d dataset (built without data)."""
    cs = ConstraintSystem()
    owner = cs.public("owner")
    x = cs.private("x", shape=(n, d))
    y = cs.private("y", shape=(n,))
    salts = cs.private("salts", shape=(n,))
    dataset_commitment(cs, x, y, salts, value_bits, 0, owner)
    return cs.n_constraints


def weights_commitment(cs: ConstraintSystem, weights: Term, salt: Term, name: str | None = None) -> LC:
    """C_W = Poseidon([H(w), salt]) under tag(weights/commitment), H the weights' tagged chain.

    ``weights`` is a block whose last axis holds one model's flattened weights (shape
    batch + (k,)), ``salt`` has the batch shape: one commitment per model.
    """
    w = as_lc(weights)
    if w.ndim < 1 or w.shape[-1] < 1:
        raise InputError("a weights commitment needs a block of at least one weight")
    k = w.shape[-1]
    lead = (slice(None),) * (w.ndim - 1)
    inner = hash_chain(cs, [w[lead + (j,)] for j in range(k)], tag(domains.WEIGHTS_ELEMENTS, k),
                       name_of(name, "elements"))
    return poseidon(cs, [inner, salt], tag(domains.WEIGHTS), name_of(name, "salted"))
