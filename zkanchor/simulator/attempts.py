"""An adversary's attempts, each logged with the check that stopped it (or as a problem of the run).

Shared by :mod:`zkanchor.simulator.attacks` and the ``erased_data`` attack of
:mod:`zkanchor.simulator.rights`, so every attack's records read alike; the ``stopped_by``
codes are listed in :mod:`zkanchor.simulator.attacks`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from zkanchor.anchor import RegistryError, statement_hash

from .log import NOT_STOPPED, STOPPED

if TYPE_CHECKING:
    from .scenario import Event
    from .world import World

_MEANING = re.compile(r"refused by the registry: (.*) \(\w+\)\.?$")


def log_attempt(world: "World", event: "Event", action: str, attempt: str, stopped_by: str | None,
                timing: tuple[float, float] | None = None, **details: Any) -> bool:
    """Log one attempt; ``stopped_by`` None means it got through (the run then fails)."""
    outcome = STOPPED if stopped_by else NOT_STOPPED
    if not stopped_by:
        world.problems.append(f"attack {event.kind} by {event.actor} in round {event.round} was not stopped: {attempt}")
    world.log.add(event.actor, action, outcome, event.round, timing, attack=event.kind, attempt=attempt,
                  stopped_by=stopped_by, **details)
    return bool(stopped_by)


def send_attempt(world: "World", event: "Event", action: str, attempt: str, send: Callable[[], Any],
                     **details: Any) -> Any:
    """Send a registry transaction the attack hopes lands; log the custom error that refuses it."""
    start = world.log.now()
    try:
        tx = send()
    except RegistryError as exc:
        meaning = _MEANING.search(str(exc))
        details["note"] = "; ".join(filter(None, [meaning[1] if meaning else str(exc), details.get("note")]))
        log_attempt(world, event, action, attempt, f"contract:{exc.error}", world.log.since(start), **details)
        return None
    log_attempt(world, event, action, attempt, None, world.log.since(start), gas=tx.gas_used, block=tx.block_number,
                tx=tx.tx_hash, **details)
    return tx


def target_fields(circuit_id: str, public: list[int], sender: str) -> dict[str, str]:
    """Log fields naming the statement an anchoring attempt aims at, so a replay can check it left no trace."""
    return {"statement": "0x" + statement_hash(circuit_id, public).hex(), "sender": sender}
