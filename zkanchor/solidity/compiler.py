"""Find a Solidity compiler, compile one source, and cache the result.

Discovery order (first hit wins):

1. an explicit path — the ``explicit`` argument or the ``ZKANCHOR_SOLC`` variable;
2. a native ``solc`` on ``PATH``, or one py-solc-x has installed (nothing is downloaded);
3. the npm package ``solc`` (solc-js) in the project's ``node_modules``, run through
   ``solcjs_shim.js`` behind a small wrapper script so that it looks like a native binary.

Whatever is found is driven through py-solc-x's ``compile_standard``.

Compiled artifacts are cached as JSON in ``<cache>/solc/<key>/<compiler version>.json``
where ``key`` is the sha256 of the source, the contract name and the compiler settings.
Unless a specific compiler is asked for, any cached version satisfies a lookup, so a warm
cache deploys with no compiler installed at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CompilationError, CompilerNotFound, FormatError
from ..fileio import read_json, write_json
from ..paths import cache_dir, node_modules_dir

ENV_SOLC = "ZKANCHOR_SOLC"
DEFAULT_EVM_VERSION = "cancun"  # solc 0.8.28's default; run by py-evm (Prague VM) and anvil
MIN_VERSION = (0, 8, 4)  # custom errors and calldata slices that our contracts use
SHIM = Path(__file__).resolve().parent / "solcjs_shim.js"
HOW_TO_GET_ONE = (
    "run `bash scripts/setup.sh` (or `npm install solc@0.8.28` in the project), "
    f"or set {ENV_SOLC} to the path of a solc executable"
)

# Same shape py-solc-x parses: "0.8.28+commit.7893614a" (optionally "-nightly.Y.M.D").
_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)(-nightly\.\d+\.\d+\.\d+)?(\+commit\.[0-9a-f]+)", re.ASCII)
_PROBE_TIMEOUT_S = 60


@dataclass(frozen=True)
class Compiler:
    """A runnable Solidity compiler: ``kind`` is 'explicit', 'native' or 'solcjs'."""

    path: Path
    version: str
    kind: str

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        """(major, minor, patch) of the compiler."""
        return _version_tuple(self.version)


@dataclass(frozen=True)
class CompiledContract:
    """One compiled contract: ABI, creation and runtime bytecode (0x-hex), provenance."""

    contract_name: str
    abi: list
    bytecode: str
    deployed_bytecode: str
    source_hash: str
    compiler_version: str
    settings: dict = field(default_factory=dict)

    @property
    def deployed_size(self) -> int:
        """Size of the runtime code in bytes (the EIP-170 limit is 24,576)."""
        return (len(self.deployed_bytecode) - 2) // 2

    def to_json(self) -> dict:
        """A JSON-ready dict (the cache format)."""
        return asdict(self) | {"deployed_size": self.deployed_size}

    @classmethod
    def from_json(cls, obj: Any) -> "CompiledContract":
        """Rebuild from :meth:`to_json` output; raises FormatError on anything malformed."""
        names = ("contract_name", "abi", "bytecode", "deployed_bytecode", "source_hash", "compiler_version")
        if not isinstance(obj, dict) or any(n not in obj for n in names):
            raise FormatError("compiled contract JSON lacks one of " + ", ".join(names))
        if not isinstance(obj["abi"], list) or not all(
            isinstance(obj[n], str) and obj[n].startswith("0x") for n in ("bytecode", "deployed_bytecode")
        ):
            raise FormatError("compiled contract JSON has a malformed abi or bytecode")
        return cls(**{n: obj[n] for n in names}, settings=obj.get("settings", {}))


# ---------------------------------------------------------------- discovery

def _version_tuple(version: str) -> tuple[int, int, int]:
    match = _VERSION_RE.search(version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else (0, 0, 0)


_probed: dict[tuple[str, int], str] = {}


def _probe(path: Path) -> str | None:
    """The compiler's version string ('0.8.28+commit.7893614a'), or None if it does not run.

    Successes are remembered per (path, mtime) — each probe of solc-js starts Node — but
    failures are not, as they may be passing (node_modules being reinstalled).
    """
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _probed:
        try:
            proc = subprocess.run([key[0], "--version"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            return None
        match = _VERSION_RE.search(proc.stdout) if proc.returncode == 0 else None
        if match is None:
            return None
        _probed[key] = match.group(0)
    return _probed[key]


def _explicit(path_text: str, source: str) -> Compiler:
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise CompilerNotFound(
            f"the Solidity compiler {str(path)!r} given by {source} does not exist; "
            f"fix the path, or unset it to search PATH, py-solc-x and node_modules"
        )
    version = _probe(path)
    if version is None:
        raise CompilerNotFound(
            f"the Solidity compiler {str(path)!r} given by {source} did not run or did not "
            f"report a version for `--version`; point it at a solc executable"
        )
    return Compiler(path=path, version=version, kind="explicit")


def _native_candidates() -> list[Path]:
    found = []
    on_path = shutil.which("solc")
    if on_path:
        found.append(Path(on_path))
    try:
        import solcx  # only lists what is installed; never downloads

        for v in solcx.get_installed_solc_versions():
            try:
                found.append(Path(solcx.install.get_executable(v)))
            except Exception:  # a half-installed version: skip it  # noqa: BLE001
                continue
    except Exception:  # py-solc-x missing or its folder unreadable  # noqa: BLE001
        pass
    return found


def _write_executable(path: Path, text: str) -> None:
    # Written and chmod-ed under a temporary name, then renamed: a concurrent process
    # never sees a half-written or non-executable wrapper.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _solcjs_version_line(node: str, modules: Path) -> str | None:
    try:
        proc = subprocess.run(
            [node, str(SHIM), "--node-modules", str(modules), "--version"],
            capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("Version: ")]
    if proc.returncode != 0 or not lines or not _VERSION_RE.search(lines[0]):
        return None
    return lines[0]


def solcjs_wrapper(node_modules: Path | None = None) -> Path | None:
    """An executable script running solc-js like native solc, or None if node/solc-js is missing.

    The script lives in the cache directory, named by a hash of what it runs (node, the
    shim, the solc package).  It answers ``--version`` itself, from a probe made when it
    was written: py-solc-x asks before every compilation, and loading solc-js just to
    print its version would double the time of each one.
    """
    node = shutil.which("node")
    modules = (node_modules or node_modules_dir()).resolve()
    package = modules / "solc" / "package.json"
    if node is None or not package.is_file():
        return None
    identity = "\0".join([node, str(SHIM), str(modules), package.read_text(errors="replace")])
    path = cache_dir("solcjs") / f"solc-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
    if path.is_file() and os.access(path, os.X_OK):
        return path
    version_line = _solcjs_version_line(node, modules)
    if version_line is None:
        return None
    banner = shlex.quote("solc, the solidity compiler commandline interface")
    text = (
        "#!/bin/sh\n"
        "# Generated by zkanchor: solc-js (npm package solc) behind the native solc command line.\n"
        'if [ "$#" -eq 1 ] && [ "$1" = "--version" ]; then\n'
        f"    printf '%s\\n' {banner} {shlex.quote(version_line)}\n"
        "    exit 0\n"
        "fi\n"
        f"exec {shlex.quote(node)} {shlex.quote(str(SHIM))} --node-modules {shlex.quote(str(modules))} \"$@\"\n"
    )
    _write_executable(path, text)
    return path


def find_compiler(explicit: str | os.PathLike | None = None, *, native: bool = True, solcjs: bool = True) -> Compiler:
    """Find a Solidity compiler: explicit path → native solc → solc-js (see module docstring).

    ``native``/``solcjs`` switch the later stages off.  Raises CompilerNotFound with one
    sentence saying how to get a compiler.
    """
    if explicit is not None:
        return _explicit(os.fspath(explicit), "the explicit path")
    if os.environ.get(ENV_SOLC, "").strip():
        return _explicit(os.environ[ENV_SOLC].strip(), ENV_SOLC)
    if native:
        for candidate in _native_candidates():
            version = _probe(candidate)
            # An old solc on PATH cannot compile our sources; the npm one may still do.
            if version is not None and _version_tuple(version) >= MIN_VERSION:
                return Compiler(path=candidate, version=version, kind="native")
    if solcjs:
        wrapper = solcjs_wrapper()
        if wrapper is not None:
            version = _probe(wrapper)
            if version is not None:
                return Compiler(path=wrapper, version=version, kind="solcjs")
    raise CompilerNotFound(f"no Solidity compiler (>= {'.'.join(map(str, MIN_VERSION))}) was found: {HOW_TO_GET_ONE}")


# ---------------------------------------------------------------- compiling

def compiler_settings(
    optimize: bool = True, runs: int = 200, evm_version: str = DEFAULT_EVM_VERSION, via_ir: bool = False
) -> dict:
    """The Standard-JSON ``settings`` object zkanchor compiles with."""
    settings = {
        "optimizer": {"enabled": bool(optimize), "runs": int(runs)},
        "evmVersion": evm_version,
        "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
    }
    if via_ir:
        settings["viaIR"] = True
    return settings


def _cache_key(source: str, contract_name: str, settings: dict) -> str:
    material = json.dumps(
        {"source": source, "contract": contract_name, "settings": settings}, sort_keys=True
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _cache_lookup(key: str, version: str | None) -> CompiledContract | None:
    folder = cache_dir("solc") / key
    if version is not None:
        files = [folder / f"{version}.json"]
    else:
        files = sorted(folder.glob("*.json"), key=lambda p: _version_tuple(p.stem), reverse=True)
    for path in files:
        if path.is_file():
            try:
                return CompiledContract.from_json(read_json(path, "cached contract"))
            except FormatError:
                continue  # a damaged entry is just a miss; it is rewritten after compiling
    return None


def _first_error(errors: list) -> str:
    for err in errors:
        if isinstance(err, dict) and err.get("severity") == "error":
            text = err.get("formattedMessage") or err.get("message") or "unknown error"
            # Keep the message and its "--> file:line:col" line, not the source excerpt.
            lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
            return " ".join(lines[:2])
    return "unknown error"


def _run_compiler(compiler: Compiler, source: str, contract_name: str, settings: dict) -> dict:
    import solcx
    from solcx.exceptions import SolcError

    filename = f"{contract_name}.sol"
    standard_input = {"language": "Solidity", "sources": {filename: {"content": source}}, "settings": settings}
    try:
        output = solcx.compile_standard(standard_input, solc_binary=compiler.path, allow_empty=True)
    except SolcError as exc:
        if getattr(exc, "error_dict", None):
            raise CompilationError(f"solc rejected {filename}: {_first_error(exc.error_dict)}") from None
        detail = (getattr(exc, "stderr_data", "") or str(exc)).strip().splitlines()
        raise CompilationError(
            f"the Solidity compiler {str(compiler.path)!r} failed on {filename}: {detail[0] if detail else 'no output'}"
        ) from None
    except OSError as exc:
        raise CompilerNotFound(f"the Solidity compiler {str(compiler.path)!r} could not be started ({exc}); {HOW_TO_GET_ONE}") from None
    except json.JSONDecodeError:
        raise CompilationError(f"the Solidity compiler {str(compiler.path)!r} printed no JSON for {filename}") from None
    if any(isinstance(e, dict) and e.get("severity") == "error" for e in output.get("errors", [])):
        raise CompilationError(f"solc rejected {filename}: {_first_error(output['errors'])}")
    contract = output.get("contracts", {}).get(filename, {}).get(contract_name)
    if contract is None:
        raise CompilationError(f"{filename} does not define a contract named {contract_name!r}")
    return contract


def compile_source(
    source: str,
    contract_name: str,
    optimize: bool = True,
    runs: int = 200,
    evm_version: str = DEFAULT_EVM_VERSION,
    *,
    via_ir: bool = False,
    compiler: Compiler | None = None,
    use_cache: bool = True,
) -> CompiledContract:
    """Compile ``contract_name`` from one Solidity ``source`` string, through the cache.

    Without ``compiler`` a cached artifact from any compiler version is returned before
    any compiler is looked for; with one, only that version's artifact counts.  Raises
    CompilerNotFound when a compiler is needed and missing, CompilationError when the
    compiler rejects the source (with its first error message).
    """
    settings = compiler_settings(optimize, runs, evm_version, via_ir)
    key = _cache_key(source, contract_name, settings)
    if use_cache:
        hit = _cache_lookup(key, compiler.version if compiler else None)
        if hit is not None:
            return hit
    compiler = compiler or find_compiler()
    raw = _run_compiler(compiler, source, contract_name, settings)
    bytecode = raw.get("evm", {}).get("bytecode", {}).get("object", "")
    runtime = raw.get("evm", {}).get("deployedBytecode", {}).get("object", "")
    if not bytecode:
        raise CompilationError(f"{contract_name} compiled to no bytecode (is it abstract or an interface?)")
    compiled = CompiledContract(
        contract_name=contract_name,
        abi=raw.get("abi", []),
        bytecode="0x" + bytecode,
        deployed_bytecode="0x" + runtime,
        source_hash=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        compiler_version=compiler.version,
        settings=settings,
    )
    if use_cache:
        write_json(cache_dir("solc", key) / f"{compiler.version}.json", compiled.to_json())
    return compiled
