"""Each institution's private training data, deterministic from the run's seed.

Three sources (see :mod:`zkanchor.simulator.scenario` for the keys):

- **synthetic**: one hidden "true" model per scenario (so every institution learns the
  same concept), features drawn per institution (``shift`` moves its population);
  ``logistic`` labels are the top ``positive_rate`` of the true scores (an exact class
  balance, e.g. 10 % fraud) with a ``noise`` fraction flipped; ``linear`` targets are
  the true score plus Gaussian noise;
- **sklearn**: a bundled data set, standardised over the whole set (the consortium's
  published preprocessing), split into disjoint row slices across the institutions
  that use it, in file order, after a seeded shuffle;
- **csv**: rows ``start .. start + rows`` of a CSV file, standardised over those rows.

Features (and regression targets) are standardised and clipped to +-4 so they fit the
fixed-point range the scenario's ``value_bits`` leaves; classification targets are 0/1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkanchor.commit import Dataset, from_arrays, load_sklearn, quantize, read_csv
from zkanchor.errors import InputError

from . import seeds
from .scenario import DataSpec, Institution, ModelSpec, Scenario

CLIP = 4.0


@dataclass(frozen=True)
class InstitutionData:
    """An institution's quantized training set and a one-line description of it."""

    dataset: Dataset
    description: str
    positives: int | None  # classification: how many rows are labelled 1


def _standardise(x: np.ndarray) -> np.ndarray:
    std = x.std(axis=0)
    return np.clip((x - x.mean(axis=0)) / np.where(std > 0, std, 1.0), -CLIP, CLIP)


def _synthetic(spec: DataSpec, name: str, seed: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    truth = seeds.rng(seed, "truth", spec.features).normal(size=spec.features)
    gen = seeds.rng(seed, "data", name)
    x = np.clip(gen.normal(loc=spec.shift, size=(spec.rows, spec.features)), -CLIP, CLIP)
    score = x @ truth / np.sqrt(spec.features)
    if kind == "linreg":
        return x, np.clip(score + spec.noise * gen.normal(size=spec.rows), -CLIP, CLIP)
    positives = max(1, round(spec.positive_rate * spec.rows))
    y = np.zeros(spec.rows)
    y[np.argsort(-score, kind="stable")[:positives]] = 1.0
    flips = gen.random(spec.rows) < spec.noise
    return x, np.where(flips, 1.0 - y, y)


def _sklearn_slices(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """Row ranges of each institution in its set's shuffled order (disjoint, file order)."""
    used: dict[str, int] = {}
    out = {}
    for inst in scenario.institutions:
        if inst.data.source == "sklearn":
            start = used.get(inst.data.name, 0)
            out[inst.name] = (start, start + inst.data.rows)
            used[inst.data.name] = start + inst.data.rows
    return out


def _sklearn(spec: DataSpec, inst: Institution, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    table = load_sklearn(spec.name)
    if spec.features > table.features.shape[1]:
        raise InputError(
            f"institution {inst.name!r} asks for {spec.features} features of {spec.name}, which has {table.features.shape[1]}"
        )
    start, stop = _sklearn_slices(scenario)[inst.name]
    total = table.features.shape[0]
    if stop > total:
        raise InputError(
            f"the institutions using {spec.name} ask for {stop} rows in all, but it has only {total}"
        )
    order = seeds.rng(scenario.seed, "sklearn", spec.name).permutation(total)[start:stop]
    x = _standardise(table.features)[order, : spec.features]
    y = table.targets[order]
    if spec.name == "diabetes":
        y = np.clip((y - table.targets.mean()) / table.targets.std(), -CLIP, CLIP)
    elif spec.positive_class is not None or spec.name != "breast_cancer":
        y = (y == (spec.positive_class or 0)).astype(float)
    return x, y


def _csv(spec: DataSpec, inst: Institution, kind: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    table = read_csv(spec.path, target=spec.target)
    n = table.features.shape[0]
    if spec.start + spec.rows > n:
        raise InputError(f"institution {inst.name!r} asks for rows {spec.start}..{spec.start + spec.rows} of {spec.path}, which has {n}")
    d = spec.features or table.features.shape[1]
    if d > table.features.shape[1]:
        raise InputError(f"institution {inst.name!r} asks for {d} features of {spec.path}, which has {table.features.shape[1]}")
    rows = slice(spec.start, spec.start + spec.rows)
    x = _standardise(table.features[rows, :d])
    y = table.targets[rows]
    if kind == "logreg":
        if not np.isin(y, (0.0, 1.0)).all():
            raise InputError(f"{spec.path}: the target column {spec.target!r} must hold 0/1 labels for a logreg model")
    else:
        y = _standardise(y[:, None])[:, 0]
    return x, y, table.feature_names[:d]


def institution_data(inst: Institution, scenario: Scenario) -> InstitutionData:
    """Build (deterministically from the scenario's seed) and quantize one institution's data."""
    spec, model = inst.data, scenario.model
    names: tuple[str, ...] | None = None
    if spec.source == "synthetic":
        x, y = _synthetic(spec, inst.name, scenario.seed, model.kind)
        what = f"synthetic {spec.generator}, {spec.rows} rows x {spec.features} features"
    elif spec.source == "sklearn":
        x, y = _sklearn(spec, inst, scenario)
        what = f"scikit-learn {spec.name}, {spec.rows} rows x {spec.features} features"
    else:
        x, y, names = _csv(spec, inst, model.kind)
        what = f"{spec.path.name} rows {spec.start}..{spec.start + spec.rows - 1}, {x.shape[1]} features"
    dataset = quantize(from_arrays(x, y, names, "target", f"{inst.name} data"), model.frac_bits, model.value_bits)
    positives = int((y == 1.0).sum()) if model.kind == "logreg" else None
    if positives is not None:
        what += f", {positives} positive"
    return InstitutionData(dataset, what, positives)


def all_data(scenario: Scenario) -> dict[str, InstitutionData]:
    """Every institution's data by name, checking the shared model's feature count fits."""
    out = {inst.name: institution_data(inst, scenario) for inst in scenario.institutions}
    if scenario.federated:
        widths = {out[i.name].dataset.d for i in scenario.honest}
        if len(widths) > 1:
            raise InputError(f"federated institutions must share one feature count, not {sorted(widths)}")
    return out


def perturbed(dataset: Dataset, tag: int) -> Dataset:
    """A copy with one value changed (row 0's target flipped, or nudged by ``tag`` units): other data."""
    features = dataset.features.copy()
    targets = dataset.targets.copy()
    one = 1 << dataset.frac_bits
    if set(np.unique(targets).tolist()) <= {0, one}:
        targets[tag % len(targets)] = one - targets[tag % len(targets)]
    else:
        features[0, 0] += tag if features[0, 0] + tag < 1 << (dataset.value_bits - 2) else -tag
    return Dataset(features, targets, dataset.frac_bits, dataset.value_bits, dataset.feature_names, dataset.target_name)


def model_settings(model: ModelSpec) -> dict:
    """The scenario's fixed-point settings as keyword arguments of ``make_spec``."""
    return dict(frac_bits=model.frac_bits, value_bits=model.value_bits, weight_bits=model.weight_bits, lr_shift=model.lr_shift)
