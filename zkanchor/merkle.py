"""Binary Poseidon Merkle trees with domain-separated nodes (the pure side; gadgets in
:mod:`zkanchor.gadgets.merkle`).

A node is ``poseidon([left, right], init=tag(DATASET_NODE))`` — a capacity of its own,
so a node can never be read as a leaf (leaves are hashed under
``tag(DATASET_LEAF, ...)``, see :mod:`zkanchor.commit.commitment`) and a dataset cannot
be opened as another one of a different shape.  A tree over n leaves is padded with 0
leaves up to the next power of two (one leaf: the root is the leaf itself); the number
of leaves is fixed by whoever checks the root (a circuit has a fixed shape, and the
dataset commitment binds n).

Paths list the siblings from the leaf level upwards; a leaf's index bits are read least
significant first, bit k = 1 meaning the node at level k is a right child.  Levels are
computed with :func:`~zkanchor.poseidon.hash.poseidon_many`, a whole level per call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.poseidon.domains import DATASET_NODE, tag
from zkanchor.poseidon.hash import poseidon, poseidon_many


def node_tag() -> int:
    """The capacity element of every internal node."""
    return tag(DATASET_NODE)


def padded_size(n_leaves: int) -> int:
    """The number of leaves after padding: the smallest power of two >= n_leaves."""
    if type(n_leaves) is not int or n_leaves < 1:
        raise InputError(f"a Merkle tree needs at least one leaf, not {n_leaves!r}")
    return 1 << (n_leaves - 1).bit_length()


def tree_depth(n_leaves: int) -> int:
    """The number of levels above the leaves (0 for a single leaf)."""
    return padded_size(n_leaves).bit_length() - 1


def _check_leaves(leaves: Sequence[int]) -> np.ndarray:
    values = np.asarray(list(leaves) if not isinstance(leaves, np.ndarray) else leaves, dtype=object)
    padded_size(len(values))
    for i, v in enumerate(values.tolist()):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise InputError(f"Merkle leaf {i} must be an int in [0, R), not {v!r}")
    return values


def levels(leaves: Sequence[int]) -> list[np.ndarray]:
    """Every level of the 0-padded tree, leaves first, root last."""
    level = _check_leaves(leaves)
    level = np.concatenate([level, np.zeros(padded_size(len(level)) - len(level), dtype=object)])
    out = [level]
    t = node_tag()
    while len(level) > 1:
        level = poseidon_many([level[0::2], level[1::2]], t)
        out.append(level)
    return out


def merkle_root(leaves: Sequence[int]) -> int:
    """The root of the 0-padded binary tree over ``leaves``."""
    return int(levels(leaves)[-1][0])


def merkle_path(leaves: Sequence[int], index: int) -> list[int]:
    """The siblings of leaf ``index``, from the leaf level up to just below the root."""
    tree = levels(leaves)
    n = len(_check_leaves(leaves))
    if type(index) is not int or not 0 <= index < n:
        raise InputError(f"leaf index {index!r} is outside the tree's {n} leaves")
    path = []
    for level in tree[:-1]:
        path.append(int(level[index ^ 1]))
        index >>= 1
    return path


def path_root(leaf: int, path: Sequence[int], index: int) -> int:
    """The root reached from ``leaf`` at ``index`` by hashing with the siblings in ``path``."""
    if type(index) is not int or not 0 <= index < (1 << len(path)):
        raise InputError(f"leaf index {index!r} does not fit a path of {len(path)} levels")
    node, t = leaf, node_tag()
    for sibling in path:
        node = poseidon([sibling, node] if index & 1 else [node, sibling], t)
        index >>= 1
    return node


def verify_path(root: int, leaf: int, path: Sequence[int], index: int) -> bool:
    """True when ``path`` proves that ``leaf`` sits at ``index`` in the tree with ``root``."""
    return path_root(leaf, path, index) == root
