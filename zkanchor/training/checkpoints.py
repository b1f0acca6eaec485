"""Checkpointed training: a run of T epochs proven as T/K segments of K epochs each.

The exact trainer first produces every checkpoint's weights (one pass, numpy); segment i
then proves *"on the data of C_D, K epochs of the declared procedure take the weights of
C_W(i) to those of C_W(i+1)"*.  Segments are independent once the checkpoints exist, so
they are proven in parallel — a local process pool, or a Dask cluster — and each is
saved (and may be anchored) as it lands.  All segments share one circuit: the training
circuit for K epochs starting from a private checkpoint, hence one key.

A run directory::

    OUT/manifest.json       the run: institution, C_D, the full run's spec, K, every checkpoint's
                            commitment, the segments proven so far (written whole after each)
    OUT/segment-000/ ...    one proof bundle per segment (see zkanchor.proofs.bundle)

Checkpoint salts are derived from the model's private final salt (Poseidon under their
own tag), so an interrupted run resumes with the same commitments: segments already in
OUT are loaded, checked against the plan, and not proven again (OUT must hold this very
run: a manifest of another run_id is refused, never overwritten).  The last checkpoint's
salt is the model's own, so the last C_W is the model's C_W in model.json.

What a verifier checks (:func:`verify_run`): every segment's proof with a key bound to
the segment circuit; the chain — segment 0 starts at the public initial weights'
commitment, recomputed from the spec (not read from the manifest), each C_W is the next
C_W0, the last is the run's final model; one C_D, one institution, one spec; indices
0 .. T/K - 1, each present exactly once (a missing one is named); and the manifest says
what the proofs do (its checkpoints, each entry's commitments and epochs, the run_id).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

from ..addresses import format_address, parse_address
from ..commit.commitment import commit
from ..commit.dataset import Dataset
from ..errors import FormatError, InputError
from ..fileio import read_json, write_json
from ..models import model_module
from ..models.spec import TrainingSpec
from ..models.weights import weights_commitment
from ..poseidon import domains
from ..poseidon.domains import tag
from ..poseidon.hash import poseidon
from ..proofs import KeyStore, ProofBundle, Prover, trusted_key, verify_statement
from ..proofs.bundle import check_output_dir
from ..statements.base import field_int
from ..statements.training import ModelOpening, TrainingClaim, TrainingOpening, TrainingStatement

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
CHECKPOINT_SALT = "checkpoint/salt"


def segment_dir(index: int) -> str:
    """The directory name of segment ``index`` inside a run directory."""
    return f"segment-{index:03d}"


def checkpoint_salt(final_salt: int, index: int, count: int) -> int:
    """The salt of checkpoint ``index`` of ``count``: 0 for the public start, the model's for the last."""
    if index == 0:
        return 0
    if index == count:
        return final_salt
    return poseidon([final_salt, index], tag(CHECKPOINT_SALT))


def segment_spec(spec: TrainingSpec, every: int) -> TrainingSpec:
    """The spec every segment of a run of ``spec`` proves: ``every`` epochs from a private checkpoint."""
    return spec.with_epochs(every, start="checkpoint")


def run_id(institution: int, dataset_commitment: int, spec: TrainingSpec, every: int, final: int) -> str:
    """A 32-byte identifier of the run (hex), for the registry's checkpoint chain."""
    text = f"zkanchor/run/{institution}/{dataset_commitment}/{spec.digest()}/{every}/{final}"
    return "0x" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Segment:
    """One segment to prove: its index, statement and private opening."""

    index: int
    statement: TrainingStatement
    opening: TrainingOpening


@dataclass
class RunPlan:
    """Every segment of a checkpointed run, and the manifest describing it."""

    spec: TrainingSpec
    every: int
    institution: int
    dataset_commitment: int
    checkpoints: list[int]  # C_W(0) .. C_W(T/K)
    segments: list[Segment]
    run_id: str

    @property
    def count(self) -> int:
        """Number of segments."""
        return len(self.segments)

    def manifest(self, proven: dict[int, dict[str, Any]]) -> dict[str, Any]:
        """The manifest's object with the segments proven so far."""
        claim = self.segments[0].statement.spec
        return {
            "version": MANIFEST_VERSION, "kind": "training-run", "run_id": self.run_id,
            "institution": format_address(self.institution), "dataset_commitment": str(self.dataset_commitment),
            "spec": self.spec.to_json(), "every": self.every, "segments_total": self.count,
            "segment_claim": claim.to_json(), "checkpoints": [str(c) for c in self.checkpoints],
            "segments": [proven[i] for i in sorted(proven)],
        }


