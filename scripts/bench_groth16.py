"""Benchmark: zkanchor's Groth16 against snarkjs, side by side in one run.

For each circuit and domain size 2^k it writes one .r1cs and .wtns that fill the domain
(constraints + public inputs + 1 <= 2^k), sets every tool up on it, and times ``zkanchor
prove`` (native kernel and, if asked, pure-Python backends) against ``snarkjs groth16
prove`` on the same witness: whole commands (process start and loading included, best
of --repeat, runs interleaved so machine noise hits all, peak RSS per command from GNU
time), and the prover alone in-process (loaded as the command does: the load's peak,
the RSS once loaded, then prove()'s seconds and its own peak).  Peak memory is also
given in bytes per constraint.  --reuse takes the circuits, witnesses and keys an
earlier run left in the cache (2^20 circuits and keys take minutes to make).  snarkjs needs a prepared powers-of-tau file of 2^k, made once and cached;
preparing one takes minutes at 2^14, ~20 min at 2^16 and hours at 2^20, so sizes above
--snarkjs-max-power are run without snarkjs.  Then, for several public-input counts, it
deploys our verifier and snarkjs's for the same key and prints the gas of a verifyProof
transaction next to the precompile floor 181,000 + 6,150·l.  Ratios are what to read:
this machine is shared.

    .venv/bin/python scripts/bench_groth16.py --powers 14,16 --gas-inputs 1,2,5,9
    .venv/bin/python scripts/bench_groth16.py --powers 20 --snarkjs-max-power 16 --repeat 1 --gas-inputs ''
    .venv/bin/python scripts/bench_groth16.py --powers 20 --snarkjs-max-power 0 --repeat 1 --gas-inputs '' --reuse
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import numpy as np  # noqa: E402

from zkanchor.bn254.constants import R  # noqa: E402
from zkanchor.paths import cache_dir  # noqa: E402
from zkanchor.r1cs import ConstraintSystem, concatenate, write_r1cs, write_wtns  # noqa: E402

SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None  # GNU time reports peak RSS
ENTROPY = "zkanchor benchmark"


# -- circuits -----------------------------------------------------------------------
#
# Defined once over blocks with the builder and solved by hints, so that 2^20 constraints
# build in seconds; each takes the number of QAP rows it may fill (constraints + public
# inputs + 1 <= rows) and returns (r1cs, witness as a list of ints).


def squarings(rows: int, seed: int = 1):
    """x_{i+1} = x_i^2 from a public x_0 to a public x_n: every witness value full-size
    (the worst case for an MSM), one wire and one constraint per row."""
    n = rows - 3  # two public inputs and the constant wire take a row each
    x0 = random.Random(seed).randrange(2, 2**64)
    cs = ConstraintSystem()
    start = cs.public("x0", x0)
    end = cs.public("xn", pow(x0, pow(2, n - 1, R - 1), R))

    def chain(v):
        out, x = np.empty(n - 1, dtype=object), int(v)
        for i in range(n - 1):
            x = x * x % R
            out[i] = x
        return out

    xs = cs.hint(chain, (start,), (n - 1,), "chain")
    prev = concatenate([start.reshape(1), xs[:-1]])
    cs.constrain(prev, prev, xs, "square")
    cs.assert_equal(xs[-1], end, "end")
    return cs.build(), cs.solve().tolist()


def _linreg(epochs: int, rows_n: int, seed: int):
    from zkanchor.models import linreg as model
    from zkanchor.models.spec import make_spec

    d = 8
    rng = random.Random(seed)
    spec = make_spec("linreg", rows_n, d, epochs, 0.5, frac_bits=8, value_bits=16)
    x = np.array([[rng.randrange(-(1 << 9), 1 << 9) for _ in range(d)] for _ in range(rows_n)], dtype=object)
    y = np.array([sum(row) // 4 + rng.randrange(-64, 64) for row in x], dtype=object)
    w0 = model.initial_weights(spec)
    final = model.train(spec, x, y, w0)
    cs = ConstraintSystem()
    w = cs.public("w", shape=(d + 1,))
    xs = cs.private("x", shape=(rows_n, d))
    ys = cs.private("y", shape=(rows_n,))
    start = cs.private("w0", shape=(d + 1,))
    cs.assert_equal(model.circuit(cs, spec, xs, ys, start), w, "final weights")
    return cs, {"w": final, "x": x, "y": y, "w0": w0}


def linreg(rows: int, seed: int = 1):
    """Linear-regression gradient descent (8 features, private data, public final weights)
    with as many epochs as fit ``rows``: products of small fixed-point values and the bits
    of the update truncations, as in the training circuits."""
    rows_n = 64 if rows <= 20_000 else 256

    def used(epochs: int) -> int:  # QAP rows of the circuit with this many epochs
        r1cs = _linreg(epochs, rows_n, seed)[0].build()
        return r1cs.n_constraints + r1cs.n_public + 1

    # Epochs cost less as the weights settle (narrower truncations), so search: secant
    # steps from two probes, then walk to the largest count that fits.
    lo, f_lo, hi, f_hi = 1, used(1), 2, used(2)
    for _ in range(8):
        guess = max(1, hi + (rows - f_hi) * (hi - lo) // max(1, f_hi - f_lo))
        if guess == hi:
            break
        lo, f_lo, hi, f_hi = hi, f_hi, guess, used(guess)
    epochs = hi
    while epochs > 1 and used(epochs) > rows:
        epochs -= 1
    cs, inputs = _linreg(epochs, rows_n, seed)
    return cs.build(), cs.solve(inputs).tolist()


CIRCUITS = {"squarings": squarings, "linreg": linreg}


def measure(args, env=None) -> tuple[float, float]:
    """Run a command, fail loudly; return (wall seconds, its peak RSS in MB).

    The peak comes from GNU time, not from wait4: a forked child keeps the parent's RSS
    high-water mark across exec, which would report this script's own size instead.
    """
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name, *map(str, args)] if GNU_TIME else [str(a) for a in args]
        t = time.perf_counter()
        proc = subprocess.run(wrapped, capture_output=True, text=True, env={**os.environ, **(env or {})})
        elapsed = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, args))} failed:\n{proc.stdout}\n{proc.stderr}")
        text = Path(rss.name).read_text().strip().splitlines()
    peak = int(text[-1]) / 1024 if GNU_TIME and text and text[-1].isdigit() else float("nan")
    return elapsed, peak


def run(args, env=None) -> float:
    """Run a command, fail loudly, return its wall time in seconds."""
    return measure(args, env)[0]


def ptau(power: int) -> Path:
    """A prepared powers-of-tau file of 2^power, cached across runs (slow to make)."""
    final = cache_dir("ptau") / f"bn128_pot{power}_final.ptau"
    if not final.exists():
        print(f"  (preparing a 2^{power} powers-of-tau file for snarkjs, cached afterwards)", flush=True)
        tmp = final.with_suffix(".tmp")
        run([SNARKJS, "powersoftau", "new", "bn128", power, tmp.with_suffix(".0")])
        run([SNARKJS, "powersoftau", "contribute", tmp.with_suffix(".0"), tmp.with_suffix(".1"), "--name=bench", f"-e={ENTROPY}"])
        run([SNARKJS, "powersoftau", "prepare", "phase2", tmp.with_suffix(".1"), tmp])
        os.replace(tmp, final)
        for suffix in (".0", ".1"):
            tmp.with_suffix(suffix).unlink()
    return final


def zk(*args) -> list:
    return [sys.executable, "-m", "zkanchor", *args]


BACKENDS = ("native", "python")


def reused(d: Path, backends, with_snarkjs: bool):
    """(counts, setups) of a previous run's files in ``d``, or None when any is missing."""
    from zkanchor.r1cs import read_r1cs

    needed = [d / "circuit.r1cs", d / "witness.wtns", *(d / f"keys-{b}" / "setup.json" for b in backends)]
    if with_snarkjs:
        needed.append(d / "circuit.zkey")
    if not all(p.exists() for p in needed):
        return None
    r1cs = read_r1cs(d / "circuit.r1cs")
    counts = {"constraints": r1cs.n_constraints, "wires": r1cs.n_wires, "nnz": r1cs.nnz, "public": r1cs.n_public}
    return counts, {b: (float("nan"), float("nan")) for b in (*backends, *(["snarkjs"] if with_snarkjs else []))}


