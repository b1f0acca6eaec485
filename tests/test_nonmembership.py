"""The non-membership statement: "C_D, for this owner, holds no record with any of the named leaves".

It refutes an erasure request for a record the dataset never held.  Every cheat is BUILT and
seen refused twice: by ``check_opening`` (one sentence) and by the compiled circuit solved as a
cheater would (the parser's and the prover's checks bypassed), unsatisfiable at a named
constraint — a leaf the dataset holds, another n (padding leaves counted as records, or records
dropped), another owner, a zero or tombstone leaf.  A proof about the erased dataset C_D' (true:
the erased record is gone from it) is refused on chain as a refutation of a request filed
against C_D.  Datasets are tiny (8 rows), keys go to a temporary cache (ZKANCHOR_CACHE).
"""

from __future__ import annotations

import dataclasses
import shutil
import warnings

import numpy as np
import pytest

from zkanchor.bn254.constants import R
from zkanchor.commit.commitment import (
    commit, commitment_of_root, dataset_leaves, dataset_shape_digest, schema_digest, tombstone,
)
from zkanchor.commit.dataset import Dataset
from zkanchor.errors import FormatError, InputError, UnsatisfiedConstraint
from zkanchor.merkle import merkle_root
from zkanchor.paths import node_modules_dir
from zkanchor.proofs import KeyStore, Prover, trusted_key, verify_statement
from zkanchor.r1cs import check
from zkanchor.simulator.proving import failing_constraint
from zkanchor.statements import (
    NonMembershipClaim,
    NonMembershipOpening,
    NonMembershipStatement,
    compile,
    erase,
    make_nonmembership,
    statement_from_json,
)

F, V = 8, 14
INSTITUTION = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF
OTHER = 0x2B5AD5C4795C026514F8317C7A215E218DCCD6CF
SALT = 0x5EED_ABCD
BOGUS = 0x1234_5678_9ABC_DEF0  # no record's leaf: what a bogus request names


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")


def dataset(n: int = 8) -> Dataset:
    x = np.stack([np.arange(1, n + 1) << 4, (np.arange(n) * 37 % 19) - 9], axis=1)
    return Dataset(x, (np.arange(n) % 2) << F, F, V, ("id", "a"), "y")


def leaf(ds: Dataset, row: int, salt: int = SALT) -> int:
    return int(dataset_leaves(ds, salt)[row])


def raw_statement(spec: NonMembershipClaim, institution: int, commitment: int, leaves: tuple) -> NonMembershipStatement:
    """A statement built past the parser's checks (what a cheater hands the circuit)."""
    cheat = object.__new__(NonMembershipStatement)
    for name, value in (("spec", spec), ("institution", institution), ("commitment", commitment), ("leaves", leaves)):
        object.__setattr__(cheat, name, value)
    return cheat


def solve(statement, leaves, rest) -> set[str]:
    """Every constraint broken when the circuit is solved with these private blocks and the
    statement's public values (nothing of zkanchor's own checks runs); fails if none is."""
    circuit = compile(statement.spec)
    witness = circuit.cs.solve({"leaves": np.array(leaves, dtype=object), "shape_rest": np.array(rest, dtype=object),
                                **statement.public_values()})
    with pytest.raises(UnsatisfiedConstraint):
        check(circuit.r1cs, witness)
    a, b, c = circuit.r1cs.evaluate(witness)
    return {circuit.r1cs.name_of(k) or str(k) for k in np.nonzero((a * b - c) % R != 0)[0]}


def shape_rest(ds: Dataset) -> list[int]:
    return [ds.d, ds.frac_bits, ds.value_bits, schema_digest(ds.feature_names, ds.target_name)]


def prove_and_verify(statement, opening) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = Prover(KeyStore()).prove(statement, opening)
    return verify_statement(statement, bundle.proof, trusted_key(statement, KeyStore(setup_missing=False)))


# -- the honest statement ------------------------------------------------------------------


