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
- **csv**: rows ``start .. start + rows`` of a CSV file, standardised over those rows;
  a ``consent`` column becomes the records' consent flags (committed, never a feature);
- **patients**: a patient register (``patient_id``, ``age``, ``blood_pressure``; a risk label
  from age and blood pressure with noise, the top ``positive_rate`` labelled 1), each record
  with consent flags (bit 0 research use, bit 1 contact for studies; ``no_consent`` patients
  without bit 0), and ``duplicates`` records at the end repeating an earlier record's
  patient id — the same patient entered twice by a careless merge — standardised like csv.

Features (and regression targets) are standardised and clipped to +-4 so they fit the
fixed-point range the scenario's ``value_bits`` leaves; classification targets are 0/1.
Consent flags need value_bits > 8 (they are committed as a column of that width).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkanchor.commit import Dataset, from_arrays, load_sklearn, quantize, read_csv
from zkanchor.commit.quantize import Table, narrowest_value_bits
from zkanchor.errors import InputError

from . import seeds
from .scenario import FLAG_BITS, DataSpec, Institution, ModelSpec, Scenario

CLIP = 4.0
PATIENT_COLUMNS = ("patient_id", "age", "blood_pressure")
RESEARCH, CONTACT = 1, 2  # the patients source's consent bits: purpose 0 and 1


@dataclass(frozen=True)
class InstitutionData:
    """An institution's quantized training set and a one-line description of it."""

    dataset: Dataset
    description: str
    positives: int | None  # classification: how many rows are labelled 1
    ids: tuple[int, ...] | None = None  # each record's patient id as the institution knows it (raw)


def subject_name(data: InstitutionData, institution: str, record: int) -> str:
    """How the log names the data subject of ``record``: their patient id when the data has one."""
    if data.ids is not None:
        return f"patient {data.ids[record]} of {institution}"
    return f"subject of record {record} of {institution}"


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


def _consent_column(table: Table, spec: DataSpec, inst: Institution) -> tuple[Table, np.ndarray]:
    """The table without its consent column, and that column as integer flags."""
    if spec.consent not in table.feature_names:
        raise InputError(f"institution {inst.name!r}: {spec.path.name} has no consent column {spec.consent!r}")
    j = table.feature_names.index(spec.consent)
    raw = table.features[:, j]
    ok = (raw == np.round(raw)) & (raw >= 0) & (raw < 2 ** FLAG_BITS)
    if not ok.all():
        bad = int(np.argmax(~ok))
        raise InputError(f"{table.where(bad, j)}: consent flags must be integers from 0 to {2 ** FLAG_BITS - 1}")
    keep = [k for k in range(len(table.feature_names)) if k != j]
    rest = Table(table.features[:, keep], table.targets, tuple(table.feature_names[k] for k in keep),
                 table.target_name, table.source, table.lines)
    return rest, raw.astype(np.int64)


def _csv(spec: DataSpec, inst: Institution, kind: str):
    table = read_csv(spec.path, target=spec.target)
    flags = None
    if spec.consent:
        table, flags = _consent_column(table, spec, inst)
    n = table.features.shape[0]
    if spec.start + spec.rows > n:
        raise InputError(f"institution {inst.name!r} asks for rows {spec.start}..{spec.start + spec.rows} of {spec.path}, which has {n}")
    d = spec.features or table.features.shape[1]
    if d > table.features.shape[1]:
        raise InputError(f"institution {inst.name!r} asks for {d} features of {spec.path}, which has {table.features.shape[1]}")
    rows = slice(spec.start, spec.start + spec.rows)
    ids = None
    if "patient_id" in table.feature_names[:d]:
        column = table.features[rows, table.feature_names.index("patient_id")]
        ids = tuple(int(v) for v in column) if np.all(column == np.round(column)) else None
    x = _standardise(table.features[rows, :d])
    y = table.targets[rows]
    if flags is not None:
        flags = flags[rows]
    if kind == "logreg":
        if not np.isin(y, (0.0, 1.0)).all():
            raise InputError(f"{spec.path}: the target column {spec.target!r} must hold 0/1 labels for a logreg model")
    else:
        y = _standardise(y[:, None])[:, 0]
    return x, y, table.feature_names[:d], flags, ids


