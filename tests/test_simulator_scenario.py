"""Scenario files and institution data: the schema's errors, determinism of the data, the CLI's exit 2."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from zkanchor.simulator.data import all_data, perturbed
from zkanchor.simulator.scenario import ScenarioError, load_scenario, parse_scenario
from zkanchor.cli import main as cli_main
from zkanchor.cli import simulate_commands

SCENARIOS = Path(__file__).resolve().parent.parent / "simulator" / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))

MINIMAL = """
[scenario]
name = "tiny"

[model]
kind = "logreg"
epochs = 1
learning_rate = 0.5

[[institution]]
name = "A"
data = { source = "synthetic", rows = 4, features = 2 }
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


def run_cli(argv: list[str], monkeypatch) -> int:
    assert simulate_commands in cli_main.COMMAND_MODULES
    return cli_main.main(argv)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_validate_and_build_their_data(path):
    scenario = load_scenario(path)
    data = all_data(scenario)
    assert set(data) == {i.name for i in scenario.institutions}
    for inst in scenario.institutions:
        ds = data[inst.name].dataset
        assert (ds.n, ds.d) == (inst.data.rows, inst.data.features)
        assert set(np.unique(ds.targets).tolist()) <= {0, 1 << scenario.model.frac_bits}


def test_the_shipped_set_is_complete():
    assert {p.stem for p in SHIPPED} >= {"hospitals", "banks", "consortium", "attacks"}
    assert load_scenario(SCENARIOS / "consortium.toml").federated
    kinds = {e.kind for e in load_scenario(SCENARIOS / "attacks.toml").events}
    assert kinds == {"forged_proof", "replayed_proof", "wrong_data", "model_swap", "unregistered",
                     "late_dataset", "optimistic_bad_proof", "bad_aggregate"}


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('epochs = 1', 'epochs = "one"'), "model.epochs must be an integer, not 'one'"),
    (lambda t: t.replace('kind = "logreg"', 'kind = "svm"'), "model.kind must be one of logreg, linreg, not 'svm'"),
    (lambda t: t.replace('name = "tiny"', 'name = "tiny"\ncolour = "red"'), "scenario.colour is not a known key"),
    (lambda t: t.replace('learning_rate = 0.5', ''), "model.learning_rate is required"),
    (lambda t: t.replace('rows = 4', 'rows = 0'), "institution[0].data.rows must be at least 1, not 0"),
    (lambda t: t.replace('source = "synthetic"', 'source = "ftp"'), "institution[0].data.source must be one of"),
    (lambda t: t.replace('[scenario]\nname = "tiny"', '[scenario]\nname = 7'), "scenario.name must be a string, not 7"),
    (lambda t: t + '\n[[event]]\nkind = "forged_proof"\nactor = "Nobody"\n',
     "event[0].actor 'Nobody' is not an institution of this scenario"),
    (lambda t: t + '\n[[event]]\nkind = "bad_aggregate"\nactor = "A"\n', "needs a [federated] table"),
    (lambda t: t + '\n[[event]]\nkind = "meteor"\nactor = "A"\n', "event[0].kind must be one of"),
    (lambda t: t + '\n[[event]]\nkind = "forged_proof"\nactor = "A"\nround = 2\n', "event[0].round must be at most 1"),
    (lambda t: t + '\n[[event]]\nkind = "replayed_proof"\nactor = "A"\n', "event[0].victim is required"),
    (lambda t: t + '\n[[event]]\nkind = "model_swap"\nactor = "A"\n', "needs a [regulator]"),
    (lambda t: t + '\n[[institution]]\nname = "A"\ndata = { source = "synthetic", rows = 4, features = 2 }\n',
     "the name 'A' is used twice"),
    (lambda t: t.replace('source = "synthetic", rows = 4', 'source = "csv", rows = 4, target = "y", path = "no.csv"'),
     "names 'no.csv', which is not a file"),
    (lambda t: t.replace('source = "synthetic", rows = 4', 'source = "sklearn", name = "diabetes", rows = 4'),
     "a logreg scenario needs a classification set"),
    (lambda t: t + '\n[federated]\naggregator = "Hub"\n', "needs at least two honest institutions"),
    (lambda t: t + "\n[scenario\n", "is not valid TOML"),
])
def test_each_bad_scenario_gets_one_sentence_naming_the_key(tmp_path, edit, expected):
    assert expected in error_of(tmp_path, edit(MINIMAL))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe[scenario]")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(tmp_path / "bin.toml")


