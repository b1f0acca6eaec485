"""Scenario files: the TOML schema as dataclasses, validated with one sentence per error.

A scenario names institutions, their data, the shared model, rounds, optional roles
(regulator, watcher, federated aggregator) and events (adversaries)::

    [scenario]
    name = "hospitals"              # required
    description = "..."             # optional
    seed = 7                        # default seed (the CLI's --seed overrides it)
    rounds = 1                      # checkpoint rounds, or federated rounds with [federated]
    challenge_window = 8            # blocks an optimistic anchor can be challenged for
    erasure_deadline = 12           # blocks an institution has to answer an erasure request
                                    # (default: the registry's, about 30 days of blocks)
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
    receipts = false                # true: every data subject gets a receipt when it commits
    answers = true                  # false: it ignores erasure requests (the regulator flags them)
    validity = { min_records = 50, labels = [0, 1], key_column = "patient_id" }   # a schema it claims

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
using the same set), ``csv`` (``path`` relative to the scenario file, ``target``,
``rows``, ``features``, ``start``, ``consent`` = a column of consent flags) and ``patients``
(a synthetic patient register for logreg: ``patient_id``, ``age``, ``blood_pressure``,
consent flags and a 0/1 label; ``rows`` up to 512, ``no_consent`` patients who did not
consent to training, ``duplicates`` records whose patient id repeats an earlier record's,
as a careless merge of two systems leaves, ``positive_rate``).  Data with consent flags
trains only on the records whose flag bit ``purpose`` (default 0, research use) is set.

Data subjects' rights (:mod:`zkanchor.simulator.rights`) are events too, in a one-round
scenario without ``[federated]``::

    [[event]]
    kind = "withdraw_consent"       # or "erasure_request"; filed on chain by each subject
    institution = "Hospital A"      # needs receipts = true: the request names the receipt's leaf
    records = [3, 17]               # the subjects' records (rows of the data, from 0)

    [[event]]
    kind = "erased_data"            # an attack: after answering, train on the erased C_D anyway
    actor = "Hospital A"

    [[event]]
    kind = "bogus_erasure_request"  # someone files a request naming a record the data never held
    institution = "Hospital A"      # it must answer requests: it refutes this one with a
    requester = "A stranger"        # non-membership proof (default name "Unknown requester")

A ``validity`` schema (``min_records``, ``labels``, ``key_column``, ``bounds`` = a table of
column = [lo, hi] in the committed, standardised units, ``positive``, ``min_positive``,
``max_positive``) is claimed once the data is anchored: proven and anchored if the data
satisfies it, refused with the library's sentence (and the circuit's broken constraint)
if not.

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
SOURCES = ("synthetic", "sklearn", "csv", "patients")
GENERATORS = ("logistic", "linear")
SKLEARN_NAMES = ("breast_cancer", "diabetes", "iris", "wine", "digits")
EVENT_KINDS = (
    "forged_proof", "replayed_proof", "wrong_data", "model_swap", "unregistered",
    "late_dataset", "optimistic_bad_proof", "bad_aggregate", "malformed_contribution",
    "skipped_segment", "forked_segment", "segment_other_data",
)
SEGMENT_EVENTS = ("skipped_segment", "forked_segment", "segment_other_data")  # need checkpointed rounds
# Data subjects' requests (not attacks): each subject files an erasure request naming their receipt's
# leaf.  A consent flag is committed with the data, so withdrawing consent after the commitment is an
# erasure request too: the flag cannot change without a new commitment.
RIGHTS_EVENTS = ("withdraw_consent", "erasure_request")
ERASURE_ATTACKS = ("erased_data",)  # run after the institution answered its requests
# A request naming a leaf (derived from the seed) that no record of the institution's dataset has:
# it cannot be answered by an erasure, so the institution refutes it with a non-membership proof.
BOGUS_REQUESTS = ("bogus_erasure_request",)
DEFAULT_REQUESTER = "Unknown requester"
FLAG_BITS = 8  # consent purposes per record (zkanchor.commit.dataset.FLAG_BITS)
MAX_PATIENTS = 512  # standardised patient ids 1 unit of 2^-8 apart at most: duplicates stay the only collisions
MAX_WAIT = 1000  # blocks a run mines to let an ignored request's deadline pass
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
    consent: str = ""  # csv: the column holding each record's consent flags
    purpose: int = 0  # the consent flag bit training needs (data with consent flags)
    no_consent: int = 0  # patients: how many did not consent to training
    duplicates: int = 0  # patients: records repeating an earlier record's patient id

    @property
    def has_consent(self) -> bool:
        """True when the records carry consent flags (a committed column)."""
        return self.source == "patients" or bool(self.consent)


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
class ValiditySpec:
    """A public schema an institution claims its committed data satisfies (values in committed units)."""

    min_records: int = 0
    labels: tuple[float, ...] = ()
    key_column: Optional[str] = None
    bounds: tuple[tuple[str, float, float], ...] = ()  # (column, lo, hi)
    positive: Optional[float] = None
    min_positive: int = 0
    max_positive: Optional[int] = None


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
    receipts: bool = False  # every data subject gets a receipt at commit time
    answers: bool = True  # answers erasure requests (false: ignores them)
    validity: Optional[ValiditySpec] = None


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
    institution: str = ""  # rights events: whose data subjects file (bogus requests: to whom)
    records: tuple[int, ...] = ()  # rights events: the subjects' records (rows, from 0)


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
    erasure_deadline: Optional[int] = None  # blocks to answer an erasure request (None: the registry's default)

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

    @property
    def requests(self) -> tuple[Event, ...]:
        """The data subjects' events (withdraw_consent, erasure_request), in file order."""
        return tuple(e for e in self.events if e.kind in RIGHTS_EVENTS)

    @property
    def bogus_requests(self) -> tuple[Event, ...]:
        """The bogus_erasure_request events (actor: the requester), in file order."""
        return tuple(e for e in self.events if e.kind in BOGUS_REQUESTS)

    @property
    def has_rights(self) -> bool:
        """True when the run involves data subjects' rights (receipts, requests or validity claims)."""
        return (bool(self.requests) or bool(self.bogus_requests)
                or any(i.receipts or i.validity is not None for i in self.institutions))


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
    rows = t.get("rows", int, minimum=1, maximum=MAX_PATIENTS if source == "patients" else MAX_ROWS)
    if source == "csv":
        features = t.get("features", int, None, minimum=1, maximum=MAX_FEATURES)
        raw_path = t.get("path", str)
        path = (base / raw_path).resolve()
        if not path.is_file():
            t.fail(f"{t.key('path')} names {raw_path!r}, which is not a file (paths are relative to the scenario file)")
        consent = t.get("consent", str, "")
        spec = DataSpec(source, rows, features, path=path, target=t.get("target", str),
                        start=t.get("start", int, 0, minimum=0), consent=consent, purpose=_purpose(t, bool(consent)))
    elif source == "patients":
        if model_kind != "logreg":
            t.fail(f"{t.key('source')} 'patients' has 0/1 labels; it needs a logreg model, not {model_kind}")
        spec = DataSpec(
            source, rows, 3,
            positive_rate=t.get("positive_rate", float, 0.3, minimum=0.01, maximum=0.99),
            no_consent=t.get("no_consent", int, 0, minimum=0, maximum=rows),
            duplicates=t.get("duplicates", int, 0, minimum=0, maximum=rows // 2),
            purpose=_purpose(t, True),
        )
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


def _purpose(t: _Table, flags: bool) -> int:
    purpose = t.get("purpose", int, 0, minimum=0, maximum=FLAG_BITS - 1)
    if "purpose" in t.raw and not flags:
        t.fail(f"{t.key('purpose')} needs data with consent flags (a csv consent column, or the patients source)")
    return purpose


def _number_list(t: _Table, key: str, what: str) -> tuple[float, ...]:
    t.seen.add(key)
    raw = t.raw.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                                            for v in raw):
        t.fail(f"{t.key(key)} must be a list of {what}, not {_shown(raw)}")
    return tuple(float(v) for v in raw)


