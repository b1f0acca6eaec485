"""A trained model outside the proof: exact predictions in the user's units, exports, openings.

A model directory (``zkanchor train``) holds integers at scale 2^f.  What this module
does with them is the same arithmetic the trainer and the circuit use, in Python ints:

- **input**: a row in the user's units is standardised with the statistics committed
  with the training data (the spec's ``preprocessing``, which C_D's schema and the spec
  digest bind: ``(x - mean) / std``, the same float64 operations ``zkanchor commit
  --standardize`` ran) and quantized exactly as commit quantized it:
  ``q = round_half_away_from_zero(x * 2^f)``;
- **score** (scale 2^2f, no rounding): ``z = sum_j q_j w_j + b 2^f`` for linreg and
  logreg; for the MLP ``t_k = floor((sum_j q_j W1_kj + b1_k 2^f) / 2^f)``,
  ``h_k = max(t_k, 0)``, ``z = sum_k w2_k h_k + b2 2^f``;
- **prediction**: a classifier predicts class 1 iff ``z >= 0`` (the rule the evaluation
  clause counts), with probability ``clamp(1/2 + z / 2^(2f+2), 0, 1)`` — the hard sigmoid
  the training loss uses, on the exact score; a regression predicts ``z / 2^2f``.

Values the circuit would refuse (scores or hidden units beyond the spec's bounds, inputs
wider than the committed ``value_bits``) are still predicted, with the same exact
arithmetic; :func:`predict_rows` counts the rows whose inputs lie outside the committed
range, because no evaluation clause could have covered them.

Exports: :func:`export_json` (weights as reals and as the exact integers, the spec, the
preprocessing, the salt that opens C_W) and :func:`export_onnx` (needs the ``onnx``
package): a float64 graph whose every intermediate value is an integer below 2^53, so it
computes bit for bit the same classes, scores and probabilities as the exact model (the
graph rounds half away from zero with Floor/Sign, as commit does).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from .commit.preprocessing import FORMULA, Standardization
from .commit.quantize import (
    _NUMBER,
    DataFileError,
    RaggedRowError,
    Table,
    _records,
    _reject_cell,
    quantize,
    standardize,
)
from .errors import FormatError, InputError
from .fileio import read_bytes, read_json
from .models.spec import TrainingSpec
from .models.weights import weights_commitment

EXPORT_FORMAT = "zkanchor-model-export-v1"
ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # what opset 17 needs; older runtimes read it too
EXACT_FLOAT_BITS = 53  # integers below 2^53 are exact in float64


# -- the exact forward pass ------------------------------------------------------------------


def _ints(values: object) -> np.ndarray:
    arr = np.asarray(values)
    return arr if arr.dtype == object else arr.astype(object)


def exact_scores(spec: TrainingSpec, x: object, weights: Sequence[int]) -> np.ndarray:
    """The scores z_i (Python ints, scale 2^2f) of quantized rows ``x`` (n, d) under ``weights``.

    The trainer's arithmetic without its range checks: bounds are what a proof needs, a
    prediction is defined for any integer input.
    """
    q = _ints(x)
    if q.ndim != 2 or q.shape[1] != spec.d:
        raise InputError(f"the model takes rows of {spec.d} features, not an array of shape {q.shape}")
    w = _ints(list(weights))
    if len(w) != spec.n_weights:
        raise InputError(f"a {spec.model} model of this spec has {spec.n_weights} weights, not {len(w)}")
    f = spec.frac_bits
    if spec.model == "mlp":
        h_units, d = spec.hidden, spec.d
        w1 = w[:h_units * d].reshape(h_units, d)
        b1 = w[h_units * d:h_units * d + h_units]
        w2 = w[h_units * d + h_units:h_units * d + 2 * h_units]
        b2 = w[h_units * d + 2 * h_units]
        t = (q.dot(w1.T) + np.array([int(b) << f for b in b1], dtype=object)) >> f
        h = np.where(t >= 0, t, 0).astype(object)
        return h.dot(w2) + (int(b2) << f)
    return q.dot(w[:-1]) + (int(w[-1]) << f)


def scores_as_reals(spec: TrainingSpec, z: np.ndarray) -> np.ndarray:
    """Scores at scale 2^2f as float64 (the logit of a classifier, the value of a regression)."""
    return np.asarray(z, dtype=object).astype(np.float64) * 2.0 ** (-2 * spec.frac_bits)


def probabilities(spec: TrainingSpec, z: np.ndarray) -> np.ndarray:
    """P(class 1) = clamp(1/2 + z / 2^(2f+2), 0, 1): the hard sigmoid on the exact score.

    The same float64 operations (multiply, add, clip) as the exported ONNX graph.
    """
    zf = np.asarray(z, dtype=object).astype(np.float64)
    return np.clip(zf * 2.0 ** (-2 * spec.frac_bits - 2) + 0.5, 0.0, 1.0)


def is_classifier(spec: TrainingSpec) -> bool:
    """True for the binary classifiers (logreg, mlp)."""
    return spec.model in ("logreg", "mlp")


def quantize_rows(x: object, frac_bits: int, what: str = "the data") -> np.ndarray:
    """Real rows quantized exactly as commit quantizes (round half away from zero), any width up to 64 bits."""
    from .commit.quantize import quantize_array

    arr = np.asarray(x, dtype=np.float64)
    try:
        return quantize_array(arr, frac_bits, 64).astype(object)
    except InputError as exc:
        raise type(exc)(f"{what}: {exc}") from None


def outside_range(q: np.ndarray, value_bits: int) -> np.ndarray:
    """Per row: True when some value lies outside the committed signed ``value_bits`` range."""
    bound = 1 << (value_bits - 1)
    q = _ints(q)
    if q.size == 0:
        return np.zeros(q.shape[0], dtype=bool)
    return np.asarray(((q >= bound) | (q <= -bound)).any(axis=1), dtype=bool)


# -- model and dataset directories -----------------------------------------------------------


@dataclass(frozen=True)
class Preprocessing:
    """What a row goes through before the model: the committed standardisation (if any), then quantization."""

    record: Optional[Standardization]
    dataset: Optional[str] = None  # the dataset directory the record was checked against, if any

    @property
    def standardize(self) -> bool:
        return self.record is not None

    @property
    def mean(self) -> Optional[np.ndarray]:
        return None if self.record is None else self.record.arrays()[0]

    @property
    def std(self) -> Optional[np.ndarray]:
        return None if self.record is None else self.record.arrays()[1]

    def to_json(self, spec: TrainingSpec) -> dict[str, Any]:
        return {
            "standardize": None if self.record is None else {**self.record.to_json(), "formula": FORMULA},
            "quantize": {"frac_bits": spec.frac_bits, "value_bits": spec.value_bits,
                         "formula": "q = round_half_away_from_zero(x * 2^frac_bits)",
                         "note": f"committed values satisfy |q| < 2^{spec.value_bits - 1}"},
        }


def _commitment_json(directory: Path) -> Optional[dict]:
    path = directory / "commitment.json"
    if not path.is_file():
        return None
    obj = read_json(path, "commitment")
    if not isinstance(obj, dict):
        raise FormatError(f"{str(path)!r} must hold a JSON object")
    return obj


def _check_dataset(spec: TrainingSpec, path: Path) -> None:
    """Refuse a dataset directory whose committed standardisation is not the model's.

    The model's spec is what a training proof binds; the dataset's record is what its C_D
    binds.  They must agree, and when the directory holds the private data too, the data
    and salt must open its C_D with that record (so neither file was edited alone).
    """
    from .commit import load_commitment, load_dataset_dir, verify_opening

    commitment = load_commitment(path)
    if commitment.preprocessing != spec.preprocessing:
        raise InputError(f"the standardisation committed in {str(path)!r} is not the one the model was trained "
                         "with (its statistics differ from the model spec's)")
    if (path / "data.npz").is_file() and (path / "salt.json").is_file():
        dataset, salt, commitment = load_dataset_dir(path)
        if not verify_opening(dataset, salt, commitment):
            raise InputError(f"the data and salt in {str(path)!r} do not open its commitment.json (was it edited "
                             "after commit?)")


def find_preprocessing(spec: TrainingSpec, public_model: dict, model_dir: str | os.PathLike,
                       dataset_dir: str | os.PathLike | None = None) -> Preprocessing:
    """The preprocessing of the data the model was trained on: the committed record its spec carries.

    With ``dataset_dir``, its commitment.json must be the model's C_D (model.json's
    ``dataset_commitment``) and commit to the same record (see :func:`_check_dataset`).
    Without it, a sibling directory of ``model_dir`` holding that C_D is checked the same
    way when there is one.
    """
    want = str(public_model.get("dataset_commitment"))
    if dataset_dir is not None:
        path = Path(dataset_dir)
        if not path.is_dir():
            raise InputError(f"dataset directory {str(path)!r} does not exist")
        obj = _commitment_json(path)
        if obj is None:
            raise InputError(f"{str(path)!r} holds no commitment.json; name the directory 'zkanchor commit' wrote")
        if str(obj.get("commitment")) != want:
            raise InputError(f"{str(path)!r} is not the dataset the model was trained on (its C_D differs from "
                             "model.json's dataset_commitment)")
        _check_dataset(spec, path)
        return Preprocessing(spec.preprocessing, str(path))
    parent = Path(model_dir).resolve().parent
    try:
        siblings = sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        siblings = []
    for candidate in siblings:
        try:
            obj = _commitment_json(candidate)
        except InputError:
            continue
        if obj is not None and str(obj.get("commitment")) == want:
            _check_dataset(spec, candidate)
            return Preprocessing(spec.preprocessing, str(candidate))
    return Preprocessing(spec.preprocessing, None)


def load_model(model_dir: str | os.PathLike):
    """(spec, opening, public model.json) of a model directory, cross-checked (:mod:`zkanchor.training.modeldir`)."""
    from .training.modeldir import load_model_dir

    return load_model_dir(model_dir)


# -- CSV rows to predict -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """Rows read for prediction: features in the spec's column order, the target column if present."""

    table: Table  # targets are zeros when the file has no target column
    has_target: bool


