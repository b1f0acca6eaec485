"""The Python side of anchoring: hashes and ids as the contract computes them, deployment
records, decoded events, error sentences, and the audit's verdicts (anchors, checkpoint runs,
aggregates, expired data; erasures and validity claims with toy proofs — the real ones are in
test_registry_rights.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from zkanchor.anchor import audit, audit_report, format_report, format_table, run_reports
from zkanchor.anchor.deployment import (
    CircuitRecord,
    DeploymentRecord,
    deployment_from_json,
    load_deployment,
    record_for,
    save_deployment,
)
from zkanchor.anchor.encoding import (
    circuit_id_bytes,
    circuit_id_text,
    hex32,
    parse_commitment,
    proof_from_words,
    proof_hash,
    proof_words,
    statement_hash,
)
from zkanchor.anchor.errors import ERROR_MEANINGS
from zkanchor.anchor.registry import Registry
from zkanchor.bn254.constants import R
from zkanchor.errors import ChainError, FieldError, FormatError, InputError
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.paths import node_modules_dir

from test_registry_contract import (  # noqa: F401  (fixtures are used by name)
    CIRCUIT,
    CIRCUIT_HASH,
    ERASURE,
    ERASURE_DEADLINE,
    PUBLIC_START,
    REFUTE,
    SCHEMA,
    SPEC_DIGEST,
    VALIDITY,
    WINDOW,
    base_world,
    batching_institution,
    keys4,
    refutation_circuit,
    build_world,
    erasure,
    helpers,
    keys3,
    keys5,
    make_keys,
    mine,
    module_chain,
    register_aggregation,
    rights_circuits,
    run_circuit,
    statement,
    tamper,
    world,
)

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")


def circuit_record(circuit_id: str, verifier: str, vk, kind: str = "training", circuit_hash: str = CIRCUIT_HASH,
                   public_start: int = 0) -> CircuitRecord:
    return CircuitRecord("0x" + circuit_id_bytes(circuit_id).hex(), verifier, 5, kind=kind, circuit_hash=circuit_hash,
                         spec_digest=SPEC_DIGEST if kind == "training" else SPEC_DIGEST + 1, public_start=public_start,
                         description="toy", vk=vk_to_json(vk) if vk is not None else None)


def record_of(w, with_vk: bool = True) -> DeploymentRecord:
    record = record_for(w.registry, None).with_circuit(
        circuit_record(CIRCUIT, w.verifier.address, w.keys.vk if with_vk else None))
    for cid, kind, start in (("toy-run", "training", PUBLIC_START), ("toy-agg", "aggregation", 0)):
        if w.registry.circuit(cid).exists:
            record = record.with_circuit(circuit_record(cid, w.verifier.address, w.keys.vk if with_vk else None, kind,
                                                        public_start=start))
    return record


def advance_time(chain, seconds: int) -> None:
    """Move the chain's clock forward and mine a block there."""
    if chain.kind == "embedded":
        tester = chain.w3.provider.ethereum_tester
        tester.time_travel(chain.w3.eth.get_block("latest")["timestamp"] + seconds)
        tester.mine_blocks(1)
    else:
        chain.w3.provider.make_request("evm_increaseTime", [seconds])
        chain.w3.provider.make_request("evm_mine", [])


# ---------------------------------------------------------------- hashes and ids

def test_hashes_are_the_contracts(world):
    fn = world.registry.contract.functions
    _, proof, public = world.anchored()
    assert statement_hash(CIRCUIT, public) == world.chain.call(fn.statementHashOf(circuit_id_bytes(CIRCUIT), public))
    a, b, c = proof_words(proof)
    assert proof_hash(proof) == world.chain.call(fn.proofHashOf(a, b, c))
    assert proof_from_words(a, b, c) == proof
    assert statement_hash(CIRCUIT, public) != statement_hash("other", public)
    assert statement_hash(CIRCUIT, public) != statement_hash(CIRCUIT, public[:4] + [public[4] + 1])


