"""Scenario files and institution data: the schema's errors, the shipped set, bare names, the
held-out evaluation split, determinism of the data, the CLI's exit 2.  Nothing here proves."""

from __future__ import annotations

import json
import textwrap
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from zkanchor.cli import main as cli_main
from zkanchor.cli import simulate_commands
from zkanchor.commit.quantize import narrowest_value_bits
from zkanchor.errors import InputError
from zkanchor.simulator import proving
from zkanchor.simulator import data as sim_data
from zkanchor.simulator.data import all_data, perturbed
from zkanchor.simulator.engine import TEST_KEY
from zkanchor.simulator.scenario import (
    EVENT_KINDS,
    SEGMENT_EVENTS,
    SHIPPED,
    EvaluationSpec,
    ScenarioError,
    load_scenario,
    parse_scenario,
    resolve_scenario,
    shipped_scenarios,
)

SHIPPED_FILES = sorted(SHIPPED.glob("*.toml"))

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

# Two sklearn institutions (so segment events have a verified actor and an optimistic one).
SKLEARN = """
[scenario]
name = "tiny"
rounds = 2

[model]
kind = "logreg"
epochs = 1
learning_rate = 0.5

[[institution]]
name = "A"
data = { source = "sklearn", name = "breast_cancer", rows = 8, features = 3 }

[[institution]]
name = "B"
anchor = "optimistic"
data = { source = "sklearn", name = "breast_cancer", rows = 8, features = 3 }
"""

EVALUATION = "\n[evaluation]\nrows = 16\nmin_accuracy = 0.5\n"


@pytest.fixture(autouse=True)
def zkanchor_cache(tmp_path_factory, monkeypatch):
    """Caches go to the session's temporary directory, never into the checkout."""
    monkeypatch.setenv("ZKANCHOR_CACHE", str(tmp_path_factory.getbasetemp() / "zkanchor-cache"))
    monkeypatch.setattr(proving, "_STORES", {})


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


def event(kind: str, actor: str = "A", round_: int | None = None, **extra: str) -> str:
    text = f'\n[[event]]\nkind = "{kind}"\nactor = "{actor}"\n'
    if round_ is not None:
        text += f"round = {round_}\n"
    return text + "".join(f'{k} = "{v}"\n' for k, v in extra.items())


def run_cli(argv: list[str]) -> int:
    assert simulate_commands in cli_main.COMMAND_MODULES
    return cli_main.main(argv)


# ---------------------------------------------------------------- the shipped scenarios


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[p.stem for p in SHIPPED_FILES])
def test_shipped_scenarios_validate_and_build_their_data(path):
    scenario = load_scenario(path)
    data = all_data(scenario)
    expected = {i.name for i in scenario.institutions} | ({TEST_KEY} if scenario.evaluation else set())
    assert set(data) == expected
    widths = set()
    for inst in scenario.institutions:
        ds = data[inst.name].dataset
        assert (ds.n, ds.d) == (inst.data.rows, inst.data.features or ds.d)  # csv: every column by default
        if scenario.model.kind == "logreg":
            assert set(np.unique(ds.targets).tolist()) <= {0, 1 << scenario.model.frac_bits}
        widths.add(ds.value_bits)
    if scenario.evaluation is not None:
        test = data[TEST_KEY].dataset
        assert (test.n, test.d) == (scenario.evaluation.rows, scenario.institutions[0].data.features)
        widths.add(test.value_bits)
    assert len(widths) == 1  # one fixed-point width for everyone: one circuit per shape


def test_the_shipped_set_is_complete_and_loads_by_bare_name():
    names = {p.stem for p in SHIPPED_FILES}
    assert names >= {"hospitals", "banks", "consortium", "attacks", "checkpoints", "ceremony"}
    assert shipped_scenarios() == sorted(names)
    for name in names:
        assert resolve_scenario(name) == SHIPPED / f"{name}.toml"
        assert load_scenario(name) == load_scenario(SHIPPED / f"{name}.toml")
    assert load_scenario("consortium").federated and not load_scenario("consortium").checkpointed
    attacks = {e.kind for e in load_scenario("attacks").events}
    assert attacks == set(EVENT_KINDS) - set(SEGMENT_EVENTS) - {"malformed_contribution"}
    checkpoints = load_scenario("checkpoints")
    assert checkpoints.checkpointed and {e.kind for e in checkpoints.events} == set(SEGMENT_EVENTS)
    assert {e.kind for e in load_scenario("ceremony").events} == {"malformed_contribution"}
    assert load_scenario("ceremony").ceremony is not None


