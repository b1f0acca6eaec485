"""A built wheel works outside the checkout: verify, render a verifier, run a tiny simulation.

The wheel is built from a copy of the sources (nothing is written into the checkout) and
installed into a fresh virtual environment in a temporary directory; its dependencies come
from the test's own environment through a path entry, so the test needs no network.  The
commands then run from a directory that holds no checkout, with the npm tools named
explicitly (a user installs solc-js wherever they like).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "zkanchor", "contracts")
INSTITUTION = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyc", "*.egg-info")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python executable of a fresh venv holding only the built wheel, environment to run it in)."""
    base = tmp_path_factory.mktemp("wheel")
    src, dist, env_dir, work = base / "src", base / "dist", base / "venv", base / "work"
    src.mkdir(), work.mkdir()
    _copy_sources(src)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
        check=True, cwd=base, capture_output=True,
    )
    (wheel,) = dist.glob("zkanchor-*.whl")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies (numpy, web3, ...) from this environment; zkanchor itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True,
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(base / "home"),
        "ZKANCHOR_CACHE": str(base / "cache"),
        "ZKANCHOR_NODE_MODULES": str(ROOT / "node_modules"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return python, env, work


def _zkanchor(installed, *argv, expect=0):
    python, env, work = installed
    done = subprocess.run([python, "-m", "zkanchor", *map(str, argv)], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == expect, done.stderr[-2000:]
    return done.stdout


def test_the_package_comes_from_the_wheel_with_its_contracts(installed):
    python, env, work = installed
    probe = "import zkanchor, zkanchor.paths as p; print(zkanchor.__file__); print(p.contracts_dir())"
    out = subprocess.run([python, "-c", probe], cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    package_file, contracts = out.split()
    assert str(ROOT) not in package_file and "site-packages" in package_file
    names = {p.name for p in Path(contracts).iterdir()}
    assert {"ZkAnchorRegistry.sol", "Groth16Verifier.sol.tmpl", "artifacts"} <= names
    assert _zkanchor(installed, "--version").strip()


def test_prove_verify_and_render_a_verifier_from_the_wheel(installed):
    _, _, work = installed
    rows = [(0.5, 1.25, 1), (-1.0, 0.5, 0), (1.5, -0.25, 1), (-0.75, -1.0, 0), (0.25, 0.75, 1), (-1.5, 0.25, 0)]
    (work / "train.csv").write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    _zkanchor(installed, "commit", "train.csv", "--target", "label", "--institution", INSTITUTION, "-o", "ds")
    _zkanchor(installed, "train", "ds", "--model", "logreg", "--epochs", "1", "-o", "model")
    _zkanchor(installed, "prove-training", "ds", "model", "-o", "proof", "--institution", INSTITUTION)
    report = json.loads(_zkanchor(installed, "verify-training", "proof", "--json"))
    assert report["valid"] is True
    keydirs = sorted((Path(installed[1]["ZKANCHOR_CACHE"]) / "keys").iterdir())
    assert keydirs
    _zkanchor(installed, "export-verifier", keydirs[0] / "verification_key.json", "-o", "Verifier.sol")
    assert "function verifyProof" in (work / "Verifier.sol").read_text()


def test_a_tiny_simulation_deploys_the_shipped_registry(installed):
    _, _, work = installed
    (work / "tiny.toml").write_text(textwrap.dedent("""
        [scenario]
        name = "tiny"
        description = "two clinics, one honest proof each, on the embedded chain"
        seed = 5

        [model]
        kind = "logreg"
        epochs = 1
        learning_rate = 0.5

        [[institution]]
        name = "Clinic A"
        data = { source = "synthetic", generator = "logistic", rows = 6, features = 2 }

        [[institution]]
        name = "Clinic B"
        data = { source = "synthetic", generator = "logistic", rows = 6, features = 2 }
    """))
    summary = json.loads(_zkanchor(installed, "simulate", "tiny.toml", "-o", "report", "--no-charts", "--workers", "1", "--json"))
    assert summary["ok"] is True
    assert (work / "report" / "summary.md").is_file()
