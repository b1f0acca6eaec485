"""Binary .r1cs / .wtns encoding: round trips, the spec's test vector, corrupt files."""

from __future__ import annotations

import dataclasses
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkanchor.bn254.constants import R
from zkanchor.errors import FormatError, InputError
from zkanchor.r1cs import (
    R1CS,
    ConstraintSystem,
    SparseRows,
    check,
    circuit_hash,
    decode_r1cs,
    decode_wtns,
    encode_r1cs,
    encode_wtns,
    read_r1cs,
    read_wtns,
    write_r1cs,
    write_wtns,
)
from zkanchor.r1cs.circom_r1cs import pack_sections, parse_sections

# BLS12-381's scalar field order: also 32 bytes, so only the value tells it apart.
BLS12_381_R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

# The worked example of iden3/r1csfile doc/r1cs_bin_format.md (CC0), byte for byte.
SPEC_EXAMPLE_HEX = """
72316373
01000000
03000000
01000000 40000000 00000000
20000000
010000f0 93f5e143 9170b979 48e83328 5d588181 b64550b8 29a031e1 724e6430
07000000
01000000
02000000
03000000
e8030000 00000000
03000000
02000000 88020000 00000000
02000000
05000000 03000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
06000000 08000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000
00000000 02000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
02000000 14000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000 0C000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
02000000
00000000 05000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
02000000 07000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000
01000000 04000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
04000000 08000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
05000000 03000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
02000000
03000000 2C000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
06000000 06000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00000000
01000000
06000000 04000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000
00000000 06000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
02000000 0B000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000 05000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
01000000
06000000 58020000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
03000000 38000000 00000000
00000000 00000000
03000000 00000000
0a000000 00000000
0b000000 00000000
0c000000 00000000
0f000000 00000000
44010000 00000000
"""

SPEC_EXAMPLE = R1CS.from_constraints(
    n_wires=7,
    n_pub_out=1,
    n_pub_in=2,
    n_prv_in=3,
    n_labels=1000,
    constraints=[
        ({5: 3, 6: 8}, {0: 2, 2: 20, 3: 12}, {0: 5, 2: 7}),
        ({1: 4, 4: 8, 5: 3}, {6: 6, 3: 44}, {}),
        ({6: 4}, {0: 6, 3: 5, 2: 11}, {6: 600}),
    ],
    wire_to_label=[0, 3, 10, 11, 12, 15, 324],
)


def spec_bytes() -> bytes:
    return bytes.fromhex("".join(SPEC_EXAMPLE_HEX.split()))


def sample_r1cs() -> R1CS:
    cs = ConstraintSystem()
    y = cs.public("y", 35)
    x = cs.private("x", 3)
    x2 = cs.mul(x, x)
    cs.assert_equal(cs.mul(x2, x) + x + 5, y)
    return cs.build()


def sample_witness() -> list[int]:
    return [1, 35, 3, 9, 27]


def labels_of(r1cs: R1CS) -> list[int] | None:
    return None if r1cs.wire_to_label is None else [int(v) for v in r1cs.wire_to_label]


def assert_same(got: R1CS, want: R1CS) -> None:
    """Field-by-field equality of two systems (R1CS objects compare by identity)."""
    assert (got.n_wires, got.n_pub_out, got.n_pub_in, got.n_prv_in, got.n_labels, got.prime) == (
        want.n_wires, want.n_pub_out, want.n_pub_in, want.n_prv_in, want.n_labels, want.prime)
    assert labels_of(got) == labels_of(want)
    assert got.constraints == want.constraints
    assert got.coeffs == want.coeffs
    assert circuit_hash(got) == circuit_hash(want)


def sections_of(data: bytes, magic: bytes, version: int) -> dict[int, bytes]:
    secs = parse_sections(data, magic, version, "test")
    return {t: data[o : o + n] for t, [(o, n)] in secs.items()}


# -- the spec's test vector --------------------------------------------------------


def test_encode_matches_the_spec_example_byte_for_byte():
    assert encode_r1cs(SPEC_EXAMPLE) == spec_bytes()


def test_decode_reads_the_spec_example():
    assert_same(decode_r1cs(spec_bytes()), SPEC_EXAMPLE)


# -- round trips -------------------------------------------------------------------

