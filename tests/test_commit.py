"""Datasets: CSV/array loading, quantization, the dataset directory, and the commitment (scheme v2)."""

from __future__ import annotations

import json
import os
import random
import sys

import numpy as np
import pytest
from test_poseidon import assert_every_wire_forced, wire_index

from zkanchor.bn254.constants import R
from zkanchor.commit import (
    COMMITMENT_FILE,
    DATA_FILE,
    SALT_FILE,
    SCHEME,
    DataFileError,
    Dataset,
    NonFiniteError,
    NonNumericError,
    RaggedRowError,
    ValueRangeError,
    commit,
    commit_dataset,
    dataset_leaves,
    dataset_root,
    dataset_shape_digest,
    dequantize,
    from_arrays,
    leaf_salts,
    load_commitment,
    load_dataset_dir,
    load_sklearn,
    new_salt,
    pack_row,
    quantize,
    quantize_array,
    read_csv,
    row_leaf,
    save_dataset_dir,
    values_per_element,
    verify_opening,
)
from zkanchor.commit.commitment import check_owner, leaf_tag, schema_digest, shape_digest
from zkanchor.commit.dataset import load_commitment_extra
from zkanchor.commit.quantize import narrowest_value_bits, round_half_away, standardize
from zkanchor.errors import FormatError, InputError, UnsatisfiedConstraint
from zkanchor.gadgets.commitment import commitment_constraints, dataset_commitment as commitment_gadget
from zkanchor.gadgets.poseidon import constraint_count
from zkanchor.merkle import merkle_root
from zkanchor.poseidon import domains, hash_chain, poseidon, tag
from zkanchor.r1cs import ConstraintSystem, check

OWNER = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF
OTHER = 0x2B5AD5C4795C026514F8317C7A215E218DCCD6CF

# -- quantization ---------------------------------------------------------------------------


def test_rounding_is_half_away_from_zero_and_exact():
    x = np.array([0.5, -0.5, 1.5, 2.5, -2.5, 0.4, -0.6, 0.49999999999999994, -0.49999999999999994, 3.0, 2.0**60 + 2**8])
    assert round_half_away(x).tolist() == [1, -1, 2, 3, -3, 0, -1, 0, 0, 3, 2.0**60 + 2**8]


def test_quantize_array_scales_by_two_to_the_frac_bits():
    q = quantize_array([1.25, -1.25, 0.3, -0.3, 0.0], frac_bits=2, value_bits=8)
    assert q.dtype == np.int64 and q.tolist() == [5, -5, 1, -1, 0]
    assert quantize_array([0.3], 8, 16).tolist() == [77]  # 76.8 -> 77
    assert quantize_array([1 / 512], 8, 16).tolist() == [1]  # exactly half a unit -> away from 0
    assert quantize_array([-1 / 512], 8, 16).tolist() == [-1]
    assert dequantize([5, -5], 2).tolist() == [1.25, -1.25]


def test_value_bits_bound_is_symmetric():
    assert quantize_array([127.4, -127.4], 0, 8).tolist() == [127, -127]
    for bad in (127.5, -127.5, 1e300):
        with pytest.raises(ValueRangeError, match="outside the range \\[-127, 127\\] of 8-bit values"):
            quantize_array([0.0, bad], 0, 8)
    with pytest.raises(NonFiniteError, match="index \\[1\\] is NaN"):
        quantize_array([0.0, float("nan")], 0, 8)
    with pytest.raises(NonFiniteError, match="is -inf"):
        quantize_array([float("-inf")], 0, 8)


@pytest.mark.parametrize(
    "frac_bits, value_bits, message",
    [(-1, 8, "frac_bits must be"), (63, 64, "frac_bits must be"), (8, 1, "value_bits must be"),
     (8, 65, "value_bits must be"), (8.0, 16, "frac_bits must be"), (8, True, "value_bits must be")],
)
def test_bit_widths_are_checked(frac_bits, value_bits, message):
    with pytest.raises(InputError, match=message):
        quantize_array([1.0], frac_bits, value_bits)