def test_circuit_ids():
    raw = circuit_id_bytes("linreg-v1")
    assert raw == b"linreg-v1" + bytes(23) and circuit_id_text(raw) == "linreg-v1"
    hexed = "0x" + "ab" * 32
    assert circuit_id_bytes(hexed) == bytes.fromhex("ab" * 32) and circuit_id_text(circuit_id_bytes(hexed)) == hexed
    assert circuit_id_text(b"\x01" + bytes(31)) == "0x01" + "00" * 31
    for bad in ("", "x" * 33, "with space", "naïve", "0x" + "00" * 32, b"short"):
        with pytest.raises(InputError):
            circuit_id_bytes(bad)


def test_commitments_parse_as_field_elements():
    assert parse_commitment(12345) == parse_commitment("12345") == parse_commitment("0x3039") == 12345
    assert parse_commitment(R - 1) == R - 1
    assert hex32(12345) == "0x" + "0" * 60 + "3039"
    for bad in (0, R, "0x", "12a", True, None, -1):
        with pytest.raises((InputError, FieldError)):
            parse_commitment(bad)


def test_every_custom_error_has_a_meaning(world):
    errors = {e["name"] for e in world.registry.abi if e["type"] == "error"}
    assert errors == set(ERROR_MEANINGS)


# ---------------------------------------------------------------- deployment records

def test_deployment_record_round_trip(world, tmp_path):
    record = record_of(world)
    assert (record.registry, record.deployer, record.registry_version, record.challenge_window) == (
        world.registry.address, world.admin, "2.3.0", WINDOW)
    assert record.erasure_deadline == ERASURE_DEADLINE == world.registry.erasure_deadline()
    path = tmp_path / "deployment.json"
    save_deployment(record, path)
    loaded = load_deployment(path)
    assert loaded == record
    assert loaded.find_circuit(CIRCUIT).verifier == world.verifier.address
    assert loaded.find_circuit("0x" + circuit_id_bytes(CIRCUIT).hex()).name == CIRCUIT
    assert loaded.find_circuit("unknown") is None
    attached = Registry.attach(world.chain, loaded)
    assert attached.circuit(CIRCUIT).verifier == world.verifier.address


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.update(format="something else"), "not a zkanchor registry deployment"),
    (lambda d: d.update(format_version=99), "format_version"),
    (lambda d: d.update(format_version=1), "version-1 record"),
    (lambda d: d.pop("registry"), "no 'registry' field"),
    (lambda d: d.update(registry="0x1234"), "not an Ethereum address"),
    (lambda d: d.update(chain_id="1"), "'chain_id' has the wrong type"),
    (lambda d: d.update(abi=[]), "not a zkanchor registry ABI"),
    (lambda d: d.update(challenge_window=0), "challenge_window"),
    (lambda d: d.update(erasure_deadline=-1), "erasure_deadline"),
    (lambda d: d.update(erasure_deadline="6"), "'erasure_deadline' has the wrong type"),
    (lambda d: d["circuits"][CIRCUIT].update(circuit_id="0x12"), "circuit_id"),
    (lambda d: d.update(circuits={"renamed": d["circuits"][CIRCUIT]}), "filed under 'renamed'"),
    (lambda d: d["circuits"][CIRCUIT].update(vk="not a key"), "'vk'"),
    (lambda d: d["circuits"][CIRCUIT].update(kind="inference"), "'kind'"),
    (lambda d: d["circuits"][CIRCUIT].pop("circuit_hash"), "no 'circuit_hash' field"),
    (lambda d: d["circuits"][CIRCUIT].update(spec_digest=33), "'spec_digest' has the wrong type"),
    (lambda d: d["circuits"][CIRCUIT].update(public_start=str(R)), "'public_start' must be a decimal field element"),
    (lambda d: d.update(abi=[e for e in d["abi"] if e.get("name") != "anchorSegment"]), "without anchorSegment"),
])
def test_malformed_deployment_records_are_refused(world, damage, message):
    data = json.loads(json.dumps(record_of(world).to_json()))
    damage(data)
    with pytest.raises(FormatError, match=message):
        deployment_from_json(data)


