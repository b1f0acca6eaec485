"""The simulator's trusted-setup ceremony: the institutions make the keys, a malformed
contribution is refused and named, proofs made with the ceremony's keys verify, and the
run is deterministic from the seed.  The scenario tests (slow) run the shipped ceremony.toml
(power 11, the smallest its training circuit fits); the phase-1 and phase-2 adversaries and
the seed's determinism are exercised on tiny circuits through the same code paths."""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from zkanchor.bn254.constants import G2_GEN
from zkanchor.ceremony import phase2 as p2
from zkanchor.ceremony import powers_of_tau as pt
from zkanchor.errors import InputError
from zkanchor.groth16 import prover, verifier
from zkanchor.groth16.keydir import read_setup_info
from zkanchor.groth16.qap import domain_for
from zkanchor.simulator import ceremony, proving, run_scenario
from zkanchor.simulator.log import EventLog
from zkanchor.simulator.scenario import SHIPPED, CeremonySpec, ScenarioError, load_scenario, parse_scenario

from groth16_circuits import many_public

MEMBERS = ["St. Mary", "Mercy General", "Children's West"]


@pytest.fixture(scope="module", autouse=True)
def zkanchor_cache(tmp_path_factory):
    """Caches (keys, ceremony key directories, circuits, contracts) go to the session's temporary directory."""
    path = tmp_path_factory.getbasetemp() / "zkanchor-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKANCHOR_CACHE", str(path))
        mp.setattr(proving, "_STORES", {})
        yield path


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """ceremony.toml proven in this process (workers=1): the process remembers the ceremony's keys."""
    out = tmp_path_factory.mktemp("ceremony")
    return run_scenario("ceremony", out=out, workers=1, charts=False), out


@pytest.mark.slow
def test_the_institutions_make_the_keys_before_any_proof(run):
    report, out = run
    assert report.ok, report.problems
    log = records(out)
    honest = [r for r in log if not r.get("attack")]
    assert [r for r in honest if r["outcome"] not in ("landed", "done", "passed")] == []
    actions = [r["action"] for r in log]
    assert actions.index("verify_ceremony") < actions.index("setup_keys") < actions.index("prove")
    phase1 = [r for r in log if r["action"] == "contribute_phase1"]
    assert [(r["actor"], r["outcome"]) for r in phase1] == [
        ("St. Mary", "done"), ("Mercy General", "stopped"), ("Children's West", "done")]
    assert [r["actor"] for r in log if r["action"] == "contribute_phase2"] == MEMBERS
    assert all(r["outcome"] == "done" for r in log if r["action"] == "contribute_phase2")
    # Every accepted contribution was verified as it arrived (2 in phase 1, 3 in phase 2).
    assert sum(r["action"] == "verify_contribution" and r["outcome"] == "passed" for r in log) == 5
    (closing,) = [r for r in log if r["action"] == "verify_phase1"]
    assert closing["contributors"] == ["St. Mary", "Children's West"]
    (final,) = [r for r in log if r["action"] == "verify_ceremony"]
    assert final["phase1_contributors"] == ["St. Mary", "Children's West"]
    assert final["phase2_contributors"] == MEMBERS
    (setup,) = [r for r in log if r["action"] == "setup_keys"]
    assert "ceremony keys" in setup["note"]
    # The transcript names who contributed to each phase, each step chained to the one before.
    (name,) = [f for f in report.files if f.startswith("ceremony/")]
    transcript = json.loads((out / name).read_text())
    assert [r["name"] for r in transcript["phase1"]] == ["St. Mary", "Children's West", "beacon"]
    assert [r["name"] for r in transcript["phase2"]] == MEMBERS
    # Each record names the one before it, keeps the digest of the key after it (as the log has
    # it), and the last one's key is the final key the run proved with.
    records2 = transcript["phase2"]
    assert all(b["previous_hash"] == a["hash"] for a, b in zip(records2, records2[1:]))
    assert [r["key"] for r in records2] == [r["hash"] for r in log if r["action"] == "contribute_phase2"]
    assert records2[-1]["key"] == transcript["final_hash"] == final["hash"]
    (start,) = [r for r in log if r["action"] == "ceremony_phase2_start"]
    assert transcript["phase2_initial_hash"] == start["hash"] and transcript["log_size"] == start["log_size"]


@pytest.mark.slow
def test_the_malformed_contribution_is_stopped_and_named(run):
    report, out = run
    (attempt,) = report.attack_attempts
    assert attempt["attack"] == "malformed_contribution" and attempt["actor"] == "Mercy General"
    assert attempt["outcome"] == "stopped" and attempt["stopped_by"] == "ceremony:g1-powers"
    assert "not consecutive powers of one tau" in attempt["check"]
    assert "reused" in attempt["attempt"] and "discarded" in attempt["note"]
    assert "ceremony:g1-powers" in (out / "summary.md").read_text()


