"""Oversight during a run: the watcher of optimistic anchors and the regulator's audit.

The watcher checks each honest optimistic anchor's published proof with the Python
verifier (and would challenge a bad one; the attacks show that path).  The regulator
audits the registry from the chain alone (``zkanchor.anchor.audit``: every anchored
proof re-verified off chain), checks that every model an institution serves opens the
C_W it anchored, and in federated scenarios that each round's members started from the
last anchored global model and each aggregate averaged that round's anchored models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkanchor.anchor import CircuitRecord, audit, circuit_id_bytes, record_for
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.groth16.verifier import verify
from zkanchor.models.weights import weights_commitment

from .log import FAILED, PASSED

if TYPE_CHECKING:
    from .world import World


def watch(world: "World") -> None:
    """The watcher checks every honest optimistic anchor's published proof off chain, and every run's progress."""
    name = world.scenario.watcher.name
    if world.scenario.checkpointed:
        for party in (world.parties[i.name] for i in world.scenario.honest):
            run = world.registry.run(party.address, party.run_id)
            done = run.all_anchored
            if not done:
                world.problems.append(f"the watcher sees {party.name}'s run stop at segment {run.last_index + 1} "
                                      f"of {run.total}")
            world.log.add(name, "watch_run", PASSED if done else FAILED, None, institution=party.name,
                          run=party.run_id, segments=f"{run.last_index + 1 if run.exists else 0}/{run.total}",
                          block=run.last_block,
                          note=f"{party.name}'s training run on chain: {run.last_index + 1} of {run.total} segments, "
                               f"last checkpoint {hex(run.last_weights)} in block {run.last_block}")
    for party in world.parties.values():
        for a in (x for x in party.anchors if x.kind == "optimistic"):
            circuit = world.circuit_by_id(a.circuit)
            start = world.log.now()
            valid = verify(circuit.keys.vk, a.proof, a.public)
            status = world.registry.anchor(a.statement_hash).status
            outcome = PASSED if valid and status == "pending" else FAILED
            if outcome == FAILED:
                world.problems.append(f"the watcher found {party.name}'s optimistic anchor of round {a.round} {status}, proof valid={valid}")
            world.log.add(name, "check_optimistic", outcome, a.round, world.log.since(start), statement=a.statement_hash,
                          institution=party.name, python_verifier="valid" if valid else "invalid", onchain=status,
                          note="valid off chain: no challenge" if valid else "invalid")


def deployment_record(world: "World"):
    """The registry's deployment record with every circuit and its verification key (for audits and replay)."""
    record = record_for(world.registry, world.rpc)
    for c in world.circuits.values():
        record = record.with_circuit(CircuitRecord(
            circuit_id="0x" + circuit_id_bytes(c.circuit_id).hex(), verifier=c.verifier, n_public=c.keys.n_public,
            kind=c.kind, circuit_hash="0x" + c.keys.circuit_hash, spec_digest=c.spec_digest,
            public_start=c.public_start, description=c.description, block=c.block, vk=vk_to_json(c.keys.vk)))
    return record


def audit_run(world: "World") -> None:
    """The regulator audits every anchor off chain, checks served models, and the federated chain of models."""
    name = world.scenario.regulator.name
    start = world.log.now()
    rows = audit(world.chain, deployment_record(world))
    counts = {v: sum(r.verdict == v for r in rows) for v in ("ok", "mismatch", "unchecked")}
    outcome = PASSED if counts["mismatch"] == 0 else FAILED
    if outcome == FAILED:
        world.problems.append(f"the regulator's audit found {counts['mismatch']} mismatch(es)")
    world.log.add(name, "audit_registry", outcome, None, world.log.since(start),
                  rows=len(rows), ok=counts["ok"], mismatch=counts["mismatch"], unchecked=counts["unchecked"],
                  note=f"{counts['ok']} ok, {counts['mismatch']} mismatch, {counts['unchecked']} unchecked (pending optimistic)")
    by_hash = {r.statement_hash: r for r in rows if r.statement_hash}
    for party in world.parties.values():
        for a in party.anchors:
            row = by_hash.get(a.statement_hash)
            served = weights_commitment(a.opening.final, a.opening.final_salt)
            ok = row is not None and len(row.inputs) > 3 and row.inputs[3] == served
            if not ok:
                world.problems.append(f"{party.name}'s served model of round {a.round} does not open its anchored C_W")
            world.log.add(name, "check_model_opening", PASSED if ok else FAILED, a.round, institution=party.name,
                          statement=a.statement_hash, note="served weights open the anchored C_W")
    if world.scenario.federated:
        _check_linkage(world, name, by_hash)


def _check_linkage(world: "World", regulator: str, by_hash: dict) -> None:
    """Each round's members start from the last anchored global model, and each aggregate averages that round's anchors."""
    members = [world.parties[i.name] for i in world.scenario.honest]
    previous = world.initial_global
    for agg in world.aggregations:
        member_rows = [by_hash.get(a.statement_hash) for m in members for a in m.anchors if a.round == agg.round]
        agg_row = by_hash.get(agg.statement_hash)
        problems = []
        if agg_row is None or agg_row.onchain != "valid" or any(r is None for r in member_rows):
            problems.append("an anchor of the round is missing or not valid")
        else:
            if any(r.inputs[2] != previous for r in member_rows):
                problems.append("a member did not start from the previous global model")
            if list(agg_row.inputs[2:-1]) != [r.inputs[3] for r in member_rows]:
                problems.append("the aggregate's local commitments are not the round's anchored models")
            previous = agg_row.inputs[-1]
        if problems:
            world.problems.append(f"federated round {agg.round}: {'; '.join(problems)}")
        world.log.add(regulator, "check_federated_round", FAILED if problems else PASSED, agg.round,
                      statement=agg.statement_hash,
                      note="; ".join(problems) or "members started from the last global model; the aggregate used their anchored models")
