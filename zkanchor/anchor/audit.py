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
- a checkpoint run's opening (rows of kind ``run``, from the RunOpened event of ``openRun``):
  a training circuit, a dataset the institution anchored in an earlier block and had not
  erased, a number of segments in range, starting weights that are a non-zero field element
  and the circuit's public start when it has one, and no earlier opening of the same run;
- a checkpoint segment, in addition: its run chains (the circuit, dataset and total the run was
  opened with, after the opening, consecutive indices, each segment starting from the previous
  segment's C_W, segment 0 from the run's starting weights; on a registry before 2.2, which had
  no openRun, the first segment's circuit, dataset and total, and segment 0 from the circuit's
  public start when it has one);
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
expiry has passed (by the chain's latest block time) is flagged ``served from expired data``.
:func:`run_reports` sums up each checkpoint run: ``complete`` (every segment anchored, none
invalid), ``in progress`` ("opened in block B, k of T segments", with its last checkpoint and
block; a run opened and never proven is "0 of T") or ``broken`` (a segment was resolved invalid
or expired).

Data subjects' rights (:func:`audit_report`, which also returns the rows and runs):

- erasures (rows of kind ``erasure``) and validity claims (kind ``validity``) are re-checked
  like any anchor: the statement (input 0 the institution, C_D its dataset, each request id
  a request to it naming the proof's leaf in order, about C_D or a dataset C_D descends from;
  a validity claim's schema digest the circuit's) and the proof;
- refutations (rows of kind ``refutation``, from ``refuteErasure``) are re-checked the same way:
  input 0 the institution, input 1 the dataset the event names, each request id a request to it
  filed earlier about exactly that C_D (not a dataset it descends from or was erased into),
  naming one of the proof's leaves, neither answered nor refuted before; and the non-membership
  proof against its key;
- every erasure request gets a status judged at the chain head: ``answered`` (or ``answered
  late``, after its deadline), ``refuted`` (a non-membership proof showed its record is not in
  the dataset; never overdue — unless the refutation does not hold off chain, when the request
  is judged as if it had not been refuted, with a note), ``pending`` (due later), ``overdue``
  (deadline passed, neither answered nor refuted) or ``covered`` (not answered itself, but its
  record was erased by an erasure that answered another request for the same leaf);
- every training anchor over an erased dataset is ``superseded``, pointing to the erasure and
  to the first model anchored over the dataset it was erased into (or saying there is none);
- datasets past their retention expiry are listed with the models trained on them.

Rows (and validity claims, superseded models) start at ``from_block``; erasure requests are
listed if filed from it on or still open; expired datasets are the chain's current state.
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
    KIND_ERASURE,
    KIND_NONMEMBERSHIP,
    KIND_TRAINING,
    KIND_VALIDITY,
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
EXPIRED_DATA = "served from expired data"
ANSWERED, ANSWERED_LATE, PENDING, OVERDUE, COVERED = "answered", "answered late", "pending", "overdue", "covered"
REFUTED = "refuted"
REQUEST_STATUSES = (ANSWERED, ANSWERED_LATE, REFUTED, COVERED, PENDING, OVERDUE)
_TRAINING_EVENTS = ("TrainingAnchored", "OptimisticAnchored")


@dataclass(frozen=True)
class AuditRow:
    """One anchored thing: a dataset commitment, a training statement (possibly a checkpoint
    segment) or an aggregate, and its check."""

    kind: str  # dataset, run (an openRun), verified, optimistic, aggregate, erasure, validity or refutation
    institution: str
    institution_name: str
    dataset: str  # the commitment, 0x hex ("" for aggregates)
    block: int
    tx_hash: str
    onchain: str  # dataset: anchored; run: opened; anchors: valid, pending, challenged or invalid
    offchain: str  # valid, invalid, or "-" when nothing was checked
    verdict: str  # ok, mismatch or unchecked
    note: str = ""
    statement_hash: str = ""
    circuit_id: str = ""
    inputs: tuple[int, ...] = field(default=())
    run_id: str = ""  # segments and runs: the run, readable
    segment: int | None = None  # segments: the index
    total: int = 0  # segments and runs: the run's number of segments
    start_weights: str = ""  # runs: the C_W0 openRun declared, 0x hex
    members: tuple[str, ...] = ()  # aggregates: the members' statement hashes
    member_institutions: tuple[str, ...] = ()
    expires_at: int = 0  # datasets (and training on them): the retention expiry, 0 = none
    expired_data: bool = False  # the dataset's retention expiry has passed
    superseded: bool = False  # training: its dataset was erased (by the erasure superseded_by)
    erased_at: int = 0  # training, runs and datasets: the block the dataset was erased in
    superseded_by: str = ""  # the erasure's statement hash
    retrained_by: str = ""  # the first training anchor over the dataset it was erased into
    new_dataset: str = ""  # erasures: C_D'; erased datasets: the commitment they were erased into
    request_ids: tuple[int, ...] = ()  # erasures: the requests answered, in the order of the leaves; refutations: refuted

    def to_json(self) -> dict:
        """The row as a JSON object (inputs as decimal strings, like public.json)."""
        out = asdict(self)
        out["inputs"] = [str(v) for v in self.inputs]
        out["members"] = list(self.members)
        out["member_institutions"] = list(self.member_institutions)
        out["request_ids"] = list(self.request_ids)
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
    last_index: int  # -1 while none is
    last_weights: str  # C_W of the last anchored segment (the starting weights while none is), 0x hex
    last_block: int  # 0 while no segment is anchored
    status: str
    note: str = ""
    statement_hashes: tuple[str, ...] = ()
    opened_block: int = 0  # the block of its openRun (0: none seen, e.g. a registry before 2.2)
    start_weights: str = ""  # the C_W0 openRun declared, 0x hex

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
    requests: dict[int, RegistryEvent] = field(default_factory=dict)  # id -> ErasureRequested
    erasures: dict[tuple[str, int], RegistryEvent] = field(default_factory=dict)  # (institution, C_D) -> ErasureAnchored
    erased_from: dict[tuple[str, int], int] = field(default_factory=dict)  # (institution, C_D') -> C_D
    answered_by: dict[int, RegistryEvent] = field(default_factory=dict)  # request id -> its (first) answer
    refuted_by: dict[int, RegistryEvent] = field(default_factory=dict)  # request id -> its (first) ErasureRefuted
    refutation_rows: dict[tuple[str, int], "AuditRow"] = field(default_factory=dict)  # (tx, log index) -> checked row
    leaves: dict[str, tuple[int, ...]] = field(default_factory=dict)  # erasure statement hash -> L_1..L_k
    training_on: dict[tuple[str, int], list[RegistryEvent]] = field(default_factory=dict)  # (institution, C_D) -> anchors
    runs_opened: dict[tuple[str, str], RegistryEvent] = field(default_factory=dict)  # (institution, run id) -> first RunOpened
    explicit_runs: bool = False  # registry 2.2+: runs are opened by openRun, not by their segment 0

    def ancestors(self, institution: str, commitment: int) -> list[int]:
        """``commitment`` and the datasets it descends from by erasure, nearest first."""
        out = [commitment]
        while (institution, out[-1]) in self.erased_from and self.erased_from[(institution, out[-1])] not in out:
            out.append(self.erased_from[(institution, out[-1])])
        return out

    def lineage(self, institution: str, commitment: int) -> list[int]:
        """The datasets ``commitment`` descends from by erasure (itself first), then those it became."""
        back = self.ancestors(institution, commitment)
        return back + [c for c in self.descendants(institution, commitment) if c not in back]

    def descendants(self, institution: str, commitment: int) -> list[int]:
        """The datasets ``commitment`` was erased into, in order."""
        out, current = [], commitment
        while (institution, current) in self.erasures:
            current = int(self.erasures[(institution, current)].args["newCommitment"])
            if current in out or current == commitment:
                break
            out.append(current)
        return out


def _order(event: RegistryEvent) -> tuple[int, int]:
    return event.block_number, event.log_index


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
            h.training_on.setdefault((e.args["institution"], int(e.args["datasetCommitment"])), []).append(e)
        elif e.name == "ErasureRequested":
            h.requests[int(e.args["requestId"])] = e
        elif e.name == "ErasureAnchored":
            who, before, after = e.args["institution"], int(e.args["datasetCommitment"]), int(e.args["newCommitment"])
            h.erasures.setdefault((who, before), e)
            h.erased_from.setdefault((who, after), before)
            for rid in e.args["requestIds"]:
                h.answered_by.setdefault(int(rid), e)
        elif e.name == "ErasureRefuted":
            for rid in e.args["requestIds"]:
                h.refuted_by.setdefault(int(rid), e)
        elif e.name == "SegmentAnchored":
            h.segments[e.args["statementHash"]] = e
        elif e.name == "RunOpened":
            h.runs_opened.setdefault((e.args["institution"], _run_text(e.args["runId"])), e)
        elif e.name == "AnchorResolved":
            h.resolved[e.args["statementHash"]] = e
        elif e.name == "AnchorExpired":
            h.expired.add(e.args["statementHash"])
        elif e.name == "AggregateAnchored":
            h.aggregate_models.setdefault((e.args["aggregator"], int(e.args["globalModel"])), e.block_number)
    return h


def _run_text(run_hex: str) -> str:
    return circuit_id_text(bytes.fromhex(run_hex[2:]))


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
    erasure = h.erasures.get((event.args["institution"], inputs[1]))
    if erasure is not None and _order(erasure) < _order(event):
        problems.append(f"the dataset had been erased (block {erasure.block_number}) before this anchor")
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
    flags = []
    if row.superseded:
        flags.append(f"superseded: its dataset was erased in block {row.erased_at}"
                     + (f", retrained by {_short(row.retrained_by)}" if row.retrained_by else ", not retrained yet"))
    if row.expired_data:
        flags.append(f"{EXPIRED_DATA} (retention ended {_utc(row.expires_at)})")
    if not flags:
        return row
    return replace(row, note="; ".join([row.note] * bool(row.note) + flags))


def _superseded_fields(institution: str, commitment: int, h: _History) -> dict:
    """A training anchor's erasure fields: its dataset's erasure and the first model over what it became."""
    erasure = h.erasures.get((institution, commitment))
    if erasure is None:
        return {}
    retrained = ""
    for later in h.descendants(institution, commitment):
        anchors = h.training_on.get((institution, later), [])
        if anchors:
            retrained = anchors[0].args["statementHash"]
            break
    return dict(superseded=True, erased_at=erasure.block_number, superseded_by=erasure.args["statementHash"],
                retrained_by=retrained, new_dataset=hex32(int(erasure.args["newCommitment"])))


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
        **_superseded_fields(institution, int(event.args["datasetCommitment"]), h),
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
    erased = []
    for i, (owner, values) in enumerate(zip(who, member_inputs)):
        erasure = h.erasures.get((owner, values[1])) if owner and len(values) > 1 else None
        if erasure is not None:
            erased.append(f"member {i}'s model rests on data erased in block {erasure.block_number}")
    return AuditRow(offchain=offchain, verdict=verdict, note="; ".join(filter(None, [note, *erased])), **base)


def _leaves_of(registry: Registry, event: RegistryEvent, h: _History) -> tuple[int, ...]:
    """L_1..L_k of an erasure, from its calldata (empty if it came through another contract)."""
    sh = event.args["statementHash"]
    if sh not in h.leaves:
        call = registry.decode_call(event.tx_hash)
        h.leaves[sh] = tuple(int(v) for v in call[1]["inputs"][3:]) if call and call[0] == "anchorErasure" else ()
    return h.leaves[sh]


def _request_problems(institution: str, commitment: int, ids: list[int], leaves: list[int], event: RegistryEvent,
                      h: _History) -> list[str]:
    """What the registry should have refused about the requests an erasure answers."""
    if len(ids) != len(leaves):
        return [f"{len(ids)} request id(s) for {len(leaves)} erased leaf(s)"]
    ancestors = set(h.ancestors(institution, commitment))
    problems = []
    for rid, leaf in zip(ids, leaves):
        request = h.requests.get(rid)
        if request is None or _order(request) > _order(event):
            problems.append(f"request {rid} was never filed")
            continue
        if request.args["owner"] != institution:
            problems.append(f"request {rid} is addressed to another institution")
        if int(request.args["datasetCommitment"]) not in ancestors:
            problems.append(f"request {rid} is about another dataset")
        if int(request.args["leaf"]) != leaf:
            problems.append(f"request {rid} names another leaf than the proof erases in its place")
        first = h.answered_by.get(rid)
        if first is not None and _order(first) < _order(event):
            problems.append(f"request {rid} had already been answered")
        refuted = h.refuted_by.get(rid)
        if refuted is not None and _order(refuted) < _order(event):
            problems.append(f"request {rid} had been refuted (block {refuted.block_number})")
    return problems


def _erasure_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict) -> AuditRow:
    sh = event.args["statementHash"]
    institution = event.args["institution"]
    before, after = int(event.args["datasetCommitment"]), int(event.args["newCommitment"])
    ids = tuple(int(v) for v in event.args["requestIds"])
    base = dict(
        kind="erasure", institution=institution, institution_name=h.names.get(institution, ""), dataset=hex32(before),
        block=event.block_number, tx_hash=event.tx_hash, onchain=registry.anchor(sh).status, statement_hash=sh,
        circuit_id=circuit_id_text(bytes.fromhex(event.args["circuitId"][2:])), new_dataset=hex32(after),
        request_ids=ids,
    )
    call = registry.decode_call(event.tx_hash)
    if call is None:
        return AuditRow(offchain="-", verdict=UNCHECKED, note="sent through another contract: no calldata to decode", **base)
    _, params = call
    circuit_hex = "0x" + bytes(params["circuitId"]).hex()
    inputs = [int(v) for v in params["inputs"]]
    base["inputs"] = tuple(inputs)
    problems = _common_problems(circuit_hex, inputs, sh, institution, h, KIND_ERASURE)
    if not problems:
        if (inputs[1], inputs[2]) != (before, after):
            problems.append("inputs 1 and 2 are not the datasets the event names")
        dataset = h.datasets.get((institution, before))
        if dataset is None or _order(dataset) > _order(event):
            problems.append("the institution never anchored the dataset it erases from")
        first = h.erasures.get((institution, before))
        if first is not None and _order(first) < _order(event):
            problems.append("the dataset had already been erased")
        problems += _request_problems(institution, before, [int(v) for v in params["requestIds"]], inputs[3:], event, h)
    valid, note = _check_proof(keys.get(circuit_hex), (params["a"], params["b"], params["c"]), inputs)
    offchain, verdict, note = _verdict(base["onchain"], valid, note, problems)
    what = (f"erases {len(ids)} record(s) into {_short(hex32(after))}, answering request(s) "
            + ", ".join(map(str, ids)))
    return AuditRow(offchain=offchain, verdict=verdict, note="; ".join(filter(None, [what, note])), **base)


