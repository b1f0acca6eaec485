"""The aggregation statement: exact federated averaging, its circuit, and what a cheating aggregator meets."""

from __future__ import annotations

import pytest

from zkanchor.simulator.federated import AggregationOpening, build_aggregation_circuit, federated_average, make_statement
from zkanchor.simulator.proving import ProveJob, failing_constraint, prove_job, setup_job
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.groth16.verifier import verify
from zkanchor.r1cs import check

LOCALS = ((300, -41, 7, -1), (-5, 12, 900, 3), (64, 64, -64, 0))
SALTS = (11, 22, 33)
COUNTS = (8, 5, 3)
AGGREGATOR = 0xA11CE


def opening(global_weights=None, local_weights=LOCALS) -> AggregationOpening:
    g = federated_average(local_weights, COUNTS) if global_weights is None else global_weights
    return AggregationOpening(tuple(local_weights), SALTS, tuple(g), 44)


def statement_for(op: AggregationOpening):
    return make_statement(AGGREGATOR, op, COUNTS, local_bits=26, global_bits=24)


def test_federated_average_is_the_floor_of_the_weighted_mean():
    assert federated_average([[3], [-4]], [1, 1]) == [-1]  # floor(-1/2) = -1, not 0
    assert federated_average(LOCALS, COUNTS) == [
        sum(n * w[j] for n, w in zip(COUNTS, LOCALS)) // sum(COUNTS) for j in range(4)
    ]
    with pytest.raises(InputError):
        federated_average(LOCALS, (1, 2))


def test_public_inputs_start_with_the_aggregator_then_the_locals_then_the_global():
    st = statement_for(opening())
    public = st.public_inputs()
    assert public[0] == AGGREGATOR
    assert public[2:5] == list(st.local_commitments) and public[-1] == st.global_commitment
    assert public[1] == st.inputs_commitment and len(public) == len(COUNTS) + 3


def test_the_honest_aggregate_satisfies_the_circuit_and_proves():
    op = opening()
    st = statement_for(op)
    cs = build_aggregation_circuit(st, op)
    check(cs.build(), cs.witness())
    job = ProveJob("agg-test", "aggregation", (st, op), seed=1)
    keys = setup_job(job)
    result = prove_job(job)
    assert result.public == st.public_inputs()
    assert verify(keys.vk, result.proof, result.public)
    biased = list(result.public)
    biased[-1] = statement_for(opening(global_weights=LOCALS[0])).global_commitment
    assert not verify(keys.vk, result.proof, biased)


@pytest.mark.parametrize("j", range(4))
def test_a_global_weight_off_by_one_breaks_its_average_constraint(j):
    g = federated_average(LOCALS, COUNTS)
    g[j] += 1
    op = opening(global_weights=g)
    assert failing_constraint("aggregation", (statement_for(op), op), {}) == f"average.w{j}"


def test_a_local_model_that_does_not_open_its_commitment_is_caught():
    honest = opening()
    st = statement_for(honest)
    tampered = list(LOCALS)
    tampered[1] = (-5, 12, 901, 3)
    op = opening(local_weights=tuple(tampered))
    # Keep the statement (the anchored local commitments) but open it with other weights.
    cs = build_aggregation_circuit(st, AggregationOpening(op.local_weights, SALTS, tuple(honest.global_weights), 44))
    with pytest.raises(UnsatisfiedConstraint) as info:
        check(cs.build(), cs.witness())
    assert info.value.name == "C_1"


def test_forged_round_inputs_commitment_is_caught():
    op = opening()
    st = statement_for(op)
    assert failing_constraint("aggregation", (st, op), {1: st.inputs_commitment + 1}) == "C_in"
