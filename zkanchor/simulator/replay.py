"""Re-check a finished run against the chain it ran on (``zkanchor replay LOG --rpc URL``).

Reads the report directory's ``events.jsonl`` and ``deployment.json`` and checks, from
the chain alone:

- every transaction the log says landed is mined, succeeded, in the logged block, with
  the logged gas; every deployed contract has code;
- every anchor the log says landed exists with the logged kind (erasures and validity claims
  included); every optimistic anchor an attack left behind is Invalid;
- every erasure request the log says was filed is on chain to the logged institution, for the
  logged dataset and leaf, with the logged deadline; every erasure answers, and every
  refutation refutes, exactly the logged requests in its block; each status the regulator
  logged (answered, refuted, overdue) still holds;
- every refused attack attempt left no trace: its statement is not anchored by the attacker;
- the regulator's audit (every proof re-verified in Python) finds no mismatch;
- the registry's state hash (simulator.state) equals the one the run logged.

A run on the embedded chain cannot be replayed: that chain ended with its process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from zkanchor.anchor import Registry, audit, load_deployment
from zkanchor.chain import connect
from zkanchor.errors import FormatError, InputError
from zkanchor.fileio import read_bytes, read_json

from .report import DEPLOYMENT_FILE, EVENTS_FILE, RUN_FILE
from .state import chain_state, state_hash


# A checkpointed run anchors each segment as anchor_segment_<kind>: an anchor like any other.
ANCHOR_ACTIONS = ("anchor_verified", "anchor_optimistic", "anchor_aggregate",
                  "anchor_segment_verified", "anchor_segment_optimistic", "anchor_erasure", "anchor_validity")


@dataclass
class ReplayResult:
    """What the replay checked and what it found wrong (``ok`` when nothing)."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    logged_hash: str = ""
    state_hash: str = ""

    @property
    def ok(self) -> bool:
        """True when the chain agrees with the log in every check."""
        return not self.problems

    def to_json(self) -> dict:
        """The result as a JSON object."""
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems,
                "logged_state_hash": self.logged_hash, "state_hash": self.state_hash}


def read_log(path: str | Path) -> tuple[Path, list[dict]]:
    """The report directory and the records of ``events.jsonl`` (given as the file or its directory)."""
    path = Path(path)
    if path.is_dir():
        path = path / EVENTS_FILE
    text = read_bytes(path, "event log").decode("utf-8", errors="replace")
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise FormatError(f"event log {str(path)!r} line {number} is not JSON") from None
        if not isinstance(record, dict) or not {"seq", "actor", "action", "outcome"} <= record.keys():
            raise FormatError(f"event log {str(path)!r} line {number} is not a simulator event")
        records.append(record)
    if not records or records[-1].get("action") != "finish":
        raise FormatError(f"event log {str(path)!r} does not end with the run's finish event (an interrupted run?)")
    return path.parent, records


def _check_record(chain, registry: Registry, r: dict, result: ReplayResult) -> None:
    where = f"event {r['seq']} ({r['actor']}: {r['action']})"
    if r["outcome"] == "landed" and r.get("tx"):
        receipt = chain.w3.eth.get_transaction_receipt(r["tx"])
        result.checked += 1
        if receipt["status"] != 1:
            result.problems.append(f"{where}: its transaction failed on chain")
        if r.get("block") is not None and receipt["blockNumber"] != r["block"]:
            result.problems.append(f"{where}: mined in block {receipt['blockNumber']}, the log says {r['block']}")
        if r.get("gas") is not None and receipt["gasUsed"] != r["gas"]:
            result.problems.append(f"{where}: used {receipt['gasUsed']} gas, the log says {r['gas']}")
    if r["outcome"] == "landed" and r["action"] == "deploy_verifier":
        result.checked += 1
        if not chain.w3.eth.get_code(r["address"]):
            result.problems.append(f"{where}: no contract at {r['address']}")
    if r["outcome"] == "landed" and r["action"] in ANCHOR_ACTIONS and not r.get("attack_step"):
        result.checked += 1
        anchor = registry.anchor(r["statement"])
        expected = "optimistic" if r["action"].endswith("_optimistic") else "verified"
        if anchor.kind != expected:
            result.problems.append(f"{where}: the registry has no {expected} anchor {r['statement']}")
    if r["outcome"] == "landed" and r["action"] == "request_erasure":
        result.checked += 1
        request = registry.erasure_request(r["request"])
        logged = (r.get("owner", "").lower(), r.get("commitment"), r.get("leaf"), r.get("deadline"), r.get("block"))
        if not request.exists or (request.owner.lower(), hex(request.dataset), hex(request.leaf), request.deadline,
                                  request.filed_block) != logged:
            result.problems.append(f"{where}: request {r['request']} on chain is not the one logged")
    if r["outcome"] == "landed" and r["action"] == "anchor_erasure":
        for rid in r.get("requests", []):
            result.checked += 1
            if registry.erasure_request(rid).answered_block != r["block"]:
                result.problems.append(f"{where}: request {rid} was not answered in block {r['block']}")
    if r["outcome"] == "landed" and r["action"] == "refute_erasure":
        for rid in r.get("requests", []):
            result.checked += 1
            if registry.erasure_request(rid).refuted_block != r["block"]:
                result.problems.append(f"{where}: request {rid} was not refuted in block {r['block']}")
    if r["action"] == "check_erasure_request" and r.get("status") in ("answered", "refuted", "overdue"):
        result.checked += 1
        onchain = registry.erasure_request(r["request"]).status
        if onchain != r["status"]:
            result.problems.append(f"{where}: request {r['request']} is {onchain} on chain, the log says {r['status']}")
    if r.get("attack") and r.get("statement"):
        result.checked += 1
        anchor = registry.anchor(r["statement"])
        if r["action"] in ("resolve", "expire"):
            if anchor.status != "invalid":
                result.problems.append(f"{where}: the cheater's optimistic anchor is {anchor.status}, not invalid")
        elif anchor.kind != "none" and anchor.institution == r.get("sender"):
            result.problems.append(f"{where}: the refused statement is anchored by the attacker after all")


def replay(log: str | Path, rpc: str) -> ReplayResult:
    """Re-check the run whose log is ``log`` against the node at ``rpc`` (see the module docstring)."""
    directory, records = read_log(log)
    run = read_json(directory / RUN_FILE, "run record") if (directory / RUN_FILE).is_file() else {}
    if run.get("chain") == "embedded":
        raise InputError("this run used an embedded chain, which ended with its process; "
                         "replay needs a run made with --rpc against a node that is still up")
    record = load_deployment(directory / DEPLOYMENT_FILE)
    chain = connect(rpc)
    registry = Registry.attach(chain, record)
    result = ReplayResult(logged_hash=records[-1].get("state_hash", ""))
    for r in records:
        _check_record(chain, registry, r, result)
    rows = audit(chain, record)
    result.checked += len(rows)
    result.problems += [f"audit: {row.kind} anchor {row.statement_hash or row.dataset} is a mismatch ({row.note})"
                        for row in rows if row.verdict == "mismatch"]
    result.state_hash = state_hash(chain_state(registry))
    if result.state_hash != result.logged_hash:
        result.problems.append(f"the registry's state hash is {result.state_hash}, the run logged {result.logged_hash}")
    return result
