"""The trusted-setup ceremony a scenario runs among its institutions (``[setup] ceremony = true``).

Before any proof, the registered institutions (in file order) make the Groth16 keys
themselves with :mod:`zkanchor.ceremony`, so the keys are trustworthy if any one of them
was honest — instead of the seeded single-party setup of :mod:`zkanchor.simulator.proving`:

1. **Phase 1** (:func:`run_phase1`, before round 1): the accumulator of 2^power starts,
   every institution contributes in turn, and the coordinator (``admin``) verifies each
   contribution as it arrives (``verify_phase1`` against the previous state; G2 subgroup
   membership is checked once, on the final accumulator, where any bad point survives).
   A public beacon closes phase 1, and the whole of it is verified again.
2. **Phase 2** (:func:`circuit_keys`, when a circuit is first needed, still before any
   proof of it): phase 1 is prepared for the circuit's domain size, the initial key is
   derived, every institution contributes in turn and each contribution is verified
   against the initial key and the previous state; the final key is verified once more,
   and it proves every proof of that circuit.  Training and federated-aggregation
   circuits alike get a phase 2 from the same phase 1; a circuit whose domain exceeds
   2^power keeps the seeded setup (the engine logs which keys each circuit got).

Every action is logged (actor, phase, the accumulator or key digest, timing).

**Adversary** ``malformed_contribution`` (actor, ``phase`` 1 or 2): the actor's
contribution is made honestly and then tampered with — in phase 1 one power of tau in G1
is replaced by the one before it (a reused power), in phase 2 one H point is left
undivided by the new delta — and the record's digest is recomputed so that only the
cryptographic checks can notice.  The coordinator's verification refuses it; the attempt
is logged ``stopped`` with ``stopped_by = "ceremony:<check>"`` (see :data:`CHECK_CODES`)
and ``check`` = the verifier's sentence; the contribution is discarded and the ceremony
continues from the last valid state (the actor loses its turn in that phase).

Determinism: each contributor's secrets come from :mod:`zkanchor.simulator.seeds` (labels
``ceremony``, the phase, the circuit for phase 2, the contributor), and the beacon value,
unless the scenario gives one, from the seed; verification's own random weights only
decide pass/fail.  Preparation and the initial phase-2 key are pure functions of their
inputs' digests and are memoised per process (a second run with one seed reuses them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Optional

from zkanchor.ceremony import CeremonyCheckFailed
from zkanchor.ceremony import phase2 as p2
from zkanchor.ceremony import powers_of_tau as pt
from zkanchor.ceremony.prepare import Prepared, prepare
from zkanchor.ceremony.transcript import transcript_json
from zkanchor.errors import InputError
from zkanchor.groth16.keys import ProvingKey

from . import seeds
from .log import DONE, FAILED, NOT_STOPPED, PASSED, STOPPED
from .world import round_start

if TYPE_CHECKING:
    from .world import World
    from .scenario import Event

KIND = "malformed_contribution"
BEACON_ITERATIONS_EXP = 10  # 2^10 SHA-256 rounds: a token delay, as a simulation's beacon is not secret anyway

# The short name of each check (matched in the verifier's sentence), for ``stopped_by``.
CHECK_CODES = (
    ("the G1 powers are not consecutive", "g1-powers"),
    ("the G2 powers are not consecutive", "g2-powers"),
    ("powers were dropped or added", "point-count"),
    ("proof of knowledge", "proof-of-knowledge"),
    ("does not chain from", "chain"),
    ("beacon", "beacon"),
    ("the L and H points are not the initial ones divided by delta", "l-h-division"),
    ("changed something other than delta", "fixed-points"),
    ("delta in G1 and delta in G2 differ", "delta-g1-g2"),
    ("beta in G1 and beta in G2 differ", "beta-g1-g2"),
    ("points were changed after", "digest"),
    ("not in the prime-order subgroup", "subgroup"),
)

_PREPARED: dict[tuple[str, int], Prepared] = {}  # (phase-1 digest, log size) -> prepared
_INITIAL: dict[tuple[str, str], p2.Phase2] = {}  # (prepared digest, circuit sha256) -> initial key


@dataclass
class Ceremony:
    """A running ceremony: the verified phase 1 and the keys made from it so far."""

    power: int
    contributors: tuple[str, ...]
    phase1: pt.Phase1
    keys: dict[str, ProvingKey] = field(default_factory=dict)  # circuit sha256 -> final proving key
    transcripts: dict[str, dict] = field(default_factory=dict)  # circuit id -> ceremony.json object

    def ensure_circuits(self, world: "World", fresh: list, describe) -> None:
        """Keys for the run's new circuits: the world hands them here while this ceremony runs."""
        ceremony_circuits(world, fresh, describe)


