"""Data subjects' rights on chain, with real proofs built through the library.

An institution (Alice) commits a dataset of 8 records and hands out receipts; data subjects
file erasure requests naming their records' leaves; Alice answers with erasure proofs
(``make_erasure`` + ``ErasureOpening``) and proves a validity claim about the data
(``ValidityStatement`` + ``claim_for``), all proven with ``Prover(KeyStore(cache=tmp))``,
checked on chain by verifiers deployed with ``deploy_verifier`` and registered with the
circuit hash and spec digest recompiled from each statement's spec.  Training itself is
anchored with the toy training circuit of test_registry_contract.py (its statement layout
is all the registry sees of a training proof).

The proofs are made once per module (two small circuits: an erasure of 2 of 8 records, and
the schema), with seeded keys so that reruns find their verifiers compiled in the cache;
each test starts from a snapshot of one world.
"""

from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

from zkanchor.anchor import CircuitRecord, audit_report, format_report, record_for
from zkanchor.anchor.encoding import circuit_id_bytes, hex32, statement_hash
from zkanchor.chain import Chain, connect
from zkanchor.commit import Dataset, commit
from zkanchor.commit.receipts import make_receipts, save_receipts
from zkanchor.groth16.generator import ToxicWaste, setup
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.paths import node_modules_dir
from zkanchor.proofs import KeyStore, ProofBundle, Prover
from zkanchor.solidity.onchain import deploy_verifier
from zkanchor.statements import ErasureOpening, ValidityOpening, ValidityStatement, claim_for, erase, make_erasure
from zkanchor.statements.base import circuit_hash_of

from anvil import anvil_path
from test_registry_contract import (
    CIRCUIT_HASH,
    SPEC_DIGEST,
    Keys,
    Registry,
    deploy_registry,
    expect,
    mine,
    revert_to,
    statement,
    statement_circuit,
    take_snapshot,
    tamper,
)

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

TRAIN = "toy-train"
ERASE2, SCHEMA = "erasure-8x2", "schema-v1"
DEADLINE = 8  # blocks to answer an erasure request
SALT = 0x5EED_5A17


def hospital_data() -> Dataset:
    """8 patients: an id, one feature in [-0.4, 0.4], a 0/1 label."""
    rng = np.random.default_rng(7)
    x = np.stack([np.arange(8) * 256, rng.integers(-100, 100, size=8)], axis=1)
    y = np.array([0, 1, 0, 1, 1, 0, 1, 0]) * 256
    return Dataset(x, y, 8, 16, ("patient_id", "x"), "label")


@dataclass
class Proofs:
    """Everything proven once: the dataset and its receipts, two erasures and a validity claim."""

    data: Dataset
    c_d: int
    receipts: list
    erase2: ProofBundle  # C_D -> C_D' removing the records of rows 2 and 5
    erase_next: ProofBundle  # C_D' -> C_D'' removing rows 6 and 0 (the same circuit)
    validity: ProofBundle  # C_D satisfies the schema
    dirs: dict  # name -> saved bundle directory (for the CLI)

    @property
    def c_d1(self) -> int:
        return self.erase2.statement.after

    @property
    def c_d2(self) -> int:
        return self.erase_next.statement.after

    def leaf(self, row: int) -> int:
        return self.receipts[row].leaf


@pytest.fixture(scope="module")
def chain(request) -> Chain:
    return connect(request.getfixturevalue("anvil_url")) if anvil_path() is not None else connect()


