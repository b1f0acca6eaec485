"""The circuit builder: a circuit is *defined* once, then *solved* for each witness.

    cs = ConstraintSystem()
    y = cs.public("y")                        # public inputs first, in their final order
    x = cs.private("x", shape=(n,))           # a block of private inputs (value= gives a default)
    x2 = cs.mul(x, x, "x2")                   # n product wires, n constraints
    cs.assert_equal(x2.sum() + x.sum(), y, "result")
    r1cs = cs.build()                         # the shape: depends on nothing private
    w = cs.solve({"x": xs, "y": total})       # the witness, from the inputs alone

Defining a circuit records two things, as circom splits a circuit into constraints and
a witness generator, and gnark into ``Define`` and the solver: the constraints (blocks
of rows over :class:`~zkanchor.r1cs.lc.LC` blocks) and a *witness program* — for every
internal wire block, the vectorised function ("hint") that computes it from values
already known.  Gadgets never see private values while the circuit is defined, so the
same definition serves every dataset of a shape, and :meth:`solve` runs each hint once
over a whole block with numpy instead of once per constraint in Python.

Values inside the solver are object arrays of Python ints in [0, R) indexed by wire id
(creation order); hints get the field values of their inputs and may return signed
integers (reduced mod R on the way in).  A hint that cannot produce its wires (a value
out of range, a division by zero) raises :class:`~zkanchor.errors.InputError`.

For small circuits and tests, inputs may carry a default value
(``cs.private("x", value=3)``) and :meth:`witness` solves with the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.r1cs.lc import LC, Term, as_lc, field_array
from zkanchor.r1cs.system import R1CS, Block, SparseRows

_ONE, _PUBLIC, _PRIVATE, _INTERNAL = 0, 1, 2, 3
_KIND_NAMES = {_PUBLIC: "public input", _PRIVATE: "private input", _INTERNAL: "internal wire"}

Hint = Callable[..., Any]


@dataclass(frozen=True)
class _Input:
    name: str
    kind: int
    ids: np.ndarray  # wire ids, shaped as the input
    default: np.ndarray | None


@dataclass(frozen=True)
class _Step:
    name: str | None
    ids: np.ndarray  # output wire ids, shaped as the output
    fn: Hint
    inputs: tuple[LC, ...]


@dataclass(frozen=True)
class _ConstraintBlock:
    a: LC
    b: LC
    c: LC
    name: str | None
    shape: tuple[int, ...]


class ConstraintSystem:
    """Collects wire blocks, constraint blocks and the witness program; builds an R1CS."""

    def __init__(self) -> None:
        self._n_vars = 1  # id 0 is the constant-1 wire
        self._ranges: list[tuple[int, int, int]] = [(0, 1, _ONE)]  # (first id, count, kind)
        self._inputs: dict[str, _Input] = {}
        self._public_order: list[str] = []
        self._steps: list[_Step] = []
        self._blocks: list[_ConstraintBlock] = []
        self._n_constraints = 0
        self._built: tuple[R1CS, np.ndarray] | None = None
        self._values: np.ndarray | None = None
        self.one = LC.wires(np.array(0))

    # -- wires -----------------------------------------------------------------------

    def _allocate(self, kind: int, shape: tuple[int, ...]) -> np.ndarray:
        if self._built is not None:
            raise InputError("the circuit was already built; define a new one to change it")
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise InputError(f"a wire block cannot have shape {shape}")
        count = int(np.prod(shape, dtype=np.int64))
        first = self._n_vars
        self._n_vars += count
        if count:
            last = self._ranges[-1]
            if last[2] == kind and last[0] + last[1] == first:
                self._ranges[-1] = (last[0], last[1] + count, kind)
            else:
                self._ranges.append((first, count, kind))
        return np.arange(first, first + count, dtype=np.int64).reshape(shape)

    def _input(self, kind: int, name: str, shape: Sequence[int], value: object) -> LC:
        if not isinstance(name, str) or not name:
            raise InputError("every input needs a non-empty name")
        if name in self._inputs:
            raise InputError(f"the circuit already has an input named {name!r}")
        shape = tuple(shape)
        try:
            default = None if value is None else field_array(value, shape)
        except ValueError:
            raise InputError(f"the value of input {name!r} does not fit its shape {shape}") from None
        ids = self._allocate(kind, shape)
        self._inputs[name] = _Input(name, kind, ids, default)
        return LC.wires(ids)

    def public(self, name: str, value: object = None, shape: Sequence[int] = ()) -> LC:
        """Declare a public input (all of them come before any other wire, in their final order)."""
        if any(kind != _PUBLIC for _first, _count, kind in self._ranges[1:]):
            raise InputError(f"public input {name!r} is declared after a private or internal wire; "
                             "declare every public input first")
        out = self._input(_PUBLIC, name, shape, value)
        self._public_order.append(name)
        return out

    def private(self, name: str, value: object = None, shape: Sequence[int] = ()) -> LC:
        """Declare a block of private inputs, given to :meth:`solve` under ``name``."""
        return self._input(_PRIVATE, name, shape, value)

    def hint(self, fn: Hint, inputs: Sequence[Term], shape: Sequence[int], name: str | None = None) -> LC:
        """New internal wires of ``shape``, computed at solve time as ``fn(*input_values)``.

        The wires are unconstrained until the caller constrains them: a hint is what the
        honest prover computes, the constraints are what anyone can be held to.
        """
        lcs = tuple(as_lc(x) for x in inputs)
        self._check_owned(lcs)
        ids = self._allocate(_INTERNAL, tuple(shape))
        self._steps.append(_Step(name, ids, fn, lcs))
        return LC.wires(ids)

    # -- constraints -----------------------------------------------------------------

    def constrain(self, a: Term, b: Term, c: Term, name: str | None = None) -> None:
        """Add the constraints a * b = c, elementwise over the broadcast shape of a, b and c."""
        if self._built is not None:
            raise InputError("the circuit was already built; define a new one to change it")
        la, lb, lc = as_lc(a), as_lc(b), as_lc(c)
        shape = np.broadcast_shapes(la.shape, lb.shape, lc.shape)
        if int(np.prod(shape, dtype=np.int64)) == 0:
            return
        self._check_owned((la, lb, lc))
        size = int(np.prod(shape, dtype=np.int64))
        if size == 0:
            return
        self._blocks.append(_ConstraintBlock(la, lb, lc, name, tuple(shape)))
        self._n_constraints += size

    def _check_owned(self, lcs: Sequence[LC]) -> None:
        for x in lcs:
            if x.ids.size and (int(x.ids.max()) >= self._n_vars or int(x.ids.min()) < 0):
                raise InputError("a linear combination uses a wire that is not part of this constraint system")

    def mul(self, a: Term, b: Term, name: str | None = None) -> LC:
        """New wires equal to a * b (elementwise, broadcast), one constraint each."""
        la, lb = as_lc(a), as_lc(b)
        if la.is_constant() or lb.is_constant():
            return la * lb
        shape = np.broadcast_shapes(la.shape, lb.shape)
        out = self.hint(_product, (la, lb), shape, name)
        self.constrain(la, lb, out, name)
        return out

    def assert_equal(self, a: Term, b: Term, name: str | None = None) -> None:
        """Constrain a == b elementwise, as (a - b) * 1 = 0."""
        self.constrain(as_lc(a) - as_lc(b), 1, 0, name)

    def assert_bool(self, v: Term, name: str | None = None) -> None:
        """Constrain every element of v to 0 or 1, as v * (v - 1) = 0."""
        lv = as_lc(v)
        self.constrain(lv, lv - 1, 0, name)

    def bits(self, fn: Hint, inputs: Sequence[Term], shape: Sequence[int], name: str | None = None) -> LC:
        """A hint whose every output is constrained boolean (one constraint each)."""
        out = self.hint(fn, inputs, shape, name)
        self.assert_bool(out, name)
        return out

    @property
    def n_constraints(self) -> int:
        """Number of constraints added so far."""
        return self._n_constraints

    @property
    def n_variables(self) -> int:
        """Number of variables including the constant-1 wire."""
        return self._n_vars

    def input_names(self, kind: str = "all") -> list[str]:
        """Names of the inputs: ``"public"`` (in order), ``"private"`` or ``"all"``."""
        if kind == "public":
            return list(self._public_order)
        wanted = {"private": (_PRIVATE,), "all": (_PUBLIC, _PRIVATE)}[kind]
        return [n for n, i in self._inputs.items() if i.kind in wanted]

    def input_shape(self, name: str) -> tuple[int, ...]:
        """The shape of input ``name``."""
        return self._inputs[name].ids.shape

    # -- output ----------------------------------------------------------------------

    def _layout(self) -> np.ndarray:
        """position[id] = wire index in circom's layout (public, then private, then internal)."""
        kinds = np.empty(self._n_vars, dtype=np.int8)
        for first, count, kind in self._ranges:
            kinds[first:first + count] = kind
        order = np.argsort(kinds, kind="stable")
        position = np.empty(self._n_vars, dtype=np.int64)
        position[order] = np.arange(self._n_vars, dtype=np.int64)
        return position

    def build(self) -> R1CS:
        """The R1CS (canonical form) in circom's wire layout; every public input is public."""
        if self._built is not None:
            return self._built[0]
        position = self._layout()
        interner = _Interner()
        mats: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[], [], []]
        for block in self._blocks:
            for m, lc in enumerate((block.a, block.b, block.c)):
                mats[m].append(_emit(lc.broadcast_to(block.shape), position, interner))
        used = np.unique(np.concatenate([p[2] for parts in mats for p in parts] or [np.zeros(0, np.int64)]))
        table, remap = interner.canonical(used)
        matrices = [_assemble(parts, remap, self._n_constraints) for parts in mats]
        blocks, first = [], 0
        for block in self._blocks:
            size = int(np.prod(block.shape, dtype=np.int64))
            blocks.append(Block(first, size, block.name, block.shape))
            first += size
        counts = {kind: sum(c for _f, c, k in self._ranges if k == kind) for kind in (_PUBLIC, _PRIVATE)}
        r1cs = R1CS(
            n_wires=self._n_vars, n_pub_out=0, n_pub_in=counts[_PUBLIC], n_prv_in=counts[_PRIVATE],
            a=matrices[0], b=matrices[1], c=matrices[2], coeffs=table,
            n_labels=self._n_vars, wire_to_label=None, blocks=tuple(blocks),
        )
        self._built = (r1cs, np.argsort(position))
        return r1cs

    # -- witness ---------------------------------------------------------------------

    def solve(self, inputs: Mapping[str, object] | None = None) -> np.ndarray:
        """Run the witness program: the full witness in wire order (object array of ints in [0, R)).

        ``inputs`` maps input names to values (ints or int arrays of the input's shape,
        signed allowed); inputs declared with a default may be omitted.
        """
        self.build()
        assert self._built is not None
        given = dict(inputs or {})
        unknown = sorted(set(given) - set(self._inputs))
        if unknown:
            raise InputError(f"the circuit has no input named {unknown[0]!r}")
        values = np.empty(self._n_vars, dtype=object)
        values[0] = 1
        for name, spec in self._inputs.items():
            if name in given:
                raw = np.asarray(given[name]) if not isinstance(given[name], np.ndarray) else given[name]
                if raw.shape != spec.ids.shape:
                    raise InputError(f"input {name!r} must have shape {spec.ids.shape}, not {raw.shape}")
                vals = field_array(raw)
            elif spec.default is not None:
                vals = spec.default
            else:
                raise InputError(f"{_KIND_NAMES[spec.kind]} {name!r} has no value; give it to solve()")
            values[spec.ids.reshape(-1)] = np.asarray(vals).reshape(-1)
        for step in self._steps:
            args = [x.value(values) for x in step.inputs]
            out = step.fn(*args)
            try:
                out = field_array(out, step.ids.shape)
            except ValueError:
                raise InputError(f"hint {step.name or '(unnamed)'} returned values of shape "
                                 f"{np.shape(out)}, expected {step.ids.shape}") from None
            values[step.ids.reshape(-1)] = np.asarray(out).reshape(-1)
        self._values = values
        return values[self._built[1]]

    def value(self, x: Term, inputs: Mapping[str, object] | None = None):
        """The value of ``x`` in the last solution (solving with ``inputs``/defaults if none yet).

        An int for a single combination, else an object array; for tests and debugging.
        """
        if self._values is None or inputs is not None:
            self.solve(inputs)
        out = as_lc(x).value(self._values)
        return int(out) if out.shape == () else out

    def witness(self, inputs: Mapping[str, object] | None = None) -> list[int]:
        """:meth:`solve` as a list of ints (small circuits and tests)."""
        return self.solve(inputs).tolist()

    def public_values(self, inputs: Mapping[str, object] | None = None) -> list[int]:
        """The public inputs' values, in order, for ``inputs`` (defaults where omitted)."""
        out = []
        given = dict(inputs or {})
        for name in self._public_order:
            spec = self._inputs[name]
            vals = field_array(given[name], spec.ids.shape) if name in given else spec.default
            if vals is None:
                raise InputError(f"public input {name!r} has no value")
            out.extend(int(v) for v in np.asarray(vals).reshape(-1))
        return out


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a * b