# -- CSV ------------------------------------------------------------------------------------


def _csv(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _one_sentence(exc):
    msg = str(exc.value)
    assert "\n" not in msg and msg.count(". ") == 0, msg
    return msg


def test_csv_good_file(tmp_path):
    text = '\ufeffa, y ,b\n1,"2.5",-3e-1\n\n  4 , 0 ,"5"\n.5,1,6.\n'
    table = read_csv(_csv(tmp_path, text), "y")
    assert table.feature_names == ("a", "b") and table.target_name == "y"
    assert table.features.tolist() == [[1.0, -0.3], [4.0, 5.0], [0.5, 6.0]]
    assert table.targets.tolist() == [2.5, 0.0, 1.0]
    assert table.lines == (2, 4, 5)  # the blank line 3 is skipped but counted
    ds = quantize(table, frac_bits=1, value_bits=8)
    assert ds.features.tolist() == [[2, -1], [8, 10], [1, 12]] and ds.targets.tolist() == [5, 0, 2]


def test_csv_quoted_multiline_cells_keep_line_numbers(tmp_path):
    text = 'a,"y\nlabel"\n1,2\n3,x\n'
    with pytest.raises(NonNumericError) as exc:
        read_csv(_csv(tmp_path, text), "y\nlabel")
    assert "data.csv line 4 (data row 2), column 'y\\nlabel'" in str(exc.value)


@pytest.mark.parametrize(
    "text, cls, message",
    [
        ("", DataFileError, "data file data.csv is empty; it needs a header row and data rows"),
        ("\n\n  \n", DataFileError, "data file data.csv is empty"),
        ("a,y\n", DataFileError, "data file data.csv has a header but no data rows"),
        ("a,b\n1,2\n", DataFileError, "data file data.csv has no target column 'y'; its columns are 'a', 'b'"),
        ("y\n1\n", DataFileError, "data file data.csv has no feature columns besides the target 'y'"),
        ("a,a,y\n1,2,3\n", DataFileError, "the header names column 'a' twice"),
        ("a,,y\n1,2,3\n", DataFileError, "header column 2 has no name"),
        ("a,b,y\n1,2,3\n4,5\n", RaggedRowError, "data.csv line 3 (data row 2) has 2 cells but the header has 3 columns"),
        ("a,b,y\n1,2,3,4\n", RaggedRowError, "data.csv line 2 (data row 1) has 4 cells"),
        ("a,b,y\n1,NaN,3\n", NonFiniteError, "data.csv line 2 (data row 1), column 'b': the value is NaN"),
        ("a,b,y\n1,2,3\n1,2,-inf\n", NonFiniteError, "data.csv line 3 (data row 2), column 'y': the value '-inf' is infinite"),
        ("a,b,y\n1,Infinity,3\n", NonFiniteError, "column 'b': the value 'Infinity' is infinite"),
        ("a,b,y\nabc,2,3\n", NonNumericError, "data.csv line 2 (data row 1), column 'a': 'abc' is not a decimal number"),
        ("a,b,y\n1_000,2,3\n", NonNumericError, "'1_000' is not a decimal number"),
        ('a,b,y\n"1,000",2,3\n', NonNumericError, "'1,000' is not a decimal number"),
        ("a,b,y\n0x10,2,3\n", NonNumericError, "'0x10' is not a decimal number"),
        ("a,b,y\n1, ,3\n", NonNumericError, "data.csv line 2 (data row 1), column 'b': the cell is empty"),
        ("a,b,y\n1,1e999,3\n", ValueRangeError, "column 'b': '1e999' is too large for any fixed-point range"),
    ],
)
def test_csv_errors_name_file_row_and_column(tmp_path, text, cls, message):
    with pytest.raises(cls) as exc:
        read_csv(_csv(tmp_path, text), "y")
    assert message in _one_sentence(exc)


def test_csv_out_of_range_after_quantization_names_the_cell(tmp_path):
    path = _csv(tmp_path, "a,b,y\n1,2,3\n4,5,6\n7,300,9\n")
    table = read_csv(path, "y")
    with pytest.raises(ValueRangeError) as exc:
        quantize(table, frac_bits=0, value_bits=8)
    msg = _one_sentence(exc)
    assert msg.startswith("data.csv line 4 (data row 3), column 'b': the value is 300.0, which quantizes outside")
    # frac_bits shrinks the range; the first bad row is reported, features or target.
    with pytest.raises(ValueRangeError, match="line 3 \\(data row 2\\), column 'a': the value is 4.0"):
        quantize(table, frac_bits=5, value_bits=8)
    table = read_csv(_csv(tmp_path, "a,b,y\n1,2,3\n1,2,-200\n1,900,3\n"), "y")
    with pytest.raises(ValueRangeError, match="line 3 \\(data row 2\\), column 'y': the value is -200.0"):
        quantize(table, frac_bits=0, value_bits=8)


def test_csv_file_level_errors(tmp_path):
    with pytest.raises(DataFileError, match="data file data.csv is not UTF-8 text"):
        read_csv(_csv(tmp_path, "a,y\n\xe9,1\n", encoding="latin-1"), "y")
    with pytest.raises(InputError, match="does not exist"):
        read_csv(tmp_path / "missing.csv", "y")


def test_arrays_and_their_errors():
    t = from_arrays([[1.0, 2.0], [3.0, float("nan")]], [0, 1], ["p", "q"], "label", "train")
    with pytest.raises(NonFiniteError) as exc:
        quantize(t)
    assert "train row 1 (counting from 0), column 'q': the value is NaN" in _one_sentence(exc)
    with pytest.raises(DataFileError, match="targets must have shape \\(2,\\)"):
        from_arrays([[1.0], [2.0]], [1, 2, 3])
    with pytest.raises(DataFileError, match="non-empty 2-D array"):
        from_arrays([1.0, 2.0], [1, 2])
    with pytest.raises(DataFileError, match="1 feature names for 2 feature columns"):
        from_arrays([[1.0, 2.0]], [1], ["only"])
    with pytest.raises(NonNumericError, match="must be numeric arrays"):
        from_arrays([["a", "b"]], [1])


def test_sklearn_breast_cancer_offline():
    pytest.importorskip("sklearn")
    table = load_sklearn("breast_cancer")
    assert table.features.shape == (569, 30) and table.targets.shape == (569,)
    assert table.feature_names[0] == "mean radius" and set(table.targets.tolist()) == {0.0, 1.0}
    ds = quantize(table, frac_bits=8, value_bits=24)
    assert ds.n == 569 and ds.d == 30


def test_sklearn_errors(monkeypatch):
    with pytest.raises(DataFileError, match="unknown scikit-learn data set 'mnist'"):
        load_sklearn("mnist")
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(DataFileError, match="needs scikit-learn; install it with 'pip install scikit-learn'"):
        load_sklearn("diabetes")


def test_quantize_picks_the_narrowest_width_unless_told():
    t = from_arrays([[1.0, -2.0], [0.5, 3.0]], [1.0, 0.0])
    ds = quantize(t, frac_bits=8)
    # The largest |q| is 3 * 2^8 = 768: ten magnitude bits and a sign.
    assert ds.value_bits == narrowest_value_bits(t, 8) == 11
    assert quantize(t, 8, 24).value_bits == 24
    assert quantize(from_arrays([[0.0]], [0.0]), 8).value_bits == 10  # never below frac_bits + 2
    with pytest.raises(ValueRangeError, match="row 0 \\(counting from 0\\), column 'x1': the value is -2.0"):
        quantize(t, 8, 10)


def test_standardize_uses_its_own_or_the_given_statistics():
    t = from_arrays([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]], [0, 1, 0], ["a", "b"])
    s, (mean, std) = standardize(t)
    assert mean.tolist() == [3.0, 5.0] and std[1] == 1.0  # a constant column keeps std 1
    assert np.allclose(s.features[:, 0], [-1.224744871391589, 0.0, 1.224744871391589])
    assert s.features[:, 1].tolist() == [0.0, 0.0, 0.0] and s.targets.tolist() == t.targets.tolist()
    other, stats = standardize(from_arrays([[3.0, 6.0]], [1], ["a", "b"]), (mean, std))
    assert other.features.tolist() == [[0.0, 1.0]] and stats[0] is not None
    with pytest.raises(DataFileError, match="one mean and std per column"):
        standardize(t, (mean[:1], std[:1]))


