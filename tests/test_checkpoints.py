"""Checkpointed training (zkanchor.training.checkpoints, prove-training --checkpoint-every, verify-training OUT).

One tiny run (8 rows x 3 features, linreg, 4 epochs, K = 1: four segments of 5.5k
constraints) is proven once by the CLI on a local pool of two processes; every test
tampers with a copy of it, or proves a run of its own into a temporary directory.

- the run verifies, through verify_run and the CLI, and the chain printed is the model's;
- a segment removed (its directory, or its directory and manifest entry), two swapped
  (directories or manifest entries), one replaced by a segment of another run (another
  C_D, another learning rate), an edited manifest (a checkpoint, the start, an entry's
  commitment): refused with one sentence naming the segment, through both;
- an interrupted run (a failing prover, a failing save, segments deleted) resumes into the
  same OUT proving only what is missing, leaves no half-written directory, and ends at the
  model's C_W; a run directory of another run is never overwritten;
- (slow) a Dask LocalCluster proves the same statements as the local pool.

On chain, a segment over another C_D or of another circuit is refused by the registry:
tests/test_registry_adversarial.py (test_segment_over_another_dataset,
test_segment_of_another_circuit, test_a_segment_must_be_what_its_run_was_opened_for).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

from zkanchor.cli.main import main
from zkanchor.commit import load_dataset_dir
from zkanchor.proofs import KeyStore, Prover
from zkanchor.proofs import bundle as bundle_module
from zkanchor.training import checkpoints
from zkanchor.training.checkpoints import plan_run, prove_run, verify_run
from zkanchor.training.modeldir import load_model_dir

INSTITUTION = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"  # eth-tester account 1 (EIP-55 form)
ROWS = [(0.5, 1.25, -0.5, 1.0), (-1.0, 0.5, 0.25, -0.5), (1.5, -0.25, 0.75, 1.25), (-0.75, -1.0, 0.5, -1.0),
        (0.25, 0.75, -1.0, 0.5), (-1.5, 0.25, 1.0, -1.25), (1.0, -0.5, -0.25, 0.75), (-0.25, 1.0, 0.5, 0.0)]
OTHER_ROWS = [(x2, x1, -x3, -y) for x1, x2, x3, y in ROWS]  # same shape and widths, other values: another C_D
SEGMENTS = 4  # 4 epochs, --checkpoint-every 1
REAL_PROVE_SEGMENT = checkpoints._prove_segment
TIMING = ("seconds", "peak_memory_bytes", "worker")  # what may differ between two provings of one run


# Keys and circuit hashes this module makes go to a cache of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("key_cache")


def call(*argv) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main([str(a) for a in argv])


def run(capsys, *argv):
    capsys.readouterr()
    code = call(*argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def write_csv(path: Path, rows) -> Path:
    path.write_text("x1,x2,x3,y\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def write_manifest(out: Path, manifest: dict) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def model_cw(model_dir: Path) -> str:
    return json.loads((model_dir / "model.json").read_text())["final_weights_commitment"]


def leftovers(out: Path) -> list[str]:
    """Anything in a run directory that is neither the manifest nor a finished segment (temp dirs)."""
    return sorted(p.name for p in out.iterdir()
                  if p.name != "manifest.json" and not re.fullmatch(r"segment-\d{3}", p.name))


def untimed(manifest: dict) -> dict:
    """The manifest without what depends on when and where a segment was proven."""
    kept = {k: v for k, v in manifest.items() if k != "wall_seconds"}
    kept["segments"] = [{k: v for k, v in entry.items() if k not in TIMING} for entry in manifest["segments"]]
    return kept


def plan_of(dataset_dir: Path, model_dir: Path, every: int = 1):
    dataset, salt, commitment = load_dataset_dir(dataset_dir)
    spec, model, _public = load_model_dir(model_dir)
    return plan_run(spec, dataset, salt, model, commitment.owner, every)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Two committed data sets, three models, and the run of the first model proven by the CLI."""
    d = tmp_path_factory.mktemp("checkpoints")
    write_csv(d / "a.csv", ROWS)
    write_csv(d / "b.csv", OTHER_ROWS)
    for name, csv in (("ds", "a.csv"), ("ds_other", "b.csv")):
        assert call("commit", d / csv, "--target", "y", "--institution", INSTITUTION, "--value-bits", "10",
                    "-o", d / name) == 0
    assert call("train", d / "ds", "--model", "linreg", "--epochs", SEGMENTS, "--lr", "0.25", "-o", d / "model") == 0
    # Another spec (learning rate) on the same data, and the same spec on other data.
    assert call("train", d / "ds", "--model", "linreg", "--epochs", SEGMENTS, "--lr", "0.5", "-o", d / "model_lr") == 0
    assert call("train", d / "ds_other", "--model", "linreg", "--epochs", SEGMENTS, "--lr", "0.25",
                "-o", d / "model_other") == 0
    assert call("prove-training", d / "ds", d / "model", "-o", d / "run", "--checkpoint-every", 1,
                "--workers", 2) == 0
    return d


