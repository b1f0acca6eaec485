"""The committed preprocessing: standardisation statistics bound into C_D, the specs and the statements.

Each cheat is built and seen refused: statistics edited in commitment.json or data.npz after
commit, a training spec or statement claiming other statistics, a test set standardised with
other statistics than the training set (refused before proving, and unsatisfiable at the
circuit's C_T check).  Commitments without preprocessing are pinned to their values from
before the record existed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct

import numpy as np
import pytest
from test_training import INSTITUTION, failing_constraints, solve

from zkanchor.commit import (
    Dataset,
    commit,
    commit_dataset,
    from_arrays,
    load_dataset_dir,
    new_salt,
    save_dataset_dir,
    verify_opening,
)
from zkanchor.commit.commitment import dataset_shape_digest, name_element, schema_digest
from zkanchor.commit.dataset import COMMITMENT_FILE, DATA_FILE, load_commitment
from zkanchor.commit.preprocessing import Standardization, float_bits
from zkanchor.commit.quantize import standardize
from zkanchor.commit.receipts import Receipt, check_presence, make_receipts
from zkanchor.errors import FormatError, InputError
from zkanchor.models.spec import TrainingSpec, make_spec, spec_for
from zkanchor.poseidon import domains, hash_chain, tag
from zkanchor.statements import (
    ErasureOpening,
    Evaluation,
    TrainingClaim,
    TrainingOpening,
    ValidityOpening,
    ValidityStatement,
    claim_for,
    erase,
    make_erasure,
    statement_from_json,
)
from zkanchor.statements.training import make_statement
from zkanchor.training.api import train_model

# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")

F = 8
V = 14
STATS = Standardization((50.0, -0.1, 1 / 3), (10.0, 0.25, 2.0 ** -20))
# C_D of the pinned dataset below under salt 12345, and a spec digest, computed by the code before
# the preprocessing record existed: commitments without preprocessing must never change.
PINNED_C_D = 2197288134782921880449908905430437106894672876804992568741775969451391475316
PINNED_C_D_FLAGS = 2681550560717951786816009350155038517709303604723522123173334991344158196084
PINNED_SPEC = 9101562497133418969283648874343790904301924149431404227152726273339841529023
PINNED_SCHEMA = 1817127391916517051076910068265561549550121636531139278802032152957404895864


def pinned(**kw) -> Dataset:
    return Dataset(np.array([[1, -2], [3, 4], [-5, 6]]), np.array([1, 0, 1]), 4, kw.pop("value_bits", 8),
                   ("f0", "f1"), "t", **kw)


def data(n: int = 6, seed: int = 3, preprocessing: Standardization | None = STATS) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.integers(-(2 << F), 2 << F, size=(n, 3))
    y = ((x @ np.array([2, -1, 1]) + rng.integers(-100, 100, size=n)) > 0).astype(np.int64) << F
    return Dataset(x, y, F, V, ("a", "b", "c"), "y", preprocessing=preprocessing)


# -- the record --------------------------------------------------------------------------------


def test_the_digest_hashes_the_exact_float64_bits():
    assert float_bits(1.0) == 0x3FF0000000000000 and float_bits(-0.0) == 1 << 63
    elements = [3]
    for m, s in zip(STATS.mean, STATS.std):
        elements += [struct.unpack("<Q", struct.pack("<d", m))[0], struct.unpack("<Q", struct.pack("<d", s))[0]]
    assert STATS.field_elements() == elements
    assert STATS.digest() == hash_chain(elements, tag(domains.PREPROCESSING))
    # One bit of one statistic is another record (and 0.0 is not -0.0: the digest is of bits).
    nudged = Standardization(STATS.mean, (*STATS.std[:2], math.nextafter(STATS.std[2], 1.0)))
    assert nudged.digest() != STATS.digest() and nudged != STATS
    assert Standardization((0.0,), (1.0,)) != Standardization((-0.0,), (1.0,))


@pytest.mark.parametrize("value", [0.1, 1 / 3, 5e-324, 1.7976931348623157e308, -2.0 ** -1074, 123456789.123456789])
def test_json_round_trips_every_float_exactly(value):
    record = Standardization((value, -value), (abs(value) or 1.0, 1.0))
    again = Standardization.from_json(json.loads(json.dumps(record.to_json())))
    assert again == record and [float_bits(v) for v in again.mean] == [float_bits(v) for v in record.mean]


@pytest.mark.parametrize("mean, std, message", [
    ((1.0,), (0.0,), "must be positive"),
    ((1.0,), (-1.0,), "must be positive"),
    ((math.nan,), (1.0,), "finite"),
    ((1.0,), (math.inf,), "finite"),
    ((1.0, 2.0), (1.0,), "one mean and one standard deviation per feature"),
    ((), (), "one mean and one standard deviation per feature"),
    ((True,), (1.0,), "list of numbers"),
    (("1.0",), (1.0,), "list of numbers"),
    ((2 ** 60 + 1,), (1.0,), "finite float64"),  # an int no float64 holds
])
def test_a_record_that_means_nothing_is_one_sentence(mean, std, message):
    with pytest.raises(InputError, match=message):
        Standardization(mean, std)


def test_a_record_whose_digest_does_not_match_is_refused():
    doc = STATS.to_json()
    doc["mean"][0] = 51.0
    with pytest.raises(FormatError, match="digest does not match its statistics"):
        Standardization.from_json(doc)
    del doc["digest"]
    assert Standardization.from_json(doc).mean[0] == 51.0
    for bad in (None, [], {"kind": "minmax", "mean": [1.0], "std": [1.0]}, {"kind": "standardize", "mean": 1}):
        with pytest.raises(FormatError):
            Standardization.from_json(bad)


def test_a_records_statistics_give_the_float64_standardisation_commit_runs():
    table = from_arrays(np.array([[60.0, 0.15, 1.0], [40.0, -0.35, 0.0]]), [1, 0], ["a", "b", "c"], "y")
    scaled, _ = standardize(table, STATS.arrays())
    mean, std = STATS.arrays()
    assert np.array_equal(scaled.features, (table.features - mean) / std) and scaled.preprocessing == STATS
    _, stats = standardize(table)
    assert Standardization.of(stats).mean == tuple(stats[0].tolist())


# -- the schema and C_D ------------------------------------------------------------------------


def test_no_preprocessing_commitments_are_unchanged():
    assert commit(pinned(), 12345, INSTITUTION) == PINNED_C_D
    assert commit(pinned(value_bits=12, flags=np.array([1, 0, 3])), 12345, INSTITUTION) == PINNED_C_D_FLAGS
    assert schema_digest(("a", "b"), "y") == schema_digest(("a", "b"), "y", False, None) == PINNED_SCHEMA
    assert make_spec("logreg", 4, 2, 3, 0.5, feature_names=("a", "b"), target_name="y").digest() == PINNED_SPEC


def test_the_schema_binds_the_record_under_its_own_tag():
    names = [name_element(s) for s in ("a", "b", "c", "y")]
    expected = hash_chain([*names, STATS.digest()], tag(domains.SCHEMA, 5, 1))
    assert schema_digest(("a", "b", "c"), "y", preprocessing=STATS) == expected
    # No list of names stands for names plus statistics: the tag differs from tag(schema/digest, 5).
    assert tag(domains.SCHEMA, 5, 1) != tag(domains.SCHEMA, 5)
    assert expected != hash_chain([*names, STATS.digest()], tag(domains.SCHEMA, 5))
    with pytest.raises(InputError, match="standardise the 2 feature columns"):
        schema_digest(("a", "b"), "y", preprocessing=STATS)


def test_two_datasets_identical_except_for_statistics_have_different_commitments():
    salt = new_salt()
    plain, a = data(preprocessing=None), data()
    b = data(preprocessing=Standardization(STATS.mean, (*STATS.std[:2], math.nextafter(STATS.std[2], 1.0))))
    commitments = {commit(ds, salt, INSTITUTION) for ds in (plain, a, b)}
    assert len(commitments) == 3
    assert len({dataset_shape_digest(ds) for ds in (plain, a, b)}) == 3
    # The same data and salt do not open a's commitment with b's statistics.
    c_a, _ = commit_dataset(a, INSTITUTION, salt)
    assert verify_opening(a, salt, c_a)
    assert not verify_opening(b, salt, dataclasses.replace(c_a, preprocessing=b.preprocessing))
    with pytest.raises(InputError, match="3 features"):
        dataclasses.replace(a, preprocessing=Standardization((0.0,), (1.0,)))


# -- the dataset directory ----------------------------------------------------------------------


def test_the_directory_round_trips_the_record(tmp_path):
    ds = data()
    commitment, salt = commit_dataset(ds, INSTITUTION)
    assert commitment.preprocessing == STATS
    out = save_dataset_dir(tmp_path / "d", ds, salt, commitment)
    public = json.loads((out / COMMITMENT_FILE).read_text())
    assert public["preprocessing"] == STATS.to_json() and "standardize" not in public
    again, salt2, c2 = load_dataset_dir(out)
    assert again.preprocessing == STATS and c2 == commitment and verify_opening(again, salt2, c2)
    # Without a record, commitment.json is what it always was.
    plain, _ = commit_dataset(data(preprocessing=None), INSTITUTION)
    assert "preprocessing" not in plain.to_json()


def test_statistics_edited_after_commit_are_refused(tmp_path):
    ds = data()
    commitment, salt = commit_dataset(ds, INSTITUTION)
    out = save_dataset_dir(tmp_path / "d", ds, salt, commitment)
    original = (out / COMMITMENT_FILE).read_text()
    other = Standardization(STATS.mean, (*STATS.std[:2], 1.0))
    # commitment.json's statistics edited, digest left: the record does not parse.
    obj = json.loads(original)
    obj["preprocessing"]["std"][2] = 1.0
    (out / COMMITMENT_FILE).write_text(json.dumps(obj))
    with pytest.raises(FormatError, match="digest does not match its statistics"):
        load_dataset_dir(out)
    # ... with its digest recomputed: not what data.npz was committed with.
    obj["preprocessing"] = other.to_json()
    (out / COMMITMENT_FILE).write_text(json.dumps(obj))
    with pytest.raises(FormatError, match="not the ones data.npz was committed with"):
        load_dataset_dir(out)
    # data.npz edited alone: the same refusal.
    (out / COMMITMENT_FILE).write_text(original)
    (out / DATA_FILE).write_bytes(dataclasses.replace(ds, preprocessing=other).to_npz_bytes())
    with pytest.raises(FormatError, match="not the ones data.npz was committed with"):
        load_dataset_dir(out)
    # Both edited alike: they agree, but C_D (which holds the statistics) no longer opens.
    (out / COMMITMENT_FILE).write_text(json.dumps(obj))
    edited, salt2, c2 = load_dataset_dir(out)
    assert c2.commitment == commitment.commitment and not verify_opening(edited, salt2, c2)
    # The statistics removed from both: the same.
    (out / COMMITMENT_FILE).write_text(json.dumps({k: v for k, v in obj.items() if k != "preprocessing"}))
    (out / DATA_FILE).write_bytes(dataclasses.replace(ds, preprocessing=None).to_npz_bytes())
    assert not verify_opening(*load_dataset_dir(out))


def test_statistics_an_older_zkanchor_left_unbound_are_refused(tmp_path):
    ds = data(preprocessing=None)
    commitment, salt = commit_dataset(ds, INSTITUTION)
    out = save_dataset_dir(tmp_path / "d", ds, salt, commitment, {"standardize": {"mean": [1.0] * 3, "std": [1.0] * 3}})
    with pytest.raises(FormatError, match="does not bind .* commit the data again"):
        load_commitment(out)


# -- the training spec and statement ---------------------------------------------------------


def test_the_spec_carries_the_record_inside_its_digest():
    ds = data()
    spec = spec_for("logreg", ds, 1, 0.5)
    assert spec.preprocessing == STATS
    assert spec.schema == schema_digest(ds.feature_names, ds.target_name, False, STATS)
    plain = dataclasses.replace(spec, preprocessing=None)
    assert plain.digest() != spec.digest()
    doc = spec.to_json()
    assert doc["preprocessing"] == STATS.to_json() and TrainingSpec.from_json(doc) == spec
    assert TrainingSpec.from_json(json.loads(json.dumps(doc))) == spec
    # An edited record: its digest, or with that re-derived the spec's digest, gives it away.
    doc["preprocessing"]["mean"][1] = 0.0
    with pytest.raises(FormatError, match="digest does not match its statistics"):
        TrainingSpec.from_json(doc)
    doc["preprocessing"] = Standardization(doc["preprocessing"]["mean"], doc["preprocessing"]["std"]).to_json()
    with pytest.raises(InputError, match="spec's digest does not match its fields"):
        TrainingSpec.from_json(doc)
    with pytest.raises(InputError, match="each of its 3 features"):
        dataclasses.replace(spec, preprocessing=Standardization((0.0,), (1.0,)))


def _statement(test: Dataset | None = None, salt: int = 777):
    ds = data()
    spec = spec_for("logreg", ds, 1, 0.5)
    model = train_model(spec, ds)
    opening = TrainingOpening(ds, salt, model, None if test is None else (test, salt + 1))
    evaluation = None if test is None else Evaluation("accuracy", test.n)
    threshold = None if test is None else 0
    return make_statement(TrainingClaim(spec, evaluation), INSTITUTION, opening, threshold), opening


def test_the_statement_describes_the_statistics_and_refuses_edits():
    statement, opening = _statement()
    statement.check_opening(opening)
    short = f"0x{STATS.digest():064x}"[:10]
    phrase = f"features standardised with committed statistics (mean/std of 3 columns, digest {short}…)"
    assert phrase in statement.describe() and phrase in statement.spec.describe()
    doc = statement.to_json()
    assert doc["spec"]["training"]["preprocessing"] == STATS.to_json()
    assert statement_from_json(json.loads(json.dumps(doc))) == statement
    doc["spec"]["training"]["preprocessing"]["std"][0] = 20.0
    with pytest.raises(FormatError, match="digest does not match"):
        statement_from_json(doc)
    # Re-derived all the way down, it is another claim: another digest (public input 4).
    for part in (doc["spec"]["training"]["preprocessing"], doc["spec"]["training"], doc["spec"]):
        part.pop("digest")
    for derived in ("public_inputs", "claims", "description"):
        doc.pop(derived)
    other = statement_from_json(doc)
    assert other.public_inputs()[4] != statement.public_inputs()[4]
    with pytest.raises(InputError, match="standardised with other statistics than the spec"):
        other.check_opening(opening)


def test_a_test_set_standardised_with_other_statistics_is_refused_and_unsatisfiable():
    own = Standardization((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    test_ok, test_other = data(4, 9), data(4, 9, own)
    statement, opening = _statement(test_ok)
    statement.check_opening(opening)
    assert failing_constraints(*solve(statement, opening)) == []
    cheat, cheat_opening = _statement(test_other)
    with pytest.raises(InputError, match="the test set was standardised with other statistics than the training set"):
        cheat.check_opening(cheat_opening)
    with pytest.raises(InputError, match="the test set was not standardised, but the training set was"):
        unstandardised, unstandardised_opening = _statement(data(4, 9, None))
        unstandardised.check_opening(unstandardised_opening)
    # The cheater's witness: the same values, C_T claimed as the other statistics' commitment.
    c_other = commit(test_other, 778, INSTITUTION)
    assert c_other == cheat.test_commitment != statement.test_commitment
    assert failing_constraints(*solve(statement, opening, C_T=c_other)) == ["C_T"]


# -- validity, erasure, receipts ----------------------------------------------------------------


def test_validity_binds_the_statistics():
    ds = data()
    claim = claim_for(ds, bounds={"a": (-3.0, 3.0)})
    assert claim.preprocessing == STATS and STATS.describe() in claim.describe()
    statement = ValidityStatement(claim, INSTITUTION, commit(ds, 5, INSTITUTION))
    statement.check_opening(ValidityOpening(ds, 5))
    assert failing_constraints(*solve(statement, ValidityOpening(ds, 5))) == []
    other = data(preprocessing=Standardization(STATS.mean, (1.0, 1.0, 1.0)))
    cheat = ValidityStatement(claim, INSTITUTION, commit(other, 5, INSTITUTION))
    with pytest.raises(InputError, match="standardisation statistics differ from the schema's"):
        cheat.check_opening(ValidityOpening(other, 5))
    # The circuit computes C_D with the claim's statistics: the other set's C_D is not it.
    assert failing_constraints(*solve(statement, ValidityOpening(ds, 5), C_D=cheat.dataset_commitment)) == ["C_D"]
    doc = statement.to_json()
    assert statement_from_json(json.loads(json.dumps(doc))) == statement
    doc["spec"]["preprocessing"]["mean"][0] = 0.0
    with pytest.raises(FormatError, match="digest"):
        statement_from_json(doc)


def test_erasure_keeps_the_statistics():
    ds = data()
    salt = 99
    leaves = [make_receipts(ds, salt, INSTITUTION)[1].leaf]
    statement = make_erasure(INSTITUTION, ds, salt, leaves)
    after = erase(ds, salt, leaves)
    assert after.preprocessing == STATS and statement.after == commit(after, salt, INSTITUTION)
    statement.check_opening(ErasureOpening(ds, salt))
    assert failing_constraints(*solve(statement, ErasureOpening(ds, salt))) == []


def test_a_receipt_carries_the_statistics_its_commitment_binds():
    ds = data()
    commitment, salt = commit_dataset(ds, INSTITUTION)
    receipts = make_receipts(ds, salt, INSTITUTION)
    assert all(r.preprocessing == STATS and check_presence(r, commitment.commitment) for r in receipts)
    doc = receipts[0].to_json()
    assert doc["preprocessing"] == STATS.to_json() and Receipt.from_json(json.loads(json.dumps(doc))) == receipts[0]
    # Other statistics (digest re-derived), or none: the record leads to another C_D.
    doc["preprocessing"] = Standardization((0.0, 0.0, 0.0), STATS.std).to_json()
    assert not check_presence(Receipt.from_json(doc), commitment.commitment)
    doc["preprocessing"] = None
    assert not check_presence(Receipt.from_json(doc), commitment.commitment)
    doc["preprocessing"] = {**STATS.to_json(), "mean": [0.0, 0.0, 0.0]}
    with pytest.raises(FormatError, match="digest does not match"):
        Receipt.from_json(doc)


def test_standardize_remembers_its_statistics_and_quantize_commits_them():
    import zkanchor as zk

    table = zk.from_arrays(np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]]), np.array([0.0, 1.0, 1.0]))
    scaled, stats = zk.standardize(table)
    assert scaled.preprocessing == zk.Standardization.of(stats)
    dataset = zk.quantize(scaled)
    assert dataset.preprocessing == scaled.preprocessing  # C_D binds what the features were scaled with
    plain = zk.quantize(table)
    assert plain.preprocessing is None
    owner = 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf
    assert zk.commit_dataset(dataset, owner, salt=5)[0].commitment != zk.commit_dataset(
        dataclasses.replace(dataset, preprocessing=None), owner, salt=5)[0].commitment
    with pytest.raises(zk.InputError, match="standardised already"):
        zk.standardize(scaled)
    # a test set scaled with the training statistics carries the same record
    test_scaled, _ = zk.standardize(table, stats)
    assert test_scaled.preprocessing == scaled.preprocessing
