"""Ceremony benchmark: zkanchor against snarkjs, side by side in one run, printing ratios.

For each power k (default 10; the issue's targets are 14 and 16):

- phase 1 contribute: ``zkanchor ceremony contribute`` on a 2^k accumulator vs
  ``snarkjs powersoftau contribute`` on a 2^k .ptau;
- phase-2 preparation: our Lagrange points for the 2^k domain vs
  ``snarkjs powersoftau prepare phase2`` (which computes every size up to 2^k, and
  2^(k+1) for tauG1 -- a file holding all of them is what snarkjs's format needs, so
  the comparison is between what each tool must do for a 2^k circuit);
- phase 2: initial key (per-wire sums straight from the flat R1CS's CSR arrays) + one
  contribution for a circuit of about 2^k - (public + 1) constraints vs
  ``snarkjs groth16 setup`` + ``snarkjs zkey contribute``.

Usage: python scripts/bench_ceremony.py [--powers 10 12] [--skip-snarkjs]
The machine is shared and noisy: read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _circuit(rows: int):
    """A chain of multiplications with one public input: `rows` constraints in all."""
    from zkanchor.r1cs import ConstraintSystem

    cs = ConstraintSystem()
    x_val = 3
    out = cs.public("out", 0)
    x = cs.private("x", x_val)
    acc = x
    for i in range(rows - 1):
        acc = cs.mul(acc, x, f"m{i}")
    cs.assert_equal(acc, out, "out")
    r1cs = cs.build()
    return r1cs


def bench(power: int, skip_snarkjs: bool) -> dict:
    from zkanchor.ceremony import phase2, powers_of_tau as pot, prepare as prep_mod
    from zkanchor.r1cs import write_r1cs

    res = {}
    p0 = pot.start(power)
    p1, res["ours_contribute"] = _timed(lambda: pot.contribute(p0, "bench"))
    prep, res["ours_prepare"] = _timed(lambda: prep_mod.prepare(p1, power))
    rows = (1 << power) - 2 - 2  # constraints + (public + 1) rows fill the 2^power domain
    r1cs = _circuit(rows)
    state, t_init = _timed(lambda: phase2.initialize(prep, r1cs))
    _, t_contrib = _timed(lambda: phase2.contribute(state, "bench"))
    res["ours_phase2"] = t_init + t_contrib
    if skip_snarkjs:
        return res
    import circom_tools
    from circom_tools import snarkjs

    circom_tools.TIMEOUT_S = None  # tests cap tool runs at 300 s; snarkjs's prepare at 2^16 takes ~20 min

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        snarkjs("powersoftau", "new", "bn128", str(power), t / "0.ptau")
        _, res["snarkjs_contribute"] = _timed(
            lambda: snarkjs("powersoftau", "contribute", t / "0.ptau", t / "1.ptau", "--name=b", "-e=bench"))
        _, res["snarkjs_prepare"] = _timed(
            lambda: snarkjs("powersoftau", "prepare", "phase2", t / "1.ptau", t / "final.ptau"))
        write_r1cs(r1cs, t / "c.r1cs")
        _, a = _timed(lambda: snarkjs("groth16", "setup", t / "c.r1cs", t / "final.ptau", t / "0.zkey"))
        _, b = _timed(lambda: snarkjs("zkey", "contribute", t / "0.zkey", t / "1.zkey", "--name=b", "-e=bench"))
        res["snarkjs_phase2"] = a + b
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--powers", type=int, nargs="+", default=[10])
    parser.add_argument("--skip-snarkjs", action="store_true")
    args = parser.parse_args()
    from zkanchor import native
    from zkanchor.ceremony import groupops

    backend = ("native mul" if hasattr(native, "mul_g1") else "native single-point MSM") if native.AVAILABLE \
        else "pure Python"
    print(f"group backend: {backend}; kernel threads: {native.threads() if native.AVAILABLE else 0}")
    del groupops
    print(f"{'power':>5} {'step':<12} {'zkanchor s':>11} {'snarkjs s':>10} {'snarkjs/zkanchor':>17}")
    for power in args.powers:
        res = bench(power, args.skip_snarkjs)
        for step in ("contribute", "prepare", "phase2"):
            ours = res[f"ours_{step}"]
            theirs = res.get(f"snarkjs_{step}")
            ratio = f"{theirs / ours:17.2f}" if theirs else f"{'-':>17}"
            print(f"{power:>5} {step:<12} {ours:11.2f} {theirs or float('nan'):10.2f} {ratio}", flush=True)


if __name__ == "__main__":
    main()
