"""One place to reach an Ethereum chain: connect, deploy, transact, call.

``connect()`` gives an embedded eth-tester chain (py-evm, in process, 10 funded unlocked
accounts); ``connect("http://…")`` any JSON-RPC node (anvil, geth, a testnet; with
``private_key=`` for nodes that hold no unlocked account).

Every transaction and call carries an explicit gas limit and nothing here ever asks the
node for ``eth_estimateGas``: estimation bisects on "did it revert", and a Groth16
verifier that runs out of gas does not revert, it returns false — so estimation
converges on a limit at which valid proofs are rejected.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import urlparse

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception

from .errors import ChainError
from .solidity.compiler import CompiledContract

DEFAULT_DEPLOY_GAS = 8_000_000  # a 24 KiB contract needs ~5.5M; below Osaka's 2^24 cap per transaction
DEFAULT_TX_GAS = 2_000_000  # a verifier with 9 inputs needs ~0.27M; a registry call adds one of those
DEFAULT_CALL_GAS = 10_000_000
EIP170_CODE_LIMIT = 24_576
RECEIPT_TIMEOUT_S = 120

_PANIC_CODES = {
    0x01: "an assert failed",
    0x11: "an arithmetic overflow or underflow",
    0x12: "a division or modulo by zero",
    0x21: "an invalid enum value",
    0x22: "a bad storage byte array",
    0x31: "pop() on an empty array",
    0x32: "an out-of-bounds array index",
    0x41: "too much memory allocated",
    0x51: "a call to an uninitialised function pointer",
}
_ERROR_SELECTOR = function_signature_to_4byte_selector("Error(string)")
_PANIC_SELECTOR = function_signature_to_4byte_selector("Panic(uint256)")


# ---------------------------------------------------------------- revert decoding

def _abi_type(param: dict) -> str:
    # Tuples (structs) are spelled out component by component in signatures.
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param.get("components", [])) + ")" + kind[len("tuple"):]
    return kind


def _show(abi_type: str, value: Any) -> str:
    if abi_type == "address":
        return Web3.to_checksum_address(value)
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)


def describe_revert(data: Any, abi: Sequence[dict] = ()) -> str:
    """Human words for revert data: ``Error(string)``, ``Panic(uint256)`` or a custom error in ``abi``."""
    if isinstance(data, dict):  # some nodes wrap it: {"data": "0x…"}
        data = data.get("data")
    if not isinstance(data, (str, bytes)) or not data:
        return "reverted without a reason"
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else data
    if len(raw) < 4:
        return "reverted without a reason"
    selector, body = raw[:4], raw[4:]
    try:
        if selector == _ERROR_SELECTOR:
            return f"reverted: {abi_decode(['string'], body)[0]}"
        if selector == _PANIC_SELECTOR:
            code = abi_decode(["uint256"], body)[0]
            return f"panicked with code {code:#x} ({_PANIC_CODES.get(code, 'unknown panic')})"
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [_abi_type(p) for p in entry.get("inputs", [])]
            if function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})") == selector:
                args = abi_decode(types, body)
                shown = ", ".join(_show(t, v) for t, v in zip(types, args))
                return f"reverted with {entry['name']}({shown})"
    except Exception:  # undecodable body: fall through to the raw selector  # noqa: BLE001
        pass
    return f"reverted with unknown error 0x{raw[:4].hex()}"


def _revert_text(exc: Exception, abi: Sequence[dict]) -> str:
    if isinstance(exc, ContractLogicError):
        text = describe_revert(exc.data, abi)
        if text == "reverted without a reason" and exc.message and "revert" in exc.message:
            return exc.message
        return text
    # eth-tester's TransactionFailed: "execution reverted: <reason>", where a reason that
    # is not an Error(string) arrives as the repr of the raw revert bytes.
    text = str(exc.args[0]) if exc.args else ""
    text = text.removeprefix("execution reverted: ").removeprefix("execution reverted")
    if text.startswith(("b'", 'b"')):
        try:
            return describe_revert(ast.literal_eval(text), abi)
        except (ValueError, SyntaxError):
            pass
    return f"reverted: {text}" if text else "reverted without a reason"


def _node_message(exc: Exception, limit: int = 200) -> str:
    """One readable line from a node's error: the ``message`` of a JSON-RPC error object
    (web3 hands those over as a dict or its repr), cut at a word boundary."""
    arg = exc.args[0] if exc.args else ""
    if isinstance(arg, str) and arg.startswith("{"):
        try:
            arg = ast.literal_eval(arg)
        except (ValueError, SyntaxError):
            pass
    text = str(arg.get("message") or arg) if isinstance(arg, dict) else str(arg)
    lines = text.strip().splitlines()
    text = lines[0].strip() if lines else type(exc).__name__
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return text


def _unfunded(text: str) -> bool:
    lowered = text.lower()
    return any(words in lowered for words in ("insufficient funds", "not have enough", "cannot afford"))


def _refusal_errors() -> tuple[type[Exception], ...]:
    # What a node (or eth-tester's py-evm, which validates locally signed transactions
    # with eth_utils' ValidationError) raises when it refuses a transaction outright.
    from eth_utils.exceptions import ValidationError

    return (Web3Exception, ValueError, ValidationError)


def _revert_errors() -> tuple[type[Exception], ...]:
    try:
        from eth_tester.exceptions import TransactionFailed
    except ImportError:  # eth-tester is only needed for the embedded chain
        return (ContractLogicError,)
    return (ContractLogicError, TransactionFailed)


# ---------------------------------------------------------------- chain

@dataclass(frozen=True)
class Deployed:
    """A contract deployed by :meth:`Chain.deploy`."""

    address: str
    contract: Any  # web3 Contract bound to ``address``
    receipt: Any
    gas_used: int


@dataclass
class Chain:
    """A connected chain: ``w3``, its usable ``accounts`` and the ``default_account`` (the first)."""

    w3: Web3
    kind: str  # "embedded" or "rpc"
    url: str | None = None
    accounts: list[str] = field(default_factory=list)

    @property
    def default_account(self) -> str | None:
        """The account transactions come from unless told otherwise."""
        return self.accounts[0] if self.accounts else None

    @property
    def chain_id(self) -> int:
        """The chain id the node reports."""
        return self.w3.eth.chain_id

    def _sender(self, sender: str | None) -> str:
        sender = sender or self.default_account
        if sender is None:
            raise ChainError(
                f"the node at {self.url} has no unlocked account to send from; pass private_key= to connect()"
            )
        return sender

    def contract(self, address: str, abi: Sequence[dict]) -> Any:
        """A web3 Contract object for an already deployed contract."""
        try:
            return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=list(abi))
        except (ValueError, TypeError) as exc:
            raise ChainError(f"{address!r} is not a usable contract address ({exc})") from None

    def _send(self, fn_call: Any, tx: dict, abi: Sequence[dict], what: str) -> Any:
        try:
            tx_hash = fn_call.transact(tx)
        except _revert_errors() as exc:  # nodes that execute on submission (eth-tester) raise here
            raise ChainError(f"{what} {_revert_text(exc, abi)}") from None
        except _refusal_errors() as exc:  # ValueError: bad argument types, or a node's error object
            message = _node_message(exc)
            if _unfunded(message):
                raise ChainError(
                    f"{what} was refused: the account {tx['from']} cannot pay for its gas "
                    f"(balance {self.w3.eth.get_balance(tx['from'])} wei); fund it or send from another account"
                ) from None
            if not isinstance(exc, ValueError):
                raise ChainError(f"{what} was refused by the node: {message}") from None
            raise ChainError(f"{what} could not be sent: {message}") from None
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_S)
        except Web3Exception as exc:
            raise ChainError(f"{what} was sent but no receipt came back: {exc}") from None
        if receipt["status"] != 1:
            error = ChainError(f"{what} {self._failure_reason(tx, receipt, abi)}")
            error.receipt = receipt
            raise error
        return receipt

    def _failure_reason(self, tx: dict, receipt: Any, abi: Sequence[dict]) -> str:
        if receipt["gasUsed"] >= tx["gas"]:
            return f"ran out of gas (limit {tx['gas']:,}); pass a larger gas="
        # Nodes that mine reverting transactions (anvil, geth) keep no reason in the
        # receipt: replay the transaction as a call on the state it ran against.
        original = self.w3.eth.get_transaction(receipt["transactionHash"])
        replay = {k: original[k] for k in ("from", "to", "input", "value", "gas") if original.get(k) is not None}
        replay["data"] = replay.pop("input", b"")
        try:
            self.w3.eth.call(replay, block_identifier=max(receipt["blockNumber"] - 1, 0))
        except _revert_errors() as exc:
            return _revert_text(exc, abi)
        except Web3Exception:
            pass
        return "reverted (the reason could not be recovered)"

    def deploy(self, compiled: CompiledContract, *args: Any, sender: str | None = None, gas: int = DEFAULT_DEPLOY_GAS) -> Deployed:
        """Deploy ``compiled`` with constructor ``args``; raises ChainError if it fails."""
        if compiled.deployed_size > EIP170_CODE_LIMIT:
            raise ChainError(
                f"{compiled.contract_name} is {compiled.deployed_size:,} bytes, over the "
                f"{EIP170_CODE_LIMIT:,}-byte contract size limit (EIP-170)"
            )
        factory = self.w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
        try:
            constructor = factory.constructor(*args)
        except (Web3Exception, TypeError, ValueError) as exc:
            raise ChainError(f"the constructor arguments for {compiled.contract_name} do not fit its ABI: {exc}") from None
        tx = {"from": self._sender(sender), "gas": int(gas)}
        receipt = self._send(constructor, tx, compiled.abi, f"deploying {compiled.contract_name}")
        address = receipt["contractAddress"]
        return Deployed(address, self.contract(address, compiled.abi), receipt, receipt["gasUsed"])

    def transact(self, fn_call: Any, sender: str | None = None, gas: int = DEFAULT_TX_GAS, value: int = 0) -> Any:
        """Send ``contract.functions.f(...)`` as a transaction with an explicit gas limit.

        Returns the receipt; raises ChainError naming the revert reason or custom error
        (with the receipt as ``.receipt`` when the failed transaction was mined).
        """
        tx = {"from": self._sender(sender), "gas": int(gas)}
        if value:
            tx["value"] = int(value)
        return self._send(fn_call, tx, getattr(fn_call, "contract_abi", ()), f"the call to {fn_call.fn_name}")

    def call(self, fn_call: Any, sender: str | None = None, gas: int = DEFAULT_CALL_GAS,
             block: str | int = "latest", abi: Sequence[dict] | None = None) -> Any:
        """Evaluate ``contract.functions.f(...)`` without a transaction (explicit gas).

        ``block`` is the block to run on: "pending" runs in the context the next
        transaction will see (its block.number), which rules that compare block numbers
        need.  ``abi`` decodes custom errors from other contracts than the called one.
        """
        tx: dict = {"gas": int(gas)}
        if sender or self.default_account:
            tx["from"] = sender or self.default_account
        try:
            return fn_call.call(tx, block_identifier=block)
        except _revert_errors() as exc:
            abi = abi if abi is not None else getattr(fn_call, "contract_abi", ())
            raise ChainError(f"{fn_call.fn_name} {_revert_text(exc, abi)}") from None
        except Web3Exception as exc:
            raise ChainError(f"calling {fn_call.fn_name} failed: {exc}") from None

    def balance(self, account: str | None = None) -> int:
        """Balance in wei of ``account`` (default: the default account)."""
        return self.w3.eth.get_balance(account or self._sender(None))


# ---------------------------------------------------------------- connecting

def _embedded() -> Web3:
    from eth_tester import EthereumTester, PyEVMBackend
    from web3 import EthereumTesterProvider

    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


def _http(url: str, timeout: float) -> Web3:
    # No retries: an unreachable URL should fail in one timeout, not after back-offs.
    from web3 import HTTPProvider

    return Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None))


def connect(
    rpc: str | None = None,
    *,
    private_key: str | bytes | None = None,
    expected_chain_id: int | None = None,
    timeout: float = 10.0,
) -> Chain:
    """Connect to a chain: None → a fresh embedded eth-tester chain; an http(s) URL → that node.

    ``private_key`` signs locally (for nodes without unlocked accounts) and becomes the
    default account; ``expected_chain_id`` guards against talking to the wrong network.
    Raises ChainError with one sentence when the node cannot be used.
    """
    if rpc is None:
        w3, kind = _embedded(), "embedded"
    else:
        scheme = urlparse(rpc).scheme
        if scheme not in ("http", "https"):
            raise ChainError(f"{rpc!r} is not an http(s) JSON-RPC URL (like http://127.0.0.1:8545)")
        w3, kind = _http(rpc, timeout), "rpc"
    where = "the embedded chain" if rpc is None else f"the JSON-RPC node at {rpc}"
    try:
        chain_id = w3.eth.chain_id
        accounts = list(w3.eth.accounts)
    except Exception as exc:  # connection refused, timeout, not JSON-RPC at all  # noqa: BLE001
        reason = _node_message(exc)
        raise ChainError(
            f"cannot use {where}: it did not answer eth_chainId/eth_accounts ({reason}); "
            "check the URL and that the node is running"
        ) from None
    if expected_chain_id is not None and chain_id != expected_chain_id:
        raise ChainError(f"{where} is chain id {chain_id}, not the expected {expected_chain_id}")
    if private_key is not None:
        from eth_account import Account
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        try:
            account = Account.from_key(private_key)
        except (ValueError, TypeError):
            raise ChainError("the private key is not a valid 32-byte secp256k1 key") from None
        w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(account), layer=0)
        accounts = [account.address] + [a for a in accounts if a != account.address]
    return Chain(w3=w3, kind=kind, url=rpc, accounts=accounts)