@pytest.fixture
def copy(base, tmp_path):
    """A copy of the honest run to tamper with."""
    return Path(shutil.copytree(base / "run", tmp_path / "run"))


def refused(capsys, out: Path, index: int, *words: str) -> str:
    """verify_run and the CLI both refuse ``out`` with one sentence naming segment ``index``; the sentence."""
    report = verify_run(out)
    assert not report.valid and report.problem, report
    assert re.search(rf"\bsegment {index}\b", report.problem), report.problem
    for word in words:
        assert word in report.problem, report.problem
    code, stdout, err = run(capsys, "verify-training", out)
    assert code == 1, (stdout, err)
    assert stdout.strip() == f"INVALID: {report.problem}"  # one line, nothing else
    assert "Traceback" not in err
    return report.problem


def foreign_segment(dataset_dir: Path, model_dir: Path, index: int, dest: Path) -> None:
    """Segment ``index`` of another run (another data set or model), proven honestly and saved at ``dest``."""
    plan = plan_of(dataset_dir, model_dir)
    segment = plan.segments[index]
    if dest.exists():
        shutil.rmtree(dest)
    quiet(Prover(KeyStore()).prove, segment.statement, segment.opening).save(dest)


# -- the honest run ---------------------------------------------------------------------------


def test_honest_run_verifies_and_chains_to_the_model(base, capsys):
    out = base / "run"
    manifest = manifest_of(out)
    assert manifest["segments_total"] == SEGMENTS and [e["index"] for e in manifest["segments"]] == [0, 1, 2, 3]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"] + [f"segment-{i:03d}" for i in range(4)]
    # The local pool proved them (in its two processes, not this one).
    assert all(not e["worker"].endswith(f":{os.getpid()}") for e in manifest["segments"])
    report = verify_run(out)
    assert report.valid and report.segments == SEGMENTS, report.problem
    cws = [manifest["checkpoints"][0]] + [d["C_W"] for d in report.details]
    assert [d["C_W0"] for d in report.details] == cws[:-1]  # each segment starts where the previous ended
    assert cws == manifest["checkpoints"] and cws[-1] == model_cw(base / "model")
    assert str(report.statement.final_weights_commitment) == model_cw(base / "model")

    code, stdout, err = run(capsys, "verify-training", out)
    assert code == 0, err
    assert stdout.startswith(f"OK: {SEGMENTS} segments chain from the public start to the final model\n")
    assert model_cw(base / "model") in stdout
    assert manifest["run_id"] == checkpoints.run_id(int(INSTITUTION, 16), int(manifest["dataset_commitment"]),
                                                    report.statement.spec.training, 1, int(cws[-1]))


# -- removed, reordered, replaced segments; an edited manifest -----------------------------------


def test_removed_segment_directory_is_refused(copy, capsys):
    shutil.rmtree(copy / "segment-002")
    refused(capsys, copy, 2)


@pytest.mark.parametrize("index", [1, 3])
def test_removed_segment_and_its_manifest_entry_are_refused(copy, capsys, index):
    shutil.rmtree(copy / f"segment-{index:03d}")
    manifest = manifest_of(copy)
    manifest["segments"] = [e for e in manifest["segments"] if e["index"] != index]
    write_manifest(copy, manifest)
    refused(capsys, copy, index, "missing")


def test_swapped_segment_directories_are_refused(copy, capsys):
    (copy / "segment-001").rename(copy / "tmp")
    (copy / "segment-002").rename(copy / "segment-001")
    (copy / "tmp").rename(copy / "segment-002")
    refused(capsys, copy, 1)


def test_swapped_manifest_entries_are_refused(copy, capsys):
    manifest = manifest_of(copy)
    entries = manifest["segments"]
    entries[1], entries[2] = entries[2], entries[1]
    write_manifest(copy, manifest)
    refused(capsys, copy, 1)


def test_segment_of_another_dataset_is_refused(base, copy, capsys):
    foreign_segment(base / "ds_other", base / "model_other", 1, copy / "segment-001")
    refused(capsys, copy, 1, "another dataset")


@pytest.mark.slow
def test_segment_of_another_learning_rate_is_refused(base, copy, capsys):
    foreign_segment(base / "ds", base / "model_lr", 1, copy / "segment-001")
    refused(capsys, copy, 1, "another spec")


def _edit_checkpoint(index):
    def edit(manifest):
        manifest["checkpoints"][index] = str(int(manifest["checkpoints"][index]) + 1)
    return edit


