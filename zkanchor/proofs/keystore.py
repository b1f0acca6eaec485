"""Where keys come from: a ceremony's or setup's key directories, the local cache, or a fresh setup.

A :class:`KeyStore` answers "the proving key of this circuit" and "a verification key I
trust for this circuit hash".  Keys are always looked up by the circuit's hash, which
the caller computed by compiling the statement's spec, and every key directory is
checked to be bound to that hash — a key made for another circuit is never used, and
never trusted for verification.

Order: the key directories named explicitly (``zkanchor ceremony finish`` / ``zkanchor
setup`` outputs), then the cache (``<cache>/keys/<hash>``; keys this machine made or
stored), then — for proving only, unless disabled — a new single-party setup, written to
the cache.  A store with a ``seed`` derives that setup's trapdoor from the seed and the
circuit hash: reproducible keys for simulations, whose trapdoor is public, so they
prove nothing outside one.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..bn254.constants import R
from ..errors import InputError
from ..groth16.generator import ToxicWaste, TrustedSetupWarning, setup
from ..groth16.keydir import SETUP_INFO, KeyDir, load_keydir, read_setup_info, save_keydir
from ..groth16.keys import ProvingKey, VerificationKey
from ..groth16.snarkjs_json import load_verification_key
from ..paths import cache_dir
from ..statements.base import Circuit, CircuitInfo


@dataclass(frozen=True)
class KeySource:
    """Where a key came from: ``ceremony``, ``setup`` (a key directory), ``cache``, ``new`` or ``seeded``."""

    kind: str
    path: Optional[str]
    trusted_setup: str  # what setup.json says: "multi-party ceremony", "single-party", "seeded (simulation)"
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"kind": self.kind, "path": self.path, "trusted_setup": self.trusted_setup,
                "seconds": round(self.seconds, 3)}


def _seeded_scalar(seed: str, circuit_hash: str, k: int) -> int:
    digest = hashlib.sha256(f"{seed}\x1f{circuit_hash}\x1f{k}".encode()).digest()
    return int.from_bytes(digest, "big") % (R - 1) + 1


class KeyStore:
    """Proving and verification keys by circuit hash (see the module docstring)."""

    def __init__(self, keydirs: Sequence[str | os.PathLike] = (), cache: str | os.PathLike | None = None,
                 seed: Optional[str] = None, setup_missing: bool = True):
        self.keydirs = [Path(p) for p in keydirs]
        self._cache = Path(cache) if cache is not None else None
        self.seed = seed
        self.setup_missing = setup_missing
        self._memory: dict[str, tuple[ProvingKey, KeySource]] = {}

    @property
    def cache(self) -> Path:
        """The cache directory of keys (created on first use)."""
        if self._cache is None:
            self._cache = cache_dir("keys")
        self._cache.mkdir(parents=True, exist_ok=True)
        return self._cache

    def _cache_path(self, circuit_hash: str) -> Path:
        return self.cache / (("seeded-" if self.seed else "") + circuit_hash[:40])

    def _from_keydir(self, path: Path, circuit: Circuit) -> Optional[tuple[ProvingKey, KeySource]]:
        try:
            info = read_setup_info(path)
        except InputError:
            return None
        if info.get("circuit_hash") != circuit.hash:
            return None
        keys = load_keydir(path, circuit.r1cs)
        kind = "ceremony" if "ceremony" in str(info.get("trusted_setup", "")) else "setup"
        return keys.pk, KeySource(kind, str(path), str(info.get("trusted_setup", "single-party")))

    def proving_key(self, circuit: Circuit, progress: Callable[[str], None] | None = None
                    ) -> tuple[ProvingKey, KeySource]:
        """The proving key of ``circuit`` (InputError when none is found and setup is disabled)."""
        hit = self._memory.get(circuit.hash)
        if hit is not None:
            return hit
        started = time.perf_counter()
        for path in self.keydirs:
            found = self._from_keydir(path, circuit)
            if found is not None:
                return self._remember(circuit, found, started)
        cached = self._cache_path(circuit.hash)
        if (cached / SETUP_INFO).is_file():
            pk, source = self._from_keydir(cached, circuit) or (None, None)
            if pk is not None:
                return self._remember(circuit, (pk, KeySource("cache", str(cached), source.trusted_setup)), started)
        if not self.setup_missing:
            names = ", ".join(str(p) for p in self.keydirs) or "no key directory given"
            raise InputError(f"no proving key for circuit {circuit.hash[:16]}... ({names}); run the ceremony or "
                             "setup for this statement's circuit")
        if progress:
            progress("setup")
        if self.seed is not None:
            toxic = ToxicWaste(*(_seeded_scalar(self.seed, circuit.hash, k) for k in range(5)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TrustedSetupWarning)
                pk = setup(circuit.r1cs, toxic)
            provenance = {"trusted_setup": "seeded (simulation)",
                          "warning": "the trapdoor follows from a public seed: these keys prove nothing outside a "
                                     "simulation"}
            kind = "seeded"
        else:
            pk = setup(circuit.r1cs)  # warns (TrustedSetupWarning): the keys are single-party
            provenance = None
            kind = "new"
        save_keydir(cached, circuit.r1cs, pk, provenance, write_circuit=False)
        trusted = provenance["trusted_setup"] if provenance else "single-party"
        return self._remember(circuit, (pk, KeySource(kind, str(cached), trusted)), started)

    def _remember(self, circuit: Circuit, found: tuple[ProvingKey, KeySource], started: float):
        pk, source = found
        source = KeySource(source.kind, source.path, source.trusted_setup, time.perf_counter() - started)
        self._memory[circuit.hash] = (pk, source)
        return pk, source

    def verification_key(self, circuit: "CircuitInfo | Circuit | str") -> Optional[tuple[VerificationKey, KeySource]]:
        """A verification key bound to ``circuit`` from the named key directories or the cache, if any.

        A directory counts only when it is consistent with the circuit: setup.json names
        its hash, and the proving key (when present) is bound to that hash, has the
        circuit's sizes and carries the very verification key of verification_key.json.
        Only the proving key's header and small points are read.
        """
        from ..groth16.keydir import PROVING_KEY
        from ..groth16.keyfile import peek_proving_key

        info = circuit if not isinstance(circuit, Circuit) else None
        if isinstance(circuit, Circuit):
            from ..statements.base import _info

            info = _info(circuit)
        circuit_hash = info if isinstance(info, str) else info.hash
        candidates = list(self.keydirs) + [self._cache_path(circuit_hash)]
        for path in candidates:
            try:
                setup_info = read_setup_info(path)
            except InputError:
                continue
            if setup_info.get("circuit_hash") != circuit_hash:
                continue
            vk = load_verification_key(path / "verification_key.json")
            if (path / PROVING_KEY).is_file():
                head = peek_proving_key(path / PROVING_KEY)
                if head.circuit_hash.hex() != circuit_hash or head.vk != vk:
                    raise InputError(f"the key directory {str(path)!r} claims circuit {circuit_hash[:16]}... in "
                                     "setup.json, but its proving key is bound to another circuit or another "
                                     "verification key")
                if not isinstance(info, str) and (head.n_wires, head.n_public, head.domain_size) != (
                        info.wires, info.n_public, info.domain_size):
                    raise InputError(f"the keys in {str(path)!r} have the sizes of another circuit")
            if not isinstance(info, str) and vk.n_public != info.n_public:
                raise InputError(f"the verification key in {str(path)!r} has {vk.n_public} public inputs; the "
                                 f"circuit has {info.n_public}")
            kind = "cache" if path == self._cache_path(circuit_hash) else "setup"
            return vk, KeySource(kind, str(path), str(setup_info.get("trusted_setup", "single-party")))
        return None
