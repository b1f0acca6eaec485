"""What every provable claim has in common, and the one place circuits are compiled.

A *statement* is a public spec (everything a verifier is told and the circuit is built
from) plus the public values of one claim (commitments, thresholds, the prover's
address).  Its circuit is synthesised in two halves, as in circom and gnark:

- the **shape** — :meth:`StatementSpec.define` declares the public inputs in their
  documented order and the private input blocks, and adds every constraint.  It reads
  the spec only, so anyone can rebuild the R1CS and its hash from the spec, and one
  compiled circuit (and one key) serves every opening of the same spec;
- the **witness** — :meth:`Statement.witness_inputs` turns a private opening into the
  input blocks, and the circuit's witness program computes every other wire from them.

:func:`compile` builds a spec's circuit once per process (keyed by its digest) and
returns a :class:`Circuit`: the R1CS, its hash, the public-input names.  Provers,
verifiers, the registry client and the simulator all go through it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import InputError, ZkAnchorError
from ..fileio import read_json
from ..r1cs.builder import ConstraintSystem
from ..r1cs.system import R1CS, circuit_hash

CIRCUIT_CACHE_SIZE = 4  # compiled circuits kept per process (a million-constraint one holds ~100 MB)


class StatementSpec:
    """The public, circuit-determining part of a statement (subclasses are frozen dataclasses)."""

    kind: str = "statement"

    def digest(self) -> int:
        """A field element binding every field of the spec (a public input of the statement)."""
        raise NotImplementedError

    def public_names(self) -> list[str]:
        """The public inputs' names, in their fixed order."""
        raise NotImplementedError

    def define(self, cs: ConstraintSystem) -> None:
        """Declare the public inputs (in :meth:`public_names` order), the private blocks and the constraints."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for humans: what the circuit proves, in the user's units."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """The spec as JSON (with its digest, for readers to compare)."""
        raise NotImplementedError


class Statement:
    """A spec plus the public values of one claim (subclasses are frozen dataclasses)."""

    spec: StatementSpec

    def public_values(self) -> dict[str, int]:
        """Public input name -> value."""
        raise NotImplementedError

    def public_inputs(self) -> list[int]:
        """The proof's public inputs, in the spec's documented order."""
        values = self.public_values()
        return [int(values[name]) for name in self.spec.public_names()]

    def witness_inputs(self, opening: Any) -> dict[str, Any]:
        """The private input blocks for ``opening`` (InputError if it does not fit the spec)."""
        raise NotImplementedError

    def check_opening(self, opening: Any) -> None:
        """Refuse, with one sentence, an opening that does not make this statement true."""

    def describe(self) -> str:
        """What the statement claims, in words and the user's units."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """``statement.json``'s object."""
        raise NotImplementedError


@dataclass(eq=False)
class Circuit:
    """A compiled statement circuit: the shape of every proof of one spec."""

    spec: StatementSpec
    cs: ConstraintSystem
    r1cs: R1CS
    hash: str  # hex sha256 of the canonical R1CS (what keys are bound to)
    public_names: tuple[str, ...]
    seconds: float

    @property
    def constraints(self) -> int:
        """Number of constraints."""
        return self.r1cs.n_constraints

    def witness(self, statement: Statement, opening: Any) -> np.ndarray:
        """The full witness (wire order) for ``opening``, with the statement's public values."""
        inputs = dict(statement.witness_inputs(opening))
        inputs.update(statement.public_values())
        witness = self.cs.solve(inputs)
        public = [int(v) for v in witness[1:1 + self.r1cs.n_public]]
        if public != statement.public_inputs():
            raise InputError("the opening gives other public inputs than the statement claims")
        return witness


_COMPILED: "OrderedDict[tuple[str, int], Circuit]" = OrderedDict()


def compile(spec: StatementSpec, progress: Callable[[str], None] | None = None) -> Circuit:  # noqa: A001
    """The circuit of ``spec``, built once per process (cached by kind and digest)."""
    key = (spec.kind, spec.digest())
    hit = _COMPILED.get(key)
    if hit is not None:
        _COMPILED.move_to_end(key)
        return hit
    if progress:
        progress("circuit")
    started = time.perf_counter()
    cs = ConstraintSystem()
    spec.define(cs)
    names = cs.input_names("public")
    if names != spec.public_names():
        raise AssertionError(f"{spec.kind} circuit declares public inputs {names}, not {spec.public_names()}")
    r1cs = cs.build()
    circuit = Circuit(spec, cs, r1cs, circuit_hash(r1cs).hex(), tuple(names), time.perf_counter() - started)
    _COMPILED[key] = circuit
    _remember_hash(circuit)
    while len(_COMPILED) > CIRCUIT_CACHE_SIZE:
        _COMPILED.popitem(last=False)
    return circuit


