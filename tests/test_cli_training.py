"""The training commands end to end: commit -> train -> prove-training -> verify-training / check-keys."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from zkanchor.cli.main import main

ROWS = [(0.5, 1.25, 1), (-1.0, 0.5, 0), (1.5, -0.25, 1), (-0.75, -1.0, 0), (0.25, 0.75, 1), (-1.5, 0.25, 0)]
INSTITUTION = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"  # eth-tester account 1 (EIP-55 form)
OTHER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"  # eth-tester account 2


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")


def run(capsys, *argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def call(*argv) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main([str(a) for a in argv])


def write_csv(path: Path, rows, header="x1,x2,label") -> Path:
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


def one_sentence(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("zkanchor: warning")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    d = tmp_path_factory.mktemp("training-cli")
    write_csv(d / "train.csv", ROWS)
    write_csv(d / "test.csv", ROWS[:3] + [(0.5, 1.25, 0)])  # the last label is wrong: at most 3 of 4 right
    assert call("commit", d / "train.csv", "--target", "label", "--institution", INSTITUTION, "-o", d / "ds") == 0
    assert call("commit", d / "test.csv", "--target", "label", "--institution", INSTITUTION, "-o", d / "test") == 0
    assert call("train", d / "ds", "--model", "logreg", "--epochs", "1", "-o", d / "model") == 0
    assert call("prove-training", d / "ds", d / "model", "-o", d / "proof", "--test", d / "test",
                "--min-accuracy", "0.5", "--institution", INSTITUTION) == 0
    return d


def test_honest_pipeline_verifies(pipeline, capsys):
    code, out, _ = run(capsys, "verify-training", pipeline / "proof", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True and result["key"]["source"] == "cache"
    st = result["statement"]
    assert st["institution"] == INSTITUTION
    assert st["threshold"] == "2" and st["spec"]["evaluation"] == {"metric": "accuracy", "n_test": 4}
    assert st["claims"]["evaluation"]["min_accuracy"] == 0.5
    public = json.loads((pipeline / "proof" / "public.json").read_text())
    assert public == st["public_inputs"] and len(public) == 7 and int(public[0]) == int(INSTITUTION, 16)
    bundle = json.loads((pipeline / "proof" / "bundle.json").read_text())
    assert bundle["circuit_hash"] == result["circuit_hash"] and bundle["constraints"] > 0
    assert (pipeline / "ds" / "salt.json").stat().st_mode & 0o077 == 0
    assert (pipeline / "ds" / "data.npz").stat().st_mode & 0o077 == 0
    assert (pipeline / "model" / "weights.json").stat().st_mode & 0o077 == 0
    commitment = json.loads((pipeline / "ds" / "commitment.json").read_text())
    assert int(commitment["owner"], 16) == int(INSTITUTION, 16) and commitment["commitment"] == public[1]
    code, out, _ = run(capsys, "verify-training", pipeline / "proof")
    assert code == 0 and out.startswith("OK: " + INSTITUTION)


def _keydir(key_cache: Path) -> Path:
    (found,) = [p for p in (key_cache / "keys").iterdir() if (p / "setup.json").is_file()]
    return found


def test_verify_with_named_keys_and_without_any(pipeline, key_cache, tmp_path, capsys, monkeypatch):
    import shutil

    keydir = shutil.copytree(_keydir(key_cache), tmp_path / "keys")  # a setup's output, as handed out
    code, out, _ = run(capsys, "verify-training", pipeline / "proof", "--keys", keydir, "--json")
    assert code == 0 and json.loads(out)["key"]["source"] == "keys"
    code, out, _ = run(capsys, "verify-training", pipeline / "proof", "--vk", keydir / "verification_key.json",
                       "--json")
    assert code == 0 and json.loads(out)["key"]["source"] == "vk"
    code, out, _ = run(capsys, "check-keys", pipeline / "proof", keydir, "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    # On a machine without the keys, verification needs a key it can trust: exit 2, never OUT's own.
    monkeypatch.setenv("ZKANCHOR_CACHE", str(tmp_path / "empty-cache"))
    code, out, err = run(capsys, "verify-training", pipeline / "proof", "--json")
    assert code == 2 and "no trusted verification key" in json.loads(out)["error"]
    assert "no trusted verification key" in one_sentence(err)


def _tampered_copy(pipeline: Path, tmp_path: Path, change) -> Path:
    """A copy of the proof directory whose statement.json is edited and re-derived consistently."""
    from zkanchor.statements import statement_from_json

    out = tmp_path / "proof"
    out.mkdir()
    for name in ("proof.json", "verification_key.json", "bundle.json"):
        (out / name).write_bytes((pipeline / "proof" / name).read_bytes())
    statement = json.loads((pipeline / "proof" / "statement.json").read_text())
    change(statement)
    for derived in ("public_inputs", "claims", "description"):
        statement.pop(derived, None)
    doc = statement_from_json(statement).to_json()
    (out / "statement.json").write_text(json.dumps(doc))
    (out / "public.json").write_text(json.dumps(doc["public_inputs"]))
    return out


def test_a_higher_accuracy_claim_exits_1(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: s.update(threshold="3"))
    code, text, _ = run(capsys, "verify-training", out)
    assert code == 1 and text.startswith("INVALID") and "3 of 4 rows" in text


def test_another_institution_exits_1(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: s.update(institution=OTHER))
    code, out_text, _ = run(capsys, "verify-training", out, "--json")
    assert code == 1 and json.loads(out_text)["valid"] is False


def test_inconsistent_statement_exits_2(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: None)
    assert run(capsys, "verify-training", out)[0] == 0  # the copy itself is intact
    doc = json.loads((out / "statement.json").read_text())
    doc["public_inputs"][1] = "5"
    (out / "statement.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "public_inputs do not match" in one_sentence(err)


def test_edited_public_json_exits_2(pipeline, tmp_path, capsys):
    out = _tampered_copy(pipeline, tmp_path, lambda s: None)
    public = json.loads((out / "public.json").read_text())
    public[-1] = "3"
    (out / "public.json").write_text(json.dumps(public))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "does not list the statement's public inputs" in one_sentence(err)


def test_false_accuracy_claim_is_refused_before_proving(pipeline, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", pipeline / "ds", pipeline / "model", "-o", tmp_path / "p",
                       "--test", pipeline / "test", "--min-accuracy", "1.0")
    assert code == 2 and "evaluation claim is false" in one_sentence(err)
    assert not (tmp_path / "p").exists()


def test_model_trained_on_other_data_is_refused(pipeline, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", pipeline / "test", pipeline / "model", "-o", tmp_path / "p")
    assert code == 2 and "not trained on this dataset" in one_sentence(err)


def test_only_the_owner_can_prove(pipeline, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", pipeline / "ds", pipeline / "model", "-o", tmp_path / "p",
                       "--institution", OTHER)
    assert code == 2 and "only that address can prove" in one_sentence(err)
    assert not (tmp_path / "p").exists()


def test_errors_are_json_objects_with_json(pipeline, capsys):
    code, out, _ = run(capsys, "prove-training", pipeline / "ds", pipeline / "model", "-o", pipeline / "proof",
                       "--json")
    assert code == 2 and "already exists" in json.loads(out)["error"]


def test_regression_with_mse_and_optimality_clauses(tmp_path, capsys):
    rows = [(0.5, 1.0, 1.1), (-1.0, 0.5, -0.6), (1.5, -0.25, 1.2), (-0.75, -1.0, -1.4), (0.25, 0.75, 0.7)]
    write_csv(tmp_path / "r.csv", rows, "u,v,y")
    write_csv(tmp_path / "t.csv", rows[:3], "u,v,y")
    for name in ("r", "t"):
        out = tmp_path / ("ds" if name == "r" else "t")
        assert run(capsys, "commit", tmp_path / f"{name}.csv", "--target", "y", "--institution", INSTITUTION,
                   "-o", out)[0] == 0
    code, out, _ = run(capsys, "train", tmp_path / "ds", "--model", "linreg", "--epochs", "2", "--lr", "0.3",
                       "-o", tmp_path / "m", "--json")
    assert code == 0 and json.loads(out)["spec"]["model"] == "linreg"
    mse = json.loads(out)["metrics"]["train_mse"]
    code, out, err = run(capsys, "prove-training", tmp_path / "ds", tmp_path / "m", "-o", tmp_path / "p",
                         "--test", tmp_path / "t", "--max-mse", "10", "--max-gradient", "100", "--l2", "0.1",
                         "--json")
    assert code == 0, err
    st = json.loads(out)["statement"]
    assert st["spec"]["evaluation"]["metric"] == "mse" and st["spec"]["optimality"] is True
    assert len(st["public_inputs"]) == 9 and st["claims"]["optimality"]["max_gradient"] <= 100
    assert mse >= 0
    code, out, _ = run(capsys, "verify-training", tmp_path / "p", "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    # An accuracy claim on a regression model is one sentence.
    code, _, err = run(capsys, "prove-training", tmp_path / "ds", tmp_path / "m", "-o", tmp_path / "q",
                       "--test", tmp_path / "t", "--min-accuracy", "0.5")
    assert code == 2 and "--max-mse" in one_sentence(err)


def test_standardize_and_share_statistics(tmp_path, capsys):
    write_csv(tmp_path / "a.csv", [(10.0, 100.0, 1), (12.0, 140.0, 0), (14.0, 120.0, 1)])
    write_csv(tmp_path / "b.csv", [(12.0, 120.0, 1)])
    code, out, _ = run(capsys, "commit", tmp_path / "a.csv", "--target", "label", "--institution", INSTITUTION,
                       "--standardize", "-o", tmp_path / "a", "--json")
    assert code == 0 and json.loads(out)["value_bits"] <= 12
    stats = json.loads((tmp_path / "a" / "commitment.json").read_text())["preprocessing"]
    assert stats["kind"] == "standardize" and stats["mean"] == [12.0, 120.0]
    assert json.loads(out)["preprocessing"] == stats
    assert "standardize" not in json.loads((tmp_path / "a" / "commitment.json").read_text())
    assert run(capsys, "commit", tmp_path / "b.csv", "--target", "label", "--institution", INSTITUTION, "--stats-from",
                tmp_path / "a", "-o", tmp_path / "b")[0] == 0
    from zkanchor.commit import load_dataset_dir

    a, _, _ = load_dataset_dir(tmp_path / "a")
    b, _, _ = load_dataset_dir(tmp_path / "b")
    assert b.features.tolist() == [[0, 0]]  # centred with a's means ...
    assert b.value_bits == a.value_bits  # ... and quantized to a's width (its own narrowest would be 10)
    assert json.loads((tmp_path / "b" / "commitment.json").read_text())["preprocessing"] == stats
    assert a.preprocessing == b.preprocessing is not None  # committed in both C_Ds
    assert run(capsys, "commit", tmp_path / "b.csv", "--target", "label", "--institution", INSTITUTION,
               "-o", tmp_path / "plain")[0] == 0
    code, _, err = run(capsys, "commit", tmp_path / "b.csv", "--target", "label", "--institution", INSTITUTION,
                       "--stats-from", tmp_path / "plain", "-o", tmp_path / "c")
    assert code == 2 and "was not standardized" in one_sentence(err)


# -- committed standardisation ----------------------------------------------------------------


STD_ROWS = [(10 * a + 50, 3 * b - 7, y) for a, b, y in ROWS]


@pytest.fixture(scope="module")
def standardised(tmp_path_factory):
    """A standardised training set, a test set sharing its statistics, one with its own; a model and its proof."""
    d = tmp_path_factory.mktemp("standardised-cli")
    write_csv(d / "train.csv", STD_ROWS)
    write_csv(d / "test.csv", STD_ROWS[1:5])
    assert call("commit", d / "train.csv", "--target", "label", "--standardize", "--institution", INSTITUTION,
                "-o", d / "ds") == 0
    assert call("commit", d / "test.csv", "--target", "label", "--stats-from", d / "ds", "--institution",
                INSTITUTION, "-o", d / "test") == 0
    width = json.loads((d / "ds" / "commitment.json").read_text())["value_bits"]
    assert call("commit", d / "test.csv", "--target", "label", "--standardize", "--value-bits", width,
                "--institution", INSTITUTION, "-o", d / "own") == 0
    assert call("train", d / "ds", "--model", "logreg", "--epochs", "1", "-o", d / "model") == 0
    assert call("prove-training", d / "ds", d / "model", "-o", d / "proof", "--test", d / "test",
                "--min-accuracy", "0.25") == 0
    return d


def test_a_proof_over_standardised_data_states_the_committed_statistics(standardised, capsys):
    record = json.loads((standardised / "ds" / "commitment.json").read_text())["preprocessing"]
    assert json.loads((standardised / "test" / "commitment.json").read_text())["preprocessing"] == record
    assert json.loads((standardised / "model" / "model.json").read_text())["spec"]["preprocessing"] == record
    code, out, _ = run(capsys, "verify-training", standardised / "proof", "--json")
    result = json.loads(out)
    assert code == 0 and result["valid"] is True
    assert result["statement"]["spec"]["training"]["preprocessing"] == record
    assert record["mean"] == [float(v) for v in np.mean([r[:2] for r in STD_ROWS], axis=0)]
    short = f"0x{int(record['digest']):064x}"[:10]
    assert (f"features standardised with committed statistics (mean/std of 2 columns, digest {short}…)"
            in result["statement"]["description"])
    code, text, _ = run(capsys, "verify-training", standardised / "proof")
    assert code == 0 and "features standardised with committed statistics (mean/std of 2 columns" in text


def test_a_test_set_standardised_with_other_statistics_is_refused(standardised, tmp_path, capsys):
    # Committed with its own mean and std, the test set's z-scores mean something else than the training set's.
    code, _, err = run(capsys, "prove-training", standardised / "ds", standardised / "model", "-o", tmp_path / "p",
                       "--test", standardised / "own", "--min-accuracy", "0.25")
    assert code == 2 and one_sentence(err).endswith(
        "the test set was standardised with other statistics than the training set; commit it with --stats-from "
        "the training set.")
    assert not (tmp_path / "p").exists()


def test_statistics_edited_in_statement_json_are_refused(standardised, tmp_path, capsys):
    proof = standardised / "proof"
    doc = json.loads((proof / "statement.json").read_text())
    doc["spec"]["training"]["preprocessing"]["mean"][0] += 1.0
    out = tmp_path / "edited"
    shutil.copytree(proof, out)
    (out / "statement.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "preprocessing's digest does not match its statistics" in one_sentence(err)
    # Every derived field recomputed (and public.json to match): another claim, whose circuit no trusted key
    # is bound to.
    for part in (doc["spec"]["training"]["preprocessing"], doc["spec"]["training"], doc["spec"]):
        part.pop("digest")
    for derived in ("public_inputs", "claims", "description"):
        doc.pop(derived)
    from zkanchor.statements import statement_from_json

    forged = statement_from_json(doc)
    (out / "statement.json").write_text(json.dumps(forged.to_json()))
    (out / "public.json").write_text(json.dumps([str(v) for v in forged.public_inputs()]))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "no trusted verification key for this statement's circuit" in one_sentence(err)
    # ... and the proof, checked with the real key anyway, is invalid (the digest is a public input).
    shutil.copy(proof / "verification_key.json", tmp_path / "vk.json")
    code, text, _ = run(capsys, "verify-training", out, "--vk", tmp_path / "vk.json")
    assert code == 1 and text.startswith("INVALID")


def test_statistics_edited_in_the_dataset_directory_are_refused(standardised, tmp_path, capsys):
    from zkanchor.commit.preprocessing import Standardization

    # commitment.json alone, its record's digest left as it was: the record does not parse.
    ds = Path(shutil.copytree(standardised / "ds", tmp_path / "ds"))
    obj = json.loads((ds / "commitment.json").read_text())
    obj["preprocessing"]["std"][1] *= 2
    (ds / "commitment.json").write_text(json.dumps(obj))
    code, _, err = run(capsys, "train", ds, "--model", "logreg", "--epochs", "1", "-o", tmp_path / "m")
    assert code == 2 and "digest does not match its statistics" in one_sentence(err)
    # ... with the record's digest recomputed: not the statistics data.npz was committed with.
    obj["preprocessing"] = Standardization(obj["preprocessing"]["mean"], obj["preprocessing"]["std"]).to_json()
    (ds / "commitment.json").write_text(json.dumps(obj))
    code, _, err = run(capsys, "train", ds, "--model", "logreg", "--epochs", "1", "-o", tmp_path / "m")
    assert code == 2 and "not the ones data.npz was committed with" in one_sentence(err)
    # Both copies edited alike: C_D (which the statistics are inside) no longer opens.
    from zkanchor.commit import load_dataset

    data = load_dataset(ds)
    import dataclasses

    edited = dataclasses.replace(data, preprocessing=Standardization(obj["preprocessing"]["mean"],
                                                                     obj["preprocessing"]["std"]))
    (ds / "data.npz").write_bytes(edited.to_npz_bytes())
    code, text, _ = run(capsys, "check-opening", ds)
    assert code == 1 and "do not open" in text
    assert run(capsys, "train", ds, "--model", "logreg", "--epochs", "1", "-o", tmp_path / "m")[0] == 0
    code, _, err = run(capsys, "prove-training", ds, tmp_path / "m", "-o", tmp_path / "p")
    assert code == 2 and "no longer open its commitment.json" in one_sentence(err)


def test_sklearn_stratified_splits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    for split, rows in (("train", 559), ("test", 10)):
        code, out, _ = run(capsys, "commit", "--sklearn", "breast_cancer", "--split", split, "--test-rows", "10",
                           "--institution", INSTITUTION, "-o", tmp_path / split, "--json")
        assert code == 0 and json.loads(out)["n"] == rows and json.loads(out)["d"] == 30
    cases = [
        (["--sklearn", "breast_cancer", "--test-rows", "10"], "--test-rows needs --split"),
        (["--sklearn", "breast_cancer", "--split", "test", "--test-rows", "569"], "--test-rows must be between"),
        ([tmp_path / "x.csv", "--target", "y", "--split", "test"], "--split applies to --sklearn"),
        (["--sklearn", "mnist"], "unknown scikit-learn data set"),
        ([], "give either DATA.csv"),
    ]
    write_csv(tmp_path / "x.csv", [(1, 2, 3)], "a,b,y")
    for args, message in cases:
        code, _, err = run(capsys, "commit", *args, "--institution", INSTITUTION, "-o", tmp_path / "bad")
        assert code == 2 and message in one_sentence(err), (args, err)
        assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("x1,x2,label\n1,2\n", "line 2"),
        ("x1,x2,label\n1,nan,0\n", "column 'x2'"),
        ("x1,x2,label\n1,inf,0\n", "column 'x2'"),
        ("x1,x2,label\n1,abc,0\n", "column 'x2'"),
        ("x1,x2,label\n", "no data rows"),
        ("x1,x2,label\n1e30,2,0\n", "column 'x1'"),
    ],
)
def test_bad_csv_exits_2_with_one_sentence(tmp_path, capsys, content, message):
    (tmp_path / "bad.csv").write_text(content)
    code, _, err = run(capsys, "commit", tmp_path / "bad.csv", "--target", "label", "--institution", INSTITUTION,
                       "-o", tmp_path / "ds")
    assert code == 2 and message in one_sentence(err)
    assert not (tmp_path / "ds").exists()


def test_missing_target_column_and_missing_institution(tmp_path, capsys):
    write_csv(tmp_path / "d.csv", ROWS)
    code, _, err = run(capsys, "commit", tmp_path / "d.csv", "--target", "nope", "--institution", INSTITUTION,
                       "-o", tmp_path / "ds")
    assert code == 2 and "nope" in one_sentence(err)
    with pytest.raises(SystemExit) as info:
        main(["commit", str(tmp_path / "d.csv"), "--target", "label", "-o", str(tmp_path / "ds")])
    assert info.value.code == 2 and "--institution" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["commit", "train", "prove-training", "verify-training", "check-keys"])
def test_training_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and f"usage: zkanchor {command}" in capsys.readouterr().out
