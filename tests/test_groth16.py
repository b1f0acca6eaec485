"""Groth16 end to end in Python: setup, prove, verify, and every rejection."""

from __future__ import annotations

import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import G1_GEN, G2_GEN, P, R
from zkanchor.errors import FieldError, FormatError, InputError, PointError, UnsatisfiedConstraint
from zkanchor.groth16.generator import ToxicWaste, TrustedSetupWarning, setup
from zkanchor.groth16.keyfile import decode_proving_key, encode_proving_key
from zkanchor.groth16.keys import Proof
from zkanchor.groth16.prover import prove
from zkanchor.groth16.snarkjs_json import (
    proof_from_json, proof_to_json, public_from_json, vk_from_json, vk_to_json,
)
from zkanchor.groth16.verifier import verify
from zkanchor.r1cs import ConstraintSystem

from groth16_circuits import many_public, multiplier, no_public


def _setup(r1cs, seed=1):
    rng = random.Random(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrustedSetupWarning)
        return setup(r1cs, toxic=ToxicWaste.random(lambda n: rng.randrange(n)))


@pytest.fixture(scope="module")
def mult():
    r1cs, witness = multiplier()
    pk = _setup(r1cs)
    proof, public = prove(pk, r1cs, witness)
    return r1cs, witness, pk, proof, public


def test_setup_warns_about_toxic_waste():
    r1cs, _ = multiplier()
    with pytest.warns(TrustedSetupWarning, match="toxic waste"):
        setup(r1cs)


@pytest.mark.parametrize("build", [multiplier, many_public, no_public], ids=["1-public", "9-public", "0-public"])
def test_prove_verify_round_trip(build):
    r1cs, witness = build() if build is not no_public else no_public(3)
    pk = _setup(r1cs)
    proof, public = prove(pk, r1cs, witness)
    assert public == witness[1 : 1 + r1cs.n_public]
    assert verify(pk.vk, proof, public)


def test_tampered_proof_points_are_rejected(mult):
    _, _, pk, proof, public = mult
    assert verify(pk.vk, proof, public)
    assert not verify(pk.vk, Proof(g1.add(proof.a, G1_GEN), proof.b, proof.c), public)
    assert not verify(pk.vk, Proof(proof.a, g2.add(proof.b, G2_GEN), proof.c), public)
    assert not verify(pk.vk, Proof(proof.a, proof.b, g1.add(proof.c, G1_GEN)), public)
    assert not verify(pk.vk, Proof(proof.c, proof.b, proof.a), public)


def test_changed_public_input_is_rejected(mult):
    _, _, pk, proof, public = mult
    assert not verify(pk.vk, proof, [(public[0] + 1) % R])


def test_aliased_public_input_is_refused(mult):
    _, _, pk, proof, public = mult
    with pytest.raises(FieldError, match=r"not in \[0, r\)"):
        verify(pk.vk, proof, [public[0] + R])
    with pytest.raises(FieldError):
        verify(pk.vk, proof, [-1])


def test_wrong_number_of_public_inputs_is_refused(mult):
    _, _, pk, proof, public = mult
    with pytest.raises(InputError, match="expects 1 public inputs, got 2"):
        verify(pk.vk, proof, public + [0])
    with pytest.raises(InputError, match="got 0"):
        verify(pk.vk, proof, [])


def test_swapped_g2_coordinates_are_refused(mult):
    _, _, pk, proof, public = mult
    (x0, x1), (y0, y1) = proof.b
    swapped = ((x1, x0), (y1, y0))
    with pytest.raises(PointError):
        verify(pk.vk, Proof(proof.a, swapped, proof.c), public)


def test_points_off_the_curve_are_refused(mult):
    _, _, pk, proof, public = mult
    x, y = proof.a
    with pytest.raises(PointError):
        verify(pk.vk, Proof((x, (y + 1) % P), proof.b, proof.c), public)
    (bx, by) = proof.b
    with pytest.raises(PointError):
        verify(pk.vk, Proof(proof.a, (bx, (by[0], (by[1] + 1) % P)), proof.c), public)


def test_prover_names_the_unsatisfied_constraint():
    r1cs, witness = multiplier(3, 11)
    pk = _setup(r1cs)
    bad = list(witness)
    bad[1] = 34  # claims 3 * 11 = 34
    with pytest.raises(UnsatisfiedConstraint) as info:
        prove(pk, r1cs, bad)
    assert info.value.index == 1 and info.value.name == "product is public"
    assert "constraint 1 (product is public)" in str(info.value)


def test_prover_refuses_a_key_for_another_circuit(mult):
    _, _, pk, _, _ = mult
    other, witness = many_public(3)
    with pytest.raises(InputError, match="proving key is for a circuit"):
        prove(pk, other, witness)


def test_a_proof_does_not_transfer_to_another_key(mult):
    r1cs, _, _, proof, public = mult
    other_pk = _setup(r1cs, seed=2)
    assert not verify(other_pk.vk, proof, public)


