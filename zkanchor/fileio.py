"""Small file helpers shared by every writer: atomic writes and JSON reading.

Writes go to a temporary file in the target's directory and are renamed into place,
so a crash or a full disk never leaves a half-written artifact behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

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


def read_json(path: str | os.PathLike, what: str) -> Any:
    """Parse a JSON file; malformed or truncated JSON becomes a FormatError naming the file."""
    raw = read_bytes(path, what)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FormatError(f"{what} file {str(path)!r} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{what} file {str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
