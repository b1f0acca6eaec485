"""The one-hidden-layer MLP: trainer == circuit bit for bit, textbook backprop, it learns XOR, it proves."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_training import forge, hint_wires, quiet, run_model, solve

from zkanchor.commit.commitment import commit, new_salt
from zkanchor.commit.dataset import Dataset
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets.activations import sigmoid_int
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.models import logreg, mlp, model_module
from zkanchor.models.spec import TrainingSpec, make_spec, spec_for
from zkanchor.models.weights import weights_commitment
from zkanchor.r1cs import check
from zkanchor.statements import Evaluation, TrainingClaim, TrainingOpening
from zkanchor.statements.training import evaluate, make_statement
from zkanchor.training.api import prove_training, train_model, verify_training

# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")

F = 8
V = 16  # value_bits, explicit so the tests do not depend on the kit's defaults
INSTITUTION = 0x6813EB9362372EEF6200F3B1DBC3F819671CBA69  # eth-tester account 3


def random_problem(seed: int, n: int, d: int, spread: int = 2 << F):
    rng = np.random.default_rng(seed)
    rows = rng.integers(-spread, spread + 1, size=(n, d))
    targets = rng.integers(0, 2, size=n) << F
    return rows, targets


def train(spec, rows, targets, w0) -> list[int]:
    return [int(v) for v in mlp.train(spec, rows, targets, np.asarray(w0, dtype=object))]


def both_relu_branches(spec, rows, w) -> bool:
    """Did the hidden layer's ReLU (and its derivative bit) take both values on these rows?"""
    w1, b1, _, _ = mlp.split(spec, np.asarray(w, dtype=object))
    t = (np.asarray(rows, dtype=object).dot(w1.T) + (b1 << spec.frac_bits)) >> spec.frac_bits
    return {bool(v) for v in (t >= 0).reshape(-1)} == {True, False}


# -- trainer == circuit ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trainer_and_circuit_agree_bit_for_bit(seed):
    rows, targets = random_problem(seed, 8, 3)
    spec = make_spec("mlp", 8, 3, epochs=3, learning_rate=0.8, frac_bits=F, value_bits=V, hidden=3)
    w0 = [int(v) for v in mlp.initial_weights(spec)]
    expected = train(spec, rows, targets, w0)
    _, r1cs, w, got = run_model(mlp, spec, rows, targets, w0)
    assert got == expected
    assert expected != w0
    assert both_relu_branches(spec, rows, w0)  # both ReLU branches (and their derivative bits) were exercised
    check(r1cs, w)


def _agree_on_random_shape(n, d, hidden, epochs, seed, lr, wide):
    # "wide" draws data from the whole value_bits range and weights far from the initial ones.
    spread = (1 << (V - 1)) - 1 if wide else 3 << F
    rows, targets = random_problem(seed, n, d, spread)
    spec = make_spec("mlp", n, d, epochs=epochs, learning_rate=lr, frac_bits=F, value_bits=V, hidden=hidden)
    rng = np.random.default_rng(seed + 1)
    w0 = rng.integers(-(4 << F), 4 << F, size=spec.n_weights) if wide else mlp.initial_weights(spec)
    try:
        expected = train(spec, rows, targets, w0)
    except InputError:
        # A weight or a score leaving its range: the circuit must refuse the same witness.
        with pytest.raises(InputError, match="does not fit|left the spec's"):
            run_model(mlp, spec, rows, targets, w0)
        return
    _, r1cs, w, got = run_model(mlp, spec, rows, targets, w0)
    assert got == expected
    check(r1cs, w)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 5), d=st.integers(1, 3), hidden=st.integers(1, 3), epochs=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1), lr=st.sampled_from([0.1, 0.5, 2.0]), wide=st.booleans(),
)
def test_trainer_and_circuit_agree_on_random_shapes(n, d, hidden, epochs, seed, lr, wide):
    _agree_on_random_shape(n, d, hidden, epochs, seed, lr, wide)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 6), d=st.integers(1, 4), hidden=st.integers(1, 4), epochs=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1), lr=st.sampled_from([0.1, 0.5, 2.0, 8.0]), wide=st.booleans(),
)
def test_trainer_and_circuit_agree_on_many_random_shapes(n, d, hidden, epochs, seed, lr, wide):
    _agree_on_random_shape(n, d, hidden, epochs, seed, lr, wide)


