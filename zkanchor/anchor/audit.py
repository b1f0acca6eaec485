"""Audit a registry: who anchored what, and does every anchored proof really check?

The audit trusts nothing but the chain's history and the verification keys it is given
(from the deployment record, or passed explicitly).  It reads every registry event,
takes each training proof from the calldata of the transaction that brought it
(``anchorTraining`` for verified anchors, ``resolve`` for optimistic ones, decoded with
the ABI), and re-checks off chain, with zkanchor's Python verifier:

- the statement: its hash, input 0 = the institution, input 1 = a dataset that same
  institution anchored in an earlier block, the input count and range, and a claimed
  training block if the circuit has one;
- the proof against the circuit's verification key (and, for optimistic anchors, that
  it is the proof the anchor committed to).

Each anchor gets a row whose ``verdict`` is ``ok`` (the off-chain check agrees with the
registry), ``mismatch`` (it does not: the registry accepted what should have been
refused, or the reverse) or ``unchecked`` (no proof to check yet, no key, or the
transaction went through another contract so its calldata is not the registry call).
Dataset anchors are listed too, as rows of kind ``dataset``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from ..bn254.constants import R
from ..chain import Chain
from ..errors import InputError
from ..groth16.keys import VerificationKey
from .deployment import DeploymentRecord
from .encoding import circuit_id_bytes, circuit_id_text, hex32, proof_from_words, proof_hash, statement_hash
from .registry import Registry, RegistryEvent

OK, MISMATCH, UNCHECKED = "ok", "mismatch", "unchecked"


@dataclass(frozen=True)
class AuditRow:
    """One anchored thing: a dataset commitment or a training statement, and its check."""

    kind: str  # dataset, verified or optimistic
    institution: str
    institution_name: str
    dataset: str  # the commitment, 0x hex
    block: int
    tx_hash: str
    onchain: str  # dataset: anchored; training: valid, pending, challenged or invalid
    offchain: str  # valid, invalid, or "-" when nothing was checked
    verdict: str  # ok, mismatch or unchecked
    note: str = ""
    statement_hash: str = ""
    circuit_id: str = ""
    inputs: tuple[int, ...] = field(default=())

    def to_json(self) -> dict:
        """The row as a JSON object (inputs as decimal strings, like public.json)."""
        out = asdict(self)
        out["inputs"] = [str(v) for v in self.inputs]
        return out


@dataclass
class _History:
    """What the events say, indexed for the per-anchor checks."""

    names: dict[str, str] = field(default_factory=dict)
    datasets: dict[int, RegistryEvent] = field(default_factory=dict)
    circuits: dict[str, dict] = field(default_factory=dict)  # hex id -> CircuitRegistered args
    resolved: dict[str, RegistryEvent] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)


def _history(events: list[RegistryEvent]) -> _History:
    h = _History()
    for e in events:
        if e.name == "InstitutionRegistered":
            h.names[e.args["institution"]] = e.args["name"]
        elif e.name == "DatasetAnchored":
            h.datasets[int(e.args["commitment"])] = e
        elif e.name == "CircuitRegistered":
            h.circuits[e.args["circuitId"]] = e.args
        elif e.name == "AnchorResolved":
            h.resolved[e.args["statementHash"]] = e
        elif e.name == "AnchorExpired":
            h.expired.add(e.args["statementHash"])
    return h


def _keys(record: DeploymentRecord, vks: Mapping[Any, VerificationKey] | None) -> dict[str, VerificationKey | str]:
    """Verification keys by hex circuit id; a string instead of a key says why it is unusable."""
    from ..groth16.snarkjs_json import vk_from_json

    keys: dict[str, VerificationKey | str] = {}
    for c in record.circuits.values():
        if c.vk is None:
            continue
        try:
            keys[c.circuit_id] = vk_from_json(c.vk, f"the verification key of {c.name}")
        except InputError as exc:
            keys[c.circuit_id] = str(exc)
    for cid, vk in (vks or {}).items():
        keys["0x" + circuit_id_bytes(cid).hex()] = vk
    return keys


def _statement_problems(
    circuit_hex: str, inputs: list[int], event: RegistryEvent, h: _History
) -> list[str]:
    """Everything the registry should have refused about this statement (empty if none)."""
    problems = []
    if "0x" + statement_hash(bytes.fromhex(circuit_hex[2:]), inputs).hex() != event.args["statementHash"]:
        problems.append("the statement hash does not match the circuit id and inputs")
    circuit = h.circuits.get(circuit_hex)
    if circuit is None:
        return problems + ["the circuit was never registered"]
    if len(inputs) != circuit["nPublic"]:
        return problems + [f"{len(inputs)} public inputs for a circuit with {circuit['nPublic']}"]
    if any(v >= R for v in inputs):
        problems.append("a public input is not below r")
    if inputs[0] != int(event.args["institution"], 16):
        problems.append("input 0 is not the anchoring institution")
    dataset = h.datasets.get(inputs[1])
    if inputs[1] != event.args["datasetCommitment"]:
        problems.append("input 1 is not the dataset the event names")
    if dataset is None:
        problems.append("the dataset was never anchored")
    elif dataset.args["institution"] != event.args["institution"]:
        problems.append("the dataset was anchored by another institution")
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


def _training_row(registry: Registry, event: RegistryEvent, h: _History, keys: dict) -> AuditRow:
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
    )
    call = registry.decode_call(event.tx_hash)
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
    return AuditRow(offchain=offchain, verdict=verdict, note=note, **base)


def audit(
    chain: Chain,
    record: DeploymentRecord,
    vks: Mapping[Any, VerificationKey] | None = None,
    from_block: int | None = None,
) -> list[AuditRow]:
    """Rows for every dataset and training anchor of the registry in ``record``, in chain order.

    ``vks`` maps circuit ids (name or hex) to verification keys, overriding the record's.
    """
    registry = Registry.attach(chain, record)
    events = registry.events(from_block)
    h = _history(events)
    keys = _keys(record, vks)
    rows = []
    for e in events:
        if e.name == "DatasetAnchored":
            who = e.args["institution"]
            rows.append(AuditRow(
                kind="dataset", institution=who, institution_name=h.names.get(who, ""),
                dataset=hex32(int(e.args["commitment"])), block=e.block_number, tx_hash=e.tx_hash,
                onchain="anchored", offchain="-", verdict=OK,
                note="" if e.args["metadataHash"] == hex32(0) else f"metadata {e.args['metadataHash']}",
            ))
        elif e.name in ("TrainingAnchored", "OptimisticAnchored"):
            rows.append(_training_row(registry, e, h, keys))
    return rows


def _short(text: str) -> str:
    # Hex ids and addresses: enough of both ends to tell them apart by eye.
    return text if len(text) <= 14 else f"{text[:8]}…{text[-4:]}"


def format_table(rows: list[AuditRow]) -> str:
    """A fixed-width table of the rows and a one-line summary."""
    header = ("BLOCK", "KIND", "INSTITUTION", "DATASET", "CIRCUIT", "STATEMENT", "ON CHAIN", "OFF CHAIN", "VERDICT", "NOTE")
    lines = [header]
    for r in rows:
        who = r.institution_name or _short(r.institution)
        lines.append((
            str(r.block), r.kind, who, _short(r.dataset), r.circuit_id or "-",
            _short(r.statement_hash) if r.statement_hash else "-", r.onchain, r.offchain, r.verdict, r.note,
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    text = "\n".join(
        ("  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths)) + "  " + line[-1]).rstrip()
        for line in lines
    )
    counts = {v: sum(r.verdict == v for r in rows) for v in (OK, MISMATCH, UNCHECKED)}
    trainings = sum(r.kind != "dataset" for r in rows)
    summary = (
        f"{len(rows) - trainings} dataset(s), {trainings} training anchor(s): "
        f"{counts[OK]} ok, {counts[MISMATCH]} mismatch, {counts[UNCHECKED]} unchecked"
    )
    return text.rstrip() + "\n" + summary