# -- Dataset and its directory --------------------------------------------------------------


def _dataset(n=3, d=4, value_bits=8, seed=0, frac_bits=4):
    rng = np.random.default_rng(seed)
    lim = 2 ** (value_bits - 1)
    return Dataset(
        features=rng.integers(-lim + 1, lim, size=(n, d)),
        targets=rng.integers(-lim + 1, lim, size=n),
        frac_bits=frac_bits,
        value_bits=value_bits,
        feature_names=tuple(f"f{j}" for j in range(d)),
        target_name="t",
    )


def _with(ds, **changes):
    fields = dict(features=ds.features, targets=ds.targets, frac_bits=ds.frac_bits, value_bits=ds.value_bits,
                  feature_names=ds.feature_names, target_name=ds.target_name)
    return Dataset(**{**fields, **changes})


def test_dataset_validation():
    ds = _dataset()
    assert ds.features.dtype == np.int64 and not ds.features.flags.writeable
    assert ds.rows()[0] == ds.features[0].tolist() + [int(ds.targets[0])]
    good = dict(features=[[1, 2]], targets=[3], frac_bits=0, value_bits=8, feature_names=("a", "b"), target_name="y")
    Dataset(**good)
    for change, message in [
        (dict(features=[[1.0, 2.0]]), "integer array"),
        (dict(targets=[3, 4]), "targets must have shape \\(1,\\)"),
        (dict(features=[[128, 2]]), "features hold a value outside the 8-bit range"),
        (dict(targets=[-128]), "targets hold a value outside the 8-bit range"),
        (dict(feature_names=("a",)), "needs 2 feature names"),
        (dict(value_bits=1), "value_bits must be"),
    ]:
        with pytest.raises(InputError, match=message):
            Dataset(**{**good, **change})


