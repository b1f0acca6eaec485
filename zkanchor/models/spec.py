"""The declared training procedure: model kind, shape, hyper-parameters, bounds, start.

A :class:`TrainingSpec` fixes everything the training circuit hard-codes; the circuit is
a function of the spec alone.  Its digest (a tagged Poseidon chain over
:meth:`TrainingSpec.field_elements`) is part of every training statement's digest, so a
verifier learns exactly which procedure was proven without trusting any file.

Fixed-point conventions: data, weights and biases are integers at scale 2^frac_bits.
The learning rate is ``lr_num / 2^lr_shift`` *per sample* (the 1/n of the mean-loss
gradient is folded in), so that each update is one multiplication by a constant and
one floor-truncation — the same floor in numpy and in the circuit.

Bounds are part of the procedure, checked identically by the trainer and the circuit:
every weight and bias stays a signed ``weight_bits``-bit integer at every epoch, and a
classifier's scores (scale 2^2f) stay signed ``score_bits``-bit values.  Training that
would leave them stops with one sentence (lower the learning rate or widen the bound),
it never wraps around.

``start`` says what the initial weights mean: ``"public"`` — they follow from the spec
(zeros for linear models, the MLP's seeded draw) and are committed with salt 0, so
anyone recomputes C_W0; ``"checkpoint"`` — they are private, opened against C_W0, which
must be the C_W of an earlier anchored checkpoint (the verifier checks that link).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..commit.commitment import schema_digest
from ..commit.preprocessing import Standardization, preprocessing_from_json, preprocessing_to_json
from ..commit.quantize import DEFAULT_FRAC_BITS, DEFAULT_VALUE_BITS
from ..errors import InputError
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import hash_chain

SPEC_VERSION = 2
MODEL_IDS = {"linreg": 1, "logreg": 2, "mlp": 3}
STARTS = {"public": 1, "checkpoint": 2}
# Bits of headroom below the field's 253: a value must never wrap around R.
FIELD_BITS = 250
MAX_EPOCHS = 2**16 - 1
LR_PRECISION_BITS = 10


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
    score_bits: int = 0
    feature_names: tuple[str, ...] = field(default=())
    target_name: str = "target"
    start: str = "public"
    flags: bool = False  # the data's records carry consent flags (a committed column)
    purpose: int = -1  # >= 0: only records that consented to this purpose (flag bit) influence the model
    tombstones: bool = False  # the data may hold erased records (tombstone leaves), which influence nothing
    # The standardisation the data was committed with: inside the schema (so C_D's shape and
    # the digest bind it), so a verifier knows what the features mean and how to prepare new rows.
    preprocessing: Standardization | None = None

    def __post_init__(self) -> None:
        if self.model not in MODEL_IDS:
            raise InputError(f"unknown model kind {self.model!r}; choose one of {', '.join(MODEL_IDS)}")
        for name in ("n", "d", "epochs", "frac_bits", "value_bits", "weight_bits", "lr_num", "lr_shift",
                     "hidden", "score_bits"):
            value = getattr(self, name)
            low = 0 if name in ("epochs", "lr_shift", "hidden", "score_bits") else 1
            if type(value) is not int or value < low:
                raise InputError(f"the training spec's {name} must be an integer >= {low}, got {value!r}")
        if self.epochs > MAX_EPOCHS:
            raise InputError(f"at most {MAX_EPOCHS} epochs fit one proof; chain checkpoints for more")
        if self.model == "mlp" and self.hidden < 1:
            raise InputError("an mlp needs at least one hidden unit")
        if self.model != "mlp" and self.hidden:
            raise InputError(f"a {self.model} model has no hidden units")
        if self.value_bits <= self.frac_bits:
            raise InputError("value_bits must exceed frac_bits (values need integer bits too)")
        if self.weight_bits > 64 or self.value_bits > 64 or self.lr_shift > 64:
            raise InputError("weight_bits, value_bits and lr_shift are at most 64")
        if self.start not in STARTS:
            raise InputError(f"the training start must be one of {', '.join(STARTS)}, not {self.start!r}")
        names = tuple(self.feature_names) or tuple(f"x{j}" for j in range(self.d))
        if len(names) != self.d or not all(isinstance(s, str) for s in names):
            raise InputError(f"the spec needs {self.d} feature names (strings)")
        object.__setattr__(self, "feature_names", names)
        if not isinstance(self.target_name, str):
            raise InputError("the target name must be a string")
        if self.preprocessing is not None and (not isinstance(self.preprocessing, Standardization)
                                               or self.preprocessing.d != self.d):
            raise InputError(f"the spec's standardisation must hold one mean and std for each of its {self.d} features")
        from ..commit.dataset import FLAG_BITS

        if type(self.flags) is not bool or type(self.tombstones) is not bool:
            raise InputError("the spec's flags and tombstones must be true or false")
        if type(self.purpose) is not int or not -1 <= self.purpose < FLAG_BITS:
            raise InputError(f"the consent purpose must be a flag bit in [0, {FLAG_BITS}), or -1 for none")
        if self.purpose >= 0 and not self.flags:
            raise InputError("a consent purpose needs data whose records carry consent flags")
        if self.model in ("logreg", "mlp"):
            bits = self.score_bits or default_score_bits(self.frac_bits)
            object.__setattr__(self, "score_bits", bits)
            if not 2 * self.frac_bits + 2 <= bits <= 200:
                raise InputError(f"score_bits must lie in [2 frac_bits + 2, 200], not {bits}")
        elif self.score_bits:
            raise InputError("score_bits only applies to classifiers (logreg, mlp)")

    @property
    def n_weights(self) -> int:
        """How many numbers the model holds (weights and biases, flattened)."""
        if self.model == "mlp":
            return self.hidden * (self.d + 1) + self.hidden + 1
        return self.d + 1

    @property
    def schema(self) -> int:
        """The digest of the data's columns and preprocessing (what the dataset commitment's shape binds)."""
        return schema_digest(self.feature_names, self.target_name, self.flags, self.preprocessing)

    @property
    def masked(self) -> bool:
        """True when some records may be left out of training (no consent, or erased)."""
        return self.purpose >= 0 or self.tombstones

    def field_elements(self) -> list[int]:
        """The spec as the field elements its digest hashes (order is part of the format)."""
        return [
            SPEC_VERSION, MODEL_IDS[self.model], self.n, self.d, self.epochs, self.frac_bits,
            self.value_bits, self.weight_bits, self.lr_num, self.lr_shift, self.hidden, self.score_bits,
            self.schema, STARTS[self.start], int(self.flags), self.purpose + 1, int(self.tombstones),
        ]

    def digest(self) -> int:
        """The spec's digest: a tagged Poseidon chain over :meth:`field_elements`."""
        elements = self.field_elements()
        return hash_chain(elements, tag(domains.SPEC, len(elements)))

    @property
    def learning_rate(self) -> float:
        """The learning rate on the mean loss this spec encodes (lr_num * n / 2^lr_shift)."""
        return self.lr_num * self.n / 2**self.lr_shift

    def with_epochs(self, epochs: int, start: str | None = None) -> "TrainingSpec":
        """The same procedure for another number of epochs (a checkpoint segment's spec)."""
        from dataclasses import replace

        return replace(self, epochs=epochs, start=start or self.start)

    def to_json(self) -> dict:
        """A JSON object (with the derived learning rate and digest for readers)."""
        return {
            "version": SPEC_VERSION,
            "model": self.model, "n": self.n, "d": self.d, "epochs": self.epochs,
            "frac_bits": self.frac_bits, "value_bits": self.value_bits, "weight_bits": self.weight_bits,
            "lr_num": self.lr_num, "lr_shift": self.lr_shift, "hidden": self.hidden,
            "score_bits": self.score_bits, "feature_names": list(self.feature_names),
            "target_name": self.target_name, "start": self.start, "flags": self.flags, "purpose": self.purpose,
            "tombstones": self.tombstones, "preprocessing": preprocessing_to_json(self.preprocessing),
            "learning_rate": self.learning_rate, "digest": str(self.digest()),
        }

    @staticmethod
    def from_json(obj: object, what: str = "training spec") -> "TrainingSpec":
        """Parse :meth:`to_json` output; the digest, if present, must match the fields."""
        if not isinstance(obj, dict):
            raise InputError(f"the {what} must be a JSON object")
        if obj.get("version") != SPEC_VERSION:
            raise InputError(f"the {what} has version {obj.get('version')!r}; this zkanchor reads {SPEC_VERSION}")
        fields = ("model", "n", "d", "epochs", "frac_bits", "value_bits", "weight_bits", "lr_num", "lr_shift")
        missing = [f for f in fields if f not in obj]
        if missing:
            raise InputError(f"the {what} lacks {', '.join(missing)}")
        names = obj.get("feature_names", [])
        if not isinstance(names, list):
            raise InputError(f"the {what}'s feature_names must be a list of strings")
        preprocessing = preprocessing_from_json(obj.get("preprocessing"), f"{what}'s preprocessing")
        spec = TrainingSpec(**{f: obj[f] for f in fields}, hidden=obj.get("hidden", 0),
                            score_bits=obj.get("score_bits", 0), feature_names=tuple(names),
                            target_name=obj.get("target_name", "target"), start=obj.get("start", "public"),
                            flags=obj.get("flags", False), purpose=obj.get("purpose", -1),
                            tombstones=obj.get("tombstones", False), preprocessing=preprocessing)
        if "digest" in obj and str(obj["digest"]) != str(spec.digest()):
            raise InputError(f"the {what}'s digest does not match its fields")
        # learning_rate is derived (lr_num * n / 2^lr_shift) but shown to readers: it must not lie.
        if "learning_rate" in obj and obj["learning_rate"] != spec.learning_rate:
            raise InputError(f"the {what}'s learning_rate does not match its lr_num, n and lr_shift")
        return spec


