"""Run a scenario end to end on a real chain: the honest pipeline, checkpoints, federated rounds, attacks, audit.

    report = run_scenario("hospitals", seed=7, out="out/hospitals", echo=print)

Per round, every honest institution commits its data for its own address and anchors the
commitment (first round only), trains, proves the training statement through the
executor (all proofs of a round in parallel), and anchors the result (verified, or
optimistic).  Circuits get seeded keys, a verifier contract and a registry entry (with
their circuit hash, spec digest and public start) the first time they are needed.

- **One round**: a training statement from the public initial weights.
- **Several rounds, no federation**: each institution's training is a checkpointed run;
  round r proves segment r - 1 (the model of round r - 1 to that of round r) and anchors
  it in the institution's run on chain as it lands — the watcher sees the run progress.
- **Federated**: round 1 starts from the public initial weights, later rounds from the
  last anchored global model; the aggregator averages the round's anchored local models,
  proves it, and anchors the aggregate, which the registry binds to those anchors.

Attack events of the round follow (:mod:`zkanchor.simulator.attacks`).  With data subjects'
rights (:mod:`zkanchor.simulator.rights`), receipts are handed out as each dataset is anchored,
validity claims are checked then and proven with the round's proofs, and after the round's
anchors the subjects file their erasure requests, answering institutions erase, prove and
retrain (and refute, with a non-membership proof, a request naming a record their data never
held), and (after the watcher) the run mines blocks until every ignored request is past its
deadline.  A watcher checks optimistic anchors; a regulator audits (and reads every request's
status).  With ``[setup] ceremony = true`` the institutions first run a trusted-setup ceremony
and circuits take its keys (:mod:`zkanchor.simulator.ceremony`).

Determinism: every salt, blinding factor and key comes from the seed
(:mod:`zkanchor.simulator.seeds`, :mod:`zkanchor.simulator.proving`), results are used in
scenario order whatever order workers finish in, and the log holds no wall-clock value —
so one seed on a fresh chain of one kind gives byte-identical ``events.jsonl`` and the
same final chain-state hash (see :mod:`zkanchor.simulator.state` for what it covers).
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

from zkanchor.anchor import RegistryError, deploy_registry
from zkanchor.anchor.registry import DEFAULT_ERASURE_DEADLINE
from zkanchor.chain import Chain, connect
from zkanchor.commit import commit_dataset
from zkanchor.errors import InputError
from zkanchor.executor import make_executor
from zkanchor.models import model_module
from zkanchor.models.weights import weights_commitment
from zkanchor.statements import AggregationOpening, make_aggregation
from zkanchor.statements.training import evaluate

from . import attacks, rights, seeds
from .data import all_data
from .log import DONE, FAILED, LANDED, PASSED, EventLog
from .oversight import audit_rights, audit_run, deployment_record, watch
from .proving import ProveJob, ProveResult
from .report import Report, write_report
from .scenario import (
    BOGUS_REQUESTS, CEREMONY_EVENTS, ERASURE_ATTACKS, RIGHTS_EVENTS, Scenario, load_scenario, resolve_scenario,
)
from .state import chain_state, state_hash
from .world import Anchored, Party, World, anchor_training, public_initial, public_start_of, round_start, spec_of

TEST_KEY = "__test__"


def _quality(world: World, party: Party, weights) -> str:
    spec = party.spec
    measured = evaluate(spec, party.data.dataset, weights)
    text = (f"train accuracy {measured}/{spec.n}" if model_module(spec.model).CLASSIFIER
            else f"train mse {measured / spec.n / 2 ** (4 * spec.frac_bits):.4f}")
    if world.test is not None:
        test = evaluate(spec, world.test.dataset, weights)
        text += (f", test accuracy {test}/{world.test.dataset.n}" if model_module(spec.model).CLASSIFIER
                 else f", test mse {test / world.test.dataset.n / 2 ** (4 * spec.frac_bits):.4f}")
    return text


# ---------------------------------------------------------------- the honest pipeline


def _anchor_datasets(world: World, round_: int) -> None:
    for party in (world.parties[i.name] for i in world.scenario.honest):
        if party.dataset_anchored:
            continue
        start = world.log.now()
        party.data_salt = seeds.salt(world.seed, "data", party.name)
        party.test_salt = seeds.salt(world.seed, "test", party.name)
        commitment, _ = commit_dataset(party.data.dataset, party.address_int, party.data_salt)
        party.commitment = commitment.commitment
        world.log.add(party.name, "commit_dataset", DONE, round_, world.log.since(start),
                      commitment=hex(party.commitment), note=party.data.description)
        start = world.log.now()
        tx = world.registry.anchor_dataset(party.commitment, sender=party.address)
        party.dataset_anchored = True
        world.log.add(party.name, "anchor_dataset", LANDED, round_, world.log.since(start),
                      gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, commitment=hex(party.commitment))
        if party.inst.receipts:
            rights.hand_out_receipts(world, party, round_)


def _train_round(world: World, round_: int) -> list[ProveJob]:
    jobs = []
    for party in (world.parties[i.name] for i in world.scenario.honest):
        start = world.log.now()
        initial, kind = round_start(world, party, round_)
        party.model = world.train(party, party.data.dataset, initial, seeds.salt(world.seed, "model", party.name, round_))
        job = world.training_job(party, f"{party.name}/round{round_}", party.data.dataset, party.data_salt,
                                 party.model, start=kind)
        excluded = job.statement.excluded  # records without consent to the purpose: public in the proof
        world.log.add(party.name, "train", DONE, round_, world.log.since(start),
                      initial_model=hex(weights_commitment(*initial)),
                      model=hex(weights_commitment(party.model.final, party.model.final_salt)), excluded=excluded,
                      note=_quality(world, party, party.model.final)
                      + (f"; {excluded} record(s) left out: no consent to purpose {party.spec.purpose}" if excluded
                         else ""))
        jobs.append(job)
        _check_evaluation(world, party, jobs[-1].statement.threshold, round_)
    return jobs


def _check_evaluation(world: World, party: Party, threshold: Optional[int], round_: int) -> None:
    """An honest model that misses the [evaluation] claim has no proof: say so in one sentence, not in the prover."""
    if world.test is None:
        return
    e, test = world.scenario.evaluation, world.test.dataset
    measured = evaluate(party.spec, test, party.model.final)
    if e.min_accuracy is not None and measured < threshold:
        raise InputError(f"{party.name}'s model of round {round_} gets {measured} of the {test.n} held-out rows right, "
                         f"fewer than evaluation.min_accuracy = {e.min_accuracy} needs ({threshold}); "
                         f"lower it or give the model more data or epochs")
    if e.max_mse is not None and measured > threshold:
        mse = measured / test.n / 2 ** (4 * party.spec.frac_bits)
        raise InputError(f"{party.name}'s model of round {round_} has a held-out mse of {mse:.4f}, above "
                         f"evaluation.max_mse = {e.max_mse}; raise it or give the model more data or epochs")


def _log_proofs(world: World, round_: int, jobs: list[ProveJob], results: dict[str, ProveResult],
                actor_of: Callable[[ProveJob], str], action: str = "prove") -> None:
    for job in jobs:
        r = results[job.label]
        world.log.add(actor_of(job), action, DONE, round_, (world.log.wall_offset(r.started_at), r.seconds),
                      worker=r.worker, circuit=world.circuit_of(job.label).circuit_id, constraints=r.constraints,
                      job=job.label)


def _open_runs(world: World, jobs: list[ProveJob]) -> None:
    """Each institution declares its checkpoint run on chain as training starts, before any
    segment is proven: its dataset, circuit, number of segments and public start."""
    total = world.scenario.rounds
    for job in jobs:
        party = world.parties[job.label.split("/")[0]]
        circuit = world.circuit_of(job.label)
        start = world.log.now()
        try:
            tx = world.registry.open_run(party.run_id, circuit.circuit_id, job.statement.dataset_commitment, total,
                                         job.statement.initial_weights_commitment, sender=party.address)
        except RegistryError as exc:
            world.problems.append(f"{party.name}'s checkpoint run could not be opened ({exc.error})")
            world.log.add(party.name, "open_run", FAILED, 1, world.log.since(start), stopped_by=f"contract:{exc.error}")
            continue
        world.log.add(party.name, "open_run", LANDED, 1, world.log.since(start), gas=tx.gas_used,
                      block=tx.block_number, tx=tx.tx_hash, run=party.run_id, circuit=circuit.circuit_id,
                      note=f"declares a run of {total} segments from the public start, before the first proof")


def _anchor_training(world: World, round_: int, party: Party, label: str, result: ProveResult) -> None:
    circuit = world.circuit_of(label)
    action = ("anchor_segment_" if world.scenario.checkpointed else "anchor_") + party.inst.anchor
    start = world.log.now()
    try:
        tx = anchor_training(world, party, circuit.circuit_id, result, round_)
    except RegistryError as exc:
        world.problems.append(f"{party.name}'s honest training anchor in round {round_} was refused ({exc.error})")
        world.log.add(party.name, action, FAILED, round_, world.log.since(start), stopped_by=f"contract:{exc.error}")
        return
    party.anchors.append(Anchored(round_, circuit.circuit_id, tx.value, result.public, result.proof,
                                  party.inst.anchor, party.model))
    extra = {}
    if world.scenario.checkpointed:
        extra = {"run": party.run_id, "segment": f"{round_}/{world.scenario.rounds}"}
    world.log.add(party.name, action, LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id, **extra)


def _aggregate(world: World, round_: int, events) -> None:
    """The aggregator averages this round's anchored local models, proves it, and anchors the new global model."""
    scenario = world.scenario
    name = scenario.aggregator.name
    address = world.roles[name]
    members = [world.parties[i.name] for i in scenario.honest]
    start = world.log.now()
    anchors = [m.anchors[-1] for m in members if m.anchors and m.anchors[-1].round == round_]
    if len(anchors) != len(members):
        world.problems.append(f"round {round_}: not every member anchored a local model; the aggregator stops")
        world.log.add(name, "aggregate", FAILED, round_, note="a member's local model is missing")
        return
    locals_ = [a.opening for a in anchors]
    counts = [m.spec.n for m in members]
    opening = AggregationOpening(tuple(o.final for o in locals_), tuple(o.final_salt for o in locals_),
                                 seeds.salt(world.seed, "global", round_))
    previous = weights_commitment(*world.global_model)
    statement = make_aggregation(int(address, 16), previous, opening, counts, members[0].spec.weight_bits)
    weights = statement.global_weights(opening)
    world.log.add(name, "aggregate", DONE, round_, world.log.since(start), model=hex(statement.global_commitment),
                  previous=hex(previous), note=f"sample-weighted average of {len(locals_)} local models (counts {counts})")
    job = ProveJob(f"{name}/round{round_}", statement, opening, world.seed, world.keydirs)
    world.ensure_circuits([job], lambda j: (f"fedavg-{len(counts)}x{statement.spec.n_weights}",
                                            statement.spec.describe()))
    result = world.prove([job])[job.label]
    _log_proofs(world, round_, [job], {job.label: result}, lambda _j: name)
    member_statements = [(a.circuit, a.public) for a in anchors]
    context = attacks.AggregationContext(statement, opening, job, result, member_statements)
    for event in events:
        attacks.run_aggregation_attack(world, event, context)

    circuit = world.circuit_of(job.label)
    start = world.log.now()
    try:
        tx = world.registry.anchor_aggregate(circuit.circuit_id, result.proof, result.public, member_statements,
                                             sender=address)
    except RegistryError as exc:
        world.problems.append(f"the aggregation of round {round_} was refused ({exc.error})")
        world.log.add(name, "anchor_aggregate", FAILED, round_, world.log.since(start), stopped_by=f"contract:{exc.error}")
        return
    world.aggregations.append(Anchored(round_, circuit.circuit_id, tx.value, result.public, result.proof, "verified",
                                       opening))
    world.global_model = (tuple(weights), opening.global_salt)
    world.log.add(name, "anchor_aggregate", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id,
                  members=len(member_statements))


