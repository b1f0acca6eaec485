"""The explorer in a real browser (slow): Debian's chromium, headless, driven by playwright-core,
against anvil after the simulator's ``attacks`` scenario.

- the pages list what the chain holds;
- "verify here" says valid for an honest anchor (snarkjs in the page, the key checked against the
  verifier's code, the contract asked) and invalid when a proxy between the page and the server
  rewrites one public input of the anchoring transaction in transit;
- a data subject's receipt is checked in the page: presence in an anchored dataset, a forged
  receipt refused, and after a proven erasure the erased record absent (the erasure proof verified
  in the page) while another record of the same dataset stays present;
- an institution registered under a name full of markup shows that name as text.

Skips, saying why, without chromium (``apt-get install chromium``; scripts/setup.sh does it),
playwright-core (``npm ci``) or anvil.  Set ZKANCHOR_EXPLORER_SCREENSHOT=PATH to keep a
screenshot of the explorer after the scenario (docs/explorer.png is made this way)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from anvil import anvil_path, running_anvil

from zkanchor.paths import node_modules_dir

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
PLAYWRIGHT = node_modules_dir() / "playwright-core"
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">Evil & Co "Ltd"'
BROWSER_TIMEOUT_S = 300


def missing() -> str | None:
    if not CHROMIUM.exists():
        return "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; scripts/setup.sh installs it)"
    if shutil.which("node") is None or not (PLAYWRIGHT / "package.json").is_file():
        return "needs node and the npm package playwright-core (npm ci; scripts/setup.sh)"
    if anvil_path() is None:
        return "needs anvil (node_modules/.bin/anvil); run scripts/setup.sh"
    return None


# ---------------------------------------------------------------- a proxy that lies about one input


class TamperingProxy(ThreadingHTTPServer):
    """Forwards everything to the explorer; in relayed eth_getTransactionByHash answers for
    ``target`` it adds 1 to the calldata's second-to-last word (C_W of a 5-input anchorTraining)."""

    daemon_threads = True

    def __init__(self, upstream: tuple[str, int], target: str) -> None:
        self.upstream, self.target, self.rewritten = upstream, target.lower(), 0
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    server: TamperingProxy

    def log_message(self, *args) -> None:
        pass

    def _forward(self, body: bytes | None) -> None:
        host, port = self.server.upstream
        conn = http.client.HTTPConnection(host, port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        headers["Host"] = f"{host}:{port}"
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if self.command == "POST" and self.path == "/rpc" and body:
            data = self._tamper(json.loads(body), data)
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    def _tamper(self, request: dict, data: bytes) -> bytes:
        answer = json.loads(data)
        if request.get("method") != "eth_getTransactionByHash" or not isinstance(answer.get("result"), dict):
            return data
        tx = answer["result"]
        if str(tx.get("hash", "")).lower() != self.server.target:
            return data
        raw = bytearray.fromhex(tx["input"][2:])
        at = len(raw) - 64
        word = (int.from_bytes(raw[at:at + 32], "big") + 1) % 2**256
        raw[at:at + 32] = word.to_bytes(32, "big")
        tx["input"] = "0x" + raw.hex()
        self.server.rewritten += 1
        return json.dumps(answer).encode()

    def do_GET(self) -> None:  # noqa: N802
        self._forward(None)

    def do_POST(self) -> None:  # noqa: N802
        self._forward(self.rfile.read(int(self.headers.get("Content-Length", "0"))))


# ---------------------------------------------------------------- the browser driver (node + playwright-core)

DRIVER = r"""
const { chromium } = require(process.env.PLAYWRIGHT);
const fs = require('fs'), os = require('os'), path = require('path');
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function ready(page, url) {
  // route() sets data-ready when a view is drawn; clear it first, since changing only the hash
  // does not reload the page
  await page.evaluate(() => document.body && document.body.removeAttribute('data-ready')).catch(() => {});
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 120000 });
}

async function verify(page, hash) {
  await page.click(`tr[data-anchor="${hash}"] button[data-verify]`);
  const panel = await page.waitForSelector(`div[data-panel="${hash}"][data-verdict]`, { timeout: 180000 });
  return { verdict: await panel.getAttribute('data-verdict'), text: await panel.innerText() };
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zkanchor-chromium-'));
  const out = { errors: [] };
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: job.chromium, headless: true, args: FLAGS,
    viewport: { width: 1400, height: 900 } });
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => out.errors.push(e.message));
    page.on('dialog', (d) => { out.errors.push('dialog: ' + d.message()); d.dismiss(); });
    if (job.phase === 1) {
      await ready(page, job.url + '#/');
      out.institutions = await page.$$eval('tr[data-institution]', (rows) => rows.map((r) => r.getAttribute('data-institution')));
      out.anchors = await page.$$eval('tr[data-anchor]', (rows) => rows.map((r) => r.getAttribute('data-anchor')));
      await ready(page, job.url + '#/datasets');
      out.datasets = await page.$$eval('tr[data-dataset]', (rows) => rows.map((r) => r.getAttribute('data-dataset')));
      await ready(page, job.url + '#/');
      out.honest = await verify(page, job.honest);
      out.invalid = await verify(page, job.invalid);
      if (job.screenshot) {
        await page.click(`div[data-panel="${job.invalid}"] ~ *`, { trial: true }).catch(() => {});
        await page.screenshot({ path: job.screenshot, fullPage: true });
      }
      const tampered = await ctx.newPage();
      tampered.on('pageerror', (e) => out.errors.push(e.message));
      await ready(tampered, job.proxy + '#/');
      out.tampered = await verify(tampered, job.honest);
    } else {
      await ready(page, job.url + '#/institutions');
      out.names = await page.$$eval('tr[data-institution] td:first-child', (cells) => cells.map((c) => c.textContent));
      await ready(page, job.url + '#/institution/' + job.evil_address);
      out.heading = await page.$eval('h2[data-name]', (h) => h.textContent);
      out.pwned = await page.evaluate(() => window.__pwned === undefined ? null : window.__pwned);
      out.injected = await page.evaluate(() => document.querySelectorAll('img, main script').length);
      await ready(page, job.url + '#/receipt');
      await page.setInputFiles('#receipt-file', job.receipt);
      const result = await page.waitForSelector('#receipt-result[data-verdict]', { timeout: 120000 });
      out.receipt = { verdict: await result.getAttribute('data-verdict'), text: await result.innerText() };
      await page.setInputFiles('#receipt-file', job.forged);
      const forged = await page.waitForSelector('#receipt-result[data-verdict]', { timeout: 120000 });
      out.forged = { verdict: await forged.getAttribute('data-verdict'), text: await forged.innerText() };
      for (const name of ['erased', 'kept']) {
        await page.setInputFiles('#receipt-file', job[name]);
        const r = await page.waitForSelector('#receipt-result[data-verdict]', { timeout: 180000 });
        out[name] = { verdict: await r.getAttribute('data-verdict'), text: await r.innerText() };
      }
    }
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
"""


def drive(tmp: Path, job: dict) -> dict:
    script = tmp / "driver.js"
    script.write_text(DRIVER)
    done = subprocess.run(["node", str(script)], input=json.dumps({"chromium": str(CHROMIUM), **job}), text=True,
                          capture_output=True, timeout=BROWSER_TIMEOUT_S, env={**os.environ, "PLAYWRIGHT": str(PLAYWRIGHT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


# ---------------------------------------------------------------- the run


def erase_one_record(chain, registry, record, owner: str, tmp: Path):
    """``owner`` anchors a 4-record dataset, a subject requests the erasure of record 2, and the
    owner answers with a proven erasure; receipts of records 2 (erased) and 3 (kept) land in ``tmp``.
    Returns the deployment record with the erasure circuit and its key."""
    import warnings

    import zkanchor as zk
    from zkanchor.anchor import CircuitRecord
    from zkanchor.anchor.encoding import circuit_id_bytes
    from zkanchor.commit.receipts import make_receipts
    from zkanchor.groth16.snarkjs_json import vk_to_json
    from zkanchor.proofs.keystore import KeyStore
    from zkanchor.proofs.prover import Prover
    from zkanchor.solidity.onchain import deploy_verifier
    from zkanchor.statements import ErasureOpening, make_erasure

    rng = np.random.default_rng(12)
    dataset = zk.quantize(zk.from_arrays(rng.normal(size=(4, 3)), np.array([0.0, 1.0, 1.0, 0.0]),
                                         feature_names=["age", "bmi", "dose"], target_name="outcome"))
    salt = 987654321
    commitment, _ = zk.commit_dataset(dataset, int(owner, 16), salt)
    registry.anchor_dataset(commitment.commitment, sender=owner)
    receipts = make_receipts(dataset, salt, int(owner, 16))
    (tmp / "erased.json").write_text(json.dumps(receipts[2].to_json()))
    (tmp / "kept.json").write_text(json.dumps(receipts[3].to_json()))
    statement = make_erasure(int(owner, 16), dataset, salt, [receipts[2].leaf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a single-party setup, for a test
        bundle = Prover(KeyStore(cache=tmp / "keys")).prove(statement, ErasureOpening(dataset, salt))
    verifier = deploy_verifier(chain, bundle.vk)
    public = statement.public_inputs()
    registry.register_circuit("erasure-4x1", verifier.address, len(public), "erasure", bundle.circuit_hash,
                              statement.spec.digest(), 0, sender=chain.accounts[0], description=statement.spec.describe())
    request = registry.request_erasure(owner, commitment.commitment, receipts[2].leaf, sender=chain.accounts[7]).value
    registry.anchor_erasure("erasure-4x1", bundle.proof, public, [request], sender=owner)
    return record.with_circuit(CircuitRecord(
        "0x" + circuit_id_bytes("erasure-4x1").hex(), verifier.address, len(public), kind="erasure",
        circuit_hash="0x" + bundle.circuit_hash.removeprefix("0x"), spec_digest=statement.spec.digest(),
        description=statement.spec.describe(), vk=vk_to_json(bundle.vk)))



@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    reason = missing()
    if reason:
        pytest.skip(reason)
    import zkanchor as zk
    from zkanchor.anchor import Registry, load_deployment
    from zkanchor.chain import connect
    from zkanchor.commit.receipts import make_receipts
    from zkanchor.explorer import Explorer, make_server, serve_in_thread
    from zkanchor.simulator import run_scenario

    tmp = tmp_path_factory.mktemp("explorer")
    with running_anvil() as url:
        report = run_scenario("attacks", rpc=url, out=tmp / "attacks", charts=False)
        assert report.ok, report.problems
        chain = connect(url)
        record = load_deployment(tmp / "attacks" / "deployment.json")
        registry = Registry.attach(chain, record)
        events = registry.events()
        honest = next(e for e in events if e.name == "TrainingAnchored")
        invalid = next(e for e in events if e.name == "OptimisticAnchored")  # Mallory's, resolved invalid
        server = make_server(Explorer(chain, record), port=0)
        serve_in_thread(server)
        proxy = TamperingProxy(server.server_address[:2], honest.tx_hash)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            phase1 = drive(tmp, {"phase": 1, "url": server.url, "proxy": f"http://127.0.0.1:{proxy.server_address[1]}/",
                                 "honest": honest.args["statementHash"], "invalid": invalid.args["statementHash"],
                                 "screenshot": os.environ.get("ZKANCHOR_EXPLORER_SCREENSHOT") or str(tmp / "explorer.png")})
            # then: an institution named like an attack, holding a dataset a data subject has a receipt for
            admin, evil = chain.accounts[0], chain.accounts[9]
            registry.register_institution(evil, EVIL, sender=admin)
            rng = np.random.default_rng(11)
            table = zk.from_arrays(rng.normal(size=(6, 3)), (rng.random(6) > 0.5).astype(float),
                                   feature_names=["age", "bmi", "dose"], target_name="outcome")
            dataset = zk.quantize(table)
            commitment, salt = zk.commit_dataset(dataset, int(evil, 16))
            registry.anchor_dataset(commitment.commitment, sender=evil)
            receipt = make_receipts(dataset, salt, int(evil, 16))[2].to_json()
            (tmp / "receipt.json").write_text(json.dumps(receipt))
            forged = {**receipt, "row": [receipt["row"][0] + 1, *receipt["row"][1:]]}
            (tmp / "forged.json").write_text(json.dumps(forged))
            record2 = erase_one_record(chain, registry, record, evil, tmp)
            server2 = make_server(Explorer(chain, record2), port=0)
            serve_in_thread(server2)
            try:
                phase2 = drive(tmp, {"phase": 2, "url": server2.url, "evil_address": evil,
                                     "receipt": str(tmp / "receipt.json"), "forged": str(tmp / "forged.json"),
                                     "erased": str(tmp / "erased.json"), "kept": str(tmp / "kept.json")})
            finally:
                server2.shutdown()
                server2.server_close()
            state = {"institutions": registry.institutions(),
                     "datasets": [("0x%064x" % int(e.args["commitment"])) for e in events if e.name == "DatasetAnchored"]}
        finally:
            proxy.shutdown()
            proxy.server_close()
            server.shutdown()
            server.server_close()
    return {"phase1": phase1, "phase2": phase2, "honest": honest, "invalid": invalid, "state": state, "proxy": proxy,
            "evil": evil, "events": events, "tmp": tmp}


def test_pages_list_what_the_chain_holds(explored):
    p1 = explored["phase1"]
    assert p1["institutions"] == explored["state"]["institutions"][:len(p1["institutions"])]
    assert len(p1["institutions"]) == 4  # St. Mary, Mercy General, Mallory Clinic, Hub (Shadow Lab was never registered)
    anchored = [e.args["statementHash"] for e in explored["events"]
                if e.name in ("TrainingAnchored", "OptimisticAnchored", "AggregateAnchored")]
    assert sorted(set(p1["anchors"])) == sorted(anchored)
    assert sorted(p1["datasets"]) == sorted(explored["state"]["datasets"])
    assert p1["errors"] == []


def test_verify_here_says_valid_for_an_honest_anchor(explored):
    honest = explored["phase1"]["honest"]
    assert honest["verdict"] == "valid", honest["text"]
    text = honest["text"]
    assert "snarkjs, in this page: the proof verifies" in text
    assert "the verifier's code on chain embeds every constant of that key" in text
    assert "the verifier contract, asked by eth_call, says valid" in text
    assert "The statement this proof binds" in text and "zkanchor training v2: logreg" in text
    invalid = explored["phase1"]["invalid"]
    assert invalid["verdict"] == "invalid", invalid["text"]  # Mallory's bad optimistic proof, revealed


def test_verify_here_says_invalid_when_an_input_is_altered_in_transit(explored):
    tampered = explored["phase1"]["tampered"]
    assert explored["proxy"].rewritten >= 1
    assert tampered["verdict"] == "invalid", tampered["text"]
    assert "does NOT verify" in tampered["text"]
    assert "says invalid" in tampered["text"]  # the contract, asked with the altered input, agrees


def test_a_receipt_is_checked_in_the_page(explored):
    receipt = explored["phase2"]["receipt"]
    assert receipt["verdict"] == "present", receipt["text"]
    assert "anchored the dataset" in receipt["text"]
    forged = explored["phase2"]["forged"]
    assert forged["verdict"] == "invalid" and "NOT the commitment your receipt names" in forged["text"]


def test_an_erased_record_is_shown_absent_through_the_erasure_proof(explored):
    erased, kept = explored["phase2"]["erased"], explored["phase2"]["kept"]
    assert erased["verdict"] == "absent", erased["text"]
    assert "is valid (verified in this page)" in erased["text"] and "among the erased records" in erased["text"]
    assert "answered" in erased["text"]  # the request naming the record, and its status
    assert kept["verdict"] == "present", kept["text"]
    assert "yours is unchanged in" in kept["text"]


def test_a_name_with_markup_renders_as_text(explored):
    p2 = explored["phase2"]
    assert EVIL in p2["names"] and p2["heading"] == EVIL
    assert p2["pwned"] is None and p2["injected"] == 0
    assert p2["errors"] == []
