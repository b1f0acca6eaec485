"""Interoperability with the real toolchain: circom2 2.2.3 and snarkjs 0.7.6.

Circom's files must read and check with our code; files we write must be accepted by
snarkjs and decoded by it to exactly what we meant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from circom_tools import (
    CIRCUITS_DIR,
    MISSING_REASON,
    calculate_witness,
    compile_circuit,
    have_node_tools,
    snarkjs,
)
from zkanchor.bn254.constants import R
from zkanchor.errors import UnsatisfiedConstraint
from zkanchor.r1cs import (
    ConstraintSystem,
    check,
    encode_r1cs,
    encode_wtns,
    public_inputs,
    read_r1cs,
    read_wtns,
    write_r1cs,
    write_wtns,
)
from zkanchor.r1cs.circom_r1cs import parse_sections

pytestmark = [pytest.mark.node, pytest.mark.skipif(not have_node_tools(), reason=MISSING_REASON)]


def mixed_expected(x, y, s, t):
    acc = x + sum(3 * v * v - 7 for v in s)
    total = (acc + y) % R
    prod = (t - 5) * (total + 2 * y) % R
    return [total, prod, x % R, y % R]


# name -> (input, (n_pub_out, n_pub_in, n_prv_in), expected public signals)
CASES = {
    "multiplier": ({"a": 3, "b": 11}, (1, 0, 2), [33]),
    "mixed": (
        {"x": 5, "y": R - 2, "s": [2, 3, R - 4], "t": 9},
        (2, 2, 4),
        mixed_expected(5, R - 2, [2, 3, R - 4], 9),
    ),
    "private_only": ({"in": 173}, (0, 0, 1), []),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Compile each (circuit, optimisation) once and compute its witness."""
    cache: dict[tuple[str, str | None], tuple[Path, Path]] = {}

    def get(name: str, optimize: str | None = None) -> tuple[Path, Path]:
        key = (name, optimize)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"{name}_{optimize or 'default'}")
            r1cs_path, wasm = compile_circuit(CIRCUITS_DIR / f"{name}.circom", out, optimize=optimize)
            wtns_path = calculate_witness(wasm, CASES[name][0], out / f"{name}.wtns")
            cache[key] = (r1cs_path, wtns_path)
        return cache[key]

    return get


def assert_every_wire_change_is_caught(r1cs, witness):
    for i in range(1, len(witness)):
        bad = list(witness)
        bad[i] = (bad[i] + 1) % R
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)


@pytest.mark.parametrize("name", sorted(CASES))
def test_circom_files_read_and_check(built, name):
    r1cs_path, wtns_path = built(name)
    r1cs, witness = read_r1cs(r1cs_path), read_wtns(wtns_path)
    _, counts, expected_public = CASES[name]
    assert (r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in) == counts
    assert len(witness) == r1cs.n_wires and witness[0] == 1
    check(r1cs, witness)
    assert public_inputs(r1cs, witness) == expected_public
    assert_every_wire_change_is_caught(r1cs, witness)


@pytest.mark.parametrize("optimize", ["O0", "O2"])
def test_other_circom_optimisation_levels(built, optimize):
    r1cs_path, wtns_path = built("mixed", optimize)
    r1cs, witness = read_r1cs(r1cs_path), read_wtns(wtns_path)
    assert len(witness) == r1cs.n_wires
    check(r1cs, witness)
    assert public_inputs(r1cs, witness) == CASES["mixed"][2]
    bad = list(witness)
    bad[-1] = (bad[-1] + 1) % R
    with pytest.raises(UnsatisfiedConstraint):
        check(r1cs, bad)


