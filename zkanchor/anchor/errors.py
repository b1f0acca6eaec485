"""The registry's refusals: each custom error's meaning, and the exception that carries it."""

from __future__ import annotations

import re

from ..errors import ChainError
from .encoding import MIN_AGGREGATE_INPUTS, MIN_NONMEMBERSHIP_INPUTS, MIN_PUBLIC_INPUTS, MIN_VALIDITY_INPUTS

# What each custom error means, for the one sentence a user reads.
ERROR_MEANINGS = {
    "NotAdmin": "only the registry admin may do this",
    "NotPendingAdmin": "only the pending admin may accept the admin role",
    "ZeroAddress": "the zero address cannot be registered",
    "InvalidChallengeWindow": "the challenge window must be at least one block",
    "InvalidErasureDeadline": "the erasure deadline must be between 1 and 2^40 - 1 blocks",
    "InstitutionAlreadyRegistered": "the institution is already registered",
    "UnregisteredInstitution": "the sender is not a registered institution",
    "RevokedInstitution": "the institution's registration was revoked",
    "InvalidCircuitId": "the circuit id must not be zero",
    "CircuitAlreadyRegistered": "a circuit is already registered under this id (ids are never re-pointed)",
    "UnknownCircuit": "no circuit is registered under this id",
    "InvalidCircuitKind": "the circuit kind must be 1 (training), 2 (aggregation), 3 (erasure), 4 (validity) or "
                          "5 (non-membership)",
    "WrongCircuitKind": "the circuit is of another kind than this call takes (training, aggregation, erasure, "
                        "validity or non-membership)",
    "InvalidCircuitHash": "the circuit hash must not be zero",
    "InvalidSpecDigest": "the spec digest must be a non-zero field element below r",
    "InvalidPublicStart": "the public start must be a field element below r, and 0 for any but a training circuit",
    "VerifierHasNoCode": "there is no contract at the verifier address",
    "VerifierInterfaceMismatch": "the verifier does not answer verifyProof for that many public inputs",
    "TooFewPublicInputs": f"a training statement has at least {MIN_PUBLIC_INPUTS} public inputs, "
                          f"an aggregation and an erasure at least {MIN_AGGREGATE_INPUTS}, a validity claim "
                          f"at least {MIN_VALIDITY_INPUTS}, a non-membership proof at least {MIN_NONMEMBERSHIP_INPUTS}",
    "InvalidTrainingBlockInput": f"the training-block input index must be 0 (none) or, for a training circuit, "
                                 f"between {MIN_PUBLIC_INPUTS} and the last input",
    "InvalidCommitment": "a dataset commitment must be a non-zero field element below r (and an erasure's new "
                         "commitment another than the old one)",
    "InvalidExpiry": "the retention expiry must be 0 (none) or a unix time after the current block's",
    "DatasetAlreadyAnchored": "the sender already anchored this dataset commitment",
    "WrongInputCount": "the number of public inputs does not match the circuit",
    "InputNotInField": "a public input is not below the BN254 scalar field modulus r",
    "InstitutionInputMismatch": "public input 0 is not the sender's address, so the proof names another institution",
    "SpecDigestMismatch": "public input 4 is not the spec digest registered for the circuit",
    "DatasetNotAnchored": "the institution never anchored that dataset commitment (public input 1 of a proof)",
    "DatasetNotAnchoredEarlier": "the dataset was anchored in this same block; it must be anchored in an earlier block than the training",
    "TrainingBlockOutOfRange": "the claimed training-start block must be after the dataset's anchor block and not in the future",
    "StatementAlreadyAnchored": "this statement (circuit id and public inputs) is already anchored; a re-randomised proof is the same statement",
    "InsufficientGasForVerifier": "the transaction's gas limit leaves too little gas for the verifier",
    "VerifierCallFailed": "the call to the verifier contract failed",
    "ProofRejected": "the verifier rejected the proof",
    "ZeroProofHash": "the proof hash must not be zero",
    "AnchorNotFound": "no anchor exists for this statement",
    "NotOptimistic": "the anchor is a verified one, not optimistic",
    "AnchorSettled": "the optimistic anchor is already settled",
    "AlreadyChallenged": "the optimistic anchor is already challenged",
    "NotChallenged": "the optimistic anchor was never challenged",
    "ChallengeWindowOpen": "the challenge window is still open",
    "ChallengeWindowClosed": "the challenge window has closed; the anchor can only expire now",
    "ProofHashMismatch": "the proof is not the one the optimistic anchor committed to",
    "InvalidRunId": "the run id must not be zero",
    "InvalidSegmentTotal": "a run's number of segments must be between 1 and 2^24 - 1",
    "CheckpointIndexOutOfRange": "the segment index must be below the run's number of segments",
    "CheckpointGap": "the segment does not come right after the run's last anchored segment",
    "CheckpointFork": "a different segment is already anchored at this index of the run, or (openRun) the run is "
                      "already open: a second start would fork it",
    "CheckpointTotalMismatch": "the number of segments differs from the one the run was opened with",
    "CheckpointCircuitMismatch": "the segment's circuit is not the one the run was opened with",
    "CheckpointDatasetMismatch": "the segment's dataset commitment (public input 1) is not the one the run was opened with",
    "CheckpointForkOrBreak": "the segment's starting weights (public input 2) are not the last segment's final weights",
    "CheckpointStartMismatch": "the run's starting weights are not the circuit's public initial weights, or "
                               "segment 0 does not start from the weights the run was opened with",
    "RunNotOpen": "the run was never opened: declare it with openRun (zkanchor open-run) before anchoring its segments",
    "InvalidStartWeights": "a run's starting weights must be a non-zero field element below r (a weights commitment)",
    "AggregateMemberCount": "the number of member statements does not match the aggregation circuit's inputs",
    "AggregateInputNotAnchored": "a member model is not the result of a valid anchored training statement",
    "AggregateInputMismatch": "a member statement's final weights are not the model the aggregate names for it",
    "AggregateRoundMismatch": "a member statement did not start from the round's previous global model",
    "AggregateDuplicateMember": "two members of the aggregate are the same institution",
    "AggregateUnknownRound": "the round's previous global model is neither the members' public start nor an earlier aggregate of this aggregator",
    "DatasetErased": "the dataset was erased (superseded by the commitment an erasure proof anchored): "
                     "nothing new may rest on it; use the dataset it was erased into",
    "InvalidLeaf": "a record's leaf must be a non-zero field element below r, and not the tombstone (an erased "
                   "record's leaf)",
    "ErasureRequestCount": "the number of erasure request ids does not fit the proof (an erasure answers one request "
                           "per leaf; a refutation at least one)",
    "ErasureRequestNotFound": "no erasure request has this id",
    "ErasureRequestOtherInstitution": "the erasure request is addressed to another institution",
    "ErasureRequestOtherDataset": "the erasure request is about another dataset than the proof's C_D (an erasure may "
                                  "answer requests about a dataset C_D descends from; a refutation only those "
                                  "about C_D itself)",
    "ErasureRequestAnswered": "the erasure request was already answered",
    "ErasureRequestRefuted": "the erasure request was already refuted: its record was shown not to be in the dataset",
    "ErasureLeafNotInProof": "the leaf the erasure request names is not among the leaves the non-membership proof "
                             "shows absent",
    "ErasureLeafMismatch": "the proof's leaf for this request is not the leaf the request names "
                           "(request ids must be in the order of the proof's leaves)",
    "ValiditySchemaMismatch": "public input 2 is not the schema digest registered for the validity circuit",
}
_CUSTOM_ERROR = re.compile(r"reverted with (\w+)\((.*)\)\s*$")


class RegistryError(ChainError):
    """The registry refused a transaction; ``error`` is its custom error's name."""

    def __init__(self, message: str, error: str, detail: str = ""):
        super().__init__(message)
        self.error = error
        self.detail = detail


def registry_error(fn_name: str, name: str, detail: str = "") -> RegistryError:
    """The RegistryError for the custom error ``name`` refusing ``fn_name`` (also what the client
    raises when it refuses locally what the registry would refuse)."""
    meaning = ERROR_MEANINGS.get(name, "the registry refused it")
    return RegistryError(f"{fn_name} was refused by the registry: {meaning} ({name})", name, detail)


def as_registry_error(exc: ChainError, fn_name: str) -> ChainError:
    """A ChainError naming one of the registry's custom errors, as a RegistryError in words."""
    match = _CUSTOM_ERROR.search(str(exc))
    if match is None:
        return exc
    error = registry_error(fn_name, match[1], match[2])
    error.receipt = getattr(exc, "receipt", None)
    return error
