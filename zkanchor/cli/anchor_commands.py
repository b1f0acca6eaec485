"""The anchoring commands: deploy a registry, register institutions and circuits, anchor
datasets, training results, checkpoint runs and their segments and federated aggregates, settle optimistic
anchors, file, answer and refute erasure requests, anchor validity claims, and audit a registry.

Every command but ``registry-deploy`` takes the DEPLOYMENT record that ``registry-deploy``
wrote, and talks to the node it names unless ``--rpc`` says otherwise.  ``--account``
picks the sender among the node's unlocked accounts, by index or address; with
``ZKANCHOR_PRIVATE_KEY`` set, transactions are signed locally with that key instead
(account 0 is then the key's address).  A transaction the registry refuses exits 2 with
one sentence naming the contract's custom error; a proof the verifier rejects exits 1.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fileio import read_json
from .output import add_json_flag, emit

ENV_RPC = "ZKANCHOR_RPC"
ENV_PRIVATE_KEY = "ZKANCHOR_PRIVATE_KEY"
EXIT_OK, EXIT_FALSE = 0, 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "registry-deploy",
        help="deploy a registry contract and write its deployment record",
        description="Deploy the ZkAnchorRegistry contract (the sender becomes its admin) and write "
        "DEPLOYMENT.json: address, ABI, chain id, block, version. Needs a node (--rpc or $ZKANCHOR_RPC): "
        "a registry on the embedded chain would vanish when the command ends.",
    )
    p.add_argument("-o", "--output", metavar="DEPLOYMENT.json", required=True, help="deployment record to write")
    p.add_argument("--challenge-window", type=int, default=None, metavar="BLOCKS",
                   help="blocks an institution has to reveal a challenged optimistic anchor's proof (default: 7200)")
    p.add_argument("--erasure-deadline", type=int, default=None, metavar="BLOCKS",
                   help="blocks an institution has to answer an erasure request (default: 216000, about 30 days)")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_registry_deploy)

    p = sub.add_parser(
        "register-institution",
        help="register (or reinstate) an institution; admin only",
        description="Register an institution's address in the registry so it can anchor datasets and training results.",
    )
    _add_deployment_arg(p)
    p.add_argument("institution", metavar="INSTITUTION", help="its address, or the index of one of the node's accounts")
    p.add_argument("--name", default="", help="a name, recorded in the registration event")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_register_institution)

    p = sub.add_parser(
        "revoke-institution",
        help="revoke an institution; admin only",
        description="Revoke an institution: it can anchor nothing new; what it already anchored stays on record.",
    )
    _add_deployment_arg(p)
    p.add_argument("institution", metavar="INSTITUTION", help="its address, or the index of one of the node's accounts")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_revoke_institution)

    p = sub.add_parser(
        "register-circuit",
        help="deploy a circuit's verifier and register it; admin only",
        description="Deploy the Solidity verifier for the verification key of KEYDIR (what 'zkanchor setup' or a "
        "ceremony wrote; its setup.json names the circuit hash the key is bound to) unless --verifier gives one "
        "already deployed, register it under --circuit-id with its circuit hash, spec digest and kind, and add the "
        "circuit and its key to DEPLOYMENT.json. Refused unless the key is bound to --circuit-hash, the hash you "
        "expect (rebuilt from the statement's spec). Without KEYDIR, --statement must be a proof directory whose "
        "bundle.json names the key directory the proof was made with.",
    )
    _add_deployment_arg(p)
    p.add_argument("vk", metavar="KEYDIR", nargs="?",
                   help="a key directory, or the verification_key.json inside one (default: the key directory the "
                        "--statement proof directory's bundle.json names)")
    _add_circuit_id(p)
    p.add_argument("--statement", metavar="STATEMENT",
                   help="a statement.json (or a proof directory holding one) of any kind (training, aggregation, "
                        "erasure, validity, nonmembership): take the circuit hash, spec digest, kind and public start from its spec, "
                        "recompiled here (instead of the four options below)")
    p.add_argument("--circuit-hash", metavar="HEX",
                   help="the circuit hash the key must be bound to (64 hex digits: sha256 of the canonical R1CS)")
    p.add_argument("--spec-digest", metavar="N",
                   help="the statement spec digest (a field element, decimal or 0x hex: public input 4 of training statements)")
    p.add_argument("--kind", choices=("training", "aggregation", "erasure", "validity", "nonmembership"),
                   default="training",
                   help="what the circuit proves (default: training)")
    p.add_argument("--public-start", default="0", metavar="N",
                   help="training only: commitment of the public initial weights checkpoint runs start from (default: 0, none)")
    p.add_argument("--description", default="", help="what the circuit proves (model kind, shape, hyper-parameter hash…)")
    p.add_argument("--training-block-input", type=int, default=0, metavar="INDEX",
                   help="index of a public input holding the claimed training-start block (default: 0, none)")
    p.add_argument("--verifier", metavar="ADDRESS", help="an already deployed verifier for VK.json to register instead")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_register_circuit)

    p = sub.add_parser(
        "anchor-dataset",
        help="anchor a dataset commitment",
        description="Anchor a dataset commitment before training on it: the block it lands in is the proof that "
        "the data was fixed first. Give COMMITMENT.json (an object with a 'commitment' field, or a dataset "
        "directory holding commitment.json) or --commitment.",
    )
    _add_deployment_arg(p)
    p.add_argument("commitment_file", metavar="COMMITMENT.json", nargs="?", help="the commitment file or dataset directory")
    p.add_argument("--commitment", metavar="HEX", help="the commitment itself (0x hex or decimal)")
    meta = p.add_mutually_exclusive_group()
    meta.add_argument("--metadata", metavar="TEXT", help="metadata text; its keccak256 is anchored with the commitment")
    meta.add_argument("--metadata-hash", metavar="HEX", help="a 32-byte metadata hash to anchor with the commitment")
    p.add_argument("--expires", metavar="WHEN",
                   help="retention expiry: unix seconds or an ISO date/time (UTC unless it says otherwise); default none")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_anchor_dataset)

    p = sub.add_parser(
        "open-run",
        help="declare a checkpoint run when training starts (before any segment is proven)",
        description="Declare the sender's checkpoint run --run-id on chain when training starts: --total segments "
        "of the training circuit --circuit-id over a dataset the sender anchored in an earlier block (COMMITMENT.json "
        "or --commitment), from the weights committed in --start-weights (default: the circuit's public start). "
        "Watchers see the run begin; its segments ('anchor-training --run-id', index 0 first) then extend it. "
        "Optional: 'anchor-training --index 0' opens a run that is not open yet itself.",
    )
    _add_deployment_arg(p)
    p.add_argument("commitment_file", metavar="COMMITMENT.json", nargs="?", help="the dataset's commitment file or directory")
    p.add_argument("--commitment", metavar="HEX", help="the dataset commitment itself (0x hex or decimal)")
    _add_circuit_id(p)
    p.add_argument("--run-id", required=True, metavar="ID",
                   help="checkpoint run id: a name of up to 32 ASCII characters, or 0x + 64 hex digits")
    p.add_argument("--total", type=int, required=True, metavar="N", help="the run's number of segments")
    p.add_argument("--start-weights", metavar="C_W0",
                   help="commitment of the weights training starts from (decimal or 0x hex; default: the circuit's "
                        "public start)")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_open_run)

    p = sub.add_parser(
        "anchor-training",
        help="anchor a training proof or checkpoint segment (verified, or --optimistic)",
        description="Anchor a training statement. Verified (default): the registry runs the verifier and records "
        "the statement only if the proof checks; exit 1 if it does not. --optimistic: only the statement and "
        "the proof's hash are stored; anyone may later reveal the proof with 'resolve'. With --run-id, --index "
        "and --total the statement is segment INDEX of TOTAL of the sender's checkpoint run RUN_ID, which "
        "'open-run' declared (segment 0 of a run that is not open yet opens it first, in a transaction of its own, "
        "from the segment's circuit, dataset and starting weights); each next one must start from the previous "
        "one's final weights.",
    )
    _add_deployment_arg(p)
    _add_proof_args(p)
    _add_circuit_id(p)
    p.add_argument("--optimistic", action="store_true", help="store hashes only; the proof is checked when revealed")
    p.add_argument("--run-id", metavar="ID", help="checkpoint run id: a name of up to 32 ASCII characters, or 0x + 64 hex digits")
    p.add_argument("--index", type=int, metavar="I",
                   help="with --run-id: this segment's index (0 opens the run first if it is not open)")
    p.add_argument("--total", type=int, metavar="N", help="with --run-id: the run's number of segments")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_anchor_training)

    p = sub.add_parser(
        "anchor-aggregate",
        help="anchor a federated aggregate over anchored member models",
        description="Anchor an aggregation proof (public inputs: aggregator, C_prev, one model per member, C_G). "
        "Each --member names, in order, the anchored training statement whose final weights are that member's "
        "model; the registry checks each is valid, started from C_prev and ends in the model the aggregate "
        "names, then runs the verifier (exit 1 if it rejects the proof).",
    )
    _add_deployment_arg(p)
    _add_proof_args(p)
    _add_circuit_id(p)
    p.add_argument("--member", action="append", default=[], metavar="CIRCUIT_ID=PUBLIC.json",
                   help="a member's training statement: its circuit id and public.json; one per member model, in order")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_anchor_aggregate)

    p = sub.add_parser(
        "request-erasure",
        help="file an erasure request for one's record in an institution's dataset (anyone may)",
        description="File a data subject's erasure request with the registry: the institution --owner must answer it "
        "with an erasure proof within the registry's erasure deadline. Name the record by the leaf on its receipt "
        "(--leaf), or give the receipt itself (--receipt: its leaf, and its owner and commitment unless given; "
        "the receipt is checked against its commitment first). The leaf reveals nothing about the record. The "
        "sender need not be registered.",
    )
    _add_deployment_arg(p)
    p.add_argument("--owner", metavar="ADDRESS", help="the institution holding the dataset (default: the receipt's)")
    p.add_argument("--commitment", metavar="C_D", help="the dataset commitment (default: the receipt's)")
    leaf = p.add_mutually_exclusive_group(required=True)
    leaf.add_argument("--leaf", metavar="LEAF", help="the record's leaf (decimal or 0x hex)")
    leaf.add_argument("--receipt", metavar="RECEIPT", help="the record's receipt ('zkanchor commit --receipts')")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_request_erasure)

    p = sub.add_parser(
        "anchor-erasure",
        help="answer erasure requests with an erasure proof",
        description="Anchor an erasure proof (PROOFDIR from 'zkanchor prove-erasure': C_D' is C_D with exactly the "
        "requested records removed) as the answer to erasure requests: --request lists their ids in the order of the "
        "proof's leaves (default: the pending requests to the sender naming those leaves). The registry marks them "
        "answered, anchors C_D' as the sender's dataset and marks C_D erased: no new training may rest on it. Exit 1 "
        "if the verifier rejects the proof.",
    )
    _add_deployment_arg(p)
    p.add_argument("proofdir", metavar="PROOFDIR", help="an erasure proof directory (statement.json, proof.json, public.json)")
    _add_circuit_id(p)
    p.add_argument("--request", type=int, nargs="+", action="extend", default=None, metavar="ID",
                   help="the erasure request ids answered, in the order of the proof's leaves")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_anchor_erasure)

    p = sub.add_parser(
        "refute-erasure",
        help="refute erasure requests for records a dataset never held, with a non-membership proof",
        description="Send a non-membership proof (PROOFDIR from 'zkanchor prove-nonmembership': no record of C_D has "
        "any of the named leaves) to refute erasure requests: --request lists their ids (default: every pending "
        "request to the sender about exactly C_D naming one of the proof's leaves). Each must be about C_D itself — "
        "a proof about a later, erased dataset refutes nothing filed against C_D. The registry marks them refuted: "
        "they never turn overdue. Exit 1 if the verifier rejects the proof.",
    )
    _add_deployment_arg(p)
    p.add_argument("proofdir", metavar="PROOFDIR",
                   help="a non-membership proof directory (statement.json, proof.json, public.json)")
    _add_circuit_id(p)
    p.add_argument("--request", type=int, nargs="+", action="extend", default=None, metavar="ID",
                   help="the erasure request ids refuted (each naming one of the proof's leaves, in any order)")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_refute_erasure)

    p = sub.add_parser(
        "anchor-validity",
        help="anchor a validity proof (the data satisfies a schema) next to its dataset",
        description="Anchor a validity proof (PROOFDIR from 'zkanchor prove-validity': the data committed in C_D "
        "satisfies a public schema) about a dataset the sender anchored. The circuit must be registered as a "
        "validity circuit; its spec digest is the schema digest. Exit 1 if the verifier rejects the proof.",
    )
    _add_deployment_arg(p)
    p.add_argument("proofdir", metavar="PROOFDIR", help="a validity proof directory (statement.json, proof.json, public.json)")
    _add_circuit_id(p)
    _add_chain_args(p)
    p.set_defaults(handler=cmd_anchor_validity)

    p = sub.add_parser(
        "challenge",
        help="challenge a pending optimistic anchor",
        description="Challenge an optimistic anchor: its committed proof must be revealed (resolve) within the "
        "registry's challenge window, or anyone may expire it as invalid.",
    )
    _add_deployment_arg(p)
    p.add_argument("statement", metavar="STATEMENT_HASH", help="the anchor's statement hash (0x + 64 hex digits)")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_challenge)

    p = sub.add_parser(
        "resolve",
        help="reveal an optimistic anchor's proof and have it checked on chain",
        description="Submit the proof an optimistic anchor committed to; the registry checks it with the verifier "
        "and marks the anchor valid (exit 0) or invalid (exit 1). Anyone may resolve.",
    )
    _add_deployment_arg(p)
    _add_proof_args(p)
    _add_circuit_id(p)
    _add_chain_args(p)
    p.set_defaults(handler=cmd_resolve)

    p = sub.add_parser(
        "expire",
        help="mark invalid a challenged anchor whose proof was not revealed in time",
        description="After a challenged optimistic anchor's deadline passes without its proof, mark it invalid. Anyone may call it.",
    )
    _add_deployment_arg(p)
    p.add_argument("statement", metavar="STATEMENT_HASH", help="the anchor's statement hash (0x + 64 hex digits)")
    _add_chain_args(p)
    p.set_defaults(handler=cmd_expire)

    p = sub.add_parser(
        "audit",
        help="list everything anchored in a registry and re-check every proof off chain",
        description="Read all registry events, take each proof from its transaction's calldata and re-check "
        "statement and proof in Python; check that checkpoint runs were opened and chain (each run: opened in block "
        "B, k of T segments, complete or broken) and aggregates rest on valid member "
        "models; report erasure requests per institution (answered, refuted with a re-checked non-membership "
        "proof, pending, or OVERDUE: deadline passed and unanswered), models superseded by an erasure of their data (and their retrained successors), validity "
        "claims per dataset, and datasets past their retention expiry with the models served from them. Prints a "
        "table, runs, aggregates and those reports (or --json). Exit 0 if every check agrees with the registry, 1 "
        "if any disagrees or nothing was checked (--from-block beyond the chain head); overdue requests are "
        "reported, not an exit code.",
    )
    _add_deployment_arg(p)
    p.add_argument("--vk", action="append", default=[], metavar="CIRCUIT_ID=VK.json",
                   help="verification key to check a circuit's proofs with (default: the one in DEPLOYMENT.json); repeatable")
    p.add_argument("--from-block", type=int, default=None, metavar="N", help="first block to read (default: the deployment block)")
    p.add_argument("--rpc", metavar="URL", help="JSON-RPC endpoint (default: the deployment's, then $ZKANCHOR_RPC)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_audit)


# ---------------------------------------------------------------- arguments

def _add_deployment_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("deployment", metavar="DEPLOYMENT.json", help="deployment record written by 'zkanchor registry-deploy'")


def _add_chain_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rpc", metavar="URL", help="JSON-RPC endpoint (default: the deployment's, then $ZKANCHOR_RPC)")
    p.add_argument("--account", metavar="ACCOUNT",
                   help="sender: index or address of an unlocked account (default: 0; with $ZKANCHOR_PRIVATE_KEY set, 0 is that key)")
    add_json_flag(p)


def _add_circuit_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("--circuit-id", required=True, metavar="ID",
                   help="circuit id: a name of up to 32 ASCII characters, or 0x + 64 hex digits")


def _add_proof_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("proof", metavar="PROOF.json", help="proof.json (snarkjs format)")
    p.add_argument("public", metavar="PUBLIC.json", help="public.json (snarkjs format)")


# ---------------------------------------------------------------- shared steps

def _connect(rpc: str | None, expected_chain_id: int | None = None):
    from ..chain import connect

    key = os.environ.get(ENV_PRIVATE_KEY, "").strip() or None
    return connect(rpc, private_key=key, expected_chain_id=expected_chain_id)


def _open(args: argparse.Namespace):
    """(record, chain, registry) for a command working on an existing deployment."""
    from ..anchor.deployment import load_deployment
    from ..anchor.registry import Registry

    record = load_deployment(args.deployment)
    rpc = args.rpc or record.rpc or os.environ.get(ENV_RPC, "").strip() or None
    if rpc is None:
        raise InputError(f"{args.deployment} names no RPC URL; pass --rpc URL")
    chain = _connect(rpc, expected_chain_id=record.chain_id)
    return record, chain, Registry.attach(chain, record)


def _account(chain, text: str | None, what: str = "--account", unlocked: bool = True) -> str:
    """An address from an account index or an address (which must be unlocked when sending)."""
    from web3 import Web3

    if text is None:
        if chain.default_account is None:
            raise InputError("the node has no unlocked account; set ZKANCHOR_PRIVATE_KEY")
        return chain.default_account
    text = text.strip()
    if text.isdigit():
        index = int(text)
        if index >= len(chain.accounts):
            raise InputError(f"{what} {index} is out of range: the node has {len(chain.accounts)} account(s)")
        return chain.accounts[index]
    if not Web3.is_address(text):
        raise InputError(f"{what} {text!r} is neither an account index nor an Ethereum address")
    address = Web3.to_checksum_address(text)
    if unlocked and address not in chain.accounts:
        raise InputError(f"{what} {address} is not an unlocked account of the node")
    return address


def _load_proof(args: argparse.Namespace):
    from ..groth16.snarkjs_json import load_proof, load_public

    return load_proof(args.proof), load_public(args.public)


def _check_inputs_fit(record, circuit_id: str, public: list[int]) -> None:
    # Refuse locally what the registry would refuse anyway: saves a transaction's gas.
    circuit = record.find_circuit(circuit_id)
    if circuit is not None and circuit.n_public != len(public):
        raise InputError(f"circuit {circuit.name} takes {circuit.n_public} public inputs but the public file has {len(public)}")


def _tx_json(result) -> dict[str, Any]:
    return {"tx": result.tx_hash, "block": result.block_number, "gas_used": result.gas_used}


def _read_commitment(args: argparse.Namespace) -> int:
    from ..anchor.encoding import parse_commitment

    if (args.commitment is None) == (args.commitment_file is None):
        raise InputError("give the dataset commitment either as COMMITMENT.json or with --commitment, not both or neither")
    if args.commitment is not None:
        return parse_commitment(args.commitment)
    path = Path(args.commitment_file)
    if path.is_dir():
        path = path / "commitment.json"
    obj = read_json(path, "commitment")
    value = obj.get("commitment") if isinstance(obj, dict) else obj
    if value is None:
        raise InputError(f"the commitment file {str(path)!r} has no 'commitment' field")
    return parse_commitment(value, f"the commitment in {str(path)!r}")


def _metadata_hash(args: argparse.Namespace) -> bytes:
    from eth_utils import keccak

    if args.metadata is not None:
        return keccak(args.metadata.encode("utf-8"))
    if args.metadata_hash is not None:
        text = args.metadata_hash.removeprefix("0x")
        if len(text) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in text):
            raise InputError("--metadata-hash must be 0x + 64 hex digits")
        return bytes.fromhex(text)
    return bytes(32)


# ---------------------------------------------------------------- commands

def cmd_registry_deploy(args: argparse.Namespace) -> int:
    """Deploy a registry and write its deployment record."""
    from ..anchor.deployment import record_for, save_deployment
    from ..anchor.registry import DEFAULT_CHALLENGE_WINDOW, DEFAULT_ERASURE_DEADLINE, compile_registry, deploy_registry

    rpc = args.rpc or os.environ.get(ENV_RPC, "").strip() or None
    if rpc is None:
        raise InputError("registry-deploy needs a node (--rpc URL or $ZKANCHOR_RPC): a registry on the embedded chain would vanish when the command ends")
    window = DEFAULT_CHALLENGE_WINDOW if args.challenge_window is None else args.challenge_window
    deadline = DEFAULT_ERASURE_DEADLINE if args.erasure_deadline is None else args.erasure_deadline
    chain = _connect(rpc)
    sender = _account(chain, args.account)
    registry = deploy_registry(chain, sender=sender, challenge_window=window, erasure_deadline=deadline)
    record = record_for(registry, rpc, compile_registry().source_hash)
    save_deployment(record, args.output)
    result = {"registry": record.registry, "chain_id": record.chain_id, "block": record.block, "admin": sender,
              "deployment": args.output, "gas_used": registry.deploy_gas, "challenge_window": window,
              "erasure_deadline": deadline, "version": record.registry_version}
    emit(args, result, f"registry {record.registry} deployed on chain {record.chain_id} at block {record.block} "
         f"(admin {sender}); record written to {args.output}")
    return EXIT_OK


def cmd_register_institution(args: argparse.Namespace) -> int:
    """Register an institution."""
    _, chain, registry = _open(args)
    who = _account(chain, args.institution, "INSTITUTION", unlocked=False)
    tx = registry.register_institution(who, args.name, sender=_account(chain, args.account))
    emit(args, {"institution": who, "name": args.name, **_tx_json(tx)},
         f"institution {who}{' (' + args.name + ')' if args.name else ''} registered in block {tx.block_number}")
    return EXIT_OK


def cmd_revoke_institution(args: argparse.Namespace) -> int:
    """Revoke an institution."""
    _, chain, registry = _open(args)
    who = _account(chain, args.institution, "INSTITUTION", unlocked=False)
    tx = registry.revoke_institution(who, sender=_account(chain, args.account))
    emit(args, {"institution": who, **_tx_json(tx)}, f"institution {who} revoked in block {tx.block_number}")
    return EXIT_OK


def _key_binding(path_text: str):
    """(verification key, the circuit hash it is bound to) from a key directory or the VK file in one."""
    from ..groth16.keydir import SETUP_INFO, VERIFICATION_KEY, read_setup_info
    from ..groth16.snarkjs_json import load_verification_key

    path = Path(path_text)
    keydir, vk_path = (path, path / VERIFICATION_KEY) if path.is_dir() else (path.parent, path)
    if not vk_path.is_file():
        raise InputError(f"{str(vk_path)!r} does not exist: give a key directory or the verification key inside one")
    if not (keydir / SETUP_INFO).is_file():
        raise InputError(f"the key in {str(keydir)!r} is bound to no circuit (no {SETUP_INFO} beside it): register "
                         "the key directory that 'zkanchor setup' or a ceremony wrote")
    bound = read_setup_info(keydir)["circuit_hash"]
    return load_verification_key(vk_path), bound


def cmd_register_circuit(args: argparse.Namespace) -> int:
    """Deploy (or reuse) a verifier, register it, and add the circuit to the deployment record."""
    from ..anchor.deployment import CircuitRecord, save_deployment
    from ..anchor.encoding import circuit_hash_bytes, circuit_id_bytes, parse_commitment
    from ..groth16.snarkjs_json import vk_to_json
    from ..solidity.verifier import compile_verifier

    cid = circuit_id_bytes(args.circuit_id)
    if args.statement is not None:
        args.circuit_hash, args.spec_digest, args.kind, args.public_start, described = _from_statement(args.statement)
        args.description = args.description or described
    if args.circuit_hash is None or args.spec_digest is None:
        raise InputError("give --statement STATEMENT, or both --circuit-hash and --spec-digest")
    expected = circuit_hash_bytes(args.circuit_hash)
    digest = parse_commitment(args.spec_digest, "--spec-digest")
    start = parse_commitment(args.public_start, "--public-start", allow_zero=True)
    if args.kind == "aggregation" and start:
        raise InputError("--public-start is for training circuits: an aggregation round starts from its members' start")
    if args.kind != "training" and start:
        raise InputError(f"--public-start is for training circuits, not {args.kind} ones")
    if args.vk is None:
        args.vk = _bundle_keydir(args.statement)
    vk, bound = _key_binding(args.vk)
    if circuit_hash_bytes(bound) != expected:
        raise InputError(f"the key in {args.vk} is bound to circuit {bound[:16]}..., not to the expected "
                         f"--circuit-hash {expected.hex()[:16]}...")
    record, chain, registry = _open(args)
    sender = _account(chain, args.account)
    deploy_gas = 0
    if args.verifier:
        verifier = _account(chain, args.verifier, "--verifier", unlocked=False)
    else:
        deployed = chain.deploy(compile_verifier(vk), sender=sender)
        verifier, deploy_gas = deployed.address, deployed.gas_used
    tx = registry.register_circuit(cid, verifier, vk.n_public, args.kind, expected, digest, start, args.description,
                                   args.training_block_input, sender=sender, key_circuit_hash=bound)
    circuit = CircuitRecord("0x" + cid.hex(), verifier, vk.n_public, args.kind, "0x" + expected.hex(), digest, start,
                            args.training_block_input, args.description, tx.block_number, vk_to_json(vk))
    save_deployment(record.with_circuit(circuit), args.deployment)
    emit(args, {"circuit_id": circuit.name, "circuit_id_hex": circuit.circuit_id, "verifier": verifier,
                "n_public": vk.n_public, "kind": args.kind, "circuit_hash": circuit.circuit_hash,
                "spec_digest": str(digest), "public_start": str(start), "verifier_deploy_gas": deploy_gas, **_tx_json(tx)},
         f"{args.kind} circuit {circuit.name} registered with verifier {verifier} ({vk.n_public} public inputs, "
         f"circuit {circuit.circuit_hash[:18]}...) in block {tx.block_number}")
    return EXIT_OK


def _bundle_keydir(statement: str | None) -> str:
    """The key directory a proof directory's bundle.json names (register-circuit without KEYDIR)."""
    from ..proofs.bundle import BUNDLE

    if statement is None:
        raise InputError("give KEYDIR, or --statement with a proof directory whose bundle.json names its key directory")
    folder = Path(statement)
    folder = folder if folder.is_dir() else folder.parent
    info = read_json(folder / BUNDLE, "bundle") if (folder / BUNDLE).is_file() else None
    keys = info.get("keys") if isinstance(info, dict) else None
    path = keys.get("path") if isinstance(keys, dict) else None
    if not isinstance(path, str) or not path:
        raise InputError(f"no KEYDIR given and {str(folder / BUNDLE)!r} names no key directory: give the key "
                         "directory the proof was made with")
    if not Path(path).exists():
        raise InputError(f"the key directory {str(folder / BUNDLE)!r} names, {path!r}, does not exist here: give "
                         "KEYDIR")
    return path


