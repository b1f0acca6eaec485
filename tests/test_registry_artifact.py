"""The shipped registry artifact (contracts/artifacts/ZkAnchorRegistry.json) is the current
source compiled: installed copies deploy it without a compiler, so it must not drift."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from zkanchor.anchor.registry import CONTRACT_NAME, compile_registry, registry_source, shipped_registry_artifact
from zkanchor.paths import contracts_dir, node_modules_dir
from zkanchor.solidity.compiler import compile_source

REBUILD = "the registry source changed: run scripts/build_registry_artifact.py and commit the artifact"


def test_the_shipped_artifact_is_the_current_source():
    artifact = shipped_registry_artifact()
    assert artifact is not None, REBUILD
    assert artifact.source_hash == hashlib.sha256(registry_source().encode()).hexdigest()
    assert compile_registry() == artifact  # deploying uses it: no compiler needed


def test_an_artifact_of_another_source_is_not_used(tmp_path, monkeypatch):
    for name in ("ZkAnchorRegistry.sol", "Groth16Verifier.sol.tmpl"):
        shutil.copy(contracts_dir() / name, tmp_path / name)
    (tmp_path / "artifacts").mkdir()
    shutil.copy(contracts_dir() / "artifacts" / f"{CONTRACT_NAME}.json", tmp_path / "artifacts")
    monkeypatch.setenv("ZKANCHOR_CONTRACTS", str(tmp_path))
    assert shipped_registry_artifact() is not None
    edited = tmp_path / "ZkAnchorRegistry.sol"
    edited.write_text(edited.read_text() + "\n// an edit the artifact was not rebuilt for\n")
    assert shipped_registry_artifact() is None  # compile_registry would compile the edited source instead
    (tmp_path / "artifacts" / f"{CONTRACT_NAME}.json").write_text("{not json")
    assert shipped_registry_artifact() is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None or not (node_modules_dir() / "solc").is_dir(),
                    reason="needs node and solc-js (scripts/setup.sh)")
def test_the_artifact_is_reproduced_by_the_pinned_compiler():
    fresh = compile_source(registry_source(), CONTRACT_NAME, via_ir=True, use_cache=False)
    shipped = shipped_registry_artifact()
    assert shipped is not None, REBUILD
    assert (fresh.bytecode, fresh.abi, fresh.compiler_version) == (shipped.bytecode, shipped.abi, shipped.compiler_version)
