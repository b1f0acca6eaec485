"""Quantized data sets and their public commitments, and the dataset directory on disk.

A dataset directory holds

- ``data.npz``        private: the quantized features and targets, names and bit widths;
- ``salt.json``       private: the commitment's random salt;
- ``commitment.json`` public: the commitment C and what it covers (shape, widths,
  names, the standardisation statistics if any, scheme), never the salt.

The directory is written as a whole (into a hidden sibling, then renamed into place),
so it is either complete or absent; the private files are readable by the owner only.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.commit.preprocessing import Standardization, preprocessing_from_json
from zkanchor.errors import FormatError, InputError
from zkanchor.fileio import atomic_write_bytes, read_bytes, read_json, write_json

SCHEME = "zkanchor-dataset-commitment-v2"
"""Names the packing, hashing and tree rules of :mod:`zkanchor.commit.commitment`."""

DATA_FILE = "data.npz"
SALT_FILE = "salt.json"
COMMITMENT_FILE = "commitment.json"

MIN_VALUE_BITS = 2
MAX_VALUE_BITS = 64  # quantized values are stored as int64
MAX_FRAC_BITS = 62


def check_bit_widths(frac_bits: object, value_bits: object) -> None:
    """Raise InputError unless 0 <= frac_bits <= 62 and 2 <= value_bits <= 64 (ints)."""
    if type(frac_bits) is not int or not 0 <= frac_bits <= MAX_FRAC_BITS:
        raise InputError(f"frac_bits must be an integer from 0 to {MAX_FRAC_BITS}, not {frac_bits!r}")
    if type(value_bits) is not int or not MIN_VALUE_BITS <= value_bits <= MAX_VALUE_BITS:
        raise InputError(
            f"value_bits must be an integer from {MIN_VALUE_BITS} to {MAX_VALUE_BITS}, not {value_bits!r}"
        )


def _int64(a: object, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == np.int64:
        return arr
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"{what} must be an integer array (quantize real data first), not {arr.dtype}")
    if arr.size and (arr.max() > np.iinfo(np.int64).max or arr.min() < np.iinfo(np.int64).min):
        raise InputError(f"{what} has values outside the int64 range")
    return arr.astype(np.int64)


FLAG_BITS = 8
"""Purposes a record's consent flags can name (bit p set: the subject consented to purpose p)."""

