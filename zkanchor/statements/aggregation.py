"""The aggregation statement of federated rounds: the new global model is the members' average.

An aggregator proves: *"I, address A, know the openings (weights, salts) of the local
models committed in C_1 .. C_k and of a global model committed in C_G, and the global
weights are the sample-weighted average of the local ones, floored:
g_j = floor(sum_i n_i w_ij / N) with N = sum_i n_i."*

Public inputs, in order::

    [0] aggregator    the aggregator's address
    [1] C_prev        the global model the round started from (the members' C_W0)
    [2 .. k+1]        C_1 .. C_k, the members' local models (their training statements' C_W)
    [k+2] C_G         the new global model

The circuit uses C_prev only as a public input: the registry binds it, refusing an
aggregate unless every C_i is the final model of an anchored, valid training statement
that started from C_prev (which is itself the public start or an earlier anchored
aggregate).  The sample counts n_i, the number of weights and the weight bounds are
constants of the circuit (its spec); local weights are range-checked to the training
spec's weight bound, so the weighted sum cannot wrap around the field, and the global
weights must fit the same bound — what the next round's training accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..addresses import format_address, parse_address
from ..bn254.constants import R
from ..errors import FormatError, InputError
from ..gadgets.bits import signed_range_check
from ..gadgets.commitment import weights_commitment as weights_commitment_gadget
from ..gadgets.fixed_point import divide
from ..models.weights import weights_commitment
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain
from ..r1cs.builder import ConstraintSystem
from .base import Statement, StatementSpec, check_derived_fields, field_int, require_mapping

KIND = "aggregation"
VERSION = 2


@dataclass(frozen=True)
class AggregationClaim(StatementSpec):
    """The public spec: the members' sample counts, the model size and the weight bound."""

    counts: tuple[int, ...]
    n_weights: int
    weight_bits: int
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        counts = tuple(self.counts)
        if not counts or any(type(c) is not int or c < 1 for c in counts):
            raise InputError("federated averaging needs one positive sample count per member")
        object.__setattr__(self, "counts", counts)
        if type(self.n_weights) is not int or self.n_weights < 1:
            raise InputError("a model has at least one weight")
        if type(self.weight_bits) is not int or not 2 <= self.weight_bits <= 64:
            raise InputError("weight_bits must lie in [2, 64]")

    @property
    def members(self) -> int:
        """Number of members (local models)."""
        return len(self.counts)

    def public_names(self) -> list[str]:
        return ["aggregator", "C_prev", *(f"C_{i}" for i in range(self.members)), "C_G"]

    def field_elements(self) -> list[int]:
        return [VERSION, 2, self.members, self.n_weights, self.weight_bits, *self.counts]

    def digest(self) -> int:
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.STATEMENT, len(elements)))

    def define(self, cs: ConstraintSystem) -> None:
        k, m = self.members, self.n_weights
        pub = {name: cs.public(name) for name in self.public_names()}
        local = cs.private("local_weights", shape=(k, m))
        salts = cs.private("local_salts", shape=(k,))
        # Bounded locals keep sum n_i w_ij far below the field: no wrap-around.
        signed_range_check(cs, local, self.weight_bits, "local.range")
        commitments = weights_commitment_gadget(cs, local, salts, "local")
        for i in range(k):
            cs.assert_equal(commitments[i], pub[f"C_{i}"], f"C_{i}")
        weighted = local.dot(list(self.counts), axis=0)
        average = divide(cs, weighted, sum(self.counts), self.weight_bits, name="average")
        c_g = weights_commitment_gadget(cs, average, cs.private("global_salt"), "global")
        cs.assert_equal(c_g, pub["C_G"], "C_G")

    def describe(self) -> str:
        return (f"federated average of {self.members} local models of {self.n_weights} weights "
                f"(sample counts {list(self.counts)})")

    def to_json(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "n_weights": self.n_weights, "weight_bits": self.weight_bits,
                "digest": str(self.digest())}

    @staticmethod
    def from_json(obj: object, what: str = "aggregation spec") -> "AggregationClaim":
        spec = require_mapping(obj, what)
        try:
            claim = AggregationClaim(tuple(spec.get("counts") or ()), spec.get("n_weights"), spec.get("weight_bits"))
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        if "digest" in spec and str(spec["digest"]) != str(claim.digest()):
            raise FormatError(f"the {what}'s digest does not match its fields")
        return claim


@dataclass(frozen=True)
class AggregationOpening:
    """The aggregator's private inputs: every local opening and the global model's salt."""

    local_weights: tuple[tuple[int, ...], ...]
    local_salts: tuple[int, ...]
    global_salt: int


