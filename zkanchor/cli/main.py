"""Entry point of the ``zkanchor`` console script.

Exit codes (a contract): 0 success / valid, 1 a well-formed proof or check that is
false, 2 unusable input — one sentence on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Callable, Sequence

from .. import __version__
from ..errors import ZkAnchorError
from . import anchor_commands, ceremony_commands, groth16_commands, rights_commands, simulate_commands, training_commands
from . import model_commands
from . import explorer_commands

EXIT_OK, EXIT_FALSE, EXIT_INPUT = 0, 1, 2

# Each module contributes its subcommands; keep this list in the order --help shows them.
COMMAND_MODULES = (
    groth16_commands, training_commands, rights_commands, anchor_commands, ceremony_commands, simulate_commands,
    model_commands, explorer_commands,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, one line
        self.print_usage(sys.stderr)
        sys.stderr.write(f"zkanchor: error: {message}\n")
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, one subcommand per command of DESIGN.md."""
    parser = _Parser(
        prog="zkanchor",
        description="Zero-knowledge proofs of training over committed data: Groth16 over BN254, "
        "verified in Python, with snarkjs, or in a Solidity contract.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    # 'completion' describes this whole parser: handed to it here, as its module cannot import this one back.
    parser.set_defaults(parser=parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns (and, as a script, exits with) its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = handler(args)
        for warning in caught:
            sys.stderr.write(f"zkanchor: warning: {warning.message}\n")
        return code
    except ZkAnchorError as exc:
        sys.stderr.write(f"zkanchor: error: {_sentence(exc)}\n")
        if getattr(args, "json", False):
            import json

            sys.stdout.write(json.dumps({"error": _sentence(exc), "kind": type(exc).__name__}) + "\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("zkanchor: interrupted\n")
        return 130


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = text.splitlines()[0]
    return text if text.endswith(".") else text + "."


def console_entry() -> None:
    """setuptools console-script target."""
    raise SystemExit(main())


if __name__ == "__main__":
    console_entry()
