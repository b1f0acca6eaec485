"""Python client of the ``ZkAnchorRegistry`` contract v2 (``contracts/ZkAnchorRegistry.sol``).

    registry = deploy_registry(chain)                       # the sender becomes the admin
    registry.register_institution(hospital, "St. Mary")
    registry.register_circuit("linreg-v1", verifier.address, 5, "training", circuit_hash, spec_digest)
    registry.anchor_dataset(commitment, sender=hospital)    # a block before the training anchor
    registry.anchor_training("linreg-v1", proof, public, sender=hospital)
    registry.open_run("run-1", "linreg-v1", commitment, 4, start_weights, sender=hospital)  # when training starts
    registry.anchor_segment("linreg-v1", "run-1", 0, 4, proof0, public0, sender=hospital)  # opens it if need be
    registry.anchor_aggregate("fedavg-v1", proof, public, [("linreg-v1", public_a), ...], sender=aggregator)

Data subjects' rights::

    request = registry.request_erasure(hospital, commitment, receipt.leaf, sender=subject).value   # an id
    registry.anchor_erasure("erasure-8x1", proof, public, [request], sender=hospital)  # C_D -> C_D'
    registry.refute_erasure("absent-8x1", proof, public, [bogus], sender=hospital)    # not in C_D
    registry.erasure_request(request).status                 # pending, answered, overdue or refuted
    registry.anchor_validity("schema-v1", proof, public, sender=hospital)

The rules the contract enforces (and why) are in the contract's header comment; how it
names things (statement and proof hashes) is in :mod:`.encoding`.  A refused transaction
raises :class:`~zkanchor.anchor.errors.RegistryError`, naming the contract's custom error
and saying in words what it means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from eth_utils import event_abi_to_log_topic
from web3 import Web3

from ..chain import Chain
from ..errors import ChainError, InputError
from ..groth16.keys import Proof
from ..solidity.compiler import CompiledContract
from .encoding import (
    MIN_PUBLIC_INPUTS,
    circuit_hash_bytes,
    circuit_id_bytes,
    circuit_id_text,
    kind_name,
    kind_number,
    parse_commitment,
    proof_hash,
    proof_words,
    run_id_bytes,
    statement_hash,
)
from .errors import as_registry_error, registry_error

CONTRACT_NAME = "ZkAnchorRegistry"
SOURCE_FILE = "ZkAnchorRegistry.sol"
DEFAULT_CHALLENGE_WINDOW = 7_200  # blocks: about a day at 12 s a block
DEFAULT_ERASURE_DEADLINE = 216_000  # blocks: about 30 days at 12 s a block (GDPR art. 12(3): one month)

# Explicit gas limits (chain.py never estimates).  The registry refuses to call a verifier
# with less than its allowance (200k + 7k per input) left, so anchoring limits sit well above.
DEPLOY_GAS = 6_000_000
ADMIN_GAS = 300_000
REGISTER_CIRCUIT_GAS = 1_500_000  # includes a probe call to the verifier
ANCHOR_DATASET_GAS = 300_000
OPTIMISTIC_GAS = 400_000
CHALLENGE_GAS = 200_000
VERIFY_GAS_BASE = 600_000
VERIFY_GAS_PER_INPUT = 20_000
SEGMENT_EXTRA_GAS = 150_000  # a segment updates its run's two slots (openRun wrote them)
OPEN_RUN_GAS = 250_000  # two new slots, the dataset's count and the RunOpened event
AGGREGATE_GAS_PER_MEMBER = 40_000
REQUEST_ERASURE_GAS = 250_000  # three new slots and the counter
ERASURE_GAS_EXTRA = 250_000  # the anchor, C_D' (its record, list entry, link) and C_D's update
ERASURE_GAS_PER_REQUEST = 40_000  # more if a request names an earlier dataset of the erasure chain
VALIDITY_GAS_EXTRA = 150_000  # the anchor and the dataset's validity record
REFUTE_GAS_EXTRA = 60_000  # the checks and the ErasureRefuted event (no anchor is stored)
REFUTE_GAS_PER_REQUEST = 30_000  # three cold slots read, one rewritten, the leaf looked up
MAX_EXPIRY = 2**40 - 1  # the contract stores a retention expiry as uint40
LOG_CHUNK_BLOCKS = 5_000  # many providers cap eth_getLogs ranges
# Registry functions newer than 2.0: the version that added them, and what it added.
_ADDED_IN = {"openRun": ("2.2", "explicit checkpoint-run opening"),
             "refuteErasure": ("2.3", "refutations of erasure requests")}

INSTITUTION_STATUS = ("none", "active", "revoked")
ANCHOR_KIND = ("none", "verified", "optimistic")
ANCHOR_STATUS = ("none", "valid", "pending", "challenged", "invalid")
ERASURE_STATUS = ("none", "pending", "answered", "overdue", "refuted")

def training_gas(n_public: int) -> int:
    """The gas limit zkanchor gives anchorTraining and resolve."""
    return VERIFY_GAS_BASE + VERIFY_GAS_PER_INPUT * n_public


def aggregate_gas(n_public: int, members: Sequence[Sequence[int]]) -> int:
    """The gas limit zkanchor gives anchorAggregate."""
    words = sum(len(m) for m in members)
    return training_gas(n_public) + AGGREGATE_GAS_PER_MEMBER * len(members) + 1_000 * words


def erasure_gas(n_public: int, requests: int) -> int:
    """The gas limit zkanchor gives anchorErasure."""
    return training_gas(n_public) + ERASURE_GAS_EXTRA + ERASURE_GAS_PER_REQUEST * requests


def refute_gas(n_public: int, requests: int) -> int:
    """The gas limit zkanchor gives refuteErasure."""
    return training_gas(n_public) + REFUTE_GAS_EXTRA + REFUTE_GAS_PER_REQUEST * requests


# ---------------------------------------------------------------- records read from chain

@dataclass(frozen=True)
class InstitutionInfo:
    """An institution as the registry sees it (``status``: none, active or revoked)."""

    address: str
    status: str
    since_block: int
    dataset_count: int


@dataclass(frozen=True)
class CircuitInfo:
    """A registered circuit; ``verifier`` is the zero address when none is registered.

    ``kind`` is ``training`` or ``aggregation``; ``circuit_hash`` the sha256 of the canonical
    R1CS its verification key is bound to; ``spec_digest`` the field element every training
    statement of it carries as input 4; ``public_start`` the commitment of the public initial
    weights its checkpoint runs start from (0 = none).
    """

    circuit_id: str
    verifier: str
    n_public: int
    kind: str
    training_block_input: int
    circuit_hash: str
    spec_digest: int
    public_start: int
    description_hash: str
    registered_at: int

    @property
    def exists(self) -> bool:
        """True if a circuit is registered under this id."""
        return int(self.verifier, 16) != 0


@dataclass(frozen=True)
class DatasetInfo:
    """``owner``'s anchor of a dataset commitment (``anchored`` False when ``owner`` never anchored it).

    ``expires_at`` is the retention expiry (unix time, 0 = none).  ``erased_at`` is the block of
    the erasure that superseded the dataset and ``erased_into`` the commitment it anchored (0 if
    not erased); ``erased_from`` the dataset this one was erased from (0 if none).
    """

    commitment: int
    owner: str
    block_number: int
    timestamp: int
    expires_at: int
    metadata_hash: str
    anchor_count: int
    erased_at: int = 0
    erased_into: int = 0
    erased_from: int = 0

    @property
    def anchored(self) -> bool:
        """True if ``owner`` anchored the commitment."""
        return self.block_number != 0

    @property
    def erased(self) -> bool:
        """True if an erasure superseded the dataset (nothing new may rest on it)."""
        return self.erased_at != 0


@dataclass(frozen=True)
class ErasureRequestInfo:
    """An erasure request (``status``: none, pending, answered, overdue = pending past its deadline,
    or refuted = shown by a non-membership proof to name a record its dataset never held).

    Blocks: ``filed_block`` it was filed in, ``deadline`` the last block it is due by,
    ``answered_block`` that of the erasure that answered it (0 = not answered), ``refuted_block``
    that of the refutation (0 = not refuted).  ``requester`` (who filed it) is known from its
    event only, so views leave it empty.
    """

    request_id: int
    owner: str
    dataset: int
    leaf: int
    filed_block: int
    deadline: int
    answered_block: int
    status: str
    requester: str = ""
    refuted_block: int = 0

    @property
    def exists(self) -> bool:
        """True if a request has this id."""
        return self.status != "none"

    @property
    def answered(self) -> bool:
        return self.answered_block != 0

    @property
    def refuted(self) -> bool:
        """Settled by a refutation: the record it names is not in its dataset."""
        return self.refuted_block != 0

    @property
    def late(self) -> bool:
        """Answered after its deadline."""
        return self.answered and self.answered_block > self.deadline

    def overdue_at(self, block: int) -> bool:
        """Neither answered nor refuted, and past its deadline at ``block``."""
        return not self.answered and not self.refuted and block > self.deadline


@dataclass(frozen=True)
class ValidityInfo:
    """The latest validity claim about ``owner``'s dataset (``claims`` 0 = none)."""

    owner: str
    dataset: int
    schema_digest: int
    statement_hash: str
    circuit_id: str
    block_number: int
    claims: int

    @property
    def exists(self) -> bool:
        return self.claims != 0


