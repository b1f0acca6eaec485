"""Receipts: a data subject's private proof that their record is in a committed dataset.

At commit time the institution can hand each data subject a receipt for their record:
the record's values, its position, its own salt (derived from the dataset's master salt;
it reveals nothing about other rows) and the Merkle path to the root, with what the
commitment binds (shape, columns, standardisation statistics, owner).  From the receipt alone the subject recomputes
the leaf, the root and the dataset commitment, offline, and compares it with the anchored
C_D:

- **presence**: the receipt's record is in the dataset committed in C_D;
- **absence** (after an erasure): a valid erasure proof from C_D to C_D' lists the
  receipt's leaf among the removed ones, so C_D' no longer holds the record.

The path's siblings are hashes of other rows' leaves, each salted with its own salt: they
reveal nothing about anyone else's record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from zkanchor.addresses import format_address, parse_address
from zkanchor.commit.commitment import (
    commitment_of_root,
    dataset_leaves,
    leaf_salts,
    leaf_tag,
    pack_rows,
    schema_digest,
    shape_digest,
)
from zkanchor.commit.dataset import Dataset
from zkanchor.commit.preprocessing import Standardization, preprocessing_from_json, preprocessing_to_json
from zkanchor.errors import FormatError, InputError
from zkanchor.fileio import read_json, write_json
from zkanchor.merkle import levels, path_root
from zkanchor.poseidon.hash import hash_chain

RECEIPT_VERSION = 1


@dataclass(frozen=True)
class Receipt:
    """One record's receipt (see the module docstring)."""

    owner: int
    commitment: int
    n: int
    frac_bits: int
    value_bits: int
    feature_names: tuple[str, ...]
    target_name: str
    consent_flags: bool
    index: int
    row: tuple[int, ...]  # the committed values: features, target[, flags]
    leaf_salt: int
    path: tuple[int, ...]
    preprocessing: Optional[Standardization] = None  # part of C_D's schema: without it C_D cannot be recomputed

    def __post_init__(self) -> None:
        if self.preprocessing is not None and (not isinstance(self.preprocessing, Standardization)
                                               or self.preprocessing.d != len(self.feature_names)):
            raise InputError("the receipt's standardisation must hold one mean and std per feature")

    @property
    def leaf(self) -> int:
        """The record's leaf: what an erasure request names."""
        elements = [int(e) for e in pack_rows(np.asarray([list(self.row)], dtype=object), self.value_bits)[0]]
        return hash_chain([self.leaf_salt, *elements], leaf_tag(len(elements)))

    def expected_commitment(self) -> int:
        """The dataset commitment this receipt's record, path and shape lead to."""
        if not 0 <= self.index < self.n:
            raise InputError("the receipt's position is outside the dataset")
        root = path_root(self.leaf, list(self.path), self.index)
        schema = schema_digest(self.feature_names, self.target_name, self.consent_flags, self.preprocessing)
        shape = shape_digest(self.n, len(self.feature_names), self.frac_bits, self.value_bits, schema)
        return commitment_of_root(root, shape, self.owner)

    def values(self) -> dict[str, float]:
        """The record in the user's units (the flags as an integer)."""
        names = [*self.feature_names, self.target_name] + (["consent_flags"] if self.consent_flags else [])
        out = {name: v / 2 ** self.frac_bits for name, v in zip(names, self.row)}
        if self.consent_flags:
            out["consent_flags"] = int(self.row[-1])
        return out

    def to_json(self) -> dict[str, Any]:
        return {"version": RECEIPT_VERSION, "kind": "zkanchor-receipt", "owner": format_address(self.owner),
                "commitment": str(self.commitment), "n": self.n, "frac_bits": self.frac_bits,
                "value_bits": self.value_bits, "feature_names": list(self.feature_names),
                "target_name": self.target_name, "consent_flags": self.consent_flags, "index": self.index,
                "row": [int(v) for v in self.row], "leaf_salt": str(self.leaf_salt),
                "path": [str(v) for v in self.path], "leaf": str(self.leaf), "values": self.values(),
                "preprocessing": preprocessing_to_json(self.preprocessing)}

    @staticmethod
    def from_json(obj: object, what: str = "receipt") -> "Receipt":
        from zkanchor.statements.base import field_int

        if not isinstance(obj, dict) or obj.get("kind") != "zkanchor-receipt" or obj.get("version") != RECEIPT_VERSION:
            raise FormatError(f"the {what} is not a version-{RECEIPT_VERSION} zkanchor receipt")
        try:
            names, row, path = obj["feature_names"], obj["row"], obj["path"]
            if not (isinstance(names, list) and all(isinstance(s, str) for s in names)):
                raise FormatError(f"the {what}'s feature_names must be a list of strings")
            if not (isinstance(row, list) and all(type(v) is int for v in row)) or not isinstance(path, list):
                raise FormatError(f"the {what}'s row and path must be lists of integers")
            for k in ("n", "frac_bits", "value_bits", "index"):
                if type(obj[k]) is not int or obj[k] < 0:
                    raise FormatError(f"the {what}'s {k} must be a non-negative integer")
            if len(path) > 40:
                raise FormatError(f"the {what}'s path is longer than any dataset's tree")
            receipt = Receipt(parse_address(obj["owner"]), field_int(obj["commitment"], f"the {what}'s commitment"),
                              obj["n"], obj["frac_bits"], obj["value_bits"], tuple(names), str(obj["target_name"]),
                              bool(obj.get("consent_flags", False)), obj["index"], tuple(row),
                              field_int(obj["leaf_salt"], f"the {what}'s leaf_salt"),
                              tuple(field_int(v, f"the {what}'s path") for v in path),
                              preprocessing_from_json(obj.get("preprocessing"), f"{what}'s preprocessing"))
        except KeyError as exc:
            raise FormatError(f"the {what} has no {exc.args[0]!r} field") from None
        if len(receipt.row) != len(receipt.feature_names) + 1 + int(receipt.consent_flags):
            raise FormatError(f"the {what}'s row does not have one value per column")
        return receipt


