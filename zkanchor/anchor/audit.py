"""Audit a registry: who anchored what, does every anchored proof really check, do checkpoint
runs chain, and do federated aggregates rest on valid member models?

The audit trusts nothing but the chain's history and the verification keys it is given
(from the deployment record, or passed explicitly).  It reads every registry event,
takes each proof from the calldata of the transaction that brought it (``anchorTraining``
and ``anchorSegment`` for verified anchors, ``resolve`` for optimistic ones,
``anchorAggregate`` for aggregates, decoded with the ABI), and re-checks off chain, with
zkanchor's Python verifier:

- a training statement: its hash, input 0 = the institution, input 1 = a dataset that same
  institution anchored (in its own namespace) in an earlier block, input 4 = the circuit's
  spec digest, the input count and range, and a claimed training block if the circuit has one;
- a checkpoint segment, in addition: its run chains (same circuit and dataset, consecutive
  indices, each segment starting from the previous segment's C_W, segment 0 from the
  circuit's public start when it has one);
- an aggregate: every member is an anchored training statement that was valid when the
  aggregate landed, ends in the model the aggregate names for it and started from the round's
  C_prev; members are distinct institutions; C_prev is the members' public start or an
  earlier C_G of the same aggregator;
- the proof against the circuit's verification key (and, for optimistic anchors, that
  it is the proof the anchor committed to).

Each anchor gets a row whose ``verdict`` is ``ok`` (the off-chain check agrees with the
registry), ``mismatch`` (it does not: the registry accepted what should have been
refused, or the reverse) or ``unchecked`` (no proof to check yet, no key, or the
transaction went through another contract so its calldata is not the registry call).
Dataset anchors are rows of kind ``dataset``; a training anchor whose dataset's retention
expiry has passed (by the chain's latest block time) is flagged ``expired data``.
:func:`run_reports` sums up each checkpoint run: ``complete`` (every segment anchored, none
invalid), ``in progress`` (with its last checkpoint and block) or ``broken`` (a segment was
resolved invalid or expired).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from ..bn254.constants import R
from ..chain import Chain
from ..errors import InputError
from ..groth16.keys import VerificationKey
from .deployment import DeploymentRecord
from .encoding import (
    KIND_AGGREGATION,
    KIND_TRAINING,
    circuit_id_bytes,
    circuit_id_text,
    hex32,
    kind_name,
    proof_from_words,
    proof_hash,
    statement_hash,
)
from .registry import Registry, RegistryEvent

OK, MISMATCH, UNCHECKED = "ok", "mismatch", "unchecked"
COMPLETE, IN_PROGRESS, BROKEN = "complete", "in progress", "broken"
EXPIRED_DATA = "expired data"
_TRAINING_EVENTS = ("TrainingAnchored", "OptimisticAnchored")


@dataclass(frozen=True)
class AuditRow:
    """One anchored thing: a dataset commitment, a training statement (possibly a checkpoint
    segment) or an aggregate, and its check."""

    kind: str  # dataset, verified, optimistic or aggregate
    institution: str
    institution_name: str
    dataset: str  # the commitment, 0x hex ("" for aggregates)
    block: int
    tx_hash: str
    onchain: str  # dataset: anchored; anchors: valid, pending, challenged or invalid
    offchain: str  # valid, invalid, or "-" when nothing was checked
    verdict: str  # ok, mismatch or unchecked
    note: str = ""
    statement_hash: str = ""
    circuit_id: str = ""
    inputs: tuple[int, ...] = field(default=())
    run_id: str = ""  # segments: the run, readable
    segment: int | None = None  # segments: the index
    total: int = 0  # segments: the run's number of segments
    members: tuple[str, ...] = ()  # aggregates: the members' statement hashes
    member_institutions: tuple[str, ...] = ()
    expires_at: int = 0  # datasets (and training on them): the retention expiry, 0 = none
    expired_data: bool = False  # the dataset's retention expiry has passed

    def to_json(self) -> dict:
        """The row as a JSON object (inputs as decimal strings, like public.json)."""
        out = asdict(self)
        out["inputs"] = [str(v) for v in self.inputs]
        out["members"] = list(self.members)
        out["member_institutions"] = list(self.member_institutions)
        return out


@dataclass(frozen=True)
class RunReport:
    """A checkpoint run as the audit sees it (``status``: complete, in progress or broken)."""

    institution: str
    institution_name: str
    run_id: str
    circuit_id: str
    dataset: str
    total: int
    segments: int  # how many are anchored
    last_index: int
    last_weights: str  # C_W of the last anchored segment, 0x hex
    last_block: int
    status: str
    note: str = ""
    statement_hashes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The report as a JSON object."""
        out = asdict(self)
        out["statement_hashes"] = list(self.statement_hashes)
        return out


