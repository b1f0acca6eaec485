"""The registry's final state as canonical JSON, and its hash.

What the hash covers: the registry's address; every registered institution (status,
since block, dataset count); every circuit (verifier address, input count, description
hash, registration block); every anchored dataset (owner, block, metadata hash, anchor
count, and the erasure that superseded it); every training, erasure and validity anchor
(owner, kind, status, block, proof hash, challenge deadline); every erasure request (owner,
dataset, leaf, filing block, deadline, answering or refuting block); and every registry event (name,
arguments, block, log index, transaction hash) — all read back from the chain.  A request's
status is left out: "overdue" is a function of the chain head, not of the registry's state.

What it leaves out: block timestamps (the contract stores them, but an embedded chain or
anvil stamps blocks with the wall clock) and block hashes (which hash the timestamps).
So two runs with one seed on fresh chains of the same kind give the same hash, and a
replay against the node a run used recomputes it exactly.
"""

from __future__ import annotations

import hashlib
import json

from zkanchor.anchor.registry import Registry


def chain_state(registry: Registry) -> dict:
    """Everything the registry holds and emitted, minus wall-clock stamps (see the module docstring)."""
    events = registry.events()
    institutions = {}
    for address in registry.institutions():
        info = registry.institution(address)
        institutions[address] = {"status": info.status, "since": info.since_block, "datasets": info.dataset_count}
    circuits = {}
    for cid in registry.circuit_ids():
        c = registry.circuit(cid)
        circuits[cid] = {"verifier": c.verifier, "n_public": c.n_public, "kind": c.kind,
                         "circuit_hash": c.circuit_hash, "spec_digest": c.spec_digest,
                         "description_hash": c.description_hash, "registered_at": c.registered_at}
    datasets = {}
    for address in institutions:
        for commitment in registry.datasets_of(address):
            d = registry.dataset(address, commitment)
            entry = {"block": d.block_number, "metadata": d.metadata_hash, "expires": d.expires_at,
                     "anchors": d.anchor_count}
            if d.erased:  # only then: runs without erasures keep the hash they always had
                entry.update(erased_at=d.erased_at, erased_into=hex(d.erased_into))
            datasets[f"{address}/{hex(commitment)}"] = entry
    anchors = {}
    for e in events:
        if e.name in ("TrainingAnchored", "OptimisticAnchored", "AggregateAnchored", "ErasureAnchored",
                      "ValidityAnchored"):
            a = registry.anchor(e.args["statementHash"])
            anchors[a.statement_hash] = {"owner": a.institution, "kind": a.kind, "status": a.status,
                                         "block": a.block_number, "proof_hash": a.proof_hash,
                                         "challenge_deadline": a.challenge_deadline}
    snapshot = {
        "registry": registry.address,
        "institutions": institutions,
        "circuits": circuits,
        "datasets": datasets,
        "anchors": anchors,
        "events": [{"name": e.name, "args": e.args, "block": e.block_number, "log_index": e.log_index, "tx": e.tx_hash}
                   for e in events],
    }
    requests = [int(e.args["requestId"]) for e in events if e.name == "ErasureRequested"]
    if requests:
        snapshot["erasure_requests"] = {
            str(rid): {"owner": r.owner, "dataset": hex(r.dataset), "leaf": hex(r.leaf), "filed": r.filed_block,
                       "deadline": r.deadline, "answered": r.answered_block,
                       # only when refuted: runs without refutations keep the hash they always had
                       **({"refuted": r.refuted_block} if r.refuted_block else {})}
            for rid in requests for r in (registry.erasure_request(rid),)}
    return snapshot


def canonical(obj: object) -> str:
    """Canonical JSON (sorted keys, no spaces; big ints as decimal strings would be the same ints)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def state_hash(snapshot: dict) -> str:
    """SHA-256 of the canonical snapshot, as 0x + hex."""
    return "0x" + hashlib.sha256(canonical(snapshot).encode("utf-8")).hexdigest()
