"""Data subjects' rights in a run: receipts, erasure requests and their answers, validity claims.

What happens, and which check establishes each outcome (the simulator never takes an
actor's word for it):

- **Receipts** (``receipts = true``): when an institution anchors its dataset, every record's
  subject gets a receipt (:func:`zkanchor.commit.receipts.make_receipts`).  Before filing, a
  subject recomputes C_D from their receipt alone and finds it anchored on chain
  (``verify_receipt``).
- **Requests** (``withdraw_consent`` / ``erasure_request`` events): each subject files
  ``request_erasure`` from an account of their own, naming the leaf on their receipt; the
  registry sets the deadline.  Consent flags are committed with the data, so a withdrawal
  after the commitment cannot flip the flag: it is an erasure request like any other.
- **Answers** (``answers = true``): the institution erases the requested records
  (:func:`zkanchor.statements.erasure.erase`: values deleted, leaves tombstoned, same salt),
  proves the erasure, retrains from the public start on C_D' (the tombstoned records and the
  non-consenting ones are masked in the circuit) and proves it; both proofs are made in
  parallel.  ``anchor_erasure`` answers the requests (the registry checks the proof and that
  each request names the proof's leaf, then marks C_D erased); the retrained model is anchored
  over C_D'.  Each subject then reads the erasure proof from the chain, verifies it with the
  registered circuit's key, finds their leaf among the erased ones and C_D marked erased into
  C_D' (``verify_erasure``).
- **Bogus requests** (``bogus_erasure_request`` events): someone files a request naming a leaf
  (derived from the seed) that no record of the institution's dataset has.  The institution
  checks every open request against its own leaves: the ones it holds are erased as above; for
  the others no erasure proof can exist, so it proves non-membership instead
  (:class:`zkanchor.statements.NonMembershipStatement`: no record of C_D has the named leaves,
  without showing the data), with the round's other proofs, and ``refute_erasure`` marks the
  requests refuted on chain — before the erasure, while C_D is the institution's current
  dataset.  The regulator's audit re-checks the proof and must find them ``refuted``, never
  overdue.
- **Ignored requests** (``answers = false``): nothing is sent; after the rounds the run mines
  blocks until the deadline has passed, and the regulator's audit finds them OVERDUE
  (:func:`zkanchor.simulator.oversight.audit_rights`).
- **erased_data** (an attack): after answering, the institution tries to keep using the erased
  records — a model trained on them claimed over C_D' (no proof exists: ``prover:C_D``), then a
  valid proof of a fresh model over the old C_D, made with the round's proofs (the registry
  refuses it: ``DatasetErased``).
- **Validity** (``validity = {...}``): the institution claims its committed data satisfies a
  public schema.  The library checks the data first and refuses a violation with one sentence
  naming the record; each rule is then checked alone to name the rules that fail, and the
  circuit is solved with the data to show no proof exists (the constraint it breaks).  A
  refused claim is logged ``stopped`` and never anchored; a satisfied one is proven with the
  round's proofs and anchored with ``anchor_validity``.

What the chain cannot show — that the raw data left the institution's disks and backups, or
that a superseded model is no longer served — is said in the report, not simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from zkanchor.anchor import RegistryError
from zkanchor.anchor.encoding import circuit_id_text, proof_from_words
from zkanchor.bn254.constants import R
from zkanchor.commit.commitment import dataset_leaves, tombstone
from zkanchor.commit.receipts import check_presence, make_receipts
from zkanchor.errors import InputError
from zkanchor.groth16.verifier import verify
from zkanchor.models.weights import weights_commitment
from zkanchor.statements import (
    ErasureOpening, NonMembershipOpening, ValidityOpening, ValidityStatement, claim_for, erase, make_erasure,
    make_nonmembership,
)

from . import seeds
from .attempts import log_attempt, send_attempt, target_fields
from .data import InstitutionData, subject_name
from .log import DONE, FAILED, LANDED, PASSED, STOPPED
from .proving import ProveJob, ProveResult, failing_constraint
from .scenario import BOGUS_REQUESTS, RIGHTS_EVENTS, ValiditySpec
from .world import Anchored, anchor_training, mine_blocks, public_initial, spec_of

if TYPE_CHECKING:
    from .scenario import Event, Scenario
    from .world import Party, World

REASONS = {
    "withdraw_consent": "consent withdrawn (art. 7(3) GDPR): the committed consent flag cannot change, "
                        "so the withdrawal is filed as an erasure request",
    "erasure_request": "erasure requested (art. 17 GDPR)",
    "bogus_erasure_request": "erasure requested (art. 17 GDPR) for a record the institution's dataset never held",
}


@dataclass
class Request:
    """An erasure request filed on chain, as the run tracks it."""

    request_id: int
    kind: str  # withdraw_consent, erasure_request or bogus_erasure_request
    subject: str  # the requester (a bogus request's filer is no data subject of the institution)
    address: str
    institution: str
    record: Optional[int]  # None: a bogus request names no record of the data
    leaf: int
    dataset: int  # the C_D it names
    block: int
    deadline: int
    answered_block: int = 0
    refuted_block: int = 0

    @property
    def bogus(self) -> bool:
        """True for a request naming a leaf the dataset never held."""
        return self.kind in BOGUS_REQUESTS

    @property
    def open(self) -> bool:
        """Neither answered nor refuted."""
        return not self.answered_block and not self.refuted_block


# ---------------------------------------------------------------- subjects and their accounts


def subjects(scenario: "Scenario", data: dict[str, InstitutionData]) -> dict[tuple[str, int], str]:
    """(institution, record) -> the subject's name, for every record a request names, in file order."""
    out = {}
    for e in scenario.requests:
        for record in e.records:
            out[(e.institution, record)] = subject_name(data[e.institution], e.institution, record)
    return out


