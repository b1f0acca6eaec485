"""snarkjs's own Groth16 pipeline, for tests that check interoperability with it.

The powers-of-tau file is made once and kept in the cache directory (it takes seconds
to prepare); everything else happens in the caller's temporary directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from zkanchor.paths import cache_dir

from circom_tools import snarkjs

PTAU_POWER = 8  # 256 rows: plenty for the test circuits, quick to make
ENTROPY = "zkanchor tests"


def ptau_file(power: int = PTAU_POWER) -> Path:
    """A prepared powers-of-tau file of 2^power, made once and cached."""
    final = cache_dir("ptau") / f"bn128_pot{power}_final.ptau"
    if final.exists():
        return final
    with tempfile.TemporaryDirectory(dir=final.parent) as tmp:
        t = Path(tmp)
        snarkjs("powersoftau", "new", "bn128", str(power), t / "0.ptau")
        snarkjs("powersoftau", "contribute", t / "0.ptau", t / "1.ptau", "--name=tests", f"-e={ENTROPY}")
        snarkjs("powersoftau", "prepare", "phase2", t / "1.ptau", t / "final.ptau")
        os.replace(t / "final.ptau", final)  # atomic: parallel runs never see half a file
    return final


def groth16_setup(r1cs: Path, directory: Path) -> tuple[Path, Path]:
    """snarkjs setup with one phase-2 contribution; returns (final.zkey, verification_key.json)."""
    directory.mkdir(parents=True, exist_ok=True)
    zkey0, zkey, vk = directory / "0.zkey", directory / "final.zkey", directory / "verification_key.json"
    snarkjs("groth16", "setup", r1cs, ptau_file(), zkey0)
    snarkjs("zkey", "contribute", zkey0, zkey, "--name=tests", f"-e={ENTROPY}")
    snarkjs("zkey", "export", "verificationkey", zkey, vk)
    return zkey, vk


def groth16_prove(zkey: Path, wtns: Path, directory: Path) -> tuple[Path, Path]:
    """snarkjs prove from a .wtns; returns (proof.json, public.json)."""
    proof, public = directory / "proof.json", directory / "public.json"
    snarkjs("groth16", "prove", zkey, wtns, proof, public)
    return proof, public


def groth16_verify(vk: Path, public: Path, proof: Path) -> bool:
    """snarkjs's verdict (``snarkjs groth16 verify`` exits 0 and prints OK only for a valid proof)."""
    proc = snarkjs("groth16", "verify", vk, public, proof, check=False)
    return proc.returncode == 0 and "OK" in proc.stdout


def write_json(path: Path, obj) -> Path:
    """Write a JSON fixture file."""
    path.write_text(json.dumps(obj))
    return path