def _refutation_problems(institution: str, commitment: int, ids: list[int], leaves: list[int],
                         event: RegistryEvent, h: _History) -> list[str]:
    """What the registry should have refused about the requests a refutation settles."""
    if not ids:
        return ["it names no request"]
    problems = []
    for rid in ids:
        request = h.requests.get(rid)
        if request is None or _order(request) > _order(event):
            problems.append(f"request {rid} was never filed")
            continue
        if request.args["owner"] != institution:
            problems.append(f"request {rid} is addressed to another institution")
        if int(request.args["datasetCommitment"]) != commitment:
            problems.append(f"request {rid} is about another dataset: absence from this one refutes nothing")
        if int(request.args["leaf"]) not in leaves:
            problems.append(f"request {rid} names a leaf the proof does not show absent")
        answer = h.answered_by.get(rid)
        if answer is not None and _order(answer) < _order(event):
            problems.append(f"request {rid} had been answered (block {answer.block_number})")
        first = h.refuted_by.get(rid)
        if first is not None and _order(first) < _order(event):
            problems.append(f"request {rid} had already been refuted")
    return problems


def _refutation_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict) -> AuditRow:
    """A refuteErasure, checked once (the request reports reuse the row's verdict)."""
    memo = (event.tx_hash, event.log_index)
    if memo in h.refutation_rows:
        return h.refutation_rows[memo]
    sh = event.args["statementHash"]
    institution = event.args["institution"]
    commitment = int(event.args["datasetCommitment"])
    ids = tuple(int(v) for v in event.args["requestIds"])
    # The registry keeps no anchor for a refutation: the event is only emitted once the proof verified.
    base = dict(
        kind="refutation", institution=institution, institution_name=h.names.get(institution, ""),
        dataset=hex32(commitment), block=event.block_number, tx_hash=event.tx_hash, onchain="valid",
        statement_hash=sh, circuit_id=circuit_id_text(bytes.fromhex(event.args["circuitId"][2:])), request_ids=ids,
    )
    what = f"refutes request(s) {', '.join(map(str, ids))}: no record of the dataset has the leaf named"
    call = registry.decode_call(event.tx_hash)
    if call is None or call[0] != "refuteErasure":
        row = AuditRow(offchain="-", verdict=UNCHECKED, note=f"{what}; sent through another contract: no calldata "
                       "to decode", **base)
    else:
        _, params = call
        circuit_hex = "0x" + bytes(params["circuitId"]).hex()
        inputs = [int(v) for v in params["inputs"]]
        base["inputs"] = tuple(inputs)
        problems = _common_problems(circuit_hex, inputs, sh, institution, h, KIND_NONMEMBERSHIP)
        if not problems:
            if inputs[1] != commitment:
                problems.append("input 1 is not the dataset the event names")
            if [int(v) for v in params["requestIds"]] != list(ids):
                problems.append("the calldata's request ids are not the event's")
            dataset = h.datasets.get((institution, commitment))
            if dataset is None or _order(dataset) > _order(event):
                problems.append("the institution never anchored the dataset")
            problems += _refutation_problems(institution, commitment, list(ids), inputs[2:], event, h)
        valid, note = _check_proof(keys.get(circuit_hex), (params["a"], params["b"], params["c"]), inputs)
        offchain, verdict, note = _verdict(base["onchain"], valid, note, problems)
        row = AuditRow(offchain=offchain, verdict=verdict, note="; ".join(filter(None, [what, note])), **base)
    h.refutation_rows[memo] = row
    return row