coeffs = st.one_of(st.sampled_from([0, 1, 2, R - 1, R - 2]), st.integers(0, R - 1))


@st.composite
def r1cs_systems(draw) -> R1CS:
    n_wires = draw(st.integers(1, 12))
    n_pub_out = draw(st.integers(0, n_wires - 1))
    n_pub_in = draw(st.integers(0, n_wires - 1 - n_pub_out))
    n_prv_in = draw(st.integers(0, n_wires - 1 - n_pub_out - n_pub_in))
    lc = st.dictionaries(st.integers(0, n_wires - 1), coeffs, max_size=4)
    constraints = draw(st.lists(st.tuples(lc, lc, lc), max_size=6))
    labels = draw(st.one_of(st.none(), st.lists(st.integers(0, 2**64 - 2), min_size=n_wires, max_size=n_wires)))
    # Every label in the map is below nLabels (as in circom's files; the reader checks it).
    n_labels = None if labels is None else draw(st.integers(max(labels) + 1, 2**64 - 1))
    return R1CS.from_constraints(n_wires, n_pub_out, n_pub_in, n_prv_in, constraints,
                                 n_labels=n_labels, wire_to_label=labels)


@settings(max_examples=150, deadline=None)
@given(r1cs_systems())
def test_r1cs_round_trip(r1cs):
    back = decode_r1cs(encode_r1cs(r1cs))
    expected_labels = labels_of(r1cs) if r1cs.wire_to_label is not None else list(range(r1cs.n_wires))
    assert labels_of(back) == expected_labels
    assert back.n_labels == (r1cs.n_labels if r1cs.n_labels is not None else r1cs.n_wires)
    assert (back.n_wires, back.n_pub_out, back.n_pub_in, back.n_prv_in) == (
        r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in)
    assert back.constraints == r1cs.constraints
    assert back.prime == R and back.blocks == () and set(back.names) <= {None}
    assert circuit_hash(back) == circuit_hash(r1cs)
    # encoding is canonical: a second trip gives the same bytes
    assert encode_r1cs(back) == encode_r1cs(r1cs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, R - 1), max_size=40))
def test_wtns_round_trip(values):
    witness = [1] + values
    data = encode_wtns(witness)
    assert len(data) == 12 + 12 + 40 + 12 + 32 * len(witness)
    assert decode_wtns(data) == witness


def test_terms_are_written_in_ascending_wire_order():
    r1cs = R1CS.from_constraints(n_wires=4, n_pub_out=0, n_pub_in=0, n_prv_in=0,
                                 constraints=[({3: 5, 1: 6, 2: 7}, {}, {})])
    body = sections_of(encode_r1cs(r1cs), b"r1cs", 1)[2]
    wires = [struct.unpack_from("<I", body, 4 + 36 * k)[0] for k in range(3)]
    assert wires == [1, 2, 3]


def test_files_round_trip_and_writes_leave_no_temp_files(tmp_path):
    r1cs, w = sample_r1cs(), sample_witness()
    write_r1cs(r1cs, tmp_path / "c.r1cs")
    write_wtns(w, str(tmp_path / "c.wtns"))
    assert sorted(os.listdir(tmp_path)) == ["c.r1cs", "c.wtns"]
    back, wb = read_r1cs(tmp_path / "c.r1cs"), read_wtns(tmp_path / "c.wtns")
    assert back.constraints == r1cs.constraints and wb == w
    check(back, wb)
    # overwriting replaces the content
    write_wtns([1, 35, 3, 9, 28], tmp_path / "c.wtns")
    assert read_wtns(tmp_path / "c.wtns")[-1] == 28
    assert sorted(os.listdir(tmp_path)) == ["c.r1cs", "c.wtns"]


def test_invalid_input_leaves_the_existing_file_untouched(tmp_path):
    path = tmp_path / "c.r1cs"
    write_r1cs(sample_r1cs(), path)
    before = path.read_bytes()
    good = sample_r1cs()
    cols = good.a.cols.copy()
    cols[0] = 99  # constraint 0's A now names a wire the system does not have
    bad = dataclasses.replace(good, a=SparseRows(good.a.row_ptr, cols, good.a.cidx), _hash=None)
    with pytest.raises(InputError, match="constraint 0: A uses a wire out of range"):
        write_r1cs(bad, path)
    with pytest.raises(InputError, match="must be 1"):
        write_wtns([2, 3], tmp_path / "w.wtns")
    with pytest.raises(InputError, match="value 1 is not an int in"):
        write_wtns([1, R], tmp_path / "w.wtns")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.r1cs"]


