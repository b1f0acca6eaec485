"""Data subjects' rights in the simulator (the gdpr scenario): receipts, consent withdrawn and
erasure requested on chain, an institution that erases, proves and retrains, a bogus request (a
record the institution never held) refuted with a non-membership proof, one that ignores a
request and is found overdue, a validity claim the data violates, and the report's section for a
data-protection officer.

The default suite runs the scenario schema's one-sentence errors; a miniature of the whole story
(a few patients per hospital), the shipped gdpr scenario at its real size, determinism and a
replay against anvil are ``@pytest.mark.slow``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from zkanchor.cli import main as cli_main
from zkanchor.commit.receipts import check_presence, load_receipt
from zkanchor.errors import InputError
from zkanchor.simulator import load_scenario, proving, run_scenario
from zkanchor.simulator.data import all_data
from zkanchor.simulator.replay import replay
from zkanchor.simulator.scenario import SHIPPED, ScenarioError

# Hospital A (6 patients, one without consent) answers; two of its patients withdraw consent,
# and someone files a request naming a record it never held, which it refutes.  Hospital B (6)
# ignores its patient's request.  Hospital C (6, one patient entered twice) claims unique
# patient ids.  Record numbers are rows of each hospital's data (seed 5).  One shape for all
# three: one training circuit, so the run registers four circuits in all (training, erasure,
# retraining, non-membership).
MINI = """
[scenario]
name = "gdpr-mini"
description = "The gdpr story on a few patients per hospital."
seed = 5
erasure_deadline = 12
workers = 1  # circuits this small prove faster in-process than compiled again in each pool worker

[model]
kind = "logreg"
epochs = 1
learning_rate = 0.5

[[institution]]
name = "Hospital A"
receipts = true
data = { source = "patients", rows = 6, no_consent = 1 }

[[institution]]
name = "Hospital B"
receipts = true
answers = false
data = { source = "patients", rows = 6, no_consent = 1 }

[[institution]]
name = "Hospital C"
validity = { min_records = 4, labels = [0, 1], key_column = "patient_id" }
data = { source = "patients", rows = 6, no_consent = 1, duplicates = 1 }

[regulator]
name = "Regulator"

[[event]]
kind = "withdraw_consent"
institution = "Hospital A"
records = [2, 5]

[[event]]
kind = "erasure_request"
institution = "Hospital B"
records = [4]

[[event]]
kind = "bogus_erasure_request"
institution = "Hospital A"

[[event]]
kind = "erased_data"
actor = "Hospital A"
"""


@pytest.fixture(scope="module", autouse=True)
def zkanchor_cache(tmp_path_factory):
    """Caches (keys, circuits, compiled contracts) go to the session's temporary directory, never the checkout."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKANCHOR_CACHE", str(tmp_path_factory.getbasetemp() / "zkanchor-cache"))
        mp.setattr(proving, "_STORES", {})  # a key store opened earlier would keep its old cache
        yield


