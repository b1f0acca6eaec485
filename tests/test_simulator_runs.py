"""Every shipped scenario end to end on a real chain, with real proofs: honest actions land,
every attack is stopped by its documented check, runs are deterministic from the seed, the
Dask executor and anvil work, and a finished run replays against its chain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zkanchor.simulator import run_scenario
from zkanchor.simulator.replay import replay
from zkanchor.cli import main as cli_main
from zkanchor.cli import simulate_commands

SCENARIOS = Path(__file__).resolve().parent.parent / "simulator" / "scenarios"

# The checks that must stop each attack, attempt by attempt (simulator.attacks documents them).
EXPECTED_STOPS = {
    "forged_proof": ["python-verifier", "contract:ProofRejected"],
    "replayed_proof": ["contract:InstitutionInputMismatch", "python-verifier", "contract:DatasetAnchoredByOther"],
    "wrong_data": ["prover:C_D", "python-verifier", "contract:ProofRejected"],
    "model_swap": ["python-verifier", "contract:ProofRejected", "regulator:model-opening"],
    "unregistered": ["contract:UnregisteredInstitution", "contract:UnregisteredInstitution"],
    "late_dataset": ["contract:DatasetNotAnchored"],
    "optimistic_bad_proof": ["python-verifier", "contract:resolve", "contract:expire"],
    "bad_aggregate": ["prover:average.w0", "python-verifier", "contract:ProofRejected"],
}


def events(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def cli(argv: list[str], monkeypatch) -> int:
    assert simulate_commands in cli_main.COMMAND_MODULES
    return cli_main.main(argv)


def assert_honest_run(report, out: Path) -> list[dict]:
    assert report.ok, report.problems
    records = events(out)
    honest = [r for r in records if not r.get("attack")]
    assert [r for r in honest if r["outcome"] not in ("landed", "done", "passed")] == []
    assert all(r["outcome"] == "stopped" for r in records if r.get("attack"))
    assert {"events.jsonl", "summary.md", "timings.json", "run.json", "deployment.json"} <= set(report.files)
    for name in report.files:
        assert (out / name).stat().st_size > 0, name
    return records


@pytest.fixture(scope="module")
def hospitals(tmp_path_factory):
    out = tmp_path_factory.mktemp("hospitals")
    return run_scenario(SCENARIOS / "hospitals.toml", seed=7, out=out, workers=2), out


def test_hospitals_every_hospital_commits_trains_proves_and_anchors(hospitals):
    report, out = hospitals
    records = assert_honest_run(report, out)
    assert {"gas.png", "proof_times.png", "timeline.png"} <= set(report.files)
    names = ["St. Mary", "Mercy General", "Children's West"]
    for name in names:
        actions = [r["action"] for r in records if r["actor"] == name]
        assert actions[:2] == ["commit_dataset", "anchor_dataset"]
        assert {"train", "prove"} <= set(actions) and actions[-1] in ("anchor_verified", "anchor_optimistic")
    audit = next(r for r in records if r["action"] == "audit_registry")
    assert audit["outcome"] == "passed" and audit["mismatch"] == 0 and audit["ok"] >= 5
    assert sum(r["action"] == "check_model_opening" and r["outcome"] == "passed" for r in records) == 3
    summary = (out / "summary.md").read_text()
    assert "every honest action landed" in summary and report.state_hash in summary


def test_same_seed_same_log_and_state_through_dask(hospitals, tmp_path):
    dask = pytest.importorskip("dask.distributed")
    report, out = hospitals
    with dask.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        again = run_scenario(SCENARIOS / "hospitals.toml", seed=7, out=tmp_path, scheduler=cluster.scheduler_address)
    assert again.ok
    assert (tmp_path / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()
    assert again.state_hash == report.state_hash
    workers = {t.get("worker") for t in json.loads((tmp_path / "timings.json").read_text())["events"]} - {None}
    assert len(workers) >= 1


def test_same_seed_same_log_through_the_cli_and_another_seed_differs(hospitals, tmp_path, monkeypatch, capsys):
    report, out = hospitals
    code = cli(["simulate", str(SCENARIOS / "hospitals.toml"), "--seed", "7", "-o", str(tmp_path / "a"),
                "--no-charts", "--json"], monkeypatch)
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["ok"] and result["state_hash"] == report.state_hash
    assert (tmp_path / "a" / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()
    other = run_scenario(SCENARIOS / "hospitals.toml", seed=8, out=tmp_path / "b", charts=False)
    assert other.ok and other.state_hash != report.state_hash


def test_banks_checkpointed_rounds_continue_each_model(tmp_path):
    report = run_scenario(SCENARIOS / "banks.toml", out=tmp_path)
    records = assert_honest_run(report, tmp_path)
    for bank in ("Northbank", "Harbour Credit", "Alpine Savings"):
        trains = [r for r in records if r["actor"] == bank and r["action"] == "train"]
        assert [t["round"] for t in trains] == [1, 2]
        assert trains[1]["initial_model"] == trains[0]["model"]  # round 2 starts from round 1's C_W
    assert sum(r["action"] == "anchor_dataset" for r in records) == 3  # data anchored once, reused


def test_consortium_rounds_chain_through_proven_aggregates(tmp_path):
    report = run_scenario(SCENARIOS / "consortium.toml", out=tmp_path)
    records = assert_honest_run(report, tmp_path)
    aggregates = [r for r in records if r["action"] == "aggregate"]
    anchored = [r for r in records if r["action"] == "anchor_aggregate"]
    assert [r["round"] for r in anchored] == [1, 2] and all(r["outcome"] == "landed" for r in anchored)
    round2 = [r for r in records if r["action"] == "train" and r["round"] == 2]
    assert len(round2) == 3 and all(r["initial_model"] == aggregates[0]["model"] for r in round2)
    checks = [r for r in records if r["action"] == "check_federated_round"]
    assert [c["outcome"] for c in checks] == ["passed", "passed"]


def check_attacks(report, out: Path) -> list[dict]:
    records = assert_honest_run(report, out)
    stops: dict[str, list[str]] = {}
    for r in records:
        if r.get("attack"):
            stops.setdefault(r["attack"], []).append(r["stopped_by"])
    assert stops == EXPECTED_STOPS
    settled = [r for r in records if r.get("attack") == "optimistic_bad_proof" and r["action"] in ("resolve", "expire")]
    assert [r["onchain"] for r in settled] == ["invalid", "invalid"]
    assert next(r for r in records if r["action"] == "anchor_aggregate")["outcome"] == "landed"
    summary = (out / "summary.md").read_text()
    for checks in EXPECTED_STOPS.values():
        for check in checks:
            assert check in summary
    return records


def test_every_attack_is_stopped_by_its_documented_check(tmp_path):
    check_attacks(run_scenario(SCENARIOS / "attacks.toml", out=tmp_path), tmp_path)


def test_attacks_on_anvil_then_replay_against_the_chain(anvil_url, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    report = run_scenario(SCENARIOS / "attacks.toml", out=out, rpc=anvil_url, charts=False)
    check_attacks(report, out)
    assert cli(["replay", str(out / "events.jsonl"), "--rpc", anvil_url], monkeypatch) == 0
    assert "the chain agrees with the log" in capsys.readouterr().out

    # A log that claims something the chain does not show is caught.
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    records = events(forged)
    landed = next(r for r in records if r["action"] == "anchor_verified" and r["outcome"] == "landed")
    landed["gas"] += 1
    (forged / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = replay(forged, anvil_url)
    assert not result.ok and any(f"event {landed['seq']}" in p and "gas" in p for p in result.problems)
    assert cli(["replay", str(forged), "--rpc", anvil_url, "--json"], monkeypatch) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_linear_regression_from_csv_and_synthetic_data(tmp_path):
    rows = ["x1,x2,y"] + [f"{i % 5},{(i * 3) % 4},{(i % 5) * 0.5 - 1}" for i in range(10)]
    (tmp_path / "lab.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "lin.toml").write_text("""
[scenario]
name = "linear"
description = "two labs fit a linear model"
[model]
kind = "linreg"
epochs = 1
learning_rate = 0.1
[[institution]]
name = "CSV lab"
anchor = "optimistic"
data = { source = "csv", path = "lab.csv", target = "y", rows = 6 }
[[institution]]
name = "Synthetic lab"
data = { source = "synthetic", generator = "linear", rows = 6, features = 2, noise = 0.1 }
[watcher]
name = "W"
[regulator]
name = "R"
""")
    report = run_scenario(tmp_path / "lin.toml", out=tmp_path / "out", charts=False)
    records = assert_honest_run(report, tmp_path / "out")
    assert [r["note"].split()[:2] for r in records if r["action"] == "train"] == [["train", "mse"]] * 2
    assert next(r for r in records if r["action"] == "check_optimistic")["python_verifier"] == "valid"
