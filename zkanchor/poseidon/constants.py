"""Poseidon parameters for BN254's scalar field, generated the way circomlib's were.

circomlib (and circomlibjs) took their round constants and MDS matrices from the
Poseidon authors' reference script ``generate_parameters_grain.sage`` run as
``sage generate_parameters_grain.sage 1 0 254 t 8 R_P <r>``: a GF(p) field (1), the
x^alpha S-box (0), 254-bit elements, width t, 8 full rounds and R_P partial rounds.
We re-run that procedure here instead of shipping tables:

* an 80-bit Grain LFSR is seeded with the parameters (2 bits field, 4 bits S-box,
  12 bits n, 12 bits t, 10 bits R_F, 10 bits R_P, then thirty 1s), MSB first;
* the register is clocked with b[i+80] = b[i+62] ^ b[i+51] ^ b[i+38] ^ b[i+23]
  ^ b[i+13] ^ b[i]; the first 160 output bits are thrown away;
* the output is self-shrunk: bits are taken in pairs and the second bit of a pair is
  kept only when the first is 1;
* each round constant is the next n kept bits read MSB first, drawn again while the
  number is >= r (rejection sampling), (R_F + R_P) * t of them, round by round;
* then, from the same stream, 2t numbers of n bits reduced mod r (no rejection here)
  give x_0..x_{t-1}, y_0..y_{t-1} and the Cauchy matrix M[i][j] = 1 / (x_i + y_j);
  the script redraws when two numbers collide or some x_i + y_j = 0.

Newer versions of the script also redraw matrices that fail its "secure MDS" checks;
for every width circomlib uses (t = 2..17) the first matrix drawn is circomlib's
matrix (tests compare our hashes with circomlibjs), so those checks never fire and
are not reimplemented here.

The plain constants are used as they are; circomlib's "optimized" tables (C, S, M, P)
are a rewriting of the same permutation for fewer multiplications and give the same
hash, which the tests also check against circomlibjs's ``buildPoseidon``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError

FIELD_BITS = 254
FULL_ROUNDS = 8
ALPHA = 5
# circomlib's partial-round counts for t = 2..17 (index t - 2): the paper's 128-bit
# security numbers (calc_round_numbers.py) for the x^5 S-box over a 254-bit prime.
PARTIAL_ROUNDS = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
MIN_WIDTH = 2
MAX_WIDTH = MIN_WIDTH + len(PARTIAL_ROUNDS) - 1  # 17, i.e. at most 16 inputs

_TAPS = (62, 51, 38, 23, 13, 0)
# Each tap is at least 18 positions behind the register's end, so 18 new bits can be
# computed from the current register in one step of big-int arithmetic.
_BLOCK = 18


@dataclass(frozen=True)
class PoseidonParams:
    """Round numbers, round constants (one row of t per round) and MDS matrix for a width."""

    t: int
    full_rounds: int
    partial_rounds: int
    round_constants: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]

    @property
    def rounds(self) -> int:
        """Total number of rounds (full + partial)."""
        return self.full_rounds + self.partial_rounds

    def is_full_round(self, r: int) -> bool:
        """True when round ``r`` applies the S-box to every state element."""
        half = self.full_rounds // 2
        return r < half or r >= half + self.partial_rounds


class _Grain:
    """The self-shrinking Grain LFSR of the Poseidon reference script, as a bit stream."""

    def __init__(self, field: int, sbox: int, n: int, t: int, r_f: int, r_p: int):
        seed = "".join(
            format(value, f"0{width}b")
            for value, width in ((field, 2), (sbox, 4), (n, 12), (t, 12), (r_f, 10), (r_p, 10))
        ) + "1" * 30
        # Register bit k (k = 0 oldest) is stored as integer bit k.
        self._reg = int(seed[::-1], 2)
        self._kept = ""  # shrunk output bits not consumed yet, oldest first
        self._raw(160)  # warm-up bits are discarded

    def _raw(self, count: int) -> str:
        """The next ``count`` raw register output bits, oldest first."""
        out = []
        reg = self._reg
        while count > 0:
            step = min(count, _BLOCK)
            new = 0
            for tap in _TAPS:
                new ^= reg >> tap
            new &= (1 << step) - 1
            reg = (reg >> step) | (new << (80 - step))
            out.append(format(new, f"0{step}b")[::-1])
            count -= step
        self._reg = reg
        return "".join(out)

    def bits(self, n: int) -> int:
        """The next ``n`` shrunk bits as an integer, first bit most significant."""
        while len(self._kept) < n:
            raw = self._raw(_BLOCK * 200)  # even length keeps the pairs aligned
            self._kept += "".join(b for a, b in zip(raw[0::2], raw[1::2]) if a == "1")
        chunk, self._kept = self._kept[:n], self._kept[n:]
        return int(chunk, 2)


def _round_constants(grain: _Grain, t: int, rounds: int) -> tuple[tuple[int, ...], ...]:
    flat = []
    for _ in range(rounds * t):
        c = grain.bits(FIELD_BITS)
        while c >= R:
            c = grain.bits(FIELD_BITS)
        flat.append(c)
    return tuple(tuple(flat[r * t:(r + 1) * t]) for r in range(rounds))


def _cauchy_mds(grain: _Grain, t: int) -> tuple[tuple[int, ...], ...]:
    while True:
        values = [grain.bits(FIELD_BITS) % R for _ in range(2 * t)]
        while len(set(values)) != len(values):
            values = [grain.bits(FIELD_BITS) % R for _ in range(2 * t)]
        xs, ys = values[:t], values[t:]
        if all((x + y) % R for x in xs for y in ys):
            return tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)


def partial_rounds(t: int) -> int:
    """circomlib's number of partial rounds for width ``t`` (2..17)."""
    _check_width(t)
    return PARTIAL_ROUNDS[t - MIN_WIDTH]


def _check_width(t: int) -> None:
    if type(t) is not int or not MIN_WIDTH <= t <= MAX_WIDTH:
        raise InputError(
            f"Poseidon width must be an integer from {MIN_WIDTH} to {MAX_WIDTH} "
            f"(1 to {MAX_WIDTH - 1} inputs), not {t!r}"
        )


@lru_cache(maxsize=None)
def params(t: int) -> PoseidonParams:
    """Generate (once per width, then cached) circomlib's Poseidon parameters for width ``t``."""
    r_p = partial_rounds(t)
    grain = _Grain(1, 0, FIELD_BITS, t, FULL_ROUNDS, r_p)
    rc = _round_constants(grain, t, FULL_ROUNDS + r_p)
    mds = _cauchy_mds(grain, t)
    return PoseidonParams(t, FULL_ROUNDS, r_p, rc, mds)
