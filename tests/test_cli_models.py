"""predict, export, check-opening, cache, completion and --version: exact predictions in the user's units,
exports that open C_W, openings checked, the caches listed and pruned, completion scripts that work.

Keys and circuit hashes made here go to temporary caches (ZKANCHOR_CACHE), never into the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from zkanchor.cli.main import build_parser, main
from zkanchor.commit import load_dataset_dir
from zkanchor.errors import InputError
from zkanchor.models import model_module
from zkanchor.statements.training import evaluate
from zkanchor.training.modeldir import load_model_dir

INSTITUTION = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"  # eth-tester account 1
OTHER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
NEW_COMMANDS = (("predict",), ("export",), ("check-opening",), ("cache", "list"), ("cache", "prune"),
                ("completion",))


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


def one_sentence(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("zkanchor: warning")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def write_csv(path: Path, header, rows) -> Path:
    path.write_text(",".join(header) + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Standardised classification data (logreg and MLP models), raw regression data (linreg): committed, trained."""
    d = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 3)) * [3.0, 0.5, 10.0] + [50.0, -1.0, 200.0]
    label = (((x[:, 0] - 50) / 3 + (x[:, 2] - 200) / 10 + rng.normal(scale=0.3, size=24)) > 0).astype(int)
    write_csv(d / "train.csv", ["a", "b", "c", "label"], np.column_stack([x, label]))
    assert call("commit", d / "train.csv", "--target", "label", "--standardize", "--institution", INSTITUTION,
                "-o", d / "ds") == 0
    assert call("train", d / "ds", "--model", "logreg", "--epochs", "3", "-o", d / "model") == 0
    assert call("train", d / "ds", "--model", "mlp", "--hidden", "3", "--epochs", "3", "-o", d / "mlp") == 0
    xr = rng.normal(size=(6, 2))
    y = 1.5 * xr[:, 0] - 0.5 * xr[:, 1] + 0.25
    write_csv(d / "reg.csv", ["u", "v", "y"], np.column_stack([xr, y]))
    assert call("commit", d / "reg.csv", "--target", "y", "--institution", INSTITUTION, "-o", d / "regds") == 0
    assert call("train", d / "regds", "--model", "linreg", "--epochs", "2", "-o", d / "reg") == 0
    return d


def predict_json(capsys, *argv):
    code, out, err = run(capsys, "predict", *argv, "--json")
    assert code == 0, err
    return json.loads(out), err


# -- predict ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["model", "mlp"])
def test_predict_reproduces_the_exact_scores_of_the_committed_rows(world, capsys, model):
    result, _ = predict_json(capsys, world / model, world / "train.csv")
    dataset, _salt, _c = load_dataset_dir(world / "ds")
    spec, opening, _public = load_model_dir(world / model)
    # the trainer's own scores of the committed (standardised, quantized) rows
    z = model_module(spec.model).scores_np(spec, dataset.features, np.array(opening.final, dtype=object))
    rows = result["predictions"]
    assert [r["score"] * 2 ** 16 for r in rows] == [int(v) for v in z]  # bit for bit: same quantization
    assert [r["class"] for r in rows] == [int(v >= 0) for v in z]
    assert [r["probability"] for r in rows] == [min(1.0, max(0.0, int(v) / 2 ** 18 + 0.5)) for v in z]
    assert result["accuracy"] == evaluate(spec, dataset, opening.final) / dataset.n
    assert result["standardized"] is True and Path(result["dataset"]).name == "ds"
    assert result["outside_value_range"] == 0 and result["kind"] == spec.model


def test_predict_takes_columns_in_any_order_and_no_target(world, capsys, tmp_path):
    full, _ = predict_json(capsys, world / "model", world / "train.csv")
    raw = np.loadtxt(world / "train.csv", delimiter=",", skiprows=1)
    write_csv(tmp_path / "rows.csv", ["c", "a", "b"], raw[:, [2, 0, 1]])
    result, _ = predict_json(capsys, world / "model", tmp_path / "rows.csv", "--dataset", world / "ds")
    assert result["predictions"] == full["predictions"] and "accuracy" not in result


