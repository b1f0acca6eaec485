"""The rank-one constraint system (R1CS) and its satisfiability checker.

Wire layout follows circom: wire 0 is the constant 1, then the public outputs, the
public inputs, the private inputs and finally the internal wires.  A constraint is
three sparse linear combinations ``(A, B, C)`` (dicts wire -> coefficient in [0, R))
meaning ``<A,w> * <B,w> = <C,w> (mod R)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError, UnsatisfiedConstraint

LinComb = dict[int, int]
Constraint = tuple[LinComb, LinComb, LinComb]

_U64 = 1 << 64


@dataclass
class R1CS:
    """A constraint system over BN254's scalar field, in circom's wire layout."""

    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    constraints: list[Constraint]
    prime: int = R
    n_labels: int | None = None
    wire_to_label: list[int] | None = None
    names: list[str | None] | None = None

    @property
    def n_public(self) -> int:
        """Number of public signals (outputs first, then inputs), excluding wire 0."""
        return self.n_pub_out + self.n_pub_in

    @property
    def n_constraints(self) -> int:
        """Number of constraints."""
        return len(self.constraints)

    def name_of(self, index: int) -> str | None:
        """The name of constraint ``index``, or None when it has none."""
        if self.names is None or index >= len(self.names):
            return None
        return self.names[index]


def _check_witness_shape(r1cs: R1CS, witness: list[int]) -> None:
    if not isinstance(witness, (list, tuple)):
        raise InputError(f"the witness must be a list of integers, not {type(witness).__name__}")
    if len(witness) != r1cs.n_wires:
        raise InputError(
            f"the witness has {len(witness)} values but the constraint system has {r1cs.n_wires} wires"
        )
    for i, v in enumerate(witness):
        # type() rather than isinstance(): bools and numpy integers are rejected on purpose,
        # numpy ones would silently overflow in the products below.
        if type(v) is not int:
            raise InputError(f"witness value {i} is a {type(v).__name__}, not an int")
        if not 0 <= v < R:
            raise InputError(f"witness value {i} is not in the field range [0, R)")
    if witness[0] != 1:
        raise InputError(f"witness value 0 (the constant wire) must be 1, not {witness[0]}")


def _dot(lc: LinComb, w: list[int]) -> int:
    # Reduce once per combination, not per term: Python ints make that cheap.
    s = 0
    for i, c in lc.items():
        s += w[i] * c
    return s % R


def evaluate(r1cs: R1CS, witness: list[int]) -> tuple[list[int], list[int], list[int]]:
    """Return the per-constraint values of <A,w>, <B,w> and <C,w>, each reduced mod R.

    The witness must have the system's length, witness[0] == 1 and values in [0, R);
    it does not have to satisfy the constraints.
    """
    _check_witness_shape(r1cs, witness)
    av: list[int] = []
    bv: list[int] = []
    cv: list[int] = []
    for a, b, c in r1cs.constraints:
        av.append(_dot(a, witness))
        bv.append(_dot(b, witness))
        cv.append(_dot(c, witness))
    return av, bv, cv


def _wires_of(constraint: Constraint, limit: int = 8) -> str:
    wires = sorted(set(constraint[0]) | set(constraint[1]) | set(constraint[2]))
    shown = ", ".join(str(w) for w in wires[:limit])
    return shown + (", ..." if len(wires) > limit else "")


def check(r1cs: R1CS, witness: list[int]) -> None:
    """Raise unless ``witness`` satisfies every constraint of ``r1cs``.

    Raises InputError for a witness of the wrong length, with witness[0] != 1 or with a
    value outside [0, R), and UnsatisfiedConstraint naming the first constraint (index
    and name) that fails.  The message lists the wires involved, never their values,
    because witnesses are private.
    """
    _check_witness_shape(r1cs, witness)
    w = witness
    for k, (a, b, c) in enumerate(r1cs.constraints):
        sa = 0
        for i, x in a.items():
            sa += w[i] * x
        sb = 0
        for i, x in b.items():
            sb += w[i] * x
        sc = 0
        for i, x in c.items():
            sc += w[i] * x
        if (sa % R) * (sb % R) % R != sc % R:
            raise UnsatisfiedConstraint(
                k, r1cs.name_of(k), f"; it involves wires {_wires_of((a, b, c))}"
            )


def public_inputs(r1cs: R1CS, witness: list[int]) -> list[int]:
    """The public signals of a witness: public outputs then public inputs (wire 0 excluded)."""
    if len(witness) < 1 + r1cs.n_public:
        raise InputError(
            f"the witness has {len(witness)} values, fewer than the {1 + r1cs.n_public} "
            "needed to hold the public signals"
        )
    return list(witness[1 : 1 + r1cs.n_public])


def _is_count(v: object) -> bool:
    return type(v) is int and v >= 0


def find_problem(r1cs: R1CS) -> str | None:
    """Return one sentence describing the first structural problem of ``r1cs``, or None.

    Shared by :func:`validate` (which raises InputError) and the file readers (which
    raise FormatError), so both report the same wording.
    """
    for field in ("n_wires", "n_pub_out", "n_pub_in", "n_prv_in"):
        if not _is_count(getattr(r1cs, field)):
            return f"{field} must be a non-negative int, not {getattr(r1cs, field)!r}"
    if r1cs.prime != R:
        return "the prime is not BN254's scalar field order R; zkanchor supports only BN254"
    if r1cs.n_wires < 1:
        return "a constraint system needs at least wire 0 (the constant 1)"
    n_io = 1 + r1cs.n_pub_out + r1cs.n_pub_in + r1cs.n_prv_in
    if n_io > r1cs.n_wires:
        return (
            f"1 + {r1cs.n_pub_out} public outputs + {r1cs.n_pub_in} public inputs + "
            f"{r1cs.n_prv_in} private inputs is more than the {r1cs.n_wires} wires"
        )
    if r1cs.n_labels is not None and not (_is_count(r1cs.n_labels) and r1cs.n_labels < _U64):
        return f"n_labels must be None or an int in [0, 2^64), not {r1cs.n_labels!r}"
    if r1cs.wire_to_label is not None:
        if len(r1cs.wire_to_label) != r1cs.n_wires:
            return (
                f"wire_to_label has {len(r1cs.wire_to_label)} entries but there are "
                f"{r1cs.n_wires} wires"
            )
        for i, lab in enumerate(r1cs.wire_to_label):
            if not (_is_count(lab) and lab < _U64):
                return f"wire_to_label[{i}] must be an int in [0, 2^64), not {lab!r}"
    if not isinstance(r1cs.constraints, list):
        return "constraints must be a list of (A, B, C) tuples"
    if r1cs.names is not None and len(r1cs.names) != len(r1cs.constraints):
        return f"there are {len(r1cs.names)} names for {len(r1cs.constraints)} constraints"
    n = r1cs.n_wires
    for k, con in enumerate(r1cs.constraints):
        if not (isinstance(con, tuple) and len(con) == 3):
            return f"constraint {k} is not a tuple (A, B, C)"
        for part, lc in zip("ABC", con):
            if not isinstance(lc, dict):
                return f"constraint {k}: {part} is not a dict wire -> coefficient"
            for wire, coeff in lc.items():
                if not (type(wire) is int and 0 <= wire < n):
                    return f"constraint {k}: {part} uses wire {wire!r}, out of range for {n} wires"
                if not (type(coeff) is int and 0 <= coeff < R):
                    return f"constraint {k}: {part} has a coefficient for wire {wire} outside [0, R)"
    return None


def validate(r1cs: R1CS) -> None:
    """Raise InputError (one sentence) unless ``r1cs`` is structurally sound.

    Checks counts, the prime (must be BN254's R), wire indices (< n_wires), coefficients
    (in [0, R)), and the lengths of the optional label map and constraint names.
    """
    if not isinstance(r1cs, R1CS):
        raise InputError(f"expected an R1CS, not {type(r1cs).__name__}")
    problem = find_problem(r1cs)
    if problem is not None:
        raise InputError(problem)
