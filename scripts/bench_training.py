"""Benchmark real-size training proofs; prints every figure the training targets name.

1. **The full breast-cancer split through the CLI** — ``commit`` (train and test splits,
   standardised) -> ``train`` (logreg, 10 epochs) -> ``prove-training`` (evaluation clause
   on the 143 test rows) -> ``verify-training``, cold (empty key cache: setup included) and
   warm, each command timed as a whole process with its peak memory (GNU time), and the
   proof's constraints from its bundle.json.  Targets: <= 60 s warm, <= 4 min cold,
   peak <= 3 GB, <= 1.0M constraints.
2. **Constraints per unit** — logistic regression per sample·feature·epoch at d = 30
   (target <= 3.0), linear regression at n >= 256 (target <= 2.1), the commitment per
   committed value (target <= 30), and scikit-learn's accuracy beside ours.
3. **A scale table** — n in {128, 426, 1024, 2048} x 30 features x 10 epochs (logreg,
   no clauses): constraints, witness time, prove time and peak memory, each n in a fresh
   process (so peaks do not mix), keys set up beforehand; then the largest n projected
   to prove within 10 minutes from the measured per-constraint cost.

    .venv/bin/python scripts/bench_training.py [--skip-cli] [--scale 128,426,1024,2048] [--epochs 10]

This machine is shared and noisy: read ratios and orders of magnitude.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADDRESS = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
ZKANCHOR = [sys.executable, "-m", "zkanchor"]


def timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command under GNU time: (seconds, peak RSS bytes, stdout)."""
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *cmd], capture_output=True, text=True, env=env,
                          cwd=env["WORK"])
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-600:]}")
    peak = int(re.search(r"MAXRSS (\d+)", proc.stderr).group(1)) * 1024
    return elapsed, peak, proc.stdout


def cli_run(label: str, env: dict) -> dict:
    """The four commands on the full split; returns the figures."""
    work = Path(env["WORK"])
    for d in ("bc_train", "bc_test", "model", "proof"):
        shutil.rmtree(work / d, ignore_errors=True)
    steps = [
        ("commit train", ZKANCHOR + ["commit", "--sklearn", "breast_cancer", "--split", "train", "--test-rows", "143",
                                     "--standardize", "--institution", ADDRESS, "-o", "bc_train"]),
        ("commit test", ZKANCHOR + ["commit", "--sklearn", "breast_cancer", "--split", "test", "--test-rows", "143",
                                    "--stats-from", "bc_train", "--institution", ADDRESS, "-o", "bc_test"]),
        ("train", ZKANCHOR + ["train", "bc_train", "--model", "logreg", "--epochs", "10", "-o", "model"]),
        ("prove-training", ZKANCHOR + ["prove-training", "bc_train", "model", "--test", "bc_test",
                                       "--min-accuracy", "0.9", "-o", "proof"]),
        ("verify-training", ZKANCHOR + ["verify-training", "proof"]),
    ]
    out = {"label": label, "steps": []}
    for name, cmd in steps:
        seconds, peak, _ = timed(cmd, env)
        out["steps"].append((name, seconds, peak))
    bundle = json.loads((work / "proof" / "bundle.json").read_text())
    out["constraints"] = bundle["constraints"]
    out["total"] = sum(s for _, s, _ in out["steps"])
    out["peak"] = max(p for _, _, p in out["steps"])
    return out


def print_cli(result: dict) -> None:
    print(f"\n{result['label']}: {result['constraints']:,} constraints, {result['total']:.1f} s in all, "
          f"peak {result['peak'] / 2**30:.2f} GB")
    for name, seconds, peak in result["steps"]:
        print(f"  {name:16s} {seconds:7.1f} s  {peak / 2**20:7.0f} MB")


def per_unit(epochs: int) -> None:
    """Constraints per sample·feature·epoch and per committed value; accuracy against scikit-learn."""
    import numpy as np

    from zkanchor.gadgets.commitment import commitment_constraints
    from zkanchor.models import model_module
    from zkanchor.models.spec import make_spec
    from zkanchor.r1cs import ConstraintSystem

    def training_constraints(model: str, n: int, d: int, e: int) -> int:
        spec = make_spec(model, n, d, e, 0.5 if model == "logreg" else 0.2, frac_bits=8, value_bits=13)
        kind = model_module(model)
        cs = ConstraintSystem()
        x = cs.private("x", shape=(n, d))
        y = cs.private("y", shape=(n,))
        w = cs.private("w", shape=(spec.n_weights,))
        kind.circuit(cs, spec, x, y, w)
        return cs.n_constraints

    print("\nconstraints per sample·feature·epoch (d = 30, {} epochs, value_bits 13):".format(epochs))
    for model, target in (("logreg", 3.0), ("linreg", 2.1)):
        for n in (128, 256, 426, 1024, 2048):
            c = training_constraints(model, n, 30, epochs)
            print(f"  {model} n={n:5d}: {c:9,d} constraints, {c / (n * 30 * epochs):.3f} per s·f·e "
                  f"(target <= {target})")
    print("constraints per committed value (d = 30 features + target):")
    for n, b in ((426, 13), (426, 16), (1024, 13)):
        c = commitment_constraints(n, 30, b)
        print(f"  n={n:5d} value_bits {b}: {c / (n * 31):.2f} per value (target <= 30)")
    # Accuracy beside scikit-learn's float logistic regression on the same split.
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from zkanchor.commit import from_arrays, quantize
    from zkanchor.commit.quantize import standardize
    from zkanchor.models.spec import spec_for
    from zkanchor.statements.training import evaluate
    from zkanchor.training.api import train_model

    x, y = load_breast_cancer(return_X_y=True)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=143, stratify=y, random_state=0)
    tr, te = np.sort(tr), np.sort(te)
    train_tab, stats = standardize(from_arrays(x[tr], y[tr]))
    test_tab, _ = standardize(from_arrays(x[te], y[te]), stats)
    ref = LogisticRegression(max_iter=10_000).fit(train_tab.features, y[tr]).score(test_tab.features, y[te])
    train, test = quantize(train_tab), quantize(test_tab, value_bits=quantize(train_tab).value_bits)
    spec = spec_for("logreg", train, epochs, 0.5)
    model = train_model(spec, train)
    ours = evaluate(spec, test, model.final) / test.n
    print(f"breast-cancer test accuracy: ours {ours:.4f} (exact fixed point, {epochs} epochs) vs scikit-learn "
          f"{ref:.4f}")


