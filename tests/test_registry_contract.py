"""The ZkAnchorRegistry contract (v2): every rule and every refusal, by its custom error.

Proofs are real Groth16 proofs of a small circuit built with our builder whose public
inputs follow the project-wide layouts (training: institution address, C_D, C_W0, C_W,
spec digest, then optional clauses; aggregation: aggregator, C_prev, member models, C_G;
erasure: institution, C_D, C_D', leaves; validity: institution, C_D, schema digest;
non-membership: institution, C_D, leaves).  Erasure, refutation and validity refusals are
checked here with toy proofs; test_registry_rights.py runs the same calls with real erasure,
non-membership and validity proofs built through the library.
The circuit's constraints do not depend on the values, so one setup per shape serves the
whole module and each statement only costs a proof.  The refusals that guard checkpoint
runs, aggregates and dataset namespaces against an adversary are in
test_registry_adversarial.py.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass

import pytest
from web3 import Web3

from zkanchor.anchor.encoding import circuit_id_bytes, proof_hash, proof_words, statement_hash
from zkanchor.anchor.errors import RegistryError
from zkanchor.anchor.registry import Registry, deploy_registry
from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import R
from zkanchor.chain import Chain, connect
from zkanchor.errors import ChainError, InputError
from zkanchor.groth16 import prove, setup, verify
from zkanchor.groth16.keys import Proof
from zkanchor.paths import node_modules_dir
from zkanchor.r1cs import ConstraintSystem
from zkanchor.solidity.compiler import compile_source
from zkanchor.solidity.onchain import deploy_verifier

from anvil import anvil_path

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

CIRCUIT = "toy-train-v1"
WINDOW = 3  # challenge window in blocks, short so tests can run past it
ERASURE_DEADLINE = 6  # blocks to answer an erasure request, short so tests can run past it
SPEC_DIGEST = 33  # input 4 of every toy training statement
CIRCUIT_HASH = "0x" + "c1" * 32  # the registry records it; these toy keys are bound to nothing else
GAS_BUDGET = 60_000  # over a bare verifyProof call, for anchorTraining and every segment (the first included)

# Test-only contracts: an institution that is a contract (to put two registry calls in one
# transaction, hence one block), and fake verifiers.
HELPERS = """// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IRegistry {
    function anchorDataset(uint256 commitment, bytes32 metadataHash, uint40 expiresAt) external;
    function anchorTraining(bytes32, uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[] calldata)
        external returns (bytes32);
    function anchorOptimistic(bytes32, uint256[] calldata, bytes32) external returns (bytes32);
    function openRun(bytes32, bytes32, uint256, uint256, uint256) external;
}

contract BatchingInstitution {
    IRegistry public immutable registry;
    constructor(IRegistry r) { registry = r; }

    function datasetThenTraining(uint256 commitment, bytes32 circuitId, uint256[2] calldata a,
        uint256[2][2] calldata b, uint256[2] calldata c, uint256[] calldata inputs) external {
        registry.anchorDataset(commitment, bytes32(0), 0);
        registry.anchorTraining(circuitId, a, b, c, inputs);
    }

    function datasetThenOptimistic(uint256 commitment, bytes32 circuitId, uint256[] calldata inputs, bytes32 ph) external {
        registry.anchorDataset(commitment, bytes32(0), 0);
        registry.anchorOptimistic(circuitId, inputs, ph);
    }

    function datasetThenOpenRun(uint256 commitment, bytes32 runId, bytes32 circuitId, uint256 total, uint256 start)
        external
    {
        registry.anchorDataset(commitment, bytes32(0), 0);
        registry.openRun(runId, circuitId, commitment, total, start);
    }

    function dataset(uint256 commitment) external { registry.anchorDataset(commitment, bytes32(0), 0); }

    function training(bytes32 circuitId, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c,
        uint256[] calldata inputs) external {
        registry.anchorTraining(circuitId, a, b, c, inputs);
    }
}

/// Answers the registration probe (an all-zero proof) with false and reverts on anything else.
contract RevertingVerifier {
    fallback(bytes calldata data) external returns (bytes memory) {
        if (uint256(bytes32(data[4:36])) == 0) return abi.encode(false);
        revert("verifier broke");
    }
}

/// Accepts every proof: a registry admin's mistake (or malice) the audit must catch.
contract RubberStampVerifier {
    fallback(bytes calldata) external returns (bytes memory) { return abi.encode(true); }
}
"""


# ---------------------------------------------------------------- circuits and proofs

def statement_circuit(values, secret: int = 7):
    """A circuit with the given public inputs, each tied to a private value by one constraint."""
    cs = ConstraintSystem()
    pubs = [cs.public(f"input{i}", v) for i, v in enumerate(values)]
    s = cs.private("secret", secret)
    for p in pubs:
        cs.mul(s, p, "tie")
    return cs.build(), cs.witness()


@dataclass
class Keys:
    """One setup per shape: prove any values of that many public inputs."""

    pk: object
    n: int

    @property
    def vk(self):
        return self.pk.vk

    def prove(self, values) -> tuple[Proof, list[int]]:
        assert len(values) == self.n
        r1cs, witness = statement_circuit(values)
        return prove(self.pk, r1cs, witness)


def make_keys(n: int) -> Keys:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-party setup warning is expected here
        return Keys(setup(statement_circuit([1] * n)[0]), n)


def malleate(proof: Proof) -> Proof:
    """(-A, -B, C): e(-A, -B) = e(A, B), so this is another valid proof of the same statement."""
    return Proof(a=g1.neg(proof.a), b=g2.neg(proof.b), c=proof.c)


def tamper(proof: Proof) -> Proof:
    """A well-formed proof (points on the curve) that does not verify: C doubled."""
    return Proof(a=proof.a, b=proof.b, c=g1.add(proof.c, proof.c))


def statement(institution: str, dataset: int, w0: int = 11, w: int = 22, hyper: int = SPEC_DIGEST, extra=()) -> list[int]:
    return [int(institution, 16), dataset, w0, w, hyper, *extra]


def register_training(registry: Registry, circuit_id: str, verifier: str, n: int, sender: str, public_start: int = 0,
                      spec_digest: int = SPEC_DIGEST, **kwargs):
    """Register a toy training circuit (spec digest 33 unless told otherwise)."""
    return registry.register_circuit(circuit_id, verifier, n, "training", CIRCUIT_HASH, spec_digest, public_start,
                                     sender=sender, **kwargs)


def register_aggregation(registry: Registry, circuit_id: str, verifier: str, n: int, sender: str, **kwargs):
    """Register a toy aggregation circuit (n - 3 members)."""
    return registry.register_circuit(circuit_id, verifier, n, "aggregation", CIRCUIT_HASH, SPEC_DIGEST + 1,
                                     sender=sender, **kwargs)


def bare_verifier_gas(chain: Chain, verifier, proof: Proof, public: list[int]) -> int:
    """Gas of verifyProof sent as a transaction of its own: the baseline of the gas budget."""
    a, b, c = proof_words(proof)
    return int(chain.transact(verifier.contract.functions.verifyProof(a, b, c, public), gas=1_000_000)["gasUsed"])


def expect(error: str, fn, *args, **kwargs) -> RegistryError:
    """Run a registry call that must be refused with the custom error ``error``."""
    with pytest.raises(RegistryError) as info:
        fn(*args, **kwargs)
    assert info.value.error == error, str(info.value)
    assert f"({error})" in str(info.value)
    return info.value


def mine(chain: Chain, blocks: int) -> None:
    """Advance the chain by empty blocks."""
    if chain.kind == "embedded":
        chain.w3.provider.ethereum_tester.mine_blocks(blocks)
    else:
        chain.w3.provider.make_request("anvil_mine", [hex(blocks)])


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def keys5() -> Keys:
    return make_keys(5)


@pytest.fixture(scope="module")
def keys6() -> Keys:
    return make_keys(6)


@pytest.fixture(scope="module")
def helpers():
    return {name: compile_source(HELPERS, name) for name in ("BatchingInstitution", "RevertingVerifier", "RubberStampVerifier")}


@dataclass
class World:
    """A chain with a fresh registry, one registered circuit and two registered institutions."""

    chain: Chain
    registry: Registry
    verifier: object
    keys: Keys
    admin: str
    alice: str
    bob: str
    outsider: str
    next_dataset: int = 1000

    def dataset(self, who: str | None = None) -> int:
        """Anchor a fresh dataset commitment for ``who`` (default alice)."""
        self.next_dataset += 1
        self.registry.anchor_dataset(self.next_dataset, sender=who or self.alice)
        return self.next_dataset

    def anchored(self, who: str | None = None) -> tuple[int, Proof, list[int]]:
        """A fresh dataset of ``who`` (anchored) and a valid proof of a statement on it."""
        who = who or self.alice
        commitment = self.dataset(who)
        proof, public = self.keys.prove(statement(who, commitment))
        return commitment, proof, public


def build_world(chain: Chain, keys: Keys, verifier=None) -> World:
    admin, alice, bob, outsider = chain.accounts[:4]
    registry = deploy_registry(chain, sender=admin, challenge_window=WINDOW, erasure_deadline=ERASURE_DEADLINE)
    verifier = verifier or deploy_verifier(chain, keys.vk)
    registry.register_institution(alice, "Alice Hospital", sender=admin)
    registry.register_institution(bob, "Bob Bank", sender=admin)
    register_training(registry, CIRCUIT, verifier.address, keys.n, admin, description="toy training statement")
    return World(chain, registry, verifier, keys, admin, alice, bob, outsider)


def take_snapshot(chain: Chain):
    """A snapshot of the whole chain state (embedded chain or anvil) to roll back to."""
    if chain.kind == "embedded":
        return chain.w3.provider.ethereum_tester.take_snapshot()
    return chain.w3.provider.make_request("evm_snapshot", [])["result"]


def revert_to(chain: Chain, snapshot) -> None:
    """Roll the chain back to ``snapshot``."""
    if chain.kind == "embedded":
        chain.w3.provider.ethereum_tester.revert_to_snapshot(snapshot)
    else:
        assert chain.w3.provider.make_request("evm_revert", [snapshot])["result"] is True


@pytest.fixture(scope="module")
def module_chain(request, keys5):
    """The module's chain and the toy verifier: a throwaway anvil node when there is one (its
    native pairing check is much faster than py-evm's), else the embedded chain."""
    chain = connect(request.getfixturevalue("anvil_url")) if anvil_path() is not None else connect()
    return chain, deploy_verifier(chain, keys5.vk)


