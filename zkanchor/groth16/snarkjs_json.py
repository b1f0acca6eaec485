"""snarkjs's JSON formats for Groth16: ``verification_key.json``, ``proof.json``, ``public.json``.

Numbers are decimal strings.  G1 points are ``[x, y, z]`` and G2 points
``[[x0, x1], [y0, y1], [z0, z1]]`` in (Jacobian) projective form; snarkjs writes
affine points with z = 1 and the point at infinity as ``[0, 1, 0]``.  An Fp2 pair is
``[c0, c1]`` (real part first) — the *calldata* order of the Solidity verifier is the
reverse, see :mod:`zkanchor.solidity.calldata`.

Readers validate everything: wrong shapes, non-numbers, coordinates >= p, points off
the curve or outside the subgroup and public inputs >= r are refused with one sentence.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ..bn254 import fp2, g1, g2
from ..bn254.constants import P, R
from ..errors import FieldError, FormatError
from ..fileio import decode_json_text, read_bytes, write_json
from .keys import G1Point, G2Point, Proof, VerificationKey
from .verifier import check_verification_key

PROTOCOL = "groth16"
CURVE = "bn128"


# ---------------------------------------------------------------- numbers

# The longest decimal string read: p and r have 77 digits; a few leading zeros are let
# through, anything longer is refused before Python converts it.
MAX_DIGITS = 80


class _JsonInt(str):
    """A JSON number token kept as its text (parsed by :func:`_int` with the same rules as a string)."""


class _JsonFloat(str):
    """A JSON number with a fraction or exponent: never a valid field element."""


def _int(value: Any, what: str, bound: int) -> int:
    """A field element (or count) from a decimal string or a JSON integer, strictly.

    Only ASCII digits, at most MAX_DIGITS of them, no sign, space, underscore or
    other numeral systems (``str.isdigit`` and ``int`` accept '١٢' and '1_0'); the value
    must be below ``bound`` (p, r or a count limit).
    """
    if isinstance(value, bool):
        raise FormatError(f"{what} must be a decimal number, not a boolean")
    if isinstance(value, _JsonFloat):
        raise FormatError(f"{what} must be a whole decimal number, got {str(value)[:60]!r}")
    if isinstance(value, int):
        number = value
        if number < 0:
            raise FormatError(f"{what} must be a non-negative decimal number, got a negative one")
    elif isinstance(value, str):
        if not 0 < len(value) <= MAX_DIGITS or not value.isascii() or not value.isdigit():
            shown = value[:60] + ("..." if len(value) > 60 else "")
            raise FormatError(f"{what} must be a non-negative decimal number of at most {MAX_DIGITS} "
                              f"ASCII digits, got {shown!r}")
        number = int(value)
    else:
        raise FormatError(f"{what} must be a non-negative decimal number, got {type(value).__name__}")
    if number >= bound:
        kind = {R: "the field modulus (r)", P: "the field modulus (p)"}.get(bound, str(bound))
        raise FieldError(f"{what} is not below {kind}")
    return number


def _read_json(path: str | os.PathLike, what: str) -> Any:
    """Parse a snarkjs JSON file, keeping numbers as text for :func:`_int` (so a 5,000-digit
    number or a float is judged by our rules, not by Python's int conversion)."""
    return decode_json_text(read_bytes(path, what), path, what,
                            parse_int=_JsonInt, parse_float=_JsonFloat, parse_constant=_JsonFloat)


def _list(value: Any, length: int, what: str) -> list:
    if not isinstance(value, list) or len(value) != length:
        raise FormatError(f"{what} must be a list of {length} elements")
    return value


# ---------------------------------------------------------------- points

def g1_to_json(point: G1Point) -> list[str]:
    """One G1 point in snarkjs's projective form."""
    if point is None:
        return ["0", "1", "0"]
    return [str(point[0]), str(point[1]), "1"]


def g2_to_json(point: G2Point) -> list[list[str]]:
    """One G2 point in snarkjs's projective form (each Fp2 as [c0, c1])."""
    if point is None:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    (x0, x1), (y0, y1) = point
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def g1_from_json(value: Any, what: str) -> G1Point:
    """Parse and validate a G1 point (affine or Jacobian projective)."""
    x, y, z = (_int(c, f"{what} coordinate", P) for c in _list(value, 3, what))
    if z == 0:
        return None
    if z != 1:
        zinv = pow(z, -1, P)
        zinv2 = zinv * zinv % P
        x, y = x * zinv2 % P, y * zinv2 * zinv % P
    point = (x, y)
    g1.validate(point, what)
    return point


def g2_from_json(value: Any, what: str) -> G2Point:
    """Parse and validate a G2 point (affine or Jacobian projective, Fp2 as [c0, c1])."""
    coords = []
    for name, item in zip("xyz", _list(value, 3, what)):
        c0, c1 = (_int(c, f"{what} {name} coordinate", P) for c in _list(item, 2, f"{what} {name}"))
        coords.append((c0, c1))
    x, y, z = coords
    if z == (0, 0):
        return None
    if z != (1, 0):
        zinv = fp2.inv(z)
        zinv2 = fp2.sqr(zinv)
        x, y = fp2.mul(x, zinv2), fp2.mul(y, fp2.mul(zinv2, zinv))
    point = (x, y)
    g2.validate(point, what)
    return point


# ---------------------------------------------------------------- documents

def _check_header(obj: Any, what: str) -> dict:
    if not isinstance(obj, dict):
        raise FormatError(f"{what} must be a JSON object")
    if "protocol" in obj and obj["protocol"] != PROTOCOL:
        raise FormatError(f"{what} is for protocol {obj['protocol']!r}, not {PROTOCOL!r}")
    if "curve" in obj and obj["curve"] not in (CURVE, "bn254", "alt_bn128"):
        raise FormatError(f"{what} is for curve {obj['curve']!r}, not {CURVE!r}")
    return obj


def _field(obj: dict, key: str, what: str) -> Any:
    if key not in obj:
        raise FormatError(f"{what} has no {key!r} field")
    return obj[key]


def vk_to_json(vk: VerificationKey) -> dict:
    """A verification key as snarkjs's ``verification_key.json`` object."""
    return {
        "protocol": PROTOCOL,
        "curve": CURVE,
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha_g1),
        "vk_beta_2": g2_to_json(vk.beta_g2),
        "vk_gamma_2": g2_to_json(vk.gamma_g2),
        "vk_delta_2": g2_to_json(vk.delta_g2),
        "IC": [g1_to_json(p) for p in vk.ic],
    }


