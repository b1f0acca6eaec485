"""Benchmark: zkanchor's Groth16 against snarkjs, side by side in one run.

For each circuit and size it writes one .r1cs and .wtns, sets every tool up on it, and
times ``zkanchor prove`` (native kernel and pure-Python backends) against ``snarkjs
groth16 prove`` on the same witness (whole commands, process start included, best of
--repeat, runs interleaved so machine noise hits all; peak RSS per command).  Then, for several public-input counts, it deploys our verifier and
snarkjs's for the same key and prints the gas of a verifyProof transaction next to the
precompile floor 181,000 + 6,150·l.  Ratios are what to read: this machine is shared.

    .venv/bin/python scripts/bench_groth16.py --sizes 16381,65533 --gas-inputs 1,2,5,9
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_circuits import CIRCUITS  # noqa: E402

from zkanchor.paths import cache_dir  # noqa: E402
from zkanchor.r1cs import write_r1cs, write_wtns  # noqa: E402

SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None  # GNU time reports peak RSS
ENTROPY = "zkanchor benchmark"


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


def prepare(name: str, size: int, work: Path, backends):
    """Write the circuit and witness; set both tools up; return paths and setup measurements."""
    r1cs, witness = CIRCUITS[name](size)
    d = work / f"{name}-{size}"
    d.mkdir(parents=True, exist_ok=True)
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    rows = len(r1cs.constraints) + r1cs.n_public + 1
    power = max(8, math.ceil(math.log2(rows)))
    setups = {b: measure(zk("setup", d / "circuit.r1cs", "-o", d / f"keys-{b}"), {"ZKANCHOR_BACKEND": b})
              for b in backends}
    pot = ptau(power)
    setups["snarkjs"] = measure([SNARKJS, "groth16", "setup", d / "circuit.r1cs", pot, d / "circuit.zkey"])
    return d, r1cs, setups


def bench_prove(names, sizes, repeat: int, work: Path, backends) -> list[dict]:
    rows = []
    for name in names:
        for size in sizes:
            d, r1cs, setups = prepare(name, size, work, backends)
            runs: dict[str, list[tuple[float, float]]] = {b: [] for b in (*backends, "snarkjs")}
            for _ in range(repeat):  # interleaved, so machine noise hits every tool alike
                for b in backends:
                    runs[b].append(measure(zk("prove", d / f"keys-{b}", d / "witness.wtns", "-o", d / f"out-{b}"),
                                           {"ZKANCHOR_BACKEND": b}))
                runs["snarkjs"].append(measure([SNARKJS, "groth16", "prove", d / "circuit.zkey", d / "witness.wtns",
                                                d / "theirs_proof.json", d / "theirs_public.json"]))
            for b in backends:  # cross-check: snarkjs accepts every proof we made
                run([SNARKJS, "groth16", "verify", d / f"keys-{b}" / "verification_key.json",
                     d / f"out-{b}" / "public.json", d / f"out-{b}" / "proof.json"])
            best = {tool: min(t for t, _ in r) for tool, r in runs.items()}
            peak = {tool: max(m for _, m in r) for tool, r in runs.items()}
            row = {"circuit": name, "constraints": len(r1cs.constraints), "prove_s": best, "prove_peak_mb": peak,
                   "setup_s": {k: v[0] for k, v in setups.items()}, "setup_peak_mb": {k: v[1] for k, v in setups.items()}}
            rows.append(row)
            parts = [f"{b} {best[b]:.2f} s ({best[b] / best['snarkjs']:.2f}x, {peak[b]:.0f} MB)" for b in backends]
            setup_parts = [f"{b} {setups[b][0]:.1f} s ({setups[b][0] / setups['snarkjs'][0]:.2f}x)" for b in backends]
            print(f"  {name:9} {row['constraints']:>7,} constraints | prove: {', '.join(parts)}, snarkjs "
                  f"{best['snarkjs']:.2f} s ({peak['snarkjs']:.0f} MB) | setup: {', '.join(setup_parts)}, snarkjs "
                  f"{setups['snarkjs'][0]:.1f} s", flush=True)
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
    parser.add_argument("--sizes", default="16381,65533", help="constraint counts (comma-separated)")
    parser.add_argument("--circuits", default="linreg,squarings", help=f"of {', '.join(CIRCUITS)}")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="zkanchor backends to time")
    parser.add_argument("--repeat", type=int, default=3, help="prove runs per tool (best is kept)")
    parser.add_argument("--gas-inputs", default="1,2,5,9", help="public-input counts for the gas table ('' to skip)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if not SNARKJS.exists():
        raise SystemExit("snarkjs is not installed: run bash scripts/setup.sh first")
    work = cache_dir("bench")
    warnings.simplefilter("ignore")
    results = {}
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        print("prove time, zkanchor vs snarkjs (same .r1cs and .wtns; whole commands):")
        results["prove"] = bench_prove(args.circuits.split(","), sizes, args.repeat, work,
                                       [b for b in args.backends.split(",") if b])
    counts = [int(s) for s in args.gas_inputs.split(",") if s]
    if counts:
        print("verifier gas per verifyProof transaction, same key and proof:")
        results["gas"] = bench_gas(counts, work)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
