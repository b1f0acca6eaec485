"""Truncation, fixed-point multiplication and division: answers, twins, wrong witnesses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets import (
    divide,
    divide_int,
    divide_np,
    exhaustive_mutation_check,
    find_witnesses,
    fixed_mul,
    fixed_mul_int,
    fixed_mul_np,
    from_field,
    mutation_check,
    to_field,
    truncate,
    truncate_int,
    truncate_np,
)
from zkanchor.r1cs import ConstraintSystem, check


def instance(gadget, inputs, *args, **kwargs):
    """Private signed inputs, one gadget applied; returns cs, r1cs, witness, output."""
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", to_field(v)) for i, v in enumerate(inputs)]
    out = gadget(cs, *xs, *args, **kwargs)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, out


def result(cs, out) -> int:
    return from_field(cs.value(out))


# -- truncate --------------------------------------------------------------------------


def test_truncate_is_floor_on_edges():
    shift, out_bits = 4, 6
    lo, hi = -(2**5) * 16, 2**5 * 16 - 1  # the x whose quotients fit in 6 signed bits
    for x in (0, 1, -1, 15, 16, -15, -16, -17, lo, hi):
        cs, r1cs, _, q = instance(truncate, [x], shift, out_bits)
        assert result(cs, q) == x // 16 == truncate_int(x, shift)
        assert r1cs.n_constraints == shift + out_bits
    assert truncate_int(-1, 4) == -1  # floor, not toward zero
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InputError, match="signed bits"):
            instance(truncate, [bad], shift, out_bits)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 60),
    st.integers(1, 64),
    st.integers(-(2**126), 2**126),
)
def test_truncate_matches_its_twins(shift, out_bits, x):
    q = x >> shift
    if not -(2 ** (out_bits - 1)) <= q < 2 ** (out_bits - 1):
        with pytest.raises(InputError):
            instance(truncate, [x], shift, out_bits)
        with pytest.raises(InputError):
            truncate_int(x, shift, out_bits)
        return
    cs, r1cs, _, out = instance(truncate, [x], shift, out_bits)
    assert result(cs, out) == truncate_int(x, shift, out_bits) == q
    assert r1cs.n_constraints == max(shift, 1) + out_bits
    if -(2**63) <= x < 2**63:
        assert int(truncate_np(np.array([x], dtype=np.int64), shift)[0]) == q


def test_truncate_np_is_elementwise_floor():
    rng = np.random.default_rng(1)
    x = rng.integers(-(2**40), 2**40, size=1000)
    for shift in (0, 1, 8, 16):
        got = truncate_np(x, shift)
        assert got.dtype == np.int64
        assert got.tolist() == [truncate_int(int(v), shift) for v in x]
    with pytest.raises(InputError):
        truncate_np(x, 4, out_bits=20)
    with pytest.raises(InputError):
        truncate_np(x.astype(float), 4)


def test_truncate_quotient_is_unique():
    # Every quotient near the honest one, with every choice of the hint bits: exactly
    # one assignment satisfies, so a remainder < 0 or >= 2^shift is impossible.
    for x in (-37, -1, 0, 5, 47):
        cs, r1cs, w, q = instance(truncate, [x], 3, 5)
        q_wire = cs.wire_of(q)
        choices = {wire: (0, 1, 2) for wire in range(3, r1cs.n_wires)}
        choices[q_wire] = range(from_field(w[q_wire]) - 4, from_field(w[q_wire]) + 5)
        found = find_witnesses(r1cs, w, choices)
        assert len(found) == 1 and from_field(found[0][q_wire]) == x // 8


def _bits_after(cs, r1cs, w, q_wire, q_new, shift, out_bits):
    """Witness with quotient q_new, remainder bits set to the low bits of x - q_new*2^shift."""
    bad = list(w)
    bad[q_wire] = to_field(q_new)
    r = (from_field(w[1]) - q_new * 2**shift) % R
    for i in range(shift - 1):
        bad[q_wire + 1 + i] = (r >> i) & 1
    off = q_new + 2 ** (out_bits - 1)
    for i in range(out_bits - 1):
        bad[q_wire + shift + i] = (off >> i) & 1
    return bad


@pytest.mark.parametrize("delta", [1, -1, 2])
def test_truncate_rejects_off_by_one_quotients(delta):
    # q + 1 needs the remainder r - 2^shift < 0; q - 1 needs r + 2^shift >= 2^shift.
    for x in (-100, -1, 0, 99):
        cs, r1cs, w, q = instance(truncate, [x], 4, 8, name="t")
        q_wire = cs.wire_of(q)
        bad = _bits_after(cs, r1cs, w, q_wire, x // 16 + delta, 4, 8)
        with pytest.raises(UnsatisfiedConstraint, match=r"t\.r\.b3"):
            check(r1cs, bad)
        honest = _bits_after(cs, r1cs, w, q_wire, x // 16, 4, 8)
        assert honest == w


def test_truncate_of_an_accumulated_dot_product():
    # The linear-regression pattern: plain products summed for free, truncated once.
    a, b = [3, -5, 7, 100, -2], [11, 13, -17, 19, -23]
    cs = ConstraintSystem()
    av = [cs.private(f"a{i}", to_field(v)) for i, v in enumerate(a)]
    bv = [cs.private(f"b{i}", to_field(v)) for i, v in enumerate(b)]
    acc = 0
    for x, y in zip(av, bv):
        acc = cs.mul(x, y) + acc
    q = truncate(cs, acc, 4, 12)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert from_field(cs.value(q)) == sum(x * y for x, y in zip(a, b)) >> 4
    assert r1cs.n_constraints == len(a) + 4 + 12
    assert mutation_check(r1cs, w).ok


@pytest.mark.parametrize("shift, out_bits", [(-1, 8), (8, 0), (200, 60), (4, 1.5)])
def test_truncate_widths_are_validated(shift, out_bits):
    with pytest.raises(InputError):
        instance(truncate, [3], shift, out_bits)


# -- fixed_mul -------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.integers(-(2**30), 2**30), st.integers(-(2**30), 2**30), st.integers(0, 20))
def test_fixed_mul_matches_its_twins(a, b, frac):
    cs, r1cs, _, out = instance(fixed_mul, [a, b], frac, 64)
    assert result(cs, out) == fixed_mul_int(a, b, frac) == (a * b) >> frac
    assert r1cs.n_constraints == 1 + max(frac, 1) + 64
    assert int(fixed_mul_np(np.array([a]), np.array([b]), frac)[0]) == (a * b) >> frac


def test_fixed_mul_by_a_constant_costs_no_product():
    cs = ConstraintSystem()
    x = cs.private("x", to_field(-300))
    out = fixed_mul(cs, x, 3 << 8, 8, 16)  # x * 3.0
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    assert from_field(cs.value(out)) == -900
    assert r1cs.n_constraints == 8 + 16


def test_fixed_mul_np_refuses_overflow():
    a = np.array([2**32, 1], dtype=np.int64)
    with pytest.raises(InputError, match="overflow"):
        fixed_mul_np(a, a, 8)
    assert fixed_mul_np(np.array([-3, 5]), np.array([7, -9]), 1).tolist() == [-11, -23]


# -- divide -----------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3, 7, 10, 16, 1000])
def test_divide_by_a_constant(d):
    for x in (0, 1, -1, d - 1, d, -d, -d - 1, 12345, -12345):
        cs, r1cs, _, q = instance(divide, [x], d, 20)
        assert result(cs, q) == x // d == divide_int(x, d)
        k = d.bit_length()
        assert r1cs.n_constraints == (k - 1 + 20 if d & (d - 1) == 0 else 2 * k + 20) + (d == 1)


@settings(max_examples=80, deadline=None)
@given(st.integers(-(2**60), 2**60), st.integers(1, 2**20))
def test_divide_by_a_variable_matches_its_twins(x, d):
    cs, r1cs, _, q = instance(divide, [x, d], 64, d_bits=20)
    assert result(cs, q) == x // d == divide_int(x, d, 64)
    assert r1cs.n_constraints == 1 + 2 * 20 + 64
    assert int(divide_np(np.array([x]), np.array([d]))[0]) == x // d


def test_divide_refuses_bad_divisors():
    with pytest.raises(InputError, match="positive"):
        instance(divide, [5], 0, 8)
    with pytest.raises(InputError, match="d_bits"):
        instance(divide, [5, 3], 8)
    with pytest.raises(InputError, match="divisor"):
        instance(divide, [5, 0], 8, d_bits=4)
    with pytest.raises(InputError, match="divisor"):
        instance(divide, [5, 17], 8, d_bits=4)
    with pytest.raises(InputError):
        divide_int(3, 0)
    with pytest.raises(InputError):
        divide_np(np.array([3]), np.array([-2]))


def test_divide_quotient_off_by_one_with_compensating_remainder():
    # x = 23, d = 5: honest q = 4, r = 3; the cheat q = 3, r = 8 (r >= d) and
    # q = 5, r = -2 (r < 0) keep x = q*d + r but must fail the remainder checks.
    for cheat_q in (3, 5):
        cs, r1cs, w, q = instance(divide, [23, 5], 8, d_bits=4)
        q_wire = cs.wire_of(q)
        r_wire = q_wire + 1
        w[q_wire], w[r_wire] = to_field(cheat_q), to_field(23 - 5 * cheat_q)
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, w)
        # No setting of the range-check bits rescues it.
        choices = {wire: (0, 1) for wire in range(r_wire + 1, r1cs.n_wires)}
        assert find_witnesses(r1cs, w, choices) == []


def test_divide_is_unique_and_proves_the_divisor_positive():
    cs, r1cs, w, q = instance(divide, [11, 3], 4, d_bits=2)
    q_wire = cs.wire_of(q)
    choices = {wire: (0, 1) for wire in range(q_wire + 2, r1cs.n_wires)}
    choices[q_wire] = range(-8, 8)
    choices[q_wire + 1] = range(-4, 8)
    assert len(find_witnesses(r1cs, w, choices)) == 1
    for zero_or_negative in (0, -1, -3):
        bad = list(w)
        bad[2] = to_field(zero_or_negative)
        assert find_witnesses(r1cs, bad, choices) == []


# -- no free wires ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "gadget, inputs, args, kwargs",
    [
        (truncate, [-1000], (4, 8), {}),
        (truncate, [1000], (4, 8), {}),
        (truncate, [0], (0, 8), {}),
        (fixed_mul, [-300, 77], (8, 16), {}),
        (divide, [-1000], (7, 12), {}),
        (divide, [1000], (8, 12), {}),
        (divide, [-1000, 7], (12,), {"d_bits": 4}),
        (divide, [999, 1], (12,), {"d_bits": 4}),
    ],
)
def test_mutation_finds_no_free_wire(gadget, inputs, args, kwargs):
    _, r1cs, w, _ = instance(gadget, inputs, *args, **kwargs)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    assert exhaustive_mutation_check(r1cs, w, radius=20).ok