def _edit_entry(index, key):
    def edit(manifest):
        entry = manifest["segments"][index]
        entry[key] = str(int(entry[key]) + 1)
    return edit


def _edit_epochs(index):
    def edit(manifest):
        manifest["segments"][index]["epochs"] = [0, manifest["segments"][index]["epochs"][1]]
    return edit


def _edit_start(manifest):
    # Claim the run resumed from a checkpoint (the digest dropped: it is optional, the fields are read).
    manifest["spec"]["start"] = "checkpoint"
    del manifest["spec"]["digest"]


@pytest.mark.parametrize("edit, index", [
    (_edit_checkpoint(0), 0),  # the start's commitment
    (_edit_checkpoint(2), 1),  # a checkpoint in the middle: segment 1's end (and segment 2's start)
    pytest.param(_edit_entry(2, "initial_weights_commitment"), 2, marks=pytest.mark.slow),
    pytest.param(_edit_entry(3, "final_weights_commitment"), 3, marks=pytest.mark.slow),
    pytest.param(_edit_epochs(2), 2, marks=pytest.mark.slow),
], ids=["start-commitment", "checkpoint-2", "entry-2-start", "entry-3-end", "entry-2-epochs"])
def test_edited_manifest_commitment_is_refused(copy, capsys, edit, index):
    manifest = manifest_of(copy)
    edit(manifest)
    write_manifest(copy, manifest)
    refused(capsys, copy, index, "manifest")


@pytest.mark.parametrize("key, value", [("run_id", "0x" + "00" * 32), ("segments_total", 3)])
def test_edited_manifest_run_fields_are_refused(copy, capsys, key, value):
    manifest = manifest_of(copy)
    manifest[key] = value
    write_manifest(copy, manifest)
    report = verify_run(copy)
    assert not report.valid and "manifest" in report.problem and key.split("_")[0] in report.problem, report
    code, stdout, err = run(capsys, "verify-training", copy)
    assert code == 1 and stdout.strip() == f"INVALID: {report.problem}" and "Traceback" not in err


def test_duplicated_manifest_entry_is_refused(copy, capsys):
    manifest = manifest_of(copy)
    manifest["segments"].insert(2, manifest["segments"][1])
    write_manifest(copy, manifest)
    refused(capsys, copy, 1, "twice")


def test_edited_manifest_start_is_refused(copy, capsys):
    manifest = manifest_of(copy)
    _edit_start(manifest)
    write_manifest(copy, manifest)
    report = verify_run(copy)
    assert not report.valid and "public initial weights" in report.problem, report
    code, stdout, err = run(capsys, "verify-training", copy)
    assert code == 1 and stdout.strip() == f"INVALID: {report.problem}" and "Traceback" not in err


# -- interruption and resume ------------------------------------------------------------------


class Interrupted(RuntimeError):
    pass


def counting_prover(monkeypatch, fail_after: int | None = None) -> list[int]:
    """Replace the segment prover (in-process runs) by one that records each segment and may fail."""
    calls: list[int] = []
    real = REAL_PROVE_SEGMENT

    def prove(job):
        if fail_after is not None and len(calls) >= fail_after:
            raise Interrupted(f"worker lost while proving segment {job.index}")
        calls.append(job.index)
        return real(job)

    monkeypatch.setattr(checkpoints, "_prove_segment", prove)
    return calls


def proofs(out: Path) -> dict[str, bytes]:
    return {p.name: (p / "proof.json").read_bytes() for p in sorted(out.glob("segment-*"))}


def test_interrupted_run_resumes_proving_only_the_missing_segments(base, tmp_path, monkeypatch):
    out = tmp_path / "run"
    plan = plan_of(base / "ds", base / "model")
    calls = counting_prover(monkeypatch, fail_after=2)
    with pytest.raises(Interrupted, match="segment 2"):
        quiet(prove_run, plan, out)
    assert calls == [0, 1]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "segment-000", "segment-001"]
    assert [e["index"] for e in manifest_of(out)["segments"]] == [0, 1]
    report = verify_run(out)  # an unfinished run is not a run
    assert not report.valid and re.search(r"\bsegment 2\b", report.problem), report
    before = proofs(out)

    calls = counting_prover(monkeypatch)
    manifest = quiet(prove_run, plan, out)
    assert calls == [2, 3]  # only the missing ones
    assert {k: v for k, v in proofs(out).items() if k in before} == before  # the first two untouched
    assert [e["worker"] == "resumed" for e in manifest["segments"]] == [True, True, False, False]
    assert manifest["checkpoints"][-1] == model_cw(base / "model") == manifest["segments"][-1]["final_weights_commitment"]
    assert manifest_of(out)["segments"] == manifest["segments"]
    # Same commitments as the uninterrupted run of the CLI (salts derive from the model's).
    assert untimed(manifest) == untimed(manifest_of(base / "run"))
    report = verify_run(out)
    assert report.valid, report.problem
    assert leftovers(out) == []