def events(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def write(directory: Path, text: str, name: str = "gdpr-mini") -> Path:
    path = directory / f"{name}.toml"
    path.write_text(text)
    return path


def of(records: list[dict], action: str, **fields) -> list[dict]:
    return [r for r in records if r["action"] == action and all(r.get(k) == v for k, v in fields.items())]


def check_story(records: list[dict], out: Path, answered: dict[str, int], ignored: str, refused: str,
                excluded: int, refuted: str = "Hospital A") -> dict:
    """The whole story in the log: receipts, requests, the answer, the refutation, the attack, the overdue
    request, the claim."""
    by_name = {}
    check_refutation(records, refuted)
    # Every request is filed by its subject, after their receipt checked out against the anchored C_D.
    filed = [r for r in of(records, "request_erasure") if r["reason"] != "bogus_erasure_request"]
    assert [r["institution"] for r in filed] == [i for i, k in answered.items() for _ in range(k)] + [ignored]
    for r in filed:
        assert r["outcome"] == "landed" and r["actor"].startswith("patient ") and r["deadline"] > r["block"]
        (before,) = [v for v in of(records, "verify_receipt", actor=r["actor"])]
        assert before["outcome"] == "passed" and before["seq"] < r["seq"] and before["commitment"] == r["commitment"]
        by_name[r["actor"]] = r
    # The answering institution: erase, prove, anchor (answering exactly its requests), retrain, anchor.
    for name, count in answered.items():
        (erasure,) = of(records, "anchor_erasure", actor=name)
        ids = [r["request"] for r in filed if r["institution"] == name]
        assert erasure["outcome"] == "landed" and erasure["requests"] == ids and len(ids) == count
        assert erasure["commitment"] == next(r["commitment"] for r in filed if r["institution"] == name)
        (retrained,) = [r for r in records if r["actor"] == name and r.get("retrain") and r["outcome"] == "landed"]
        assert retrained["action"] == "anchor_verified" and retrained["commitment"] == erasure["new_commitment"]
        assert retrained["excluded"] == excluded and retrained["block"] > erasure["block"]
        assert [r["stopped_by"] for r in records if r.get("attack") == "erased_data"] == [
            "prover:C_D", "contract:DatasetErased"]
        for r in (r for r in filed if r["institution"] == name):
            (after,) = of(records, "verify_erasure", actor=r["actor"])
            assert after["outcome"] == "passed" and after["python_verifier"] == "valid"
            assert after["new_commitment"] == erasure["new_commitment"] and after["seq"] > erasure["seq"]
            (check,) = of(records, "check_erasure_request", request=r["request"])
            assert (check["outcome"], check["status"], check["answered_block"]) == ("passed", "answered",
                                                                                    erasure["block"])
        (superseded,) = of(records, "check_superseded_model", institution=name)
        assert superseded["outcome"] == "passed" and superseded["retrained_by"] == retrained["statement"]
    # The ignoring institution: no answer, and after the deadline the regulator flags it.
    (ignoring,) = of(records, "ignore_erasure_requests", actor=ignored)
    (request,) = [r for r in filed if r["institution"] == ignored]
    assert ignoring["requests"] == [request["request"]] and not of(records, "anchor_erasure", actor=ignored)
    (wait,) = of(records, "advance_blocks")
    assert wait["block"] == max(request["deadline"], *(r["deadline"] for r in of(records, "request_erasure",
                                                                                  institution=refuted))) + 1
    (flag,) = of(records, "check_erasure_request", request=request["request"])
    assert (flag["outcome"], flag["status"]) == ("flagged", "overdue") and flag["block"] > request["deadline"]
    assert "OVERDUE" in flag["note"]
    # The validity claim the data violates: refused before proving, naming the rule; never anchored.
    (claim,) = of(records, "prove_validity", actor=refused)
    assert claim["outcome"] == "stopped" and claim["broken"] == "no two records share a patient_id"
    assert claim["stopped_by"] == "prover:sorted keys are distinct"
    assert claim["reason"].startswith("records ") and "share the patient_id" in claim["reason"] and "\n" not in claim["reason"]
    assert claim["detail"].startswith("patient ") and " appears in records " in claim["detail"]
    assert not of(records, "anchor_validity", actor=refused)
    (trace,) = of(records, "check_validity_claim", institution=refused)
    assert trace["outcome"] == "passed" and "left no trace" in trace["note"]
    # The regulator's audit re-verified every anchor (erasure included) and found nothing amiss.
    (audit,) = of(records, "audit_registry")
    assert audit["outcome"] == "passed" and audit["mismatch"] == 0
    finish = records[-1]
    assert finish["action"] == "finish" and finish["outcome"] == "passed" and finish["problems"] == 0
    # The subjects' receipts are files of their own; C_D holds each record, C_D' no longer holds the erased ones.
    for r in filed:
        receipt = load_receipt(out / "receipts" / r["institution"].lower().replace(" ", "-")
                               / f"receipt-{r['record']:06d}.json")
        assert hex(receipt.leaf) == r["leaf"] and check_presence(receipt, int(r["commitment"], 16))
        if r["institution"] in answered:
            erasure = of(records, "anchor_erasure", actor=r["institution"])[0]
            assert not check_presence(receipt, int(erasure["new_commitment"], 16))
    return by_name


def check_refutation(records: list[dict], institution: str) -> dict:
    """The bogus request: filed by a stranger, refuted on chain with a non-membership proof, found refuted
    (not overdue, its deadline passed) by the regulator, its proof re-checked."""
    (bogus,) = of(records, "request_erasure", reason="bogus_erasure_request")
    assert bogus["outcome"] == "landed" and bogus["institution"] == institution and "record" not in bogus
    assert bogus["actor"] == "Unknown requester" and not of(records, "verify_receipt", actor=bogus["actor"])
    rid = bogus["request"]
    (examined,) = of(records, "examine_requests", actor=institution)
    assert examined["requests"] == [rid] and examined["leaves"] == [bogus["leaf"]]
    (proved,) = of(records, "prove_nonmembership", actor=institution)
    assert proved["outcome"] == "done" and proved["circuit"].startswith("nonmembership-") and proved["constraints"] > 0
    (refuted,) = of(records, "refute_erasure", actor=institution)
    assert refuted["outcome"] == "landed" and refuted["requests"] == [rid] and refuted["leaves"] == [bogus["leaf"]]
    assert refuted["commitment"] == bogus["commitment"] and refuted["block"] <= bogus["deadline"]
    assert refuted["circuit"] == proved["circuit"] and refuted["gas"] > 0
    # Refuted first, while C_D is current; the erasure (of the other requests) follows.
    assert all(e["seq"] > refuted["seq"] for e in of(records, "anchor_erasure", actor=institution))
    assert rid not in [x for e in of(records, "anchor_erasure") for x in e["requests"]]
    (check,) = of(records, "check_erasure_request", request=rid)
    assert (check["outcome"], check["status"], check["refuted_block"], check["refutation_check"]) == (
        "passed", "refuted", refuted["block"], "valid")
    assert check["block"] > bogus["deadline"] and "was refuted: the named record is not in the dataset" in check["note"]
    return refuted


def check_summary(out: Path, refused: str, ignored: str) -> str:
    summary = (out / "summary.md").read_text()
    section = summary.split("## Data subjects' rights")[1].split("## Who did what")[0]
    for words in ("### Requests", "consent withdrawn", "**OVERDUE** since block", "exactly the requested records",
                  "contract:DatasetErased", "prover:C_D", "no two records share a patient_id",
                  "sorted keys are distinct", "Nothing was anchored", "### What the chain cannot show",
                  "cannot show that the raw records were deleted", f"**{ignored}** did not answer request",
                  f"**{refused}** claimed", "superseded", "### Refuted requests",
                  "asked **Hospital A** to erase a record it never held", "There was nothing to erase",
                  "marked the request refuted in block", "lists the request as refuted, not overdue, although the "
                  "deadline has passed", ": no such record in the data |",
                  "A refutation shows that the dataset the institution committed to (C_D) holds no record"):
        assert words in section, words
    return section


# ---------------------------------------------------------------- the miniature (slow: ~30-50 s; the
# default suite keeps the simulator's smoke run, and the rights CLI and registry tests cover each step)


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    base = tmp_path_factory.mktemp("gdpr-mini")
    path = write(base, MINI)
    out = base / "out"
    report = run_scenario(path, out=out, charts=False)
    return path, report, out


@pytest.mark.slow
def test_the_miniature_tells_the_whole_story(mini):
    _path, report, out = mini
    assert report.ok, report.problems
    records = events(out)
    check_story(records, out, answered={"Hospital A": 2}, ignored="Hospital B", refused="Hospital C", excluded=3)
    # Two attempts, both stopped; the honest records are landed, done, passed or flagged (the overdue request).
    assert [r["outcome"] for r in records if r.get("attack")] == ["stopped", "stopped"]
    honest = [r for r in records if not r.get("attack") and r["action"] != "prove_validity"]
    assert {r["outcome"] for r in honest} <= {"landed", "done", "passed", "flagged"}
    # Consent: A trained on the 5 patients who consented, then on the 3 left after two withdrew.
    (first,) = [r for r in of(records, "train", actor="Hospital A") if not r.get("retrain")]
    assert first["excluded"] == 1
    circuits = [r["circuit"].rsplit("-", 1)[0] for r in of(records, "register_circuit")]
    assert circuits == ["logreg-6x3-e1-c0", "erasure-6x2", "logreg-6x3-e1-c0-t", "nonmembership-6x1"]
    assert [r["kind"] for r in of(records, "register_circuit")] == ["training", "erasure", "training",
                                                                    "nonmembership"]
    # The refutation: in the gas table and the proofs of summary.md, and a proof-time bar of its own.
    (proved,) = of(records, "prove_nonmembership")
    summary = (out / "summary.md").read_text()
    assert "| refute_erasure | 1 |" in summary and f"| {proved['constraints']:,} |" in summary
    section = check_summary(out, refused="Hospital C", ignored="Hospital B")
    assert "the 1 without consent and the 2 erased" in section
    assert (out / "receipts" / "hospital-a").is_dir() and len(list((out / "receipts" / "hospital-a").iterdir())) == 6
    assert not (out / "receipts" / "hospital-c").exists()  # C hands out no receipts
    assert "receipts/hospital-a" in report.files


@pytest.mark.slow
def test_a_subject_checks_their_receipt_with_the_cli(mini, capsys):
    _path, _report, out = mini
    records = events(out)
    (request,) = [r for r in of(records, "request_erasure") if r["institution"] == "Hospital B"]
    receipt = out / "receipts" / "hospital-b" / f"receipt-{request['record']:06d}.json"
    assert cli_main.main(["verify-receipt", str(receipt), "--commitment", request["commitment"]]) == 0
    assert "OK: record" in capsys.readouterr().out
    erased = of(records, "anchor_erasure")[0]["new_commitment"]
    assert cli_main.main(["verify-receipt", str(receipt), "--commitment", erased]) == 1


# ---------------------------------------------------------------- the schema: one sentence per mistake


BOGUS = 'kind = "bogus_erasure_request"\ninstitution = "Hospital A"\n'


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        all_data(load_scenario(write(tmp_path, text)))
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('name = "Hospital A"\nreceipts = true', 'name = "Hospital A"'),
     "event[0] needs receipts = true for 'Hospital A': a subject names their record by the leaf on their receipt"),
    (lambda t: t.replace("records = [2, 5]", "records = [2, 6]"),
     "event[0].records names record 6, but 'Hospital A' has 6 (records count from 0)"),
    (lambda t: t.replace("records = [2, 5]", "records = []"), "event[0].records must be a non-empty list"),
    (lambda t: t.replace("records = [2, 5]", "records = [2, 2]"), "event[0].records names record 2 twice"),
    (lambda t: t.replace('institution = "Hospital A"\nrecords = [2, 5]', 'records = [2, 5]'),
     "event[0].institution is required"),
    (lambda t: t.replace('institution = "Hospital A"\nrecords', 'institution = "Nobody"\nrecords'),
     "event[0].institution 'Nobody' is not an institution of this scenario"),
    (lambda t: t.replace("records = [4]", "records = [4]\n\n[[event]]\nkind = \"erasure_request\"\n"
                                          "institution = \"Hospital B\"\nrecords = [1, 4]"),
     "event[2] names record 4 of 'Hospital B' again (event[1] did); a subject files once"),
    (lambda t: t.replace('[regulator]\nname = "Regulator"', ''),
     "'Hospital B' ignores erasure requests (answers = false): a [regulator] must audit to find them overdue"),
    (lambda t: t.replace("erasure_deadline = 12", ""), "set scenario.erasure_deadline to at most 1000 blocks"),
    (lambda t: t.replace("erasure_deadline = 12", "erasure_deadline = 5000"),
     "set scenario.erasure_deadline to at most 1000 blocks"),
    (lambda t: t.replace("erasure_deadline = 12", "erasure_deadline = 0"),
     "scenario.erasure_deadline must be at least 1, not 0"),
    (lambda t: t.replace("seed = 5", "seed = 5\nrounds = 2"),
     "event[0] (withdraw_consent) needs a one-round scenario without [federated]"),
    (lambda t: t.replace('kind = "erased_data"\nactor = "Hospital A"', 'kind = "erased_data"\nactor = "Hospital B"'),
     "event[3].actor 'Hospital B' must be honest, answer erasure requests and anchor verified proofs"),
    (lambda t: t.replace('kind = "withdraw_consent"\ninstitution = "Hospital A"',
                         'kind = "withdraw_consent"\ninstitution = "Hospital C"'),
     "event[0] needs receipts = true for 'Hospital C'"),
    (lambda t: t.replace('name = "Hospital C"\n', 'name = "Hospital C"\nhonest = false\nreceipts = true\n'),
     "institution[2].receipts needs an honest institution"),
    (lambda t: t.replace('answers = false', 'answers = "no"'), "institution[1].answers must be true or false"),
    (lambda t: t.replace('key_column = "patient_id" }', 'key_column = "patient_id", colour = 1 }'),
     "institution[2].validity.colour is not a known key"),
    (lambda t: t.replace('{ min_records = 4, labels = [0, 1], key_column = "patient_id" }', '{}'),
     "institution[2].validity states no rule"),
    (lambda t: t.replace("labels = [0, 1]", 'labels = ["yes"]'), "institution[2].validity.labels must be a list"),
    (lambda t: t.replace("labels = [0, 1]", "labels = [0, 1], positive = 2"),
     "institution[2].validity.positive 2 is not one of the allowed labels"),
    (lambda t: t.replace("labels = [0, 1]", "labels = [0, 1], min_positive = 2"),
     "institution[2].validity.min_positive needs institution[2].validity.positive"),
    (lambda t: t.replace("labels = [0, 1]", "bounds = { age = [3, -3] }"),
     "institution[2].validity.bounds.age must be [lo, hi] with lo <= hi"),
    (lambda t: t.replace("rows = 6, no_consent = 1", "rows = 6, no_consent = 1, features = 3", 1),
     "institution[0].data.features is not a known key"),
    (lambda t: t.replace("rows = 6, no_consent = 1", "rows = 600", 1), "institution[0].data.rows must be at most 512"),
    (lambda t: t.replace("rows = 6, no_consent = 1", "rows = 6, no_consent = 9", 1),
     "institution[0].data.no_consent must be at most 6, not 9"),
    (lambda t: t.replace("rows = 6, no_consent = 1", "rows = 6, purpose = 8", 1),
     "institution[0].data.purpose must be at most 7, not 8"),
    (lambda t: t.replace('kind = "logreg"', 'kind = "linreg"'), "'patients' has 0/1 labels; it needs a logreg model"),
    # Checked against the data (no chain yet): columns the schema names, consent that was never given.
    (lambda t: t.replace('key_column = "patient_id"', 'key_column = "pid"'),
     "the validity schema of 'Hospital C' does not fit its data (features patient_id, age, blood_pressure; "
     "label label): the key column 'pid' is not a feature column"),
    (lambda t: t.replace("records = [2, 5]", "records = [4, 5]"),
     "event[0] withdraws the consent of record 4 of 'Hospital A', who never gave it (flag bit 0 is off)"),
    # The bogus request: to an institution of the scenario that answers, by a requester of a name of its own.
    (lambda t: t.replace(BOGUS, BOGUS.replace('"Hospital A"', '"Nobody"')),
     "event[2].institution 'Nobody' is not an institution of this scenario"),
    (lambda t: t.replace(BOGUS, BOGUS.replace('"Hospital A"', '"Hospital B"')),
     "event[2].institution 'Hospital B' must be honest and answer erasure requests: it refutes the request with a "
     "non-membership proof"),
    (lambda t: t.replace(BOGUS, BOGUS + 'requester = "Hospital C"\n'),
     "event[2].requester 'Hospital C' is the name of an institution or a role; the requester needs a name of its own"),
    (lambda t: t.replace(BOGUS, BOGUS + 'requester = "Regulator"\n'), "event[2].requester 'Regulator' is the name of"),
    (lambda t: t.replace(BOGUS, BOGUS + 'requester = " "\n'), "event[2].requester must be a non-empty name"),
    (lambda t: t.replace(BOGUS, BOGUS + "records = [1]\n"), "event[2].records is not a known key"),
    (lambda t: t.replace('[regulator]\nname = "Regulator"', '').replace("answers = false\n", ""),
     "event[2] (bogus_erasure_request) needs a [regulator], whose audit finds the request refuted"),
])
def test_each_bad_rights_input_is_one_sentence(tmp_path, edit, expected):
    assert expected in error_of(tmp_path, edit(MINI))


