"""The registry against an adversary: one test per refusal that guards dataset namespaces,
spec digests, checkpoint runs (their opening and every segment) and federated aggregates,
each with the custom error it must raise and a check that nothing was recorded.  Plus the
audit's verdict on a run whose optimistic segment turned out invalid, and on one opened and
never proven.

Proofs are real Groth16 proofs of small toy circuits (their constraints only tie each public
input to a private value), one setup per circuit; the training and the aggregation circuits
have separate keys and verifiers.  Runs on a throwaway anvil node when there is one (fast
pairing), else on the embedded chain; each test starts from a snapshot of one world.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from zkanchor.anchor import CircuitRecord, audit, record_for, run_reports
from zkanchor.anchor.encoding import circuit_id_bytes, hex32, proof_hash, proof_words, run_id_bytes, statement_hash
from zkanchor.chain import Chain, connect
from zkanchor.errors import ChainError
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.paths import node_modules_dir
from zkanchor.solidity.onchain import deploy_verifier

from anvil import anvil_path
from test_registry_contract import (
    CIRCUIT_HASH,
    SPEC_DIGEST,
    Keys,
    Registry,
    deploy_registry,
    expect,
    make_keys,
    mine,
    revert_to,
    statement,
    take_snapshot,
    tamper,
)

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

TRAIN = "adv-train"  # training circuit whose runs start from START
OTHER = "adv-other"  # another training circuit with the same spec digest (and key)
FREE = "adv-free"  # a training circuit (same key) with no public start: runs start where they say
AGG = "adv-agg"  # aggregation circuit: [aggregator, C_prev, C_1, C_2, C_G]
START = 11  # the public initial weights of TRAIN and OTHER
WINDOW = 2


@dataclass
class Adversarial:
    chain: Chain
    registry: Registry
    train: Keys
    agg: Keys
    admin: str
    alice: str
    bob: str
    carol: str  # an aggregator
    dave: str  # another aggregator
    next_value: int = 50_000

    def fresh(self) -> int:
        self.next_value += 1
        return self.next_value

    def dataset(self, who: str) -> int:
        """A fresh dataset commitment anchored by ``who``, with a block mined after it."""
        commitment = self.fresh()
        self.registry.anchor_dataset(commitment, sender=who)
        mine(self.chain, 1)
        return commitment

    def training(self, who: str, dataset: int, w0: int, w: int, digest: int = SPEC_DIGEST):
        return self.train.prove(statement(who, dataset, w0, w, digest))

    def member(self, who: str, w0: int, w: int, circuit: str = TRAIN, dataset: int | None = None):
        """``who`` trains from w0 to w on a fresh dataset; the verified anchor's (circuit, public) pair."""
        proof, public = self.training(who, dataset or self.dataset(who), w0, w)
        self.registry.anchor_training(circuit, proof, public, sender=who)
        return circuit, public

    def aggregate(self, who: str, previous: int, models: list[int], global_model: int):
        return self.agg.prove([int(who, 16), previous, *models, global_model])


@pytest.fixture(scope="module")
def base(request) -> Adversarial:
    chain = connect(request.getfixturevalue("anvil_url")) if anvil_path() is not None else connect()
    admin, alice, bob, carol, dave = chain.accounts[:5]
    train, agg = make_keys(5), make_keys(5)
    registry = deploy_registry(chain, sender=admin, challenge_window=WINDOW)
    train_verifier, agg_verifier = deploy_verifier(chain, train.vk), deploy_verifier(chain, agg.vk)
    for who, name in ((alice, "Alice Hospital"), (bob, "Bob Bank"), (carol, "Carol Aggregator"), (dave, "Dave")):
        registry.register_institution(who, name, sender=admin)
    for cid, start in ((TRAIN, START), (OTHER, START), (FREE, 0)):
        registry.register_circuit(cid, train_verifier.address, 5, "training", CIRCUIT_HASH, SPEC_DIGEST, start,
                                  sender=admin)
    registry.register_circuit(AGG, agg_verifier.address, 5, "aggregation", CIRCUIT_HASH, SPEC_DIGEST + 1, sender=admin)
    return Adversarial(chain, registry, train, agg, admin, alice, bob, carol, dave)


@pytest.fixture
def adv(base) -> Adversarial:
    snapshot = take_snapshot(base.chain)
    yield base
    revert_to(base.chain, snapshot)


def not_anchored(a: Adversarial, circuit: str, public: list[int]) -> None:
    assert a.registry.anchor(statement_hash(circuit, public)).kind == "none"


