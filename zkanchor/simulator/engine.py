"""Run a scenario end to end on a real chain: the honest pipeline, federated rounds, attacks, audit.

    report = run_scenario("zkanchor/simulator/scenarios/hospitals.toml", seed=7, out="out/hospitals", echo=print)

Per round, every honest institution commits its data and anchors the commitment (first
round only; later rounds reuse it), trains from its initial model, proves the training
statement through the executor (all proofs of a round in parallel), and anchors the
result (verified, or optimistic).  Circuits get seeded keys, a verifier contract and a
registry entry the first time they are needed.  Attack events of the round follow
(see :mod:`zkanchor.simulator.attacks`); in a federated scenario the aggregator then averages
the local models, proves it, and anchors the new global model, which the next round
starts from.  Without [federated], round r+1 continues each institution's own model
(checkpoint chaining).  A watcher checks optimistic anchors; a regulator audits.
With ``[setup] ceremony = true`` the institutions first run phase 1 of a trusted-setup
ceremony, and each circuit's keys come from its own phase 2 (:mod:`zkanchor.simulator.ceremony`)
instead of the seeded setup.

Determinism: every salt, blinding factor and key comes from the seed
(:mod:`zkanchor.simulator.seeds`, :mod:`zkanchor.simulator.proving`), results are used in scenario order
whatever order workers finish in, and the log holds no wall-clock value — so one seed on
a fresh chain of one kind gives byte-identical ``events.jsonl`` and the same final
chain-state hash (see :mod:`zkanchor.simulator.state` for what it covers).
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from zkanchor.anchor import Registry, RegistryError, deploy_registry
from zkanchor.chain import Chain, connect
from zkanchor.commit import commit_dataset
from zkanchor.errors import InputError
from zkanchor.models import model_module
from zkanchor.models.linear import scores_int
from zkanchor.models.spec import TrainingSpec, make_spec
from zkanchor.models.weights import weights_commitment
from zkanchor.r1cs.circom_r1cs import decode_r1cs
from zkanchor.solidity.onchain import deploy_verifier
from zkanchor.training.circuit import ModelOpening

from . import attacks, ceremony, seeds
from .data import InstitutionData, all_data, model_settings
from zkanchor.executor import make_executor
from .federated import AggregationOpening, federated_average, make_statement
from .log import DONE, FAILED, LANDED, PASSED, EventLog
from .oversight import audit_run, deployment_record, watch
from .proving import CircuitInfo, KeyResult, ProveJob, ProveResult, circuit_job, prove_job, setup_job
from .report import Report, write_report
from .scenario import CEREMONY_EVENTS, Institution, Scenario, load_scenario
from .state import chain_state, state_hash


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
    dataset_anchored: bool = False
    model: Optional[ModelOpening] = None
    anchors: list[Anchored] = field(default_factory=list)

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
    circuits: dict[str, Circuit] = field(default_factory=dict)  # circuit hash -> circuit
    job_circuit: dict[str, str] = field(default_factory=dict)  # job label -> circuit hash
    global_model: Optional[tuple[tuple[int, ...], int]] = None  # (weights, salt) of the current global model
    initial_global: int = 0  # C_G of the round-1 starting model (federated)
    aggregations: list[Anchored] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rpc: Optional[str] = None
    state_hash: str = ""
    snapshot: dict = field(default_factory=dict)
    ceremony: Optional["ceremony.Ceremony"] = None  # set: circuits get ceremony keys where they fit

    # -- shared steps, used by the honest pipeline and by attacks ------------------

    def ensure_circuits(self, jobs: list[ProveJob], describe: Callable[[ProveJob], tuple[str, str]]) -> None:
        """Seeded setup (in parallel) for every new circuit among ``jobs``, then deploy and register its verifier.

        ``describe(job)`` gives (circuit id prefix, description).  Jobs whose circuit is
        already known are matched to it by hash after the (cheap, cached) key lookup.
        """
        fresh = [job for job in jobs if job.label not in self.job_circuit]
        if not fresh:
            return
        if self.ceremony is not None:
            self._ceremony_circuits(fresh, describe)
            return
        start = self.log.now()
        results = self.executor.map(setup_job, fresh)
        for job, keys in zip(fresh, results):
            self.job_circuit[job.label] = keys.circuit_hash
            if keys.circuit_hash in self.circuits:
                continue
            circuit_id = self._circuit_id(job, keys.circuit_hash, describe)
            self.log.add("admin", "setup_keys", DONE, timing=self.log.since(start), circuit=circuit_id,
                         constraints=keys.constraints, n_public=keys.n_public,
                         note=f"{keys.constraints:,} constraints, seeded keys",
                         info="from the key cache" if keys.cached else "new keys")
            self._register_circuit(job, keys, circuit_id, describe)
            start = self.log.now()

    def _circuit_id(self, job: ProveJob, circuit_hash: str, describe: Callable[[ProveJob], tuple[str, str]]) -> str:
        """The registry id of a job's circuit: its describe() prefix and the start of its hash."""
        return f"{describe(job)[0]}-{circuit_hash[:8]}"

    def _ceremony_circuits(self, fresh: list[ProveJob], describe: Callable[[ProveJob], tuple[str, str]]) -> None:
        """Ceremony keys (phase 2 among the institutions) for each new circuit whose domain fits phase 1."""
        infos: list[CircuitInfo] = self.executor.map(circuit_job, fresh)
        for job, info in zip(fresh, infos):
            self.job_circuit[job.label] = info.circuit_hash
            if info.circuit_hash in self.circuits:
                continue
            circuit_id = self._circuit_id(job, info.circuit_hash, describe)
            log_size = info.domain_size.bit_length() - 1
            if log_size > self.ceremony.power:
                # Too big for this phase 1: the circuit keeps the seeded setup, and the log says so.
                start = self.log.now()
                keys = setup_job(job)
                self.log.add("admin", "setup_keys", DONE, timing=self.log.since(start), circuit=circuit_id,
                             constraints=keys.constraints, n_public=keys.n_public,
                             note=f"{keys.constraints:,} constraints, seeded keys: its 2^{log_size} rows exceed "
                                  f"the ceremony's 2^{self.ceremony.power}")
                self._register_circuit(job, keys, circuit_id, describe)
                continue
            start = self.log.now()
            r1cs = decode_r1cs(info.r1cs_bytes, circuit_id)
            pk = ceremony.circuit_keys(self, circuit_id, r1cs, info.r1cs_bytes, log_size)
            keys = KeyResult(info.circuit_hash, pk.vk, info.constraints, info.n_public, False,
                             self.log.now() - start)
            self.log.add("admin", "setup_keys", DONE, timing=self.log.since(start), circuit=circuit_id,
                         constraints=info.constraints, n_public=info.n_public,
                         note=f"{info.constraints:,} constraints, ceremony keys "
                              f"({len(self.ceremony.contributors)} institutions and a beacon)")
            self._register_circuit(job, keys, circuit_id, describe)

    def _register_circuit(self, job: ProveJob, keys: KeyResult, circuit_id: str,
                          describe: Callable[[ProveJob], tuple[str, str]]) -> None:
        """Deploy the circuit's verifier and register it with the registry."""
        description = describe(job)[1]
        start = self.log.now()
        deployed = deploy_verifier(self.chain, keys.vk)
        self.log.add("admin", "deploy_verifier", LANDED, timing=self.log.since(start), circuit=circuit_id,
                     gas=int(deployed.gas_used), block=int(deployed.receipt["blockNumber"]), address=deployed.address)
        start = self.log.now()
        tx = self.registry.register_circuit(circuit_id, deployed.address, keys.n_public, description=description,
                                            sender=self.admin)
        self.log.add("admin", "register_circuit", LANDED, timing=self.log.since(start), circuit=circuit_id,
                     gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash)
        self.circuits[keys.circuit_hash] = Circuit(circuit_id, keys, deployed.address, description, tx.block_number)

    def circuit_of(self, label: str) -> Circuit:
        """The registered circuit a job's proof belongs to."""
        return self.circuits[self.job_circuit[label]]

    def prove(self, jobs: list[ProveJob]) -> dict[str, ProveResult]:
        """Prove every job through the executor; results by label."""
        if self.ceremony is not None:
            # Ceremony keys exist only here: each job carries its circuit's (seeded ones are derived in the worker).
            jobs = [replace(j, pk=self.ceremony.keys.get(self.job_circuit.get(j.label, ""))) for j in jobs]
        results = self.executor.map(prove_job, jobs)
        return {r.label: r for r in results}

    def training_job(self, party: Party, label: str, dataset, data_salt: int, opening: ModelOpening,
                     address: Optional[int] = None) -> ProveJob:
        """A training proof job for ``party``'s spec (``address`` overrides public input 0)."""
        who = party.address_int if address is None else address
        return ProveJob(label, "training", (party.spec, dataset, data_salt, opening, who), self.seed)

    def describe_training(self, job: ProveJob) -> tuple[str, str]:
        """Circuit id prefix and description of a training job's circuit."""
        spec: TrainingSpec = job.args[0]
        prefix = f"{spec.model}-{spec.n}x{spec.d}-e{spec.epochs}"
        return prefix, f"zkanchor training v1: {spec.model}, n={spec.n}, d={spec.d}, epochs={spec.epochs}, digest={spec.digest()}"

    def train(self, party: Party, dataset, initial: tuple[tuple[int, ...], int], final_salt: int) -> ModelOpening:
        """Train exactly as the circuit will, from ``initial`` = (weights, salt)."""
        weights, salt = initial
        kind = model_module(party.spec.model)
        final = kind.train(party.spec, dataset.features.tolist(), [int(t) for t in dataset.targets], list(weights))
        return ModelOpening(tuple(weights), tuple(final), salt, final_salt)


