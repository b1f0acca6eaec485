"""The report directory of a run: event log, timings, summary, charts, deployment record.

::

    REPORTDIR/events.jsonl      one JSON object per action (simulator.log), deterministic
    REPORTDIR/timings.json      wall-clock start and duration per event, prover workers
    REPORTDIR/run.json          scenario, seed, chain, registry, final state hash, verdict
    REPORTDIR/deployment.json   the registry's deployment record with every circuit's key
                                (what ``zkanchor replay`` and ``zkanchor audit`` read)
    REPORTDIR/summary.md        who did what, gas, times, every attack and what stopped it
    REPORTDIR/gas.png           gas per kind of action
    REPORTDIR/proof_times.png   proof time per institution and round
    REPORTDIR/timeline.png      every action on a time line, one lane per actor

Every file is written atomically.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zkanchor.anchor import save_deployment
from zkanchor.errors import InputError
from zkanchor.fileio import atomic_write_bytes, atomic_write_text, write_json

from .log import STOPPED

if TYPE_CHECKING:
    from .world import World

EVENTS_FILE = "events.jsonl"
TIMINGS_FILE = "timings.json"
RUN_FILE = "run.json"
DEPLOYMENT_FILE = "deployment.json"
SUMMARY_FILE = "summary.md"
CHARTS = ("gas.png", "proof_times.png", "timeline.png")


@dataclass
class Report:
    """What a run did and where its report lives; ``ok`` = every honest action landed and every attack was stopped."""

    scenario: str
    seed: int
    out: Path
    chain: str
    records: list[dict]
    timings: list[dict]
    state_hash: str
    problems: list[str]
    total_seconds: float
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing went wrong (see ``problems`` otherwise)."""
        return not self.problems

    @property
    def attack_attempts(self) -> list[dict]:
        """Every attack attempt record (stopped or not)."""
        return [r for r in self.records if r.get("attack")]

    def to_json(self) -> dict:
        """The run's verdict as a JSON object (what ``zkanchor simulate --json`` prints)."""
        attempts = self.attack_attempts
        return {
            "scenario": self.scenario, "seed": self.seed, "chain": self.chain, "ok": self.ok,
            "report_dir": str(self.out), "state_hash": self.state_hash, "events": len(self.records),
            "attack_attempts": len(attempts), "stopped": sum(r["outcome"] == STOPPED for r in attempts),
            "gas_total": sum(r.get("gas", 0) for r in self.records if r["outcome"] == "landed"),
            "seconds": round(self.total_seconds, 2), "problems": self.problems,
        }


def events_text(records: list[dict]) -> str:
    """events.jsonl's text: one canonical JSON object per line."""
    return "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records)


def write_report(world: "World", record, out: Path, charts: bool = True) -> Report:
    """Write every report file for a finished run (``record``: its deployment record) and return its Report."""
    out.mkdir(parents=True, exist_ok=True)
    log = world.log
    report = Report(world.scenario.name, world.seed, out, world.chain.kind, log.records, log.timings,
                    world.state_hash, list(world.problems), log.now())
    atomic_write_text(out / EVENTS_FILE, events_text(report.records))
    write_json(out / TIMINGS_FILE, {"total_seconds": round(report.total_seconds, 3), "events": report.timings})
    save_deployment(record, out / DEPLOYMENT_FILE)
    write_json(out / RUN_FILE, {
        **report.to_json(), "scenario_file": str(world.scenario.path), "rpc": world.rpc,
        "registry": world.registry.address, "registry_block": world.registry.deploy_block,
    })
    report.files = [EVENTS_FILE, TIMINGS_FILE, RUN_FILE, DEPLOYMENT_FILE, SUMMARY_FILE]
    if world.ceremony is not None:
        # One ceremony.json per circuit (zkanchor.ceremony.transcript's format): who contributed, hash-chained.
        for circuit_id, transcript in sorted(world.ceremony.transcripts.items()):
            name = f"ceremony/{circuit_id}.json"
            (out / "ceremony").mkdir(exist_ok=True)
            write_json(out / name, transcript)
            report.files.append(name)
    if charts:
        report.files += write_charts(report, out)
    atomic_write_text(out / SUMMARY_FILE, summary_markdown(report, world, charts))
    return report


