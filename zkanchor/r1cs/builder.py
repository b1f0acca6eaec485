"""A small circuit builder: variables, linear combinations, constraints, a witness.

    cs = ConstraintSystem()
    y = cs.public("y", 35)
    a = cs.private("a", 5)
    b = cs.private("b", 7)
    cs.assert_equal(cs.mul(a, b), y)
    r1cs, witness = cs.build(), cs.witness()

Variables get an id in creation order; ``build`` maps ids to circom's wire layout
(1, public inputs, private inputs, internal wires), so private inputs and internal
wires may be created in any interleaving.  Public inputs come first in both orders,
which is why they must be declared before anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from zkanchor.bn254.constants import R
from zkanchor.errors import InputError
from zkanchor.r1cs.system import R1CS

_PUBLIC, _PRIVATE, _INTERNAL, _ONE = "public input", "private input", "internal wire", "one"


def _as_int(x: object, what: str) -> int:
    if type(x) is not int:
        raise InputError(f"{what} must be an int, not {type(x).__name__}")
    return x % R


@dataclass(frozen=True)
class Var:
    """A variable of a ConstraintSystem; ``id`` is its creation index (0 = the constant 1)."""

    id: int
    name: str | None = None

    def lc(self) -> LinearCombination:
        """This variable as a linear combination (coefficient 1)."""
        return LinearCombination({self.id: 1})

    def value(self, assignment: Sequence[int | None] | Mapping[int, int]) -> int | None:
        """The variable's value in ``assignment`` (indexed by id), or None if unassigned."""
        return self.lc().value(assignment)

    def __add__(self, other: Term) -> LinearCombination:
        return self.lc() + other

    __radd__ = __add__

    def __sub__(self, other: Term) -> LinearCombination:
        return self.lc() - other

    def __rsub__(self, other: Term) -> LinearCombination:
        return as_lc(other) - self.lc()

    def __neg__(self) -> LinearCombination:
        return -self.lc()

    def __mul__(self, other: Term) -> LinearCombination:
        return self.lc() * other

    __rmul__ = __mul__

    def __str__(self) -> str:
        return self.name if self.name is not None else f"v{self.id}"