# ---------------------------------------------------------------- set-up


def _assign_accounts(scenario: Scenario, chain: Chain) -> tuple[str, dict[str, str]]:
    """Admin = account 0; everyone else their given index or the next free one, in file order."""
    wanted: list[tuple[str, Optional[int]]] = [(i.name, i.account) for i in scenario.institutions]
    wanted += [(r.name, r.account) for r in (scenario.aggregator, scenario.regulator, scenario.watcher) if r is not None]
    taken = {a for _, a in wanted if a is not None} | {0}
    free = (k for k in range(1, 10_000) if k not in taken)
    indices = {name: (a if a is not None else next(free)) for name, a in wanted}
    need = max(indices.values()) + 1
    if need > len(chain.accounts):
        raise InputError(f"the scenario needs {need} unlocked accounts but the chain offers {len(chain.accounts)}")
    return chain.accounts[0], {name: chain.accounts[k] for name, k in indices.items()}


def _ceremony_power(world: World) -> int:
    """Phase 1's power: the scenario's, or the smallest fitting every honest institution's training circuit.

    The circuits' shapes are built from a model trained on each institution's own data
    (seed labels of their own, so no other salt shifts); InputError if a given power is too small.
    """
    shapes = {}
    for party in (world.parties[i.name] for i in world.scenario.honest):
        if party.spec.digest() in shapes:
            continue
        initial = (tuple(model_module(party.spec.model).initial_weights(party.spec)), 0)
        opening = world.train(party, party.data.dataset, initial, seeds.salt(world.seed, "ceremony-shape", party.name))
        job = world.training_job(party, f"{party.name}/ceremony-shape", party.data.dataset, 0, opening)
        shapes[party.spec.digest()] = (party.name, job)
    infos = world.executor.map(circuit_job, [job for _name, job in shapes.values()])
    needed = ceremony.needed_power([info.domain_size for info in infos])
    given = world.scenario.ceremony.power
    if given is None:
        return needed
    if given < needed:
        widest = max(zip(shapes.values(), infos), key=lambda pair: pair[1].domain_size)[0][0]
        raise InputError(f"setup.power {given} is too small: {widest}'s training circuit needs 2^{needed} rows; "
                         f"use power = {needed} or more")
    return given


