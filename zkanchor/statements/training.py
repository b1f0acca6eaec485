"""The training statement: its public spec (the claim), its public inputs, its circuit.

A training proof says: *institution A knows a dataset D (committed in C_D, which binds
A, the shape, the columns and any standardisation statistics), and running the declared procedure from the initial
weights of C_W0 yields the final weights of C_W* — with optional clauses:

- **evaluation**: on a second committed set (C_T, same columns and standardisation
  statistics, ``n_test`` rows) the final model gets at least ``min_correct`` predictions
  right (classifiers), or a sum of squared errors of at most ``max_sse`` (regression,
  scale 2^4f);
- **optimality** (convex models): every component of the L2-regularised gradient at the
  final weights is at most ``max_gradient`` in absolute value (see :class:`Optimality`).

Public inputs, in this fixed order (the registry relies on the first five)::

    [0] institution   the prover's address: the owner bound into C_D (and C_T)
    [1] C_D           the training set's commitment
    [2] C_W0          the initial weights' commitment (recomputable from the spec when start = public)
    [3] C_W           the final weights' commitment
    [4] digest        the claim's digest: procedure, shapes, columns, clauses, scales
    [5] C_T           (evaluation) the test set's commitment
    [6] min_correct | max_sse    (evaluation) the threshold, range-checked in the circuit
    [.] l2, max_gradient         (optimality, after the evaluation inputs) both range-checked

Every field a reader is shown is either one of these inputs or inside the digest, and the
circuit is a function of the claim alone: a verifier rebuilds it from ``statement.json``,
so neither the shapes nor the scales nor the thresholds can be edited after proving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..addresses import format_address, parse_address
from ..commit.commitment import commit, leaf_salts, shape_digest
from ..commit.dataset import Dataset
from ..errors import FormatError, InputError
from ..gadgets.bits import range_check, signed_range_check
from ..gadgets.commitment import dataset_commitment, weights_commitment as weights_commitment_gadget
from ..gadgets.compare import is_nonnegative
from ..gadgets.counting import count_correct
from ..models import model_module
from ..models.linear import as_ints, gradient_bits, regularised_gradient_circuit, regularised_gradient_np
from ..models.linear import score_magnitude_bits
from ..models.spec import TrainingSpec
from ..models.weights import weights_commitment
from ..bn254.constants import R
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain
from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC
from .base import Statement, StatementSpec, check_derived_fields, field_int, require_mapping

STATEMENT_VERSION = 2
KIND = "training"
METRICS = {"accuracy": 1, "mse": 2}
L2_BITS = 64


@dataclass(frozen=True)
class Evaluation:
    """The evaluation clause's public shape: the metric and the test set's size (same columns)."""

    metric: str  # "accuracy" (classifiers) or "mse" (regression)
    n_test: int

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InputError(f"unknown evaluation metric {self.metric!r}; use accuracy or mse")
        if type(self.n_test) is not int or self.n_test < 1:
            raise InputError("the test set needs at least one row")


@dataclass(frozen=True)
class TrainingClaim(StatementSpec):
    """The public spec of a training statement: the procedure and the clauses' shapes."""

    training: TrainingSpec
    evaluation: Optional[Evaluation] = None
    optimality: bool = False
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        kind = model_module(self.training.model)
        if self.evaluation is not None:
            want = "accuracy" if kind.CLASSIFIER else "mse"
            if self.evaluation.metric != want:
                raise InputError(f"a {self.training.model} model is evaluated by {want}, not {self.evaluation.metric}")
        if self.optimality and not kind.CONVEX:
            raise InputError(f"the optimality clause is for convex models (linreg, logreg), not {self.training.model}")
        if self.optimality and self.training.masked:
            raise InputError("the optimality clause is not available when records may be left out (consent, erasure)")

    # -- public layout -----------------------------------------------------------------

    def public_names(self) -> list[str]:
        names = ["institution", "C_D", "C_W0", "C_W", "digest"]
        if self.training.masked:
            names += ["excluded"]
        if self.evaluation is not None:
            names += ["C_T", "min_correct" if self.evaluation.metric == "accuracy" else "max_sse"]
        if self.optimality:
            names += ["l2", "max_gradient"]
        return names

    def field_elements(self) -> list[int]:
        """What :meth:`digest` hashes (order is part of the format)."""
        e = self.evaluation
        return [STATEMENT_VERSION, 1, self.training.digest(), METRICS[e.metric] if e else 0, e.n_test if e else 0,
                int(self.optimality)]

    def digest(self) -> int:
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.STATEMENT, len(elements)))

    # -- widths the circuit uses ---------------------------------------------------------

    def threshold_bits(self) -> int:
        """Bits of the evaluation threshold's range checks."""
        e = self.evaluation
        assert e is not None
        if e.metric == "accuracy":
            return (e.n_test + 1).bit_length()
        return 2 * score_magnitude_bits(self.training) + math.ceil(math.log2(e.n_test + 1)) + 1

    def gradient_bits(self) -> int:
        """Bits of the optimality clause's range checks (independent of the epochs)."""
        t = self.training
        kind = model_module(t.model)
        error_bits = score_magnitude_bits(t) + 1 if t.model == "linreg" else t.frac_bits + 2
        return gradient_bits(t, error_bits) + 1

    def eval_score_bits(self) -> int:
        """Signed bits of a test score for the prediction's sign test."""
        t = self.training
        return score_magnitude_bits(t) if t.model != "mlp" else t.score_bits

    # -- circuit ----------------------------------------------------------------------

    def define(self, cs: ConstraintSystem) -> None:
        t = self.training
        kind = model_module(t.model)
        kind.check_spec(t)
        pub = {name: cs.public(name) for name in self.public_names()}
        x = cs.private("x", shape=(t.n, t.d))
        y = cs.private("y", shape=(t.n,))
        salts = cs.private("salts", shape=(t.n,))
        flags = cs.private("flags", shape=(t.n,)) if t.flags else None
        erased = cs.private("erased", shape=(t.n,)) if t.tombstones else None
        c_d = dataset_commitment(cs, x, y, salts, t.value_bits, shape_digest(t.n, t.d, t.frac_bits, t.value_bits,
                                 t.schema), pub["institution"], "data", flags, erased)
        cs.assert_equal(c_d, pub["C_D"], "C_D")
        mask = None
        if t.purpose >= 0:
            from ..commit.dataset import FLAG_BITS
            from ..gadgets.bits import to_bits

            mask = to_bits(cs, flags, FLAG_BITS, "consent")[:, t.purpose]
        if erased is not None:
            mask = 1 - erased if mask is None else cs.mul(mask, 1 - erased, "live")
        if mask is not None:
            # The number of records left out (no consent, or erased) is public.
            cs.assert_equal(pub["excluded"], t.n - mask.sum(), "excluded")
        if kind.CLASSIFIER:
            binary_labels(cs, y, t.frac_bits, "labels")
        if t.start == "public":
            w0_values = as_ints(kind.initial_weights(t))
            w0 = LC.constant(w0_values)
            cs.assert_equal(pub["C_W0"], weights_commitment(list(w0_values), 0), "C_W0")
        else:
            w0 = cs.private("w0", shape=(t.n_weights,))
            signed_range_check(cs, w0, t.weight_bits, "w0.range")
            cs.assert_equal(weights_commitment_gadget(cs, w0, cs.private("w0_salt"), "w0"), pub["C_W0"], "C_W0")
        final = kind.circuit(cs, t, x, y, w0, mask)
        cs.assert_equal(weights_commitment_gadget(cs, final, cs.private("w_salt"), "w"), pub["C_W"], "C_W")
        cs.assert_equal(pub["digest"], self.digest(), "digest")
        if self.evaluation is not None:
            self._define_evaluation(cs, pub, final)
        if self.optimality:
            self._define_optimality(cs, pub, x, y, final)

    def _define_evaluation(self, cs: ConstraintSystem, pub: dict, final: LC) -> None:
        t, e = self.training, self.evaluation
        assert e is not None
        kind = model_module(t.model)
        xt = cs.private("test_x", shape=(e.n_test, t.d))
        yt = cs.private("test_y", shape=(e.n_test,))
        ts = cs.private("test_salts", shape=(e.n_test,))
        tf = cs.private("test_flags", shape=(e.n_test,)) if t.flags else None
        c_t = dataset_commitment(cs, xt, yt, ts, t.value_bits,
                                 shape_digest(e.n_test, t.d, t.frac_bits, t.value_bits, t.schema),
                                 pub["institution"], "test", tf)
        cs.assert_equal(c_t, pub["C_T"], "C_T")
        scores = kind.scores_circuit(cs, t, xt, final, "test.scores")
        bits = self.threshold_bits()
        if e.metric == "accuracy":
            binary_labels(cs, yt, t.frac_bits, "test.labels")
            predictions = is_nonnegative(cs, scores, self.eval_score_bits(), "test.predictions")
            labels = yt * pow(2, -t.frac_bits, R)  # yt is 0 or 2^f, so this is the label bit
            correct = count_correct(cs, predictions, labels, check_labels=False, name="test.correct")
            range_check(cs, pub["min_correct"], bits, "min_correct.range")
            range_check(cs, correct - pub["min_correct"], bits, "accuracy >= min_correct")
        else:
            errors = scores - yt * (1 << t.frac_bits)
            sse = cs.mul(errors, errors, "test.squares").sum()
            range_check(cs, pub["max_sse"], bits, "max_sse.range")
            range_check(cs, pub["max_sse"] - sse, bits, "sse <= max_sse")

    def _define_optimality(self, cs: ConstraintSystem, pub: dict, x: LC, y: LC, final: LC) -> None:
        t = self.training
        kind = model_module(t.model)
        # l2 and the bound are public but bounded in the proof too, so nothing wraps around R.
        range_check(cs, pub["l2"], L2_BITS, "l2.range")
        bits = self.gradient_bits()
        range_check(cs, pub["max_gradient"], bits - 1, "max_gradient.range")
        errors = kind.errors_circuit(cs, t, x, y, final, "optimality")
        gradient = regularised_gradient_circuit(cs, t, x, errors, final, kind.error_scale(t), pub["l2"], "optimality")
        range_check(cs, gradient + pub["max_gradient"], bits, "optimality.low")
        range_check(cs, pub["max_gradient"] - gradient, bits, "optimality.high")

    # -- words ------------------------------------------------------------------------

    def describe(self) -> str:
        t = self.training
        text = (f"{t.model} trained by full-batch gradient descent for {t.epochs} epochs at learning rate "
                f"{t.learning_rate:.4g} on {t.n} rows x {t.d} features (fixed point 2^-{t.frac_bits}), "
                f"starting from {'the public initial weights' if t.start == 'public' else 'a checkpoint'}")
        if t.preprocessing is not None:
            text += f"; {t.preprocessing.describe()}"
        if self.evaluation is not None:
            text += f"; evaluated by {self.evaluation.metric} on {self.evaluation.n_test} committed test rows"
        if self.optimality:
            text += "; with a bound on the regularised gradient at the final weights"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"training": self.training.to_json(), "evaluation": None, "optimality": self.optimality,
                               "digest": str(self.digest())}
        if self.evaluation is not None:
            out["evaluation"] = {"metric": self.evaluation.metric, "n_test": self.evaluation.n_test}
        return out

    @staticmethod
    def from_json(obj: object, what: str = "claim") -> "TrainingClaim":
        spec = require_mapping(obj, what)
        try:
            training = TrainingSpec.from_json(spec.get("training"), f"{what}'s training spec")
            evaluation = None
            if spec.get("evaluation") is not None:
                e = require_mapping(spec["evaluation"], f"{what}'s evaluation")
                evaluation = Evaluation(e.get("metric"), e.get("n_test"))
            optimality = spec.get("optimality", False)
            if not isinstance(optimality, bool):
                raise FormatError(f"the {what}'s optimality must be true or false")
            claim = TrainingClaim(training, evaluation, optimality)
        except FormatError:
            raise
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        if "digest" in spec and str(spec["digest"]) != str(claim.digest()):
            raise FormatError(f"the {what}'s digest does not match its fields")
        return claim


