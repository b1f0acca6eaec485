"""Finishing a ceremony: the key directory and its transcript, and re-verifying both.

``finish`` writes a KEYDIR exactly like ``zkanchor setup`` (``save_keydir``), marks its
``setup.json`` as coming from a ceremony, and adds ``ceremony.json``::

    {
      "protocol": "groth16", "curve": "bn128",
      "circuit_hash": ...,              # zkanchor.r1cs.circuit_hash of the circuit (hex),
                                        #   the same one setup.json names
      "phase1": [record, ...],          # every phase-1 step: name, kind, previous_hash, hash,
                                        #   heads (the points after it), accumulator digest,
                                        #   proofs, beacon
      "prepared_hash": ..., "log_size": m,
      "phase2_initial_hash": ...,       # the key initialize() derives from the two above
      "phase2": [record, ...],          # every delta contribution: name, previous_hash, hash,
                                        #   delta_g1, delta_g2, key digest, proof
      "final_hash": ...                 # the key's digest = the last phase-2 record's key digest
    }

Every record's hash is recomputed from its own contents on verification, so a
contributor finds the hash they were told to keep in the transcript or knows they were
left out.  A third party re-verifies with :func:`verify_keydir` from files alone: the
key directory (circuit, proving key, transcript) and the prepared phase-1 file.  The
prepared file is checked against the phase-1 transcript, the initial key recomputed
from it and the circuit, and the final key checked against both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import FormatError, InputError
from ..fileio import read_bytes, write_json
from ..groth16 import keydir as keydir_mod
from ..r1cs import R1CS
from ..r1cs.circom_r1cs import decode_r1cs
from .checks import require
from .container import parse_json_unique
from .phase2 import Phase2, Phase2Contribution, Phase2Report, circuit_digest, initialize, key_digest, verify_phase2
from .powers_of_tau import records_from_json
from .prepare import Prepared, verify_prepared

TRANSCRIPT = "ceremony.json"
_TRANSCRIPT_KEYS = {"protocol", "curve", "circuit_hash", "phase1", "prepared_hash", "log_size",
                    "phase2_initial_hash", "phase2", "final_hash"}


@dataclass(frozen=True)
class CeremonyReport:
    """The outcome of verifying a whole ceremony (``*_hashes``: every record's hash, in order)."""

    phase1_names: tuple
    phase2_names: tuple
    beacon: bool
    imported: bool
    final_hash: str
    phase1_hashes: tuple = ()
    phase2_hashes: tuple = ()

    def describe(self) -> str:
        """One line for people: who contributed, and whether a beacon closed phase 1."""
        return (f"ceremony verified: phase 1 by {', '.join(self.phase1_names) or 'nobody'}"
                f"{' (rooted in an imported .ptau)' if self.imported else ''}"
                f"{', closed by a beacon' if self.beacon else ''}; "
                f"phase 2 by {', '.join(self.phase2_names) or 'nobody'}")


def _circuit(r1cs) -> R1CS:
    return decode_r1cs(r1cs, "circuit") if isinstance(r1cs, (bytes, bytearray)) else r1cs


def transcript_json(state: Phase2, prep: Prepared) -> dict:
    """The ceremony.json object for a finished phase-2 state."""
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "circuit_hash": state.circuit_hash,
        "phase1": [c.to_json() for c in state.phase1],
        "prepared_hash": state.prepared_hash,
        "log_size": prep.log_size,
        "phase2_initial_hash": state.initial_hash,
        "phase2": [c.to_json() for c in state.contributions],
        "final_hash": key_digest(state.pk),
    }


