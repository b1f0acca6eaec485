"""Datasets and their hiding commitments.

    table = read_csv("data.csv", target="label")          # or load_sklearn("breast_cancer")
    dataset = quantize(table)
    commitment, salt = commit_dataset(dataset, owner=0xAbc...)   # the institution's address
    save_dataset_dir("mydata", dataset, salt, commitment)  # data.npz, salt.json, commitment.json

In a circuit, :func:`zkanchor.gadgets.commitment.dataset_commitment` recomputes C from
the private data wires.
"""

from zkanchor.commit.commitment import (
    SALT_BITS,
    commit,
    commit_dataset,
    dataset_leaves,
    dataset_root,
    dataset_shape_digest,
    leaf_salts,
    new_salt,
    pack_row,
    row_leaf,
    values_per_element,
    verify_opening,
)
from zkanchor.commit.dataset import (
    COMMITMENT_FILE,
    DATA_FILE,
    SALT_FILE,
    SCHEME,
    Dataset,
    DatasetCommitment,
    load_commitment,
    load_dataset,
    load_dataset_dir,
    load_salt,
    save_dataset_dir,
)
from zkanchor.commit.quantize import (
    DEFAULT_FRAC_BITS,
    DEFAULT_VALUE_BITS,
    DataError,
    DataFileError,
    NonFiniteError,
    NonNumericError,
    RaggedRowError,
    Table,
    ValueRangeError,
    dequantize,
    from_arrays,
    load_sklearn,
    quantize,
    quantize_array,
    read_csv,
)

__all__ = [
    "COMMITMENT_FILE",
    "DATA_FILE",
    "DEFAULT_FRAC_BITS",
    "DEFAULT_VALUE_BITS",
    "SALT_BITS",
    "SALT_FILE",
    "SCHEME",
    "DataError",
    "DataFileError",
    "Dataset",
    "DatasetCommitment",
    "NonFiniteError",
    "NonNumericError",
    "RaggedRowError",
    "Table",
    "ValueRangeError",
    "commit",
    "commit_dataset",
    "dataset_leaves",
    "dataset_root",
    "dataset_shape_digest",
    "leaf_salts",
    "dequantize",
    "from_arrays",
    "load_commitment",
    "load_dataset",
    "load_dataset_dir",
    "load_salt",
    "load_sklearn",
    "new_salt",
    "pack_row",
    "quantize",
    "quantize_array",
    "read_csv",
    "row_leaf",
    "save_dataset_dir",
    "values_per_element",
    "verify_opening",
]
