"""``python -m zkanchor`` runs the command line."""

from .cli.main import console_entry

console_entry()