@pytest.fixture(scope="module")
def base_world(module_chain, keys5) -> World:
    chain, verifier = module_chain
    return build_world(chain, keys5, verifier)


@pytest.fixture
def world(base_world) -> World:
    """The module's world, rolled back after each test (deploying afresh costs time)."""
    snapshot = take_snapshot(base_world.chain)
    yield base_world
    revert_to(base_world.chain, snapshot)


@pytest.fixture(scope="module")
def embedded_world_(keys5) -> World:
    return build_world(connect(), keys5)


@pytest.fixture
def embedded_world(embedded_world_) -> World:
    """A world on the embedded chain (the default of ``connect()``), rolled back after each test."""
    snapshot = take_snapshot(embedded_world_.chain)
    yield embedded_world_
    revert_to(embedded_world_.chain, snapshot)


@pytest.fixture(scope="module")
def anvil_world(anvil_url, keys5) -> World:
    return build_world(connect(anvil_url), keys5)


def nothing_recorded(w: World, public: list[int]) -> None:
    sh = statement_hash(CIRCUIT, public)
    assert w.registry.anchor(sh).kind == "none"
    assert not [e for e in w.registry.events(names=("TrainingAnchored", "OptimisticAnchored"))
                if e.args["statementHash"] == "0x" + sh.hex()]


# ---------------------------------------------------------------- the main flow

def check_main_flow(w: World) -> None:
    commitment, proof, public = w.anchored()
    dataset = w.registry.dataset(w.alice, commitment)
    assert dataset.anchored and dataset.owner == w.alice and dataset.anchor_count == 0 and dataset.expires_at == 0
    assert not w.registry.dataset(w.bob, commitment).anchored  # Alice's anchor is in Alice's namespace only

    tx = w.registry.anchor_training(CIRCUIT, proof, public, sender=w.alice)
    sh = "0x" + statement_hash(CIRCUIT, public).hex()
    assert tx.value == sh
    assert sh == "0x" + w.chain.call(w.registry.contract.functions.statementHashOf(circuit_id_bytes(CIRCUIT), public)).hex()
    anchor = w.registry.anchor(sh)
    assert (anchor.institution, anchor.kind, anchor.status, anchor.block_number) == (w.alice, "verified", "valid", tx.block_number)
    assert w.registry.dataset(w.alice, commitment).anchor_count == 1
    assert dataset.block_number < anchor.block_number
    events = w.registry.events(from_block=tx.block_number, names=("TrainingAnchored",))
    assert [(e.args["statementHash"], e.args["institution"], e.args["datasetCommitment"]) for e in events] == [
        (sh, w.alice, commitment)
    ]

    # Optimistic: hashes now, the proof later; the right proof makes it valid.
    _, proof2, public2 = w.anchored()
    tx = w.registry.anchor_optimistic(CIRCUIT, public2, proof=proof2, sender=w.alice)
    assert w.registry.anchor(tx.value).status == "pending"
    assert w.registry.anchor(tx.value).proof_hash == "0x" + proof_hash(proof2).hex()
    assert w.registry.resolve(CIRCUIT, proof2, public2, sender=w.outsider).value is True
    assert w.registry.anchor(tx.value).status == "valid"


def test_main_flow_on_the_embedded_chain(embedded_world):
    check_main_flow(embedded_world)


def test_main_flow_on_anvil(anvil_world):
    check_main_flow(anvil_world)


def test_verified_anchoring_costs_at_most_the_verifier_plus_60k(embedded_world):
    world = embedded_world  # the chain scripts/bench_registry_gas.py measures on by default
    _, proof, public = world.anchored()
    bare = bare_verifier_gas(world.chain, world.verifier, proof, public)
    anchored = world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)
    overhead = anchored.gas_used - bare
    # 45.8k with registry 2.1 (45.4k before its rights functions; margin 14.2k): a new storage
    # slot (22.1k) here would break it.
    assert overhead <= GAS_BUDGET - 10_000, (anchored.gas_used, bare)


# ---------------------------------------------------------------- who may anchor

def test_unregistered_institution_is_refused(world):
    expect("UnregisteredInstitution", world.registry.anchor_dataset, 5, sender=world.outsider)
    commitment, proof, _ = world.anchored()
    public = statement(world.outsider, commitment)
    proof, public = world.keys.prove(public)
    expect("UnregisteredInstitution", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.outsider)
    expect("UnregisteredInstitution", world.registry.anchor_optimistic, CIRCUIT, public, proof=proof, sender=world.outsider)
    nothing_recorded(world, public)


def test_revoked_institution_is_refused_and_keeps_its_anchors(world):
    _, proof, public = world.anchored()
    kept = world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice).value
    commitment, proof2, public2 = world.anchored()
    world.registry.revoke_institution(world.alice, sender=world.admin)
    assert world.registry.institution(world.alice).status == "revoked"
    expect("RevokedInstitution", world.registry.anchor_dataset, 77, sender=world.alice)
    expect("RevokedInstitution", world.registry.anchor_training, CIRCUIT, proof2, public2, sender=world.alice)
    expect("RevokedInstitution", world.registry.anchor_optimistic, CIRCUIT, public2, proof=proof2, sender=world.alice)
    expect("RevokedInstitution", world.registry.revoke_institution, world.alice, sender=world.admin)
    assert world.registry.anchor(kept).status == "valid"
    nothing_recorded(world, public2)
    # Reinstating lets it anchor again.
    world.registry.register_institution(world.alice, "Alice Hospital", sender=world.admin)
    world.registry.anchor_training(CIRCUIT, proof2, public2, sender=world.alice)


def test_front_running_with_someone_elses_proof_is_refused(world):
    # Bob, a registered institution, copies Alice's valid proof from the mempool.
    _, proof, public = world.anchored()
    error = expect("InstitutionInputMismatch", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.bob)
    assert world.bob.lower()[2:] in error.detail.lower()
    expect("InstitutionInputMismatch", world.registry.anchor_optimistic, CIRCUIT, public, proof=proof, sender=world.bob)
    nothing_recorded(world, public)
    world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)  # still Alice's to anchor


# ---------------------------------------------------------------- the dataset

def test_dataset_not_anchored_is_refused(world):
    proof, public = world.keys.prove(statement(world.alice, 424242))
    expect("DatasetNotAnchored", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.alice)
    expect("DatasetNotAnchored", world.registry.anchor_optimistic, CIRCUIT, public, proof=proof, sender=world.alice)
    nothing_recorded(world, public)


def test_a_dataset_anchored_only_by_another_institution_is_not_the_senders(world):
    bobs = world.dataset(world.bob)
    proof, public = world.keys.prove(statement(world.alice, bobs))
    error = expect("DatasetNotAnchored", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.alice)
    assert world.alice.lower()[2:] in error.detail.lower()
    expect("DatasetNotAnchored", world.registry.anchor_optimistic, CIRCUIT, public, proof=proof, sender=world.alice)
    nothing_recorded(world, public)


def test_dataset_anchored_twice_by_one_institution_is_refused(world):
    commitment = world.dataset()
    expect("DatasetAlreadyAnchored", world.registry.anchor_dataset, commitment, sender=world.alice)
    # Another institution anchoring the same number is its own, separate anchor.
    world.registry.anchor_dataset(commitment, sender=world.bob)
    assert world.registry.dataset(world.bob, commitment).anchored
    assert world.registry.datasets_of(world.alice)[-1] == world.registry.datasets_of(world.bob)[-1] == commitment
    assert world.registry.institution(world.alice).dataset_count == len(world.registry.datasets_of(world.alice))


def test_dataset_retention_expiry_is_recorded_and_must_lie_ahead(world):
    now = world.chain.w3.eth.get_block("latest")["timestamp"]
    world.next_dataset += 1
    tx = world.registry.anchor_dataset(world.next_dataset, b"\x42" * 32, now + 86_400, sender=world.alice)
    info = world.registry.dataset(world.alice, world.next_dataset)
    assert (info.expires_at, info.metadata_hash) == (now + 86_400, "0x" + "42" * 32)
    [event] = world.registry.events(from_block=tx.block_number, names=("DatasetAnchored",))
    assert event.args["expiresAt"] == now + 86_400 and event.args["institution"] == world.alice
    expect("InvalidExpiry", world.registry.anchor_dataset, world.next_dataset + 1, expires_at=now - 1, sender=world.alice)
    with pytest.raises(InputError):
        world.registry.anchor_dataset(world.next_dataset + 1, expires_at=2**40, sender=world.alice)


def test_dataset_commitment_must_be_a_nonzero_field_element(world):
    fn = world.registry.contract.functions
    for bad in (0, R, 2**256 - 1):
        with pytest.raises(ChainError, match=r"InvalidCommitment"):
            world.chain.transact(fn.anchorDataset(bad, bytes(32), 0), sender=world.alice, gas=300_000)


def batching_institution(w: World, helpers) -> object:
    """A registered contract institution that can anchor a dataset and a training in one transaction."""
    batcher = w.chain.deploy(helpers["BatchingInstitution"], w.registry.address)
    # Its calls revert with the registry's errors: decode them with the registry's ABI.
    abi = helpers["BatchingInstitution"].abi + [e for e in w.registry.abi if e["type"] == "error"]
    w.registry.register_institution(batcher.address, "batcher", sender=w.admin)
    return w.chain.contract(batcher.address, abi)


def check_dataset_in_same_block_is_refused(w: World, helpers) -> None:
    batcher = batching_institution(w, helpers)
    w.next_dataset += 1
    commitment = w.next_dataset
    proof, public = w.keys.prove(statement(batcher.address, commitment))
    a, b, c = proof_words(proof)
    cid = circuit_id_bytes(CIRCUIT)
    with pytest.raises(ChainError, match=r"DatasetNotAnchoredEarlier"):
        w.chain.transact(batcher.functions.datasetThenTraining(commitment, cid, a, b, c, public), gas=1_500_000)
    with pytest.raises(ChainError, match=r"DatasetNotAnchoredEarlier"):
        w.chain.transact(batcher.functions.datasetThenOptimistic(commitment, cid, public, proof_hash(proof)), gas=1_500_000)
    # Nor can a run be declared over a dataset anchored in its own block.
    with pytest.raises(ChainError, match=r"DatasetNotAnchoredEarlier"):
        w.chain.transact(batcher.functions.datasetThenOpenRun(commitment, circuit_id_bytes("run"), cid, 2, 11),
                         gas=1_500_000)
    assert not w.registry.dataset(batcher.address, commitment).anchored  # the whole transaction was undone
    assert not w.registry.run(batcher.address, "run").exists
    nothing_recorded(w, public)
    # The same two steps in two blocks are fine.
    w.chain.transact(batcher.functions.dataset(commitment), gas=500_000)
    w.chain.transact(batcher.functions.training(cid, a, b, c, public), gas=1_500_000)
    assert w.registry.anchor(statement_hash(CIRCUIT, public)).status == "valid"