class _Interner:
    """Assigns provisional indices to coefficient values; :meth:`canonical` sorts them."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}

    def ids(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=object)  # 0-d object arithmetic hands back plain ints
        flat = values.reshape(-1)
        if flat.size <= 64:
            return np.array([self._one(int(v)) for v in flat], dtype=np.int64).reshape(values.shape)
        uniq, inverse = np.unique(flat, return_inverse=True)
        mapped = np.array([self._one(int(v)) for v in uniq], dtype=np.int64)
        return mapped[inverse].reshape(values.shape)

    def values(self) -> list[int]:
        """Values by provisional id."""
        out = [0] * len(self.index)
        for v, k in self.index.items():
            out[k] = v
        return out

    def _one(self, v: int) -> int:
        k = self.index.get(v)
        if k is None:
            k = self.index[v] = len(self.index)
        return k

    def canonical(self, used: np.ndarray) -> tuple[tuple[int, ...], np.ndarray]:
        """The sorted table of the values ``used`` refers to, and provisional id -> table index."""
        by_id = {k: v for v, k in self.index.items()}
        values = sorted(by_id[int(k)] for k in used)
        where = {v: k for k, v in enumerate(values)}
        remap = np.full(max(len(self.index), 1), -1, dtype=np.int64)
        for k in used:
            remap[int(k)] = where[by_id[int(k)]]
        return tuple(values), remap


def _emit(lc: LC, position: np.ndarray, interner: _Interner) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One block of rows as (per-row counts, wire indices, provisional coefficient ids), canonical rows.

    The constant becomes a term on wire 0; each row's entries are sorted by wire, repeated
    wires merged and zero coefficients dropped.
    """
    shape = lc.shape
    k = int(np.prod(shape, dtype=np.int64))
    t = lc.n_terms
    ids = lc.ids.reshape(k, t)
    # Intern coefficients on their broadcast base, then broadcast the small index array.
    cbase = np.asarray(lc.coeffs)
    lead = len(shape) - (cbase.ndim - 1)
    cbase = cbase.reshape((1,) * lead + cbase.shape)
    cids = np.broadcast_to(interner.ids(cbase % R), shape + (t,)).reshape(k, t)
    kbase = np.asarray(lc.const)
    kbase = kbase.reshape((1,) * (len(shape) - kbase.ndim) + kbase.shape)
    kids = np.broadcast_to(interner.ids(kbase % R), shape).reshape(k, 1)
    wires = np.concatenate([position[ids], np.zeros((k, 1), dtype=np.int64)], axis=1)
    cids = np.concatenate([cids, kids], axis=1)
    zero = interner._one(0)
    if t:
        # Zero coefficients (padding, weights 0) sort last: a zero between two entries of
        # one wire would otherwise hide the repeat from the check below.
        order = np.argsort(np.where(cids == zero, np.iinfo(np.int64).max, wires), axis=1, kind="stable")
        wires = np.take_along_axis(wires, order, axis=1)
        cids = np.take_along_axis(cids, order, axis=1)
        repeated = (wires[:, 1:] == wires[:, :-1]) & (cids[:, 1:] != zero) & (cids[:, :-1] != zero)
        if repeated.any():
            wires, cids = _merge_repeats(wires, cids, interner, zero, repeated.any(axis=1))
    keep = cids != zero
    counts = keep.sum(axis=1)
    return counts, wires[keep], cids[keep]


