"""The hiding dataset commitment, in Python and as an R1CS gadget (scheme v1).

For a dataset of n rows, each row being d features then the target (signed ints
with |q| < 2^(b-1), b = value_bits):

1. **pack**: each value becomes the unsigned offset u = q + 2^(b-1) in [0, 2^b);
   k = floor(253 / b) offsets go into one field element, the row's first value in the
   lowest bits: e_j = sum_i u_{jk+i} * 2^(i*b).  A row of m = d + 1 values uses
   ceil(m / k) elements, each < 2^253 < R, so packing is injective;
2. **leaf**: the row's elements are hashed with Poseidon: poseidon(e) for up to 16
   elements; beyond that, h = poseidon(e_0..e_15), then h = poseidon([h, next 15]) ...;
3. **root**: the binary Poseidon Merkle tree over the n leaves, padded with 0 leaves
   to a power of two (:mod:`zkanchor.merkle`);
4. **hide**: C = poseidon([root, salt]) with a uniformly random 253-bit salt, so that
   low-entropy data cannot be found by trying candidate data sets against C.

In a circuit, packing is linear and free, but only injective if every offset really
lies in [0, 2^b): the gadget range-checks each value (b constraints each), otherwise
a prover could move 2^b from one value into its neighbour and open the same C to
different data.

Cost of the gadget per row of m = d + 1 values: m * b range-check constraints, one
Poseidon leaf (Poseidon(2) = 213 for one packed element, 261 for three, ...) and about
one Poseidon(2) tree node (240); see :func:`commitment_constraints`.  For 30
features at b = 24 that is 41.3 constraints per committed value, 24 of them range
checks; rows with few values are dominated by the ~500 hashing constraints per row.

C binds the values and their order.  The shape (n, d) is fixed by any circuit that
checks C, and frac_bits is an interpretation recorded next to C in commitment.json.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from zkanchor.commit.dataset import SCHEME, Dataset, DatasetCommitment, check_bit_widths
from zkanchor.errors import InputError
from zkanchor.gadgets.bits import signed_range_check
from zkanchor.merkle import merkle_root, merkle_root_lc
from zkanchor.poseidon.gadget import poseidon_gadget, poseidon_lc
from zkanchor.poseidon.hash import MAX_INPUTS, poseidon
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc

PACK_BITS = 253
SALT_BITS = 253


def values_per_element(value_bits: int) -> int:
    """How many b-bit offsets one field element holds: floor(253 / value_bits)."""
    check_bit_widths(0, value_bits)
    return PACK_BITS // value_bits


def pack_row(row: Sequence[int], value_bits: int) -> list[int]:
    """Pack a row of signed values (|q| < 2^(b-1)) into field elements, first value lowest."""
    k = values_per_element(value_bits)
    half = 1 << (value_bits - 1)
    elements = []
    for start in range(0, len(row), k):
        e = 0
        for i, q in enumerate(row[start:start + k]):
            q = int(q)
            if not -half <= q < half:
                raise InputError(f"value {q} does not fit in {value_bits} signed bits")
            e |= (q + half) << (i * value_bits)
        elements.append(e)
    return elements


def _chunks(elements: Sequence) -> list[list]:
    # The chained-hash schedule shared by Python and the gadget: 16, then 15 at a time.
    if not elements:
        raise InputError("a row must hold at least one value")
    first, rest = list(elements[:MAX_INPUTS]), list(elements[MAX_INPUTS:])
    return [first] + [rest[i:i + MAX_INPUTS - 1] for i in range(0, len(rest), MAX_INPUTS - 1)]


def hash_elements(elements: Sequence[int]) -> int:
    """Poseidon of any number of field elements by chaining (16 first, then 15 per step)."""
    chunks = _chunks(elements)
    h = poseidon(chunks[0])
    for chunk in chunks[1:]:
        h = poseidon([h, *chunk])
    return h


def row_leaf(row: Sequence[int], value_bits: int) -> int:
    """The Merkle leaf of one row (features then target): the hash of its packed elements."""
    return hash_elements(pack_row(row, value_bits))


def dataset_root(dataset: Dataset) -> int:
    """The Merkle root over the dataset's row leaves (before salting)."""
    return merkle_root([row_leaf(r, dataset.value_bits) for r in dataset.rows()])


