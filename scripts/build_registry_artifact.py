"""Compile contracts/ZkAnchorRegistry.sol and write the shipped artifact
contracts/artifacts/ZkAnchorRegistry.json (ABI, bytecode, source hash, compiler, settings).

Installed copies of zkanchor deploy the registry from this artifact, so they need no
Solidity compiler; tests/test_registry_artifact.py fails when the source changed and the
artifact was not rebuilt.  Run after editing the contract:

    .venv/bin/python scripts/build_registry_artifact.py
"""

from __future__ import annotations

import json

from zkanchor.anchor.registry import ARTIFACT_FILE, CONTRACT_NAME, registry_source
from zkanchor.fileio import atomic_write_text
from zkanchor.paths import contracts_dir
from zkanchor.solidity.compiler import compile_source


def main() -> None:
    compiled = compile_source(registry_source(), CONTRACT_NAME, via_ir=True, use_cache=False)
    path = contracts_dir() / ARTIFACT_FILE
    atomic_write_text(path, json.dumps(compiled.to_json(), indent=1, sort_keys=True) + "\n")
    print(f"{path}: {CONTRACT_NAME}, {compiled.deployed_size:,} bytes of runtime code, solc {compiled.compiler_version}")


if __name__ == "__main__":
    main()
