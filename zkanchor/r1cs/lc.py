"""Blocks of linear combinations: the values gadgets pass around, vectorised over rows.

An :class:`LC` of shape ``S`` holds ``prod(S)`` linear combinations at once — the score
of every sample, the bits of every committed value — in structure-of-arrays form::

    value[i] = const[i] + sum_t coeffs[i, t] * w[ids[i, t]]        (mod R)

``ids`` is an int64 array of shape ``S + (T,)`` (wire ids in creation order, 0 = the
constant-1 wire), ``coeffs`` an object array of Python ints in [0, R) broadcastable to
it, and ``const`` an object array broadcastable to ``S``.  Most blocks share one
coefficient per term across all rows (a Poseidon round, a bit weight 2^k), so
``coeffs`` is usually a tiny broadcast array and costs nothing per row.

Arithmetic is numpy's: ``a + b`` broadcasts shapes and concatenates terms, ``a * k``
scales by constants (an int or an array of ints), ``a.sum(axis)`` moves an axis into
the terms, indexing and reshaping act on the rows.  A product of two non-constant
blocks is not linear: gadgets ask the constraint system for it (``cs.mul``).  Padding
terms (coefficient 0) may appear; the builder drops them when it emits the R1CS.
"""

from __future__ import annotations

from typing import Iterable, Sequence, Union

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError

HALF = (R - 1) // 2