def test_dataset_directory_round_trip(tmp_path):
    ds = _dataset(5, 3)
    commitment, salt = commit_dataset(ds, OWNER)
    assert commitment.owner == OWNER and commitment.scheme == SCHEME
    out = save_dataset_dir(tmp_path / "mine", ds, salt, commitment, {"erased_from": "5"})
    assert sorted(os.listdir(out)) == sorted([DATA_FILE, SALT_FILE, COMMITMENT_FILE])
    for private in (DATA_FILE, SALT_FILE):
        assert (out / private).stat().st_mode & 0o077 == 0
    public = (out / COMMITMENT_FILE).read_text()
    obj = json.loads(public)
    assert str(salt) not in public and obj["commitment"] == str(commitment.commitment)
    assert int(obj["owner"], 16) == OWNER
    assert load_commitment_extra(out) == {"erased_from": "5"}
    ds2, salt2, commitment2 = load_dataset_dir(out)
    assert np.array_equal(ds2.features, ds.features) and np.array_equal(ds2.targets, ds.targets)
    assert (ds2.frac_bits, ds2.value_bits, ds2.feature_names, ds2.target_name) == (4, 8, ("f0", "f1", "f2"), "t")
    assert salt2 == salt and commitment2 == commitment == load_commitment(out / COMMITMENT_FILE)
    assert verify_opening(ds2, salt2, commitment2)
    with pytest.raises(InputError, match="already exists and is not an empty directory"):
        save_dataset_dir(out, ds, salt, commitment)
    (tmp_path / "empty").mkdir()  # an empty directory is fine to fill
    assert load_dataset_dir(save_dataset_dir(tmp_path / "empty", ds, salt, commitment))[1] == salt
    with pytest.raises(InputError, match="do not match the dataset"):
        save_dataset_dir(tmp_path / "other", _dataset(4, 3), salt, commitment)


