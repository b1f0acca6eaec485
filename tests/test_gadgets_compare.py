"""Signs, less_than, is_zero/is_equal, select, maximum/minimum, with wrong witnesses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets import (
    exhaustive_mutation_check,
    find_witnesses,
    from_field,
    is_equal,
    is_negative,
    is_nonnegative,
    is_zero,
    less_than,
    maximum,
    minimum,
    mutation_check,
    select,
    to_field,
)
from zkanchor.r1cs import ConstraintSystem, check


def instance(gadget, inputs, *args):
    """Private signed inputs, one gadget applied; returns cs, r1cs, witness, output."""
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", to_field(v)) for i, v in enumerate(inputs)]
    out = gadget(cs, *xs, *args)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, out


def signed(n: int):
    return st.integers(-(2 ** (n - 1)), 2 ** (n - 1) - 1)


def edges(n: int) -> list[int]:
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    return sorted(x for x in {lo, lo + 1, -1, 0, 1, hi - 1, hi} if lo <= x <= hi)


# -- signs ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 8, 32])
def test_sign_bits_on_edges(n):
    for x in edges(n):
        cs, r1cs, _, neg = instance(is_negative, [x], n)
        assert cs.value(neg) == int(x < 0)
        assert r1cs.n_constraints == max(n, 2)
        cs, _, _, pos = instance(is_nonnegative, [x], n)
        assert cs.value(pos) == int(x >= 0)
    for bad in (-(2 ** (n - 1)) - 1, 2 ** (n - 1)):
        with pytest.raises(InputError, match="signed bits"):
            instance(is_negative, [bad], n)


@pytest.mark.parametrize("gadget", [is_negative, is_nonnegative])
def test_sign_bit_is_forced(gadget):
    # For every x of a 4-bit width (and beyond it) exactly one hint assignment exists,
    # and it carries the right sign; out-of-range x has none.
    for x in range(-10, 10):
        _, r1cs, w, bit = instance(gadget, [0], 4)
        w[1] = to_field(x)
        choices = {wire: (0, 1, 2, -1) for wire in range(2, r1cs.n_wires)}
        found = find_witnesses(r1cs, w, choices)
        if -8 <= x < 8:
            assert len(found) == 1
            assert found[0][2] == int((x < 0) == (gadget is is_negative))
        else:
            assert found == []


# -- less_than ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 4, 16, 64])
def test_less_than_on_edges(n):
    for a in edges(n):
        for b in edges(n):
            cs, r1cs, _, lt = instance(less_than, [a, b], n)
            assert cs.value(lt) == int(a < b)
            assert r1cs.n_constraints == n + 1


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 120).flatmap(lambda n: st.tuples(st.just(n), signed(n), signed(n))))
def test_less_than_agrees_with_python(nab):
    n, a, b = nab
    cs, _, _, lt = instance(less_than, [a, b], n)
    assert cs.value(lt) == int(a < b)


def test_less_than_refuses_a_too_large_difference():
    with pytest.raises(InputError, match="signed bits"):
        instance(less_than, [2**8, -(2**8) + 1], 8)  # a - b = 2^9 - 1 > 2^8
    # Within 2^n the gadget still answers right even for inputs outside n bits.
    cs, _, _, lt = instance(less_than, [300, 400], 8)
    assert cs.value(lt) == 1


def test_flipped_less_than_bit_is_rejected():
    for a, b in [(3, 5), (5, 3), (-4, -4), (-8, 7), (7, -8)]:
        _, r1cs, w, lt = instance(less_than, [a, b], 4)
        lt_wire = 3
        w[lt_wire] = 1 - w[lt_wire]
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, w)
        # ... and no choice of the magnitude bits rescues the flipped bit.
        choices = {wire: (0, 1) for wire in range(4, r1cs.n_wires)}
        assert find_witnesses(r1cs, w, choices) == []


# -- is_zero / is_equal / select -------------------------------------------------------


@pytest.mark.parametrize("x", [0, 1, -1, 2**100, R // 2])
def test_is_zero(x):
    cs, r1cs, w, z = instance(is_zero, [x])
    assert cs.value(z) == int(x == 0)
    assert r1cs.n_constraints == 2
    z_wire, inv_wire = 2, 3
    bad = list(w)
    bad[z_wire] = 1 - bad[z_wire]
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, bad)
    report = mutation_check(r1cs, w, include_inputs=True, allowed_free=[inv_wire])
    assert report.ok, report.describe()
    # The inverse hint is free exactly when x == 0; z never is.
    assert (inv_wire in report.allowed) == (x == 0)


def test_is_zero_flipped_output_has_no_witness():
    for x in (0, 3):
        _, r1cs, w, _ = instance(is_zero, [x])
        w[2] = 1 - w[2]
        assert find_witnesses(r1cs, w, {3: list(range(-20, 20)) + [pow(3, -1, R)]}) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(-(2**64), 2**64), st.integers(-(2**64), 2**64))
def test_is_equal(a, b):
    cs, _, _, eq = instance(is_equal, [a, b])
    assert cs.value(eq) == int(a == b)
    cs, _, _, eq = instance(is_equal, [a, a])
    assert cs.value(eq) == 1


@pytest.mark.parametrize("bit", [0, 1])
def test_select(bit):
    cs, r1cs, w, out = instance(select, [bit, -7, 12])
    assert from_field(cs.value(out)) == (-7 if bit else 12)
    assert r1cs.n_constraints == 1
    w[4] = (w[4] + 1) % R
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64).flatmap(lambda n: st.tuples(st.just(n), signed(n), signed(n))))
def test_maximum_minimum(nab):
    n, a, b = nab
    cs, r1cs, _, hi = instance(maximum, [a, b], n)
    assert from_field(cs.value(hi)) == max(a, b)
    assert r1cs.n_constraints == n + 2
    cs, _, _, lo = instance(minimum, [a, b], n)
    assert from_field(cs.value(lo)) == min(a, b)


# -- no free wires -------------------------------------------------------------------


@pytest.mark.parametrize(
    "gadget, inputs, args",
    [
        (is_negative, [-5], (8,)),
        (is_negative, [0], (8,)),
        (is_nonnegative, [-128], (8,)),
        (is_nonnegative, [127], (8,)),
        (less_than, [-3, 4], (8,)),
        (less_than, [4, -3], (8,)),
        (less_than, [4, 4], (8,)),
        (is_zero, [9], ()),
        (is_equal, [9, 8], ()),
        (select, [1, 5, 9], ()),
        (select, [0, 5, 9], ()),
        (maximum, [-100, 100], (8,)),
        (minimum, [-100, 100], (8,)),
        (maximum, [7, 7], (8,)),
    ],
)
def test_mutation_finds_no_free_wire(gadget, inputs, args):
    _, r1cs, w, _ = instance(gadget, inputs, *args)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    assert exhaustive_mutation_check(r1cs, w, radius=40).ok
    # Here the hints also pin the inputs down (the magnitude bits, or the inverse), so an
    # input changed alone must be caught too; for select/max/min the unselected input
    # legitimately does not matter.
    if gadget in (is_negative, is_nonnegative, less_than, is_zero, is_equal):
        assert mutation_check(r1cs, w, include_inputs=True).ok