def _from_statement(path_text: str) -> tuple[str, str, str, str, str]:
    """(circuit hash, spec digest, kind, public start, description) of a statement's spec, recompiled."""
    from ..fileio import read_json
    from ..statements import statement_from_json
    from ..statements.base import circuit_hash_of

    path = Path(path_text)
    if path.is_dir():
        path = path / "statement.json"
    statement = statement_from_json(read_json(path, "statement"), f"statement {str(path)!r}")
    spec = statement.spec
    start = "0"
    if spec.kind == "training":
        from ..models import model_module
        from ..models.weights import weights_commitment

        t = spec.training
        start = str(weights_commitment([int(v) for v in model_module(t.model).initial_weights(t)], 0))
    return circuit_hash_of(spec).hash, str(spec.digest()), spec.kind, start, spec.describe()


def _expiry(text: str | None) -> int:
    """--expires as unix seconds: an integer, or an ISO date/time (UTC unless it names an offset)."""
    import datetime as dt

    if text is None:
        return 0
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--expires {text!r} is neither unix seconds nor an ISO date such as 2030-01-31") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp())


def cmd_anchor_dataset(args: argparse.Namespace) -> int:
    """Anchor a dataset commitment."""
    from ..anchor.encoding import hex32

    commitment = _read_commitment(args)
    metadata = _metadata_hash(args)
    expires = _expiry(args.expires)
    _, chain, registry = _open(args)
    sender = _account(chain, args.account)
    tx = registry.anchor_dataset(commitment, metadata, expires, sender=sender)
    emit(args, {"commitment": hex32(commitment), "institution": sender, "metadata_hash": hex32(metadata),
                "expires_at": expires, **_tx_json(tx)},
         f"dataset {hex32(commitment)} anchored by {sender} in block {tx.block_number}"
         + (f", retained until unix time {expires}" if expires else ""))
    return EXIT_OK