def _merge_repeats(wires: np.ndarray, cids: np.ndarray, interner: _Interner, zero: int,
                   affected: np.ndarray | None = None):
    """Rows (already sorted by wire) where a wire appears twice: add the coefficients.

    Vectorised over the affected rows: one flat sort key per entry, then a segmented sum
    of the coefficient values (a bit's weight and its share of a top bit, for example).
    """
    values = np.array(interner.values(), dtype=object)
    if affected is None:
        affected = ((wires[:, 1:] == wires[:, :-1]) & (cids[:, 1:] != zero) & (cids[:, :-1] != zero)).any(axis=1)
    rows = np.nonzero(affected)[0]
    sub_w, sub_c = wires[rows], cids[rows]
    live = sub_c != zero
    row_of = np.broadcast_to(np.arange(len(rows))[:, None], sub_w.shape)[live]
    keys = row_of * (int(wires.max()) + 1) + sub_w[live]
    vals = values[sub_c[live]]
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    summed = np.add.reduceat(vals, starts) % R
    keys = keys[starts]
    merged_rows = keys // (int(wires.max()) + 1)
    merged_wires = keys % (int(wires.max()) + 1)
    new_ids = interner.ids(summed)
    out_w, out_c = wires.copy(), cids.copy()
    out_w[rows] = 0
    out_c[rows] = zero
    position = np.arange(len(keys)) - np.searchsorted(merged_rows, merged_rows, side="left")
    out_w[rows[merged_rows], position] = merged_wires
    out_c[rows[merged_rows], position] = new_ids
    return out_w, out_c


def _assemble(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], remap: np.ndarray, n_rows: int) -> SparseRows:
    if not parts:
        return SparseRows.empty(n_rows)
    counts = np.concatenate([p[0] for p in parts])
    row_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=row_ptr[1:])
    cols = np.concatenate([p[1] for p in parts]).astype(np.uint32)
    cidx = remap[np.concatenate([p[2] for p in parts])].astype(np.uint32)
    return SparseRows(row_ptr, cols, cidx)
