"""The training commands: commit, train, prove-training, verify-training."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import InputError
from ..progress import step_bar
from .output import add_json_flag, emit

ZERO_ADDRESS = "0x" + "0" * 40


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "commit",
        help="quantize a data set and commit to it (hiding, salted)",
        description="Quantize a CSV file (or a scikit-learn bundled data set) to signed fixed point and "
        "commit to it. DATASETDIR gets data.npz and salt.json (private) and commitment.json (public).",
    )
    p.add_argument("data", metavar="DATA.csv", nargs="?", help="CSV file with a header row")
    p.add_argument("--target", metavar="COLUMN", help="the CSV column to predict")
    p.add_argument("--sklearn", metavar="NAME", help="use a scikit-learn bundled data set instead (offline)")
    p.add_argument("--frac-bits", type=int, default=8, help="fractional bits of the fixed point (default: %(default)s)")
    p.add_argument("--value-bits", type=int, default=24, help="signed bits every value must fit (default: %(default)s)")
    p.add_argument("-o", "--output", metavar="DATASETDIR", required=True, help="new directory to write")
    add_json_flag(p)
    p.set_defaults(handler=cmd_commit)

    p = sub.add_parser(
        "train",
        help="train a model exactly as the circuit will",
        description="Train by full-batch gradient descent in integer fixed point (bit for bit what the "
        "circuit proves). MODELDIR gets model.json (public) and weights.json (private).",
    )
    p.add_argument("dataset", metavar="DATASETDIR", help="directory written by 'zkanchor commit'")
    p.add_argument("--model", choices=("linreg", "logreg", "mlp"), required=True, help="model kind")
    p.add_argument("--hidden", type=int, default=0, help="hidden ReLU units of an mlp (default: 4 for mlp)")
    p.add_argument("--epochs", type=int, required=True, help="epochs of full-batch gradient descent")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate on the mean loss (default: %(default)s)")
    p.add_argument("--weight-bits", type=int, default=24, help="signed bits of each weight update (default: %(default)s)")
    p.add_argument("--lr-shift", type=int, default=24, help="precision bits of the learning rate (default: %(default)s)")
    p.add_argument("-o", "--output", metavar="MODELDIR", required=True, help="directory to write")
    add_json_flag(p)
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser(
        "prove-training",
        help="prove that a model was trained on a committed data set",
        description="Prove the training statement (DESIGN.md): the committed data, run through the declared "
        "training from C_W0, gives C_W. OUTDIR gets proof.json, public.json, statement.json and "
        "verification_key.json. Keys are cached by circuit hash.",
    )
    p.add_argument("dataset", metavar="DATASETDIR")
    p.add_argument("model", metavar="MODELDIR")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    p.add_argument("--institution", metavar="ADDR", default=ZERO_ADDRESS,
                   help="the prover's Ethereum address, public input 0 (default: the zero address)")
    p.add_argument("--test", metavar="TESTDIR", help="committed test set for the evaluation clause")
    p.add_argument("--min-accuracy", type=float, help="claim: test accuracy >= this fraction (logreg)")
    p.add_argument("--max-mse", type=float, help="claim: test mean squared error <= this (linreg)")
    p.add_argument("--max-gradient", type=float, metavar="EPS",
                   help="optimality claim: every component of the L2-regularised mean-loss gradient is <= EPS")
    p.add_argument("--l2", type=float, default=0.0, metavar="LAMBDA",
                   help="L2 coefficient of the optimality claim's loss (default: %(default)s)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove_training)

    p = sub.add_parser(
        "verify-training",
        help="check a training proof and its statement in Python",
        description="Check OUTDIR's proof against its statement.json (which fixes the public inputs) and "
        "verification_key.json. Exit 0 if valid, 1 if not, 2 if the files are unusable.",
    )
    p.add_argument("outdir", metavar="OUTDIR", help="directory written by 'zkanchor prove-training'")
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify_training)


def cmd_commit(args: argparse.Namespace) -> int:
    from ..commit import commit_dataset, load_sklearn, quantize, read_csv, save_dataset_dir

    if (args.data is None) == (args.sklearn is None):
        raise InputError("give either DATA.csv (with --target) or --sklearn NAME")
    if args.data is not None:
        if not args.target:
            raise InputError("a CSV file needs --target COLUMN, the column to predict")
        table = read_csv(args.data, args.target)
    else:
        table = load_sklearn(args.sklearn)
    dataset = quantize(table, args.frac_bits, args.value_bits)
    commitment, salt = commit_dataset(dataset)
    out = save_dataset_dir(args.output, dataset, salt, commitment)
    emit(args, {"dataset": str(out), "commitment": str(commitment.commitment), "n": dataset.n, "d": dataset.d},
         f"committed {dataset.n} rows x {dataset.d} features to C_D = {commitment.commitment}\n"
         f"(data and salt are private in {out}/; commitment.json is public)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ..commit import load_dataset_dir
    from ..models.spec import make_spec
    from ..training.api import train_model
    from ..training.modeldir import save_model_dir

    dataset, _salt, commitment = load_dataset_dir(args.dataset)
    spec = make_spec(args.model, dataset.n, dataset.d, args.epochs, args.lr, frac_bits=dataset.frac_bits,
                     value_bits=dataset.value_bits, weight_bits=args.weight_bits, lr_shift=args.lr_shift,
                     hidden=args.hidden or (4 if args.model == "mlp" else 0))
    started = time.perf_counter()
    opening = train_model(spec, dataset)
    out = save_model_dir(args.output, spec, opening, commitment.commitment)
    weights = [w / 2**spec.frac_bits for w in opening.final]
    emit(args, {"model": str(out), "spec": spec.to_json(), "weights": weights,
                "seconds": round(time.perf_counter() - started, 3)},
         f"trained {spec.model} for {spec.epochs} epochs on {spec.n} x {spec.d}; model in {out}/")
    return 0


def _test_set(args, spec):
    from ..commit import load_dataset_dir
    from ..training.circuit import EvalSet

    if args.test is None:
        if args.min_accuracy is not None or args.max_mse is not None:
            raise InputError("--min-accuracy and --max-mse need --test TESTDIR")
        return None
    dataset, salt, _ = load_dataset_dir(args.test)
    if (args.min_accuracy is None) == (args.max_mse is None):
        raise InputError("with --test give exactly one claim: --min-accuracy (logreg) or --max-mse (linreg)")
    if args.min_accuracy is not None:
        if not 0 <= args.min_accuracy <= 1:
            raise InputError("--min-accuracy is a fraction between 0 and 1")
        import math
        return EvalSet(dataset, salt, "accuracy", math.ceil(args.min_accuracy * dataset.n))
    f = spec.frac_bits
    # MSE <= m  <=>  SSE at scale 2^4f <= m * n * 2^4f; rounded down so the claim is never weaker.
    return EvalSet(dataset, salt, "sse", int(args.max_mse * dataset.n * 2 ** (4 * f)))


def _optimality(args, spec):
    from ..models import model_module
    from ..training.statement import Optimality

    if args.max_gradient is None:
        if args.l2:
            raise InputError("--l2 only makes sense with --max-gradient")
        return None
    if args.max_gradient < 0 or args.l2 < 0:
        raise InputError("--max-gradient and --l2 must be non-negative")
    scale = model_module(spec.model).error_scale(spec) + spec.frac_bits
    # Both rounded toward the weaker-for-the-prover side: l2 to nearest, the bound down.
    return Optimality(round(spec.n * args.l2 * 2**spec.frac_bits), int(args.max_gradient * spec.n * 2**scale))


def cmd_prove_training(args: argparse.Namespace) -> int:
    from ..commit import load_dataset_dir
    from ..groth16.snarkjs_json import save_proof, save_public, save_verification_key
    from ..training.api import prove_training
    from ..training.modeldir import load_model_dir
    from ..training.statement import parse_address, save_statement

    dataset, salt, commitment = load_dataset_dir(args.dataset)
    spec, opening, public_model = load_model_dir(args.model)
    if str(commitment.commitment) != str(public_model.get("dataset_commitment")):
        raise InputError("the model in MODELDIR was not trained on this dataset (its dataset_commitment differs)")
    institution = parse_address(args.institution)
    test = _test_set(args, spec)
    optimality = _optimality(args, spec)
    started = time.perf_counter()
    with step_bar("prove-training", 7, enabled=not args.json) as tick:
        result = prove_training(spec, dataset, salt, opening, institution, test, optimality, progress=tick)
    elapsed = time.perf_counter() - started
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    save_proof(result.proof, out / "proof.json")
    save_public(result.statement.public_inputs(), out / "public.json")
    save_verification_key(result.vk, out / "verification_key.json")
    save_statement(result.statement, out / "statement.json")
    emit(args, {"outdir": str(out), "constraints": result.constraints, "circuit_hash": result.circuit_hash,
                "setup_cached": result.setup_cached, "seconds": round(elapsed, 3),
                "statement": result.statement.to_json()},
         f"proved training ({result.constraints:,} constraints, {elapsed:.1f} s"
         f"{', keys from cache' if result.setup_cached else ''}); proof and statement in {out}/")
    return 0


def cmd_verify_training(args: argparse.Namespace) -> int:
    from ..groth16.snarkjs_json import load_proof, load_public, load_verification_key
    from ..training.api import verify_training
    from ..training.statement import load_statement

    out = Path(args.outdir)
    statement = load_statement(out / "statement.json")
    proof = load_proof(out / "proof.json")
    vk = load_verification_key(out / "verification_key.json")
    if (out / "public.json").exists() and load_public(out / "public.json") != statement.public_inputs():
        raise InputError("public.json does not match statement.json's public inputs")
    if vk.n_public != len(statement.public_inputs()):
        raise InputError("the verification key does not fit this statement (wrong number of public inputs)")
    ok = verify_training(vk, proof, statement)
    emit(args, {"valid": ok, "statement": statement.to_json()},
         ("OK: " if ok else "INVALID: ") + f"{statement.spec.model} trained for {statement.spec.epochs} epochs on "
         f"C_D = {statement.dataset_commitment} by {statement.to_json()['institution']}")
    return 0 if ok else 1
