"""Interoperability with circom and snarkjs, in both directions, in Python and on chain.

- our proofs (for our own circuits and for circom-compiled ones) verify with
  ``snarkjs groth16 verify``, and a tampered one does not;
- snarkjs's proofs for a circom circuit verify with ``zkanchor verify`` and in our
  generated contract, on eth-tester and on anvil.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from zkanchor import chain as chainmod
from zkanchor.bn254.constants import R
from zkanchor.cli.main import main
from zkanchor.groth16.snarkjs_json import load_proof, load_public, load_verification_key
from zkanchor.groth16.verifier import verify
from zkanchor.r1cs import read_r1cs, read_wtns, write_r1cs, write_wtns
from zkanchor.solidity.onchain import deploy_verifier, verify_on_chain

from circom_tools import CIRCUITS_DIR, MISSING_REASON, calculate_witness, compile_circuit, have_node_tools
from groth16_circuits import many_public, multiplier, no_public
import snarkjs_tools

pytestmark = [pytest.mark.node, pytest.mark.skipif(not have_node_tools(), reason=MISSING_REASON)]

MIXED_INPUT = {"x": 5, "y": 9, "s": [1, 2, 3], "t": 4}


def _cli(*argv) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main([str(a) for a in argv])


def _zkanchor_prove(r1cs_path: Path, wtns_path: Path, d: Path) -> tuple[Path, Path, Path]:
    assert _cli("setup", r1cs_path, "-o", d / "keys") == 0
    assert _cli("prove", d / "keys", wtns_path, "-o", d / "out") == 0
    return d / "keys" / "verification_key.json", d / "out" / "proof.json", d / "out" / "public.json"


@pytest.mark.parametrize(
    "build", [multiplier, lambda: many_public(9), lambda: no_public(3)], ids=["1-public", "9-public", "0-public"]
)
def test_our_proofs_of_our_circuits_verify_with_snarkjs(build, tmp_path):
    r1cs, witness = build()
    write_r1cs(r1cs, tmp_path / "c.r1cs")
    write_wtns(witness, tmp_path / "w.wtns")
    vk, proof, public = _zkanchor_prove(tmp_path / "c.r1cs", tmp_path / "w.wtns", tmp_path)
    assert snarkjs_tools.groth16_verify(vk, public, proof)
    if r1cs.n_public:
        values = json.loads(public.read_text())
        values[0] = str(int(values[0]) + 1)
        bad = snarkjs_tools.write_json(tmp_path / "bad_public.json", values)
        assert not snarkjs_tools.groth16_verify(vk, bad, proof)
    doc = json.loads(proof.read_text())
    doc["pi_a"], doc["pi_c"] = doc["pi_c"], doc["pi_a"]
    assert not snarkjs_tools.groth16_verify(vk, public, snarkjs_tools.write_json(tmp_path / "bad.json", doc))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The circom circuit with public inputs and outputs, compiled, with its witness."""
    d = tmp_path_factory.mktemp("mixed")
    r1cs, wasm = compile_circuit(CIRCUITS_DIR / "mixed.circom", d)
    wtns = calculate_witness(wasm, MIXED_INPUT, d / "mixed.wtns")
    return d, r1cs, wtns


def test_our_proof_of_a_circom_circuit_verifies_with_snarkjs(mixed, tmp_path):
    _, r1cs, wtns = mixed
    vk, proof, public = _zkanchor_prove(r1cs, wtns, tmp_path)
    values = [int(v) for v in json.loads(public.read_text())]
    # circom orders public signals outputs first: sum, prod, then inputs x, y.
    total = 5 + sum(3 * s * s - 7 for s in (1, 2, 3)) + 9
    assert values == [total, (4 - 5) * (total + 18) % R, 5, 9]
    assert snarkjs_tools.groth16_verify(vk, public, proof)
    assert _cli("verify", vk, proof, public) == 0



@pytest.fixture(scope="module")
def snarkjs_proof(mixed):
    """snarkjs's own setup and proof for the circom circuit."""
    d, r1cs, wtns = mixed
    zkey, vk = snarkjs_tools.groth16_setup(r1cs, d / "snarkjs")
    proof, public = snarkjs_tools.groth16_prove(zkey, wtns, d / "snarkjs")
    return vk, proof, public


def test_snarkjs_proofs_verify_with_zkanchor(snarkjs_proof, tmp_path):
    vk, proof, public = snarkjs_proof
    assert _cli("verify", vk, proof, public) == 0
    values = json.loads(public.read_text())
    values[-1] = str(int(values[-1]) + 1)
    assert _cli("verify", vk, proof, snarkjs_tools.write_json(tmp_path / "p.json", values)) == 1
    # and the same witness satisfies our reading of circom's files
    d = vk.parent.parent
    assert read_wtns(d / "mixed.wtns")[0] == 1 and read_r1cs(d / "mixed.r1cs").n_public == 4


def _check_on(chain, vk_path, proof_path, public_path):
    vk = load_verification_key(vk_path)
    proof, public = load_proof(proof_path), load_public(public_path)
    assert verify(vk, proof, public)
    verifier = deploy_verifier(chain, vk)
    good = verify_on_chain(chain, verifier, proof, public)
    bad = verify_on_chain(chain, verifier, proof, [public[0] ^ 1] + public[1:])
    assert good.valid and not bad.valid
    return good.gas_used


@pytest.mark.slow
def test_snarkjs_proof_verifies_in_our_contract_on_eth_tester_and_anvil(snarkjs_proof, anvil_url):
    gas_embedded = _check_on(chainmod.connect(), *snarkjs_proof)
    gas_anvil = _check_on(chainmod.connect(anvil_url), *snarkjs_proof)
    assert gas_embedded == gas_anvil


def test_our_proof_verifies_in_our_contract_on_anvil(tmp_path, anvil_url):
    r1cs, witness = many_public(5)
    write_r1cs(r1cs, tmp_path / "c.r1cs")
    write_wtns(witness, tmp_path / "w.wtns")
    paths = _zkanchor_prove(tmp_path / "c.r1cs", tmp_path / "w.wtns", tmp_path)
    _check_on(chainmod.connect(anvil_url), *paths)
