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
from zkanchor.r1cs import LC, ConstraintSystem, check, circuit_hash, stack


def wire_of(cs: ConstraintSystem, x: LC):
    """The witness index (circom layout) of a block of plain wires: an int, or nested lists.

    The builder has no public id -> witness-index map yet, so this reads its layout.
    """
    cs.build()
    coeffs = np.broadcast_to(x.coeffs, x.ids.shape)
    live = coeffs != 0  # blocks built by stack/concatenate carry zero padding terms
    assert np.all(live.sum(axis=-1) == 1) and np.all(coeffs[live] == 1) and np.all(x.const == 0)
    pos = cs._layout()[(x.ids * live).sum(axis=-1)]
    return int(pos) if pos.ndim == 0 else pos.tolist()


def build(values, gadget, *args, **kwargs):
    """A private block of signed inputs (classes on the last axis), one gadget applied;
    returns cs, r1cs, witness, output."""
    values = np.asarray(values, dtype=np.int64)
    cs = ConstraintSystem()
    xs = cs.private("x", shape=values.shape)
    out = gadget(cs, xs, *args, **kwargs)
    r1cs, w = cs.build(), cs.witness({"x": values})
    check(r1cs, w)
    return cs, r1cs, w, out


# -- predict_bit -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 8, 48])
def test_predict_bit(n):
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    cs = ConstraintSystem()
    bit = predict_bit(cs, cs.private("s"), n)
    r1cs = cs.build()
    assert r1cs.n_constraints == n
    for x in (lo, -1, 0, 1, hi):
        w = cs.witness({"s": to_field(x)})
        check(r1cs, w)
        assert cs.value(bit) == int(x >= 0) == predict_bit_int(x, n)
        assert mutation_check(r1cs, w).ok
        w[2] = 1 - w[2]
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, w)
    cs = ConstraintSystem()
    predict_bit(cs, 2 ** (n - 1), n)  # a constant score: refused when solved
    with pytest.raises(InputError, match=f"does not fit in {n} signed bits"):
        cs.witness()
    with pytest.raises(InputError):
        predict_bit_int(2 ** (n - 1), n)
    assert predict_bit_np(np.array([-3, 0, 5])).tolist() == [0, 1, 1]


def test_predict_bit_on_a_block_matches_the_twin():
    n = 8
    scores = np.array([[-128, -1, 0], [1, 127, -50]])
    cs, r1cs, w, bits = build(scores, predict_bit, n, name="p")
    assert bits.shape == scores.shape and r1cs.n_constraints == scores.size * n
    assert cs.value(bits).tolist() == predict_bit_np(scores).tolist()
    report = mutation_check(r1cs, w, include_inputs=True)
    assert report.ok, report.describe()
    wires = wire_of(cs, bits)
    for i, j in np.ndindex(scores.shape):
        bad = list(w)
        bad[wires[i][j]] = 1 - bad[wires[i][j]]
        with pytest.raises(UnsatisfiedConstraint) as e:
            check(r1cs, bad)
        assert e.value.name.endswith(f"[{i}, {j}]")
    with pytest.raises(InputError, match=r"p \(at \[1, 1\]\) does not fit in 8 signed bits"):
        cs.witness({"x": [[0, 0, 0], [0, 128, 0]]})


# -- argmax --------------------------------------------------------------------------------


def argmax_cost(k: int, n: int) -> int:
    return (k - 1) * (n + 3) - 1 if k > 1 else 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-4, 4) | st.integers(-128, 127), min_size=1, max_size=7))
def test_argmax_matches_its_twins(values):
    cs, r1cs, _, onehot = build(values, argmax, 8)
    index = argmax_int(values)
    assert onehot.shape == (len(values),)
    assert cs.value(onehot).tolist() == [int(j == index) for j in range(len(values))]
    assert index == int(np.argmax(values))  # ties go to the first, like numpy
    assert cs.value(one_hot_index(onehot)) == index
    assert r1cs.n_constraints == argmax_cost(len(values), 8)


