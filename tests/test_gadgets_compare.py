"""Signs, less_than, is_zero/is_equal, select, maximum/minimum, with wrong witnesses."""

from __future__ import annotations

import numpy as np
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


def signed_st(n: int):
    return st.integers(-(2 ** (n - 1)), 2 ** (n - 1) - 1)


def edges(n: int) -> list[int]:
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    return sorted(x for x in {lo, lo + 1, -1, 0, 1, hi - 1, hi} if lo <= x <= hi)


# -- signs ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 8, 32])
def test_sign_bits_on_edges(n):
    neg_cs, neg_r1cs, neg = define(is_negative, 1, n)
    pos_cs, pos_r1cs, pos = define(is_nonnegative, 1, n)
    assert neg_r1cs.n_constraints == pos_r1cs.n_constraints == max(n, 2)
    for x in edges(n):
        solve(neg_cs, x)
        assert neg_cs.value(neg) == int(x < 0)
        solve(pos_cs, x)
        assert pos_cs.value(pos) == int(x >= 0)
    for bad in (-(2 ** (n - 1)) - 1, 2 ** (n - 1)):
        with pytest.raises(InputError, match=f"does not fit in {n} signed bits"):
            neg_cs.witness({"x0": bad})


@pytest.mark.parametrize("gadget", [is_negative, is_nonnegative])
def test_sign_bit_is_forced(gadget):
    # For every x of a 4-bit width (and beyond it) exactly one hint assignment exists,
    # and it carries the right sign; out-of-range x has none.
    cs, r1cs, bit = define(gadget, 1, 4)
    assert wire_of(cs, bit) == 2
    w = solve(cs, 0)
    for x in range(-10, 10):
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
    cs, r1cs, lt = define(less_than, 2, n)
    assert r1cs.n_constraints == n + 1
    for a in edges(n):
        for b in edges(n):
            solve(cs, a, b)
            assert cs.value(lt) == int(a < b)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 120).flatmap(lambda n: st.tuples(st.just(n), signed_st(n), signed_st(n))))
def test_less_than_agrees_with_python(nab):
    n, a, b = nab
    cs, _, _, lt = instance(less_than, [a, b], n)
    assert cs.value(lt) == int(a < b)


def test_less_than_refuses_a_too_large_difference():
    cs, r1cs, lt = define(less_than, 2, 8)
    with pytest.raises(InputError, match="does not fit in 9 signed bits"):
        cs.witness({"x0": 2**8, "x1": -(2**8) + 1})  # a - b = 2^9 - 1 > 2^8
    # Within 2^n the gadget still answers right even for inputs outside n bits.
    solve(cs, 300, 400)
    assert cs.value(lt) == 1


def test_flipped_less_than_bit_is_rejected():
    cs, r1cs, lt = define(less_than, 2, 4)
    lt_wire = wire_of(cs, lt)
    assert lt_wire == 3
    for a, b in [(3, 5), (5, 3), (-4, -4), (-8, 7), (7, -8)]:
        w = solve(cs, a, b)
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
    assert wire_of(cs, z) == z_wire
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
    assert wire_of(cs, out) == 4
    w[4] = (w[4] + 1) % R
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, w)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64).flatmap(lambda n: st.tuples(st.just(n), signed_st(n), signed_st(n))))
def test_maximum_minimum(nab):
    n, a, b = nab
    cs, r1cs, _, hi = instance(maximum, [a, b], n)
    assert from_field(cs.value(hi)) == max(a, b)
    assert r1cs.n_constraints == n + 2
    cs, _, _, lo = instance(minimum, [a, b], n)
    assert from_field(cs.value(lo)) == min(a, b)


def test_maximum_minimum_refuse_a_too_large_difference():
    cs, _, _ = define(maximum, 2, 8)
    with pytest.raises(InputError, match="signed bits"):
        cs.witness({"x0": -(2**8), "x1": 2**8})


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


# -- blocks ------------------------------------------------------------------------------


N = 6
A = np.array([[-32, -1, 0, 31], [5, -5, 17, -17], [0, 0, 31, -32]])  # shape (3, 4), signed 6-bit
B = np.array([[31, -1, 1, -32], [5, 4, -17, 17], [0, 1, -32, 31]])