def _validity(t: Optional[_Table]) -> Optional[ValiditySpec]:
    """The ``validity`` table: the schema's rules; which columns exist is checked against the data."""
    if t is None:
        return None
    bounds = []
    table = t.table("bounds")
    if table is not None:
        for column in table.raw:
            lo_hi = table.raw[column]
            if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in lo_hi)
                    and lo_hi[0] <= lo_hi[1]):
                table.fail(f"{table.key(column)} must be [lo, hi] with lo <= hi, not {_shown(lo_hi)}")
            bounds.append((column, float(lo_hi[0]), float(lo_hi[1])))
    positive = t.get("positive", float, None)
    spec = ValiditySpec(
        min_records=t.get("min_records", int, 0, minimum=0, maximum=MAX_ROWS),
        labels=_number_list(t, "labels", "label values"),
        key_column=t.get("key_column", str, None),
        bounds=tuple(bounds),
        positive=positive,
        min_positive=t.get("min_positive", int, 0, minimum=0, maximum=MAX_ROWS),
        max_positive=t.get("max_positive", int, None, minimum=0, maximum=MAX_ROWS),
    )
    if positive is None and ("min_positive" in t.raw or "max_positive" in t.raw):
        t.fail(f"{t.key('min_positive' if 'min_positive' in t.raw else 'max_positive')} needs {t.key('positive')}, "
               "the label whose records it counts")
    if positive is not None and spec.labels and positive not in spec.labels:
        t.fail(f"{t.key('positive')} {positive:g} is not one of the allowed labels")
    if spec.max_positive is not None and spec.max_positive < spec.min_positive:
        t.fail(f"{t.key('max_positive')} must be at least min_positive ({spec.min_positive}), not {spec.max_positive}")
    if spec == ValiditySpec():
        t.fail(f"{t.where} states no rule; give at least one of min_records, labels, key_column, bounds, positive")
    t.done()
    return spec


