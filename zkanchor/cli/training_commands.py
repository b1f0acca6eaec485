"""The training commands: commit, train, prove-training, verify-training, check-keys."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import InputError
from ..progress import step_bar
from .output import add_json_flag, emit


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "commit",
        help="quantize a data set and commit to it for an institution (hiding, salted)",
        description="Quantize a CSV file (or a scikit-learn bundled data set) to signed fixed point and "
        "commit to it for the institution that owns it (its address is bound into the commitment). "
        "DATASETDIR gets data.npz and salt.json (private) and commitment.json (public).",
    )
    p.add_argument("data", metavar="DATA.csv", nargs="?", help="CSV file with a header row")
    p.add_argument("--target", metavar="COLUMN", help="the CSV column to predict")
    p.add_argument("--sklearn", metavar="NAME", help="use a scikit-learn bundled data set instead (offline)")
    p.add_argument("--split", choices=("all", "train", "test"), default="all",
                   help="with --sklearn: the stratified train or test part (default: %(default)s)")
    p.add_argument("--test-rows", type=int, default=None,
                   help="with --split: rows in the test part (default: a quarter of the set)")
    p.add_argument("--split-seed", type=int, default=0, help="with --split: the split's seed (default: 0)")
    p.add_argument("--institution", metavar="ADDR", required=True,
                   help="the owning institution's Ethereum address (bound into the commitment)")
    p.add_argument("--standardize", action="store_true",
                   help="centre and scale every feature by this data's mean and standard deviation (the statistics "
                        "are committed with the data, so every proof over it states them)")
    p.add_argument("--stats-from", metavar="DATASETDIR",
                   help="standardize with another committed set's statistics and use its value width (a test set "
                        "with its training set's; the same statistics are committed)")
    p.add_argument("--frac-bits", type=int, default=8, help="fractional bits of the fixed point (default: %(default)s)")
    p.add_argument("--value-bits", type=int, default=None,
                   help="signed bits every value must fit (default: the narrowest that holds the data)")
    p.add_argument("--consent-column", metavar="COLUMN",
                   help="a CSV column holding each record's consent flags (an integer bitmask of up to 8 purposes); "
                        "it is committed with the record and not used as a feature")
    p.add_argument("--receipts", metavar="DIR",
                   help="also write one private receipt per record into DIR (hand each to its data subject)")
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
    p.add_argument("--weight-bits", type=int, default=None,
                   help="signed bits every weight must stay within (default: frac_bits + 6, i.e. |w| < 32)")
    p.add_argument("--score-bits", type=int, default=0,
                   help="classifiers: signed bits of a score at scale 2^2f (default: 2 frac_bits + 7, logits within +-64)")
    p.add_argument("--lr-shift", type=int, default=None,
                   help="precision bits of the per-sample learning rate (default: about 10 significant bits)")
    p.add_argument("--purpose", type=int, default=-1, metavar="P",
                   help="train only on records that consented to purpose P (their consent flag bit P); the number "
                        "of records left out is public")
    p.add_argument("-o", "--output", metavar="MODELDIR", required=True, help="new directory to write")
    add_json_flag(p)
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser(
        "prove-training",
        help="prove that a model was trained on a committed data set",
        description="Prove the training statement (DESIGN.md): the committed data, run through the declared "
        "training from the public initial weights, gives C_W; optionally an accuracy or MSE on a committed "
        "test set, and a bound on the final gradient. OUTDIR gets statement.json, proof.json, public.json, "
        "bundle.json (circuit hash, constraints, time, memory) and verification_key.json.",
    )
    p.add_argument("dataset", metavar="DATASETDIR")
    p.add_argument("model", metavar="MODELDIR")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    p.add_argument("--institution", metavar="ADDR",
                   help="the prover's address, public input 0 (default and requirement: the dataset's owner)")
    p.add_argument("--test", metavar="TESTDIR", help="committed test set for the evaluation clause")
    p.add_argument("--min-accuracy", type=float, help="claim: test accuracy >= this fraction (classifiers)")
    p.add_argument("--max-mse", type=float, help="claim: test mean squared error <= this (linreg)")
    p.add_argument("--max-gradient", type=float, metavar="EPS",
                   help="optimality claim: every component of the L2-regularised mean-loss gradient is <= EPS")
    p.add_argument("--l2", type=float, default=0.0, metavar="LAMBDA",
                   help="L2 coefficient of the optimality claim's loss (default: %(default)s)")
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[],
                   help="use the keys in KEYDIR (a ceremony's or setup's output) when they fit the circuit")
    p.add_argument("--checkpoint-every", type=int, metavar="K",
                   help="prove the run as segments of K epochs (in parallel), each chaining from the previous "
                        "checkpoint; OUTDIR gets one proof per segment and manifest.json")
    p.add_argument("--scheduler", metavar="ADDR", help="with --checkpoint-every: prove on the Dask cluster at ADDR")
    p.add_argument("--workers", type=int, default=None,
                   help="with --checkpoint-every: local worker processes (default: the CPUs)")
    p.add_argument("--yes", action="store_true", help="prove even when the estimate exceeds the free memory")
    add_json_flag(p)
    p.set_defaults(handler=cmd_prove_training)

    p = sub.add_parser(
        "verify-training",
        help="check a proof (training, checkpointed run, erasure, validity, aggregate) with a key bound to its circuit",
        description="Rebuild the circuit from OUTDIR/statement.json's spec, take a verification key bound to "
        "that circuit (from --keys, --vk, or this machine's key cache; never the one in OUTDIR on its own), "
        "and check the proof against the statement's public inputs. Exit 0 if valid, 1 if not, 2 if the "
        "files are unusable or no trusted key is found.",
    )
    p.add_argument("outdir", metavar="OUTDIR", help="directory written by 'zkanchor prove-training'")
    p.add_argument("--keys", metavar="KEYDIR", action="append", default=[],
                   help="a key directory to trust for this circuit (its setup.json must name the circuit)")
    p.add_argument("--vk", metavar="VK.json", help="a verification key you name explicitly")
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify_training)

    p = sub.add_parser(
        "check-keys",
        help="rebuild a statement's circuit from its spec and check a key directory against it",
        description="Compile the circuit of STATEMENT (a statement.json or a proof directory) from its spec "
        "and check that KEYDIR's keys are bound to it (setup.json, the proving key and the circuit file all "
        "name its hash, the verification key is the proving key's); a ceremony transcript in KEYDIR is "
        "re-verified too when --prepared gives the prepared phase 1. Like snarkjs's zkey verify.",
    )
    p.add_argument("statement", metavar="STATEMENT", help="statement.json, or a directory holding one")
    p.add_argument("keydir", metavar="KEYDIR")
    p.add_argument("--prepared", metavar="PREPARED", help="the prepared phase-1 file of a ceremony")
    add_json_flag(p)
    p.set_defaults(handler=cmd_check_keys)


def _progress_enabled(args) -> bool:
    return not getattr(args, "json", False)


def cmd_commit(args: argparse.Namespace) -> int:
    from ..addresses import format_address, parse_address
    import dataclasses

    from ..commit import commit_dataset, load_sklearn, quantize, read_csv, save_dataset_dir
    from ..commit.preprocessing import Standardization
    from ..commit.quantize import standardize

    owner = parse_address(args.institution)
    if (args.data is None) == (args.sklearn is None):
        raise InputError("give either DATA.csv (with --target) or --sklearn NAME")
    if args.data is not None:
        if not args.target:
            raise InputError("a CSV file needs --target COLUMN, the column to predict")
        if args.split != "all":
            raise InputError("--split applies to --sklearn sets; split a CSV file yourself")
        table = read_csv(args.data, args.target)
    else:
        table = _sklearn_split(load_sklearn(args.sklearn), args.split, args.test_rows, args.split_seed)
    flags = None
    if args.consent_column:
        table, flags = _split_consent(table, args.consent_column)
    record = None
    value_bits = args.value_bits
    if args.stats_from:
        shared = _committed_of(args.stats_from)
        record = shared.preprocessing
        if record is None:
            raise InputError(f"{args.stats_from!r} was not standardized, so it has no statistics to share")
        if record.d != len(table.feature_names):
            raise InputError(f"{args.stats_from!r} holds statistics for {record.d} features, this data has "
                             f"{len(table.feature_names)}")
        table = standardize(table, record.arrays())[0]
        if value_bits is None:
            # A test set must share its training set's width (the circuit has one value_bits), not
            # pick the narrowest width of its own data.
            value_bits = shared.value_bits
    elif args.standardize:
        table, stats = standardize(table)
        record = Standardization.of(stats)
    dataset = quantize(table, args.frac_bits, value_bits)
    if flags is not None:
        from ..commit.dataset import FLAG_BITS, Dataset

        # Flags are committed as a column of the same width: it must hold 8 bits.
        if value_bits is None and dataset.value_bits <= FLAG_BITS:
            dataset = quantize(table, args.frac_bits, FLAG_BITS + 1)
        dataset = Dataset(dataset.features, dataset.targets, dataset.frac_bits, dataset.value_bits,
                          dataset.feature_names, dataset.target_name, flags=flags)
    if record is not None:
        # Committed with the data (C_D's schema binds it), not stored beside it.
        dataset = dataclasses.replace(dataset, preprocessing=record)
    commitment, salt = commit_dataset(dataset, owner)
    out = save_dataset_dir(args.output, dataset, salt, commitment)
    receipts = None
    if args.receipts:
        from ..commit.receipts import make_receipts, save_receipts

        receipts = str(save_receipts(make_receipts(dataset, salt, owner), args.receipts))
    emit(args, {"dataset": str(out), "commitment": str(commitment.commitment), "n": dataset.n, "d": dataset.d,
                "value_bits": dataset.value_bits, "owner": format_address(owner), "receipts": receipts,
                "preprocessing": None if record is None else record.to_json()},
         f"committed {dataset.n} rows x {dataset.d} features ({dataset.value_bits}-bit values"
         f"{'; ' + record.describe() if record is not None else ''}) for "
         f"{format_address(owner)}: C_D = {commitment.commitment}\n"
         f"(data and salt are private in {out}/; commitment.json is public)")
    return 0


def _split_consent(table, column: str):
    """The table without its consent column, and that column as integer flags."""
    import numpy as np

    from ..commit.dataset import FLAG_BITS
    from ..commit.quantize import Table

    if column not in table.feature_names:
        raise InputError(f"the data has no column {column!r} for --consent-column")
    j = table.feature_names.index(column)
    raw = table.features[:, j]
    if not np.all((raw == np.round(raw)) & (raw >= 0) & (raw < 2 ** FLAG_BITS)):
        bad = int(np.argmax(~((raw == np.round(raw)) & (raw >= 0) & (raw < 2 ** FLAG_BITS))))
        raise InputError(f"{table.where(bad, j)}: consent flags must be integers from 0 to {2 ** FLAG_BITS - 1}")
    keep = [k for k in range(len(table.feature_names)) if k != j]
    rest = Table(table.features[:, keep], table.targets, tuple(table.feature_names[k] for k in keep),
                 table.target_name, table.source, table.lines)
    return rest, raw.astype(np.int64)


def _sklearn_split(table, split: str, test_rows, seed: int):
    import numpy as np

    from ..commit.quantize import from_arrays

    if split == "all":
        if test_rows is not None:
            raise InputError("--test-rows needs --split train or --split test")
        return table
    from sklearn.model_selection import train_test_split

    n = table.features.shape[0]
    test_rows = test_rows if test_rows is not None else max(1, n // 4)
    if not 1 <= test_rows < n:
        raise InputError(f"--test-rows must be between 1 and {n - 1}")
    stratify = table.targets if len(np.unique(table.targets)) <= 20 else None
    train_idx, test_idx = train_test_split(np.arange(n), test_size=test_rows, stratify=stratify,
                                           random_state=seed)
    idx = np.sort(train_idx if split == "train" else test_idx)
    return from_arrays(table.features[idx], table.targets[idx], table.feature_names, table.target_name,
                       f"{table.source} ({split} split)")


def _committed_of(directory: str):
    """The public commitment.json of the set whose statistics --stats-from shares (the statistics C binds)."""
    from ..commit import load_commitment

    return load_commitment(directory)


def cmd_train(args: argparse.Namespace) -> int:
    from ..commit import load_dataset_dir
    from ..models import model_module
    from ..models.spec import spec_for
    from ..statements.training import evaluate
    from ..training.api import train_model
    from ..training.modeldir import save_model_dir

    dataset, _salt, commitment = load_dataset_dir(args.dataset)
    kind = model_module(args.model)
    spec = spec_for(args.model, dataset, args.epochs, args.lr, weight_bits=args.weight_bits,
                    lr_shift=args.lr_shift, hidden=args.hidden or (4 if args.model == "mlp" else 0),
                    score_bits=args.score_bits, purpose=args.purpose)
    started = time.perf_counter()
    if kind.CLASSIFIER:
        kind.check_targets(spec, dataset.targets)
    model = train_model(spec, dataset)
    seconds = time.perf_counter() - started
    from ..statements.training import training_mask

    mask = training_mask(spec, dataset)
    # Metrics over the records the model was trained on (left-out and erased ones had no say).
    trained = int(mask.sum()) if mask is not None else dataset.n
    metric = evaluate(spec, dataset, model.final, mask) if trained else 0
    if kind.CLASSIFIER:
        features = dataset.features if mask is None else dataset.features[mask]
        scores = kind.scores_np(spec, features, list(model.final))
        positive = int(sum(1 for z in scores if z >= 0))
        metrics = {"train_accuracy": metric / max(trained, 1)}
        summary = f"training accuracy {metric / max(trained, 1):.4f}"
        if trained and positive in (0, trained):
            # Unscaled features are the usual cause; once they are standardised, the step or the run's length is.
            advice = ("lower the learning rate or train for more epochs" if dataset.preprocessing is not None
                      else "standardize the features (--standardize at commit) or lower the learning rate")
            sys.stderr.write(f"zkanchor: warning: the model predicts class {int(positive > 0)} for every training "
                             f"row; {advice}\n")
    else:
        mse = metric / max(trained, 1) / 2 ** (4 * spec.frac_bits)
        metrics = {"train_mse": mse}
        summary = f"training MSE {mse:.6g}"
    if mask is not None:
        metrics["excluded_records"] = int(spec.n - mask.sum())
        summary += f"; {metrics['excluded_records']} records left out (no consent or erased)"
    out = save_model_dir(args.output, spec, model, commitment.commitment, {"metrics": metrics})
    weights = [w / 2**spec.frac_bits for w in model.final]
    emit(args, {"model": str(out), "spec": spec.to_json(), "weights": weights, "metrics": metrics,
                "seconds": round(seconds, 3)},
         f"trained {spec.model} for {spec.epochs} epochs on {spec.n} x {spec.d} ({summary}); model in {out}/")
    return 0


def cmd_prove_training(args: argparse.Namespace) -> int:
    from ..addresses import format_address, parse_address
    from ..commit import load_dataset_dir
    from ..proofs import KeyStore, Prover, check_output_dir
    from ..proofs.estimate import available_memory, estimate
    from ..statements import compile
    from ..statements.training import Evaluation, TrainingClaim, TrainingOpening, make_statement
    from ..training.api import accuracy_threshold, mse_threshold, optimality_values
    from ..training.modeldir import load_model_dir

    out = Path(args.output)
    if args.checkpoint_every is None or not (out / "manifest.json").is_file():
        check_output_dir(out)  # a checkpointed run resumes into its own directory (prove_run checks it is)
    dataset, salt, commitment = load_dataset_dir(args.dataset)
    spec, model, public_model = load_model_dir(args.model)
    if str(commitment.commitment) != str(public_model.get("dataset_commitment")):
        raise InputError("the model in MODELDIR was not trained on this dataset (its dataset_commitment differs)")
    institution = commitment.owner
    if args.institution is not None and parse_address(args.institution) != institution:
        raise InputError(f"the dataset was committed for {format_address(institution)}, so only that address can "
                         "prove training on it")
    from ..commit import verify_opening

    # The proof's C_D is computed from data.npz and salt.json: it must be the C_D committed (and anchored).
    if not verify_opening(dataset, salt, commitment):
        raise InputError(f"the data and salt in {args.dataset} no longer open its commitment.json "
                         "(was data.npz or salt.json edited after commit?)")
    from ..models import model_module

    kind = model_module(spec.model)
    test = None
    evaluation, threshold = None, None
    if args.test is not None:
        test_ds, test_salt, test_commitment = load_dataset_dir(args.test)
        if test_commitment.owner != institution:
            raise InputError("the test set was committed for another institution")
        if (test_ds.frac_bits, test_ds.value_bits) != (dataset.frac_bits, dataset.value_bits):
            raise InputError(f"the test set holds {test_ds.value_bits}-bit values with frac_bits {test_ds.frac_bits}, "
                             f"the training set {dataset.value_bits}-bit values with frac_bits {dataset.frac_bits}; "
                             f"commit the test set again with --value-bits {dataset.value_bits} --frac-bits "
                             f"{dataset.frac_bits} (or --stats-from the training set)")
        if not verify_opening(test_ds, test_salt, test_commitment):
            raise InputError(f"the data and salt in {args.test} no longer open its commitment.json "
                             "(was data.npz or salt.json edited after commit?)")
        test = (test_ds, test_salt)
        if (args.min_accuracy is None) == (args.max_mse is None):
            raise InputError("with --test give exactly one claim: --min-accuracy (classifiers) or --max-mse (linreg)")
        if args.min_accuracy is not None:
            if not kind.CLASSIFIER:
                raise InputError(f"a {spec.model} model is evaluated by --max-mse, not --min-accuracy")
            evaluation, threshold = Evaluation("accuracy", test_ds.n), accuracy_threshold(args.min_accuracy, test_ds.n)
        else:
            if kind.CLASSIFIER:
                raise InputError(f"a {spec.model} model is evaluated by --min-accuracy, not --max-mse")
            evaluation = Evaluation("mse", test_ds.n)
            threshold = mse_threshold(args.max_mse, test_ds.n, spec.frac_bits)
    elif args.min_accuracy is not None or args.max_mse is not None:
        raise InputError("--min-accuracy and --max-mse need --test TESTDIR")
    l2, bound = None, None
    if args.max_gradient is not None:
        if not kind.CONVEX:
            raise InputError(f"--max-gradient is for convex models (linreg, logreg), not {spec.model}")
        l2, bound = optimality_values(spec, args.max_gradient, args.l2)
    elif args.l2:
        raise InputError("--l2 only makes sense with --max-gradient")
    if args.checkpoint_every is not None:
        if evaluation is not None or args.max_gradient is not None:
            raise InputError("a checkpointed run proves the training itself; prove the evaluation or optimality "
                             "clause on a whole-run proof (without --checkpoint-every)")
        return _prove_segments(args, out, spec, dataset, salt, model, institution)
    if args.scheduler is not None:
        raise InputError("--scheduler applies to checkpointed runs (--checkpoint-every K)")
    claim = TrainingClaim(spec, evaluation, args.max_gradient is not None)
    opening = TrainingOpening(dataset, salt, model, test)
    statement = make_statement(claim, institution, opening, threshold, l2, bound)
    statement.check_opening(opening)

    keys = KeyStore(keydirs=args.keys)
    circuit = compile(claim)
    cost = estimate(circuit.constraints)
    need_setup = keys.verification_key(circuit.hash) is None
    free = available_memory()
    if not args.json:
        sys.stderr.write(f"zkanchor: proving {cost.describe(need_setup)}\n")
    if free is not None and cost.peak_bytes > free and not args.yes:
        raise InputError(f"this proof needs about {cost.peak_bytes / 2**30:.1f} GB but only {free / 2**30:.1f} GB "
                         "is free; pass --yes to try anyway, or prove in checkpoint segments")
    started = time.perf_counter()
    with step_bar("prove-training", 7, enabled=_progress_enabled(args)) as tick:
        bundle = Prover(keys, tick).prove(statement, opening, check=False)
    elapsed = time.perf_counter() - started
    bundle.save(out)
    emit(args, {"outdir": str(out), "constraints": bundle.constraints, "circuit_hash": bundle.circuit_hash,
                "keys": bundle.info.get("keys"), "seconds": round(elapsed, 3),
                "peak_memory_bytes": bundle.info.get("peak_memory_bytes"), "statement": statement.to_json()},
         f"proved: {statement.describe()}\n({bundle.constraints:,} constraints, {elapsed:.1f} s, "
         f"keys: {bundle.info['keys']['kind']}; proof and statement in {out}/)")
    return 0


def _prove_segments(args, out: Path, spec, dataset, salt, model, institution) -> int:
    from ..executor import make_executor
    from ..proofs import KeyStore
    from ..proofs.estimate import estimate
    from ..statements import compile
    from ..training.checkpoints import check_run_dir, plan_run, prove_run

    plan = plan_run(spec, dataset, salt, model, institution, args.checkpoint_every)
    check_run_dir(plan, out)  # before the estimate: a refusal is the only line printed
    keys = KeyStore(keydirs=args.keys)
    circuit = compile(plan.segments[0].statement.spec)
    cost = estimate(circuit.constraints)
    if not args.json:
        sys.stderr.write(f"zkanchor: {plan.count} segments of {args.checkpoint_every} epochs, each "
                         f"{cost.describe(keys.verification_key(circuit.hash) is None)}\n")
    executor = make_executor(args.scheduler, args.workers)
    started = time.perf_counter()
    try:
        with step_bar("segments", plan.count + 2, enabled=_progress_enabled(args)) as tick:
            manifest = prove_run(plan, out, executor, keys, progress=tick)
    finally:
        executor.close()
    elapsed = time.perf_counter() - started
    emit(args, {"outdir": str(out), "segments": manifest["segments"], "run_id": manifest["run_id"],
                "checkpoints": manifest["checkpoints"], "seconds": round(elapsed, 3),
                "constraints_per_segment": circuit.constraints},
         f"proved {plan.count} segments of {args.checkpoint_every} epochs ({circuit.constraints:,} constraints each, "
         f"{elapsed:.1f} s on {executor.where}); manifest and proofs in {out}/")
    return 0


def cmd_verify_training(args: argparse.Namespace) -> int:
    from ..groth16.snarkjs_json import load_verification_key
    from ..proofs import KeyStore, ProofBundle, trusted_key, verify_statement

    if args.vk and Path(args.outdir).resolve() in Path(args.vk).resolve().parents:
        raise InputError("that verification key came with the proof (the prover wrote it); name a key you got "
                         "from the setup, the ceremony or the registry")
    vk = load_verification_key(args.vk) if args.vk else None
    keys = KeyStore(keydirs=args.keys, setup_missing=False)
    if (Path(args.outdir) / "manifest.json").is_file():
        from ..training.checkpoints import verify_run

        report = verify_run(args.outdir, keys, vk)
        text = report.describe()
        if report.valid and report.statement is not None:
            text += "\n" + report.statement.describe()
        emit(args, {"valid": report.valid, "segments": report.segments, "problem": report.problem,
                    "details": report.details,
                    "statement": report.statement.to_json() if report.statement is not None else None}, text)
        return 0 if report.valid else 1
    bundle = ProofBundle.load(args.outdir)
    key = trusted_key(bundle.statement, keys, vk, args.vk)
    ok = verify_statement(bundle.statement, bundle.proof, key)
    statement = bundle.statement
    emit(args, {"valid": ok, "circuit_hash": key.circuit_hash, "key": {"source": key.source, "detail": key.detail},
                "statement": statement.to_json()},
         ("OK: " if ok else "INVALID: ") + statement.describe() + f"\n(key: {key.source}, {key.detail})")
    return 0 if ok else 1


def cmd_check_keys(args: argparse.Namespace) -> int:
    from ..fileio import read_json
    from ..groth16.keydir import load_keydir
    from ..statements import compile, statement_from_json

    path = Path(args.statement)
    if path.is_dir():
        path = path / "statement.json"
    statement = statement_from_json(read_json(path, "statement"), f"statement {str(path)!r}")
    circuit = compile(statement.spec)
    keys = load_keydir(args.keydir, circuit.r1cs)
    ceremony = None
    if (Path(args.keydir) / "ceremony.json").exists():
        if not args.prepared:
            raise InputError("KEYDIR holds a ceremony transcript: pass --prepared PREPARED to re-verify it")
        from ..ceremony import prepare, transcript

        report = transcript.verify_keydir(args.keydir, prepare.load_prepared(args.prepared), r1cs=circuit.r1cs)
        ceremony = getattr(report, "describe", lambda: str(report))()
    emit(args, {"ok": True, "circuit_hash": circuit.hash, "constraints": circuit.constraints,
                "trusted_setup": keys.info.get("trusted_setup"), "ceremony": ceremony},
         f"OK: the keys in {args.keydir} are bound to this statement's circuit {circuit.hash[:16]}... "
         f"({circuit.constraints:,} constraints; {keys.info.get('trusted_setup', 'single-party')} setup)"
         + (f"\n{ceremony}" if ceremony else ""))
    return 0