def _segment(args: argparse.Namespace):
    """(run id bytes, index, total) when --run-id is given, else None."""
    from ..anchor.encoding import run_id_bytes

    given = [args.run_id is not None, args.index is not None, args.total is not None]
    if not any(given):
        return None
    if not all(given):
        raise InputError("a checkpoint segment needs all of --run-id, --index and --total")
    if args.total < 1 or not 0 <= args.index < args.total:
        raise InputError(f"--index must be in [0, --total) and --total at least 1 (got {args.index} of {args.total})")
    return run_id_bytes(args.run_id), args.index, args.total


def _proof_tx(args: argparse.Namespace, send, flag: str = "anchored"):
    """The transaction ``send()`` makes, or None when the registry's verifier rejects its proof
    (then the rejection is printed, ``{flag: false}`` with --json, and the command exits 1:
    an invalid proof is an answer, not an error; every other refusal raises)."""
    from ..anchor.errors import RegistryError

    try:
        return send()
    except RegistryError as exc:
        if exc.error != "ProofRejected":
            raise
        emit(args, {flag: False, "error": exc.error, "reason": str(exc)}, f"REJECTED: {exc}")
        return None


def cmd_anchor_training(args: argparse.Namespace) -> int:
    """Anchor a training statement or checkpoint segment, verified or optimistic."""
    from ..anchor.encoding import MIN_PUBLIC_INPUTS, circuit_id_bytes, circuit_id_text, hex32, proof_hash

    proof, public = _load_proof(args)
    cid = circuit_id_bytes(args.circuit_id)
    segment = _segment(args)
    if len(public) < MIN_PUBLIC_INPUTS:
        raise InputError(f"{args.public} has {len(public)} public inputs; a training statement has at least {MIN_PUBLIC_INPUTS}")
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    sender = _account(chain, args.account)

    def send():
        if segment is not None and args.optimistic:
            return registry.anchor_segment_optimistic(cid, *segment, public, proof=proof, sender=sender)
        elif segment is not None:
            return registry.anchor_segment(cid, *segment, proof, public, sender=sender)
        elif args.optimistic:
            return registry.anchor_optimistic(cid, public, proof=proof, sender=sender)
        else:
            return registry.anchor_training(cid, proof, public, sender=sender)

    tx = _proof_tx(args, send)
    if tx is None:
        return EXIT_FALSE
    kind = "optimistic" if args.optimistic else "verified"
    result = {"anchored": True, "kind": kind, "statement_hash": tx.value, "institution": sender,
              "circuit_id": circuit_id_text(cid), "dataset": hex32(public[1]), **_tx_json(tx)}
    if args.optimistic:
        result["proof_hash"] = "0x" + proof_hash(proof).hex()
    what, opened = f"{kind} anchor", ""
    if segment is not None:
        run_id, index, total = segment
        result.update(run_id=circuit_id_text(run_id), index=index, total=total)
        what = f"{kind} segment {index} of {total} of run {circuit_id_text(run_id)}:"
        if tx.opened is not None:
            result["opened"] = _tx_json(tx.opened)
            opened = (f"run {circuit_id_text(run_id)} opened in block {tx.opened.block_number} "
                      f"({tx.opened.gas_used} gas); ")
    emit(args, result, f"{opened}{what} {tx.value} recorded in block {tx.block_number} ({tx.gas_used} gas)")
    return EXIT_OK


