"""The Poseidon hash as circomlib/circomlibjs compute it (``poseidon(inputs, init)``).

For k inputs the permutation has width t = k + 1 and starts from the state
[init, x_1, ..., x_k] (init = 0 is circomlib's ``Poseidon``, any other value its
``PoseidonEx`` initial state; zkanchor's own hashes always use a domain tag, see
:mod:`zkanchor.poseidon.domains`); each round adds the round constants, applies x^5 to
every element (full rounds: the first and last R_F/2) or to element 0 only (partial
rounds), and multiplies by the MDS matrix.  The hash is element 0 of the final state.

:func:`poseidon_many` runs the same permutation over whole arrays of inputs at once
(every leaf of a dataset in one call), and :func:`hash_chain` absorbs any number of
elements: 16 at a time, then 15 more per call behind the running hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.poseidon.constants import MAX_WIDTH, params

MAX_INPUTS = MAX_WIDTH - 1


def check_inputs(inputs: Sequence[object]) -> list[int]:
    """Validate hash inputs (1..16 ints in [0, R)); returns them as a list."""
    try:
        values = list(inputs)  # type: ignore[call-overload]
    except TypeError:
        raise InputError(
            f"Poseidon inputs must be a sequence of integers, not {type(inputs).__name__}"
        ) from None
    if not 1 <= len(values) <= MAX_INPUTS:
        raise InputError(
            f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {len(values)}"
        )
    out = []
    for i, v in enumerate(values):
        # numpy integers are fine; bool is an Integral too but almost surely a mistake.
        if not isinstance(v, Integral) or isinstance(v, (bool, np.bool_)):
            raise InputError(f"Poseidon input {i} must be an int, not {type(v).__name__}")
        v = int(v)
        if not 0 <= v < R:
            raise InputError(f"Poseidon input {i} is {v}, outside the scalar field [0, R)")
        out.append(v)
    return out


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of a full state of width t = len(state) (2..17)."""
    p = params(len(state))
    s = [x % R for x in state]
    for r in range(p.rounds):
        s = [(x + c) % R for x, c in zip(s, p.round_constants[r])]
        if p.is_full_round(r):
            s = [pow(x, 5, R) for x in s]
        else:
            s[0] = pow(s[0], 5, R)
        s = [sum(m * x for m, x in zip(row, s)) % R for row in p.mds]
    return s


def poseidon(inputs: Sequence[int], init: int = 0) -> int:
    """circomlib's Poseidon hash of 1..16 field elements (each in [0, R)) from capacity ``init``."""
    values = check_inputs(inputs)
    return permute([init % R, *values])[0]


def poseidon_many(columns: Sequence[object], init: int = 0) -> np.ndarray:
    """Poseidon of many inputs at once: ``columns[j][i]`` is input j of hash i (arrays of one shape).

    Returns an object array of the hashes, shaped like the columns.  Inputs must lie in
    [0, R) (object or integer arrays).
    """
    if not 1 <= len(columns) <= MAX_INPUTS:
        raise InputError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {len(columns)}")
    cols = [np.asarray(c, dtype=object) for c in columns]
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    cols = [np.broadcast_to(c, shape) for c in cols]
    for c in cols:
        if c.size and (np.any(c < 0) or np.any(c >= R)):
            raise InputError("Poseidon inputs must lie in the scalar field [0, R)")
    p = params(len(cols) + 1)
    s = [np.full(shape, init % R, dtype=object)] + [c.copy() for c in cols]
    for r in range(p.rounds):
        s = [(x + c) % R for x, c in zip(s, p.round_constants[r])]
        if p.is_full_round(r):
            s = [_pow5(x) for x in s]
        else:
            s[0] = _pow5(s[0])
        s = [sum(m * x for m, x in zip(row, s)) % R for row in p.mds]
    return np.asarray(s[0], dtype=object)


def _pow5(x: np.ndarray) -> np.ndarray:
    x2 = x * x % R
    return x2 * x2 % R * x % R


def chunks(elements: Sequence) -> list[list]:
    """The absorption schedule of :func:`hash_chain`: the first 16 elements, then 15 at a time."""
    if len(elements) == 0:
        raise InputError("a hash chain needs at least one element")
    first, rest = list(elements[:MAX_INPUTS]), list(elements[MAX_INPUTS:])
    return [first] + [rest[i:i + MAX_INPUTS - 1] for i in range(0, len(rest), MAX_INPUTS - 1)]


def hash_chain(elements: Sequence[int], init: int) -> int:
    """Poseidon over any number of field elements: h = P(e_0..e_15), then h = P(h, next 15)...

    Every call starts from capacity ``init``; callers pass a tag that depends on the
    number of elements, which fixes the schedule.
    """
    parts = chunks(elements)
    h = poseidon(parts[0], init)
    for part in parts[1:]:
        h = poseidon([h, *part], init)
    return h


def hash_chain_many(columns: Sequence[object], init: int) -> np.ndarray:
    """:func:`hash_chain` over many inputs at once (``columns[j][i]`` is element j of chain i)."""
    parts = chunks(list(columns))
    h = poseidon_many(parts[0], init)
    for part in parts[1:]:
        h = poseidon_many([h, *part], init)
    return h
