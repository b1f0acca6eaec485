"""Binary Poseidon Merkle trees with tagged nodes: roots, paths, padding and both gadgets."""

from __future__ import annotations

import random

import numpy as np
import pytest
from test_poseidon import assert_every_wire_forced

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets.merkle import merkle_path_root as path_gadget
from zkanchor.gadgets.merkle import merkle_root as root_gadget
from zkanchor.gadgets.poseidon import constraint_count
from zkanchor.merkle import (
    levels,
    merkle_path,
    merkle_root,
    node_tag,
    padded_size,
    path_root,
    tree_depth,
    verify_path,
)
from zkanchor.poseidon import domains, poseidon, tag
from zkanchor.r1cs import ConstraintSystem, check


def _leaves(n, seed=0):
    rng = random.Random(seed)
    return [rng.randrange(R) for _ in range(n)]


def node(a, b):
    return poseidon([a, b], node_tag())


def test_small_trees_by_hand():
    a, b, c = 11, 22, 33
    assert merkle_root([a]) == a
    assert merkle_root([a, b]) == node(a, b)
    # Three leaves are padded with a 0 leaf to four.
    assert merkle_root([a, b, c]) == node(node(a, b), node(c, 0))
    assert merkle_root([a, b, c]) == merkle_root([a, b, c, 0])
    assert [lv.tolist() for lv in levels([a, b, c])] == [[a, b, c, 0], [node(a, b), node(c, 0)],
                                                         [merkle_root([a, b, c])]]


def test_nodes_are_domain_separated():
    # A node is Poseidon under the node tag, never the plain (capacity 0) hash, so a pair
    # of children is never read as a two-element leaf or any other kind of hash.
    assert node_tag() == tag(domains.DATASET_NODE) != 0
    a, b = 11, 22
    assert merkle_root([a, b]) != poseidon([a, b])
    assert merkle_root([a, b]) not in {poseidon([a, b], tag(d)) for d in domains.ALL if d != domains.DATASET_NODE}


def test_padding_sizes():
    assert [padded_size(n) for n in (1, 2, 3, 4, 5, 8, 9)] == [1, 2, 4, 4, 8, 8, 16]
    assert [tree_depth(n) for n in (1, 2, 3, 4, 5)] == [0, 1, 2, 2, 3]
    with pytest.raises(InputError, match="at least one leaf"):
        padded_size(0)


def test_root_depends_on_every_leaf_and_order():
    leaves = _leaves(5)
    root = merkle_root(leaves)
    for i in range(5):
        changed = list(leaves)
        changed[i] = (changed[i] + 1) % R
        assert merkle_root(changed) != root
    assert merkle_root(leaves[::-1]) != root


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_every_path_verifies(n):
    leaves = _leaves(n, n)
    root = merkle_root(leaves)
    for i in range(n):
        path = merkle_path(leaves, i)
        assert len(path) == tree_depth(n)
        assert verify_path(root, leaves[i], path, i)
        assert path_root(leaves[i], path, i) == root


def test_wrong_paths_do_not_verify():
    leaves = _leaves(6, 1)
    root = merkle_root(leaves)
    path = merkle_path(leaves, 2)
    assert not verify_path(root, leaves[2] + 1, path, 2)
    assert not verify_path(root, leaves[2], path, 3)
    assert not verify_path(root, leaves[3], path, 2)
    for k in range(len(path)):
        bad = list(path)
        bad[k] = (bad[k] + 1) % R
        assert not verify_path(root, leaves[2], bad, 2)
    # A shortened path lets an internal node pose as a leaf, as in every Merkle tree: the
    # checker fixes the depth (a circuit has a fixed shape, and C_D binds n), and a dataset
    # leaf is a tagged hash of a salted row, never a node (see test_adversarial).
    assert verify_path(root, node(leaves[2], leaves[3]), path[1:], 1)


def test_bad_arguments():
    with pytest.raises(InputError, match="at least one leaf"):
        merkle_root([])
    with pytest.raises(InputError, match="leaf 1 must be an int in"):
        merkle_root([1, R])
    with pytest.raises(InputError, match="leaf index 4 is outside"):
        merkle_path([1, 2, 3, 4], 4)
    with pytest.raises(InputError, match="does not fit a path of 2 levels"):
        path_root(1, [2, 3], 4)


# -- gadgets --------------------------------------------------------------------------------


def _root_circuit(n):
    """A public root and n private leaves; returns the constraint system (solve with values)."""
    cs = ConstraintSystem()
    root = cs.public("root")
    leaves = cs.private("leaves", shape=(n,))
    cs.assert_equal(root_gadget(cs, leaves, "tree"), root, "root")
    return cs


def _solve_root(cs, leaves, claimed):
    return cs.witness({"root": claimed, "leaves": leaves})


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_root_gadget_equals_python(n):
    leaves = _leaves(n, 10 + n)
    cs = _root_circuit(n)
    check(cs.build(), _solve_root(cs, leaves, merkle_root(leaves)))


def test_root_gadget_costs_one_hash_per_non_constant_node():
    cs = _root_circuit(5)
    # 5 leaves -> 8: nodes (l0,l1) (l2,l3) (l4,0) [(0,0) is a constant], then 2, then 1: six
    # hashes; (l4, 0) and (h(l4,0), h(0,0)) each have a constant input whose round-0 S-box
    # is free (3 constraints each); plus the equality with the public root.
    assert cs.n_constraints == 6 * constraint_count(3) - 3 - 3 + 1


