"""A proof bundle: one proven statement and what it cost, saved to and loaded from a directory.

::

    OUTDIR/statement.json          the statement: spec (with digest), public values, claims in the user's units
    OUTDIR/proof.json              snarkjs format
    OUTDIR/public.json             snarkjs format: the statement's public inputs, in order
    OUTDIR/verification_key.json   the prover's key, for convenience only: verifiers never take it on trust
    OUTDIR/bundle.json             circuit hash, constraints, time and peak memory, where the keys came from

The directory is written whole (a hidden sibling, then a rename), so it is complete or
absent.  Loading re-derives the statement's public inputs from its fields and refuses a
public.json that lists others.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import FormatError, InputError
from ..fileio import read_json, write_json
from ..groth16.keys import Proof, VerificationKey
from ..groth16.snarkjs_json import load_proof, load_public, load_verification_key, save_proof, save_public
from ..groth16.snarkjs_json import save_verification_key
from ..statements import statement_from_json
from ..statements.base import Statement

STATEMENT = "statement.json"
PROOF = "proof.json"
PUBLIC = "public.json"
VERIFICATION_KEY = "verification_key.json"
BUNDLE = "bundle.json"


@dataclass(frozen=True)
class ProofBundle:
    """A proof of ``statement`` with its circuit's hash and size and what proving it cost."""

    statement: Statement
    proof: Proof
    circuit_hash: str
    constraints: int
    vk: Optional[VerificationKey] = None
    info: dict[str, Any] = field(default_factory=dict)  # seconds, peak memory, key source

    def public_inputs(self) -> list[int]:
        """The statement's public inputs, in order."""
        return self.statement.public_inputs()

    def save(self, directory: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the bundle as a new directory (atomically); returns its path."""
        target = Path(directory)
        check_output_dir(target, overwrite)
        parent = target.parent if str(target.parent) else Path(".")
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        try:
            write_json(tmp / STATEMENT, self.statement.to_json())
            save_proof(self.proof, tmp / PROOF)
            save_public(self.public_inputs(), tmp / PUBLIC)
            if self.vk is not None:
                save_verification_key(self.vk, tmp / VERIFICATION_KEY)
            write_json(tmp / BUNDLE, {"circuit_hash": self.circuit_hash, "constraints": self.constraints,
                                      **self.info})
            os.chmod(tmp, 0o755)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    @staticmethod
    def load(directory: str | os.PathLike) -> "ProofBundle":
        """Read a bundle directory; FormatError (one sentence) when a file is missing or inconsistent."""
        path = Path(directory)
        if not path.is_dir():
            raise InputError(f"proof directory {str(path)!r} does not exist")
        statement = statement_from_json(read_json(path / STATEMENT, "statement"), f"statement {str(path / STATEMENT)!r}")
        proof = load_proof(path / PROOF)
        if (path / PUBLIC).exists() and load_public(path / PUBLIC) != statement.public_inputs():
            raise FormatError(f"{str(path / PUBLIC)!r} does not list the statement's public inputs")
        info = read_json(path / BUNDLE, "bundle") if (path / BUNDLE).exists() else {}
        if not isinstance(info, dict):
            raise FormatError(f"{str(path / BUNDLE)!r} must hold a JSON object")
        vk = load_verification_key(path / VERIFICATION_KEY) if (path / VERIFICATION_KEY).exists() else None
        extra = {k: v for k, v in info.items() if k not in ("circuit_hash", "constraints")}
        return ProofBundle(statement, proof, str(info.get("circuit_hash", "")), int(info.get("constraints", 0) or 0),
                           vk, extra)


def check_output_dir(target: Path, overwrite: bool = False) -> None:
    """Refuse, before any work, an output path that exists (unless ``overwrite``) or cannot be written."""
    if target.exists() and not overwrite:
        if not target.is_dir() or any(target.iterdir()):
            raise InputError(f"{str(target)!r} already exists; choose a new output directory")
    parent = target.parent if str(target.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        raise InputError(f"cannot write into {str(probe)!r}; choose another output directory")
