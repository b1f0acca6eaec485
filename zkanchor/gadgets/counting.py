"""Predictions and their scoring: sign predictions, argmax, counting correct labels.

Costs (constraints): ``predict_bit(score, n)`` n per score; ``argmax`` over K classes of
signed n-bit values (K - 1)(n + 3) - 1 per row for K >= 2 (0 for K = 1);
``count_correct`` of K pairs K + 1, plus K when labels are checked boolean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkanchor.errors import InputError
from zkanchor.gadgets.compare import is_nonnegative, less_than, select
from zkanchor.gadgets.field import name_of, require_signed
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc, stack

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


# -- gadgets -----------------------------------------------------------------------


def predict_bit(cs: ConstraintSystem, score: Term, n: int, name: str | None = None) -> LC:
    """The bits [score >= 0], proving each score is a signed n-bit value; n constraints each."""
    return is_nonnegative(cs, score, n, name)


def argmax(cs: ConstraintSystem, values: Term, n: int, name: str | None = None) -> LC:
    """One-hot bits of the first largest value along the last axis (signed n-bit values).

    ``values`` has shape rows + (K,); the result has the same shape.  The caller must
    guarantee every value is a signed n-bit value (see ``less_than``).  A running
    maximum keeps the earliest index on ties, like ``argmax_int``; exactly one returned
    bit per row is 1, and each is proven boolean.
    """
    values = as_lc(values)
    if values.ndim == 0 or values.shape[-1] == 0:
        raise InputError("argmax needs at least one value")
    k = values.shape[-1]
    col = lambda j: values[(slice(None),) * (values.ndim - 1) + (j,)]  # noqa: E731
    rows = values.shape[:-1]
    if k == 1:
        return LC.constant(np.ones(rows + (1,), dtype=object))
    # c[j] = 1 when values[j] beats the maximum of values[:j]; the argmax is the last such j.
    c: list[LC | None] = [None]
    best = col(0)
    for j in range(1, k):
        c.append(less_than(cs, best, col(j), n, name_of(name, f"lt{j}")))
        if j < k - 1:
            best = select(cs, c[j], col(j), best, name_of(name, f"max{j}"))
    # onehot[j] = c[j] * prod_{i>j} (1 - c[i]); the suffix product s shrinks by onehot[j].
    onehot: list[LC] = [as_lc(0)] * k
    onehot[k - 1] = c[k - 1]  # type: ignore[assignment]
    suffix = 1 - c[k - 1]  # type: ignore[operator]
    for j in range(k - 2, 0, -1):
        onehot[j] = cs.mul(c[j], suffix, name_of(name, f"hot{j}"))
        suffix = suffix - onehot[j]
    first = cs.hint(lambda v: v, [suffix], rows, name_of(name, "hot0"))
    cs.assert_equal(first, suffix, name_of(name, "hot0"))
    onehot[0] = first
    return stack([o.broadcast_to(rows) for o in onehot], axis=-1)


def one_hot_index(onehot: Term) -> LC:
    """The index sum j * onehot[..., j] as a linear combination (no constraint)."""
    onehot = as_lc(onehot)
    return onehot.dot(list(range(onehot.shape[-1])), axis=-1)


def count_correct(cs: ConstraintSystem, predictions: Term, labels: Term, check_labels: bool = True,
                  name: str | None = None) -> LC:
    """The number of positions where a prediction bit equals its label bit (a single wire).

    Predictions must be proven boolean already (``predict_bit`` and ``argmax`` outputs
    are).  Labels are constrained boolean here unless ``check_labels`` is False, for
    callers that proved it elsewhere.  K + 1 constraints (+ K label checks).
    """
    p, lab = as_lc(predictions), as_lc(labels)
    if p.shape != lab.shape:
        raise InputError("predictions and labels must have the same shape")
    if lab.is_constant():
        consts = np.asarray(lab.constant_value())
        if not np.all((consts == 0) | (consts == 1)):
            raise InputError("a constant label must be 0 or 1")
        agree = p * (2 * consts - 1) + (1 - consts)
    else:
        if check_labels:
            what = name or "a label"

            def check(v):
                if not np.all((v == 0) | (v == 1)):
                    raise InputError(f"{what}: a label is not 0 or 1")
                return np.zeros(np.shape(v) + (0,), dtype=object)

            cs.hint(check, [lab], lab.shape + (0,), name)
            cs.assert_bool(lab, name_of(name, "label"))
        # [p == l] = 1 - p - l + 2 p l for bits.
        both = cs.mul(p, lab, name_of(name, "both"))
        agree = 1 - p - lab + both * 2
    total = agree.sum() if agree.ndim else agree
    count = cs.hint(lambda v: v, [total], (), name_of(name, "count"))
    cs.assert_equal(count, total, name_of(name, "count"))
    return count