@dataclass
class _History:
    """What the events say, indexed for the per-anchor checks."""

    names: dict[str, str] = field(default_factory=dict)
    datasets: dict[tuple[str, int], RegistryEvent] = field(default_factory=dict)
    circuits: dict[str, dict] = field(default_factory=dict)  # hex id -> CircuitRegistered args
    trainings: dict[str, RegistryEvent] = field(default_factory=dict)  # statement hash -> anchor event
    segments: dict[str, RegistryEvent] = field(default_factory=dict)  # statement hash -> SegmentAnchored
    resolved: dict[str, RegistryEvent] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    aggregate_models: dict[tuple[str, int], int] = field(default_factory=dict)  # (aggregator, C_G) -> block


def _history(events: list[RegistryEvent]) -> _History:
    h = _History()
    for e in events:
        if e.name == "InstitutionRegistered":
            h.names[e.args["institution"]] = e.args["name"]
        elif e.name == "DatasetAnchored":
            h.datasets[(e.args["institution"], int(e.args["commitment"]))] = e
        elif e.name == "CircuitRegistered":
            h.circuits[e.args["circuitId"]] = e.args
        elif e.name in _TRAINING_EVENTS:
            h.trainings[e.args["statementHash"]] = e
        elif e.name == "SegmentAnchored":
            h.segments[e.args["statementHash"]] = e
        elif e.name == "AnchorResolved":
            h.resolved[e.args["statementHash"]] = e
        elif e.name == "AnchorExpired":
            h.expired.add(e.args["statementHash"])
        elif e.name == "AggregateAnchored":
            h.aggregate_models.setdefault((e.args["aggregator"], int(e.args["globalModel"])), e.block_number)
    return h


def _keys(record: DeploymentRecord, vks: Mapping[Any, VerificationKey] | None, h: _History) -> dict[str, VerificationKey | str]:
    """Verification keys by hex circuit id; a string instead of a key says why it is unusable.

    A key from the deployment record is used only if the record binds it to the circuit hash
    the registry has for that circuit id.
    """
    from ..groth16.snarkjs_json import vk_from_json

    keys: dict[str, VerificationKey | str] = {}
    for c in record.circuits.values():
        if c.vk is None:
            continue
        onchain = h.circuits.get(c.circuit_id)
        if onchain is not None and c.circuit_hash.lower() != str(onchain["circuitHash"]).lower():
            keys[c.circuit_id] = (f"the deployment record's key for {c.name} is bound to circuit {c.circuit_hash[:18]}..., "
                                  f"but the registry has {str(onchain['circuitHash'])[:18]}...")
            continue
        try:
            keys[c.circuit_id] = vk_from_json(c.vk, f"the verification key of {c.name}")
        except InputError as exc:
            keys[c.circuit_id] = str(exc)
    for cid, vk in (vks or {}).items():
        keys["0x" + circuit_id_bytes(cid).hex()] = vk
    return keys


