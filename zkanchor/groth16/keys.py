"""Groth16 artifacts as dataclasses: verification key, proving key, proof.

Points are affine tuples of ints (see :mod:`zkanchor.bn254.constants`); ``None`` is the
point at infinity.  Serialization lives elsewhere (``snarkjs_json``, ``binary``) so that
these stay plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

G1Point = Optional[Tuple[int, int]]
Fp2 = Tuple[int, int]
G2Point = Optional[Tuple[Fp2, Fp2]]

G1_BYTES, G2_BYTES = 64, 128


@dataclass(frozen=True, eq=False)
class PackedPoints:
    """Affine points held as one buffer, the layout the native kernel reads without copying.

    A G1 point is x || y (32-byte little-endian, standard form), a G2 point x.c0 || x.c1
    || y.c0 || y.c1; the point at infinity is all zeros.  ``data`` may be a slice of a
    key file's bytes: a million-point vector then costs its bytes and nothing more.
    """

    data: Union[bytes, memoryview]
    group: int  # 1 or 2

    @property
    def width(self) -> int:
        """Bytes per point."""
        return G1_BYTES if self.group == 1 else G2_BYTES

    def __len__(self) -> int:
        return len(self.data) // self.width

    def points(self) -> list:
        """The points as tuples (None for infinity): for pure-Python paths and small vectors."""
        frm = int.from_bytes
        buf = memoryview(self.data)
        out: list = []
        for i in range(0, len(buf), self.width):
            c = [frm(buf[j:j + 32], "little") for j in range(i, i + self.width, 32)]
            if not any(c):
                out.append(None)
            elif self.group == 1:
                out.append((c[0], c[1]))
            else:
                out.append(((c[0], c[1]), (c[2], c[3])))
        return out

    def __iter__(self):
        return iter(self.points())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.points()[index]
        start = index * self.width
        return PackedPoints(bytes(self.data[start:start + self.width]), self.group).points()[0]


PointVector = Union[Sequence, PackedPoints]


def pack_points(points: PointVector, group: int) -> bytes:
    """The buffer form of a point vector (tuples packed, a PackedPoints' buffer as is)."""
    if isinstance(points, PackedPoints):
        return points.data if isinstance(points.data, bytes) else bytes(points.data)
    width = G1_BYTES if group == 1 else G2_BYTES
    parts = []
    for p in points:
        if p is None:
            parts.append(bytes(width))
        elif group == 1:
            parts.append(p[0].to_bytes(32, "little") + p[1].to_bytes(32, "little"))
        else:
            (x0, x1), (y0, y1) = p
            parts.append(b"".join(c.to_bytes(32, "little") for c in (x0, x1, y0, y1)))
    return b"".join(parts)


def point_list(points: PointVector) -> list:
    """A point vector as a list of tuples."""
    return points.points() if isinstance(points, PackedPoints) else list(points)


@dataclass(frozen=True)
class VerificationKey:
    """What a verifier needs: alpha, beta, gamma, delta and one IC point per public wire.

    ``ic[0]`` belongs to the constant wire; ``ic[1:]`` to the public inputs in order.
    """

    alpha_g1: G1Point
    beta_g2: G2Point
    gamma_g2: G2Point
    delta_g2: G2Point
    ic: Tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        """Number of public inputs (the constant wire not counted)."""
        return len(self.ic) - 1


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A in G1, B in G2, C in G1)."""

    a: G1Point
    b: G2Point
    c: G1Point


@dataclass(frozen=True)
class ProvingKey:
    """Everything the prover needs, for one circuit.

    ``a_g1``, ``b_g1``, ``b_g2`` hold one point per wire (``None`` where the wire's
    polynomial is zero); ``l_g1`` one per private wire (wires ``n_public+1 ..``);
    ``h_g1`` the points tau^i * Z(tau) / delta for i < domain_size - 1.  The five
    vectors are tuples of points or :class:`PackedPoints` (keys loaded from disk and
    made by the native setup are packed).
    """

    n_public: int
    n_wires: int
    domain_size: int
    alpha_g1: G1Point
    beta_g1: G1Point
    beta_g2: G2Point
    delta_g1: G1Point
    delta_g2: G2Point
    a_g1: PointVector
    b_g1: PointVector
    b_g2: PointVector
    l_g1: PointVector
    h_g1: PointVector
    vk: VerificationKey
