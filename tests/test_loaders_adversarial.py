"""Loaders that trust what they read (review issue 12, item 10), one test per bad file.

Each test builds a hostile file and checks that it is refused with one sentence: exit
code 2 and a single ``zkanchor: error:`` line from the CLI, a FormatError/InputError
from the library, never a traceback, another exception or a hang (large claims must
be refused before anything is allocated for them).
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import time
import tracemalloc
import warnings
from pathlib import Path

import pytest

from zkanchor.bn254 import fp2, g1, g2
from zkanchor.bn254.constants import B2, G1_GEN, G2_GEN, P, R
from zkanchor.cli.main import main
from zkanchor.errors import FieldError, FormatError, InputError, PointError
from zkanchor.groth16.keyfile import _HEADER, decode_proving_key
from zkanchor.groth16.keys import Proof, VerificationKey
from zkanchor.groth16.snarkjs_json import proof_from_json, public_from_json, vk_from_json, vk_to_json
from zkanchor.groth16.verifier import verify
from zkanchor.r1cs import decode_r1cs, decode_wtns, encode_r1cs, encode_wtns, write_r1cs, write_wtns
from zkanchor.r1cs.circom_r1cs import pack_sections, parse_sections
from zkanchor.r1cs.wtns import decode_wtns_packed

from groth16_circuits import multiplier


def run(capsys, *argv):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_refused(capsys, *argv, match: str | None = None, seconds: float = 20.0) -> str:
    """The command exits 2 with exactly one error sentence, quickly; returns that sentence."""
    started = time.perf_counter()
    code, out, err = run(capsys, *argv)
    assert time.perf_counter() - started < seconds, "took too long: a claim was trusted"
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("zkanchor: error:")]
    assert len(lines) == 1, err
    if match is not None:
        assert match in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """A circuit, its key directory, a valid proof and public inputs, all through the CLI."""
    d = tmp_path_factory.mktemp("adversarial")
    r1cs, witness = multiplier(3, 11)
    write_r1cs(r1cs, d / "circuit.r1cs")
    write_wtns(witness, d / "witness.wtns")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["setup", str(d / "circuit.r1cs"), "-o", str(d / "keys")]) == 0
        assert main(["prove", str(d / "keys"), str(d / "witness.wtns"), "-o", str(d / "out")]) == 0
    return d


def doc(path: Path):
    return json.loads(path.read_text())


def write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj)
    return path


def vpp(d: Path, vk=None, proof=None, public=None) -> tuple[Path, Path, Path]:
    return (vk or d / "keys" / "verification_key.json", proof or d / "out" / "proof.json",
            public or d / "out" / "public.json")


def non_subgroup_twist_point(seed: int = 3):
    """A point on the twist curve outside G2: random x, y = sqrt(x^3 + B2)."""
    rng = random.Random(seed)
    while True:
        x = (rng.randrange(P), rng.randrange(P))
        y = fp2.sqrt(fp2.add(fp2.mul(fp2.sqr(x), x), B2))
        if y is not None:
            point = (x, y)
            assert g2.is_on_curve(point) and not g2.is_in_subgroup(point)
            return point


G1_INFINITY = ["0", "1", "0"]
G2_INFINITY = [["0", "0"], ["1", "0"], ["0", "0"]]


# ---------------------------------------------------------------- verification keys at infinity

@pytest.mark.parametrize("field", ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2"])
def test_verification_key_with_a_point_at_infinity_is_refused(proved, tmp_path, capsys, field):
    vk = doc(proved / "keys" / "verification_key.json")
    vk[field] = G1_INFINITY if field == "vk_alpha_1" else G2_INFINITY
    bad = write(tmp_path / "vk.json", vk)
    assert_refused(capsys, "verify", *vpp(proved, vk=bad), match="at infinity")
    assert_refused(capsys, "verify", *vpp(proved, vk=bad), "--json", match="at infinity")
    assert_refused(capsys, "export-verifier", bad, "-o", tmp_path / "V.sol", match="at infinity")
    assert not (tmp_path / "V.sol").exists()
    with pytest.raises(PointError, match="at infinity"):
        vk_from_json(vk)


def test_gamma_and_delta_at_infinity_would_accept_any_public_input(proved):
    # Why they are refused: with gamma = delta = infinity the check loses vk_x and C, and
    # a "proof" A = alpha, B = beta verifies for every public input.
    good = vk_from_json(doc(proved / "keys" / "verification_key.json"))
    forged = Proof(a=good.alpha_g1, b=good.beta_g2, c=G1_GEN)
    for public in ([0], [33], [R - 1]):
        with pytest.raises(PointError, match="gamma at infinity"):
            verify(VerificationKey(good.alpha_g1, good.beta_g2, None, None, good.ic), forged, public)
    with pytest.raises(PointError, match="delta at infinity"):
        verify(VerificationKey(good.alpha_g1, good.beta_g2, good.gamma_g2, None, good.ic), forged, [33])
    with pytest.raises(PointError, match="alpha at infinity"):
        verify(VerificationKey(None, good.beta_g2, good.gamma_g2, good.delta_g2, good.ic), forged, [33])
    # and a key built in code is checked like one read from a file
    off_curve = (good.ic[0][0], (good.ic[0][1] + 1) % P)
    with pytest.raises(PointError, match="IC\\[0\\]"):
        verify(VerificationKey(good.alpha_g1, good.beta_g2, good.gamma_g2, good.delta_g2,
                               (off_curve,) + good.ic[1:]), forged, [33])


# ---------------------------------------------------------------- decimal strings

BAD_NUMBERS = [
    "١٢",            # Arabic-Indic digits: str.isdigit() says yes, int() reads 12
    "１２",           # full-width digits
    "²",             # superscript two: isdigit() says yes, int() raises
    "1_000",         # int() accepts underscores
    " 12",           # and surrounding spaces
    "12\n",
    "+12",
    "-1",
    "0x12",
    "",
    "1e3",
    "9" * 81,        # longer than any field element
]


@pytest.mark.parametrize("text", BAD_NUMBERS)
def test_public_inputs_must_be_plain_ascii_decimals(proved, tmp_path, capsys, text):
    bad = write(tmp_path / "public.json", [text])
    assert_refused(capsys, "verify", *vpp(proved, public=bad))
    with pytest.raises(InputError):
        public_from_json([text])


@pytest.mark.parametrize("text", ["١", "１", "٣٣"])
def test_non_ascii_digits_in_proofs_and_keys_are_refused(proved, tmp_path, capsys, text):
    proof = doc(proved / "out" / "proof.json")
    proof["pi_a"][2] = text  # "1" in another script
    assert_refused(capsys, "verify", *vpp(proved, proof=write(tmp_path / "p.json", proof)), match="ASCII")
    vk = doc(proved / "keys" / "verification_key.json")
    vk["vk_gamma_2"][2][0] = text
    assert_refused(capsys, "verify", *vpp(proved, vk=write(tmp_path / "vk.json", vk)), match="ASCII")
    vk = doc(proved / "keys" / "verification_key.json")
    vk["nPublic"] = text
    assert_refused(capsys, "verify", *vpp(proved, vk=write(tmp_path / "vk.json", vk)))
    with pytest.raises(FormatError, match="ASCII"):
        proof_from_json(proof)


@pytest.mark.parametrize("raw", [
    "[" + "1" * 5000 + "]",         # Python's int-conversion limit raises ValueError in json.loads
    '["' + "1" * 5000 + '"]',
    "[1.0]",
    "[33.5]",
    "[NaN]",
    "[-33]",
    "[true]",
    "[[33]]",
    "[" * 100_000,                  # json.loads would recurse too deeply
    "{}",
])
def test_malformed_public_json_is_one_sentence(proved, tmp_path, capsys, raw):
    bad = write(tmp_path / "public.json", raw)
    assert_refused(capsys, "verify", *vpp(proved, public=bad))
    assert_refused(capsys, "verify-onchain", *vpp(proved, public=bad))


def test_json_integers_are_read_like_strings(proved, tmp_path, capsys):
    # Plain JSON numbers are fine when they are valid field elements...
    write(tmp_path / "public.json", "[33]")
    code, out, _ = run(capsys, "verify", *vpp(proved, public=tmp_path / "public.json"))
    assert code == 0 and "OK" in out
    # ...and held to the same bound as strings.
    write(tmp_path / "public.json", f"[{R + 33}]")
    assert_refused(capsys, "verify", *vpp(proved, public=tmp_path / "public.json"), match="not below")


# ---------------------------------------------------------------- points in proofs and keys

def proof_with(proved, field, value):
    proof = doc(proved / "out" / "proof.json")
    proof[field] = value
    return proof


def test_proof_points_off_the_curve_outside_the_subgroup_or_too_big(proved, tmp_path, capsys):
    proof = doc(proved / "out" / "proof.json")
    ax, ay = int(proof["pi_a"][0]), int(proof["pi_a"][1])
    (bx0, bx1), (by0, by1) = ((int(c) for c in pair) for pair in proof["pi_b"][:2])
    outside = non_subgroup_twist_point()
    cases = {
        "off the G1 curve": ("pi_a", [str(ax), str((ay + 1) % P), "1"], "not on the BN254 G1 curve"),
        "x >= p in G1": ("pi_c", [str(ax + P), str(ay), "1"], "not below the field modulus (p)"),
        "z >= p in G1": ("pi_a", [str(ax), str(ay), str(P + 1)], "not below the field modulus (p)"),
        "off the twist": ("pi_b", [[str(bx0), str(bx1)], [str(by0), str((by1 + 1) % P)], ["1", "0"]],
                          "not on the BN254 G2 twist"),
        "outside G2": ("pi_b", [[str(c) for c in outside[0]], [str(c) for c in outside[1]], ["1", "0"]],
                       "not in the order-r subgroup"),
        "y >= p in G2": ("pi_b", [[str(bx0), str(bx1)], [str(by0 + P), str(by1)], ["1", "0"]],
                         "not below the field modulus (p)"),
    }
    for name, (field, value, message) in cases.items():
        bad = write(tmp_path / "proof.json", proof_with(proved, field, value))
        assert_refused(capsys, "verify", *vpp(proved, proof=bad), match=message)
        assert_refused(capsys, "verify-onchain", *vpp(proved, proof=bad), match=message)
        with pytest.raises(InputError):
            proof_from_json(proof_with(proved, field, value))


def test_verification_key_points_off_the_curve_outside_the_subgroup_or_too_big(proved, tmp_path, capsys):
    base = doc(proved / "keys" / "verification_key.json")
    outside = non_subgroup_twist_point(5)
    x, y = int(base["vk_alpha_1"][0]), int(base["vk_alpha_1"][1])
    cases = [
        ("vk_alpha_1", [str(x), str((y + 1) % P), "1"], "not on the BN254 G1 curve"),
        ("vk_alpha_1", [str(x + P), str(y), "1"], "not below the field modulus (p)"),
        ("vk_delta_2", [[str(c) for c in outside[0]], [str(c) for c in outside[1]], ["1", "0"]],
         "not in the order-r subgroup"),
        ("vk_gamma_2", [[str(P), "0"], ["1", "0"], ["1", "0"]], "not below the field modulus (p)"),
        ("IC", [base["IC"][0], [str(x), str((y + 1) % P), "1"]], "IC[1] is not on the BN254 G1 curve"),
    ]
    for field, value, message in cases:
        bad = write(tmp_path / "vk.json", {**base, field: value})
        assert_refused(capsys, "verify", *vpp(proved, vk=bad), match=message)
        assert_refused(capsys, "export-verifier", bad, "-o", tmp_path / "V.sol", match=message)
        with pytest.raises(InputError):
            vk_from_json({**base, field: value})
    # A G2 point given in Python outside the subgroup is caught by verify() too.
    good = vk_from_json(base)
    with pytest.raises(PointError, match="subgroup"):
        verify(VerificationKey(good.alpha_g1, good.beta_g2, outside, good.delta_g2, good.ic),
               Proof(G1_GEN, G2_GEN, G1_GEN), [33])


# ---------------------------------------------------------------- .r1cs headers

def header(counts, n8=32) -> bytes:
    """An .r1cs header section: n8, the prime, nWires, nPubOut, nPubIn, nPrvIn, nLabels, m."""
    return struct.pack("<I", n8) + R.to_bytes(n8, "little") + struct.pack("<IIIIQI", *counts)


def sections_of(data: bytes) -> dict[int, bytes]:
    return {t: data[o:o + n] for t, [(o, n)] in parse_sections(data, b"r1cs", 1, "test").items()}


def small_r1cs_sections() -> dict[int, bytes]:
    r1cs, _ = multiplier()
    return sections_of(encode_r1cs(r1cs))


def refused_cheaply(decode, data: bytes, match: str) -> None:
    """decode(data) raises FormatError matching ``match`` within 1 s and 10 MB of allocations."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FormatError, match=match):
            decode(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 10 * 2**20 + 2 * len(data), f"{peak} bytes allocated for a {len(data)}-byte file"


HUGE = 2**32 - 1


@pytest.mark.parametrize("what, counts, sections, match", [
    ("constraints", (4, 1, 0, 2, 4, HUGE), (1, 2, 3), "declares 4294967295 constraints but the constraints "
                                                       "section holds at most"),
    ("wires with a map", (HUGE, 1, 0, 2, HUGE, 2), (1, 2, 3), "map section \\(3\\) has 40 bytes, expected 8 per wire"),
    ("wires without a map", (HUGE, 1, 0, 2, HUGE, 2), (1, 2), "no wire-to-label map"),
    ("public inputs", (4, 0, HUGE, 0, 4, 2), (1, 2, 3), "declares 4 wires, fewer than 1 \\+ 0 outputs \\+ 4294967295"),
    ("public outputs", (4, HUGE, 0, 0, 4, 2), (1, 2, 3), "fewer than 1 \\+ 4294967295 outputs"),
    ("private inputs", (HUGE, 1, 0, HUGE - 2, HUGE, 2), (1, 2), "no wire-to-label map"),
    ("labels below the map's", (5, 1, 0, 2, 2, 2), (1, 2, 3), "names label 4, but the header declares only 2 labels"),
])
def test_r1cs_headers_claiming_huge_counts_are_refused_before_allocating(tmp_path, capsys, what, counts,
                                                                         sections, match):
    secs = small_r1cs_sections()
    secs[1] = header(counts)
    data = pack_sections(b"r1cs", 1, [(t, secs[t]) for t in sections])
    refused_cheaply(decode_r1cs, data, match)
    (tmp_path / "c.r1cs").write_bytes(data)
    assert_refused(capsys, "setup", tmp_path / "c.r1cs", "-o", tmp_path / "keys", seconds=5)
    assert not (tmp_path / "keys").exists()


def test_r1cs_term_counts_claiming_more_than_the_section_holds(tmp_path, capsys):
    secs = small_r1cs_sections()
    body = bytearray(secs[2])
    body[0:4] = struct.pack("<I", HUGE)  # constraint 0's A claims 2^32 - 1 terms
    secs[2] = bytes(body)
    data = pack_sections(b"r1cs", 1, [(t, secs[t]) for t in (1, 2, 3)])
    refused_cheaply(decode_r1cs, data, "constraint 0 of 2 is cut off")
    (tmp_path / "c.r1cs").write_bytes(data)
    assert_refused(capsys, "setup", tmp_path / "c.r1cs", "-o", tmp_path / "keys", match="cut off")


def test_r1cs_section_sizes_and_counts_beyond_the_file(capsys, tmp_path):
    # A section that claims 2^64 - 1 bytes, and 2^32 - 1 sections in a 12-byte file.
    data = b"r1cs" + struct.pack("<II", 1, 1) + struct.pack("<IQ", 2, 2**64 - 1)
    refused_cheaply(decode_r1cs, data, "truncated section 2")
    refused_cheaply(decode_r1cs, b"r1cs" + struct.pack("<II", 1, HUGE), "header of section 1 of 4294967295")
    (tmp_path / "c.r1cs").write_bytes(data)
    assert_refused(capsys, "setup", tmp_path / "c.r1cs", "-o", tmp_path / "keys", match="truncated")


def test_r1cs_unsorted_terms_with_a_late_repeat_are_refused():
    # Terms out of order are accepted (and sorted), but a wire listed twice is not, even
    # when the first disorder is elsewhere in the combination: wires 3, 1, 1.
    from zkanchor.r1cs import R1CS

    r1cs = R1CS.from_constraints(4, 0, 0, 0, [({1: 5, 2: 6, 3: 7}, {}, {})])
    data = bytearray(encode_r1cs(r1cs))
    (o, _), = parse_sections(bytes(data), b"r1cs", 1, "test")[2]
    for k, wire in enumerate((3, 1, 1)):
        data[o + 4 + 36 * k: o + 8 + 36 * k] = struct.pack("<I", wire)
    with pytest.raises(FormatError, match="lists wire 1 twice"):
        decode_r1cs(bytes(data))


# ---------------------------------------------------------------- .wtns headers

def wtns_bytes(n_claimed: int, values: list[int]) -> bytes:
    head = struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<I", n_claimed)
    body = b"".join(v.to_bytes(32, "little") for v in values)
    return pack_sections(b"wtns", 2, [(1, head), (2, body)])


@pytest.mark.parametrize("n_claimed", [HUGE, 5, 0])
def test_wtns_header_count_is_checked_against_the_section(proved, tmp_path, capsys, n_claimed):
    data = wtns_bytes(n_claimed, [1, 33, 3, 11])
    for decode in (decode_wtns, decode_wtns_packed):
        refused_cheaply(decode, data, "values section \\(2\\) has 128 bytes but")
    (tmp_path / "w.wtns").write_bytes(data)
    assert_refused(capsys, "prove", proved / "keys", tmp_path / "w.wtns", "-o", tmp_path / "out", seconds=10)
    assert not (tmp_path / "out").exists()


def test_wtns_values_and_length_are_checked(proved, tmp_path, capsys):
    (tmp_path / "big.wtns").write_bytes(wtns_bytes(4, [1, 33, R, 11]))
    assert_refused(capsys, "prove", proved / "keys", tmp_path / "big.wtns", "-o", tmp_path / "out",
                   match="witness value 2 is not below the prime")
    (tmp_path / "short.wtns").write_bytes(wtns_bytes(3, [1, 33, 3]))
    assert_refused(capsys, "prove", proved / "keys", tmp_path / "short.wtns", "-o", tmp_path / "out",
                   match="has 3 values but the circuit")
    assert encode_wtns([1, 33, 3, 11]) == wtns_bytes(4, [1, 33, 3, 11])
    assert bytes(decode_wtns_packed(wtns_bytes(4, [1, 33, 3, 11]))) == wtns_bytes(4, [1, 33, 3, 11])[-128:]


# ---------------------------------------------------------------- proving keys

def resealed(blob: bytes, payload: bytes) -> bytes:
    """The key file with ``payload`` and a payload checksum that matches it."""
    fields = list(_HEADER.unpack_from(blob))
    fields[-1] = hashlib.sha256(payload).digest()
    return _HEADER.pack(*fields) + payload


@pytest.mark.parametrize("damage", ["off the curve", "x >= p", "gamma at infinity"])
def test_corrupted_proving_key_with_a_valid_checksum_exits_2(proved, tmp_path, capsys, damage):
    import shutil

    keys = tmp_path / "keys"
    shutil.copytree(proved / "keys", keys)
    blob = (keys / "proving_key.zkpk").read_bytes()
    payload = bytearray(blob[_HEADER.size:])
    # Payload layout: alpha_g1, beta_g1 (64 bytes each), beta_g2 (128), delta_g1 (64), delta_g2 (128),
    # then the vectors: a_g1 first. Damage a_g1's wire-0 point (offset 448).
    at = 2 * 64 + 128 + 64 + 128
    x = int.from_bytes(payload[at:at + 32], "little")
    y = int.from_bytes(payload[at + 32:at + 64], "little")
    assert (x, y) != (0, 0) and g1.is_on_curve((x, y))
    if damage == "off the curve":
        payload[at + 32:at + 64] = ((y + 1) % P).to_bytes(32, "little")
        match = "not on the curve"
    elif damage == "x >= p":
        payload[at:at + 32] = (x + P).to_bytes(32, "little")
        match = "coordinate >= p"
    else:
        gamma_at = len(payload) - 128 - 64 * 2  # gamma_g2, then IC (2 points for 1 public input)
        payload[gamma_at:gamma_at + 128] = bytes(128)
        match = "gamma at infinity"
    (keys / "proving_key.zkpk").write_bytes(resealed(blob, bytes(payload)))
    with pytest.raises(FormatError, match=match):
        decode_proving_key((keys / "proving_key.zkpk").read_bytes())
    assert_refused(capsys, "prove", keys, proved / "witness.wtns", "-o", tmp_path / "out", match=match)
    assert not (tmp_path / "out").exists()


def test_proving_key_counts_beyond_the_file_are_refused_before_allocating(proved):
    blob = (proved / "keys" / "proving_key.zkpk").read_bytes()
    fields = list(_HEADER.unpack_from(blob))
    fields[3] = HUGE  # n_wires
    fields[5:8] = [HUGE, HUGE, HUGE]
    refused_cheaply(lambda d: decode_proving_key(d), _HEADER.pack(*fields) + blob[_HEADER.size:], "truncated")


def test_vk_to_json_round_trip_still_reads(proved):
    # The strict reader still reads what the writer writes (a key through JSON and back).
    vk = vk_from_json(doc(proved / "keys" / "verification_key.json"))
    assert vk_from_json(json.loads(json.dumps(vk_to_json(vk)))) == vk
    assert g2.is_in_subgroup(vk.gamma_g2) and vk.ic[0] is not None and G2_GEN is not None


# ---------------------------------------------------------------- our own JSON documents

HOSTILE_JSON = {
    "nested": "[" * 200_000,           # would overflow the C stack under py_ecc's recursion limit
    "digits": '{"leaf": ' + "7" * 5_000 + "}",  # beyond Python's int-conversion limit
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_JSON))
def test_hostile_json_for_our_documents_is_one_sentence(kind, tmp_path):
    # A subprocess: a stack overflow would kill the interpreter, not raise.
    import subprocess
    import sys

    receipt = tmp_path / "receipt.json"
    receipt.write_text(HOSTILE_JSON[kind])
    (tmp_path / "proof").mkdir()
    (tmp_path / "proof" / "statement.json").write_text(HOSTILE_JSON[kind])
    for argv in (["verify-receipt", str(receipt)], ["verify-training", str(tmp_path / "proof")]):
        done = subprocess.run([sys.executable, "-m", "zkanchor", *argv], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)
        assert done.returncode == 2, (argv, done.returncode, done.stderr[-500:])
        lines = [line for line in done.stderr.splitlines() if line.startswith("zkanchor: error:")]
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-500:]
        assert ("more than 32 deep" if kind == "nested" else "4300 digits") in lines[0], lines[0]


def test_ceremony_headers_are_depth_checked_before_parsing():
    from zkanchor.ceremony.container import parse_json_unique

    with pytest.raises(FormatError, match="more than 32 deep"):
        parse_json_unique("[" * 200_000, "a ceremony header")
    with pytest.raises(FormatError, match="named twice|twice"):
        parse_json_unique('{"a": 1, "a": 2}', "a ceremony header")