def test_predict_regression_values_and_mse(world, capsys):
    result, _ = predict_json(capsys, world / "reg", world / "reg.csv")
    dataset, _salt, _c = load_dataset_dir(world / "regds")
    spec, opening, _public = load_model_dir(world / "reg")
    z = model_module(spec.model).scores_np(spec, dataset.features, np.array(opening.final, dtype=object))
    assert [r["value"] for r in result["predictions"]] == [int(v) / 2 ** 16 for v in z]
    sse = evaluate(spec, dataset, opening.final)
    assert result["mse"] == pytest.approx(sse / dataset.n / 2 ** 32, rel=1e-12)
    assert result["standardized"] is False


def test_predict_writes_csv_and_refuses_to_overwrite(world, capsys, tmp_path):
    out = tmp_path / "pred.csv"
    code, text, _ = run(capsys, "predict", world / "model", world / "train.csv", "-o", out)
    assert code == 0 and "wrote 24 predictions" in text
    lines = out.read_text().splitlines()
    assert lines[0] == "class,probability" and len(lines) == 25
    code, _, err = run(capsys, "predict", world / "model", world / "train.csv", "-o", out)
    assert code == 2 and "already exists" in one_sentence(err)
    assert run(capsys, "predict", world / "model", world / "train.csv", "-o", out, "--force")[0] == 0
    code, text, _ = run(capsys, "predict", world / "reg", world / "reg.csv")
    assert code == 0 and text.splitlines()[0] == "value" and len(text.splitlines()) == 7


