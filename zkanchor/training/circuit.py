"""The training circuit: the statement of DESIGN.md as constraints.

Given the private data, salts and initial weights, it proves

    Commit(D, s_D) = C_D,   Commit(W0, s_0) = C_W0,   W = Train_spec(D, W0),
    Commit(W, s_W) = C_W,   digest = Digest(spec),   [evaluation clause on C_T]

with the public inputs of :mod:`zkanchor.training.statement`.  The constraint system
depends only on the spec and the clause shape, never on the data, so one key serves
every dataset of the same shape.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Optional, Sequence

from ..commit.commitment import commit, commitment_gadget
from ..commit.dataset import Dataset
from ..errors import InputError
from ..gadgets.bits import range_check, signed_range_check
from ..gadgets.counting import count_correct, predict_bit
from ..gadgets.field import to_field
from ..models import model_module
from ..models.linear import gradient_bits, regularised_gradient_circuit, regularised_gradient_int
from ..models.spec import MAX_EPOCHS, TrainingSpec
from ..models.weights import weights_commitment, weights_commitment_gadget
from ..r1cs.builder import ConstraintSystem, linear_sum
from .statement import Evaluation, Optimality, TrainingStatement


L2_BITS = 64


@dataclass(frozen=True)
class ModelOpening:
    """The private side of a trained model: weights and the salts of their commitments."""

    initial: tuple[int, ...]
    final: tuple[int, ...]
    initial_salt: int
    final_salt: int


@dataclass(frozen=True)
class EvalSet:
    """A committed test set for the evaluation clause, with the claimed threshold."""

    dataset: Dataset
    salt: int
    metric: str  # "accuracy" or "sse"
    threshold: int


def check_shapes(spec: TrainingSpec, dataset: Dataset, model: ModelOpening) -> None:
    """Refuse a dataset or model that does not have the spec's shape and scales."""
    if (dataset.n, dataset.d) != (spec.n, spec.d):
        raise InputError(f"the model was specified for {spec.n} x {spec.d} data, the dataset is {dataset.n} x {dataset.d}")
    if (dataset.frac_bits, dataset.value_bits) != (spec.frac_bits, spec.value_bits):
        raise InputError("the dataset's frac_bits/value_bits differ from the training spec's")
    if len(model.initial) != spec.n_weights or len(model.final) != spec.n_weights:
        raise InputError(f"the model must have {spec.n_weights} weights")


def evaluate_int(spec: TrainingSpec, test: EvalSet, weights: Sequence[int]) -> int:
    """The measured value the evaluation clause bounds: correct predictions, or the SSE at 2^4f."""
    rows, targets = test.dataset.features.tolist(), [int(t) for t in test.dataset.targets]
    scores = model_module(spec.model).scores_int(spec, rows, weights)
    if test.metric == "accuracy":
        return sum(int(z >= 0) == int(t) >> spec.frac_bits for z, t in zip(scores, targets))
    return sum((z - (t << spec.frac_bits)) ** 2 for z, t in zip(scores, targets))


def optimality_gradient_int(spec: TrainingSpec, dataset: Dataset, weights: Sequence[int], l2: int) -> list[int]:
    """The regularised gradient components the optimality clause bounds (see :class:`Optimality`)."""
    kind = model_module(spec.model)
    if not getattr(kind, "CONVEX", False):
        raise InputError(f"the optimality clause is for convex models (linreg, logreg), not {spec.model}")
    rows, targets = dataset.features.tolist(), [int(t) for t in dataset.targets]
    errors = kind.errors_int(spec, rows, targets, list(weights))
    return regularised_gradient_int(spec, rows, errors, weights, kind.error_scale(spec), l2)


def build_statement(spec: TrainingSpec, dataset: Dataset, data_salt: int, model: ModelOpening,
                    institution: int, test: Optional[EvalSet],
                    optimality: Optional[Optimality] = None) -> TrainingStatement:
    """The statement the circuit proves, computed in Python from the private inputs."""
    evaluation = None
    if test is not None:
        evaluation = Evaluation(test.metric, commit(test.dataset, test.salt), test.dataset.n, test.threshold)
    return TrainingStatement(
        institution=institution,
        dataset_commitment=commit(dataset, data_salt),
        initial_weights_commitment=weights_commitment(model.initial, model.initial_salt),
        final_weights_commitment=weights_commitment(model.final, model.final_salt),
        spec=spec,
        evaluation=evaluation,
        optimality=optimality,
    )


def _data_wires(cs: ConstraintSystem, dataset: Dataset, name: str):
    rows = [[cs.private(f"{name}.x{i}.{j}", to_field(int(v))) for j, v in enumerate(row)]
            for i, row in enumerate(dataset.features)]
    targets = [cs.private(f"{name}.y{i}", to_field(int(v))) for i, v in enumerate(dataset.targets)]
    return rows, targets


