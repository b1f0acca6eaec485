"""The Poseidon hash as circomlib/circomlibjs compute it (``poseidon(inputs)``).

For k inputs the permutation has width t = k + 1 and starts from the state
[0, x_1, ..., x_k]; each round adds the round constants, applies x^5 to every element
(full rounds: the first and last R_F/2) or to element 0 only (partial rounds), and
multiplies by the MDS matrix.  The hash is element 0 of the final state.
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


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib's Poseidon hash of 1..16 field elements (each in [0, R))."""
    values = check_inputs(inputs)
    return permute([0, *values])[0]