def test_proving_key_binary_round_trip_and_damage(mult):
    _, _, pk, _, _ = mult
    blob = encode_proving_key(pk, b"\x11" * 32)
    decoded, circuit_hash = decode_proving_key(blob)
    # ProvingKey's vectors are PackedPoints (compared by identity): compare encodings.
    assert encode_proving_key(decoded, b"\x11" * 32) == blob and circuit_hash == b"\x11" * 32
    assert decoded.vk == pk.vk and decoded.n_wires == pk.n_wires and decoded.domain_size == pk.domain_size
    for name in ("a_g1", "b_g1", "b_g2", "l_g1", "h_g1"):
        assert list(getattr(decoded, name)) == list(getattr(pk, name)), name
    with pytest.raises(FormatError, match="truncated"):
        decode_proving_key(blob[:-1])
    with pytest.raises(FormatError, match="truncated"):
        decode_proving_key(blob[:20])
    corrupted = bytearray(blob)
    corrupted[-5] ^= 1
    with pytest.raises(FormatError, match="corrupted"):
        decode_proving_key(bytes(corrupted))
    with pytest.raises(FormatError, match="magic"):
        decode_proving_key(b"XXXXXXXX" + blob[8:])


def test_snarkjs_json_round_trip(mult):
    _, _, pk, proof, public = mult
    assert vk_from_json(vk_to_json(pk.vk)) == pk.vk
    assert proof_from_json(proof_to_json(proof)) == proof
    assert public_from_json([str(v) for v in public]) == public
    as_json = proof_to_json(proof)
    assert as_json["protocol"] == "groth16" and as_json["curve"] == "bn128"
    assert as_json["pi_a"][2] == "1" and as_json["pi_b"][2] == ["1", "0"]


def test_snarkjs_json_rejects_malformed_documents(mult):
    _, _, pk, proof, _ = mult
    doc = proof_to_json(proof)
    with pytest.raises(FormatError, match="pi_b"):
        proof_from_json({k: v for k, v in doc.items() if k != "pi_b"})
    with pytest.raises(FormatError, match="3 elements"):
        proof_from_json({**doc, "pi_a": doc["pi_a"][:2]})
    with pytest.raises(FormatError, match="decimal"):
        proof_from_json({**doc, "pi_c": ["0x12", "1", "1"]})
    with pytest.raises(FormatError, match="protocol"):
        proof_from_json({**doc, "protocol": "plonk"})
    with pytest.raises(PointError):
        proof_from_json({**doc, "pi_a": [doc["pi_a"][0], str((int(doc["pi_a"][1]) + 1) % P), "1"]})
    with pytest.raises(FieldError):
        public_from_json([str(R)])
    vk_doc = vk_to_json(pk.vk)
    with pytest.raises(FormatError, match="nPublic"):
        vk_from_json({**vk_doc, "nPublic": 5})


def test_projective_points_are_normalised(mult):
    _, _, _, proof, _ = mult
    x, y = proof.a
    z = 12345
    doc = proof_to_json(proof)
    doc["pi_a"] = [str(x * z * z % P), str(y * z * z * z % P), str(z)]
    assert proof_from_json(doc).a == proof.a


# ---------------------------------------------------------------- property tests

@st.composite
def random_circuits(draw):
    """A random chain of multiplications and additions with some outputs made public."""
    n_pub = draw(st.integers(min_value=0, max_value=3))
    n_prv = draw(st.integers(min_value=1, max_value=3))
    n_ops = draw(st.integers(min_value=1, max_value=6))
    values = [draw(st.integers(min_value=0, max_value=R - 1)) for _ in range(n_prv)]
    ops = [
        (draw(st.sampled_from("+*")), draw(st.integers(0, 100)), draw(st.integers(0, 100)))
        for _ in range(n_ops)
    ]
    # Compute the values first: public inputs must be declared before the private ones.
    vals = list(values)
    for op, i, j in ops:
        a, b = vals[i % len(vals)], vals[j % len(vals)]
        vals.append((a + b) % R if op == "+" else a * b % R)
    cs = ConstraintSystem()
    pub_sources = [draw(st.integers(0, len(vals) - 1)) for _ in range(n_pub)]
    pubs = [cs.public(f"p{k}", vals[src]) for k, src in enumerate(pub_sources)]
    wires = [cs.private(f"x{k}", v) for k, v in enumerate(values)]
    for op, i, j in ops:
        a, b = wires[i % len(wires)], wires[j % len(wires)]
        if op == "*":
            wires.append(cs.mul(a, b))
        else:
            s = cs.hint(lambda x: x, (a + b,), ())  # an internal wire holding a + b
            cs.assert_equal(a + b, s)
            wires.append(s)
    for p, src in zip(pubs, pub_sources):
        cs.assert_equal(wires[src], p)
    return cs.build(), cs.witness()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuit=random_circuits(), seed=st.integers(0, 2**32), which=st.integers(0, 10**6))
def test_random_circuits_prove_and_any_single_change_breaks_them(circuit, seed, which):
    r1cs, witness = circuit
    pk = _setup(r1cs, seed)
    proof, public = prove(pk, r1cs, witness)
    assert verify(pk.vk, proof, public)
    # One change, chosen by `which`: a public input, or one of the three proof points.
    choice = which % (len(public) + 3)
    if choice < len(public):
        changed = list(public)
        changed[choice] = (changed[choice] + 1 + which) % R
        assert not verify(pk.vk, proof, changed)
    elif choice == len(public):
        assert not verify(pk.vk, Proof(g1.add(proof.a, G1_GEN), proof.b, proof.c), public)
    elif choice == len(public) + 1:
        assert not verify(pk.vk, Proof(proof.a, g2.double(proof.b), proof.c), public)
    else:
        assert not verify(pk.vk, Proof(proof.a, proof.b, g1.neg(proof.c)), public)