# ---------------------------------------------------------------- datasets and statements

def test_squatting_a_commitment_blocks_nobody(adv):
    a = adv
    # Bob sees Alice's commitment (e.g. in the mempool or her paper) and anchors it first.
    commitment = a.fresh()
    a.registry.anchor_dataset(commitment, sender=a.bob)
    mine(a.chain, 1)
    proof, public = a.training(a.alice, commitment, 1, 2)
    # Bob's anchor is Bob's: it does not stand in for Alice's...
    expect("DatasetNotAnchored", a.registry.anchor_training, TRAIN, proof, public, sender=a.alice)
    # ...and Alice's proof names Alice, so Bob cannot anchor it on his.
    expect("InstitutionInputMismatch", a.registry.anchor_training, TRAIN, proof, public, sender=a.bob)
    not_anchored(a, TRAIN, public)
    # Alice still anchors her dataset and trains on it.
    a.registry.anchor_dataset(commitment, sender=a.alice)
    mine(a.chain, 1)
    sh = a.registry.anchor_training(TRAIN, proof, public, sender=a.alice).value
    assert a.registry.anchor(sh).institution == a.alice
    assert a.registry.dataset(a.alice, commitment).anchor_count == 1
    assert a.registry.dataset(a.bob, commitment).anchor_count == 0


def test_spec_digest_mismatch(adv):
    a = adv
    dataset = a.dataset(a.alice)
    # A valid proof of a statement claiming another spec (another model, epochs, learning rate...).
    proof, public = a.training(a.alice, dataset, START, 2, digest=SPEC_DIGEST + 7)
    error = expect("SpecDigestMismatch", a.registry.anchor_training, TRAIN, proof, public, sender=a.alice)
    assert error.detail == f"{SPEC_DIGEST}, {SPEC_DIGEST + 7}"
    expect("SpecDigestMismatch", a.registry.anchor_optimistic, TRAIN, public, proof=proof, sender=a.alice)
    expect("SpecDigestMismatch", a.registry.anchor_segment, TRAIN, "run", 0, 2, proof, public, sender=a.alice)
    expect("SpecDigestMismatch", a.registry.anchor_segment_optimistic, TRAIN, "run", 0, 2, public, proof=proof,
           sender=a.alice)
    not_anchored(a, TRAIN, public)
    assert not a.registry.run(a.alice, "run").exists


# ---------------------------------------------------------------- checkpoint runs

def open_run(a: Adversarial, run: str = "run", total: int = 4, first_weights: int = 101):
    """Alice's run over a fresh dataset, opened and segment 0 anchored (START -> first_weights)."""
    dataset = a.dataset(a.alice)
    a.registry.open_run(run, TRAIN, dataset, total, START, sender=a.alice)
    proof, public = a.training(a.alice, dataset, START, first_weights)
    a.registry.anchor_segment(TRAIN, run, 0, total, proof, public, sender=a.alice)
    return dataset


def test_a_run_lives_in_the_namespace_of_who_opened_it(adv):
    a = adv
    dataset = a.dataset(a.alice)
    a.registry.open_run("run", TRAIN, dataset, 4, START, sender=a.alice)
    # Bob cannot open a run over Alice's dataset: his namespace holds no such dataset...
    expect("DatasetNotAnchored", a.registry.open_run, "run", TRAIN, dataset, 4, START, sender=a.bob)
    # ...and the run he opens under the same id, over his own anchor of the number, is his.
    a.registry.anchor_dataset(dataset, sender=a.bob)
    mine(a.chain, 1)
    a.registry.open_run("run", TRAIN, dataset, 2, START, sender=a.bob)
    assert (a.registry.run(a.alice, "run").total, a.registry.run(a.bob, "run").total) == (4, 2)
    # Nor can Bob extend Alice's run: her proof is refused from him, and his own extend his run.
    proof, public = a.training(a.alice, dataset, START, 101)
    expect("InstitutionInputMismatch", a.registry.anchor_segment, TRAIN, "run", 0, 4, proof, public, sender=a.bob)
    a.registry.anchor_segment(TRAIN, "run", 0, 2, *a.training(a.bob, dataset, START, 201), sender=a.bob)
    assert (a.registry.run(a.alice, "run").segments, a.registry.run(a.bob, "run").segments) == (0, 1)
    a.registry.anchor_segment(TRAIN, "run", 0, 4, proof, public, sender=a.alice)
    assert a.registry.run(a.alice, "run").last_weights == 101


