"""Scenario files: the TOML schema as dataclasses, validated with one sentence per error.

A scenario names institutions, their data, the shared model, rounds, optional roles
(regulator, watcher, federated aggregator) and events (adversaries)::

    [scenario]
    name = "hospitals"              # required
    description = "..."             # optional
    seed = 7                        # default seed (the CLI's --seed overrides it)
    rounds = 1                      # checkpoint rounds, or federated rounds with [federated]
    challenge_window = 8            # blocks an optimistic anchor can be challenged for
    workers = 2                     # local prover processes (default: the CPUs available)

    [model]                         # shared by every institution
    kind = "logreg"                 # logreg or linreg
    epochs = 5                      # per round (a round is one checkpoint segment when rounds > 1)
    learning_rate = 0.5
    frac_bits = 8                   # optional fixed-point settings; the others default to what
    value_bits = 14                 # the data needs (value_bits), |w| < 32 (weight_bits), ~10
    weight_bits = 14                # significant bits of learning rate (lr_shift)
    lr_shift = 20

    [evaluation]                    # optional (sklearn data): hold out rows of the set as a
    rows = 143                      # shared test split; every honest institution proves its
    min_accuracy = 0.9              # model's accuracy on it (or max_mse for linreg)

    [[institution]]
    name = "St. Mary"               # required, unique
    kind = "hospital"               # a label for the report
    account = 1                     # optional index into the chain's accounts
    anchor = "verified"             # verified or optimistic
    honest = true                   # false: the institution only acts in events
    registered = true               # false: never registered with the registry (an intruder)
    data = { source = "sklearn", name = "breast_cancer", rows = 16, features = 4 }

    [regulator]                     # optional: audits the registry after the last round
    name = "Health authority"
    [watcher]                       # optional: checks optimistic anchors, challenges bad ones
    name = "Watchdog"
    [federated]                     # optional: federated averaging across the honest institutions
    aggregator = "Hub"              # a name of its own (registered like an institution)
    [setup]                         # optional: how circuits get their Groth16 keys
    ceremony = true                 # a multi-party ceremony among the registered institutions
                                    # (default false: seeded single-party keys)
    power = 12                      # phase-1 size 2^power (default: the smallest that fits
                                    # every honest institution's training circuit)
    beacon = "0x5eed..."            # the public beacon (hex; default derived from the seed)

    [[event]]                       # adversaries; see simulator.attacks.ATTACKS
    kind = "forged_proof"
    actor = "Mallory"
    round = 1

Data sources (``data`` table): ``synthetic`` (``generator`` logistic or linear, ``rows``,
``features``, ``noise``, ``positive_rate``, ``shift``), ``sklearn`` (``name``, ``rows``,
``features``, ``positive_class``; rows are split disjointly across the institutions
using the same set) and ``csv`` (``path`` relative to the scenario file, ``target``,
``rows``, ``features``, ``start``).

With ``[setup] ceremony = true`` the run starts with a trusted-setup ceremony (see
:mod:`zkanchor.simulator.ceremony`): every registered institution contributes to phase 1 in file
order, a beacon closes it, and every circuit the run needs (the training circuits, and
the federated aggregator's circuit too, from the same phase 1 prepared for its own
domain size) gets a phase 2 with every registered institution contributing.  A circuit
whose domain exceeds 2^power keeps the seeded setup, and the log says so.  A
``malformed_contribution`` event (``actor``, optional ``phase = 1 | 2``, default 1; no
``round``: the ceremony precedes the rounds) needs the ceremony on.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from zkanchor.errors import InputError

MODEL_KINDS = ("logreg", "linreg")
ANCHOR_KINDS = ("verified", "optimistic")
SOURCES = ("synthetic", "sklearn", "csv")
GENERATORS = ("logistic", "linear")
SKLEARN_NAMES = ("breast_cancer", "diabetes", "iris", "wine", "digits")
EVENT_KINDS = (
    "forged_proof", "replayed_proof", "wrong_data", "model_swap", "unregistered",
    "late_dataset", "optimistic_bad_proof", "bad_aggregate", "malformed_contribution",
    "skipped_segment", "forked_segment", "segment_other_data",
)
SEGMENT_EVENTS = ("skipped_segment", "forked_segment", "segment_other_data")  # need checkpointed rounds
CEREMONY_EVENTS = ("malformed_contribution",)  # run during the ceremony, not in a round
MAX_CEREMONY_POWER = 16  # a simulation's ceremony runs in Python: 2^16 already takes minutes
MAX_ROWS = 4096
MAX_FEATURES = 64
_REQUIRED = object()


class ScenarioError(InputError):
    """A scenario file that cannot be run; the message names the file and the key."""


@dataclass(frozen=True)
class DataSpec:
    """Where one institution's training data comes from."""

    source: str
    rows: int
    features: Optional[int] = None  # csv: None = every feature column
    generator: str = "logistic"
    noise: float = 0.0
    positive_rate: float = 0.5
    shift: float = 0.0
    name: str = ""  # sklearn set
    positive_class: Optional[int] = None
    path: Optional[Path] = None  # csv, resolved against the scenario's directory
    target: str = ""
    start: int = 0


