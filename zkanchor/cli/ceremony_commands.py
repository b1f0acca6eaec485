"""``zkanchor ceremony``: a multi-party trusted setup (powers of tau, then per circuit).

A typical run::

    zkanchor ceremony start --power 12 -o pot_0.zkc
    zkanchor ceremony contribute pot_0.zkc -o pot_1.zkc --name hospital-a      # each member
    zkanchor ceremony beacon pot_3.zkc -o pot_final.zkc --beacon <public hex>
    zkanchor ceremony prepare pot_final.zkc --circuit circuit.r1cs -o prepared.zkc
    zkanchor ceremony phase2-start prepared.zkc circuit.r1cs -o key_0.zkc
    zkanchor ceremony phase2-contribute key_0.zkc -o key_1.zkc --name hospital-a  # each member
    zkanchor ceremony finish key_3.zkc --prepared prepared.zkc --circuit circuit.r1cs -o KEYDIR
    zkanchor ceremony verify KEYDIR --prepared prepared.zkc                          # anyone
    zkanchor ceremony verify KEYDIR --prepared prepared.zkc --contribution-hash <the hash you kept>

Every contribution prints a hash to keep: the hash of its transcript record, which holds
the points it produced and the hash of the record before it.  ``verify
--contribution-hash`` fails unless that record is in the verified chain.

Exit codes: 0 done / verified, 1 a well-formed file that fails verification (one
sentence naming the failed check), 2 unusable input (one sentence).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import InputError
from ..fileio import read_bytes
from ..progress import step_bar
from .output import add_json_flag, emit

EXIT_FALSE = 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``zkanchor ceremony`` and its subcommands to the ``zkanchor`` parser."""
    top = sub.add_parser(
        "ceremony",
        help="multi-party trusted setup: powers of tau, then a per-circuit phase 2",
        description="Run a multi-party Groth16 trusted setup that is secure if any one contributor was "
        "honest, and verify one from its files.",
    )
    cs = top.add_subparsers(dest="ceremony_command", metavar="SUBCOMMAND", parser_class=type(top))
    cs.required = True

    p = cs.add_parser("start", help="a new phase-1 accumulator",
                      description="Write the initial powers-of-tau accumulator for circuits of up to 2^POWER rows.")
    p.add_argument("--power", type=int, required=True, help="log2 of the largest domain (1..28)")
    _out(p, "phase-1 file to write")
    p.set_defaults(handler=cmd_start)

    p = cs.add_parser("contribute", help="add a phase-1 contribution",
                      description="Rescale the accumulator by fresh secrets (OS randomness plus optional "
                      "--entropy) and record a proof of knowledge; the secrets are forgotten on exit.")
    p.add_argument("input", metavar="PHASE1", help="phase-1 file to contribute to")
    _contributor(p)
    _out(p, "phase-1 file to write")
    p.set_defaults(handler=cmd_contribute)

    p = cs.add_parser("beacon", help="apply the final public beacon to phase 1",
                      description="Apply a contribution whose secrets anyone can recompute from a public beacon "
                      "value (hashed with SHA-256 2^E times).")
    p.add_argument("input", metavar="PHASE1", help="phase-1 file")
    p.add_argument("--beacon", required=True, metavar="HEX", help="the public beacon value, hexadecimal")
    p.add_argument("--iterations-exp", type=int, default=10, metavar="E",
                   help="hash the beacon 2^E times, E at most 28 (default: %(default)s)")
    p.add_argument("--name", default="beacon", help="name recorded for this step (default: %(default)s)")
    _out(p, "phase-1 file to write")
    p.set_defaults(handler=cmd_beacon)

    p = cs.add_parser("import-ptau", help="start from a snarkjs .ptau file",
                      description="Convert a snarkjs/iden3 .ptau powers-of-tau file into a phase-1 file rooted in it.")
    p.add_argument("ptau", metavar="FILE.ptau", help="snarkjs .ptau (prepared or not)")
    p.add_argument("--power", type=int, help="keep only the first 2^POWER powers (default: all)")
    _out(p, "phase-1 file to write")
    p.set_defaults(handler=cmd_import_ptau)

    p = cs.add_parser("prepare", help="compute the Lagrange-basis points for one domain size",
                      description="Prepare phase 2: the Lagrange-basis points of tau for a domain of 2^M rows "
                      "(--domain-power M, or the size --circuit needs).")
    p.add_argument("input", metavar="PHASE1", help="phase-1 file (normally after the beacon)")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--domain-power", type=int, metavar="M", help="log2 of the domain size")
    size.add_argument("--circuit", metavar="CIRCUIT.r1cs", help="take the domain size this circuit needs")
    _out(p, "prepared file to write")
    p.set_defaults(handler=cmd_prepare)

    p = cs.add_parser("phase2-start", help="the initial circuit key from a prepared phase 1",
                      description="Derive the circuit's initial Groth16 key (delta = 1) from a prepared file.")
    p.add_argument("prepared", metavar="PREPARED", help="file written by 'ceremony prepare'")
    p.add_argument("circuit", metavar="CIRCUIT.r1cs", help="circuit in iden3's binary .r1cs format")
    _out(p, "phase-2 file to write")
    p.set_defaults(handler=cmd_phase2_start)

    p = cs.add_parser("phase2-contribute", help="add a phase-2 (delta) contribution",
                      description="Rescale delta by a fresh secret and record a proof of knowledge.")
    p.add_argument("input", metavar="PHASE2", help="phase-2 file to contribute to")
    _contributor(p)
    _out(p, "phase-2 file to write")
    p.set_defaults(handler=cmd_phase2_contribute)

    p = cs.add_parser("finish", help="verify everything and write the key directory",
                      description="Verify the whole ceremony, then write KEYDIR as 'zkanchor setup' does, plus "
                      "ceremony.json (the transcript).")
    p.add_argument("input", metavar="PHASE2", help="the last phase-2 file")
    p.add_argument("--prepared", required=True, metavar="PREPARED", help="the prepared phase-1 file")
    p.add_argument("--circuit", required=True, metavar="CIRCUIT.r1cs", help="the circuit")
    _out(p, "key directory to write", metavar="KEYDIR")
    p.set_defaults(handler=cmd_finish)

    p = cs.add_parser("verify", help="verify a ceremony file or a finished key directory",
                      description="Verify a phase-1, prepared or phase-2 file, or a KEYDIR written by 'finish'. "
                      "Exit 0 if it verifies, 1 if a check fails, 2 if the input is unusable.")
    p.add_argument("input", metavar="FILE|KEYDIR", help="what to verify")
    p.add_argument("--previous", metavar="FILE", help="the file it was contributed to (checks the chaining)")
    p.add_argument("--prepared", metavar="PREPARED", help="prepared file (needed for phase-2 files and KEYDIRs)")
    p.add_argument("--circuit", metavar="CIRCUIT.r1cs",
                   help="circuit (needed for phase-2 files, and for a KEYDIR that holds none)")
    p.add_argument("--phase1", metavar="PHASE1", help="for a prepared file: the phase-1 file it came from")
    p.add_argument("--ptau", metavar="FILE.ptau",
                   help="for a transcript rooted in an import: the .ptau it claims, to check the root against")
    p.add_argument("--contribution-hash", action="append", default=[], metavar="HASH",
                   help="a record hash a contributor kept: fail unless it is in the verified chain (repeatable)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_verify)


def _out(p: argparse.ArgumentParser, text: str, metavar: str = "FILE") -> None:
    p.add_argument("-o", "--output", required=True, metavar=metavar, help=text)
    add_json_flag(p)


def _contributor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="who contributes (recorded in the transcript)")
    p.add_argument("--entropy", default="", help="extra text mixed into the OS randomness")


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise InputError("the contributor name must be 1 to 200 characters")
    return name