def read_rows(path: str | os.PathLike, spec: TrainingSpec) -> Rows:
    """Read a CSV file of rows to predict: a header naming the model's features (any order), optionally its target.

    Cells follow the rules of ``zkanchor commit`` (decimal numbers, finite, quoted or
    not); every error is one sentence naming the line and the column.
    """
    source = Path(path).name or str(path)
    raw = read_bytes(path, "data")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"data file {source} is not UTF-8 text") from None
    try:
        records = [(line, row) for row, line in _records(csv.reader(io.StringIO(text, newline="")))]
    except csv.Error as exc:
        raise DataFileError(f"data file {source} is not valid CSV: {exc}") from None
    if not records:
        raise DataFileError(f"data file {source} is empty; it needs a header row naming the model's features")
    header = [h.strip() for h in records[0][1]]
    if len(set(header)) != len(header):
        raise DataFileError(f"data file {source}: the header names a column twice")
    features = list(spec.feature_names)
    missing = [name for name in features if name not in header]
    extra = [h for h in header if h not in features and h != spec.target_name]
    if missing or extra:
        shown = ", ".join(repr(n) for n in features[:8]) + (", ..." if len(features) > 8 else "")
        problem = (f"lacks the feature column {missing[0]!r}" if missing else f"has a column {extra[0]!r} the model "
                   "was not trained on")
        raise DataFileError(f"data file {source} has {len(header)} columns and {problem}; the model takes the "
                            f"{len(features)} features {shown} (and optionally the target {spec.target_name!r})")
    if len(records) == 1:
        raise DataFileError(f"data file {source} has a header but no rows to predict")
    order = [header.index(name) for name in features]
    t_col = header.index(spec.target_name) if spec.target_name in header else None
    n = len(records) - 1
    values = np.empty((n, len(header)), dtype=np.float64)
    lines = []
    for i, (line, row) in enumerate(records[1:]):
        if len(row) != len(header):
            raise RaggedRowError(f"{source} line {line} (data row {i + 1}) has {len(row)} cells "
                                 f"but the header has {len(header)} columns")
        lines.append(line)
        for k, cell in enumerate(row):
            cell = cell.strip()
            value = float(cell) if _NUMBER.fullmatch(cell) else math.nan
            if not math.isfinite(value):
                _reject_cell(cell, f"{source} line {line} (data row {i + 1}), column {header[k]!r}")
            values[i, k] = value
    targets = values[:, t_col] if t_col is not None else np.zeros(n)
    table = Table(values[:, order], targets, tuple(features), spec.target_name, source, tuple(lines))
    return Rows(table, t_col is not None)