def test_validity_and_requests_parse(tmp_path):
    s = load_scenario(write(tmp_path, MINI))
    a, b, c = s.institutions
    assert (a.receipts, a.answers, b.answers, c.receipts) == (True, True, False, False)
    assert c.validity.key_column == "patient_id" and c.validity.labels == (0.0, 1.0) and c.validity.min_records == 4
    assert [(e.kind, e.institution, e.records) for e in s.requests] == [
        ("withdraw_consent", "Hospital A", (2, 5)), ("erasure_request", "Hospital B", (4,))]
    assert [(e.kind, e.institution, e.actor, e.round) for e in s.bogus_requests] == [
        ("bogus_erasure_request", "Hospital A", "Unknown requester", 1)]
    named = load_scenario(write(tmp_path, MINI.replace('kind = "bogus_erasure_request"\n',
                                                       'kind = "bogus_erasure_request"\nrequester = "Mallory"\n')))
    assert named.bogus_requests[0].actor == "Mallory" and named.has_rights
    # The shipped scenario files one, to Hospital A, after the real requests.
    (bogus,) = load_scenario("gdpr").bogus_requests
    assert (bogus.institution, bogus.actor) == ("Hospital A", "Unknown requester")
    assert s.erasure_deadline == 12 and s.has_rights
    assert not load_scenario("hospitals").has_rights and load_scenario("hospitals").erasure_deadline is None


