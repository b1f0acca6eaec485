"""A model directory: what ``zkanchor train`` writes.

::

    MODELDIR/model.json     public: the spec, C_W0, C_W, the C_D it was trained on, metrics
    MODELDIR/weights.json   private (0600): initial and final weights and their salts

The weights file is private because a hospital may want to prove training without
publishing its model; ``model.json`` is what it can hand out.  The directory is written
whole (a hidden sibling, then a rename).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import FormatError, InputError
from ..fileio import read_json, write_json
from ..models.spec import TrainingSpec
from ..models.weights import weights_commitment
from ..statements.base import field_int
from ..statements.training import ModelOpening

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.json"


def save_model_dir(directory: str | os.PathLike, spec: TrainingSpec, opening: ModelOpening,
                   dataset_commitment: int, extra: dict[str, Any] | None = None) -> Path:
    """Write model.json and weights.json as a new directory; returns it."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{str(target)!r} already exists; choose a new model directory")
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        write_json(tmp / WEIGHTS_FILE, {
            "initial": [str(w) for w in opening.initial],
            "final": [str(w) for w in opening.final],
            "initial_salt": str(opening.initial_salt),
            "final_salt": str(opening.final_salt),
        })
        os.chmod(tmp / WEIGHTS_FILE, 0o600)
        write_json(tmp / MODEL_FILE, {
            "spec": spec.to_json(),
            "dataset_commitment": str(dataset_commitment),
            "initial_weights_commitment": str(weights_commitment(opening.initial, opening.initial_salt)),
            "final_weights_commitment": str(weights_commitment(opening.final, opening.final_salt)),
            **(extra or {}),
        })
        os.chmod(tmp, 0o755)
        if target.exists():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _ints(obj: dict, key: str, where: str) -> list[int]:
    values = obj.get(key)
    if not isinstance(values, list):
        raise FormatError(f"{where}: {key!r} must be a list of integers")
    out = []
    for v in values:
        if isinstance(v, str) and v.startswith("-"):
            out.append(-field_int(v[1:], f"{where}: {key!r}", 250))
        else:
            out.append(field_int(v, f"{where}: {key!r}", 250))
    return out


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
    opening = ModelOpening(
        initial=tuple(_ints(private, "initial", where)),
        final=tuple(_ints(private, "final", where)),
        initial_salt=field_int(private.get("initial_salt"), f"{where}: 'initial_salt'"),
        final_salt=field_int(private.get("final_salt"), f"{where}: 'final_salt'"),
    )
    if len(opening.initial) != spec.n_weights or len(opening.final) != spec.n_weights:
        raise FormatError(f"{where}: the spec's model has {spec.n_weights} weights")
    if str(weights_commitment(opening.final, opening.final_salt)) != str(public.get("final_weights_commitment")):
        raise InputError(f"{str(path)!r}: weights.json does not open model.json's final_weights_commitment")
    return spec, opening, public
