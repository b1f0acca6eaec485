"""Statements: every provable claim as a public spec, ordered public inputs and a circuit.

    from zkanchor.statements import TrainingClaim, TrainingStatement, compile, statement_from_json

A statement's circuit is compiled from its spec alone (:func:`compile`), so a verifier
rebuilds it — and its hash, which keys are bound to — from ``statement.json``.
"""

from __future__ import annotations

from typing import Any

from ..errors import FormatError
from .aggregation import (
    AggregationClaim,
    AggregationOpening,
    AggregationStatement,
    federated_average,
    make_aggregation,
)
from .base import Circuit, Statement, StatementSpec, compile
from .erasure import ErasureClaim, ErasureOpening, ErasureStatement, erase, make_erasure
from .nonmembership import NonMembershipClaim, NonMembershipOpening, NonMembershipStatement, make_nonmembership
from .validity import ValidityClaim, ValidityOpening, ValidityStatement, claim_for
from .training import (
    Evaluation,
    ModelOpening,
    TrainingClaim,
    TrainingOpening,
    TrainingStatement,
    make_statement,
)

KINDS = {"training": TrainingStatement, "aggregation": AggregationStatement, "erasure": ErasureStatement,
         "validity": ValidityStatement, "nonmembership": NonMembershipStatement}


def register_kind(kind: str, cls: type) -> None:
    """Make ``statement_from_json`` read statements of ``kind`` with ``cls.from_json``."""
    KINDS[kind] = cls


def statement_from_json(obj: Any, what: str = "statement") -> Statement:
    """Parse any statement kind from its JSON object."""
    if not isinstance(obj, dict):
        raise FormatError(f"the {what} must be a JSON object")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise FormatError(f"the {what} has unknown kind {kind!r}; this zkanchor reads {', '.join(sorted(KINDS))}")
    return KINDS[kind].from_json(obj, what)


__all__ = [
    "AggregationClaim",
    "AggregationOpening",
    "AggregationStatement",
    "Circuit",
    "ErasureClaim",
    "ErasureOpening",
    "ErasureStatement",
    "erase",
    "make_erasure",
    "make_nonmembership",
    "Evaluation",
    "KINDS",
    "ModelOpening",
    "NonMembershipClaim",
    "NonMembershipOpening",
    "NonMembershipStatement",
    "Statement",
    "StatementSpec",
    "TrainingClaim",
    "TrainingOpening",
    "TrainingStatement",
    "ValidityClaim",
    "ValidityOpening",
    "ValidityStatement",
    "claim_for",
    "compile",
    "federated_average",
    "make_aggregation",
    "make_statement",
    "register_kind",
    "statement_from_json",
]
