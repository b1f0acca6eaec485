"""Which implementation runs the hot paths (MSM, fixed-base multiplication, NTT).

The native C kernel (``zkanchor.native``) when it was built, else the pure-Python code in
``zkanchor.bn254`` — the same results either way (the pure path is the kernel's test
oracle).  ``ZKANCHOR_BACKEND=python|native|auto`` forces a choice; it is read on every
call, so a test or a benchmark can switch within one process.
"""

from __future__ import annotations

import os
from typing import Sequence

from . import native
from .bn254 import fixed_base as _fixed_base
from .bn254 import msm as _msm
from .bn254.ntt import Domain
from .bn254.constants import R
from .errors import InputError, ZkAnchorError


def backend_name() -> str:
    """"native" or "python": what the hot paths use right now."""
    choice = os.environ.get("ZKANCHOR_BACKEND", "auto").strip().lower()
    if choice == "python":
        return "python"
    if choice == "native":
        if not native.AVAILABLE:
            raise ZkAnchorError(f"ZKANCHOR_BACKEND=native, but {native.LOAD_ERROR}")
        return "native"
    if choice not in ("", "auto"):
        raise InputError(f"ZKANCHOR_BACKEND must be python, native or auto, not {choice!r}")
    return "native" if native.AVAILABLE else "python"


def _native() -> bool:
    return backend_name() == "native"


def msm_g1(points: Sequence, scalars: Sequence[int]):
    """sum(scalars[i] * points[i]) in G1."""
    return (native.msm_g1 if _native() else _msm.msm_g1)(points, scalars)


def msm_g2(points: Sequence, scalars: Sequence[int]):
    """sum(scalars[i] * points[i]) in G2."""
    return (native.msm_g2 if _native() else _msm.msm_g2)(points, scalars)


def batch_mul_g1(base, scalars: Sequence[int]) -> list:
    """[s * base for s in scalars] in G1 (affine)."""
    return (native.batch_mul_g1 if _native() else _fixed_base.batch_mul_g1)(base, scalars)


def batch_mul_g2(base, scalars: Sequence[int]) -> list:
    """[s * base for s in scalars] in G2 (affine)."""
    return (native.batch_mul_g2 if _native() else _fixed_base.batch_mul_g2)(base, scalars)


def _padded(domain: Domain, values: Sequence[int]) -> list[int]:
    if len(values) > domain.size:
        raise ValueError(f"{len(values)} values do not fit a domain of size {domain.size}")
    return list(values) + [0] * (domain.size - len(values))


def intt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Evaluations on the domain -> coefficients."""
    return native.intt(_padded(domain, values)) if _native() else domain.intt(values)


def coset_ntt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Coefficients -> evaluations on the coset g * domain (g = 5)."""
    return native.coset_ntt(_padded(domain, values)) if _native() else domain.coset_ntt(values)


def coset_intt(domain: Domain, values: Sequence[int]) -> list[int]:
    """Evaluations on the coset g * domain -> coefficients."""
    return native.coset_intt(_padded(domain, values)) if _native() else domain.coset_intt(values)


def first_unsatisfied(r1cs, witness) -> int | None:
    """Index of the first constraint of ``r1cs`` that ``witness`` (object array, wire order) breaks, or None."""
    import numpy as np

    a, b, c = r1cs.evaluate(witness)
    bad = np.nonzero((a * b - c) % R != 0)[0]
    return int(bad[0]) if len(bad) else None
