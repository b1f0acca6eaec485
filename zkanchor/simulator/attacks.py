"""Adversaries as event kinds: each tries to get something false accepted, and is stopped.

Every attempt is logged with ``attack`` (the kind), ``attempt`` (what was tried) and,
when refused, ``stopped_by`` — the check that refused it:

- ``contract:<Error>``        the registry contract reverted with that custom error
                              (in the client's pre-flight call: nothing was mined);
- ``python-verifier``         zkanchor's Groth16 verifier returned False off chain;
- ``prover:<constraint>``     the cheater's witness breaks the named constraint, so no
                              proof of the false statement can even be made;
- ``regulator:model-opening`` served weights do not open the anchored commitment C_W;
- ``contract:resolve``        an optimistic anchor's revealed proof failed the on-chain
                              verifier, which marked it Invalid;
- ``contract:expire``         a challenged optimistic anchor's proof was never revealed,
                              and it expired Invalid.
- ``ceremony:<check>``       the trusted-setup ceremony's verification refused a
                              contribution (see :mod:`zkanchor.simulator.ceremony`).

The kinds:

=======================  ================================================================
``forged_proof``         made-up curve points for a statement claiming a model never trained
``replayed_proof``       another institution's valid proof, taken from the chain, replayed
                         as is, then with input 0 rewritten to the thief's address
``wrong_data``           training on other data than the anchored commitment covers
``model_swap``           after proving, a different model is anchored or served as the proven one
``unregistered``         an account the admin never registered anchors data and a valid proof
``late_dataset``         a training anchor for a dataset that is only anchored afterwards
``optimistic_bad_proof`` an optimistic anchor committing to a bad proof; a watcher catches it
                         (``reveal = false``: the proof is never revealed, the anchor expires)
``bad_aggregate``        the aggregator's global model is not the average of the local models
``skipped_segment``      a checkpointed run's segment that skips epochs: proven from the round's
                         start to the model two rounds later, then anchored at a skipped index
``forked_segment``       a second, different next checkpoint for an index already anchored
``segment_other_data``   a run's next segment proven over other data than the run's C_D
=======================  ================================================================

``malformed_contribution`` (a ceremony contribution tampered with) is run by
:mod:`zkanchor.simulator.ceremony` before the rounds, not here; ``erased_data`` (an institution
that keeps using records it has just erased: ``prover:C_D``, then ``contract:DatasetErased``)
by :mod:`zkanchor.simulator.rights`, after the erasure it needs.

An attempt that gets through is logged ``not stopped`` and fails the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from dataclasses import replace

from zkanchor.anchor.encoding import proof_from_words
from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import G1_GEN, G2_GEN
from zkanchor.commit import commit_dataset
from zkanchor.groth16.keys import Proof
from zkanchor.groth16.verifier import verify
from zkanchor.models.weights import weights_commitment
from zkanchor.statements import AggregationOpening, AggregationStatement

from . import seeds
from .attempts import log_attempt, send_attempt, target_fields
from .data import perturbed
from .log import LANDED
from .proving import ProveJob, ProveResult, failing_constraint
from .world import anchor_training, mine_blocks, round_start

if TYPE_CHECKING:
    from .scenario import Event
    from .world import Party, World


@dataclass
class Prepared:
    """An attack ready to run: the proofs it needs made (with the round's) and its private state."""

    event: "Event"
    index: int
    jobs: list[ProveJob] = field(default_factory=list)
    setup_jobs: list[ProveJob] = field(default_factory=list)  # circuits it targets without proving
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AggregationContext:
    """What a cheating aggregator holds: the honest statement, opening, job and proof."""

    statement: AggregationStatement
    opening: AggregationOpening
    job: ProveJob
    result: ProveResult
    members: list  # (circuit id, public inputs) of the round's anchored member statements


# ---------------------------------------------------------------- logging helpers


def _step(world: "World", event: "Event", action: str, note: str, timing=None, **details: Any) -> None:
    """Log a step of an attack that is legitimate in itself (it lands, and is not the attack)."""
    world.log.add(event.actor, action, LANDED, event.round, timing, attack_step=event.kind, note=note, **details)


def _python_check(world: "World", event: "Event", vk, proof: Proof, public: list[int], attempt: str) -> bool:
    """Check a proof off chain and log it as an attempt (stopped when the verifier says False)."""
    start = world.log.now()
    valid = verify(vk, proof, public)
    log_attempt(world, event, "verify_off_chain", attempt, None if valid else "python-verifier", world.log.since(start),
                python_verifier="valid" if valid else "invalid")
    return valid


# ---------------------------------------------------------------- shared pieces


def _own_dataset(world: "World", party: "Party", event: "Event") -> None:
    """The actor's own dataset committed and anchored (the honest pipeline may have done it already)."""
    if party.dataset_anchored:
        return
    party.data_salt = seeds.salt(world.seed, "data", party.name)
    party.test_salt = seeds.salt(world.seed, "test", party.name)
    party.commitment = commit_dataset(party.data.dataset, party.address_int, party.data_salt)[0].commitment
    start = world.log.now()
    tx = world.registry.anchor_dataset(party.commitment, sender=party.address)
    party.dataset_anchored = True
    _step(world, event, "anchor_dataset", "the cheater's own data, anchored properly", world.log.since(start),
          gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, commitment=hex(party.commitment))


def _forged(world: "World", party: "Party", tag: int, shape: ProveJob) -> tuple[list[int], Proof]:
    """A statement claiming a model that was never trained, and made-up proof points for it."""
    claimed = [(tag + 1) << party.spec.frac_bits] * party.spec.n_weights  # "a great model", never trained
    statement = replace(shape.statement, dataset_commitment=party.commitment,
                        final_weights_commitment=weights_commitment(claimed, seeds.salt(world.seed, "forged",
                                                                                           party.name, tag)))
    labels = ("forged", party.name, tag)
    proof = Proof(a=g1.mul(G1_GEN, seeds.scalar(world.seed, *labels, "a")),
                  b=g2.mul(G2_GEN, seeds.scalar(world.seed, *labels, "b")),
                  c=g1.mul(G1_GEN, seeds.scalar(world.seed, *labels, "c")))
    return statement.public_inputs(), proof


def _shape_job(world: "World", party: "Party", label: str, round_: int) -> ProveJob:
    """An honest job of the actor's shape: its circuit must be registered for the attack to target it."""
    initial, kind = round_start(world, party, round_)
    opening = world.train(party, party.data.dataset, initial, seeds.salt(world.seed, "shape", label))
    return world.training_job(party, label, party.data.dataset, seeds.salt(world.seed, "data", party.name), opening,
                              start=kind)


def _latest_anchor(party: "Party", round_: int):
    return next((a for a in reversed(party.anchors) if a.round == round_), None)


def _anchor_call(world: "World", party: "Party", statement_hash: str) -> dict:
    """The arguments of the transaction that anchored ``statement_hash``, decoded from the chain."""
    tx_hash = next(e.tx_hash for e in world.registry.anchors_of(party.address)
                   if e.args["statementHash"] == statement_hash)
    return world.registry.decode_call(tx_hash)[1]


def _anchored_inputs(world: "World", party: "Party", statement_hash: str) -> list[int]:
    """The public inputs of an anchored statement, as the chain has them."""
    return [int(v) for v in _anchor_call(world, party, statement_hash)["inputs"]]


# ---------------------------------------------------------------- preparing (before the round's proofs)


def prepare(world: "World", event: "Event", index: int) -> Prepared:
    """Do the attack's set-up steps and list the proofs it needs (made in parallel with the round's)."""
    p = Prepared(event, index)
    party = world.parties[event.actor]
    tag = f"{event.actor}/attack{index}-{event.kind}/round{event.round}"
    if event.kind in ("forged_proof", "optimistic_bad_proof"):
        _own_dataset(world, party, event)
        p.state["shape"] = _shape_job(world, party, tag + "/shape", event.round)
        p.setup_jobs.append(p.state["shape"])
    elif event.kind == "wrong_data":
        _own_dataset(world, party, event)
        other = perturbed(party.data.dataset, 1 + index)
        initial, kind = round_start(world, party, event.round)
        opening = world.train(party, other, initial, seeds.salt(world.seed, "model", tag))
        job = world.training_job(party, tag, other, party.data_salt, opening, start=kind)
        p.jobs.append(job)
        p.state.update(job=job)
    elif event.kind in ("unregistered", "late_dataset"):
        if event.kind == "late_dataset" and party.dataset_anchored:
            dataset = perturbed(party.data.dataset, 2 + index)  # fresh data, never anchored
        else:
            dataset = party.data.dataset
        salt = seeds.salt(world.seed, "late-data", tag)
        commitment = commit_dataset(dataset, party.address_int, salt)[0].commitment
        initial, kind = round_start(world, party, event.round)
        opening = world.train(party, dataset, initial, seeds.salt(world.seed, "model", tag))
        job = world.training_job(party, tag, dataset, salt, opening, start=kind)
        p.jobs.append(job)
        p.state.update(job=job, commitment=commitment)
    elif event.kind == "skipped_segment":
        # The honest next segment (from this round's checkpoint), to be anchored one index too far.
        model = party.model
        ahead = world.train(party, party.data.dataset, (model.final, model.final_salt),
                            seeds.salt(world.seed, "ahead", tag))
        job = world.training_job(party, tag, party.data.dataset, party.data_salt, ahead, start="checkpoint")
        p.jobs.append(job)
        p.state.update(job=job, ahead=ahead)
    elif event.kind == "forked_segment":
        # The same checkpoint and data, another final salt: a valid proof of a different next checkpoint.
        model = party.model
        fork = world.train(party, party.data.dataset, (model.initial, model.initial_salt),
                           seeds.salt(world.seed, "fork", tag))
        job = world.training_job(party, tag, party.data.dataset, party.data_salt, fork, start="checkpoint")
        p.jobs.append(job)
        p.state.update(job=job)
    elif event.kind == "segment_other_data":
        other = perturbed(party.data.dataset, 3 + index)
        salt = seeds.salt(world.seed, "other-data", tag)
        commitment = commit_dataset(other, party.address_int, salt)[0].commitment
        start = world.log.now()
        tx = world.registry.anchor_dataset(commitment, sender=party.address)
        _step(world, event, "anchor_dataset", "other data, anchored in the cheater's own name",
              world.log.since(start), gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash,
              commitment=hex(commitment))
        model = party.model  # the round's honest segment starts where this one claims to
        opening = world.train(party, other, (model.final, model.final_salt), seeds.salt(world.seed, "model", tag))
        job = world.training_job(party, tag, other, salt, opening, start="checkpoint")
        p.jobs.append(job)
        p.state.update(job=job)
    return p


# ---------------------------------------------------------------- running (after the round's honest anchors)


def run(world: "World", p: Prepared, results: dict[str, ProveResult]) -> None:
    """Run a prepared attack; every attempt is logged with what stopped it."""
    RUNNERS[p.event.kind](world, p, results)


def _forged_proof(world: "World", p: Prepared, _results) -> None:
    event, party = p.event, world.parties[p.event.actor]
    circuit = world.circuit_of(p.state["shape"].label)
    public, proof = _forged(world, party, p.index, p.state["shape"])
    _python_check(world, event, circuit.keys.vk, proof, public, "made-up proof points for a model never trained")
    send_attempt(world, event, "anchor_verified", "anchor the forged proof",
                 lambda: world.registry.anchor_training(circuit.circuit_id, proof, public, sender=party.address),
                 **target_fields(circuit.circuit_id, public, party.address))


def _replayed_proof(world: "World", p: Prepared, _results) -> None:
    event, thief = p.event, world.parties[p.event.actor]
    victim = world.parties[event.victim]
    anchor = _latest_anchor(victim, event.round)
    if anchor is None:
        log_attempt(world, event, "replay", f"{victim.name} anchored nothing in round {event.round} to replay", None)
        return
    # The thief reads the victim's proof from the anchoring transaction's calldata.
    params = _anchor_call(world, victim, anchor.statement_hash)
    proof = proof_from_words(params["a"], params["b"], params["c"])
    public = [int(v) for v in params["inputs"]]
    send_attempt(world, event, "anchor_verified", f"replay {victim.name}'s proof unchanged from the thief's account",
                 lambda: world.registry.anchor_training(anchor.circuit, proof, public, sender=thief.address),
                 victim=victim.name, **target_fields(anchor.circuit, public, thief.address))
    rewritten = [thief.address_int] + public[1:]
    vk = world.circuit_by_id(anchor.circuit).keys.vk
    _python_check(world, event, vk, proof, rewritten, f"{victim.name}'s proof with input 0 rewritten to the thief")
    send_attempt(world, event, "anchor_verified", f"replay {victim.name}'s proof with input 0 rewritten to the thief",
                 lambda: world.registry.anchor_training(anchor.circuit, proof, rewritten, sender=thief.address),
                 victim=victim.name, **target_fields(anchor.circuit, rewritten, thief.address))


def _wrong_data(world: "World", p: Prepared, results) -> None:
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    start = world.log.now()
    broken = failing_constraint(replace(job.statement, dataset_commitment=party.commitment), job.opening)
    log_attempt(world, event, "prove", "prove training on other data against the anchored commitment C_D",
                f"prover:{broken}" if broken else None, world.log.since(start))
    result = results[job.label]
    claimed = list(result.public)
    claimed[1] = party.commitment  # the other data's proof, presented as being about the anchored data
    circuit = world.circuit_of(job.label)
    _python_check(world, event, circuit.keys.vk, result.proof, claimed,
                  "a valid proof of training on other data, presented with the anchored C_D")
    send_attempt(world, event, "anchor_verified", "anchor that proof with the anchored C_D",
                 lambda: world.registry.anchor_training(circuit.circuit_id, result.proof, claimed,
                                                        sender=party.address),
                 **target_fields(circuit.circuit_id, claimed, party.address))


def _model_swap(world: "World", p: Prepared, _results) -> None:
    event, party = p.event, world.parties[p.event.actor]
    anchor = _latest_anchor(party, event.round)
    if anchor is None:
        log_attempt(world, event, "swap", f"{party.name} anchored nothing in round {event.round}", None)
        return
    swapped = list(anchor.opening.final)
    swapped[0] += 1  # one unit of one weight: the smallest possible backdoor
    c_swapped = weights_commitment(swapped, anchor.opening.final_salt)
    claimed = list(anchor.public)
    claimed[3] = c_swapped
    vk = world.circuit_by_id(anchor.circuit).keys.vk
    _python_check(world, event, vk, anchor.proof, claimed, "the proven model's proof, presented for a swapped model")
    send_attempt(world, event, "anchor_verified", "anchor the swapped model's commitment with the old proof",
                 lambda: world.registry.anchor_training(anchor.circuit, anchor.proof, claimed, sender=party.address),
                 **target_fields(anchor.circuit, claimed, party.address))
    # The institution serves the swapped weights as "the anchored model"; the regulator opens
    # the C_W it reads from the anchoring transaction on chain.
    onchain = world.registry.anchor(anchor.statement_hash)
    anchored_cw = _anchored_inputs(world, party, anchor.statement_hash)[3]
    opens = onchain.status == "valid" and weights_commitment(swapped, anchor.opening.final_salt) == anchored_cw
    log_attempt(world, event, "serve_model", "serve the swapped weights to the regulator as the anchored model",
                None if opens else "regulator:model-opening", regulator=world.scenario.regulator.name,
                statement=anchor.statement_hash, note="Poseidon(W', salt) differs from the anchored C_W")


def _unregistered(world: "World", p: Prepared, results) -> None:
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    result = results[job.label]
    circuit = world.circuit_of(job.label)
    send_attempt(world, event, "anchor_dataset", "anchor a dataset from an unregistered account",
                 lambda: world.registry.anchor_dataset(p.state["commitment"], sender=party.address))
    send_attempt(world, event, "anchor_verified", "anchor a valid training proof from an unregistered account",
                 lambda: world.registry.anchor_training(circuit.circuit_id, result.proof, result.public,
                                                        sender=party.address),
                 note="the proof itself is valid: only registration stops it",
                 **target_fields(circuit.circuit_id, result.public, party.address))


def _late_dataset(world: "World", p: Prepared, results) -> None:
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    result = results[job.label]
    circuit = world.circuit_of(job.label)
    send_attempt(world, event, "anchor_verified", "anchor a training before anchoring the dataset it claims",
                 lambda: world.registry.anchor_training(circuit.circuit_id, result.proof, result.public,
                                                        sender=party.address),
                 commitment=hex(p.state["commitment"]),
                 **target_fields(circuit.circuit_id, result.public, party.address))


def _optimistic_bad_proof(world: "World", p: Prepared, _results) -> None:
    event, party = p.event, world.parties[p.event.actor]
    circuit = world.circuit_of(p.state["shape"].label)
    public, proof = _forged(world, party, 1000 + p.index, p.state["shape"])
    start = world.log.now()
    tx = world.registry.anchor_optimistic(circuit.circuit_id, public, proof=proof, sender=party.address)
    statement = tx.value
    _step(world, event, "anchor_optimistic", "optimistic anchoring checks the statement, not the proof",
          world.log.since(start), gas=tx.gas_used, block=tx.block_number, tx=tx.tx_hash, statement=statement)
    watcher = world.scenario.watcher.name
    address = world.roles[watcher]
    if event.reveal:
        _python_check(world, event, circuit.keys.vk, proof, public, "the optimistic anchor's published proof")
        start = world.log.now()
        tx = world.registry.resolve(circuit.circuit_id, proof, public, sender=address)
        status = world.registry.anchor(statement).status
        log_attempt(world, event, "resolve", "keep the optimistic anchor standing",
                    "contract:resolve" if status == "invalid" else None, world.log.since(start), gas=tx.gas_used,
                    block=tx.block_number, tx=tx.tx_hash, statement=statement, onchain=status, watcher=watcher,
                    note="the watcher revealed the committed proof; the on-chain verifier rejected it")
        return
    start = world.log.now()
    tx = world.registry.challenge(statement, sender=address)
    world.log.add(watcher, "challenge", LANDED, event.round, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=statement, note=f"proof due by block {tx.value}")
    mine_blocks(world, max(0, tx.value - world.chain.w3.eth.block_number + 1))
    start = world.log.now()
    tx = world.registry.expire(statement, sender=address)
    status = world.registry.anchor(statement).status
    log_attempt(world, event, "expire", "never reveal the committed proof",
                "contract:expire" if status == "invalid" else None, world.log.since(start), gas=tx.gas_used,
                block=tx.block_number, tx=tx.tx_hash, statement=statement, onchain=status, watcher=watcher,
                note="the challenge window closed without the proof: the anchor expired")


def _skipped_segment(world: "World", p: Prepared, results) -> None:
    """Claim K epochs took the run from this round's start to the model one round later; then skip an index."""
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    model, ahead = party.model, p.state["ahead"]
    # One segment's statement spanning two segments' epochs: this round's start to the next round's model.
    claimed = replace(model, final=ahead.final, final_salt=ahead.final_salt)
    skip = world.training_job(party, "skip", party.data.dataset, party.data_salt, claimed, start="checkpoint")
    start = world.log.now()
    broken = failing_constraint(skip.statement, skip.opening)
    log_attempt(world, event, "prove", f"prove {2 * party.spec.epochs} epochs as one segment of {party.spec.epochs}",
                f"prover:{broken}" if broken else None, world.log.since(start))
    result = results[job.label]
    circuit = world.circuit_of(job.label)
    index = event.round + 1  # the next segment's index is event.round: skip it
    send_attempt(world, event, "anchor_segment_verified",
                 f"anchor a valid next segment at index {index}, skipping index {event.round}",
                 lambda: anchor_training(world, party, circuit.circuit_id, result, event.round, "verified", index),
                 run=party.run_id, note="the proof itself is valid")


def _forked_segment(world: "World", p: Prepared, results) -> None:
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    result = results[job.label]
    circuit = world.circuit_of(job.label)
    send_attempt(world, event, "anchor_segment_verified",
                 f"anchor a second, different next checkpoint for segment {event.round - 1} (a fork)",
                 lambda: anchor_training(world, party, circuit.circuit_id, result, event.round, "verified",
                                         event.round - 1),
                 run=party.run_id, note="the fork's proof itself is valid")


def _segment_other_data(world: "World", p: Prepared, results) -> None:
    event, party, job = p.event, world.parties[p.event.actor], p.state["job"]
    result = results[job.label]
    circuit = world.circuit_of(job.label)
    send_attempt(world, event, "anchor_segment_verified",
                 f"extend the run with a segment trained on other data (segment {event.round})",
                 lambda: anchor_training(world, party, circuit.circuit_id, result, event.round + 1, "verified",
                                         event.round),
                 run=party.run_id, note="the proof is valid, over another anchored C_D")


RUNNERS: dict[str, Callable[["World", Prepared, dict], None]] = {
    "forged_proof": _forged_proof,
    "replayed_proof": _replayed_proof,
    "wrong_data": _wrong_data,
    "model_swap": _model_swap,
    "unregistered": _unregistered,
    "late_dataset": _late_dataset,
    "optimistic_bad_proof": _optimistic_bad_proof,
    "skipped_segment": _skipped_segment,
    "forked_segment": _forked_segment,
    "segment_other_data": _segment_other_data,
}


def run_aggregation_attack(world: "World", event: "Event", ctx: AggregationContext) -> None:
    """bad_aggregate: the aggregator claims a global model other than the average (member 1's model)."""
    honest, statement = ctx.opening, ctx.statement
    biased = list(honest.local_weights[0])
    if biased == statement.global_weights(honest):
        biased[0] += 1
    cheat = replace(statement, global_commitment=weights_commitment(biased, honest.global_salt))
    start = world.log.now()
    broken = failing_constraint(cheat, honest)
    log_attempt(world, event, "prove", "prove that the first member's model is the round's average",
                f"prover:{broken}" if broken else None, world.log.since(start))
    claimed = cheat.public_inputs()
    circuit = world.circuit_of(ctx.job.label)
    _python_check(world, event, circuit.keys.vk, ctx.result.proof, claimed,
                  "the honest aggregation proof, presented for the biased global model")
    send_attempt(world, event, "anchor_aggregate", "anchor the biased global model with the honest proof",
                 lambda: world.registry.anchor_aggregate(circuit.circuit_id, ctx.result.proof, claimed, ctx.members,
                                                         sender=world.roles[event.actor]),
                 **target_fields(circuit.circuit_id, claimed, world.roles[event.actor]))