def _validity_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict) -> AuditRow:
    sh = event.args["statementHash"]
    institution = event.args["institution"]
    commitment = int(event.args["datasetCommitment"])
    base = dict(
        kind="validity", institution=institution, institution_name=h.names.get(institution, ""),
        dataset=hex32(commitment), block=event.block_number, tx_hash=event.tx_hash, onchain=registry.anchor(sh).status,
        statement_hash=sh, circuit_id=circuit_id_text(bytes.fromhex(event.args["circuitId"][2:])),
    )
    call = registry.decode_call(event.tx_hash)
    if call is None:
        return AuditRow(offchain="-", verdict=UNCHECKED, note="sent through another contract: no calldata to decode", **base)
    _, params = call
    circuit_hex = "0x" + bytes(params["circuitId"]).hex()
    inputs = [int(v) for v in params["inputs"]]
    base["inputs"] = tuple(inputs)
    problems = _common_problems(circuit_hex, inputs, sh, institution, h, KIND_VALIDITY)
    if not problems:
        if inputs[1] != commitment:
            problems.append("input 1 is not the dataset the event names")
        if inputs[2] != int(h.circuits[circuit_hex]["specDigest"]) or inputs[2] != int(event.args["schemaDigest"]):
            problems.append("input 2 is not the circuit's schema digest")
        dataset = h.datasets.get((institution, commitment))
        if dataset is None or _order(dataset) > _order(event):
            problems.append("the institution never anchored the dataset")
    valid, note = _check_proof(keys.get(circuit_hex), (params["a"], params["b"], params["c"]), inputs)
    offchain, verdict, note = _verdict(base["onchain"], valid, note, problems)
    return AuditRow(offchain=offchain, verdict=verdict, note=note, **base)