def cmd_open_run(args: argparse.Namespace) -> int:
    """Declare a checkpoint run."""
    from ..anchor.encoding import circuit_id_bytes, circuit_id_text, hex32, parse_commitment, run_id_bytes

    commitment = _read_commitment(args)
    run_id, cid = run_id_bytes(args.run_id), circuit_id_bytes(args.circuit_id)
    if args.total < 1:
        raise InputError(f"--total must be at least 1 (got {args.total})")
    _, chain, registry = _open(args)
    sender = _account(chain, args.account)
    if args.start_weights is not None:
        start = parse_commitment(args.start_weights, "--start-weights")
    else:
        circuit = registry.circuit(cid)
        if not circuit.exists:
            raise InputError(f"no circuit is registered under {args.circuit_id!r} in this registry")
        if not circuit.public_start:
            raise InputError(f"circuit {args.circuit_id} has no public start: give --start-weights, the commitment of "
                             "the weights training starts from")
        start = circuit.public_start
    tx = registry.open_run(run_id, cid, commitment, args.total, start, sender=sender)
    name = circuit_id_text(run_id)
    emit(args, {"run_id": name, "institution": sender, "circuit_id": circuit_id_text(cid), "dataset": hex32(commitment),
                "total": args.total, "start_weights": hex32(start), **_tx_json(tx)},
         f"run {name} of {sender} opened in block {tx.block_number}: {args.total} segment(s) of "
         f"{circuit_id_text(cid)} over {hex32(commitment)} from C_W0 {hex32(start)} ({tx.gas_used} gas)")
    return EXIT_OK


