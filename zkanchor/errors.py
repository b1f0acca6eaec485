"""Exception types raised by zkanchor.

Every failure a user can cause with bad input derives from :class:`InputError`;
the CLI turns those into exit code 2 and one sentence on stderr.  A proof that is
well-formed but false is *not* an exception: verifiers return ``False``.
"""

from __future__ import annotations


class ZkAnchorError(Exception):
    """Base class of every error zkanchor raises on purpose."""


class InputError(ZkAnchorError):
    """Unusable input: malformed file, wrong shape, out-of-range value, bad point."""


class FormatError(InputError):
    """A file (JSON, .r1cs, .wtns, key) does not follow its documented format."""


class PointError(InputError):
    """A curve point is not on the curve or not in the prime-order subgroup."""


class FieldError(InputError):
    """A field element is out of range (for example a public input >= r)."""


class UnsatisfiedConstraint(InputError):
    """A witness does not satisfy a constraint; names the first one that fails."""

    def __init__(self, index: int, name: str | None = None, detail: str = ""):
        self.index = index
        self.name = name
        label = f"constraint {index}" + (f" ({name})" if name else "")
        super().__init__(f"the witness does not satisfy {label}{detail}")


class CompilerNotFound(ZkAnchorError):
    """No Solidity compiler could be found or started."""


class CompilationError(ZkAnchorError):
    """The Solidity compiler rejected a source."""


class ChainError(ZkAnchorError):
    """A chain could not be reached, or a transaction failed."""
