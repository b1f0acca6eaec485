"""What a running scenario holds — chain, registry, parties, circuits, log — and the steps every
actor shares: registering circuits, building statements, proving through the executor, where a
round's training starts, anchoring a training proof, letting blocks pass.

The engine drives the rounds; attacks, rights, the ceremony, oversight and the report read and
act on the :class:`World` and take their shared steps from here, never from the engine, so the
simulator's modules form no import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from zkanchor.anchor import Registry
from zkanchor.chain import Chain
from zkanchor.models import model_module
from zkanchor.models.spec import TrainingSpec, spec_for
from zkanchor.models.weights import weights_commitment
from zkanchor.solidity.onchain import deploy_verifier
from zkanchor.statements import Evaluation, Statement, TrainingClaim, TrainingOpening, make_statement
from zkanchor.statements.training import ModelOpening, training_mask
from zkanchor.training.api import accuracy_threshold, mse_threshold

from .data import InstitutionData, model_settings
from .log import DONE, LANDED, EventLog
from .proving import CircuitInfo, KeyResult, ProveJob, ProveResult, circuit_job, prove_job, setup_job
from .scenario import Institution, Scenario


@dataclass
class Anchored:
    """One training or aggregation statement an honest party anchored."""

    round: int
    circuit: str
    statement_hash: str
    public: list[int]
    proof: object
    kind: str  # verified or optimistic
    opening: object = None  # ModelOpening (training) or AggregationOpening


@dataclass
class Party:
    """An institution's private state during the run."""

    inst: Institution
    address: str
    data: InstitutionData
    spec: TrainingSpec
    data_salt: int = 0
    commitment: int = 0
    test_salt: int = 0
    dataset_anchored: bool = False
    model: Optional[ModelOpening] = None
    anchors: list[Anchored] = field(default_factory=list)
    run_id: str = ""
    receipts: list = field(default_factory=list)  # the subjects' receipts (zkanchor.commit.receipts), by row

    @property
    def name(self) -> str:
        """The institution's name."""
        return self.inst.name

    @property
    def address_int(self) -> int:
        """The address as public input 0 of its statements."""
        return int(self.address, 16)


@dataclass
class Circuit:
    """A circuit registered with the registry during the run."""

    circuit_id: str
    keys: KeyResult
    verifier: str
    description: str
    block: int
    kind: str = "training"
    spec_digest: int = 0
    public_start: int = 0