def build_training_circuit(spec: TrainingSpec, dataset: Dataset, data_salt: int, model: ModelOpening,
                           institution: int, test: Optional[EvalSet] = None,
                           optimality: Optional[Optimality] = None):
    """Build the training circuit with its witness; returns (ConstraintSystem, statement).

    Raises InputError when the claimed final weights are not what training produces, or
    when the evaluation claim is false — before any proving work.
    """
    kind = model_module(spec.model)
    check_shapes(spec, dataset, model)
    trained = kind.train(spec, dataset.features.tolist(), [int(t) for t in dataset.targets], list(model.initial))
    if list(trained) != list(model.final):
        raise InputError("the final weights are not what the declared training produces from this data")
    if test is not None:
        measured = evaluate_int(spec, test, model.final)
        if (test.metric == "accuracy" and measured < test.threshold) or (test.metric == "sse" and measured > test.threshold):
            raise InputError(
                f"the evaluation claim is false: measured {measured} against the claimed threshold {test.threshold}"
            )
    if optimality is not None:
        worst = max(abs(g) for g in optimality_gradient_int(spec, dataset, model.final, optimality.l2))
        if worst > optimality.bound:
            raise InputError(
                f"the optimality claim is false: a gradient component is {worst}, above the bound {optimality.bound}"
            )
    statement = build_statement(spec, dataset, data_salt, model, institution, test, optimality)

    cs = ConstraintSystem()
    names = ["institution", "C_D", "C_W0", "C_W", "digest"]
    names += ["C_T", "threshold"] if test is not None else []
    names += ["l2", "bound"] if optimality is not None else []
    pub = dict(zip(names, (cs.public(name, value) for name, value in zip(names, statement.public_inputs()))))

    rows, targets = _data_wires(cs, dataset, "train")
    cs.assert_equal(commitment_gadget(cs, rows, targets, cs.private("train.salt", data_salt), spec.value_bits,
                                      "train.commit"), pub["C_D"], "C_D")
    w0 = [cs.private(f"w0.{k}", to_field(v)) for k, v in enumerate(model.initial)]
    for k, w in enumerate(w0):
        signed_range_check(cs, w, spec.weight_bits, f"w0.{k}.range")
    cs.assert_equal(weights_commitment_gadget(cs, w0, cs.private("w0.salt", model.initial_salt), "w0"), pub["C_W0"], "C_W0")
    final = kind.circuit(cs, spec, rows, targets, w0)
    cs.assert_equal(weights_commitment_gadget(cs, final, cs.private("w.salt", model.final_salt), "w"), pub["C_W"], "C_W")
    cs.assert_equal(pub["digest"], spec.digest(), "digest")

    if test is not None:
        t_rows, t_targets = _data_wires(cs, test.dataset, "test")
        c_t = commitment_gadget(cs, t_rows, t_targets, cs.private("test.salt", test.salt), spec.value_bits, "test.commit")
        cs.assert_equal(c_t, pub["C_T"], "C_T")
        scores = kind.scores_circuit(cs, spec, t_rows, final)
        n_t = test.dataset.n
        margin_bits = max(1, math.ceil(math.log2(n_t + 1)) + 1)
        if test.metric == "accuracy":
            preds = [predict_bit(cs, z, kind.score_bits(spec)) for z in scores]
            labels = []
            for i, y in enumerate(t_targets):
                bit = cs.internal(f"test.label{i}", None if cs.value(y) is None else int(cs.value(y) >> spec.frac_bits))
                cs.assert_equal(y, bit * (1 << spec.frac_bits), f"test.label{i}")
                labels.append(bit)
            correct = count_correct(cs, preds, labels, check_labels=True, name="test.correct")
            range_check(cs, correct - pub["threshold"], margin_bits, "accuracy >= threshold")
        else:
            errors = [z - y * (1 << spec.frac_bits) for z, y in zip(scores, t_targets)]
            sse = linear_sum([cs.mul(e, e) for e in errors])
            range_check(cs, pub["threshold"] - sse, 2 * kind.score_bits(spec) + margin_bits, "sse <= threshold")
    if optimality is not None:
        # l2 is public but bounded in the proof too, so l2 * w_j can never wrap around R.
        range_check(cs, pub["l2"], L2_BITS, "optimality.l2")
        errors = kind.errors_circuit(cs, spec, rows, targets, final)
        gradient = regularised_gradient_circuit(cs, spec, rows, errors, final, kind.error_scale(spec), pub["l2"])
        # Widths from the largest epoch count a spec allows, so the clause costs the same
        # whatever the epochs (the trace's own widths grow with log2(epochs)).
        bits = gradient_bits(spec, kind.score_bits(dataclasses.replace(spec, epochs=MAX_EPOCHS)) + 1) + 1
        for j, g in enumerate(gradient):
            # -bound <= g <= bound, as two non-negativity range checks.
            range_check(cs, g + pub["bound"], bits, f"optimality.{j}.low")
            range_check(cs, pub["bound"] - g, bits, f"optimality.{j}.high")
    return cs, statement
