"""A read-only web explorer of a zkanchor registry, for auditors and data subjects.

    from zkanchor.chain import connect
    from zkanchor.anchor import load_deployment
    from zkanchor.explorer import Explorer, make_server

    explorer = Explorer(connect("http://127.0.0.1:8545"), load_deployment("deployment.json"))
    server = make_server(explorer, port=8547)        # 127.0.0.1 only, unless host= says otherwise
    server.serve_forever()                           # or: zkanchor explorer --rpc URL --registry deployment.json

The page (``assets/``: plain HTML, JS and CSS, no build step, nothing from the network)
lists institutions, datasets, anchors, checkpoint runs, aggregates and erasure requests
from the server's JSON API (:mod:`.server`).  Each anchored proof can be verified in the
page with snarkjs: proof and public inputs decoded from the anchoring transaction (fetched
through the server's read-only relay), the verification key compared with the chain (the
circuit's registered verifier, whose code must embed the key, and a call to that
verifier).  A data subject opens a receipt and the page recomputes their record's leaf,
path and dataset commitment (Poseidon in JS), then checks presence, or absence through an
anchored erasure proof it verifies itself.
"""

from .data import Explorer, StatementIndex
from .server import API_ROUTES, DEFAULT_HOST, DEFAULT_PORT, ExplorerServer, make_server, serve_in_thread

__all__ = ["API_ROUTES", "DEFAULT_HOST", "DEFAULT_PORT", "Explorer", "ExplorerServer", "StatementIndex", "make_server",
           "serve_in_thread"]
