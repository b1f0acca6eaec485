"""Chain access: connecting, deploying and transacting with explicit gas, revert reasons."""

from __future__ import annotations

import http.server
import shutil
import threading

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector as selector
from web3.middleware import Web3Middleware

from zkanchor import chain as chainmod
from zkanchor.chain import DEFAULT_DEPLOY_GAS, connect, describe_revert
from zkanchor.errors import ChainError
from zkanchor.paths import node_modules_dir
from zkanchor.solidity.compiler import CompiledContract, compile_source

from anvil import free_port

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
needs_compiler = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

BOX = """// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.4;
contract Box {
    error Nope(uint256 code, address who);
    uint256 public value;
    constructor(uint256 v) { value = v; }
    function set(uint256 v) external {
        require(v != 13, "unlucky number");
        if (v == 42) revert Nope(42, msg.sender);
        value = 100 / (v - 7) + v;   // v = 7 divides by zero: a Panic
    }
    function spin(uint256 n) external { for (uint256 i = 0; i < n; i++) { value += i; } }
}
"""


@pytest.fixture(scope="module")
def box_compiled():
    if not HAVE_SOLCJS:
        pytest.skip("needs node and the npm package solc; run scripts/setup.sh")
    return compile_source(BOX, "Box")


@pytest.fixture(params=["embedded", "anvil"])
def any_chain(request):
    """The embedded chain, and a real JSON-RPC node (anvil) which mines failing transactions."""
    if request.param == "embedded":
        return connect()
    return connect(request.getfixturevalue("anvil_url"))


def _record_requests(chain) -> list[str]:
    """Every JSON-RPC method web3 sends from now on (to prove which it never sends)."""
    methods: list[str] = []

    class Recorder(Web3Middleware):
        def request_processor(self, method, params):
            methods.append(method)
            return method, params

    chain.w3.middleware_onion.add(Recorder, "zkanchor-test-recorder")
    return methods


# ---------------------------------------------------------------- connecting

def test_embedded_chain_has_funded_unlocked_accounts():
    chain = connect()
    assert chain.kind == "embedded" and chain.url is None
    assert len(chain.accounts) == 10 and chain.default_account == chain.accounts[0]
    assert chain.balance() > 10**18
    assert isinstance(chain.chain_id, int)


def test_an_unreachable_url_is_one_sentence():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChainError) as info:
        connect(url, timeout=3)
    message = str(info.value)
    assert url in message and "check the URL and that the node is running" in message
    assert "\n" not in message


def test_a_server_that_is_not_json_rpc_is_refused():
    class NotRpc(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotRpc)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ChainError, match="did not answer eth_chainId"):
            connect(url, timeout=3)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("url", ["ws://127.0.0.1:8545", "127.0.0.1:8545", "ipc:///tmp/geth.ipc"])
def test_only_http_urls_are_accepted(url):
    with pytest.raises(ChainError, match="is not an http"):
        connect(url)


def test_the_wrong_chain_is_refused():
    chain_id = connect().chain_id
    with pytest.raises(ChainError, match=f"is chain id {chain_id}, not the expected 1"):
        connect(expected_chain_id=1)


@pytest.mark.node
def test_anvil_gives_its_unlocked_accounts(anvil_url):
    chain = connect(anvil_url, expected_chain_id=31337)
    assert chain.kind == "rpc" and chain.url == anvil_url
    assert len(chain.accounts) >= 1 and chain.balance() > 0


# ---------------------------------------------------------------- deploying and transacting

@pytest.mark.node
@needs_compiler
def test_deploy_transact_call_always_with_explicit_gas(any_chain, box_compiled):
    methods = _record_requests(any_chain)
    deployed = any_chain.deploy(box_compiled, 5)
    assert deployed.gas_used == deployed.receipt["gasUsed"] > 0
    assert any_chain.w3.eth.get_transaction(deployed.receipt["transactionHash"])["gas"] == DEFAULT_DEPLOY_GAS
    assert any_chain.call(deployed.contract.functions.value()) == 5
    receipt = any_chain.transact(deployed.contract.functions.set(9), gas=123_456)
    assert any_chain.w3.eth.get_transaction(receipt["transactionHash"])["gas"] == 123_456
    assert any_chain.call(deployed.contract.functions.value()) == 100 // 2 + 9
    assert "eth_estimateGas" not in methods and "eth_sendTransaction" in methods


