#!/usr/bin/env python3
"""Gas used by every ZkAnchorRegistry call, and verified anchoring's overhead over a bare
verifier call (the budget: at most 60,000 gas more than ``verifyProof`` sent on its own).

    python scripts/bench_registry_gas.py [--rpc URL] [--inputs 5 7] [--json]

Gas is deterministic, so the figures are exact (not timings); they are measured on the
embedded chain unless --rpc names a node (anvil agrees within a few dozen gas:
its accounts differ, so calldata bytes do).  The proofs are
real Groth16 proofs of a toy circuit whose public inputs follow the training-statement
layout: institution address, C_D, C_W0, C_W, hyper-parameter digest, extra clauses.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zkanchor.anchor.encoding import proof_words  # noqa: E402
from zkanchor.anchor.registry import deploy_registry  # noqa: E402
from zkanchor.bn254 import g1  # noqa: E402
from zkanchor.chain import connect  # noqa: E402
from zkanchor.groth16 import prove, setup  # noqa: E402
from zkanchor.groth16.keys import Proof  # noqa: E402
from zkanchor.r1cs import ConstraintSystem  # noqa: E402
from zkanchor.solidity.onchain import deploy_verifier  # noqa: E402

BUDGET = 60_000


def toy_circuit(values):
    """Public inputs ``values``, each tied to one private value by a constraint."""
    cs = ConstraintSystem()
    pubs = [cs.public(f"input{i}", v) for i, v in enumerate(values)]
    secret = cs.private("secret", 7)
    for p in pubs:
        cs.mul(secret, p)
    return cs.build(), cs.witness()


def measure(chain, n_public: int) -> list[tuple[str, int]]:
    """(call, gas) for every registry call with a circuit of ``n_public`` inputs."""
    admin, alice, bob, anyone = chain.accounts[:4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-party setup warning
        pk = setup(toy_circuit([1] * n_public)[0])

    def proof_for(dataset: int, w: int):
        values = [int(alice, 16), dataset, 11, w, 33] + [44] * (n_public - 5)
        return prove(pk, *toy_circuit(values))

    rows: list[tuple[str, int]] = []
    registry = deploy_registry(chain, sender=admin, challenge_window=1)
    rows.append(("deploy registry", registry.deploy_gas))
    verifier = deploy_verifier(chain, pk.vk)
    rows.append((f"deploy verifier ({n_public} inputs)", verifier.gas_used))
    rows.append(("registerInstitution", registry.register_institution(alice, "Alice Hospital", sender=admin).gas_used))
    registry.register_institution(bob, "Bob Bank", sender=admin)
    rows.append(("revokeInstitution", registry.revoke_institution(bob, sender=admin).gas_used))
    rows.append(("registerCircuit (probes the verifier)",
                 registry.register_circuit("bench", verifier.address, n_public, "toy", sender=admin).gas_used))
    rows.append(("anchorDataset (institution's first, no metadata)", registry.anchor_dataset(1001, sender=alice).gas_used))
    rows.append(("anchorDataset (its second, with metadata hash)",
                 registry.anchor_dataset(1002, b"\x42" * 32, sender=alice).gas_used))

    proof, public = proof_for(1001, 1)
    a, b, c = proof_words(proof)
    bare = chain.transact(verifier.contract.functions.verifyProof(a, b, c, public), gas=1_000_000)["gasUsed"]
    rows.append(("verifyProof alone (baseline)", bare))
    first = registry.anchor_training("bench", proof, public, sender=alice).gas_used
    rows.append(("anchorTraining (verified, first on dataset)", first))
    proof, public = proof_for(1001, 2)
    second = registry.anchor_training("bench", proof, public, sender=alice).gas_used
    rows.append(("anchorTraining (verified, later on dataset)", second))
    rows.append(("  overhead over verifyProof", max(first, second) - bare))

    proof, public = proof_for(1002, 3)
    opt = registry.anchor_optimistic("bench", public, proof=proof, sender=alice)
    rows.append(("anchorOptimistic", opt.gas_used))
    rows.append(("challenge", registry.challenge(opt.value, sender=anyone).gas_used))
    rows.append(("resolve (valid proof)", registry.resolve("bench", proof, public, sender=anyone).gas_used))
    proof, public = proof_for(1002, 4)
    bad = Proof(proof.a, proof.b, g1.add(proof.c, proof.c))
    registry.anchor_optimistic("bench", public, proof=bad, sender=alice)
    rows.append(("resolve (invalid proof)", registry.resolve("bench", bad, public, sender=anyone).gas_used))
    proof, public = proof_for(1002, 5)
    late = registry.anchor_optimistic("bench", public, proof=proof, sender=alice).value
    registry.challenge(late, sender=anyone)
    for _ in range(2):  # past the one-block window
        registry.anchor_dataset(2000 + _, sender=alice)
    rows.append(("expire", registry.expire(late, sender=anyone).gas_used))
    rows.append(("transferAdmin", registry.transfer_admin(bob, sender=admin).gas_used))
    rows.append(("acceptAdmin", registry.accept_admin(sender=bob).gas_used))
    return rows


def main() -> int:
    """Print the gas table (or --json) for each requested input count."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rpc", help="JSON-RPC node (default: the embedded chain)")
    parser.add_argument("--inputs", type=int, nargs="+", default=[5, 7], help="public-input counts (default: 5 7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results, ok = {}, True
    for n in args.inputs:
        if n < 5:
            parser.error("a training statement has at least 5 public inputs")
        rows = measure(connect(args.rpc), n)
        results[n] = dict(rows)
        overhead = results[n]["  overhead over verifyProof"]
        ok &= overhead <= BUDGET
        if not args.json:
            print(f"\nZkAnchorRegistry gas, {n} public inputs")
            width = max(len(name) for name, _ in rows)
            for name, gas in rows:
                print(f"  {name.ljust(width)}  {gas:>10,}")
            baseline = results[n]["verifyProof alone (baseline)"]
            print(f"  verified anchoring = verifyProof x {(baseline + overhead) / baseline:.3f}; "
                  f"overhead {overhead:,} gas, budget {BUDGET:,}: {'OK' if overhead <= BUDGET else 'OVER'}")
    if args.json:
        print(json.dumps({str(n): {k.strip(): v for k, v in r.items()} for n, r in results.items()}, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
