"""Load tabular data (CSV, numpy arrays, scikit-learn's bundled sets) and quantize it.

Quantization turns a real x into the signed fixed-point integer

    q = round_half_away_from_zero(x * 2^frac_bits),   required: |q| < 2^(value_bits - 1)

computed exactly on the IEEE-754 double x (scaling by a power of two is exact, and
the rounding step never goes through an inexact ``x + 0.5``).  CSV cells are first
parsed into doubles by Python's correctly rounded ``float``, so a CSV file and the
same numbers given as a numpy array quantize identically on every platform.

Bad input raises a :class:`DataError` subclass whose message is one sentence naming
the source (file), the row and the column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zkanchor.commit.dataset import (
    MAX_FRAC_BITS,
    MAX_VALUE_BITS,
    MIN_VALUE_BITS,
    Dataset,
    check_bit_widths,
)
from zkanchor.commit.preprocessing import Standardization
from zkanchor.errors import InputError
from zkanchor.fileio import read_bytes

DEFAULT_FRAC_BITS = 8
DEFAULT_VALUE_BITS = 24

# Plain decimal notation only: Python's float() would also take "1_000" or "0x1p3".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAN = {"nan", "+nan", "-nan"}
_INF = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


class DataError(InputError):
    """A data set cannot be loaded or quantized (the message names file, row and column)."""


class DataFileError(DataError):
    """The file as a whole is unusable: unreadable, empty, no data rows, missing target column."""


class RaggedRowError(DataError):
    """A row has a different number of cells than the header."""


class NonNumericError(DataError):
    """A cell is empty or is not a decimal number."""


class NonFiniteError(DataError):
    """A value is NaN or infinite."""


class ValueRangeError(DataError):
    """A value does not fit the declared signed range after quantization."""


@dataclass(frozen=True, eq=False)
class Table:
    """Real-valued data before quantization: one row per example, the target apart.

    ``lines`` holds each row's line number in its source file (None for arrays), so
    errors found after parsing can still point at the line.
    """

    features: np.ndarray  # float64, shape (n, d)
    targets: np.ndarray  # float64, shape (n,)
    feature_names: tuple[str, ...]
    target_name: str
    source: str
    lines: tuple[int, ...] | None = None
    # Set by standardize(): the statistics the features were scaled with, which quantize()
    # hands to the Dataset so that C_D and every statement over it bind them.
    preprocessing: Standardization | None = None

    def where(self, row: int, column: int | None) -> str:
        """Describe a cell for an error message: source, row and column (None = target)."""
        name = self.target_name if column is None else self.feature_names[column]
        if self.lines is not None:
            at = f"{self.source} line {self.lines[row]} (data row {row + 1})"
        else:
            at = f"{self.source} row {row} (counting from 0)"
        return f"{at}, column {name!r}"


# -- sources ----------------------------------------------------------------------------


def _reject_cell(text: str, where: str) -> None:
    # Called only for cells the fast path in read_csv did not accept; always raises.
    if not text:
        raise NonNumericError(f"{where}: the cell is empty; every cell must hold a number")
    low = text.lower()
    if low in _NAN:
        raise NonFiniteError(f"{where}: the value is NaN; every value must be a finite number")
    if low in _INF:
        raise NonFiniteError(f"{where}: the value {text!r} is infinite; every value must be finite")
    if not _NUMBER.fullmatch(text):
        raise NonNumericError(f"{where}: {text!r} is not a decimal number")
    raise ValueRangeError(f"{where}: {text!r} is too large for any fixed-point range")


def read_csv(path: str | os.PathLike, target: str) -> Table:
    """Read a CSV file with a header row; column ``target`` is the label, all others features.

    Cells may be quoted; blank lines are skipped.  Every cell must be a decimal
    number (e.g. ``-1.5``, ``2e-3``).
    """
    source = Path(path).name or str(path)
    raw = read_bytes(path, "data")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"data file {source} is not UTF-8 text") from None
    try:
        records = [
            (line, row) for row, line in _records(csv.reader(io.StringIO(text, newline="")))
        ]
    except csv.Error as exc:
        raise DataFileError(f"data file {source} is not valid CSV: {exc}") from None
    if not records:
        raise DataFileError(f"data file {source} is empty; it needs a header row and data rows")
    names = [h.strip() for h in records[0][1]]
    for k, h in enumerate(names):
        if not h:
            raise DataFileError(f"data file {source}: header column {k + 1} has no name")
    seen: set[str] = set()
    for h in names:
        if h in seen:
            raise DataFileError(f"data file {source}: the header names column {h!r} twice")
        seen.add(h)
    if target not in seen:
        shown = ", ".join(repr(h) for h in names[:10]) + (", ..." if len(names) > 10 else "")
        raise DataFileError(
            f"data file {source} has no target column {target!r}; its columns are {shown}"
        )
    if len(names) < 2:
        raise DataFileError(f"data file {source} has no feature columns besides the target {target!r}")
    if len(records) == 1:
        raise DataFileError(f"data file {source} has a header but no data rows")
    t_col = names.index(target)
    feature_names = tuple(h for k, h in enumerate(names) if k != t_col)
    n, d = len(records) - 1, len(names) - 1
    features = np.empty((n, d), dtype=np.float64)
    targets = np.empty(n, dtype=np.float64)
    lines = []
    for i, (line, row) in enumerate(records[1:]):
        if len(row) != len(names):
            raise RaggedRowError(
                f"{source} line {line} (data row {i + 1}) has {len(row)} cells "
                f"but the header has {len(names)} columns"
            )
        lines.append(line)
        j = 0
        for k, cell in enumerate(row):
            text = cell.strip()
            value = float(text) if _NUMBER.fullmatch(text) else math.nan
            if not math.isfinite(value):
                _reject_cell(text, f"{source} line {line} (data row {i + 1}), column {names[k]!r}")
            if k == t_col:
                targets[i] = value
            else:
                features[i, j] = value
                j += 1
    return Table(features, targets, feature_names, target, source, tuple(lines))


def _records(reader):
    # Yields (row, line number where the record starts), skipping blank lines.
    start = 1
    for row in reader:
        if row and any(cell.strip() for cell in row):
            yield row, start
        start = reader.line_num + 1


def from_arrays(
    features: object,
    targets: object,
    feature_names: Sequence[str] | None = None,
    target_name: str = "target",
    source: str = "array",
) -> Table:
    """Wrap numeric arrays (features (n, d), targets (n,)) as a Table, checking their shape."""
    try:
        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise NonNumericError(f"{source}: features and targets must be numeric arrays") from None
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise DataFileError(f"{source}: features must be a non-empty 2-D array, not shape {x.shape}")
    if y.shape != (x.shape[0],):
        raise DataFileError(
            f"{source}: targets must have shape ({x.shape[0]},) to match the features, not {y.shape}"
        )
    if feature_names is None:
        feature_names = [f"x{j}" for j in range(x.shape[1])]
    names = tuple(str(s) for s in feature_names)
    if len(names) != x.shape[1]:
        raise DataFileError(
            f"{source}: {len(names)} feature names for {x.shape[1]} feature columns"
        )
    return Table(x, y, names, str(target_name), source)


SKLEARN_SETS = ("breast_cancer", "diabetes", "iris", "wine", "digits")


def load_sklearn(name: str) -> Table:
    """One of scikit-learn's bundled data sets (offline): breast_cancer, diabetes, iris, wine, digits."""
    if name not in SKLEARN_SETS:
        raise DataFileError(
            f"unknown scikit-learn data set {name!r}; choose one of {', '.join(SKLEARN_SETS)}"
        )
    try:
        from sklearn import datasets  # imported lazily: scikit-learn is optional
    except ImportError:
        raise DataFileError(
            f"the {name} data set needs scikit-learn; install it with 'pip install scikit-learn'"
        ) from None
    bunch = getattr(datasets, f"load_{name}")()
    names = getattr(bunch, "feature_names", None)
    names = None if names is None else [str(s) for s in names]
    return from_arrays(bunch.data, bunch.target, names, "target", f"sklearn {name}")