SCALE_CHILD = r"""
import json, os, sys, time, resource, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklearn.datasets import make_classification
from zkanchor.commit import from_arrays, quantize, commit_dataset
from zkanchor.commit.quantize import standardize
from zkanchor.models.spec import spec_for
from zkanchor.training.api import train_model
from zkanchor.statements import TrainingClaim, TrainingOpening, make_statement, compile
from zkanchor.proofs import KeyStore, Prover
from zkanchor.groth16.prover import prove
n, epochs, setup_only = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "setup"
x, y = make_classification(n_samples=n, n_features=30, n_informative=10, random_state=n)
table, _ = standardize(from_arrays(x, y))
ds = quantize(table)
owner = int("7E5F4552091A69125d5DfCb7b8C2659029395Bdf", 16)
c, salt = commit_dataset(ds, owner)
spec = spec_for("logreg", ds, epochs, 0.5, score_bits=2 * 8 + 8)
model = train_model(spec, ds)
opening = TrainingOpening(ds, salt, model)
statement = make_statement(TrainingClaim(spec), owner, opening)
t0 = time.perf_counter()
circuit = compile(statement.spec)
t1 = time.perf_counter()
keys = KeyStore()
pk, source = keys.proving_key(circuit)
t2 = time.perf_counter()
if setup_only:
    print(json.dumps({"setup": t2 - t1, "constraints": circuit.constraints}))
    sys.exit(0)
witness = circuit.witness(statement, opening)
t3 = time.perf_counter()
proof, _ = prove(pk, circuit.r1cs, witness)
t4 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"constraints": circuit.constraints, "compile": t1 - t0, "keys": t2 - t1, "witness": t3 - t2,
                  "prove": t4 - t3, "peak": peak}))
"""


def scale(sizes: list[int], epochs: int, env: dict) -> None:
    print(f"\nscale (logreg, 30 features, {epochs} epochs, no clauses; each n in a fresh process):")
    print(f"  {'n':>6} {'constraints':>12} {'witness':>9} {'us/c':>6} {'prove':>8} {'peak':>9} {'B/c':>6}")
    per_constraint = []
    for n in sizes:
        run = lambda mode: subprocess.run([sys.executable, "-c", SCALE_CHILD, str(n), str(epochs), mode],  # noqa: E731
                                          capture_output=True, text=True, env=env)
        setup = run("setup")
        if setup.returncode != 0:
            print(f"  {n:>6} failed: {setup.stderr.strip().splitlines()[-1]}")
            continue
        proc = run("prove")
        if proc.returncode != 0:
            print(f"  {n:>6} failed: {proc.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        c = r["constraints"]
        per_constraint.append((c, r["prove"] + r["witness"] + r["compile"]))
        print(f"  {n:>6} {c:>12,} {r['witness']:>8.2f}s {r['witness'] / c * 1e6:>6.2f} {r['prove']:>7.1f}s "
              f"{r['peak'] / 2**30:>7.2f}GB {r['peak'] / c:>6.0f}")
    if per_constraint:
        c, s = per_constraint[-1]
        rate = s / c
        # constraints grow ~linearly in n (commitment + training); project from the largest measured.
        n_last = sizes[len(per_constraint) - 1]
        n_10min = int(n_last * (600 / rate) / c)
        print(f"  largest n proving (compile + witness + prove) within 10 min, projected from n={n_last}: "
              f"about {n_10min:,} ({rate * 1e6:.1f} us per constraint)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--scale", default="128,426,1024,2048")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zkanchor-bench-"))
    env = dict(os.environ, ZKANCHOR_CACHE=str(work / "cache"), WORK=str(work), PYTHONWARNINGS="ignore")
    try:
        per_unit(args.epochs)
        if not args.skip_cli:
            print_cli(cli_run("CLI cold (empty key cache: setup included)", env))
            print_cli(cli_run("CLI warm (keys cached)", env))
        if not args.skip_scale:
            scale([int(s) for s in args.scale.split(",")], args.epochs, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