def test_a_segment_must_be_what_its_run_was_opened_for(adv):
    a = adv
    r = a.registry
    dataset, other = a.dataset(a.alice), a.dataset(a.alice)
    r.open_run("run", TRAIN, dataset, 4, START, sender=a.alice)
    # Opened over one dataset, segment 0 over another (Alice's own, properly anchored).
    proof, public = a.training(a.alice, other, START, 101)
    expect("CheckpointDatasetMismatch", r.anchor_segment, TRAIN, "run", 0, 4, proof, public, sender=a.alice)
    expect("CheckpointDatasetMismatch", r.anchor_segment_optimistic, TRAIN, "run", 0, 4, public, proof=proof,
           sender=a.alice)
    not_anchored(a, TRAIN, public)
    # Opened for one circuit, segment 0 under another (same key, spec digest and public start).
    proof, public = a.training(a.alice, dataset, START, 101)
    error = expect("CheckpointCircuitMismatch", r.anchor_segment, OTHER, "run", 0, 4, proof, public, sender=a.alice)
    assert "0x" + circuit_id_bytes(TRAIN).hex()[:8] in error.detail
    not_anchored(a, OTHER, public)
    # Opened for 4 segments, segment 0 "of 3".
    expect("CheckpointTotalMismatch", r.anchor_segment, TRAIN, "run", 0, 3, proof, public, sender=a.alice)
    # Opened from C_W0 = 777 (a circuit with no public start), segment 0 from other weights.
    r.open_run("free", FREE, dataset, 2, 777, sender=a.alice)
    proof7, public7 = a.training(a.alice, dataset, 778, 102)
    error = expect("CheckpointStartMismatch", r.anchor_segment, FREE, "free", 0, 2, proof7, public7, sender=a.alice)
    assert error.detail.endswith(", 777, 778")
    not_anchored(a, FREE, public7)
    assert (r.run(a.alice, "run").segments, r.run(a.alice, "free").segments) == (0, 0)
    r.anchor_segment(TRAIN, "run", 0, 4, proof, public, sender=a.alice)  # what the run was opened for
    r.anchor_segment(FREE, "free", 0, 2, *a.training(a.alice, dataset, 777, 102), sender=a.alice)


def test_a_run_cannot_be_opened_twice(adv):
    a = adv
    r = a.registry
    dataset = open_run(a)
    before = r.run(a.alice, "run")
    # Reopening would reset the run (a new start, dataset, length or circuit): a fork of its start.
    for circuit, data, total, start in ((TRAIN, dataset, 4, START), (TRAIN, a.dataset(a.alice), 4, START),
                                        (TRAIN, dataset, 9, START), (OTHER, dataset, 4, START), (FREE, dataset, 4, 5)):
        error = expect("CheckpointFork", r.open_run, "run", circuit, data, total, start, sender=a.alice)
        assert error.detail.endswith(", 0")
    # Nor does another segment 0 restart it.
    expect("CheckpointFork", r.anchor_segment, TRAIN, "run", 0, 4, *a.training(a.alice, dataset, START, 555),
           sender=a.alice)
    assert r.run(a.alice, "run") == before
    # A run opened and not yet proven cannot be reset either.
    r.open_run("idle", FREE, dataset, 2, 5, sender=a.alice)
    expect("CheckpointFork", r.open_run, "idle", FREE, dataset, 2, 6, sender=a.alice)
    assert r.run(a.alice, "idle").last_weights == 5
    assert [e.args["runId"] for e in r.runs_opened(a.alice)] == ["0x" + run_id_bytes(x).hex() for x in ("run", "idle")]


def test_a_segment_cannot_race_the_opening_of_its_run(adv):
    a = adv
    dataset = a.dataset(a.alice)
    proof, public = a.training(a.alice, dataset, START, 101)
    # Sent straight to the registry (no client opening the run first), segment 0 of a run that is
    # not open yet is refused, verified or optimistic...
    fn = a.registry.contract.functions
    words = proof_words(proof)
    with pytest.raises(ChainError, match="RunNotOpen"):
        a.chain.transact(fn.anchorSegment(circuit_id_bytes(TRAIN), run_id_bytes("run"), 0, 4, *words, public),
                         sender=a.alice, gas=1_000_000)
    with pytest.raises(ChainError, match="RunNotOpen"):
        a.chain.transact(fn.anchorSegmentOptimistic(circuit_id_bytes(TRAIN), run_id_bytes("run"), 0, 4, public,
                                                    proof_hash(proof)), sender=a.alice, gas=1_000_000)
    # ...and so is any later one.
    error = expect("RunNotOpen", a.registry.anchor_segment, TRAIN, "run", 1, 4, *a.training(a.alice, dataset, 101, 102),
                   sender=a.alice)
    assert error.detail == "0x" + run_id_bytes("run").hex()
    not_anchored(a, TRAIN, public)
    assert not a.registry.run(a.alice, "run").exists
    # Once openRun has landed, the same segment extends the run.
    a.registry.open_run("run", TRAIN, dataset, 4, START, sender=a.alice)
    a.registry.anchor_segment(TRAIN, "run", 0, 4, proof, public, sender=a.alice)


