"""Everything random in a simulation comes from here, derived from the run's seed.

A value is named by a path of labels (``derive(seed, "salt", "St. Mary", 1, "data")``)
and is the SHA-256 of the seed and the labels, so adding a new random value never shifts
the others, and a worker process derives exactly what the main process would.
Nothing in simulation mode may call ``secrets`` or the wall clock for a value that
reaches the chain or the event log.
"""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from zkanchor.bn254.constants import R
from zkanchor.commit.commitment import SALT_BITS


def _digest(seed: int, labels: tuple) -> bytes:
    text = "\x1f".join([str(int(seed))] + [str(label) for label in labels])
    return hashlib.sha256(text.encode("utf-8")).digest()


def derive(seed: int, *labels: object, bits: int = 256) -> int:
    """A ``bits``-bit integer determined by ``seed`` and ``labels`` (up to 256 bits)."""
    return int.from_bytes(_digest(seed, labels), "big") >> (256 - bits)


def salt(seed: int, *labels: object) -> int:
    """A commitment salt (uniform over the 253-bit salts) for ``labels``."""
    return derive(seed, "salt", *labels, bits=SALT_BITS)


def rng(seed: int, *labels: object) -> np.random.Generator:
    """A numpy generator for ``labels`` (data generation, shuffles)."""
    return np.random.default_rng(int.from_bytes(_digest(seed, ("rng",) + labels)[:16], "big"))


def randbelow(seed: int, *labels: object) -> Callable[[int], int]:
    """A ``secrets.randbelow`` stand-in (for Groth16's blinding r, s): a counter-mode stream."""
    counter = [0]

    def draw(bound: int) -> int:
        # 512 bits reduced mod bound: bias below 2^-250 for bound <= r.
        counter[0] += 1
        wide = derive(seed, "randbelow", *labels, counter[0]) << 256 | derive(seed, "randbelow2", *labels, counter[0])
        return wide % bound

    return draw


def scalar(seed: int, *labels: object) -> int:
    """A non-zero element of the BN254 scalar field."""
    return derive(seed, "scalar", *labels) % (R - 1) + 1
