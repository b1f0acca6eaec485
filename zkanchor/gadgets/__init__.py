"""Circuit gadgets: range checks, comparisons, fixed point, activations, counting.

A gadget is a plain function ``gadget(cs, *inputs, name=None) -> LC`` working
elementwise over blocks of linear combinations: it records hints (computed when the
circuit is solved, where bad values raise InputError) and constrains every one.  Signed integers live in the field as x mod R (see
``field``); a fixed-point integer q stands for q / 2^frac_bits and every rounding is
floor.  Each arithmetic gadget has an integer twin (``*_int``) and a numpy twin
(``*_np``) in the same module, so trainers and circuits share one definition.
``mutation`` holds the under-constrained-circuit tester the gadget tests use.
"""

from zkanchor.gadgets.activations import (
    SIGMOID_CLAMP_ERROR,
    relu,
    relu_int,
    relu_np,
    sigmoid,
    sigmoid_error_bound,
    sigmoid_int,
    sigmoid_np,
)
from zkanchor.gadgets.bits import decompose, range_check, signed_range_check, to_bits
from zkanchor.gadgets.compare import (
    is_equal,
    is_negative,
    is_nonnegative,
    is_zero,
    less_than,
    maximum,
    minimum,
    select,
)
from zkanchor.gadgets.counting import (
    argmax,
    argmax_int,
    count_correct,
    count_correct_int,
    one_hot_index,
    predict_bit,
    predict_bit_int,
    predict_bit_np,
)
from zkanchor.gadgets.field import MAX_BITS, from_field, to_field
from zkanchor.gadgets.fixed_point import (
    divide,
    divide_int,
    divide_np,
    fixed_mul,
    fixed_mul_int,
    fixed_mul_np,
    truncate,
    truncate_int,
    truncate_np,
)
from zkanchor.gadgets.mutation import (
    MutationReport,
    exhaustive_mutation_check,
    find_witnesses,
    mutation_check,
)

__all__ = [
    "MAX_BITS",
    "SIGMOID_CLAMP_ERROR",
    "MutationReport",
    "argmax",
    "argmax_int",
    "count_correct",
    "count_correct_int",
    "decompose",
    "divide",
    "divide_int",
    "divide_np",
    "exhaustive_mutation_check",
    "find_witnesses",
    "fixed_mul",
    "fixed_mul_int",
    "fixed_mul_np",
    "from_field",
    "is_equal",
    "is_negative",
    "is_nonnegative",
    "is_zero",
    "less_than",
    "maximum",
    "minimum",
    "mutation_check",
    "one_hot_index",
    "predict_bit",
    "predict_bit_int",
    "predict_bit_np",
    "range_check",
    "relu",
    "relu_int",
    "relu_np",
    "select",
    "sigmoid",
    "sigmoid_error_bound",
    "sigmoid_int",
    "sigmoid_np",
    "signed_range_check",
    "to_bits",
    "to_field",
    "truncate",
    "truncate_int",
    "truncate_np",
]
