"""Commands for using what was proven: predict, export, check-opening, cache, completion.

- ``predict MODELDIR DATA.csv``: the exact model's predictions in the data's units (the
  committed standardisation the model's spec carries, then commit's quantization; see
  zkanchor.export);
- ``export MODELDIR -o MODEL.json|MODEL.onnx``: weights (reals and exact integers), spec,
  preprocessing — JSON always, ONNX when the onnx package is installed;
- ``check-opening MODELDIR|DATASETDIR|EXPORT.json``: do handed-over weights open C_W, do a
  dataset directory's data and salt open C_D (exit 0 yes, 1 no, 2 unusable);
- ``cache list`` / ``cache prune``: the key cache and the compiled-circuit hash cache;
- ``completion bash|zsh``: a completion script generated from the argument parser.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError, ZkAnchorError
from ..fileio import decode_json_text
from .output import add_json_flag, emit

EXIT_OK, EXIT_FALSE = 0, 1


def _cli(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """File-system failures become one sentence and exit 2, like every other unusable input."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except OSError as exc:
            where = f" {exc.filename!r}" if exc.filename else ""
            raise InputError(f"cannot use{where}: {exc.strerror or exc}") from None

    return run


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``zkanchor`` parser."""
    p = sub.add_parser(
        "predict",
        help="the model's predictions for the rows of a CSV file, in the data's units",
        description="Predict with the exact integer model of MODELDIR: each row of DATA.csv (a header naming the "
        "model's features, in any order, and optionally its target) is standardised with the statistics committed "
        "with the training set (the model's spec carries them; C_D and any proof bind them), quantized exactly as "
        "'zkanchor commit' quantized it, and run "
        "through the trained weights. Classifiers give class (0/1, class 1 iff the score is >= 0, the rule the "
        "proof's accuracy counts) and probability (the hard sigmoid); regression gives value. With the target "
        "column present, the accuracy or MSE is reported too. Without -o the predictions are printed as CSV, or "
        "with --json listed in the JSON object (with the score, the exact logit, for classifiers).",
    )
    p.add_argument("model", metavar="MODELDIR", help="directory written by 'zkanchor train'")
    p.add_argument("data", metavar="DATA.csv", help="CSV file with a header row naming the model's features")
    p.add_argument("--dataset", metavar="DATASETDIR",
                   help="the dataset the model was trained on: its committed statistics must be the model's, or "
                        "nothing is predicted (default: the directory next to MODELDIR whose commitment.json holds "
                        "the model's C_D, if any)")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write the predictions to OUT.csv (default: print them)")
    p.add_argument("--force", action="store_true", help="overwrite OUT.csv if it exists")
    add_json_flag(p)
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser(
        "export",
        help="export a trained model as JSON (exact integers and reals) or ONNX",
        description="Write MODELDIR's model with its spec and preprocessing. MODEL.json holds the weights as "
        "reals and as the exact integers, the standardisation and quantization rules and the salt that opens "
        "C_W (so whoever receives it can check it is the proven model: 'zkanchor check-opening'). MODEL.onnx "
        "(needs the onnx package) is a float64 graph that rounds as commit does and computes the exact model's "
        "classes, probabilities and values bit for bit. Exporting reveals the weights.",
    )
    p.add_argument("model", metavar="MODELDIR", help="directory written by 'zkanchor train'")
    p.add_argument("-o", "--output", metavar="MODEL.json|MODEL.onnx", required=True,
                   help="the file to write; its extension picks the format")
    p.add_argument("--dataset", metavar="DATASETDIR",
                   help="the dataset the model was trained on, checked to commit the model's statistics (default: "
                        "looked for next to MODELDIR)")
    p.add_argument("--force", action="store_true", help="overwrite the output if it exists")
    add_json_flag(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "check-opening",
        help="check that handed-over weights open C_W, or a dataset's data and salt open C_D",
        description="For a model directory (or a JSON export): recompute C_W from the final weights and their "
        "salt and compare it with model.json's final_weights_commitment, or with --commitment. For a dataset "
        "directory: recompute C_D from data.npz, salt.json and the owner and compare it with commitment.json, "
        "or with --commitment / --institution. --commitment also takes a proof directory (its statement's C_W "
        "or C_D). Exit 0 if it opens, 1 if not, 2 if the files are unusable.",
    )
    p.add_argument("path", metavar="MODELDIR|DATASETDIR|EXPORT.json")
    p.add_argument("--commitment", metavar="C",
                   help="the commitment to check against (a decimal or 0x number, or a proof directory); default: "
                        "the one the directory records")
    p.add_argument("--institution", metavar="ADDR",
                   help="datasets: the owner to check C_D for (default: commitment.json's owner)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_check_opening)

    top = sub.add_parser(
        "cache",
        help="list or prune the key cache and the compiled-circuit hash cache",
        description="The key cache (<cache>/keys: one directory of keys per circuit, made by a single-party setup "
        "on this machine or stored there) and the compiled-circuit hash cache (<cache>/circuits: a circuit's "
        "hash and size per spec and compiler version). <cache> is $ZKANCHOR_CACHE, the checkout's .cache, or "
        "~/.cache/zkanchor.",
    )
    cs = top.add_subparsers(dest="cache_command", metavar="SUBCOMMAND", parser_class=type(top))
    cs.required = True
    p = cs.add_parser("list", help="every key directory and cached circuit hash, with sizes and last use",
                      description="List each key directory (circuit hash, constraints, size on disk, trusted setup, "
                      "last use) and each cached circuit hash. Last use is the files' access or modification "
                      "time as the file system records it (on relatime mounts accurate to about a day).")
    add_json_flag(p)
    p.set_defaults(handler=cmd_cache_list)
    p = cs.add_parser("prune", help="remove key directories and circuit hashes not used for a while",
                      description="Remove key directories and cached circuit hashes last used more than DAYS days "
                      "ago (--older-than) or all of them (--all); circuit hashes of another compiler version are "
                      "never read again and go with any prune. Without --yes, only lists what would go.")
    p.add_argument("--older-than", type=float, metavar="DAYS", help="prune what was last used more than DAYS days ago")
    p.add_argument("--all", action="store_true", help="prune every key directory and circuit hash")
    p.add_argument("--yes", action="store_true", help="really remove (without it: a dry run)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_cache_prune)

    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for every zkanchor command and option, generated from this "
        "zkanchor's argument parser. bash: eval \"$(zkanchor completion bash)\" (e.g. in ~/.bashrc); zsh: "
        "zkanchor completion zsh > ~/.zfunc/_zkanchor with ~/.zfunc on $fpath before compinit.",
    )
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete for")
    add_json_flag(p)
    p.set_defaults(handler=cmd_completion)


# -- predict / export -------------------------------------------------------------------------


def _check_new_file(path: Path, force: bool) -> None:
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a directory; name a file to write")
    if path.exists() and not force:
        raise InputError(f"{str(path)!r} already exists; choose a new file or pass --force")


@_cli
def cmd_predict(args: argparse.Namespace) -> int:
    from ..export import find_preprocessing, is_classifier, load_model, predict_rows, read_rows
    from ..fileio import atomic_write_text

    spec, opening, public = load_model(args.model)
    out = Path(args.output) if args.output else None
    if out is not None:
        _check_new_file(out, args.force)
    prep = find_preprocessing(spec, public, args.model, args.dataset)
    rows = read_rows(args.data, spec)
    predictions = predict_rows(spec, opening.final, rows, prep)
    outside = int(predictions.outside.sum())
    if outside:
        warnings.warn(f"{outside} of {rows.table.features.shape[0]} rows hold values outside the committed range "
                      f"({spec.value_bits}-bit values): they are predicted exactly, but no proof over this "
                      "model's data could have covered them", stacklevel=2)
    if out is not None:
        atomic_write_text(out, predictions.csv_text())
    n = len(predictions.scores)
    result: dict[str, Any] = {
        "model": str(args.model), "kind": spec.model, "classifier": is_classifier(spec), "rows": n,
        "dataset": prep.dataset, "standardized": prep.standardize,
        "preprocessing": None if prep.record is None else prep.record.to_json(), "outside_value_range": outside,
        "output": str(out) if out is not None else None,
    }
    if out is None:
        result["predictions"] = predictions.rows()
    metric_text = ""
    if predictions.metric is not None:
        name, value = predictions.metric
        result[name] = value
        metric_text = f"; {name} on these rows: {value:.6g}"
    if out is not None:
        text = f"wrote {n} predictions of the {spec.model} model to {out}{metric_text}"
    else:
        text = predictions.csv_text()
        if metric_text and not args.json:
            sys.stderr.write(f"zkanchor: {metric_text[2:]}\n")
    emit(args, result, text)
    return EXIT_OK


@_cli
def cmd_export(args: argparse.Namespace) -> int:
    from ..export import export_json, export_onnx, find_preprocessing, float_exact, load_model
    from ..fileio import atomic_write_bytes, write_json

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".json", ".onnx"):
        raise InputError(f"name the output MODEL.json or MODEL.onnx (the extension picks the format), not {out.name!r}")
    _check_new_file(out, args.force)
    spec, opening, public = load_model(args.model)
    prep = find_preprocessing(spec, public, args.model, args.dataset)
    exact = float_exact(spec, opening.final)
    if suffix == ".onnx":
        atomic_write_bytes(out, export_onnx(spec, opening.final, prep))
        if not exact:
            warnings.warn("this model's scores can exceed 2^53 for inputs in the committed range, where the ONNX "
                          "graph's float64 arithmetic is no longer exact; the JSON export's integers are", stacklevel=2)
    else:
        write_json(out, export_json(spec, opening, public, prep))
    fmt = suffix[1:]
    emit(args, {"output": str(out), "format": fmt, "model": spec.model, "n_weights": spec.n_weights,
                "standardized": prep.standardize, "dataset": prep.dataset,
                "float64_exact": exact if fmt == "onnx" else None},
         f"exported the {spec.model} model ({spec.n_weights} weights"
         f"{', standardised inputs' if prep.standardize else ''}) to {out} ({fmt.upper()})")
    return EXIT_OK


# -- check-opening -------------------------------------------------------------------------------


def _commitment_arg(text: str, kind: str) -> int:
    """--commitment as a number, or the C_W / C_D of a proof directory's statement."""
    from ..bn254.constants import R

    path = Path(text)
    if path.exists():
        from ..fileio import read_json
        from ..statements import statement_from_json

        if path.is_dir():
            path = path / "statement.json"
        statement = statement_from_json(read_json(path, "statement"), f"statement {str(path)!r}")
        name = "final_weights_commitment" if kind == "model" else "dataset_commitment"
        value = getattr(statement, name, None)
        if value is None:
            raise InputError(f"the statement in {str(path)!r} has no {name}")
        return int(value)
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise InputError(f"--commitment {text!r} is neither a number nor a proof directory") from None
    if not 0 <= value < R:
        raise InputError("--commitment must be a field element (below the BN254 scalar field's order)")
    return value