def test_predict_without_the_dataset_takes_the_statistics_the_spec_commits(world, capsys, tmp_path):
    alone = shutil.copytree(world / "model", tmp_path / "somewhere" / "model")
    with_dataset, _ = predict_json(capsys, world / "model", world / "train.csv")
    code, out, err = run(capsys, "predict", alone, world / "train.csv", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["standardized"] is True and result["dataset"] is None
    assert result["predictions"] == with_dataset["predictions"]
    record = json.loads((world / "ds" / "commitment.json").read_text())["preprocessing"]
    assert result["preprocessing"] == record
    code, out, _ = run(capsys, "predict", alone, world / "train.csv", "--dataset", world / "ds", "--json")
    assert json.loads(out)["standardized"] is True
    code, _, err = run(capsys, "predict", alone, world / "train.csv", "--dataset", world / "regds")
    assert code == 2 and "not the dataset the model was trained on" in one_sentence(err)


def _with_spec_statistics(model: Path, out: Path, change) -> Path:
    """A copy of a model directory whose spec's statistics are edited, every digest re-derived to match."""
    from zkanchor.commit.preprocessing import Standardization
    from zkanchor.models.spec import TrainingSpec

    shutil.copytree(model, out)
    doc = json.loads((out / "model.json").read_text())
    mean, std = doc["spec"]["preprocessing"]["mean"], doc["spec"]["preprocessing"]["std"]
    change(mean, std)
    doc["spec"]["preprocessing"] = Standardization(mean, std).to_json()
    doc["spec"].pop("digest")
    doc["spec"] = TrainingSpec.from_json(doc["spec"]).to_json()
    (out / "model.json").write_text(json.dumps(doc))
    return out


def test_a_model_presented_with_other_statistics_is_refused(world, capsys, tmp_path):
    # The model's spec claims other statistics than its C_D commits: predict (and export) refuse.
    edited = _with_spec_statistics(world / "model", world / "model-edited", lambda m, s: m.__setitem__(0, m[0] + 1))
    try:
        for argv in (("predict", edited, world / "train.csv"),
                     ("predict", edited, world / "train.csv", "--dataset", world / "ds"),
                     ("export", edited, "-o", tmp_path / "m.json")):
            code, _, err = run(capsys, *argv)
            assert code == 2 and "is not the one the model was trained with" in one_sentence(err), argv
    finally:
        shutil.rmtree(edited)
    # A dataset directory whose commitment.json shows other statistics than the model's, data.npz kept.
    ds = Path(shutil.copytree(world / "ds", tmp_path / "ds"))
    obj = json.loads((ds / "commitment.json").read_text())
    from zkanchor.commit.preprocessing import Standardization

    obj["preprocessing"] = Standardization(obj["preprocessing"]["mean"],
                                           [2 * v for v in obj["preprocessing"]["std"]]).to_json()
    (ds / "commitment.json").write_text(json.dumps(obj))
    code, _, err = run(capsys, "predict", world / "model", world / "train.csv", "--dataset", ds)
    assert code == 2 and "is not the one the model was trained with" in one_sentence(err)
    # ... and with the model's spec edited to match it: data.npz holds the committed statistics.
    model = _with_spec_statistics(world / "model", tmp_path / "model", lambda m, s: s.__setitem__(
        slice(None), [2 * v for v in s]))
    code, _, err = run(capsys, "predict", model, world / "train.csv", "--dataset", ds)
    assert code == 2 and "not the ones data.npz was committed with" in one_sentence(err)
    # Through the API: rows prepared with other statistics than the spec's are refused.
    from zkanchor.export import Preprocessing, predict_rows, read_rows

    spec, opening, _ = load_model_dir(world / "model")
    other = Standardization(spec.preprocessing.mean, [2 * v for v in spec.preprocessing.std])
    with pytest.raises(InputError, match="other statistics than the ones the model was trained with"):
        predict_rows(spec, opening.final, read_rows(world / "train.csv", spec), Preprocessing(other))


def test_predict_flags_rows_outside_the_committed_range(world, capsys, tmp_path):
    write_csv(tmp_path / "far.csv", ["a", "b", "c"], [[50.0, -1.0, 200.0], [5000.0, -1.0, 200.0]])
    code, out, err = run(capsys, "predict", world / "model", tmp_path / "far.csv", "--json")
    assert code == 0 and json.loads(out)["outside_value_range"] == 1 and "outside the committed range" in err


BAD_CSV = {
    "non-numeric": ("a,b,c\n1,2,x\n", "is not a decimal number"),
    "nan": ("a,b,c\n1,2,nan\n", "NaN"),
    "ragged": ("a,b,c\n1,2,3\n1,2\n", "has 2 cells but the header has 3 columns"),
    "missing column": ("a,b\n1,2\n", "lacks the feature column 'c'"),
    "extra column": ("a,b,c,d\n1,2,3,4\n", "has a column 'd' the model was not trained on"),
    "empty": ("", "is empty"),
    "header only": ("a,b,c\n", "no rows to predict"),
    "not utf-8": (b"a,b,c\n\xff,1,2\n", "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_predict_bad_input_is_one_sentence_and_exit_2(world, capsys, tmp_path, case):
    content, words = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    code, _, err = run(capsys, "predict", world / "model", path)
    assert code == 2 and words in one_sentence(err)
    code, out, _ = run(capsys, "predict", world / "model", path, "--json")
    assert code == 2 and words in json.loads(out)["error"]


def test_missing_files_are_exit_2(world, capsys, tmp_path):
    for argv in (("predict", world / "model", tmp_path / "none.csv"),
                 ("predict", tmp_path / "none", world / "train.csv"),
                 ("export", tmp_path / "none", "-o", tmp_path / "m.json"), ("check-opening", tmp_path / "none")):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        one_sentence(err)


# -- export ------------------------------------------------------------------------------------------


def test_export_json_holds_exact_integers_reals_and_preprocessing(world, capsys, tmp_path):
    out = tmp_path / "model.json"
    code, text, _ = run(capsys, "export", world / "model", "-o", out, "--json")
    assert code == 0 and json.loads(text)["standardized"] is True
    exported = json.loads(out.read_text())
    weights = json.loads((world / "model" / "weights.json").read_text())
    stats = json.loads((world / "ds" / "commitment.json").read_text())["preprocessing"]
    assert exported["weights"]["flat"]["integers"] == weights["final"]
    assert exported["weights"]["coef"]["reals"] == [int(v) / 256 for v in weights["final"][:3]]
    assert exported["weights"]["intercept"]["integers"] == weights["final"][3:]
    assert exported["preprocessing"]["standardize"]["mean"] == stats["mean"]
    assert exported["preprocessing"]["standardize"]["std"] == stats["std"]
    assert exported["preprocessing"]["standardize"]["digest"] == stats["digest"]
    assert exported["spec"]["preprocessing"] == stats
    assert exported["preprocessing"]["quantize"]["frac_bits"] == 8
    assert exported["spec"]["model"] == "logreg" and "z >= 0" in exported["inference"]
    model_json = json.loads((world / "model" / "model.json").read_text())
    assert exported["final_weights_commitment"] == model_json["final_weights_commitment"]
    assert run(capsys, "check-opening", out)[0] == 0
    exported["weights"]["flat"]["integers"][0] = str(int(exported["weights"]["flat"]["integers"][0]) + 1)
    (tmp_path / "forged.json").write_text(json.dumps(exported))
    code, text, _ = run(capsys, "check-opening", tmp_path / "forged.json")
    assert code == 1 and text.startswith("MISMATCH")
    mlp = tmp_path / "mlp.json"
    assert run(capsys, "export", world / "mlp", "-o", mlp)[0] == 0
    tables = json.loads(mlp.read_text())["weights"]
    assert tables["hidden_weights"]["shape"] == [3, 3] and len(tables["output_weights"]["integers"]) == 3


def test_export_refuses_unknown_formats_and_existing_files(world, capsys, tmp_path):
    code, _, err = run(capsys, "export", world / "model", "-o", tmp_path / "model.pkl")
    assert code == 2 and "MODEL.json or MODEL.onnx" in one_sentence(err)
    (tmp_path / "taken.json").write_text("{}")
    code, _, err = run(capsys, "export", world / "model", "-o", tmp_path / "taken.json")
    assert code == 2 and "already exists" in one_sentence(err)


def test_onnx_without_the_onnx_package_is_one_sentence(world, capsys, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    code, _, err = run(capsys, "export", world / "model", "-o", tmp_path / "model.onnx")
    assert code == 2 and "needs the onnx package" in one_sentence(err)
    code, out, _ = run(capsys, "export", world / "model", "-o", tmp_path / "model.onnx", "--json")
    assert code == 2 and "pip install onnx" in json.loads(out)["error"]
    assert not (tmp_path / "model.onnx").exists()


@pytest.mark.parametrize("model,data", [("model", "train.csv"), ("mlp", "train.csv"), ("reg", "reg.csv")])
def test_onnx_graph_computes_the_exact_model(world, capsys, tmp_path, model, data):
    pytest.importorskip("onnx", reason="the onnx package is not installed; the JSON export is tested instead")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed to run the exported graph")
    out = tmp_path / "model.onnx"
    code, text, _ = run(capsys, "export", world / model, "-o", out, "--json")
    assert code == 0 and json.loads(text)["float64_exact"] is True
    expected, _ = predict_json(capsys, world / model, world / data)
    rows = np.loadtxt(world / data, delimiter=",", skiprows=1)[:, :-1]
    session = ort.InferenceSession(str(out))
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"X": rows})))
    if model == "reg":
        assert got["value"].tolist() == [r["value"] for r in expected["predictions"]]
    else:
        assert got["label"].tolist() == [r["class"] for r in expected["predictions"]]
        assert got["probabilities"][:, 1].tolist() == [r["probability"] for r in expected["predictions"]]
        assert got["score"].tolist() == [r["score"] for r in expected["predictions"]]


