"""The rendered Groth16 verifier contract: rendering, calldata, and verification on chain.

Real proofs come from snarkjs itself (circom2 → powers of tau → groth16 setup → prove),
so the contract is checked against an independent prover, and side by side with the
verifier snarkjs exports for the same key: same answers on every input, no more gas.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from py_ecc import bn128
from web3.exceptions import MismatchedABI

from zkanchor import chain as chainmod
from zkanchor.bn254.constants import P, R
from zkanchor.errors import CompilationError, FieldError, InputError, PointError
from zkanchor.groth16.keys import Proof, VerificationKey
from zkanchor.groth16.snarkjs_json import load_proof, load_public, load_verification_key
from zkanchor.paths import cache_dir, node_modules_dir
from zkanchor.solidity.calldata import proof_calldata, snarkjs_calldata_string
from zkanchor.solidity.compiler import compile_source
from zkanchor.solidity.verifier import compile_verifier, render_verifier, verifier_abi

from circom_tools import MISSING_REASON, compile_circuit, have_node_tools, snarkjs
from snarkjs_tools import ENTROPY, PTAU_POWER, ptau_file

TX_GAS = 1_000_000
needs_node = pytest.mark.skipif(not have_node_tools(), reason=MISSING_REASON)


# ---------------------------------------------------------------- synthetic keys (no node)

def _g1(k: int):
    point = bn128.multiply(bn128.G1, k)
    return int(point[0].n), int(point[1].n)


def _g2(k: int):
    x, y = bn128.multiply(bn128.G2, k)[:2]
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))


def _synthetic_vk(n_public: int) -> VerificationKey:
    return VerificationKey(_g1(3), _g2(5), _g2(7), _g2(11), tuple(_g1(13 + i) for i in range(n_public + 1)))


def _constants(source: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"uint256 internal constant (\w+) = (\d+);", source)}


def test_rendered_key_is_negated_g2_in_eip197_order():
    vk = _synthetic_vk(3)
    source = render_verifier(vk, "MyVerifier")
    assert source == render_verifier(vk, "MyVerifier")  # pure: same key, same text
    assert "{{" not in source and "contract MyVerifier {" in source
    assert "uint256[3] calldata _pubSignals" in source
    consts = _constants(source)
    assert (consts["ALPHA_X"], consts["ALPHA_Y"]) == vk.alpha_g1
    for name, point in (("BETA", vk.beta_g2), ("GAMMA", vk.gamma_g2), ("DELTA", vk.delta_g2)):
        (x0, x1), (y0, y1) = point
        # Imaginary part first; -(x, y) = (x, -y).
        assert consts[f"NEG_{name}_X1"] == x1 and consts[f"NEG_{name}_X0"] == x0
        assert consts[f"NEG_{name}_Y1"] == P - y1 and consts[f"NEG_{name}_Y0"] == P - y0
    for k, point in enumerate(vk.ic):
        assert (consts[f"IC{k}_X"], consts[f"IC{k}_Y"]) == point
    assert consts["R"] == R
    # Each input is loaded from its own calldata word, after selector, A, B and C.
    assert re.findall(r"calldataload\((0x[0-9a-f]+)\)", source) == ["0x104", "0x124", "0x144"]


def test_a_key_without_public_inputs_takes_an_empty_dynamic_array():
    source = render_verifier(_synthetic_vk(0))
    assert "uint256[] calldata _pubSignals" in source
    assert "ok := iszero(_pubSignals.length)" in source
    assert "calldataload(" not in source


def test_degenerate_keys_and_names_are_refused():
    vk = _synthetic_vk(1)
    with pytest.raises(InputError, match="delta is the point at infinity"):
        render_verifier(VerificationKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, None, vk.ic))
    with pytest.raises(PointError, match="alpha has a coordinate that is not an integer in"):
        render_verifier(VerificationKey((vk.alpha_g1[0], P), vk.beta_g2, vk.gamma_g2, vk.delta_g2, vk.ic))
    off_curve = (vk.ic[1][0], vk.ic[1][1] + 1)
    with pytest.raises(PointError, match=r"IC\[1\] is not on the BN254 G1 curve"):
        render_verifier(VerificationKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, (vk.ic[0], off_curve)))
    (x0, x1), (y0, y1) = vk.gamma_g2
    with pytest.raises(PointError, match="gamma is not on the BN254 G2 twist"):
        render_verifier(VerificationKey(vk.alpha_g1, vk.beta_g2, ((x0, x1), (y1, y0)), vk.delta_g2, vk.ic))
    with pytest.raises(InputError, match="not a Solidity identifier"):
        render_verifier(vk, "1Verifier")
    with pytest.raises(InputError, match="no IC points"):
        render_verifier(VerificationKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, ()))


def test_calldata_puts_the_imaginary_part_first():
    proof = Proof(a=(1, 2), b=((10, 11), (20, 21)), c=(3, 4))
    a, b, c, inputs = proof_calldata(proof, [5, R - 1])
    assert (a, b, c, inputs) == ([1, 2], [[11, 10], [21, 20]], [3, 4], [5, R - 1])
    assert proof_calldata(Proof(a=None, b=None, c=(3, 4)), [])[:2] == ([0, 0], [[0, 0], [0, 0]])
    with pytest.raises(FieldError, match="public input 1 is not in"):
        proof_calldata(proof, [5, R])
    with pytest.raises(FieldError, match="proof B x.c1"):
        proof_calldata(Proof(a=(1, 2), b=((10, P), (20, 21)), c=(3, 4)), [])
    with pytest.raises(InputError, match="public input 0 must be an integer"):
        proof_calldata(proof, ["5"])


def test_calldata_string_has_snarkjs_shape():
    text = snarkjs_calldata_string(Proof(a=(1, 2), b=((10, 11), (20, 21)), c=(3, 4)), [255])
    word = lambda v: f'"0x{v:064x}"'  # noqa: E731
    assert text == (
        f"[{word(1)}, {word(2)}],[[{word(11)}, {word(10)}],[{word(21)}, {word(20)}]],"
        f"[{word(3)}, {word(4)}],[{word(255)}]"
    )


# ---------------------------------------------------------------- real proofs from snarkjs

CIRCUIT_WITH_INPUTS = """pragma circom 2.0.0;
// n public inputs, each multiplied by one private witness: one constraint per input.
template Inputs(n) {
    signal input p[n];
    signal input w;
    signal s[n];
    for (var i = 0; i < n; i++) { s[i] <== p[i] * w; }
}
component main {public [p]} = Inputs(%d);
"""

CIRCUIT_WITHOUT_INPUTS = """pragma circom 2.0.0;
// Nothing public: knowledge of a and b with a * b = c, all private.
template Private() {
    signal input a;
    signal input b;
    signal c;
    c <== a * b;
}
component main = Private();
"""


def public_values(n: int) -> list[int]:
    """Full-size, deterministic public inputs (small ones would understate calldata gas)."""
    return [int.from_bytes(hashlib.sha256(f"input {i}".encode()).digest(), "big") % R for i in range(n)]


@dataclass(frozen=True)
class Snark:
    """One circuit's key, proof and public inputs, plus snarkjs's own verifier for it."""

    n: int
    directory: Path
    vk: VerificationKey
    proof: Proof
    public: list[int]
    snarkjs_source: str

    @property
    def args(self):
        return proof_calldata(self.proof, self.public)


def _snarkjs_version() -> str:
    return json.loads((node_modules_dir() / "snarkjs" / "package.json").read_text())["version"]


def circuit_setup(n: int) -> Path:
    """Compiled circuit, zkey, verification key and snarkjs's verifier for n public inputs.

    Kept in the cache directory (keyed by circuit, snarkjs version and ptau size): a
    zkey contribution is random, so a fresh setup per run would also defeat the cache
    of compiled verifiers.
    """
    circuit = CIRCUIT_WITH_INPUTS % n if n else CIRCUIT_WITHOUT_INPUTS
    key = hashlib.sha256(f"{circuit}|{_snarkjs_version()}|{PTAU_POWER}|{ENTROPY}".encode()).hexdigest()[:16]
    final = cache_dir("snarkjs-tests") / f"n{n}-{key}"
    if (final / "SnarkjsVerifier.sol").exists():
        return final
    ptau = ptau_file()
    with tempfile.TemporaryDirectory(dir=final.parent) as tmp:
        d = Path(tmp) / "setup"
        d.mkdir()
        (d / "circuit.circom").write_text(circuit)
        r1cs, _ = compile_circuit(d / "circuit.circom", d)
        snarkjs("groth16", "setup", r1cs, ptau, d / "0.zkey")
        snarkjs("zkey", "contribute", d / "0.zkey", d / "final.zkey", "--name=tests", f"-e={ENTROPY}")
        snarkjs("zkey", "export", "verificationkey", d / "final.zkey", d / "verification_key.json")
        snarkjs("zkey", "export", "solidityverifier", d / "final.zkey", d / "SnarkjsVerifier.sol")
        try:
            d.rename(final)  # atomic; a parallel run may have won the race, which is fine
        except OSError:
            if not (final / "SnarkjsVerifier.sol").exists():
                raise
    return final


def build_snark(n: int, directory: Path) -> Snark:
    """A fresh proof (snarkjs fullprove) against the cached setup for n public inputs."""
    setup = circuit_setup(n)
    d = directory
    inputs = {"p": [str(v) for v in public_values(n)], "w": "7"} if n else {"a": "3", "b": "11"}
    (d / "input.json").write_text(json.dumps(inputs))
    wasm = setup / "circuit_js" / "circuit.wasm"
    snarkjs("groth16", "fullprove", d / "input.json", wasm, setup / "final.zkey", d / "proof.json", d / "public.json")
    return Snark(
        n=n,
        directory=d,
        vk=load_verification_key(setup / "verification_key.json"),
        proof=load_proof(d / "proof.json"),
        public=load_public(d / "public.json"),
        snarkjs_source=(setup / "SnarkjsVerifier.sol").read_text(),
    )


@pytest.fixture(scope="session")
def snarks(tmp_path_factory):
    """``snarks(n)``: a Snark with n public inputs, built once per session."""
    if not have_node_tools():
        pytest.skip(MISSING_REASON)
    built: dict[int, Snark] = {}

    def get(n: int) -> Snark:
        if n not in built:
            built[n] = build_snark(n, tmp_path_factory.mktemp(f"snark{n}"))
        return built[n]

    return get


class Verifiers:
    """Our verifier and snarkjs's for each n, compiled alike, deployed once per chain.

    ``which`` is "ours" or "snarkjs"; ``via_ir`` picks the compiler pipeline for both.
    """

    def __init__(self, chain: chainmod.Chain, snarks):
        self.chain, self.snarks, self.deployed = chain, snarks, {}

    def get(self, n: int, which: str = "ours", via_ir: bool = False):
        key = (n, which, via_ir)
        if key not in self.deployed:
            snark = self.snarks(n)
            source = render_verifier(snark.vk) if which == "ours" else snark.snarkjs_source
            compiled = compile_source(source, "Groth16Verifier", via_ir=via_ir)
            self.deployed[key] = self.chain.deploy(compiled).contract
        return self.deployed[key]

    def verify(self, n: int, args, which: str = "ours") -> bool:
        return self.chain.call(self.get(n, which).functions.verifyProof(*args), gas=TX_GAS)

    def gas(self, n: int, args, which: str = "ours", via_ir: bool = False) -> int:
        receipt = self.chain.transact(self.get(n, which, via_ir).functions.verifyProof(*args), gas=TX_GAS)
        return receipt["gasUsed"]


@pytest.fixture(scope="module")
def embedded(snarks):
    return Verifiers(chainmod.connect(), snarks)


@pytest.fixture(scope="module")
def on_anvil(snarks, anvil_url):
    return Verifiers(chainmod.connect(anvil_url), snarks)


def tampered(snark: Snark) -> dict[str, tuple]:
    """Each way of spoiling a valid (a, b, c, input), by name."""
    a, b, c, inputs = snark.args
    ((b_x1, b_x0), (b_y1, b_y0)) = b
    last = len(inputs) - 1
    cases = {
        "A negated (another valid point)": ([a[0], P - a[1]], b, c, inputs),
        "A off the curve": ([a[0], (a[1] + 1) % P], b, c, inputs),
        "A.y + p (coordinate not below p)": ([a[0], a[1] + P], b, c, inputs),
        "B negated": (a, [[b_x1, b_x0], [P - b_y1, P - b_y0]], c, inputs),
        "B in c0, c1 order (the classic bug)": (a, [[b_x0, b_x1], [b_y0, b_y1]], c, inputs),
        "B off the curve": (a, [[b_x1, b_x0], [b_y1, (b_y0 + 1) % P]], c, inputs),
        "B.x0 + p": (a, [[b_x1, b_x0 + P], [b_y1, b_y0]], c, inputs),
        "C negated": (a, b, [c[0], P - c[1]], inputs),
        "C replaced by A": (a, b, a, inputs),
        "C.x + p": (a, b, [c[0] + P, c[1]], inputs),
    }
    if inputs:
        cases["first input + 1"] = (a, b, c, [inputs[0] + 1] + inputs[1:])
        cases["last input - 1"] = (a, b, c, inputs[:last] + [inputs[last] - 1])
        cases["first input + r (aliased)"] = (a, b, c, [inputs[0] + R] + inputs[1:])
        cases["inputs reversed"] = (a, b, c, inputs[::-1]) if len(inputs) > 1 else (a, b, c, [inputs[0] + 2])
    return cases


@pytest.mark.node
@needs_node
@pytest.mark.parametrize("n", [0, 1, pytest.param(9, marks=pytest.mark.slow)])
def test_valid_snarkjs_proofs_verify(embedded, n):
    snark = embedded.snarks(n)
    assert len(snark.public) == n == snark.vk.n_public
    assert embedded.verify(n, snark.args) is True
    if n:  # snarkjs's own verifier for n = 0 does not compile (see below)
        assert embedded.verify(n, snark.args, "snarkjs") is True


@pytest.mark.node
@needs_node
@pytest.mark.slow  # py-evm pairs slowly; test_on_anvil_same_answers_and_same_gas runs every case fast
@pytest.mark.parametrize("n", [1, 9])
def test_every_tampering_is_false_not_a_revert(embedded, n):
    # py-evm pairs slowly (~0.5 s), so snarkjs's verifier joins in here for n = 1 only;
    # the anvil test below compares the two on every case for n = 1 and 9.
    for name, args in tampered(embedded.snarks(n)).items():
        assert embedded.verify(n, args) is False, name
        if n == 1:
            assert embedded.verify(n, args, "snarkjs") is False, name


@pytest.mark.node
@needs_node
def test_the_zero_input_verifier_wants_an_empty_list(embedded):
    snark = embedded.snarks(0)
    a, b, c, _ = snark.args
    assert embedded.verify(0, (a, b, c, [])) is True
    assert embedded.verify(0, (a, b, c, [0])) is False
    for name, args in tampered(snark).items():
        assert embedded.verify(0, args) is False, name


@pytest.mark.node
@needs_node
def test_snarkjs_cannot_compile_a_zero_input_verifier(snarks):
    # Why our n = 0 verifier takes uint256[] instead of snarkjs's uint[0].
    with pytest.raises(CompilationError, match="Array with zero length specified"):
        compile_source(snarks(0).snarkjs_source, "Groth16Verifier")


@pytest.mark.slow  # compiles the 9-input verifiers
@pytest.mark.node
@needs_node
def test_wrong_input_count_is_refused_by_the_abi_encoder(embedded):
    contract = embedded.get(9)
    a, b, c, inputs = embedded.snarks(9).args
    assert len(inputs) == 9
    for wrong in (inputs[:-1], inputs + [1]):
        with pytest.raises(MismatchedABI):
            contract.functions.verifyProof(a, b, c, wrong)
    with pytest.raises(MismatchedABI):
        contract.functions.verifyProof(a, [b[0]], c, inputs)


@pytest.mark.slow  # compiles the 9-input verifiers
@pytest.mark.node
@needs_node
def test_abi_is_snarkjs_compatible(embedded):
    for n in (0, 9):
        assert compile_verifier(embedded.snarks(n).vk).abi == verifier_abi(n)
    theirs = compile_source(embedded.snarks(9).snarkjs_source, "Groth16Verifier").abi
    assert [(e["name"], [i["type"] for i in e["inputs"]]) for e in theirs] == [
        ("verifyProof", [i["type"] for i in verifier_abi(9)[0]["inputs"]])
    ]


@pytest.mark.node
@needs_node
def test_calldata_string_matches_snarkjs_output(snarks):
    snark = snarks(9)
    d = snark.directory
    printed = snarkjs("zkey", "export", "soliditycalldata", d / "public.json", d / "proof.json").stdout
    assert snarkjs_calldata_string(snark.proof, snark.public) == printed.strip()


def _intrinsic_gas(contract, args) -> int:
    # 21,000 per transaction plus 16 per non-zero and 4 per zero calldata byte.
    data = bytes.fromhex(contract.functions.verifyProof(*args)._encode_transaction_data()[2:])
    return 21_000 + sum(16 if byte else 4 for byte in data)


@pytest.mark.node
@needs_node
@pytest.mark.slow  # compiles both verifiers twice (legacy and via-IR) per n
@pytest.mark.parametrize("n", [1, 9])
def test_gas_is_at_most_snarkjs_and_near_the_precompile_floor(embedded, n):
    args = embedded.snarks(n).args
    floor = 181_000 + 6_150 * n
    gas = {}
    for via_ir in (False, True):
        ours, theirs = embedded.gas(n, args, "ours", via_ir), embedded.gas(n, args, "snarkjs", via_ir)
        gas[via_ir] = ours
        overhead = ours - _intrinsic_gas(embedded.get(n), args) - floor
        print(f"n={n} via_ir={via_ir}: ours {ours:,} snarkjs {theirs:,} floor {floor:,} overhead {overhead:,}")
        assert ours <= theirs
        # Above the precompiles' own prices: 100 per call for the warm precompile access
        # (EIP-2929), so 200 per input plus 100, ~100 per input of stack and memory work,
        # and ~800 once for dispatch, ABI checks, constants and memory.
        assert 0 < overhead <= 1_200 + 350 * n
    assert gas[True] < gas[False]  # why compile_verifier defaults to via_ir


@pytest.mark.node
@needs_node
def test_too_little_gas_means_false_not_a_revert(embedded):
    # Why every zkanchor transaction carries an explicit gas limit: starved of gas, the
    # pairing fails and the verifier answers false, so gas estimation finds a wrong limit.
    contract, args = embedded.get(1), embedded.snarks(1).args
    assert embedded.chain.call(contract.functions.verifyProof(*args), gas=150_000) is False
    receipt = embedded.chain.transact(contract.functions.verifyProof(*args), gas=150_000)
    assert receipt["status"] == 1


@pytest.mark.node
@needs_node
@pytest.mark.parametrize("n", [1, 9])
def test_on_anvil_same_answers_and_same_gas(on_anvil, embedded, n):
    snark = on_anvil.snarks(n)
    assert on_anvil.verify(n, snark.args) is True
    for name, args in tampered(snark).items():
        assert (on_anvil.verify(n, args), on_anvil.verify(n, args, "snarkjs")) == (False, False), name
    assert on_anvil.gas(n, snark.args) == embedded.gas(n, snark.args)
