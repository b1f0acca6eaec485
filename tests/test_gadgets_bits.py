"""Signed field encoding, bit decomposition and range checks, with wrong witnesses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets import (
    decompose,
    exhaustive_mutation_check,
    find_witnesses,
    from_field,
    mutation_check,
    range_check,
    signed_range_check,
    to_bits,
    to_field,
)
from zkanchor.gadgets.field import HALF, fits_signed
from zkanchor.r1cs import ConstraintSystem, check


def instance(x: int, gadget, *args):
    """A private input x (signed), one gadget applied; returns cs, r1cs, witness, x, output."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    out = gadget(cs, xv, *args)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, xv, out


def internal_wires(r1cs) -> list[int]:
    return list(range(1 + r1cs.n_public + r1cs.n_prv_in, r1cs.n_wires))


# -- field encoding -----------------------------------------------------------------


def test_to_field_and_back():
    for x in (0, 1, -1, 2**200, -(2**200), HALF, -HALF):
        assert from_field(to_field(x)) == x
    assert to_field(-1) == R - 1
    assert from_field(HALF + 1) == HALF + 1 - R
    assert to_field(np.int64(-5)) == R - 5


@pytest.mark.parametrize("bad", [HALF + 1, -HALF - 1, True, 1.0, "3"])
def test_to_field_rejects(bad):
    with pytest.raises(InputError):
        to_field(bad)


@pytest.mark.parametrize("bad", [-1, R, 0.5])
def test_from_field_rejects(bad):
    with pytest.raises(InputError):
        from_field(bad)


# -- range_check / decompose / to_bits -----------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 8, 16, 64, 252])
def test_range_check_edges_and_cost(n):
    for x in (0, 1, 2**n - 1, 2 ** (n - 1)):
        cs, r1cs, _, _, _ = instance(x, range_check, n)
        assert r1cs.n_constraints == n
        assert r1cs.n_wires == 2 + n - 1  # one, x, n - 1 bit wires
    for bad in (b for b in (2**n, -1, 2 ** (n + 1) + 3) if abs(b) <= HALF):
        with pytest.raises(InputError, match="unsigned bits"):
            instance(bad, range_check, n)


def test_range_check_zero_width_means_zero():
    _, r1cs, w, _, _ = instance(0, range_check, 0)
    assert r1cs.n_constraints == 1
    with pytest.raises(InputError):
        instance(1, range_check, 0)


@pytest.mark.parametrize("n", [-1, 253, 2.0, True])
def test_widths_are_validated(n):
    with pytest.raises(InputError):
        instance(0, range_check, n)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 80).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, 2**n - 1))))
def test_decompose_and_to_bits_give_the_bits(nx):
    n, x = nx
    cs, r1cs, _, _, bits = instance(x, decompose, n)
    assert [cs.value(b) for b in bits] == [(x >> i) & 1 for i in range(n)]
    cs, r1cs, _, _, bits = instance(x, to_bits, n)
    assert r1cs.n_constraints == n + 1
    assert [cs.value(b) for b in bits] == [(x >> i) & 1 for i in range(n)]


@pytest.mark.parametrize("gadget", [range_check, to_bits])
@pytest.mark.parametrize("bad", [16, 17, 31, -1, -16, R // 2])
def test_check_refuses_out_of_range_whatever_the_bits(gadget, bad):
    # Build honestly for 5, then claim x = bad: no assignment of the hints satisfies.
    _, r1cs, w, xv, _ = instance(5, gadget, 4)
    w[1] = bad % R
    choices = {wire: (0, 1, 2, -1) for wire in internal_wires(r1cs)}
    assert find_witnesses(r1cs, w, choices) == []
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


@pytest.mark.parametrize("gadget", [range_check, to_bits])
def test_bits_are_unique(gadget):
    for x in range(16):
        _, r1cs, w, _, _ = instance(x, gadget, 4)
        choices = {wire: (0, 1, 2, -1, 3) for wire in internal_wires(r1cs)}
        found = find_witnesses(r1cs, w, choices)
        assert found == [{wire: w[wire] for wire in choices}]


def test_non_boolean_bit_is_rejected():
    # 3 = 1 + 2*1, but also 3 + 0*2 with a "bit" b0 = 3: only booleanity stops it.
    _, r1cs, w, _, bits = instance(3, to_bits, 2)
    w[2], w[3] = 3, 0
    with pytest.raises(UnsatisfiedConstraint, match="constraint 0"):
        check(r1cs, w)
    # The same cheat against decompose's implicit top bit: b0 = 3 makes the top bit 0.
    _, r1cs, w, _, _ = instance(3, decompose, 2)
    w[2] = 3
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_signed_range_check_edges(n):
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    for x in {lo, hi, 0, -1 if n > 1 else 0}:
        _, r1cs, _, _, _ = instance(x, signed_range_check, n)
        assert r1cs.n_constraints == n
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InputError, match="signed bits"):
            instance(bad, signed_range_check, n)
        _, r1cs, w, _, _ = instance(0, signed_range_check, n)
        w[1] = to_field(bad)
        choices = {wire: (0, 1, 2, -1) for wire in internal_wires(r1cs)}
        assert find_witnesses(r1cs, w, choices) == []


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 100), st.integers(-(2**100), 2**100))
def test_signed_range_check_agrees_with_the_range(n, x):
    if fits_signed(x, n):
        instance(x, signed_range_check, n)
    else:
        with pytest.raises(InputError):
            instance(x, signed_range_check, n)


def test_range_check_of_an_accumulated_combination():
    cs = ConstraintSystem()
    a = [cs.private(f"a{i}", i + 1) for i in range(4)]
    total = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 7  # = 1+4+9+16+7 = 37
    range_check(cs, total, 6)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert r1cs.n_constraints == 6
    assert mutation_check(r1cs, w).ok
    with pytest.raises(InputError):
        cs2 = ConstraintSystem()
        range_check(cs2, cs2.private("a", 60) + 4, 6)


def test_builds_without_values():
    cs = ConstraintSystem()
    x = cs.private("x")
    decompose(cs, x, 8)
    to_bits(cs, x, 8)
    signed_range_check(cs, x, 8)
    assert cs.n_constraints == 8 + 9 + 8


@pytest.mark.parametrize("gadget", [range_check, to_bits, signed_range_check, decompose])
def test_mutation_finds_no_free_wire(gadget):
    # A range check has no output, so its input may legitimately change (with the
    # implicit top bit); to_bits pins its input down through the bit wires.
    inputs = gadget is to_bits
    for x in (0, 1, 5, 7):
        _, r1cs, w, _, _ = instance(x, gadget, 4)
        report = mutation_check(r1cs, w, include_inputs=inputs)
        assert report.ok, report.describe()
        assert exhaustive_mutation_check(r1cs, w, include_inputs=inputs).ok
    _, r1cs, w, _, _ = instance(2**40 + 12345, gadget, 64)
    assert mutation_check(r1cs, w, include_inputs=inputs).ok