@pytest.mark.slow
def test_failed_save_leaves_no_half_written_segment(base, tmp_path, monkeypatch):
    out = tmp_path / "run"
    plan = plan_of(base / "ds", base / "model")
    real, saved = bundle_module.save_public, []

    def save_public(public, path):
        if len(saved) == 1:  # the second segment's bundle: statement.json and proof.json already written
            raise OSError(28, "No space left on device")
        saved.append(path)
        return real(public, path)

    monkeypatch.setattr(bundle_module, "save_public", save_public)
    with pytest.raises(OSError, match="No space left"):
        quiet(prove_run, plan, out)
    assert leftovers(out) == [] and sorted(p.name for p in out.glob("segment-*")) == ["segment-000"]
    assert [e["index"] for e in manifest_of(out)["segments"]] == [0]

    monkeypatch.setattr(bundle_module, "save_public", real)
    calls = counting_prover(monkeypatch)
    quiet(prove_run, plan, out)
    assert calls == [1, 2, 3]
    assert verify_run(out).valid and leftovers(out) == []


@pytest.mark.slow
def test_cli_resumes_into_the_same_directory(base, copy, capsys):
    # An interruption after two segments: the last two directories and manifest entries are gone.
    for i in (2, 3):
        shutil.rmtree(copy / f"segment-{i:03d}")
    manifest = manifest_of(copy)
    manifest["segments"] = manifest["segments"][:2]
    write_manifest(copy, manifest)
    before = proofs(copy)
    code, stdout, err = run(capsys, "prove-training", base / "ds", base / "model", "-o", copy,
                            "--checkpoint-every", 1, "--workers", 1)
    assert code == 0, err
    assert "proved 4 segments" in stdout
    manifest = manifest_of(copy)
    assert [e["worker"] == "resumed" for e in manifest["segments"]] == [True, True, False, False]
    assert {k: v for k, v in proofs(copy).items() if k in before} == before
    assert manifest["checkpoints"][-1] == model_cw(base / "model")
    assert untimed(manifest) == untimed(manifest_of(base / "run"))
    code, stdout, err = run(capsys, "verify-training", copy)
    assert code == 0 and stdout.startswith("OK: 4 segments chain"), (stdout, err)
    assert leftovers(copy) == []


@pytest.mark.parametrize("model, every", [("model_lr", 1), ("model", 2)], ids=["another-model", "another-K"])
def test_another_run_never_overwrites_a_run_directory(base, copy, capsys, model, every):
    before = {p.name: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    code, stdout, err = run(capsys, "prove-training", base / "ds", base / model, "-o", copy,
                            "--checkpoint-every", every, "--workers", 1)
    assert code == 2, (stdout, err)
    # The refusal is the only thing printed: it comes before the cost estimate and any work.
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zkanchor: error") and "another run" in lines[0], err
    assert {p.name: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before
    # The API refuses too, before proving anything.
    with pytest.raises(Exception, match="another run"):
        quiet(prove_run, plan_of(base / "ds", base / model, every), copy)
    assert {p.name: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


# -- Dask ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_dask_cluster_proves_the_same_statements_as_the_local_pool(base, tmp_path, capsys):
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "run-dask"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            worker_pids = {str(pid) for pid in client.run(os.getpid).values()}
            code, stdout, err = run(capsys, "prove-training", base / "ds", base / "model", "-o", out,
                                    "--checkpoint-every", 1, "--scheduler", cluster.scheduler_address)
    finally:
        cluster.close()
    assert code == 0, err
    assert "dask cluster" in stdout
    local, dask = base / "run", out
    for i in range(SEGMENTS):
        name = f"segment-{i:03d}"
        for f in ("statement.json", "public.json"):
            assert (dask / name / f).read_bytes() == (local / name / f).read_bytes(), (name, f)
        assert (dask / name / "proof.json").read_bytes() != (local / name / "proof.json").read_bytes()  # re-proven
    m_dask, m_local = manifest_of(dask), manifest_of(local)
    assert untimed(m_dask) == untimed(m_local)
    # Each segment was proven in one of the cluster's worker processes.
    pids = {w["worker"].rsplit(":", 1)[1] for w in m_dask["segments"]}
    assert pids <= worker_pids and str(os.getpid()) not in pids, (pids, worker_pids)
    report = verify_run(dask)
    assert report.valid, report.problem
    assert [d["C_W"] for d in report.details] == m_local["checkpoints"][1:]
    code, stdout, err = run(capsys, "verify-training", dask)
    assert code == 0, err
    assert stdout.startswith(f"OK: {SEGMENTS} segments chain") and model_cw(base / "model") in stdout
