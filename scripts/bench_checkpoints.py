"""Benchmark checkpointed training on a Dask cluster: one long run proven as segments.

One logistic-regression run of n rows x d features x T epochs (synthetic, scikit-learn's
``make_classification``, standardised) is proven as T/K segments of K epochs on a local
Dask cluster of W single-threaded workers (``dask.distributed.LocalCluster``), exactly as
``prove-training --checkpoint-every K --scheduler ADDR`` does.  Printed:

- the segment circuit (constraints) and its one-time setup;
- per segment: seconds and peak memory in its worker, and which worker proved it;
- the run's wall time on W workers, and the verification of the whole run;
- the monolithic proof of the same run (one circuit over all T epochs) when its estimated
  memory fits this machine (``--monolithic``), else its estimated cost;
- the wall time projected for W' workers from the measured per-segment cost:
  setup + ceil(S / W') x the median segment (segments are independent; the dataset
  opening is repeated in every segment, so more workers never beat one segment's time).

    .venv/bin/python scripts/bench_checkpoints.py [--rows 2048] [--features 30] [--epochs 40]
        [--every 4] [--workers 2] [--monolithic] [--json out.json]

Keys and compiled circuits go to a temporary cache (``--cache DIR`` to keep them).  The
machine is shared and noisy: read the ratios and orders of magnitude.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWNER = 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf


def make_run(rows: int, features: int, epochs: int):
    """(spec, dataset, salt, model) of one honest run on synthetic standardised data."""
    from sklearn.datasets import make_classification

    from zkanchor.commit import commit_dataset, from_arrays, quantize
    from zkanchor.commit.quantize import standardize
    from zkanchor.models.spec import spec_for
    from zkanchor.training.api import train_model

    x, y = make_classification(n_samples=rows, n_features=features, n_informative=min(10, features // 2), n_redundant=min(2, features // 4),
                               random_state=rows)
    table, _ = standardize(from_arrays(x, y))
    dataset = quantize(table)
    _, salt = commit_dataset(dataset, OWNER)
    spec = spec_for("logreg", dataset, epochs, 0.5, score_bits=24)
    return spec, dataset, salt, train_model(spec, dataset)


def _seconds_of(segment: Path) -> dict:
    """The per-step seconds a segment's bundle recorded (circuit, keys, witness, prove)."""
    seconds = json.loads((segment / "bundle.json").read_text()).get("seconds", {})
    return {k: v for k, v in seconds.items() if isinstance(v, (int, float))}