# -- predictions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predictions:
    """A model's predictions for some rows, in the user's units."""

    spec: TrainingSpec
    scores: np.ndarray  # exact ints, scale 2^2f
    outside: np.ndarray  # rows whose inputs lie outside the committed value range
    metric: Optional[tuple[str, float]] = None  # ("accuracy" | "mse", value) when the rows carry the target

    @property
    def classes(self) -> np.ndarray:
        return (self.scores >= 0).astype(np.int64)

    @property
    def probabilities(self) -> np.ndarray:
        return probabilities(self.spec, self.scores)

    @property
    def values(self) -> np.ndarray:
        return scores_as_reals(self.spec, self.scores)

    def rows(self) -> list[dict[str, Any]]:
        """One JSON object per row: class, probability and score (the logit) for classifiers, value for regression."""
        if is_classifier(self.spec):
            return [{"class": int(c), "probability": float(p), "score": float(z)}
                    for c, p, z in zip(self.classes, self.probabilities, self.values)]
        return [{"value": float(v)} for v in self.values]

    def csv_text(self) -> str:
        """The predictions as CSV (header ``class,probability`` or ``value``; floats round-trip exactly)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if is_classifier(self.spec):
            writer.writerow(["class", "probability"])
            writer.writerows([int(c), repr(float(p))] for c, p in zip(self.classes, self.probabilities))
        else:
            writer.writerow(["value"])
            writer.writerows([repr(float(v))] for v in self.values)
        return out.getvalue()


def predict_rows(spec: TrainingSpec, weights: Sequence[int], rows: Rows, prep: Preprocessing) -> Predictions:
    """Standardise (as recorded), quantize (as commit does) and run the exact model on ``rows``."""
    table = rows.table
    if prep.record != spec.preprocessing:
        raise InputError("the rows would be standardised with other statistics than the ones the model was trained "
                         "with (its spec's committed record)")
    if prep.record is not None:
        table = standardize(table, prep.record.arrays())[0]
    data = quantize(table, spec.frac_bits, 64)  # names the cell of a value no fixed point holds
    q = data.features.astype(object)
    z = exact_scores(spec, q, weights)
    outside = outside_range(q, spec.value_bits)
    metric = None
    if rows.has_target:
        y = data.targets.astype(object)
        if is_classifier(spec):
            labels = y >> spec.frac_bits
            if np.all((y == 0) | (y == 1 << spec.frac_bits)):
                metric = ("accuracy", float(np.mean((z >= 0) == (labels == 1))))
        else:
            errors = z - (y << spec.frac_bits)
            metric = ("mse", float(sum(int(e) * int(e) for e in errors)) / len(errors) / 2.0 ** (4 * spec.frac_bits))
    return Predictions(spec, z, outside, metric)


# -- exports -------------------------------------------------------------------------------------


def weight_tables(spec: TrainingSpec, weights: Sequence[int]) -> dict[str, Any]:
    """The weights by role, each as exact integers (decimal strings) and as reals."""
    w = [int(v) for v in weights]
    scale = 2.0 ** spec.frac_bits

    def both(values):
        return {"integers": [str(v) for v in values], "reals": [v / scale for v in values]}

    if spec.model == "mlp":
        h_units, d = spec.hidden, spec.d
        w1 = [w[k * d:(k + 1) * d] for k in range(h_units)]
        return {
            "hidden_weights": {"integers": [[str(v) for v in row] for row in w1],
                               "reals": [[v / scale for v in row] for row in w1], "shape": [h_units, d]},
            "hidden_biases": both(w[h_units * d:h_units * d + h_units]),
            "output_weights": both(w[h_units * d + h_units:h_units * d + 2 * h_units]),
            "output_bias": both(w[h_units * d + 2 * h_units:]),
        }
    return {"coef": both(w[:spec.d]), "intercept": both(w[spec.d:])}


def inference_text(spec: TrainingSpec) -> str:
    """The exact inference procedure in words and formulas."""
    f = spec.frac_bits
    if spec.model == "mlp":
        score = (f"t_k = floor((sum_j q_j W1_kj + b1_k * 2^{f}) / 2^{f}); h_k = max(t_k, 0); "
                 f"z = sum_k w2_k h_k + b2 * 2^{f}")
    else:
        score = f"z = sum_j q_j w_j + b * 2^{f}"
    head = f"with q the quantized row and every weight an integer at scale 2^{f}: {score} (scale 2^{2 * f}); "
    if is_classifier(spec):
        return head + (f"class 1 iff z >= 0 (the rule the evaluation clause proves); P(class 1) = "
                       f"clamp(1/2 + z / 2^{2 * f + 2}, 0, 1)")
    return head + f"prediction = z / 2^{2 * f}"


def export_json(spec: TrainingSpec, opening, public_model: dict, prep: Preprocessing) -> dict[str, Any]:
    """The model as one JSON object: spec, weights (reals and exact integers), preprocessing, opening.

    It reveals the weights and the salt of C_W: whoever holds it can check that these are
    the weights the proof is about (``zkanchor check-opening``).
    """
    final = [int(v) for v in opening.final]
    return {
        "format": EXPORT_FORMAT,
        "model": spec.model,
        "classifier": is_classifier(spec),
        "spec": spec.to_json(),
        "feature_names": list(spec.feature_names),
        "target_name": spec.target_name,
        "weights": {"frac_bits": spec.frac_bits, "scale": 2 ** spec.frac_bits,
                    "flat": {"integers": [str(v) for v in final], "reals": [v / 2 ** spec.frac_bits for v in final]},
                    **weight_tables(spec, final)},
        "preprocessing": prep.to_json(spec),
        "inference": inference_text(spec),
        "dataset_commitment": str(public_model.get("dataset_commitment")),
        "final_weights_commitment": str(weights_commitment(final, opening.final_salt)),
        "final_weights_salt": str(opening.final_salt),
        "metrics": public_model.get("metrics"),
    }


def load_export(path: str | os.PathLike) -> tuple[TrainingSpec, list[int], int, dict]:
    """(spec, final weights, salt, object) of a JSON export; FormatError when it is not one."""
    from .statements.base import field_int

    obj = read_json(path, "model export")
    where = str(path)
    if not isinstance(obj, dict) or obj.get("format") != EXPORT_FORMAT:
        raise FormatError(f"{where!r} is not a zkanchor model export ({EXPORT_FORMAT})")
    spec = TrainingSpec.from_json(obj.get("spec"), f"spec in {where!r}")
    flat = (obj.get("weights") or {}).get("flat") or {}
    ints = flat.get("integers")
    if not isinstance(ints, list) or len(ints) != spec.n_weights:
        raise FormatError(f"{where!r}: weights.flat.integers must list the model's {spec.n_weights} weights")
    weights = signed_ints(ints, f"{where}: weights.flat.integers")
    salt = field_int(obj.get("final_weights_salt"), f"{where}: 'final_weights_salt'")
    return spec, weights, salt, obj


def signed_ints(values: object, what: str) -> list[int]:
    """A JSON list of signed integers (decimal strings or ints, as weights.json stores them)."""
    from .statements.base import field_int

    if not isinstance(values, list):
        raise FormatError(f"{what} must be a list of integers")
    out = []
    for v in values:
        if isinstance(v, str) and v.startswith("-"):
            out.append(-field_int(v[1:], what, 250))
        else:
            out.append(field_int(v, what, 250))
    return out


def onnx_available() -> bool:
    """True when the ``onnx`` package can be imported."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        return False
    return True