def _run_row(e: RegistryEvent, h: _History) -> AuditRow:
    """An openRun, from its RunOpened event (which carries everything it declared)."""
    who, commitment = e.args["institution"], int(e.args["datasetCommitment"])
    circuit_hex, total, start = e.args["circuitId"], int(e.args["total"]), int(e.args["startWeights"])
    run_id = _run_text(e.args["runId"])
    problems = []
    circuit = h.circuits.get(circuit_hex)
    if circuit is None:
        problems.append("the circuit was never registered")
    elif int(circuit["kind"]) != KIND_TRAINING:
        problems.append(f"the circuit is a {kind_name(int(circuit['kind']))} circuit, not a training one")
    elif int(circuit["publicStart"]) and start != int(circuit["publicStart"]):
        problems.append("its starting weights are not the circuit's public start")
    if not 0 < total < 2**24:
        problems.append(f"{total} segments is out of range")
    if not 0 < start < R:
        problems.append("its starting weights are not a non-zero field element below r")
    dataset = h.datasets.get((who, commitment))
    if dataset is None or _order(dataset) > _order(e):
        problems.append("the institution never anchored the dataset")
    elif dataset.block_number >= e.block_number:
        problems.append("the dataset was not anchored in an earlier block")
    erasure = h.erasures.get((who, commitment))
    erased_later = erasure is not None and _order(erasure) > _order(e)
    if erasure is not None and not erased_later:
        problems.append(f"the dataset had been erased (block {erasure.block_number}) before the run was opened")
    first = h.runs_opened.get((who, run_id))
    if first is not None and _order(first) < _order(e):
        problems.append(f"the run had already been opened (block {first.block_number}): a second start")
    note = f"opens {total} segment(s) from C_W0 {_short(hex32(start))}"
    return AuditRow(
        kind="run", institution=who, institution_name=h.names.get(who, ""), dataset=hex32(commitment),
        block=e.block_number, tx_hash=e.tx_hash, onchain="opened", offchain="-", verdict=MISMATCH if problems else OK,
        note="; ".join([note, *problems]), circuit_id=circuit_id_text(bytes.fromhex(circuit_hex[2:])), run_id=run_id,
        total=total, start_weights=hex32(start),
        erased_at=erasure.block_number if erased_later else 0,
        new_dataset=hex32(int(erasure.args["newCommitment"])) if erased_later else "",
    )


def _check_runs(rows: list[AuditRow], h: _History) -> list[AuditRow]:
    """Mark segments whose run does not chain (the registry should have refused them): against
    the run's opening (registry 2.2+) or, before openRun existed, against its first segment."""
    by_run: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        if row.segment is not None:
            by_run.setdefault((row.institution, row.run_id), []).append(i)
    out = list(rows)
    for key, positions in by_run.items():
        ordered = sorted(positions, key=lambda p: rows[p].segment)
        first = rows[ordered[0]]
        opening = h.runs_opened.get(key)
        if opening is not None:
            what = "the one the run was opened with"
            ref_total, ref_dataset = int(opening.args["total"]), hex32(int(opening.args["datasetCommitment"]))
            ref_circuit = circuit_id_text(bytes.fromhex(opening.args["circuitId"][2:]))
            start, start_what = int(opening.args["startWeights"]), "the weights the run was opened with"
        else:
            what = "the run's"
            ref_total, ref_dataset, ref_circuit = first.total, first.dataset, first.circuit_id
            circuit = h.circuits.get("0x" + circuit_id_bytes(first.circuit_id).hex(), {})
            start, start_what = int(circuit.get("publicStart", 0)), "the circuit's public start"
        for n, p in enumerate(ordered):
            row, problems = rows[p], []
            anchored = h.trainings.get(row.statement_hash)
            if h.explicit_runs and opening is None:
                problems.append("its run was never opened (openRun)")
            elif opening is not None and anchored is not None and _order(anchored) < _order(opening):
                problems.append(f"it came before its run was opened (block {opening.block_number})")
            if row.total != ref_total:
                problems.append(f"its number of segments differs from {what}")
            if row.circuit_id != ref_circuit:
                problems.append(f"another circuit than {what}")
            if row.dataset != ref_dataset:
                problems.append(f"another dataset than {what}")
            prev = rows[ordered[n - 1]] if n else None
            if prev is not None and row.segment == prev.segment:
                problems.append("a second segment for one index (a fork)")
            elif prev is not None and row.segment != prev.segment + 1:
                problems.append(f"segment {row.segment} does not follow segment {prev.segment}")
            if prev is not None and row.inputs and prev.inputs and row.inputs[2] != prev.inputs[3]:
                problems.append("it does not start from the previous segment's C_W")
            if row.segment == 0 and row.inputs and start and row.inputs[2] != start:
                problems.append(f"segment 0 does not start from {start_what}")
            if problems and row.onchain != "invalid":
                out[p] = replace(row, verdict=MISMATCH, note="; ".join([row.note] * bool(row.note) + problems))
    return out


