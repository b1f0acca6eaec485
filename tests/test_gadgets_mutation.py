"""The mutation tester itself: it must flag under-constrained toys and pass sound ones."""

from __future__ import annotations

import numpy as np
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
from zkanchor.r1cs import LC, R1CS, ConstraintSystem, check, signed


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


def satisfied(cs):
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return r1cs, w


# -- deliberately under-constrained toys ---------------------------------------------------


def toy_sqrt(x: int):
    """y with y * y == x: -y satisfies it too, so y is free."""
    cs = ConstraintSystem()
    xv = cs.private("x", x * x)
    y = cs.hint(lambda v: x, [xv], (), "y")  # the prover's square root, any of the two
    cs.constrain(y, y, xv)
    return cs, wire_of(cs, y)


def toy_relu(x: int):
    """out * (out - x) == 0 only says out is 0 or x: the sign is never checked."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    out = cs.hint(lambda v: np.maximum(signed(v), 0), [xv], (), "out")
    cs.constrain(out, out - xv, 0)
    return cs, wire_of(cs, out)


def toy_truncate(x: int, shift: int):
    """A quotient hint that nobody constrains (the remainder range check was forgotten)."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    q = cs.hint(lambda v: signed(v) >> shift, [xv], (), "q")
    cs.mul(xv, xv)  # unrelated work, so the circuit is not empty
    return cs, wire_of(cs, q)


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
    cs.hint(lambda v: 9, [a], (), "forgotten")
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
    b = cs.hint(lambda v: (signed(v) >> np.arange(2)) & 1, [x], (2,), "b")
    cs.assert_equal(b.dot([1, 2]), x)
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


# -- blocks and other inputs -------------------------------------------------------------


def test_mutation_check_points_at_the_free_elements_of_a_block():
    # A vectorised toy relu: every element's output may be 0 or x, so each is free where
    # the other choice differs (x != 0); zeros are not.
    xs = [-3, 0, 5, 2]
    cs = ConstraintSystem()
    xv = cs.private("x", value=xs, shape=(4,))
    out = cs.hint(lambda v: np.maximum(signed(v), 0), [xv], (4,), "out")
    cs.constrain(out, out - xv, 0, "relu")
    r1cs, w = satisfied(cs)
    outs = wire_of(cs, out)
    report = mutation_check(r1cs, w)
    assert sorted(report.free) == [outs[k] for k in (0, 2, 3)]
    assert to_field(-3) in report.free[outs[0]] and 0 in report.free[outs[2]]
    # Constrained properly (out = x * [x >= 0] with a proven sign bit) nothing is free.
    from zkanchor.gadgets import relu

    cs = ConstraintSystem()
    relu(cs, cs.private("x", value=xs, shape=(4,)), 4)
    r1cs, w = satisfied(cs)
    assert mutation_check(r1cs, w, include_inputs=True).ok


def test_witness_arrays_and_hand_made_systems_are_accepted():
    # cs.solve's object array works as well as a list.
    cs = ConstraintSystem()
    a, b = cs.private("a", 6), cs.private("b", 7)
    cs.mul(a, b)
    r1cs = cs.build()
    w = cs.solve()
    assert mutation_check(r1cs, w).ok
    assert find_witnesses(r1cs, w, {3: range(40, 45)}) == [{3: 42}]
    # An R1CS made from dicts: w = [1, out, a, b] with a * b = out.  Every single change
    # breaks it, but the factors of 42 are a multi-wire degree of freedom.
    hand = R1CS.from_constraints(4, 1, 0, 2, [({2: 1}, {3: 1}, {1: 1})])
    report = mutation_check(hand, [1, 42, 6, 7], include_inputs=True, include_public=True)
    assert report.checked == [1, 2, 3] and report.ok
    found = find_witnesses(hand, [1, 42, 6, 7], {2: range(1, 43), 3: range(1, 43)})
    assert sorted(f[2] for f in found) == [1, 2, 3, 6, 7, 14, 21, 42]
