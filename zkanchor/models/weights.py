"""The weights commitment: C_W = Poseidon([H(w_1, ..., w_k), salt]) under tag(weights/commitment).

H chains Poseidon over the weights as field elements (negative values as R - |w|; the
spec's bounds keep every weight far below R/2, so this is injective) under
tag(weights/elements, k): the number of weights is part of the domain.  The salt hides
the model: an institution may publish C_W without publishing its weights.  Public
starting weights (zeros, or drawn from a public seed) are committed with salt 0, so
anyone can recompute their C_W0 from the spec.  The gadget is
:func:`zkanchor.gadgets.commitment.weights_commitment`.
"""

from __future__ import annotations

from typing import Sequence

from ..commit.commitment import new_salt
from ..gadgets.field import to_field
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain, poseidon

__all__ = ["weights_commitment", "new_salt"]


def weights_commitment(weights: Sequence[int], salt: int) -> int:
    """C_W for signed integer ``weights`` under ``salt``."""
    values = [to_field(int(w)) for w in weights]
    inner = hash_chain(values, tag(domains.WEIGHTS_ELEMENTS, len(values)))
    return poseidon([inner, salt], tag(domains.WEIGHTS))