def _dataset_row(e: RegistryEvent, h: _History, now: int) -> AuditRow:
    who, commitment, expires = e.args["institution"], int(e.args["commitment"]), int(e.args["expiresAt"])
    notes = [] if e.args["metadataHash"] == hex32(0) else [f"metadata {e.args['metadataHash']}"]
    if (who, commitment) in h.erased_from:
        notes.append(f"erased from {_short(hex32(h.erased_from[(who, commitment)]))}")
    erasure = h.erasures.get((who, commitment))
    if erasure is not None:
        notes.append(f"ERASED in block {erasure.block_number} into {_short(hex32(int(erasure.args['newCommitment'])))}")
    if expires:
        notes.append(f"retention {'ended' if expires <= now else 'until'} {_utc(expires)}")
    return AuditRow(
        kind="dataset", institution=who, institution_name=h.names.get(who, ""), dataset=hex32(commitment),
        block=e.block_number, tx_hash=e.tx_hash, onchain="anchored", offchain="-", verdict=OK, note="; ".join(notes),
        expires_at=expires, expired_data=bool(expires) and expires <= now,
        erased_at=erasure.block_number if erasure is not None else 0,
        new_dataset=hex32(int(erasure.args["newCommitment"])) if erasure is not None else "",
    )


# ---------------------------------------------------------------- data subjects' rights

def _name(institution: str, name: str) -> str:
    return name or _short(institution)


def _possessive(name: str) -> str:
    return name if name.endswith("'s") else name + ("'" if name.endswith("s") else "'s")


@dataclass(frozen=True)
class ErasureRequestReport:
    """One erasure request and where it stands at block ``head`` (``status``: answered, answered
    late, refuted, covered, pending or overdue; see the module docstring)."""

    request_id: int
    institution: str
    institution_name: str
    dataset: str  # the commitment the request names, 0x hex
    leaf: str
    requester: str
    filed_block: int
    deadline: int
    status: str
    head: int
    answered_block: int = 0  # answered: the answer's block; covered: the block the record was erased in
    erasure: str = ""  # the statement hash of that erasure
    new_dataset: str = ""  # the dataset it anchored
    answered_with: tuple[int, ...] = ()  # covered: the requests that erasure answered
    note: str = ""
    refuted_block: int = 0  # the block of the refutation the registry records (0: none)
    refutation: str = ""  # its statement hash
    refutation_check: str = ""  # refuted: "valid" (its proof re-checked off chain) or "-" (no key to check it)

    def sentence(self) -> str:
        """What happened to the request, in words a data-protection officer reads."""
        who = f"request {self.request_id} for {_possessive(_name(self.institution, self.institution_name))} " \
              f"dataset {_short(self.dataset)}"
        if self.status == REFUTED:
            checked = "proof re-checked" if self.refutation_check == "valid" else "proof not re-checked"
            text = (f"{who} was refuted: the named record is not in the dataset ({checked}, "
                    f"block {self.refuted_block})")
        elif self.status == OVERDUE:
            text = f"{who} is OVERDUE: due block {self.deadline}, now {self.head}"
        elif self.status == PENDING:
            text = f"{who} is pending: due block {self.deadline} ({self.deadline - self.head} block(s) left)"
        elif self.status == COVERED:
            text = (f"{who} was not answered itself, but its record was erased in block {self.answered_block} "
                    f"(answering request(s) {', '.join(map(str, self.answered_with))})")
        else:
            late = "LATE " if self.status == ANSWERED_LATE else ""
            text = (f"{who} was answered {late}in block {self.answered_block} (due block {self.deadline}): "
                    f"the record is erased from the new dataset {_short(self.new_dataset)}")
        return text + (f" ({self.note})" if self.note else "")

    def to_json(self) -> dict:
        out = asdict(self)
        out["answered_with"] = list(self.answered_with)
        out["sentence"] = self.sentence()
        return out


@dataclass(frozen=True)
class SupersededModel:
    """A model (training anchor) whose dataset was erased after it was anchored."""

    statement_hash: str
    institution: str
    institution_name: str
    circuit_id: str
    dataset: str
    block: int
    erased_at: int
    erasure: str
    request_ids: tuple[int, ...]
    new_dataset: str
    retrained_by: str = ""  # the first training anchor over a dataset it was erased into
    retrained_block: int = 0
    retrained_dataset: str = ""

    def sentence(self) -> str:
        text = (f"model {_short(self.statement_hash)} of {_name(self.institution, self.institution_name)} (circuit "
                f"{self.circuit_id}, block {self.block}) was trained on dataset {_short(self.dataset)}, erased in block "
                f"{self.erased_at} (answering request(s) {', '.join(map(str, self.request_ids))}): SUPERSEDED; ")
        if self.retrained_by:
            return text + (f"retrained over {_short(self.retrained_dataset)} by model {_short(self.retrained_by)} "
                           f"in block {self.retrained_block}")
        return text + f"not retrained over the new dataset {_short(self.new_dataset)} yet"

    def to_json(self) -> dict:
        out = asdict(self)
        out["request_ids"] = list(self.request_ids)
        out["sentence"] = self.sentence()
        return out