# -- quantization -----------------------------------------------------------------------


def round_half_away(y: np.ndarray) -> np.ndarray:
    """Round each finite double to the nearest integer, halves away from zero, exactly."""
    y = np.asarray(y, dtype=np.float64)
    whole = np.trunc(y)
    # y - trunc(y) is exact for doubles, unlike the classic floor(y + 0.5), which
    # rounds 0.49999999999999994 up to 1.
    frac = y - whole
    return whole + np.where(np.abs(frac) >= 0.5, np.sign(y), 0.0)


def quantize_array(values: object, frac_bits: int, value_bits: int) -> np.ndarray:
    """Quantize an array of reals to int64 fixed point with |q| < 2^(value_bits - 1).

    NaN, infinities and out-of-range values raise a DataError naming the array index;
    :func:`quantize` names rows and columns instead.
    """
    check_bit_widths(frac_bits, value_bits)
    x = np.asarray(values, dtype=np.float64)
    bad = _first_bad(x, frac_bits, value_bits)
    if bad is not None:
        index, cls, problem = bad
        raise cls(f"the value at index {list(index)} {problem}")
    return _quantize_unchecked(x, frac_bits)


def _quantize_unchecked(x: np.ndarray, frac_bits: int) -> np.ndarray:
    return round_half_away(np.ldexp(x, frac_bits)).astype(np.int64)


