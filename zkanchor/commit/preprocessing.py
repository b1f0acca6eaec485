"""The committed preprocessing: per-feature standardisation statistics, bound into C_D.

``zkanchor commit --standardize`` turns every feature x_j into (x_j - mean_j) / std_j
(float64) before quantizing.  Committed values are z-scores, so a reader of a proof (or
whoever applies the model to new rows) must know the exact statistics: without them a
claim such as "age in [-3, 3]" or a model's weights mean nothing, and an institution could
hand out other statistics later.  The record is therefore part of the schema digest (see
:func:`zkanchor.commit.commitment.schema_digest`), hence of C_D's shape and of every
statement that rebuilds that shape (training, its test set, validity, erasure).

Digest: a Poseidon chain under tag(preprocessing) over

    [d, bits(mean_0), bits(std_0), ..., bits(mean_{d-1}), bits(std_{d-1})]

where bits(v) is v's IEEE-754 binary64 pattern as an unsigned 64-bit integer: exact, so no
decimal rendering can make two parties disagree about which statistics were committed.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from zkanchor.errors import FormatError, InputError
from zkanchor.poseidon import domains
from zkanchor.poseidon.domains import tag
from zkanchor.poseidon.hash import hash_chain

KIND = "standardize"
FORMULA = "(x - mean) / std, in float64, per feature"


def float_bits(value: float) -> int:
    """The IEEE-754 binary64 bit pattern of ``value`` as an unsigned integer."""
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def _numbers(values: object, what: str) -> tuple[float, ...]:
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise InputError(f"the standardisation's {what} must be a list of numbers") from None
    out = []
    for v in items:
        # A bool is an int to Python but no statistic; an int must be exactly a float64.
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise InputError(f"the standardisation's {what} must be a list of numbers")
        f = float(v)
        if not math.isfinite(f) or (isinstance(v, (int, np.integer)) and int(f) != int(v)):
            raise InputError(f"the standardisation's {what} must be finite float64 numbers")
        out.append(f)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Standardization:
    """Per-feature (mean, std) applied as (x - mean) / std before quantizing.

    Equality is bit for bit (-0.0 is not 0.0 here): two records are equal exactly when
    their digests are.
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self) -> None:
        mean, std = _numbers(self.mean, "means"), _numbers(self.std, "standard deviations")
        if not mean or len(mean) != len(std):
            raise InputError("the standardisation needs one mean and one standard deviation per feature")
        if not all(s > 0 for s in std):
            raise InputError("every standard deviation of the standardisation must be positive")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Standardization):
            return NotImplemented
        return self.field_elements() == other.field_elements()

    def __hash__(self) -> int:
        return hash(tuple(self.field_elements()))

    @property
    def d(self) -> int:
        """Number of feature columns."""
        return len(self.mean)

    @classmethod
    def of(cls, stats: tuple[object, object]) -> "Standardization":
        """From a (mean, std) pair of arrays, as :func:`zkanchor.commit.quantize.standardize` returns."""
        mean, std = stats
        return cls(tuple(np.asarray(mean, dtype=np.float64).tolist()),
                   tuple(np.asarray(std, dtype=np.float64).tolist()))

    def field_elements(self) -> list[int]:
        """What :meth:`digest` hashes (order is part of the format)."""
        out = [self.d]
        for m, s in zip(self.mean, self.std):
            out += [float_bits(m), float_bits(s)]
        return out

    def digest(self) -> int:
        """The record's digest (see the module docstring)."""
        return hash_chain(self.field_elements(), tag(domains.PREPROCESSING))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) as float64 arrays."""
        return np.asarray(self.mean, dtype=np.float64), np.asarray(self.std, dtype=np.float64)

    def describe(self) -> str:
        """One phrase for a statement's description."""
        short = f"0x{self.digest():064x}"[:10]
        return (f"features standardised with committed statistics (mean/std of {self.d} "
                f"column{'s' if self.d != 1 else ''}, digest {short}…)")

    def to_json(self) -> dict[str, Any]:
        """A JSON object; Python's float repr round-trips every float64 exactly (so does JSON.parse)."""
        return {"kind": KIND, "mean": list(self.mean), "std": list(self.std), "digest": str(self.digest())}

    @staticmethod
    def from_json(obj: object, what: str = "preprocessing record") -> "Standardization":
        """Parse :meth:`to_json` output; FormatError when malformed or when the digest does not match."""
        if not isinstance(obj, dict) or obj.get("kind") != KIND:
            raise FormatError(f"the {what} must be a JSON object of kind {KIND!r}")
        if not isinstance(obj.get("mean"), list) or not isinstance(obj.get("std"), list):
            raise FormatError(f"the {what} must hold lists 'mean' and 'std'")
        try:
            record = Standardization(tuple(obj["mean"]), tuple(obj["std"]))
        except InputError as exc:
            raise FormatError(f"the {what} is not valid: {exc}") from None
        # The digest is derived, but a reader may compare it: a file showing another one is refused.
        if "digest" in obj and str(obj["digest"]) != str(record.digest()):
            raise FormatError(f"the {what}'s digest does not match its statistics")
        return record


def preprocessing_from_json(obj: object, what: str = "preprocessing record") -> Standardization | None:
    """None for JSON null, else :meth:`Standardization.from_json`."""
    return None if obj is None else Standardization.from_json(obj, what)


def preprocessing_to_json(record: Standardization | None) -> dict[str, Any] | None:
    """None for no preprocessing, else :meth:`Standardization.to_json`."""
    return None if record is None else record.to_json()
