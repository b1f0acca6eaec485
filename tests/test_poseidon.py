"""Poseidon: generated parameters, the hash against circomlibjs, and the R1CS gadget."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.gadgets.mutation import mutation_check
from zkanchor.poseidon import (
    MAX_INPUTS,
    constraint_count,
    params,
    partial_rounds,
    permute,
    poseidon,
    poseidon_gadget,
    poseidon_lc,
)
from zkanchor.r1cs import ConstraintSystem, check
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


# -- the mutation check shared with the Merkle and commitment tests --------------------------


def assert_every_wire_forced(r1cs: R1CS, witness: list[int], full_check_sample: int = 20) -> None:
    """Changing any single wire (inputs and outputs included, not the constant 1) must fail.

    Uses the project's mutation checker (many perturbations per wire, only the
    constraints that mention the wire re-evaluated), then spot-checks some wires with
    the real ``check`` so the shortcut cannot drift from it.
    """
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


def test_numpy_integers_are_accepted():
    import numpy as np

    assert poseidon(np.array([1, 2], dtype=np.int64)) == KNOWN[0][1]
    with pytest.raises(InputError, match="input 0 must be an int, not bool"):
        poseidon(np.array([True]))


def test_permute_output_zero_is_the_hash():
    assert permute([0, 1, 2])[0] == KNOWN[0][1]
    assert len(permute([0, 1, 2])) == 3


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


def test_changing_any_input_changes_the_hash():
    base = [3, 1, 4, 1, 5]
    h = poseidon(base)
    for i in range(len(base)):
        changed = list(base)
        changed[i] += 1
        assert poseidon(changed) != h
    assert poseidon(base[:-1]) != h and poseidon(base + [0]) != h


_NODE_SCRIPT = """
const lib = require(process.argv[2]);
(async () => {
  const fast = await lib.buildPoseidon();
  const ref = await lib.buildPoseidonReference();
  const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const out = cases.map(c => [fast.F.toString(fast(c)), ref.F.toString(ref(c))]);
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


@pytest.mark.node
@pytest.mark.skipif(not HAVE_CIRCOMLIBJS, reason=NO_CIRCOMLIBJS)
def test_every_width_matches_circomlibjs(tmp_path):
    rng = random.Random(20240607)
    cases = []
    for k in range(1, MAX_INPUTS + 1):
        cases.append([R - 1] * k)
        cases.append([0] * k)
        cases += [[rng.randrange(R) for _ in range(k)] for _ in range(4)]
        cases.append([rng.randrange(1 << 16) for _ in range(k)])
    script = tmp_path / "poseidon_ref.cjs"
    script.write_text(_NODE_SCRIPT)
    proc = subprocess.run(
        ["node", str(script), str(CIRCOMLIBJS)],
        input=json.dumps([[str(x) for x in c] for c in cases]),
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert len(results) == len(cases)
    for case, (fast, ref) in zip(cases, results):
        # circomlibjs's optimized tables and its plain reference must agree, and with us.
        assert int(fast) == int(ref) == poseidon(case), f"mismatch for {len(case)} inputs"


# -- the gadget -----------------------------------------------------------------------------


def _circuit(values):
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}", v) for i, v in enumerate(values)]
    out = poseidon_gadget(cs, xs)
    return cs, out


@pytest.mark.parametrize("k", range(1, MAX_INPUTS + 1))
def test_gadget_equals_hash_for_every_width(k):
    rng = random.Random(k)
    values = [rng.randrange(R) for _ in range(k)]
    cs, out = _circuit(values)
    check(cs.build(), cs.witness())
    assert cs.value(out) == poseidon(values)
    assert cs.n_constraints == constraint_count(k + 1)


def test_constraint_counts():
    # circomlib's Poseidon(2) is 240 constraints; binding the output to a wire adds one.
    assert constraint_count(3, bound_output=False) == 240
    assert constraint_count(2) == 214 and constraint_count(3) == 241 and constraint_count(17) == 610
    cs = ConstraintSystem()
    a, b = cs.private("a", 1), cs.private("b", 2)
    poseidon_lc(cs, [a, b])
    assert cs.n_constraints == 240


def test_gadget_accepts_constants_and_combinations():
    cs = ConstraintSystem()
    a, b = cs.private("a", 11), cs.private("b", 22)
    out = poseidon_gadget(cs, [a + b, 5, 3 * b - a])
    check(cs.build(), cs.witness())
    assert cs.value(out) == poseidon([33, 5, 55])
    # Constant inputs cost fewer S-boxes: 3 * (2 + 1) = 9 constraints saved in round 0.
    assert cs.n_constraints == constraint_count(4) - 3


def test_all_constant_inputs_cost_nothing():
    cs = ConstraintSystem()
    lc = poseidon_lc(cs, [1, 2])
    assert cs.n_constraints == 0 and lc.is_constant() and cs.value(lc) == KNOWN[0][1]


def test_gadget_builds_without_values():
    cs = ConstraintSystem()
    out = poseidon_gadget(cs, [cs.private("a"), cs.private("b")])
    assert cs.value(out) is None and cs.n_constraints == 241


def test_gadget_rejects_bad_arity():
    cs = ConstraintSystem()
    with pytest.raises(InputError, match="1 to 16 inputs, not 0"):
        poseidon_gadget(cs, [])
    with pytest.raises(InputError, match="not 17"):
        poseidon_gadget(cs, [cs.private("x", 1)] * 17)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_every_wire_is_forced(k):
    rng = random.Random(100 + k)
    cs, out = _circuit([rng.randrange(R) for _ in range(k)])
    assert_every_wire_forced(cs.build(), cs.witness())


def test_wrong_output_is_rejected_with_a_public_hash():
    values = [7, 8]
    cs = ConstraintSystem()
    h = cs.public("h", poseidon(values))
    xs = [cs.private(f"x{i}", v) for i, v in enumerate(values)]
    cs.assert_equal(poseidon_gadget(cs, xs), h)
    r1cs, w = cs.build(), cs.witness()
    check(r1cs, w)
    for claimed in (poseidon(values) + 1, poseidon([8, 7]), 0):
        bad = list(w)
        bad[cs.wire_of(h)] = claimed % R
        with pytest.raises(UnsatisfiedConstraint):
            check(r1cs, bad)
    # An honest witness for other inputs does not satisfy the public hash either.
    cs2 = ConstraintSystem()
    h2 = cs2.public("h", poseidon(values))
    xs2 = [cs2.private(f"x{i}", v) for i, v in enumerate([7, 9])]
    cs2.assert_equal(poseidon_gadget(cs2, xs2), h2)
    with pytest.raises(UnsatisfiedConstraint):
        check(cs2.build(), cs2.witness())


def test_mutation_check_catches_a_dropped_constraint():
    # The soundness tests above mean something only if a missing constraint is noticed.
    cs, _ = _circuit([5, 6])
    r1cs, w = cs.build(), cs.witness()
    # Without the binding constraint the output wire could hold any value.  (Dropping an
    # inner constraint instead needs coordinated multi-wire changes to exploit, which
    # single-wire mutation does not try.)
    victim = r1cs.names.index("poseidon.out")
    r1cs.constraints.pop(victim)
    r1cs.names.pop(victim)
    check(r1cs, w)
    report = mutation_check(r1cs, w, include_inputs=True, include_public=True, trials_per_wire=2)
    assert not report.ok and len(report.free) == 1