def test_hospitals_and_banks_are_at_real_size():
    hospitals = load_scenario("hospitals")
    assert [(i.data.rows, i.data.features) for i in hospitals.institutions] == [(142, 30)] * 3
    assert hospitals.model.epochs == 5 and hospitals.rounds == 1
    assert hospitals.evaluation == EvaluationSpec(rows=143, min_accuracy=0.9)
    assert 3 * 142 + 143 <= 569  # the breast-cancer set: disjoint training slices and the held-out split
    assert (hospitals.model.value_bits, hospitals.model.weight_bits, hospitals.model.lr_shift) == (None, None, None)
    assert [i.anchor for i in hospitals.institutions] == ["verified", "verified", "optimistic"]
    banks = load_scenario("banks")
    assert banks.checkpointed and banks.rounds == 3 and not banks.events
    assert [(i.data.rows, i.data.features) for i in banks.institutions] == [(300, 12)] * 3


def test_a_bare_name_that_is_not_shipped_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="'nowhere' does not exist"):
        load_scenario("nowhere")
    # A file of that name in the working directory wins over the shipped scenario.
    write(tmp_path, MINIMAL, "hospitals")
    assert resolve_scenario("hospitals") == Path("hospitals") and load_scenario("hospitals").name == "tiny"


# ---------------------------------------------------------------- validation: one sentence each


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('epochs = 1', 'epochs = "one"'), "model.epochs must be an integer, not 'one'"),
    (lambda t: t.replace('kind = "logreg"', 'kind = "svm"'), "model.kind must be one of logreg, linreg, not 'svm'"),
    (lambda t: t.replace('name = "tiny"', 'name = "tiny"\ncolour = "red"'), "scenario.colour is not a known key"),
    (lambda t: t.replace('learning_rate = 0.5', ''), "model.learning_rate is required"),
    (lambda t: t.replace('rows = 4', 'rows = 0'), "institution[0].data.rows must be at least 1, not 0"),
    (lambda t: t.replace('source = "synthetic"', 'source = "ftp"'), "institution[0].data.source must be one of"),
    (lambda t: t.replace('[scenario]\nname = "tiny"', '[scenario]\nname = 7'), "scenario.name must be a string, not 7"),
    (lambda t: t + event("forged_proof", "Nobody"), "event[0].actor 'Nobody' is not an institution of this scenario"),
    (lambda t: t + event("bad_aggregate"), "needs a [federated] table"),
    (lambda t: t + event("meteor"), "event[0].kind must be one of"),
    (lambda t: t + event("forged_proof", round_=2), "event[0].round must be at most 1"),
    (lambda t: t + event("replayed_proof"), "event[0].victim is required"),
    (lambda t: t + event("model_swap"), "needs a [regulator]"),
    (lambda t: t + '\n[[institution]]\nname = "A"\ndata = { source = "synthetic", rows = 4, features = 2 }\n',
     "the name 'A' is used twice"),
    (lambda t: t.replace('source = "synthetic", rows = 4', 'source = "csv", rows = 4, target = "y", path = "no.csv"'),
     "names 'no.csv', which is not a file"),
    (lambda t: t.replace('source = "synthetic", rows = 4', 'source = "sklearn", name = "diabetes", rows = 4'),
     "a logreg scenario needs a classification set"),
    (lambda t: t + '\n[federated]\naggregator = "Hub"\n', "needs at least two honest institutions"),
    (lambda t: t + "\n[scenario\n", "is not valid TOML"),
    # The optional fixed-point settings of [model].
    (lambda t: t.replace('learning_rate = 0.5', 'learning_rate = 0.5\nvalue_bits = 10'),
     "model.value_bits must exceed frac_bits + 2 so standardised data (|x| <= 4) fits"),
    (lambda t: t.replace('learning_rate = 0.5', 'learning_rate = 0.5\nweight_bits = 3'),
     "model.weight_bits must be at least 4, not 3"),
    (lambda t: t.replace('learning_rate = 0.5', 'learning_rate = 0.5\nlr_shift = 0'),
     "model.lr_shift must be at least 1, not 0"),
    # [evaluation] needs scikit-learn data.
    (lambda t: t + EVALUATION,
     "[evaluation] holds out rows of a scikit-learn set: every institution's data must come from one"),
])
def test_each_bad_scenario_gets_one_sentence_naming_the_key(tmp_path, edit, expected):
    assert expected in error_of(tmp_path, edit(MINIMAL))


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t + "\n[evaluation]\nmin_accuracy = 0.5\n", "evaluation.rows is required"),
    (lambda t: t + "\n[evaluation]\nrows = 0\nmin_accuracy = 0.5\n", "evaluation.rows must be at least 1, not 0"),
    (lambda t: t + "\n[evaluation]\nrows = 16\n", "evaluation.min_accuracy is required"),
    (lambda t: t + "\n[evaluation]\nrows = 16\nmin_accuracy = 1.5\n", "evaluation.min_accuracy must be at most 1.0, not 1.5"),
    (lambda t: t + "\n[evaluation]\nrows = 16\nmin_accuracy = 0.5\nmax_mse = 0.1\n", "evaluation.max_mse is not a known key"),
    (lambda t: t.replace('kind = "logreg"', 'kind = "linreg"').replace("breast_cancer", "diabetes")
     + "\n[evaluation]\nrows = 16\nmin_accuracy = 0.5\n", "evaluation.max_mse is required"),
    (lambda t: t + EVALUATION.replace("rows = 16", "rows = 16\ncolour = 1"), "evaluation.colour is not a known key"),
    # One held-out split for every model: one set, one width, one labelling.
    (lambda t: t.replace('features = 3 }\n\n[[institution]]', 'features = 3, positive_class = 1 }\n\n[[institution]]', 1)
     + EVALUATION, "every institution must use the same scikit-learn set, features and positive_class"),
    (lambda t: t.replace("rows = 8, features = 3 }", "rows = 8, features = 4 }", 1) + EVALUATION,
     "every institution must use the same scikit-learn set, features and positive_class"),
    (lambda t: t.replace('name = "breast_cancer"', 'name = "wine"', 1) + EVALUATION,
     "every institution must use the same scikit-learn set, features and positive_class"),
    # Segment events tamper with a checkpointed run: rounds > 1 without [federated].
    (lambda t: t.replace("rounds = 2", "rounds = 1") + event("forked_segment"),
     "event[0].kind 'forked_segment' needs checkpointed rounds (rounds > 1, no [federated])"),
    (lambda t: t + '\n[federated]\naggregator = "Hub"\n' + event("segment_other_data"),
     "event[0].kind 'segment_other_data' needs checkpointed rounds (rounds > 1, no [federated])"),
    (lambda t: t + event("skipped_segment", round_=2), "event[0] (skipped_segment) needs a later round to skip to"),
    (lambda t: t + event("forked_segment", "B"),
     "event[0].actor 'B' must be honest with verified anchors: it tampers with its own run"),
    (lambda t: t + '\n[[institution]]\nname = "M"\nhonest = false\n'
               'data = { source = "sklearn", name = "breast_cancer", rows = 8, features = 3 }\n' + event("skipped_segment", "M"),
     "event[0].actor 'M' must be honest with verified anchors: it tampers with its own run"),
    (lambda t: t + event("skipped_segment", round_=3), "event[0].round must be at most 2"),
])
def test_evaluation_and_segment_rules_get_one_sentence(tmp_path, edit, expected):
    assert expected in error_of(tmp_path, edit(SKLEARN))


