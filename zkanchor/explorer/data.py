"""What the explorer shows, read from the chain: one JSON snapshot per chain head.

:class:`Explorer` attaches to a registry (through its deployment record) and builds, for the
latest block, everything the page lists: institutions and their record, dataset anchors
(with retention expiry and any validity claims found among the supplied statements),
training and aggregate anchors (with their public inputs decoded from the anchoring
transaction's calldata by :func:`zkanchor.anchor.audit`, and each statement's description
and claims when a matching ``statement.json`` was supplied), checkpoint runs
(:func:`zkanchor.anchor.audit.run_reports`: from the block openRun declared them in, runs
opened but not yet proven included), federated aggregates, erasure requests (when the
registry client offers erasure views; refuted ones with the refutation that settled them, and
refutations listed on their own: they are no anchors) and the registered circuits.

Everything here is a convenience for reading.  The page does not take any of it on trust
when it verifies: it decodes the proof from the raw transaction, checks the key against
the chain and runs snarkjs itself (``assets/app.js``).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Optional

from ..anchor import DeploymentRecord, Registry, audit, run_reports
from ..anchor.audit import AuditRow
from ..anchor.encoding import circuit_id_bytes, circuit_id_text, hex32
from ..chain import Chain
from ..errors import FormatError, InputError

MAX_STATEMENT_FILES = 5_000
MAX_STATEMENT_BYTES = 4 << 20
TRAINING_NAMES = ["institution", "C_D", "C_W0", "C_W", "spec digest"]


# ---------------------------------------------------------------- supplied statements


@dataclasses.dataclass(frozen=True)
class KnownStatement:
    """A ``statement.json`` found under a ``--statements`` directory, parsed by zkanchor."""

    path: str  # relative to its directory, for display
    kind: str
    public_inputs: tuple[str, ...]
    public_names: tuple[str, ...]
    description: str
    claims: dict
    document: dict  # the file's JSON (as parsed: every derived field re-checked by statement_from_json)

    def summary(self) -> dict:
        """What an anchor row shows of it."""
        return {"file": self.path, "kind": self.kind, "description": self.description, "claims": self.claims,
                "public_names": list(self.public_names)}


class StatementIndex:
    """Every readable ``statement.json`` under some directories, by its public inputs.

    A file is indexed only if :func:`zkanchor.statements.statement_from_json` accepts it,
    which re-derives its public inputs, claims and description from its fields and refuses
    a file whose listed ones differ.  Unreadable files are counted in ``skipped``.
    """

    def __init__(self, directories: Iterable[str | os.PathLike] = ()) -> None:
        self.by_inputs: dict[tuple[str, ...], KnownStatement] = {}
        self.validity: list[KnownStatement] = []
        self.skipped: list[str] = []
        self.directories = [Path(d) for d in directories]
        for directory in self.directories:
            if not directory.is_dir():
                raise InputError(f"the statements directory {str(directory)!r} does not exist")
            self._scan(directory)

    def _scan(self, directory: Path) -> None:
        from ..fileio import read_json
        from ..statements import statement_from_json

        count = 0
        for path in sorted(directory.rglob("statement.json")):
            count += 1
            if count > MAX_STATEMENT_FILES:
                self.skipped.append(f"more than {MAX_STATEMENT_FILES} statement files under {directory}: the rest were not read")
                return
            rel = f"{directory.name}/{path.relative_to(directory).as_posix()}"
            try:
                if not path.is_file() or path.stat().st_size > MAX_STATEMENT_BYTES:
                    raise FormatError("not a regular file of at most 4 MiB")
                obj = read_json(path, "statement")
                statement = statement_from_json(obj, f"statement {rel!r}")
                claims = statement.claims() if hasattr(statement, "claims") else {}
                known = KnownStatement(rel, statement.spec.kind, tuple(str(v) for v in statement.public_inputs()),
                                       tuple(statement.spec.public_names()), statement.describe(),
                                       _jsonable(claims), obj)
            except (FormatError, InputError, OSError, ValueError) as exc:
                self.skipped.append(f"{rel}: {str(exc).splitlines()[0][:200]}")
                continue
            self.by_inputs.setdefault(known.public_inputs, known)
            if known.kind == "validity":
                self.validity.append(known)

    def find(self, inputs: Iterable[Any]) -> Optional[KnownStatement]:
        """The supplied statement with exactly these public inputs, if any."""
        return self.by_inputs.get(tuple(str(int(v)) for v in inputs))

    def validity_of(self, institution: str, commitment: int) -> list[KnownStatement]:
        """Validity statements about ``institution``'s dataset ``commitment``."""
        who = int(institution, 16)
        return [s for s in self.validity
                if len(s.public_inputs) >= 2 and int(s.public_inputs[0]) == who and int(s.public_inputs[1]) == commitment]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


