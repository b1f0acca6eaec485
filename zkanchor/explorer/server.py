"""The explorer's HTTP server: static assets, the JSON API and a read-only JSON-RPC relay.

Standard library only (``http.server.ThreadingHTTPServer``).  It binds 127.0.0.1 unless told
otherwise, holds no keys and sends no transactions: the relay forwards a fixed list of
read methods to the node and nothing else.

Routes (all GET unless said otherwise)::

    /                              the page (assets/index.html)
    /assets/NAME                   a file of the package's assets/ folder (exact names only)
    /api/config                    registry, chain id, the relay's path, the deployment record's circuits
    /api/overview                  everything below in one object (what the page reads)
    /api/institutions              institutions with their record
    /api/institutions/ADDRESS      one institution, its datasets, anchors, runs, aggregates, requests
    /api/datasets                  dataset anchors
    /api/anchors                   training, aggregate, erasure and validity anchors
    /api/anchors/STATEMENT_HASH    one anchor
    /api/runs                      checkpoint runs (complete, in progress, broken)
    /api/aggregates                federated aggregates
    /api/erasures                  erasure requests (answered, pending, overdue) and answers
    /api/circuits                  registered circuits, with the deployment record's keys
    /api/statements/STATEMENT_HASH the supplied statement.json matching an anchor (404 if none)
    POST /rpc                      JSON-RPC relay: eth_chainId, eth_blockNumber, eth_getCode, eth_call,
                                   eth_getTransactionByHash, eth_getTransactionReceipt, eth_getBlockByNumber

Every JSON body escapes ``<``, ``>`` and ``&`` (as ``\\u003c`` ...), every response carries
``X-Content-Type-Options: nosniff`` and a Content-Security-Policy; requests whose Host header
is not the server's own are refused (DNS rebinding), and so are POSTs that are not
``application/json`` (cross-site form posts).
"""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import unquote, urlsplit

from ..fileio import MAX_JSON_NESTING, json_nesting_depth
from .data import Explorer

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8547
MAX_BODY = 256 * 1024
RELAY_METHODS = frozenset({
    "eth_chainId", "eth_blockNumber", "eth_getCode", "eth_call", "eth_getTransactionByHash",
    "eth_getTransactionReceipt", "eth_getBlockByNumber",
})
MAX_BATCH = 32
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; "
       "style-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


def asset_table(directory: Path = ASSETS) -> dict[str, Callable[[], bytes]]:
    """What /assets/NAME serves, by exact name — the only files the server ever reads.

    The package's own files; the Poseidon constants, generated from zkanchor's (so they
    cannot drift from the Python side); and snarkjs's browser build, read from the npm
    package where the user installed it (snarkjs is GPL-3.0: zkanchor does not ship it).
    Without snarkjs the page still checks every binding and asks the verifier contract,
    and says that the in-page proof check is unavailable.
    """
    from ..paths import node_modules_dir
    from .vendor import POSEIDON_FILE, SNARKJS_FILE, SNARKJS_SOURCE, poseidon_constants_json

    table: dict[str, Callable[[], bytes]] = {
        p.name: p.read_bytes for p in sorted(directory.iterdir()) if p.is_file() and _ASSET_NAME.fullmatch(p.name)
    }
    table[POSEIDON_FILE] = functools.cache(lambda: poseidon_constants_json().encode())
    snarkjs = node_modules_dir().joinpath(*SNARKJS_SOURCE)
    if snarkjs.is_file():
        table[SNARKJS_FILE] = snarkjs.read_bytes
    return table


def json_bytes(obj: Any) -> bytes:
    """JSON with <, > and & escaped: data, never markup, wherever it ends up."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


class Relay:
    """Forward read-only JSON-RPC calls to the chain's node, unmodified."""

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer
        self._lock = threading.Lock() if explorer.chain.kind == "embedded" else None

    def call(self, request: Any) -> dict:
        """One JSON-RPC request object in, one response object out (errors as JSON-RPC errors)."""
        if not isinstance(request, dict):
            return _rpc_error(None, -32600, "a request must be a JSON object")
        rid = request.get("id")
        if not isinstance(rid, (int, str, type(None))) or isinstance(rid, bool):
            rid = None
        method, params = request.get("method"), request.get("params", [])
        if method not in RELAY_METHODS:
            return _rpc_error(rid, -32601, f"the explorer relays only {', '.join(sorted(RELAY_METHODS))}")
        if not isinstance(params, list) or len(params) > 4:
            return _rpc_error(rid, -32602, "params must be a short list")
        if method == "eth_call":
            params = _call_params(params)
            if params is None:
                return _rpc_error(rid, -32602, "eth_call takes [{to, data}, block]")
        try:
            if self._lock is not None:
                with self._lock:
                    answer = self._embedded(method, params)
            else:
                answer = self.explorer.chain.w3.provider.make_request(method, params)
        except Exception as exc:  # the node is down, or refused: a JSON-RPC error for the page  # noqa: BLE001
            return _rpc_error(rid, -32000, f"the node did not answer: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}")
        answer = dict(answer)
        out = {"jsonrpc": "2.0", "id": rid}
        if "error" in answer:
            error = answer["error"]
            out["error"] = error if isinstance(error, dict) else {"code": -32000, "message": str(error)}
        else:
            out["result"] = _plain(answer.get("result"))
        return out


    def _embedded(self, method: str, params: list) -> dict:
        """The embedded chain's provider answers in eth-tester's own shapes: go through web3's
        formatters instead, so the page sees what a JSON-RPC node would send."""
        from web3.exceptions import TransactionNotFound

        eth = self.explorer.chain.w3.eth
        try:
            if method == "eth_chainId":
                result: Any = eth.chain_id
            elif method == "eth_blockNumber":
                result = eth.block_number
            elif method == "eth_getCode":
                result = eth.get_code(params[0], params[1] if len(params) > 1 else "latest")
            elif method == "eth_call":
                result = eth.call(params[0], params[1])
            elif method == "eth_getTransactionByHash":
                result = eth.get_transaction(params[0])
            elif method == "eth_getTransactionReceipt":
                result = eth.get_transaction_receipt(params[0])
            else:  # eth_getBlockByNumber
                result = eth.get_block(params[0] if params else "latest", bool(params[1]) if len(params) > 1 else False)
        except TransactionNotFound:
            result = None
        return {"result": result}