def ceremony_keydirs(cache: Path) -> dict[str, dict]:
    """setup.json of every ceremony key directory the simulator saved, by directory name."""
    return {d.name: read_setup_info(d) for d in sorted((cache / "simulator-ceremony").iterdir())}


@pytest.mark.slow
def test_proofs_with_the_ceremony_keys_verify_on_chain(run, zkanchor_cache):
    report, out = run
    log = records(out)
    anchors = [r for r in log if r["action"] == "anchor_verified"]
    assert [(r["actor"], r["outcome"]) for r in anchors] == [(m, "landed") for m in MEMBERS]
    # The registered key is the ceremony's: a ceremony leaves gamma = 1 (the G2 generator),
    # a seeded setup draws it at random.
    (circuit,) = json.loads((out / "deployment.json").read_text())["circuits"].values()
    gamma = circuit["vk"]["vk_gamma_2"]
    assert [[int(c) for c in pair] for pair in gamma[:2]] == [list(G2_GEN[0]), list(G2_GEN[1])]
    # The proofs were made from the key directory the ceremony saved, which names its provenance.
    saved = {name: info for name, info in ceremony_keydirs(zkanchor_cache).items()
             if info["circuit_hash"] == circuit["circuit_hash"][2:]}
    assert len(saved) >= 1
    for info in saved.values():
        assert info["trusted_setup"] == "multi-party ceremony (simulation)" and info["contributors"] == MEMBERS
    assert not (zkanchor_cache / "simulator-keys" / ("seeded-" + circuit["circuit_hash"][2:42])).exists()


@pytest.mark.slow
def test_another_ceremony_in_the_same_process_proves_with_its_own_keys(run, tmp_path, zkanchor_cache):
    """Same seed and circuit, another beacon: other keys, in their own key directory (not the first run's)."""
    report, out = run
    text = (SHIPPED / "ceremony.toml").read_text()
    beacon = load_scenario("ceremony").ceremony.beacon
    other_beacon = "0x" + "17" * 32
    (tmp_path / "other.toml").write_text(text.replace(beacon, other_beacon))
    other = run_scenario(tmp_path / "other.toml", out=tmp_path / "out", workers=1, charts=False)
    assert other.ok, other.problems  # proofs made with the first ceremony's key would be rejected
    first = next(r for r in records(out) if r["action"] == "ceremony_beacon")
    second = next(r for r in records(tmp_path / "out") if r["action"] == "ceremony_beacon")
    assert (first["beacon"], second["beacon"]) == (beacon, other_beacon) and first["hash"] != second["hash"]
    vks = [next(iter(json.loads((d / "deployment.json").read_text())["circuits"].values()))["vk"]
           for d in (out, tmp_path / "out")]
    assert vks[0] != vks[1] and other.state_hash != report.state_hash
    hashes = {info["circuit_hash"] for info in ceremony_keydirs(zkanchor_cache).values()}
    assert len(ceremony_keydirs(zkanchor_cache)) >= 2 and len(hashes) == 1