@pytest.fixture(scope="module")
def proofs(chain, tmp_path_factory) -> Proofs:
    alice = int(chain.accounts[1], 16)
    base = tmp_path_factory.mktemp("rights")
    prover = Prover(KeyStore(cache=base / "keys", seed="zkanchor tests/test_registry_rights.py"))
    data = hospital_data()
    c_d = commit(data, SALT, alice)
    receipts = make_receipts(data, SALT, alice)
    first = make_erasure(alice, data, SALT, [receipts[2].leaf, receipts[5].leaf])
    erase2 = prover.prove(first, ErasureOpening(data, SALT))
    after = erase(data, SALT, [receipts[2].leaf, receipts[5].leaf])
    erase_next = prover.prove(make_erasure(alice, after, SALT, [receipts[6].leaf, receipts[0].leaf]),
                              ErasureOpening(after, SALT))
    claim = claim_for(data, {"x": (-0.5, 0.5)}, labels=(0.0, 1.0), min_records=8, positive=1.0, min_positive=2,
                      max_positive=6, key_column="patient_id")
    validity = prover.prove(ValidityStatement(claim, alice, c_d), ValidityOpening(data, SALT))
    dirs = {name: bundle.save(base / name) for name, bundle in (("erase2", erase2), ("validity", validity))}
    save_receipts(receipts, base / "receipts")
    dirs["receipts"] = base / "receipts"
    assert first.before == c_d and erase2.public_inputs()[:3] == [alice, c_d, first.after]
    return Proofs(data, c_d, receipts, erase2, erase_next, validity, dirs)


@dataclass
class World:
    chain: Chain
    registry: Registry
    proofs: Proofs
    train: Keys
    admin: str
    alice: str
    bob: str
    subject: str  # a data subject: no registered institution

    def record(self):
        """The deployment record with every circuit and its verification key (what an auditor has)."""
        record = record_for(self.registry, None)
        for cid in self.registry.circuit_ids():
            info = self.registry.circuit(cid)
            vk = {TRAIN: self.train.vk, ERASE2: self.proofs.erase2.vk, SCHEMA: self.proofs.validity.vk}.get(cid)
            record = record.with_circuit(CircuitRecord(
                "0x" + circuit_id_bytes(cid).hex(), info.verifier, info.n_public, info.kind, info.circuit_hash,
                info.spec_digest, info.public_start, description=DESCRIPTIONS.get(cid, ""),
                vk=vk_to_json(vk) if vk is not None else None))
        return record

    def train_on(self, dataset: int, w: int = 22):
        """Alice's (toy) training statement over ``dataset``: a model is its C_W."""
        return self.train.prove(statement(self.alice, dataset, 11, w))

    def request(self, row: int, dataset: int | None = None, owner: str | None = None) -> int:
        return self.registry.request_erasure(owner or self.alice, dataset or self.proofs.c_d, self.proofs.leaf(row),
                                             sender=self.subject).value

    def answer(self, bundle: ProofBundle, ids: list[int]):
        return self.registry.anchor_erasure(ERASE2, bundle.proof, bundle.public_inputs(), ids, sender=self.alice)


DESCRIPTIONS: dict[str, str] = {}


def register(registry: Registry, cid: str, bundle: ProofBundle, chain: Chain, admin: str) -> None:
    spec = bundle.statement.spec
    DESCRIPTIONS[cid] = spec.describe()
    verifier = deploy_verifier(chain, bundle.vk)
    registry.register_circuit(cid, verifier.address, len(bundle.public_inputs()), spec.kind, circuit_hash_of(spec).hash,
                              spec.digest(), description=spec.describe(), sender=admin)


@pytest.fixture(scope="module")
def base(chain, proofs) -> World:
    admin, alice, bob, subject = chain.accounts[0], chain.accounts[1], chain.accounts[2], chain.accounts[6]
    registry = deploy_registry(chain, sender=admin, challenge_window=2, erasure_deadline=DEADLINE)
    registry.register_institution(alice, "St. Mary's", sender=admin)
    registry.register_institution(bob, "Bob Bank", sender=admin)
    # The toy training key, with a fixed trapdoor: the same verifier every run (compiled once).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-party setup warning is expected here
        train = Keys(setup(statement_circuit([1] * 5)[0], ToxicWaste(2, 3, 5, 7, 11)), 5)
    registry.register_circuit(TRAIN, deploy_verifier(chain, train.vk).address, 5, "training", CIRCUIT_HASH,
                              SPEC_DIGEST, sender=admin)
    register(registry, ERASE2, proofs.erase2, chain, admin)
    register(registry, SCHEMA, proofs.validity, chain, admin)
    now = chain.w3.eth.get_block("latest")["timestamp"]
    registry.anchor_dataset(proofs.c_d, expires_at=now + 100_000, sender=alice)
    registry.anchor_dataset(555, sender=alice)  # another dataset of Alice's
    registry.anchor_dataset(proofs.c_d, sender=bob)  # the same number in Bob's namespace: Bob's dataset
    mine(chain, 1)
    return World(chain, registry, proofs, train, admin, alice, bob, subject)


