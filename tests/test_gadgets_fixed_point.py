"""Truncation, fixed-point multiplication, division and the gradient step: answers, twins,
wrong witnesses."""

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
    signed_range_check,
    to_field,
    truncate,
    truncate_int,
    truncate_np,
)
from zkanchor.gadgets.fixed_point import subtract_floor
from zkanchor.r1cs import LC, ConstraintSystem, check, signed


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


def define(gadget, n_inputs, *args, shapes=None, **kwargs):
    """Private inputs x0.. (of ``shapes``) and one gadget applied: cs, r1cs, output (no values)."""
    cs = ConstraintSystem()
    shapes = shapes or [()] * n_inputs
    xs = [cs.private(f"x{i}", shape=s) for i, s in enumerate(shapes)]
    out = gadget(cs, *xs, *args, **kwargs)
    return cs, cs.build(), out


def solve(cs, *values):
    w = cs.witness({f"x{i}": v for i, v in enumerate(values)})
    check(cs.build(), w)
    return w


def instance(gadget, inputs, *args, **kwargs):
    """Private signed inputs, one gadget applied; returns cs, r1cs, witness, output."""
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", to_field(v)) for i, v in enumerate(inputs)]
    out = gadget(cs, *xs, *args, **kwargs)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, out


def result(cs, out):
    v = cs.value(out)
    return from_field(v) if isinstance(v, int) else signed(v).tolist()


# -- truncate --------------------------------------------------------------------------


def test_truncate_is_floor_on_edges():
    shift, out_bits = 4, 6
    lo, hi = -(2**5) * 16, 2**5 * 16 - 1  # the x whose quotients fit in 6 signed bits
    cs, r1cs, q = define(truncate, 1, shift, out_bits)
    assert r1cs.n_constraints == shift + out_bits
    for x in (0, 1, -1, 15, 16, -15, -16, -17, lo, hi):
        solve(cs, x)
        assert result(cs, q) == x // 16 == truncate_int(x, shift)
    assert truncate_int(-1, 4) == -1  # floor, not toward zero
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InputError, match="does not fit in 6 signed bits"):
            cs.witness({"x0": bad})
        with pytest.raises(InputError):
            truncate_int(bad, shift, out_bits)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 60),
    st.integers(1, 64),
    st.integers(-(2**126), 2**126),
)
def test_truncate_matches_its_twins(shift, out_bits, x):
    q = x >> shift
    cs, r1cs, out = define(truncate, 1, shift, out_bits)
    assert r1cs.n_constraints == max(shift, 1) + out_bits
    if not -(2 ** (out_bits - 1)) <= q < 2 ** (out_bits - 1):
        with pytest.raises(InputError):
            cs.witness({"x0": x})
        with pytest.raises(InputError):
            truncate_int(x, shift, out_bits)
        return
    solve(cs, x)
    assert result(cs, out) == truncate_int(x, shift, out_bits) == q
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
    cs, r1cs, q = define(truncate, 1, 3, 5)
    q_wire = wire_of(cs, q)
    for x in (-37, -1, 0, 5, 47):
        w = solve(cs, x)
        choices = {wire: (0, 1, 2) for wire in range(3, r1cs.n_wires)}
        choices[q_wire] = range(from_field(w[q_wire]) - 4, from_field(w[q_wire]) + 5)
        found = find_witnesses(r1cs, w, choices)
        assert len(found) == 1 and from_field(found[0][q_wire]) == x // 8