@dataclass(frozen=True)
class ValidityReport:
    """A validity claim: what the institution proved its dataset satisfies."""

    statement_hash: str
    institution: str
    institution_name: str
    dataset: str
    block: int
    circuit_id: str
    schema_digest: str  # decimal
    claim: str  # the circuit's registered description: the schema in words
    offchain: str
    verdict: str

    def sentence(self) -> str:
        checked = {"valid": "proof valid off chain", "invalid": "proof INVALID off chain"}.get(self.offchain,
                                                                                             "proof not checked")
        return (f"{_possessive(_name(self.institution, self.institution_name))} dataset {_short(self.dataset)}: "
                f"validity proven in block {self.block} (circuit {self.circuit_id}, {checked}): "
                f"{self.claim or 'schema ' + _short(hex32(int(self.schema_digest)))}")

    def to_json(self) -> dict:
        return {**asdict(self), "sentence": self.sentence()}


@dataclass(frozen=True)
class ExpiredDataset:
    """A dataset past its retention expiry and the models trained on it."""

    institution: str
    institution_name: str
    dataset: str
    expires_at: int
    models: tuple[str, ...]

    def sentence(self) -> str:
        text = (f"{_possessive(_name(self.institution, self.institution_name))} dataset {_short(self.dataset)} "
                f"passed its retention expiry on {_utc(self.expires_at)}")
        if not self.models:
            return text + "; no model was trained on it"
        return (text + f"; {len(self.models)} model(s) trained on it are {EXPIRED_DATA}: "
                + ", ".join(_short(m) for m in self.models))

    def to_json(self) -> dict:
        return {**asdict(self), "models": list(self.models), "sentence": self.sentence()}


@dataclass
class AuditReport:
    """Everything :func:`audit_report` found; ``head`` is the block statuses were judged at."""

    rows: list[AuditRow]
    runs: list[RunReport]
    requests: list[ErasureRequestReport]
    superseded: list[SupersededModel]
    validity: list[ValidityReport]
    expired: list[ExpiredDataset]
    head: int

    @property
    def overdue(self) -> list[ErasureRequestReport]:
        return [r for r in self.requests if r.status == OVERDUE]

    def to_json(self) -> dict:
        return {
            "head": self.head,
            "rows": [r.to_json() for r in self.rows],
            "runs": [r.to_json() for r in self.runs],
            "erasure_requests": [r.to_json() for r in self.requests],
            "superseded": [m.to_json() for m in self.superseded],
            "validity": [v.to_json() for v in self.validity],
            "expired_datasets": [d.to_json() for d in self.expired],
            "overdue": len(self.overdue),
        }


def _request_reports(registry: Registry, h: _History, head: int, start: int, keys: dict) -> list[ErasureRequestReport]:
    out = []
    for rid, e in sorted(h.requests.items()):
        owner, commitment, leaf = e.args["owner"], int(e.args["datasetCommitment"]), int(e.args["leaf"])
        deadline = int(e.args["deadline"])
        fields = dict(request_id=rid, institution=owner, institution_name=h.names.get(owner, ""),
                      dataset=hex32(commitment), leaf=hex32(leaf), requester=e.args["requester"],
                      filed_block=e.block_number, deadline=deadline, head=head)
        answer = h.answered_by.get(rid)
        refutation = h.refuted_by.get(rid)
        held = None
        if refutation is not None:
            fields.update(refuted_block=refutation.block_number, refutation=refutation.args["statementHash"])
            row = _refutation_row(registry, refutation, h, keys)
            held = row.verdict != MISMATCH and row.offchain != "invalid"
            if held:
                fields["refutation_check"] = row.offchain
            else:
                fields["note"] = (f"the registry marks it refuted in block {refutation.block_number}, but the "
                                  f"refutation does not hold off chain: {row.note}")
        if answer is not None:
            status = ANSWERED_LATE if answer.block_number > deadline else ANSWERED
            fields.update(answered_block=answer.block_number, erasure=answer.args["statementHash"],
                          new_dataset=hex32(int(answer.args["newCommitment"])))
        elif held:
            status = REFUTED
        else:
            cover = next((x for c in h.lineage(owner, commitment) if (x := h.erasures.get((owner, c))) is not None
                          and leaf in _leaves_of(registry, x, h)), None)
            if cover is not None:
                status = COVERED
                fields.update(answered_block=cover.block_number, erasure=cover.args["statementHash"],
                              new_dataset=hex32(int(cover.args["newCommitment"])),
                              answered_with=tuple(int(v) for v in cover.args["requestIds"]))
            else:
                status = OVERDUE if head > deadline else PENDING
        if e.block_number < start and status not in (PENDING, OVERDUE, COVERED):
            continue
        view = registry.erasure_request(rid)
        if view.answered_block != (answer.block_number if answer is not None else 0):
            fields["note"] = f"the registry's record of it says answered in block {view.answered_block}"
        elif getattr(view, "refuted_block", 0) != (refutation.block_number if refutation is not None else 0):
            fields["note"] = f"the registry's record of it says refuted in block {view.refuted_block}"
        out.append(ErasureRequestReport(status=status, **fields))
    return out


def _superseded_models(rows: list[AuditRow], h: _History) -> list[SupersededModel]:
    out = []
    for row in rows:
        if not row.superseded:
            continue
        retrained = h.trainings.get(row.retrained_by)
        event = h.erasures[(row.institution, int(row.dataset, 16))]
        out.append(SupersededModel(
            statement_hash=row.statement_hash, institution=row.institution, institution_name=row.institution_name,
            circuit_id=row.circuit_id, dataset=row.dataset, block=row.block, erased_at=row.erased_at,
            erasure=row.superseded_by, request_ids=tuple(int(v) for v in event.args["requestIds"]),
            new_dataset=row.new_dataset, retrained_by=row.retrained_by,
            retrained_block=retrained.block_number if retrained is not None else 0,
            retrained_dataset=hex32(int(retrained.args["datasetCommitment"])) if retrained is not None else "",
        ))
    return out


