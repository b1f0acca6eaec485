"""The Groth16 commands: setup, prove, verify, export-verifier, verify-onchain."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import InputError
from ..fileio import atomic_write_text, read_bytes
from ..progress import step_bar
from .output import add_json_flag, emit


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "setup",
        help="single-party Groth16 setup for a circom .r1cs",
        description="Generate a Groth16 proving key and verification_key.json for a circom-2 .r1cs file. "
        "Single-party: whoever runs it could forge proofs, so it prints a warning.",
    )
    p.add_argument("circuit", metavar="CIRCUIT.r1cs", help="circuit in iden3's binary .r1cs format")
    p.add_argument("-o", "--output", metavar="KEYDIR", required=True, help="key directory to write")
    add_json_flag(p)
    p.set_defaults(handler=cmd_setup)

    p = sub.add_parser(
        "prove",
        help="prove a witness (.wtns) with a key directory",
        description="Make a Groth16 proof for a circom .wtns witness; writes OUTDIR/proof.json and OUTDIR/public.json.",
    )
    p.add_argument("keydir", metavar="KEYDIR", help="key directory written by 'zkanchor setup'")
    p.add_argument("witness", metavar="WITNESS.wtns", help="witness in iden3's binary .wtns format")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True, help="directory for proof.json and public.json")
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove)

    p = sub.add_parser(
        "verify",
        help="check a proof in Python",
        description="Verify a Groth16 proof in Python. Exit 0 if valid, 1 if well-formed but invalid, 2 if unusable.",
    )
    _add_proof_args(p)
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser(
        "export-verifier",
        help="render the Solidity verifier for a verification key",
        description="Write a Solidity contract whose verifyProof(uint[2],uint[2][2],uint[2],uint[N]) "
        "checks proofs for this verification key (snarkjs-compatible ABI).",
    )
    p.add_argument("vk", metavar="VK.json", help="verification_key.json (snarkjs format)")
    p.add_argument("-o", "--output", metavar="Verifier.sol", required=True, help="Solidity file to write")
    p.add_argument("--contract-name", default="Groth16Verifier", help="contract name (default: %(default)s)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_export_verifier)

    p = sub.add_parser(
        "verify-onchain",
        help="deploy the verifier and check a proof on a chain",
        description="Deploy the verifier contract for VK.json on a chain (embedded eth-tester unless --rpc) "
        "and call verifyProof. Exit 0 if the contract accepts, 1 if it rejects, 2 if input is unusable.",
    )
    _add_proof_args(p)
    p.add_argument("--rpc", metavar="URL", help="JSON-RPC endpoint (default: an embedded eth-tester chain)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify_onchain)


def _add_proof_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("vk", metavar="VK.json", help="verification_key.json (snarkjs format)")
    p.add_argument("proof", metavar="PROOF.json", help="proof.json (snarkjs format)")
    p.add_argument("public", metavar="PUBLIC.json", help="public.json (snarkjs format)")


def _load_proof_args(args: argparse.Namespace):
    from ..groth16.snarkjs_json import load_proof, load_public, load_verification_key

    vk = load_verification_key(args.vk)
    proof = load_proof(args.proof)
    public = load_public(args.public)
    if len(public) != vk.n_public:
        raise InputError(f"the verification key expects {vk.n_public} public inputs but {args.public} has {len(public)}")
    return vk, proof, public


def cmd_setup(args: argparse.Namespace) -> int:
    from ..groth16.generator import setup
    from ..groth16.keydir import save_keydir
    from ..r1cs.circom_r1cs import decode_r1cs

    r1cs = decode_r1cs(read_bytes(args.circuit, "circuit"), f"circuit {args.circuit!r}")
    started = time.perf_counter()
    with step_bar("setup", 5, enabled=not args.json) as tick:
        pk = setup(r1cs, progress=tick)
    elapsed = time.perf_counter() - started
    out = save_keydir(args.output, r1cs, pk)
    result = {
        "keydir": str(out),
        "constraints": r1cs.n_constraints,
        "public_inputs": r1cs.n_public,
        "domain_size": pk.domain_size,
        "seconds": round(elapsed, 3),
    }
    emit(args, result, f"setup done in {elapsed:.2f} s: {r1cs.n_constraints} constraints, "
         f"{r1cs.n_public} public inputs; keys in {out}/")
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    from ..groth16.keydir import load_keydir
    from ..groth16.prover import prove
    from ..groth16.snarkjs_json import save_proof, save_public
    from ..r1cs.wtns import read_wtns_packed

    # mapped: this process proves once, so the key's vectors need only be resident in turn
    keys = load_keydir(args.keydir, mapped=True)
    if keys.r1cs is None:
        raise InputError(f"key directory {args.keydir!r} holds no circuit.r1cs (a statement's keys); "
                         "prove its statement with 'zkanchor prove-training' or the Prover API instead")
    witness = read_wtns_packed(args.witness)  # the file's values as they are: no int per value
    if len(witness) // 32 != keys.r1cs.n_wires:
        raise InputError(f"the witness {args.witness!r} has {len(witness) // 32} values but the circuit in "
                         f"{args.keydir!r} has {keys.r1cs.n_wires} wires; was it computed for another circuit?")
    started = time.perf_counter()
    with step_bar("prove", 4, enabled=not args.json) as tick:
        proof, public = prove(keys.pk, keys.r1cs, witness, progress=tick)
    elapsed = time.perf_counter() - started
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    save_proof(proof, out / "proof.json")
    save_public(public, out / "public.json")
    result = {"proof": str(out / "proof.json"), "public": str(out / "public.json"),
              "public_inputs": [str(v) for v in public], "seconds": round(elapsed, 3)}
    emit(args, result, f"proof written to {out}/proof.json and {out}/public.json ({elapsed:.2f} s)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from ..groth16.verifier import verify

    vk, proof, public = _load_proof_args(args)
    ok = verify(vk, proof, public)
    emit(args, {"valid": ok}, "OK: the proof is valid" if ok else "INVALID: the proof does not verify")
    return 0 if ok else 1


def cmd_export_verifier(args: argparse.Namespace) -> int:
    from ..groth16.snarkjs_json import load_verification_key
    from ..solidity.verifier import render_verifier

    vk = load_verification_key(args.vk)
    source = render_verifier(vk, contract_name=args.contract_name)
    atomic_write_text(args.output, source)
    emit(args, {"output": args.output, "contract": args.contract_name, "public_inputs": vk.n_public},
         f"verifier contract {args.contract_name} written to {args.output}")
    return 0


def cmd_verify_onchain(args: argparse.Namespace) -> int:
    from ..chain import connect
    from ..solidity.onchain import deploy_verifier, verify_on_chain

    vk, proof, public = _load_proof_args(args)
    chain = connect(args.rpc)
    verifier = deploy_verifier(chain, vk)
    outcome = verify_on_chain(chain, verifier, proof, public)
    result = {
        "valid": outcome.valid,
        "gas_used": outcome.gas_used,
        "deploy_gas": verifier.gas_used,
        "verifier": verifier.address,
        "chain_id": chain.w3.eth.chain_id,
        "precompile_floor": 181_000 + 6_150 * vk.n_public,
    }
    verdict = "OK: the contract accepts the proof" if outcome.valid else "INVALID: the contract rejects the proof"
    emit(args, result, f"{verdict} (verifyProof transaction used {outcome.gas_used} gas; verifier at {verifier.address})")
    return 0 if outcome.valid else 1