def test_dataset_directory_is_all_or_nothing(tmp_path, monkeypatch):
    import zkanchor.commit.dataset as module

    ds = _dataset()
    commitment, salt = commit_dataset(ds, OWNER)

    def fail(path, obj):
        if str(path).endswith(COMMITMENT_FILE):
            raise OSError("disk full")
        return real(path, obj)

    real = module.write_json
    monkeypatch.setattr(module, "write_json", fail)
    with pytest.raises(OSError):
        save_dataset_dir(tmp_path / "d", ds, salt, commitment)
    assert os.listdir(tmp_path) == []  # neither the directory nor its temporary sibling


def test_dataset_directory_load_errors(tmp_path):
    ds = _dataset()
    commitment, salt = commit_dataset(ds, OWNER)
    out = save_dataset_dir(tmp_path / "d", ds, salt, commitment)
    (out / DATA_FILE).write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="is not a zkanchor dataset file"):
        load_dataset_dir(out)
    out = save_dataset_dir(tmp_path / "e", ds, salt, commitment)
    (out / SALT_FILE).write_text('{"salt": "-5"}')
    with pytest.raises(FormatError, match="'salt' must be a decimal string"):
        load_dataset_dir(out)
    obj = commitment.to_json()
    for change, message in [
        ({"scheme": "zkanchor-dataset-commitment-v1"}, "has scheme 'zkanchor-dataset-commitment-v1'"),
        ({"commitment": str(R)}, "'commitment' must be a decimal string below"),
        ({"n": -1}, "'n' must be a non-negative integer"),
        ({"feature_names": ["a"]}, "'feature_names' must be a list of d strings"),
        ({"owner": "0x" + "0" * 40}, "'owner' must be the owning institution's non-zero address"),
        ({"owner": "0x1234"}, "'owner' must be the owning institution's non-zero address"),
    ]:
        (out / COMMITMENT_FILE).write_text(json.dumps({**obj, **change}))
        with pytest.raises(FormatError, match=message):
            load_commitment(out)
    (out / COMMITMENT_FILE).write_text(json.dumps({**obj, "n": 4}))
    (out / SALT_FILE).write_text(json.dumps({"salt": str(salt)}))
    with pytest.raises(FormatError, match="do not match data.npz"):
        load_dataset_dir(out)


# -- the commitment -------------------------------------------------------------------------


def test_packing():
    assert values_per_element(8) == 31 and values_per_element(24) == 10 and values_per_element(64) == 3
    assert pack_row([-1, 0, 1], 8) == [127 + (128 << 8) + (129 << 16)]
    assert pack_row([-128, 127], 8) == [0 + (255 << 8)]
    assert pack_row([5] * 4, 64) == [(5 + 2**63) * (1 + 2**64 + 2**128), 5 + 2**63]
    assert all(e < 2**253 for e in pack_row([2**63 - 1] * 6, 64))
    with pytest.raises(InputError, match="does not fit in 8 signed bits"):
        pack_row([128], 8)