def test_a_record_without_an_erasure_deadline_reads_as_a_registry_before_2_1(world):
    data = json.loads(json.dumps(record_of(world).to_json()))
    data.pop("erasure_deadline")
    assert deployment_from_json(data).erasure_deadline == 0


def test_a_registry_without_rights_functions_says_so(world):
    old = Registry(world.chain, world.registry.address, [e for e in world.registry.abi if "rasure" not in e.get("name", "")])
    with pytest.raises(ChainError, match="predates registry 2.1"):
        old.request_erasure(world.alice, 5, 7, sender=world.outsider)
    assert old.erasure_deadline() == 0


def test_a_registry_without_open_run_says_so_and_is_not_asked_to_open(world):
    w = world
    old = Registry(w.chain, w.registry.address, [e for e in w.registry.abi if e.get("name") != "openRun"])
    commitment = w.dataset()
    with pytest.raises(ChainError, match="predates registry 2.2"):
        old.open_run("run", run_circuit(w), commitment, 2, PUBLIC_START, sender=w.alice)
    # Before 2.2 segment 0 opened its run itself: the client sends it as it is (this registry,
    # a 2.2 one behind an old ABI, then refuses it).
    mine(w.chain, 1)
    proof, public = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 99))
    with pytest.raises(ChainError, match="RunNotOpen"):
        old.anchor_segment("toy-run", "run", 0, 2, proof, public, sender=w.alice)
    assert not w.registry.run(w.alice, "run").exists