def _initial_global(world: World, spec: TrainingSpec) -> tuple[tuple[int, ...], int]:
    return tuple(model_module(spec.model).initial_weights(spec)), seeds.salt(world.seed, "global", 0)


def _quality(spec: TrainingSpec, data: InstitutionData, weights) -> str:
    rows, targets = data.dataset.features.tolist(), [int(t) for t in data.dataset.targets]
    scores = scores_int(spec, rows, weights)
    if spec.model == "logreg":
        correct = sum(int(z >= 0) == t >> spec.frac_bits for z, t in zip(scores, targets))
        return f"train accuracy {correct}/{len(rows)}"
    sse = sum((z - (t << spec.frac_bits)) ** 2 for z, t in zip(scores, targets))
    return f"train mse {sse / len(rows) / 2 ** (4 * spec.frac_bits):.4f}"


# ---------------------------------------------------------------- the honest pipeline


def _anchor_datasets(world: World, round_: int) -> None:
    for party in (world.parties[i.name] for i in world.scenario.honest):
        if party.dataset_anchored:
            continue
        start = world.log.now()
        party.data_salt = seeds.salt(world.seed, "data", party.name)
        commitment, _ = commit_dataset(party.data.dataset, party.data_salt)
        party.commitment = commitment.commitment
        world.log.add(party.name, "commit_dataset", DONE, round_, world.log.since(start),
                      commitment=hex(party.commitment), note=party.data.description)
        start = world.log.now()
        tx = world.registry.anchor_dataset(party.commitment, sender=party.address)
        party.dataset_anchored = True
        world.log.add(party.name, "anchor_dataset", LANDED, round_, world.log.since(start),
                      gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, commitment=hex(party.commitment))


