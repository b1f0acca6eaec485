"""The adversarial review's forgeries (issue 12, items 9 and 10), each built and refused.

Item 9, a transcript that can be rewritten: a coordinator throws away the honest
contributions, re-makes records under the honest names (with the hashes each contributor
was told to keep), applies a beacon, and hopes ``ceremony verify`` passes while he knows
every secret.  Every record's hash is now recomputed from its points and predecessor and
the records chain by pairings, so the forgery is refused naming the record; the same for
phase 2, and for an imported .ptau root, which is checked against the .ptau itself.

Item 10, loaders that trust what they read: duplicated or unknown sections, a huge
declared power, a huge beacon iteration count -- each is one sentence, at once.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import warnings
from dataclasses import replace

import pytest

from zkanchor.bn254.constants import G1_GEN, G2_GEN
from zkanchor.bn254 import g1, g2
from zkanchor.ceremony import container, phase2, powers_of_tau as pot, prepare as prep_mod, ptau as ptau_mod
from zkanchor.ceremony.checks import CeremonyCheckFailed
from zkanchor.cli import main as cli_main
from zkanchor.errors import FormatError, InputError
from zkanchor.groth16.qap import domain_for

from groth16_circuits import multiplier

POWER = 3
HONEST = ("alice", "bob", "carol")
BEACON = "5eed" * 8


def _cli(*argv) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cli_main.main([str(a) for a in argv])


def _one_sentence_failure(capsys, *names: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("zkanchor: ceremony check failed:") and err[0].endswith(".")
    for name in names:
        assert name in err[0]
    return err[0]


@pytest.fixture(scope="module")
def honest():
    """The honest phase 1: three contributions; each contributor keeps the hash they were shown."""
    state = pot.start(POWER)
    for name in HONEST:
        state = pot.contribute(state, name, entropy=name.encode())
    kept = {r.name: r.hash for r in state.contributions}
    return state, kept


def _coordinator_chain(power: int, names, hashes_to_show=None, start_from=None) -> pot.Phase1:
    """The coordinator's own chain under ``names``: secrets he picked, so he knows tau, alpha, beta.

    With ``hashes_to_show`` each record carries the hash that contributor kept in place of its
    own (and the next record names it, with its proofs made for it), exactly as a transcript
    whose record hashes were free text would have let it pass.
    """
    state = start_from or pot.start(power)
    for k, name in enumerate(names, start=2):
        prev = pot.last_hash(state)
        secrets_ = [k, k + 100, k + 200]
        acc = pot.rescale(state.accumulator, *secrets_)
        proofs = tuple(pot.key_proof(s, label, prev, 7 + k) for s, label in zip(secrets_, pot.LABELS))
        rec = pot.make_record(name, "contribution", prev, acc, proofs)
        if hashes_to_show:
            rec = replace(rec, hash=hashes_to_show[name])
        state = pot.Phase1(acc, state.contributions + (rec,))
    return state


# ------------------------------------------------------------------ item 9: phase 1


def test_coordinator_rewrite_with_the_kept_hashes_is_refused_naming_the_record(honest, tmp_path, capsys):
    _, kept = honest
    forged = _coordinator_chain(POWER, HONEST, hashes_to_show=kept)
    forged = pot.apply_beacon(forged, BEACON, 2)
    assert [r.hash for r in forged.contributions[:3]] == [kept[n] for n in HONEST]  # what the contributors see
    with pytest.raises(CeremonyCheckFailed, match=r"^contribution 1 \('alice'\) is not the record its hash"):
        pot.verify_phase1(forged)
    pot.save_phase1(forged, tmp_path / "forged.zkc")
    assert _cli("ceremony", "verify", tmp_path / "forged.zkc") == 1
    _one_sentence_failure(capsys, "'alice'", "not the record its hash")


@pytest.mark.slow
def test_coordinator_rewrite_with_honest_hashes_leaves_the_contributors_out(honest, tmp_path, capsys):
    # Records whose hashes are their own pass the chain checks, but the hashes the
    # contributors kept are nowhere in it: each of them finds out.
    _, kept = honest
    forged = pot.apply_beacon(_coordinator_chain(POWER, HONEST), BEACON, 2)
    pot.save_phase1(forged, tmp_path / "forged.zkc")
    assert _cli("ceremony", "verify", tmp_path / "forged.zkc", "--contribution-hash", kept["bob"]) == 1
    _one_sentence_failure(capsys, "no record of this transcript has hash", kept["bob"][:16])
    # The chain itself verifies: only the kept hash tells the contributors they were left out.
    report_hashes = [r.compute_hash() for r in forged.contributions]
    assert [r.hash for r in forged.contributions] == report_hashes and kept["bob"] not in report_hashes
    # On the honest chain, the same check passes (hashes in any case).
    honest_final = pot.apply_beacon(honest[0], BEACON, 2)
    pot.save_phase1(honest_final, tmp_path / "honest.zkc")
    assert _cli("ceremony", "verify", tmp_path / "honest.zkc", "--contribution-hash", kept["bob"],
                "--contribution-hash", kept["alice"].upper(), "--json") == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["valid"] and out["hashes"][:3] == [kept[n] for n in HONEST]


@pytest.mark.slow
def test_honest_record_grafted_onto_the_coordinators_chain_does_not_chain(honest):
    # Alice's record is kept verbatim (so her hash is there), but bob's and carol's are the
    # coordinator's, made from his own accumulator: their points are not alice's times a
    # secret they prove, and the pairing chain says so.
    state, _ = honest
    alice = state.contributions[0]
    mine = _coordinator_chain(POWER, ("mallory",))
    graft = pot.Phase1(mine.accumulator, (alice,))
    forged = _coordinator_chain(POWER, ("bob", "carol"), start_from=graft)
    with pytest.raises(CeremonyCheckFailed, match=r"^contribution 2 \('bob'\)('s proof| does not chain)"):
        pot.verify_phase1(forged)


@pytest.mark.slow
def test_points_of_a_record_rewritten_in_place_are_refused(honest):
    # Change bob's heads (to the coordinator's) without re-hashing, then with re-hashing.
    state, _ = honest
    other = _coordinator_chain(POWER, ("x",)).accumulator
    bob = replace(state.contributions[1], heads=other.heads())
    records = (state.contributions[0], bob, state.contributions[2])
    with pytest.raises(CeremonyCheckFailed, match=r"^contribution 2 \('bob'\) is not the record its hash"):
        pot.verify_phase1(pot.Phase1(state.accumulator, records))
    records = (state.contributions[0], pot._rehash(bob), state.contributions[2])
    with pytest.raises(CeremonyCheckFailed, match=r"^contribution 2 \('bob'\) does not chain"):
        pot.verify_phase1(pot.Phase1(state.accumulator, records))


def test_a_record_whose_g2_points_were_changed_is_named(honest):
    # Bob's tau in G2 doubled, his record re-hashed: the G1 chain still holds, the lifted G2 one does not.
    state, _ = honest
    bob = state.contributions[1]
    heads = (bob.heads[0], g2.mul(bob.heads[1], 2), *bob.heads[2:])
    records = (state.contributions[0], pot._rehash(replace(bob, heads=heads)), state.contributions[2])
    with pytest.raises(CeremonyCheckFailed, match=r"^contribution 2 \('bob'\) does not chain.*its tau in G2"):
        pot.verify_phase1(pot.Phase1(state.accumulator, records))


# ------------------------------------------------------------------ item 9: phase 2


@pytest.fixture(scope="module")
def phase2_run():
    """A small circuit's honest phase 2 with three contributors, and the hashes they kept."""
    r1cs, _ = multiplier()
    log = domain_for(r1cs).size.bit_length() - 1
    p1 = pot.apply_beacon(pot.contribute(pot.start(log), "alice"), BEACON, 1)
    prepared = prep_mod.prepare(p1, log)
    initial = phase2.initialize(prepared, r1cs)
    state = initial
    for name in HONEST:
        state = phase2.contribute(state, name)
    return r1cs, prepared, initial, state, {r.name: r.hash for r in state.contributions}


