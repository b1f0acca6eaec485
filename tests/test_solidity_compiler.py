"""Solidity compiler discovery, the solc-js shim, compiling, and the artifact cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from zkanchor.errors import CompilationError, CompilerNotFound
from zkanchor.paths import node_modules_dir
from zkanchor.solidity import compiler as comp
from zkanchor.solidity.compiler import CompiledContract, compile_source, find_compiler, solcjs_wrapper

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
needs_solcjs = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

SOURCE = """// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.4;
contract Adder {
    function add(uint256 a, uint256 b) external pure returns (uint256) { return a + b; }
}
"""


def _npm_solc_version() -> str:
    return json.loads((node_modules_dir() / "solc" / "package.json").read_text())["version"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test gets its own cache directory and no ZKANCHOR_SOLC from the environment."""
    monkeypatch.setenv("ZKANCHOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ZKANCHOR_SOLC", raising=False)
    return tmp_path


def _fake_solc(directory: Path, version_line: str | None = None) -> Path:
    """A `solc` executable in ``directory``: forwards to solc-js, or only prints a version."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "solc"
    if version_line is None:
        path.write_text(f'#!/bin/sh\nexec "{solcjs_wrapper()}" "$@"\n')
    else:
        path.write_text(f"#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\necho '{version_line}'\n")
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------- discovery

@pytest.mark.node
@needs_solcjs
def test_solcjs_fallback_is_found_and_reports_the_pinned_version(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin") + os.pathsep + str(Path(shutil.which("node")).parent))
    compiler = find_compiler(native=False)
    assert compiler.kind == "solcjs"
    assert compiler.version.startswith(_npm_solc_version() + "+commit.")
    assert os.access(compiler.path, os.X_OK)


@pytest.mark.node
@needs_solcjs
def test_explicit_path_wins_over_everything(monkeypatch, tmp_path):
    native = _fake_solc(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    explicit = _fake_solc(tmp_path / "elsewhere")
    assert find_compiler(explicit=explicit).kind == "explicit"
    assert find_compiler(explicit=explicit).path == explicit
    monkeypatch.setenv("ZKANCHOR_SOLC", str(explicit))
    found = find_compiler()
    assert (found.kind, found.path) == ("explicit", explicit)
    monkeypatch.delenv("ZKANCHOR_SOLC")
    found = find_compiler()
    assert (found.kind, found.path) == ("native", native)


@pytest.mark.node
@needs_solcjs
def test_native_solc_on_path_comes_before_solcjs_unless_too_old(monkeypatch, tmp_path):
    _fake_solc(tmp_path / "new")
    monkeypatch.setenv("PATH", str(tmp_path / "new") + os.pathsep + os.environ["PATH"])
    assert find_compiler().kind == "native"
    _fake_solc(tmp_path / "old", "Version: 0.7.6+commit.7338295f.Linux.g++")
    monkeypatch.setenv("PATH", str(tmp_path / "old") + os.pathsep + os.environ["PATH"])
    assert find_compiler().kind == "solcjs"


def test_a_bogus_explicit_path_is_one_clear_sentence(monkeypatch, tmp_path):
    missing = tmp_path / "no" / "solc"
    with pytest.raises(CompilerNotFound, match="does not exist") as info:
        find_compiler(explicit=missing)
    assert str(missing) in str(info.value)
    monkeypatch.setenv("ZKANCHOR_SOLC", str(missing))
    with pytest.raises(CompilerNotFound, match="ZKANCHOR_SOLC") as info:
        find_compiler()
    assert "\n" not in str(info.value)


def test_an_explicit_file_that_is_no_compiler_is_refused(tmp_path):
    fake = tmp_path / "solc"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    with pytest.raises(CompilerNotFound, match="did not report a version"):
        find_compiler(explicit=fake)


def test_nothing_found_says_how_to_get_a_compiler(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("ZKANCHOR_NODE_MODULES", str(tmp_path / "no_node_modules"))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "no_solcx"))
    (tmp_path / "no_solcx").mkdir()
    with pytest.raises(CompilerNotFound) as info:
        find_compiler()
    message = str(info.value)
    assert "scripts/setup.sh" in message and "npm install solc" in message and "ZKANCHOR_SOLC" in message


# ---------------------------------------------------------------- the shim

@pytest.mark.node
@needs_solcjs
def test_shim_speaks_like_native_solc_for_py_solc_x():
    from solcx.wrapper import get_solc_version

    shim = subprocess.run(
        ["node", str(comp.SHIM), "--node-modules", str(node_modules_dir()), "--version"],
        capture_output=True, text=True, timeout=60,
    )
    assert shim.stdout.startswith("solc, the solidity compiler commandline interface\nVersion: ")
    wrapper = solcjs_wrapper()
    # The wrapper answers --version from its own probe of the shim: the same text.
    assert subprocess.run([str(wrapper), "--version"], capture_output=True, text=True).stdout == shim.stdout
    assert str(get_solc_version(wrapper)) == _npm_solc_version()
    standard = {
        "language": "Solidity",
        "sources": {"Adder.sol": {"content": SOURCE}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    proc = subprocess.run(
        [str(wrapper), "--standard-json", "--allow-paths", "/tmp,/x", "--base-path", "/"],
        input=json.dumps(standard), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["contracts"]["Adder.sol"]["Adder"]["abi"][0]["name"] == "add"
    bad = subprocess.run([str(wrapper), "--frobnicate"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.startswith("unrecognised option '--frobnicate'")


# ---------------------------------------------------------------- compiling and caching

@pytest.mark.node
@needs_solcjs
def test_compile_gives_abi_bytecode_and_provenance():
    compiled = compile_source(SOURCE, "Adder")
    assert [e["name"] for e in compiled.abi if e["type"] == "function"] == ["add"]
    assert compiled.bytecode.startswith("0x") and len(compiled.bytecode) > len(compiled.deployed_bytecode) > 2
    assert 0 < compiled.deployed_size < 1000
    assert compiled.compiler_version.startswith(_npm_solc_version())
    assert compiled.settings["evmVersion"] == comp.DEFAULT_EVM_VERSION
    assert CompiledContract.from_json(json.loads(json.dumps(compiled.to_json()))) == compiled


@pytest.mark.node
@needs_solcjs
def test_a_warm_cache_needs_no_compiler(monkeypatch, tmp_path):
    compiled = compile_source(SOURCE, "Adder")
    monkeypatch.setenv("ZKANCHOR_SOLC", str(tmp_path / "definitely" / "not" / "solc"))
    monkeypatch.setenv("ZKANCHOR_NODE_MODULES", str(tmp_path / "nothing-here"))
    assert compile_source(SOURCE, "Adder") == compiled
    # Different settings are a different artifact, which does need the (missing) compiler.
    with pytest.raises(CompilerNotFound):
        compile_source(SOURCE, "Adder", runs=999)


@pytest.mark.node
@needs_solcjs
def test_a_damaged_cache_entry_is_recompiled(tmp_path):
    compiled = compile_source(SOURCE, "Adder")
    entries = list((tmp_path / "cache" / "solc").glob("*/*.json"))
    assert len(entries) == 1
    entries[0].write_text("{not json")
    assert compile_source(SOURCE, "Adder") == compiled
    assert json.loads(entries[0].read_text())["bytecode"] == compiled.bytecode


@pytest.mark.node
@needs_solcjs
def test_compile_errors_carry_the_first_compiler_message():
    broken = SOURCE.replace("return a + b;", "return a + c;")
    with pytest.raises(CompilationError, match=r"Undeclared identifier.*Adder\.sol:4"):
        compile_source(broken, "Adder")
    with pytest.raises(CompilationError, match="does not define a contract named 'Subtractor'"):
        compile_source(SOURCE, "Subtractor")