def _failed(args: argparse.Namespace, exc: Exception) -> int:
    sentence = str(exc).rstrip(".") + "."
    if getattr(args, "json", False):
        emit(args, {"valid": False, "reason": sentence}, "")
    sys.stderr.write(f"zkanchor: ceremony check failed: {sentence}\n")
    return EXIT_FALSE


def cmd_start(args: argparse.Namespace) -> int:
    """zkanchor ceremony start."""
    from ..ceremony.powers_of_tau import save_phase1, start

    digest = save_phase1(start(args.power), args.output)
    emit(args, {"output": args.output, "power": args.power, "hash": digest},
         f"phase-1 accumulator for 2^{args.power} written to {args.output} (hash {digest[:16]}...)")
    return 0


def cmd_contribute(args: argparse.Namespace) -> int:
    """zkanchor ceremony contribute."""
    from ..ceremony.powers_of_tau import contribute, load_phase1, save_phase1

    name = _check_name(args.name)
    phase1 = load_phase1(args.input)
    started = time.perf_counter()
    new = contribute(phase1, name, args.entropy.encode())
    digest = save_phase1(new, args.output)
    elapsed = time.perf_counter() - started
    record = new.contributions[-1]
    emit(args, {"output": args.output, "name": name, "index": len(new.contributions),
                "previous_hash": record.previous_hash, "hash": record.hash, "accumulator": digest,
                "seconds": round(elapsed, 3)},
         f"contribution {len(new.contributions)} by {name!r} written to {args.output} in {elapsed:.2f} s; "
         f"keep its hash to check the final transcript: {record.hash}")
    return 0


