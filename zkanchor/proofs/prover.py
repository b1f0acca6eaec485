"""The one proving path: statement + opening -> proof bundle.

    prover = Prover(KeyStore())                 # or KeyStore(keydirs=[ceremony_keydir])
    bundle = prover.prove(statement, opening)   # checks the claim, compiles, finds keys, proves
    bundle.save("proof/")

The CLI, the simulator's workers and the Python API all prove through here; none builds
a circuit or looks for a key on its own.
"""

from __future__ import annotations

import resource
import secrets
import time
from typing import Any, Callable, Optional

from ..groth16.prover import prove as groth16_prove
from ..statements.base import Statement, compile
from .bundle import ProofBundle
from .keystore import KeyStore


def peak_memory_bytes() -> int:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Prover:
    """Proves statements with keys from a :class:`KeyStore`."""

    def __init__(self, keys: Optional[KeyStore] = None, progress: Optional[Callable[[str], None]] = None,
                 randbelow: Callable[[int], int] = secrets.randbelow):
        self.keys = keys if keys is not None else KeyStore()
        self.progress = progress or (lambda _step: None)
        self.randbelow = randbelow

    def prove(self, statement: Statement, opening: Any, check: bool = True) -> ProofBundle:
        """Prove ``statement`` from its private ``opening``.

        With ``check`` (the default) the claim is first checked in plain Python, so a
        false claim is refused with one sentence before any proving work.
        """
        started = time.perf_counter()
        if check:
            self.progress("check")
            statement.check_opening(opening)
        circuit = compile(statement.spec, self.progress)
        compiled = time.perf_counter()
        pk, source = self.keys.proving_key(circuit, self.progress)
        keyed = time.perf_counter()
        self.progress("witness")
        witness = circuit.witness(statement, opening)
        solved = time.perf_counter()
        proof, _public = groth16_prove(pk, circuit.r1cs, witness, randbelow=self.randbelow, progress=self.progress)
        done = time.perf_counter()
        info = {
            "statement_kind": statement.spec.kind,
            "seconds": {"check": round(compiled - started - circuit.seconds if compiled - started > circuit.seconds
                                       else 0.0, 3),
                        "circuit": round(circuit.seconds, 3), "keys": round(keyed - compiled, 3),
                        "witness": round(solved - keyed, 3), "prove": round(done - solved, 3),
                        "total": round(done - started, 3)},
            "peak_memory_bytes": peak_memory_bytes(),
            "keys": source.to_json(),
        }
        return ProofBundle(statement, proof, circuit.hash, circuit.constraints, pk.vk, info)