class LinearCombination:
    """A sparse sum of coefficient * variable (by id) with coefficients in [0, R).

    The constant term is the coefficient of id 0, the constant-1 wire.  Arithmetic
    returns new objects; zero coefficients are dropped.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[int, int] | None = None):
        self.terms: dict[int, int] = {}
        for i, c in (terms or {}).items():
            if type(c) is not int or type(i) is not int:
                raise InputError(f"a linear combination needs int ids and coefficients, not {i!r}: {c!r}")
            c %= R
            if c:
                self.terms[i] = c

    @classmethod
    def constant(cls, c: int) -> LinearCombination:
        """The constant ``c`` (reduced mod R; negative means R - |c|)."""
        return cls({0: _as_int(c, "a constant")})

    def is_constant(self) -> bool:
        """True when only the constant-1 wire appears."""
        return all(i == 0 for i in self.terms)

    def value(self, assignment: Sequence[int | None] | Mapping[int, int]) -> int | None:
        """Evaluate with ``assignment`` (values indexed by variable id; id 0 counts as 1).

        Returns None when a variable it uses has no value yet.
        """
        s = 0
        for i, c in self.terms.items():
            if i == 0:
                v: int | None = 1
            else:
                try:
                    v = assignment[i]
                except (IndexError, KeyError):
                    v = None
            if v is None:
                return None
            s += v * c
        return s % R

    def _combine(self, other: Term, sign: int) -> LinearCombination:
        out = dict(self.terms)
        for i, c in as_lc(other).terms.items():
            out[i] = (out.get(i, 0) + sign * c) % R
        return LinearCombination(out)

    def __add__(self, other: Term) -> LinearCombination:
        return self._combine(other, 1)

    __radd__ = __add__

    def __sub__(self, other: Term) -> LinearCombination:
        return self._combine(other, -1)

    def __rsub__(self, other: Term) -> LinearCombination:
        return as_lc(other)._combine(self, -1)

    def __neg__(self) -> LinearCombination:
        return LinearCombination({i: -c for i, c in self.terms.items()})

    def __mul__(self, other: Term) -> LinearCombination:
        if type(other) is int:
            k = other % R
        else:
            o = as_lc(other)
            # A product of two combinations is only linear when one side is a constant.
            if o.is_constant():
                k = o.terms.get(0, 0)
            elif self.is_constant():
                return o * self.terms.get(0, 0)
            else:
                raise InputError(
                    "cannot multiply two non-constant linear combinations; "
                    "use cs.mul(a, b) to add a multiplication constraint"
                )
        return LinearCombination({i: c * k for i, c in self.terms.items()})

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LinearCombination, Var, int)) and type(other) is not bool:
            return self.terms == as_lc(other).terms
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = [f"{c}*v{i}" if i else str(c) for i, c in sorted(self.terms.items())]
        return "LinearCombination(" + (" + ".join(parts) or "0") + ")"


Term = Union[Var, LinearCombination, int]


def linear_sum(terms: Iterable[Term], coeffs: Iterable[int] | None = None) -> LinearCombination:
    """sum(coeff_i * term_i) in one pass (``+`` in a loop copies the dict each time: quadratic)."""
    acc: dict[int, int] = {}
    pairs = zip(terms, coeffs) if coeffs is not None else ((t, 1) for t in terms)
    for term, k in pairs:
        for i, c in as_lc(term).terms.items():
            acc[i] = acc.get(i, 0) + c * k
    return LinearCombination(acc)


def as_lc(x: Term) -> LinearCombination:
    """Convert a Var, an int constant or a LinearCombination to a LinearCombination."""
    if isinstance(x, LinearCombination):
        return x
    if isinstance(x, Var):
        return x.lc()
    if type(x) is int:
        return LinearCombination.constant(x)
    raise InputError(
        f"expected a Var, a LinearCombination or an int, not {type(x).__name__}"
    )


class ConstraintSystem:
    """Collects variables, their (optional) values and constraints; builds an R1CS."""

    def __init__(self) -> None:
        # Indexed by variable id; id 0 is the constant-1 wire.
        self.values: list[int | None] = [1]
        self._kinds: list[str] = [_ONE]
        self._names: list[str | None] = ["one"]
        self._constraints: list[tuple[dict[int, int], dict[int, int], dict[int, int]]] = []
        self._constraint_names: list[str | None] = []
        self.one = Var(0, "one")
        self._wire_cache: tuple[int, list[int]] = (0, [])

    # -- variables -------------------------------------------------------------------

    def _new(self, kind: str, name: str | None, value: int | None) -> Var:
        if name is not None and not isinstance(name, str):
            raise InputError(f"a variable name must be a str, not {type(name).__name__}")
        vid = len(self.values)
        self.values.append(None if value is None else _as_int(value, f"the value of {name or 'v%d' % vid}"))
        self._kinds.append(kind)
        self._names.append(name)
        return Var(vid, name)

    def public(self, name: str | None = None, value: int | None = None) -> Var:
        """Declare a public input (all of them must come before any other variable)."""
        if any(k != _PUBLIC for k in self._kinds[1:]):
            label = f"'{name}'" if name else "a public input"
            raise InputError(
                f"public input {label} is declared after a private or internal variable; "
                "declare every public input first"
            )
        return self._new(_PUBLIC, name, value)

    def private(self, name: str | None = None, value: int | None = None) -> Var:
        """Declare a private input, with its value now or later through ``assign``."""
        return self._new(_PRIVATE, name, value)

    def internal(self, name: str | None = None, value: int | None = None) -> Var:
        """Declare an internal wire (a prover-computed hint), constrained by later calls."""
        return self._new(_INTERNAL, name, value)

    def assign(self, var: Var, value: int) -> None:
        """Set (or replace) the value of ``var``; reduced mod R."""
        self._own(var)
        if var.id == 0:
            raise InputError("the constant-1 wire cannot be assigned")
        self.values[var.id] = _as_int(value, f"the value of {self._label(var.id)}")

    def value(self, x: Term) -> int | None:
        """The value of a Var/LinearCombination/int under the current assignment, or None."""
        return as_lc(x).value(self.values)

    def _own(self, var: Var) -> None:
        if not isinstance(var, Var) or not 0 <= var.id < len(self.values):
            raise InputError(f"{var!r} is not a variable of this constraint system")

    def _label(self, vid: int) -> str:
        name = self._names[vid]
        return f"{self._kinds[vid]} '{name}'" if name else f"{self._kinds[vid]} v{vid}"

    # -- constraints -----------------------------------------------------------------

    def _terms(self, x: Term) -> dict[int, int]:
        lc = as_lc(x)
        for i in lc.terms:
            if not 0 <= i < len(self.values):
                raise InputError(f"variable id {i} is not a variable of this constraint system")
        return dict(lc.terms)

    def constrain(self, a: Term, b: Term, c: Term, name: str | None = None) -> int:
        """Add the constraint a * b = c; returns its index."""
        self._constraints.append((self._terms(a), self._terms(b), self._terms(c)))
        self._constraint_names.append(name)
        return len(self._constraints) - 1

    def mul(self, a: Term, b: Term, name: str | None = None) -> Var:
        """Return a new internal wire equal to a * b (value filled in when both are known)."""
        ta, tb = self._terms(a), self._terms(b)  # reject foreign ids before adding a wire
        va, vb = self.value(a), self.value(b)
        out = self.internal(name, None if va is None or vb is None else va * vb)
        self._constraints.append((ta, tb, {out.id: 1}))
        self._constraint_names.append(name)
        return out

    def assert_equal(self, a: Term, b: Term, name: str | None = None) -> int:
        """Constrain a == b, as (a - b) * 1 = 0."""
        return self.constrain(as_lc(a) - b, 1, 0, name)

    def assert_bool(self, v: Term, name: str | None = None) -> int:
        """Constrain v to be 0 or 1, as v * (v - 1) = 0."""
        return self.constrain(v, as_lc(v) - 1, 0, name)

    @property
    def n_constraints(self) -> int:
        """Number of constraints added so far."""
        return len(self._constraints)

    @property
    def n_variables(self) -> int:
        """Number of variables including the constant-1 wire."""
        return len(self.values)

    # -- output ----------------------------------------------------------------------

    def _wire_order(self) -> list[int]:
        # Stable partition of ids into circom's layout; public ids are already first.
        order = [0]
        for kind in (_PUBLIC, _PRIVATE, _INTERNAL):
            order += [i for i, k in enumerate(self._kinds) if k == kind]
        return order

    def wire_of(self, var: Var) -> int:
        """The wire index ``var`` gets in the built R1CS (and witness), as things stand now.

        Private inputs come before internal wires, so declaring a private input later
        shifts the internal wires' indices.
        """
        self._own(var)
        n, wires = self._wire_cache
        if n != len(self.values):
            # Variables are only ever appended, so the count identifies the layout.
            wires = [0] * len(self.values)
            for w, vid in enumerate(self._wire_order()):
                wires[vid] = w
            self._wire_cache = (len(self.values), wires)
        return wires[var.id]

    def wire_names(self) -> list[str | None]:
        """Variable names in wire order (index = wire index of the built R1CS); for tests and debugging."""
        return [self._names[vid] for vid in self._wire_order()]

    def build(self) -> R1CS:
        """The R1CS in circom's wire layout; every public variable is a public input."""
        order = self._wire_order()
        wire = [0] * len(order)
        for w, vid in enumerate(order):
            wire[vid] = w
        constraints = [
            tuple({wire[i]: c for i, c in lc.items()} for lc in con)
            for con in self._constraints
        ]
        return R1CS(
            n_wires=len(order),
            n_pub_out=0,
            n_pub_in=self._kinds.count(_PUBLIC),
            n_prv_in=self._kinds.count(_PRIVATE),
            constraints=constraints,  # type: ignore[arg-type]
            n_labels=len(order),
            wire_to_label=list(range(len(order))),
            names=list(self._constraint_names),
        )

    def witness(self) -> list[int]:
        """The full witness in wire order; InputError names the first variable without a value."""
        out = []
        for vid in self._wire_order():
            v = self.values[vid]
            if v is None:
                raise InputError(f"{self._label(vid)} has no value; assign one before building the witness")
            out.append(v)
        return out

    def public_values(self) -> list[int | None]:
        """Values of the public inputs in declaration order (None where unassigned)."""
        return [self.values[i] for i, k in enumerate(self._kinds) if k == _PUBLIC]
