"""The circuit builder, the R1CS checker and the structural validator."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.r1cs import (
    R1CS,
    ConstraintSystem,
    LinearCombination,
    Var,
    as_lc,
    linear_sum,
    check,
    evaluate,
    public_inputs,
    validate,
)


def cubic(x: int = 3, y: int = 35) -> ConstraintSystem:
    """x^3 + x + 5 == y with y public and x private (the classic example)."""
    cs = ConstraintSystem()
    out = cs.public("y", y)
    xv = cs.private("x", x)
    x2 = cs.mul(xv, xv, "x2")
    x3 = cs.mul(x2, xv, "x3")
    cs.assert_equal(x3 + xv + 5, out, "result")
    return cs


# -- building and satisfying -------------------------------------------------------


def test_cubic_builds_and_is_satisfied():
    cs = cubic()
    r1cs, w = cs.build(), cs.witness()
    validate(r1cs)
    assert (r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in) == (5, 0, 1, 1)
    assert r1cs.n_constraints == 3
    assert r1cs.names == ["x2", "x3", "result"]
    assert w == [1, 35, 3, 9, 27]
    check(r1cs, w)
    assert public_inputs(r1cs, w) == [35]


def test_wrong_private_value_fails_at_the_result_constraint():
    cs = cubic(x=4)
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(cs.build(), cs.witness())
    assert (e.value.index, e.value.name) == (2, "result")
    assert "constraint 2 (result)" in str(e.value)


def test_check_names_the_first_failing_constraint():
    cs = cubic()
    r1cs, w = cs.build(), cs.witness()
    # x2 (wire 3) feeds constraints 0 and 1: the first one is reported.
    bad = list(w)
    bad[3] = 10
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert (e.value.index, e.value.name) == (0, "x2")
    # x3 (wire 4) appears in constraints 1 and 2.
    bad = list(w)
    bad[4] = 28
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert (e.value.index, e.value.name) == (1, "x3")
    # the public output only appears in the last one.
    bad = list(w)
    bad[1] = 36
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert (e.value.index, e.value.name) == (2, "result")
    assert "wires" in str(e.value) and "36" not in str(e.value)  # values are private


def test_unnamed_constraint_reports_index_only():
    cs = ConstraintSystem()
    a = cs.private(value=2)
    cs.constrain(a, a, 5)
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(cs.build(), cs.witness())
    assert e.value.index == 0 and e.value.name is None


def test_every_single_value_change_is_caught_in_cubic():
    cs = cubic()
    r1cs, w = cs.build(), cs.witness()
    for i in range(1, len(w)):
        bad = list(w)
        bad[i] = (bad[i] + 1) % R
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)


def test_wire_layout_puts_private_inputs_before_internal_wires():
    cs = ConstraintSystem()
    p = cs.public("p", 6)
    a = cs.private("a", 2)
    m = cs.mul(a, a, "m")  # internal, created before the private input b
    b = cs.private("b", 3)
    cs.assert_equal(m + b - 1, p)
    r1cs, w = cs.build(), cs.witness()
    assert [cs.wire_of(v) for v in (cs.one, p, a, b, m)] == [0, 1, 2, 3, 4]
    assert w == [1, 6, 2, 3, 4]
    assert (r1cs.n_pub_in, r1cs.n_prv_in, r1cs.n_wires) == (1, 2, 5)
    check(r1cs, w)
    # the remapping must reach the constraints too: B used id 4, now wire 3.
    assert r1cs.constraints[1][0] == {3: 1, 4: 1, 0: R - 1, 1: R - 1}


def test_values_are_reduced_and_negative_means_r_minus():
    cs = ConstraintSystem()
    a = cs.private("a", -1)
    b = cs.private("b", R + 5)
    assert cs.witness() == [1, R - 1, 5]
    c = cs.mul(a, b)
    assert cs.value(c) == R - 5
    cs.assert_equal(c, -5)
    check(cs.build(), cs.witness())


def test_assert_bool():
    for v, ok in ((0, True), (1, True), (2, False), (R - 1, False)):
        cs = ConstraintSystem()
        b = cs.private("b", v)
        cs.assert_bool(b, "is_bit")
        if ok:
            check(cs.build(), cs.witness())
        else:
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(cs.build(), cs.witness())
            assert e.value.name == "is_bit"


def test_assign_later_and_hint_wires():
    cs = ConstraintSystem()
    t = cs.private("t")
    inv = cs.internal("inv")
    cs.constrain(t, inv, 1, "inverse")
    cs.assign(t, 7)
    cs.assign(inv, pow(7, -1, R))
    check(cs.build(), cs.witness())
    cs.assign(inv, 3)
    with pytest.raises(UnsatisfiedConstraint):
        check(cs.build(), cs.witness())


# -- errors ------------------------------------------------------------------------


def test_missing_value_names_the_variable():
    cs = ConstraintSystem()
    a = cs.private("a", 3)
    b = cs.private("secret_b")
    m = cs.mul(a, b, "m")
    assert cs.value(m) is None  # unknown factor -> unknown product
    with pytest.raises(InputError, match="secret_b"):
        cs.witness()
    cs.assign(b, 4)
    with pytest.raises(InputError, match="'m'"):  # mul computed nothing earlier
        cs.witness()
    cs.assign(m, 12)
    check(cs.build(), cs.witness())


def test_missing_unnamed_variable_is_still_identified():
    cs = ConstraintSystem()
    cs.private(value=1)
    cs.private()
    with pytest.raises(InputError, match="private input v2"):
        cs.witness()


def test_public_after_private_or_internal_is_rejected():
    cs = ConstraintSystem()
    cs.public("a", 1)
    cs.public("b", 2)  # fine: still only public inputs
    cs.private("c", 3)
    with pytest.raises(InputError, match="'late'.*declare every public input first"):
        cs.public("late", 4)
    cs2 = ConstraintSystem()
    x = cs2.public("x", 2)
    cs2.mul(x, x)
    with pytest.raises(InputError, match="declare every public input first"):
        cs2.public()


def test_multiplying_two_variables_in_a_linear_combination_is_an_error():
    cs = ConstraintSystem()
    a, b = cs.private("a", 1), cs.private("b", 2)
    with pytest.raises(InputError, match="cs.mul"):
        a * b
    with pytest.raises(InputError, match="cs.mul"):
        (a + 1) * (b - 1)


def test_bad_operands_and_foreign_variables():
    cs = ConstraintSystem()
    a = cs.private("a", 1)
    with pytest.raises(InputError, match="float"):
        cs.constrain(a, 1.5, a)
    with pytest.raises(InputError, match="not a variable"):
        cs.constrain(Var(99), 1, a)
    with pytest.raises(InputError, match="not a variable"):
        cs.mul(Var(42), a)
    assert cs.n_variables == 2  # the failed mul added no wire
    with pytest.raises(InputError, match="must be an int"):
        cs.private("f", 1.0)
    with pytest.raises(InputError, match="constant-1"):
        cs.assign(cs.one, 5)


# -- linear combinations -----------------------------------------------------------


def test_linear_combination_arithmetic():
    vals = [1, 10, 20]
    x, y = Var(1, "x"), Var(2, "y")
    assert (x + y).value(vals) == 30
    assert (x - y).value(vals) == R - 10
    assert (-x).value(vals) == R - 10
    assert (3 - x).value(vals) == R - 7
    assert (x - 3).value(vals) == 7
    assert (2 * x + y * 3 - 4).value(vals) == 76
    assert ((x + 1) * 2).value(vals) == 22
    assert (x * LinearCombination.constant(5)).value(vals) == 50
    assert (LinearCombination.constant(5) * (x + y)).value(vals) == 150
    assert (x - x).terms == {}
    assert (x + y - y) == x
    assert as_lc(7) == LinearCombination({0: 7})
    assert (x + y).value({1: 10}) is None
    assert x.value([1]) is None
    assert (x + 0).value(vals) == 10


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(2**300), 2**300), min_size=3, max_size=3),
    st.lists(st.integers(-(2**70), 2**70), min_size=3, max_size=3),
)
def test_linear_combination_matches_integer_arithmetic(coeffs, xs):
    vals = [1] + [v % R for v in xs]
    vs = [Var(i + 1) for i in range(3)]
    lc = coeffs[0] * vs[0] - coeffs[1] * vs[1] + vs[2] * coeffs[2] + 17
    expected = coeffs[0] * xs[0] - coeffs[1] * xs[1] + coeffs[2] * xs[2] + 17
    assert lc.value(vals) == expected % R
    assert all(0 < c < R for c in lc.terms.values())


# -- evaluate / check / validate on hand-made systems ------------------------------


def simple_r1cs() -> R1CS:
    # w = [1, out, a, b]; a * b = out and (a + b) * 1 = 7
    return R1CS(
        n_wires=4, n_pub_out=1, n_pub_in=0, n_prv_in=2,
        constraints=[({2: 1}, {3: 1}, {1: 1}), ({2: 1, 3: 1}, {0: 1}, {0: 7})],
    )


def test_evaluate_returns_the_three_products():
    a, b, c = evaluate(simple_r1cs(), [1, 12, 3, 4])
    assert (a, b, c) == ([3, 7], [4, 1], [12, 7])
    a, b, c = evaluate(simple_r1cs(), [1, 13, 3, 5])  # unsatisfied is fine here
    assert (a, b, c) == ([3, 8], [5, 1], [13, 7])


@pytest.mark.parametrize(
    "witness, message",
    [
        ([1, 12, 3], "3 values"),
        ([1, 12, 3, 4, 0], "5 values"),
        ([2, 12, 3, 4], "must be 1"),
        ([1, 12, 3, R], "value 3 is not in the field range"),
        ([1, -12, 3, 4], "value 1 is not in the field range"),
        ([1, 12.0, 3, 4], "float"),
        ([1, True, 3, 4], "bool"),
        ("1234", "list"),
    ],
)
def test_check_rejects_malformed_witnesses(witness, message):
    with pytest.raises(InputError, match=message) as e:
        check(simple_r1cs(), witness)
    assert not isinstance(e.value, UnsatisfiedConstraint)
    with pytest.raises(InputError, match=message):
        evaluate(simple_r1cs(), witness)


def test_public_inputs_takes_outputs_then_inputs():
    r1cs = R1CS(n_wires=6, n_pub_out=2, n_pub_in=1, n_prv_in=1, constraints=[])
    assert r1cs.n_public == 3
    assert public_inputs(r1cs, [1, 10, 11, 12, 13, 14]) == [10, 11, 12]
    with pytest.raises(InputError):
        public_inputs(r1cs, [1, 10])


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(constraints=[({4: 1}, {}, {})]), "wire 4, out of range"),
        (dict(constraints=[({-1: 1}, {}, {})]), "wire -1"),
        (dict(constraints=[({1: R}, {}, {})]), "outside \\[0, R\\)"),
        (dict(constraints=[({1: -1}, {}, {})]), "outside \\[0, R\\)"),
        (dict(constraints=[({1: 1}, {})]), "not a tuple"),
        (dict(constraints=[({1: 1}, [], {})]), "B is not a dict"),
        (dict(prime=R + 2), "BN254"),
        (dict(n_wires=3), "more than the 3 wires"),
        (dict(n_wires=0, n_pub_out=0, n_prv_in=0), "at least wire 0"),
        (dict(n_prv_in=-1), "non-negative"),
        (dict(names=["a"]), "1 names for 2 constraints"),
        (dict(wire_to_label=[0, 1, 2]), "3 entries"),
        (dict(wire_to_label=[0, 1, 2, 2**64]), "wire_to_label\\[3\\]"),
        (dict(n_labels=-5), "n_labels"),
    ],
)
def test_validate_rejects_structural_problems(change, message):
    r1cs = simple_r1cs()
    validate(r1cs)
    for k, v in change.items():
        setattr(r1cs, k, v)
    with pytest.raises(InputError, match=message):
        validate(r1cs)


def test_check_names_the_last_constraint_of_a_large_system():
    rng = random.Random(1)
    cs = ConstraintSystem()
    xs = [cs.private(value=rng.randrange(R)) for _ in range(200)]
    acc = cs.private(value=rng.randrange(R))
    for i in range(30_000):
        acc = cs.mul(acc + xs[i % 200] * 3 + 1, xs[(i * 7) % 200] - acc)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    bad = list(w)
    bad[-1] = (bad[-1] + 1) % R
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert e.value.index == 29_999


def test_linear_sum_matches_repeated_addition():
    cs = ConstraintSystem()
    xs = [cs.private(value=v) for v in (3, 5, 7)]
    total = linear_sum(xs + [xs[0], 4], [1, 2, 3, -1, 10])
    assert total == xs[1] * 2 + xs[2] * 3 + 40
    assert cs.value(total) == 10 + 21 + 40
    assert linear_sum(xs) == xs[0] + xs[1] + xs[2]
