"""Benchmark the verifiable-training statement (issue 4's figures), printed from one run.

1. accuracy: on scikit-learn's breast-cancer set (569 x 30, a stratified 75/25 split,
   features standardised with the training split's statistics), our exact fixed-point
   logistic regression against scikit-learn's float LogisticRegression;
2. circuit size: constraints per sample*feature*epoch of linear regression (the marginal
   cost of one more epoch, divided by n*d), and constraints per committed data value;
3. proving: prove-training end to end (setup, prove, verify) for n rows of the breast-
   cancer set, reporting constraints, setup time (or cached), prove time and peak memory.

    .venv/bin/python scripts/bench_training.py --prove-rows 64,128,256 --prove-features 8
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zkanchor.commit.commitment import commit_dataset, commitment_constraints  # noqa: E402
from zkanchor.commit.dataset import Dataset  # noqa: E402
from zkanchor.commit.quantize import quantize_array  # noqa: E402
from zkanchor.models import model_module  # noqa: E402
from zkanchor.models.linear import scores_int  # noqa: E402
from zkanchor.models.spec import make_spec  # noqa: E402
from zkanchor.r1cs import ConstraintSystem  # noqa: E402
from zkanchor.training.api import prove_training, train_model, verify_training  # noqa: E402

F, VB = 8, 24


def breast_cancer_split(seed: int = 0):
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)
    mu, sd = xtr.mean(0), xtr.std(0)
    return (xtr - mu) / sd, (xte - mu) / sd, ytr, yte


def as_dataset(x, y) -> Dataset:
    q = quantize_array(x, F, VB)
    return Dataset(q, (np.asarray(y, dtype=np.int64) << F), F, VB, tuple(f"f{i}" for i in range(q.shape[1])), "label")


def accuracy(epochs: int, lr: float) -> dict:
    from sklearn.linear_model import LogisticRegression

    xtr, xte, ytr, yte = breast_cancer_split()
    ref = LogisticRegression(max_iter=10_000).fit(xtr, ytr).score(xte, yte)
    train, test = as_dataset(xtr, ytr), as_dataset(xte, yte)
    spec = make_spec("logreg", train.n, train.d, epochs, lr, frac_bits=F, value_bits=VB)
    opening = train_model(spec, train)
    scores = scores_int(spec, test.features.tolist(), opening.final)
    ours = float(np.mean((np.array(scores) >= 0) == yte))
    print(f"breast cancer ({train.n} train / {test.n} test rows, 30 features): zkanchor fixed-point logreg "
          f"{ours:.4f} ({epochs} epochs, lr {lr}) vs scikit-learn float LogisticRegression {ref:.4f}: "
          f"difference {100 * (ours - ref):+.2f} points")
    return {"zkanchor": ours, "sklearn": ref, "epochs": epochs, "lr": lr}


def model_constraints(kind: str, n: int, d: int, epochs: int) -> int:
    spec = make_spec(kind, n, d, epochs, 0.5, frac_bits=F, value_bits=VB)
    cs = ConstraintSystem()
    rows = [[cs.private() for _ in range(d)] for _ in range(n)]
    targets = [cs.private() for _ in range(n)]
    weights = [cs.private() for _ in range(spec.n_weights)]
    model_module(kind).circuit(cs, spec, rows, targets, weights)
    return cs.n_constraints


def sizes(shapes) -> list[dict]:
    rows = []
    for n, d in shapes:
        one, two = model_constraints("linreg", n, d, 1), model_constraints("linreg", n, d, 2)
        per_sfe = (two - one) / (n * d)
        per_value = commitment_constraints(n, d, VB) / (n * (d + 1))
        logreg = (model_constraints("logreg", n, d, 2) - model_constraints("logreg", n, d, 1)) / (n * d)
        rows.append({"n": n, "d": d, "linreg_per_sample_feature_epoch": per_sfe,
                     "logreg_per_sample_feature_epoch": logreg, "commitment_per_value": per_value})
        print(f"n={n:4} d={d:3}: linreg {per_sfe:.3f} constraints per sample*feature*epoch "
              f"(target <= 2.1), logreg {logreg:.3f}; commitment {per_value:.1f} per committed value "
              f"(value_bits {VB}, target <= 45)", flush=True)
    return rows


def proving(rows_list, features: int, epochs: int) -> list[dict]:
    xtr, _, ytr, _ = breast_cancer_split()
    out = []
    for n in rows_list:
        ds = as_dataset(xtr[:n, :features], ytr[:n])
        _, salt = commit_dataset(ds)
        spec = make_spec("logreg", ds.n, ds.d, epochs, 0.5, frac_bits=F, value_bits=VB)
        opening = train_model(spec, ds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            result = prove_training(spec, ds, salt, opening, institution=0xAA)
            total = time.perf_counter() - t
        t = time.perf_counter()
        ok = verify_training(result.vk, result.proof, result.statement)
        verify_s = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.append({"n": n, "d": features, "epochs": epochs, "constraints": result.constraints,
                    "setup_cached": result.setup_cached, "setup_and_prove_s": total, "verify_s": verify_s,
                    "valid": ok, "peak_rss_mb": peak})
        print(f"prove-training logreg n={n} d={features} epochs={epochs}: {result.constraints:,} constraints, "
              f"{'prove (keys cached)' if result.setup_cached else 'setup + prove'} {total:.1f} s, "
              f"verify {verify_s:.2f} s, valid={ok}, peak RSS {peak:.0f} MB", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs for the accuracy comparison")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate for the accuracy comparison")
    parser.add_argument("--shapes", default="64x30,256x30,1024x30", help="n x d shapes for the size table")
    parser.add_argument("--prove-rows", default="64,128,256", help="row counts to prove ('' to skip)")
    parser.add_argument("--prove-features", type=int, default=8, help="features of the proven subsets")
    parser.add_argument("--prove-epochs", type=int, default=1, help="epochs of the proven subsets")
    args = parser.parse_args()
    accuracy(args.epochs, args.lr)
    sizes([tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",") if s])
    rows = [int(v) for v in args.prove_rows.split(",") if v]
    if rows:
        proving(rows, args.prove_features, args.prove_epochs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
