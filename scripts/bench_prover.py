#!/usr/bin/env python3
"""Benchmark: in-process Groth16 prove time and its MSMs, before/after, against arkworks.

Three circuits, each at 2^14 and 2^16 constraints (domain sizes):

- ``squarings``: x_{i+1} = x_i^2 from a 64-bit start, every witness value full-size
  (the worst case for an MSM);
- ``linreg``: a linear-regression-like witness: products of small signed fixed-point
  values (x * w, |x| < 2^11, |w| < 2^8, negatives as r - |v|) truncated by 8 bits with
  the remainders' bits range-checked, plus Poseidon-like x^5 + c chains for the
  full-size quarter.  Witness: ~54% bits, ~20% small signed (half of them negative),
  ~25% full-size, as in our training circuits with their Poseidon commitments;
- ``linreg-gd``: zkanchor's own linear-regression training loop (models.linreg, 8
  features, 64 or 256 rows, as many epochs as fit): bits and small signed values
  only (~65% bits, ~20% small positive, ~14% small negative), the shape of the
  issue's "linreg" figures.

Variants, each a persistent worker process that loads the circuit, key and witness
once and then proves on request, so that rounds interleave and machine noise hits
every variant alike (this machine is shared: read ratios, best of --repeat):

- ``now``: the kernel as built in zkanchor/native;
- ``no-glv``: the same kernel with ZKANCHOR_MSM_GLV=0 (the MSM without the GLV split);
- ``base``: the zkanchor package of git revision --baseline (its Python and its
  kernel, built into a cache directory) in place of the checkout's (default HEAD,
  i.e. the committed prover against uncommitted changes; the kernel before the GLV
  MSM and the assembly field add/sub is 85d2c86).  Whole packages rather than
  kernels alone, since the prover's Python and the kernel's functions change
  together;
- ``arkworks``: groth16py (arkworks) proving the same .r1cs/.wtns in-process, if
  --arkworks names a Python that has it (e.g. a throwaway venv:
  ``python -m venv /tmp/ark && /tmp/ark/bin/pip install groth16py``).  Its time
  includes reading the .wtns file (a few ms).

Each line gives wall times (best and median of the rounds) and CPU times (all the
process's threads: the work done, which other load on the machine disturbs much
less than wall time), the MSMs' share, the worker's peak RSS, and ratios.

Every zkanchor variant proves with the same fixed blinding factors, and the proofs
must be identical across variants (and verify): a check of the new MSM against the
old one on whole proofs.  Ratios are also printed against the figures recorded in
the issue for arkworks (linreg 2^14 0.28 s, set against linreg-gd here, and
squarings 2^14 2.31 s), which came from another run of another version of those
circuits, so they are only a rough guide; the measured arkworks column is the one
to read.

    .venv/bin/python scripts/bench_prover.py [--sizes 14,16] [--circuits squarings,linreg]
        [--repeat 3] [--variants now,no-glv,base] [--baseline 85d2c86] [--arkworks /tmp/ark/bin/python]
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import pickle
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# arkworks' figures as recorded in the issue (seconds, 2^14 constraints)
RECORDED_ARKWORKS = {("linreg-gd", 14): 0.28, ("squarings", 14): 2.31}
FIXED_BLINDING = (0x1234567890ABCDEF1234567890ABCDEF, 0xFEDCBA0987654321FEDCBA0987654321)


# ---- circuits --------------------------------------------------------------------

def squarings(n: int, seed: int = 1):
    """n - 1 chained squarings and an equality: n constraints, full-size witness."""
    import numpy as np

    from zkanchor.bn254.constants import R
    from zkanchor.r1cs import ConstraintSystem, concatenate

    x0 = random.Random(seed).randrange(2, 2**64)
    chain = [x0]
    for _ in range(n - 1):
        chain.append(chain[-1] * chain[-1] % R)
    cs = ConstraintSystem()
    start = cs.public("x0", x0)
    end = cs.public("xn", chain[-1])
    xs = cs.hint(lambda _x0: np.array(chain[1:], dtype=object), [start], (n - 1,), "chain")
    allx = concatenate([start.reshape(1), xs])
    cs.constrain(allx[:-1], allx[:-1], allx[1:], "square")
    cs.assert_equal(xs[-1], end, "end")
    return cs.build(), cs.witness()


def linreg(n: int, seed: int = 1):
    """About n constraints with a training circuit's witness mix (see the module docstring)."""
    import numpy as np

    from zkanchor.bn254.constants import R
    from zkanchor.r1cs import ConstraintSystem, concatenate

    d = 8
    units = max(d, (n * 3) // 41) // d * d           # products: 10 constraints each
    rounds = max(1, (n - 10 * units - 2) // 3)        # x^5 rounds: 3 constraints each
    rows = units // d
    rng = np.random.default_rng(seed)
    xv = rng.integers(-(1 << 11), 1 << 11, size=(rows, d))
    wv = rng.integers(-(1 << 8), 1 << 8, size=d)
    consts = [int(v) for v in rng.integers(1, 1 << 62, size=rounds)]
    s0 = int(rng.integers(1, 1 << 62))
    x2s, x4s, ys = [], [], []
    x = s0
    for k in range(rounds):
        x2 = x * x % R
        x4 = x2 * x2 % R
        y = x4 * x % R
        x2s.append(x2)
        x4s.append(x4)
        ys.append(y)
        x = (y + consts[k]) % R

    signed = np.vectorize(lambda v: int(v) - R if int(v) > R // 2 else int(v), otypes=[object])

    def remainder_bits(p):
        sp = signed(p)
        return np.stack([np.vectorize(lambda v, i=i: (v >> i) & 1, otypes=[object])(sp) for i in range(8)], axis=-1)

    def given(values):
        return lambda *_args: np.array(values, dtype=object)

    cs = ConstraintSystem()
    out = cs.public("out", ys[-1])
    start = cs.private("s0", s0)
    xw = cs.private("x", xv, shape=(rows, d))
    ww = cs.private("w", wv, shape=(d,))
    prod = cs.mul(xw, ww.reshape(1, d), "product")
    quot = cs.hint(lambda p: signed(p) // 256, [prod], (rows, d), "quotient")
    rem = cs.bits(remainder_bits, [prod], (rows, d, 8), "remainder")
    cs.assert_equal(quot * 256 + rem.dot(np.array([1 << i for i in range(8)], dtype=object)), prod, "truncate")
    x2 = cs.hint(given(x2s), [start], (rounds,), "x2")
    x4 = cs.hint(given(x4s), [start], (rounds,), "x4")
    y = cs.hint(given(ys), [start], (rounds,), "x5")
    xin = concatenate([start.reshape(1), y[:-1] + np.array(consts[:-1], dtype=object)])
    cs.constrain(xin, xin, x2, "sbox.x2")
    cs.constrain(x2, x2, x4, "sbox.x4")
    cs.constrain(x4, xin, y, "sbox.x5")
    cs.assert_equal(y[-1], out, "out")
    return cs.build(), cs.witness()


def linreg_gd(n: int, seed: int = 1):
    """zkanchor's linear-regression training loop (zkanchor.models.linreg), epochs sized to <= n constraints.

    8 features, 64 rows (256 above 2^14 constraints), learning rate 0.5, 8 fraction
    bits, public final weights; no commitments, so no full-size values: the witness
    is range-check bits and small signed fixed-point values only."""
    import numpy as np

    from zkanchor.models import linreg as model
    from zkanchor.models.spec import make_spec
    from zkanchor.r1cs import ConstraintSystem

    d = 8
    rows = 64 if n <= 20_000 else 256

    def build(epochs, data=None):
        spec = make_spec("linreg", rows, d, epochs, 0.5, frac_bits=8, value_bits=16)
        cs = ConstraintSystem()
        if data is None:
            x, y, w = (cs.private(k, shape=s) for k, s in (("x", (rows, d)), ("y", (rows,)), ("w", (d + 1,))))
            model.circuit(cs, spec, x, y, w)
            return cs.n_constraints + d + 1
        xv, yv = data
        final = model.train(spec, xv, yv, model.initial_weights(spec))
        out = cs.public("w_final", np.array([int(v) for v in final], dtype=object), shape=(d + 1,))
        x = cs.private("x", np.array(xv, dtype=object), shape=(rows, d))
        y = cs.private("y", np.array(yv, dtype=object), shape=(rows,))
        w = cs.private("w", model.initial_weights(spec), shape=(d + 1,))
        cs.assert_equal(model.circuit(cs, spec, x, y, w), out, "final")
        return cs

    lo, hi = 1, 2
    while build(hi) <= n:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if build(mid) <= n else (lo, mid)
    rng = random.Random(seed)
    xv = [[rng.randrange(-(1 << 9), 1 << 9) for _ in range(d)] for _ in range(rows)]
    yv = [sum(r) // 4 + rng.randrange(-64, 64) for r in xv]
    cs = build(lo, (xv, yv))
    return cs.build(), cs.witness()


CIRCUITS = {"squarings": squarings, "linreg": linreg, "linreg-gd": linreg_gd}


def witness_mix(witness) -> str:
    from zkanchor.bn254.constants import R

    ws = [int(v) for v in witness]
    n = len(ws)
    bits = sum(v < 2 for v in ws)
    neg = sum(R - v < 2**32 for v in ws)
    small = sum(2 <= v < 2**32 for v in ws)
    return (f"{n:,} wires: {bits / n:.0%} bits, {small / n:.0%} small positive, {neg / n:.0%} small negative, "
            f"{(n - bits - neg - small) / n:.0%} full-size")


# ---- workers ---------------------------------------------------------------------

def load_kernel(path: str) -> None:
    """Make `zkanchor.native._kernel` the extension at `path` (call before importing zkanchor.native)."""
    import importlib.util

    loader = importlib.machinery.ExtensionFileLoader("zkanchor.native._kernel", path)
    spec = importlib.util.spec_from_file_location("zkanchor.native._kernel", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules["zkanchor.native._kernel"] = module


def worker(case: str, kernel: str | None, package: str | None = None) -> None:
    """Load a case, then answer each 'run' line on stdin with one prove's timings as JSON.

    ``package``: a directory holding another zkanchor package (the baseline's), imported
    instead of the checkout's; ``kernel``: an extension module loaded in place of the
    checkout's kernel."""
    if package:
        sys.path.insert(0, package)
    if kernel:
        load_kernel(kernel)
    warnings.simplefilter("ignore")
    from zkanchor import native
    from zkanchor.groth16 import prove

    if not native.AVAILABLE:
        raise SystemExit(native.LOAD_ERROR)
    with open(case, "rb") as f:
        pk, r1cs, witness = pickle.load(f)
    msm_time = [0.0, 0.0]   # wall, CPU (all threads)

    def timed(fn):
        def wrapper(*args):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args)
            finally:
                msm_time[0] += time.perf_counter() - t
                msm_time[1] += time.process_time() - c
        return wrapper

    native.msm_g1_packed = timed(native.msm_g1_packed)
    native.msm_g2_packed = timed(native.msm_g2_packed)
    blind = iter(FIXED_BLINDING * 1000)
    print(json.dumps({"ready": True, "arith": native._kernel.get_arith(), "threads": native.threads()}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        msm_time[:] = [0.0, 0.0]
        t, c = time.perf_counter(), time.process_time()
        proof, public = prove(pk, r1cs, witness, randbelow=lambda _r: next(blind))
        total, cpu = time.perf_counter() - t, time.process_time() - c
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # MB, this process so far
        print(json.dumps({"prove": total, "prove_cpu": cpu, "msm": msm_time[0], "msm_cpu": msm_time[1], "peak_mb": peak,
                          "proof": [proof.a, proof.b, proof.c],
                          "public": [int(v) for v in public]}), flush=True)


ARK_WORKER = r"""
import json, sys, time, groth16py
pk, vk = groth16py.setup(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    if line.strip() != "run":
        break
    t, c = time.perf_counter(), time.process_time()
    groth16py.prove_wtns(pk, sys.argv[2])
    print(json.dumps({"prove": time.perf_counter() - t, "prove_cpu": time.process_time() - c}), flush=True)
"""


class Worker:
    """A persistent worker process: start() loads, run() proves once and returns its timings."""

    def __init__(self, name: str, args: list[str], env: dict | None = None):
        self.name = name
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.info = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} exited ({self.proc.wait()})")
        return json.loads(line)

    def run(self) -> dict:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        self.proc.wait()


# ---- the baseline ------------------------------------------------------------------------

def build_baseline(rev: str) -> Path:
    """The zkanchor package as of git revision `rev`, its kernel compiled, in a cache
    directory (by commit id); returns the directory to put on sys.path."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                            check=True).stdout.strip()
    out_dir = Path(tempfile.gettempdir()) / f"zkanchor-bench-package-{commit[:12]}"
    native_dir = out_dir / "zkanchor" / "native"
    so = native_dir / ("_kernel" + importlib.machinery.EXTENSION_SUFFIXES[0])
    if so.exists():
        return out_dir
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "zkanchor"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out_dir)], input=archive, check=True)
    sources = sorted(str(p) for p in native_dir.glob("*.c"))
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-O3", "-g0", "-std=gnu11", "-pthread", "-fno-strict-aliasing", "-fPIC", "-shared",
           f"-I{sysconfig.get_paths()['include']}", f"-I{native_dir}", *sources, "-o", str(so)]
    print(f"  building the {rev} package ({commit[:12]}) into {out_dir}", flush=True)
    subprocess.run(cmd, check=True)
    return out_dir


# ---- driver --------------------------------------------------------------------------

def prepare(name: str, log_n: int, work: Path):
    """Build the circuit and witness, set up a key; pickle them for the workers; write .r1cs/.wtns."""
    warnings.simplefilter("ignore")
    from zkanchor.groth16 import setup
    from zkanchor.r1cs import write_r1cs, write_wtns

    n = (1 << log_n) - 3   # constraints + public inputs + 1 fit the domain 2^log_n
    t = time.perf_counter()
    r1cs, witness = CIRCUITS[name](n)
    built = time.perf_counter() - t
    t = time.perf_counter()
    pk = setup(r1cs)
    set_up = time.perf_counter() - t
    case = work / f"{name}-{log_n}.pickle"
    with open(case, "wb") as f:
        pickle.dump((pk, r1cs, witness), f, protocol=pickle.HIGHEST_PROTOCOL)
    write_r1cs(r1cs, work / f"{name}-{log_n}.r1cs")
    write_wtns(witness, work / f"{name}-{log_n}.wtns")
    print(f"{name} 2^{log_n}: {r1cs.n_constraints:,} constraints, "
          f"{witness_mix(witness)} (circuit {built:.1f} s, setup {set_up:.1f} s)", flush=True)
    return case, pk, witness


def bench_case(name, log_n, work, variants, repeat, baseline, ark_python):
    from zkanchor.groth16 import verify

    case, pk, witness = prepare(name, log_n, work)
    me = [sys.executable, str(Path(__file__).resolve()), "--worker", str(case)]
    workers = []
    for v in variants:
        if v == "now":
            workers.append(Worker(v, me, {"ZKANCHOR_MSM_GLV": "1"}))
        elif v == "no-glv":
            workers.append(Worker(v, me, {"ZKANCHOR_MSM_GLV": "0"}))
        elif v == "base":
            workers.append(Worker(v, me + ["--package", str(baseline)]))
    if ark_python:
        workers.append(Worker("arkworks", [ark_python, "-c", ARK_WORKER, str(work / f"{name}-{log_n}.r1cs"),
                                           str(work / f"{name}-{log_n}.wtns")]))
    runs: dict[str, list[dict]] = {w.name: [] for w in workers}
    try:
        for _ in range(repeat):   # interleaved rounds
            for w in workers:
                runs[w.name].append(w.run())
    finally:
        for w in workers:
            w.close()

    proofs = {v: {json.dumps([r["proof"], r["public"]]) for r in runs[v]} for v in runs if v != "arkworks"}
    distinct = set().union(*proofs.values()) if proofs else set()
    if len(distinct) > 1:
        raise SystemExit(f"{name} 2^{log_n}: the variants' proofs differ: {sorted(proofs)}")
    if distinct:
        from zkanchor.groth16.keys import Proof

        def tuples(x):
            return tuple(tuples(v) for v in x) if isinstance(x, list) else x

        (a, b, c), public = json.loads(next(iter(distinct)))
        assert verify(pk.vk, Proof(tuples(a), tuples(b), tuples(c)), public), f"{name} 2^{log_n}: proof rejected"

    row = {"circuit": name, "log_n": log_n, "variants": {}}
    for v, rs in runs.items():
        row["variants"][v] = {
            "prove_best": min(r["prove"] for r in rs), "prove_median": statistics.median(r["prove"] for r in rs),
            "prove_cpu_best": min(r["prove_cpu"] for r in rs),
            "msm_best": min(r["msm"] for r in rs) if "msm" in rs[0] else None,
            "msm_cpu_best": min(r["msm_cpu"] for r in rs) if "msm" in rs[0] else None,
            "peak_mb": max(r["peak_mb"] for r in rs) if "peak_mb" in rs[0] else None,
        }
    return row


def print_row(row):
    """Wall times (best and median of the rounds) and CPU times (all threads: the work done,
    which the machine's other load disturbs much less), with ratios to arkworks and to 'now'."""
    vs = row["variants"]
    name, log_n = row["circuit"], row["log_n"]
    ark = vs.get("arkworks")
    recorded = RECORDED_ARKWORKS.get((name, log_n))
    print(f"  {name} 2^{log_n}:")
    for v, r in vs.items():
        parts = [f"prove {r['prove_best']:.3f} s (median {r['prove_median']:.3f}, CPU {r['prove_cpu_best']:.3f})"]
        if r["msm_best"] is not None:
            parts.append(f"MSMs {r['msm_best']:.3f} s (CPU {r['msm_cpu_best']:.3f})")
        if r.get("peak_mb"):
            parts.append(f"peak {r['peak_mb']:.0f} MB")
        if v != "arkworks":
            if ark:
                parts.append(f"{r['prove_best'] / ark['prove_best']:.2f}x arkworks "
                             f"(CPU {r['prove_cpu_best'] / ark['prove_cpu_best']:.2f}x)")
            if recorded:
                parts.append(f"{r['prove_best'] / recorded:.2f}x the issue's arkworks figure ({recorded} s)")
            if v != "now" and "now" in vs:
                now = vs["now"]
                parts.append(f"now/this: prove {now['prove_best'] / r['prove_best']:.2f} "
                             f"(CPU {now['prove_cpu_best'] / r['prove_cpu_best']:.2f}), "
                             f"MSMs {now['msm_best'] / r['msm_best']:.2f} "
                             f"(CPU {now['msm_cpu_best'] / r['msm_cpu_best']:.2f})")
        print(f"    {v:9s} " + ", ".join(parts), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="14,16", help="log2 of the constraint counts (comma-separated)")
    parser.add_argument("--circuits", default="squarings,linreg,linreg-gd", help=f"of {', '.join(CIRCUITS)}")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (best is kept)")
    parser.add_argument("--variants", default="now,no-glv,base", help="of now, no-glv, base")
    parser.add_argument("--baseline", default="HEAD", help="git revision whose zkanchor package is 'base'")
    parser.add_argument("--arkworks", metavar="PYTHON", help="a Python with groth16py installed")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--kernel", help=argparse.SUPPRESS)
    parser.add_argument("--package", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.kernel, args.package)
        return 0

    variants = [v for v in args.variants.split(",") if v]
    baseline = build_baseline(args.baseline) if "base" in variants else None
    if args.arkworks:
        check = subprocess.run([args.arkworks, "-c", "import groth16py"], capture_output=True, text=True)
        if check.returncode:
            raise SystemExit(f"{args.arkworks} cannot import groth16py: {check.stderr.strip()[-300:]}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="zkanchor-bench-prover-") as tmp:
        for name in args.circuits.split(","):
            for log_n in (int(s) for s in args.sizes.split(",") if s):
                row = bench_case(name, log_n, Path(tmp), variants, args.repeat, baseline, args.arkworks)
                print_row(row)
                rows.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
