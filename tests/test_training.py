"""Verifiable training end to end: trainer == circuit, honest proofs verify, every cheat fails.

Proofs here are tiny (a few rows, three features, one or two epochs) so the file stays fast;
keys are made once per circuit into a temporary key cache (ZKANCHOR_CACHE).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.commit.commitment import commit, commit_dataset, new_salt
from zkanchor.commit.dataset import Dataset
from zkanchor.errors import FormatError, InputError, UnsatisfiedConstraint
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.models import model_module
from zkanchor.models.spec import TrainingSpec, make_spec, spec_for
from zkanchor.models.weights import weights_commitment
from zkanchor.proofs import KeyStore, ProofBundle, trusted_key, verify_statement
from zkanchor.r1cs import ConstraintSystem, check, circuit_hash, signed
from zkanchor.statements import Evaluation, TrainingClaim, TrainingOpening, TrainingStatement, compile
from zkanchor.statements.training import evaluate, make_statement, optimality_gradient
from zkanchor.training.api import (
    accuracy_threshold,
    mse_threshold,
    optimality_values,
    prove_training,
    train_model,
    verify_training,
)

F = 8
V = 14  # value_bits, explicit so the tests do not depend on the kit's defaults
NAMES = ("a", "b", "c")
INSTITUTION = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF  # eth-tester account 1
OTHER = 0x2B5AD5C4795C026514F8317C7A215E218DCCD6CF  # eth-tester account 2


# -- helpers (test_mlp and test_adversarial import them) -----------------------------------


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")


def quiet(fn, *args, **kwargs):
    """Call ``fn`` with the single-party setup warning silenced (tests make throwaway keys)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def make_dataset(kind: str, n: int, seed: int, d: int = 3, value_bits: int = V) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2 << F), 2 << F, size=(n, d))
    coef = np.array([2, -1, 1, 1, -2][:d])
    if kind == "linreg":
        y = (x @ coef) // 4 + rng.integers(-20, 20, size=n)
    else:
        y = (x @ coef + rng.integers(-100, 100, size=n) > 0).astype(np.int64) << F
    return Dataset(x, y, F, value_bits, ("a", "b", "c", "d", "e")[:d], "y")


def honest(kind: str = "logreg", n: int = 6, epochs: int = 2, test_rows: int = 0, optimality: bool = False,
           l2: int = 0, seed: int = 11, institution: int = INSTITUTION, lr: float = 0.5, **spec_kw):
    """(statement, opening) of an honest claim: tiny data, exact training, true clauses."""
    ds = make_dataset(kind, n, seed)
    spec = spec_for(kind, ds, epochs, lr, **spec_kw)
    if spec.start == "checkpoint":  # resume from the checkpoint one public-start epoch reaches
        first = train_model(dataclasses.replace(spec, epochs=1, start="public"), ds)
        model = train_model(spec, ds, initial=(first.final, first.final_salt))
    else:
        model = train_model(spec, ds)
    test, evaluation, threshold = None, None, None
    if test_rows:
        tds = make_dataset(kind, test_rows, seed + 1)
        test = (tds, new_salt())
        evaluation = Evaluation("mse" if kind == "linreg" else "accuracy", test_rows)
        threshold = evaluate(spec, tds, model.final)
    opt = (None, None)
    if optimality:
        opt = (l2, max(abs(int(g)) for g in optimality_gradient(spec, ds, model.final, l2)))
    claim = TrainingClaim(spec, evaluation, optimality)
    opening = TrainingOpening(ds, new_salt(), model, test)
    return make_statement(claim, institution, opening, threshold, *opt), opening


def solve(statement, opening, **public):
    """The statement's compiled circuit solved for ``opening``, with public inputs forced to ``public``.

    Returns (r1cs, witness).  The witness program runs as the honest prover's would; only
    the named public inputs are replaced (what a cheating prover controls).
    """
    circuit = compile(statement.spec)
    inputs = dict(statement.witness_inputs(opening))
    inputs.update(statement.public_values())
    inputs.update(public)
    return circuit.r1cs, circuit.cs.solve(inputs)