def _utc(timestamp: int) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _common_problems(circuit_hex: str, inputs: list[int], sh: str, sender: str, h: _History, kind: int) -> list[str]:
    """Hash, circuit, kind, count, range and input 0: what every statement must satisfy."""
    problems = []
    if "0x" + statement_hash(bytes.fromhex(circuit_hex[2:]), inputs).hex() != sh:
        problems.append("the statement hash does not match the circuit id and inputs")
    circuit = h.circuits.get(circuit_hex)
    if circuit is None:
        return problems + ["the circuit was never registered"]
    if int(circuit["kind"]) != kind:
        return problems + [f"the circuit is a {kind_name(int(circuit['kind']))} circuit, not a {kind_name(kind)} one"]
    if len(inputs) != circuit["nPublic"]:
        return problems + [f"{len(inputs)} public inputs for a circuit with {circuit['nPublic']}"]
    if any(v >= R for v in inputs):
        problems.append("a public input is not below r")
    if inputs[0] != int(sender, 16):
        problems.append("input 0 is not the anchoring institution")
    return problems


def _statement_problems(circuit_hex: str, inputs: list[int], event: RegistryEvent, h: _History) -> list[str]:
    """Everything the registry should have refused about this training statement (empty if none)."""
    problems = _common_problems(circuit_hex, inputs, event.args["statementHash"], event.args["institution"], h, KIND_TRAINING)
    circuit = h.circuits.get(circuit_hex)
    if problems and (circuit is None or len(inputs) != circuit["nPublic"] or int(circuit["kind"]) != KIND_TRAINING):
        return problems
    if inputs[4] != int(circuit["specDigest"]):
        problems.append("input 4 is not the circuit's spec digest")
    if inputs[1] != event.args["datasetCommitment"]:
        problems.append("input 1 is not the dataset the event names")
    dataset = h.datasets.get((event.args["institution"], inputs[1]))
    if dataset is None:
        problems.append("the institution never anchored the dataset")
    elif dataset.block_number >= event.block_number:
        problems.append("the dataset was not anchored in an earlier block")
    elif circuit["trainingBlockInput"]:
        claimed = inputs[circuit["trainingBlockInput"]]
        if not dataset.block_number < claimed <= event.block_number:
            problems.append("the claimed training block is not after the dataset's anchor")
    return problems


def _check_proof(vk: VerificationKey | str | None, proof_words: tuple, inputs: list[int]) -> tuple[bool | None, str]:
    """(verdict, note): True/False from the Python verifier, None when it cannot run."""
    from ..groth16.verifier import verify

    if vk is None:
        return None, "no verification key for this circuit"
    if isinstance(vk, str):
        return None, vk
    try:
        proof = proof_from_words(*proof_words)
        return verify(vk, proof, inputs), ""
    except InputError as exc:  # points off the curve, wrong count: not a valid proof
        return False, f"malformed proof ({exc})"


def _verdict(onchain: str, valid: bool | None, note: str, problems: list[str]) -> tuple[str, str, str]:
    """(offchain, verdict, note) of an anchor whose proof was (or could not be) checked."""
    offchain = "-" if valid is None else ("valid" if valid else "invalid")
    if problems:
        verdict = MISMATCH if onchain == "valid" else OK
        note = "; ".join(problems + ([note] if note else []))
    elif valid is None:
        verdict = UNCHECKED
    else:
        verdict = OK if valid == (onchain == "valid") else MISMATCH
        if verdict == MISMATCH:
            note = note or f"the registry says {onchain} but the proof is {offchain} off chain"
    return offchain, verdict, note


def _segment_fields(registry: Registry, sh: str, h: _History, params: dict | None) -> dict:
    """Run id, index and total of a segment (the total from its calldata, else the run view)."""
    seg = h.segments.get(sh)
    if seg is None:
        return {}
    run_id = bytes.fromhex(seg.args["runId"][2:])
    total = int(params["total"]) if params and "total" in params else registry.run(seg.args["institution"], run_id).total
    return dict(run_id=circuit_id_text(run_id), segment=int(seg.args["index"]), total=total)