@dataclass
class World:
    """Everything a running scenario holds: chain, registry, parties, circuits, log."""

    scenario: Scenario
    seed: int
    chain: Chain
    registry: Registry
    executor: object
    log: EventLog
    admin: str
    parties: dict[str, Party]
    roles: dict[str, str]  # role name -> address
    test: Optional[InstitutionData] = None  # the held-out evaluation split ([evaluation])
    circuits: dict[str, Circuit] = field(default_factory=dict)  # circuit hash -> circuit
    job_circuit: dict[str, str] = field(default_factory=dict)  # job label -> circuit hash
    global_model: Optional[tuple[tuple[int, ...], int]] = None  # (weights, salt) of the current global model
    initial_global: int = 0  # C_G of the round-1 starting model (federated): the public start
    aggregations: list[Anchored] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rpc: Optional[str] = None
    state_hash: str = ""
    snapshot: dict = field(default_factory=dict)
    ceremony: Any = None  # set: circuits get ceremony keys where they fit (simulator.ceremony.Ceremony)
    keydirs: tuple[str, ...] = ()  # ceremony key directories the jobs use
    subjects: dict[tuple[str, int], str] = field(default_factory=dict)  # (institution, record) -> subject's address
    requests: list = field(default_factory=list)  # the erasure requests filed (simulator.rights.Request)
    audit: Any = None  # the regulator's zkanchor.anchor.AuditReport, once it audited
    erased_data: dict[str, ProveJob] = field(default_factory=dict)  # erased_data attacks' proofs over the old C_D

    # -- circuits ----------------------------------------------------------------------

    def ensure_circuits(self, jobs: list[ProveJob], describe: Callable[[ProveJob], tuple[str, str]]) -> None:
        """Keys (in parallel) for every new circuit among ``jobs``, then deploy and register its verifier.

        ``describe(job)`` gives (circuit id prefix, description).
        """
        fresh = [job for job in jobs if job.label not in self.job_circuit]
        if not fresh:
            return
        if self.ceremony is not None:
            # The running ceremony makes its own keys: the world holds it without importing it.
            self.ceremony.ensure_circuits(self, fresh, describe)
            return
        start = self.log.now()
        results = self.executor.map(setup_job, fresh)
        for job, keys in zip(fresh, results):
            self.job_circuit[job.label] = keys.circuit_hash
            if keys.circuit_hash in self.circuits:
                continue
            circuit_id = self.circuit_id(job, keys.circuit_hash, describe)
            self.log.add("admin", "setup_keys", DONE, timing=self.log.since(start), circuit=circuit_id,
                         constraints=keys.constraints, n_public=keys.n_public,
                         note=f"{keys.constraints:,} constraints, seeded keys",
                         info="from the key cache" if keys.cached else "new keys")
            self.register_circuit(job, keys, circuit_id, describe)
            start = self.log.now()

    def circuit_id(self, job: ProveJob, circuit_hash: str, describe: Callable[[ProveJob], tuple[str, str]]) -> str:
        """The registry id of a job's circuit: its describe() prefix and the start of its hash."""
        return f"{describe(job)[0]}-{circuit_hash[:8]}"

    def register_circuit(self, job: ProveJob, keys: KeyResult, circuit_id: str,
                         describe: Callable[[ProveJob], tuple[str, str]]) -> None:
        """Deploy the circuit's verifier and register it (with its hash, spec digest and start)."""
        description = describe(job)[1]
        spec = job.statement.spec
        kind = spec.kind
        public_start = 0
        digest = spec.digest()
        if kind == "training":
            public_start = public_start_of(spec.training)
        start = self.log.now()
        deployed = deploy_verifier(self.chain, keys.vk)
        self.log.add("admin", "deploy_verifier", LANDED, timing=self.log.since(start), circuit=circuit_id,
                     gas=int(deployed.gas_used), block=int(deployed.receipt["blockNumber"]), address=deployed.address)
        start = self.log.now()
        tx = self.registry.register_circuit(circuit_id, deployed.address, keys.n_public, kind, "0x" + keys.circuit_hash,
                                            digest, public_start, description=description, sender=self.admin,
                                            key_circuit_hash="0x" + keys.circuit_hash)
        self.log.add("admin", "register_circuit", LANDED, timing=self.log.since(start), circuit=circuit_id,
                     gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, kind=kind)
        self.circuits[keys.circuit_hash] = Circuit(circuit_id, keys, deployed.address, description, tx.block_number,
                                                   kind, digest, public_start)

    def circuit_of(self, label: str) -> Circuit:
        """The registered circuit a job's proof belongs to."""
        return self.circuits[self.job_circuit[label]]

    def circuit_by_id(self, circuit_id: str) -> Circuit:
        """The registered circuit with this id."""
        return next(c for c in self.circuits.values() if c.circuit_id == circuit_id)

    # -- proving -----------------------------------------------------------------------

    def prove(self, jobs: list[ProveJob]) -> dict[str, ProveResult]:
        """Prove every job through the executor (with the run's current ceremony key dirs); results by label."""
        from dataclasses import replace

        results = self.executor.map(prove_job, [replace(j, keydirs=self.keydirs) for j in jobs])
        return {r.label: r for r in results}

    def infos(self, jobs: list[ProveJob]) -> list[CircuitInfo]:
        """The jobs' circuits' hashes and sizes (compiled in the workers)."""
        return self.executor.map(circuit_job, jobs)

    # -- training ----------------------------------------------------------------------

    def claim(self, party: Party, start: str, spec: Optional[TrainingSpec] = None) -> TrainingClaim:
        """The training claim of ``party`` (or ``spec``) for a round starting from ``start`` (public or checkpoint)."""
        spec = party.spec if spec is None else spec
        evaluation = None
        if self.test is not None:
            metric = "accuracy" if model_module(spec.model).CLASSIFIER else "mse"
            evaluation = Evaluation(metric, self.test.dataset.n)
        return TrainingClaim(spec.with_epochs(spec.epochs, start=start), evaluation)

    def training_job(self, party: Party, label: str, dataset, data_salt: int, opening: ModelOpening,
                     start: str = "public", address: Optional[int] = None, commitment: Optional[int] = None,
                     spec: Optional[TrainingSpec] = None) -> ProveJob:
        """A training proof job for ``party`` (``address`` overrides public input 0, ``commitment`` C_D,
        ``spec`` the party's spec — after an erasure, the one that allows tombstones)."""
        who = party.address_int if address is None else address
        claim = self.claim(party, start, spec)
        test = (self.test.dataset, party.test_salt) if self.test is not None else None
        training_opening = TrainingOpening(dataset, data_salt, opening, test)
        threshold = None
        if self.test is not None:
            e = self.scenario.evaluation
            threshold = (accuracy_threshold(e.min_accuracy, self.test.dataset.n) if e.min_accuracy is not None
                         else mse_threshold(e.max_mse, self.test.dataset.n, party.spec.frac_bits))
        statement = make_statement(claim, who, training_opening, threshold)
        if commitment is not None:
            from dataclasses import replace

            statement = replace(statement, dataset_commitment=commitment)
        return ProveJob(label, statement, training_opening, self.seed, self.keydirs)

    def describe_training(self, job: ProveJob) -> tuple[str, str]:
        """Circuit id prefix and description of a job's circuit (training, erasure, non-membership or validity)."""
        claim = job.statement.spec
        if claim.kind == "erasure":
            return (f"erasure-{claim.n}x{claim.requests}",
                    f"zkanchor erasure v2: {claim.describe()}; digest {claim.digest()}")
        if claim.kind == "nonmembership":
            return (f"nonmembership-{claim.n}x{claim.requests}",
                    f"zkanchor nonmembership v1: {claim.describe()}; digest {claim.digest()}")
        if claim.kind == "validity":
            return (f"validity-{claim.n}x{claim.d}",
                    f"zkanchor validity v1: {claim.describe()}; digest {claim.digest()}")
        spec: TrainingSpec = claim.training
        prefix = f"{spec.model}-{spec.n}x{spec.d}-e{spec.epochs}" + ("-ckpt" if spec.start == "checkpoint" else "")
        # Masked training is another circuit of the same shape: the id says which records it may leave out.
        prefix += (f"-c{spec.purpose}" if spec.purpose >= 0 else "") + ("-t" if spec.tombstones else "")
        return prefix, f"zkanchor training v2: {claim.describe()}; digest {claim.digest()}"

    def train(self, party: Party, dataset, initial: tuple[tuple[int, ...], int], final_salt: int,
              spec: Optional[TrainingSpec] = None) -> ModelOpening:
        """Train exactly as the circuit will, from ``initial`` = (weights, salt), leaving out the records
        the spec masks (no consent, erased)."""
        spec = party.spec if spec is None else spec
        weights, salt = initial
        kind = model_module(spec.model)
        final = kind.train(spec, dataset.features, dataset.targets, np.asarray(weights, dtype=object),
                           mask=training_mask(spec, dataset))
        return ModelOpening(tuple(int(w) for w in weights), tuple(int(v) for v in final), salt, final_salt)


