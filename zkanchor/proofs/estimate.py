"""What a proof will cost, said before the work starts.

Figures are per constraint and were measured on a 2-core machine with the native kernel
(scripts/bench_training.py prints the current ones): they are estimates for a person
deciding whether to wait, not promises.  Without the native kernel proving is about
ten times slower.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import native

PROVE_SECONDS_PER_CONSTRAINT = 10e-6
SETUP_SECONDS_PER_CONSTRAINT = 20e-6
WITNESS_SECONDS_PER_CONSTRAINT = 1e-6
PEAK_BYTES_PER_CONSTRAINT = 1700
BASE_BYTES = 250 << 20
PURE_PYTHON_FACTOR = 10


@dataclass(frozen=True)
class Estimate:
    """Constraints, expected seconds (proving, and setup if keys are missing) and peak memory."""

    constraints: int
    prove_seconds: float
    setup_seconds: float
    peak_bytes: int

    def describe(self, setup: bool) -> str:
        """One line for stderr."""
        seconds = self.prove_seconds + (self.setup_seconds if setup else 0.0)
        return (f"{self.constraints:,} constraints: about {seconds:.0f} s"
                f"{' including a new setup' if setup else ''} and {self.peak_bytes / 2**30:.1f} GB of memory")


def estimate(constraints: int) -> Estimate:
    """The cost of proving a circuit of ``constraints`` constraints on this machine."""
    factor = 1.0 if native.AVAILABLE else PURE_PYTHON_FACTOR
    return Estimate(
        constraints=constraints,
        prove_seconds=constraints * (PROVE_SECONDS_PER_CONSTRAINT + WITNESS_SECONDS_PER_CONSTRAINT) * factor,
        setup_seconds=constraints * SETUP_SECONDS_PER_CONSTRAINT * factor,
        peak_bytes=BASE_BYTES + constraints * PEAK_BYTES_PER_CONSTRAINT,
    )


def available_memory() -> int | None:
    """Bytes of memory available to new work (Linux /proc/meminfo), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
