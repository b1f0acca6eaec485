"""The zkanchor demo: a Groth16 round trip from a Python-built circuit to an EVM verifier.

Until the simulator lands this is the demo: it builds a small circuit (an institution
proves that a private data row, run through a public linear model, gives the public
score — without revealing the row), sets up keys, proves, verifies in Python, with
snarkjs (when the npm toolchain is installed) and in the generated Solidity verifier on
an embedded Ethereum chain, then shows that tampering is caught everywhere.
Everything it writes goes to the output directory (default: out/demo).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zkanchor.bn254.constants import R  # noqa: E402
from zkanchor.chain import connect  # noqa: E402
from zkanchor.groth16 import prove, setup, verify  # noqa: E402
from zkanchor.groth16.keys import Proof  # noqa: E402
from zkanchor.groth16.snarkjs_json import save_proof, save_public, save_verification_key  # noqa: E402
from zkanchor.r1cs import ConstraintSystem, write_r1cs, write_wtns  # noqa: E402
from zkanchor.solidity.onchain import deploy_verifier, verify_on_chain  # noqa: E402
from zkanchor.solidity.verifier import render_verifier  # noqa: E402


def say(text: str) -> None:
    print(text, flush=True)


def scoring_circuit(weights: list[int], row: list[int]):
    """score = sum(w_i * x_i) with public weights and score, private row x."""
    cs = ConstraintSystem()
    score = cs.public("score", sum(w * x for w, x in zip(weights, row)))
    ws = [cs.public(f"w{i}", w) for i, w in enumerate(weights)]
    xs = [cs.private(f"x{i}", x) for i, x in enumerate(row)]
    products = [cs.mul(w, x, f"w{i}*x{i}") for i, (w, x) in enumerate(zip(ws, xs))]
    total = products[0]
    for p in products[1:]:
        total = total + p
    cs.assert_equal(total, score, "score")
    return cs.build(), cs.witness()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "out" / "demo"), help="output directory")
    args = parser.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    weights = [3, 5, 7, 11, 13]
    row = [120, 80, 1, 0, 42]  # the private record
    say("1. Building the circuit: score = w · x, with public weights and score, private record x")
    r1cs, witness = scoring_circuit(weights, row)
    write_r1cs(r1cs, out / "circuit.r1cs")
    write_wtns(witness, out / "witness.wtns")
    say(f"   {len(r1cs.constraints)} constraints, {r1cs.n_public} public inputs, {r1cs.n_wires} wires "
        f"-> {out}/circuit.r1cs, witness.wtns (circom's binary formats)")

    say("2. Trusted setup (single party)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pk = setup(r1cs)
    for w in caught:
        say(f"   warning: {w.message}")
    save_verification_key(pk.vk, out / "verification_key.json")
    say(f"   verification key -> {out}/verification_key.json (snarkjs format)")

    say("3. Proving that the private record gives the public score")
    t = time.perf_counter()
    proof, public = prove(pk, r1cs, witness)
    save_proof(proof, out / "proof.json")
    save_public(public, out / "public.json")
    say(f"   proof in {time.perf_counter() - t:.2f} s -> {out}/proof.json, public.json = {public}")

    say("4. Verifying in Python")
    say(f"   valid: {verify(pk.vk, proof, public)}")
    forged = [public[0] + 1] + public[1:]
    say(f"   the same proof for score {forged[0]} instead of {public[0]}: valid = {verify(pk.vk, proof, forged)}")

    snarkjs = ROOT / "node_modules" / ".bin" / "snarkjs"
    if snarkjs.exists() and shutil.which("node"):
        say("5. Verifying with snarkjs (an independent implementation)")
        proc = subprocess.run(
            [str(snarkjs), "groth16", "verify", str(out / "verification_key.json"), str(out / "public.json"),
             str(out / "proof.json")], capture_output=True, text=True,
        )
        say(f"   snarkjs groth16 verify: {'OK' if proc.returncode == 0 else 'REJECTED'}")
    else:
        say("5. (snarkjs not installed: run scripts/setup.sh to check the proof with snarkjs too)")

    say("6. Verifying on an Ethereum chain (embedded eth-tester, py-evm)")
    (out / "Verifier.sol").write_text(render_verifier(pk.vk))
    chain = connect()
    verifier = deploy_verifier(chain, pk.vk)
    good = verify_on_chain(chain, verifier, proof, public)
    floor = 181_000 + 6_150 * len(public)
    say(f"   Verifier.sol deployed at {verifier.address} ({verifier.gas_used:,} gas) -> {out}/Verifier.sol")
    say(f"   verifyProof: {good.valid}, {good.gas_used:,} gas for the transaction "
        f"(precompile floor {floor:,} + 21,000 base + calldata)")
    tampered = Proof(proof.c, proof.b, proof.a)
    bad = verify_on_chain(chain, verifier, tampered, public)
    say(f"   a tampered proof: {bad.valid}")
    say(f"Done in {time.perf_counter() - started:.1f} s. Artifacts are in {out}/.")
    return 0 if good.valid and not bad.valid else 1


if __name__ == "__main__":
    raise SystemExit(main())