def test_argmax_refuses_bad_input():
    with pytest.raises(InputError, match="at least one value"):
        build(np.zeros(0, dtype=np.int64), argmax, 8)
    with pytest.raises(InputError, match="at least one value"):
        argmax(ConstraintSystem(), LC.constant(5), 8)  # a single value has no class axis
    with pytest.raises(InputError):
        argmax_int([])
    cs = ConstraintSystem()
    argmax(cs, cs.private("x", shape=(3,)), 7)
    with pytest.raises(InputError, match="signed bits"):
        cs.witness({"x": [-128, 127, 0]})


@pytest.mark.parametrize("values", [[3, -1, 2], [1, 1, 1], [-4, 3, 3], [0, -4, 3]])
def test_argmax_has_one_witness(values):
    cs, r1cs, w, onehot = build(values, argmax, 3)
    first_internal = 1 + len(values)
    choices = {wire: (0, 1, 2) for wire in range(first_internal, r1cs.n_wires)}
    # The running maximum after values[1]: less_than's sign bit and 2 magnitude bits come first.
    max_wire = first_internal + 3
    choices[max_wire] = range(-4, 4)
    found = find_witnesses(r1cs, w, choices)
    assert len(found) == 1
    hot = wire_of(cs, onehot)
    assert [found[0][h] for h in hot] == [int(j == argmax_int(values)) for j in range(3)]


@pytest.mark.parametrize("values", [[5, 9, 9, -2], [9, 5, 9, 9], [-1, -2, -3, -4]])
def test_moved_one_hot_bit_is_rejected(values):
    cs, r1cs, w, onehot = build(values, argmax, 8)
    hot = wire_of(cs, onehot)
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


def test_argmax_over_rows_matches_numpy():
    rng = np.random.default_rng(2)
    n, k = 8, 4
    values = rng.integers(-128, 128, size=(6, k))
    values[1] = [7, 7, 7, 7]  # ties go to the first
    values[2] = [-128, 127, 127, -128]
    cs = ConstraintSystem()
    x = cs.private("x", shape=(6, k))
    onehot = argmax(cs, x, n, name="am")
    index = one_hot_index(onehot)
    r1cs = cs.build()
    assert onehot.shape == (6, k) and index.shape == (6,)
    assert r1cs.n_constraints == 6 * argmax_cost(k, n)
    for batch in (values, rng.integers(-128, 128, size=(6, k)), -values.clip(-127, 127)):
        check(r1cs, cs.witness({"x": batch}))
        assert cs.value(index).tolist() == np.argmax(batch, axis=1).tolist()
        assert cs.value(onehot).tolist() == np.eye(k, dtype=int)[np.argmax(batch, axis=1)].tolist()
    # The rows of a 3-D block, and a single class (no constraint, always 1).
    cs = ConstraintSystem()
    x = cs.private("x", shape=(2, 3, 2))
    onehot = argmax(cs, x, n)
    single = argmax(cs, cs.private("y", shape=(2, 1)), n)
    cube = values[:, :2].reshape(2, 3, 2)
    check(cs.build(), cs.witness({"x": cube, "y": [[5], [-5]]}))
    assert cs.value(one_hot_index(onehot)).tolist() == np.argmax(cube, axis=-1).tolist()
    assert cs.value(single).tolist() == [[1], [1]]
    assert cs.build().n_constraints == 6 * argmax_cost(2, n)


def test_a_moved_one_hot_bit_in_one_row_is_rejected():
    values = np.array([[5, 9, 9], [-3, -3, -4]])
    cs, r1cs, w, onehot = build(values, argmax, 5, name="am")
    hot = wire_of(cs, onehot)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    for row in range(2):
        right = argmax_int(values[row])
        for wrong in range(3):
            if wrong == right:
                continue
            bad = list(w)
            bad[hot[row][right]], bad[hot[row][wrong]] = 0, 1
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name.endswith(f"[{row}]")  # the cheat is caught in its own row


# -- count_correct -------------------------------------------------------------------------


def bits_build(preds, labels, **kwargs):
    preds, labels = np.asarray(preds, dtype=np.int64), np.asarray(labels, dtype=np.int64)
    cs = ConstraintSystem()
    p = cs.private("p", shape=preds.shape)
    lab = cs.private("l", shape=labels.shape)
    count = count_correct(cs, p, lab, **kwargs)
    r1cs, w = cs.build(), cs.witness({"p": preds, "l": labels})
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
    p = cs.private("p", value=preds, shape=(5,))
    count = count_correct(cs, p, [1, 1, 0, 0, 1])
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert cs.value(count) == 3
    assert r1cs.n_constraints == 1
    with pytest.raises(InputError, match="0 or 1"):
        count_correct(cs, p, [1, 2, 0, 0, 1])
    with pytest.raises(InputError, match="same shape"):
        count_correct(cs, p, [1, 0])