def _coordinator_phase2(initial: phase2.Phase2, names, hashes_to_show=None, start_from=None) -> phase2.Phase2:
    state = start_from or initial
    for k, name in enumerate(names, start=3):
        state = phase2._apply(state, name, 1000 + k, 17 + k)
        if hashes_to_show:
            rec = replace(state.contributions[-1], hash=hashes_to_show[name])
            state = replace(state, contributions=state.contributions[:-1] + (rec,))
    return state


def test_phase2_coordinator_rewrite_is_refused_naming_the_record(phase2_run, tmp_path, capsys):
    r1cs, prepared, initial, _, kept = phase2_run
    forged = _coordinator_phase2(initial, HONEST, hashes_to_show=kept)
    assert [r.hash for r in forged.contributions] == [kept[n] for n in HONEST]
    with pytest.raises(CeremonyCheckFailed,
                       match=r"^phase-2 contribution 1 \('alice'\) is not the record its hash"):
        phase2.verify_phase2(forged, initial)
    # finish refuses to write a key directory from it.
    from zkanchor.ceremony.transcript import finish

    with pytest.raises(CeremonyCheckFailed, match=r"'alice'"):
        finish(forged, prepared, r1cs, tmp_path / "keys")
    assert not (tmp_path / "keys" / "setup.json").exists()
    # With hashes of its own, the chain holds but the kept hashes are not in it.
    own = _coordinator_phase2(initial, HONEST)
    report = phase2.verify_phase2(own, initial)
    with pytest.raises(CeremonyCheckFailed, match="no record of this transcript has hash"):
        pot.find_hashes(report.hashes, [kept["carol"]])


