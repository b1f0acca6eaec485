"""ReLU and the hard sigmoid: answers, twins, the documented error bound, wrong witnesses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets import (
    SIGMOID_CLAMP_ERROR,
    find_witnesses,
    from_field,
    mutation_check,
    relu,
    relu_int,
    relu_np,
    sigmoid,
    sigmoid_error_bound,
    sigmoid_int,
    sigmoid_np,
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


def define(gadget, *args, shape=(), **kwargs):
    """A private input x of ``shape`` and one gadget applied: cs, r1cs, output (no values yet)."""
    cs = ConstraintSystem()
    xv = cs.private("x", shape=shape)
    out = gadget(cs, xv, *args, **kwargs)
    return cs, cs.build(), out


def solve(cs, x):
    w = cs.witness({"x": x})
    check(cs.build(), w)
    return w


def instance(gadget, x, *args, **kwargs):
    """A private signed input x, one gadget applied; returns cs, r1cs, witness, output."""
    cs = ConstraintSystem()
    xv = cs.private("x", to_field(x))
    out = gadget(cs, xv, *args, **kwargs)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    return cs, r1cs, w, out


def sigmoid_cost(f: int, n: int, extra: int = 0) -> int:
    # n + 3 since the rewrite (was n + 4: the saturation test no longer needs its own
    # sign bit and counter wire, it reads them off the input's decomposition); just n
    # when n = f + extra + 2, where no input can saturate and the output is the line.
    return n if n == f + extra + 2 else n + 3


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# -- relu --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 8, 40])
def test_relu_on_edges(n):
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    cs, r1cs, out = define(relu, n)
    assert r1cs.n_constraints == n + 1
    for x in (lo, lo + 1, -1, 0, 1, hi):
        solve(cs, x)
        assert from_field(cs.value(out)) == max(x, 0) == relu_int(x, n)
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InputError, match=f"does not fit in {n} signed bits"):
            cs.witness({"x": bad})
        with pytest.raises(InputError):
            relu_int(bad, n)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 64).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(-(2 ** (n - 1)), 2 ** (n - 1) - 1))
    )
)
def test_relu_matches_its_twins(nx):
    n, x = nx
    cs, _, _, out = instance(relu, x, n)
    assert from_field(cs.value(out)) == relu_int(x) == int(relu_np(np.array([x]))[0])


@pytest.mark.parametrize("x", [-5, -1, 0, 1, 5])
def test_relu_output_of_the_wrong_sign_is_rejected(x):
    cs, r1cs, w, out = instance(relu, x, 4)
    out_wire = wire_of(cs, out)
    for wrong in {x, -x, 0, x + 1, x - 1} - {max(x, 0)}:
        bad = list(w)
        bad[out_wire] = to_field(wrong)
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)
    # No choice of the sign bit, magnitude bits and output other than the honest one.
    choices = {wire: (0, 1, 2) for wire in range(2, out_wire)}
    choices[out_wire] = range(-8, 8)
    found = find_witnesses(r1cs, w, choices)
    assert len(found) == 1 and from_field(found[0][out_wire]) == max(x, 0)


def test_relu_np_needs_integers():
    with pytest.raises(InputError):
        relu_np(np.array([0.5]))


def test_relu_on_a_block_matches_the_twin():
    n = 8
    xs = np.array([[-128, -1, 0, 1], [127, -77, 77, 3]])
    cs, r1cs, out = define(relu, n, shape=xs.shape, name="r")
    assert out.shape == xs.shape and r1cs.n_constraints == xs.size * (n + 1)
    w = solve(cs, xs)
    assert signed(cs.value(out)).tolist() == relu_np(xs).tolist()
    with pytest.raises(InputError, match=r"r \(at \[1, 0\]\) does not fit in 8 signed bits"):
        cs.witness({"x": [[0, 0, 0, 0], [128, 0, 0, 0]]})
    report = mutation_check(r1cs, w, include_inputs=True)
    assert report.ok, report.describe()
    outs = wire_of(cs, out)
    for i, j in np.ndindex(xs.shape):
        for wrong in {int(xs[i, j]), 0, int(xs[i, j]) + 1} - {max(int(xs[i, j]), 0)}:
            bad = list(w)
            bad[outs[i][j]] = to_field(wrong)
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name == f"r.relu[{i}, {j}]"


# -- sigmoid -----------------------------------------------------------------------------


def sigmoid_edges(f: int, n: int, extra: int = 0) -> list[int]:
    two = 2 ** (f + 1 + extra)  # |X| = 2 at the input's scale: where saturation starts
    lo, hi = -(2 ** (n - 1)), 2 ** (n - 1) - 1
    xs = {lo, lo + 1, hi - 1, hi}
    step = 2**extra  # X = floor(x / 2^extra) changes every 2^extra
    for edge in (-two, two):
        xs |= {edge + d for d in (-step - 1, -step, -step + 1, -2, -1, 0, 1, 2, step - 1, step, step + 1)}
    xs |= set(range(-5, 6))
    return sorted(x for x in xs if lo <= x <= hi)


@pytest.mark.parametrize("f, n", [(2, 4), (2, 5), (4, 8), (8, 14), (16, 40)])
def test_sigmoid_on_edges(f, n):
    cs, r1cs, out = define(sigmoid, f, n)
    assert r1cs.n_constraints == sigmoid_cost(f, n)
    for x in sigmoid_edges(f, n):
        solve(cs, x)
        expected = min(max(2 ** (f - 1) + x // 4, 0), 2**f)
        assert from_field(cs.value(out)) == expected == sigmoid_int(x, f, n)
    assert sigmoid_int(2 ** (f + 1), f) == 2**f and sigmoid_int(-(2 ** (f + 1)), f) == 0
    for bad in (-(2 ** (n - 1)) - 1, 2 ** (n - 1)):
        with pytest.raises(InputError, match=f"does not fit in {n} signed bits"):
            cs.witness({"x": bad})


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 20).flatmap(
        lambda f: st.integers(f + 2, 62).flatmap(
            lambda n: st.tuples(st.just(f), st.just(n), st.integers(-(2 ** (n - 1)), 2 ** (n - 1) - 1))
        )
    )
)
def test_sigmoid_matches_its_twins(fnx):
    f, n, x = fnx
    cs, r1cs, _, out = instance(sigmoid, x, f, n)
    assert from_field(cs.value(out)) == sigmoid_int(x, f) == int(sigmoid_np(np.array([x]), f)[0])
    assert r1cs.n_constraints == sigmoid_cost(f, n)


@pytest.mark.parametrize("f, n, extra", [(1, 8, 0), (8, 9, 0), (8, 253, 0), (4, 9, 4), (4, 12, -1), (4, 12, 1.0)])
def test_sigmoid_widths_are_validated(f, n, extra):
    cs = ConstraintSystem()
    with pytest.raises(InputError):
        sigmoid(cs, cs.private("x", 0), f, n, extra=extra)


@pytest.mark.parametrize("f", [8, 12, 16])
def test_sigmoid_error_bound_on_a_dense_grid(f):
    # Every fixed-point input with |x| < 32 (beyond it both functions are within
    # 1.3e-14 of 0 or 1 and the clamp is exact), against the real logistic function.
    xs = np.arange(-(2 ** (f + 5)), 2 ** (f + 5), dtype=np.int64)
    approx = sigmoid_np(xs, f).astype(np.float64) / 2**f
    err = np.abs(approx - logistic(xs / 2**f))
    worst = float(err.max())
    assert worst <= sigmoid_error_bound(f)
    # The bound is tight: the clamp's own error sigma(-2) is reached.
    assert worst >= SIGMOID_CLAMP_ERROR - 1e-9
    assert math.isclose(SIGMOID_CLAMP_ERROR, 0.11920292202211755)
    # Near 0 it is much better: 3/4 - sigma(1) ~= 0.0189 for |x| <= 1, plus the floor.
    near = np.abs(xs) <= 2**f
    assert float(err[near].max()) < 0.019 + 2.0**-f


def test_sigmoid_np_matches_sigmoid_int():
    xs = np.random.default_rng(3).integers(-(2**30), 2**30, size=500)
    assert sigmoid_np(xs, 16).tolist() == [sigmoid_int(int(x), 16) for x in xs]
    with pytest.raises(InputError):
        sigmoid_np(xs.astype(float), 16)


def _sigmoid_wires(cs, r1cs, out, n):
    """The decomposition's n - 1 bit wires, is_zero's z and inverse, and the output."""
    out_wire = wire_of(cs, out)
    wires = list(range(2, r1cs.n_wires))
    assert wires[-1] == out_wire and len(wires) == (n - 1) + 3
    return wires[: n - 1], wires[n - 1], wires[n], out_wire


@pytest.mark.parametrize("f, n, extra", [(2, 5, 0), (2, 6, 1)])
def test_sigmoid_output_is_forced(f, n, extra):
    # For every input in range (and two outside), enumerate the decomposition bits, z, a
    # few inverses and the output: every satisfying assignment carries the twin's output
    # (sigmoid_int(floor(x / 2^extra))), and out-of-range inputs have none.
    cs, r1cs, out = define(sigmoid, f, n, extra=extra)
    bits, z, inv, out_wire = _sigmoid_wires(cs, r1cs, out, n)
    w = solve(cs, 0)
    half = 2 ** (n - 1)
    for x in range(-half - 2, half + 2):
        w[1] = to_field(x)
        inverses = (0, 1, pow(2, -1, R), R - 1)
        choices = {z: (0, 1), inv: inverses, out_wire: range(-1, 2**f + 2)}
        choices.update({b: (0, 1) for b in bits})
        found = find_witnesses(r1cs, w, choices)
        if -half <= x < half:
            assert found and {a[out_wire] for a in found} == {sigmoid_int(x >> extra, f)}, x
            # Only the inverse may vary (when is_zero's input is 0): bits and z are forced.
            assert len({tuple(a[b] for b in bits) + (a[z],) for a in found}) == 1, x
        else:
            assert found == [], x


def test_sigmoid_cheats_are_rejected():
    f, n = 8, 14
    cs, r1cs, out = define(sigmoid, f, n)
    out_wire = wire_of(cs, out)
    z_wire = out_wire - 2  # is_zero's output, then its inverse, then the sigmoid
    for x in (-600, -513, -512, -3, 0, 3, 511, 512, 600):
        w = solve(cs, x)
        for delta in (1, -1):
            bad = list(w)
            bad[out_wire] = (bad[out_wire] + delta) % R
            with pytest.raises(UnsatisfiedConstraint):
                check(r1cs, bad)
        # Claim the other saturation state and output the line instead of the clamp (or
        # the clamp instead of the line).
        bad = list(w)
        bad[z_wire] = 1 - bad[z_wire]
        line = 2 ** (f - 1) + x // 4
        bad[out_wire] = to_field(line if w[z_wire] == 0 else (2**f if x >= 0 else 0))
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)


@pytest.mark.parametrize("x", [-1000, -513, -512, -100, -1, 0, 1, 100, 511, 512, 1000])
def test_mutation_finds_no_free_wire(x):
    f, n = 8, 14
    cs, r1cs, w, out = instance(sigmoid, x, f, n)
    inv_wire = wire_of(cs, out) - 1  # is_zero's inverse hint, created just before the output
    report = mutation_check(r1cs, w, allowed_free=[inv_wire])
    assert report.ok, report.describe()
    # The inverse hint is free exactly when the clamp does not apply (is_zero's input is 0).
    saturated = x >= 2 ** (f + 1) or x < -(2 ** (f + 1))
    assert (inv_wire in report.allowed) == (not saturated)
    _, r1cs, w, _ = instance(relu, x, n)
    assert mutation_check(r1cs, w, include_inputs=True).ok


# -- sigmoid with extra bits: an input at scale 2^(f + extra) ---------------------------------


@pytest.mark.parametrize("f, extra, n", [(2, 1, 6), (2, 3, 9), (4, 4, 12), (8, 8, 24), (16, 16, 40), (3, 2, 7)])
def test_sigmoid_with_extra_bits_on_edges(f, extra, n):
    cs, r1cs, out = define(sigmoid, f, n, extra=extra)
    assert r1cs.n_constraints == sigmoid_cost(f, n, extra)
    two = 2 ** (f + 1 + extra)
    xs = sigmoid_edges(f, n, extra)
    assert {-two - 1, -two, -two + 1, two - 1, two, two + 1} <= set(xs) or n == f + extra + 2
    for x in xs:
        solve(cs, x)
        assert from_field(cs.value(out)) == sigmoid_int(x >> extra, f) == sigmoid_int(x // 2**extra, f), x
    for bad in (-(2 ** (n - 1)) - 1, 2 ** (n - 1)):
        with pytest.raises(InputError, match=f"does not fit in {n} signed bits"):
            cs.witness({"x": bad})


def test_sigmoid_extra_equals_truncating_first():
    # sigmoid(x, extra=f) is sigmoid(floor(x / 2^f)) without a truncation of its own:
    # the score of a product at scale 2^(2f) goes straight in.
    f, extra, n = 8, 8, 30
    rng = np.random.default_rng(4)
    xs = np.concatenate([rng.integers(-(2**20), 2**20, size=40), [2**17, 2**17 - 1, -(2**17), -(2**17) - 1]])
    cs, r1cs, out = define(sigmoid, f, n, shape=xs.shape, extra=extra)
    assert r1cs.n_constraints == xs.size * (n + 3)
    solve(cs, xs)
    assert signed(cs.value(out)).tolist() == sigmoid_np(xs >> extra, f).tolist()


# -- blocks ------------------------------------------------------------------------------


def test_sigmoid_on_a_block_matches_the_twin():
    f, n = 4, 10
    two = 2 ** (f + 1)
    xs = np.array([[-512, -two - 1, -two, -two + 1, -1], [0, 1, two - 1, two, 511]])
    cs, r1cs, out = define(sigmoid, f, n, shape=xs.shape, name="s")
    assert out.shape == xs.shape and r1cs.n_constraints == xs.size * (n + 3)
    w = solve(cs, xs)
    assert signed(cs.value(out)).tolist() == sigmoid_np(xs, f).tolist()
    with pytest.raises(InputError, match=r"s \(at \[0, 3\]\) does not fit in 10 signed bits"):
        cs.witness({"x": [[0, 0, 0, 512, 0], [0, 0, 0, 0, 0]]})
    # Every output is pinned down; only the inverses of unsaturated elements are free.
    outs = wire_of(cs, out)
    inv_wires = [o - xs.size for row in outs for o in row]  # the inverse block precedes the outputs
    saturated = ((xs >= two) | (xs < -two)).reshape(-1)
    report = mutation_check(r1cs, w, allowed_free=inv_wires)
    assert report.ok, report.describe()
    assert sorted(report.allowed) == sorted(v for v, s in zip(inv_wires, saturated) if not s)
    for i, j in np.ndindex(xs.shape):
        for delta in (1, -1):
            bad = list(w)
            bad[outs[i][j]] = (bad[outs[i][j]] + delta) % R
            with pytest.raises(UnsatisfiedConstraint) as e:
                check(r1cs, bad)
            assert e.value.name == f"s.clamp[{i}, {j}]"