def test_count_one_too_high_is_rejected():
    cs, r1cs, w, count = bits_build([1, 0, 1, 1], [1, 1, 0, 1])
    wire = wire_of(cs, count)
    assert w[wire] == 2
    w[wire] = 3
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


def test_non_boolean_label_is_rejected_unless_the_caller_opted_out():
    cs = ConstraintSystem()
    count_correct(cs, cs.private("p", shape=(2,)), cs.private("l", shape=(2,)), name="acc")
    with pytest.raises(InputError, match="acc: a label is not 0 or 1"):
        cs.witness({"p": [1, 1], "l": [1, 2]})
    # A "label" 2 against prediction 1 would count twice: 1 - 1 - 2 + 2*2 = 2.
    for check_labels in (True, False):
        cs, r1cs, w, count = bits_build([1], [1], check_labels=check_labels)
        both = 3  # wires: one, p0, l0, then the product wire and the count
        w[2], w[both], w[wire_of(cs, count)] = 2, 2, 2
        if check_labels:
            with pytest.raises(UnsatisfiedConstraint):
                check(r1cs, w)
        else:
            check(r1cs, w)  # the documented obligation when check_labels=False


def test_count_correct_has_no_free_wire():
    cs, r1cs, w, _ = bits_build([1, 0, 1, 0], [1, 1, 0, 0])
    report = mutation_check(r1cs, w, include_inputs=True)
    assert report.ok, report.describe()


def test_count_correct_over_a_2d_block():
    rng = np.random.default_rng(8)
    preds = rng.integers(0, 2, size=(5, 3))
    labels = rng.integers(0, 2, size=(5, 3))
    cs, r1cs, w, count = bits_build(preds, labels)
    assert count.shape == ()
    assert cs.value(count) == count_correct_int(preds.ravel(), labels.ravel())
    assert r1cs.n_constraints == 2 * 15 + 1
    report = mutation_check(r1cs, w, include_inputs=True)
    assert report.ok, report.describe()
    for delta in (1, -1):
        bad = list(w)
        bad[wire_of(cs, count)] += delta
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)


def test_predictions_scored_against_labels():
    # The logistic-regression pattern: signs of a block of scores, counted against labels.
    scores = np.array([-5, 3, 0, -1, 7, -100])
    labels = np.array([0, 1, 0, 0, 0, 1])
    cs = ConstraintSystem()
    s = cs.private("s", shape=(6,))
    lab = cs.private("l", shape=(6,))
    count = count_correct(cs, predict_bit(cs, s, 8), lab)
    r1cs = cs.build()
    assert r1cs.n_constraints == 6 * 8 + 2 * 6 + 1
    check(r1cs, cs.witness({"s": scores, "l": labels}))
    assert cs.value(count) == count_correct_int(predict_bit_np(scores), labels) == 3


# -- the circuit's shape never depends on the witness ---------------------------------------


def test_every_gadget_builds_the_same_circuit_with_or_without_values():
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
        g.sigmoid(cs, a, 4, 20, extra=3)
        p = g.predict_bit(cs, b, 16)
        g.argmax(cs, stack([a, b, c]), 16)
        g.count_correct(cs, stack([p, bit]), stack([lab, 1]))

    values = [-300, 250, 77, 9, 1, 0]
    systems, witnesses = [], []
    for with_values in (True, False):
        cs = ConstraintSystem()
        xs = [cs.private(f"x{i}", to_field(v) if with_values else None) for i, v in enumerate(values)]
        circuit(cs, xs)
        r1cs = cs.build()
        w = cs.witness() if with_values else cs.witness({f"x{i}": v for i, v in enumerate(values)})
        check(r1cs, w)
        systems.append(r1cs)
        witnesses.append(w)
    assert systems[0].constraints == systems[1].constraints
    assert systems[0].n_wires == systems[1].n_wires
    assert circuit_hash(systems[0]) == circuit_hash(systems[1])
    assert witnesses[0] == witnesses[1]