def test_phase2_record_grafted_onto_the_coordinators_key_does_not_chain(phase2_run):
    _, _, initial, state, _ = phase2_run
    first = state.contributions[0]
    mine = _coordinator_phase2(initial, ("mallory",))
    graft = replace(mine, contributions=(first,))
    forged = _coordinator_phase2(initial, ("bob",), start_from=graft)
    with pytest.raises(CeremonyCheckFailed, match=r"^phase-2 contribution 2 \('bob'\)('s proof| does not chain)"):
        phase2.verify_phase2(forged, initial)


@pytest.mark.slow
def test_phase2_delta_in_g2_must_chain_too(phase2_run):
    # The last record's delta*G2 is not the one its proof scales to (re-hashed, so only the pairing sees it).
    _, _, initial, state, _ = phase2_run
    last = state.contributions[-1]
    rec = replace(last, delta_g2=g2.mul(last.delta_g2, 2))
    rec = replace(rec, hash=rec.compute_hash())
    forged = replace(state, contributions=state.contributions[:-1] + (rec,))
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 3 \('carol'\) does not chain.*delta in G2"):
        phase2.verify_phase2(forged, initial)


# ------------------------------------------------------------------ item 9: the .ptau root


def _ptau_bytes(power: int, secrets_=(5, 7, 11), tamper_points=False, tamper_record=False) -> bytes:
    """A .ptau of 2^power made here, with one contribution record of known secrets."""
    acc = pot.rescale(pot.start(power).accumulator, *secrets_)
    keys = tuple((g1.mul(G1_GEN, 3), g1.mul(G1_GEN, 3 * s), g2.mul(G2_GEN, 9 * s)) for s in secrets_)
    heads = acc.heads()
    if tamper_record:
        heads = (heads[0], g2.mul(heads[1], 2), *heads[2:])
    record = ptau_mod.PtauContribution("snarkjs-member", "contribution", None, None, heads, keys)
    if tamper_points:  # the accumulator replaced after the record (consistent powers of another tau)
        acc = pot.rescale(acc, 2, 3, 4)
    return ptau_mod.encode_ptau(power, acc.tau_g1, acc.tau_g2, acc.alpha_tau_g1, acc.beta_tau_g1, acc.beta_g2,
                                [record])