def _patients(spec: DataSpec, name: str, seed: int):
    """A patient register: ids, ages, blood pressures, consent flags, a 0/1 risk label (see the module docstring)."""
    gen = seeds.rng(seed, "patients", name)
    n = spec.rows
    first = 1000 * (1 + seeds.derive(seed, "patient-ids", name) % 90) + 1  # ids look like 37001, 37002, ...
    ids = first + np.arange(n)
    for j in range(n - spec.duplicates, n):  # the merge: a second record for an earlier patient
        ids[j] = ids[int(gen.integers(0, n - spec.duplicates))]
    age = gen.integers(18, 91, size=n).astype(float)
    pressure = np.clip(np.round(120 + 0.4 * (age - 50) + 14 * gen.normal(size=n)), 85, 190)
    score = 0.06 * (age - 55) + 0.05 * (pressure - 125) + gen.normal(size=n)
    positives = max(1, round(spec.positive_rate * n))
    y = np.zeros(n)
    y[np.argsort(-score, kind="stable")[:positives]] = 1.0
    flags = RESEARCH | np.where(gen.random(n) < 0.4, CONTACT, 0)
    refused = gen.choice(n, size=spec.no_consent, replace=False)
    flags[refused] &= ~RESEARCH
    x = np.stack([ids.astype(float), age, pressure], axis=1)
    return _standardise(x), y, PATIENT_COLUMNS, flags.astype(np.int64), tuple(int(v) for v in ids)


def _table(inst: Institution, scenario: Scenario):
    """(table, description) of one institution."""
    return _source(inst, scenario)[:2]


def _source(inst: Institution, scenario: Scenario):
    """(table, description, consent flags or None, patient ids or None) of one institution."""
    spec, model = inst.data, scenario.model
    names: tuple[str, ...] | None = None
    flags = ids = None
    target = "target"
    if spec.source == "synthetic":
        x, y = _synthetic(spec, inst.name, scenario.seed, model.kind)
        what = f"synthetic {spec.generator}, {spec.rows} rows x {spec.features} features"
    elif spec.source == "sklearn":
        x, y = _sklearn(spec, inst, scenario)
        what = f"scikit-learn {spec.name}, {spec.rows} rows x {spec.features} features"
    elif spec.source == "patients":
        x, y, names, flags, ids = _patients(spec, inst.name, scenario.seed)
        target = "label"
        what = f"patient register, {spec.rows} patients x {len(names)} features ({', '.join(names)})"
    else:
        x, y, names, flags, ids = _csv(spec, inst, model.kind)
        what = f"{spec.path.name} rows {spec.start}..{spec.start + spec.rows - 1}, {x.shape[1]} features"
    if model.kind == "logreg":
        what += f", {int((y == 1.0).sum())} positive"
    if flags is not None:
        what += f", {int(np.sum((flags >> spec.purpose) & 1 == 0))} without consent to purpose {spec.purpose}"
    if spec.duplicates:
        what += f", {spec.duplicates} duplicated patient id{'s' if spec.duplicates != 1 else ''}"
    return from_arrays(x, y, names, target, f"{inst.name} data"), what, flags, ids


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
    tables = {inst.name: _source(inst, scenario) for inst in scenario.institutions}
    test = test_table(scenario) if scenario.evaluation is not None else None
    model = scenario.model
    value_bits = model.value_bits
    flagged = [name for name, (_, _, flags, _) in tables.items() if flags is not None]
    if value_bits is None:
        value_bits = max(narrowest_value_bits(t, model.frac_bits)
                         for t in [tab for tab, *_ in tables.values()] + ([test] if test is not None else []))
        if flagged:
            value_bits = max(value_bits, FLAG_BITS + 1)
    elif flagged and value_bits <= FLAG_BITS:
        raise InputError(f"{flagged[0]!r}'s consent flags are committed as a column of value_bits bits: "
                         f"model.value_bits must be at least {FLAG_BITS + 1}, not {value_bits}")
    out = {}
    for name, (table, what, flags, ids) in tables.items():
        dataset = quantize(table, model.frac_bits, value_bits)
        if flags is not None:
            dataset = Dataset(dataset.features, dataset.targets, dataset.frac_bits, dataset.value_bits,
                              dataset.feature_names, dataset.target_name, flags=flags)
        if ids is not None and "patient_id" in dataset.feature_names:
            _check_ids(name, ids, dataset, model.frac_bits)
        positives = int((table.targets == 1.0).sum()) if model.kind == "logreg" else None
        out[name] = InstitutionData(dataset, what, positives, ids)
    for inst in scenario.institutions:
        if inst.validity is not None:
            _check_schema(inst, out[inst.name].dataset)
    for k, e in enumerate(scenario.events):
        if e.kind != "withdraw_consent":
            continue
        purpose = scenario.institution(e.institution).data.purpose
        flags = out[e.institution].dataset.flags
        never = next((r for r in e.records if not (int(flags[r]) >> purpose) & 1), None)
        if never is not None:
            raise InputError(f"event[{k}] withdraws the consent of record {never} of {e.institution!r}, who never "
                             f"gave it (flag bit {purpose} is off); name a record that consented")
    if test is not None:
        out["__test__"] = InstitutionData(quantize(test, model.frac_bits, value_bits),
                                          f"held-out evaluation split, {test.features.shape[0]} rows", None)
    if scenario.federated:
        widths = {out[i.name].dataset.d for i in scenario.honest}
        if len(widths) > 1:
            raise InputError(f"federated institutions must share one feature count, not {sorted(widths)}")
    return out


