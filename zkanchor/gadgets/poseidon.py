"""Poseidon as constraints, over blocks: one call hashes every row of its input blocks.

The same permutation as :mod:`zkanchor.poseidon.hash` (circomlib's, with a chosen
initial capacity for domain separation).  Each S-box x^5 costs three multiplications
(x^2, x^4, x^5).  Round-constant additions and the MDS layer are linear, so the state is
carried as linear combinations and costs nothing; S-boxes whose input is a constant
(the capacity in the first round, Merkle padding) are evaluated outside the circuit.
Poseidon with k inputs (t = k + 1) therefore costs 3 * (R_F * t + R_P) - 3 constraints
per row, fewer when inputs are constants (see :func:`constraint_count`).

The partial rounds are applied through affine maps precomputed once per width over a
basis of wire blocks — the t S-box outputs leaving the first full rounds and the
partial S-box outputs so far — so every S-box input is one linear combination with
distinct wires (up to t + R_P + 1 terms: dense rows, minimal constraint count).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.gadgets.field import name_of
from zkanchor.poseidon.constants import FULL_ROUNDS, params, partial_rounds
from zkanchor.poseidon.hash import MAX_INPUTS, chunks, poseidon_many
from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.lc import LC, Term, as_lc


def _combine(coeffs: Sequence[int], basis: Sequence[LC], constant: int) -> LC:
    # sum_j coeffs[j] * basis[j] + constant, skipping zero coefficients.
    out: LC = as_lc(constant % R)
    for c, b in zip(coeffs, basis):
        if c % R:
            out = out + b * (c % R)
    return out


@lru_cache(maxsize=None)
def _partial_block(t: int) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """The partial rounds of width t as affine maps over (S_0..S_{t-1}, z_0..z_{R_P-1}, 1).

    S is the state entering the partial rounds and z_k the S-box output of partial
    round k.  Returns the S-box input of every partial round and the state leaving the
    last one, each as a coefficient vector.
    """
    p = params(t)
    half = p.full_rounds // 2
    n = t + p.partial_rounds + 1
    one = n - 1
    state = [[1 if c == i else 0 for c in range(n)] for i in range(t)]
    sbox_inputs = []
    for k in range(p.partial_rounds):
        for i, c in enumerate(p.round_constants[half + k]):
            state[i][one] = (state[i][one] + c) % R
        sbox_inputs.append(tuple(state[0]))
        state[0] = [1 if c == t + k else 0 for c in range(n)]
        state = [[sum(m * s[c] for m, s in zip(row, state)) % R for c in range(n)] for row in p.mds]
    return tuple(sbox_inputs), tuple(tuple(s) for s in state)


def _schedule(t: int, constant_inputs: Sequence[bool]) -> list[tuple[int, int]]:
    """(round, element) of every S-box that needs wires, in the order the hint fills them."""
    p = params(t)
    half = p.full_rounds // 2
    out = [(0, i) for i in range(1, t) if not constant_inputs[i - 1]]
    out += [(r, i) for r in range(1, half) for i in range(t)]
    out += [(r, 0) for r in range(half, half + p.partial_rounds)]
    out += [(r, i) for r in range(half + p.partial_rounds, p.rounds) for i in range(t)]
    return out


def _sbox_values(t: int, init: int, schedule: list[tuple[int, int]]):
    """The hint: run the permutation over the inputs' values, keep (x^2, x^4, x^5) per scheduled S-box."""
    p = params(t)
    wanted: dict[tuple[int, int], int] = {rs: k for k, rs in enumerate(schedule)}

    def hint(*inputs: np.ndarray) -> np.ndarray:
        shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
        out = np.empty(shape + (len(schedule), 3), dtype=object)
        s = [np.full(shape, init % R, dtype=object)] + [np.broadcast_to(x, shape) for x in inputs]
        for r in range(p.rounds):
            s = [(x + c) % R for x, c in zip(s, p.round_constants[r])]
            for i in range(t) if p.is_full_round(r) else (0,):
                x2 = s[i] * s[i] % R
                x4 = x2 * x2 % R
                x5 = x4 * s[i] % R
                k = wanted.get((r, i))
                if k is not None:
                    out[..., k, 0], out[..., k, 1], out[..., k, 2] = x2, x4, x5
                s[i] = x5
            s = [sum(m * x for m, x in zip(row, s)) % R for row in p.mds]
        return out

    return hint


