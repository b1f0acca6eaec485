"""The internal operations of G1 and G2 gathered under one set of names.

The hot loops (:mod:`.msm`, :mod:`.fixed_base`) are written once over a ``CurveOps``
namespace, so they serve both groups; the two groups differ only in their field.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

from . import g1, g2


def curve_ops(mod: ModuleType) -> SimpleNamespace:
    """The fast-path functions of ``mod`` (g1 or g2) under group-independent names."""
    return SimpleNamespace(
        to_fast=mod._to_fast,
        to_int=mod._to_int,
        neg=mod._neg,
        batch_add=mod._batch_add,
        jac_double=mod._jac_double,
        jac_madd=mod._jac_madd,
        jac_add=mod._jac_add,
        jac_mul=mod._jac_mul,
        batch_to_affine=mod._batch_to_affine,
        to_jacobian=mod.to_jacobian,
        from_jacobian=mod.from_jacobian,
        inf=mod.JAC_INF,
    )


G1_OPS = curve_ops(g1)
G2_OPS = curve_ops(g2)
