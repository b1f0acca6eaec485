"""Federated rounds: the aggregation statement (zkanchor.statements.aggregation) as the simulator's
aggregator proves it, what a cheating aggregator meets, the regulator's linkage check of rounds
and aggregates, and (slow) the shipped consortium scenario end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from zkanchor.errors import InputError
from zkanchor.groth16.verifier import verify
from zkanchor.models.weights import weights_commitment
from zkanchor.simulator import oversight, proving, run_scenario
from zkanchor.simulator.log import EventLog
from zkanchor.simulator.proving import ProveJob, failing_constraint, prove_job, setup_job
from zkanchor.simulator.scenario import Institution, DataSpec, Role
from zkanchor.simulator.world import Anchored
from zkanchor.statements import AggregationOpening, compile, federated_average, make_aggregation

LOCALS = ((300, -41, 7, -1), (-5, 12, 900, 3), (64, 64, -64, 0))
SALTS = (11, 22, 33)
COUNTS = (8, 5, 3)
AGGREGATOR = 0xA11CE
PREVIOUS = weights_commitment([0, 0, 0, 0], 0)  # the round started from the public initial model
WEIGHT_BITS = 16


@pytest.fixture(scope="module", autouse=True)
def zkanchor_cache(tmp_path_factory):
    """Caches (keys, circuits, compiled contracts) go to the session's temporary directory, never the checkout."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKANCHOR_CACHE", str(tmp_path_factory.getbasetemp() / "zkanchor-cache"))
        mp.setattr(proving, "_STORES", {})
        yield


def opening(local_weights=LOCALS, global_salt: int = 44) -> AggregationOpening:
    return AggregationOpening(tuple(local_weights), SALTS, global_salt)


def statement_for(op: AggregationOpening, previous: int = PREVIOUS):
    return make_aggregation(AGGREGATOR, previous, op, COUNTS, WEIGHT_BITS)


# ---------------------------------------------------------------- the aggregation statement


def test_federated_average_is_the_floor_of_the_weighted_mean():
    assert federated_average([[3], [-4]], [1, 1]) == [-1]  # floor(-1/2) = -1, not 0
    assert federated_average(LOCALS, COUNTS) == [
        sum(n * w[j] for n, w in zip(COUNTS, LOCALS)) // sum(COUNTS) for j in range(4)
    ]
    with pytest.raises(InputError):
        federated_average(LOCALS, (1, 2))
    with pytest.raises(InputError):
        federated_average(LOCALS, (1, 0, 2))


def test_public_inputs_are_the_aggregator_the_previous_model_the_locals_then_the_global():
    op = opening()
    st = statement_for(op)
    public = st.public_inputs()
    assert st.spec.public_names() == ["aggregator", "C_prev", "C_0", "C_1", "C_2", "C_G"]
    assert public[0] == AGGREGATOR and public[1] == PREVIOUS
    assert public[2:5] == [weights_commitment(w, s) for w, s in zip(LOCALS, SALTS)]
    assert public[-1] == weights_commitment(federated_average(LOCALS, COUNTS), 44)
    st.check_opening(op)  # the honest opening opens every commitment
    # The sample counts are constants of the circuit: other counts are another circuit.
    other = make_aggregation(AGGREGATOR, PREVIOUS, op, (1, 1, 1), WEIGHT_BITS)
    assert other.spec.digest() != st.spec.digest() and compile(other.spec).hash != compile(st.spec).hash


def test_a_statement_file_showing_other_derived_fields_is_refused():
    """What a reader sees is bound: an edited description, public input list or claims is refused."""
    from zkanchor.errors import FormatError
    from zkanchor.statements import AggregationStatement

    st = statement_for(opening())
    text = st.to_json()
    assert AggregationStatement.from_json(json.loads(json.dumps(text))) == st
    for field, value in (("description", text["description"].replace("3", "30")),
                         ("public_inputs", text["public_inputs"][:-1] + ["1"]),
                         ("claims", {"accuracy": "1.0"})):
        edited = dict(text, **{field: value})
        with pytest.raises(FormatError, match=f"{field} do(es)? not match its fields"):
            AggregationStatement.from_json(edited)


