"""The erasure statement: a new dataset commitment is the old one with exactly the requested records removed.

A data subject files an erasure request naming their record's *leaf* (which their
receipt holds; it reveals nothing about the record).  The institution answers by
tombstoning those records — their leaves become the tombstone, their values are deleted
— and proves:

    *"C_D' is C_D with the leaves L_1 .. L_k replaced by the tombstone, every other leaf
    unchanged, for the same owner and shape."*

Public inputs, in order::

    [0] institution   the owner bound into both commitments
    [1] C_D           the dataset commitment before the erasure
    [2] C_D'          the dataset commitment after it
    [3 .. k+2]        L_1 .. L_k, the requested leaves (the requests name them on chain)

The circuit opens both commitments over the same private leaves and shape, and the
shape's digest is recomputed in the circuit with the public n in it (the rest of the shape
— width, fixed point, schema — stays private), so the record count the statement prints is
the committed one: a dataset of 6 cannot be presented as one of 8 whose padding leaves are
"erased".  Each L_j is
found at one position (a one-hot selector, proven), the positions are distinct, and the
new leaves are the old ones with exactly those positions tombstoned.  It never rehashes
a record: leaves are opaque, so its cost is two Merkle trees over n leaves and k·n
selector constraints — independent of the records' width.

What the chain can and cannot show: the proof shows the new commitment no longer
contains the record and that a retrained model was proven over the new commitment; it
cannot show that the raw data was deleted from the institution's disks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..addresses import format_address, parse_address
from ..bn254.constants import R
from ..commit.commitment import commitment_of_root, dataset_leaves, dataset_shape_digest, shape_rest, tombstone
from ..commit.dataset import Dataset
from ..errors import FormatError, InputError
from ..gadgets.commitment import commitment_of_leaves, opaque_shape
from ..merkle import merkle_root as merkle_root_of
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain
from ..r1cs.builder import ConstraintSystem
from .base import Statement, StatementSpec, check_derived_fields, field_int, require_mapping

KIND = "erasure"
VERSION = 2  # 2: n bound through the shape digest


@dataclass(frozen=True)
class ErasureClaim(StatementSpec):
    """The public spec: the dataset's number of records and the number of requests answered."""

    n: int
    requests: int
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        if type(self.n) is not int or self.n < 1:
            raise InputError("an erasure needs a dataset of at least one record")
        if type(self.requests) is not int or not 1 <= self.requests <= self.n:
            raise InputError(f"an erasure answers between 1 and {self.n} requests")

    def public_names(self) -> list[str]:
        return ["institution", "C_D", "C_D_new", *(f"L_{j}" for j in range(self.requests))]

    def field_elements(self) -> list[int]:
        return [VERSION, 3, self.n, self.requests]

    def digest(self) -> int:
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.STATEMENT, len(elements)))

    def define(self, cs: ConstraintSystem) -> None:
        n, k = self.n, self.requests
        pub = {name: cs.public(name) for name in self.public_names()}
        leaves = cs.private("leaves", shape=(n,))
        shape = opaque_shape(cs, n)
        select = cs.private("select", shape=(k, n))
        cs.assert_bool(select, "select.bool")
        cs.assert_equal(select.sum(axis=1), 1, "select.one")  # each request names exactly one position
        hit = select.sum(axis=0)
        cs.assert_bool(hit, "select.distinct")  # no position is named twice
        requested = cs.mul(select, leaves.expand_dims(0), "select.leaf").sum(axis=1)
        for j in range(k):
            cs.assert_equal(requested[j], pub[f"L_{j}"], f"L_{j}")
        new_leaves = leaves + cs.mul(hit, tombstone() - leaves, "tombstone")
        for which, block in (("C_D", leaves), ("C_D_new", new_leaves)):
            cs.assert_equal(commitment_of_leaves(cs, block, shape, pub["institution"], which), pub[which], which)

    def describe(self) -> str:
        return (f"erasure of {self.requests} requested record{'s' if self.requests != 1 else ''} "
                f"from a dataset of {self.n}")

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "requests": self.requests, "digest": str(self.digest())}

    @staticmethod
    def from_json(obj: object, what: str = "erasure spec") -> "ErasureClaim":
        spec = require_mapping(obj, what)
        try:
            claim = ErasureClaim(spec.get("n"), spec.get("requests"))
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        if "digest" in spec and str(spec["digest"]) != str(claim.digest()):
            raise FormatError(f"the {what}'s digest does not match its fields")
        return claim


@dataclass(frozen=True)
class ErasureOpening:
    """The private side: the dataset before the erasure (with its salt); positions follow from the leaves."""

    before: Dataset
    salt: int