@dataclass(frozen=True)
class ModelSpec:
    """The model and training procedure every institution declares."""

    kind: str
    epochs: int
    learning_rate: float
    frac_bits: int = 8
    value_bits: Optional[int] = None  # None: the narrowest width holding every institution's data
    weight_bits: Optional[int] = None
    lr_shift: Optional[int] = None


@dataclass(frozen=True)
class EvaluationSpec:
    """``[evaluation]``: a held-out test split every honest institution proves its model on."""

    rows: int
    min_accuracy: Optional[float] = None  # classifiers
    max_mse: Optional[float] = None  # regression


@dataclass(frozen=True)
class Institution:
    """A party with an account: it commits, trains, proves and anchors (if honest)."""

    name: str
    data: DataSpec
    kind: str = "institution"
    account: Optional[int] = None
    anchor: str = "verified"
    honest: bool = True
    registered: bool = True


@dataclass(frozen=True)
class Role:
    """A named account with a job (regulator, watcher, aggregator)."""

    name: str
    account: Optional[int] = None


@dataclass(frozen=True)
class Event:
    """An adversary's attempt, injected in a round."""

    kind: str
    actor: str
    round: int = 1
    victim: str = ""  # replayed_proof
    reveal: bool = True  # optimistic_bad_proof: does the cheater reveal its committed proof?
    phase: int = 1  # malformed_contribution: the ceremony phase (1 or 2) it tampers with


@dataclass(frozen=True)
class CeremonySpec:
    """``[setup] ceremony = true``: the institutions make the keys in a multi-party ceremony."""

    power: Optional[int] = None  # None: the smallest power fitting the training circuits
    beacon: str = ""  # hex; "" = derived from the run's seed


@dataclass(frozen=True)
class Scenario:
    """A whole validated scenario file."""

    path: Path
    name: str
    model: ModelSpec
    institutions: tuple[Institution, ...]
    description: str = ""
    seed: int = 0
    rounds: int = 1
    challenge_window: int = 8
    workers: Optional[int] = None
    regulator: Optional[Role] = None
    watcher: Optional[Role] = None
    aggregator: Optional[Role] = None  # set: a federated scenario
    events: tuple[Event, ...] = field(default=())
    ceremony: Optional[CeremonySpec] = None  # set: keys from a ceremony, not a seeded setup
    evaluation: Optional[EvaluationSpec] = None

    @property
    def checkpointed(self) -> bool:
        """True when rounds are checkpoint segments of each institution's own run."""
        return self.rounds > 1 and not self.federated

    @property
    def federated(self) -> bool:
        """True when the honest institutions average their models every round."""
        return self.aggregator is not None

    def institution(self, name: str) -> Institution:
        """The institution called ``name`` (validated to exist when referenced)."""
        return next(i for i in self.institutions if i.name == name)

    @property
    def honest(self) -> tuple[Institution, ...]:
        """Institutions that run the honest pipeline every round, in file order."""
        return tuple(i for i in self.institutions if i.honest)


