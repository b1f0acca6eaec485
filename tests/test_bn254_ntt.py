"""NTT domains over F_R against naive O(n^2) evaluation and direct Lagrange formulas."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R, ROOT_OF_UNITY_2_28, TWO_ADICITY
from zkanchor.bn254.ntt import COSET_SHIFT, Domain

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

field = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))
log_sizes = st.integers(0, 6)

# R - 1 = 2^28 * 3^2 * 13 * 29 * 983 * 11003 * 237073 * 405928799 * 1670836401704629
#         * 13818364434197438864469338081
R_MINUS_1_FACTORS = {
    2: 28,
    3: 2,
    13: 1,
    29: 1,
    983: 1,
    11003: 1,
    237073: 1,
    405928799: 1,
    1670836401704629: 1,
    13818364434197438864469338081: 1,
}


def evaluate(coeffs, x):
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


def is_probable_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


# ----------------------------------------------------------------------- constants


def test_root_of_unity_has_order_2_28():
    assert pow(ROOT_OF_UNITY_2_28, 1 << TWO_ADICITY, R) == 1
    assert pow(ROOT_OF_UNITY_2_28, 1 << (TWO_ADICITY - 1), R) == R - 1
    assert (R - 1) % (1 << TWO_ADICITY) == 0 and ((R - 1) >> TWO_ADICITY) % 2 == 1


def test_coset_shift_generates_the_multiplicative_group():
    product = 1
    for p, e in R_MINUS_1_FACTORS.items():
        assert is_probable_prime(p)
        product *= p**e
    assert product == R - 1
    for p in R_MINUS_1_FACTORS:
        assert pow(COSET_SHIFT, (R - 1) // p, R) != 1
    # Hence it is outside the 2^28 roots of unity, which contain every domain.
    assert pow(COSET_SHIFT, 1 << TWO_ADICITY, R) != 1


# -------------------------------------------------------------------------- Domain


@pytest.mark.parametrize("bad", [0, -4, 3, 6, 12, (1 << 28) + 1, 1 << 29, 2.0, "8", True, None])
def test_domain_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        Domain(bad)


@pytest.mark.parametrize("size", [1, 2, 4, 8, 1024])
def test_domain_attributes(size):
    d = Domain(size)
    assert d.size == size
    assert pow(d.omega, size, R) == 1
    if size > 1:
        assert pow(d.omega, size // 2, R) == R - 1  # primitive
    assert d.omega * d.omega_inv % R == 1
    assert d.size_inv * size % R == 1
    assert Domain(size) is d


def test_domain_pickles_by_size():
    d = Domain(32)
    assert pickle.loads(pickle.dumps(d)) is d
    assert repr(d) == "Domain(32)"


def test_domain_omega_matches_root_of_unity():
    d = Domain(16)
    assert d.omega == pow(ROOT_OF_UNITY_2_28, 1 << (TWO_ADICITY - 4), R)


# ------------------------------------------------------------------------ transforms


@SETTINGS
@given(log_sizes, st.data())
def test_ntt_matches_naive_evaluation(log_size, data):
    d = Domain(1 << log_size)
    v = data.draw(st.lists(field, min_size=d.size, max_size=d.size))
    e = d.ntt(v)
    assert e == [evaluate(v, pow(d.omega, i, R)) for i in range(d.size)]
    assert d.intt(e) == v


@SETTINGS
@given(log_sizes, st.data())
def test_coset_ntt_matches_naive_evaluation(log_size, data):
    d = Domain(1 << log_size)
    v = data.draw(st.lists(field, min_size=d.size, max_size=d.size))
    e = d.coset_ntt(v)
    assert e == [evaluate(v, COSET_SHIFT * pow(d.omega, i, R) % R) for i in range(d.size)]
    assert d.coset_intt(e) == v


@SETTINGS
@given(log_sizes, st.data())
def test_intt_interpolates(log_size, data):
    d = Domain(1 << log_size)
    values = data.draw(st.lists(field, min_size=d.size, max_size=d.size))
    coeffs = d.intt(values)
    assert [evaluate(coeffs, pow(d.omega, i, R)) for i in range(d.size)] == values
    coset_coeffs = d.coset_intt(values)
    points = [COSET_SHIFT * pow(d.omega, i, R) % R for i in range(d.size)]
    assert [evaluate(coset_coeffs, x) for x in points] == values


def test_short_inputs_are_zero_padded_and_long_ones_rejected():
    d = Domain(8)
    v = [3, 1, 4]
    padded = v + [0] * 5
    assert d.ntt(v) == d.ntt(padded)
    assert d.intt(v) == d.intt(padded)
    assert d.coset_ntt(v) == d.coset_ntt(padded)
    assert d.coset_intt(v) == d.coset_intt(padded)
    assert d.ntt([]) == [0] * 8
    for method in (d.ntt, d.intt, d.coset_ntt, d.coset_intt):
        with pytest.raises(ValueError):
            method([1] * 9)


def test_inputs_are_reduced_mod_r():
    d = Domain(4)
    v = [-1, R + 5, 2 * R, 7]
    reduced = [R - 1, 5, 0, 7]
    assert d.ntt(v) == d.ntt(reduced)
    assert d.coset_intt(v) == d.coset_intt(reduced)
    assert all(type(x) is int and 0 <= x < R for x in d.ntt(v))
    with pytest.raises(TypeError):
        d.ntt([1.0])


def test_large_round_trip_and_polynomial_product():
    """Size 2^12: the big-block butterfly path, plus convolution via pointwise products."""
    rng = random.Random(3)
    d = Domain(1 << 12)
    a = [rng.randrange(R) for _ in range(d.size // 2)]
    b = [rng.randrange(R) for _ in range(d.size // 2)]
    product = d.intt([x * y % R for x, y in zip(d.ntt(a), d.ntt(b))])
    x = rng.randrange(R)
    assert evaluate(product, x) == evaluate(a, x) * evaluate(b, x) % R
    v = [rng.randrange(R) for _ in range(d.size)]
    assert d.intt(d.ntt(v)) == v
    assert d.coset_intt(d.coset_ntt(v)) == v
    assert d.ntt(v)[5] == evaluate(v, pow(d.omega, 5, R))


def test_vanishing_polynomial_is_constant_on_the_coset():
    for size in (1, 2, 8, 64):
        d = Domain(size)
        z = d.vanishing_on_coset()
        assert z != 0
        for i in range(min(size, 8)):
            x = COSET_SHIFT * pow(d.omega, i, R) % R
            assert (pow(x, size, R) - 1) % R == z


# ------------------------------------------------------------------------- Lagrange


def lagrange_direct(d: Domain, tau: int) -> list[int]:
    roots = [pow(d.omega, i, R) for i in range(d.size)]
    out = []
    for i, wi in enumerate(roots):
        num, den = 1, 1
        for j, wj in enumerate(roots):
            if j != i:
                num = num * (tau - wj) % R
                den = den * (wi - wj) % R
        out.append(num * pow(den, -1, R) % R)
    return out


@SETTINGS
@given(st.integers(0, 4), field)
def test_lagrange_at_matches_direct_formula(log_size, tau):
    d = Domain(1 << log_size)
    got = d.lagrange_at(tau)
    assert got == lagrange_direct(d, tau)
    assert sum(got) % R == 1


def test_lagrange_at_roots_of_unity_is_an_indicator():
    d = Domain(16)
    for j in (0, 1, 7, 15):
        got = d.lagrange_at(pow(d.omega, j, R))
        assert got == [1 if i == j else 0 for i in range(16)]
    assert Domain(1).lagrange_at(1) == [1]
    assert Domain(1).lagrange_at(12345) == [1]


def test_lagrange_at_interpolates_with_ntt():
    rng = random.Random(9)
    d = Domain(32)
    coeffs = [rng.randrange(R) for _ in range(32)]
    evals = d.ntt(coeffs)
    for tau in (0, 1, rng.randrange(R), R - 1, pow(d.omega, 3, R) + 1):
        basis = d.lagrange_at(tau)
        assert sum(b * e for b, e in zip(basis, evals)) % R == evaluate(coeffs, tau)
    assert d.lagrange_at(R + 7) == d.lagrange_at(7)
