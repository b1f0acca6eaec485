"""The one-hidden-layer MLP: trainer == circuit bit for bit, textbook backprop, it learns XOR, it proves."""

from __future__ import annotations

import dataclasses
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkanchor.commit.commitment import commit_dataset
from zkanchor.commit.dataset import Dataset
from zkanchor.errors import InputError
from zkanchor.gadgets.activations import sigmoid_int
from zkanchor.gadgets.field import from_field, to_field
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.models import logreg, mlp, model_module
from zkanchor.models.spec import TrainingSpec, make_spec
from zkanchor.models.weights import weights_commitment
from zkanchor.r1cs import ConstraintSystem, check
from zkanchor.training.api import prove_training, train_model, verify_training

F = 8
V = 16  # value_bits, explicit so the tests do not depend on the kit's defaults


def random_problem(seed: int, n: int, d: int, spread: int = 2 << F):
    rng = np.random.default_rng(seed)
    rows = rng.integers(-spread, spread + 1, size=(n, d)).tolist()
    targets = [int(v) << F for v in rng.integers(0, 2, size=n)]
    return rows, targets


def run_circuit(spec, rows, targets, w0, kind=mlp):
    """The model circuit on private inputs; returns (cs, final weights as ints)."""
    cs = ConstraintSystem()
    xs = [[cs.private(value=to_field(v)) for v in row] for row in rows]
    ys = [cs.private(value=to_field(v)) for v in targets]
    ws = [cs.private(value=to_field(v)) for v in w0]
    out = kind.circuit(cs, spec, xs, ys, ws)
    return cs, [from_field(cs.value(w)) for w in out]


def relu_bits(cs) -> set[int]:
    """The values the circuit's ReLU bits took: {0, 1} when both branches ran."""
    return {v for name, v in zip(cs.wire_names(), cs.witness()) if name and name.endswith(".active.sign")}


# -- trainer == circuit ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trainer_and_circuit_agree_bit_for_bit(seed):
    rows, targets = random_problem(seed, 8, 3)
    spec = make_spec("mlp", 8, 3, epochs=3, learning_rate=0.8, frac_bits=F, value_bits=V, hidden=3)
    w0 = mlp.initial_weights(spec)
    expected = mlp.train(spec, rows, targets, w0)
    cs, got = run_circuit(spec, rows, targets, w0)
    assert got == expected
    assert expected != w0
    assert relu_bits(cs) == {0, 1}  # both ReLU branches (and their derivative bits) were exercised
    check(cs.build(), cs.witness())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 5), d=st.integers(1, 3), hidden=st.integers(1, 3), epochs=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1), lr=st.sampled_from([0.1, 0.5, 2.0]), wide=st.booleans(),
)
def test_trainer_and_circuit_agree_on_random_shapes(n, d, hidden, epochs, seed, lr, wide):
    # "wide" draws data from the whole value_bits range and weights far from the initial ones.
    spread = (1 << (V - 1)) - 1 if wide else 3 << F
    rows, targets = random_problem(seed, n, d, spread)
    spec = make_spec("mlp", n, d, epochs=epochs, learning_rate=lr, frac_bits=F, value_bits=V, hidden=hidden)
    rng = np.random.default_rng(seed + 1)
    w0 = [int(v) for v in rng.integers(-(4 << F), 4 << F, size=spec.n_weights)] if wide else mlp.initial_weights(spec)
    try:
        expected = mlp.train(spec, rows, targets, w0)
    except InputError:
        # An update too large for weight_bits: the circuit must refuse the same witness.
        with pytest.raises(InputError, match="does not fit"):
            run_circuit(spec, rows, targets, w0)
        return
    cs, got = run_circuit(spec, rows, targets, w0)
    assert got == expected
    check(cs.build(), cs.witness())


def test_forward_scores_agree_and_predict_like_probabilities():
    rows, targets = random_problem(4, 6, 2)
    spec = make_spec("mlp", 6, 2, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=2)
    w = mlp.train(spec, rows, targets, mlp.initial_weights(spec))
    cs = ConstraintSystem()
    xs = [[cs.private(value=to_field(v)) for v in row] for row in rows]
    ws = [cs.private(value=to_field(v)) for v in w]
    scores = mlp.scores_int(spec, rows, w)
    assert [from_field(cs.value(z)) for z in mlp.scores_circuit(cs, spec, xs, ws)] == scores
    check(cs.build(), cs.witness())
    # z >= 0 predicts class 1 exactly when the probability is at least 1/2.
    probs = mlp.probabilities_int(spec, rows, w)
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
        x = [v * unit for v in row]
        pre = [math.floor((sum(W1[k][j] * x[j] for j in range(d)) + b1[k]) / unit) * unit for k in range(hid)]
        h = [max(a, 0) for a in pre]
        z = sum(w2[k] * h[k] for k in range(hid)) + b2
        p = sigmoid_int(math.floor(z / unit), f) * unit
        e = p - target * unit
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
    assert mlp.train(spec, rows, targets, w0) == reference_epoch(spec, rows, targets, w0)