def poseidon(cs: ConstraintSystem, inputs: Sequence[Term], init: int = 0, name: str | None = None) -> LC:
    """Constrain Poseidon(inputs) from capacity ``init`` for every row; the hashes as an LC block.

    ``inputs`` are 1..16 blocks (or constants) that broadcast to one shape; the result
    has that shape and is linear in the last round's S-box outputs, so no constraint
    binds it to a wire (``poseidon_wire`` does).  The witness of every S-box of every
    row comes from one vectorised run of the permutation.
    """
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise InputError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {len(inputs)}")
    xs = [as_lc(x) for x in inputs]
    shape = np.broadcast_shapes(*(x.shape for x in xs))
    t = len(xs) + 1
    constant = [x.is_constant() for x in xs]
    if all(constant):
        values = [np.broadcast_to(np.asarray(x.constant_value(), dtype=object), shape) for x in xs]
        return LC.constant(poseidon_many(values, init))
    p = params(t)
    half = p.full_rounds // 2
    mds = p.mds
    schedule = _schedule(t, constant)
    index = {rs: k for k, rs in enumerate(schedule)}
    wires = cs.hint(_sbox_values(t, init, schedule), xs, shape + (len(schedule), 3), name_of(name, "sbox"))
    lead = (slice(None),) * len(shape)

    def sbox(r: int, i: int, x: LC) -> LC:
        k = index.get((r, i))
        if k is None:  # a constant input of the first round
            c = np.asarray(x.constant_value(), dtype=object)
            return LC.constant(c * c % R * c % R * c % R * c % R)
        x2, x4, x5 = (wires[lead + (k, j)] for j in range(3))
        label = name_of(name, f"r{r}.s{i}")
        cs.constrain(x, x, x2, name_of(label, "x2"))
        cs.constrain(x2, x2, x4, name_of(label, "x4"))
        cs.constrain(x4, x, x5, name_of(label, "x5"))
        return x5

    # First half of the full rounds.  After its S-boxes the state is kept as the S-box
    # outputs y ("MDS still to apply"), so partial rounds can work on y directly.
    state: list[LC] = [as_lc(init % R).broadcast_to(shape)] + [x.broadcast_to(shape) for x in xs]
    y: list[LC] = []
    for r in range(half):
        if r:
            state = [_combine(row, y, 0) for row in mds]
        state = [st + c for st, c in zip(state, p.round_constants[r])]
        y = [sbox(r, i, st) for i, st in enumerate(state)]
    # State entering the partial rounds: S_c = sum_j mds[c][j] y_j.  A partial-round
    # vector v over (S, z, 1) is, over the basis (y, z, 1), (v[:t] @ mds, v[t:]).
    sbox_inputs, leaving = _partial_block(t)

    def over_basis(v: Sequence[int]) -> tuple[list[int], list[int], int]:
        head = [sum(v[c] * mds[c][j] for c in range(t)) % R for j in range(t)]
        return head, list(v[t:-1]), v[-1]

    zs: list[LC] = []
    for k, vector in enumerate(sbox_inputs):
        head, tail, const = over_basis(vector)
        x = _combine(head, y, const) + (_combine(tail[:k], zs, 0) if k else 0)
        zs.append(sbox(half + k, 0, x))
    state = []
    for vector in leaving:
        head, tail, const = over_basis(vector)
        state.append(_combine(head, y, const) + _combine(tail, zs, 0))
    for r in range(half + p.partial_rounds, p.rounds):
        if r > half + p.partial_rounds:
            state = [_combine(row, y, 0) for row in mds]
        state = [st + c for st, c in zip(state, p.round_constants[r])]
        y = [sbox(r, i, st) for i, st in enumerate(state)]
    return _combine(mds[0], y, 0)


def poseidon_wire(cs: ConstraintSystem, inputs: Sequence[Term], init: int = 0, name: str | None = None) -> LC:
    """:func:`poseidon`, bound to new wires (one more constraint per row)."""
    h = poseidon(cs, inputs, init, name)
    out = cs.hint(lambda v: v, [h], h.shape, name_of(name, "out"))
    cs.assert_equal(out, h, name_of(name, "out"))
    return out


def hash_chain(cs: ConstraintSystem, elements: Sequence[Term], init: int, name: str | None = None) -> LC:
    """:func:`zkanchor.poseidon.hash.hash_chain` in constraints, over blocks (same schedule)."""
    parts = chunks(list(elements))
    h = poseidon(cs, parts[0], init, name_of(name, "h0"))
    for j, part in enumerate(parts[1:], start=1):
        h = poseidon(cs, [h, *part], init, name_of(name, f"h{j}"))
    return h


def constraint_count(t: int, bound_output: bool = False) -> int:
    """Constraints of one Poseidon of width ``t`` on non-constant inputs (+1 when bound to a wire)."""
    sboxes = FULL_ROUNDS * t + partial_rounds(t) - 1  # first-round capacity S-box is constant
    return 3 * sboxes + (1 if bound_output else 0)
