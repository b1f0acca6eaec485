"""Scenarios end to end on a real chain, with real proofs: honest actions land, every attack is
stopped by its documented check, runs are deterministic from the seed (process pool, Dask and the
CLI alike), anvil works, and a finished run replays against its chain.

The default suite runs one short smoke scenario; everything else is ``@pytest.mark.slow``: the
shipped hospitals scenario once at its real size (through the CLI, by its bare name), the small
shipped scenarios as they are, and small variants of the big ones written into tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from zkanchor.cli import main as cli_main
from zkanchor.cli import simulate_commands
from zkanchor.errors import InputError
from zkanchor.simulator import load_scenario, proving, run_scenario
from zkanchor.simulator import replay as replay_module
from zkanchor.simulator.replay import replay
from zkanchor.simulator.scenario import SHIPPED

# The checks that stop each attack, attempt by attempt (simulator.attacks documents them).
EXPECTED_STOPS = {
    "forged_proof": ["python-verifier", "contract:ProofRejected"],
    # Unchanged, input 0 is the victim; rewritten, the proof fails; and the thief never
    # anchored the victim's data (dataset anchors are per institution).
    "replayed_proof": ["contract:InstitutionInputMismatch", "python-verifier", "contract:DatasetNotAnchored"],
    "wrong_data": ["prover:C_D", "python-verifier", "contract:ProofRejected"],
    "model_swap": ["python-verifier", "contract:ProofRejected", "regulator:model-opening"],
    "unregistered": ["contract:UnregisteredInstitution", "contract:UnregisteredInstitution"],
    "late_dataset": ["contract:DatasetNotAnchored"],
    "optimistic_bad_proof": ["python-verifier", "contract:resolve", "contract:expire"],
    # The aggregation circuit binds the global model's commitment C_G.
    "bad_aggregate": ["prover:C_G", "python-verifier", "contract:ProofRejected"],
}
SEGMENT_STOPS = {
    "skipped_segment": ["prover:C_W", "contract:CheckpointGap"],
    "forked_segment": ["contract:CheckpointFork"],
    "segment_other_data": ["contract:CheckpointDatasetMismatch"],
}
HOSPITALS = ["St. Mary", "Mercy General", "Children's West"]
BANKS = ["Northbank", "Harbour Credit", "Alpine Savings"]

# The default suite's one end-to-end run: one verified and one optimistic institution, a
# forger, a watcher and a regulator, on 4 rows x 2 features (one small circuit).
SMOKE = """
[scenario]
name = "smoke"
description = "A verified clinic, an optimistic clinic and a forger."
seed = 21
workers = 2

[model]
kind = "logreg"
epochs = 1
learning_rate = 0.5

[[institution]]
name = "Clinic A"
data = { source = "synthetic", rows = 4, features = 2 }

[[institution]]
name = "Clinic B"
anchor = "optimistic"
data = { source = "synthetic", rows = 4, features = 2, shift = 0.3 }

[[institution]]
name = "Mallory"
honest = false
data = { source = "synthetic", rows = 4, features = 2 }

[watcher]
name = "Watchdog"

[regulator]
name = "Regulator"

[[event]]
kind = "forged_proof"
actor = "Mallory"
"""


@pytest.fixture(scope="module", autouse=True)
def zkanchor_cache(tmp_path_factory):
    """Caches (keys, circuits, compiled contracts) go to the session's temporary directory, never the checkout."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKANCHOR_CACHE", str(tmp_path_factory.getbasetemp() / "zkanchor-cache"))
        mp.setattr(proving, "_STORES", {})  # a key store opened earlier would keep its old cache
        yield


# ---------------------------------------------------------------- helpers


def events(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def cli(argv: list[str]) -> int:
    assert simulate_commands in cli_main.COMMAND_MODULES
    return cli_main.main(argv)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string: the same escapes for what scenarios hold
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"no TOML for {v!r}")


