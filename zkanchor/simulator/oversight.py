"""Oversight during a run: the watcher of optimistic anchors and the regulator's audit.

The watcher checks each honest optimistic anchor's published proof with the Python
verifier (and would challenge a bad one; the attacks show that path).  The regulator
audits the registry from the chain alone (``zkanchor.anchor.audit``: every anchored
proof re-verified off chain), checks that every model an institution serves opens the
C_W it anchored, and in federated scenarios that each round's members started from the
last anchored global model and each aggregate averaged that round's anchored models.
With data subjects' rights in the run it also reads every erasure request's status at the
chain head (answered, refuted — a request for a record the data never held, its
non-membership proof re-checked — or OVERDUE, ``flagged``), the models superseded by an
erasure and what retrained them, and every dataset's validity claims (a refused claim left
none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkanchor.anchor import CircuitRecord, audit_report, circuit_id_bytes, record_for
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.groth16.verifier import verify
from zkanchor.models.weights import weights_commitment

from .log import FAILED, FLAGGED, PASSED

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
    world.audit = audit_report(world.chain, deployment_record(world))  # audit_rights reads the same report
    rows = world.audit.rows
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


def audit_rights(world: "World") -> None:
    """The regulator's view of data subjects' rights, from the chain alone (``zkanchor.anchor.audit_report``).

    Requests to an institution that answers must be answered on time; requests to one that
    ignores them must be found OVERDUE (``flagged``: the audit's job is to find them); a bogus
    request (naming a record the data never held) must be found refuted, its refutation's proof
    re-checked off chain.  Any expectation unmet is a problem of the run.
    """
    name = world.scenario.regulator.name
    start = world.log.now()
    report = world.audit if world.audit is not None else audit_report(world.chain, deployment_record(world))
    statuses = {r.request_id: r for r in report.requests}
    world.log.add(name, "audit_rights", PASSED, None, world.log.since(start), block=report.head,
                  requests=len(report.requests), overdue=len(report.overdue), superseded=len(report.superseded),
                  validity=len(report.validity),
                  note=f"{len(report.requests)} erasure request(s), {len(report.overdue)} overdue, "
                       f"{len(report.superseded)} superseded model(s), {len(report.validity)} validity claim(s)")
    for r in world.requests:
        row = statuses.get(r.request_id)
        status = row.status if row is not None else "missing"
        answers = world.scenario.institution(r.institution).answers
        expected = "refuted" if r.bogus else "answered" if answers else "overdue"
        outcome = (PASSED if answers else FLAGGED) if status == expected else FAILED
        if r.bogus and status == expected and row.refutation_check != "valid":
            outcome = FAILED  # the regulator holds the key: the refutation's proof must re-check
            expected += " with its proof re-checked"
        if outcome == FAILED:
            world.problems.append(f"request {r.request_id} to {r.institution} is {status}, not {expected}")
        world.log.add(name, "check_erasure_request", outcome, None, request=r.request_id, institution=r.institution,
                      subject=r.subject, status=status, filed_block=r.block, deadline=r.deadline,
                      answered_block=row.answered_block if row is not None and row.answered_block else None,
                      refuted_block=row.refuted_block if row is not None and row.refuted_block else None,
                      refutation_check=row.refutation_check if row is not None and row.refuted_block else None,
                      block=report.head, note=row.sentence() if row is not None else "the registry has no such request")
    for m in report.superseded:
        party = next(p for p in world.parties.values() if p.address.lower() == m.institution.lower())
        retrained = {a.statement_hash for a in party.anchors}
        ok = bool(m.retrained_by) and m.retrained_by in retrained
        if not ok:
            world.problems.append(f"{party.name}'s model {m.statement_hash} is superseded and not retrained")
        world.log.add(name, "check_superseded_model", PASSED if ok else FAILED, None, institution=party.name,
                      statement=m.statement_hash, retrained_by=m.retrained_by or None, erased_at=m.erased_at,
                      note=m.sentence())
    claims = {(v.institution, int(v.dataset, 16)): v for v in report.validity}
    for inst in (i for i in world.scenario.honest if i.validity is not None):
        party = world.parties[inst.name]
        dataset = party.commitment  # the claim is about the data as committed, before any erasure
        v = next((c for (who, d), c in claims.items() if who.lower() == party.address.lower() and d == dataset), None)
        proven = any(r["action"] == "anchor_validity" and r["actor"] == inst.name and r["outcome"] == "landed"
                     for r in world.log.records)
        if proven:
            ok = v is not None and v.verdict == "ok" and v.offchain == "valid"
            note = v.sentence() if v is not None else "the anchored validity claim is missing"
        else:
            ok = v is None and not world.registry.validity(party.address, dataset).exists
            note = (f"{inst.name}'s dataset has no validity claim on chain: the refused claim left no trace"
                    if ok else "a validity claim the data does not support is on chain")
        if not ok:
            world.problems.append(f"the regulator's check of {inst.name}'s validity claim failed: {note}")
        world.log.add(name, "check_validity_claim", PASSED if ok else FAILED, None, institution=inst.name,
                      commitment=hex(dataset), note=note)