def test_an_absent_leaf_is_proven_absent():
    ds = dataset()
    st = make_nonmembership(INSTITUTION, ds, SALT, [BOGUS])
    opening = NonMembershipOpening(ds, SALT)
    assert st.commitment == commit(ds, SALT, INSTITUTION)
    assert st.public_inputs() == [INSTITUTION, st.commitment, BOGUS]
    assert st.spec.public_names() == ["institution", "C_D", "L_0"]
    st.check_opening(opening)
    assert failing_constraint(st, opening) is None
    assert prove_and_verify(st, opening)
    assert statement_from_json(st.to_json()) == st
    assert st.describe() == (f"the named record is not in dataset 0x{st.commitment:064x} of "
                             "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf (n = 8)")
    two = make_nonmembership(INSTITUTION, ds, SALT, [BOGUS, BOGUS + 1])
    assert two.describe().startswith("none of the 2 named records is in dataset 0x")
    assert two.describe().endswith("(n = 8)") and failing_constraint(two, opening) is None
    assert two.spec.describe() == "non-membership of 2 named records in a dataset of 8"
    # Cost: the tree and the shape as in the erasure circuit, plus n + 1 constraints per named leaf.
    assert compile(two.spec).constraints - compile(st.spec).constraints == ds.n + 1


def test_a_present_leaf_cannot_be_proven_absent():
    ds = dataset()
    opening = NonMembershipOpening(ds, SALT)
    present = leaf(ds, 5)
    st = make_nonmembership(INSTITUTION, ds, SALT, [BOGUS, present])  # the parser does not know the data
    with pytest.raises(InputError, match="leaf 1 is record 5's: the record is in the dataset"):
        st.check_opening(opening)
    with pytest.raises(InputError, match="record is in the dataset"):
        Prover(KeyStore()).prove(st, opening)
    # The prover's check bypassed: the circuit breaks exactly at the named leaf and position.
    assert failing_constraint(st, opening) == "L_1.absent[5]"
    names = solve(st, dataset_leaves(ds, SALT), shape_rest(ds))
    assert names == {"L_1.absent[5]"}
    # No inverse helps: the constraint is (leaves_5 - L_1) * inv = 1 and its left side is 0.
    circuit = compile(st.spec)
    full = circuit.cs.solve({**st.witness_inputs(opening), **st.public_values()})
    a, b, c = circuit.r1cs.evaluate(full)
    [row] = [k for k in range(circuit.r1cs.n_constraints) if circuit.r1cs.name_of(k) == "L_1.absent[5]"]
    assert (a[row] % R, c[row] % R) == (0, 1)


# -- parser refusals: 0, the tombstone, a repeated leaf ----------------------------------------


def test_the_parser_refuses_zero_the_tombstone_and_repeats():
    ds = dataset()
    st = make_nonmembership(INSTITUTION, ds, SALT, [BOGUS])
    for leaves, message in (((0,), "never 0 \\(the tree's padding\\)"), ((tombstone(),), "never the tombstone"),
                            ((BOGUS, BOGUS), "each leaf once"), ((R,), "field elements")):
        with pytest.raises(InputError, match=message):
            NonMembershipStatement(NonMembershipClaim(8, len(leaves)), INSTITUTION, st.commitment, leaves)
        doc = st.to_json()
        doc.update(leaves=[str(v) for v in leaves], spec=NonMembershipClaim(8, len(leaves)).to_json())
        del doc["public_inputs"], doc["description"]
        with pytest.raises(FormatError, match=message):
            statement_from_json(doc)
    for bad in (0, -1, True):
        with pytest.raises(InputError):
            NonMembershipClaim(8, bad)
    # Edited derived fields are refused: the description, the public inputs, the spec digest.
    doc = st.to_json()
    doc["description"] = doc["description"].replace("(n = 8)", "(n = 80)")
    with pytest.raises(FormatError, match="description"):
        statement_from_json(doc)
    doc = st.to_json()
    doc["public_inputs"][2] = str(BOGUS + 1)
    with pytest.raises(FormatError, match="public_inputs"):
        statement_from_json(doc)
    doc = st.to_json()
    doc["spec"]["n"] = 9
    with pytest.raises(FormatError, match="digest"):
        statement_from_json(doc)


