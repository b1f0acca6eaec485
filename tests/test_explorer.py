"""The explorer (zkanchor.explorer): its JSON API over a small registry on the embedded chain, the
read-only relay, path traversal, attacker-controlled names returned as data, the generated and
borrowed assets, and the page's JS cryptography (zk.js, run in node) against zkanchor's own.

The browser itself is exercised in tests/test_explorer_browser.py (slow)."""

from __future__ import annotations

import atexit
import functools
import hashlib
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from zkanchor.anchor import CircuitRecord, Registry, deploy_registry, record_for, save_deployment
from zkanchor.anchor.encoding import circuit_id_bytes, proof_words, statement_hash
from zkanchor.bn254.constants import R
from zkanchor.chain import connect
from zkanchor.explorer import Explorer, StatementIndex, make_server, serve_in_thread
from zkanchor.explorer import vendor
from zkanchor.explorer.server import ASSETS, json_bytes
from zkanchor.groth16 import prove, setup
from zkanchor.groth16.snarkjs_json import vk_to_json
from zkanchor.paths import node_modules_dir
from zkanchor.r1cs import ConstraintSystem
from zkanchor.solidity.onchain import deploy_verifier

HAVE_NODE = shutil.which("node") is not None
HAVE_SOLCJS = HAVE_NODE and (node_modules_dir() / "solc" / "package.json").is_file()
needs_solc = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")
needs_node = pytest.mark.skipif(not HAVE_NODE, reason="needs node to run the page's zk.js")

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
CIRCUIT = "toy-train-v1"
CIRCUIT_HASH = "0x" + "c1" * 32
SPEC_DIGEST = 33


# ---------------------------------------------------------------- a small registry


def toy_circuit(values, secret: int = 7):
    """Public inputs ``values``, each tied to a private value by one constraint."""
    cs = ConstraintSystem()
    pubs = [cs.public(f"input{i}", v) for i, v in enumerate(values)]
    s = cs.private("secret", secret)
    for p in pubs:
        cs.mul(s, p, "tie")
    return cs.build(), cs.witness()


def toy_prove(pk, values):
    r1cs, witness = toy_circuit(values)
    return prove(pk, r1cs, witness)