def finish(state: Phase2, prep: Prepared, r1cs, out: str | os.PathLike, progress=None) -> CeremonyReport:
    """Verify the whole ceremony, then write KEYDIR (keys, circuit, setup.json, ceremony.json).

    ``r1cs`` is the circuit (an R1CS, or .r1cs bytes).
    """
    r1cs = _circuit(r1cs)
    report = verify_ceremony(state, prep, r1cs, progress)
    provenance = {
        "trusted_setup": "multi-party ceremony",
        "ceremony": {
            "transcript": TRANSCRIPT,
            "phase1_contributors": list(report.phase1_names),
            "phase2_contributors": list(report.phase2_names),
            "beacon": report.beacon,
        },
    }
    # The transcript goes in first: setup.json, written last by save_keydir, marks completion.
    Path(out).mkdir(parents=True, exist_ok=True)
    write_json(Path(out) / TRANSCRIPT, transcript_json(state, prep))
    keydir_mod.save_keydir(out, r1cs, state.pk, provenance)
    return report


def verify_ceremony(state: Phase2, prep: Prepared, r1cs, progress=None) -> CeremonyReport:
    """Check prepared file, circuit and final key together; CeremonyCheckFailed if not."""
    tick = progress or (lambda _s: None)
    r1cs = _circuit(r1cs)
    require(state.circuit_hash == circuit_digest(r1cs), "the key was made for a different circuit")
    require(state.prepared_hash == prep.digest(), "the key was not started from this prepared phase-1 file")
    tick("prepared phase 1")
    verify_prepared(prep)
    tick("initial key")
    initial = initialize(prep, r1cs)
    tick("phase 2")
    rep: Phase2Report = verify_phase2(state, initial)
    records = state.phase1
    return CeremonyReport(
        phase1_names=tuple(r.name for r in records),
        phase2_names=rep.names,
        beacon=any(r.kind == "beacon" for r in records),
        imported=bool(records) and records[0].kind == "imported",
        final_hash=rep.hash,
        phase1_hashes=tuple(r.hash for r in records),
        phase2_hashes=rep.hashes,
    )


def load_keydir_state(path: str | os.PathLike, r1cs: Optional[R1CS] = None) -> tuple[Phase2, R1CS]:
    """The phase-2 state a finished KEYDIR holds (key + ceremony.json), and its circuit.

    The circuit is the directory's circuit.r1cs, or ``r1cs`` for a directory written
    without one (a statement's keys); either must have the hash setup.json names.
    """
    keys = keydir_mod.load_keydir(path, r1cs)
    if keys.r1cs is None:
        raise InputError(f"key directory {str(path)!r} holds no circuit file; pass the circuit to verify it against")
    what = f"transcript {str(Path(path) / TRANSCRIPT)!r}"
    obj = parse_json_unique(read_bytes(Path(path) / TRANSCRIPT, "ceremony transcript"), what)
    if not isinstance(obj, dict):
        raise FormatError(f"{what} is not a JSON object")
    unknown = sorted(set(obj) - _TRANSCRIPT_KEYS)
    if unknown:
        raise FormatError(f"{what} has an unknown field {unknown[0]!r}")
    try:
        for name in ("circuit_hash", "prepared_hash", "phase2_initial_hash", "final_hash"):
            if not isinstance(obj[name], str):
                raise FormatError(f"{what} has no {name}")
        if not isinstance(obj["phase2"], list):
            raise FormatError(f"{what} has no list of phase-2 records")
        state = Phase2(
            pk=keys.pk,
            circuit_hash=obj["circuit_hash"],
            prepared_hash=obj["prepared_hash"],
            initial_hash=obj["phase2_initial_hash"],
            phase1=records_from_json(obj["phase1"], what),
            contributions=tuple(Phase2Contribution.from_json(r, what) for r in obj["phase2"]),
        )
    except KeyError as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    require(obj["circuit_hash"] == keys.circuit_hash,
            "the transcript names another circuit than the key directory's setup.json")
    require(obj["final_hash"] == key_digest(keys.pk),
            "the transcript's final hash does not match the proving key in the directory")
    return state, keys.r1cs


def verify_keydir(path: str | os.PathLike, prep: Prepared, progress=None,
                  r1cs: Optional[R1CS] = None) -> CeremonyReport:
    """Re-verify a finished KEYDIR from its files and the prepared phase-1 file."""
    state, circuit = load_keydir_state(path, r1cs)
    return verify_ceremony(state, prep, circuit, progress)