def subject_names(scenario: "Scenario", data: dict[str, InstitutionData]) -> tuple[str, ...]:
    """The subjects who need an account, in the order they get one, then the bogus requests' filers."""
    names = list(subjects(scenario, data).values())
    return tuple(dict.fromkeys(names + [e.actor for e in scenario.bogus_requests]))


def bogus_leaf(seed: int, k: int, party: "Party") -> int:
    """The leaf bogus request event ``k`` names: derived from the seed, and no leaf of the party's tree
    (no record's, not 0, not the tombstone) — the registry would refuse 0 and the tombstone anyway."""
    held = {int(v) for v in dataset_leaves(party.data.dataset, party.data_salt)} | {0, tombstone()}
    attempt = 0
    while True:
        leaf = seeds.derive(seed, "bogus-leaf", party.name, k, attempt) % R
        if leaf not in held:
            return leaf
        attempt += 1


# ---------------------------------------------------------------- receipts


def hand_out_receipts(world: "World", party: "Party", round_: int) -> None:
    """One receipt per record, computed from the committed data (the subjects keep them; the report saves them)."""
    start = world.log.now()
    party.receipts = make_receipts(party.data.dataset, party.data_salt, party.address_int)
    world.log.add(party.name, "hand_out_receipts", DONE, round_, world.log.since(start), receipts=len(party.receipts),
                  commitment=hex(party.commitment),
                  note=f"{len(party.receipts)} private receipts: each subject's record, its position and its "
                       "Merkle path to C_D")


def _verify_presence(world: "World", party: "Party", subject: str, record: int, round_: int) -> None:
    """The subject recomputes C_D from their receipt alone and finds it anchored by the institution."""
    receipt = party.receipts[record]
    start = world.log.now()
    info = world.registry.dataset(party.address, receipt.commitment)
    ok = info.anchored and check_presence(receipt, receipt.commitment)
    if not ok:
        world.problems.append(f"{subject}'s receipt does not lead to a dataset {party.name} anchored")
    world.log.add(subject, "verify_receipt", PASSED if ok else FAILED, round_, world.log.since(start),
                  institution=party.name, record=record, commitment=hex(receipt.commitment),
                  anchored_block=info.block_number,
                  note=(f"the receipt's record, path and shape lead to the C_D {party.name} anchored in block "
                        f"{info.block_number}: the record is in it" if ok
                        else "the receipt does not lead to the anchored C_D"))


# ---------------------------------------------------------------- validity claims