@pytest.fixture
def w(base) -> World:
    snapshot = take_snapshot(base.chain)
    yield base
    revert_to(base.chain, snapshot)


# ---------------------------------------------------------------- erasure

def test_the_circuits_are_registered_by_kind(w):
    assert [w.registry.circuit(c).kind for c in (TRAIN, ERASE2, SCHEMA)] == ["training", "erasure", "validity"]
    assert w.registry.circuit(SCHEMA).spec_digest == w.proofs.validity.public_inputs()[2]
    assert w.registry.circuit(ERASE2).n_public == 5
    assert w.proofs.erase_next.circuit_hash == w.proofs.erase2.circuit_hash  # one circuit answers both


def test_request_then_answer_marks_it_answered(w):
    r, p = w.registry, w.proofs
    model = r.anchor_training(TRAIN, *w.train_on(p.c_d), sender=w.alice).value
    first, second = w.request(2), w.request(5)
    assert [r.erasure_request(i).status for i in (first, second)] == ["pending", "pending"]
    assert r.erasure_request(first).leaf == p.receipts[2].leaf  # what the subject's receipt holds
    tx = w.answer(p.erase2, [first, second])
    assert tx.value == "0x" + statement_hash(ERASE2, p.erase2.public_inputs()).hex()
    for rid in (first, second):
        info = r.erasure_request(rid)
        assert (info.status, info.answered_block, info.late) == ("answered", tx.block_number, False)
    old, new = r.dataset(w.alice, p.c_d), r.dataset(w.alice, p.c_d1)
    assert (old.erased_at, old.erased_into, new.erased_from) == (tx.block_number, p.c_d1, p.c_d)
    assert new.expires_at == old.expires_at  # the retention period of the data goes with it
    assert not r.dataset(w.bob, p.c_d).erased  # Bob's dataset of the same number is Bob's
    print(f"\nanchorErasure with a real proof (2 requests, n = 8): {tx.gas_used:,} gas")

    # Training over the erased dataset is refused, in every form; over the new one it is accepted.
    proof, public = w.train_on(p.c_d, 23)
    for call, args in ((r.anchor_training, (TRAIN, proof, public)), (r.anchor_optimistic, (TRAIN, public)),
                       (r.anchor_segment, (TRAIN, "run", 0, 2, proof, public)),
                       (r.open_run, ("run", TRAIN, p.c_d, 2, public[2]))):
        kwargs = {"proof": proof} if call == r.anchor_optimistic else {}
        error = expect("DatasetErased", call, *args, sender=w.alice, **kwargs)
        assert error.detail.endswith(f", {p.c_d}, {p.c_d1}")  # it names the dataset to use instead
    assert r.anchor(model).status == "valid"  # what was anchored stays: the audit calls it superseded
    mine(w.chain, 1)
    retrained = r.anchor_training(TRAIN, *w.train_on(p.c_d1, 33), sender=w.alice)
    assert r.anchor(retrained.value).status == "valid" and r.dataset(w.alice, p.c_d1).anchor_count == 1


def test_an_answer_that_is_not_the_requests_is_refused(w):
    r, p = w.registry, w.proofs
    first, second, third = w.request(2), w.request(5), w.request(3)
    proof, public = p.erase2.proof, p.erase2.public_inputs()
    # The proof erases rows 2 and 5: a request for row 3 is not answered by it, nor is the order free.
    error = expect("ErasureLeafMismatch", r.anchor_erasure, ERASE2, proof, public, [first, third], sender=w.alice)
    assert error.detail == f"{third}, {p.leaf(3)}, {p.leaf(5)}"
    expect("ErasureLeafMismatch", r.anchor_erasure, ERASE2, proof, public, [second, first], sender=w.alice)
    # A request about another dataset of Alice's, or to another institution, is not hers to answer here.
    elsewhere = w.request(5, dataset=555)
    expect("ErasureRequestOtherDataset", r.anchor_erasure, ERASE2, proof, public, [first, elsewhere], sender=w.alice)
    to_bob = w.request(5, owner=w.bob)
    expect("ErasureRequestOtherInstitution", r.anchor_erasure, ERASE2, proof, public, [first, to_bob], sender=w.alice)
    expect("ErasureRequestCount", r.anchor_erasure, ERASE2, proof, public, [first], sender=w.alice)
    # Bob cannot answer with Alice's proof, even for requests addressed to him.
    expect("InstitutionInputMismatch", r.anchor_erasure, ERASE2, proof, public, [to_bob, to_bob], sender=w.bob)
    assert {q.status for q in r.erasure_requests()} == {"pending"}
    assert not r.dataset(w.alice, p.c_d).erased and not r.dataset(w.alice, p.c_d1).anchored
    w.answer(p.erase2, [first, second])
    again = w.request(0)
    expect("ErasureRequestAnswered", r.anchor_erasure, ERASE2, p.erase_next.proof, p.erase_next.public_inputs(),
           [first, again], sender=w.alice)