def vk_from_json(obj: Any, what: str = "verification key") -> VerificationKey:
    """Parse and validate a ``verification_key.json`` object."""
    obj = _check_header(obj, what)
    ic_raw = _field(obj, "IC", what)
    if not isinstance(ic_raw, list) or not ic_raw:
        raise FormatError(f"{what} field 'IC' must be a non-empty list of G1 points")
    if "nPublic" in obj and _int(obj["nPublic"], f"{what} nPublic", 1 << 32) != len(ic_raw) - 1:
        raise FormatError(
            f"{what} says nPublic = {str(obj['nPublic'])[:20]} but has {len(ic_raw)} IC points (expected nPublic + 1)"
        )
    vk = VerificationKey(
        alpha_g1=g1_from_json(_field(obj, "vk_alpha_1", what), f"{what} vk_alpha_1"),
        beta_g2=g2_from_json(_field(obj, "vk_beta_2", what), f"{what} vk_beta_2"),
        gamma_g2=g2_from_json(_field(obj, "vk_gamma_2", what), f"{what} vk_gamma_2"),
        delta_g2=g2_from_json(_field(obj, "vk_delta_2", what), f"{what} vk_delta_2"),
        ic=tuple(g1_from_json(p, f"{what} IC[{i}]") for i, p in enumerate(ic_raw)),
    )
    check_verification_key(vk, what, points_checked=True)
    return vk


def proof_to_json(proof: Proof) -> dict:
    """A proof as snarkjs's ``proof.json`` object."""
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": PROTOCOL,
        "curve": CURVE,
    }


def proof_from_json(obj: Any, what: str = "proof") -> Proof:
    """Parse and validate a ``proof.json`` object."""
    obj = _check_header(obj, what)
    return Proof(
        a=g1_from_json(_field(obj, "pi_a", what), f"{what} pi_a"),
        b=g2_from_json(_field(obj, "pi_b", what), f"{what} pi_b"),
        c=g1_from_json(_field(obj, "pi_c", what), f"{what} pi_c"),
    )


def public_to_json(values: Sequence[int]) -> list[str]:
    """Public inputs as snarkjs's ``public.json`` list of decimal strings."""
    return [str(v % R) for v in values]


def public_from_json(obj: Any, what: str = "public inputs") -> list[int]:
    """Parse ``public.json``; every value must be a decimal number below r (no aliasing x + r)."""
    if not isinstance(obj, list):
        raise FormatError(f"{what} must be a JSON list of decimal strings")
    return [_int(v, f"{what}[{i}]", R) for i, v in enumerate(obj)]


# ---------------------------------------------------------------- files

def save_verification_key(vk: VerificationKey, path: str | os.PathLike) -> None:
    """Write ``verification_key.json`` atomically."""
    write_json(path, vk_to_json(vk))


def load_verification_key(path: str | os.PathLike) -> VerificationKey:
    """Read and validate ``verification_key.json``."""
    return vk_from_json(_read_json(path, "verification key"), f"verification key {os.fspath(path)!r}")


def save_proof(proof: Proof, path: str | os.PathLike) -> None:
    """Write ``proof.json`` atomically."""
    write_json(path, proof_to_json(proof))


def load_proof(path: str | os.PathLike) -> Proof:
    """Read and validate ``proof.json``."""
    return proof_from_json(_read_json(path, "proof"), f"proof {os.fspath(path)!r}")


def save_public(values: Sequence[int], path: str | os.PathLike) -> None:
    """Write ``public.json`` atomically."""
    write_json(path, public_to_json(values))


def load_public(path: str | os.PathLike) -> list[int]:
    """Read and validate ``public.json``."""
    return public_from_json(_read_json(path, "public inputs"), f"public inputs {os.fspath(path)!r}")
