"""The report directory of a run: event log, timings, summary, charts, deployment record.

::

    REPORTDIR/events.jsonl      one JSON object per action (simulator.log), deterministic
    REPORTDIR/timings.json      wall-clock start and duration per event, prover workers
    REPORTDIR/run.json          scenario, seed, chain, registry, final state hash, verdict
    REPORTDIR/deployment.json   the registry's deployment record with every circuit's key
                                (what ``zkanchor replay`` and ``zkanchor audit`` read)
    REPORTDIR/summary.md        who did what, gas, times, every attack and what stopped it, and
                                (with data subjects' rights) a section for a data-protection officer
    REPORTDIR/receipts/NAME/    the receipts an institution handed its data subjects (receipts = true)
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
from zkanchor.commit.receipts import save_receipts
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
    for party in world.parties.values():
        if party.receipts:
            # The subjects' own files: ``zkanchor verify-receipt`` reads them.
            name = f"receipts/{slug(party.name)}"
            save_receipts(party.receipts, out / name)
            report.files.append(name)
    if charts:
        report.files += write_charts(report, out)
    atomic_write_text(out / SUMMARY_FILE, summary_markdown(report, world, charts))
    return report


def slug(name: str) -> str:
    """A file name for an institution's name: lower case, runs of other characters as one dash."""
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "institution"


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
        *(rights_markdown(report.records, world) if s.has_rights else []),
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
                      for r in _proofs(report.records)]), ""]
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


def _proofs(records: list[dict]) -> list[dict]:
    """The honest proofs of a run: training, aggregation, erasure, non-membership and validity."""
    return [r for r in records if r["action"] in ("prove", "prove_erasure", "prove_nonmembership", "prove_validity")
            and r["outcome"] == "done" and not r.get("attack")]


def _series(r: dict) -> str:
    """Which bar of the proof-time chart a proof is: its round, and what it proves if not the round's training."""
    what = {"prove_erasure": " erasure", "prove_nonmembership": " non-membership",
            "prove_validity": " validity"}.get(r["action"], "")
    if r["action"] == "prove" and str(r.get("job", "")).endswith("/retrain"):
        what = " retraining"
    return f"round {r['round']}{what}"


# ---------------------------------------------------------------- data subjects' rights

LIMITS = [
    "The erasure proof shows that the new commitment C_D' no longer holds the erased records and that the "
    "retrained model was trained over C_D'. It cannot show that the raw records were deleted from the "
    "institution's disks and backups, nor that the superseded model is no longer in use (the audit lists it "
    "as superseded, which is all the chain can say).",
    "A receipt is not signed: the data subject trusts that it came from the institution. Checked against the "
    "anchored C_D, it shows their record is in the committed data, without revealing anyone else's.",
    "Consent flags are the ones the institution committed. A subject sees theirs on the receipt; no proof can "
    "show they match the consent form the subject signed. A flag cannot change once committed, so withdrawing "
    "consent afterwards is answered like an erasure request: erase, prove, retrain.",
    "A validity claim is about the data as committed, in its committed (standardised) units; it says nothing "
    "about data the institution holds outside the commitment.",
    "The registry cannot compel an answer: an overdue request is public and dated, and acting on it is for the "
    "supervisory authority.",
]
# Said only when a request was refuted.
REFUTATION_LIMIT = (
    "A refutation shows that the dataset the institution committed to (C_D) holds no record with the leaf the "
    "request names. It says nothing about data the institution keeps outside that commitment. A data subject "
    "whose request is refuted can check their receipt against the anchored C_D: if it leads there, the request "
    "named another leaf than the receipt's.")


def _who(name: str) -> str:
    return f"**{name}**"


def _blocks(n: int) -> str:
    return f"{n} block{'s' if n != 1 else ''}"


