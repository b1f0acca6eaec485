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
from zkanchor.r1cs import LC, ConstraintSystem, check


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


def define(gadget, *args, shape=(), **kwargs):
    """A private input x of ``shape`` and one gadget applied: cs, r1cs, output (no values yet)."""
    cs = ConstraintSystem()
    xv = cs.private("x", shape=shape)
    out = gadget(cs, xv, *args, **kwargs)
    return cs, cs.build(), out


def instance(x: int, gadget, *args, **kwargs):
    """A private input x (signed), one gadget applied; returns cs, r1cs, witness, x, output."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    out = gadget(cs, xv, *args, **kwargs)
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
    cs, r1cs, _ = define(range_check, n)
    assert r1cs.n_constraints == n
    assert r1cs.n_wires == 2 + n - 1  # one, x, n - 1 bit wires
    for x in (0, 1, 2**n - 1, 2 ** (n - 1)):
        check(r1cs, cs.witness({"x": x}))
    # Values are only seen when solving: that is where a bad one is refused.
    for bad in (b for b in (2**n, -1, 2 ** (n + 1) + 3) if abs(b) <= HALF):
        with pytest.raises(InputError, match="unsigned bits"):
            cs.witness({"x": to_field(bad)})


def test_range_check_zero_width_means_zero():
    cs, r1cs, _ = define(range_check, 0)
    assert r1cs.n_constraints == 1 and r1cs.n_wires == 2
    check(r1cs, cs.witness({"x": 0}))
    with pytest.raises(InputError, match="does not fit in 0 unsigned bits"):
        cs.witness({"x": 1})
    w = cs.witness({"x": 0})
    w[1] = 1
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


@pytest.mark.parametrize("n", [-1, 253, 2.0, True])
@pytest.mark.parametrize("gadget", [range_check, decompose, to_bits, signed_range_check])
def test_widths_are_validated(gadget, n):
    cs = ConstraintSystem()
    with pytest.raises(InputError, match="between"):
        gadget(cs, cs.private("x", 0), n)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 80).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, 2**n - 1))))
def test_decompose_and_to_bits_give_the_bits(nx):
    n, x = nx
    cs, r1cs, _, _, bits = instance(x, decompose, n)
    assert bits.shape == (n,)
    assert cs.value(bits).tolist() == [(x >> i) & 1 for i in range(n)]
    cs, r1cs, _, _, bits = instance(x, to_bits, n)
    assert r1cs.n_constraints == n + 1
    assert cs.value(bits).tolist() == [(x >> i) & 1 for i in range(n)]


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
    cs, r1cs, _ = define(gadget, 4)
    for x in range(16):
        w = cs.witness({"x": x})
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
    _, r1cs, w, _, _ = instance(3, decompose, 2, name="d")
    w[2] = 3
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, w)
    assert e.value.name == "d.b[0]"


@pytest.mark.parametrize("n", [1, 2, 5])
def test_signed_range_check_edges(n):
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    cs, r1cs, _ = define(signed_range_check, n)
    assert r1cs.n_constraints == n
    for x in {lo, hi, 0, -1 if n > 1 else 0}:
        check(r1cs, cs.witness({"x": x}))
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InputError, match="signed bits"):
            cs.witness({"x": bad})
        w = cs.witness({"x": 0})
        w[1] = to_field(bad)
        choices = {wire: (0, 1, 2, -1) for wire in internal_wires(r1cs)}
        assert find_witnesses(r1cs, w, choices) == []


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 100), st.integers(-(2**100), 2**100))
def test_signed_range_check_agrees_with_the_range(n, x):
    cs, r1cs, _ = define(signed_range_check, n)
    if fits_signed(x, n):
        check(r1cs, cs.witness({"x": x}))
    else:
        with pytest.raises(InputError, match="signed bits"):
            cs.witness({"x": x})


def test_range_check_of_an_accumulated_combination():
    cs = ConstraintSystem()
    a = [cs.private(f"a{i}", i + 1) for i in range(4)]
    total = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 7  # = 1+4+9+16+7 = 37
    range_check(cs, total, 6)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert r1cs.n_constraints == 6
    assert mutation_check(r1cs, w).ok
    cs2 = ConstraintSystem()
    range_check(cs2, cs2.private("a", 60) + 4, 6)  # defining it is fine ...
    with pytest.raises(InputError, match="unsigned bits"):
        cs2.witness()  # ... solving it is not: 64 needs 7 bits


def test_one_definition_serves_every_value():
    cs = ConstraintSystem()
    x = cs.private("x")
    decompose(cs, x, 8)
    to_bits(cs, x, 8)
    signed_range_check(cs, x, 8)
    r1cs = cs.build()
    assert cs.n_constraints == r1cs.n_constraints == 8 + 9 + 8
    for v in (0, 1, 100, 127):
        check(r1cs, cs.witness({"x": v}))
    with pytest.raises(InputError):
        cs.witness({"x": 128})  # fits 8 unsigned bits but not 8 signed ones


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


# -- blocks ------------------------------------------------------------------------------


@pytest.mark.parametrize("gadget", [decompose, to_bits])
def test_bits_of_a_block_match_the_integers(gadget):
    n = 6
    xs = np.array([[0, 1, 63], [32, 17, 42]])
    cs, r1cs, bits = define(gadget, n, shape=(2, 3), name="d")
    assert bits.shape == (2, 3, n)
    assert r1cs.n_constraints == 6 * (n if gadget is decompose else n + 1)
    w = cs.witness({"x": xs})
    check(r1cs, w)
    assert cs.value(bits).tolist() == [[[(int(x) >> i) & 1 for i in range(n)] for x in row] for row in xs]
    # The first element out of range is named, with its index.
    with pytest.raises(InputError, match=r"d \(at \[1, 0\]\) is negative or does not fit in 6 unsigned bits"):
        cs.witness({"x": [[0, 1, 63], [64, 17, 42]]})
    with pytest.raises(InputError, match=r"\(at \[0, 2\]\)"):
        cs.witness({"x": [[0, 1, -1], [64, 17, 42]]})


def test_range_checks_of_a_block_match_the_integers():
    rng = np.random.default_rng(5)
    n = 10
    cs = ConstraintSystem()
    u = cs.private("u", shape=(8,))
    s = cs.private("s", shape=(8,))
    range_check(cs, u, n, "u")
    signed_range_check(cs, s, n, "s")
    r1cs = cs.build()
    assert r1cs.n_constraints == 2 * 8 * n
    for _ in range(5):
        us = rng.integers(0, 2**n, size=8)
        ss = rng.integers(-(2 ** (n - 1)), 2 ** (n - 1), size=8)
        check(r1cs, cs.witness({"u": us, "s": ss}))
    edges_u = [0, 1, 2**n - 1, 2 ** (n - 1), 5, 6, 7, 8]
    edges_s = [-(2 ** (n - 1)), 2 ** (n - 1) - 1, -1, 0, 1, 2, 3, 4]
    check(r1cs, cs.witness({"u": edges_u, "s": edges_s}))
    with pytest.raises(InputError, match=r"u \(at \[3\]\)"):
        cs.witness({"u": [0, 1, 2, 2**n, 0, 0, 0, 0], "s": edges_s})
    with pytest.raises(InputError, match=r"s \(at \[7\]\) does not fit in 10 signed bits"):
        cs.witness({"u": edges_u, "s": [0] * 7 + [2 ** (n - 1)]})


@pytest.mark.parametrize("gadget", [decompose, to_bits])
def test_a_single_wrong_bit_in_a_block_is_rejected(gadget):
    cs, r1cs, bits = define(gadget, 4, shape=(3,), name="d")
    w = cs.witness({"x": [5, 0, 15]})
    check(r1cs, w)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    assert exhaustive_mutation_check(r1cs, w, radius=4).ok
    wires = wire_of(cs, bits) if gadget is to_bits else wire_of(cs, bits[:, :3])
    for row in range(3):
        for col in range(3):
            bad = list(w)
            bad[wires[row][col]] = 1 - bad[wires[row][col]]
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            # decompose: the flipped bit breaks its own row's top bit; to_bits: its row's sum.
            assert e.value.name == (f"d.b3[{row}]" if gadget is decompose else f"d.sum[{row}]")
    # One element claimed out of range: no bits of any row rescue it.
    bad = list(w)
    bad[wire_of(cs, LC.wires(np.array(2)))] = 16
    choices = {wire: (0, 1) for wire in internal_wires(r1cs)[:12]}
    assert find_witnesses(r1cs, bad, choices) == []
