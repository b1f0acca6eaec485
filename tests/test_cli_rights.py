"""The data subjects' rights commands end to end, with exit codes 0 / 1 / 2 and one-sentence errors.

commit --consent-column --receipts -> verify-receipt -> train --purpose -> prove-training;
erase -> prove-erasure -> verify-receipt --erasure -> train / prove-training over C_D';
prove-validity; prove-nonmembership (a leaf the dataset never held; an erased record's leaf is
absent from C_D' only); verify-training on every proof.  Eight patients, two measurements: each
proof takes a few seconds; keys go to a temporary cache (ZKANCHOR_CACHE).
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from zkanchor.cli.main import main

INSTITUTION = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"  # eth-tester account 1 (EIP-55 form)
HEADER = "patient_id,age,blood_pressure,consent,label"
# Consent bit 0 (research): patients 1, 2, 4, 5, 6, 8; patients 3 and 7 gave none for it.
ROWS = [(1, 0.5, 1.25, 1, 1), (2, -1.0, 0.5, 3, 0), (3, 1.5, -0.25, 2, 1), (4, -0.75, -1.0, 1, 0),
        (5, 0.25, 0.75, 3, 1), (6, -1.5, 0.25, 1, 0), (7, 1.0, 1.0, 0, 1), (8, -0.5, 0.5, 1, 0)]
SCHEMA = {"min_records": 6, "bounds": {"age": [-2, 2], "blood_pressure": [-2, 2]}, "labels": [0, 1],
          "positive": 1, "min_positive": 2, "max_positive": 6, "key_column": "patient_id"}


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


def write_csv(path: Path, rows, header=HEADER) -> Path:
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


def one_sentence(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("zkanchor: warning")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def receipt(d: Path, index: int) -> Path:
    return d / "receipts" / f"receipt-{index:06d}.json"


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """The whole flow, once: every step must exit 0."""
    d = tmp_path_factory.mktemp("rights-cli")
    write_csv(d / "patients.csv", ROWS)
    (d / "schema.json").write_text(json.dumps(SCHEMA))
    steps = [
        ("commit", d / "patients.csv", "--target", "label", "--consent-column", "consent", "--receipts",
         d / "receipts", "--institution", INSTITUTION, "-o", d / "ds"),
        ("train", d / "ds", "--model", "logreg", "--epochs", "2", "--lr", "0.5", "--purpose", "0", "-o", d / "model"),
        ("prove-training", d / "ds", d / "model", "-o", d / "proof"),
        ("erase", d / "ds", "--receipt", receipt(d, 0), "-o", d / "erased"),  # patient 1, who had consented
        ("prove-erasure", d / "ds", d / "erased", "-o", d / "erasure"),
        ("train", d / "erased", "--model", "logreg", "--epochs", "2", "--lr", "0.5", "--purpose", "0",
         "-o", d / "model2"),
        ("prove-training", d / "erased", d / "model2", "-o", d / "proof2"),
        ("prove-validity", d / "ds", d / "schema.json", "-o", d / "validity"),
    ]
    for step in steps:
        assert call(*step) == 0, step
    return d


def commitment_of(directory: Path) -> str:
    return json.loads((directory / "commitment.json").read_text())["commitment"]


# -- commit and receipts ------------------------------------------------------------------


def test_commit_keeps_consent_as_a_committed_column_and_writes_receipts(flow, capsys):
    c = json.loads((flow / "ds" / "commitment.json").read_text())
    assert c["consent_flags"] is True and c["feature_names"] == ["patient_id", "age", "blood_pressure"]
    files = sorted((flow / "receipts").iterdir())
    assert [p.name for p in files] == [f"receipt-{i:06d}.json" for i in range(8)]
    assert all(p.stat().st_mode & 0o077 == 0 for p in files)  # each is one subject's, private
    r = json.loads(files[1].read_text())
    assert r["values"] == {"patient_id": 2.0, "age": -1.0, "blood_pressure": 0.5, "label": 0.0, "consent_flags": 3}
    for i in range(8):
        code, out, _ = run(capsys, "verify-receipt", receipt(flow, i))
        assert code == 0 and out.startswith(f"OK: record {i} is in the dataset committed in C_D = {c['commitment']}")
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 3), "--commitment", c["commitment"], "--json")
    assert code == 0 and json.loads(out)["present"] is True and json.loads(out)["index"] == 3


@pytest.mark.parametrize("field, change", [
    ("row", lambda r: r["row"].__setitem__(1, r["row"][1] + 1)),
    ("consent", lambda r: r["row"].__setitem__(-1, 1)),  # patient 3 claims consent they never gave
    ("leaf_salt", lambda r: r.__setitem__("leaf_salt", str(int(r["leaf_salt"]) + 1))),
    ("index", lambda r: r.__setitem__("index", 3)),
    ("path", lambda r: r["path"].__setitem__(0, str(int(r["path"][0]) + 1))),
    ("owner", lambda r: r.__setitem__("owner", "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")),
    ("commitment", lambda r: r.__setitem__("commitment", "12345")),
])
def test_a_tampered_receipt_exits_1(flow, tmp_path, capsys, field, change):
    r = json.loads(receipt(flow, 2).read_text())
    change(r)
    (tmp_path / "r.json").write_text(json.dumps(r))
    code, out, _ = run(capsys, "verify-receipt", tmp_path / "r.json")
    assert code == 1 and out.startswith("NOT FOUND"), field
    code, out, _ = run(capsys, "verify-receipt", tmp_path / "r.json", "--commitment", commitment_of(flow / "ds"))
    assert code == (0 if field == "commitment" else 1), field  # the record itself is in C_D, whatever its label says


def test_unusable_receipts_exit_2(flow, tmp_path, capsys):
    (tmp_path / "text.json").write_text("this is not JSON")
    (tmp_path / "other.json").write_text(json.dumps({"kind": "zkanchor-statement", "version": 1}))
    r = json.loads(receipt(flow, 2).read_text())
    del r["leaf_salt"]
    (tmp_path / "partial.json").write_text(json.dumps(r))
    for name, message in (("text", "not valid JSON"), ("other", "not a version-1 zkanchor receipt"),
                          ("partial", "no 'leaf_salt' field")):
        code, out, err = run(capsys, "verify-receipt", tmp_path / f"{name}.json")
        assert code == 2 and message in one_sentence(err) and out == "", name
    code, out, err = run(capsys, "verify-receipt", receipt(flow, 2), "--commitment", "not-a-number")
    assert code == 2 and "--commitment" in one_sentence(err)


def test_a_receipt_of_another_dataset(flow, tmp_path, capsys):
    rows = [(i, a + 0.25, b, c, y) for i, a, b, c, y in ROWS]
    write_csv(tmp_path / "other.csv", rows)
    assert run(capsys, "commit", tmp_path / "other.csv", "--target", "label", "--consent-column", "consent",
               "--receipts", tmp_path / "receipts", "--institution", INSTITUTION, "-o", tmp_path / "other")[0] == 0
    theirs = receipt(tmp_path, 2)
    code, out, _ = run(capsys, "verify-receipt", theirs, "--commitment", commitment_of(flow / "ds"))
    assert code == 1 and out.startswith("NOT FOUND")
    code, _, err = run(capsys, "erase", flow / "ds", "--receipt", theirs, "-o", tmp_path / "e")
    assert code == 2 and "is for another dataset commitment" in one_sentence(err)
    code, out, _ = run(capsys, "verify-receipt", theirs, "--erasure", flow / "erasure")
    assert code == 1 and "NOT ERASED: the erasure does not list this record" in out
    assert not (tmp_path / "e").exists()


def test_standardised_receipts_and_erasure_keep_the_committed_statistics(tmp_path, capsys):
    write_csv(tmp_path / "p.csv", ROWS)
    assert run(capsys, "commit", tmp_path / "p.csv", "--target", "label", "--consent-column", "consent",
               "--standardize", "--receipts", tmp_path / "receipts", "--institution", INSTITUTION,
               "-o", tmp_path / "ds")[0] == 0
    record = json.loads((tmp_path / "ds" / "commitment.json").read_text())["preprocessing"]
    r = json.loads(receipt(tmp_path, 2).read_text())
    assert r["preprocessing"] == record  # the subject can recompute C_D: the statistics are in it
    code, out, _ = run(capsys, "verify-receipt", receipt(tmp_path, 2))
    assert code == 0 and out.startswith("OK: record 2 is in")
    # Statistics edited in the receipt: with the record's digest left, unusable; re-derived, another C_D.
    r["preprocessing"]["mean"][1] += 0.5
    (tmp_path / "r.json").write_text(json.dumps(r))
    code, _, err = run(capsys, "verify-receipt", tmp_path / "r.json")
    assert code == 2 and "digest does not match its statistics" in one_sentence(err)
    del r["preprocessing"]["digest"]
    (tmp_path / "r.json").write_text(json.dumps(r))
    code, out, _ = run(capsys, "verify-receipt", tmp_path / "r.json")
    assert code == 1 and out.startswith("NOT FOUND")
    # An erasure keeps the statistics (C_D' binds the same record), and the other receipts still describe
    # records of the same columns and units.
    assert run(capsys, "erase", tmp_path / "ds", "--receipt", receipt(tmp_path, 0), "-o", tmp_path / "erased")[0] == 0
    erased = json.loads((tmp_path / "erased" / "commitment.json").read_text())
    assert erased["preprocessing"] == record and "standardize" not in erased
    from zkanchor.commit import load_dataset_dir

    before, salt, _ = load_dataset_dir(tmp_path / "ds")
    after, salt_after, _ = load_dataset_dir(tmp_path / "erased")
    assert after.preprocessing == before.preprocessing and salt_after == salt
    code, out, _ = run(capsys, "check-opening", tmp_path / "erased")
    assert code == 0


# -- erasure ------------------------------------------------------------------------------


def test_the_erasure_proof_verifies_and_proves_absence(flow, capsys):
    before, after = commitment_of(flow / "ds"), commitment_of(flow / "erased")
    assert before != after
    code, out, _ = run(capsys, "verify-training", flow / "erasure", "--json")
    result = json.loads(out)
    assert code == 0 and result["valid"] is True
    st = result["statement"]
    assert st["kind"] == "erasure" and st["before"] == before and st["after"] == after
    assert st["leaves"] == [json.loads(receipt(flow, 0).read_text())["leaf"]]
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 0), "--erasure", flow / "erasure")
    assert code == 0 and out.startswith(f"OK: record 0 was erased: C_D' = {after} no longer holds it")
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 0), "--erasure", flow / "erasure",
                       "--commitment", before, "--json")
    assert code == 0 and json.loads(out)["erased"] is True
    # Another subject's receipt does not show an erasure; the erased record is no longer in C_D'.
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 1), "--erasure", flow / "erasure")
    assert code == 1 and out.startswith("NOT ERASED: the erasure does not list this record")
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 0), "--commitment", after)
    assert code == 1 and out.startswith("NOT FOUND")
    # An erasure of some other dataset than the one the subject holds a receipt for does not count.
    code, out, _ = run(capsys, "verify-receipt", receipt(flow, 0), "--erasure", flow / "erasure",
                       "--commitment", after)
    assert code == 1 and "not of the dataset this receipt is for" in out


def test_a_tampered_erasure_statement_is_refused(flow, tmp_path, capsys):
    out = shutil.copytree(flow / "erasure", tmp_path / "erasure")
    doc = json.loads((out / "statement.json").read_text())
    doc["leaves"] = [json.loads(receipt(flow, 1).read_text())["leaf"]]  # claim another subject was erased
    for derived in ("public_inputs", "description"):
        doc.pop(derived)
    from zkanchor.statements import statement_from_json

    doc = statement_from_json(doc).to_json()
    (out / "statement.json").write_text(json.dumps(doc))
    (out / "public.json").write_text(json.dumps(doc["public_inputs"]))
    code, text, _ = run(capsys, "verify-training", out)
    assert code == 1 and text.startswith("INVALID")
    code, text, _ = run(capsys, "verify-receipt", receipt(flow, 1), "--erasure", out)
    assert code == 1 and "NOT ERASED: the erasure proof does not verify" in text
    doc["description"] = doc["description"].replace("removed 1 requested", "removed 2 requested")
    (out / "statement.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "description does not match" in one_sentence(err)


def test_bad_erasures_exit_2(flow, tmp_path, capsys):
    leaf = json.loads(receipt(flow, 1).read_text())["leaf"]
    cases = [
        (["erase", flow / "ds", "-o", tmp_path / "x"], "name the records to erase with --leaf or --receipt"),
        (["erase", flow / "ds", "--leaf", "12345", "-o", tmp_path / "x"], "no record of the dataset has the leaf"),
        (["erase", flow / "ds", "--leaf", leaf, "--receipt", receipt(flow, 1), "-o", tmp_path / "x"], "twice"),
        (["erase", flow / "ds", "--receipt", tmp_path / "missing.json", "-o", tmp_path / "x"], "missing.json"),
        (["erase", flow / "erased", "--receipt", receipt(flow, 1), "-o", tmp_path / "x"], "another dataset"),
        (["erase", flow / "ds", "--leaf", leaf, "-o", flow / "erased"], "already exists"),
        (["prove-erasure", flow / "ds", flow / "ds", "-o", tmp_path / "x"], "erases nothing"),
        (["prove-erasure", flow / "erased", flow / "ds", "-o", tmp_path / "x"], "no record of the dataset"),
        (["verify-receipt", receipt(flow, 0), "--erasure", flow / "proof"], "not an erasure"),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in one_sentence(err), (argv, err)
        assert not (tmp_path / "x").exists()
    # Another institution's or another dataset's directory is not an erasure of this one.
    write_csv(tmp_path / "small.csv", ROWS[:6])
    assert call("commit", tmp_path / "small.csv", "--target", "label", "--consent-column", "consent",
                "--institution", INSTITUTION, "-o", tmp_path / "small") == 0
    code, _, err = run(capsys, "prove-erasure", flow / "ds", tmp_path / "small", "-o", tmp_path / "x")
    assert code == 2 and "not an erasure of DATASETDIR" in one_sentence(err)


# -- non-membership -----------------------------------------------------------------------

BOGUS = "0x1234567890abcdef"  # no record's leaf: what a bogus erasure request names


def test_a_leaf_the_dataset_never_held_is_proven_absent(flow, tmp_path, capsys):
    code, out, _ = run(capsys, "prove-nonmembership", flow / "ds", "--leaf", BOGUS, "--leaf", "4660",
                       "-o", tmp_path / "nm", "--json")
    proved = json.loads(out)
    c_d = commitment_of(flow / "ds")
    assert code == 0 and proved["statement"]["kind"] == "nonmembership"
    assert proved["statement"]["commitment"] == c_d and proved["statement"]["leaves"] == [str(int(BOGUS, 16)), "4660"]
    assert {p.name for p in (tmp_path / "nm").iterdir()} >= {"statement.json", "proof.json", "public.json", "bundle.json"}
    public = json.loads((tmp_path / "nm" / "public.json").read_text())
    assert public == [str(int(INSTITUTION, 16)), c_d, str(int(BOGUS, 16)), "4660"]
    # verify-training checks any statement: this one too, with the key the prover cached.
    code, out, _ = run(capsys, "verify-training", tmp_path / "nm")
    assert code == 0 and out.startswith(f"OK: none of the 2 named records is in dataset 0x{int(c_d):064x} of "
                                        f"{INSTITUTION} (n = 8)")
    code, out, _ = run(capsys, "verify-training", tmp_path / "nm", "--json")
    result = json.loads(out)
    assert code == 0 and result["valid"] is True and result["statement"]["kind"] == "nonmembership"
    # The proof is about C_D: claimed about another dataset (public.json and statement re-derived), it fails.
    erased = commitment_of(flow / "erased")
    other = _tampered(tmp_path, "nm", tmp_path / "other", lambda s: s.update(commitment=erased))
    code, out, _ = run(capsys, "verify-training", other)
    assert code == 1 and out.startswith("INVALID")


def test_an_erased_record_is_absent_from_the_erased_dataset_only(flow, tmp_path, capsys):
    leaf = json.loads(receipt(flow, 0).read_text())["leaf"]  # patient 1, erased from C_D into C_D'
    code, out, _ = run(capsys, "prove-nonmembership", flow / "erased", "--leaf", leaf, "-o", tmp_path / "nm")
    after = int(commitment_of(flow / "erased"))
    assert code == 0 and f"the named record is not in dataset 0x{after:064x}" in out
    # In C_D the record was there: its absence cannot be proven (the request is answered by the erasure).
    code, _, err = run(capsys, "prove-nonmembership", flow / "ds", "--leaf", leaf, "-o", tmp_path / "x")
    assert code == 2 and "leaf 0 is record 0's: the record is in the dataset" in one_sentence(err)
    assert not (tmp_path / "x").exists()


def test_bad_nonmembership_requests_exit_2(flow, tmp_path, capsys):
    from zkanchor.commit.commitment import tombstone

    held = json.loads(receipt(flow, 5).read_text())["leaf"]
    cases = [
        (["--leaf", held], "leaf 0 is record 5's: the record is in the dataset, so its absence cannot be proven "
                           "(answer the request with an erasure)"),
        (["--leaf", BOGUS, "--leaf", held], "leaf 1 is record 5's"),
        (["--leaf", "0"], "never 0 (the tree's padding)"),
        (["--leaf", str(tombstone())], "never the tombstone"),
        (["--leaf", BOGUS, "--leaf", BOGUS], "names each leaf once"),
        (["--leaf", "not-a-leaf"], "--leaf"),
        ([], "name the requested records with --leaf"),
    ]
    for extra, message in cases:
        code, out, err = run(capsys, "prove-nonmembership", flow / "ds", *extra, "-o", tmp_path / "x")
        assert code == 2 and message in one_sentence(err) and out == "", (extra, err)
        assert not (tmp_path / "x").exists()
    # --json: the refusal is a JSON object on stdout too.
    code, out, err = run(capsys, "prove-nonmembership", flow / "ds", "--leaf", held, "-o", tmp_path / "x", "--json")
    assert code == 2 and "is in the dataset" in json.loads(out)["error"] and "Traceback" not in err
    code, _, err = run(capsys, "prove-nonmembership", tmp_path / "nowhere", "--leaf", BOGUS, "-o", tmp_path / "x")
    assert code == 2 and "nowhere" in one_sentence(err)


# -- consent ------------------------------------------------------------------------------


def test_training_with_a_purpose_proves_the_excluded_count(flow, capsys):
    model = json.loads((flow / "model" / "model.json").read_text())
    assert model["metrics"]["excluded_records"] == 2 and model["spec"]["purpose"] == 0
    code, out, _ = run(capsys, "verify-training", flow / "proof", "--json")
    result = json.loads(out)
    assert code == 0 and result["valid"] is True
    st = result["statement"]
    assert st["excluded"] == 2 and st["dataset_commitment"] == commitment_of(flow / "ds")
    public = json.loads((flow / "proof" / "public.json").read_text())
    assert len(public) == 6 and public[5] == "2"
    assert "2 of the 8 records, which had not consented to purpose 0, did not influence the model" in st["description"]


def test_training_metrics_count_only_the_records_trained_on(flow):
    from zkanchor.commit.dataset import load_dataset_dir
    from zkanchor.statements.training import evaluate, training_mask
    from zkanchor.training.modeldir import load_model_dir

    spec, opening, model = load_model_dir(flow / "model")
    dataset = load_dataset_dir(flow / "ds")[0]
    mask = training_mask(spec, dataset)
    assert int(mask.sum()) == 6
    correct = evaluate(spec, dataset, opening.final, mask)
    assert model["metrics"]["train_accuracy"] == correct / 6


def _tampered(flow: Path, name: str, tmp_path: Path, change) -> Path:
    """A copy of a proof directory whose statement.json is edited and re-derived consistently."""
    from zkanchor.statements import statement_from_json

    out = shutil.copytree(flow / name, tmp_path / name)
    doc = json.loads((out / "statement.json").read_text())
    change(doc)
    for derived in ("public_inputs", "claims", "description"):
        doc.pop(derived, None)
    doc["spec"].pop("digest", None)
    doc = statement_from_json(doc).to_json()
    (out / "statement.json").write_text(json.dumps(doc))
    (out / "public.json").write_text(json.dumps(doc["public_inputs"]))
    return out


@pytest.mark.parametrize("excluded", [0, 1, 3])
def test_another_excluded_count_exits_1(flow, tmp_path, capsys, excluded):
    out = _tampered(flow, "proof", tmp_path, lambda s: s.update(excluded=excluded))
    code, text, _ = run(capsys, "verify-training", out)
    assert code == 1 and text.startswith("INVALID") and f"{excluded} of the 8 records" in text


def test_a_purpose_needs_consent_flags(flow, tmp_path, capsys):
    write_csv(tmp_path / "plain.csv", [(i, a, b, y) for i, a, b, _, y in ROWS], "patient_id,age,blood_pressure,label")
    assert call("commit", tmp_path / "plain.csv", "--target", "label", "--institution", INSTITUTION,
                "-o", tmp_path / "plain") == 0
    cases = [
        (["train", tmp_path / "plain", "--model", "logreg", "--epochs", "1", "--purpose", "0", "-o", tmp_path / "m"],
         "a consent purpose needs data whose records carry consent flags"),
        (["train", flow / "ds", "--model", "logreg", "--epochs", "1", "--purpose", "8", "-o", tmp_path / "m"],
         "flag bit in [0, 8)"),
        (["commit", tmp_path / "plain.csv", "--target", "label", "--consent-column", "consent", "--institution",
          INSTITUTION, "-o", tmp_path / "m"], "no column 'consent'"),
        (["prove-training", flow / "ds", flow / "model", "-o", tmp_path / "m", "--max-gradient", "1"],
         "optimality clause is not available"),
    ]
    write_csv(tmp_path / "half.csv", [(1, 0.5, 0.5, 1.5, 1), (2, 0.5, 0.5, 0, 0)])
    cases.append((["commit", tmp_path / "half.csv", "--target", "label", "--consent-column", "consent",
                   "--institution", INSTITUTION, "-o", tmp_path / "m"], "consent flags must be integers from 0 to 255"))
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in one_sentence(err), (argv, err)
        assert not (tmp_path / "m").exists()


# -- training after the erasure -------------------------------------------------------------


def test_training_over_the_erased_dataset(flow, capsys):
    model = json.loads((flow / "model2" / "model.json").read_text())
    assert model["spec"]["tombstones"] is True and model["metrics"]["excluded_records"] == 3
    code, out, _ = run(capsys, "verify-training", flow / "proof2", "--json")
    st = json.loads(out)["statement"]
    assert code == 0 and st["excluded"] == 3 and st["dataset_commitment"] == commitment_of(flow / "erased")
    assert "which had not consented to purpose 0 or were erased" in st["description"]
    assert model["dataset_commitment"] == commitment_of(flow / "erased")


def test_a_model_of_the_old_data_is_not_proven_over_the_new(flow, tmp_path, capsys):
    code, _, err = run(capsys, "prove-training", flow / "erased", flow / "model", "-o", tmp_path / "p")
    assert code == 2 and "not trained on this dataset" in one_sentence(err)


# -- validity -----------------------------------------------------------------------------


def test_the_validity_proof_verifies(flow, capsys):
    code, out, _ = run(capsys, "verify-training", flow / "validity")
    assert code == 0 and out.startswith("OK: the dataset")
    for text in ("8 records (at least 6)", "age in [-2, 2]", "labels in {0, 1}", "between 2 and 6 records labelled 1",
                 "no two records share a patient_id"):
        assert text in out


@pytest.mark.parametrize("schema, message", [
    ([1, 2], "must be a JSON object"),
    ({"colour": "red"}, "must be a JSON object with keys among"),
    ({"bounds": {"weight": [0, 1]}}, "the schema bounds a column 'weight' the data does not have"),
    ({"bounds": [0, 1]}, "malformed value"),
    ({"bounds": {"age": [0]}}, "malformed value"),
    ({"key_column": "name"}, "the key column 'name' is not a feature column"),
    ({"min_records": 6.5}, "min_records must be a whole number"),
    ({"min_records": 9}, "fewer than the schema's minimum 9"),
    ({"min_positive": 2}, "need the counted label"),
    ({"bounds": {"age": [0, 2]}}, "record 1's age is -1, outside the schema's [0, 2]"),
    ({"bounds": {"blood_pressure": [-2, 1]}}, "record 0's blood_pressure is 1.25, outside the schema's [-2, 1]"),
    ({"labels": [1]}, "record 1's label 0 is not an allowed label"),
    ({"positive": 1, "max_positive": 3}, "4 records are labelled 1, outside the schema's [0, 3]"),
    ({"positive": 1, "min_positive": 5}, "4 records are labelled 1, outside the schema's [5, 8]"),
    ({"key_column": "blood_pressure"}, "share the blood_pressure 0.5"),
])
def test_a_bad_or_violated_schema_exits_2(flow, tmp_path, capsys, schema, message):
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    code, _, err = run(capsys, "prove-validity", flow / "ds", tmp_path / "schema.json", "-o", tmp_path / "v")
    assert code == 2 and message in one_sentence(err), err
    assert not (tmp_path / "v").exists()


def test_an_edited_schema_is_refused(flow, tmp_path, capsys, key_cache):
    out = shutil.copytree(flow / "validity", tmp_path / "edited")
    doc = json.loads((out / "statement.json").read_text())
    doc["spec"]["min_records"] = 1
    (out / "statement.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "verify-training", out)
    assert code == 2 and "digest does not match its fields" in one_sentence(err)
    # Re-derived consistently it is another claim: another circuit, for which nobody holds a key ...
    wider = _tampered(flow, "validity", tmp_path / "wider",
                      lambda s: s["spec"]["bounds"][1].__setitem__(0, s["spec"]["bounds"][1][0] - 256))
    code, _, err = run(capsys, "verify-training", wider)
    assert code == 2 and "no trusted verification key" in one_sentence(err)
    # ... and with the original circuit's key named explicitly, the digest (public input 2) differs.
    looser = _tampered(flow, "validity", tmp_path / "looser", lambda s: s["spec"].__setitem__("min_records", 1))
    circuit = json.loads((flow / "validity" / "bundle.json").read_text())["circuit_hash"]
    vk = key_cache / "keys" / circuit[:40] / "verification_key.json"
    code, text, _ = run(capsys, "verify-training", looser, "--vk", vk)
    assert code == 1 and text.startswith("INVALID") and "at least 1)" in text
    code, _, _ = run(capsys, "verify-training", flow / "validity", "--vk", vk)
    assert code == 0


# -- the README's example -------------------------------------------------------------------


def test_the_readme_shows_the_schema_file_it_proves():
    """The README's rights example proves examples/patients-schema.json and shows it: the two agree.
    (tests/test_readme_commands.py runs the example's commands themselves, in order.)"""
    import re

    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text()
    section = readme[readme.index("## Data subjects' rights"):]
    section = section[:section.index("\n## ", 1)]
    assert "examples/patients-schema.json" in section
    (shown,) = re.findall(r"```json\n(.*?)```", section, re.S)
    assert json.loads(shown) == json.loads((repo / "examples" / "patients-schema.json").read_text())