def test_a_run_opened_and_never_proven_is_in_progress(adv):
    a = adv
    dataset = a.dataset(a.alice)
    opened = a.registry.open_run("idle", TRAIN, dataset, 5, START, sender=a.alice)
    info = a.registry.run(a.alice, "idle")
    assert (info.segments, info.last_index, info.last_weights, info.last_block, info.opened_at) == (
        0, -1, START, 0, opened.block_number)
    rows = audit(a.chain, record_for(a.registry, None))
    [row] = [r for r in rows if r.kind == "run"]
    assert (row.run_id, row.total, row.onchain, row.verdict, row.block, row.start_weights, row.dataset) == (
        "idle", 5, "opened", "ok", opened.block_number, hex32(START), hex32(dataset))
    [report] = run_reports(rows)
    assert (report.run_id, report.status, report.segments, report.total, report.opened_block) == (
        "idle", "in progress", 0, 5, opened.block_number)
    assert (report.last_index, report.last_block, report.last_weights, report.statement_hashes) == (-1, 0, hex32(START), ())
    assert report.note == f"opened in block {opened.block_number}, 0 of 5 segments"


def test_segment_gap(adv):
    a = adv
    dataset = open_run(a)
    proof, public = a.training(a.alice, dataset, 101, 102)
    error = expect("CheckpointGap", a.registry.anchor_segment, TRAIN, "run", 2, 4, proof, public, sender=a.alice)
    assert error.detail.endswith(", 1, 2")  # expected 1, given 2
    # A run nobody opened cannot be joined in the middle either.
    expect("RunNotOpen", a.registry.anchor_segment, TRAIN, "never-opened", 1, 4, proof, public, sender=a.alice)
    expect("CheckpointGap", a.registry.anchor_segment_optimistic, TRAIN, "run", 3, 4, public, proof=proof,
           sender=a.alice)
    not_anchored(a, TRAIN, public)
    assert a.registry.run(a.alice, "run").last_index == 0


def test_two_different_segments_for_one_index_are_a_fork(adv):
    a = adv
    dataset = open_run(a)
    proof, public = a.training(a.alice, dataset, 101, 102)
    a.registry.anchor_segment(TRAIN, "run", 1, 4, proof, public, sender=a.alice)
    # Another segment 1 (other final weights): a fork of the run's history.
    proof2, public2 = a.training(a.alice, dataset, 101, 777)
    expect("CheckpointFork", a.registry.anchor_segment, TRAIN, "run", 1, 4, proof2, public2, sender=a.alice)
    expect("CheckpointFork", a.registry.anchor_segment_optimistic, TRAIN, "run", 1, 4, public2, proof=proof2,
           sender=a.alice)
    # And another segment 0.
    proof0, public0 = a.training(a.alice, dataset, START, 555)
    expect("CheckpointFork", a.registry.anchor_segment, TRAIN, "run", 0, 4, proof0, public0, sender=a.alice)
    not_anchored(a, TRAIN, public2)
    not_anchored(a, TRAIN, public0)
    info = a.registry.run(a.alice, "run")
    assert (info.last_index, info.last_weights) == (1, 102)


def test_segment_that_does_not_start_from_the_last_checkpoint(adv):
    a = adv
    dataset = open_run(a)
    proof, public = a.training(a.alice, dataset, 999, 102)  # C_W0 != segment 0's C_W (101)
    error = expect("CheckpointForkOrBreak", a.registry.anchor_segment, TRAIN, "run", 1, 4, proof, public, sender=a.alice)
    assert error.detail.endswith(", 101, 999")
    not_anchored(a, TRAIN, public)


