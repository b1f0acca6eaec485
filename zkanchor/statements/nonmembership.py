"""The non-membership statement: a dataset commitment holds none of some named leaves.

Anyone may file an erasure request naming (institution, C_D, leaf).  A request naming a leaf
the dataset never held can never be answered by an erasure proof, so without an answer of
another kind it would turn overdue and make an honest institution look non-compliant.  The
institution refutes it by proving, without showing the data:

    *"C_D, for this owner, holds no record whose leaf is any of L_1 .. L_k."*

Public inputs, in order::

    [0] institution   the owner bound into the commitment
    [1] C_D           the dataset commitment the requests name
    [2 .. k+1]        L_1 .. L_k, the leaves shown absent (the requests name them on chain)

The circuit opens C_D exactly as the erasure circuit does (:mod:`.erasure`): opaque private
leaves, the same Poseidon Merkle tree and the shape digest recomputed in the circuit with the
public n in it (the rest of the shape private), under the same domain tags — so the record
count the statement prints is the committed one, and a proof for another n opens no C_D of
this dataset.  For every record position i and every named leaf j it proves
leaves_i - L_j != 0 by an inverse: (leaves_i - L_j) * inv_ij = 1 (a hint; no value of inv_ij
satisfies it when the difference is 0).  That is n * k constraints besides the tree.

The tree's padding (the zero leaves from n up to the next power of two) is no record and is
not compared; instead the circuit proves L_j != 0 the same way (L_j * inv_j = 1), so no leaf
of the tree — records and padding alike — equals a named leaf.  The parser refuses a request
for 0 and for the tombstone with one sentence: an erased dataset holds tombstones, and a
"request" for the tombstone names no record (the registry refuses to file either).

What a proof means is exactly its C_D: a leaf absent from C_D' (a dataset erased from C_D)
may well have been in C_D — it was erased.  The registry therefore accepts a refutation only
for requests that name the proof's own C_D (not a dataset it descends from by erasure, nor
one it was erased into).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..addresses import format_address, parse_address
from ..bn254.constants import R
from ..commit.commitment import (
    commit, commitment_of_root, dataset_leaves, dataset_shape_digest, shape_rest, tombstone,
)
from ..commit.dataset import Dataset
from ..errors import FormatError, InputError
from ..gadgets.commitment import commitment_of_leaves, opaque_shape
from ..merkle import merkle_root as merkle_root_of
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain
from ..r1cs.builder import ConstraintSystem
from .base import Statement, StatementSpec, check_derived_fields, field_int, require_mapping

KIND = "nonmembership"
VERSION = 1
KIND_TAG = 5  # the registry's circuit kind number, also the spec digest's kind element


def _inverses(values: np.ndarray) -> np.ndarray:
    """Field inverses, 0 for 0 (then no constraint x * inv = 1 holds: the witness breaks it, by name)."""
    flat = [pow(int(v), -1, R) if int(v) % R else 0 for v in np.asarray(values, dtype=object).reshape(-1)]
    return np.array(flat, dtype=object).reshape(np.shape(values))


@dataclass(frozen=True)
class NonMembershipClaim(StatementSpec):
    """The public spec: the dataset's number of records and the number of leaves shown absent."""

    n: int
    requests: int
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        if type(self.n) is not int or self.n < 1:
            raise InputError("a non-membership proof is about a dataset of at least one record")
        if type(self.requests) is not int or self.requests < 1:
            raise InputError("a non-membership proof names at least one leaf")

    def public_names(self) -> list[str]:
        return ["institution", "C_D", *(f"L_{j}" for j in range(self.requests))]

    def field_elements(self) -> list[int]:
        return [VERSION, KIND_TAG, self.n, self.requests]

    def digest(self) -> int:
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.STATEMENT, len(elements)))

    def define(self, cs: ConstraintSystem) -> None:
        n, k = self.n, self.requests
        pub = {name: cs.public(name) for name in self.public_names()}
        leaves = cs.private("leaves", shape=(n,))
        commitment = commitment_of_leaves(cs, leaves, opaque_shape(cs, n), pub["institution"], "C_D")
        cs.assert_equal(commitment, pub["C_D"], "C_D")
        for j in range(k):
            named = pub[f"L_{j}"]
            # L_j != 0: the padding leaves beyond n (all 0) differ from it too.
            inv = cs.hint(_inverses, [named], (), f"L_{j}.nonzero.inv")
            cs.constrain(named, inv, 1, f"L_{j}.nonzero")
            # leaves_i != L_j for every record i.
            diff = leaves - named
            inv = cs.hint(_inverses, [diff], (n,), f"L_{j}.absent.inv")
            cs.constrain(diff, inv, 1, f"L_{j}.absent")

    def describe(self) -> str:
        return f"non-membership of {self.requests} named record{'s' if self.requests != 1 else ''} in a dataset of {self.n}"

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "requests": self.requests, "digest": str(self.digest())}

    @staticmethod
    def from_json(obj: object, what: str = "non-membership spec") -> "NonMembershipClaim":
        spec = require_mapping(obj, what)
        try:
            claim = NonMembershipClaim(spec.get("n"), spec.get("requests"))
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        if "digest" in spec and str(spec["digest"]) != str(claim.digest()):
            raise FormatError(f"the {what}'s digest does not match its fields")
        return claim