def cmd_anchor_aggregate(args: argparse.Namespace) -> int:
    """Anchor a federated aggregate."""
    from ..anchor.encoding import MIN_AGGREGATE_INPUTS, circuit_id_bytes, circuit_id_text, hex32
    from ..groth16.snarkjs_json import load_public

    proof, public = _load_proof(args)
    cid = circuit_id_bytes(args.circuit_id)
    if len(public) < MIN_AGGREGATE_INPUTS:
        raise InputError(f"{args.public} has {len(public)} public inputs; an aggregation has at least {MIN_AGGREGATE_INPUTS}")
    members = []
    for spec in args.member:
        member_id, sep, path = spec.partition("=")
        if not sep or not member_id or not path:
            raise InputError(f"--member {spec!r} is not CIRCUIT_ID=PUBLIC.json")
        members.append((circuit_id_bytes(member_id), load_public(path)))
    if len(members) != len(public) - 3:
        raise InputError(f"{args.public} names {len(public) - 3} member model(s) but {len(members)} --member were given")
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    sender = _account(chain, args.account)
    tx = _proof_tx(args, lambda: registry.anchor_aggregate(cid, proof, public, members, sender=sender))
    if tx is None:
        return EXIT_FALSE
    from ..anchor.encoding import statement_hash

    result = {"anchored": True, "statement_hash": tx.value, "aggregator": sender, "circuit_id": circuit_id_text(cid),
              "previous_model": hex32(public[1]), "global_model": hex32(public[-1]),
              "members": ["0x" + statement_hash(m, v).hex() for m, v in members], **_tx_json(tx)}
    emit(args, result, f"aggregate {tx.value} of {len(members)} member(s) recorded in block {tx.block_number} "
         f"({tx.gas_used} gas)")
    return EXIT_OK


