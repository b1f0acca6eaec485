"""Rank-one constraint systems: the data structure, a builder, and circom's file formats.

The R1CS uses circom's wire layout (wire 0 = 1, public outputs, public inputs, private
inputs, internal wires) so that circom-compiled circuits and our own circuits share
one prover.
"""

from zkanchor.r1cs.builder import ConstraintSystem, LinearCombination, Var, as_lc, linear_sum
from zkanchor.r1cs.circom_r1cs import decode_r1cs, encode_r1cs, read_r1cs, write_r1cs
from zkanchor.r1cs.system import R1CS, check, evaluate, public_inputs, validate
from zkanchor.r1cs.wtns import decode_wtns, encode_wtns, read_wtns, write_wtns

__all__ = [
    "R1CS",
    "check",
    "evaluate",
    "validate",
    "public_inputs",
    "ConstraintSystem",
    "LinearCombination",
    "Var",
    "as_lc",
    "linear_sum",
    "read_r1cs",
    "write_r1cs",
    "decode_r1cs",
    "encode_r1cs",
    "read_wtns",
    "write_wtns",
    "decode_wtns",
    "encode_wtns",
]