@dataclass(frozen=True)
class NonMembershipOpening:
    """The private side: the dataset the commitment opens to, with its salt."""

    dataset: Dataset
    salt: int


@dataclass(frozen=True)
class NonMembershipStatement(Statement):
    """C_D of ``institution`` holds none of ``leaves``."""

    spec: NonMembershipClaim
    institution: int
    commitment: int
    leaves: tuple[int, ...]

    def __post_init__(self) -> None:
        parse_address(self.institution)
        if len(self.leaves) != self.spec.requests:
            raise InputError(f"the statement names {self.spec.requests} leaves, not {len(self.leaves)}")
        for v in (self.commitment, *self.leaves):
            if type(v) is not int or not 0 <= v < R:
                raise InputError("the commitment and every leaf of a non-membership statement must be field elements")
        if len(set(self.leaves)) != len(self.leaves):
            raise InputError("a non-membership statement names each leaf once")
        if tombstone() in self.leaves:
            raise InputError("a request names a record's leaf, never the tombstone (an erased dataset holds it, "
                             "and no record hashes to it)")
        if 0 in self.leaves:
            raise InputError("a request names a record's leaf, never 0 (the tree's padding)")

    def public_values(self) -> dict[str, int]:
        out = {"institution": self.institution, "C_D": self.commitment}
        out.update({f"L_{j}": leaf for j, leaf in enumerate(self.leaves)})
        return out

    def witness_inputs(self, opening: NonMembershipOpening) -> dict[str, Any]:
        d = opening.dataset
        if d.n != self.spec.n:
            raise InputError(f"the dataset has {d.n} records, the non-membership spec {self.spec.n}")
        return {"leaves": dataset_leaves(d, opening.salt), "shape_rest": np.array(shape_rest(d), dtype=object)}

    def check_opening(self, opening: NonMembershipOpening) -> None:
        d = opening.dataset
        if d.n != self.spec.n:
            raise InputError(f"the dataset has {d.n} records, the non-membership spec {self.spec.n}")
        leaves = dataset_leaves(d, opening.salt)
        if commitment_of_root(merkle_root_of(leaves), dataset_shape_digest(d), self.institution) != self.commitment:
            raise InputError("the dataset and salt do not open C_D for this institution")
        index = {int(v): i for i, v in enumerate(leaves)}
        for j, leaf in enumerate(self.leaves):
            if leaf in index:
                raise InputError(f"leaf {j} is record {index[leaf]}'s: the record is in the dataset, so its absence "
                                 "cannot be proven (answer the request with an erasure)")

    def describe(self) -> str:
        k = len(self.leaves)
        where = f"dataset 0x{self.commitment:064x} of {format_address(self.institution)} (n = {self.spec.n})"
        if k == 1:
            return f"the named record is not in {where}"
        return f"none of the {k} named records is in {where}"

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "kind": KIND, "spec": self.spec.to_json(),
                "institution": format_address(self.institution), "commitment": str(self.commitment),
                "leaves": [str(v) for v in self.leaves],
                "public_inputs": [str(v) for v in self.public_inputs()], "description": self.describe()}

    @staticmethod
    def from_json(obj: object, what: str = "statement") -> "NonMembershipStatement":
        s = require_mapping(obj, what)
        if s.get("version") != VERSION or s.get("kind") != KIND:
            raise FormatError(f"the {what} is not a version-{VERSION} non-membership statement")
        spec = NonMembershipClaim.from_json(s.get("spec"), f"{what}'s spec")
        leaves = s.get("leaves")
        if not isinstance(leaves, list):
            raise FormatError(f"the {what}'s leaves must be a list")
        try:
            statement = NonMembershipStatement(spec, parse_address(s.get("institution")),
                                               field_int(s.get("commitment"), f"the {what}'s commitment"),
                                               tuple(field_int(v, f"the {what}'s leaf") for v in leaves))
        except InputError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"the {what} is not valid: {exc}") from None
        check_derived_fields(s, statement, what)
        return statement


def make_nonmembership(institution: int, dataset: Dataset, salt: int, leaves: Sequence[int]) -> NonMembershipStatement:
    """The statement that ``dataset`` (committed with ``salt`` for ``institution``) holds none of ``leaves``.

    It is not checked here: :meth:`NonMembershipStatement.check_opening` (which the prover runs)
    refuses a leaf the dataset holds.
    """
    return NonMembershipStatement(NonMembershipClaim(dataset.n, len(leaves)), institution,
                                  commit(dataset, salt, institution), tuple(int(v) for v in leaves))