def binary_labels(cs: ConstraintSystem, y: LC, frac_bits: int, name: str) -> None:
    """Constrain every label to 0 or 2^f (class 0 or 1): y (y - 2^f) = 0, one constraint each."""
    cs.constrain(y, y - (1 << frac_bits), 0, name)


# -- the opening (private) and the statement -------------------------------------------


@dataclass(frozen=True)
class ModelOpening:
    """The private side of a trained model: weights and the salts of their commitments."""

    initial: tuple[int, ...]
    final: tuple[int, ...]
    initial_salt: int
    final_salt: int


@dataclass(frozen=True)
class TrainingOpening:
    """Everything private a training proof needs: data, salts, weights, the test set."""

    dataset: Dataset
    salt: int
    model: ModelOpening
    test: Optional[tuple[Dataset, int]] = None  # (test set, its salt)


@dataclass(frozen=True)
class TrainingStatement(Statement):
    """One training claim: the spec plus its public values (see the module docstring)."""

    spec: TrainingClaim
    institution: int
    dataset_commitment: int
    initial_weights_commitment: int
    final_weights_commitment: int
    test_commitment: Optional[int] = None
    threshold: Optional[int] = None  # min_correct (accuracy) or max_sse (mse)
    l2: Optional[int] = None
    max_gradient: Optional[int] = None
    excluded: Optional[int] = None  # records left out of training (consent, erasure), when the spec masks

    def __post_init__(self) -> None:
        parse_address(self.institution)
        if self.spec.training.masked != (self.excluded is not None):
            raise InputError("the number of excluded records is public exactly when the spec may leave records out")
        if self.excluded is not None and (type(self.excluded) is not int or not 0 <= self.excluded <= self.spec.training.n):
            raise InputError(f"the excluded count must be between 0 and the {self.spec.training.n} rows")
        for name in ("dataset_commitment", "initial_weights_commitment", "final_weights_commitment"):
            v = getattr(self, name)
            if type(v) is not int or not 0 <= v < R:
                raise InputError(f"the statement's {name} must be a field element")
        e = self.spec.evaluation
        if (e is None) != (self.test_commitment is None) or (e is None) != (self.threshold is None):
            raise InputError("the evaluation clause needs both the test set's commitment and a threshold")
        if e is not None:
            if type(self.test_commitment) is not int or not 0 <= self.test_commitment < R:
                raise InputError("the test set's commitment must be a field element")
            limit = 1 << self.spec.threshold_bits()
            if type(self.threshold) is not int or not 0 <= self.threshold < limit:
                what = "min_correct" if e.metric == "accuracy" else "max_sse"
                raise InputError(f"{what} must be an integer in [0, 2^{self.spec.threshold_bits()}), "
                                 f"not {self.threshold!r}")
            if e.metric == "accuracy" and self.threshold > e.n_test:
                raise InputError(f"min_correct {self.threshold} is more than the {e.n_test} test rows")
        if self.spec.optimality != (self.l2 is not None and self.max_gradient is not None):
            raise InputError("the optimality clause needs both l2 and max_gradient")
        if self.spec.optimality:
            if type(self.l2) is not int or not 0 <= self.l2 < 1 << L2_BITS:
                raise InputError(f"l2 must be an integer in [0, 2^{L2_BITS})")
            bits = self.spec.gradient_bits() - 1
            if type(self.max_gradient) is not int or not 0 <= self.max_gradient < 1 << bits:
                raise InputError(f"max_gradient must be an integer in [0, 2^{bits})")

    def public_values(self) -> dict[str, int]:
        values = {"institution": self.institution, "C_D": self.dataset_commitment,
                  "C_W0": self.initial_weights_commitment, "C_W": self.final_weights_commitment,
                  "digest": self.spec.digest()}
        if self.excluded is not None:
            values["excluded"] = self.excluded
        if self.spec.evaluation is not None:
            values["C_T"] = self.test_commitment
            values["min_correct" if self.spec.evaluation.metric == "accuracy" else "max_sse"] = self.threshold
        if self.spec.optimality:
            values["l2"], values["max_gradient"] = self.l2, self.max_gradient
        return values  # type: ignore[return-value]

    # -- opening -----------------------------------------------------------------------

    def witness_inputs(self, opening: TrainingOpening) -> dict[str, Any]:
        t = self.spec.training
        ds = opening.dataset
        check_dataset(t, ds, "the training set", t.n)
        inputs: dict[str, Any] = {"x": ds.features, "y": ds.targets, "salts": leaf_salts(opening.salt, ds.n),
                                  "w_salt": opening.model.final_salt}
        if t.flags:
            inputs["flags"] = ds.flags
        if t.tombstones:
            inputs["erased"] = (ds.erased if ds.erased is not None else np.zeros(ds.n, dtype=bool)).astype(np.int64)
        if t.start == "checkpoint":
            inputs["w0"] = np.asarray(opening.model.initial, dtype=object)
            inputs["w0_salt"] = opening.model.initial_salt
        if self.spec.evaluation is not None:
            if opening.test is None:
                raise InputError("the evaluation clause needs the test set")
            test, test_salt = opening.test
            check_dataset(t, test, "the test set", self.spec.evaluation.n_test)
            inputs.update(test_x=test.features, test_y=test.targets, test_salts=leaf_salts(test_salt, test.n))
            if t.flags:
                inputs["test_flags"] = test.flags
        return inputs

    def check_opening(self, opening: TrainingOpening) -> None:
        """Refuse an opening that does not make this statement true, before any proving work."""
        t = self.spec.training
        kind = model_module(t.model)
        ds = opening.dataset
        check_dataset(t, ds, "the training set", t.n)
        if commit(ds, opening.salt, self.institution) != self.dataset_commitment:
            raise InputError("the data and salt do not open C_D for this institution (was the data edited "
                             "after commit, or committed by another institution?)")
        if kind.CLASSIFIER:
            kind.check_targets(t, ds.targets)
        model = opening.model
        if len(model.initial) != t.n_weights or len(model.final) != t.n_weights:
            raise InputError(f"the model must have {t.n_weights} weights")
        if t.start == "public" and list(model.initial) != list(kind.initial_weights(t)):
            raise InputError("the statement starts from the public initial weights, but the model started elsewhere")
        if weights_commitment(model.initial, model.initial_salt) != self.initial_weights_commitment:
            raise InputError("the initial weights do not open C_W0")
        if weights_commitment(model.final, model.final_salt) != self.final_weights_commitment:
            raise InputError("the final weights do not open C_W")
        mask = training_mask(t, ds)
        if mask is not None and int(t.n - mask.sum()) != self.excluded:
            raise InputError(f"{int(t.n - mask.sum())} records are left out of training, not the {self.excluded} claimed")
        trained = kind.train(t, ds.features, ds.targets, np.asarray(model.initial, dtype=object), mask=mask)
        if [int(v) for v in trained] != [int(v) for v in model.final]:
            raise InputError("the final weights are not what the declared training produces from this data")
        e = self.spec.evaluation
        if e is not None:
            if opening.test is None:
                raise InputError("the evaluation clause needs the test set")
            test, test_salt = opening.test
            check_dataset(t, test, "the test set", e.n_test)
            if commit(test, test_salt, self.institution) != self.test_commitment:
                raise InputError("the test data and salt do not open C_T")
            measured = evaluate(t, test, model.final)
            if (e.metric == "accuracy" and measured < self.threshold) or (e.metric == "mse" and measured > self.threshold):
                raise InputError(f"the evaluation claim is false: {describe_threshold(self, measured)}")
        if self.spec.optimality:
            worst = max(abs(int(g)) for g in optimality_gradient(t, ds, model.final, self.l2))
            if worst > self.max_gradient:
                raise InputError(f"the optimality claim is false: a gradient component is {worst}, above the bound "
                                 f"{self.max_gradient}")

    # -- words and files -----------------------------------------------------------------

    def claims(self) -> dict[str, Any]:
        """The clauses in the user's units (raw integers alongside)."""
        t, e = self.spec.training, self.spec.evaluation
        out: dict[str, Any] = {}
        if e is not None:
            if e.metric == "accuracy":
                out["evaluation"] = {"metric": "accuracy", "min_accuracy": self.threshold / e.n_test,
                                     "min_correct": self.threshold, "n_test": e.n_test}
            else:
                out["evaluation"] = {"metric": "mse", "max_mse": self.threshold / (e.n_test * 2 ** (4 * t.frac_bits)),
                                     "max_sse_raw": self.threshold, "n_test": e.n_test}
        if self.spec.optimality:
            scale = t.n * 2 ** (model_module(t.model).error_scale(t) + t.frac_bits)
            out["optimality"] = {"l2": self.l2 / (t.n * 2 ** t.frac_bits), "max_gradient": self.max_gradient / scale,
                                 "l2_raw": self.l2, "max_gradient_raw": self.max_gradient}
        return out

    def describe(self) -> str:
        t, e = self.spec.training, self.spec.evaluation
        text = (f"{format_address(self.institution)} trained {t.model} for {t.epochs} epochs (learning rate "
                f"{t.learning_rate:.4g}) on the {t.n} x {t.d} dataset committed in C_D = {self.dataset_commitment}, "
                f"from {'public initial weights' if t.start == 'public' else 'the checkpoint C_W0'} "
                f"to the model committed in C_W = {self.final_weights_commitment}")
        if t.preprocessing is not None:
            text += f"; {t.preprocessing.describe()}"
        if self.excluded is not None:
            why = " or ".join(filter(None, [f"had not consented to purpose {t.purpose}" if t.purpose >= 0 else "",
                                              "were erased" if t.tombstones else ""]))
            text += f"; {self.excluded} of the {t.n} records, which {why}, did not influence the model"
        c = self.claims()
        if e is not None and e.metric == "accuracy":
            text += f"; test accuracy >= {c['evaluation']['min_accuracy']:.4f} ({self.threshold} of {e.n_test} rows)"
        elif e is not None:
            text += f"; test MSE <= {c['evaluation']['max_mse']:.6g} on {e.n_test} rows"
        if self.spec.optimality:
            o = c["optimality"]
            text += f"; every component of the L2-regularised (lambda {o['l2']:.4g}) gradient <= {o['max_gradient']:.4g}"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": STATEMENT_VERSION,
            "kind": KIND,
            "spec": self.spec.to_json(),
            "institution": format_address(self.institution),
            "dataset_commitment": str(self.dataset_commitment),
            "initial_weights_commitment": str(self.initial_weights_commitment),
            "final_weights_commitment": str(self.final_weights_commitment),
        }
        if self.spec.evaluation is not None:
            out["test_commitment"] = str(self.test_commitment)
            out["threshold"] = str(self.threshold)
        if self.spec.optimality:
            out["l2"], out["max_gradient"] = str(self.l2), str(self.max_gradient)
        if self.excluded is not None:
            out["excluded"] = self.excluded
        out["public_inputs"] = [str(v) for v in self.public_inputs()]
        out["claims"] = self.claims()
        out["description"] = self.describe()
        return out

    @staticmethod
    def from_json(obj: object, what: str = "statement") -> "TrainingStatement":
        """Parse ``statement.json``: every field is re-derived, and the listed public inputs must match."""
        s = require_mapping(obj, what)
        if s.get("version") != STATEMENT_VERSION or s.get("kind") != KIND:
            raise FormatError(f"the {what} is not a version-{STATEMENT_VERSION} training statement")
        spec = TrainingClaim.from_json(s.get("spec"), f"{what}'s spec")
        try:
            optional = {}
            if spec.evaluation is not None:
                optional["test_commitment"] = field_int(s.get("test_commitment"), f"the {what}'s test_commitment")
                optional["threshold"] = field_int(s.get("threshold"), f"the {what}'s threshold")
            if spec.training.masked:
                optional["excluded"] = field_int(s.get("excluded"), f"the {what}'s excluded")
            if spec.optimality:
                optional["l2"] = field_int(s.get("l2"), f"the {what}'s l2")
                optional["max_gradient"] = field_int(s.get("max_gradient"), f"the {what}'s max_gradient")
            statement = TrainingStatement(
                spec=spec,
                institution=parse_address(s.get("institution")),
                dataset_commitment=field_int(s.get("dataset_commitment"), f"the {what}'s dataset_commitment"),
                initial_weights_commitment=field_int(s.get("initial_weights_commitment"),
                                                     f"the {what}'s initial_weights_commitment"),
                final_weights_commitment=field_int(s.get("final_weights_commitment"),
                                                   f"the {what}'s final_weights_commitment"),
                **optional,
            )
        except FormatError:
            raise
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        check_derived_fields(s, statement, what)
        return statement