def check_code(sentence: str, phase: int) -> str:
    """``ceremony:<code>`` for a CeremonyCheckFailed sentence (``ceremony:phase<n>`` if unlisted)."""
    code = next((c for text, c in CHECK_CODES if text in sentence), f"phase{phase}")
    return f"ceremony:{code}"


def contributors(world: "World") -> tuple[str, ...]:
    """Who contributes: every registered institution, in file order (intruders are no members)."""
    return tuple(i.name for i in world.scenario.institutions if i.registered)


def randbytes(seed: int, *labels: object) -> Callable[[int], bytes]:
    """An ``os.urandom`` stand-in for one contributor: a counter-mode SHA-256 stream from the seed."""
    counter = [0]

    def draw(n: int) -> bytes:
        out = b""
        while len(out) < n:
            counter[0] += 1
            out += seeds.derive(seed, "ceremony-bytes", *labels, counter[0]).to_bytes(32, "big")
        return out[:n]

    return draw


def _malformed(world: "World", name: str, phase: int) -> Optional["Event"]:
    return next((e for e in world.scenario.events if e.kind == KIND and e.actor == name and e.phase == phase), None)


def beacon_value(world: "World") -> str:
    """The scenario's beacon (hex), or one derived from the seed."""
    given = world.scenario.ceremony.beacon
    return given if given else f"{seeds.derive(world.seed, 'ceremony-beacon'):064x}"


# ---------------------------------------------------------------- tampering (the adversary)


def tamper_phase1(state: pt.Phase1, seed: int, name: str) -> tuple[pt.Phase1, str]:
    """Reuse a power of tau in G1 after an honest contribution; the record is made to match.

    Index k >= 2 so the record's heads (tau^1) stay right: only the powers check can tell.
    """
    acc = state.accumulator
    k = 2 + seeds.derive(seed, "ceremony-malformed", 1, name) % (len(acc.tau_g1) - 2)
    tau_g1 = acc.tau_g1[:k] + (acc.tau_g1[k - 1],) + acc.tau_g1[k + 1:]
    bad = replace(acc, tau_g1=tau_g1)
    record = replace(state.contributions[-1], hash=bad.digest())
    return pt.Phase1(bad, state.contributions[:-1] + (record,)), f"tau^{k - 1} reused as tau^{k} in G1"


def tamper_phase2(state: p2.Phase2, previous: p2.Phase2, seed: int, name: str) -> tuple[p2.Phase2, str]:
    """Leave one H point undivided by the new delta; the record's digest is made to match."""
    pk = state.pk
    i = seeds.derive(seed, "ceremony-malformed", 2, name) % len(pk.h_g1)
    h_g1 = pk.h_g1[:i] + (previous.pk.h_g1[i],) + pk.h_g1[i + 1:]
    bad = replace(pk, h_g1=h_g1)
    record = replace(state.contributions[-1], hash=p2.key_digest(bad))
    return replace(state, pk=bad, contributions=state.contributions[:-1] + (record,)), \
        f"H point {i} not divided by the new delta"


# ---------------------------------------------------------------- one turn


def _turn(world: "World", name: str, phase: int, make: Callable[[], object], verify: Callable[[object], None],
          tamper: Optional[Callable[[object], tuple[object, str]]], circuit: Optional[str]) -> Optional[object]:
    """One contributor's turn: contribute (and tamper, for a cheater), then the coordinator verifies.

    Returns the new state, or None when the contribution was refused (the caller keeps the old one).
    """
    log, start = world.log, world.log.now()
    candidate, attempt = make(), None
    if tamper is not None:
        candidate, attempt = tamper(candidate)
    made = world.log.since(start)
    verified_at = log.now()
    try:
        verify(candidate)
    except CeremonyCheckFailed as exc:
        refused = str(exc)
    else:
        refused = None
    if attempt is not None:
        _log_attempt(world, name, phase, attempt, refused, (start, log.now() - start), circuit)
        return None if refused else candidate
    where = {"phase": phase, "circuit": circuit}
    log.add(name, f"contribute_phase{phase}", DONE, None, made, contributor=name, hash=_digest(candidate), **where)
    if refused:
        world.problems.append(f"{name}'s honest phase-{phase} contribution failed verification: {refused}")
        log.add("admin", "verify_contribution", FAILED, None, log.since(verified_at), contributor=name,
                stopped_by=check_code(refused, phase), check=refused, **where)
        return None
    log.add("admin", "verify_contribution", PASSED, None, log.since(verified_at), contributor=name, **where)
    return candidate