def test_ptau_whose_points_were_replaced_is_refused_at_import(tmp_path, capsys):
    good = tmp_path / "good.ptau"
    good.write_bytes(_ptau_bytes(POWER))
    assert _cli("ceremony", "import-ptau", good, "-o", tmp_path / "pot.zkc") == 0
    capsys.readouterr()
    bad = tmp_path / "replaced.ptau"
    bad.write_bytes(_ptau_bytes(POWER, tamper_points=True))
    assert _cli("ceremony", "import-ptau", bad, "-o", tmp_path / "x.zkc") == 1
    _one_sentence_failure(capsys, "the .ptau's points are not the ones its last contribution recorded")
    assert not (tmp_path / "x.zkc").exists()
    stitched = tmp_path / "stitched.ptau"
    stitched.write_bytes(_ptau_bytes(POWER, tamper_record=True))
    assert _cli("ceremony", "import-ptau", stitched, "-o", tmp_path / "y.zkc") == 1
    _one_sentence_failure(capsys, "contribution 1 ('snarkjs-member')")


@pytest.mark.slow
def test_transcript_root_swapped_for_the_coordinators_is_refused_against_the_ptau(tmp_path, capsys):
    raw = _ptau_bytes(POWER)
    (tmp_path / "public.ptau").write_bytes(raw)
    real = pot.from_ptau(ptau_mod.parse_ptau(raw, "public.ptau"), "sha256:" + hashlib.sha256(raw).hexdigest())
    # The coordinator's root: his own accumulator (he knows its tau), described as the public .ptau.
    his = pot.rescale(pot.start(POWER).accumulator, 13, 17, 19)
    root = pot.make_record("imported", "imported", pot.genesis_hash(POWER), his, source=real.contributions[0].source)
    forged = pot.contribute(pot.Phase1(his, (root,)), "us")
    pot.verify_phase1(forged)  # without the .ptau nothing can tell ...
    with pytest.raises(CeremonyCheckFailed, match="imported root is not the import of .*points differ"):
        pot.check_import(forged.contributions, raw, "the public .ptau")  # ... with it, the root is refused
    pot.save_phase1(forged, tmp_path / "forged.zkc")
    assert _cli("ceremony", "verify", tmp_path / "forged.zkc", "--ptau", tmp_path / "public.ptau") == 1
    _one_sentence_failure(capsys, "imported root")
    # The honest chain from the same .ptau passes the same check, and says it was checked.
    honest = pot.contribute(real, "us")
    pot.save_phase1(honest, tmp_path / "honest.zkc")
    assert _cli("ceremony", "verify", tmp_path / "honest.zkc", "--ptau", tmp_path / "public.ptau") == 0
    assert "imported root is" in capsys.readouterr().out
    # A root whose points were edited in place no longer hashes to itself.
    edited = replace(real.contributions[0], heads=his.heads())
    with pytest.raises(CeremonyCheckFailed, match=r"contribution 1 \('imported'\) is not the record its hash"):
        pot.verify_phase1(pot.Phase1(his, (edited,)))


# ------------------------------------------------------------------ item 10: sections


def _accumulator_file(tmp_path, sections, header=None, name="f.zkc"):
    header = header or {"curve": "bn128", "power": 2, "contributions": []}
    path = tmp_path / name
    path.write_bytes(container.encode(container.KIND_PHASE1, header, sections))
    return path


def test_duplicated_and_unknown_sections_are_refused(tmp_path):
    sections = pot.start(2).accumulator.sections()
    assert pot.load_phase1(_accumulator_file(tmp_path, sections)).accumulator == pot.start(2).accumulator
    doubled = sections[:1] + sections  # tau_g1 twice: the second copy would once have won
    with pytest.raises(FormatError, match="section 'tau_g1' appears twice"):
        pot.load_phase1(_accumulator_file(tmp_path, doubled))
    unknown = sections + [("notes", 64, [G1_GEN])]
    with pytest.raises(FormatError, match="unknown section 'notes'"):
        pot.load_phase1(_accumulator_file(tmp_path, unknown))
    with pytest.raises(FormatError, match="out of order"):
        pot.load_phase1(_accumulator_file(tmp_path, [sections[1], sections[0], *sections[2:]]))
    with pytest.raises(FormatError, match="lacks section 'beta_g2'"):
        pot.load_phase1(_accumulator_file(tmp_path, sections[:-1]))
    with pytest.raises(FormatError, match="unknown header field 'extra'"):
        pot.load_phase1(_accumulator_file(tmp_path, sections, {"power": 2, "contributions": [], "extra": 1}))
    # A JSON header naming a key twice (json.dumps cannot write one: splice it by hand).
    raw = container.encode(container.KIND_PHASE1, {"power": 2, "contributions": []}, sections)
    head_len = struct.unpack_from("<Q", raw, 16)[0]
    head = raw[24:24 + head_len].replace(b'"power": 2', b'"power": 2, "power": 9')
    body = raw[:16] + struct.pack("<Q", len(head)) + head + raw[24 + head_len:-32]
    (tmp_path / "dup.zkc").write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(FormatError, match="names 'power' twice"):
        pot.load_phase1(tmp_path / "dup.zkc")
    # The header's digest is checked too: no field of a file is free text.
    header = {"power": 2, "contributions": [], "hash": "0" * 64}
    with pytest.raises(FormatError, match="names digest 0000000000000000... in its header"):
        pot.load_phase1(_accumulator_file(tmp_path, sections, header))
    # ceremony.json is read the same way (a record named twice cannot hide behind the second copy).
    with pytest.raises(FormatError, match="names 'phase2' twice"):
        container.parse_json_unique('{"phase2": [], "phase2": [1]}', "transcript")


