"""Phase 1 (powers of tau): contributions, beacon, files, and every way verification must fail.

Each attack below keeps the file well-formed (records re-hashed, checksum recomputed) so
that it is the ceremony check -- not the checksum -- that catches it, with its sentence.
The transcript forgeries of the adversarial review are in test_ceremony_adversarial.py.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from zkanchor.bn254 import g1, g2
from zkanchor.bn254.constants import G1_GEN, G2_GEN, R
from zkanchor.ceremony import powers_of_tau as pot
from zkanchor.ceremony.checks import CeremonyCheckFailed
from zkanchor.errors import FormatError, InputError

POWER = 3


@pytest.fixture(scope="module")
def chain():
    """start, three contributions and a beacon (each stage kept)."""
    stages = [pot.start(POWER)]
    for name in ("alice", "bob", "carol"):
        stages.append(pot.contribute(stages[-1], name, entropy=name.encode()))
    stages.append(pot.apply_beacon(stages[-1], "00ff" * 16, 3))
    return stages


def _forge(phase1: pot.Phase1, acc: pot.Accumulator) -> pot.Phase1:
    """Replace the accumulator and patch the last record (heads, digest, hash) to match it."""
    last = pot._rehash(replace(phase1.contributions[-1], accumulator=acc.digest(), heads=acc.heads()))
    return pot.Phase1(acc, phase1.contributions[:-1] + (last,))


def _rehashed(rec: pot.Contribution, **changes) -> pot.Contribution:
    """A record with ``changes`` and its hash recomputed (a forger can always do that)."""
    return pot._rehash(replace(rec, **changes))


def test_three_contributions_and_beacon_verify(chain):
    report = pot.verify_phase1(chain[-1])
    assert report.names == ("alice", "bob", "carol", "beacon")
    assert report.beacon and not report.imported
    assert pot.verify_phase1(chain[2], previous=chain[1]).contributions == 2
    # Every record's hash is the hash of its contents, and each names the one before.
    hashes = report.hashes
    assert [r.compute_hash() for r in chain[-1].contributions] == list(hashes)
    assert [r.previous_hash for r in chain[-1].contributions] == [pot.genesis_hash(POWER), *hashes[:-1]]
    assert chain[-1].contributions[-1].accumulator == chain[-1].accumulator.digest()


def test_accumulator_really_holds_powers_of_one_tau():
    tau, alpha, beta = 5, 7, 11
    acc = pot.rescale(pot.rescale(pot.start(2).accumulator, tau, alpha, beta), 3, 2, 1)
    t, a, b = tau * 3, alpha * 2, beta
    assert acc.tau_g1 == tuple(g1.mul(G1_GEN, t**i) for i in range(7))
    assert acc.tau_g2 == tuple(g2.mul(G2_GEN, t**i) for i in range(4))
    assert acc.alpha_tau_g1 == tuple(g1.mul(G1_GEN, a * t**i) for i in range(4))
    assert acc.beta_tau_g1 == tuple(g1.mul(G1_GEN, b * t**i) for i in range(4))
    assert acc.beta_g2 == g2.mul(G2_GEN, b)


def test_save_load_round_trip(chain, tmp_path):
    path = tmp_path / "pot.zkc"
    digest = pot.save_phase1(chain[-1], path)
    loaded = pot.load_phase1(path)
    assert loaded == chain[-1]
    assert digest == loaded.accumulator.digest()


def test_fresh_start_verifies_and_contributions_differ(chain):
    assert pot.verify_phase1(chain[0]).contributions == 0
    assert chain[1].accumulator.tau_g1[1] != chain[2].accumulator.tau_g1[1]


def test_dropped_power_is_caught(chain):
    acc = chain[-1].accumulator
    dropped = replace(acc, tau_g1=acc.tau_g1[:3] + acc.tau_g1[4:])
    with pytest.raises(CeremonyCheckFailed, match="powers were dropped or added"):
        pot.verify_phase1(_forge(chain[-1], dropped))


@pytest.mark.slow
def test_shifted_powers_are_caught(chain):
    # Dropping one power and repeating the last keeps the count right but breaks the sequence.
    acc = chain[-1].accumulator
    shifted = replace(acc, tau_g1=acc.tau_g1[:3] + acc.tau_g1[4:] + acc.tau_g1[-1:])
    with pytest.raises(CeremonyCheckFailed, match="G1 powers are not consecutive"):
        pot.verify_phase1(_forge(chain[-1], shifted))


@pytest.mark.slow
@pytest.mark.parametrize("field", ["tau_g1", "alpha_tau_g1", "beta_tau_g1"])
def test_reused_g1_power_is_caught(chain, field):
    acc = chain[-1].accumulator
    pts = list(getattr(acc, field))
    pts[3] = pts[2]
    with pytest.raises(CeremonyCheckFailed, match="G1 powers are not consecutive"):
        pot.verify_phase1(_forge(chain[-1], replace(acc, **{field: tuple(pts)})))


@pytest.mark.slow
def test_reused_g2_power_is_caught(chain):
    acc = chain[-1].accumulator
    pts = list(acc.tau_g2)
    pts[3] = pts[2]
    with pytest.raises(CeremonyCheckFailed, match="G2 powers are not consecutive"):
        pot.verify_phase1(_forge(chain[-1], replace(acc, tau_g2=tuple(pts))))


@pytest.mark.slow
def test_points_changed_after_last_contribution_are_caught(chain):
    # Consistent powers of another tau (the coordinator's own rescaling): only the records can tell.
    acc = pot.rescale(chain[-1].accumulator, 2, 3, 5)
    with pytest.raises(CeremonyCheckFailed, match="points were changed after it"):
        pot.verify_phase1(pot.Phase1(acc, chain[-1].contributions))
    # A point changed alone breaks the powers first.
    pts = list(chain[-1].accumulator.tau_g1)
    pts[5] = g1.add(pts[5], G1_GEN)
    tampered = pot.Phase1(replace(chain[-1].accumulator, tau_g1=tuple(pts)), chain[-1].contributions)
    with pytest.raises(CeremonyCheckFailed, match="G1 powers are not consecutive"):
        pot.verify_phase1(tampered)


@pytest.mark.slow
def test_beta_mismatch_between_groups_is_caught(chain):
    acc = chain[-1].accumulator
    bad = replace(acc, beta_g2=g2.mul(acc.beta_g2, 2))
    with pytest.raises(CeremonyCheckFailed, match="beta"):
        pot.verify_phase1(_forge(chain[-1], bad))


def test_contribution_from_another_accumulator_does_not_chain(chain):
    # bob2 contributes to a fork (a different contribution by alice), not to chain[1].
    fork = pot.contribute(pot.start(POWER), "alice")
    forked = pot.contribute(fork, "bob2")
    hijacked = pot.Phase1(forked.accumulator, chain[1].contributions + forked.contributions[1:])
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 2 \('bob2'\) does not chain"):
        pot.verify_phase1(hijacked, previous=chain[1])
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 2 \('bob2'\) does not chain"):
        pot.verify_phase1(hijacked)


@pytest.mark.slow
def test_forged_previous_hash_is_caught_by_the_proofs(chain):
    # The record claims to chain from chain[1], but its points were made from a fork.
    fork = pot.contribute(pot.start(POWER), "mallory-fork")
    forked = pot.contribute(fork, "bob2")
    rec = _rehashed(forked.contributions[-1], previous_hash=chain[1].contributions[-1].hash)
    hijacked = pot.Phase1(forked.accumulator, chain[1].contributions + (rec,))
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 2 \('bob2'\)('s proof of knowledge| does not chain)"):
        pot.verify_phase1(hijacked, previous=chain[1])
    # Without the re-hash the record is not the one its hash names.
    rec = replace(forked.contributions[-1], previous_hash=chain[1].contributions[-1].hash)
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 2 \('bob2'\) is not the record its hash"):
        pot.verify_phase1(pot.Phase1(forked.accumulator, chain[1].contributions + (rec,)))


def test_rewritten_history_is_caught(chain):
    renamed = replace(chain[2].contributions[0], name="eve")
    rewritten = pot.Phase1(chain[2].accumulator, (renamed,) + chain[2].contributions[1:])
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 1 \('eve'\) is not the record its hash"):
        pot.verify_phase1(rewritten, previous=chain[1])
    # Re-hashed, the rename breaks the next record's link to it.
    rewritten = pot.Phase1(chain[2].accumulator, (_rehashed(renamed),) + chain[2].contributions[1:])
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 2 \('bob'\) does not chain"):
        pot.verify_phase1(rewritten, previous=chain[1])


@pytest.mark.slow
def test_wrong_beacon_is_caught(chain):
    # Made with one beacon value but claiming another.
    made = pot.apply_beacon(chain[3], "1234", 2)
    rec = _rehashed(made.contributions[-1], beacon={"value": "5678", "iterations_exp": 2})
    with pytest.raises(CeremonyCheckFailed, match="not made from its stated beacon value 5678"):
        pot.verify_phase1(pot.Phase1(made.accumulator, made.contributions[:-1] + (rec,)))
    rec = _rehashed(made.contributions[-1], beacon={"value": "1234", "iterations_exp": 3})
    with pytest.raises(CeremonyCheckFailed, match="not made from its stated beacon value"):
        pot.verify_phase1(pot.Phase1(made.accumulator, made.contributions[:-1] + (rec,)))


def test_beacon_is_deterministic(chain):
    a = pot.apply_beacon(chain[3], "abcd", 1)
    b = pot.apply_beacon(chain[3], "0xABCD", 1)
    assert a == b
    assert pot.apply_beacon(chain[3], "abce", 1).accumulator != a.accumulator


def test_beacon_secrets_follow_the_documented_hashing():
    import hashlib

    digest = bytes.fromhex("abcd")
    for _ in range(4):
        digest = hashlib.sha256(digest).digest()
    tau = int.from_bytes(hashlib.sha512(digest + b"tau").digest(), "big") % (R - 1) + 1
    assert pot.beacon_secrets(bytes.fromhex("abcd"), 2)[0][0] == tau


def test_bad_beacon_and_power_inputs_are_input_errors(chain):
    with pytest.raises(InputError, match="hexadecimal"):
        pot.apply_beacon(chain[3], "xyz", 1)
    with pytest.raises(InputError, match="iteration exponent"):
        pot.apply_beacon(chain[3], "ab", 99)
    with pytest.raises(InputError, match="between 1 and 28"):
        pot.start(0)


def test_truncated_and_corrupted_files_are_rejected(chain, tmp_path):
    path = tmp_path / "pot.zkc"
    pot.save_phase1(chain[-1], path)
    data = path.read_bytes()
    (tmp_path / "cut.zkc").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="truncated or corrupted"):
        pot.load_phase1(tmp_path / "cut.zkc")
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 1
    (tmp_path / "flip.zkc").write_bytes(bytes(flipped))
    with pytest.raises(FormatError, match="truncated or corrupted"):
        pot.load_phase1(tmp_path / "flip.zkc")
    (tmp_path / "tiny.zkc").write_bytes(data[:10])
    with pytest.raises(FormatError, match="not a zkanchor ceremony file"):
        pot.load_phase1(tmp_path / "tiny.zkc")


def test_point_off_curve_with_valid_checksum_is_rejected(chain, tmp_path):
    from zkanchor.ceremony import container

    acc = chain[-1].accumulator
    sections = acc.sections()
    raw = container.encode(container.KIND_PHASE1, {"power": POWER, "contributions": []}, sections)
    (tmp_path / "ok.zkc").write_bytes(raw)
    assert pot.load_phase1(tmp_path / "ok.zkc").accumulator == acc
    # Re-encode with one y coordinate bumped, and a fresh checksum.
    body = bytearray(raw[:-32])
    idx = body.find(container.encode_points([acc.tau_g1[2]], 64))
    body[idx + 32] ^= 1
    import hashlib

    (tmp_path / "off.zkc").write_bytes(bytes(body) + hashlib.sha256(bytes(body)).digest())
    with pytest.raises(InputError, match="not on the curve|field modulus"):
        pot.load_phase1(tmp_path / "off.zkc")


def test_pure_python_and_native_backends_agree(monkeypatch):
    from zkanchor.ceremony import groupops

    pts = [g1.mul(G1_GEN, k) for k in (3, 5, 7, 11)]
    pts2 = [g2.mul(G2_GEN, k) for k in (3, 5)]
    scalars = [R - 1, 2, 12345678901234567890, 0]
    native_g1 = groupops.scale_g1(pts, scalars)
    native_g2 = groupops.scale_g2(pts2, scalars[:2])
    monkeypatch.setattr(groupops, "_PURE", True)
    assert groupops.scale_g1(pts, scalars) == native_g1 == [g1.mul(p, s) for p, s in zip(pts, scalars)]
    assert groupops.scale_g2(pts2, scalars[:2]) == native_g2