def forge(statement, opening, **public):
    """:func:`solve` as a cheating prover would: range-check hints fill in bits instead of refusing.

    The honest solver refuses a value that does not fit its range check; a cheater writes
    the low bits anyway and hopes the constraints let it through.  Returns (r1cs, witness).
    """
    from zkanchor.gadgets import bits

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bits, "require_unsigned_array", lambda *args: None)
        mp.setattr(bits, "require_signed_array", lambda *args: None)
        return solve(statement, opening, **public)


def failing_constraints(r1cs, witness) -> list[str]:
    """The names of every constraint ``witness`` breaks (not just the first)."""
    a, b, c = r1cs.evaluate(witness)
    return [r1cs.name_of(k) or str(k) for k in np.nonzero((a * b - c) % R != 0)[0]]


def hint_wires(cs: ConstraintSystem, suffix: str) -> list[int]:
    """Witness indices of every hint wire whose block name ends with ``suffix``."""
    cs.build()
    position = cs._layout()
    return [int(position[i]) for step in cs._steps if step.name and step.name.endswith(suffix)
            for i in step.ids.reshape(-1)]


def run_model(module, spec, x, y, w0, public: bool = False):
    """The model's circuit alone on inputs x, y, w0: (cs, r1cs, witness, final weights as ints)."""
    cs = ConstraintSystem()
    declare = cs.public if public else cs.private
    xs = declare("x", shape=np.shape(x))
    ys = declare("y", shape=np.shape(y))
    ws = declare("w", shape=(len(w0),))
    out = module.circuit(cs, spec, xs, ys, ws)
    r1cs = cs.build()
    w = cs.solve({"x": np.asarray(x, dtype=object), "y": np.asarray(y, dtype=object),
                  "w": np.asarray(w0, dtype=object)})
    return cs, r1cs, w, [int(v) for v in signed(out.value(cs._values))]


# -- trainer == circuit ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trainer_and_circuit_agree_bit_for_bit(kind, seed):
    ds = make_dataset(kind, 12, seed)
    spec = make_spec(kind, ds.n, ds.d, epochs=3, learning_rate=0.7, frac_bits=F, value_bits=V)
    module = model_module(kind)
    rng = np.random.default_rng(seed)
    w0 = [int(v) for v in rng.integers(-(1 << F), 1 << F, size=spec.n_weights)]
    trace: list = []
    expected = [int(v) for v in module.train(spec, ds.features, ds.targets, np.array(w0, dtype=object), trace)]
    _, r1cs, w, got = run_model(module, spec, ds.features, ds.targets, w0)
    assert got == expected
    assert expected != w0  # training moved the weights
    assert len(trace) == 3 and [int(v) for v in trace[-1]] == expected
    check(r1cs, w)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["linreg", "logreg"]), n=st.integers(1, 5), d=st.integers(1, 3),
       epochs=st.integers(1, 2), seed=st.integers(0, 2**32 - 1), lr=st.sampled_from([0.1, 0.5, 2.0]),
       wide=st.booleans())
def test_trainer_and_circuit_agree_on_random_shapes(kind, n, d, epochs, seed, lr, wide):
    _agree_on_random_shape(kind, n, d, epochs, seed, lr, wide)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["linreg", "logreg"]), n=st.integers(1, 8), d=st.integers(1, 4),
       epochs=st.integers(1, 3), seed=st.integers(0, 2**32 - 1), lr=st.sampled_from([0.05, 0.5, 2.0, 8.0]),
       wide=st.booleans())
def test_trainer_and_circuit_agree_on_many_random_shapes(kind, n, d, epochs, seed, lr, wide):
    _agree_on_random_shape(kind, n, d, epochs, seed, lr, wide)