def test_segment_over_another_dataset(adv):
    a = adv
    open_run(a)
    other = a.dataset(a.alice)  # Alice's own, properly anchored: but not the run's
    proof, public = a.training(a.alice, other, 101, 102)
    expect("CheckpointDatasetMismatch", a.registry.anchor_segment, TRAIN, "run", 1, 4, proof, public, sender=a.alice)
    expect("CheckpointDatasetMismatch", a.registry.anchor_segment_optimistic, TRAIN, "run", 1, 4, public, proof=proof,
           sender=a.alice)
    not_anchored(a, TRAIN, public)


def test_segment_of_another_circuit(adv):
    a = adv
    dataset = open_run(a)
    # Same key, same spec digest, same dataset, chained weights: only the circuit id differs.
    proof, public = a.training(a.alice, dataset, 101, 102)
    error = expect("CheckpointCircuitMismatch", a.registry.anchor_segment, OTHER, "run", 1, 4, proof, public,
                   sender=a.alice)
    assert "0x" + circuit_id_bytes(TRAIN).hex()[:8] in error.detail
    not_anchored(a, OTHER, public)
    a.registry.anchor_segment(TRAIN, "run", 1, 4, proof, public, sender=a.alice)  # the run's own circuit takes it


def test_segment_0_not_from_the_public_start(adv):
    a = adv
    dataset = a.dataset(a.alice)
    # Training that claims to start "from scratch" but starts from some private weights.
    proof, public = a.training(a.alice, dataset, 4242, 101)
    error = expect("CheckpointStartMismatch", a.registry.anchor_segment, TRAIN, "run", 0, 4, proof, public,
                   sender=a.alice)
    assert error.detail.endswith(f", {START}, 4242")
    expect("CheckpointStartMismatch", a.registry.anchor_segment_optimistic, TRAIN, "run", 0, 4, public, proof=proof,
           sender=a.alice)  # (the run segment 0 would open must start from the public start)
    assert not a.registry.run(a.alice, "run").exists
    # Declaring the run from private weights is refused the same way, and an honestly opened run
    # refuses that segment 0 too.
    expect("CheckpointStartMismatch", a.registry.open_run, "run", TRAIN, dataset, 4, 4242, sender=a.alice)
    a.registry.open_run("run", TRAIN, dataset, 4, START, sender=a.alice)
    error = expect("CheckpointStartMismatch", a.registry.anchor_segment, TRAIN, "run", 0, 4, proof, public,
                   sender=a.alice)
    assert error.detail.endswith(f", {START}, 4242")
    not_anchored(a, TRAIN, public)


def test_optimistic_segment_resolved_invalid_breaks_the_run(adv):
    a = adv
    dataset = open_run(a, total=3)
    proof, public = a.training(a.alice, dataset, 101, 102)
    bad = tamper(proof)  # the institution commits to a proof that does not verify
    sh = a.registry.anchor_segment_optimistic(TRAIN, "run", 1, 3, public, proof=bad, sender=a.alice).value
    proof2, public2 = a.training(a.alice, dataset, 102, 103)
    a.registry.anchor_segment(TRAIN, "run", 2, 3, proof2, public2, sender=a.alice)
    assert a.registry.run(a.alice, "run").all_anchored  # the chain of statements is all on record...
    assert a.registry.resolve(TRAIN, bad, public, sender=a.bob).value is False
    assert a.registry.anchor(sh).status == "invalid"

    record = record_for(a.registry, None).with_circuit(CircuitRecord(
        "0x" + circuit_id_bytes(TRAIN).hex(), a.registry.circuit(TRAIN).verifier, 5, "training", CIRCUIT_HASH,
        SPEC_DIGEST, START, vk=vk_to_json(a.train.vk)))
    rows = audit(a.chain, record)
    [report] = run_reports(rows)
    # ...but the audit says the run is broken, and at which segment.
    assert (report.run_id, report.status, report.segments, report.total) == ("run", "broken", 3, 3)
    assert "segment(s) 1 invalid" in report.note
    assert all(row.verdict == "ok" for row in rows)  # the registry did what it should: resolve said invalid


def test_optimistic_segment_never_revealed_breaks_the_run(adv):
    a = adv
    dataset = open_run(a, total=2)
    proof, public = a.training(a.alice, dataset, 101, 102)
    sh = a.registry.anchor_segment_optimistic(TRAIN, "run", 1, 2, public, proof=proof, sender=a.alice).value
    a.registry.challenge(sh, sender=a.bob)
    mine(a.chain, WINDOW + 1)
    a.registry.expire(sh, sender=a.bob)
    [report] = run_reports(audit(a.chain, record_for(a.registry, None)))
    assert report.status == "broken"