def test_zero_and_the_tombstone_break_the_circuit_too():
    """Past the parser: L = 0 is refused by the circuit itself (so the padding leaves beyond n, all 0, differ from
    every named leaf), and an erased dataset holds the tombstone, so "it is absent" is unsatisfiable there."""
    ds = dataset(6)  # 6 records in a tree of 8: two zero padding leaves
    c_d = commit(ds, SALT, INSTITUTION)
    cheat = raw_statement(NonMembershipClaim(6, 1), INSTITUTION, c_d, (0,))
    assert solve(cheat, dataset_leaves(ds, SALT), shape_rest(ds)) == {"L_0.nonzero"}
    erased = erase(ds, SALT, [leaf(ds, 2)])
    c_erased = commit(erased, SALT, INSTITUTION)
    cheat = raw_statement(NonMembershipClaim(6, 1), INSTITUTION, c_erased, (tombstone(),))
    assert solve(cheat, dataset_leaves(erased, SALT), shape_rest(erased)) == {"L_0.absent[2]"}


# -- another n, another owner -------------------------------------------------------------------


def test_another_n_opens_no_commitment_of_the_dataset():
    ds = dataset(6)
    c_d = commit(ds, SALT, INSTITUTION)
    leaves = [int(v) for v in dataset_leaves(ds, SALT)]
    present = leaves[5]
    honest = make_nonmembership(INSTITUTION, ds, SALT, [BOGUS])
    assert failing_constraint(honest, NonMembershipOpening(ds, SALT)) is None
    # Claimed n = 8: the padding leaves as "records" (the tree is the same, the shape digest is not).
    assert merkle_root(leaves + [0, 0]) == merkle_root(leaves)
    cheat = raw_statement(NonMembershipClaim(8, 1), INSTITUTION, c_d, (BOGUS,))
    assert solve(cheat, leaves + [0, 0], shape_rest(ds)) == {"C_D"}
    # Claimed n = 4: records 4 and 5 dropped, so that record 5's leaf "is absent".
    cheat = raw_statement(NonMembershipClaim(4, 1), INSTITUTION, c_d, (present,))
    assert solve(cheat, leaves[:4], shape_rest(ds)) == {"C_D"}
    with pytest.raises(InputError, match="the dataset has 6 records, the non-membership spec 4"):
        cheat.check_opening(NonMembershipOpening(ds, SALT))
    with pytest.raises(InputError, match="6 records"):
        cheat.witness_inputs(NonMembershipOpening(ds, SALT))


def test_another_owner_opens_no_commitment_of_the_dataset():
    ds = dataset()
    c_d = commit(ds, SALT, INSTITUTION)
    cheat = NonMembershipStatement(NonMembershipClaim(8, 1), OTHER, c_d, (BOGUS,))
    with pytest.raises(InputError, match="do not open C_D for this institution"):
        cheat.check_opening(NonMembershipOpening(ds, SALT))
    assert failing_constraint(cheat, NonMembershipOpening(ds, SALT)) == "C_D"
    # Nor does another salt (another dataset, as far as the commitment goes).
    with pytest.raises(InputError, match="do not open C_D"):
        make_nonmembership(INSTITUTION, ds, SALT, [BOGUS]).check_opening(NonMembershipOpening(ds, SALT + 1))