def test_unwritable_and_unreadable_paths_give_input_errors(tmp_path):
    (tmp_path / "adir").mkdir()
    with pytest.raises(InputError, match="cannot write"):
        write_wtns(sample_witness(), tmp_path / "adir")  # a directory
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        write_r1cs(sample_r1cs(), tmp_path / "afile" / "c.r1cs")  # parent is a file
    with pytest.raises(InputError, match="nope.r1cs"):
        read_r1cs(tmp_path / "nope.r1cs")
    with pytest.raises(InputError, match="adir"):
        read_wtns(tmp_path / "adir")
    assert sorted(os.listdir(tmp_path)) == ["adir", "afile"]
    assert os.listdir(tmp_path / "adir") == []


# -- corrupt files -----------------------------------------------------------------


def test_every_truncation_of_an_r1cs_file_is_a_format_error():
    data = encode_r1cs(sample_r1cs())
    for n in range(len(data)):
        with pytest.raises(FormatError):
            decode_r1cs(data[:n])


def test_every_truncation_of_a_wtns_file_is_a_format_error():
    data = encode_wtns(sample_witness())
    for n in range(len(data)):
        with pytest.raises(FormatError):
            decode_wtns(data[:n])


def test_truncation_messages_say_what_is_cut():
    data = encode_r1cs(sample_r1cs())
    with pytest.raises(FormatError, match="truncated section 3"):
        decode_r1cs(data[:-1])
    with pytest.raises(FormatError, match="header of section 2 of 3 is cut off"):
        decode_r1cs(data[: 12 + 12 + 64 + 5])
    with pytest.raises(FormatError, match="shorter than the 12-byte preamble"):
        decode_r1cs(data[:7])


def test_bad_magic():
    for corrupt in (b"r1cz", b"wtns", b"\x00\x00\x00\x00"):
        with pytest.raises(FormatError, match="bad magic"):
            decode_r1cs(corrupt + encode_r1cs(sample_r1cs())[4:])
    with pytest.raises(FormatError, match="bad magic"):
        decode_wtns(b"r1cs" + encode_wtns(sample_witness())[4:])
    with pytest.raises(FormatError, match="empty"):
        decode_wtns(b"")


@pytest.mark.parametrize("version", [0, 2, 3, 2**32 - 1])
def test_unsupported_r1cs_version(version):
    data = bytearray(encode_r1cs(sample_r1cs()))
    data[4:8] = struct.pack("<I", version)
    with pytest.raises(FormatError, match=f"unsupported .r1cs version {version}"):
        decode_r1cs(bytes(data))


@pytest.mark.parametrize("version", [0, 1, 3])
def test_unsupported_wtns_version(version):
    data = bytearray(encode_wtns(sample_witness()))
    data[4:8] = struct.pack("<I", version)
    with pytest.raises(FormatError, match=f"unsupported .wtns version {version}"):
        decode_wtns(bytes(data))


def r1cs_header(prime=R, n8=32, counts=(5, 0, 1, 1, 5, 3)) -> bytes:
    return struct.pack("<I", n8) + prime.to_bytes(n8, "little") + struct.pack("<IIIIQI", *counts)


def rebuild(sections: dict[int, bytes], order=(1, 2, 3), magic=b"r1cs", version=1) -> bytes:
    return pack_sections(magic, version, [(t, sections[t]) for t in order])