@pytest.fixture(scope="module")
def world():
    """An embedded chain: a registry, two institutions (one named like an attack), two datasets,
    a verified anchor, a pending optimistic one and (registry >= 2.1) an erasure request."""
    if not HAVE_SOLCJS:
        pytest.skip("needs node and the npm package solc; run scripts/setup.sh")
    chain = connect()
    admin, alice, mallory, subject = chain.accounts[:4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = setup(toy_circuit([1] * 5)[0])
    registry = deploy_registry(chain, sender=admin, challenge_window=3)
    verifier = deploy_verifier(chain, pk.vk)
    registry.register_institution(alice, "St. Mary", sender=admin)
    registry.register_institution(mallory, EVIL, sender=admin)
    registry.register_circuit(CIRCUIT, verifier.address, 5, "training", CIRCUIT_HASH, SPEC_DIGEST, 0, sender=admin,
                              description=f"toy training statement {EVIL}")
    registry.anchor_dataset(1001, sender=alice)
    registry.anchor_dataset(2002, sender=mallory)
    public = [int(alice, 16), 1001, 11, 22, SPEC_DIGEST]
    proof, public = toy_prove(pk, public)
    verified = registry.anchor_training(CIRCUIT, proof, public, sender=alice)
    opt_proof, opt_public = toy_prove(pk, [int(mallory, 16), 2002, 11, 33, SPEC_DIGEST])
    optimistic = registry.anchor_optimistic(CIRCUIT, opt_public, proof=opt_proof, sender=mallory)
    requested = None
    if hasattr(registry, "request_erasure"):
        requested = registry.request_erasure(alice, 1001, 4242, sender=subject)
    record = record_for(registry, None).with_circuit(CircuitRecord(
        "0x" + circuit_id_bytes(CIRCUIT).hex(), verifier.address, 5, kind="training", circuit_hash=CIRCUIT_HASH,
        spec_digest=SPEC_DIGEST, description="toy", vk=vk_to_json(pk.vk)))
    explorer = Explorer(chain, record)
    server = make_server(explorer, port=0)
    serve_in_thread(server)
    yield {"chain": chain, "registry": registry, "server": server, "alice": alice, "mallory": mallory,
           "verified": verified, "optimistic": optimistic, "public": public, "proof": proof, "pk": pk,
           "verifier": verifier, "requested": requested, "record": record}
    server.shutdown()
    server.server_close()


def request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """A raw HTTP request (the path is sent exactly as given: no client-side normalisation)."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for k, v in sent.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def get_json(server, path: str):
    status, headers, body = request(server, "GET", path)
    assert status == 200, body[:300]
    assert headers["Content-Type"] == "application/json" and headers["X-Content-Type-Options"] == "nosniff"
    return json.loads(body)


def rpc(server, method: str, params: list, headers: dict | None = None):
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).encode()
    status, _, answer = request(server, "POST", "/rpc", body, {"Content-Type": "application/json", **(headers or {})})
    return status, json.loads(answer)


# ---------------------------------------------------------------- the API lists what the chain holds


def test_api_lists_what_the_chain_holds(world):
    snap = get_json(world["server"], "/api/overview")
    registry, alice, mallory = world["registry"], world["alice"], world["mallory"]
    assert snap["registry"]["address"] == registry.address
    assert snap["head"]["block"] == world["chain"].w3.eth.block_number
    assert [(i["address"], i["name"]) for i in snap["institutions"]] == [(alice, "St. Mary"), (mallory, EVIL)]
    assert {(d["institution"], int(d["commitment"], 16)) for d in snap["datasets"]} == {(alice, 1001), (mallory, 2002)}
    anchors = {a["statement_hash"]: a for a in snap["anchors"]}
    verified, optimistic = anchors[world["verified"].value], anchors[world["optimistic"].value]
    assert (verified["kind"], verified["status"], verified["audit"]["verdict"]) == ("verified", "valid", "ok")
    assert [int(i["value"]) for i in verified["inputs"]] == world["public"]
    assert [i["name"] for i in verified["inputs"]] == ["institution", "C_D", "C_W0", "C_W", "spec digest"]
    assert verified["proof_tx"] == verified["tx_hash"] and verified["circuit_id"] == CIRCUIT
    assert (optimistic["kind"], optimistic["status"], optimistic["proof_tx"]) == ("optimistic", "pending", None)
    [circuit] = snap["circuits"]
    assert circuit["name"] == CIRCUIT and circuit["record_matches_chain"] and circuit["vk"]["nPublic"] == 5
    assert circuit["description"] == f"toy training statement {EVIL}"
    record = {i["address"]: i["record"] for i in snap["institutions"]}
    assert (record[alice]["anchors"], record[alice]["valid"]) == (1, 1)
    assert (record[mallory]["anchors"], record[mallory]["pending"], record[mallory]["challenges_lost"]) == (1, 1, 0)
    if world["requested"] is not None:
        [req] = snap["erasures"]["requests"]
        assert snap["erasures"]["supported"] and req["status"] == "pending" and req["institution"] == alice
        assert record[alice]["erasure_requests"] == 1 and record[alice]["overdue_requests"] == 0
    # the per-route views agree with the overview
    assert get_json(world["server"], "/api/anchors") == snap["anchors"]
    one = get_json(world["server"], f"/api/anchors/{world['verified'].value}")
    assert one == verified
    inst = get_json(world["server"], f"/api/institutions/{alice}")
    assert inst["name"] == "St. Mary" and [a["statement_hash"] for a in inst["anchors"]] == [world["verified"].value]
    config = get_json(world["server"], "/api/config")
    assert config["registry"]["address"] == registry.address and "/api/overview" in config["explorer"]["routes"]
    assert request(world["server"], "GET", "/api/institutions/0x" + "00" * 20)[0] == 404
    assert request(world["server"], "GET", "/api/nothing")[0] == 404


def test_snapshot_follows_the_chain_head(world):
    server, chain, registry = world["server"], world["chain"], world["registry"]
    before = get_json(server, "/api/datasets")
    assert get_json(server, "/api/datasets") == before  # cached for one head
    registry.anchor_dataset(3003, sender=world["alice"])
    after = get_json(server, "/api/datasets")
    assert len(after) == len(before) + 1 and int(after[-1]["commitment"], 16) == 3003
    assert get_json(server, "/api/overview")["head"]["block"] == chain.w3.eth.block_number


def test_names_from_the_chain_come_back_as_data_never_markup(world):
    server = world["server"]
    status, headers, body = request(server, "GET", "/api/institutions")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert b"<" not in body and b">" not in body and b"&" not in body
    assert b"\\u003cscript\\u003e" in body
    assert EVIL in [i["name"] for i in json.loads(body)]
    assert json_bytes({"x": "</script><!--&"}) == b'{"x":"\\u003c/script\\u003e\\u003c!--\\u0026"}'
    assert "default-src 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    # the page never turns data into markup
    for name in ("app.js", "zk.js"):
        code = (ASSETS / name).read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, (name, sink)
    page = (ASSETS / "index.html").read_text()
    assert "http://" not in page and "https://" not in page  # nothing from the network


# ---------------------------------------------------------------- only the assets, only reads


@pytest.mark.parametrize("path", [
    "/assets/../server.py", "/assets/../../zkanchor/explorer/server.py", "/../server.py", "/assets/%2e%2e/server.py",
    "/assets/%2E%2E/server.py", "/assets/%2e%2e%2fserver.py", "/assets/..%2fdata.py", "/assets/%2e%2e%2f%2e%2e%2fcli/main.py",
    "/assets/%252e%252e%252fserver.py", "/assets/..\\server.py", "/assets/%5c..%5cserver.py", "/assets/..%5cserver.py",
    "//etc/passwd", "/assets//etc/passwd", "/assets/%2fetc%2fpasswd", "/assets/zk.js%00.png", "/assets/./zk.js",
    "/assets/", "/assets/.", "/assets/..", "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "/server.py", "/assets/__init__.py",
    "/api/../assets/../server.py", "/api/%2e%2e/server.py",
])
def test_paths_outside_the_assets_are_refused(world, path):
    status, _, body = request(world["server"], "GET", path)
    assert status == 404, (path, status)
    assert b"import" not in body and b"root:" not in body


def test_assets_are_served_by_exact_name(world):
    status, headers, body = request(world["server"], "GET", "/assets/zk.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and body == (ASSETS / "zk.js").read_bytes()
    status, headers, body = request(world["server"], "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"zkanchor explorer" in body
    assert request(world["server"], "GET", "/favicon.ico")[0] == 204


def test_the_relay_forwards_reads_only(world):
    server, chain = world["server"], world["chain"]
    tx_hash = world["verified"].tx_hash
    status, answer = rpc(server, "eth_getTransactionByHash", [tx_hash])
    assert status == 200 and answer["id"] == 7
    onchain = chain.w3.eth.get_transaction(tx_hash)
    assert answer["result"]["input"].lower() == "0x" + bytes(onchain["input"]).hex()
    status, answer = rpc(server, "eth_chainId", [])
    assert int(answer["result"], 16) == chain.chain_id
    for method, params in (("eth_sendTransaction", [{"to": world["registry"].address}]), ("eth_accounts", []),
                           ("eth_sign", []), ("personal_unlockAccount", []), ("evm_mine", []), ("anvil_setCode", []),
                           ("eth_sendRawTransaction", ["0x00"])):
        status, answer = rpc(server, method, params)
        assert "result" not in answer and answer["error"]["code"] == -32601, method
    status, answer = rpc(server, "eth_call", [{"to": "not an address", "data": "0x"}, "latest"])
    assert answer["error"]["code"] == -32602
    # what a cross-site page could send, or a DNS-rebinding one, is refused
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    assert request(server, "POST", "/rpc", body, {"Content-Type": "text/plain"})[0] == 415
    assert request(server, "POST", "/rpc", body, {"Content-Type": "application/json", "Host": "evil.example"})[0] == 421
    assert request(server, "GET", "/api/config", None, {"Host": "evil.example:80"})[0] == 421
    assert request(server, "PUT", "/rpc", body, {"Content-Type": "application/json"})[0] == 405
    assert request(server, "POST", "/api/overview", body, {"Content-Type": "application/json"})[0] == 404
    big = b"[" + b",".join([body] * 40) + b"]"
    status, _, answer = request(server, "POST", "/rpc", big, {"Content-Type": "application/json"})
    assert json.loads(answer)["error"]["code"] == -32600
    # a body nested 200,000 deep is refused before the recursive parser (which would crash the server)
    status, _, answer = request(server, "POST", "/rpc", b"[" * 200_000, {"Content-Type": "application/json"})
    assert status == 200 and json.loads(answer)["error"]["code"] == -32700
    assert rpc(server, "eth_chainId", [])[0] == 200  # and the server still answers


def test_statements_are_matched_to_anchors_by_their_public_inputs(world, tmp_path):
    from zkanchor.statements import statement_from_json

    index = StatementIndex([tmp_path])
    assert index.find(world["public"]) is None
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "statement.json").write_text("{not json")
    index = StatementIndex([tmp_path])
    assert len(index.skipped) == 1 and "broken/statement.json" in index.skipped[0]
    with pytest.raises(Exception):
        StatementIndex([tmp_path / "missing"])
    assert statement_from_json  # the parser every supplied file goes through


# ---------------------------------------------------------------- generated and vendored assets


def test_generated_and_borrowed_assets(tmp_path, monkeypatch):
    from zkanchor.explorer.server import asset_table

    table = asset_table()
    assert table[vendor.POSEIDON_FILE]() == vendor.poseidon_constants_json().encode()
    assert {"index.html", "app.js", "zk.js", "style.css"} <= set(table)
    npm_build = node_modules_dir().joinpath(*vendor.SNARKJS_SOURCE)
    if npm_build.is_file():  # served from the npm package, never from a copy in zkanchor
        assert table[vendor.SNARKJS_FILE]() == npm_build.read_bytes()
    assert not (ASSETS / vendor.SNARKJS_FILE).exists() and not (ASSETS / vendor.POSEIDON_FILE).exists()
    monkeypatch.setenv("ZKANCHOR_NODE_MODULES", str(tmp_path))
    assert vendor.SNARKJS_FILE not in asset_table()  # no snarkjs installed: a 404, and the page says why


def test_assets_ship_as_package_data():
    import tomllib

    globs = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["zkanchor"]
    for name in ("index.html", "app.js", "zk.js", "style.css"):
        rel = f"explorer/assets/{name}"
        assert any(Path(rel).match(g) or Path("x/" + rel).match(g) for g in globs), name


# ---------------------------------------------------------------- the page's JS against zkanchor


@functools.cache
def _constants_file() -> str:
    """The generated Poseidon constants in a temporary file (too long for a node -e argument)."""
    folder = tempfile.mkdtemp(prefix="zkanchor-explorer-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / vendor.POSEIDON_FILE
    path.write_text(vendor.poseidon_constants_json())
    return str(path)


def run_js(script: str, payload: dict) -> dict:
    """Run ``script`` in node with ZK (zk.js, Poseidon constants loaded) and ``input`` in scope."""
    prelude = (
        f"const ZK = require({json.dumps(str(ASSETS / 'zk.js'))});\n"
        f"ZK.loadPoseidonConstants(JSON.parse(require('fs').readFileSync({json.dumps(_constants_file())})));\n"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "const big = (v) => typeof v === 'bigint' ? v.toString() : v;\n"
    )
    done = subprocess.run(["node", "-e", prelude + script], input=json.dumps(payload), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@needs_node
def test_js_poseidon_is_zkanchors_for_every_width():
    from zkanchor.poseidon.hash import hash_chain, poseidon

    rng = random.Random(5)
    cases = [([rng.randrange(R) for _ in range(k)], rng.choice([0, rng.randrange(R)])) for k in range(1, 17)]
    cases.append(([0], 0))
    cases.append(([R - 1] * 3, R - 1))
    chains = [[rng.randrange(R) for _ in range(k)] for k in (17, 31, 46)]
    out = run_js(
        "console.log(JSON.stringify({h: input.cases.map(([x, init]) => big(ZK.poseidon(x, init))),"
        " c: input.chains.map((x) => big(ZK.hashChain(x, input.tag)))}));",
        {"cases": [[[str(v) for v in x], str(init)] for x, init in cases], "chains": [[str(v) for v in c] for c in chains],
         "tag": "12345"})
    assert out["h"] == [str(poseidon(x, init)) for x, init in cases]
    assert out["c"] == [str(hash_chain(c, 12345)) for c in chains]


@needs_node
def test_js_hashes_tags_and_receipts_are_zkanchors():
    from eth_utils import keccak

    import zkanchor as zk
    from zkanchor.commit.receipts import make_receipts
    from zkanchor.poseidon.domains import ALL, tag

    rng = np.random.default_rng(3)
    table = zk.from_arrays(rng.normal(size=(5, 3)), (rng.random(5) > 0.5).astype(float),
                           feature_names=["age", "naïve column", "x<y>"], target_name="label")
    dataset = zk.quantize(table)
    owner = 0x70997970C51812DC3A010C7D01B50E0D17DC79C8
    commitment, salt = zk.commit_dataset(dataset, owner)
    receipts = [r.to_json() for r in make_receipts(dataset, salt, owner)]
    messages = [b"", b"abc", bytes(135), bytes(136), bytes(range(256)) * 3]
    out = run_js(
        "console.log(JSON.stringify({"
        " k: input.m.map((h) => ZK.bytesToHex(ZK.keccak256(ZK.hexToBytes(h)))),"
        " s: input.m.map((h) => ZK.bytesToHex(ZK.sha256(ZK.hexToBytes(h)))),"
        " t: input.tags.map((n) => big(ZK.tag(n))), t2: big(ZK.tag('dataset/leaf', 3)),"
        " r: input.receipts.map((r) => { const c = ZK.receiptCommitment(r); return [big(c.leaf), big(c.commitment)]; }),"
        " bad: (() => { try { const r = Object.assign({}, input.receipts[0], {row: input.receipts[0].row.map((v, i) => i ? v : v + 1)});"
        "   return big(ZK.receiptCommitment(r).commitment); } catch (e) { return 'error'; } })() }));",
        {"m": ["0x" + m.hex() for m in messages], "tags": list(ALL), "receipts": receipts})
    assert out["k"] == ["0x" + keccak(m).hex() for m in messages]
    assert out["s"] == ["0x" + hashlib.sha256(m).hexdigest() for m in messages]
    assert out["t"] == [str(tag(n)) for n in ALL] and out["t2"] == str(tag("dataset/leaf", 3))
    assert out["r"] == [[r["leaf"], str(commitment.commitment)] for r in receipts]
    assert out["bad"] != str(commitment.commitment)


@needs_node
def test_js_recomputes_a_receipt_with_committed_statistics():
    import dataclasses

    import zkanchor as zk
    from zkanchor.commit.commitment import schema_digest
    from zkanchor.commit.preprocessing import Standardization
    from zkanchor.commit.receipts import make_receipts

    rng = np.random.default_rng(4)
    table = zk.from_arrays(rng.normal(size=(5, 3)) * 7 + 3, (rng.random(5) > 0.5).astype(float),
                           feature_names=["age", "naïve column", "x<y>"], target_name="label")
    table, stats = zk.standardize(table)
    # Floats whose decimal forms are awkward: the page must hash the same float64 bits as Python.
    record = Standardization((float(stats[0][0]), -0.0, 1 / 3), (float(stats[1][0]), 5e-324, 1.7976931348623157e308))
    dataset = dataclasses.replace(zk.quantize(table), preprocessing=record)
    owner = 0x70997970C51812DC3A010C7D01B50E0D17DC79C8
    commitment, salt = zk.commit_dataset(dataset, owner)
    receipts = [r.to_json() for r in make_receipts(dataset, salt, owner)]
    assert receipts[0]["preprocessing"] == record.to_json()
    out = run_js(
        "const r0 = input.receipts[0];"
        "const edited = Object.assign({}, r0, {preprocessing: Object.assign({}, r0.preprocessing,"
        "  {std: r0.preprocessing.std.map((v, i) => i ? v : v * 2)})});"
        "const undigested = JSON.parse(JSON.stringify(edited)); delete undigested.preprocessing.digest;"
        "const stripped = Object.assign({}, r0, {preprocessing: null});"
        "const attempt = (r) => { try { return big(ZK.receiptCommitment(r).commitment); } catch (e) { return 'error'; } };"
        "console.log(JSON.stringify({"
        " r: input.receipts.map((r) => big(ZK.receiptCommitment(r).commitment)),"
        " p: big(ZK.preprocessingDigest(r0.preprocessing)),"
        " s: big(ZK.schemaDigest(r0.feature_names, r0.target_name, false, r0.preprocessing)),"
        " edited: attempt(edited), undigested: attempt(undigested), stripped: attempt(stripped) }));",
        {"receipts": receipts})
    assert out["r"] == [str(commitment.commitment)] * len(receipts)
    assert out["p"] == str(record.digest())
    assert out["s"] == str(schema_digest(dataset.feature_names, dataset.target_name, False, record))
    assert out["edited"] == "error"  # the record's own digest no longer matches
    assert out["undigested"] not in ("error", str(commitment.commitment))  # another record: another C_D
    assert out["stripped"] not in ("error", str(commitment.commitment))


@needs_node
def test_js_decodes_anchoring_calldata_and_checks_the_verifier_code(world):
    chain = world["chain"]
    tx = chain.w3.eth.get_transaction(world["verified"].tx_hash)
    code = "0x" + bytes(chain.w3.eth.get_code(world["verifier"].address)).hex()
    vk = vk_to_json(world["pk"].vk)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = vk_to_json(setup(toy_circuit([1] * 5)[0]).vk)  # another setup of the same circuit
    tiny = json.loads(json.dumps(vk))
    tiny["IC"][1] = ["1", "2", "1"]  # the generator: small constants match any code's small pushes
    a, b, c = proof_words(world["proof"])
    out = run_js(
        "const call = ZK.decodeCall(input.tx);"
        "console.log(JSON.stringify({fn: call.fn, cid: call.circuitId, inputs: call.inputs.map(big),"
        " a: call.proof.a.map(big), b: call.proof.b.map((r) => r.map(big)), c: call.proof.c.map(big),"
        " sh: ZK.statementHash(call.circuitId, call.inputs), ph: ZK.proofHash(call.proof),"
        " own: ZK.codeEmbedsKey(input.code, input.vk), other: ZK.codeEmbedsKey(input.code, input.other),"
        " tiny: ZK.codeEmbedsKey(input.code, input.tiny),"
        " call: ZK.verifyProofCall(call.proof, call.inputs), snark: ZK.snarkjsProof(call.proof),"
        " sel: ZK.bytesToHex(ZK.selector('anchorTraining(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[])')),"
        " addr: ZK.checksumAddress(BigInt(input.alice)) }));",
        {"tx": "0x" + bytes(tx["input"]).hex(), "code": code, "vk": vk, "other": other, "tiny": tiny,
         "alice": world["alice"]})
    assert out["fn"] == "anchorTraining" and out["cid"] == "0x" + circuit_id_bytes(CIRCUIT).hex()
    assert [int(v) for v in out["inputs"]] == world["public"]
    assert ([int(v) for v in out["a"]], [[int(v) for v in r] for r in out["b"]], [int(v) for v in out["c"]]) == (a, b, c)
    assert out["sh"] == world["verified"].value == "0x" + statement_hash(CIRCUIT, world["public"]).hex()
    assert out["own"]["ok"] and out["own"]["total"] == 2 + 3 * 4 + 2 * 6
    assert not out["other"]["ok"] and out["other"]["missing"] >= 20 and not out["tiny"]["ok"]
    assert out["addr"] == world["alice"]
    assert out["sel"] == "0x" + bytes(tx["input"])[:4].hex()
    # the contract agrees with the call the page builds
    answer = chain.w3.eth.call({"to": world["verifier"].address, "data": out["call"]})
    assert int.from_bytes(bytes(answer), "big") == 1
    # and with snarkjs's proof format
    from zkanchor.groth16.snarkjs_json import proof_from_json

    assert proof_from_json(out["snark"]) == world["proof"]


# ---------------------------------------------------------------- the command


def test_cli_refuses_unusable_input_in_one_sentence(tmp_path, capsys):
    from zkanchor.cli import explorer_commands
    from zkanchor.cli import main as cli_main

    assert explorer_commands in cli_main.COMMAND_MODULES
    assert cli_main.main(["explorer", "--report", str(tmp_path)]) == 2
    assert "no deployment.json" in capsys.readouterr().err
    assert cli_main.main(["explorer", "--registry", str(tmp_path / "nope.json"), "--rpc", "http://127.0.0.1:9"]) == 2
    (tmp_path / "deployment.json").write_text(json.dumps({"format": "something else"}))
    assert cli_main.main(["explorer", "--report", str(tmp_path)]) == 2
    assert cli_main.main(["explorer", "--registry", "0x" + "11" * 20, "--port", "70000"]) == 2


@needs_solc
def test_cli_serves_a_report_on_loopback(anvil_url, tmp_path):
    """``zkanchor explorer --report DIR`` (a simulator's deployment.json) serves the registry on 127.0.0.1."""
    chain = connect(anvil_url)
    registry = deploy_registry(chain, sender=chain.accounts[0])
    registry.register_institution(chain.accounts[1], "Report Clinic", sender=chain.accounts[0])
    save_deployment(record_for(registry, anvil_url), tmp_path / "deployment.json")
    proc = subprocess.Popen([sys.executable, "-m", "zkanchor.cli.main", "explorer", "--report", str(tmp_path),
                             "--port", "0", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        started = json.loads(line)
        assert started["url"].startswith("http://127.0.0.1:") and started["registry"] == registry.address
        port = int(started["url"].rsplit(":", 1)[1].strip("/"))
        deadline = time.monotonic() + 60
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request("GET", "/api/institutions")
                response = conn.getresponse()
                body = json.loads(response.read())
                break
            except ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            finally:
                conn.close()
        assert [i["name"] for i in body] == ["Report Clinic"]
        assert Registry.attach(chain, record_for(registry, anvil_url)).institutions() == [chain.accounts[1]]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()