def test_commitment_definition():
    ds = _dataset(3, 2)  # three 8-bit values per row: one packed element
    salt = 12345
    row_salts = [poseidon([salt, i], tag(domains.LEAF_SALT)) for i in range(3)]
    assert leaf_salts(salt, 3).tolist() == row_salts
    leaves = [hash_chain([s, *pack_row(r, 8)], tag(domains.DATASET_LEAF, 2)) for s, r in zip(row_salts, ds.rows())]
    assert leaf_tag(1) == tag(domains.DATASET_LEAF, 2)
    assert [row_leaf(r, 8, s) for r, s in zip(ds.rows(), row_salts)] == leaves == dataset_leaves(ds, salt).tolist()
    assert dataset_root(ds, salt) == merkle_root(leaves)
    names = [int.from_bytes(__import__("hashlib").sha256(s.encode()).digest(), "big") % R for s in ("f0", "f1", "t")]
    schema = hash_chain(names, tag(domains.SCHEMA, 3))
    assert schema_digest(("f0", "f1"), "t") == schema
    shape = hash_chain([2, 3, 2, 4, 8, schema], tag(domains.DATASET_SHAPE))
    assert dataset_shape_digest(ds) == shape == shape_digest(3, 2, 4, 8, schema)
    assert commit(ds, salt, OWNER) == poseidon([merkle_root(leaves), shape, OWNER], tag(domains.DATASET))


def test_commitment_binds_every_value_the_salt_the_owner_and_the_shape():
    ds = _dataset(3, 3)
    salt = 987654321
    c = commit(ds, salt, OWNER)
    assert commit(_dataset(3, 3), salt, OWNER) == c
    seen = {c, commit(ds, salt + 1, OWNER), commit(ds, salt, OTHER)}
    for i in range(ds.n):
        for j in range(ds.d + 1):  # j == d is the target
            x, y = ds.features.copy(), ds.targets.copy()
            cell = (x, (i, j)) if j < ds.d else (y, (i,))
            # One unit in the last place, staying inside the 8-bit range.
            cell[0][cell[1]] += 1 if cell[0][cell[1]] < 127 else -1
            seen.add(commit(_with(ds, features=x, targets=y), salt, OWNER))
    # The same values under another meaning: column names, target name, scale, width.
    seen.add(commit(_with(ds, feature_names=("f0", "f2", "f1")), salt, OWNER))
    seen.add(commit(_with(ds, target_name="label"), salt, OWNER))
    seen.add(commit(_with(ds, frac_bits=5), salt, OWNER))
    seen.add(commit(_with(ds, value_bits=9), salt, OWNER))
    seen.add(commit(_with(ds, features=ds.features[::-1], targets=ds.targets[::-1]), salt, OWNER))
    assert len(seen) == 3 + ds.n * (ds.d + 1) + 5  # every change gives a new, distinct commitment


def test_per_row_salts_hide_equal_rows():
    row = np.array([[3, -4, 5]])
    ds = Dataset(np.repeat(row, 2, axis=0), np.array([1, 1]), 4, 8, ("a", "b", "c"), "t")
    leaves = dataset_leaves(ds, 777).tolist()
    assert leaves[0] != leaves[1]  # the same row at two positions: unlinkable leaves


def test_salts_and_owners():
    salts = {new_salt() for _ in range(8)}
    assert len(salts) == 8 and all(0 <= s < R for s in salts)
    ds = _dataset()
    commitment, salt = commit_dataset(ds, OWNER)
    assert commitment.commitment == commit(ds, salt, OWNER)
    assert commit_dataset(ds, OWNER, salt)[0] == commitment
    assert not verify_opening(ds, salt + 1, commitment)
    theirs, _ = commit_dataset(ds, OTHER, salt)
    assert theirs.commitment != commitment.commitment and theirs.owner == OTHER
    import dataclasses

    # commitment.json naming another owner than the one bound into C does not open.
    assert not verify_opening(ds, salt, dataclasses.replace(commitment, owner=OTHER))
    with pytest.raises(InputError, match="salt must be an int in \\[0, 2\\^253\\)"):
        commit(ds, 2**253, OWNER)
    for bad in (0, 1 << 160, -1, True, "0x01"):
        with pytest.raises(InputError, match="non-zero Ethereum address"):
            commit(ds, salt, bad)
    assert check_owner(OWNER) == OWNER


# -- the commitment gadget ------------------------------------------------------------------