def test_unreadable_deployment_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_deployment(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        load_deployment(tmp_path / "bad.json")


def test_attach_refuses_another_chain_or_no_contract(world):
    record = record_of(world)
    from dataclasses import replace

    with pytest.raises(ChainError, match="chain id"):
        Registry.attach(world.chain, replace(record, chain_id=record.chain_id + 1))
    with pytest.raises(ChainError, match="no contract"):
        Registry.attach(world.chain, replace(record, registry=world.outsider))


# ---------------------------------------------------------------- events and views

def federated_round(w, previous: int, models: dict, global_model: int):
    """Members anchor training from ``previous`` to their model on toy-run; Carol aggregates."""
    r, cid = w.registry, run_circuit(w)
    if not r.circuit("toy-agg").exists:
        register_aggregation(r, "toy-agg", w.verifier.address, 5, w.admin)
    carol = w.chain.accounts[4]
    if r.institution(carol).status != "active":
        r.register_institution(carol, "Carol Aggregator", sender=w.admin)
    members = []
    for who, model in models.items():
        proof, public = w.keys.prove(statement(who, w.dataset(who), previous, model))
        mine(w.chain, 1)
        r.anchor_training(cid, proof, public, sender=who)
        members.append((cid, public))
    proof, public = w.keys.prove([int(carol, 16), previous, *models.values(), global_model])
    return r.anchor_aggregate("toy-agg", proof, public, members, sender=carol).value, members, carol


def test_every_event_kind_is_decoded(world, keys3, keys4):
    r, w = world.registry, world
    rights_circuits(w, keys3)
    refutation_circuit(w, keys4)
    r.revoke_institution(w.bob, sender=w.admin)
    r.transfer_admin(w.admin, sender=w.admin)
    commitment, proof, public = w.anchored()
    verified = r.anchor_training(CIRCUIT, proof, public, sender=w.alice).value
    _, proof2, public2 = w.anchored()
    resolved = r.anchor_optimistic(CIRCUIT, public2, proof=proof2, sender=w.alice).value
    r.challenge(resolved, sender=w.outsider)
    r.resolve(CIRCUIT, proof2, public2, sender=w.outsider)
    segment = r.anchor_segment(run_circuit(w), "events", 0, 2, *w.keys.prove(statement(w.alice, commitment)),
                               sender=w.alice).value
    r.register_institution(w.bob, "Bob Bank", sender=w.admin)
    aggregate, members, carol = federated_round(w, PUBLIC_START, {w.alice: 601, w.bob: 602}, 700)
    _, proof3, public3 = w.anchored()
    expired = r.anchor_optimistic(CIRCUIT, public3, proof=proof3, sender=w.alice).value
    r.challenge(expired, sender=w.outsider)
    mine(w.chain, WINDOW)
    r.expire(expired, sender=w.outsider)
    requested = [r.request_erasure(w.alice, commitment, leaf, sender=w.outsider).value for leaf in (71, 72)]
    erased = r.anchor_erasure(ERASURE, *erasure(w, w.alice, commitment, 9090, (71, 72)), requested, sender=w.alice).value
    bogus = r.request_erasure(w.alice, 9090, 7001, sender=w.outsider).value
    refuted = r.refute_erasure(REFUTE, *keys4.prove([int(w.alice, 16), 9090, 7001, 7002]), [bogus], sender=w.alice).value
    claimed = r.anchor_validity(VALIDITY, *keys3.prove([int(w.alice, 16), 9090, SCHEMA]), sender=w.alice).value

    events = r.events()
    assert {e.name for e in events} == {e["name"] for e in r.abi if e["type"] == "event"}
    assert events == sorted(events, key=lambda e: (e.block_number, e.log_index))
    by_name = {}
    for e in events:
        by_name.setdefault(e.name, e)  # the first of each kind
    assert by_name["InstitutionRevoked"].args == {"institution": w.bob}
    assert by_name["TrainingAnchored"].args == {
        "statementHash": verified, "institution": w.alice, "datasetCommitment": commitment,
        "circuitId": "0x" + circuit_id_bytes(CIRCUIT).hex(),
    }
    assert by_name["SegmentAnchored"].args == {
        "runId": "0x" + circuit_id_bytes("events").hex(), "institution": w.alice, "index": 0, "statementHash": segment}
    assert by_name["RunOpened"].args == {  # segment 0 opened its run first
        "runId": "0x" + circuit_id_bytes("events").hex(), "institution": w.alice, "datasetCommitment": commitment,
        "circuitId": "0x" + circuit_id_bytes("toy-run").hex(), "total": 2, "startWeights": 11}
    assert by_name["RunOpened"].block_number < by_name["SegmentAnchored"].block_number
    assert by_name["AggregateAnchored"].args["statementHash"] == aggregate
    assert by_name["AggregateAnchored"].args["members"] == ["0x" + statement_hash(c, p).hex() for c, p in members]
    assert by_name["AnchorExpired"].args["statementHash"] == expired
    assert by_name["CircuitRegistered"].args["description"] == "toy training statement"
    assert by_name["DatasetAnchored"].args["expiresAt"] == 0
    assert by_name["ErasureRequested"].args == {"requestId": requested[0], "owner": w.alice,
                                                "datasetCommitment": commitment, "leaf": 71, "requester": w.outsider,
                                                "deadline": by_name["ErasureRequested"].block_number + ERASURE_DEADLINE}
    assert by_name["ErasureAnchored"].args == {
        "statementHash": erased, "institution": w.alice, "datasetCommitment": commitment, "newCommitment": 9090,
        "circuitId": "0x" + circuit_id_bytes(ERASURE).hex(), "requestIds": requested}
    assert by_name["ValidityAnchored"].args == {
        "statementHash": claimed, "institution": w.alice, "datasetCommitment": 9090,
        "circuitId": "0x" + circuit_id_bytes(VALIDITY).hex(), "schemaDigest": SCHEMA}
    assert by_name["ErasureRefuted"].args == {
        "statementHash": refuted, "institution": w.alice, "datasetCommitment": 9090,
        "circuitId": "0x" + circuit_id_bytes(REFUTE).hex(), "requestIds": [bogus]}
    assert [e.args["statementHash"] for e in r.erasures(w.alice)] == [erased] and r.erasures(w.bob) == []
    # Filtering by name and by block range.
    assert [e.name for e in r.events(names=("AnchorResolved",))] == ["AnchorResolved"]
    last = events[-1].block_number
    assert [e.name for e in r.events(from_block=last)] == ["ValidityAnchored"]
    # The event index answers "by institution" and "by dataset" (of an institution).
    assert [e.args["statementHash"] for e in r.anchors_of(w.alice)][:4] == [verified, resolved, segment,
                                                                             "0x" + statement_hash(*members[0]).hex()]
    assert [e.args["statementHash"] for e in r.anchors_of_dataset(commitment, w.alice)] == [verified, segment]
    assert r.anchors_of_dataset(commitment, w.bob) == []
    assert r.dataset(w.alice, commitment).anchor_count == 2
    assert r.datasets_of(w.alice)[:3] == [commitment, public2[1], members[0][1][1]]
    assert r.datasets_of(w.alice)[-1] == 9090 and r.dataset(w.alice, commitment).erased_into == 9090


def test_decode_call_recovers_the_proof(world):
    _, proof, public = world.anchored()
    tx = world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)
    name, params = world.registry.decode_call(tx.tx_hash)
    assert name == "anchorTraining"
    assert proof_from_words(params["a"], params["b"], params["c"]) == proof
    assert list(params["inputs"]) == public


