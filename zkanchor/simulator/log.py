"""The run's event log: deterministic records, with wall-clock timings kept apart.

Each record is a flat JSON object::

    {"seq": 12, "round": 1, "actor": "St. Mary", "action": "anchor_training",
     "outcome": "landed", "gas": 284100, "block": 14, "tx": "0x…", ...}

``outcome`` is one of ``landed`` (a transaction mined), ``done`` (off-chain work:
commit, train, prove), ``passed`` / ``failed`` (a check), ``flagged`` (an oversight
check that found the violation it exists to find — an erasure request left unanswered
past its deadline: reported, since nothing can prevent it), ``stopped`` (an attack
attempt, or a claim the data does not support, that some check refused —
``stopped_by`` names it) and ``not stopped`` (an attack attempt that got through: the
run fails).  Honest records carry no ``attack`` key; attack attempts carry the attack's kind.

Timings (start and duration in seconds since the run began, and which worker proved)
live in a parallel list, never in the records, so two runs with one seed write
byte-identical ``events.jsonl``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

LANDED, DONE, PASSED, FAILED, STOPPED, NOT_STOPPED = "landed", "done", "passed", "failed", "stopped", "not stopped"
FLAGGED = "flagged"


@dataclass
class EventLog:
    """Records in order, their timings, and an optional echo of one line per action."""

    echo: Optional[Callable[[str], None]] = None
    records: list[dict] = field(default_factory=list)
    timings: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    wall_started: float = field(default_factory=time.time)

    def now(self) -> float:
        """Seconds since the run began."""
        return time.perf_counter() - self.started

    def add(self, actor: str, action: str, outcome: str, round: int | None = None,
            timing: tuple[float, float] | None = None, worker: str | None = None, info: str | None = None,
            **details: Any) -> dict:
        """Append a record; ``timing`` is (start, seconds) since the run began (default: now, 0).

        ``worker`` and ``info`` describe where and how it ran (a prover process, a cache
        hit): they go to the timings, not the record, because they vary between runs.
        """
        record = {"seq": len(self.records), "round": round, "actor": actor, "action": action, "outcome": outcome}
        record.update({k: v for k, v in details.items() if v is not None})
        self.records.append(record)
        start, seconds = timing if timing is not None else (self.now(), 0.0)
        entry = {"seq": record["seq"], "start": round_s(start), "seconds": round_s(seconds)}
        if worker:
            entry["worker"] = worker
        if info:
            entry["info"] = info
        self.timings.append(entry)
        if self.echo is not None:
            self.echo(describe(record, seconds, info))
        return record

    def wall_offset(self, wall: float) -> float:
        """A wall-clock time (``time.time()``, e.g. from a worker) as seconds since the run began."""
        return wall - self.wall_started

    def since(self, start: float) -> tuple[float, float]:
        """A timing from ``start`` (a :meth:`now` value) until now."""
        return start, self.now() - start


def round_s(value: float) -> float:
    """Seconds rounded for the report (milliseconds)."""
    return round(value, 3)


def describe(record: dict, seconds: float = 0.0, info: str | None = None) -> str:
    """One human line for a record, as printed while the run goes."""
    where = f"[round {record['round']}] " if record.get("round") is not None else ""
    text = f"{where}{record['actor']}: {record['action']} -> {record['outcome']}"
    extras = []
    if record.get("attack"):
        extras.append(f"attack {record['attack']}")
    if record.get("stopped_by"):
        extras.append(f"stopped by {record['stopped_by']}")
    if record.get("gas") is not None:
        extras.append(f"gas {record['gas']:,}")
    if record.get("note"):
        extras.append(record["note"])
    if info:
        extras.append(info)
    if seconds >= 0.05:
        extras.append(f"{seconds:.1f} s")
    return text + (f" ({'; '.join(extras)})" if extras else "")
