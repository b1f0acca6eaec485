"""The mutation tester itself: it must flag under-constrained toys and pass sound ones."""

from __future__ import annotations

import pytest

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.gadgets import (
    MutationReport,
    exhaustive_mutation_check,
    find_witnesses,
    mutation_check,
    to_bits,
    to_field,
)
from zkanchor.r1cs import ConstraintSystem, check


def satisfied(cs):
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return r1cs, w


# -- deliberately under-constrained toys ---------------------------------------------------


def toy_sqrt(x: int):
    """y with y * y == x: -y satisfies it too, so y is free."""
    cs = ConstraintSystem()
    xv = cs.private("x", x * x)
    y = cs.internal("y", x)
    cs.constrain(y, y, xv)
    return cs, cs.wire_of(y)


def toy_relu(x: int):
    """out * (out - x) == 0 only says out is 0 or x: the sign is never checked."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    out = cs.internal("out", to_field(max(x, 0)))
    cs.constrain(out, out - xv, 0)
    return cs, cs.wire_of(out)


def toy_truncate(x: int, shift: int):
    """A quotient hint that nobody constrains (the remainder range check was forgotten)."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    q = cs.internal("q", to_field(x >> shift))
    cs.mul(xv, xv)  # unrelated work, so the circuit is not empty
    return cs, cs.wire_of(q)


@pytest.mark.parametrize(
    "toy, args", [(toy_sqrt, (5,)), (toy_relu, (7,)), (toy_relu, (-7,)), (toy_truncate, (-100, 4))]
)
def test_mutation_check_flags_under_constrained_toys(toy, args):
    cs, bad_wire = toy(*args)
    r1cs, w = satisfied(cs)
    for report in (mutation_check(r1cs, w), exhaustive_mutation_check(r1cs, w, radius=10)):
        assert not report.ok
        assert bad_wire in report.free
        assert str(bad_wire) in report.describe()
        for value in report.free[bad_wire]:
            alt = list(w)
            alt[bad_wire] = value
            check(r1cs, alt)  # each reported value really is an alternative witness


def test_sqrt_toy_reports_the_negation():
    cs, wire = toy_sqrt(5)
    r1cs, w = satisfied(cs)
    assert (R - 5) in mutation_check(r1cs, w).free[wire]


def test_relu_toy_accepts_a_negative_output():
    # For x = -7 the toy accepts out = -7; only a neighbour's value exposes it.
    cs, wire = toy_relu(-7)
    r1cs, w = satisfied(cs)
    assert to_field(-7) in mutation_check(r1cs, w).free[wire]


def test_allowed_free_wires_are_reported_separately():
    cs, wire = toy_sqrt(5)
    r1cs, w = satisfied(cs)
    report = mutation_check(r1cs, w, allowed_free=[wire])
    assert report.ok
    assert wire in report.allowed
    assert "none accepted" in report.describe()


def test_sound_gadget_passes():
    cs = ConstraintSystem()
    a, b = cs.private("a", 6), cs.private("b", 7)
    cs.mul(cs.mul(a, b), a)
    r1cs, w = satisfied(cs)
    report = mutation_check(r1cs, w)
    assert report.ok and report.checked == [3, 4] and report.trials > 0
    assert exhaustive_mutation_check(r1cs, w).ok
    # With the inputs included: the product wires pin a and b down.
    assert mutation_check(r1cs, w, include_inputs=True).ok


def test_wires_with_no_constraint_are_free():
    cs = ConstraintSystem()
    a = cs.private("a", 2)
    cs.mul(a, a)
    cs.internal("forgotten", 9)
    r1cs, w = satisfied(cs)
    assert list(mutation_check(r1cs, w).free) == [3]


def test_public_inputs_are_optional():
    cs = ConstraintSystem()
    y = cs.public("y", 49)
    x = cs.private("x", 7)
    cs.assert_equal(cs.mul(x, x), y)
    r1cs, w = satisfied(cs)
    assert mutation_check(r1cs, w).checked == [3]
    assert mutation_check(r1cs, w, include_inputs=True).checked == [2, 3]
    report = mutation_check(r1cs, w, include_public=True)
    assert report.checked == [1, 2, 3]
    assert 2 in report.free  # x -> -x: the square root is ambiguous, as it should be flagged


def test_mutation_check_is_deterministic():
    cs, _ = toy_sqrt(5)
    r1cs, w = satisfied(cs)
    assert mutation_check(r1cs, w, seed=4) == mutation_check(r1cs, w, seed=4)


# -- multi-wire cheats need find_witnesses ---------------------------------------------------


def test_bits_without_booleanity_need_a_search():
    # Recomposition alone: 3 = b0 + 2*b1 also holds with b0 = 3, b1 = 0.  No single-wire
    # change can show it (each one breaks the sum), but enumerating two wires does.
    cs = ConstraintSystem()
    x = cs.private("x", 3)
    b0, b1 = cs.internal("b0", 1), cs.internal("b1", 1)
    cs.assert_equal(b0 + 2 * b1, x)
    r1cs, w = satisfied(cs)
    assert mutation_check(r1cs, w).ok  # the tester's documented blind spot
    found = find_witnesses(r1cs, w, {2: range(-4, 5), 3: range(-4, 5)})
    assert {2: 3, 3: 0} in found and len(found) > 1
    # The real gadget has exactly one.
    cs = ConstraintSystem()
    to_bits(cs, cs.private("x", 3), 2)
    r1cs, w = satisfied(cs)
    assert len(find_witnesses(r1cs, w, {2: range(-4, 5), 3: range(-4, 5)})) == 1


def test_find_witnesses_limits_and_errors():
    cs, wire = toy_sqrt(5)
    r1cs, w = satisfied(cs)
    assert len(find_witnesses(r1cs, w, {wire: [5, -5, 4]})) == 2
    assert len(find_witnesses(r1cs, w, {wire: [5, -5, 4]}, limit=1)) == 1
    with pytest.raises(InputError):
        find_witnesses(r1cs, w, {0: [1]})
    with pytest.raises(InputError, match="assignments"):
        find_witnesses(r1cs, w, {1: range(1001), wire: range(1001)})
    # Constraints untouched by the choices must already hold.
    bad = list(w)
    bad[1] = 26
    assert find_witnesses(r1cs, bad, {}) == []


def test_bad_arguments_are_refused():
    cs, _ = toy_sqrt(5)
    r1cs, w = satisfied(cs)
    bad = list(w)
    bad[2] = 4
    with pytest.raises(InputError, match="satisfied instance"):
        mutation_check(r1cs, bad)
    with pytest.raises(InputError):
        mutation_check(r1cs, w, wires=[0])
    with pytest.raises(InputError):
        mutation_check(r1cs, w, wires=[99])
    with pytest.raises(InputError):
        mutation_check(r1cs, w, trials_per_wire=-1)
    with pytest.raises(InputError):
        exhaustive_mutation_check(r1cs, w, radius=0)
    assert isinstance(mutation_check(r1cs, w, wires=[1]), MutationReport)
