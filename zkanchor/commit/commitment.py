"""The hiding dataset commitment (scheme v2), computed in Python; the gadget is
:func:`zkanchor.gadgets.commitment.dataset_commitment`.

For a dataset of n rows, each row being d features then the target (signed ints with
|q| < 2^(b-1), b = value_bits), owned by the institution at address A:

1. **pack**: each value becomes the unsigned offset u = q + 2^(b-1) in [0, 2^b);
   k = floor(253 / b) offsets go into one field element, the row's first value in the
   lowest bits.  A row of m = d + 1 values uses ceil(m / k) elements, each < 2^253 < R,
   so packing is injective;
2. **leaf**: Poseidon over [s_i, e_1, ..., e_j] under tag(dataset/leaf, j + 1), where
   s_i = Poseidon([s, i]) under tag(dataset/leaf-salt) is the row's own salt, derived
   from the dataset's master salt s.  Per-row salts make every leaf a hiding commitment
   on its own, so a data subject's receipt (their row, s_i and the Merkle path) reveals
   nothing about anyone else's row;
3. **root**: the binary Merkle tree over the n leaves (:mod:`zkanchor.merkle`: nodes
   under tag(dataset/node), 0 padding to a power of two);
4. **commit**: C = Poseidon([root, shape, A]) under tag(dataset/commitment), where
   shape = Poseidon-chain([2, n, d, frac_bits, value_bits, schema]) under
   tag(dataset/shape) and schema digests the column names and the committed
   preprocessing (:mod:`zkanchor.commit.preprocessing`), if any.

Domain tags keep a leaf from being read as a node and one kind of commitment from being
read as another; ``shape`` binds n, d, the widths and the columns' meaning; A binds the
commitment to the institution that can open it, so nobody else can anchor it usefully
(a proof over C must name A as its prover).  The commitment hides the data through the
per-row salts.

In a circuit, packing is linear and free, but only injective if every offset really
lies in [0, 2^b): the gadget range-checks each value (b constraints each), otherwise a
prover could move 2^b from one value into its neighbour and open the same C to different
data.  Cost per row: (d + 1) * b range-check constraints, one leaf Poseidon (261 for two
packed elements) and about one Merkle node (240); see
:func:`zkanchor.gadgets.commitment.commitment_constraints`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.commit.dataset import SCHEME, Dataset, DatasetCommitment, check_bit_widths
from zkanchor.commit.preprocessing import Standardization
from zkanchor.errors import InputError
from zkanchor.merkle import merkle_root
from zkanchor.poseidon import domains
from zkanchor.poseidon.domains import tag
from zkanchor.poseidon.hash import MAX_INPUTS, hash_chain, hash_chain_many, poseidon, poseidon_many

PACK_BITS = 253
SALT_BITS = 253
SHAPE_VERSION = 2


def values_per_element(value_bits: int) -> int:
    """How many b-bit offsets one field element holds: floor(253 / value_bits)."""
    check_bit_widths(0, value_bits)
    return PACK_BITS // value_bits


def pack_rows(values: np.ndarray, value_bits: int) -> np.ndarray:
    """Pack rows of signed values (|q| < 2^(b-1)), shape (n, m), into field elements (n, ceil(m/k))."""
    v = np.asarray(values)
    if v.ndim != 2:
        raise InputError("pack_rows needs a 2-D array of rows")
    k = values_per_element(value_bits)
    half = 1 << (value_bits - 1)
    obj = v.astype(object)
    if obj.size and (np.any(obj < -half) or np.any(obj >= half)):
        raise InputError(f"a value does not fit in {value_bits} signed bits")
    u = obj + half
    n, m = v.shape
    out = np.zeros((n, -(-m // k)), dtype=object)
    for j in range(m):
        out[:, j // k] += u[:, j] << ((j % k) * value_bits)
    return out


def pack_row(row: Sequence[int], value_bits: int) -> list[int]:
    """One row's packed elements (see :func:`pack_rows`)."""
    return [int(e) for e in pack_rows(np.asarray([list(row)], dtype=object), value_bits)[0]]


def leaf_tag(n_elements: int) -> int:
    """The capacity of a leaf hash over its salt and ``n_elements`` packed elements."""
    return tag(domains.DATASET_LEAF, n_elements + 1)


def leaf_salts(salt: int, n: int) -> np.ndarray:
    """The per-row salts s_i = Poseidon([s, i]) under tag(dataset/leaf-salt), i < n."""
    _check_salt(salt)
    return poseidon_many([np.full(n, salt, dtype=object), np.arange(n, dtype=object)], tag(domains.LEAF_SALT))


def leaves_of(packed: np.ndarray, salts: np.ndarray) -> np.ndarray:
    """Leaf hashes of packed rows (n, j) with their per-row salts (n,)."""
    columns = [salts] + [packed[:, j] for j in range(packed.shape[1])]
    return hash_chain_many(columns, leaf_tag(packed.shape[1]))


def row_leaf(row: Sequence[int], value_bits: int, row_salt: int) -> int:
    """The Merkle leaf of one row (features then target) under its row salt."""
    elements = pack_row(row, value_bits)
    return hash_chain([row_salt, *elements], leaf_tag(len(elements)))