def _check_schema(inst: Institution, dataset: Dataset) -> None:
    """The columns a validity schema names must be the data's (whether the data obeys it is the claim's business)."""
    from zkanchor.statements import claim_for

    v = inst.validity
    try:
        claim_for(dataset, {c: (lo, hi) for c, lo, hi in v.bounds}, key_column=v.key_column)
    except InputError as exc:
        raise InputError(f"the validity schema of {inst.name!r} does not fit its data (features "
                         f"{', '.join(dataset.feature_names)}; label {dataset.target_name}): {exc}") from None


def _check_ids(name: str, ids: tuple[int, ...], dataset: Dataset, frac_bits: int) -> None:
    """Distinct patients must stay distinct once standardised and quantized, or a validity claim of
    unique ids would fail for a reason the data does not have."""
    column = dataset.features[:, dataset.feature_names.index("patient_id")]
    if len(set(column.tolist())) != len(set(ids)):
        raise InputError(f"{name!r}'s {len(set(ids))} distinct patient ids do not stay distinct at frac_bits = "
                         f"{frac_bits}; raise model.frac_bits or use fewer rows")


def perturbed(dataset: Dataset, tag: int) -> Dataset:
    """A copy with one value changed (row 0's target flipped, or nudged by ``tag`` units): other data."""
    features = dataset.features.copy()
    targets = dataset.targets.copy()
    one = 1 << dataset.frac_bits
    if set(np.unique(targets).tolist()) <= {0, one}:
        targets[tag % len(targets)] = one - targets[tag % len(targets)]
    else:
        features[0, 0] += tag if features[0, 0] + tag < 1 << (dataset.value_bits - 2) else -tag
    return Dataset(features, targets, dataset.frac_bits, dataset.value_bits, dataset.feature_names, dataset.target_name,
                   flags=dataset.flags)


def model_settings(model: ModelSpec) -> dict:
    """The scenario's training settings as keyword arguments of ``spec_for`` (None = the default)."""
    return dict(weight_bits=model.weight_bits, lr_shift=model.lr_shift)