def plan_run(spec: TrainingSpec, dataset: Dataset, salt: int, model: ModelOpening, institution: int,
             every: int) -> RunPlan:
    """Re-train to produce every checkpoint and build the segments' statements and openings."""
    if spec.start != "public":
        raise InputError("a checkpointed run starts from the public initial weights")
    if type(every) is not int or not 1 <= every <= spec.epochs:
        raise InputError(f"--checkpoint-every must be between 1 and the {spec.epochs} epochs")
    if spec.epochs % every:
        raise InputError(f"{spec.epochs} epochs do not split into segments of {every}: every segment shares one "
                         "circuit, so choose a divisor of the epochs")
    kind = model_module(spec.model)
    if list(model.initial) != [int(v) for v in kind.initial_weights(spec)]:
        raise InputError("the model did not start from the spec's public initial weights")
    trace: list = []
    from ..statements.training import training_mask

    final = kind.train(spec, dataset.features, dataset.targets, np.asarray(model.initial, dtype=object), trace,
                       mask=training_mask(spec, dataset))
    if [int(v) for v in final] != list(model.final):
        raise InputError("the final weights are not what the declared training produces from this data")
    count = spec.epochs // every
    weights = [tuple(model.initial)] + [tuple(int(v) for v in trace[(i + 1) * every - 1]) for i in range(count)]
    salts = [checkpoint_salt(model.final_salt, i, count) for i in range(count + 1)]
    checkpoints = [weights_commitment(w, s) for w, s in zip(weights, salts)]
    claim = TrainingClaim(segment_spec(spec, every))
    c_d = commit(dataset, salt, institution)
    segments = []
    for i in range(count):
        opening = TrainingOpening(dataset, salt, ModelOpening(weights[i], weights[i + 1], salts[i], salts[i + 1]))
        mask = training_mask(claim.training, dataset)
        excluded = None if mask is None else int(claim.training.n - mask.sum())
        statement = TrainingStatement(claim, institution, c_d, checkpoints[i], checkpoints[i + 1], excluded=excluded)
        segments.append(Segment(i, statement, opening))
    return RunPlan(spec, every, institution, c_d, checkpoints, segments,
                   run_id(institution, c_d, spec, every, checkpoints[-1]))


# -- proving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    index: int
    statement: TrainingStatement
    opening: TrainingOpening
    keydirs: tuple[str, ...]
    cache: Optional[str]


def _prove_segment(job: _Job) -> tuple[int, ProofBundle, str]:
    """Run in a worker: prove one segment (keys from the shared cache or the named key dirs)."""
    keys = KeyStore(keydirs=job.keydirs, cache=job.cache, setup_missing=False)
    bundle = Prover(keys).prove(job.statement, job.opening, check=False)
    return job.index, bundle, f"{os.uname().nodename}:{os.getpid()}"


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    write_json(out / MANIFEST, manifest)


def _existing(out: Path, plan: RunPlan) -> dict[int, dict[str, Any]]:
    """Segments already proven in ``out`` that match the plan (a resumed run skips them)."""
    done: dict[int, dict[str, Any]] = {}
    for segment in plan.segments:
        path = out / segment_dir(segment.index)
        if not (path / "bundle.json").is_file():
            continue
        try:
            bundle = ProofBundle.load(path)
        except InputError:
            continue
        if bundle.statement.public_inputs() == segment.statement.public_inputs():
            done[segment.index] = _entry(segment, bundle, "resumed")
    return done


def _entry(segment: Segment, bundle: ProofBundle, worker: str) -> dict[str, Any]:
    every = segment.statement.spec.training.epochs
    return {"index": segment.index, "dir": segment_dir(segment.index),
            "epochs": [segment.index * every, (segment.index + 1) * every],
            "initial_weights_commitment": str(segment.statement.initial_weights_commitment),
            "final_weights_commitment": str(segment.statement.final_weights_commitment),
            "circuit_hash": bundle.circuit_hash, "constraints": bundle.constraints,
            "seconds": bundle.info.get("seconds", {}).get("total"),
            "peak_memory_bytes": bundle.info.get("peak_memory_bytes"), "worker": worker}