# ---------------------------------------------------------------- the audit (whichever this zkanchor has)


def run_audit(chain: Chain, record: DeploymentRecord, registry: Registry) -> dict:
    """Rows, runs and the data-subject reports of :func:`zkanchor.anchor.audit_report` (or, with an
    older zkanchor, the rows and runs of :func:`~zkanchor.anchor.audit`), as one dict."""
    from .. import anchor as anchor_api

    report_fn = getattr(anchor_api, "audit_report", None)
    supported = any(e.get("type") == "function" and e.get("name") == "requestErasure" for e in registry.abi)
    if report_fn is None:
        rows = audit(chain, record)
        return {"rows": rows, "runs": run_reports(rows), "requests": [], "superseded": [], "expired": [],
                "erasure_supported": False}
    report = report_fn(chain, record)
    return {
        "rows": report.rows,
        "runs": report.runs,
        "requests": [_jsonable(r.to_json()) for r in report.requests],
        "superseded": [_jsonable(m.to_json()) for m in report.superseded],
        "expired": [_jsonable(d.to_json()) for d in report.expired],
        "erasure_supported": supported,
    }


def input_names(kind: str, n: int, known: Optional[KnownStatement]) -> list[str]:
    """Names of a statement's public inputs: the supplied statement's, else the registry's layout."""
    if known is not None and len(known.public_names) == n:
        return list(known.public_names)
    if kind == "aggregate" and n >= 4:
        return ["aggregator", "C_prev"] + [f"C_{i}" for i in range(1, n - 2)] + ["C_G"]
    if kind == "erasure" and n >= 4:
        return ["institution", "C_D", "C_D'"] + [f"L_{i}" for i in range(1, n - 2)]
    if kind == "validity" and n >= 3:
        return ["institution", "C_D", "schema digest"] + [f"input {i}" for i in range(3, n)]
    if kind == "refutation" and n >= 3:
        return ["institution", "C_D"] + [f"L_{i}" for i in range(1, n - 1)]
    return [TRAINING_NAMES[i] if i < len(TRAINING_NAMES) else f"input {i}" for i in range(n)]


STATUSES = ("valid", "invalid", "pending", "challenged")


