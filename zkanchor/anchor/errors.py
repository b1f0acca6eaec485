"""The registry's refusals: each custom error's meaning, and the exception that carries it."""

from __future__ import annotations

import re

from ..errors import ChainError
from .encoding import MIN_PUBLIC_INPUTS

# What each custom error means, for the one sentence a user reads.
ERROR_MEANINGS = {
    "NotAdmin": "only the registry admin may do this",
    "NotPendingAdmin": "only the pending admin may accept the admin role",
    "ZeroAddress": "the zero address cannot be registered",
    "InvalidChallengeWindow": "the challenge window must be at least one block",
    "InstitutionAlreadyRegistered": "the institution is already registered",
    "UnregisteredInstitution": "the sender is not a registered institution",
    "RevokedInstitution": "the institution's registration was revoked",
    "InvalidCircuitId": "the circuit id must not be zero",
    "CircuitAlreadyRegistered": "a circuit is already registered under this id (ids are never re-pointed)",
    "UnknownCircuit": "no circuit is registered under this id",
    "VerifierHasNoCode": "there is no contract at the verifier address",
    "VerifierInterfaceMismatch": "the verifier does not answer verifyProof for that many public inputs",
    "TooFewPublicInputs": f"a training statement has at least {MIN_PUBLIC_INPUTS} public inputs",
    "InvalidTrainingBlockInput": f"the training-block input index must be 0 (none) or between {MIN_PUBLIC_INPUTS} and the last input",
    "InvalidCommitment": "a dataset commitment must be a non-zero field element below r",
    "DatasetAlreadyAnchored": "this dataset commitment is already anchored",
    "WrongInputCount": "the number of public inputs does not match the circuit",
    "InputNotInField": "a public input is not below the BN254 scalar field modulus r",
    "InstitutionInputMismatch": "public input 0 is not the sender's address, so the proof names another institution",
    "DatasetNotAnchored": "the dataset commitment (public input 1) was never anchored",
    "DatasetAnchoredByOther": "the dataset commitment was anchored by another institution",
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
}
_CUSTOM_ERROR = re.compile(r"reverted with (\w+)\((.*)\)\s*$")


class RegistryError(ChainError):
    """The registry refused a transaction; ``error`` is its custom error's name."""

    def __init__(self, message: str, error: str, detail: str = ""):
        super().__init__(message)
        self.error = error
        self.detail = detail


def as_registry_error(exc: ChainError, fn_name: str) -> ChainError:
    """A ChainError naming one of the registry's custom errors, as a RegistryError in words."""
    match = _CUSTOM_ERROR.search(str(exc))
    if match is None:
        return exc
    name, detail = match[1], match[2]
    meaning = ERROR_MEANINGS.get(name, "the registry refused it")
    error = RegistryError(f"{fn_name} was refused by the registry: {meaning} ({name})", name, detail)
    error.receipt = getattr(exc, "receipt", None)
    return error
