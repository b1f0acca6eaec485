"""Small file helpers shared by every writer: atomic writes and JSON reading.

Writes go to a temporary file in the target's directory and are renamed into place,
so a crash or a full disk never leaves a half-written artifact behind.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FormatError, InputError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, then rename)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes 0600 files; artifacts (keys, proofs) get the usual umask-based mode.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=1) + "\n")


def read_bytes(path: str | os.PathLike, what: str) -> bytes:
    """Read a whole file, turning a missing or unreadable file into one InputError sentence."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} path {str(path)!r} is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None


# Our documents nest a few levels deep.  json.loads recurses once per level, and py_ecc
# raises Python's recursion limit to 100,000 on import, so a file of 100,000 '[' would
# overflow the C stack (a segfault, not a RecursionError) if it reached the parser.
MAX_JSON_NESTING = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_nesting_depth(text: str) -> int:
    """How deep lists and objects nest in JSON ``text`` (brackets inside strings ignored)."""
    raw = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8"), dtype=np.uint8)
    step = (np.isin(raw, (ord("["), ord("{"))).astype(np.int8) - np.isin(raw, (ord("]"), ord("}"))).astype(np.int8))
    return int(np.cumsum(step, dtype=np.int64).max()) if len(step) else 0


def decode_json_text(raw: bytes, path: str | os.PathLike, what: str, **loads_options: Any) -> Any:
    """Parse JSON bytes read from ``path``: every way it can be malformed (not UTF-8, bad
    syntax, nesting deeper than MAX_JSON_NESTING, a number over Python's digit limit) is
    one FormatError sentence naming the file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{what} file {str(path)!r} is not UTF-8 text") from None
    if json_nesting_depth(text) > MAX_JSON_NESTING:
        raise FormatError(f"{what} file {str(path)!r} nests JSON lists or objects more than {MAX_JSON_NESTING} deep")
    try:
        return json.loads(text, **loads_options)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{what} file {str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise FormatError(f"{what} file {str(path)!r} nests JSON lists or objects too deeply") from None
    except ValueError as exc:  # e.g. an integer beyond Python's int-conversion digit limit
        raise FormatError(f"{what} file {str(path)!r} could not be parsed: {str(exc).split(':')[0][:120]}") from None


def read_json(path: str | os.PathLike, what: str) -> Any:
    """Parse a JSON file; malformed, truncated or hostile JSON becomes a FormatError naming the file."""
    return decode_json_text(read_bytes(path, what), path, what)
