"""scikit-learn estimators whose ``fit`` is the exact integer training a proof proves.

``ZkLogisticRegression``, ``ZkLinearRegression`` and ``ZkMLPClassifier`` follow
scikit-learn's conventions (``fit``/``predict``/``score``, ``get_params``, ``classes_``,
``n_features_in_``, pipelines), and then prove what they did — fit in a pipeline, score,
commit the training data for an institution, prove, verify::

    from sklearn.datasets import load_breast_cancer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import zkanchor as zk

    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]                                         # five features keep the proof small
    pipe = make_pipeline(StandardScaler(), zk.ZkLogisticRegression(epochs=3)).fit(X[:32], y[:32])
    print(pipe.score(X[32:48], y[32:48]))                # predictions are the exact integer model's
    model = pipe[-1]
    model.commit(0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf)   # C_D, bound to the owner; the salt stays in model
    bundle = model.prove(test=(pipe[:-1].transform(X[32:48]), y[32:48]), min_accuracy=0.75)
    assert zk.verify_training(bundle)                    # with a key bound to the recompiled circuit

What ``fit`` does, exactly: ``X`` and ``y`` become a :class:`~zkanchor.commit.Table`
(``zkanchor.from_arrays``) and are quantized by ``zkanchor.quantize`` with the
estimator's ``frac_bits`` and ``value_bits`` (None: the narrowest width that holds the
data), and the model is trained by ``zkanchor.train_model`` — so the fitted weights
(``weights_``, integers at scale 2^frac_bits) are bit for bit the ones a proof opens.
Predictions quantize new rows the same way and run the exact integer model
(:mod:`zkanchor.export`); reals (``coef_``, ``predict``) are those integers divided by
their scale.  A classifier predicts its second class (``classes_[1]``) iff the exact
score is >= 0 — the rule the proof's accuracy counts, so ``score`` on the test set equals
the proven accuracy (a score of exactly 0, where scikit-learn's ``decision_function > 0``
convention would pick ``classes_[0]``, predicts ``classes_[1]``) — and ``predict_proba``
is the hard sigmoid clamp(1/2 + z/4, 0, 1) of the logit z, the function training uses
(not the logistic function).

The classifiers are binary (the training circuit proves 0/1 labels): two classes are
mapped to 0 and 1 in sorted order, more are refused.  Fitting takes no
``sample_weight``: the proven procedure is full-batch gradient descent on the
unweighted mean loss.

After ``fit``: :meth:`~_ZkEstimator.commit` commits the quantized training set for an
institution (its address is bound into C_D) and keeps the salt;
:meth:`~_ZkEstimator.prove` proves the training statement, optionally with an accuracy
(classifiers) or MSE (regression) claim on a test set it quantizes with the training
set's widths and commits for the same institution; :meth:`~_ZkEstimator.anchor` anchors
the dataset commitment and the proof on a :class:`~zkanchor.anchor.Registry`.
Registering the institution and the proof's circuit on the registry is the registry
admin's job (``zkanchor register-institution`` and ``zkanchor register-circuit
deployment.json KEYDIR --circuit-id ID --statement PROOFDIR``, KEYDIR being the key
directory the proof used: ``bundle.info["keys"]["path"]``).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .errors import InputError

__all__ = ["ZkEstimatorError", "ZkLinearRegression", "ZkLogisticRegression", "ZkMLPClassifier", "Anchors"]


class ZkEstimatorError(InputError, ValueError):
    """Unusable input to an estimator: a zkanchor InputError that is also the ValueError scikit-learn expects."""


@contextmanager
def _as_value_error() -> Iterator[None]:
    try:
        yield
    except ZkEstimatorError:
        raise
    except InputError as exc:
        raise ZkEstimatorError(str(exc)) from exc


@dataclass(frozen=True)
class Anchors:
    """What :meth:`_ZkEstimator.anchor` sent: the dataset anchor (None if anchored before) and the training anchor."""

    dataset: Any  # zkanchor.anchor.TxResult or None
    training: Any  # zkanchor.anchor.TxResult; .value is the statement hash


class _ZkEstimator(BaseEstimator):
    """What the three estimators share: exact fitting, exact predictions, commit, prove, anchor."""

    _kind = ""

    _curvature = 1.0  # the loss's curvature per unit of X~^T X~ / n (the sigmoid's slope 1/4 for classifiers)

    def __init__(self, epochs: int = 10, learning_rate: float | str = "auto", frac_bits: int = 8,
                 value_bits: Optional[int] = None, weight_bits: Optional[int] = None):
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.frac_bits = frac_bits
        self.value_bits = value_bits
        self.weight_bits = weight_bits

    # -- fitting ---------------------------------------------------------------------------

    def _spec_kwargs(self) -> dict[str, Any]:
        return {"weight_bits": self.weight_bits}

    def _learning_rate(self, dataset) -> float:
        """The learning rate on the mean loss: the parameter, or for "auto" 1/L on the committed data.

        L = curvature * lambda_max(X~^T X~ / n), X~ the quantized features (as reals) with
        a column of ones for the bias: the loss's smoothness constant, so gradient descent
        with step 1/L cannot diverge (for the MLP it is a heuristic from the input layer).
        The spec records the rate used; the proof proves training at that rate, not how it
        was chosen.
        """
        lr = self.learning_rate
        if isinstance(lr, str):
            if lr != "auto":
                raise ZkEstimatorError(f"learning_rate must be a positive number or 'auto', not {lr!r}")
            x = np.ldexp(dataset.features.astype(np.float64), -dataset.frac_bits)
            xt = np.column_stack([x, np.ones(dataset.n)])
            top = float(np.linalg.eigvalsh(xt.T @ xt / dataset.n)[-1])
            return 1.0 / (self._curvature * top)
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) or not lr > 0:
            raise ZkEstimatorError(f"learning_rate must be a positive number or 'auto', not {lr!r}")
        return float(lr)

    def _encode_fit(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _encode_test(self, y: object) -> np.ndarray:
        raise NotImplementedError

    def _feature_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(s) for s in names]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def fit(self, X, y):
        """Quantize ``X`` and ``y`` as ``zkanchor.quantize`` does and train exactly; returns self.

        A fit that fails leaves the estimator unfitted (never half of an old fit and half of a new one).
        """
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            del self.__dict__[name]  # a new fit forgets the previous fit, its commitments and proofs
        try:
            return self._fit(X, y)
        except BaseException:
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                del self.__dict__[name]
            raise

    def _fit(self, X, y):
        from .commit.quantize import from_arrays, quantize
        from .models.spec import spec_for
        from .training.api import train_model

        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=not self._is_classifier())
        targets = self._encode_fit(y)
        with _as_value_error():
            table = from_arrays(X, targets, self._feature_names(), "target", source="X")
            dataset = quantize(table, self.frac_bits, self.value_bits)
            spec = spec_for(self._kind, dataset, self.epochs, self._learning_rate(dataset), **self._spec_kwargs())
            try:
                opening = train_model(spec, dataset)
            except InputError as exc:
                if "lower the learning rate" not in str(exc):
                    raise
                raise ZkEstimatorError(f"{exc} (features on a large scale make this worse: standardise them first, "
                                       "e.g. with a StandardScaler in the pipeline)") from exc
        self.dataset_ = dataset
        self.spec_ = spec
        self.opening_ = opening
        self.weights_ = tuple(int(w) for w in opening.final)
        self._set_weight_attributes()
        return self

    @staticmethod
    def _is_classifier() -> bool:
        return False

    def _set_weight_attributes(self) -> None:
        scale = 2.0 ** self.spec_.frac_bits
        w = np.array(self.weights_, dtype=np.float64) / scale
        self.coef_ = w[:-1]
        self.intercept_ = float(w[-1])

    # -- exact predictions ----------------------------------------------------------------------

    def _scores(self, X) -> np.ndarray:
        from .export import exact_scores, quantize_rows

        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        with _as_value_error():
            q = quantize_rows(X, self.spec_.frac_bits, "X")
            return exact_scores(self.spec_, q, self.weights_)

    # -- proofs -----------------------------------------------------------------------------------

    def commit(self, institution):
        """Commit the quantized training set for ``institution`` (an address); the DatasetCommitment.

        The salt stays in the estimator (``salt_``, private): :meth:`prove` needs it, and
        whoever holds it with the data can open C_D.
        """
        from .addresses import parse_address
        from .commit.commitment import commit_dataset

        check_is_fitted(self)
        with _as_value_error():
            owner = parse_address(institution)
            commitment, salt = commit_dataset(self.dataset_, owner)
        for name in ("bundle_", "test_commitment_", "test_salt_", "anchors_"):
            self.__dict__.pop(name, None)
        self.commitment_, self.salt_, self.institution_ = commitment, salt, owner
        return commitment

    def _test_dataset(self, test):
        from .commit.quantize import ValueRangeError, from_arrays, quantize

        try:
            X_test, y_test = test
        except (TypeError, ValueError):
            raise ZkEstimatorError("test must be a pair (X_test, y_test)") from None
        X_test = validate_data(self, X_test, dtype=np.float64, reset=False)
        y_enc = self._encode_test(y_test)
        if len(y_enc) != X_test.shape[0]:
            raise ZkEstimatorError(f"the test set has {X_test.shape[0]} rows but {len(y_enc)} labels")
        ds = self.dataset_
        try:
            with _as_value_error():
                table = from_arrays(X_test, y_enc, self._feature_names(), "target", source="the test set")
                return quantize(table, ds.frac_bits, ds.value_bits)
        except ZkEstimatorError as exc:
            if isinstance(exc.__cause__, ValueRangeError):
                raise ZkEstimatorError(f"{exc} (the proof evaluates the test set at the training set's width, "
                                       f"{ds.value_bits} bits; fit with a wider value_bits)") from None
            raise

    def prove(self, test=None, *, min_accuracy: Optional[float] = None, max_mse: Optional[float] = None,
              max_gradient: Optional[float] = None, l2: float = 0.0, keys=None,
              progress: Optional[Callable[[str], None]] = None):
        """Prove the training statement for this fit; a :class:`~zkanchor.proofs.ProofBundle`.

        ``test`` = (X_test, y_test) in the units ``fit`` saw: quantized with the training
        set's widths, committed for the same institution (``test_commitment_``) and
        evaluated by ``min_accuracy`` (classifiers) or ``max_mse`` (regression), claims in
        the user's units.  ``max_gradient`` / ``l2``: the optimality clause (convex
        models).  ``keys``: a :class:`~zkanchor.proofs.KeyStore` (default: this machine's
        key cache, with a new single-party setup for a circuit it has no key for).
        """
        from .commit.commitment import commit_dataset
        from .training.api import prove_training

        check_is_fitted(self)
        if not hasattr(self, "salt_"):
            raise ZkEstimatorError("commit the training set first: call commit(institution) before prove()")
        test_pair = None
        with _as_value_error():
            if test is not None:
                test_ds = self._test_dataset(test)
                test_commitment, test_salt = commit_dataset(test_ds, self.institution_)
                self.test_commitment_, self.test_salt_ = test_commitment, test_salt
                test_pair = (test_ds, test_salt)
            bundle = prove_training(self.spec_, self.dataset_, self.salt_, self.opening_, self.institution_,
                                    test=test_pair, min_accuracy=min_accuracy, max_mse=max_mse,
                                    max_gradient=max_gradient, l2=l2, keys=keys, progress=progress)
        self.bundle_ = bundle
        return bundle

    def anchor(self, registry, circuit_id, sender) -> Anchors:
        """Anchor the dataset commitment (unless ``sender`` anchored it already) and the training proof.

        ``registry`` is a :class:`zkanchor.anchor.Registry`; ``circuit_id`` the id under
        which the registry admin registered this proof's circuit (the admin registers the
        institution and the circuit — see the module docstring); ``sender`` the
        institution's account, which must be the address the data was committed for.
        The dataset anchor lands in an earlier block than the training anchor, as the
        registry requires.  Refusals raise :class:`~zkanchor.anchor.RegistryError`
        naming the contract's error.
        """
        from .addresses import format_address, parse_address

        check_is_fitted(self)
        bundle = getattr(self, "bundle_", None)
        if bundle is None:
            raise ZkEstimatorError("prove first: anchor() sends the proof that prove() made")
        with _as_value_error():
            who = parse_address(sender, "the sender")
        if who != bundle.statement.institution:
            raise ZkEstimatorError(f"the proof names institution {format_address(bundle.statement.institution)}, "
                                   f"so only that account can anchor it, not {format_address(who)}")
        account = format_address(who)
        c_d = bundle.statement.dataset_commitment
        dataset_tx = None
        if not registry.dataset(account, c_d).anchored:
            dataset_tx = registry.anchor_dataset(c_d, sender=account)
        training_tx = registry.anchor_training(circuit_id, bundle.proof, bundle.public_inputs(), sender=account)
        self.anchors_ = Anchors(dataset_tx, training_tx)
        return self.anchors_


class _ZkClassifier(ClassifierMixin, _ZkEstimator):
    """Binary classification: classes_ mapped to 0/1, exact scores, the proof's decision rule."""

    _curvature = 0.25  # the hard sigmoid's slope

    def __init__(self, epochs: int = 10, learning_rate: float | str = "auto", frac_bits: int = 8,
                 value_bits: Optional[int] = None, weight_bits: Optional[int] = None,
                 score_bits: Optional[int] = None):
        super().__init__(epochs=epochs, learning_rate=learning_rate, frac_bits=frac_bits, value_bits=value_bits,
                         weight_bits=weight_bits)
        self.score_bits = score_bits

    def _spec_kwargs(self) -> dict[str, Any]:
        return {"weight_bits": self.weight_bits, "score_bits": self.score_bits or 0}

    @staticmethod
    def _is_classifier() -> bool:
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _encode_fit(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        classes = np.unique(y)
        if kind != "binary" or len(classes) > 2:
            shown = ", ".join(str(c) for c in classes[:5]) + (", ..." if len(classes) > 5 else "")
            raise ZkEstimatorError(f"Only binary classification is supported: the training circuit proves 0/1 labels, "
                                   f"and y has {len(classes)} classes ({shown}).")
        if len(classes) < 2:
            raise ZkEstimatorError(f"a classifier needs two classes to train on, but y has one class ({classes[0]})")
        self.classes_ = classes
        return (y == classes[1]).astype(np.float64)

    def _encode_test(self, y: object) -> np.ndarray:
        y = column_or_1d(np.asarray(y), warn=True)
        known = np.isin(y, self.classes_)
        if not known.all():
            raise ZkEstimatorError(f"y_test holds the label {y[~known][0]!r}, which is not one of the fitted classes "
                                   f"{list(self.classes_)}")
        return (y == self.classes_[1]).astype(np.float64)

    def decision_function(self, X) -> np.ndarray:
        """The exact logit z / 2^2f of every row (>= 0 predicts ``classes_[1]``)."""
        from .export import scores_as_reals

        z = self._scores(X)
        return scores_as_reals(self.spec_, z)

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the exact score is >= 0 (the proof's rule), else ``classes_[0]``."""
        z = self._scores(X)
        return self.classes_[(z >= 0).astype(np.int64)]

    def predict_proba(self, X) -> np.ndarray:
        """[P(classes_[0]), P(classes_[1])] per row: the hard sigmoid of the exact logit."""
        from .export import probabilities

        z = self._scores(X)
        p = probabilities(self.spec_, z)
        return np.column_stack([1.0 - p, p])


class ZkLogisticRegression(_ZkClassifier):
    """Binary logistic regression (hard sigmoid), trained by exact full-batch gradient descent.

    Parameters: ``epochs``; ``learning_rate`` on the mean loss, or "auto" (the default):
    1/L for the loss's smoothness constant L on the quantized training data, the largest
    step that cannot diverge — the rate used is in ``spec_.learning_rate`` and in the
    proof's statement; ``frac_bits`` (fixed-point fractional bits); ``value_bits`` (signed
    width of every committed value; None = the narrowest that holds the training data);
    ``weight_bits`` (signed bound of every weight; None = frac_bits + 6, i.e. |w| < 32);
    ``score_bits`` (signed bound of a score at scale 2^2f; None = 2 frac_bits + 7, i.e.
    logits within +-64).  Training that would leave a bound stops with a ValueError, where
    the circuit would be unsatisfiable.  Fitted: ``classes_``, ``coef_`` (1, d),
    ``intercept_`` (1,), ``weights_`` (exact integers), ``spec_``, ``dataset_`` (the
    quantized training set), ``opening_`` (weights and salts).
    """

    _kind = "logreg"

    def _set_weight_attributes(self) -> None:
        super()._set_weight_attributes()
        self.coef_ = self.coef_.reshape(1, -1)
        self.intercept_ = np.array([self.intercept_])


class ZkLinearRegression(RegressorMixin, _ZkEstimator):
    """Linear regression on the squared error, trained by exact full-batch gradient descent.

    Parameters as :class:`ZkLogisticRegression` except ``score_bits`` (scores are bounded
    by the data and weight widths).  Fitted: ``coef_`` (d,), ``intercept_``, ``weights_``,
    ``spec_``, ``dataset_``, ``opening_``.  ``predict`` is the exact score z / 2^2f.
    """

    _kind = "linreg"

    def _encode_fit(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float64)

    def _encode_test(self, y: object) -> np.ndarray:
        y = column_or_1d(np.asarray(y), warn=True)
        try:
            return y.astype(np.float64)
        except (TypeError, ValueError):
            raise ZkEstimatorError("y_test must hold numbers") from None

    def predict(self, X) -> np.ndarray:
        """The exact prediction z / 2^2f of every row, in the target's units."""
        from .export import scores_as_reals

        z = self._scores(X)
        return scores_as_reals(self.spec_, z)


class ZkMLPClassifier(_ZkClassifier):
    """A binary MLP classifier (one hidden ReLU layer, hard-sigmoid output), trained exactly.

    Parameters as :class:`ZkLogisticRegression`, plus ``hidden`` (hidden units).  The
    initial weights are a public function of the shape (no random state).  Fitted:
    ``classes_``, ``coefs_`` [(d, hidden), (hidden, 1)], ``intercepts_`` [(hidden,),
    (1,)], ``weights_``, ``spec_``, ``dataset_``.  No optimality clause (not convex).
    """

    _kind = "mlp"

    def __init__(self, hidden: int = 4, epochs: int = 10, learning_rate: float | str = "auto", frac_bits: int = 8,
                 value_bits: Optional[int] = None, weight_bits: Optional[int] = None,
                 score_bits: Optional[int] = None):
        super().__init__(epochs=epochs, learning_rate=learning_rate, frac_bits=frac_bits, value_bits=value_bits,
                         weight_bits=weight_bits, score_bits=score_bits)
        self.hidden = hidden

    def _spec_kwargs(self) -> dict[str, Any]:
        return {**super()._spec_kwargs(), "hidden": self.hidden}

    def _set_weight_attributes(self) -> None:
        spec = self.spec_
        h, d = spec.hidden, spec.d
        w = np.array(self.weights_, dtype=np.float64) / 2.0 ** spec.frac_bits
        self.coefs_ = [w[:h * d].reshape(h, d).T.copy(), w[h * d + h:h * d + 2 * h].reshape(h, 1)]
        self.intercepts_ = [w[h * d:h * d + h].copy(), w[h * d + 2 * h:].copy()]