def rules(v: ValiditySpec) -> list[tuple[str, dict]]:
    """Each rule of a schema on its own: (plain words, claim_for keyword arguments)."""
    out = []
    if v.min_records:
        out.append((f"at least {v.min_records} records", dict(min_records=v.min_records)))
    for column, lo, hi in v.bounds:
        out.append((f"every {column} between {lo:g} and {hi:g} (committed, standardised units)",
                    dict(bounds={column: (lo, hi)})))
    if v.labels:
        out.append((f"every label is one of {', '.join(f'{x:g}' for x in v.labels)}", dict(labels=v.labels)))
    if v.positive is not None:
        top = "all" if v.max_positive is None else str(v.max_positive)
        out.append((f"between {v.min_positive} and {top} records labelled {v.positive:g}",
                    dict(positive=v.positive, min_positive=v.min_positive, max_positive=v.max_positive)))
    if v.key_column is not None:
        out.append((f"no two records share a {v.key_column}", dict(key_column=v.key_column)))
    return out


def schema_arguments(v: ValiditySpec) -> dict:
    """The whole schema as claim_for keyword arguments."""
    return dict(bounds={c: (lo, hi) for c, lo, hi in v.bounds}, labels=v.labels, min_records=v.min_records,
                positive=v.positive, min_positive=v.min_positive, max_positive=v.max_positive,
                key_column=v.key_column)


def _refusal(party: "Party", arguments: dict) -> Optional[str]:
    """The library's sentence refusing the claim of ``arguments`` about the party's data, or None if it holds."""
    dataset, salt = party.data.dataset, party.data_salt
    try:
        claim = claim_for(dataset, **arguments)
        ValidityStatement(claim, party.address_int, party.commitment).check_opening(ValidityOpening(dataset, salt))
    except InputError as exc:
        return str(exc)
    return None


def _duplicates(party: "Party", column: str) -> str:
    """Which patients a failed unique-key rule is about, in the institution's own ids."""
    ids = party.data.ids
    if column != "patient_id" or ids is None:
        return ""
    seen: dict[int, list[int]] = {}
    for row, pid in enumerate(ids):
        seen.setdefault(pid, []).append(row)
    twice = [(pid, rows) for pid, rows in seen.items() if len(rows) > 1]
    return "; ".join(f"patient {pid} appears in records {' and '.join(map(str, rows))}" for pid, rows in twice)


def prepare_validity(world: "World", round_: int) -> list[ProveJob]:
    """Each honest institution's validity claim: a proving job when its data satisfies it, else a logged refusal."""
    jobs = []
    for party in (world.parties[i.name] for i in world.scenario.honest if i.validity is not None):
        v = party.inst.validity
        words = "; ".join(w for w, _ in rules(v))
        start = world.log.now()
        reason = _refusal(party, schema_arguments(v))
        if reason is None:
            claim = claim_for(party.data.dataset, **schema_arguments(v))
            statement = ValidityStatement(claim, party.address_int, party.commitment)
            jobs.append(ProveJob(f"{party.name}/validity", statement,
                                 ValidityOpening(party.data.dataset, party.data_salt), world.seed, world.keydirs))
            world.log.add(party.name, "claim_validity", DONE, round_, world.log.since(start), claim=words,
                          commitment=hex(party.commitment), note=f"the data satisfies the schema ({words}): proving it")
            continue
        broken = [w for w, arguments in rules(v) if _refusal(party, arguments) is not None]
        detail = _duplicates(party, v.key_column) if v.key_column and any("share a" in b for b in broken) else ""
        # The circuit too: solved with the real data, it breaks a constraint, so no proof exists.
        constraint = None
        try:
            claim = claim_for(party.data.dataset, **schema_arguments(v))
        except InputError:
            claim = None  # the claim cannot even be stated (e.g. more records required than C_D's n)
        if claim is not None:
            statement = ValidityStatement(claim, party.address_int, party.commitment)
            constraint = failing_constraint(statement, ValidityOpening(party.data.dataset, party.data_salt))
        stopped_by = f"prover:{constraint}" if constraint else "zkanchor:claim"
        world.log.add(party.name, "prove_validity", STOPPED, round_, world.log.since(start), claim=words,
                      broken="; ".join(broken), reason=reason, detail=detail or None, stopped_by=stopped_by,
                      commitment=hex(party.commitment),
                      note=f"refused before proving: {reason}; nothing is anchored")
    return jobs