def monolithic(spec, dataset, salt, model, keys, allowed: bool) -> dict:
    """Prove the whole run as one statement if it fits in memory; else report its estimate."""
    from zkanchor.proofs import Prover
    from zkanchor.proofs.estimate import available_memory, estimate
    from zkanchor.statements import TrainingClaim, TrainingOpening, compile, make_statement

    opening = TrainingOpening(dataset, salt, model)
    statement = make_statement(TrainingClaim(spec), OWNER, opening)
    started = time.perf_counter()
    circuit = compile(statement.spec)
    cost = estimate(circuit.constraints)
    free = available_memory() or 0
    out = {"constraints": circuit.constraints, "estimated_seconds": round(cost.prove_seconds + cost.setup_seconds, 1),
           "estimated_peak_bytes": cost.peak_bytes}
    if not allowed or cost.peak_bytes > 0.8 * free:
        out["proven"] = False
        out["why"] = "not asked (--monolithic)" if not allowed else \
            f"needs about {cost.peak_bytes / 2**30:.1f} GB, {free / 2**30:.1f} GB free"
        return out
    t0 = time.perf_counter()
    keys.proving_key(circuit)
    t1 = time.perf_counter()
    bundle = Prover(keys).prove(statement, opening, check=False)
    t2 = time.perf_counter()
    out.update(proven=True, compile_seconds=round(t0 - started, 1), setup_seconds=round(t1 - t0, 1),
               prove_seconds=round(t2 - t1, 1), peak_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
               bundle_seconds=bundle.info.get("seconds"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--every", type=int, default=4, help="epochs per segment (K)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (one thread each)")
    parser.add_argument("--monolithic", action="store_true", help="also prove the run as one circuit, if it fits")
    parser.add_argument("--cache", help="key and circuit cache (default: a temporary directory)")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cache = args.cache or tempfile.mkdtemp(prefix="zkanchor-bench-checkpoints-")
    os.environ["ZKANCHOR_CACHE"] = cache
    os.environ["ZKANCHOR_THREADS"] = "1"  # each worker proves on one core; the workers share the machine

    from dask.distributed import Client, LocalCluster

    from zkanchor.executor import DaskExecutor
    from zkanchor.proofs import KeyStore
    from zkanchor.statements import compile
    from zkanchor.training.checkpoints import plan_run, prove_run, verify_run

    n, d, t, k, w = args.rows, args.features, args.epochs, args.every, args.workers
    print(f"run: logreg, {n} rows x {d} features x {t} epochs, segments of {k} epochs "
          f"({t // k} segments), {w} Dask workers", flush=True)
    t0 = time.perf_counter()
    spec, dataset, salt, model = make_run(n, d, t)
    plan = plan_run(spec, dataset, salt, model, OWNER, k)
    t1 = time.perf_counter()
    keys = KeyStore()
    circuit = compile(plan.segments[0].statement.spec)
    t2 = time.perf_counter()
    keys.proving_key(circuit)
    t3 = time.perf_counter()
    print(f"segment circuit: {circuit.constraints:,} constraints; train + plan {t1 - t0:.1f} s, "
          f"compile {t2 - t1:.1f} s, setup {t3 - t2:.1f} s (once, shared by every segment)", flush=True)

    out = Path(tempfile.mkdtemp(prefix="zkanchor-bench-run-")) / "run"
    with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, memory_limit=0,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        executor = DaskExecutor(cluster.scheduler_address, client)
        started = time.perf_counter()
        manifest = prove_run(plan, out, executor=executor, keys=keys,
                             progress=lambda line: print(f"  {line}  ({time.perf_counter() - started:.0f} s)",
                                                         flush=True))
        wall = time.perf_counter() - started
    t4 = time.perf_counter()
    report = verify_run(out, keys=keys)
    verify_seconds = time.perf_counter() - t4
    segments = manifest["segments"]
    seconds = [s["seconds"] for s in segments]
    peaks = [s["peak_memory_bytes"] or 0 for s in segments]
    median = statistics.median(seconds)
    print(f"\n  {'segment':>7} {'epochs':>9} {'seconds':>8} {'circuit':>8} {'keys':>6} {'witness':>8} {'prove':>7} "
          f"{'peak':>9}  worker")
    for s in segments:
        parts = _seconds_of(out / s["dir"])
        for name in ("circuit", "keys", "witness", "prove"):
            s.setdefault("breakdown", {})[name] = parts.get(name)
        print(f"  {s['index']:>7} {s['epochs'][0]:>4}-{s['epochs'][1]:<4} {s['seconds']:>8.1f} "
              + " ".join(f"{parts.get(name, float('nan')):>{width}.1f}" for name, width in
                         (("circuit", 8), ("keys", 6), ("witness", 8), ("prove", 7)))
              + f" {(s['peak_memory_bytes'] or 0) / 2**30:>7.2f}GB  {s['worker']}")
    print(f"run on {w} workers: {wall:.1f} s wall for {len(segments)} segments (median {median:.1f} s each, "
          f"peak {max(peaks) / 2**30:.2f} GB per worker); verify {verify_seconds:.1f} s: "
          f"{'valid' if report.valid else 'INVALID: ' + str(report.problem)}")

    mono = monolithic(spec, dataset, salt, model, keys, args.monolithic)
    if mono["proven"]:
        print(f"monolithic: {mono['constraints']:,} constraints, setup {mono['setup_seconds']} s, "
              f"prove {mono['prove_seconds']} s, peak {mono['peak_bytes'] / 2**30:.2f} GB")
    else:
        print(f"monolithic: {mono['constraints']:,} constraints, not proven ({mono['why']}); estimated "
              f"{mono['estimated_seconds']:.0f} s with setup, {mono['estimated_peak_bytes'] / 2**30:.1f} GB")
    setup = t3 - t2
    projection = {str(workers): round(setup + math.ceil(len(segments) / workers) * median, 1)
                  for workers in sorted({1, 2, 4, 8, 16, len(segments)})}
    print("projected wall time (setup + rounds x median segment): "
          + ", ".join(f"{k_} workers {v} s" for k_, v in projection.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": n, "features": d, "epochs": t, "every": k, "workers": w,
            "segment_constraints": circuit.constraints, "setup_seconds": round(setup, 1),
            "segments": segments, "wall_seconds": round(wall, 1), "verify_seconds": round(verify_seconds, 1),
            "valid": report.valid, "monolithic": mono, "projected_wall_seconds": projection,
        }, indent=1) + "\n")


if __name__ == "__main__":
    main()