@pytest.mark.slow
def test_one_seed_gives_an_identical_log(run, tmp_path):
    report, out = run
    again = run_scenario("ceremony", out=tmp_path, workers=2, charts=False)  # now proven in a process pool
    assert again.ok, again.problems
    assert (tmp_path / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()
    assert again.state_hash == report.state_hash


# ---------------------------------------------------------------- phase 2 on a tiny circuit


def _world(events: str) -> SimpleNamespace:
    """What simulator.ceremony reads from a World, for a three-member scenario."""
    text = textwrap.dedent("""
        [scenario]
        name = "tiny"
        [model]
        kind = "logreg"
        epochs = 1
        learning_rate = 0.5
        [setup]
        ceremony = true
    """) + "".join(f'[[institution]]\nname = "{m}"\ndata = {{ source = "synthetic", rows = 4, features = 2 }}\n'
                   for m in MEMBERS) + events
    scenario = parse_scenario(tomllib.loads(text), Path("tiny.toml"))
    return SimpleNamespace(scenario=scenario, seed=3, log=EventLog(), problems=[], ceremony=None)


@pytest.mark.slow
def test_a_malformed_phase2_contribution_is_discarded_and_the_key_still_proves():
    r1cs, witness = many_public(4)
    log_size = domain_for(r1cs).size.bit_length() - 1
    world = _world('[[event]]\nkind = "malformed_contribution"\nactor = "Mercy General"\nphase = 2\n')
    world.ceremony = ceremony.run_phase1(world, log_size)
    pk = ceremony.circuit_keys(world, "tiny-circuit", r1cs, p2.circuit_digest(r1cs), log_size)
    assert world.problems == []
    (attempt,) = [r for r in world.log.records if r.get("attack")]
    assert (attempt["actor"], attempt["phase"], attempt["outcome"]) == ("Mercy General", 2, "stopped")
    assert attempt["stopped_by"] == "ceremony:l-h-division"
    assert "not the initial ones divided by delta" in attempt["check"]
    final = next(r for r in world.log.records if r["action"] == "verify_ceremony")
    assert final["phase2_contributors"] == ["St. Mary", "Children's West"]
    assert final["phase1_contributors"] == MEMBERS
    proof, public = prover.prove(pk, r1cs, witness)
    assert verifier.verify(pk.vk, proof, public)


def test_each_tampering_is_caught_by_its_named_check():
    honest = pt.contribute(pt.start(3), "A", randbytes=ceremony.randbytes(1, "A"))
    bad, what = ceremony.tamper_phase1(honest, 1, "A")
    assert "reused" in what and bad.accumulator.digest() == bad.contributions[-1].hash  # the record was made to match
    with pytest.raises(pt.CeremonyCheckFailed) as info:
        pt.verify_phase1(bad, previous=pt.start(3))
    assert ceremony.check_code(str(info.value), 1) == "ceremony:g1-powers"
    pt.verify_phase1(honest, previous=pt.start(3))  # the untampered contribution passes


def test_contributor_randomness_is_a_function_of_the_seed():
    a, b, c = ceremony.randbytes(5, 1, "A"), ceremony.randbytes(5, 1, "A"), ceremony.randbytes(6, 1, "A")
    first = a(64)
    assert first == b(64) and first != c(64) and a(64) != first  # a stream, not a constant


def test_contributions_and_the_beacon_are_functions_of_the_seed():
    """What the ceremony's log records (accumulator digests, the beacon) follows from the seed alone."""
    def accumulator(seed: int) -> str:
        state = pt.start(2)
        for name in MEMBERS:
            state = pt.contribute(state, name, randbytes=ceremony.randbytes(seed, 1, name))
        return state.accumulator.digest()

    assert accumulator(3) == accumulator(3) != accumulator(4)
    world = _world("")
    beacons = []
    for seed in (3, 3, 4):
        world.seed = seed
        beacons.append(ceremony.beacon_value(world))
    assert beacons[0] == beacons[1] != beacons[2] and len(bytes.fromhex(beacons[0])) == 32
    given = load_scenario("ceremony").ceremony.beacon
    world.scenario = load_scenario("ceremony")
    assert ceremony.beacon_value(world) == given  # a scenario's own beacon wins over the seed's


def test_a_too_small_power_is_one_sentence(tmp_path):
    text = (SHIPPED / "ceremony.toml").read_text()
    shipped = load_scenario("ceremony").ceremony.power
    (tmp_path / "small.toml").write_text(text.replace(f"power = {shipped}", "power = 1"))
    with pytest.raises(InputError) as info:  # raised before any ceremony work or proof
        run_scenario(tmp_path / "small.toml", out=tmp_path / "out", workers=1, charts=False)
    message = str(info.value)
    assert "\n" not in message and "setup.power 1 is too small: St. Mary's training circuit needs 2^" in message
    needed = int(re.search(r"use power = (\d+) or more", message)[1])
    assert f"needs 2^{needed} rows" in message and 1 < needed <= shipped  # the shipped power fits


# ---------------------------------------------------------------- schema


BASE = textwrap.dedent("""
    [scenario]
    name = "tiny"
    [model]
    kind = "logreg"
    epochs = 1
    learning_rate = 0.5
    [[institution]]
    name = "A"
    data = { source = "synthetic", rows = 4, features = 2 }
""")
EVENT = '\n[[event]]\nkind = "malformed_contribution"\nactor = "A"\n'


@pytest.mark.parametrize("extra, expected", [
    (EVENT, "event[0].kind 'malformed_contribution' needs [setup] ceremony = true"),
    ("\n[setup]\npower = 12\n", "setup.power only applies with setup.ceremony = true"),
    ('\n[setup]\nceremony = true\nbeacon = "zz"\n', "setup.beacon must be a non-empty hexadecimal string"),
    ("\n[setup]\nceremony = true\npower = 40\n", "setup.power must be at most 16"),
    ("\n[setup]\nceremony = true\n" + EVENT + "phase = 3\n", "event[0].phase must be one of 1, 2, not 3"),
    ("\n[setup]\nceremony = true\n" + EVENT + "round = 1\n", "event[0].round is not a known key"),
    ("\n[setup]\nceremony = true\n" + EVENT + EVENT, "event[1] repeats 'A''s malformed contribution to phase 1"),
    ('\n[setup]\nceremony = true\n[[event]]\nkind = "malformed_contribution"\nactor = "B"\n',
     "event[0].actor 'B' is not an institution"),
])
def test_bad_setup_tables_get_one_sentence(tmp_path, extra, expected):
    path = tmp_path / "s.toml"
    path.write_text(BASE + extra)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_the_setup_table_defaults_keep_seeded_keys(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE)
    assert load_scenario(path).ceremony is None
    path.write_text(BASE + "\n[setup]\nceremony = false\n")
    assert load_scenario(path).ceremony is None
    path.write_text(BASE + "\n[setup]\nceremony = true\n" + EVENT + "phase = 2\n")
    s = load_scenario(path)
    assert s.ceremony == CeremonySpec(power=None, beacon="") and s.events[0].phase == 2
