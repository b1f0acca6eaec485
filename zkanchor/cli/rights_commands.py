"""Data subjects' rights: receipts, erasure and its proof (``verify-receipt``, ``erase``, ``prove-erasure``),
and the proof that named records are not in a dataset (``prove-nonmembership``, which refutes a request
for a record the dataset never held).

The registry side (``request-erasure``, the answer's anchoring or a request's refutation, and the
audit's deadlines) lives with the other anchoring commands.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .output import add_json_flag, emit


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "verify-receipt",
        help="check offline that a receipt's record is in a committed dataset (or was erased from it)",
        description="Recompute a receipt's leaf, Merkle root and dataset commitment and compare them with "
        "--commitment (default: the commitment the receipt names). With --erasure PROOFDIR, check instead that "
        "the record was removed: the erasure proof verifies (with a key bound to its circuit) and lists the "
        "receipt's leaf. Exit 0 if the check holds, 1 if not, 2 for unusable files.",
    )
    p.add_argument("receipt", metavar="RECEIPT", help="a receipt file written by 'zkanchor commit --receipts'")
    p.add_argument("--commitment", metavar="C_D", help="the anchored dataset commitment (decimal or 0x hex)")
    p.add_argument("--erasure", metavar="PROOFDIR", help="an erasure proof directory ('zkanchor prove-erasure')")
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[],
                   help="a key directory to trust for the erasure circuit")
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify_receipt)

    p = sub.add_parser(
        "erase",
        help="erase records from a committed dataset (their leaves become tombstones)",
        description="Write NEWDIR: DATASETDIR with the records whose leaves are named (by --leaf, or by receipt "
        "files) erased — their values deleted, their leaves tombstoned — under the same salt, so every other "
        "leaf is unchanged; commitment.json holds the new C_D'.",
    )
    p.add_argument("dataset", metavar="DATASETDIR")
    p.add_argument("--leaf", action="append", default=[], metavar="LEAF", help="a requested record's leaf")
    p.add_argument("--receipt", action="append", default=[], metavar="RECEIPT", help="a requested record's receipt")
    p.add_argument("-o", "--output", metavar="NEWDIR", required=True)
    add_json_flag(p)
    p.set_defaults(handler=cmd_erase)

    p = sub.add_parser(
        "prove-erasure",
        help="prove that a dataset commitment is another with exactly the requested records removed",
        description="Prove the erasure statement: NEWDIR's commitment is DATASETDIR's with exactly the erased "
        "records' leaves tombstoned and nothing else changed. OUTDIR gets statement.json, proof.json, public.json "
        "and bundle.json.",
    )
    p.add_argument("dataset", metavar="DATASETDIR", help="the dataset before the erasure")
    p.add_argument("erased", metavar="NEWDIR", help="the dataset after it ('zkanchor erase')")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[])
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove_erasure)

    p = sub.add_parser(
        "prove-nonmembership",
        help="prove that a committed dataset holds none of some named records (refutes a bogus erasure request)",
        description="Prove the non-membership statement: no record of the dataset committed in DATASETDIR has any of "
        "the leaves named by --leaf (what an erasure request names), for its institution and its number of records, "
        "without showing the data. A leaf the dataset holds is refused with one sentence (answer that request with "
        "an erasure instead). OUTDIR gets statement.json, proof.json, public.json and bundle.json; anchor it with "
        "'zkanchor refute-erasure'.",
    )
    p.add_argument("dataset", metavar="DATASETDIR", help="the dataset the requests name (its commitment is C_D)")
    p.add_argument("--leaf", action="append", default=[], metavar="LEAF",
                   help="a requested leaf (decimal or 0x hex); repeatable")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[])
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove_nonmembership)
    _register_validity(sub)


def _register_validity(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prove-validity",
        help="prove that a committed dataset satisfies a public schema (bounds, labels, balance, unique keys)",
        description="Prove the data-validity statement: the records committed in DATASETDIR satisfy SCHEMA.json — "
        'e.g. {"min_records": 100, "bounds": {"age": [0, 120]}, "labels": [0, 1], "positive": 1, '
        '"min_positive": 10, "max_positive": 90, "key_column": "patient_id"} (values in the data\'s units). '
        "A dataset that breaks a rule is refused with one sentence naming the record. Check the proof with "
        "'zkanchor verify-training OUTDIR' (it verifies any statement).",
    )
    p.add_argument("dataset", metavar="DATASETDIR")
    p.add_argument("schema", metavar="SCHEMA.json")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[])
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove_validity)


def cmd_prove_validity(args: argparse.Namespace) -> int:
    from ..commit import load_dataset_dir
    from ..fileio import read_json
    from ..proofs import KeyStore, Prover, check_output_dir
    from ..statements import ValidityOpening, ValidityStatement, claim_for

    out = Path(args.output)
    check_output_dir(out)
    dataset, salt, commitment = load_dataset_dir(args.dataset)
    schema = read_json(args.schema, "schema")
    known = {"min_records", "bounds", "labels", "positive", "min_positive", "max_positive", "key_column"}
    if not isinstance(schema, dict) or set(schema) - known:
        raise InputError(f"the schema must be a JSON object with keys among {', '.join(sorted(known))}")
    for key in ("min_records", "min_positive", "max_positive"):
        # Counts are whole numbers: truncating 20.5 to 20 would prove less than was asked.
        if schema.get(key) is not None and (type(schema[key]) is not int or schema[key] < 0):
            raise InputError(f"the schema's {key} must be a whole number of records")
    try:
        bounds = {str(k): (float(v[0]), float(v[1])) for k, v in (schema.get("bounds") or {}).items()}
        claim = claim_for(dataset, bounds, tuple(float(v) for v in schema.get("labels", [])),
                          int(schema.get("min_records", 0)),
                          None if schema.get("positive") is None else float(schema["positive"]),
                          int(schema.get("min_positive", 0)),
                          None if schema.get("max_positive") is None else int(schema["max_positive"]),
                          schema.get("key_column"))
    except (TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise InputError(f"the schema has a malformed value ({exc})") from None
    statement = ValidityStatement(claim, commitment.owner, commitment.commitment)
    bundle = Prover(KeyStore(keydirs=args.keys)).prove(statement, ValidityOpening(dataset, salt))
    bundle.save(out)
    emit(args, {"outdir": str(out), "statement": statement.to_json(), "constraints": bundle.constraints},
         f"proved: {statement.describe()}\n({bundle.constraints:,} constraints; proof in {out}/)")
    return 0


def _commitment_arg(text: str) -> int:
    from ..anchor.encoding import parse_commitment

    return parse_commitment(text, "--commitment")


def cmd_verify_receipt(args: argparse.Namespace) -> int:
    from ..commit.receipts import check_presence, load_receipt

    receipt = load_receipt(args.receipt)
    if args.erasure is None:
        commitment = receipt.commitment if args.commitment is None else _commitment_arg(args.commitment)
        ok = check_presence(receipt, commitment)
        emit(args, {"present": ok, "commitment": str(commitment), "index": receipt.index, "leaf": str(receipt.leaf)},
             (f"OK: record {receipt.index} is in the dataset committed in C_D = {commitment}" if ok else
              f"NOT FOUND: this record is not in the dataset committed in C_D = {commitment}"))
        return 0 if ok else 1
    from ..proofs import KeyStore, ProofBundle, trusted_key, verify_statement
    from ..statements import ErasureStatement

    bundle = ProofBundle.load(args.erasure)
    statement = bundle.statement
    if not isinstance(statement, ErasureStatement):
        raise InputError(f"{args.erasure!r} holds a {statement.spec.kind} proof, not an erasure")
    key = trusted_key(statement, KeyStore(keydirs=args.keys, setup_missing=False))
    valid = verify_statement(statement, bundle.proof, key)
    listed = receipt.leaf in statement.leaves
    anchored = receipt.commitment if args.commitment is None else _commitment_arg(args.commitment)
    from_this = statement.before == anchored and check_presence(receipt, anchored)
    ok = valid and listed and from_this
    why = ("the erasure proof does not verify" if not valid else
           "the erasure does not list this record" if not listed else
           "the erasure is not of the dataset this receipt is for")
    emit(args, {"erased": ok, "before": str(statement.before), "after": str(statement.after),
                "leaf": str(receipt.leaf), "proof_valid": valid, "listed": listed},
         (f"OK: record {receipt.index} was erased: C_D' = {statement.after} no longer holds it" if ok
          else f"NOT ERASED: {why}"))
    return 0 if ok else 1


def cmd_erase(args: argparse.Namespace) -> int:
    from ..commit import commit_dataset, load_dataset_dir, save_dataset_dir
    from ..commit.dataset import load_commitment_extra
    from ..commit.receipts import load_receipt
    from ..statements import erase

    dataset, salt, commitment = load_dataset_dir(args.dataset)
    leaves = [_commitment_arg(v) for v in args.leaf]
    for path in args.receipt:
        receipt = load_receipt(path)
        if receipt.commitment != commitment.commitment:
            raise InputError(f"receipt {path!r} is for another dataset commitment")
        leaves.append(receipt.leaf)
    if not leaves:
        raise InputError("name the records to erase with --leaf or --receipt")
    after = erase(dataset, salt, leaves)
    new_commitment, _ = commit_dataset(after, commitment.owner, salt)
    extra = load_commitment_extra(args.dataset)
    extra["erased_from"] = str(commitment.commitment)
    out = save_dataset_dir(args.output, after, salt, new_commitment, extra)
    emit(args, {"dataset": str(out), "before": str(commitment.commitment), "after": str(new_commitment.commitment),
                "erased": len(leaves), "erased_total": int(after.erased.sum())},
         f"erased {len(leaves)} record{'s' if len(leaves) != 1 else ''}: C_D' = {new_commitment.commitment} (was {commitment.commitment}); "
         f"the new dataset is in {out}/ — prove it with 'zkanchor prove-erasure'")
    return 0


def cmd_prove_erasure(args: argparse.Namespace) -> int:
    import numpy as np

    from ..commit import load_dataset_dir
    from ..commit.commitment import dataset_leaves
    from ..proofs import KeyStore, Prover, check_output_dir
    from ..statements import ErasureOpening, make_erasure

    out = Path(args.output)
    check_output_dir(out)
    before, salt, c_before = load_dataset_dir(args.dataset)
    after, salt_after, c_after = load_dataset_dir(args.erased)
    if salt_after != salt or c_after.owner != c_before.owner or after.n != before.n:
        raise InputError("NEWDIR is not an erasure of DATASETDIR (another salt, owner or size)")
    old, new = dataset_leaves(before, salt), dataset_leaves(after, salt)
    changed = np.nonzero(old != new)[0]
    if not len(changed):
        raise InputError("NEWDIR erases nothing from DATASETDIR")
    statement = make_erasure(c_before.owner, before, salt, [int(old[i]) for i in changed])
    if statement.after != c_after.commitment:
        raise InputError("NEWDIR's commitment is not DATASETDIR's with only erasures")
    bundle = Prover(KeyStore(keydirs=args.keys)).prove(statement, ErasureOpening(before, salt))
    bundle.save(out)
    emit(args, {"outdir": str(out), "statement": statement.to_json(), "constraints": bundle.constraints},
         f"proved: {statement.describe()}\n({bundle.constraints:,} constraints; proof in {out}/)")
    return 0


def cmd_prove_nonmembership(args: argparse.Namespace) -> int:
    from ..anchor.encoding import parse_commitment
    from ..commit import load_dataset_dir
    from ..proofs import KeyStore, Prover, check_output_dir
    from ..statements import NonMembershipOpening, make_nonmembership

    if not args.leaf:
        raise InputError("name the requested records with --leaf (one per request's leaf)")
    out = Path(args.output)
    check_output_dir(out)
    dataset, salt, commitment = load_dataset_dir(args.dataset)
    # 0 parses here so that the statement refuses it in its own words (the tree's padding).
    leaves = [parse_commitment(v, "--leaf", allow_zero=True) for v in args.leaf]
    statement = make_nonmembership(commitment.owner, dataset, salt, leaves)
    if statement.commitment != commitment.commitment:
        raise InputError(f"{args.dataset!r} does not open its own commitment.json: the directory is damaged")
    bundle = Prover(KeyStore(keydirs=args.keys)).prove(statement, NonMembershipOpening(dataset, salt))
    bundle.save(out)
    emit(args, {"outdir": str(out), "statement": statement.to_json(), "constraints": bundle.constraints},
         f"proved: {statement.describe()}\n({bundle.constraints:,} constraints; proof in {out}/)")
    return 0