def test_dataset_anchored_in_the_same_block_is_refused(embedded_world, helpers):
    check_dataset_in_same_block_is_refused(embedded_world, helpers)


def test_dataset_anchored_in_the_same_block_is_refused_on_anvil(anvil_world, helpers):
    check_dataset_in_same_block_is_refused(anvil_world, helpers)


def test_two_transactions_in_one_block_on_anvil(anvil_world):
    # What a real node does with a dataset anchor and a training anchor mined together.
    w = anvil_world
    w.next_dataset += 1
    commitment = w.next_dataset
    proof, public = w.keys.prove(statement(w.alice, commitment))
    a, b, c = proof_words(proof)
    fn = w.registry.contract.functions
    make = w.chain.w3.provider.make_request
    make("evm_setAutomine", [False])
    try:
        h1 = fn.anchorDataset(commitment, bytes(32), 0).transact({"from": w.alice, "gas": 300_000})
        h2 = fn.anchorTraining(circuit_id_bytes(CIRCUIT), a, b, c, public).transact({"from": w.alice, "gas": 800_000})
        make("evm_mine", [])
    finally:
        make("evm_setAutomine", [True])
    r1, r2 = (w.chain.w3.eth.wait_for_transaction_receipt(h, timeout=30) for h in (h1, h2))
    assert r1["blockNumber"] == r2["blockNumber"]
    assert (r1["status"], r2["status"]) == (1, 0)
    assert w.registry.dataset(w.alice, commitment).anchored
    nothing_recorded(w, public)
    # Replayed on top of that block, the training anchor is accepted.
    w.registry.anchor_training(CIRCUIT, proof, public, sender=w.alice)


def test_claimed_training_block_must_follow_the_dataset_anchor(module_chain, keys6):
    chain, _ = module_chain
    w = build_world(chain, keys6)
    commitment = w.dataset()
    dataset_block = w.registry.dataset(w.alice, commitment).block_number
    register_training(w.registry, "toy-train-block", w.verifier.address, 6, w.admin,
                      description="input 5 = training start block", training_block_input=5)
    for claimed in (dataset_block - 1, dataset_block, chain.w3.eth.block_number + 5):
        proof, public = w.keys.prove(statement(w.alice, commitment, extra=(claimed,)))
        expect("TrainingBlockOutOfRange", w.registry.anchor_training, "toy-train-block", proof, public, sender=w.alice)
    proof, public = w.keys.prove(statement(w.alice, commitment, extra=(dataset_block + 1,)))
    w.registry.anchor_training("toy-train-block", proof, public, sender=w.alice)
    # The plain circuit (no training-block input) does not look at input 5.
    proof, public = w.keys.prove(statement(w.alice, commitment, extra=(0,)))
    w.registry.anchor_training(CIRCUIT, proof, public, sender=w.alice)


# ---------------------------------------------------------------- the statement and the proof

def test_same_statement_cannot_be_anchored_twice(world):
    _, proof, public = world.anchored()
    world.registry.anchor_training(CIRCUIT, proof, public, sender=world.alice)
    expect("StatementAlreadyAnchored", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.alice)
    fresh, _ = world.keys.prove(public)  # new randomness: other bytes, same statement
    assert fresh != proof
    expect("StatementAlreadyAnchored", world.registry.anchor_training, CIRCUIT, fresh, public, sender=world.alice)
    expect("StatementAlreadyAnchored", world.registry.anchor_optimistic, CIRCUIT, public, proof=fresh, sender=world.alice)


def check_malleated_proof_makes_no_second_anchor(w: World) -> None:
    _, proof, public = w.anchored()
    twin = malleate(proof)
    assert twin != proof and verify(w.keys.vk, twin, public)
    a, b, c = proof_words(twin)
    assert w.chain.call(w.verifier.contract.functions.verifyProof(a, b, c, public)) is True
    w.registry.anchor_training(CIRCUIT, proof, public, sender=w.alice)
    expect("StatementAlreadyAnchored", w.registry.anchor_training, CIRCUIT, twin, public, sender=w.alice)
    anchors = [e for e in w.registry.anchors_of(w.alice) if e.args["statementHash"] == "0x" + statement_hash(CIRCUIT, public).hex()]
    assert len(anchors) == 1


def test_malleated_proof_makes_no_second_anchor(world):
    check_malleated_proof_makes_no_second_anchor(world)


def check_tampered_proof_is_rejected(w: World) -> None:
    commitment, proof, public = w.anchored()
    bad = tamper(proof)
    assert not verify(w.keys.vk, bad, public)
    expect("ProofRejected", w.registry.anchor_training, CIRCUIT, bad, public, sender=w.alice)
    nothing_recorded(w, public)
    assert w.registry.dataset(w.alice, commitment).anchor_count == 0


def test_tampered_proof_is_rejected_and_nothing_recorded(world):
    check_tampered_proof_is_rejected(world)


def test_refusals_on_anvil(anvil_world):
    w = anvil_world
    commitment, proof, public = w.anchored()
    expect("InstitutionInputMismatch", w.registry.anchor_training, CIRCUIT, proof, public, sender=w.bob)
    expect("UnregisteredInstitution", w.registry.anchor_training, CIRCUIT, proof, public, sender=w.outsider)
    expect("UnknownCircuit", w.registry.anchor_training, "no-such-circuit", proof, public, sender=w.alice)
    wrong = public[:2] + [public[2] + R] + public[3:]
    expect("InputNotInField", w.registry.anchor_training, CIRCUIT, proof, wrong, sender=w.alice)
    other, _ = w.keys.prove(statement(w.alice, 9_999_999))
    expect("DatasetNotAnchored", w.registry.anchor_training, CIRCUIT, other, statement(w.alice, 9_999_999), sender=w.alice)
    expect("NotAdmin", w.registry.register_institution, w.outsider, sender=w.alice)
    nothing_recorded(w, public)


def test_wrong_circuit_id_is_refused(world, keys5):
    _, proof, public = world.anchored()
    expect("UnknownCircuit", world.registry.anchor_training, "no-such-circuit", proof, public, sender=world.alice)
    expect("UnknownCircuit", world.registry.anchor_optimistic, "no-such-circuit", public, proof=proof, sender=world.alice)
    # A registered circuit with another key: same shape, so the proof reaches its verifier, which says no.
    other = make_keys(5)
    other_verifier = deploy_verifier(world.chain, other.vk)
    register_training(world.registry, "other-circuit", other_verifier.address, 5, world.admin)
    expect("ProofRejected", world.registry.anchor_training, "other-circuit", proof, public, sender=world.alice)
    nothing_recorded(world, public)


def test_public_input_at_or_above_r_is_refused(world):
    _, proof, public = world.anchored()
    for index in (2, 3, 4):
        aliased = list(public)
        aliased[index] += R  # the same field element, another integer: must not be a new statement
        error = expect("InputNotInField", world.registry.anchor_training, CIRCUIT, proof, aliased, sender=world.alice)
        assert error.detail.startswith(f"{index}, ")
    expect("InputNotInField", world.registry.anchor_optimistic, CIRCUIT, [public[0], public[1], 2**256 - 1, 0, 0],
           proof=proof, sender=world.alice)
    expect("WrongInputCount", world.registry.anchor_training, CIRCUIT, proof, public[:4], sender=world.alice)
    expect("WrongInputCount", world.registry.anchor_training, CIRCUIT, proof, public + [0], sender=world.alice)


def test_verifier_gets_its_gas_or_the_call_is_refused(world):
    _, proof, public = world.anchored()
    expect("InsufficientGasForVerifier", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.alice, gas=200_000)
    nothing_recorded(world, public)
    # The same for resolve: starving the verifier must not turn a valid proof into "invalid".
    _, proof, public = world.anchored()
    sh = world.registry.anchor_optimistic(CIRCUIT, public, proof=proof, sender=world.alice).value
    expect("InsufficientGasForVerifier", world.registry.resolve, CIRCUIT, proof, public, sender=world.outsider, gas=200_000)
    assert world.registry.anchor(sh).status == "pending"


def test_a_failing_verifier_call_settles_nothing(world, helpers):
    broken = world.chain.deploy(helpers["RevertingVerifier"])
    register_training(world.registry, "broken", broken.address, 5, world.admin)
    _, proof, public = world.anchored()
    expect("VerifierCallFailed", world.registry.anchor_training, "broken", proof, public, sender=world.alice)
    sh = world.registry.anchor_optimistic("broken", public, proof=proof, sender=world.alice).value
    expect("VerifierCallFailed", world.registry.resolve, "broken", proof, public, sender=world.outsider)
    assert world.registry.anchor(sh).status == "pending"


# ---------------------------------------------------------------- optimistic anchors

def test_optimistic_anchor_with_a_wrong_proof_resolves_invalid(world):
    # A cheating institution commits to a proof that does not verify.
    _, proof, public = world.anchored()
    bad = tamper(proof)
    sh = world.registry.anchor_optimistic(CIRCUIT, public, proof=bad, sender=world.alice).value
    assert world.registry.resolve(CIRCUIT, bad, public, sender=world.outsider).value is False
    assert world.registry.anchor(sh).status == "invalid"
    expect("AnchorSettled", world.registry.resolve, CIRCUIT, proof, public, sender=world.alice)
    expect("AnchorSettled", world.registry.challenge, sh, sender=world.outsider)
    expect("StatementAlreadyAnchored", world.registry.anchor_training, CIRCUIT, proof, public, sender=world.alice)