def _bundle(path_text: str, kind: str):
    """(statement, proof, public inputs) of a proof directory holding a statement of ``kind``."""
    from ..proofs import ProofBundle

    bundle = ProofBundle.load(path_text)
    found = bundle.statement.spec.kind
    if found != kind:
        raise InputError(f"{path_text!r} holds a {found} proof, not an {kind} proof" if kind[0] in "aeiou"
                         else f"{path_text!r} holds a {found} proof, not a {kind} proof")
    return bundle.statement, bundle.proof, bundle.public_inputs()


def cmd_request_erasure(args: argparse.Namespace) -> int:
    """File an erasure request."""
    from ..addresses import format_address
    from ..anchor.encoding import hex32, parse_commitment

    owner_text, commitment, leaf = args.owner, None, None
    if args.commitment is not None:
        commitment = parse_commitment(args.commitment, "--commitment")
    if args.receipt is not None:
        from ..commit.receipts import check_presence, load_receipt

        receipt = load_receipt(args.receipt)
        if not check_presence(receipt):
            raise InputError(f"the receipt {args.receipt!r} does not lead to the commitment it names: it is damaged "
                             "or not a receipt of that dataset")
        if commitment is not None and commitment != receipt.commitment:
            raise InputError(f"the receipt is for dataset {hex32(receipt.commitment)}, not --commitment {hex32(commitment)}")
        commitment, leaf = receipt.commitment, receipt.leaf
        receipt_owner = format_address(receipt.owner)
        if owner_text is None:
            owner_text = receipt_owner
    else:
        leaf = parse_commitment(args.leaf, "--leaf")
        receipt_owner = None
    if owner_text is None or commitment is None:
        raise InputError("name the institution and the dataset: --owner and --commitment (or a --receipt)")
    _, chain, registry = _open(args)
    owner = _account(chain, owner_text, "--owner", unlocked=False)
    if receipt_owner is not None and owner.lower() != receipt_owner.lower():
        raise InputError(f"the receipt is for a dataset of {receipt_owner}, not of --owner {owner}")
    sender = _account(chain, args.account)
    dataset = registry.dataset(owner, commitment)
    tx = registry.request_erasure(owner, commitment, leaf, sender=sender)
    info = registry.erasure_request(tx.value)
    result = {"request_id": tx.value, "owner": owner, "dataset": hex32(commitment), "leaf": hex32(leaf),
              "requester": sender, "deadline": info.deadline, **_tx_json(tx)}
    text = (f"erasure request {tx.value} filed with {owner} for its dataset {hex32(commitment)} "
            f"(leaf {hex32(leaf)}) in block {tx.block_number}: due by block {info.deadline}")
    if dataset.erased:
        current = registry.current_dataset(owner, commitment)
        result["current_dataset"] = hex32(current.commitment)
        text += (f"\n(the dataset was since erased into {hex32(current.commitment)}; the request follows the record "
                 "there, unless the record was among those already erased)")
    emit(args, result, text)
    return EXIT_OK


