"""predict_bit, argmax and count_correct: answers, twins, wrong witnesses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor import gadgets as g
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets import (
    argmax,
    argmax_int,
    count_correct,
    count_correct_int,
    find_witnesses,
    mutation_check,
    one_hot_index,
    predict_bit,
    predict_bit_int,
    predict_bit_np,
    to_field,
)
from zkanchor.r1cs import ConstraintSystem, check


def build(values, gadget, *args, **kwargs):
    """Private signed inputs, one gadget applied to the list; returns cs, r1cs, witness, output."""
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", to_field(v)) for i, v in enumerate(values)]
    out = gadget(cs, xs, *args, **kwargs)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, out


# -- predict_bit -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 8, 48])
def test_predict_bit(n):
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    for x in (lo, -1, 0, 1, hi):
        cs = ConstraintSystem()
        bit = predict_bit(cs, cs.private("s", to_field(x)), n)
        r1cs, w = cs.build(), cs.witness()
        check(r1cs, w)
        assert cs.value(bit) == int(x >= 0) == predict_bit_int(x, n)
        assert r1cs.n_constraints == n
        assert mutation_check(r1cs, w).ok
        w[2] = 1 - w[2]
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, w)
    with pytest.raises(InputError):
        predict_bit(ConstraintSystem(), 2 ** (n - 1), n)
    assert predict_bit_np(np.array([-3, 0, 5])).tolist() == [0, 1, 1]


# -- argmax --------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-4, 4) | st.integers(-128, 127), min_size=1, max_size=7))
def test_argmax_matches_its_twins(values):
    cs, r1cs, _, onehot = build(values, argmax, 8)
    bits = [cs.value(b) for b in onehot]
    index = argmax_int(values)
    assert bits == [int(j == index) for j in range(len(values))]
    assert index == int(np.argmax(values))  # ties go to the first, like numpy
    assert cs.value(one_hot_index(onehot)) == index
    k = len(values)
    assert r1cs.n_constraints == ((k - 1) * (8 + 3) - 1 if k > 1 else 0)


def test_argmax_refuses_bad_input():
    with pytest.raises(InputError):
        build([], argmax, 8)
    with pytest.raises(InputError):
        argmax_int([])
    with pytest.raises(InputError, match="signed bits"):
        build([-128, 127, 0], argmax, 7)


@pytest.mark.parametrize("values", [[3, -1, 2], [1, 1, 1], [-4, 3, 3], [0, -4, 3]])
def test_argmax_has_one_witness(values):
    cs, r1cs, w, onehot = build(values, argmax, 3)
    first_internal = 1 + len(values)
    choices = {wire: (0, 1, 2) for wire in range(first_internal, r1cs.n_wires)}
    max_wire = first_internal + 3  # the running maximum after values[1]
    choices[max_wire] = range(-4, 4)
    found = find_witnesses(r1cs, w, choices)
    assert len(found) == 1
    hot = [cs.wire_of(b) for b in onehot]
    assert [found[0][h] for h in hot] == [int(j == argmax_int(values)) for j in range(3)]


@pytest.mark.parametrize("values", [[5, 9, 9, -2], [9, 5, 9, 9], [-1, -2, -3, -4]])
def test_moved_one_hot_bit_is_rejected(values):
    cs, r1cs, w, onehot = build(values, argmax, 8)
    hot = [cs.wire_of(b) for b in onehot]
    right = argmax_int(values)
    for wrong in range(len(values)):
        if wrong == right:
            continue
        bad = list(w)
        bad[hot[right]], bad[hot[wrong]] = 0, 1
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()


# -- count_correct -------------------------------------------------------------------------


def bits_build(preds, labels, **kwargs):
    cs = ConstraintSystem()
    p = [cs.private(f"p{i}", v) for i, v in enumerate(preds)]
    lab = [cs.private(f"l{i}", v) for i, v in enumerate(labels)]
    count = count_correct(cs, p, lab, **kwargs)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, count


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), max_size=20))
def test_count_correct_matches_its_twin(pairs):
    preds, labels = [p for p, _ in pairs], [lab for _, lab in pairs]
    cs, r1cs, _, count = bits_build(preds, labels)
    assert cs.value(count) == count_correct_int(preds, labels) == sum(p == q for p, q in pairs)
    k = len(pairs)
    assert r1cs.n_constraints == 2 * k + 1
    cs, r1cs, _, count = bits_build(preds, labels, check_labels=False)
    assert cs.value(count) == count_correct_int(preds, labels)
    assert r1cs.n_constraints == k + 1


def test_count_correct_with_constant_labels():
    cs = ConstraintSystem()
    preds = [1, 0, 0, 1, 1]
    p = [cs.private(f"p{i}", v) for i, v in enumerate(preds)]
    count = count_correct(cs, p, [1, 1, 0, 0, 1])
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert cs.value(count) == 3
    assert r1cs.n_constraints == 1
    with pytest.raises(InputError):
        count_correct(cs, p, [1, 2, 0, 0, 1])
    with pytest.raises(InputError):
        count_correct(cs, p, [1, 0])


def test_count_one_too_high_is_rejected():
    cs, r1cs, w, count = bits_build([1, 0, 1, 1], [1, 1, 0, 1])
    wire = cs.wire_of(count)
    assert w[wire] == 2
    w[wire] = 3
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


def test_non_boolean_label_is_rejected_unless_the_caller_opted_out():
    with pytest.raises(InputError, match="label"):
        bits_build([1], [2])
    # A "label" 2 against prediction 1 would count twice: 1 - 1 - 2 + 2*2 = 2.
    for check_labels in (True, False):
        cs, r1cs, w, count = bits_build([1], [1], check_labels=check_labels)
        both = 3  # wires: one, p0, l0, then the product wire and the count
        w[2], w[both], w[cs.wire_of(count)] = 2, 2, 2
        if check_labels:
            with pytest.raises(UnsatisfiedConstraint):
                check(r1cs, w)
        else:
            check(r1cs, w)  # the documented obligation when check_labels=False


def test_count_correct_has_no_free_wire():
    cs, r1cs, w, _ = bits_build([1, 0, 1, 0], [1, 1, 0, 0])
    report = mutation_check(r1cs, w, include_inputs=True)
    assert report.ok, report.describe()


# -- the circuit's shape never depends on the witness ---------------------------------------


def test_every_gadget_builds_the_same_circuit_without_values():
    def circuit(cs, xs):
        a, b, c, d, bit, lab = xs
        g.to_bits(cs, c, 8)
        g.range_check(cs, c, 8)
        g.signed_range_check(cs, a, 16)
        g.less_than(cs, a, b, 16)
        g.maximum(cs, a, b, 16)
        g.minimum(cs, a, b, 16)
        g.is_equal(cs, a, b)
        g.select(cs, bit, a, b)
        g.truncate(cs, cs.mul(a, b), 4, 28)
        g.fixed_mul(cs, a, b, 4, 28)
        g.divide(cs, a, 10, 16)
        g.divide(cs, a, d, 16, d_bits=4)
        g.relu(cs, a, 16)
        g.sigmoid(cs, a, 4, 16)
        p = g.predict_bit(cs, b, 16)
        g.argmax(cs, [a, b, c], 16)
        g.count_correct(cs, [p, bit], [lab, 1])

    shapes = []
    for with_values in (True, False):
        cs = ConstraintSystem()
        values = [-300, 250, 77, 9, 1, 0]
        xs = [cs.private(f"x{i}", to_field(v) if with_values else None) for i, v in enumerate(values)]
        circuit(cs, xs)
        if with_values:
            check(cs.build(), cs.witness())
        shapes.append(cs.build())
    assert shapes[0].constraints == shapes[1].constraints
    assert shapes[0].n_wires == shapes[1].n_wires