def field_array(values: object, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``values`` (ints, signed allowed) as an object array of Python ints reduced mod R."""
    # Lists of big ints must not pass through numpy's float/uint64 guessing.
    arr = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    if arr.dtype != object:
        if arr.dtype.kind not in "iub":
            raise InputError(f"expected integers, not an array of {arr.dtype}")
        arr = arr.astype(object)
    if arr.size:
        out = np.empty(arr.shape, dtype=object)
        flat = arr.reshape(-1)
        try:
            # int() alone would truncate a float hiding in an object array (1.5 -> 1).
            out.reshape(-1)[:] = [v % R if type(v) is int else _int_of(v) % R for v in flat]
        except (TypeError, ValueError):
            bad = next(v for v in flat if not _is_int(v))
            raise InputError(f"expected integers, not {type(bad).__name__}") from None
        arr = out
    else:
        arr = arr.astype(object)
    if shape is not None:
        arr = np.broadcast_to(arr, shape)
    return arr


def _int_of(v: object) -> int:
    if not isinstance(v, (int, np.integer, np.bool_)):
        raise TypeError(type(v).__name__)
    return int(v)


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def signed(values: np.ndarray) -> np.ndarray:
    """Field values (object array in [0, R)) read as signed integers: above (R-1)/2 is negative."""
    v = np.asarray(values, dtype=object)
    return np.where(v > HALF, v - R, v)


def _obj(x: object) -> np.ndarray:
    # 0-d object arithmetic hands back a bare int; blocks always hold arrays.
    return x if isinstance(x, np.ndarray) and x.dtype == object else np.asarray(x, dtype=object)


class LC:
    """A block of linear combinations over a constraint system's wires (see the module docstring)."""

    __slots__ = ("ids", "coeffs", "const")
    __array_priority__ = 1000  # numpy arrays on the left defer to LC's reflected operators

    def __init__(self, ids: np.ndarray, coeffs: np.ndarray, const: np.ndarray):
        self.ids = ids
        self.coeffs = _obj(coeffs)
        self.const = _obj(const)

    # -- construction ----------------------------------------------------------------

    @staticmethod
    def constant(values: object) -> "LC":
        """Constants (ints or an int array, signed allowed) as a block with no terms."""
        const = field_array(values)
        return LC(np.zeros(const.shape + (0,), dtype=np.int64), np.zeros((1,) * const.ndim + (0,), dtype=object),
                  const)

    @staticmethod
    def wires(ids: np.ndarray) -> "LC":
        """The wires ``ids`` (an int array of any shape), each with coefficient 1."""
        ids = np.asarray(ids, dtype=np.int64)
        return LC(ids[..., None], np.ones((1,) * ids.ndim + (1,), dtype=object), np.zeros((1,) * ids.ndim, dtype=object))

    # -- shape -----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The block's shape (the rows it holds); ``()`` for a single combination."""
        return self.ids.shape[:-1]

    @property
    def ndim(self) -> int:
        """Number of axes of :attr:`shape`."""
        return self.ids.ndim - 1

    @property
    def size(self) -> int:
        """Number of combinations in the block."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def n_terms(self) -> int:
        """Terms per combination (T), padding included."""
        return self.ids.shape[-1]

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("a single linear combination has no length")
        return self.shape[0]

    def is_constant(self) -> bool:
        """True when no combination uses a wire (every term is padding or the constant wire)."""
        if self.n_terms == 0:
            return True
        coeffs = np.broadcast_to(self.coeffs, self.ids.shape)
        return bool(np.all((self.ids == 0) | (coeffs == 0)))

    def constant_value(self) -> np.ndarray:
        """The constants of a block that :meth:`is_constant` (terms on wire 0 folded in)."""
        if not self.is_constant():
            raise InputError("this linear combination is not a constant")
        coeffs = np.broadcast_to(self.coeffs, self.ids.shape)
        extra = (coeffs * (self.ids == 0)).sum(axis=-1) if self.n_terms else 0
        return np.broadcast_to((self.const + extra) % R, self.shape)

    def _full(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape = self.shape
        return self.ids, np.broadcast_to(self.coeffs, self.ids.shape), np.broadcast_to(self.const, shape)

    def _uniform_coeffs(self) -> bool:
        return self.coeffs.size == self.coeffs.shape[-1] if self.coeffs.ndim else True

    def _uniform_const(self) -> bool:
        return self.const.size == 1

    def _rows(self, op) -> "LC":
        """Apply a row operation (indexing, reshaping...) to ids; to coeffs and const only when
        they vary by row, so blocks that share one coefficient per term stay compact."""
        ids = op(self.ids, True)
        ndim = ids.ndim - 1
        if self._uniform_coeffs():
            coeffs = self.coeffs.reshape((1,) * ndim + (self.coeffs.shape[-1],))
        else:
            coeffs = op(np.broadcast_to(self.coeffs, self.ids.shape), True)
        if self._uniform_const():
            const = self.const.reshape((1,) * ndim)
        else:
            const = op(np.broadcast_to(self.const, self.shape), False)
        return LC(ids, coeffs, const)

    def broadcast_to(self, shape: tuple[int, ...]) -> "LC":
        """This block repeated to ``shape`` (numpy broadcasting rules)."""
        shape = tuple(shape)
        if shape == self.shape:
            return self
        t = self.n_terms
        ids = np.broadcast_to(self.ids, shape + (t,))
        lead = len(shape) - self.ndim
        coeffs = self.coeffs.reshape((1,) * lead + self.coeffs.shape)
        const = self.const.reshape((1,) * lead + self.const.shape)
        return LC(ids, coeffs, const)

    def __getitem__(self, index) -> "LC":
        if not isinstance(index, tuple):
            index = (index,)
        if any(i is Ellipsis for i in index):
            raise InputError("LC indexing does not take an ellipsis; index every axis you mean")
        rows = index + (slice(None),) * (self.ndim - len(index))
        if len(rows) != self.ndim or not all(isinstance(i, (int, np.integer, slice)) for i in rows):
            return self._rows(lambda a, terms: a[rows + (slice(None),)] if terms else a[rows])
        # Basic indexing: coefficients and constants keep their size-1 axes.
        ids = self.ids[rows + (slice(None),)]
        c = self.coeffs.reshape((1,) * (self.ids.ndim - self.coeffs.ndim) + self.coeffs.shape)
        k = self.const.reshape((1,) * (self.ndim - self.const.ndim) + self.const.shape)

        def squeeze(arr: np.ndarray, extra: int) -> np.ndarray:
            sel = tuple(i if arr.shape[ax] != 1 else (0 if isinstance(i, (int, np.integer)) else slice(None))
                        for ax, i in enumerate(rows))
            return arr[sel + (slice(None),) * extra]

        return LC(ids, squeeze(c, 1), squeeze(k, 0))

    def reshape(self, *shape) -> "LC":
        """The same combinations in another shape (C order)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = tuple(shape)
        t = self.n_terms
        return self._rows(lambda a, terms: a.reshape(shape + (t,)) if terms else a.reshape(shape))

    def ravel(self) -> "LC":
        """The combinations as a flat block of shape (size,)."""
        return self.reshape(self.size)

    def transpose(self, *axes) -> "LC":
        """Permute the row axes (default: reverse them), as ``ndarray.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        n = self.ndim
        return self._rows(lambda a, terms: a.transpose(axes + (n,)) if terms else a.transpose(axes))

    @property
    def T(self) -> "LC":  # noqa: N802 - numpy's name
        """The transpose of the row axes."""
        return self.transpose()

    def expand_dims(self, axis: int) -> "LC":
        """Insert a row axis of length 1 at ``axis``."""
        axis = axis if axis >= 0 else self.ndim + 1 + axis
        return self._rows(lambda a, terms: np.expand_dims(a, axis))

    # -- arithmetic ------------------------------------------------------------------

    def __add__(self, other: "Term") -> "LC":
        other = as_lc(other)
        shape = np.broadcast_shapes(self.shape, other.shape)
        a, b = self.broadcast_to(shape), other.broadcast_to(shape)
        ids = np.concatenate([np.broadcast_to(a.ids, shape + (a.n_terms,)),
                              np.broadcast_to(b.ids, shape + (b.n_terms,))], axis=-1)
        # Keep coefficients as small as their broadcast allows.
        cshape = np.broadcast_shapes(a.coeffs.shape[:-1], b.coeffs.shape[:-1])
        coeffs = np.concatenate([np.broadcast_to(a.coeffs, cshape + (a.n_terms,)),
                                 np.broadcast_to(b.coeffs, cshape + (b.n_terms,))], axis=-1)
        const = (a.const + b.const) % R
        return LC(ids, coeffs, const)

    __radd__ = __add__

    def __neg__(self) -> "LC":
        return LC(self.ids, (-self.coeffs) % R, (-self.const) % R)

    def __sub__(self, other: "Term") -> "LC":
        return self + (-as_lc(other))

    def __rsub__(self, other: "Term") -> "LC":
        return as_lc(other) + (-self)

    def __mul__(self, other: object) -> "LC":
        if isinstance(other, LC):
            if other.is_constant():
                return self * other.constant_value()
            if self.is_constant():
                return other * self.constant_value()
            raise InputError("cannot multiply two non-constant linear combinations; use cs.mul(a, b)")
        k = field_array(other)
        if k.ndim > self.ndim:
            return self.broadcast_to(np.broadcast_shapes(self.shape, k.shape)) * k
        coeffs = (self.coeffs * k[..., None]) % R
        const = (self.const * k) % R
        ids = self.ids
        shape = np.broadcast_shapes(self.shape, k.shape)
        if shape != self.shape:
            ids = np.broadcast_to(ids, shape + (self.n_terms,))
        return LC(ids, coeffs, const)

    __rmul__ = __mul__

    def sum(self, axis: int | None = None) -> "LC":
        """Sum over a row axis (all rows when None): the axis becomes more terms, no constraint."""
        if axis is None:
            return self.ravel().sum(0)
        axis = axis if axis >= 0 else self.ndim + axis
        if not 0 <= axis < self.ndim:
            raise InputError(f"axis {axis} is out of range for a block of shape {self.shape}")
        m, t = self.shape[axis], self.n_terms
        ids = np.moveaxis(self.ids, axis, -2)
        rest = ids.shape[:-2]
        ids = ids.reshape(rest + (m * t,))
        # Coefficients stay compact on every axis where they do not vary.
        c = self.coeffs.reshape((1,) * (self.ids.ndim - self.coeffs.ndim) + self.coeffs.shape)
        c = np.moveaxis(c, axis, -2)
        c = np.broadcast_to(c, c.shape[:-2] + (m, t))
        coeffs = c.reshape(c.shape[:-2] + (m * t,))
        if coeffs.size == coeffs.shape[-1] and m * t:
            # One coefficient per term for every row: padding columns (coefficient 0) go.
            keep = np.nonzero(coeffs.reshape(-1) != 0)[0]
            if len(keep) < m * t:
                ids = ids[..., keep]
                coeffs = coeffs[..., keep]
        if self._uniform_const():
            const = (self.const.reshape(()) * m) % R
        else:
            const = np.broadcast_to(self.const, self.shape).sum(axis=axis) % R
        return LC(ids, coeffs, const)

    def dot(self, k: object, axis: int = -1) -> "LC":
        """sum_i k[i] * self[..., i] along ``axis`` for constant weights ``k`` (no constraint)."""
        axis = axis if axis >= 0 else self.ndim + axis
        kk = field_array(k)
        shape = [1] * self.ndim
        shape[axis] = kk.shape[0]
        return (self * kk.reshape(shape)).sum(axis)

    # -- values ----------------------------------------------------------------------

    def value(self, values: np.ndarray) -> np.ndarray:
        """The block's values (object array of shape :attr:`shape`, in [0, R)) under ``values``.

        ``values`` is indexed by wire id (id 0 holds 1).
        """
        if self.n_terms == 0:
            return np.broadcast_to(_obj(self.const % R), self.shape).copy()
        terms = values[self.ids] * self.coeffs
        out = _obj(terms.sum(axis=-1) + self.const) % R
        out = _obj(out)
        return out if out.shape == self.shape else np.broadcast_to(out, self.shape).copy()

    def __repr__(self) -> str:
        return f"LC(shape={self.shape}, terms={self.n_terms})"


Term = Union[LC, int, np.integer, np.ndarray]


def as_lc(x: object) -> LC:
    """An LC as is; ints and int arrays as constant blocks."""
    if isinstance(x, LC):
        return x
    if _is_int(x) or isinstance(x, (np.ndarray, list, tuple)):
        return LC.constant(x)
    raise InputError(f"expected a linear combination or integers, not {type(x).__name__}")


def _join(lcs: list[LC], axis: int, new_axis: bool) -> LC:
    """Concatenate (or stack) blocks along a row axis, keeping coefficients and constants compact.

    Terms are padded with zeros to the longest block.  Coefficients stay of size 1 on
    every row axis where all blocks' coefficients are, so joining blocks that share one
    coefficient per term (bits, products) costs nothing per row.
    """
    t = max(b.n_terms for b in lcs)
    if new_axis:
        lcs = [b.expand_dims(axis) for b in lcs]
    ndim = lcs[0].ndim

    def fit(arr: np.ndarray, want_ndim: int) -> np.ndarray:
        return arr.reshape((1,) * (want_ndim - arr.ndim) + arr.shape)

    coeffs = [fit(b.coeffs, ndim + 1) for b in lcs]
    consts = [fit(b.const, ndim) for b in lcs]
    vary_c = [i for i in range(ndim) if i != axis and any(c.shape[i] != 1 for c in coeffs)]
    vary_k = [i for i in range(ndim) if i != axis and any(k.shape[i] != 1 for k in consts)]
    ids_out, c_out, k_out = [], [], []
    for b, c, k in zip(lcs, coeffs, consts):
        pad = t - b.n_terms
        ids = b.ids
        cshape = tuple(b.shape[i] if (i == axis or i in vary_c) else 1 for i in range(ndim))
        c = np.broadcast_to(c, cshape + (b.n_terms,))
        if pad:
            ids = np.concatenate([ids, np.zeros(b.shape + (pad,), dtype=np.int64)], axis=-1)
            c = np.concatenate([c, np.zeros(cshape + (pad,), dtype=object)], axis=-1)
        kshape = tuple(b.shape[i] if (i == axis or i in vary_k) else 1 for i in range(ndim))
        ids_out.append(ids)
        c_out.append(c)
        k_out.append(np.broadcast_to(k, kshape))
    return LC(np.concatenate(ids_out, axis=axis), np.concatenate(c_out, axis=axis),
              np.concatenate(k_out, axis=axis))


def stack(blocks: Sequence[Term], axis: int = 0) -> LC:
    """Stack blocks of one shape along a new row axis (terms padded with zeros to the longest)."""
    lcs = [as_lc(b) for b in blocks]
    if not lcs:
        raise InputError("stack needs at least one block")
    shape = np.broadcast_shapes(*(b.shape for b in lcs))
    lcs = [b.broadcast_to(shape) for b in lcs]
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    if not 0 <= axis <= len(shape):
        raise InputError(f"axis out of range for stacking blocks of shape {shape}")
    return _join(lcs, axis, new_axis=True)


def concatenate(blocks: Iterable[Term], axis: int = 0) -> LC:
    """Join blocks along an existing row axis (terms padded with zeros to the longest)."""
    lcs = [as_lc(b) for b in blocks]
    if not lcs:
        raise InputError("concatenate needs at least one block")
    ndim = lcs[0].ndim
    if any(b.ndim != ndim for b in lcs):
        raise InputError("concatenate needs blocks with the same number of axes")
    axis = axis if axis >= 0 else ndim + axis
    if not 0 <= axis < ndim:
        raise InputError(f"axis out of range for concatenating blocks of {ndim} axes")
    for i in range(ndim):
        if i != axis and len({b.shape[i] for b in lcs}) != 1:
            raise InputError(f"concatenate needs blocks of one size on axis {i}")
    return _join(lcs, axis, new_axis=False)