# ---------------------------------------------------------------- aggregates

def test_aggregate_with_an_unanchored_member_model(adv):
    a = adv
    m_alice = a.member(a.alice, START, 201)
    # Bob's model was trained (Bob has the proof) but never anchored.
    bob_proof, bob_public = a.training(a.bob, a.dataset(a.bob), START, 202)
    proof, public = a.aggregate(a.carol, START, [201, 202], 300)
    error = expect("AggregateInputNotAnchored", a.registry.anchor_aggregate, AGG, proof, public,
                   [m_alice, (TRAIN, bob_public)], sender=a.carol)
    assert error.detail == "1"
    # Anchored optimistically but not yet shown valid is not good enough either.
    a.registry.anchor_optimistic(TRAIN, bob_public, proof=bob_proof, sender=a.bob)
    expect("AggregateInputNotAnchored", a.registry.anchor_aggregate, AGG, proof, public,
           [m_alice, (TRAIN, bob_public)], sender=a.carol)
    # A member statement under the wrong circuit id is another statement: not anchored.
    expect("AggregateInputNotAnchored", a.registry.anchor_aggregate, AGG, proof, public,
           [(OTHER, m_alice[1]), (TRAIN, bob_public)], sender=a.carol)
    # A real member whose final weights are not the model the aggregate names for it.
    a.registry.resolve(TRAIN, bob_proof, bob_public, sender=a.carol)
    swapped, swapped_public = a.aggregate(a.carol, START, [201, 999], 300)
    error = expect("AggregateInputMismatch", a.registry.anchor_aggregate, AGG, swapped, swapped_public,
                   [m_alice, (TRAIN, bob_public)], sender=a.carol)
    assert error.detail == "1"
    not_anchored(a, AGG, public)
    a.registry.anchor_aggregate(AGG, proof, public, [m_alice, (TRAIN, bob_public)], sender=a.carol)  # now it is


def test_aggregate_whose_member_started_from_another_round(adv):
    a = adv
    m_alice = a.member(a.alice, START, 201)
    m_bob = a.member(a.bob, 777, 202)  # Bob trained from some other model, not the round's C_prev
    proof, public = a.aggregate(a.carol, START, [201, 202], 300)
    error = expect("AggregateRoundMismatch", a.registry.anchor_aggregate, AGG, proof, public, [m_alice, m_bob],
                   sender=a.carol)
    assert error.detail == "1"
    not_anchored(a, AGG, public)


def test_aggregate_with_a_duplicate_member(adv):
    a = adv
    # Alice trains twice (two datasets) and poses as two members: double weight in the average.
    first, second = a.member(a.alice, START, 201), a.member(a.alice, START, 202)
    proof, public = a.aggregate(a.carol, START, [201, 202], 300)
    error = expect("AggregateDuplicateMember", a.registry.anchor_aggregate, AGG, proof, public, [first, second],
                   sender=a.carol)
    assert error.detail.lower() == f"1, {a.alice.lower()}"
    not_anchored(a, AGG, public)


def test_aggregate_of_an_unknown_round(adv):
    a = adv
    # Dave anchors a round from the public start; its global model is Dave's, not Carol's.
    members = [a.member(a.alice, START, 201), a.member(a.bob, START, 202)]
    a.registry.anchor_aggregate(AGG, *a.aggregate(a.dave, START, [201, 202], 300), members, sender=a.dave)
    assert a.registry.is_aggregate_model(a.dave, 300)
    members = [a.member(a.alice, 300, 311), a.member(a.bob, 300, 312)]
    # Carol claims a round that continues from C_prev = 300: she never anchored it.
    proof, public = a.aggregate(a.carol, 300, [311, 312], 400)
    error = expect("AggregateUnknownRound", a.registry.anchor_aggregate, AGG, proof, public, members, sender=a.carol)
    assert error.detail == "300"
    # Nor does a model nobody aggregated count as a round's start.
    made_up = [a.member(a.alice, 5555, 321), a.member(a.bob, 5555, 322)]
    proof2, public2 = a.aggregate(a.carol, 5555, [321, 322], 401)
    expect("AggregateUnknownRound", a.registry.anchor_aggregate, AGG, proof2, public2, made_up, sender=a.carol)
    not_anchored(a, AGG, public)
    not_anchored(a, AGG, public2)
    # Dave, whose round it is, continues it.
    a.registry.anchor_aggregate(AGG, *a.aggregate(a.dave, 300, [311, 312], 400), members, sender=a.dave)