def prepare(name: str, power: int, work: Path, backends, with_snarkjs: bool, reuse: bool = False):
    """Write the circuit and witness; set the tools up; return (dir, counts, setup measurements).

    With ``reuse``, a previous run's circuit, witness and keys in the same directory are
    taken as they are (setup times then print as nan)."""
    d = work / f"{name}-2^{power}"
    if reuse:
        found = reused(d, backends, with_snarkjs)
        if found is not None:
            print(f"  (reusing {d})", flush=True)
            return (d, *found)
    r1cs, witness = CIRCUITS[name](1 << power)
    d.mkdir(parents=True, exist_ok=True)
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    counts = {"constraints": r1cs.n_constraints, "wires": r1cs.n_wires, "nnz": r1cs.nnz, "public": r1cs.n_public}
    del r1cs, witness
    setups = {b: measure(zk("setup", d / "circuit.r1cs", "-o", d / f"keys-{b}"), {"ZKANCHOR_BACKEND": b})
              for b in backends}
    if with_snarkjs:
        setups["snarkjs"] = measure([SNARKJS, "groth16", "setup", d / "circuit.r1cs", ptau(power), d / "circuit.zkey"])
    return d, counts, setups


# The prover alone, in a fresh process: load everything as `zkanchor prove` does (the
# witness packed), note the RSS and its high-water mark, then start the high-water mark
# afresh (Linux: /proc/self/clear_refs) so that the peak read after prove() is its own.
# Where that reset is refused, the peak covers loading too (reported as such).
INPROCESS = """
import json, sys, time
from zkanchor.groth16.keydir import load_keydir
from zkanchor.groth16.prover import prove
from zkanchor.r1cs.wtns import read_wtns_packed

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
keys = load_keydir(sys.argv[1])
witness = read_wtns_packed(sys.argv[2])
loaded, load_peak = status("VmRSS"), status("VmHWM")
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    own = True
except OSError:
    own = False
t = time.perf_counter()
prove(keys.pk, keys.r1cs, witness)
print(json.dumps({"seconds": time.perf_counter() - t, "loaded_mb": loaded, "load_peak_mb": load_peak,
                  "peak_mb": status("VmHWM"), "peak_is_prove_only": own}))
"""


