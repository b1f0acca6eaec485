"""Radix-2 number-theoretic transforms over F_R (BN254's scalar field).

A :class:`Domain` of size n is the group of n-th roots of unity <omega>, with omega
derived from the 2^28-th root of unity that circom and snarkjs use, so evaluations line
up with theirs.  The coset variants evaluate on COSET_SHIFT * <omega>, where the
vanishing polynomial X^n - 1 is the non-zero constant COSET_SHIFT^n - 1.

Butterflies run stage by stage as list comprehensions over whole slices (large blocks)
or strided slices (small blocks), so the interpreter loops over stages and blocks,
not over elements; additions are left unreduced until the end (values grow by at most
R per stage) so that each butterfly costs a single reduction.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index

from .constants import R, ROOT_OF_UNITY_2_28, TWO_ADICITY
from .g1 import _fast

# 5 generates the multiplicative group of F_R, so it lies in no proper subgroup: in
# particular 5^n != 1 for every power of two n <= 2^28, and the coset is disjoint from
# the domain (tests check both facts).
COSET_SHIFT = 5

_RF = _fast(R)
_DOMAINS: dict[int, Domain] = {}


class Domain:
    """The multiplicative subgroup of F_R of a given power-of-two size (cached by size).

    Attributes: ``size``, ``omega`` (a primitive size-th root of unity), ``omega_inv``,
    ``size_inv`` (1/size mod R).
    """

    size: int
    log_size: int
    omega: int
    omega_inv: int
    size_inv: int

    def __new__(cls, size: int) -> Domain:
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError(f"domain size must be an int, got {type(size).__name__}")
        if size < 1 or size & (size - 1) or size > 1 << TWO_ADICITY:
            raise ValueError(
                f"domain size must be a power of two between 1 and 2^{TWO_ADICITY}, got {size}"
            )
        cached = _DOMAINS.get(size)
        if cached is not None:
            return cached
        self = super().__new__(cls)
        self._setup(size)
        _DOMAINS[size] = self
        return self

    def _setup(self, size: int) -> None:
        log = size.bit_length() - 1
        self.size = size
        self.log_size = log
        self.omega = pow(ROOT_OF_UNITY_2_28, 1 << (TWO_ADICITY - log), R)
        self.omega_inv = pow(self.omega, -1, R)
        self.size_inv = pow(size, -1, R)
        half = size // 2
        # Twiddles omega^j and omega^-j for j < size/2; stage h uses every (size/2h)-th.
        self._tw = _powers(self.omega, half)
        self._tw_inv = _powers(self.omega_inv, half)
        rev = [0] * size
        for i in range(1, size):
            rev[i] = (rev[i >> 1] >> 1) | ((i & 1) << (log - 1))
        self._rev = rev
        self._coset = None
        self._coset_inv = None

    def __repr__(self) -> str:
        return f"Domain({self.size})"

    def __reduce__(self):
        # Pickle by size (process pools): the receiving side rebuilds or reuses its cache.
        return (Domain, (self.size,))

    # ------------------------------------------------------------------ transforms

    def ntt(self, values: Sequence[int]) -> list[int]:
        """Evaluations at omega^0..omega^(n-1) of the polynomial with these coefficients."""
        return _finish(self._transform(self._load(values), self._tw))

    def intt(self, values: Sequence[int]) -> list[int]:
        """Coefficients of the polynomial taking these values at omega^0..omega^(n-1)."""
        a = self._transform(self._load(values), self._tw_inv)
        return _finish(a, self.size_inv)

    def coset_ntt(self, values: Sequence[int]) -> list[int]:
        """Evaluations at g*omega^i (g = COSET_SHIFT) of the polynomial with these
        coefficients."""
        # Scale coefficient i by g^i; _load has bit-reversed them, so are the powers.
        a = [x * s % _RF for x, s in zip(self._load(values), self._coset_powers_rev())]
        return _finish(self._transform(a, self._tw))

    def coset_intt(self, values: Sequence[int]) -> list[int]:
        """Coefficients of the polynomial taking these values at g*omega^i."""
        a = self._transform(self._load(values), self._tw_inv)
        ni = self.size_inv
        return [int(x * s * ni % _RF) for x, s in zip(a, self._coset_inv_powers())]

    def vanishing_on_coset(self) -> int:
        """The constant value g^n - 1 of Z(X) = X^n - 1 on the coset g*<omega>."""
        return (pow(COSET_SHIFT, self.size, R) - 1) % R

    def lagrange_at(self, tau: int) -> list[int]:
        """[L_i(tau) for i < n]: the Lagrange basis of the domain evaluated at tau.

        L_i(tau) = (tau^n - 1) / n * omega^i / (tau - omega^i); when tau is itself a
        root of unity omega^j, L_j(tau) = 1 and every other L_i(tau) = 0.
        """
        n = self.size
        tau = index(tau) % R
        z = (pow(tau, n, R) - 1) % R
        powers = _powers(self.omega, n)
        if z == 0:
            out = [0] * n
            out[powers.index(tau)] = 1
            return out
        invs = _batch_inverse([tau - w for w in powers])
        c = _fast(z * self.size_inv % R)
        return [int(c * w % _RF * v % _RF) for w, v in zip(powers, invs)]

    # ------------------------------------------------------------------- internals

    def _load(self, values: Sequence[int]) -> list:
        n = self.size
        if len(values) > n:
            raise ValueError(f"got {len(values)} values for a domain of size {n}")
        padded = [_fast(index(v) % R) for v in values]
        if len(padded) < n:
            padded.extend([_fast(0)] * (n - len(padded)))
        return _permute(padded, self._rev)

    def _transform(self, a: list, tw: list) -> list:
        """In-place iterative radix-2 DIT butterflies on bit-reversed input."""
        n = self.size
        r = _RF
        h = 1
        while h < n:
            step = 2 * h
            w = tw[:: n // step]  # the h twiddles omega_{2h}^j
            if h * h >= n:
                # Few big blocks: one comprehension per block half.
                for s in range(0, n, step):
                    lo = a[s : s + h]
                    t = [x * y % r for x, y in zip(a[s + h : s + step], w)]
                    a[s : s + h] = [x + y for x, y in zip(lo, t)]
                    a[s + h : s + step] = [x - y for x, y in zip(lo, t)]
            else:
                # Many small blocks: one comprehension per twiddle, over strided slices.
                for j in range(h):
                    wj = w[j]
                    lo = a[j::step]
                    t = [x * wj % r for x in a[j + h :: step]]
                    a[j::step] = [x + y for x, y in zip(lo, t)]
                    a[j + h :: step] = [x - y for x, y in zip(lo, t)]
            h = step
        return a

    def _coset_powers_rev(self) -> list:
        if self._coset is None:
            self._coset = _permute(_powers(COSET_SHIFT, self.size), self._rev)
        return self._coset

    def _coset_inv_powers(self) -> list:
        if self._coset_inv is None:
            self._coset_inv = _powers(pow(COSET_SHIFT, -1, R), self.size)
        return self._coset_inv


def _powers(base: int, count: int) -> list:
    """[base^0, ..., base^(count-1)] mod R (in the fast int type)."""
    out = []
    x = _fast(1)
    b = _fast(base % R)
    for _ in range(count):
        out.append(x)
        x = x * b % _RF
    return out


def _permute(values: list, order: list[int]) -> list:
    return [values[i] for i in order]


def _finish(a: list, scale: int = 1) -> list[int]:
    if scale == 1:
        return [int(x % _RF) for x in a]
    s = _fast(scale)
    return [int(x * s % _RF) for x in a]


def _batch_inverse(values: list) -> list:
    """Inverses mod R of non-zero values, with one modular inversion (Montgomery)."""
    r = _RF
    prefix = []
    acc = _fast(1)
    for v in values:
        prefix.append(acc)
        acc = acc * v % r
    inv = pow(int(acc), -1, R)
    inv = _fast(inv)
    out = [None] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = inv * prefix[i] % r
        inv = inv * values[i] % r
    return out