def test_optimistic_anchor_with_the_right_proof_resolves_valid(world):
    _, proof, public = world.anchored()
    sh = world.registry.anchor_optimistic(CIRCUIT, public, proof=proof, sender=world.alice).value
    assert world.registry.resolve(CIRCUIT, proof, public, sender=world.outsider).value is True
    assert world.registry.anchor(sh).status == "valid"
    expect("AnchorSettled", world.registry.resolve, CIRCUIT, proof, public, sender=world.outsider)
    events = world.registry.events(names=("AnchorResolved",))
    assert events[-1].args == {"statementHash": sh, "resolver": world.outsider, "valid": True}


def test_optimistic_anchor_only_accepts_the_committed_proof(world):
    _, proof, public = world.anchored()
    sh = world.registry.anchor_optimistic(CIRCUIT, public, proof=proof, sender=world.alice).value
    # A griefer's wrong proof cannot mark it invalid...
    expect("ProofHashMismatch", world.registry.resolve, CIRCUIT, tamper(proof), public, sender=world.outsider)
    # ...and a valid malleated copy is not the committed proof either.
    expect("ProofHashMismatch", world.registry.resolve, CIRCUIT, malleate(proof), public, sender=world.outsider)
    assert world.registry.anchor(sh).status == "pending"
    # Resolving needs the exact statement too.
    other = list(public)
    other[3] += 1
    expect("AnchorNotFound", world.registry.resolve, CIRCUIT, proof, other, sender=world.outsider)
    world.registry.anchor_training(CIRCUIT, *world.anchored()[1:], sender=world.alice)
    verified = world.registry.events(names=("TrainingAnchored",))[-1].args["statementHash"]
    expect("NotOptimistic", world.registry.challenge, verified, sender=world.outsider)


def test_challenged_anchor_expires_invalid_without_its_proof(world):
    _, proof, public = world.anchored()
    registry = world.registry
    sh = registry.anchor_optimistic(CIRCUIT, public, proof=proof, sender=world.alice).value
    expect("NotChallenged", registry.expire, sh, sender=world.outsider)
    deadline = registry.challenge(sh, sender=world.outsider).value
    info = registry.anchor(sh)
    assert (info.status, info.challenge_deadline) == ("challenged", deadline)
    assert deadline == registry.chain.w3.eth.block_number + WINDOW  # the challenge's block + window
    expect("AlreadyChallenged", registry.challenge, sh, sender=world.bob)
    expect("ChallengeWindowOpen", registry.expire, sh, sender=world.outsider)
    mine(world.chain, WINDOW)
    expect("ChallengeWindowClosed", registry.resolve, CIRCUIT, proof, public, sender=world.alice)
    registry.expire(sh, sender=world.outsider)
    assert registry.anchor(sh).status == "invalid"
    expect("AnchorSettled", registry.expire, sh, sender=world.outsider)
    expect("AnchorNotFound", registry.challenge, "0x" + "ab" * 32, sender=world.outsider)


def test_challenged_anchor_resolved_in_time_is_valid(world):
    _, proof, public = world.anchored()
    sh = world.registry.anchor_optimistic(CIRCUIT, public, proof=proof, sender=world.alice).value
    world.registry.challenge(sh, sender=world.outsider)
    assert world.registry.resolve(CIRCUIT, proof, public, sender=world.alice).value is True
    assert world.registry.anchor(sh).status == "valid"
    mine(world.chain, WINDOW + 1)
    expect("AnchorSettled", world.registry.expire, sh, sender=world.outsider)


def test_zero_proof_hash_is_refused(world):
    _, _, public = world.anchored()
    expect("ZeroProofHash", world.registry.anchor_optimistic, CIRCUIT, public, proof_hash_value=bytes(32), sender=world.alice)


# ---------------------------------------------------------------- admin

def test_admin_only_functions_refuse_others(world):
    r, other = world.registry, world.alice
    expect("NotAdmin", r.register_institution, world.outsider, sender=other)
    expect("NotAdmin", r.revoke_institution, world.bob, sender=other)
    expect("NotAdmin", register_training, r, "mine", world.verifier.address, 5, other)
    expect("NotAdmin", r.transfer_admin, other, sender=other)
    assert r.institution(world.outsider).status == "none"
    assert r.institution(world.bob).status == "active"


def test_admin_transfer_takes_two_steps(world):
    r = world.registry
    r.transfer_admin(world.bob, sender=world.admin)
    assert r.admin() == world.admin  # nothing changes until the new admin accepts
    expect("NotPendingAdmin", r.accept_admin, sender=world.outsider)
    r.accept_admin(sender=world.bob)
    assert r.admin() == world.bob
    expect("NotAdmin", r.register_institution, world.outsider, sender=world.admin)
    r.register_institution(world.outsider, "new", sender=world.bob)
    expect("NotPendingAdmin", r.accept_admin, sender=world.bob)  # the pending slot is cleared


def test_institution_registration_rules(world):
    r = world.registry
    expect("InstitutionAlreadyRegistered", r.register_institution, world.alice, sender=world.admin)
    expect("UnregisteredInstitution", r.revoke_institution, world.outsider, sender=world.admin)
    with pytest.raises(ChainError, match="ZeroAddress"):
        world.chain.transact(r.contract.functions.registerInstitution("0x" + "00" * 20, ""), sender=world.admin)
    assert r.institutions() == [world.alice, world.bob]


def test_circuit_registration_rules(world, helpers, keys6):
    r, admin, v = world.registry, world.admin, world.verifier.address
    expect("CircuitAlreadyRegistered", register_training, r, CIRCUIT, v, 5, admin)
    expect("VerifierHasNoCode", register_training, r, "eoa", world.outsider, 5, admin)
    expect("VerifierInterfaceMismatch", register_training, r, "six", v, 6, admin)
    expect("TooFewPublicInputs", register_training, r, "four", v, 4, admin)
    expect("TooFewPublicInputs", register_aggregation, r, "agg3", v, 3, admin)
    expect("InvalidTrainingBlockInput", register_training, r, "tbi", v, 5, admin, training_block_input=4)
    expect("InvalidTrainingBlockInput", register_training, r, "tbi", v, 5, admin, training_block_input=5)
    expect("InvalidTrainingBlockInput", register_aggregation, r, "agg-tbi", v, 5, admin, training_block_input=4)
    expect("InvalidPublicStart", r.register_circuit, "agg-start", v, 5, "aggregation", CIRCUIT_HASH, 34, 7, sender=admin)
    # Erasure circuits take at least one leaf after institution, C_D and C_D'; validity circuits
    # institution, C_D and the schema digest; neither has a training block or a public start.
    v3, v4 = deploy_verifier(world.chain, make_keys(3).vk).address, deploy_verifier(world.chain, make_keys(4).vk).address
    expect("TooFewPublicInputs", r.register_circuit, "era3", v3, 3, "erasure", CIRCUIT_HASH, 35, sender=admin)
    expect("InvalidTrainingBlockInput", r.register_circuit, "era-tbi", v4, 4, "erasure", CIRCUIT_HASH, 35,
           training_block_input=3, sender=admin)
    expect("InvalidPublicStart", r.register_circuit, "era-start", v4, 4, "erasure", CIRCUIT_HASH, 35, 7, sender=admin)
    expect("InvalidPublicStart", r.register_circuit, "val-start", v3, 3, "validity", CIRCUIT_HASH, 36, 7, sender=admin)
    # Non-membership circuits: institution, C_D and at least one leaf.
    expect("TooFewPublicInputs", r.register_circuit, "absent2", v3, 2, "nonmembership", CIRCUIT_HASH, 37, sender=admin)
    expect("InvalidPublicStart", r.register_circuit, "absent-start", v3, 3, "nonmembership", CIRCUIT_HASH, 37, 7,
           sender=admin)
    r.register_circuit("absent3", v3, 3, "nonmembership", CIRCUIT_HASH, 37, sender=admin)
    assert r.circuit("absent3").kind == "nonmembership" and r.circuit_ids()[-1] == "absent3"
    r.register_circuit("era4", v4, 4, "erasure", CIRCUIT_HASH, 35, sender=admin)
    r.register_circuit("val3", v3, 3, "validity", CIRCUIT_HASH, 36, sender=admin)
    assert (r.circuit("era4").kind, r.circuit("val3").kind) == ("erasure", "validity")
    fn = r.contract.functions
    cid, chash = circuit_id_bytes("raw"), bytes.fromhex(CIRCUIT_HASH[2:])
    for call, error in [
        (fn.registerCircuit(bytes(32), v, 5, 1, 0, chash, 33, 0, ""), "InvalidCircuitId"),
        (fn.registerCircuit(cid, v, 5, 6, 0, chash, 33, 0, ""), "InvalidCircuitKind"),
        (fn.registerCircuit(cid, v, 5, 0, 0, chash, 33, 0, ""), "InvalidCircuitKind"),
        (fn.registerCircuit(cid, v, 5, 1, 0, bytes(32), 33, 0, ""), "InvalidCircuitHash"),
        (fn.registerCircuit(cid, v, 5, 1, 0, chash, 0, 0, ""), "InvalidSpecDigest"),
        (fn.registerCircuit(cid, v, 5, 1, 0, chash, R, 0, ""), "InvalidSpecDigest"),
        (fn.registerCircuit(cid, v, 5, 1, 0, chash, 33, R, ""), "InvalidPublicStart"),
    ]:
        with pytest.raises(ChainError, match=error):
            world.chain.transact(call, sender=admin)
    # The client refuses to register a key without the circuit hash it is bound to, or bound to another.
    with pytest.raises(InputError, match="circuit hash"):
        r.register_circuit("nohash", v, 5, "training", None, 33, sender=admin)
    with pytest.raises(InputError, match="bound to circuit"):
        r.register_circuit("other", v, 5, "training", CIRCUIT_HASH, 33, sender=admin, key_circuit_hash="0x" + "d2" * 32)
    with pytest.raises(InputError, match="kind"):
        r.register_circuit("kind", v, 5, "inference", CIRCUIT_HASH, 33, sender=admin)
    register_training(r, "bound", v, 5, admin, public_start=11, key_circuit_hash=CIRCUIT_HASH.upper().replace("0X", ""))

    info = r.circuit(CIRCUIT)
    assert (info.verifier, info.n_public, info.kind, info.training_block_input) == (v, 5, "training", 0)
    assert (info.circuit_hash, info.spec_digest, info.public_start) == (CIRCUIT_HASH, SPEC_DIGEST, 0)
    assert info.description_hash == "0x" + Web3.keccak(text="toy training statement").hex().removeprefix("0x")
    assert r.circuit("bound").public_start == 11
    assert r.circuit_ids() == [CIRCUIT, "absent3", "era4", "val3", "bound"]
    assert not r.circuit("never-registered").exists
    [event] = r.events(names=("CircuitRegistered",))[-1:]
    assert (event.args["kind"], event.args["specDigest"], event.args["publicStart"], event.args["circuitHash"]) == (
        1, SPEC_DIGEST, 11, CIRCUIT_HASH)


