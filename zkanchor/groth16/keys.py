"""Groth16 artifacts as dataclasses: verification key, proving key, proof.

Points are affine tuples of ints (see :mod:`zkanchor.bn254.constants`); ``None`` is the
point at infinity.  Serialization lives elsewhere (``snarkjs_json``, ``binary``) so that
these stay plain data.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
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
    # (the mmap ``data`` is a view of, its offset there) when the key was loaded mapped
    mapping: Optional[Tuple[mmap.mmap, int]] = field(default=None, repr=False)

    def release(self) -> None:
        """Hand this vector's pages back to the OS if it is a view of a mapped key file.

        They stay in the page cache and are read back when the vector is next touched, so
        a prover holds one vector resident at a time instead of the whole key.  A no-op
        for vectors in memory.
        """
        if self.mapping is not None:
            drop_pages(*self.mapping, len(self.data))

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


def drop_pages(mapped: mmap.mmap, offset: int, length: int) -> None:
    """madvise(MADV_DONTNEED) over the pages holding mapped[offset:offset + length].

    Rounded outward to whole pages: a neighbour's page dropped with them is just read
    back from the page cache when touched.  For a read-only file mapping this releases
    resident memory without changing any byte.  A no-op where madvise is unavailable.
    """
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is None or length <= 0:
        return
    page = mmap.PAGESIZE
    start = offset - offset % page
    end = min(len(mapped), -(-(offset + length) // page) * page)
    try:
        mapped.madvise(advice, start, end - start)
    except (ValueError, OSError):  # closed, or refused: the pages simply stay resident
        pass


def point_buffer(points: PointVector, group: int) -> Union[bytes, memoryview]:
    """The buffer form of a point vector, without a copy when it is packed already.

    A loaded key's vectors are views of its file's bytes; handing the kernel (or a
    ``b"".join``) the view itself saves a second copy of every vector (64 MB for a
    2^20-wire G1 vector, 128 MB in G2).  Use :func:`pack_points` where a ``bytes``
    object is needed.
    """
    if isinstance(points, PackedPoints):
        return points.data
    return pack_points(points, group)


def pack_points(points: PointVector, group: int) -> bytes:
    """The vector as ``bytes`` (tuples packed, a PackedPoints' buffer copied unless it is bytes already)."""
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