def _log_attempt(world: "World", name: str, phase: int, attempt: str, refused: Optional[str],
                 timing: tuple[float, float], circuit: Optional[str]) -> None:
    """Log a malformed contribution: stopped (and discarded), or a problem if verification let it through."""
    what = f"a phase-{phase} contribution with {attempt}"
    if refused is None:
        world.problems.append(f"attack {KIND} by {name} was not stopped: {what}")
    world.log.add(name, f"contribute_phase{phase}", STOPPED if refused else NOT_STOPPED, None, timing, attack=KIND,
                  attempt=what, stopped_by=check_code(refused, phase) if refused else None, check=refused,
                  phase=phase, circuit=circuit,
                  note="discarded; the ceremony continues from the last valid state" if refused else None)


def _digest(state: object) -> str:
    return state.accumulator.digest() if isinstance(state, pt.Phase1) else p2.key_digest(state.pk)


# ---------------------------------------------------------------- phase 1


def run_phase1(world: "World", power: int) -> Ceremony:
    """Phase 1 among the institutions, then the beacon; the verified result (InputError if none)."""
    names = contributors(world)
    log, start = world.log, world.log.now()
    state = pt.start(power)
    log.add("admin", "ceremony_start", DONE, None, log.since(start), phase=1, power=power,
            contributors=list(names), hash=state.accumulator.digest(),
            note=f"powers of tau for circuits of up to 2^{power} rows")
    for name in names:
        event = _malformed(world, name, 1)
        step = _turn(
            world, name, 1,
            make=lambda s=state, n=name: pt.contribute(s, n, randbytes=randbytes(world.seed, 1, n)),
            verify=lambda c, s=state: pt.verify_phase1(c, previous=s, subgroup=False),
            tamper=(lambda c, n=name: tamper_phase1(c, world.seed, n)) if event else None, circuit=None)
        state = step if step is not None else state
    return _close_phase1(world, state, power, names)


def _close_phase1(world: "World", state: pt.Phase1, power: int, names: tuple[str, ...]) -> Ceremony:
    """Apply the beacon and verify all of phase 1, subgroup checks included."""
    log, start = world.log, world.log.now()
    value = beacon_value(world)
    final = pt.apply_beacon(state, value, BEACON_ITERATIONS_EXP)
    log.add("admin", "ceremony_beacon", DONE, None, log.since(start), phase=1, beacon=value,
            iterations_exp=BEACON_ITERATIONS_EXP, hash=final.accumulator.digest())
    start = log.now()
    try:
        report = pt.verify_phase1(final, previous=state)
    except CeremonyCheckFailed as exc:
        log.add("admin", "verify_phase1", FAILED, None, log.since(start), stopped_by=check_code(str(exc), 1),
                check=str(exc))
        raise InputError(f"the ceremony's phase 1 does not verify: {exc}") from None
    contributed = [n for n in report.names if n != "beacon"]
    log.add("admin", "verify_phase1", PASSED, None, log.since(start), phase=1, contributors=contributed,
            hash=report.hash, note=f"{len(contributed)} contributions and the beacon verify")
    return Ceremony(power, names, final)


# ---------------------------------------------------------------- phase 2


def _prepared(phase1: pt.Phase1, log_size: int) -> Prepared:
    key = (phase1.accumulator.digest(), log_size)
    if key not in _PREPARED:
        _PREPARED[key] = prepare(phase1, log_size)
    return _PREPARED[key]


def _initial(prep: Prepared, r1cs, circuit_hash: str) -> p2.Phase2:
    key = (prep.digest(), circuit_hash)
    if key not in _INITIAL:
        _INITIAL[key] = p2.initialize(prep, r1cs)
    return _INITIAL[key]


def circuit_keys(world: "World", circuit_id: str, r1cs, circuit_hash: str, log_size: int) -> ProvingKey:
    """Phase 2 for one circuit among the institutions; its verified final proving key."""
    ceremony: Ceremony = world.ceremony
    log, start = world.log, world.log.now()
    prep = _prepared(ceremony.phase1, log_size)
    initial = _initial(prep, r1cs, circuit_hash)
    log.add("admin", "ceremony_phase2_start", DONE, None, log.since(start), phase=2, circuit=circuit_id,
            log_size=log_size, prepared=prep.digest(), hash=initial.initial_hash,
            note=f"phase 1 prepared for 2^{log_size} rows; the initial key derived")
    state = initial
    circuit_hash = initial.circuit_hash
    for name in ceremony.contributors:
        event = _malformed(world, name, 2)
        step = _turn(
            world, name, 2,
            make=lambda s=state, n=name: p2.contribute(s, n, randbytes=randbytes(world.seed, 2, circuit_hash, n)),
            verify=lambda c, s=state: p2.verify_phase2(c, initial, previous=s),
            tamper=(lambda c, s=state, n=name: tamper_phase2(c, s, world.seed, n)) if event else None,
            circuit=circuit_id)
        state = step if step is not None else state
    start = log.now()
    try:
        report = p2.verify_phase2(state, initial)
    except CeremonyCheckFailed as exc:
        raise InputError(f"the ceremony's phase 2 for {circuit_id} does not verify: {exc}") from None
    log.add("admin", "verify_ceremony", PASSED, None, log.since(start), circuit=circuit_id,
            phase1_contributors=[r.name for r in state.phase1 if r.kind == "contribution"],
            phase2_contributors=list(report.names), hash=report.hash,
            note="the final key follows from the verified phase 1 and every verified contribution")
    ceremony.keys[circuit_hash] = state.pk
    ceremony.transcripts[circuit_id] = transcript_json(state, prep)
    return state.pk