def test_forward_scores_agree_and_predict_like_probabilities():
    from zkanchor.r1cs import ConstraintSystem, signed

    rows, targets = random_problem(4, 6, 2)
    spec = make_spec("mlp", 6, 2, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=2)
    w = train(spec, rows, targets, mlp.initial_weights(spec))
    cs = ConstraintSystem()
    out = mlp.scores_circuit(cs, spec, cs.private("x", shape=(6, 2)), cs.private("w", shape=(len(w),)))
    witness = cs.solve({"x": rows, "w": w})
    check(cs.build(), witness)
    scores = [int(z) for z in mlp.scores_np(spec, rows, w)]
    assert [int(v) for v in signed(cs.value(out))] == scores
    # z >= 0 predicts class 1 exactly when the probability is at least 1/2.
    probs = mlp.probabilities_np(spec, rows, w)
    assert [z >= 0 for z in scores] == [p >= 1 << (F - 1) for p in probs]
    assert max(abs(z) for z in scores).bit_length() < mlp.score_bits(spec)


# -- the scales are textbook backprop ----------------------------------------------------


def reference_epoch(spec: TrainingSpec, rows, targets, w):
    """One epoch of textbook backprop in exact rationals on real values (an integer q means q / 2^f).

    Forward values are rounded down to the 2^-f grid where the model says so (the hidden
    pre-activation and the logit); every update is floor(eta * gradient) on that grid, with
    eta = lr_num / 2^lr_shift per sample.
    """
    f, d, hid = spec.frac_bits, spec.d, spec.hidden
    unit = Fraction(1, 1 << f)
    W1 = [[w[k * d + j] * unit for j in range(d)] for k in range(hid)]
    b1 = [w[hid * d + k] * unit for k in range(hid)]
    w2 = [w[hid * (d + 1) + k] * unit for k in range(hid)]
    b2 = w[-1] * unit
    gW1 = [[Fraction(0)] * d for _ in range(hid)]
    gb1, gw2, gb2 = [Fraction(0)] * hid, [Fraction(0)] * hid, Fraction(0)
    for row, target in zip(rows, targets):
        x = [int(v) * unit for v in row]
        pre = [math.floor((sum(W1[k][j] * x[j] for j in range(d)) + b1[k]) / unit) * unit for k in range(hid)]
        h = [max(a, 0) for a in pre]
        z = sum(w2[k] * h[k] for k in range(hid)) + b2
        p = sigmoid_int(math.floor(z / unit), f) * unit
        e = p - int(target) * unit
        gb2 += e
        for k in range(hid):
            gw2[k] += e * h[k]
            delta = e * w2[k] * (1 if pre[k] >= 0 else 0)
            gb1[k] += delta
            for j in range(d):
                gW1[k][j] += delta * x[j]
    eta = Fraction(spec.lr_num, 1 << spec.lr_shift)
    step = [g for gs in gW1 for g in gs] + gb1 + gw2 + [gb2]
    return [wi - math.floor(eta * g / unit) for wi, g in zip(w, step)]


@pytest.mark.parametrize("seed", [5, 6, 7, 8])
def test_one_epoch_is_textbook_backprop(seed):
    rows, targets = random_problem(seed, 7, 3)
    spec = make_spec("mlp", 7, 3, epochs=1, learning_rate=0.9, frac_bits=F, value_bits=V, hidden=3)
    rng = np.random.default_rng(seed)
    w0 = [int(v) for v in rng.integers(-(2 << F), 2 << F, size=spec.n_weights)]
    assert train(spec, rows, targets, w0) == reference_epoch(spec, rows, targets, w0)


# -- it learns what a linear model cannot ----------------------------------------------------


def xor_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return np.round(x * (1 << F)).astype(np.int64), y << F


def accuracy(module, spec, rows, targets, w) -> float:
    scores = module.scores_np(spec, rows, np.asarray(w, dtype=object))
    return float(np.mean([(z >= 0) == (int(y) >> F) for z, y in zip(scores, targets)]))


def mean_abs_error(spec, rows, targets, w) -> float:
    probs = mlp.probabilities_np(spec, rows, np.asarray(w, dtype=object))
    return float(np.mean([abs(int(p) - int(y)) for p, y in zip(probs, targets)])) / (1 << F)


