"""Both backends prove the same statements; ZKANCHOR_BACKEND picks one or fails clearly."""

from __future__ import annotations

import random
import warnings

import pytest

from zkanchor import native
from zkanchor.backend import backend_name
from zkanchor.errors import InputError
from zkanchor.groth16 import prove, setup, verify
from zkanchor.groth16.generator import ToxicWaste
from zkanchor.groth16.keyfile import encode_proving_key

from groth16_circuits import many_public

needs_native = pytest.mark.skipif(not native.AVAILABLE, reason=f"native kernel not built: {native.LOAD_ERROR}")


def test_backend_choice(monkeypatch):
    monkeypatch.setenv("ZKANCHOR_BACKEND", "python")
    assert backend_name() == "python"
    monkeypatch.setenv("ZKANCHOR_BACKEND", "gpu")
    with pytest.raises(InputError, match="python, native or auto"):
        backend_name()
    monkeypatch.delenv("ZKANCHOR_BACKEND")
    assert backend_name() == ("native" if native.AVAILABLE else "python")


@needs_native
def test_both_backends_make_identical_keys_and_cross_verifying_proofs(monkeypatch):
    r1cs, witness = many_public(6)
    keys, proofs = {}, {}
    for name in ("python", "native"):
        monkeypatch.setenv("ZKANCHOR_BACKEND", name)
        rng = random.Random(5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            keys[name] = setup(r1cs, toxic=ToxicWaste.random(lambda n: rng.randrange(n)))
        blind = random.Random(9)
        proofs[name] = prove(keys[name], r1cs, witness, randbelow=lambda n: blind.randrange(n))
    # Keys hold PackedPoints (compared by identity): compare their encodings, every point.
    assert encode_proving_key(keys["python"], bytes(32)) == encode_proving_key(keys["native"], bytes(32))
    assert keys["python"].vk == keys["native"].vk
    assert proofs["python"] == proofs["native"]  # same key, witness and blinding: same proof
    for name in ("python", "native"):
        monkeypatch.setenv("ZKANCHOR_BACKEND", name)
        assert verify(keys["python"].vk, *proofs["native"])