# -- check-opening ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proof(world):
    assert call("prove-training", world / "regds", world / "reg", "-o", world / "proof") == 0
    return world / "proof"


def test_check_opening_of_models(world, capsys, tmp_path, proof):
    code, out, _ = run(capsys, "check-opening", world / "reg", "--json")
    result = json.loads(out)
    assert code == 0 and result["opens"] is True and result["initial_opens"] is True
    code, text, _ = run(capsys, "check-opening", world / "reg")
    assert code == 0 and text.startswith("OK")
    code, out, _ = run(capsys, "check-opening", world / "reg", "--commitment", proof, "--json")
    result = json.loads(out)
    assert code == 0 and result["opens"] is True and result["against"] == "--commitment"
    assert run(capsys, "check-opening", world / "model", "--commitment", proof)[0] == 1  # another model
    assert run(capsys, "check-opening", world / "reg", "--commitment", "12345")[0] == 1
    forged = shutil.copytree(world / "reg", tmp_path / "forged")
    weights = json.loads((forged / "weights.json").read_text())
    weights["final"][0] = str(int(weights["final"][0]) + 1)
    (forged / "weights.json").write_text(json.dumps(weights))
    code, text, _ = run(capsys, "check-opening", forged)
    assert code == 1 and text.startswith("MISMATCH") and "do not open" in text
    (forged / "weights.json").write_text("{not json")
    code, _, err = run(capsys, "check-opening", forged)
    assert code == 2 and "not valid JSON" in one_sentence(err)
    code, _, err = run(capsys, "check-opening", world / "reg", "--institution", INSTITUTION)
    assert code == 2 and "dataset directories" in one_sentence(err)
    code, _, err = run(capsys, "check-opening", world / "reg", "--commitment", "0xzz")
    assert code == 2 and "neither a number nor a proof directory" in one_sentence(err)