def _commit_circuit(ds):
    """Public C and owner, private data and per-row salts; the v2 commitment constrained equal to C."""
    cs = ConstraintSystem()
    c_pub = cs.public("C")
    owner = cs.public("owner")
    x = cs.private("x", shape=(ds.n, ds.d))
    y = cs.private("y", shape=(ds.n,))
    salts = cs.private("salts", shape=(ds.n,))
    out = commitment_gadget(cs, x, y, salts, ds.value_bits, dataset_shape_digest(ds), owner, "commit")
    cs.assert_equal(out, c_pub, "C")
    return cs, x


def _inputs(ds, salt, claimed, owner=OWNER, features=None, targets=None):
    return {"C": claimed, "owner": owner, "x": ds.features if features is None else features,
            "y": ds.targets if targets is None else targets, "salts": leaf_salts(salt, ds.n)}


@pytest.mark.parametrize("n, d, value_bits", [(1, 1, 8), (3, 4, 8), (2, 3, 24), (2, 50, 64), (5, 2, 12)])
def test_gadget_equals_python(n, d, value_bits):
    ds = _dataset(n, d, value_bits, seed=n * d)
    salt = new_salt()
    cs, _ = _commit_circuit(ds)
    check(cs.build(), cs.witness(_inputs(ds, salt, commit(ds, salt, OWNER))))


def test_gadget_constraint_count():
    # 4 rows of 9 + 1 values at 16 bits: one element per row (15 fit), so a Poseidon(2)
    # leaf over (row salt, element) each, three tree nodes, the commitment's Poseidon(3)
    # (its shape input is a constant) and the range checks.
    expected = 4 * 10 * 16 + 4 * constraint_count(3) + 3 * constraint_count(3) + constraint_count(4) - 3
    assert commitment_constraints(4, 9, 16) == expected


def test_constraints_per_committed_value_at_default_widths():
    # The breast-cancer shape (30 features + target) at 24-bit values: the target is <= 45.
    n, d = 16, 30
    per_value = commitment_constraints(n, d, 24) / (n * (d + 1))
    assert per_value <= 45, per_value


def test_gadget_rejects_a_changed_value_salt_or_owner():
    ds = _dataset(3, 2, seed=5)
    salt = new_salt()
    c = commit(ds, salt, OWNER)
    cs, _ = _commit_circuit(ds)
    r1cs = cs.build()
    for i, j in [(0, 0), (1, 1), (2, 2)]:  # j == d is the target
        fv, tv = ds.features.copy(), ds.targets.copy()
        if j < ds.d:
            fv[i, j] += 1 if fv[i, j] < 127 else -1
        else:
            tv[i] += 1 if tv[i] < 127 else -1
        with pytest.raises(UnsatisfiedConstraint, match="\\(C\\)"):
            check(r1cs, cs.witness(_inputs(ds, salt, c, features=fv, targets=tv)))
    with pytest.raises(UnsatisfiedConstraint, match="\\(C\\)"):
        check(r1cs, cs.witness(_inputs(ds, salt + 1, c)))
    with pytest.raises(UnsatisfiedConstraint, match="\\(C\\)"):
        check(r1cs, cs.witness(_inputs(ds, salt, c, owner=OTHER)))
    check(r1cs, cs.witness(_inputs(ds, salt, commit(ds, salt, OTHER), owner=OTHER)))


