"""Proving jobs: what the executor ships to a worker, and the seeded keys they use.

A job is a statement and its private opening (picklable: specs, datasets, ints), so a
worker — a local process or a Dask worker on another machine — compiles the circuit and
solves the witness itself through the library's one proving path
(:class:`zkanchor.proofs.Prover`) and sends back only the proof.

Simulation keys are **seeded**: a :class:`zkanchor.proofs.KeyStore` with a seed derives
the setup's trapdoor from a fixed label and the circuit's hash.  Every run, process and
machine therefore gets the same keys for the same circuit (so the same verifier contract,
the same proofs and the same chain state), and a worker that lacks a key regenerates
exactly the one the main process has.  The price: the trapdoor is public, so these keys
prove nothing outside a simulation.  A scenario with ``[setup] ceremony = true`` instead
makes its keys in a multi-party ceremony (:mod:`zkanchor.simulator.ceremony`), saved as key
directories that the jobs name (``keydirs``).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any, Optional

from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.groth16.keys import Proof, VerificationKey
from zkanchor.groth16.qap import domain_for
from zkanchor.paths import cache_dir
from zkanchor.proofs import KeyStore, Prover
from zkanchor.r1cs import check
from zkanchor.statements import Statement, compile

from . import seeds

SETUP_LABEL = "zkanchor-simulator-setup-v2"
_STORES: dict[tuple, KeyStore] = {}  # per process: a long-lived worker keeps its keys in memory


def key_store(keydirs: tuple[str, ...] = ()) -> KeyStore:
    """This process's store of simulation keys (seeded, cached on disk), with ceremony key dirs first."""
    store = _STORES.get(keydirs)
    if store is None:
        store = _STORES[keydirs] = KeyStore(keydirs=keydirs, cache=cache_dir("simulator-keys"), seed=SETUP_LABEL)
    return store


@dataclass(frozen=True)
class ProveJob:
    """One proof to make: a statement and its opening, labelled; ``seed`` fixes the blinding factors."""

    label: str
    statement: Statement
    opening: Any
    seed: int
    keydirs: tuple[str, ...] = ()


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
    """A job's circuit without keys (for a ceremony): its hash and sizes."""

    circuit_hash: str
    constraints: int
    n_public: int
    domain_size: int


def setup_job(job: ProveJob) -> KeyResult:
    """Make sure the job's circuit has keys (run in a worker so setups of distinct circuits overlap)."""
    started = time.perf_counter()
    circuit = compile(job.statement.spec)
    store = key_store(job.keydirs)
    cached = store.verification_key(circuit) is not None
    pk, _source = store.proving_key(circuit)
    return KeyResult(circuit.hash, pk.vk, circuit.constraints, circuit.r1cs.n_public, cached,
                     time.perf_counter() - started)


def circuit_job(job: ProveJob) -> CircuitInfo:
    """The job's circuit, with no setup (the ceremony makes its keys in the main process)."""
    circuit = compile(job.statement.spec)
    return CircuitInfo(circuit.hash, circuit.constraints, circuit.r1cs.n_public, domain_for(circuit.r1cs).size)


def prove_job(job: ProveJob) -> ProveResult:
    """Prove the job's statement with seeded blinding factors (keys: the job's key dirs, else seeded)."""
    started, wall = time.perf_counter(), time.time()
    prover = Prover(key_store(job.keydirs), randbelow=seeds.randbelow(job.seed, "proof", job.label))
    bundle = prover.prove(job.statement, job.opening, check=False)
    return ProveResult(job.label, bundle.proof, bundle.public_inputs(), bundle.circuit_hash, bundle.constraints,
                       time.perf_counter() - started, float(bundle.info["seconds"]["keys"]),
                       f"{os.uname().nodename}:{os.getpid()}", wall)


def failing_constraint(statement: Statement, opening: Any) -> Optional[str]:
    """What a cheater meets when it claims ``statement`` with this ``opening``: the first constraint it breaks.

    The circuit is solved with the opening's private inputs and the statement's claimed
    public values.  Returns the constraint's name (or number), or None if the witness
    satisfies every constraint (then the cheat would not be a cheat).
    """
    circuit = compile(statement.spec)
    inputs = dict(statement.witness_inputs(opening))
    inputs.update(statement.public_values())
    try:
        witness = circuit.cs.solve(inputs)
    except InputError as exc:  # a hint refuses: the prover cannot even build the witness
        text = str(exc).split(";")[0]
        # A range check's hint names its constraint ("sorted keys are distinct (at [3]) is negative..."):
        # that name is what the witness breaks.
        named = re.match(r"(.+?)(?: \(at \[[\d, ]+\]\))? (?:is negative or does not fit|does not fit) in \d+ "
                         r"(?:un)?signed bits$", text)
        return named[1] if named else f"witness ({text[:60]})"
    try:
        check(circuit.r1cs, witness)
    except UnsatisfiedConstraint as exc:
        return exc.name or f"constraint {exc.index}"
    return None