FLAGS_COLUMN = "__consent_flags__"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A quantized data set: value q stands for q / 2^frac_bits, with |q| < 2^(value_bits-1).

    ``flags`` (optional) holds each record's consent bitmask (FLAG_BITS purposes); it is
    committed as one more column after the target.  ``erased`` (optional) marks records
    erased at their subject's request: their values are gone (zeros) and their leaf in the
    commitment is the tombstone.  ``preprocessing`` (optional) is the standardisation the
    features went through before quantizing; it is bound into the commitment's schema.
    """

    features: np.ndarray  # int64, shape (n, d)
    targets: np.ndarray  # int64, shape (n,)
    frac_bits: int
    value_bits: int
    feature_names: tuple[str, ...]
    target_name: str
    flags: np.ndarray | None = None  # int64, shape (n,), in [0, 2^FLAG_BITS)
    erased: np.ndarray | None = None  # bool, shape (n,)
    preprocessing: Standardization | None = None

    def __post_init__(self) -> None:
        check_bit_widths(self.frac_bits, self.value_bits)
        x = _int64(self.features, "features")
        y = _int64(self.targets, "targets")
        if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
            raise InputError(f"features must be a non-empty (n, d) array, not shape {x.shape}")
        if y.shape != (x.shape[0],):
            raise InputError(f"targets must have shape ({x.shape[0]},), not {y.shape}")
        names = tuple(self.feature_names)
        if len(names) != x.shape[1] or not all(isinstance(s, str) for s in names):
            raise InputError(f"a dataset with {x.shape[1]} features needs {x.shape[1]} feature names (strings)")
        if not isinstance(self.target_name, str):
            raise InputError("the target name must be a string")
        bound = 1 << (self.value_bits - 1)
        for arr, what in ((x, "features"), (y, "targets")):
            # Compare in Python ints: 2^63 does not fit int64.
            if arr.size and (int(arr.max()) >= bound or int(arr.min()) <= -bound):
                raise InputError(f"{what} hold a value outside the {self.value_bits}-bit range |q| < 2^{self.value_bits - 1}")
        x, y = x.copy(), y.copy()
        x.flags.writeable = False  # the commitment covers these exact values
        y.flags.writeable = False
        object.__setattr__(self, "features", x)
        object.__setattr__(self, "targets", y)
        object.__setattr__(self, "feature_names", names)
        if self.flags is not None:
            f = _int64(self.flags, "consent flags")
            if f.shape != (x.shape[0],) or (f.size and (int(f.min()) < 0 or int(f.max()) >= 1 << FLAG_BITS)):
                raise InputError(f"consent flags must be one integer in [0, 2^{FLAG_BITS}) per row")
            if self.value_bits <= FLAG_BITS:
                raise InputError(f"consent flags need value_bits > {FLAG_BITS} (they are committed as a column)")
            f = f.copy()
            f.flags.writeable = False
            object.__setattr__(self, "flags", f)
        if self.erased is not None:
            e = np.asarray(self.erased)
            if e.shape != (x.shape[0],) or e.dtype != np.bool_:
                raise InputError("the erasure marks must be one boolean per row")
            if e.any() and (np.any(x[e] != 0) or np.any(y[e] != 0)):
                raise InputError("an erased record must hold no data (zeros)")
            e = e.copy()
            e.flags.writeable = False
            object.__setattr__(self, "erased", e if e.any() else None)
        if self.preprocessing is not None and (not isinstance(self.preprocessing, Standardization)
                                               or self.preprocessing.d != x.shape[1]):
            raise InputError(f"the standardisation must hold one mean and std for each of the {x.shape[1]} features")

    @property
    def has_flags(self) -> bool:
        """True when records carry consent flags."""
        return self.flags is not None

    @property
    def erased_rows(self) -> np.ndarray:
        """Indices of erased records."""
        return np.nonzero(self.erased)[0] if self.erased is not None else np.zeros(0, dtype=np.int64)

    def committed_rows(self) -> np.ndarray:
        """The values committed per row (int64 (n, m)): features, target, and the flags when present."""
        cols = [self.features, self.targets[:, None]]
        if self.flags is not None:
            cols.append(self.flags[:, None])
        return np.concatenate(cols, axis=1)

    @property
    def n(self) -> int:
        """Number of rows (examples)."""
        return int(self.features.shape[0])

    @property
    def d(self) -> int:
        """Number of features per row."""
        return int(self.features.shape[1])

    def rows(self) -> list[list[int]]:
        """Each row as Python ints: the d features, then the target (the committed order)."""
        return [f + [t] for f, t in zip(self.features.tolist(), self.targets.tolist())]

    def to_npz_bytes(self) -> bytes:
        """The private ``data.npz`` encoding (no pickled objects)."""
        buf = io.BytesIO()
        np.savez(
            buf,
            features=self.features,
            targets=self.targets,
            frac_bits=np.int64(self.frac_bits),
            value_bits=np.int64(self.value_bits),
            feature_names=np.array(self.feature_names, dtype=str),
            target_name=np.array(self.target_name, dtype=str),
            **({"flags": self.flags} if self.flags is not None else {}),
            **({"erased": self.erased} if self.erased is not None else {}),
            **({"standardize_mean": self.preprocessing.arrays()[0], "standardize_std": self.preprocessing.arrays()[1]}
               if self.preprocessing is not None else {}),
        )
        return buf.getvalue()

    @classmethod
    def from_npz_bytes(cls, data: bytes, source: str = DATA_FILE) -> Dataset:
        """Decode ``data.npz`` bytes; FormatError when they are not a dataset file."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                parts = {k: z[k] for k in z.files}
        except Exception:  # numpy raises many types for a corrupt archive
            raise FormatError(f"{source} is not a zkanchor dataset file (not a readable .npz archive)") from None
        need = ("features", "targets", "frac_bits", "value_bits", "feature_names", "target_name")
        missing = [k for k in need if k not in parts]
        if missing:
            raise FormatError(f"{source} is not a zkanchor dataset file (it lacks {', '.join(missing)})")
        try:
            preprocessing = None
            if "standardize_mean" in parts or "standardize_std" in parts:
                preprocessing = Standardization(tuple(parts["standardize_mean"].tolist()),
                                                tuple(parts["standardize_std"].tolist()))
            return cls(
                features=parts["features"],
                targets=parts["targets"],
                frac_bits=int(parts["frac_bits"]),
                value_bits=int(parts["value_bits"]),
                feature_names=tuple(str(s) for s in parts["feature_names"].tolist()),
                target_name=str(parts["target_name"]),
                flags=parts.get("flags"),
                erased=parts.get("erased"),
                preprocessing=preprocessing,
            )
        except (InputError, TypeError, ValueError, KeyError) as exc:
            raise FormatError(f"{source} holds an invalid dataset: {exc}") from None