def training_mask(spec: TrainingSpec, dataset: Dataset) -> Optional[np.ndarray]:
    """1 for each record that influences training, 0 for one left out (no consent, erased); None if all do."""
    if not spec.masked:
        return None
    mask = np.ones(dataset.n, dtype=np.int64)
    if spec.purpose >= 0:
        mask &= (dataset.flags >> spec.purpose) & 1
    if spec.tombstones and dataset.erased is not None:
        mask &= (~dataset.erased).astype(np.int64)
    return mask


def check_dataset(spec: TrainingSpec, dataset: Dataset, what: str, n: int) -> None:
    """Refuse a dataset whose shape, widths or columns differ from the spec's."""
    if (dataset.n, dataset.d) != (n, spec.d):
        raise InputError(f"{what} is {dataset.n} x {dataset.d}, but the spec expects {n} x {spec.d}")
    if (dataset.frac_bits, dataset.value_bits) != (spec.frac_bits, spec.value_bits):
        raise InputError(f"{what} is quantized with frac_bits {dataset.frac_bits} and value_bits "
                         f"{dataset.value_bits}, the spec with {spec.frac_bits} and {spec.value_bits}")
    if (tuple(dataset.feature_names), dataset.target_name) != (spec.feature_names, spec.target_name):
        raise InputError(f"{what}'s columns differ from the spec's")
    if dataset.has_flags != spec.flags:
        raise InputError(f"{what} {'has' if dataset.has_flags else 'has no'} consent flags, unlike the spec")
    if dataset.erased is not None and not spec.tombstones:
        raise InputError(f"{what} has erased records; train with a spec that allows them (tombstones)")
    if dataset.preprocessing != spec.preprocessing:
        # The circuit rebuilds the set's C_D shape from the spec's schema, statistics included.
        test = what == "the test set"
        if spec.preprocessing is None:
            why = f"{what} was standardised, but {'the training set was' if test else 'the spec says it was'} not"
        elif dataset.preprocessing is None:
            why = f"{what} was not standardised, but {'the training set was' if test else 'the spec says it was'}"
        else:
            why = f"{what} was standardised with other statistics than {'the training set' if test else 'the spec'}"
        raise InputError(why + ("; commit it with --stats-from the training set" if test else ""))