class Explorer:
    """The explorer's view of one registry; :meth:`snapshot` is rebuilt when the chain head moves."""

    def __init__(self, chain: Chain, record: DeploymentRecord, statements: StatementIndex | None = None) -> None:
        self.chain = chain
        self.record = record
        self.registry = Registry.attach(chain, record)
        self.statements = statements or StatementIndex()
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, str], dict] | None = None

    # -- chain access ----------------------------------------------------------

    def head(self) -> tuple[int, str, int]:
        """(number, hash, timestamp) of the latest block."""
        block = self.chain.w3.eth.get_block("latest")
        return int(block["number"]), "0x" + bytes(block["hash"]).hex(), int(block["timestamp"])

    def snapshot(self) -> dict:
        """Everything the page lists, for the latest block (cached until the head changes)."""
        with self._lock:
            number, block_hash, timestamp = self.head()
            if self._cache is not None and self._cache[0] == (number, block_hash):
                return self._cache[1]
            started = time.perf_counter()
            snap = self._build(number, block_hash, timestamp)
            snap["head"]["seconds_to_build"] = round(time.perf_counter() - started, 3)
            self._cache = ((number, block_hash), snap)
            return snap

    # -- building --------------------------------------------------------------

    def _build(self, head: int, head_hash: str, now: int) -> dict:
        registry = self.registry
        events = registry.events()
        found = run_audit(self.chain, self.record, registry)
        rows: list[AuditRow] = found["rows"]
        names: dict[str, str] = {}
        circuits_onchain: dict[str, dict] = {}
        challenged: dict[str, dict] = {}
        resolved: dict[str, dict] = {}
        expired: dict[str, dict] = {}
        for e in events:
            if e.name == "InstitutionRegistered":
                names[e.args["institution"]] = str(e.args["name"])
            elif e.name == "CircuitRegistered":
                circuits_onchain[e.args["circuitId"]] = {**e.args, "block": e.block_number, "tx_hash": e.tx_hash}
            elif e.name == "AnchorChallenged":
                challenged[e.args["statementHash"]] = {"deadline": int(e.args["deadline"]), "block": e.block_number,
                                                       "tx_hash": e.tx_hash, "challenger": e.args["challenger"]}
            elif e.name == "AnchorResolved":
                resolved[e.args["statementHash"]] = {"valid": bool(e.args["valid"]), "block": e.block_number,
                                                     "tx_hash": e.tx_hash}
            elif e.name == "AnchorExpired":
                expired[e.args["statementHash"]] = {"block": e.block_number, "tx_hash": e.tx_hash}

        # Run openings (rows of kind "run") are no anchors: they show in the runs, with their block.  Nor are
        # refutations (the registry stores no anchor for them): they show with the erasure requests.
        anchors = [self._anchor(r, names, challenged, resolved, expired) for r in rows
                   if r.kind not in ("dataset", "run", "refutation")]
        by_hash = {a["statement_hash"]: a for a in anchors}
        datasets = [self._dataset(r, names, anchors) for r in rows if r.kind == "dataset"]
        runs = []
        for report in found["runs"]:
            run = report.to_json()
            run["institution_name"] = names.get(report.institution, report.institution_name)
            runs.append(run)
        aggregates = []
        for row in rows:
            if row.kind != "aggregate":
                continue
            a = by_hash[row.statement_hash]
            members = []
            for i, h in enumerate(row.members):
                who = row.member_institutions[i] if i < len(row.member_institutions) else ""
                member = by_hash.get(h)
                members.append({"statement_hash": h, "institution": who, "institution_name": names.get(who, ""),
                                "model": member["inputs"][3]["hex"] if member and len(member["inputs"]) > 3 else ""})
            aggregates.append({**{k: a[k] for k in ("statement_hash", "institution", "institution_name", "circuit_id",
                                                    "block", "tx_hash", "status", "audit")},
                               "previous_model": hex32(row.inputs[1]) if row.inputs else "",
                               "global_model": hex32(row.inputs[-1]) if row.inputs else "",
                               "members": members})
        requests = found["requests"]
        for r in requests:
            r["institution_name"] = names.get(r.get("institution", ""), r.get("institution_name", ""))
        erasures = {
            "supported": found["erasure_supported"],
            "requests": requests,
            "answers": [a["statement_hash"] for a in anchors if a["kind"] == "erasure"],
            "refutations": [self._refutation(r, names) for r in rows if r.kind == "refutation"],
            "superseded": found["superseded"],
        }
        institutions = [self._institution(addr, names, anchors, runs, requests) for addr in registry.institutions()]
        return {
            "head": {"block": head, "hash": head_hash, "timestamp": now},
            "registry": self.registry_info(),
            "institutions": institutions,
            "datasets": datasets,
            "anchors": anchors,
            "runs": runs,
            "aggregates": aggregates,
            "erasures": erasures,
            "expired_datasets": found["expired"],
            "circuits": self._circuits(circuits_onchain),
            "statements": {"directories": [str(d) for d in self.statements.directories],
                           "count": len(self.statements.by_inputs), "skipped": self.statements.skipped[:50]},
        }

    def registry_info(self) -> dict:
        """The deployment record's facts (not the ABI)."""
        r = self.record
        return {"address": r.registry, "chain_id": r.chain_id, "deploy_block": r.block, "deploy_tx": r.tx_hash,
                "deployer": r.deployer, "version": r.registry_version, "challenge_window": r.challenge_window,
                "erasure_deadline": getattr(r, "erasure_deadline", 0)}

    def _anchor(self, row: AuditRow, names: dict, challenged: dict, resolved: dict, expired: dict) -> dict:
        sh = row.statement_hash
        known = self.statements.find(row.inputs) if row.inputs else None
        labels = input_names(row.kind, len(row.inputs), known)
        inputs = [{"name": n, "value": str(v), "hex": hex32(v) if v < 2**256 else str(v)} for n, v in zip(labels, row.inputs)]
        proof_tx = row.tx_hash if row.kind != "optimistic" else (resolved[sh]["tx_hash"] if sh in resolved else None)
        settled = "expired" if sh in expired else ("resolved " + ("valid" if resolved[sh]["valid"] else "invalid")
                                                   if sh in resolved else "")
        return {
            "statement_hash": sh,
            "kind": row.kind,  # verified, optimistic, aggregate, erasure or validity
            "circuit_id": row.circuit_id,
            "circuit_id_hex": "0x" + circuit_id_bytes(row.circuit_id).hex(),
            "institution": row.institution,
            "institution_name": names.get(row.institution, row.institution_name),
            "dataset": row.dataset,
            "block": row.block,
            "tx_hash": row.tx_hash,
            "proof_tx": proof_tx,
            "status": row.onchain,
            "settled": settled,
            "challenge": challenged.get(sh),
            "inputs": inputs,
            "run_id": row.run_id,
            "segment": row.segment,
            "total": row.total,
            "expired_data": row.expired_data,
            "superseded": bool(getattr(row, "superseded", False)),
            "superseded_by": getattr(row, "superseded_by", ""),
            "new_dataset": getattr(row, "new_dataset", ""),
            "request_ids": [int(v) for v in getattr(row, "request_ids", ())],
            "statement": known.summary() if known is not None else None,
            "audit": {"offchain": row.offchain, "verdict": row.verdict, "note": row.note},
        }

    @staticmethod
    def _refutation(row: AuditRow, names: dict) -> dict:
        """A refutation: the requests it settled, the leaves it shows absent and the audit's re-check."""
        return {
            "statement_hash": row.statement_hash,
            "institution": row.institution,
            "institution_name": names.get(row.institution, row.institution_name),
            "dataset": row.dataset,
            "circuit_id": row.circuit_id,
            "block": row.block,
            "tx_hash": row.tx_hash,
            "request_ids": [int(v) for v in row.request_ids],
            "leaves": [hex32(v) for v in row.inputs[2:]],
            "audit": {"offchain": row.offchain, "verdict": row.verdict, "note": row.note},
        }

    def _dataset(self, row: AuditRow, names: dict, anchors: list[dict]) -> dict:
        commitment = int(row.dataset, 16)
        view = self.registry.dataset(row.institution, commitment)
        mine = [a for a in anchors if a["dataset"] == row.dataset and a["institution"] == row.institution]
        erased_into = int(getattr(view, "erased_into", 0))
        erased_from = int(getattr(view, "erased_from", 0))
        return {
            "institution": row.institution,
            "institution_name": names.get(row.institution, row.institution_name),
            "commitment": row.dataset,
            "commitment_decimal": str(commitment),
            "block": row.block,
            "tx_hash": row.tx_hash,
            "timestamp": view.timestamp,
            "expires_at": row.expires_at,
            "expired": row.expired_data,
            "metadata_hash": view.metadata_hash,
            "anchor_count": view.anchor_count,
            "erased_at": int(getattr(view, "erased_at", 0)),
            "erased_into": hex32(erased_into) if erased_into else "",
            "erased_from": hex32(erased_from) if erased_from else "",
            "trainings": [a["statement_hash"] for a in mine if a["kind"] in ("verified", "optimistic")],
            "validity_anchors": [a["statement_hash"] for a in mine if a["kind"] == "validity"],
            "validity": [s.summary() for s in self.statements.validity_of(row.institution, commitment)],
        }

    def _institution(self, address: str, names: dict, anchors: list[dict], runs: list[dict], requests: list[dict]) -> dict:
        info = self.registry.institution(address)
        mine = [a for a in anchors if a["institution"] == address]
        trainings = [a for a in mine if a["kind"] in ("verified", "optimistic")]
        lost = [a for a in mine if a["challenge"] is not None and a["status"] == "invalid"]
        asked = [r for r in requests if str(r.get("institution", "")).lower() == address.lower()]
        counts = {s: sum(a["status"] == s for a in mine) for s in STATUSES}
        return {
            "address": address,
            "name": names.get(address, ""),
            "status": info.status,
            "since_block": info.since_block,
            "dataset_count": info.dataset_count,
            "record": {
                "anchors": len(trainings),
                "aggregates": sum(a["kind"] == "aggregate" for a in mine),
                "erasures": sum(a["kind"] == "erasure" for a in mine),
                "validity_claims": sum(a["kind"] == "validity" for a in mine),
                **counts,
                "challenges_lost": len(lost),
                "runs": sum(r["institution"] == address for r in runs),
                "broken_runs": sum(r["institution"] == address and r["status"] == "broken" for r in runs),
                "audit_mismatches": sum(a["audit"]["verdict"] == "mismatch" for a in mine),
                "superseded_models": sum(a["superseded"] for a in mine),
                "erasure_requests": len(asked),
                "overdue_requests": sum(r.get("status") == "overdue" for r in asked),
                "pending_requests": sum(r.get("status") == "pending" for r in asked),
                "refuted_requests": sum(r.get("status") == "refuted" for r in asked),
            },
        }

    def _circuits(self, onchain: dict) -> list[dict]:
        out = []
        for cid_hex in self.registry_circuit_ids():
            view = self.registry.circuit(cid_hex)
            event = onchain.get(cid_hex, {})
            record = self.record.find_circuit(cid_hex)
            matches = (record is not None and record.verifier.lower() == view.verifier.lower()
                       and record.circuit_hash.lower() == view.circuit_hash.lower()
                       and record.n_public == view.n_public and record.spec_digest == view.spec_digest)
            out.append({
                "name": circuit_id_text(bytes.fromhex(cid_hex[2:])),
                "circuit_id": cid_hex,
                "verifier": view.verifier,
                "n_public": view.n_public,
                "kind": view.kind,
                "circuit_hash": view.circuit_hash,
                "spec_digest": str(view.spec_digest),
                "public_start": str(view.public_start),
                "description": str(event.get("description", "")),
                "description_hash": view.description_hash,
                "registered_block": view.registered_at,
                "in_deployment_record": record is not None,
                "record_matches_chain": matches,
                "vk": record.vk if record is not None else None,
            })
        return out

    def registry_circuit_ids(self) -> list[str]:
        """Registered circuit ids as 0x hex, in registration order."""
        raw = self.chain.call(self.registry.contract.functions.circuitIds())
        return ["0x" + bytes(r).hex() for r in raw]