def test_the_csv_consent_column_becomes_committed_flags(tmp_path):
    (tmp_path / "patients.csv").write_text((SHIPPED / "patients.csv").read_text())
    text = MINI.replace('data = { source = "patients", rows = 6, no_consent = 1 }',
                        'data = { source = "csv", path = "patients.csv", target = "label", rows = 30, '
                        'consent = "consent" }', 1)
    data = all_data(load_scenario(write(tmp_path, text)))
    a = data["Hospital A"]
    assert a.dataset.feature_names == ("patient_id", "age", "blood_pressure") and a.dataset.n == 30
    lines = (SHIPPED / "patients.csv").read_text().splitlines()[1:]
    assert a.dataset.flags.tolist() == [int(line.split(",")[3]) for line in lines]
    assert a.ids[:2] == (1001, 1002) and "6 without consent to purpose 0" in a.description
    missing = text.replace('consent = "consent"', 'consent = "agreed"')
    with pytest.raises(InputError, match="has no consent column 'agreed'"):
        all_data(load_scenario(write(tmp_path, missing)))
    with pytest.raises(ScenarioError, match="purpose needs data with consent flags"):
        load_scenario(write(tmp_path, text.replace('consent = "consent" }', 'purpose = 1 }')))


def test_patients_data_is_a_function_of_the_seed_and_ids_stay_distinct():
    s = load_scenario("gdpr")
    one, two = all_data(s), all_data(s)
    for name in ("Hospital A", "Hospital B", "Hospital C"):
        assert (one[name].dataset.features == two[name].dataset.features).all() and one[name].ids == two[name].ids
        assert one[name].dataset.has_flags and one[name].dataset.feature_names[0] == "patient_id"
    ids = one["Hospital C"].ids
    assert len(ids) - len(set(ids)) == 1  # one patient entered twice
    assert len(set(one["Hospital A"].ids)) == 120
    # Distinct patients keep distinct committed ids; the duplicate shares one.
    column = one["Hospital C"].dataset.features[:, 0].tolist()
    assert len(set(column)) == len(set(ids))


