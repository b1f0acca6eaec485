"""Refuting a bogus erasure request from the command line, end to end against a real anvil node.

commit -> prove-nonmembership (two leaves the dataset never held) -> verify-training ->
registry-deploy -> register-institution -> register-circuit --statement (the key directory
from bundle.json) -> anchor-dataset -> request-erasure naming a made-up leaf -> refute-erasure
(the pending requests the proof covers by default, then explicit --request ids) -> audit --json
shows them ``refuted``, exit 0.  Refusals exit 2 with one sentence naming the registry's error:
a request about another dataset of the same institution, one already refuted, one naming a
leaf the proof does not show absent, no pending request to pick; ``--json`` prints
``{"error": ...}``.  Eight patients: the proof takes about a second, keys go to the session's
temporary cache.
"""

from __future__ import annotations

import json
import shutil
import warnings

import pytest

from zkanchor.chain import connect
from zkanchor.cli import main as cli_main
from zkanchor.paths import node_modules_dir

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

ALICE, BOB, SUBJECT, OTHER_SUBJECT = 1, 2, 6, 7
HEADER = "patient_id,age,blood_pressure,consent,label"
ROWS = [(1, 0.5, 1.25, 1, 1), (2, -1.0, 0.5, 3, 0), (3, 1.5, -0.25, 2, 1), (4, -0.75, -1.0, 1, 0),
        (5, 0.25, 0.75, 3, 1), (6, -1.5, 0.25, 1, 0), (7, 1.0, 1.0, 0, 1), (8, -0.5, 0.5, 1, 0)]