def needed_power(domain_sizes: list[int]) -> int:
    """The smallest phase-1 power whose domain holds every given domain size."""
    return max(size.bit_length() - 1 for size in domain_sizes)


def phase1_power(world: "World") -> int:
    """Phase 1's power: the scenario's, or the smallest fitting every honest institution's training circuit."""
    shapes = {}
    for party in (world.parties[i.name] for i in world.scenario.honest):
        initial, kind = round_start(world, party, 1)
        opening = world.train(party, party.data.dataset, initial, seeds.salt(world.seed, "ceremony-shape", party.name))
        job = world.training_job(party, f"{party.name}/ceremony-shape", party.data.dataset, 0, opening, start=kind)
        shapes.setdefault(job.statement.spec.digest(), (party.name, job))
    infos = world.infos([job for _name, job in shapes.values()])
    needed = needed_power([info.domain_size for info in infos])
    given = world.scenario.ceremony.power
    if given is None:
        return needed
    if given < needed:
        widest = max(zip(shapes.values(), infos), key=lambda pair: pair[1].domain_size)[0][0]
        raise InputError(f"setup.power {given} is too small: {widest}'s training circuit needs 2^{needed} rows; "
                         f"use power = {needed} or more")
    return given


def ceremony_circuits(world: "World", fresh: list, describe) -> None:
    """Ceremony keys (phase 2 among the institutions) for each new circuit whose domain fits phase 1.

    Each circuit's final key is saved as a key directory (provenance: the ceremony) that
    the proving jobs name, so workers prove with exactly these keys.
    """
    from zkanchor.groth16.keydir import save_keydir
    from zkanchor.paths import cache_dir
    from zkanchor.statements import compile

    from .proving import KeyResult, setup_job

    infos = world.infos(fresh)
    for job, info in zip(fresh, infos):
        world.job_circuit[job.label] = info.circuit_hash
        if info.circuit_hash in world.circuits:
            continue
        circuit_id = world.circuit_id(job, info.circuit_hash, describe)
        log_size = info.domain_size.bit_length() - 1
        if log_size > world.ceremony.power:
            # Too big for this phase 1: the circuit keeps the seeded setup, and the log says so.
            start = world.log.now()
            keys = setup_job(job)
            world.log.add("admin", "setup_keys", DONE, timing=world.log.since(start), circuit=circuit_id,
                          constraints=keys.constraints, n_public=keys.n_public,
                          note=f"{keys.constraints:,} constraints, seeded keys: its 2^{log_size} rows exceed "
                               f"the ceremony's 2^{world.ceremony.power}")
            world.register_circuit(job, keys, circuit_id, describe)
            continue
        start = world.log.now()
        circuit = compile(job.statement.spec)
        pk = circuit_keys(world, circuit_id, circuit.r1cs, circuit.hash, log_size)
        # Named by the key itself: another ceremony for this circuit (another beacon or contributors) gets
        # another directory, so a process that remembers a directory's key never proves with a stale one.
        keydir = cache_dir("simulator-ceremony", f"{world.seed}-{circuit.hash[:32]}-{p2.key_digest(pk)[:16]}")
        save_keydir(keydir, circuit.r1cs, pk, {"trusted_setup": "multi-party ceremony (simulation)",
                                              "contributors": list(world.ceremony.contributors)},
                    write_circuit=False)
        world.keydirs = tuple(dict.fromkeys(world.keydirs + (str(keydir),)))
        keys = KeyResult(info.circuit_hash, pk.vk, info.constraints, info.n_public, False, world.log.now() - start)
        world.log.add("admin", "setup_keys", DONE, timing=world.log.since(start), circuit=circuit_id,
                      constraints=info.constraints, n_public=info.n_public,
                      note=f"{info.constraints:,} constraints, ceremony keys "
                           f"({len(world.ceremony.contributors)} institutions and a beacon)")
        world.register_circuit(job, keys, circuit_id, describe)