def test_check_opening_of_datasets(world, capsys, tmp_path, proof):
    code, out, _ = run(capsys, "check-opening", world / "regds", "--json")
    assert code == 0 and json.loads(out)["owner"] == INSTITUTION
    assert run(capsys, "check-opening", world / "regds", "--commitment", proof)[0] == 0
    assert run(capsys, "check-opening", world / "ds", "--commitment", proof)[0] == 1
    code, text, _ = run(capsys, "check-opening", world / "regds", "--institution", OTHER)
    assert code == 1 and OTHER in text  # C_D binds its owner
    forged = shutil.copytree(world / "regds", tmp_path / "forged")
    (forged / "salt.json").write_text(json.dumps({"scheme": "zkanchor-dataset-commitment-v2", "salt": "7"}))
    assert run(capsys, "check-opening", forged)[0] == 1
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "check-opening", tmp_path / "empty")
    assert code == 2 and "neither a model directory" in one_sentence(err)


# -- cache -------------------------------------------------------------------------------------------


@pytest.fixture
def fake_cache(tmp_path, monkeypatch):
    """A cache with an old and a recent key directory, a current and a stale circuit hash, and other files."""
    from zkanchor.statements.base import compiler_fingerprint

    base = tmp_path / "cache"
    monkeypatch.setenv("ZKANCHOR_CACHE", str(base))
    old, now = time.time() - 90 * 86400, time.time()
    made = {}
    for name, when, hash_ in (("old", old, "a" * 64), ("new", now, "b" * 64)):
        keydir = base / "keys" / hash_[:40]
        keydir.mkdir(parents=True)
        (keydir / "setup.json").write_text(json.dumps({"circuit_hash": hash_, "constraints": 1234,
                                                       "trusted_setup": "single-party"}))
        (keydir / "proving_key.zkpk").write_bytes(b"\0" * 5000)
        for f in keydir.iterdir():
            os.utime(f, (when, when))
        made[name] = keydir
    circuits = base / "circuits"
    circuits.mkdir()
    current = circuits / f"training-{'1' * 64}-{compiler_fingerprint()}.json"
    stale = circuits / f"training-{'2' * 64}-0123456789abcdef.json"
    for path in (current, stale):
        path.write_text(json.dumps({"circuit_hash": "b" * 64, "constraints": 1234}))
    (base / "solc").mkdir()
    (base / "solc" / "artifact.json").write_text("{}")
    made.update(base=base, current=current, stale=stale)
    return made


def test_cache_list(capsys, fake_cache):
    atime = (fake_cache["old"] / "setup.json").stat().st_atime
    code, out, _ = run(capsys, "cache", "list", "--json")
    assert code == 0
    result = json.loads(out)
    keys = {k["circuit_hash"]: k for k in result["keys"]}
    assert set(keys) == {"a" * 64, "b" * 64}
    assert keys["a" * 64]["constraints"] == 1234 and keys["a" * 64]["trusted_setup"] == "single-party"
    assert keys["a" * 64]["bytes"] >= 5000 and keys["a" * 64]["last_used"] < time.time() - 80 * 86400
    circuits = {Path(c["path"]).name: c for c in result["circuits"]}
    assert circuits[fake_cache["current"].name]["current_compiler"] is True
    assert circuits[fake_cache["current"].name]["has_keys"] is True
    assert circuits[fake_cache["stale"].name]["current_compiler"] is False
    assert [o["name"] for o in result["other"]] == ["solc"]
    assert (fake_cache["old"] / "setup.json").stat().st_atime == atime  # listing is not a use
    code, out, _ = run(capsys, "cache", "list")
    assert code == 0 and "aaaaaaaaaaaaaaaa..." in out and "single-party" in out and "another compiler" in out