def _records(t: _Table) -> tuple[int, ...]:
    t.seen.add("records")
    raw = t.raw.get("records")
    if raw is None:
        t.fail(f"{t.key('records')} is required (the subjects' records: rows of the data, from 0)")
    if not (isinstance(raw, list) and raw and all(type(v) is int and v >= 0 for v in raw)):
        t.fail(f"{t.key('records')} must be a non-empty list of record numbers (rows of the data, from 0), "
               f"not {_shown(raw)}")
    twice = next((v for v in raw if raw.count(v) > 1), None)
    if twice is not None:
        t.fail(f"{t.key('records')} names record {twice} twice; each subject files once")
    return tuple(raw)


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
    kind = t.get("kind", str, choices=EVENT_KINDS + RIGHTS_EVENTS + ERASURE_ATTACKS + BOGUS_REQUESTS)
    if kind in BOGUS_REQUESTS:  # the actor is whoever files it: a name of its own, with an account of its own
        event = Event(kind=kind, actor=t.get("requester", str, DEFAULT_REQUESTER),
                      round=t.get("round", int, 1, minimum=1, maximum=rounds), institution=t.get("institution", str))
        if not event.actor.strip():
            t.fail(f"{t.key('requester')} must be a non-empty name")
        t.done()
        return event
    if kind in RIGHTS_EVENTS:  # the actors are the data subjects, named after their records
        event = Event(kind=kind, actor="", round=t.get("round", int, 1, minimum=1, maximum=rounds),
                      institution=t.get("institution", str), records=_records(t))
        t.done()
        return event
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
        if e.kind in RIGHTS_EVENTS:
            _check_request(s, top, k)
            continue
        if e.kind in BOGUS_REQUESTS:
            _check_bogus_request(s, top, k, everyone)
            continue
        if e.kind in ERASURE_ATTACKS:
            if e.actor not in names:
                top.fail(f"{where}.actor {e.actor!r} is not an institution of this scenario")
            actor = s.institution(e.actor)
            if not (actor.honest and actor.answers and actor.anchor == "verified"):
                top.fail(f"{where}.actor {e.actor!r} must be honest, answer erasure requests and anchor verified "
                         "proofs: it trains on data it has just erased")
            if not any(r.institution == e.actor and r.round == e.round for r in s.requests):
                top.fail(f"{where} (erased_data) needs an erasure request to {e.actor!r} in round {e.round}")
            continue
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