@dataclass(frozen=True)
class AnchorInfo:
    """An anchor by statement hash (``kind`` none = never anchored; ``circuit_kind`` training or aggregation)."""

    statement_hash: str
    institution: str
    kind: str
    status: str
    block_number: int
    timestamp: int
    proof_hash: str  # optimistic anchors only, else zero
    challenge_deadline: int  # challenged anchors only, else 0
    circuit_kind: str = ""


@dataclass(frozen=True)
class RunInfo:
    """An institution's checkpoint run as the registry stores it (``exists`` False if never opened).

    ``segments`` is how many are anchored (the next one's index); ``last_weights`` is the last
    segment's C_W (the run's starting weights while none is anchored) and ``last_block`` its
    block (0 while none is); ``opened_at`` is the block of the run's openRun (0 for a run of a
    registry before 2.2, where segment 0 opened it).  Whether a segment was later found invalid
    is the audit's business (:func:`zkanchor.anchor.audit.run_reports`): the registry records
    the chain as anchored.
    """

    institution: str
    run_id: str
    circuit_id: str
    dataset: int
    total: int
    segments: int
    last_weights: int
    last_block: int
    opened_at: int = 0

    @property
    def exists(self) -> bool:
        """True if the run was opened."""
        return self.total != 0

    @property
    def last_index(self) -> int:
        """The last anchored segment's index (-1 while none is)."""
        return self.segments - 1

    @property
    def all_anchored(self) -> bool:
        """True if every segment up to the last (``total - 1``) is anchored."""
        return self.exists and self.segments == self.total


@dataclass(frozen=True)
class TxResult:
    """A mined registry transaction; ``value`` is what the call returned when it matters
    (the statement hash of an anchor, the verdict of a resolve, a challenge's deadline).
    ``opened``: the openRun transaction a segment 0 sent first, when its run was not open."""

    tx_hash: str
    block_number: int
    gas_used: int
    value: Any = None
    opened: "TxResult | None" = None


@dataclass(frozen=True)
class RegistryEvent:
    """One decoded registry event; ``args`` keep the ABI's names (bytes as ``0x`` hex)."""

    name: str
    args: dict
    block_number: int
    tx_hash: str
    log_index: int


# ---------------------------------------------------------------- compile and deploy

def registry_source() -> str:
    """The registry's Solidity source from the contracts directory."""
    from ..fileio import read_bytes
    from ..paths import contracts_dir

    path = contracts_dir() / SOURCE_FILE
    if not path.is_file():
        raise InputError(f"the registry source {str(path)!r} is missing; set ZKANCHOR_CONTRACTS to the contracts/ directory")
    return read_bytes(path, "registry source").decode("utf-8")


ARTIFACT_FILE = f"artifacts/{CONTRACT_NAME}.json"


def shipped_registry_artifact(source: str | None = None) -> CompiledContract | None:
    """The precompiled registry shipped in ``contracts/artifacts/`` if it was compiled from
    exactly ``source`` (default: the current source) with our settings; else None."""
    import hashlib

    from ..errors import FormatError
    from ..fileio import read_json
    from ..paths import contracts_dir
    from ..solidity.compiler import compiler_settings

    path = contracts_dir() / ARTIFACT_FILE
    if not path.is_file():
        return None
    source = registry_source() if source is None else source
    try:
        artifact = CompiledContract.from_json(read_json(path, "registry artifact"))
    except (FormatError, InputError):
        return None
    if (artifact.contract_name != CONTRACT_NAME
            or artifact.source_hash != hashlib.sha256(source.encode("utf-8")).hexdigest()
            or artifact.settings != compiler_settings(via_ir=True)):
        return None
    return artifact