@_cli
def cmd_check_opening(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir() and (path / "model.json").exists():
        return _check_model(args, path)
    if path.is_dir() and (path / "commitment.json").exists():
        return _check_dataset(args, path)
    if path.is_file() and path.suffix.lower() == ".json":
        return _check_export(args, path)
    if not path.exists():
        raise InputError(f"{str(path)!r} does not exist")
    raise InputError(f"{str(path)!r} is neither a model directory (model.json), a dataset directory "
                     "(commitment.json) nor a JSON model export")


def _report(args, ok: bool, result: dict, yes: str, no: str) -> int:
    emit(args, {"opens": ok, **result}, ("OK: " + yes) if ok else ("MISMATCH: " + no))
    return EXIT_OK if ok else EXIT_FALSE


def _check_model(args, path: Path) -> int:
    from ..export import signed_ints
    from ..fileio import read_json
    from ..models.spec import TrainingSpec
    from ..models.weights import weights_commitment
    from ..statements.base import field_int

    if args.institution is not None:
        raise InputError("--institution applies to dataset directories: C_W binds no owner")
    public = read_json(path / "model.json", "model")
    private = read_json(path / "weights.json", "weights")
    where = str(path / "weights.json")
    if not isinstance(public, dict) or not isinstance(private, dict):
        raise InputError(f"{str(path)!r}: model.json and weights.json must be JSON objects")
    spec = TrainingSpec.from_json(public.get("spec"), f"spec in {str(path / 'model.json')!r}")
    final = signed_ints(private.get("final"), f"{where}: 'final'")
    salt = field_int(private.get("final_salt"), f"{where}: 'final_salt'")
    if len(final) != spec.n_weights:
        raise InputError(f"{where} holds {len(final)} final weights; the spec's {spec.model} has {spec.n_weights}")
    recorded = public.get("final_weights_commitment")
    expected = _commitment_arg(args.commitment, "model") if args.commitment else field_int(
        recorded, f"{str(path / 'model.json')!r}: 'final_weights_commitment'")
    actual = weights_commitment(final, salt)
    source = "--commitment" if args.commitment else "model.json's final_weights_commitment"
    result = {"kind": "model", "path": str(path), "commitment": str(expected), "computed": str(actual),
              "against": source}
    if "initial" in private and "initial_weights_commitment" in public and not args.commitment:
        initial = signed_ints(private.get("initial"), f"{where}: 'initial'")
        initial_salt = field_int(private.get("initial_salt"), f"{where}: 'initial_salt'")
        result["initial_opens"] = str(weights_commitment(initial, initial_salt)) == str(
            public.get("initial_weights_commitment"))
    ok = actual == expected and result.get("initial_opens", True)
    if actual == expected and not ok:
        no = f"the final weights in {where} open C_W, but its initial weights do not open model.json's C_W0"
    else:
        no = f"the final weights and salt in {where} do not open {source} C_W = {expected}"
    return _report(args, ok, result, f"the final weights and salt in {where} open {source} C_W = {expected}", no)


def _check_dataset(args, path: Path) -> int:
    import dataclasses

    from ..addresses import format_address, parse_address
    from ..commit import load_commitment, load_dataset, load_salt
    from ..commit.commitment import commit

    dataset = load_dataset(path)
    salt = load_salt(path)
    commitment = load_commitment(path)
    if args.commitment:
        commitment = dataclasses.replace(commitment, commitment=_commitment_arg(args.commitment, "dataset"))
    if args.institution is not None:
        commitment = dataclasses.replace(commitment, owner=parse_address(args.institution))
    owner = format_address(commitment.owner)
    source = "--commitment" if args.commitment else "commitment.json's"
    result = {"kind": "dataset", "path": str(path), "commitment": str(commitment.commitment), "owner": owner,
              "against": source}
    if not commitment.matches(dataset):
        result["computed"] = None
        return _report(args, False, result, "", f"data.npz in {path} does not have commitment.json's shape, widths "
                       "or column names")
    actual = commit(dataset, salt, commitment.owner)
    result["computed"] = str(actual)
    ok = actual == commitment.commitment
    return _report(args, ok, result,
                   f"the data and salt in {path} open {source} C_D = {commitment.commitment} for {owner}",
                   f"the data and salt in {path} do not open {source} C_D = {commitment.commitment} for {owner}")


def _check_export(args, path: Path) -> int:
    from ..export import load_export
    from ..models.weights import weights_commitment
    from ..statements.base import field_int

    if args.institution is not None:
        raise InputError("--institution applies to dataset directories: C_W binds no owner")
    spec, weights, salt, obj = load_export(path)
    expected = _commitment_arg(args.commitment, "model") if args.commitment else field_int(
        obj.get("final_weights_commitment"), f"{str(path)!r}: 'final_weights_commitment'")
    actual = weights_commitment(weights, salt)
    source = "--commitment" if args.commitment else "the export's final_weights_commitment"
    return _report(args, actual == expected,
                   {"kind": "export", "path": str(path), "commitment": str(expected), "computed": str(actual),
                    "against": source},
                   f"the weights and salt in {path} open {source} C_W = {expected}",
                   f"the weights and salt in {path} do not open {source} C_W = {expected}")


# -- cache ------------------------------------------------------------------------------------------


def _tree_stats(path: Path) -> tuple[int, float]:
    """(bytes on disk, last use) of a file or directory, without following symlinks.

    Last use is the latest access or modification time of the files (a directory's own
    times change when it is merely listed); an empty directory's is its modification time.
    """
    size, last = 0, 0.0
    entries = [path] if not path.is_dir() or path.is_symlink() else [path, *path.rglob("*")]
    for entry in entries:
        try:
            st = entry.lstat()
        except OSError:
            continue
        if not entry.is_dir() or entry.is_symlink():
            size += getattr(st, "st_blocks", 0) * 512 or st.st_size
            last = max(last, st.st_atime, st.st_mtime)
    if not last:
        try:
            last = path.lstat().st_mtime
        except OSError:
            pass
    return size, last


def _peek_json(path: Path) -> dict:
    """A small JSON object read without updating its access time (which is what "last use" reads)."""

    flags = os.O_RDONLY | getattr(os, "O_NOATIME", 0)
    try:
        try:
            fd = os.open(path, flags)
        except PermissionError:  # O_NOATIME needs the file's owner
            fd = os.open(path, os.O_RDONLY)
        with os.fdopen(fd, "rb") as handle:
            obj = decode_json_text(handle.read(1 << 20), path, "cache entry")
    except (OSError, ZkAnchorError):
        return {}
    return obj if isinstance(obj, dict) else {}


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "-"


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _cache_entries() -> tuple[Path, list[dict], list[dict], list[dict]]:
    """(cache dir, key directories, circuit-hash entries, other top-level entries), each with size and last use."""
    from ..paths import cache_dir
    from ..statements.base import compiler_fingerprint

    base = cache_dir()
    keys: list[dict] = []
    keys_dir = base / "keys"
    if keys_dir.is_dir():
        for entry in sorted(keys_dir.iterdir()):
            size, last = _tree_stats(entry)
            info = _peek_json(entry / "setup.json") if entry.is_dir() else {}
            keys.append({"name": entry.name, "path": str(entry), "circuit_hash": info.get("circuit_hash"),
                         "constraints": info.get("constraints"), "bytes": size,
                         "trusted_setup": info.get("trusted_setup"), "complete": bool(info),
                         "last_used": last, "last_used_text": _when(last)})
    circuits: list[dict] = []
    circuits_dir = base / "circuits"
    current = compiler_fingerprint()
    key_hashes = {k["circuit_hash"] for k in keys if k["circuit_hash"]}
    if circuits_dir.is_dir():
        for entry in sorted(circuits_dir.iterdir()):
            size, last = _tree_stats(entry)
            match = re.fullmatch(r"([a-z]+)-([0-9a-f]{64})-([0-9a-f]+)\.json", entry.name)
            info = _peek_json(entry) if entry.is_file() else {}
            circuits.append({"name": entry.name, "path": str(entry),
                             "kind": match.group(1) if match else None,
                             "spec_digest": str(int(match.group(2), 16)) if match else None,
                             "compiler": match.group(3) if match else None,
                             "current_compiler": bool(match) and match.group(3) == current,
                             "circuit_hash": info.get("circuit_hash"), "constraints": info.get("constraints"),
                             "has_keys": info.get("circuit_hash") in key_hashes, "bytes": size,
                             "last_used": last, "last_used_text": _when(last)})
    other = []
    for entry in sorted(base.iterdir()):
        if entry.name in ("keys", "circuits"):
            continue
        size, last = _tree_stats(entry)
        other.append({"name": entry.name, "path": str(entry), "bytes": size, "last_used": last})
    return base, keys, circuits, other


@_cli
def cmd_cache_list(args: argparse.Namespace) -> int:
    base, keys, circuits, other = _cache_entries()
    lines = [f"key cache: {base / 'keys'} ({len(keys)} director{'y' if len(keys) == 1 else 'ies'}, "
             f"{_size(sum(k['bytes'] for k in keys))})"]
    if keys:
        lines.append(f"  {'CIRCUIT HASH':<18} {'CONSTRAINTS':>11}  {'SIZE':>9}  {'LAST USE':<16}  TRUSTED SETUP")
        for k in keys:
            digest = (k["circuit_hash"] or "(incomplete)")[:16] + ("..." if k["circuit_hash"] else "")
            constraints = f"{k['constraints']:,}" if isinstance(k["constraints"], int) else "-"
            lines.append(f"  {digest:<18} {constraints:>11}  {_size(k['bytes']):>9}  {k['last_used_text']:<16}  "
                         f"{k['trusted_setup'] or '-'}")
    stale = sum(1 for c in circuits if not c["current_compiler"])
    lines.append(f"circuit hash cache: {base / 'circuits'} ({len(circuits)} entr{'y' if len(circuits) == 1 else 'ies'}"
                 + (f", {stale} from another compiler version" if stale else "") + ")")
    for c in circuits:
        digest = (c["circuit_hash"] or "?")[:16]
        constraints = f"{c['constraints']:,}" if isinstance(c["constraints"], int) else "-"
        flags = ", ".join(f for f, on in (("keys cached", c["has_keys"]),
                                          ("other compiler", not c["current_compiler"])) if on)
        lines.append(f"  {c['kind'] or '?':<12} {digest}...  {constraints:>11}  {c['last_used_text']:<16}"
                     + (f"  ({flags})" if flags else ""))
    if other:
        lines.append("other: " + ", ".join(f"{o['name']} ({_size(o['bytes'])})" for o in other))
    emit(args, {"cache": str(base), "keys": keys, "circuits": circuits, "other": other,
                "bytes": sum(e["bytes"] for e in keys + circuits + other)}, "\n".join(lines))
    return EXIT_OK


@_cli
def cmd_cache_prune(args: argparse.Namespace) -> int:
    if not args.all and args.older_than is None:
        raise InputError("say what to prune: --older-than DAYS, or --all")
    if args.all and args.older_than is not None:
        raise InputError("give --older-than DAYS or --all, not both")
    if args.older_than is not None and not (args.older_than >= 0 and args.older_than != float("inf")):
        raise InputError("--older-than takes a non-negative number of days")
    base, keys, circuits, _other = _cache_entries()
    cutoff = None if args.all else time.time() - args.older_than * 86400
    chosen = [k for k in keys if cutoff is None or k["last_used"] < cutoff]
    chosen += [c for c in circuits if cutoff is None or c["last_used"] < cutoff or not c["current_compiler"]]
    freed = sum(e["bytes"] for e in chosen)
    removed = []
    if args.yes:
        for entry in chosen:
            path = Path(entry["path"])
            # Only direct children of <cache>/keys and <cache>/circuits, never through a link.
            if path.parent not in (base / "keys", base / "circuits"):
                continue
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            elif path.is_dir():
                shutil.rmtree(path)
            removed.append(entry["path"])
    verb = "removed" if args.yes else "would remove"
    names = [f"  {Path(e['path']).parent.name}/{Path(e['path']).name} ({_size(e['bytes'])}, last used "
             f"{_when(e['last_used'])})" for e in chosen]
    text = f"{verb} {len(chosen)} entr{'y' if len(chosen) == 1 else 'ies'} ({_size(freed)}) from {base}"
    if names:
        text += ":\n" + "\n".join(names)
    if not args.yes and chosen:
        text += "\n(a dry run: pass --yes to remove them)"
    emit(args, {"cache": str(base), "dry_run": not args.yes, "entries": [e["path"] for e in chosen],
                "removed": removed, "bytes": freed}, text)
    return EXIT_OK


# -- completion --------------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(path, parser, subcommand (name, help) list) for the parser and every subcommand below it."""
    sub = _subparsers(parser)
    commands = []
    if sub is not None:
        helps = {a.dest: a.help or "" for a in sub._choices_actions}
        commands = [(name, helps.get(name, "")) for name in sub.choices]
    yield path, parser, commands
    if sub is not None:
        for name, child in sub.choices.items():
            yield from _walk(child, path + (name,))


def _help_text(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    try:
        text = parser._get_formatter()._expand_help(action)
    except (TypeError, ValueError, KeyError):
        text = action.help
    return " ".join(text.split())


def _options(parser: argparse.ArgumentParser):
    """(option strings, takes a value, choices, help, repeatable) of each optional argument."""
    for action in parser._actions:
        if action.option_strings and action.help != argparse.SUPPRESS:
            yield (list(action.option_strings), action.nargs != 0, list(action.choices or []),
                   _help_text(parser, action), isinstance(action, argparse._AppendAction))


def _positionals(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
            yield action


def bash_script(parser: argparse.ArgumentParser) -> str:
    """A bash completion script for ``parser`` (commands, subcommands, options, choices)."""
    def words(items) -> str:
        return " ".join(items).replace('"', "")

    commands, options, choices = [], [], []
    for path, p, subs in _walk(parser):
        key = " ".join(path)
        if subs:
            commands.append(f'        "{key}") echo "{words(n for n, _ in subs)}" ;;')
        options.append(f'        "{key}") echo "{words(o for opts, *_ in _options(p) for o in opts)}" ;;')
        for opts, takes, values, _help, _rep in _options(p):
            if takes and values:
                for o in opts:
                    choices.append(f'        "{key}|{o}") echo "{words(map(str, values))}" ;;')
        for action in _positionals(p):
            if action.choices:
                choices.append(f'        "{key}|") echo "{words(map(str, action.choices))}" ;;')
    return "\n".join([
        "# bash completion for zkanchor, generated by 'zkanchor completion bash'",
        "# use: eval \"$(zkanchor completion bash)\"",
        "_zkanchor_commands() {", '    case "$1" in', *commands, "    esac", "}",
        "_zkanchor_options() {", '    case "$1" in', *options, "    esac", "}",
        "_zkanchor_choices() {", '    case "$1" in', *choices, "    esac", "}",
        "_zkanchor() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" path="" subs w i',
        '    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    COMPREPLY=()",
        "    for (( i = 1; i < COMP_CWORD; i++ )); do",
        '        w="${COMP_WORDS[i]}"',
        '        [[ "$w" == -* ]] && continue',
        '        subs=" $(_zkanchor_commands "$path") "',
        '        if [[ "$subs" == *" $w "* ]]; then path="${path:+$path }$w"; fi',
        "    done",
        '    local values',
        '    if [[ "$prev" == -* ]]; then',
        '        values="$(_zkanchor_choices "$path|$prev")"',
        '        if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); return 0; fi',
        "    fi",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$(_zkanchor_options "$path")" -- "$cur")); return 0',
        "    fi",
        '    subs="$(_zkanchor_commands "$path")"',
        '    if [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return 0; fi',
        '    values="$(_zkanchor_choices "$path|")"',
        '    if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); return 0; fi',
        "    return 0  # file names (complete -o default)",
        "}",
        "complete -o default -F _zkanchor zkanchor",
        "",
    ])


def _zsh_quote(text: str) -> str:
    """``text`` safe inside a single-quoted _arguments/_describe spec."""
    text = re.sub(r"[\[\]:\\`$]", " ", text)
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77].rstrip() + "..."
    return text.replace("'", "'\\''")


def zsh_script(parser: argparse.ArgumentParser) -> str:
    """A native zsh completion function for ``parser`` (#compdef zkanchor)."""
    out = ["#compdef zkanchor", "# zsh completion for zkanchor, generated by 'zkanchor completion zsh'",
           "# use: zkanchor completion zsh > ~/.zfunc/_zkanchor, with fpath=(~/.zfunc $fpath) before compinit", ""]
    for path, p, subs in _walk(parser):
        name = "_zkanchor" + "".join("__" + re.sub(r"[^A-Za-z0-9]", "_", part) for part in path)
        specs = []
        for opts, takes, values, help_text, repeatable in _options(p):
            for o in opts:
                spec = ("*" if repeatable else "") + f"{o}[{_zsh_quote(help_text)}]"
                if takes:
                    action = "(" + " ".join(_zsh_quote(str(v)) for v in values) + ")" if values else "_files"
                    spec += f":{_zsh_quote(o.lstrip('-'))}:{action}"
                specs.append(spec)
        if subs:
            out.append(f"{name}() {{")
            out.append("  local curcontext=\"$curcontext\" state line")
            out.append("  local -a commands")
            out.append("  commands=(")
            out += [f"    '{_zsh_quote(n)}:{_zsh_quote(h)}'" for n, h in subs]
            out.append("  )")
            args_line = " \\\n    ".join(f"'{s}'" for s in specs + ["1: :->command", "*:: :->args"])
            out.append(f"  _arguments -C \\\n    {args_line}")
            out.append("  case $state in")
            out.append("    command) _describe -t commands 'zkanchor command' commands ;;")
            out.append("    args)")
            out.append("      case $words[1] in")
            for n, _ in subs:
                child = name + "__" + re.sub(r"[^A-Za-z0-9]", "_", n)
                out.append(f"        {n}) {child} ;;")
            out.append("      esac ;;")
            out.append("  esac")
            out.append("}")
        else:
            position = 1
            for action in _positionals(p):
                label = _zsh_quote(action.metavar if isinstance(action.metavar, str) else action.dest)
                target = ("(" + " ".join(_zsh_quote(str(v)) for v in action.choices) + ")") if action.choices \
                    else "_files"
                if action.nargs in ("*", "+", argparse.REMAINDER):
                    specs.append(f"*:{label}:{target}")
                elif action.nargs == "?":
                    specs.append(f"{position}::{label}:{target}")
                    position += 1
                else:
                    specs.append(f"{position}:{label}:{target}")
                    position += 1
            args_line = " \\\n    ".join(f"'{s}'" for s in specs)
            out.append(f"{name}() {{")
            out.append(f"  _arguments \\\n    {args_line}" if specs else "  _files")
            out.append("}")
        out.append("")
    out.append('_zkanchor "$@"')
    out.append("")
    return "\n".join(out)


@_cli
def cmd_completion(args: argparse.Namespace) -> int:
    parser = args.parser
    script = bash_script(parser) if args.shell == "bash" else zsh_script(parser)
    emit(args, {"shell": args.shell, "script": script}, script)
    return EXIT_OK


__all__ = ["register", "bash_script", "zsh_script"]
