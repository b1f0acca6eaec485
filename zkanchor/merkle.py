"""Binary Poseidon Merkle trees, in Python and as R1CS gadgets.

A node is ``poseidon([left, right])``.  Leaves are field elements in [0, R) that the
caller has already hashed (the dataset commitment uses one Poseidon hash per row).
A tree over n leaves is padded with 0 leaves up to the next power of two (one leaf:
the root is the leaf itself).  Padding with 0 is unambiguous as long as real leaves
are Poseidon outputs, and the number of leaves is fixed by whoever checks the root
(a circuit has a fixed shape).

Paths list the siblings from the leaf level upwards; a leaf's index bits are read
least significant first, bit k = 1 meaning the node at level k is a right child.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.poseidon.gadget import poseidon_lc
from zkanchor.poseidon.hash import poseidon
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc


def padded_size(n_leaves: int) -> int:
    """The number of leaves after padding: the smallest power of two >= n_leaves."""
    if type(n_leaves) is not int or n_leaves < 1:
        raise InputError(f"a Merkle tree needs at least one leaf, not {n_leaves!r}")
    return 1 << (n_leaves - 1).bit_length()


def tree_depth(n_leaves: int) -> int:
    """The number of levels above the leaves (0 for a single leaf)."""
    return padded_size(n_leaves).bit_length() - 1


def _check_leaves(leaves: Sequence[int]) -> list[int]:
    values = list(leaves)
    padded_size(len(values))
    for i, v in enumerate(values):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise InputError(f"Merkle leaf {i} must be an int in [0, R), not {v!r}")
    return values


def _levels(leaves: list[int]) -> list[list[int]]:
    level = leaves + [0] * (padded_size(len(leaves)) - len(leaves))
    levels = [level]
    while len(level) > 1:
        level = [poseidon([level[i], level[i + 1]]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def merkle_root(leaves: Sequence[int]) -> int:
    """The root of the 0-padded binary Poseidon tree over ``leaves``."""
    return _levels(_check_leaves(leaves))[-1][0]


def merkle_path(leaves: Sequence[int], index: int) -> list[int]:
    """The siblings of leaf ``index``, from the leaf level up to just below the root."""
    values = _check_leaves(leaves)
    if type(index) is not int or not 0 <= index < len(values):
        raise InputError(f"leaf index {index!r} is outside the tree's {len(values)} leaves")
    path = []
    for level in _levels(values)[:-1]:
        path.append(level[index ^ 1])
        index >>= 1
    return path


def path_root(leaf: int, path: Sequence[int], index: int) -> int:
    """The root reached from ``leaf`` at ``index`` by hashing with the siblings in ``path``."""
    if type(index) is not int or not 0 <= index < (1 << len(path)):
        raise InputError(f"leaf index {index!r} does not fit a path of {len(path)} levels")
    node = leaf
    for sibling in path:
        node = poseidon([sibling, node] if index & 1 else [node, sibling])
        index >>= 1
    return node


def verify_path(root: int, leaf: int, path: Sequence[int], index: int) -> bool:
    """True when ``path`` proves that ``leaf`` sits at ``index`` in the tree with ``root``."""
    return path_root(leaf, path, index) == root


# -- gadgets ----------------------------------------------------------------------------


def merkle_root_lc(cs: ConstraintSystem, leaves: Sequence[Term], name: str = "merkle") -> LinearCombination:
    """Constrain the root of the 0-padded tree over ``leaves``; returned as a linear combination.

    Costs one Poseidon(2) per internal node; nodes over padding only are constants
    and cost nothing.
    """
    if len(leaves) < 1:
        raise InputError("a Merkle tree needs at least one leaf, not 0")
    level = [as_lc(x) for x in leaves]
    level += [LinearCombination()] * (padded_size(len(level)) - len(level))
    depth = 0
    while len(level) > 1:
        level = [
            poseidon_lc(cs, [level[i], level[i + 1]], f"{name}.l{depth}.n{i // 2}")
            for i in range(0, len(level), 2)
        ]
        depth += 1
    return level[0]


def merkle_root_gadget(cs: ConstraintSystem, leaves: Sequence[Term], name: str = "merkle") -> Var:
    """Constrain the root of the 0-padded tree over ``leaves`` and return it as a new wire."""
    root = merkle_root_lc(cs, leaves, name)
    out = cs.internal(f"{name}.root", cs.value(root))
    cs.assert_equal(out, root, f"{name}.root")
    return out


def merkle_path_gadget(
    cs: ConstraintSystem,
    leaf: Term,
    path: Sequence[Term],
    index_bits: Sequence[Term],
    name: str = "merkle_path",
) -> Var:
    """Constrain the root reached from ``leaf`` through ``path``; return it as a new wire.

    ``index_bits`` (least significant first, one per level) are constrained boolean
    here.  Each level costs one boolean check, one multiplication for the
    left/right swap and one Poseidon(2).  The caller compares the returned root
    with the expected one.
    """
    if len(path) != len(index_bits):
        raise InputError(
            f"a Merkle path has {len(path)} siblings but {len(index_bits)} index bits"
        )
    node = as_lc(leaf)
    for k, (sibling, bit) in enumerate(zip(path, index_bits)):
        cs.assert_bool(bit, f"{name}.bit{k}")
        # bit = 0: (node, sibling); bit = 1: (sibling, node).  One product does both.
        delta = cs.mul(bit, as_lc(sibling) - node, f"{name}.swap{k}")
        left = node + delta
        right = as_lc(sibling) - delta
        node = poseidon_lc(cs, [left, right], f"{name}.l{k}")
    out = cs.internal(f"{name}.root", cs.value(node))
    cs.assert_equal(out, node, f"{name}.root")
    return out