# ---------------------------------------------------------------- audit

def test_audit_reports_every_anchor_and_its_status(world, helpers):
    r, w = world.registry, world
    dataset, proof, public = w.anchored()
    verified = r.anchor_training(CIRCUIT, proof, public, sender=w.alice).value
    _, proof, public = w.anchored()
    valid = r.anchor_optimistic(CIRCUIT, public, proof=proof, sender=w.alice).value
    r.resolve(CIRCUIT, proof, public, sender=w.outsider)
    _, proof, public = w.anchored(w.bob)
    invalid = r.anchor_optimistic(CIRCUIT, public, proof=tamper(proof), sender=w.bob).value
    r.resolve(CIRCUIT, tamper(proof), public, sender=w.outsider)
    _, proof, public = w.anchored()
    pending = r.anchor_optimistic(CIRCUIT, public, proof=proof, sender=w.alice).value
    _, proof, public = w.anchored()
    expired = r.anchor_optimistic(CIRCUIT, public, proof=proof, sender=w.alice).value
    r.challenge(expired, sender=w.outsider)
    mine(w.chain, WINDOW)
    r.expire(expired, sender=w.outsider)
    # A contract institution's anchor: its transaction's calldata is not a registry call.
    batcher = batching_institution(w, helpers)
    w.next_dataset += 1
    w.chain.transact(batcher.functions.dataset(w.next_dataset), gas=500_000)
    bproof, bpublic = w.keys.prove(statement(batcher.address, w.next_dataset))
    a, b, c = proof_words(bproof)
    w.chain.transact(batcher.functions.training(circuit_id_bytes(CIRCUIT), a, b, c, bpublic), gas=1_500_000)
    through = "0x" + statement_hash(CIRCUIT, bpublic).hex()

    rows = audit(w.chain, record_of(w))
    trainings = {row.statement_hash: row for row in rows if row.kind != "dataset"}
    seen = {sh: (row.kind, row.onchain, row.offchain, row.verdict) for sh, row in trainings.items()}
    assert seen == {
        verified: ("verified", "valid", "valid", "ok"),
        valid: ("optimistic", "valid", "valid", "ok"),
        invalid: ("optimistic", "invalid", "invalid", "ok"),
        pending: ("optimistic", "pending", "-", "unchecked"),
        expired: ("optimistic", "invalid", "-", "ok"),
        through: ("verified", "valid", "-", "unchecked"),
    }
    assert trainings[verified].institution_name == "Alice Hospital"
    assert trainings[invalid].institution == w.bob and trainings[invalid].institution_name == "Bob Bank"
    assert trainings[verified].inputs == tuple(world.registry.decode_call(trainings[verified].tx_hash)[1]["inputs"])
    assert "never revealed" in trainings[expired].note
    assert "another contract" in trainings[through].note
    datasets = [row for row in rows if row.kind == "dataset"]
    assert hex32(dataset) in {row.dataset for row in datasets}
    assert all(row.onchain == "anchored" for row in datasets)
    assert run_reports(rows) == []

    table = format_table(rows)
    assert "Alice Hospital" in table and "Bob Bank" in table
    assert table.splitlines()[-1] == "6 dataset(s), 6 training anchor(s): 10 ok, 0 mismatch, 2 unchecked"
    assert json.loads(json.dumps([row.to_json() for row in rows]))  # JSON-ready