def default_score_bits(frac_bits: int) -> int:
    """Signed bits of a classifier's score at scale 2^2f by default: logits within +-64."""
    return 2 * frac_bits + 7


def default_weight_bits(frac_bits: int) -> int:
    """Signed bits of every weight by default: values within +-32."""
    return frac_bits + 6


def default_lr_shift(n: int, learning_rate: float) -> int:
    """A shift that gives the per-sample learning rate about ``LR_PRECISION_BITS`` significant bits."""
    return max(0, math.ceil(math.log2(n / learning_rate)) + LR_PRECISION_BITS)


def make_spec(
    model: str, n: int, d: int, epochs: int, learning_rate: float, frac_bits: int = DEFAULT_FRAC_BITS,
    value_bits: int = DEFAULT_VALUE_BITS, weight_bits: int | None = None, lr_shift: int | None = None,
    hidden: int = 0, score_bits: int = 0, feature_names: tuple[str, ...] = (), target_name: str = "target",
    start: str = "public", flags: bool = False, purpose: int = -1, tombstones: bool = False,
    preprocessing: Standardization | None = None,
) -> TrainingSpec:
    """Build a spec from a float learning rate on the mean loss (rounded to lr_num / 2^lr_shift per sample).

    frac_bits and value_bits must match the data's quantization (:func:`spec_for`
    takes them from a dataset); widths left out take the defaults above.
    """
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate) and learning_rate > 0):
        raise InputError(f"the learning rate must be a positive number, got {learning_rate!r}")
    if type(n) is not int or n < 1:
        raise InputError(f"the number of samples must be a positive integer, got {n!r}")
    if lr_shift is None:
        lr_shift = default_lr_shift(n, learning_rate)
    lr_num = round(learning_rate / n * 2**lr_shift)
    if lr_num < 1:
        raise InputError(
            f"learning rate {learning_rate} over {n} samples rounds to 0 at lr_shift {lr_shift}; raise lr_shift"
        )
    return TrainingSpec(model, n, d, epochs, frac_bits, value_bits,
                        default_weight_bits(frac_bits) if weight_bits is None else weight_bits,
                        lr_num, lr_shift, hidden, score_bits, tuple(feature_names), target_name, start, flags, purpose,
                        tombstones, preprocessing)


def spec_for(model: str, dataset, epochs: int, learning_rate: float, **kwargs) -> TrainingSpec:
    """:func:`make_spec` with the shape, widths, column names and preprocessing taken from ``dataset``."""
    kwargs.setdefault("tombstones", dataset.erased is not None)
    return make_spec(model, dataset.n, dataset.d, epochs, learning_rate, frac_bits=dataset.frac_bits,
                     value_bits=dataset.value_bits, feature_names=dataset.feature_names,
                     target_name=dataset.target_name, flags=dataset.has_flags,
                     preprocessing=getattr(dataset, "preprocessing", None), **kwargs)


def require_headroom(bits: int, what: str) -> None:
    """Refuse a spec whose worst-case intermediate value could wrap around the field."""
    if bits > FIELD_BITS:
        raise InputError(
            f"{what} can reach {bits} bits, more than the {FIELD_BITS} the field allows without "
            "wrapping; lower frac_bits, value_bits or weight_bits"
        )