def _data_fields(event: RegistryEvent, h: _History, now: int) -> dict:
    dataset = h.datasets.get((event.args["institution"], int(event.args["datasetCommitment"])))
    expires = int(dataset.args["expiresAt"]) if dataset is not None else 0
    return dict(expires_at=expires, expired_data=bool(expires) and expires <= now)


def _with_data_note(row: AuditRow) -> AuditRow:
    if not row.expired_data:
        return row
    flag = f"{EXPIRED_DATA} (retention ended {_utc(row.expires_at)})"
    return replace(row, note=f"{row.note}; {flag}" if row.note else flag)


def _training_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict, now: int) -> AuditRow:
    sh = event.args["statementHash"]
    kind = "verified" if event.name == "TrainingAnchored" else "optimistic"
    onchain = registry.anchor(sh).status
    institution = event.args["institution"]
    base = dict(
        kind=kind,
        institution=institution,
        institution_name=h.names.get(institution, ""),
        dataset=hex32(int(event.args["datasetCommitment"])),
        block=event.block_number,
        tx_hash=event.tx_hash,
        onchain=onchain,
        statement_hash=sh,
        circuit_id=circuit_id_text(bytes.fromhex(event.args["circuitId"][2:])),
        **_data_fields(event, h, now),
    )
    call = registry.decode_call(event.tx_hash)
    base.update(_segment_fields(registry, sh, h, call[1] if call else None))
    if call is None:
        return AuditRow(offchain="-", verdict=UNCHECKED, note="sent through another contract: no calldata to decode", **base)
    _, params = call
    circuit_hex = "0x" + bytes(params["circuitId"]).hex()
    inputs = [int(v) for v in params["inputs"]]
    base["inputs"] = tuple(inputs)
    problems = _statement_problems(circuit_hex, inputs, event, h)

    if kind == "verified":
        words = (params["a"], params["b"], params["c"])
    elif sh in h.resolved:
        resolution = registry.decode_call(h.resolved[sh].tx_hash)
        if resolution is None:
            return AuditRow(offchain="-", verdict=UNCHECKED, note="resolved through another contract: no calldata to decode", **base)
        words = (resolution[1]["a"], resolution[1]["b"], resolution[1]["c"])
        committed = "0x" + bytes(params["proofHash_"]).hex()
        try:
            if "0x" + proof_hash(proof_from_words(*words)).hex() != committed:
                problems.append("the revealed proof is not the committed one")
        except InputError:
            pass  # a proof with coordinates >= p: the verifier check below calls it malformed
    else:
        if problems and onchain != "invalid":
            return AuditRow(offchain="-", verdict=MISMATCH, note="; ".join(problems), **base)
        note = "expired: the committed proof was never revealed" if sh in h.expired else "proof not revealed yet"
        return AuditRow(offchain="-", verdict=OK if sh in h.expired else UNCHECKED, note=note, **base)

    valid, note = _check_proof(keys.get(circuit_hex), words, inputs)
    offchain, verdict, note = _verdict(onchain, valid, note, problems)
    return AuditRow(offchain=offchain, verdict=verdict, note=note, **base)


def _member_problems(i: int, circuit_hex: str, inputs: list[int], cprev: int, model: int, event: RegistryEvent,
                     h: _History, registry: Registry) -> tuple[list[str], str]:
    """(problems, institution) of member i of an aggregate."""
    sh = "0x" + statement_hash(bytes.fromhex(circuit_hex[2:]), inputs).hex()
    if sh != event.args["members"][i]:
        return [f"member {i}: its statement is not the one the event names"], ""
    anchored = h.trainings.get(sh)
    if anchored is None or anchored.block_number > event.block_number:
        return [f"member {i}: not an anchored training statement"], ""
    problems = []
    if anchored.name == "OptimisticAnchored":
        resolution = h.resolved.get(sh)
        if resolution is None or resolution.block_number > event.block_number or registry.anchor(sh).status != "valid":
            problems.append(f"member {i}: its optimistic anchor was not resolved valid before the aggregate")
    if len(inputs) < 5:
        return problems + [f"member {i}: too few public inputs for a training statement"], anchored.args["institution"]
    if inputs[3] != model:
        problems.append(f"member {i}: its C_W is not the model the aggregate names for it")
    if inputs[2] != cprev:
        problems.append(f"member {i}: it did not start from the round's C_prev")
    return problems, anchored.args["institution"]


