"""A model directory: what ``zkanchor train`` writes.

::

    MODELDIR/model.json     public: the spec, C_W0, C_W, and the C_D it was trained on
    MODELDIR/weights.json   private (0600): initial and final weights and their salts

The weights file is private because a hospital may want to prove training without
publishing its model; ``model.json`` is what it can hand out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FormatError, InputError
from ..fileio import read_json, write_json
from ..models.spec import TrainingSpec
from ..models.weights import weights_commitment
from .circuit import ModelOpening

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.json"


def save_model_dir(directory: str | os.PathLike, spec: TrainingSpec, opening: ModelOpening,
                   dataset_commitment: int) -> Path:
    """Write model.json and weights.json; returns the directory."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    write_json(path / WEIGHTS_FILE, {
        "initial": [str(w) for w in opening.initial],
        "final": [str(w) for w in opening.final],
        "initial_salt": str(opening.initial_salt),
        "final_salt": str(opening.final_salt),
    })
    os.chmod(path / WEIGHTS_FILE, 0o600)
    write_json(path / MODEL_FILE, {
        "spec": spec.to_json(),
        "dataset_commitment": str(dataset_commitment),
        "initial_weights_commitment": str(weights_commitment(opening.initial, opening.initial_salt)),
        "final_weights_commitment": str(weights_commitment(opening.final, opening.final_salt)),
    })
    return path


def _ints(obj: dict, key: str, where: str) -> list[int]:
    values = obj.get(key)
    if not isinstance(values, list) or not all(isinstance(v, (str, int)) for v in values):
        raise FormatError(f"{where}: {key!r} must be a list of integers")
    try:
        return [int(v) for v in values]
    except ValueError:
        raise FormatError(f"{where}: {key!r} must be a list of integers") from None


def load_model_dir(directory: str | os.PathLike) -> tuple[TrainingSpec, ModelOpening, dict[str, Any]]:
    """Read a model directory: (spec, private opening, public model.json object), cross-checked."""
    path = Path(directory)
    if not path.is_dir():
        raise InputError(f"model directory {str(path)!r} does not exist")
    public = read_json(path / MODEL_FILE, "model")
    private = read_json(path / WEIGHTS_FILE, "weights")
    where = str(path / WEIGHTS_FILE)
    if not isinstance(public, dict) or not isinstance(private, dict):
        raise FormatError(f"{str(path)!r}: model.json and weights.json must be JSON objects")
    spec = TrainingSpec.from_json(public.get("spec"), f"spec in {str(path / MODEL_FILE)!r}")
    try:
        opening = ModelOpening(
            initial=tuple(_ints(private, "initial", where)),
            final=tuple(_ints(private, "final", where)),
            initial_salt=int(private["initial_salt"]),
            final_salt=int(private["final_salt"]),
        )
    except (KeyError, ValueError, TypeError):
        raise FormatError(f"{where}: needs initial, final, initial_salt and final_salt") from None
    if str(weights_commitment(opening.final, opening.final_salt)) != str(public.get("final_weights_commitment")):
        raise InputError(f"{str(path)!r}: weights.json does not open model.json's final_weights_commitment")
    return spec, opening, public
