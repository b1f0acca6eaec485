"""The circuit builder (define once, solve per witness), LC blocks, the R1CS checker and validator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.r1cs import (
    LC,
    R1CS,
    ConstraintSystem,
    as_lc,
    check,
    circuit_hash,
    concatenate,
    evaluate,
    first_unsatisfied,
    public_inputs,
    signed,
    stack,
    validate,
)


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


def cubic(x: int = 3, y: int = 35) -> ConstraintSystem:
    """x^3 + x + 5 == y with y public and x private (the classic example)."""
    cs = ConstraintSystem()
    out = cs.public("y", y)
    xv = cs.private("x", x)
    x2 = cs.mul(xv, xv, "x2")
    x3 = cs.mul(x2, xv, "x3")
    cs.assert_equal(x3 + xv + 5, out, "result")
    return cs


def one_sentence(e: pytest.ExceptionInfo) -> str:
    text = str(e.value)
    assert "\n" not in text and text.strip() == text and text
    return text


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
    assert cs.public_values() == [35]
    assert cs.input_names("public") == ["y"] and cs.input_names("private") == ["x"]


def test_wrong_private_value_fails_at_the_result_constraint():
    cs = cubic(x=4)
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(cs.build(), cs.witness())
    assert (e.value.index, e.value.name) == (2, "result")
    assert "constraint 2 (result)" in str(e.value)


def test_one_definition_solves_many_witnesses():
    cs = cubic()
    r1cs = cs.build()
    digest = circuit_hash(r1cs)
    for x in (0, 1, 4, -3, 2**100):
        y = x**3 + x + 5
        w = cs.witness({"x": x, "y": y})
        check(r1cs, w)
        assert w == [1, y % R, x % R, x * x % R, x**3 % R]
        assert cs.value(cs.one) == 1
        assert cs.public_values({"y": y}) == [y % R]
        with pytest.raises(UnsatisfiedConstraint) as e:
            check(r1cs, cs.witness({"x": x, "y": y + 1}))
        assert e.value.name == "result"
    assert cs.build() is r1cs and circuit_hash(r1cs) == digest


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
    assert first_unsatisfied(r1cs, bad) == 2 and first_unsatisfied(r1cs, w) is None


def test_unnamed_constraint_reports_index_only():
    cs = ConstraintSystem()
    a = cs.private("a", value=2)
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
    assert [wire_of(cs, v) for v in (cs.one, p, a, b, m)] == [0, 1, 2, 3, 4]
    assert w == [1, 6, 2, 3, 4]
    assert (r1cs.n_pub_in, r1cs.n_prv_in, r1cs.n_wires) == (1, 2, 5)
    check(r1cs, w)
    # the remapping must reach the constraints too: b used id 4, now wire 3.
    assert r1cs.constraints[1][0] == {3: 1, 4: 1, 0: R - 1, 1: R - 1}


def test_block_inputs_are_laid_out_row_major():
    cs = ConstraintSystem()
    p = cs.public("p", shape=(2,))
    x = cs.private("x", shape=(2, 3))
    t = cs.mul(x, x, "sq")
    cs.assert_equal(t.sum(axis=1), p, "rows")
    xs = np.arange(6).reshape(2, 3) - 2
    w = cs.witness({"x": xs, "p": (xs * xs).sum(axis=1)})
    check(cs.build(), w)
    assert wire_of(cs, p) == [1, 2]
    assert wire_of(cs, x) == [[3, 4, 5], [6, 7, 8]]
    assert wire_of(cs, t) == [[9, 10, 11], [12, 13, 14]]
    assert w[3:9] == [v % R for v in xs.reshape(-1).tolist()]
    assert cs.build().names[:6] == [f"sq[{i}, {j}]" for i in range(2) for j in range(3)]
    assert cs.build().names[6:] == ["rows[0]", "rows[1]"]


def test_values_are_reduced_and_negative_means_r_minus():
    cs = ConstraintSystem()
    a = cs.private("a", -1)
    b = cs.private("b", R + 5)
    c = cs.mul(a, b)
    cs.assert_equal(c, -5)
    assert cs.witness() == [1, R - 1, 5, R - 5]
    assert cs.value(c) == R - 5
    check(cs.build(), cs.witness())
    assert cs.witness({"a": np.int64(-1), "b": 5}) == [1, R - 1, 5, R - 5]


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


def test_assert_bool_on_a_block_names_the_element():
    cs = ConstraintSystem()
    b = cs.private("b", shape=(2, 2))
    cs.assert_bool(b, "is_bit")
    r1cs = cs.build()
    check(r1cs, cs.witness({"b": [[0, 1], [1, 0]]}))
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, cs.witness({"b": [[0, 1], [2, 0]]}))
    assert (e.value.index, e.value.name) == (2, "is_bit[1, 0]")


# -- hints -------------------------------------------------------------------------


def _inverse(v: np.ndarray) -> np.ndarray:
    return np.array([pow(int(x), -1, R) for x in v.reshape(-1)], dtype=object).reshape(v.shape)


def test_hints_compute_internal_wires_at_solve_time():
    cs = ConstraintSystem()
    t = cs.private("t", shape=(3,))
    inv = cs.hint(_inverse, [t], (3,), "inv")
    cs.constrain(t, inv, 1, "inverse")
    r1cs = cs.build()
    assert r1cs.n_constraints == 3 and r1cs.n_wires == 7
    for ts in ([7, -2, 5], [1, 2, 3]):
        w = cs.witness({"t": ts})
        check(r1cs, w)
        assert cs.value(inv).tolist() == [pow(x % R, -1, R) for x in ts]
    # A hint is only what the honest prover computes; the constraint is what binds.
    bad = list(w)
    bad[wire_of(cs, inv)[1]] = 3
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert e.value.name == "inverse[1]"


def test_a_lying_hint_is_caught_by_the_constraints():
    cs = ConstraintSystem()
    t = cs.private("t", 7)
    inv = cs.hint(lambda v: 3, [t], (), "inv")
    cs.constrain(t, inv, 1, "inverse")
    with pytest.raises(UnsatisfiedConstraint, match="inverse"):
        check(cs.build(), cs.witness())


def test_hints_see_field_values_and_may_return_signed_ints():
    seen = []

    def fn(a, b):
        seen.append((a, b))
        return signed(a) * signed(b)  # signed ints; the solver reduces them mod R

    cs = ConstraintSystem()
    a = cs.private("a", shape=(2, 1))
    b = cs.private("b", shape=(3,))
    prod = cs.hint(fn, [a, b * 2 + 1], (2, 3), "prod")  # inputs are LC blocks, broadcast later
    cs.constrain(a, b * 2 + 1, prod, "prod")
    r1cs = cs.build()
    w = cs.witness({"a": [[-1], [3]], "b": [0, -2, 4]})
    check(r1cs, w)
    va, vb = seen[-1]
    assert va.shape == (2, 1) and vb.shape == (3,)
    assert va.reshape(-1).tolist() == [R - 1, 3] and vb.tolist() == [1, R - 3, 9]
    assert signed(cs.value(prod)).tolist() == [[-1, 3, -9], [3, -9, 27]]


def test_hint_errors_surface_when_solving():
    def refuse(v):
        if np.any(signed(v) < 0):
            raise InputError("a value is negative")
        return v

    cs = ConstraintSystem()
    x = cs.private("x", shape=(2,))
    cs.hint(refuse, [x], (2,), "r")
    cs.build()  # defining and building never look at values
    cs.witness({"x": [1, 2]})
    with pytest.raises(InputError, match="a value is negative"):
        cs.witness({"x": [1, -2]})

    cs = ConstraintSystem()
    x = cs.private("x", shape=(2,))
    cs.hint(lambda v: np.zeros(3, dtype=object), [x], (2,), "wrong")
    with pytest.raises(InputError, match="hint wrong returned values of shape \\(3,\\), expected \\(2,\\)"):
        cs.witness({"x": [1, 2]})

    cs = ConstraintSystem()
    x = cs.private("x", 1)
    cs.hint(lambda v: 0.5, [x], (), "f")
    with pytest.raises(InputError, match="float"):
        cs.witness()


def test_bits_helper_constrains_every_output_boolean():
    cs = ConstraintSystem()
    x = cs.private("x", shape=(3,))
    bits = cs.bits(lambda v: (signed(v)[:, None] >> np.arange(2)) & 1, [x], (3, 2), "b")
    cs.assert_equal(bits.dot([1, 2], axis=-1), x, "sum")
    r1cs = cs.build()
    assert r1cs.n_constraints == 6 + 3
    w = cs.witness({"x": [0, 3, 2]})
    check(r1cs, w)
    assert cs.value(bits).tolist() == [[0, 0], [1, 1], [0, 1]]
    # x = 3 as (b0, b1) = (3, 0) satisfies the sum but not booleanity.
    bad = list(w)
    b = wire_of(cs, bits)
    bad[b[1][0]], bad[b[1][1]] = 3, 0
    with pytest.raises(UnsatisfiedConstraint, match=r"b\[1, 0\]"):
        check(r1cs, bad)


# -- inputs and errors ------------------------------------------------------------


def test_defaults_and_overrides():
    cs = ConstraintSystem()
    a = cs.private("a", 3)
    v = cs.private("v", value=[1, 2, 3], shape=(3,))
    z = cs.private("z", value=0, shape=(2,))  # a scalar default fills the block
    cs.assert_equal(v.sum() * 2 + z.sum(), cs.mul(a, 4) + 0 * a + 0)
    r1cs = cs.build()
    assert cs.witness() == [1, 3, 1, 2, 3, 0, 0]
    check(r1cs, cs.witness())
    assert cs.witness({"a": 4, "v": [4, 4, 0], "z": [-1, 1]}) == [1, 4, 4, 4, 0, R - 1, 1]
    check(r1cs, cs.witness({"a": 4, "v": [4, 4, 0], "z": [-1, 1]}))
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, cs.witness({"a": 4}))  # v and z keep their defaults: 12 != 16
    assert cs.value(v, {"v": [5, 6, 7]}).tolist() == [5, 6, 7]
    assert cs.value(a) == 3  # the last solution used a's default
    assert cs.input_shape("v") == (3,) and cs.input_shape("a") == ()


def test_missing_value_names_the_input():
    cs = ConstraintSystem()
    a = cs.private("a", 3)
    b = cs.private("secret_b")
    cs.mul(a, b, "m")
    with pytest.raises(InputError, match="private input 'secret_b' has no value") as e:
        cs.witness()
    one_sentence(e)
    check(cs.build(), cs.witness({"secret_b": 4}))
    cs = ConstraintSystem()
    cs.public("y")
    with pytest.raises(InputError, match="public input 'y' has no value") as e:
        cs.witness()
    one_sentence(e)
    with pytest.raises(InputError, match="public input 'y' has no value"):
        cs.public_values()


def test_unknown_input_names_are_refused():
    cs = cubic()
    with pytest.raises(InputError, match="no input named 'z'") as e:
        cs.witness({"x": 3, "z": 1})
    one_sentence(e)
    with pytest.raises(InputError, match="no input named 'x2'"):
        cs.solve({"x2": 9})  # constraint names are not inputs


def test_input_shapes_must_match():
    cs = ConstraintSystem()
    x = cs.private("x", shape=(3,))
    s = cs.private("s", 1)
    cs.assert_equal(x.sum(), s)
    with pytest.raises(InputError, match=r"input 'x' must have shape \(3,\), not \(2,\)") as e:
        cs.witness({"x": [1, 2], "s": 3})
    one_sentence(e)
    with pytest.raises(InputError, match=r"input 'x' must have shape \(3,\), not \(\)"):
        cs.witness({"x": 1, "s": 1})
    with pytest.raises(InputError, match=r"'s' must have shape \(\), not \(1,\)"):
        cs.witness({"x": [1, 2, 3], "s": [6]})
    with pytest.raises(InputError, match="float"):
        cs.witness({"x": [1.0, 2.0, 3.0], "s": 6})
    check(cs.build(), cs.witness({"x": [1, 2, 3], "s": 6}))
    cs = ConstraintSystem()
    with pytest.raises(InputError, match=r"'v' does not fit its shape \(3,\)") as e:
        cs.private("v", value=[1, 2], shape=(3,))
    one_sentence(e)
    with pytest.raises(InputError, match="shape"):
        cs.private("neg", shape=(-1,))


def test_input_names_must_be_unique_and_non_empty():
    cs = ConstraintSystem()
    cs.public("a", 1)
    with pytest.raises(InputError, match="already has an input named 'a'"):
        cs.public("a", 2)
    with pytest.raises(InputError, match="already has an input named 'a'"):
        cs.private("a", 2)
    with pytest.raises(InputError, match="non-empty name"):
        cs.private("")
    with pytest.raises(InputError, match="non-empty name"):
        cs.private(None)


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
        cs2.public("y")
    assert cs.input_names("public") == ["a", "b"]


def test_a_built_circuit_cannot_change():
    cs = cubic()
    cs.build()
    with pytest.raises(InputError, match="already built"):
        cs.private("late", 1)
    with pytest.raises(InputError, match="already built"):
        cs.assert_equal(cs.one, 1)
    with pytest.raises(InputError, match="already built"):
        cs.hint(lambda: 0, [], ())


def test_multiplying_two_variables_in_a_linear_combination_is_an_error():
    cs = ConstraintSystem()
    a, b = cs.private("a", 1), cs.private("b", 2)
    with pytest.raises(InputError, match="cs.mul"):
        a * b
    with pytest.raises(InputError, match="cs.mul"):
        (a + 1) * (b - 1)
    # A constant block on either side is fine, and cs.mul of a constant adds nothing.
    assert (a * as_lc(3)).value(np.array([1, 5, 0], dtype=object)) == 15
    assert (as_lc(3) * (a + b)).value(np.array([1, 5, 7], dtype=object)) == 36
    before = cs.n_variables
    cs.mul(a, 5)
    assert cs.n_variables == before and cs.n_constraints == 0


def test_bad_operands_and_foreign_wires():
    cs = ConstraintSystem()
    a = cs.private("a", 1)
    with pytest.raises(InputError, match="float"):
        cs.constrain(a, 1.5, a)
    with pytest.raises(InputError, match="float"):
        a + 1.5
    with pytest.raises(InputError, match="str"):
        a * "2"
    foreign = LC.wires(np.array(99))
    with pytest.raises(InputError, match="not part of this constraint system"):
        cs.constrain(foreign, 1, a)
    with pytest.raises(InputError, match="not part of this constraint system"):
        cs.mul(foreign, a)
    with pytest.raises(InputError, match="not part of this constraint system"):
        cs.hint(lambda v: v, [foreign], ())
    assert cs.n_variables == 2 and cs.n_constraints == 0  # the failed calls added nothing
    with pytest.raises(InputError, match="float"):
        cs.private("f", 1.5)
    with pytest.raises(InputError, match="float"):
        cs.private("g", np.array([1.0]), shape=(1,))
    check(cs.build(), cs.witness())  # and the system still solves


# -- linear combination blocks ---------------------------------------------------------


VALS = np.array([1, 10, 20, 30, 40], dtype=object)  # wire id -> value (id 0 holds 1)


def test_linear_combination_arithmetic():
    x, y = LC.wires(np.array(1)), LC.wires(np.array(2))
    assert x.shape == () and x.ndim == 0 and x.size == 1
    assert (x + y).value(VALS) == 30
    assert (x - y).value(VALS) == R - 10
    assert (-x).value(VALS) == R - 10
    assert (3 - x).value(VALS) == R - 7
    assert (x - 3).value(VALS) == 7
    assert (2 * x + y * 3 - 4).value(VALS) == 76
    assert ((x + 1) * 2).value(VALS) == 22
    assert (x * LC.constant(5)).value(VALS) == 50
    assert (LC.constant(5) * (x + y)).value(VALS) == 150
    assert (x - x).value(VALS) == 0
    assert (x + y - y).value(VALS) == x.value(VALS)
    assert as_lc(7).is_constant() and int(as_lc(7).constant_value()) == 7
    assert int(as_lc(-1).constant_value()) == R - 1
    assert (x + 0).value(VALS) == 10
    assert (x * 0 + 4).is_constant() and int((x * 0 + 4).constant_value()) == 4
    assert not (x - x).is_constant() or int((x - x).constant_value()) == 0
    with pytest.raises(InputError, match="not a constant"):
        (x + 1).constant_value()
    with pytest.raises(TypeError):
        len(x)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(2**300), 2**300), min_size=3, max_size=3),
    st.lists(st.integers(-(2**70), 2**70), min_size=3, max_size=3),
    st.integers(-(2**300), 2**300),
)
def test_linear_combination_matches_integer_arithmetic(coeffs, xs, k):
    vals = np.array([1] + [v % R for v in xs], dtype=object)
    vs = [LC.wires(np.array(i + 1)) for i in range(3)]
    lc = coeffs[0] * vs[0] - coeffs[1] * vs[1] + vs[2] * coeffs[2] + k
    expected = coeffs[0] * xs[0] - coeffs[1] * xs[1] + coeffs[2] * xs[2] + k
    assert lc.value(vals) == expected % R
    coeffs_full = np.broadcast_to(lc.coeffs, lc.ids.shape)
    assert all(0 <= c < R for c in coeffs_full.reshape(-1)) and 0 <= int(lc.const) < R
    # The same sum as one block: a dot product with the coefficients.
    block = LC.wires(np.arange(1, 4))
    assert (block.dot([coeffs[0], -coeffs[1], coeffs[2]]) + k).value(vals) == expected % R


def test_blocks_broadcast_like_numpy():
    col = LC.wires(np.array([[1], [2], [3]]))  # shape (3, 1)
    row = LC.wires(np.array([3, 4]))  # shape (2,)
    both = col + row * 2
    assert both.shape == (3, 2) and len(both) == 3 and both.size == 6
    v = VALS.astype(object)
    expected = (v[[1, 2, 3]][:, None] + 2 * v[[3, 4]][None, :]) % R
    assert both.value(VALS).tolist() == expected.tolist()
    scaled = row * np.array([[1], [-1], [2]])  # a constant array broadcasts the block
    assert scaled.shape == (3, 2)
    assert signed(scaled.value(VALS)).tolist() == [[30, 40], [-30, -40], [60, 80]]
    assert (np.array([1, 2]) + row).value(VALS).tolist() == [31, 42]  # numpy on the left defers
    assert (col - np.array([1, 2])).shape == (3, 2)
    assert LC.wires(np.array([1, 2])).broadcast_to((2, 2)).value(VALS).tolist() == [[10, 20], [10, 20]]


def test_block_indexing_and_reshaping():
    ids = np.arange(1, 5).reshape(2, 2)
    vals = np.arange(0, 5, dtype=object) * 10
    vals[0] = 1
    block = LC.wires(ids) * np.array([[1, 2], [3, 4]]) + np.array([5, 6])
    full = block.value(vals)
    assert full.tolist() == [[15, 46], [95, 166]]
    assert block[1].value(vals).tolist() == [95, 166]
    assert block[1, 0].value(vals) == 95 and block[1, 0].shape == ()
    assert block[:, 1].value(vals).tolist() == [46, 166]
    assert block[-1, -1].value(vals) == 166
    assert block[np.array([1, 0, 1])].value(vals).tolist() == [[95, 166], [15, 46], [95, 166]]
    assert block.reshape(4).value(vals).tolist() == [15, 46, 95, 166]
    assert block.reshape((1, 4)).shape == (1, 4)
    assert block.ravel().value(vals).tolist() == [15, 46, 95, 166]
    assert block.T.value(vals).tolist() == full.T.tolist()
    assert block.transpose(1, 0).value(vals).tolist() == full.T.tolist()
    assert block.expand_dims(0).shape == (1, 2, 2) and block.expand_dims(-1).shape == (2, 2, 1)
    assert block.expand_dims(-1).value(vals)[:, :, 0].tolist() == full.tolist()
    with pytest.raises(InputError, match="ellipsis"):
        block[..., 0]


def test_sum_and_dot_are_free_linear_combinations():
    ids = np.arange(1, 7).reshape(2, 3)
    vals = np.array([1, 1, 2, 3, 4, 5, 6], dtype=object)
    block = LC.wires(ids) + 1
    base = np.array([[2, 3, 4], [5, 6, 7]], dtype=object)
    assert block.sum(axis=0).value(vals).tolist() == base.sum(axis=0).tolist()
    assert block.sum(axis=1).value(vals).tolist() == base.sum(axis=1).tolist()
    assert block.sum(axis=-1).value(vals).tolist() == base.sum(axis=1).tolist()
    assert block.sum().value(vals) == 27 and block.sum().shape == ()
    assert signed(block.dot([1, -1, 2], axis=1).value(vals)).tolist() == [7, 13]
    assert signed(block.dot([3, -2], axis=0).value(vals)).tolist() == [-4, -3, -2]
    with pytest.raises(InputError, match="out of range"):
        block.sum(axis=2)
    # In a circuit they cost nothing: one constraint for a 6-term dot product.
    cs = ConstraintSystem()
    x = cs.private("x", shape=(2, 3))
    cs.assert_equal(x.dot([1, 2, 3], axis=1).dot([1, 10], axis=0), 0)
    r1cs = cs.build()
    assert r1cs.n_constraints == 1
    assert r1cs.constraints[0][0] == {1: 1, 2: 2, 3: 3, 4: 10, 5: 20, 6: 30}


def test_stack_and_concatenate():
    vals = np.array([1, 10, 20, 30, 40], dtype=object)
    a = LC.wires(np.array([1, 2]))  # one term per row
    b = LC.wires(np.array([3, 4])) * 2 + LC.wires(np.array([1, 1])) + 7  # two terms per row
    s = stack([a, b, 5])  # terms padded, a constant broadcast
    assert s.shape == (3, 2)
    assert s.value(vals).tolist() == [[10, 20], [77, 97], [5, 5]]
    assert stack([a, b], axis=-1).shape == (2, 2)
    assert stack([a, b], axis=-1).value(vals).tolist() == [[10, 77], [20, 97]]
    c = concatenate([a, b, LC.constant([1, 2, 3])])
    assert c.shape == (7,)
    assert c.value(vals).tolist() == [10, 20, 77, 97, 1, 2, 3]
    m = concatenate([stack([a, a]), stack([b, b])], axis=1)
    assert m.shape == (2, 4) and m.value(vals)[1].tolist() == [10, 20, 77, 97]
    with pytest.raises(InputError):
        stack([])
    with pytest.raises(InputError):
        concatenate([])
    with pytest.raises(InputError, match="same number of axes"):
        concatenate([a, stack([a, a])])
    with pytest.raises(InputError, match="axis"):
        concatenate([a, a], axis=1)
    # In a circuit, padding terms never reach the R1CS.
    cs = ConstraintSystem()
    x = cs.private("x", shape=(2,))
    cs.assert_equal(stack([x[0], x[1] * 3 + x[0] + 1]), 0)
    r1cs = cs.build()
    assert [con[0] for con in r1cs.constraints] == [{1: 1}, {0: 1, 1: 1, 2: 3}]


# -- canonical form and the circuit hash -------------------------------------------------


def _two_ways(order: int) -> R1CS:
    cs = ConstraintSystem()
    y = cs.public("y", 17)
    a, b, c = cs.private("a", 1), cs.private("b", 2), cs.private("c", 3)
    if order == 0:
        p = cs.mul(a + 2 * b + 3, c - 1, "p")
        cs.assert_equal(p + a, y, "out")
    else:
        # The same constraints with terms in another order, split, repeated and cancelled.
        p = cs.mul(3 + b + a + b + c * 0 + c - c, -1 + c, "renamed")
        cs.assert_equal(a - y + p + a * 0, 0)
    r1cs = cs.build()
    check(r1cs, cs.witness())
    return r1cs


def test_same_constraints_in_another_term_order_hash_the_same():
    first, second = _two_ways(0), _two_ways(1)
    assert first.constraints == second.constraints
    assert circuit_hash(first) == circuit_hash(second)  # names are not hashed
    assert first.names != second.names
    # The dict form, rebuilt with unsorted keys and zero coefficients, hashes the same too.
    shuffled = [tuple(dict(sorted(lc.items(), reverse=True)) | {0: lc.get(0, 0)} for lc in con)
                for con in first.constraints]
    again = R1CS.from_constraints(first.n_wires, first.n_pub_out, first.n_pub_in, first.n_prv_in, shuffled)
    assert circuit_hash(again) == circuit_hash(first)
    # ... and a different coefficient, or a different layout, does not.
    changed = [tuple(dict(lc) for lc in con) for con in first.constraints]
    changed[1][0][0] = 5
    other = R1CS.from_constraints(first.n_wires, 0, first.n_pub_in, first.n_prv_in, changed)
    assert circuit_hash(other) != circuit_hash(first)
    moved = R1CS.from_constraints(first.n_wires, 0, 0, first.n_prv_in + 1, first.constraints)
    assert circuit_hash(moved) != circuit_hash(first)


def test_builder_output_is_in_canonical_form():
    cs = ConstraintSystem()
    x = cs.private("x", shape=(4,))
    bits = LC.wires(np.array([1, 2, 3, 4]))
    # Repeats separated by zero-weight terms (as dot products with zero weights make).
    cs.assert_equal(x[2] + x[2] * 0 + x[2] + x[1] * 0, 4, "a")  # the zero sat between the repeats
    cs.assert_equal(bits.dot([0, 5, 0, 5]) + x[3] * 7 + x[1], 0, "b")
    r1cs = cs.build()
    assert r1cs.constraints[0][0] == {0: R - 4, 3: 2}
    assert r1cs.constraints[1][0] == {2: 6, 4: 12}
    assert r1cs.a.nnz == 4  # no stray entries behind the dict form
    assert list(r1cs.coeffs) == sorted(set(r1cs.coeffs))
    for m in (r1cs.a, r1cs.b, r1cs.c):
        for k in range(m.n_rows):
            cols = m.cols[m.row_ptr[k]:m.row_ptr[k + 1]].tolist()
            assert cols == sorted(set(cols))
        assert all(r1cs.coeffs[int(i)] != 0 for i in m.cidx)
    twin = ConstraintSystem()
    y = twin.private("x", shape=(4,))
    twin.assert_equal(y[2] * 2, 4)
    twin.assert_equal(y[3] * 12 + y[1] * 6, 0)
    assert circuit_hash(twin.build()) == circuit_hash(r1cs)
    assert circuit_hash(R1CS.from_constraints(r1cs.n_wires, 0, 0, 4, r1cs.constraints)) == circuit_hash(r1cs)


# -- evaluate / check / validate on hand-made systems ------------------------------


def simple_r1cs(**kwargs) -> R1CS:
    # w = [1, out, a, b]; a * b = out and (a + b) * 1 = 7
    args = dict(n_wires=4, n_pub_out=1, n_pub_in=0, n_prv_in=2,
                constraints=[({2: 1}, {3: 1}, {1: 1}), ({2: 1, 3: 1}, {0: 1}, {0: 7})])
    args.update(kwargs)
    return R1CS.from_constraints(**args)


def test_evaluate_returns_the_three_products():
    a, b, c = evaluate(simple_r1cs(), [1, 12, 3, 4])
    assert (a, b, c) == ([3, 7], [4, 1], [12, 7])
    a, b, c = evaluate(simple_r1cs(), [1, 13, 3, 5])  # unsatisfied is fine here
    assert (a, b, c) == ([3, 8], [5, 1], [13, 7])
    a, b, c = simple_r1cs().evaluate(np.array([1, 12, 3, 4], dtype=object))
    assert a.tolist() == [3, 7] and c.tolist() == [12, 7]
    r1cs = simple_r1cs(names=["product", None])
    assert r1cs.names == ["product", None]
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, [1, 13, 3, 4])
    assert (e.value.index, e.value.name) == (0, "product")


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
    r1cs = R1CS.from_constraints(6, 2, 1, 1, [])
    assert r1cs.n_public == 3 and r1cs.n_constraints == 0
    assert public_inputs(r1cs, [1, 10, 11, 12, 13, 14]) == [10, 11, 12]
    with pytest.raises(InputError):
        public_inputs(r1cs, [1, 10])


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(constraints=[({4: 1}, {}, {})]), "wire 4, out of range"),
        (dict(constraints=[({-1: 1}, {}, {})]), "wire -1"),
        (dict(constraints=[({"1": 1}, {}, {})]), "wire '1'"),
        (dict(constraints=[({1: R}, {}, {})]), "outside \\[0, R\\)"),
        (dict(constraints=[({1: -1}, {}, {})]), "outside \\[0, R\\)"),
        (dict(constraints=[({1: 1.0}, {}, {})]), "outside \\[0, R\\)"),
        (dict(constraints=[({1: 1}, {})]), "not a tuple"),
        (dict(constraints=[({1: 1}, [], {})]), "B is not a dict"),
        (dict(constraints="abc"), "list of"),
        (dict(prime=R + 2), "BN254"),
        (dict(n_wires=3), "wire 3, out of range for 3 wires"),
        (dict(n_prv_in=-1), "non-negative"),
        (dict(n_pub_in=1.0), "non-negative"),
        (dict(names=["a"]), "1 names for 2 constraints"),
        (dict(wire_to_label=[0, 1, 2]), "3 entries"),
        (dict(wire_to_label=[0, 1, 2, 2**64]), "wire_to_label\\[3\\]"),
        (dict(wire_to_label=[0, -1, 2, 3]), "wire_to_label\\[1\\]"),
        (dict(n_labels=-5), "n_labels"),
    ],
)
def test_from_constraints_rejects_structural_problems(change, message):
    simple_r1cs()
    with pytest.raises(InputError, match=message) as e:
        simple_r1cs(**change)
    one_sentence(e)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(prime=R + 2), "BN254"),
        (dict(n_wires=3), "more than the 3 wires"),
        (dict(n_wires=0, n_pub_out=0, n_prv_in=0), "at least wire 0"),
        (dict(n_prv_in=-1), "non-negative"),
        (dict(n_labels=-5), "n_labels"),
        (dict(wire_to_label=np.zeros(3, dtype=np.uint64)), "3 entries"),
        (dict(coeffs=(1, R)), "outside \\[0, R\\)"),
        (dict(coeffs=(1,)), "outside the table"),
    ],
)
def test_validate_rejects_structural_problems(change, message):
    r1cs = simple_r1cs()
    validate(r1cs)
    for k, v in change.items():
        setattr(r1cs, k, v)
    with pytest.raises(InputError, match=message) as e:
        validate(r1cs)
    one_sentence(e)
    with pytest.raises(InputError, match="expected an R1CS"):
        validate("r1cs")


def test_check_names_the_last_constraint_of_a_large_system():
    rng = np.random.default_rng(1)
    cs = ConstraintSystem()
    xs = cs.private("xs", shape=(100, 300))
    acc = cs.private("acc", shape=(300,))
    step = cs.mul(acc + xs * 3 + 1, xs[::-1] - acc, "step")  # 30,000 products in one block
    out = cs.mul(step, step[:, ::-1] + acc, "out")  # and 30,000 more
    r1cs = cs.build()
    assert r1cs.n_constraints == 60_000
    w = cs.solve({"xs": rng.integers(-(2**62), 2**62, size=(100, 300)), "acc": rng.integers(0, 2**62, size=300)})
    check(r1cs, w)
    bad = w.copy()
    last = wire_of(cs, out)[99][299]
    assert last == r1cs.n_wires - 1
    bad[last] = (bad[last] + 1) % R
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert (e.value.index, e.value.name) == (59_999, "out[99, 299]")
    bad = w.copy()
    middle = wire_of(cs, step)[12][34]
    bad[middle] = (bad[middle] + 1) % R
    assert first_unsatisfied(r1cs, bad) == 12 * 300 + 34
    assert r1cs.name_of(12 * 300 + 34) == "step[12, 34]"