def test_a_forged_erasure_proof_is_refused(w):
    r, p = w.registry, w.proofs
    ids = [w.request(2), w.request(5)]
    proof, public = p.erase2.proof, p.erase2.public_inputs()
    expect("ProofRejected", r.anchor_erasure, ERASE2, tamper(proof), public, ids, sender=w.alice)
    # The real proof, claimed for another new commitment (one that might still hold the records).
    expect("ProofRejected", r.anchor_erasure, ERASE2, proof, public[:2] + [public[2] + 1] + public[3:], ids,
           sender=w.alice)
    # ... or for other leaves: request a record the proof does not erase and swap its leaf in.
    other = [ids[0], w.request(3)]
    expect("ProofRejected", r.anchor_erasure, ERASE2, proof, public[:4] + [p.leaf(3)], other, sender=w.alice)
    # A proof of another circuit under this one's id has the wrong shape; nor is it an erasure circuit.
    expect("WrongInputCount", r.anchor_erasure, ERASE2, p.validity.proof, p.validity.public_inputs(), [],
           sender=w.alice)
    expect("WrongCircuitKind", r.anchor_erasure, SCHEMA, proof, public, ids, sender=w.alice)
    assert {q.status for q in r.erasure_requests()} == {"pending"} and not r.dataset(w.alice, p.c_d).erased


def test_requests_follow_the_record_into_the_new_dataset(w):
    r, p = w.registry, w.proofs
    first, second, six, zero = w.request(2), w.request(5), w.request(6), w.request(0)  # all name C_D
    w.answer(p.erase2, [first, second])
    # Rows 6 and 0 are in C_D' unchanged: the erasure of C_D' answers the requests about C_D.
    tx = w.answer(p.erase_next, [six, zero])
    assert r.erasure_request(six).answered_block == r.erasure_request(zero).answered_block == tx.block_number
    assert r.current_dataset(w.alice, p.c_d).commitment == p.c_d2
    assert r.dataset(w.alice, p.c_d2).erased_from == p.c_d1


def test_an_unanswered_request_past_its_deadline_is_overdue_in_the_audit(w):
    r, p = w.registry, w.proofs
    rid = w.request(7)
    due = r.erasure_request(rid).deadline
    mine(w.chain, due - w.chain.w3.eth.block_number + 3)
    head = w.chain.w3.eth.block_number
    assert r.erasure_request(rid).status == "overdue" and [q.request_id for q in r.overdue_erasure_requests()] == [rid]
    report = audit_report(w.chain, w.record())
    [request] = report.requests
    assert (request.status, request.deadline, request.head, request.institution_name) == ("overdue", due, head,
                                                                                         "St. Mary's")
    sentence = f"request {rid} for St. Mary's dataset {hex32(p.c_d)[:8]}…{hex32(p.c_d)[-4:]} is OVERDUE: due block {due}, now {head}"
    assert request.sentence() == sentence
    text = format_report(report)
    assert sentence in text and "St. Mary's: 1 request(s): 1 OVERDUE" in text
    assert report.to_json()["overdue"] == 1