def anchor_validity(world: "World", round_: int, jobs: list[ProveJob], results: dict[str, ProveResult]) -> None:
    """Anchor every proven validity claim (the registry checks the proof and the schema digest)."""
    for job in jobs:
        party = world.parties[job.label.split("/")[0]]
        circuit = world.circuit_of(job.label)
        result = results[job.label]
        start = world.log.now()
        try:
            tx = world.registry.anchor_validity(circuit.circuit_id, result.proof, result.public, sender=party.address)
        except RegistryError as exc:
            world.problems.append(f"{party.name}'s validity claim was refused on chain ({exc.error})")
            world.log.add(party.name, "anchor_validity", FAILED, round_, world.log.since(start),
                          stopped_by=f"contract:{exc.error}")
            continue
        world.log.add(party.name, "anchor_validity", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                      block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id,
                      commitment=hex(party.commitment), claim="; ".join(w for w, _ in rules(party.inst.validity)))


# ---------------------------------------------------------------- requests and answers


@dataclass
class _Answer:
    """An institution's answer in the making: the erasure, the retraining, an erased_data attempt's jobs."""

    party: "Party"
    requests: list[Request]
    statement: object  # ErasureStatement
    after: object  # the erased Dataset
    spec: object  # the TrainingSpec allowing tombstones
    model: object  # the retrained ModelOpening
    erasure: ProveJob
    retrain: ProveJob
    events: list["Event"]
    cheats: list[tuple[ProveJob, ProveJob]]  # per erased_data event: (claimed over C_D', proven over old C_D)


def requests_round(world: "World", round_: int, proven: dict[str, ProveResult]) -> None:
    """Subjects check their receipts and file (bogus requests are filed too, in file order); institutions
    answer — erasing the records they hold, refuting the requests naming records they never held — with
    all proofs in one batch, or ignore.

    ``proven`` holds the round's earlier proofs (the erased_data attacks' among them)."""
    events = [(k, e) for k, e in enumerate(world.scenario.events)
              if e.round == round_ and e.kind in RIGHTS_EVENTS + BOGUS_REQUESTS]
    if not events:
        return
    for k, e in events:
        party = world.parties[e.institution]
        if e.kind in BOGUS_REQUESTS:
            _file_bogus(world, party, e, k, round_)
            continue
        for record in e.records:
            subject = subject_name(party.data, party.name, record)
            _verify_presence(world, party, subject, record, round_)
            _file(world, party, e, record, subject, round_)
    answers, refutations = [], []
    for name in dict.fromkeys(e.institution for _, e in events):
        party = world.parties[name]
        open_ = [r for r in world.requests if r.institution == name and r.open]
        if not party.inst.answers:
            world.log.add(name, "ignore_erasure_requests", DONE, round_, requests=[r.request_id for r in open_],
                          note=f"{name} sends no answer to request(s) {', '.join(str(r.request_id) for r in open_)} "
                               f"(due by block {max(r.deadline for r in open_)})")
            continue
        # The institution looks each requested leaf up in its own data: a record it holds is erased;
        # a leaf no record has cannot be erased, and its absence is proven instead.
        held = {int(v) for v in dataset_leaves(party.data.dataset, party.data_salt)}
        absent = [r for r in open_ if r.leaf not in held]
        if absent:
            refutations.append(_prepare_refutation(world, party, absent, round_))
        present = [r for r in open_ if r.leaf in held]
        if present:
            answers.append(_prepare_answer(world, party, present, round_))
    if not answers and not refutations:
        return
    jobs = [job for a in answers for job in (a.erasure, a.retrain)] + [rf.job for rf in refutations]
    world.ensure_circuits(jobs, world.describe_training)
    results = {**proven, **world.prove(jobs)}
    for name in dict.fromkeys(e.institution for _, e in events):
        # A refutation first: it is about C_D exactly, and settles its requests before C_D is erased.
        for rf in (x for x in refutations if x.party.name == name):
            _refute(world, rf, results, round_)
        for a in (x for x in answers if x.party.name == name):
            _answer(world, a, results, round_)


def prepare_erased_data(world: "World", round_: int) -> list[ProveJob]:
    """erased_data attacks: a fresh model trained on the data about to be erased, proven with the round's
    proofs (nothing stops an institution from proving it early; the registry refuses it once C_D is erased)."""
    jobs = []
    for k, e in enumerate(world.scenario.events):
        if e.kind != "erased_data" or e.round != round_:
            continue
        party = world.parties[e.actor]
        tag = f"{party.name}/attack{k}-erased_data/round{round_}"
        fresh = world.train(party, party.data.dataset, public_initial(party.spec), seeds.salt(world.seed, "fresh", tag))
        jobs.append(world.training_job(party, tag, party.data.dataset, party.data_salt, fresh))
        world.erased_data[tag] = jobs[-1]
    return jobs