@dataclass(frozen=True)
class DatasetCommitment:
    """The public side of a committed data set (``commitment.json``)."""

    commitment: int
    n: int
    d: int
    frac_bits: int
    value_bits: int
    feature_names: tuple[str, ...]
    target_name: str
    owner: int  # the institution's address: bound into C
    scheme: str = SCHEME
    consent_flags: bool = False  # records carry consent flags (a committed column)
    preprocessing: Standardization | None = None  # bound into C (its schema), so shown to everyone

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``commitment.json`` (field elements as decimal strings)."""
        out = {
            "scheme": self.scheme,
            "commitment": str(self.commitment),
            "owner": "0x" + format(self.owner, "040x"),
            "consent_flags": self.consent_flags,
            "n": self.n,
            "d": self.d,
            "frac_bits": self.frac_bits,
            "value_bits": self.value_bits,
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
        }
        if self.preprocessing is not None:  # absent rather than null: files without it read as before
            out["preprocessing"] = self.preprocessing.to_json()
        return out

    @classmethod
    def from_json(cls, obj: object, source: str = COMMITMENT_FILE) -> DatasetCommitment:
        """Parse ``commitment.json``'s object; FormatError names the first bad field."""
        if not isinstance(obj, dict):
            raise FormatError(f"{source} must hold a JSON object")
        if obj.get("scheme") != SCHEME:
            raise FormatError(f"{source} has scheme {obj.get('scheme')!r}; this version reads {SCHEME!r}")
        c = obj.get("commitment")
        if not (isinstance(c, str) and c.isascii() and c.isdigit() and int(c) < R):
            raise FormatError(f"{source}: 'commitment' must be a decimal string below the field order R")
        for key in ("n", "d", "frac_bits", "value_bits"):
            if type(obj.get(key)) is not int or obj[key] < 0:
                raise FormatError(f"{source}: {key!r} must be a non-negative integer")
        names = obj.get("feature_names")
        if not (isinstance(names, list) and all(isinstance(s, str) for s in names) and len(names) == obj["d"]):
            raise FormatError(f"{source}: 'feature_names' must be a list of d strings")
        if not isinstance(obj.get("target_name"), str):
            raise FormatError(f"{source}: 'target_name' must be a string")
        try:
            check_bit_widths(obj["frac_bits"], obj["value_bits"])
        except InputError as exc:
            raise FormatError(f"{source}: {exc}") from None
        owner = obj.get("owner")
        if not (isinstance(owner, str) and len(owner) == 42 and owner[:2] in ("0x", "0X")
                and all(ch in "0123456789abcdefABCDEF" for ch in owner[2:]) and int(owner, 16)):
            raise FormatError(f"{source}: 'owner' must be the owning institution's non-zero address")
        flags = obj.get("consent_flags", False)
        if not isinstance(flags, bool):
            raise FormatError(f"{source}: 'consent_flags' must be true or false")
        if "standardize" in obj and "preprocessing" not in obj:
            # An older zkanchor recorded statistics C does not bind: using them would trust the file.
            raise FormatError(f"{source} records standardisation statistics its commitment does not bind (written by "
                              "an older zkanchor); commit the data again")
        preprocessing = preprocessing_from_json(obj.get("preprocessing"), f"{source}'s preprocessing")
        if preprocessing is not None and preprocessing.d != obj["d"]:
            raise FormatError(f"{source}: the preprocessing must standardise the {obj['d']} feature columns")
        return cls(
            int(c), obj["n"], obj["d"], obj["frac_bits"], obj["value_bits"],
            tuple(names), obj["target_name"], int(owner, 16), consent_flags=flags, preprocessing=preprocessing,
        )

    def matches(self, dataset: Dataset) -> bool:
        """True when shape, widths, names and preprocessing agree with ``dataset`` (C itself is not recomputed)."""
        return (
            (self.n, self.d, self.frac_bits, self.value_bits, self.feature_names, self.target_name, self.consent_flags,
             self.preprocessing)
            == (dataset.n, dataset.d, dataset.frac_bits, dataset.value_bits, dataset.feature_names, dataset.target_name,
                dataset.has_flags, dataset.preprocessing)
        )


