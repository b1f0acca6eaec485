"""The simulator commands: run a scenario on a chain, and replay a finished run against it.

The simulator package (``simulator/``, beside ``zkanchor/``) is imported only when one of
these commands runs, so the rest of the CLI never pays for it.
"""

from __future__ import annotations

import argparse
import sys

from .output import add_json_flag, emit

EXIT_OK, EXIT_FALSE = 0, 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "simulate",
        help="run a multi-institution scenario (honest parties and attackers) on a chain",
        description="Run SCENARIO.toml: institutions commit, train, prove (in parallel) and anchor on a fresh "
        "registry; attackers try their tricks; a regulator audits. REPORTDIR gets events.jsonl, summary.md, "
        "charts, timings.json, run.json and deployment.json. Exit 0 when every honest action landed and every "
        "attack was stopped, 1 otherwise, 2 for an unusable scenario.",
    )
    p.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (see zkanchor/simulator/scenarios/, or a shipped name like hospitals)")
    p.add_argument("-o", "--output", metavar="REPORTDIR", required=True, help="report directory to write")
    p.add_argument("--seed", type=int, default=None, help="seed for every salt, key and proof (default: the file's)")
    p.add_argument("--rpc", metavar="URL", default=None, help="JSON-RPC node to run on (default: an embedded chain)")
    p.add_argument("--scheduler", metavar="ADDR", default=None,
                   help="Dask scheduler address (tcp://host:8786) to prove on (default: a local process pool)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local prover processes (default: the scenario's, else the CPUs available)")
    p.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    add_json_flag(p)
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser(
        "replay",
        help="re-check a finished simulation against the chain it ran on",
        description="Read LOG (a report's events.jsonl, or the report directory) and check against the node: every "
        "logged transaction, anchor and refusal, a full audit, and the final registry state hash. Exit 0 if the "
        "chain agrees, 1 if not, 2 for unusable input.",
    )
    p.add_argument("log", metavar="LOG", help="events.jsonl of a run made with --rpc (or its report directory)")
    p.add_argument("--rpc", metavar="URL", required=True, help="the JSON-RPC node the run used")
    add_json_flag(p)
    p.set_defaults(handler=cmd_replay)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run a scenario and write its report; exit 1 if an honest action failed or an attack got through."""
    from zkanchor.errors import InputError

    from zkanchor.simulator import run_scenario

    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed must be a non-negative integer, not {args.seed}")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1, not {args.workers}")
    stream = sys.stderr if args.json else sys.stdout

    def echo(line: str) -> None:
        """Print one action as it happens (stderr under --json, so stdout stays one JSON object)."""
        stream.write(line + "\n")
        stream.flush()

    report = run_scenario(args.scenario, seed=args.seed, rpc=args.rpc, scheduler=args.scheduler,
                          out=args.output, echo=echo, workers=args.workers, charts=not args.no_charts)
    result = report.to_json()
    attempts = result["attack_attempts"]
    if report.ok:
        stopped = f"all {attempts} attack attempts were stopped" if attempts else "there were no attacks"
        text = (f"{report.scenario}: every honest action landed and {stopped} "
                f"({result['seconds']} s); report in {report.out}/summary.md")
    else:
        text = f"{report.scenario}: {len(report.problems)} problem(s): " + "; ".join(report.problems)
    emit(args, result, text)
    return EXIT_OK if report.ok else EXIT_FALSE


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-check a finished run against the chain; exit 1 if the chain disagrees with the log."""
    from zkanchor.simulator.replay import replay

    result = replay(args.log, args.rpc)
    if result.ok:
        text = f"the chain agrees with the log: {result.checked} checks, state hash {result.state_hash}"
    else:
        text = f"{len(result.problems)} disagreement(s) between the log and the chain:\n" + "\n".join(
            f"- {p}" for p in result.problems)
    emit(args, result.to_json(), text)
    return EXIT_OK if result.ok else EXIT_FALSE