def _validity_reports(rows: list[AuditRow], h: _History) -> list[ValidityReport]:
    out = []
    for row in rows:
        if row.kind != "validity":
            continue
        circuit = h.circuits.get("0x" + circuit_id_bytes(row.circuit_id).hex(), {})
        out.append(ValidityReport(
            statement_hash=row.statement_hash, institution=row.institution, institution_name=row.institution_name,
            dataset=row.dataset, block=row.block, circuit_id=row.circuit_id,
            schema_digest=str(row.inputs[2]) if len(row.inputs) > 2 else str(circuit.get("specDigest", 0)),
            claim=str(circuit.get("description", "")), offchain=row.offchain, verdict=row.verdict,
        ))
    return out


def _expired_datasets(h: _History, now: int) -> list[ExpiredDataset]:
    out = []
    for (who, commitment), e in h.datasets.items():
        expires = int(e.args["expiresAt"])
        if not expires or expires > now:
            continue
        models = tuple(a.args["statementHash"] for a in h.training_on.get((who, commitment), []))
        out.append(ExpiredDataset(who, h.names.get(who, ""), hex32(commitment), expires, models))
    return out


def audit_report(
    chain: Chain,
    record: DeploymentRecord,
    vks: Mapping[Any, VerificationKey] | None = None,
    from_block: int | None = None,
) -> AuditReport:
    """The whole audit of the registry in ``record``: rows for every dataset, training,
    aggregate, erasure and validity anchor and every refutation in chain order from ``from_block`` on (the whole
    history is read for context either way; a ``from_block`` beyond the chain head gives no
    rows: nothing was checked), checkpoint runs, erasure requests, superseded models, validity
    claims and expired datasets (see the module docstring).

    ``vks`` maps circuit ids (name or hex) to verification keys, overriding the record's.
    """
    registry = Registry.attach(chain, record)
    events = registry.events()
    h = _history(events)
    h.explicit_runs = any(e.get("type") == "event" and e.get("name") == "RunOpened" for e in registry.abi)
    keys = _keys(record, vks, h)
    latest = chain.w3.eth.get_block("latest")
    now, head = int(latest["timestamp"]), int(latest["number"])
    start = registry.deploy_block if from_block is None else int(from_block)
    rows = []
    for e in events:
        if e.block_number < start:
            continue
        if e.name == "DatasetAnchored":
            rows.append(_dataset_row(e, h, now))
        elif e.name == "RunOpened":
            rows.append(_run_row(e, h))
        elif e.name in _TRAINING_EVENTS:
            rows.append(_training_row(registry, e, h, keys, now))
        elif e.name == "AggregateAnchored":
            rows.append(_aggregate_row(registry, e, h, keys))
        elif e.name == "ErasureAnchored":
            rows.append(_erasure_row(registry, e, h, keys))
        elif e.name == "ValidityAnchored":
            rows.append(_validity_row(registry, e, h, keys))
        elif e.name == "ErasureRefuted":
            rows.append(_refutation_row(registry, e, h, keys))
    rows = [_with_data_note(r) if r.kind in ("verified", "optimistic") else r for r in _check_runs(rows, h)]
    beyond = start > head
    return AuditReport(
        rows=rows,
        runs=run_reports(rows),
        requests=[] if beyond else _request_reports(registry, h, head, start, keys),
        superseded=_superseded_models(rows, h),
        validity=_validity_reports(rows, h),
        expired=[] if beyond else _expired_datasets(h, now),
        head=head,
    )


def audit(
    chain: Chain,
    record: DeploymentRecord,
    vks: Mapping[Any, VerificationKey] | None = None,
    from_block: int | None = None,
) -> list[AuditRow]:
    """The rows of :func:`audit_report`: every dataset, training, aggregate, erasure and validity
    anchor of the registry in ``record``, in chain order, from ``from_block`` on."""
    return audit_report(chain, record, vks, from_block).rows