def test_each_circuit_kind_anchors_only_its_own_statements(world, keys5):
    # An aggregation circuit cannot take a training anchor (which would dodge the member checks),
    # nor a training circuit an aggregate.
    register_aggregation(world.registry, "toy-agg", world.verifier.address, 5, world.admin)
    assert world.registry.circuit("toy-agg").kind == "aggregation"
    commitment, proof, public = world.anchored()
    expect("WrongCircuitKind", world.registry.anchor_training, "toy-agg", proof, public, sender=world.alice)
    expect("WrongCircuitKind", world.registry.anchor_optimistic, "toy-agg", public, proof=proof, sender=world.alice)
    expect("WrongCircuitKind", world.registry.anchor_segment, "toy-agg", "run", 0, 2, proof, public, sender=world.alice)
    expect("WrongCircuitKind", world.registry.anchor_aggregate, CIRCUIT, proof, public, [], sender=world.alice)
    # Nor an erasure or validity circuit a training anchor, nor a training circuit their anchors.
    world.registry.register_circuit("toy-erasure", world.verifier.address, 5, "erasure", CIRCUIT_HASH, 35,
                                    sender=world.admin)
    expect("WrongCircuitKind", world.registry.anchor_training, "toy-erasure", proof, public, sender=world.alice)
    expect("WrongCircuitKind", world.registry.anchor_erasure, CIRCUIT, proof, public, [1, 2], sender=world.alice)
    expect("WrongCircuitKind", world.registry.anchor_validity, "toy-erasure", proof, public, sender=world.alice)


def test_challenge_window_and_erasure_deadline_must_be_positive(module_chain):
    chain, _ = module_chain
    from zkanchor.anchor.registry import compile_registry

    with pytest.raises(ChainError, match="InvalidChallengeWindow"):
        chain.deploy(compile_registry(), 0, 10)
    for deadline in (0, 2**40):
        with pytest.raises(ChainError, match="InvalidErasureDeadline"):
            chain.deploy(compile_registry(), 10, deadline)
    with pytest.raises(InputError, match="erasure deadline"):
        deploy_registry(chain, erasure_deadline=0)


# ---------------------------------------------------------------- checkpoint runs

PUBLIC_START = 11  # the toy run circuit's public initial weights (statement()'s default C_W0)


def run_circuit(w: World, circuit_id: str = "toy-run") -> str:
    """A training circuit (same toy verifier) whose runs must start from PUBLIC_START; registered once."""
    if not w.registry.circuit(circuit_id).exists:
        register_training(w.registry, circuit_id, w.verifier.address, w.keys.n, w.admin, public_start=PUBLIC_START)
    return circuit_id


def check_checkpoint_run(w: World) -> None:
    r, cid = w.registry, run_circuit(w)
    commitment = w.dataset()
    mine(w.chain, 1)
    weights = [PUBLIC_START, 101, 102, 103]
    proofs = [w.keys.prove(statement(w.alice, commitment, weights[i], weights[i + 1])) for i in range(3)]
    assert not r.run(w.alice, "run-a").exists

    # Training starts: Alice declares the run before any proof exists; watchers see it begin.
    opened = r.open_run("run-a", cid, commitment, 3, PUBLIC_START, sender=w.alice)
    assert opened.value == "0x" + circuit_id_bytes("run-a").hex()
    info = r.run(w.alice, "run-a")
    assert (info.exists, info.circuit_id, info.dataset, info.total, info.segments, info.last_index) == (
        True, cid, commitment, 3, 0, -1)
    assert (info.last_weights, info.last_block, info.opened_at, info.all_anchored) == (
        PUBLIC_START, 0, opened.block_number, False)
    [event] = [e for e in r.runs_opened(w.alice) if e.args["runId"] == opened.value]
    assert event.block_number == opened.block_number and event.args == {
        "runId": opened.value, "institution": w.alice, "datasetCommitment": commitment,
        "circuitId": "0x" + circuit_id_bytes(cid).hex(), "total": 3, "startWeights": PUBLIC_START}
    assert r.dataset(w.alice, commitment).anchor_count == 1  # the run counts once on its dataset, from its opening

    first = r.anchor_segment(cid, "run-a", 0, 3, *proofs[0], sender=w.alice)
    assert first.opened is None  # the run was open: segment 0 just extends it
    info = r.run(w.alice, "run-a")
    assert (info.circuit_id, info.dataset, info.total, info.last_index, info.last_weights, info.last_block) == (
        cid, commitment, 3, 0, 101, first.block_number)
    assert info.segments == 1 and info.opened_at == opened.block_number and not info.all_anchored
    second = r.anchor_segment_optimistic(cid, "run-a", 1, 3, proofs[1][1], proof=proofs[1][0], sender=w.alice)
    assert r.anchor(second.value).status == "pending"
    third = r.anchor_segment(cid, "run-a", 2, 3, *proofs[2], sender=w.alice)
    info = r.run(w.alice, "run-a")
    assert (info.last_index, info.last_weights, info.last_block, info.all_anchored) == (2, 103, third.block_number, True)
    assert r.resolve(cid, *proofs[1], sender=w.outsider).value is True  # every segment settles like any anchor

    events = r.segments(w.alice, "run-a")
    assert [(e.args["index"], e.args["statementHash"]) for e in events] == [
        (0, first.value), (1, second.value), (2, third.value)]
    assert [r.anchor(e.args["statementHash"]).kind for e in events] == ["verified", "optimistic", "verified"]
    assert {e.args["statementHash"] for e in r.anchors_of(w.alice)} >= {first.value, second.value, third.value}
    assert r.dataset(w.alice, commitment).anchor_count == 1  # a run counts once on its dataset
    # Run ids live in each institution's namespace: Bob's "run-a" is another run.  Existing callers
    # need not open runs: segment 0 of a run that is not open opens it first (a transaction of its own).
    assert not r.run(w.bob, "run-a").exists
    bobs = w.dataset(w.bob)
    mine(w.chain, 1)
    tx = r.anchor_segment(cid, "run-a", 0, 1, *w.keys.prove(statement(w.bob, bobs)), sender=w.bob)
    assert tx.opened is not None and tx.opened.block_number < tx.block_number
    bob_run = r.run(w.bob, "run-a")
    assert bob_run.all_anchored and bob_run.opened_at == tx.opened.block_number and bob_run.dataset == bobs
    assert r.run(w.alice, "run-a").dataset == commitment
    assert [e.args["institution"] for e in r.runs_opened() if e.args["runId"] == opened.value] == [w.alice, w.bob]


def test_checkpoint_run_on_anvil(anvil_world):
    check_checkpoint_run(anvil_world)


def test_segment_bookkeeping_refusals(anvil_world):
    w = anvil_world
    r, cid = w.registry, run_circuit(w)
    commitment = w.dataset()
    mine(w.chain, 1)  # the raw transactions below are simulated on the latest block first
    proof, public = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 201))
    expect("InvalidSegmentTotal", r.open_run, "run-b", cid, commitment, 0, PUBLIC_START, sender=w.alice)
    expect("InvalidSegmentTotal", r.anchor_segment, cid, "run-b", 0, 2**24, proof, public, sender=w.alice)  # its open
    expect("InvalidStartWeights", r.open_run, "run-b", "toy-train-v1", commitment, 2, 0, sender=w.alice)
    expect("InvalidStartWeights", r.open_run, "run-b", "toy-train-v1", commitment, 2, R, sender=w.alice)
    expect("RunNotOpen", r.anchor_segment, cid, "run-b", 1, 2, proof, public, sender=w.alice)
    expect("ZeroProofHash", r.anchor_segment_optimistic, cid, "run-b", 1, 2, public, proof_hash_value=bytes(32),
           sender=w.alice)  # the registry's refusal
    expect("ZeroProofHash", r.anchor_segment_optimistic, cid, "run-b", 0, 2, public, proof_hash_value=bytes(32),
           sender=w.alice)  # the client's, before it would open the run
    a, b, c = proof_words(proof)
    with pytest.raises(ChainError, match="InvalidRunId"):
        w.chain.transact(r.contract.functions.openRun(bytes(32), circuit_id_bytes(cid), commitment, 2, PUBLIC_START),
                         sender=w.alice, gas=1_000_000)
    with pytest.raises(ChainError, match="RunNotOpen"):  # the zero run id can never be open
        w.chain.transact(r.contract.functions.anchorSegment(circuit_id_bytes(cid), bytes(32), 0, 2, a, b, c, public),
                         sender=w.alice, gas=1_000_000)
    assert not r.run(w.alice, "run-b").exists  # none of that opened anything
    r.open_run("run-b", cid, commitment, 2, PUBLIC_START, sender=w.alice)
    expect("CheckpointTotalMismatch", r.anchor_segment, cid, "run-b", 0, 3, proof, public, sender=w.alice)
    expect("CheckpointIndexOutOfRange", r.anchor_segment, cid, "run-b", 2, 2, proof, public, sender=w.alice)
    r.anchor_segment(cid, "run-b", 0, 2, proof, public, sender=w.alice)
    proof, public = w.keys.prove(statement(w.alice, commitment, 201, 202))
    expect("CheckpointTotalMismatch", r.anchor_segment, cid, "run-b", 1, 3, proof, public, sender=w.alice)
    # Segment 0 of run-b again, as segment 0 of run-c: refused before run-c is opened...
    again = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 201))
    expect("StatementAlreadyAnchored", r.anchor_segment, cid, "run-c", 0, 2, *again, sender=w.alice)
    assert not r.run(w.alice, "run-c").exists
    # ...and by the registry once run-c is open.
    r.open_run("run-c", cid, commitment, 2, PUBLIC_START, sender=w.alice)
    expect("StatementAlreadyAnchored", r.anchor_segment, cid, "run-c", 0, 2, *again, sender=w.alice)
    # A run once complete takes no more segments.
    r.anchor_segment(cid, "run-b", 1, 2, proof, public, sender=w.alice)
    proof, public = w.keys.prove(statement(w.alice, commitment, 202, 203))
    expect("CheckpointIndexOutOfRange", r.anchor_segment, cid, "run-b", 2, 2, proof, public, sender=w.alice)
    assert r.run(w.alice, "run-b").all_anchored


