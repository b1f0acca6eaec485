"""Model kinds: each module holds its exact integer trainer and its circuit side by side.

Every kind exposes ``KIND``, ``check_spec``, ``initial_weights``, ``train`` and ``circuit``
with the same signatures; :func:`model_module` picks one by name.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import InputError
from . import linreg, logreg, mlp

MODELS: dict[str, ModuleType] = {linreg.KIND: linreg, logreg.KIND: logreg, mlp.KIND: mlp}


def model_module(kind: str) -> ModuleType:
    """The module implementing model ``kind``."""
    try:
        return MODELS[kind]
    except KeyError:
        raise InputError(f"unknown model kind {kind!r}; choose one of {', '.join(MODELS)}") from None