def spec_of(scenario: Scenario, inst: Institution, dataset) -> TrainingSpec:
    """The training spec ``inst`` declares for ``dataset``: the scenario's model, and with consent
    flags only the records that consented to its purpose (tombstones follow from the data)."""
    purpose = inst.data.purpose if dataset.has_flags else -1
    return spec_for(scenario.model.kind, dataset, scenario.model.epochs, scenario.model.learning_rate,
                    purpose=purpose, **model_settings(scenario.model))


def public_start_of(spec: TrainingSpec) -> int:
    """C_W0 of the spec's public initial weights (salt 0): what runs and round 1 start from."""
    return weights_commitment([int(v) for v in model_module(spec.model).initial_weights(spec)], 0)


def public_initial(spec: TrainingSpec) -> tuple[tuple[int, ...], int]:
    """The public initial weights and their salt (0)."""
    return tuple(int(v) for v in model_module(spec.model).initial_weights(spec)), 0


def round_start(world: World, party: Party, round_: int) -> tuple[tuple[tuple[int, ...], int], str]:
    """Where ``party``'s training of ``round_`` starts: (weights, salt) and the spec's start kind."""
    scenario = world.scenario
    if scenario.federated:
        return world.global_model, "public" if round_ == 1 else "checkpoint"
    if scenario.checkpointed:
        initial = public_initial(party.spec) if party.model is None else (party.model.final, party.model.final_salt)
        return initial, "checkpoint"
    return public_initial(party.spec), "public"


def anchor_training(world: World, party: Party, circuit_id: str, result: ProveResult, round_: int,
                    kind: Optional[str] = None, index: Optional[int] = None):
    """Anchor a training proof the way the scenario says: a run's segment when checkpointed, else a plain anchor."""
    kind = kind or party.inst.anchor
    registry, sender = world.registry, party.address
    if world.scenario.checkpointed:
        index = round_ - 1 if index is None else index
        total = world.scenario.rounds
        if kind == "verified":
            return registry.anchor_segment(circuit_id, party.run_id, index, total, result.proof, result.public,
                                           sender=sender)
        return registry.anchor_segment_optimistic(circuit_id, party.run_id, index, total, result.public,
                                                  proof=result.proof, sender=sender)
    if kind == "verified":
        return registry.anchor_training(circuit_id, result.proof, result.public, sender=sender)
    return registry.anchor_optimistic(circuit_id, result.public, proof=result.proof, sender=sender)


def mine_blocks(world: World, blocks: int) -> None:
    """Let ``blocks`` empty blocks pass on the run's chain (a challenge window, an erasure deadline)."""
    for _ in range(blocks):
        world.chain.w3.provider.make_request("evm_mine", [])