# ---------------------------------------------------------------- the shipped scenario and replays (slow)


@pytest.mark.slow
def test_shipped_gdpr_at_real_size(tmp_path):
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        mp.chdir(tmp_path)  # the bare name resolves to the shipped file
        code = cli_main.main(["simulate", "gdpr", "-o", str(tmp_path / "report"), "--workers", "2", "--json"])
    verdict = json.loads(stdout.getvalue())
    out = tmp_path / "report"
    assert code == 0 and verdict["ok"] and verdict["problems"] == [] and verdict["stopped"] == 2
    records = events(out)
    check_story(records, out, answered={"Hospital A": 2}, ignored="Hospital B", refused="Hospital C", excluded=12)
    # Hospital A proves the schema Hospital C cannot, and the regulator finds it on chain.
    (anchored,) = of(records, "anchor_validity", actor="Hospital A")
    assert anchored["outcome"] == "landed"
    (checked,) = of(records, "check_validity_claim", institution="Hospital A")
    assert checked["outcome"] == "passed" and "proof valid off chain" in checked["note"]
    commits = {r["actor"]: r["note"] for r in of(records, "commit_dataset")}
    assert "120 patients" in commits["Hospital A"] and "1 duplicated patient id" in commits["Hospital C"]
    section = check_summary(out, refused="Hospital C", ignored="Hospital B")
    assert "the 10 without consent and the 2 erased" in section and "**Hospital A** proved" in section
    # The bogus request to Hospital A: refuted with a proof over its 120 records, never overdue.
    (refuted,) = of(records, "refute_erasure")
    (proved,) = of(records, "prove_nonmembership")
    assert proved["circuit"].startswith("nonmembership-120x1-")
    assert "none of the 120 records it committed to" in section and f"{refuted['gas']:,} gas" in section
    assert [c["status"] for c in of(records, "check_erasure_request")] == ["answered", "answered", "overdue",
                                                                           "refuted"]
    assert {"gas.png", "proof_times.png", "timeline.png"} <= {p.name for p in out.iterdir()}