def _first_bad(
    x: np.ndarray, frac_bits: int, value_bits: int
) -> tuple[tuple[int, ...], type[DataError], str] | None:
    # The first offending cell in row-major order: its index, error class and problem.
    with np.errstate(over="ignore", invalid="ignore"):
        q = round_half_away(np.ldexp(x, frac_bits))
    limit = float(2 ** (value_bits - 1))
    bad = ~(np.abs(q) < limit)  # NaN compares false, so NaN and +-inf are caught too
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    value = float(x[idx])
    if np.isnan(value):
        return idx, NonFiniteError, "is NaN; every value must be a finite number"
    if np.isinf(value):
        return idx, NonFiniteError, f"is {value!r}; every value must be finite"
    hi = 2 ** (value_bits - 1) - 1
    return idx, ValueRangeError, (
        f"is {value!r}, which quantizes outside the range [{-hi}, {hi}] of {value_bits}-bit "
        f"values with {frac_bits} fractional bits (reals up to about ±{hi / 2 ** frac_bits:g})"
    )


def quantize(
    table: Table, frac_bits: int = DEFAULT_FRAC_BITS, value_bits: int | None = None
) -> Dataset:
    """Quantize a Table into a Dataset; the first bad value (by row) raises, naming its cell.

    ``value_bits`` None (the default) takes the narrowest signed width that holds every
    quantized value (at least frac_bits + 2): every committed value costs value_bits
    range-check constraints, so a wider width than the data needs only costs.
    """
    if value_bits is None:
        value_bits = narrowest_value_bits(table, frac_bits)
    check_bit_widths(frac_bits, value_bits)
    found = []
    for arr, is_target in ((table.features, False), (table.targets, True)):
        bad = _first_bad(arr, frac_bits, value_bits)
        if bad is not None:
            idx, cls, problem = bad
            found.append((idx[0], is_target, cls, table.where(idx[0], None if is_target else idx[1]), problem))
    if found:
        _, _, cls, where, problem = min(found, key=lambda f: (f[0], f[1]))
        raise cls(f"{where}: the value {problem}")
    return Dataset(
        features=_quantize_unchecked(table.features, frac_bits),
        targets=_quantize_unchecked(table.targets, frac_bits),
        frac_bits=frac_bits,
        value_bits=value_bits,
        feature_names=table.feature_names,
        target_name=table.target_name,
        preprocessing=table.preprocessing,
    )


def narrowest_value_bits(table: Table, frac_bits: int) -> int:
    """The smallest signed width holding every quantized value of ``table`` (>= frac_bits + 2)."""
    check_bit_widths(frac_bits, MAX_VALUE_BITS)
    # The full-width check names a non-finite or gigantic cell in the user's terms first.
    for arr, is_target in ((table.features, False), (table.targets, True)):
        bad = _first_bad(arr, frac_bits, MAX_VALUE_BITS)
        if bad is not None:
            idx, cls, problem = bad
            raise cls(f"{table.where(idx[0], None if is_target else idx[1])}: the value {problem}")
    biggest = 0
    for arr in (table.features, table.targets):
        q = _quantize_unchecked(arr, frac_bits)
        if q.size:
            biggest = max(biggest, int(np.abs(q).max()))
    return max(frac_bits + 2, biggest.bit_length() + 1)


def standardize(table: Table, stats: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Table, tuple]:
    """Features centred and scaled per column: (x - mean) / std, with ``stats`` or the table's own.

    Returns the new table and the (mean, std) used, so a test set is scaled with the
    training set's statistics.  Constant columns keep std 1.  The new table remembers the
    statistics (``preprocessing``), and :func:`quantize` commits them with the data.
    """
    if table.preprocessing is not None:
        raise DataFileError(f"{table.source}: the features are standardised already (standardising twice would "
                            "commit only the second statistics)")
    x = table.features
    if stats is None:
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        stats = (mean, std)
    mean, std = (np.asarray(a, dtype=np.float64) for a in stats)
    if mean.shape != (x.shape[1],) or std.shape != (x.shape[1],):
        raise DataFileError(f"{table.source}: the standardisation statistics need one mean and std per column")
    record = Standardization.of((mean, std))
    scaled = Table((x - mean) / std, table.targets, table.feature_names, table.target_name, table.source,
                   table.lines, record)
    return scaled, (mean, std)


def dequantize(q: object, frac_bits: int) -> np.ndarray:
    """The real values q / 2^frac_bits that fixed-point integers stand for (float64)."""
    return np.ldexp(np.asarray(q, dtype=np.float64), -int(frac_bits))


__all__ = [
    "DEFAULT_FRAC_BITS",
    "DEFAULT_VALUE_BITS",
    "MAX_FRAC_BITS",
    "MAX_VALUE_BITS",
    "MIN_VALUE_BITS",
    "DataError",
    "DataFileError",
    "NonFiniteError",
    "NonNumericError",
    "RaggedRowError",
    "SKLEARN_SETS",
    "Table",
    "ValueRangeError",
    "dequantize",
    "from_arrays",
    "load_sklearn",
    "quantize",
    "quantize_array",
    "read_csv",
    "narrowest_value_bits",
    "round_half_away",
    "standardize",
]
