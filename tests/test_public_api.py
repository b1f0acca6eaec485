"""``import zkanchor`` exposes a small lazy surface, and every name in it resolves."""

from __future__ import annotations

import subprocess
import sys

import zkanchor


def test_every_exported_name_resolves():
    for name in zkanchor.__all__:
        assert getattr(zkanchor, name) is not None, name


def test_import_is_cheap():
    code = "import sys, zkanchor; print('web3' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_unknown_names_raise_attribute_error():
    try:
        zkanchor.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