_FINGERPRINT: str | None = None
COMPILER_PACKAGES = ("r1cs", "gadgets", "statements", "models", "poseidon", "commit")


def compiler_fingerprint() -> str:
    """A hash of the code that turns specs into circuits (the packages above, every .py file).

    Cached circuit hashes are keyed by it, so a change to any gadget, model or statement
    invalidates them without anyone remembering to bump a version.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256()
        for package in COMPILER_PACKAGES:
            for path in sorted((root / package).glob("*.py")):
                h.update(path.name.encode())
                h.update(path.read_bytes())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT


@dataclass(frozen=True)
class CircuitInfo:
    """What a verifier needs of a circuit without holding it: its hash and its sizes."""

    hash: str
    constraints: int
    wires: int
    n_public: int
    domain_size: int


def _info(circuit: "Circuit") -> CircuitInfo:
    from ..groth16.qap import domain_for

    r = circuit.r1cs
    return CircuitInfo(circuit.hash, r.n_constraints, r.n_wires, r.n_public, domain_for(r).size)


def circuit_hash_of(spec: StatementSpec) -> CircuitInfo:
    """Hash and sizes of ``spec``'s circuit: from this process, this machine's cache, or a compile.

    The cache (``<cache>/circuits``) holds what this machine's own compiler produced for
    a (kind, digest, compiler fingerprint); verifying then needs no compile.
    """

    from ..paths import cache_dir

    key = (spec.kind, spec.digest())
    hit = _COMPILED.get(key)
    if hit is not None:
        return _info(hit)
    path = cache_dir("circuits") / f"{spec.kind}-{spec.digest():064x}-{compiler_fingerprint()}.json"
    try:
        obj = read_json(path, "cached circuit hash")
        return CircuitInfo(str(obj["circuit_hash"]), int(obj["constraints"]), int(obj["wires"]),
                           int(obj["n_public"]), int(obj["domain_size"]))
    except (ZkAnchorError, ValueError, KeyError, TypeError):
        pass  # a missing or damaged entry is a miss: compile, which rewrites it
    return _info(compile(spec))


def _remember_hash(circuit: "Circuit") -> None:
    from ..fileio import write_json
    from ..paths import cache_dir

    try:
        path = cache_dir("circuits") / f"{circuit.spec.kind}-{circuit.spec.digest():064x}-{compiler_fingerprint()}.json"
        info = _info(circuit)
        write_json(path, {"circuit_hash": info.hash, "constraints": info.constraints, "wires": info.wires,
                          "n_public": info.n_public, "domain_size": info.domain_size,
                          "public_inputs": list(circuit.public_names)})
    except OSError:
        pass  # a read-only cache only costs a compile next time


def field_int(value: object, what: str, bits: int = 254) -> int:
    """A JSON field (decimal string or int) as a non-negative int below 2^bits; FormatError otherwise."""
    from ..errors import FormatError

    if isinstance(value, bool):
        raise FormatError(f"{what} must be an integer, not a boolean")
    if isinstance(value, int):
        v = value
    elif isinstance(value, str) and 0 < len(value) <= 80 and value.isascii() and value.isdigit():
        v = int(value)
    else:
        raise FormatError(f"{what} must be a decimal integer string, not {value!r}")
    if not 0 <= v < 1 << bits:
        raise FormatError(f"{what} must lie in [0, 2^{bits})")
    return v


def require_mapping(obj: object, what: str) -> Mapping[str, Any]:
    """``obj`` if it is a JSON object, else FormatError."""
    from ..errors import FormatError

    if not isinstance(obj, dict):
        raise FormatError(f"the {what} must be a JSON object")
    return obj


def check_derived_fields(s: Mapping[str, Any], statement: "Statement", what: str) -> None:
    """Refuse a statement file whose derived fields disagree with its bound ones.

    ``public_inputs``, ``claims`` and ``description`` are written for readers and tools;
    a file that shows other ones than its bound fields give would make a proof appear to
    mean more than it proves, so it is refused (FormatError) rather than believed.
    """
    from ..errors import FormatError

    listed = s.get("public_inputs")
    if listed is not None and [str(v) for v in listed] != [str(v) for v in statement.public_inputs()]:
        raise FormatError(f"the {what}'s public_inputs do not match its fields")
    if "claims" in s:
        claims = getattr(statement, "claims", None)  # only some kinds state claims
        if claims is None or s["claims"] != claims():
            raise FormatError(f"the {what}'s claims do not match its fields")
    if "description" in s and s["description"] != statement.describe():
        raise FormatError(f"the {what}'s description does not match its fields")