def _agree_on_random_shape(kind, n, d, epochs, seed, lr, wide):
    # "wide" draws data from the whole value_bits range and weights far from zero.
    rng = np.random.default_rng(seed)
    spread = (1 << (V - 1)) - 1 if wide else 3 << F
    x = rng.integers(-spread, spread + 1, size=(n, d))
    y = (rng.integers(0, 2, size=n) << F) if kind == "logreg" else rng.integers(-spread, spread + 1, size=n)
    spec = make_spec(kind, n, d, epochs=epochs, learning_rate=lr, frac_bits=F, value_bits=V)
    module = model_module(kind)
    w0 = rng.integers(-(4 << F), 4 << F, size=spec.n_weights) if wide else np.zeros(spec.n_weights, dtype=np.int64)
    try:
        expected = [int(v) for v in module.train(spec, x, y, w0.astype(object))]
    except InputError:
        # A weight (or a logit) leaving the spec's range: the circuit's witness must be refused too.
        with pytest.raises(InputError):
            run_model(module, spec, x, y, w0)
        return
    _, r1cs, w, got = run_model(module, spec, x, y, w0)
    assert got == expected
    check(r1cs, w)


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
def test_model_circuits_survive_single_wire_mutation(kind):
    ds = make_dataset(kind, 3, 5)
    spec = make_spec(kind, ds.n, ds.d, epochs=1, learning_rate=0.5, frac_bits=F, value_bits=V, weight_bits=16)
    module = model_module(kind)
    cs, r1cs, w, _ = run_model(module, spec, ds.features, ds.targets, [0] * spec.n_weights, public=True)
    # Inputs are public, so every internal wire (products, bits, hints) must be forced.
    # is_zero's inverse hint (inside the sigmoid's clamp test) is free when its input is 0,
    # as documented in gadgets.compare; nothing else may be.
    inverses = hint_wires(cs, ".inv")
    report = mutation_check(r1cs, w.tolist(), allowed_free=inverses)
    assert report.ok, report.describe()
    assert len(report.checked) > 100


def test_spec_refuses_values_that_could_wrap_the_field():
    spec = TrainingSpec("linreg", 10**6, 200, 1000, 60, 64, 64, 2**40, 60)
    with pytest.raises(InputError, match="bits"):
        model_module("linreg").check_spec(spec)
    with pytest.raises(InputError, match="bits"):
        compile(TrainingClaim(spec))


def test_spec_digest_and_json():
    ds = make_dataset("logreg", 4, 1)
    spec = spec_for("logreg", ds, 2, 0.5)
    assert (spec.n, spec.d, spec.frac_bits, spec.value_bits, spec.feature_names) == (4, 3, F, V, NAMES)
    assert TrainingSpec.from_json(spec.to_json()) == spec
    assert abs(spec.learning_rate - 0.5) < 0.5 / 2**9
    digests = {spec.digest()}
    for change in (dict(epochs=3), dict(lr_num=spec.lr_num + 1), dict(feature_names=("a", "c", "b")),
                   dict(target_name="z"), dict(score_bits=spec.score_bits + 1), dict(weight_bits=15),
                   dict(start="checkpoint"), dict(n=5)):
        digests.add(dataclasses.replace(spec, **change).digest())
    assert len(digests) == 9
    doc = spec.to_json()
    doc["epochs"] = 3
    with pytest.raises(InputError, match="digest does not match"):
        TrainingSpec.from_json(doc)


# -- the statement's circuit ---------------------------------------------------------------


def test_circuit_is_compiled_from_the_spec_alone():
    statement, opening = honest("linreg", n=4, epochs=1)
    claim = statement.spec
    circuit = compile(claim)
    assert compile(claim) is circuit  # compiled once per process
    cs = ConstraintSystem()
    claim.define(cs)
    assert circuit_hash(cs.build()).hex() == circuit.hash
    assert list(circuit.public_names) == claim.public_names() == ["institution", "C_D", "C_W0", "C_W", "digest"]
    # Two datasets of the same shape, the same circuit: both witnesses satisfy it.
    other, other_opening = honest("linreg", n=4, epochs=1, seed=99)
    assert compile(other.spec).hash == circuit.hash
    for st_, op in ((statement, opening), (other, other_opening)):
        w = circuit.witness(st_, op)
        check(circuit.r1cs, w)
        assert [int(v) for v in w[1:6]] == st_.public_inputs()
    # Another epoch count is another circuit.
    longer = TrainingClaim(dataclasses.replace(claim.training, epochs=2))
    assert compile(longer).hash != circuit.hash


def test_forced_witness_with_wrong_final_weights_is_unsatisfiable():
    statement, opening = honest("linreg", n=4, epochs=1)
    r1cs, w = solve(statement, opening)
    check(r1cs, w)
    bumped = list(opening.model.final)
    bumped[0] += 1
    claimed = weights_commitment(bumped, opening.model.final_salt)
    r1cs, w = solve(statement, opening, C_W=claimed)
    with pytest.raises(UnsatisfiedConstraint, match="\\(C_W\\)"):
        check(r1cs, w)
    r1cs, w = solve(statement, opening, digest=statement.spec.digest() + 1)
    with pytest.raises(UnsatisfiedConstraint, match="\\(digest\\)"):
        check(r1cs, w)