def _round(world: World, round_: int) -> None:
    scenario = world.scenario
    _anchor_datasets(world, round_)
    honest_jobs = _train_round(world, round_)
    validity_jobs = rights.prepare_validity(world, round_) if round_ == 1 else []
    cheat_jobs = rights.prepare_erased_data(world, round_)
    # Run elsewhere: before the rounds, with the requests, or after the answers.
    skip = CEREMONY_EVENTS + RIGHTS_EVENTS + BOGUS_REQUESTS + ERASURE_ATTACKS
    events = [e for e in scenario.events if e.round == round_ and e.kind != "bad_aggregate" and e.kind not in skip]
    prepared = [attacks.prepare(world, e, k) for k, e in enumerate(events)]
    attack_jobs = [job for p in prepared for job in p.jobs]
    jobs = honest_jobs + validity_jobs + attack_jobs + cheat_jobs
    world.ensure_circuits(jobs + [job for p in prepared for job in p.setup_jobs], world.describe_training)
    if scenario.checkpointed and round_ == 1:
        _open_runs(world, honest_jobs)
    results = world.prove(jobs)
    _log_proofs(world, round_, honest_jobs, results, lambda j: j.label.split("/")[0])
    _log_proofs(world, round_, validity_jobs, results, lambda j: j.label.split("/")[0], "prove_validity")
    for job in honest_jobs:
        _anchor_training(world, round_, world.parties[job.label.split("/")[0]], job.label, results[job.label])
    rights.anchor_validity(world, round_, validity_jobs, results)
    for p in prepared:
        attacks.run(world, p, results)
    rights.requests_round(world, round_, results)
    if scenario.federated:
        _aggregate(world, round_, [e for e in scenario.events if e.round == round_ and e.kind == "bad_aggregate"])