def _file(world: "World", party: "Party", e: "Event", record: int, subject: str, round_: int) -> None:
    receipt = party.receipts[record]
    address = world.subjects[(party.name, record)]
    start = world.log.now()
    tx = world.registry.request_erasure(party.address, receipt.commitment, receipt.leaf, sender=address)
    info = world.registry.erasure_request(tx.value)
    world.requests.append(Request(tx.value, e.kind, subject, address, party.name, record, receipt.leaf,
                                  receipt.commitment, tx.block_number, info.deadline))
    world.log.add(subject, "request_erasure", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, request=tx.value, institution=party.name, record=record,
                  leaf=hex(receipt.leaf), commitment=hex(receipt.commitment), deadline=info.deadline, reason=e.kind,
                  owner=party.address, sender=address,
                  note=f"{REASONS[e.kind]}; the request names the leaf on the receipt and is due by block {info.deadline}")


def _file_bogus(world: "World", party: "Party", e: "Event", k: int, round_: int) -> None:
    """Someone files an erasure request naming a leaf no record of the institution's dataset has."""
    leaf = bogus_leaf(world.seed, k, party)
    address = world.roles[e.actor]
    start = world.log.now()
    tx = world.registry.request_erasure(party.address, party.commitment, leaf, sender=address)
    info = world.registry.erasure_request(tx.value)
    world.requests.append(Request(tx.value, e.kind, e.actor, address, party.name, None, leaf, party.commitment,
                                  tx.block_number, info.deadline))
    world.log.add(e.actor, "request_erasure", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, request=tx.value, institution=party.name, leaf=hex(leaf),
                  commitment=hex(party.commitment), deadline=info.deadline, reason=e.kind, owner=party.address,
                  sender=address,
                  note=f"{REASONS[e.kind]}: anyone may file a request, and the registry cannot tell that no record "
                       f"has this leaf; due by block {info.deadline}")


@dataclass
class _Refutation:
    """An institution's refutation in the making: the requests naming leaves its data never held, and the proof job."""

    party: "Party"
    requests: list[Request]
    statement: object  # NonMembershipStatement
    job: ProveJob


def _prepare_refutation(world: "World", party: "Party", requests: list[Request], round_: int) -> _Refutation:
    leaves = list(dict.fromkeys(r.leaf for r in requests))
    ids = [r.request_id for r in requests]
    start = world.log.now()
    statement = make_nonmembership(party.address_int, party.data.dataset, party.data_salt, leaves)
    world.log.add(party.name, "examine_requests", DONE, round_, world.log.since(start), requests=ids,
                  commitment=hex(party.commitment), leaves=[hex(v) for v in leaves],
                  note=f"none of the {party.data.dataset.n} records in its dataset has the leaf named by request(s) "
                       f"{', '.join(map(str, ids))}: there is nothing to erase, so it proves the absence instead")
    job = ProveJob(f"{party.name}/nonmembership", statement, NonMembershipOpening(party.data.dataset, party.data_salt),
                   world.seed, world.keydirs)
    return _Refutation(party, requests, statement, job)


def _refute(world: "World", rf: _Refutation, results: dict[str, ProveResult], round_: int) -> None:
    """Send the non-membership proof: the registry verifies it and marks the requests refuted."""
    party = rf.party
    result = results[rf.job.label]
    circuit = world.circuit_of(rf.job.label)
    world.log.add(party.name, "prove_nonmembership", DONE, round_,
                  (world.log.wall_offset(result.started_at), result.seconds), worker=result.worker,
                  circuit=circuit.circuit_id, constraints=result.constraints, job=rf.job.label)
    ids = [r.request_id for r in rf.requests]
    start = world.log.now()
    try:
        tx = world.registry.refute_erasure(circuit.circuit_id, result.proof, result.public, ids, sender=party.address)
    except RegistryError as exc:
        world.problems.append(f"{party.name}'s refutation of request(s) {ids} was refused ({exc.error})")
        world.log.add(party.name, "refute_erasure", FAILED, round_, world.log.since(start),
                      stopped_by=f"contract:{exc.error}")
        return
    for r in rf.requests:
        r.refuted_block = tx.block_number
    world.log.add(party.name, "refute_erasure", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id,
                  requests=ids, commitment=hex(rf.statement.commitment), leaves=[hex(v) for v in rf.statement.leaves],
                  note=f"refutes request(s) {', '.join(map(str, ids))}: the registry verified the non-membership "
                       "proof (no record of C_D has the named leaf) and marked the request(s) refuted, never overdue")