def name_element(name: str) -> int:
    """A column name as a field element (sha256 of its UTF-8 bytes, mod R)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest(), "big") % R


def schema_digest(feature_names: Sequence[str], target_name: str, flags: bool = False,
                  preprocessing: Standardization | None = None) -> int:
    """Digest of what the values mean: the columns' names, in order, target last (then the consent
    flags), and the committed preprocessing when the features were standardised.

    Without preprocessing the digest is the name chain under tag(schema/digest, k), as it
    always was.  With it, the record's digest follows the names under tag(schema/digest,
    k + 1, 1): a tag no schema without preprocessing uses, so no list of names can stand for
    names plus statistics.
    """
    from zkanchor.commit.dataset import FLAGS_COLUMN

    names = [name_element(s) for s in [*feature_names, target_name, *([FLAGS_COLUMN] if flags else [])]]
    if preprocessing is None:
        return hash_chain(names, tag(domains.SCHEMA, len(names)))
    if not isinstance(preprocessing, Standardization) or preprocessing.d != len(feature_names):
        raise InputError(f"the preprocessing record must standardise the {len(feature_names)} feature columns")
    return hash_chain([*names, preprocessing.digest()], tag(domains.SCHEMA, len(names) + 1, 1))


def shape_digest(n: int, d: int, frac_bits: int, value_bits: int, schema: int) -> int:
    """Digest of everything a dataset commitment's shape fixes."""
    return hash_chain([SHAPE_VERSION, n, d, frac_bits, value_bits, schema], tag(domains.DATASET_SHAPE))


def shape_rest(dataset: Dataset) -> list[int]:
    """The shape of ``dataset`` but n: d, frac_bits, value_bits and the schema digest (what a
    circuit over opaque leaves takes privately, n being its public record count)."""
    return [dataset.d, dataset.frac_bits, dataset.value_bits,
            schema_digest(dataset.feature_names, dataset.target_name, dataset.has_flags, dataset.preprocessing)]


def dataset_shape_digest(dataset: Dataset) -> int:
    """:func:`shape_digest` of ``dataset``."""
    return shape_digest(dataset.n, *shape_rest(dataset))


def commitment_of_root(root: int, shape: int, owner: int) -> int:
    """C = Poseidon([root, shape, owner]) under tag(dataset/commitment)."""
    return poseidon([root, shape, owner], tag(domains.DATASET))


def tombstone() -> int:
    """The leaf of an erased record: a constant under its own tag (no row hashes to it)."""
    return poseidon([0], tag(domains.TOMBSTONE))


def dataset_leaves(dataset: Dataset, salt: int) -> np.ndarray:
    """Every row's leaf (object array of n field elements); erased records' leaves are the tombstone."""
    leaves = leaves_of(pack_rows(dataset.committed_rows(), dataset.value_bits), leaf_salts(salt, dataset.n))
    if dataset.erased is not None:
        leaves[dataset.erased] = tombstone()
    return leaves


def dataset_root(dataset: Dataset, salt: int) -> int:
    """The Merkle root over the dataset's leaves."""
    return merkle_root(dataset_leaves(dataset, salt))


def _check_salt(salt: object) -> int:
    if type(salt) is not int or not 0 <= salt < (1 << SALT_BITS) or salt >= R:
        raise InputError(f"the salt must be an int in [0, 2^{SALT_BITS}) below the field order")
    return salt


def check_owner(owner: object) -> int:
    """An institution address as an int: refuses anything outside (0, 2^160)."""
    if type(owner) is not int or not 0 < owner < 1 << 160:
        raise InputError("a dataset's owner must be a non-zero Ethereum address (an int below 2^160)")
    return owner


def commit(dataset: Dataset, salt: int, owner: int) -> int:
    """The commitment C of ``dataset`` under master ``salt``, owned by address ``owner``."""
    _check_salt(salt)
    return commitment_of_root(dataset_root(dataset, salt), dataset_shape_digest(dataset), check_owner(owner))


def new_salt() -> int:
    """A fresh uniformly random salt below the field order from the OS's CSPRNG."""
    while True:
        s = secrets.randbits(SALT_BITS)
        if s < R:
            return s


def commit_dataset(dataset: Dataset, owner: int, salt: int | None = None) -> tuple[DatasetCommitment, int]:
    """Commit to ``dataset`` for institution ``owner`` (fresh salt unless given); (commitment, salt)."""
    salt = new_salt() if salt is None else _check_salt(salt)
    c = commit(dataset, salt, owner)
    return (
        DatasetCommitment(
            commitment=c, n=dataset.n, d=dataset.d, frac_bits=dataset.frac_bits, value_bits=dataset.value_bits,
            feature_names=dataset.feature_names, target_name=dataset.target_name, owner=owner, scheme=SCHEME,
            consent_flags=dataset.has_flags, preprocessing=dataset.preprocessing,
        ),
        salt,
    )


def verify_opening(dataset: Dataset, salt: int, commitment: DatasetCommitment) -> bool:
    """True when ``dataset`` and ``salt`` open ``commitment`` (metadata and C both match)."""
    return commitment.matches(dataset) and commit(dataset, salt, commitment.owner) == commitment.commitment