def test_training_learns_xor_which_logistic_regression_cannot():
    rows, targets = xor_data(64, 0)
    test_rows, test_targets = xor_data(200, 1)
    spec = make_spec("mlp", 64, 2, epochs=200, learning_rate=1.0, frac_bits=F, value_bits=V, hidden=4)
    w0 = mlp.initial_weights(spec)
    w = train(spec, rows, targets, w0)
    before, after = mean_abs_error(spec, rows, targets, w0), mean_abs_error(spec, rows, targets, w)
    assert after < before / 4, (before, after)
    assert accuracy(mlp, spec, rows, targets, w0) < 0.7
    assert accuracy(mlp, spec, rows, targets, w) >= 0.95
    assert accuracy(mlp, spec, test_rows, test_targets, w) >= 0.9
    # The same data, epochs and learning rate do not get a linear model anywhere near.
    lspec = make_spec("logreg", 64, 2, epochs=200, learning_rate=1.0, frac_bits=F, value_bits=V)
    lw = logreg.train(lspec, rows, targets, logreg.initial_weights(lspec))
    assert accuracy(logreg, lspec, test_rows, test_targets, lw) < 0.8


# -- initial weights, layout, spec checks -----------------------------------------------------


def test_initial_weights_are_deterministic_small_and_break_symmetry():
    spec = make_spec("mlp", 16, 3, epochs=2, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=4)
    w0 = mlp.initial_weights(spec)
    assert w0.tolist() == mlp.initial_weights(spec).tolist() and len(w0) == spec.n_weights
    w1, b1, w2, b2 = mlp.split(spec, w0)
    assert all(v == 0 for v in b1) and b2 == 0  # biases start at zero
    assert len({tuple(u) for u in w1.tolist()}) == spec.hidden  # no two hidden units alike
    assert all(v != 0 for v in w2)
    r1, r2 = math.isqrt((6 << 2 * F) // spec.d), math.isqrt((6 << 2 * F) // (spec.hidden + 1))
    assert all(abs(v) <= r1 for v in w1.reshape(-1))
    assert all(abs(v) <= r2 for v in w2)
    # Only the shape is hashed: other n, epochs or learning rate start from the same point ...
    assert mlp.initial_weights(dataclasses.replace(spec, n=99, epochs=7, lr_num=3)).tolist() == w0.tolist()
    # ... another shape does not.
    assert mlp.initial_weights(dataclasses.replace(spec, weight_bits=20)).tolist() != w0.tolist()
    # A tiny weight_bits caps the draw instead of overflowing the commitment's range check.
    tiny = dataclasses.replace(spec, weight_bits=4)
    assert max(abs(v) for v in mlp.initial_weights(tiny)) <= 7


def test_flattened_layout_is_w1_row_major_then_b1_w2_b2():
    spec = make_spec("mlp", 4, 3, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=2)
    flat = np.arange(spec.n_weights)
    w1, b1, w2, b2 = mlp.split(spec, flat)
    assert w1.tolist() == [[0, 1, 2], [3, 4, 5]] and b1.tolist() == [6, 7] and w2.tolist() == [8, 9] and b2 == 10
    with pytest.raises(InputError, match="11 weights"):
        mlp.split(spec, flat[:-1])


def test_spec_refuses_values_that_could_wrap_the_field():
    assert model_module("mlp") is mlp
    # 10^6 rows of 64-bit values at f = 60: the hidden layer's gradient times lr_num reaches
    # 60 + 1 + 63 + 63 + 20 + 41 + 1 = 249 bits with lr_num = 2^40, just inside the 250 the
    # field allows; twice 2^41 more and it could wrap around R.
    edge = TrainingSpec("mlp", 10**6, 200, 1000, 60, 64, 64, 2**40, 60, hidden=8)
    mlp.check_spec(edge)
    with pytest.raises(InputError, match="a hidden-layer gradient times lr_num can reach 251 bits"):
        mlp.check_spec(dataclasses.replace(edge, lr_num=2**42))
    with pytest.raises(InputError, match="frac_bits >= 2"):
        mlp.check_spec(TrainingSpec("mlp", 4, 2, 1, 1, 16, 24, 1, 8, hidden=2))
    # A spec just inside the limits is accepted: the check is not simply "refuse everything big".
    mlp.check_spec(TrainingSpec("mlp", 1024, 30, 100, 16, 32, 32, 2**20, 40, hidden=8))
    with pytest.raises(InputError, match="at least one hidden unit"):
        TrainingSpec("mlp", 4, 2, 1, 8, 16, 14, 1, 8)


# -- soundness: every internal wire forced -------------------------------------------------------


def test_mlp_circuit_survives_single_wire_mutation():
    rows = np.array([[300, -200], [-150, 400], [-350, -100]])
    targets = np.array([1 << F, 0, 1 << F])
    spec = make_spec("mlp", 3, 2, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, weight_bits=16, hidden=2)
    w0 = mlp.initial_weights(spec)
    assert both_relu_branches(spec, rows, w0)
    cs, r1cs, w, _ = run_model(mlp, spec, rows, targets, w0, public=True)
    # Inputs are public, so every internal wire (products, bits, hints) must be forced, except
    # is_zero's inverse hint inside the sigmoid when its input is 0 (documented in gadgets.compare).
    report = mutation_check(r1cs, w.tolist(), allowed_free=hint_wires(cs, ".inv"))
    assert report.ok, report.describe()
    assert len(report.checked) > 500


# -- the training statement, end to end ----------------------------------------------------------


def _xor_set(n: int, seed: int) -> Dataset:
    rows, targets = xor_data(n, seed)
    return Dataset(rows, targets, F, V, ("a", "b"), "y")


def test_prove_and_verify_training_of_a_tiny_mlp():
    ds = _xor_set(4, 3)
    salt = new_salt()
    spec = spec_for("mlp", ds, 1, 0.5, hidden=2)
    opening = train_model(spec, ds)
    assert list(opening.initial) == mlp.initial_weights(spec).tolist()
    assert list(opening.final) == train(spec, ds.features, ds.targets, opening.initial) != list(opening.initial)
    bundle = quiet(prove_training, spec, ds, salt, opening, INSTITUTION)
    assert verify_training(bundle)
    assert bundle.statement.dataset_commitment == commit(ds, salt, INSTITUTION)
    assert bundle.statement.spec.training.model == "mlp"
    bumped = list(opening.final)
    bumped[-1] += 1
    claimed = weights_commitment(bumped, opening.final_salt)
    wrong = dataclasses.replace(bundle.statement, final_weights_commitment=claimed)
    assert not verify_training(dataclasses.replace(bundle, statement=wrong))


def test_evaluation_clause_scores_the_mlp_itself():
    """The accuracy clause must count the MLP's own predictions, not a linear reading of its weights."""
    pts = [(-1, -1, 0), (-1, 1, 1), (1, -1, 1), (1, 1, 0)] * 2
    x = np.array([[a << F, b << F] for a, b, _ in pts], dtype=np.int64)
    y = np.array([c << F for _, _, c in pts], dtype=np.int64)
    ds = Dataset(x, y, F, V, ("a", "b"), "y")
    spec = spec_for("mlp", ds, 1, 0.5, hidden=2)
    model = train_model(spec, ds)
    measured = evaluate(spec, ds, model.final)
    scores = mlp.scores_np(spec, x, np.asarray(model.final, dtype=object))
    assert measured == sum(int(z >= 0) == int(t) >> F for z, t in zip(scores, y))
    claim = TrainingClaim(spec, Evaluation("accuracy", ds.n))
    opening = TrainingOpening(ds, new_salt(), model, (ds, new_salt()))
    statement = make_statement(claim, INSTITUTION, opening, measured)
    statement.check_opening(opening)
    check(*solve(statement, opening))
    if measured < ds.n:
        higher = dataclasses.replace(statement, threshold=measured + 1)
        with pytest.raises(InputError, match="evaluation claim is false"):
            higher.check_opening(opening)
        with pytest.raises(UnsatisfiedConstraint, match="accuracy >= min_correct"):
            check(*forge(higher, opening))


def test_optimality_clause_is_refused_for_the_mlp():
    ds = Dataset(np.array([[256, -256], [-256, 256]]), np.array([256, 0]), 8, 12, ("a", "b"), "y")
    spec = spec_for("mlp", ds, 1, 0.5, hidden=2)
    with pytest.raises(InputError, match="convex models"):
        TrainingClaim(spec, None, True)
    with pytest.raises(InputError, match="convex models"):
        prove_training(spec, ds, new_salt(), train_model(spec, ds), INSTITUTION, max_gradient=1.0)