def _check_salt(salt: object) -> int:
    if type(salt) is not int or not 0 <= salt < (1 << SALT_BITS):
        raise InputError(f"the salt must be an int in [0, 2^{SALT_BITS})")
    return salt


def commit(dataset: Dataset, salt: int) -> int:
    """The commitment C = poseidon([root, salt]) of ``dataset`` under ``salt``."""
    return poseidon([dataset_root(dataset), _check_salt(salt)])


def new_salt() -> int:
    """A fresh uniformly random 253-bit salt from the operating system's CSPRNG."""
    return secrets.randbits(SALT_BITS)


def commit_dataset(dataset: Dataset, salt: int | None = None) -> tuple[DatasetCommitment, int]:
    """Commit to ``dataset`` (with a fresh salt unless one is given); returns (commitment, salt)."""
    salt = new_salt() if salt is None else _check_salt(salt)
    c = commit(dataset, salt)
    return (
        DatasetCommitment(
            commitment=c,
            n=dataset.n,
            d=dataset.d,
            frac_bits=dataset.frac_bits,
            value_bits=dataset.value_bits,
            feature_names=dataset.feature_names,
            target_name=dataset.target_name,
            scheme=SCHEME,
        ),
        salt,
    )


def verify_opening(dataset: Dataset, salt: int, commitment: DatasetCommitment) -> bool:
    """True when ``dataset`` and ``salt`` open ``commitment`` (metadata and C both match)."""
    return commitment.matches(dataset) and commit(dataset, salt) == commitment.commitment


# -- gadget -----------------------------------------------------------------------------


def _pack_lc(values: Sequence[Term], value_bits: int) -> list[LinearCombination]:
    k = values_per_element(value_bits)
    half = 1 << (value_bits - 1)
    out = []
    for start in range(0, len(values), k):
        e = LinearCombination()
        for i, v in enumerate(values[start:start + k]):
            e = e + (as_lc(v) + half) * (1 << (i * value_bits))
        out.append(e)
    return out


def hash_elements_lc(cs: ConstraintSystem, elements: Sequence[Term], name: str) -> LinearCombination:
    """``hash_elements`` in constraints, over any number of terms (same chaining schedule)."""
    chunks = _chunks(elements)
    h = poseidon_lc(cs, chunks[0], f"{name}.h0")
    for j, chunk in enumerate(chunks[1:], start=1):
        h = poseidon_lc(cs, [h, *chunk], f"{name}.h{j}")
    return h


def commitment_gadget(
    cs: ConstraintSystem,
    feature_vars: Sequence[Sequence[Term]],
    target_vars: Sequence[Term],
    salt_var: Term,
    value_bits: int,
    name: str = "commit",
) -> Var:
    """Constrain C = Commit(data, salt) over data wires and return C as a new wire.

    ``feature_vars`` is n rows of d wires, ``target_vars`` n wires, all holding signed
    fixed-point values as field elements (negative q as R - |q|).  Every value is
    range-checked to ``value_bits`` signed bits, which is what makes the packing, and
    so the commitment, binding.  The caller equates the result with the public C.
    """
    check_bit_widths(0, value_bits)
    n = len(feature_vars)
    if n < 1 or len(target_vars) != n:
        raise InputError(f"the commitment needs n >= 1 feature rows and as many targets, not {n} and {len(target_vars)}")
    d = len(feature_vars[0])
    if d < 1 or any(len(r) != d for r in feature_vars):
        raise InputError("every feature row of the commitment must have the same number (>= 1) of wires")
    leaves = []
    for i, (features, target) in enumerate(zip(feature_vars, target_vars)):
        row = [*features, target]
        for j, v in enumerate(row):
            signed_range_check(cs, v, value_bits, f"{name}.row{i}.v{j}")
        leaves.append(hash_elements_lc(cs, _pack_lc(row, value_bits), f"{name}.row{i}"))
    root = merkle_root_lc(cs, leaves, f"{name}.tree")
    return poseidon_gadget(cs, [root, salt_var], f"{name}.salted")


def commitment_constraints(n: int, d: int, value_bits: int) -> int:
    """Count the constraints of :func:`commitment_gadget` for an n x d dataset (builds it unassigned)."""
    cs = ConstraintSystem()
    features = [[cs.private() for _ in range(d)] for _ in range(n)]
    targets = [cs.private() for _ in range(n)]
    commitment_gadget(cs, features, targets, cs.private(), value_bits)
    return cs.n_constraints
