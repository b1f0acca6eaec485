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
from zkanchor.commit.quantize import narrowest_value_bits
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
    held_out = scenario.evaluation.rows if scenario.evaluation is not None else 0
    if stop + held_out > total:
        raise InputError(
            f"the institutions using {spec.name} ask for {stop} rows in all"
            + (f" besides the {held_out} held out for evaluation" if held_out else "") + f", but it has only {total}"
        )
    order = seeds.rng(scenario.seed, "sklearn", spec.name).permutation(total)[start:stop]
    return _sklearn_rows(table, spec, order)


def _sklearn_rows(table, spec: DataSpec, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _table(inst: Institution, scenario: Scenario):
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
    if model.kind == "logreg":
        what += f", {int((y == 1.0).sum())} positive"
    return from_arrays(x, y, names, "target", f"{inst.name} data"), what


def test_table(scenario: Scenario):
    """The held-out evaluation split ([evaluation]): the last rows of the first institution's set."""
    inst = scenario.institutions[0]
    spec = inst.data
    table = load_sklearn(spec.name)
    total = table.features.shape[0]
    order = seeds.rng(scenario.seed, "sklearn", spec.name).permutation(total)[total - scenario.evaluation.rows:]
    x, y = _sklearn_rows(table, spec, order)
    return from_arrays(x, y, None, "target", "evaluation split")


def all_data(scenario: Scenario) -> dict[str, InstitutionData]:
    """Every institution's data by name, at one common fixed-point width (one circuit per shape).

    With ``[evaluation]`` the held-out test split is under the key ``"__test__"``.
    """
    tables = {inst.name: _table(inst, scenario) for inst in scenario.institutions}
    test = test_table(scenario) if scenario.evaluation is not None else None
    model = scenario.model
    value_bits = model.value_bits
    if value_bits is None:
        value_bits = max(narrowest_value_bits(t, model.frac_bits)
                         for t in [tab for tab, _ in tables.values()] + ([test] if test is not None else []))
    out = {}
    for name, (table, what) in tables.items():
        dataset = quantize(table, model.frac_bits, value_bits)
        positives = int((table.targets == 1.0).sum()) if model.kind == "logreg" else None
        out[name] = InstitutionData(dataset, what, positives)
    if test is not None:
        out["__test__"] = InstitutionData(quantize(test, model.frac_bits, value_bits),
                                          f"held-out evaluation split, {test.features.shape[0]} rows", None)
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
    """The scenario's training settings as keyword arguments of ``spec_for`` (None = the default)."""
    return dict(weight_bits=model.weight_bits, lr_shift=model.lr_shift)
