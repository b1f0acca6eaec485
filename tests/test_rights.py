"""Data subjects' rights in the library: receipts, erasure, consent, training after erasure, validity.

Every cheat is BUILT — a forged receipt, an erasure statement that drops or keeps the wrong
record, a training statement with another excluded count or a flipped consent flag, a
dataset that breaks its schema — and then seen refused twice: by the statement's
``check_opening`` (the prover's own check, one sentence) and by the compiled circuit, solved
as a cheating prover would (range-check hints write bits instead of refusing) with the
claimed public values forced in, and found unsatisfiable at a named constraint.

Datasets are tiny (8 rows, 2 features) so that the few real proofs take seconds; keys go to a
temporary cache (ZKANCHOR_CACHE), never into the checkout.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from zkanchor.commit.commitment import commit, commit_dataset, dataset_leaves, tombstone
from zkanchor.commit.dataset import Dataset
from zkanchor.commit.receipts import Receipt, check_presence, make_receipts
from zkanchor.errors import FormatError, InputError, UnsatisfiedConstraint
from zkanchor.gadgets import bits
from zkanchor.models import model_module
from zkanchor.models.spec import spec_for
from zkanchor.proofs import KeyStore, Prover, trusted_key, verify_statement
from zkanchor.r1cs import check
from zkanchor.simulator.proving import failing_constraint
from zkanchor.statements import (
    ErasureClaim,
    ErasureOpening,
    ErasureStatement,
    TrainingClaim,
    TrainingOpening,
    ValidityOpening,
    ValidityStatement,
    claim_for,
    compile,
    erase,
    make_erasure,
    make_statement,
    statement_from_json,
)
from zkanchor.statements.training import training_mask
from zkanchor.training.api import train_model

F = 8
V = 14
INSTITUTION = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF  # eth-tester account 1
OTHER = 0x2B5AD5C4795C026514F8317C7A215E218DCCD6CF  # eth-tester account 2
FLAGS = np.array([1, 3, 0, 1, 2, 1, 3, 0])  # purpose 0: rows 0, 1, 3, 5, 6 consent; purpose 1: rows 1, 4, 6
SALT = 0x1234567890ABCDEF  # fixed, so that every test sees the same commitments


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")


def dataset(flags: bool = True, kind: str = "logreg", seed: int = 5) -> Dataset:
    """8 records: a distinct id column (0.25 .. 2), one measurement, a binary label (or a real target), flags.

    The label follows the measurement's sign on the records that consented to purpose 0 and
    the opposite on the others (rows 2, 4, 7), so that leaving them out changes the model.
    """
    ids = np.arange(1, 9) << (F - 2)
    a = np.array([43, -78, -123, 78, -8, 60, -33, 55]) + (seed - 5)
    if kind == "linreg":
        y = a // 2 + np.random.default_rng(seed).integers(-20, 20, size=8)
    else:
        y = np.where((FLAGS & 1) == 1, a > 0, a <= 0).astype(np.int64) << F  # 5 positives
    return Dataset(np.stack([ids, a], axis=1), y, F, V, ("id", "a"), "y", flags=FLAGS if flags else None)


def prove_and_verify(statement, opening) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = Prover(KeyStore()).prove(statement, opening)
    return verify_statement(statement, bundle.proof, trusted_key(statement, KeyStore(setup_missing=False)))


def forged_witness(statement, opening, private: dict | None = None, **public):
    """The statement's circuit solved as a cheater would: its opening (``private`` overrides
    input blocks), the claimed public values (``public`` overrides them), range-check hints
    filling in bits instead of refusing.  Returns (r1cs, witness)."""
    circuit = compile(statement.spec)
    inputs = dict(statement.witness_inputs(opening))
    inputs.update(private or {})
    inputs.update(statement.public_values())
    inputs.update(public)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bits, "require_unsigned_array", lambda *args: None)
        mp.setattr(bits, "require_signed_array", lambda *args: None)
        return circuit.r1cs, circuit.cs.solve(inputs)


def broken(statement, opening, private: dict | None = None, **public) -> set[str]:
    """Every constraint the forged witness breaks (there must be one: the circuit is unsatisfiable)."""
    from zkanchor.bn254.constants import R

    r1cs, witness = forged_witness(statement, opening, private, **public)
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, witness)
    a, b, c = r1cs.evaluate(witness)
    return {r1cs.name_of(k) or str(k) for k in np.nonzero((a * b - c) % R != 0)[0]}


def named(names: set[str], fragment: str) -> bool:
    return any(fragment in name for name in names)


# -- receipts ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed():
    ds = dataset()
    commitment, salt = commit_dataset(ds, INSTITUTION, SALT)
    return ds, salt, commitment.commitment, make_receipts(ds, salt, INSTITUTION)


def test_every_receipt_verifies_for_its_record(committed):
    ds, salt, c_d, receipts = committed
    assert [r.index for r in receipts] == list(range(ds.n))
    for r in receipts:
        assert check_presence(r) and check_presence(r, c_d) and r.commitment == c_d
        assert Receipt.from_json(r.to_json()) == r
        assert r.leaf == int(dataset_leaves(ds, salt)[r.index])
    assert receipts[1].values()["consent_flags"] == 3 and receipts[1].values()["id"] == 0.5


@pytest.mark.parametrize("change", ["value", "flags", "salt", "index", "sibling", "owner", "commitment",
                                    "other's path"])
def test_a_changed_receipt_verifies_for_no_other_record(committed, change):
    ds, salt, c_d, receipts = committed
    r = receipts[2]
    other_c = commit_dataset(dataset(seed=6), INSTITUTION, SALT)[0].commitment
    forged = {
        "value": lambda: dataclasses.replace(r, row=(r.row[0], r.row[1] + 1, *r.row[2:])),
        "flags": lambda: dataclasses.replace(r, row=(*r.row[:-1], r.row[-1] ^ 1)),  # claim consent never given
        "salt": lambda: dataclasses.replace(r, leaf_salt=r.leaf_salt + 1),
        "index": lambda: dataclasses.replace(r, index=r.index ^ 1),
        "sibling": lambda: dataclasses.replace(r, path=(r.path[0], r.path[1] + 1, *r.path[2:])),
        "owner": lambda: dataclasses.replace(r, owner=OTHER),
        "commitment": lambda: dataclasses.replace(r, commitment=other_c),
        "other's path": lambda: dataclasses.replace(r, path=receipts[5].path),
    }[change]()
    assert not check_presence(forged)  # against the commitment it names
    if change != "commitment":  # (the record itself is in C_D: only the label on it changed)
        assert not check_presence(forged, c_d)
    # and the honest receipt is not a receipt for another dataset
    assert not check_presence(r, other_c)


def test_a_receipt_file_of_another_kind_is_refused():
    for obj in ([], {"kind": "zkanchor-receipt", "version": 2}, {"kind": "erasure", "version": 1}):
        with pytest.raises(FormatError, match="receipt"):
            Receipt.from_json(obj)


# -- erasure ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def erasure(committed):
    ds, salt, c_d, receipts = committed
    requested = (receipts[2].leaf, receipts[5].leaf)
    statement = make_erasure(INSTITUTION, ds, salt, requested)
    return statement, ErasureOpening(ds, salt), receipts


def test_an_honest_erasure_proves_and_the_record_is_absent(erasure, committed):
    statement, opening, receipts = erasure
    ds, salt, c_d, _ = committed
    after = erase(ds, salt, statement.leaves)
    assert statement.before == c_d and statement.after == commit(after, salt, INSTITUTION)
    assert list(after.erased_rows) == [2, 5] and not after.features[[2, 5]].any() and not after.targets[[2, 5]].any()
    leaves_after = [int(v) for v in dataset_leaves(after, salt)]
    assert receipts[2].leaf not in leaves_after and leaves_after[2] == leaves_after[5] == tombstone()
    assert leaves_after[:2] == [r.leaf for r in receipts[:2]]  # every other leaf unchanged
    assert not check_presence(receipts[2], statement.after)  # the old receipt no longer opens C_D'
    statement.check_opening(opening)
    assert failing_constraint(statement, opening) is None
    assert prove_and_verify(statement, opening)
    assert statement_from_json(statement.to_json()) == statement


def _erasure_cheat(ds, salt, listed, after: Dataset) -> ErasureStatement:
    return ErasureStatement(ErasureClaim(ds.n, len(listed)), INSTITUTION, commit(ds, salt, INSTITUTION),
                            commit(after, salt, INSTITUTION), tuple(listed))


def _altered(ds: Dataset, row: int) -> Dataset:
    x = ds.features.copy()
    x[row, 1] += 1
    return Dataset(x, ds.targets, ds.frac_bits, ds.value_bits, ds.feature_names, ds.target_name, flags=ds.flags,
                   erased=ds.erased)


@pytest.mark.parametrize("cheat", ["drops an extra record", "keeps a requested record", "alters another record",
                                   "alters a consent flag", "another owner"])
def test_a_dishonest_erasure_is_refused_by_check_and_circuit(committed, cheat):
    ds, salt, c_d, receipts = committed
    a, b = receipts[2].leaf, receipts[5].leaf
    if cheat == "drops an extra record":
        statement = _erasure_cheat(ds, salt, [a], erase(ds, salt, [a, b]))
    elif cheat == "keeps a requested record":
        statement = _erasure_cheat(ds, salt, [a, b], erase(ds, salt, [a]))
    elif cheat == "alters another record":
        statement = _erasure_cheat(ds, salt, [a], _altered(erase(ds, salt, [a]), 4))
    elif cheat == "alters a consent flag":
        after = erase(ds, salt, [a])
        flags = after.flags.copy()
        flags[4] |= 1  # record 4 never consented to purpose 0
        statement = _erasure_cheat(ds, salt, [a], dataclasses.replace(after, flags=flags))
    else:  # C_D' re-committed for another institution: the commitments are bound to one owner
        after = erase(ds, salt, [a])
        statement = dataclasses.replace(_erasure_cheat(ds, salt, [a], after), after=commit(after, salt, OTHER))
    opening = ErasureOpening(ds, salt)
    with pytest.raises(InputError, match="exactly the requested records removed"):
        statement.check_opening(opening)
    assert failing_constraint(statement, opening) == "C_D_new"
    assert broken(statement, opening) == {"C_D_new"}


def test_an_erasure_witness_cannot_point_a_request_elsewhere(erasure, committed):
    statement, opening, receipts = erasure
    ds, salt, _, _ = committed
    a, b, c = receipts[2].leaf, receipts[5].leaf, receipts[6].leaf
    # Name record 2 but tombstone record 6: the selected leaf is not the named one.
    cheat = _erasure_cheat(ds, salt, [a], erase(ds, salt, [c]))
    select = np.zeros((1, ds.n), dtype=np.int64)
    select[0, 6] = 1
    assert named(broken(cheat, opening, {"select": select}), "L_0")
    # Name one record, tombstone two with one request: each request names exactly one position.
    cheat = _erasure_cheat(ds, salt, [a], erase(ds, salt, [a, c]))
    select[0, 2] = 1
    assert named(broken(cheat, opening, {"select": select}), "select.one")
    # Two requests on one position: the positions must be distinct (and the second leaf is not there).
    two = statement  # names records 2 and 5
    select = np.zeros((2, ds.n), dtype=np.int64)
    select[:, 2] = 1
    names = broken(two, opening, {"select": select})
    assert named(names, "select.distinct") and named(names, "L_1")
    # The honest selection satisfies the same circuit.
    assert failing_constraint(two, opening) is None and b in two.leaves


def test_the_parser_refuses_the_tombstone_and_a_repeated_leaf(erasure, committed):
    statement, opening, receipts = erasure
    ds, salt, _, _ = committed
    a = receipts[2].leaf
    with pytest.raises(InputError, match="never the tombstone"):
        dataclasses.replace(statement, leaves=(a, tombstone()))
    with pytest.raises(InputError, match="twice"):
        dataclasses.replace(statement, leaves=(a, a))
    for leaves in ([str(a), str(tombstone())], [str(a), str(a)]):
        doc = statement.to_json()
        doc["leaves"] = leaves
        doc.pop("public_inputs")
        doc.pop("description")
        with pytest.raises(FormatError):
            statement_from_json(doc)
    # The raw helpers refuse the same requests before anything is written.
    with pytest.raises(InputError, match="no record"):
        erase(ds, salt, [tombstone()])
    with pytest.raises(InputError, match="twice"):
        erase(ds, salt, [a, a])
    with pytest.raises(InputError, match="no record"):
        erase(erase(ds, salt, [a]), salt, [a])  # already erased: its leaf is gone
    with pytest.raises(InputError, match="not in the dataset"):
        dataclasses.replace(statement, leaves=(a, a + 1)).check_opening(opening)
    # A statement whose shown description is not its own is refused (nothing displayed is unbound).
    doc = statement.to_json()
    doc["description"] = doc["description"].replace("2 requested", "20 requested")
    with pytest.raises(FormatError, match="description"):
        statement_from_json(doc)


def test_an_erasure_of_the_trees_padding_is_refused():
    """A 6-record dataset sits in a tree of 8 leaves, the last two 0.  Claiming n = 8 and
    "erasing" padding leaf 0 would remove nothing: the parser refuses a request for leaf 0, and
    the circuit refuses the claimed n (it recomputes the shape digest with the public n)."""
    from zkanchor.commit.commitment import commitment_of_root, dataset_shape_digest
    from zkanchor.merkle import merkle_root

    ds = Dataset(np.arange(12).reshape(6, 2), np.zeros(6, dtype=np.int64), F, V, ("a", "b"), "y")
    padded = [int(v) for v in dataset_leaves(ds, SALT)] + [0, 0]
    after = padded.copy()
    after[6] = tombstone()
    c_new = commitment_of_root(merkle_root(after), dataset_shape_digest(ds), INSTITUTION)
    honest = make_erasure(INSTITUTION, ds, SALT, [padded[1]])
    with pytest.raises(InputError, match="never 0"):
        ErasureStatement(ErasureClaim(8, 1), INSTITUTION, honest.before, c_new, (0,))
    doc = honest.to_json()
    doc.update(leaves=["0"], after=str(c_new), spec=ErasureClaim(8, 1).to_json())
    del doc["public_inputs"], doc["description"]
    with pytest.raises(FormatError, match="never 0"):
        statement_from_json(doc)
    # With the parser's checks bypassed, the circuit refuses it by itself: the committed shape
    # says 6 records, and no private shape makes a digest with n = 8 equal it.
    from zkanchor.commit.commitment import schema_digest

    cheat = object.__new__(ErasureStatement)
    for name, value in (("spec", ErasureClaim(8, 1)), ("institution", INSTITUTION), ("before", honest.before),
                        ("after", c_new), ("leaves", (0,))):
        object.__setattr__(cheat, name, value)
    circuit = compile(cheat.spec)
    select = np.zeros((1, 8), dtype=np.int64)
    select[0, 6] = 1
    rest = np.array([ds.d, ds.frac_bits, ds.value_bits, schema_digest(ds.feature_names, ds.target_name)], dtype=object)
    witness = circuit.cs.solve({"leaves": np.array(padded, dtype=object), "select": select, "shape_rest": rest,
                                **cheat.public_values()})
    with pytest.raises(UnsatisfiedConstraint):
        check(circuit.r1cs, witness)
    a, b, c = circuit.r1cs.evaluate(witness)
    from zkanchor.bn254.constants import R

    failing = {circuit.r1cs.name_of(k) for k in np.nonzero((a * b - c) % R != 0)[0]}
    assert named(failing, "C_D") and named(failing, "C_D_new")
    # The honest 6-record erasure satisfies the same kind of circuit.
    assert failing_constraint(honest, ErasureOpening(ds, SALT)) is None


# -- consent ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linreg", "logreg", "mlp"])
@pytest.mark.parametrize("purpose", [0, 1])
def test_masked_training_equals_training_on_the_consenting_records_alone(kind, purpose):
    ds = dataset(kind="linreg" if kind == "linreg" else "logreg")
    spec = spec_for(kind, ds, 2, 0.5, purpose=purpose, hidden=2 if kind == "mlp" else 0)
    model = train_model(spec, ds)
    consenting = (FLAGS >> purpose) & 1 == 1
    assert list(training_mask(spec, ds)) == list(consenting.astype(int))
    module = model_module(kind)
    w0 = np.asarray(model.initial, dtype=object)
    # The same procedure (same per-record learning rate lr_num / 2^lr_shift) on the consenting rows only.
    alone = dataclasses.replace(spec, n=int(consenting.sum()), flags=False, purpose=-1)
    expected = module.train(alone, ds.features[consenting], ds.targets[consenting], w0)
    assert [int(v) for v in model.final] == [int(v) for v in expected]
    masked = module.train(spec, ds.features, ds.targets, w0, mask=consenting.astype(np.int64))
    assert [int(v) for v in masked] == [int(v) for v in expected]
    # Whatever the non-consenting rows hold, the model is the same.
    x, y = ds.features.copy(), ds.targets.copy()
    x[~consenting] = x[~consenting][::-1] + 3
    y[~consenting] = (1 << F) - y[~consenting] if kind != "linreg" else y[~consenting] + 7
    other = Dataset(x, y, F, V, ds.feature_names, ds.target_name, flags=FLAGS)
    assert train_model(spec, other).final == model.final
    if kind == "logreg":  # and those rows would have mattered without the mask
        unmasked = module.train(dataclasses.replace(spec, purpose=-1), ds.features, ds.targets, w0)
        assert [int(v) for v in unmasked] != [int(v) for v in expected]


@pytest.fixture(scope="module")
def consent_statement(committed):
    ds, salt, c_d, _ = committed
    spec = spec_for("logreg", ds, 2, 0.5, purpose=0)
    opening = TrainingOpening(ds, salt, train_model(spec, ds))
    return make_statement(TrainingClaim(spec), INSTITUTION, opening), opening


def test_the_excluded_public_input_is_the_count_of_non_consenting_records(consent_statement, committed):
    statement, opening = consent_statement
    expected = int(np.sum(FLAGS & 1 == 0))
    assert expected == 3 and statement.excluded == expected
    circuit = compile(statement.spec)
    names = statement.spec.public_names()
    assert names[:6] == ["institution", "C_D", "C_W0", "C_W", "digest", "excluded"]
    witness = circuit.witness(statement, opening)
    assert int(witness[1 + names.index("excluded")]) == expected  # wire 0 is the constant 1
    assert statement.public_inputs()[5] == expected and statement.dataset_commitment == committed[2]
    assert "3 of the 8 records, which had not consented to purpose 0" in statement.describe()
    statement.check_opening(opening)
    assert failing_constraint(statement, opening) is None


@pytest.mark.parametrize("claimed", [0, 2, 4, 8])
def test_another_excluded_count_is_unsatisfiable(consent_statement, claimed):
    statement, opening = consent_statement
    cheat = dataclasses.replace(statement, excluded=claimed)
    with pytest.raises(InputError, match=f"3 records are left out of training, not the {claimed} claimed"):
        cheat.check_opening(opening)
    assert failing_constraint(cheat, opening) == "excluded"
    assert broken(cheat, opening) == {"excluded"}


def test_a_masked_training_proof_verifies_and_refuses_another_count(consent_statement):
    statement, opening = consent_statement
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = Prover(KeyStore()).prove(statement, opening)
    key = trusted_key(statement, KeyStore(setup_missing=False))
    assert verify_statement(statement, bundle.proof, key)
    assert not verify_statement(dataclasses.replace(statement, excluded=2), bundle.proof, key)
    assert statement_from_json(statement.to_json()) == statement


@pytest.mark.parametrize("row", [2, 3])
def test_a_flipped_consent_flag_does_not_open_C_D(consent_statement, row):
    statement, opening = consent_statement
    flags = FLAGS.copy()
    flags[row] ^= 1  # row 2 claims a consent it never gave; row 3 loses one it gave
    flipped = dataclasses.replace(opening.dataset, flags=flags)
    spec = statement.spec.training
    cheat_opening = TrainingOpening(flipped, opening.salt, train_model(spec, flipped))
    cheat = dataclasses.replace(statement, final_weights_commitment=make_statement(
        statement.spec, INSTITUTION, cheat_opening).final_weights_commitment, excluded=3 - (1 if row == 2 else -1))
    with pytest.raises(InputError, match="do not open C_D"):
        cheat.check_opening(cheat_opening)
    assert failing_constraint(cheat, cheat_opening) == "C_D"
    assert broken(cheat, cheat_opening) == {"C_D"}


def test_a_consent_purpose_needs_flags_and_matching_data():
    with pytest.raises(InputError, match="consent flags"):
        spec_for("logreg", dataset(flags=False), 1, 0.5, purpose=0)
    with pytest.raises(InputError, match="flag bit"):
        spec_for("logreg", dataset(), 1, 0.5, purpose=8)
    spec = spec_for("logreg", dataset(flags=False), 1, 0.5)
    ds = dataset()
    opening = TrainingOpening(ds, SALT, train_model(spec_for("logreg", ds, 1, 0.5), ds))
    with pytest.raises(InputError, match="consent flags"):
        make_statement(TrainingClaim(spec), INSTITUTION, opening).check_opening(opening)
    with pytest.raises(InputError, match="optimality"):
        TrainingClaim(spec_for("logreg", ds, 1, 0.5, purpose=0), optimality=True)


# -- training after an erasure ------------------------------------------------------------


@pytest.fixture(scope="module")
def erased(committed):
    ds, salt, _, receipts = committed
    after = erase(ds, salt, [receipts[2].leaf, receipts[5].leaf])
    return ds, after, salt


def test_erased_records_influence_nothing(erased):
    before, after, salt = erased
    live = np.ones(8, dtype=bool)
    live[[2, 5]] = False
    spec = spec_for("logreg", after, 2, 0.5)
    assert spec.tombstones and spec.masked and list(training_mask(spec, after)) == list(live.astype(int))
    model = train_model(spec, after)
    module = model_module("logreg")
    alone = dataclasses.replace(spec, n=6, flags=False, tombstones=False)
    expected = module.train(alone, before.features[live], before.targets[live], np.asarray(model.initial))
    assert [int(v) for v in model.final] == [int(v) for v in expected]
    # The same spec on the data before the erasure (nothing tombstoned yet) is another model:
    # the erased records did influence it, and no longer do.
    assert train_model(spec, before).final != model.final
    # Their data is gone: zeros, and their flags too.
    assert not after.features[~live].any() and not after.targets[~live].any() and not after.flags[~live].any()
    # With consent on top, both kinds of left-out records are counted.
    both = spec_for("logreg", after, 2, 0.5, purpose=0)
    assert int(8 - training_mask(both, after).sum()) == 4  # rows 2, 5 erased; 2, 4, 7 without consent


def test_training_over_C_D_prime_proves_with_tombstones(erased):
    _, after, salt = erased
    spec = spec_for("logreg", after, 2, 0.5, purpose=0)
    opening = TrainingOpening(after, salt, train_model(spec, after))
    statement = make_statement(TrainingClaim(spec), INSTITUTION, opening)
    assert statement.dataset_commitment == commit(after, salt, INSTITUTION) and statement.excluded == 4
    assert "had not consented to purpose 0 or were erased" in statement.describe()
    statement.check_opening(opening)
    assert prove_and_verify(statement, opening)
    # The erased marks cannot move: marking a live record erased (and un-marking an erased one)
    # changes the leaves, so the data no longer opens C_D'.
    marks = after.erased.astype(np.int64).copy()
    marks[[2, 3]] = marks[[3, 2]]
    assert named(broken(statement, opening, {"erased": marks}), "C_D")


def test_training_over_C_D_prime_without_tombstones_is_refused(erased):
    _, after, salt = erased
    spec = spec_for("logreg", after, 2, 0.5, tombstones=False)
    assert not spec.tombstones and not spec.masked
    model = train_model(spec, after)
    opening = TrainingOpening(after, salt, model)
    statement = make_statement(TrainingClaim(spec), INSTITUTION, opening)
    assert statement.dataset_commitment == commit(after, salt, INSTITUTION)
    with pytest.raises(InputError, match="erased records"):
        statement.check_opening(opening)
    with pytest.raises(InputError, match="erased records"):
        Prover(KeyStore()).prove(statement, opening)
    # In the circuit: the erased rows hold zeros, and a row of zeros hashes to a leaf, never to the
    # tombstone, so no witness opens C_D' without the tombstone gate.
    unmarked = Dataset(after.features, after.targets, F, V, after.feature_names, after.target_name, flags=after.flags)
    cheat_opening = TrainingOpening(unmarked, salt, model)
    assert failing_constraint(statement, cheat_opening) == "C_D"
    assert named(broken(statement, cheat_opening), "C_D")


# -- validity ---------------------------------------------------------------------------


SCHEMA = dict(bounds={"a": (-2.0, 2.0), "id": (0.25, 2.0)}, labels=(0, 1), min_records=6, positive=1,
              min_positive=2, max_positive=6, key_column="id")


def validity(ds: Dataset, salt: int = SALT):
    claim = claim_for(dataset(), **SCHEMA)  # the schema is fixed by the honest data's shape
    return ValidityStatement(claim, INSTITUTION, commit(ds, salt, INSTITUTION)), ValidityOpening(ds, salt)


def _with(ds: Dataset, row: int, column: int | None, value: int) -> Dataset:
    x, y = ds.features.copy(), ds.targets.copy()
    if column is None:
        y[row] = value
    else:
        x[row, column] = value
    return Dataset(x, y, F, V, ds.feature_names, ds.target_name, flags=ds.flags)


def test_a_valid_dataset_proves_valid():
    statement, opening = validity(dataset())
    statement.check_opening(opening)
    assert failing_constraint(statement, opening) is None
    assert prove_and_verify(statement, opening)
    described = statement.describe()
    for text in ("8 records (at least 6)", "a in [-2, 2]", "labels in {0, 1}", "between 2 and 6 records labelled 1",
                 "no two records share a id"):
        assert text in described


VIOLATIONS = {
    # rule: (row, column (None: the label), value, check_opening's sentence, the circuit's constraint)
    "lower bound": (3, 1, -(2 << F) - 1, "record 3's a is -2.00391, outside", "a >= -512"),
    "upper bound": (3, 1, (2 << F) + 1, "record 3's a is 2.00391, outside", "a <= 512"),
    "key lower bound": (0, 0, 0, "record 0's id is 0, outside", "id >= 64"),
    "label domain": (4, None, 1 << (F - 1), "record 4's label 0.5 is not an allowed label", "label domain"),
    "duplicate keys": (7, 0, 1 << F, "share the id 1", "sorted keys are distinct"),
}


@pytest.mark.parametrize("rule", list(VIOLATIONS))
def test_a_dataset_breaking_its_schema_cannot_be_proven_valid(rule):
    row, column, value, sentence, constraint = VIOLATIONS[rule]
    statement, opening = validity(_with(dataset(), row, column, value))
    with pytest.raises(InputError, match=sentence.replace("(", r"\(")):
        statement.check_opening(opening)
    names = broken(statement, opening)
    assert named(names, constraint), names


@pytest.mark.parametrize("rule", ["min positives", "max positives"])
def test_a_class_balance_outside_its_bounds_cannot_be_proven(rule):
    ds = dataset()
    y = np.zeros(8, dtype=np.int64) if rule == "min positives" else np.full(8, 1 << F, dtype=np.int64)
    y[:1] = (1 << F) - y[:1]  # 1 positive, or 7
    bad = Dataset(ds.features, y, F, V, ds.feature_names, ds.target_name, flags=ds.flags)
    statement, opening = validity(bad)
    count = int(np.sum(y == 1 << F))
    with pytest.raises(InputError, match=f"{count} records are labelled 1, outside the schema's \\[2, 6\\]"):
        statement.check_opening(opening)
    assert named(broken(statement, opening), "positives >= min" if rule == "min positives" else "positives <= max")


def test_duplicate_keys_cannot_hide_behind_other_sorted_keys():
    statement, opening = validity(_with(dataset(), 7, 0, 1 << F))  # ids 1 .. 7 and 1 again
    fake = np.arange(1, 9) << (F - 2)  # distinct, but not the committed keys
    names = broken(statement, opening, {"sorted_keys": fake})
    assert named(names, "keys are the sorted keys") and not named(names, "sorted keys are distinct")


def test_validity_is_about_the_data_as_committed(erased):
    _, after, salt = erased
    statement = ValidityStatement(claim_for(after, **SCHEMA), INSTITUTION, commit(after, salt, INSTITUTION))
    with pytest.raises(InputError, match="without erased records"):
        statement.check_opening(ValidityOpening(after, salt))


def test_an_edited_schema_in_statement_json_is_refused():
    statement, opening = validity(dataset())
    doc = statement.to_json()
    assert statement_from_json(doc) == statement
    edits = {
        "wider bound": lambda s: s["spec"]["bounds"][1].__setitem__(0, s["spec"]["bounds"][1][0] - 100),
        "fewer records": lambda s: s["spec"].__setitem__("min_records", 1),
        "looser balance": lambda s: s["spec"].__setitem__("max_positive", 8),
        "no key column": lambda s: s["spec"].__setitem__("key_column", None),
    }
    for name, edit in edits.items():
        tampered = statement.to_json()
        edit(tampered)
        with pytest.raises(FormatError, match="digest"):
            statement_from_json(tampered)
        # Re-derived consistently, it is another claim: another digest (public input 2) and another circuit.
        del tampered["spec"]["digest"], tampered["public_inputs"], tampered["description"]
        other = statement_from_json(tampered)
        assert other.public_inputs()[2] != statement.public_inputs()[2], name
        if name == "wider bound":  # (the bounds are constants of the circuit: no key of this one fits)
            assert compile(other.spec).hash != compile(statement.spec).hash
    # A value shown in the file but not proven (a float read as an int, a bool as an index) is refused.
    for field, value in (("labels", [0.4, 256]), ("key_column", False), ("flags", "yes"), ("min_records", 6.5)):
        tampered = statement.to_json()
        tampered["spec"][field] = value
        with pytest.raises(FormatError, match="not valid"):
            statement_from_json(tampered)
    tampered = statement.to_json()
    tampered["description"] = tampered["description"].replace("at least 6", "at least 600")
    with pytest.raises(FormatError, match="description"):
        statement_from_json(tampered)


def test_a_schema_must_fit_the_data():
    ds = dataset()
    with pytest.raises(InputError, match="column 'age'"):
        claim_for(ds, bounds={"age": (0, 1)})
    with pytest.raises(InputError, match="key column"):
        claim_for(ds, key_column="a2")
    with pytest.raises(InputError, match="fewer than the schema's minimum"):
        claim_for(ds, min_records=9)
    with pytest.raises(InputError, match="not an allowed label"):
        claim_for(ds, labels=(0, 1), positive=2)
    with pytest.raises(InputError, match="counted label"):
        claim_for(ds, min_positive=3)
