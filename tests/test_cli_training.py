"""The training commands end to end: commit -> train -> prove-training -> verify-training."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from zkanchor.cli.main import main

ROWS = [(0.5, 1.25, 1), (-1.0, 0.5, 0), (1.5, -0.25, 1), (-0.75, -1.0, 0), (0.25, 0.75, 1), (-1.5, 0.25, 0)]


def run(capsys, *argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def write_csv(path: Path, rows) -> Path:
    path.write_text("x1,x2,label\n" + "".join(f"{a},{b},{y}\n" for a, b, y in rows))
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    d = tmp_path_factory.mktemp("training-cli")
    write_csv(d / "train.csv", ROWS)
    write_csv(d / "test.csv", ROWS[:3] + [(0.5, 1.25, 0)])  # the last label is wrong: at most 3 of 4 right
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["commit", str(d / "train.csv"), "--target", "label", "-o", str(d / "ds")]) == 0
        assert main(["commit", str(d / "test.csv"), "--target", "label", "-o", str(d / "test")]) == 0
        assert main(["train", str(d / "ds"), "--model", "logreg", "--epochs", "1", "-o", str(d / "model")]) == 0
        assert main(["prove-training", str(d / "ds"), str(d / "model"), "-o", str(d / "proof"), "--test", str(d / "test"),
                     "--min-accuracy", "0.5", "--institution", "0x00000000000000000000000000000000000000aa"]) == 0
    return d


def test_honest_pipeline_verifies(pipeline, capsys):
    code, out, _ = run(capsys, "verify-training", pipeline / "proof", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True
    st = result["statement"]
    assert st["institution"] == "0x00000000000000000000000000000000000000aa"
    assert st["evaluation"]["threshold"] == "2" and st["evaluation"]["n_test"] == 4
    public = json.loads((pipeline / "proof" / "public.json").read_text())
    assert public == st["public_inputs"] and len(public) == 7
    assert (pipeline / "ds" / "salt.json").stat().st_mode & 0o077 == 0
    assert (pipeline / "model" / "weights.json").stat().st_mode & 0o077 == 0


def _tampered_copy(pipeline: Path, tmp_path: Path, change) -> Path:
    out = tmp_path / "proof"
    out.mkdir()
    for name in ("proof.json", "verification_key.json"):
        (out / name).write_bytes((pipeline / "proof" / name).read_bytes())
    statement = json.loads((pipeline / "proof" / "statement.json").read_text())
    change(statement)
    from zkanchor.training.statement import TrainingStatement

    statement["public_inputs"] = [str(v) for v in TrainingStatement.from_json({**statement, "public_inputs": None}).public_inputs()]
    (out / "statement.json").write_text(json.dumps(statement))
    return out


def test_a_higher_accuracy_claim_exits_1(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: s["evaluation"].update(threshold="3"))
    code, text, _ = run(capsys, "verify-training", out)
    assert code == 1 and text.startswith("INVALID")


def test_another_institution_exits_1(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: s.update(institution="0x00000000000000000000000000000000000000ab"))
    assert run(capsys, "verify-training", out)[0] == 1


def test_inconsistent_statement_exits_2(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: None)
    doc = json.loads((out / "statement.json").read_text())
    doc["public_inputs"][1] = "5"
    (out / "statement.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "public_inputs do not match" in err


def test_false_accuracy_claim_is_refused_before_proving(pipeline, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", pipeline / "ds", pipeline / "model", "-o", tmp_path / "p",
                       "--test", pipeline / "test", "--min-accuracy", "1.0")
    assert code == 2 and "evaluation claim is false" in err
    assert not (tmp_path / "p").exists()


def test_model_trained_on_other_data_is_refused(pipeline, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", pipeline / "test", pipeline / "model", "-o", tmp_path / "p")
    assert code == 2 and "not trained on this dataset" in err


@pytest.mark.parametrize(
    "content, message",
    [
        ("x1,x2,label\n1,2\n", "line 2"),
        ("x1,x2,label\n1,nan,0\n", "column 'x2'"),
        ("x1,x2,label\n1,inf,0\n", "column 'x2'"),
        ("x1,x2,label\n1,abc,0\n", "column 'x2'"),
        ("x1,x2,label\n", "no data rows"),
        ("x1,x2,label\n1e9,2,0\n", "column 'x1'"),
    ],
)
def test_bad_csv_exits_2_with_one_sentence(tmp_path, capsys, content, message):
    (tmp_path / "bad.csv").write_text(content)
    code, _, err = run(capsys, "commit", tmp_path / "bad.csv", "--target", "label", "-o", tmp_path / "ds")
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "ds").exists()


def test_missing_target_column_exits_2(tmp_path, capsys):
    write_csv(tmp_path / "d.csv", ROWS)
    code, _, err = run(capsys, "commit", tmp_path / "d.csv", "--target", "nope", "-o", tmp_path / "ds")
    assert code == 2 and "nope" in err


@pytest.mark.parametrize("command", ["commit", "train", "prove-training", "verify-training"])
def test_training_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and f"usage: zkanchor {command}" in capsys.readouterr().out