def test_absence_from_the_erased_dataset_is_absence_from_it_only():
    """C_D' (record 2 erased) truly lacks record 2's leaf: that proves, but it is a statement about C_D'; the same
    absence claimed for C_D is refused by the check and the circuit."""
    ds = dataset()
    gone = leaf(ds, 2)
    erased = erase(ds, SALT, [gone])
    after = make_nonmembership(INSTITUTION, erased, SALT, [gone])
    assert after.commitment == commit(erased, SALT, INSTITUTION) != commit(ds, SALT, INSTITUTION)
    assert failing_constraint(after, NonMembershipOpening(erased, SALT)) is None
    before = make_nonmembership(INSTITUTION, ds, SALT, [gone])
    with pytest.raises(InputError, match="record 2's"):
        before.check_opening(NonMembershipOpening(ds, SALT))
    assert failing_constraint(before, NonMembershipOpening(ds, SALT)) == "L_0.absent[2]"
    # The erased dataset's leaves under C_D's commitment do not open it.
    cheat = dataclasses.replace(after, commitment=before.commitment)
    assert failing_constraint(cheat, NonMembershipOpening(erased, SALT)) == "C_D"
    assert commitment_of_root(merkle_root(dataset_leaves(erased, SALT)), dataset_shape_digest(erased),
                              INSTITUTION) == after.commitment


# -- on chain: a proof about C_D' refutes no request filed against C_D ------------------------------

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")
def test_absence_from_C_D_prime_refutes_no_request_against_C_D(tmp_path):
    from zkanchor.anchor.errors import RegistryError
    from zkanchor.anchor.registry import deploy_registry
    from zkanchor.chain import connect
    from zkanchor.solidity.onchain import deploy_verifier
    from zkanchor.statements.base import circuit_hash_of

    chain = connect()
    admin, alice, subject = chain.accounts[0], chain.accounts[1], chain.accounts[5]
    ds = dataset()
    gone = leaf(ds, 2)
    erased = erase(ds, SALT, [gone])
    who = int(alice, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prover = Prover(KeyStore(cache=tmp_path / "keys", seed="zkanchor tests/test_nonmembership.py"))
        after = prover.prove(make_nonmembership(who, erased, SALT, [gone]), NonMembershipOpening(erased, SALT))
        bogus = prover.prove(make_nonmembership(who, ds, SALT, [BOGUS]), NonMembershipOpening(ds, SALT))
    c_d, c_d1 = commit(ds, SALT, who), after.statement.commitment
    registry = deploy_registry(chain, sender=admin, erasure_deadline=5)
    registry.register_institution(alice, "St. Mary's", sender=admin)
    spec = after.statement.spec
    registry.register_circuit("absent-8x1", deploy_verifier(chain, after.vk).address, 3, "nonmembership",
                              circuit_hash_of(spec).hash, spec.digest(), sender=admin)
    registry.anchor_dataset(c_d, sender=alice)
    registry.anchor_dataset(c_d1, sender=alice)  # as if anchored by the erasure (the refusal does not depend on it)
    against_c_d = registry.request_erasure(alice, c_d, gone, sender=subject).value
    with pytest.raises(RegistryError) as refused:
        registry.refute_erasure("absent-8x1", after.proof, after.public_inputs(), [against_c_d], sender=alice)
    assert refused.value.error == "ErasureRequestOtherDataset" and refused.value.detail == f"{against_c_d}, {c_d}"
    # The same proof does refute a request filed against C_D' itself (the record is gone from it) ...
    against_c_d1 = registry.request_erasure(alice, c_d1, gone, sender=subject).value
    registry.refute_erasure("absent-8x1", after.proof, after.public_inputs(), [against_c_d1], sender=alice)
    assert registry.erasure_request(against_c_d1).status == "refuted"
    # ... and a bogus request against C_D is refuted by a proof about C_D.
    bogus_id = registry.request_erasure(alice, c_d, BOGUS, sender=subject).value
    tx = registry.refute_erasure("absent-8x1", bogus.proof, bogus.public_inputs(), [bogus_id], sender=alice)
    assert registry.erasure_request(bogus_id).refuted_block == tx.block_number
    assert registry.erasure_request(against_c_d).status == "pending"