def _join(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def rights_markdown(records: list[dict], world: "World") -> list[str]:
    """The "Data subjects' rights" section: who requested what and when, what was proven, what is overdue,
    which validity claim failed and why, and what the chain cannot show — in a data-protection officer's words."""
    s = world.scenario
    by = defaultdict(list)
    for r in records:
        by[r["action"]].append(r)
    deploy = by["deploy_registry"][0]
    deadline = deploy.get("erasure_deadline")
    parts = ["## Data subjects' rights", "",
             "What each institution did for the people in its data, in the order it happened. Blocks are the "
             "chain's clock: each transaction here is one block (on a public chain, about 12 seconds)."
             + (f" The registry gives an institution {_blocks(deadline)} to answer an erasure request." if deadline
                else ""), ""]

    parts += ["### Receipts and consent", ""]
    for inst in s.honest:
        anchored = next((r for r in by["anchor_dataset"] if r["actor"] == inst.name and not r.get("attack_step")),
                        None)
        handed = next((r for r in by["hand_out_receipts"] if r["actor"] == inst.name), None)
        trained = next((r for r in by["train"] if r["actor"] == inst.name and not r.get("retrain")), None)
        if anchored is None or (handed is None and not (trained and trained.get("excluded") is not None)):
            continue
        n = world.parties[inst.name].data.dataset.n
        text = f"- {_who(inst.name)} committed to its data of {n} records in block {anchored['block']}"
        if handed is not None:
            text += (f" and handed each of its {handed['receipts']} data subjects a private receipt: their own "
                     "record, its position and a Merkle path. With the receipt alone a subject can check that "
                     "their record is in the data the institution committed to, without learning anything about "
                     f"anyone else's (receipts in `receipts/{slug(inst.name)}/`)")
        text += "."
        if trained is not None and trained.get("excluded"):
            text += (f" {trained['excluded']} of its {n} records had no consent to the training's purpose: the "
                     "training proof shows they did not influence the model (the number left out is public in "
                     "the proof).")
        elif trained is not None and trained.get("excluded") == 0:
            text += (" Every record had consent to the training's purpose; the training proof states that none "
                     "was left out.")
        parts.append(text)
    parts.append("")

    filed = by["request_erasure"]
    checks = {r["request"]: r for r in by["check_erasure_request"]}
    answers = {rid: r for r in by["anchor_erasure"] if r["outcome"] == "landed" for rid in r["requests"]}
    refutations = {rid: r for r in by["refute_erasure"] if r["outcome"] == "landed" for rid in r["requests"]}
    if filed:
        parts += ["### Requests", "",
                  _table(["request", "requested by", "to", "filed in block", "why", "due by block", "outcome"],
                         [[r["request"], r["actor"], r["institution"], r["block"],
                           "consent withdrawn" if r["reason"] == "withdraw_consent" else "erasure",
                           r["deadline"], _request_outcome(r, answers.get(r["request"]),
                                                           refutations.get(r["request"]), checks.get(r["request"]))]
                          for r in filed]), "",
                  "A withdrawal of consent is filed as an erasure request: the consent flag was committed with "
                  "the data and cannot change without a new commitment, so the records are erased and the model "
                  "retrained without them.", ""]

    proven = [r for r in by["anchor_erasure"] if r["outcome"] == "landed"]
    if proven:
        parts += ["### What was proven", ""]
    for r in proven:
        first = min(f["block"] for f in filed if f["request"] in r["requests"])
        due = min(f["deadline"] for f in filed if f["request"] in r["requests"])
        parts.append(
            f"- {_who(r['actor'])} answered request{'s' if len(r['requests']) > 1 else ''} "
            f"{_join(r['requests'])} in block {r['block']}, {_blocks(r['block'] - first)} after the first was "
            f"filed (due by block {due}). Its erasure proof, which the registry checked before accepting it, shows "
            f"that the new dataset C_D' (`{r['new_commitment'][:12]}…`) is the committed C_D "
            f"(`{r['commitment'][:12]}…`) with exactly the requested records replaced by tombstones: no other "
            "record removed, kept back or altered. The registry now marks C_D as erased, so no new model can be "
            "anchored on it.")
        retrained = next((a for a in records if a["actor"] == r["actor"] and a.get("retrain")
                          and a["outcome"] == "landed"), None)
        if retrained is not None:
            consent = next((t.get("excluded") for t in by["train"] if t["actor"] == r["actor"]
                            and not t.get("retrain")), None)
            why = (f": the {consent} without consent and the {retrained['excluded'] - consent} erased"
                   if consent is not None and retrained["excluded"] >= consent else " (erased, or without consent)")
            superseded = [m for m in by["check_superseded_model"] if m["institution"] == r["actor"]]
            parts.append(f"- {_who(r['actor'])} retrained its model from scratch on C_D' and proved it; the "
                         f"registry accepted it in block {retrained['block']}. {retrained['excluded']} records "
                         f"did not influence the new model{why}."
                         + (" The regulator's audit marks the earlier model, trained on C_D, as superseded by it."
                            if superseded and all(m["outcome"] == "passed" for m in superseded) else ""))
        tries = [a for a in records if a.get("attack") == "erased_data" and a["actor"] == r["actor"]]
        if tries:
            parts.append(f"- {_who(r['actor'])} then tried to keep using the erased records: "
                         + "; ".join(_erased_try(a) for a in tries) + ".")
        subjects = [v for v in by["verify_erasure"] if v["institution"] == r["actor"]]
        if subjects:
            ok = all(v["outcome"] == "passed" for v in subjects)
            parts.append(f"- {_join([v['actor'] for v in subjects])} checked their receipts before filing (their "
                         "record was in C_D) and, after the answer, read the erasure proof from the chain: "
                         + ("it verifies and lists their record, and C_D is marked erased into C_D', which no "
                            "longer holds it." if ok else "**the check failed** (see the log)."))
    if proven:
        parts.append("")

    refuted = [r for r in by["refute_erasure"] if r["outcome"] == "landed"]
    if refuted:
        parts += ["### Refuted requests", ""]
    for r in refuted:
        requests = [f for f in filed if f["request"] in r["requests"]]
        by_whom = _join(list(dict.fromkeys(f["actor"] for f in requests)))
        n = world.parties[r["actor"]].data.dataset.n
        prove = next((p for p in by["prove_nonmembership"] if p["actor"] == r["actor"]), None)
        checked = [c for c in by["check_erasure_request"] if c["request"] in r["requests"]]
        plural = len(requests) > 1
        filed_in, due = _join(sorted({f["block"] for f in requests})), min(f["deadline"] for f in requests)
        text = (f"- {by_whom} asked {_who(r['actor'])} to erase a record it never held (request"
                f"{'s' if plural else ''} {_join(r['requests'])}, filed in block {filed_in}, due by block {due}). "
                "There was nothing to erase, and left unanswered the request would have turned overdue and made "
                f"the institution look non-compliant. Instead {_who(r['actor'])} proved, without showing any of its "
                f"data, that none of the {n} records it committed to (C_D `{r['commitment'][:12]}…`) is the one "
                f"named; the registry checked the proof and marked the request{'s' if plural else ''} refuted in "
                f"block {r['block']}, {_blocks(r['block'] - min(f['block'] for f in requests))} after filing")
        if prove is not None and prove.get("constraints"):
            text += f" (a proof of {prove['constraints']:,} constraints, {r['gas']:,} gas to check on chain)"
        text += "."
        if checked and all(c["outcome"] == "passed" and c["status"] == "refuted" for c in checked):
            past = checked[0]["block"] > max(f["deadline"] for f in requests)
            text += (f" The regulator's audit at block {checked[0]['block']} re-checked the proof and lists the "
                     f"request{'s' if plural else ''} as refuted, not overdue"
                     + (", although the deadline has passed." if past else "."))
        parts.append(text)
    if refuted:
        parts.append("")

    overdue = [c for c in by["check_erasure_request"] if c["status"] == "overdue"]
    ignored = by["ignore_erasure_requests"]
    if overdue or ignored:
        parts += ["### Overdue", ""]
        for c in overdue:
            request = next(f for f in filed if f["request"] == c["request"])
            parts.append(f"- {_who(c['institution'])} did not answer request {c['request']} from "
                         f"{c['subject']} (filed in block {request['block']}, due by block {c['deadline']}). The "
                         f"regulator's audit at block {c['block']} shows it OVERDUE since block {c['deadline'] + 1}. "
                         "The chain cannot force an answer; it makes the failure public and dated.")
        if ignored and not overdue:
            parts.append("- Requests were ignored, but no regulator audited the registry, so nobody flagged them.")
        parts.append("")

    claims = by["prove_validity"] + by["anchor_validity"]
    claims = [c for c in claims if c["outcome"] in ("stopped", "landed")]
    if claims:
        parts += ["### Validity claims", ""]
        trace = {c["institution"]: c for c in by["check_validity_claim"]}
        order = [i.name for i in s.institutions]
        for c in sorted(claims, key=lambda c: (order.index(c["actor"]), c["seq"])):
            if c["outcome"] == "landed":
                parts.append(f"- {_who(c['actor'])} proved that its committed data (C_D `{c['commitment'][:12]}…`) "
                             f"satisfies its schema — {c['claim']} — without showing the data; the registry checked "
                             f"the proof and anchored the claim in block {c['block']}.")
                continue
            text = (f"- {_who(c['actor'])} claimed that its committed data (C_D `{c['commitment'][:12]}…`) "
                    f"satisfies: {c['claim']}. It could not prove it. Rule broken: {c['broken']}")
            text += f" ({c['detail']})." if c.get("detail") else "."
            text += (' The library refused before proving: "' + c["reason"] + '" (values in the committed, '
                     "standardised units)")
            if c["stopped_by"].startswith("prover:"):
                text += (', and the circuit, solved with the data, breaks its constraint "'
                         + c["stopped_by"][len("prover:"):] + '": no proof exists')
            text += ". Nothing was anchored"
            seen = trace.get(c["actor"])
            if seen is not None and seen["outcome"] == "passed":
                text += "; the regulator found no validity claim for this dataset on chain"
            parts.append(text + ".")
        parts.append("")

    limits = LIMITS + ([REFUTATION_LIMIT] if refuted else [])
    parts += ["### What the chain cannot show", ""] + [f"- {line}" for line in limits] + [""]
    return parts


def _request_outcome(filed: dict, answer: dict | None, refutation: dict | None, check: dict | None) -> str:
    if answer is not None:
        late = " (LATE)" if answer["block"] > filed["deadline"] else ""
        return f"answered in block {answer['block']}{late}"
    if refutation is not None:
        return f"refuted in block {refutation['block']}: no such record in the data"
    if check is not None and check["status"] == "overdue":
        return f"**OVERDUE** since block {filed['deadline'] + 1}"
    return "not answered"


def _erased_try(r: dict) -> str:
    by = r.get("stopped_by") or "nothing: it got through"
    if r["action"] == "prove":
        return f"a model still trained on them cannot be proven over C_D' (stopped by `{by}`)"
    return f"a new model over the erased C_D was refused (stopped by `{by}`)"


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

    proofs = _proofs(records)
    actors = list(dict.fromkeys(r["actor"] for r in proofs))
    rounds = list(dict.fromkeys(_series(r) for r in proofs))  # a round's proofs, or its erasure, retraining...
    fig, ax = plt.subplots(figsize=(max(5, 1.3 * len(actors) + 2), 3.5))
    width = 0.8 / max(1, len(rounds))
    for k, rnd in enumerate(rounds):
        xs = [i + k * width for i, a in enumerate(actors) for r in proofs if r["actor"] == a and _series(r) == rnd]
        ys = [timing[r["seq"]]["seconds"] for a in actors for r in proofs if r["actor"] == a and _series(r) == rnd]
        ax.bar(xs, ys, width, label=rnd)
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