def _aggregate_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict) -> AuditRow:
    sh = event.args["statementHash"]
    aggregator = event.args["aggregator"]
    base = dict(
        kind="aggregate", institution=aggregator, institution_name=h.names.get(aggregator, ""), dataset="",
        block=event.block_number, tx_hash=event.tx_hash, onchain=registry.anchor(sh).status, statement_hash=sh,
        circuit_id=circuit_id_text(bytes.fromhex(event.args["circuitId"][2:])), members=tuple(event.args["members"]),
    )
    call = registry.decode_call(event.tx_hash)
    if call is None:
        return AuditRow(offchain="-", verdict=UNCHECKED, note="sent through another contract: no calldata to decode", **base)
    _, params = call
    circuit_hex = "0x" + bytes(params["circuitId"]).hex()
    inputs = [int(v) for v in params["inputs"]]
    base["inputs"] = tuple(inputs)
    problems = _common_problems(circuit_hex, inputs, sh, aggregator, h, KIND_AGGREGATION)
    member_circuits = ["0x" + bytes(c).hex() for c in params["memberCircuits"]]
    member_inputs = [[int(v) for v in m] for m in params["memberInputs"]]
    k = len(inputs) - 3
    who: list[str] = []
    if not problems and (len(member_circuits) != k or len(member_inputs) != k):
        problems.append(f"{len(member_circuits)} member statements for {k} member models")
    elif not problems:
        cprev = inputs[1]
        known = h.aggregate_models.get((aggregator, cprev), event.block_number) < event.block_number
        for i in range(k):
            found, owner = _member_problems(i, member_circuits[i], member_inputs[i], cprev, inputs[2 + i], event, h, registry)
            problems += found
            if owner and owner in who:
                problems.append(f"member {i}: the same institution as an earlier member")
            who.append(owner)
            start = int(h.circuits.get(member_circuits[i], {}).get("publicStart", 0))
            if not known and (start == 0 or start != cprev):
                problems.append(f"member {i}: C_prev is neither its circuit's public start nor an earlier aggregate of this aggregator")
    base["member_institutions"] = tuple(who)
    valid, note = _check_proof(keys.get(circuit_hex), (params["a"], params["b"], params["c"]), inputs)
    offchain, verdict, note = _verdict(base["onchain"], valid, note, problems)
    return AuditRow(offchain=offchain, verdict=verdict, note=note, **base)


def _check_runs(rows: list[AuditRow], h: _History) -> list[AuditRow]:
    """Mark segments whose run does not chain (the registry should have refused them)."""
    by_run: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        if row.segment is not None:
            by_run.setdefault((row.institution, row.run_id), []).append(i)
    out = list(rows)
    for positions in by_run.values():
        ordered = sorted(positions, key=lambda p: rows[p].segment)
        first = rows[ordered[0]]
        for n, p in enumerate(ordered):
            row, problems = rows[p], []
            if row.total != first.total:
                problems.append("its number of segments differs from the run's")
            if row.circuit_id != first.circuit_id:
                problems.append("another circuit than the run's")
            if row.dataset != first.dataset:
                problems.append("another dataset than the run's")
            prev = rows[ordered[n - 1]] if n else None
            if prev is not None and row.segment == prev.segment:
                problems.append("a second segment for one index (a fork)")
            elif prev is not None and row.segment != prev.segment + 1:
                problems.append(f"segment {row.segment} does not follow segment {prev.segment}")
            if prev is not None and row.inputs and prev.inputs and row.inputs[2] != prev.inputs[3]:
                problems.append("it does not start from the previous segment's C_W")
            if row.segment == 0 and row.inputs:
                circuit = h.circuits.get("0x" + circuit_id_bytes(row.circuit_id).hex(), {})
                start = int(circuit.get("publicStart", 0))
                if start and row.inputs[2] != start:
                    problems.append("segment 0 does not start from the circuit's public start")
            if problems and row.onchain != "invalid":
                out[p] = replace(row, verdict=MISMATCH, note="; ".join([row.note] * bool(row.note) + problems))
    return out