def run_reports(rows: list[AuditRow]) -> list[RunReport]:
    """One report per checkpoint run seen in ``rows`` (its opening, a row of kind ``run``, and its
    segment rows), in order of first appearance.  A run opened and never proven is ``in progress``:
    "opened in block B, 0 of T segments"."""
    runs: dict[tuple[str, str], list[AuditRow]] = {}
    openings: dict[tuple[str, str], AuditRow] = {}
    for row in rows:
        if row.kind == "run":
            openings.setdefault((row.institution, row.run_id), row)
            runs.setdefault((row.institution, row.run_id), [])
        elif row.segment is not None:
            runs.setdefault((row.institution, row.run_id), []).append(row)
    out = []
    for (institution, run_id), segs in runs.items():
        opening = openings.get((institution, run_id))
        segs = sorted(segs, key=lambda r: (r.segment, r.block))
        last = segs[-1] if segs else None
        base = opening if opening is not None else segs[0]
        total = base.total
        invalid = [r.segment for r in segs if r.onchain == "invalid"]
        indices = {r.segment for r in segs}
        notes = []
        if invalid:
            status = BROKEN
            notes.append("segment(s) " + ", ".join(map(str, invalid)) + " invalid (resolved invalid or expired)")
        elif segs and indices == set(range(total)):
            status = COMPLETE
        else:
            status = IN_PROGRESS
            if opening is not None:
                notes.append(f"opened in block {opening.block}, {len(segs)} of {total} segments")
            if last is not None:
                notes.append(f"last checkpoint: segment {last.segment} of {total}, block {last.block}")
            if opening is not None and opening.erased_at:
                notes.append(f"its dataset was erased in block {opening.erased_at}: no segment can extend it")
        pending = [r.segment for r in segs if r.onchain in ("pending", "challenged")]
        if pending and status != BROKEN:
            notes.append("segment(s) " + ", ".join(map(str, pending)) + " not settled yet")
        if opening is not None and opening.verdict == MISMATCH:
            notes.append("its opening mismatch")
        mismatched = [r.segment for r in segs if r.verdict == MISMATCH]
        if mismatched:
            notes.append("segment(s) " + ", ".join(map(str, mismatched)) + " mismatch")
        if last is not None:
            weights = hex32(last.inputs[3]) if len(last.inputs) > 3 else ""
        else:
            weights = opening.start_weights if opening is not None else ""
        out.append(RunReport(
            institution=institution, institution_name=base.institution_name, run_id=run_id,
            circuit_id=base.circuit_id, dataset=base.dataset, total=total, segments=len(segs),
            last_index=last.segment if last is not None else -1, last_weights=weights,
            last_block=last.block if last is not None else 0, status=status, note="; ".join(notes),
            statement_hashes=tuple(r.statement_hash for r in segs),
            opened_block=opening.block if opening is not None else 0,
            start_weights=opening.start_weights if opening is not None else "",
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
    return "\n".join(_row_sections(rows)).rstrip() + "\n" + _summary(rows)


def format_report(report: AuditReport) -> str:
    """:func:`format_table`, then erasure requests (per institution), superseded models, validity
    claims and expired data in sentences, and the one-line summary."""
    parts = _row_sections(report.rows)
    if report.requests:
        lines = []
        by_institution: dict[str, list[ErasureRequestReport]] = {}
        for r in report.requests:
            by_institution.setdefault(r.institution, []).append(r)
        for who, requests in by_institution.items():
            counts = [(s, sum(r.status == s for r in requests)) for s in REQUEST_STATUSES]
            lines.append(f"{_name(who, requests[0].institution_name)}: {len(requests)} request(s): "
                         + ", ".join(f"{n} {s.upper() if s == OVERDUE else s}" for s, n in counts if n))
            lines += [f"  {r.sentence()}" for r in requests]
        parts.append("\nERASURE REQUESTS (judged at block " + str(report.head) + ")\n" + "\n".join(lines))
    if report.superseded:
        parts.append("\nSUPERSEDED MODELS\n" + "\n".join(f"  {m.sentence()}" for m in report.superseded))
    if report.validity:
        parts.append("\nVALIDITY CLAIMS\n" + "\n".join(f"  {v.sentence()}" for v in report.validity))
    if report.expired:
        parts.append("\nEXPIRED DATA\n" + "\n".join(f"  {d.sentence()}" for d in report.expired))
    return "\n".join(parts).rstrip() + "\n" + _summary(report.rows, report)


def _row_sections(rows: list[AuditRow]) -> list[str]:
    names = {r.institution: r.institution_name for r in rows if r.institution_name}
    header = ("BLOCK", "KIND", "INSTITUTION", "DATASET", "CIRCUIT", "RUN", "STATEMENT", "ON CHAIN", "OFF CHAIN", "VERDICT", "NOTE")
    lines = []
    for r in rows:
        run = f"{r.run_id}#{r.segment}/{r.total}" if r.segment is not None else "-"
        if r.kind == "run":
            run = f"{r.run_id} opened/{r.total}"
        lines.append((
            str(r.block), r.kind, r.institution_name or _short(r.institution), _short(r.dataset) if r.dataset else "-",
            r.circuit_id or "-", run, _short(r.statement_hash) if r.statement_hash else "-", r.onchain, r.offchain,
            r.verdict, r.note,
        ))
    parts = [_table(header, lines)]
    runs = run_reports(rows)
    if runs:
        parts.append("\nRUNS\n" + _table(
            ("INSTITUTION", "RUN", "CIRCUIT", "OPENED", "SEGMENTS", "STATUS", "LAST C_W", "LAST BLOCK", "NOTE"),
            [(r.institution_name or _short(r.institution), r.run_id, r.circuit_id, str(r.opened_block or "-"),
              f"{r.segments}/{r.total}", r.status, _short(r.last_weights) or "-", str(r.last_block or "-"), r.note)
             for r in runs],
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
    return parts


def _summary(rows: list[AuditRow], report: AuditReport | None = None) -> str:
    counts = {v: sum(r.verdict == v for r in rows) for v in (OK, MISMATCH, UNCHECKED)}
    datasets = sum(r.kind == "dataset" for r in rows)
    trainings = sum(r.kind in ("verified", "optimistic") for r in rows)
    summary = f"{datasets} dataset(s), {trainings} training anchor(s)"
    aggregates = sum(r.kind == "aggregate" for r in rows)
    if aggregates:
        summary += f", {aggregates} aggregate(s)"
    runs = run_reports(rows)
    if runs:
        by = {s: sum(r.status == s for r in runs) for s in (COMPLETE, IN_PROGRESS, BROKEN)}
        summary += f", {len(runs)} run(s) ({by[COMPLETE]} complete, {by[IN_PROGRESS]} in progress, {by[BROKEN]} broken)"
    erasures = sum(r.kind == "erasure" for r in rows)
    if erasures:
        summary += f", {erasures} erasure(s)"
    validity = sum(r.kind == "validity" for r in rows)
    if validity:
        summary += f", {validity} validity claim(s)"
    refutations = sum(r.kind == "refutation" for r in rows)
    if refutations:
        summary += f", {refutations} refutation(s)"
    if report is not None and report.requests:
        by = {s: sum(r.status == s for r in report.requests) for s in REQUEST_STATUSES}
        summary += f", {len(report.requests)} erasure request(s) (" + ", ".join(
            f"{n} {s}" for s, n in by.items() if n) + ")"
    superseded = sum(r.superseded for r in rows)
    if superseded:
        summary += f", {superseded} superseded model(s)"
    expired = sum(r.expired_data for r in rows if r.kind in ("verified", "optimistic"))
    if expired:
        summary += f", {expired} {EXPIRED_DATA}"
    return summary + f": {counts[OK]} ok, {counts[MISMATCH]} mismatch, {counts[UNCHECKED]} unchecked"