def federated_average(local_weights: Sequence[Sequence[int]], counts: Sequence[int]) -> list[int]:
    """g_j = floor(sum_i n_i w_ij / N): the average the circuit checks, in exact integers."""
    if len(local_weights) != len(counts) or not counts or min(counts) < 1:
        raise InputError("federated averaging needs one positive sample count per local model")
    w = np.asarray([[int(v) for v in row] for row in local_weights], dtype=object)
    return [int(v) for v in (np.asarray(counts, dtype=object).dot(w) // sum(counts))]


@dataclass(frozen=True)
class AggregationStatement(Statement):
    """One aggregation claim: the spec plus its public values."""

    spec: AggregationClaim
    aggregator: int
    previous: int  # C_prev
    local_commitments: tuple[int, ...]
    global_commitment: int

    def __post_init__(self) -> None:
        parse_address(self.aggregator, "the aggregator's address")
        if len(self.local_commitments) != self.spec.members:
            raise InputError(f"the aggregation has {self.spec.members} members, not {len(self.local_commitments)}")
        for v in (self.previous, self.global_commitment, *self.local_commitments):
            if type(v) is not int or not 0 <= v < R:
                raise InputError("every commitment of an aggregation statement must be a field element")

    def public_values(self) -> dict[str, int]:
        out = {"aggregator": self.aggregator, "C_prev": self.previous, "C_G": self.global_commitment}
        out.update({f"C_{i}": c for i, c in enumerate(self.local_commitments)})
        return out

    def global_weights(self, opening: AggregationOpening) -> list[int]:
        """The new global model of ``opening``."""
        return federated_average(opening.local_weights, self.spec.counts)

    def witness_inputs(self, opening: AggregationOpening) -> dict[str, Any]:
        k, m = self.spec.members, self.spec.n_weights
        if len(opening.local_weights) != k or any(len(w) != m for w in opening.local_weights):
            raise InputError(f"the aggregation needs {k} local models of {m} weights each")
        return {"local_weights": np.asarray(opening.local_weights, dtype=object),
                "local_salts": np.asarray(opening.local_salts, dtype=object), "global_salt": opening.global_salt}

    def check_opening(self, opening: AggregationOpening) -> None:
        self.witness_inputs(opening)
        bound = 1 << (self.spec.weight_bits - 1)
        for i, (w, s) in enumerate(zip(opening.local_weights, opening.local_salts)):
            if weights_commitment(w, s) != self.local_commitments[i]:
                raise InputError(f"member {i}'s weights do not open C_{i}")
            if any(not -bound <= int(v) < bound for v in w):
                raise InputError(f"member {i}'s weights leave the signed {self.spec.weight_bits}-bit range")
        if weights_commitment(self.global_weights(opening), opening.global_salt) != self.global_commitment:
            raise InputError("C_G is not the commitment of the members' sample-weighted average")

    def describe(self) -> str:
        return (f"{format_address(self.aggregator)} averaged {self.spec.members} local models (sample counts "
                f"{list(self.spec.counts)}) that started from C_prev = {self.previous} into C_G = "
                f"{self.global_commitment}")

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "kind": KIND, "spec": self.spec.to_json(),
                "aggregator": format_address(self.aggregator), "previous": str(self.previous),
                "local_commitments": [str(c) for c in self.local_commitments],
                "global_commitment": str(self.global_commitment),
                "public_inputs": [str(v) for v in self.public_inputs()], "description": self.describe()}

    @staticmethod
    def from_json(obj: object, what: str = "statement") -> "AggregationStatement":
        s = require_mapping(obj, what)
        if s.get("version") != VERSION or s.get("kind") != KIND:
            raise FormatError(f"the {what} is not a version-{VERSION} aggregation statement")
        spec = AggregationClaim.from_json(s.get("spec"), f"{what}'s spec")
        locals_ = s.get("local_commitments")
        if not isinstance(locals_, list):
            raise FormatError(f"the {what}'s local_commitments must be a list")
        try:
            statement = AggregationStatement(
                spec, parse_address(s.get("aggregator"), "the aggregator's address"),
                field_int(s.get("previous"), f"the {what}'s previous"),
                tuple(field_int(c, f"the {what}'s local commitment") for c in locals_),
                field_int(s.get("global_commitment"), f"the {what}'s global_commitment"))
        except InputError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"the {what} is not valid: {exc}") from None
        check_derived_fields(s, statement, what)
        return statement


def make_aggregation(aggregator: int, previous: int, opening: AggregationOpening, counts: Sequence[int],
                     weight_bits: int) -> AggregationStatement:
    """The statement an opening gives (C_G of the true average)."""
    claim = AggregationClaim(tuple(counts), len(opening.local_weights[0]), weight_bits)
    local = tuple(weights_commitment(w, s) for w, s in zip(opening.local_weights, opening.local_salts))
    statement = AggregationStatement(claim, aggregator, previous, local, 0)
    g = weights_commitment(statement.global_weights(opening), opening.global_salt)
    return AggregationStatement(claim, aggregator, previous, local, g)