def audit(
    chain: Chain,
    record: DeploymentRecord,
    vks: Mapping[Any, VerificationKey] | None = None,
    from_block: int | None = None,
) -> list[AuditRow]:
    """Rows for every dataset, training and aggregate anchor of the registry in ``record``, in
    chain order, from ``from_block`` on (the whole history is read for context either way;
    a ``from_block`` beyond the chain head gives no rows: nothing was checked).

    ``vks`` maps circuit ids (name or hex) to verification keys, overriding the record's.
    """
    registry = Registry.attach(chain, record)
    events = registry.events()
    h = _history(events)
    keys = _keys(record, vks, h)
    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    start = registry.deploy_block if from_block is None else int(from_block)
    rows = []
    for e in events:
        if e.block_number < start:
            continue
        if e.name == "DatasetAnchored":
            who, expires = e.args["institution"], int(e.args["expiresAt"])
            notes = [] if e.args["metadataHash"] == hex32(0) else [f"metadata {e.args['metadataHash']}"]
            if expires:
                notes.append(f"retention {'ended' if expires <= now else 'until'} {_utc(expires)}")
            rows.append(AuditRow(
                kind="dataset", institution=who, institution_name=h.names.get(who, ""),
                dataset=hex32(int(e.args["commitment"])), block=e.block_number, tx_hash=e.tx_hash,
                onchain="anchored", offchain="-", verdict=OK, note="; ".join(notes),
                expires_at=expires, expired_data=bool(expires) and expires <= now,
            ))
        elif e.name in _TRAINING_EVENTS:
            rows.append(_training_row(registry, e, h, keys, now))
        elif e.name == "AggregateAnchored":
            rows.append(_aggregate_row(registry, e, h, keys))
    return [_with_data_note(r) if r.kind != "dataset" else r for r in _check_runs(rows, h)]


def run_reports(rows: list[AuditRow]) -> list[RunReport]:
    """One report per checkpoint run seen in ``rows`` (segment rows), in order of first segment."""
    runs: dict[tuple[str, str], list[AuditRow]] = {}
    for row in rows:
        if row.segment is not None:
            runs.setdefault((row.institution, row.run_id), []).append(row)
    out = []
    for (institution, run_id), segs in runs.items():
        segs = sorted(segs, key=lambda r: (r.segment, r.block))
        last = segs[-1]
        invalid = [r.segment for r in segs if r.onchain == "invalid"]
        indices = {r.segment for r in segs}
        if invalid:
            status = BROKEN
            note = "segment(s) " + ", ".join(map(str, invalid)) + " invalid (resolved invalid or expired)"
        elif indices == set(range(last.total)):
            status, note = COMPLETE, ""
        else:
            status = IN_PROGRESS
            note = f"last checkpoint: segment {last.segment} of {last.total}, block {last.block}"
        pending = [r.segment for r in segs if r.onchain in ("pending", "challenged")]
        if pending and status != BROKEN:
            note = "; ".join(filter(None, [note, "segment(s) " + ", ".join(map(str, pending)) + " not settled yet"]))
        mismatched = [r.segment for r in segs if r.verdict == MISMATCH]
        if mismatched:
            note = "; ".join(filter(None, [note, "segment(s) " + ", ".join(map(str, mismatched)) + " mismatch"]))
        weights = hex32(last.inputs[3]) if len(last.inputs) > 3 else ""
        out.append(RunReport(
            institution=institution, institution_name=last.institution_name, run_id=run_id,
            circuit_id=segs[0].circuit_id, dataset=segs[0].dataset, total=last.total, segments=len(segs),
            last_index=last.segment, last_weights=weights, last_block=last.block, status=status, note=note,
            statement_hashes=tuple(r.statement_hash for r in segs),
        ))
    return out