BOGUS, OTHER = 0x1234_5678_9ABC_DEF0, 0x0BAD_CAFE  # leaves no record of the dataset has


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No RPC URL or signing key leaks in from the caller's environment."""
    for name in ("ZKANCHOR_RPC", "ZKANCHOR_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)


class Cli:
    """Runs ``zkanchor`` in process: the exit code asserted, stdout returned (parsed with --json)."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, *argv, code: int = 0):
        self.capsys.readouterr()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = cli_main.main([str(a) for a in argv])
        out, err = self.capsys.readouterr()
        assert got == code, (argv, out, err)
        if code == 2:
            lines = [line for line in err.strip().splitlines() if not line.startswith("zkanchor: warning")]
            assert len(lines) == 1 and lines[0].startswith("zkanchor: error: ") and "Traceback" not in err, err
            return lines[0]
        return json.loads(out) if "--json" in argv else out

    def error_json(self, *argv) -> dict:
        """A refusal with --json: exit 2, one sentence on stderr and {"error": ...} on stdout."""
        self.capsys.readouterr()
        got = cli_main.main([str(a) for a in (*argv, "--json")])
        out, err = self.capsys.readouterr()
        assert got == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (argv, out, err)
        return json.loads(out)


@pytest.fixture
def cli(capsys) -> Cli:
    return Cli(capsys)


def commitment_of(directory) -> int:
    return int(json.loads((directory / "commitment.json").read_text())["commitment"])


@pytest.fixture(scope="module")
def proven(tmp_path_factory, anvil_url):
    """Alice's two committed datasets (receipts for the first) and a proof that the first holds neither made-up leaf."""
    d = tmp_path_factory.mktemp("refutation-cli")
    alice = connect(anvil_url).accounts[ALICE]
    for name, rows in (("ds", ROWS), ("ds2", [(i + 100, a, b, c, y) for i, a, b, c, y in ROWS])):
        (d / f"{name}.csv").write_text(HEADER + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
        argv = ["commit", d / f"{name}.csv", "--target", "label", "--consent-column", "consent",
                "--institution", alice, "-o", d / name]
        if name == "ds":
            argv[-2:-2] = ["--receipts", d / "receipts"]
        assert cli_main.main([str(a) for a in argv]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cli_main.main(["prove-nonmembership", str(d / "ds"), "--leaf", hex(BOGUS), "--leaf", str(OTHER),
                              "-o", str(d / "nm")]) == 0
    return d


def test_a_bogus_request_is_refuted_and_the_audit_says_so(cli, proven, anvil_url, tmp_path):
    d = proven
    c_d, c_d2 = commitment_of(d / "ds"), commitment_of(d / "ds2")
    checked = cli("verify-training", d / "nm", "--json")
    assert checked["valid"] is True and checked["statement"]["kind"] == "nonmembership"

    dep = tmp_path / "deployment.json"
    cli("registry-deploy", "-o", dep, "--rpc", anvil_url)
    cli("register-institution", dep, ALICE, "--name", "Alice Hospital")
    circuit = cli("register-circuit", dep, "--circuit-id", "nm-8x2", "--statement", d / "nm", "--json")
    assert circuit["kind"] == "nonmembership"
    cli("anchor-dataset", dep, d / "ds", "--account", ALICE)
    cli("anchor-dataset", dep, d / "ds2", "--account", ALICE)

    def request(leaf: int, commitment: int = c_d, account: int = SUBJECT) -> int:
        filed = cli("request-erasure", dep, "--owner", ALICE, "--commitment", hex(commitment), "--leaf", hex(leaf),
                    "--account", account, "--json")
        return filed["request_id"]

    # Someone files a request naming a record Alice's dataset never held; by default refute-erasure
    # takes every pending request to her about exactly C_D naming one of the proof's leaves.
    first = request(BOGUS)
    refuted = cli("refute-erasure", dep, d / "nm", "--circuit-id", "nm-8x2", "--account", ALICE, "--json")
    assert refuted["refuted"] is True and refuted["request_ids"] == [first]
    assert int(refuted["dataset"], 16) == c_d and [int(v, 16) for v in refuted["leaves"]] == [BOGUS, OTHER]
    assert refuted["gas_used"] > 0
    # The same proof refutes later requests too, named explicitly, in any order.
    second, third = request(OTHER), request(BOGUS, account=OTHER_SUBJECT)
    text = cli("refute-erasure", dep, d / "nm", "--circuit-id", "nm-8x2", "--request", third, second,
               "--account", ALICE)
    assert text.startswith(f"request(s) {third}, {second} refuted in block ")
    assert f"none of the 2 named records is in dataset 0x{c_d:064x}" in text

    # Refusals: one sentence each, naming the registry's error, and nothing changes on chain.
    elsewhere = request(BOGUS, commitment=c_d2)  # absence from C_D says nothing about another dataset
    held = cli("request-erasure", dep, "--receipt", d / "receipts" / "receipt-000003.json",
               "--account", SUBJECT, "--json")["request_id"]
    refute = ("refute-erasure", dep, d / "nm", "--circuit-id", "nm-8x2", "--account", ALICE)
    for ids, words in (([elsewhere], "ErasureRequestOtherDataset"), ([first], "ErasureRequestRefuted"),
                       ([held], "ErasureLeafNotInProof")):
        assert words in cli(*refute, "--request", *ids, code=2), ids
    assert "ErasureRequestOtherDataset" in cli.error_json(*refute, "--request", elsewhere)["error"]
    alice = connect(anvil_url).accounts[ALICE]
    assert cli.error_json(*refute)["error"].startswith(f"no pending erasure request to {alice} about dataset")
    assert "no pending erasure request" in cli(*refute, code=2)  # the two left are not the proof's to refute
    assert "UnregisteredInstitution" in cli("refute-erasure", dep, d / "nm", "--circuit-id", "nm-8x2",
                                            "--request", elsewhere, "--account", BOB, code=2)
    assert "does not exist" in cli("refute-erasure", dep, tmp_path / "missing", "--circuit-id", "nm-8x2",
                                   "--account", ALICE, code=2)

    # The regulator's audit: refuted (never overdue), each refutation's proof re-checked off chain.
    report = cli("audit", dep, "--json")
    assert report["mismatches"] == 0 and report["overdue"] == 0
    statuses = {q["request_id"]: q["status"] for q in report["erasure_requests"]}
    assert statuses == {first: "refuted", second: "refuted", third: "refuted", elsewhere: "pending", held: "pending"}
    rows = [r for r in report["rows"] if r["kind"] == "refutation"]
    assert [(r["request_ids"], r["offchain"], r["verdict"]) for r in rows] == [
        ([first], "valid", "ok"), ([third, second], "valid", "ok")]
    (q,) = [q for q in report["erasure_requests"] if q["request_id"] == first]
    assert q["refutation_check"] == "valid" and q["refuted_block"] == refuted["block"]
    table = cli("audit", dep)
    assert f"request {first} for Alice Hospital's dataset" in table
    assert "was refuted: the named record is not in the dataset (proof re-checked" in table

