"""Train, prove and verify in a few calls: the Python face of the training statement.

    spec = make_spec("logreg", n=dataset.n, d=dataset.d, epochs=10, learning_rate=0.5)
    opening = train_model(spec, dataset)
    result = prove_training(spec, dataset, salt, opening, institution=0xAbc...)
    assert verify_training(result.vk, result.proof, result.statement)

Proving keys are cached by the hash of the circuit (which depends only on the spec and
the clause shape), so a second proof of the same shape skips the setup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Optional

from ..commit.dataset import Dataset
from ..groth16.generator import setup
from ..groth16.keydir import PROVING_KEY, SETUP_INFO, save_keydir
from ..groth16.keyfile import load_proving_key
from ..groth16.keys import Proof, ProvingKey, VerificationKey
from ..groth16.prover import prove
from ..groth16.verifier import verify
from ..models import model_module
from ..models.spec import TrainingSpec
from ..models.weights import new_salt
from ..paths import cache_dir
from ..r1cs.circom_r1cs import encode_r1cs
from .circuit import ModelOpening, EvalSet, build_training_circuit
from .statement import Optimality, TrainingStatement


@dataclass(frozen=True)
class TrainingProof:
    """A proven training statement with the key that checks it."""

    statement: TrainingStatement
    proof: Proof
    vk: VerificationKey
    circuit_hash: str
    constraints: int
    setup_cached: bool


def train_model(spec: TrainingSpec, dataset: Dataset, initial: Optional[list[int]] = None) -> ModelOpening:
    """Train exactly as the circuit will (integer fixed point); fresh salts for both commitments."""
    kind = model_module(spec.model)
    w0 = list(initial) if initial is not None else kind.initial_weights(spec)
    final = kind.train(spec, dataset.features.tolist(), [int(t) for t in dataset.targets], w0)
    return ModelOpening(tuple(w0), tuple(final), new_salt(), new_salt())


def keys_for(r1cs, r1cs_bytes: bytes, tick: Callable[[str], None] = lambda _s: None) -> tuple[ProvingKey, str, bool]:
    """The proving key for this circuit (with its hash) from the cache; set up and cached when missing.

    The circuit is in memory already, so a cache hit reads only the proving key, and
    checks that it is bound to this circuit's hash.
    """
    digest = hashlib.sha256(r1cs_bytes).digest()
    path = cache_dir("training-keys", digest.hex()[:32])
    if (path / SETUP_INFO).is_file():
        pk, bound = load_proving_key(path / PROVING_KEY)
        if bound == digest:
            return pk, digest.hex(), True
    pk = setup(r1cs, progress=tick)  # warns (TrustedSetupWarning): the keys are single-party
    save_keydir(path, r1cs_bytes, r1cs, pk)
    return pk, digest.hex(), False


def prove_training(spec: TrainingSpec, dataset: Dataset, salt: int, opening: ModelOpening, institution: int,
                   test: Optional[EvalSet] = None, optimality: Optional[Optimality] = None,
                   progress: Callable[[str], None] = lambda _s: None) -> TrainingProof:
    """Build the training circuit for these private inputs, set up (or reuse) keys and prove."""
    progress("circuit")
    cs, statement = build_training_circuit(spec, dataset, salt, opening, institution, test, optimality)
    r1cs, witness = cs.build(), cs.witness()
    r1cs_bytes = encode_r1cs(r1cs)
    pk, circuit_hash, cached = keys_for(r1cs, r1cs_bytes, progress)
    proof, public = prove(pk, r1cs, witness, progress=progress)
    if public != statement.public_inputs():
        raise AssertionError("the circuit's public inputs differ from the statement's")
    return TrainingProof(statement, proof, pk.vk, circuit_hash, len(r1cs.constraints), cached)


def verify_training(vk: VerificationKey, proof: Proof, statement: TrainingStatement) -> bool:
    """Check a training proof against its statement (the statement fixes the public inputs)."""
    return verify(vk, proof, statement.public_inputs())