# ---------------------------------------------------------------- summary.md


def _cell(value: object) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_markdown(report: Report, world: "World", charts: bool) -> str:
    """summary.md: outcome, who did what, gas, proofs, attacks and what stopped each."""
    s = world.scenario
    seconds = {t["seq"]: t for t in report.timings}
    attempts = report.attack_attempts
    verdict = ("every honest action landed and every attack attempt was stopped" if report.ok
               else f"**{len(report.problems)} problem(s)** — see below")
    parts = [
        f"# Simulation: {s.name}", "",
        s.description, "",
        f"- seed {report.seed}, {report.chain} chain, registry {world.registry.address}",
        f"- {len(report.records)} events, {len(attempts)} attack attempts, "
        f"{sum(r['outcome'] == STOPPED for r in attempts)} stopped",
        f"- outcome: {verdict}",
        f"- final chain-state hash `{report.state_hash}`",
        *([f"- explore it: `zkanchor explorer --report {report.out}`, then open http://127.0.0.1:8547/ "
           f"(needs the node at {world.rpc} running)"] if world.rpc else []),
        f"- wall time {report.total_seconds:.1f} s", "",
        "## Who did what", "",
        _table(["#", "round", "actor", "action", "outcome", "gas", "seconds", "note"],
               [[r["seq"], r.get("round") or "", r["actor"], r["action"], r["outcome"], r.get("gas", ""),
                 f"{seconds[r['seq']]['seconds']:.2f}" if seconds[r["seq"]]["seconds"] else "",
                 r.get("attempt") or r.get("note", "")] for r in report.records]), "",
        "## Gas", "",
    ]
    by_action: dict[str, list[int]] = defaultdict(list)
    for r in report.records:
        if r["outcome"] == "landed" and r.get("gas") is not None:
            by_action[r["action"]].append(r["gas"])
    parts += [_table(["action", "transactions", "mean gas", "total gas"],
                     [[a, len(g), f"{sum(g) // len(g):,}", f"{sum(g):,}"] for a, g in sorted(by_action.items())]), ""]
    parts += ["## Proofs", "",
              _table(["prover", "round", "circuit", "constraints", "seconds", "worker"],
                     [[r["actor"], r.get("round"), r.get("circuit"), f"{r.get('constraints', 0):,}",
                       f"{seconds[r['seq']]['seconds']:.2f}", seconds[r["seq"]].get("worker", "")]
                      for r in report.records if r["action"] == "prove" and not r.get("attack")]), ""]
    parts += ["## Attacks", ""]
    if attempts:
        parts += [_table(["round", "attack", "actor", "attempt", "outcome", "stopped by"],
                         [[r["round"], r["attack"], r["actor"], r["attempt"], r["outcome"], r.get("stopped_by", "—")]
                          for r in attempts]), ""]
        parts += ["`contract:<Error>` is the registry's custom error; `python-verifier` is zkanchor's Groth16 "
                  "verifier; `prover:<constraint>` means no proof exists (the witness breaks that constraint); "
                  "`regulator:model-opening` means the served weights do not open the anchored C_W; "
                  "`contract:resolve` / `contract:expire` mean the optimistic anchor was settled Invalid; "
                  "`ceremony:<check>` means the ceremony's verification refused the contribution (the record's "
                  "`check` holds the verifier's sentence) and it was discarded.", ""]
    else:
        parts += ["No attacks in this scenario.", ""]
    if report.problems:
        parts += ["## Problems", ""] + [f"- {p}" for p in report.problems] + [""]
    if charts:
        parts += ["## Charts", "", "![gas per action](gas.png)", "", "![proof times](proof_times.png)", "",
                  "![timeline](timeline.png)", ""]
    parts += ["## Reproducing", "",
              f"`zkanchor simulate {s.path} --seed {report.seed}` on a fresh chain of the same kind writes a "
              "byte-identical `events.jsonl` and the same chain-state hash: salts, proof randomness and keys "
              "come from the seed, and the log holds no wall-clock value (times are in `timings.json`). "
              "The hash covers the registry's state and events but not block timestamps.", ""]
    return "\n".join(parts)


