"""Poseidon in R1CS: the same permutation as :mod:`zkanchor.poseidon.hash`, as constraints.

Cost: each S-box x^5 is three multiplications (x^2, x^4, x^5).  Round-constant
additions and the MDS layer are linear, so the state is carried as linear
combinations and costs nothing.  A full round costs 3t constraints, a partial round 3.
S-boxes whose input is a constant (the capacity element 0 in the first round, or any
input that is a constant, e.g. Merkle padding) are evaluated outside the circuit for
free.  Poseidon with k inputs (t = k + 1) therefore costs 3 * (R_F * t + R_P) - 3
constraints, fewer when inputs are constants; ``poseidon_gadget`` adds one constraint
to bind the result to a fresh wire.  See :func:`constraint_count`.

Keeping the partial rounds' state as combinations keeps the constraint count minimal
at the price of denser constraints: the S-box input of partial round k mentions the
t wires entering the partial rounds and the k earlier partial S-box outputs (about
28 nonzero coefficients per constraint for t = 3).  The partial rounds are applied
through affine maps precomputed once per width (``_partial_block``), so building a
hash costs O(R_P * (t^2 + R_P)) big-integer operations rather than O(R_P^2 * t^2).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.poseidon.constants import FULL_ROUNDS, params, partial_rounds
from zkanchor.poseidon.hash import MAX_INPUTS
from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Term, Var, as_lc

# A linear combination as a plain dict (id -> coefficient, id 0 = constant 1): the
# linear layer does many additions, and dicts avoid re-validating every intermediate.
_Lin = dict[int, int]


def _sbox(cs: ConstraintSystem, x: _Lin, name: str) -> _Lin:
    if all(i == 0 for i in x):
        return {0: pow(x.get(0, 0), 5, R)} if x.get(0, 0) else {}
    lc = LinearCombination(x)
    x2 = cs.mul(lc, lc, f"{name}.x2")
    x4 = cs.mul(x2, x2, f"{name}.x4")
    x5 = cs.mul(x4, lc, f"{name}.x5")
    return {x5.id: 1}


def _mds(matrix: tuple[tuple[int, ...], ...], state: list[_Lin]) -> list[_Lin]:
    out = []
    for row in matrix:
        acc: dict[int, int] = {}
        for m, s in zip(row, state):
            for i, c in s.items():
                acc[i] = acc.get(i, 0) + m * c
        out.append({i: c % R for i, c in acc.items() if c % R})
    return out


def _add_constants(state: list[_Lin], constants: Sequence[int]) -> list[_Lin]:
    out = []
    for s, c in zip(state, constants):
        s = dict(s)
        s[0] = (s.get(0, 0) + c) % R
        if not s[0]:
            del s[0]
        out.append(s)
    return out


@lru_cache(maxsize=None)
def _partial_block(t: int) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """The partial rounds of width t as affine maps, computed once per width.

    Vectors are over (S_0..S_{t-1}, z_0..z_{R_P-1}, 1): S is the state entering the
    partial rounds and z_k the S-box output of partial round k.  Returns the S-box
    input of every partial round and the state leaving the last one.  Applying these
    maps to linear combinations costs O(t^2 + R_P) per round instead of carrying t
    growing combinations through every MDS product.
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
        state = [
            [sum(m * s[c] for m, s in zip(row, state)) % R for c in range(n)] for row in p.mds
        ]
    return tuple(sbox_inputs), tuple(tuple(s) for s in state)


def _apply(vector: Sequence[int], start: list[_Lin], zs: list[_Lin]) -> _Lin:
    # vector's last entry is the constant; entries for S-boxes not computed yet are 0.
    acc: dict[int, int] = {0: vector[-1]}
    for coeff, lin in zip(vector, start + zs):
        if coeff:
            for i, c in lin.items():
                acc[i] = acc.get(i, 0) + coeff * c
    return {i: c % R for i, c in acc.items() if c % R}


def poseidon_lc(
    cs: ConstraintSystem, inputs: Sequence[Term], name: str = "poseidon"
) -> LinearCombination:
    """Constrain Poseidon(inputs) in ``cs`` and return it as a linear combination.

    ``inputs`` are 1..16 Vars, LinearCombinations or int constants.  The result is
    linear in the last round's S-box outputs, so no constraint binds it to a wire;
    use :func:`poseidon_gadget` when a Var is needed.
    """
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise InputError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, not {len(inputs)}")
    t = len(inputs) + 1
    p = params(t)
    half = p.full_rounds // 2

    def full_round(state: list[_Lin], r: int) -> list[_Lin]:
        state = _add_constants(state, p.round_constants[r])
        state = [_sbox(cs, s, f"{name}.r{r}.s{i}") for i, s in enumerate(state)]
        return _mds(p.mds, state)

    state: list[_Lin] = [{}] + [dict(as_lc(x).terms) for x in inputs]
    for r in range(half):
        state = full_round(state, r)
    sbox_inputs, leaving = _partial_block(t)
    zs: list[_Lin] = []
    for k, vector in enumerate(sbox_inputs):
        zs.append(_sbox(cs, _apply(vector, state, zs), f"{name}.r{half + k}.s0"))
    state = [_apply(vector, state, zs) for vector in leaving]
    for r in range(half + p.partial_rounds, p.rounds):
        state = full_round(state, r)
    return LinearCombination(state[0])


def poseidon_gadget(cs: ConstraintSystem, inputs: Sequence[Term], name: str = "poseidon") -> Var:
    """Constrain Poseidon(inputs) in ``cs`` and return a new internal wire holding it.

    Costs :func:`constraint_count` (len(inputs) + 1) constraints for non-constant
    inputs; the wire's value is filled in when every input has a value.
    """
    lc = poseidon_lc(cs, inputs, name)
    out = cs.internal(f"{name}.out", cs.value(lc))
    cs.assert_equal(out, lc, f"{name}.out")
    return out


def constraint_count(t: int, bound_output: bool = True) -> int:
    """Constraints of one Poseidon of width ``t`` on non-constant inputs (one more when bound to a Var)."""
    sboxes = FULL_ROUNDS * t + partial_rounds(t) - 1  # first-round capacity S-box is constant
    return 3 * sboxes + (1 if bound_output else 0)