def test_cli_exits_2_with_one_sentence_on_a_bad_scenario(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, MINIMAL.replace("epochs = 1", "epochs = -3"))
    code = run_cli(["simulate", str(path), "-o", str(tmp_path / "out")], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "model.epochs must be at least 1, not -3" in err
    assert not (tmp_path / "out").exists()


def test_cli_replay_of_a_missing_log_exits_2(tmp_path, monkeypatch, capsys):
    code = run_cli(["replay", str(tmp_path / "events.jsonl"), "--rpc", "http://127.0.0.1:9"], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_cli_replay_refuses_an_embedded_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "events.jsonl").write_text(json.dumps({"seq": 0, "actor": "simulator", "action": "finish",
                                                       "outcome": "passed"}) + "\n")
    (tmp_path / "run.json").write_text(json.dumps({"chain": "embedded"}))
    code = run_cli(["replay", str(tmp_path), "--rpc", "http://127.0.0.1:9"], monkeypatch)
    assert code == 2 and "embedded chain" in capsys.readouterr().err


def test_data_is_a_function_of_the_seed(tmp_path):
    path = write(tmp_path, MINIMAL)
    scenario = load_scenario(path)
    from dataclasses import replace

    a = all_data(scenario)["A"].dataset
    b = all_data(scenario)["A"].dataset
    c = all_data(replace(scenario, seed=1))["A"].dataset
    assert np.array_equal(a.features, b.features) and np.array_equal(a.targets, b.targets)
    assert not np.array_equal(a.features, c.features)


def test_sklearn_slices_are_disjoint_and_imbalance_is_exact(tmp_path):
    text = MINIMAL.replace('data = { source = "synthetic", rows = 4, features = 2 }',
                           'data = { source = "sklearn", name = "breast_cancer", rows = 20, features = 3 }')
    text += '\n[[institution]]\nname = "B"\ndata = { source = "sklearn", name = "breast_cancer", rows = 20, features = 3 }\n'
    text += ('\n[[institution]]\nname = "C"\ndata = { source = "synthetic", rows = 40, features = 3, '
             'positive_rate = 0.1 }\n')
    data = all_data(load_scenario(write(tmp_path, text)))
    rows_a = {tuple(r) for r in data["A"].dataset.features.tolist()}
    rows_b = {tuple(r) for r in data["B"].dataset.features.tolist()}
    assert len(rows_a) == 20 and not rows_a & rows_b
    assert data["C"].positives == 4  # 10 % of 40, exactly


def test_csv_source_reads_the_given_rows(tmp_path):
    lines = ["a,b,label"] + [f"{i},{i * i % 7},{i % 2}" for i in range(12)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    text = MINIMAL.replace('source = "synthetic", rows = 4, features = 2',
                           'source = "csv", path = "d.csv", target = "label", rows = 6, start = 3')
    ds = all_data(load_scenario(write(tmp_path, text)))["A"].dataset
    assert (ds.n, ds.d) == (6, 2)
    assert ds.targets.tolist() == [(i % 2) << 8 for i in range(3, 9)]


def test_csv_labels_must_be_binary_for_logreg(tmp_path):
    (tmp_path / "d.csv").write_text("a,label\n1,0\n2,3\n3,1\n")
    text = MINIMAL.replace('source = "synthetic", rows = 4, features = 2',
                           'source = "csv", path = "d.csv", target = "label", rows = 3')
    with pytest.raises(Exception, match="0/1 labels"):
        all_data(load_scenario(write(tmp_path, text)))


def test_perturbed_data_differs_in_exactly_one_value():
    scenario = load_scenario(SCENARIOS / "hospitals.toml")
    ds = all_data(scenario)["St. Mary"].dataset
    other = perturbed(ds, 1)
    changed = int((ds.features != other.features).sum() + (ds.targets != other.targets).sum())
    assert changed == 1


def test_parse_scenario_accepts_a_document_without_a_file(tmp_path):
    import tomllib

    s = parse_scenario(tomllib.loads(MINIMAL), tmp_path / "virtual.toml")
    assert s.name == "tiny" and s.rounds == 1 and s.institutions[0].anchor == "verified"