def test_opening_check_names_every_false_part():
    statement, opening = honest("logreg", n=4, epochs=1, test_rows=3)
    statement.check_opening(opening)
    model = opening.model
    bumped = dataclasses.replace(model, final=(model.final[0] + 1,) + model.final[1:])
    cases = [
        (dataclasses.replace(opening, salt=opening.salt ^ 1), "do not open C_D"),
        (dataclasses.replace(opening, model=dataclasses.replace(model, final_salt=model.final_salt ^ 1)),
         "do not open C_W"),
        (dataclasses.replace(opening, test=(opening.test[0], opening.test[1] ^ 1)), "do not open C_T"),
        (dataclasses.replace(opening, test=None), "needs the test set"),
    ]
    for bad, message in cases:
        with pytest.raises(InputError, match=message):
            statement.check_opening(bad)
    forged = dataclasses.replace(statement, final_weights_commitment=weights_commitment(bumped.final, model.final_salt))
    with pytest.raises(InputError, match="not what the declared training produces"):
        forged.check_opening(dataclasses.replace(opening, model=bumped))


def test_statement_json_round_trip_and_public_inputs():
    statement, _ = honest("logreg", n=4, epochs=1, test_rows=3)
    assert TrainingStatement.from_json(statement.to_json()) == statement
    assert statement.public_inputs()[0] == INSTITUTION and len(statement.public_inputs()) == 7
    doc = statement.to_json()
    assert doc["institution"] == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    doc["public_inputs"][3] = "1"
    with pytest.raises(FormatError, match="public_inputs do not match"):
        TrainingStatement.from_json(doc)
    claims = statement.claims()["evaluation"]
    assert claims["min_correct"] == statement.threshold and claims["n_test"] == 3


# -- proofs -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proven(key_cache):
    """One honest logreg proof with the evaluation clause (the cheats below reuse it)."""
    ds = make_dataset("logreg", 6, 11)
    tds = make_dataset("logreg", 4, 12)
    _, salt = commit_dataset(ds, INSTITUTION)
    _, tsalt = commit_dataset(tds, INSTITUTION)
    spec = spec_for("logreg", ds, 2, 0.5)
    model = train_model(spec, ds)
    measured = evaluate(spec, tds, model.final)
    bundle = quiet(prove_training, spec, ds, salt, model, INSTITUTION, test=(tds, tsalt),
                   min_accuracy=measured / tds.n)
    assert bundle.statement.threshold == measured
    return ds, salt, tds, tsalt, spec, model, bundle


def _claim(bundle, **changes) -> bool:
    """Does the proof verify for the statement with ``changes`` (checked with the honest key)?"""
    key = _KEYS.get(id(bundle)) or _KEYS.setdefault(id(bundle), trusted_key(bundle.statement))
    return verify_statement(dataclasses.replace(bundle.statement, **changes), bundle.proof, key)


_KEYS: dict = {}


def test_honest_training_proof_verifies(proven, tmp_path):
    ds, salt, _, _, _, model, bundle = proven
    assert verify_training(bundle)
    st_ = bundle.statement
    assert st_.dataset_commitment == commit(ds, salt, INSTITUTION)
    assert st_.final_weights_commitment == weights_commitment(model.final, model.final_salt)
    assert st_.public_inputs()[0] == INSTITUTION and len(st_.public_inputs()) == 7
    assert bundle.circuit_hash == compile(st_.spec).hash and bundle.constraints > 0
    # The bundle saves and loads itself; the loaded one verifies too.
    loaded = ProofBundle.load(bundle.save(tmp_path / "proof"))
    assert loaded.statement == st_ and verify_training(loaded)
    # A key store without this circuit's keys has no trusted key: an error, not a guess.
    with pytest.raises(InputError, match="no trusted verification key"):
        verify_training(bundle, keys=KeyStore(cache=tmp_path / "empty", setup_missing=False))


