"""Ethereum addresses as the statements use them: an institution's address is public input 0.

``parse_address`` accepts ``0x`` followed by 40 hex digits.  Mixed-case input must carry
a valid EIP-55 checksum (a typo in a checksummed address is caught instead of proving
for somebody else); all-lower or all-upper case carries none and is taken as written.
The zero address belongs to nobody and is refused.
"""

from __future__ import annotations

from eth_hash.auto import keccak

from .errors import InputError

ADDRESS_BITS = 160


def checksum_address(value: int) -> str:
    """The EIP-55 mixed-case form of an address."""
    hexed = format(value, "040x")
    digest = keccak(hexed.encode()).hex()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(hexed, digest))


def parse_address(text: str | int, what: str = "the institution's address", allow_zero: bool = False) -> int:
    """An address as an integer; InputError (one sentence) for anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
        if not 0 <= value < 1 << ADDRESS_BITS:
            raise InputError(f"{what} {text!r} does not fit in 160 bits, so it is not an address")
    elif isinstance(text, str):
        body = text[2:] if text[:2] in ("0x", "0X") else None
        if body is None or len(body) != 40 or not all(c in "0123456789abcdefABCDEF" for c in body):
            raise InputError(f"{what} {text!r} is not an Ethereum address (0x followed by 40 hex digits)")
        value = int(body, 16)
        if body != body.lower() and body != body.upper() and checksum_address(value) != "0x" + body:
            raise InputError(f"{what} {text} has a wrong EIP-55 checksum (expected {checksum_address(value)}); "
                             "check it for a typo")
    else:
        raise InputError(f"{what} must be an address string, not {type(text).__name__}")
    if value == 0 and not allow_zero:
        raise InputError(f"{what} is the zero address, which belongs to nobody; give a real account")
    return value


def format_address(value: int) -> str:
    """An address integer in its EIP-55 checksummed form."""
    return checksum_address(value)