def _short(text: str) -> str:
    # Hex ids and addresses: enough of both ends to tell them apart by eye.
    return text if len(text) <= 14 else f"{text[:8]}…{text[-4:]}"


def _table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> str:
    lines = [header] + lines
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        ("  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths)) + "  " + line[-1]).rstrip()
        for line in lines
    )


def format_table(rows: list[AuditRow]) -> str:
    """A fixed-width table of the rows, then the runs and aggregates, and a one-line summary."""
    names = {r.institution: r.institution_name for r in rows if r.institution_name}
    header = ("BLOCK", "KIND", "INSTITUTION", "DATASET", "CIRCUIT", "RUN", "STATEMENT", "ON CHAIN", "OFF CHAIN", "VERDICT", "NOTE")
    lines = []
    for r in rows:
        run = f"{r.run_id}#{r.segment}/{r.total}" if r.segment is not None else "-"
        lines.append((
            str(r.block), r.kind, r.institution_name or _short(r.institution), _short(r.dataset) if r.dataset else "-",
            r.circuit_id or "-", run, _short(r.statement_hash) if r.statement_hash else "-", r.onchain, r.offchain,
            r.verdict, r.note,
        ))
    parts = [_table(header, lines)]
    runs = run_reports(rows)
    if runs:
        parts.append("\nRUNS\n" + _table(
            ("INSTITUTION", "RUN", "CIRCUIT", "SEGMENTS", "STATUS", "LAST C_W", "LAST BLOCK", "NOTE"),
            [(r.institution_name or _short(r.institution), r.run_id, r.circuit_id, f"{r.segments}/{r.total}", r.status,
              _short(r.last_weights) or "-", str(r.last_block), r.note) for r in runs],
        ))
    aggregates = [r for r in rows if r.kind == "aggregate"]
    if aggregates:
        parts.append("\nAGGREGATES\n" + _table(
            ("BLOCK", "AGGREGATOR", "CIRCUIT", "C_PREV", "C_G", "MEMBERS", "VERDICT"),
            [(str(r.block), r.institution_name or _short(r.institution), r.circuit_id,
              _short(hex32(r.inputs[1])) if r.inputs else "-", _short(hex32(r.inputs[-1])) if r.inputs else "-",
              ", ".join(names.get(m, "") or _short(m) for m in r.member_institutions) or str(len(r.members)), r.verdict)
             for r in aggregates],
        ))
    counts = {v: sum(r.verdict == v for r in rows) for v in (OK, MISMATCH, UNCHECKED)}
    datasets = sum(r.kind == "dataset" for r in rows)
    trainings = sum(r.kind in ("verified", "optimistic") for r in rows)
    summary = f"{datasets} dataset(s), {trainings} training anchor(s)"
    if aggregates:
        summary += f", {len(aggregates)} aggregate(s)"
    if runs:
        by = {s: sum(r.status == s for r in runs) for s in (COMPLETE, IN_PROGRESS, BROKEN)}
        summary += f", {len(runs)} run(s) ({by[COMPLETE]} complete, {by[IN_PROGRESS]} in progress, {by[BROKEN]} broken)"
    expired = sum(r.expired_data for r in rows if r.kind != "dataset")
    if expired:
        summary += f", {expired} on {EXPIRED_DATA}"
    summary += f": {counts[OK]} ok, {counts[MISMATCH]} mismatch, {counts[UNCHECKED]} unchecked"
    return "\n".join(parts).rstrip() + "\n" + summary
