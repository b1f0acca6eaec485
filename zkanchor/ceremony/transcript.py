"""Finishing a ceremony: the key directory and its transcript, and re-verifying both.

``finish`` writes a KEYDIR exactly like ``zkanchor setup`` (``save_keydir``), marks its
``setup.json`` as coming from a ceremony, and adds ``ceremony.json``::

    {
      "protocol": "groth16", "curve": "bn128",
      "circuit_sha256": ...,            # the .r1cs bytes
      "phase1": [record, ...],          # every phase-1 step: name, kind, previous_hash,
                                        #   hash (sha256 chain), points, proofs, beacon
      "prepared_hash": ..., "log_size": m,
      "phase2_initial_hash": ...,       # the key initialize() derives from the two above
      "phase2": [record, ...],          # every delta contribution: name, previous_hash, hash,
                                        #   delta_g1, proof
      "final_hash": ...                 # = the last phase-2 record's hash = the key's digest
    }

A third party re-verifies with :func:`verify_keydir` from files alone: the key
directory (circuit, proving key, transcript) and the prepared phase-1 file.  The
prepared file is checked against the phase-1 transcript, the initial key recomputed
from it and the circuit, and the final key checked against both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import FormatError
from ..fileio import read_json, write_json
from ..groth16 import keydir as keydir_mod
from ..r1cs.circom_r1cs import decode_r1cs
from .checks import require
from .phase2 import (Phase2, Phase2Contribution, Phase2Report, circuit_digest, initialize, key_digest,
                     verify_phase2)
from .powers_of_tau import Contribution
from .prepare import Prepared, verify_prepared

TRANSCRIPT = "ceremony.json"


@dataclass(frozen=True)
class CeremonyReport:
    """The outcome of verifying a whole ceremony."""

    phase1_names: tuple
    phase2_names: tuple
    beacon: bool
    imported: bool
    final_hash: str


def transcript_json(state: Phase2, prep: Prepared) -> dict:
    """The ceremony.json object for a finished phase-2 state."""
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "circuit_sha256": state.circuit_sha256,
        "phase1": [c.to_json() for c in state.phase1],
        "prepared_hash": state.prepared_hash,
        "log_size": prep.log_size,
        "phase2_initial_hash": state.initial_hash,
        "phase2": [c.to_json() for c in state.contributions],
        "final_hash": key_digest(state.pk),
    }


def finish(state: Phase2, prep: Prepared, r1cs_bytes: bytes, out: str | os.PathLike, progress=None) -> CeremonyReport:
    """Verify the whole ceremony, then write KEYDIR (keys, circuit, setup.json, ceremony.json)."""
    r1cs = decode_r1cs(r1cs_bytes, "circuit")
    report = verify_ceremony(state, prep, r1cs_bytes, progress)
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
    keydir_mod.save_keydir(out, r1cs_bytes, r1cs, state.pk, provenance)
    return report


def verify_ceremony(state: Phase2, prep: Prepared, r1cs_bytes: bytes, progress=None) -> CeremonyReport:
    """Check prepared file, circuit and final key together; CeremonyCheckFailed if not."""
    tick = progress or (lambda _s: None)
    require(state.circuit_sha256 == circuit_digest(r1cs_bytes), "the key was made for a different circuit")
    require(state.prepared_hash == prep.digest(), "the key was not started from this prepared phase-1 file")
    tick("prepared phase 1")
    verify_prepared(prep)
    tick("initial key")
    initial = initialize(prep, decode_r1cs(r1cs_bytes, "circuit"), r1cs_bytes)
    tick("phase 2")
    rep: Phase2Report = verify_phase2(state, initial)
    records = state.phase1
    return CeremonyReport(
        phase1_names=tuple(r.name for r in records),
        phase2_names=rep.names,
        beacon=any(r.kind == "beacon" for r in records),
        imported=bool(records) and records[0].kind == "imported",
        final_hash=rep.hash,
    )


def load_keydir_state(path: str | os.PathLike) -> tuple[Phase2, bytes]:
    """The phase-2 state a finished KEYDIR holds (key + ceremony.json), and its circuit bytes."""
    keys = keydir_mod.load_keydir(path)
    what = f"transcript {str(Path(path) / TRANSCRIPT)!r}"
    obj = read_json(Path(path) / TRANSCRIPT, "ceremony transcript")
    try:
        state = Phase2(
            pk=keys.pk,
            circuit_sha256=str(obj["circuit_sha256"]),
            prepared_hash=str(obj["prepared_hash"]),
            initial_hash=str(obj["phase2_initial_hash"]),
            phase1=tuple(Contribution.from_json(r, what) for r in obj["phase1"]),
            contributions=tuple(Phase2Contribution.from_json(r, what) for r in obj["phase2"]),
        )
    except (KeyError, TypeError) as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    raw = (Path(path) / keydir_mod.CIRCUIT).read_bytes()
    require(str(obj.get("final_hash")) == key_digest(keys.pk),
            "the transcript's final hash does not match the proving key in the directory")
    return state, raw


def verify_keydir(path: str | os.PathLike, prep: Prepared, progress=None) -> CeremonyReport:
    """Re-verify a finished KEYDIR from its files and the prepared phase-1 file."""
    state, raw = load_keydir_state(path)
    return verify_ceremony(state, prep, raw, progress)