def _train_round(world: World, round_: int) -> list[ProveJob]:
    jobs = []
    for party in (world.parties[i.name] for i in world.scenario.honest):
        start = world.log.now()
        if world.scenario.federated:
            initial = world.global_model
        elif party.model is not None:
            initial = (party.model.final, party.model.final_salt)  # checkpoint chaining
        else:
            initial = (tuple(model_module(party.spec.model).initial_weights(party.spec)),
                       seeds.salt(world.seed, "initial", party.name))
        party.model = world.train(party, party.data.dataset, initial, seeds.salt(world.seed, "model", party.name, round_))
        world.log.add(party.name, "train", DONE, round_, world.log.since(start),
                      initial_model=hex(weights_commitment(*initial)),
                      model=hex(weights_commitment(party.model.final, party.model.final_salt)),
                      note=_quality(party.spec, party.data, party.model.final))
        jobs.append(world.training_job(party, f"{party.name}/round{round_}", party.data.dataset, party.data_salt, party.model))
    return jobs


def _log_proofs(world: World, round_: int, jobs: list[ProveJob], results: dict[str, ProveResult],
                actor_of: Callable[[ProveJob], str]) -> None:
    for job in jobs:
        r = results[job.label]
        world.log.add(actor_of(job), "prove", DONE, round_, (world.log.wall_offset(r.started_at), r.seconds), worker=r.worker,
                      circuit=world.circuit_of(job.label).circuit_id, constraints=r.constraints,
                      job=job.label)


def _anchor_training(world: World, round_: int, party: Party, label: str, result: ProveResult) -> None:
    circuit = world.circuit_of(label)
    start = world.log.now()
    try:
        if party.inst.anchor == "verified":
            tx = world.registry.anchor_training(circuit.circuit_id, result.proof, result.public, sender=party.address)
        else:
            tx = world.registry.anchor_optimistic(circuit.circuit_id, result.public, proof=result.proof, sender=party.address)
    except RegistryError as exc:
        world.problems.append(f"{party.name}'s honest training anchor in round {round_} was refused ({exc.error})")
        world.log.add(party.name, f"anchor_{party.inst.anchor}", FAILED, round_, world.log.since(start),
                      stopped_by=f"contract:{exc.error}")
        return
    party.anchors.append(Anchored(round_, circuit.circuit_id, tx.value, result.public, result.proof,
                                  party.inst.anchor, party.model))
    world.log.add(party.name, f"anchor_{party.inst.anchor}", LANDED, round_, world.log.since(start),
                  gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id)