def test_a_refused_segment_0_opens_no_run(world):
    # The client opens a run for segment 0 only once the registry would take the segment itself.
    w = world
    r, cid = w.registry, run_circuit(w)
    commitment = w.dataset()
    mine(w.chain, 1)
    proof, public = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 301))
    expect("ProofRejected", r.anchor_segment, cid, "run-d", 0, 2, tamper(proof), public, sender=w.alice)
    expect("InstitutionInputMismatch", r.anchor_segment, cid, "run-d", 0, 2, proof, public, sender=w.bob)
    expect("WrongInputCount", r.anchor_segment, cid, "run-d", 0, 2, proof, public + [1], sender=w.alice)
    expect("InputNotInField", r.anchor_segment_optimistic, cid, "run-d", 0, 2, [*public[:3], R, *public[4:]],
           proof=proof, sender=w.alice)
    assert not r.run(w.alice, "run-d").exists and r.runs_opened() == []
    # A refusal of openRun itself reads as one too.
    expect("UnknownCircuit", r.anchor_segment, "never-registered", "run-d", 0, 2, proof, public, sender=w.alice)
    expect("UnregisteredInstitution", r.anchor_segment, cid, "run-d", 0, 2,
           *w.keys.prove(statement(w.outsider, commitment, PUBLIC_START, 301)), sender=w.outsider)
    tx = r.anchor_segment(cid, "run-d", 0, 2, proof, public, sender=w.alice)
    assert tx.opened is not None and r.run(w.alice, "run-d").segments == 1


def test_opening_a_run_checks_what_segment_0_checked(world):
    # (A dataset anchored in the openRun's own block: test_dataset_anchored_in_the_same_block_is_refused.)
    w = world
    r, cid = w.registry, run_circuit(w)
    commitment = w.dataset()
    expect("DatasetNotAnchored", r.open_run, "run-e", cid, commitment, 2, PUBLIC_START, sender=w.bob)
    expect("DatasetNotAnchored", r.open_run, "run-e", cid, commitment + 10_000, 2, PUBLIC_START, sender=w.alice)
    expect("UnregisteredInstitution", r.open_run, "run-e", cid, commitment, 2, PUBLIC_START, sender=w.outsider)
    expect("UnknownCircuit", r.open_run, "run-e", "never-registered", commitment, 2, PUBLIC_START, sender=w.alice)
    register_aggregation(r, "toy-agg", w.verifier.address, 5, w.admin)
    expect("WrongCircuitKind", r.open_run, "run-e", "toy-agg", commitment, 2, PUBLIC_START, sender=w.alice)
    error = expect("CheckpointStartMismatch", r.open_run, "run-e", cid, commitment, 2, 4242, sender=w.alice)
    assert error.detail.endswith(f", {PUBLIC_START}, 4242")
    assert r.runs_opened() == []
    r.open_run("run-e", CIRCUIT, commitment, 2, 4242, sender=w.alice)  # no public start: any start will do
    assert r.run(w.alice, "run-e").last_weights == 4242
    r.revoke_institution(w.alice, sender=w.admin)
    expect("RevokedInstitution", r.open_run, "run-f", cid, commitment, 2, PUBLIC_START, sender=w.alice)


@pytest.mark.slow
def test_every_segment_stays_within_the_verifier_plus_60k(embedded_world):
    w = embedded_world  # the chain scripts/bench_registry_gas.py measures on by default
    cid = run_circuit(w)
    commitment = w.dataset()
    weights = [PUBLIC_START, 301, 302, 303]
    proofs = [w.keys.prove(statement(w.alice, commitment, weights[i], weights[i + 1])) for i in range(3)]
    bare = bare_verifier_gas(w.chain, w.verifier, *proofs[0])
    opened = w.registry.open_run("gas-run", cid, commitment, 3, PUBLIC_START, sender=w.alice).gas_used
    segments = [w.registry.anchor_segment(cid, "gas-run", i, 3, *proofs[i], sender=w.alice).gas_used - bare
                for i in range(3)]
    print(f"\nopenRun {opened:,} gas; segments over verifyProof: {', '.join(f'{g:,}' for g in segments)} "
          f"(margin {GAS_BUDGET - max(segments):,})")
    # 55.7k to 55.8k with registry 2.2 (an extension was 56.0k with 2.1, 55.7k before its rights
    # functions; the opening segment 96.1k): keep a margin of 2k so that a few hundred gas of
    # drift shows up here first.  openRun wrote the run's two slots: the first segment only
    # updates them, like every other.
    assert max(segments) <= GAS_BUDGET - 2_000, segments
    # openRun: 21k for the transaction, 44.2k for the run's two new slots, the checks and the event (83.9k).
    assert opened <= 90_000, opened
    # A segment 0 that opens its run itself pays the same: the opening is a transaction of its own.
    commitment = w.dataset()
    proof, public = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 401))
    tx = w.registry.anchor_segment(cid, "gas-run-2", 0, 1, proof, public, sender=w.alice)
    assert tx.gas_used - bare <= GAS_BUDGET - 2_000 and tx.opened.gas_used <= 90_000
    # Optimistic segments pay no verifier: far below the verified ones.
    commitment = w.dataset()
    proof, public = w.keys.prove(statement(w.alice, commitment, PUBLIC_START, 501))
    tx = w.registry.anchor_segment_optimistic(cid, "gas-run-3", 0, 1, public, proof=proof, sender=w.alice)
    assert tx.gas_used <= 110_000, tx.gas_used


# ---------------------------------------------------------------- federated aggregates

def test_federated_rounds_on_anvil(anvil_world):
    w = anvil_world
    r, cid = w.registry, run_circuit(w)
    if not r.circuit("toy-agg").exists:
        register_aggregation(r, "toy-agg", w.verifier.address, 5, w.admin)
    carol = w.chain.accounts[4]
    if r.institution(carol).status != "active":
        r.register_institution(carol, "Carol Aggregator", sender=w.admin)
    datasets = {who: w.dataset(who) for who in (w.alice, w.bob)}

    def round_(previous: int, models: dict[str, int], global_model: int):
        members = []
        for who, model in models.items():
            proof, public = w.keys.prove(statement(who, datasets[who], previous, model))
            r.anchor_training(cid, proof, public, sender=who)
            members.append((cid, public))
        proof, public = w.keys.prove([int(carol, 16), previous, *models.values(), global_model])
        return r.anchor_aggregate("toy-agg", proof, public, members, sender=carol), members

    tx, members = round_(PUBLIC_START, {w.alice: 401, w.bob: 402}, 500)
    assert r.anchor(tx.value).circuit_kind == "aggregation" and r.anchor(tx.value).status == "valid"
    assert r.is_aggregate_model(carol, 500) and not r.is_aggregate_model(w.alice, 500)
    [event] = r.events(from_block=tx.block_number, names=("AggregateAnchored",))
    assert event.args["members"] == ["0x" + statement_hash(c, p).hex() for c, p in members]
    assert (event.args["previousModel"], event.args["globalModel"], event.args["aggregator"]) == (PUBLIC_START, 500, carol)
    # The next round starts from the global model Carol anchored.
    tx2, _ = round_(500, {w.alice: 411, w.bob: 412}, 510)
    assert r.is_aggregate_model(carol, 510)
    # The member lists must match the circuit's model count.
    proof, public = w.keys.prove([int(carol, 16), 510, 421, 422, 520])
    expect("AggregateMemberCount", r.anchor_aggregate, "toy-agg", proof, public, members[:1], sender=carol)
    expect("InstitutionInputMismatch", r.anchor_aggregate, "toy-agg", proof, public, members, sender=w.alice)
    expect("StatementAlreadyAnchored", r.anchor_aggregate, "toy-agg",
           *w.keys.prove([int(carol, 16), PUBLIC_START, 401, 402, 500]), members, sender=carol)


# ---------------------------------------------------------------- data subjects' rights (toy proofs)

ERASURE = "toy-erasure"  # 5 inputs: institution, C_D, C_D', L_1, L_2 (the toy key of keys5)
VALIDITY = "toy-validity"  # 3 inputs: institution, C_D, schema digest
SCHEMA = 36


@pytest.fixture(scope="module")
def keys3() -> Keys:
    return make_keys(3)


@pytest.fixture(scope="module")
def keys4() -> Keys:
    return make_keys(4)


def rights_circuits(w: World, keys3: Keys) -> None:
    """Register the toy erasure (2 requests) and validity circuits once."""
    if not w.registry.circuit(ERASURE).exists:
        w.registry.register_circuit(ERASURE, w.verifier.address, 5, "erasure", CIRCUIT_HASH, 35, sender=w.admin)
        w.registry.register_circuit(VALIDITY, deploy_verifier(w.chain, keys3.vk).address, 3, "validity", CIRCUIT_HASH,
                                    SCHEMA, sender=w.admin)


def erasure(w: World, who: str, before: int, after: int, leaves: tuple[int, int]):
    return w.keys.prove([int(who, 16), before, after, *leaves])


