"""Run the npm toolchain (circom2, snarkjs) from tests.

The tools live in the repository's ``node_modules`` (installed by scripts/setup.sh from
package.json).  Tests that use them are marked ``@pytest.mark.node`` and skip when
``have_node_tools()`` is false, with ``MISSING_REASON`` as the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
CIRCOM = NODE_BIN / "circom2"
SNARKJS = NODE_BIN / "snarkjs"
CIRCUITS_DIR = Path(__file__).resolve().parent / "circuits"

MISSING_REASON = (
    f"needs node and the npm toolchain (circom2, snarkjs) in {NODE_BIN}; run scripts/setup.sh"
)

TIMEOUT_S = 300


def have_node_tools() -> bool:
    """True when node, circom2 and snarkjs are all available."""
    return shutil.which("node") is not None and CIRCOM.exists() and SNARKJS.exists()


def run_tool(args: list[str | Path], *, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command, capturing text output; on failure (if ``check``) raise with its output."""
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(str(a) for a in args)} exited with {proc.returncode}:\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return proc


def snarkjs(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``snarkjs ARGS...`` (see run_tool)."""
    return run_tool([SNARKJS, *args], check=check)


def compile_circuit(
    circom_path: str | Path, outdir: str | Path, *, optimize: str | None = None
) -> tuple[Path, Path]:
    """Compile a circuit with circom2 (``--r1cs --wasm``) into ``outdir``.

    ``optimize`` is None for circom's default, or "O0", "O1", "O2".
    Returns (path of the .r1cs, path of the witness-generator .wasm).
    """
    circom_path, outdir = Path(circom_path), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    args: list[str | Path] = [CIRCOM, circom_path, "--r1cs", "--wasm", "-o", outdir]
    if optimize is not None:
        args.append(f"--{optimize}")
    run_tool(args)
    name = circom_path.stem
    r1cs, wasm = outdir / f"{name}.r1cs", outdir / f"{name}_js" / f"{name}.wasm"
    for p in (r1cs, wasm):
        if not p.exists():
            raise RuntimeError(f"circom2 did not produce {p}")
    return r1cs, wasm


def _jsonable(v: object) -> object:
    # Signals can exceed 2^53, so integers go to snarkjs as decimal strings.
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, int):
        return str(v)
    return v


def calculate_witness(wasm_path: str | Path, input_dict: dict, out_path: str | Path) -> Path:
    """Compute a .wtns with ``snarkjs wtns calculate`` from an input dict; returns out_path."""
    out_path = Path(out_path)
    input_path = out_path.with_name(out_path.stem + ".input.json")
    input_path.write_text(json.dumps(_jsonable(input_dict)))
    snarkjs("wtns", "calculate", wasm_path, input_path, out_path)
    return out_path