def compile_registry() -> CompiledContract:
    """The compiled registry: the shipped artifact when it matches the source (so deploying
    needs no compiler), else a compile through the artifact cache.  Yul pipeline: legacy
    codegen runs out of stack on its view functions, and via-IR is cheaper per call anyway."""
    from ..solidity.compiler import compile_source

    source = registry_source()
    shipped = shipped_registry_artifact(source)
    if shipped is not None:
        return shipped
    return compile_source(source, CONTRACT_NAME, via_ir=True)


def deploy_registry(
    chain: Chain,
    sender: str | None = None,
    challenge_window: int = DEFAULT_CHALLENGE_WINDOW,
    erasure_deadline: int = DEFAULT_ERASURE_DEADLINE,
) -> "Registry":
    """Deploy a new registry whose admin is ``sender`` (default: the chain's default account).

    ``challenge_window``: blocks to reveal a challenged optimistic proof; ``erasure_deadline``:
    blocks an institution has to answer an erasure request.
    """
    if isinstance(challenge_window, bool) or not isinstance(challenge_window, int) or challenge_window < 1:
        raise InputError("the challenge window must be a positive number of blocks")
    if isinstance(erasure_deadline, bool) or not isinstance(erasure_deadline, int) or not 1 <= erasure_deadline < 2**40:
        raise InputError("the erasure deadline must be a positive number of blocks (below 2^40)")
    compiled = compile_registry()
    deployed = chain.deploy(compiled, challenge_window, erasure_deadline, sender=sender, gas=DEPLOY_GAS)
    receipt = deployed.receipt
    return Registry(
        chain=chain,
        address=deployed.address,
        abi=list(compiled.abi),
        deploy_block=int(receipt["blockNumber"]),
        deploy_tx=_hex(receipt["transactionHash"]),
        deploy_gas=int(deployed.gas_used),
    )


# ---------------------------------------------------------------- the client

