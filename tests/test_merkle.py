"""Binary Poseidon Merkle trees: roots, paths, padding and both gadgets."""

from __future__ import annotations

import random

import pytest
from test_poseidon import assert_every_wire_forced

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.merkle import (
    merkle_path,
    merkle_path_gadget,
    merkle_root,
    merkle_root_gadget,
    padded_size,
    path_root,
    tree_depth,
    verify_path,
)
from zkanchor.poseidon import poseidon
from zkanchor.r1cs import ConstraintSystem, check


def _leaves(n, seed=0):
    rng = random.Random(seed)
    return [rng.randrange(R) for _ in range(n)]


def test_small_trees_by_hand():
    a, b, c = 11, 22, 33
    assert merkle_root([a]) == a
    assert merkle_root([a, b]) == poseidon([a, b])
    # Three leaves are padded with a 0 leaf to four.
    assert merkle_root([a, b, c]) == poseidon([poseidon([a, b]), poseidon([c, 0])])
    assert merkle_root([a, b, c]) == merkle_root([a, b, c, 0])


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


def _root_circuit(leaves, claimed_root):
    cs = ConstraintSystem()
    root = cs.public("root", claimed_root)
    wires = [cs.private(f"leaf{i}", v) for i, v in enumerate(leaves)]
    cs.assert_equal(merkle_root_gadget(cs, wires), root)
    return cs


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_root_gadget_equals_python(n):
    leaves = _leaves(n, 10 + n)
    cs = _root_circuit(leaves, merkle_root(leaves))
    check(cs.build(), cs.witness())


def test_root_gadget_costs_one_hash_per_non_constant_node():
    cs = _root_circuit(_leaves(5), merkle_root(_leaves(5)))
    # 5 leaves -> 8: nodes (l0,l1) (l2,l3) (l4,0) [(0,0) is a constant], then 2, then 1: six
    # hashes; (l4, 0) and (h(l4,0), h(0,0)) each have a constant input whose round-0 S-box
    # is free (3 constraints each); plus the root binding and the equality.
    assert cs.n_constraints == 6 * 240 - 3 - 3 + 2


def test_root_gadget_rejects_a_changed_leaf_or_root():
    leaves = _leaves(3, 2)
    root = merkle_root(leaves)
    changed = list(leaves)
    changed[1] += 1
    with pytest.raises(UnsatisfiedConstraint):
        cs = _root_circuit(changed, root)
        check(cs.build(), cs.witness())
    with pytest.raises(UnsatisfiedConstraint):
        cs = _root_circuit(leaves, root + 1)
        check(cs.build(), cs.witness())
    # An explicit 0 leaf is the padding: a tree over [a, b, c] and [a, b, c, 0] share a root,
    # which is why the circuit (not the tree) fixes the number of rows.
    cs = _root_circuit(leaves + [0], root)
    check(cs.build(), cs.witness())


def test_root_gadget_every_wire_forced():
    cs = _root_circuit(_leaves(3, 3), merkle_root(_leaves(3, 3)))
    assert_every_wire_forced(cs.build(), cs.witness())


def _path_circuit(leaf, path, index, claimed_root, bits=None):
    cs = ConstraintSystem()
    root = cs.public("root", claimed_root)
    leaf_w = cs.private("leaf", leaf)
    sib = [cs.private(f"s{k}", v) for k, v in enumerate(path)]
    if bits is None:
        bits = [(index >> k) & 1 for k in range(len(path))]
    bit_w = [cs.private(f"b{k}", b) for k, b in enumerate(bits)]
    cs.assert_equal(merkle_path_gadget(cs, leaf_w, sib, bit_w), root)
    return cs


@pytest.mark.parametrize("index", range(5))
def test_path_gadget_accepts_every_member(index):
    leaves = _leaves(5, 4)
    cs = _path_circuit(leaves[index], merkle_path(leaves, index), index, merkle_root(leaves))
    check(cs.build(), cs.witness())


def test_path_gadget_rejects_wrong_witnesses():
    leaves = _leaves(4, 5)
    root, path = merkle_root(leaves), merkle_path(leaves, 1)
    wrong = [
        dict(leaf=leaves[1] + 1, path=path, index=1),  # not a member
        dict(leaf=leaves[1], path=path, index=0),  # wrong position
        dict(leaf=leaves[1], path=[path[0] + 1, path[1]], index=1),  # wrong sibling
        dict(leaf=leaves[2], path=path, index=1),  # another leaf through this path
    ]
    for w in wrong:
        cs = _path_circuit(w["leaf"], w["path"], w["index"], root)
        with pytest.raises(UnsatisfiedConstraint):
            check(cs.build(), cs.witness())


def test_path_gadget_rejects_non_boolean_index_bits():
    # With bit = 2 the swap would mix the children; booleanity must catch it.
    leaves = _leaves(2, 6)
    cs = _path_circuit(leaves[0], merkle_path(leaves, 0), 0, merkle_root(leaves), bits=[2])
    with pytest.raises(UnsatisfiedConstraint, match="bit0"):
        check(cs.build(), cs.witness())


def test_path_gadget_every_wire_forced():
    leaves = _leaves(4, 7)
    cs = _path_circuit(leaves[2], merkle_path(leaves, 2), 2, merkle_root(leaves))
    assert_every_wire_forced(cs.build(), cs.witness())


def test_path_gadget_needs_one_bit_per_level():
    cs = ConstraintSystem()
    with pytest.raises(InputError, match="2 siblings but 1 index bits"):
        merkle_path_gadget(cs, cs.private("l", 1), [cs.private("a", 1), cs.private("b", 1)], [cs.private("c", 0)])