def test_data_differing_in_one_value_fails(proven):
    ds, salt, tds, tsalt, spec, _, bundle = proven
    x = ds.features.copy()
    x[2, 1] += 1
    other = Dataset(x, ds.targets, ds.frac_bits, ds.value_bits, ds.feature_names, ds.target_name)
    # the proof does not transfer to the other data's commitment ...
    assert not _claim(bundle, dataset_commitment=commit(other, salt, INSTITUTION))
    # ... and training on the other data cannot be passed off as training on the committed one
    other_model = train_model(spec, other)
    opening = TrainingOpening(other, salt, other_model, (tds, tsalt))
    cheat = dataclasses.replace(make_statement(bundle.statement.spec, INSTITUTION, opening, 0),
                                dataset_commitment=bundle.statement.dataset_commitment)
    with pytest.raises(InputError, match="do not open C_D"):
        cheat.check_opening(opening)
    r1cs, w = solve(cheat, opening)
    with pytest.raises(UnsatisfiedConstraint, match="\\(C_D\\)"):
        check(r1cs, w)


def test_a_different_salt_fails(proven):
    ds, salt, _, _, _, _, bundle = proven
    assert not _claim(bundle, dataset_commitment=commit(ds, salt ^ 1, INSTITUTION))


def test_final_weights_off_by_one_unit_fail(proven):
    _, _, _, _, _, model, bundle = proven
    for k in (0, len(model.final) - 1):
        bumped = list(model.final)
        bumped[k] += 1
        assert not _claim(bundle, final_weights_commitment=weights_commitment(bumped, model.final_salt))


def test_accuracy_claim_one_example_too_high_fails(proven):
    ds, salt, tds, tsalt, spec, model, bundle = proven
    threshold = bundle.statement.threshold
    if threshold < tds.n:
        assert not _claim(bundle, threshold=threshold + 1)
    assert not _claim(bundle, threshold=threshold - 1)  # a weaker claim is another statement, too
    higher = dataclasses.replace(bundle.statement, threshold=threshold + 1)
    opening = TrainingOpening(ds, salt, model, (tds, tsalt))
    with pytest.raises(InputError, match="evaluation claim is false"):
        higher.check_opening(opening)
    with pytest.raises(InputError, match="accuracy >= min_correct"):
        solve(higher, opening)  # the honest solver cannot even write the witness ...
    r1cs, w = forge(higher, opening)  # ... and a forged one breaks the range check
    with pytest.raises(UnsatisfiedConstraint, match="accuracy >= min_correct"):
        check(r1cs, w)
    with pytest.raises(InputError, match="evaluation claim is false"):
        quiet(prove_training, spec, ds, salt, model, INSTITUTION, test=(tds, tsalt),
              min_accuracy=(threshold + 1) / tds.n)


def test_another_institution_cannot_use_the_proof(proven):
    _, _, _, _, _, _, bundle = proven
    assert not _claim(bundle, institution=OTHER)


def test_another_spec_cannot_be_claimed(proven):
    _, _, _, _, spec, _, bundle = proven
    claim = bundle.statement.spec
    for change in (dict(epochs=spec.epochs + 1),):  # other fields: see test_spec_digest_and_json
        other = dataclasses.replace(claim, training=dataclasses.replace(spec, **change))
        assert not _claim(bundle, spec=other)
    # ... and no key is trusted for the other spec's circuit on this machine.
    with pytest.raises(InputError, match="no trusted verification key"):
        trusted_key(dataclasses.replace(bundle.statement, spec=other))
    assert not _claim(bundle, spec=dataclasses.replace(claim, evaluation=Evaluation("accuracy", 5)),
                      threshold=bundle.statement.threshold)


def test_mse_clause_proves_and_refuses_a_tighter_bound():
    statement, opening = honest("linreg", n=4, epochs=1, test_rows=3)
    assert statement.spec.public_names()[-2:] == ["C_T", "max_sse"]
    r1cs, w = solve(statement, opening)
    check(r1cs, w)
    tighter = dataclasses.replace(statement, threshold=statement.threshold - 1)
    with pytest.raises(InputError, match="evaluation claim is false: the test MSE"):
        tighter.check_opening(opening)
    r1cs, w = forge(tighter, opening)
    with pytest.raises(UnsatisfiedConstraint, match="sse <= max_sse"):
        check(r1cs, w)