def save_dataset_dir(
    directory: str | os.PathLike, dataset: Dataset, salt: int, commitment: DatasetCommitment,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a new dataset directory (data, salt, commitment) all at once; returns its path.

    The directory must not exist or be empty.  Nothing is checked cryptographically
    here: use :func:`zkanchor.commit.commitment.commit_dataset` to produce the
    commitment and salt.
    """
    if type(salt) is not int or not 0 <= salt < R:
        raise InputError("the salt must be an int in [0, R)")
    if not commitment.matches(dataset):
        raise InputError("the commitment's shape, widths, names or preprocessing do not match the dataset")
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{str(target)!r} already exists and is not an empty directory; choose a new one")
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        # mkdtemp's directory is private, so the 0600 modes apply before anyone can look.
        atomic_write_bytes(tmp / DATA_FILE, dataset.to_npz_bytes())
        write_json(tmp / SALT_FILE, {"scheme": SCHEME, "salt": str(salt)})
        for private in (DATA_FILE, SALT_FILE):
            os.chmod(tmp / private, 0o600)
        write_json(tmp / COMMITMENT_FILE, {**(extra or {}), **commitment.to_json()})
        os.chmod(tmp, 0o777 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_dataset(directory: str | os.PathLike) -> Dataset:
    """Read ``data.npz`` from a dataset directory."""
    path = Path(directory) / DATA_FILE
    return Dataset.from_npz_bytes(read_bytes(path, "dataset"), str(path))


def load_salt(directory: str | os.PathLike) -> int:
    """Read the private salt from a dataset directory's ``salt.json``."""
    path = Path(directory) / SALT_FILE
    obj = read_json(path, "salt")
    s = obj.get("salt") if isinstance(obj, dict) else None
    if not (isinstance(s, str) and s.isascii() and s.isdigit() and int(s) < R):
        raise FormatError(f"{str(path)!r}: 'salt' must be a decimal string below the field order R")
    return int(s)


def load_commitment(path: str | os.PathLike) -> DatasetCommitment:
    """Read ``commitment.json`` (give the file, or the dataset directory holding it)."""
    p = Path(path)
    if p.is_dir():
        p = p / COMMITMENT_FILE
    return DatasetCommitment.from_json(read_json(p, "commitment"), str(p))


def load_commitment_extra(directory: str | os.PathLike) -> dict[str, Any]:
    """The fields of ``commitment.json`` beyond the commitment itself (e.g. where an erasure came from)."""
    obj = read_json(Path(directory) / COMMITMENT_FILE, "commitment")
    if not isinstance(obj, dict):
        raise FormatError(f"{str(Path(directory) / COMMITMENT_FILE)!r} must hold a JSON object")
    example = DatasetCommitment(0, 1, 1, 0, 2, ("x",), "y", 1, preprocessing=Standardization((0.0,), (1.0,)))
    known = set(example.to_json())
    return {k: v for k, v in obj.items() if k not in known}


def load_dataset_dir(directory: str | os.PathLike) -> tuple[Dataset, int, DatasetCommitment]:
    """Read a whole dataset directory: (dataset, salt, commitment), checking they agree in shape."""
    dataset = load_dataset(directory)
    salt = load_salt(directory)
    commitment = load_commitment(Path(directory) / COMMITMENT_FILE)
    if commitment.preprocessing != dataset.preprocessing:
        # Either copy may have been edited; C binds the one data.npz held at commit.
        raise FormatError(f"{str(directory)!r}: commitment.json's standardisation statistics are not the ones "
                          "data.npz was committed with")
    if not commitment.matches(dataset):
        raise FormatError(
            f"{str(directory)!r}: commitment.json's shape, widths or names do not match data.npz"
        )
    return dataset, salt, commitment
