"""Preparation and phase 2: exact agreement with the single-party generator, proofs, attacks."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from zkanchor.bn254 import g1
from zkanchor.bn254.constants import G1_GEN, G2_GEN, R
from zkanchor.bn254.fixed_base import batch_mul_g1, batch_mul_g2
from zkanchor.bn254.ntt import Domain
from zkanchor.ceremony import groupops, phase2, powers_of_tau as pot, prepare as prep_mod
from zkanchor.ceremony.checks import CeremonyCheckFailed
from zkanchor.ceremony.transcript import finish, verify_keydir
from zkanchor.errors import FormatError, InputError
from zkanchor.groth16 import generator, prover, verifier
from zkanchor.groth16.keydir import load_keydir
from zkanchor.groth16.qap import domain_for
from zkanchor.r1cs import circuit_hash

from groth16_circuits import many_public, multiplier, no_public

TAU, ALPHA, BETA, DELTA1, DELTA2 = 123456789, 987654321, 55555, 31337, 4242


def _known_phase1(power: int) -> pot.Phase1:
    """A phase 1 with one contribution of known secrets (so keys can be compared exactly)."""
    return pot._apply(pot.start(power), "known", "contribution", [TAU, ALPHA, BETA], [3, 5, 7], None)


@pytest.fixture(scope="module")
def circuit():
    r1cs, witness = many_public(4)
    return r1cs, witness


@pytest.fixture(scope="module")
def ceremony(circuit):
    """Three phase-1 contributions + beacon, prepared, three phase-2 contributions."""
    r1cs, _ = circuit
    log = domain_for(r1cs).size.bit_length() - 1
    p1 = pot.start(log + 1)
    for name in ("hospital-a", "hospital-b", "hospital-c"):
        p1 = pot.contribute(p1, name)
    p1 = pot.apply_beacon(p1, "deadbeef", 2)
    prepared = prep_mod.prepare(p1, log)
    stages = [phase2.initialize(prepared, r1cs)]
    for name in ("hospital-a", "hospital-b", "hospital-c"):
        stages.append(phase2.contribute(stages[-1], name))
    return p1, prepared, stages


def test_lagrange_points_match_the_field_computation():
    tau = 987654321
    acc = pot.rescale(pot.start(3).accumulator, tau, 17, 19)
    p1 = pot.Phase1(acc, (pot.make_record("k", "contribution", pot.genesis_hash(3), acc),))
    for log in (1, 3):
        prep = prep_mod.prepare(p1, log)
        lag = Domain(1 << log).lagrange_at(tau)
        assert list(prep.lagrange_tau_g1) == batch_mul_g1(G1_GEN, lag)
        assert list(prep.lagrange_tau_g2) == batch_mul_g2(G2_GEN, lag)
        assert list(prep.lagrange_alpha_g1) == batch_mul_g1(G1_GEN, [17 * x % R for x in lag])
        assert list(prep.lagrange_beta_g1) == batch_mul_g1(G1_GEN, [19 * x % R for x in lag])


def test_group_ifft_pure_python_matches_native(monkeypatch):
    pts = [g1.mul(G1_GEN, k) for k in range(1, 9)]
    w_inv = Domain(8).omega_inv
    native_out = groupops.group_ifft(groupops.G1, pts, w_inv)
    monkeypatch.setattr(groupops, "_PURE", True)
    assert groupops.group_ifft(groupops.G1, pts, w_inv) == native_out


@pytest.mark.parametrize("build", [multiplier, lambda: many_public(3), lambda: no_public(3)],
                         ids=["1-public", "3-public", "0-public"])
def test_ceremony_key_equals_single_party_key_with_the_same_secrets(build):
    r1cs, witness = build()
    log = domain_for(r1cs).size.bit_length() - 1
    prepared = prep_mod.prepare(_known_phase1(log + 1), log)
    state = phase2._apply(phase2.initialize(prepared, r1cs), "a", DELTA1, 11)
    state = phase2._apply(state, "b", DELTA2, 13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = generator.setup(r1cs, generator.ToxicWaste(TAU, ALPHA, BETA, 1, DELTA1 * DELTA2 % R))
    assert phase2.keys_equal(state.pk, expected)  # the generator's vectors are packed, ours tuples
    assert state.circuit_hash == circuit_hash(r1cs).hex()
    proof, public = prover.prove(state.pk, r1cs, witness)
    assert verifier.verify(state.pk.vk, proof, public)


def test_three_contributors_keys_prove_and_verify(circuit, ceremony):
    r1cs, witness = circuit
    _, _, stages = ceremony
    report = phase2.verify_phase2(stages[-1], stages[0])
    assert report.names == ("hospital-a", "hospital-b", "hospital-c")
    assert report.phase1_contributions == 4
    proof, public = prover.prove(stages[-1].pk, r1cs, witness)
    assert verifier.verify(stages[-1].pk.vk, proof, public)
    assert not verifier.verify(stages[-1].pk.vk, proof, [public[0] + 1] + public[1:])
    # The initial key (delta = 1) and each step's key differ in delta only.
    assert stages[1].pk.delta_g2 != stages[2].pk.delta_g2


def test_finish_writes_a_keydir_that_reverifies(circuit, ceremony, tmp_path):
    r1cs, witness = circuit
    _, prepared, stages = ceremony
    finish(stages[-1], prepared, r1cs, tmp_path / "keys")
    keys = load_keydir(tmp_path / "keys", r1cs)
    assert phase2.keys_equal(keys.pk, stages[-1].pk)
    info = (tmp_path / "keys" / "setup.json").read_text()
    assert "multi-party ceremony" in info and "single-party" not in info
    assert keys.circuit_hash == stages[-1].circuit_hash == circuit_hash(r1cs).hex()
    report = verify_keydir(tmp_path / "keys", prepared)
    assert report.phase2_names == ("hospital-a", "hospital-b", "hospital-c") and report.beacon
    proof, public = prover.prove(keys.pk, keys.r1cs, witness)
    assert verifier.verify(keys.vk, proof, public)


def test_file_round_trips(ceremony, tmp_path):
    _, prepared, stages = ceremony
    prep_mod.save_prepared(prepared, tmp_path / "prep.zkc")
    assert prep_mod.load_prepared(tmp_path / "prep.zkc") == prepared
    phase2.save_phase2(stages[-1], tmp_path / "key.zkc")
    assert phase2.load_phase2(tmp_path / "key.zkc") == stages[-1]
    with pytest.raises(FormatError, match="is a phase-2 key file, not a prepared"):
        prep_mod.load_prepared(tmp_path / "key.zkc")


@pytest.mark.slow
def test_prepared_file_verifies_and_catches_a_bad_lagrange_point(ceremony):
    p1, prepared, _ = ceremony
    prep_mod.verify_prepared(prepared, p1)
    pts = list(prepared.lagrange_tau_g1)
    pts[1] = g1.add(pts[1], G1_GEN)
    with pytest.raises(CeremonyCheckFailed, match="Lagrange tau G1 points are not the Lagrange basis"):
        prep_mod.verify_prepared(replace(prepared, lagrange_tau_g1=tuple(pts)))
    other = pot.contribute(p1, "late")
    with pytest.raises(CeremonyCheckFailed, match="different phase-1 accumulator"):
        prep_mod.verify_prepared(prepared, other)


def test_key_that_changes_a_b_or_ic_is_caught(ceremony):
    _, _, stages = ceremony
    pk = stages[-1].pk
    a = list(pk.a_g1)
    a[1] = g1.add(a[1], G1_GEN)
    with pytest.raises(CeremonyCheckFailed, match="changed something other than delta"):
        phase2.verify_phase2(replace(stages[-1], pk=replace(pk, a_g1=tuple(a))), stages[0])


def test_l_and_h_not_divided_by_delta_are_caught(ceremony):
    _, _, stages = ceremony
    state = stages[-1]
    pk = state.pk
    h = list(pk.h_g1)
    h[0] = g1.mul(h[0], 2)
    bad_pk = replace(pk, h_g1=tuple(h))
    # The record's key digest and hash re-made too: only the L/H ratio check can notice.
    last = replace(state.contributions[-1], key=phase2.key_digest(bad_pk))
    last = replace(last, hash=last.compute_hash())
    bad = replace(state, pk=bad_pk, contributions=state.contributions[:-1] + (last,))
    with pytest.raises(CeremonyCheckFailed, match="L and H points are not the initial ones divided by delta"):
        phase2.verify_phase2(bad, stages[0])


@pytest.mark.slow
def test_phase2_contribution_that_does_not_chain_is_caught(ceremony):
    _, _, stages = ceremony
    fork = phase2.contribute(stages[1], "mallory")  # made from stage 1, not stage 2
    spliced = replace(fork, contributions=stages[2].contributions + fork.contributions[-1:])
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 3 \('mallory'\) does not chain"):
        phase2.verify_phase2(spliced, stages[0])
    forged = replace(fork.contributions[-1], previous_hash=stages[2].contributions[-1].hash)
    spliced = replace(fork, contributions=stages[2].contributions + (forged,))
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 3 \('mallory'\) is not the record its hash"):
        phase2.verify_phase2(spliced, stages[0])
    forged = replace(forged, hash=forged.compute_hash())
    spliced = replace(fork, contributions=stages[2].contributions + (forged,))
    with pytest.raises(CeremonyCheckFailed,
                       match=r"contribution 3 \('mallory'\)('s proof of knowledge| does not chain)"):
        phase2.verify_phase2(spliced, stages[0])
    # Checked against the file it should extend, the fork is not an extension of it.
    with pytest.raises(CeremonyCheckFailed, match="rewrites contributions"):
        phase2.verify_phase2(phase2.contribute(fork, "x"), stages[0], previous=stages[2])


def test_wrong_circuit_or_domain_is_an_input_error(ceremony):
    _, prepared, stages = ceremony
    small, _ = multiplier()
    with pytest.raises(InputError, match="prepared file is for"):
        phase2.initialize(prepared, small)
    other = phase2.initialize(prepared, many_public(5)[0])
    with pytest.raises(CeremonyCheckFailed, match="different circuit"):
        phase2.verify_phase2(stages[-1], other)


def test_initial_key_is_the_same_on_every_path(ceremony, circuit, monkeypatch):
    # The CSR column sums: native (default), every column through an MSM, and pure Python.
    r1cs, _ = circuit
    _, prepared, stages = ceremony
    monkeypatch.setattr(groupops, "HEAVY_COLUMN", 2)
    heavy = phase2.initialize(prepared, r1cs)
    monkeypatch.setattr(groupops, "HEAVY_COLUMN", 64)
    monkeypatch.setenv("ZKANCHOR_BACKEND", "python")
    pure = phase2.initialize(prepared, r1cs)
    assert heavy.initial_hash == pure.initial_hash == stages[0].initial_hash
    assert phase2.keys_equal(pure.pk, stages[0].pk)