def test_erasure_request_and_its_answer(world, keys3):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    commitment = w.dataset()
    old_model = r.anchor_training(CIRCUIT, *w.keys.prove(statement(w.alice, commitment)), sender=w.alice).value
    # Anyone files: the outsider is no registered institution.
    first = r.request_erasure(w.alice, commitment, 7001, sender=w.outsider)
    second = r.request_erasure(w.alice, commitment, 7002, sender=w.bob)
    assert (first.value, second.value, r.erasure_request_count()) == (1, 2, 2)
    info = r.erasure_request(1)
    assert (info.owner, info.dataset, info.leaf, info.filed_block, info.deadline, info.status) == (
        w.alice, commitment, 7001, first.block_number, first.block_number + ERASURE_DEADLINE, "pending")
    [event] = r.events(from_block=first.block_number, to_block=first.block_number, names=("ErasureRequested",))
    assert event.args == {"requestId": 1, "owner": w.alice, "datasetCommitment": commitment, "leaf": 7001,
                          "requester": w.outsider, "deadline": info.deadline}
    assert [q.requester for q in r.erasure_requests(w.alice)] == [w.outsider, w.bob]
    assert not r.erasure_request(3).exists
    r.open_run("before", CIRCUIT, commitment, 2, 11, sender=w.alice)  # a run declared, not yet proven

    tx = r.anchor_erasure(ERASURE, *erasure(w, w.alice, commitment, 8001, (7001, 7002)), [1, 2], sender=w.alice)
    assert tx.value == "0x" + statement_hash(ERASURE, [int(w.alice, 16), commitment, 8001, 7001, 7002]).hex()
    assert [r.erasure_request(i).answered_block for i in (1, 2)] == [tx.block_number] * 2
    assert r.erasure_request(1).status == "answered" and r.pending_erasure_requests() == []
    old, new = r.dataset(w.alice, commitment), r.dataset(w.alice, 8001)
    assert (old.erased, old.erased_at, old.erased_into, old.erased_from) == (True, tx.block_number, 8001, 0)
    assert (new.anchored, new.erased, new.erased_from, new.block_number) == (True, False, commitment, tx.block_number)
    assert r.datasets_of(w.alice)[-1] == 8001 and r.current_dataset(w.alice, commitment).commitment == 8001
    assert r.anchor(tx.value).circuit_kind == "erasure" and r.anchor(tx.value).status == "valid"
    events = r.events(from_block=tx.block_number, names=("DatasetAnchored", "ErasureAnchored"))
    assert [e.name for e in events] == ["DatasetAnchored", "ErasureAnchored"]
    assert events[1].args["requestIds"] == [1, 2] and events[1].args["newCommitment"] == 8001

    # Nothing new rests on the erased dataset; the old model stays anchored (the audit calls it superseded).
    proof, public = w.keys.prove(statement(w.alice, commitment, 11, 23))
    error = expect("DatasetErased", r.anchor_training, CIRCUIT, proof, public, sender=w.alice)
    assert error.detail.lower() == f"{w.alice.lower()}, {commitment}, 8001"
    expect("DatasetErased", r.anchor_optimistic, CIRCUIT, public, proof=proof, sender=w.alice)
    expect("DatasetErased", r.anchor_segment, CIRCUIT, "after", 0, 2, proof, public, sender=w.alice)  # its open
    expect("DatasetErased", r.open_run, "after", CIRCUIT, commitment, 2, 11, sender=w.alice)
    expect("DatasetErased", r.anchor_segment, CIRCUIT, "before", 0, 2, proof, public, sender=w.alice)  # cannot go on
    assert r.anchor(old_model).status == "valid"
    # Erased once: the same answer again, or another erasure of it, is refused.
    expect("DatasetErased", r.anchor_erasure, ERASURE, *erasure(w, w.alice, commitment, 8001, (7001, 7002)), [1, 2],
           sender=w.alice)
    # Training on the new dataset is fine (from the next block on, like any dataset).
    mine(w.chain, 1)
    r.anchor_training(CIRCUIT, *w.keys.prove(statement(w.alice, 8001)), sender=w.alice)
    assert r.dataset(w.alice, 8001).anchor_count == 1


def test_erasure_requests_are_refused_unless_they_name_an_anchored_dataset_and_a_leaf(world):
    from zkanchor.commit.commitment import tombstone

    r = world.registry
    commitment = world.dataset()
    expect("DatasetNotAnchored", r.request_erasure, world.bob, commitment, 5, sender=world.outsider)
    fn = r.contract.functions
    # The tombstone is no record's leaf: a request for it could be neither answered nor refuted.
    assert world.chain.call(fn.TOMBSTONE()) == tombstone()
    expect("InvalidLeaf", r.request_erasure, world.alice, commitment, tombstone(), sender=world.outsider)
    for bad in (0, R):
        with pytest.raises(ChainError, match="InvalidLeaf"):
            world.chain.transact(fn.requestErasure(world.alice, commitment, bad), sender=world.outsider, gas=300_000)
    assert r.erasure_request_count() == 0


def test_erasure_answer_refusals(world, keys3):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    commitment, other = w.dataset(), w.dataset()
    bobs = w.dataset(w.bob)
    mine_ = r.request_erasure(w.alice, commitment, 7001, sender=w.outsider).value
    mine2 = r.request_erasure(w.alice, commitment, 7002, sender=w.outsider).value
    of_other = r.request_erasure(w.alice, other, 7002, sender=w.outsider).value
    of_bob = r.request_erasure(w.bob, bobs, 7002, sender=w.outsider).value
    proof, public = erasure(w, w.alice, commitment, 8001, (7001, 7002))
    expect("ErasureRequestCount", r.anchor_erasure, ERASURE, proof, public, [mine_], sender=w.alice)
    expect("ErasureRequestNotFound", r.anchor_erasure, ERASURE, proof, public, [mine_, 99], sender=w.alice)
    error = expect("ErasureRequestOtherInstitution", r.anchor_erasure, ERASURE, proof, public, [mine_, of_bob],
                   sender=w.alice)
    assert error.detail.lower() == f"{of_bob}, {w.bob.lower()}"
    expect("ErasureRequestOtherDataset", r.anchor_erasure, ERASURE, proof, public, [mine_, of_other], sender=w.alice)
    error = expect("ErasureLeafMismatch", r.anchor_erasure, ERASURE, proof, public, [mine2, mine_], sender=w.alice)
    assert error.detail == f"{mine2}, 7002, 7001"  # request ids follow the proof's leaves
    expect("ErasureRequestAnswered", r.anchor_erasure, ERASURE, proof, public, [mine_, mine_], sender=w.alice)
    expect("InstitutionInputMismatch", r.anchor_erasure, ERASURE, proof, public, [mine_, mine2], sender=w.bob)
    expect("DatasetNotAnchored", r.anchor_erasure, ERASURE, *erasure(w, w.alice, 424242, 8001, (7001, 7002)),
           [mine_, mine2], sender=w.alice)
    expect("InvalidCommitment", r.anchor_erasure, ERASURE, *erasure(w, w.alice, commitment, commitment, (7001, 7002)),
           [mine_, mine2], sender=w.alice)
    expect("InvalidCommitment", r.anchor_erasure, ERASURE, *erasure(w, w.alice, commitment, 0, (7001, 7002)),
           [mine_, mine2], sender=w.alice)
    expect("DatasetAlreadyAnchored", r.anchor_erasure, ERASURE, *erasure(w, w.alice, commitment, other, (7001, 7002)),
           [mine_, mine2], sender=w.alice)
    expect("ProofRejected", r.anchor_erasure, ERASURE, tamper(proof), public, [mine_, mine2], sender=w.alice)
    assert r.pending_erasure_requests(w.alice) != [] and not r.dataset(w.alice, commitment).erased
    assert not r.dataset(w.alice, 8001).anchored
    r.anchor_erasure(ERASURE, proof, public, [mine_, mine2], sender=w.alice)
    # A revoked institution answers nothing (it anchors nothing new).
    r.revoke_institution(w.bob, sender=w.admin)
    expect("RevokedInstitution", r.anchor_erasure, ERASURE, *erasure(w, w.bob, bobs, 8002, (7002, 7003)),
           [of_bob, of_bob], sender=w.bob)


def test_requests_follow_the_data_through_later_erasures(world, keys3):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    commitment = w.dataset()
    a, b, c, d = (r.request_erasure(w.alice, commitment, leaf, sender=w.outsider).value for leaf in (1, 2, 3, 4))
    r.anchor_erasure(ERASURE, *erasure(w, w.alice, commitment, 8101, (1, 2)), [a, b], sender=w.alice)
    # c and d name the first dataset; the institution answers them from what it became.
    late = r.request_erasure(w.alice, 8101, 5, sender=w.outsider).value
    r.anchor_erasure(ERASURE, *erasure(w, w.alice, 8101, 8102, (3, 5)), [c, late], sender=w.alice)
    r.anchor_erasure(ERASURE, *erasure(w, w.alice, 8102, 8103, (4, 6)), [d, r.request_erasure(
        w.alice, 8102, 6, sender=w.outsider).value], sender=w.alice)
    assert {q.status for q in r.erasure_requests(w.alice)} == {"answered"}
    assert r.current_dataset(w.alice, commitment).commitment == 8103
    # A request about a later dataset cannot be answered by an erasure of an earlier one.
    other = w.dataset()
    newer = r.request_erasure(w.alice, 8103, 9, sender=w.outsider).value
    expect("ErasureRequestOtherDataset", r.anchor_erasure, ERASURE, *erasure(w, w.alice, other, 8201, (9, 10)),
           [newer, r.request_erasure(w.alice, other, 10, sender=w.outsider).value], sender=w.alice)


def test_an_unanswered_request_turns_overdue_after_its_deadline(world):
    w, r = world, world.registry
    commitment = w.dataset()
    rid = r.request_erasure(w.alice, commitment, 77, sender=w.outsider).value
    info = r.erasure_request(rid)
    mine(w.chain, info.deadline - w.chain.w3.eth.block_number)
    assert r.erasure_request(rid).status == "pending"  # due by its deadline block, inclusive
    mine(w.chain, 1)
    assert r.erasure_request(rid).status == "overdue"
    assert [q.request_id for q in r.overdue_erasure_requests(w.alice)] == [rid]
    assert r.overdue_erasure_requests(w.bob) == []


