"""The anchoring commands, end to end against a real anvil node: exit codes 0/1/2, one
sentence on stderr naming the registry's custom error, --json, --help, and the audit."""

from __future__ import annotations

import json
import shutil

import pytest

from zkanchor.anchor.encoding import statement_hash
from zkanchor.chain import connect
from zkanchor.cli import anchor_commands, main as cli_main
from zkanchor.groth16.snarkjs_json import save_proof, save_public, save_verification_key
from zkanchor.paths import node_modules_dir

from test_registry_contract import keys5, statement, tamper  # noqa: F401  (keys5 is a fixture)

HAVE_SOLCJS = shutil.which("node") is not None and (node_modules_dir() / "solc" / "package.json").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SOLCJS, reason="needs node and the npm package solc; run scripts/setup.sh")

COMMANDS = ("registry-deploy", "register-institution", "revoke-institution", "register-circuit", "anchor-dataset",
            "anchor-training", "challenge", "resolve", "expire", "audit")
ADMIN, ALICE, BOB, OUTSIDER = 0, 1, 2, 5


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
    save_verification_key(keys5.vk, tmp_path / "vk.json")
    counter = iter(range(10_000, 20_000))

    def proof_files(who: int = ALICE, dataset: int | None = None, name: str = "p", bad: bool = False):
        dataset = dataset if dataset is not None else next(counter)
        proof, public = keys5.prove(statement(accounts[who], dataset))
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        save_proof(tamper(proof) if bad else proof, folder / "proof.json")
        save_public(public, folder / "public.json")
        return folder / "proof.json", folder / "public.json", dataset, public

    return tmp_path, accounts, proof_files


def deploy(cli, tmp_path, anvil_url, window: int = 2):
    dep = tmp_path / "deployment.json"
    result = cli.json("registry-deploy", "-o", dep, "--rpc", anvil_url, "--challenge-window", window)
    assert result["deployment"] == str(dep) and result["challenge_window"] == window
    cli("register-institution", dep, ALICE, "--name", "Alice Hospital")
    cli("register-institution", dep, BOB, "--name", "Bob Bank")
    cli("register-circuit", dep, tmp_path / "vk.json", "--circuit-id", "toy-v1", "--description", "toy training")
    return dep


def test_main_flow_and_audit(cli, setup_files, anvil_url):
    tmp_path, accounts, proof_files = setup_files
    dep = deploy(cli, tmp_path, anvil_url)
    record = json.loads(dep.read_text())
    assert record["rpc"] == anvil_url and record["circuits"]["toy-v1"]["n_public"] == 5
    assert record["circuits"]["toy-v1"]["vk"]["IC"]

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


def test_refusals_exit_2_with_one_sentence(cli, setup_files, anvil_url, tmp_path):
    _, accounts, proof_files = setup_files
    _, err = cli("registry-deploy", "-o", tmp_path / "x.json", code=2)
    assert "--rpc" in err and not (tmp_path / "x.json").exists()
    dep = deploy(cli, tmp_path, anvil_url)
    proof, public, dataset, _ = proof_files()

    refusals = [
        (("register-institution", dep, OUTSIDER, "--account", ALICE), "NotAdmin"),
        (("register-institution", dep, ALICE), "InstitutionAlreadyRegistered"),
        (("register-circuit", dep, tmp_path / "vk.json", "--circuit-id", "toy-v1"), "CircuitAlreadyRegistered"),
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
        (("audit", tmp_path / "vk.json"), "not a zkanchor registry deployment"),
    ]
    for argv, words in refusals:
        _, err = cli(*argv, code=2)
        assert words in err, (argv, err)

    cli("anchor-dataset", dep, "--commitment", str(dataset), "--account", BOB)
    _, err = cli("anchor-training", dep, proof, public, "--circuit-id", "toy-v1", "--account", ALICE, code=2)
    assert "DatasetAnchoredByOther" in err
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


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    with pytest.raises(SystemExit) as info:
        cli_main.main([command, "--help"])
    assert info.value.code == 0
    out, _ = cli.capsys.readouterr()
    assert out.startswith(f"usage: zkanchor {command}") and "--json" in out