def test_root_gadget_rejects_a_changed_leaf_or_root():
    leaves = _leaves(3, 2)
    root = merkle_root(leaves)
    cs = _root_circuit(3)
    r1cs = cs.build()
    changed = list(leaves)
    changed[1] += 1
    with pytest.raises(UnsatisfiedConstraint, match="\\(root\\)"):
        check(r1cs, _solve_root(cs, changed, root))
    with pytest.raises(UnsatisfiedConstraint, match="\\(root\\)"):
        check(r1cs, _solve_root(cs, leaves, root + 1))
    # An explicit 0 leaf is the padding: a tree over [a, b, c] and [a, b, c, 0] share a root,
    # which is why the circuit (not the tree) fixes the number of rows, and why the
    # dataset commitment binds n in its shape digest.
    cs4 = _root_circuit(4)
    check(cs4.build(), _solve_root(cs4, leaves + [0], root))


def test_root_gadget_every_wire_forced():
    leaves = _leaves(3, 3)
    cs = _root_circuit(3)
    assert_every_wire_forced(cs.build(), _solve_root(cs, leaves, merkle_root(leaves)))


def _path_circuit(depth, shape=()):
    cs = ConstraintSystem()
    root = cs.public("root", shape=shape)
    leaf = cs.private("leaf", shape=shape)
    path = cs.private("path", shape=shape + (depth,))
    bits = cs.private("bits", shape=shape + (depth,))
    cs.assert_equal(path_gadget(cs, leaf, path, bits, "path"), root, "root")
    return cs


def _solve_path(cs, leaf, path, index, root, bits=None):
    if bits is None:
        bits = [(index >> k) & 1 for k in range(len(path))]
    return cs.witness({"root": root, "leaf": leaf, "path": path, "bits": bits})


@pytest.mark.parametrize("index", range(5))
def test_path_gadget_accepts_every_member(index):
    leaves = _leaves(5, 4)
    cs = _path_circuit(3)
    check(cs.build(), _solve_path(cs, leaves[index], merkle_path(leaves, index), index, merkle_root(leaves)))


def test_path_gadget_checks_a_block_of_members_at_once():
    leaves = _leaves(8, 9)
    root = merkle_root(leaves)
    picked = [0, 3, 6]
    cs = _path_circuit(3, shape=(3,))
    w = cs.witness({"root": [root] * 3, "leaf": [leaves[i] for i in picked],
                    "path": [merkle_path(leaves, i) for i in picked],
                    "bits": [[(i >> k) & 1 for k in range(3)] for i in picked]})
    check(cs.build(), w)
    w = cs.witness({"root": [root] * 3, "leaf": [leaves[i] for i in picked],
                    "path": [merkle_path(leaves, i) for i in picked],
                    "bits": [[(i >> k) & 1 for k in range(3)] for i in (0, 3, 7)]})
    with pytest.raises(UnsatisfiedConstraint, match="root\\[2\\]"):
        check(cs.build(), w)


def test_path_gadget_rejects_wrong_witnesses():
    leaves = _leaves(4, 5)
    root, path = merkle_root(leaves), merkle_path(leaves, 1)
    wrong = [
        dict(leaf=leaves[1] + 1, path=path, index=1),  # not a member
        dict(leaf=leaves[1], path=path, index=0),  # wrong position
        dict(leaf=leaves[1], path=[path[0] + 1, path[1]], index=1),  # wrong sibling
        dict(leaf=leaves[2], path=path, index=1),  # another leaf through this path
    ]
    cs = _path_circuit(2)
    r1cs = cs.build()
    for w in wrong:
        with pytest.raises(UnsatisfiedConstraint, match="\\(root\\)"):
            check(r1cs, _solve_path(cs, w["leaf"], w["path"], w["index"], root))


def test_path_gadget_rejects_non_boolean_index_bits():
    # With bit = 2 the swap would mix the children; booleanity must catch it.
    leaves = _leaves(2, 6)
    cs = _path_circuit(1)
    with pytest.raises(UnsatisfiedConstraint, match="bit0"):
        check(cs.build(), _solve_path(cs, leaves[0], merkle_path(leaves, 0), 0, merkle_root(leaves), bits=[2]))


def test_path_gadget_every_wire_forced():
    leaves = _leaves(4, 7)
    cs = _path_circuit(2)
    assert_every_wire_forced(cs.build(), _solve_path(cs, leaves[2], merkle_path(leaves, 2), 2, merkle_root(leaves)))


def test_path_gadget_needs_one_bit_per_level():
    cs = ConstraintSystem()
    with pytest.raises(InputError, match="one sibling and one index bit per level"):
        path_gadget(cs, cs.private("l", 1), cs.private("p", shape=(2,)), cs.private("b", shape=(1,)))
    with pytest.raises(InputError, match="at least one leaf"):
        root_gadget(cs, cs.private("none", shape=(0,)))


def test_root_gadget_and_pure_tree_agree_on_random_sizes():
    rng = random.Random(5)
    for n in (6, 7, 9):
        leaves = [rng.randrange(R) for _ in range(n)]
        cs = ConstraintSystem()
        out = root_gadget(cs, cs.private("leaves", shape=(n,)))
        cs.build()
        assert cs.value(out, {"leaves": np.array(leaves, dtype=object)}) == merkle_root(leaves)
