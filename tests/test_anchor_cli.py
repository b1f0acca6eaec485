"""The anchoring commands, end to end against a real anvil node: exit codes 0/1/2, one
sentence on stderr naming the registry's custom error, --json, --help, checkpoint runs
(open-run, and segment 0 opening its run itself), aggregates, and the audit."""

from __future__ import annotations

import json
import shutil

import pytest

from zkanchor.anchor.encoding import statement_hash
from zkanchor.chain import connect
from zkanchor.cli import anchor_commands, main as cli_main
from zkanchor.groth16.keydir import save_keydir
from zkanchor.groth16.snarkjs_json import save_proof, save_public, save_verification_key
from zkanchor.paths import node_modules_dir
from zkanchor.r1cs import circuit_hash

from test_registry_contract import SPEC_DIGEST, keys5, statement, statement_circuit, tamper  # noqa: F401  (keys5 is a fixture)

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

COMMANDS = ("registry-deploy", "register-institution", "revoke-institution", "register-circuit", "anchor-dataset",
            "open-run", "anchor-training", "anchor-aggregate", "request-erasure", "anchor-erasure", "anchor-validity", "challenge",
            "resolve", "expire", "audit")
ADMIN, ALICE, BOB, CAROL, OUTSIDER = 0, 1, 2, 3, 5
PUBLIC_START = 11