def test_audit_reports_runs_complete_in_progress_and_broken(world):
    r, w = world.registry, world
    cid = run_circuit(w)
    commitment = w.dataset()
    mine(w.chain, 1)

    def segment(run: str, index: int, total: int, w0: int, w1: int, optimistic: bool = False, bad: bool = False):
        proof, public = w.keys.prove(statement(w.alice, commitment, w0, w1))
        if optimistic:
            return r.anchor_segment_optimistic(cid, run, index, total, public, proof=tamper(proof) if bad else proof,
                                               sender=w.alice).value, proof, public
        return r.anchor_segment(cid, run, index, total, proof, public, sender=w.alice).value, proof, public

    segment("complete", 0, 2, PUBLIC_START, 11_001)
    segment("complete", 1, 2, 11_001, 11_002)
    segment("going", 0, 3, PUBLIC_START, 12_001)
    last = segment("going", 1, 3, 12_001, 12_002)[0]
    segment("broken", 0, 3, PUBLIC_START, 13_001)
    sh, proof, public = segment("broken", 1, 3, 13_001, 13_002, optimistic=True, bad=True)
    assert r.resolve(cid, tamper(proof), public, sender=w.outsider).value is False
    idle = r.open_run("idle", cid, commitment, 4, PUBLIC_START, sender=w.alice)  # declared, never proven

    rows = audit(w.chain, record_of(w))
    assert {row.verdict for row in rows} == {"ok"}
    segments = [row for row in rows if row.segment is not None]
    assert {(row.run_id, row.segment, row.total) for row in segments} == {
        ("complete", 0, 2), ("complete", 1, 2), ("going", 0, 3), ("going", 1, 3), ("broken", 0, 3), ("broken", 1, 3)}
    openings = [row for row in rows if row.kind == "run"]
    assert [(row.run_id, row.total, row.onchain, row.start_weights) for row in openings] == [
        (name, total, "opened", hex32(PUBLIC_START)) for name, total in (("complete", 2), ("going", 3), ("broken", 3),
                                                                          ("idle", 4))]
    reports = {rep.run_id: rep for rep in run_reports(rows)}
    assert list(reports) == ["complete", "going", "broken", "idle"]
    assert {k: v.status for k, v in reports.items()} == {
        "complete": "complete", "going": "in progress", "broken": "broken", "idle": "in progress"}
    going = reports["going"]
    assert (going.segments, going.last_index, going.last_weights, going.statement_hashes[-1]) == (2, 1, hex32(12_002), last)
    assert going.last_block == r.run(w.alice, "going").last_block
    assert going.opened_block == r.run(w.alice, "going").opened_at == openings[1].block
    assert going.note.startswith(f"opened in block {going.opened_block}, 2 of 3 segments; last checkpoint: segment 1 of 3")
    assert "segment(s) 1 invalid" in reports["broken"].note and reports["complete"].note == ""
    assert (reports["idle"].segments, reports["idle"].opened_block, reports["idle"].note) == (
        0, idle.block_number, f"opened in block {idle.block_number}, 0 of 4 segments")
    table = format_table(rows)
    assert "\nRUNS\n" in table and "going#1/3" in table and "idle opened/4" in table
    assert table.splitlines()[-1].startswith("1 dataset(s), 6 training anchor(s), 4 run(s) (1 complete, 2 in progress, 1 broken)")


