"""The aggregation statement of federated rounds, its circuit, and exact federated averaging.

An aggregator proves: *"I, address A, know the openings (weights, salts) of the local
models committed in C_1 .. C_k and of a global model committed in C_G, and the global
weights are the sample-weighted average of the local ones, floored:
g_j = floor(sum_i n_i w_ij / N) with N = sum_i n_i."*

Public inputs, in order::

    [0] the aggregator's address
    [1] C_in = H(C_1, ..., C_k)      the round's inputs as one commitment (see below)
    [2 .. k+1] C_1 .. C_k            the local models' commitments, in member order
    [k+2] C_G                        the new global model's commitment

C_in exists for the registry, whose rules are those of training statements: input 1 must
be a "dataset" the sender anchored in an earlier block.  The aggregator's data is the set
of local models, so it anchors C_in before proving — the chain then shows the round's
inputs were fixed before its aggregate.  The circuit recomputes C_in from inputs 2..k+1.

The sample counts n_i are constants of the circuit (so of its verification key and its
registered circuit id), not public inputs: every round of a consortium uses the same ones.
Local weights are range-checked to the training spec's weight bound, so the weighted sum
cannot wrap around the field; the global weights must fit ``weight_bits`` signed bits, the
range the next round's training circuit accepts for its initial weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from zkanchor.commit.commitment import hash_elements, hash_elements_lc
from zkanchor.errors import InputError
from zkanchor.gadgets.bits import signed_range_check
from zkanchor.gadgets.field import to_field
from zkanchor.gadgets.fixed_point import divide
from zkanchor.models.weights import weights_commitment, weights_commitment_gadget
from zkanchor.r1cs.builder import ConstraintSystem, linear_sum


@dataclass(frozen=True)
class AggregationStatement:
    """What an aggregation proof claims (public inputs in :meth:`public_inputs`)."""

    aggregator: int
    local_commitments: tuple[int, ...]
    global_commitment: int
    counts: tuple[int, ...]  # n_i, fixed by the circuit
    n_weights: int
    local_bits: int  # signed bits a local weight may have (the spec's weight bound)
    global_bits: int  # signed bits a global weight must fit (the spec's weight_bits)

    @property
    def inputs_commitment(self) -> int:
        """C_in: the hash of the local commitments, anchored as the aggregator's "dataset"."""
        return hash_elements(list(self.local_commitments))

    def public_inputs(self) -> list[int]:
        """[aggregator, C_in, C_1, ..., C_k, C_G]."""
        return [self.aggregator, self.inputs_commitment, *self.local_commitments, self.global_commitment]

    def description(self) -> str:
        """What the circuit fixes, for its registration on chain."""
        return (f"zkanchor federated average: {len(self.counts)} members, {self.n_weights} weights, "
                f"counts {list(self.counts)}, local {self.local_bits} bits, global {self.global_bits} bits")


@dataclass(frozen=True)
class AggregationOpening:
    """The aggregator's private inputs: every local opening and the claimed global model."""

    local_weights: tuple[tuple[int, ...], ...]
    local_salts: tuple[int, ...]
    global_weights: tuple[int, ...]
    global_salt: int


def federated_average(local_weights: Sequence[Sequence[int]], counts: Sequence[int]) -> list[int]:
    """g_j = floor(sum_i n_i w_ij / N): the average the circuit checks, in exact integers."""
    if len(local_weights) != len(counts) or not counts or min(counts) < 1:
        raise InputError("federated averaging needs one positive sample count per local model")
    total = sum(counts)
    return [sum(n * int(w[j]) for n, w in zip(counts, local_weights)) // total for j in range(len(local_weights[0]))]


def make_statement(aggregator: int, opening: AggregationOpening, counts: Sequence[int],
                   local_bits: int, global_bits: int) -> AggregationStatement:
    """The statement an opening gives (the global commitment is of the *claimed* global weights)."""
    return AggregationStatement(
        aggregator=aggregator,
        local_commitments=tuple(weights_commitment(w, s) for w, s in zip(opening.local_weights, opening.local_salts)),
        global_commitment=weights_commitment(opening.global_weights, opening.global_salt),
        counts=tuple(counts),
        n_weights=len(opening.global_weights),
        local_bits=local_bits,
        global_bits=global_bits,
    )


def build_aggregation_circuit(statement: AggregationStatement, opening: AggregationOpening) -> ConstraintSystem:
    """The aggregation circuit with its witness; a false claim leaves a named constraint unsatisfied.

    A global weight that is not the average breaks ``average.w<j>``; a local model that
    does not open its commitment breaks ``C_<i>``.
    """
    k, m = len(statement.counts), statement.n_weights
    if len(opening.local_weights) != k or any(len(w) != m for w in (*opening.local_weights, opening.global_weights)):
        raise InputError(f"the aggregation needs {k} local models and a global model of {m} weights each")
    cs = ConstraintSystem()
    names = ["aggregator", "C_in", *(f"C_{i}" for i in range(k)), "C_G"]
    pub = [cs.public(name, value) for name, value in zip(names, statement.public_inputs())]
    locals_pub = pub[2:2 + k]
    cs.assert_equal(hash_elements_lc(cs, locals_pub, "C_in.hash"), pub[1], "C_in")

    local_wires = []
    for i, (weights, salt) in enumerate(zip(opening.local_weights, opening.local_salts)):
        wires = [cs.private(f"local{i}.w{j}", to_field(int(v))) for j, v in enumerate(weights)]
        for j, w in enumerate(wires):
            # Bounded locals keep sum n_i w_ij far below the field: no wrap-around.
            signed_range_check(cs, w, statement.local_bits, f"local{i}.w{j}.range")
        c = weights_commitment_gadget(cs, wires, cs.private(f"local{i}.salt", salt), f"local{i}")
        cs.assert_equal(c, locals_pub[i], f"C_{i}")
        local_wires.append(wires)

    total = sum(statement.counts)
    claimed = [cs.private(f"global.w{j}", to_field(int(v))) for j, v in enumerate(opening.global_weights)]
    for j in range(m):
        weighted = linear_sum([wires[j] * n for wires, n in zip(local_wires, statement.counts)])
        average = divide(cs, weighted, total, statement.global_bits, name=f"average.w{j}.q")
        cs.assert_equal(average, claimed[j], f"average.w{j}")
    c_g = weights_commitment_gadget(cs, claimed, cs.private("global.salt", opening.global_salt), "global")
    cs.assert_equal(c_g, pub[-1], "C_G")
    return cs