# ---------------------------------------------------------------- reading


class _Table:
    """A TOML table being read: typed lookups, then a check that no key is left unknown."""

    def __init__(self, raw: Any, where: str, path: Path):
        self.path, self.where = path, where
        if not isinstance(raw, dict):
            self.fail(f"{where} must be a table")
        self.raw, self.seen = raw, set()

    def fail(self, message: str) -> None:
        """Raise the one-sentence ScenarioError for ``message`` (which names the key)."""
        raise ScenarioError(f"scenario {str(self.path)!r}: {message}")

    def key(self, key: str) -> str:
        """The dotted name of ``key`` in this table, as errors show it."""
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type, default: Any = _REQUIRED, choices: tuple = (),
            minimum: float | None = None, maximum: float | None = None) -> Any:
        """The value of ``key``, type- and range-checked (``default`` when absent; required if none)."""
        self.seen.add(key)
        if key not in self.raw:
            if default is _REQUIRED:
                self.fail(f"{self.key(key)} is required")
            return default
        value = self.raw[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.fail(f"{self.key(key)} must be {_kind_name(kind)}, not {_shown(value)}")
        if kind is float and not math.isfinite(value):
            self.fail(f"{self.key(key)} must be a finite number, not {value!r}")
        if choices and value not in choices:
            self.fail(f"{self.key(key)} must be one of {', '.join(map(str, choices))}, not {value!r}")
        if minimum is not None and value < minimum:
            self.fail(f"{self.key(key)} must be at least {minimum}, not {value!r}")
        if maximum is not None and value > maximum:
            self.fail(f"{self.key(key)} must be at most {maximum}, not {value!r}")
        return value

    def table(self, key: str, required: bool = False) -> Optional["_Table"]:
        """A sub-table, or None when it is absent and not required."""
        self.seen.add(key)
        if key not in self.raw:
            if required:
                self.fail(f"{self.key(key)} is required")
            return None
        return _Table(self.raw[key], self.key(key), self.path)

    def tables(self, key: str) -> list["_Table"]:
        """An array of tables (``[[key]]``), possibly empty."""
        self.seen.add(key)
        raw = self.raw.get(key, [])
        if not isinstance(raw, list):
            self.fail(f"{self.key(key)} must be an array of tables ([[{key}]])")
        return [_Table(item, f"{self.key(key)}[{i}]", self.path) for i, item in enumerate(raw)]

    def done(self) -> None:
        """Refuse any key nobody asked for: a typo must not be silently ignored."""
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            self.fail(f"{self.key(unknown[0])} is not a known key")


def _kind_name(kind: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[kind]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _data(t: _Table, model_kind: str, base: Path) -> DataSpec:
    source = t.get("source", str, choices=SOURCES)
    rows = t.get("rows", int, minimum=1, maximum=MAX_ROWS)
    if source == "csv":
        features = t.get("features", int, None, minimum=1, maximum=MAX_FEATURES)
        raw_path = t.get("path", str)
        path = (base / raw_path).resolve()
        if not path.is_file():
            t.fail(f"{t.key('path')} names {raw_path!r}, which is not a file (paths are relative to the scenario file)")
        spec = DataSpec(source, rows, features, path=path, target=t.get("target", str), start=t.get("start", int, 0, minimum=0))
    elif source == "sklearn":
        name = t.get("name", str, choices=SKLEARN_NAMES)
        features = t.get("features", int, minimum=1, maximum=MAX_FEATURES)
        positive = t.get("positive_class", int, None, minimum=0)
        if model_kind == "logreg" and name == "diabetes":
            t.fail(f"{t.key('name')} 'diabetes' is a regression set; a logreg scenario needs a classification set")
        if model_kind == "linreg" and name != "diabetes":
            t.fail(f"{t.key('name')} {name!r} is a classification set; a linreg scenario needs 'diabetes'")
        spec = DataSpec(source, rows, features, name=name, positive_class=positive)
    else:
        default = "logistic" if model_kind == "logreg" else "linear"
        generator = t.get("generator", str, default, choices=GENERATORS)
        if generator != default:
            t.fail(f"{t.key('generator')} {generator!r} does not fit a {model_kind} model; use {default!r}")
        spec = DataSpec(
            source, rows, t.get("features", int, minimum=1, maximum=MAX_FEATURES), generator=generator,
            noise=t.get("noise", float, 0.0, minimum=0.0, maximum=0.5 if generator == "logistic" else 10.0),
            positive_rate=t.get("positive_rate", float, 0.5, minimum=0.01, maximum=0.99),
            shift=t.get("shift", float, 0.0, minimum=-2.0, maximum=2.0),
        )
    t.done()
    return spec


def _role(t: Optional[_Table]) -> Optional[Role]:
    if t is None:
        return None
    role = Role(t.get("name", str), t.get("account", int, None, minimum=0))
    t.done()
    return role


def _model(t: _Table) -> ModelSpec:
    m = ModelSpec(
        kind=t.get("kind", str, choices=MODEL_KINDS),
        epochs=t.get("epochs", int, minimum=1, maximum=64),
        learning_rate=t.get("learning_rate", float, minimum=1e-9),
        frac_bits=t.get("frac_bits", int, 8, minimum=2, maximum=16),
        value_bits=t.get("value_bits", int, None, minimum=4, maximum=32),
        weight_bits=t.get("weight_bits", int, None, minimum=4, maximum=48),
        lr_shift=t.get("lr_shift", int, None, minimum=1, maximum=48),
    )
    if m.value_bits is not None and m.value_bits <= m.frac_bits + 2:
        t.fail(f"{t.key('value_bits')} must exceed frac_bits + 2 so standardised data (|x| <= 4) fits")
    t.done()
    return m


def _event(t: _Table, rounds: int) -> Event:
    kind = t.get("kind", str, choices=EVENT_KINDS)
    in_ceremony = kind in CEREMONY_EVENTS  # before the rounds: a round key would mean nothing
    event = Event(
        kind=kind,
        actor=t.get("actor", str),
        round=1 if in_ceremony else t.get("round", int, 1, minimum=1, maximum=rounds),
        victim=t.get("victim", str, "") if kind == "replayed_proof" else "",
        reveal=t.get("reveal", bool, True) if kind == "optimistic_bad_proof" else True,
        phase=t.get("phase", int, 1, choices=(1, 2)) if in_ceremony else 1,
    )
    if kind == "replayed_proof" and not event.victim:
        t.fail(f"{t.key('victim')} is required for a replayed_proof (whose proof is replayed)")
    t.done()
    return event


def _setup(t: Optional[_Table]) -> Optional[CeremonySpec]:
    """The [setup] table: None (seeded keys) unless ceremony = true."""
    if t is None:
        return None
    on = t.get("ceremony", bool, False)
    power = t.get("power", int, None, minimum=1, maximum=MAX_CEREMONY_POWER)
    beacon = t.get("beacon", str, "")
    t.done()
    if not on:
        if power is not None or beacon:
            t.fail(f"{t.key('power' if power is not None else 'beacon')} only applies with {t.key('ceremony')} = true")
        return None
    if beacon:
        text = beacon[2:] if beacon.lower().startswith("0x") else beacon
        try:
            ok = bool(bytes.fromhex(text))
        except ValueError:
            ok = False
        if not ok:
            t.fail(f"{t.key('beacon')} must be a non-empty hexadecimal string, not {_shown(beacon)}")
    return CeremonySpec(power, beacon)


def _evaluation(t: Optional[_Table], model_kind: str) -> Optional[EvaluationSpec]:
    if t is None:
        return None
    rows = t.get("rows", int, minimum=1, maximum=MAX_ROWS)
    if model_kind == "linreg":
        spec = EvaluationSpec(rows, max_mse=t.get("max_mse", float, minimum=0.0))
    else:
        spec = EvaluationSpec(rows, min_accuracy=t.get("min_accuracy", float, minimum=0.0, maximum=1.0))
    t.done()
    return spec


def _check_references(s: Scenario, top: _Table) -> None:
    names = [i.name for i in s.institutions]
    roles = [r.name for r in (s.regulator, s.watcher, s.aggregator) if r is not None]
    everyone = names + roles
    duplicate = next((n for n in everyone if everyone.count(n) > 1), None)
    if duplicate is not None:
        top.fail(f"the name {duplicate!r} is used twice; institutions and roles need distinct names")
    accounts = [a.account for a in (*s.institutions, s.regulator, s.watcher, s.aggregator)
                if a is not None and a.account is not None]
    clash = next((a for a in accounts if accounts.count(a) > 1), None)
    if clash is not None or 0 in accounts:
        top.fail(f"account {clash if clash is not None else 0} is given twice or is the admin's (account 0)")
    if s.federated:
        members = s.honest
        if len(members) < 2:
            top.fail("federated.aggregator needs at least two honest institutions to average")
        if any(not i.registered for i in members):
            top.fail("every honest institution of a federated scenario must be registered")
    if s.evaluation is not None and any(i.data.source != "sklearn" for i in s.institutions):
        top.fail("[evaluation] holds out rows of a scikit-learn set: every institution's data must come from one")
    if s.evaluation is not None and len({(i.data.name, i.data.features, i.data.positive_class)
                                         for i in s.institutions}) > 1:
        top.fail("[evaluation] holds out one test split for every model: every institution must use the same "
                 "scikit-learn set, features and positive_class")
    for k, e in enumerate(s.events):
        where = f"event[{k}]"
        if e.kind in SEGMENT_EVENTS:
            if not s.checkpointed:
                top.fail(f"{where}.kind {e.kind!r} needs checkpointed rounds (rounds > 1, no [federated])")
            if e.round >= s.rounds and e.kind == "skipped_segment":
                top.fail(f"{where} (skipped_segment) needs a later round to skip to")
        if e.kind in CEREMONY_EVENTS:
            if s.ceremony is None:
                top.fail(f"{where}.kind {e.kind!r} needs [setup] ceremony = true")
            earlier = [(x.actor, x.phase) for x in s.events[:k] if x.kind == e.kind]
            if (e.actor, e.phase) in earlier:
                top.fail(f"{where} repeats {e.actor!r}'s malformed contribution to phase {e.phase}; it has one turn")
        if e.kind == "bad_aggregate":
            if not s.federated:
                top.fail(f"{where}.kind 'bad_aggregate' needs a [federated] table")
            if e.actor != s.aggregator.name:
                top.fail(f"{where}.actor must be the aggregator {s.aggregator.name!r}")
            continue
        if e.actor not in names:
            top.fail(f"{where}.actor {e.actor!r} is not an institution of this scenario")
        actor = s.institution(e.actor)
        if e.kind in SEGMENT_EVENTS and (not actor.honest or actor.anchor != "verified"):
            top.fail(f"{where}.actor {e.actor!r} must be honest with verified anchors: it tampers with its own run")
        if e.kind == "unregistered" and actor.registered:
            top.fail(f"{where}.actor {e.actor!r} must have registered = false for an 'unregistered' event")
        if e.kind != "unregistered" and not actor.registered:
            top.fail(f"{where}.actor {e.actor!r} is not registered; only an 'unregistered' event can use it")
        if e.kind == "model_swap":
            if not actor.honest or actor.anchor != "verified":
                top.fail(f"{where}.actor {e.actor!r} must be honest with verified anchors: it swaps a model it proved")
            if s.regulator is None:
                top.fail(f"{where} (model_swap) needs a [regulator], who is served the model")
        if e.kind == "optimistic_bad_proof" and s.watcher is None:
            top.fail(f"{where} (optimistic_bad_proof) needs a [watcher] to challenge it")
        if e.kind == "replayed_proof":
            if e.victim not in names or e.victim == e.actor:
                top.fail(f"{where}.victim {e.victim!r} must be another institution of this scenario")
            victim = s.institution(e.victim)
            if not victim.honest or victim.anchor != "verified":
                top.fail(f"{where}.victim {e.victim!r} must anchor verified proofs (its proof is taken from the chain)")


def parse_scenario(raw: dict, path: Path) -> Scenario:
    """Validate a parsed TOML document (``path`` names it in errors and anchors relative paths)."""
    top = _Table(raw, "", path)
    head = top.table("scenario", required=True)
    model = _model(top.table("model", required=True))
    rounds = head.get("rounds", int, 1, minimum=1, maximum=16)
    institutions = []
    for t in top.tables("institution"):
        data_table = t.table("data", required=True)
        inst = Institution(
            name=t.get("name", str),
            kind=t.get("kind", str, "institution"),
            account=t.get("account", int, None, minimum=0),
            anchor=t.get("anchor", str, "verified", choices=ANCHOR_KINDS),
            honest=t.get("honest", bool, True),
            registered=t.get("registered", bool, True),
            data=_data(data_table, model.kind, path.parent),
        )
        if inst.honest and not inst.registered:
            t.fail(f"{t.key('registered')} is false for an honest institution; an intruder needs honest = false")
        t.done()
        institutions.append(inst)
    if not institutions:
        top.fail("there is no [[institution]]")
    if not any(i.honest for i in institutions):
        top.fail("no institution is honest; a scenario needs at least one")
    federated = top.table("federated")
    aggregator = None
    if federated is not None:
        aggregator = Role(federated.get("aggregator", str), federated.get("account", int, None, minimum=0))
        federated.done()
    scenario = Scenario(
        path=path,
        name=head.get("name", str),
        description=head.get("description", str, ""),
        seed=head.get("seed", int, 0, minimum=0, maximum=2**63 - 1),
        rounds=rounds,
        challenge_window=head.get("challenge_window", int, 8, minimum=1, maximum=10_000),
        workers=head.get("workers", int, None, minimum=1, maximum=256),
        model=model,
        institutions=tuple(institutions),
        regulator=_role(top.table("regulator")),
        watcher=_role(top.table("watcher")),
        aggregator=aggregator,
        events=tuple(_event(t, rounds) for t in top.tables("event")),
        ceremony=_setup(top.table("setup")),
        evaluation=_evaluation(top.table("evaluation"), model.kind),
    )
    head.done()
    top.done()
    _check_references(scenario, top)
    return scenario


SHIPPED = Path(__file__).resolve().parent / "scenarios"


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package (``hospitals``, ``attacks``...)."""
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


def resolve_scenario(path: str | Path) -> Path:
    """A scenario file path; a bare shipped name (``hospitals``) resolves to the packaged file."""
    p = Path(path)
    if not p.exists() and p.suffix == "" and (SHIPPED / f"{p.name}.toml").is_file():
        return SHIPPED / f"{p.name}.toml"
    return p


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (or a shipped scenario's name); ScenarioError on any problem."""
    path = resolve_scenario(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ScenarioError(f"scenario path {str(path)!r} is a directory, not a TOML file") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"scenario file {str(path)!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {str(path)!r}: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file {str(path)!r} is not valid TOML ({exc})") from None
    return parse_scenario(raw, path)