@pytest.mark.slow
def test_same_seed_same_log_and_state(mini, tmp_path):
    path, report, out = mini
    again = run_scenario(path, out=tmp_path, charts=False)
    assert again.ok and again.state_hash == report.state_hash
    assert (tmp_path / "events.jsonl").read_bytes() == (out / "events.jsonl").read_bytes()


@pytest.mark.slow
def test_the_miniature_on_anvil_replays_and_a_forged_request_is_caught(anvil_url, tmp_path):
    out = tmp_path / "run"
    report = run_scenario(write(tmp_path, MINI), out=out, rpc=anvil_url, charts=False)
    assert report.ok, report.problems
    records = events(out)
    check_story(records, out, answered={"Hospital A": 2}, ignored="Hospital B", refused="Hospital C", excluded=3)
    result = replay(out, anvil_url)
    assert result.ok, result.problems
    # A log that claims another deadline, or that an overdue request was answered, disagrees with the chain.
    forged = json.loads(json.dumps(records))
    request = next(r for r in forged if r["action"] == "request_erasure")
    request["deadline"] += 100
    flag = next(r for r in forged if r["action"] == "check_erasure_request" and r["status"] == "overdue")
    flag["status"] = "answered"
    # ... or that the refutation landed in another block, or that the refuted request turned overdue.
    refutation = next(r for r in forged if r["action"] == "refute_erasure")
    refutation["block"] += 1
    refuted = next(r for r in forged if r["action"] == "check_erasure_request" and r["status"] == "refuted")
    refuted["status"] = "overdue"
    (out / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in forged))
    problems = replay(out, anvil_url).problems
    assert any(f"event {request['seq']}" in p and "is not the one logged" in p for p in problems)
    assert any(f"event {flag['seq']}" in p and "is overdue on chain" in p for p in problems)
    assert any(f"event {refutation['seq']}" in p and "was not refuted in block" in p for p in problems)
    assert any(f"event {refuted['seq']}" in p and "is refuted on chain, the log says overdue" in p for p in problems)