@pytest.mark.slow
def test_the_honest_aggregate_proves_and_binds_every_public_input():
    op = opening()
    st = statement_for(op)
    assert failing_constraint(st, op) is None
    job = ProveJob("aggregation-test", st, op, seed=1)
    keys = setup_job(job)
    result = prove_job(job)
    assert result.public == st.public_inputs() and result.circuit_hash == keys.circuit_hash
    assert verify(keys.vk, result.proof, result.public)
    # The proof is for these inputs only: another global model, previous model, member or aggregator fails.
    biased = list(result.public)
    biased[-1] = weights_commitment(LOCALS[0], 44)
    assert not verify(keys.vk, result.proof, biased)
    for index in range(len(result.public) - 1):
        tampered = list(result.public)
        tampered[index] += 1
        assert not verify(keys.vk, result.proof, tampered), st.spec.public_names()[index]
    # The same job proves the same way (seeded blinding): byte-identical proofs.
    assert prove_job(job).proof == result.proof


@pytest.mark.parametrize("j", range(4))
def test_a_global_model_off_by_one_weight_breaks_the_global_commitment(j):
    op = opening()
    st = statement_for(op)
    g = federated_average(LOCALS, COUNTS)
    g[j] += 1
    biased = replace(st, global_commitment=weights_commitment(g, op.global_salt))
    # The circuit computes the average itself: a wrong global model cannot open C_G.
    assert failing_constraint(biased, op) == "C_G"
    with pytest.raises(InputError, match="C_G is not the commitment"):
        biased.check_opening(op)


def test_a_first_member_passed_off_as_the_average_is_what_bad_aggregate_meets():
    op = opening()
    st = statement_for(op)
    cheat = replace(st, global_commitment=weights_commitment(LOCALS[0], op.global_salt))
    assert failing_constraint(cheat, op) == "C_G"


def test_a_local_model_that_does_not_open_its_commitment_is_caught():
    st = statement_for(opening())
    tampered = (LOCALS[0], (-5, 12, 901, 3), LOCALS[2])
    assert failing_constraint(st, opening(tampered)) == "C_1"
    with pytest.raises(InputError, match="member 1's weights do not open C_1"):
        st.check_opening(opening(tampered))


def test_local_weights_outside_the_bound_are_refused():
    big = ((1 << (WEIGHT_BITS - 1), 0, 0, 0), LOCALS[1], LOCALS[2])
    st = statement_for(opening(big))
    broken = failing_constraint(st, opening(big))
    assert broken is not None and broken.startswith(("local.range", "witness"))
    with pytest.raises(InputError, match="leave the signed 16-bit range"):
        st.check_opening(opening(big))


# ---------------------------------------------------------------- the regulator's linkage check


def _linkage_world(rounds: int = 2):
    """A two-member federated world as _check_linkage reads it, with audit rows by statement hash.

    Members start round r from the global model of round r - 1 (round 1: the public start),
    and each aggregate averages the round's anchored local models.
    """
    members = ("North", "South")
    data = DataSpec("synthetic", 4, 2)
    scenario = SimpleNamespace(honest=tuple(Institution(m, data) for m in members),
                               aggregator=Role("Hub"), federated=True)
    parties = {m: SimpleNamespace(name=m, anchors=[]) for m in members}
    rows, aggregations = {}, []
    initial = previous = 1000
    for r in range(1, rounds + 1):
        local = []
        for k, m in enumerate(members):
            h = f"0x{m}{r}"
            c_w = 100 * r + k
            rows[h] = SimpleNamespace(onchain="valid", inputs=[k + 1, 7, previous, c_w, 0])
            parties[m].anchors.append(Anchored(r, "training", h, [], None, "verified"))
            local.append(c_w)
        h = f"0xagg{r}"
        c_g = 1000 + r
        rows[h] = SimpleNamespace(onchain="valid", inputs=[9, previous, *local, c_g])
        aggregations.append(Anchored(r, "aggregation", h, [], None, "verified"))
        previous = c_g
    world = SimpleNamespace(scenario=scenario, parties=parties, aggregations=aggregations, initial_global=initial,
                            problems=[], log=EventLog())
    return world, rows


