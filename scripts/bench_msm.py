#!/usr/bin/env python3
"""MSM benchmark: native kernel vs pure Python vs naive py_ecc, side by side.

Prints microseconds per point for each backend and the ratios against the
native kernel, all from the same run (the machine is shared and noisy, so only
the ratios mean much).  Rows: G1 at n = 2^10, 2^12, 2^14 and G2 at 2^10, each
with full-size random scalars and with 0/1 scalars (a witness of bits).

"native" includes packing Python ints into bytes; "native-packed" is the kernel
alone on bases packed once (what a prover holding its key packed would pay).
py_ecc naive (sum of multiply) is timed on a sample and scaled per point.

    PYTHONPATH=. python scripts/bench_msm.py [--quick] [--repeat N]
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from py_ecc import optimized_bn128 as ob  # noqa: E402

from zkanchor import native  # noqa: E402
from zkanchor.bn254.constants import G1_GEN, G2_GEN, R  # noqa: E402

try:
    from zkanchor.bn254 import msm as pure_msm  # noqa: E402
except ImportError:
    pure_msm = None


def best_time(fn, repeat):
    """Smallest wall time of `repeat` calls (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bases(group, n, rng):
    """n random points of the group (native fixed-base when available, else py_ecc)."""
    logs = [rng.randrange(1, R) for _ in range(n)]
    gen = G1_GEN if group == "G1" else G2_GEN
    if native.AVAILABLE:
        return (native.batch_mul_g1 if group == "G1" else native.batch_mul_g2)(gen, logs)
    from zkanchor.bn254 import fixed_base

    return (fixed_base.batch_mul_g1 if group == "G1" else fixed_base.batch_mul_g2)(gen, logs)


def to_ecc(group, p):
    if group == "G1":
        return (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())
    return (ob.FQ2(list(p[0])), ob.FQ2(list(p[1])), ob.FQ2.one())


def py_ecc_naive(group, pts, scs, sample):
    """Seconds per point of sum(multiply(P_i, s_i)), timed on the first `sample` terms."""
    pe = [to_ecc(group, p) for p in pts[:sample]]
    zero = ob.Z1 if group == "G1" else ob.Z2
    t = time.perf_counter()
    acc = zero
    for p, s in zip(pe, scs[:sample]):
        acc = ob.add(acc, ob.multiply(p, s))
    return (time.perf_counter() - t) / sample


def row(group, n, kind, rng, repeat, sample):
    pts = bases(group, n, rng)
    scs = [rng.randrange(R) for _ in range(n)] if kind == "full" else [rng.randrange(2) for _ in range(n)]
    out = {"group": group, "n": n, "kind": kind}
    if native.AVAILABLE:
        msm = native.msm_g1 if group == "G1" else native.msm_g2
        packed = native.msm_g1_packed if group == "G1" else native.msm_g2_packed
        pk = (native.pack_g1 if group == "G1" else native.pack_g2)(pts)
        sb = native.pack_scalars(scs)
        out["native"] = best_time(lambda: msm(pts, scs), repeat) / n
        out["packed"] = best_time(lambda: packed(pk, sb), repeat) / n
        ref = msm(pts, scs)
    if pure_msm is not None:
        fn = pure_msm.msm_g1 if group == "G1" else pure_msm.msm_g2
        out["pure"] = best_time(lambda: fn(pts, scs), 1) / n
        if native.AVAILABLE:
            assert fn(pts, scs) == ref, "backends disagree"
    out["py_ecc"] = py_ecc_naive(group, pts, scs, sample)
    return out


def fmt_us(v):
    return "-" if v is None else f"{v * 1e6:9.2f}"


def fmt_ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:8.1f}x"


def main():
    """Run the benchmark rows and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (2^8..2^10) for a smoke run")
    ap.add_argument("--repeat", type=int, default=3, help="native timings keep the best of N runs")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sizes = [(g, 1 << k) for g, k in (("G1", 8), ("G1", 10), ("G2", 8))] if args.quick else \
        [("G1", 1 << 10), ("G1", 1 << 12), ("G1", 1 << 14), ("G2", 1 << 10)]
    print(f"native kernel: {'loaded' if native.AVAILABLE else native.LOAD_ERROR}; "
          f"threads: {native.threads()}; pure backend: {'yes' if pure_msm else 'missing'}")
    print("µs per point (best of runs); ratios are backend time / native time, measured in this run\n")
    head = f"{'group':5} {'n':>6} {'scalars':7} | {'native':>9} {'packed':>9} {'pure':>9} {'py_ecc':>9} | " \
           f"{'pure/nat':>9} {'ecc/nat':>9}"
    print(head)
    print("-" * len(head))
    for group, n in sizes:
        for kind in ("full", "0/1"):
            sample = 16 if group == "G1" else 6
            r = row(group, n, kind, rng, args.repeat, sample)
            nat = r.get("native")
            print(f"{group:5} {n:6d} {kind:7} | {fmt_us(nat)} {fmt_us(r.get('packed'))} "
                  f"{fmt_us(r.get('pure'))} {fmt_us(r['py_ecc'])} | "
                  f"{fmt_ratio(r.get('pure'), nat):>9} {fmt_ratio(r['py_ecc'], nat):>9}", flush=True)


if __name__ == "__main__":
    main()
