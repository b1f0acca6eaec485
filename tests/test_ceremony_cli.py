"""``zkanchor ceremony`` end to end: three contributors + beacon, proofs checked in Python,
with snarkjs and on chain; the same from a snarkjs .ptau; exit codes and sentences."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from zkanchor import chain as chainmod
from zkanchor.ceremony import ptau as ptau_mod
from zkanchor.ceremony.prepare import load_prepared
from zkanchor.cli import ceremony_commands
from zkanchor.cli import main as cli_main
from zkanchor.groth16.snarkjs_json import load_proof, load_public, load_verification_key
from zkanchor.groth16.verifier import verify
from zkanchor.r1cs import write_r1cs, write_wtns
from zkanchor.solidity.onchain import deploy_verifier, verify_on_chain

from circom_tools import MISSING_REASON, have_node_tools
from groth16_circuits import many_public
import snarkjs_tools

needs_node = pytest.mark.skipif(not have_node_tools(), reason=MISSING_REASON)


def _cli(*argv, monkeypatch=None) -> int:
    """Run ``zkanchor`` in process."""
    assert ceremony_commands in cli_main.COMMAND_MODULES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cli_main.main([str(a) for a in argv])


@pytest.fixture(scope="module")
def circuit(tmp_path_factory):
    d = tmp_path_factory.mktemp("circuit")
    r1cs, witness = many_public(4)
    write_r1cs(r1cs, d / "c.r1cs")
    write_wtns(witness, d / "w.wtns")
    return d / "c.r1cs", d / "w.wtns"


@pytest.fixture(scope="module")
def keydir(circuit, tmp_path_factory):
    """A full ceremony through the CLI: 3 + beacon in phase 1, 3 in phase 2."""
    r1cs, _ = circuit
    d = tmp_path_factory.mktemp("ceremony")
    assert _cli("ceremony", "start", "--power", 5, "-o", d / "pot0.zkc") == 0
    for i, name in enumerate(("hospital-a", "bank-b", "lab-c"), start=1):
        assert _cli("ceremony", "contribute", d / f"pot{i - 1}.zkc", "-o", d / f"pot{i}.zkc", "--name", name,
                    "--entropy", f"{name} typed this") == 0
    assert _cli("ceremony", "beacon", d / "pot3.zkc", "-o", d / "pot_final.zkc", "--beacon", "0123456789abcdef",
                "--iterations-exp", 4) == 0
    assert _cli("ceremony", "prepare", d / "pot_final.zkc", "--circuit", r1cs, "-o", d / "prep.zkc") == 0
    assert _cli("ceremony", "phase2-start", d / "prep.zkc", r1cs, "-o", d / "key0.zkc") == 0
    for i, name in enumerate(("hospital-a", "bank-b", "lab-c"), start=1):
        assert _cli("ceremony", "phase2-contribute", d / f"key{i - 1}.zkc", "-o", d / f"key{i}.zkc",
                    "--name", name) == 0
    assert _cli("ceremony", "finish", d / "key3.zkc", "--prepared", d / "prep.zkc", "--circuit", r1cs,
                "-o", d / "keys") == 0
    return d


def _prove(keys: Path, wtns: Path, out: Path):
    assert _cli("prove", keys, wtns, "-o", out) == 0
    return keys / "verification_key.json", out / "proof.json", out / "public.json"


def _check_everywhere(vk_path: Path, proof_path: Path, public_path: Path, node: bool) -> None:
    vk, proof, public = load_verification_key(vk_path), load_proof(proof_path), load_public(public_path)
    assert verify(vk, proof, public)
    assert not verify(vk, proof, [public[0] ^ 1] + public[1:])
    if not node:
        return
    assert snarkjs_tools.groth16_verify(vk_path, public_path, proof_path)
    chain = chainmod.connect()
    verifier = deploy_verifier(chain, vk)
    assert verify_on_chain(chain, verifier, proof, public).valid
    assert not verify_on_chain(chain, verifier, proof, [public[0] ^ 1] + public[1:]).valid


def test_ceremony_keys_verify_in_python(keydir, circuit, tmp_path):
    _check_everywhere(*_prove(keydir / "keys", circuit[1], tmp_path), node=False)


@needs_node
@pytest.mark.node
def test_ceremony_keys_verify_with_snarkjs_and_on_chain(keydir, circuit, tmp_path):
    _check_everywhere(*_prove(keydir / "keys", circuit[1], tmp_path), node=True)


@pytest.mark.slow
def test_verify_every_file_and_the_keydir(keydir, circuit, capsys):
    d = keydir
    r1cs = circuit[0]
    assert _cli("ceremony", "verify", d / "pot2.zkc", "--previous", d / "pot1.zkc") == 0
    assert _cli("ceremony", "verify", d / "pot_final.zkc", "--json") == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["valid"] and out["beacon"] and out["contributions"] == ["hospital-a", "bank-b", "lab-c", "beacon"]
    assert _cli("ceremony", "verify", d / "prep.zkc", "--phase1", d / "pot_final.zkc") == 0
    assert _cli("ceremony", "verify", d / "key3.zkc", "--prepared", d / "prep.zkc", "--circuit", r1cs,
                "--previous", d / "key2.zkc") == 0
    # Each contributor checks that the hash they were shown is in the verified chain.
    from zkanchor.ceremony.phase2 import load_phase2
    from zkanchor.ceremony.powers_of_tau import load_phase1

    kept_p1 = load_phase1(d / "pot2.zkc").contributions[-1].hash
    kept_p2 = load_phase2(d / "key1.zkc").contributions[-1].hash
    assert _cli("ceremony", "verify", d / "keys", "--prepared", d / "prep.zkc", "--json",
                "--contribution-hash", kept_p1, "--contribution-hash", kept_p2) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["phase2"] == ["hospital-a", "bank-b", "lab-c"]
    assert kept_p1 in out["phase1_hashes"] and out["phase2_hashes"][0] == kept_p2
    transcript = json.loads((d / "keys" / "ceremony.json").read_text())
    assert [r["name"] for r in transcript["phase1"]] == ["hospital-a", "bank-b", "lab-c", "beacon"]
    assert transcript["phase2"][-1]["key"] == transcript["final_hash"]
    for a, b in zip(transcript["phase1"], transcript["phase1"][1:]):
        assert b["previous_hash"] == a["hash"]
    setup = json.loads((d / "keys" / "setup.json").read_text())
    assert transcript["circuit_hash"] == setup["circuit_hash"]


@pytest.mark.slow
def test_verify_failures_exit_1_with_one_sentence(keydir, circuit, capsys):
    d = keydir
    # pot1 does not extend pot2.
    assert _cli("ceremony", "verify", d / "pot3.zkc", "--previous", d / "pot1.zkc") == 0
    assert _cli("ceremony", "verify", d / "pot1.zkc", "--previous", d / "pot3.zkc") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("zkanchor: ceremony check failed:") and err[0].endswith(".")
    # A hash that is not in the chain (a contributor who was left out).
    assert _cli("ceremony", "verify", d / "pot1.zkc", "--contribution-hash", "ab" * 32) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no record of this transcript has hash abababab" in err[0]
    # A phase-2 key checked against a prepared file it was not made from.
    assert _cli("ceremony", "start", "--power", 5, "-o", d / "other0.zkc") == 0
    assert _cli("ceremony", "contribute", d / "other0.zkc", "-o", d / "other1.zkc", "--name", "x") == 0
    assert _cli("ceremony", "prepare", d / "other1.zkc", "--circuit", circuit[0], "-o", d / "other_prep.zkc") == 0
    capsys.readouterr()
    assert _cli("ceremony", "verify", d / "keys", "--prepared", d / "other_prep.zkc", "--json") == 1
    out = json.loads(capsys.readouterr().out.strip())
    assert out == {"valid": False, "reason": "the key was not started from this prepared phase-1 file."}


def test_damaged_files_and_bad_input_exit_2(keydir, circuit, tmp_path, capsys):
    data = (keydir / "pot_final.zkc").read_bytes()
    (tmp_path / "cut.zkc").write_bytes(data[:-100])
    assert _cli("ceremony", "verify", tmp_path / "cut.zkc") == 2
    assert "truncated or corrupted" in capsys.readouterr().err
    assert _cli("ceremony", "contribute", tmp_path / "missing.zkc", "-o", tmp_path / "x.zkc", "--name", "a") == 2
    assert _cli("ceremony", "start", "--power", 40, "-o", tmp_path / "x.zkc") == 2
    assert _cli("ceremony", "beacon", keydir / "pot3.zkc", "-o", tmp_path / "b.zkc", "--beacon", "nothex") == 2
    assert _cli("ceremony", "phase2-start", keydir / "prep.zkc", keydir / "pot0.zkc", "-o", tmp_path / "k.zkc") == 2
    assert _cli("ceremony", "verify", keydir / "key3.zkc") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("zkanchor: error:") for line in err)
    assert not (tmp_path / "x.zkc").exists()


@pytest.mark.parametrize("sub", ["start", "contribute", "beacon", "import-ptau", "prepare", "phase2-start",
                                 "phase2-contribute", "finish", "verify"])
def test_every_subcommand_has_help(sub, capsys):
    with pytest.raises(SystemExit) as info:
        _cli("ceremony", sub, "--help")
    assert info.value.code == 0 and "usage: zkanchor ceremony " + sub in capsys.readouterr().out


@pytest.mark.slow
@needs_node
@pytest.mark.node
def test_ceremony_from_a_snarkjs_ptau(circuit, tmp_path):
    r1cs, wtns = circuit
    ptau = snarkjs_tools.ptau_file(8)
    assert _cli("ceremony", "import-ptau", ptau, "-o", tmp_path / "pot.zkc") == 0
    assert _cli("ceremony", "contribute", tmp_path / "pot.zkc", "-o", tmp_path / "pot1.zkc", "--name", "us") == 0
    assert _cli("ceremony", "verify", tmp_path / "pot1.zkc", "--previous", tmp_path / "pot.zkc") == 0
    # Prepared straight from the import: our Lagrange points must equal snarkjs's.
    assert _cli("ceremony", "prepare", tmp_path / "pot.zkc", "--circuit", r1cs, "-o", tmp_path / "prep0.zkc") == 0
    prep0 = load_prepared(tmp_path / "prep0.zkc")
    theirs = ptau_mod.read_ptau(ptau).lagrange
    m = prep0.log_size
    assert list(prep0.lagrange_tau_g1) == theirs["tau_g1"][m]
    assert list(prep0.lagrange_tau_g2) == theirs["tau_g2"][m]
    assert list(prep0.lagrange_alpha_g1) == theirs["alpha_tau_g1"][m]
    assert list(prep0.lagrange_beta_g1) == theirs["beta_tau_g1"][m]
    # The full route after our own contribution.
    assert _cli("ceremony", "prepare", tmp_path / "pot1.zkc", "--circuit", r1cs, "-o", tmp_path / "prep.zkc") == 0
    assert _cli("ceremony", "phase2-start", tmp_path / "prep.zkc", r1cs, "-o", tmp_path / "k0.zkc") == 0
    assert _cli("ceremony", "phase2-contribute", tmp_path / "k0.zkc", "-o", tmp_path / "k1.zkc", "--name", "a") == 0
    assert _cli("ceremony", "finish", tmp_path / "k1.zkc", "--prepared", tmp_path / "prep.zkc", "--circuit", r1cs,
                "-o", tmp_path / "keys") == 0
    _check_everywhere(*_prove(tmp_path / "keys", wtns, tmp_path / "out"), node=True)


@pytest.mark.slow
@needs_node
@pytest.mark.node
def test_damaged_ptau_files_are_rejected(tmp_path, capsys):
    data = snarkjs_tools.ptau_file(8).read_bytes()
    (tmp_path / "cut.ptau").write_bytes(data[: len(data) - 1000])
    assert _cli("ceremony", "import-ptau", tmp_path / "cut.ptau", "-o", tmp_path / "x.zkc") == 2
    assert "truncated" in capsys.readouterr().err
    # Flip a byte inside tauG1 (section 2 starts after the 12-byte file header, the
    # 12 + 44-byte header section and its own 12-byte section header).
    bad = bytearray(data)
    bad[12 + 12 + 44 + 12 + 64 * 3 + 5] ^= 0x40
    (tmp_path / "flip.ptau").write_bytes(bytes(bad))
    code = _cli("ceremony", "import-ptau", tmp_path / "flip.ptau", "-o", tmp_path / "y.zkc")
    assert code in (1, 2)
    assert "not on the curve" in capsys.readouterr().err or code == 1
    assert not (tmp_path / "y.zkc").exists()