def test_validity_is_anchored_and_shown(w):
    r, p = w.registry, w.proofs
    proof, public = p.validity.proof, p.validity.public_inputs()
    expect("ProofRejected", r.anchor_validity, SCHEMA, tamper(proof), public, sender=w.alice)
    expect("InstitutionInputMismatch", r.anchor_validity, SCHEMA, proof, public, sender=w.bob)
    tx = r.anchor_validity(SCHEMA, proof, public, sender=w.alice)
    info = r.validity(w.alice, p.c_d)
    assert (info.schema_digest, info.statement_hash, info.circuit_id, info.block_number, info.claims) == (
        p.validity.statement.spec.digest(), tx.value, SCHEMA, tx.block_number, 1)
    assert not r.validity(w.bob, p.c_d).exists
    report = audit_report(w.chain, w.record())
    [claim] = report.validity
    assert (claim.dataset, claim.offchain, claim.verdict, claim.institution_name) == (hex32(p.c_d), "valid", "ok",
                                                                                      "St. Mary's")
    assert "no two records share a patient_id" in claim.claim and "labels in {0, 1}" in claim.sentence()
    assert "\nVALIDITY CLAIMS\n" in format_report(report)


def test_the_audit_of_the_whole_story(w):
    r, p = w.registry, w.proofs
    now = w.chain.w3.eth.get_block("latest")["timestamp"]
    model = r.anchor_training(TRAIN, *w.train_on(p.c_d), sender=w.alice).value
    r.anchor_validity(SCHEMA, p.validity.proof, p.validity.public_inputs(), sender=w.alice)
    first, second, third, fourth = w.request(2), w.request(5), w.request(6), w.request(0)
    erasure = w.answer(p.erase2, [first, second]).value
    mine(w.chain, 1)
    retrained = r.anchor_training(TRAIN, *w.train_on(p.c_d1, 33), sender=w.alice).value
    mine(w.chain, DEADLINE)
    w.answer(p.erase_next, [third, fourth])  # past their deadlines
    again = w.request(2)  # a duplicate: the record is already gone
    overdue = w.request(7)
    mine(w.chain, DEADLINE + 1)
    w.chain.w3.provider.make_request("evm_increaseTime", [200_000]) if w.chain.kind != "embedded" else \
        w.chain.w3.provider.ethereum_tester.time_travel(now + 200_000)
    mine(w.chain, 1)

    report = audit_report(w.chain, w.record())
    assert {row.verdict for row in report.rows} == {"ok"}, [row.note for row in report.rows if row.verdict != "ok"]
    kinds = [row.kind for row in report.rows if row.kind != "dataset"]
    assert kinds == ["verified", "validity", "erasure", "verified", "erasure"]
    [first_erasure] = [row for row in report.rows if row.statement_hash == erasure]
    assert (first_erasure.offchain, first_erasure.request_ids, first_erasure.new_dataset) == (
        "valid", (first, second), hex32(p.c_d1))
    status = {q.request_id: q.status for q in report.requests}
    assert status == {first: "answered", second: "answered", third: "answered late", fourth: "answered late",
                      again: "covered", overdue: "overdue"}
    # Superseded: the first model (retrained over C_D') and the retrained one (C_D' was erased in turn).
    superseded = {m.statement_hash: m for m in report.superseded}
    assert set(superseded) == {model, retrained}
    assert (superseded[model].erasure, superseded[model].retrained_by, superseded[model].request_ids) == (
        erasure, retrained, (first, second))
    assert superseded[retrained].retrained_by == "" and "not retrained" in superseded[retrained].sentence()
    # Retention: C_D' and C_D'' inherit C_D's expiry; every model trained on them is served from expired data.
    assert {d.dataset for d in report.expired} == {hex32(p.c_d), hex32(p.c_d1), hex32(p.c_d2)}
    assert all(row.expired_data for row in report.rows if row.kind == "verified")
    text = format_report(report)
    for words in (f"request {third} for St. Mary's dataset", "was answered LATE in block",
                  f"request {again} for St. Mary's dataset", "its record was erased in block",
                  "SUPERSEDED; retrained over", "served from expired data", "\nEXPIRED DATA\n",
                  "St. Mary's: 6 request(s): 2 answered, 2 answered late, 1 covered, 1 OVERDUE"):
        assert words in text, (words, text)
    assert text.splitlines()[-1].startswith("5 dataset(s), 2 training anchor(s), 2 erasure(s), 1 validity claim(s), "
                                            "6 erasure request(s) (2 answered, 2 answered late, 1 covered, 1 overdue), "
                                            "2 superseded model(s), 2 served from expired data: ")
    assert json.loads(json.dumps(report.to_json()))["erasure_requests"][0]["sentence"]