def export_onnx(spec: TrainingSpec, weights: Sequence[int], prep: Preprocessing) -> bytes:
    """The model as an ONNX graph (float64; see the module docstring); InputError without ``onnx``.

    Input ``X`` (N, d) float64 in the user's units.  Outputs: ``label`` (int64, N) and
    ``probabilities`` (N, 2) and ``score`` (N) for classifiers, ``value`` (N) for regression.
    """
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise InputError("writing ONNX needs the onnx package, which is not installed (pip install onnx); "
                         "-o MODEL.json exports the same model as JSON") from None
    f, d = spec.frac_bits, spec.d
    w = [int(v) for v in weights]
    nodes: list = []
    inits: list = []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float64), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    current = "X"
    if prep.standardize:
        current = node("Sub", [current, const("mean", prep.mean)], "centred")
        current = node("Div", [current, const("std", prep.std)], "standardised")
    # round half away from zero, exactly: |v| = fl + frac with frac exact in float64.
    v = node("Mul", [current, const("scale_in", 2.0 ** f)], "scaled")
    a = node("Abs", [v], "abs")
    fl = node("Floor", [a], "floor")
    frac = node("Sub", [a, fl], "frac")
    up = node("Cast", [node("GreaterOrEqual", [frac, const("half", 0.5)], "round_up")], "round_up_f",
              to=TensorProto.DOUBLE)
    q = node("Mul", [node("Add", [fl, up], "rounded"), node("Sign", [v], "sign")], "q")
    if spec.model == "mlp":
        h_units = spec.hidden
        w1 = np.array(w[:h_units * d], dtype=np.float64).reshape(h_units, d).T
        b1 = np.array(w[h_units * d:h_units * d + h_units], dtype=np.float64) * 2.0 ** f
        w2 = np.array(w[h_units * d + h_units:h_units * d + 2 * h_units], dtype=np.float64).reshape(h_units, 1)
        b2 = float(w[h_units * d + 2 * h_units]) * 2.0 ** f
        pre = node("Add", [node("MatMul", [q, const("W1", w1)], "hidden_products"), const("b1", b1)], "hidden_pre")
        t = node("Floor", [node("Mul", [pre, const("scale_down", 2.0 ** -f)], "hidden_scaled")], "hidden_floor")
        h = node("Relu", [t], "hidden")
        z2 = node("Add", [node("MatMul", [h, const("w2", w2)], "output_products"), const("b2", [b2])], "z2")
    else:
        coef = np.array(w[:d], dtype=np.float64).reshape(d, 1)
        z2 = node("Add", [node("MatMul", [q, const("coef", coef)], "products"),
                          const("bias", [float(w[d]) * 2.0 ** f])], "z2")
    inits.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat_shape"))
    z = node("Reshape", [z2, "flat_shape"], "z")
    n = "N"
    if is_classifier(spec):
        score = node("Mul", [z, const("logit_scale", 2.0 ** (-2 * f))], "score")
        label = node("Cast", [node("GreaterOrEqual", [z, const("zero", 0.0)], "positive")], "label",
                     to=TensorProto.INT64)
        p1 = node("Clip", [node("Add", [node("Mul", [z2, const("prob_scale", 2.0 ** (-2 * f - 2))], "prob_lin"),
                                        const("prob_half", 0.5)], "prob_shift"),
                           const("prob_low", 0.0), const("prob_high", 1.0)], "p1")
        p0 = node("Sub", [const("one", 1.0), p1], "p0")
        nodes.append(helper.make_node("Concat", [p0, p1], ["probabilities"], axis=1))
        outputs = [helper.make_tensor_value_info(label, TensorProto.INT64, [n]),
                   helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE, [n, 2]),
                   helper.make_tensor_value_info(score, TensorProto.DOUBLE, [n])]
    else:
        node("Mul", [z, const("value_scale", 2.0 ** (-2 * f))], "value")
        outputs = [helper.make_tensor_value_info("value", TensorProto.DOUBLE, [n])]
    graph = helper.make_graph(nodes, f"zkanchor_{spec.model}", [helper.make_tensor_value_info("X", TensorProto.DOUBLE,
                                                                                            [n, d])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                              producer_name="zkanchor", doc_string=inference_text(spec))
    model.ir_version = ONNX_IR_VERSION
    meta = {"spec_digest": str(spec.digest()), "feature_names": json.dumps(list(spec.feature_names)),
            "exact_below": f"2^{EXACT_FLOAT_BITS}"}
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model.SerializeToString()


def float_exact(spec: TrainingSpec, weights: Sequence[int]) -> bool:
    """True when every intermediate of the ONNX graph stays below 2^53 for inputs in the committed range."""
    x = (1 << (spec.value_bits - 1)) - 1
    w = [abs(int(v)) for v in weights]
    f = spec.frac_bits
    if spec.model == "mlp":
        h_units, d = spec.hidden, spec.d
        hidden = [x * sum(w[k * d:(k + 1) * d]) + (w[h_units * d + k] << f) for k in range(h_units)]
        top = sum((a >> f) * w[h_units * d + h_units + k] for k, a in enumerate(hidden)) + (w[-1] << f)
        return max(hidden + [top]) < 1 << EXACT_FLOAT_BITS
    return x * sum(w[:-1]) + (w[-1] << f) < 1 << EXACT_FLOAT_BITS