def evaluate(spec: TrainingSpec, test: Dataset, weights, rows: np.ndarray | None = None) -> int:
    """The measured value the evaluation clause bounds: correct predictions, or the SSE at 2^4f.

    ``rows`` (a boolean mask) restricts it to some rows, e.g. the ones a masked spec trained on.
    """
    kind = model_module(spec.model)
    features, targets = (test.features, test.targets) if rows is None else (test.features[rows], test.targets[rows])
    scores = kind.scores_np(spec, features, np.asarray(weights, dtype=object))
    y = as_ints(targets)
    if kind.CLASSIFIER:
        return int(np.sum((scores >= 0) == (y >> spec.frac_bits == 1)))
    errors = scores - (y << spec.frac_bits)
    return int(np.sum(errors * errors))


def optimality_gradient(spec: TrainingSpec, dataset: Dataset, weights, l2: int) -> np.ndarray:
    """The regularised gradient components the optimality clause bounds."""
    kind = model_module(spec.model)
    if not kind.CONVEX:
        raise InputError(f"the optimality clause is for convex models (linreg, logreg), not {spec.model}")
    w = np.asarray(weights, dtype=object)
    errors = kind.errors_np(spec, dataset.features, dataset.targets, w)
    return regularised_gradient_np(spec, dataset.features, errors, w, kind.error_scale(spec), l2)