def in_process(keydir: Path, wtns: Path, backend: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", INPROCESS, str(keydir), str(wtns)], capture_output=True, text=True,
                          env={**os.environ, "ZKANCHOR_BACKEND": backend}, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"in-process prove failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_prove(names, powers, repeat: int, work: Path, backends, snarkjs_max_power: int,
                reuse: bool = False) -> list[dict]:
    rows = []
    for name in names:
        for power in powers:
            with_snarkjs = power <= snarkjs_max_power
            d, counts, setups = prepare(name, power, work, backends, with_snarkjs, reuse)
            tools = (*backends, "snarkjs") if with_snarkjs else tuple(backends)
            runs: dict[str, list[tuple[float, float]]] = {b: [] for b in tools}
            inner: dict[str, list[dict]] = {b: [] for b in backends}
            for _ in range(repeat):  # interleaved, so machine noise hits every tool alike
                for b in backends:
                    runs[b].append(measure(zk("prove", d / f"keys-{b}", d / "witness.wtns", "-o", d / f"out-{b}"),
                                           {"ZKANCHOR_BACKEND": b}))
                    inner[b].append(in_process(d / f"keys-{b}", d / "witness.wtns", b))
                if with_snarkjs:
                    runs["snarkjs"].append(measure([SNARKJS, "groth16", "prove", d / "circuit.zkey", d / "witness.wtns",
                                                    d / "theirs_proof.json", d / "theirs_public.json"]))
            for b in backends:  # cross-check: our verifier and (when set up) snarkjs accept every proof we made
                run(zk("verify", d / f"keys-{b}" / "verification_key.json", d / f"out-{b}" / "proof.json",
                       d / f"out-{b}" / "public.json"))
                if with_snarkjs:
                    run([SNARKJS, "groth16", "verify", d / f"keys-{b}" / "verification_key.json",
                         d / f"out-{b}" / "public.json", d / f"out-{b}" / "proof.json"])
            best = {tool: min(t for t, _ in r) for tool, r in runs.items()}
            peak = {tool: max(m for _, m in r) for tool, r in runs.items()}
            inproc = {b: {"seconds": min(x["seconds"] for x in r), "loaded_mb": max(x["loaded_mb"] for x in r),
                          "load_peak_mb": max(x["load_peak_mb"] for x in r), "peak_mb": max(x["peak_mb"] for x in r),
                          "peak_is_prove_only": all(x["peak_is_prove_only"] for x in r)} for b, r in inner.items()}
            m = counts["constraints"]
            row = {"circuit": name, "power": power, **counts, "prove_s": best, "prove_peak_mb": peak,
                   "prove_peak_bytes_per_constraint": {t: peak[t] * 2**20 / m for t in peak},
                   "in_process": inproc,
                   "setup_s": {k: v[0] for k, v in setups.items()}, "setup_peak_mb": {k: v[1] for k, v in setups.items()}}
            rows.append(row)
            ref = best.get("snarkjs")
            parts = []
            for b in backends:
                ratio = f", {best[b] / ref:.2f}x" if ref else ""
                ip = inproc[b]
                which = "prove() peak" if ip["peak_is_prove_only"] else "peak (loading included)"
                parts.append(f"{b} {best[b]:.2f} s{ratio}, {peak[b]:.0f} MB = {peak[b] * 2**20 / m:.0f} B/constraint "
                             f"(prove() alone {ip['seconds']:.2f} s; load peak {ip['load_peak_mb']:.0f} MB, "
                             f"loaded {ip['loaded_mb']:.0f} MB, {which} {ip['peak_mb']:.0f} MB = "
                             f"{ip['peak_mb'] * 2**20 / m:.0f} B/constraint)")
            theirs = (f"snarkjs {best['snarkjs']:.2f} s, {peak['snarkjs']:.0f} MB = "
                      f"{peak['snarkjs'] * 2**20 / m:.0f} B/constraint" if ref else "snarkjs not run (no 2^%d ptau)" % power)
            setup_parts = [f"{b} {setups[b][0]:.1f} s ({setups[b][1]:.0f} MB)" for b in backends]
            if with_snarkjs:
                setup_parts.append(f"snarkjs {setups['snarkjs'][0]:.1f} s ({setups['snarkjs'][1]:.0f} MB)")
            print(f"  {name:9} 2^{power} ({m:,} constraints, {counts['wires']:,} wires) | prove: {'; '.join(parts)}; "
                  f"{theirs} | setup: {', '.join(setup_parts)}", flush=True)
    return rows


