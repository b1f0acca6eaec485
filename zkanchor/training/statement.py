"""The training statement: what a training proof claims, and its public inputs in order.

Public inputs (field elements of BN254's scalar field), in this fixed order:

    [0] institution   the prover's Ethereum address (uint160), so nobody else can replay it
    [1] C_D           the training set's commitment
    [2] C_W0          the initial weights' commitment
    [3] C_W           the final weights' commitment
    [4] digest        the training spec's digest (model, shape, epochs, rates, scales)
    [5] C_T           (evaluation clause only) the test set's commitment
    [6] threshold     (evaluation clause only) the claimed bound, see :class:`Evaluation`
    [.] l2, bound     (optimality clause only, after the evaluation clause if both) see :class:`Optimality`

``statement.json`` is this object in JSON, with the spec in full so a reader can check
the digest, and the decimal public inputs exactly as in ``public.json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import FormatError, InputError
from ..fileio import read_json, write_json
from ..models.spec import TrainingSpec

STATEMENT_VERSION = 1
ADDRESS_BITS = 160


def parse_address(text: str | int) -> int:
    """An Ethereum address (0x + 40 hex digits, or an int < 2^160) as an integer."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    elif isinstance(text, str) and text.lower().startswith("0x") and len(text) == 42:
        try:
            value = int(text, 16)
        except ValueError:
            raise InputError(f"{text!r} is not an Ethereum address (0x followed by 40 hex digits)") from None
    else:
        raise InputError(f"{text!r} is not an Ethereum address (0x followed by 40 hex digits)")
    if not 0 <= value < 1 << ADDRESS_BITS:
        raise InputError(f"{text!r} does not fit in 160 bits, so it is not an address")
    return value


def format_address(value: int) -> str:
    """An address integer as 0x-prefixed, 40 lower-case hex digits."""
    return "0x" + format(value, "040x")


@dataclass(frozen=True)
class Evaluation:
    """The evaluation clause: on the committed test set, the final model meets ``threshold``.

    ``metric`` is ``"accuracy"`` (threshold = the minimum number of correct predictions
    out of ``n_test``) or ``"sse"`` (threshold = the maximum sum of squared errors, at
    scale 2^(4f), i.e. MSE <= threshold / (n_test * 2^(4f))).
    """

    metric: str
    test_commitment: int
    n_test: int
    threshold: int

    def __post_init__(self) -> None:
        if self.metric not in ("accuracy", "sse"):
            raise InputError(f"unknown evaluation metric {self.metric!r}; use accuracy or sse")


@dataclass(frozen=True)
class Optimality:
    """The optimality clause: every component of the final weights' L2-regularised gradient is small.

    With errors e_i at the model's error scale 2^s (2f for linreg, f for logreg), the
    circuit checks |R_j| <= bound for R_j = sum_i e_i x_ij + l2 w_j 2^(s-f) (weights)
    and R_b = 2^f sum_i e_i (bias), i.e. |n * dL/dw_j| * 2^(s+f) <= bound with
    l2 = n * lambda * 2^f.  Its cost does not depend on the number of epochs.
    """

    l2: int
    bound: int

    def __post_init__(self) -> None:
        if not 0 <= self.l2 < 1 << 64 or not 0 <= self.bound < 1 << 240:
            raise InputError("the optimality clause needs 0 <= l2 < 2^64 and 0 <= bound < 2^240")


@dataclass(frozen=True)
class TrainingStatement:
    """What one training proof claims (see the module docstring for the public-input order)."""

    institution: int
    dataset_commitment: int
    initial_weights_commitment: int
    final_weights_commitment: int
    spec: TrainingSpec
    evaluation: Optional[Evaluation] = None
    optimality: Optional[Optimality] = None

    def public_inputs(self) -> list[int]:
        """The proof's public inputs, in the documented order."""
        values = [
            self.institution, self.dataset_commitment, self.initial_weights_commitment,
            self.final_weights_commitment, self.spec.digest(),
        ]
        if self.evaluation is not None:
            values += [self.evaluation.test_commitment, self.evaluation.threshold]
        if self.optimality is not None:
            values += [self.optimality.l2, self.optimality.bound]
        return values

    def to_json(self) -> dict[str, Any]:
        """``statement.json``'s object."""
        out: dict[str, Any] = {
            "version": STATEMENT_VERSION,
            "institution": format_address(self.institution),
            "dataset_commitment": str(self.dataset_commitment),
            "initial_weights_commitment": str(self.initial_weights_commitment),
            "final_weights_commitment": str(self.final_weights_commitment),
            "spec": self.spec.to_json(),
            "public_inputs": [str(v) for v in self.public_inputs()],
        }
        if self.evaluation is not None:
            e = self.evaluation
            out["evaluation"] = {"metric": e.metric, "test_commitment": str(e.test_commitment),
                                 "n_test": e.n_test, "threshold": str(e.threshold)}
        if self.optimality is not None:
            out["optimality"] = {"l2": str(self.optimality.l2), "bound": str(self.optimality.bound)}
        return out

    @staticmethod
    def from_json(obj: Any, what: str = "statement") -> "TrainingStatement":
        """Parse ``statement.json``; its public_inputs list must match the fields."""
        if not isinstance(obj, dict):
            raise FormatError(f"the {what} must be a JSON object")
        if obj.get("version") != STATEMENT_VERSION:
            raise FormatError(f"the {what} has version {obj.get('version')!r}; this zkanchor reads {STATEMENT_VERSION}")
        try:
            evaluation = None
            if obj.get("evaluation") is not None:
                e = obj["evaluation"]
                evaluation = Evaluation(e["metric"], int(e["test_commitment"]), int(e["n_test"]), int(e["threshold"]))
            optimality = None
            if obj.get("optimality") is not None:
                optimality = Optimality(int(obj["optimality"]["l2"]), int(obj["optimality"]["bound"]))
            statement = TrainingStatement(
                institution=parse_address(obj["institution"]),
                dataset_commitment=int(obj["dataset_commitment"]),
                initial_weights_commitment=int(obj["initial_weights_commitment"]),
                final_weights_commitment=int(obj["final_weights_commitment"]),
                spec=TrainingSpec.from_json(obj["spec"]),
                evaluation=evaluation,
                optimality=optimality,
            )
        except KeyError as exc:
            raise FormatError(f"the {what} has no {exc.args[0]!r} field") from None
        except (TypeError, ValueError) as exc:
            raise FormatError(f"the {what} has a malformed field ({exc})") from None
        listed = obj.get("public_inputs")
        if listed is not None and [str(v) for v in listed] != [str(v) for v in statement.public_inputs()]:
            raise FormatError(f"the {what}'s public_inputs do not match its fields")
        return statement


def save_statement(statement: TrainingStatement, path: str | os.PathLike) -> None:
    """Write ``statement.json`` atomically."""
    write_json(path, statement.to_json())


def load_statement(path: str | os.PathLike) -> TrainingStatement:
    """Read and check ``statement.json``."""
    return TrainingStatement.from_json(read_json(path, "statement"), f"statement {os.fspath(path)!r}")