def test_cache_prune(capsys, fake_cache):
    code, out, _ = run(capsys, "cache", "prune", "--older-than", "30", "--json")
    result = json.loads(out)
    assert code == 0 and result["dry_run"] is True and result["removed"] == []
    assert sorted(result["entries"]) == sorted([str(fake_cache["old"]), str(fake_cache["stale"])])
    assert fake_cache["old"].exists()
    code, out, _ = run(capsys, "cache", "prune", "--older-than", "30", "--yes")
    assert code == 0 and out.startswith("removed 2 entries")
    assert not fake_cache["old"].exists() and not fake_cache["stale"].exists()
    assert fake_cache["new"].exists() and fake_cache["current"].exists()
    assert run(capsys, "cache", "prune", "--all", "--yes")[0] == 0
    assert not any((fake_cache["base"] / "keys").iterdir()) and not any((fake_cache["base"] / "circuits").iterdir())
    assert (fake_cache["base"] / "solc" / "artifact.json").exists()  # not the key or circuit cache: kept


@pytest.mark.parametrize("argv,words", [((), "--older-than DAYS, or --all"),
                                        (("--all", "--older-than", "3"), "not both"),
                                        (("--older-than", "-1"), "non-negative")])
def test_cache_prune_needs_a_choice(capsys, fake_cache, argv, words):
    code, _, err = run(capsys, "cache", "prune", *argv)
    assert code == 2 and words in one_sentence(err)


# -- completion, --version, --help ------------------------------------------------------------------------


def top_commands() -> list[str]:
    import argparse

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_bash_completion_completes_commands_options_and_choices(capsys, tmp_path):
    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0
    (tmp_path / "c.bash").write_text(script)
    probe = """
source c.bash
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _zkanchor; echo "${COMPREPLY[*]}"; }
comp zkanchor ""
comp zkanchor pre
comp zkanchor cache ""
comp zkanchor cache prune --
comp zkanchor train ds --model ""
comp zkanchor completion ""
comp zkanchor predict m d.csv --
comp zkanchor --ver
"""
    out = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0].split() == top_commands()
    assert lines[1:4] == ["predict", "list prune", "--help --older-than --all --yes --json"]
    assert lines[4:6] == ["linreg logreg mlp", "bash zsh"]
    assert lines[6].split() == ["--help", "--dataset", "--output", "--force", "--json"] and lines[7] == "--version"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed to parse the script")
def test_zsh_completion_parses_and_names_every_command(capsys, tmp_path):
    code, script, _ = run(capsys, "completion", "zsh")
    assert code == 0 and script.startswith("#compdef zkanchor")
    (tmp_path / "_zkanchor").write_text(script)
    subprocess.run(["zsh", "-n", str(tmp_path / "_zkanchor")], check=True)
    for name in top_commands():
        assert f"'{name}:" in script
    assert "_zkanchor__cache__prune()" in script and "'--older-than[" in script and "(bash zsh)" in script


def test_completion_json_and_bad_shell(capsys):
    code, out, _ = run(capsys, "completion", "bash", "--json")
    assert code == 0 and json.loads(out)["script"].startswith("# bash completion")
    with pytest.raises(SystemExit) as info:
        main(["completion", "fish"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "invalid choice" in err and "Traceback" not in err


def test_version(capsys):
    import zkanchor

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"zkanchor {zkanchor.__version__}"


@pytest.mark.parametrize("command", NEW_COMMANDS, ids=" ".join)
def test_every_new_command_has_help_and_json(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0 and "--json" in capsys.readouterr().out


def test_cache_without_a_subcommand_is_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["cache"])
    assert info.value.code == 2
