"""Verifiable training end to end: trainer == circuit, honest proofs verify, every cheat fails."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from zkanchor.commit.commitment import commit_dataset
from zkanchor.commit.dataset import Dataset
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets.field import from_field, to_field
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.models import model_module
from zkanchor.models.spec import TrainingSpec, make_spec
from zkanchor.models.weights import weights_commitment
from zkanchor.r1cs import ConstraintSystem, check
from zkanchor.training.api import prove_training, train_model, verify_training
from zkanchor.training.circuit import EvalSet, ModelOpening, build_training_circuit, evaluate_int, optimality_gradient_int
from zkanchor.training.statement import Optimality, TrainingStatement

F = 8
NAMES = ("a", "b", "c")


def make_dataset(kind: str, n: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2 << F), 2 << F, size=(n, len(NAMES)))
    if kind == "logreg":
        y = (x @ np.array([2, -1, 1]) + rng.integers(-100, 100, size=n) > 0).astype(np.int64) << F
    else:
        y = (x @ np.array([2, -1, 1])) // 2 + rng.integers(-20, 20, size=n)
    return Dataset(x, y, F, 24, NAMES, "y")


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trainer_and_circuit_agree_bit_for_bit(kind, seed):
    ds = make_dataset(kind, 12, seed)
    spec = make_spec(kind, ds.n, ds.d, epochs=3, learning_rate=0.7, frac_bits=F, value_bits=24)
    module = model_module(kind)
    rng = np.random.default_rng(seed)
    w0 = [int(v) for v in rng.integers(-(1 << F), 1 << F, size=spec.n_weights)]
    expected = module.train(spec, ds.features.tolist(), ds.targets.tolist(), w0)
    cs = ConstraintSystem()
    rows = [[cs.private(value=to_field(int(v))) for v in row] for row in ds.features]
    targets = [cs.private(value=to_field(int(v))) for v in ds.targets]
    weights = [cs.private(value=to_field(v)) for v in w0]
    out = module.circuit(cs, spec, rows, targets, weights)
    assert [from_field(cs.value(w)) for w in out] == expected
    assert expected != w0  # training moved the weights
    check(cs.build(), cs.witness())


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
def test_model_circuits_survive_single_wire_mutation(kind):
    ds = make_dataset(kind, 3, 5)
    spec = make_spec(kind, ds.n, ds.d, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=24, weight_bits=16)
    module = model_module(kind)
    cs = ConstraintSystem()
    rows = [[cs.public(value=to_field(int(v))) for v in row] for row in ds.features]
    targets = [cs.public(value=to_field(int(v))) for v in ds.targets]
    weights = [cs.public(value=0) for _ in range(spec.n_weights)]
    out = module.circuit(cs, spec, rows, targets, weights)
    final = [cs.internal(value=cs.value(w)) for w in out]
    for wire, term in zip(final, out):
        cs.assert_equal(wire, term)
    r1cs = cs.build()
    # Inputs are public, so every internal wire (products, bits, hints) must be forced.
    # is_zero's inverse hint (inside the sigmoid's clamp test) is free when its input is 0,
    # as documented in gadgets.compare; nothing else may be.
    hints = [w for w, name in enumerate(cs.wire_names()) if name and name.endswith(".inv")]
    report = mutation_check(r1cs, cs.witness(), allowed_free=hints)
    assert report.ok, report.describe()
    assert set(report.free) <= set(hints)


def _honest(kind: str, with_test: bool, n: int = 6):
    ds = make_dataset(kind, n, 11)
    commitment, salt = commit_dataset(ds)
    spec = make_spec(kind, ds.n, ds.d, epochs=2, learning_rate=0.5, frac_bits=F, value_bits=24)
    opening = train_model(spec, ds)
    test = None
    if with_test:
        tds = make_dataset(kind, 4, 12)
        _, tsalt = commit_dataset(tds)
        metric = "accuracy" if kind == "logreg" else "sse"
        probe = EvalSet(tds, tsalt, metric, 0)
        test = dataclasses.replace(probe, threshold=evaluate_int(spec, probe, opening.final))
    return ds, salt, commitment, spec, opening, test


INSTITUTION = 0x1234567890ABCDEF1234567890ABCDEF12345678


@pytest.fixture(scope="module")
def proven():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds, salt, commitment, spec, opening, test = _honest("logreg", with_test=True)
        result = prove_training(spec, ds, salt, opening, INSTITUTION, test)
    return ds, salt, commitment, spec, opening, test, result


def test_honest_training_proof_verifies(proven):
    _, _, commitment, _, opening, _, result = proven
    assert verify_training(result.vk, result.proof, result.statement)
    st = result.statement
    assert st.dataset_commitment == commitment.commitment
    assert st.final_weights_commitment == weights_commitment(opening.final, opening.final_salt)
    assert st.public_inputs()[0] == INSTITUTION and len(st.public_inputs()) == 7


def _claim(result, **changes) -> bool:
    return verify_training(result.vk, result.proof, dataclasses.replace(result.statement, **changes))


def test_data_differing_in_one_value_fails(proven):
    ds, salt, _, spec, opening, test, result = proven
    x = ds.features.copy()
    x[2, 1] += 1
    other = Dataset(x, ds.targets, ds.frac_bits, ds.value_bits, ds.feature_names, ds.target_name)
    other_commitment, _ = commit_dataset(other, salt)
    # the proof does not transfer to the other data's commitment ...
    assert not _claim(result, dataset_commitment=other_commitment.commitment)
    # ... and training on the other data cannot be passed off as training on the committed one
    other_opening = train_model(spec, other)
    cs, statement = build_training_circuit(spec, other, salt, other_opening, INSTITUTION, test)
    assert statement.dataset_commitment == other_commitment.commitment
    r1cs, witness = cs.build(), cs.witness()
    witness[2] = result.statement.dataset_commitment  # public input 1: C_D
    with pytest.raises(UnsatisfiedConstraint, match="C_D"):
        check(r1cs, witness)


def test_a_different_salt_fails(proven):
    ds, salt, _, _, _, _, result = proven
    other, _ = commit_dataset(ds, salt ^ 1)
    assert not _claim(result, dataset_commitment=other.commitment)


def test_final_weights_off_by_one_unit_fail(proven):
    ds, salt, _, spec, opening, test, result = proven
    bumped = list(opening.final)
    bumped[0] += 1
    assert not _claim(result, final_weights_commitment=weights_commitment(bumped, opening.final_salt))
    with pytest.raises(InputError, match="not what the declared training produces"):
        build_training_circuit(spec, ds, salt, dataclasses.replace(opening, final=tuple(bumped)), INSTITUTION, test)


def test_accuracy_claim_one_example_too_high_fails(proven):
    ds, salt, _, spec, opening, test, result = proven
    higher = dataclasses.replace(result.statement.evaluation, threshold=test.threshold + 1)
    assert not _claim(result, evaluation=higher)
    with pytest.raises(InputError, match="evaluation claim is false"):
        build_training_circuit(spec, ds, salt, opening, INSTITUTION, dataclasses.replace(test, threshold=test.threshold + 1))


def test_another_institution_cannot_use_the_proof(proven):
    _, _, _, _, _, _, result = proven
    assert not _claim(result, institution=INSTITUTION ^ 1)


def test_another_spec_cannot_be_claimed(proven):
    _, _, _, spec, _, _, result = proven
    assert not _claim(result, spec=dataclasses.replace(spec, epochs=spec.epochs + 1))


def test_forced_witness_with_wrong_weights_is_unsatisfiable():
    ds, salt, _, spec, opening, _ = _honest("linreg", with_test=False, n=4)
    cs, statement = build_training_circuit(spec, ds, salt, opening, INSTITUTION)
    r1cs, witness = cs.build(), cs.witness()
    check(r1cs, witness)
    # Claim another final-weights commitment while keeping every private wire honest.
    forged = list(witness)
    forged[4] = (forged[4] + 1) % (1 << 254)
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, forged)


def test_circuit_shape_does_not_depend_on_the_data():
    a = _honest("linreg", with_test=False, n=4)
    b_ds = make_dataset("linreg", 4, 99)
    _, b_salt = commit_dataset(b_ds)
    spec = a[3]
    b_open = train_model(spec, b_ds)
    cs_a, _ = build_training_circuit(spec, a[0], a[1], a[4], INSTITUTION)
    cs_b, _ = build_training_circuit(spec, b_ds, b_salt, b_open, INSTITUTION)
    assert cs_a.build().constraints == cs_b.build().constraints


def test_statement_json_round_trip(proven):
    st = proven[-1].statement
    assert TrainingStatement.from_json(st.to_json()) == st
    doc = st.to_json()
    doc["public_inputs"][3] = "1"
    with pytest.raises(InputError, match="public_inputs do not match"):
        TrainingStatement.from_json(doc)


def test_spec_refuses_values_that_could_wrap_the_field():
    spec = TrainingSpec("linreg", 10**6, 200, 1000, 60, 64, 64, 2**40, 60)
    with pytest.raises(InputError, match="bits"):
        model_module("linreg").check_spec(spec)


def _optimal_setup(kind: str):
    ds = make_dataset(kind, 6, 21)
    _, salt = commit_dataset(ds)
    spec = make_spec(kind, ds.n, ds.d, epochs=3, learning_rate=0.5, frac_bits=F, value_bits=24)
    opening = train_model(spec, ds)
    return ds, salt, spec, opening


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
def test_optimality_clause_holds_at_its_bound_and_fails_below(kind):
    ds, salt, spec, opening = _optimal_setup(kind)
    l2 = 3 << F
    worst = max(abs(g) for g in optimality_gradient_int(spec, ds, opening.final, l2))
    cs, statement = build_training_circuit(spec, ds, salt, opening, INSTITUTION, optimality=Optimality(l2, worst))
    r1cs, witness = cs.build(), cs.witness()
    check(r1cs, witness)
    assert statement.public_inputs()[-2:] == [l2, worst]
    with pytest.raises(InputError, match="optimality claim is false"):
        build_training_circuit(spec, ds, salt, opening, INSTITUTION, optimality=Optimality(l2, worst - 1))
    # A prover who forges the public bound one lower cannot satisfy the range checks.
    forged = list(witness)
    forged[len(statement.public_inputs())] = worst - 1
    with pytest.raises(UnsatisfiedConstraint, match="optimality"):
        check(r1cs, forged)


def test_optimality_cost_does_not_grow_with_epochs():
    ds, salt, spec, opening = _optimal_setup("linreg")
    sizes = []
    for epochs in (1, 4):
        s = dataclasses.replace(spec, epochs=epochs)
        o = train_model(s, ds)
        big = max(abs(g) for g in optimality_gradient_int(s, ds, o.final, 0))
        with_clause = build_training_circuit(s, ds, salt, o, INSTITUTION, optimality=Optimality(0, big))[0]
        without = build_training_circuit(s, ds, salt, o, INSTITUTION)[0]
        sizes.append(with_clause.n_constraints - without.n_constraints)
    assert sizes[0] == sizes[1] > 0
