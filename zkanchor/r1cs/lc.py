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
            out.reshape(-1)[:] = [int(v) % R for v in flat]
        except (TypeError, ValueError):
            bad = next(v for v in flat if not _is_int(v))
            raise InputError(f"expected integers, not {type(bad).__name__}") from None
        arr = out
    else:
        arr = arr.astype(object)
    if shape is not None:
        arr = np.broadcast_to(arr, shape)
    return arr


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
        ids, coeffs, const = self._full()
        rows = index + (slice(None),) * (self.ndim - len(index))
        return LC(ids[rows + (slice(None),)], coeffs[rows + (slice(None),)], const[rows])

    def reshape(self, *shape) -> "LC":
        """The same combinations in another shape (C order)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        ids, coeffs, const = self._full()
        t = self.n_terms
        return LC(ids.reshape(tuple(shape) + (t,)), coeffs.reshape(tuple(shape) + (t,)), const.reshape(shape))

    def ravel(self) -> "LC":
        """The combinations as a flat block of shape (size,)."""
        return self.reshape(self.size)

    def transpose(self, *axes) -> "LC":
        """Permute the row axes (default: reverse them), as ``ndarray.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        ids, coeffs, const = self._full()
        return LC(ids.transpose(axes + (self.ndim,)), coeffs.transpose(axes + (self.ndim,)), const.transpose(axes))

    @property
    def T(self) -> "LC":  # noqa: N802 - numpy's name
        """The transpose of the row axes."""
        return self.transpose()

    def expand_dims(self, axis: int) -> "LC":
        """Insert a row axis of length 1 at ``axis``."""
        ids, coeffs, const = self._full()
        axis = axis if axis >= 0 else self.ndim + 1 + axis
        return LC(np.expand_dims(ids, axis), np.expand_dims(coeffs, axis), np.expand_dims(const, axis))

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
        ids, coeffs, const = self._full()
        m, t = self.shape[axis], self.n_terms
        ids = np.moveaxis(ids, axis, -2)
        coeffs = np.moveaxis(coeffs, axis, -2)
        rest = ids.shape[:-2]
        return LC(ids.reshape(rest + (m * t,)), coeffs.reshape(rest + (m * t,)), const.sum(axis=axis) % R)

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


def stack(blocks: Sequence[Term], axis: int = 0) -> LC:
    """Stack blocks of one shape along a new row axis (terms padded with zeros to the longest)."""
    lcs = [as_lc(b) for b in blocks]
    if not lcs:
        raise InputError("stack needs at least one block")
    shape = np.broadcast_shapes(*(b.shape for b in lcs))
    lcs = [b.broadcast_to(shape) for b in lcs]
    t = max(b.n_terms for b in lcs)
    ids, coeffs, consts = [], [], []
    for b in lcs:
        i, c, k = b._full()
        pad = t - b.n_terms
        if pad:
            i = np.concatenate([i, np.zeros(shape + (pad,), dtype=np.int64)], axis=-1)
            c = np.concatenate([c, np.zeros(shape + (pad,), dtype=object)], axis=-1)
        ids.append(i)
        coeffs.append(c)
        consts.append(k)
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    if not 0 <= axis <= len(shape):
        raise InputError(f"axis out of range for stacking blocks of shape {shape}")
    return LC(np.stack(ids, axis=axis), np.stack(coeffs, axis=axis), np.stack(consts, axis=axis))


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
    t = max(b.n_terms for b in lcs)
    ids, coeffs, consts = [], [], []
    for b in lcs:
        i, c, k = b._full()
        pad = t - b.n_terms
        if pad:
            i = np.concatenate([i, np.zeros(b.shape + (pad,), dtype=np.int64)], axis=-1)
            c = np.concatenate([c, np.zeros(b.shape + (pad,), dtype=object)], axis=-1)
        ids.append(i)
        coeffs.append(c)
        consts.append(np.asarray(k))
    return LC(np.concatenate(ids, axis=axis), np.concatenate(coeffs, axis=axis), np.concatenate(consts, axis=axis))