def _bits_after(w, q_wire, q_new, shift, out_bits):
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
    cs, r1cs, q = define(truncate, 1, 4, 8, name="t")
    q_wire = wire_of(cs, q)
    for x in (-100, -1, 0, 99):
        w = solve(cs, x)
        bad = _bits_after(w, q_wire, x // 16 + delta, 4, 8)
        with pytest.raises(UnsatisfiedConstraint, match=r"t\.r\.b3"):
            check(r1cs, bad)
        honest = _bits_after(w, q_wire, x // 16, 4, 8)
        assert honest == w


def test_truncate_of_an_accumulated_dot_product():
    # The linear-regression pattern: plain products summed for free, truncated once.
    a, b = [3, -5, 7, 100, -2], [11, 13, -17, 19, -23]
    cs = ConstraintSystem()
    av = cs.private("a", shape=(5,))
    bv = cs.private("b", shape=(5,))
    q = truncate(cs, cs.mul(av, bv).sum(), 4, 12)
    r1cs, w = cs.build(), cs.witness({"a": a, "b": b})
    check(r1cs, w)
    assert from_field(cs.value(q)) == sum(x * y for x, y in zip(a, b)) >> 4
    assert r1cs.n_constraints == len(a) + 4 + 12
    assert mutation_check(r1cs, w).ok
    # A weight matrix against a batch: one block of products, summed along an axis.
    cs = ConstraintSystem()
    xs = cs.private("x", shape=(3, 4))
    ws = cs.private("w", shape=(4,))
    scores = truncate(cs, cs.mul(xs, ws).sum(axis=1), 2, 16)
    r1cs = cs.build()
    assert scores.shape == (3,) and r1cs.n_constraints == 12 + 3 * (2 + 16)
    x = np.arange(12).reshape(3, 4) - 6
    wv = np.array([5, -3, 2, 7])
    check(r1cs, cs.witness({"x": x, "w": wv}))
    assert result(cs, scores) == ((x * wv).sum(axis=1) >> 2).tolist()


@pytest.mark.parametrize("shift, out_bits", [(-1, 8), (8, 0), (200, 60), (4, 1.5), (True, 8), (4, True)])
def test_truncate_widths_are_validated(shift, out_bits):
    cs = ConstraintSystem()
    with pytest.raises(InputError):
        truncate(cs, cs.private("x", 3), shift, out_bits)


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
    cs, r1cs, q = define(divide, 1, d, 20)
    k = d.bit_length()
    assert r1cs.n_constraints == (k - 1 + 20 if d & (d - 1) == 0 else 2 * k + 20) + (d == 1)
    for x in (0, 1, -1, d - 1, d, -d, -d - 1, 12345, -12345):
        solve(cs, x)
        assert result(cs, q) == x // d == divide_int(x, d)


@settings(max_examples=80, deadline=None)
@given(st.integers(-(2**60), 2**60), st.integers(1, 2**20))
def test_divide_by_a_variable_matches_its_twins(x, d):
    cs, r1cs, _, q = instance(divide, [x, d], 64, d_bits=20)
    assert result(cs, q) == x // d == divide_int(x, d, 64)
    assert r1cs.n_constraints == 1 + 2 * 20 + 64
    assert int(divide_np(np.array([x]), np.array([d]))[0]) == x // d


def test_divide_refuses_bad_divisors():
    # Constant divisors and missing widths are refused when the circuit is defined ...
    with pytest.raises(InputError, match="positive"):
        define(divide, 1, 0, 8)
    with pytest.raises(InputError, match="positive"):
        define(divide, 1, -3, 8)
    with pytest.raises(InputError, match="d_bits"):
        define(divide, 2, 8)
    with pytest.raises(InputError, match="same for every element"):
        define(divide, 1, np.array([3, 5]), 8, shapes=[(2,)])
    # ... a variable divisor's value only when it is solved.
    cs, _, _ = define(divide, 2, 8, d_bits=4)
    solve(cs, 5, 16)
    for bad in (0, 17, -1):
        with pytest.raises(InputError, match=r"the divisor must lie in \[1, 2\^4\]"):
            cs.witness({"x0": 5, "x1": bad})
    with pytest.raises(InputError):
        divide_int(3, 0)
    with pytest.raises(InputError):
        divide_np(np.array([3]), np.array([-2]))


def test_divide_quotient_off_by_one_with_compensating_remainder():
    # x = 23, d = 5: honest q = 4, r = 3; the cheat q = 3, r = 8 (r >= d) and
    # q = 5, r = -2 (r < 0) keep x = q*d + r but must fail the remainder checks.
    cs, r1cs, q = define(divide, 2, 8, d_bits=4)
    q_wire = wire_of(cs, q)
    r_wire = q_wire + 1
    for cheat_q in (3, 5):
        w = solve(cs, 23, 5)
        w[q_wire], w[r_wire] = to_field(cheat_q), to_field(23 - 5 * cheat_q)
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, w)
        # No setting of the range-check bits rescues it.
        choices = {wire: (0, 1) for wire in range(r_wire + 1, r1cs.n_wires)}
        assert find_witnesses(r1cs, w, choices) == []


def test_divide_is_unique_and_proves_the_divisor_positive():
    cs, r1cs, w, q = instance(divide, [11, 3], 4, d_bits=2)
    q_wire = wire_of(cs, q)
    choices = {wire: (0, 1) for wire in range(q_wire + 2, r1cs.n_wires)}
    choices[q_wire] = range(-8, 8)
    choices[q_wire + 1] = range(-4, 8)
    assert len(find_witnesses(r1cs, w, choices)) == 1
    for zero_or_negative in (0, -1, -3):
        bad = list(w)
        bad[2] = to_field(zero_or_negative)
        assert find_witnesses(r1cs, bad, choices) == []


# -- subtract_floor (the gradient step) ----------------------------------------------------


def _step(cs, w, x, shift, out_bits, name=None):
    signed_range_check(cs, w, out_bits, "w_in")  # the caller's guarantee
    return subtract_floor(cs, w, x, shift, out_bits, name)


@pytest.mark.parametrize("shift, out_bits", [(0, 4), (1, 3), (4, 8), (12, 20)])
def test_subtract_floor_on_edges_and_cost(shift, out_bits):
    lo, hi = -(2 ** (out_bits - 1)), 2 ** (out_bits - 1) - 1
    cs, r1cs, new = define(subtract_floor, 2, shift, out_bits, name="s")
    assert r1cs.n_constraints == max(shift, 1) + out_bits
    xs = sorted({0, 1, -1, 2**shift, -(2**shift), 2**shift - 1, -(2**shift) - 1, 5 * 2**shift + 3})
    for w in (lo, lo + 1, -1, 0, 1, hi - 1, hi):
        for x in xs:
            expected = w - (x >> shift)
            if lo <= expected <= hi:
                solve(cs, w, x)
                assert result(cs, new) == expected == w - truncate_int(x, shift)
            else:
                # The RESULT is range-checked: a step leaving the range cannot be proven.
                with pytest.raises(InputError, match=f"s does not fit in {out_bits} signed bits"):
                    cs.witness({"x0": w, "x1": x})


def test_subtract_floor_on_a_block_matches_the_integers():
    shift, out_bits = 6, 16
    rng = np.random.default_rng(7)
    cs, r1cs, new = define(subtract_floor, 2, shift, out_bits, shapes=[(3, 4), (3, 4)])
    assert new.shape == (3, 4) and r1cs.n_constraints == 12 * (shift + out_bits)
    w = rng.integers(-(2**12), 2**12, size=(3, 4))
    x = rng.integers(-(2**17), 2**17, size=(3, 4))
    solve(cs, w, x)
    assert result(cs, new) == (w - truncate_np(x, shift)).tolist()
    # Broadcasting: one weight vector, a batch of gradients of another shape.
    cs, r1cs, new = define(subtract_floor, 2, shift, out_bits, shapes=[(4,), (3, 4)])
    solve(cs, w[0], x)
    assert result(cs, new) == (w[0] - truncate_np(x, shift)).tolist()


def test_subtract_floor_has_one_witness():
    # With w range-checked, for every (w, x) of a small width: exactly one assignment of
    # the result, the remainder bit and the range-check bits satisfies, and it is
    # w - floor(x / 2^shift); when that leaves the range, none does.
    shift, out_bits = 2, 3
    cs = ConstraintSystem()
    wv, xv = cs.private("w", shape=()), cs.private("x", shape=())
    new = _step(cs, wv, xv, shift, out_bits)
    r1cs = cs.build()
    assert r1cs.n_constraints == out_bits + shift + out_bits
    new_wire = wire_of(cs, new)
    hints = list(range(new_wire + 1, r1cs.n_wires))
    assert len(hints) == (shift - 1) + (out_bits - 1)
    for w in range(-4, 4):
        base = cs.witness({"w": w, "x": 0})  # w's own range-check bits, honestly
        for x in range(-40, 40):
            trial = list(base)
            trial[2] = to_field(x)
            choices = {new_wire: range(-12, 12)} | {wire: (0, 1, 2, -1) for wire in hints}
            found = find_witnesses(r1cs, trial, choices)
            expected = w - (x >> shift)
            if -4 <= expected < 4:
                assert [from_field(f[new_wire]) for f in found] == [expected], (w, x)
            else:
                assert found == [], (w, x)


def test_subtract_floor_rejects_neighbouring_quotients():
    shift, out_bits = 4, 8
    cs = ConstraintSystem()
    wv, xv = cs.private("w", shape=(4,)), cs.private("x", shape=(4,))
    new = _step(cs, wv, xv, shift, out_bits, name="s")
    r1cs = cs.build()
    w = cs.witness({"w": [-100, 0, 5, 127], "x": [-1, 0, 99, 16 * 127]})
    check(r1cs, w)
    assert result(cs, new) == [-99, 0, -1, 0]
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    outs = wire_of(cs, new)
    for k in range(4):
        for delta in (1, -1, 16, -16):
            bad = list(w)
            bad[outs[k]] = (bad[outs[k]] + delta) % R
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name.endswith(f"[{k}]")


@pytest.mark.parametrize("shift, out_bits", [(-1, 8), (8, 0), (200, 52), (250, 2), (4, 1.5), (4, True)])
def test_subtract_floor_widths_are_validated(shift, out_bits):
    cs = ConstraintSystem()
    with pytest.raises(InputError):
        subtract_floor(cs, cs.private("w", 0), cs.private("x", 0), shift, out_bits)
    subtract_floor(ConstraintSystem(), 0, 0, 200, 51)  # shift + out_bits = 251 is the limit


# -- blocks ------------------------------------------------------------------------------


def test_truncate_fixed_mul_divide_on_blocks_match_the_twins():
    rng = np.random.default_rng(11)
    a = rng.integers(-(2**20), 2**20, size=(2, 5))
    b = rng.integers(-(2**20), 2**20, size=(2, 5))
    d = rng.integers(1, 2**10, size=(2, 5))
    cs = ConstraintSystem()
    av, bv, dv = (cs.private(n, shape=(2, 5)) for n in "abd")
    t = truncate(cs, av, 7, 16)
    m = fixed_mul(cs, av, bv, 8, 40)
    q7 = divide(cs, av, 7, 20)
    q = divide(cs, av, dv, 24, d_bits=10)
    r1cs = cs.build()
    assert r1cs.n_constraints == 10 * ((7 + 16) + (1 + 8 + 40) + (2 * 3 + 20) + (1 + 2 * 10 + 24))
    check(r1cs, cs.witness({"a": a, "b": b, "d": d}))
    assert result(cs, t) == truncate_np(a, 7).tolist()
    assert result(cs, m) == fixed_mul_np(a, b, 8).tolist()
    assert result(cs, q7) == divide_np(a, 7).tolist()
    assert result(cs, q) == divide_np(a, d).tolist()
    with pytest.raises(InputError, match=r"\(at \[1, 3\]\)"):
        bad = a.copy()
        bad[1, 3] = 2**30
        cs.witness({"a": bad, "b": b, "d": d})


@pytest.mark.parametrize(
    "gadget, n_in, args, kwargs",
    [
        (truncate, 1, (3, 6), {}),
        (fixed_mul, 2, (2, 8), {}),
        (divide, 1, (5, 6), {}),
        (divide, 2, (6,), {"d_bits": 3}),
    ],
)
def test_a_single_wrong_output_in_a_block_is_rejected(gadget, n_in, args, kwargs):
    values = ([-40, -1, 0, 39], [3, -7, 5, 1])[:n_in]
    if gadget is divide and n_in == 2:
        values = ([-40, -1, 0, 31], [3, 8, 5, 1])
    cs, r1cs, out = define(gadget, n_in, *args, shapes=[(4,)] * n_in, **kwargs)
    w = solve(cs, *values)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    outs = wire_of(cs, out)
    for k in range(4):
        for delta in (1, -1):
            bad = list(w)
            bad[outs[k]] = (bad[outs[k]] + delta) % R
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name is None or e.value.name.endswith(f"[{k}]")


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
        (subtract_floor, [-100, -1000], (4, 8), {}),
        (subtract_floor, [127, 15], (4, 8), {}),
    ],
)
def test_mutation_finds_no_free_wire(gadget, inputs, args, kwargs):
    _, r1cs, w, _ = instance(gadget, inputs, *args, **kwargs)
    report = mutation_check(r1cs, w)
    assert report.ok, report.describe()
    assert exhaustive_mutation_check(r1cs, w, radius=20).ok