def test_audit_lists_aggregates_with_their_members(world):
    w = world
    aggregate, members, carol = federated_round(w, PUBLIC_START, {w.alice: 801, w.bob: 802}, 900)
    rows = audit(w.chain, record_of(w))
    [row] = [row for row in rows if row.kind == "aggregate"]
    assert (row.statement_hash, row.institution, row.institution_name, row.onchain, row.offchain, row.verdict) == (
        aggregate, carol, "Carol Aggregator", "valid", "valid", "ok")
    assert row.members == tuple("0x" + statement_hash(c, p).hex() for c, p in members)
    assert row.member_institutions == (w.alice, w.bob)
    table = format_table(rows)
    assert "\nAGGREGATES\n" in table and "Alice Hospital, Bob Bank" in table
    assert ", 1 aggregate(s): " in table.splitlines()[-1]
    # With the aggregation circuit's key missing, the aggregate is unchecked, not a mismatch.
    record = record_of(w)
    record = record.with_circuit(circuit_record("toy-agg", w.verifier.address, None, "aggregation"))
    [row] = [row for row in audit(w.chain, record) if row.kind == "aggregate"]
    assert (row.offchain, row.verdict) == ("-", "unchecked")


def test_audit_flags_training_on_data_past_its_retention_expiry(world):
    r, w = world.registry, world
    now = w.chain.w3.eth.get_block("latest")["timestamp"]
    w.next_dataset += 1
    r.anchor_dataset(w.next_dataset, expires_at=now + 1_000, sender=w.alice)
    proof, public = w.keys.prove(statement(w.alice, w.next_dataset))
    kept = r.anchor_training(CIRCUIT, proof, public, sender=w.alice).value
    [row] = [row for row in audit(w.chain, record_of(w)) if row.statement_hash == kept]
    assert not row.expired_data and row.expires_at == now + 1_000
    advance_time(w.chain, 2_000)
    rows = audit(w.chain, record_of(w))
    [row] = [row for row in rows if row.statement_hash == kept]
    assert row.expired_data and "served from expired data" in row.note and row.verdict == "ok"
    [data] = [row for row in rows if row.kind == "dataset" and row.dataset == hex32(w.next_dataset)]
    assert data.expired_data and "retention ended" in data.note
    assert ", 1 served from expired data: " in format_table(rows).splitlines()[-1]
    [listed] = [d for d in audit_report(w.chain, record_of(w)).expired if d.dataset == hex32(w.next_dataset)]
    assert listed.models == (kept,) and "1 model(s) trained on it are served from expired data" in listed.sentence()


def test_audit_from_a_block_keeps_the_history_as_context(world):
    # Rows start at --from-block, but circuits, datasets and names registered before it still count.
    _, proof, public = world.anchored()
    tx = world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)
    rows = audit(world.chain, record_of(world), from_block=tx.block_number)
    assert [(row.kind, row.verdict, row.institution_name) for row in rows] == [("verified", "ok", "Alice Hospital")]
    assert audit(world.chain, record_of(world), from_block=world.chain.w3.eth.block_number + 5) == []


def test_audit_catches_a_verifier_that_accepts_anything(module_chain, keys5, helpers):
    # The admin registered a rubber stamp: the registry accepts a forged proof, the audit must not.
    chain, _ = module_chain
    stamp = chain.deploy(helpers["RubberStampVerifier"])
    w = build_world(chain, keys5, verifier=stamp)
    _, proof, public = w.anchored()
    forged = tamper(proof)
    w.registry.anchor_training(CIRCUIT, forged, public, sender=w.alice)
    record = record_for(w.registry, None).with_circuit(circuit_record(CIRCUIT, stamp.address, keys5.vk))
    [row] = [row for row in audit(chain, record) if row.kind != "dataset"]
    assert (row.onchain, row.offchain, row.verdict) == ("valid", "invalid", "mismatch")