def _linkage(world, rows) -> list[tuple[int, str, str]]:
    oversight._check_linkage(world, "Regulator", rows)
    return [(r["round"], r["outcome"], r["note"]) for r in world.log.records if r["action"] == "check_federated_round"]


def test_linked_rounds_pass_the_regulators_check():
    world, rows = _linkage_world()
    checks = _linkage(world, rows)
    assert [(r, outcome) for r, outcome, _ in checks] == [(1, "passed"), (2, "passed")]
    assert world.problems == []


def test_a_member_that_did_not_start_from_the_last_global_model_is_caught():
    world, rows = _linkage_world()
    rows["0xSouth2"].inputs[2] = world.initial_global  # round 2 restarted from the public model
    checks = _linkage(world, rows)
    assert checks[0][1] == "passed"
    assert checks[1][1:] == ("failed", "a member did not start from the previous global model")
    assert world.problems == ["federated round 2: a member did not start from the previous global model"]


def test_an_aggregate_of_other_models_than_the_rounds_anchors_is_caught():
    world, rows = _linkage_world()
    rows["0xagg1"].inputs[2], rows["0xagg1"].inputs[3] = rows["0xagg1"].inputs[3], rows["0xagg1"].inputs[2]
    checks = _linkage(world, rows)
    assert checks[0][1:] == ("failed", "the aggregate's local commitments are not the round's anchored models")
    assert checks[1][1] == "passed"


def test_a_missing_or_invalid_anchor_fails_the_round():
    world, rows = _linkage_world()
    rows["0xagg2"].onchain = "invalid"
    del rows["0xNorth1"]
    checks = _linkage(world, rows)
    assert [c[1:] for c in checks] == [("failed", "an anchor of the round is missing or not valid")] * 2
    assert len(world.problems) == 2


# ---------------------------------------------------------------- the consortium end to end


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_consortium_rounds_chain_through_proven_aggregates(tmp_path):
    report = run_scenario("consortium", out=tmp_path, workers=2, charts=False)
    assert report.ok, report.problems
    log = records(tmp_path)
    assert [r for r in log if r["outcome"] not in ("landed", "done", "passed")] == []
    labs = ["Lab North", "Lab South", "Lab East"]
    (initial,) = [r for r in log if r["action"] == "publish_initial_model"]
    aggregates = [r for r in log if r["action"] == "aggregate"]
    anchored = [r for r in log if r["action"] == "anchor_aggregate"]
    assert [r["round"] for r in anchored] == [1, 2] and all(r["members"] == 3 for r in anchored)
    # Round 1 starts from the public initial model, round 2 from round 1's proven aggregate.
    assert [a["previous"] for a in aggregates] == [initial["model"], aggregates[0]["model"]]
    for round_, start in ((1, initial["model"]), (2, aggregates[0]["model"])):
        trains = [r for r in log if r["action"] == "train" and r["round"] == round_]
        assert [t["actor"] for t in trains] == labs and all(t["initial_model"] == start for t in trains)
        anchors = [r for r in log if r["action"] == "anchor_verified" and r["round"] == round_]
        assert [a["actor"] for a in anchors] == labs
        # Every anchor of a round lands before the aggregate that averages it.
        agg = next(r for r in anchored if r["round"] == round_)
        assert all(a["seq"] < agg["seq"] for a in anchors)
    kinds = {r["circuit"]: r["kind"] for r in log if r["action"] == "register_circuit"}
    assert sorted(kinds.values()) == ["aggregation", "training", "training"]  # public start, then checkpoint
    assert any(c.startswith("fedavg-3x") for c, k in kinds.items() if k == "aggregation")
    checks = [r for r in log if r["action"] == "check_federated_round"]
    assert [(c["round"], c["outcome"]) for c in checks] == [(1, "passed"), (2, "passed")]
    audit = next(r for r in log if r["action"] == "audit_registry")
    assert audit["mismatch"] == 0 and audit["ok"] >= 6 + 2
    assert sum(r["action"] == "check_model_opening" and r["outcome"] == "passed" for r in log) == 6