def _call_params(params: list) -> Optional[list]:
    if not params or not isinstance(params[0], dict):
        return None
    call = params[0]
    to, data = call.get("to"), call.get("data", call.get("input"))
    if not (isinstance(to, str) and _ADDRESS.fullmatch(to)) or not (isinstance(data, str) and re.fullmatch(r"0x[0-9a-fA-F]*", data)):
        return None
    if len(data) > 2 * MAX_BODY:
        return None
    block = params[1] if len(params) > 1 else "latest"
    if not (block in ("latest", "pending", "earliest", "safe", "finalized") or
            (isinstance(block, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,16}", block))):
        return None
    return [{"to": to, "data": data}, block]


def _plain(value: Any) -> Any:
    """A node answer as JSON (eth-tester hands back bytes and AttributeDicts)."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in dict(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    return str(value)


def _rpc_error(rid: Any, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


class ExplorerServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows its Explorer, its relay and its assets."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], explorer: Explorer, verbose: bool = False,
                 extra_hosts: tuple[str, ...] = ()) -> None:
        self.explorer = explorer
        self.relay = Relay(explorer)
        self.assets = asset_table()
        self.verbose = verbose
        self.extra_hosts = tuple(h.lower() for h in extra_hosts)
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def host_allowed(self, header: str | None) -> bool:
        """Whether a Host header names this server (loopback names, its bind address, --host)."""
        if not header:
            return False
        port = self.server_address[1]
        host = header.strip().lower()
        names = {"127.0.0.1", "localhost", "[::1]", str(self.server_address[0]).lower(), *self.extra_hosts}
        return any(host in (name, f"{name}:{port}") for name in names)


class Handler(BaseHTTPRequestHandler):
    """Routes of :mod:`zkanchor.explorer.server` (see the module docstring)."""

    server: ExplorerServer
    server_version = "zkanchor-explorer"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # -- plumbing ---------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            sys.stderr.write("explorer: " + (format % args) + "\n")

    def _send(self, status: int, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "max-age=300" if cache else "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json_bytes(obj), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    def _guard(self) -> bool:
        if not self.server.host_allowed(self.headers.get("Host")):
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "this explorer answers only to its own address")
            return False
        return True

    # -- methods ----------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        if not self._guard():
            return
        raw = self.path
        path = urlsplit(raw).path
        decoded = unquote(path)
        if ("\\" in raw or "\0" in decoded or "\\" in decoded or "/../" in decoded + "/" or "/./" in decoded + "/"
                or "//" in decoded or not decoded.startswith("/")):
            self._error(HTTPStatus.NOT_FOUND, "no such page")
            return
        try:
            if decoded in ("/", "/index.html"):
                self._asset("index.html")
            elif decoded == "/favicon.ico":
                self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")
            elif decoded.startswith("/assets/"):
                self._asset(decoded[len("/assets/"):])
            elif decoded.startswith("/api/"):
                self._api(decoded[len("/api/"):].rstrip("/"))
            else:
                self._error(HTTPStatus.NOT_FOUND, "no such page")
        except Exception as exc:  # one sentence to the page, never a traceback  # noqa: BLE001
            self._error(HTTPStatus.BAD_GATEWAY, f"the explorer could not read the chain: "
                                                f"{str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}")

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        if not self._guard():
            return
        if urlsplit(self.path).path != "/rpc":
            self._error(HTTPStatus.NOT_FOUND, "only /rpc takes POST")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "POST /rpc takes application/json")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is required")
            return
        if not 0 < length <= MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a request body is at most {MAX_BODY} bytes")
            return
        body = self.rfile.read(length)
        try:
            # Depth first: py_ecc lifts the recursion limit, so a body of '[' would crash the parser.
            if json_nesting_depth(body.decode("utf-8")) > MAX_JSON_NESTING:
                raise ValueError("nested too deeply")
            request = json.loads(body)
        except ValueError:
            self._json(_rpc_error(None, -32700, "the body is not JSON"))
            return
        if isinstance(request, list):
            if not 0 < len(request) <= MAX_BATCH:
                self._json(_rpc_error(None, -32600, f"a batch holds 1 to {MAX_BATCH} requests"))
                return
            self._json([self.server.relay.call(r) for r in request])
        else:
            self._json(self.server.relay.call(request))

    def _refuse(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "the explorer is read-only")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse  # noqa: N815

    # -- routes -----------------------------------------------------------------

    def _asset(self, name: str) -> None:
        load = self.server.assets.get(name)  # exact names only: no path ever reaches the file system
        if load is None:
            self._error(HTTPStatus.NOT_FOUND, "no such asset")
            return
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        self._send(200, load(), CONTENT_TYPES.get(suffix, "application/octet-stream"),
                   cache=name.startswith(("snarkjs", "poseidon")))

    def _api(self, route: str) -> None:
        explorer = self.server.explorer
        parts = route.split("/")
        if route == "config":
            self._json(config(explorer))
            return
        snap = explorer.snapshot()
        simple: dict[str, Callable[[], Any]] = {
            "overview": lambda: snap,
            "institutions": lambda: snap["institutions"],
            "datasets": lambda: snap["datasets"],
            "anchors": lambda: snap["anchors"],
            "runs": lambda: snap["runs"],
            "aggregates": lambda: snap["aggregates"],
            "erasures": lambda: snap["erasures"],
            "circuits": lambda: snap["circuits"],
        }
        if route in simple:
            self._json(simple[route]())
        elif len(parts) == 2 and parts[0] == "institutions" and _ADDRESS.fullmatch(parts[1]):
            found = institution_view(snap, parts[1])
            self._json(found) if found is not None else self._error(HTTPStatus.NOT_FOUND, "no such institution")
        elif len(parts) == 2 and parts[0] == "anchors" and _HEX32.fullmatch(parts[1]):
            found = next((a for a in snap["anchors"] if a["statement_hash"].lower() == parts[1].lower()), None)
            self._json(found) if found is not None else self._error(HTTPStatus.NOT_FOUND, "no such anchor")
        elif len(parts) == 2 and parts[0] == "statements" and _HEX32.fullmatch(parts[1]):
            anchor = next((a for a in snap["anchors"] if a["statement_hash"].lower() == parts[1].lower()), None)
            known = explorer.statements.find(int(i["value"]) for i in anchor["inputs"]) if anchor else None
            if known is None:
                self._error(HTTPStatus.NOT_FOUND, "no supplied statement.json matches this anchor")
            else:
                self._json({"file": known.path, "statement": known.document})
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such API route (see /api/config for the list)")


API_ROUTES = ["/api/config", "/api/overview", "/api/institutions", "/api/institutions/ADDRESS", "/api/datasets",
              "/api/anchors", "/api/anchors/STATEMENT_HASH", "/api/runs", "/api/aggregates", "/api/erasures",
              "/api/circuits", "/api/statements/STATEMENT_HASH", "POST /rpc"]


def config(explorer: Explorer) -> dict:
    """What the page needs before anything else."""
    from .. import __version__

    return {
        "explorer": {"version": __version__, "routes": API_ROUTES, "relay": "/rpc",
                     "relay_methods": sorted(RELAY_METHODS)},
        "registry": explorer.registry_info(),
        "node": {"kind": explorer.chain.kind, "chain_id": explorer.chain.chain_id},
    }


def institution_view(snap: dict, address: str) -> Optional[dict]:
    """One institution with everything it anchored (None if it was never registered)."""
    found = next((i for i in snap["institutions"] if i["address"].lower() == address.lower()), None)
    if found is None:
        return None
    who = found["address"]
    return {
        **found,
        "datasets": [d for d in snap["datasets"] if d["institution"] == who],
        "anchors": [a for a in snap["anchors"] if a["institution"] == who],
        "runs": [r for r in snap["runs"] if r["institution"] == who],
        "aggregates": [a for a in snap["aggregates"] if a["institution"] == who
                       or any(m["institution"] == who for m in a["members"])],
        "erasure_requests": [r for r in snap["erasures"]["requests"] if str(r.get("institution", "")).lower() == who.lower()],
    }


def make_server(explorer: Explorer, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, verbose: bool = False) -> ExplorerServer:
    """A server bound to ``host:port`` (port 0: any free one); call ``serve_forever`` on it."""
    return ExplorerServer((host, port), explorer, verbose=verbose, extra_hosts=(host,))


def serve_in_thread(server: ExplorerServer) -> threading.Thread:
    """Serve on a daemon thread (tests, scripts); stop with ``server.shutdown(); server.server_close()``."""
    thread = threading.Thread(target=server.serve_forever, name="zkanchor-explorer", daemon=True)
    thread.start()
    return thread
