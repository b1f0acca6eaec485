"""Predictions and their scoring: sign predictions, argmax, counting correct labels.

Costs (constraints): ``predict_bit(score, n)`` n; ``argmax`` of K signed n-bit values
(K - 1)(n + 3) - 1 for K >= 2 (0 for K = 1); ``count_correct`` of K pairs K + 1, plus
K when labels are checked boolean, minus one per constant label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkanchor.errors import InputError
from zkanchor.gadgets.compare import is_nonnegative, less_than, select
from zkanchor.gadgets.field import name_of, require_signed
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc

# -- integer twins -----------------------------------------------------------------


def predict_bit_int(score: int, n: int | None = None) -> int:
    """[score >= 0]; with ``n``, InputError unless score is a signed n-bit value."""
    score = int(score)
    if n is not None:
        require_signed(score, n, "a score")
    return int(score >= 0)


def predict_bit_np(scores: object) -> np.ndarray:
    """Vectorised ``predict_bit_int``: an int64 array of 0/1."""
    return (np.asarray(scores) >= 0).astype(np.int64)


def argmax_int(values: Sequence[int]) -> int:
    """The index of the first largest value (numpy's argmax rule, ties to the lowest index)."""
    if len(values) == 0:
        raise InputError("argmax needs at least one value")
    vals = [int(v) for v in values]
    return vals.index(max(vals))


def count_correct_int(predictions: Sequence[int], labels: Sequence[int]) -> int:
    """The number of positions where a prediction equals its label."""
    if len(predictions) != len(labels):
        raise InputError("predictions and labels must have the same length")
    return sum(int(p) == int(lab) for p, lab in zip(predictions, labels))


def _add_into(acc: dict[int, int], x: Term, coeff: int) -> None:
    for i, c in as_lc(x).terms.items():
        acc[i] = acc.get(i, 0) + c * coeff


# -- gadgets -----------------------------------------------------------------------


def predict_bit(cs: ConstraintSystem, score: Term, n: int, name: str | None = None) -> Var:
    """Return the bit [score >= 0], proving score is a signed n-bit value; n constraints."""
    return is_nonnegative(cs, score, n, name)


def argmax(cs: ConstraintSystem, values: Sequence[Term], n: int, name: str | None = None) -> list[Var]:
    """Return the one-hot bits of the first largest of ``values`` (signed n-bit each).

    The caller must guarantee every value is a signed n-bit value (see ``less_than``).
    A running maximum keeps the earliest index on ties, like ``argmax_int``; exactly one
    returned bit is 1, and each is proven boolean.
    """
    if len(values) == 0:
        raise InputError("argmax needs at least one value")
    if len(values) == 1:
        return [cs.one]
    k = len(values)
    # c[j] = 1 when values[j] beats the maximum of values[:j]; the argmax is the last such j.
    c: list[Var | None] = [None]
    best: Term = values[0]
    for j in range(1, k):
        c.append(less_than(cs, best, values[j], n, name_of(name, f"lt{j}")))
        if j < k - 1:
            best = select(cs, c[j], values[j], best, name_of(name, f"max{j}"))
    # onehot[j] = c[j] * prod_{i>j} (1 - c[i]); the suffix product s shrinks by onehot[j].
    onehot: list[Var] = [cs.one] * k
    onehot[k - 1] = c[k - 1]  # type: ignore[assignment]
    suffix = 1 - as_lc(c[k - 1])
    for j in range(k - 2, 0, -1):
        onehot[j] = cs.mul(c[j], suffix, name_of(name, f"hot{j}"))
        suffix = suffix - onehot[j]
    first = cs.internal(name_of(name, "hot0"), cs.value(suffix))
    cs.assert_equal(first, suffix, name_of(name, "hot0"))
    onehot[0] = first
    return onehot


def one_hot_index(onehot: Sequence[Term]) -> LinearCombination:
    """The index sum j * onehot[j] as a linear combination (no constraint)."""
    acc: dict[int, int] = {}
    for j, bit in enumerate(onehot):
        _add_into(acc, bit, j)
    return LinearCombination(acc)


def count_correct(
    cs: ConstraintSystem,
    predictions: Sequence[Term],
    labels: Sequence[Term],
    check_labels: bool = True,
    name: str | None = None,
) -> Var:
    """Return the number of positions where a prediction bit equals its label bit.

    Predictions must be proven boolean already (``predict_bit`` and ``argmax`` outputs
    are).  Labels are constrained boolean here unless ``check_labels`` is False, for
    callers that proved it elsewhere; int labels must be 0 or 1.  K + 1 constraints
    (+ K label checks).
    """
    if len(predictions) != len(labels):
        raise InputError("predictions and labels must have the same length")
    # Accumulated in one dict: repeated LinearCombination + would be quadratic in K.
    acc: dict[int, int] = {}
    for i, (p, lab) in enumerate(zip(predictions, labels)):
        if type(lab) is int:
            if lab not in (0, 1):
                raise InputError("a constant label must be 0 or 1")
            _add_into(acc, p, 1 if lab else -1)
            _add_into(acc, 1 - lab, 1)
            continue
        if check_labels:
            if cs.value(lab) not in (None, 0, 1):
                raise InputError("a label is not 0 or 1")
            cs.assert_bool(lab, name_of(name, f"label{i}"))
        # [p == l] = 1 - p - l + 2 p l for bits.
        both = cs.mul(p, lab, name_of(name, f"both{i}"))
        for term, coeff in ((1, 1), (p, -1), (lab, -1), (both, 2)):
            _add_into(acc, term, coeff)
    total = LinearCombination(acc)
    count = cs.internal(name_of(name, "count"), cs.value(total))
    cs.assert_equal(count, total, name_of(name, "count"))
    return count