def _pending_for(registry, sender: str, commitment: int, leaves: list[int]) -> list[int]:
    """The pending request ids to ``sender`` naming each leaf (about C_D or a dataset it descends from)."""
    from ..anchor.encoding import hex32

    lineage, current = {commitment}, registry.dataset(sender, commitment)
    while current.erased_from and current.erased_from not in lineage:
        lineage.add(current.erased_from)
        current = registry.dataset(sender, current.erased_from)
    pending: dict[int, int] = {}
    for r in registry.pending_erasure_requests(sender):
        if r.dataset in lineage:
            pending.setdefault(r.leaf, r.request_id)
    missing = [hex32(leaf) for leaf in leaves if leaf not in pending]
    if missing:
        raise InputError(f"no pending erasure request to {sender} names the leaf {missing[0]}: pass --request IDs")
    return [pending[leaf] for leaf in leaves]


def cmd_anchor_erasure(args: argparse.Namespace) -> int:
    """Answer erasure requests with an erasure proof."""
    from ..anchor.encoding import circuit_id_bytes, circuit_id_text, hex32

    statement, proof, public = _bundle(args.proofdir, "erasure")
    cid = circuit_id_bytes(args.circuit_id)
    if args.request is not None and len(args.request) != len(statement.leaves):
        raise InputError(f"the proof erases {len(statement.leaves)} record(s) but {len(args.request)} --request id(s) "
                         "were given (one per leaf, in the proof's order)")
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    sender = _account(chain, args.account)
    ids = args.request if args.request is not None else _pending_for(registry, sender, statement.before,
                                                                      list(statement.leaves))
    tx = _proof_tx(args, lambda: registry.anchor_erasure(cid, proof, public, ids, sender=sender))
    if tx is None:
        return EXIT_FALSE
    result = {"anchored": True, "statement_hash": tx.value, "institution": sender, "circuit_id": circuit_id_text(cid),
              "dataset": hex32(statement.before), "new_dataset": hex32(statement.after), "request_ids": ids,
              **_tx_json(tx)}
    emit(args, result, f"erasure {tx.value} recorded in block {tx.block_number} ({tx.gas_used} gas): request(s) "
         f"{', '.join(map(str, ids))} answered; dataset {hex32(statement.before)} is erased, "
         f"{hex32(statement.after)} takes its place")
    return EXIT_OK