def check_run_dir(plan: RunPlan, out: str | os.PathLike) -> None:
    """Refuse, before any work, an output directory ``plan`` may not write: one that exists
    without a manifest, or that holds another run (its segments would be replaced).  A
    directory of this very run is fine: proving resumes into it."""
    out = Path(out)
    if not (out / MANIFEST).is_file():
        check_output_dir(out)
        return
    found = load_manifest(out).get("run_id")
    if found != plan.run_id:
        raise InputError(f"{str(out)!r} holds another run ({str(found)[:18]}..., not this run's "
                         f"{plan.run_id[:18]}...); choose a new output directory")


def prove_run(plan: RunPlan, out: str | os.PathLike, executor=None, keys: Optional[KeyStore] = None,
              on_segment: Optional[Callable[[Segment, ProofBundle, dict], None]] = None,
              progress: Optional[Callable[[str], None]] = None, retries: int = 1) -> dict[str, Any]:
    """Prove every segment of ``plan`` not yet in ``out``, saving each as it lands; the final manifest.

    ``executor`` is a :mod:`zkanchor.executor` executor (default: in this process).
    ``on_segment(segment, bundle, entry)`` is called as each segment is saved (to anchor
    it, for example).  Keys: the segment circuit's key is found (or set up) once here,
    in ``keys``' cache, before any worker starts.
    """
    out = Path(out)
    check_run_dir(plan, out)
    out.mkdir(parents=True, exist_ok=True)
    keys = keys if keys is not None else KeyStore()
    tick = progress or (lambda _s: None)
    from ..statements import compile

    circuit = compile(plan.segments[0].statement.spec, tick)
    keys.proving_key(circuit, tick)  # set up (or find) the one key before fanning out
    proven = _existing(out, plan)
    _write_manifest(out, plan.manifest(proven))
    todo = [s for s in plan.segments if s.index not in proven]
    jobs = [_Job(s.index, s.statement, s.opening, tuple(str(p) for p in keys.keydirs), str(keys.cache))
            for s in todo]
    started = time.perf_counter()
    stream = executor.stream(_prove_segment, jobs, retries) if executor is not None else \
        ((i, _prove_segment(job)) for i, job in enumerate(jobs))
    for _i, (index, bundle, worker) in stream:
        segment = plan.segments[index]
        _save_bundle(bundle, out / segment_dir(index))
        proven[index] = _entry(segment, bundle, worker)
        _write_manifest(out, plan.manifest(proven))
        tick(f"segment {index + 1}/{plan.count}")
        if on_segment is not None:
            on_segment(segment, bundle, proven[index])
    manifest = plan.manifest(proven)
    manifest["wall_seconds"] = round(time.perf_counter() - started, 3)
    _write_manifest(out, manifest)
    return manifest


def _save_bundle(bundle: ProofBundle, path: Path) -> None:
    # A partial result never replaces a good one: the bundle is written whole beside the old
    # directory (a segment that no longer matches the plan) and only then takes its place.
    bundle.save(path, overwrite=True)


# -- verifying ----------------------------------------------------------------------------


@dataclass
class RunReport:
    """The outcome of :func:`verify_run`."""

    valid: bool
    segments: int
    problem: Optional[str] = None
    statement: Optional[TrainingStatement] = None  # the whole run's claim, as segment 0..T/K
    details: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        if not self.valid:
            return f"INVALID: {self.problem}"
        return f"OK: {self.segments} segments chain from the public start to the final model"


def load_manifest(out: str | os.PathLike) -> dict[str, Any]:
    """``manifest.json`` of a run directory."""
    obj = read_json(Path(out) / MANIFEST, "run manifest")
    if not isinstance(obj, dict) or obj.get("kind") != "training-run" or obj.get("version") != MANIFEST_VERSION:
        raise FormatError(f"{str(Path(out) / MANIFEST)!r} is not a version-{MANIFEST_VERSION} training-run manifest")
    return obj


def _manifest_disagrees(entry: dict[str, Any], checkpoints: list, st: TrainingStatement, i: int,
                        every: int) -> Optional[str]:
    """What the manifest says of segment ``i`` that its proven statement does not (None: they agree)."""
    if str(checkpoints[i]) != str(st.initial_weights_commitment):
        return f"segment {i} starts from another commitment than the manifest's checkpoint {i}"
    if str(checkpoints[i + 1]) != str(st.final_weights_commitment):
        return f"segment {i} ends at another commitment than the manifest's checkpoint {i + 1}"
    for key, value in (("initial_weights_commitment", st.initial_weights_commitment),
                       ("final_weights_commitment", st.final_weights_commitment)):
        if str(entry.get(key)) != str(value):
            return f"segment {i}'s {key} in the manifest is not its proof's"
    if entry.get("epochs") != [i * every, (i + 1) * every]:
        return f"segment {i}'s epochs in the manifest are not {i * every} to {(i + 1) * every}"
    return None