def cmd_beacon(args: argparse.Namespace) -> int:
    """zkanchor ceremony beacon."""
    from ..ceremony.powers_of_tau import apply_beacon, load_phase1, save_phase1

    phase1 = load_phase1(args.input)
    new = apply_beacon(phase1, args.beacon, args.iterations_exp, _check_name(args.name))
    digest = save_phase1(new, args.output)
    emit(args, {"output": args.output, "hash": new.contributions[-1].hash, "accumulator": digest,
                "beacon": new.contributions[-1].beacon},
         f"beacon applied; phase-1 file {args.output} (hash {digest[:16]}...)")
    return 0


def cmd_import_ptau(args: argparse.Namespace) -> int:
    """zkanchor ceremony import-ptau."""
    import hashlib

    from ..ceremony.checks import CeremonyCheckFailed
    from ..ceremony.powers_of_tau import from_ptau, save_phase1, verify_phase1
    from ..ceremony.ptau import parse_ptau

    raw = read_bytes(args.ptau, ".ptau")
    ptau = parse_ptau(raw, f".ptau file {args.ptau!r}", args.power)
    try:
        phase1 = from_ptau(ptau, "sha256:" + hashlib.sha256(raw).hexdigest())
        verify_phase1(phase1)
    except CeremonyCheckFailed as exc:
        return _failed(args, exc)
    digest = save_phase1(phase1, args.output)
    emit(args, {"output": args.output, "power": ptau.power, "hash": phase1.contributions[-1].hash,
                "accumulator": digest, "snarkjs_contributions": len(ptau.contributions)},
         f"imported 2^{ptau.power} powers ({len(ptau.contributions)} snarkjs contributions) into {args.output}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """zkanchor ceremony prepare."""
    from ..ceremony.powers_of_tau import load_phase1
    from ..ceremony.prepare import prepare, save_prepared

    if args.circuit:
        from ..groth16.qap import domain_for

        r1cs = _read_circuit(args.circuit)
        log_size = domain_for(r1cs).size.bit_length() - 1
    else:
        log_size = args.domain_power
    phase1 = load_phase1(args.input)
    started = time.perf_counter()
    with step_bar("prepare", 4, enabled=not args.json) as tick:
        prep = prepare(phase1, log_size, tick)
    elapsed = time.perf_counter() - started
    digest = save_prepared(prep, args.output)
    emit(args, {"output": args.output, "log_size": log_size, "hash": digest, "seconds": round(elapsed, 3)},
         f"Lagrange points for 2^{log_size} rows written to {args.output} in {elapsed:.2f} s")
    return 0


def cmd_phase2_start(args: argparse.Namespace) -> int:
    """zkanchor ceremony phase2-start."""
    from ..ceremony.phase2 import initialize, save_phase2
    from ..ceremony.prepare import load_prepared

    r1cs = _read_circuit(args.circuit)
    prep = load_prepared(args.prepared)
    started = time.perf_counter()
    with step_bar("phase2-start", 4, enabled=not args.json) as tick:
        state = initialize(prep, r1cs, progress=tick)
    elapsed = time.perf_counter() - started
    digest = save_phase2(state, args.output)
    emit(args, {"output": args.output, "hash": digest, "seconds": round(elapsed, 3)},
         f"initial phase-2 key written to {args.output} in {elapsed:.2f} s (hash {digest[:16]}...)")
    return 0


def cmd_phase2_contribute(args: argparse.Namespace) -> int:
    """zkanchor ceremony phase2-contribute."""
    from ..ceremony.phase2 import contribute, load_phase2, save_phase2

    name = _check_name(args.name)
    state = load_phase2(args.input)
    started = time.perf_counter()
    new = contribute(state, name, args.entropy.encode())
    digest = save_phase2(new, args.output)
    elapsed = time.perf_counter() - started
    record = new.contributions[-1]
    emit(args, {"output": args.output, "name": name, "index": len(new.contributions), "hash": record.hash,
                "key": digest, "seconds": round(elapsed, 3)},
         f"phase-2 contribution {len(new.contributions)} by {name!r} written to {args.output} in {elapsed:.2f} s; "
         f"keep its hash to check the final transcript: {record.hash}")
    return 0


def cmd_finish(args: argparse.Namespace) -> int:
    """zkanchor ceremony finish."""
    from ..ceremony.checks import CeremonyCheckFailed
    from ..ceremony.phase2 import load_phase2
    from ..ceremony.prepare import load_prepared
    from ..ceremony.transcript import finish

    r1cs = _read_circuit(args.circuit)
    state = load_phase2(args.input)
    prep = load_prepared(args.prepared)
    try:
        with step_bar("finish", 3, enabled=not args.json) as tick:
            report = finish(state, prep, r1cs, args.output, tick)
    except CeremonyCheckFailed as exc:
        return _failed(args, exc)
    emit(args, {"keydir": args.output, "phase1_contributors": list(report.phase1_names),
                "phase2_contributors": list(report.phase2_names), "beacon": report.beacon,
                "hash": report.final_hash},
         f"ceremony verified ({len(report.phase1_names)} phase-1 and {len(report.phase2_names)} phase-2 steps); "
         f"keys in {args.output}/")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """zkanchor ceremony verify."""
    from ..ceremony.checks import CeremonyCheckFailed

    try:
        result, text = _verify(args)
    except CeremonyCheckFailed as exc:
        return _failed(args, exc)
    emit(args, {"valid": True, **result}, text)
    return 0


def _read_circuit(path):
    from ..r1cs.circom_r1cs import decode_r1cs

    return decode_r1cs(read_bytes(path, "circuit"), f"circuit {str(path)!r}")


def _check_root(args: argparse.Namespace, records) -> str:
    """Check an imported root against --ptau; the note the output carries about it."""
    from ..ceremony.powers_of_tau import check_import

    if args.ptau:
        check_import(records, read_bytes(args.ptau, ".ptau"), f".ptau file {args.ptau!r}")
        return f"; its imported root is {args.ptau}'s"
    if records and records[0].kind == "imported":
        return "; its imported root was not checked against a .ptau (pass --ptau)"
    return ""


def _verify(args: argparse.Namespace) -> tuple[dict, str]:
    from ..ceremony import container
    from ..ceremony.powers_of_tau import find_hashes
    from ..ceremony.prepare import load_prepared

    path = Path(args.input)
    if path.is_dir():
        from ..ceremony.transcript import verify_keydir

        prep = load_prepared(_need(args.prepared, "--prepared", "a key directory"))
        rep = verify_keydir(path, prep, r1cs=_read_circuit(args.circuit) if args.circuit else None)
        note = _check_root(args, prep.contributions)
        find_hashes(rep.phase1_hashes + rep.phase2_hashes, args.contribution_hash)
        return ({"kind": "keydir", "phase1": list(rep.phase1_names), "phase2": list(rep.phase2_names),
                 "beacon": rep.beacon, "hash": rep.final_hash, "phase1_hashes": list(rep.phase1_hashes),
                 "phase2_hashes": list(rep.phase2_hashes)},
                f"key directory {path} verified: phase 1 by {', '.join(rep.phase1_names)}; "
                f"phase 2 by {', '.join(rep.phase2_names) or 'nobody'}{note}")
    kind = container.read_file(path, "ceremony").kind
    if kind == container.KIND_PHASE1:
        from ..ceremony.powers_of_tau import load_phase1, verify_phase1

        previous = load_phase1(args.previous) if args.previous else None
        phase1 = load_phase1(path)
        rep = verify_phase1(phase1, previous)
        note = _check_root(args, phase1.contributions)
        find_hashes(rep.hashes, args.contribution_hash)
        return ({"kind": "phase1", "power": rep.power, "contributions": list(rep.names), "beacon": rep.beacon,
                 "imported": rep.imported, "hash": rep.hash, "hashes": list(rep.hashes)},
                f"phase-1 file {path} verified: 2^{rep.power}, {rep.contributions} steps "
                f"({', '.join(rep.names) or 'none'}){', beacon applied' if rep.beacon else ''}{note}")
    if kind == container.KIND_PREPARED:
        from ..ceremony.powers_of_tau import load_phase1
        from ..ceremony.prepare import verify_prepared

        prep = load_prepared(path)
        verify_prepared(prep, load_phase1(args.phase1) if args.phase1 else None)
        note = _check_root(args, prep.contributions)
        find_hashes([r.hash for r in prep.contributions], args.contribution_hash)
        return ({"kind": "prepared", "log_size": prep.log_size, "hash": prep.digest(),
                 "hashes": [r.hash for r in prep.contributions]},
                f"prepared file {path} verified: Lagrange points for 2^{prep.log_size} rows{note}")
    from ..ceremony.phase2 import initialize, load_phase2, verify_phase2
    from ..ceremony.prepare import verify_prepared

    prep = load_prepared(_need(args.prepared, "--prepared", "a phase-2 file"))
    r1cs = _read_circuit(_need(args.circuit, "--circuit", "a phase-2 file"))
    state = load_phase2(path)
    verify_prepared(prep)
    initial = initialize(prep, r1cs)
    previous = load_phase2(args.previous) if args.previous else None
    rep = verify_phase2(state, initial, previous)
    note = _check_root(args, prep.contributions)
    find_hashes([r.hash for r in state.phase1] + list(rep.hashes), args.contribution_hash)
    return ({"kind": "phase2", "contributions": list(rep.names), "hash": rep.hash, "hashes": list(rep.hashes)},
            f"phase-2 file {path} verified: {rep.contributions} contributions ({', '.join(rep.names) or 'none'})"
            f"{note}")


def _need(value, flag: str, what: str):
    if not value:
        raise InputError(f"verifying {what} needs {flag}")
    return value