def describe_threshold(statement: TrainingStatement, measured: int) -> str:
    """A false evaluation claim in the user's units."""
    e = statement.spec.evaluation
    assert e is not None
    if e.metric == "accuracy":
        return (f"the model gets {measured} of {e.n_test} test rows right ({measured / e.n_test:.4f}), "
                f"fewer than the claimed {statement.threshold} ({statement.threshold / e.n_test:.4f})")
    scale = e.n_test * 2 ** (4 * statement.spec.training.frac_bits)
    return f"the test MSE is {measured / scale:.6g}, above the claimed {statement.threshold / scale:.6g}"


def make_statement(claim: TrainingClaim, institution: int, opening: TrainingOpening,
                   threshold: Optional[int] = None, l2: Optional[int] = None,
                   max_gradient: Optional[int] = None) -> TrainingStatement:
    """The statement an opening gives (commitments computed from it; clauses' values as claimed)."""
    model = opening.model
    test_commitment = None
    if claim.evaluation is not None:
        if opening.test is None:
            raise InputError("the evaluation clause needs the test set")
        test_commitment = commit(opening.test[0], opening.test[1], institution)
    mask = training_mask(claim.training, opening.dataset)
    return TrainingStatement(
        excluded=None if mask is None else int(claim.training.n - mask.sum()),
        spec=claim,
        institution=institution,
        dataset_commitment=commit(opening.dataset, opening.salt, institution),
        initial_weights_commitment=weights_commitment(model.initial, model.initial_salt),
        final_weights_commitment=weights_commitment(model.final, model.final_salt),
        test_commitment=test_commitment,
        threshold=threshold,
        l2=l2,
        max_gradient=max_gradient,
    )
