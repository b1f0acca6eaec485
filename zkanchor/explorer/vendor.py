"""The explorer's generated asset and the npm file it borrows.

- ``poseidon-constants.json``: circomlib's Poseidon round constants and MDS matrices for
  every width zkanchor uses (t = 2..17), exported from :mod:`zkanchor.poseidon.constants`
  (hex, no ``0x``) for the page's Poseidon (``zk.js``).  The server generates it on first
  request, so it can never disagree with the Python side.
- ``snarkjs.min.js``: the browser build of snarkjs, served from the npm package
  (``node_modules/snarkjs/build/snarkjs.min.js``, the pinned version ``scripts/setup.sh``
  installs).  It is GPL-3.0, so zkanchor does not ship a copy.
"""

from __future__ import annotations

import json

POSEIDON_FILE = "poseidon-constants.json"
SNARKJS_FILE = "snarkjs.min.js"
SNARKJS_SOURCE = ("snarkjs", "build", "snarkjs.min.js")


def poseidon_constants_json() -> str:
    """The text of ``poseidon-constants.json`` (deterministic: same constants, same bytes)."""
    from ..poseidon.constants import MAX_WIDTH, MIN_WIDTH, params

    widths = {}
    for t in range(MIN_WIDTH, MAX_WIDTH + 1):
        p = params(t)
        widths[str(t)] = {
            "RF": p.full_rounds,
            "RP": p.partial_rounds,
            "C": [format(c, "x") for row in p.round_constants for c in row],
            "M": [[format(m, "x") for m in row] for row in p.mds],
        }
    doc = {"format": "zkanchor-poseidon-constants", "source": "zkanchor.poseidon.constants", "widths": widths}
    return json.dumps(doc, separators=(",", ":")) + "\n"
