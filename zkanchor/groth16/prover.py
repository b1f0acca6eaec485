"""Groth16 proving: witness + proving key -> proof.

The witness is checked against the R1CS first (the same sparse products then feed
h(X)), so an unsatisfied constraint is named instead of yielding a proof that merely
fails to verify.  With the native kernel every vector stays packed from the witness to
the last MSM, and the proving key's point vectors go to the kernel as the bytes they
were read as.  A witness may come packed already (a ``.wtns`` file's values, see
:func:`zkanchor.r1cs.wtns.read_wtns_packed`): it is then never turned into ints, which
at 2^20 wires saves ~100 MB against a list of ints.
"""

from __future__ import annotations

import secrets
from typing import Callable, Optional, Sequence, Union

import numpy as np

from .. import backend
from ..bn254 import g1, g2
from ..bn254.constants import R
from ..errors import InputError, UnsatisfiedConstraint
from ..native import release_heap
from ..r1cs import R1CS
from ..r1cs.system import _wires_of
from .keys import PackedPoints, Proof, ProvingKey
from .qap import domain_size_for, row_count

Witness = Union[Sequence[int], np.ndarray, bytes, bytearray, memoryview]


def _check_key_matches(pk: ProvingKey, r1cs: R1CS) -> int:
    """The QAP domain's size, once key and circuit agree on it."""
    if pk.n_wires != r1cs.n_wires or pk.n_public != r1cs.n_public:
        raise InputError(
            f"the proving key is for a circuit with {pk.n_wires} wires and {pk.n_public} public inputs, "
            f"but this circuit has {r1cs.n_wires} wires and {r1cs.n_public}"
        )
    # the size alone: domain_for() would build the pure-Python Domain's tables
    size = domain_size_for(row_count(r1cs))
    if pk.domain_size != size:
        raise InputError("the proving key was made for a circuit with a different number of constraints")
    return size


def _scalars(vector, start: int, stop: int | None = None):
    if isinstance(vector, backend.PACKED):
        # a view: slicing bytes would copy the whole witness once more
        return memoryview(vector)[32 * start: None if stop is None else 32 * stop]
    return vector[start:stop]


def _msm(points, scalars, group: int):
    """backend.msm_packed, then the vector's pages handed back if the key is mapped: each
    vector is used once, so a mapped key never has more than one resident."""
    try:
        return backend.msm_packed(points, scalars, group)
    finally:
        if isinstance(points, PackedPoints):
            points.release()


def _packed_view(witness) -> memoryview | None:
    """The witness as a flat byte view if it is packed (bytes-like, or a numpy uint8
    array), else None (ints; an array of other integers is not taken for bytes)."""
    if isinstance(witness, np.ndarray):
        if witness.dtype != np.uint8:
            return None
    elif not isinstance(witness, backend.PACKED):
        return None
    view = memoryview(witness)
    if not view.c_contiguous:
        raise InputError("a packed witness must be one contiguous buffer")
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


def witness_vector(r1cs: R1CS, witness: Witness):
    """``witness`` checked against ``r1cs`` and in the backend's vector form.

    Ints (a list or an object array) are checked one by one; a packed witness (32-byte
    little-endian values, as ``.wtns`` files hold them) is checked as a whole: its
    length, every value below R, and the constant wire 1.
    """
    from ..r1cs.system import _witness_array
    from ..r1cs.wtns import first_not_below_r

    view = _packed_view(witness)
    if view is None:
        return backend.pack_witness(_witness_array(r1cs, witness))
    if len(view) != 32 * r1cs.n_wires:
        raise InputError(f"the packed witness has {len(view)} bytes, but {r1cs.n_wires} wires need "
                         f"{32 * r1cs.n_wires} (32 per value)")
    bad = first_not_below_r(view)
    if bad >= 0:
        raise InputError(f"witness value {bad} is not in the field range [0, R)")
    if int.from_bytes(view[:32], "little") != 1:
        raise InputError(f"witness value 0 (the constant wire) must be 1, not {int.from_bytes(view[:32], 'little')}")
    return backend.pack_witness(view)


def _public_inputs(w, n_public: int) -> list[int]:
    if isinstance(w, backend.PACKED):
        return backend.unpack_ints(memoryview(w)[32: 32 * (n_public + 1)])
    return [int(v) for v in w[1: n_public + 1]]


def prove(
    pk: ProvingKey,
    r1cs: R1CS,
    witness: Witness,
    randbelow: Callable[[int], int] = secrets.randbelow,
    progress: Optional[Callable[[str], None]] = None,
) -> tuple[Proof, list[int]]:
    """Prove that ``witness`` satisfies ``r1cs``; return the proof and its public inputs.

    ``witness``: one value per wire, as ints (a list or an object array) or packed
    (bytes, a memoryview or a numpy uint8 array of 32-byte little-endian values, e.g.
    :func:`zkanchor.r1cs.wtns.read_wtns_packed`).
    Raises :class:`~zkanchor.errors.UnsatisfiedConstraint` naming the first failing
    constraint, or :class:`~zkanchor.errors.InputError` if key and circuit disagree.
    ``randbelow`` supplies the blinding factors r and s (tests may fix it).
    """
    tick = progress or (lambda _step: None)
    size = _check_key_matches(pk, r1cs)
    w = witness_vector(r1cs, witness)

    tick("h(X)")
    bad, h = backend.check_and_h(r1cs, size, w)
    if bad is not None:
        raise UnsatisfiedConstraint(bad, r1cs.name_of(bad), f"; it involves wires {_wires_of(r1cs, bad)}")
    release_heap()  # the transforms' freed scratch, which the MSMs' threads would not reuse
    r, s = randbelow(R), randbelow(R)

    tick("A")
    a = g1.add(g1.add(pk.alpha_g1, _msm(pk.a_g1, w, 1)), g1.mul(pk.delta_g1, r))
    tick("B")
    b2 = g2.add(g2.add(pk.beta_g2, _msm(pk.b_g2, w, 2)), g2.mul(pk.delta_g2, s))
    b1 = g1.add(g1.add(pk.beta_g1, _msm(pk.b_g1, w, 1)), g1.mul(pk.delta_g1, s))
    tick("C")
    c = g1.add(_msm(pk.l_g1, _scalars(w, pk.n_public + 1), 1), _msm(pk.h_g1, h, 1))
    c = g1.add(c, g1.mul(a, s))
    c = g1.add(c, g1.mul(b1, r))
    c = g1.add(c, g1.mul(pk.delta_g1, (-r * s) % R))
    return Proof(a=a, b=b2, c=c), _public_inputs(w, pk.n_public)