def test_anchor_commands_are_registered():
    assert anchor_commands in cli_main.COMMAND_MODULES


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No RPC URL or signing key leaks in from the caller's environment."""
    for name in ("ZKANCHOR_RPC", "ZKANCHOR_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)


class Cli:
    """Runs ``zkanchor`` in process and keeps what it printed."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, *argv, code: int = 0):
        capsys = self.capsys
        capsys.readouterr()
        got = cli_main.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert got == code, (argv, out, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and err.startswith("zkanchor: error: "), err
        return out, err

    def json(self, *argv, code: int = 0) -> dict:
        out, _ = self(*argv, "--json", code=code)
        return json.loads(out)


@pytest.fixture
def cli(capsys) -> Cli:
    return Cli(capsys)


@pytest.fixture
def setup_files(tmp_path, keys5, anvil_url):
    """A deployed registry with Alice and Bob registered and the toy circuit; a helper to write proofs."""
    accounts = connect(anvil_url).accounts
    r1cs = statement_circuit([1] * 5)[0]
    save_keydir(tmp_path / "keys", r1cs, keys5.pk, write_circuit=False)  # setup.json binds the key to r1cs
    counter = iter(range(10_000, 20_000))

    def proof_files(who: int = ALICE, dataset: int | None = None, name: str = "p", bad: bool = False,
                    values: list[int] | None = None, w0: int = 11, w: int = 22):
        dataset = dataset if dataset is not None else next(counter)
        proof, public = keys5.prove(values or statement(accounts[who], dataset, w0, w))
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        save_proof(tamper(proof) if bad else proof, folder / "proof.json")
        save_public(public, folder / "public.json")
        return folder / "proof.json", folder / "public.json", dataset, public

    return tmp_path, accounts, proof_files


def toy_hash() -> str:
    return circuit_hash(statement_circuit([1] * 5)[0]).hex()


def deploy(cli, tmp_path, anvil_url, window: int = 2):
    dep = tmp_path / "deployment.json"
    result = cli.json("registry-deploy", "-o", dep, "--rpc", anvil_url, "--challenge-window", window)
    assert result["deployment"] == str(dep) and result["challenge_window"] == window
    assert result["erasure_deadline"] == 216_000 and result["version"] == "2.3.0"
    cli("register-institution", dep, ALICE, "--name", "Alice Hospital")
    cli("register-institution", dep, BOB, "--name", "Bob Bank")
    cli("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-v1", "--circuit-hash", toy_hash(),
        "--spec-digest", SPEC_DIGEST, "--description", "toy training")
    return dep


def test_main_flow_and_audit(cli, setup_files, anvil_url):
    tmp_path, accounts, proof_files = setup_files
    dep = deploy(cli, tmp_path, anvil_url)
    record = json.loads(dep.read_text())
    assert record["rpc"] == anvil_url and record["circuits"]["toy-v1"]["n_public"] == 5
    assert record["circuits"]["toy-v1"]["vk"]["IC"]
    assert (record["circuits"]["toy-v1"]["kind"], record["circuits"]["toy-v1"]["circuit_hash"],
            record["circuits"]["toy-v1"]["spec_digest"]) == ("training", "0x" + toy_hash(), str(SPEC_DIGEST))

    # Verified anchoring: dataset from a commitment file, then the proof.
    proof, public, dataset, values = proof_files()
    (tmp_path / "commitment.json").write_text(json.dumps({"commitment": str(dataset)}))
    out = cli.json("anchor-dataset", dep, tmp_path / "commitment.json", "--account", ALICE, "--metadata", "census v1")
    assert out["institution"] == accounts[ALICE] and int(out["commitment"], 16) == dataset
    anchored = cli.json("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE)
    assert anchored["anchored"] and anchored["kind"] == "verified"
    assert anchored["statement_hash"] == "0x" + statement_hash("toy-v1", values).hex()
    _, err = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE, code=2)
    assert "StatementAlreadyAnchored" in err

    # Optimistic with the right proof: challenged, then resolved valid by anyone.
    proof, public, dataset, _ = proof_files(name="opt")
    cli("anchor-dataset", dep, "--commitment", hex(dataset), "--account", ALICE)
    opt = cli.json("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE, "--optimistic")
    assert opt["kind"] == "optimistic" and opt["proof_hash"].startswith("0x")
    challenged = cli.json("challenge", dep, opt["statement_hash"], "--account", OUTSIDER)
    assert challenged["deadline"] == challenged["block"] + 2
    resolved = cli.json("resolve", dep, proof, public, "--circuit-id", "toy-v1", "--account", OUTSIDER)
    assert resolved == {**resolved, "valid": True, "status": "valid", "statement_hash": opt["statement_hash"]}

    # Optimistic with a wrong proof: revealing it marks the anchor invalid (exit 1).
    proof, public, dataset, _ = proof_files(who=BOB, name="cheat", bad=True)
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", BOB)
    cheat = cli.json("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", BOB, "--optimistic")
    out, _ = cli("resolve", dep, proof, public, "--circuit-id", "toy-v1", "--account", OUTSIDER, code=1)
    assert out.startswith("INVALID")

    # A tampered proof anchored verified: the verifier says no (exit 1), nothing recorded.
    proof, public, dataset, _ = proof_files(name="tampered", bad=True)
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", ALICE)
    rejected = cli.json("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE, code=1)
    assert rejected == {**rejected, "anchored": False, "error": "ProofRejected"}

    # Bob front-runs a proof of Alice's.
    proof, public, dataset, _ = proof_files(name="front")
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", ALICE)
    _, err = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", BOB, code=2)
    assert "InstitutionInputMismatch" in err

    # The audit, from the deployment record alone.
    report = cli.json("audit", dep)
    rows = report["rows"]
    trainings = {r["statement_hash"]: r for r in rows if r["kind"] != "dataset"}
    assert report["mismatches"] == 0 and len(trainings) == 3
    assert {(r["institution_name"], r["kind"], r["onchain"], r["offchain"], r["verdict"]) for r in trainings.values()} == {
        ("Alice Hospital", "verified", "valid", "valid", "ok"),
        ("Alice Hospital", "optimistic", "valid", "valid", "ok"),
        ("Bob Bank", "optimistic", "invalid", "invalid", "ok"),
    }
    assert trainings[cheat["statement_hash"]]["institution"] == accounts[BOB]
    assert sum(r["kind"] == "dataset" for r in rows) == 5
    table, _ = cli("audit", dep, "--rpc", anvil_url)
    lines = table.strip().splitlines()
    assert lines[0].split()[:3] == ["BLOCK", "KIND", "INSTITUTION"]
    assert lines[-1] == "5 dataset(s), 3 training anchor(s): 8 ok, 0 mismatch, 0 unchecked"
    assert sum("Bob Bank" in line and "invalid" in line for line in lines) == 1


def test_audit_with_a_wrong_key_exits_1(cli, setup_files, anvil_url):
    from test_registry_contract import make_keys

    tmp_path, _, proof_files = setup_files
    dep = deploy(cli, tmp_path, anvil_url)
    proof, public, dataset, _ = proof_files()
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", ALICE)
    cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE)
    save_verification_key(make_keys(5).vk, tmp_path / "other-vk.json")
    report = cli.json("audit", dep, "--vk", f"toy-v1={tmp_path / 'other-vk.json'}", code=1)
    assert report["mismatches"] == 1
    _, err = cli("audit", dep, "--vk", "toy-v1", code=2)
    assert "CIRCUIT_ID=VK.json" in err


def test_optimistic_expiry(cli, setup_files, anvil_url):
    tmp_path, _, proof_files = setup_files
    dep = deploy(cli, tmp_path, anvil_url, window=1)
    proof, public, dataset, _ = proof_files()
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", ALICE)
    sh = cli.json("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--optimistic", "--account", ALICE)["statement_hash"]
    _, err = cli("expire", dep, sh, code=2)
    assert "NotChallenged" in err
    cli("challenge", dep, sh)
    _, err = cli("expire", dep, sh, code=2)
    assert "ChallengeWindowOpen" in err
    connect(anvil_url).w3.provider.make_request("anvil_mine", ["0x2"])
    assert cli.json("expire", dep, sh)["status"] == "invalid"
    _, err = cli("resolve", dep, proof, public, "--circuit-id", "toy-v1", code=2)
    assert "AnchorSettled" in err


def test_refusals_exit_2_with_one_sentence(cli, setup_files, anvil_url, tmp_path, keys5):
    _, accounts, proof_files = setup_files
    save_verification_key(keys5.vk, tmp_path / "bare-vk.json")  # a key with no setup.json beside it
    _, err = cli("registry-deploy", "-o", tmp_path / "x.json", code=2)
    assert "--rpc" in err and not (tmp_path / "x.json").exists()
    dep = deploy(cli, tmp_path, anvil_url)
    proof, public, dataset, _ = proof_files()

    refusals = [
        (("register-institution", dep, OUTSIDER, "--account", ALICE), "NotAdmin"),
        (("register-institution", dep, ALICE), "InstitutionAlreadyRegistered"),
        (("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-v1", "--circuit-hash", toy_hash(),
          "--spec-digest", SPEC_DIGEST), "CircuitAlreadyRegistered"),
        (("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-v2", "--circuit-hash", "ab" * 32,
          "--spec-digest", SPEC_DIGEST), "bound to circuit"),
        (("register-circuit", dep, tmp_path / "bare-vk.json", "--circuit-id", "toy-v2", "--circuit-hash", toy_hash(),
          "--spec-digest", SPEC_DIGEST), "bound to no circuit"),
        (("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-v2", "--circuit-hash", toy_hash(),
          "--spec-digest", SPEC_DIGEST, "--kind", "aggregation", "--public-start", "5"), "--public-start is for training"),
        (("anchor-dataset", dep, "--commitment", "7", "--expires", "next tuesday", "--account", ALICE), "--expires"),
        (("anchor-dataset", dep, "--commitment", "7", "--expires", "2001-01-01", "--account", ALICE), "InvalidExpiry"),
        (("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--run-id", "r1"), "--index and --total"),
        (("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--run-id", "r1", "--index", "2",
          "--total", "2"), "--index must be in"),
        (("anchor-aggregate", dep, proof, public, "--circuit-id", "toy-v1", "--member", "toy-v1"), "CIRCUIT_ID=PUBLIC.json"),
        (("anchor-aggregate", dep, proof, public, "--circuit-id", "toy-v1", "--member", f"toy-v1={public}"),
         "names 2 member model(s) but 1"),
        (("audit", dep, "--from-block", "-1"), "--from-block"),
        (("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-e", "--circuit-hash", toy_hash(),
          "--spec-digest", SPEC_DIGEST, "--kind", "erasure", "--public-start", "5"), "not erasure ones"),
        (("request-erasure", dep, "--owner", ALICE, "--commitment", "7", "--leaf", "9", "--account", OUTSIDER),
         "DatasetNotAnchored"),
        (("request-erasure", dep, "--owner", ALICE, "--commitment", "7", "--receipt", tmp_path / "none.json"),
         "does not exist"),
        (("request-erasure", dep, "--leaf", "9", "--account", OUTSIDER), "--owner and --commitment"),
        (("anchor-erasure", dep, tmp_path / "missing", "--circuit-id", "toy-v1"), "does not exist"),
        (("anchor-validity", dep, tmp_path / "missing", "--circuit-id", "toy-v1"), "does not exist"),
        (("anchor-dataset", dep, "--commitment", "7", "--account", OUTSIDER), "UnregisteredInstitution"),
        (("anchor-dataset", dep, "--commitment", "7", "--account", 99), "out of range"),
        (("anchor-dataset", dep, "--commitment", "7", "--account", "0x" + "12" * 20), "not an unlocked account"),
        (("anchor-dataset", dep, "--commitment", "7", "--account", "alice"), "neither an account index"),
        (("anchor-dataset", dep), "either as COMMITMENT.json or with --commitment"),
        (("anchor-dataset", dep, "--commitment", "0"), "non-zero field element"),
        (("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE), "DatasetNotAnchored"),
        (("anchor-training", dep, proof, public, "--circuit-id", "nope", "--account", ALICE), "UnknownCircuit"),
        (("anchor-training", dep, proof, public, "--circuit-id", "x" * 40), "circuit id"),
        (("resolve", dep, proof, public, "--circuit-id", "toy-v1"), "AnchorNotFound"),
        (("challenge", dep, "0x1234"), "statement hash"),
        (("audit", tmp_path / "bare-vk.json"), "not a zkanchor registry deployment"),
    ]
    for argv, words in refusals:
        _, err = cli(*argv, code=2)
        assert words in err, (argv, err)

    # Bob anchoring the number Alice's proof rests on does not anchor it for Alice.
    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", BOB)
    _, err = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE, code=2)
    assert "DatasetNotAnchored" in err
    cli("revoke-institution", dep, ALICE)
    _, err = cli("anchor-dataset", dep, "--commitment", "8", "--account", ALICE, code=2)
    assert "RevokedInstitution" in err

    # A public input >= r never reaches the chain: public.json itself is refused.
    values = json.loads(public.read_text())
    values[2] = str(int(values[2]) + 21888242871839275222246405745257275088548364400416034343698204186575808495617)
    public.write_text(json.dumps(values))
    _, err = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", BOB, code=2)
    assert "below the field modulus" in err

    # The wrong chain: the record says another chain id.
    record = json.loads(dep.read_text())
    record["chain_id"] += 1
    dep.write_text(json.dumps(record))
    _, err = cli("audit", dep, code=2)
    assert "chain id" in err


def test_segments_aggregates_and_their_audit(cli, setup_files, anvil_url):
    tmp_path, accounts, proof_files = setup_files
    dep = deploy(cli, tmp_path, anvil_url)
    cli("register-institution", dep, CAROL, "--name", "Carol Aggregator")
    run_circuit = cli.json("register-circuit", dep, tmp_path / "keys" / "verification_key.json", "--circuit-id", "toy-run",
                           "--circuit-hash", "0x" + toy_hash(), "--spec-digest", hex(SPEC_DIGEST),
                           "--public-start", PUBLIC_START)
    assert (run_circuit["kind"], run_circuit["public_start"]) == ("training", str(PUBLIC_START))
    cli("register-circuit", dep, tmp_path / "keys", "--circuit-id", "toy-agg", "--circuit-hash", toy_hash(),
        "--spec-digest", SPEC_DIGEST + 1, "--kind", "aggregation", "--verifier", run_circuit["verifier"])

    # A checkpoint run of two segments: the first verified (it opens the run: no open-run was
    # sent), the second optimistic.
    dataset = 30_001
    out = cli.json("anchor-dataset", dep, "--commitment", dataset, "--account", ALICE, "--expires", "2999-12-31")
    assert out["expires_at"] == 32_503_593_600
    seg = ("--circuit-id", "toy-run", "--run-id", "run-1", "--total", "2", "--account", ALICE)
    proof, public, _, _ = proof_files(dataset=dataset, name="s0", w0=PUBLIC_START, w=101)
    first = cli.json("anchor-training", dep, proof, public, *seg, "--index", "0")
    assert (first["run_id"], first["index"], first["total"], first["kind"]) == ("run-1", 0, 2, "verified")
    assert first["opened"]["block"] < first["block"]
    proof, public, _, _ = proof_files(dataset=dataset, name="s1", w0=101, w=102)
    second = cli.json("anchor-training", dep, proof, public, *seg, "--index", "1", "--optimistic")
    assert second["kind"] == "optimistic" and second["proof_hash"].startswith("0x")
    proof, public, _, _ = proof_files(dataset=dataset, name="fork", w0=101, w=999)
    _, err = cli("anchor-training", dep, proof, public, *seg, "--index", "1", code=2)
    assert "CheckpointFork" in err
    # A run declared when training starts, before any proof: the audit shows it in progress.
    opened = cli.json("open-run", dep, "--commitment", dataset, "--circuit-id", "toy-run", "--run-id", "run-2",
                      "--total", "3", "--account", ALICE)
    assert (opened["run_id"], opened["total"], int(opened["start_weights"], 16), int(opened["dataset"], 16)) == (
        "run-2", 3, PUBLIC_START, dataset)
    _, err = cli("open-run", dep, "--commitment", dataset, "--circuit-id", "toy-run", "--run-id", "run-2",
                 "--total", "3", "--account", ALICE, code=2)
    assert "CheckpointFork" in err and "already open" in err
    _, err = cli("open-run", dep, "--commitment", dataset, "--circuit-id", "toy-v1", "--run-id", "run-3",
                 "--total", "3", "--account", ALICE, code=2)
    assert "has no public start" in err
    out, _ = cli("open-run", dep, "--commitment", dataset, "--circuit-id", "toy-v1", "--run-id", "run-3",
                 "--total", "3", "--start-weights", "0x2a", "--account", ALICE)
    assert out.startswith("run run-3 of ") and "3 segment(s) of toy-v1" in out
    proof, public, _, _ = proof_files(dataset=dataset, name="s2", w0=PUBLIC_START, w=301)
    out, _ = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-run", "--run-id", "run-4", "--total", "1",
                 "--index", "0", "--account", ALICE)
    assert out.startswith("run run-4 opened in block ") and "verified segment 0 of 1 of run run-4:" in out

    # A federated round from the public start: Alice and Bob train, Carol aggregates.
    members = []
    for who, dataset, model in ((ALICE, 30_002, 201), (BOB, 30_003, 202)):
        cli("anchor-dataset", dep, "--commitment", dataset, "--account", who)
        proof, public, _, _ = proof_files(who=who, dataset=dataset, name=f"m{who}", w0=PUBLIC_START, w=model)
        cli("anchor-training", dep, proof, public, "--circuit-id", "toy-run", "--account", who)
        members += ["--member", f"toy-run={public}"]
    proof, public, _, _ = proof_files(name="agg", values=[int(accounts[CAROL], 16), PUBLIC_START, 201, 202, 300])
    aggregate = cli.json("anchor-aggregate", dep, proof, public, "--circuit-id", "toy-agg", *members, "--account", CAROL)
    assert aggregate["anchored"] and len(aggregate["members"]) == 2
    _, err = cli("anchor-aggregate", dep, proof, public, "--circuit-id", "toy-agg", *members, "--account", CAROL, code=2)
    assert "StatementAlreadyAnchored" in err
    proof, public, _, _ = proof_files(name="agg-bad", values=[int(accounts[CAROL], 16), PUBLIC_START, 201, 202, 301],
                                      bad=True)
    rejected = cli.json("anchor-aggregate", dep, proof, public, "--circuit-id", "toy-agg", *members, "--account", CAROL,
                        code=1)
    assert rejected["error"] == "ProofRejected"

    report = cli.json("audit", dep)
    assert report["checked"] and report["mismatches"] == 0
    run, idle, free, single = report["runs"]
    assert (run["run_id"], run["status"], run["segments"], run["total"]) == ("run-1", "complete", 2, 2)
    assert "not settled yet" in run["note"] and run["opened_block"] == first["opened"]["block"]
    assert (idle["run_id"], idle["status"], idle["segments"], idle["opened_block"]) == ("run-2", "in progress", 0,
                                                                                        opened["block"])
    assert idle["note"] == f"opened in block {opened['block']}, 0 of 3 segments"
    assert (free["run_id"], free["start_weights"], single["status"]) == ("run-3", "0x" + "0" * 62 + "2a", "complete")
    [row] = [r for r in report["rows"] if r["kind"] == "aggregate"]
    assert row["statement_hash"] == aggregate["statement_hash"] and row["members"] == aggregate["members"]
    assert row["member_institutions"] == [accounts[ALICE], accounts[BOB]] and row["verdict"] == "ok"
    table, _ = cli("audit", dep)
    assert "RUNS" in table and "AGGREGATES" in table and "Carol Aggregator" in table

    # An audit that starts beyond the chain head checked nothing: it says so and exits 1.
    head = connect(anvil_url).w3.eth.block_number
    out, _ = cli("audit", dep, "--from-block", head + 100, code=1)
    assert out.startswith("nothing was checked")
    report = cli.json("audit", dep, "--from-block", head + 100, code=1)
    assert report["checked"] is False and report["rows"] == []


def test_register_circuit_takes_the_key_directory_from_the_proof_bundle(cli, tmp_path, anvil_url, monkeypatch):
    """register-circuit DEPLOYMENT --statement PROOFDIR without KEYDIR: the keys bundle.json names."""
    monkeypatch.setenv("ZKANCHOR_CACHE", str(tmp_path / "cache"))
    alice = connect(anvil_url).accounts[ALICE]
    rows = [(0.5, 1.25, 1), (-1.0, 0.5, 0), (1.5, -0.25, 1), (-0.75, -1.0, 0), (0.25, 0.75, 1), (-1.5, 0.25, 0)]
    (tmp_path / "data.csv").write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    cli("commit", tmp_path / "data.csv", "--target", "label", "--institution", alice, "-o", tmp_path / "ds")
    cli("train", tmp_path / "ds", "--model", "logreg", "--epochs", 1, "-o", tmp_path / "model")
    cli("prove-training", tmp_path / "ds", tmp_path / "model", "-o", tmp_path / "proof")
    bundle = json.loads((tmp_path / "proof" / "bundle.json").read_text())
    assert str(tmp_path / "cache") in bundle["keys"]["path"]

    dep = tmp_path / "deployment.json"
    cli("registry-deploy", "-o", dep, "--rpc", anvil_url)
    cli("register-institution", dep, ALICE)
    out = cli.json("register-circuit", dep, "--circuit-id", "from-bundle", "--statement", tmp_path / "proof")
    assert out["circuit_hash"] == "0x" + bundle["circuit_hash"] and out["kind"] == "training"
    # A statement.json inside the proof directory works the same way; the registered circuit anchors the proof.
    out = cli.json("register-circuit", dep, "--circuit-id", "from-file", "--statement",
                   tmp_path / "proof" / "statement.json")
    assert out["circuit_hash"] == "0x" + bundle["circuit_hash"]
    cli("anchor-dataset", dep, tmp_path / "ds", "--account", ALICE)
    anchored = cli.json("anchor-training", dep, tmp_path / "proof" / "proof.json", tmp_path / "proof" / "public.json",
                        "--circuit-id", "from-bundle", "--account", ALICE)
    assert anchored["anchored"] and anchored["kind"] == "verified"

    # Refusals, one sentence each: no KEYDIR and no --statement; a bundle naming no key directory, or one not here.
    _, err = cli("register-circuit", dep, "--circuit-id", "none", "--circuit-hash", bundle["circuit_hash"],
                 "--spec-digest", 5, code=2)
    assert "give KEYDIR" in err
    for name, path in (("no-keys", None), ("gone", str(tmp_path / "nowhere"))):
        copy = tmp_path / name
        shutil.copytree(tmp_path / "proof", copy)
        edited = dict(bundle, keys=dict(bundle["keys"], path=path))
        (copy / "bundle.json").write_text(json.dumps(edited))
        _, err = cli("register-circuit", dep, "--circuit-id", name, "--statement", copy, code=2)
        assert ("names no key directory" if path is None else "does not exist here") in err, err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    with pytest.raises(SystemExit) as info:
        cli_main.main([command, "--help"])
    assert info.value.code == 0
    out, _ = cli.capsys.readouterr()
    assert out.startswith(f"usage: zkanchor {command}") and "--json" in out