@dataclass(frozen=True)
class ErasureStatement(Statement):
    """One erasure: the old and new commitments and the requested leaves."""

    spec: ErasureClaim
    institution: int
    before: int
    after: int
    leaves: tuple[int, ...]

    def __post_init__(self) -> None:
        parse_address(self.institution)
        if len(self.leaves) != self.spec.requests:
            raise InputError(f"the erasure answers {self.spec.requests} requests, not {len(self.leaves)}")
        if len(set(self.leaves)) != len(self.leaves):
            raise InputError("an erasure cannot name one record twice")
        if tombstone() in self.leaves:
            raise InputError("an erasure request names a record's leaf, never the tombstone")
        if 0 in self.leaves:  # a zero leaf only pads the tree: "erasing" it would remove nothing
            raise InputError("an erasure request names a record's leaf, never 0 (the tree's padding)")
        for v in (self.before, self.after, *self.leaves):
            if type(v) is not int or not 0 <= v < R:
                raise InputError("every commitment and leaf of an erasure must be a field element")

    def public_values(self) -> dict[str, int]:
        out = {"institution": self.institution, "C_D": self.before, "C_D_new": self.after}
        out.update({f"L_{j}": leaf for j, leaf in enumerate(self.leaves)})
        return out

    def positions(self, opening: ErasureOpening) -> list[int]:
        """Where each requested leaf sits in the dataset before the erasure (InputError if absent)."""
        leaves = dataset_leaves(opening.before, opening.salt)
        index = {int(v): i for i, v in enumerate(leaves)}
        out = []
        for j, leaf in enumerate(self.leaves):
            if leaf not in index or leaf == tombstone():
                raise InputError(f"request {j} names a record that is not in the dataset")
            out.append(index[leaf])
        return out

    def witness_inputs(self, opening: ErasureOpening) -> dict[str, Any]:
        leaves = dataset_leaves(opening.before, opening.salt)
        select = np.zeros((self.spec.requests, self.spec.n), dtype=np.int64)
        for j, i in enumerate(self.positions(opening)):
            select[j, i] = 1
        return {"leaves": leaves, "shape_rest": np.array(shape_rest(opening.before), dtype=object), "select": select}

    def check_opening(self, opening: ErasureOpening) -> None:
        if opening.before.n != self.spec.n:
            raise InputError(f"the dataset has {opening.before.n} records, the erasure spec {self.spec.n}")
        leaves = dataset_leaves(opening.before, opening.salt)
        shape = dataset_shape_digest(opening.before)
        if commitment_of_root(merkle_root_of(leaves), shape, self.institution) != self.before:
            raise InputError("the dataset and salt do not open C_D for this institution")
        after = leaves.copy()
        after[self.positions(opening)] = tombstone()
        if commitment_of_root(merkle_root_of(after), shape, self.institution) != self.after:
            raise InputError("C_D' is not C_D with exactly the requested records removed")

    def describe(self) -> str:
        return (f"{format_address(self.institution)} removed {len(self.leaves)} requested record{'s' if len(self.leaves) != 1 else ''} from the dataset "
                f"committed in C_D = {self.before}: the new commitment C_D' = {self.after} holds every other record "
                "unchanged and tombstones in their place")

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "kind": KIND, "spec": self.spec.to_json(),
                "institution": format_address(self.institution), "before": str(self.before),
                "after": str(self.after), "leaves": [str(v) for v in self.leaves],
                "public_inputs": [str(v) for v in self.public_inputs()], "description": self.describe()}

    @staticmethod
    def from_json(obj: object, what: str = "statement") -> "ErasureStatement":
        s = require_mapping(obj, what)
        if s.get("version") != VERSION or s.get("kind") != KIND:
            raise FormatError(f"the {what} is not a version-{VERSION} erasure statement")
        spec = ErasureClaim.from_json(s.get("spec"), f"{what}'s spec")
        leaves = s.get("leaves")
        if not isinstance(leaves, list):
            raise FormatError(f"the {what}'s leaves must be a list")
        try:
            statement = ErasureStatement(spec, parse_address(s.get("institution")),
                                         field_int(s.get("before"), f"the {what}'s before"),
                                         field_int(s.get("after"), f"the {what}'s after"),
                                         tuple(field_int(v, f"the {what}'s leaf") for v in leaves))
        except InputError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"the {what} is not valid: {exc}") from None
        check_derived_fields(s, statement, what)
        return statement


def erase(dataset: Dataset, salt: int, leaves: Sequence[int]) -> Dataset:
    """The dataset with the records of ``leaves`` erased: values zeroed, marked erased (their leaves tombstoned)."""
    current = dataset_leaves(dataset, salt)
    index = {int(v): i for i, v in enumerate(current)}
    rows = []
    for leaf in leaves:
        if int(leaf) not in index or int(leaf) == tombstone():
            raise InputError(f"no record of the dataset has the leaf {leaf}")
        if index[int(leaf)] in rows:
            raise InputError(f"the erasure names the record with leaf {leaf} twice")
        rows.append(index[int(leaf)])
    erased = np.zeros(dataset.n, dtype=bool) if dataset.erased is None else dataset.erased.copy()
    erased[rows] = True
    features, targets = dataset.features.copy(), dataset.targets.copy()
    features[erased], targets[erased] = 0, 0
    flags = None if dataset.flags is None else np.where(erased, 0, dataset.flags)
    return Dataset(features, targets, dataset.frac_bits, dataset.value_bits, dataset.feature_names,
                   dataset.target_name, flags=flags, erased=erased, preprocessing=dataset.preprocessing)


def make_erasure(institution: int, before: Dataset, salt: int, leaves: Sequence[int]) -> ErasureStatement:
    """The erasure statement removing ``leaves`` from ``before`` (the new commitment keeps the salt)."""
    from ..commit.commitment import commit

    after = erase(before, salt, leaves)
    return ErasureStatement(ErasureClaim(before.n, len(leaves)), institution, commit(before, salt, institution),
                            commit(after, salt, institution), tuple(int(v) for v in leaves))