def test_validity_claims(world, keys3):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    commitment = w.dataset()
    assert not r.validity(w.alice, commitment).exists
    proof, public = keys3.prove([int(w.alice, 16), commitment, SCHEMA])
    tx = r.anchor_validity(VALIDITY, proof, public, sender=w.alice)
    info = r.validity(w.alice, commitment)
    assert (info.schema_digest, info.statement_hash, info.circuit_id, info.block_number, info.claims) == (
        SCHEMA, tx.value, VALIDITY, tx.block_number, 1)
    assert r.anchor(tx.value).circuit_kind == "validity"
    [event] = r.validity_claims(w.alice, commitment)
    assert event.args["schemaDigest"] == SCHEMA and event.args["statementHash"] == tx.value
    expect("StatementAlreadyAnchored", r.anchor_validity, VALIDITY, proof, public, sender=w.alice)
    expect("ValiditySchemaMismatch", r.anchor_validity, VALIDITY,
           *keys3.prove([int(w.alice, 16), commitment, SCHEMA + 1]), sender=w.alice)
    expect("DatasetNotAnchored", r.anchor_validity, VALIDITY, *keys3.prove([int(w.bob, 16), commitment, SCHEMA]),
           sender=w.bob)
    expect("InstitutionInputMismatch", r.anchor_validity, VALIDITY, proof, public, sender=w.bob)
    other = w.dataset()
    proof, public = keys3.prove([int(w.alice, 16), other, SCHEMA])
    expect("ProofRejected", r.anchor_validity, VALIDITY, tamper(proof), public, sender=w.alice)
    assert not r.validity(w.alice, other).exists
    # A second schema's claim about the same dataset (another circuit) becomes the latest.
    r.register_circuit("toy-validity-2", r.circuit(VALIDITY).verifier, 3, "validity", CIRCUIT_HASH, SCHEMA + 1,
                       sender=w.admin)
    r.anchor_validity("toy-validity-2", *keys3.prove([int(w.alice, 16), commitment, SCHEMA + 1]), sender=w.alice)
    info = r.validity(w.alice, commitment)
    assert (info.schema_digest, info.circuit_id, info.claims) == (SCHEMA + 1, "toy-validity-2", 2)


@pytest.mark.slow
def test_erasure_gas_per_request_is_small(embedded_world, keys4):
    # One more request costs the registry its three slots' reads and one write: measured as the
    # difference of anchorErasure's overhead over verifyProof between 2 requests and 1.
    w, r = embedded_world, embedded_world.registry
    v4 = deploy_verifier(w.chain, keys4.vk)
    r.register_circuit("era-1", v4.address, 4, "erasure", CIRCUIT_HASH, 35, sender=w.admin)
    r.register_circuit("era-2", w.verifier.address, 5, "erasure", CIRCUIT_HASH, 35, sender=w.admin)
    overhead = {}
    for k, keys, verifier in ((1, keys4, v4), (2, w.keys, w.verifier)):
        commitment = w.dataset()
        ids = [r.request_erasure(w.alice, commitment, 100 + j, sender=w.outsider).value for j in range(k)]
        proof, public = keys.prove([int(w.alice, 16), commitment, 9000 + k, *(100 + j for j in range(k))])
        bare = bare_verifier_gas(w.chain, verifier, proof, public)
        overhead[k] = r.anchor_erasure(f"era-{k}", proof, public, ids, sender=w.alice).gas_used - bare
    per_request = overhead[2] - overhead[1]
    print(f"\nanchorErasure over verifyProof: 1 request {overhead[1]:,}, 2 requests {overhead[2]:,} "
          f"(per request {per_request:,})")
    assert per_request <= 12_000, overhead


# ---------------------------------------------------------------- refutations (toy proofs)

REFUTE = "toy-absent"  # 4 inputs: institution, C_D, L_1, L_2 (the toy key of keys4)


def refutation_circuit(w: World, keys4: Keys) -> None:
    if not w.registry.circuit(REFUTE).exists:
        w.registry.register_circuit(REFUTE, deploy_verifier(w.chain, keys4.vk).address, 4, "nonmembership",
                                    CIRCUIT_HASH, 37, sender=w.admin)


def test_a_refutation_settles_requests_for_records_the_dataset_never_held(world, keys3, keys4):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    refutation_circuit(w, keys4)
    commitment = w.dataset()
    a, b, same = (r.request_erasure(w.alice, commitment, leaf, sender=w.outsider).value for leaf in (7001, 7002, 7001))
    proof, public = keys4.prove([int(w.alice, 16), commitment, 7001, 7002])
    # Any order, and one proof refutes every request naming one of its leaves.
    tx = r.refute_erasure(REFUTE, proof, public, [b, a, same], sender=w.alice)
    assert tx.value == "0x" + statement_hash(REFUTE, public).hex()
    for rid in (a, b, same):
        info = r.erasure_request(rid)
        assert (info.status, info.refuted_block, info.answered_block, info.refuted) == ("refuted", tx.block_number,
                                                                                       0, True)
    [event] = r.refutations(w.alice)
    assert (event.args["statementHash"], event.args["datasetCommitment"], event.args["requestIds"]) == (
        tx.value, commitment, [b, a, same])
    assert r.anchor(tx.value).kind == "none"  # no anchor: the requests and the event are the record
    assert r.pending_erasure_requests(w.alice) == []
    # Refuted is never overdue; the same proof refutes a later request for the same leaf.
    mine(w.chain, ERASURE_DEADLINE + 2)
    assert r.erasure_request(a).status == "refuted" and r.overdue_erasure_requests(w.alice) == []
    later = r.request_erasure(w.alice, commitment, 7002, sender=w.outsider).value
    r.refute_erasure(REFUTE, proof, public, [later], sender=w.alice)
    assert r.erasure_request(later).status == "refuted"
    assert not r.dataset(w.alice, commitment).erased  # a refutation changes nothing else


def test_refutation_refusals(world, keys3, keys4):
    w, r = world, world.registry
    rights_circuits(w, keys3)
    refutation_circuit(w, keys4)
    commitment, other = w.dataset(), w.dataset()
    bobs = w.dataset(w.bob)
    a, c = (r.request_erasure(w.alice, commitment, leaf, sender=w.outsider).value for leaf in (7001, 7003))
    of_other = r.request_erasure(w.alice, other, 7001, sender=w.outsider).value
    of_bob = r.request_erasure(w.bob, bobs, 7001, sender=w.outsider).value
    proof, public = keys4.prove([int(w.alice, 16), commitment, 7001, 7002])
    expect("ErasureRequestCount", r.refute_erasure, REFUTE, proof, public, [], sender=w.alice)
    expect("ErasureRequestNotFound", r.refute_erasure, REFUTE, proof, public, [a, 99], sender=w.alice)
    error = expect("ErasureRequestOtherInstitution", r.refute_erasure, REFUTE, proof, public, [a, of_bob],
                   sender=w.alice)
    assert error.detail.lower() == f"{of_bob}, {w.bob.lower()}"
    error = expect("ErasureRequestOtherDataset", r.refute_erasure, REFUTE, proof, public, [of_other], sender=w.alice)
    assert error.detail == f"{of_other}, {other}"
    error = expect("ErasureLeafNotInProof", r.refute_erasure, REFUTE, proof, public, [a, c], sender=w.alice)
    assert error.detail == f"{c}, 7003"
    expect("InstitutionInputMismatch", r.refute_erasure, REFUTE, proof, public, [of_bob], sender=w.bob)
    expect("ProofRejected", r.refute_erasure, REFUTE, tamper(proof), public, [a], sender=w.alice)
    # The real proof claimed for other leaves, or for another dataset, does not verify.
    expect("ProofRejected", r.refute_erasure, REFUTE, proof, public[:2] + [7003, 7002], [c], sender=w.alice)
    expect("ProofRejected", r.refute_erasure, REFUTE, proof, [public[0], other, 7001, 7002], [of_other],
           sender=w.alice)
    # Only a non-membership circuit refutes; it answers nothing.
    expect("WrongCircuitKind", r.refute_erasure, VALIDITY, *keys3.prove([int(w.alice, 16), commitment, SCHEMA]), [a],
           sender=w.alice)
    expect("WrongCircuitKind", r.anchor_erasure, REFUTE, proof, public, [a], sender=w.alice)
    expect("UnknownCircuit", r.refute_erasure, "never-registered", proof, public, [a], sender=w.alice)
    assert {q.status for q in r.erasure_requests()} == {"pending"}
    # Refuted, it cannot be answered; answered, it cannot be refuted.
    r.refute_erasure(REFUTE, proof, public, [a], sender=w.alice)
    error = expect("ErasureRequestRefuted", r.refute_erasure, REFUTE, proof, public, [a], sender=w.alice)
    assert error.detail == f"{a}, {r.erasure_request(a).refuted_block}"
    d = r.request_erasure(w.alice, commitment, 7004, sender=w.outsider).value
    expect("ErasureRequestRefuted", r.anchor_erasure, ERASURE, *erasure(w, w.alice, commitment, 8001, (7001, 7004)),
           [a, d], sender=w.alice)
    r.anchor_erasure(ERASURE, *erasure(w, w.alice, commitment, 8001, (7003, 7004)), [c, d], sender=w.alice)
    expect("ErasureRequestAnswered", r.refute_erasure, REFUTE, *keys4.prove([int(w.alice, 16), commitment, 7003, 7004]),
           [c], sender=w.alice)
    # A refutation about the erased dataset's successor refutes nothing filed against the dataset itself.
    e = r.request_erasure(w.alice, commitment, 7005, sender=w.outsider).value
    expect("ErasureRequestOtherDataset", r.refute_erasure, REFUTE, *keys4.prove([int(w.alice, 16), 8001, 7005, 7006]),
           [e], sender=w.alice)
    # A revoked institution refutes nothing (like answering, it takes an active one).
    r.revoke_institution(w.bob, sender=w.admin)
    expect("RevokedInstitution", r.refute_erasure, REFUTE, *keys4.prove([int(w.bob, 16), bobs, 7001, 7002]),
           [of_bob], sender=w.bob)


@pytest.mark.slow
def test_refutation_gas_per_request_is_small(embedded_world, keys4):
    # Each request refuted costs its three slots' reads, one write and the look-up of its leaf.
    w, r = embedded_world, embedded_world.registry
    v4 = deploy_verifier(w.chain, keys4.vk)
    r.register_circuit(REFUTE, v4.address, 4, "nonmembership", CIRCUIT_HASH, 37, sender=w.admin)
    overhead = {}
    for k in (1, 2):
        commitment = w.dataset()
        ids = [r.request_erasure(w.alice, commitment, 100 + j, sender=w.outsider).value for j in range(k)]
        proof, public = keys4.prove([int(w.alice, 16), commitment, 100, 101])
        bare = bare_verifier_gas(w.chain, v4, proof, public)
        overhead[k] = r.refute_erasure(REFUTE, proof, public, ids, sender=w.alice).gas_used - bare
    per_request = overhead[2] - overhead[1]
    print(f"\nrefuteErasure over verifyProof: 1 request {overhead[1]:,}, 2 requests {overhead[2]:,} "
          f"(per request {per_request:,})")
    assert per_request <= 12_000 and overhead[1] <= 30_000, overhead
