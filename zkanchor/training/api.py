"""Train, prove and verify in a few calls: the Python face of the training statement.

    spec = spec_for("logreg", dataset, epochs=10, learning_rate=0.5)
    model = train_model(spec, dataset)
    bundle = prove_training(spec, dataset, salt, model, institution=0xAbc...,
                            test=(test_set, test_salt), min_accuracy=0.9)
    assert verify_training(bundle)

Claims are given in the user's units (an accuracy fraction, a mean squared error, a
gradient bound on the mean loss); the statement stores the exact integers the circuit
checks, rounded so that the proven claim is never weaker than the one asked for.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from ..commit.commitment import new_salt
from ..commit.dataset import Dataset
from ..errors import InputError
from ..groth16.keys import VerificationKey
from ..models import model_module
from ..models.spec import TrainingSpec
from ..proofs import KeyStore, ProofBundle, Prover, trusted_key, verify_statement
from ..statements.training import Evaluation, ModelOpening, TrainingClaim, TrainingOpening, make_statement


def train_model(spec: TrainingSpec, dataset: Dataset, initial: Optional[tuple[tuple[int, ...], int]] = None,
                trace: Optional[list] = None) -> ModelOpening:
    """Train exactly as the circuit will (integer fixed point); a fresh salt for the final weights.

    ``initial`` = (weights, salt) of a checkpoint for specs with start = "checkpoint";
    by default the spec's public initial weights (salt 0).  ``trace`` receives the
    weights after every epoch (what checkpoint segments open).
    """
    kind = model_module(spec.model)
    if initial is None:
        if spec.start != "public":
            raise InputError("a spec that starts from a checkpoint needs the checkpoint's weights and salt")
        weights, salt = tuple(int(v) for v in kind.initial_weights(spec)), 0
    else:
        weights, salt = tuple(int(v) for v in initial[0]), int(initial[1])
    from ..statements.training import training_mask

    final = kind.train(spec, dataset.features, dataset.targets, np.asarray(weights, dtype=object), trace,
                       mask=training_mask(spec, dataset))
    return ModelOpening(weights, tuple(int(v) for v in final), salt, new_salt())


def accuracy_threshold(min_accuracy: float, n_test: int) -> int:
    """The fewest correct predictions out of ``n_test`` that make an accuracy of at least ``min_accuracy``."""
    if not (isinstance(min_accuracy, (int, float)) and 0 <= min_accuracy <= 1):
        raise InputError("a minimum accuracy is a fraction between 0 and 1")
    return math.ceil(min_accuracy * n_test - 1e-12)


def mse_threshold(max_mse: float, n_test: int, frac_bits: int) -> int:
    """The largest sum of squared errors (scale 2^4f) whose mean is at most ``max_mse``."""
    if not (isinstance(max_mse, (int, float)) and math.isfinite(max_mse) and max_mse >= 0):
        raise InputError("a maximum mean squared error is a non-negative number")
    return int(math.floor(max_mse * n_test * 2 ** (4 * frac_bits)))


def optimality_values(spec: TrainingSpec, max_gradient: float, l2: float) -> tuple[int, int]:
    """(l2, bound) as the circuit takes them: l2 = round(n lambda 2^f), bound = floor(eps n 2^(s+f))."""
    if not (math.isfinite(max_gradient) and max_gradient >= 0 and math.isfinite(l2) and l2 >= 0):
        raise InputError("the gradient bound and the L2 coefficient must be non-negative numbers")
    scale = model_module(spec.model).error_scale(spec) + spec.frac_bits
    return round(spec.n * l2 * 2 ** spec.frac_bits), int(math.floor(max_gradient * spec.n * 2 ** scale))


def prove_training(spec: TrainingSpec, dataset: Dataset, salt: int, model: ModelOpening, institution: int,
                   test: Optional[tuple[Dataset, int]] = None, min_accuracy: Optional[float] = None,
                   max_mse: Optional[float] = None, max_gradient: Optional[float] = None, l2: float = 0.0,
                   keys: Optional[KeyStore] = None, progress: Optional[Callable[[str], None]] = None) -> ProofBundle:
    """Prove the training statement for this opening (claims in the user's units); a ProofBundle."""
    evaluation, threshold = None, None
    kind = model_module(spec.model)
    if test is not None:
        if (min_accuracy is None) == (max_mse is None):
            raise InputError("with a test set give exactly one claim: min_accuracy (classifiers) or max_mse (linreg)")
        if min_accuracy is not None:
            if not kind.CLASSIFIER:
                raise InputError(f"a {spec.model} model is evaluated by its mean squared error (max_mse)")
            evaluation, threshold = Evaluation("accuracy", test[0].n), accuracy_threshold(min_accuracy, test[0].n)
        else:
            if kind.CLASSIFIER:
                raise InputError(f"a {spec.model} model is evaluated by its accuracy (min_accuracy)")
            evaluation, threshold = Evaluation("mse", test[0].n), mse_threshold(max_mse, test[0].n, spec.frac_bits)
    elif min_accuracy is not None or max_mse is not None:
        raise InputError("an accuracy or MSE claim needs a committed test set")
    opt_values: tuple[Optional[int], Optional[int]] = (None, None)
    if max_gradient is not None:
        if not kind.CONVEX:
            raise InputError(f"the optimality clause is for convex models (linreg, logreg), not {spec.model}")
        opt_values = optimality_values(spec, max_gradient, l2)
    elif l2:
        raise InputError("an L2 coefficient only makes sense with a gradient bound")
    claim = TrainingClaim(spec, evaluation, max_gradient is not None)
    opening = TrainingOpening(dataset, salt, model, test)
    statement = make_statement(claim, institution, opening, threshold, *opt_values)
    return Prover(keys, progress).prove(statement, opening)


def verify_training(bundle: ProofBundle, keys: Optional[KeyStore] = None,
                    vk: Optional[VerificationKey] = None) -> bool:
    """Check a training proof with a key bound to the circuit its statement's spec compiles to."""
    key = trusted_key(bundle.statement, keys, vk)
    return verify_statement(bundle.statement, bundle.proof, key)