# ---------------------------------------------------------------- entry point


def _assign_accounts(scenario: Scenario, chain: Chain, subjects: tuple[str, ...] = ()) -> tuple[str, dict[str, str]]:
    """Admin = account 0; everyone else their given index or the next free one, in file order."""
    wanted: list[tuple[str, Optional[int]]] = [(i.name, i.account) for i in scenario.institutions]
    wanted += [(r.name, r.account) for r in (scenario.aggregator, scenario.regulator, scenario.watcher) if r is not None]
    wanted += [(name, None) for name in subjects]  # data subjects file their requests from accounts of their own
    taken = {a for _, a in wanted if a is not None} | {0}
    free = (k for k in range(1, 10_000) if k not in taken)
    indices = {name: (a if a is not None else next(free)) for name, a in wanted}
    need = max(indices.values()) + 1
    if need > len(chain.accounts):
        raise InputError(f"the scenario needs {need} unlocked accounts but the chain offers {len(chain.accounts)}")
    return chain.accounts[0], {name: chain.accounts[k] for name, k in indices.items()}


def run_scenario(path: str | Path | Scenario, seed: Optional[int] = None, rpc: Optional[str] = None,
                 scheduler: Optional[str] = None, out: str | Path = "out/simulation",
                 echo: Optional[Callable[[str], None]] = None, workers: Optional[int] = None,
                 charts: bool = True) -> Report:
    """Run a scenario on a fresh registry and write the report to ``out``; returns the Report.

    ``path`` is a scenario file or the name of a shipped one (``hospitals``, ``banks``,
    ``consortium``, ``attacks``...); ``seed`` overrides the file's; ``rpc`` selects a
    JSON-RPC node (default: an embedded chain); ``scheduler`` a Dask scheduler address
    (default: a local process pool of ``workers``, default the scenario's or the CPU
    count); ``echo`` receives one line per action as the run goes (``echo=print``).  Bad
    input raises InputError (one sentence).
    """
    scenario = path if isinstance(path, Scenario) else load_scenario(resolve_scenario(path))
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
        admin, roles = _assign_accounts(scenario, chain, rights.subject_names(scenario, data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # seeded single-party keys are the documented point of a simulation
            world = _run(scenario, seed, chain, admin, roles, data, executor, log, rpc)
        return write_report(world, deployment_record(world), Path(out), charts=charts)
    finally:
        executor.close()


def _run(scenario: Scenario, seed: int, chain: Chain, admin: str, roles: dict, data: dict, executor, log: EventLog,
         rpc: Optional[str]) -> World:
    start = log.now()
    deadline = scenario.erasure_deadline or DEFAULT_ERASURE_DEADLINE
    registry = deploy_registry(chain, sender=admin, challenge_window=scenario.challenge_window,
                               erasure_deadline=deadline)
    log.add("admin", "deploy_registry", LANDED, None, log.since(start), gas=registry.deploy_gas,
            block=registry.deploy_block, tx=registry.deploy_tx, address=registry.address,
            note=f"{chain.kind} chain, seed {seed}", info=executor.where,
            erasure_deadline=deadline if scenario.erasure_deadline is not None else None)
    parties = {}
    for inst in scenario.institutions:
        party = Party(inst, roles[inst.name], data[inst.name], spec_of(scenario, inst, data[inst.name].dataset))
        party.run_id = "0x" + format(seeds.derive(seed, "run", inst.name), "064x")
        parties[inst.name] = party
    world = World(scenario, seed, chain, registry, executor, log, admin, parties, roles, test=data.get(TEST_KEY),
                  rpc=rpc)
    world.subjects = {key: roles[name] for key, name in rights.subjects(scenario, data).items()}
    registered = [(i.name, i.kind) for i in scenario.institutions if i.registered]
    if scenario.aggregator is not None:
        registered.append((scenario.aggregator.name, "aggregator"))
    for name, kind in registered:
        start = log.now()
        tx = registry.register_institution(roles[name], name, sender=admin)
        log.add("admin", "register_institution", LANDED, None, log.since(start), gas=tx.gas_used,
                block=tx.block_number, tx=tx.tx_hash, institution=name, address=roles[name], note=kind)
    if scenario.ceremony is not None:
        from . import ceremony

        world.ceremony = ceremony.run_phase1(world, ceremony.phase1_power(world))
    if scenario.federated:
        spec = next(iter(parties.values())).spec
        world.global_model = public_initial(spec)
        world.initial_global = public_start_of(spec)
        log.add(scenario.aggregator.name, "publish_initial_model", DONE, 1, model=hex(world.initial_global),
                note="the spec's public initial weights (salt 0): anyone recomputes this commitment")
    for round_ in range(1, scenario.rounds + 1):
        _round(world, round_)
    if scenario.watcher is not None:
        watch(world)
    rights.wait_for_deadlines(world)
    if scenario.regulator is not None:
        audit_run(world)
        if scenario.has_rights:
            audit_rights(world)
    snapshot = chain_state(registry)
    world.state_hash = state_hash(snapshot)
    world.snapshot = snapshot
    log.add("simulator", "finish", PASSED if not world.problems else FAILED, None, state_hash=world.state_hash,
            block=chain.w3.eth.block_number, problems=len(world.problems))
    return world
