"""Arguments for ``verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] input)``.

**G2 coordinate order — the classic bug.**  zkanchor (like snarkjs's JSON and py_ecc)
stores an Fp2 element ``c0 + c1*u`` as ``(c0, c1)``, real part first.  The EVM pairing
precompile (EIP-197) wants the *imaginary part first*: a G2 point is encoded as
``x1, x0, y1, y0``.  So for ``B = ((x0, x1), (y0, y1))`` the calldata is::

    b = [[x1, x0], [y1, y0]]

Passing ``[[x0, x1], [y0, y1]]`` instead does not revert; the proof simply fails to
verify (or the precompile rejects the point), which is why it goes unnoticed so often.
G1 points are ``[x, y]``; the point at infinity is encoded as all zeros.
"""

from __future__ import annotations

from typing import Sequence

from ..bn254.constants import P, R
from ..errors import FieldError, InputError
from ..groth16.keys import G1Point, G2Point, Proof


def _coord(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < P:
        raise FieldError(f"{what} must be an integer in [0, p)")
    return value


def g1_words(point: G1Point, what: str = "G1 point") -> list[int]:
    """A G1 point as EVM words ``[x, y]`` (infinity → ``[0, 0]``)."""
    if point is None:
        return [0, 0]
    return [_coord(point[0], f"{what} x"), _coord(point[1], f"{what} y")]


def g2_words(point: G2Point, what: str = "G2 point") -> list[list[int]]:
    """A G2 point as EVM words ``[[x1, x0], [y1, y0]]`` — imaginary part first (EIP-197)."""
    if point is None:
        return [[0, 0], [0, 0]]
    (x0, x1), (y0, y1) = point
    return [
        [_coord(x1, f"{what} x.c1"), _coord(x0, f"{what} x.c0")],
        [_coord(y1, f"{what} y.c1"), _coord(y0, f"{what} y.c0")],
    ]


def public_words(public: Sequence[int]) -> list[int]:
    """Public inputs as EVM words; each must already be reduced (``0 <= v < r``)."""
    out = []
    for i, v in enumerate(public):
        if not isinstance(v, int) or isinstance(v, bool):
            raise InputError(f"public input {i} must be an integer, got {type(v).__name__}")
        if not 0 <= v < R:
            raise FieldError(f"public input {i} is not in [0, r); the verifier would reject it")
        out.append(v)
    return out


def proof_calldata(proof: Proof, public: Sequence[int]) -> tuple[list[int], list[list[int]], list[int], list[int]]:
    """The ``(a, b, c, input)`` arguments of ``verifyProof`` for a proof and its public inputs.

    ``b`` is in EIP-197 order (see the module docstring).  Raises FieldError for a
    coordinate outside [0, p) or a public input outside [0, r).
    """
    return (
        g1_words(proof.a, "proof A"),
        g2_words(proof.b, "proof B"),
        g1_words(proof.c, "proof C"),
        public_words(public),
    )


def _hex_word(value: int) -> str:
    return f'"0x{value:064x}"'


def snarkjs_calldata_string(proof: Proof, public: Sequence[int]) -> str:
    """The text ``snarkjs zkey export soliditycalldata`` prints (without its final newline).

    Useful for pasting into Remix or comparing with snarkjs output byte for byte.
    """
    a, b, c, inputs = proof_calldata(proof, public)

    def pair(words: Sequence[int]) -> str:
        return "[" + ", ".join(_hex_word(w) for w in words) + "]"

    return (
        f"{pair(a)},"
        f"[{pair(b[0])},{pair(b[1])}],"
        f"{pair(c)},"
        "[" + ",".join(_hex_word(v) for v in inputs) + "]"
    )