def _prepare_answer(world: "World", party: "Party", requests: list[Request], round_: int) -> _Answer:
    dataset, salt = party.data.dataset, party.data_salt
    leaves = [r.leaf for r in requests]
    start = world.log.now()
    statement = make_erasure(party.address_int, dataset, salt, leaves)
    after = erase(dataset, salt, leaves)
    rows = ", ".join(str(r.record) for r in requests)
    world.log.add(party.name, "erase", DONE, round_, world.log.since(start), requests=[r.request_id for r in requests],
                  commitment=hex(statement.before), new_commitment=hex(statement.after),
                  note=f"deleted the values of record(s) {rows} and put tombstones in their place: "
                       f"C_D' = {hex(statement.after)[:12]}…, every other record unchanged")
    spec = spec_of(world.scenario, party.inst, after)
    start = world.log.now()
    model = world.train(party, after, public_initial(spec), seeds.salt(world.seed, "retrain", party.name), spec=spec)
    erasure = ProveJob(f"{party.name}/erasure", statement, ErasureOpening(dataset, salt), world.seed, world.keydirs)
    retrain = world.training_job(party, f"{party.name}/retrain", after, salt, model, spec=spec)
    left_out = retrain.statement.excluded
    world.log.add(party.name, "train", DONE, round_, world.log.since(start), retrain=True,
                  commitment=hex(statement.after), model=hex(weights_commitment(model.final, model.final_salt)),
                  excluded=left_out,
                  note=f"retrained from the public start on C_D': {left_out} of {after.n} records left out "
                       "(no consent, or erased)")
    events, cheats = [], []
    for k, e in enumerate(world.scenario.events):
        tag = f"{party.name}/attack{k}-erased_data/round{round_}"
        if tag not in world.erased_data:
            continue
        # Still learning from the erased records: over C_D' no proof exists; over C_D the registry refuses.
        kept = world.train(party, dataset, public_initial(spec), seeds.salt(world.seed, "kept", tag), spec=spec)
        claimed = world.training_job(party, tag + "/claimed", dataset, salt, kept, spec=spec,
                                     commitment=statement.after)
        events.append(e)
        cheats.append((claimed, world.erased_data[tag]))
    return _Answer(party, requests, statement, after, spec, model, erasure, retrain, events, cheats)


def _answer(world: "World", a: _Answer, results: dict[str, ProveResult], round_: int) -> None:
    party = a.party
    for action, job in (("prove_erasure", a.erasure), ("prove", a.retrain)):
        r = results[job.label]
        world.log.add(party.name, action, DONE, round_, (world.log.wall_offset(r.started_at), r.seconds),
                      worker=r.worker, circuit=world.circuit_of(job.label).circuit_id, constraints=r.constraints,
                      job=job.label)
    circuit = world.circuit_of(a.erasure.label)
    result = results[a.erasure.label]
    ids = [r.request_id for r in a.requests]
    start = world.log.now()
    try:
        tx = world.registry.anchor_erasure(circuit.circuit_id, result.proof, result.public, ids, sender=party.address)
    except RegistryError as exc:
        world.problems.append(f"{party.name}'s erasure answering request(s) {ids} was refused ({exc.error})")
        world.log.add(party.name, "anchor_erasure", FAILED, round_, world.log.since(start),
                      stopped_by=f"contract:{exc.error}")
        return
    for r in a.requests:
        r.answered_block = tx.block_number
    world.log.add(party.name, "anchor_erasure", LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id,
                  requests=ids, commitment=hex(a.statement.before), new_commitment=hex(a.statement.after),
                  note=f"answers request(s) {', '.join(map(str, ids))}: the registry verified the proof, "
                       "marked C_D erased and anchored C_D'")
    for r in a.requests:
        _verify_erasure(world, party, r, tx.tx_hash, tx.block_number, round_)

    retrain = results[a.retrain.label]
    circuit = world.circuit_of(a.retrain.label)
    action = "anchor_" + party.inst.anchor
    start = world.log.now()
    try:
        tx = anchor_training(world, party, circuit.circuit_id, retrain, round_)
    except RegistryError as exc:
        world.problems.append(f"{party.name}'s retrained model was refused ({exc.error})")
        world.log.add(party.name, action, FAILED, round_, world.log.since(start), stopped_by=f"contract:{exc.error}")
        return
    party.model, party.spec = a.model, a.spec
    party.anchors.append(Anchored(round_, circuit.circuit_id, tx.value, retrain.public, retrain.proof,
                                  party.inst.anchor, a.model))
    world.log.add(party.name, action, LANDED, round_, world.log.since(start), gas=tx.gas_used,
                  block=tx.block_number, tx=tx.tx_hash, statement=tx.value, circuit=circuit.circuit_id,
                  retrain=True, commitment=hex(a.statement.after), excluded=a.retrain.statement.excluded,
                  note="the retrained model, proven over C_D'")
    for event, (claimed, old) in zip(a.events, a.cheats):
        _erased_data(world, event, party, claimed, old, results[old.label])