def test_valid_evaluation_and_segment_events_parse(tmp_path):
    text = SKLEARN + EVALUATION + event("skipped_segment") + event("forked_segment", round_=2) + event("segment_other_data")
    s = load_scenario(write(tmp_path, text))
    assert s.checkpointed and s.evaluation == EvaluationSpec(16, min_accuracy=0.5)
    assert [(e.kind, e.round) for e in s.events] == [("skipped_segment", 1), ("forked_segment", 2),
                                                       ("segment_other_data", 1)]
    linear = SKLEARN.replace('kind = "logreg"', 'kind = "linreg"').replace("breast_cancer", "diabetes")
    s = load_scenario(write(tmp_path, linear + "\n[evaluation]\nrows = 16\nmax_mse = 2\n"))
    assert s.evaluation == EvaluationSpec(16, max_mse=2.0)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe[scenario]")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(tmp_path / "bin.toml")


def test_cli_exits_2_with_one_sentence_on_a_bad_scenario(tmp_path, capsys):
    path = write(tmp_path, MINIMAL.replace("epochs = 1", "epochs = -3"))
    code = run_cli(["simulate", str(path), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "model.epochs must be at least 1, not -3" in err
    assert not (tmp_path / "out").exists()


def test_cli_exits_2_on_an_unknown_bare_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["simulate", "hospitalz", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "'hospitalz' does not exist" in err and "Traceback" not in err


def test_cli_replay_of_a_missing_log_exits_2(tmp_path, capsys):
    code = run_cli(["replay", str(tmp_path / "events.jsonl"), "--rpc", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_cli_replay_refuses_an_embedded_run(tmp_path, capsys):
    (tmp_path / "events.jsonl").write_text(json.dumps({"seq": 0, "actor": "simulator", "action": "finish",
                                                       "outcome": "passed"}) + "\n")
    (tmp_path / "run.json").write_text(json.dumps({"chain": "embedded"}))
    code = run_cli(["replay", str(tmp_path), "--rpc", "http://127.0.0.1:9"])
    assert code == 2 and "embedded chain" in capsys.readouterr().err


def test_parse_scenario_accepts_a_document_without_a_file(tmp_path):
    s = parse_scenario(tomllib.loads(MINIMAL), tmp_path / "virtual.toml")
    assert s.name == "tiny" and s.rounds == 1 and s.institutions[0].anchor == "verified"
    assert s.evaluation is None and not s.checkpointed and not s.federated


# ---------------------------------------------------------------- institution data


def test_data_is_a_function_of_the_seed(tmp_path):
    scenario = load_scenario(write(tmp_path, MINIMAL))
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


def test_the_held_out_split_is_disjoint_from_every_training_slice(tmp_path):
    scenario = load_scenario(write(tmp_path, SKLEARN + EVALUATION))
    data = all_data(scenario)
    test = data[TEST_KEY].dataset
    assert (test.n, test.d) == (16, 3) and "16 rows" in data[TEST_KEY].description
    held_out = {tuple(r) for r in test.features.tolist()}
    for name in ("A", "B"):
        ds = data[name].dataset
        assert ds.value_bits == test.value_bits and ds.frac_bits == test.frac_bits
        assert not held_out & {tuple(r) for r in ds.features.tolist()}
    # The split is the same for another run of the seed, and another seed draws another one.
    again = sim_data.test_table(scenario)
    assert np.array_equal(again.features, sim_data.test_table(scenario).features)
    assert not np.array_equal(again.features, sim_data.test_table(replace(scenario, seed=scenario.seed + 1)).features)


def test_too_many_rows_with_the_held_out_split_is_one_sentence(tmp_path):
    scenario = load_scenario(write(tmp_path, SKLEARN + EVALUATION.replace("rows = 16", "rows = 560")))
    with pytest.raises(InputError) as info:
        all_data(scenario)
    message = str(info.value)
    assert "ask for 16 rows in all besides the 560 held out for evaluation, but it has only 569" in message
    assert "\n" not in message


def test_fixed_point_settings_default_to_what_the_data_needs(tmp_path):
    scenario = load_scenario(write(tmp_path, SKLEARN + EVALUATION))
    assert (scenario.model.value_bits, scenario.model.weight_bits, scenario.model.lr_shift) == (None, None, None)
    data = all_data(scenario)
    assert {d.dataset.value_bits for d in data.values()} == {data["A"].dataset.value_bits}
    assert data["A"].dataset.value_bits > scenario.model.frac_bits + 2
    explicit = load_scenario(write(tmp_path, SKLEARN.replace("learning_rate = 0.5", "learning_rate = 0.5\nvalue_bits = 16")))
    assert explicit.model.value_bits == 16
    assert {d.dataset.value_bits for d in all_data(explicit).values()} == {16}


def test_the_automatic_width_is_the_narrowest_that_holds_every_table(tmp_path):
    scenario = load_scenario(write(tmp_path, MINIMAL))
    table, _what = sim_data._table(scenario.institutions[0], scenario)
    assert all_data(scenario)["A"].dataset.value_bits == narrowest_value_bits(table, scenario.model.frac_bits)


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
    with pytest.raises(InputError, match="0/1 labels"):
        all_data(load_scenario(write(tmp_path, text)))


def test_perturbed_data_differs_in_exactly_one_value():
    ds = all_data(load_scenario("hospitals"))["St. Mary"].dataset
    for tag in (1, 2, 3):
        other = perturbed(ds, tag)
        changed = int((ds.features != other.features).sum() + (ds.targets != other.targets).sum())
        assert changed == 1