def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _plain(value: Any) -> Any:
    """ABI values as plain Python: bytes as ``0x`` hex, lists and tuples recursively."""
    if isinstance(value, (bytes, bytearray)):
        return _hex(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass
class Registry:
    """A deployed registry on ``chain``: transactions, views and decoded events."""

    chain: Chain
    address: str
    abi: list = field(repr=False)
    deploy_block: int = 0
    deploy_tx: str | None = None
    deploy_gas: int | None = None

    def __post_init__(self) -> None:
        self.address = Web3.to_checksum_address(self.address)
        self.contract = self.chain.contract(self.address, self.abi)
        self._events = {
            event_abi_to_log_topic(e): e["name"] for e in self.abi if e.get("type") == "event"
        }

    @classmethod
    def attach(cls, chain: Chain, record: Any) -> "Registry":
        """Attach to the registry a deployment record describes (see ``anchor.deployment``).

        Refuses (ChainError) a chain with another chain id or no contract at the address.
        """
        if chain.chain_id != record.chain_id:
            raise ChainError(f"the deployment is on chain id {record.chain_id} but the node is chain id {chain.chain_id}")
        if not chain.w3.eth.get_code(Web3.to_checksum_address(record.registry)):
            raise ChainError(f"there is no contract at the registry address {record.registry} on this chain")
        return cls(chain=chain, address=record.registry, abi=list(record.abi), deploy_block=record.block,
                   deploy_tx=record.tx_hash)

    # -- sending ---------------------------------------------------------------

    def _has(self, name: str) -> bool:
        return any(e.get("type") == "function" and e.get("name") == name for e in self.abi)

    def _fn(self, name: str) -> Any:
        """The contract function ``name``; a registry deployed before it existed is refused in words."""
        if not self._has(name):
            version, what = _ADDED_IN.get(name, ("2.1", "data subjects' rights"))
            raise ChainError(f"the registry at {self.address} has no {name} (its ABI predates registry {version}, "
                             f"which added {what}): deploy a new registry")
        return getattr(self.contract.functions, name)

    def _send(self, fn_call: Any, sender: str | None, gas: int) -> Any:
        self._dry_run(fn_call, sender, gas)
        try:
            return self.chain.transact(fn_call, sender=sender, gas=gas)
        except ChainError as exc:
            raise as_registry_error(exc, fn_call.fn_name) from None

    def _dry_run(self, fn_call: Any, sender: str | None, gas: int) -> None:
        # Run the transaction as a call on the *pending* block first, so that a doomed one
        # costs no gas and its refusal names the right error.  Not "latest": there
        # block.number is one less than in the block the transaction will land in, which
        # turns the dataset-ordering rule against a valid anchor; and a reverted
        # transaction's reason, replayed later on its parent block, has the same problem.
        try:
            self.chain.call(fn_call, sender=sender, gas=gas, block="pending", abi=self.abi)
        except ChainError as exc:
            raise as_registry_error(exc, fn_call.fn_name) from None

    def _result(self, receipt: Any, value: Any = None) -> TxResult:
        return TxResult(_hex(receipt["transactionHash"]), int(receipt["blockNumber"]), int(receipt["gasUsed"]), value)

    def _emitted(self, receipt: Any, name: str) -> dict:
        for log in receipt["logs"]:
            if log["topics"] and self._events.get(bytes(log["topics"][0])) == name:
                return dict(getattr(self.contract.events, name)().process_log(log)["args"])
        raise ChainError(f"the transaction succeeded but emitted no {name} event")

    # -- admin -----------------------------------------------------------------

    def admin(self) -> str:
        """The current admin's address."""
        return self.chain.call(self.contract.functions.admin())

    def version(self) -> str:
        """The contract's VERSION string."""
        return self.chain.call(self.contract.functions.VERSION())

    def challenge_window(self) -> int:
        """Blocks an institution has to reveal a challenged optimistic anchor's proof."""
        return int(self.chain.call(self.contract.functions.challengeWindow()))

    def erasure_deadline(self) -> int:
        """Blocks an institution has to answer an erasure request (0 for a registry before 2.1)."""
        if not any(e.get("name") == "erasureDeadline" for e in self.abi):
            return 0
        return int(self.chain.call(self.contract.functions.erasureDeadline()))

    def transfer_admin(self, new_admin: str, sender: str | None = None) -> TxResult:
        """Start a two-step admin transfer (the new admin must call :meth:`accept_admin`)."""
        return self._result(self._send(self.contract.functions.transferAdmin(_address(new_admin)), sender, ADMIN_GAS))

    def accept_admin(self, sender: str | None = None) -> TxResult:
        """Complete an admin transfer, sent by the pending admin."""
        return self._result(self._send(self.contract.functions.acceptAdmin(), sender, ADMIN_GAS))

    def register_institution(self, institution: str, name: str = "", sender: str | None = None) -> TxResult:
        """Register (or reinstate) an institution; admin only."""
        fn = self.contract.functions.registerInstitution(_address(institution), str(name))
        return self._result(self._send(fn, sender, ADMIN_GAS))

    def revoke_institution(self, institution: str, sender: str | None = None) -> TxResult:
        """Revoke an institution; admin only.  Its existing anchors stay."""
        return self._result(self._send(self.contract.functions.revokeInstitution(_address(institution)), sender, ADMIN_GAS))

    def register_circuit(
        self,
        circuit_id: str | bytes,
        verifier_address: str,
        n_public: int,
        kind: str | int,
        circuit_hash: str | bytes | None,
        spec_digest: int | str,
        public_start: int | str = 0,
        description: str = "",
        training_block_input: int = 0,
        sender: str | None = None,
        *,
        key_circuit_hash: str | bytes | None = None,
    ) -> TxResult:
        """Register a circuit's verifier (deploy it first, e.g. ``solidity.onchain.deploy_verifier``); admin only.

        ``circuit_hash`` is the circuit hash the caller expects (rebuilt from the statement's
        spec): the record anchors are judged by.  It is required; when the caller also knows
        the hash the verification key is bound to (its ``setup.json`` or ceremony record),
        it passes it as ``key_circuit_hash`` and registration is refused unless the two agree.
        ``kind`` is ``training`` (1), ``aggregation`` (2), ``erasure`` (3), ``validity`` (4) or
        ``nonmembership`` (5);
        ``spec_digest`` the field element training statements carry as input 4 (and validity
        statements as input 2: the schema digest); ``public_start`` (training only) the commitment
        of the public initial weights checkpoint runs must start from, 0 for none;
        ``training_block_input`` the index of a public input holding a claimed training-start
        block, 0 for none.
        """
        if circuit_hash is None:
            raise InputError("registering a verifier needs the circuit hash its verification key is bound to")
        expected = circuit_hash_bytes(circuit_hash)
        if key_circuit_hash is not None and circuit_hash_bytes(key_circuit_hash) != expected:
            raise InputError(
                f"the verification key is bound to circuit {circuit_hash_bytes(key_circuit_hash).hex()[:16]}..., "
                f"not to the expected circuit {expected.hex()[:16]}..."
            )
        if not isinstance(n_public, int) or not 0 <= n_public < 2**16:
            raise InputError("the number of public inputs must be an integer in [0, 65536)")
        if not isinstance(training_block_input, int) or not 0 <= training_block_input < 256:
            raise InputError("the training-block input index must be an integer in [0, 256)")
        digest = parse_commitment(spec_digest, "spec digest")
        start = parse_commitment(public_start, "public start", allow_zero=True)
        fn = self.contract.functions.registerCircuit(
            circuit_id_bytes(circuit_id), _address(verifier_address), n_public, kind_number(kind),
            training_block_input, expected, digest, start, str(description),
        )
        return self._result(self._send(fn, sender, REGISTER_CIRCUIT_GAS))

    # -- institutions ----------------------------------------------------------

    def anchor_dataset(
        self,
        commitment: int | str,
        metadata_hash: bytes | str = bytes(32),
        expires_at: int = 0,
        sender: str | None = None,
    ) -> TxResult:
        """Anchor a dataset commitment in the sender's namespace (before training on it), with an
        optional 32-byte metadata hash and retention expiry (unix time, 0 = none)."""
        value = parse_commitment(commitment)
        if isinstance(expires_at, bool) or not isinstance(expires_at, int) or not 0 <= expires_at <= MAX_EXPIRY:
            raise InputError("the retention expiry must be a unix time in seconds (0 for none)")
        fn = self.contract.functions.anchorDataset(value, _bytes32(metadata_hash, "metadata hash"), expires_at)
        return self._result(self._send(fn, sender, ANCHOR_DATASET_GAS), value)

    def anchor_training(
        self, circuit_id: str | bytes, proof: Proof, public: Sequence[int], sender: str | None = None, gas: int | None = None
    ) -> TxResult:
        """Verified anchoring: the registry runs the verifier; ``value`` is the statement hash."""
        a, b, c, inputs = _calldata(proof, public)
        fn = self.contract.functions.anchorTraining(circuit_id_bytes(circuit_id), a, b, c, inputs)
        receipt = self._send(fn, sender, gas or training_gas(len(inputs)))
        return self._result(receipt, _hex(self._emitted(receipt, "TrainingAnchored")["statementHash"]))

    def anchor_optimistic(
        self,
        circuit_id: str | bytes,
        public: Sequence[int],
        proof: Proof | None = None,
        proof_hash_value: bytes | None = None,
        sender: str | None = None,
    ) -> TxResult:
        """Optimistic anchoring: store the statement and the hash of ``proof`` (or a given hash)."""
        if (proof is None) == (proof_hash_value is None):
            raise InputError("give exactly one of a proof or a proof hash to anchor optimistically")
        committed = proof_hash(proof) if proof is not None else _bytes32(proof_hash_value, "proof hash")
        inputs = _inputs(public)
        fn = self.contract.functions.anchorOptimistic(circuit_id_bytes(circuit_id), inputs, committed)
        receipt = self._send(fn, sender, OPTIMISTIC_GAS)
        return self._result(receipt, _hex(self._emitted(receipt, "OptimisticAnchored")["statementHash"]))

    def open_run(
        self,
        run_id: str | bytes,
        circuit_id: str | bytes,
        dataset: int | str,
        total: int,
        start_weights: int | str,
        sender: str | None = None,
    ) -> TxResult:
        """Declare the sender's checkpoint run ``run_id`` when training starts: ``total`` segments of
        the training circuit ``circuit_id`` over its dataset ``dataset`` (anchored in an earlier
        block), from the weights committed in ``start_weights`` (the circuit's public start, when it
        has one).  Its segments, index 0 included, then extend it.  ``value`` is the run id, 0x hex."""
        raw = run_id_bytes(run_id)
        # Numbers outside (0, r) are passed through (as from a segment's inputs): the registry
        # refuses them (DatasetNotAnchored, InvalidStartWeights).
        commitment = parse_commitment(dataset) if isinstance(dataset, str) else _count(dataset, "dataset commitment")
        start = (parse_commitment(start_weights, "starting weights commitment")
                 if isinstance(start_weights, str) else _count(start_weights, "starting weights commitment"))
        fn = self._fn("openRun")(
            raw, circuit_id_bytes(circuit_id), commitment, _count(total, "number of segments"), start,
        )
        return self._result(self._send(fn, sender, OPEN_RUN_GAS), _hex(raw))

    def _open_for_segment(
        self, cid: bytes, run_id: bytes, index: int, total: int, inputs: list[int], sender: str | None,
        proof: Proof | None, committed: bytes | None = None,
    ) -> TxResult | None:
        """Segment 0 of a run that is not open yet (registry 2.2): open it first, from the segment's
        circuit, C_D (input 1), C_W0 (input 2) and total.  A segment the registry would refuse for
        its own statement or proof is refused here first, so that it opens nothing."""
        who = sender or self.chain.default_account
        if index != 0 or not self._has("openRun") or who is None or len(inputs) < MIN_PUBLIC_INPUTS:
            return None
        if self.run(who, run_id).exists:
            return None
        self._check_segment(cid, inputs, _address(who), proof, committed)
        return self.open_run(run_id, cid, inputs[1], total, inputs[2], sender=sender)

    def _check_segment(
        self, cid: bytes, inputs: list[int], who: str, proof: Proof | None, committed: bytes | None
    ) -> None:
        """What anchorSegment checks of a statement (and a verified segment's proof, an optimistic
        one's proof hash) beyond what openRun checks, from the registry's views; a circuit it does
        not know is openRun's to refuse."""
        from ..bn254.constants import R

        fn_name = "anchorSegment" if proof is not None else "anchorSegmentOptimistic"
        if committed == bytes(32):
            raise registry_error(fn_name, "ZeroProofHash")
        circuit = self.circuit(cid)
        if not circuit.exists or circuit.kind != "training":
            return
        if len(inputs) != circuit.n_public:
            raise registry_error(fn_name, "WrongInputCount", f"{circuit.n_public}, {len(inputs)}")
        for i, v in enumerate(inputs):
            if v >= R:
                raise registry_error(fn_name, "InputNotInField", f"{i}, {v}")
        if inputs[0] != int(who, 16):
            raise registry_error(fn_name, "InstitutionInputMismatch", f"{who}, {inputs[0]}")
        if inputs[4] != circuit.spec_digest:
            raise registry_error(fn_name, "SpecDigestMismatch", f"{circuit.spec_digest}, {inputs[4]}")
        sh = statement_hash(cid, inputs)
        if self.anchor(sh).kind != "none":
            raise registry_error(fn_name, "StatementAlreadyAnchored", _hex(sh))
        if proof is not None and self._verifier_says(circuit.verifier, proof, inputs) is False:
            raise registry_error(fn_name, "ProofRejected", _hex(sh))

    def _verifier_says(self, verifier: str, proof: Proof, inputs: list[int]) -> bool | None:
        """The circuit's verifier's answer for ``proof`` (None if the call itself fails)."""
        from eth_abi import encode as abi_encode
        from eth_utils import keccak

        n = len(inputs)
        selector = keccak(text=f"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])")[:4]
        a, b, c = proof_words(proof)
        data = selector + abi_encode(["uint256[2]", "uint256[2][2]", "uint256[2]", f"uint256[{n}]"], [a, b, c, inputs])
        try:
            answer = self.chain.w3.eth.call({"to": verifier, "data": data, "gas": training_gas(n)})
        except Exception:  # a verifier that reverts: the registry names that (VerifierCallFailed)  # noqa: BLE001
            return None
        return len(answer) == 32 and int.from_bytes(answer, "big") == 1

    def anchor_segment(
        self,
        circuit_id: str | bytes,
        run_id: str | bytes,
        index: int,
        total: int,
        proof: Proof,
        public: Sequence[int],
        sender: str | None = None,
        gas: int | None = None,
    ) -> TxResult:
        """Verified anchoring of segment ``index`` of ``total`` of the sender's run ``run_id``;
        ``value`` is the statement hash.  Segment 0 of a run that is not open yet opens it first
        (:meth:`open_run`, a transaction of its own: ``opened`` in the result)."""
        a, b, c, inputs = _calldata(proof, public)
        cid, rid = circuit_id_bytes(circuit_id), run_id_bytes(run_id)
        index, total = _count(index, "segment index"), _count(total, "number of segments")
        opened = self._open_for_segment(cid, rid, index, total, inputs, sender, proof)
        fn = self.contract.functions.anchorSegment(cid, rid, index, total, a, b, c, inputs)
        receipt = self._send(fn, sender, gas or training_gas(len(inputs)) + SEGMENT_EXTRA_GAS)
        return replace(self._result(receipt, _hex(self._emitted(receipt, "SegmentAnchored")["statementHash"])),
                       opened=opened)

    def anchor_segment_optimistic(
        self,
        circuit_id: str | bytes,
        run_id: str | bytes,
        index: int,
        total: int,
        public: Sequence[int],
        proof: Proof | None = None,
        proof_hash_value: bytes | None = None,
        sender: str | None = None,
    ) -> TxResult:
        """Optimistic anchoring of a segment: the run is extended now, the proof revealed later.
        Segment 0 of a run that is not open yet opens it first, like :meth:`anchor_segment`."""
        if (proof is None) == (proof_hash_value is None):
            raise InputError("give exactly one of a proof or a proof hash to anchor optimistically")
        committed = proof_hash(proof) if proof is not None else _bytes32(proof_hash_value, "proof hash")
        cid, rid, inputs = circuit_id_bytes(circuit_id), run_id_bytes(run_id), _inputs(public)
        index, total = _count(index, "segment index"), _count(total, "number of segments")
        opened = self._open_for_segment(cid, rid, index, total, inputs, sender, None, committed)
        fn = self.contract.functions.anchorSegmentOptimistic(cid, rid, index, total, inputs, committed)
        receipt = self._send(fn, sender, OPTIMISTIC_GAS + SEGMENT_EXTRA_GAS)
        return replace(self._result(receipt, _hex(self._emitted(receipt, "SegmentAnchored")["statementHash"])),
                       opened=opened)

    def anchor_aggregate(
        self,
        circuit_id: str | bytes,
        proof: Proof,
        public: Sequence[int],
        members: Sequence[tuple[str | bytes, Sequence[int]]],
        sender: str | None = None,
        gas: int | None = None,
    ) -> TxResult:
        """Anchor a federated round: ``public`` is [aggregator, C_prev, C_1..C_k, C_G] and
        ``members[i]`` = (circuit id, public inputs) of the anchored training statement whose
        C_W is C_i.  ``value`` is the aggregate's statement hash."""
        a, b, c, inputs = _calldata(proof, public)
        if isinstance(members, (str, bytes)) or not all(isinstance(m, (tuple, list)) and len(m) == 2 for m in members):
            raise InputError("members must be (circuit id, public inputs) pairs, one per member model")
        circuits = [circuit_id_bytes(cid) for cid, _ in members]
        member_inputs = [_inputs(values) for _, values in members]
        fn = self.contract.functions.anchorAggregate(circuit_id_bytes(circuit_id), a, b, c, inputs, circuits, member_inputs)
        receipt = self._send(fn, sender, gas or aggregate_gas(len(inputs), member_inputs))
        return self._result(receipt, _hex(self._emitted(receipt, "AggregateAnchored")["statementHash"]))

    def anchor_erasure(
        self,
        circuit_id: str | bytes,
        proof: Proof,
        public: Sequence[int],
        request_ids: Sequence[int],
        sender: str | None = None,
        gas: int | None = None,
    ) -> TxResult:
        """Answer erasure requests: ``public`` is [institution, C_D, C_D', L_1..L_k] and
        ``request_ids[j]`` the pending request naming L_{j+1}.  C_D' becomes the sender's dataset,
        C_D is marked erased.  ``value`` is the erasure's statement hash."""
        a, b, c, inputs = _calldata(proof, public)
        if isinstance(request_ids, (str, bytes)):
            raise InputError("the request ids must be a list of integers")
        ids = [_count(i, "erasure request id") for i in request_ids]
        fn = self._fn("anchorErasure")(circuit_id_bytes(circuit_id), a, b, c, inputs, ids)
        receipt = self._send(fn, sender, gas or erasure_gas(len(inputs), len(ids)))
        return self._result(receipt, _hex(self._emitted(receipt, "ErasureAnchored")["statementHash"]))

    def refute_erasure(
        self,
        circuit_id: str | bytes,
        proof: Proof,
        public: Sequence[int],
        request_ids: Sequence[int],
        sender: str | None = None,
        gas: int | None = None,
    ) -> TxResult:
        """Refute erasure requests: ``public`` is [institution, C_D, L_1..L_m] of a non-membership proof
        (no record of C_D has any of those leaves) and ``request_ids`` the pending requests to the
        sender about exactly C_D, each naming one of them (in any order).  They are marked refuted;
        ``value`` is the proof's statement hash (the registry stores no anchor for it)."""
        a, b, c, inputs = _calldata(proof, public)
        if isinstance(request_ids, (str, bytes)):
            raise InputError("the request ids must be a list of integers")
        ids = [_count(i, "erasure request id") for i in request_ids]
        fn = self._fn("refuteErasure")(circuit_id_bytes(circuit_id), a, b, c, inputs, ids)
        receipt = self._send(fn, sender, gas or refute_gas(len(inputs), len(ids)))
        return self._result(receipt, _hex(self._emitted(receipt, "ErasureRefuted")["statementHash"]))

    def anchor_validity(
        self, circuit_id: str | bytes, proof: Proof, public: Sequence[int], sender: str | None = None,
        gas: int | None = None,
    ) -> TxResult:
        """Anchor a validity statement [institution, C_D, schema digest] about the sender's dataset;
        ``value`` is its statement hash."""
        a, b, c, inputs = _calldata(proof, public)
        fn = self._fn("anchorValidity")(circuit_id_bytes(circuit_id), a, b, c, inputs)
        receipt = self._send(fn, sender, gas or training_gas(len(inputs)) + VALIDITY_GAS_EXTRA)
        return self._result(receipt, _hex(self._emitted(receipt, "ValidityAnchored")["statementHash"]))

    # -- anyone ----------------------------------------------------------------

    def request_erasure(
        self, owner: str, commitment: int | str, leaf: int | str, sender: str | None = None
    ) -> TxResult:
        """File an erasure request to ``owner`` about its dataset ``commitment``, naming the record's
        ``leaf`` (from the subject's receipt).  Anyone may send it; ``value`` is the request id."""
        fn = self._fn("requestErasure")(_address(owner), parse_commitment(commitment),
                                        parse_commitment(leaf, "record leaf"))
        receipt = self._send(fn, sender, REQUEST_ERASURE_GAS)
        return self._result(receipt, int(self._emitted(receipt, "ErasureRequested")["requestId"]))

    def challenge(self, statement: str | bytes, sender: str | None = None) -> TxResult:
        """Challenge a pending optimistic anchor; ``value`` is the block the proof is due by."""
        receipt = self._send(self.contract.functions.challenge(_bytes32(statement, "statement hash")), sender, CHALLENGE_GAS)
        return self._result(receipt, int(self._emitted(receipt, "AnchorChallenged")["deadline"]))

    def resolve(
        self, circuit_id: str | bytes, proof: Proof, public: Sequence[int], sender: str | None = None, gas: int | None = None
    ) -> TxResult:
        """Reveal an optimistic anchor's committed proof; ``value`` is the verifier's verdict."""
        a, b, c, inputs = _calldata(proof, public)
        fn = self.contract.functions.resolve(circuit_id_bytes(circuit_id), a, b, c, inputs)
        receipt = self._send(fn, sender, gas or training_gas(len(inputs)))
        return self._result(receipt, bool(self._emitted(receipt, "AnchorResolved")["valid"]))

    def expire(self, statement: str | bytes, sender: str | None = None) -> TxResult:
        """Mark Invalid a challenged anchor whose proof was not revealed before its deadline."""
        return self._result(self._send(self.contract.functions.expire(_bytes32(statement, "statement hash")), sender, CHALLENGE_GAS))

    # -- views -----------------------------------------------------------------

    def institution(self, address: str) -> InstitutionInfo:
        """An institution's status, since which block, and its dataset count."""
        status, since, count = self.chain.call(self.contract.functions.institution(_address(address)))
        return InstitutionInfo(Web3.to_checksum_address(address), INSTITUTION_STATUS[status], int(since), int(count))

    def institutions(self) -> list[str]:
        """Every address ever registered, in order."""
        return list(self.chain.call(self.contract.functions.institutions()))

    def circuit(self, circuit_id: str | bytes) -> CircuitInfo:
        """A circuit's registration (``exists`` is False if none)."""
        raw = circuit_id_bytes(circuit_id)
        verifier, n_public, kind, tbi, chash, digest, start, description_hash, registered_at = self.chain.call(
            self.contract.functions.circuit(raw)
        )
        return CircuitInfo(circuit_id_text(raw), verifier, int(n_public), kind_name(int(kind)) if kind else "none",
                           int(tbi), _hex(chash), int(digest), int(start), _hex(description_hash), int(registered_at))

    def circuit_ids(self) -> list[str]:
        """Registered circuit ids in order, in readable form."""
        return [circuit_id_text(raw) for raw in self.chain.call(self.contract.functions.circuitIds())]

    def dataset(self, owner: str, commitment: int | str) -> DatasetInfo:
        """``owner``'s anchor of a dataset commitment (``anchored`` is False if it never anchored it)."""
        who = _address(owner)
        value = parse_commitment(commitment)
        block, ts, expires, meta, count, *erasure = self.chain.call(self.contract.functions.dataset(who, value))
        erased_at, erased_into, erased_from = (list(erasure) + [0, 0, 0])[:3]
        return DatasetInfo(value, who, int(block), int(ts), int(expires), _hex(meta), int(count), int(erased_at),
                           int(erased_into), int(erased_from))

    def current_dataset(self, owner: str, commitment: int | str) -> DatasetInfo:
        """The dataset ``commitment`` became through erasures (itself if it was never erased)."""
        info = self.dataset(owner, commitment)
        seen = {info.commitment}
        while info.erased and info.erased_into not in seen:
            seen.add(info.erased_into)
            info = self.dataset(owner, info.erased_into)
        return info

    def erasure_request_count(self) -> int:
        """How many erasure requests were filed (their ids are 1..count)."""
        return int(self.chain.call(self._fn("erasureRequestCount")()))

    def erasure_request(self, request_id: int) -> ErasureRequestInfo:
        """Erasure request ``request_id`` as the registry holds it now (``exists`` False if none)."""
        rid = _count(request_id, "erasure request id")
        owner, dataset, leaf, filed, deadline, answered, status = self.chain.call(self._fn("erasureRequest")(rid))
        name = ERASURE_STATUS[status] if status < len(ERASURE_STATUS) else f"status-{status}"
        refuted = int(answered) if name == "refuted" else 0  # the view's answeredAt is the refutation's block
        return ErasureRequestInfo(rid, owner, int(dataset), int(leaf), int(filed), int(deadline),
                                  0 if refuted else int(answered), name, refuted_block=refuted)

    def erasure_requests(
        self, owner: str | None = None, commitment: int | str | None = None, from_block: int | None = None
    ) -> list[ErasureRequestInfo]:
        """Every erasure request (to ``owner``, about ``commitment``, if given), in filing order, with
        its status now and who filed it."""
        who = _address(owner) if owner is not None else None
        value = parse_commitment(commitment) if commitment is not None else None
        out = []
        for e in self.events(from_block, names=("ErasureRequested",)):
            if (who is not None and e.args["owner"] != who) or (value is not None and e.args["datasetCommitment"] != value):
                continue
            info = self.erasure_request(int(e.args["requestId"]))
            out.append(ErasureRequestInfo(**{**info.__dict__, "requester": e.args["requester"]}))
        return out

    def pending_erasure_requests(self, owner: str | None = None, from_block: int | None = None) -> list[ErasureRequestInfo]:
        """Requests not answered yet, overdue ones included."""
        return [r for r in self.erasure_requests(owner, from_block=from_block) if r.status in ("pending", "overdue")]

    def overdue_erasure_requests(self, owner: str | None = None, from_block: int | None = None) -> list[ErasureRequestInfo]:
        """Requests past their deadline and still not answered."""
        return [r for r in self.erasure_requests(owner, from_block=from_block) if r.status == "overdue"]

    def refutations(self, institution: str | None = None, from_block: int | None = None) -> list[RegistryEvent]:
        """ErasureRefuted events (of ``institution``, if given), in chain order."""
        who = _address(institution) if institution is not None else None
        return [e for e in self.events(from_block, names=("ErasureRefuted",)) if who is None or e.args["institution"] == who]

    def erasures(self, institution: str | None = None, from_block: int | None = None) -> list[RegistryEvent]:
        """ErasureAnchored events (of ``institution``, if given), in chain order."""
        who = _address(institution) if institution is not None else None
        return [e for e in self.events(from_block, names=("ErasureAnchored",)) if who is None or e.args["institution"] == who]

    def validity(self, owner: str, commitment: int | str) -> ValidityInfo:
        """The latest validity claim about ``owner``'s dataset (``exists`` False if none)."""
        who = _address(owner)
        value = parse_commitment(commitment)
        digest, sh, cid, block, claims = self.chain.call(self._fn("validity")(who, value))
        return ValidityInfo(who, value, int(digest), _hex(sh), circuit_id_text(cid) if int(claims) else "", int(block),
                            int(claims))

    def validity_claims(
        self, owner: str | None = None, commitment: int | str | None = None, from_block: int | None = None
    ) -> list[RegistryEvent]:
        """ValidityAnchored events (of ``owner``'s dataset ``commitment``, if given), in chain order."""
        who = _address(owner) if owner is not None else None
        value = parse_commitment(commitment) if commitment is not None else None
        return [e for e in self.events(from_block, names=("ValidityAnchored",))
                if (who is None or e.args["institution"] == who)
                and (value is None or e.args["datasetCommitment"] == value)]

    def datasets_of(self, institution: str) -> list[int]:
        """The dataset commitments an institution anchored, in order."""
        return [int(v) for v in self.chain.call(self.contract.functions.datasetsOf(_address(institution)))]

    def anchor(self, statement: str | bytes) -> AnchorInfo:
        """The anchor of a statement hash (kind ``none`` if it was never anchored)."""
        raw = _bytes32(statement, "statement hash")
        owner, kind, status, block, ts, phash, deadline, ckind = self.chain.call(self.contract.functions.anchor(raw))
        return AnchorInfo(_hex(raw), owner, ANCHOR_KIND[kind], ANCHOR_STATUS[status], int(block), int(ts), _hex(phash),
                          int(deadline), kind_name(int(ckind)) if ckind else "")

    def run(self, institution: str, run_id: str | bytes) -> RunInfo:
        """``institution``'s checkpoint run ``run_id`` (``exists`` is False if it never opened one)."""
        who = _address(institution)
        raw = run_id_bytes(run_id)
        cid, dataset, total, counter, last_weights, last_block, *opened = self.chain.call(
            self.contract.functions.run(who, raw))
        total = int(total)
        if opened:  # registry 2.2: the number of segments anchored, and openRun's block
            segments, opened_at = int(counter), int(opened[0])
        else:  # before 2.2 the view named the last segment's index (and segment 0 opened the run)
            segments, opened_at = (int(counter) + 1 if total else 0), 0
        return RunInfo(who, circuit_id_text(raw), circuit_id_text(cid) if total else "", int(dataset), total,
                       segments, int(last_weights), int(last_block), opened_at)

    def runs_opened(self, institution: str | None = None, from_block: int | None = None) -> list[RegistryEvent]:
        """RunOpened events (of ``institution``, if given), in chain order: each run's circuit,
        dataset, total and starting weights as openRun declared them."""
        who = _address(institution) if institution is not None else None
        return [e for e in self.events(from_block, names=("RunOpened",)) if who is None or e.args["institution"] == who]

    def is_aggregate_model(self, aggregator: str, model: int | str) -> bool:
        """True if ``aggregator`` anchored an aggregate whose new global model is ``model``."""
        value = parse_commitment(model, "model commitment")
        return bool(self.chain.call(self.contract.functions.isAggregateModel(_address(aggregator), value)))

    def aggregates(self, aggregator: str | None = None, from_block: int | None = None) -> list[RegistryEvent]:
        """AggregateAnchored events (of ``aggregator``, if given), in chain order; ``members`` are
        the members' statement hashes."""
        who = Web3.to_checksum_address(aggregator) if aggregator is not None else None
        return [e for e in self.events(from_block, names=("AggregateAnchored",))
                if who is None or e.args["aggregator"] == who]

    def segments(self, institution: str, run_id: str | bytes, from_block: int | None = None) -> list[RegistryEvent]:
        """The SegmentAnchored events of ``institution``'s run ``run_id``, in chain order."""
        who = Web3.to_checksum_address(institution)
        raw = "0x" + run_id_bytes(run_id).hex()
        return [e for e in self.events(from_block, names=("SegmentAnchored",))
                if e.args["institution"] == who and e.args["runId"] == raw]

    def anchors_of(self, institution: str, from_block: int | None = None) -> list[RegistryEvent]:
        """An institution's training anchors (verified and optimistic, checkpoint segments included),
        from the event index."""
        who = Web3.to_checksum_address(institution)
        return [e for e in self.events(from_block, names=("TrainingAnchored", "OptimisticAnchored")) if e.args["institution"] == who]

    def anchors_of_dataset(
        self, commitment: int | str, institution: str | None = None, from_block: int | None = None
    ) -> list[RegistryEvent]:
        """The training anchors resting on a dataset commitment (of ``institution``, if given:
        the same number anchored by another institution is another dataset), from the event index."""
        value = parse_commitment(commitment)
        who = Web3.to_checksum_address(institution) if institution is not None else None
        return [
            e for e in self.events(from_block, names=("TrainingAnchored", "OptimisticAnchored"))
            if e.args["datasetCommitment"] == value and (who is None or e.args["institution"] == who)
        ]

    # -- events ----------------------------------------------------------------

    def events(
        self, from_block: int | None = None, to_block: int | None = None, names: Iterable[str] | None = None
    ) -> list[RegistryEvent]:
        """Every registry event in ``[from_block, to_block]`` (default: deployment to latest), decoded."""
        wanted = set(names) if names is not None else None
        start = self.deploy_block if from_block is None else int(from_block)
        end = self.chain.w3.eth.block_number if to_block is None else int(to_block)
        out: list[RegistryEvent] = []
        for lo in range(start, end + 1, LOG_CHUNK_BLOCKS):
            hi = min(end, lo + LOG_CHUNK_BLOCKS - 1)
            try:
                logs = self.chain.w3.eth.get_logs({"address": self.address, "fromBlock": lo, "toBlock": hi})
            except Exception as exc:  # a node error on a range is one sentence, not a traceback  # noqa: BLE001
                raise ChainError(f"reading registry events in blocks {lo}-{hi} failed: {str(exc)[:200]}") from None
            for log in logs:
                name = self._events.get(bytes(log["topics"][0])) if log["topics"] else None
                if name is None or (wanted is not None and name not in wanted):
                    continue
                decoded = getattr(self.contract.events, name)().process_log(log)
                args = {k: _plain(v) for k, v in dict(decoded["args"]).items()}
                out.append(RegistryEvent(name, args, int(log["blockNumber"]), _hex(log["transactionHash"]), int(log["logIndex"])))
        out.sort(key=lambda e: (e.block_number, e.log_index))
        return out

    def decode_call(self, tx_hash: str) -> tuple[str, dict] | None:
        """The registry function and arguments a transaction called, or None if it did not
        call the registry directly (for instance through a wallet contract)."""
        tx = self.chain.w3.eth.get_transaction(tx_hash)
        if tx.get("to") is None or Web3.to_checksum_address(tx["to"]) != self.address:
            return None
        try:
            fn, params = self.contract.decode_function_input(tx["input"])
        except ValueError:
            return None
        return fn.fn_name, dict(params)


# ---------------------------------------------------------------- helpers

def _address(value: str) -> str:
    if not isinstance(value, str) or not Web3.is_address(value):
        raise InputError(f"{value!r:.60} is not an Ethereum address")
    return Web3.to_checksum_address(value)


def _bytes32(value: str | bytes | None, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str):
        text = value.removeprefix("0x")
        if re.fullmatch(r"[0-9a-fA-F]{64}", text):
            return bytes.fromhex(text)
    raise InputError(f"the {what} must be 32 bytes (0x + 64 hex digits)")


def _inputs(public: Sequence[int]) -> list[int]:
    # Values >= r are passed through on purpose: the contract must be the one refusing them.
    out = []
    for i, v in enumerate(public):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**256:
            raise InputError(f"public input {i} must be an integer in [0, 2^256)")
        out.append(v)
    return out


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
        raise InputError(f"the {what} must be a non-negative integer")
    return value


def _calldata(proof: Proof, public: Sequence[int]) -> tuple[list[int], list[list[int]], list[int], list[int]]:
    a, b, c = proof_words(proof)
    return a, b, c, _inputs(public)
