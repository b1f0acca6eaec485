"""Batched pairing checks with named failures.

Every ceremony check is a *same-ratio* statement e(a, b2) = e(a2, b): "a2/a, in G1,
is the same secret as b2/b, in G2".  A verifier collects many of them, each with a
sentence saying what it means, and :meth:`RatioChecks.run` tests them all at once:
each statement is raised to an independent random 128-bit weight, statements sharing
a G2 point are merged on the G1 side, and the whole product is one multi-pairing with a
single final exponentiation.  A false statement survives the random weights with
probability 2^-128.  Only when the batch fails are the statements re-checked, group by
group (a group is, say, one contribution's statements) and then one by one inside the
failing group, so the error names the first false statement without paying a final
exponentiation for every true one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..bn254 import g1, g2
from ..bn254.pairing import pairing_check
from ..errors import ZkAnchorError


class CeremonyCheckFailed(ZkAnchorError):
    """A well-formed ceremony file whose contents do not verify (CLI exit code 1)."""


@dataclass
class RatioChecks:
    """A list of same-ratio statements to verify together."""

    items: list = field(default_factory=list)
    group: object = None
    hooks: list = field(default_factory=list)  # callables naming an earlier failure, tried by require

    def same_ratio(self, a, a2, b, b2, meaning: str) -> None:
        """Record e(a, b2) == e(a2, b): a -> a2 in G1 scales by the same secret as b -> b2 in G2.

        ``meaning`` is the sentence raised when this statement is false (or a callable
        returning it, called only then: a batched statement can find which of its parts
        failed); the statement joins the current :attr:`group`.
        """
        self.items.append(((a, b2), (a2, b), meaning, self.group))

    def require(self, condition: bool, sentence: str) -> None:
        """Raise CeremonyCheckFailed(sentence) unless ``condition`` -- after the pending statements.

        A transcript is checked in order, its pairing statements batched; running the
        pending ones first makes the error name the first record that is wrong, not a
        later one that merely stopped matching it.
        """
        if not condition:
            self.run()
            for hook in self.hooks:
                earlier = hook()
                if earlier:
                    raise CeremonyCheckFailed(earlier)
            raise CeremonyCheckFailed(sentence)

    def run(self) -> None:
        """Verify every recorded statement; raise CeremonyCheckFailed naming a false one."""
        items, self.items = self.items, []
        if not items or _batch_holds(items):
            return
        groups: dict = {}
        for item in items:
            groups.setdefault(item[3], []).append(item)
        for k, members in enumerate(groups.values()):
            # The last group must hold the failure when every earlier one held: no batch for it.
            if k < len(groups) - 1 and _batch_holds(members):
                continue
            for (p1, q1), (p2, q2), meaning, _ in members:
                if not pairing_check([(p1, q1), (g1.neg(p2), q2)]):
                    raise CeremonyCheckFailed(meaning() if callable(meaning) else meaning)
        # The batch failed but no single statement did: only possible for points
        # outside the groups, which pairing_check already refuses.
        raise CeremonyCheckFailed("the ceremony's pairing checks do not hold")


def _batch_holds(items) -> bool:
    """One multi-pairing for all statements, each under a random 128-bit weight."""
    merged: dict = {}
    for (p1, q1), (p2, q2), _, _ in items:
        w = secrets.randbits(128) | 1
        for p, q, sign in ((p1, q1, 1), (p2, q2, -1)):
            key = _g2_key(q)
            term = g1.mul(p, w) if sign > 0 else g1.neg(g1.mul(p, w))
            if key in merged:
                merged[key] = (g1.add(merged[key][0], term), q)
            else:
                merged[key] = (term, q)
    return pairing_check(list(merged.values()))


def _g2_key(q):
    return None if q is None else g2._to_int(q)


def first_inconsistent(pairs, labels):
    """The first label whose (P in G1, Q in G2) pair has dlog P != dlog Q, or None.

    One weighted check for all the pairs first (two Miller loops); one per pair only if
    that fails.  G2 points must already be known to lie in the prime-order subgroup.
    """
    from ..bn254.constants import G1_GEN, G2_GEN
    from .groupops import G1, G2, msm

    if not pairs:
        return None
    ws = [secrets.randbits(128) for _ in pairs]
    p_sum, q_sum = msm(G1, [p for p, _ in pairs], ws), msm(G2, [q for _, q in pairs], ws)
    if pairing_check([(p_sum, G2_GEN), (g1.neg(G1_GEN), q_sum)]):
        return None
    for (p, q), label in zip(pairs, labels):
        if not pairing_check([(p, G2_GEN), (g1.neg(G1_GEN), q)]):
            return label
    return None


def require(condition: bool, sentence: str) -> None:
    """Raise CeremonyCheckFailed(sentence) unless ``condition``."""
    if not condition:
        raise CeremonyCheckFailed(sentence)