def _aggregate(world: World, round_: int, events) -> None:
    """The aggregator averages this round's local models, proves it, and anchors the new global model."""
    scenario = world.scenario
    name = scenario.aggregator.name
    address = world.roles[name]
    members = [world.parties[i.name] for i in scenario.honest]
    start = world.log.now()
    locals_ = [m.anchors[-1].opening for m in members if m.anchors and m.anchors[-1].round == round_]
    if len(locals_) != len(members):
        world.problems.append(f"round {round_}: not every member anchored a local model; the aggregator stops")
        world.log.add(name, "aggregate", FAILED, round_, note="a member's local model is missing")
        return
    counts = [m.spec.n for m in members]
    weights = federated_average([o.final for o in locals_], counts)
    opening = AggregationOpening(tuple(o.final for o in locals_), tuple(o.final_salt for o in locals_),
                                 tuple(weights), seeds.salt(world.seed, "global", round_))
    spec = members[0].spec
    statement = make_statement(int(address, 16), opening, counts, spec.weight_bound_bits, spec.weight_bits)
    world.log.add(name, "aggregate", DONE, round_, world.log.since(start),
                  model=hex(statement.global_commitment), inputs=hex(statement.inputs_commitment),
                  note=f"sample-weighted average of {len(locals_)} local models (counts {counts})")
    start = world.log.now()
    tx = world.registry.anchor_dataset(statement.inputs_commitment, sender=address)
    world.log.add(name, "anchor_round_inputs", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, commitment=hex(statement.inputs_commitment))

    job = ProveJob(f"{name}/round{round_}", "aggregation", (statement, opening), world.seed)
    world.ensure_circuits([job], lambda j: (f"fedavg-{len(counts)}x{statement.n_weights}", statement.description()))
    result = world.prove([job])[job.label]
    _log_proofs(world, round_, [job], {job.label: result}, lambda _j: name)
    context = attacks.AggregationContext(statement, opening, job, result)
    for event in events:
        attacks.run_aggregation_attack(world, event, context)

    circuit = world.circuit_of(job.label)
    start = world.log.now()
    try:
        tx = world.registry.anchor_training(circuit.circuit_id, result.proof, result.public, sender=address)
    except RegistryError as exc:
        world.problems.append(f"the aggregation of round {round_} was refused ({exc.error})")
        world.log.add(name, "anchor_aggregate", FAILED, round_, world.log.since(start), stopped_by=f"contract:{exc.error}")
        return
    world.aggregations.append(Anchored(round_, circuit.circuit_id, tx.value, result.public, result.proof, "verified", opening))
    world.global_model = (opening.global_weights, opening.global_salt)
    world.log.add(name, "anchor_aggregate", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id)


def _round(world: World, round_: int) -> None:
    scenario = world.scenario
    _anchor_datasets(world, round_)
    honest_jobs = _train_round(world, round_)
    events = [e for e in scenario.events
              if e.round == round_ and e.kind != "bad_aggregate" and e.kind not in CEREMONY_EVENTS]
    prepared = [attacks.prepare(world, e, k) for k, e in enumerate(events)]
    attack_jobs = [job for p in prepared for job in p.jobs]
    jobs = honest_jobs + attack_jobs
    world.ensure_circuits(jobs + [job for p in prepared for job in p.setup_jobs], world.describe_training)
    results = world.prove(jobs)
    _log_proofs(world, round_, honest_jobs, results, lambda j: j.label.split("/")[0])
    for job in honest_jobs:
        _anchor_training(world, round_, world.parties[job.label.split("/")[0]], job.label, results[job.label])
    for p in prepared:
        attacks.run(world, p, results)
    if scenario.federated:
        _aggregate(world, round_, [e for e in scenario.events if e.round == round_ and e.kind == "bad_aggregate"])


# ---------------------------------------------------------------- entry point


