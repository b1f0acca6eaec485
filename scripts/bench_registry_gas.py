#!/usr/bin/env python3
"""Gas used by every ZkAnchorRegistry call, and what verified anchoring costs over a bare
verifier call (the budget: at most 60,000 gas more than ``verifyProof`` sent on its own),
for training anchors, checkpoint runs (openRun, then each segment) and federated aggregates; and the calls of data
subjects' rights: requestErasure, anchorErasure answering 1, 2 and 4 requests (each over its
own verifier: 3 + k inputs) with the registry's cost per request, and anchorValidity.

    python scripts/bench_registry_gas.py [--rpc URL] [--inputs 5 7] [--json]

Gas is deterministic, so the figures are exact (not timings); they are measured on the
embedded chain unless --rpc names a node (anvil agrees within a few dozen gas:
its accounts differ, so calldata bytes do).  The proofs are real Groth16 proofs of a toy
circuit whose public inputs follow the statement layouts: training (institution address,
C_D, C_W0, C_W, spec digest, extra clauses) and aggregation (aggregator, C_prev, one model
per member, C_G: n inputs aggregate n - 3 members, each a distinct institution).

The budget covers anchorTraining and every verified segment anchor, the first of a run
included: openRun (a transaction of its own, sent when training starts, with no proof and
no verifier call) stores the run's two new slots (2 x 22,100 gas: the packed counters and
C_W0), so each segment only updates them.  openRun is printed on its own line, then the
first segment after it, the extensions, and what a whole run of three verified segments
costs (openRun included).  The exit code is 1 if any of them is over the budget.
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
SPEC_DIGEST = 33
PUBLIC_START = 11
CIRCUIT_HASH = bytes.fromhex("c1" * 32)  # a stand-in: the registry stores it, the bench needs no real one

BASELINE = "verifyProof alone (baseline)"
OPEN_RUN = "openRun (declares a run of 3: 2 new slots, no proof)"
SEGMENTS = ("anchorSegment (first, after openRun)", "anchorSegment (extends its run)", "anchorSegment (extends, last)")
OVERHEADS = {  # figure -> overhead row
    "anchorTraining (verified, later on dataset)": "  anchorTraining over verifyProof",
    SEGMENTS[0]: "  anchorSegment (first) over verifyProof",
    SEGMENTS[1]: "  anchorSegment (extends) over verifyProof",
    SEGMENTS[2]: "  anchorSegment (last) over verifyProof",
    "anchorAggregate": "  anchorAggregate over verifyProof",
}
BUDGETED = ("  anchorTraining over verifyProof", "  anchorSegment (first) over verifyProof",
            "  anchorSegment (extends) over verifyProof", "  anchorSegment (last) over verifyProof")
RUN_TOTAL = "  run of 3 verified segments (openRun + 3 anchorSegment)"
RUN_OVER = "  run of 3 over 3 x verifyProof"
RUN_PER_SEGMENT = "  run of 3 over verifyProof, per segment (openRun shared)"


def toy_circuit(values):
    """Public inputs ``values``, each tied to one private value by a constraint."""
    cs = ConstraintSystem()
    pubs = [cs.public(f"input{i}", v) for i, v in enumerate(values)]
    secret = cs.private("secret", 7)
    for p in pubs:
        cs.mul(secret, p)
    return cs.build(), cs.witness()


def measure(chain, n_public: int) -> list[tuple[str, int]]:
    """(call, gas) for every registry call with circuits of ``n_public`` inputs."""
    members = n_public - 3
    if len(chain.accounts) < members + 4:
        raise SystemExit(f"{n_public} inputs aggregate {members} members: the node needs {members + 4} accounts")
    admin, anyone, new_admin = chain.accounts[0], chain.accounts[-1], chain.accounts[-2]
    trainers = chain.accounts[1:1 + members]
    alice, aggregator = trainers[0], chain.accounts[1 + members]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-party setup warning
        pk = setup(toy_circuit([1] * n_public)[0])

    def proof_for(values):
        return prove(pk, *toy_circuit(values))

    def training(who: str, dataset: int, w0: int, w: int):
        return proof_for([int(who, 16), dataset, w0, w, SPEC_DIGEST] + [44] * (n_public - 5))

    rows: list[tuple[str, int]] = []
    registry = deploy_registry(chain, sender=admin, challenge_window=1)
    rows.append(("deploy registry", registry.deploy_gas))
    verifier = deploy_verifier(chain, pk.vk)
    rows.append((f"deploy verifier ({n_public} inputs)", verifier.gas_used))
    rows.append(("registerInstitution", registry.register_institution(alice, "Alice Hospital", sender=admin).gas_used))
    for i, who in enumerate([*trainers[1:], aggregator, anyone]):
        registry.register_institution(who, f"institution {i + 2}", sender=admin)
    rows.append(("revokeInstitution", registry.revoke_institution(anyone, sender=admin).gas_used))
    rows.append(("registerCircuit (training, probes the verifier)", registry.register_circuit(
        "bench", verifier.address, n_public, "training", CIRCUIT_HASH, SPEC_DIGEST, PUBLIC_START, "toy",
        sender=admin).gas_used))
    rows.append(("registerCircuit (aggregation)", registry.register_circuit(
        "bench-agg", verifier.address, n_public, "aggregation", CIRCUIT_HASH, SPEC_DIGEST + 1, 0, "toy fedavg",
        sender=admin).gas_used))
    rows.append(("anchorDataset (institution's first, no metadata)", registry.anchor_dataset(1001, sender=alice).gas_used))
    rows.append(("anchorDataset (its second, metadata and retention expiry)",
                 registry.anchor_dataset(1002, b"\x42" * 32, 4_102_444_800, sender=alice).gas_used))
    registry.anchor_dataset(1003, sender=alice)
    registry.anchor_dataset(1004, sender=alice)

    proof, public = training(alice, 1001, 1, 2)
    a, b, c = proof_words(proof)
    bare = chain.transact(verifier.contract.functions.verifyProof(a, b, c, public), gas=1_000_000)["gasUsed"]
    rows.append((BASELINE, bare))
    rows.append(("anchorTraining (verified, first on dataset)", registry.anchor_training("bench", proof, public, sender=alice).gas_used))
    proof, public = training(alice, 1001, 1, 3)
    rows.append(("anchorTraining (verified, later on dataset)", registry.anchor_training("bench", proof, public, sender=alice).gas_used))

    # A checkpoint run of three verified segments, declared first, and one of two optimistic ones.
    weights = [PUBLIC_START, 501, 502, 503]
    rows.append((OPEN_RUN, registry.open_run("bench-run", "bench", 1003, 3, PUBLIC_START, sender=alice).gas_used))
    for i, name in enumerate(SEGMENTS):
        proof, public = training(alice, 1003, weights[i], weights[i + 1])
        tx = registry.anchor_segment("bench", "bench-run", i, 3, proof, public, sender=alice)
        assert tx.opened is None  # openRun declared the run: no segment opens it
        rows.append((name, tx.gas_used))
    registry.open_run("bench-opt", "bench", 1004, 2, PUBLIC_START, sender=alice)
    for i, name in enumerate(("anchorSegmentOptimistic (first, after openRun)", "anchorSegmentOptimistic (extends its run)")):
        proof, public = training(alice, 1004, weights[i], weights[i + 1])
        rows.append((name, registry.anchor_segment_optimistic("bench", "bench-opt", i, 2, public, proof=proof,
                                                               sender=alice).gas_used))

    # A federated round from the public start: each member trains C_prev -> its model, then the aggregate.
    member_statements = []
    for i, who in enumerate(trainers):
        if who != alice:
            registry.anchor_dataset(2000 + i, sender=who)
        proof, public = training(who, 1002 if who == alice else 2000 + i, PUBLIC_START, 600 + i)
        registry.anchor_training("bench", proof, public, sender=who)
        member_statements.append(("bench", public))
    proof, public = proof_for([int(aggregator, 16), PUBLIC_START] + [600 + i for i in range(members)] + [700])
    rows.append((f"anchorAggregate ({members} members)", registry.anchor_aggregate(
        "bench-agg", proof, public, member_statements, sender=aggregator).gas_used))

    rows += rights(chain, registry, admin, alice, anyone)

    proof, public = training(alice, 1002, 1, 4)
    opt = registry.anchor_optimistic("bench", public, proof=proof, sender=alice)
    rows.append(("anchorOptimistic", opt.gas_used))
    rows.append(("challenge", registry.challenge(opt.value, sender=anyone).gas_used))
    rows.append(("resolve (valid proof)", registry.resolve("bench", proof, public, sender=anyone).gas_used))
    proof, public = training(alice, 1002, 1, 5)
    bad = Proof(proof.a, proof.b, g1.add(proof.c, proof.c))
    registry.anchor_optimistic("bench", public, proof=bad, sender=alice)
    rows.append(("resolve (invalid proof)", registry.resolve("bench", bad, public, sender=anyone).gas_used))
    proof, public = training(alice, 1002, 1, 6)
    late = registry.anchor_optimistic("bench", public, proof=proof, sender=alice).value
    registry.challenge(late, sender=anyone)
    for i in range(2):  # past the one-block window
        registry.anchor_dataset(3000 + i, sender=alice)
    rows.append(("expire", registry.expire(late, sender=anyone).gas_used))
    rows.append(("transferAdmin", registry.transfer_admin(new_admin, sender=admin).gas_used))
    rows.append(("acceptAdmin", registry.accept_admin(sender=new_admin).gas_used))

    figures = dict(rows)
    for name, overhead in OVERHEADS.items():
        key = next(k for k in figures if k.startswith(name))
        rows.append((overhead, figures[key] - bare))
    run_total = figures[OPEN_RUN] + sum(figures[name] for name in SEGMENTS)
    rows.append((RUN_TOTAL, run_total))
    rows.append((RUN_OVER, run_total - 3 * bare))
    rows.append((RUN_PER_SEGMENT, (run_total - 3 * bare) // 3))
    return rows


def rights(chain, registry, admin: str, alice: str, anyone: str) -> list[tuple[str, int]]:
    """Erasure requests (filed by an unregistered account), their answers and a validity claim."""
    rows: list[tuple[str, int]] = []
    overhead = {}
    for k in (1, 2, 4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pk = setup(toy_circuit([1] * (3 + k))[0])
        verifier = deploy_verifier(chain, pk.vk)
        registry.register_circuit(f"bench-erasure-{k}", verifier.address, 3 + k, "erasure", CIRCUIT_HASH, 35, 0,
                                  "toy erasure", sender=admin)
        dataset = 4000 + k
        registry.anchor_dataset(dataset, sender=alice)
        ids = []
        for j in range(k):
            tx = registry.request_erasure(alice, dataset, 100 + j, sender=anyone)
            if k == 1 or (k == 2 and j == 1):
                rows.append(("requestErasure (the registry's first)" if k == 1 else "requestErasure", tx.gas_used))
            ids.append(tx.value)
        proof, public = prove(pk, *toy_circuit([int(alice, 16), dataset, 5000 + k, *range(100, 100 + k)]))
        a, b, c = proof_words(proof)
        bare = chain.transact(verifier.contract.functions.verifyProof(a, b, c, public), gas=1_000_000)["gasUsed"]
        gas = registry.anchor_erasure(f"bench-erasure-{k}", proof, public, ids, sender=alice).gas_used
        rows.append((f"anchorErasure ({k} request{'s' if k > 1 else ''})", gas))
        overhead[k] = gas - bare
        rows.append((f"  anchorErasure ({k}) over its verifyProof ({3 + k} inputs)", overhead[k]))
    rows.append(("  anchorErasure: registry work per request", (overhead[4] - overhead[1]) // 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = setup(toy_circuit([1] * 3)[0])
    verifier = deploy_verifier(chain, pk.vk)
    registry.register_circuit("bench-validity", verifier.address, 3, "validity", CIRCUIT_HASH, 36, 0, "toy schema",
                              sender=admin)
    proof, public = prove(pk, *toy_circuit([int(alice, 16), 1001, 36]))
    a, b, c = proof_words(proof)
    bare = chain.transact(verifier.contract.functions.verifyProof(a, b, c, public), gas=1_000_000)["gasUsed"]
    gas = registry.anchor_validity("bench-validity", proof, public, sender=alice).gas_used
    rows.append(("anchorValidity (first claim on the dataset)", gas))
    rows.append(("  anchorValidity over its verifyProof (3 inputs)", gas - bare))
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
        ok &= all(results[n][k] <= BUDGET for k in BUDGETED)
        if not args.json:
            print(f"\nZkAnchorRegistry gas, {n} public inputs")
            width = max(len(name) for name, _ in rows)
            for name, gas in rows:
                flag = ""
                if name in BUDGETED:
                    flag = f"   margin {BUDGET - gas:+,}" + ("" if gas <= BUDGET else "  OVER")
                elif name == OPEN_RUN:
                    flag = "   its own transaction, when training starts (21,000 of it the transaction's base cost)"
                elif name.startswith("  "):
                    flag = "   (no budget)"
                print(f"  {name.ljust(width)}  {gas:>10,}{flag}")
            baseline = results[n][BASELINE]
            overhead = results[n][BUDGETED[0]]
            print(f"  verified anchoring = verifyProof x {(baseline + overhead) / baseline:.3f}; "
                  f"budget {BUDGET:,} over verifyProof for anchorTraining and every verified segment: "
                  f"{'OK' if all(results[n][k] <= BUDGET for k in BUDGETED) else 'OVER'}")
    if args.json:
        print(json.dumps({str(n): {k.strip(): v for k, v in r.items()} for n, r in results.items()}, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
