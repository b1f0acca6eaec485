"""The rank-one constraint system (R1CS) as flat arrays, its checker and its hash.

Wire layout follows circom: wire 0 is the constant 1, then the public outputs, the
public inputs, the private inputs and finally the internal wires.  Constraint k means
``<A_k, w> * <B_k, w> = <C_k, w> (mod R)``.

The three matrices are held in compressed sparse row form (:class:`SparseRows`): per
row, a slice of column (wire) indices and of indices into one shared coefficient
table.  A million constraints then cost tens of megabytes, not gigabytes, and the
native kernel multiplies them against a witness without touching Python objects.

Every R1CS is kept in a canonical form — within a row, columns ascending without
repeats and no zero coefficient; the coefficient table sorted ascending — so that
:func:`circuit_hash`, the hash keys are bound to, depends only on the constraints and
the wire layout, never on how a builder happened to emit them.  Constraint names
(:class:`Block`) are metadata for error messages and are not hashed.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint

LinComb = dict[int, int]
Constraint = tuple[LinComb, LinComb, LinComb]

_U32 = 1 << 32
HASH_DOMAIN = b"zkanchor-r1cs-v2\0"


@dataclass(frozen=True, eq=False)
class SparseRows:
    """One matrix of an R1CS in CSR form: row i's entries are ``[row_ptr[i], row_ptr[i+1])``."""

    row_ptr: np.ndarray  # int64, length rows + 1
    cols: np.ndarray  # uint32 wire indices
    cidx: np.ndarray  # uint32 indices into the coefficient table

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_ptr) - 1

    @property
    def nnz(self) -> int:
        """Number of stored (non-zero) entries."""
        return int(self.row_ptr[-1])

    def row_of_entries(self) -> np.ndarray:
        """The row index of every entry (int64, length nnz)."""
        counts = np.diff(self.row_ptr)
        return np.repeat(np.arange(self.n_rows, dtype=np.int64), counts)

    @staticmethod
    def empty(n_rows: int) -> "SparseRows":
        """A matrix with ``n_rows`` empty rows."""
        return SparseRows(np.zeros(n_rows + 1, dtype=np.int64), np.zeros(0, dtype=np.uint32),
                          np.zeros(0, dtype=np.uint32))


@dataclass(frozen=True)
class Block:
    """A run of constraints emitted together: ``count`` rows from ``first``, named ``name``.

    ``shape`` is the block's row shape (``()`` for a single constraint); the k-th row of
    the block is element ``np.unravel_index(k, shape)``.
    """

    first: int
    count: int
    name: str | None
    shape: tuple[int, ...] = ()