def cmd_refute_erasure(args: argparse.Namespace) -> int:
    """Refute erasure requests with a non-membership proof."""
    from ..anchor.encoding import circuit_id_bytes, circuit_id_text, hex32

    statement, proof, public = _bundle(args.proofdir, "nonmembership")
    cid = circuit_id_bytes(args.circuit_id)
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    sender = _account(chain, args.account)
    if args.request is not None:
        ids = list(args.request)
    else:
        leaves = set(statement.leaves)
        ids = [r.request_id for r in registry.pending_erasure_requests(sender)
               if r.dataset == statement.commitment and r.leaf in leaves]
        if not ids:
            raise InputError(f"no pending erasure request to {sender} about dataset {hex32(statement.commitment)} "
                             "names a leaf of this proof: pass --request IDs")
    tx = _proof_tx(args, lambda: registry.refute_erasure(cid, proof, public, ids, sender=sender), "refuted")
    if tx is None:
        return EXIT_FALSE
    result = {"refuted": True, "statement_hash": tx.value, "institution": sender, "circuit_id": circuit_id_text(cid),
              "dataset": hex32(statement.commitment), "leaves": [hex32(v) for v in statement.leaves],
              "request_ids": ids, **_tx_json(tx)}
    emit(args, result, f"request(s) {', '.join(map(str, ids))} refuted in block {tx.block_number} ({tx.gas_used} gas): "
         f"{statement.describe()}")
    return EXIT_OK


def cmd_anchor_validity(args: argparse.Namespace) -> int:
    """Anchor a validity claim."""
    from ..anchor.encoding import circuit_id_bytes, circuit_id_text, hex32

    statement, proof, public = _bundle(args.proofdir, "validity")
    cid = circuit_id_bytes(args.circuit_id)
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    sender = _account(chain, args.account)
    tx = _proof_tx(args, lambda: registry.anchor_validity(cid, proof, public, sender=sender))
    if tx is None:
        return EXIT_FALSE
    result = {"anchored": True, "statement_hash": tx.value, "institution": sender, "circuit_id": circuit_id_text(cid),
              "dataset": hex32(statement.dataset_commitment), "schema_digest": str(public[2]),
              "claim": statement.spec.describe(), **_tx_json(tx)}
    emit(args, result, f"validity claim {tx.value} recorded in block {tx.block_number} ({tx.gas_used} gas): dataset "
         f"{hex32(statement.dataset_commitment)} satisfies {statement.spec.describe()}")
    return EXIT_OK


def cmd_challenge(args: argparse.Namespace) -> int:
    """Challenge an optimistic anchor."""
    _, chain, registry = _open(args)
    tx = registry.challenge(args.statement, sender=_account(chain, args.account))
    emit(args, {"statement_hash": args.statement, "deadline": tx.value, **_tx_json(tx)},
         f"anchor {args.statement} challenged: its proof is due by block {tx.value}")
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    """Reveal an optimistic anchor's proof."""
    from ..anchor.encoding import statement_hash

    proof, public = _load_proof(args)
    record, chain, registry = _open(args)
    _check_inputs_fit(record, args.circuit_id, public)
    tx = registry.resolve(args.circuit_id, proof, public, sender=_account(chain, args.account))
    statement = "0x" + statement_hash(args.circuit_id, public).hex()
    verdict = "valid" if tx.value else "invalid"
    emit(args, {"statement_hash": statement, "valid": tx.value, "status": verdict, **_tx_json(tx)},
         f"{'OK' if tx.value else 'INVALID'}: anchor {statement} is now {verdict} (block {tx.block_number})")
    return EXIT_OK if tx.value else EXIT_FALSE


def cmd_expire(args: argparse.Namespace) -> int:
    """Expire a challenged anchor whose proof never came."""
    _, chain, registry = _open(args)
    tx = registry.expire(args.statement, sender=_account(chain, args.account))
    emit(args, {"statement_hash": args.statement, "status": "invalid", **_tx_json(tx)},
         f"anchor {args.statement} expired: marked invalid in block {tx.block_number}")
    return EXIT_OK


def _vk_overrides(specs: list[str]) -> dict:
    from ..anchor.encoding import circuit_id_bytes
    from ..groth16.snarkjs_json import load_verification_key

    out = {}
    for spec in specs:
        cid, sep, path = spec.partition("=")
        if not sep or not cid or not path:
            raise InputError(f"--vk {spec!r} is not CIRCUIT_ID=VK.json")
        out[circuit_id_bytes(cid)] = load_verification_key(path)
    return out


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit a registry."""
    from ..anchor.audit import MISMATCH, audit_report, format_report

    vks = _vk_overrides(args.vk)
    record, chain, _ = _open(args)
    head = chain.w3.eth.block_number
    if args.from_block is not None and args.from_block < 0:
        raise InputError("--from-block must be a block number (0 or more)")
    if args.from_block is not None and args.from_block > head:
        reason = f"nothing was checked: --from-block {args.from_block} is beyond the chain head (block {head})"
        emit(args, {"registry": record.registry, "chain_id": record.chain_id, "checked": False, "reason": reason,
                    "rows": [], "runs": [], "erasure_requests": [], "superseded": [], "validity": [],
                    "expired_datasets": [], "overdue": 0, "mismatches": 0}, reason)
        return EXIT_FALSE
    report = audit_report(chain, record, vks, from_block=args.from_block)
    mismatches = sum(r.verdict == MISMATCH for r in report.rows)
    emit(args, {"registry": record.registry, "chain_id": record.chain_id, "checked": True, **report.to_json(),
                "mismatches": mismatches}, format_report(report))
    return EXIT_FALSE if mismatches else EXIT_OK
