"""Arithmetic in F_P2 = F_P[u] / (u^2 + 1), elements as tuples ``(c0, c1)`` of ints.

Every function returns canonical tuples (both components in ``[0, P)``) whatever the
inputs, so results can be compared with ``==``.
"""

from __future__ import annotations

from .constants import P

Fp2 = tuple[int, int]

ZERO: Fp2 = (0, 0)
ONE: Fp2 = (1, 0)


def add(a: Fp2, b: Fp2) -> Fp2:
    """Return a + b."""
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def sub(a: Fp2, b: Fp2) -> Fp2:
    """Return a - b."""
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def neg(a: Fp2) -> Fp2:
    """Return -a."""
    return (-a[0] % P, -a[1] % P)


def mul(a: Fp2, b: Fp2) -> Fp2:
    """Return a * b."""
    a0, a1 = a
    b0, b1 = b
    t0 = a0 * b0
    t1 = a1 * b1
    # Karatsuba: one big multiplication fewer than schoolbook, additions are cheap.
    return ((t0 - t1) % P, ((a0 + a1) * (b0 + b1) - t0 - t1) % P)


def sqr(a: Fp2) -> Fp2:
    """Return a^2."""
    a0, a1 = a
    return ((a0 + a1) * (a0 - a1) % P, 2 * a0 * a1 % P)


def mul_scalar(a: Fp2, k: int) -> Fp2:
    """Return k * a for an element k of F_P (any int)."""
    return (a[0] * k % P, a[1] * k % P)


def is_zero(a: Fp2) -> bool:
    """Return True iff a == 0 (components are taken mod P)."""
    return a[0] % P == 0 and a[1] % P == 0


def conj(a: Fp2) -> Fp2:
    """Return the conjugate c0 - c1*u, which is also the Frobenius image a^P."""
    return (a[0] % P, -a[1] % P)


def norm(a: Fp2) -> int:
    """Return the norm c0^2 + c1^2 = a * conj(a), an element of F_P."""
    return (a[0] * a[0] + a[1] * a[1]) % P


def inv(a: Fp2) -> Fp2:
    """Return 1 / a; raise ZeroDivisionError for a == 0."""
    n = norm(a)
    if n == 0:
        raise ZeroDivisionError("inverse of zero in F_P2")
    # 1/a = conj(a) / norm(a): one inversion in F_P instead of one in F_P2.
    t = pow(n, -1, P)
    return (a[0] * t % P, -a[1] * t % P)


def power(a: Fp2, e: int) -> Fp2:
    """Return a^e for an integer e >= 0."""
    if e < 0:
        return power(inv(a), -e)
    result = ONE
    base = (a[0] % P, a[1] % P)
    while e:
        if e & 1:
            result = mul(result, base)
        base = sqr(base)
        e >>= 1
    return result


def _sqrt_fp(a: int) -> int | None:
    """Square root in F_P (P = 3 mod 4), or None if a is not a square."""
    a %= P
    r = pow(a, (P + 1) // 4, P)
    return r if r * r % P == a else None


def sqrt(a: Fp2) -> Fp2 | None:
    """Return some x with x^2 == a, or None if a is not a square in F_P2."""
    a0, a1 = a[0] % P, a[1] % P
    if a1 == 0:
        r = _sqrt_fp(a0)
        if r is not None:
            return (r, 0)
        # Every element of F_P is a square in F_P2: -1 = u^2, so a0 = u^2 * (-a0).
        r = _sqrt_fp(-a0)
        return None if r is None else (0, r)
    # Write x = x0 + x1*u: x0^2 - x1^2 = a0 and 2*x0*x1 = a1, so x0^2 = (a0 +- |a|)/2
    # where |a| = sqrt(norm(a)).  a is a square iff its norm is a square in F_P.
    s = _sqrt_fp(a0 * a0 + a1 * a1)
    if s is None:
        return None
    half = pow(2, -1, P)
    for cand in ((a0 + s) * half, (a0 - s) * half):
        x0 = _sqrt_fp(cand)
        if x0:
            x1 = a1 * pow(2 * x0, -1, P) % P
            if sqr((x0, x1)) == (a0, a1):
                return (x0, x1)
    return None