@pytest.mark.parametrize(
    "gadget, n_in, args, per_element, expected",
    [
        (is_negative, 1, (N,), N, lambda a, b: (a < 0).astype(int)),
        (is_nonnegative, 1, (N,), N, lambda a, b: (a >= 0).astype(int)),
        (less_than, 2, (N,), N + 1, lambda a, b: (a < b).astype(int)),
        (is_zero, 1, (), 2, lambda a, b: (a == 0).astype(int)),
        (is_equal, 2, (), 2, lambda a, b: (a == b).astype(int)),
        (maximum, 2, (N,), N + 2, lambda a, b: np.maximum(a, b)),
        (minimum, 2, (N,), N + 2, lambda a, b: np.minimum(a, b)),
    ],
)
def test_gadgets_on_a_block_match_the_integers(gadget, n_in, args, per_element, expected):
    cs, r1cs, out = define(gadget, n_in, *args, shapes=[A.shape] * n_in, name="g")
    assert out.shape == A.shape
    assert r1cs.n_constraints == per_element * A.size
    values = (A, B)[:n_in]
    solve(cs, *values)
    assert signed(cs.value(out)).tolist() == expected(A, B).tolist()
    # Every element agrees with the scalar gadget too.
    for i, j in np.ndindex(A.shape):
        scs, _, _, sout = instance(gadget, [int(v[i, j]) for v in values], *args)
        assert from_field(scs.value(sout)) == int(expected(A, B)[i, j])


def test_comparisons_broadcast_between_blocks():
    # A column against a row: every pair compared, one gadget call.
    cs, r1cs, lt = define(less_than, 2, N, shapes=[(4, 1), (3,)])
    assert lt.shape == (4, 3) and r1cs.n_constraints == 12 * (N + 1)
    a, b = np.array([[-32], [-1], [0], [31]]), np.array([-32, 0, 31])
    solve(cs, a, b)
    assert cs.value(lt).tolist() == (a < b).astype(int).tolist()
    cs, r1cs, out = define(select, 3, shapes=[(2, 1), (2, 3), ()])
    solve(cs, [[1], [0]], [[1, 2, 3], [4, 5, 6]], -9)
    assert signed(cs.value(out)).tolist() == [[1, 2, 3], [-9, -9, -9]]
    assert r1cs.n_constraints == 6


def test_a_bad_element_of_a_block_is_named():
    cs, _, _ = define(is_negative, 1, N, shapes=[(2, 3)], name="s")
    with pytest.raises(InputError, match=r"s \(at \[1, 2\]\) does not fit in 6 signed bits"):
        cs.witness({"x0": [[0, 1, 2], [3, 4, 32]]})
    cs, _, _ = define(less_than, 2, N, shapes=[(3,), (3,)], name="lt")
    with pytest.raises(InputError, match=r"lt \(at \[1\]\)"):
        cs.witness({"x0": [0, 32, 0], "x1": [0, -32, 0]})


@pytest.mark.parametrize(
    "gadget, n_in, args",
    [(is_negative, 1, (4,)), (less_than, 2, (4,)), (is_equal, 2, ()), (maximum, 2, (4,)), (select, 3, ())],
)
def test_a_single_wrong_output_in_a_block_is_rejected(gadget, n_in, args):
    a, b = np.array([-8, 3, 0]), np.array([7, 3, -1])
    values = {1: (a,), 2: (a, b), 3: (np.array([1, 0, 1]), a, b)}[n_in]
    cs, r1cs, out = define(gadget, n_in, *args, shapes=[(3,)] * n_in, name="g")
    w = solve(cs, *values)
    outs = wire_of(cs, out)
    allowed = []
    if gadget is is_equal:  # the inverse hints follow the output block; free where a == b
        allowed = [outs[k] + 3 for k in range(3) if a[k] == b[k]]
    report = mutation_check(r1cs, w, allowed_free=allowed)
    assert report.ok, report.describe()
    assert sorted(report.allowed) == allowed
    for k in range(3):
        for delta in (1, -1):
            bad = list(w)
            bad[outs[k]] = (bad[outs[k]] + delta) % R
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name.endswith(f"[{k}]")