def test_ptau_duplicated_or_unknown_sections_are_refused():
    raw = _ptau_bytes(2)
    ptau_mod.parse_ptau(raw, "ok")
    count = struct.unpack_from("<I", raw, 8)[0]
    first = 12  # the header section: type 1, its size, its 44 bytes
    header_section = raw[first:first + 12 + 44]

    def with_extra(section: bytes) -> bytes:
        return raw[:8] + struct.pack("<I", count + 1) + raw[12:] + section

    with pytest.raises(FormatError, match="section 1 twice"):
        ptau_mod.parse_ptau(with_extra(header_section), "dup")
    with pytest.raises(FormatError, match="section type 9"):
        ptau_mod.parse_ptau(with_extra(struct.pack("<IQ", 9, 4) + b"abcd"), "unknown")


# ------------------------------------------------------------------ item 10: counts


def _ptau_section(raw: bytes, kind: int) -> int:
    """Where the data of section ``kind`` of a .ptau starts."""
    pos = 12
    while True:
        k, size = struct.unpack_from("<IQ", raw, pos)
        if k == kind:
            return pos + 12
        pos += 12 + size


def _fast(fn, *args):
    started = time.perf_counter()
    try:
        fn(*args)
    finally:
        assert time.perf_counter() - started < 5, "a declared count was trusted"


def test_huge_declared_power_fails_fast(tmp_path):
    sections = pot.start(2).accumulator.sections()
    path = _accumulator_file(tmp_path, sections, {"power": 60, "contributions": []})
    with pytest.raises(FormatError, match="declares power 60"):
        _fast(pot.load_phase1, path)
    path = _accumulator_file(tmp_path, sections, {"power": 5, "contributions": []})
    with pytest.raises(FormatError, match="where power 5 needs"):
        _fast(pot.load_phase1, path)
    # A prepared file claiming to come from an accumulator of 2^1000 (its records would be checked for it).
    p1 = pot.contribute(pot.start(2), "a")
    prep = prep_mod.prepare(p1, 2)
    prep_mod.save_prepared(prep, tmp_path / "prep.zkc")
    good = container.read_file(tmp_path / "prep.zkc", "prepared")
    secs = [(name, size, good.sections[name]) for name, size in container.SCHEMAS[container.KIND_PREPARED][0]]
    for field, value, sentence in (("phase1_power", 1000, "declares phase-1 power 1000"),
                                   ("log_size", 10 ** 9, "declares log_size 1000000000"),
                                   ("phase1_power", 1, "declares phase-1 power 1, outside 2..")):
        header = dict(good.header, **{field: value})
        (tmp_path / "bad.zkc").write_bytes(container.encode(container.KIND_PREPARED, header, secs))
        with pytest.raises(FormatError, match=sentence):
            _fast(prep_mod.load_prepared, tmp_path / "bad.zkc")
    with pytest.raises(CeremonyCheckFailed, match="sizes are inconsistent"):
        _fast(prep_mod.verify_prepared, replace(prep, phase1_power=10 ** 6))
    # A section declaring 2^60 points; a header declaring 2^40 bytes.
    raw = bytearray(container.encode(container.KIND_PHASE1, {"power": 2, "contributions": []}, sections))
    at = raw.index(b"tau_g1") + len(b"tau_g1") + 4
    raw[at:at + 8] = struct.pack("<Q", 1 << 60)
    body = bytes(raw[:-32])
    (tmp_path / "big.zkc").write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(FormatError, match="declares 1152921504606846976 points, more than the file holds"):
        _fast(pot.load_phase1, tmp_path / "big.zkc")
    raw = bytearray(container.encode(container.KIND_PHASE1, {"power": 2, "contributions": []}, sections))
    raw[16:24] = struct.pack("<Q", 1 << 40)
    body = bytes(raw[:-32])
    (tmp_path / "head.zkc").write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(FormatError, match="declares a 1099511627776-byte header"):
        _fast(pot.load_phase1, tmp_path / "head.zkc")
    # A .ptau declaring power 60, and one declaring 2^32 - 1 contributions in a few bytes.
    raw = bytearray(_ptau_bytes(2))
    raw[12 + 12 + 36:12 + 12 + 40] = struct.pack("<I", 60)
    with pytest.raises(FormatError, match="declares power 60"):
        _fast(ptau_mod.parse_ptau, bytes(raw), "huge.ptau")
    raw = _ptau_bytes(2)
    at = _ptau_section(raw, 7)
    bad = bytearray(raw)
    bad[at:at + 4] = struct.pack("<I", 0xFFFFFFFF)
    with pytest.raises(FormatError, match="4294967295 contributions cannot fit"):
        _fast(ptau_mod.parse_ptau, bytes(bad), "many.ptau")