def _verify_erasure(world: "World", party: "Party", r: Request, tx_hash: str, block: int, round_: int) -> None:
    """The subject reads the erasure proof from the chain and checks it answers their request."""
    receipt = party.receipts[r.record]
    start = world.log.now()
    call = world.registry.decode_call(tx_hash)[1]
    proof = proof_from_words(call["a"], call["b"], call["c"])
    public = [int(v) for v in call["inputs"]]
    circuit = world.circuit_by_id(circuit_id_text(call["circuitId"]))
    valid = verify(circuit.keys.vk, proof, public)
    before, after, leaves = public[1], public[2], public[3:]
    listed = receipt.leaf in leaves and before == receipt.commitment
    dataset = world.registry.dataset(party.address, receipt.commitment)
    request = world.registry.erasure_request(r.request_id)
    onchain = dataset.erased and dataset.erased_into == after and request.answered
    gone = not check_presence(receipt, after)  # a path into C_D no longer leads to C_D'
    ok = valid and listed and onchain and gone
    if not ok:
        world.problems.append(f"{r.subject} cannot confirm the erasure of their record")
    world.log.add(r.subject, "verify_erasure", PASSED if ok else FAILED, round_, world.log.since(start),
                  institution=party.name, record=r.record, request=r.request_id,
                  python_verifier="valid" if valid else "invalid",
                  new_commitment=hex(after),
                  note=(f"the erasure proof anchored in block {block} verifies and lists this record's leaf; "
                        f"C_D is marked erased into C_D' {hex(after)[:12]}…, which no longer holds the record"
                        if ok else "the erasure does not show this record removed"))


def _erased_data(world: "World", event: "Event", party: "Party", claimed: ProveJob, old: ProveJob,
                 result: ProveResult) -> None:
    """After the erasure, the institution tries to keep using the erased records."""
    start = world.log.now()
    broken = failing_constraint(claimed.statement, claimed.opening)
    log_attempt(world, event, "prove", "prove a model that still learned from the erased records as trained "
                                       "over C_D'", f"prover:{broken}" if broken else None, world.log.since(start))
    circuit = world.circuit_of(old.label)
    send_attempt(world, event, "anchor_verified", "anchor a new model trained on the erased C_D",
                 lambda: world.registry.anchor_training(circuit.circuit_id, result.proof, result.public,
                                                        sender=party.address),
                 note="the proof itself is valid", **target_fields(circuit.circuit_id, result.public, party.address))


def wait_for_deadlines(world: "World") -> None:
    """Let time pass until every unanswered request is past its deadline: ignoring institutions are caught
    then, and a refuted request is seen not to turn overdue."""
    open_ = [r for r in world.requests if r.open]
    if not open_:
        return
    refuted = [r for r in world.requests if r.refuted_block]
    target = max(r.deadline for r in open_ + refuted) + 1
    head = world.chain.w3.eth.block_number
    if head < target:
        mine_blocks(world, target - head)
    late = ", ".join(f"{r.request_id} (due by block {r.deadline})" for r in open_)
    also = (f"; refuted request(s) {', '.join(str(r.request_id) for r in refuted)} pass their deadline too"
            if refuted else "")
    world.log.add("simulator", "advance_blocks", DONE, None, blocks=max(0, target - head), block=max(head, target),
                  note=f"time passes: {max(0, target - head)} block(s) without an answer to request(s) {late}{also}")
