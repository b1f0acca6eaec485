"""The data-validity statement: "the data is what we say it is", proven about a committed dataset.

A public schema — per-column bounds, the label domain, the number of records, bounds on
the class balance, a column of record keys without duplicates — is proven about the
records committed in C_D, without showing them:

    [0] institution   the owner bound into C_D
    [1] C_D           the dataset commitment the claim is about
    [2] digest        the schema's digest (every bound below is in it)

How each rule is proven:

- **bounds**: lo_j <= x_ij <= hi_j as two range checks of value_bits + 1 bits each;
- **label domain**: the product of (y_i - v) over the allowed values v is 0;
- **records**: n is the dataset's shape, bound in C_D; the schema states a minimum;
- **class balance**: the number of labels equal to ``positive`` lies in [min, max];
- **no duplicate keys**: the prover gives the key column sorted (s_i); a challenge
  gamma = Poseidon(C_D, s_1, .., s_n) makes the products prod (gamma - x_ik) and prod
  (gamma - s_i) equal only if the two lists are the same multiset (Schwartz-Zippel), and
  s_{i+1} - s_i - 1 >= 0 shows the sorted keys are distinct.

Values are in the dataset's quantized units (q / 2^frac_bits); the CLI converts. The
claim is about the dataset as committed; erased records (tombstones) are not supported
here — prove validity when the data is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..addresses import format_address, parse_address
from ..bn254.constants import R
from ..commit.commitment import commit, leaf_salts, shape_digest
from ..commit.dataset import Dataset, check_bit_widths
from ..commit.preprocessing import Standardization, preprocessing_from_json, preprocessing_to_json
from ..errors import FormatError, InputError
from ..gadgets.bits import range_check
from ..gadgets.commitment import dataset_commitment
from ..gadgets.poseidon import hash_chain as hash_chain_gadget
from ..models.linear import as_ints
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain
from ..r1cs.builder import ConstraintSystem
from ..r1cs.lc import LC
from .base import Statement, StatementSpec, check_derived_fields, field_int, require_mapping

KIND = "validity"
VERSION = 1
CHALLENGE = "validity/challenge"


def _signed_field(v: int) -> int:
    return int(v) % R


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


@dataclass(frozen=True)
class ValidityClaim(StatementSpec):
    """The public schema a dataset is claimed to satisfy, with its shape."""

    n: int
    d: int
    frac_bits: int
    value_bits: int
    feature_names: tuple[str, ...]
    target_name: str
    flags: bool = False
    bounds: tuple[Optional[tuple[int, int]], ...] = ()  # per column (features, then target): (lo, hi) or None
    labels: tuple[int, ...] = ()  # allowed target values (empty: any)
    min_records: int = 0
    positive: Optional[int] = None  # the label counted for the class balance
    min_positive: int = 0
    max_positive: Optional[int] = None
    key_column: Optional[int] = None  # a feature column whose values are distinct
    # The committed standardisation: bounds on standardised columns are z-scores, meaningless
    # unless the reader knows the statistics (the schema digest, hence C_D, binds them).
    preprocessing: Optional[Standardization] = None
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        # Exact integers only: a float or a bool would be shown in statement.json but proven as int(v).
        for name in ("n", "d", "frac_bits", "value_bits", "min_records", "min_positive"):
            if not _is_int(getattr(self, name)):
                raise InputError(f"the schema's {name} must be an integer")
        for name in ("positive", "max_positive", "key_column"):
            if getattr(self, name) is not None and not _is_int(getattr(self, name)):
                raise InputError(f"the schema's {name} must be an integer or absent")
        if type(self.flags) is not bool:
            raise InputError("the schema's flags must be true or false")
        if self.n < 1 or self.d < 1:
            raise InputError("a validity claim is about a dataset of at least one record and one feature")
        check_bit_widths(self.frac_bits, self.value_bits)
        if len(self.feature_names) != self.d or not all(isinstance(v, str) for v in (*self.feature_names,
                                                                                     self.target_name)):
            raise InputError(f"the schema needs {self.d} feature names and a target name (strings)")
        half = 1 << (self.value_bits - 1)
        cols = self.d + 1
        bounds = tuple(self.bounds) or (None,) * cols
        if len(bounds) != cols:
            raise InputError(f"the schema needs one bound (or none) for each of the {cols} columns")
        for j, b in enumerate(bounds):
            if b is not None and not (len(b) == 2 and _is_int(b[0]) and _is_int(b[1]) and -half < b[0] <= b[1] < half):
                raise InputError(f"column {j}'s bounds must be lo <= hi within the {self.value_bits}-bit values")
        if not all(_is_int(v) for v in self.labels):
            raise InputError("the allowed labels must be integers (quantized values)")
        object.__setattr__(self, "bounds", tuple(None if b is None else (int(b[0]), int(b[1])) for b in bounds))
        object.__setattr__(self, "labels", tuple(sorted({int(v) for v in self.labels})))
        if any(not -half < v < half for v in self.labels):
            raise InputError("an allowed label lies outside the value range")
        if not 0 <= self.min_records <= self.n:
            raise InputError(f"the dataset has {self.n} records, fewer than the schema's minimum {self.min_records}")
        if self.positive is None and (self.min_positive != 0 or self.max_positive is not None):
            raise InputError("class-balance bounds need the counted label (positive)")
        if self.positive is not None:
            top = self.n if self.max_positive is None else self.max_positive
            if not 0 <= self.min_positive <= top <= self.n:
                raise InputError("the class-balance bounds must satisfy 0 <= min <= max <= n")
            if self.labels and self.positive not in self.labels:
                raise InputError("the counted label is not an allowed label")
        if self.key_column is not None and not 0 <= self.key_column < self.d:
            raise InputError(f"the key column must be one of the {self.d} feature columns")
        if self.preprocessing is not None and (not isinstance(self.preprocessing, Standardization)
                                               or self.preprocessing.d != self.d):
            raise InputError(f"the schema's standardisation must hold one mean and std for each of the {self.d} features")

    @property
    def schema(self) -> int:
        from ..commit.commitment import schema_digest

        return schema_digest(self.feature_names, self.target_name, self.flags, self.preprocessing)

    def public_names(self) -> list[str]:
        return ["institution", "C_D", "digest"]

    def field_elements(self) -> list[int]:
        out = [VERSION, 4, self.n, self.d, self.frac_bits, self.value_bits, self.schema, int(self.flags)]
        for b in self.bounds:
            out += [0, 0, 0] if b is None else [1, _signed_field(b[0]), _signed_field(b[1])]
        out += [len(self.labels), *(_signed_field(v) for v in self.labels), self.min_records]
        out += [0, 0, 0, 0] if self.positive is None else [1, _signed_field(self.positive), self.min_positive,
                                                            self.n if self.max_positive is None else self.max_positive]
        out += [0] if self.key_column is None else [self.key_column + 1]
        return out

    def digest(self) -> int:
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.STATEMENT, len(elements)))

    def define(self, cs: ConstraintSystem) -> None:
        n, d = self.n, self.d
        pub = {name: cs.public(name) for name in self.public_names()}
        x = cs.private("x", shape=(n, d))
        y = cs.private("y", shape=(n,))
        salts = cs.private("salts", shape=(n,))
        flags = cs.private("flags", shape=(n,)) if self.flags else None
        c_d = dataset_commitment(cs, x, y, salts, self.value_bits,
                                 shape_digest(n, d, self.frac_bits, self.value_bits, self.schema),
                                 pub["institution"], "data", flags)
        cs.assert_equal(c_d, pub["C_D"], "C_D")
        cs.assert_equal(pub["digest"], self.digest(), "digest")
        width = self.value_bits + 1
        for j, b in enumerate(self.bounds):
            if b is None:
                continue
            column = x[:, j] if j < d else y
            name = self.feature_names[j] if j < d else self.target_name
            range_check(cs, column - b[0], width, f"{name} >= {b[0]}")
            range_check(cs, b[1] - column, width, f"{name} <= {b[1]}")
        if self.labels:
            product: LC = y - self.labels[0]
            for k, v in enumerate(self.labels[1:]):
                product = cs.mul(product, y - v, f"labels.{k}")
            cs.assert_equal(product, 0, "label domain")
        if self.positive is not None:
            if self.labels and len(self.labels) == 2:
                other = [v for v in self.labels if v != self.positive][0]
                is_pos = (y - other) * pow((self.positive - other) % R, -1, R)  # 0/1 given the domain
            else:
                from ..gadgets.compare import is_equal

                is_pos = is_equal(cs, y, self.positive, "positive")
            count = is_pos.sum()
            bits = (n + 1).bit_length()
            top = n if self.max_positive is None else self.max_positive
            range_check(cs, count - self.min_positive, bits, "positives >= min")
            range_check(cs, top - count, bits, "positives <= max")
        if self.key_column is not None:
            keys = x[:, self.key_column]
            s = cs.private("sorted_keys", shape=(n,))
            gamma = hash_chain_gadget(cs, [pub["C_D"], *(s[i] for i in range(n))], tag(CHALLENGE, n), "challenge")
            challenge = gamma
            gamma = cs.hint(lambda v: v, [challenge], (), "gamma")  # one wire: the products below reuse it
            cs.assert_equal(gamma, challenge, "gamma")
            p_x = _product(cs, gamma - keys, "keys.product")
            p_s = _product(cs, gamma - s, "sorted.product")
            cs.assert_equal(p_x, p_s, "keys are the sorted keys")
            if n > 1:
                range_check(cs, s[1:n] - s[0:n - 1] - 1, width, "sorted keys are distinct")

    def describe(self) -> str:
        parts = [f"{self.n} records (at least {self.min_records})"]
        named = [f"{(self.feature_names + (self.target_name,))[j]} in [{b[0] / 2 ** self.frac_bits:g}, "
                 f"{b[1] / 2 ** self.frac_bits:g}]" for j, b in enumerate(self.bounds) if b is not None]
        if named:
            parts.append("; ".join(named))
        if self.labels:
            parts.append(f"labels in {{{', '.join(f'{v / 2 ** self.frac_bits:g}' for v in self.labels)}}}")
        if self.positive is not None:
            top = self.n if self.max_positive is None else self.max_positive
            parts.append(f"between {self.min_positive} and {top} records labelled {self.positive / 2 ** self.frac_bits:g}")
        if self.key_column is not None:
            parts.append(f"no two records share a {self.feature_names[self.key_column]}")
        if self.preprocessing is not None:
            parts.append(self.preprocessing.describe())
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "d": self.d, "frac_bits": self.frac_bits, "value_bits": self.value_bits,
                "feature_names": list(self.feature_names), "target_name": self.target_name, "flags": self.flags,
                "bounds": [None if b is None else list(b) for b in self.bounds], "labels": list(self.labels),
                "min_records": self.min_records, "positive": self.positive, "min_positive": self.min_positive,
                "max_positive": self.max_positive, "key_column": self.key_column,
                "preprocessing": preprocessing_to_json(self.preprocessing), "digest": str(self.digest())}

    @staticmethod
    def from_json(obj: object, what: str = "validity spec") -> "ValidityClaim":
        spec = require_mapping(obj, what)
        try:
            claim = ValidityClaim(
                spec["n"], spec["d"], spec["frac_bits"], spec["value_bits"], tuple(spec["feature_names"]),
                spec["target_name"], spec.get("flags", False),
                tuple(None if b is None else tuple(b) for b in spec.get("bounds", [])), tuple(spec.get("labels", [])),
                spec.get("min_records", 0), spec.get("positive"), spec.get("min_positive", 0), spec.get("max_positive"),
                spec.get("key_column"),
                preprocessing_from_json(spec.get("preprocessing"), f"{what}'s preprocessing"))
        except FormatError:
            raise
        except (KeyError, TypeError) as exc:
            raise FormatError(f"the {what} is malformed ({exc})") from None
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        if "digest" in spec and str(spec["digest"]) != str(claim.digest()):
            raise FormatError(f"the {what}'s digest does not match its fields")
        return claim


def _product(cs: ConstraintSystem, factors: LC, name: str) -> LC:
    """prod_i factors[i] as a running product: one constraint per factor after the first."""
    acc = factors[0]
    for i in range(1, factors.shape[0]):
        acc = cs.mul(acc, factors[i], f"{name}.{i}")
    return acc


@dataclass(frozen=True)
class ValidityOpening:
    """The dataset and its salt."""

    dataset: Dataset
    salt: int


@dataclass(frozen=True)
class ValidityStatement(Statement):
    """One validity claim about the dataset committed in C_D."""

    spec: ValidityClaim
    institution: int
    dataset_commitment: int

    def __post_init__(self) -> None:
        parse_address(self.institution)
        if type(self.dataset_commitment) is not int or not 0 <= self.dataset_commitment < R:
            raise InputError("the dataset commitment must be a field element")

    def public_values(self) -> dict[str, int]:
        return {"institution": self.institution, "C_D": self.dataset_commitment, "digest": self.spec.digest()}

    def witness_inputs(self, opening: ValidityOpening) -> dict[str, Any]:
        ds = opening.dataset
        inputs: dict[str, Any] = {"x": ds.features, "y": ds.targets, "salts": leaf_salts(opening.salt, ds.n)}
        if self.spec.flags:
            inputs["flags"] = ds.flags
        if self.spec.key_column is not None:
            inputs["sorted_keys"] = np.sort(ds.features[:, self.spec.key_column])
        return inputs

    def check_opening(self, opening: ValidityOpening) -> None:
        """Refuse, naming the first broken rule, a dataset that does not satisfy the schema."""
        s, ds = self.spec, opening.dataset
        if ds.erased is not None:
            raise InputError("a validity claim is proven about the data as committed, without erased records")
        if (ds.n, ds.d, ds.frac_bits, ds.value_bits, ds.feature_names, ds.target_name, ds.has_flags) != (
                s.n, s.d, s.frac_bits, s.value_bits, s.feature_names, s.target_name, s.flags):
            raise InputError("the dataset's shape or columns differ from the schema's")
        if ds.preprocessing != s.preprocessing:
            raise InputError("the dataset's standardisation statistics differ from the schema's")
        if commit(ds, opening.salt, self.institution) != self.dataset_commitment:
            raise InputError("the data and salt do not open C_D for this institution")
        f = 2 ** s.frac_bits
        columns = list(s.feature_names) + [s.target_name]
        for j, b in enumerate(s.bounds):
            if b is None:
                continue
            col = ds.features[:, j] if j < s.d else ds.targets
            bad = np.nonzero((col < b[0]) | (col > b[1]))[0]
            if len(bad):
                raise InputError(f"record {int(bad[0])}'s {columns[j]} is {col[bad[0]] / f:g}, outside the schema's "
                                 f"[{b[0] / f:g}, {b[1] / f:g}]")
        if s.labels:
            bad = np.nonzero(~np.isin(ds.targets, s.labels))[0]
            if len(bad):
                raise InputError(f"record {int(bad[0])}'s label {ds.targets[bad[0]] / f:g} is not an allowed label")
        if s.positive is not None:
            count = int(np.sum(ds.targets == s.positive))
            top = s.n if s.max_positive is None else s.max_positive
            if not s.min_positive <= count <= top:
                raise InputError(f"{count} records are labelled {s.positive / f:g}, outside the schema's "
                                 f"[{s.min_positive}, {top}]")
        if s.key_column is not None:
            column = ds.features[:, s.key_column]
            order = np.argsort(column, kind="stable")
            keys = column[order]
            dup = np.nonzero(keys[1:] == keys[:-1])[0]
            if len(dup):
                first, second = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
                raise InputError(f"records {first} and {second} share the {s.feature_names[s.key_column]} "
                                 f"{keys[dup[0]] / f:g} (in the committed units)")

    def describe(self) -> str:
        return (f"the dataset {format_address(self.institution)} committed in C_D = {self.dataset_commitment} "
                f"satisfies its schema: {self.spec.describe()}")

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "kind": KIND, "spec": self.spec.to_json(),
                "institution": format_address(self.institution), "dataset_commitment": str(self.dataset_commitment),
                "public_inputs": [str(v) for v in self.public_inputs()], "description": self.describe()}

    @staticmethod
    def from_json(obj: object, what: str = "statement") -> "ValidityStatement":
        s = require_mapping(obj, what)
        if s.get("version") != VERSION or s.get("kind") != KIND:
            raise FormatError(f"the {what} is not a version-{VERSION} validity statement")
        spec = ValidityClaim.from_json(s.get("spec"), f"{what}'s spec")
        try:
            statement = ValidityStatement(spec, parse_address(s.get("institution")),
                                          field_int(s.get("dataset_commitment"), f"the {what}'s dataset_commitment"))
        except InputError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"the {what} is not valid: {exc}") from None
        check_derived_fields(s, statement, what)
        return statement


def claim_for(dataset: Dataset, bounds: dict[str, tuple[float, float]] | None = None,
              labels: tuple[float, ...] = (), min_records: int = 0, positive: Optional[float] = None,
              min_positive: int = 0, max_positive: Optional[int] = None,
              key_column: Optional[str] = None) -> ValidityClaim:
    """A validity claim in the user's units (bounds by column name, labels as reals) for ``dataset``'s shape."""
    f = 2 ** dataset.frac_bits
    names = list(dataset.feature_names) + [dataset.target_name]
    per_column: list[Optional[tuple[int, int]]] = [None] * len(names)
    for name, (lo, hi) in (bounds or {}).items():
        if name not in names:
            raise InputError(f"the schema bounds a column {name!r} the data does not have")
        # Rounded inward: the proven bound is never looser than the one asked for; a bound beyond
        # what the committed width can hold holds for every value, so it is clipped to it.
        half = 1 << (dataset.value_bits - 1)
        low, high = max(int(np.ceil(lo * f)), -half + 1), min(int(np.floor(hi * f)), half - 1)
        if low > high:
            raise InputError(f"the schema's bounds for {name!r} leave no value: [{lo:g}, {hi:g}]")
        per_column[names.index(name)] = (low, high)
    key = None
    if key_column is not None:
        if key_column not in dataset.feature_names:
            raise InputError(f"the key column {key_column!r} is not a feature column")
        key = list(dataset.feature_names).index(key_column)
    return ValidityClaim(dataset.n, dataset.d, dataset.frac_bits, dataset.value_bits, dataset.feature_names,
                         dataset.target_name, dataset.has_flags, tuple(per_column),
                         tuple(int(round(v * f)) for v in labels), min_records,
                         None if positive is None else int(round(positive * f)), min_positive, max_positive, key,
                         dataset.preprocessing)