# ---------------------------------------------------------------- the CLI

def test_the_rights_commands(w, capsys, monkeypatch, request):
    from zkanchor.cli import main as cli_main

    if w.chain.kind == "embedded":
        pytest.skip("the CLI needs a node")
    url = request.getfixturevalue("anvil_url")
    for name in ("ZKANCHOR_RPC", "ZKANCHOR_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    p = w.proofs
    folder = p.dirs["receipts"].parent

    def cli(*argv, code: int = 0):
        capsys.readouterr()
        got = cli_main.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert got == code, (argv, out, err)
        return json.loads(out) if "--json" in argv and code != 2 else (out, err)

    dep = folder / "deployment.json"
    deployed = cli("registry-deploy", "-o", dep, "--rpc", url, "--erasure-deadline", 4, "--json")
    assert deployed["erasure_deadline"] == 4 and json.loads(dep.read_text())["erasure_deadline"] == 4
    cli("register-institution", dep, 1, "--name", "St. Mary's")
    for cid, name in ((ERASE2, "erase2"), (SCHEMA, "validity")):
        bundle = {"erase2": p.erase2, "validity": p.validity}[name]
        out = cli("register-circuit", dep, bundle.info["keys"]["path"], "--circuit-id", cid, "--statement",
                  p.dirs[name], "--json")
        assert out["kind"] == bundle.statement.spec.kind and out["spec_digest"] == str(bundle.statement.spec.digest())
    cli("anchor-dataset", dep, "--commitment", p.c_d, "--account", 1)
    receipt = p.dirs["receipts"] / "receipt-000002.json"
    first = cli("request-erasure", dep, "--receipt", receipt, "--account", 6, "--json")
    assert (first["request_id"], first["leaf"], first["dataset"]) == (1, hex32(p.leaf(2)), hex32(p.c_d))
    out, _ = cli("request-erasure", dep, "--owner", 1, "--commitment", hex32(p.c_d), "--leaf", p.leaf(5),
                 "--account", 6)
    assert out.startswith("erasure request 2 filed with") and "due by block" in out
    _, err = cli("request-erasure", dep, "--receipt", receipt, "--commitment", 555, "--account", 6, code=2)
    assert "the receipt is for dataset" in err
    _, err = cli("request-erasure", dep, "--commitment", 555, "--leaf", 5, "--account", 6, code=2)
    assert "--owner" in err
    _, err = cli("anchor-erasure", dep, p.dirs["validity"], "--circuit-id", ERASE2, "--account", 1, code=2)
    assert "holds a validity proof" in err
    _, err = cli("anchor-erasure", dep, p.dirs["erase2"], "--circuit-id", ERASE2, "--request", 1, "--account", 1,
                 code=2)
    assert "one per leaf" in err
    # Without --request, the pending requests naming the proof's leaves are the ones answered.
    answered = cli("anchor-erasure", dep, p.dirs["erase2"], "--circuit-id", ERASE2, "--account", 1, "--json")
    assert answered["request_ids"] == [1, 2] and answered["new_dataset"] == hex32(p.c_d1)
    claim = cli("anchor-validity", dep, p.dirs["validity"], "--circuit-id", SCHEMA, "--account", 1, "--json")
    assert claim["anchored"] and "patient_id" in claim["claim"]
    cli("request-erasure", dep, "--owner", 1, "--commitment", p.c_d, "--leaf", p.leaf(7), "--account", 6)
    mine(w.chain, 6)
    report = cli("audit", dep, "--json")
    assert report["mismatches"] == 0 and report["overdue"] == 1
    assert [q["status"] for q in report["erasure_requests"]] == ["answered", "answered", "overdue"]
    text, _ = cli("audit", dep)
    assert "request 3 for St. Mary's dataset" in text and "is OVERDUE: due block" in text
    assert "\nVALIDITY CLAIMS\n" in text and "St. Mary's: 3 request(s): 2 answered, 1 OVERDUE" in text