@pytest.mark.node
@needs_compiler
def test_failures_name_their_reason(any_chain, box_compiled):
    box = any_chain.deploy(box_compiled, 1).contract
    sender = any_chain.default_account
    with pytest.raises(ChainError, match="the call to set reverted: unlucky number"):
        any_chain.transact(box.functions.set(13))
    with pytest.raises(ChainError, match=f"reverted with Nope\\(42, {sender}\\)"):
        any_chain.transact(box.functions.set(42))
    with pytest.raises(ChainError, match=r"panicked with code 0x12 \(a division or modulo by zero\)"):
        any_chain.transact(box.functions.set(7))
    with pytest.raises(ChainError, match=r"ran out of gas \(limit 60,000\)"):
        any_chain.transact(box.functions.spin(1000), gas=60_000)
    with pytest.raises(ChainError, match=f"set reverted with Nope\\(42, {sender}\\)"):
        any_chain.call(box.functions.set(42))
    assert any_chain.call(box.functions.value()) == 1  # nothing above took effect


@pytest.mark.node
@needs_compiler
def test_a_local_private_key_signs(box_compiled):
    key = Account.create()
    chain = connect(private_key=key.key)
    assert chain.default_account == key.address and len(chain.accounts) == 11
    funder = chain.accounts[1]
    tx = chain.w3.eth.send_transaction({"from": funder, "to": key.address, "value": 10**18, "gas": 21_000})
    chain.w3.eth.wait_for_transaction_receipt(tx)
    deployed = chain.deploy(box_compiled, 3)
    assert deployed.receipt["from"] == key.address
    with pytest.raises(ChainError, match="not a valid 32-byte secp256k1 key"):
        connect(private_key="0x1234")


@pytest.mark.node
@needs_compiler
@pytest.mark.parametrize("where", ["embedded", "anvil"])
def test_an_unfunded_account_is_one_sentence_naming_it(where, box_compiled, request):
    key = Account.create()
    chain = connect(None if where == "embedded" else request.getfixturevalue("anvil_url"), private_key=key.key)
    with pytest.raises(ChainError) as caught:
        chain.deploy(box_compiled, 3)
    message = str(caught.value)
    assert f"the account {key.address} cannot pay for its gas (balance 0 wei)" in message
    assert "{" not in message and "\n" not in message


def test_node_messages_are_one_line_cut_between_words():
    error_object = ValueError({"code": -32000, "message": "word " * 100})
    text = chainmod._node_message(error_object, limit=42)
    assert text.endswith(" …") and len(text) <= 44
    assert all(piece == "word" for piece in text[:-2].split())
    assert chainmod._node_message(ValueError("{'code': -1, 'message': 'nope'}")) == "nope"
    assert chainmod._node_message(RuntimeError("first line\nsecond")) == "first line"


def test_oversized_code_and_bad_constructor_arguments_are_refused():
    chain = connect()
    huge = CompiledContract("Huge", [], "0x00", "0x" + "00" * (chainmod.EIP170_CODE_LIMIT + 1), "h", "v")
    with pytest.raises(ChainError, match="over the 24,576-byte contract size limit"):
        chain.deploy(huge)
    abi = [{"type": "constructor", "inputs": [{"name": "v", "type": "uint256"}], "stateMutability": "nonpayable"}]
    with pytest.raises(ChainError, match="constructor arguments for Tiny do not fit its ABI"):
        chain.deploy(CompiledContract("Tiny", abi, "0x00", "0x00", "h", "v"), "not a number")


# ---------------------------------------------------------------- revert data

def test_describe_revert_decodes_standard_and_custom_errors():
    abi = [
        {"type": "error", "name": "TooLate", "inputs": [{"name": "deadline", "type": "uint64"}]},
        {"type": "error", "name": "Pair", "inputs": [
            {"name": "p", "type": "tuple", "components": [{"name": "a", "type": "uint8"}, {"name": "b", "type": "bytes32"}]},
        ]},
    ]
    error = selector("Error(string)") + abi_encode(["string"], ["no way"])
    assert describe_revert("0x" + error.hex()) == "reverted: no way"
    panic = selector("Panic(uint256)") + abi_encode(["uint256"], [0x11])
    assert describe_revert(panic) == "panicked with code 0x11 (an arithmetic overflow or underflow)"
    late = selector("TooLate(uint64)") + abi_encode(["uint64"], [77])
    assert describe_revert("0x" + late.hex(), abi) == "reverted with TooLate(77)"
    pair = selector("Pair((uint8,bytes32))") + abi_encode(["(uint8,bytes32)"], [(3, b"\x01" * 32)])
    assert describe_revert(pair, abi) == "reverted with Pair(" + str((3, b"\x01" * 32)) + ")"
    assert describe_revert("0xdeadbeef00", abi) == "reverted with unknown error 0xdeadbeef"
    assert describe_revert("0x") == describe_revert(None) == "reverted without a reason"
    assert describe_revert({"data": "0x" + late.hex()}, abi) == "reverted with TooLate(77)"