def verify_run(out: str | os.PathLike, keys: Optional[KeyStore] = None, vk=None) -> RunReport:
    """Check every segment of a run directory and that they chain (see the module docstring).

    Returns a RunReport whose ``problem`` names the first segment that fails; FormatError
    for unreadable files.
    """
    out = Path(out)
    manifest = load_manifest(out)
    spec = TrainingSpec.from_json(manifest.get("spec"), "the run's spec")
    every = manifest.get("every")
    if type(every) is not int or every < 1 or spec.epochs % every:
        raise FormatError("the manifest's segment length does not divide the run's epochs")
    count = spec.epochs // every
    institution = parse_address(manifest.get("institution"))
    c_d = field_int(manifest.get("dataset_commitment"), "the manifest's dataset_commitment")
    expected_claim = TrainingClaim(segment_spec(spec, every))
    kind = model_module(spec.model)
    if spec.start != "public":
        return RunReport(False, count, "the manifest's spec does not start from the public initial weights, as "
                                       "every checkpointed run does")
    start = weights_commitment([int(v) for v in kind.initial_weights(spec)], 0)
    listed = manifest.get("segments")
    if not isinstance(listed, list):
        raise FormatError("the manifest's segments must be a list")
    checkpoints = manifest.get("checkpoints")
    if not isinstance(checkpoints, list) or len(checkpoints) != count + 1:
        return RunReport(False, count, f"the manifest must list {count + 1} checkpoint commitments for "
                                       f"{count} segments")
    if manifest.get("segments_total") != count:
        return RunReport(False, count, f"the manifest gives {manifest.get('segments_total')!r} segments in all, "
                                       f"its spec {count}")
    indices = [entry.get("index") if isinstance(entry, dict) else None for entry in listed]
    missing = [i for i in range(count) if i not in indices]
    if missing:
        return RunReport(False, count, f"segment {missing[0]} is missing: the manifest lists {len(listed)} "
                                       f"proven segments of {count}")
    if len(listed) != count:
        extra = next(i for n, i in enumerate(indices) if i in indices[:n] or i not in range(count))
        if extra in range(count):
            return RunReport(False, count, f"segment {extra} is listed twice in the manifest")
        return RunReport(False, count, f"the manifest lists an entry ({extra!r}) that is no segment of the run")
    previous_cw = start
    details = []
    for i in range(count):
        entry = listed[i]
        if not isinstance(entry, dict) or entry.get("index") != i or entry.get("dir") != segment_dir(i):
            return RunReport(False, count, f"segment {i} is missing or out of order in the manifest")
        try:
            bundle = ProofBundle.load(out / segment_dir(i))
        except InputError as exc:
            return RunReport(False, count, f"segment {i} cannot be read ({exc})")
        st = bundle.statement
        if not isinstance(st, TrainingStatement) or st.spec.digest() != expected_claim.digest():
            return RunReport(False, count, f"segment {i} was proven with another spec than the run's")
        if st.institution != institution:
            return RunReport(False, count, f"segment {i} was proven by another institution")
        if st.dataset_commitment != c_d:
            return RunReport(False, count, f"segment {i} is over another dataset than the run's C_D")
        if st.initial_weights_commitment != previous_cw:
            where = "the public initial weights" if i == 0 else f"segment {i - 1}'s final model"
            return RunReport(False, count, f"segment {i} does not start from {where} (the chain is broken)")
        problem = _manifest_disagrees(entry, checkpoints, st, i, every)
        if problem is not None:
            return RunReport(False, count, problem)
        key = trusted_key(st, keys, vk)
        if not verify_statement(st, bundle.proof, key):
            return RunReport(False, count, f"segment {i}'s proof does not verify")
        details.append({"index": i, "C_W0": str(st.initial_weights_commitment),
                        "C_W": str(st.final_weights_commitment), "key": key.source})
        previous_cw = st.final_weights_commitment
    if str(previous_cw) != str(checkpoints[-1]):
        return RunReport(False, count, "the last segment's model is not the run's final model")
    if manifest.get("run_id") != run_id(institution, c_d, spec, every, previous_cw):
        return RunReport(False, count, "the manifest's run_id is not this run's (institution, C_D, spec, K and "
                                       "final C_W)")
    whole = TrainingStatement(TrainingClaim(spec), institution, c_d, start, previous_cw,
                              excluded=bundle.statement.excluded if count else None)
    return RunReport(True, count, None, whole, details)
