"""The declared training procedure: model kind, shape and hyper-parameters.

A :class:`TrainingSpec` fixes everything the circuit hard-codes.  Its digest (Poseidon
over the fields below, in this order) is a public input of every training proof, so a
verifier learns exactly which procedure was proven without trusting any file.

Fixed-point conventions: data, weights and biases are integers at scale 2^frac_bits.
The learning rate is ``lr_num / 2^lr_shift`` *per sample* (the 1/n of the mean-loss
gradient is folded in), so that each update is one multiplication by a constant and
one floor-truncation — the same floor in numpy and in the circuit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..commit.quantize import DEFAULT_FRAC_BITS, DEFAULT_VALUE_BITS
from ..errors import InputError
from ..poseidon.hash import poseidon

SPEC_VERSION = 1
MODEL_IDS = {"linreg": 1, "logreg": 2, "mlp": 3}
# Bits of headroom below the field's 253: a value must never wrap around R.
FIELD_BITS = 250
MAX_EPOCHS = 2**16 - 1


@dataclass(frozen=True)
class TrainingSpec:
    """Everything the training circuit fixes (see the module docstring)."""

    model: str
    n: int
    d: int
    epochs: int
    frac_bits: int
    value_bits: int
    weight_bits: int
    lr_num: int
    lr_shift: int
    hidden: int = 0

    def __post_init__(self) -> None:
        if self.model not in MODEL_IDS:
            raise InputError(f"unknown model kind {self.model!r}; choose one of {', '.join(MODEL_IDS)}")
        for name in ("n", "d", "epochs", "frac_bits", "value_bits", "weight_bits", "lr_num", "lr_shift"):
            value = getattr(self, name)
            if type(value) is not int or value < (0 if name in ("epochs", "lr_shift") else 1):
                raise InputError(f"the training spec's {name} must be a positive integer, got {value!r}")
        if self.epochs > MAX_EPOCHS:
            raise InputError(f"at most {MAX_EPOCHS} epochs fit one proof; chain checkpoints for more")
        if self.model == "mlp" and self.hidden < 1:
            raise InputError("an mlp needs at least one hidden unit")
        if self.value_bits <= self.frac_bits:
            raise InputError("value_bits must exceed frac_bits (values need integer bits too)")
        if self.weight_bits > 64 or self.value_bits > 64:
            raise InputError("weight_bits and value_bits are at most 64")

    @property
    def n_weights(self) -> int:
        """How many numbers the model holds (weights and biases, flattened)."""
        if self.model == "mlp":
            return self.hidden * (self.d + 1) + self.hidden + 1
        return self.d + 1

    @property
    def weight_bound_bits(self) -> int:
        """Signed bits any weight can reach: initial bound plus one update bound per epoch."""
        return self.weight_bits + math.ceil(math.log2(self.epochs + 1))

    def field_elements(self) -> list[int]:
        """The spec as the field elements its digest hashes (order is part of the format)."""
        return [
            SPEC_VERSION, MODEL_IDS[self.model], self.n, self.d, self.epochs, self.frac_bits,
            self.value_bits, self.weight_bits, self.lr_num, self.lr_shift, self.hidden,
        ]

    def digest(self) -> int:
        """The hyper-parameter digest: Poseidon of :meth:`field_elements`."""
        return poseidon(self.field_elements())

    @property
    def learning_rate(self) -> float:
        """The learning rate on the mean loss this spec encodes (lr_num * n / 2^lr_shift)."""
        return self.lr_num * self.n / 2**self.lr_shift

    def to_json(self) -> dict:
        """A JSON object (with the derived learning rate and digest for readers)."""
        out = asdict(self)
        out["version"] = SPEC_VERSION
        out["learning_rate"] = self.learning_rate
        out["digest"] = str(self.digest())
        return out

    @staticmethod
    def from_json(obj: object, what: str = "training spec") -> "TrainingSpec":
        """Parse :meth:`to_json` output; the digest, if present, must match."""
        if not isinstance(obj, dict):
            raise InputError(f"the {what} must be a JSON object")
        if obj.get("version", SPEC_VERSION) != SPEC_VERSION:
            raise InputError(f"the {what} has version {obj.get('version')!r}; this zkanchor reads {SPEC_VERSION}")
        fields = ("model", "n", "d", "epochs", "frac_bits", "value_bits", "weight_bits", "lr_num", "lr_shift")
        missing = [f for f in fields if f not in obj]
        if missing:
            raise InputError(f"the {what} lacks {', '.join(missing)}")
        spec = TrainingSpec(**{f: obj[f] for f in fields}, hidden=obj.get("hidden", 0))
        if "digest" in obj and str(obj["digest"]) != str(spec.digest()):
            raise InputError(f"the {what}'s digest does not match its fields")
        return spec


def make_spec(
    model: str, n: int, d: int, epochs: int, learning_rate: float, frac_bits: int = DEFAULT_FRAC_BITS,
    value_bits: int = DEFAULT_VALUE_BITS, weight_bits: int = 24, lr_shift: int = 24, hidden: int = 0,
) -> TrainingSpec:
    """Build a spec from a float learning rate on the mean loss (rounded to lr_num / 2^lr_shift per sample).

    frac_bits and value_bits default to the data quantizer's defaults, which they must match.
    """
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate) and learning_rate > 0):
        raise InputError(f"the learning rate must be a positive number, got {learning_rate!r}")
    if type(n) is not int or n < 1:
        raise InputError(f"the number of samples must be a positive integer, got {n!r}")
    lr_num = round(learning_rate / n * 2**lr_shift)
    if lr_num < 1:
        raise InputError(
            f"learning rate {learning_rate} over {n} samples rounds to 0 at lr_shift {lr_shift}; raise lr_shift"
        )
    return TrainingSpec(model, n, d, epochs, frac_bits, value_bits, weight_bits, lr_num, lr_shift, hidden)


def require_headroom(bits: int, what: str) -> None:
    """Refuse a spec whose worst-case intermediate value could wrap around the field."""
    if bits > FIELD_BITS:
        raise InputError(
            f"{what} can reach {bits} bits, more than the {FIELD_BITS} the field allows without "
            "wrapping; lower frac_bits, value_bits or weight_bits"
        )