def run_scenario(path: str | Path | Scenario, seed: Optional[int] = None, rpc: Optional[str] = None,
                 scheduler: Optional[str] = None, out: str | Path = "out/simulation",
                 echo: Optional[Callable[[str], None]] = None, workers: Optional[int] = None,
                 charts: bool = True) -> Report:
    """Run a scenario on a fresh registry and write the report to ``out``; returns the Report.

    ``seed`` overrides the file's; ``rpc`` selects a JSON-RPC node (default: an embedded
    chain); ``scheduler`` a Dask scheduler address (default: a local process pool of
    ``workers``, default the scenario's or the CPU count); ``echo`` receives one line per
    action as the run goes (``echo=print``).  Bad input raises InputError (one sentence).
    """
    scenario = path if isinstance(path, Scenario) else load_scenario(path)
    seed = scenario.seed if seed is None else int(seed)
    if seed < 0:
        raise InputError(f"the seed must be a non-negative integer, not {seed}")
    if charts and importlib.util.find_spec("matplotlib") is None:
        raise InputError("the report's charts need matplotlib: 'pip install matplotlib', or pass --no-charts")
    scenario = replace(scenario, seed=seed)
    log = EventLog(echo=echo)
    data = all_data(scenario)
    executor = make_executor(scheduler, workers or scenario.workers)  # before the chain: see executor._context
    try:
        chain = connect(rpc)
        admin, roles = _assign_accounts(scenario, chain)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # seeded single-party keys are the documented point of a simulation
            world = _run(scenario, seed, chain, admin, roles, data, executor, log, rpc)
        return write_report(world, deployment_record(world), Path(out), charts=charts)
    finally:
        executor.close()


def _run(scenario: Scenario, seed: int, chain: Chain, admin: str, roles: dict, data: dict, executor, log: EventLog,
         rpc: Optional[str]) -> World:
    start = log.now()
    registry = deploy_registry(chain, sender=admin, challenge_window=scenario.challenge_window)
    log.add("admin", "deploy_registry", LANDED, None, log.since(start), gas=registry.deploy_gas,
            block=registry.deploy_block, tx=registry.deploy_tx, address=registry.address,
            note=f"{chain.kind} chain, seed {seed}", info=executor.where)
    parties = {}
    for inst in scenario.institutions:
        d = data[inst.name].dataset
        spec = make_spec(scenario.model.kind, d.n, d.d, scenario.model.epochs, scenario.model.learning_rate,
                         **model_settings(scenario.model))
        parties[inst.name] = Party(inst, roles[inst.name], data[inst.name], spec)
    world = World(scenario, seed, chain, registry, executor, log, admin, parties, roles, rpc=rpc)
    registered = [(i.name, i.kind) for i in scenario.institutions if i.registered]
    if scenario.aggregator is not None:
        registered.append((scenario.aggregator.name, "aggregator"))
    for name, kind in registered:
        start = log.now()
        tx = registry.register_institution(roles[name], name, sender=admin)
        log.add("admin", "register_institution", LANDED, None, log.since(start), gas=tx.gas_used,
                block=tx.block_number, tx=tx.tx_hash, institution=name, address=roles[name], note=kind)
    if scenario.ceremony is not None:
        world.ceremony = ceremony.run_phase1(world, _ceremony_power(world))
    if scenario.federated:
        world.global_model = _initial_global(world, next(iter(parties.values())).spec)
        world.initial_global = weights_commitment(*world.global_model)
        log.add(scenario.aggregator.name, "publish_initial_model", DONE, 1,
                model=hex(weights_commitment(*world.global_model)), note="all-zero weights, salted")
    for round_ in range(1, scenario.rounds + 1):
        _round(world, round_)
    if scenario.watcher is not None:
        watch(world)
    if scenario.regulator is not None:
        audit_run(world)
    snapshot = chain_state(registry)
    world.state_hash = state_hash(snapshot)
    world.snapshot = snapshot
    log.add("simulator", "finish", PASSED if not world.problems else FAILED, None, state_hash=world.state_hash,
            block=chain.w3.eth.block_number, problems=len(world.problems))
    return world