# -- it learns what a linear model cannot ----------------------------------------------------


def xor_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return np.round(x * (1 << F)).astype(np.int64).tolist(), [int(v) << F for v in y]


def accuracy(module, spec, rows, targets, w) -> float:
    scores = module.scores_int(spec, rows, w)
    return float(np.mean([(z >= 0) == (y >> F) for z, y in zip(scores, targets)]))


def mean_abs_error(spec, rows, targets, w) -> float:
    probs = mlp.probabilities_int(spec, rows, w)
    return float(np.mean([abs(p - y) for p, y in zip(probs, targets)])) / (1 << F)


def test_training_learns_xor_which_logistic_regression_cannot():
    rows, targets = xor_data(64, 0)
    test_rows, test_targets = xor_data(200, 1)
    spec = make_spec("mlp", 64, 2, epochs=200, learning_rate=1.0, frac_bits=F, value_bits=V, hidden=4)
    w0 = mlp.initial_weights(spec)
    w = mlp.train(spec, rows, targets, w0)
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
    assert w0 == mlp.initial_weights(spec) and len(w0) == spec.n_weights
    units, output = mlp.split(spec, w0)
    assert all(u[-1] == 0 for u in units) and output[-1] == 0  # biases start at zero
    assert len({tuple(u) for u in units}) == len(units)  # no two hidden units alike
    assert all(v != 0 for v in output[:-1])
    r1, r2 = math.isqrt((6 << 2 * F) // spec.d), math.isqrt((6 << 2 * F) // (spec.hidden + 1))
    assert all(abs(v) <= r1 for u in units for v in u[:-1])
    assert all(abs(v) <= r2 for v in output[:-1])
    # Only the shape is hashed: other n, epochs or learning rate start from the same point ...
    assert mlp.initial_weights(dataclasses.replace(spec, n=99, epochs=7, lr_num=3)) == w0
    # ... another shape does not.
    assert mlp.initial_weights(dataclasses.replace(spec, weight_bits=20)) != w0
    # A tiny weight_bits caps the draw instead of overflowing the commitment's range check.
    tiny = dataclasses.replace(spec, weight_bits=4)
    assert max(abs(v) for v in mlp.initial_weights(tiny)) <= 7


def test_flattened_layout_is_w1_row_major_then_b1_w2_b2():
    spec = make_spec("mlp", 4, 3, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=2)
    flat = list(range(spec.n_weights))
    units, output = mlp.split(spec, flat)
    assert units == [[0, 1, 2, 6], [3, 4, 5, 7]] and output == [8, 9, 10]
    assert mlp.join(units, output) == flat
    with pytest.raises(InputError, match="11 weights"):
        mlp.split(spec, flat[:-1])


def test_spec_refuses_values_that_could_wrap_the_field():
    assert model_module("mlp") is mlp
    huge = TrainingSpec("mlp", 10**6, 200, 1000, 60, 64, 64, 2**40, 60, hidden=8)
    with pytest.raises(InputError, match="bits"):
        mlp.check_spec(huge)
    with pytest.raises(InputError, match="frac_bits >= 2"):
        mlp.check_spec(TrainingSpec("mlp", 4, 2, 1, 1, 16, 24, 1, 8, hidden=2))
    # A spec just inside the limits is accepted: the check is not simply "refuse everything big".
    mlp.check_spec(TrainingSpec("mlp", 1024, 30, 100, 16, 32, 32, 2**20, 40, hidden=8))


# -- soundness: every internal wire forced -------------------------------------------------------


def test_mlp_circuit_survives_single_wire_mutation():
    rows = [[300, -200], [-150, 400], [-350, -100]]
    targets = [1 << F, 0, 1 << F]
    spec = make_spec("mlp", 3, 2, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, weight_bits=16, hidden=2)
    cs = ConstraintSystem()
    xs = [[cs.public(value=to_field(v)) for v in row] for row in rows]
    ys = [cs.public(value=to_field(v)) for v in targets]
    ws = [cs.public(value=to_field(v)) for v in mlp.initial_weights(spec)]
    out = mlp.circuit(cs, spec, xs, ys, ws)
    final = [cs.internal(value=cs.value(w)) for w in out]
    for wire, term in zip(final, out):
        cs.assert_equal(wire, term)
    assert relu_bits(cs) == {0, 1}
    r1cs = cs.build()
    # Inputs are public, so every internal wire (products, bits, hints) must be forced, except
    # is_zero's inverse hint inside the sigmoid when its input is 0 (documented in gadgets.compare).
    hints = [w for w, name in enumerate(cs.wire_names()) if name and name.endswith(".inv")]
    report = mutation_check(r1cs, cs.witness(), allowed_free=hints)
    assert report.ok, report.describe()
    assert len(report.checked) > 1000


# -- the training statement, end to end ----------------------------------------------------------

INSTITUTION = 0x00C0FFEE00C0FFEE00C0FFEE00C0FFEE00C0FFEE


def test_prove_and_verify_training_of_a_tiny_mlp():
    rows, targets = xor_data(4, 3)
    ds = Dataset(np.array(rows), np.array(targets), F, V, ("a", "b"), "y")
    commitment, salt = commit_dataset(ds)
    spec = make_spec("mlp", 4, 2, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, hidden=2)
    opening = train_model(spec, ds)
    assert list(opening.initial) == mlp.initial_weights(spec)
    assert list(opening.final) == mlp.train(spec, rows, targets, opening.initial) != list(opening.initial)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = prove_training(spec, ds, salt, opening, INSTITUTION)
    assert verify_training(result.vk, result.proof, result.statement)
    assert result.statement.dataset_commitment == commitment.commitment
    assert result.statement.spec.model == "mlp"
    bumped = list(opening.final)
    bumped[-1] += 1
    claimed = weights_commitment(bumped, opening.final_salt)
    wrong = dataclasses.replace(result.statement, final_weights_commitment=claimed)
    assert not verify_training(result.vk, result.proof, wrong)


def test_evaluation_clause_scores_the_mlp_itself():
    """The accuracy clause must count the MLP's own predictions, not a linear reading of its weights."""
    import dataclasses as _dc

    from zkanchor.commit.commitment import commit_dataset as _commit
    from zkanchor.commit.dataset import Dataset as _Dataset
    from zkanchor.models import mlp as _mlp
    from zkanchor.models.spec import make_spec as _make_spec
    from zkanchor.training.api import train_model as _train
    from zkanchor.training.circuit import EvalSet, build_training_circuit, evaluate_int
    from zkanchor.r1cs import check as _check

    f = 8
    pts = [(-1, -1, 0), (-1, 1, 1), (1, -1, 1), (1, 1, 0)] * 2
    x = np.array([[a << f, b << f] for a, b, _ in pts], dtype=np.int64)
    y = np.array([c << f for _, _, c in pts], dtype=np.int64)
    ds = _Dataset(x, y, f, 24, ("a", "b"), "y")
    spec = _make_spec("mlp", ds.n, 2, epochs=1, learning_rate=0.5, hidden=2)
    opening = _train(spec, ds)
    _, salt = _commit(ds)
    probe = EvalSet(ds, salt, "accuracy", 0)
    measured = evaluate_int(spec, probe, opening.final)
    expected = sum(int(z >= 0) == int(t) >> f for z, t in zip(_mlp.scores_int(spec, x.tolist(), list(opening.final)), y))
    assert measured == expected
    cs, _ = build_training_circuit(spec, ds, salt, opening, 0xAA, _dc.replace(probe, threshold=measured))
    _check(cs.build(), cs.witness())


def test_optimality_clause_is_refused_for_the_mlp():
    from zkanchor.commit.commitment import commit_dataset as _commit
    from zkanchor.commit.dataset import Dataset as _Dataset
    from zkanchor.errors import InputError as _InputError
    from zkanchor.models.spec import make_spec as _make_spec
    from zkanchor.training.api import train_model as _train
    from zkanchor.training.circuit import build_training_circuit
    from zkanchor.training.statement import Optimality

    ds = _Dataset(np.array([[256, -256], [-256, 256]]), np.array([256, 0]), 8, 24, ("a", "b"), "y")
    spec = _make_spec("mlp", 2, 2, epochs=1, learning_rate=0.5, hidden=2)
    _, salt = _commit(ds)
    with pytest.raises(_InputError, match="convex models"):
        build_training_circuit(spec, ds, salt, _train(spec, ds), 0xAA, optimality=Optimality(0, 10**6))
