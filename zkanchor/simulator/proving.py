"""Proving jobs: what the executor ships to a worker, and the seeded keys they use.

A job names a circuit builder and its arguments (all picklable: specs, datasets, ints),
so a worker — a local process or a Dask worker on another machine — rebuilds the
circuit and witness itself and sends back only the proof.

Simulation keys are **seeded**: the setup's trapdoor is derived from a fixed label and
the circuit's hash.  Every run, process and machine therefore gets the same keys for the
same circuit (so the same verifier contract, the same proofs and the same chain state),
and a worker that lacks a key regenerates exactly the one the main process has.  The
price: the trapdoor is public, so these keys prove nothing outside a simulation.
A scenario with ``[setup] ceremony = true`` instead makes its keys in a multi-party
ceremony (:mod:`zkanchor.simulator.ceremony`); its jobs then carry the proving key (``pk``).
Keys are cached on disk by circuit hash (``<cache>/simulator-keys``) and in memory per
process.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

from zkanchor.errors import UnsatisfiedConstraint
from zkanchor.groth16.generator import ToxicWaste, TrustedSetupWarning, setup
from zkanchor.groth16.keydir import KeyDir, load_keydir, save_keydir
from zkanchor.groth16.keys import Proof, ProvingKey, VerificationKey
from zkanchor.groth16.prover import prove
from zkanchor.paths import cache_dir
from zkanchor.r1cs import check
from zkanchor.r1cs.circom_r1cs import encode_r1cs

from . import seeds

SETUP_LABEL = "zkanchor-simulator-setup-v1"
_KEYS: dict[str, KeyDir] = {}  # per process: a long-lived worker loads each key once


def _training(spec, dataset, data_salt, opening, institution):
    from zkanchor.training.circuit import build_training_circuit

    cs, statement = build_training_circuit(spec, dataset, data_salt, opening, institution)
    return cs, statement.public_inputs()


def _aggregation(statement, opening):
    from .federated import build_aggregation_circuit

    return build_aggregation_circuit(statement, opening), statement.public_inputs()


BUILDERS: dict[str, Callable[..., tuple[Any, list[int]]]] = {"training": _training, "aggregation": _aggregation}


@dataclass(frozen=True)
class ProveJob:
    """One proof to make: ``BUILDERS[builder](*args)`` gives the circuit and its expected public inputs."""

    label: str
    builder: str
    args: tuple
    seed: int  # with ``label``, fixes the blinding factors r, s
    pk: Optional[ProvingKey] = None  # ceremony keys: shipped with the job (workers cannot derive them)


@dataclass(frozen=True)
class ProveResult:
    """A finished job: the proof, its public inputs, and what it cost (timing is not deterministic)."""

    label: str
    proof: Proof
    public: list[int]
    circuit_hash: str
    constraints: int
    seconds: float
    key_seconds: float
    worker: str
    started_at: float  # wall clock (time.time()) when the worker began: comparable across machines


@dataclass(frozen=True)
class KeyResult:
    """A circuit's verification key after its (seeded, cached) setup."""

    circuit_hash: str
    vk: VerificationKey
    constraints: int
    n_public: int
    cached: bool
    seconds: float


@dataclass(frozen=True)
class CircuitInfo:
    """A job's circuit without keys (for a ceremony): its hash, encoding and domain size."""

    circuit_hash: str
    r1cs_bytes: bytes
    constraints: int
    n_public: int
    domain_size: int


def _build(builder: str, args: tuple):
    cs, public = BUILDERS[builder](*args)
    r1cs = cs.build()
    return cs, r1cs, public


def seeded_keys(r1cs) -> tuple[KeyDir, bool]:
    """The simulation keys of ``r1cs`` (from memory, disk, or a seeded setup); True if cached."""
    r1cs_bytes = encode_r1cs(r1cs)
    digest = hashlib.sha256(r1cs_bytes).hexdigest()
    if digest in _KEYS:
        return _KEYS[digest], True
    path = cache_dir("simulator-keys", digest[:32])
    cached = (path / "setup.json").is_file()
    if not cached:
        toxic = ToxicWaste(*(seeds.scalar(0, SETUP_LABEL, digest, k) for k in range(5)))
        with warnings.catch_warnings():
            # Deliberately single-party and public: see the module docstring.
            warnings.simplefilter("ignore", TrustedSetupWarning)
            pk = setup(r1cs, toxic)
        save_keydir(path, r1cs_bytes, r1cs, pk)
    keys = load_keydir(path)
    _KEYS[digest] = keys
    return keys, cached


def setup_job(job: ProveJob) -> KeyResult:
    """Make sure the job's circuit has keys (run in a worker so setups of distinct circuits overlap)."""
    started = time.perf_counter()
    _cs, r1cs, _public = _build(job.builder, job.args)
    keys, cached = seeded_keys(r1cs)
    return KeyResult(keys.circuit_hash, keys.vk, len(r1cs.constraints), r1cs.n_public, cached,
                     time.perf_counter() - started)


def circuit_job(job: ProveJob) -> CircuitInfo:
    """The job's circuit, encoded, with no setup (the ceremony makes its keys in the main process)."""
    from zkanchor.groth16.qap import domain_for

    _cs, r1cs, _public = _build(job.builder, job.args)
    r1cs_bytes = encode_r1cs(r1cs)
    return CircuitInfo(hashlib.sha256(r1cs_bytes).hexdigest(), r1cs_bytes, len(r1cs.constraints), r1cs.n_public,
                       domain_for(r1cs).size)


def prove_job(job: ProveJob) -> ProveResult:
    """Build the job's circuit and witness, fetch its keys (or take the job's), prove with seeded blinding factors."""
    started, wall = time.perf_counter(), time.time()
    cs, r1cs, public = _build(job.builder, job.args)
    if job.pk is not None:
        pk, circuit_hash = job.pk, hashlib.sha256(encode_r1cs(r1cs)).hexdigest()
    else:
        keys, _cached = seeded_keys(r1cs)
        pk, circuit_hash = keys.pk, keys.circuit_hash
    key_seconds = time.perf_counter() - started
    proof, proven_public = prove(pk, r1cs, cs.witness(), randbelow=seeds.randbelow(job.seed, "proof", job.label))
    if proven_public != public:
        raise AssertionError(f"{job.label}: the circuit's public inputs differ from its statement's")
    return ProveResult(job.label, proof, public, circuit_hash, len(r1cs.constraints),
                       time.perf_counter() - started, key_seconds, f"{os.uname().nodename}:{os.getpid()}", wall)


def failing_constraint(builder: str, args: tuple, public_overrides: dict[int, int]) -> str | None:
    """What a cheater meets when it forces public inputs: the first constraint its witness breaks.

    ``public_overrides`` maps public-input indices to the values the cheater claims.
    Returns the constraint's name (or number), or None if the witness still satisfies
    every constraint (then the cheat would not be a cheat).
    """
    cs, r1cs, _public = _build(builder, args)
    witness = cs.witness()
    for index, value in public_overrides.items():
        witness[1 + index] = value  # wire 0 is the constant 1, public inputs follow
    try:
        check(r1cs, witness)
    except UnsatisfiedConstraint as exc:
        return exc.name or f"constraint {exc.index}"
    return None