@dataclass(eq=False)
class R1CS:
    """A constraint system over BN254's scalar field, in circom's wire layout, as flat arrays."""

    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    a: SparseRows
    b: SparseRows
    c: SparseRows
    coeffs: tuple[int, ...]  # the shared coefficient table, ascending, each in [0, R)
    prime: int = R
    n_labels: int | None = None
    wire_to_label: np.ndarray | None = None
    blocks: tuple[Block, ...] = ()
    _hash: bytes | None = field(default=None, repr=False)

    # -- sizes -----------------------------------------------------------------------

    @property
    def n_public(self) -> int:
        """Number of public signals (outputs first, then inputs), excluding wire 0."""
        return self.n_pub_out + self.n_pub_in

    @property
    def n_constraints(self) -> int:
        """Number of constraints."""
        return self.a.n_rows

    @property
    def nnz(self) -> int:
        """Stored entries over the three matrices."""
        return self.a.nnz + self.b.nnz + self.c.nnz

    def name_of(self, index: int) -> str | None:
        """The name of constraint ``index`` (its block's name, with the row's index in the block)."""
        block = self.block_of(index)
        if block is None or block.name is None:
            return None
        if not block.shape:
            return block.name
        where = np.unravel_index(index - block.first, block.shape)
        return f"{block.name}[{', '.join(str(int(i)) for i in where)}]"

    def block_of(self, index: int) -> Block | None:
        """The :class:`Block` holding constraint ``index``, if the system has block names."""
        if not self.blocks:
            return None
        firsts = [b.first for b in self.blocks]
        k = int(np.searchsorted(firsts, index, side="right")) - 1
        if k < 0:
            return None
        block = self.blocks[k]
        return block if block.first <= index < block.first + block.count else None

    @property
    def names(self) -> list[str | None]:
        """Every constraint's name, in order (materialised: for small systems and tests)."""
        return [self.name_of(k) for k in range(self.n_constraints)]

    # -- dict form (small systems, tests, file formats) -------------------------------

    @property
    def constraints(self) -> list[Constraint]:
        """The constraints as (A, B, C) dicts wire -> coefficient (materialised: small systems only)."""
        table = self.coeffs
        out: list[list[LinComb]] = [[{}, {}, {}] for _ in range(self.n_constraints)]
        for m, matrix in enumerate((self.a, self.b, self.c)):
            ptr, cols, cidx = matrix.row_ptr.tolist(), matrix.cols.tolist(), matrix.cidx.tolist()
            for k in range(self.n_constraints):
                out[k][m] = {cols[e]: table[cidx[e]] for e in range(ptr[k], ptr[k + 1])}
        return [tuple(row) for row in out]  # type: ignore[misc]

    @staticmethod
    def from_constraints(n_wires: int, n_pub_out: int, n_pub_in: int, n_prv_in: int,
                         constraints: Sequence[Constraint], names: Sequence[str | None] | None = None,
                         prime: int = R, n_labels: int | None = None,
                         wire_to_label: Sequence[int] | None = None) -> "R1CS":
        """Build from (A, B, C) dicts; validates counts, wires and coefficients (InputError)."""
        for name, v in (("n_wires", n_wires), ("n_pub_out", n_pub_out), ("n_pub_in", n_pub_in),
                        ("n_prv_in", n_prv_in)):
            if not _is_count(v):
                raise InputError(f"{name} must be a non-negative int, not {v!r}")
        if not isinstance(constraints, (list, tuple)):
            raise InputError("constraints must be a list of (A, B, C) tuples")
        if names is not None and len(names) != len(constraints):
            raise InputError(f"there are {len(names)} names for {len(constraints)} constraints")
        rows: list[tuple[list[int], list[int], list[int]]] = []
        for k, con in enumerate(constraints):
            if not (isinstance(con, tuple) and len(con) == 3):
                raise InputError(f"constraint {k} is not a tuple (A, B, C)")
            for part, lc in zip("ABC", con):
                if not isinstance(lc, dict):
                    raise InputError(f"constraint {k}: {part} is not a dict wire -> coefficient")
                for wire, coeff in lc.items():
                    if not (type(wire) is int and 0 <= wire < n_wires):
                        raise InputError(f"constraint {k}: {part} uses wire {wire!r}, out of range for {n_wires} wires")
                    if not (type(coeff) is int and 0 <= coeff < R):
                        raise InputError(f"constraint {k}: {part} has a coefficient for wire {wire} outside [0, R)")
        for i, lab in enumerate(wire_to_label if wire_to_label is not None else ()):
            if not (isinstance(lab, (int, np.integer)) and not isinstance(lab, bool) and 0 <= lab < 1 << 64):
                raise InputError(f"wire_to_label[{i}] must be an int in [0, 2^64), not {lab!r}")
        builders = [_TripletBuilder() for _ in range(3)]
        for k, con in enumerate(constraints):
            for m, lc in enumerate(con):
                builders[m].add_row(lc)
        table, remaps = _canonical_table([b.values for b in builders])
        mats = [b.finish(remap) for b, remap in zip(builders, remaps)]
        blocks = tuple(Block(k, 1, n) for k, n in enumerate(names or ()) if n is not None)
        r1cs = R1CS(n_wires, n_pub_out, n_pub_in, n_prv_in, *mats, coeffs=table, prime=prime,
                    n_labels=n_labels,
                    wire_to_label=None if wire_to_label is None else np.asarray(wire_to_label, dtype=np.uint64),
                    blocks=blocks)
        validate(r1cs)
        return r1cs

    # -- evaluation ------------------------------------------------------------------

    def evaluate(self, witness: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-constraint <A,w>, <B,w>, <C,w> (object arrays in [0, R)); pure Python/numpy."""
        w = _witness_array(self, witness)
        table = np.array(self.coeffs + (0,), dtype=object)
        out = []
        for matrix in (self.a, self.b, self.c):
            terms = table[matrix.cidx.astype(np.int64)] * w[matrix.cols.astype(np.int64)]
            sums = np.zeros(matrix.n_rows, dtype=object)
            if len(terms):
                starts = matrix.row_ptr[:-1]
                nonempty = np.diff(matrix.row_ptr) > 0
                sums[nonempty] = np.add.reduceat(terms, starts[nonempty])
            out.append(sums % R)
        return out[0], out[1], out[2]


class _TripletBuilder:
    """Collects rows of (wire, coefficient) dicts for :meth:`R1CS.from_constraints`."""

    def __init__(self) -> None:
        self.ptr = [0]
        self.cols: list[int] = []
        self.values: list[int] = []

    def add_row(self, lc: LinComb) -> None:
        for wire in sorted(lc):
            if lc[wire] % R:
                self.cols.append(wire)
                self.values.append(lc[wire] % R)
        self.ptr.append(len(self.cols))

    def finish(self, remap: dict[int, int]) -> SparseRows:
        return SparseRows(np.array(self.ptr, dtype=np.int64), np.array(self.cols, dtype=np.uint32),
                          np.array([remap[v] for v in self.values], dtype=np.uint32))


def _canonical_table(value_lists: Iterable[Sequence[int]]) -> tuple[tuple[int, ...], list[dict[int, int]]]:
    values = sorted({v for vs in value_lists for v in vs})
    index = {v: k for k, v in enumerate(values)}
    lists = list(value_lists) if not isinstance(value_lists, list) else value_lists
    return tuple(values), [index for _ in lists]


def _is_count(v: object) -> bool:
    return type(v) is int and v >= 0


def _witness_array(r1cs: R1CS, witness: Sequence[int] | np.ndarray) -> np.ndarray:
    if isinstance(witness, np.ndarray):
        w = witness
        if w.dtype != object:
            raise InputError("a witness array must hold Python ints (dtype object)")
    elif isinstance(witness, (list, tuple)):
        w = np.empty(len(witness), dtype=object)
        w[:] = list(witness)
    else:
        raise InputError(f"the witness must be a list of integers, not {type(witness).__name__}")
    if len(w) != r1cs.n_wires:
        raise InputError(f"the witness has {len(w)} values but the constraint system has {r1cs.n_wires} wires")
    for i, v in enumerate(w):
        # type() rather than isinstance(): bools and numpy integers are rejected on purpose.
        if type(v) is not int:
            raise InputError(f"witness value {i} is a {type(v).__name__}, not an int")
        if not 0 <= v < R:
            raise InputError(f"witness value {i} is not in the field range [0, R)")
    if w[0] != 1:
        raise InputError(f"witness value 0 (the constant wire) must be 1, not {w[0]}")
    return w


def evaluate(r1cs: R1CS, witness: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """Per-constraint values of <A,w>, <B,w> and <C,w>, each reduced mod R (lists of ints)."""
    a, b, c = r1cs.evaluate(witness)
    return a.tolist(), b.tolist(), c.tolist()


def _wires_of(r1cs: R1CS, k: int, limit: int = 8) -> str:
    wires: set[int] = set()
    for m in (r1cs.a, r1cs.b, r1cs.c):
        wires.update(int(x) for x in m.cols[m.row_ptr[k]:m.row_ptr[k + 1]])
    shown = sorted(wires)
    text = ", ".join(str(w) for w in shown[:limit])
    return text + (", ..." if len(shown) > limit else "")


def first_unsatisfied(r1cs: R1CS, witness: Sequence[int] | np.ndarray) -> int | None:
    """The index of the first constraint ``witness`` breaks, or None (shape errors raise InputError)."""
    from zkanchor import backend

    w = _witness_array(r1cs, witness)
    return backend.first_unsatisfied(r1cs, w)


def check(r1cs: R1CS, witness: Sequence[int] | np.ndarray) -> None:
    """Raise unless ``witness`` satisfies every constraint of ``r1cs``.

    Raises InputError for a witness of the wrong length, with witness[0] != 1 or with a
    value outside [0, R), and UnsatisfiedConstraint naming the first constraint (index
    and name) that fails.  The message lists the wires involved, never their values,
    because witnesses are private.
    """
    k = first_unsatisfied(r1cs, witness)
    if k is not None:
        raise UnsatisfiedConstraint(k, r1cs.name_of(k), f"; it involves wires {_wires_of(r1cs, k)}")


def public_inputs(r1cs: R1CS, witness: Sequence[int]) -> list[int]:
    """The public signals of a witness: public outputs then public inputs (wire 0 excluded)."""
    if len(witness) < 1 + r1cs.n_public:
        raise InputError(
            f"the witness has {len(witness)} values, fewer than the {1 + r1cs.n_public} "
            "needed to hold the public signals"
        )
    return [int(v) for v in witness[1: 1 + r1cs.n_public]]


def find_problem(r1cs: R1CS) -> str | None:
    """One sentence describing the first structural problem of ``r1cs``, or None.

    Shared by :func:`validate` (InputError) and the file readers (FormatError).
    """
    for name in ("n_wires", "n_pub_out", "n_pub_in", "n_prv_in"):
        if not _is_count(getattr(r1cs, name)):
            return f"{name} must be a non-negative int, not {getattr(r1cs, name)!r}"
    if r1cs.prime != R:
        return "the prime is not BN254's scalar field order R; zkanchor supports only BN254"
    if r1cs.n_wires < 1:
        return "a constraint system needs at least wire 0 (the constant 1)"
    if r1cs.n_wires >= _U32:
        return f"{r1cs.n_wires} wires do not fit 32-bit wire indices"
    n_io = 1 + r1cs.n_pub_out + r1cs.n_pub_in + r1cs.n_prv_in
    if n_io > r1cs.n_wires:
        return (f"1 + {r1cs.n_pub_out} public outputs + {r1cs.n_pub_in} public inputs + "
                f"{r1cs.n_prv_in} private inputs is more than the {r1cs.n_wires} wires")
    if r1cs.n_labels is not None and not (_is_count(r1cs.n_labels) and r1cs.n_labels < 1 << 64):
        return f"n_labels must be None or an int in [0, 2^64), not {r1cs.n_labels!r}"
    if r1cs.wire_to_label is not None and len(r1cs.wire_to_label) != r1cs.n_wires:
        return f"wire_to_label has {len(r1cs.wire_to_label)} entries but there are {r1cs.n_wires} wires"
    rows = r1cs.a.n_rows
    for part, m in zip("ABC", (r1cs.a, r1cs.b, r1cs.c)):
        if m.n_rows != rows:
            return f"matrix {part} has {m.n_rows} rows but A has {rows}"
        ptr = m.row_ptr
        if ptr.dtype != np.int64 or ptr[0] != 0 or np.any(np.diff(ptr) < 0) or ptr[-1] != len(m.cols) \
                or len(m.cidx) != len(m.cols):
            return f"matrix {part} is not a well-formed sparse matrix"
        if len(m.cols) and int(m.cols.max()) >= r1cs.n_wires:
            row = int(np.searchsorted(ptr, int(np.argmax(m.cols >= r1cs.n_wires)), side="right")) - 1
            return f"constraint {row}: {part} uses a wire out of range for {r1cs.n_wires} wires"
        if len(m.cidx) and int(m.cidx.max()) >= len(r1cs.coeffs):
            return f"matrix {part} refers to a coefficient outside the table"
    for v in r1cs.coeffs:
        if not (type(v) is int and 0 <= v < R):
            return "a coefficient lies outside [0, R)"
    return None


def validate(r1cs: R1CS) -> None:
    """Raise InputError (one sentence) unless ``r1cs`` is structurally sound."""
    if not isinstance(r1cs, R1CS):
        raise InputError(f"expected an R1CS, not {type(r1cs).__name__}")
    problem = find_problem(r1cs)
    if problem is not None:
        raise InputError(problem)


def circuit_hash(r1cs: R1CS) -> bytes:
    """sha256 of the canonical encoding: what keys, ceremonies and the registry bind to.

    Covers the counts, the wire layout, every matrix and the coefficient table, under a
    domain tag of its own; not the constraint names.
    """
    if r1cs._hash is None:
        h = hashlib.sha256(HASH_DOMAIN)
        h.update(struct.pack("<QQQQQQ", r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in,
                             r1cs.n_constraints, len(r1cs.coeffs)))
        for m in (r1cs.a, r1cs.b, r1cs.c):
            h.update(np.ascontiguousarray(m.row_ptr, dtype="<i8").tobytes())
            h.update(np.ascontiguousarray(m.cols, dtype="<u4").tobytes())
            h.update(np.ascontiguousarray(m.cidx, dtype="<u4").tobytes())
        h.update(coefficient_bytes(r1cs))
        r1cs._hash = h.digest()
    return r1cs._hash


def coefficient_bytes(r1cs: R1CS) -> bytes:
    """The coefficient table as 32-byte little-endian field elements."""
    return b"".join(v.to_bytes(32, "little") for v in r1cs.coeffs)