def make_receipts(dataset: Dataset, salt: int, owner: int) -> list[Receipt]:
    """One receipt per (not erased) record of ``dataset`` committed under ``salt`` for ``owner``."""
    tree = levels(dataset_leaves(dataset, salt))
    salts = leaf_salts(salt, dataset.n)
    root = int(tree[-1][0])
    commitment = commitment_of_root(root, shape_digest(dataset.n, dataset.d, dataset.frac_bits, dataset.value_bits,
                                                       schema_digest(dataset.feature_names, dataset.target_name,
                                                                     dataset.has_flags, dataset.preprocessing)), owner)
    rows = dataset.committed_rows()
    out = []
    for i in range(dataset.n):
        if dataset.erased is not None and dataset.erased[i]:
            continue
        path, index = [], i
        for level in tree[:-1]:
            path.append(int(level[index ^ 1]))
            index >>= 1
        out.append(Receipt(owner, commitment, dataset.n, dataset.frac_bits, dataset.value_bits,
                           dataset.feature_names, dataset.target_name, dataset.has_flags, i,
                           tuple(int(v) for v in rows[i]), int(salts[i]), tuple(path), dataset.preprocessing))
    return out


def save_receipts(receipts: list[Receipt], directory: str | os.PathLike) -> Path:
    """Write ``receipt-<index>.json`` per receipt (owner-only permissions: each is one subject's)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for r in receipts:
        target = path / f"receipt-{r.index:06d}.json"
        write_json(target, r.to_json())
        os.chmod(target, 0o600)
    return path


def load_receipt(path: str | os.PathLike) -> Receipt:
    """Read a receipt file."""
    return Receipt.from_json(read_json(path, "receipt"), f"receipt {os.fspath(path)!r}")


def check_presence(receipt: Receipt, commitment: Optional[int] = None) -> bool:
    """True when the receipt's record is in the dataset committed in ``commitment`` (default: the receipt's)."""
    return receipt.expected_commitment() == (receipt.commitment if commitment is None else commitment)
