"""``zkanchor explorer``: serve the read-only web explorer of a registry (``zkanchor.explorer``).

    zkanchor explorer --rpc http://127.0.0.1:8545 --registry deployment.json [--port 8547]
    zkanchor explorer --report out/attacks            # a simulator run: its deployment.json and node

The server binds 127.0.0.1 unless ``--host`` says otherwise, holds no keys and sends no
transactions; it runs until interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import add_json_flag


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``explorer`` to the ``zkanchor`` parser."""
    from ..explorer.server import DEFAULT_HOST, DEFAULT_PORT

    p = sub.add_parser(
        "explorer",
        help="serve a read-only web explorer of a registry (verify proofs and receipts in the browser)",
        description="Serve a web page listing a registry's institutions, datasets, anchors, checkpoint runs, "
        "aggregates and erasure requests, where anyone can verify an anchored proof with snarkjs in the page "
        "and a data subject can check their receipt. JSON for scripts under /api/ (see /api/config). "
        "Read-only: no keys, no transactions; 127.0.0.1 only unless --host says otherwise.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--registry", metavar="DEPLOYMENT.json|ADDRESS",
                       help="the registry's deployment record (with its circuits' keys), or just its address")
    where.add_argument("--report", metavar="REPORTDIR",
                       help="a simulator report directory: its deployment.json (and the node it ran on)")
    p.add_argument("--rpc", metavar="URL", default=None,
                   help="JSON-RPC node (default: the one the deployment record names)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free one)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--statements", metavar="DIR", action="append", default=[],
                   help="a directory searched for statement.json files (proof bundles): their descriptions and "
                   "claims are shown next to the anchors they match (repeatable)")
    p.add_argument("--from-block", type=int, default=None, metavar="N",
                   help="with --registry ADDRESS: the block to read events from (default 0)")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    add_json_flag(p)
    p.set_defaults(handler=cmd_explorer)


def _record(args: argparse.Namespace):
    """The deployment record the arguments name (built from the chain for a bare address)."""
    from ..anchor.deployment import load_deployment
    from ..errors import InputError

    if args.report is not None:
        path = Path(args.report) / "deployment.json"
        if not path.is_file():
            raise InputError(f"{args.report!r} has no deployment.json: is it a simulator report directory?")
        return load_deployment(path), None
    text = args.registry.strip()
    if text.startswith("0x") and len(text) == 42 and not Path(text).exists():
        return None, text
    return load_deployment(text), None


def _record_for_address(chain, address: str, from_block: int | None):
    from web3 import Web3

    from ..anchor.deployment import record_for
    from ..anchor.registry import Registry, compile_registry
    from ..errors import InputError

    if not Web3.is_address(address):
        raise InputError(f"{address!r} is not an Ethereum address")
    if from_block is not None and from_block < 0:
        raise InputError("--from-block must be a non-negative block number")
    registry = Registry(chain=chain, address=address, abi=list(compile_registry().abi), deploy_block=from_block or 0)
    if not chain.w3.eth.get_code(registry.address):
        raise InputError(f"there is no contract at {address} on this chain")
    return record_for(registry, chain.url)


def cmd_explorer(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import json

    from ..chain import connect
    from ..errors import InputError
    from ..explorer import Explorer, StatementIndex, make_server

    if not 0 <= args.port < 65536:
        raise InputError(f"--port must be 0..65535, not {args.port}")
    record, address = _record(args)
    rpc = args.rpc or (record.rpc if record is not None else None)
    if rpc is None:
        if args.report is not None:
            raise InputError("this simulation ran on an embedded chain, which ended with the run: rerun it with "
                             "'zkanchor simulate ... --rpc URL' to explore it")
        raise InputError("give the node with --rpc URL (the deployment record names none)")
    chain = connect(rpc, expected_chain_id=record.chain_id if record is not None else None)
    if record is None:
        record = _record_for_address(chain, address, args.from_block)
    explorer = Explorer(chain, record, StatementIndex(args.statements))
    try:
        server = make_server(explorer, host=args.host, port=args.port, verbose=args.verbose)
    except OSError as exc:
        raise InputError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from None
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    if args.json:
        sys.stdout.write(json.dumps({"url": server.url, "registry": record.registry, "rpc": rpc,
                                     "statements": len(explorer.statements.by_inputs)}) + "\n")
    else:
        sys.stdout.write(f"zkanchor explorer of registry {record.registry} (chain {record.chain_id}, node {rpc}) "
                         f"at {server.url} — Ctrl-C to stop\n")
    if not loopback:
        sys.stderr.write(f"zkanchor: warning: listening on {args.host}, not only this machine: anyone who can reach "
                         "it can read the registry through it (it stays read-only)\n")
    for problem in explorer.statements.skipped[:10]:
        sys.stderr.write(f"zkanchor: warning: statement skipped: {problem}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.stderr.write("zkanchor: explorer stopped\n")
    finally:
        server.server_close()
    return 0