def test_mixed_keeps_linear_constraints_and_a_label_map(built):
    # Guards the test's own premise: the file really has empty A/B and labels != wires.
    r1cs = read_r1cs(built("mixed")[0])
    assert any(not a and not b for a, b, _ in r1cs.constraints)
    assert r1cs.n_labels > r1cs.n_wires and r1cs.wire_to_label[0] == 0
    assert any(c not in (1, R - 1) for con in r1cs.constraints for lc in con for c in lc.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_our_encoding_is_byte_identical_to_circom_and_snarkjs(built, name):
    r1cs_path, wtns_path = built(name)
    original = r1cs_path.read_bytes()
    ours = encode_r1cs(read_r1cs(r1cs_path))
    # circom writes the constraints section before the header; compare section contents.
    theirs_secs = parse_sections(original, b"r1cs", 1, "circom")
    ours_secs = parse_sections(ours, b"r1cs", 1, "ours")
    assert sorted(theirs_secs) == sorted(ours_secs) == [1, 2, 3]
    for t in (1, 2, 3):
        [(o1, n1)], [(o2, n2)] = theirs_secs[t], ours_secs[t]
        assert original[o1 : o1 + n1] == ours[o2 : o2 + n2], f"section {t} differs"
    assert encode_wtns(read_wtns(wtns_path)) == wtns_path.read_bytes()


def test_snarkjs_decodes_circom_files_as_we_do(built, tmp_path):
    r1cs_path, wtns_path = built("mixed")
    assert_snarkjs_decodes_like_us(r1cs_path, tmp_path)
    snarkjs("wtns", "export", "json", wtns_path, tmp_path / "w.json")
    assert [int(v) for v in json.loads((tmp_path / "w.json").read_text())] == read_wtns(wtns_path)


def assert_snarkjs_decodes_like_us(r1cs_path: Path, tmp_path: Path) -> None:
    snarkjs("r1cs", "export", "json", r1cs_path, tmp_path / "r1cs.json")
    exported = json.loads((tmp_path / "r1cs.json").read_text())
    ours = read_r1cs(r1cs_path)
    assert int(exported["prime"]) == R
    assert (exported["nVars"], exported["nOutputs"], exported["nPubInputs"], exported["nPrvInputs"]) == (
        ours.n_wires, ours.n_pub_out, ours.n_pub_in, ours.n_prv_in)
    assert exported["nLabels"] == ours.n_labels
    assert exported["map"] == [int(v) for v in ours.wire_to_label]
    theirs = [
        tuple({int(w): int(c) for w, c in lc.items()} for lc in con) for con in exported["constraints"]
    ]
    assert theirs == ours.constraints


def builder_circuit(x: int = 6) -> tuple:
    """A circuit from our builder with public and private inputs, bits, constants."""
    cs = ConstraintSystem()
    total = cs.public("total", 6 * 6 * 2 - 7 + 1)
    flag = cs.public("flag", 1)
    xv = cs.private("x", x)
    y = cs.private("y", 2)
    bit = cs.private("bit", 1)
    cs.assert_bool(bit, "bit")
    cs.assert_equal(bit, flag, "flag")
    sq = cs.mul(xv, xv, "sq")
    prod = cs.mul(sq, y, "prod")
    cs.assert_equal(prod - 7 + bit, total, "total")
    cs.constrain(xv - 1, -y + 3, xv - 1, "neg")  # (x - 1) * (3 - y) = x - 1, as y == 2
    return cs.build(), cs.witness()


def run_snarkjs_info(r1cs_path: Path) -> dict[str, int]:
    proc = snarkjs("r1cs", "info", r1cs_path)
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    return {k: int(v) for k, v in re.findall(r"# of ([A-Za-z ]+): (\d+)", text)}


def test_snarkjs_accepts_files_we_write(tmp_path):
    r1cs, witness = builder_circuit()
    check(r1cs, witness)
    write_r1cs(r1cs, tmp_path / "ours.r1cs")
    write_wtns(witness, tmp_path / "ours.wtns")

    info = run_snarkjs_info(tmp_path / "ours.r1cs")
    assert info == {
        "Wires": r1cs.n_wires,
        "Constraints": r1cs.n_constraints,
        "Private Inputs": r1cs.n_prv_in,
        "Public Inputs": r1cs.n_pub_in,
        "Labels": r1cs.n_wires,
        "Outputs": 0,
    }
    ok = snarkjs("wtns", "check", tmp_path / "ours.r1cs", tmp_path / "ours.wtns", check=False)
    assert ok.returncode == 0 and "WITNESS IS CORRECT" in ok.stdout + ok.stderr, ok.stdout + ok.stderr
    assert_snarkjs_decodes_like_us(tmp_path / "ours.r1cs", tmp_path)


def test_snarkjs_rejects_a_wrong_witness_we_write(tmp_path):
    r1cs, _ = builder_circuit()
    _, bad = builder_circuit(x=7)  # well-formed, but total no longer matches
    with pytest.raises(UnsatisfiedConstraint) as e:
        check(r1cs, bad)
    assert e.value.name == "total"
    write_r1cs(r1cs, tmp_path / "ours.r1cs")
    write_wtns(bad, tmp_path / "bad.wtns")
    res = snarkjs("wtns", "check", tmp_path / "ours.r1cs", tmp_path / "bad.wtns", check=False)
    text = res.stdout + res.stderr
    assert res.returncode != 0 and "WITNESS IS NOT CORRECT" in text, text
