"""The Groth16 commands: outputs, --json, and the documented exit code for each bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from zkanchor.bn254.constants import P, R
from zkanchor.cli.main import main
from zkanchor.r1cs import write_r1cs, write_wtns

from groth16_circuits import multiplier


def run(capsys, *argv):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """A circuit, its keys, a proof and public inputs made through the CLI."""
    d = tmp_path_factory.mktemp("cli")
    r1cs, witness = multiplier(3, 11)
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    assert main(["setup", str(d / "circuit.r1cs"), "-o", str(d / "keys")]) == 0
    assert main(["prove", str(d / "keys"), str(d / "witness.wtns"), "-o", str(d / "out")]) == 0
    return d


def _vpp(d: Path, proof: Path | None = None, public: Path | None = None):
    return (d / "keys" / "verification_key.json", proof or d / "out" / "proof.json", public or d / "out" / "public.json")


def _doc(path: Path):
    return json.loads(path.read_text())


def _write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path


def _assert_one_sentence(err: str):
    lines = [line for line in err.splitlines() if line.startswith("zkanchor: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err


def test_setup_writes_keys_and_warns(tmp_path, capsys):
    r1cs, _ = multiplier()
    write_r1cs(r1cs, tmp_path / "c.r1cs")
    code, out, err = run(capsys, "setup", tmp_path / "c.r1cs", "-o", tmp_path / "k", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["constraints"] == 2 and result["public_inputs"] == 1
    assert "toxic waste" in err
    for name in ("circuit.r1cs", "proving_key.zkpk", "verification_key.json", "setup.json"):
        assert (tmp_path / "k" / name).is_file()
    assert not list((tmp_path / "k").glob(".*tmp"))


def test_valid_proof_exits_0(proved, capsys):
    code, out, _ = run(capsys, "verify", *_vpp(proved))
    assert code == 0 and "OK" in out
    code, out, _ = run(capsys, "verify", *_vpp(proved), "--json")
    assert code == 0 and json.loads(out) == {"valid": True}
    assert _doc(proved / "out" / "public.json") == ["33"]


def test_public_input_plus_one_exits_1(proved, tmp_path, capsys):
    public = _write(tmp_path / "public.json", ["34"])
    code, out, _ = run(capsys, "verify", *_vpp(proved, public=public))
    assert code == 1 and "INVALID" in out


def test_tampered_but_valid_point_exits_1(proved, tmp_path, capsys):
    doc = _doc(proved / "out" / "proof.json")
    doc["pi_a"], doc["pi_c"] = doc["pi_c"], doc["pi_a"]
    code, _, _ = run(capsys, "verify", *_vpp(proved, proof=_write(tmp_path / "p.json", doc)))
    assert code == 1


@pytest.mark.parametrize(
    "case, message",
    [
        ("aliased public input", "not below the field modulus"),
        ("extra public input", "expects 1 public inputs"),
        ("point off the curve", "pi_a is not on the BN254 G1 curve"),
        ("swapped G2 coordinates", "pi_b"),
        ("truncated proof JSON", "not valid JSON"),
        ("missing field", "no 'pi_c' field"),
    ],
)
def test_unusable_input_exits_2_with_one_sentence(proved, tmp_path, capsys, case, message):
    proof, public = None, None
    doc = _doc(proved / "out" / "proof.json")
    if case == "aliased public input":
        public = _write(tmp_path / "public.json", [str(33 + R)])
    elif case == "extra public input":
        public = _write(tmp_path / "public.json", ["33", "1"])
    elif case == "point off the curve":
        doc["pi_a"][1] = str((int(doc["pi_a"][1]) + 1) % P)
        proof = _write(tmp_path / "proof.json", doc)
    elif case == "swapped G2 coordinates":
        doc["pi_b"] = [list(reversed(doc["pi_b"][0])), list(reversed(doc["pi_b"][1])), doc["pi_b"][2]]
        proof = _write(tmp_path / "proof.json", doc)
    elif case == "truncated proof JSON":
        text = (proved / "out" / "proof.json").read_text()
        proof = tmp_path / "proof.json"
        proof.write_text(text[: len(text) // 2])
    elif case == "missing field":
        del doc["pi_c"]
        proof = _write(tmp_path / "proof.json", doc)
    code, _, err = run(capsys, "verify", *_vpp(proved, proof=proof, public=public))
    assert code == 2
    _assert_one_sentence(err)
    assert message in err


def test_truncated_r1cs_and_wtns_exit_2(proved, tmp_path, capsys):
    raw = (proved / "circuit.r1cs").read_bytes()
    (tmp_path / "t.r1cs").write_bytes(raw[: len(raw) - 7])
    code, _, err = run(capsys, "setup", tmp_path / "t.r1cs", "-o", tmp_path / "k")
    assert code == 2 and not (tmp_path / "k").exists()
    _assert_one_sentence(err)
    raw = (proved / "witness.wtns").read_bytes()
    (tmp_path / "t.wtns").write_bytes(raw[:40])
    code, _, err = run(capsys, "prove", proved / "keys", tmp_path / "t.wtns", "-o", tmp_path / "o")
    assert code == 2 and not (tmp_path / "o").exists()
    _assert_one_sentence(err)


def test_keydir_without_a_circuit_or_for_another_witness_exits_2(proved, tmp_path, capsys):
    import shutil

    shutil.copytree(proved / "keys", tmp_path / "keys")
    (tmp_path / "keys" / "circuit.r1cs").unlink()  # as a statement's key directory is written
    code, _, err = run(capsys, "prove", tmp_path / "keys", proved / "witness.wtns", "-o", tmp_path / "o")
    assert code == 2 and "holds no circuit.r1cs" in err and not (tmp_path / "o").exists()
    _assert_one_sentence(err)
    write_wtns([1, 33, 3, 11, 33, 0], tmp_path / "long.wtns")
    code, _, err = run(capsys, "prove", proved / "keys", tmp_path / "long.wtns", "-o", tmp_path / "o")
    assert code == 2 and "has 6 values but the circuit" in err and not (tmp_path / "o").exists()
    _assert_one_sentence(err)


def test_setup_reports_the_circuit_hash_the_keys_are_bound_to(proved):
    from zkanchor.groth16.keydir import load_keydir
    from zkanchor.r1cs import circuit_hash, read_r1cs

    keys = load_keydir(proved / "keys")
    info = json.loads((proved / "keys" / "setup.json").read_text())
    assert info["circuit_hash"] == keys.circuit_hash == circuit_hash(read_r1cs(proved / "circuit.r1cs")).hex()
    assert info["constraints"] == 2 and info["public_inputs"] == 1


def test_unsatisfied_witness_exits_2_naming_the_constraint(proved, tmp_path, capsys):
    r1cs, witness = multiplier(3, 11)
    witness[1] = 34
    write_wtns(witness, tmp_path / "bad.wtns")
    code, _, err = run(capsys, "prove", proved / "keys", tmp_path / "bad.wtns", "-o", tmp_path / "o")
    assert code == 2
    _assert_one_sentence(err)
    assert "constraint 1" in err  # .r1cs files carry no constraint names
    assert not (tmp_path / "o").exists()


def test_missing_files_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "verify", tmp_path / "vk.json", tmp_path / "p.json", tmp_path / "pub.json")
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "prove", tmp_path / "nokeys", tmp_path / "w.wtns", "-o", tmp_path / "o")
    assert code == 2 and "key directory" in err


def test_export_verifier_writes_solidity(proved, tmp_path, capsys):
    code, out, _ = run(capsys, "export-verifier", proved / "keys" / "verification_key.json",
                       "-o", tmp_path / "V.sol", "--json")
    assert code == 0 and json.loads(out)["public_inputs"] == 1
    source = (tmp_path / "V.sol").read_text()
    assert "function verifyProof(" in source and "uint256[1] calldata _pubSignals" in source


def test_verify_onchain_reports_gas(proved, tmp_path, capsys):
    code, out, _ = run(capsys, "verify-onchain", *_vpp(proved), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True and 0 < result["gas_used"] < 260_000
    public = _write(tmp_path / "public.json", ["34"])
    code, out, _ = run(capsys, "verify-onchain", *_vpp(proved, public=public), "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_unreachable_rpc_exits_2(proved, capsys):
    code, _, err = run(capsys, "verify-onchain", *_vpp(proved), "--rpc", "http://127.0.0.1:9")
    assert code == 2
    _assert_one_sentence(err)


@pytest.mark.parametrize("command", ["setup", "prove", "verify", "export-verifier", "verify-onchain"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: zkanchor " + command in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["verify", "only-one-arg"])
    assert info.value.code == 2


def test_module_entry_point_prints_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "zkanchor", "verify", tmp_path / "a", tmp_path / "b", tmp_path / "c"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("zkanchor: error:") and "Traceback" not in proc.stderr