# ---------------------------------------------------------------- charts


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def write_charts(report: Report, out: Path) -> list[str]:
    """gas.png, proof_times.png and timeline.png (matplotlib, Agg backend)."""
    try:
        import matplotlib
    except ImportError:
        raise InputError("the report's charts need matplotlib: 'pip install matplotlib', or pass --no-charts") from None
    matplotlib.use("Agg")  # files only: never open a window, work without a display
    import matplotlib.pyplot as plt

    records, timing = report.records, {t["seq"]: t for t in report.timings}

    by_action: dict[str, list[int]] = defaultdict(list)
    for r in records:
        if r["outcome"] == "landed" and r.get("gas") is not None:
            by_action[r["action"]].append(r["gas"])
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(3, len(by_action)) + 1))
    names = sorted(by_action)
    ax.barh(names, [sum(by_action[a]) / len(by_action[a]) for a in names], color="#4c72b0")
    for y, a in enumerate(names):
        ax.text(sum(by_action[a]) / len(by_action[a]), y, f" {sum(by_action[a]) // len(by_action[a]):,} x{len(by_action[a])}",
                va="center", fontsize=8)
    ax.set_xlabel("mean gas per transaction")
    ax.set_title(f"{report.scenario}: gas per action")
    atomic_write_bytes(out / "gas.png", _png(fig))
    plt.close(fig)

    proofs = [r for r in records if r["action"] == "prove" and not r.get("attack")]
    actors = list(dict.fromkeys(r["actor"] for r in proofs))
    rounds = sorted({r["round"] for r in proofs})
    fig, ax = plt.subplots(figsize=(max(5, 1.3 * len(actors) + 2), 3.5))
    width = 0.8 / max(1, len(rounds))
    for k, rnd in enumerate(rounds):
        xs = [i + k * width for i, a in enumerate(actors) for r in proofs if r["actor"] == a and r["round"] == rnd]
        ys = [timing[r["seq"]]["seconds"] for a in actors for r in proofs if r["actor"] == a and r["round"] == rnd]
        ax.bar(xs, ys, width, label=f"round {rnd}")
    ax.set_xticks([i + width * (len(rounds) - 1) / 2 for i in range(len(actors))], actors, rotation=15)
    ax.set_ylabel("proof time (s)")
    ax.set_title("proof time per institution and round")
    if len(rounds) > 1:
        ax.legend()
    atomic_write_bytes(out / "proof_times.png", _png(fig))
    plt.close(fig)

    lanes = list(dict.fromkeys(r["actor"] for r in records))
    colors = {"honest": "#55a868", "attack": "#c44e52", "check": "#8172b2", "admin": "#937860"}
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(lanes) + 1.2))
    for r in records:
        t = timing[r["seq"]]
        category = ("attack" if r.get("attack") or r.get("attack_step") else
                    "admin" if r["actor"] in ("admin", "simulator") else
                    "check" if r["action"].startswith(("check", "audit")) else "honest")
        ax.barh(lanes.index(r["actor"]), max(t["seconds"], report.total_seconds / 400), left=t["start"],
                color=colors[category], edgecolor="black", linewidth=0.3)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the run began")
    ax.set_title("timeline (green honest, red attack, purple checks, brown admin)")
    atomic_write_bytes(out / "timeline.png", _png(fig))
    plt.close(fig)
    return list(CHARTS)

