"""Rank-one constraint systems: flat arrays, a vectorised builder, and circom's file formats.

The R1CS uses circom's wire layout (wire 0 = 1, public outputs, public inputs, private
inputs, internal wires) so that circom-compiled circuits and our own circuits share
one prover.  Circuits are defined once over blocks of linear combinations
(:class:`LC`) and solved per witness (:meth:`ConstraintSystem.solve`).
"""

from zkanchor.r1cs.builder import ConstraintSystem
from zkanchor.r1cs.circom_r1cs import decode_r1cs, encode_r1cs, read_r1cs, write_r1cs
from zkanchor.r1cs.lc import LC, as_lc, concatenate, field_array, signed, stack
from zkanchor.r1cs.system import (
    R1CS,
    Block,
    SparseRows,
    check,
    circuit_hash,
    evaluate,
    first_unsatisfied,
    public_inputs,
    validate,
)
from zkanchor.r1cs.wtns import decode_wtns, encode_wtns, read_wtns, write_wtns

__all__ = [
    "R1CS",
    "Block",
    "SparseRows",
    "LC",
    "ConstraintSystem",
    "as_lc",
    "stack",
    "concatenate",
    "field_array",
    "signed",
    "check",
    "circuit_hash",
    "evaluate",
    "first_unsatisfied",
    "validate",
    "public_inputs",
    "read_r1cs",
    "write_r1cs",
    "decode_r1cs",
    "encode_r1cs",
    "read_wtns",
    "write_wtns",
    "decode_wtns",
    "encode_wtns",
]