def test_huge_phase2_header_counts_fail_fast(phase2_run, tmp_path):
    _, _, _, state, _ = phase2_run
    phase2.save_phase2(state, tmp_path / "k.zkc")
    c = container.read_file(tmp_path / "k.zkc", "phase-2")
    secs = [(name, size, c.sections[name]) for name, size in container.SCHEMAS[container.KIND_PHASE2][0]]
    for field, value, sentence in (("domain_size", 1 << 40, "declares domain_size"),
                                   ("n_wires", 3, "holds 5 a_g1 points where its header needs 3"),
                                   ("domain_size", 6, "impossible sizes")):
        (tmp_path / "bad.zkc").write_bytes(container.encode(container.KIND_PHASE2, dict(c.header, **{field: value}),
                                                            secs))
        with pytest.raises(FormatError, match=sentence):
            _fast(phase2.load_phase2, tmp_path / "bad.zkc")


def test_huge_beacon_iteration_count_fails_fast(honest, tmp_path, capsys):
    state, _ = honest
    final = pot.apply_beacon(pot.start(POWER), BEACON, 1)  # one record: the beacon alone
    for exp in (60, 10 ** 30, True, "5"):
        forged = pot._rehash(replace(final.contributions[-1], beacon={"value": BEACON, "iterations_exp": exp}))
        record = pot.Phase1(final.accumulator, (forged,))
        if exp in (60, True):
            with pytest.raises(CeremonyCheckFailed, match=r"contribution 1 \('beacon'\) is a beacon without a usable"):
                _fast(pot.verify_phase1, record)
        header = {"power": POWER, "contributions": [r.to_json() for r in record.contributions]}
        (tmp_path / "b.zkc").write_bytes(container.encode(container.KIND_PHASE1, header,
                                                          final.accumulator.sections()))
        with pytest.raises(FormatError, match="iteration exponent"):
            _fast(pot.load_phase1, tmp_path / "b.zkc")
    with pytest.raises(InputError, match=f"in 0..{pot.MAX_BEACON_ITERATIONS_EXP}"):
        _fast(pot.apply_beacon, state, BEACON, 60)
    pot.save_phase1(state, tmp_path / "s.zkc")
    assert _cli("ceremony", "beacon", tmp_path / "s.zkc", "-o", tmp_path / "o.zkc", "--beacon", BEACON,
                "--iterations-exp", 40) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "iteration exponent" in err[0]
    assert not (tmp_path / "o.zkc").exists()