def _check_request(s: Scenario, top: _Table, k: int) -> None:
    """A data subject's request: to an honest institution that handed out receipts, in a one-round run."""
    e, where = s.events[k], f"event[{k}]"
    names = [i.name for i in s.institutions]
    if e.institution not in names:
        top.fail(f"{where}.institution {e.institution!r} is not an institution of this scenario")
    inst = s.institution(e.institution)
    if not inst.honest:
        top.fail(f"{where}.institution {e.institution!r} must be honest: only an institution that commits its data "
                 "has data subjects to answer")
    if not inst.receipts:
        top.fail(f"{where} needs receipts = true for {e.institution!r}: a subject names their record by the leaf "
                 "on their receipt")
    if s.rounds != 1 or s.federated:
        top.fail(f"{where} ({e.kind}) needs a one-round scenario without [federated]: retraining a checkpointed "
                 "or federated run after an erasure is not simulated")
    beyond = next((r for r in e.records if r >= inst.data.rows), None)
    if beyond is not None:
        top.fail(f"{where}.records names record {beyond}, but {e.institution!r} has {inst.data.rows} "
                 "(records count from 0)")
    if e.kind == "withdraw_consent" and not inst.data.has_consent:
        top.fail(f"{where} (withdraw_consent) needs {e.institution!r}'s data to carry consent flags "
                 "(the patients source, or a csv consent column)")
    for j, other in enumerate(s.events[:k]):
        again = set(other.records) & set(e.records) if other.institution == e.institution else set()
        if again:
            top.fail(f"{where} names record {min(again)} of {e.institution!r} again (event[{j}] did); "
                     "a subject files once")
    if not inst.answers:
        if s.regulator is None:
            top.fail(f"{e.institution!r} ignores erasure requests (answers = false): a [regulator] must audit "
                     "to find them overdue")
        if s.erasure_deadline is None or s.erasure_deadline > MAX_WAIT:
            top.fail(f"{e.institution!r} ignores erasure requests: set scenario.erasure_deadline to at most "
                     f"{MAX_WAIT} blocks so that the run can wait until they are overdue")


def _check_bogus_request(s: Scenario, top: _Table, k: int, everyone: list[str]) -> None:
    """A request naming a record the data never held: to an honest institution that answers, in a one-round run."""
    e, where = s.events[k], f"event[{k}]"
    if e.institution not in [i.name for i in s.institutions]:
        top.fail(f"{where}.institution {e.institution!r} is not an institution of this scenario")
    inst = s.institution(e.institution)
    if not (inst.honest and inst.answers):
        top.fail(f"{where}.institution {e.institution!r} must be honest and answer erasure requests: it refutes "
                 "the request with a non-membership proof")
    if s.rounds != 1 or s.federated:
        top.fail(f"{where} ({e.kind}) needs a one-round scenario without [federated]")
    if s.regulator is None:
        top.fail(f"{where} ({e.kind}) needs a [regulator], whose audit finds the request refuted")
    if e.actor in everyone:
        top.fail(f"{where}.requester {e.actor!r} is the name of an institution or a role; the requester needs "
                 "a name of its own")


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
            receipts=t.get("receipts", bool, False),
            answers=t.get("answers", bool, True),
            validity=_validity(t.table("validity")),
        )
        if inst.honest and not inst.registered:
            t.fail(f"{t.key('registered')} is false for an honest institution; an intruder needs honest = false")
        for key in ("receipts", "validity", "answers"):
            if key in t.raw and not inst.honest:
                t.fail(f"{t.key(key)} needs an honest institution: only one that commits its data has subjects "
                       "to answer or data to vouch for")
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
        erasure_deadline=head.get("erasure_deadline", int, None, minimum=1, maximum=2**40 - 1),
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
