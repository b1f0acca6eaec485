"""Mutation testing for under-constrained circuits.

Under-constrained circuits are the classic zero-knowledge bug: a wire the constraints
do not pin down lets a prover claim a wrong result.  ``mutation_check`` takes a
satisfied instance, changes one wire at a time (+1, -1, its negation, 0, 1, a bit flip,
the values of the wires it meets in a constraint, random small and random field
values) *without re-solving anything else*, and reports every wire for which some
change still satisfies all constraints.  ``exhaustive_mutation_check`` tries every
small value and every small change instead, for tiny circuits.

A sound gadget has no such "free" wires, with documented exceptions: the inverse hint
of ``is_zero`` is free when its input is 0 (any inverse satisfies x * inv = 1 - z with
x = 0).  Callers list such wires in ``allowed_free``; anything else free is a bug or a
deliberate, documented degree of freedom.

Single-wire changes miss coordinated multi-wire cheats; ``find_witnesses`` enumerates
small domains of several wires at once, so tests can show a tiny instance has exactly
one satisfying assignment.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint
from zkanchor.r1cs.system import R1CS, Constraint, check

MAX_COMBINATIONS = 1_000_000


@dataclass
class MutationReport:
    """The outcome of a mutation check.

    ``checked`` lists the wires perturbed, ``free`` maps each wire that accepted another
    value to the values it accepted, ``allowed`` does the same for wires listed as
    legitimately free, and ``trials`` counts the perturbations tried.
    """

    checked: list[int]
    free: dict[int, list[int]] = field(default_factory=dict)
    allowed: dict[int, list[int]] = field(default_factory=dict)
    trials: int = 0

    @property
    def ok(self) -> bool:
        """True when no wire outside ``allowed_free`` accepted a perturbation."""
        return not self.free

    def describe(self) -> str:
        """One line: how many wires and trials, and which wires were free."""
        if self.ok:
            return f"{len(self.checked)} wires, {self.trials} perturbations, none accepted"
        shown = ", ".join(str(w) for w in sorted(self.free)[:10])
        return f"{len(self.free)} of {len(self.checked)} wires accept other values: {shown}"


def _satisfied(constraints: list[Constraint], indices: Iterable[int], w: list[int]) -> bool:
    for k in indices:
        a, b, c = constraints[k]
        sa = sum(w[i] * x for i, x in a.items())
        sb = sum(w[i] * x for i, x in b.items())
        sc = sum(w[i] * x for i, x in c.items())
        if sa * sb % R != sc % R:
            return False
    return True


def _occurrences(constraints: list[Constraint]) -> dict[int, list[int]]:
    occ: dict[int, list[int]] = {}
    for k, (a, b, c) in enumerate(constraints):
        for wire in set(a) | set(b) | set(c):
            occ.setdefault(wire, []).append(k)
    return occ


def _neighbour_values(constraints: list[Constraint], indices: Iterable[int], wire: int, w: list[int],
                      cap: int) -> list[int]:
    # "The output equals some other wire it meets" is a common bug (a relu that may
    # return its input), so the values of wires sharing a constraint are tried too.
    out: dict[int, None] = {}
    for k in indices:
        for lc in constraints[k]:
            for other in lc:
                if other != wire and len(out) < cap:
                    out[w[other]] = None
    return list(out)


def _require_satisfied(r1cs: R1CS, witness: list[int]) -> None:
    try:
        check(r1cs, witness)
    except UnsatisfiedConstraint as exc:
        raise InputError(f"mutation testing needs a satisfied instance, but {exc}") from None


def _default_wires(r1cs: R1CS, include_inputs: bool, include_public: bool) -> list[int]:
    first_private = 1 + r1cs.n_public
    first_internal = first_private + r1cs.n_prv_in
    start = 1 if include_public else first_private if include_inputs else first_internal
    return list(range(start, r1cs.n_wires))


def _mutate(
    r1cs: R1CS,
    witness: list[int],
    wires: list[int] | None,
    include_inputs: bool,
    include_public: bool,
    allowed_free: Iterable[int],
    candidates: Callable[[int], Iterable[int]],
    neighbours: int = 0,
) -> MutationReport:
    _require_satisfied(r1cs, witness)
    if wires is None:
        wires = _default_wires(r1cs, include_inputs, include_public)
    for wire in wires:
        if type(wire) is not int or not 1 <= wire < r1cs.n_wires:
            raise InputError(f"wire {wire!r} is not a wire of the constraint system other than wire 0")
    allowed = set(allowed_free)
    # R1CS.constraints materialises the dict form on every access: do it once.
    constraints = r1cs.constraints
    occ = _occurrences(constraints)
    w = list(witness)
    report = MutationReport(checked=list(wires))
    for wire in wires:
        original = w[wire]
        accepted = []
        tries = list(candidates(original))
        if neighbours:
            tries += _neighbour_values(constraints, occ.get(wire, ()), wire, w, neighbours)
        for value in dict.fromkeys(v % R for v in tries):
            if value == original:
                continue
            report.trials += 1
            w[wire] = value
            # Only the constraints that mention the wire can change; the rest still hold.
            if _satisfied(constraints, occ.get(wire, ()), w):
                accepted.append(value)
        w[wire] = original
        if accepted:
            (report.allowed if wire in allowed else report.free)[wire] = accepted
    return report


def mutation_check(
    r1cs: R1CS,
    witness: list[int],
    wires: list[int] | None = None,
    include_inputs: bool = False,
    include_public: bool = False,
    allowed_free: Iterable[int] = (),
    trials_per_wire: int = 4,
    seed: int = 0,
) -> MutationReport:
    """Perturb each wire of a satisfied instance alone and report those that stay satisfied.

    By default every internal wire is perturbed (``include_inputs`` adds the private
    inputs, ``include_public`` the public ones; ``wires`` picks wire indices outright).
    Each wire tries +1, -1, its negation, 0, 1, a bit flip, the values of up to 32
    wires it shares a constraint with, and ``trials_per_wire`` random small and random
    field values.  Deterministic from ``seed``.
    """
    if type(trials_per_wire) is not int or trials_per_wire < 0:
        raise InputError("trials_per_wire must be a non-negative int")
    rng = random.Random(seed)

    def candidates(v: int) -> list[int]:
        out = [v + 1, v - 1, -v, 0, 1, 1 - v, 2]
        out += [v + rng.randint(-(1 << 20), 1 << 20) for _ in range(trials_per_wire)]
        out += [rng.randrange(R) for _ in range(trials_per_wire)]
        return out

    return _mutate(
        r1cs, witness, wires, include_inputs, include_public, allowed_free, candidates, neighbours=32
    )


def exhaustive_mutation_check(
    r1cs: R1CS,
    witness: list[int],
    radius: int = 16,
    wires: list[int] | None = None,
    include_inputs: bool = False,
    include_public: bool = False,
    allowed_free: Iterable[int] = (),
) -> MutationReport:
    """Like ``mutation_check`` but tries, for each wire, every value v + d and every value d
    with |d| <= radius: all small changes and all small values, for tiny circuits."""
    if type(radius) is not int or not 0 < radius <= 1 << 16:
        raise InputError("radius must be an int between 1 and 65536")

    def candidates(v: int) -> Iterable[int]:
        return itertools.chain(
            (v + d for d in range(-radius, radius + 1)), range(-radius, radius + 1)
        )

    return _mutate(r1cs, witness, wires, include_inputs, include_public, allowed_free, candidates)


def find_witnesses(
    r1cs: R1CS,
    witness: list[int],
    choices: Mapping[int, Iterable[int]],
    limit: int | None = None,
) -> list[dict[int, int]]:
    """Every assignment of the ``choices`` wires (other wires as in ``witness``) that
    satisfies all constraints, as {wire: field value}; stops after ``limit`` finds.

    ``witness`` itself need not be satisfied: set an input to a value out of range and
    enumerate the hints to show that no witness exists.  Values are reduced mod R, so
    negative ints stand for negative field values.
    """
    if not all(type(wire) is int and 1 <= wire < r1cs.n_wires for wire in choices):
        raise InputError("choices must map wire indices (other than wire 0) to values")
    wires = list(choices)
    domains = [list(dict.fromkeys(v % R for v in choices[wire])) for wire in wires]
    total = 1
    for d in domains:
        total *= len(d)
    if total > MAX_COMBINATIONS:
        raise InputError(f"find_witnesses would try {total} assignments, more than {MAX_COMBINATIONS}")
    w = [v % R for v in witness]
    constraints = r1cs.constraints
    occ = _occurrences(constraints)
    touched = sorted({k for wire in wires for k in occ.get(wire, ())})
    untouched = set(range(r1cs.n_constraints)) - set(touched)
    if not _satisfied(constraints, untouched, w):
        return []
    found = []
    for values in itertools.product(*domains):
        for wire, value in zip(wires, values):
            w[wire] = value
        if _satisfied(constraints, touched, w):
            found.append(dict(zip(wires, values)))
            if limit is not None and len(found) >= limit:
                break
    return found
