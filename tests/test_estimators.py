"""The scikit-learn estimators: sklearn's own checks, exactness against the kit's trainer, and the proof steps.

Keys made by the proofs here go to a temporary cache (ZKANCHOR_CACHE), never into the checkout.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import zkanchor as zk
from zkanchor.commit import verify_opening
from zkanchor.errors import InputError
from zkanchor.estimators import Anchors, ZkEstimatorError, ZkLinearRegression, ZkLogisticRegression, ZkMLPClassifier
from zkanchor.statements.training import evaluate

OWNER = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF  # eth-tester account 1
OTHER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")

# -- scikit-learn's own checks -----------------------------------------------------------------

UNSCALED_MLP = ("the MLP's hidden pre-activations are bounded like its scores (|t| < 64 at the default "
                "score_bits = 2 frac_bits + 7) and this check's unscaled X ~ N(100, 1) leaves that bound at the "
                "public initial weights; the exact trainer refuses (a ValueError) where the circuit would be "
                "unsatisfiable instead of wrapping around")


def expected_failures(estimator) -> dict[str, str]:
    """Checks that cannot hold for exact fixed-point training at the default bounds, each with its reason."""
    if isinstance(estimator, ZkLinearRegression):
        return {"check_regressor_data_not_an_array": (
            "make_regression's unscaled target needs coefficients of about 35 to 100, beyond the default weight "
            "bound |w| < 32 (weight_bits = frac_bits + 6): the trainer stops where the circuit's range check "
            "would fail (test_wider_weight_bits_fit_what_the_default_bound_refuses fits it with weight_bits=20)")}
    if isinstance(estimator, ZkMLPClassifier):
        return {name: UNSCALED_MLP for name in
                ("check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in")}
    return {}


@parametrize_with_checks([ZkLogisticRegression(), ZkLinearRegression(), ZkMLPClassifier()],
                         expected_failed_checks=expected_failures, xfail_strict=True)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_sample_weights_are_not_taken():
    """sklearn runs its sample-weight checks only for estimators whose fit takes sample_weight: ours do not."""
    import inspect

    for cls in (ZkLogisticRegression, ZkLinearRegression, ZkMLPClassifier):
        assert "sample_weight" not in inspect.signature(cls.fit).parameters


def test_wider_weight_bits_fit_what_the_default_bound_refuses():
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=200, n_features=10, n_informative=1, bias=5.0, noise=4.0, random_state=42)
    X = StandardScaler().fit_transform(X)
    with pytest.raises(ZkEstimatorError, match="weight_bits"):
        ZkLinearRegression(epochs=20).fit(X, y)
    model = ZkLinearRegression(epochs=20, weight_bits=20).fit(X, y)
    assert model.score(X, y) > 0.9


# -- exactness -------------------------------------------------------------------------------------


def blobs(n=40, d=3, seed=0, labels=("benign", "malignant")):
    rng = np.random.default_rng(seed)
    y = np.array([labels[i % 2] for i in range(n)])
    X = rng.normal(size=(n, d)) * [1.0, 2.0, 0.5][:d] + np.where(y == labels[1], 1.0, -1.0)[:, None]
    return X, y


def test_fit_is_the_kits_quantize_and_exact_trainer():
    X, y = blobs()
    model = ZkLogisticRegression(epochs=4, learning_rate=0.5).fit(X, y)
    table = zk.from_arrays(X, (y == "malignant").astype(float), [f"x{j}" for j in range(3)], "target")
    dataset = zk.quantize(table)
    spec = zk.spec_for("logreg", dataset, epochs=4, learning_rate=0.5)
    assert model.spec_ == spec
    assert np.array_equal(model.dataset_.features, dataset.features)
    assert model.weights_ == tuple(int(w) for w in zk.train_model(spec, dataset).final)
    assert np.array_equal(model.coef_, np.array([model.weights_[:3]]) / 256.0)
    assert model.intercept_.shape == (1,) and model.intercept_[0] == model.weights_[3] / 256.0
    assert list(model.classes_) == ["benign", "malignant"] and model.n_features_in_ == 3


def test_predictions_are_the_exact_integer_model():
    X, y = blobs(seed=1)
    model = ZkLogisticRegression(epochs=3).fit(X, y)
    q = zk.quantize(zk.from_arrays(X, np.zeros(len(X)))).features  # frac_bits 8, as fit
    w = np.array(model.weights_, dtype=object)
    z = q.astype(object).dot(w[:-1]) + (w[-1] << 8)
    assert np.array_equal(model.decision_function(X), z.astype(float) / 2 ** 16)
    assert np.array_equal(model.predict(X), np.where(z >= 0, "malignant", "benign"))
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(proba[:, 1], np.clip(z.astype(float) / 2 ** 18 + 0.5, 0, 1))
    # the proof's evaluation counts exactly what score() counts
    test = zk.quantize(zk.from_arrays(X, (y == "malignant").astype(float)), 8, model.dataset_.value_bits)
    assert evaluate(model.spec_, test, model.weights_) == round(model.score(X, y) * len(y))


def test_in_a_pipeline_with_a_scaler_and_get_set_params():
    X, y = blobs(n=60, seed=2)
    pipe = make_pipeline(StandardScaler(), ZkMLPClassifier(hidden=3, epochs=5)).fit(X, y)
    assert pipe.score(X, y) > 0.8
    params = pipe[-1].get_params()
    assert params == {"hidden": 3, "epochs": 5, "learning_rate": "auto", "frac_bits": 8, "value_bits": None,
                      "weight_bits": None, "score_bits": None}
    pipe.set_params(zkmlpclassifier__hidden=2)
    assert pipe.fit(X, y)[-1].spec_.hidden == 2 and len(pipe[-1].coefs_) == 2
    assert pipe[-1].coefs_[0].shape == (3, 2) and pipe[-1].intercepts_[1].shape == (1,)
    unfitted = clone(pipe[-1])
    assert not hasattr(unfitted, "weights_")
    from zkanchor.models import mlp

    model = pipe[-1]  # its decision on the training rows is the trainer's own exact forward pass
    z = mlp.scores_np(model.spec_, model.dataset_.features, np.array(model.weights_, dtype=object))
    assert (pipe.decision_function(X) * 2 ** 16).tolist() == [int(v) for v in z]


def test_linear_regression_predicts_in_the_targets_units():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 2))
    y = 1.5 * X[:, 0] - 0.5 * X[:, 1] + 2.0
    model = ZkLinearRegression(epochs=30).fit(X, y)
    assert model.score(X, y) > 0.99
    assert abs(model.coef_[0] - 1.5) < 0.05 and abs(model.intercept_ - 2.0) < 0.05
    assert model.spec_.learning_rate == pytest.approx(model.spec_.learning_rate)  # recorded in the spec


def test_the_auto_learning_rate_is_recorded_and_an_explicit_one_used():
    X, y = blobs()
    auto = ZkLogisticRegression(epochs=2).fit(X, y)
    assert auto.spec_.learning_rate > 0
    fixed = ZkLogisticRegression(epochs=2, learning_rate=0.25).fit(X, y)
    assert fixed.spec_.learning_rate == pytest.approx(0.25, rel=1e-2)
    for bad in (0, -1.0, "fast", True):
        with pytest.raises(ValueError, match="learning_rate"):
            ZkLogisticRegression(learning_rate=bad).fit(X, y)


def test_binary_only_in_one_sentence():
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="Only binary classification is supported") as info:
        ZkLogisticRegression().fit(X, [0, 1, 2, 0, 1, 2])
    message = str(info.value)
    assert message.count(". ") == 0 and message.endswith(".") and "3 classes" in message
    assert isinstance(info.value, InputError)
    with pytest.raises(ValueError, match="one class"):
        ZkMLPClassifier().fit(X, [1] * 6)
    model = ZkLogisticRegression(epochs=1).fit(X, [0, 1] * 3)
    with pytest.raises(ValueError, match="Only binary"):
        model.fit(X, [0, 1, 2, 0, 1, 2])
    assert not hasattr(model, "weights_") and not hasattr(model, "classes_")  # a failed fit leaves it unfitted


def test_training_that_leaves_its_bounds_is_a_value_error_with_a_hint():
    X = np.array([[100.0], [101.0], [102.0], [103.0]])
    with pytest.raises(ZkEstimatorError, match="StandardScaler") as info:
        ZkLinearRegression(learning_rate=1.0).fit(X, [1.0, 2.0, 3.0, 4.0])
    assert isinstance(info.value, ValueError) and isinstance(info.value, InputError)


# -- commit, prove, verify, anchor -----------------------------------------------------------------


def test_commit_prove_verify_with_a_test_set():
    X, y = blobs(n=12, seed=4)
    Xt, yt = blobs(n=8, seed=5)
    yt[:2] = yt[1::-1]  # two wrong labels: the accuracy is below 1
    model = ZkLogisticRegression(epochs=2).fit(X, y)
    with pytest.raises(ZkEstimatorError, match="commit"):
        model.prove()
    commitment = model.commit(OWNER)
    assert commitment.owner == OWNER and verify_opening(model.dataset_, model.salt_, commitment)
    accuracy = model.score(Xt, yt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="fewer than the claimed"):
            model.prove(test=(Xt, yt), min_accuracy=accuracy + 1 / 8)
        bundle = model.prove(test=(Xt, yt), min_accuracy=accuracy)
    assert zk.verify_training(bundle)
    st = bundle.statement
    assert st.institution == OWNER and st.dataset_commitment == commitment.commitment
    assert st.threshold == round(accuracy * len(yt))  # the proven count is score()'s
    assert st.test_commitment == model.test_commitment_.commitment
    assert model.bundle_ is bundle
    with pytest.raises(ZkEstimatorError, match="not one of the fitted classes"):
        model.prove(test=(Xt, ["benign"] * 7 + ["other"]), min_accuracy=0.5)
    model.fit(X, y)  # a new fit forgets the commitment
    assert not hasattr(model, "salt_") and not hasattr(model, "bundle_")


def test_linear_regression_proves_an_mse_claim():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(10, 2))
    y = X[:, 0] - X[:, 1]
    model = ZkLinearRegression(epochs=2).fit(X, y)
    model.commit("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    mse = float(np.mean((model.predict(X[:6]) - y[:6]) ** 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = model.prove(test=(X[:6], y[:6]), max_mse=mse * 1.01 + 1e-9)
    assert zk.verify_training(bundle)
    assert bundle.statement.to_json()["claims"]["evaluation"]["max_mse"] == pytest.approx(mse * 1.01 + 1e-9)


class FakeRegistry:
    """Records the calls anchor() makes (a Registry's interface, no chain)."""

    def __init__(self, anchored=False):
        self.calls, self.anchored = [], anchored

    def dataset(self, owner, commitment):
        self.calls.append(("dataset", owner, commitment))
        return type("Info", (), {"anchored": self.anchored})()

    def anchor_dataset(self, commitment, sender=None):
        self.calls.append(("anchor_dataset", commitment, sender))
        return "dataset-tx"

    def anchor_training(self, circuit_id, proof, public, sender=None):
        self.calls.append(("anchor_training", circuit_id, list(public), sender))
        return "training-tx"


def test_anchor_sends_the_dataset_then_the_proof_from_the_institution():
    X, y = blobs(n=8, seed=7)
    model = ZkLogisticRegression(epochs=1).fit(X, y)
    model.commit(OWNER)
    with pytest.raises(ZkEstimatorError, match="prove first"):
        model.anchor(FakeRegistry(), "logreg-small", OWNER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = model.prove()
    with pytest.raises(ZkEstimatorError, match="only that account"):
        model.anchor(FakeRegistry(), "logreg-small", OTHER)
    registry = FakeRegistry()
    sent = model.anchor(registry, "logreg-small", "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")
    account = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    c_d = bundle.statement.dataset_commitment
    assert registry.calls == [("dataset", account, c_d), ("anchor_dataset", c_d, account),
                              ("anchor_training", "logreg-small", bundle.public_inputs(), account)]
    assert sent == Anchors("dataset-tx", "training-tx") and model.anchors_ == sent
    again = FakeRegistry(anchored=True)
    assert model.anchor(again, "logreg-small", OWNER).dataset is None
    assert [c[0] for c in again.calls] == ["dataset", "anchor_training"]


@pytest.mark.slow
def test_anchor_on_an_embedded_chain():
    """Fit, commit, prove, then the admin registers the circuit and the estimator anchors on a real registry."""
    import shutil

    from zkanchor.paths import node_modules_dir

    if shutil.which("node") is None or not (node_modules_dir() / "solc" / "package.json").is_file():
        pytest.skip("needs node and the npm package solc; run scripts/setup.sh")
    from zkanchor.anchor.registry import Registry  # noqa: F401  (web3 is importable)
    from zkanchor.solidity.verifier import compile_verifier
    from zkanchor.statements.base import circuit_hash_of

    X, y = blobs(n=8, seed=8)
    chain = zk.connect()
    admin, institution = chain.accounts[0], chain.accounts[1]
    registry = zk.deploy_registry(chain)
    registry.register_institution(institution, "St. Mary", sender=admin)
    model = ZkLogisticRegression(epochs=1).fit(X, y)
    model.commit(institution)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = model.prove()
    # the admin's job: deploy the verifier for the proof's key and register the circuit
    verifier = chain.deploy(compile_verifier(bundle.vk), sender=admin)
    statement = bundle.statement
    start = statement.initial_weights_commitment
    registry.register_circuit("logreg-small", verifier.address, bundle.vk.n_public, "training",
                              circuit_hash_of(statement.spec).hash, statement.spec.digest(), start, sender=admin)
    sent = model.anchor(registry, "logreg-small", institution)
    assert sent.dataset is not None and sent.training.block_number > sent.dataset.block_number
    assert registry.dataset(institution, statement.dataset_commitment).anchored
    assert registry.anchor(sent.training.value) is not None


def test_the_module_docstring_example_runs():
    import zkanchor.estimators as module

    lines = module.__doc__.split("::\n\n", 1)[1].splitlines()
    code = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        code.append(line[4:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        namespace: dict = {}
        exec(compile("\n".join(code), "zkanchor.estimators example", "exec"), namespace)
    assert namespace["bundle"].statement.spec.evaluation.n_test == 16