@pytest.mark.parametrize("shift", [1, -1])
def test_gadget_rejects_aliased_out_of_range_values(shift):
    # Moving 2^b into value 0 and taking 1 out of value 1 leaves the packed element, and
    # so every hash wire, unchanged: only the range checks stand in the way.
    ds = _dataset(2, 3, 8, seed=9)
    salt = new_salt()
    cs, x = _commit_circuit(ds)
    r1cs, w = cs.build(), cs.witness(_inputs(ds, salt, commit(ds, salt, OWNER)))
    check(r1cs, w)
    q0, q1 = int(ds.features[0, 0]), int(ds.features[0, 1])
    a0, a1 = q0 + shift * 256, q1 - shift
    half = 128
    honest = (q0 + half) + ((q1 + half) << 8)
    assert (a0 + half) + ((a1 + half) << 8) == honest  # the aliasing really aliases
    # The honest prover's solver refuses the values outright ...
    fv = ds.features.copy()
    fv[0, 0], fv[0, 1] = a0, a1
    with pytest.raises(InputError, match="commit.range"):
        cs.witness(_inputs(ds, salt, commit(ds, salt, OWNER), features=fv))
    # ... and a forged witness with every other wire unchanged breaks only the range check.
    bad = list(w)
    bad[wire_index(cs, x[0, 0])] = a0 % R
    bad[wire_index(cs, x[0, 1])] = a1 % R
    with pytest.raises(UnsatisfiedConstraint, match="commit\\.range\\.b7\\[0, [01]\\]"):
        check(r1cs, bad)


def test_gadget_every_wire_forced():
    ds = _dataset(2, 2, 8, seed=11)
    salt = new_salt()
    cs, _ = _commit_circuit(ds)
    assert_every_wire_forced(cs.build(), cs.witness(_inputs(ds, salt, commit(ds, salt, OWNER))))


def test_gadget_shape_errors():
    cs = ConstraintSystem()
    x = cs.private("x", shape=(2, 1))
    with pytest.raises(InputError, match="features \\(n, d\\) and targets \\(n,\\)"):
        commitment_gadget(cs, x, cs.private("y", shape=(3,)), cs.private("s", shape=(2,)), 8, 0, 1)
    with pytest.raises(InputError, match="one salt per row"):
        commitment_gadget(cs, x, cs.private("y2", shape=(2,)), cs.private("s2", shape=(3,)), 8, 0, 1)


def test_random_datasets_gadget_matches(seed=3):
    rng = random.Random(seed)
    for _ in range(2):
        n, d, vb = rng.randint(1, 4), rng.randint(1, 6), rng.choice([4, 12, 33])
        ds = _dataset(n, d, vb, seed=rng.randrange(1000), frac_bits=min(4, vb - 2))
        salt = new_salt()
        cs, _ = _commit_circuit(ds)
        check(cs.build(), cs.witness(_inputs(ds, salt, commit(ds, salt, OWNER))))


def test_weights_commitment_gadget_equals_python():
    from zkanchor.gadgets.commitment import weights_commitment as weights_gadget
    from zkanchor.models.weights import weights_commitment

    weights = [5, -3, 0, 1 << 20, -(1 << 20)]
    cs = ConstraintSystem()
    w = cs.private("w", shape=(5,))
    s = cs.private("s")
    out = weights_gadget(cs, w, s, "cw")
    check(cs.build(), cs.witness({"w": weights, "s": 99}))
    assert cs.value(out) == weights_commitment(weights, 99)
    assert weights_commitment(weights, 99) != weights_commitment(weights, 98)
    assert weights_commitment(weights, 99) != weights_commitment(weights[:-1], 99)
    assert weights_commitment([1, 2], 0) != weights_commitment([1, 2, 0], 0)  # the length is in the domain


@pytest.mark.filterwarnings("ignore::zkanchor.groth16.TrustedSetupWarning")
def test_commitment_circuit_proves_and_verifies_with_groth16():
    from zkanchor.groth16 import prove, setup, verify

    ds = _dataset(2, 2, 8, seed=13)
    salt = new_salt()
    c = commit(ds, salt, OWNER)
    cs, _ = _commit_circuit(ds)
    r1cs = cs.build()
    pk = setup(r1cs)
    proof, public = prove(pk, r1cs, cs.solve(_inputs(ds, salt, c)))
    assert public == [c, OWNER]
    assert verify(pk.vk, proof, public)
    assert not verify(pk.vk, proof, [commit(ds, salt + 1, OWNER), OWNER])
    assert not verify(pk.vk, proof, [c, OTHER])