# -- the optimality clause -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linreg", "logreg"])
def test_optimality_clause_holds_at_its_bound_and_fails_below(kind):
    l2 = 3 << F
    statement, opening = honest(kind, n=6, epochs=3, optimality=True, l2=l2, seed=21)
    worst = statement.max_gradient
    assert statement.public_inputs()[-2:] == [l2, worst]
    r1cs, w = solve(statement, opening)
    check(r1cs, w)
    lower = dataclasses.replace(statement, max_gradient=worst - 1)
    with pytest.raises(InputError, match="optimality claim is false"):
        lower.check_opening(opening)
    # A prover who forges the public bound one lower cannot satisfy the range checks.
    r1cs, w = forge(lower, opening)
    with pytest.raises(UnsatisfiedConstraint, match="optimality"):
        check(r1cs, w)


def test_optimality_cost_does_not_grow_with_epochs():
    def clause_cost(epochs: int) -> int:
        spec = make_spec("linreg", 3, 2, epochs, 0.5, frac_bits=F, value_bits=V)
        r1cs = compile(TrainingClaim(spec, None, True)).r1cs
        names = ("optimality", "l2.range", "max_gradient.range")
        return sum(b.count for b in r1cs.blocks if b.name and b.name.startswith(names))

    assert clause_cost(1) == clause_cost(3) > 0


# -- the Python API in the user's units -----------------------------------------------------


def test_claims_in_user_units_round_toward_the_stronger_claim():
    assert accuracy_threshold(0.75, 4) == 3 and accuracy_threshold(0.76, 4) == 4 and accuracy_threshold(0, 4) == 0
    assert accuracy_threshold(0.3, 10) == 3  # 0.3 * 10 is 3.0000000000000004 in floats
    assert mse_threshold(0.5, 2, 2) == 256 and mse_threshold(0, 3, 8) == 0
    spec = make_spec("linreg", 4, 2, 1, 0.5, frac_bits=F, value_bits=V)
    l2, bound = optimality_values(spec, 0.25, 0.5)
    assert l2 == round(4 * 0.5 * 2**F) and bound == int(0.25 * 4 * 2 ** (2 * F + F))
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(InputError, match="between 0 and 1"):
            accuracy_threshold(bad, 4)
    with pytest.raises(InputError, match="non-negative"):
        mse_threshold(-1.0, 4, 8)
    with pytest.raises(InputError, match="non-negative"):
        optimality_values(spec, float("inf"), 0.0)


def test_prove_training_refuses_inconsistent_claims():
    ds = make_dataset("logreg", 4, 3)
    salt = new_salt()
    spec = spec_for("logreg", ds, 1, 0.5)
    model = train_model(spec, ds)
    test = (make_dataset("logreg", 3, 4), new_salt())
    cases = [
        (dict(min_accuracy=0.5), "needs a committed test set"),
        (dict(test=test), "exactly one claim"),
        (dict(test=test, min_accuracy=0.5, max_mse=1.0), "exactly one claim"),
        (dict(test=test, max_mse=1.0), "evaluated by its accuracy"),
        (dict(l2=0.5), "only makes sense with a gradient bound"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InputError, match=message):
            prove_training(spec, ds, salt, model, INSTITUTION, **kwargs)
    linreg = spec_for("linreg", make_dataset("linreg", 4, 3), 1, 0.5)
    with pytest.raises(InputError, match="evaluated by its mean squared error"):
        prove_training(linreg, make_dataset("linreg", 4, 3), salt, model, INSTITUTION,
                       test=(make_dataset("linreg", 3, 4), 1), min_accuracy=0.5)


def test_train_model_needs_the_checkpoint_for_a_checkpoint_spec():
    ds = make_dataset("linreg", 4, 3)
    spec = spec_for("linreg", ds, 1, 0.5, start="checkpoint")
    with pytest.raises(InputError, match="needs the checkpoint's weights and salt"):
        train_model(spec, ds)
    first = train_model(dataclasses.replace(spec, start="public"), ds)
    resumed = train_model(spec, ds, initial=(first.final, first.final_salt))
    assert resumed.initial == first.final and resumed.initial_salt == first.final_salt
    twice = train_model(dataclasses.replace(spec, epochs=2, start="public"), ds)
    assert resumed.final == twice.final  # one epoch from the checkpoint == two from the start
