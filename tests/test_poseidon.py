"""Poseidon: generated parameters, the hash (and its init state) against circomlibjs, domain tags, the gadget."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.gadgets.poseidon import constraint_count, hash_chain as hash_chain_gadget
from zkanchor.gadgets.poseidon import poseidon as poseidon_gadget
from zkanchor.gadgets.poseidon import poseidon_wire
from zkanchor.poseidon import (
    MAX_INPUTS,
    hash_chain,
    hash_chain_many,
    params,
    partial_rounds,
    permute,
    poseidon,
    poseidon_many,
    tag,
)
from zkanchor.poseidon import domains
from zkanchor.r1cs import LC, ConstraintSystem, check
from zkanchor.r1cs.system import R1CS

ROOT = Path(__file__).resolve().parent.parent
CIRCOMLIBJS = ROOT / "node_modules" / "circomlibjs"
HAVE_CIRCOMLIBJS = shutil.which("node") is not None and (CIRCOMLIBJS / "package.json").exists()
NO_CIRCOMLIBJS = f"needs node and circomlibjs in {CIRCOMLIBJS.parent}; run scripts/setup.sh"

# Known answers, checked against circomlibjs 0.1.7 (buildPoseidon) when they were written.
KNOWN = [
    ([1, 2], 7853200120776062878684798364095072458815029376092732009249414926327459813530),
    ([0, 0], 14744269619966411208579211824598458697587494354926760081771325075741142829156),
    ([1], 18586133768512220936620570745912940619677854269274689475585506675881198879027),
    ([0], 19014214495641488759237505126948346942972912379615652741039992445865937985820),
    ([1, 2, 3, 4], 18821383157269793795438455681495246036402687001665670618754263018637548127333),
    (list(range(1, 17)), 9989051620750914585850546081941653841776809718687451684622678807385399211877),
]


# -- helpers shared with the Merkle and commitment tests ------------------------------------


def wire_index(cs: ConstraintSystem, x: LC):
    """The witness index (circom layout) of a block of plain wires: an int, or nested lists."""
    cs.build()
    coeffs = np.broadcast_to(x.coeffs, x.ids.shape)
    live = coeffs != 0
    assert np.all(live.sum(axis=-1) == 1) and np.all(coeffs[live] == 1) and np.all(x.const == 0)
    pos = cs._layout()[(x.ids * live).sum(axis=-1)]
    return int(pos) if pos.ndim == 0 else pos.tolist()


def assert_every_wire_forced(r1cs: R1CS, witness: list[int], full_check_sample: int = 20) -> None:
    """Changing any single wire (inputs and outputs included, not the constant 1) must fail.

    Uses the project's mutation checker (many perturbations per wire, only the
    constraints that mention the wire re-evaluated), then spot-checks some wires with
    the real ``check`` so the shortcut cannot drift from it.
    """
    witness = [int(v) for v in witness]
    report = mutation_check(r1cs, witness, include_inputs=True, include_public=True, trials_per_wire=2)
    assert report.ok, report.describe()
    assert sorted(report.checked) == list(range(1, len(witness)))
    rng = random.Random(len(witness))
    for i in rng.sample(range(1, len(witness)), min(full_check_sample, len(witness) - 1)):
        bad = list(witness)
        bad[i] = (bad[i] + rng.randrange(1, R)) % R
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)


# -- parameters -----------------------------------------------------------------------------


def test_partial_round_numbers_are_circomlibs():
    assert [partial_rounds(t) for t in range(2, 18)] == [
        56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68
    ]


def test_generated_constants_have_the_reference_shape():
    for t in (2, 3, 17):
        p = params(t)
        assert p.full_rounds == 8 and p.partial_rounds == partial_rounds(t)
        assert len(p.round_constants) == 8 + p.partial_rounds
        assert all(len(row) == t and all(0 <= c < R for c in row) for row in p.round_constants)
        assert len(p.mds) == t and all(len(row) == t and all(0 < m < R for m in row) for row in p.mds)


def test_first_constants_match_the_reference_script_output():
    # Values printed by `generate_parameters_grain.sage 1 0 254 2 8 56` (circomlib's C[0]).
    p = params(2)
    assert p.round_constants[0][0] == 0x09C46E9EC68E9BD4FE1FAABA294CBA38A71AA177534CDD1B6C7DC0DBD0ABD7A7
    assert p.round_constants[0][1] == 0x0C0356530896EEC42A97ED937F3135CFC5142B3AE405B8343C1D83FFA604CB81


def test_mds_is_a_cauchy_matrix():
    # M[i][j] = 1/(x_i + y_j) implies M[i][j]^-1 - M[i][0]^-1 depends on j only.
    for t in (3, 5):
        inv = [[pow(m, -1, R) for m in row] for row in params(t).mds]
        for j in range(t):
            diffs = {(inv[i][j] - inv[i][0]) % R for i in range(t)}
            assert len(diffs) == 1


def test_params_are_cached_and_width_checked():
    assert params(3) is params(3)
    for bad in (0, 1, 18, "3", 2.0):
        with pytest.raises(InputError, match="Poseidon width"):
            params(bad)


# -- the hash -------------------------------------------------------------------------------


@pytest.mark.parametrize("inputs, expected", KNOWN)
def test_known_answers(inputs, expected):
    assert poseidon(inputs) == expected
    assert poseidon(inputs, init=0) == expected


def test_numpy_integers_are_accepted():
    assert poseidon(np.array([1, 2], dtype=np.int64)) == KNOWN[0][1]
    with pytest.raises(InputError, match="input 0 must be an int, not bool"):
        poseidon(np.array([True]))


def test_permute_output_zero_is_the_hash_and_init_is_the_capacity():
    assert permute([0, 1, 2])[0] == KNOWN[0][1]
    assert len(permute([0, 1, 2])) == 3
    init = tag(domains.DATASET_NODE)
    assert poseidon([1, 2], init) == permute([init, 1, 2])[0] != KNOWN[0][1]
    # init is taken mod R, like circomlibjs's F.e(initState).
    assert poseidon([1, 2], init + R) == poseidon([1, 2], init)


@pytest.mark.parametrize(
    "bad, message",
    [
        ([], "1 to 16 inputs, not 0"),
        (list(range(17)), "1 to 16 inputs, not 17"),
        ([1, -1], "input 1 is -1, outside the scalar field"),
        ([R], "input 0 is .*outside the scalar field"),
        ([1.0], "input 0 must be an int, not float"),
        ([True], "input 0 must be an int, not bool"),
        (["1"], "input 0 must be an int, not str"),
        (5, "must be a sequence of integers, not int"),
    ],
)
def test_bad_inputs_are_rejected(bad, message):
    with pytest.raises(InputError, match=message):
        poseidon(bad)


def test_changing_any_input_or_the_init_changes_the_hash():
    base = [3, 1, 4, 1, 5]
    h = poseidon(base)
    for i in range(len(base)):
        changed = list(base)
        changed[i] += 1
        assert poseidon(changed) != h
    assert poseidon(base[:-1]) != h and poseidon(base + [0]) != h
    assert len({poseidon(base, init) for init in (0, 1, 2, R - 1)}) == 4


def test_poseidon_many_is_the_hash_row_by_row():
    rng = random.Random(7)
    a = np.array([rng.randrange(R) for _ in range(6)], dtype=object).reshape(2, 3)
    b = np.array([rng.randrange(R) for _ in range(6)], dtype=object).reshape(2, 3)
    for init in (0, tag(domains.WEIGHTS)):
        out = poseidon_many([a, b], init)
        assert out.shape == (2, 3)
        assert out.tolist() == [[poseidon([int(a[i, j]), int(b[i, j])], init) for j in range(3)] for i in range(2)]
    # A scalar column broadcasts against an array one.
    assert poseidon_many([a[0], 5]).tolist() == [poseidon([int(v), 5]) for v in a[0]]
    with pytest.raises(InputError, match="scalar field"):
        poseidon_many([np.array([R], dtype=object)])
    with pytest.raises(InputError, match="1 to 16 inputs"):
        poseidon_many([])


def test_hash_chain_schedule():
    e = list(range(1, 40))
    init = tag("test/chain")
    assert hash_chain(e[:16], init) == poseidon(e[:16], init)
    assert hash_chain(e[:17], init) == poseidon([poseidon(e[:16], init), e[16]], init)
    h = poseidon([poseidon(e[:16], init), *e[16:31]], init)
    assert hash_chain(e[:39], init) == poseidon([h, *e[31:39]], init)
    with pytest.raises(InputError, match="at least one element"):
        hash_chain([], init)
    columns = [np.array([v, v + 100], dtype=object) for v in e[:20]]
    assert hash_chain_many(columns, init).tolist() == [hash_chain(e[:20], init),
                                                      hash_chain([v + 100 for v in e[:20]], init)]


def test_domain_tags_are_distinct_and_documented():
    tags = [tag(name) for name in domains.ALL]
    assert len(set(tags)) == len(tags) and 0 not in tags
    # tag(name, *params) = sha256("zkanchor/" || name || "/" || param ...) mod R
    expected = int.from_bytes(hashlib.sha256(b"zkanchor/dataset/leaf/3").digest(), "big") % R
    assert tag(domains.DATASET_LEAF, 3) == expected
    assert len({tag(domains.DATASET_LEAF, k) for k in range(1, 10)}) == 9


_NODE_SCRIPT = """
const lib = require(process.argv[2]);
(async () => {
  const fast = await lib.buildPoseidon();
  const ref = await lib.buildPoseidonReference();
  const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const out = cases.map(([inputs, init]) => [
    fast.F.toString(init === null ? fast(inputs) : fast(inputs, init)),
    ref.F.toString(init === null ? ref(inputs) : ref(inputs, init)),
  ]);
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


@pytest.mark.node
@pytest.mark.skipif(not HAVE_CIRCOMLIBJS, reason=NO_CIRCOMLIBJS)
def test_every_width_matches_circomlibjs_with_and_without_init_state(tmp_path):
    rng = random.Random(20240607)
    cases = []
    for k in range(1, MAX_INPUTS + 1):
        cases.append(([R - 1] * k, None))
        cases.append(([0] * k, None))
        cases += [([rng.randrange(R) for _ in range(k)], None) for _ in range(3)]
        cases.append(([rng.randrange(1 << 16) for _ in range(k)], None))
        # circomlibjs's poseidon(inputs, initState) is circomlib's PoseidonEx: zkanchor's domain tags.
        cases.append(([rng.randrange(R) for _ in range(k)], tag(domains.DATASET_LEAF, k)))
        cases.append(([rng.randrange(R) for _ in range(k)], R - 1))
    cases.append(([1, 2], tag(domains.DATASET_NODE)))
    script = tmp_path / "poseidon_ref.cjs"
    script.write_text(_NODE_SCRIPT)
    proc = subprocess.run(
        ["node", str(script), str(CIRCOMLIBJS)],
        input=json.dumps([[[str(x) for x in c], None if init is None else str(init)] for c, init in cases]),
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert len(results) == len(cases)
    for (case, init), (fast, ref) in zip(cases, results):
        # circomlibjs's optimized tables and its plain reference must agree, and with us.
        ours = poseidon(case) if init is None else poseidon(case, init)
        assert int(fast) == int(ref) == ours, f"mismatch for {len(case)} inputs, init {init}"


# -- the gadget -----------------------------------------------------------------------------


def _circuit(values, init=0):
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", v) for i, v in enumerate(values)]
    out = poseidon_gadget(cs, xs, init, "poseidon")
    return cs, out


@pytest.mark.parametrize("k", range(1, MAX_INPUTS + 1))
def test_gadget_equals_hash_for_every_width(k):
    rng = random.Random(k)
    values = [rng.randrange(R) for _ in range(k)]
    init = tag(domains.DATASET_LEAF, k)
    cs, out = _circuit(values, init)
    check(cs.build(), cs.witness())
    assert cs.value(out) == poseidon(values, init)
    assert cs.n_constraints == constraint_count(k + 1)


def test_gadget_hashes_whole_blocks_at_once():
    rng = random.Random(11)
    a = np.array([rng.randrange(R) for _ in range(6)], dtype=object).reshape(3, 2)
    b = np.array([rng.randrange(R) for _ in range(6)], dtype=object).reshape(3, 2)
    init = tag(domains.DATASET_NODE)
    cs = ConstraintSystem()
    out = poseidon_gadget(cs, [cs.private("a", shape=(3, 2)), cs.private("b", shape=(3, 2))], init, "p")
    assert out.shape == (3, 2)
    assert cs.n_constraints == 6 * constraint_count(3)
    check(cs.build(), cs.witness({"a": a, "b": b}))
    assert cs.value(out).tolist() == poseidon_many([a, b], init).tolist()
    # Defined once, solved again for other values: the same R1CS serves every witness.
    a2 = (a + 1) % R
    check(cs.build(), cs.witness({"a": a2, "b": b}))
    assert cs.value(out).tolist() == poseidon_many([a2, b], init).tolist()


def test_constraint_counts():
    # circomlib's Poseidon(2) is 240 constraints (the capacity's first S-box is a constant).
    assert constraint_count(3) == 240 and constraint_count(3, bound_output=True) == 241
    assert constraint_count(2) == 213 and constraint_count(17) == 609
    cs = ConstraintSystem()
    poseidon_gadget(cs, [cs.private("a", 1), cs.private("b", 2)])
    assert cs.n_constraints == 240
    cs = ConstraintSystem()
    poseidon_wire(cs, [cs.private("a", 1), cs.private("b", 2)], 0, "p")
    assert cs.n_constraints == 241


def test_gadget_accepts_constants_and_combinations():
    cs = ConstraintSystem()
    a, b = cs.private("a", 11), cs.private("b", 22)
    out = poseidon_gadget(cs, [a + b, 5, b * 3 - a], 7)
    check(cs.build(), cs.witness())
    assert cs.value(out) == poseidon([33, 5, 55], 7)
    # Constant inputs cost fewer S-boxes: 3 constraints saved in round 0.
    assert cs.n_constraints == constraint_count(4) - 3


def test_all_constant_inputs_cost_nothing():
    cs = ConstraintSystem()
    lc = poseidon_gadget(cs, [1, 2])
    assert cs.n_constraints == 0 and lc.is_constant() and int(lc.constant_value()) == KNOWN[0][1]
    lc = poseidon_gadget(cs, [1, 2], 9)
    assert cs.n_constraints == 0 and int(lc.constant_value()) == poseidon([1, 2], 9)


def test_gadget_builds_without_values():
    cs = ConstraintSystem()
    out = poseidon_wire(cs, [cs.private("a"), cs.private("b")])
    assert cs.n_constraints == 241
    cs.build()
    with pytest.raises(InputError, match="has no value"):
        cs.witness()
    assert cs.value(out, {"a": 1, "b": 2}) == KNOWN[0][1]


def test_gadget_rejects_bad_arity():
    cs = ConstraintSystem()
    with pytest.raises(InputError, match="1 to 16 inputs, not 0"):
        poseidon_gadget(cs, [])
    with pytest.raises(InputError, match="not 17"):
        poseidon_gadget(cs, [cs.private("x", 1)] * 17)


def test_hash_chain_gadget_equals_the_hash():
    rng = random.Random(3)
    for n in (1, 17, 31):
        values = [rng.randrange(R) for _ in range(n)]
        init = tag(domains.WEIGHTS_ELEMENTS, n)
        cs = ConstraintSystem()
        xs = cs.private("x", shape=(n,))
        out = hash_chain_gadget(cs, [xs[i] for i in range(n)], init, "chain")
        check(cs.build(), cs.witness({"x": values}))
        assert cs.value(out) == hash_chain(values, init)


@pytest.mark.parametrize("k, init", [(1, 0), (2, 0), (2, tag(domains.DATASET_NODE)), (5, 12345)])
def test_every_wire_is_forced(k, init):
    rng = random.Random(100 + k)
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", rng.randrange(R)) for i in range(k)]
    poseidon_wire(cs, xs, init, "poseidon")
    assert_every_wire_forced(cs.build(), cs.witness())


def test_wrong_output_or_init_is_rejected_with_a_public_hash():
    values = [7, 8]
    init = tag(domains.DATASET_NODE)
    cs = ConstraintSystem()
    h = cs.public("h", poseidon(values, init))
    xs = [cs.private(f"x{i}", v) for i, v in enumerate(values)]
    cs.assert_equal(poseidon_gadget(cs, xs, init), h, "h")
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    for claimed in (poseidon(values, init) + 1, poseidon([8, 7], init), poseidon(values), 0):
        with pytest.raises(UnsatisfiedConstraint, match="\\(h\\)"):
            check(r1cs, cs.witness({"h": claimed % R}))
    # An honest witness for other inputs does not satisfy the public hash either.
    with pytest.raises(UnsatisfiedConstraint, match="\\(h\\)"):
        check(r1cs, cs.witness({"x1": 9}))


def test_mutation_check_catches_a_dropped_constraint():
    # The soundness tests above mean something only if a missing constraint is noticed.
    cs = ConstraintSystem()
    poseidon_wire(cs, [cs.private("a", 5), cs.private("b", 6)], 0, "poseidon")
    r1cs, w = cs.build(), cs.witness()
    names = r1cs.names
    victim = names.index("poseidon.out")
    # Without the binding constraint the output wire could hold any value.  (Dropping an
    # inner constraint instead needs coordinated multi-wire changes to exploit, which
    # single-wire mutation does not try.)
    kept = [c for i, c in enumerate(r1cs.constraints) if i != victim]
    weaker = R1CS.from_constraints(r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in, kept)
    check(weaker, w)
    report = mutation_check(weaker, w, include_inputs=True, include_public=True, trials_per_wire=2)
    assert not report.ok and len(report.free) == 1