def test_audit_with_the_wrong_key_or_none(world):
    _, proof, public = world.anchored()
    world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)
    [row] = [r for r in audit(world.chain, record_of(world, with_vk=False)) if r.kind != "dataset"]
    assert (row.offchain, row.verdict, row.note) == ("-", "unchecked", "no verification key for this circuit")
    wrong = make_keys(5).vk
    [row] = [r for r in audit(world.chain, record_of(world), vks={CIRCUIT: wrong}) if r.kind != "dataset"]
    assert (row.offchain, row.verdict) == ("invalid", "mismatch")
    # A record whose key is bound to another circuit than the registry's is not used.
    record = record_of(world).with_circuit(circuit_record(CIRCUIT, world.verifier.address, world.keys.vk,
                                                          circuit_hash="0x" + "d2" * 32))
    [row] = [r for r in audit(world.chain, record) if r.kind != "dataset"]
    assert row.verdict == "unchecked" and "bound to circuit" in row.note


def test_audit_checks_erasures_and_validity_claims(world, keys3):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    commitment = w.dataset()
    model = r.anchor_training(CIRCUIT, *w.keys.prove(statement(w.alice, commitment)), sender=w.alice).value
    r.open_run("cut", run_circuit(w), commitment, 3, PUBLIC_START, sender=w.alice)  # then its data is erased
    ids = [r.request_erasure(w.alice, commitment, leaf, sender=w.outsider).value for leaf in (81, 82, 83)]
    erased = r.anchor_erasure(ERASURE, *erasure(w, w.alice, commitment, 9191, (81, 82)), ids[:2], sender=w.alice).value
    erased_block = r.dataset(w.alice, commitment).erased_at
    r.anchor_validity(VALIDITY, *keys3.prove([int(w.alice, 16), 9191, SCHEMA]), sender=w.alice)
    record = record_of(w)
    for cid, kind, digest, keys in ((ERASURE, "erasure", 35, w.keys), (VALIDITY, "validity", SCHEMA, keys3)):
        record = record.with_circuit(CircuitRecord("0x" + circuit_id_bytes(cid).hex(), r.circuit(cid).verifier, keys.n,
                                                   kind, CIRCUIT_HASH, digest, vk=vk_to_json(keys.vk)))
    report = audit_report(w.chain, record)
    rows = {row.kind: row for row in report.rows if row.kind in ("erasure", "validity")}
    assert (rows["erasure"].verdict, rows["erasure"].offchain, rows["erasure"].request_ids) == ("ok", "valid", tuple(ids[:2]))
    assert (rows["validity"].verdict, rows["validity"].dataset) == ("ok", hex32(9191))
    [superseded] = report.superseded
    assert (superseded.statement_hash, superseded.erasure, superseded.retrained_by) == (model, erased, "")
    assert [(q.request_id, q.status) for q in report.requests] == [(ids[0], "answered"), (ids[1], "answered"),
                                                                   (ids[2], "pending")]
    text = format_report(report)
    assert "\nSUPERSEDED MODELS\n" in text and f"request {ids[2]} for Alice Hospital's dataset" in text
    [cut] = report.runs
    assert cut.status == "in progress" and cut.note.endswith(
        f"0 of 3 segments; its dataset was erased in block {erased_block}: no segment can extend it")
    # The same erasure with a key that is not the verifier's: the audit disagrees with the registry.
    wrong = record.with_circuit(CircuitRecord("0x" + circuit_id_bytes(ERASURE).hex(), r.circuit(ERASURE).verifier, 5,
                                              "erasure", CIRCUIT_HASH, 35, vk=vk_to_json(make_keys(5).vk)))
    [row] = [row for row in audit(w.chain, wrong) if row.kind == "erasure"]
    assert (row.offchain, row.verdict) == ("invalid", "mismatch")
