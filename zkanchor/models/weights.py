"""The weights commitment: C_W = Poseidon(H(w_1, ..., w_k), salt).

H chains Poseidon over the weights as field elements (negative values as R - |w|;
the spec's headroom check keeps every weight far below R/2, so this is injective),
with the same schedule as the dataset commitment's rows.  The salt hides the model:
an institution may publish C_W without publishing its weights.
"""

from __future__ import annotations

from typing import Sequence

from ..commit.commitment import hash_elements, hash_elements_lc, new_salt
from ..gadgets.field import to_field
from ..poseidon.gadget import poseidon_gadget
from ..poseidon.hash import poseidon
from ..r1cs.builder import ConstraintSystem, Term, Var

__all__ = ["weights_commitment", "weights_commitment_gadget", "new_salt"]


def weights_commitment(weights: Sequence[int], salt: int) -> int:
    """C_W for signed integer ``weights`` under ``salt``."""
    return poseidon([hash_elements([to_field(int(w)) for w in weights]), salt])


def weights_commitment_gadget(cs: ConstraintSystem, weights: Sequence[Term], salt: Term, name: str = "weights") -> Var:
    """C_W in constraints over weight terms (wires or linear combinations) and a salt wire."""
    return poseidon_gadget(cs, [hash_elements_lc(cs, list(weights), name), salt], f"{name}.salted")