def bench_gas(counts, work: Path) -> list[dict]:
    from zkanchor.chain import connect
    from zkanchor.groth16.snarkjs_json import load_proof, load_public, load_verification_key
    from zkanchor.solidity.calldata import proof_calldata
    from zkanchor.solidity.compiler import compile_source
    from zkanchor.solidity.onchain import deploy_verifier

    sys.path.insert(0, str(ROOT / "tests"))
    from groth16_circuits import many_public

    chain = connect()
    rows = []
    for n in counts:
        r1cs, witness = many_public(n)
        d = work / f"gas-{n}"
        d.mkdir(parents=True, exist_ok=True)
        write_r1cs(r1cs, d / "c.r1cs")
        write_wtns(witness, d / "w.wtns")
        run([SNARKJS, "groth16", "setup", d / "c.r1cs", ptau(8), d / "c.zkey"])
        run([SNARKJS, "zkey", "export", "verificationkey", d / "c.zkey", d / "vk.json"])
        run([SNARKJS, "groth16", "prove", d / "c.zkey", d / "w.wtns", d / "proof.json", d / "public.json"])
        run([SNARKJS, "zkey", "export", "solidityverifier", d / "c.zkey", d / "Snarkjs.sol"])
        vk = load_verification_key(d / "vk.json")
        args = proof_calldata(load_proof(d / "proof.json"), load_public(d / "public.json"))
        contracts = [("zkanchor", deploy_verifier(chain, vk).contract)]
        if n:  # snarkjs renders uint[0] for no public inputs, which solc rejects
            contracts.append(("snarkjs", chain.deploy(compile_source((d / "Snarkjs.sol").read_text(), "Groth16Verifier")).contract))
        gas = {"snarkjs": float("nan")}
        for label, contract in contracts:
            fn = contract.functions.verifyProof(*args)
            assert chain.call(fn, gas=1_000_000) is True, f"{label} verifier rejected a valid proof"
            gas[label] = chain.transact(fn, gas=1_000_000)["gasUsed"]
        floor = 181_000 + 6_150 * n
        row = {"public_inputs": n, "zkanchor_gas": gas["zkanchor"], "snarkjs_gas": gas["snarkjs"],
               "precompile_floor": floor, "ratio_to_snarkjs": gas["zkanchor"] / gas["snarkjs"],
               "over_floor": gas["zkanchor"] - floor}
        rows.append(row)
        theirs = (f"snarkjs {gas['snarkjs']:,} gas ({row['ratio_to_snarkjs']:.4f}x)" if n
                  else "snarkjs's verifier does not compile with no inputs")
        print(f"  l = {n}: zkanchor {gas['zkanchor']:,} gas, {theirs}; precompile floor {floor:,} "
              f"(+{row['over_floor']:,} for the 21,000 base, calldata and everything else)", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--powers", default="14,16", help="log2 of the domain sizes (comma-separated)")
    parser.add_argument("--circuits", default="squarings,linreg", help=f"of {', '.join(CIRCUITS)}")
    parser.add_argument("--backends", default="native", help=f"zkanchor backends to time, of {', '.join(BACKENDS)} "
                        "(the pure-Python one takes minutes at 2^14)")
    parser.add_argument("--snarkjs-max-power", type=int, default=16,
                        help="run snarkjs only up to this power (its ptau takes hours to prepare at 2^20)")
    parser.add_argument("--repeat", type=int, default=3, help="prove runs per tool (best is kept)")
    parser.add_argument("--gas-inputs", default="1,2,5,9", help="public-input counts for the gas table ('' to skip)")
    parser.add_argument("--reuse", action="store_true",
                        help="take circuits, witnesses and keys left in the cache by an earlier run as they are")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if not SNARKJS.exists():
        raise SystemExit("snarkjs is not installed: run bash scripts/setup.sh first")
    work = cache_dir("bench")
    warnings.simplefilter("ignore")
    results = {}
    powers = [int(s) for s in args.powers.split(",") if s]
    if powers:
        print("prove time and peak memory, zkanchor vs snarkjs (same .r1cs and .wtns; whole commands):")
        results["prove"] = bench_prove(args.circuits.split(","), powers, args.repeat, work,
                                       [b for b in args.backends.split(",") if b], args.snarkjs_max_power,
                                       args.reuse)
    counts = [int(s) for s in args.gas_inputs.split(",") if s]
    if counts:
        print("verifier gas per verifyProof transaction, same key and proof:")
        results["gas"] = bench_gas(counts, work)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