def dump_toml(doc: dict) -> str:
    """A scenario document (tables, arrays of tables, scalars and inline tables) as TOML."""
    lines = []
    for name, table in doc.items():
        for t in table if isinstance(table, list) else [table]:
            lines.append(f"[[{name}]]" if isinstance(table, list) else f"[{name}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in t.items()]
            lines.append("")
    return "\n".join(lines)


def small_variant(name: str, directory: Path, rows: int, features: int, epochs: int = 1,
                  evaluation: dict | None = None) -> Path:
    """The shipped scenario ``name`` shrunk (every institution's rows and features, the epochs,
    the [evaluation] table), written as ``directory/name.toml`` and validated."""
    doc = tomllib.loads((SHIPPED / f"{name}.toml").read_text())
    for inst in doc["institution"]:
        inst["data"].update(rows=rows, features=features)
    doc["model"]["epochs"] = epochs
    if evaluation is not None:
        assert "evaluation" in doc
        doc["evaluation"].update(evaluation)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(dump_toml(doc))
    shipped = load_scenario(name)
    small = load_scenario(path)
    assert small.name == shipped.name and small.rounds == shipped.rounds and small.events == shipped.events
    assert all((i.data.rows, i.data.features) == (rows, features) for i in small.institutions)
    return path


def assert_honest_run(report, out: Path) -> list[dict]:
    """Every honest action landed, done or passed; every attack attempt stopped; the report is complete."""
    assert report.ok, report.problems
    records = events(out)
    honest = [r for r in records if not r.get("attack")]
    assert [r for r in honest if r["outcome"] not in ("landed", "done", "passed")] == []
    assert all(r["outcome"] == "stopped" for r in records if r.get("attack"))
    assert {"events.jsonl", "summary.md", "timings.json", "run.json", "deployment.json"} <= set(report.files)
    for name in report.files:
        assert (out / name).stat().st_size > 0, name
    finish = records[-1]
    assert finish["action"] == "finish" and finish["state_hash"] == report.state_hash and finish["problems"] == 0
    assert json.loads((out / "run.json").read_text())["state_hash"] == report.state_hash
    return records


def stops(records: list[dict]) -> dict[str, list[str]]:
    """What stopped each attack kind, attempt by attempt, in log order."""
    out: dict[str, list[str]] = {}
    for r in records:
        if r.get("attack"):
            out.setdefault(r["attack"], []).append(r["stopped_by"])
    return out


def pipeline(records: list[dict], name: str) -> list[str]:
    """The honest actions of one institution, in order."""
    return [r["action"] for r in records if r["actor"] == name and not r.get("attack_step")]


# ---------------------------------------------------------------- the default suite's smoke run


def test_smoke_run_lands_honest_actions_and_stops_the_forger(tmp_path):
    path = tmp_path / "smoke.toml"
    path.write_text(SMOKE)
    out = tmp_path / "out"
    report = run_scenario(path, out=out)
    records = assert_honest_run(report, out)
    assert {"gas.png", "proof_times.png", "timeline.png"} <= set(report.files)
    assert pipeline(records, "Clinic A") == ["commit_dataset", "anchor_dataset", "train", "prove", "anchor_verified"]
    assert pipeline(records, "Clinic B") == ["commit_dataset", "anchor_dataset", "train", "prove", "anchor_optimistic"]
    assert stops(records) == {"forged_proof": EXPECTED_STOPS["forged_proof"]}
    (circuit,) = [r for r in records if r["action"] == "register_circuit"]
    assert circuit["circuit"].startswith("logreg-4x2-e1-") and circuit["kind"] == "training"
    (watched,) = [r for r in records if r["action"] == "check_optimistic"]
    assert (watched["institution"], watched["python_verifier"], watched["onchain"]) == ("Clinic B", "valid", "pending")
    (audit,) = [r for r in records if r["action"] == "audit_registry"]
    assert audit["outcome"] == "passed" and audit["mismatch"] == 0 and audit["unchecked"] == 1
    openings = [r["institution"] for r in records if r["action"] == "check_model_opening" and r["outcome"] == "passed"]
    assert openings == ["Clinic A", "Clinic B"]
    # The log is deterministic: wall-clock timings and workers live in timings.json only.
    assert not any({"seconds", "worker", "start"} & r.keys() for r in records)
    timings = json.loads((out / "timings.json").read_text())
    assert any(t.get("worker") for t in timings["events"])
    verdict = report.to_json()
    assert (verdict["ok"], verdict["attack_attempts"], verdict["stopped"]) == (True, 2, 2)
    summary = (out / "summary.md").read_text()
    assert "every honest action landed" in summary and "contract:ProofRejected" in summary


def test_a_held_out_claim_the_honest_model_misses_is_one_sentence(tmp_path):
    """A scenario whose honest model cannot meet [evaluation] stops before proving, naming who and why."""
    path = small_variant("hospitals", tmp_path, rows=4, features=2, evaluation={"rows": 16, "min_accuracy": 1.0})
    with pytest.raises(InputError) as info:
        run_scenario(path, out=tmp_path / "out", workers=1, charts=False)
    message = str(info.value)
    assert "\n" not in message and "held-out rows right" in message and "evaluation.min_accuracy = 1.0" in message
    assert message.split("'s model")[0] in HOSPITALS
    (tmp_path / "linear.toml").write_text("""
[scenario]
name = "linear"
[model]
kind = "linreg"
epochs = 1
learning_rate = 0.1
[evaluation]
rows = 8
max_mse = 0.0
[[institution]]
name = "Lab"
data = { source = "sklearn", name = "diabetes", rows = 4, features = 2 }
""")
    with pytest.raises(InputError, match=r"^Lab's model of round 1 has a held-out mse of [0-9.]+, above "
                                         r"evaluation.max_mse = 0.0; raise it"):
        run_scenario(tmp_path / "linear.toml", out=tmp_path / "out2", workers=1, charts=False)


def test_replay_checks_segment_anchors_like_any_other_anchor():
    """A checkpointed run's segments are anchors too: replay finds a logged one missing."""
    record = {"seq": 5, "actor": "Lab", "action": "anchor_segment_optimistic", "outcome": "landed", "statement": "0x01"}
    kinds = {"0x01": "verified"}
    registry = SimpleNamespace(anchor=lambda statement: SimpleNamespace(kind=kinds.get(statement, "none")))
    result = replay_module.ReplayResult()
    replay_module._check_record(None, registry, record, result)
    assert result.checked == 1 and result.problems == ["event 5 (Lab: anchor_segment_optimistic): the registry has "
                                                       "no optimistic anchor 0x01"]
    kinds["0x01"] = "optimistic"
    result = replay_module.ReplayResult()
    replay_module._check_record(None, registry, record, result)
    assert result.checked == 1 and result.ok


# ---------------------------------------------------------------- hospitals at real size (slow)


@pytest.fixture(scope="module")
def hospitals(tmp_path_factory):
    """The README's demo as a user runs it: ``zkanchor simulate hospitals -o OUT --json``."""
    out = tmp_path_factory.mktemp("hospitals")
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        mp.chdir(out)  # the bare name resolves to the shipped file, not to anything in the checkout
        code = cli(["simulate", "hospitals", "-o", str(out / "report"), "--workers", "2", "--json"])
    return code, json.loads(stdout.getvalue()), out / "report"


@pytest.mark.slow
def test_hospitals_at_real_size_prove_training_and_held_out_accuracy(hospitals):
    code, verdict, out = hospitals
    assert code == 0 and verdict["ok"] and verdict["problems"] == [] and verdict["attack_attempts"] == 0
    report = SimpleNamespace(ok=verdict["ok"], problems=verdict["problems"], state_hash=verdict["state_hash"],
                             files=[p.name for p in out.iterdir() if p.is_file()])
    records = assert_honest_run(report, out)
    assert {"gas.png", "proof_times.png", "timeline.png"} <= set(report.files)
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 7 and run["scenario"] == "hospitals"
    for name, anchor in zip(HOSPITALS, ["anchor_verified", "anchor_verified", "anchor_optimistic"]):
        assert pipeline(records, name) == ["commit_dataset", "anchor_dataset", "train", "prove", anchor]
        commit = next(r for r in records if r["actor"] == name and r["action"] == "commit_dataset")
        assert "142 rows x 30 features" in commit["note"]
        # The held-out split: 143 rows, at least 90 % right (129 of 143), proven in the statement.
        train = next(r for r in records if r["actor"] == name and r["action"] == "train")
        correct, total = train["note"].split("test accuracy ")[1].split("/")
        assert int(total) == 143 and int(correct) >= 129
    (circuit,) = [r for r in records if r["action"] == "register_circuit"]
    assert circuit["circuit"].startswith("logreg-142x30-e5-")
    (deployed,) = json.loads((out / "deployment.json").read_text())["circuits"].values()
    # Public inputs: institution, C_D, C_W0, C_W, the start, C_T and the proven minimum of correct rows.
    assert deployed["n_public"] == 7 and "accuracy on 143 committed test rows" in deployed["description"]
    (watched,) = [r for r in records if r["action"] == "check_optimistic"]
    assert watched["institution"] == "Children's West" and watched["outcome"] == "passed"
    (audit,) = [r for r in records if r["action"] == "audit_registry"]
    assert audit["outcome"] == "passed" and audit["mismatch"] == 0 and audit["ok"] >= 5
    assert sum(r["action"] == "check_model_opening" and r["outcome"] == "passed" for r in records) == 3
    summary = (out / "summary.md").read_text()
    assert "every honest action landed" in summary and verdict["state_hash"] in summary


# ---------------------------------------------------------------- determinism (slow, a small hospitals)


@pytest.fixture(scope="module")
def small_hospitals(tmp_path_factory):
    """hospitals shrunk to 8 rows x 3 features, 1 epoch, a 16-row held-out split (at least half right)."""
    base = tmp_path_factory.mktemp("small-hospitals")
    path = small_variant("hospitals", base, rows=8, features=3, evaluation={"rows": 16, "min_accuracy": 0.5})
    out = base / "pool"
    report = run_scenario(path, out=out, workers=2, charts=False)
    assert_honest_run(report, out)
    return path, report, out


@pytest.mark.slow
def test_same_seed_same_log_and_state_through_dask(small_hospitals, tmp_path):
    dask = pytest.importorskip("dask.distributed")
    path, report, out = small_hospitals
    with dask.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        again = run_scenario(path, out=tmp_path, scheduler=cluster.scheduler_address, charts=False)
    assert again.ok, again.problems
    assert (tmp_path / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()
    assert again.state_hash == report.state_hash
    workers = {t.get("worker") for t in json.loads((tmp_path / "timings.json").read_text())["events"]} - {None}
    assert workers


@pytest.mark.slow
def test_same_seed_same_log_through_the_cli_and_another_seed_differs(small_hospitals, tmp_path, capsys):
    path, report, out = small_hospitals
    code = cli(["simulate", str(path), "--seed", "7", "-o", str(tmp_path / "a"), "--no-charts", "--json",
                "--workers", "1"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["ok"] and result["state_hash"] == report.state_hash
    assert (tmp_path / "a" / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()
    records = events(out)
    assert all("test accuracy" in r["note"] for r in records if r["action"] == "train")
    other = run_scenario(path, seed=8, out=tmp_path / "b", charts=False)
    assert other.ok and other.state_hash != report.state_hash
    assert (tmp_path / "b" / "events.jsonl").read_bytes() != (out / "events.jsonl").read_bytes()


# ---------------------------------------------------------------- checkpointed runs (slow)


@pytest.mark.slow
def test_banks_checkpointed_runs_anchor_every_segment_and_the_watcher_follows_them(tmp_path):
    path = small_variant("banks", tmp_path, rows=24, features=4)
    report = run_scenario(path, out=tmp_path / "out", workers=2, charts=False)
    records = assert_honest_run(report, tmp_path / "out")
    runs = {}
    for bank, kind in zip(BANKS, ["verified", "verified", "optimistic"]):
        trains = [r for r in records if r["actor"] == bank and r["action"] == "train"]
        assert [t["round"] for t in trains] == [1, 2, 3]
        for earlier, later in zip(trains, trains[1:]):
            assert later["initial_model"] == earlier["model"]  # each segment starts at the last checkpoint
        segments = [r for r in records if r["actor"] == bank and r["action"] == f"anchor_segment_{kind}"]
        assert [(s["round"], s["segment"], s["outcome"]) for s in segments] == [
            (1, "1/3", "landed"), (2, "2/3", "landed"), (3, "3/3", "landed")]
        assert len({s["run"] for s in segments}) == 1
        runs[bank] = segments[0]["run"]
        # The watcher follows each institution's run on chain: complete, ending at the last checkpoint.
        (watched,) = [r for r in records if r["action"] == "watch_run" and r["institution"] == bank]
        assert (watched["outcome"], watched["segments"], watched["run"]) == ("passed", "3/3", runs[bank])
        assert watched["block"] == segments[-1]["block"]
    assert len(set(runs.values())) == 3
    assert sum(r["action"] == "anchor_dataset" for r in records) == 3  # data anchored once, reused by every segment
    assert {r["circuit"].split("-")[-2] for r in records if r["action"] == "register_circuit"} == {"ckpt"}
    checked = [r for r in records if r["action"] == "check_optimistic"]
    assert [(r["institution"], r["round"], r["outcome"]) for r in checked] == [
        ("Alpine Savings", k, "passed") for k in (1, 2, 3)]
    assert sum(r["action"] == "check_model_opening" and r["outcome"] == "passed" for r in records) == 9


@pytest.mark.slow
def test_every_attack_on_a_checkpointed_run_is_stopped_by_its_documented_check(tmp_path):
    report = run_scenario("checkpoints", out=tmp_path, workers=2, charts=False)
    records = assert_honest_run(report, tmp_path)
    assert stops(records) == SEGMENT_STOPS
    # The cheater's own run is untouched: every honest segment landed in order, and both runs complete.
    for lab in ("Lab A", "Lab B"):
        segments = [r["segment"] for r in records if r["actor"] == lab and r["action"] == "anchor_segment_verified"
                    and not r.get("attack")]
        assert segments == ["1/3", "2/3", "3/3"]
    watched = [(r["institution"], r["outcome"], r["segments"]) for r in records if r["action"] == "watch_run"]
    assert watched == [("Lab A", "passed", "3/3"), ("Lab B", "passed", "3/3")]
    other_data = [r for r in records if r.get("attack_step") == "segment_other_data"]
    assert [(r["action"], r["outcome"]) for r in other_data] == [("anchor_dataset", "landed")]
    summary = (tmp_path / "summary.md").read_text()
    for checks in SEGMENT_STOPS.values():
        for check in checks:
            assert check in summary


# ---------------------------------------------------------------- attacks (slow)


def check_attacks(report, out: Path) -> list[dict]:
    records = assert_honest_run(report, out)
    assert stops(records) == EXPECTED_STOPS
    settled = [r for r in records if r.get("attack") == "optimistic_bad_proof" and r["action"] in ("resolve", "expire")]
    assert [r["onchain"] for r in settled] == ["invalid", "invalid"]
    # The biased aggregate was refused; the honest one (bound to the members' anchors) landed after it.
    aggregates = [(r.get("attack"), r["outcome"]) for r in records if r["action"] == "anchor_aggregate"]
    assert aggregates == [("bad_aggregate", "stopped"), (None, "landed")]
    summary = (out / "summary.md").read_text()
    for checks in EXPECTED_STOPS.values():
        for check in checks:
            assert check in summary
    return records


@pytest.mark.slow
def test_every_attack_is_stopped_by_its_documented_check(tmp_path):
    check_attacks(run_scenario("attacks", out=tmp_path, workers=2, charts=False), tmp_path)


@pytest.mark.slow
def test_attacks_on_anvil_then_replay_against_the_chain(anvil_url, tmp_path, capsys):
    out = tmp_path / "run"
    report = run_scenario("attacks", out=out, rpc=anvil_url, workers=2, charts=False)
    check_attacks(report, out)
    assert cli(["replay", str(out / "events.jsonl"), "--rpc", anvil_url]) == 0
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
    assert cli(["replay", str(forged), "--rpc", anvil_url, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


# ---------------------------------------------------------------- regression models (slow)


@pytest.mark.slow
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
    report = run_scenario(tmp_path / "lin.toml", out=tmp_path / "out", workers=2, charts=False)
    records = assert_honest_run(report, tmp_path / "out")
    assert [r["note"].split()[:2] for r in records if r["action"] == "train"] == [["train", "mse"]] * 2
    assert next(r for r in records if r["action"] == "check_optimistic")["python_verifier"] == "valid"