def test_wrong_prime_is_rejected():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    secs[1] = r1cs_header(prime=BLS12_381_R)
    with pytest.raises(FormatError, match="not BN254's scalar field order"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(prime=2**64 - 2**32 + 1, n8=8)  # goldilocks
    with pytest.raises(FormatError, match="not BN254's"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(n8=40)  # BN254's prime, but padded to 40 bytes
    with pytest.raises(FormatError, match="40 bytes, BN254 needs 32"):
        decode_r1cs(rebuild(secs))
    secs[1] = struct.pack("<I", 31) + b"\x00" * 60
    with pytest.raises(FormatError, match="not a positive multiple of 8"):
        decode_r1cs(rebuild(secs))
    w = sections_of(encode_wtns(sample_witness()), b"wtns", 2)
    w[1] = struct.pack("<I", 32) + BLS12_381_R.to_bytes(32, "little") + struct.pack("<I", 5)
    with pytest.raises(FormatError, match="not BN254's"):
        decode_wtns(rebuild(w, (1, 2), b"wtns", 2))


def test_header_inconsistencies():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    secs[1] = r1cs_header(counts=(3, 1, 1, 1, 5, 3))
    with pytest.raises(FormatError, match="declares 3 wires, fewer than"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header() + b"\x00"
    with pytest.raises(FormatError, match="header section \\(1\\) has 65 bytes"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(counts=(5, 0, 1, 1, 5, 4))  # one constraint more than present
    with pytest.raises(FormatError, match="truncated constraints section.*constraint 3 of 4"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(counts=(5, 0, 1, 1, 5, 2))  # one fewer: bytes left over
    with pytest.raises(FormatError, match="bytes left over"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(counts=(6, 0, 1, 1, 6, 3))  # map has 5 entries, not 6
    with pytest.raises(FormatError, match="map section \\(3\\) has 40 bytes"):
        decode_r1cs(rebuild(secs))


def first_term_offset(data: bytes) -> int:
    # Offset of the first term of constraint 0's A (its wire id) in an encode_r1cs file.
    (o, _), = parse_sections(data, b"r1cs", 1, "test")[2]
    return o + 4


def test_out_of_range_wire_is_rejected():
    data = bytearray(encode_r1cs(sample_r1cs()))
    p = first_term_offset(data)
    data[p : p + 4] = struct.pack("<I", 5)
    with pytest.raises(FormatError, match="constraint 0 \\(A\\) uses wire index 5, out of range for 5 wires"):
        decode_r1cs(bytes(data))
    data[p : p + 4] = struct.pack("<I", 2**32 - 1)
    with pytest.raises(FormatError, match="wire index 4294967295"):
        decode_r1cs(bytes(data))


def test_coefficient_not_below_the_prime_is_rejected():
    data = bytearray(encode_r1cs(sample_r1cs()))
    p = first_term_offset(data) + 4
    for bad in (R, 2**256 - 1):
        data[p : p + 32] = bad.to_bytes(32, "little")
        with pytest.raises(FormatError, match="not below the prime"):
            decode_r1cs(bytes(data))


def test_duplicate_wire_in_a_combination_is_rejected():
    r1cs = R1CS.from_constraints(n_wires=3, n_pub_out=0, n_pub_in=0, n_prv_in=0,
                                 constraints=[({1: 5, 2: 6}, {}, {})])
    data = bytearray(encode_r1cs(r1cs))
    p = first_term_offset(data) + 36
    data[p : p + 4] = struct.pack("<I", 1)
    with pytest.raises(FormatError, match="lists wire 1 twice"):
        decode_r1cs(bytes(data))


def test_sections_in_any_order_and_unknown_sections_are_accepted():
    data = encode_r1cs(sample_r1cs())
    secs = sections_of(data, b"r1cs", 1)
    secs[99] = b"future extension"
    for order in ((2, 1, 3), (3, 2, 1), (1, 99, 2, 3), (99, 3, 2, 1)):
        assert_same(decode_r1cs(rebuild(secs, order)), decode_r1cs(data))
    # the label map is optional
    assert decode_r1cs(rebuild(secs, (2, 1))).wire_to_label is None


def test_missing_duplicated_and_custom_gate_sections():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    with pytest.raises(FormatError, match="header section \\(1\\) is missing"):
        decode_r1cs(rebuild(secs, (2, 3)))
    with pytest.raises(FormatError, match="constraints section \\(2\\) is missing"):
        decode_r1cs(rebuild(secs, (1, 3)))
    with pytest.raises(FormatError, match="constraints section \\(2\\) appears 2 times"):
        decode_r1cs(rebuild(secs, (1, 2, 2, 3)))
    secs[4] = struct.pack("<I", 0)
    secs[5] = struct.pack("<I", 0)
    with pytest.raises(FormatError, match="custom gates"):
        decode_r1cs(rebuild(secs, (1, 2, 3, 4, 5)))


def test_trailing_bytes_are_rejected():
    with pytest.raises(FormatError, match="1 unexpected bytes after the last section"):
        decode_r1cs(encode_r1cs(sample_r1cs()) + b"\x00")
    with pytest.raises(FormatError, match="unexpected bytes"):
        decode_wtns(encode_wtns(sample_witness()) + b"junk")


def test_wtns_inconsistencies():
    secs = sections_of(encode_wtns(sample_witness()), b"wtns", 2)
    head = lambda n: struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<I", n)  # noqa: E731
    secs[1] = head(6)
    with pytest.raises(FormatError, match="has 160 bytes but 6 values"):
        decode_wtns(rebuild(secs, (1, 2), b"wtns", 2))
    with pytest.raises(FormatError, match="empty"):
        decode_wtns(rebuild({1: head(0), 2: b""}, (1, 2), b"wtns", 2))
    with pytest.raises(FormatError, match="values section \\(2\\) is missing"):
        decode_wtns(rebuild({1: head(0)}, (1,), b"wtns", 2))
    with pytest.raises(FormatError, match="header section \\(1\\) has 41 bytes"):
        decode_wtns(rebuild({1: head(5) + b"\x00", 2: secs[2]}, (1, 2), b"wtns", 2))
    values = bytearray(secs[2])
    values[64:96] = R.to_bytes(32, "little")
    with pytest.raises(FormatError, match="witness value 2 is not below the prime"):
        decode_wtns(rebuild({1: head(5), 2: bytes(values)}, (1, 2), b"wtns", 2))
    values = bytearray(secs[2])
    values[0:32] = (7).to_bytes(32, "little")
    with pytest.raises(FormatError, match="constant wire must be 1"):
        decode_wtns(rebuild({1: head(5), 2: bytes(values)}, (1, 2), b"wtns", 2))
    # sections in the other order are fine
    assert decode_wtns(rebuild({1: head(5), 2: secs[2]}, (2, 1), b"wtns", 2)) == sample_witness()


def test_read_error_names_the_file(tmp_path):
    p = tmp_path / "broken.r1cs"
    p.write_bytes(b"r1cs\x07\x00\x00\x00\x00\x00\x00\x00")
    with pytest.raises(FormatError, match="broken.r1cs: unsupported .r1cs version 7"):
        read_r1cs(p)
    q = tmp_path / "broken.wtns"
    q.write_bytes(encode_wtns(sample_witness())[:-3])
    with pytest.raises(FormatError, match="broken.wtns: truncated section 2"):
        read_wtns(q)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_corruption_never_escapes_as_another_exception(data):
    # Either the file still decodes, or it is a FormatError; never struct.error/IndexError.
    for blob, decode in ((encode_r1cs(sample_r1cs()), decode_r1cs), (encode_wtns(sample_witness()), decode_wtns)):
        raw = bytearray(blob)
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        cut = data.draw(st.integers(0, len(raw)))
        try:
            decode(bytes(raw[:cut]) + data.draw(st.binary(max_size=8)))
        except FormatError:
            pass


# -- what the vectorised reader accepts and canonicalises ------------------------------


def set_terms(data: bytearray, terms: list[tuple[int, int]]) -> None:
    """Overwrite constraint 0's A terms (wire, coefficient) in an encode_r1cs file, in place."""
    p = first_term_offset(bytes(data))
    for k, (wire, coeff) in enumerate(terms):
        data[p + 36 * k: p + 36 * k + 4] = struct.pack("<I", wire)
        data[p + 36 * k + 4: p + 36 * (k + 1)] = coeff.to_bytes(32, "little")


def test_unsorted_but_distinct_terms_are_read_in_canonical_order():
    r1cs = R1CS.from_constraints(4, 0, 0, 0, [({1: 5, 2: 6, 3: 7}, {0: 1}, {2: 9}), ({3: 2}, {1: 3}, {})])
    data = bytearray(encode_r1cs(r1cs))
    set_terms(data, [(3, 7), (1, 5), (2, 6)])  # circom sorts; another writer might not
    back = decode_r1cs(bytes(data))
    assert back.constraints == r1cs.constraints
    assert back.a.cols.tolist() == [1, 2, 3, 3] and back.a.row_ptr.tolist() == [0, 3, 4]
    assert circuit_hash(back) == circuit_hash(r1cs)
    assert encode_r1cs(back) == encode_r1cs(r1cs)  # written back sorted


def test_zero_coefficients_are_dropped_on_reading():
    r1cs = R1CS.from_constraints(4, 0, 0, 0, [({1: 5, 2: 6, 3: 7}, {0: 1}, {2: 9})])
    data = bytearray(encode_r1cs(r1cs))
    set_terms(data, [(1, 5), (2, 0), (3, 7)])
    back = decode_r1cs(bytes(data))
    assert back.constraints == [({1: 5, 3: 7}, {0: 1}, {2: 9})]
    assert 0 not in back.coeffs and list(back.coeffs) == sorted(back.coeffs)
    expected = R1CS.from_constraints(4, 0, 0, 0, [({1: 5, 3: 7}, {0: 1}, {2: 9})])
    assert circuit_hash(back) == circuit_hash(expected)
    # a combination of zeros only is an empty one; a zero listed twice is still a repeat
    set_terms(data, [(1, 0), (2, 0), (3, 0)])
    assert decode_r1cs(bytes(data)).constraints == [({}, {0: 1}, {2: 9})]
    set_terms(data, [(1, 0), (2, 0), (1, 0)])
    with pytest.raises(FormatError, match="lists wire 1 twice"):
        decode_r1cs(bytes(data))


def test_more_constraints_than_the_section_can_hold_are_refused_up_front():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    room = len(secs[2]) // 12  # a constraint takes at least three 4-byte term counts
    secs[1] = r1cs_header(counts=(5, 0, 1, 1, 5, room + 1))
    with pytest.raises(FormatError, match=f"declares {room + 1} constraints but the constraints section "
                                          f"holds at most {room}"):
        decode_r1cs(rebuild(secs))
    secs[1] = r1cs_header(counts=(5, 0, 1, 1, 5, 2**32 - 1))
    with pytest.raises(FormatError, match="holds at most"):
        decode_r1cs(rebuild(secs))


def test_wire_count_without_a_label_map_is_bounded_by_the_terms():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    secs[1] = r1cs_header(counts=(5 + 2**16, 0, 1, 1, 5, 3))  # unused wires, within the slack
    assert decode_r1cs(rebuild(secs, (1, 2))).n_wires == 5 + 2**16
    secs[1] = r1cs_header(counts=(2**32 - 1, 0, 1, 1, 5, 3))
    with pytest.raises(FormatError, match="no wire-to-label map"):
        decode_r1cs(rebuild(secs, (1, 2)))


def test_labels_must_be_below_the_label_count():
    secs = sections_of(encode_r1cs(sample_r1cs()), b"r1cs", 1)
    secs[1] = r1cs_header(counts=(5, 0, 1, 1, 4, 3))  # the identity map names label 4
    with pytest.raises(FormatError, match="names label 4, but the header declares only 4 labels"):
        decode_r1cs(rebuild(secs))
    bad = R1CS.from_constraints(2, 0, 0, 0, [], n_labels=1, wire_to_label=[0, 5])
    with pytest.raises(InputError, match="names label 5 but it declares only 1 labels"):
        encode_r1cs(bad)


def test_large_system_round_trips_through_the_chunked_reader(monkeypatch):
    # More terms than one decoding chunk, with repeated and distinct coefficients.
    import zkanchor.r1cs.circom_r1cs as mod

    monkeypatch.setattr(mod, "_CHUNK_TERMS", 7)
    rng = __import__("random").Random(3)
    cons = [({rng.randrange(1, 30): rng.choice([1, R - 1, rng.randrange(R)]) for _ in range(3)},
             {0: rng.choice([2, 3])}, {rng.randrange(30): 1}) for _ in range(40)]
    r1cs = R1CS.from_constraints(30, 0, 2, 3, cons)
    data = encode_r1cs(r1cs)
    back = decode_r1cs(data)
    assert back.constraints == r1cs.constraints and circuit_hash(back) == circuit_hash(r1cs)
    assert encode_r1cs(back) == data
    # With a mix that makes every key collide, the exact (slower) path gives the same system.
    monkeypatch.setattr(mod, "_MIX", __import__("numpy").zeros(4, dtype="uint64"))
    again = decode_r1cs(data)
    assert again.constraints == r1cs.constraints and circuit_hash(again) == circuit_hash(r1cs)
